package native

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// ClientOptions configure a session.
type ClientOptions struct {
	// User and Password log in with a password (over TLS only). Empty: the
	// transport identifies the caller.
	User, Password string
	Locale         string
	// Context is the IWbemContext of the connection.
	Context *wbem.Context
	// SinkTimeout is how long a sink may take in one callback before its
	// call is cancelled (DESIGN.md §3 rule 7); 30 s by default.
	SinkTimeout time.Duration
	// CloseConn closes the gRPC connection when the session ends.
	CloseConn bool
}

// DialOptions returns the gRPC dial options the native protocol needs
// (message sizes); add transport credentials to them.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage))}
}

// client is one session: the scope of sink identity.
type client struct {
	cc   *grpc.ClientConn
	api  pb.WbemClient
	md   metadata.MD
	opts ClientOptions
	user string

	ctx    context.Context // cancelled when the session ends
	cancel context.CancelFunc

	// mu guards the fields below. It comes before an asyncCall's mu: a
	// goroutine that holds a call's mu never takes it.
	mu       sync.Mutex
	broken   error // why the session ended; nil while it lives
	refs     int
	sinks    map[wbem.Sink]*sinkEntry
	nextSink uint64
	calls    map[*asyncCall]struct{}
	wg       sync.WaitGroup
}

type sinkEntry struct {
	id       uint64
	calls    map[*asyncCall]struct{}
	starting int
}

// Connect opens a session on a namespace over a gRPC connection and
// returns its Services: every Services that OpenNamespace derives from it
// shares the session. When the last one is closed, the session ends and its
// pending calls are cancelled.
func Connect(ctx context.Context, cc *grpc.ClientConn, namespace string, opts *ClientOptions) (wbem.Services, error) {
	c := &client{cc: cc, api: pb.NewWbemClient(cc), sinks: map[wbem.Sink]*sinkEntry{}, calls: map[*asyncCall]struct{}{}}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.SinkTimeout <= 0 {
		c.opts.SinkTimeout = 30 * time.Second
	}
	wctx, err := EncodeContext(c.opts.Context)
	if err != nil {
		return nil, err
	}
	rep, err := c.api.Connect(ctx, &pb.ConnectRequest{Namespace: namespace, User: c.opts.User, Password: c.opts.Password,
		Locale: c.opts.Locale, Context: wctx})
	if err != nil {
		return nil, transportErr(err)
	}
	if err := statusErr(rep.Status); err != nil {
		return nil, err
	}
	c.md = metadata.Pairs(sessionKey, rep.Session)
	c.user = rep.User
	c.ctx, c.cancel = context.WithCancel(metadata.NewOutgoingContext(context.Background(), c.md))
	lifeline, err := c.api.Session(c.ctx, &pb.SessionRequest{})
	if err != nil {
		c.cancel()
		return nil, transportErr(err)
	}
	c.refs = 1
	c.wg.Add(2)
	go c.watch(lifeline)
	go c.watchdog()
	return &services{c: c, handle: rep.Services, ns: rep.Namespace}, nil
}

// watch waits for the end of the session's lifeline.
func (c *client) watch(lifeline pb.Wbem_SessionClient) {
	defer c.wg.Done()
	ev, err := lifeline.Recv()
	code := status.RPCDisconnected
	why := "the connection to the server was lost"
	if err == nil {
		if bye := ev.GetBye(); bye != nil && bye.Code != 0 {
			code = status.Code(bye.Code)
			why = "the server ended the session"
		}
	} else if c.ctx.Err() != nil {
		return // we ended it
	} else if e := transportErr(err); status.CodeOf(e) != status.CallCancelled {
		why += ": " + e.Error()
	}
	c.fail(&status.Error{Code: code, Description: why})
}

// fail ends the session for a transport failure: every pending call
// receives its final status with the code, and later calls fail with it
// (rule 11).
func (c *client) fail(err error) {
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return
	}
	c.broken = err
	for a := range c.calls {
		a.mu.Lock()
		a.decide(status.CodeOf(err), err.Error())
		a.mu.Unlock()
	}
	c.mu.Unlock()
	c.cancel()
	if c.opts.CloseConn {
		go c.cc.Close()
	}
}

// watchdog cancels calls whose sink is stuck in a callback (rule 7).
func (c *client) watchdog() {
	defer c.wg.Done()
	tick := max(c.opts.SinkTimeout/4, time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			limit := time.Now().Add(-c.opts.SinkTimeout).UnixNano()
			c.mu.Lock()
			var late []*asyncCall
			for a := range c.calls {
				if s := a.cbStart.Load(); s != 0 && s < limit {
					late = append(late, a)
				}
			}
			c.mu.Unlock()
			for _, a := range late {
				a.mu.Lock()
				a.decide(status.CallCancelled, "the sink did not return within "+c.opts.SinkTimeout.String())
				a.mu.Unlock()
				a.cancel()
			}
		}
	}
}

func (c *client) check() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broken
}

// release drops a reference; the last one ends the session.
func (c *client) release() {
	c.mu.Lock()
	c.refs--
	if c.refs > 0 || c.broken != nil {
		c.mu.Unlock()
		return
	}
	c.broken = status.New(status.InvalidOperation, "the connection was closed")
	for a := range c.calls {
		a.mu.Lock()
		a.decide(status.CallCancelled, "the connection was closed")
		a.mu.Unlock()
	}
	c.mu.Unlock()
	c.cancel()
	if c.opts.CloseConn {
		_ = c.cc.Close()
	}
}

func (c *client) addRef() {
	c.mu.Lock()
	c.refs++
	c.mu.Unlock()
}

// rpcErr returns the session's failure if it has one, else the transport
// error of err.
func (c *client) rpcErr(err error) error {
	if b := c.check(); b != nil {
		return b
	}
	return transportErr(err)
}

// ---- asynchronous calls ------------------------------------------------------

// eventStream is the receiving side of a Call or Enum stream.
type eventStream interface {
	Recv() (*pb.CallEvent, error)
}

// callStream is a Call stream: the client sends credits on it.
type callStream struct {
	grpc.BidiStreamingClient[pb.CallRequest, pb.CallEvent]
}

// openCall opens a Call stream and sends the request; closeSend ends the
// client's side (calls that take no credits).
func (c *client) openCall(ctx context.Context, req *pb.CallRequest, closeSend bool) (eventStream, error) {
	stream, err := c.api.Call(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(req); err != nil {
		_, rerr := stream.Recv() // the real error
		if rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	if closeSend {
		_ = stream.CloseSend()
	}
	return callStream{stream}, nil
}

type finalStatus struct {
	hr    status.Code
	param string
	obj   cim.Object
}

type asyncCall struct {
	c      *client
	sink   wbem.Sink
	entry  *sinkEntry // nil for NextAsync
	stream eventStream
	cancel context.CancelFunc

	mu        sync.Mutex
	cancelled bool         // no more Indicate or progress
	final     *finalStatus // decided here, before the server's
	cbStart   atomic.Int64
}

// decide ends the call here with a code, unless it already ended. a.mu is
// held.
func (a *asyncCall) decide(code status.Code, why string) {
	a.cancelled = true
	if a.final == nil {
		a.final = &finalStatus{hr: code, obj: extendedStatus(&status.Error{Code: code, Description: why})}
	}
}

func comparableSink(s wbem.Sink) bool {
	return s != nil && reflect.TypeOf(s).Comparable()
}

// startAsync starts an asynchronous call (or NextAsync, with sinkID false)
// and returns once the server accepted it.
func (c *client) startAsync(ctx context.Context, sink wbem.Sink, withSinkID bool, open func(context.Context, uint64) (eventStream, error)) error {
	if !comparableSink(sink) {
		return status.New(status.InvalidParameter, "the sink is nil or of a type that cannot identify calls (use a pointer)")
	}
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return c.broken
	}
	var e *sinkEntry
	if withSinkID {
		e = c.sinks[sink]
		if e == nil {
			c.nextSink++
			e = &sinkEntry{id: c.nextSink, calls: map[*asyncCall]struct{}{}}
			c.sinks[sink] = e
		}
		e.starting++
	}
	c.mu.Unlock()
	var sid uint64
	if e != nil {
		sid = e.id
	}
	undo := func() {
		if e == nil {
			return
		}
		c.mu.Lock()
		e.starting--
		c.dropEntryLocked(sink, e)
		c.mu.Unlock()
	}
	// The call outlives ctx, which only bounds its acceptance.
	sctx, cancel := context.WithCancel(c.ctx)
	stop := context.AfterFunc(ctx, cancel)
	stream, err := open(sctx, sid)
	var ev *pb.CallEvent
	if err == nil {
		ev, err = stream.Recv()
	}
	if !stop() && err == nil && ev.GetAccepted() == nil {
		err = ctx.Err()
	}
	if err != nil {
		cancel()
		undo()
		if ctx.Err() != nil {
			return status.Wrap(status.CallCancelled, ctx.Err())
		}
		return c.rpcErr(err)
	}
	if ev.GetAccepted() == nil {
		cancel()
		undo()
		return statusErr(ev.GetStatus())
	}
	a := &asyncCall{c: c, sink: sink, entry: e, stream: stream, cancel: cancel}
	c.mu.Lock()
	if e != nil {
		e.starting--
		e.calls[a] = struct{}{}
	}
	c.calls[a] = struct{}{}
	if c.broken != nil {
		a.mu.Lock()
		a.decide(status.CodeOf(c.broken), c.broken.Error())
		a.mu.Unlock()
		cancel()
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go a.run()
	return nil
}

func (c *client) dropEntryLocked(sink wbem.Sink, e *sinkEntry) {
	if len(e.calls) == 0 && e.starting == 0 && c.sinks[sink] == e {
		delete(c.sinks, sink)
	}
}

// run delivers the call's events to its sink, one callback at a time, and
// ends with exactly one final SetStatus.
func (a *asyncCall) run() {
	defer a.c.wg.Done()
	dec := NewDecoder()
	var objs []cim.Object // one slice for every batch: the sink keeps the objects, not the slice
	for {
		ev, err := a.stream.Recv()
		if err != nil {
			// Before a.mu: the client's lock comes first (fail, release).
			err = a.c.rpcErr(err)
		}
		a.mu.Lock()
		if a.final != nil {
			a.mu.Unlock()
			break
		}
		if err != nil {
			a.decide(status.CodeOf(err), err.Error())
			a.mu.Unlock()
			break
		}
		if st := ev.GetStatus(); st != nil && st.Flags == int32(wbem.StatusComplete) {
			obj, derr := DecodeObject(st.Object)
			if derr != nil {
				obj = nil
			}
			a.final = &finalStatus{hr: status.Code(st.Hr), param: st.Param, obj: obj}
			a.mu.Unlock()
			break
		}
		if a.cancelled {
			a.mu.Unlock()
			continue
		}
		a.cbStart.Store(time.Now().UnixNano())
		a.mu.Unlock()
		var cbErr error
		switch e := ev.Event.(type) {
		case *pb.CallEvent_Indicate:
			var derr error
			objs, derr = dec.AppendDecodeOwned(objs[:0], e.Indicate) // the message is this goroutine's, new from Recv
			if derr != nil {
				a.cbStart.Store(0)
				a.mu.Lock()
				a.decide(status.CodeOf(derr), "the server sent objects that do not decode: "+derr.Error())
				a.mu.Unlock()
				continue
			}
			cbErr = safeSinkCall(func() error { return a.sink.Indicate(objs) })
			n := len(objs)
			clear(objs) // the slice must not keep the objects alive
			if cbErr == nil {
				if cs, ok := a.stream.(callStream); ok {
					_ = cs.Send(&pb.CallRequest{Credit: uint32(n)})
				}
			}
		case *pb.CallEvent_Status:
			st := e.Status
			cbErr = safeSinkCall(func() error {
				return a.sink.SetStatus(wbem.StatusFlags(st.Flags), status.Code(st.Hr), st.Param, nil)
			})
		}
		started := a.cbStart.Swap(0)
		if cbErr == nil && started != 0 && time.Since(time.Unix(0, started)) > a.c.opts.SinkTimeout {
			// The watchdog may not have seen it yet: a callback that took
			// longer than the sink timeout cancels its call all the same.
			cbErr = status.Errorf(status.CallCancelled, "the sink did not return within %s", a.c.opts.SinkTimeout)
		}
		if cbErr != nil {
			// A failing sink cancels its call (rule 7): ending the stream
			// tells the server.
			a.mu.Lock()
			a.decide(status.CallCancelled, "the sink failed: "+cbErr.Error())
			a.mu.Unlock()
			a.cancel()
		}
	}
	a.cancel()
	c := a.c
	c.mu.Lock()
	delete(c.calls, a)
	if a.entry != nil {
		delete(a.entry.calls, a)
		c.dropEntryLocked(a.sink, a.entry)
	}
	c.mu.Unlock()
	f := a.final
	_ = safeSinkCall(func() error { return a.sink.SetStatus(wbem.StatusComplete, f.hr, f.param, f.obj) })
}

func safeSinkCall(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sink panicked: %v", r)
		}
	}()
	return fn()
}

// cancelSink is CancelAsyncCall: the calls of the sink end here with
// WBEM_E_CALL_CANCELLED unless their final status was delivered; the server
// cancels them too.
func (c *client) cancelSink(sink wbem.Sink) error {
	if !comparableSink(sink) {
		return &status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::CancelAsyncCall", Description: "the sink is nil"}
	}
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return c.broken
	}
	e := c.sinks[sink]
	var calls []*asyncCall
	if e != nil {
		for a := range e.calls {
			a.mu.Lock()
			if a.final == nil {
				a.decide(status.CallCancelled, "the client called CancelAsyncCall")
				calls = append(calls, a)
			}
			a.mu.Unlock()
		}
	}
	c.mu.Unlock()
	if len(calls) == 0 {
		return &status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::CancelAsyncCall",
			Description: "the sink has no pending call on this connection"}
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	_, _ = c.api.CancelAsyncCall(ctx, &pb.CancelRequest{Sink: e.id})
	cancel()
	for _, a := range calls {
		a.cancel()
	}
	return nil
}

// extendedStatus is the __ExtendedStatus of a final status the client
// decides itself.
func extendedStatus(e *status.Error) cim.Object {
	if e == nil {
		return nil
	}
	return wbem.ExtendedStatus(e)
}
