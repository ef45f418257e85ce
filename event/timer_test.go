package event

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
)

func intervalTimer(e *env, id string, ms uint32, skip bool) *cim.Instance {
	return e.instance("__IntervalTimerInstruction", map[string]cim.Value{
		"TimerId": cim.String(id), "IntervalBetweenEvents": cim.Uint32(ms), "SkipIfPassed": cim.Boolean(skip)})
}

func TestIntervalTimer(t *testing.T) {
	e := newEnv(t)
	r := e.subscribe("SELECT * FROM __TimerEvent WHERE TimerId = 't1'")
	other := e.subscribe("SELECT * FROM __TimerEvent WHERE TimerId = 'nobody'")
	e.put(testNS, intervalTimer(e, "t1", 10, false))
	for range 3 {
		ev := r.next(t)
		if str(ev, "TimerId") != "t1" || num(ev, "NumFirings") < 1 || num(ev, "TIME_CREATED") == 0 {
			t.Fatalf("got %s", ev.MOF())
		}
	}
	e.del(testNS, `__IntervalTimerInstruction.TimerId="t1"`)
	if n := e.h.Metrics().Timers; n != 0 {
		t.Errorf("%d timers after the instruction was deleted", n)
	}
	other.none(t)
}

func TestAbsoluteTimer(t *testing.T) {
	cases := []struct {
		name     string
		offset   time.Duration
		skip     bool
		wantFire bool
	}{
		{"in the future", 20 * time.Millisecond, false, true},
		{"passed, fires at once", -time.Hour, false, true},
		{"passed with SkipIfPassed", -time.Hour, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.subscribe("SELECT * FROM __TimerEvent")
			e.put(testNS, e.instance("__AbsoluteTimerInstruction", map[string]cim.Value{
				"TimerId":       cim.String("abs"),
				"EventDateTime": cim.DateTimeValue(cim.FromTime(time.Now().Add(tc.offset))),
				"SkipIfPassed":  cim.Boolean(tc.skip),
			}))
			if !tc.wantFire {
				if n := e.h.Metrics().Timers; n != 0 {
					t.Errorf("%d timers scheduled", n)
				}
				return
			}
			ev := r.next(t)
			if str(ev, "TimerId") != "abs" || num(ev, "NumFirings") != 1 {
				t.Errorf("got %s", ev.MOF())
			}
			// It fired once: it is recorded, and gone from the schedule.
			waitFor(t, "the firing to be recorded", func() bool {
				var found bool
				_ = e.store.View(bg, func(tx repository.Tx) error {
					_, err := tx.GetInstance(testNS, cim.MustParsePath(`__TimerNextFiring.TimerId="abs"`))
					found = err == nil
					return nil
				})
				return found && e.h.Metrics().Timers == 0
			})
		})
	}
}

// TestTimerCatchesUp checks NumFirings for firings missed while the Hub
// was stopped, from a __TimerNextFiring record 10.5 intervals old.
func TestTimerCatchesUp(t *testing.T) {
	for _, skip := range []bool{false, true} {
		t.Run(map[bool]string{false: "counted", true: "SkipIfPassed"}[skip], func(t *testing.T) {
			e := newEnv(t)
			r := e.subscribe("SELECT * FROM __TimerEvent WHERE TimerId = 'late'")
			due := int64(cim.ToFileTime(time.Now().Add(-10*time.Hour - 30*time.Minute)))
			e.h.schedule(testNS, intervalTimer(e, "late", uint32(time.Hour/time.Millisecond), skip), &due)
			if !skip {
				ev := r.next(t)
				if n := num(ev, "NumFirings"); n != 11 {
					t.Errorf("NumFirings = %d, want 11", n)
				}
			}
			e.h.timerMu.Lock()
			tm := e.h.timers[nsKey(testNS)+"\x00late"]
			e.h.timerMu.Unlock()
			if tm == nil {
				t.Fatal("the timer is not scheduled")
			}
			if until := time.Until(tm.next); until <= 0 || until > 30*time.Minute {
				t.Errorf("next firing in %v, want in the 30 minutes left of the current interval", until)
			}
			e.barrier()
			r.none(t)
		})
	}
}

// TestTimersAcrossRestart checks that Close records the interval timers'
// next firings and New schedules them from the records.
func TestTimersAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "repo.db")
	store, err := repository.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, store, true)
	e.put(testNS, intervalTimer(e, "keep", 3_600_000, false))
	e.h.timerMu.Lock()
	next := e.h.timers[nsKey(testNS)+"\x00keep"].next
	e.h.timerMu.Unlock()
	e.h.Close()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	store, err = repository.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	e2 := newEnvOn(t, store, false)
	e2.h.timerMu.Lock()
	tm := e2.h.timers[nsKey(testNS)+"\x00keep"]
	e2.h.timerMu.Unlock()
	if tm == nil {
		t.Fatal("the timer is not scheduled after the restart")
	}
	if d := tm.next.Sub(next); d < -time.Microsecond || d > time.Microsecond {
		t.Errorf("next firing %v after the restart, want the recorded %v", tm.next, next)
	}
	e2.h.Close()
}
