package native

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// Identity is who the caller of a session is.
type Identity struct {
	User   string // the user name, handed to providers
	UID    int    // the Unix uid; -1 when the caller has none here
	Remote bool   // the caller is on another machine
	Method string // how it was authenticated: "peercred", "password", "certificate"
}

// ServerOptions configure a Server.
type ServerOptions struct {
	// Authenticate identifies the caller of Connect, from the transport
	// (peer.FromContext(ctx)) and the user and password it sent. Required.
	Authenticate func(ctx context.Context, user, password string) (Identity, error)
	// Open connects an identity to a namespace: the object manager's
	// Connect. Required.
	Open func(ctx context.Context, namespace string, id Identity) (wbem.Services, error)
	// SinkTimeout is the sink timeout of DESIGN.md §3 rule 7, which the
	// client enforces; when the results of an asynchronous call wait twice
	// as long for a client that does not read at all, the call ends with
	// WBEM_E_QUOTA_VIOLATION (rule 13). 30 s by default.
	SinkTimeout time.Duration
	// QueueQuota is how many result objects of one asynchronous call the
	// server buffers for a client that is slower than the provider; past it
	// the provider waits (back-pressure). 4096 by default.
	QueueQuota int
	// Providers hosts out-of-process providers; nil refuses them.
	Providers *ProviderHub
	// Logger receives the server's logs; slog.Default() if nil.
	Logger *slog.Logger
}

// Stats are the server's counters.
type Stats struct {
	Sessions    int64 // open sessions
	Calls       int64 // calls started
	AsyncActive int64 // asynchronous calls whose final status is not sent
	Cancels     int64 // CancelAsyncCall requests
	Cancelled   int64 // calls those requests cancelled
	Released    int64 // asynchronous calls cancelled because the client left (rule 7)
	QueueDepth  int64 // result objects waiting for slow clients
	QuotaHits   int64 // calls ended with WBEM_E_QUOTA_VIOLATION for a slow client
}

// Server is the native protocol's gRPC service.
type Server struct {
	pb.UnimplementedWbemServer
	opts ServerOptions
	log  *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session
	closing  bool
	idle     chan struct{} // closed when asyncActive drops to 0 while closing

	sessionsN, calls, asyncActive, cancels, cancelled, released, queueDepth, quotaHits atomic.Int64
}

// NewServer returns a Server; register it with Register.
func NewServer(opts ServerOptions) *Server {
	if opts.SinkTimeout <= 0 {
		opts.SinkTimeout = 30 * time.Second
	}
	if opts.QueueQuota <= 0 {
		opts.QueueQuota = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{opts: opts, log: opts.Logger, sessions: map[string]*session{}}
	if opts.Providers != nil {
		opts.Providers.log = opts.Logger
	}
	return s
}

// GRPCServerOptions returns the gRPC server options the native protocol
// needs (message sizes).
func GRPCServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage)}
}

// Register registers the service on a gRPC server.
func (s *Server) Register(g *grpc.Server) { pb.RegisterWbemServer(g, s) }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Sessions: s.sessionsN.Load(), Calls: s.calls.Load(), AsyncActive: s.asyncActive.Load(),
		Cancels: s.cancels.Load(), Cancelled: s.cancelled.Load(), Released: s.released.Load(),
		QueueDepth: s.queueDepth.Load(), QuotaHits: s.quotaHits.Load(),
	}
}

// Drain refuses new sessions and calls (WBEM_E_SHUTTING_DOWN); the calls
// already accepted go on.
func (s *Server) Drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing {
		s.closing = true
		s.idle = make(chan struct{})
		if s.asyncActive.Load() == 0 {
			close(s.idle)
		}
	}
}

// Shutdown drains the server, waits until every accepted asynchronous call
// has sent its final status (the object manager's shutdown ends them) or
// ctx is done, then ends every session. Stop the gRPC server after it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Drain()
	var err error
	select {
	case <-s.idle:
	case <-ctx.Done():
		err = status.Wrap(status.TimedOut, ctx.Err())
	}
	s.mu.Lock()
	sessions := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()
	for _, ss := range sessions {
		ss.close(status.ShuttingDown)
	}
	return err
}

func (s *Server) asyncDone() {
	if s.asyncActive.Add(-1) == 0 {
		s.mu.Lock()
		if s.closing {
			select {
			case <-s.idle:
			default:
				close(s.idle)
			}
		}
		s.mu.Unlock()
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

var errShuttingDown = status.New(status.ShuttingDown, "the server is shutting down")

// ---- sessions -------------------------------------------------------------------

type session struct {
	srv   *Server
	id    string
	ident Identity
	peer  string // the transport the session lives on

	mu       sync.Mutex
	handles  map[uint64]any
	svcIDs   map[wbem.Services]uint64
	next     uint64
	sinks    map[uint64]map[*proxySink]struct{}
	closed   bool
	attached bool
	done     chan struct{}
	why      status.Code
}

func peerKey(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return ""
	}
	k := ""
	if p.Addr != nil {
		k = p.Addr.Network() + ":" + p.Addr.String()
	}
	if pc, ok := p.AuthInfo.(PeerCred); ok {
		k += "/" + pc.String()
	}
	return k
}

// session returns the session a request names, checking that it comes over
// the transport the session was opened on.
func (s *Server) session(ctx context.Context) (*session, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	ids := md.Get(sessionKey)
	if len(ids) != 1 {
		return nil, grpcstatus.Error(codes.Unauthenticated, "no session")
	}
	s.mu.Lock()
	ss := s.sessions[ids[0]]
	s.mu.Unlock()
	if ss == nil || ss.peer != peerKey(ctx) {
		return nil, grpcstatus.Error(codes.NotFound, "no such session")
	}
	return ss, nil
}

func (ss *session) add(x any) uint64 {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		closeHandle(x)
		return 0
	}
	if svc, ok := x.(wbem.Services); ok {
		if id, ok := ss.svcIDs[svc]; ok {
			return id
		}
	}
	ss.next++
	ss.handles[ss.next] = x
	if svc, ok := x.(wbem.Services); ok {
		ss.svcIDs[svc] = ss.next
	}
	return ss.next
}

func (ss *session) get(id uint64) any {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.handles[id]
}

func (ss *session) release(id uint64) bool {
	ss.mu.Lock()
	x, ok := ss.handles[id]
	delete(ss.handles, id)
	if svc, isSvc := x.(wbem.Services); isSvc {
		delete(ss.svcIDs, svc)
	}
	ss.mu.Unlock()
	if ok {
		closeHandle(x)
	}
	return ok
}

func closeHandle(x any) {
	if c, ok := x.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

func (ss *session) addSink(id uint64, p *proxySink) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	m := ss.sinks[id]
	if m == nil {
		m = map[*proxySink]struct{}{}
		ss.sinks[id] = m
	}
	m[p] = struct{}{}
}

func (ss *session) removeSink(id uint64, p *proxySink) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if m := ss.sinks[id]; m != nil {
		delete(m, p)
		if len(m) == 0 {
			delete(ss.sinks, id)
		}
	}
}

func (ss *session) takeSink(id uint64) []*proxySink {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	m := ss.sinks[id]
	delete(ss.sinks, id)
	out := make([]*proxySink, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	return out
}

// close ends the session: every handle is released, so that the object
// manager cancels the session's pending calls (rule 7).
func (ss *session) close(why status.Code) {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return
	}
	ss.closed = true
	ss.why = why
	handles := ss.handles
	ss.handles = map[uint64]any{}
	ss.svcIDs = map[wbem.Services]uint64{}
	var proxies []*proxySink
	for _, m := range ss.sinks {
		for p := range m {
			proxies = append(proxies, p)
		}
	}
	ss.sinks = map[uint64]map[*proxySink]struct{}{}
	close(ss.done)
	ss.mu.Unlock()

	ss.srv.mu.Lock()
	delete(ss.srv.sessions, ss.id)
	ss.srv.mu.Unlock()
	ss.srv.sessionsN.Add(-1)

	// Cancel the pending calls first, each on its own Services, then
	// release the handles.
	for _, p := range proxies {
		if p.svc.CancelAsyncCall(p) == nil {
			ss.srv.released.Add(1)
		}
		p.abort()
	}
	for _, x := range handles {
		if _, ok := x.(wbem.Services); !ok {
			closeHandle(x)
		}
	}
	for _, x := range handles {
		if _, ok := x.(wbem.Services); ok {
			closeHandle(x)
		}
	}
	ss.srv.log.Debug("session closed", "session", ss.id[:8], "user", ss.ident.User, "why", why.Name())
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Connect authenticates the caller and opens a session.
func (s *Server) Connect(ctx context.Context, req *pb.ConnectRequest) (*pb.ConnectReply, error) {
	if s.isClosing() {
		return &pb.ConnectReply{Status: pbStatus(errShuttingDown)}, nil
	}
	id, err := s.opts.Authenticate(ctx, req.User, req.Password)
	if err != nil {
		s.log.Info("authentication failed", "peer", peerKey(ctx), "user", req.User, "err", err)
		return &pb.ConnectReply{Status: pbStatus(err)}, nil
	}
	svc, err := s.opts.Open(ctx, req.Namespace, id)
	if err != nil {
		return &pb.ConnectReply{Status: pbStatus(err)}, nil
	}
	ss := &session{srv: s, id: newID(), ident: id, peer: peerKey(ctx), handles: map[uint64]any{},
		svcIDs: map[wbem.Services]uint64{}, sinks: map[uint64]map[*proxySink]struct{}{}, done: make(chan struct{})}
	h := ss.add(svc)
	s.mu.Lock()
	s.sessions[ss.id] = ss
	s.mu.Unlock()
	s.sessionsN.Add(1)
	// A session whose client never holds its lifeline is dropped.
	time.AfterFunc(time.Minute, func() {
		ss.mu.Lock()
		orphan := !ss.attached
		ss.mu.Unlock()
		if orphan {
			ss.close(status.RPCDisconnected)
		}
	})
	s.log.Debug("session opened", "session", ss.id[:8], "user", id.User, "method", id.Method, "namespace", svc.Namespace())
	return &pb.ConnectReply{Session: ss.id, Services: h, Namespace: svc.Namespace(), User: id.User}, nil
}

// Session holds a session open for as long as the client keeps the stream.
func (s *Server) Session(_ *pb.SessionRequest, stream pb.Wbem_SessionServer) error {
	ss, err := s.session(stream.Context())
	if err != nil {
		return err
	}
	ss.mu.Lock()
	if ss.attached || ss.closed {
		ss.mu.Unlock()
		return grpcstatus.Error(codes.FailedPrecondition, "the session already has its lifeline")
	}
	ss.attached = true
	ss.mu.Unlock()
	select {
	case <-stream.Context().Done():
		ss.close(status.RPCDisconnected)
		return nil
	case <-ss.done:
		_ = stream.Send(&pb.SessionEvent{Event: &pb.SessionEvent_Bye{Bye: &pb.Bye{Code: uint32(ss.why)}}})
		return nil
	}
}

// ---- calls -------------------------------------------------------------------------

// eventSender is the sending side of a Call or Enum stream.
type eventSender interface{ Send(*pb.CallEvent) error }

func sendStatus(stream eventSender, err error) error {
	return stream.Send(&pb.CallEvent{Event: &pb.CallEvent_Status{Status: pbStatus(err)}})
}

// Call runs one IWbemServices method.
func (s *Server) Call(stream pb.Wbem_CallServer) error {
	ss, err := s.session(stream.Context())
	if err != nil {
		return err
	}
	req, err := stream.Recv()
	if err != nil {
		return err
	}
	if s.isClosing() {
		return sendStatus(stream, errShuttingDown)
	}
	svc, ok := ss.get(req.Services).(wbem.Services)
	if !ok {
		return sendStatus(stream, status.New(status.InvalidParameter, "no such Services handle"))
	}
	s.calls.Add(1)
	ctx := stream.Context()
	wctx, err := DecodeContext(req.Context)
	if err != nil {
		return sendStatus(stream, err)
	}
	var (
		obj  cim.Object
		inst *cim.Instance
		cls  *cim.Class
	)
	if len(req.Object) > 0 {
		if obj, err = DecodeObject(req.Object); err != nil {
			return sendStatus(stream, err)
		}
		inst, _ = obj.(*cim.Instance)
		cls, _ = obj.(*cim.Class)
	}
	flags := wbem.Flags(req.Flags)
	m := wbem.Method(req.Method)
	switch req.Mode {
	case pb.Mode_ASYNC:
		return s.asyncCall(ss, svc, req, stream, m, flags, wctx, cls, inst)
	case pb.Mode_SEMISYNC:
		return s.semisyncCall(ctx, ss, svc, req, stream, m, flags, wctx, cls, inst)
	}
	return s.syncCall(ctx, ss, svc, req, stream, m, flags, wctx, cls, inst)
}

func sendObjects(stream eventSender, enc *Encoder, objs ...cim.Object) error {
	for len(objs) > 0 {
		n := min(len(objs), 1024)
		b, err := enc.Encode(objs[:n])
		if err != nil {
			return err
		}
		if err := stream.Send(&pb.CallEvent{Event: &pb.CallEvent_Indicate{Indicate: b}}); err != nil {
			return err
		}
		objs = objs[n:]
	}
	return nil
}

func (s *Server) syncCall(ctx context.Context, ss *session, svc wbem.Services, req *pb.CallRequest, stream pb.Wbem_CallServer,
	m wbem.Method, flags wbem.Flags, wctx *wbem.Context, cls *cim.Class, inst *cim.Instance) error {
	enc := NewEncoder()
	var (
		err    error
		result cim.Object
		param  string
		handle uint64
		ns     string
		en     wbem.Enumerator
	)
	switch m {
	case wbem.MethodOpenNamespace:
		var child wbem.Services
		if child, err = svc.OpenNamespace(ctx, req.Path, flags, wctx); err == nil {
			handle, ns = ss.add(child), child.Namespace()
		}
	case wbem.MethodGetObject:
		result, err = svc.GetObject(ctx, req.Path, flags, wctx)
	case wbem.MethodPutClass:
		err = svc.PutClass(ctx, cls, flags, wctx)
	case wbem.MethodDeleteClass:
		err = svc.DeleteClass(ctx, req.Path, flags, wctx)
	case wbem.MethodPutInstance:
		param, err = svc.PutInstance(ctx, inst, flags, wctx)
	case wbem.MethodDeleteInstance:
		err = svc.DeleteInstance(ctx, req.Path, flags, wctx)
	case wbem.MethodExecMethod:
		var out *cim.Instance
		if out, err = svc.ExecMethod(ctx, req.Path, req.MethodName, flags, wctx, inst); out != nil {
			result = out
		}
	case wbem.MethodCreateClassEnum:
		en, err = svc.CreateClassEnum(ctx, req.Path, flags, wctx)
	case wbem.MethodCreateInstanceEnum:
		en, err = svc.CreateInstanceEnum(ctx, req.Path, flags, wctx)
	case wbem.MethodExecQuery:
		en, err = svc.ExecQuery(ctx, req.Language, req.Query, flags, wctx)
	case wbem.MethodExecNotificationQuery:
		en, err = svc.ExecNotificationQuery(ctx, req.Language, req.Query, flags, wctx)
	case wbem.MethodQueryObjectSink:
		var sink wbem.Sink
		if sink, err = svc.QueryObjectSink(ctx, flags); err == nil {
			handle = ss.add(sink)
		}
	default:
		err = status.Errorf(status.InvalidParameter, "unknown method %d", req.Method)
	}
	if en != nil {
		// A synchronous enumeration: every object, then the outcome.
		defer en.Close()
		for {
			objs, nerr := en.Next(ctx, wbem.Infinite, 1024)
			if serr := sendObjects(stream, enc, objs...); serr != nil {
				return serr
			}
			if nerr != nil {
				if status.CodeOf(nerr) != status.SFalse {
					err = nerr
				}
				break
			}
		}
	}
	if err == nil && result != nil {
		if serr := sendObjects(stream, enc, result); serr != nil {
			return serr
		}
	}
	st := pbStatus(err)
	st.Param, st.Handle, st.Namespace = param, handle, ns
	return stream.Send(&pb.CallEvent{Event: &pb.CallEvent_Status{Status: st}})
}

func (s *Server) semisyncCall(ctx context.Context, ss *session, svc wbem.Services, req *pb.CallRequest, stream pb.Wbem_CallServer,
	m wbem.Method, flags wbem.Flags, wctx *wbem.Context, cls *cim.Class, inst *cim.Instance) error {
	var (
		h   any
		err error
	)
	switch m {
	case wbem.MethodOpenNamespace:
		h, err = svc.OpenNamespaceCall(ctx, req.Path, flags, wctx)
	case wbem.MethodGetObject:
		h, err = svc.GetObjectCall(ctx, req.Path, flags, wctx)
	case wbem.MethodPutClass:
		h, err = svc.PutClassCall(ctx, cls, flags, wctx)
	case wbem.MethodDeleteClass:
		h, err = svc.DeleteClassCall(ctx, req.Path, flags, wctx)
	case wbem.MethodPutInstance:
		h, err = svc.PutInstanceCall(ctx, inst, flags, wctx)
	case wbem.MethodDeleteInstance:
		h, err = svc.DeleteInstanceCall(ctx, req.Path, flags, wctx)
	case wbem.MethodExecMethod:
		h, err = svc.ExecMethodCall(ctx, req.Path, req.MethodName, flags, wctx, inst)
	case wbem.MethodCreateClassEnum:
		h, err = svc.CreateClassEnum(ctx, req.Path, flags, wctx)
	case wbem.MethodCreateInstanceEnum:
		h, err = svc.CreateInstanceEnum(ctx, req.Path, flags, wctx)
	case wbem.MethodExecQuery:
		h, err = svc.ExecQuery(ctx, req.Language, req.Query, flags, wctx)
	case wbem.MethodExecNotificationQuery:
		h, err = svc.ExecNotificationQuery(ctx, req.Language, req.Query, flags, wctx)
	default:
		err = status.Errorf(status.InvalidParameter, "%s has no semisynchronous form", m)
	}
	if err != nil {
		return sendStatus(stream, err)
	}
	id := ss.add(h)
	if id == 0 {
		return sendStatus(stream, status.New(status.RPCDisconnected, "the session is closed"))
	}
	if err := stream.Send(&pb.CallEvent{Event: &pb.CallEvent_Accepted{Accepted: &pb.Accepted{Handle: id}}}); err != nil {
		ss.release(id)
		return err
	}
	return nil
}

func (s *Server) asyncCall(ss *session, svc wbem.Services, req *pb.CallRequest, stream pb.Wbem_CallServer,
	m wbem.Method, flags wbem.Flags, wctx *wbem.Context, cls *cim.Class, inst *cim.Instance) error {
	ctx := stream.Context()
	p := s.newProxy(svc)
	p.sinkID, p.sess = req.Sink, ss
	ss.addSink(req.Sink, p)
	var err error
	switch m {
	case wbem.MethodGetObject:
		err = svc.GetObjectAsync(ctx, req.Path, flags, wctx, p)
	case wbem.MethodPutClass:
		err = svc.PutClassAsync(ctx, cls, flags, wctx, p)
	case wbem.MethodDeleteClass:
		err = svc.DeleteClassAsync(ctx, req.Path, flags, wctx, p)
	case wbem.MethodPutInstance:
		err = svc.PutInstanceAsync(ctx, inst, flags, wctx, p)
	case wbem.MethodDeleteInstance:
		err = svc.DeleteInstanceAsync(ctx, req.Path, flags, wctx, p)
	case wbem.MethodExecMethod:
		err = svc.ExecMethodAsync(ctx, req.Path, req.MethodName, flags, wctx, inst, p)
	case wbem.MethodCreateClassEnum:
		err = svc.CreateClassEnumAsync(ctx, req.Path, flags, wctx, p)
	case wbem.MethodCreateInstanceEnum:
		err = svc.CreateInstanceEnumAsync(ctx, req.Path, flags, wctx, p)
	case wbem.MethodExecQuery:
		err = svc.ExecQueryAsync(ctx, req.Language, req.Query, flags, wctx, p)
	case wbem.MethodExecNotificationQuery:
		err = svc.ExecNotificationQueryAsync(ctx, req.Language, req.Query, flags, wctx, p)
	default:
		err = status.Errorf(status.InvalidParameter, "%s has no asynchronous form", m)
	}
	if err != nil {
		ss.removeSink(req.Sink, p)
		return sendStatus(stream, err)
	}
	s.asyncActive.Add(1)
	defer s.asyncDone()
	// The client's credits come on the same stream.
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				return
			}
			p.credit(int(m.Credit))
		}
	}()
	if err := stream.Send(&pb.CallEvent{Event: &pb.CallEvent_Accepted{Accepted: &pb.Accepted{}}}); err != nil {
		s.releaseCall(ss, req.Sink, p)
		return err
	}
	if err := p.pump(ctx, stream); err != nil {
		// The client closed the stream or went away: releasing the sink
		// is a cancel (rule 7).
		s.releaseCall(ss, req.Sink, p)
		return err
	}
	return nil
}

func (s *Server) releaseCall(ss *session, sinkID uint64, p *proxySink) {
	ss.removeSink(sinkID, p)
	if p.svc.CancelAsyncCall(p) == nil {
		s.released.Add(1)
	}
	p.abort()
}

// CancelAsyncCall cancels every pending call of a sink in the session.
func (s *Server) CancelAsyncCall(ctx context.Context, req *pb.CancelRequest) (*pb.CancelReply, error) {
	ss, err := s.session(ctx)
	if err != nil {
		return nil, err
	}
	s.cancels.Add(1)
	n := 0
	for _, p := range ss.takeSink(req.Sink) {
		if p.svc.CancelAsyncCall(p) == nil {
			n++
		}
		p.abort()
	}
	s.cancelled.Add(int64(n))
	if n == 0 {
		return &pb.CancelReply{Status: pbStatus(&status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::CancelAsyncCall",
			Description: "the sink has no pending call on this connection"})}, nil
	}
	return &pb.CancelReply{Cancelled: uint32(n), Status: &pb.Status{}}, nil
}

// ---- enumerators and call results -------------------------------------------------

// Enum drives a semisynchronous Enumerator.
func (s *Server) Enum(req *pb.EnumRequest, stream pb.Wbem_EnumServer) error {
	ss, err := s.session(stream.Context())
	if err != nil {
		return err
	}
	en, ok := ss.get(req.Handle).(wbem.Enumerator)
	if !ok {
		return sendStatus(stream, status.New(status.InvalidParameter, "no such enumerator"))
	}
	ctx := stream.Context()
	switch req.Op {
	case pb.EnumOp_NEXT:
		objs, err := en.Next(ctx, fromMS(req.TimeoutMs), int(req.Count))
		if serr := sendObjects(stream, NewEncoder(), objs...); serr != nil {
			return serr
		}
		return sendStatus(stream, err)
	case pb.EnumOp_SKIP:
		return sendStatus(stream, en.Skip(ctx, fromMS(req.TimeoutMs), int(req.Count)))
	case pb.EnumOp_RESET:
		return sendStatus(stream, en.Reset())
	case pb.EnumOp_CLONE:
		c, err := en.Clone()
		if err != nil {
			return sendStatus(stream, err)
		}
		return stream.Send(&pb.CallEvent{Event: &pb.CallEvent_Status{Status: &pb.Status{Handle: ss.add(c)}}})
	case pb.EnumOp_NEXT_ASYNC:
		p := s.newProxy(nil)
		p.noCredit = true
		if err := en.NextAsync(ctx, int(req.Count), p); err != nil {
			return sendStatus(stream, err)
		}
		if err := stream.Send(&pb.CallEvent{Event: &pb.CallEvent_Accepted{Accepted: &pb.Accepted{}}}); err != nil {
			p.abort()
			return err
		}
		if err := p.pump(ctx, stream); err != nil {
			p.abort()
			return err
		}
		return nil
	}
	return sendStatus(stream, status.New(status.InvalidParameter, "unknown enumerator operation"))
}

// Result drives a semisynchronous CallResult.
func (s *Server) Result(ctx context.Context, req *pb.ResultRequest) (*pb.ResultReply, error) {
	ss, err := s.session(ctx)
	if err != nil {
		return nil, err
	}
	r, ok := ss.get(req.Handle).(wbem.CallResult)
	if !ok {
		return &pb.ResultReply{Status: pbStatus(status.New(status.InvalidParameter, "no such call result"))}, nil
	}
	timeout := fromMS(req.TimeoutMs)
	switch req.Op {
	case pb.ResultOp_GET_RESULT_OBJECT:
		o, err := r.GetResultObject(ctx, timeout)
		if err != nil {
			return &pb.ResultReply{Status: pbStatus(err)}, nil
		}
		b, err := EncodeObject(o)
		return &pb.ResultReply{Status: pbStatus(err), Object: b}, nil
	case pb.ResultOp_GET_RESULT_STRING:
		str, err := r.GetResultString(ctx, timeout)
		st := pbStatus(err)
		st.Param = str
		return &pb.ResultReply{Status: st}, nil
	case pb.ResultOp_GET_RESULT_SERVICES:
		svc, err := r.GetResultServices(ctx, timeout)
		st := pbStatus(err)
		if err == nil && svc != nil {
			st.Handle, st.Namespace = ss.add(svc), svc.Namespace()
		}
		return &pb.ResultReply{Status: st}, nil
	case pb.ResultOp_GET_CALL_STATUS:
		code, err := r.GetCallStatus(ctx, timeout)
		return &pb.ResultReply{Status: pbStatus(err), CallStatus: uint32(code)}, nil
	}
	return &pb.ResultReply{Status: pbStatus(status.New(status.InvalidParameter, "unknown call result operation"))}, nil
}

// Release closes a handle.
func (s *Server) Release(ctx context.Context, req *pb.ReleaseRequest) (*pb.ReleaseReply, error) {
	ss, err := s.session(ctx)
	if err != nil {
		return nil, err
	}
	if !ss.release(req.Handle) {
		return &pb.ReleaseReply{Status: pbStatus(status.New(status.InvalidParameter, "no such handle"))}, nil
	}
	return &pb.ReleaseReply{Status: &pb.Status{}}, nil
}

// SinkCall calls a sink that QueryObjectSink returned.
func (s *Server) SinkCall(ctx context.Context, req *pb.SinkCallRequest) (*pb.ReleaseReply, error) {
	ss, err := s.session(ctx)
	if err != nil {
		return nil, err
	}
	sink, ok := ss.get(req.Handle).(wbem.Sink)
	if !ok {
		return &pb.ReleaseReply{Status: pbStatus(status.New(status.InvalidParameter, "no such sink"))}, nil
	}
	if req.Status != nil {
		var obj cim.Object
		if obj, err = DecodeObject(req.Status.Object); err == nil {
			err = sink.SetStatus(wbem.StatusFlags(req.Status.Flags), status.Code(req.Status.Hr), req.Status.Param, obj)
		}
		return &pb.ReleaseReply{Status: pbStatus(err)}, nil
	}
	objs, err := NewDecoder().Decode(req.Indicate)
	if err == nil {
		err = sink.Indicate(objs)
	}
	return &pb.ReleaseReply{Status: pbStatus(err)}, nil
}
