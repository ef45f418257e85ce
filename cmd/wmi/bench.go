package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// The bench runs against an object manager of its own, in memory, with a
// provider that generates instances and can hold calls open, so that it
// measures the object manager and not the machine's providers.
const (
	benchNS       = `root\gowmibench`
	benchClass    = "GowmiBench_Item"
	benchProvider = "GowmiBench"
)

// benchItems serves GowmiBench_Item: Count instances, or, while hold is
// set, calls that block until cancelled.
type benchItems struct {
	count int
	hold  atomic.Bool
}

func (b *benchItems) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	if b.hold.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	batch := make([]cim.Object, 0, 256)
	for i := range b.count {
		inst := req.Class.MustSpawn()
		_ = inst.PutAt(0, cim.Uint64(uint64(i)))
		_ = inst.PutAt(1, cim.String("item"))
		batch = append(batch, inst)
		if len(batch) == cap(batch) || i == b.count-1 {
			if err := sink.Send(batch...); err != nil {
				return err
			}
			batch = make([]cim.Object, 0, 256)
		}
	}
	return nil
}

func (b *benchItems) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	v, _ := req.Path.Key("Id")
	n, _ := v.Uint()
	inst := req.Class.MustSpawn()
	_ = inst.PutAt(0, cim.Uint64(n))
	_ = inst.PutAt(1, cim.String("item"))
	return inst, nil
}

func newBenchCmd(g *globals) *cobra.Command {
	var (
		instances   = 1_000_000
		pending     = 10_000
		clients     = 32
		subscribers = 100
		events      = 1000
		duration    = 3 * time.Second
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the object manager under load",
		Long: `bench starts an object manager of its own, in memory, with a generating
provider, and measures: enumeration throughput to an asynchronous sink and
through a semisynchronous enumerator; a cancel storm (CancelAsyncCall of
many pending calls, latency to the final status); events (instance
creations fanned out to many subscribers, latency from the write to the
subscriber); and many concurrent clients running GetObject and ExecQuery
(throughput and latency percentiles).`,
		Example: `  wmi bench
  wmi bench --instances 5000000 --clients 64 --duration 10s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBench(cmd.Context(), g, instances, pending, clients, subscribers, events, duration)
		},
	}
	f := cmd.Flags()
	f.IntVar(&instances, "instances", instances, "instances per enumeration")
	f.IntVar(&pending, "pending", pending, "pending calls in the cancel storm")
	f.IntVar(&clients, "clients", clients, "concurrent clients")
	f.IntVar(&subscribers, "subscribers", subscribers, "event subscribers")
	f.IntVar(&events, "events", events, "events (instance creations) to deliver to every subscriber")
	f.DurationVar(&duration, "duration", duration, "how long the clients run")
	return cmd
}

func runBench(ctx context.Context, g *globals, instances, pending, clients, subscribers, events int, duration time.Duration) error {
	store := repository.NewMemory()
	defer store.Close()
	if err := schema.Install(ctx, store); err != nil {
		return err
	}
	if err := store.Update(ctx, func(tx repository.Tx) error { return schema.InstallNamespace(tx, benchNS) }); err != nil {
		return err
	}
	om := cimom.New(store, &cimom.Options{MaxPendingCalls: pending + clients + 16})
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = om.Shutdown(sctx)
	}()
	prov := &benchItems{count: instances}
	if err := om.RegisterProvider(benchProvider, prov); err != nil {
		return err
	}
	svc, err := om.Connect(ctx, benchNS, nil)
	if err != nil {
		return err
	}
	defer svc.Close()
	class := &cim.Class{Name: benchClass,
		Qualifiers: cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorDefault}, {Name: "Provider", Value: cim.String(benchProvider), Flavor: cim.FlavorDefault}},
		Properties: []*cim.Property{
			{Name: "Id", Type: cim.TypeUint64, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorDefault}}},
			{Name: "Name", Type: cim.TypeString},
		}}
	if err := svc.PutClass(ctx, class, 0, nil); err != nil {
		return err
	}
	w := g.stdout

	// Enumeration to an asynchronous sink.
	sink := &countingSink{done: make(chan status.Code, 1)}
	start := time.Now()
	if err := svc.CreateInstanceEnumAsync(ctx, benchClass, 0, nil, sink); err != nil {
		return err
	}
	if hr := <-sink.done; hr.Failed() {
		return hr.Err()
	}
	el := time.Since(start)
	fmt.Fprintf(w, "enumeration, async sink:       %10.0f instances/s (%d in %v)\n", float64(sink.n.Load())/el.Seconds(), sink.n.Load(), el.Round(time.Millisecond))

	// Enumeration through a forward-only semisynchronous enumerator.
	start = time.Now()
	e, err := svc.CreateInstanceEnum(ctx, benchClass, wbem.FlagReturnImmediately|wbem.FlagForwardOnly, nil)
	if err != nil {
		return err
	}
	n := 0
	for {
		objs, err := e.Next(ctx, wbem.Infinite, 1000)
		n += len(objs)
		if err != nil {
			if status.CodeOf(err) != status.SFalse {
				e.Close()
				return err
			}
			break
		}
	}
	e.Close()
	el = time.Since(start)
	fmt.Fprintf(w, "enumeration, semisync:         %10.0f instances/s (%d in %v)\n", float64(n)/el.Seconds(), n, el.Round(time.Millisecond))

	// Cancel storm.
	prov.hold.Store(true)
	sinks := make([]*stampSink, pending)
	for i := range sinks {
		sinks[i] = &stampSink{done: make(chan struct{})}
		if err := svc.CreateInstanceEnumAsync(ctx, benchClass, 0, nil, sinks[i]); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, 0, pending)
	start = time.Now()
	for _, s := range sinks {
		t0 := time.Now()
		if err := svc.CancelAsyncCall(s); err != nil {
			return err
		}
		<-s.done
		lat = append(lat, s.at.Sub(t0))
	}
	el = time.Since(start)
	prov.hold.Store(false)
	fmt.Fprintf(w, "cancel storm (%d pending):  %10.0f cancels/s; CancelAsyncCall to final status %s\n", pending, float64(pending)/el.Seconds(), percentiles(lat))

	// Events: subscribers of __InstanceCreationEvent on a static class, fed
	// by PutInstance; throughput of deliveries and latency from the write to
	// each subscriber's Indicate.
	if err := benchEvents(ctx, g, svc, subscribers, events); err != nil {
		return err
	}

	// Concurrent clients.
	prov.count = 10
	var (
		mu   sync.Mutex
		all  []time.Duration
		ops  atomic.Int64
		fail atomic.Int64
		wg   sync.WaitGroup
	)
	cctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := om.Connect(cctx, benchNS, nil)
			if err != nil {
				fail.Add(1)
				return
			}
			defer cs.Close()
			var mine []time.Duration
			for i := 0; cctx.Err() == nil; i++ {
				t0 := time.Now()
				var err error
				if (i+c)%2 == 0 {
					_, err = cs.GetObject(cctx, fmt.Sprintf(`%s.Id=%d`, benchClass, i), 0, nil)
				} else {
					var en wbem.Enumerator
					if en, err = cs.ExecQuery(cctx, "WQL", "SELECT Name FROM "+benchClass+" WHERE Id < 5", 0, nil); err == nil {
						en.Close()
					}
				}
				if err != nil {
					if cctx.Err() == nil {
						fail.Add(1)
					}
					continue
				}
				mine = append(mine, time.Since(t0))
				ops.Add(1)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Fprintf(w, "%d clients, GetObject+ExecQuery: %10.0f calls/s; latency %s; failures %d\n", clients, float64(ops.Load())/duration.Seconds(), percentiles(all), fail.Load())
	fmt.Fprintf(w, "object manager: %+v\n", om.Metrics())
	return nil
}

func percentiles(d []time.Duration) string {
	if len(d) == 0 {
		return "n/a"
	}
	slices.Sort(d)
	p := func(q float64) time.Duration { return d[min(len(d)-1, int(float64(len(d))*q))] }
	return fmt.Sprintf("p50 %v p90 %v p99 %v max %v", p(0.50), p(0.90), p(0.99), d[len(d)-1])
}

type countingSink struct {
	n    atomic.Int64
	done chan status.Code
}

func (c *countingSink) Indicate(objs []cim.Object) error { c.n.Add(int64(len(objs))); return nil }
func (c *countingSink) SetStatus(f wbem.StatusFlags, hr status.Code, _ string, _ cim.Object) error {
	if f == wbem.StatusComplete {
		c.done <- hr
	}
	return nil
}

type stampSink struct {
	at   time.Time
	done chan struct{}
}

func (s *stampSink) Indicate([]cim.Object) error { return nil }
func (s *stampSink) SetStatus(f wbem.StatusFlags, _ status.Code, _ string, _ cim.Object) error {
	if f == wbem.StatusComplete {
		s.at = time.Now()
		close(s.done)
	}
	return nil
}

// eventSink records when each event reaches a subscriber.
type eventSink struct {
	mu   sync.Mutex
	at   []time.Time
	want int
	done chan struct{}
}

func (e *eventSink) Indicate(objs []cim.Object) error {
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for range objs {
		e.at = append(e.at, now)
	}
	if len(e.at) >= e.want {
		select {
		case <-e.done:
		default:
			close(e.done)
		}
	}
	return nil
}

func (e *eventSink) SetStatus(wbem.StatusFlags, status.Code, string, cim.Object) error { return nil }

// benchEvents measures intrinsic event delivery: subscribers of
// __InstanceCreationEvent for a static class, and events PutInstance raises.
func benchEvents(ctx context.Context, g *globals, svc wbem.Services, subscribers, events int) error {
	if subscribers <= 0 || events <= 0 {
		return nil
	}
	class := &cim.Class{Name: "GowmiBench_Static", Properties: []*cim.Property{
		{Name: "Id", Type: cim.TypeUint32, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorDefault}}},
	}}
	if err := svc.PutClass(ctx, class, 0, nil); err != nil {
		return err
	}
	stored, err := svc.GetObject(ctx, class.Name, 0, nil)
	if err != nil {
		return err
	}
	sinks := make([]*eventSink, subscribers)
	for i := range sinks {
		sinks[i] = &eventSink{want: events, done: make(chan struct{})}
		q := "SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA '" + class.Name + "'"
		if err := svc.ExecNotificationQueryAsync(ctx, "WQL", q, 0, nil, sinks[i]); err != nil {
			return err
		}
	}
	written := make([]time.Time, events)
	start := time.Now()
	for i := range events {
		inst := stored.Class().MustSpawn()
		_ = inst.Put("Id", cim.Uint32(uint32(i)))
		written[i] = time.Now()
		if _, err := svc.PutInstance(ctx, inst, wbem.FlagCreateOnly, nil); err != nil {
			return err
		}
	}
	var lat []time.Duration
	for _, s := range sinks {
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			return status.Errorf(status.TimedOut, "a subscriber got %d of %d events within 30 s", len(s.at), events)
		}
		s.mu.Lock()
		for i, at := range s.at[:events] {
			lat = append(lat, at.Sub(written[i]))
		}
		s.mu.Unlock()
		_ = svc.CancelAsyncCall(s)
	}
	el := time.Since(start)
	fmt.Fprintf(g.stdout, "events, %d subscribers:        %10.0f deliveries/s (%d writes); write to Indicate %s\n",
		subscribers, float64(subscribers*events)/el.Seconds(), events, percentiles(lat))
	return nil
}
