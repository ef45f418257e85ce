package cimom

import (
	"context"
	"testing"
	"time"

	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbemtest"
)

// conformanceEnv returns an object manager over a repository with the
// system classes and the namespace root\wbemtest, with the wbemtest provider
// registered, and the Env that runs the suite against it. The object
// manager is shut down when the test ends.
func conformanceEnv(t *testing.T) (*ObjectManager, wbemtest.Env) {
	t.Helper()
	ctx := context.Background()
	store := repository.NewMemory()
	t.Cleanup(func() { store.Close() })
	if err := schema.Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	const ns = `root\wbemtest`
	if err := store.Update(ctx, func(tx repository.Tx) error { return schema.InstallNamespace(tx, ns) }); err != nil {
		t.Fatal(err)
	}
	opts := &Options{SinkTimeout: 300 * time.Millisecond, EnumeratorWindow: 64, EnumeratorQuota: 2000}
	om := New(store, opts)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := om.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	p := wbemtest.NewProvider()
	if err := om.RegisterProvider(wbemtest.ProviderName, p); err != nil {
		t.Fatal(err)
	}
	return om, wbemtest.Env{
		Connect:  func(ctx context.Context) (wbem.Services, error) { return om.Connect(ctx, ns, nil) },
		Provider: p,
		// In process, a provider's Send calls the sink directly: nothing is
		// queued between them but the forward-only enumerator window.
		SinkTimeout:     opts.SinkTimeout,
		QueueQuota:      opts.EnumeratorWindow,
		EnumeratorQuota: opts.EnumeratorQuota,
	}
}

// TestConformance runs the wbemtest suite, every method, mode and rule of
// DESIGN.md §3, against the in-process object manager.
func TestConformance(t *testing.T) {
	_, env := conformanceEnv(t)
	wbemtest.Run(t, env)
}
