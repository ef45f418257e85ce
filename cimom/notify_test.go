package cimom

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wbemtest"
)

// The event tests run in root\cimv2 of a repository with the system
// classes, with these classes:
//
//	class Ev_Static { [key] string Name; uint32 Value; };
//	[Dynamic, Provider("EvProvider")] class Ev_Dyn { [key] string Name; uint32 Value; };
//	class Ev_Alert : __ExtrinsicEvent { string Name; uint32 Level; };
//
// EvProvider (evProvider) serves Ev_Dyn from a map and raises Ev_Alert.
const evNS = `root\cimv2`

const (
	staticCreation = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Ev_Static'"
	dynPoll        = "SELECT * FROM __InstanceOperationEvent WITHIN 0.01 WHERE TargetInstance ISA 'Ev_Dyn'"
	alertQuery     = "SELECT * FROM Ev_Alert"
)

// evProvider is an instance provider for Ev_Dyn and an event provider of
// Ev_Alert that records what it is told.
type evProvider struct {
	mu    sync.Mutex
	items map[string]uint32
	enums atomic.Int64

	newQ    chan uint32
	cancelQ chan uint32
	sinks   chan provider.EventSink
	stopped chan struct{}
}

func newEvProvider() *evProvider {
	return &evProvider{items: map[string]uint32{}, newQ: make(chan uint32, 100), cancelQ: make(chan uint32, 100),
		sinks: make(chan provider.EventSink, 100), stopped: make(chan struct{}, 100)}
}

var (
	_ provider.InstanceEnumerator = (*evProvider)(nil)
	_ provider.EventProvider      = (*evProvider)(nil)
	_ provider.EventQueryWatcher  = (*evProvider)(nil)
	_ provider.EventRegistration  = (*evProvider)(nil)
)

func (p *evProvider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	p.enums.Add(1)
	p.mu.Lock()
	var out []cim.Object
	for name, v := range p.items {
		inst := req.Class.MustSpawn()
		_ = inst.Put("Name", cim.String(name))
		_ = inst.Put("Value", cim.Uint32(v))
		out = append(out, inst)
	}
	p.mu.Unlock()
	if len(out) == 0 {
		return nil
	}
	return sink.Send(out...)
}

func (p *evProvider) set(name string, v uint32, present bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if present {
		p.items[name] = v
	} else {
		delete(p.items, name)
	}
}

func (p *evProvider) EventQueries() []string       { return []string{alertQuery} }
func (p *evProvider) NewQuery(id uint32, _ string) { p.newQ <- id }
func (p *evProvider) CancelQuery(id uint32)        { p.cancelQ <- id }

func (p *evProvider) ProvideEvents(ctx context.Context, req *provider.EventRequest, sink provider.EventSink) error {
	p.sinks <- sink
	<-ctx.Done()
	p.stopped <- struct{}{}
	return nil
}

var evKey = cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}}

// evClasses returns the event tests' classes; Ev_Alert's parent is
// __ExtrinsicEvent as read from svc.
func evClasses(tb testing.TB, svc wbem.Services) []*cim.Class {
	tb.Helper()
	st := cim.NewClass("Ev_Static", nil)
	st.Properties = []*cim.Property{{Name: "Name", Type: cim.TypeString, Qualifiers: evKey.Clone()}, {Name: "Value", Type: cim.TypeUint32}}
	dyn := cim.NewClass("Ev_Dyn", nil)
	dyn.Qualifiers = cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass},
		{Name: "Provider", Value: cim.String("EvProvider"), Flavor: cim.FlavorToSubclass}}
	dyn.Properties = []*cim.Property{{Name: "Name", Type: cim.TypeString, Qualifiers: evKey.Clone()}, {Name: "Value", Type: cim.TypeUint32}}
	o, err := svc.GetObject(context.Background(), "__ExtrinsicEvent", 0, nil)
	if err != nil {
		tb.Fatal(err)
	}
	alert := cim.NewClass("Ev_Alert", o.(*cim.Class))
	alert.Properties = []*cim.Property{{Name: "Name", Type: cim.TypeString}, {Name: "Level", Type: cim.TypeUint32}}
	return []*cim.Class{st, dyn, alert}
}

// newEventManager returns an object manager over store (a new in-memory
// repository when nil) with the system classes, the event test classes and
// EvProvider, and a Services on root\cimv2. Cleanup shuts it down.
func newEventManager(tb testing.TB, store repository.Store, opts *Options) (*ObjectManager, wbem.Services, *evProvider) {
	tb.Helper()
	ctx := context.Background()
	if store == nil {
		store = repository.NewMemory()
		tb.Cleanup(func() { _ = store.Close() })
	}
	if err := schema.Install(ctx, store); err != nil {
		tb.Fatal(err)
	}
	if opts == nil {
		opts = &Options{}
	}
	if opts.Server == "" {
		opts.Server = "TESTHOST"
	}
	om := New(store, opts)
	p := newEvProvider()
	if err := om.RegisterProvider("EvProvider", p); err != nil {
		tb.Fatal(err)
	}
	svc, err := om.Connect(ctx, evNS, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range evClasses(tb, svc) {
		if _, err := svc.GetObject(ctx, c.Name, 0, nil); err == nil {
			continue
		}
		if err := svc.PutClass(ctx, c, 0, nil); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() {
		_ = svc.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := om.Shutdown(sctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
	})
	return om, svc, p
}

func spawn(tb testing.TB, svc wbem.Services, class string, props map[string]cim.Value) *cim.Instance {
	tb.Helper()
	o, err := svc.GetObject(context.Background(), class, 0, nil)
	if err != nil {
		tb.Fatal(err)
	}
	inst := o.(*cim.Class).MustSpawn()
	for k, v := range props {
		if err := inst.Put(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	return inst
}

func putStatic(tb testing.TB, svc wbem.Services, name string, v uint32) {
	tb.Helper()
	inst := spawn(tb, svc, "Ev_Static", map[string]cim.Value{"Name": cim.String(name), "Value": cim.Uint32(v)})
	if _, err := svc.PutInstance(context.Background(), inst, 0, nil); err != nil {
		tb.Fatal(err)
	}
}

// evSink records a subscription's callbacks and hands its events out on a
// channel.
type evSink struct {
	events   chan cim.Object
	mu       sync.Mutex
	finals   []status.Code
	progress int
	final    chan struct{}
	once     sync.Once
	indicate func([]cim.Object) error
}

func newEvSink() *evSink {
	return &evSink{events: make(chan cim.Object, 10000), final: make(chan struct{})}
}

func (s *evSink) Indicate(objs []cim.Object) error {
	for _, o := range objs {
		s.events <- o
	}
	if s.indicate != nil {
		return s.indicate(objs)
	}
	return nil
}

func (s *evSink) SetStatus(flags wbem.StatusFlags, hr status.Code, _ string, _ cim.Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if flags == wbem.StatusProgress {
		s.progress++
		return nil
	}
	s.finals = append(s.finals, hr)
	s.once.Do(func() { close(s.final) })
	return nil
}

func (s *evSink) next(tb testing.TB) cim.Object {
	tb.Helper()
	select {
	case o := <-s.events:
		return o
	case <-time.After(10 * time.Second):
		tb.Fatal("no event within 10 s")
		return nil
	}
}

func (s *evSink) waitFinal(tb testing.TB) []status.Code {
	tb.Helper()
	select {
	case <-s.final:
	case <-time.After(10 * time.Second):
		tb.Fatal("no final status within 10 s")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]status.Code(nil), s.finals...)
}

func (s *evSink) statuses() (finals []status.Code, progress int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]status.Code(nil), s.finals...), s.progress
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waiting for %s: not within 10 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func name(o cim.Object) string {
	v, _ := o.Get("TargetInstance")
	t, ok := v.Object()
	if !ok {
		return ""
	}
	n, _ := t.Get("Name")
	s, _ := n.Str()
	return s
}

func TestNotifyAsyncDeliversUntilCancelled(t *testing.T) {
	om, svc, _ := newEventManager(t, nil, nil)
	ctx := context.Background()
	sink := newEvSink()
	if err := svc.ExecNotificationQueryAsync(ctx, "WQL", staticCreation, wbem.FlagSendStatus, nil, sink); err != nil {
		t.Fatal(err)
	}
	if om.PendingCalls() != 1 || om.EventMetrics().Temporary != 1 {
		t.Fatalf("pending %d, subscriptions %d", om.PendingCalls(), om.EventMetrics().Temporary)
	}
	putStatic(t, svc, "a", 1)
	putStatic(t, svc, "b", 2)
	if n := name(sink.next(t)); n != "a" {
		t.Fatalf("first event for %q", n)
	}
	if n := name(sink.next(t)); n != "b" {
		t.Fatalf("second event for %q", n)
	}
	if finals, progress := sink.statuses(); len(finals) != 0 || progress != 0 {
		t.Fatalf("a running subscription got SetStatus: finals %v, progress %d (rule 9)", finals, progress)
	}
	if err := svc.CancelAsyncCall(sink); err != nil {
		t.Fatal(err)
	}
	finals := sink.waitFinal(t)
	if len(finals) != 1 || finals[0] != status.CallCancelled {
		t.Fatalf("finals %v, want one WBEM_E_CALL_CANCELLED", finals)
	}
	waitUntil(t, "the subscription to end", func() bool { return om.EventMetrics().Temporary == 0 })
	putStatic(t, svc, "c", 3)
	select {
	case o := <-sink.events:
		t.Fatalf("an event after CancelAsyncCall: %s", name(o))
	default:
	}
	if err := svc.CancelAsyncCall(sink); status.CodeOf(err) != status.InvalidParameter {
		t.Errorf("a second CancelAsyncCall: %v", err)
	}
	if f, _ := sink.statuses(); len(f) != 1 {
		t.Errorf("finals %v", f)
	}
}

func TestNotifySemisync(t *testing.T) {
	om, svc, _ := newEventManager(t, nil, nil)
	ctx := context.Background()
	for _, flags := range []wbem.Flags{0, wbem.FlagForwardOnly, wbem.FlagReturnImmediately, wbem.FlagReturnImmediately | wbem.FlagForwardOnly | wbem.FlagSendStatus} {
		if _, err := svc.ExecNotificationQuery(ctx, "WQL", staticCreation, flags, nil); status.CodeOf(err) != status.InvalidParameter {
			t.Errorf("flags %#x: %v, want WBEM_E_INVALID_PARAMETER", flags, err)
		}
	}
	if _, err := svc.ExecNotificationQuery(ctx, "WQL", "SELECT * FROM Ev_Static", wbem.FlagReturnImmediately|wbem.FlagForwardOnly, nil); status.CodeOf(err) != status.NotEventClass {
		t.Errorf("a data query: %v", err)
	}
	en, err := svc.ExecNotificationQuery(ctx, "WQL", staticCreation, wbem.FlagReturnImmediately|wbem.FlagForwardOnly, nil)
	if err != nil {
		t.Fatal(err)
	}
	if objs, err := en.Next(ctx, wbem.NoWait, 1); len(objs) != 0 || status.CodeOf(err) != status.STimedOut {
		t.Errorf("Next with nothing: %d objects, %v", len(objs), err)
	}
	putStatic(t, svc, "s1", 1)
	putStatic(t, svc, "s2", 1)
	objs, err := en.Next(ctx, 10*time.Second, 2)
	if err != nil || len(objs) != 2 || name(objs[0]) != "s1" || name(objs[1]) != "s2" {
		t.Fatalf("Next: %d objects, %v", len(objs), err)
	}
	if err := en.Reset(); status.CodeOf(err) != status.InvalidOperation {
		t.Errorf("Reset: %v", err)
	}
	if err := en.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the subscription to end", func() bool {
		return om.EventMetrics().Temporary == 0 && om.PendingCalls() == 0 && om.Metrics().Pending == 0
	})
}

func TestNotifyRefusesBeforeAnyCallback(t *testing.T) {
	om, svc, _ := newEventManager(t, nil, nil)
	ctx := context.Background()
	cases := []struct {
		name, lang, query string
		flags             wbem.Flags
		nilSink           bool
		want              status.Code
	}{
		{"nil sink", "WQL", staticCreation, 0, true, status.InvalidParameter},
		{"a semisynchronous flag", "WQL", staticCreation, wbem.FlagReturnImmediately, false, status.InvalidParameter},
		{"the language", "SQL", staticCreation, 0, false, status.InvalidQueryType},
		{"a syntax error", "WQL", "SELECT * FROM", 0, false, status.InvalidQuery},
		{"not an event class", "WQL", "SELECT * FROM Ev_Static", 0, false, status.NotEventClass},
		{"no such class", "WQL", "SELECT * FROM Ev_NoSuchEvent", 0, false, status.InvalidClass},
		{"a dynamic class without WITHIN", "WQL", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Ev_Dyn'", 0, false, status.ESSRegistrationTooPrecise},
		{"BY an object", "WQL", "SELECT * FROM __InstanceCreationEvent GROUP WITHIN 5 BY TargetInstance", 0, false, status.AggregatingByObject},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sink := newEvSink()
			var s wbem.Sink = sink
			if tc.nilSink {
				s = nil
			}
			err := svc.ExecNotificationQueryAsync(ctx, tc.lang, tc.query, tc.flags, nil, s)
			if status.CodeOf(err) != tc.want {
				t.Errorf("%v, want %s", err, tc.want)
			}
			if f, _ := sink.statuses(); len(f) != 0 {
				t.Errorf("the sink got %v", f)
			}
			if om.PendingCalls() != 0 || om.EventMetrics().Temporary != 0 {
				t.Errorf("a refused call left %d calls, %d subscriptions", om.PendingCalls(), om.EventMetrics().Temporary)
			}
		})
	}
}

func TestNotifyPollingStopsWhenCancelled(t *testing.T) {
	om, svc, p := newEventManager(t, nil, nil)
	ctx := context.Background()
	a, b := newEvSink(), newEvSink()
	for _, s := range []*evSink{a, b} {
		if err := svc.ExecNotificationQueryAsync(ctx, "WQL", dynPoll, 0, nil, s); err != nil {
			t.Fatal(err)
		}
	}
	if n := om.EventMetrics().Pollers; n != 1 {
		t.Fatalf("%d pollers for two subscriptions with the same class and interval, want 1", n)
	}
	p.set("d1", 5, true)
	for _, s := range []*evSink{a, b} {
		if ev := s.next(t); ev.ClassName() != "__InstanceCreationEvent" || name(ev) != "d1" {
			t.Fatalf("got %s for %q", ev.ClassName(), name(ev))
		}
	}
	p.set("d1", 6, true)
	if ev := a.next(t); ev.ClassName() != "__InstanceModificationEvent" {
		t.Fatalf("got %s", ev.ClassName())
	}
	if err := svc.CancelAsyncCall(a); err != nil {
		t.Fatal(err)
	}
	a.waitFinal(t)
	if n := om.EventMetrics().Pollers; n != 1 {
		t.Fatalf("%d pollers while one subscriber remains", n)
	}
	if err := svc.CancelAsyncCall(b); err != nil {
		t.Fatal(err)
	}
	b.waitFinal(t)
	waitUntil(t, "the poller to stop", func() bool { return om.EventMetrics().Pollers == 0 })
	// The poller's goroutine has returned: the provider is enumerated no
	// more.
	n := p.enums.Load()
	if err := svc.ExecNotificationQueryAsync(ctx, "WQL", staticCreation, 0, nil, newEvSink()); err != nil {
		t.Fatal(err)
	}
	if p.enums.Load() != n {
		t.Error("a subscription on a static class polled the provider")
	}
}

func TestNotifyEventProviderIsToldWhenCancelled(t *testing.T) {
	om, svc, p := newEventManager(t, nil, nil)
	ctx := context.Background()
	sink := newEvSink()
	if err := svc.ExecNotificationQueryAsync(ctx, "WQL", alertQuery+" WHERE Level > 1", 0, nil, sink); err != nil {
		t.Fatal(err)
	}
	id := recvT(t, p.newQ, "NewQuery")
	es := recvT(t, p.sinks, "ProvideEvents")
	alert := func(n string, level uint32) *cim.Instance {
		return spawn(t, svc, "Ev_Alert", map[string]cim.Value{"Name": cim.String(n), "Level": cim.Uint32(level)})
	}
	if err := es.Send(alert("low", 1), alert("high", 2)); err != nil {
		t.Fatal(err)
	}
	if ev := sink.next(t); ev.ClassName() != "Ev_Alert" {
		t.Fatalf("got %s", ev.ClassName())
	} else if v, _ := ev.Get("Name"); v.String() != "high" {
		t.Errorf("got alert %v", v)
	}
	if err := svc.CancelAsyncCall(sink); err != nil {
		t.Fatal(err)
	}
	if got := recvT(t, p.cancelQ, "CancelQuery"); got != id {
		t.Errorf("CancelQuery(%d) after NewQuery(%d)", got, id)
	}
	recvT(t, p.stopped, "ProvideEvents to return")
	waitUntil(t, "the provider call to end", func() bool { return om.EventMetrics().Providers == 0 })
	if es.Send(alert("late", 5)) == nil {
		t.Error("the provider's Send works after the last subscriber left")
	}
}

func recvT[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		tb.Fatalf("waiting for %s: not within 10 s", what)
		var zero T
		return zero
	}
}

func TestQueryObjectSink(t *testing.T) {
	_, svc, _ := newEventManager(t, nil, nil)
	ctx := context.Background()
	if _, err := svc.QueryObjectSink(ctx, wbem.FlagSendStatus); status.CodeOf(err) != status.InvalidParameter {
		t.Errorf("flags: %v", err)
	}
	sub := newEvSink()
	if err := svc.ExecNotificationQueryAsync(ctx, "WQL", alertQuery+" WHERE Level >= 3", 0, nil, sub); err != nil {
		t.Fatal(err)
	}
	pub, err := svc.QueryObjectSink(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	a := spawn(t, svc, "Ev_Alert", map[string]cim.Value{"Name": cim.String("disk"), "Level": cim.Uint32(3)})
	b := spawn(t, svc, "Ev_Alert", map[string]cim.Value{"Name": cim.String("cpu"), "Level": cim.Uint32(1)})
	if err := pub.Indicate([]cim.Object{a, b}); err != nil {
		t.Fatal(err)
	}
	ev := sub.next(t)
	if v, _ := ev.Get("Name"); v.String() != "disk" {
		t.Errorf("got %v", v)
	}
	if v, _ := ev.Get("TIME_CREATED"); v.IsNull() {
		t.Error("no TIME_CREATED")
	}
	notEvent := spawn(t, svc, "Ev_Static", map[string]cim.Value{"Name": cim.String("x")})
	intrinsic := spawn(t, svc, "__InstanceCreationEvent", nil)
	for _, o := range []cim.Object{notEvent, intrinsic} {
		if err := pub.Indicate([]cim.Object{o}); status.CodeOf(err) != status.InvalidParameter {
			t.Errorf("Indicate(%s): %v, want WBEM_E_INVALID_PARAMETER", o.ClassName(), err)
		}
	}
	if err := pub.SetStatus(wbem.StatusComplete, status.SNoError, "", nil); err != nil {
		t.Errorf("SetStatus: %v", err)
	}
	restricted, err := (&conn{om: svc.(*services).conn.om, rights: func(context.Context, string) (wbem.Rights, error) {
		return wbem.RightEnable, nil
	}}).open(ctx, evNS)
	if err != nil {
		t.Fatal(err)
	}
	defer restricted.Close()
	if _, err := restricted.QueryObjectSink(ctx, 0); status.CodeOf(err) != status.AccessDenied {
		t.Errorf("QueryObjectSink without write rights: %v", err)
	}
}

func TestNotifySinkFailureEndsTheSubscription(t *testing.T) {
	om, svc, _ := newEventManager(t, nil, nil)
	sink := newEvSink()
	sink.indicate = func([]cim.Object) error { return errors.New("client gone") }
	if err := svc.ExecNotificationQueryAsync(context.Background(), "WQL", staticCreation, 0, nil, sink); err != nil {
		t.Fatal(err)
	}
	putStatic(t, svc, "x", 1)
	if f := sink.waitFinal(t); len(f) != 1 || f[0] != status.CallCancelled {
		t.Errorf("finals %v", f)
	}
	waitUntil(t, "the subscription to end", func() bool { return om.EventMetrics().Temporary == 0 })
}

func TestNotifyCancelFromInsideIndicate(t *testing.T) {
	om, svc, _ := newEventManager(t, nil, nil)
	sink := newEvSink()
	sink.indicate = func([]cim.Object) error { return svc.CancelAsyncCall(sink) }
	if err := svc.ExecNotificationQueryAsync(context.Background(), "WQL", staticCreation, 0, nil, sink); err != nil {
		t.Fatal(err)
	}
	putStatic(t, svc, "x", 1)
	if f := sink.waitFinal(t); len(f) != 1 || f[0] != status.CallCancelled {
		t.Errorf("finals %v", f)
	}
	waitUntil(t, "the subscription to end", func() bool { return om.EventMetrics().Temporary == 0 })
}

func TestNotifyShutdownEndsSubscriptions(t *testing.T) {
	store := repository.NewMemory()
	defer store.Close()
	om, svc, p := newEventManager(t, store, nil)
	ctx := context.Background()
	sinks := []*evSink{newEvSink(), newEvSink(), newEvSink()}
	for i, q := range []string{staticCreation, dynPoll, alertQuery} {
		if err := svc.ExecNotificationQueryAsync(ctx, "WQL", q, 0, nil, sinks[i]); err != nil {
			t.Fatal(err)
		}
	}
	recvT(t, p.sinks, "ProvideEvents")
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := om.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	for i, s := range sinks {
		if f := s.waitFinal(t); len(f) != 1 || f[0] != status.ShuttingDown {
			t.Errorf("subscription %d: finals %v", i, f)
		}
	}
	recvT(t, p.stopped, "ProvideEvents to return")
	if m := om.EventMetrics(); m.Pollers != 0 || m.Providers != 0 || m.Temporary != 0 {
		t.Errorf("after Shutdown: %+v", m)
	}
	if err := svc.ExecNotificationQueryAsync(ctx, "WQL", staticCreation, 0, nil, newEvSink()); status.CodeOf(err) != status.ShuttingDown {
		t.Errorf("after Shutdown: %v", err)
	}
}

// TestNotifyPermanentSubscriptionAcrossRestart writes a permanent
// subscription through the Services of an object manager over a bbolt
// repository, restarts everything over the same file and checks that the
// subscription is active again.
func TestNotifyPermanentSubscriptionAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "repo.db")
	logFile := filepath.Join(dir, "created.log")
	ctx := context.Background()

	run := func(first bool, names ...string) {
		store, err := repository.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		om, svc, _ := newEventManager(t, store, nil)
		if first {
			sub, err := om.Connect(ctx, `root\subscription`, nil)
			if err != nil {
				t.Fatal(err)
			}
			put := func(class string, props map[string]cim.Value) {
				if _, err := sub.PutInstance(ctx, spawn(t, sub, class, props), 0, nil); err != nil {
					t.Fatal(err)
				}
			}
			put("__EventFilter", map[string]cim.Value{"Name": cim.String("f"), "QueryLanguage": cim.String("WQL"),
				"Query": cim.String(staticCreation), "EventNamespace": cim.String(evNS)})
			put("LogFileEventConsumer", map[string]cim.Value{"Name": cim.String("log"), "Filename": cim.String(logFile),
				"Text": cim.String("%TargetInstance.Name%=%TargetInstance.Value%")})
			put("__FilterToConsumerBinding", map[string]cim.Value{
				"Filter":   cim.Reference(cim.MustParsePath(`__EventFilter.Name="f"`)),
				"Consumer": cim.Reference(cim.MustParsePath(`LogFileEventConsumer.Name="log"`))})
			_ = sub.Close()
		}
		if n := om.EventMetrics().Permanent; n != 1 {
			t.Fatalf("%d permanent subscriptions, want 1", n)
		}
		for i, n := range names {
			putStatic(t, svc, n, uint32(i))
		}
		_ = svc.Close()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := om.Shutdown(sctx); err != nil {
			t.Fatal(err)
		}
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
	}
	run(true, "a", "b")
	waitFileIs(t, logFile, "a=0\nb=1\n")
	run(false, "c")
	waitFileIs(t, logFile, "a=0\nb=1\nc=0\n")
}

func waitFileIs(t *testing.T, path, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if got = string(b); got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %q, want %q", path, got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNotifyTemporaryLimit(t *testing.T) {
	om, svc, _ := newEventManager(t, nil, nil)
	ctx := context.Background()
	root, err := om.Connect(ctx, "root", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	cfg := spawn(t, root, "__ArbitratorConfiguration", map[string]cim.Value{"TemporarySubscriptionsTotal": cim.Uint32(2)})
	if _, err := root.PutInstance(ctx, cfg, 0, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		err := svc.ExecNotificationQueryAsync(ctx, "WQL", staticCreation, 0, nil, newEvSink())
		want := status.SNoError
		if i == 2 {
			want = status.QuotaViolation
		}
		if status.CodeOf(err) != want {
			t.Errorf("subscription %d: %v, want %s", i, err, want)
		}
	}
}

func TestNotifyAuditLog(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	logger := newTestLogger(&buf, &mu)
	_, svc, _ := newEventManager(t, nil, &Options{Logger: logger})
	sink := newEvSink()
	if err := svc.ExecNotificationQueryAsync(context.Background(), "WQL", staticCreation, 0, nil, sink); err != nil {
		t.Fatal(err)
	}
	if err := svc.CancelAsyncCall(sink); err != nil {
		t.Fatal(err)
	}
	sink.waitFinal(t)
	waitUntil(t, "the removal's audit line", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(buf.String(), "event subscription removed")
	})
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "event subscription created") || !strings.Contains(buf.String(), `namespace=root\cimv2`) {
		t.Errorf("log:\n%s", buf.String())
	}
}

// newTestLogger returns a logger writing to b under mu.
func newTestLogger(b *strings.Builder, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{b, mu}, nil))
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestEventConformance runs wbemtest's event checks against the
// in-process object manager.
func TestEventConformance(t *testing.T) {
	om, env := conformanceEnv(t)
	wbemtest.RunEvents(t, env)
	if m := om.EventMetrics(); m.Temporary != 0 || m.Pollers != 0 || m.Providers != 0 {
		t.Errorf("after the checks: %+v", m)
	}
}
