package event

import (
	"context"
	"encoding/hex"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
)

// Permanent subscriptions are three kinds of repository objects, as in
// WMI: an __EventFilter (Name, Query, QueryLanguage, EventNamespace), a
// consumer (an instance of a subclass of __EventConsumer: here
// LogFileEventConsumer or CommandLineEventConsumer) and an
// __FilterToConsumerBinding that references both. Each binding is one
// subscription, active as soon as the transaction that makes it complete
// commits, and again whenever a Hub starts over the repository. Changing
// the filter or the consumer restarts the binding's subscription; deleting
// any of the three ends it. A binding that cannot be activated (a bad
// query, a missing filter or consumer, a consumer class nobody serves, a
// limit) is logged and stays inactive until one of its objects changes.
//
// Events go to the consumer through the subscription's bounded queue, on
// a goroutine of their own. A consumer that fails on an event raises
// __ConsumerFailureEvent (Event, IntendedConsumer, ErrorCode,
// ErrorDescription) in the binding's namespace; the binding stays.

type binding struct {
	h            *Hub
	key          string // nsKey|lower relpath
	ns           string // the binding's namespace
	path         string // the binding's __RELPATH
	inst         *cim.Instance
	filterKey    string
	consumerKey  string
	consumerPath string
	consumerRef  cim.Path
	cons         consumer
	sub          *Subscription
}

// objKey is the key of an instance of a namespace.
func objKey(ns string, o cim.Object) string {
	p, err := o.Path()
	if err != nil {
		return ""
	}
	return nsKey(ns) + "|" + strings.ToLower(p.RelPath())
}

// refKey is the key of the instance a reference names, relative to the
// namespace holding the reference.
func refKey(ns string, p cim.Path) string {
	if p.Namespace != "" {
		ns = p.Namespace
	}
	return nsKey(ns) + "|" + strings.ToLower(p.RelPath())
}

// loadPermanent activates the bindings stored in the repository. permMu is
// held.
func (h *Hub) loadPermanent() {
	type found struct {
		ns   string
		inst *cim.Instance
	}
	var all []found
	_ = h.store.View(context.Background(), func(tx repository.Tx) error {
		for _, ns := range allNamespaces(tx) {
			_ = tx.Instances(ns, "__FilterToConsumerBinding", true, func(inst *cim.Instance) error {
				all = append(all, found{ns, inst})
				return nil
			})
		}
		return nil
	})
	for _, f := range all {
		h.activate(f.ns, f.inst)
	}
}

// permChanged applies a change to a filter, consumer or binding. permMu is
// held.
func (h *Hub) permChanged(c repository.Change) {
	o, ok := c.Object.(*cim.Instance)
	if !ok {
		return
	}
	key := objKey(c.Namespace, o)
	switch {
	case o.InheritsFrom("__FilterToConsumerBinding"):
		if c.Kind == repository.InstanceDeleted {
			if b := h.bindings[key]; b != nil {
				b.stop("the binding was deleted")
				delete(h.bindings, key)
			}
			return
		}
		h.activate(c.Namespace, o)
	default:
		filter := o.InheritsFrom("__EventFilter")
		for _, b := range h.bindings {
			if (filter && b.filterKey == key) || (!filter && b.consumerKey == key) {
				if c.Kind == repository.InstanceDeleted {
					what := "consumer"
					if filter {
						what = "filter"
					}
					b.stop("its " + what + " was deleted")
					continue
				}
				h.activate(b.ns, b.inst)
			}
		}
	}
}

func (b *binding) stop(why string) {
	if b.sub != nil {
		b.sub.close(why)
		b.sub = nil
	}
}

// activate (re)starts the subscription of a binding. permMu is held.
func (h *Hub) activate(ns string, inst *cim.Instance) {
	ns = cim.NormalizeNamespace(ns)
	key := objKey(ns, inst)
	if key == "" {
		return
	}
	if old := h.bindings[key]; old != nil {
		old.stop("the binding changed")
	}
	b := &binding{h: h, key: key, ns: ns, path: inst.RelPath(), inst: inst}
	h.bindings[key] = b
	if err := h.start(b); err != nil {
		h.log.Error("permanent event subscription not activated", "binding", b.path, "namespace", ns, "error", err)
	}
}

// start reads a binding's filter and consumer and subscribes.
func (h *Hub) start(b *binding) error {
	fp, err := refProp(b.inst, "Filter")
	if err != nil {
		return err
	}
	cp, err := refProp(b.inst, "Consumer")
	if err != nil {
		return err
	}
	b.filterKey, b.consumerKey = refKey(b.ns, fp), refKey(b.ns, cp)
	fns, cns := b.ns, b.ns
	if fp.Namespace != "" {
		fns = cim.NormalizeNamespace(fp.Namespace)
	}
	if cp.Namespace != "" {
		cns = cim.NormalizeNamespace(cp.Namespace)
	}
	var filter, cons *cim.Instance
	err = h.store.View(context.Background(), func(tx repository.Tx) error {
		var err error
		if filter, err = tx.GetInstance(fns, cim.Path{Class: fp.Class, Keys: fp.Keys, Singleton: fp.Singleton}); err != nil {
			return status.Errorf(status.CodeOf(err), "filter %s: %v", fp.RelPath(), err)
		}
		if cons, err = tx.GetInstance(cns, cim.Path{Class: cp.Class, Keys: cp.Keys, Singleton: cp.Singleton}); err != nil {
			return status.Errorf(status.CodeOf(err), "consumer %s: %v", cp.RelPath(), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.consumerPath = cons.RelPath()
	if p, err := cons.Path(); err == nil {
		p.Namespace = cns
		b.consumerRef = p
	}
	c, err := h.newConsumer(cons)
	if err != nil {
		return err
	}
	b.cons = c
	eventNS := strProp(filter, "EventNamespace")
	if eventNS == "" {
		eventNS = fns
	} else if p, err := cim.ParsePath(eventNS); err == nil && p.IsNamespace() {
		eventNS = p.Namespace
	}
	q, err := h.Prepare(context.Background(), eventNS, strProp(filter, "QueryLanguage"), strProp(filter, "Query"))
	if err != nil {
		return err
	}
	s, err := h.subscribe(q, creator(filter), b)
	if err != nil {
		return err
	}
	b.sub = s
	s.Start(b.deliver)
	return nil
}

// creator is the user a permanent subscription counts for: its filter's
// CreatorSID.
func creator(filter *cim.Instance) string {
	v, err := filter.Get("CreatorSID")
	if err != nil || v.IsNull() {
		return ""
	}
	a, _ := v.Array()
	b := make([]byte, 0, len(a))
	for _, e := range a {
		n, _ := e.Uint()
		b = append(b, byte(n))
	}
	return "sid:" + hex.EncodeToString(b)
}

// refProp returns a reference property as a path.
func refProp(inst *cim.Instance, name string) (cim.Path, error) {
	v, err := inst.Get(name)
	if err != nil {
		return cim.Path{}, err
	}
	p, ok := v.Path()
	if !ok || p.Class == "" {
		return cim.Path{}, status.Errorf(status.InvalidObjectPath, "%s.%s is not set", inst.ClassName(), name)
	}
	return p, nil
}

// deliver hands events to the consumer, raising __ConsumerFailureEvent
// for each it fails on.
func (b *binding) deliver(objs []cim.Object) error {
	for _, o := range objs {
		if err := b.cons.consume(b.h.ctx, o, func(err error) { b.h.consumerFailed(b, o, err) }); err != nil {
			b.h.consumerFailed(b, o, err)
		}
	}
	return nil
}

// putConsumer sets IntendedConsumer of a dropped-event report.
func (b *binding) putConsumer(ev *cim.Instance) {
	if b.consumerRef.Class != "" {
		_ = ev.Put("IntendedConsumer", cim.Reference(b.consumerRef))
	}
}

// consumerFailed raises __ConsumerFailureEvent for an event a consumer
// could not take (but not for failures on dropped-event reports, which
// could loop).
func (h *Hub) consumerFailed(b *binding, o cim.Object, err error) {
	h.m.failures.Add(1)
	h.log.Warn("event consumer failed", "consumer", b.consumerPath, "binding", b.path, "namespace", b.ns, "event", o.ClassName(), "error", err)
	if o.InheritsFrom("__EventDroppedEvent") {
		return
	}
	nk := nsKey(b.ns)
	ev, e, e2 := h.newEvent(nk, "__ConsumerFailureEvent")
	if e2 != nil {
		return
	}
	if o.InheritsFrom("__Event") {
		_ = ev.Put("Event", cim.Embedded(o))
	}
	b.putConsumer(ev)
	code := status.CodeOf(err)
	if !code.Failed() {
		code = status.Failed
	}
	_ = ev.Put("ErrorCode", cim.Uint32(uint32(code)))
	_ = ev.Put("ErrorDescription", cim.String(err.Error()))
	h.dispatch(nk, ev, e.chain, nil)
}
