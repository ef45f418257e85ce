package event

import (
	"context"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
)

// Limits are the subscription limits of __ArbitratorConfiguration that the
// Hub enforces. A subscription past a limit is refused with
// WBEM_E_QUOTA_VIOLATION (a permanent one stays inactive, and the refusal
// is logged).
//
// A temporary subscription's user is the connection's user; a permanent
// one's is the CreatorSID of its filter. Polling instructions count the
// subscriptions that poll (WITHIN on a class no event provider covers).
// PollingMemoryPerUser and PollingMemoryTotal, and the task, thread, cache
// and user limits (documented as unused by Windows), are not enforced.
type Limits struct {
	TemporarySubscriptionsPerUser uint32
	TemporarySubscriptionsTotal   uint32
	PermanentSubscriptionsPerUser uint32
	PermanentSubscriptionsTotal   uint32
	PollingInstructionsPerUser    uint32
	PollingInstructionsTotal      uint32
}

// DefaultLimits are the values Windows ships in __ArbitratorConfiguration.
var DefaultLimits = Limits{
	TemporarySubscriptionsPerUser: 1000,
	TemporarySubscriptionsTotal:   10000,
	PermanentSubscriptionsPerUser: 1000,
	PermanentSubscriptionsTotal:   10000,
	PollingInstructionsPerUser:    1000,
	PollingInstructionsTotal:      10000,
}

// usage counts what the limits bound. Guarded by Hub.ctlMu.
type usage struct {
	limits    Limits
	temporary counter
	permanent counter
	polling   counter
}

type counter struct {
	total  int
	byUser map[string]int
}

func (c *counter) check(user string, perUser, total uint32, what string) error {
	if total > 0 && c.total >= int(total) {
		return status.Errorf(status.QuotaViolation, "%d %s exist, the most __ArbitratorConfiguration allows", c.total, what)
	}
	if perUser > 0 && c.byUser[user] >= int(perUser) {
		return status.Errorf(status.QuotaViolation, "user %q has %d %s, the most __ArbitratorConfiguration allows per user", user, c.byUser[user], what)
	}
	return nil
}

func (c *counter) add(user string, n int) {
	if c.byUser == nil {
		c.byUser = map[string]int{}
	}
	c.total += n
	c.byUser[user] += n
	if c.byUser[user] <= 0 {
		delete(c.byUser, user)
	}
}

// reserve checks and counts a new subscription. ctlMu is held.
func (u *usage) reserve(user string, permanent, polls bool) error {
	l := u.limits
	if permanent {
		if err := u.permanent.check(user, l.PermanentSubscriptionsPerUser, l.PermanentSubscriptionsTotal, "permanent subscriptions"); err != nil {
			return err
		}
	} else if err := u.temporary.check(user, l.TemporarySubscriptionsPerUser, l.TemporarySubscriptionsTotal, "temporary subscriptions"); err != nil {
		return err
	}
	if polls {
		if err := u.polling.check(user, l.PollingInstructionsPerUser, l.PollingInstructionsTotal, "polling subscriptions"); err != nil {
			return err
		}
		u.polling.add(user, 1)
	}
	if permanent {
		u.permanent.add(user, 1)
	} else {
		u.temporary.add(user, 1)
	}
	return nil
}

func (u *usage) release(user string, permanent, polls bool) {
	if polls {
		u.polling.add(user, -1)
	}
	if permanent {
		u.permanent.add(user, -1)
	} else {
		u.temporary.add(user, -1)
	}
}

// loadLimits reads __ArbitratorConfiguration=@ in root; properties that
// are NULL or 0 keep the Options' values.
func (h *Hub) loadLimits() {
	var inst *cim.Instance
	err := h.store.View(context.Background(), func(tx repository.Tx) error {
		var err error
		inst, err = tx.GetInstance("root", cim.Path{Class: "__ArbitratorConfiguration", Singleton: true})
		return err
	})
	l := h.opts.Limits
	if err == nil && inst != nil {
		l = limitsFrom(inst, l)
	}
	h.ctlMu.Lock()
	h.usage.limits = l
	h.ctlMu.Unlock()
}

func limitsFrom(o cim.Object, def Limits) Limits {
	get := func(name string, d uint32) uint32 {
		v, err := o.Get(name)
		if err != nil {
			return d
		}
		if n, ok := v.Uint(); ok && n > 0 {
			return uint32(n)
		}
		return d
	}
	return Limits{
		TemporarySubscriptionsPerUser: get("TemporarySubscriptionsPerUser", def.TemporarySubscriptionsPerUser),
		TemporarySubscriptionsTotal:   get("TemporarySubscriptionsTotal", def.TemporarySubscriptionsTotal),
		PermanentSubscriptionsPerUser: get("PermanentSubscriptionsPerUser", def.PermanentSubscriptionsPerUser),
		PermanentSubscriptionsTotal:   get("PermanentSubscriptionsTotal", def.PermanentSubscriptionsTotal),
		PollingInstructionsPerUser:    get("PollingInstructionsPerUser", def.PollingInstructionsPerUser),
		PollingInstructionsTotal:      get("PollingInstructionsTotal", def.PollingInstructionsTotal),
	}
}

// isArbitrator reports whether a change is to the limits.
func isArbitrator(ns string, o cim.Object) bool {
	return strings.EqualFold(ns, "root") && strings.EqualFold(o.ClassName(), "__ArbitratorConfiguration")
}
