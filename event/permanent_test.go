package event

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
)

const subNS = `root\subscription`

// permanent writes a filter, a consumer and their binding in
// root\subscription; the filter watches root\cimv2.
func (e *env) permanent(filter, query string, consumer *cim.Instance) {
	e.t.Helper()
	f := e.instanceIn(subNS, "__EventFilter", map[string]cim.Value{
		"Name": cim.String(filter), "Query": cim.String(query), "QueryLanguage": cim.String("WQL"), "EventNamespace": cim.String(testNS)})
	e.put(subNS, f)
	e.put(subNS, consumer)
	cp, err := consumer.Path()
	if err != nil {
		e.t.Fatal(err)
	}
	b := e.instanceIn(subNS, "__FilterToConsumerBinding", map[string]cim.Value{
		"Filter":   cim.Reference(cim.Path{Class: "__EventFilter", Keys: []cim.KeyBinding{{Name: "Name", Value: cim.String(filter)}}}),
		"Consumer": cim.Reference(cp),
	})
	e.put(subNS, b)
}

func (e *env) logConsumer(name, file, text string, max uint64) *cim.Instance {
	return e.instanceIn(subNS, "LogFileEventConsumer", map[string]cim.Value{
		"Name": cim.String(name), "Filename": cim.String(file), "Text": cim.String(text), "MaximumFileSize": cim.Uint64(max)})
}

func (e *env) commandConsumer(name, exe, cmdline, dir string, kill uint32) *cim.Instance {
	return e.instanceIn(subNS, "CommandLineEventConsumer", map[string]cim.Value{
		"Name": cim.String(name), "ExecutablePath": cim.String(exe), "CommandLineTemplate": cim.String(cmdline),
		"WorkingDirectory": cim.String(dir), "KillTimeout": cim.Uint32(kill)})
}

const staticCreated = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'"

// waitFile waits until a file holds want.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	var got string
	waitFor(t, fmt.Sprintf("%s to hold %q", path, want), func() bool {
		b, _ := os.ReadFile(path)
		got = string(b)
		return got == want
	})
}

func TestLogFileConsumer(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "events.log")
	e.permanent("f1", staticCreated, e.logConsumer("l1", file, "created %TargetInstance.Name% (%TargetInstance.__CLASS%) value=%TargetInstance.Value% 100%%", 0))
	if m := e.h.Metrics(); m.Permanent != 1 {
		t.Fatalf("%d permanent subscriptions, want 1", m.Permanent)
	}
	e.putStatic("a", 1)
	e.put(testNS, e.instance("Test_StaticEx", map[string]cim.Value{"Name": cim.String("b"), "Value": cim.Uint32(2)}))
	waitFile(t, file, "created a (Test_Static) value=1 100%\ncreated b (Test_StaticEx) value=2 100%\n")
	log := e.log.String()
	for _, want := range []string{"kind=permanent", `binding="__FilterToConsumerBinding.Consumer=`, `consumer="LogFileEventConsumer.Name=\"l1\""`} {
		if !strings.Contains(log, want) {
			t.Errorf("no audit line with %s:\n%s", want, log)
		}
	}
}

func TestLogFileRotation(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "small.log")
	e.permanent("f1", staticCreated, e.logConsumer("l1", file, "%TargetInstance.Name%", 3))
	for _, n := range []string{"one", "two", "three"} {
		e.putStatic(n, 1)
		e.barrier()
	}
	waitFile(t, file, "three\n")
	waitFile(t, file+".001", "one\n")
	waitFile(t, file+".002", "two\n")
}

func TestLogFileUnicode(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "u.log")
	c := e.logConsumer("u", file, "é%TargetInstance.Name%", 0)
	_ = c.Put("IsUnicode", cim.Boolean(true))
	e.permanent("f1", staticCreated, c)
	e.putStatic("a", 1)
	waitFile(t, file, "\xff\xfe\xe9\x00a\x00\n\x00")
}

func TestCommandLineConsumer(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	e.permanent("f1", staticCreated, e.commandConsumer("c1", "/bin/sh", `sh -c "echo %TargetInstance.Name% $0 >> out.txt" arg0`, dir, 0))
	e.putStatic("hello", 1)
	waitFile(t, filepath.Join(dir, "out.txt"), "hello arg0\n")
}

func TestCommandLineConsumerWithoutExecutablePath(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	e.permanent("f1", staticCreated, e.commandConsumer("c1", "", `sh -c "echo %TargetInstance.Value% > v.txt"`, dir, 0))
	e.putStatic("x", 7)
	waitFile(t, filepath.Join(dir, "v.txt"), "7\n")
}

func TestConsumerFailureEvent(t *testing.T) {
	cases := []struct {
		name       string
		consumer   func(e *env, dir string) *cim.Instance
		wantCode   status.Code
		wantInDesc string
	}{
		{"a program that cannot start", func(e *env, dir string) *cim.Instance {
			return e.commandConsumer("bad", filepath.Join(dir, "no-such-program"), "", dir, 0)
		}, status.Failed, "no-such-program"},
		{"killed after KillTimeout", func(e *env, dir string) *cim.Instance {
			return e.commandConsumer("slow", "/bin/sh", `sh -c "sleep 30"`, dir, 1)
		}, status.TimedOut, "KillTimeout"},
		{"a log file that cannot be written", func(e *env, dir string) *cim.Instance {
			return e.logConsumer("nolog", filepath.Join(dir, "no", "such", "dir", "x.log"), "x", 0)
		}, status.Failed, "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			failures := e.subscribeIn(subNS, "SELECT * FROM __ConsumerFailureEvent")
			c := tc.consumer(e, t.TempDir())
			e.permanent("f1", staticCreated, c)
			e.putStatic("boom", 1)
			ev := failures.next(t)
			if code := status.Code(num(ev, "ErrorCode")); code != tc.wantCode {
				t.Errorf("ErrorCode = %s, want %s", code, tc.wantCode)
			}
			if d := str(ev, "ErrorDescription"); !strings.Contains(d, tc.wantInDesc) {
				t.Errorf("ErrorDescription %q lacks %q", d, tc.wantInDesc)
			}
			if name := str(ev, "Event.TargetInstance.Name"); name != "boom" {
				t.Errorf("Event.TargetInstance.Name = %q", name)
			}
			cp, _ := c.Path()
			v, _ := ev.Get("IntendedConsumer")
			if p, ok := v.Path(); !ok || !strings.EqualFold(p.RelPath(), cp.RelPath()) {
				t.Errorf("IntendedConsumer = %v, want %s", v, cp.RelPath())
			}
			if e.h.Metrics().ConsumerFailures != 1 {
				t.Errorf("ConsumerFailures = %d", e.h.Metrics().ConsumerFailures)
			}
		})
	}
}

func TestPermanentSubscriptionLifecycle(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "a.log")
	e.permanent("f1", staticCreated, e.logConsumer("l1", file, "%TargetInstance.Name%", 0))
	e.putStatic("one", 1)
	waitFile(t, file, "one\n")

	// Changing the filter restarts the subscription with the new query.
	e.put(subNS, e.instanceIn(subNS, "__EventFilter", map[string]cim.Value{
		"Name": cim.String("f1"), "QueryLanguage": cim.String("WQL"), "EventNamespace": cim.String(testNS),
		"Query": cim.String(staticCreated + " AND TargetInstance.Value > 5")}))
	e.putStatic("two", 1)
	e.putStatic("three", 9)
	waitFile(t, file, "one\nthree\n")

	// Changing the consumer too.
	file2 := filepath.Join(dir, "b.log")
	e.put(subNS, e.logConsumer("l1", file2, "B:%TargetInstance.Name%", 0))
	e.putStatic("four", 9)
	waitFile(t, file2, "B:four\n")
	if m := e.h.Metrics(); m.Permanent != 1 {
		t.Errorf("%d permanent subscriptions, want 1", m.Permanent)
	}

	// Deleting the binding ends it.
	var bp string
	_ = e.store.View(bg, func(tx repository.Tx) error {
		return tx.Instances(subNS, "__FilterToConsumerBinding", false, func(i *cim.Instance) error { bp = i.RelPath(); return nil })
	})
	e.del(subNS, bp)
	if m := e.h.Metrics(); m.Permanent != 0 {
		t.Errorf("%d permanent subscriptions after the binding was deleted", m.Permanent)
	}
	if !strings.Contains(e.log.String(), `reason="the binding was deleted"`) {
		t.Errorf("no audit line for the removal:\n%s", e.log.String())
	}
}

func TestPermanentBadFilterStaysInactive(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "x.log")
	e.permanent("f1", "SELECT * FROM Test_Static", e.logConsumer("l1", file, "x", 0))
	if m := e.h.Metrics(); m.Permanent != 0 {
		t.Errorf("a filter on a non-event class made %d subscriptions", m.Permanent)
	}
	if !strings.Contains(e.log.String(), "WBEM_E_NOT_EVENT_CLASS") {
		t.Errorf("the refusal is not logged:\n%s", e.log.String())
	}
}

// TestPermanentSubscriptionsSurviveARestart runs a permanent subscription
// over a bbolt repository, closes everything, reopens the file with a new
// Hub, and checks that the subscription is alive again.
func TestPermanentSubscriptionsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "repo.db")
	file := filepath.Join(dir, "events.log")
	store, err := repository.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, store, true)
	e.permanent("f1", staticCreated, e.logConsumer("l1", file, "%TargetInstance.Name%", 0))
	e.putStatic("before", 1)
	waitFile(t, file, "before\n")
	e.h.Close()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	store, err = repository.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	e2 := newEnvOn(t, store, false)
	if m := e2.h.Metrics(); m.Permanent != 1 {
		t.Fatalf("%d permanent subscriptions after the restart, want 1", m.Permanent)
	}
	e2.putStatic("after", 2)
	waitFile(t, file, "before\nafter\n")
	e2.h.Close()
}

func TestPermanentLimits(t *testing.T) {
	e := newEnv(t)
	e.put("root", e.instanceIn("root", "__ArbitratorConfiguration", map[string]cim.Value{"PermanentSubscriptionsTotal": cim.Uint32(1)}))
	dir := t.TempDir()
	e.permanent("f1", staticCreated, e.logConsumer("l1", filepath.Join(dir, "1.log"), "x", 0))
	e.permanent("f2", staticCreated, e.logConsumer("l2", filepath.Join(dir, "2.log"), "x", 0))
	if m := e.h.Metrics(); m.Permanent != 1 {
		t.Errorf("%d permanent subscriptions, want 1 (the limit)", m.Permanent)
	}
	if !strings.Contains(e.log.String(), "WBEM_E_QUOTA_VIOLATION") {
		t.Errorf("the refusal is not logged")
	}
}
