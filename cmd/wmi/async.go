package main

import (
	"context"
	"fmt"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// cliSink receives an asynchronous call's results for the command. Indicate
// waits until the command has taken the objects, so a slow terminal slows
// the server down instead of filling memory.
type cliSink struct {
	objs     chan []cim.Object
	progress chan status.Code
	final    chan finalResult
}

type finalResult struct {
	hr    status.Code
	param string
	obj   cim.Object
}

func newCLISink() *cliSink {
	return &cliSink{objs: make(chan []cim.Object), progress: make(chan status.Code, 1), final: make(chan finalResult, 1)}
}

func (s *cliSink) Indicate(objs []cim.Object) error {
	s.objs <- append([]cim.Object(nil), objs...)
	return nil
}

func (s *cliSink) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	switch flags {
	case wbem.StatusProgress:
		select {
		case s.progress <- hr:
		default: // a newer report will follow; the display shows the latest
		}
	case wbem.StatusComplete:
		s.final <- finalResult{hr, param, obj}
	}
	return nil
}

// runAsync starts an asynchronous call and handles its results until the
// final status. When ctx ends (Ctrl-C) it cancels the call with
// CancelAsyncCall and waits for the final status the cancel produces; the
// returned bool says the call was cancelled so.
func (g *globals) runAsync(ctx context.Context, svc wbem.Services, start func(wbem.Sink) error, each func(cim.Object) error) (string, bool, error) {
	sink := newCLISink()
	if err := start(sink); err != nil {
		return "", false, err
	}
	done := ctx.Done()
	cancelled := false
	var eachErr error
	for {
		select {
		case objs := <-sink.objs:
			for _, o := range objs {
				if eachErr == nil {
					eachErr = each(o)
				}
			}
			if eachErr != nil && !cancelled {
				cancelled = true
				_ = svc.CancelAsyncCall(sink)
			}
		case hr := <-sink.progress:
			g.showProgress(hr)
		case f := <-sink.final:
			// A report that came before the final status is shown first:
			// select does not keep their order.
			select {
			case hr := <-sink.progress:
				g.showProgress(hr)
			default:
			}
			if g.interactive {
				fmt.Fprint(g.stderr, "\r\033[K")
			}
			if eachErr != nil {
				return f.param, cancelled, eachErr
			}
			return f.param, cancelled, wbem.ResultError(f.hr, f.obj)
		case <-done:
			done = nil
			cancelled = true
			if err := svc.CancelAsyncCall(sink); err != nil {
				// The call ended on its own just now; its final status follows.
				continue
			}
			if g.interactive {
				fmt.Fprintln(g.stderr, "\rcancelling (Ctrl-C again to quit at once)")
			}
		}
	}
}

// showProgress displays a progress report on a terminal.
func (g *globals) showProgress(hr status.Code) {
	if !g.interactive {
		return
	}
	d, t := wbem.ProgressOf(hr)
	if t > 0 {
		fmt.Fprintf(g.stderr, "\r%3d%% (%d of %d)", int(d)*100/int(t), d, t)
	} else {
		fmt.Fprintf(g.stderr, "\r%d done", d)
	}
}
