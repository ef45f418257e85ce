package event

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gowmi/gowmi/cim"
)

// poller polls one class of one namespace at one interval for every
// subscription with that class and WITHIN interval: each poll enumerates
// the class (with its subclasses), keys the instances by __RELPATH, and
// makes __InstanceCreationEvent for new keys, __InstanceDeletionEvent (with
// the last copy seen) for vanished ones and __InstanceModificationEvent
// (with PreviousInstance) for instances whose properties changed. Changes
// that come and go between two polls are not seen, as in WMI.
type poller struct {
	h                *Hub
	key              string
	ns, nsKey, class string
	every            time.Duration
	refs             int // guarded by Hub.ctlMu
	ctx              context.Context
	cancel           context.CancelFunc
	ready            chan struct{} // closed once the first enumeration is done
	mu               sync.Mutex
	subs             map[*Subscription]kindSet
	baseline         map[string]*cim.Instance // owned by whoever polls
	known            bool                     // baseline holds a successful enumeration
	lastErr          string
}

// pollAcquire returns the poller of a plan's class and interval, making it
// if needed (isNew: the caller starts it). ctlMu is held.
func (h *Hub) pollAcquire(p *plan, class string) (pl *poller, isNew bool) {
	every := p.stmt.Within
	key := fmt.Sprintf("%s\x00%s\x00%d", p.nsKey, strings.ToLower(class), every)
	if pl := h.pollers[key]; pl != nil {
		pl.refs++
		return pl, false
	}
	ctx, cancel := context.WithCancel(h.ctx)
	pl = &poller{h: h, key: key, ns: p.ns, nsKey: p.nsKey, class: class, every: every, refs: 1,
		ctx: ctx, cancel: cancel, ready: make(chan struct{}), subs: map[*Subscription]kindSet{}}
	h.pollers[key] = pl
	return pl, true
}

// pollRelease detaches a subscription; the last one stops the poller.
// ctlMu is held.
func (h *Hub) pollRelease(pl *poller, s *Subscription) {
	pl.mu.Lock()
	delete(pl.subs, s)
	pl.mu.Unlock()
	pl.refs--
	if pl.refs == 0 {
		delete(h.pollers, pl.key)
		pl.cancel()
	}
}

// start starts a new poller's goroutine. With baseline, the first
// enumeration is made now, on the caller's goroutine; otherwise the
// goroutine makes it first.
func (pl *poller) start(baseline bool) {
	if baseline {
		pl.poll()
	}
	pl.h.m.pollers.Add(1)
	if !pl.h.spawn(func() { pl.run(!baseline) }) {
		pl.h.m.pollers.Add(-1)
	}
	close(pl.ready)
}

func (pl *poller) run(first bool) {
	defer pl.h.m.pollers.Add(-1)
	if first {
		pl.poll()
	}
	t := time.NewTicker(pl.every)
	defer t.Stop()
	for {
		select {
		case <-pl.ctx.Done():
			return
		case <-t.C:
			pl.poll()
		}
	}
}

// poll enumerates the class once and raises the differences from the last
// enumeration.
func (pl *poller) poll() {
	h := pl.h
	if pl.ctx.Err() != nil {
		return
	}
	list, err := pl.enumerate()
	h.m.polls.Add(1)
	if err != nil {
		if pl.ctx.Err() == nil && err.Error() != pl.lastErr {
			h.log.Warn("event polling failed", "namespace", pl.ns, "class", pl.class, "error", err)
		}
		pl.lastErr = err.Error()
		return
	}
	pl.lastErr = ""
	cur := make(map[string]*cim.Instance, len(list))
	for _, inst := range list {
		if rp := inst.RelPath(); rp != "" {
			cur[strings.ToLower(rp)] = inst
		}
	}
	prev, known := pl.baseline, pl.known
	pl.baseline, pl.known = cur, true
	if !known {
		return
	}
	pl.mu.Lock()
	var want kindSet
	for _, k := range pl.subs {
		want |= k
	}
	pl.mu.Unlock()
	if want == 0 {
		return
	}
	type change struct {
		kind      kindSet
		key       string
		cur, prev *cim.Instance
	}
	var changes []change
	for k, inst := range cur {
		old, ok := prev[k]
		switch {
		case !ok:
			changes = append(changes, change{kindCreation, k, inst, nil})
		case !inst.CompareTo(old, cim.CompareIgnoreClass|cim.CompareIgnoreObjectSource|cim.CompareIgnoreQualifiers):
			changes = append(changes, change{kindModification, k, inst, old})
		}
	}
	for k, old := range prev {
		if _, ok := cur[k]; !ok {
			changes = append(changes, change{kindDeletion, k, old, old})
		}
	}
	if len(changes) == 0 {
		return
	}
	slices.SortFunc(changes, func(a, b change) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return strings.Compare(a.key, b.key)
	})
	for _, c := range changes {
		if want&c.kind == 0 {
			continue
		}
		var ev *cim.Instance
		switch c.kind {
		case kindCreation:
			ev = h.instanceEvent(pl.nsKey, pl.ns, "__InstanceCreationEvent", c.cur, nil)
		case kindModification:
			ev = h.instanceEvent(pl.nsKey, pl.ns, "__InstanceModificationEvent", c.cur, c.prev)
		case kindDeletion:
			ev = h.instanceEvent(pl.nsKey, pl.ns, "__InstanceDeletionEvent", c.cur, nil)
		}
		if ev == nil {
			continue
		}
		h.m.raised.Add(1)
		pl.mu.Lock()
		targets := make([]*Subscription, 0, len(pl.subs))
		for s, k := range pl.subs {
			if k&c.kind != 0 {
				targets = append(targets, s)
			}
		}
		pl.mu.Unlock()
		for _, s := range targets {
			s.offer(ev)
		}
	}
}

// enumerate lists the class, turning a panic of the provider into an
// error.
func (pl *poller) enumerate() (list []*cim.Instance, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the provider panicked: %v", r)
		}
	}()
	return pl.h.opts.Enumerate(pl.ctx, pl.ns, pl.class)
}
