package event

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testNS is where the tests' classes live.
const testNS = `root\cimv2`

// bound is how long a test waits for something that must happen before it
// calls the wait hung; never a timing assertion.
const bound = 10 * time.Second

var bg = context.Background()

var (
	qTrue = cim.Boolean(true)
	qKey  = cim.Qualifiers{{Name: "Key", Value: qTrue, Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}}
)

// env is a Hub over an in-memory repository with the system classes and
// the test classes:
//
//	class Test_Static { [key] string Name; uint32 Value; };
//	class Test_StaticEx : Test_Static { string Extra; };
//	[Dynamic, Provider("DynProv")] class Test_Dyn { [key] string Name; uint32 Value; };
//	class Test_Alert : __ExtrinsicEvent { string Name; uint32 Level; };
//
// Test_Dyn's instances are env.dyn, which the Hub's Enumerate reads.
type env struct {
	t     testing.TB
	store repository.Store
	h     *Hub
	log   *logBuffer

	mu    sync.Mutex
	dyn   map[string]uint32 // Test_Dyn instances: Name → Value
	provs map[string]any
	polls atomic.Int64
}

type envOpt func(*Options)

func newEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	return newEnvOn(t, repository.NewMemory(), true, opts...)
}

// newEnvOn makes an env over a store; install installs the schema and the
// test classes first.
func newEnvOn(t testing.TB, store repository.Store, install bool, opts ...envOpt) *env {
	t.Helper()
	e := &env{t: t, store: store, dyn: map[string]uint32{}, provs: map[string]any{}, log: &logBuffer{}}
	if install {
		if err := schema.Install(bg, store); err != nil {
			t.Fatal(err)
		}
		e.putClasses()
	}
	o := Options{
		Server:    "TESTHOST",
		Logger:    slog.New(slog.NewTextHandler(io.MultiWriter(e.log), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Enumerate: e.enumerate,
		Providers: e.providers,
	}
	for _, f := range opts {
		f(&o)
	}
	e.h = New(store, o)
	t.Cleanup(e.h.Close)
	return e
}

func (e *env) putClasses() {
	e.t.Helper()
	err := e.store.Update(bg, func(tx repository.Tx) error {
		st := cim.NewClass("Test_Static", nil)
		st.Properties = []*cim.Property{{Name: "Name", Type: cim.TypeString, Qualifiers: qKey.Clone()}, {Name: "Value", Type: cim.TypeUint32}}
		if err := tx.PutClass(testNS, st, 0); err != nil {
			return err
		}
		parent, err := tx.GetClass(testNS, "Test_Static")
		if err != nil {
			return err
		}
		ex := cim.NewClass("Test_StaticEx", parent)
		ex.Properties = []*cim.Property{{Name: "Extra", Type: cim.TypeString}}
		if err := tx.PutClass(testNS, ex, 0); err != nil {
			return err
		}
		dyn := cim.NewClass("Test_Dyn", nil)
		dyn.Qualifiers = cim.Qualifiers{{Name: "Dynamic", Value: qTrue, Flavor: cim.FlavorToSubclass}, {Name: "Provider", Value: cim.String("DynProv"), Flavor: cim.FlavorToSubclass}}
		dyn.Properties = []*cim.Property{{Name: "Name", Type: cim.TypeString, Qualifiers: qKey.Clone()}, {Name: "Value", Type: cim.TypeUint32}}
		if err := tx.PutClass(testNS, dyn, 0); err != nil {
			return err
		}
		ext, err := tx.GetClass(testNS, "__ExtrinsicEvent")
		if err != nil {
			return err
		}
		alert := cim.NewClass("Test_Alert", ext)
		alert.Properties = []*cim.Property{{Name: "Name", Type: cim.TypeString}, {Name: "Level", Type: cim.TypeUint32}}
		return tx.PutClass(testNS, alert, 0)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) providers() map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]any{}
	for k, v := range e.provs {
		out[k] = v
	}
	return out
}

func (e *env) register(name string, p any) {
	e.mu.Lock()
	e.provs[strings.ToLower(name)] = p
	e.mu.Unlock()
}

// enumerate serves Test_Dyn from e.dyn.
func (e *env) enumerate(ctx context.Context, ns, class string) ([]*cim.Instance, error) {
	e.polls.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := e.class(ns, class)
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*cim.Instance
	for name, v := range e.dyn {
		inst := c.MustSpawn()
		_ = inst.Put("Name", cim.String(name))
		_ = inst.Put("Value", cim.Uint32(v))
		out = append(out, inst)
	}
	return out, nil
}

func (e *env) setDyn(name string, v uint32, present bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if present {
		e.dyn[name] = v
	} else {
		delete(e.dyn, name)
	}
}

func (e *env) class(ns, name string) *cim.Class {
	var c *cim.Class
	err := e.store.View(bg, func(tx repository.Tx) error {
		var err error
		c, err = tx.GetClass(ns, name)
		return err
	})
	if err != nil {
		e.t.Fatalf("GetClass %s: %v", name, err)
	}
	return c
}

// instance spawns an instance of a class of testNS with properties.
func (e *env) instance(class string, props map[string]cim.Value) *cim.Instance {
	return e.instanceIn(testNS, class, props)
}

func (e *env) instanceIn(ns, class string, props map[string]cim.Value) *cim.Instance {
	e.t.Helper()
	inst := e.class(ns, class).MustSpawn()
	for k, v := range props {
		if err := inst.Put(k, v); err != nil {
			e.t.Fatalf("Put %s.%s: %v", class, k, err)
		}
	}
	return inst
}

// put writes an instance to namespace ns.
func (e *env) put(ns string, inst *cim.Instance) {
	e.t.Helper()
	if err := e.store.Update(bg, func(tx repository.Tx) error { return tx.PutInstance(ns, inst, 0) }); err != nil {
		e.t.Fatalf("PutInstance %s: %v", inst, err)
	}
}

func (e *env) del(ns, path string) {
	e.t.Helper()
	if err := e.store.Update(bg, func(tx repository.Tx) error { return tx.DeleteInstance(ns, cim.MustParsePath(path)) }); err != nil {
		e.t.Fatalf("DeleteInstance %s: %v", path, err)
	}
}

func (e *env) putStatic(name string, v uint32) {
	e.put(testNS, e.instance("Test_Static", map[string]cim.Value{"Name": cim.String(name), "Value": cim.Uint32(v)}))
}

// rec receives a subscription's events.
type rec struct {
	ch  chan cim.Object
	sub *Subscription
}

// subscribe subscribes in testNS.
func (e *env) subscribe(query string) *rec { return e.subscribeIn(testNS, query) }

func (e *env) subscribeIn(ns, query string) *rec {
	e.t.Helper()
	q, err := e.h.Prepare(bg, ns, "WQL", query)
	if err != nil {
		e.t.Fatalf("Prepare %q: %v", query, err)
	}
	s, err := e.h.Subscribe(q, "")
	if err != nil {
		e.t.Fatalf("Subscribe %q: %v", query, err)
	}
	r := &rec{ch: make(chan cim.Object, 10000), sub: s}
	s.Start(func(objs []cim.Object) error {
		for _, o := range objs {
			r.ch <- o
		}
		return nil
	})
	e.t.Cleanup(s.Close)
	return r
}

// next waits for the next event.
func (r *rec) next(t testing.TB) cim.Object {
	t.Helper()
	select {
	case o := <-r.ch:
		return o
	case <-time.After(bound):
		t.Fatalf("no event within %v", bound)
		return nil
	}
}

// none checks that no event is queued now (after a barrier).
func (r *rec) none(t testing.TB) {
	t.Helper()
	select {
	case o := <-r.ch:
		t.Fatalf("unexpected event %s: %s", o.ClassName(), o.MOF())
	default:
	}
}

// str returns a string property along a dotted path.
func str(o cim.Object, path string) string {
	v := lookupPath(o, path)
	s, _ := v.Str()
	return s
}

func num(o cim.Object, path string) uint64 {
	n, _ := lookupPath(o, path).Uint()
	return n
}

// waitFor polls cond until it holds or bound passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not within %v", what, bound)
		}
		time.Sleep(time.Millisecond)
	}
}

// barrier waits until every subscription's queue of the Hub is drained.
func (e *env) barrier() {
	e.t.Helper()
	waitFor(e.t, "the queues to drain", func() bool {
		e.h.ctlMu.Lock()
		defer e.h.ctlMu.Unlock()
		for s := range e.h.subs {
			s.mu.Lock()
			busy := s.running || (len(s.queue) > 0 && s.deliver != nil)
			s.mu.Unlock()
			if busy {
				return false
			}
		}
		return true
	})
}

// logBuffer keeps the Hub's log.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eventProv is a test event provider: it records NewQuery, CancelQuery and
// ProvideEvents, and hands out the sink of its running call.
type eventProv struct {
	queries []string
	newQ    chan string // "id query"
	cancelQ chan uint32
	started chan *provider.EventRequest
	sinks   chan provider.EventSink
	stopped chan string // namespace
	running atomic.Int32
}

func newEventProv(queries ...string) *eventProv {
	return &eventProv{queries: queries, newQ: make(chan string, 100), cancelQ: make(chan uint32, 100),
		started: make(chan *provider.EventRequest, 100), sinks: make(chan provider.EventSink, 100), stopped: make(chan string, 100)}
}

func (p *eventProv) EventQueries() []string { return p.queries }

func (p *eventProv) NewQuery(id uint32, query string) {
	p.newQ <- strings.TrimSpace(strings.Join([]string{itoa(id), query}, " "))
}

func (p *eventProv) CancelQuery(id uint32) { p.cancelQ <- id }

func (p *eventProv) ProvideEvents(ctx context.Context, req *provider.EventRequest, sink provider.EventSink) error {
	p.running.Add(1)
	defer p.running.Add(-1)
	p.started <- req
	p.sinks <- sink
	<-ctx.Done()
	p.stopped <- req.Namespace
	return nil
}

func itoa(n uint32) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}

func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(bound):
		t.Fatalf("waiting for %s: not within %v", what, bound)
		var zero T
		return zero
	}
}
