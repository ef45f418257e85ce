package wbemtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// RunEvents runs the event conformance checks as subtests of t, on the same
// Env as Run (which already has the basic rule 9 checks): the intrinsic
// event kinds, the query rules of ExecNotificationQuery[Async], WITHIN
// polling and its end when the last subscriber leaves or closes its
// enumerator, event providers told when a subscription ends for any
// reason, QueryObjectSink, GROUP WITHIN and timer events. It needs the
// namespace's system classes (the event classes and timer instructions);
// checks whose classes are missing are skipped.
//
// Polling checks use WITHIN 0.05 on WbemTest_Item and read the
// Provider's enumerations. That polling has stopped is checked after the
// subscription's final status and the Provider's idleness: no
// enumeration may start during ten polling intervals after that, a bound
// that can only let a failure through, never fail a correct server.
func RunEvents(t *testing.T, env Env) {
	t.Helper()
	runChecks(t, env, eventChecks())
}

func eventChecks() []check {
	return []check{
		{"Rule09_PollingStopsWithTheLastSubscriber", rule09PollingStops},
		{"Rule09_ClosingEnumeratorEndsSubscription", rule09ClosingEnumerator},
		{"Rule09_FailingSinkEndsSubscription", rule09FailingSink},
		{"Events_IntrinsicInstanceEvents", eventsIntrinsic},
		{"Events_ClassEvents", eventsClasses},
		{"Events_QueryRules", eventsQueryRules},
		{"Events_Projection", eventsProjection},
		{"Events_QueryObjectSink", eventsQueryObjectSink},
		{"Events_GroupWithin", eventsGroupWithin},
		{"Events_Timer", eventsTimer},
	}
}

// pollInterval is the WITHIN of the polling checks.
const pollInterval = 50 * time.Millisecond

// itemPoll watches WbemTest_Item by polling.
var itemPoll = fmt.Sprintf("SELECT * FROM __InstanceCreationEvent WITHIN %g WHERE TargetInstance ISA '%s'", pollInterval.Seconds(), ItemClass)

// enumerations returns the Provider's enumerations of WbemTest_Item among
// calls.
func enumerations(calls []CallInfo) int {
	n := 0
	for _, ci := range calls {
		if (ci.Op == OpEnumerate || ci.Op == OpQuery) && ci.Class == ItemClass {
			n++
		}
	}
	return n
}

// noMorePolling checks that the polling of WbemTest_Item has stopped: once
// the Provider is idle, no enumeration starts for ten intervals.
func (c *tc) noMorePolling(what string) {
	c.Helper()
	c.waitIdle()
	mark := c.p.Mark()
	time.Sleep(10 * pollInterval)
	if n := enumerations(c.p.CallsSince(mark)); n > 0 {
		c.Errorf("rule 9: %s, yet %s was enumerated %d more times: the polling goes on", what, ItemClass, n)
	}
}

// waitIndicated waits until a sink has received n objects.
func (c *tc) waitIndicated(s *recSink, n int) []cim.Object {
	c.Helper()
	ctx, cancel := c.waitCtx()
	defer cancel()
	if !s.waitFor(ctx, func() bool { return s.indicated() >= n || s.count(cbFinal) > 0 }) || s.indicated() < n {
		c.Fatalf("sink %s: %d objects within %v, want %d", s.name, s.indicated(), c.bound, n)
	}
	_, objs := s.snapshot()
	return objs
}

func (c *tc) subscribe(s *recSink, query string) {
	c.Helper()
	c.mustOK("ExecNotificationQueryAsync "+query, c.svc.ExecNotificationQueryAsync(c.ctx, "WQL", query, 0, nil, s))
}

func (c *tc) cancelSubscription(s *recSink) {
	c.Helper()
	c.mustOK("CancelAsyncCall", c.svc.CancelAsyncCall(s))
	c.wantFinal("cancelled subscription", s.waitFinal(c, c.bound), status.CallCancelled)
}

func (c *tc) putItem(id uint64) {
	c.Helper()
	if _, err := c.svc.PutInstance(c.ctx, c.newItem(id), 0, nil); err != nil {
		c.Fatalf("PutInstance %s: %v", ItemPath(id), err)
	}
}

func rule09PollingStops(c *tc) {
	c.skipWithoutEvents()
	a, b := c.sink("first"), c.sink("second")
	c.subscribe(a, itemPoll)
	c.subscribe(b, itemPoll)
	c.putItem(5001)
	for _, s := range []*recSink{a, b} {
		objs := c.waitIndicated(s, 1)
		if !objs[0].InheritsFrom("__InstanceCreationEvent") || targetName(objs[0]) != "new-5001" {
			c.Errorf("sink %s: %s for %q, want the creation of new-5001", s.name, objs[0].ClassName(), targetName(objs[0]))
		}
	}
	// One subscriber leaves: the other still gets polled events.
	c.cancelSubscription(a)
	c.putItem(5002)
	if objs := c.waitIndicated(b, 2); targetName(objs[1]) != "new-5002" {
		c.Errorf("after one subscriber left: %q", targetName(objs[1]))
	}
	c.cancelSubscription(b)
	c.noMorePolling("the last subscriber was cancelled")
	c.barrier()
	a.check(c, 1)
	b.check(c, 1)
	if n := a.count(cbProgress) + b.count(cbProgress); n != 0 {
		c.Errorf("rule 9: %d progress statuses", n)
	}
}

func rule09ClosingEnumerator(c *tc) {
	c.skipWithoutEvents()
	flags := wbem.FlagReturnImmediately | wbem.FlagForwardOnly
	c.sub("EventProvider", func(c *tc) {
		if _, err := c.svc.GetObject(c.ctx, EventClass, 0, nil); err != nil {
			c.Skipf("no %s class: %v", EventClass, err)
		}
		e, err := c.svc.ExecNotificationQuery(c.ctx, "WQL", "SELECT * FROM "+EventClass, flags, nil)
		c.mustOK("ExecNotificationQuery", err)
		ctx, cancel := c.waitCtx()
		defer cancel()
		if err := c.p.WaitEvents(ctx, func(l int, q map[uint32]string) bool { return l == 1 && len(q) == 1 }); err != nil {
			c.Fatalf("the provider was not asked for events: %v", err)
		}
		if n, err := c.p.RaiseEvent("semisync", 1); err != nil || n != 1 {
			c.Fatalf("RaiseEvent: %d, %v", n, err)
		}
		objs, err := e.Next(c.ctx, c.bound, 1)
		if err != nil || len(objs) != 1 || objs[0].ClassName() != EventClass {
			c.Fatalf("Next: %v, %v", objs, errText(err))
		}
		c.mustOK("Close", e.Close())
		if err := c.p.WaitEvents(ctx, func(l int, q map[uint32]string) bool { return l == 0 && len(q) == 0 }); err != nil {
			c.Errorf("rule 9: closing the enumerator did not tell the provider: %v; listening %d, queries %v",
				err, c.p.Listening(), c.p.ActiveQueries())
		}
	})
	c.sub("Polling", func(c *tc) {
		e, err := c.svc.ExecNotificationQuery(c.ctx, "WQL", itemPoll, flags, nil)
		c.mustOK("ExecNotificationQuery", err)
		c.putItem(5003)
		objs, err := e.Next(c.ctx, c.bound, 1)
		if err != nil || len(objs) != 1 || targetName(objs[0]) != "new-5003" {
			c.Fatalf("Next: %v, %v", objs, errText(err))
		}
		c.mustOK("Close", e.Close())
		c.noMorePolling("the enumerator was closed")
	})
}

func rule09FailingSink(c *tc) {
	c.skipWithoutEvents()
	if _, err := c.svc.GetObject(c.ctx, EventClass, 0, nil); err != nil {
		c.Skipf("no %s class: %v", EventClass, err)
	}
	s := c.sink("failing")
	s.onIndicate = func([]cim.Object) error { return errors.New("the client is gone") }
	c.subscribe(s, "SELECT * FROM "+EventClass)
	ctx, cancel := c.waitCtx()
	defer cancel()
	if err := c.p.WaitEvents(ctx, func(l int, _ map[uint32]string) bool { return l == 1 }); err != nil {
		c.Fatalf("the provider was not asked for events: %v", err)
	}
	if _, err := c.p.RaiseEvent("doomed", 1); err != nil {
		c.Fatal(err)
	}
	c.wantFinal("a subscription whose sink failed", s.waitFinal(c, c.bound), status.CallCancelled)
	if err := c.p.WaitEvents(ctx, func(l int, q map[uint32]string) bool { return l == 0 && len(q) == 0 }); err != nil {
		c.Errorf("rule 9: the provider was not told when the failing sink's subscription ended: %v", err)
	}
	c.barrier()
	s.check(c, 1)
}

func eventsIntrinsic(c *tc) {
	c.skipWithoutEvents()
	s := c.sink("operations")
	c.subscribe(s, fmt.Sprintf("SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA '%s'", StaticClass))
	c.putStatic("ops", 1)
	if _, err := c.svc.PutInstance(c.ctx, c.newStatic("ops", 2), 0, nil); err != nil {
		c.Fatal(err)
	}
	c.mustOK("DeleteInstance", c.svc.DeleteInstance(c.ctx, StaticPath("ops"), 0, nil))
	objs := c.waitIndicated(s, 3)
	want := []string{"__InstanceCreationEvent", "__InstanceModificationEvent", "__InstanceDeletionEvent"}
	for i, w := range want {
		if objs[i].ClassName() != w || targetName(objs[i]) != "ops" {
			c.Errorf("event %d: %s for %q, want %s for ops", i, objs[i].ClassName(), targetName(objs[i]), w)
		}
	}
	if prev, ok := embedded(objs[1], "PreviousInstance"); !ok || c.uintProp(prev, "Value") != 1 {
		c.Errorf("the modification's PreviousInstance is not the old instance: %v", prev)
	}
	if cur, ok := embedded(objs[1], "TargetInstance"); !ok || c.uintProp(cur, "Value") != 2 {
		c.Errorf("the modification's TargetInstance is not the new instance: %v", cur)
	}
	for i, o := range objs {
		if v, err := o.Get("TIME_CREATED"); err != nil || v.IsNull() {
			c.Errorf("event %d has no TIME_CREATED", i)
		}
	}
	c.cancelSubscription(s)
	c.barrier()
	s.check(c, 1)
}

// embedded returns an embedded object property.
func embedded(o cim.Object, prop string) (cim.Object, bool) {
	v, err := o.Get(prop)
	if err != nil {
		return nil, false
	}
	return v.Object()
}

func eventsClasses(c *tc) {
	c.skipWithoutEvents()
	const name = "WbemTest_EventedClass"
	s := c.sink("classes")
	c.subscribe(s, fmt.Sprintf("SELECT * FROM __ClassOperationEvent WHERE TargetClass ISA '%s'", name))
	c.mustOK("PutClass", c.svc.PutClass(c.ctx, c.tmpClass(name), wbem.FlagCreateOnly, nil))
	c.mustOK("DeleteClass", c.svc.DeleteClass(c.ctx, name, 0, nil))
	objs := c.waitIndicated(s, 2)
	for i, w := range []string{"__ClassCreationEvent", "__ClassDeletionEvent"} {
		tgt, ok := embedded(objs[i], "TargetClass")
		if objs[i].ClassName() != w || !ok || tgt.ClassName() != name {
			c.Errorf("event %d: %s, want %s of %s", i, objs[i].ClassName(), w, name)
		}
	}
	c.cancelSubscription(s)
	c.barrier()
	s.check(c, 1)
}

func eventsQueryRules(c *tc) {
	c.skipWithoutEvents()
	cases := []struct {
		name, lang, query string
		want              status.Code
	}{
		{"static intrinsic", "WQL", fmt.Sprintf("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA '%s'", StaticClass), status.SNoError},
		{"WITHIN on a static class", "WQL", fmt.Sprintf("SELECT * FROM __InstanceCreationEvent WITHIN 3600 WHERE TargetInstance ISA '%s'", StaticClass), status.SNoError},
		{"dynamic with WITHIN", "WQL", fmt.Sprintf("SELECT * FROM __InstanceCreationEvent WITHIN 3600 WHERE TargetInstance ISA '%s'", ItemClass), status.SNoError},
		{"dynamic without WITHIN", "WQL", fmt.Sprintf("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA '%s'", ItemClass), status.ESSRegistrationTooPrecise},
		{"no such class", "WQL", "SELECT * FROM WbemTest_NoSuchEvent", status.InvalidClass},
		{"unknown property", "WQL", "SELECT * FROM __InstanceCreationEvent WHERE NoSuchProperty = 1", status.InvalidQuery},
		{"BY an embedded object", "WQL", "SELECT * FROM __InstanceCreationEvent GROUP WITHIN 10 BY TargetInstance", status.AggregatingByObject},
		{"language", "SQL", "SELECT * FROM __InstanceCreationEvent", status.InvalidQueryType},
	}
	for _, rc := range cases {
		c.sub(rc.name, func(c *tc) {
			s := c.sink(rc.name)
			err := c.svc.ExecNotificationQueryAsync(c.ctx, rc.lang, rc.query, 0, nil, s)
			switch {
			case rc.want == status.SNoError:
				c.mustOK(rc.query, err)
				c.cancelSubscription(s)
			case err != nil:
				c.wantCode(rc.query, err, rc.want)
			default:
				c.wantFinal(rc.query, s.waitFinal(c, c.bound), rc.want)
			}
			c.barrier()
			if err != nil {
				s.check(c, 0)
			} else {
				s.check(c, 1)
			}
			if s.indicated() != 0 {
				c.Errorf("%s: events indicated", rc.query)
			}
		})
	}
	c.sub("SynchronousFlags", func(c *tc) {
		for _, f := range []wbem.Flags{0, wbem.FlagForwardOnly, wbem.FlagReturnImmediately} {
			_, err := c.svc.ExecNotificationQuery(c.ctx, "WQL", cases[0].query, f, nil)
			c.wantCode(fmt.Sprintf("ExecNotificationQuery with flags %#x", f), err, status.InvalidParameter)
		}
	})
}

func eventsProjection(c *tc) {
	c.skipWithoutEvents()
	s := c.sink("projection")
	c.subscribe(s, fmt.Sprintf("SELECT TargetInstance.Name FROM __InstanceCreationEvent WHERE TargetInstance ISA '%s'", StaticClass))
	c.putStatic("projected", 3)
	objs := c.waitIndicated(s, 1)
	if tgt, ok := embedded(objs[0], "TargetInstance"); !ok || c.uintProp(tgt, "Value") != 3 {
		c.Errorf("SELECT TargetInstance.Name must keep the whole TargetInstance; got %v", objs[0])
	}
	c.cancelSubscription(s)
	c.barrier()
	s.check(c, 1)
}

func eventsQueryObjectSink(c *tc) {
	c.skipWithoutEvents()
	if _, err := c.svc.GetObject(c.ctx, EventClass, 0, nil); err != nil {
		c.Skipf("no %s class: %v", EventClass, err)
	}
	s := c.sink("published")
	c.subscribe(s, "SELECT * FROM "+EventClass+" WHERE Seq >= 7")
	pub, err := c.svc.QueryObjectSink(c.ctx, 0)
	c.mustOK("QueryObjectSink", err)
	mk := func(name string, seq uint32) *cim.Instance {
		return c.instance(EventClass, map[string]cim.Value{"Name": cim.String(name), "Seq": cim.Uint32(seq)})
	}
	c.mustOK("Indicate", pub.Indicate([]cim.Object{mk("low", 1), mk("high", 7)}))
	objs := c.waitIndicated(s, 1)
	if v, _ := objs[0].Get("Name"); v.String() != "high" {
		c.Errorf("got %v, want the event named high", objs[0])
	}
	c.wantCode("Indicate of an instance that is not an extrinsic event", pub.Indicate([]cim.Object{c.newStatic("x", 1)}), status.InvalidParameter)
	c.wantCode("QueryObjectSink with flags", func() error { _, err := c.svc.QueryObjectSink(c.ctx, wbem.FlagSendStatus); return err }(), status.InvalidParameter)
	c.cancelSubscription(s)
	c.barrier()
	s.check(c, 1)
	if s.indicated() != 1 {
		c.Errorf("%d events, want 1", s.indicated())
	}
}

func eventsGroupWithin(c *tc) {
	c.skipWithoutEvents()
	s := c.sink("grouped")
	c.subscribe(s, fmt.Sprintf("SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA '%s' GROUP WITHIN 0.5", StaticClass))
	for i := range 3 {
		c.putStatic(fmt.Sprint("grp-", i), uint32(i))
	}
	ctx, cancel := c.waitCtx()
	defer cancel()
	total := func() uint64 {
		_, objs := s.snapshot()
		var n uint64
		for _, o := range objs {
			if v, err := o.Get("NumberOfEvents"); err == nil {
				k, _ := v.Uint()
				n += k
			}
		}
		return n
	}
	if !s.waitFor(ctx, func() bool { return total() >= 3 }) {
		c.Fatalf("aggregates count %d events within %v, want 3", total(), c.bound)
	}
	_, objs := s.snapshot()
	for _, o := range objs {
		rep, ok := embedded(o, "Representative")
		if o.ClassName() != "__AggregateEvent" || !ok || !rep.InheritsFrom("__InstanceCreationEvent") {
			c.Errorf("got %s with Representative %v, want __AggregateEvent of creations", o.ClassName(), rep)
		}
	}
	c.cancelSubscription(s)
	c.barrier()
	s.check(c, 1)
}

func eventsTimer(c *tc) {
	c.skipWithoutEvents()
	if _, err := c.svc.GetObject(c.ctx, "__IntervalTimerInstruction", 0, nil); err != nil {
		c.Skipf("no __IntervalTimerInstruction class: %v", err)
	}
	const id = "wbemtest-timer"
	s := c.sink("timer")
	c.subscribe(s, "SELECT * FROM __TimerEvent WHERE TimerId = '"+id+"'")
	inst := c.instance("__IntervalTimerInstruction", map[string]cim.Value{"TimerId": cim.String(id), "IntervalBetweenEvents": cim.Uint32(20)})
	_, err := c.svc.PutInstance(c.ctx, inst, 0, nil)
	c.mustOK("PutInstance __IntervalTimerInstruction", err)
	path := `__IntervalTimerInstruction.TimerId="` + id + `"`
	c.Cleanup(func() { _ = c.svc.DeleteInstance(context.Background(), path, 0, nil) })
	objs := c.waitIndicated(s, 2)
	for _, o := range objs[:2] {
		if v, _ := o.Get("TimerId"); o.ClassName() != "__TimerEvent" || v.String() != id || c.uintProp(o, "NumFirings") < 1 {
			c.Errorf("got %s", o.ClassName())
		}
	}
	c.mustOK("DeleteInstance", c.svc.DeleteInstance(c.ctx, path, 0, nil))
	c.cancelSubscription(s)
	c.barrier()
	s.check(c, 1)
}
