package cimom

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// countSink counts objects and signals the final status.
type countSink struct {
	n    atomic.Int64
	done chan status.Code
}

func (c *countSink) Indicate(objs []cim.Object) error { c.n.Add(int64(len(objs))); return nil }
func (c *countSink) SetStatus(f wbem.StatusFlags, hr status.Code, _ string, _ cim.Object) error {
	if f == wbem.StatusComplete {
		c.done <- hr
	}
	return nil
}

// BenchmarkEnumerateAsync measures instances per second from a provider to
// an asynchronous sink: one call of b.N instances.
func BenchmarkEnumerateAsync(b *testing.B) {
	p := &benchProvider{Count: b.N}
	_, svc := newTestManager(b, p, nil)
	sink := &countSink{done: make(chan status.Code, 1)}
	b.ReportAllocs()
	b.ResetTimer()
	if err := svc.CreateInstanceEnumAsync(context.Background(), "Bench_Item", 0, nil, sink); err != nil {
		b.Fatal(err)
	}
	if hr := <-sink.done; hr != status.SNoError {
		b.Fatal(hr)
	}
	b.StopTimer()
	if sink.n.Load() != int64(b.N) {
		b.Fatalf("got %d of %d", sink.n.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "instances/s")
}

// BenchmarkEnumerateSemisync measures instances per second through a
// forward-only semisynchronous enumerator read 1000 at a time.
func BenchmarkEnumerateSemisync(b *testing.B) {
	p := &benchProvider{Count: b.N}
	_, svc := newTestManager(b, p, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	e, err := svc.CreateInstanceEnum(ctx, "Bench_Item", wbem.FlagReturnImmediately|wbem.FlagForwardOnly, nil)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		objs, err := e.Next(ctx, wbem.Infinite, 1000)
		n += len(objs)
		if err != nil {
			if status.CodeOf(err) != status.SFalse {
				b.Fatal(err)
			}
			break
		}
	}
	b.StopTimer()
	_ = e.Close()
	if n != b.N {
		b.Fatalf("got %d of %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "instances/s")
}

// latencySink records when its final status arrives.
type latencySink struct {
	at   time.Time
	hr   status.Code
	done chan struct{}
}

func (l *latencySink) Indicate([]cim.Object) error { return nil }
func (l *latencySink) SetStatus(f wbem.StatusFlags, hr status.Code, _ string, _ cim.Object) error {
	if f == wbem.StatusComplete {
		l.at, l.hr = time.Now(), hr
		close(l.done)
	}
	return nil
}

// startPending starts n asynchronous calls that block in the provider.
func startPending(tb testing.TB, svc wbem.Services, p *benchProvider, n int) []*latencySink {
	sinks := make([]*latencySink, n)
	for i := range sinks {
		sinks[i] = &latencySink{done: make(chan struct{})}
		if err := svc.CreateInstanceEnumAsync(context.Background(), "Bench_Item", 0, nil, sinks[i]); err != nil {
			tb.Fatal(err)
		}
	}
	for p.started.Load() < int64(n) {
		runtime.Gosched()
	}
	return sinks
}

// BenchmarkCancelLatency measures, with 10,000 calls pending, the time from
// CancelAsyncCall to the final SetStatus of the cancelled call, and reports
// its 50th and 99th percentiles.
func BenchmarkCancelLatency(b *testing.B) {
	const pending = 10_000
	for range b.N {
		b.StopTimer()
		p := &benchProvider{Block: true}
		om, svc := newTestManager(b, p, nil)
		sinks := startPending(b, svc, p, pending)
		lat := make([]time.Duration, 0, pending)
		b.StartTimer()
		for _, s := range sinks {
			start := time.Now()
			if err := svc.CancelAsyncCall(s); err != nil {
				b.Fatal(err)
			}
			<-s.done
			lat = append(lat, s.at.Sub(start))
			if s.hr != status.CallCancelled {
				b.Fatal(s.hr)
			}
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		_ = om
	}
}

// BenchmarkProviderStop measures the time from CancelAsyncCall until the
// cancelled provider has stopped.
func BenchmarkProviderStop(b *testing.B) {
	p := &benchProvider{Block: true, stoppedAt: make(chan time.Time, 1)}
	_, svc := newTestManager(b, p, nil)
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		s := &latencySink{done: make(chan struct{})}
		before := p.started.Load()
		if err := svc.CreateInstanceEnumAsync(context.Background(), "Bench_Item", 0, nil, s); err != nil {
			b.Fatal(err)
		}
		for p.started.Load() == before {
			runtime.Gosched()
		}
		start := time.Now()
		if err := svc.CancelAsyncCall(s); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-p.stoppedAt).Sub(start))
		<-s.done
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkMemoryPerPendingCall measures the heap and stack memory of a
// pending asynchronous call (its table row, context and goroutine).
func BenchmarkMemoryPerPendingCall(b *testing.B) {
	const pending = 10_000
	for range b.N {
		b.StopTimer()
		p := &benchProvider{Block: true}
		_, svc := newTestManager(b, p, nil)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		sinks := startPending(b, svc, p, pending)
		b.StopTimer()
		// Each GC may halve an idle goroutine's stack; settle first.
		for range 4 {
			runtime.GC()
		}
		runtime.ReadMemStats(&after)
		used := (after.HeapAlloc + after.StackInuse) - (before.HeapAlloc + before.StackInuse)
		b.ReportMetric(float64(used)/pending, "bytes/call")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/pending, "heap-bytes/call")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/pending, "stack-bytes/call")
		var wg sync.WaitGroup
		for _, s := range sinks {
			wg.Add(1)
			go func() { defer wg.Done(); _ = svc.CancelAsyncCall(s); <-s.done }()
		}
		wg.Wait()
	}
}
