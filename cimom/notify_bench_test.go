package cimom

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// The event benchmarks. Run them with
//
//	go test -run '^$' -bench 'Event' -benchtime 2000x ./cimom/
//
// (a fixed count: BenchmarkEventSubscriptionMemory creates b.N
// subscriptions). docs/benchmarks-events.md has the results.

// quietLogger discards the audit lines.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// benchEventManager returns an object manager with the event classes and
// limits high enough for benchmarks.
func benchEventManager(b *testing.B, store repository.Store) (*ObjectManager, wbem.Services) {
	b.Helper()
	om, svc, _ := newEventManager(b, store, &Options{Logger: quietLogger, MaxPendingCalls: math.MaxInt32})
	ctx := context.Background()
	root, err := om.Connect(ctx, "root", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	big := cim.Uint32(math.MaxUint32)
	cfg := spawn(b, root, "__ArbitratorConfiguration", map[string]cim.Value{
		"TemporarySubscriptionsPerUser": big, "TemporarySubscriptionsTotal": big,
		"PollingInstructionsPerUser": big, "PollingInstructionsTotal": big})
	if _, err := root.PutInstance(ctx, cfg, 0, nil); err != nil {
		b.Fatal(err)
	}
	return om, svc
}

// stampSink records when each event arrives.
type stampSink struct {
	at chan time.Time
}

func (s *stampSink) Indicate(objs []cim.Object) error {
	now := time.Now()
	for range objs {
		s.at <- now
	}
	return nil
}

func (s *stampSink) SetStatus(wbem.StatusFlags, status.Code, string, cim.Object) error { return nil }

// BenchmarkEventLatency measures the time from a repository write to the
// subscriber's Indicate: from the commit (a repository watcher registered
// before the object manager's notes it) and from the start of the
// PutInstance call. One write at a time.
func BenchmarkEventLatency(b *testing.B) {
	for _, kind := range []string{"memory", "bbolt"} {
		b.Run(kind, func(b *testing.B) {
			var store repository.Store
			if kind == "memory" {
				store = repository.NewMemory()
			} else {
				s, err := repository.Open(b.TempDir()+"/repo.db", nil)
				if err != nil {
					b.Fatal(err)
				}
				store = s
			}
			b.Cleanup(func() { _ = store.Close() })
			var committed atomic.Int64
			cancelWatch := store.Watch(func([]repository.Change) { committed.Store(time.Now().UnixNano()) })
			defer cancelWatch()
			_, svc := benchEventManager(b, store)
			ctx := context.Background()
			sink := &stampSink{at: make(chan time.Time, 16)}
			if err := svc.ExecNotificationQueryAsync(ctx, "WQL", staticCreation, 0, nil, sink); err != nil {
				b.Fatal(err)
			}
			class, err := svc.GetObject(ctx, "Ev_Static", 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			fromCommit := make([]time.Duration, 0, b.N)
			fromCall := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				inst := class.(*cim.Class).MustSpawn()
				_ = inst.Put("Name", cim.String(fmt.Sprint("lat-", i)))
				start := time.Now()
				if _, err := svc.PutInstance(ctx, inst, wbem.FlagCreateOnly, nil); err != nil {
					b.Fatal(err)
				}
				at := <-sink.at
				fromCall = append(fromCall, at.Sub(start))
				fromCommit = append(fromCommit, at.Sub(time.Unix(0, committed.Load())))
			}
			b.StopTimer()
			report(b, "commit", fromCommit)
			report(b, "call", fromCall)
		})
	}
}

// report adds the 50th and 99th percentiles and the maximum of latencies,
// in microseconds.
func report(b *testing.B, what string, d []time.Duration) {
	slices.Sort(d)
	pct := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(d)))) - 1
		return float64(d[max(i, 0)]) / 1e3
	}
	b.ReportMetric(pct(0.50), what+"-p50-µs")
	b.ReportMetric(pct(0.99), what+"-p99-µs")
	b.ReportMetric(float64(d[len(d)-1])/1e3, what+"-max-µs")
}

// fanSink counts events and signals when it has seen want.
type fanSink struct {
	n    atomic.Int64
	want atomic.Int64
	hit  chan struct{}
}

func (s *fanSink) Indicate(objs []cim.Object) error {
	if n := s.n.Add(int64(len(objs))); n == s.want.Load() {
		s.hit <- struct{}{}
	}
	return nil
}

func (s *fanSink) SetStatus(wbem.StatusFlags, status.Code, string, cim.Object) error { return nil }

// BenchmarkEventFanout100 measures delivery to 100 subscribers of the
// same events: from repository writes, and from QueryObjectSink. It
// reports deliveries (events × subscribers) per second. Writes go in
// rounds of 500 so that no subscriber's queue (1000) overflows.
func BenchmarkEventFanout100(b *testing.B) {
	const subs, round = 100, 500
	for _, source := range []string{"RepositoryWrite", "QueryObjectSink"} {
		b.Run(source, func(b *testing.B) {
			store := repository.NewMemory()
			b.Cleanup(func() { _ = store.Close() })
			om, svc := benchEventManager(b, store)
			ctx := context.Background()
			query := staticCreation
			if source == "QueryObjectSink" {
				query = alertQuery
			}
			sinks := make([]*fanSink, subs)
			for i := range sinks {
				sinks[i] = &fanSink{hit: make(chan struct{}, 1)}
				if err := svc.ExecNotificationQueryAsync(ctx, "WQL", query, 0, nil, sinks[i]); err != nil {
					b.Fatal(err)
				}
			}
			pub, err := svc.QueryObjectSink(ctx, 0)
			if err != nil {
				b.Fatal(err)
			}
			static, _ := svc.GetObject(ctx, "Ev_Static", 0, nil)
			alert, _ := svc.GetObject(ctx, "Ev_Alert", 0, nil)
			b.ResetTimer()
			start := time.Now()
			for done := 0; done < b.N; {
				n := min(round, b.N-done)
				for _, s := range sinks {
					s.want.Store(int64(done + n))
				}
				for i := done; i < done+n; i++ {
					switch source {
					case "RepositoryWrite":
						inst := static.(*cim.Class).MustSpawn()
						_ = inst.Put("Name", cim.String(fmt.Sprint("fan-", i)))
						if _, err := svc.PutInstance(ctx, inst, wbem.FlagCreateOnly, nil); err != nil {
							b.Fatal(err)
						}
					default:
						ev := alert.(*cim.Class).MustSpawn()
						_ = ev.Put("Level", cim.Uint32(uint32(i)))
						if err := pub.Indicate([]cim.Object{ev}); err != nil {
							b.Fatal(err)
						}
					}
				}
				for _, s := range sinks {
					select {
					case <-s.hit:
					case <-time.After(30 * time.Second):
						b.Fatalf("a subscriber has %d of %d events; dropped %d", s.n.Load(), done+n, om.EventMetrics().Dropped)
					}
				}
				done += n
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N*subs)/elapsed.Seconds(), "deliveries/s")
			if d := om.EventMetrics().Dropped; d != 0 {
				b.Errorf("%d events dropped", d)
			}
		})
	}
}

// BenchmarkEventSubscriptionMemory creates b.N idle temporary
// subscriptions and reports the heap and goroutines each holds: the call
// row, its context, the subscription and its share of the query plan.
// "same query" subscriptions share one plan; "distinct queries" each
// compile their own.
func BenchmarkEventSubscriptionMemory(b *testing.B) {
	for _, distinct := range []bool{false, true} {
		b.Run(map[bool]string{false: "SameQuery", true: "DistinctQueries"}[distinct], func(b *testing.B) {
			store := repository.NewMemory()
			b.Cleanup(func() { _ = store.Close() })
			om, svc := benchEventManager(b, store)
			ctx := context.Background()
			sinks := make([]*fanSink, b.N)
			for i := range sinks {
				sinks[i] = &fanSink{}
			}
			queries := make([]string, b.N)
			for i := range queries {
				queries[i] = staticCreation
				if distinct {
					queries[i] = fmt.Sprintf("%s AND TargetInstance.Value = %d", staticCreation, i)
				}
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			g0 := runtime.NumGoroutine()
			b.ResetTimer()
			for i := range b.N {
				if err := svc.ExecNotificationQueryAsync(ctx, "WQL", queries[i], 0, nil, sinks[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			g1 := runtime.NumGoroutine()
			if n := om.EventMetrics().Temporary; n != b.N {
				b.Fatalf("%d subscriptions, want %d", n, b.N)
			}
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/sub")
			b.ReportMetric(float64(g1-g0)/float64(b.N), "goroutines/sub")
			runtime.KeepAlive(sinks)
		})
	}
}
