package native

import (
	"context"
	"time"

	"sync"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// messagesInTransit is how many messages the queue quota is spread over at
// least: a message holds at most QueueQuota/messagesInTransit objects, so
// that the provider can go on while the client takes the messages before
// (a message's objects count against the quota until the client's sink has
// taken them all).
const messagesInTransit = 8

// proxySink is the server's sink for one asynchronous call of a remote
// client: it encodes what the object manager delivers and queues it for
// the call's stream, which pump writes. The queue holds at most QueueQuota
// objects: past that the producer waits (back-pressure, rule 13), and a
// producer that waits longer than the sink timeout for a client that does
// not read ends the call with WBEM_E_QUOTA_VIOLATION.
type proxySink struct {
	srv   *Server
	svc   wbem.Services
	enc   *Encoder // used by Indicate only: the object manager calls one callback at a time
	last  int      // the size of the last batch Indicate encoded
	lastN int      // and its objects

	sess   *session
	sinkID uint64

	mu       sync.Mutex
	events   []*pb.CallEvent
	counts   []int // objects of each event
	queued   int   // objects in events
	inflight int   // objects sent and not credited by the client
	noCredit bool  // the client sends no credits (NextAsync)
	changed  chan struct{}
	final    bool
	aborted  bool
	quotaHit bool
}

var errSinkGone = status.New(status.CallCancelled, "the client is gone")

func (s *Server) newProxy(svc wbem.Services) *proxySink {
	return &proxySink{srv: s, svc: svc, enc: NewEncoder(), changed: make(chan struct{})}
}

func (p *proxySink) signalLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Indicate queues objects for the client.
func (p *proxySink) Indicate(objs []cim.Object) error {
	if len(objs) == 0 {
		return nil
	}
	quota := p.srv.opts.QueueQuota
	var timer *time.Timer
	p.mu.Lock()
	for {
		if p.aborted || p.final {
			p.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return errSinkGone
		}
		if transit := p.queued + p.inflight; transit == 0 || transit+len(objs) <= quota {
			break
		}
		if timer == nil {
			// Twice the sink timeout: a client whose sink is stuck cancels
			// the call itself after one (rule 7); this is for a client that
			// stopped reading altogether.
			timer = time.NewTimer(2 * p.srv.opts.SinkTimeout)
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
			p.mu.Lock()
		case <-timer.C:
			p.mu.Lock()
			p.quotaHit = true
			p.mu.Unlock()
			p.srv.quotaHits.Add(1)
			p.srv.log.Warn("a client did not take the results of its call in time", "timeout", p.srv.opts.SinkTimeout, "queued", quota)
			return status.Errorf(status.QuotaViolation, "the client did not take %d queued results within %s", quota, 2*p.srv.opts.SinkTimeout)
		}
	}
	if timer != nil {
		timer.Stop()
	}
	// The objects go at the end of the last queued message when the pump
	// has not taken it and it has room for a batch like the last one, so
	// that results travel in messages of up to maxBatchBytes with one copy.
	var tail *pb.CallEvent_Indicate
	if n := len(p.events); n > 0 && p.counts[n-1] > 0 {
		if ind := p.events[n-1].Event.(*pb.CallEvent_Indicate); len(ind.Indicate)+p.last <= cap(ind.Indicate) && p.counts[n-1]+len(objs) <= quota/messagesInTransit {
			tail = ind
		}
	}
	if tail != nil {
		n := len(p.events)
		ind := tail
		b, err := p.enc.AppendBatch(ind.Indicate, objs)
		if err != nil {
			p.mu.Unlock()
			return err
		}
		p.last, p.lastN = len(b)-len(ind.Indicate), len(objs)
		ind.Indicate = b
		p.counts[n-1] += len(objs)
	} else {
		// Room for a message's worth of objects the size of the last
		// batch's, up to maxBatchBytes.
		size := maxBatchBytes
		if p.last > 0 {
			size = min(size, max(4<<10, p.last*max(1, quota/messagesInTransit/p.lastN)+p.last/8))
		}
		b, err := p.enc.AppendBatch(make([]byte, 0, size), objs)
		if err != nil {
			p.mu.Unlock()
			return err
		}
		p.last, p.lastN = len(b), len(objs)
		p.events = append(p.events, &pb.CallEvent{Event: &pb.CallEvent_Indicate{Indicate: b}})
		p.counts = append(p.counts, len(objs))
	}
	p.queued += len(objs)
	p.srv.queueDepth.Add(int64(len(objs)))
	p.signalLocked()
	p.mu.Unlock()
	return nil
}

// SetStatus queues a progress or the final status.
func (p *proxySink) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	if flags != wbem.StatusComplete {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.aborted || p.final {
			return errSinkGone
		}
		p.events = append(p.events, &pb.CallEvent{Event: &pb.CallEvent_Status{Status: &pb.Status{Flags: int32(flags), Hr: uint32(hr), Param: param}}})
		p.counts = append(p.counts, 0)
		p.signalLocked()
		return nil
	}
	p.mu.Lock()
	if p.quotaHit && hr == status.CallCancelled {
		hr = status.QuotaViolation
		if inst, ok := obj.(*cim.Instance); ok {
			inst = inst.Clone()
			_ = inst.Put("StatusCode", cim.Uint32(uint32(hr)))
			obj = inst
		}
	}
	p.mu.Unlock()
	ob, err := EncodeObject(obj)
	if err != nil {
		ob = nil
	}
	st := &pb.Status{Flags: int32(flags), Hr: uint32(hr), Param: param, Object: ob}
	p.mu.Lock()
	if p.final {
		p.mu.Unlock()
		return nil
	}
	p.final = true
	p.events = append(p.events, &pb.CallEvent{Event: &pb.CallEvent_Status{Status: st}})
	p.counts = append(p.counts, 0)
	p.signalLocked()
	p.mu.Unlock()
	if p.sess != nil {
		p.sess.removeSink(p.sinkID, p)
	}
	return nil
}

// credit records objects the client's sink has taken.
func (p *proxySink) credit(n int) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n = min(n, p.inflight)
	p.inflight -= n
	p.srv.queueDepth.Add(-int64(n))
	p.signalLocked()
}

// abort stops deliveries: queued results are dropped, a waiting producer
// is released, and later callbacks fail; a final status still goes out.
func (p *proxySink) abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.aborted {
		return
	}
	p.aborted = true
	keep := p.events[:0]
	keepN := p.counts[:0]
	for k, ev := range p.events {
		if st, ok := ev.Event.(*pb.CallEvent_Status); ok && st.Status.Flags == int32(wbem.StatusComplete) {
			keep = append(keep, ev)
			keepN = append(keepN, 0)
		}
		_ = k
	}
	p.events, p.counts = keep, keepN
	p.srv.queueDepth.Add(-int64(p.queued + p.inflight))
	p.queued, p.inflight = 0, 0
	p.signalLocked()
}

// pump writes the queued events to the stream until the final status is
// written (nil) or the stream fails (its error).
func (p *proxySink) pump(ctx context.Context, stream eventSender) error {
	for {
		p.mu.Lock()
		for len(p.events) == 0 {
			ch := p.changed
			p.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return ctx.Err()
			}
			p.mu.Lock()
		}
		evs := p.events
		p.events, p.counts = nil, nil
		if p.noCredit || p.aborted {
			p.srv.queueDepth.Add(-int64(p.queued))
		} else {
			p.inflight += p.queued
		}
		p.queued = 0
		p.signalLocked()
		p.mu.Unlock()

		// Indicate has already gathered the objects into messages.
		for _, ev := range evs {
			if err := stream.Send(ev); err != nil {
				return err
			}
			if st, ok := ev.Event.(*pb.CallEvent_Status); ok && st.Status.Flags == int32(wbem.StatusComplete) {
				return nil
			}
		}
	}
}
