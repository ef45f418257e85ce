// Package wbemtest is gowmi's conformance suite: Run checks any
// wbem.Services (the in-process object manager, or a remote client over any
// transport) against every method and mode of IWbemServices and every rule
// of the asynchronous call contract (DESIGN.md §3), with a scriptable test
// provider (Provider) on the server side.
//
// A transport's test starts a server with the Provider registered under
// ProviderName, and hands Run an Env:
//
//	func TestConformance(t *testing.T) {
//		p := wbemtest.NewProvider()
//		om := cimom.New(store, &cimom.Options{SinkTimeout: 200 * time.Millisecond, EnumeratorWindow: 64})
//		om.RegisterProvider(wbemtest.ProviderName, p)
//		wbemtest.Run(t, wbemtest.Env{
//			Connect:     func(ctx context.Context) (wbem.Services, error) { return om.Connect(ctx, `root\wbemtest`, nil) },
//			Provider:    p,
//			SinkTimeout: 200 * time.Millisecond,
//			QueueQuota:  64,
//		})
//	}
//
// Every check is a subtest whose name starts with its rule
// ("Rule06_MethodRunsToCompletion") or its area ("Modes_", "Enum_",
// "Flags_", "Query_", "Provider_"), so that -run 'Conformance/Rule06'
// selects one. The checks run one after the other: they share the Provider.
// They wait on channels and on the Provider's records, never on sleeps;
// the only time limits are generous bounds (10 s plus the sink timeout)
// after which a check fails as hung instead of hanging.
package wbemtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// Env is what a transport's test gives the suite.
type Env struct {
	// Connect opens a new connection (a new client session) to the
	// namespace where the test classes live. Run installs them there with
	// Setup, through the first connection it opens.
	Connect func(ctx context.Context) (wbem.Services, error)
	// Provider is the test provider the server registered under
	// ProviderName; the suite scripts it and reads its records.
	Provider *Provider
	// SinkTimeout is the server's sink timeout (rule 7): how long one
	// Indicate or progress SetStatus may take before the call is
	// cancelled. Keep it small in tests (100-500 ms); 0 skips the check.
	SinkTimeout time.Duration
	// QueueQuota bounds the objects in transit for one call (rule 13): at
	// every moment, the objects a provider's Send has accepted for the call
	// minus the objects the client has received (passed to its sink's
	// Indicate, or returned by a forward-only Enumerator's Next) is at most
	// QueueQuota. It counts every buffer between the two: the object
	// manager's queue or forward-only enumerator window, objects taken
	// from it but not yet handed to Indicate, and, for a remote
	// transport, whatever the network and the client library hold. The
	// provider's own batch (Script.Batch, 1 in those checks) comes on top.
	// A call may instead end with WBEM_E_QUOTA_VIOLATION. 0 skips rule 13.
	QueueQuota int
	// EnumeratorQuota is how many objects a bidirectional (not
	// forward-only) semisynchronous enumerator may keep for Reset and
	// Clone before its call ends with WBEM_E_QUOTA_VIOLATION. 0 skips that
	// check; keep it small (a few thousand) in tests.
	EnumeratorQuota int
	// Disconnect, when not nil, cuts a remote connection as a network
	// failure would (rule 11); nil for in-process Services.
	Disconnect func(s wbem.Services)
	// Remote says the Services reach the server over a transport (rule
	// 12).
	Remote bool
}

// suite is one Run.
type suite struct {
	env   Env
	clock clock
	bound time.Duration // how long a check waits before it calls a wait hung

	eventsOnce sync.Once
	eventsErr  error // why events cannot be tested, or nil
}

// check is one subtest.
type check struct {
	name string
	fn   func(c *tc)
}

// Run runs every check as a subtest of t. Each check opens its own
// connections with env.Connect and closes them; between checks the Provider
// is Reset.
func Run(t *testing.T, env Env) {
	t.Helper()
	runChecks(t, env, checks())
}

// runChecks installs the test classes through a first connection and runs
// each check as a subtest.
func runChecks(t *testing.T, env Env, list []check) {
	t.Helper()
	if env.Connect == nil || env.Provider == nil {
		t.Fatal("wbemtest: Env needs Connect and Provider")
	}
	s := &suite{env: env, bound: 10*time.Second + 2*env.SinkTimeout}
	ctx, cancel := context.WithTimeout(context.Background(), s.bound)
	defer cancel()
	svc, err := env.Connect(ctx)
	if err != nil {
		t.Fatalf("wbemtest: Connect: %v", err)
	}
	err = Setup(ctx, svc)
	_ = svc.Close()
	if err != nil {
		t.Fatalf("wbemtest: %v", err)
	}
	for _, ch := range list {
		t.Run(ch.name, func(t *testing.T) { s.run(t, ch.fn) })
	}
}

// tc is the context of one check: its T, connection, provider and marks.
type tc struct {
	*testing.T
	s     *suite
	ctx   context.Context
	svc   wbem.Services
	p     *Provider
	mark  int64 // the Provider's first call ID for this check
	bound time.Duration
	wg    *sync.WaitGroup
}

func (s *suite) run(t *testing.T, fn func(c *tc)) {
	p := s.env.Provider
	p.Reset()
	idle, cancel := context.WithTimeout(context.Background(), s.bound)
	defer cancel()
	if err := p.WaitIdle(idle); err != nil {
		t.Fatalf("before the check: %v; still running: %v", err, running(p.Calls()))
	}
	ctx, cancelCtx := context.WithCancel(context.Background())
	t.Cleanup(cancelCtx)
	svc, err := s.env.Connect(ctx)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	c := &tc{T: t, s: s, ctx: ctx, svc: svc, p: p, mark: p.Mark(), bound: s.bound, wg: &sync.WaitGroup{}}
	t.Cleanup(func() { _ = svc.Close() })
	t.Cleanup(c.settle)
	fn(c)
}

// settle ends a check: it releases the Provider and waits for every call
// and every goroutine of the check to end.
func (c *tc) settle() {
	c.p.ReleaseAll()
	ctx, cancel := context.WithTimeout(context.Background(), c.bound)
	defer cancel()
	if err := c.p.WaitIdle(ctx); err != nil {
		c.Errorf("after the check, the provider is still busy: %v; calls: %v", err, running(c.p.Calls()))
		c.p.Abort()
		actx, acancel := context.WithTimeout(context.Background(), c.bound)
		defer acancel()
		if err := c.p.WaitIdle(actx); err != nil {
			c.Errorf("aborting the provider's calls: %v", err)
		}
		c.p.Rearm()
	}
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(c.bound):
		c.Errorf("a goroutine of the check is stuck in a call of the Services after %v", c.bound)
	}
}

func running(calls []CallInfo) []string {
	var out []string
	for _, c := range calls {
		if c.Running() {
			out = append(out, c.String())
		}
	}
	return out
}

// sub runs fn as a subtest with its own T, on the same connection.
func (c *tc) sub(name string, fn func(c *tc)) {
	c.Run(name, func(t *testing.T) {
		d := *c
		d.T = t
		d.wg = &sync.WaitGroup{}
		d.mark = c.p.Mark()
		t.Cleanup(d.settle)
		fn(&d)
	})
}

// goCall runs fn on a goroutine that the check waits for.
func (c *tc) goCall(fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn()
	}()
}

// waitCtx returns a context that ends after the check's bound.
func (c *tc) waitCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.ctx, c.bound)
}

// connect opens another connection, closed when the check ends.
func (c *tc) connect() wbem.Services {
	c.Helper()
	svc, err := c.s.env.Connect(c.ctx)
	if err != nil {
		c.Fatalf("Connect: %v", err)
	}
	c.Cleanup(func() { _ = svc.Close() })
	return svc
}

// sink returns a recording sink for one call.
func (c *tc) sink(name string) *recSink { return newSink(name, &c.s.clock, true) }

// sharedSink returns a recording sink for several calls.
func (c *tc) sharedSink(name string) *recSink { return newSink(name, &c.s.clock, false) }

// tick returns a mark in the suite's clock, between sink callbacks.
func (c *tc) tick() int64 { return c.s.clock.tick() }

// script sets a class's script.
func (c *tc) script(class string, s Script) { c.p.Script(class, s) }

// huge is a count of instances no check reads to the end.
const huge = 1 << 40

// waitProvider waits until cond holds for the calls of this check.
func (c *tc) waitProvider(what string, cond func([]CallInfo) bool) []CallInfo {
	c.Helper()
	ctx, cancel := c.waitCtx()
	defer cancel()
	if err := c.p.Wait(ctx, c.mark, cond); err != nil {
		c.Fatalf("waiting for %s: %v; calls: %v", what, err, c.p.CallsSince(c.mark))
	}
	return c.p.CallsSince(c.mark)
}

// waitBlocked waits until n calls of the check are blocked at a
// FaultBlock, and returns them.
func (c *tc) waitBlocked(n int) []CallInfo {
	c.Helper()
	var out []CallInfo
	c.waitProvider(fmt.Sprintf("%d blocked provider calls", n), func(calls []CallInfo) bool {
		out = out[:0]
		for _, ci := range calls {
			if ci.Blocked {
				out = append(out, ci)
			}
		}
		return len(out) >= n
	})
	return out
}

// waitCall waits for a call of the check that satisfies pred.
func (c *tc) waitCall(what string, pred func(CallInfo) bool) CallInfo {
	c.Helper()
	ctx, cancel := c.waitCtx()
	defer cancel()
	ci, err := c.p.WaitCall(ctx, c.mark, pred)
	if err != nil {
		c.Fatalf("waiting for %s: %v; calls: %v", what, err, c.p.CallsSince(c.mark))
	}
	return ci
}

// waitReturned waits until a call has returned, and returns its record.
func (c *tc) waitReturned(id int64) CallInfo {
	c.Helper()
	return c.waitCall(fmt.Sprintf("provider call #%d to return", id), func(ci CallInfo) bool {
		return ci.ID == id && !ci.Running()
	})
}

// waitProduced polls a running call until it has sent n instances (or
// stopped), and returns its record.
func (c *tc) waitProduced(id int64, n int64) CallInfo {
	c.Helper()
	var ci CallInfo
	ok := poll(c.bound, func() bool {
		ci, _ = c.p.Call(id)
		return ci.Produced >= n || !ci.Running()
	})
	if !ok {
		c.Fatalf("provider call %v did not send %d instances within %v", ci, n, c.bound)
	}
	return ci
}

// waitIdle waits until no provider call runs.
func (c *tc) waitIdle() {
	c.Helper()
	ctx, cancel := c.waitCtx()
	defer cancel()
	if err := c.p.WaitIdle(ctx); err != nil {
		c.Fatalf("%v; calls: %v", err, running(c.p.Calls()))
	}
}

// barrier lets the object manager settle: every provider call has returned
// and a synchronous call on the check's connection has made a round trip.
// Callbacks that were coming have come by then.
func (c *tc) barrier() {
	c.Helper()
	c.waitIdle()
	if _, err := c.svc.GetObject(c.ctx, StaticClass, 0, nil); err != nil {
		c.Fatalf("barrier GetObject(%s): %v", StaticClass, err)
	}
	runtime.Gosched()
}

// poll checks cond every millisecond or so until it holds or bound passes.
func poll(bound time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(bound)
	wait := 100 * time.Microsecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Millisecond)
	}
}

// class returns a class from the server.
func (c *tc) class(name string) *cim.Class {
	c.Helper()
	o, err := c.svc.GetObject(c.ctx, name, 0, nil)
	if err != nil {
		c.Fatalf("GetObject(%s): %v", name, err)
	}
	cl, ok := o.(*cim.Class)
	if !ok {
		c.Fatalf("GetObject(%s) returned a %T, not a class", name, o)
	}
	return cl
}

// instance spawns an instance of a class from the server and sets
// properties.
func (c *tc) instance(class string, props map[string]cim.Value) *cim.Instance {
	c.Helper()
	inst, err := c.class(class).SpawnInstance()
	if err != nil {
		c.Fatalf("SpawnInstance(%s): %v", class, err)
	}
	for k, v := range props {
		if err := inst.Put(k, v); err != nil {
			c.Fatalf("Put %s.%s: %v", class, k, err)
		}
	}
	return inst
}

func (c *tc) newItem(id uint64) *cim.Instance {
	return c.instance(ItemClass, map[string]cim.Value{
		"Id": cim.Uint64(id), "Name": cim.String(fmt.Sprintf("new-%d", id)), "Size": cim.Uint32(7)})
}

func (c *tc) newStatic(name string, value uint32) *cim.Instance {
	return c.instance(StaticClass, map[string]cim.Value{"Name": cim.String(name), "Value": cim.Uint32(value)})
}

// putStatic writes a static instance and deletes it when the check ends.
func (c *tc) putStatic(name string, value uint32) {
	c.Helper()
	if _, err := c.svc.PutInstance(c.ctx, c.newStatic(name, value), 0, nil); err != nil {
		c.Fatalf("PutInstance %s: %v", StaticPath(name), err)
	}
	c.cleanupStatic(name)
}

// cleanupStatic deletes static instances, if they exist, when the check
// ends.
func (c *tc) cleanupStatic(names ...string) {
	c.Cleanup(func() {
		for _, n := range names {
			err := c.svc.DeleteInstance(context.Background(), StaticPath(n), 0, nil)
			if err != nil && !errors.Is(err, status.ErrNotFound) {
				c.Errorf("cleanup: DeleteInstance %s: %v", StaticPath(n), err)
			}
		}
	})
}

// tmpClass returns a new class for PutClass and DeleteClass, deleted when
// the check ends if it exists.
func (c *tc) tmpClass(name string) *cim.Class {
	cl := cim.NewClass(name, nil)
	cl.Properties = []*cim.Property{
		{Name: "Name", Type: cim.TypeString, Qualifiers: qKey.Clone()},
		{Name: "Value", Type: cim.TypeUint32},
	}
	c.Cleanup(func() {
		err := c.svc.DeleteClass(context.Background(), name, 0, nil)
		if err != nil && !errors.Is(err, status.ErrNotFound) && !errors.Is(err, status.ErrInvalidClass) {
			c.Errorf("cleanup: DeleteClass %s: %v", name, err)
		}
	})
	return cl
}

// methodIn returns the input parameters of a WbemTest_Worker method.
func (c *tc) methodIn(method string, args map[string]cim.Value) *cim.Instance {
	c.Helper()
	in, _, err := c.class(WorkerClass).GetMethod(method)
	if err != nil {
		c.Fatalf("GetMethod(%s): %v", method, err)
	}
	if in == nil {
		return nil
	}
	inst, err := in.SpawnInstance()
	if err != nil {
		c.Fatalf("SpawnInstance of %s's in-parameters: %v", method, err)
	}
	for k, v := range args {
		if err := inst.Put(k, v); err != nil {
			c.Fatalf("Put %s: %v", k, err)
		}
	}
	return inst
}

func (c *tc) workIn(ms uint32) *cim.Instance {
	return c.methodIn("Work", map[string]cim.Value{"Milliseconds": cim.Uint32(ms)})
}

// codeIn reports whether err carries one of the codes; SNoError stands
// for a nil error.
func codeIn(err error, codes ...status.Code) bool {
	return slices.Contains(codes, status.CodeOf(err))
}

// wantCode fails the check unless err carries one of the codes (SNoError:
// nil).
func (c *tc) wantCode(what string, err error, codes ...status.Code) {
	c.Helper()
	if !codeIn(err, codes...) {
		c.Errorf("%s: %v, want %s", what, errText(err), codeNames(codes))
	}
}

func (c *tc) mustOK(what string, err error) {
	c.Helper()
	if err != nil {
		c.Fatalf("%s: %v", what, err)
	}
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

func codeNames(codes []status.Code) string {
	names := make([]string, len(codes))
	for i, cd := range codes {
		names[i] = cd.Name()
	}
	return strings.Join(names, " or ")
}

// wantFinal fails the check unless a final status carries one of the
// codes.
func (c *tc) wantFinal(what string, fin callback, codes ...status.Code) {
	c.Helper()
	if !slices.Contains(codes, fin.hr) {
		c.Errorf("%s: final status %s, want %s (%v)", what, fin.hr, codeNames(codes), wbem.ResultError(fin.hr, fin.obj))
	}
}

// drain reads an enumerator to its end with Next(Infinite).
func (c *tc) drain(e wbem.Enumerator) ([]cim.Object, error) {
	var out []cim.Object
	for {
		objs, err := e.Next(c.ctx, wbem.Infinite, 100)
		out = append(out, objs...)
		switch {
		case err == nil:
		case errors.Is(err, status.ErrSFalse):
			return out, nil
		default:
			return out, err
		}
	}
}

// uintProp returns an unsigned property of an object, or fails the check.
func (c *tc) uintProp(o cim.Object, name string) uint64 {
	c.Helper()
	v, err := o.Get(name)
	if err != nil {
		c.Fatalf("%s.%s: %v", o.ClassName(), name, err)
	}
	n, ok := v.Uint()
	if !ok {
		c.Fatalf("%s.%s = %v, not an unsigned number", o.ClassName(), name, v)
	}
	return n
}

// ids returns the Ids of items, sorted.
func (c *tc) ids(objs []cim.Object) []uint64 {
	c.Helper()
	out := make([]uint64, len(objs))
	for i, o := range objs {
		out[i] = c.uintProp(o, "Id")
	}
	slices.Sort(out)
	return out
}

// names returns the Name property of objects, sorted.
func names(objs []cim.Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		v, err := o.Get("Name")
		if err != nil {
			out = append(out, "<no Name>")
			continue
		}
		s, _ := v.Str()
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func span(from, n uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = from + uint64(i)
	}
	return out
}

// eventQuery is the subscription the event checks use.
const eventQuery = "SELECT * FROM __InstanceCreationEvent WITHIN 0.1 WHERE TargetInstance ISA 'WbemTest_Static'"

// eventsUnsupported returns why events cannot be checked on these
// Services, or nil: ExecNotificationQueryAsync answering
// WBEM_E_NOT_SUPPORTED, at once or as its final status.
func (c *tc) eventsUnsupported() error {
	c.s.eventsOnce.Do(func() {
		if _, err := c.svc.GetObject(c.ctx, "__InstanceCreationEvent", 0, nil); err != nil {
			c.s.eventsErr = fmt.Errorf("the namespace has no __InstanceCreationEvent class: %w", err)
			return
		}
		svc := c.connect()
		s := c.sink("events-probe")
		err := svc.ExecNotificationQueryAsync(c.ctx, "WQL", eventQuery, 0, nil, s)
		if err != nil {
			if errors.Is(err, status.ErrNotSupported) {
				c.s.eventsErr = err
			}
			return
		}
		c.barrier()
		if f := s.finalStatuses(); len(f) > 0 && f[0].hr == status.NotSupported {
			c.s.eventsErr = wbem.ResultError(f[0].hr, f[0].obj)
			return
		}
		_ = svc.CancelAsyncCall(s)
	})
	return c.s.eventsErr
}

// skipWithoutEvents skips a check when the Services have no events yet.
func (c *tc) skipWithoutEvents() {
	c.Helper()
	if err := c.eventsUnsupported(); err != nil {
		c.Skipf("events cannot be checked: %v", err)
	}
}
