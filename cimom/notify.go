package cimom

// This file joins the object manager to the event subsystem: temporary
// subscriptions (ExecNotificationQuery[Async]) and QueryObjectSink. The
// event subsystem is not built yet, so a valid subscription is
// WBEM_E_NOT_SUPPORTED; startEvents and stopEvents are where New and
// Shutdown start and stop it.

import (
	"context"

	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

// startEvents starts the event subsystem; New calls it.
func (om *ObjectManager) startEvents() {}

// stopEvents stops the event subsystem; Shutdown calls it after the calls
// are cancelled.
func (om *ObjectManager) stopEvents() {}

// QueryObjectSink returns the sink for extrinsic events; the event
// subsystem is not part of this object manager yet.
func (s *services) QueryObjectSink(ctx context.Context, flags wbem.Flags) (wbem.Sink, error) {
	if flags != 0 {
		return nil, status.New(status.InvalidParameter, "QueryObjectSink takes no flags")
	}
	return nil, status.New(status.NotSupported, "event delivery is not available in this object manager")
}

// ExecNotificationQuery subscribes to events; the event subsystem is not part
// of this object manager yet, so a valid call is WBEM_E_NOT_SUPPORTED.
func (s *services) ExecNotificationQuery(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	mode := wbem.Sync
	if flags&wbem.FlagReturnImmediately != 0 {
		mode = wbem.Semisync
	}
	if err := wbem.ValidateFlags(wbem.MethodExecNotificationQuery, mode, flags); err != nil {
		return nil, err
	}
	if _, err := wql.ParseLanguage(language, query); err != nil {
		return nil, err
	}
	return nil, status.New(status.NotSupported, "event subscriptions are not available in this object manager yet")
}

func (s *services) ExecNotificationQueryAsync(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	if err := wbem.ValidateFlags(wbem.MethodExecNotificationQuery, wbem.Async, flags); err != nil {
		return err
	}
	if !comparableSink(sink) {
		return status.New(status.InvalidParameter, "ExecNotificationQueryAsync needs a sink")
	}
	if _, err := wql.ParseLanguage(language, query); err != nil {
		return err
	}
	return status.New(status.NotSupported, "event subscriptions are not available in this object manager yet")
}
