package cimom

// This file joins the object manager to the event subsystem (package
// event): temporary subscriptions (ExecNotificationQuery[Async]),
// QueryObjectSink, and the Hub's start and stop, which New and Shutdown
// call.
//
// A subscription is a call of the asynchronous operation table like any
// other, so CancelAsyncCall, a failing or stuck sink, a closed connection
// and Shutdown end it by the same rules (DESIGN.md §3); it has no
// goroutine of its own. The Hub queues its events in the subscription's
// bounded queue and drains them through the call's Send, which keeps one
// callback at a time and nothing after a cancel. The subscription ends
// when the call's context does (context.AfterFunc): the Hub then stops its
// pollers and tells its event providers. An event subscription never
// finishes by itself, so it never sends a success SetStatus (rule 9): its
// only final status is the cancel's, or the error that ended it.

import (
	"context"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/event"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// startEvents starts the event subsystem; New calls it.
func (om *ObjectManager) startEvents() {
	om.events = event.New(om.store, event.Options{
		Server: om.opts.Server,
		Logger: om.log,
		Go: func(f func()) {
			om.wg.Add(1)
			go func() {
				defer om.wg.Done()
				f()
			}()
		},
		Enumerate: om.enumerateForEvents,
		Providers: om.providerSnapshot,
	})
}

// stopEvents stops the event subsystem; Shutdown calls it after the calls
// are cancelled. The Hub's goroutines are the object manager's: Shutdown
// waits for them.
func (om *ObjectManager) stopEvents() { om.events.Close() }

// EventMetrics returns the event subsystem's counters: subscriptions,
// pollers, running event providers, events delivered and dropped.
func (om *ObjectManager) EventMetrics() event.Metrics { return om.events.Metrics() }

// providerSnapshot returns the registered providers by lower-case name.
func (om *ObjectManager) providerSnapshot() map[string]any {
	om.provMu.RLock()
	defer om.provMu.RUnlock()
	out := make(map[string]any, len(om.providers))
	for k, v := range om.providers {
		out[k] = v
	}
	return out
}

// QueryObjectSink returns a sink into which the caller Indicates extrinsic
// events (instances of __ExtrinsicEvent subclasses of this namespace): each
// goes to every matching subscription. Anything else is
// WBEM_E_INVALID_PARAMETER, and then none of the batch is raised. The
// caller needs WBEM_ENABLE and WBEM_FULL_WRITE_REP.
func (s *services) QueryObjectSink(ctx context.Context, flags wbem.Flags) (wbem.Sink, error) {
	const m = wbem.MethodQueryObjectSink
	if err := wbem.ValidateFlags(m, wbem.Sync, flags); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := s.need(accessFor(m), m, ""); err != nil {
		return nil, err
	}
	return &objectSink{s: s}, nil
}

// objectSink is the sink QueryObjectSink returns.
type objectSink struct{ s *services }

func (o *objectSink) Indicate(objs []cim.Object) error {
	if err := o.s.check(); err != nil {
		return err
	}
	return wbemError(o.s.conn.om.events.Publish(o.s.ns, objs), wbem.MethodQueryObjectSink, "")
}

// SetStatus is accepted and ignored: the sink has no call to end.
func (o *objectSink) SetStatus(wbem.StatusFlags, status.Code, string, cim.Object) error { return nil }

// ExecNotificationQuery subscribes to events semisynchronously: flags must
// be FlagReturnImmediately|FlagForwardOnly (a synchronous call would never
// return: WBEM_E_INVALID_PARAMETER). Next returns the events as they come
// (WBEM_S_TIMEDOUT when none came in time); closing the enumerator ends the
// subscription.
func (s *services) ExecNotificationQuery(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	mode := wbem.Sync
	if flags&wbem.FlagReturnImmediately != 0 {
		mode = wbem.Semisync
	}
	if err := wbem.ValidateFlags(wbem.MethodExecNotificationQuery, mode, flags); err != nil {
		return nil, err
	}
	om := s.conn.om
	buf := newEnumBuffer(true, om.opts.EnumeratorWindow, om.opts.EnumeratorQuota)
	cur := buf.cursor()
	if err := s.subscribe(ctx, language, query, flags, buf, true, buf.bind); err != nil {
		return nil, err
	}
	return cur, nil
}

// ExecNotificationQueryAsync subscribes to events: they arrive on sink
// through Indicate until CancelAsyncCall(sink), which ends the
// subscription with a final WBEM_E_CALL_CANCELLED. Everything that can be
// wrong with the call is returned here, before any callback: the flags,
// the sink, the rights, the language and the query (see event.Hub.Prepare
// for the query's codes), and the subscription limits.
func (s *services) ExecNotificationQueryAsync(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	if err := wbem.ValidateFlags(wbem.MethodExecNotificationQuery, wbem.Async, flags); err != nil {
		return err
	}
	return s.subscribe(ctx, language, query, flags, sink, false, nil)
}

// subscribe validates a subscription, registers its call and starts its
// delivery. bind, when not nil, sees the call first.
func (s *services) subscribe(ctx context.Context, language, query string, flags wbem.Flags, sink wbem.Sink, internal bool, bind func(*call)) error {
	const m = wbem.MethodExecNotificationQuery
	if err := s.check(); err != nil {
		return err
	}
	if err := s.need(accessFor(m), m, query); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return status.Wrap(status.CallCancelled, err)
	}
	if !comparableSink(sink) {
		return &status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::ExecNotificationQueryAsync",
			Description: "the sink is nil or of a type that cannot identify calls (use a pointer)"}
	}
	om := s.conn.om
	if s.conn.pending.Load() >= int64(om.opts.MaxPendingCalls) {
		return status.Errorf(status.QuotaViolation, "the connection has %d pending calls, the most allowed", om.opts.MaxPendingCalls)
	}
	q, err := om.events.Prepare(ctx, s.ns, language, query)
	if err != nil {
		return wbemError(err, m, query)
	}
	sub, err := om.events.Subscribe(q, s.conn.user)
	if err != nil {
		return wbemError(err, m, query)
	}
	c := om.newCall(s.conn, m, flags, sink, internal)
	if bind != nil {
		bind(c)
	}
	s.conn.pending.Add(1)
	sub.Start(func(objs []cim.Object) error { return c.Send(objs...) })
	context.AfterFunc(c.ctx, func() {
		sub.Close()
		s.conn.pending.Add(-1)
	})
	return nil
}
