// Package cimom is gowmi's object manager: it implements wbem.Services in
// process over a repository and providers. It routes each request to the
// repository (static classes and instances) or to the provider of a dynamic
// class, filters and projects what providers return, traverses
// associations, runs methods, and keeps WMI's asynchronous call contract
// (DESIGN.md §3) for every call mode.
package cimom

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/event"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// Options configure an ObjectManager. The zero value gives WMI's defaults.
type Options struct {
	// Server is the name in __SERVER and __PATH; the host name by default.
	Server string
	// SinkTimeout is how long a client sink may take in one callback before
	// its call is cancelled (rule 7); 30 s by default.
	SinkTimeout time.Duration
	// EnumeratorWindow is how many objects a forward-only enumerator holds
	// ahead of its reader before the producer waits; 1024 by default.
	EnumeratorWindow int
	// EnumeratorQuota is how many objects a bidirectional enumerator may
	// keep for Reset before its call ends with WBEM_E_QUOTA_VIOLATION;
	// 1,048,576 by default.
	EnumeratorQuota int
	// MaxPendingCalls bounds the pending asynchronous calls of one
	// connection; past it a call is refused with WBEM_E_QUOTA_VIOLATION.
	// 100,000 by default.
	MaxPendingCalls int
	// Logger receives the object manager's logs; slog.Default() if nil.
	Logger *slog.Logger
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Server == "" {
		r.Server, _ = os.Hostname()
		if r.Server == "" {
			r.Server = "localhost"
		}
	}
	if r.SinkTimeout <= 0 {
		r.SinkTimeout = 30 * time.Second
	}
	if r.EnumeratorWindow <= 0 {
		r.EnumeratorWindow = 1024
	}
	if r.EnumeratorQuota <= 0 {
		r.EnumeratorQuota = 1 << 20
	}
	if r.MaxPendingCalls <= 0 {
		r.MaxPendingCalls = 100_000
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return r
}

// Metrics are the object manager's counters.
type Metrics struct {
	CallsStarted   int64 // asynchronous, semisynchronous and synchronous calls accepted
	Pending        int64 // calls whose final status is not delivered
	Cancelled      int64 // calls cancelled (by the client, a failing sink, a shutdown)
	Orphaned       int64 // method calls cancelled while their provider kept running
	OrphanedDone   int64 // orphaned method calls whose provider has since finished
	ProviderPanics int64
}

type counters struct {
	callsStarted, pending, cancelled, orphaned, orphanedDone, providerPanics atomic.Int64
}

// ObjectManager is the CIM object manager. Create it with New, connect to
// it with Connect, stop it with Shutdown.
type ObjectManager struct {
	store repository.Store
	opts  Options
	log   *slog.Logger

	ctx  context.Context // cancelled by Shutdown: every call's context derives from it
	stop context.CancelFunc

	calls   *callTable
	wg      sync.WaitGroup // operation goroutines and final deliveries
	metrics counters

	provMu    sync.RWMutex
	providers map[string]any

	events *event.Hub // the event subsystem (notify.go)

	closing atomic.Bool
	done    chan struct{}
}

// New returns an object manager over a repository. It starts one
// goroutine, the sink watchdog, which Shutdown stops.
func New(store repository.Store, opts *Options) *ObjectManager {
	o := opts.withDefaults()
	ctx, stop := context.WithCancel(context.Background())
	om := &ObjectManager{
		store: store, opts: o, log: o.Logger,
		ctx: ctx, stop: stop,
		calls:     newCallTable(),
		providers: map[string]any{},
		done:      make(chan struct{}),
	}
	go om.watchdog()
	om.startEvents()
	return om
}

// RegisterProvider makes p serve the classes whose Provider qualifier names
// it (case-insensitive). p implements some of the provider package's
// capability interfaces. Registering a name twice is
// WBEM_E_PROVIDER_ALREADY_REGISTERED.
func (om *ObjectManager) RegisterProvider(name string, p any) error {
	if name == "" || p == nil {
		return status.New(status.InvalidParameter, "a provider needs a name and an implementation")
	}
	om.provMu.Lock()
	defer om.provMu.Unlock()
	k := strings.ToLower(name)
	if _, ok := om.providers[k]; ok {
		return status.Errorf(status.ProviderAlreadyRegistered, "provider %s is already registered", name)
	}
	om.providers[k] = p
	return nil
}

// UnregisterProvider removes a provider; later calls to its classes fail
// with WBEM_E_PROVIDER_NOT_FOUND.
func (om *ObjectManager) UnregisterProvider(name string) {
	om.provMu.Lock()
	defer om.provMu.Unlock()
	delete(om.providers, strings.ToLower(name))
}

func (om *ObjectManager) provider(name string) (any, bool) {
	om.provMu.RLock()
	defer om.provMu.RUnlock()
	p, ok := om.providers[strings.ToLower(name)]
	return p, ok
}

// Metrics returns a snapshot of the counters.
func (om *ObjectManager) Metrics() Metrics {
	m := &om.metrics
	return Metrics{
		CallsStarted: m.callsStarted.Load(), Pending: m.pending.Load(), Cancelled: m.cancelled.Load(),
		Orphaned: m.orphaned.Load(), OrphanedDone: m.orphanedDone.Load(), ProviderPanics: m.providerPanics.Load(),
	}
}

// PendingCalls returns the number of asynchronous calls in the operation
// table.
func (om *ObjectManager) PendingCalls() int { return om.calls.len() }

// Store returns the repository.
func (om *ObjectManager) Store() repository.Store { return om.store }

// watchdog cancels calls whose sink is stuck in a callback (rule 7).
func (om *ObjectManager) watchdog() {
	tick := om.opts.SinkTimeout / 4
	if tick < time.Millisecond {
		tick = time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-om.ctx.Done():
			close(om.done)
			return
		case <-t.C:
			for _, c := range om.calls.overdue(om.opts.SinkTimeout) {
				om.log.Warn("sink timed out; cancelling the call", "method", c.method.String(), "timeout", om.opts.SinkTimeout)
				c.cancelCall(status.CallCancelled, "the sink did not return within "+om.opts.SinkTimeout.String())
			}
		}
	}
}

// Shutdown stops the object manager: new calls fail with
// WBEM_E_SHUTTING_DOWN, every pending call ends with a final
// WBEM_E_SHUTTING_DOWN, every provider's context is cancelled (orphaned
// method calls included), and Shutdown waits for the calls' goroutines until
// ctx is done. Callbacks stuck in a client's sink are not waited for past
// ctx.
func (om *ObjectManager) Shutdown(ctx context.Context) error {
	if om.closing.Swap(true) {
		return nil
	}
	for _, c := range om.calls.takeConn(nil) {
		c.cancelCall(status.ShuttingDown, "the object manager is shutting down")
	}
	om.stopEvents()
	om.stop()
	<-om.done
	waited := make(chan struct{})
	go func() { om.wg.Wait(); close(waited) }()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return status.Wrap(status.TimedOut, ctx.Err())
	}
}

func (om *ObjectManager) checkOpen() error {
	if om.closing.Load() {
		return status.New(status.ShuttingDown, "the object manager is shutting down")
	}
	return nil
}

// extendedStatus builds the __ExtendedStatus object of a failure.
func (om *ObjectManager) extendedStatus(e *status.Error) cim.Object {
	inst := wbem.ExtendedStatus(e)
	if inst == nil {
		return nil
	}
	inst.Server = om.opts.Server
	return inst
}

// wbemError is an error as a synchronous call returns it.
func wbemError(err error, m wbem.Method, param string) error {
	if err == nil {
		return nil
	}
	return status.From(err).With("IWbemServices::"+m.String(), param)
}
