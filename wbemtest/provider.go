package wbemtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
)

// Op names a provider entry point.
type Op string

// The provider entry points the Provider records.
const (
	OpGet       Op = "GetInstance"
	OpEnumerate Op = "EnumerateInstances"
	OpQuery     Op = "ExecQuery"
	OpCreate    Op = "CreateInstance"
	OpModify    Op = "ModifyInstance"
	OpDelete    Op = "DeleteInstance"
	OpMethod    Op = "ExecMethod"
	OpEvents    Op = "ProvideEvents"
)

// FaultKind is what goes wrong in a scripted call.
type FaultKind int

// The faults.
const (
	NoFault    FaultKind = iota
	FaultFail            // return an error with Fault.Code
	FaultPanic           // panic
	FaultBlock           // wait until Release (or until the call's ctx is done)
)

// Fault scripts a failure. Enumerations and queries fault after sending
// After instances (After equal to the count: after the last one); the other
// operations (get, create, modify, delete, methods) fault as they start,
// whatever After says.
type Fault struct {
	Kind  FaultKind
	After int64
	// Ops limits the fault to some entry points; nil means all. A method
	// call that the object manager prepares with a GetInstance of its
	// target is blocked at the method only with Ops: []Op{OpMethod}.
	Ops []Op
	// Code is the status code of FaultFail; WBEM_E_FAILED when zero.
	Code status.Code
	// Bare makes FaultFail return a status error without ProviderName, for
	// the object manager to fill in; otherwise the error comes from
	// provider.Failure with ProviderName.
	Bare bool
}

func (f Fault) appliesTo(op Op) bool {
	return f.Kind != NoFault && (f.Ops == nil || slices.Contains(f.Ops, op))
}

// Script is how the Provider serves one class. The zero Script serves no
// instances, at once, without faults.
type Script struct {
	// Count is how many instances the class has. They are generated as
	// they are sent, never all at once, so Count may be in the billions:
	// WbemTest_Item i has Id i, Name "item-<i>" and Size i%100;
	// WbemTest_ItemEx i has Id ItemExFirstID+i, Name "itemex-<Id>", Size
	// Id%100 and Extra "extra-<Id>";
	// WbemTest_Link i links items i and i+1; WbemTest_Worker i is named
	// "w<i>". Instances created with PutInstance come after them.
	Count int64
	// Batch is how many instances each Send carries; 1 when zero.
	Batch int
	// Delay is waited before each instance of an enumeration or query, and
	// once before any other operation (the call's ctx cuts it short).
	Delay time.Duration
	// Fault is what goes wrong.
	Fault Fault
	// Query makes ExecQuery answer queries itself, with every instance of
	// the class, unfiltered (the object manager must filter and project);
	// otherwise ExecQuery returns provider.ErrSkip.
	Query bool
	// ProgressEvery makes enumerations and queries report progress every
	// so many instances.
	ProgressEvery int64
}

// DefaultScripts are the scripts NewProvider and Reset install: 10 items,
// no ItemEx, 9 links (item i to item i+1), one worker "w0". A class without
// a script has no instances.
func DefaultScripts() map[string]Script {
	return map[string]Script{
		ItemClass:   {Count: 10},
		ItemExClass: {Count: 0},
		LinkClass:   {Count: 9},
		WorkerClass: {Count: 1},
	}
}

// subclasses lists the test classes the Provider serves under each class:
// asked for a class, it answers for the class and these (the object manager
// asks a provider once for the subtree of classes it serves).
var subclasses = map[string][]string{
	strings.ToLower(ItemClass): {ItemExClass},
}

// subtree returns a class and the classes the Provider serves under it.
func subtree(class string) []string {
	return append([]string{class}, subclasses[strings.ToLower(class)]...)
}

// CallInfo is what the Provider recorded of one call, as of when it was
// read.
type CallInfo struct {
	ID     int64
	Op     Op
	Class  string
	Method string // ExecMethod: the method's name
	Key    string // get, create, modify, delete, methods: the key value, as text
	Query  string // ExecQuery: the query text

	Started  time.Time
	Produced int64 // instances a Send accepted (returned nil for)
	// SendErr is the first error Send (or Progress) returned, and when.
	SendErr   error
	SendErrAt time.Time
	// Blocked is set while the call waits at a FaultBlock.
	Blocked bool
	// CtxDone is when the call's ctx was seen done while the call ran
	// (at the latest, when it returned); zero if it was not done then.
	CtxDone time.Time
	// Returned is when the call returned (or panicked); zero while it runs.
	Returned time.Time
	Err      error // what the call returned
	Panicked bool
	// Completed is set when the call did all its work: sent every
	// instance, or finished the method's work (Work's wait, Progress's
	// steps).
	Completed bool
}

// Running reports whether the call had not returned when it was read.
func (c CallInfo) Running() bool { return c.Returned.IsZero() }

func (c CallInfo) String() string {
	s := fmt.Sprintf("#%d %s %s", c.ID, c.Op, c.Class)
	if c.Method != "" {
		s += "." + c.Method
	}
	if c.Key != "" {
		s += " key=" + c.Key
	}
	if c.Query != "" {
		s += " query=" + strconv.Quote(c.Query)
	}
	s += fmt.Sprintf(" produced=%d", c.Produced)
	switch {
	case c.Blocked:
		s += " blocked"
	case c.Running():
		s += " running"
	case c.Panicked:
		s += " panicked"
	default:
		s += fmt.Sprintf(" returned err=%v", c.Err)
	}
	if !c.CtxDone.IsZero() {
		s += " ctx-done"
	}
	if c.SendErr != nil {
		s += fmt.Sprintf(" send-err=%v", c.SendErr)
	}
	return s
}

// Provider is the scriptable test provider: it implements every instance,
// method and event capability of package provider for the test classes.
// Script it per class; read what it did with Calls and the wait methods.
// It is safe for concurrent use.
type Provider struct {
	mu      sync.Mutex
	classes map[string]*classState // by lower-case class name
	calls   []*callRec
	byID    map[int64]*callRec
	nextID  int64
	running int
	changed chan struct{} // closed and replaced on every milestone
	// aborted is closed by Abort and replaced by Reset: the calls begun
	// before stop at their next instance.
	aborted chan struct{}
	ev      eventState
}

// classState is a class's script and the instances written to it.
type classState struct {
	script   Script
	gate     chan struct{} // closed by Release
	released bool
	created  map[string]*cim.Instance // by key text
	order    []string                 // created keys, in creation order
	deleted  map[string]bool
	produced atomic.Int64
}

type callRec struct {
	info     CallInfo // guarded by Provider.mu
	produced atomic.Int64
	ctx      context.Context
	stop     func() bool
	aborted  <-chan struct{}
}

var (
	_ provider.InstanceGetter     = (*Provider)(nil)
	_ provider.InstanceEnumerator = (*Provider)(nil)
	_ provider.InstanceQuerier    = (*Provider)(nil)
	_ provider.InstanceCreator    = (*Provider)(nil)
	_ provider.InstanceModifier   = (*Provider)(nil)
	_ provider.InstanceDeleter    = (*Provider)(nil)
	_ provider.MethodExecutor     = (*Provider)(nil)
	_ provider.EventProvider      = (*Provider)(nil)
	_ provider.EventQueryWatcher  = (*Provider)(nil)
	_ provider.EventRegistration  = (*Provider)(nil)
)

// ErrAborted is what the calls that Abort stops return.
var ErrAborted = errors.New("wbemtest: the provider call was aborted by the test")

// NewProvider returns a Provider with the DefaultScripts.
func NewProvider() *Provider {
	p := &Provider{classes: map[string]*classState{}, byID: map[int64]*callRec{},
		changed: make(chan struct{}), aborted: make(chan struct{})}
	p.Reset()
	return p
}

// Reset releases every blocked call, installs the DefaultScripts, forgets
// the instances written and deleted, and clears the call log and the event
// query log (calls still running go on and are still counted by Running
// and WaitIdle). It undoes Abort for the calls that start after it.
func (p *Provider) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.classes {
		st.release()
	}
	p.classes = map[string]*classState{}
	for name, s := range DefaultScripts() {
		p.classes[strings.ToLower(name)] = newClassState(s)
	}
	p.calls = nil
	p.byID = map[int64]*callRec{}
	p.ev.notes = nil
	p.rearmLocked()
	p.signalLocked()
}

// Abort stops every running call: enumerations and queries return
// ErrAborted at their next instance, blocked calls at once (a call blocked
// in Send waits for the object manager). It is the suite's last resort when
// the object manager fails to stop a call, so that one failed check does
// not leave a call producing forever. Rearm or Reset undoes it for the
// calls that start after.
func (p *Provider) Abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.aborted:
	default:
		close(p.aborted)
	}
	for _, st := range p.classes {
		st.release()
	}
	p.signalLocked()
}

// Rearm undoes Abort for the calls that start after it.
func (p *Provider) Rearm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rearmLocked()
}

func (p *Provider) rearmLocked() {
	select {
	case <-p.aborted:
		p.aborted = make(chan struct{})
	default:
	}
}

func newClassState(s Script) *classState {
	return &classState{script: s, gate: make(chan struct{}), created: map[string]*cim.Instance{}, deleted: map[string]bool{}}
}

func (st *classState) release() {
	if !st.released {
		st.released = true
		close(st.gate)
	}
}

// stateLocked returns a class's state, creating an empty one. p.mu is
// held.
func (p *Provider) stateLocked(class string) *classState {
	k := strings.ToLower(class)
	st := p.classes[k]
	if st == nil {
		st = newClassState(Script{})
		p.classes[k] = st
	}
	return st
}

// Script replaces the script of a class. Calls blocked by the old script
// are released; the instances written to the class are kept.
func (p *Provider) Script(class string, s Script) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.stateLocked(class)
	st.release()
	st.script = s
	st.gate = make(chan struct{})
	st.released = false
	p.signalLocked()
}

// ScriptOf returns the script of a class.
func (p *Provider) ScriptOf(class string) Script {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stateLocked(class).script
}

// Release lets the calls of a class that wait at a FaultBlock go on, and
// the later ones pass the fault without waiting, until the next Script.
func (p *Provider) Release(class string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stateLocked(class).release()
	p.signalLocked()
}

// ReleaseAll is Release for every class.
func (p *Provider) ReleaseAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.classes {
		st.release()
	}
	p.signalLocked()
}

// Produced returns how many instances Send accepted since the last Reset
// in the calls made for a class (an enumeration of WbemTest_Item counts
// the WbemTest_ItemEx instances it sends).
func (p *Provider) Produced(class string) int64 {
	p.mu.Lock()
	st := p.stateLocked(class)
	p.mu.Unlock()
	return st.produced.Load()
}

// Mark returns the ID the next call will get: CallsSince(Mark()) are the
// calls that start after it.
func (p *Provider) Mark() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nextID + 1
}

// Calls returns every call recorded since the last Reset, oldest first.
func (p *Provider) Calls() []CallInfo { return p.CallsSince(0) }

// CallsSince returns the calls whose ID is at least mark.
func (p *Provider) CallsSince(mark int64) []CallInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshotLocked(mark)
}

func (p *Provider) snapshotLocked(mark int64) []CallInfo {
	var out []CallInfo
	for _, r := range p.calls {
		if r.info.ID >= mark {
			out = append(out, r.snapshot())
		}
	}
	return out
}

func (r *callRec) snapshot() CallInfo {
	c := r.info
	c.Produced = r.produced.Load()
	return c
}

// Call returns the record of one call.
func (p *Provider) Call(id int64) (CallInfo, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.byID[id]
	if !ok {
		return CallInfo{}, false
	}
	return r.snapshot(), true
}

// Running returns how many calls are in the Provider now.
func (p *Provider) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Wait waits until cond, given the calls since mark, holds, or ctx is done.
// cond is checked whenever a call starts, blocks, sees its ctx done, sees
// Send fail or returns, and when an event query comes or goes (not on every
// instance sent: poll Call for that).
func (p *Provider) Wait(ctx context.Context, mark int64, cond func([]CallInfo) bool) error {
	for {
		p.mu.Lock()
		ok := cond(p.snapshotLocked(mark))
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wbemtest: waiting for the provider: %w", context.Cause(ctx))
		}
	}
}

// WaitCall waits for a call since mark that satisfies pred, and returns it.
func (p *Provider) WaitCall(ctx context.Context, mark int64, pred func(CallInfo) bool) (CallInfo, error) {
	var found CallInfo
	err := p.Wait(ctx, mark, func(calls []CallInfo) bool {
		for _, c := range calls {
			if pred(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitIdle waits until no call is running in the Provider.
func (p *Provider) WaitIdle(ctx context.Context) error {
	for {
		p.mu.Lock()
		n, ch := p.running, p.changed
		p.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wbemtest: %d provider calls still running: %w", n, context.Cause(ctx))
		}
	}
}

func (p *Provider) signalLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// update changes a call's record and signals waiters.
func (p *Provider) update(r *callRec, f func(*CallInfo)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&r.info)
	p.signalLocked()
}

// begin records a new call and returns it with the class's state and
// script.
func (p *Provider) begin(ctx context.Context, op Op, class string) (*callRec, *classState, Script) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextID++
	r := &callRec{info: CallInfo{ID: p.nextID, Op: op, Class: class, Started: time.Now()}, ctx: ctx, aborted: p.aborted}
	p.calls = append(p.calls, r)
	p.byID[r.info.ID] = r
	p.running++
	r.stop = context.AfterFunc(ctx, func() {
		p.update(r, func(c *CallInfo) {
			if c.Returned.IsZero() && c.CtxDone.IsZero() {
				c.CtxDone = time.Now()
			}
		})
	})
	st := p.stateLocked(class)
	p.signalLocked()
	return r, st, st.script
}

// end records the return of a call; use it deferred, with the call's
// error, so that it also records a panic (and lets it go on).
func (p *Provider) end(r *callRec, err *error) {
	rec := recover()
	r.stop()
	done := r.ctx.Err() != nil
	p.mu.Lock()
	now := time.Now()
	c := &r.info
	c.Returned = now
	c.Blocked = false
	if done && c.CtxDone.IsZero() {
		// AfterFunc runs on a goroutine of its own: a call that returns
		// at once when its ctx is done may beat it.
		c.CtxDone = now
	}
	if rec != nil {
		c.Panicked = true
	} else {
		c.Err = *err
	}
	p.running--
	p.signalLocked()
	p.mu.Unlock()
	if rec != nil {
		panic(rec)
	}
}

// sendFailed records the first failure of Send or Progress.
func (p *Provider) sendFailed(r *callRec, err error) {
	p.update(r, func(c *CallInfo) {
		if c.SendErr == nil {
			c.SendErr, c.SendErrAt = err, time.Now()
		}
	})
}

// fault applies a script's fault to an entry point.
func (p *Provider) fault(ctx context.Context, r *callRec, st *classState, f Fault, op Op) error {
	if !f.appliesTo(op) {
		return nil
	}
	switch f.Kind {
	case FaultFail:
		code := f.Code
		if code == 0 {
			code = status.Failed
		}
		if f.Bare {
			return status.Errorf(code, "wbemtest: scripted failure in %s", op)
		}
		return provider.Failure(code, ProviderName, "wbemtest: scripted failure in %s", op)
	case FaultPanic:
		panic(fmt.Sprintf("wbemtest: scripted panic in %s", op))
	case FaultBlock:
		p.mu.Lock()
		gate := st.gate
		p.mu.Unlock()
		p.update(r, func(c *CallInfo) { c.Blocked = true })
		defer p.update(r, func(c *CallInfo) { c.Blocked = false })
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		case <-r.aborted:
			return ErrAborted
		}
	}
	return nil
}
