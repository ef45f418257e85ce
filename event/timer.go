package event

import (
	"context"
	"strings"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
)

// Timers: every instance of __IntervalTimerInstruction and
// __AbsoluteTimerInstruction in the repository fires __TimerEvent (TimerId,
// NumFirings) in its namespace: an interval timer every
// IntervalBetweenEvents milliseconds from when it was written (or from when
// the Hub started), an absolute one once at EventDateTime. A time.Timer
// waits for each: no goroutine is held between firings.
//
// NumFirings counts the firings an event stands for. A firing that comes
// late by more than an interval (the process was stopped, the machine was
// busy) stands for the ones missed when SkipIfPassed is FALSE; with
// SkipIfPassed TRUE they are skipped and NumFirings is 1. Across restarts:
// Close records each interval timer's next firing time in an instance of
// __TimerNextFiring (NextEvent64BitTime, a FILETIME) in the timer's
// namespace, and New catches up from it; an absolute timer that fired is
// recorded the same way, with NextEvent64BitTime holding the FILETIME of
// the EventDateTime it fired for, so that it does not fire again; one
// whose time passed while the Hub was stopped fires at start unless
// SkipIfPassed.

type timer struct {
	key, ns, nsKey, id string
	interval           time.Duration // 0 for an absolute timer
	at                 time.Time     // an absolute timer's time
	skip               bool
	next               time.Time
	t                  *time.Timer
	stopped            bool
}

// allNamespaces returns every namespace of the repository, parents first.
func allNamespaces(tx repository.Tx) []string {
	out := []string{"root"}
	for i := 0; i < len(out); i++ {
		kids, err := tx.Namespaces(out[i])
		if err == nil {
			out = append(out, kids...)
		}
	}
	return out
}

// loadTimers schedules the timer instructions of the repository.
func (h *Hub) loadTimers() {
	type found struct {
		ns   string
		inst *cim.Instance
		rec  *int64
	}
	var all []found
	_ = h.store.View(context.Background(), func(tx repository.Tx) error {
		for _, ns := range allNamespaces(tx) {
			recs := map[string]int64{}
			_ = tx.Instances(ns, "__TimerNextFiring", false, func(inst *cim.Instance) error {
				id := strProp(inst, "TimerId")
				if v, err := inst.Get("NextEvent64BitTime"); err == nil {
					if n, ok := v.Int(); ok {
						recs[strings.ToLower(id)] = n
					}
				}
				return nil
			})
			_ = tx.Instances(ns, "__TimerInstruction", true, func(inst *cim.Instance) error {
				f := found{ns: ns, inst: inst}
				if n, ok := recs[strings.ToLower(strProp(inst, "TimerId"))]; ok {
					f.rec = &n
				}
				all = append(all, f)
				return nil
			})
		}
		return nil
	})
	for _, f := range all {
		h.schedule(f.ns, f.inst, f.rec)
	}
}

// timerChanged applies a change to a timer instruction.
func (h *Hub) timerChanged(c repository.Change) {
	inst, ok := c.Object.(*cim.Instance)
	if !ok {
		return
	}
	if c.Kind == repository.InstanceDeleted {
		h.unschedule(nsKey(c.Namespace) + "\x00" + strings.ToLower(strProp(inst, "TimerId")))
		return
	}
	h.schedule(c.Namespace, inst, nil)
}

func (h *Hub) unschedule(key string) {
	h.timerMu.Lock()
	defer h.timerMu.Unlock()
	if t := h.timers[key]; t != nil {
		t.stopped = true
		t.t.Stop()
		delete(h.timers, key)
	}
}

// schedule (re)starts the timer of an instruction; rec is its
// __TimerNextFiring record, when the Hub is starting.
func (h *Hub) schedule(ns string, inst *cim.Instance, rec *int64) {
	ns = cim.NormalizeNamespace(ns)
	id := strProp(inst, "TimerId")
	if id == "" || h.isClosed() {
		return
	}
	nk := nsKey(ns)
	key := nk + "\x00" + strings.ToLower(id)
	h.unschedule(key)
	t := &timer{key: key, ns: ns, nsKey: nk, id: id}
	if v, err := inst.Get("SkipIfPassed"); err == nil {
		t.skip, _ = v.Bool()
	}
	now := timeNow()
	fireNow := uint32(0)
	switch {
	case inst.InheritsFrom("__IntervalTimerInstruction"):
		v, _ := inst.Get("IntervalBetweenEvents")
		ms, ok := v.Uint()
		if !ok || ms == 0 {
			h.log.Warn("interval timer without IntervalBetweenEvents: ignored", "namespace", ns, "timer", id)
			return
		}
		t.interval = max(time.Duration(ms)*time.Millisecond, MinTimerInterval)
		t.next = now.Add(t.interval)
		if rec != nil && *rec > 0 {
			due := cim.FromFileTime(uint64(*rec))
			if !due.After(now) {
				missed := now.Sub(due)/t.interval + 1
				if !t.skip {
					fireNow = uint32(missed)
				}
				due = due.Add(missed * t.interval)
			}
			t.next = due
		}
	case inst.InheritsFrom("__AbsoluteTimerInstruction"):
		v, _ := inst.Get("EventDateTime")
		dt, ok := v.DateTime()
		if !ok {
			return
		}
		at, err := dt.Time()
		if err != nil {
			return
		}
		t.at = at
		t.next = at
		if !at.After(now) {
			// Passed: fire now, unless SkipIfPassed or it fired already.
			if t.skip || (rec != nil && *rec == int64(cim.ToFileTime(at))) {
				return
			}
			fireNow = 1
		}
	default:
		return
	}
	h.timerMu.Lock()
	h.timers[key] = t
	if fireNow > 0 {
		n := fireNow
		t.t = time.AfterFunc(0, func() { h.fire(t, n) })
	} else {
		t.t = time.AfterFunc(time.Until(t.next), func() { h.fire(t, 0) })
	}
	h.timerMu.Unlock()
}

// fire raises a timer's event and schedules its next firing. n, when not
// 0, is the number of firings the event stands for (catching up at start).
func (h *Hub) fire(t *timer, n uint32) {
	h.timerMu.Lock()
	if t.stopped || h.timers[t.key] != t {
		h.timerMu.Unlock()
		return
	}
	now := timeNow()
	catchUp := n > 0
	if n == 0 {
		n = 1
	}
	if t.interval > 0 {
		if !catchUp {
			if late := now.Sub(t.next); late >= t.interval {
				missed := late / t.interval
				if !t.skip {
					n += uint32(missed)
				}
				t.next = t.next.Add(missed * t.interval)
			}
			t.next = t.next.Add(t.interval)
		}
		for !t.next.After(now) {
			t.next = t.next.Add(t.interval)
		}
		t.t.Reset(time.Until(t.next))
	} else {
		delete(h.timers, t.key)
	}
	h.timerMu.Unlock()

	ev, e, err := h.newEvent(t.nsKey, "__TimerEvent")
	if err == nil {
		_ = ev.Put("TimerId", cim.String(t.id))
		_ = ev.Put("NumFirings", cim.Uint32(n))
		h.dispatch(t.nsKey, ev, e.chain, nil)
	}
	if t.interval == 0 {
		at := int64(cim.ToFileTime(t.at))
		h.spawn(func() { h.recordTimers(map[string][]timerRecord{t.ns: {{t.id, at}}}) })
	}
}

type timerRecord struct {
	id   string
	next int64
}

// recordTimers writes __TimerNextFiring records.
func (h *Hub) recordTimers(recs map[string][]timerRecord) {
	err := h.store.Update(context.Background(), func(tx repository.Tx) error {
		for ns, list := range recs {
			c, err := tx.GetClass(ns, "__TimerNextFiring")
			if err != nil {
				continue
			}
			for _, r := range list {
				inst, err := c.SpawnInstance()
				if err != nil {
					return err
				}
				_ = inst.Put("TimerId", cim.String(r.id))
				_ = inst.Put("NextEvent64BitTime", cim.Sint64(r.next))
				if err := tx.PutInstance(ns, inst, 0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		h.log.Warn("cannot record the timers' next firings", "error", err)
	}
}

// stopTimers stops every timer and records the next firing of the interval
// timers.
func (h *Hub) stopTimers() {
	h.timerMu.Lock()
	recs := map[string][]timerRecord{}
	for k, t := range h.timers {
		t.stopped = true
		t.t.Stop()
		if t.interval > 0 {
			recs[t.ns] = append(recs[t.ns], timerRecord{t.id, int64(cim.ToFileTime(t.next))})
		}
		delete(h.timers, k)
	}
	h.timerMu.Unlock()
	if len(recs) > 0 {
		h.recordTimers(recs)
	}
}

// strProp returns a string property, "" when NULL or absent.
func strProp(o cim.Object, name string) string {
	v, err := o.Get(name)
	if err != nil {
		return ""
	}
	s, _ := v.Str()
	return s
}
