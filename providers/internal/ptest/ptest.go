// Package ptest sets up what the providers' tests share: an object manager
// over an in-memory repository with the CIM base classes and a provider's
// MOF, a sink that records an asynchronous call, and helpers to run
// queries and methods.
package ptest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// Env is an object manager with providers installed, and a connection to
// root\cimv2.
type Env struct {
	OM  *cimom.ObjectManager
	Svc wbem.Services
}

// New installs the packages' MOF into a new in-memory repository, starts an
// object manager, lets register register the providers, and connects to
// namespace (root\cimv2 when ""). Everything is shut down when the test
// ends.
func New(tb testing.TB, namespace string, register func(om *cimom.ObjectManager) error, pkgs ...providers.Package) *Env {
	tb.Helper()
	ctx := context.Background()
	store := repository.NewMemory()
	if err := providers.InstallPackages(ctx, store, pkgs...); err != nil {
		tb.Fatalf("InstallPackages: %v", err)
	}
	om := cimom.New(store, &cimom.Options{Server: "TESTHOST"})
	if err := register(om); err != nil {
		tb.Fatalf("register: %v", err)
	}
	if namespace == "" {
		namespace = `root\cimv2`
	}
	svc, err := om.Connect(ctx, namespace, nil)
	if err != nil {
		tb.Fatalf("Connect: %v", err)
	}
	tb.Cleanup(func() {
		_ = svc.Close()
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := om.Shutdown(sctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
	})
	return &Env{OM: om, Svc: svc}
}

// Package returns the named package of providers.Packages.
func Package(tb testing.TB, name string) providers.Package {
	for _, p := range providers.Packages {
		if p.Name == name {
			return p
		}
	}
	tb.Fatalf("no provider package %q", name)
	return providers.Package{}
}

// Query runs a WQL query and returns the instances.
func (e *Env) Query(tb testing.TB, query string) []*cim.Instance {
	tb.Helper()
	objs, err := wbem.Collect(context.Background(), e.Svc, query)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	out := make([]*cim.Instance, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*cim.Instance))
	}
	return out
}

// Exec runs a method synchronously with the named input parameters given
// as name, value pairs, and returns the output parameters.
func (e *Env) Exec(tb testing.TB, path, method string, args ...any) *cim.Instance {
	tb.Helper()
	out, err := e.ExecErr(path, method, args...)
	if err != nil {
		tb.Fatalf("%s.%s: %v", path, method, err)
	}
	return out
}

// ExecErr is Exec returning the call's error.
func (e *Env) ExecErr(path, method string, args ...any) (*cim.Instance, error) {
	in, err := e.Args(path, method, args...)
	if err != nil {
		return nil, err
	}
	return e.Svc.ExecMethod(context.Background(), path, method, 0, nil, in)
}

// Args builds the input parameters of a method.
func (e *Env) Args(path, method string, args ...any) (*cim.Instance, error) {
	if len(args) == 0 {
		return nil, nil
	}
	p, err := cim.ParsePath(path)
	if err != nil {
		return nil, err
	}
	obj, err := e.Svc.GetObject(context.Background(), p.Class, 0, nil)
	if err != nil {
		return nil, err
	}
	in, _, err := obj.(*cim.Class).GetMethod(method)
	if err != nil {
		return nil, err
	}
	inst, err := in.SpawnInstance()
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(args); i += 2 {
		v, err := cim.ValueOf(args[i+1])
		if err != nil {
			return nil, err
		}
		if err := inst.Put(args[i].(string), v); err != nil {
			return nil, err
		}
	}
	return inst, nil
}

// ReturnValue returns the ReturnValue of a method's output.
func ReturnValue(tb testing.TB, out *cim.Instance) uint32 {
	tb.Helper()
	if out == nil {
		tb.Fatal("no output parameters")
	}
	n, ok := out.Value("ReturnValue").Uint()
	if !ok {
		tb.Fatalf("ReturnValue is %v", out.Value("ReturnValue"))
	}
	return uint32(n)
}

// Sink records an asynchronous call: its objects, progress reports and
// final status.
type Sink struct {
	mu       sync.Mutex
	Objs     []cim.Object
	Progress []status.Code
	Final    status.Code
	finals   int
	done     chan struct{}
	more     chan struct{} // closed and replaced at each Indicate
}

// NewSink returns an empty Sink.
func NewSink() *Sink { return &Sink{done: make(chan struct{}), more: make(chan struct{})} }

// Indicate implements wbem.Sink.
func (s *Sink) Indicate(objs []cim.Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Objs = append(s.Objs, objs...)
	close(s.more)
	s.more = make(chan struct{})
	return nil
}

// WaitObjects waits until the sink has received n objects (or its final
// status) and returns what it has.
func (s *Sink) WaitObjects(ctx context.Context, n int) ([]cim.Object, error) {
	for {
		s.mu.Lock()
		objs, more := s.Objs, s.more
		s.mu.Unlock()
		if len(objs) >= n {
			return objs, nil
		}
		select {
		case <-more:
		case <-s.done:
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.Objs, nil
		case <-ctx.Done():
			return objs, ctx.Err()
		}
	}
}

// SetStatus implements wbem.Sink.
func (s *Sink) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if flags == wbem.StatusProgress {
		s.Progress = append(s.Progress, hr)
		return nil
	}
	s.finals++
	s.Final = hr
	if s.finals == 1 {
		close(s.done)
	}
	return nil
}

// Wait waits for the final status and returns it with the number of final
// statuses seen.
func (s *Sink) Wait(ctx context.Context) (status.Code, int, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Final, s.finals, nil
}
