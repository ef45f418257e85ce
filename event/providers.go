package event

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

// reg is one query of an event provider's registration, valid in one
// namespace.
type reg struct {
	provider  string // lower-case name
	impl      any
	query     string
	from      string
	targets   []string
	intrinsic bool
}

// relevant reports whether the provider may raise events a plan's
// subscriptions want: the FROM classes are related, and for intrinsic
// events so are the target classes (a plan without targets wants them
// all).
func (r *reg) relevant(h *Hub, p *plan) bool {
	if !h.related(p.nsKey, r.from, p.from.class.Name) {
		return false
	}
	if !r.intrinsic {
		return true
	}
	targets := p.stmt.TargetClasses()
	if len(targets) == 0 {
		return true
	}
	for _, rt := range r.targets {
		for _, t := range targets {
			if h.related(p.nsKey, rt, t) {
				return true
			}
		}
	}
	return false
}

// covers reports whether the registration raises every event of class
// event about instances of target: event derives from the registered
// event class and target from one of the registered targets.
func (r *reg) covers(h *Hub, ns, event, target string) bool {
	if !r.intrinsic || !h.derives(ns, event, r.from) {
		return false
	}
	for _, rt := range r.targets {
		if h.derives(ns, target, rt) {
			return true
		}
	}
	return false
}

// parsedReg is a registered query, parsed once.
type parsedReg struct {
	stmt *wql.Select
	err  error
}

// regCache holds the parsed registration queries and each namespace's
// __EventProviderRegistration instances.
type regCache struct {
	h      *Hub
	parsed sync.Map // query text → *parsedReg
	mu     sync.Mutex
	repo   map[string][]repoReg // by nsKey
}

type repoReg struct {
	provider string // lower-case
	queries  []string
}

func (c *regCache) parse(q string) (*wql.Select, error) {
	if v, ok := c.parsed.Load(q); ok {
		p := v.(*parsedReg)
		return p.stmt, p.err
	}
	st, err := wql.ParseEvent(q)
	c.parsed.Store(q, &parsedReg{st, err})
	return st, err
}

// repository returns the __EventProviderRegistration instances of a
// namespace.
func (c *regCache) repository(ns string) []repoReg {
	c.mu.Lock()
	if r, ok := c.repo[ns]; ok {
		c.mu.Unlock()
		return r
	}
	c.mu.Unlock()
	var out []repoReg
	_ = c.h.store.View(context.Background(), func(tx repository.Tx) error {
		return tx.Instances(ns, "__EventProviderRegistration", true, func(inst *cim.Instance) error {
			v, err := inst.Get("provider")
			if err != nil {
				return nil
			}
			p, ok := v.Path()
			if !ok {
				return nil
			}
			name, ok := p.Key("Name")
			if !ok && len(p.Keys) == 1 {
				name, ok = p.Keys[0].Value, true
			}
			n, _ := name.Str()
			if !ok || n == "" {
				return nil
			}
			r := repoReg{provider: strings.ToLower(n)}
			if v, err := inst.Get("EventQueryList"); err == nil {
				if a, ok := v.Array(); ok {
					for _, e := range a {
						if s, ok := e.Str(); ok {
							r.queries = append(r.queries, s)
						}
					}
				}
			}
			out = append(out, r)
			return nil
		})
	})
	c.mu.Lock()
	if c.repo == nil {
		c.repo = map[string][]repoReg{}
	}
	c.repo[ns] = out
	c.mu.Unlock()
	return out
}

func (c *regCache) drop(ns string) {
	c.mu.Lock()
	delete(c.repo, ns)
	c.mu.Unlock()
}

// registrations returns the registered queries of the event providers
// registered now that apply in a namespace: declared in Go
// (provider.EventRegistration) or in the namespace's
// __EventProviderRegistration instances. Queries that do not parse, whose
// class is not in the namespace, or that are intrinsic without a target
// class (too broad) are left out.
func (h *Hub) registrations(ns string) []reg {
	if h.opts.Providers == nil {
		return nil
	}
	provs := h.opts.Providers()
	var out []reg
	add := func(name string, impl any, q string) {
		st, err := h.regs.parse(q)
		if err != nil {
			return
		}
		e, err := h.classes.get(ns, st.From)
		if err != nil || !e.inherits("__event") {
			return
		}
		r := reg{provider: name, impl: impl, query: q, from: e.class.Name, targets: st.TargetClasses(),
			intrinsic: e.inherits("__instanceoperationevent")}
		if r.intrinsic && len(r.targets) == 0 {
			return
		}
		out = append(out, r)
	}
	for name, p := range provs {
		if _, ok := p.(provider.EventProvider); !ok {
			continue
		}
		if r, ok := p.(provider.EventRegistration); ok {
			for _, q := range r.EventQueries() {
				add(strings.ToLower(name), p, q)
			}
		}
	}
	for _, rr := range h.regs.repository(ns) {
		p, ok := provs[rr.provider]
		if !ok {
			continue
		}
		if _, ok := p.(provider.EventProvider); !ok {
			continue
		}
		for _, q := range rr.queries {
			add(rr.provider, p, q)
		}
	}
	return out
}

// provRun is a running ProvideEvents call: one per provider and namespace,
// while subscriptions it serves exist.
type provRun struct {
	h                   *Hub
	key, name, ns, nsKy string
	p                   provider.EventProvider
	refs                int // guarded by Hub.ctlMu
	ctx                 context.Context
	cancel              context.CancelFunc
}

// provAcquire counts one more subscription for a provider in a namespace,
// starting ProvideEvents for the first. ctlMu is held.
func (h *Hub) provAcquire(nk, ns, name string) *provRun {
	key := nk + "\x00" + name
	if r := h.provRuns[key]; r != nil {
		r.refs++
		return r
	}
	if h.opts.Providers == nil {
		return nil
	}
	ep, ok := h.opts.Providers()[name].(provider.EventProvider)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithCancel(h.ctx)
	r := &provRun{h: h, key: key, name: name, ns: ns, nsKy: nk, p: ep, refs: 1, ctx: ctx, cancel: cancel}
	h.provRuns[key] = r
	h.m.providers.Add(1)
	if !h.spawn(r.run) {
		h.m.providers.Add(-1)
	}
	return r
}

// provRelease counts one subscription less; the last one ends
// ProvideEvents. ctlMu is held.
func (h *Hub) provRelease(r *provRun) {
	r.refs--
	if r.refs == 0 {
		delete(h.provRuns, r.key)
		r.cancel()
	}
}

func (r *provRun) run() {
	h := r.h
	defer h.m.providers.Add(-1)
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("event provider panicked", "provider", r.name, "namespace", r.ns, "panic", fmt.Sprint(p))
		}
	}()
	var queries []string
	for _, g := range h.registrations(r.nsKy) {
		if g.provider == r.name {
			queries = append(queries, g.query)
		}
	}
	req := &provider.EventRequest{Namespace: r.ns, Queries: queries, Class: func(name string) (*cim.Class, error) {
		e, err := h.classes.get(r.nsKy, name)
		if err != nil {
			return nil, status.Errorf(status.InvalidClass, "class %s does not exist in %s", name, r.ns)
		}
		return e.class, nil
	}}
	err := r.p.ProvideEvents(r.ctx, req, &provSink{r: r})
	if err != nil && r.ctx.Err() == nil {
		h.log.Error("event provider stopped", "provider", r.name, "namespace", r.ns, "error", err)
	}
}

// provSink is the EventSink of a ProvideEvents call.
type provSink struct{ r *provRun }

func (s *provSink) Send(events ...*cim.Instance) error {
	if err := s.r.ctx.Err(); err != nil {
		return status.Wrap(status.CallCancelled, err)
	}
	var bad error
	for _, ev := range events {
		if err := s.r.h.raise(s.r.nsKy, ev, "__Event"); err != nil {
			bad = err
		}
	}
	return bad
}

// Active reports whether the call still has subscribers: its context is
// cancelled when the last one goes.
func (s *provSink) Active() bool { return s.r.ctx.Err() == nil }

// raise checks that ev is an instance of a class of the namespace derived
// from base, fills TIME_CREATED if needed and dispatches it.
func (h *Hub) raise(nk string, ev *cim.Instance, base string) error {
	if ev == nil {
		return status.New(status.InvalidParameter, "a nil event")
	}
	e, err := h.classes.get(nk, ev.ClassName())
	lb := strings.ToLower(base)
	if err != nil || !e.inherits(lb) {
		return status.Errorf(status.InvalidParameter, "%s is not an event class derived from %s in this namespace", ev.ClassName(), base)
	}
	chain := e.chain
	if ev.Class() != e.class {
		chain = chainOf(ev.Class())
		if !ev.InheritsFrom(base) {
			return status.Errorf(status.InvalidParameter, "the class of this %s event is not linked to its superclasses: spawn it from the namespace's class", ev.ClassName())
		}
	}
	if v, err := ev.Get("TIME_CREATED"); err == nil && v.IsNull() {
		_ = ev.Put("TIME_CREATED", cim.Uint64(cim.ToFileTime(timeNow())))
	}
	h.dispatch(nk, ev, chain, nil)
	return nil
}

// Publish raises extrinsic events in a namespace, as the sink of
// QueryObjectSink does: every object must be an instance of a class
// derived from __ExtrinsicEvent (WBEM_E_INVALID_PARAMETER otherwise, and
// then none is raised). The events are copied.
func (h *Hub) Publish(ns string, objs []cim.Object) error {
	if h.isClosed() {
		return status.New(status.ShuttingDown, "the event subsystem is stopped")
	}
	nk := nsKey(ns)
	insts := make([]*cim.Instance, 0, len(objs))
	for _, o := range objs {
		inst, ok := o.(*cim.Instance)
		if !ok || inst == nil {
			return status.New(status.InvalidParameter, "QueryObjectSink takes instances of __ExtrinsicEvent subclasses, not classes")
		}
		e, err := h.classes.get(nk, inst.ClassName())
		if err != nil || !e.inherits("__extrinsicevent") || !inst.InheritsFrom("__ExtrinsicEvent") {
			return status.Errorf(status.InvalidParameter, "%s is not an extrinsic event class (derived from __ExtrinsicEvent) of %s", inst.ClassName(), ns)
		}
		insts = append(insts, inst.Clone())
	}
	for _, inst := range insts {
		if err := h.raise(nk, inst, "__ExtrinsicEvent"); err != nil {
			return err
		}
	}
	return nil
}
