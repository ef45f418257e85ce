package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestWatchCtrlC runs wmi watch on a terminal against a daemon, as a person
// would, and types Ctrl-C: the subscription is cancelled with
// CancelAsyncCall, the command says so and exits 0, and the daemon no
// longer holds the subscription (its metrics say so).
func TestWatchCtrlC(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wmi and wmid")
	}
	dir := t.TempDir()
	for _, b := range []struct{ out, pkg string }{{"wmi", "."}, {"wmid", "../wmid"}} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, b.out), b.pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := l.Addr().String()
	l.Close()
	sock := filepath.Join(dir, "wmi.sock")
	daemon := exec.Command(filepath.Join(dir, "wmid"), "--config", filepath.Join(dir, "none.json"),
		"--repo", filepath.Join(dir, "repo"), "--listen", "unix://"+sock, "--metrics", metricsAddr, "--log-level", "warn")
	daemon.Stderr = os.Stderr
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = daemon.Process.Signal(syscall.SIGTERM)
		_ = daemon.Wait()
	}()
	subscriptions := func() string {
		t.Helper()
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			return "unreachable: " + err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := regexp.MustCompile(`(?m)^gowmi_event_subscriptions_temporary (\S+)$`).FindSubmatch(b)
		if m == nil {
			return "no gowmi_event_subscriptions_temporary"
		}
		return string(m[1])
	}
	waitMetric := func(want string) {
		t.Helper()
		for i := 0; ; i++ {
			got := subscriptions()
			if got == want {
				return
			}
			if i == 200 {
				t.Fatalf("gowmi_event_subscriptions_temporary = %s, want %s", got, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitMetric("0")

	env := append(os.Environ(), "GOWMI_SOCKET="+sock)
	wmi := func(args ...string) *exec.Cmd {
		c := exec.Command(filepath.Join(dir, "wmi"), args...)
		c.Env = env
		return c
	}
	if out, err := wmi("put", "__IntervalTimerInstruction", "TimerId=tty", "IntervalBetweenEvents=20", "--ns", `root\default`).CombinedOutput(); err != nil {
		t.Fatalf("put: %v\n%s", err, out)
	}

	cmd := wmi("watch", `SELECT * FROM __TimerEvent WHERE TimerId = "tty"`, "--ns", `root\default`)
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer tty.Close()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(tty)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	waitFor := func(what string) {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before %q", what)
				}
				if strings.Contains(l, what) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q within 30 s", what)
			}
		}
	}
	waitFor("TimerId")
	waitMetric("1")
	if _, err := tty.Write([]byte{3}); err != nil { // Ctrl-C: the terminal sends SIGINT
		t.Fatal(err)
	}
	waitFor("subscription cancelled")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("wmi watch exited with %v after Ctrl-C, want 0", err)
	}
	waitMetric("0")
}
