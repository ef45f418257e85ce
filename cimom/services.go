package cimom

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// conn is one client session: the scope of sink identity (rule 1). Every
// Services that OpenNamespace derives from a connection shares it.
type conn struct {
	om      *ObjectManager
	user    string
	remote  bool
	rights  func(ctx context.Context, namespace string) (wbem.Rights, error)
	refs    atomic.Int64
	pending atomic.Int64
}

// ConnectOptions describe the client of a connection.
type ConnectOptions struct {
	// User is the caller's identity, handed to providers.
	User string
	// Remote is set for a caller on another machine: it needs
	// wbem.RightRemoteEnable as well.
	Remote bool
	// Rights returns the caller's rights on a namespace, computed once per
	// Services as WMI computes GrantedAccess at connect time. Nil grants
	// every right (the embedded object manager of a local program).
	Rights func(ctx context.Context, namespace string) (wbem.Rights, error)
}

// Connect opens a connection to a namespace (`root\cimv2`; '/' works too)
// and returns its Services. A namespace that does not exist is
// WBEM_E_INVALID_NAMESPACE.
func (om *ObjectManager) Connect(ctx context.Context, namespace string, opts *ConnectOptions) (wbem.Services, error) {
	if err := om.checkOpen(); err != nil {
		return nil, err
	}
	ns := cim.NormalizeNamespace(namespace)
	if ns == "" {
		return nil, status.New(status.InvalidNamespace, "no namespace given")
	}
	if err := om.namespaceExists(ctx, ns); err != nil {
		return nil, err
	}
	cn := &conn{om: om}
	if opts != nil {
		cn.user, cn.remote, cn.rights = opts.User, opts.Remote, opts.Rights
	}
	return cn.open(ctx, ns)
}

// open returns a Services of the connection on ns, with the caller's rights
// there; without WBEM_ENABLE (and WBEM_REMOTE_ENABLE for a remote caller)
// it is WBEM_E_ACCESS_DENIED.
func (cn *conn) open(ctx context.Context, ns string) (*services, error) {
	rights := wbem.RightsAll
	if cn.rights != nil {
		var err error
		if rights, err = cn.rights(ctx, ns); err != nil {
			return nil, err
		}
	}
	need := wbem.RightEnable
	if cn.remote {
		need |= wbem.RightRemoteEnable
	}
	if !rights.Has(need) {
		return nil, &status.Error{Code: status.AccessDenied, Operation: "ConnectServer", ParameterInfo: ns,
			Description: "the caller may not connect to namespace " + ns}
	}
	cn.refs.Add(1)
	return &services{conn: cn, ns: ns, rights: rights}, nil
}

func (om *ObjectManager) namespaceExists(ctx context.Context, ns string) error {
	return om.store.View(ctx, func(tx repository.Tx) error {
		if !tx.NamespaceExists(ns) {
			return status.Errorf(status.InvalidNamespace, "namespace %s does not exist", ns)
		}
		return nil
	})
}

// services is a connection's Services bound to one namespace.
type services struct {
	conn   *conn
	ns     string
	rights wbem.Rights
	closed atomic.Bool
}

// need checks that the caller holds rights on the namespace.
func (s *services) need(r wbem.Rights, m wbem.Method, param string) error {
	if s.rights.Has(r) {
		return nil
	}
	return &status.Error{Code: status.AccessDenied, Operation: "IWbemServices::" + m.String(), ParameterInfo: param,
		Description: "the caller lacks the " + (r &^ s.rights).String() + " right on " + s.ns}
}

var _ wbem.Services = (*services)(nil)

func (s *services) Namespace() string { return s.ns }

// Close releases the Services; the connection's last Close cancels its
// pending calls (rule 7: releasing is cancelling).
func (s *services) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.conn.refs.Add(-1) == 0 {
		for _, c := range s.conn.om.calls.takeConn(s.conn) {
			c.cancelCall(status.CallCancelled, "the connection was closed")
		}
	}
	return nil
}

func (s *services) check() error {
	if s.closed.Load() {
		return status.New(status.InvalidOperation, "the Services was closed")
	}
	return s.conn.om.checkOpen()
}

// request is one IWbemServices operation, run the same way in every mode:
// run sends result objects to out and returns the outcome.
type request struct {
	method wbem.Method
	flags  wbem.Flags
	param  string // the object path or query, for __ExtendedStatus
	run    func(ctx context.Context, out provider.Sink) (string, error)
}

// accessFor is the right every call of a method needs before it is
// accepted; the write rights that depend on the class are checked as the
// call runs (MS-WMI §3.1.4.3).
func accessFor(m wbem.Method) wbem.Rights {
	switch m {
	case wbem.MethodExecMethod:
		return wbem.RightMethodExecute
	case wbem.MethodQueryObjectSink:
		return wbem.RightEnable | wbem.RightFullWrite
	}
	return wbem.RightEnable
}

// exec runs a request on the calling goroutine, turning a panic into
// WBEM_E_PROVIDER_FAILURE.
func (s *services) exec(ctx context.Context, r *request, out provider.Sink) (str string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = s.providerPanic(r, p)
		}
	}()
	str, err = r.run(ctx, out)
	if d, ok := err.(*deferredSteps); ok {
		return "", d
	}
	return str, wbemError(err, r.method, r.param)
}

// providerPanic logs a provider's panic and turns it into
// WBEM_E_PROVIDER_FAILURE.
func (s *services) providerPanic(r *request, p any) error {
	s.conn.om.metrics.providerPanics.Add(1)
	s.conn.om.log.Error("provider panicked", "method", r.method.String(), "panic", p, "stack", string(debug.Stack()))
	return wbemError(&status.Error{Code: status.ProviderFailure, Description: fmt.Sprintf("the provider panicked: %v", p)}, r.method, r.param)
}

// startAsync validates and accepts an asynchronous call, then runs it on a
// new goroutine that reports to sink.
// bind, when not nil, sees the call before its goroutine starts.
func (s *services) startAsync(ctx context.Context, r *request, sink wbem.Sink, internal bool, bind func(*call)) (*call, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := s.need(accessFor(r.method), r.method, r.param); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, status.Wrap(status.CallCancelled, err)
	}
	if !comparableSink(sink) {
		return nil, &status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::" + r.method.String() + "Async",
			Description: "the sink is nil or of a type that cannot identify calls (use a pointer)"}
	}
	om := s.conn.om
	if s.conn.pending.Load() >= int64(om.opts.MaxPendingCalls) {
		return nil, status.Errorf(status.QuotaViolation, "the connection has %d pending calls, the most allowed", om.opts.MaxPendingCalls)
	}
	c := om.newCall(s.conn, r.method, r.flags, sink, internal)
	if bind != nil {
		bind(c)
	}
	s.conn.pending.Add(1)
	om.wg.Add(1)
	go func() {
		str, err := s.exec(c.ctx, r, c)
		if d, ok := err.(*deferredSteps); ok {
			go s.runSteps(c, r, d.steps) // takes over wg and pending
			return
		}
		c.finish(err, str)
		s.conn.pending.Add(-1)
		om.wg.Done()
	}()
	return c, nil
}

// runSteps runs the provider calls an asynchronous request left, on a
// goroutine of its own that holds little stack while a provider blocks,
// and ends the call.
func (s *services) runSteps(c *call, r *request, steps []providerStep) {
	err := s.runStepsSafely(r, steps)
	c.finish(err, "")
	s.conn.pending.Add(-1)
	s.conn.om.wg.Done()
}

func (s *services) runStepsSafely(r *request, steps []providerStep) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = s.providerPanic(r, p)
		}
	}()
	for _, step := range steps {
		if err = step(); err != nil {
			return wbemError(err, r.method, r.param)
		}
	}
	return nil
}

func (s *services) async(ctx context.Context, r *request, sink wbem.Sink) error {
	if err := wbem.ValidateFlags(r.method, wbem.Async, r.flags); err != nil {
		return err
	}
	_, err := s.startAsync(ctx, r, sink, false, nil)
	return err
}

// syncCollect runs a request synchronously, collecting its objects.
func (s *services) syncCollect(ctx context.Context, r *request) ([]cim.Object, string, error) {
	if err := wbem.ValidateFlags(r.method, wbem.Sync, r.flags); err != nil {
		return nil, "", err
	}
	if err := s.check(); err != nil {
		return nil, "", err
	}
	if err := s.need(accessFor(r.method), r.method, r.param); err != nil {
		return nil, "", err
	}
	s.conn.om.metrics.callsStarted.Add(1)
	col := &collector{ctx: ctx, quota: s.conn.om.opts.EnumeratorQuota}
	// The call's context ends with the caller's or with the object manager.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopOnShutdown := context.AfterFunc(s.conn.om.ctx, cancel)
	defer stopOnShutdown()
	str, err := s.exec(cctx, r, col)
	if err == nil && ctx.Err() != nil {
		err = wbemError(status.Wrap(status.CallCancelled, ctx.Err()), r.method, r.param)
	}
	return col.objs, str, err
}

// collector is the provider.Sink of a synchronous call.
type collector struct {
	ctx   context.Context
	quota int
	objs  []cim.Object
}

func (c *collector) Send(objs ...cim.Object) error {
	if err := c.ctx.Err(); err != nil {
		return status.Wrap(status.CallCancelled, err)
	}
	if len(c.objs)+len(objs) > c.quota {
		return status.Errorf(status.QuotaViolation, "the result holds more than %d objects", c.quota)
	}
	c.objs = append(c.objs, objs...)
	return nil
}

func (c *collector) Progress(done, total uint16) error {
	if err := c.ctx.Err(); err != nil {
		return status.Wrap(status.CallCancelled, err)
	}
	return nil
}

// semisyncEnum starts a request whose results an Enumerator delivers.
func (s *services) semisyncEnum(ctx context.Context, r *request) (wbem.Enumerator, error) {
	if err := wbem.ValidateFlags(r.method, wbem.Semisync, r.flags); err != nil {
		return nil, err
	}
	om := s.conn.om
	buf := newEnumBuffer(r.flags&wbem.FlagForwardOnly != 0, om.opts.EnumeratorWindow, om.opts.EnumeratorQuota)
	if _, err := s.startAsync(ctx, r, buf, true, buf.bind); err != nil {
		return nil, err
	}
	return buf.cursor(), nil
}

// syncEnum runs an enumerating request synchronously and returns an
// Enumerator over the complete result.
func (s *services) syncEnum(ctx context.Context, r *request) (wbem.Enumerator, error) {
	if r.flags&wbem.FlagReturnImmediately != 0 {
		return s.semisyncEnum(ctx, r)
	}
	objs, _, err := s.syncCollect(ctx, r)
	if err != nil {
		return nil, err
	}
	return completedEnum(objs, r.flags&wbem.FlagForwardOnly != 0), nil
}

// semisyncResult starts a request whose result a CallResult delivers.
func (s *services) semisyncResult(ctx context.Context, r *request) (wbem.CallResult, error) {
	r.flags |= wbem.FlagReturnImmediately // an XxxCall is semisynchronous by its name
	if err := wbem.ValidateFlags(r.method, wbem.Semisync, r.flags); err != nil {
		return nil, err
	}
	res := newCallResult(r.method)
	if _, err := s.startAsync(ctx, r, res, true, res.bind); err != nil {
		return nil, err
	}
	return res, nil
}

// CancelAsyncCall implements DESIGN.md §3 rules 1-4 and 8: every pending
// call of sink on this connection ends with WBEM_E_CALL_CANCELLED unless it
// had already ended.
func (s *services) CancelAsyncCall(sink wbem.Sink) error {
	if !comparableSink(sink) {
		return &status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::CancelAsyncCall", Description: "the sink is nil"}
	}
	calls := s.conn.om.calls.take(sinkKey{s.conn, sink})
	if len(calls) == 0 {
		return &status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::CancelAsyncCall",
			Description: "the sink has no pending call on this connection"}
	}
	for _, c := range calls {
		c.cancelCall(status.CallCancelled, "the client called CancelAsyncCall")
	}
	return nil
}

// getClass returns the repository's shared copy of a class, for routing and
// checks: it must not be modified, and what goes to a client is a Clone.
func (s *services) getClass(ctx context.Context, name string) (*cim.Class, error) {
	var c *cim.Class
	err := s.conn.om.store.View(ctx, func(tx repository.Tx) error {
		var err error
		c, err = tx.LookupClass(s.ns, name)
		return err
	})
	if err != nil {
		if status.CodeOf(err) == status.NotFound {
			return nil, status.Errorf(status.InvalidClass, "class %s does not exist in %s", name, s.ns)
		}
		return nil, err
	}
	return c, nil
}

// locate fills in __SERVER and __NAMESPACE of objects the repository or a
// provider returned.
func (s *services) locate(o cim.Object) {
	server := s.conn.om.opts.Server
	switch v := o.(type) {
	case *cim.Instance:
		if v.Namespace == "" {
			v.Namespace = s.ns
		}
		if v.Server == "" {
			v.Server = server
		}
	case *cim.Class:
		if v.Namespace == "" {
			v.Namespace = s.ns
		}
		if v.Server == "" {
			v.Server = server
		}
	}
}

// locatingSink fills in the location of every object on its way out.
type locatingSink struct {
	provider.Sink
	s *services
}

func (l locatingSink) Send(objs ...cim.Object) error {
	for _, o := range objs {
		l.s.locate(o)
	}
	return l.Sink.Send(objs...)
}

// childNamespace resolves OpenNamespace's argument: a child of the current
// namespace, given relative ("cimv2") — or absolute when it lies below.
func (s *services) childNamespace(name string) (string, error) {
	n := cim.NormalizeNamespace(name)
	if n == "" {
		return "", status.New(status.InvalidNamespace, "no namespace given")
	}
	lower, base := strings.ToLower(n), strings.ToLower(s.ns)
	if strings.HasPrefix(lower, base+`\`) {
		return n, nil
	}
	if strings.HasPrefix(n, `\\`) || strings.Contains(n, ":") {
		return "", status.Errorf(status.InvalidNamespace, "%s is not a child of %s", name, s.ns)
	}
	return s.ns + `\` + n, nil
}
