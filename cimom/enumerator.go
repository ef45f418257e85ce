package cimom

import (
	"context"
	"sync"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// enumBuffer is the internal sink of a semisynchronous enumeration and the
// result set its cursors (the Enumerators) read. A forward-only buffer
// keeps only what its one reader has not read, at most window objects
// ahead: past that the producer waits (back-pressure). A bidirectional one
// keeps everything for Reset and Clone, at most quota objects; past that
// its call ends with WBEM_E_QUOTA_VIOLATION.
type enumBuffer struct {
	forwardOnly   bool
	window, quota int

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	objs    []cim.Object
	base    int // stream position of objs[0] (forward-only)
	done    bool
	hr      status.Code
	errObj  cim.Object
	refs    int
	closed  bool
	call    *call
	stopped <-chan struct{} // the producer's context
}

func newEnumBuffer(forwardOnly bool, window, quota int) *enumBuffer {
	return &enumBuffer{forwardOnly: forwardOnly, window: window, quota: quota, changed: make(chan struct{})}
}

// completedEnum returns an Enumerator over a finished result.
func completedEnum(objs []cim.Object, forwardOnly bool) wbem.Enumerator {
	b := newEnumBuffer(forwardOnly, len(objs), len(objs))
	b.objs, b.done = objs, true
	return b.cursor()
}

func (b *enumBuffer) bind(c *call) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.call = c
	b.stopped = c.ctx.Done()
}

func (b *enumBuffer) signalLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Indicate is the producer's side.
func (b *enumBuffer) Indicate(objs []cim.Object) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if b.closed || b.done {
			return errCallGone
		}
		if !b.forwardOnly {
			if len(b.objs)+len(objs) > b.quota {
				return status.Errorf(status.QuotaViolation,
					"a bidirectional enumerator may hold %d objects; use WBEM_FLAG_FORWARD_ONLY for larger results", b.quota)
			}
			break
		}
		if len(b.objs) < b.window {
			break
		}
		ch, stopped := b.changed, b.stopped
		b.mu.Unlock()
		select {
		case <-ch:
		case <-stopped:
		}
		b.mu.Lock()
		if stopped != nil && isClosed(stopped) {
			return errCallGone
		}
	}
	b.objs = append(b.objs, objs...)
	b.signalLocked()
	return nil
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// SetStatus receives the final status; progress is not delivered to
// semisynchronous callers.
func (b *enumBuffer) SetStatus(flags wbem.StatusFlags, hr status.Code, _ string, obj cim.Object) error {
	if flags != wbem.StatusComplete {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done, b.hr, b.errObj = true, hr, obj
	b.call = nil
	b.signalLocked()
	return nil
}

func (b *enumBuffer) cursor() *cursor {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refs++
	return &cursor{buf: b}
}

// cursor is an Enumerator: a position in an enumBuffer.
type cursor struct {
	buf    *enumBuffer
	pos    int
	closed bool
}

var _ wbem.Enumerator = (*cursor)(nil)

func (c *cursor) take(ctx context.Context, timeout time.Duration, n int, keep bool) ([]cim.Object, error) {
	if n <= 0 {
		if n == 0 {
			return nil, nil // WMI: uCount 0 is S_OK with nothing returned
		}
		return nil, status.New(status.InvalidParameter, "Next needs a count of at least 0")
	}
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	var got []cim.Object
	taken := 0
	b := c.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.closed {
		return nil, status.New(status.InvalidOperation, "the enumerator is closed")
	}
	for {
		start := c.pos - b.base
		if k := min(len(b.objs)-start, n-taken); k > 0 {
			if keep {
				got = append(got, b.objs[start:start+k]...)
			}
			taken += k
			c.pos += k
			if b.forwardOnly {
				clear(b.objs[:start+k])
				b.objs = b.objs[start+k:]
				b.base += start + k
				b.signalLocked()
			}
			if taken == n {
				return got, nil
			}
		}
		if b.closed || c.closed {
			return got, status.New(status.CallCancelled, "the enumerator was released")
		}
		if b.done {
			if err := wbem.ResultError(b.hr, b.errObj); err != nil {
				return got, err
			}
			return got, &status.Error{Code: status.SFalse}
		}
		if timeout == wbem.NoWait {
			return got, &status.Error{Code: status.STimedOut}
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
			b.mu.Lock()
		case <-timer:
			b.mu.Lock()
			return got, &status.Error{Code: status.STimedOut}
		case <-ctx.Done():
			b.mu.Lock()
			return got, status.Wrap(status.CallCancelled, ctx.Err())
		}
	}
}

func (c *cursor) Next(ctx context.Context, timeout time.Duration, n int) ([]cim.Object, error) {
	return c.take(ctx, timeout, n, true)
}

func (c *cursor) Skip(ctx context.Context, timeout time.Duration, n int) error {
	_, err := c.take(ctx, timeout, n, false)
	return err
}

// NextAsync delivers the next n objects to sink from a new goroutine, which
// ends when they have come, the enumeration ends, or the enumerator closes.
func (c *cursor) NextAsync(ctx context.Context, n int, sink wbem.Sink) error {
	if !comparableSink(sink) {
		return status.New(status.InvalidParameter, "NextAsync needs a sink")
	}
	if c.isClosed() {
		return status.New(status.InvalidOperation, "the enumerator is closed")
	}
	go func() {
		objs, err := c.take(context.Background(), wbem.Infinite, n, true)
		if len(objs) > 0 {
			if sink.Indicate(objs) != nil {
				_ = sink.SetStatus(wbem.StatusComplete, status.CallCancelled, "", nil)
				return
			}
		}
		code := status.CodeOf(err)
		if code == status.InvalidOperation {
			// The enumerator was released before the delivery began.
			code = status.CallCancelled
		}
		_ = sink.SetStatus(wbem.StatusComplete, code, "", nil)
	}()
	return nil
}

// isClosed reads closed under the buffer's lock: a NextAsync goroutine
// shares the cursor.
func (c *cursor) isClosed() bool {
	c.buf.mu.Lock()
	defer c.buf.mu.Unlock()
	return c.closed
}

func (c *cursor) Reset() error {
	if c.buf.forwardOnly {
		return status.New(status.InvalidOperation, "a forward-only enumerator cannot Reset")
	}
	c.buf.mu.Lock()
	defer c.buf.mu.Unlock()
	if c.closed {
		return status.New(status.InvalidOperation, "the enumerator is closed")
	}
	c.pos = 0
	return nil
}

func (c *cursor) Clone() (wbem.Enumerator, error) {
	if c.buf.forwardOnly {
		return nil, status.New(status.InvalidOperation, "a forward-only enumerator cannot Clone")
	}
	b := c.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.closed {
		return nil, status.New(status.InvalidOperation, "the enumerator is closed")
	}
	b.refs++
	return &cursor{buf: b, pos: c.pos}, nil
}

// Close releases the cursor; the last one cancels a call still running.
func (c *cursor) Close() error {
	b := c.buf
	b.mu.Lock()
	if c.closed {
		b.mu.Unlock()
		return nil
	}
	c.closed = true
	b.refs--
	last := b.refs == 0
	var running *call
	if last {
		b.closed = true
		running = b.call
		b.objs = nil
	}
	b.signalLocked() // wakes a NextAsync of this cursor
	b.mu.Unlock()
	if running != nil {
		running.cancelCall(status.CallCancelled, "the enumerator was released")
	}
	return nil
}
