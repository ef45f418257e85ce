package service_test

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers/internal/ptest"
	"github.com/gowmi/gowmi/providers/service"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// privateBus starts a dbus-daemon of the test's own and returns its
// address; the daemon stops when the test ends.
func privateBus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("dbus-daemon is not installed (Debian package dbus-daemon)")
	}
	addr := "unix:path=" + filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address="+addr, "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("dbus-daemon does not start here: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n') // printed once it listens
	if err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	return strings.TrimSpace(line)
}

func dial(ctx context.Context, addr string) (*dbus.Conn, error) {
	conn, err := dbus.Dial(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// fakeUnit is a service of the fake systemd.
type fakeUnit struct {
	name, desc, active, fileState, freezer, user string
	pid                                          uint32
	loaded, canFreeze, denied                    bool
	exec                                         string
}

func (u *fakeUnit) path() dbus.ObjectPath {
	return dbus.ObjectPath("/org/freedesktop/systemd1/unit/" + strings.NewReplacer(".", "_2e", "-", "_2d").Replace(u.name))
}

// fakeSystemd answers the part of org.freedesktop.systemd1.Manager that
// the provider uses, and the properties of its units.
type fakeSystemd struct {
	mu    sync.Mutex
	units map[string]*fakeUnit
	calls []string
}

type listedUnit struct {
	Name, Description, LoadState, ActiveState, SubState, Following string
	Path                                                           dbus.ObjectPath
	JobID                                                          uint32
	JobType                                                        string
	JobPath                                                        dbus.ObjectPath
}

func (f *fakeSystemd) record(s string) {
	f.calls = append(f.calls, s)
}

func (f *fakeSystemd) ListUnits() ([]listedUnit, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []listedUnit
	for _, u := range f.units {
		if u.loaded {
			out = append(out, listedUnit{Name: u.name, Description: u.desc, LoadState: "loaded", ActiveState: u.active,
				SubState: "x", Path: u.path(), JobPath: "/"})
		}
	}
	return out, nil
}

func (f *fakeSystemd) ListUnitFiles() ([]struct{ Path, State string }, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []struct{ Path, State string }
	for _, u := range f.units {
		out = append(out, struct{ Path, State string }{"/lib/systemd/system/" + u.name, u.fileState})
	}
	out = append(out, struct{ Path, State string }{"/lib/systemd/system/getty@.service", "enabled"})
	return out, nil
}

func (f *fakeSystemd) unit(name string) (*fakeUnit, *dbus.Error) {
	u, ok := f.units[name]
	if !ok {
		return nil, dbus.NewError("org.freedesktop.systemd1.NoSuchUnit", []any{"no unit " + name})
	}
	if u.denied {
		return nil, dbus.NewError("org.freedesktop.DBus.Error.AccessDenied", []any{"denied"})
	}
	return u, nil
}

func (f *fakeSystemd) StartUnit(name, mode string) (dbus.ObjectPath, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("StartUnit " + name + " " + mode)
	u, err := f.unit(name)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(u.fileState, "masked") {
		return "", dbus.NewError("org.freedesktop.systemd1.UnitMasked", []any{"masked"})
	}
	u.active, u.pid, u.loaded = "active", 4242, true
	return "/org/freedesktop/systemd1/job/1", nil
}

func (f *fakeSystemd) StopUnit(name, mode string) (dbus.ObjectPath, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("StopUnit " + name + " " + mode)
	u, err := f.unit(name)
	if err != nil {
		return "", err
	}
	u.active, u.pid, u.freezer = "inactive", 0, "running"
	return "/org/freedesktop/systemd1/job/2", nil
}

func (f *fakeSystemd) FreezeUnit(name string) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("FreezeUnit " + name)
	u, err := f.unit(name)
	if err != nil {
		return err
	}
	u.freezer = "frozen"
	return nil
}

func (f *fakeSystemd) ThawUnit(name string) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("ThawUnit " + name)
	u, err := f.unit(name)
	if err != nil {
		return err
	}
	u.freezer = "running"
	return nil
}

type change struct{ Type, File, Dest string }

func (f *fakeSystemd) setState(files []string, state string) ([]change, *dbus.Error) {
	var out []change
	for _, n := range files {
		u, err := f.unit(n)
		if err != nil {
			return nil, err
		}
		u.fileState = state
		out = append(out, change{"symlink", "/etc/systemd/system/" + n, ""})
	}
	return out, nil
}

func (f *fakeSystemd) EnableUnitFiles(files []string, runtime, force bool) (bool, []change, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("EnableUnitFiles " + strings.Join(files, ","))
	c, err := f.setState(files, "enabled")
	return true, c, err
}

func (f *fakeSystemd) DisableUnitFiles(files []string, runtime bool) ([]change, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("DisableUnitFiles " + strings.Join(files, ","))
	return f.setState(files, "disabled")
}

func (f *fakeSystemd) MaskUnitFiles(files []string, runtime, force bool) ([]change, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("MaskUnitFiles " + strings.Join(files, ","))
	return f.setState(files, "masked")
}

func (f *fakeSystemd) UnmaskUnitFiles(files []string, runtime bool) ([]change, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("UnmaskUnitFiles " + strings.Join(files, ","))
	return f.setState(files, "disabled")
}

func (f *fakeSystemd) Reload() *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Reload")
	return nil
}

// unitProps serves org.freedesktop.DBus.Properties for one unit.
type unitProps struct {
	f *fakeSystemd
	u *fakeUnit
}

func (p unitProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	u := p.u
	switch iface {
	case service.UnitIface:
		return map[string]dbus.Variant{
			"UnitFileState": dbus.MakeVariant(u.fileState),
			"CanStop":       dbus.MakeVariant(true),
			"CanFreeze":     dbus.MakeVariant(u.canFreeze),
			"FreezerState":  dbus.MakeVariant(u.freezer),
		}, nil
	case service.ServiceIface:
		argv := strings.Fields(u.exec)
		type execCmd struct {
			Path   string
			Argv   []string
			Ignore bool
			T1     uint64
			T2     uint64
			T3     uint64
			T4     uint64
			PID    uint32
			Code   int32
			Status int32
		}
		return map[string]dbus.Variant{
			"MainPID":        dbus.MakeVariant(u.pid),
			"ExecMainStatus": dbus.MakeVariant(int32(0)),
			"User":           dbus.MakeVariant(u.user),
			"ExecStart":      dbus.MakeVariant([]execCmd{{Path: argv[0], Argv: argv}}),
		}, nil
	}
	return nil, dbus.NewError("org.freedesktop.DBus.Error.UnknownInterface", []any{iface})
}

// startSystemd exports a fake systemd on the bus at addr.
func startSystemd(t *testing.T, addr string, units ...*fakeUnit) *fakeSystemd {
	t.Helper()
	conn, err := dial(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeSystemd{units: map[string]*fakeUnit{}}
	for _, u := range units {
		f.units[u.name] = u
		if err := conn.Export(unitProps{f, u}, u.path(), "org.freedesktop.DBus.Properties"); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.Export(f, service.ManagerPath, service.Manager); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(service.Destination, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName: %v %v", reply, err)
	}
	return f
}

func newEnv(t *testing.T, addr string) *ptest.Env {
	p := &service.Provider{Bus: func(ctx context.Context) (*dbus.Conn, error) { return dial(ctx, addr) }}
	return ptest.New(t, "", func(om *cimom.ObjectManager) error { return service.RegisterProvider(om, p) },
		ptest.Package(t, "service"))
}

func units() []*fakeUnit {
	return []*fakeUnit{
		{name: "ssh.service", desc: "OpenBSD Secure Shell server", active: "active", fileState: "enabled", pid: 812, loaded: true,
			canFreeze: true, freezer: "running", exec: "/usr/sbin/sshd -D"},
		{name: "cron.service", desc: "Regular background program processing daemon", active: "inactive", fileState: "disabled",
			loaded: true, freezer: "running", exec: "/usr/sbin/cron -f", user: "daemon"},
		{name: "cups.service", fileState: "disabled", exec: "/usr/sbin/cupsd -l"}, // installed, not loaded
		{name: "secret.service", desc: "Needs rights", active: "inactive", fileState: "disabled", loaded: true, denied: true,
			freezer: "running", exec: "/bin/true"},
	}
}

func str(inst *cim.Instance, name string) string { return inst.Value(name).String() }

func TestEnumerate(t *testing.T) {
	addr := privateBus(t)
	startSystemd(t, addr, units()...)
	env := newEnv(t, addr)
	got := map[string]*cim.Instance{}
	for _, inst := range env.Query(t, "SELECT * FROM Win32_Service") {
		got[str(inst, "Name")] = inst
	}
	if len(got) != 4 {
		t.Errorf("%d services: %v", len(got), got)
	}
	tests := []struct{ name, prop, want string }{
		{"ssh", "State", "Running"},
		{"ssh", "Started", "TRUE"},
		{"ssh", "StartMode", "Auto"},
		{"ssh", "ProcessId", "812"},
		{"ssh", "PathName", "/usr/sbin/sshd -D"},
		{"ssh", "DisplayName", "OpenBSD Secure Shell server"},
		{"ssh", "AcceptPause", "TRUE"},
		{"ssh", "StartName", "root"},
		{"cron", "State", "Stopped"},
		{"cron", "StartMode", "Manual"},
		{"cron", "ProcessId", "0"},
		{"cron", "StartName", "daemon"},
		{"cups", "State", "Stopped"},
		{"cups", "DisplayName", "cups"},
	}
	for _, tt := range tests {
		inst := got[tt.name]
		if inst == nil {
			t.Errorf("no service %s", tt.name)
			continue
		}
		if v := str(inst, tt.prop); v != tt.want {
			t.Errorf("%s.%s = %s, want %s", tt.name, tt.prop, v, tt.want)
		}
	}
	if inst := got["ssh"]; inst != nil && inst.RelPath() != `Win32_Service.Name="ssh"` {
		t.Errorf("__RELPATH = %s", inst.RelPath())
	}
	if _, err := env.Svc.GetObject(context.Background(), `Win32_Service.Name="cron"`, 0, nil); err != nil {
		t.Errorf("GetObject: %v", err)
	}
	if _, err := env.Svc.GetObject(context.Background(), `Win32_Service.Name="nosuch"`, 0, nil); status.CodeOf(err) != status.NotFound {
		t.Errorf("GetObject of no service: %v", err)
	}
}

func TestMethods(t *testing.T) {
	addr := privateBus(t)
	f := startSystemd(t, addr, units()...)
	env := newEnv(t, addr)
	tests := []struct {
		service, method string
		args            []any
		want            uint32
		call            string // what systemd was asked, "" for nothing
		state           string // State afterwards
	}{
		{"cron", "StartService", nil, service.Success, "StartUnit cron.service replace", "Running"},
		{"cron", "StartService", nil, service.AlreadyRunning, "", "Running"},
		{"cron", "StopService", nil, service.Success, "StopUnit cron.service replace", "Stopped"},
		{"cron", "StopService", nil, service.CannotAcceptControl, "", "Stopped"},
		{"cron", "PauseService", nil, service.NotActive, "", "Stopped"},
		{"cron", "ResumeService", nil, service.NotActive, "", "Stopped"},
		{"ssh", "ResumeService", nil, service.CannotAcceptControl, "", "Running"},
		{"ssh", "PauseService", nil, service.Success, "FreezeUnit ssh.service", "Paused"},
		{"ssh", "PauseService", nil, service.AlreadyPaused, "", "Paused"},
		{"ssh", "ResumeService", nil, service.Success, "ThawUnit ssh.service", "Running"},
		{"cron", "ChangeStartMode", []any{"StartMode", "Automatic"}, service.Success, "EnableUnitFiles cron.service", "Stopped"},
		{"cron", "ChangeStartMode", []any{"StartMode", "Manual"}, service.Success, "DisableUnitFiles cron.service", "Stopped"},
		{"cron", "ChangeStartMode", []any{"StartMode", "Disabled"}, service.Success, "MaskUnitFiles cron.service", "Stopped"},
		{"cron", "ChangeStartMode", []any{"StartMode", "Boot"}, service.InvalidParameter, "", "Stopped"},
		{"cron", "StartService", nil, service.ServiceDisabled, "", "Stopped"},
		{"cron", "ChangeStartMode", []any{"StartMode", "Manual"}, service.Success, "UnmaskUnitFiles cron.service", "Stopped"},
		{"secret", "StartService", nil, service.AccessDenied, "StartUnit secret.service replace", "Stopped"},
	}
	for _, tt := range tests {
		f.mu.Lock()
		f.calls = nil
		f.mu.Unlock()
		out := env.Exec(t, `Win32_Service.Name="`+tt.service+`"`, tt.method, tt.args...)
		if rv := ptest.ReturnValue(t, out); rv != tt.want {
			t.Errorf("%s.%s(%v) = %d, want %d", tt.service, tt.method, tt.args, rv, tt.want)
		}
		f.mu.Lock()
		calls := strings.Join(f.calls, "; ")
		f.mu.Unlock()
		if (tt.call == "" && calls != "") || !strings.HasPrefix(calls, tt.call) {
			t.Errorf("%s.%s: systemd was asked %q, want %q", tt.service, tt.method, calls, tt.call)
		}
		obj, err := env.Svc.GetObject(context.Background(), `Win32_Service.Name="`+tt.service+`"`, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st := str(obj.(*cim.Instance), "State"); st != tt.state {
			t.Errorf("after %s.%s: State %s, want %s", tt.service, tt.method, st, tt.state)
		}
	}
}

// TestNoSystemd: a bus where nobody owns org.freedesktop.systemd1, or no
// bus at all, has no services, and that is no error.
func TestNoSystemd(t *testing.T) {
	addr := privateBus(t)
	for _, a := range []string{addr, "unix:path=" + filepath.Join(t.TempDir(), "nobus")} {
		env := newEnv(t, a)
		if got := env.Query(t, "SELECT * FROM Win32_Service"); len(got) != 0 {
			t.Errorf("%s: %d services", a, len(got))
		}
		if _, err := env.Svc.GetObject(context.Background(), `Win32_Service.Name="ssh"`, 0, nil); status.CodeOf(err) != status.NotFound {
			t.Errorf("%s: GetObject: %v", a, err)
		}
	}
}

// TestSystemBus enumerates the services of this machine: none where no
// systemd runs, and no error either way.
func TestSystemBus(t *testing.T) {
	env := ptest.New(t, "", service.Register, ptest.Package(t, "service"))
	got := env.Query(t, "SELECT Name, State FROM Win32_Service")
	t.Logf("%d services on this machine's system bus", len(got))
}
