package process_test

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/providers/internal/ptest"
	"github.com/gowmi/gowmi/providers/process"
	"github.com/gowmi/gowmi/wbem"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newEnv(tb testing.TB) (*ptest.Env, *process.Provider) {
	p := process.New()
	env := ptest.New(tb, "", func(om *cimom.ObjectManager) error { return process.RegisterProvider(om, p) },
		ptest.Package(tb, "os"), ptest.Package(tb, "process"))
	tb.Cleanup(p.Wait)
	return env, p
}

func str(inst *cim.Instance, name string) string {
	s, _ := inst.Value(name).Str()
	return s
}

// TestOwnProcess finds the test's own process and checks it against what
// the test knows of itself.
func TestOwnProcess(t *testing.T) {
	env, p := newEnv(t)
	pid := os.Getpid()
	before := p.ProcessesRead()
	got := env.Query(t, "SELECT * FROM Win32_Process WHERE ProcessId = "+strconv.Itoa(pid))
	if n := p.ProcessesRead() - before; n != 1 {
		t.Errorf("the query read %d processes, want 1", n)
	}
	if len(got) != 1 {
		t.Fatalf("%d instances", len(got))
	}
	me := got[0]
	exe, _ := os.Executable()
	comm, _ := os.ReadFile("/proc/self/comm")
	var rss uint64
	if statm, err := os.ReadFile("/proc/self/statm"); err == nil {
		f := strings.Fields(string(statm))
		n, _ := strconv.ParseUint(f[1], 10, 64)
		rss = n * uint64(os.Getpagesize())
	}
	tests := []struct{ prop, want string }{
		{"Handle", strconv.Itoa(pid)},
		{"ProcessId", strconv.Itoa(pid)},
		{"ParentProcessId", strconv.Itoa(os.Getppid())},
		{"CommandLine", strings.Join(os.Args, " ")},
		{"ExecutablePath", exe},
		{"Name", strings.TrimSpace(string(comm))},
		{"CSName", prov.Hostname()},
		{"CreationClassName", "Win32_Process"},
		{"WindowsVersion", "NULL"},
	}
	for _, tt := range tests {
		if got := me.Value(tt.prop).String(); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.prop, got, tt.want)
		}
	}
	if ws, _ := me.Value("WorkingSetSize").Uint(); ws == 0 || ws > 4*rss+1<<30 {
		t.Errorf("WorkingSetSize = %d, statm says %d", ws, rss)
	}
	if n, _ := me.Value("ThreadCount").Uint(); n < 1 {
		t.Errorf("ThreadCount = %d", n)
	}
	if _, ok := me.Value("CreationDate").DateTime(); !ok {
		t.Errorf("CreationDate = %v", me.Value("CreationDate"))
	}
	if me.RelPath() != `Win32_Process.Handle="`+strconv.Itoa(pid)+`"` {
		t.Errorf("__RELPATH = %s", me.RelPath())
	}
	// GetObject by the path, and Handle in a query: pinned too.
	obj, err := env.Svc.GetObject(context.Background(), me.RelPath(), 0, nil)
	if err != nil || str(obj.(*cim.Instance), "Name") != str(me, "Name") {
		t.Errorf("GetObject: %v, %v", obj, err)
	}
	before = p.ProcessesRead()
	if got := env.Query(t, `SELECT Name FROM Win32_Process WHERE Handle = "`+strconv.Itoa(pid)+`" OR Handle = "1"`); len(got) != 2 {
		t.Errorf("Handle query: %d instances", len(got))
	}
	if n := p.ProcessesRead() - before; n != 2 {
		t.Errorf("the Handle query read %d processes, want 2", n)
	}
}

// TestEnumerate lists the processes and finds every one that /proc listed
// before and still lists after.
func TestEnumerate(t *testing.T) {
	env, _ := newEnv(t)
	list := func() []string {
		ents, _ := os.ReadDir("/proc")
		var pids []string
		for _, e := range ents {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				pids = append(pids, e.Name())
			}
		}
		return pids
	}
	before := list()
	got := map[string]bool{}
	for _, inst := range env.Query(t, "SELECT Handle, Name, ProcessId, WorkingSetSize FROM Win32_Process") {
		got[str(inst, "Handle")] = true
		if !inst.Value("CommandLine").IsNull() {
			t.Fatalf("CommandLine was not selected but is %v", inst.Value("CommandLine"))
		}
	}
	after := list()
	for _, pid := range before {
		if slices.Contains(after, pid) && !got[pid] {
			t.Errorf("process %s is missing", pid)
		}
	}
}

func TestCreateAndMethods(t *testing.T) {
	env, p := newEnv(t)
	dir := t.TempDir()
	out := env.Exec(t, "Win32_Process", "Create", "CommandLine", "sleep 300", "CurrentDirectory", dir)
	if rv := ptest.ReturnValue(t, out); rv != process.Success {
		t.Fatalf("Create returned %d", rv)
	}
	n, ok := out.Value("ProcessId").Uint()
	if !ok || n == 0 {
		t.Fatalf("ProcessId = %v", out.Value("ProcessId"))
	}
	pid := int(n)
	path := `Win32_Process.Handle="` + strconv.Itoa(pid) + `"`
	terminated := false
	defer func() {
		if !terminated {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}()
	if cwd, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd"); cwd != dir {
		t.Errorf("cwd = %q, want %q", cwd, dir)
	}
	inst := env.Query(t, "SELECT CommandLine, ParentProcessId FROM Win32_Process WHERE ProcessId = "+strconv.Itoa(pid))
	if len(inst) != 1 || str(inst[0], "CommandLine") != "sleep 300" {
		t.Errorf("created process: %v", inst)
	}

	me, _ := user.Current()
	out = env.Exec(t, path, "GetOwner")
	if ptest.ReturnValue(t, out) != 0 || str(out, "User") != me.Username || str(out, "Domain") != prov.Hostname() {
		t.Errorf("GetOwner: %s", out.MOF())
	}
	out = env.Exec(t, path, "GetOwnerSid")
	if ptest.ReturnValue(t, out) != 0 || str(out, "Sid") != "S-1-22-1-"+me.Uid {
		t.Errorf("GetOwnerSid: %s", out.MOF())
	}

	prio := []struct {
		class int32
		nice  int
		rv    uint32
	}{
		{process.PriorityIdle, 19, 0},
		{process.PriorityBelowNormal, 10, 0},
		{12345, 10, process.InvalidParameter}, // unchanged
	}
	if os.Geteuid() == 0 {
		prio = append(prio, struct {
			class int32
			nice  int
			rv    uint32
		}{process.PriorityHigh, -10, 0})
	}
	for _, tt := range prio {
		out := env.Exec(t, path, "SetPriority", "Priority", tt.class)
		if rv := ptest.ReturnValue(t, out); rv != tt.rv {
			t.Errorf("SetPriority(%d) = %d, want %d", tt.class, rv, tt.rv)
		}
		got, err := unix.Getpriority(unix.PRIO_PROCESS, pid)
		// The raw syscall returns 20 - nice.
		if err != nil || 20-got != tt.nice {
			t.Errorf("after SetPriority(%d): nice %d (%v), want %d", tt.class, 20-got, err, tt.nice)
		}
	}

	out = env.Exec(t, path, "Terminate", "Reason", uint32(1))
	if rv := ptest.ReturnValue(t, out); rv != 0 {
		t.Fatalf("Terminate returned %d", rv)
	}
	terminated = true
	p.Wait() // the provider reaps what it created
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("process %d still exists", pid)
	}
}

func TestCreateErrors(t *testing.T) {
	env, p := newEnv(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("not a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, line, dir string
		want            uint32
	}{
		{"no command line", "", "", process.InvalidParameter},
		{"blank command line", "   ", "", process.InvalidParameter},
		{"unterminated quote", `sleep "1`, "", process.InvalidParameter},
		{"no such program", "no-such-program-gowmi 1", "", process.PathNotFound},
		{"no such path", "/no/such/dir/prog", "", process.PathNotFound},
		{"no such directory", "true", "/no/such/dir", process.PathNotFound},
		{"not executable", plain, "", process.AccessDenied},
		{"relative to CurrentDirectory", "./plain", dir, process.AccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []any{}
			if tt.line != "" {
				args = append(args, "CommandLine", tt.line)
			}
			if tt.dir != "" {
				args = append(args, "CurrentDirectory", tt.dir)
			}
			out := env.Exec(t, "Win32_Process", "Create", args...)
			if rv := ptest.ReturnValue(t, out); rv != tt.want {
				t.Errorf("ReturnValue = %d, want %d", rv, tt.want)
			}
			if !out.Value("ProcessId").IsNull() {
				t.Errorf("ProcessId = %v, want NULL", out.Value("ProcessId"))
			}
		})
	}
	p.Wait()
}

func TestCreateStartupInformation(t *testing.T) {
	env, p := newEnv(t)
	dir := t.TempDir()
	ctx := context.Background()
	cls, err := env.Svc.GetObject(ctx, "Win32_ProcessStartup", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	startup := cls.(*cim.Class).MustSpawn()
	startup.MustPut("EnvironmentVariables", cim.Strings("GOWMI_TEST=hello", "PATH="+os.Getenv("PATH")))
	startup.MustPut("PriorityClass", cim.Uint32(process.PriorityIdle))
	out := env.Exec(t, "Win32_Process", "Create",
		"CommandLine", `sh -c 'echo "$GOWMI_TEST" > out.txt'`, "CurrentDirectory", dir,
		"ProcessStartupInformation", startup)
	if rv := ptest.ReturnValue(t, out); rv != 0 {
		t.Fatalf("Create returned %d", rv)
	}
	p.Wait()
	data, err := os.ReadFile(filepath.Join(dir, "out.txt"))
	if err != nil || string(data) != "hello\n" {
		t.Errorf("out.txt = %q, %v", data, err)
	}
}

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"a b  c", []string{"a", "b", "c"}, false},
		{`sh -c 'echo "x y"'`, []string{"sh", "-c", `echo "x y"`}, false},
		{`a "b \"c\" \\d" e\ f`, []string{"a", `b "c" \d`, "e f"}, false},
		{`''`, []string{""}, false},
		{`"x`, nil, true},
		{`'x`, nil, true},
		{"", nil, false},
	}
	for _, tt := range tests {
		got, err := process.SplitCommandLine(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("SplitCommandLine(%q) = %q, %v", tt.in, got, err)
		}
	}
}

// BenchmarkEnumerate enumerates the processes with the fields of
// ps -e -o pid,comm,rss.
func BenchmarkEnumerate(b *testing.B) {
	env, _ := newEnv(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		objs, err := wbem.Collect(ctx, env.Svc, "SELECT ProcessId, Name, WorkingSetSize FROM Win32_Process")
		if err != nil {
			b.Fatal(err)
		}
		n = len(objs)
	}
	b.ReportMetric(float64(n), "processes")
}

// BenchmarkPS runs ps -e -o pid,comm,rss, the comparison for
// BenchmarkEnumerate.
func BenchmarkPS(b *testing.B) {
	if _, err := exec.LookPath("ps"); err != nil {
		b.Skip("no ps")
	}
	for b.Loop() {
		if err := exec.Command("ps", "-e", "-o", "pid,comm,rss").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneProcess queries one process by ProcessId.
func BenchmarkOneProcess(b *testing.B) {
	env, _ := newEnv(b)
	ctx := context.Background()
	q := "SELECT ProcessId, Name, WorkingSetSize FROM Win32_Process WHERE ProcessId = " + strconv.Itoa(os.Getpid())
	for b.Loop() {
		objs, err := wbem.Collect(ctx, env.Svc, q)
		if err != nil || len(objs) != 1 {
			b.Fatal(len(objs), err)
		}
	}
}

// waitTrace waits for an event of a sink about process pid.
func waitTrace(t *testing.T, sink *ptest.Sink, pid int) *cim.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for n := 1; ; n++ {
		objs, err := sink.WaitObjects(ctx, n)
		if err != nil || len(objs) < n {
			t.Fatalf("no event about process %d: %v (final %v)", pid, err, sink.Final)
		}
		ev := objs[n-1].(*cim.Instance)
		if id, _ := ev.Value("ProcessID").Uint(); int(id) == pid {
			return ev
		}
	}
}

func TestTraceEvents(t *testing.T) {
	for _, mode := range []string{process.TraceConnector, process.TracePoll} {
		t.Run(mode, func(t *testing.T) {
			if mode == process.TraceConnector && !process.ConnectorAvailable() {
				t.Skip("the kernel's process events connector needs CAP_NET_ADMIN")
			}
			listening := make(chan string, 1)
			tp := &process.TraceProvider{Mode: mode, PollInterval: 20 * time.Millisecond, Listening: func(m string) {
				select {
				case listening <- m:
				default:
				}
			}}
			env := ptest.New(t, "", func(om *cimom.ObjectManager) error {
				if err := process.RegisterProvider(om, process.New()); err != nil {
					return err
				}
				return process.RegisterTrace(om, tp)
			}, ptest.Package(t, "os"), ptest.Package(t, "process"))
			ctx := context.Background()
			starts, stops := ptest.NewSink(), ptest.NewSink()
			for q, sink := range map[string]*ptest.Sink{
				"SELECT * FROM Win32_ProcessStartTrace WHERE ProcessName = 'sleep'": starts,
				"SELECT * FROM Win32_ProcessStopTrace WHERE ProcessName = 'sleep'":  stops,
			} {
				if err := env.Svc.ExecNotificationQueryAsync(ctx, "WQL", q, 0, nil, sink); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				defer func() { _ = env.Svc.CancelAsyncCall(sink) }()
			}
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			select {
			case m := <-listening:
				if m != mode {
					t.Fatalf("listening in mode %s, want %s", m, mode)
				}
			case <-wctx.Done():
				t.Fatal("the trace provider was not asked for events")
			}
			cmd := exec.Command("sleep", "300")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pid := cmd.Process.Pid
			start := waitTrace(t, starts, pid)
			if got := start.Value("ParentProcessID").String(); got != strconv.Itoa(os.Getpid()) {
				t.Errorf("ParentProcessID = %s, want %d", got, os.Getpid())
			}
			if start.ClassName() != "Win32_ProcessStartTrace" || start.Value("ProcessName").String() != "sleep" {
				t.Errorf("start event: %s", start.MOF())
			}
			if start.Value("Sid").IsNull() || start.Value("TIME_CREATED").IsNull() {
				t.Errorf("start event without Sid or TIME_CREATED: %s", start.MOF())
			}
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			stop := waitTrace(t, stops, pid)
			want := "NULL" // polling knows no exit status
			if mode == process.TraceConnector {
				want = "137" // killed by SIGKILL
			}
			if got := stop.Value("ExitStatus").String(); got != want {
				t.Errorf("ExitStatus = %s, want %s", got, want)
			}
		})
	}
}
