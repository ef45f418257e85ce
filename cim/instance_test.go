package cim

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

// partClasses builds Gowmi_Part, its subclass Gowmi_Gear, the unrelated
// Gowmi_Other, and Gowmi_Machine with embedded objects of them.
func partClasses(t *testing.T) (part, gear, other, machine *Class) {
	t.Helper()
	part = NewClass("Gowmi_Part", nil)
	part.Properties = []*Property{{Name: "Name", Type: TypeString, Qualifiers: Qualifiers{keyQ}}}
	gear = NewClass("Gowmi_Gear", part)
	gear.Properties = []*Property{{Name: "Teeth", Type: TypeUint32}}
	other = NewClass("Gowmi_Other", nil)
	other.Properties = []*Property{{Name: "Name", Type: TypeString}}
	machine = NewClass("Gowmi_Machine", nil)
	machine.Properties = []*Property{
		{Name: "ID", Type: TypeUint32, Qualifiers: Qualifiers{keyQ}},
		{Name: "Main", Type: TypeObject, ClassRef: "Gowmi_Part"},
		{Name: "Spares", Type: TypeObject | TypeArray, ClassRef: "Gowmi_Part"},
		{Name: "Anything", Type: TypeObject},
		{Name: "Tags", Type: TypeString | TypeArray},
	}
	for _, c := range []*Class{part, gear, other, machine} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	return
}

func TestInstancePut(t *testing.T) {
	_, _, win := diskClasses(t)
	inst := win.MustSpawn()
	tests := []struct {
		name string
		v    Value
		want Value
		err  error
	}{
		{"DeviceID", String("C:"), String("C:"), nil},
		{"size", String("1024"), Uint64(1024), nil},
		{"SIZE", String("0x10"), Uint64(16), nil},
		{"Size", Sint64(-1), Value{}, status.ErrTypeMismatch},
		{"DriveType", Real64(2), Uint32(2), nil},
		{"DriveType", Real64(2.5), Value{}, status.ErrTypeMismatch},
		{"DriveType", Boolean(true), Value{}, status.ErrTypeMismatch},
		{"DriveType", Strings("1"), Value{}, status.ErrTypeMismatch},
		{"Caption", Sint32(1), Value{}, status.ErrTypeMismatch},
		{"Caption", Value{}, Null(TypeString), nil},
		{"Description", Null(TypeUint8), Null(TypeString), nil},
		{"Nope", String("x"), Value{}, status.ErrNotFound},
		{"__PATH", String("x"), Value{}, status.ErrReadOnly},
		{"__class", String("x"), Value{}, status.ErrReadOnly},
		{"__Nope", String("x"), Value{}, status.ErrNotFound},
	}
	for _, tc := range tests {
		before := inst.Value(tc.name)
		err := inst.Put(tc.name, tc.v)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Put(%s, %#v) = %v, want %v", tc.name, tc.v, err, tc.err)
			}
			if after := inst.Value(tc.name); !after.Equal(before) {
				t.Errorf("a refused Put(%s) changed the value to %v", tc.name, after)
			}
			continue
		}
		if err != nil {
			t.Errorf("Put(%s, %#v): %v", tc.name, tc.v, err)
			continue
		}
		got, err := inst.Get(tc.name)
		if err != nil || got.Type() != tc.want.Type() || !got.Equal(tc.want) {
			t.Errorf("after Put(%s): %#v, %v; want %#v", tc.name, got, err, tc.want)
		}
		if !inst.IsSet(inst.PropertyIndex(tc.name)) {
			t.Errorf("%s not IsSet after Put", tc.name)
		}
	}
	if err := inst.PutAt(-1, Sint32(1)); !errors.Is(err, status.ErrInvalidProperty) {
		t.Errorf("PutAt(-1) = %v", err)
	}
	if err := inst.PutAt(len(inst.Properties()), Sint32(1)); !errors.Is(err, status.ErrInvalidProperty) {
		t.Errorf("PutAt(len) = %v", err)
	}
	idx := inst.PropertyIndex("DriveType")
	if err := inst.PutAt(idx, Uint8(7)); err != nil || !inst.At(idx).Equal(Uint32(7)) {
		t.Errorf("PutAt: %v, %v", err, inst.At(idx))
	}
	if inst.PropertyIndex("nope") != -1 {
		t.Error("PropertyIndex(nope)")
	}
	if v := inst.Value("nope"); !v.IsNull() || v.Type() != TypeEmpty {
		t.Errorf("Value(nope) = %#v", v)
	}
	if _, err := inst.Get("Nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("Get(Nope) = %v", err)
	}
	if got := propNames(inst.Properties()); got != propNames(win.AllProperties()) {
		t.Errorf("Properties = %s", got)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MustPut of a bad value did not panic")
			}
		}()
		inst.MustPut("Size", String("big"))
	}()
}

func TestInstanceDelete(t *testing.T) {
	_, _, win := diskClasses(t)
	inst := win.MustSpawn()
	inst.MustPut("Caption", String("mine")).MustPut("Size", Uint64(5))
	idx := inst.PropertyIndex("Caption")
	code, err := inst.Delete("caption")
	if err != nil || code != status.SResetToDefault {
		t.Errorf("Delete = %v, %v", code, err)
	}
	if got := inst.Value("Caption"); !got.Equal(String("disk")) || inst.IsSet(idx) {
		t.Errorf("Caption after Delete = %v, set %v", got, inst.IsSet(idx))
	}
	if code, err := inst.Delete("Size"); err != nil || code != status.SResetToDefault || !inst.Value("Size").IsNull() {
		t.Errorf("Delete(Size) = %v, %v, %v", code, err, inst.Value("Size"))
	}
	if _, err := inst.Delete("__PATH"); !errors.Is(err, status.ErrSystemProperty) {
		t.Errorf("Delete(__PATH) = %v", err)
	}
	if _, err := inst.Delete("Nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("Delete(Nope) = %v", err)
	}
	fresh := win.MustSpawn()
	if code, err := fresh.Delete("DriveType"); err != nil || code != status.SResetToDefault || !fresh.Value("DriveType").Equal(Uint32(3)) {
		t.Errorf("Delete on a fresh instance = %v, %v", code, err)
	}
}

func TestInstanceEmbedded(t *testing.T) {
	part, gear, other, machine := partClasses(t)
	m := machine.MustSpawn()
	p := part.MustSpawn().MustPut("Name", String("bolt"))
	g := gear.MustSpawn().MustPut("Name", String("cog")).MustPut("Teeth", Uint32(12))
	o := other.MustSpawn().MustPut("Name", String("stone"))

	for name, v := range map[string]Value{
		"Main": Embedded(p), "main": Embedded(g), "Anything": Embedded(o),
		"Spares": MustArray(TypeObject, Embedded(p), Embedded(g)),
	} {
		if err := m.Put(name, v); err != nil {
			t.Errorf("Put(%s): %v", name, err)
		}
	}
	if err := m.Put("Anything", Embedded(part)); err != nil {
		t.Errorf("Put of a class as an embedded object: %v", err)
	}
	for name, v := range map[string]Value{
		"Main":   Embedded(o),
		"Spares": MustArray(TypeObject, Embedded(p), Embedded(o)),
		"Tags":   MustArray(TypeObject, Embedded(p)),
	} {
		if err := m.Put(name, v); !errors.Is(err, status.ErrTypeMismatch) {
			t.Errorf("Put(%s) of the wrong class = %v", name, err)
		}
	}
	if err := m.Put("Main", Null(TypeObject)); err != nil || !m.Value("Main").IsNull() {
		t.Errorf("Put(NULL object): %v", err)
	}

	// WMI copies an embedded object at Put.
	if err := m.Put("Main", Embedded(g)); err != nil {
		t.Fatal(err)
	}
	g.MustPut("Teeth", Uint32(99))
	stored, _ := m.Value("Main").Object()
	if v, _ := stored.Get("Teeth"); !v.Equal(Uint32(12)) {
		t.Errorf("changing the object after Put changed the instance: Teeth %v", v)
	}
	if stored.ClassName() != "Gowmi_Gear" {
		t.Errorf("stored object class %s", stored.ClassName())
	}

	// A class default of the wrong class makes the class invalid.
	bad := NewClass("Gowmi_Bad", nil)
	bad.Properties = []*Property{{Name: "Main", Type: TypeObject, ClassRef: "Gowmi_Part", Value: Embedded(o)}}
	if err := bad.Validate(); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("default of the wrong class: %v", err)
	}
	// Class.Put checks too.
	if err := machine.Put("Main", Embedded(o), TypeEmpty); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("Class.Put of the wrong class = %v", err)
	}
	if err := machine.Put("Main", Embedded(p), TypeEmpty); err != nil {
		t.Errorf("Class.Put: %v", err)
	}
}

func TestInstanceKeys(t *testing.T) {
	two := NewClass("Gowmi_Two", nil)
	two.Properties = []*Property{
		{Name: "b", Type: TypeString, Qualifiers: Qualifiers{keyQ}},
		{Name: "Other", Type: TypeString},
		{Name: "A", Type: TypeSint32, Qualifiers: Qualifiers{keyQ}},
	}
	keyless := NewClass("Gowmi_Keyless", nil)
	keyless.Properties = []*Property{{Name: "Name", Type: TypeString}}
	single := NewClass("Gowmi_Config", nil)
	single.Qualifiers = Qualifiers{{Name: "Singleton", Value: Boolean(true), Flavor: FlavorToSubclass}}
	single.Properties = []*Property{{Name: "Level", Type: TypeUint32}}
	subSingle := NewClass("Gowmi_SubConfig", single)

	i := two.MustSpawn()
	if _, err := i.KeyBindings(); !errors.Is(err, status.ErrIllegalNull) {
		t.Errorf("KeyBindings with NULL keys = %v", err)
	}
	if _, err := i.Path(); !errors.Is(err, status.ErrInvalidObjectPath) || !errors.Is(err, status.ErrIllegalNull) {
		t.Errorf("Path with NULL keys = %v", err)
	}
	i.MustPut("b", String("x"))
	if _, err := i.KeyBindings(); !errors.Is(err, status.ErrIllegalNull) {
		t.Errorf("KeyBindings with one NULL key = %v", err)
	}
	i.MustPut("A", Sint32(1))
	kb, err := i.KeyBindings()
	if err != nil {
		t.Fatal(err)
	}
	want := []KeyBinding{{Name: "A", Value: Sint32(1)}, {Name: "b", Value: String("x")}}
	if !reflect.DeepEqual(kb, want) {
		t.Errorf("KeyBindings = %+v", kb)
	}
	if got := i.RelPath(); got != `Gowmi_Two.A=1,b="x"` {
		t.Errorf("RelPath = %s", got)
	}
	if got := i.String(); got != `Gowmi_Two.A=1,b="x"` {
		t.Errorf("String = %s", got)
	}

	k := keyless.MustSpawn()
	if _, err := k.KeyBindings(); !errors.Is(err, status.ErrNoKey) {
		t.Errorf("KeyBindings of a keyless class = %v", err)
	}
	if k.RelPath() != "" || k.String() != "instance of Gowmi_Keyless" {
		t.Errorf("keyless RelPath %q String %q", k.RelPath(), k.String())
	}

	for _, c := range []*Class{single, subSingle} {
		s := c.MustSpawn()
		kb, err := s.KeyBindings()
		if err != nil || kb != nil {
			t.Errorf("%s: KeyBindings = %v, %v", c.Name, kb, err)
		}
		p, err := s.Path()
		if err != nil || !p.Singleton || p.Class != c.Name {
			t.Errorf("%s: Path = %+v, %v", c.Name, p, err)
		}
		if got := s.RelPath(); got != c.Name+"=@" {
			t.Errorf("%s: RelPath = %s", c.Name, got)
		}
	}
}

func TestInstanceSystemProperties(t *testing.T) {
	_, _, win := diskClasses(t)
	single := NewClass("Gowmi_Config", nil)
	single.Qualifiers = Qualifiers{{Name: "Singleton", Value: Boolean(true)}}
	rel := `Win32_LogicalDisk.DeviceID="C:"`
	null := Null(TypeString)
	tests := []struct {
		name              string
		class             *Class
		key               Value
		server, namespace string
		path, relpath     Value
		srv, ns           Value
	}{
		{"fresh", win, Value{}, "", "", null, null, null, null},
		{"keys set", win, String("C:"), "", "", null, String(rel), null, null},
		{"namespace, no keys", win, Value{}, "", `root\cimv2`, null, null, null, String(`root\cimv2`)},
		{"namespace and keys", win, String("C:"), "", `root\cimv2`, String(`\\.\root\cimv2:` + rel), String(rel), null, String(`root\cimv2`)},
		{"server, namespace and keys", win, String("C:"), "SRV", `root\cimv2`, String(`\\SRV\root\cimv2:` + rel), String(rel), String("SRV"), String(`root\cimv2`)},
		{"server only", win, String("C:"), "SRV", "", null, String(rel), String("SRV"), null},
		{"escaped key", win, String(`a"b\c`), "", "", null, String(`Win32_LogicalDisk.DeviceID="a\"b\\c"`), null, null},
		{"singleton", single, Value{}, "", "", null, String("Gowmi_Config=@"), null, null},
		{"singleton in a namespace", single, Value{}, "", "root", String(`\\.\root:Gowmi_Config=@`), String("Gowmi_Config=@"), null, String("root")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inst := tc.class.MustSpawn()
			inst.Server, inst.Namespace = tc.server, tc.namespace
			if !tc.key.IsNull() {
				inst.MustPut("DeviceID", tc.key)
			}
			want := map[string]Value{
				"__PATH": tc.path, "__RELPATH": tc.relpath, "__SERVER": tc.srv, "__NAMESPACE": tc.ns,
				"__CLASS": String(tc.class.Name), "__GENUS": Sint32(2),
			}
			for name, w := range want {
				for _, n := range []string{name, strings.ToLower(name)} {
					got, err := inst.Get(n)
					if err != nil || got.Type() != w.Type() || !got.Equal(w) {
						t.Errorf("%s = %#v, %v; want %#v", n, got, err, w)
					}
				}
			}
		})
	}
	inst := win.MustSpawn()
	for name, want := range map[string]Value{
		"__SUPERCLASS":     String("CIM_LogicalDisk"),
		"__DYNASTY":        String("CIM_ManagedElement"),
		"__DERIVATION":     Strings("CIM_LogicalDisk", "CIM_ManagedElement"),
		"__PROPERTY_COUNT": Sint32(5),
	} {
		if got := mustGet(t, inst, name); !got.Equal(want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	if got := mustGet(t, single.MustSpawn(), "__SUPERCLASS"); !got.IsNull() || got.Type() != TypeString {
		t.Errorf("__SUPERCLASS of a root class's instance = %#v", got)
	}
	if got := mustGet(t, single.MustSpawn(), "__PROPERTY_COUNT"); !got.Equal(Sint32(0)) {
		t.Errorf("__PROPERTY_COUNT = %v", got)
	}
	if got := mustGet(t, single.MustSpawn(), "__DERIVATION"); got.IsNull() || got.Len() != 0 {
		t.Errorf("__DERIVATION of a root class's instance = %#v", got)
	}
	if _, err := inst.Get("__NOPE"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("Get(__NOPE) = %v", err)
	}
}

func TestInstanceClone(t *testing.T) {
	part, _, _, machine := partClasses(t)
	p := part.MustSpawn().MustPut("Name", String("bolt"))
	m := machine.MustSpawn()
	m.Namespace = `root\test`
	m.MustPut("ID", Uint32(1)).MustPut("Main", Embedded(p)).MustPut("Spares", MustArray(TypeObject, Embedded(p)))
	m.MustPut("Tags", Strings("a"))
	_ = m.SetQualifier(Qualifier{Name: "Note", Value: String("n")})

	c := m.Clone()
	if !c.CompareTo(m, CompareIncludeAll) || c.Class() != m.Class() || c.Namespace != m.Namespace {
		t.Fatal("clone differs")
	}
	// Changing the clone leaves the original alone, down to embedded objects.
	c.MustPut("ID", Uint32(2))
	c.Qualifiers[0].Value = String("changed")
	c.Namespace = "elsewhere"
	mainObj, _ := c.Value("Main").Object()
	mainObj.(*Instance).MustPut("Name", String("nut"))
	spares, _ := c.Value("Spares").Array()
	spare, _ := spares[0].Object()
	spare.(*Instance).MustPut("Name", String("washer"))
	_, _ = c.Delete("Tags")

	if !m.Value("ID").Equal(Uint32(1)) || m.Qualifiers[0].Value.Equal(String("changed")) || m.Namespace != `root\test` {
		t.Error("changing the clone changed the original")
	}
	orig, _ := m.Value("Main").Object()
	if v, _ := orig.Get("Name"); !v.Equal(String("bolt")) {
		t.Errorf("the original's embedded object changed: %v", v)
	}
	origSpares, _ := m.Value("Spares").Array()
	origSpare, _ := origSpares[0].Object()
	if v, _ := origSpare.Get("Name"); !v.Equal(String("bolt")) {
		t.Errorf("the original's embedded array element changed: %v", v)
	}
	if !m.Value("Tags").Equal(Strings("a")) || !m.IsSet(m.PropertyIndex("Tags")) {
		t.Error("the original's Tags changed")
	}
	if v := p.Value("Name"); !v.Equal(String("bolt")) {
		t.Errorf("the object put changed: %v", v)
	}
	var o Object = m
	if cc, ok := o.CloneObject().(*Instance); !ok || cc == m || !cc.CompareTo(m, 0) {
		t.Error("CloneObject")
	}
	// A fresh instance (nothing set) clones too.
	f := machine.MustSpawn()
	if fc := f.Clone(); !fc.CompareTo(f, 0) || fc.IsSet(0) {
		t.Error("clone of a fresh instance")
	}
}

func TestInstanceCompareTo(t *testing.T) {
	part, gear, other, machine := partClasses(t)
	mk := func() *Instance {
		i := machine.MustSpawn()
		i.Namespace, i.Server = `root\cimv2`, "SRV"
		i.MustPut("ID", Uint32(1)).MustPut("Tags", Strings("Alpha", "beta"))
		i.MustPut("Main", Embedded(part.MustSpawn().MustPut("Name", String("Bolt"))))
		i.Qualifiers = Qualifiers{{Name: "Note", Value: String("Hello"), Flavor: FlavorToInstance}}
		return i
	}
	a := mk()
	if !a.CompareTo(mk(), CompareIncludeAll) || !a.CompareTo(a, CompareIncludeAll) {
		t.Fatal("equal instances differ")
	}
	all := CompareIgnoreQualifiers | CompareIgnoreObjectSource | CompareIgnoreDefaultValues | CompareIgnoreCase | CompareIgnoreFlavor
	const sameAlways = CompareFlags(1 << 31)
	tests := []struct {
		name  string
		edit  func(i *Instance)
		flags CompareFlags // flags under which the edited instance is the same; 0: never
	}{
		{"value", func(i *Instance) { i.MustPut("ID", Uint32(2)) }, 0},
		{"NULL value", func(i *Instance) { i.MustPut("ID", Value{}) }, 0},
		{"string array case", func(i *Instance) { i.MustPut("Tags", Strings("ALPHA", "Beta")) }, CompareIgnoreCase},
		{"string array value", func(i *Instance) { i.MustPut("Tags", Strings("Alpha")) }, 0},
		{"embedded value case", func(i *Instance) {
			i.MustPut("Main", Embedded(part.MustSpawn().MustPut("Name", String("BOLT"))))
		}, CompareIgnoreCase},
		{"embedded value", func(i *Instance) {
			i.MustPut("Main", Embedded(part.MustSpawn().MustPut("Name", String("Nut"))))
		}, 0},
		{"embedded class", func(i *Instance) {
			i.MustPut("Main", Embedded(gear.MustSpawn().MustPut("Name", String("Bolt"))))
		}, 0},
		{"namespace", func(i *Instance) { i.Namespace = "root" }, CompareIgnoreObjectSource},
		{"server", func(i *Instance) { i.Server = "OTHER" }, CompareIgnoreObjectSource},
		{"namespace case", func(i *Instance) { i.Namespace = `ROOT\CIMV2` }, sameAlways},
		{"qualifier value", func(i *Instance) { i.Qualifiers[0].Value = String("Bye") }, CompareIgnoreQualifiers},
		{"qualifier case", func(i *Instance) { i.Qualifiers[0].Value = String("HELLO") }, CompareIgnoreCase},
		{"qualifier flavor", func(i *Instance) { i.Qualifiers[0].Flavor = 0 }, CompareIgnoreFlavor},
		{"qualifier added", func(i *Instance) { i.Qualifiers = append(i.Qualifiers, Qualifier{Name: "X"}) }, CompareIgnoreQualifiers},
	}
	for _, tc := range tests {
		b := mk()
		tc.edit(b)
		if tc.flags == sameAlways {
			if !a.CompareTo(b, 0) {
				t.Errorf("%s: different", tc.name)
			}
			continue
		}
		if a.CompareTo(b, CompareIncludeAll) || b.CompareTo(a, CompareIncludeAll) {
			t.Errorf("%s: same with CompareIncludeAll", tc.name)
		}
		if tc.flags != 0 {
			if !a.CompareTo(b, tc.flags) || !b.CompareTo(a, tc.flags) {
				t.Errorf("%s: different with flags %#x", tc.name, uint32(tc.flags))
			}
		} else if a.CompareTo(b, all) {
			t.Errorf("%s: same with every flag but IgnoreClass", tc.name)
		}
	}

	// Classes: a copy of the class compares equal; another class only
	// with CompareIgnoreClass, by property name.
	clone := machine.Clone()
	b := clone.MustSpawn()
	b.Namespace, b.Server = `root\cimv2`, "SRV"
	b.MustPut("ID", Uint32(1)).MustPut("Tags", Strings("Alpha", "beta"))
	b.MustPut("Main", Embedded(part.MustSpawn().MustPut("Name", String("Bolt"))))
	b.Qualifiers = Qualifiers{{Name: "Note", Value: String("Hello"), Flavor: FlavorToInstance}}
	if !a.CompareTo(b, 0) {
		t.Error("instances of a copy of the class differ")
	}
	clone.Properties[0].Qualifiers = append(clone.Properties[0].Qualifiers, Qualifier{Name: "Description", Value: String("x")})
	clone.Changed()
	if a.CompareTo(b, 0) || !a.CompareTo(b, CompareIgnoreQualifiers) || !a.CompareTo(b, CompareIgnoreClass) {
		t.Error("instances of a changed class")
	}

	reordered := NewClass("Gowmi_Machine", nil)
	ps := machine.Clone().Properties
	reordered.Properties = []*Property{ps[4], ps[3], ps[2], ps[1], ps[0]}
	r := reordered.MustSpawn()
	r.Namespace, r.Server, r.Qualifiers = a.Namespace, a.Server, a.Qualifiers.Clone()
	for _, p := range a.Properties() {
		r.MustPut(p.Name, a.Value(p.Name))
	}
	if a.CompareTo(r, 0) || !a.CompareTo(r, CompareIgnoreClass) || !r.CompareTo(a, CompareIgnoreClass) {
		t.Error("instance of a class with the properties reordered")
	}

	o1 := other.MustSpawn().MustPut("Name", String("x"))
	p1 := part.MustSpawn().MustPut("Name", String("x"))
	if o1.CompareTo(p1, 0) || !o1.CompareTo(p1, CompareIgnoreClass) || !o1.CompareTo(p1, CompareIgnoreClass|CompareIgnoreQualifiers) {
		t.Error("instances of two classes with the same properties")
	}
	g1 := gear.MustSpawn().MustPut("Name", String("x"))
	if p1.CompareTo(g1, CompareIgnoreClass) || g1.CompareTo(p1, CompareIgnoreClass) {
		t.Error("instances with different property sets are the same with IgnoreClass")
	}
	if a.CompareTo(machine, all|CompareIgnoreClass) {
		t.Error("an instance is the same as a class")
	}
}

func TestSpawnInstances(t *testing.T) {
	c := &Class{Name: "Gowmi_Many", Properties: []*Property{
		{Name: "Id", Type: TypeUint32, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorDefault}}},
		{Name: "Label", Type: TypeString, Value: String("none")},
	}}
	insts, err := c.SpawnInstances(3)
	if err != nil || len(insts) != 3 {
		t.Fatalf("SpawnInstances: %d, %v", len(insts), err)
	}
	for i, inst := range insts {
		if err := inst.Put("Id", Uint32(uint32(i))); err != nil {
			t.Fatal(err)
		}
	}
	// The instances share a backing array but not their values.
	if err := insts[0].Put("Label", String("first")); err != nil {
		t.Fatal(err)
	}
	for i, inst := range insts {
		if v := inst.Value("Id"); v.String() != strconv.Itoa(i) {
			t.Errorf("instance %d: Id = %v", i, v)
		}
		want := "none"
		if i == 0 {
			want = "first"
		}
		if v := inst.Value("Label"); v.String() != want {
			t.Errorf("instance %d: Label = %v, want %s", i, v, want)
		}
		if inst.IsSet(1) != (i == 0) {
			t.Errorf("instance %d: IsSet(Label) = %v", i, inst.IsSet(1))
		}
	}
	abstract := &Class{Name: "Gowmi_Abstract", Qualifiers: Qualifiers{{Name: "Abstract", Value: Boolean(true)}}}
	if _, err := abstract.SpawnInstances(2); status.CodeOf(err) != status.InvalidOperation {
		t.Errorf("abstract: %v", err)
	}
}

// An instance reads the defaults of the class view it was spawned from,
// without holding copies: At and AtRef give the default until a value is
// put, and after Delete again; a later class change does not reach it.
func TestInstanceDefaults(t *testing.T) {
	c := NewClass("Gowmi_Defaults", nil)
	c.Properties = []*Property{
		{Name: "A", Type: TypeUint32, Value: Uint32(7)},
		{Name: "B", Type: TypeString},
	}
	insts, err := c.SpawnInstances(3)
	if err != nil {
		t.Fatal(err)
	}
	single := c.MustSpawn()
	for k, i := range append(insts, single) {
		if v := i.At(0); !v.Equal(Uint32(7)) || i.IsSet(0) {
			t.Errorf("instance %d: A = %v, set %v", k, v, i.IsSet(0))
		}
		if v := i.AtRef(1); v.Type() != TypeString || !v.IsNull() {
			t.Errorf("instance %d: B = %v (%s)", k, *v, v.Type())
		}
	}
	i := insts[1]
	if err := i.PutAt(0, Uint32(9)); err != nil {
		t.Fatal(err)
	}
	if !i.AtRef(0).Equal(Uint32(9)) || !insts[0].At(0).Equal(Uint32(7)) || !insts[2].At(0).Equal(Uint32(7)) {
		t.Error("a put reached another instance of the batch")
	}
	// The class changes its default: instances spawned before keep theirs.
	c.Properties[0].Value = Uint32(8)
	c.Changed()
	if !insts[0].At(0).Equal(Uint32(7)) || !c.MustSpawn().At(0).Equal(Uint32(8)) {
		t.Error("defaults did not follow the class view each instance was spawned from")
	}
	if _, err := i.Delete("A"); err != nil || !i.At(0).Equal(Uint32(7)) || i.IsSet(0) {
		t.Errorf("after Delete: A = %v, set %v, %v", i.At(0), i.IsSet(0), err)
	}
	// A clone sees the same values.
	if !i.Clone().CompareTo(i, CompareIncludeAll) {
		t.Error("the clone differs")
	}
}

// Set marks beyond the first 64 properties.
func TestInstanceManySetMarks(t *testing.T) {
	c := NewClass("Gowmi_Wide", nil)
	for k := range 200 {
		c.Properties = append(c.Properties, &Property{Name: "P" + strconv.Itoa(k), Type: TypeUint32})
	}
	i := c.MustSpawn()
	for _, k := range []int{0, 63, 64, 130, 199} {
		if err := i.PutAt(k, Uint32(uint32(k))); err != nil {
			t.Fatal(err)
		}
	}
	c2 := i.Clone()
	for k := range 200 {
		want := k == 0 || k == 63 || k == 64 || k == 130 || k == 199
		if i.IsSet(k) != want || c2.IsSet(k) != want {
			t.Errorf("IsSet(%d) = %v, clone %v, want %v", k, i.IsSet(k), c2.IsSet(k), want)
		}
	}
	if _, err := c2.Delete("P130"); err != nil || c2.IsSet(130) || !i.IsSet(130) {
		t.Error("Delete on a clone reached the original's marks")
	}
}
