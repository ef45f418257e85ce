package cimom

import (
	"context"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
)

// A namespace a client creates with an instance of __NAMESPACE holds the
// system classes, as every namespace of winmgmt does: its event classes
// answer, and an event query runs in it.
func TestNewNamespaceHasSystemClasses(t *testing.T) {
	ctx := context.Background()
	store := repository.NewMemory()
	defer store.Close()
	if err := schema.Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	om := New(store, nil)
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = om.Shutdown(sctx)
	}()
	root, err := om.Connect(ctx, schema.NamespaceRoot, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	nsClass, err := root.GetObject(ctx, "__NAMESPACE", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	inst := nsClass.(*cim.Class).MustSpawn()
	if err := inst.Put("Name", cim.String("fresh")); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutInstance(ctx, inst, wbem.FlagCreateOnly, nil); err != nil {
		t.Fatal(err)
	}
	svc, err := om.Connect(ctx, `root\fresh`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	for _, c := range []string{"__SystemClass", "__InstanceCreationEvent", "__NAMESPACE", "__SystemSecurity"} {
		if _, err := svc.GetObject(ctx, c, 0, nil); err != nil {
			t.Errorf("%s in the new namespace: %v", c, err)
		}
	}
	s := newRecSink()
	if err := svc.ExecNotificationQueryAsync(ctx, "WQL", "SELECT * FROM __InstanceCreationEvent WITHIN 1 WHERE TargetInstance ISA '__NAMESPACE'", 0, nil, s); err != nil {
		t.Fatalf("an event query in the new namespace: %v", err)
	}
	if err := svc.CancelAsyncCall(s); err != nil {
		t.Fatal(err)
	}
	// Putting it again changes nothing.
	if _, err := root.PutInstance(ctx, inst, 0, nil); err != nil {
		t.Errorf("putting the namespace again: %v", err)
	}
}
