package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The script tests in testdata/script run the wmi command as a user would,
// each in a fresh directory with its own repository ($WORK/repo, through
// $GOWMI_REPO).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"wmi": func() { os.Exit(runMain()) },
	})
}

// buildWmid builds the daemon for the scripts that run against one.
func buildWmid(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "wmid"), "../wmid").CombinedOutput()
	if err != nil {
		t.Fatalf("building wmid: %v\n%s", err, out)
	}
	return dir
}

func TestScripts(t *testing.T) {
	wmidDir := buildWmid(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sleep DURATION lets a background command work (wmi watch
			// receive events) before the script signals it.
			// waitsock PATH waits (up to 20 s) for a daemon's socket.
			"waitsock": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: waitsock PATH")
				}
				for range 400 {
					if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Mode()&os.ModeSocket != 0 {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				ts.Fatalf("no socket %s within 20 s", args[0])
			},
			"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: sleep DURATION")
				}
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.Sleep(d)
			},
		},
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("GOWMI_REPO", env.WorkDir+"/repo")
			env.Setenv("GOWMI_SOCKET", env.WorkDir+"/no-daemon.sock")
			env.Setenv("PATH", wmidDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			return nil
		},
	})
}
