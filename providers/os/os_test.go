package os_test

import (
	"context"
	"fmt"
	goos "os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/mem"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/providers/internal/ptest"
	wmios "github.com/gowmi/gowmi/providers/os"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newEnv(t *testing.T, p *wmios.Provider) *ptest.Env {
	return ptest.New(t, "", func(om *cimom.ObjectManager) error { return wmios.RegisterProvider(om, p) }, ptest.Package(t, "os"))
}

func TestOperatingSystem(t *testing.T) {
	env := newEnv(t, &wmios.Provider{})
	ctx := context.Background()
	obj, err := env.Svc.GetObject(ctx, "Win32_OperatingSystem=@", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	os := obj.(*cim.Instance)
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	release := string(uts.Release[:strings.IndexByte(string(uts.Release[:]), 0)])
	vm, err := mem.VirtualMemory()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prop string
		want cim.Value
	}{
		{"Version", cim.String(release)},
		{"OSType", cim.Uint16(36)},
		{"CSName", cim.String(prov.Hostname())},
		{"TotalVisibleMemorySize", cim.Uint64(vm.Total / 1024)},
		{"CreationClassName", cim.String("Win32_OperatingSystem")},
		{"CSDVersion", cim.Null(cim.TypeString)},       // no service packs on Linux
		{"WindowsDirectory", cim.Null(cim.TypeString)}, // nor a Windows directory
		{"ForegroundApplicationBoost", cim.Null(cim.TypeUint8)},
	}
	for _, tt := range tests {
		t.Run(tt.prop, func(t *testing.T) {
			got := os.Value(tt.prop)
			if got.IsNull() != tt.want.IsNull() || (!got.IsNull() && !got.Equal(tt.want)) {
				t.Errorf("%s = %#v, want %#v", tt.prop, got, tt.want)
			}
		})
	}
	if n, _ := os.Value("FreePhysicalMemory").Uint(); n == 0 || n > vm.Total/1024 {
		t.Errorf("FreePhysicalMemory = %d KB of %d KB", n, vm.Total/1024)
	}
	if n, _ := os.Value("NumberOfProcesses").Uint(); n < 2 {
		t.Errorf("NumberOfProcesses = %d", n)
	}
	if _, ok := os.Value("LastBootUpTime").DateTime(); !ok {
		t.Errorf("LastBootUpTime = %v", os.Value("LastBootUpTime"))
	}
	if os.RelPath() != "Win32_OperatingSystem=@" {
		t.Errorf("__RELPATH = %q", os.RelPath())
	}
	// The singleton is what a query returns too.
	got := env.Query(t, "SELECT Caption, Version FROM Win32_OperatingSystem WHERE OSType = 36")
	if len(got) != 1 || !got[0].Value("Version").Equal(cim.String(release)) {
		t.Errorf("query: %v", got)
	}
}

func TestOperatingSystemMethodsNotSupported(t *testing.T) {
	env := newEnv(t, &wmios.Provider{})
	_, err := env.ExecErr("Win32_OperatingSystem", "Win32Shutdown", "Flags", int32(1))
	if status.CodeOf(err) != status.NotSupported {
		t.Errorf("Win32Shutdown: %v, want WBEM_E_NOT_SUPPORTED", err)
	}
}

func TestComputerSystem(t *testing.T) {
	env := newEnv(t, &wmios.Provider{})
	got := env.Query(t, "SELECT * FROM Win32_ComputerSystem")
	if len(got) != 1 {
		t.Fatalf("%d instances", len(got))
	}
	cs := got[0]
	vm, _ := mem.VirtualMemory()
	if !cs.Value("TotalPhysicalMemory").Equal(cim.Uint64(vm.Total)) {
		t.Errorf("TotalPhysicalMemory = %v, want %d", cs.Value("TotalPhysicalMemory"), vm.Total)
	}
	if n, _ := cs.Value("NumberOfLogicalProcessors").Uint(); n == 0 {
		t.Errorf("NumberOfLogicalProcessors = %v", cs.Value("NumberOfLogicalProcessors"))
	}
	want := `Win32_ComputerSystem.Name="` + prov.Hostname() + `"`
	if cs.RelPath() != want {
		t.Errorf("__RELPATH = %s, want %s", cs.RelPath(), want)
	}
	// GetObject by path, case-insensitively as WMI compares names.
	if _, err := env.Svc.GetObject(context.Background(), `Win32_ComputerSystem.Name="`+strings.ToLower(prov.Hostname())+`"`, 0, nil); err != nil {
		t.Errorf("GetObject: %v", err)
	}
	if _, err := env.Svc.GetObject(context.Background(), `Win32_ComputerSystem.Name="NOSUCHHOST"`, 0, nil); status.CodeOf(err) != status.NotFound {
		t.Errorf("GetObject of another host: %v, want WBEM_E_NOT_FOUND", err)
	}
}

func TestEnvironment(t *testing.T) {
	root := t.TempDir()
	home := t.TempDir()
	write := func(path, text string) {
		t.Helper()
		if err := goos.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := goos.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "etc/environment"), "# comment\nLANG=C.UTF-8\nexport EDITOR=\"vi\"\n\nbad line\n")
	write(filepath.Join(root, "etc/environment.d/10-a.conf"), "PATH_EXTRA=/opt/bin\nEDITOR=nano\n")
	write(filepath.Join(home, ".config/environment.d/50-me.conf"), "GOFLAGS=-mod=mod\n")
	env := newEnv(t, &wmios.Provider{Root: root, Homes: map[string]string{"alice": home}})
	host := prov.Hostname()
	tests := []struct {
		query string
		want  []string // Name=Value@UserName
	}{
		{"SELECT * FROM Win32_Environment WHERE SystemVariable = TRUE",
			[]string{"LANG=C.UTF-8@<SYSTEM>", "EDITOR=nano@<SYSTEM>", "PATH_EXTRA=/opt/bin@<SYSTEM>"}},
		{"SELECT Name, VariableValue, UserName FROM Win32_Environment WHERE SystemVariable = FALSE",
			[]string{"GOFLAGS=-mod=mod@" + host + `\alice`}},
		{"SELECT * FROM Win32_Environment WHERE Name = 'lang'", []string{"LANG=C.UTF-8@<SYSTEM>"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got []string
			for _, inst := range env.Query(t, tt.query) {
				n, _ := inst.Value("Name").Str()
				v, _ := inst.Value("VariableValue").Str()
				u, _ := inst.Value("UserName").Str()
				got = append(got, n+"="+v+"@"+u)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := env.Svc.GetObject(context.Background(), `Win32_Environment.Name="LANG",UserName="<SYSTEM>"`, 0, nil); err != nil {
		t.Errorf("GetObject: %v", err)
	}
}

// TestEnvironmentMachine reads this machine's /etc/environment.d and finds
// what the test reads itself.
func TestEnvironmentMachine(t *testing.T) {
	env := newEnv(t, &wmios.Provider{})
	files, _ := filepath.Glob("/etc/environment.d/*.conf")
	want := map[string]bool{}
	for _, f := range files {
		data, err := goos.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if k, _, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
				want[k] = true
			}
		}
	}
	got := map[string]bool{}
	for _, inst := range env.Query(t, "SELECT Name FROM Win32_Environment WHERE UserName = '<SYSTEM>'") {
		n, _ := inst.Value("Name").Str()
		got[n] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("variable %s of /etc/environment.d is missing", k)
		}
	}
}

func TestEnvironmentWrite(t *testing.T) {
	root := t.TempDir()
	home := t.TempDir()
	if err := goos.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := goos.WriteFile(filepath.Join(root, "etc/environment"), []byte("LANG=C.UTF-8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, &wmios.Provider{Root: root, Homes: map[string]string{"alice": home}})
	ctx := context.Background()
	cls, err := env.Svc.GetObject(ctx, "Win32_Environment", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	put := func(name, user, value string) error {
		inst := cls.(*cim.Class).MustSpawn()
		inst.MustPut("Name", cim.String(name)).MustPut("UserName", cim.String(user)).MustPut("VariableValue", cim.String(value))
		_, err := env.Svc.PutInstance(ctx, inst, 0, nil)
		return err
	}
	value := func(name, user string) string {
		got := env.Query(t, "SELECT VariableValue FROM Win32_Environment WHERE Name = '"+name+"' AND UserName = '"+strings.ReplaceAll(user, `\`, `\\`)+"'")
		if len(got) != 1 {
			return fmt.Sprintf("(%d instances)", len(got))
		}
		s, _ := got[0].Value("VariableValue").Str()
		return s
	}
	host := prov.Hostname()
	steps := []struct {
		name string
		do   func() error
		code status.Code
	}{
		{"create a system variable", func() error { return put("GOWMI_A", "<SYSTEM>", `has "quotes" and $dollar`) }, 0},
		{"change it", func() error { return put("GOWMI_A", "<SYSTEM>", "second") }, 0},
		{"override one of /etc/environment", func() error { return put("LANG", "<SYSTEM>", "fr_FR.UTF-8") }, 0},
		{"create a user variable", func() error { return put("EDITOR", host+`\alice`, "vi") }, 0},
		{"no such user", func() error { return put("EDITOR", host+`\nobody`, "vi") }, status.InvalidParameter},
		{"bad name", func() error { return put("A B", "<SYSTEM>", "x") }, status.InvalidParameter},
	}
	for _, s := range steps {
		if err := s.do(); status.CodeOf(err) != s.code {
			t.Errorf("%s: %v, want %v", s.name, err, s.code)
		}
	}
	for _, c := range []struct{ name, user, want string }{
		{"GOWMI_A", "<SYSTEM>", "second"},
		{"LANG", "<SYSTEM>", "fr_FR.UTF-8"},
		{"EDITOR", host + `\alice`, "vi"},
	} {
		if got := value(c.name, c.user); got != c.want {
			t.Errorf("%s for %s = %q, want %q", c.name, c.user, got, c.want)
		}
	}
	if err := put("GOWMI_Q", "<SYSTEM>", `has "quotes" and $dollar`); err != nil {
		t.Fatal(err)
	}
	if got := value("GOWMI_Q", "<SYSTEM>"); got != `has "quotes" and $dollar` {
		t.Errorf("a quoted value reads back as %q", got)
	}
	if _, err := goos.Stat(filepath.Join(home, ".config/environment.d", wmios.OwnFile)); err != nil {
		t.Errorf("the user's file: %v", err)
	}
	del := func(name, user string) error {
		return env.Svc.DeleteInstance(ctx, `Win32_Environment.Name="`+name+`",UserName="`+strings.ReplaceAll(user, `\`, `\\`)+`"`, 0, nil)
	}
	if err := del("GOWMI_A", "<SYSTEM>"); err != nil {
		t.Errorf("delete: %v", err)
	}
	if got := value("GOWMI_A", "<SYSTEM>"); got != "(0 instances)" {
		t.Errorf("after delete: %s", got)
	}
	// LANG stays in /etc/environment, which gowmi did not write.
	if err := del("LANG", "<SYSTEM>"); status.CodeOf(err) != status.AccessDenied {
		t.Errorf("delete of an administrator's variable: %v", err)
	}
	if got := value("LANG", "<SYSTEM>"); got != "C.UTF-8" {
		t.Errorf("LANG after delete = %q", got)
	}
}
