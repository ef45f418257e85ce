package eventlog_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers/eventlog"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/providers/internal/ptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newEnv(t *testing.T, p *eventlog.Provider) *ptest.Env {
	return ptest.New(t, "", func(om *cimom.ObjectManager) error { return om.RegisterProvider(eventlog.ProviderName, p) },
		ptest.Package(t, "eventlog"))
}

// entry is a journal entry in the export format.
type entry struct {
	at     time.Time
	fields map[string]string
}

var journalRemote = "/lib/systemd/systemd-journal-remote"

// writeJournal appends entries to a journal file with
// systemd-journal-remote, the way a collector writes one.
func writeJournal(t *testing.T, file string, entries ...entry) {
	t.Helper()
	var b strings.Builder
	for i, e := range entries {
		fmt.Fprintf(&b, "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n", e.at.UnixMicro(), e.at.UnixMicro()+int64(i))
		for k, v := range e.fields {
			fmt.Fprintf(&b, "%s=%s\n", k, v)
		}
		b.WriteString("\n")
	}
	export := filepath.Join(t.TempDir(), "entries.export")
	if err := os.WriteFile(export, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(journalRemote, "-o", file, export).CombinedOutput(); err != nil {
		t.Fatalf("systemd-journal-remote: %v %s", err, out)
	}
}

func needJournal(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("journalctl"); err != nil {
		t.Skip("no journalctl (Debian package systemd)")
	}
	if _, err := os.Stat(journalRemote); err != nil {
		t.Skip("no systemd-journal-remote to write a test journal (Debian package systemd-journal-remote)")
	}
}

var base = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func testEntries() []entry {
	return []entry{
		{base, map[string]string{"MESSAGE": "Failed password for root", "PRIORITY": "4", "SYSLOG_FACILITY": "10",
			"SYSLOG_IDENTIFIER": "sshd", "_HOSTNAME": "web1", "_UID": "0", "EVENT_ID": "4625"}},
		{base.Add(time.Minute), map[string]string{"MESSAGE": "Started Daily apt upgrade", "PRIORITY": "6", "SYSLOG_FACILITY": "3",
			"SYSLOG_IDENTIFIER": "systemd", "MESSAGE_ID": "39f53479d3a045ac8e11786248231fbf"}},
		{base.Add(2 * time.Minute), map[string]string{"MESSAGE": "disk full", "PRIORITY": "2", "SYSLOG_FACILITY": "16",
			"SYSLOG_IDENTIFIER": "myapp", "EVENT_ID": "70000"}},
		{base.Add(3 * time.Minute), map[string]string{"MESSAGE": "eth0: link up", "_TRANSPORT": "kernel", "PRIORITY": "6"}},
	}
}

func show(inst *cim.Instance, props ...string) string {
	var parts []string
	for _, p := range props {
		parts = append(parts, inst.Value(p).String())
	}
	return strings.Join(parts, "|")
}

func TestJournal(t *testing.T) {
	needJournal(t)
	file := filepath.Join(t.TempDir(), "test.journal")
	writeJournal(t, file, testEntries()...)
	env := newEnv(t, &eventlog.Provider{Journal: []string{"--file=" + file}})
	root := "0"
	if u, err := user.LookupId("0"); err == nil {
		root = u.Username
	}
	props := []string{"Logfile", "RecordNumber", "SourceName", "Type", "EventType", "EventCode", "EventIdentifier"}
	tests := []struct {
		query string
		want  []string
	}{
		{"SELECT * FROM Win32_NTLogEvent", []string{
			"Security|1|sshd|Warning|2|4625|4625",
			"System|2|systemd|Information|3|13433|972371065", // MESSAGE_ID 39f53479...: EventIdentifier 0x39f53479
			"Application|3|myapp|Error|1|4464|70000",         // 70000 & 0xFFFF = 4464
			"System|4|kernel|Information|3|0|0",
		}},
		{"SELECT * FROM Win32_NTLogEvent WHERE Logfile = 'Security'", []string{"Security|1|sshd|Warning|2|4625|4625"}},
		{"SELECT * FROM Win32_NTLogEvent WHERE Logfile = 'system' OR Logfile = 'Application'", []string{
			"System|2|systemd|Information|3|13433|972371065", "Application|3|myapp|Error|1|4464|70000", "System|4|kernel|Information|3|0|0"}},
		{"SELECT * FROM Win32_NTLogEvent WHERE EventCode = 4625", []string{"Security|1|sshd|Warning|2|4625|4625"}},
		{"SELECT * FROM Win32_NTLogEvent WHERE TimeGenerated > '20240301120130.000000+000'", []string{
			"Application|3|myapp|Error|1|4464|70000", "System|4|kernel|Information|3|0|0"}},
		{"SELECT * FROM Win32_NTLogEvent WHERE TimeGenerated >= '2024-03-01 12:03:00Z' AND Type = 'Information'", []string{
			"System|4|kernel|Information|3|0|0"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got []string
			for _, inst := range env.Query(t, tt.query) {
				got = append(got, show(inst, props...))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	first := env.Query(t, "SELECT * FROM Win32_NTLogEvent WHERE RecordNumber = 1")[0]
	want := map[string]string{
		"Message": "Failed password for root", "ComputerName": "web1", "User": prov.Hostname() + `\` + root,
		"TimeGenerated": cim.FromTime(base.Local()).String(), "CategoryString": "authpriv", "Category": "10",
	}
	for p, w := range want {
		if got := first.Value(p).String(); got != w {
			t.Errorf("%s = %s, want %s", p, got, w)
		}
	}
	obj, err := env.Svc.GetObject(context.Background(), `Win32_NTLogEvent.Logfile="Application",RecordNumber=3`, 0, nil)
	if err != nil || obj.(*cim.Instance).Value("Message").String() != "disk full" {
		t.Errorf("GetObject: %v, %v", obj, err)
	}
}

func TestSyslog(t *testing.T) {
	dir := t.TempDir()
	syslog := filepath.Join(dir, "syslog")
	auth := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(syslog, []byte(
		"2024-03-01T12:00:00.250000+00:00 web1 kernel: eth0: link up\n"+
			"Mar  1 13:00:00 web1 cron[812]: (root) CMD (run-parts /etc/cron.hourly)\n"+
			"a line of no known format\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(auth, []byte("2024-03-01T12:05:00+00:00 web1 sshd[77]: Accepted publickey for alice\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, &eventlog.Provider{SyslogFiles: map[string]string{syslog: eventlog.System, auth: eventlog.Security}})
	got := map[string]*cim.Instance{}
	for _, inst := range env.Query(t, "SELECT * FROM Win32_NTLogEvent") {
		got[inst.Value("Logfile").String()+"#"+inst.Value("RecordNumber").String()] = inst
	}
	tests := []struct {
		key, source, msg, host string
	}{
		{"System#1", "kernel", "eth0: link up", "web1"},
		{"System#2", "cron", "(root) CMD (run-parts /etc/cron.hourly)", "web1"},
		{"System#3", "NULL", "a line of no known format", prov.Hostname()},
		{"Security#1", "sshd", "Accepted publickey for alice", "web1"},
	}
	for _, tt := range tests {
		inst := got[tt.key]
		if inst == nil {
			t.Errorf("no record %s", tt.key)
			continue
		}
		if s := show(inst, "SourceName", "Message", "ComputerName"); s != tt.source+"|"+tt.msg+"|"+tt.host {
			t.Errorf("%s: %s", tt.key, s)
		}
	}
	if len(got) != len(tests) {
		t.Errorf("%d records", len(got))
	}
	if tg := got["System#1"].Value("TimeGenerated").String(); tg != cim.FromTime(time.Date(2024, 3, 1, 12, 0, 0, 250000000, time.UTC).Local()).String() {
		t.Errorf("TimeGenerated = %s", tg)
	}
}

// waitEvent subscribes to record creations, calls write once the provider
// follows the logs, and returns the TargetInstance of the first event.
func waitEvent(t *testing.T, env *ptest.Env, following chan struct{}, query string, write func()) *cim.Instance {
	t.Helper()
	ctx := context.Background()
	sink := ptest.NewSink()
	if err := env.Svc.ExecNotificationQueryAsync(ctx, "WQL", query, 0, nil, sink); err != nil {
		t.Fatalf("ExecNotificationQueryAsync: %v", err)
	}
	defer func() { _ = env.Svc.CancelAsyncCall(sink) }()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case <-following:
	case <-wctx.Done():
		t.Fatal("the provider was not asked for events")
	}
	write()
	objs, err := sink.WaitObjects(wctx, 1)
	if err != nil || len(objs) == 0 {
		t.Fatalf("no event: %v (final %v)", err, sink.Final)
	}
	ev := objs[0].(*cim.Instance)
	if ev.ClassName() != "__InstanceCreationEvent" {
		t.Fatalf("event of class %s", ev.ClassName())
	}
	target, ok := ev.Value("TargetInstance").Object()
	if !ok {
		t.Fatalf("no TargetInstance: %s", ev.MOF())
	}
	return target.(*cim.Instance)
}

func TestCreationEventsJournal(t *testing.T) {
	needJournal(t)
	file := filepath.Join(t.TempDir(), "test.journal")
	writeJournal(t, file, testEntries()...)
	following := make(chan struct{}, 1)
	p := &eventlog.Provider{Journal: []string{"--file=" + file}, Following: func() { following <- struct{}{} }}
	env := newEnv(t, p)
	target := waitEvent(t, env, following,
		"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_NTLogEvent' AND TargetInstance.EventCode = 4740",
		func() {
			writeJournal(t, file,
				entry{time.Now(), map[string]string{"MESSAGE": "ignored", "EVENT_ID": "1"}},
				entry{time.Now(), map[string]string{"MESSAGE": "account locked out", "EVENT_ID": "4740", "SYSLOG_FACILITY": "4", "SYSLOG_IDENTIFIER": "pam"}})
		})
	if s := show(target, "Logfile", "RecordNumber", "Message", "SourceName"); s != "Security|6|account locked out|pam" {
		t.Errorf("event record: %s", s)
	}
}

func TestCreationEventsSyslog(t *testing.T) {
	file := filepath.Join(t.TempDir(), "syslog")
	if err := os.WriteFile(file, []byte("2024-03-01T12:00:00+00:00 web1 app: old line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	following := make(chan struct{}, 1)
	p := &eventlog.Provider{SyslogFiles: map[string]string{file: eventlog.Application}, PollInterval: 10 * time.Millisecond,
		Following: func() { following <- struct{}{} }}
	env := newEnv(t, p)
	target := waitEvent(t, env, following,
		"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_NTLogEvent' AND TargetInstance.Logfile = 'Application'",
		func() {
			f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "%s web1 app[9]: new line\n", time.Now().Format(time.RFC3339))
			f.Close()
		})
	if s := show(target, "Logfile", "RecordNumber", "Message", "SourceName"); s != "Application|2|new line|app" {
		t.Errorf("event record: %s", s)
	}
}

// TestMachine reads this machine's logs: the journal's records, or none
// where there is no journal and no syslog file, and no error either way.
func TestMachine(t *testing.T) {
	env := newEnv(t, &eventlog.Provider{})
	got := env.Query(t, "SELECT Logfile, RecordNumber FROM Win32_NTLogEvent")
	want := -1
	if out, err := exec.Command("journalctl", "-q", "-o", "cat", "--output-fields=__CURSOR", "--no-pager").Output(); err == nil {
		want = strings.Count(string(out), "\n")
	}
	t.Logf("%d records on this machine (journalctl counts %d)", len(got), want)
}
