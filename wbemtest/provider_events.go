package wbemtest

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
)

// EventClass is the extrinsic event the Provider raises:
//
//	class WbemTest_Event : __ExtrinsicEvent { string Name; uint32 Seq; };
//
// Setup installs it where the namespace has __ExtrinsicEvent.
const EventClass = "WbemTest_Event"

// NewEventClass returns WbemTest_Event derived from the server's
// __ExtrinsicEvent.
func NewEventClass(extrinsic *cim.Class) *cim.Class {
	c := cim.NewClass(EventClass, extrinsic)
	c.Properties = []*cim.Property{
		{Name: "Name", Type: cim.TypeString},
		{Name: "Seq", Type: cim.TypeUint32},
	}
	return c
}

// QueryNote records one NewQuery or CancelQuery.
type QueryNote struct {
	ID    uint32
	Query string
	New   bool // NewQuery; false for CancelQuery
	At    time.Time
}

// eventState is the event side of the Provider.
type eventState struct {
	sinks   map[*callRec]eventConn // the running ProvideEvents calls
	queries map[uint32]string      // the queries told by NewQuery and not cancelled
	notes   []QueryNote
}

type eventConn struct {
	req  *provider.EventRequest
	sink provider.EventSink
}

// EventQueries registers the events the Provider raises.
func (p *Provider) EventQueries() []string { return []string{"SELECT * FROM " + EventClass} }

// ProvideEvents keeps a sink for RaiseEvent until ctx is done.
func (p *Provider) ProvideEvents(ctx context.Context, req *provider.EventRequest, sink provider.EventSink) (err error) {
	r, _, _ := p.begin(ctx, OpEvents, EventClass)
	defer p.end(r, &err)
	p.mu.Lock()
	if p.ev.sinks == nil {
		p.ev.sinks = map[*callRec]eventConn{}
	}
	p.ev.sinks[r] = eventConn{req, sink}
	p.signalLocked()
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.ev.sinks, r)
		p.signalLocked()
		p.mu.Unlock()
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.aborted:
		return ErrAborted
	}
}

// NewQuery records a query the Provider's events now serve.
func (p *Provider) NewQuery(id uint32, query string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ev.queries == nil {
		p.ev.queries = map[uint32]string{}
	}
	p.ev.queries[id] = query
	p.ev.notes = append(p.ev.notes, QueryNote{ID: id, Query: query, New: true, At: time.Now()})
	p.signalLocked()
}

// CancelQuery records that no subscription uses a query any more.
func (p *Provider) CancelQuery(id uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.ev.queries[id]
	delete(p.ev.queries, id)
	p.ev.notes = append(p.ev.notes, QueryNote{ID: id, Query: q, At: time.Now()})
	p.signalLocked()
}

// ActiveQueries returns the queries told by NewQuery and not cancelled.
func (p *Provider) ActiveQueries() map[uint32]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.ev.queries)
}

// QueryLog returns the NewQuery and CancelQuery calls since the last
// Reset.
func (p *Provider) QueryLog() []QueryNote {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]QueryNote(nil), p.ev.notes...)
}

// Listening returns how many ProvideEvents calls run.
func (p *Provider) Listening() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ev.sinks)
}

// WaitEvents waits until cond holds for the number of running
// ProvideEvents calls and the active queries.
func (p *Provider) WaitEvents(ctx context.Context, cond func(listening int, queries map[uint32]string) bool) error {
	for {
		p.mu.Lock()
		ok := cond(len(p.ev.sinks), p.ev.queries)
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wbemtest: waiting for the event provider: %w", context.Cause(ctx))
		}
	}
}

// RaiseEvent sends a WbemTest_Event with a Name and Seq through every
// running ProvideEvents call, and returns how many took it.
func (p *Provider) RaiseEvent(name string, seq uint32) (int, error) {
	p.mu.Lock()
	conns := make([]eventConn, 0, len(p.ev.sinks))
	for _, c := range p.ev.sinks {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	sent := 0
	for _, c := range conns {
		class, err := c.req.Class(EventClass)
		if err != nil {
			return sent, err
		}
		ev, err := class.SpawnInstance()
		if err != nil {
			return sent, err
		}
		if err := ev.Put("Name", cim.String(name)); err != nil {
			return sent, err
		}
		if err := ev.Put("Seq", cim.Uint32(seq)); err != nil {
			return sent, err
		}
		if err := c.sink.Send(ev); err != nil {
			if status.CodeOf(err) == status.InvalidParameter {
				return sent, err
			}
			continue // the call is ending
		}
		sent++
	}
	return sent, nil
}
