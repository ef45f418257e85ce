// Package wbem is the API every caller of gowmi sees, in process or remote:
// Services (the methods of IWbemServices), Sink (IWbemObjectSink),
// Enumerator (IEnumWbemClassObject), CallResult (IWbemCallResult), Context
// (IWbemContext) and the flags, with Microsoft's names and values. It holds
// interfaces and types only; the object manager (package cimom) and the
// remote clients implement them.
//
// Every IWbemServices method comes in the three modes of WMI:
//
//   - synchronous: GetObject(ctx, ...) returns the result; cancelling ctx
//     cancels the call;
//   - semisynchronous: GetObjectCall(ctx, ...) returns a CallResult at once
//     (the enumerating methods return an Enumerator when called with
//     FlagReturnImmediately); closing it cancels the call;
//   - asynchronous: GetObjectAsync(ctx, ..., sink) returns once the call is
//     accepted, and the results arrive on the sink, ending with exactly one
//     final SetStatus. CancelAsyncCall(sink) cancels it.
//
// For the semisynchronous and asynchronous forms, ctx covers only the
// acceptance of the call: the call goes on after ctx is done.
package wbem

import (
	"context"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Infinite is WBEM_INFINITE: wait without a time limit.
const Infinite time.Duration = -1

// NoWait is a zero timeout: return what is there at once.
const NoWait time.Duration = 0

// Sink receives the results of an asynchronous call: IWbemObjectSink.
//
// The object manager calls one method of a sink at a time for one call, and
// ends every call with exactly one SetStatus(StatusComplete, ...). A sink's
// identity is the interface value itself: use a pointer type, and use one
// sink per call if you want to cancel calls one by one, since
// CancelAsyncCall cancels every call of its sink.
type Sink interface {
	// Indicate delivers result objects. An error return cancels the call.
	// The slice belongs to the caller; keep the objects, not the slice.
	Indicate(objs []cim.Object) error
	// SetStatus reports progress (StatusProgress, only with FlagSendStatus;
	// hr holds the work done in its low 16 bits and the total in its high
	// 16 bits) or the end of the call (StatusComplete). For the final status
	// hr is the code the synchronous call would have returned, param the
	// string result (the path PutInstance wrote), and obj, on failure, the
	// __ExtendedStatus object. ResultError(hr, obj) turns the two into an
	// error.
	SetStatus(flags StatusFlags, hr status.Code, param string, obj cim.Object) error
}

// Enumerator delivers the objects of an enumeration or query:
// IEnumWbemClassObject. It is safe for use by one goroutine at a time.
type Enumerator interface {
	// Next returns up to n objects, waiting at most timeout (Infinite,
	// NoWait, or a duration) for them. The error is nil when n objects came;
	// it matches status.ErrSFalse when the enumeration ended with fewer,
	// status.ErrSTimedOut when the time ran out first (the objects that did
	// come are returned either way), and is the call's failure otherwise.
	// ctx bounds the wait too.
	Next(ctx context.Context, timeout time.Duration, n int) ([]cim.Object, error)
	// NextAsync delivers up to n objects to sink with Indicate, then one
	// SetStatus(StatusComplete): SNoError if n came, SFalse if fewer.
	NextAsync(ctx context.Context, n int, sink Sink) error
	// Skip passes over n objects, with Next's timeout and results.
	Skip(ctx context.Context, timeout time.Duration, n int) error
	// Reset starts again from the first object; on a forward-only
	// enumerator it is WBEM_E_INVALID_OPERATION.
	Reset() error
	// Clone returns an independent enumerator at the same position; on a
	// forward-only enumerator it is WBEM_E_INVALID_OPERATION.
	Clone() (Enumerator, error)
	// Close releases the enumerator. While the call still runs, closing its
	// last enumerator cancels it; for ExecNotificationQuery it ends the
	// subscription.
	Close() error
}

// CallResult is the result of a semisynchronous single-object call:
// IWbemCallResult. Each getter waits at most timeout for the call to finish;
// if it has not, the error matches status.ErrSTimedOut and the caller may
// ask again.
type CallResult interface {
	// GetResultObject returns the object of GetObject, or the out-parameters
	// of ExecMethod; a failed call returns the synchronous call's error.
	GetResultObject(ctx context.Context, timeout time.Duration) (cim.Object, error)
	// GetResultString returns the path PutInstance wrote;
	// WBEM_E_INVALID_OPERATION for a call that produces no string.
	GetResultString(ctx context.Context, timeout time.Duration) (string, error)
	// GetResultServices returns the Services of OpenNamespace.
	GetResultServices(ctx context.Context, timeout time.Duration) (Services, error)
	// GetCallStatus returns the code the call ended with. Unlike the other
	// getters its error is only about the waiting: a failed call is a nil
	// error and a failure code.
	GetCallStatus(ctx context.Context, timeout time.Duration) (status.Code, error)
	// Close releases the call result and cancels the call if it still runs.
	Close() error
}

// Services is IWbemServices: a connection to one namespace.
type Services interface {
	// Namespace returns the namespace the Services is bound to, e.g. `root\cimv2`.
	Namespace() string

	// OpenNamespace opens a child namespace of this one (a relative path
	// such as "cimv2" from root).
	OpenNamespace(ctx context.Context, namespace string, flags Flags, wctx *Context) (Services, error)
	OpenNamespaceCall(ctx context.Context, namespace string, flags Flags, wctx *Context) (CallResult, error)

	// CancelAsyncCall cancels every pending asynchronous call started on
	// this connection with sink; see DESIGN.md §3 for the contract.
	CancelAsyncCall(sink Sink) error
	// QueryObjectSink returns a sink into which the caller can Indicate
	// extrinsic events, for every matching subscription.
	QueryObjectSink(ctx context.Context, flags Flags) (Sink, error)

	// GetObject returns a class or instance by path. An empty path returns
	// an empty class to define a new one.
	GetObject(ctx context.Context, path string, flags Flags, wctx *Context) (cim.Object, error)
	GetObjectCall(ctx context.Context, path string, flags Flags, wctx *Context) (CallResult, error)
	GetObjectAsync(ctx context.Context, path string, flags Flags, wctx *Context, sink Sink) error

	PutClass(ctx context.Context, class *cim.Class, flags Flags, wctx *Context) error
	PutClassCall(ctx context.Context, class *cim.Class, flags Flags, wctx *Context) (CallResult, error)
	PutClassAsync(ctx context.Context, class *cim.Class, flags Flags, wctx *Context, sink Sink) error

	DeleteClass(ctx context.Context, class string, flags Flags, wctx *Context) error
	DeleteClassCall(ctx context.Context, class string, flags Flags, wctx *Context) (CallResult, error)
	DeleteClassAsync(ctx context.Context, class string, flags Flags, wctx *Context, sink Sink) error

	// CreateClassEnum enumerates the subclasses of superclass ("" for the
	// root classes): all descendants with FlagDeep, the direct children
	// with FlagShallow.
	CreateClassEnum(ctx context.Context, superclass string, flags Flags, wctx *Context) (Enumerator, error)
	CreateClassEnumAsync(ctx context.Context, superclass string, flags Flags, wctx *Context, sink Sink) error

	// PutInstance writes an instance and returns its path.
	PutInstance(ctx context.Context, inst *cim.Instance, flags Flags, wctx *Context) (string, error)
	PutInstanceCall(ctx context.Context, inst *cim.Instance, flags Flags, wctx *Context) (CallResult, error)
	PutInstanceAsync(ctx context.Context, inst *cim.Instance, flags Flags, wctx *Context, sink Sink) error

	DeleteInstance(ctx context.Context, path string, flags Flags, wctx *Context) error
	DeleteInstanceCall(ctx context.Context, path string, flags Flags, wctx *Context) (CallResult, error)
	DeleteInstanceAsync(ctx context.Context, path string, flags Flags, wctx *Context, sink Sink) error

	// CreateInstanceEnum enumerates the instances of a class: with its
	// subclasses' under FlagDeep, its own only under FlagShallow.
	CreateInstanceEnum(ctx context.Context, class string, flags Flags, wctx *Context) (Enumerator, error)
	CreateInstanceEnumAsync(ctx context.Context, class string, flags Flags, wctx *Context, sink Sink) error

	// ExecQuery runs a WQL data, schema or association query.
	ExecQuery(ctx context.Context, language, query string, flags Flags, wctx *Context) (Enumerator, error)
	ExecQueryAsync(ctx context.Context, language, query string, flags Flags, wctx *Context, sink Sink) error

	// ExecNotificationQuery subscribes to events. It has no synchronous
	// form: flags must be FlagReturnImmediately|FlagForwardOnly.
	ExecNotificationQuery(ctx context.Context, language, query string, flags Flags, wctx *Context) (Enumerator, error)
	ExecNotificationQueryAsync(ctx context.Context, language, query string, flags Flags, wctx *Context, sink Sink) error

	// ExecMethod calls a method of a class (static methods) or instance
	// (path with keys), with in holding the input parameters (an instance
	// of the method's input __PARAMETERS class, or nil) and returning the
	// output parameters with ReturnValue.
	ExecMethod(ctx context.Context, path, method string, flags Flags, wctx *Context, in *cim.Instance) (*cim.Instance, error)
	ExecMethodCall(ctx context.Context, path, method string, flags Flags, wctx *Context, in *cim.Instance) (CallResult, error)
	ExecMethodAsync(ctx context.Context, path, method string, flags Flags, wctx *Context, in *cim.Instance, sink Sink) error

	// Close releases the connection's Services; when the last Services of a
	// connection closes, its pending asynchronous calls are cancelled.
	Close() error
}

// ProgressCode packs work done and total into a progress HRESULT as WMI's
// SetStatus(WBEM_STATUS_PROGRESS) carries it.
func ProgressCode(done, total uint16) status.Code {
	return status.Code(uint32(total)<<16 | uint32(done))
}

// ProgressOf unpacks a progress HRESULT.
func ProgressOf(hr status.Code) (done, total uint16) {
	return uint16(uint32(hr)), uint16(uint32(hr) >> 16)
}

// ResultError returns the error a final SetStatus reports: nil for a success
// code, else an *status.Error with the code and the fields of the
// __ExtendedStatus object when obj is one.
func ResultError(hr status.Code, obj cim.Object) error {
	if !hr.Failed() {
		return nil
	}
	e := &status.Error{Code: hr}
	if obj != nil {
		str := func(name string) string {
			v, err := obj.Get(name)
			if err != nil {
				return ""
			}
			s, _ := v.Str()
			return s
		}
		e.Operation = str("Operation")
		e.ParameterInfo = str("ParameterInfo")
		e.ProviderName = str("ProviderName")
		e.Description = str("Description")
	}
	return e
}
