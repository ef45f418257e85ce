package cimom

import (
	"context"
	"sync"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// callResult is the internal sink of a semisynchronous single-result call
// and the CallResult its caller holds.
type callResult struct {
	method wbem.Method

	mu      sync.Mutex
	changed chan struct{}
	done    bool
	hr      status.Code
	param   string
	errObj  cim.Object
	obj     cim.Object
	svc     wbem.Services
	call    *call
	closed  bool
	failure error // the error of a call that failed before it started
}

var _ wbem.CallResult = (*callResult)(nil)

func newCallResult(m wbem.Method) *callResult {
	return &callResult{method: m, changed: make(chan struct{})}
}

// completedResult returns a CallResult of a call that already ended.
func completedResult(m wbem.Method, obj cim.Object, svc wbem.Services, param string, err error) *callResult {
	r := newCallResult(m)
	r.done, r.obj, r.svc, r.param = true, obj, svc, param
	if err != nil {
		r.hr = status.CodeOf(err)
		r.errObj = nil
		r.failure = err
	}
	return r
}

func (r *callResult) bind(c *call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.call = c
}

func (r *callResult) Indicate(objs []cim.Object) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errCallGone
	}
	if len(objs) > 0 && r.obj == nil {
		r.obj = objs[0]
	}
	return nil
}

func (r *callResult) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	if flags != wbem.StatusComplete {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done, r.hr, r.param, r.errObj, r.call = true, hr, param, obj, nil
	close(r.changed)
	return nil
}

// wait waits for the call to end; false when the time ran out.
func (r *callResult) wait(ctx context.Context, timeout time.Duration) error {
	r.mu.Lock()
	done, ch := r.done, r.changed
	r.mu.Unlock()
	if done {
		return nil
	}
	if timeout == wbem.NoWait {
		return &status.Error{Code: status.STimedOut}
	}
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ch:
		return nil
	case <-timer:
		return &status.Error{Code: status.STimedOut}
	case <-ctx.Done():
		return status.Wrap(status.CallCancelled, ctx.Err())
	}
}

func (r *callResult) outcome() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failure != nil {
		return r.failure
	}
	return wbem.ResultError(r.hr, r.errObj)
}

func (r *callResult) GetResultObject(ctx context.Context, timeout time.Duration) (cim.Object, error) {
	if err := r.wait(ctx, timeout); err != nil {
		return nil, err
	}
	if err := r.outcome(); err != nil {
		return nil, err
	}
	if r.method != wbem.MethodGetObject && r.method != wbem.MethodExecMethod {
		return nil, status.Errorf(status.InvalidOperation, "%s has no result object", r.method)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.obj, nil
}

func (r *callResult) GetResultString(ctx context.Context, timeout time.Duration) (string, error) {
	if err := r.wait(ctx, timeout); err != nil {
		return "", err
	}
	if err := r.outcome(); err != nil {
		return "", err
	}
	if r.method != wbem.MethodPutInstance {
		return "", status.Errorf(status.InvalidOperation, "%s has no result string", r.method)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.param, nil
}

func (r *callResult) GetResultServices(ctx context.Context, timeout time.Duration) (wbem.Services, error) {
	if err := r.wait(ctx, timeout); err != nil {
		return nil, err
	}
	if err := r.outcome(); err != nil {
		return nil, err
	}
	if r.method != wbem.MethodOpenNamespace {
		return nil, status.Errorf(status.InvalidOperation, "%s has no result Services", r.method)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.svc, nil
}

func (r *callResult) GetCallStatus(ctx context.Context, timeout time.Duration) (status.Code, error) {
	if err := r.wait(ctx, timeout); err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hr, nil
}

// Close releases the result and cancels the call if it still runs.
func (r *callResult) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	running := r.call
	r.mu.Unlock()
	if running != nil {
		running.cancelCall(status.CallCancelled, "the call result was released")
	}
	return nil
}
