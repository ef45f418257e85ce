package native

import (
	"context"
	"errors"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
)

// ProviderOptions configure ServeProvider.
type ProviderOptions struct {
	// Name is the provider's name: the Provider qualifier of its classes.
	Name string
	// Classes are the provider's classes by namespace, superclasses first;
	// the daemon creates or updates them at registration.
	Classes map[string][]*cim.Class
	// Client is the login of the provider's session.
	Client ClientOptions
	// Registered, when not nil, is called once the daemon has registered
	// the provider.
	Registered func()
}

// ServeProvider runs a provider out of process: it connects to the daemon
// over cc, registers the provider and its classes, and serves the
// daemon's requests with p, which implements the capability interfaces of
// package provider exactly as an in-process provider does. It returns nil
// when ctx is done, and an error when registration fails or the daemon
// goes away.
func ServeProvider(ctx context.Context, cc *grpc.ClientConn, p any, opts ProviderOptions) error {
	svc, err := Connect(ctx, cc, "root", &opts.Client)
	if err != nil {
		return err
	}
	defer svc.Close()
	c := svc.(*services).c
	reg := &pb.Register{Name: opts.Name}
	for ns, classes := range opts.Classes {
		objs := make([]cim.Object, len(classes))
		for i, cl := range classes {
			objs[i] = cl
		}
		b, err := NewEncoder().Encode(objs)
		if err != nil {
			return err
		}
		reg.Classes = append(reg.Classes, &pb.RegisterClasses{Namespace: ns, Classes: b})
	}
	sctx, cancel := context.WithCancel(metadata.NewOutgoingContext(ctx, c.md))
	defer cancel()
	control, err := c.api.Provide(sctx)
	if err != nil {
		return transportErr(err)
	}
	if err := control.Send(&pb.ProviderMessage{Msg: &pb.ProviderMessage_Register{Register: reg}}); err != nil {
		return transportErr(err)
	}
	m, err := control.Recv()
	if err != nil {
		return transportErr(err)
	}
	if err := statusErr(m.GetRegistered().GetStatus()); err != nil {
		return err
	}
	if opts.Registered != nil {
		opts.Registered()
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		m, err := control.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return transportErr(err)
		}
		if w := m.GetWork(); w != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveOne(sctx, c, p, opts.Name, w.Request)
			}()
		}
	}
}

// hostSink is the provider.Sink of a request served out of process.
type hostSink struct {
	mu     sync.Mutex
	stream grpc.BidiStreamingClient[pb.ProviderResult, pb.ProviderRequest]
	enc    *Encoder
}

func (s *hostSink) Send(objs ...cim.Object) error {
	if len(objs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.enc.Encode(objs)
	if err != nil {
		return err
	}
	if err := s.stream.Send(&pb.ProviderResult{Msg: &pb.ProviderResult_Send{Send: b}}); err != nil {
		return status.New(status.CallCancelled, "the daemon cancelled the request")
	}
	return nil
}

func (s *hostSink) Progress(done, total uint16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stream.Send(&pb.ProviderResult{Msg: &pb.ProviderResult_Progress{Progress: &pb.Progress{Done: uint32(done), Total: uint32(total)}}}); err != nil {
		return status.New(status.CallCancelled, "the daemon cancelled the request")
	}
	return nil
}

// serveOne serves one request: its ctx ends when the daemon ends the
// stream (a cancel or a timeout).
func serveOne(ctx context.Context, c *client, p any, name string, id uint64) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.api.Serve(rctx)
	if err != nil {
		return
	}
	if err := stream.Send(&pb.ProviderResult{Msg: &pb.ProviderResult_Open{Open: &pb.ServeOpen{Request: id}}}); err != nil {
		return
	}
	req, err := stream.Recv()
	if err != nil {
		return
	}
	// The daemon sends nothing more: the stream's end cancels the request.
	ended := make(chan struct{})
	go func() {
		_, _ = stream.Recv()
		cancel()
		close(ended)
	}()
	sink := &hostSink{stream: stream, enc: NewEncoder()}
	done := runRequest(rctx, p, name, req, sink)
	sink.mu.Lock()
	_ = stream.Send(&pb.ProviderResult{Msg: &pb.ProviderResult_Done{Done: done}})
	sink.mu.Unlock()
	_ = stream.CloseSend()
	// Cancelling the stream before the daemon has read it all would lose
	// the last messages: wait for the daemon to end it.
	<-ended
}

func doneOf(err error) *pb.Done {
	if err == nil {
		return &pb.Done{}
	}
	if errors.Is(err, provider.ErrSkip) {
		return &pb.Done{Error: &pb.Error{Code: skipCode, Description: "provider.ErrSkip"}}
	}
	return &pb.Done{Error: pbStatus(err).Error}
}

// runRequest decodes a request and runs it on p.
func runRequest(ctx context.Context, p any, name string, req *pb.ProviderRequest, sink provider.Sink) (done *pb.Done) {
	defer func() {
		if r := recover(); r != nil {
			done = doneOf(provider.Failure(status.ProviderFailure, name, "the provider panicked: %v", r))
		}
	}()
	cls, err := decodeClass(req.Class)
	if err != nil {
		return doneOf(err)
	}
	wctx, err := DecodeContext(req.Context)
	if err != nil {
		return doneOf(err)
	}
	base := provider.Request{Namespace: req.Namespace, Class: cls, Context: wctx, Flags: flagsOf(req.Flags), User: req.User}
	notCapable := func(what string) *pb.Done {
		return doneOf(provider.Failure(status.ProviderNotCapable, name, "provider %s does not %s", name, what))
	}
	switch req.Op {
	case pb.ProviderOp_GET_INSTANCE:
		g, ok := p.(provider.InstanceGetter)
		if !ok {
			return notCapable("get instances")
		}
		path, err := cim.ParsePath(req.Path)
		if err != nil {
			return doneOf(err)
		}
		inst, err := g.GetInstance(ctx, &provider.GetRequest{Request: base, Path: path})
		if err != nil {
			return doneOf(err)
		}
		b, err := encodeInstance(inst)
		if err != nil {
			return doneOf(err)
		}
		return &pb.Done{Object: b}
	case pb.ProviderOp_ENUMERATE_INSTANCES:
		e, ok := p.(provider.InstanceEnumerator)
		if !ok {
			return notCapable("enumerate instances")
		}
		return doneOf(e.EnumerateInstances(ctx, &provider.EnumerateRequest{Request: base}, sink))
	case pb.ProviderOp_EXEC_QUERY_OP:
		q, ok := p.(provider.InstanceQuerier)
		if !ok {
			return doneOf(provider.ErrSkip)
		}
		qr := &provider.QueryRequest{Request: base, Query: req.Query}
		if req.HasPinned {
			qr.PinnedKeys = []map[string]cim.Value{}
			for _, b := range req.Pinned {
				keys, err := NewDecoder().DecodeKeys(b)
				if err != nil {
					return doneOf(err)
				}
				qr.PinnedKeys = append(qr.PinnedKeys, keys)
			}
		}
		return doneOf(q.ExecQuery(ctx, qr, sink))
	case pb.ProviderOp_CREATE_INSTANCE, pb.ProviderOp_MODIFY_INSTANCE:
		inst, err := decodeInstance(req.Instance)
		if err != nil {
			return doneOf(err)
		}
		pr := &provider.PutRequest{Request: base, Instance: inst}
		if req.Op == pb.ProviderOp_MODIFY_INSTANCE {
			m, ok := p.(provider.InstanceModifier)
			if !ok {
				return notCapable("modify instances")
			}
			return doneOf(m.ModifyInstance(ctx, pr))
		}
		cr, ok := p.(provider.InstanceCreator)
		if !ok {
			return notCapable("create instances")
		}
		path, err := cr.CreateInstance(ctx, pr)
		if err != nil {
			return doneOf(err)
		}
		return &pb.Done{Path: path.String()}
	case pb.ProviderOp_DELETE_INSTANCE_OP:
		d, ok := p.(provider.InstanceDeleter)
		if !ok {
			return notCapable("delete instances")
		}
		path, err := cim.ParsePath(req.Path)
		if err != nil {
			return doneOf(err)
		}
		return doneOf(d.DeleteInstance(ctx, &provider.DeleteRequest{Request: base, Path: path}))
	case pb.ProviderOp_EXEC_METHOD_OP:
		x, ok := p.(provider.MethodExecutor)
		if !ok {
			return notCapable("run methods")
		}
		path, err := cim.ParsePath(req.Path)
		if err != nil {
			return doneOf(err)
		}
		var m *cim.Method
		for _, mm := range cls.AllMethods() {
			if strings.EqualFold(mm.Name, req.Method) {
				m = mm
			}
		}
		if m == nil {
			return doneOf(status.Errorf(status.InvalidMethod, "class %s has no method %s", cls.Name, req.Method))
		}
		in, err := decodeInstance(req.Instance)
		if err != nil {
			return doneOf(err)
		}
		out, err := x.ExecMethod(ctx, &provider.MethodRequest{Request: base, Path: path, Method: m, In: in, OutClass: m.OutParameters()}, sink)
		if err != nil {
			return doneOf(err)
		}
		b, err := encodeInstance(out)
		if err != nil {
			return doneOf(err)
		}
		return &pb.Done{Object: b}
	}
	return doneOf(status.Errorf(status.NotSupported, "unknown provider operation %d", req.Op))
}
