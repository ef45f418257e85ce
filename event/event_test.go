package event

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestIntrinsicInstanceEvents(t *testing.T) {
	type want struct {
		class, name string
		value, prev uint64 // TargetInstance.Value, PreviousInstance.Value (0: absent)
	}
	cases := []struct {
		name   string
		query  string
		before func(e *env)
		action func(e *env)
		want   []want
	}{
		{
			name:   "creation",
			query:  "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'",
			action: func(e *env) { e.putStatic("a", 1) },
			want:   []want{{"__InstanceCreationEvent", "a", 1, 0}},
		},
		{
			name:   "modification with PreviousInstance",
			query:  "SELECT * FROM __InstanceModificationEvent WHERE TargetInstance ISA 'Test_Static'",
			before: func(e *env) { e.putStatic("a", 1) },
			action: func(e *env) { e.putStatic("a", 2) },
			want:   []want{{"__InstanceModificationEvent", "a", 2, 1}},
		},
		{
			name:   "deletion",
			query:  "SELECT * FROM __InstanceDeletionEvent WHERE TargetInstance ISA 'Test_Static'",
			before: func(e *env) { e.putStatic("a", 3) },
			action: func(e *env) { e.del(testNS, `Test_Static.Name="a"`) },
			want:   []want{{"__InstanceDeletionEvent", "a", 3, 0}},
		},
		{
			name:  "every operation, in order",
			query: "SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'Test_Static'",
			action: func(e *env) {
				e.putStatic("a", 1)
				e.putStatic("a", 2)
				e.del(testNS, `Test_Static.Name="a"`)
			},
			want: []want{{"__InstanceCreationEvent", "a", 1, 0}, {"__InstanceModificationEvent", "a", 2, 1}, {"__InstanceDeletionEvent", "a", 2, 0}},
		},
		{
			name:  "ISA matches subclasses",
			query: "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'",
			action: func(e *env) {
				e.put(testNS, e.instance("Test_StaticEx", map[string]cim.Value{"Name": cim.String("x"), "Value": cim.Uint32(7)}))
			},
			want: []want{{"__InstanceCreationEvent", "x", 7, 0}},
		},
		{
			name:  "WHERE on the target's properties",
			query: "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static' AND TargetInstance.Value > 5",
			action: func(e *env) {
				e.putStatic("small", 1)
				e.putStatic("big", 9)
			},
			want: []want{{"__InstanceCreationEvent", "big", 9, 0}},
		},
		{
			name:   "WITHIN on a static class is accepted and the event comes at once",
			query:  "SELECT * FROM __InstanceCreationEvent WITHIN 3600 WHERE TargetInstance ISA 'Test_Static'",
			action: func(e *env) { e.putStatic("a", 1) },
			want:   []want{{"__InstanceCreationEvent", "a", 1, 0}},
		},
		{
			name:   "other classes do not match",
			query:  "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_StaticEx'",
			action: func(e *env) { e.putStatic("a", 1) },
		},
		{
			name:   "a projection keeps the whole TargetInstance",
			query:  "SELECT TargetInstance.Name FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'",
			action: func(e *env) { e.putStatic("p", 4) },
			want:   []want{{"__InstanceCreationEvent", "p", 4, 0}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.before != nil {
				tc.before(e)
			}
			r := e.subscribe(tc.query)
			tc.action(e)
			for i, w := range tc.want {
				ev := r.next(t)
				if ev.ClassName() != w.class {
					t.Fatalf("event %d is %s, want %s", i, ev.ClassName(), w.class)
				}
				if got := str(ev, "TargetInstance.Name"); got != w.name {
					t.Errorf("event %d: TargetInstance.Name = %q, want %q", i, got, w.name)
				}
				if got := num(ev, "TargetInstance.Value"); got != w.value {
					t.Errorf("event %d: TargetInstance.Value = %d, want %d", i, got, w.value)
				}
				if got := num(ev, "PreviousInstance.Value"); got != w.prev {
					t.Errorf("event %d: PreviousInstance.Value = %d, want %d", i, got, w.prev)
				}
				if num(ev, "TIME_CREATED") == 0 && !strings.HasPrefix(tc.query, "SELECT TargetInstance") {
					t.Errorf("event %d has no TIME_CREATED", i)
				}
				if ns := str(ev, "TargetInstance.__NAMESPACE"); ns != testNS {
					t.Errorf("TargetInstance.__NAMESPACE = %q", ns)
				}
				if v, _ := ev.Get("__PATH"); !v.IsNull() {
					t.Errorf("an event's __PATH is %v, want NULL", v)
				}
			}
			e.barrier()
			r.none(t)
		})
	}
}

func TestClassAndNamespaceEvents(t *testing.T) {
	cases := []struct {
		name, ns, query string
		action          func(e *env)
		class, target   string // event class; the target's name (class name, or namespace Name)
		targetProp      string
		previous        string // previous property that must be set, if any
	}{
		{
			name: "class creation", ns: testNS,
			query: "SELECT * FROM __ClassCreationEvent WHERE TargetClass ISA 'Test_Static'",
			action: func(e *env) {
				err := e.store.Update(bg, func(tx repository.Tx) error {
					p, _ := tx.GetClass(testNS, "Test_Static")
					return tx.PutClass(testNS, cim.NewClass("Test_New", p), 0)
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			class: "__ClassCreationEvent", target: "Test_New", targetProp: "TargetClass",
		},
		{
			name: "class modification", ns: testNS,
			query: "SELECT * FROM __ClassModificationEvent",
			action: func(e *env) {
				err := e.store.Update(bg, func(tx repository.Tx) error {
					c := cim.NewClass("Test_Alone", nil)
					c.Properties = []*cim.Property{{Name: "A", Type: cim.TypeString}}
					if err := tx.PutClass(testNS, c, 0); err != nil {
						return err
					}
					c = cim.NewClass("Test_Alone", nil)
					c.Properties = []*cim.Property{{Name: "A", Type: cim.TypeString}, {Name: "B", Type: cim.TypeString}}
					return tx.PutClass(testNS, c, 0)
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			class: "__ClassModificationEvent", target: "Test_Alone", targetProp: "TargetClass", previous: "PreviousClass",
		},
		{
			name: "class deletion", ns: testNS,
			query: "SELECT * FROM __ClassDeletionEvent WHERE TargetClass.__CLASS = 'Test_StaticEx'",
			action: func(e *env) {
				if err := e.store.Update(bg, func(tx repository.Tx) error { return tx.DeleteClass(testNS, "Test_StaticEx") }); err != nil {
					t.Fatal(err)
				}
			},
			class: "__ClassDeletionEvent", target: "Test_StaticEx", targetProp: "TargetClass",
		},
		{
			name: "namespace creation, seen in the parent", ns: "root",
			query: "SELECT * FROM __NamespaceCreationEvent",
			action: func(e *env) {
				if err := e.store.Update(bg, func(tx repository.Tx) error { return tx.CreateNamespace(`root\fresh`) }); err != nil {
					t.Fatal(err)
				}
			},
			class: "__NamespaceCreationEvent", target: "fresh", targetProp: "TargetNamespace",
		},
		{
			name: "namespace deletion", ns: "root",
			query: "SELECT * FROM __NamespaceDeletionEvent WHERE TargetNamespace.Name = 'interop'",
			action: func(e *env) {
				if err := e.store.Update(bg, func(tx repository.Tx) error { return tx.DeleteNamespace(`root\interop`) }); err != nil {
					t.Fatal(err)
				}
			},
			class: "__NamespaceDeletionEvent", target: "interop", targetProp: "TargetNamespace",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.subscribeIn(tc.ns, tc.query)
			tc.action(e)
			ev := r.next(t)
			if ev.ClassName() != tc.class {
				t.Fatalf("event %s, want %s", ev.ClassName(), tc.class)
			}
			v, _ := ev.Get(tc.targetProp)
			o, ok := v.Object()
			if !ok {
				t.Fatalf("%s is not set", tc.targetProp)
			}
			name := o.ClassName()
			if tc.targetProp == "TargetNamespace" {
				name = str(o, "Name")
			}
			if name != tc.target {
				t.Errorf("%s is %s, want %s", tc.targetProp, name, tc.target)
			}
			if tc.previous != "" {
				if p, _ := ev.Get(tc.previous); p.IsNull() {
					t.Errorf("%s is not set", tc.previous)
				}
			}
			e.barrier()
			r.none(t)
		})
	}
}

func TestQueryRules(t *testing.T) {
	cases := []struct {
		name, lang, query string
		covered           bool // an event provider reports creations of Test_Dyn
		want              status.Code
	}{
		{"static intrinsic without WITHIN", "WQL", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'", false, status.SNoError},
		{"dynamic with WITHIN", "WQL", "SELECT * FROM __InstanceCreationEvent WITHIN 1 WHERE TargetInstance ISA 'Test_Dyn'", false, status.SNoError},
		{"dynamic without WITHIN", "WQL", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Dyn'", false, status.ESSRegistrationTooPrecise},
		{"dynamic covered by an event provider", "WQL", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Dyn'", true, status.SNoError},
		{"dynamic only partly covered", "WQL", "SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'Test_Dyn'", true, status.ESSRegistrationTooPrecise},
		{"extrinsic", "WQL", "SELECT * FROM Test_Alert WHERE Level > 2", false, status.SNoError},
		{"timer", "wql", "SELECT * FROM __TimerEvent WHERE TimerId = 'x'", false, status.SNoError},
		{"not an event class", "WQL", "SELECT * FROM Test_Static", false, status.NotEventClass},
		{"no such class", "WQL", "SELECT * FROM No_Such_Event", false, status.InvalidClass},
		{"unknown property", "WQL", "SELECT * FROM __InstanceCreationEvent WHERE Nope = 1", false, status.InvalidQuery},
		{"dot on a non-object", "WQL", "SELECT * FROM __InstanceCreationEvent WHERE TIME_CREATED.X = 1", false, status.PropertyNotAnObject},
		{"GROUP BY an object", "WQL", "SELECT * FROM __InstanceCreationEvent GROUP WITHIN 10 BY TargetInstance", false, status.AggregatingByObject},
		{"syntax error", "WQL", "SELECT FROM WHERE", false, status.InvalidQuery},
		{"language", "SQL", "SELECT * FROM __InstanceCreationEvent", false, status.InvalidQueryType},
		{"empty", "WQL", "", false, status.InvalidParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.covered {
				e.register("DynEvents", newEventProv("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Dyn'"))
			}
			_, err := e.h.Prepare(bg, testNS, tc.lang, tc.query)
			if got := status.CodeOf(err); got != tc.want {
				t.Errorf("Prepare: %v (%s), want %s", err, got, tc.want)
			}
		})
	}
}

func TestPollingEvents(t *testing.T) {
	e := newEnv(t)
	r := e.subscribe("SELECT * FROM __InstanceOperationEvent WITHIN 0.01 WHERE TargetInstance ISA 'Test_Dyn'")
	// The first enumeration was made before Subscribe returned: a change
	// made now is seen.
	e.setDyn("a", 1, true)
	ev := r.next(t)
	if ev.ClassName() != "__InstanceCreationEvent" || str(ev, "TargetInstance.Name") != "a" {
		t.Fatalf("got %s %s", ev.ClassName(), ev.MOF())
	}
	e.setDyn("a", 2, true)
	ev = r.next(t)
	if ev.ClassName() != "__InstanceModificationEvent" || num(ev, "TargetInstance.Value") != 2 || num(ev, "PreviousInstance.Value") != 1 {
		t.Fatalf("got %s %s", ev.ClassName(), ev.MOF())
	}
	e.setDyn("a", 0, false)
	ev = r.next(t)
	if ev.ClassName() != "__InstanceDeletionEvent" || num(ev, "TargetInstance.Value") != 2 {
		t.Fatalf("got %s %s", ev.ClassName(), ev.MOF())
	}
	if ns := str(ev, "TargetInstance.__NAMESPACE"); ns != testNS {
		t.Errorf("TargetInstance.__NAMESPACE = %q", ns)
	}
}

func TestPollingIsSharedAndStops(t *testing.T) {
	e := newEnv(t)
	const q = "SELECT * FROM __InstanceCreationEvent WITHIN 0.01 WHERE TargetInstance ISA 'Test_Dyn'"
	a := e.subscribe(q)
	b := e.subscribe(q + " AND TargetInstance.Value > 5")
	if got := e.h.Metrics().Pollers; got != 1 {
		t.Fatalf("two subscriptions with the same class and interval run %d pollers, want 1", got)
	}
	c := e.subscribe("SELECT * FROM __InstanceCreationEvent WITHIN 0.02 WHERE TargetInstance ISA 'Test_Dyn'")
	if got := e.h.Metrics().Pollers; got != 2 {
		t.Fatalf("another interval: %d pollers, want 2", got)
	}
	e.setDyn("big", 9, true)
	for _, r := range []*rec{a, b, c} {
		if ev := r.next(t); str(ev, "TargetInstance.Name") != "big" {
			t.Fatalf("got %s", ev.MOF())
		}
	}
	e.setDyn("small", 1, true)
	a.next(t)
	c.next(t)

	a.sub.Close()
	if got := e.h.Metrics().Pollers; got != 2 {
		t.Fatalf("after one of two subscribers left: %d pollers, want 2", got)
	}
	b.sub.Close()
	c.sub.Close()
	waitFor(t, "the pollers to stop", func() bool { return e.h.Metrics().Pollers == 0 })
	e.h.ctlMu.Lock()
	left := len(e.h.pollers)
	e.h.ctlMu.Unlock()
	if left != 0 {
		t.Errorf("%d pollers are still registered", left)
	}
}

func TestPollingSkipsWhatAnEventProviderReports(t *testing.T) {
	e := newEnv(t)
	p := newEventProv("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Dyn'")
	e.register("DynEvents", p)
	r := e.subscribe("SELECT * FROM __InstanceOperationEvent WITHIN 0.01 WHERE TargetInstance ISA 'Test_Dyn'")
	e.h.ctlMu.Lock()
	pl := r.sub.plan.polls
	e.h.ctlMu.Unlock()
	if len(pl) != 1 || pl[0].kinds != kindModification|kindDeletion {
		t.Fatalf("polls %+v, want Test_Dyn for modification and deletion only", pl)
	}
	sink := recv(t, p.sinks, "ProvideEvents")
	// The provider reports the creation; the poller the deletion.
	inst := e.instance("Test_Dyn", map[string]cim.Value{"Name": cim.String("p"), "Value": cim.Uint32(1)})
	ev := e.instance("__InstanceCreationEvent", map[string]cim.Value{"TargetInstance": cim.Embedded(inst)})
	mark := e.polls.Load()
	e.setDyn("p", 1, true)
	if err := sink.Send(ev); err != nil {
		t.Fatal(err)
	}
	got := r.next(t)
	if got.ClassName() != "__InstanceCreationEvent" {
		t.Fatalf("got %s", got.ClassName())
	}
	// Let a poll see p (it makes no event: creations are the provider's).
	waitFor(t, "two polls", func() bool { return e.polls.Load() >= mark+2 })
	e.setDyn("p", 0, false)
	if got := r.next(t); got.ClassName() != "__InstanceDeletionEvent" {
		t.Fatalf("got %s, want the polled deletion (the poll makes no creation)", got.ClassName())
	}
}

func TestEventProviderIsToldOfQueries(t *testing.T) {
	e := newEnv(t)
	p := newEventProv("SELECT * FROM Test_Alert")
	e.register("AlertProv", p)
	const q1 = "SELECT * FROM Test_Alert"
	s1 := e.subscribe(q1)
	if got := recv(t, p.newQ, "NewQuery"); !strings.HasSuffix(got, q1) {
		t.Fatalf("NewQuery(%s)", got)
	}
	req := recv(t, p.started, "ProvideEvents")
	if req.Namespace != testNS || len(req.Queries) != 1 || req.Queries[0] != q1 {
		t.Errorf("ProvideEvents request %+v", req)
	}
	sink := recv(t, p.sinks, "the sink")
	s2 := e.subscribe(q1) // the same query: no NewQuery
	s3 := e.subscribe("SELECT * FROM Test_Alert WHERE Level > 3")
	n3 := recv(t, p.newQ, "NewQuery of the second query")
	if m := e.h.Metrics(); m.Queries != 2 || m.Providers != 1 {
		t.Fatalf("metrics %+v: want 2 queries, 1 provider call", m)
	}
	if !sink.Active() {
		t.Error("the sink is not active")
	}
	alert := func(level uint32) *cim.Instance {
		return e.instance("Test_Alert", map[string]cim.Value{"Name": cim.String(fmt.Sprint("L", level)), "Level": cim.Uint32(level)})
	}
	if err := sink.Send(alert(5), alert(1)); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*rec{s1, s2} {
		if a, b := r.next(t), r.next(t); num(a, "Level") != 5 || num(b, "Level") != 1 {
			t.Errorf("got levels %d, %d", num(a, "Level"), num(b, "Level"))
		}
	}
	if ev := s3.next(t); num(ev, "Level") != 5 {
		t.Errorf("the filtered subscription got level %d", num(ev, "Level"))
	}
	if err := sink.Send(e.instance("Test_Static", map[string]cim.Value{"Name": cim.String("x")})); status.CodeOf(err) != status.InvalidParameter {
		t.Errorf("sending a non-event: %v", err)
	}
	e.barrier()
	s3.none(t)

	s3.sub.Close()
	if id := recv(t, p.cancelQ, "CancelQuery"); !strings.HasPrefix(n3, itoa(id)+" ") {
		t.Errorf("CancelQuery(%d) after NewQuery(%s)", id, n3)
	}
	s1.sub.Close()
	select {
	case ns := <-p.stopped:
		t.Fatalf("ProvideEvents in %s ended while a subscription remains", ns)
	default:
	}
	s2.sub.Close()
	recv(t, p.cancelQ, "CancelQuery of the last query")
	if ns := recv(t, p.stopped, "ProvideEvents to end"); ns != testNS {
		t.Errorf("ProvideEvents for %s ended", ns)
	}
	waitFor(t, "the provider call to be gone", func() bool { return e.h.Metrics().Providers == 0 })
	if err := sink.Send(alert(9)); err == nil {
		t.Error("Send after the end of ProvideEvents succeeded")
	}
	if sink.Active() {
		t.Error("the sink is still active")
	}
}

func TestEventProviderRegisteredInTheRepository(t *testing.T) {
	e := newEnv(t)
	p := newEventProv() // no Go registration
	e.register("RepoProv", p)
	const q = "SELECT * FROM __InstanceDeletionEvent WHERE TargetInstance ISA 'Test_Dyn'"
	if _, err := e.h.Prepare(bg, testNS, "WQL", q); status.CodeOf(err) != status.ESSRegistrationTooPrecise {
		t.Fatalf("before the registration: %v, want WBEMESS_E_REGISTRATION_TOO_PRECISE", err)
	}
	err := e.store.Update(bg, func(tx repository.Tx) error {
		pc, err := tx.GetClass(testNS, "__Win32Provider")
		if err != nil {
			return err
		}
		pi := pc.MustSpawn()
		_ = pi.Put("Name", cim.String("RepoProv"))
		if err := tx.PutInstance(testNS, pi, 0); err != nil {
			return err
		}
		// __ProviderRegistration's key is its provider reference, as on
		// Windows.
		rc, err := tx.GetClass(testNS, "__EventProviderRegistration")
		if err != nil {
			return err
		}
		ri := rc.MustSpawn()
		_ = ri.Put("provider", cim.Reference(cim.MustParsePath(`__Win32Provider.Name="RepoProv"`)))
		_ = ri.Put("EventQueryList", cim.Strings("SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'Test_Dyn'"))
		return tx.PutInstance(testNS, ri, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Covered: no WITHIN needed.
	r := e.subscribe(q)
	recv(t, p.newQ, "NewQuery")
	sink := recv(t, p.sinks, "ProvideEvents")
	inst := e.instance("Test_Dyn", map[string]cim.Value{"Name": cim.String("gone")})
	if err := sink.Send(e.instance("__InstanceDeletionEvent", map[string]cim.Value{"TargetInstance": cim.Embedded(inst)})); err != nil {
		t.Fatal(err)
	}
	if ev := r.next(t); str(ev, "TargetInstance.Name") != "gone" {
		t.Errorf("got %s", ev.MOF())
	}
}

func TestPublish(t *testing.T) {
	e := newEnv(t)
	r := e.subscribe("SELECT * FROM Test_Alert WHERE Level >= 2")
	hi := e.instance("Test_Alert", map[string]cim.Value{"Name": cim.String("hi"), "Level": cim.Uint32(2)})
	lo := e.instance("Test_Alert", map[string]cim.Value{"Name": cim.String("lo"), "Level": cim.Uint32(1)})
	if err := e.h.Publish(testNS, []cim.Object{lo, hi}); err != nil {
		t.Fatal(err)
	}
	ev := r.next(t)
	if str(ev, "Name") != "hi" || num(ev, "TIME_CREATED") == 0 {
		t.Errorf("got %s", ev.MOF())
	}
	if v, _ := hi.Get("TIME_CREATED"); !v.IsNull() {
		t.Error("Publish changed the caller's object")
	}
	for name, obj := range map[string]cim.Object{
		"an instance of a class that is not an event": e.instance("Test_Static", map[string]cim.Value{"Name": cim.String("x")}),
		"an intrinsic event":                          e.instance("__InstanceCreationEvent", nil),
		"a class":                                     e.class(testNS, "Test_Alert"),
	} {
		if err := e.h.Publish(testNS, []cim.Object{hi, obj}); status.CodeOf(err) != status.InvalidParameter {
			t.Errorf("%s: %v, want WBEM_E_INVALID_PARAMETER", name, err)
		}
	}
	e.barrier()
	r.none(t) // the batches with a bad object raised nothing
}

// manualTimers replaces the GROUP WITHIN timers: the test ends windows.
type manualTimers struct {
	mu  sync.Mutex
	fns []func()
	got chan struct{}
}

type manualStop struct{}

func (manualStop) Stop() bool { return true }

func (m *manualTimers) after(_ time.Duration, f func()) stopper {
	m.mu.Lock()
	m.fns = append(m.fns, f)
	m.mu.Unlock()
	m.got <- struct{}{}
	return manualStop{}
}

func (m *manualTimers) fireAll() {
	m.mu.Lock()
	fns := m.fns
	m.fns = nil
	m.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

func TestGroupWithin(t *testing.T) {
	cases := []struct {
		name  string
		query string
		want  map[string]uint32 // Representative's TargetInstance.Name → NumberOfEvents
	}{
		{"one group", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static' GROUP WITHIN 10",
			map[string]uint32{"a": 3}},
		{"by value", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static' GROUP WITHIN 10 BY TargetInstance.Value",
			map[string]uint32{"a": 2, "c": 1}},
		{"having", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static' GROUP WITHIN 10 BY TargetInstance.Value HAVING NumberOfEvents > 1",
			map[string]uint32{"a": 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			m := &manualTimers{got: make(chan struct{}, 10)}
			e.h.afterFunc = m.after
			r := e.subscribe(tc.query)
			e.putStatic("a", 1)
			e.putStatic("b", 1)
			e.putStatic("c", 2)
			e.barrier()
			r.none(t) // nothing before the window ends
			m.fireAll()
			got := map[string]uint32{}
			for range tc.want {
				ev := r.next(t)
				if ev.ClassName() != "__AggregateEvent" {
					t.Fatalf("got %s", ev.ClassName())
				}
				got[str(ev, "Representative.TargetInstance.Name")] = uint32(num(ev, "NumberOfEvents"))
			}
			e.barrier()
			r.none(t)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("aggregates %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOverflowDropsCountsAndReports(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.QueueSize = 3 })
	watcher := e.subscribe("SELECT * FROM __EventQueueOverflowEvent")
	q, err := e.h.Prepare(bg, testNS, "WQL", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.h.Subscribe(q, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entered := make(chan struct{}, 10)
	gate := make(chan struct{})
	var mu sync.Mutex
	var got []string
	s.Start(func(objs []cim.Object) error {
		entered <- struct{}{}
		<-gate
		mu.Lock()
		for _, o := range objs {
			got = append(got, str(o, "TargetInstance.Name"))
		}
		mu.Unlock()
		return nil
	})
	e.putStatic("e1", 1)
	recv(t, entered, "the first delivery") // e1 is out of the queue, stuck in the slow subscriber
	for i := 2; i <= 6; i++ {
		e.putStatic(fmt.Sprint("e", i), uint32(i))
	}
	ov := watcher.next(t)
	if n := num(ov, "CurrentQueueSize"); n != 3 {
		t.Errorf("CurrentQueueSize = %d, want 3", n)
	}
	if name := str(ov, "Event.TargetInstance.Name"); name != "e5" {
		t.Errorf("the report names %q, want the first dropped event e5", name)
	}
	if s.Dropped() != 2 || e.h.Metrics().Dropped != 2 {
		t.Errorf("dropped %d (metrics %d), want 2", s.Dropped(), e.h.Metrics().Dropped)
	}
	close(gate)
	e.barrier()
	watcher.none(t) // one report per overflow episode
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != "[e1 e2 e3 e4]" {
		t.Errorf("delivered %v", got)
	}
}

func TestDeliveryStopsWhenTheSubscriberFails(t *testing.T) {
	e := newEnv(t)
	q, _ := e.h.Prepare(bg, testNS, "WQL", "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'")
	s, err := e.h.Subscribe(q, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	calls := 0
	s.Start(func([]cim.Object) error { calls++; return errors.New("gone") })
	e.putStatic("a", 1)
	e.barrier()
	e.putStatic("b", 1)
	e.barrier()
	if calls != 1 {
		t.Errorf("deliver called %d times after it failed, want 1", calls)
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t)
	cfg := e.instanceIn("root", "__ArbitratorConfiguration", map[string]cim.Value{
		"TemporarySubscriptionsPerUser": cim.Uint32(2), "PollingInstructionsTotal": cim.Uint32(1)})
	e.put("root", cfg)
	sub := func(user, query string) error {
		q, err := e.h.Prepare(bg, testNS, "WQL", query)
		if err != nil {
			return err
		}
		s, err := e.h.Subscribe(q, user)
		if err == nil {
			t.Cleanup(s.Close)
		}
		return err
	}
	const st = "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Test_Static'"
	const poll = "SELECT * FROM __InstanceCreationEvent WITHIN 1 WHERE TargetInstance ISA 'Test_Dyn'"
	steps := []struct {
		user, query string
		want        status.Code
	}{
		{"alice", st, status.SNoError},
		{"alice", st, status.SNoError},
		{"alice", st, status.QuotaViolation}, // TemporarySubscriptionsPerUser
		{"bob", poll, status.SNoError},
		{"carol", poll, status.QuotaViolation}, // PollingInstructionsTotal
		{"carol", st, status.SNoError},
	}
	for i, s := range steps {
		if got := status.CodeOf(sub(s.user, s.query)); got != s.want {
			t.Errorf("step %d (%s): %s, want %s", i, s.user, got, s.want)
		}
	}
}

func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	r := e.subscribe("SELECT * FROM Test_Alert")
	r.sub.Close()
	log := e.log.String()
	for _, want := range []string{`msg="event subscription created"`, `msg="event subscription removed"`, "kind=temporary", `query="SELECT * FROM Test_Alert"`} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
}

func TestCloseStopsEverything(t *testing.T) {
	e := newEnv(t)
	p := newEventProv("SELECT * FROM Test_Alert")
	e.register("AlertProv", p)
	e.subscribe("SELECT * FROM Test_Alert")
	e.subscribe("SELECT * FROM __InstanceCreationEvent WITHIN 0.01 WHERE TargetInstance ISA 'Test_Dyn'")
	recv(t, p.started, "ProvideEvents")
	q, _ := e.h.Prepare(bg, testNS, "WQL", "SELECT * FROM Test_Alert")
	e.h.Close()
	recv(t, p.stopped, "ProvideEvents to end")
	if m := e.h.Metrics(); m.Pollers != 0 || m.Providers != 0 || m.Temporary != 0 {
		t.Errorf("after Close: %+v", m)
	}
	if _, err := e.h.Subscribe(q, ""); status.CodeOf(err) != status.ShuttingDown {
		t.Errorf("Subscribe after Close: %v", err)
	}
}

func TestTemplates(t *testing.T) {
	e := newEnv(t)
	target := e.instance("Test_Static", map[string]cim.Value{"Name": cim.String("disk C:"), "Value": cim.Uint32(42)})
	ev := e.instance("__InstanceCreationEvent", map[string]cim.Value{"TargetInstance": cim.Embedded(target)})
	cases := []struct{ tmpl, want string }{
		{"plain", "plain"},
		{"%TargetInstance.Name% is %TargetInstance.Value%", "disk C: is 42"},
		{"%__CLASS%/%TargetInstance.__CLASS%", "__InstanceCreationEvent/Test_Static"},
		{"100%% sure", "100% sure"},
		{"%NoSuch% and %TargetInstance.Nope%", " and "},
		{"%TIME_CREATED%", ""},
		{"50% off", "50% off"},
	}
	for _, tc := range cases {
		if got := expand(tc.tmpl, ev); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
}

func TestSplitCommandLine(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`sh -c "echo hi"`, []string{"sh", "-c", "echo hi"}},
		{`  a   b  `, []string{"a", "b"}},
		{`a "" b`, []string{"a", "", "b"}},
		{`a\\b "c\"d" e\\\"f`, []string{`a\\b`, `c"d`, `e\"f`}},
		{`"a b"c d`, []string{"a bc", "d"}},
	}
	for _, tc := range cases {
		if got := splitCommandLine(tc.in); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
			t.Errorf("splitCommandLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
