package eventlog

import (
	"context"
	"os"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
)

// CreationQuery is the event query the provider serves.
const CreationQuery = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_NTLogEvent'"

// EventQueries implements provider.EventRegistration.
func (p *Provider) EventQueries() []string { return []string{CreationQuery} }

// ProvideEvents implements provider.EventProvider: an
// __InstanceCreationEvent for each record written while someone listens,
// from journalctl --follow, or from the growth of the syslog files.
func (p *Provider) ProvideEvents(ctx context.Context, req *provider.EventRequest, sink provider.EventSink) error {
	class, err := req.Class("Win32_NTLogEvent")
	if err != nil {
		return err
	}
	evClass, err := req.Class("__InstanceCreationEvent")
	if err != nil {
		return err
	}
	raise := func(r record) error {
		inst, err := instance(class, r)
		if err != nil {
			return err
		}
		ev, err := evClass.SpawnInstance()
		if err != nil {
			return err
		}
		if err := ev.Put("TargetInstance", cim.Embedded(inst)); err != nil {
			return err
		}
		if t := r.written; !t.IsZero() {
			_ = ev.Put("TIME_CREATED", cim.Uint64(cim.ToFileTime(t)))
		}
		return sink.Send(ev)
	}
	var ferr error
	if p.useJournal() {
		ferr = p.readJournal(ctx, time.Time{}, true, raise)
	} else {
		ferr = p.followSyslog(ctx, raise)
	}
	if ctx.Err() != nil {
		return nil
	}
	return ferr
}

// followSyslog raises the lines added to the syslog files, looking every
// PollInterval; a file that shrank (rotated or truncated) is read again
// from its start.
func (p *Provider) followSyslog(ctx context.Context, fn func(record) error) error {
	type pos struct {
		offset int64
		line   uint32
	}
	files := p.syslogFiles()
	at := map[string]pos{}
	for file, log := range files {
		var n uint32
		off, err := readSyslogFile(ctx, file, log, 0, 0, func(record) error { n++; return nil })
		if err != nil {
			return err
		}
		at[file] = pos{off, n}
	}
	if p.Following != nil {
		p.Following()
	}
	interval := p.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		for file, log := range files {
			cur := at[file]
			if st, err := os.Stat(file); err == nil && st.Size() < cur.offset {
				cur = pos{}
			}
			line := cur.line
			off, err := readSyslogFile(ctx, file, log, cur.offset, cur.line, func(r record) error {
				line = r.number
				return fn(r)
			})
			at[file] = pos{off, line}
			if err != nil {
				return err
			}
		}
	}
}
