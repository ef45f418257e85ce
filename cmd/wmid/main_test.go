package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gowmi/gowmi"
	"github.com/gowmi/gowmi/wbem"
)

func TestPasswdAndFlags(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	var stderr bytes.Buffer
	if code := run([]string{"passwd", "--passwords", pw, "alice"}, strings.NewReader("s3cret\n"), &stderr); code != 0 {
		t.Fatalf("passwd: %d %s", code, stderr.String())
	}
	b, err := os.ReadFile(pw)
	if err != nil || !strings.HasPrefix(string(b), "alice:$2") {
		t.Fatalf("password file %q %v", b, err)
	}
	if code := run([]string{"--no-such-flag"}, nil, &stderr); code != 2 {
		t.Errorf("a bad flag: exit %d", code)
	}
}

// startWmid runs the wmid binary and returns when it is ready.
func startWmid(tb testing.TB, bin, dir string) (*exec.Cmd, string, time.Duration) {
	sock := filepath.Join(dir, "wmi.sock")
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "none.json"), "--repo", filepath.Join(dir, "repo"), "--listen", "unix://"+sock)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "msg=ready") {
			break
		}
	}
	ready := time.Since(start)
	go func() {
		for sc.Scan() {
		}
	}()
	return cmd, sock, ready
}

func rssMB(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// The daemon binary starts, serves a client over its socket, and stops
// gracefully on SIGTERM.
func TestDaemonBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "wmid")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	cmd, sock, _ := startWmid(t, bin, dir)
	ctx := context.Background()
	svc, err := gowmi.Connect(ctx, "unix://"+sock, &gowmi.Options{Namespace: "root"})
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatal(err)
	}
	e, err := svc.CreateClassEnum(ctx, "", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := e.Next(ctx, wbem.Infinite, 1000)
	if len(objs) == 0 {
		t.Error("no classes in root")
	}
	_ = svc.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("wmid exited with %v", err)
	}
}

// BenchmarkDaemon measures the daemon's start time (to ready, first start
// and restart with an existing repository) and idle RSS.
func BenchmarkDaemon(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "wmid")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	var first, restart time.Duration
	var rss float64
	for i := 0; b.Loop(); i++ {
		dir := b.TempDir()
		cmd, _, t1 := startWmid(b, bin, dir)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		cmd, _, t2 := startWmid(b, bin, dir)
		time.Sleep(time.Second)
		rss += rssMB(cmd.Process.Pid)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		first += t1
		restart += t2
	}
	n := float64(b.N)
	b.ReportMetric(float64(first.Milliseconds())/n, "first-start-ms")
	b.ReportMetric(float64(restart.Milliseconds())/n, "start-ms")
	b.ReportMetric(rss/n, "idle-RSS-MB")
}
