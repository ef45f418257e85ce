package event

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

// Query is an event query checked for one namespace: what Prepare returns
// and Subscribe takes.
type Query struct {
	ns    string // normalized, as given
	nsKey string
	text  string // canonical WQL
	stmt  *wql.Select
	from  *classEntry
}

// Namespace returns the namespace the query's events come from.
func (q *Query) Namespace() string { return q.ns }

// String returns the query in canonical WQL.
func (q *Query) String() string { return q.text }

// Prepare checks an event query as WMI does when a consumer subscribes in
// namespace ns: the language must be WQL (WBEM_E_INVALID_QUERY_TYPE), the
// query must parse as an event query, its FROM class must exist
// (WBEM_E_INVALID_CLASS) and be an event class (WBEM_E_NOT_EVENT_CLASS),
// its WHERE and BY clauses must fit the class, and an intrinsic query on a
// class that a provider serves needs WITHIN unless an event provider
// reports those events (WBEMESS_E_REGISTRATION_TOO_PRECISE).
func (h *Hub) Prepare(ctx context.Context, ns, language, query string) (*Query, error) {
	if err := ctx.Err(); err != nil {
		return nil, status.Wrap(status.CallCancelled, err)
	}
	if language == "" || query == "" {
		return nil, status.New(status.InvalidParameter, "the query and its language must not be empty")
	}
	if !strings.EqualFold(language, "WQL") {
		return nil, status.Errorf(status.InvalidQueryType, "query language %q is not supported: only WQL is", language)
	}
	st, err := wql.ParseEvent(query)
	if err != nil {
		return nil, err
	}
	ns = cim.NormalizeNamespace(ns)
	nk := nsKey(ns)
	lookup := func(name string) (*cim.Class, error) {
		e, err := h.classes.get(nk, name)
		if err != nil {
			return nil, err
		}
		return e.class, nil
	}
	regs := h.registrations(nk)
	provided := func(event, target *cim.Class) bool {
		for _, r := range regs {
			if r.covers(h, nk, event.Name, target.Name) {
				return true
			}
		}
		return false
	}
	if err := wql.ValidateEvent(st, lookup, provided); err != nil {
		return nil, err
	}
	from, err := h.classes.get(nk, st.From)
	if err != nil {
		return nil, status.Errorf(status.InvalidClass, "event class %s does not exist", st.From)
	}
	return &Query{ns: ns, nsKey: nk, text: st.String(), stmt: st, from: from}, nil
}

// plan is what the subscriptions with the same query in the same namespace
// share: the compiled query, the event providers that serve it, the
// classes it polls. Its NewQuery id lives as long as it has subscriptions.
type plan struct {
	key, ns, nsKey, text string
	stmt                 *wql.Select
	q                    *wql.Query
	from                 *classEntry
	fromKey              string
	project              bool
	group                time.Duration
	polls                []pollTarget
	provs                []string // lower-case names of the relevant event providers
	watchers             []provider.EventQueryWatcher
	refs                 int
	id                   uint32
}

// pollTarget is a class a plan polls and the kinds of events it makes from
// the polls: those of the FROM class that no event provider covers.
type pollTarget struct {
	class string
	kinds kindSet
}

// kindSet is a set of the three intrinsic instance event kinds.
type kindSet uint8

const (
	kindCreation kindSet = 1 << iota
	kindModification
	kindDeletion
)

var kindClasses = [...]struct {
	kind  kindSet
	class string
}{
	{kindCreation, "__InstanceCreationEvent"},
	{kindModification, "__InstanceModificationEvent"},
	{kindDeletion, "__InstanceDeletionEvent"},
}

// planFor returns the plan of a query, making it if needed. ctlMu is held.
func (h *Hub) planFor(q *Query) (*plan, error) {
	key := q.nsKey + "\x00" + q.text
	if p := h.plans[key]; p != nil {
		return p, nil
	}
	cq, err := wql.Compile(q.stmt, q.from.class)
	if err != nil {
		return nil, err
	}
	p := &plan{
		key: key, ns: q.ns, nsKey: q.nsKey, text: q.text, stmt: q.stmt, q: cq, from: q.from,
		fromKey: strings.ToLower(q.from.class.Name), project: q.stmt.Properties != nil, group: q.stmt.GroupWithin,
	}
	regs := h.registrations(q.nsKey)
	provs := map[string]any{}
	for _, r := range regs {
		if r.relevant(h, p) {
			provs[r.provider] = r.impl
		}
	}
	for name, impl := range provs {
		p.provs = append(p.provs, name)
		if w, ok := impl.(provider.EventQueryWatcher); ok {
			p.watchers = append(p.watchers, w)
		}
	}
	if q.stmt.Within > 0 && h.opts.Enumerate != nil {
		var fromKinds kindSet
		for _, k := range kindClasses {
			if h.derives(q.nsKey, k.class, q.from.class.Name) {
				fromKinds |= k.kind
			}
		}
		for _, t := range q.stmt.TargetClasses() {
			e, err := h.classes.get(q.nsKey, t)
			if err != nil || !e.class.IsDynamic() {
				continue
			}
			kinds := fromKinds
			for _, k := range kindClasses {
				for _, r := range regs {
					if r.covers(h, q.nsKey, k.class, e.class.Name) {
						kinds &^= k.kind
					}
				}
			}
			if kinds != 0 {
				p.polls = append(p.polls, pollTarget{class: e.class.Name, kinds: kinds})
			}
		}
	}
	h.plans[key] = p
	return p, nil
}

// Subscription is one subscription: a temporary one (a call of
// ExecNotificationQuery[Async]) or a permanent one (a
// __FilterToConsumerBinding).
type Subscription struct {
	h     *Hub
	id    uint64
	plan  *plan
	user  string
	perm  *binding
	polls []pollRef
	provs []*provRun

	mu          sync.Mutex
	deliver     func([]cim.Object) error
	queue       []cim.Object
	running     bool // a drain goroutine runs
	closed      bool
	dead        bool // delivery failed: the subscriber is gone
	flush       bool // closed, but what is queued is still delivered
	overflowing bool // events were dropped since the queue was last empty
	dropped     int64
	groups      map[string]*group
}

type pollRef struct {
	p     *poller
	kinds kindSet
}

// Subscribe registers a subscription for a prepared query on behalf of a
// user. It counts against the limits (WBEM_E_QUOTA_VIOLATION past them),
// tells the event providers concerned (NewQuery, ProvideEvents), and
// starts or joins the pollers the query needs, whose first enumeration it
// waits for, so that changes made after Subscribe returns are seen. Events
// are queued from then on; Start delivers them.
func (h *Hub) Subscribe(q *Query, user string) (*Subscription, error) {
	return h.subscribe(q, user, nil)
}

func (h *Hub) subscribe(q *Query, user string, b *binding) (*Subscription, error) {
	h.ctlMu.Lock()
	if h.isClosed() {
		h.ctlMu.Unlock()
		return nil, status.New(status.ShuttingDown, "the event subsystem is stopped")
	}
	p, err := h.planFor(q)
	if err != nil {
		h.ctlMu.Unlock()
		return nil, err
	}
	if err := h.usage.reserve(user, b != nil, len(p.polls) > 0); err != nil {
		if p.refs == 0 {
			delete(h.plans, p.key)
		}
		h.ctlMu.Unlock()
		return nil, err
	}
	h.nextSub++
	s := &Subscription{h: h, id: h.nextSub, plan: p, user: user, perm: b}
	p.refs++
	if p.refs == 1 {
		h.nextQID++
		p.id = h.nextQID
		for _, w := range p.watchers {
			safeCall(h, "NewQuery", func() { w.NewQuery(p.id, p.text) })
		}
	}
	for _, name := range p.provs {
		if r := h.provAcquire(p.nsKey, p.ns, name); r != nil {
			s.provs = append(s.provs, r)
		}
	}
	var fresh []*poller
	for _, t := range p.polls {
		pl, isNew := h.pollAcquire(p, t.class)
		pl.mu.Lock()
		pl.subs[s] = t.kinds
		pl.mu.Unlock()
		s.polls = append(s.polls, pollRef{pl, t.kinds})
		if isNew {
			fresh = append(fresh, pl)
		}
	}
	h.subs[s] = struct{}{}
	h.idx.Store(h.idx.Load().with(s, true))
	h.ctlMu.Unlock()

	// Temporary subscriptions see every change made after Subscribe
	// returns: the first enumeration happens now. A permanent one is
	// activated by a repository change, whose commit must not wait for a
	// provider: its pollers take their baseline on their own goroutine.
	wait := b == nil
	for _, pl := range fresh {
		pl.start(wait)
	}
	if wait {
		for _, r := range s.polls {
			<-r.p.ready
		}
	}
	h.audit(s, "created", "")
	return s, nil
}

// audit writes the audit line of a subscription created or removed.
func (h *Hub) audit(s *Subscription, what, why string) {
	attrs := []any{"id", s.id, "namespace", s.plan.ns, "query", s.plan.text, "user", s.user}
	kind := "temporary"
	if s.perm != nil {
		kind = "permanent"
		attrs = append(attrs, "binding", s.perm.path, "bindingNamespace", s.perm.ns, "consumer", s.perm.consumerPath)
	}
	attrs = append(attrs, "kind", kind)
	if why != "" {
		attrs = append(attrs, "reason", why)
	}
	if n := s.Dropped(); n > 0 {
		attrs = append(attrs, "dropped", n)
	}
	h.log.Info("event subscription "+what, attrs...)
}

// ID returns the subscription's number, unique in the Hub.
func (s *Subscription) ID() uint64 { return s.id }

// Dropped returns how many events the subscription lost to a full queue.
func (s *Subscription) Dropped() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Start delivers the subscription's events to deliver, from a goroutine
// that runs while events are queued; one deliver call at a time, each with
// the events queued so far, in order. An error from deliver stops the
// delivery for good (the subscriber is gone; Close the subscription).
func (s *Subscription) Start(deliver func([]cim.Object) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliver = deliver
	if len(s.queue) > 0 && !s.running && !s.closed {
		s.startDrainLocked()
	}
}

// Close ends the subscription at once: nothing more is delivered (a
// deliver call in progress finishes), its pollers stop when it was their
// last subscription, and its event providers are told (CancelQuery, and
// the end of ProvideEvents when it was their last). Close is idempotent.
func (s *Subscription) Close() { s.close("the subscription was cancelled") }

func (s *Subscription) close(why string) { s.end(why, false) }

// end closes the subscription; with flush, the events already queued are
// still delivered (a permanent consumer's, when the Hub stops).
func (s *Subscription) end(why string, flush bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.flush = flush && s.deliver != nil
	if !s.flush {
		s.queue = nil
	}
	for _, g := range s.groups {
		g.t.Stop()
	}
	s.groups = nil
	s.mu.Unlock()

	h := s.h
	h.ctlMu.Lock()
	h.idx.Store(h.idx.Load().with(s, false))
	delete(h.subs, s)
	for _, r := range s.polls {
		h.pollRelease(r.p, s)
	}
	for _, r := range s.provs {
		h.provRelease(r)
	}
	p := s.plan
	p.refs--
	if p.refs == 0 {
		delete(h.plans, p.key)
		for _, w := range p.watchers {
			safeCall(h, "CancelQuery", func() { w.CancelQuery(p.id) })
		}
	}
	h.usage.release(s.user, s.perm != nil, len(p.polls) > 0)
	h.ctlMu.Unlock()
	h.audit(s, "removed", why)
}

// safeCall runs a provider's callback, logging a panic.
func safeCall(h *Hub, what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("event provider panicked", "call", what, "panic", fmt.Sprint(r))
		}
	}()
	f()
}

// offer gives the subscription an event of its FROM class (or a subclass):
// it takes it if the WHERE clause matches.
func (s *Subscription) offer(ev *cim.Instance) {
	if s.plan.q.Match(ev) {
		s.accept(ev)
	}
}

// accept queues a matching event, or counts it in its group.
func (s *Subscription) accept(ev *cim.Instance) {
	if s.plan.group > 0 {
		s.aggregate(ev)
		return
	}
	s.enqueue(ev)
}

// enqueue puts an event in the queue, or drops it when the queue is full.
func (s *Subscription) enqueue(ev cim.Object) {
	s.mu.Lock()
	if s.closed || s.dead {
		s.mu.Unlock()
		return
	}
	if len(s.queue) >= s.h.queueSize {
		s.dropped++
		first := !s.overflowing
		s.overflowing = true
		n := len(s.queue)
		s.mu.Unlock()
		s.h.m.dropped.Add(1)
		if first {
			s.h.overflow(s, ev, n)
		}
		return
	}
	s.queue = append(s.queue, ev)
	if !s.running && s.deliver != nil {
		s.startDrainLocked()
	}
	s.mu.Unlock()
}

func (s *Subscription) startDrainLocked() {
	s.running = true
	if !s.h.spawn(s.drain) {
		s.running = false
	}
}

// drain delivers the queue until it is empty.
func (s *Subscription) drain() {
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 || (s.closed && !s.flush) || s.dead {
			s.running = false
			if len(batch) == 0 {
				s.overflowing = false
			}
			s.mu.Unlock()
			return
		}
		deliver := s.deliver
		s.mu.Unlock()
		if s.plan.project {
			batch = s.project(batch)
		}
		if err := deliver(batch); err != nil {
			s.mu.Lock()
			s.dead, s.queue, s.running = true, nil, false
			s.mu.Unlock()
			return
		}
		s.h.m.delivered.Add(int64(len(batch)))
	}
}

// project shapes events as the query's property list asks; aggregate
// events keep their shape.
func (s *Subscription) project(batch []cim.Object) []cim.Object {
	out := make([]cim.Object, 0, len(batch))
	for _, o := range batch {
		if o.InheritsFrom("__AggregateEvent") {
			out = append(out, o)
			continue
		}
		p, err := s.plan.q.Project(o)
		if err != nil {
			s.h.log.Warn("event projection failed", "query", s.plan.text, "error", err)
			p = o
		}
		out = append(out, p)
	}
	return out
}

// overflow raises __EventQueueOverflowEvent for the first event a
// subscription drops in an overflow episode, in the subscription's
// namespace (the consumer's, for a permanent one), to every other
// subscriber of it. Reports about dropped-event reports are not made.
func (h *Hub) overflow(s *Subscription, ev cim.Object, queued int) {
	if ev.InheritsFrom("__EventDroppedEvent") {
		return
	}
	ns, nk := s.plan.ns, s.plan.nsKey
	if s.perm != nil {
		ns, nk = s.perm.ns, nsKey(s.perm.ns)
	}
	h.log.Warn("event queue overflow: dropping events", "subscription", s.id, "namespace", ns, "query", s.plan.text, "queued", queued)
	inst, e, err := h.newEvent(nk, "__EventQueueOverflowEvent")
	if err != nil {
		return
	}
	if ev.InheritsFrom("__Event") {
		_ = inst.Put("Event", cim.Embedded(ev))
	}
	_ = inst.Put("CurrentQueueSize", cim.Uint32(uint32(queued)))
	if s.perm != nil {
		s.perm.putConsumer(inst)
	}
	h.dispatch(nk, inst, e.chain, s)
}

// --- GROUP WITHIN ----------------------------------------------------------------

// group is a GROUP WITHIN window: the events of one BY key since the
// first.
type group struct {
	n   uint32
	rep cim.Object
	t   stopper
}

// stopper is a timer that can be stopped: a *time.Timer, or a test's.
type stopper interface{ Stop() bool }

// aggregate counts an event in the window of its BY key, opening one (for
// the GROUP WITHIN interval, from this first event) if there is none.
func (s *Subscription) aggregate(ev *cim.Instance) {
	key := s.plan.q.GroupKey(ev)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.dead {
		return
	}
	if g := s.groups[key]; g != nil {
		g.n++
		return
	}
	if s.groups == nil {
		s.groups = map[string]*group{}
	}
	g := &group{n: 1, rep: ev}
	s.groups[key] = g
	g.t = s.h.afterFunc(s.plan.group, func() { s.flushGroup(key, g) })
}

// flushGroup ends a window: its __AggregateEvent is queued if it passes
// HAVING.
func (s *Subscription) flushGroup(key string, g *group) {
	s.mu.Lock()
	if s.closed || s.groups[key] != g {
		s.mu.Unlock()
		return
	}
	delete(s.groups, key)
	n, rep := g.n, g.rep
	s.mu.Unlock()
	if !s.plan.q.Having(n) {
		return
	}
	agg, _, err := s.h.newEvent(s.plan.nsKey, "__AggregateEvent")
	if err != nil {
		s.h.log.Warn("no __AggregateEvent class", "namespace", s.plan.ns, "error", err)
		return
	}
	_ = agg.Put("NumberOfEvents", cim.Uint32(n))
	_ = agg.Put("Representative", cim.Embedded(rep))
	s.enqueue(agg)
}
