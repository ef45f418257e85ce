package event

import (
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
)

// changed is the repository watcher: it runs on the goroutine of each
// committing Update, after the commit, with its changes in order. It first
// applies the changes to the event subsystem's own configuration (permanent
// subscriptions, timer instructions, limits, provider registrations, the
// class cache), then raises the intrinsic events. It never waits on a
// subscriber, and never writes to the repository.
func (h *Hub) changed(changes []repository.Change) {
	if h.isClosed() {
		return
	}
	var perm, timers []repository.Change
	limits := false
	for _, c := range changes {
		nk := nsKey(c.Namespace)
		switch c.Kind {
		case repository.ClassCreated, repository.ClassModified, repository.ClassDeleted:
			h.classes.drop(nk)
			h.regs.drop(nk)
		case repository.NamespaceCreated, repository.NamespaceDeleted:
			if name := namespaceName(c.Object); name != "" {
				child := nk + `\` + strings.ToLower(name)
				h.classes.dropTree(child)
				h.regs.drop(child)
			}
		case repository.InstanceCreated, repository.InstanceModified, repository.InstanceDeleted:
			o := c.Object
			if !strings.HasPrefix(o.Class().Dynasty(), "__") {
				continue // not a system class or one derived from it
			}
			switch {
			case isArbitrator(nk, o):
				limits = true
			case o.InheritsFrom("__EventFilter"), o.InheritsFrom("__EventConsumer"), o.InheritsFrom("__FilterToConsumerBinding"):
				perm = append(perm, c)
			case o.InheritsFrom("__TimerInstruction"):
				timers = append(timers, c)
			case o.InheritsFrom("__ProviderRegistration"), o.InheritsFrom("__Provider"):
				h.regs.drop(nk)
			}
		}
	}
	if limits {
		h.loadLimits()
	}
	if len(perm) > 0 {
		h.permMu.Lock()
		for _, c := range perm {
			h.permChanged(c)
		}
		h.permMu.Unlock()
	}
	for _, c := range timers {
		h.timerChanged(c)
	}
	for _, c := range changes {
		h.raiseChange(c)
	}
}

// namespaceName returns the Name of a __NAMESPACE instance.
func namespaceName(o cim.Object) string {
	if o == nil {
		return ""
	}
	v, err := o.Get("Name")
	if err != nil {
		return ""
	}
	s, _ := v.Str()
	return s
}

// dropTree drops the cached classes of a namespace and of its children.
func (c *classCache) dropTree(ns string) {
	c.mu.Lock()
	for k := range c.ns {
		if k == ns || strings.HasPrefix(k, ns+`\`) {
			delete(c.ns, k)
		}
	}
	c.mu.Unlock()
}

// raiseChange raises the intrinsic event of one repository change, if a
// subscription of its namespace may want it. Namespace events are seen in
// the parent namespace (Change.Namespace is the parent's).
func (h *Hub) raiseChange(c repository.Change) {
	nk := nsKey(c.Namespace)
	if h.idx.Load().ns[nk] == nil {
		return // nobody listens in this namespace
	}
	var class, target, previous string
	switch c.Kind {
	case repository.InstanceCreated:
		class, target = "__InstanceCreationEvent", "TargetInstance"
	case repository.InstanceModified:
		class, target, previous = "__InstanceModificationEvent", "TargetInstance", "PreviousInstance"
	case repository.InstanceDeleted:
		class, target = "__InstanceDeletionEvent", "TargetInstance"
	case repository.ClassCreated:
		class, target = "__ClassCreationEvent", "TargetClass"
	case repository.ClassModified:
		class, target, previous = "__ClassModificationEvent", "TargetClass", "PreviousClass"
	case repository.ClassDeleted:
		class, target = "__ClassDeletionEvent", "TargetClass"
	case repository.NamespaceCreated:
		class, target = "__NamespaceCreationEvent", "TargetNamespace"
	case repository.NamespaceDeleted:
		class, target = "__NamespaceDeletionEvent", "TargetNamespace"
	default:
		return
	}
	e, err := h.classes.get(nk, class)
	if err != nil || !h.listening(nk, e.chain) {
		return
	}
	ev, err := e.class.SpawnInstance()
	if err != nil {
		return
	}
	_ = ev.Put("TIME_CREATED", cim.Uint64(cim.ToFileTime(timeNow())))
	ns := cim.NormalizeNamespace(c.Namespace)
	h.putObject(ev, target, c.Object, ns)
	if previous != "" {
		h.putObject(ev, previous, c.Previous, ns)
	}
	h.dispatch(nk, ev, e.chain, nil)
}

// instanceEvent builds an intrinsic instance event of a namespace, for the
// pollers.
func (h *Hub) instanceEvent(nk, ns, class string, target, previous *cim.Instance) *cim.Instance {
	ev, _, err := h.newEvent(nk, class)
	if err != nil {
		return nil
	}
	h.putObject(ev, "TargetInstance", target, ns)
	if previous != nil {
		h.putObject(ev, "PreviousInstance", previous, ns)
	}
	return ev
}

// putObject embeds a copy of o in the event's property and gives the copy
// its location (__NAMESPACE, __SERVER) when it has none.
func (h *Hub) putObject(ev *cim.Instance, prop string, o cim.Object, ns string) {
	if o == nil {
		return
	}
	if err := ev.Put(prop, cim.Embedded(o)); err != nil {
		h.log.Debug("cannot embed an object in an event", "event", ev.ClassName(), "property", prop, "error", err)
		return
	}
	v := ev.Value(prop)
	copied, _ := v.Object()
	switch x := copied.(type) {
	case *cim.Instance:
		if x.Namespace == "" {
			x.Namespace = ns
		}
		if x.Server == "" {
			x.Server = h.opts.Server
		}
	case *cim.Class:
		if x.Namespace == "" {
			x.Namespace = ns
		}
		if x.Server == "" {
			x.Server = h.opts.Server
		}
	}
}
