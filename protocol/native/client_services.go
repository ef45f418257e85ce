package native

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// services is a remote Services: a handle in the client's session.
type services struct {
	c      *client
	handle uint64
	ns     string
	closed atomic.Bool
}

var _ wbem.Services = (*services)(nil)

func (s *services) Namespace() string { return s.ns }

func (s *services) check() error {
	if s.closed.Load() {
		return status.New(status.InvalidOperation, "the Services was closed")
	}
	return s.c.check()
}

func (s *services) ctx(ctx context.Context) context.Context {
	return metadata.NewOutgoingContext(ctx, s.c.md)
}

// Close releases the Services; the last one of the session ends it.
func (s *services) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.c.check() == nil {
		ctx, cancel := context.WithTimeout(s.c.ctx, 10*time.Second)
		_, _ = s.c.api.Release(ctx, &pb.ReleaseRequest{Handle: s.handle})
		cancel()
	}
	s.c.release()
	return nil
}

func (s *services) request(m wbem.Method, mode pb.Mode, flags wbem.Flags, wctx *wbem.Context) (*pb.CallRequest, error) {
	b, err := EncodeContext(wctx)
	if err != nil {
		return nil, err
	}
	return &pb.CallRequest{Services: s.handle, Method: pb.Method(m), Mode: mode, Flags: int32(flags), Context: b}, nil
}

// call runs a synchronous call: its objects and its final status.
func (s *services) call(ctx context.Context, req *pb.CallRequest) ([]cim.Object, *pb.Status, error) {
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	stream, err := s.c.openCall(s.ctx(ctx), req, true)
	if err != nil {
		return nil, nil, s.c.rpcErr(err)
	}
	dec := NewDecoder()
	var objs []cim.Object
	for {
		ev, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, status.Wrap(status.CallCancelled, ctx.Err())
			}
			return nil, nil, s.c.rpcErr(err)
		}
		switch e := ev.Event.(type) {
		case *pb.CallEvent_Indicate:
			// The message is new from Recv: its strings need no copy.
			if objs, err = dec.AppendDecodeOwned(objs, e.Indicate); err != nil {
				return nil, nil, err
			}
		case *pb.CallEvent_Status:
			return objs, e.Status, statusErr(e.Status)
		case *pb.CallEvent_Accepted:
			return nil, nil, status.New(status.RPCServerFault, "the server accepted a synchronous call")
		}
	}
}

// semisync starts a semisynchronous call and returns its handle.
func (s *services) semisync(ctx context.Context, req *pb.CallRequest) (uint64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	stream, err := s.c.openCall(s.ctx(ctx), req, true)
	if err != nil {
		return 0, s.c.rpcErr(err)
	}
	ev, err := stream.Recv()
	if err != nil {
		return 0, s.c.rpcErr(err)
	}
	if a := ev.GetAccepted(); a != nil {
		return a.Handle, nil
	}
	if err := statusErr(ev.GetStatus()); err != nil {
		return 0, err
	}
	return 0, status.New(status.RPCServerFault, "the server did not accept the semisynchronous call")
}

func (s *services) async(ctx context.Context, req *pb.CallRequest, sink wbem.Sink) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.c.startAsync(ctx, sink, true, func(sctx context.Context, sid uint64) (eventStream, error) {
		req.Sink = sid
		return s.c.openCall(sctx, req, false)
	})
}

func (s *services) child(st *pb.Status) *services {
	s.c.addRef()
	return &services{c: s.c, handle: st.Handle, ns: st.Namespace}
}

func one(objs []cim.Object) cim.Object {
	if len(objs) == 0 {
		return nil
	}
	return objs[0]
}

// --- the methods -----------------------------------------------------------------

func (s *services) OpenNamespace(ctx context.Context, namespace string, flags wbem.Flags, wctx *wbem.Context) (wbem.Services, error) {
	req, err := s.request(wbem.MethodOpenNamespace, pb.Mode_SYNC, flags, wctx)
	if err != nil {
		return nil, err
	}
	req.Path = namespace
	_, st, err := s.call(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.child(st), nil
}

func (s *services) OpenNamespaceCall(ctx context.Context, namespace string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	req, err := s.request(wbem.MethodOpenNamespace, pb.Mode_SEMISYNC, flags, wctx)
	if err != nil {
		return nil, err
	}
	req.Path = namespace
	return s.callResult(ctx, req)
}

func (s *services) callResult(ctx context.Context, req *pb.CallRequest) (wbem.CallResult, error) {
	h, err := s.semisync(ctx, req)
	if err != nil {
		return nil, err
	}
	return &callResult{s: s, handle: h}, nil
}

func (s *services) enumerator(ctx context.Context, req *pb.CallRequest, flags wbem.Flags) (wbem.Enumerator, error) {
	if flags&wbem.FlagReturnImmediately != 0 {
		req.Mode = pb.Mode_SEMISYNC
		h, err := s.semisync(ctx, req)
		if err != nil {
			return nil, err
		}
		return &enumerator{s: s, handle: h}, nil
	}
	objs, _, err := s.call(ctx, req)
	if err != nil {
		return nil, err
	}
	return newSliceEnum(objs, flags&wbem.FlagForwardOnly != 0), nil
}

func (s *services) CancelAsyncCall(sink wbem.Sink) error {
	if s.closed.Load() {
		return status.New(status.InvalidOperation, "the Services was closed")
	}
	return s.c.cancelSink(sink)
}

func (s *services) QueryObjectSink(ctx context.Context, flags wbem.Flags) (wbem.Sink, error) {
	req, err := s.request(wbem.MethodQueryObjectSink, pb.Mode_SYNC, flags, nil)
	if err != nil {
		return nil, err
	}
	_, st, err := s.call(ctx, req)
	if err != nil {
		return nil, err
	}
	return &remoteSink{s: s, handle: st.Handle}, nil
}

func (s *services) GetObject(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) (cim.Object, error) {
	req, err := s.request(wbem.MethodGetObject, pb.Mode_SYNC, flags, wctx)
	if err != nil {
		return nil, err
	}
	req.Path = path
	objs, _, err := s.call(ctx, req)
	if err != nil {
		return nil, err
	}
	return one(objs), nil
}

func (s *services) GetObjectCall(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	req, err := s.request(wbem.MethodGetObject, pb.Mode_SEMISYNC, flags, wctx)
	if err != nil {
		return nil, err
	}
	req.Path = path
	return s.callResult(ctx, req)
}

func (s *services) GetObjectAsync(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.request(wbem.MethodGetObject, pb.Mode_ASYNC, flags, wctx)
	if err != nil {
		return err
	}
	req.Path = path
	return s.async(ctx, req, sink)
}

func (s *services) classReq(m wbem.Method, mode pb.Mode, class *cim.Class, flags wbem.Flags, wctx *wbem.Context) (*pb.CallRequest, error) {
	req, err := s.request(m, mode, flags, wctx)
	if err != nil {
		return nil, err
	}
	if class == nil {
		return nil, status.New(status.InvalidParameter, "no class given")
	}
	if req.Object, err = EncodeObject(class); err != nil {
		return nil, err
	}
	return req, nil
}

func (s *services) PutClass(ctx context.Context, class *cim.Class, flags wbem.Flags, wctx *wbem.Context) error {
	req, err := s.classReq(wbem.MethodPutClass, pb.Mode_SYNC, class, flags, wctx)
	if err != nil {
		return err
	}
	_, _, err = s.call(ctx, req)
	return err
}

func (s *services) PutClassCall(ctx context.Context, class *cim.Class, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	req, err := s.classReq(wbem.MethodPutClass, pb.Mode_SEMISYNC, class, flags, wctx)
	if err != nil {
		return nil, err
	}
	return s.callResult(ctx, req)
}

func (s *services) PutClassAsync(ctx context.Context, class *cim.Class, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.classReq(wbem.MethodPutClass, pb.Mode_ASYNC, class, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) pathReq(m wbem.Method, mode pb.Mode, path string, flags wbem.Flags, wctx *wbem.Context) (*pb.CallRequest, error) {
	req, err := s.request(m, mode, flags, wctx)
	if err != nil {
		return nil, err
	}
	req.Path = path
	return req, nil
}

func (s *services) DeleteClass(ctx context.Context, class string, flags wbem.Flags, wctx *wbem.Context) error {
	req, err := s.pathReq(wbem.MethodDeleteClass, pb.Mode_SYNC, class, flags, wctx)
	if err != nil {
		return err
	}
	_, _, err = s.call(ctx, req)
	return err
}

func (s *services) DeleteClassCall(ctx context.Context, class string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	req, err := s.pathReq(wbem.MethodDeleteClass, pb.Mode_SEMISYNC, class, flags, wctx)
	if err != nil {
		return nil, err
	}
	return s.callResult(ctx, req)
}

func (s *services) DeleteClassAsync(ctx context.Context, class string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.pathReq(wbem.MethodDeleteClass, pb.Mode_ASYNC, class, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) CreateClassEnum(ctx context.Context, superclass string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	req, err := s.pathReq(wbem.MethodCreateClassEnum, pb.Mode_SYNC, superclass, flags, wctx)
	if err != nil {
		return nil, err
	}
	return s.enumerator(ctx, req, flags)
}

func (s *services) CreateClassEnumAsync(ctx context.Context, superclass string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.pathReq(wbem.MethodCreateClassEnum, pb.Mode_ASYNC, superclass, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) instReq(m wbem.Method, mode pb.Mode, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context) (*pb.CallRequest, error) {
	req, err := s.request(m, mode, flags, wctx)
	if err != nil {
		return nil, err
	}
	if req.Object, err = encodeInstance(inst); err != nil {
		return nil, err
	}
	return req, nil
}

func (s *services) PutInstance(ctx context.Context, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context) (string, error) {
	if inst == nil {
		return "", status.New(status.InvalidParameter, "no instance given")
	}
	req, err := s.instReq(wbem.MethodPutInstance, pb.Mode_SYNC, inst, flags, wctx)
	if err != nil {
		return "", err
	}
	_, st, err := s.call(ctx, req)
	if err != nil {
		return "", err
	}
	return st.Param, nil
}

func (s *services) PutInstanceCall(ctx context.Context, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	if inst == nil {
		return nil, status.New(status.InvalidParameter, "no instance given")
	}
	req, err := s.instReq(wbem.MethodPutInstance, pb.Mode_SEMISYNC, inst, flags, wctx)
	if err != nil {
		return nil, err
	}
	return s.callResult(ctx, req)
}

func (s *services) PutInstanceAsync(ctx context.Context, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	if inst == nil {
		return status.New(status.InvalidParameter, "no instance given")
	}
	req, err := s.instReq(wbem.MethodPutInstance, pb.Mode_ASYNC, inst, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) DeleteInstance(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) error {
	req, err := s.pathReq(wbem.MethodDeleteInstance, pb.Mode_SYNC, path, flags, wctx)
	if err != nil {
		return err
	}
	_, _, err = s.call(ctx, req)
	return err
}

func (s *services) DeleteInstanceCall(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	req, err := s.pathReq(wbem.MethodDeleteInstance, pb.Mode_SEMISYNC, path, flags, wctx)
	if err != nil {
		return nil, err
	}
	return s.callResult(ctx, req)
}

func (s *services) DeleteInstanceAsync(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.pathReq(wbem.MethodDeleteInstance, pb.Mode_ASYNC, path, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) CreateInstanceEnum(ctx context.Context, class string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	req, err := s.pathReq(wbem.MethodCreateInstanceEnum, pb.Mode_SYNC, class, flags, wctx)
	if err != nil {
		return nil, err
	}
	return s.enumerator(ctx, req, flags)
}

func (s *services) CreateInstanceEnumAsync(ctx context.Context, class string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.pathReq(wbem.MethodCreateInstanceEnum, pb.Mode_ASYNC, class, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) queryReq(m wbem.Method, mode pb.Mode, language, query string, flags wbem.Flags, wctx *wbem.Context) (*pb.CallRequest, error) {
	req, err := s.request(m, mode, flags, wctx)
	if err != nil {
		return nil, err
	}
	req.Language, req.Query = language, query
	return req, nil
}

func (s *services) ExecQuery(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	req, err := s.queryReq(wbem.MethodExecQuery, pb.Mode_SYNC, language, query, flags, wctx)
	if err != nil {
		return nil, err
	}
	return s.enumerator(ctx, req, flags)
}

func (s *services) ExecQueryAsync(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.queryReq(wbem.MethodExecQuery, pb.Mode_ASYNC, language, query, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) ExecNotificationQuery(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	req, err := s.queryReq(wbem.MethodExecNotificationQuery, pb.Mode_SYNC, language, query, flags, wctx)
	if err != nil {
		return nil, err
	}
	if flags&wbem.FlagReturnImmediately == 0 {
		// No synchronous form: the server refuses it with WMI's code.
		_, _, err := s.call(ctx, req)
		if err == nil {
			err = status.New(status.InvalidParameter, "ExecNotificationQuery has no synchronous form")
		}
		return nil, err
	}
	return s.enumerator(ctx, req, flags)
}

func (s *services) ExecNotificationQueryAsync(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	req, err := s.queryReq(wbem.MethodExecNotificationQuery, pb.Mode_ASYNC, language, query, flags, wctx)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

func (s *services) methodReq(mode pb.Mode, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance) (*pb.CallRequest, error) {
	req, err := s.instReq(wbem.MethodExecMethod, mode, in, flags, wctx)
	if err != nil {
		return nil, err
	}
	req.Path, req.MethodName = path, method
	return req, nil
}

func (s *services) ExecMethod(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance) (*cim.Instance, error) {
	req, err := s.methodReq(pb.Mode_SYNC, path, method, flags, wctx, in)
	if err != nil {
		return nil, err
	}
	objs, _, err := s.call(ctx, req)
	if err != nil {
		return nil, err
	}
	out, _ := one(objs).(*cim.Instance)
	return out, nil
}

func (s *services) ExecMethodCall(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance) (wbem.CallResult, error) {
	req, err := s.methodReq(pb.Mode_SEMISYNC, path, method, flags, wctx, in)
	if err != nil {
		return nil, err
	}
	return s.callResult(ctx, req)
}

func (s *services) ExecMethodAsync(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance, sink wbem.Sink) error {
	req, err := s.methodReq(pb.Mode_ASYNC, path, method, flags, wctx, in)
	if err != nil {
		return err
	}
	return s.async(ctx, req, sink)
}

// ---- a remote Enumerator ----------------------------------------------------------

type enumerator struct {
	s      *services
	handle uint64
	closed atomic.Bool
}

var errEnumClosed = status.New(status.InvalidOperation, "the enumerator is closed")

func (e *enumerator) do(ctx context.Context, req *pb.EnumRequest) ([]cim.Object, *pb.Status, error) {
	if e.closed.Load() {
		return nil, nil, errEnumClosed
	}
	if err := e.s.c.check(); err != nil {
		return nil, nil, err
	}
	req.Handle = e.handle
	stream, err := e.s.c.api.Enum(e.s.ctx(ctx), req)
	if err != nil {
		return nil, nil, e.s.c.rpcErr(err)
	}
	dec := NewDecoder()
	var objs []cim.Object
	for {
		ev, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return objs, nil, status.Wrap(status.CallCancelled, ctx.Err())
			}
			return objs, nil, e.s.c.rpcErr(err)
		}
		switch x := ev.Event.(type) {
		case *pb.CallEvent_Indicate:
			o, err := dec.AppendDecodeOwned(objs, x.Indicate) // new from Recv
			if err != nil {
				return objs, nil, err
			}
			objs = o
		case *pb.CallEvent_Status:
			return objs, x.Status, statusErr(x.Status)
		default:
			return objs, nil, status.New(status.RPCServerFault, "unexpected event")
		}
	}
}

func (e *enumerator) Next(ctx context.Context, timeout time.Duration, n int) ([]cim.Object, error) {
	objs, _, err := e.do(ctx, &pb.EnumRequest{Op: pb.EnumOp_NEXT, TimeoutMs: timeoutMS(timeout), Count: int32(min(n, 1<<30))})
	return objs, err
}

func (e *enumerator) NextAsync(ctx context.Context, n int, sink wbem.Sink) error {
	if e.closed.Load() {
		return errEnumClosed
	}
	return e.s.c.startAsync(ctx, sink, false, func(sctx context.Context, _ uint64) (eventStream, error) {
		return e.s.c.api.Enum(sctx, &pb.EnumRequest{Handle: e.handle, Op: pb.EnumOp_NEXT_ASYNC, Count: int32(min(n, 1<<30))})
	})
}

func (e *enumerator) Skip(ctx context.Context, timeout time.Duration, n int) error {
	_, _, err := e.do(ctx, &pb.EnumRequest{Op: pb.EnumOp_SKIP, TimeoutMs: timeoutMS(timeout), Count: int32(min(n, 1<<30))})
	return err
}

func (e *enumerator) Reset() error {
	_, _, err := e.do(context.Background(), &pb.EnumRequest{Op: pb.EnumOp_RESET})
	return err
}

func (e *enumerator) Clone() (wbem.Enumerator, error) {
	_, st, err := e.do(context.Background(), &pb.EnumRequest{Op: pb.EnumOp_CLONE})
	if err != nil {
		return nil, err
	}
	return &enumerator{s: e.s, handle: st.Handle}, nil
}

func (e *enumerator) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	if e.s.c.check() == nil {
		ctx, cancel := context.WithTimeout(e.s.c.ctx, 10*time.Second)
		_, _ = e.s.c.api.Release(ctx, &pb.ReleaseRequest{Handle: e.handle})
		cancel()
	}
	return nil
}

// ---- a remote CallResult ------------------------------------------------------------

type callResult struct {
	s      *services
	handle uint64
	closed atomic.Bool

	mu  sync.Mutex
	svc wbem.Services // GetResultServices' result, once
}

func (r *callResult) get(ctx context.Context, op pb.ResultOp, timeout time.Duration) (*pb.ResultReply, error) {
	if r.closed.Load() {
		return nil, status.New(status.InvalidOperation, "the call result is closed")
	}
	if err := r.s.c.check(); err != nil {
		return nil, err
	}
	rep, err := r.s.c.api.Result(r.s.ctx(ctx), &pb.ResultRequest{Handle: r.handle, Op: op, TimeoutMs: timeoutMS(timeout)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, status.Wrap(status.CallCancelled, ctx.Err())
		}
		return nil, r.s.c.rpcErr(err)
	}
	return rep, statusErr(rep.Status)
}

func (r *callResult) GetResultObject(ctx context.Context, timeout time.Duration) (cim.Object, error) {
	rep, err := r.get(ctx, pb.ResultOp_GET_RESULT_OBJECT, timeout)
	if err != nil {
		return nil, err
	}
	return DecodeObject(rep.Object)
}

func (r *callResult) GetResultString(ctx context.Context, timeout time.Duration) (string, error) {
	rep, err := r.get(ctx, pb.ResultOp_GET_RESULT_STRING, timeout)
	if err != nil {
		return "", err
	}
	return rep.Status.Param, nil
}

func (r *callResult) GetResultServices(ctx context.Context, timeout time.Duration) (wbem.Services, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.svc != nil {
		return r.svc, nil
	}
	rep, err := r.get(ctx, pb.ResultOp_GET_RESULT_SERVICES, timeout)
	if err != nil {
		return nil, err
	}
	r.svc = r.s.child(rep.Status)
	return r.svc, nil
}

func (r *callResult) GetCallStatus(ctx context.Context, timeout time.Duration) (status.Code, error) {
	rep, err := r.get(ctx, pb.ResultOp_GET_CALL_STATUS, timeout)
	if err != nil {
		return 0, err
	}
	return status.Code(rep.CallStatus), nil
}

func (r *callResult) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	if r.s.c.check() == nil {
		ctx, cancel := context.WithTimeout(r.s.c.ctx, 10*time.Second)
		_, _ = r.s.c.api.Release(ctx, &pb.ReleaseRequest{Handle: r.handle})
		cancel()
	}
	return nil
}

// ---- QueryObjectSink's sink ------------------------------------------------------------

type remoteSink struct {
	s      *services
	handle uint64
}

func (k *remoteSink) Indicate(objs []cim.Object) error {
	b, err := NewEncoder().Encode(objs)
	if err != nil {
		return err
	}
	rep, err := k.s.c.api.SinkCall(k.s.ctx(k.s.c.ctx), &pb.SinkCallRequest{Handle: k.handle, Indicate: b})
	if err != nil {
		return k.s.c.rpcErr(err)
	}
	return statusErr(rep.Status)
}

func (k *remoteSink) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	b, err := EncodeObject(obj)
	if err != nil {
		return err
	}
	rep, err := k.s.c.api.SinkCall(k.s.ctx(k.s.c.ctx), &pb.SinkCallRequest{Handle: k.handle,
		Status: &pb.Status{Flags: int32(flags), Hr: uint32(hr), Param: param, Object: b}})
	if err != nil {
		return k.s.c.rpcErr(err)
	}
	return statusErr(rep.Status)
}

// ---- a local Enumerator over a synchronous call's result ---------------------------------

type sliceShared struct {
	objs []cim.Object
}

type sliceEnum struct {
	sh          *sliceShared
	pos         int
	forwardOnly bool
	closed      bool
}

func newSliceEnum(objs []cim.Object, forwardOnly bool) *sliceEnum {
	return &sliceEnum{sh: &sliceShared{objs: objs}, forwardOnly: forwardOnly}
}

func (e *sliceEnum) take(n int) ([]cim.Object, error) {
	if e.closed {
		return nil, errEnumClosed
	}
	if n < 0 {
		return nil, status.New(status.InvalidParameter, "Next needs a count of at least 0")
	}
	if n == 0 {
		return nil, &status.Error{Code: status.SFalse}
	}
	k := min(n, len(e.sh.objs)-e.pos)
	got := append([]cim.Object(nil), e.sh.objs[e.pos:e.pos+k]...)
	if e.forwardOnly {
		clear(e.sh.objs[e.pos : e.pos+k])
	}
	e.pos += k
	if k < n {
		return got, &status.Error{Code: status.SFalse}
	}
	return got, nil
}

func (e *sliceEnum) Next(ctx context.Context, _ time.Duration, n int) ([]cim.Object, error) {
	return e.take(n)
}

func (e *sliceEnum) Skip(ctx context.Context, _ time.Duration, n int) error {
	_, err := e.take(n)
	return err
}

func (e *sliceEnum) NextAsync(ctx context.Context, n int, sink wbem.Sink) error {
	if !comparableSink(sink) {
		return status.New(status.InvalidParameter, "NextAsync needs a sink")
	}
	objs, err := e.Next(ctx, 0, n)
	if e.closed {
		return err
	}
	go func() {
		if len(objs) > 0 && sink.Indicate(objs) != nil {
			_ = sink.SetStatus(wbem.StatusComplete, status.CallCancelled, "", nil)
			return
		}
		_ = sink.SetStatus(wbem.StatusComplete, status.CodeOf(err), "", nil)
	}()
	return nil
}

func (e *sliceEnum) Reset() error {
	if e.closed {
		return errEnumClosed
	}
	if e.forwardOnly {
		return status.New(status.InvalidOperation, "a forward-only enumerator cannot Reset")
	}
	e.pos = 0
	return nil
}

func (e *sliceEnum) Clone() (wbem.Enumerator, error) {
	if e.closed {
		return nil, errEnumClosed
	}
	if e.forwardOnly {
		return nil, status.New(status.InvalidOperation, "a forward-only enumerator cannot Clone")
	}
	return &sliceEnum{sh: e.sh, pos: e.pos}, nil
}

func (e *sliceEnum) Close() error {
	e.closed = true
	return nil
}
