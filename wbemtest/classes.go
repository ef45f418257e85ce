package wbemtest

import (
	"context"
	"errors"
	"fmt"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// ProviderName is the name under which the server side registers the
// test Provider: the Provider qualifier of the dynamic test classes.
const ProviderName = "GowmiTestProvider"

// The test classes.
const (
	// ItemClass is dynamic: key uint64 Id, string Name, uint32 Size.
	ItemClass = "WbemTest_Item"
	// ItemExClass derives from ItemClass and adds string Extra.
	ItemExClass = "WbemTest_ItemEx"
	// StaticClass is kept in the repository: key string Name, uint32 Value.
	StaticClass = "WbemTest_Static"
	// StaticExClass derives from StaticClass and adds string Extra.
	StaticExClass = "WbemTest_StaticEx"
	// LinkClass is a dynamic association between two items: keys
	// WbemTest_Item ref Left and Right.
	LinkClass = "WbemTest_Link"
	// WorkerClass is dynamic, key string Name, with the methods the suite
	// calls (see Classes).
	WorkerClass = "WbemTest_Worker"
)

// ItemExFirstID is the Id of the first generated WbemTest_ItemEx instance,
// so that its keys never collide with WbemTest_Item's.
const ItemExFirstID = 1_000_000_000

// The static instances Setup writes: WbemTest_Static a, b and c with
// Values 1, 2, 3, and WbemTest_StaticEx x with Value 10 and Extra "x".
var staticFixtures = []struct {
	class, name string
	value       uint32
}{
	{StaticClass, "a", 1}, {StaticClass, "b", 2}, {StaticClass, "c", 3}, {StaticExClass, "x", 10},
}

func qual(name string, v cim.Value) cim.Qualifier {
	return cim.Qualifier{Name: name, Value: v, Flavor: cim.FlavorToSubclass}
}

var (
	qTrue     = cim.Boolean(true)
	qKey      = cim.Qualifiers{{Name: "Key", Value: qTrue, Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}}
	qIn       = cim.Qualifiers{{Name: "In", Value: qTrue}}
	qOut      = cim.Qualifiers{{Name: "Out", Value: qTrue}}
	qDynamic  = cim.Qualifiers{qual("Dynamic", qTrue), qual("Provider", cim.String(ProviderName))}
	qImplOnly = cim.Qualifiers{{Name: "Implemented", Value: qTrue}}
)

func param(name string, t cim.Type, q cim.Qualifiers) *cim.Property {
	return &cim.Property{Name: name, Type: t, Qualifiers: q.Clone()}
}

// Classes returns the test classes, superclasses first, as new objects the
// caller may change:
//
//	[Dynamic, Provider("GowmiTestProvider")]
//	class WbemTest_Item { [Key] uint64 Id; string Name; uint32 Size; };
//	[Dynamic, Provider("GowmiTestProvider")]
//	class WbemTest_ItemEx : WbemTest_Item { string Extra; };
//	class WbemTest_Static { [Key] string Name; uint32 Value; };
//	class WbemTest_StaticEx : WbemTest_Static { string Extra; };
//	[Association, Dynamic, Provider("GowmiTestProvider")]
//	class WbemTest_Link { [Key] WbemTest_Item ref Left; [Key] WbemTest_Item ref Right; };
//	[Dynamic, Provider("GowmiTestProvider")]
//	class WbemTest_Worker {
//	    [Key] string Name;
//	    [Implemented] uint32 Work([In] uint32 Milliseconds, [Out] uint32 Done);
//	    [Implemented, Static] uint32 Double([In] uint32 Value, [Out] uint32 Result);
//	    [Implemented] uint32 Fail([In] uint32 Code);
//	    [Implemented] uint32 Panic();
//	    [Implemented] uint32 Progress([In] uint32 Steps, [Out] uint32 Done);
//	};
//
// Work takes Milliseconds (or blocks, as the Worker's Script says) and
// returns Done = Milliseconds; Double returns Result = 2 × Value; Fail
// fails with the status code Code; Panic panics; Progress reports progress
// Steps times and returns Done = Steps.
func Classes() []*cim.Class {
	item := cim.NewClass(ItemClass, nil)
	item.Qualifiers = qDynamic.Clone()
	item.Properties = []*cim.Property{
		{Name: "Id", Type: cim.TypeUint64, Qualifiers: qKey.Clone()},
		{Name: "Name", Type: cim.TypeString},
		{Name: "Size", Type: cim.TypeUint32},
	}
	itemEx := cim.NewClass(ItemExClass, item)
	itemEx.Qualifiers = qDynamic.Clone()
	itemEx.Properties = []*cim.Property{{Name: "Extra", Type: cim.TypeString}}

	static := cim.NewClass(StaticClass, nil)
	static.Properties = []*cim.Property{
		{Name: "Name", Type: cim.TypeString, Qualifiers: qKey.Clone()},
		{Name: "Value", Type: cim.TypeUint32},
	}
	staticEx := cim.NewClass(StaticExClass, static)
	staticEx.Properties = []*cim.Property{{Name: "Extra", Type: cim.TypeString}}

	link := cim.NewClass(LinkClass, nil)
	link.Qualifiers = append(cim.Qualifiers{qual("Association", qTrue)}, qDynamic.Clone()...)
	link.Properties = []*cim.Property{
		{Name: "Left", Type: cim.TypeReference, ClassRef: ItemClass, Qualifiers: qKey.Clone()},
		{Name: "Right", Type: cim.TypeReference, ClassRef: ItemClass, Qualifiers: qKey.Clone()},
	}

	worker := cim.NewClass(WorkerClass, nil)
	worker.Qualifiers = qDynamic.Clone()
	worker.Properties = []*cim.Property{{Name: "Name", Type: cim.TypeString, Qualifiers: qKey.Clone()}}
	worker.Methods = []*cim.Method{
		{Name: "Work", ReturnType: cim.TypeUint32, Qualifiers: qImplOnly.Clone(), Parameters: []*cim.Property{
			param("Milliseconds", cim.TypeUint32, qIn), param("Done", cim.TypeUint32, qOut)}},
		{Name: "Double", ReturnType: cim.TypeUint32,
			Qualifiers: cim.Qualifiers{{Name: "Implemented", Value: qTrue}, {Name: "Static", Value: qTrue}},
			Parameters: []*cim.Property{param("Value", cim.TypeUint32, qIn), param("Result", cim.TypeUint32, qOut)}},
		{Name: "Fail", ReturnType: cim.TypeUint32, Qualifiers: qImplOnly.Clone(), Parameters: []*cim.Property{
			param("Code", cim.TypeUint32, qIn)}},
		{Name: "Panic", ReturnType: cim.TypeUint32, Qualifiers: qImplOnly.Clone()},
		{Name: "Progress", ReturnType: cim.TypeUint32, Qualifiers: qImplOnly.Clone(), Parameters: []*cim.Property{
			param("Steps", cim.TypeUint32, qIn), param("Done", cim.TypeUint32, qOut)}},
	}
	return []*cim.Class{item, itemEx, static, staticEx, link, worker}
}

// Setup installs the test classes with PutClass through svc, in svc's
// namespace (and WbemTest_Event, the Provider's extrinsic event, where the
// namespace has __ExtrinsicEvent), and writes the static instances of WbemTest_Static (a, b, c)
// and WbemTest_StaticEx (x). A class that already exists is left as it is,
// so Setup may run more than once.
func Setup(ctx context.Context, svc wbem.Services) error {
	for _, c := range Classes() {
		_, err := svc.GetObject(ctx, c.Name, 0, nil)
		if err == nil {
			continue
		}
		if !errors.Is(err, status.ErrNotFound) && !errors.Is(err, status.ErrInvalidClass) {
			return fmt.Errorf("wbemtest: GetObject %s: %w", c.Name, err)
		}
		if err := svc.PutClass(ctx, c, wbem.FlagCreateOnly, nil); err != nil {
			return fmt.Errorf("wbemtest: PutClass %s: %w", c.Name, err)
		}
	}
	if err := setupEvents(ctx, svc); err != nil {
		return err
	}
	for _, f := range staticFixtures {
		o, err := svc.GetObject(ctx, f.class, 0, nil)
		if err != nil {
			return fmt.Errorf("wbemtest: GetObject %s: %w", f.class, err)
		}
		c, ok := o.(*cim.Class)
		if !ok {
			return fmt.Errorf("wbemtest: GetObject %s returned a %T", f.class, o)
		}
		inst, err := c.SpawnInstance()
		if err != nil {
			return fmt.Errorf("wbemtest: SpawnInstance %s: %w", f.class, err)
		}
		if err := inst.Put("Name", cim.String(f.name)); err != nil {
			return err
		}
		if err := inst.Put("Value", cim.Uint32(f.value)); err != nil {
			return err
		}
		if f.class == StaticExClass {
			if err := inst.Put("Extra", cim.String(f.name)); err != nil {
				return err
			}
		}
		if _, err := svc.PutInstance(ctx, inst, 0, nil); err != nil {
			return fmt.Errorf("wbemtest: PutInstance %s: %w", inst, err)
		}
	}
	return nil
}

// ItemPath returns the relative path of the WbemTest_Item with an Id.
func ItemPath(id uint64) string { return fmt.Sprintf("%s.Id=%d", ItemClass, id) }

// StaticPath returns the relative path of the WbemTest_Static with a Name.
func StaticPath(name string) string {
	return StaticClass + ".Name=" + cim.QuotePathString(name)
}

// WorkerPath returns the relative path of the WbemTest_Worker with a Name.
func WorkerPath(name string) string {
	return WorkerClass + ".Name=" + cim.QuotePathString(name)
}

// setupEvents installs WbemTest_Event where the namespace has
// __ExtrinsicEvent.
func setupEvents(ctx context.Context, svc wbem.Services) error {
	if _, err := svc.GetObject(ctx, EventClass, 0, nil); err == nil {
		return nil
	}
	o, err := svc.GetObject(ctx, "__ExtrinsicEvent", 0, nil)
	if err != nil {
		return nil // no event classes here: the event checks skip
	}
	parent, ok := o.(*cim.Class)
	if !ok {
		return fmt.Errorf("wbemtest: GetObject __ExtrinsicEvent returned a %T", o)
	}
	if err := svc.PutClass(ctx, NewEventClass(parent), wbem.FlagCreateOnly, nil); err != nil {
		return fmt.Errorf("wbemtest: PutClass %s: %w", EventClass, err)
	}
	return nil
}
