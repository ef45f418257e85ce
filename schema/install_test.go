package schema

import (
	"context"
	"testing"

	"github.com/gowmi/gowmi/repository"
)

func TestInstall(t *testing.T) {
	ctx := context.Background()
	store := repository.NewMemory()
	defer store.Close()
	if err := Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	// Installing twice changes nothing.
	if err := Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	err := store.View(ctx, func(tx repository.Tx) error {
		for _, ns := range Namespaces {
			if !tx.NamespaceExists(ns) {
				t.Errorf("namespace %s missing", ns)
			}
			for _, class := range []string{"__SystemClass", "__NAMESPACE", "__ExtendedStatus", "__EventFilter", "__InstanceCreationEvent", "__TimerEvent"} {
				if _, err := tx.GetClass(ns, class); err != nil {
					t.Errorf("%s in %s: %v", class, ns, err)
				}
			}
		}
		if _, err := tx.GetClass(NamespaceSubscription, "CommandLineEventConsumer"); err != nil {
			t.Errorf("CommandLineEventConsumer: %v", err)
		}
		if _, err := tx.GetClass(NamespaceCIMV2, "CommandLineEventConsumer"); err == nil {
			t.Error("root\\cimv2 has CommandLineEventConsumer; Windows has none there")
		}
		if _, err := tx.GetClass(NamespaceRoot, "__ArbitratorConfiguration"); err != nil {
			t.Errorf("__ArbitratorConfiguration: %v", err)
		}
		ns, err := tx.Namespaces(NamespaceRoot)
		if err != nil || len(ns) < 4 {
			t.Errorf("children of root: %v, %v", ns, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
