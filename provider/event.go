package provider

import (
	"context"

	"github.com/gowmi/gowmi/cim"
)

// This file is the event side of the SDK, WMI's IWbemEventProvider,
// IWbemEventProviderQuerySink and __EventProviderRegistration.
//
// An event provider raises events that the object manager cannot see by
// itself: extrinsic events (classes derived from __ExtrinsicEvent) and the
// intrinsic events (__InstanceCreationEvent ...) of the dynamic classes it
// serves, so that consumers need no WITHIN polling for them. It says which
// events it raises with a list of WQL event queries, like the
// EventQueryList of __EventProviderRegistration:
//
//	SELECT * FROM MyApp_Alert
//	SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'MyApp_Disk'
//
// either in Go (EventRegistration) or in the repository, with an instance of
// __EventProviderRegistration whose provider references the
// __Win32Provider of the name the provider is registered under with
// cimom.ObjectManager.RegisterProvider. An intrinsic query must name its
// target classes with TargetInstance ISA; one that does not is ignored, as
// WMI ignores registrations that are "too broad".
//
// The object manager matches every event a provider sends against every
// subscription, whatever the provider was told: NewQuery and ProvideEvents'
// lifetime are hints that let a provider work only while someone listens.

// EventProvider raises events (IWbemEventProvider::ProvideEvents).
//
// ProvideEvents runs while someone listens: the object manager calls it, in
// a goroutine of its own, when the first subscription in a namespace that
// the provider's registration covers arrives, and cancels ctx when the last
// such subscription goes (or the object manager shuts down). The provider
// sends events until ctx is done and then returns. There is at most one
// ProvideEvents call per provider and namespace at a time. An error
// returned before ctx is done is logged; the call is made again the next
// time a first subscription arrives.
type EventProvider interface {
	ProvideEvents(ctx context.Context, req *EventRequest, sink EventSink) error
}

// EventRequest is what ProvideEvents is told.
type EventRequest struct {
	// Namespace is where the events go, e.g. `root\cimv2`.
	Namespace string
	// Queries are the provider's registered event queries that apply in
	// Namespace.
	Queries []string
	// Class returns a class of Namespace, linked to its superclasses, to
	// spawn events from: Class("MyApp_Alert").SpawnInstance(). An unknown
	// class is WBEM_E_INVALID_CLASS.
	Class func(name string) (*cim.Class, error)
}

// EventSink carries a provider's events to the subscribers.
type EventSink interface {
	// Send raises events: instances of classes of the request's namespace
	// that derive from __Event, such as an extrinsic event or an
	// __InstanceCreationEvent whose TargetInstance is set. TIME_CREATED is
	// filled in when it is NULL. Send never waits for a slow subscriber:
	// what a subscriber's queue cannot take is dropped and reported as
	// WMI does (__EventQueueOverflowEvent). It returns an error once ctx is
	// done (the provider should return), and WBEM_E_INVALID_PARAMETER for
	// an object that is not an event (the other events are raised).
	// The object manager keeps the events; do not change them after Send.
	Send(events ...*cim.Instance) error
	// Active reports whether some subscription still listens
	// (IWbemEventSink::IsActive).
	Active() bool
}

// EventQueryWatcher is implemented by event providers that want to know
// which subscriptions they serve (IWbemEventProviderQuerySink). NewQuery
// is called when the first subscription with a given query, among those
// the provider's registration covers, arrives; CancelQuery(id) when the
// last subscription with that query goes. The id is unique in the object
// manager; the query is the subscription's WQL text in canonical form. The
// calls for one id come in order (NewQuery before CancelQuery) and may
// precede ProvideEvents. They are made while the object manager holds its
// subscription lock: they must return quickly and must not subscribe to or
// cancel events themselves.
type EventQueryWatcher interface {
	NewQuery(id uint32, query string)
	CancelQuery(id uint32)
}

// EventRegistration declares in Go the events a provider raises, as the
// EventQueryList of an __EventProviderRegistration would: WQL event
// queries, each valid in the namespaces where its classes exist.
type EventRegistration interface {
	EventQueries() []string
}
