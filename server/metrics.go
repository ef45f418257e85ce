package server

import (
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry returns a Prometheus registry of the daemon's metrics: calls,
// cancels, orphaned method calls, queue depths, sessions, out-of-process
// providers and their restarts, with the Go and process collectors.
func (d *Daemon) Registry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counter := func(name, help string, f func() float64) {
		r.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "gowmi", Name: name, Help: help}, f))
	}
	gauge := func(name, help string, f func() float64) {
		r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "gowmi", Name: name, Help: help}, f))
	}
	counter("calls_total", "IWbemServices calls the object manager accepted, in every mode.",
		func() float64 { return float64(d.om.Metrics().CallsStarted) })
	gauge("calls_pending", "Calls whose final status is not delivered.",
		func() float64 { return float64(d.om.Metrics().Pending) })
	counter("calls_cancelled_total", "Calls cancelled: by CancelAsyncCall, a failing or slow sink, a closed connection, a shutdown.",
		func() float64 { return float64(d.om.Metrics().Cancelled) })
	counter("method_calls_orphaned_total", "Method calls cancelled by their client while their provider ran on (DESIGN.md rule 6).",
		func() float64 { return float64(d.om.Metrics().Orphaned) })
	counter("method_calls_orphaned_done_total", "Orphaned method calls whose provider has since finished.",
		func() float64 { return float64(d.om.Metrics().OrphanedDone) })
	counter("provider_panics_total", "In-process provider calls that panicked.",
		func() float64 { return float64(d.om.Metrics().ProviderPanics) })
	gauge("event_subscriptions_temporary", "Active temporary event subscriptions (ExecNotificationQuery).",
		func() float64 { return float64(d.om.EventMetrics().Temporary) })
	gauge("event_subscriptions_permanent", "Active permanent event subscriptions (__FilterToConsumerBinding).",
		func() float64 { return float64(d.om.EventMetrics().Permanent) })
	gauge("event_pollers", "Running WITHIN pollers.",
		func() float64 { return float64(d.om.EventMetrics().Pollers) })
	counter("events_delivered_total", "Events handed to subscribers.",
		func() float64 { return float64(d.om.EventMetrics().Delivered) })
	counter("events_dropped_total", "Events dropped on a full subscription queue.",
		func() float64 { return float64(d.om.EventMetrics().Dropped) })
	gauge("sessions", "Open native protocol sessions.",
		func() float64 { return float64(d.native.Stats().Sessions) })
	counter("native_calls_total", "Calls received over the native protocol.",
		func() float64 { return float64(d.native.Stats().Calls) })
	gauge("native_async_calls_active", "Asynchronous native calls whose final status is not sent.",
		func() float64 { return float64(d.native.Stats().AsyncActive) })
	counter("cancel_requests_total", "CancelAsyncCall requests received.",
		func() float64 { return float64(d.native.Stats().Cancels) })
	counter("cancel_requests_calls_total", "Calls cancelled by CancelAsyncCall requests.",
		func() float64 { return float64(d.native.Stats().Cancelled) })
	counter("calls_released_total", "Asynchronous calls cancelled because their client closed the call or went away (rule 7).",
		func() float64 { return float64(d.native.Stats().Released) })
	gauge("queue_depth_objects", "Result objects in transit to slow clients (queued or unacknowledged).",
		func() float64 { return float64(d.native.Stats().QueueDepth) })
	counter("queue_quota_violations_total", "Calls ended with WBEM_E_QUOTA_VIOLATION because their client did not read.",
		func() float64 { return float64(d.native.Stats().QuotaHits) })
	gauge("providers_connected", "Out-of-process providers registered.",
		func() float64 { return float64(d.hub.Stats().Connected) })
	counter("provider_restarts_total", "Registrations of an out-of-process provider that had been registered before.",
		func() float64 { return float64(d.hub.Stats().Restarts) })
	counter("provider_failures_total", "Requests ended by an out-of-process provider's disconnection.",
		func() float64 { return float64(d.hub.Stats().Failures) })
	counter("provider_timeouts_total", "Requests ended because an out-of-process provider stayed silent too long.",
		func() float64 { return float64(d.hub.Stats().Timeouts) })
	return r
}

func (d *Daemon) serveMetrics(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(d.Registry(), promhttp.HandlerOpts{}))
	d.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	d.mAddr = lis.Addr().String()
	d.serveWG.Add(1)
	go func() {
		defer d.serveWG.Done()
		if err := d.metrics.Serve(lis); err != nil && err != http.ErrServerClosed {
			d.log.Error("metrics endpoint failed", "err", err)
		}
	}()
	return nil
}
