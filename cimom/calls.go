package cimom

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// This file is the asynchronous operation table of MS-WMI §3.1.1 and the
// delivery rules of DESIGN.md §3. A call is one row: the sink it reports
// to, whether it was cancelled, whether its final status was sent, and
// whether a callback is in flight.
//
// There is no delivery goroutine: the goroutine that runs an operation
// calls the sink itself, one callback at a time (sendMu), so a slow sink
// back-pressures its producer (rule 13). The final status is sent by
// whoever ends the call first, exactly once (finalSent): the producer when
// the operation returns, or CancelAsyncCall. If a callback is in flight
// when the cancel comes, its goroutine sends the final status when the
// callback returns (rule 8); otherwise a short-lived goroutine sends it, so
// CancelAsyncCall never waits on the sink (rule 3).

// errCallGone is what a producer's send returns once the call is over.
var errCallGone = status.New(status.CallCancelled, "the call was cancelled")

type sinkKey struct {
	conn *conn
	sink wbem.Sink
}

// comparableSink reports whether a sink can identify calls: its dynamic
// type must be comparable (a pointer, typically).
func comparableSink(s wbem.Sink) bool {
	return s != nil && reflect.TypeOf(s).Comparable()
}

type finalStatus struct {
	hr    status.Code
	param string
	obj   cim.Object
}

type call struct {
	om     *ObjectManager
	key    sinkKey
	method wbem.Method
	// sendStatus is FlagSendStatus: progress reaches the sink.
	sendStatus bool
	// orphanable calls (ExecMethod) keep running when the client cancels.
	orphanable bool
	// internal calls feed an Enumerator or CallResult of ours: no sink
	// timeout applies, the consumer sets the pace.
	internal bool

	ctx    context.Context // the producer's context
	cancel context.CancelFunc

	sendMu sync.Mutex // one producer callback at a time

	mu         sync.Mutex
	sink       wbem.Sink // nil once the final status is delivered
	cancelled  bool
	finalSent  bool         // the final status is decided (sent or pending)
	pending    *finalStatus // final status to send when the callback returns
	inCallback bool
	cbStart    atomic.Int64 // unix nanos of the callback in flight, 0 when none
	orphaned   bool

	next    *call // the next call of the same sink, guarded by the table's lock
	inTable bool  // guarded by the table's lock
}

// callTable is the AsyncOperationTable: calls by connection and sink. The
// calls of one sink form a list through call.next; most sinks have one.
type callTable struct {
	mu    sync.Mutex
	calls map[sinkKey]*call
	n     int
}

func newCallTable() *callTable { return &callTable{calls: map[sinkKey]*call{}} }

func (t *callTable) add(c *call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c.next = t.calls[c.key]
	t.calls[c.key] = c
	c.inTable = true
	t.n++
}

func (t *callTable) remove(c *call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !c.inTable {
		return
	}
	c.inTable = false
	t.n--
	head := t.calls[c.key]
	if head == c {
		if c.next == nil {
			delete(t.calls, c.key)
		} else {
			t.calls[c.key] = c.next
		}
		c.next = nil
		return
	}
	for p := head; p != nil; p = p.next {
		if p.next == c {
			p.next = c.next
			c.next = nil
			return
		}
	}
}

// take removes and returns every call of a sink on a connection.
func (t *callTable) take(k sinkKey) []*call {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*call
	for c := t.calls[k]; c != nil; {
		next := c.next
		c.next, c.inTable = nil, false
		out = append(out, c)
		c = next
	}
	delete(t.calls, k)
	t.n -= len(out)
	return out
}

// takeConn removes and returns every call of a connection (every call, for
// a nil connection).
func (t *callTable) takeConn(cn *conn) []*call {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*call
	for k, head := range t.calls {
		if cn != nil && k.conn != cn {
			continue
		}
		for c := head; c != nil; {
			next := c.next
			c.next, c.inTable = nil, false
			out = append(out, c)
			c = next
		}
		delete(t.calls, k)
	}
	t.n -= len(out)
	return out
}

func (t *callTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// overdue returns the calls whose callback has been in flight longer than d.
func (t *callTable) overdue(d time.Duration) []*call {
	limit := time.Now().Add(-d).UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*call
	for _, head := range t.calls {
		for c := head; c != nil; c = c.next {
			if s := c.cbStart.Load(); s != 0 && s < limit && !c.internal {
				out = append(out, c)
			}
		}
	}
	return out
}

// newCall makes a row for an accepted asynchronous call and enters it in
// the table.
func (om *ObjectManager) newCall(cn *conn, m wbem.Method, flags wbem.Flags, sink wbem.Sink, internal bool) *call {
	ctx, cancel := context.WithCancel(om.ctx)
	c := &call{
		om: om, key: sinkKey{cn, sink}, method: m, sink: sink,
		sendStatus: flags&wbem.FlagSendStatus != 0,
		orphanable: m == wbem.MethodExecMethod,
		internal:   internal,
		ctx:        ctx, cancel: cancel,
	}
	om.calls.add(c)
	om.metrics.callsStarted.Add(1)
	om.metrics.pending.Add(1)
	return c
}

// Send delivers objects to the sink: the provider.Sink of the call. It
// fails once the call is cancelled.
func (c *call) Send(objs ...cim.Object) error {
	if len(objs) == 0 {
		return c.alive()
	}
	return c.callback(func(s wbem.Sink) error { return s.Indicate(objs) })
}

// Progress delivers a progress status when the caller asked for it.
func (c *call) Progress(done, total uint16) error {
	if !c.sendStatus {
		return c.alive()
	}
	return c.callback(func(s wbem.Sink) error {
		return s.SetStatus(wbem.StatusProgress, wbem.ProgressCode(done, total), "", nil)
	})
}

func (c *call) alive() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelled || c.finalSent {
		return errCallGone
	}
	return nil
}

// callback runs one Indicate or progress SetStatus, keeping the rules: none
// after a cancel, one at a time, a failing callback cancels the call, and a
// final status that a cancel decided during the callback is sent right
// after it.
func (c *call) callback(fn func(wbem.Sink) error) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	if c.cancelled || c.finalSent {
		c.mu.Unlock()
		return errCallGone
	}
	sink := c.sink
	c.inCallback = true
	c.cbStart.Store(time.Now().UnixNano())
	c.mu.Unlock()

	err := safeSinkCall(func() error { return fn(sink) })

	c.mu.Lock()
	if err != nil && !c.cancelled {
		code := status.CallCancelled
		if c.internal && status.CodeOf(err).Failed() {
			// Our own enumerators and call results end a call with the
			// code they report, e.g. WBEM_E_QUOTA_VIOLATION.
			code = status.CodeOf(err)
		}
		c.cancelLocked(code, "the sink failed: "+err.Error())
	}
	c.inCallback = false
	c.cbStart.Store(0)
	fin := c.pending
	c.pending = nil
	gone := c.cancelled
	c.mu.Unlock()
	if fin != nil {
		c.deliverFinal(fin)
	}
	if gone {
		return errCallGone
	}
	return nil
}

// safeSinkCall runs a sink method, turning a panic into an error.
func safeSinkCall(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sink panicked: %v", r)
		}
	}()
	return fn()
}

// cancelLocked marks the call cancelled with a final code. c.mu is held.
// The final status goes out now from a new goroutine, or after the
// callback in flight returns.
func (c *call) cancelLocked(code status.Code, why string) {
	if c.cancelled {
		return
	}
	c.cancelled = true
	if c.orphanable {
		c.orphaned = true
		c.om.metrics.orphaned.Add(1)
	} else {
		c.cancel()
	}
	c.om.metrics.cancelled.Add(1)
	if c.finalSent {
		return
	}
	c.finalSent = true
	c.om.calls.remove(c)
	fin := &finalStatus{hr: code, obj: c.om.extendedStatus(&status.Error{Code: code, Operation: "IWbemServices::" + c.method.String(), Description: why})}
	if c.inCallback {
		c.pending = fin
		return
	}
	c.om.wg.Add(1)
	go func() {
		defer c.om.wg.Done()
		c.deliverFinal(fin)
	}()
}

// cancelCall cancels a call for a client (CancelAsyncCall, Close, a lost
// connection): rule 4's real status stands if the final status was already
// decided.
func (c *call) cancelCall(code status.Code, why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelLocked(code, why)
}

// finish ends the call with the operation's outcome, unless a cancel ended
// it first (then the outcome is discarded).
func (c *call) finish(err error, param string) {
	c.sendMu.Lock() // after any callback of this call
	defer c.sendMu.Unlock()
	c.mu.Lock()
	if c.finalSent {
		orphan := c.orphaned
		c.mu.Unlock()
		if orphan {
			c.om.metrics.orphanedDone.Add(1)
		}
		c.cancel()
		return
	}
	c.finalSent = true
	c.mu.Unlock()
	c.om.calls.remove(c)
	fin := &finalStatus{hr: status.CodeOf(err), param: param}
	if err != nil {
		fin.obj = c.om.extendedStatus(status.From(err).With("IWbemServices::"+c.method.String(), ""))
	}
	c.deliverFinal(fin)
	c.cancel()
}

// deliverFinal sends the final status and drops the sink.
func (c *call) deliverFinal(f *finalStatus) {
	c.mu.Lock()
	sink := c.sink
	c.sink = nil
	c.mu.Unlock()
	if sink != nil {
		_ = safeSinkCall(func() error { return sink.SetStatus(wbem.StatusComplete, f.hr, f.param, f.obj) })
	}
	c.om.metrics.pending.Add(-1)
}
