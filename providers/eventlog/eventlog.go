// Package eventlog is the provider of Win32_NTLogEvent (WMI's NT Event Log
// provider, MS_NT_EVENTLOG_PROVIDER): the records of the systemd journal,
// read with journalctl's JSON output, or, where there is no journal, of the
// syslog files.
//
// A record's Logfile follows its syslog facility: auth and authpriv go to
// "Security", user and local0-7 to "Application", the others (kernel,
// daemons, systemd) to "System". Its RecordNumber is the journal's
// sequence number (the line number of a syslog file), EventType and Type
// come from its priority (0-3 Error, 4 Warning, 5-7 Information),
// SourceName from its syslog identifier, Category and CategoryString from
// its facility. EventIdentifier is the journal field EVENT_ID when the
// program logged one (sd_journal_send(..., "EVENT_ID=%u", ...)), otherwise
// the first 32 bits of its catalog MESSAGE_ID, otherwise 0; EventCode is its
// low 16 bits, as on Windows.
//
// A query's Logfile and TimeGenerated bounds are used to read less; the
// object manager filters the rest. The provider is also an event provider:
// __InstanceCreationEvent for each new record, without WITHIN.
package eventlog

import (
	"bufio"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

// MOF holds the package's class definitions.
//
//go:embed *.mof
var MOF embed.FS

// Files lists the MOF files of MOF in compile order.
var Files = []string{"eventlog.mof"}

// ProviderName is WMI's name of the event log provider.
const ProviderName = "MS_NT_EVENTLOG_PROVIDER"

// The logs.
const (
	Application = "Application"
	System      = "System"
	Security    = "Security"
)

// DefaultSyslogFiles are the syslog files read where there is no journal,
// with their logs.
var DefaultSyslogFiles = map[string]string{
	"/var/log/syslog":   System,
	"/var/log/messages": System,
	"/var/log/auth.log": Security,
	"/var/log/secure":   Security,
	"/var/log/user.log": Application,
}

// Provider serves Win32_NTLogEvent.
type Provider struct {
	// Journal selects the journal for journalctl, e.g.
	// []string{"--directory=/var/log/journal"} or
	// []string{"--file=/x/system.journal"}; nil is the system journal, when
	// the machine has one.
	Journal []string
	// SyslogFiles maps syslog files to logs, read when there is no journal;
	// nil is DefaultSyslogFiles. Set with a nil Journal, only they are
	// read, journal or not.
	SyslogFiles map[string]string
	// PollInterval is how often followed syslog files are looked at for
	// new lines; 1 s by default. The journal needs no polling.
	PollInterval time.Duration
	// Following, when set, is called once the provider follows the logs
	// for events: every record written after it is raised.
	Following func()
}

// Register registers a Provider reading the machine.
func Register(om *cimom.ObjectManager) error { return om.RegisterProvider(ProviderName, &Provider{}) }

// record is one log record.
type record struct {
	logfile   string
	number    uint32
	generated time.Time
	written   time.Time
	source    string
	priority  int // -1 when unknown
	facility  int // -1 when unknown
	message   string
	host      string
	uid       string
	eventID   uint32
}

// useJournal reports whether the provider reads a journal.
func (p *Provider) useJournal() bool {
	if _, err := exec.LookPath("journalctl"); err != nil {
		return false
	}
	if p.Journal != nil {
		return true
	}
	if p.SyslogFiles != nil {
		return false
	}
	for _, dir := range []string{"/var/log/journal", "/run/log/journal"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.journal"))
		if len(files) > 0 {
			return true
		}
	}
	return false
}

// facilityLog maps a syslog facility to a log.
func facilityLog(f int) string {
	switch {
	case f == 4 || f == 10:
		return Security
	case f == 1 || (f >= 16 && f <= 23):
		return Application
	}
	return System
}

var facilityNames = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3",
	"local4", "local5", "local6", "local7"}

// query is what a request lets the provider narrow.
type query struct {
	logs  map[string]bool // nil: every log
	since time.Time       // zero: from the start
}

// EnumerateInstances implements provider.InstanceEnumerator.
func (p *Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	return p.read(ctx, req.Class, query{}, sink)
}

// ExecQuery implements provider.InstanceQuerier: the Logfile values and
// the lower bound of TimeGenerated narrow what is read.
func (p *Provider) ExecQuery(ctx context.Context, req *provider.QueryRequest, sink provider.Sink) error {
	var q query
	if pins := prov.Pinned(req.Query, req.Class, "Logfile"); pins != nil {
		q.logs = map[string]bool{}
		for _, keys := range pins {
			s, _ := keys["Logfile"].Str()
			q.logs[strings.ToLower(s)] = true
		}
	}
	q.since = lowerTime(req.Query, "TimeGenerated")
	return p.read(ctx, req.Class, q, sink)
}

// lowerTime returns the lower bound that the top-level AND terms of a
// query's WHERE clause give a datetime property (prop > t, prop >= t), or
// the zero time.
func lowerTime(text, prop string) time.Time {
	s, err := wql.Parse(text)
	if err != nil {
		return time.Time{}
	}
	st, ok := s.(*wql.Select)
	if !ok || st.Where == nil {
		return time.Time{}
	}
	var best time.Time
	var walk func(e wql.Expr)
	walk = func(e wql.Expr) {
		switch x := e.(type) {
		case *wql.Binary:
			if x.Op == wql.OpAnd {
				walk(x.Left)
				walk(x.Right)
			}
		case *wql.Comparison:
			lit, ok := x.Right.(*wql.Literal)
			if !ok || (x.Op != wql.OpGT && x.Op != wql.OpGE) || !strings.EqualFold(x.Left.Name(), prop) {
				return
			}
			str, ok := lit.Value.Str()
			if !ok {
				return
			}
			d, err := cim.ParseDateTime(str)
			if err != nil {
				d, err = cim.ParseWQLDateTime(str)
			}
			if err != nil {
				return
			}
			if t, err := d.Time(); err == nil && t.After(best) {
				best = t
			}
		}
	}
	walk(st.Where)
	return best
}

// GetInstance implements provider.InstanceGetter: the object manager
// enumerates the log and picks the record.
func (p *Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	return nil, provider.ErrSkip
}

func (p *Provider) read(ctx context.Context, class *cim.Class, q query, sink provider.Sink) error {
	const batchSize = 256
	batch := make([]cim.Object, 0, batchSize)
	emit := func(r record) error {
		if q.logs != nil && !q.logs[strings.ToLower(r.logfile)] {
			return nil
		}
		if !q.since.IsZero() && r.generated.Before(q.since) {
			return nil
		}
		inst, err := instance(class, r)
		if err != nil {
			return err
		}
		batch = append(batch, inst)
		if len(batch) == batchSize {
			err = sink.Send(batch...)
			batch = make([]cim.Object, 0, batchSize)
		}
		return err
	}
	var err error
	if p.useJournal() {
		err = p.readJournal(ctx, q.since, false, emit)
	} else {
		err = p.readSyslog(ctx, emit)
	}
	if err != nil {
		return err
	}
	if len(batch) > 0 {
		return sink.Send(batch...)
	}
	return nil
}

func instance(class *cim.Class, r record) (*cim.Instance, error) {
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	s := &prov.Setter{Inst: inst}
	s.Val("Logfile", r.logfile)
	s.Val("RecordNumber", r.number)
	s.Val("TimeGenerated", prov.Time(r.generated))
	s.Val("TimeWritten", prov.Time(r.written))
	if r.source != "" {
		s.Val("SourceName", r.source)
	}
	s.Val("Message", r.message)
	s.Val("InsertionStrings", []string{r.message})
	if r.host != "" {
		s.Val("ComputerName", r.host)
	} else {
		s.Val("ComputerName", prov.Hostname())
	}
	s.Val("EventIdentifier", r.eventID)
	s.Val("EventCode", uint16(r.eventID))
	et, typ := uint8(3), "Information"
	switch {
	case r.priority >= 0 && r.priority <= 3:
		et, typ = 1, "Error"
	case r.priority == 4:
		et, typ = 2, "Warning"
	}
	s.Val("EventType", et)
	s.Val("Type", typ)
	if r.facility >= 0 && r.facility < len(facilityNames) {
		s.Val("Category", uint16(r.facility))
		s.Val("CategoryString", facilityNames[r.facility])
	} else {
		s.Val("Category", uint16(0))
	}
	if r.uid != "" {
		name := r.uid
		if u, err := user.LookupId(r.uid); err == nil {
			name = u.Username
		}
		s.Val("User", prov.Hostname()+`\`+name)
	}
	return inst, s.Err
}

// --- the journal -------------------------------------------------------------------

// journalRecord turns one entry of journalctl -o json into a record.
func journalRecord(line []byte) (record, bool) {
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		return record{}, false
	}
	get := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case []any: // a field given twice: the first
			if len(v) > 0 {
				if s, ok := v[0].(string); ok {
					return s
				}
			}
		}
		return ""
	}
	r := record{priority: -1, facility: -1}
	for _, part := range strings.Split(get("__CURSOR"), ";") {
		if v, ok := strings.CutPrefix(part, "i="); ok {
			n, _ := strconv.ParseUint(v, 16, 64)
			r.number = uint32(n)
		}
	}
	if us, err := strconv.ParseInt(get("__REALTIME_TIMESTAMP"), 10, 64); err == nil {
		r.written = time.UnixMicro(us)
		r.generated = r.written
	}
	if us, err := strconv.ParseInt(get("_SOURCE_REALTIME_TIMESTAMP"), 10, 64); err == nil {
		r.generated = time.UnixMicro(us)
	}
	if n, err := strconv.Atoi(get("PRIORITY")); err == nil {
		r.priority = n
	}
	if n, err := strconv.Atoi(get("SYSLOG_FACILITY")); err == nil {
		r.facility = n
	}
	r.source = get("SYSLOG_IDENTIFIER")
	if r.source == "" {
		r.source = get("_COMM")
	}
	if get("_TRANSPORT") == "kernel" {
		r.source, r.facility = "kernel", 0
	}
	r.message = get("MESSAGE")
	r.host = get("_HOSTNAME")
	r.uid = get("_UID")
	if n, err := strconv.ParseUint(get("EVENT_ID"), 10, 32); err == nil {
		r.eventID = uint32(n)
	} else if id := get("MESSAGE_ID"); len(id) >= 8 {
		n, _ := strconv.ParseUint(id[:8], 16, 32)
		r.eventID = uint32(n)
	}
	if r.facility >= 0 {
		r.logfile = facilityLog(r.facility)
	} else {
		r.logfile = System
	}
	return r, true
}

// readJournal runs journalctl and passes each entry to fn; with follow it
// waits for new entries (journalctl -f -n 0) until ctx ends.
func (p *Provider) readJournal(ctx context.Context, since time.Time, follow bool, fn func(record) error) error {
	args := append([]string{"-o", "json", "--no-pager", "-q"}, p.Journal...)
	if follow {
		// Follow from the last entry's cursor: nothing written after this
		// call began is missed, however long journalctl takes to start.
		if c := p.lastCursor(ctx); c != "" {
			args = append(args, "-f", "--after-cursor="+c)
		} else {
			args = append(args, "-f", "-n", "all")
		}
	} else if !since.IsZero() {
		args = append(args, "--since=@"+strconv.FormatInt(since.Unix(), 10))
	}
	cmd := exec.CommandContext(ctx, "journalctl", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "SYSTEMD_COLORS=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return status.Wrap(status.Failed, err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return status.Wrap(status.Failed, err)
	}
	if follow && p.Following != nil {
		p.Following()
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var ferr error
	for sc.Scan() {
		r, ok := journalRecord(sc.Bytes())
		if !ok {
			continue
		}
		if ferr = fn(r); ferr != nil {
			break
		}
	}
	if ferr != nil {
		_ = cmd.Process.Kill()
	}
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	switch {
	case ferr != nil:
		return ferr
	case ctx.Err() != nil:
		return ctx.Err()
	case werr != nil && !follow:
		// journalctl fails on an empty or missing journal: no records.
		if strings.Contains(stderr.String(), "No journal files") {
			return nil
		}
		return status.Wrap(status.Failed, errors.New("journalctl: "+strings.TrimSpace(stderr.String())))
	}
	return nil
}

// lastCursor returns the cursor of the journal's last entry, or "".
func (p *Provider) lastCursor(ctx context.Context) string {
	args := append([]string{"-o", "json", "--no-pager", "-q", "-n", "1"}, p.Journal...)
	out, err := exec.CommandContext(ctx, "journalctl", args...).Output()
	if err != nil {
		return ""
	}
	var m struct {
		Cursor string `json:"__CURSOR"`
	}
	if json.Unmarshal(out, &m) != nil {
		return ""
	}
	return m.Cursor
}

// --- syslog files ------------------------------------------------------------------

func (p *Provider) syslogFiles() map[string]string {
	if p.SyslogFiles != nil {
		return p.SyslogFiles
	}
	return DefaultSyslogFiles
}

// readSyslog reads every syslog file.
func (p *Provider) readSyslog(ctx context.Context, fn func(record) error) error {
	for file, log := range p.syslogFiles() {
		if _, err := readSyslogFile(ctx, file, log, 0, 0, fn); err != nil {
			return err
		}
	}
	return nil
}

// readSyslogFile reads the lines of a syslog file from offset (whose line
// number is line), passing each to fn; it returns the offset after the
// last complete line. A missing or unreadable file has no records.
func readSyslogFile(ctx context.Context, file, log string, offset int64, line uint32, fn func(record) error) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return offset, nil
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return offset, nil
	}
	st, _ := f.Stat()
	rd := bufio.NewReaderSize(f, 64<<10)
	year := time.Now().Year()
	for {
		if err := ctx.Err(); err != nil {
			return offset, err
		}
		text, err := rd.ReadString('\n')
		if err != nil {
			return offset, nil // the end, or a partial last line: read it later
		}
		offset += int64(len(text))
		line++
		r := parseSyslogLine(strings.TrimRight(text, "\n"), year, st)
		r.logfile, r.number = log, line
		if err := fn(r); err != nil {
			return offset, err
		}
	}
}

// parseSyslogLine reads a line of a syslog file in rsyslog's formats: RFC
// 3339 time stamps ("2024-03-01T12:00:00.123456+01:00 host tag[pid]: msg")
// or the traditional one ("Mar  1 12:00:00 host tag[pid]: msg").
func parseSyslogLine(line string, year int, st os.FileInfo) record {
	r := record{priority: -1, facility: -1, message: line}
	rest := line
	if f := strings.Fields(line); len(f) > 0 {
		if t, err := time.Parse(time.RFC3339Nano, f[0]); err == nil {
			r.generated = t
			rest = strings.TrimSpace(strings.TrimPrefix(line, f[0]))
		} else if len(line) >= 15 {
			if t, err := time.ParseInLocation("Jan _2 15:04:05", line[:15], time.Local); err == nil {
				r.generated = t.AddDate(year, 0, 0)
				if st != nil && r.generated.After(st.ModTime().Add(24*time.Hour)) {
					r.generated = r.generated.AddDate(-1, 0, 0) // a line of last December
				}
				rest = strings.TrimSpace(line[15:])
			}
		}
	}
	r.written = r.generated
	if host, after, ok := strings.Cut(rest, " "); ok && !r.generated.IsZero() {
		r.host = host
		rest = after
	}
	if tag, msg, ok := strings.Cut(rest, ": "); ok && !strings.Contains(tag, " ") {
		if i := strings.IndexByte(tag, '['); i > 0 {
			tag = tag[:i]
		}
		r.source = tag
		r.message = msg
	}
	return r
}
