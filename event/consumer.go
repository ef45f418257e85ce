package event

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf16"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// consumer is a logical consumer: what a binding hands its events to.
// consume returns an error for an event it could not take; fail reports a
// failure found later (a process killed after KillTimeout).
type consumer interface {
	consume(ctx context.Context, ev cim.Object, fail func(error)) error
}

// newConsumer returns the consumer of a consumer instance: the standard
// consumers the Hub serves itself.
func (h *Hub) newConsumer(inst *cim.Instance) (consumer, error) {
	switch {
	case inst.InheritsFrom("LogFileEventConsumer"):
		c := &logFileConsumer{h: h, file: strProp(inst, "Filename"), text: strProp(inst, "Text"), maxSize: 65535}
		if v, err := inst.Get("MaximumFileSize"); err == nil && !v.IsNull() {
			c.maxSize, _ = v.Uint()
		}
		if v, err := inst.Get("IsUnicode"); err == nil {
			c.unicode, _ = v.Bool()
		}
		if c.file == "" {
			return nil, status.New(status.InvalidParameter, "LogFileEventConsumer.Filename is not set")
		}
		return c, nil
	case inst.InheritsFrom("CommandLineEventConsumer"):
		c := &commandConsumer{h: h, exe: strProp(inst, "ExecutablePath"), cmdline: strProp(inst, "CommandLineTemplate"),
			dir: strProp(inst, "WorkingDirectory")}
		if v, err := inst.Get("KillTimeout"); err == nil {
			n, _ := v.Uint()
			c.kill = time.Duration(n) * time.Second
		}
		if c.exe == "" && strings.TrimSpace(c.cmdline) == "" {
			return nil, status.New(status.InvalidParameter, "CommandLineEventConsumer needs ExecutablePath or CommandLineTemplate")
		}
		return c, nil
	}
	return nil, status.Errorf(status.ProviderNotFound, "no event consumer provider serves %s: the standard consumers are LogFileEventConsumer and CommandLineEventConsumer", inst.ClassName())
}

// expand substitutes a standard string template: each %Path% is replaced
// by the value of that property of the event, where Path may go into
// embedded objects (%TargetInstance.Name%) and name system properties
// (%__CLASS%); %% is a percent sign. NULL or missing values give "",
// embedded objects their MOF text, arrays {a, b}.
func expand(tmpl string, ev cim.Object) string {
	if !strings.Contains(tmpl, "%") {
		return tmpl
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		if c != '%' {
			b.WriteByte(c)
			i++
			continue
		}
		j := strings.IndexByte(tmpl[i+1:], '%')
		if j < 0 {
			b.WriteString(tmpl[i:])
			break
		}
		name := tmpl[i+1 : i+1+j]
		if name == "" {
			b.WriteByte('%')
		} else {
			b.WriteString(valueText(lookupPath(ev, name)))
		}
		i += j + 2
	}
	return b.String()
}

// lookupPath reads a dotted property path of an object.
func lookupPath(o cim.Object, path string) cim.Value {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		v, err := o.Get(strings.TrimSpace(p))
		if err != nil {
			return cim.Value{}
		}
		if i == len(parts)-1 {
			return v
		}
		next, ok := v.Object()
		if !ok {
			return cim.Value{}
		}
		o = next
	}
	return cim.Value{}
}

func valueText(v cim.Value) string {
	if v.IsNull() {
		return ""
	}
	return v.String()
}

// --- LogFileEventConsumer --------------------------------------------------------

// logFileConsumer appends one line per event, the expanded Text, to
// Filename (UTF-8, or UTF-16LE with a byte-order mark when IsUnicode). When
// the file has grown past MaximumFileSize (checked before each write, as
// Windows does, so a file may end slightly larger), it is renamed to
// Filename.001 (the lowest of .001 ... .999 not in use; .999 is
// overwritten when all are) and a new file is started. 0 means no limit.
type logFileConsumer struct {
	h       *Hub
	file    string
	text    string
	maxSize uint64
	unicode bool
}

func (c *logFileConsumer) consume(_ context.Context, ev cim.Object, _ func(error)) error {
	line := expand(c.text, ev) + "\n"
	mu := c.h.fileLock(c.file)
	mu.Lock()
	defer mu.Unlock()
	if c.maxSize > 0 {
		if st, err := os.Stat(c.file); err == nil && uint64(st.Size()) > c.maxSize {
			if err := rotate(c.file); err != nil {
				return status.Wrap(status.Failed, err)
			}
		}
	}
	f, err := os.OpenFile(c.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return status.Wrap(status.Failed, err)
	}
	var data []byte
	if c.unicode {
		if st, err := f.Stat(); err == nil && st.Size() == 0 {
			data = append(data, 0xFF, 0xFE)
		}
		for _, u := range utf16.Encode([]rune(line)) {
			data = append(data, byte(u), byte(u>>8))
		}
	} else {
		data = []byte(line)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return status.Wrap(status.Failed, err)
	}
	return nil
}

// rotate renames a full log file to its first free numbered name.
func rotate(file string) error {
	target := file + ".999"
	for n := 1; n <= 999; n++ {
		name := fmt.Sprintf("%s.%03d", file, n)
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			target = name
			break
		}
	}
	return os.Rename(file, target)
}

// fileLock returns the lock of a log file: consumers sharing a file write
// one line at a time.
func (h *Hub) fileLock(path string) *sync.Mutex {
	h.filesMu.Lock()
	defer h.filesMu.Unlock()
	mu := h.files[path]
	if mu == nil {
		mu = &sync.Mutex{}
		h.files[path] = mu
	}
	return mu
}

// --- CommandLineEventConsumer ----------------------------------------------------

// commandConsumer starts a process per event. CommandLineTemplate is
// expanded and split into arguments as Windows splits a command line
// (white space separates, double quotes group, backslashes escape quotes);
// its first word is the program's argv[0]. ExecutablePath, when set, is the
// program to run (the first word only names it); otherwise the first word
// is, looked up in PATH. The process starts in WorkingDirectory (the
// daemon's when empty), in a process group of its own, with no standard
// input or output. The consumer does not wait for it: a process that
// cannot start fails the event; one still running after KillTimeout
// seconds (0: never) is killed with its process group, and that is
// reported as a failure too. Priority, the window and console properties
// and RunInteractively have no meaning here and are ignored.
type commandConsumer struct {
	h       *Hub
	exe     string
	cmdline string
	dir     string
	kill    time.Duration
}

func (c *commandConsumer) consume(_ context.Context, ev cim.Object, fail func(error)) error {
	args := splitCommandLine(expand(c.cmdline, ev))
	exe := c.exe
	if exe == "" {
		if len(args) == 0 {
			return status.New(status.InvalidParameter, "the CommandLineTemplate expanded to an empty command line")
		}
		exe = args[0]
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if c.kill > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), c.kill)
	}
	var argv []string
	if len(args) > 1 {
		argv = args[1:]
	}
	cmd := exec.CommandContext(ctx, exe, argv...)
	if len(args) > 0 {
		cmd.Args[0] = args[0]
	}
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return status.Wrap(status.Failed, fmt.Errorf("CommandLineEventConsumer cannot start %s: %w", exe, err))
	}
	// The waiter is not the Hub's: a process may outlive it (KillTimeout 0).
	go func() {
		_ = cmd.Wait()
		timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
		cancel()
		if timedOut {
			fail(status.Errorf(status.TimedOut, "CommandLineEventConsumer killed %s (pid %d) after its KillTimeout of %v", exe, cmd.Process.Pid, c.kill))
		}
	}()
	return nil
}

// splitCommandLine splits a command line as Windows' CommandLineToArgvW
// does: white space separates arguments, double quotes group, 2n
// backslashes before a quote are n backslashes, 2n+1 are n and a literal
// quote, other backslashes are literal.
func splitCommandLine(s string) []string {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					quoted = !quoted
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			inArg = true
		case c == '"':
			if quoted && i+1 < len(s) && s[i+1] == '"' {
				cur.WriteByte('"')
				i++
			} else {
				quoted = !quoted
			}
			inArg = true
		case (c == ' ' || c == '\t' || c == '\n' || c == '\r') && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}
