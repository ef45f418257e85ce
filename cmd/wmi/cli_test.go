package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// TestEveryCommandHasExamples walks the command tree: every command that
// runs something shows how in its help.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Name() != "help" && c.Name() != "completion" && c.Example == "" {
			t.Errorf("wmi %s has no examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&globals{}))
}

// progressServices answers ExecMethodAsync with two progress reports and a
// final status, as a long method's provider does.
type progressServices struct {
	wbem.Services
	cancelled bool
}

func (p *progressServices) ExecMethodAsync(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance, sink wbem.Sink) error {
	if flags&wbem.FlagSendStatus == 0 {
		return status.New(status.InvalidParameter, "the test wants WBEM_FLAG_SEND_STATUS")
	}
	go func() {
		_ = sink.SetStatus(wbem.StatusProgress, wbem.ProgressCode(1, 4), "", nil)
		_ = sink.SetStatus(wbem.StatusProgress, wbem.ProgressCode(2, 4), "", nil)
		_ = sink.SetStatus(wbem.StatusComplete, status.SNoError, "", nil)
	}()
	return nil
}

func (p *progressServices) CancelAsyncCall(sink wbem.Sink) error {
	p.cancelled = true
	go func() { _ = sink.SetStatus(wbem.StatusComplete, status.CallCancelled, "", nil) }()
	return nil
}

func TestProgressDisplay(t *testing.T) {
	var stderr bytes.Buffer
	g := &globals{stderr: &stderr, interactive: true}
	svc := &progressServices{}
	_, cancelled, err := g.runAsync(context.Background(), svc, func(s wbem.Sink) error {
		return svc.ExecMethodAsync(context.Background(), "X", "Long", wbem.FlagSendStatus, nil, nil, s)
	}, func(cim.Object) error { return nil })
	if err != nil || cancelled {
		t.Fatalf("runAsync: %v, cancelled %v", err, cancelled)
	}
	// The display keeps the latest report (a progress report may be
	// skipped when a newer one is there), then clears its line.
	out := stderr.String()
	if !strings.Contains(out, "(1 of 4)") && !strings.Contains(out, "(2 of 4)") || !strings.Contains(out, "\r\033[K") {
		t.Errorf("progress display %q", out)
	}
}

func TestInterruptCancelsWithCancelAsyncCall(t *testing.T) {
	var stderr bytes.Buffer
	g := &globals{stderr: &stderr, interactive: true}
	svc := &blockingServices{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C before any result
	_, cancelled, err := g.runAsync(ctx, svc, func(s wbem.Sink) error { return nil }, func(cim.Object) error { return nil })
	if !cancelled || !svc.cancelled || status.CodeOf(err) != status.CallCancelled {
		t.Errorf("cancelled %v (CancelAsyncCall called: %v), err %v", cancelled, svc.cancelled, err)
	}
	if !strings.Contains(stderr.String(), "Ctrl-C again to quit at once") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// blockingServices never finishes a call on its own.
type blockingServices struct{ progressServices }

func TestSecondInterruptExits(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	cancelled := make(chan struct{})
	exited := make(chan int, 1)
	go onInterrupt(sigs, func() { close(cancelled) }, func(code int) { exited <- code })
	sigs <- os.Interrupt
	<-cancelled // the first Ctrl-C cancels the operation
	select {
	case code := <-exited:
		t.Fatalf("exited with %d after one interrupt", code)
	default:
	}
	sigs <- os.Interrupt
	if code := <-exited; code != 130 {
		t.Errorf("second interrupt: exit %d, want 130", code)
	}
}
