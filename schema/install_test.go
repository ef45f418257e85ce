package schema

import (
	"context"
	"testing"

	"github.com/gowmi/gowmi/mof"
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

// A MOF compiled through Target gives the namespaces it creates the system
// classes: by #pragma namespace of a new one, and by an instance of
// __NAMESPACE.
func TestTargetNamespaces(t *testing.T) {
	ctx := context.Background()
	store := repository.NewMemory()
	defer store.Close()
	if err := Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	src := `#pragma namespace("\\\\.\\root")
instance of __Namespace { Name = "byinstance"; };
#pragma namespace("\\\\.\\root\\bypragma")
class App_Thing { [Key] string Name; };
`
	err := store.Update(ctx, func(tx repository.Tx) error {
		target := Target(tx)
		u, err := mof.CompileString(src, mof.Options{Namespace: NamespaceRoot, Schema: target})
		if err != nil {
			return err
		}
		return u.Apply(target)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = store.View(ctx, func(tx repository.Tx) error {
		for _, ns := range []string{`root\byinstance`, `root\bypragma`} {
			for _, c := range []string{"__SystemClass", "__InstanceCreationEvent", "__NAMESPACE"} {
				if _, err := tx.GetClass(ns, c); err != nil {
					t.Errorf("%s in %s: %v", c, ns, err)
				}
			}
		}
		if _, err := tx.GetClass(`root\bypragma`, "App_Thing"); err != nil {
			t.Errorf("App_Thing: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
