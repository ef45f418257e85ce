// Package event is gowmi's event subsystem (WMI's ESS): it turns
// repository changes into intrinsic events, polls providers for WITHIN
// queries, runs event providers, takes extrinsic events from providers and
// from QueryObjectSink, aggregates GROUP WITHIN queries, fires timer
// instructions, and serves temporary subscriptions (ExecNotificationQuery)
// and permanent ones (__EventFilter, __FilterToConsumerBinding and the
// standard consumers LogFileEventConsumer and CommandLineEventConsumer).
//
// The object manager owns a Hub and joins it to its calls (package cimom,
// notify.go): it prepares a subscription with Prepare, which checks the
// query as WMI does, reserves it with Subscribe, which enforces the
// __ArbitratorConfiguration limits, starts delivery with
// Subscription.Start once the call exists, and ends it with
// Subscription.Close when the call is cancelled.
//
// # Delivery
//
// Every subscription has a bounded queue. Producers (the repository's
// commit, a poller, an event provider, a timer) never wait on a
// subscriber: they put the event in the queue and go on. A goroutine
// drains the queue into the subscriber while it is not empty and exits when
// it is, so an idle subscription holds no goroutine. An event that finds
// the queue full is dropped and counted, and the first drop of an overflow
// episode raises __EventQueueOverflowEvent in the subscription's namespace,
// as WMI does (§2.7 of the reference): anyone subscribed to it learns of
// the loss. Event objects are shared by the subscribers they go to: treat
// them as read-only.
package event

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
)

// DefaultQueueSize is how many events a subscription's queue holds before
// it drops: WMI's EventDropLimit.
const DefaultQueueSize = 1000

// MinTimerInterval is the shortest interval a timer fires at; shorter
// IntervalBetweenEvents values are raised to it (WMI too ignores very
// small intervals).
const MinTimerInterval = 10 * time.Millisecond

// timeNow is the clock.
var timeNow = time.Now

// Options configure a Hub.
type Options struct {
	// Server is the host name put in the __SERVER of the objects that
	// events carry.
	Server string
	// Logger receives the audit lines (one per subscription created or
	// removed) and the errors; slog.Default() if nil.
	Logger *slog.Logger
	// Go runs f on a new goroutine that the owner waits for when it shuts
	// down (the object manager's WaitGroup). Nil: the Hub starts and
	// waits for its goroutines itself (Close waits for them).
	Go func(f func())
	// Enumerate returns the instances of a class and its subclasses, from
	// the repository and the providers, for WITHIN polling. Nil: polling
	// is not available and dynamic classes need an event provider.
	Enumerate func(ctx context.Context, namespace, class string) ([]*cim.Instance, error)
	// Providers returns the registered providers by lower-case name; the
	// event providers among them (provider.EventProvider) are found by type
	// assertion. Nil: no event providers.
	Providers func() map[string]any
	// QueueSize bounds each subscription's queue; DefaultQueueSize if 0.
	QueueSize int
	// Limits are the subscription limits used while root holds no
	// __ArbitratorConfiguration instance; DefaultLimits if zero.
	Limits Limits
}

// Metrics are the Hub's counters.
type Metrics struct {
	Temporary int // active temporary subscriptions
	Permanent int // active permanent subscriptions (bindings)
	Pollers   int // running pollers (one per namespace, class and interval)
	Providers int // running ProvideEvents calls
	Queries   int // distinct subscription queries (NewQuery ids) alive
	Timers    int // scheduled timer instructions

	Raised           int64 // events raised (before matching)
	Delivered        int64 // events handed to subscribers
	Dropped          int64 // events dropped on a full queue
	ConsumerFailures int64 // permanent consumers that failed on an event
	Polls            int64 // enumerations made by pollers
}

type counters struct {
	raised, delivered, dropped, failures, polls atomic.Int64
	pollers, providers                          atomic.Int64
}

// Hub is the event subsystem of one object manager. Create it with New
// and stop it with Close.
type Hub struct {
	store     repository.Store
	opts      Options
	log       *slog.Logger
	queueSize int

	ctx    context.Context // cancelled by Close: pollers, providers, consumers
	cancel context.CancelFunc

	spawnMu sync.RWMutex // closed is set under the write lock; spawns hold the read lock
	closed  bool
	wg      sync.WaitGroup // goroutines, when Options.Go is nil

	unwatch func()

	// idx is the dispatch index, copy-on-write: producers read it without
	// a lock, subscribe and close replace it under ctlMu.
	idx atomic.Pointer[index]

	// ctlMu serializes the control plane: subscriptions, plans, pollers,
	// event providers and the limit counters. Producers never take it.
	ctlMu    sync.Mutex
	subs     map[*Subscription]struct{}
	plans    map[string]*plan
	pollers  map[string]*poller
	provRuns map[string]*provRun
	nextQID  uint32
	nextSub  uint64
	usage    usage

	classes classCache
	regs    regCache

	permMu   sync.Mutex // permanent subscriptions; taken before ctlMu
	bindings map[string]*binding

	timerMu sync.Mutex
	timers  map[string]*timer

	filesMu sync.Mutex
	files   map[string]*sync.Mutex // log files by path: one writer at a time

	m counters

	// afterFunc starts the timers of GROUP WITHIN windows (tests replace
	// it to end windows on cue).
	afterFunc func(d time.Duration, f func()) stopper
}

// New returns a Hub over a repository: it watches the repository's
// changes, activates the permanent subscriptions and timer instructions
// stored in it, and reads the limits of __ArbitratorConfiguration.
func New(store repository.Store, opts Options) *Hub {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		store: store, opts: opts, log: opts.Logger,
		queueSize: opts.QueueSize,
		ctx:       ctx, cancel: cancel,
		subs:      map[*Subscription]struct{}{},
		plans:     map[string]*plan{},
		pollers:   map[string]*poller{},
		provRuns:  map[string]*provRun{},
		bindings:  map[string]*binding{},
		timers:    map[string]*timer{},
		files:     map[string]*sync.Mutex{},
		afterFunc: func(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) },
	}
	if h.queueSize <= 0 {
		h.queueSize = DefaultQueueSize
	}
	h.usage.limits = opts.Limits
	h.idx.Store(&index{})
	h.classes.h = h
	h.regs.h = h
	// Watch first, then load: a change committed meanwhile is seen twice,
	// and applying it twice is harmless (permMu orders the two).
	h.permMu.Lock()
	h.unwatch = store.Watch(h.changed)
	h.loadLimits()
	h.loadPermanent()
	h.loadTimers()
	h.permMu.Unlock()
	return h
}

// Close ends every subscription, stops the pollers, event providers and
// timers, records the next firing of each interval timer (for SkipIfPassed
// after a restart), and stops watching the repository. Without
// Options.Go it waits for the Hub's goroutines.
func (h *Hub) Close() {
	h.spawnMu.Lock()
	if h.closed {
		h.spawnMu.Unlock()
		return
	}
	h.closed = true
	h.spawnMu.Unlock()
	h.unwatch()
	h.cancel()

	// Permanent consumers get what is already queued for them.
	h.permMu.Lock()
	for _, b := range h.bindings {
		if b.sub != nil {
			b.sub.end("the event subsystem stopped", true)
			b.sub = nil
		}
	}
	h.permMu.Unlock()
	h.ctlMu.Lock()
	all := make([]*Subscription, 0, len(h.subs))
	for s := range h.subs {
		all = append(all, s)
	}
	h.ctlMu.Unlock()
	for _, s := range all {
		s.close("the event subsystem stopped")
	}
	h.stopTimers()
	if h.opts.Go == nil {
		h.wg.Wait()
	}
}

// spawn runs f on a goroutine the owner waits for, unless the Hub is
// closed; it reports whether f was started.
func (h *Hub) spawn(f func()) bool {
	h.spawnMu.RLock()
	defer h.spawnMu.RUnlock()
	if h.closed {
		return false
	}
	if h.opts.Go != nil {
		h.opts.Go(f)
		return true
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		f()
	}()
	return true
}

func (h *Hub) isClosed() bool {
	h.spawnMu.RLock()
	defer h.spawnMu.RUnlock()
	return h.closed
}

// Metrics returns a snapshot of the counters.
func (h *Hub) Metrics() Metrics {
	h.ctlMu.Lock()
	m := Metrics{
		Temporary: h.usage.temporary.total,
		Permanent: h.usage.permanent.total,
		Queries:   len(h.plans),
	}
	h.ctlMu.Unlock()
	h.timerMu.Lock()
	m.Timers = len(h.timers)
	h.timerMu.Unlock()
	m.Pollers = int(h.m.pollers.Load())
	m.Providers = int(h.m.providers.Load())
	m.Raised = h.m.raised.Load()
	m.Delivered = h.m.delivered.Load()
	m.Dropped = h.m.dropped.Load()
	m.ConsumerFailures = h.m.failures.Load()
	m.Polls = h.m.polls.Load()
	return m
}

// nsKey is the map key of a namespace: normalized and lower-case.
func nsKey(ns string) string { return strings.ToLower(cim.NormalizeNamespace(ns)) }

// --- the dispatch index ---------------------------------------------------------

// index maps each namespace's subscriptions by the lower-case name of their
// FROM class. It is immutable once published.
type index struct {
	ns map[string]*nsIndex
}

type nsIndex struct {
	byClass map[string][]*Subscription
	n       int
}

// with returns a copy of the index with s added (add) or removed.
func (ix *index) with(s *Subscription, add bool) *index {
	out := &index{ns: make(map[string]*nsIndex, len(ix.ns)+1)}
	for k, v := range ix.ns {
		out.ns[k] = v
	}
	nk, ck := s.plan.nsKey, s.plan.fromKey
	old := ix.ns[nk]
	ni := &nsIndex{byClass: map[string][]*Subscription{}}
	if old != nil {
		for k, v := range old.byClass {
			ni.byClass[k] = v
		}
		ni.n = old.n
	}
	list := ni.byClass[ck]
	if add {
		nl := make([]*Subscription, len(list), len(list)+1)
		copy(nl, list)
		ni.byClass[ck] = append(nl, s)
		ni.n++
	} else {
		nl := make([]*Subscription, 0, len(list))
		for _, x := range list {
			if x != s {
				nl = append(nl, x)
			}
		}
		if len(nl) == len(list) {
			return ix
		}
		ni.n--
		if len(nl) == 0 {
			delete(ni.byClass, ck)
		} else {
			ni.byClass[ck] = nl
		}
	}
	if ni.n == 0 {
		delete(out.ns, nk)
	} else {
		out.ns[nk] = ni
	}
	return out
}

// listening reports whether any subscription of a namespace has one of the
// classes of chain as its FROM class.
func (h *Hub) listening(ns string, chain []string) bool {
	ni := h.idx.Load().ns[ns]
	if ni == nil {
		return false
	}
	for _, c := range chain {
		if len(ni.byClass[c]) > 0 {
			return true
		}
	}
	return false
}

// dispatch offers an event to every subscription of its namespace whose
// FROM class is the event's class or an ancestor; chain is the event
// class's derivation, lower-case, the class itself first. except, when not
// nil, is left out.
func (h *Hub) dispatch(ns string, ev *cim.Instance, chain []string, except *Subscription) {
	h.m.raised.Add(1)
	ni := h.idx.Load().ns[ns]
	if ni == nil {
		return
	}
	for _, c := range chain {
		for _, s := range ni.byClass[c] {
			if s != except {
				s.offer(ev)
			}
		}
	}
}

// chainOf returns the lower-case derivation of a class, itself first.
func chainOf(c *cim.Class) []string {
	d := c.Derivation()
	out := make([]string, 0, len(d)+1)
	out = append(out, strings.ToLower(c.Name))
	for _, n := range d {
		out = append(out, strings.ToLower(n))
	}
	return out
}

// --- the class cache -----------------------------------------------------------

// classCache holds the classes the Hub reads (event classes, FROM classes,
// targets) per namespace; a namespace's entries are dropped when one of its
// classes changes.
type classCache struct {
	h  *Hub
	mu sync.RWMutex
	ns map[string]map[string]*classEntry
}

type classEntry struct {
	class *cim.Class
	chain []string
}

func (e *classEntry) inherits(lowerName string) bool {
	for _, c := range e.chain {
		if c == lowerName {
			return true
		}
	}
	return false
}

// get returns a class of a namespace (ns is an nsKey); one that does not
// exist is WBEM_E_NOT_FOUND.
func (c *classCache) get(ns, name string) (*classEntry, error) {
	k := strings.ToLower(name)
	c.mu.RLock()
	e := c.ns[ns][k]
	c.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	var cl *cim.Class
	err := c.h.store.View(context.Background(), func(tx repository.Tx) error {
		var err error
		cl, err = tx.GetClass(ns, name)
		return err
	})
	if err != nil {
		if code := status.CodeOf(err); code == status.NotFound || code == status.InvalidNamespace {
			return nil, status.Errorf(status.NotFound, "class %s does not exist in %s", name, ns)
		}
		return nil, err
	}
	e = &classEntry{class: cl, chain: chainOf(cl)}
	c.mu.Lock()
	if c.ns == nil {
		c.ns = map[string]map[string]*classEntry{}
	}
	m := c.ns[ns]
	if m == nil {
		m = map[string]*classEntry{}
		c.ns[ns] = m
	}
	if old := m[k]; old != nil {
		e = old
	} else {
		m[k] = e
	}
	c.mu.Unlock()
	return e, nil
}

func (c *classCache) drop(ns string) {
	c.mu.Lock()
	delete(c.ns, ns)
	c.mu.Unlock()
}

// related reports whether two classes of a namespace are the same or one
// derives from the other; classes that do not exist compare by name.
func (h *Hub) related(ns, a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	ea, err1 := h.classes.get(ns, a)
	eb, err2 := h.classes.get(ns, b)
	if err1 != nil || err2 != nil {
		return false
	}
	return ea.inherits(strings.ToLower(b)) || eb.inherits(strings.ToLower(a))
}

// derives reports whether class a of a namespace is b or derives from it.
func (h *Hub) derives(ns, a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	ea, err := h.classes.get(ns, a)
	return err == nil && ea.inherits(strings.ToLower(b))
}

// newEvent spawns an instance of an event class of a namespace with
// TIME_CREATED set to now.
func (h *Hub) newEvent(ns, class string) (*cim.Instance, *classEntry, error) {
	e, err := h.classes.get(ns, class)
	if err != nil {
		return nil, nil, err
	}
	inst, err := e.class.SpawnInstance()
	if err != nil {
		return nil, nil, err
	}
	if e.class.Property("TIME_CREATED") != nil {
		_ = inst.Put("TIME_CREATED", cim.Uint64(cim.ToFileTime(timeNow())))
	}
	return inst, e, nil
}
