package native

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
)

// This file is the daemon's side of out-of-process providers (WMI's
// decoupled providers). A provider process opens a session, then the
// Provide stream: it registers its name and classes, and the hub registers
// a proxy (remoteProvider) with the object manager. Each request for the
// provider is announced on Provide with a Work message; the provider opens
// a Serve stream for it, receives the request and streams its results.
// gRPC's flow control on Serve back-pressures the provider when the caller
// is slow; ending Serve cancels the request. When the provider's
// connection ends, its pending requests fail with WBEM_E_PROVIDER_FAILURE
// and its classes answer WBEM_E_PROVIDER_NOT_FOUND until it registers
// again; a request on which the provider stays silent for the call timeout
// ends with WBEM_E_TIMED_OUT and is cancelled.

// HubOptions configure a ProviderHub.
type HubOptions struct {
	// CallTimeout is how long a provider may stay silent (send nothing) in
	// one request before the request ends with WBEM_E_TIMED_OUT; 60 s by
	// default.
	CallTimeout time.Duration
	// Authorize decides whether a caller may register a provider; nil
	// lets every caller.
	Authorize func(ctx context.Context, id Identity) error
	Logger    *slog.Logger
}

// ProviderHub hosts out-of-process providers for an object manager.
type ProviderHub struct {
	om   *cimom.ObjectManager
	opts HubOptions
	log  *slog.Logger

	mu        sync.Mutex
	providers map[string]*remoteProvider // by lower-case name
	seen      map[string]bool
	pending   map[uint64]*pendingReq
	nextReq   uint64
	closed    bool

	registrations, restarts, failures, timeouts atomic.Int64
}

// HubStats are a hub's counters.
type HubStats struct {
	Connected     int   // providers registered now
	Registrations int64 // registrations accepted
	Restarts      int64 // registrations of a name that had been registered before
	Failures      int64 // requests ended by a provider's disconnection
	Timeouts      int64 // requests ended by the call timeout
}

// NewProviderHub returns a hub that registers providers with om.
func NewProviderHub(om *cimom.ObjectManager, opts HubOptions) *ProviderHub {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &ProviderHub{om: om, opts: opts, log: opts.Logger, providers: map[string]*remoteProvider{},
		seen: map[string]bool{}, pending: map[uint64]*pendingReq{}}
}

// Stats returns a snapshot of the counters.
func (h *ProviderHub) Stats() HubStats {
	h.mu.Lock()
	n := len(h.providers)
	h.mu.Unlock()
	return HubStats{Connected: n, Registrations: h.registrations.Load(), Restarts: h.restarts.Load(),
		Failures: h.failures.Load(), Timeouts: h.timeouts.Load()}
}

// Close unregisters every provider; their pending requests fail.
func (h *ProviderHub) Close() {
	h.mu.Lock()
	h.closed = true
	ps := make([]*remoteProvider, 0, len(h.providers))
	for _, p := range h.providers {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	for _, p := range ps {
		h.unregister(p, "the daemon is shutting down")
	}
}

// remoteProvider is the object manager's provider for a provider process.
type remoteProvider struct {
	hub  *ProviderHub
	name string
	sess *session

	sendMu  sync.Mutex
	control pb.Wbem_ProvideServer

	mu      sync.Mutex
	gone    bool
	pending map[*pendingReq]struct{}
	done    chan struct{}
}

// pendingReq is one request in flight to a provider process.
type pendingReq struct {
	id   uint64
	rp   *remoteProvider
	req  *pb.ProviderRequest
	msgs chan *pb.ProviderResult // from the Serve stream
	stop chan struct{}           // closed by the caller: end the Serve stream
	gone chan struct{}           // closed when the provider is lost
	why  error

	stopOnce, goneOnce sync.Once
	claimed            bool
}

// fail ends the request with a provider failure; the hub counts each
// request once, whichever way its provider was lost.
func (r *pendingReq) fail(err error) {
	r.goneOnce.Do(func() {
		r.why = err
		r.rp.hub.failures.Add(1)
		close(r.gone)
	})
}

func (r *pendingReq) cancel() { r.stopOnce.Do(func() { close(r.stop) }) }

// Provide is the control stream of a provider process.
func (s *Server) Provide(stream pb.Wbem_ProvideServer) error {
	ss, err := s.session(stream.Context())
	if err != nil {
		return err
	}
	h := s.opts.Providers
	if h == nil {
		return grpcstatus.Error(codes.Unimplemented, "this server hosts no out-of-process providers")
	}
	m, err := stream.Recv()
	if err != nil {
		return err
	}
	reg := m.GetRegister()
	if reg == nil || reg.Name == "" {
		return stream.Send(&pb.DaemonMessage{Msg: &pb.DaemonMessage_Registered{Registered: &pb.Registered{
			Status: pbStatus(status.New(status.InvalidParameter, "a provider must first register with a name"))}}})
	}
	rp, err := h.register(stream.Context(), ss, reg, stream)
	if err != nil {
		return stream.Send(&pb.DaemonMessage{Msg: &pb.DaemonMessage_Registered{Registered: &pb.Registered{Status: pbStatus(err)}}})
	}
	defer h.unregister(rp, "the provider's connection ended")
	rp.sendMu.Lock()
	err = stream.Send(&pb.DaemonMessage{Msg: &pb.DaemonMessage_Registered{Registered: &pb.Registered{Status: &pb.Status{}}}})
	rp.sendMu.Unlock()
	if err != nil {
		return err
	}
	// The provider sends nothing more: the stream's end is its departure.
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				h.unregister(rp, "the provider's connection ended")
				return
			}
		}
	}()
	select {
	case <-rp.done:
	case <-ss.done:
	case <-stream.Context().Done():
	}
	return nil
}

func (h *ProviderHub) register(ctx context.Context, ss *session, reg *pb.Register, control pb.Wbem_ProvideServer) (*remoteProvider, error) {
	if h.opts.Authorize != nil {
		if err := h.opts.Authorize(ctx, ss.ident); err != nil {
			return nil, err
		}
	}
	// The provider's classes, created or updated with the daemon's rights.
	for _, rc := range reg.Classes {
		objs, err := NewDecoder().Decode(rc.Classes)
		if err != nil {
			return nil, err
		}
		svc, err := h.om.Connect(ctx, rc.Namespace, nil)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			c, ok := o.(*cim.Class)
			if !ok {
				_ = svc.Close()
				return nil, status.New(status.InvalidParameter, "a provider registers classes, not instances")
			}
			if !strings.EqualFold(c.Qualifiers.Str("Provider"), reg.Name) && c.Qualifiers.Has("Dynamic") {
				_ = svc.Close()
				return nil, status.Errorf(status.InvalidParameter, "class %s names provider %q, not %q", c.Name, c.Qualifiers.Str("Provider"), reg.Name)
			}
			if err := svc.PutClass(ctx, c, 0, nil); err != nil {
				_ = svc.Close()
				return nil, err
			}
		}
		_ = svc.Close()
	}
	rp := &remoteProvider{hub: h, name: reg.Name, sess: ss, control: control, pending: map[*pendingReq]struct{}{}, done: make(chan struct{})}
	key := strings.ToLower(reg.Name)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, status.New(status.ShuttingDown, "the daemon is shutting down")
	}
	if _, ok := h.providers[key]; ok {
		h.mu.Unlock()
		return nil, status.Errorf(status.ProviderAlreadyRegistered, "provider %s is already connected", reg.Name)
	}
	if err := h.om.RegisterProvider(reg.Name, rp); err != nil {
		h.mu.Unlock()
		return nil, err
	}
	h.providers[key] = rp
	restart := h.seen[key]
	h.seen[key] = true
	h.mu.Unlock()
	h.registrations.Add(1)
	if restart {
		h.restarts.Add(1)
	}
	h.log.Info("out-of-process provider registered", "provider", reg.Name, "user", ss.ident.User, "restart", restart)
	return rp, nil
}

// unregister removes a provider; its pending requests fail with
// WBEM_E_PROVIDER_FAILURE.
func (h *ProviderHub) unregister(rp *remoteProvider, why string) {
	rp.mu.Lock()
	if rp.gone {
		rp.mu.Unlock()
		return
	}
	rp.gone = true
	pending := rp.pending
	rp.pending = map[*pendingReq]struct{}{}
	close(rp.done)
	rp.mu.Unlock()
	key := strings.ToLower(rp.name)
	h.mu.Lock()
	if h.providers[key] == rp {
		delete(h.providers, key)
		h.om.UnregisterProvider(rp.name)
	}
	for r := range pending {
		delete(h.pending, r.id)
	}
	h.mu.Unlock()
	err := &status.Error{Code: status.ProviderFailure, ProviderName: rp.name, Description: "provider " + rp.name + " went away: " + why}
	for r := range pending {
		r.fail(err)
	}
	h.log.Warn("out-of-process provider unregistered", "provider", rp.name, "why", why, "failed_requests", len(pending))
}

// Serve carries one request to a provider process.
func (s *Server) Serve(stream pb.Wbem_ServeServer) error {
	ss, err := s.session(stream.Context())
	if err != nil {
		return err
	}
	h := s.opts.Providers
	if h == nil {
		return grpcstatus.Error(codes.Unimplemented, "this server hosts no out-of-process providers")
	}
	m, err := stream.Recv()
	if err != nil {
		return err
	}
	open := m.GetOpen()
	if open == nil {
		return grpcstatus.Error(codes.InvalidArgument, "a Serve stream starts with ServeOpen")
	}
	h.mu.Lock()
	r := h.pending[open.Request]
	if r != nil && (r.claimed || r.rp.sess != ss) {
		r = nil
	}
	if r != nil {
		r.claimed = true
		delete(h.pending, open.Request)
	}
	h.mu.Unlock()
	if r == nil {
		return grpcstatus.Error(codes.NotFound, "no such request")
	}
	if err := stream.Send(r.req); err != nil {
		r.fail(status.Wrap(status.ProviderFailure, err))
		return err
	}
	recv := make(chan *pb.ProviderResult)
	errc := make(chan error, 1)
	ctx := stream.Context()
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				errc <- err
				return
			}
			select {
			case recv <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case m := <-recv:
			select {
			case r.msgs <- m:
			case <-r.stop:
				return grpcstatus.Error(codes.Canceled, "the request was cancelled")
			}
			if m.GetDone() != nil {
				return nil
			}
		case err := <-errc:
			r.fail(&status.Error{Code: status.ProviderFailure, ProviderName: r.rp.name, Description: "the provider's request stream failed: " + err.Error()})
			return err
		case <-r.stop:
			return grpcstatus.Error(codes.Canceled, "the request was cancelled")
		case <-r.gone:
			return grpcstatus.Error(codes.Unavailable, "the provider is gone")
		}
	}
}

// do runs one request on the provider process: results go to sink, the
// Done message is returned.
func (rp *remoteProvider) do(ctx context.Context, req *pb.ProviderRequest, sink provider.Sink) (*pb.Done, error) {
	h := rp.hub
	r := &pendingReq{rp: rp, req: req, msgs: make(chan *pb.ProviderResult), stop: make(chan struct{}), gone: make(chan struct{})}
	rp.mu.Lock()
	if rp.gone {
		rp.mu.Unlock()
		return nil, &status.Error{Code: status.ProviderFailure, ProviderName: rp.name, Description: "provider " + rp.name + " went away"}
	}
	rp.pending[r] = struct{}{}
	rp.mu.Unlock()
	h.mu.Lock()
	h.nextReq++
	r.id = h.nextReq
	h.pending[r.id] = r
	h.mu.Unlock()
	defer func() {
		r.cancel()
		rp.mu.Lock()
		delete(rp.pending, r)
		rp.mu.Unlock()
		h.mu.Lock()
		delete(h.pending, r.id)
		h.mu.Unlock()
	}()
	rp.sendMu.Lock()
	err := rp.control.Send(&pb.DaemonMessage{Msg: &pb.DaemonMessage_Work{Work: &pb.Work{Request: r.id}}})
	rp.sendMu.Unlock()
	if err != nil {
		return nil, &status.Error{Code: status.ProviderFailure, ProviderName: rp.name, Description: "cannot reach provider " + rp.name + ": " + err.Error()}
	}
	timer := time.NewTimer(h.opts.CallTimeout)
	defer timer.Stop()
	dec := NewDecoder()
	for {
		select {
		case m := <-r.msgs:
			timer.Reset(h.opts.CallTimeout)
			switch x := m.Msg.(type) {
			case *pb.ProviderResult_Send:
				objs, err := dec.AppendDecodeOwned(nil, x.Send) // new from Recv
				if err != nil {
					return nil, status.From(err).With("", "")
				}
				if err := sink.Send(objs...); err != nil {
					return nil, err
				}
			case *pb.ProviderResult_Progress:
				if err := sink.Progress(uint16(x.Progress.Done), uint16(x.Progress.Total)); err != nil {
					return nil, err
				}
			case *pb.ProviderResult_Done:
				return x.Done, nil
			}
		case <-r.gone:
			return nil, r.why
		case <-ctx.Done():
			return nil, status.Wrap(status.CallCancelled, ctx.Err())
		case <-timer.C:
			h.timeouts.Add(1)
			h.log.Warn("out-of-process provider call timed out", "provider", rp.name, "op", req.Op.String(), "timeout", h.opts.CallTimeout)
			return nil, &status.Error{Code: status.TimedOut, ProviderName: rp.name,
				Description: "provider " + rp.name + " sent nothing for " + h.opts.CallTimeout.String()}
		}
	}
}

// skipCode marks provider.ErrSkip in a Done's error.
const skipCode = uint32(status.SFalse)

func doneErr(d *pb.Done, name string) error {
	e := d.GetError()
	if e == nil {
		return nil
	}
	if e.Code == skipCode {
		return provider.ErrSkip
	}
	err := &status.Error{Code: status.Code(e.Code), Operation: e.Operation, ParameterInfo: e.Parameter,
		ProviderName: e.Provider, Description: e.Description}
	if err.ProviderName == "" {
		err.ProviderName = name
	}
	return err
}

func (rp *remoteProvider) request(op pb.ProviderOp, r *provider.Request) (*pb.ProviderRequest, error) {
	cls, err := EncodeObject(r.Class)
	if err != nil {
		return nil, err
	}
	wctx, err := EncodeContext(r.Context)
	if err != nil {
		return nil, err
	}
	return &pb.ProviderRequest{Op: op, Namespace: r.Namespace, Class: cls, Context: wctx, Flags: int32(r.Flags), User: r.User}, nil
}

// nopSink is the sink of requests that return no objects.
type nopSink struct{}

func (nopSink) Send(...cim.Object) error   { return nil }
func (nopSink) Progress(_, _ uint16) error { return nil }

var (
	_ provider.InstanceGetter     = (*remoteProvider)(nil)
	_ provider.InstanceEnumerator = (*remoteProvider)(nil)
	_ provider.InstanceQuerier    = (*remoteProvider)(nil)
	_ provider.InstanceCreator    = (*remoteProvider)(nil)
	_ provider.InstanceModifier   = (*remoteProvider)(nil)
	_ provider.InstanceDeleter    = (*remoteProvider)(nil)
	_ provider.MethodExecutor     = (*remoteProvider)(nil)
)

func (rp *remoteProvider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	pr, err := rp.request(pb.ProviderOp_GET_INSTANCE, &req.Request)
	if err != nil {
		return nil, err
	}
	pr.Path = req.Path.String()
	d, err := rp.do(ctx, pr, nopSink{})
	if err != nil {
		return nil, err
	}
	if err := doneErr(d, rp.name); err != nil {
		return nil, err
	}
	return decodeInstance(d.Object)
}

func (rp *remoteProvider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	pr, err := rp.request(pb.ProviderOp_ENUMERATE_INSTANCES, &req.Request)
	if err != nil {
		return err
	}
	d, err := rp.do(ctx, pr, sink)
	if err != nil {
		return err
	}
	return doneErr(d, rp.name)
}

func (rp *remoteProvider) ExecQuery(ctx context.Context, req *provider.QueryRequest, sink provider.Sink) error {
	pr, err := rp.request(pb.ProviderOp_EXEC_QUERY_OP, &req.Request)
	if err != nil {
		return err
	}
	pr.Query = req.Query
	if req.PinnedKeys != nil {
		pr.HasPinned = true
		for _, keys := range req.PinnedKeys {
			b, err := NewEncoder().AppendKeys(nil, keys)
			if err != nil {
				return err
			}
			pr.Pinned = append(pr.Pinned, b)
		}
	}
	d, err := rp.do(ctx, pr, sink)
	if err != nil {
		return err
	}
	return doneErr(d, rp.name)
}

func (rp *remoteProvider) CreateInstance(ctx context.Context, req *provider.PutRequest) (cim.Path, error) {
	pr, err := rp.request(pb.ProviderOp_CREATE_INSTANCE, &req.Request)
	if err != nil {
		return cim.Path{}, err
	}
	if pr.Instance, err = encodeInstance(req.Instance); err != nil {
		return cim.Path{}, err
	}
	d, err := rp.do(ctx, pr, nopSink{})
	if err != nil {
		return cim.Path{}, err
	}
	if err := doneErr(d, rp.name); err != nil {
		return cim.Path{}, err
	}
	return cim.ParsePath(d.Path)
}

func (rp *remoteProvider) ModifyInstance(ctx context.Context, req *provider.PutRequest) error {
	pr, err := rp.request(pb.ProviderOp_MODIFY_INSTANCE, &req.Request)
	if err != nil {
		return err
	}
	if pr.Instance, err = encodeInstance(req.Instance); err != nil {
		return err
	}
	d, err := rp.do(ctx, pr, nopSink{})
	if err != nil {
		return err
	}
	return doneErr(d, rp.name)
}

func (rp *remoteProvider) DeleteInstance(ctx context.Context, req *provider.DeleteRequest) error {
	pr, err := rp.request(pb.ProviderOp_DELETE_INSTANCE_OP, &req.Request)
	if err != nil {
		return err
	}
	pr.Path = req.Path.String()
	d, err := rp.do(ctx, pr, nopSink{})
	if err != nil {
		return err
	}
	return doneErr(d, rp.name)
}

func (rp *remoteProvider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	pr, err := rp.request(pb.ProviderOp_EXEC_METHOD_OP, &req.Request)
	if err != nil {
		return nil, err
	}
	pr.Path = req.Path.String()
	pr.Method = req.Method.Name
	if pr.Instance, err = encodeInstance(req.In); err != nil {
		return nil, err
	}
	d, err := rp.do(ctx, pr, sink)
	if err != nil {
		return nil, err
	}
	if err := doneErr(d, rp.name); err != nil {
		return nil, err
	}
	return decodeInstance(d.Object)
}
