package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestWatchCtrlC runs wmi watch on a terminal, as a person would, and types
// Ctrl-C: the subscription is cancelled with CancelAsyncCall, the command
// says so and exits 0.
func TestWatchCtrlC(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wmi binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "wmi")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "GOWMI_REPO="+filepath.Join(dir, "repo"))
	put := exec.Command(bin, "put", "__IntervalTimerInstruction", "TimerId=tty", "IntervalBetweenEvents=20", "--ns", `root\default`)
	put.Env = env
	if out, err := put.CombinedOutput(); err != nil {
		t.Fatalf("put: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "watch", `SELECT * FROM __TimerEvent WHERE TimerId = "tty"`, "--ns", `root\default`)
	cmd.Env = env
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
	if _, err := tty.Write([]byte{3}); err != nil { // Ctrl-C: the terminal sends SIGINT
		t.Fatal(err)
	}
	waitFor("subscription cancelled")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("wmi watch exited with %v after Ctrl-C, want 0", err)
	}
}
