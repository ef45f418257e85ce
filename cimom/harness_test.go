package cimom

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// The test namespace and the classes of this package's own tests.
const testNS = `root\cimomtest`

// benchProvider serves Bench_Item: Count small instances, generated on the
// fly; with Block set, it blocks until its context ends.
type benchProvider struct {
	Count   int
	Block   bool
	started atomic.Int64
	stopped atomic.Int64
	// stopLatency receives, for blocked calls, when the provider saw its
	// context end.
	stoppedAt chan time.Time
	panicNow  atomic.Bool
	methodRan atomic.Int64
	methodDur time.Duration
}

func (p *benchProvider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	p.started.Add(1)
	defer p.stopped.Add(1)
	if p.panicNow.Load() {
		panic("the bench provider was told to panic")
	}
	if p.Block {
		<-ctx.Done()
		if p.stoppedAt != nil {
			p.stoppedAt <- time.Now()
		}
		return ctx.Err()
	}
	class := req.Class
	batch := make([]cim.Object, 0, 256)
	for i := range p.Count {
		inst := class.MustSpawn()
		_ = inst.PutAt(0, cim.Uint64(uint64(i)))
		_ = inst.PutAt(1, cim.String("item"))
		batch = append(batch, inst)
		if len(batch) == cap(batch) {
			if err := sink.Send(batch...); err != nil {
				return err
			}
			batch = make([]cim.Object, 0, 256)
		}
	}
	if len(batch) > 0 {
		return sink.Send(batch...)
	}
	return nil
}

func (p *benchProvider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	time.Sleep(p.methodDur)
	p.methodRan.Add(1)
	out := req.OutClass.MustSpawn()
	_ = out.Put("ReturnValue", cim.Uint32(0))
	return out, nil
}

func benchClass() *cim.Class {
	c := &cim.Class{Name: "Bench_Item",
		Qualifiers: cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true)}, {Name: "Provider", Value: cim.String("BenchProvider")}},
		Properties: []*cim.Property{
			{Name: "Id", Type: cim.TypeUint64, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}}},
			{Name: "Name", Type: cim.TypeString},
		},
		Methods: []*cim.Method{{Name: "Run", ReturnType: cim.TypeUint32, Qualifiers: cim.Qualifiers{{Name: "Static", Value: cim.Boolean(true)}}}},
	}
	return c
}

// newTestManager returns an object manager over a new in-memory repository
// with the test namespace and Bench_Item, and a Services on it.
func newTestManager(tb testing.TB, p *benchProvider, opts *Options) (*ObjectManager, wbem.Services) {
	tb.Helper()
	ctx := context.Background()
	store := repository.NewMemory()
	if err := store.Update(ctx, func(tx repository.Tx) error { return tx.CreateNamespace(testNS) }); err != nil {
		tb.Fatal(err)
	}
	if opts == nil {
		opts = &Options{}
	}
	if opts.Server == "" {
		opts.Server = "TESTHOST"
	}
	om := New(store, opts)
	if err := om.RegisterProvider("BenchProvider", p); err != nil {
		tb.Fatal(err)
	}
	svc, err := om.Connect(ctx, testNS, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := svc.PutClass(ctx, benchClass(), 0, nil); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = svc.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := om.Shutdown(sctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		_ = store.Close()
	})
	return om, svc
}

// recSink records what a call delivers.
type recSink struct {
	mu       sync.Mutex
	objs     int
	finals   []status.Code
	params   []string
	errObjs  []cim.Object
	progress int
	done     chan struct{}
	once     sync.Once
	onFinal  func()
	indicate func([]cim.Object) error
}

func newRecSink() *recSink { return &recSink{done: make(chan struct{})} }

func (r *recSink) Indicate(objs []cim.Object) error {
	if r.indicate != nil {
		if err := r.indicate(objs); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.objs += len(objs)
	r.mu.Unlock()
	return nil
}

func (r *recSink) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if flags == wbem.StatusProgress {
		r.progress++
		return nil
	}
	r.finals = append(r.finals, hr)
	r.params = append(r.params, param)
	r.errObjs = append(r.errObjs, obj)
	if r.onFinal != nil {
		r.onFinal()
	}
	r.once.Do(func() { close(r.done) })
	return nil
}

func (r *recSink) wait(tb testing.TB) {
	tb.Helper()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		tb.Fatal("no final status within 10 s")
	}
}

func (r *recSink) final() (int, []status.Code) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.objs, append([]status.Code(nil), r.finals...)
}
