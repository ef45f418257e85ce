package native

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wbemtest"
)

// recorder is a sink that records its final status.
type recorder struct {
	mu    sync.Mutex
	n     int
	keep  bool         // keep the objects, as wbem.Collect does
	objs  []cim.Object // the objects kept
	final chan status.Code
}

func newRecorder() *recorder { return &recorder{final: make(chan status.Code, 1)} }

func (r *recorder) Indicate(objs []cim.Object) error {
	r.mu.Lock()
	r.n += len(objs)
	if r.keep {
		r.objs = append(r.objs, objs...)
	}
	r.mu.Unlock()
	return nil
}

func (r *recorder) SetStatus(flags wbem.StatusFlags, hr status.Code, _ string, _ cim.Object) error {
	if flags == wbem.StatusComplete {
		r.final <- hr
	}
	return nil
}

func (r *recorder) wait(t testing.TB) status.Code {
	t.Helper()
	select {
	case hr := <-r.final:
		return hr
	case <-time.After(20 * time.Second):
		t.Fatal("no final status")
		return 0
	}
}

// A client that disconnects in the middle of its calls: the server
// cancels every one of them (their providers see their ctx end), the
// client's sinks get RPC_E_DISCONNECTED, and no goroutine is left
// (TestMain checks).
func TestClientDisconnectCancelsItsCalls(t *testing.T) {
	e := startEnv(t, envOptions{})
	ctx := context.Background()
	setup, err := e.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := wbemtest.Setup(ctx, setup); err != nil {
		t.Fatal(err)
	}
	_ = setup.Close()
	e.prov.Script(wbemtest.ItemClass, wbemtest.Script{Count: 1 << 40, Fault: wbemtest.Fault{Kind: wbemtest.FaultBlock, After: 1}})
	svc, err := e.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	mark := e.prov.Mark()
	sinks := make([]*recorder, n)
	for i := range sinks {
		sinks[i] = newRecorder()
		if err := svc.CreateInstanceEnumAsync(ctx, wbemtest.ItemClass, 0, nil, sinks[i]); err != nil {
			t.Fatal(err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := e.prov.Wait(wctx, mark, func(calls []wbemtest.CallInfo) bool {
		blocked := 0
		for _, c := range calls {
			if c.Blocked {
				blocked++
			}
		}
		return blocked == n
	}); err != nil {
		t.Fatal(err)
	}
	e.disconnect(svc)
	for _, s := range sinks {
		if hr := s.wait(t); hr != status.RPCDisconnected {
			t.Errorf("final status %s, want RPC_E_DISCONNECTED", hr)
		}
	}
	if _, err := svc.GetObject(ctx, wbemtest.StaticClass, 0, nil); !errors.Is(err, &status.Error{Code: status.RPCDisconnected}) {
		t.Errorf("a call after the loss: %v, want RPC_E_DISCONNECTED", err)
	}
	// The server cancelled every call at once.
	if err := e.prov.Wait(wctx, mark, func(calls []wbemtest.CallInfo) bool {
		for _, c := range calls {
			if c.Running() || c.CtxDone.IsZero() {
				return false
			}
		}
		return true
	}); err != nil {
		t.Fatalf("the server did not cancel the lost client's calls: %v", err)
	}
	// The count follows each CancelAsyncCall, which the provider sees
	// before it returns.
	got := e.srv.Stats().Released
	for got < n && wctx.Err() == nil {
		time.Sleep(time.Millisecond)
		got = e.srv.Stats().Released
	}
	if got != n {
		t.Errorf("the server released %d calls, want %d", got, n)
	}
	_ = svc.Close()
}

// benchProvider serves Bench_Item, Count instances of two properties, and
// Bench_Process, Count instances shaped like Win32_Process's (twenty
// properties: text, counters, a DATETIME, one NULL), in batches of 256.
type benchProvider struct {
	Count int
	Block bool
}

func (p *benchProvider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	if p.Block {
		<-ctx.Done()
		return ctx.Err()
	}
	fill := fillItem
	if req.Class.Name == "Bench_Process" {
		fill = fillProcess
	}
	batch := make([]cim.Object, 0, 256)
	for i := range p.Count {
		inst := req.Class.MustSpawn()
		fill(inst, i)
		batch = append(batch, inst)
		if len(batch) == cap(batch) {
			if err := sink.Send(batch...); err != nil {
				return err
			}
			batch = make([]cim.Object, 0, 256)
		}
	}
	return sink.Send(batch...)
}

func fillItem(inst *cim.Instance, i int) {
	_ = inst.PutAt(0, cim.Uint64(uint64(i)))
	_ = inst.PutAt(1, cim.String("item"))
}

// benchStarted is the CreationDate of every Bench_Process.
var benchStarted = cim.DateTimeValue(cim.FromTime(time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)))

func fillProcess(inst *cim.Instance, i int) {
	pid := uint32(1000 + i)
	for k, v := range []cim.Value{
		cim.Uint32(pid),
		cim.String("worker"),
		cim.String("/usr/lib/gowmi/worker --serve --id " + strconv.Itoa(i)),
		cim.String("/usr/lib/gowmi/worker"),
		cim.Uint32(1),
		benchStarted,
		cim.Uint64(uint64(i) * 4096),
		cim.Uint64(uint64(i) * 65536),
		cim.Uint64(uint64(i) * 10_000),
		cim.Uint64(uint64(i) * 20_000),
		cim.Uint32(4),
		cim.Uint32(32),
		cim.Uint32(8),
		cim.Null(cim.TypeString),
		cim.String("worker"),
		cim.String("worker"),
		cim.String("BENCHHOST"),
		cim.String("Debian GNU/Linux"),
		cim.Uint32(0),
		cim.Uint32(uint32(i % 1000)),
	} {
		_ = inst.PutAt(k, v)
	}
}

func benchClass() *cim.Class {
	c := cim.NewClass("Bench_Item", nil)
	c.Qualifiers = cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass},
		{Name: "Provider", Value: cim.String("Bench"), Flavor: cim.FlavorToSubclass}}
	c.Properties = []*cim.Property{
		{Name: "Id", Type: cim.TypeUint64, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}},
		{Name: "Name", Type: cim.TypeString},
	}
	return c
}

func benchProcessClass() *cim.Class {
	c := cim.NewClass("Bench_Process", nil)
	c.Qualifiers = cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass},
		{Name: "Provider", Value: cim.String("Bench"), Flavor: cim.FlavorToSubclass}}
	for _, p := range []struct {
		name string
		t    cim.Type
	}{
		{"ProcessId", cim.TypeUint32}, {"Name", cim.TypeString}, {"CommandLine", cim.TypeString},
		{"ExecutablePath", cim.TypeString}, {"ParentProcessId", cim.TypeUint32}, {"CreationDate", cim.TypeDateTime},
		{"WorkingSetSize", cim.TypeUint64}, {"VirtualSize", cim.TypeUint64}, {"KernelModeTime", cim.TypeUint64},
		{"UserModeTime", cim.TypeUint64}, {"ThreadCount", cim.TypeUint32}, {"HandleCount", cim.TypeUint32},
		{"Priority", cim.TypeUint32}, {"Status", cim.TypeString}, {"Caption", cim.TypeString},
		{"Description", cim.TypeString}, {"CSName", cim.TypeString}, {"OSName", cim.TypeString},
		{"SessionId", cim.TypeUint32}, {"PageFaults", cim.TypeUint32},
	} {
		c.Properties = append(c.Properties, &cim.Property{Name: p.name, Type: p.t})
	}
	c.Properties[0].Qualifiers = cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}
	return c
}

func benchEnv(b testing.TB, p *benchProvider, queue int) *testEnv {
	e := startEnv(b, envOptions{sinkTimeout: 30 * time.Second, queueQuota: queue, window: 1024})
	if err := e.om.RegisterProvider("Bench", p); err != nil {
		b.Fatal(err)
	}
	svc, err := e.om.Connect(context.Background(), testNS, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []*cim.Class{benchClass(), benchProcessClass()} {
		if err := svc.PutClass(context.Background(), c, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
	_ = svc.Close()
	return e
}

// BenchmarkEnumerate compares an asynchronous enumeration of 100,000
// instances in process with the same over the Unix socket: for two shapes
// of instance, Item (two properties, the worst case for the protocol's
// per-object costs) and Process (twenty, like Win32_Process's), and two
// sinks, Count (counts the objects and drops them: the fastest an
// in-process caller can go) and Collect (keeps them, as wbem.Collect and
// "wmi query" do).
func BenchmarkEnumerate(b *testing.B) {
	const count = 100_000
	p := &benchProvider{Count: count}
	e := benchEnv(b, p, 4096)
	ctx := context.Background()
	run := func(b *testing.B, svc wbem.Services, class string, keep bool) {
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for b.Loop() {
			s := newRecorder()
			s.keep = keep
			if err := svc.CreateInstanceEnumAsync(ctx, class, 0, nil, s); err != nil {
				b.Fatal(err)
			}
			if hr := s.wait(b); hr != 0 || s.n != count {
				b.Fatalf("final %s after %d objects", hr, s.n)
			}
		}
		b.ReportMetric(float64(count*b.N)/time.Since(start).Seconds(), "instances/s")
	}
	for _, shape := range []struct{ name, class string }{{"Item", "Bench_Item"}, {"Process", "Bench_Process"}} {
		for _, sink := range []struct {
			name string
			keep bool
		}{{"Count", false}, {"Collect", true}} {
			b.Run(shape.name+"/"+sink.name+"/InProcess", func(b *testing.B) {
				svc, err := e.om.Connect(ctx, testNS, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer svc.Close()
				run(b, svc, shape.class, sink.keep)
			})
			b.Run(shape.name+"/"+sink.name+"/UnixSocket", func(b *testing.B) {
				svc, err := e.connect(ctx)
				if err != nil {
					b.Fatal(err)
				}
				defer svc.Close()
				run(b, svc, shape.class, sink.keep)
			})
		}
	}
}

// BenchmarkCancelLatency measures CancelAsyncCall over the Unix socket with
// 10,000 calls pending on the connection, each on its own sink.
func BenchmarkCancelLatency(b *testing.B) {
	const pending = 10_000
	p := &benchProvider{Block: true}
	e := benchEnv(b, p, 64)
	e.om.Metrics()
	ctx := context.Background()
	svc, err := e.connect(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	var sinks []*recorder
	start := func() {
		s := newRecorder()
		if err := svc.CreateInstanceEnumAsync(ctx, "Bench_Item", 0, nil, s); err != nil {
			b.Fatal(err)
		}
		sinks = append(sinks, s)
	}
	for range pending {
		start()
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		start()
		s := sinks[i]
		b.StartTimer()
		t0 := time.Now()
		if err := svc.CancelAsyncCall(s); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		b.StopTimer()
		if hr := s.wait(b); hr != status.CallCancelled {
			b.Fatalf("final %s", hr)
		}
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(e.om.PendingCalls()), "pending")
}
