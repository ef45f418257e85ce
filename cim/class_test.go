package cim

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

var keyQ = Qualifier{Name: "Key", Value: Boolean(true), Flavor: FlavorToSubclass | FlavorNotOverridable}

// diskClasses builds a three-level hierarchy:
//
//	[Abstract] class CIM_ManagedElement { string Caption; string Description = "element"; };
//	class CIM_LogicalDisk : CIM_ManagedElement { [Key] string DeviceID; uint64 Size; string Description; };
//	class Win32_LogicalDisk : CIM_LogicalDisk { string caption = "disk"; uint32 DriveType = 3; };
func diskClasses(t testing.TB) (elem, disk, win *Class) {
	t.Helper()
	elem = NewClass("CIM_ManagedElement", nil)
	elem.Qualifiers = Qualifiers{{Name: "Abstract", Value: Boolean(true)}}
	elem.Properties = []*Property{
		{Name: "Caption", Type: TypeString},
		{Name: "Description", Type: TypeString, Value: String("element")},
	}
	disk = NewClass("CIM_LogicalDisk", elem)
	disk.Properties = []*Property{
		{Name: "DeviceID", Type: TypeString, Qualifiers: Qualifiers{keyQ}},
		{Name: "Size", Type: TypeUint64},
		{Name: "Description", Type: TypeString}, // an override without a value
	}
	win = NewClass("Win32_LogicalDisk", disk)
	win.Properties = []*Property{
		{Name: "caption", Type: TypeString, Value: String("disk")},
		{Name: "DriveType", Type: TypeUint32, Value: Sint32(3)},
	}
	for _, c := range []*Class{elem, disk, win} {
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
	}
	return elem, disk, win
}

func propNames(ps []*Property) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Name)
	}
	return strings.Join(s, " ")
}

func mustGet(t *testing.T, o Object, name string) Value {
	t.Helper()
	v, err := o.Get(name)
	if err != nil {
		t.Fatalf("Get(%s): %v", name, err)
	}
	return v
}

func TestClassDerivation(t *testing.T) {
	elem, disk, win := diskClasses(t)
	tests := []struct {
		c          *Class
		derivation []string
		dynasty    string
		super      Value
	}{
		{elem, nil, "CIM_ManagedElement", Null(TypeString)},
		{disk, []string{"CIM_ManagedElement"}, "CIM_ManagedElement", String("CIM_ManagedElement")},
		{win, []string{"CIM_LogicalDisk", "CIM_ManagedElement"}, "CIM_ManagedElement", String("CIM_LogicalDisk")},
	}
	for _, tc := range tests {
		if got := tc.c.Derivation(); !reflect.DeepEqual(got, tc.derivation) && len(got)+len(tc.derivation) > 0 {
			t.Errorf("%s: Derivation = %v, want %v", tc.c.Name, got, tc.derivation)
		}
		if got := tc.c.Dynasty(); got != tc.dynasty {
			t.Errorf("%s: Dynasty = %q", tc.c.Name, got)
		}
		d := mustGet(t, tc.c, "__DERIVATION")
		if d.Type() != TypeString|TypeArray || d.IsNull() || d.Len() != len(tc.derivation) {
			t.Errorf("%s: __DERIVATION = %#v", tc.c.Name, d)
		}
		for i, a := range tc.derivation {
			if e, _ := d.Array(); !e[i].Equal(String(a)) {
				t.Errorf("%s: __DERIVATION[%d] = %v", tc.c.Name, i, e[i])
			}
		}
		if got := mustGet(t, tc.c, "__Dynasty"); !got.Equal(String(tc.dynasty)) {
			t.Errorf("%s: __DYNASTY = %v", tc.c.Name, got)
		}
		if got := mustGet(t, tc.c, "__superclass"); !got.Equal(tc.super) {
			t.Errorf("%s: __SUPERCLASS = %#v", tc.c.Name, got)
		}
		if got := mustGet(t, tc.c, "__CLASS"); !got.Equal(String(tc.c.Name)) {
			t.Errorf("%s: __CLASS = %v", tc.c.Name, got)
		}
		if got := mustGet(t, tc.c, "__GENUS"); !got.Equal(Sint32(1)) {
			t.Errorf("%s: __GENUS = %#v", tc.c.Name, got)
		}
		if tc.c.Genus() != GenusClass || tc.c.Class() != tc.c || tc.c.ClassName() != tc.c.Name || tc.c.String() != tc.c.Name {
			t.Errorf("%s: Genus/Class/ClassName/String", tc.c.Name)
		}
	}
	if win.Parent() != disk || elem.Parent() != nil {
		t.Error("Parent")
	}
	for name, want := range map[string]bool{
		"Win32_LogicalDisk": true, "cim_logicaldisk": true, "CIM_MANAGEDELEMENT": true, "CIM_LogicalDevice": false, "": false,
	} {
		if got := win.InheritsFrom(name); got != want {
			t.Errorf("InheritsFrom(%q) = %v", name, got)
		}
		if got := win.MustSpawn().InheritsFrom(name); got != want {
			t.Errorf("instance InheritsFrom(%q) = %v", name, got)
		}
	}
	if disk.InheritsFrom("Win32_LogicalDisk") {
		t.Error("a class inherits from its subclass")
	}
}

func TestClassSystemProperties(t *testing.T) {
	_, _, win := diskClasses(t)
	tests := []struct {
		server, namespace string
		path, srv, ns     Value
	}{
		{"", "", Null(TypeString), Null(TypeString), Null(TypeString)},
		{"", `root\cimv2`, String(`\\.\root\cimv2:Win32_LogicalDisk`), Null(TypeString), String(`root\cimv2`)},
		{"SRV", `root\cimv2`, String(`\\SRV\root\cimv2:Win32_LogicalDisk`), String("SRV"), String(`root\cimv2`)},
	}
	for _, tc := range tests {
		win.Server, win.Namespace = tc.server, tc.namespace
		for name, want := range map[string]Value{
			"__PATH": tc.path, "__SERVER": tc.srv, "__NAMESPACE": tc.ns,
			"__RELPATH": String("Win32_LogicalDisk"), "__PROPERTY_COUNT": Sint32(5),
		} {
			if got := mustGet(t, win, name); !got.Equal(want) {
				t.Errorf("server %q namespace %q: %s = %#v, want %#v", tc.server, tc.namespace, name, got, want)
			}
		}
	}
	for _, name := range SystemProperties() {
		if !IsSystemProperty(name) || !IsSystemProperty(strings.ToLower(name)) {
			t.Errorf("IsSystemProperty(%s) = false", name)
		}
		if _, err := win.Get(strings.ToLower(name)); err != nil {
			t.Errorf("Get(%s): %v", name, err)
		}
	}
	if len(SystemProperties()) != 10 {
		t.Errorf("SystemProperties = %v", SystemProperties())
	}
	SystemProperties()[0] = "changed"
	if SystemProperties()[0] != "__GENUS" {
		t.Error("SystemProperties returned its own slice")
	}
	if IsSystemProperty("__FOO") || IsSystemProperty("Name") {
		t.Error("IsSystemProperty of a non-system name")
	}
	if _, err := win.Get("__FOO"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("Get(__FOO) = %v", err)
	}
	if _, err := win.Get("Nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("Get(Nope) = %v", err)
	}
}

func TestClassPropertiesAndOrigin(t *testing.T) {
	elem, disk, win := diskClasses(t)
	if got := propNames(win.AllProperties()); got != "Caption Description DeviceID Size DriveType" {
		t.Errorf("AllProperties = %s", got)
	}
	if got := propNames(disk.AllProperties()); got != "Caption Description DeviceID Size" {
		t.Errorf("AllProperties = %s", got)
	}
	origins := map[string]string{
		"Caption": "CIM_ManagedElement", "DESCRIPTION": "CIM_ManagedElement", "deviceid": "CIM_LogicalDisk",
		"Size": "CIM_LogicalDisk", "DriveType": "Win32_LogicalDisk", "__PATH": "Win32_LogicalDisk",
	}
	for name, want := range origins {
		got, err := win.PropertyOrigin(name)
		if err != nil || got != want {
			t.Errorf("PropertyOrigin(%s) = %q, %v; want %q", name, got, err, want)
		}
		if p := win.Property(name); p != nil && p.Origin != want {
			t.Errorf("Property(%s).Origin = %q", name, p.Origin)
		}
	}
	if _, err := win.PropertyOrigin("Nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("PropertyOrigin(Nope) = %v", err)
	}
	// The override keeps the name as first declared and the type.
	if p := win.Property("CAPTION"); p == nil || p.Name != "Caption" || p.Type != TypeString {
		t.Errorf("Property(CAPTION) = %+v", p)
	}
	// Defaults: inherited, kept by an override without a value, replaced by
	// one with a value, converted to the property's type.
	for _, tc := range []struct {
		c    *Class
		name string
		want Value
	}{
		{elem, "Caption", Null(TypeString)},
		{elem, "Description", String("element")},
		{disk, "Description", String("element")},
		{win, "Description", String("element")},
		{disk, "Caption", Null(TypeString)},
		{win, "Caption", String("disk")},
		{win, "DriveType", Uint32(3)},
	} {
		if got := mustGet(t, tc.c, tc.name); got.Type() != tc.want.Type() || !got.Equal(tc.want) {
			t.Errorf("%s.%s = %#v, want %#v", tc.c.Name, tc.name, got, tc.want)
		}
	}
	if win.Property("nope") != nil || win.PropertyIndex("nope") != -1 {
		t.Error("Property of an unknown name")
	}
	for i, p := range win.AllProperties() {
		for _, n := range []string{p.Name, strings.ToLower(p.Name), strings.ToUpper(p.Name)} {
			if got := win.PropertyIndex(n); got != i {
				t.Errorf("PropertyIndex(%s) = %d, want %d", n, got, i)
			}
		}
	}
	if k := win.Keys(); len(k) != 1 || k[0].Name != "DeviceID" || !k[0].IsKey() {
		t.Errorf("Keys = %v", k)
	}
	if len(elem.Keys()) != 0 {
		t.Error("elem has keys")
	}
	// The declared properties are not touched by the inherited view.
	if win.Properties[0].Origin != "" || win.Properties[0].Name != "caption" {
		t.Errorf("Class.Properties changed: %+v", win.Properties[0])
	}
	// A non-ASCII or long name is found case-insensitively too.
	c := NewClass("Gowmi_Unicode", nil)
	long := "Property" + strings.Repeat("X", 80)
	c.Properties = []*Property{{Name: "Größe", Type: TypeUint32}, {Name: long, Type: TypeUint32}}
	for _, n := range []string{"Größe", "GRÖSSE", "größe", "GRÖßE"} {
		if i := c.PropertyIndex(n); (i == 0) != (n != "GRÖSSE") {
			t.Errorf("PropertyIndex(%q) = %d", n, i)
		}
	}
	if c.PropertyIndex(strings.ToLower(long)) != 1 || c.PropertyIndex(strings.ToUpper(long)) != 1 {
		t.Error("long name not found")
	}
}

func TestClassNullOverride(t *testing.T) {
	_, disk, _ := diskClasses(t)
	d := NewClass("Gowmi_Disk", disk)
	d.Properties = []*Property{{Name: "Description", Type: TypeString, Qualifiers: Qualifiers{{Name: "__nodefault", Value: Boolean(true)}}}}
	if got := mustGet(t, d, "Description"); !got.IsNull() {
		t.Errorf("override with the no-default marker = %v", got)
	}
	if d.Property("Description").Qualifiers.Index("__nodefault") >= 0 {
		t.Error("the marker leaks into the inherited view")
	}
}

func TestClassValidate(t *testing.T) {
	elem, disk, _ := diskClasses(t)
	concrete := NewClass("Gowmi_Concrete", nil)
	keyless := NewClass("Gowmi_Keyless", nil)
	keyless.Qualifiers = Qualifiers{{Name: "Abstract", Value: Boolean(true)}}
	keyless.Properties = []*Property{{Name: "Name", Type: TypeString}}
	abstractKeyed := NewClass("Gowmi_AbstractKeyed", nil)
	abstractKeyed.Qualifiers = Qualifiers{{Name: "Abstract", Value: Boolean(true)}}
	abstractKeyed.Properties = []*Property{{Name: "ID", Type: TypeString, Qualifiers: Qualifiers{keyQ}}}
	overridableKey := NewClass("Gowmi_OverridableKey", nil)
	overridableKey.Properties = []*Property{{Name: "ID", Type: TypeString, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorToSubclass}}}}
	item := NewClass("Gowmi_Item", nil)
	bad := NewClass("1Bad", nil)

	abstract := Qualifiers{{Name: "Abstract", Value: Boolean(true)}}
	singleton := Qualifiers{{Name: "Singleton", Value: Boolean(true), Flavor: FlavorToSubclass}}
	key := func(name string, t Type) *Property {
		return &Property{Name: name, Type: t, Qualifiers: Qualifiers{keyQ}}
	}
	prop := func(name string, t Type) *Property { return &Property{Name: name, Type: t} }
	method := func(name string, params ...*Property) *Method {
		return &Method{Name: name, ReturnType: TypeUint32, Parameters: params}
	}
	param := func(name string, t Type, quals ...Qualifier) *Property {
		return &Property{Name: name, Type: t, Qualifiers: quals}
	}
	in := Qualifier{Name: "In", Value: Boolean(true)}
	out := Qualifier{Name: "Out", Value: Boolean(true)}
	id := func(n int32) Qualifier { return Qualifier{Name: "ID", Value: Sint32(n)} }

	tests := []struct {
		name   string
		class  string
		parent *Class
		quals  Qualifiers
		props  []*Property
		ms     []*Method
		want   error
	}{
		{"valid root", "Gowmi_Root", nil, nil, []*Property{prop("A", TypeString)}, nil, nil},
		{"system class name", "__SystemThing", nil, nil, nil, nil, nil},
		{"empty name", "", nil, nil, nil, nil, status.ErrInvalidParameter},
		{"digit first", "1Class", nil, nil, nil, nil, status.ErrInvalidParameter},
		{"space", "My Class", nil, nil, nil, nil, status.ErrInvalidParameter},
		{"punctuation", "My-Class", nil, nil, nil, nil, status.ErrInvalidParameter},
		{"leading underscore", "_MyClass", nil, nil, nil, nil, status.ErrInvalidOperation},
		{"trailing underscore", "MyClass_", nil, nil, nil, nil, status.ErrInvalidObject},
		{"255 characters", strings.Repeat("C", 255), nil, nil, nil, nil, nil},
		{"256 characters", strings.Repeat("C", 256), nil, nil, nil, nil, status.ErrClassNameTooWide},
		{"invalid parent", "Gowmi_Child", bad, nil, nil, nil, status.ErrInvalidParameter},

		{"property leading underscore", "Gowmi_C", nil, nil, []*Property{prop("_x", TypeString)}, nil, status.ErrInvalidParameter},
		{"property trailing underscore", "Gowmi_C", nil, nil, []*Property{prop("x_", TypeString)}, nil, status.ErrInvalidParameter},
		{"property system name", "Gowmi_C", nil, nil, []*Property{prop("__PATH", TypeString)}, nil, status.ErrInvalidParameter},
		{"property bad name", "Gowmi_C", nil, nil, []*Property{prop("a.b", TypeString)}, nil, status.ErrInvalidParameter},
		{"property name too wide", "Gowmi_C", nil, nil, []*Property{prop(strings.Repeat("p", 256), TypeString)}, nil, status.ErrPropertyNameTooWide},
		{"duplicate property", "Gowmi_C", nil, nil, []*Property{prop("Name", TypeString), prop("NAME", TypeUint8)}, nil, status.ErrInvalidParameter},
		{"no type", "Gowmi_C", nil, nil, []*Property{prop("A", TypeEmpty)}, nil, status.ErrInvalidPropertyType},
		{"illegal type", "Gowmi_C", nil, nil, []*Property{prop("A", TypeIllegal)}, nil, status.ErrInvalidPropertyType},
		{"default of another type", "Gowmi_C", nil, nil, []*Property{{Name: "A", Type: TypeUint8, Value: Sint32(300)}}, nil, status.ErrTypeMismatch},
		{"override default of another type", "Gowmi_C", disk, nil, []*Property{{Name: "Size", Type: TypeUint64, Value: String("big")}}, nil, status.ErrTypeMismatch},
		{"default converts", "Gowmi_C", nil, nil, []*Property{{Name: "A", Type: TypeUint8, Value: String("7")}}, nil, nil},

		{"override changes type", "Gowmi_C", disk, nil, []*Property{prop("Size", TypeUint32)}, nil, status.ErrUpdateTypeMismatch},
		{"override to array", "Gowmi_C", disk, nil, []*Property{prop("Caption", TypeString|TypeArray)}, nil, status.ErrUpdateTypeMismatch},
		{"override same type", "Gowmi_C", disk, nil, []*Property{prop("SIZE", TypeUint64)}, nil, nil},

		{"abstract root", "Gowmi_C", nil, abstract, nil, nil, nil},
		{"abstract under abstract", "Gowmi_C", elem, abstract, nil, nil, nil},
		{"abstract under concrete", "Gowmi_C", disk, abstract, nil, nil, status.ErrCannotBeAbstract},
		{"concrete under abstract", "Gowmi_C", elem, nil, nil, nil, nil},

		{"singleton", "Gowmi_C", nil, singleton, []*Property{prop("A", TypeString)}, nil, nil},
		{"singleton with a key", "Gowmi_C", nil, singleton, []*Property{key("K", TypeString)}, nil, status.ErrCannotBeSingleton},
		{"singleton under a keyed class", "Gowmi_C", disk, singleton, nil, nil, status.ErrCannotBeSingleton},
		{"singleton under a keyless class", "Gowmi_C", keyless, singleton, nil, nil, nil},

		{"string key", "Gowmi_C", nil, nil, []*Property{key("K", TypeString)}, nil, nil},
		{"integer key", "Gowmi_C", nil, nil, []*Property{key("K", TypeUint64)}, nil, nil},
		{"reference key", "Gowmi_C", nil, nil, []*Property{key("K", TypeReference)}, nil, nil},
		{"datetime key", "Gowmi_C", nil, nil, []*Property{key("K", TypeDateTime)}, nil, nil},
		{"array key", "Gowmi_C", nil, nil, []*Property{key("K", TypeString|TypeArray)}, nil, status.ErrCannotBeKey},
		{"object key", "Gowmi_C", nil, nil, []*Property{key("K", TypeObject)}, nil, status.ErrCannotBeKey},
		{"real key", "Gowmi_C", nil, nil, []*Property{key("K", TypeReal64)}, nil, status.ErrCannotBeKey},
		{"new key under concrete keyed class", "Gowmi_C", disk, nil, []*Property{key("K", TypeString)}, nil, status.ErrCannotChangeKeyInheritance},
		{"new key under abstract keyed class", "Gowmi_C", abstractKeyed, nil, []*Property{key("K", TypeString)}, nil, nil},
		{"first key under keyless class", "Gowmi_C", keyless, nil, []*Property{key("K", TypeString)}, nil, nil},
		{"inherited property made key under keyless class", "Gowmi_C", keyless, nil, []*Property{key("Name", TypeString)}, nil, nil},
		{"inherited property made key under keyed class", "Gowmi_C", disk, nil, []*Property{key("Size", TypeUint64)}, nil, status.ErrCannotChangeKeyInheritance},
		{"inherited key dropped", "Gowmi_C", overridableKey, nil, []*Property{{Name: "ID", Type: TypeString, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(false)}}}}, nil, status.ErrCannotChangeKeyInheritance},
		{"DisableOverride key dropped", "Gowmi_C", disk, nil, []*Property{{Name: "DeviceID", Type: TypeString, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(false)}}}}, nil, status.ErrOverrideNotAllowed},
		{"inherited key restated", "Gowmi_C", disk, nil, []*Property{key("DeviceID", TypeString)}, nil, nil},

		{"circular by name", "CIM_ManagedElement", disk, nil, nil, nil, status.ErrCircularReference},
		{"parent of the same name", "cim_logicaldisk", disk, nil, nil, nil, status.ErrCircularReference},

		{"method", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in))}, nil},
		{"method bad name", "Gowmi_C", nil, nil, nil, []*Method{method("Run!")}, status.ErrInvalidParameter},
		{"method leading underscore", "Gowmi_C", nil, nil, nil, []*Method{method("_Run")}, status.ErrInvalidParameter},
		{"method name too wide", "Gowmi_C", nil, nil, nil, []*Method{method(strings.Repeat("m", 256))}, status.ErrMethodNameTooWide},
		{"duplicate method", "Gowmi_C", nil, nil, nil, []*Method{method("Run"), method("RUN")}, status.ErrInvalidParameter},
		{"duplicate parameter", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in), param("a", TypeString, out))}, status.ErrInvalidDuplicateParameter},
		{"bad parameter type", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeIllegal, in))}, status.ErrInvalidPropertyType},
		{"bad parameter name", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A B", TypeString, in))}, status.ErrInvalidMethodParameters},
		{"parameter named ReturnValue", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("ReturnValue", TypeString, out))}, status.ErrInvalidMethodParameters},
		{"ReturnValue with an ID", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("ReturnValue", TypeString, out, id(0)))}, status.ErrParameterIDOnRetval},
		{"explicit IDs", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("B", TypeString, in, id(1)), param("A", TypeString, in, id(0)))}, nil},
		{"missing ID", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in, id(0)), param("B", TypeString, in))}, status.ErrMissingParameterID},
		{"duplicate ID", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in, id(0)), param("B", TypeString, in, id(0)))}, status.ErrInvalidParameterID},
		{"negative ID", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in, id(-1)))}, status.ErrInvalidParameterID},
		{"string ID", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in, Qualifier{Name: "ID", Value: String("0")}))}, status.ErrInvalidParameterID},
		{"nonconsecutive IDs", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in, id(0)), param("B", TypeString, in, id(2)))}, status.ErrNonconsecutiveParameterIDs},
		{"IDs not from 0", "Gowmi_C", nil, nil, nil, []*Method{method("Run", param("A", TypeString, in, id(1)))}, status.ErrNonconsecutiveParameterIDs},
		{"illegal return type", "Gowmi_C", nil, nil, nil, []*Method{{Name: "Run", ReturnType: TypeIllegal}}, status.ErrInvalidMethodParameters},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClass(tc.class, tc.parent)
			c.Qualifiers, c.Properties, c.Methods = tc.quals, tc.props, tc.ms
			err := c.Validate()
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Validate = %v, want %v", err, tc.want)
			}
			if err != nil {
				if _, serr := c.SpawnInstance(); !errors.Is(serr, status.ErrIncompleteClass) {
					t.Errorf("SpawnInstance of an invalid class = %v", serr)
				}
				if _, serr := c.SpawnDerivedClass("Gowmi_Sub"); !errors.Is(serr, status.ErrIncompleteClass) {
					t.Errorf("SpawnDerivedClass of an invalid class = %v", serr)
				}
			}
		})
	}

	// Superclass and parent must agree.
	c := NewClass("Gowmi_C", concrete)
	c.Superclass = "Gowmi_Other"
	if err := c.Validate(); !errors.Is(err, status.ErrInvalidSuperclass) {
		t.Errorf("mismatched Superclass: %v", err)
	}
	c = NewClass("Gowmi_C", nil)
	c.Superclass = "Gowmi_Concrete"
	if err := c.Validate(); !errors.Is(err, status.ErrInvalidSuperclass) {
		t.Errorf("unlinked Superclass: %v", err)
	}
	if err := c.SetParent(concrete); err != nil || c.Superclass != "Gowmi_Concrete" || c.Parent() != concrete {
		t.Errorf("SetParent: %v", err)
	}
	if err := c.SetParent(nil); err != nil || c.Superclass != "" || c.Parent() != nil {
		t.Errorf("SetParent(nil): %v", err)
	}

	// Circular derivation through SetParent.
	a := NewClass("Gowmi_A", nil)
	b := NewClass("Gowmi_B", a)
	cc := NewClass("Gowmi_CC", b)
	if err := a.SetParent(cc); !errors.Is(err, status.ErrCircularReference) {
		t.Errorf("a : cc : b : a = %v", err)
	}
	if a.Parent() != nil || a.Validate() != nil || cc.Validate() != nil {
		t.Error("a refused SetParent changed the class")
	}
	if err := a.SetParent(a); !errors.Is(err, status.ErrCircularReference) {
		t.Errorf("a : a = %v", err)
	}
	if err := item.SetParent(item.Clone()); !errors.Is(err, status.ErrCircularReference) {
		t.Errorf("class under a class of the same name = %v", err)
	}
}

func TestClassAbstractNotInherited(t *testing.T) {
	elem, disk, _ := diskClasses(t)
	// Even when the Abstract qualifier is flavored ToSubclass, a subclass is
	// concrete.
	elem.Qualifiers = Qualifiers{{Name: "Abstract", Value: Boolean(true), Flavor: FlavorToSubclass | FlavorToInstance}}
	elem.Changed()
	if err := disk.Validate(); err != nil {
		t.Fatal(err)
	}
	if disk.IsAbstract() || disk.AllQualifiers().Has("Abstract") {
		t.Errorf("Abstract passed to the subclass: %+v", disk.AllQualifiers())
	}
	if !elem.IsAbstract() {
		t.Error("elem is not abstract")
	}
	if _, err := elem.SpawnInstance(); !errors.Is(err, status.ErrInvalidOperation) {
		t.Errorf("SpawnInstance of an abstract class = %v", err)
	}
	if _, err := disk.SpawnInstance(); err != nil {
		t.Errorf("SpawnInstance of its concrete subclass: %v", err)
	}
}

func TestClassKindQualifiers(t *testing.T) {
	assoc := NewClass("Gowmi_Assoc", nil)
	assoc.Qualifiers = Qualifiers{
		{Name: "Association", Value: Boolean(true), Flavor: FlavorToSubclass | FlavorNotOverridable},
		{Name: "Dynamic", Value: Boolean(true), Flavor: FlavorToInstance},
		{Name: "Provider", Value: String("Gowmi_Prov"), Flavor: FlavorToInstance},
	}
	assoc.Properties = []*Property{
		{Name: "Antecedent", Type: TypeReference, ClassRef: "CIM_ManagedElement", Qualifiers: Qualifiers{keyQ}},
		{Name: "Dependent", Type: TypeReference, Qualifiers: Qualifiers{keyQ}},
	}
	sub := NewClass("Gowmi_SubAssoc", assoc)
	ind := NewClass("Gowmi_Event", nil)
	ind.Qualifiers = Qualifiers{{Name: "Indication", Value: Boolean(true), Flavor: FlavorToSubclass}}
	single := NewClass("Gowmi_Single", nil)
	single.Qualifiers = Qualifiers{{Name: "singleton", Value: Boolean(true), Flavor: FlavorToSubclass}}
	tests := []struct {
		c                                     *Class
		assoc, indication, single, dyn, abstr bool
		provider                              string
	}{
		{assoc, true, false, false, true, false, "Gowmi_Prov"},
		{sub, true, false, false, false, false, ""},
		{ind, false, true, false, false, false, ""},
		{NewClass("Gowmi_SubEvent", ind), false, true, false, false, false, ""},
		{single, false, false, true, false, false, ""},
		{NewClass("Gowmi_SubSingle", single), false, false, true, false, false, ""},
	}
	for _, tc := range tests {
		if err := tc.c.Validate(); err != nil {
			t.Fatal(err)
		}
		got := []bool{tc.c.IsAssociation(), tc.c.IsIndication(), tc.c.IsSingleton(), tc.c.IsDynamic(), tc.c.IsAbstract()}
		want := []bool{tc.assoc, tc.indication, tc.single, tc.dyn, tc.abstr}
		if !reflect.DeepEqual(got, want) || tc.c.Provider() != tc.provider {
			t.Errorf("%s: assoc/indication/singleton/dynamic/abstract = %v, provider %q", tc.c.Name, got, tc.c.Provider())
		}
	}
	// An association's subclass cannot stop being one: Association is
	// DisableOverride.
	bad := NewClass("Gowmi_NotAssoc", assoc)
	bad.Qualifiers = Qualifiers{{Name: "Association", Value: Boolean(false)}}
	if err := bad.Validate(); !errors.Is(err, status.ErrOverrideNotAllowed) {
		t.Errorf("Association(false) under an association: %v", err)
	}
}

func TestClassPutDelete(t *testing.T) {
	elem, disk, win := diskClasses(t)
	before := win.MustSpawn()

	// Own property: the value converts.
	if err := win.Put("drivetype", String("0x4"), TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, win, "DriveType"); !got.Equal(Uint32(4)) {
		t.Errorf("DriveType = %#v", got)
	}
	if err := win.Put("DriveType", Sint32(-1), TypeEmpty); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("Put(-1) on uint32 = %v", err)
	}
	if err := win.Put("DriveType", Uint32(5), TypeString); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("Put with another type = %v", err)
	}
	if err := win.Put("DriveType", Uint32(5), TypeUint32); err != nil {
		t.Errorf("Put with the same type: %v", err)
	}
	// The instance spawned earlier keeps its values.
	if got := before.Value("DriveType"); !got.Equal(Uint32(3)) {
		t.Errorf("earlier instance sees %v", got)
	}

	// Inherited property: becomes an override; the parent is untouched.
	if err := win.Put("Size", Sint32(100), TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, win, "Size"); !got.Equal(Uint64(100)) {
		t.Errorf("Size = %#v", got)
	}
	if got := mustGet(t, disk, "Size"); !got.IsNull() {
		t.Errorf("parent's Size = %v", got)
	}
	if o, _ := win.PropertyOrigin("Size"); o != "CIM_LogicalDisk" {
		t.Errorf("origin after override %q", o)
	}
	if err := win.Put("Size", Uint32(1), TypeUint32); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("Put redefining an inherited type = %v", err)
	}
	code, err := win.Delete("size")
	if err != nil || code != status.SResetToDefault {
		t.Errorf("Delete(override) = %v, %v", code, err)
	}
	if got := mustGet(t, win, "Size"); !got.IsNull() {
		t.Errorf("Size after reset = %v", got)
	}

	// A NULL put on an inherited property overrides its default with NULL.
	if err := win.Put("Description", Value{}, TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, win, "Description"); !got.IsNull() || got.Type() != TypeString {
		t.Errorf("Description after a NULL override = %#v", got)
	}
	if got := win.MustSpawn().Value("Description"); !got.IsNull() {
		t.Errorf("an instance's Description = %v", got)
	}
	if err := win.Put("Description", String("again"), TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, win, "Description"); !got.Equal(String("again")) {
		t.Errorf("Description = %v", got)
	}
	if err := win.Put("Description", Value{}, TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, win, "Description"); !got.IsNull() {
		t.Errorf("Description after a second NULL put = %v", got)
	}
	if code, err := win.Delete("Description"); err != nil || code != status.SResetToDefault {
		t.Errorf("Delete(Description) = %v, %v", code, err)
	}
	if got := mustGet(t, win, "Description"); !got.Equal(String("element")) {
		t.Errorf("Description after reset = %v", got)
	}
	// A NULL put on a property of a root class is just NULL.
	if err := elem.Put("Description", Value{}, TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if p := elem.Properties[1]; !p.Value.IsNull() || p.Qualifiers.Index("__nodefault") >= 0 {
		t.Errorf("root NULL put: %+v", p)
	}

	// New properties.
	for _, tc := range []struct {
		name string
		v    Value
		t    Type
		want Value
	}{
		{"Label", String("x"), TypeEmpty, String("x")},
		{"Flags", Value{}, TypeUint16, Null(TypeUint16)},
		{"Blocks", Sint32(7), TypeUint64, Uint64(7)},
		{"Names", Strings("a"), TypeEmpty, Strings("a")},
	} {
		if err := win.Put(tc.name, tc.v, tc.t); err != nil {
			t.Errorf("Put(new %s): %v", tc.name, err)
			continue
		}
		if got := mustGet(t, win, tc.name); got.Type() != tc.want.Type() || !got.Equal(tc.want) {
			t.Errorf("new %s = %#v", tc.name, got)
		}
		if o, _ := win.PropertyOrigin(tc.name); o != "Win32_LogicalDisk" {
			t.Errorf("origin of new %s = %q", tc.name, o)
		}
	}
	if err := win.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    Value
		t    Type
		want error
	}{
		{"Untyped", Value{}, TypeEmpty, status.ErrTypeMismatch},
		{"Bad", String("x"), TypeIllegal, status.ErrInvalidPropertyType},
		{"Small", Sint32(300), TypeUint8, status.ErrTypeMismatch},
		{"_Hidden", String("x"), TypeEmpty, status.ErrInvalidParameter},
		{"Hidden_", String("x"), TypeEmpty, status.ErrInvalidParameter},
		{"bad name", String("x"), TypeEmpty, status.ErrInvalidParameter},
		{strings.Repeat("n", 256), String("x"), TypeEmpty, status.ErrPropertyNameTooWide},
		{"__PATH", String("x"), TypeEmpty, status.ErrReadOnly},
		{"__Derivation", Strings("x"), TypeEmpty, status.ErrReadOnly},
		{"__Nothing", String("x"), TypeEmpty, status.ErrInvalidParameter},
	} {
		n := len(win.Properties)
		if err := win.Put(tc.name, tc.v, tc.t); !errors.Is(err, tc.want) || len(win.Properties) != n {
			t.Errorf("Put(%.20s) = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := win.Validate(); err != nil {
		t.Fatalf("a refused Put broke the class: %v", err)
	}

	// Deleting.
	if code, err := win.Delete("label"); err != nil || code != status.SNoError {
		t.Errorf("Delete(new) = %v, %v", code, err)
	}
	if win.Property("Label") != nil {
		t.Error("Label still there")
	}
	// Deleting Win32_LogicalDisk's override of Caption resets it; then
	// Caption is only inherited.
	if code, err := win.Delete("caption"); err != nil || code != status.SResetToDefault {
		t.Errorf("Delete(caption) = %v, %v", code, err)
	}
	if got := mustGet(t, win, "Caption"); !got.IsNull() {
		t.Errorf("Caption after reset = %v", got)
	}
	for _, tc := range []struct {
		name string
		want error
	}{
		{"DeviceID", status.ErrPropagatedProperty},
		{"Caption", status.ErrPropagatedProperty},
		{"__CLASS", status.ErrSystemProperty},
		{"__relpath", status.ErrSystemProperty},
		{"Nope", status.ErrNotFound},
	} {
		if _, err := win.Delete(tc.name); !errors.Is(err, tc.want) {
			t.Errorf("Delete(%s) = %v, want %v", tc.name, err, tc.want)
		}
	}

	// __CLASS renames the class; it must be a valid name.
	d, err := win.SpawnDerivedClass("")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err == nil {
		t.Error("an unnamed class is valid")
	}
	if got := mustGet(t, d, "__CLASS"); !got.IsNull() {
		t.Errorf("__CLASS of an unnamed class = %v", got)
	}
	// An unnamed class already sees what it inherits.
	if err := d.Put("Size", String("5"), TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, d, "Size"); !got.Equal(Uint64(5)) {
		t.Errorf("Size of the unnamed class = %#v", got)
	}
	for _, bad := range []Value{String(""), Sint32(1), Value{}, String("_x"), String("a b")} {
		if err := d.Put("__CLASS", bad, TypeEmpty); err == nil {
			t.Errorf("Put(__CLASS, %#v) succeeded", bad)
		}
	}
	if err := d.Put("__class", String("Gowmi_Renamed"), TypeEmpty); err != nil {
		t.Fatal(err)
	}
	if d.Name != "Gowmi_Renamed" || d.Validate() != nil || !mustGet(t, d, "__CLASS").Equal(String("Gowmi_Renamed")) {
		t.Errorf("renamed class %s: %v", d.Name, d.Validate())
	}
}

func TestClassSpawn(t *testing.T) {
	elem, disk, win := diskClasses(t)
	win.Namespace, win.Server = `root\cimv2`, "SRV"

	d, err := win.SpawnDerivedClass("Gowmi_Disk")
	if err != nil {
		t.Fatal(err)
	}
	if d.Parent() != win || d.Superclass != "Win32_LogicalDisk" || d.Namespace != `root\cimv2` || d.Server != "SRV" || len(d.Properties) != 0 {
		t.Errorf("SpawnDerivedClass = %+v", d)
	}
	if got := d.Derivation(); !reflect.DeepEqual(got, []string{"Win32_LogicalDisk", "CIM_LogicalDisk", "CIM_ManagedElement"}) {
		t.Errorf("Derivation = %v", got)
	}
	if _, err := win.SpawnDerivedClass("Win32_LogicalDisk"); !errors.Is(err, status.ErrCircularReference) {
		t.Errorf("SpawnDerivedClass of the same name = %v", err)
	}
	if _, err := win.SpawnDerivedClass("bad name"); !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("SpawnDerivedClass(bad name) = %v", err)
	}
	if _, err := elem.SpawnDerivedClass("Gowmi_FromAbstract"); err != nil {
		t.Errorf("SpawnDerivedClass of an abstract class: %v", err)
	}

	inst, err := win.SpawnInstance()
	if err != nil {
		t.Fatal(err)
	}
	if inst.Class() != win || inst.Namespace != `root\cimv2` || inst.Server != "SRV" || inst.Genus() != GenusInstance {
		t.Errorf("instance %+v", inst)
	}
	for name, want := range map[string]Value{
		"Caption": String("disk"), "Description": String("element"), "DriveType": Uint32(3),
		"DeviceID": Null(TypeString), "Size": Null(TypeUint64),
	} {
		if got := inst.Value(name); got.Type() != want.Type() || !got.Equal(want) {
			t.Errorf("spawned %s = %#v, want %#v", name, got, want)
		}
	}
	for i := range inst.Properties() {
		if inst.IsSet(i) {
			t.Errorf("property %d of a fresh instance is set", i)
		}
	}
	if _, err := elem.SpawnInstance(); !errors.Is(err, status.ErrInvalidOperation) {
		t.Errorf("SpawnInstance(abstract) = %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MustSpawn of an abstract class did not panic")
			}
		}()
		elem.MustSpawn()
	}()
	if _, err := disk.SpawnInstance(); err != nil {
		t.Error(err)
	}
}

func TestClassMethods(t *testing.T) {
	_, disk, win := diskClasses(t)
	disk.Methods = []*Method{
		{
			Name: "Format", ReturnType: TypeUint32,
			Qualifiers: Qualifiers{{Name: "Implemented", Value: Boolean(true), Flavor: FlavorToSubclass}, {Name: "Static", Value: Boolean(true)}},
			Parameters: []*Property{
				{Name: "FileSystem", Type: TypeString, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}}},
				{Name: "Quick", Type: TypeBoolean, Value: Boolean(true), Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}, {Name: "Out", Value: Boolean(true)}}},
				{Name: "Log", Type: TypeString | TypeArray, Qualifiers: Qualifiers{{Name: "Out", Value: Boolean(true)}}},
			},
		},
		{Name: "Reset"},
		{Name: "Query", ReturnType: TypeObject, ReturnRef: "Gowmi_Result", Parameters: []*Property{
			{Name: "Second", Type: TypeUint32, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}, {Name: "ID", Value: Sint32(1)}}},
			{Name: "First", Type: TypeUint32, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}, {Name: "ID", Value: Sint32(0)}}},
		}},
	}
	disk.Changed()
	if err := win.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := len(win.AllMethods()); got != 3 {
		t.Fatalf("AllMethods = %d", got)
	}
	m := win.Method("FORMAT")
	if m == nil || m.Origin != "CIM_LogicalDisk" || m.Name != "Format" {
		t.Fatalf("Method(FORMAT) = %+v", m)
	}
	if o, err := win.MethodOrigin("format"); err != nil || o != "CIM_LogicalDisk" {
		t.Errorf("MethodOrigin = %q, %v", o, err)
	}
	if _, err := win.MethodOrigin("nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("MethodOrigin(nope) = %v", err)
	}
	// Inherited method qualifiers: the ToSubclass ones, marked propagated.
	if got := names(m.Qualifiers); got != "Implemented*" {
		t.Errorf("inherited method qualifiers %q", got)
	}
	if got := names(disk.Method("Format").Qualifiers); got != "Implemented Static" {
		t.Errorf("own method qualifiers %q", got)
	}

	in, out, err := win.GetMethod("format")
	if err != nil {
		t.Fatal(err)
	}
	if in == nil || out == nil || in.Name != "__PARAMETERS" || out.Name != "__PARAMETERS" || !in.IsAbstract() {
		t.Fatalf("GetMethod = %v, %v", in, out)
	}
	if got := propNames(in.AllProperties()); got != "FileSystem Quick" {
		t.Errorf("in parameters %s", got)
	}
	if got := propNames(out.AllProperties()); got != "Quick Log ReturnValue" {
		t.Errorf("out parameters %s", got)
	}
	for _, tc := range []struct {
		c    *Class
		name string
		id   int64
	}{{in, "FileSystem", 0}, {in, "Quick", 1}, {out, "Quick", 1}, {out, "Log", 2}} {
		q, ok := tc.c.Property(tc.name).Qualifiers.Get("ID")
		if n, _ := q.Value.Int(); !ok || n != tc.id {
			t.Errorf("ID of %s = %v", tc.name, q.Value)
		}
	}
	rv := out.Property("ReturnValue")
	if rv.Type != TypeUint32 || rv.Qualifiers.Index("ID") >= 0 || !IsOut(rv) {
		t.Errorf("ReturnValue = %+v", rv)
	}
	if q := in.Property("Quick"); !IsIn(q) || !IsOut(q) || !q.Value.Equal(Boolean(true)) {
		t.Errorf("in/out parameter %+v", q)
	}
	// A caller spawns the in-parameters: __PARAMETERS is abstract but spawns.
	args, err := in.SpawnInstance()
	if err != nil {
		t.Fatal(err)
	}
	if err := args.Put("FileSystem", String("NTFS")); err != nil {
		t.Error(err)
	}
	if got := args.Value("Quick"); !got.Equal(Boolean(true)) {
		t.Errorf("default of Quick = %v", got)
	}
	if got := mustGet(t, args, "__CLASS"); !got.Equal(String("__PARAMETERS")) {
		t.Errorf("__CLASS of in-parameters = %v", got)
	}
	// A void method without parameters has neither signature.
	if in, out, err := win.GetMethod("Reset"); in != nil || out != nil || err != nil {
		t.Errorf("GetMethod(Reset) = %v, %v, %v", in, out, err)
	}
	// Parameters come in ID order; an object return keeps its class.
	in, out, _ = win.GetMethod("Query")
	if got := propNames(in.AllProperties()); got != "First Second" {
		t.Errorf("Query in parameters %s", got)
	}
	if rv := out.Property("ReturnValue"); out.PropertyIndex("First") >= 0 || rv.Type != TypeObject || rv.ClassRef != "Gowmi_Result" {
		t.Errorf("Query out = %s, %+v", propNames(out.AllProperties()), rv)
	}
	if _, _, err := win.GetMethod("Nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("GetMethod(Nope) = %v", err)
	}
	if win.Method("nope") != nil {
		t.Error("Method(nope)")
	}

	// Overriding with the same signature keeps the origin and merges
	// qualifiers; another signature is refused.
	win.Methods = []*Method{{Name: "format", ReturnType: TypeUint32, Qualifiers: Qualifiers{{Name: "Description", Value: String("d")}},
		Parameters: []*Property{
			{Name: "FileSystem", Type: TypeString, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}}},
			{Name: "quick", Type: TypeBoolean, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}, {Name: "Out", Value: Boolean(true)}}},
			{Name: "Log", Type: TypeString | TypeArray, Qualifiers: Qualifiers{{Name: "Out", Value: Boolean(true)}}},
		}}}
	win.Changed()
	if err := win.Validate(); err != nil {
		t.Fatal(err)
	}
	if m := win.Method("Format"); m.Origin != "CIM_LogicalDisk" || m.Name != "Format" || names(m.Qualifiers) != "Implemented* Description" {
		t.Errorf("override = %+v, qualifiers %q", m, names(m.Qualifiers))
	}
	for name, edit := range map[string]func(m *Method){
		"return type":    func(m *Method) { m.ReturnType = TypeSint32 },
		"parameter type": func(m *Method) { m.Parameters[0].Type = TypeUint32 },
		"direction":      func(m *Method) { m.Parameters[2].Qualifiers = Qualifiers{{Name: "In", Value: Boolean(true)}} },
		"one less":       func(m *Method) { m.Parameters = m.Parameters[:2] },
		"renamed":        func(m *Method) { m.Parameters[0].Name = "FS" },
	} {
		mm := win.Methods[0].Clone()
		edit(mm)
		c := NewClass("Gowmi_Bad", win)
		c.Methods = []*Method{mm}
		if err := c.Validate(); !errors.Is(err, status.ErrUpdatePropagatedMethod) {
			t.Errorf("override changing the %s: %v", name, err)
		}
	}
}

func TestClassPutMethod(t *testing.T) {
	_, disk, win := diskClasses(t)
	sig := func(ps ...*Property) *Class {
		c := NewClass("__PARAMETERS", nil)
		c.Properties = ps
		return c
	}
	p := func(name string, typ Type, id int32) *Property {
		return &Property{Name: name, Type: typ, Qualifiers: Qualifiers{{Name: "ID", Value: Sint32(id)}}}
	}
	rv := &Property{Name: "ReturnValue", Type: TypeUint32}

	if err := disk.PutMethod("Format", sig(p("FileSystem", TypeString, 0), p("Quick", TypeBoolean, 1)), sig(p("Quick", TypeBoolean, 1), p("Log", TypeString, 2), rv)); err != nil {
		t.Fatal(err)
	}
	m := disk.Method("Format")
	if m == nil || m.ReturnType != TypeUint32 || len(m.Parameters) != 3 {
		t.Fatalf("method %+v", m)
	}
	if q := m.Parameters[1]; q.Name != "Quick" || !IsIn(q) || !IsOut(q) {
		t.Errorf("in/out parameter %+v", q)
	}
	if !IsIn(m.Parameters[0]) || IsOut(m.Parameters[0]) || IsIn(m.Parameters[2]) || !IsOut(m.Parameters[2]) {
		t.Error("directions")
	}
	// GetMethod gives back what PutMethod took, and PutMethod takes it again.
	in, out, _ := disk.GetMethod("Format")
	if propNames(in.AllProperties()) != "FileSystem Quick" || propNames(out.AllProperties()) != "Quick Log ReturnValue" {
		t.Errorf("round trip: %s / %s", propNames(in.AllProperties()), propNames(out.AllProperties()))
	}
	_ = disk.SetQualifier(Qualifier{Name: "Description", Value: String("keep")})
	disk.Methods[0].Qualifiers = Qualifiers{{Name: "Implemented", Value: Boolean(true)}}
	if err := disk.PutMethod("Format", in, out); err != nil {
		t.Fatal(err)
	}
	if len(disk.Methods) != 1 || !disk.Methods[0].Qualifiers.Has("Implemented") {
		t.Errorf("replacing dropped the method qualifiers: %+v", disk.Methods)
	}
	// Signatures given in another order come out in ID order.
	if err := disk.PutMethod("Order", sig(p("B", TypeString, 1), p("A", TypeString, 0)), nil); err != nil {
		t.Fatal(err)
	}
	if got := propNames(disk.Method("Order").Parameters); got != "A B" {
		t.Errorf("order %s", got)
	}
	if err := disk.PutMethod("Void", nil, nil); err != nil {
		t.Fatal(err)
	}
	if m := disk.Method("Void"); m.ReturnType != TypeEmpty || len(m.Parameters) != 0 {
		t.Errorf("void method %+v", m)
	}

	// An inherited method may be put again with its signature only.
	if err := win.PutMethod("FORMAT", in, out); err != nil {
		t.Errorf("PutMethod of an inherited method with its signature: %v", err)
	}
	if m := win.Method("Format"); m.Origin != "CIM_LogicalDisk" || m.Name != "Format" {
		t.Errorf("override %+v", m)
	}
	if err := win.PutMethod("Format", sig(p("FileSystem", TypeString, 0)), out); !errors.Is(err, status.ErrPropagatedMethod) {
		t.Errorf("PutMethod changing an inherited signature = %v", err)
	}

	n := len(disk.Methods)
	for name, tc := range map[string]struct {
		name    string
		in, out *Class
		want    error
	}{
		"missing ID":         {"M", sig(&Property{Name: "A", Type: TypeString}), nil, status.ErrMissingParameterID},
		"missing out ID":     {"M", nil, sig(&Property{Name: "A", Type: TypeString}), status.ErrMissingParameterID},
		"duplicate ID":       {"M", sig(p("A", TypeString, 0), p("B", TypeString, 0)), nil, status.ErrInvalidParameterID},
		"duplicate across":   {"M", sig(p("A", TypeString, 0)), sig(p("B", TypeString, 0)), status.ErrInvalidParameterID},
		"nonconsecutive":     {"M", sig(p("A", TypeString, 0), p("B", TypeString, 2)), nil, status.ErrNonconsecutiveParameterIDs},
		"not from zero":      {"M", sig(p("A", TypeString, 1)), nil, status.ErrNonconsecutiveParameterIDs},
		"negative":           {"M", sig(p("A", TypeString, -1)), nil, status.ErrInvalidParameterID},
		"ID on ReturnValue":  {"M", nil, sig(p("ReturnValue", TypeUint32, 0)), status.ErrParameterIDOnRetval},
		"ReturnValue in in":  {"M", sig(rv), nil, status.ErrInvalidMethodParameters},
		"in/out type differ": {"M", sig(p("A", TypeString, 0)), sig(p("A", TypeUint32, 0)), status.ErrInvalidDuplicateParameter},
		"in/out ID differ":   {"M", sig(p("A", TypeString, 0), p("B", TypeString, 1)), sig(p("A", TypeString, 1)), status.ErrInvalidDuplicateParameter},
		"bad method name":    {"M M", nil, nil, status.ErrInvalidParameter},
		"too wide":           {strings.Repeat("m", 256), nil, nil, status.ErrMethodNameTooWide},
	} {
		if err := disk.PutMethod(tc.name, tc.in, tc.out); !errors.Is(err, tc.want) {
			t.Errorf("%s: PutMethod = %v, want %v", name, err, tc.want)
		}
		if len(disk.Methods) != n || disk.Validate() != nil {
			t.Errorf("%s: a refused PutMethod changed the class", name)
		}
	}

	// DeleteMethod.
	if err := win.DeleteMethod("format"); err != nil {
		t.Errorf("DeleteMethod(override): %v", err)
	}
	if win.Method("Format") == nil {
		t.Error("deleting the override removed the inherited method")
	}
	if err := win.DeleteMethod("Format"); !errors.Is(err, status.ErrPropagatedMethod) {
		t.Errorf("DeleteMethod(inherited) = %v", err)
	}
	if err := win.DeleteMethod("Nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("DeleteMethod(Nope) = %v", err)
	}
	if err := disk.DeleteMethod("ORDER"); err != nil || disk.Method("Order") != nil {
		t.Errorf("DeleteMethod(ORDER) = %v", err)
	}
}

func TestClassCompareTo(t *testing.T) {
	base := func() *Class {
		_, disk, _ := diskClasses(t)
		c := NewClass("Gowmi_Disk", disk)
		c.Namespace, c.Server = `root\cimv2`, "SRV"
		c.Qualifiers = Qualifiers{{Name: "Description", Value: String("A disk"), Flavor: FlavorToSubclass}}
		c.Properties = []*Property{
			{Name: "Label", Type: TypeString, Value: String("Data"), Qualifiers: Qualifiers{{Name: "MaxLen", Value: Sint32(32)}}},
			{Name: "Flags", Type: TypeUint32 | TypeArray, Value: MustArray(TypeUint32, Uint32(1))},
		}
		c.Methods = []*Method{{Name: "Mount", ReturnType: TypeUint32, Parameters: []*Property{{Name: "Path", Type: TypeString, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}}}}}}
		return c
	}
	a := base()
	if !a.CompareTo(a, CompareIncludeAll) || !a.CompareTo(base(), CompareIncludeAll) || !a.CompareTo(a.Clone(), CompareIncludeAll) {
		t.Fatal("a class differs from its copy")
	}
	tests := []struct {
		name  string
		edit  func(c *Class)
		flags CompareFlags // flags under which the edited class is the same
	}{
		{"namespace", func(c *Class) { c.Namespace = `root\default` }, CompareIgnoreObjectSource},
		{"server", func(c *Class) { c.Server = "OTHER" }, CompareIgnoreObjectSource},
		{"class qualifier value", func(c *Class) { c.Qualifiers[0].Value = String("B disk") }, CompareIgnoreQualifiers},
		{"class qualifier case", func(c *Class) { c.Qualifiers[0].Value = String("a DISK") }, CompareIgnoreCase},
		{"class qualifier flavor", func(c *Class) { c.Qualifiers[0].Flavor = FlavorToInstance }, CompareIgnoreFlavor},
		{"class qualifier added", func(c *Class) { c.Qualifiers = append(c.Qualifiers, Qualifier{Name: "X", Value: Boolean(true)}) }, CompareIgnoreQualifiers},
		{"property qualifier", func(c *Class) { c.Properties[0].Qualifiers[0].Value = Sint32(64) }, CompareIgnoreQualifiers},
		{"property qualifier flavor", func(c *Class) { c.Properties[0].Qualifiers[0].Flavor = FlavorNotOverridable }, CompareIgnoreFlavor | CompareIgnoreQualifiers},
		{"default value", func(c *Class) { c.Properties[0].Value = String("Other") }, CompareIgnoreDefaultValues},
		{"default case", func(c *Class) { c.Properties[0].Value = String("DATA") }, CompareIgnoreCase | CompareIgnoreDefaultValues},
		{"default array", func(c *Class) { c.Properties[1].Value = MustArray(TypeUint32, Uint32(2)) }, CompareIgnoreDefaultValues},
		{"default NULL", func(c *Class) { c.Properties[0].Value = Null(TypeString) }, CompareIgnoreDefaultValues},
		{"method qualifier", func(c *Class) {
			c.Methods[0].Qualifiers = Qualifiers{{Name: "Implemented", Value: Boolean(true)}}
		}, CompareIgnoreQualifiers},
		{"parameter qualifier", func(c *Class) {
			c.Methods[0].Parameters[0].Qualifiers = append(c.Methods[0].Parameters[0].Qualifiers, Qualifier{Name: "MaxLen", Value: Sint32(2)})
		}, CompareIgnoreQualifiers},
		{"property name case", func(c *Class) { c.Properties[0].Name = "LABEL" }, 0},
		{"class name case", func(c *Class) { c.Name = "GOWMI_DISK" }, 0},
		{"property type", func(c *Class) { c.Properties[0].Type = TypeDateTime; c.Properties[0].Value = Value{} }, 0},
		{"property added", func(c *Class) { c.Properties = append(c.Properties, &Property{Name: "X", Type: TypeString}) }, 0},
		{"method added", func(c *Class) { c.Methods = append(c.Methods, &Method{Name: "Y"}) }, 0},
		{"return type", func(c *Class) { c.Methods[0].ReturnType = TypeSint32 }, 0},
		{"superclass", func(c *Class) { c.Superclass = "CIM_ManagedElement" }, 0},
	}
	all := CompareIgnoreQualifiers | CompareIgnoreObjectSource | CompareIgnoreDefaultValues | CompareIgnoreCase | CompareIgnoreFlavor
	for _, tc := range tests {
		b := base()
		tc.edit(b)
		if a.CompareTo(b, CompareIncludeAll) || b.CompareTo(a, CompareIncludeAll) {
			t.Errorf("%s: same with CompareIncludeAll", tc.name)
		}
		if tc.flags != 0 {
			if !a.CompareTo(b, tc.flags) || !b.CompareTo(a, tc.flags) {
				t.Errorf("%s: different with flags %#x", tc.name, uint32(tc.flags))
			}
		} else if a.CompareTo(b, all) {
			t.Errorf("%s: same with every flag", tc.name)
		}
	}
	if a.CompareTo(a.MustSpawn(), all) {
		t.Error("a class is the same as an instance")
	}
	if got := CompareIgnoreQualifiers | CompareIgnoreObjectSource | CompareIgnoreDefaultValues | CompareIgnoreClass | CompareIgnoreCase | CompareIgnoreFlavor; got != 0x3F {
		t.Errorf("compare flags = %#x", uint32(got))
	}
}

func TestClassCloneIndependent(t *testing.T) {
	_, disk, _ := diskClasses(t)
	disk.Methods = []*Method{{Name: "M", Parameters: []*Property{{Name: "P", Type: TypeString, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}}}}}}
	disk.Changed()
	c := disk.Clone()
	if !c.CompareTo(disk, CompareIncludeAll) || c.Parent() != disk.Parent() {
		t.Fatal("clone differs")
	}
	c.Properties[0].Qualifiers[0].Value = Boolean(false)
	c.Properties[1].Name = "Other"
	c.Methods[0].Parameters[0].Name = "Q"
	c.Methods[0].Qualifiers = append(c.Methods[0].Qualifiers, Qualifier{Name: "X"})
	c.Qualifiers = append(c.Qualifiers, Qualifier{Name: "Y"})
	c.Changed()
	if disk.Properties[0].Qualifiers[0].Value.Equal(Boolean(false)) || disk.Properties[1].Name != "Size" ||
		disk.Methods[0].Parameters[0].Name != "P" || len(disk.Methods[0].Qualifiers) != 0 || len(disk.Qualifiers) != 0 {
		t.Error("changing the clone changed the class")
	}
	if !disk.Property("DeviceID").IsKey() {
		t.Error("the class lost its key")
	}
	var o Object = disk
	if cc, ok := o.CloneObject().(*Class); !ok || cc == disk || !cc.CompareTo(disk, 0) {
		t.Error("CloneObject")
	}
}

func TestClassChangedParent(t *testing.T) {
	elem, disk, win := diskClasses(t)
	inst := win.MustSpawn()
	if got := mustGet(t, win, "Description"); !got.Equal(String("element")) {
		t.Fatal(got)
	}
	// A change to an ancestor reaches the subclasses' views.
	elem.Properties[1].Value = String("changed")
	elem.Properties = append(elem.Properties, &Property{Name: "Status", Type: TypeString})
	elem.Changed()
	if got := mustGet(t, win, "Description"); !got.Equal(String("changed")) {
		t.Errorf("subclass default after the ancestor changed: %v", got)
	}
	if win.Property("Status") == nil || disk.Property("status") == nil {
		t.Error("new ancestor property missing in the subclasses")
	}
	if got := propNames(win.AllProperties()); got != "Caption Description Status DeviceID Size DriveType" {
		t.Errorf("properties %s", got)
	}
	// The instance spawned before keeps its own view.
	if got := inst.Value("Description"); !got.Equal(String("element")) || inst.PropertyIndex("Status") >= 0 {
		t.Errorf("earlier instance: %v", got)
	}
	if err := inst.Put("DriveType", Uint32(9)); err != nil || !inst.Value("drivetype").Equal(Uint32(9)) {
		t.Errorf("earlier instance Put: %v", err)
	}
	// An invalid ancestor makes its subclasses invalid.
	elem.Properties = append(elem.Properties, &Property{Name: "Status", Type: TypeString})
	elem.Changed()
	if err := win.Validate(); !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("subclass of an invalid class: %v", err)
	}
}

// TestClassConcurrentLayout shares classes whose inherited view is not yet
// computed between goroutines that all use them at once. Run with -race.
func TestClassConcurrentLayout(t *testing.T) {
	for round := range 20 {
		_, disk, win := diskClasses(t)
		disk.Changed()
		win.Changed()
		leaf := NewClass("Gowmi_Leaf", win)
		leaf.Properties = []*Property{{Name: "Leaf", Type: TypeUint32, Value: Uint32(uint32(round))}}
		leaf.Methods = []*Method{{Name: "Go", Parameters: []*Property{{Name: "N", Type: TypeSint32, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true)}}}}}}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				<-start
				inst, err := leaf.SpawnInstance()
				if err != nil {
					errs <- err
					return
				}
				if err := inst.Put("DeviceID", String("C:")); err != nil {
					errs <- err
					return
				}
				if v := inst.Value("Leaf"); !v.Equal(Uint32(uint32(round))) {
					errs <- errors.New("wrong default " + v.String())
					return
				}
				if p := leaf.Property("description"); p == nil || p.Origin != "CIM_ManagedElement" {
					errs <- errors.New("Property(description)")
					return
				}
				if g%2 == 0 {
					_, _, _ = leaf.GetMethod("Go")
					_ = leaf.Keys()
					_ = win.AllQualifiers()
					_, _ = inst.Get("__RELPATH")
				} else {
					_ = disk.Derivation()
					_ = leaf.Dynasty()
					_, _ = win.Get("__PROPERTY_COUNT")
					_ = inst.Clone()
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
}

// Key and Association pass to subclasses whatever their flavor (a class
// built in Go often leaves the flavor zero, Restricted); Abstract never does.
func TestClassStructuralQualifiers(t *testing.T) {
	base := NewClass("Gowmi_Link", nil)
	base.Qualifiers = Qualifiers{{Name: "Association", Value: Boolean(true)}, {Name: "Description", Value: String("restricted")}}
	base.Properties = []*Property{
		{Name: "A", Type: TypeReference, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true)}, {Name: "MaxLen", Value: Sint32(1)}}},
		{Name: "B", Type: TypeReference, Qualifiers: Qualifiers{{Name: "key", Value: Boolean(true)}}},
	}
	sub := NewClass("Gowmi_SubLink", base)
	if err := sub.Validate(); err != nil {
		t.Fatal(err)
	}
	if !sub.IsAssociation() || sub.AllQualifiers().Has("Description") {
		t.Errorf("subclass qualifiers %q", names(sub.AllQualifiers()))
	}
	if got := propNames(sub.Keys()); got != "A B" {
		t.Errorf("subclass keys %s", got)
	}
	if got := names(sub.Property("A").Qualifiers); got != "Key*" {
		t.Errorf("inherited key qualifiers %q", got)
	}
	inst := sub.MustSpawn()
	inst.MustPut("A", String(`Gowmi_X.k=1`)).MustPut("B", String(`Gowmi_Y.k=2`))
	if got := inst.RelPath(); got != `Gowmi_SubLink.A="Gowmi_X.k=1",B="Gowmi_Y.k=2"` {
		t.Errorf("RelPath %s", got)
	}
	not := NewClass("Gowmi_NotLink", base)
	not.Qualifiers = Qualifiers{{Name: "Association", Value: Boolean(false)}}
	if err := not.Validate(); !errors.Is(err, status.ErrOverrideNotAllowed) {
		t.Errorf("Association(false) under a restricted association: %v", err)
	}
	again := NewClass("Gowmi_Again", base)
	again.Qualifiers = Qualifiers{{Name: "association", Value: Boolean(true)}}
	if err := again.Validate(); err != nil || !again.IsAssociation() {
		t.Errorf("restating Association: %v", err)
	}
}
