package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowmi/gowmi"
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
	count atomic.Int64
	hold  atomic.Bool
}

func (b *benchItems) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	if b.hold.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	batch := make([]cim.Object, 0, 256)
	count := int(b.count.Load())
	for i := range count {
		inst := req.Class.MustSpawn()
		_ = inst.PutAt(0, cim.Uint64(uint64(i)))
		_ = inst.PutAt(1, cim.String("item"))
		batch = append(batch, inst)
		if len(batch) == cap(batch) || i == count-1 {
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
		Short: "Measure the object manager, or a daemon, under load",
		Long: `bench measures: enumeration throughput to an asynchronous sink and through
a semisynchronous enumerator; a cancel storm (CancelAsyncCall of many
pending calls, latency to the final status); events (instance creations
fanned out to many subscribers, latency from the write to the
subscriber); and many concurrent clients running GetObject and ExecQuery
(throughput and latency percentiles).

Without --host it starts an object manager of its own, in memory, with a
generating provider in process, so that it measures the object manager
and not the machine's providers. With --host it measures the whole
system: it serves the same provider out of process to that daemon (in
the namespace root\gowmibench, which it creates and deletes) and runs
every measurement through the daemon's protocol.`,
		Example: `  wmi bench
  wmi bench --instances 5000000 --clients 64 --duration 10s
  wmi bench --host unix:///run/gowmi/wmi.sock --pending 1000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			prov := &benchItems{}
			prov.count.Store(int64(instances))
			var (
				b   *benchTarget
				err error
			)
			if g.host != "" {
				b, err = daemonBench(ctx, g, prov)
			} else {
				b, err = embeddedBench(ctx, prov, pending+clients+16)
			}
			if err != nil {
				return err
			}
			defer b.close()
			return runBench(ctx, g, b, prov, pending, clients, subscribers, events, duration)
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

// benchTarget is what bench measures: a Services on the bench namespace,
// a way to open more (the concurrent clients), and the end.
type benchTarget struct {
	svc     wbem.Services
	connect func(ctx context.Context) (wbem.Services, error)
	metrics func() string // a last line about the server, or ""
	close   func()
}

// benchClassDef is GowmiBench_Item, served by the bench provider.
func benchClassDef() *cim.Class {
	return &cim.Class{Name: benchClass,
		Qualifiers: cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorDefault}, {Name: "Provider", Value: cim.String(benchProvider), Flavor: cim.FlavorDefault}},
		Properties: []*cim.Property{
			{Name: "Id", Type: cim.TypeUint64, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorDefault}}},
			{Name: "Name", Type: cim.TypeString},
		}}
}

// embeddedBench starts an object manager in memory with the provider in
// process.
func embeddedBench(ctx context.Context, prov *benchItems, maxPending int) (*benchTarget, error) {
	store := repository.NewMemory()
	if err := schema.Install(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	if err := store.Update(ctx, func(tx repository.Tx) error { return schema.InstallNamespace(tx, benchNS) }); err != nil {
		store.Close()
		return nil, err
	}
	om := cimom.New(store, &cimom.Options{MaxPendingCalls: maxPending})
	end := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = om.Shutdown(sctx)
		store.Close()
	}
	svc, err := om.Connect(ctx, benchNS, nil)
	if err == nil {
		if err = om.RegisterProvider(benchProvider, prov); err == nil {
			err = svc.PutClass(ctx, benchClassDef(), 0, nil)
		}
	}
	if err != nil {
		if svc != nil {
			_ = svc.Close()
		}
		end()
		return nil, err
	}
	return &benchTarget{
		svc:     svc,
		connect: func(ctx context.Context) (wbem.Services, error) { return om.Connect(ctx, benchNS, nil) },
		metrics: func() string { return fmt.Sprintf("object manager: %+v", om.Metrics()) },
		close:   func() { _ = svc.Close(); end() },
	}, nil
}

// daemonBench creates root\gowmibench in the daemon --host names and serves
// the provider to it out of process, from this process.
func daemonBench(ctx context.Context, g *globals, prov *benchItems) (*benchTarget, error) {
	root, err := g.connectDaemonNS(ctx, g.host, schema.NamespaceRoot)
	if err != nil {
		return nil, err
	}
	leaf := benchNS[len(schema.NamespaceRoot)+1:]
	dropNS := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = root.svc.DeleteInstance(dctx, `__NAMESPACE.Name="`+leaf+`"`, 0, nil)
	}
	if err := createNamespace(ctx, root.svc, leaf); err != nil {
		root.close()
		if status.CodeOf(err) == status.AlreadyExists {
			return nil, status.Errorf(status.AlreadyExists, "namespace %s exists: another bench runs, or one was stopped (wmi delete '__NAMESPACE.Name=\"%s\"' --ns root)", benchNS, leaf)
		}
		return nil, err
	}
	// The provider, out of process: this one.
	pctx, stopProvider := context.WithCancel(ctx)
	registered := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- gowmi.ServeProvider(pctx, g.host, &gowmi.Options{User: g.user, Password: g.password}, prov,
			gowmi.ProviderOptions{Name: benchProvider, Classes: map[string][]*cim.Class{benchNS: {benchClassDef()}},
				Registered: func() { close(registered) }})
	}()
	stop := func() {
		stopProvider()
		<-served
	}
	select {
	case <-registered:
	case err := <-served:
		stopProvider()
		dropNS()
		root.close()
		if err == nil {
			err = status.New(status.ProviderLoadFailure, "the bench provider ended before it was registered")
		}
		return nil, err
	}
	s, err := g.connectDaemonNS(ctx, g.host, benchNS)
	if err != nil {
		stop()
		dropNS()
		root.close()
		return nil, err
	}
	return &benchTarget{
		svc: s.svc,
		connect: func(ctx context.Context) (wbem.Services, error) {
			c, err := g.connectDaemonNS(ctx, g.host, benchNS)
			if err != nil {
				return nil, err
			}
			return c.svc, nil
		},
		metrics: func() string { return "daemon: see its metrics endpoint for its counters" },
		close:   func() { s.close(); stop(); dropNS(); root.close() },
	}, nil
}

func runBench(ctx context.Context, g *globals, b *benchTarget, prov *benchItems, pending, clients, subscribers, events int, duration time.Duration) error {
	svc := b.svc
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
	prov.count.Store(10)
	var (
		mu        sync.Mutex
		all       []time.Duration
		ops       atomic.Int64
		fail      atomic.Int64
		firstFail atomic.Value // the first failure's error
		wg        sync.WaitGroup
	)
	cctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := b.connect(cctx)
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
					// A call the end of the run cut is no failure: the
					// deadline can time it out (or cancel it on the server)
					// a little before cctx.Err says so.
					deadline, _ := cctx.Deadline()
					code := status.CodeOf(err)
					cut := cctx.Err() != nil || (code == status.TimedOut || code == status.CallCancelled) && time.Until(deadline) < 10*time.Millisecond
					if !cut {
						fail.Add(1)
						firstFail.CompareAndSwap(nil, err.Error())
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
	if f := firstFail.Load(); f != nil {
		fmt.Fprintf(w, "first failure: %s\n", f)
	}
	fmt.Fprintln(w, b.metrics())
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
