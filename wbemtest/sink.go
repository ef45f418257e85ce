package wbemtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// cbKind is the kind of a sink callback.
type cbKind int

const (
	cbIndicate cbKind = iota
	cbProgress
	cbFinal
)

func (k cbKind) String() string {
	return [...]string{"Indicate", "SetStatus(progress)", "SetStatus(complete)"}[k]
}

// callback is one recorded sink callback.
type callback struct {
	kind  cbKind
	seq   int64 // from the suite's clock, at entry
	at    time.Time
	n     int // Indicate: objects
	hr    status.Code
	param string
	obj   cim.Object
}

func (c callback) String() string {
	switch c.kind {
	case cbIndicate:
		return fmt.Sprintf("#%d Indicate(%d)", c.seq, c.n)
	case cbProgress:
		d, t := wbem.ProgressOf(c.hr)
		return fmt.Sprintf("#%d progress %d/%d", c.seq, d, t)
	}
	return fmt.Sprintf("#%d final %s %q", c.seq, c.hr, c.param)
}

// clock orders the events of a test: sink callbacks and the test's own
// marks.
type clock struct{ n atomic.Int64 }

func (c *clock) tick() int64 { return c.n.Add(1) }

// recSink is the suite's sink: it records every callback, checks the
// delivery rules it can check on its own (nothing after the final status;
// for a sink that serves one call, no two callbacks at once; known status
// flags; progress only when asked for) and lets a test hook Indicate and
// SetStatus. Violations are kept for check, since a callback may run after
// its test has ended.
type recSink struct {
	name     string
	clock    *clock
	single   bool // serves one call: callbacks must not overlap, nothing after the final
	progress bool // FlagSendStatus was given: progress may come

	// onIndicate and onStatus run inside the callbacks, after recording;
	// their result is the callback's. Set them before the call starts.
	onIndicate func(objs []cim.Object) error
	onStatus   func(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error

	inflight atomic.Int32

	mu         sync.Mutex
	log        []callback
	objs       []cim.Object
	finals     int
	violations []string
	changed    chan struct{}
}

func newSink(name string, clk *clock, single bool) *recSink {
	return &recSink{name: name, clock: clk, single: single, changed: make(chan struct{})}
}

func (s *recSink) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *recSink) enter(cb callback) {
	cb.seq = s.clock.tick()
	cb.at = time.Now()
	if n := s.inflight.Add(1); n > 1 && s.single {
		s.mu.Lock()
		s.violate("rule 4: %s entered while another callback of the same call was in flight", cb)
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.single && s.finals > 0 {
		s.violate("rule 4: %s after the final status", cb)
	}
	s.log = append(s.log, cb)
	if cb.kind == cbFinal {
		s.finals++
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *recSink) leave() { s.inflight.Add(-1) }

func (s *recSink) Indicate(objs []cim.Object) error {
	s.enter(callback{kind: cbIndicate, n: len(objs)})
	defer s.leave()
	s.mu.Lock()
	if len(objs) == 0 {
		s.violate("Indicate with no objects")
	}
	for i, o := range objs {
		if o == nil {
			s.violate("Indicate with a nil object at %d", i)
		}
	}
	s.objs = append(s.objs, objs...)
	hook := s.onIndicate
	s.mu.Unlock()
	if hook != nil {
		return hook(objs)
	}
	return nil
}

func (s *recSink) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	kind := cbFinal
	if flags == wbem.StatusProgress {
		kind = cbProgress
	}
	s.enter(callback{kind: kind, hr: hr, param: param, obj: obj})
	defer s.leave()
	s.mu.Lock()
	switch {
	case flags != wbem.StatusComplete && flags != wbem.StatusProgress:
		s.violate("SetStatus with flags %s: gowmi sends only WBEM_STATUS_COMPLETE and WBEM_STATUS_PROGRESS", flags)
	case flags == wbem.StatusProgress && !s.progress:
		s.violate("progress SetStatus without WBEM_FLAG_SEND_STATUS")
	case flags == wbem.StatusComplete && !hr.Failed() && obj != nil:
		s.violate("final status %s with an object: pObjParam must be NULL on success", hr)
	}
	hook := s.onStatus
	s.mu.Unlock()
	if hook != nil {
		return hook(flags, hr, param, obj)
	}
	return nil
}

// snapshot returns the callbacks so far and the objects indicated.
func (s *recSink) snapshot() ([]callback, []cim.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]callback(nil), s.log...), append([]cim.Object(nil), s.objs...)
}

// count returns the number of callbacks of a kind.
func (s *recSink) count(kind cbKind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.log {
		if c.kind == kind {
			n++
		}
	}
	return n
}

// indicated returns the number of objects indicated.
func (s *recSink) indicated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objs)
}

// finalStatuses returns the final statuses received.
func (s *recSink) finalStatuses() []callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []callback
	for _, c := range s.log {
		if c.kind == cbFinal {
			out = append(out, c)
		}
	}
	return out
}

// waitFor waits until cond holds (checked on every callback) or ctx is
// done, and reports which.
func (s *recSink) waitFor(ctx context.Context, cond func() bool) bool {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return cond()
		}
	}
}

// waitFinals waits for n final statuses; it fails the test when they do
// not come within the suite's bound.
func (s *recSink) waitFinals(t testing.TB, n int, bound time.Duration) []callback {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	if !s.waitFor(ctx, func() bool { return s.count(cbFinal) >= n }) {
		log, _ := s.snapshot()
		t.Fatalf("sink %s: %d final statuses after %v, want %d; callbacks: %v", s.name, s.count(cbFinal), bound, n, log)
	}
	return s.finalStatuses()
}

// waitFinal waits for the one final status of a single-call sink.
func (s *recSink) waitFinal(t testing.TB, bound time.Duration) callback {
	t.Helper()
	return s.waitFinals(t, 1, bound)[0]
}

// after returns the callbacks of a kind that entered after mark.
func (s *recSink) after(mark int64, kind cbKind) []callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []callback
	for _, c := range s.log {
		if c.seq > mark && c.kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// check reports the violations the sink saw, and the number of final
// statuses when want >= 0.
func (s *recSink) check(t testing.TB, wantFinals int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.violations {
		t.Errorf("sink %s: %s", s.name, v)
	}
	if wantFinals >= 0 && s.finals != wantFinals {
		t.Errorf("sink %s: %d final statuses, want exactly %d (rule 4); callbacks: %v", s.name, s.finals, wantFinals, s.log)
	}
}

func (s *recSink) String() string {
	log, _ := s.snapshot()
	parts := make([]string, len(log))
	for i, c := range log {
		parts[i] = c.String()
	}
	return s.name + ": " + strings.Join(parts, ", ")
}
