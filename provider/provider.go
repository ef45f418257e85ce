// Package provider is what a provider author implements, modelled on
// database/sql/driver: a provider is any Go value; the object manager finds
// what it can do by type assertion on the capability interfaces below.
//
// Every call takes a context.Context first; the object manager cancels it
// when the caller cancels (CancelAsyncCall, a closed enumerator, a lost
// connection), except for method calls, which WMI lets run to completion.
// Results go through a Sink whose Send blocks while the caller is slow and
// fails once the caller is gone; a call's completion is its return value.
// The object manager calls providers concurrently: a provider must be safe
// for concurrent use.
//
// A provider serves the classes whose MOF carries [Dynamic, Provider("name")]
// and is registered under that name with cimom.ObjectManager.RegisterProvider.
package provider

import (
	"context"
	"errors"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// ErrSkip tells the object manager that a provider does not handle this
// request itself: for ExecQuery it falls back to EnumerateInstances and
// filters the results; for GetInstance it enumerates and picks the instance.
var ErrSkip = errors.New("provider: skip, let the object manager do it")

// Sink carries a provider's results to the caller.
type Sink interface {
	// Send delivers objects. It blocks while the caller is not ready for
	// more (back-pressure) and returns an error once the call is cancelled
	// or the caller is gone; the provider should then stop and return.
	Send(objs ...cim.Object) error
	// Progress reports work done of total, delivered as
	// SetStatus(WBEM_STATUS_PROGRESS) when the caller asked for it.
	Progress(done, total uint16) error
}

// Request is what every request carries.
type Request struct {
	Namespace string // e.g. `root\cimv2`
	// Class is the class asked for (for enumerations: the class being
	// enumerated). It is the repository's shared copy: read it, spawn
	// instances from it, never modify it.
	Class   *cim.Class
	Context *wbem.Context // the caller's IWbemContext, possibly nil
	Flags   wbem.Flags
	User    string // the caller's identity, for providers that check access themselves
}

// GetRequest asks for one instance by path.
type GetRequest struct {
	Request
	Path cim.Path
}

// EnumerateRequest asks for every instance of a class.
type EnumerateRequest struct {
	Request
}

// QueryRequest asks for the instances that match a WQL query. Query is the
// text: a SELECT for data queries, or, for an association class during
// ASSOCIATORS OF and REFERENCES OF, "REFERENCES OF {path} WHERE
// ResultClass = Assoc [Role = R]" asking for the association instances that
// point at path. The provider may return more than matches (the object
// manager filters and projects again) but not fewer, or return ErrSkip.
type QueryRequest struct {
	Request
	Query string
	// PinnedKeys holds the key values the WHERE clause fixes, one map per
	// alternative, or nil when the query does not pin the keys.
	PinnedKeys []map[string]cim.Value
}

// PutRequest asks to create or modify an instance.
type PutRequest struct {
	Request
	Instance *cim.Instance
}

// DeleteRequest asks to delete an instance.
type DeleteRequest struct {
	Request
	Path cim.Path
}

// MethodRequest asks to run a method. Path is the class path for a static
// method and the instance path otherwise; In holds the input parameters.
type MethodRequest struct {
	Request
	Path   cim.Path
	Method *cim.Method
	In     *cim.Instance
	// OutClass is the method's output __PARAMETERS class: spawn the result
	// from it.
	OutClass *cim.Class
}

// InstanceGetter returns one instance.
type InstanceGetter interface {
	GetInstance(ctx context.Context, req *GetRequest) (*cim.Instance, error)
}

// InstanceEnumerator enumerates the instances of a class.
type InstanceEnumerator interface {
	EnumerateInstances(ctx context.Context, req *EnumerateRequest, sink Sink) error
}

// InstanceQuerier answers queries itself; returning ErrSkip lets the object
// manager enumerate and filter instead.
type InstanceQuerier interface {
	ExecQuery(ctx context.Context, req *QueryRequest, sink Sink) error
}

// InstanceCreator creates instances (PutInstance of a new instance, or
// with WBEM_FLAG_CREATE_ONLY). It returns the path of the created instance.
type InstanceCreator interface {
	CreateInstance(ctx context.Context, req *PutRequest) (cim.Path, error)
}

// InstanceModifier modifies existing instances.
type InstanceModifier interface {
	ModifyInstance(ctx context.Context, req *PutRequest) error
}

// InstanceDeleter deletes instances.
type InstanceDeleter interface {
	DeleteInstance(ctx context.Context, req *DeleteRequest) error
}

// MethodExecutor runs methods. The call runs to completion even when the
// caller cancels (WMI's rule for method providers): ctx is not cancelled
// then, and the results are discarded. ctx is still cancelled when the
// object manager shuts down.
type MethodExecutor interface {
	ExecMethod(ctx context.Context, req *MethodRequest, sink Sink) (*cim.Instance, error)
}

// Failure returns the error a provider reports for a failed request, with
// its provider name filled in.
func Failure(code status.Code, provider, format string, args ...any) error {
	e := status.Errorf(code, format, args...)
	e.ProviderName = provider
	return e
}
