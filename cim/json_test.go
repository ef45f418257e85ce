package cim

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

// testResolver resolves the classes of mofTestClasses.
func testResolver(classes ...*Class) func(string) (*Class, error) {
	return func(name string) (*Class, error) {
		for _, c := range classes {
			if strings.EqualFold(c.Name, name) {
				return c, nil
			}
		}
		return nil, status.Errorf(status.NotFound, "no class %s", name)
	}
}

// roundTrip encodes and decodes o and checks the result.
func roundTrip(t *testing.T, o Object, resolve func(string) (*Class, error)) (Object, []byte) {
	t.Helper()
	return roundTripFlags(t, o, resolve, 0)
}

// synthTrip is roundTrip for an instance whose class is synthesized: the
// instances compare with CompareIgnoreClass, and their MOF texts may differ
// (a synthesized class has no defaults for the properties the instance
// sets).
func synthTrip(t *testing.T, o Object, resolve func(string) (*Class, error)) (Object, []byte) {
	t.Helper()
	return roundTripFlags(t, o, resolve, CompareIgnoreClass)
}

func roundTripFlags(t *testing.T, o Object, resolve func(string) (*Class, error), flags CompareFlags) (Object, []byte) {
	t.Helper()
	data, err := MarshalObject(o)
	if err != nil {
		t.Fatalf("MarshalObject: %v", err)
	}
	if !json.Valid(data) {
		t.Fatalf("MarshalObject wrote invalid JSON: %s", data)
	}
	got, err := UnmarshalObject(data, resolve)
	if err != nil {
		t.Fatalf("UnmarshalObject(%s): %v", data, err)
	}
	if !got.CompareTo(o, flags) || !o.CompareTo(got, flags) {
		t.Fatalf("round trip changed the object:\n%s\nbecame\n%s\nJSON %s", o.MOF(), got.MOF(), data)
	}
	if g, w := got.MOF(), o.MOF(); g != w && flags == 0 {
		t.Fatalf("round trip changed the MOF:\n%s\nbecame\n%s", w, g)
	}
	again, err := MarshalObject(got)
	if err != nil {
		t.Fatalf("MarshalObject of the decoded object: %v", err)
	}
	if !bytes.Equal(again, data) {
		t.Fatalf("re-encoding differs:\n%s\n%s", data, again)
	}
	return got, data
}

func jsonTestValues(t *testing.T) []Value {
	_, _, part, _ := mofTestClasses(t)
	leaf := part.MustSpawn().MustPut("Label", String("leaf")).MustPut("Weight", Real64(math.Inf(-1)))
	leaf.Namespace, leaf.Server = `root\test`, "srv"
	mid := part.MustSpawn().MustPut("Label", String("mid")).MustPut("Inner", Embedded(leaf))
	mid.Qualifiers = Qualifiers{{Name: "Note", Value: Sint32(-1), Flavor: FlavorToInstance | FlavorAmended}}
	top := part.MustSpawn().MustPut("Inner", Embedded(mid))
	vals := []Value{
		Sint8(math.MinInt8), Sint8(math.MaxInt8),
		Uint8(0), Uint8(math.MaxUint8),
		Sint16(math.MinInt16), Sint16(math.MaxInt16),
		Uint16(math.MaxUint16),
		Sint32(math.MinInt32), Sint32(math.MaxInt32),
		Uint32(math.MaxUint32),
		Sint64(math.MinInt64), Sint64(math.MaxInt64), Sint64(0),
		Uint64(math.MaxUint64), Uint64(0),
		Real32(0.1), Real32(float32(math.Copysign(0, -1))), Real32(0), Real32(float32(math.NaN())),
		Real32(float32(math.Inf(1))), Real32(float32(math.Inf(-1))), Real32(math.MaxFloat32),
		Real32(math.SmallestNonzeroFloat32), Real32(math.Float32frombits(0x7FA00001)), Real32(math.Float32frombits(0xFFC00000)),
		Real64(0.1), Real64(math.Copysign(0, -1)), Real64(math.NaN()), Real64(math.Inf(1)), Real64(math.Inf(-1)),
		Real64(math.MaxFloat64), Real64(math.SmallestNonzeroFloat64), Real64(1e21), Real64(123456789.125),
		Real64(math.Float64frombits(0x7FF4000000000000)), Real64(math.Float64frombits(0xFFF8000000000000)),
		Boolean(true), Boolean(false),
		String(""), String("plain"), String("quote\" back\\ slash/ \b\f\n\r\t \x00\x01\x1f\x7f"),
		String("日本語 é 😀 \u2028\u2029 \ufffd"),
		mustDT(t, "20240229235959.999999-480"), mustDT(t, "20240416******.000000+***"),
		mustDT(t, "**************.******+***"), mustDT(t, "00000001120032.000000:000"),
		mustRef(t, `\\SRV\root\cimv2:Win32_Directory.Name="C:\\Windows"`),
		mustRef(t, `Assoc.Ref="\\\\SRV\\root\\cimv2:Win32_ComputerSystem.Name=\"SRV\""`),
		Char16('A'), Char16('"'), Char16('\\'), Char16(0), Char16('\n'), Char16(0xE9), Char16(0x20AC),
		Char16(0xFFFD), Char16(0xFFFF), Char16(0xD800), Char16(0xDFFF),
		Embedded(leaf), Embedded(top), Embedded(part),
		Strings(), Strings("a", "", "b\"c"),
	}
	// An array of each type, from the scalars above.
	byType := map[Type][]Value{}
	var order []Type
	for _, v := range vals {
		if _, ok := byType[v.Type()]; !ok {
			order = append(order, v.Type())
		}
		byType[v.Type()] = append(byType[v.Type()], v)
	}
	for _, typ := range order {
		if typ.IsArray() {
			continue
		}
		vals = append(vals, MustArray(typ, byType[typ]...), MustArray(typ))
		vals = append(vals, Null(typ), Null(typ.ArrayOf()))
	}
	return vals
}

func TestJSONValueRoundTrip(t *testing.T) {
	_, _, part, _ := mofTestClasses(t)
	for _, v := range jsonTestValues(t) {
		t.Run(v.GoString(), func(t *testing.T) {
			c := &Class{Name: "Gowmi_Holder", Properties: []*Property{
				{Name: "K", Type: TypeString, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorDefault}}},
				{Name: "P", Type: v.Type()},
			}}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			i := c.MustSpawn().MustPut("K", String("k")).MustPut("P", v)
			for k, resolve := range []func(string) (*Class, error){nil, testResolver(c, part)} {
				flags := CompareFlags(1-k) * CompareIgnoreClass
				got, _ := roundTripFlags(t, i, resolve, flags)
				gv := got.(*Instance).Value("P")
				if !sameValue(gv, v, flags) || gv.n != v.n {
					t.Errorf("value %#v became %#v", v, gv)
				}
			}
		})
	}
}

func TestJSONInstanceGolden(t *testing.T) {
	c := &Class{Name: "Gowmi_Golden", Qualifiers: Qualifiers{{Name: "Singleton", Value: Boolean(true), Flavor: FlavorDefault}}, Properties: []*Property{
		{Name: "U64", Type: TypeUint64},
		{Name: "S64", Type: TypeSint64},
		{Name: "R", Type: TypeReal64},
		{Name: "F", Type: TypeReal32},
		{Name: "C", Type: TypeChar16},
		{Name: "D", Type: TypeDateTime},
		{Name: "Ref", Type: TypeReference, ClassRef: "CIM_System"},
		{Name: "A", Type: TypeUint16 | TypeArray},
		{Name: "N", Type: TypeString},
		{Name: "Def", Type: TypeUint8, Value: Uint8(7)},
		{Name: "Bool", Type: TypeBoolean},
	}}
	c.Namespace = `root\cimv2`
	c.Server = "SRV"
	i := c.MustSpawn()
	i.MustPut("U64", Uint64(math.MaxUint64)).MustPut("S64", Sint64(math.MinInt64)).MustPut("R", Real64(math.NaN()))
	i.MustPut("F", Real32(float32(math.Copysign(0, -1)))).MustPut("C", Char16(0xD834)).MustPut("D", mustDT(t, "20240101000000.000000+000"))
	i.MustPut("Ref", mustRef(t, `CIM_System.Name="a\\b"`)).MustPut("A", MustArray(TypeUint16, Uint16(1), Uint16(65535)))
	i.MustPut("N", Null(TypeString))
	data, err := MarshalObject(i)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"genus":2,"class":"Gowmi_Golden","namespace":"root\\cimv2","server":"SRV","singleton":true,"properties":{` +
		`"U64":{"type":"uint64","value":"18446744073709551615"},` +
		`"S64":{"type":"sint64","value":"-9223372036854775808"},` +
		`"R":{"type":"real64","value":"NaN"},` +
		`"F":{"type":"real32","value":-0},` +
		`"C":{"type":"char16","value":"\ud834"},` +
		`"D":{"type":"datetime","value":"20240101000000.000000+000"},` +
		`"Ref":{"type":"ref","class":"CIM_System","value":"CIM_System.Name=\"a\\\\b\""},` +
		`"A":{"type":"uint16[]","value":[1,65535]},` +
		`"N":{"type":"string","value":null},` +
		`"Def":{"type":"uint8","default":true,"value":7},` +
		`"Bool":{"type":"boolean","default":true,"value":null}}}`
	if string(data) != want {
		t.Errorf("MarshalObject =\n%s\nwant\n%s", data, want)
	}
	// -0 written as a literal: Real32(-0.0) is +0 in Go; check the real -0.
	i.MustPut("F", Real32(float32(math.Copysign(0, -1))))
	data, _ = MarshalObject(i)
	if !bytes.Contains(data, []byte(`"F":{"type":"real32","value":-0}`)) {
		t.Errorf("negative zero: %s", data)
	}
	got, err := UnmarshalObject(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	gi := got.(*Instance)
	if !gi.Class().IsSingleton() {
		t.Error("synthesized class lost Singleton")
	}
	if gi.RelPath() != i.RelPath() || gi.RelPath() == "" {
		t.Errorf("__RELPATH %q, want %q", gi.RelPath(), i.RelPath())
	}
	if gi.IsSet(9) || gi.IsSet(10) || !gi.IsSet(0) {
		t.Error("IsSet not kept")
	}
	if f := gi.Value("F"); f.n != uint64(math.Float32bits(float32(math.Copysign(0, -1)))) {
		t.Errorf("-0 became %#v", f)
	}
}

func TestJSONInstanceWithSchema(t *testing.T) {
	base, disk, part, item := mofTestClasses(t)
	resolve := testResolver(base, disk, part, item)
	i := mofTestItem(t, part, item)
	i.Namespace, i.Server = `root\cimv2`, "SRV"

	// Without the schema: synthesized classes.
	got, data := synthTrip(t, i, nil)
	gi := got.(*Instance)
	if gi.Class() == item {
		t.Fatal("nil resolve returned the schema class")
	}
	if gi.RelPath() != i.RelPath() {
		t.Errorf("__RELPATH %q, want %q", gi.RelPath(), i.RelPath())
	}
	if keys := gi.Class().Keys(); len(keys) != 1 || keys[0].Name != "Name" {
		t.Errorf("synthesized keys %v", keys)
	}
	if v := gi.Value("Unset"); !v.Equal(Uint32(9)) {
		t.Errorf("synthesized default %#v", v)
	}
	if p, _ := gi.Value("Part").Object(); p == nil || p.ClassName() != "Gowmi_Part" {
		t.Errorf("embedded object %v", p)
	}

	// With the schema: the resolved class.
	got, _ = roundTrip(t, i, resolve)
	if got.Class() != item {
		t.Error("resolve not used")
	}
	// A resolver that does not know the class is the same as none.
	got, _ = synthTrip(t, i, testResolver())
	if got.Class() == item {
		t.Error("unknown class resolved")
	}

	// The resolved class's default wins for a property the instance has not set.
	item2 := item.Clone()
	item2.Properties[14].Value = Uint32(10)
	if err := item2.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalObject(data, testResolver(item2, part))
	if err != nil {
		t.Fatal(err)
	}
	if v := got.(*Instance).Value("Unset"); !v.Equal(Uint32(10)) {
		t.Errorf("default from the resolved class: %#v", v)
	}
}

func TestJSONDerivation(t *testing.T) {
	root := &Class{Name: "Gowmi_Root", Properties: []*Property{{Name: "ID", Type: TypeUint32, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorDefault}}}}}
	mid := NewClass("Gowmi_Mid", root)
	leaf := NewClass("Gowmi_Leaf", mid)
	leaf.Properties = []*Property{{Name: "Extra", Type: TypeString}}
	holder := &Class{Name: "Gowmi_Holder", Properties: []*Property{{Name: "Obj", Type: TypeObject, ClassRef: "Gowmi_Mid"}}}
	for _, c := range []*Class{root, mid, leaf, holder} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	l := leaf.MustSpawn().MustPut("ID", Uint32(5)).MustPut("Extra", String("x"))
	h := holder.MustSpawn().MustPut("Obj", Embedded(l))
	got, _ := synthTrip(t, h, nil)
	o, _ := got.(*Instance).Value("Obj").Object()
	if !o.InheritsFrom("Gowmi_Root") || !o.InheritsFrom("gowmi_mid") {
		t.Errorf("derivation lost: %v", o.Class().Derivation())
	}
	if d := o.Class().Derivation(); len(d) != 2 || d[0] != "Gowmi_Mid" || d[1] != "Gowmi_Root" {
		t.Errorf("__DERIVATION %v", d)
	}
	if got := o.(*Instance).RelPath(); got != l.RelPath() {
		t.Errorf("__RELPATH %q, want %q", got, l.RelPath())
	}
}

func TestJSONClassRoundTrip(t *testing.T) {
	base, disk, part, item := mofTestClasses(t)
	resolve := testResolver(base, disk, part, item)
	base.Namespace = `root\test`

	for _, c := range []*Class{base, part, item} {
		got, _ := roundTrip(t, c, nil)
		if err := got.(*Class).Validate(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}

	// A derived class: linked with resolve, unlinked without.
	got, _ := roundTrip(t, disk, resolve)
	gc := got.(*Class)
	if gc.Parent() != base {
		t.Error("superclass not linked")
	}
	if err := gc.Validate(); err != nil {
		t.Error(err)
	}
	if len(gc.AllProperties()) != len(disk.AllProperties()) {
		t.Error("inherited view differs")
	}
	got, _ = roundTrip(t, disk, nil)
	gc = got.(*Class)
	if gc.Parent() != nil || gc.Superclass != "Gowmi_Element" {
		t.Errorf("unlinked class: parent %v, superclass %q", gc.Parent(), gc.Superclass)
	}
	if err := gc.Validate(); !errors.Is(err, status.ErrInvalidSuperclass) {
		t.Errorf("Validate of an unlinked class = %v", err)
	}
	if err := gc.SetParent(base); err != nil {
		t.Errorf("SetParent: %v", err)
	}

	// Override without a default, untyped and typed NULL defaults, a
	// qualifier without a value.
	over := NewClass("Gowmi_Over", base)
	over.Qualifiers = Qualifiers{{Name: "Odd"}, {Name: "Typed", Value: Null(TypeString), Flavor: FlavorToInstance}}
	over.Properties = []*Property{
		{Name: "Caption", Type: TypeString, Qualifiers: Qualifiers{{Name: "__nodefault", Value: Boolean(true), Flavor: FlavorDefault}}},
		{Name: "Typed", Type: TypeUint32, Value: Null(TypeUint32)},
		{Name: "Untyped", Type: TypeUint32},
	}
	got, _ = roundTrip(t, over, resolve)
	if v, _ := got.(*Class).Get("Caption"); !v.IsNull() {
		t.Errorf("__nodefault lost: %#v", v)
	}

	// Methods alone.
	m := &Class{Name: "Gowmi_M", Methods: []*Method{{Name: "Void"}, {Name: "Obj", ReturnType: TypeObject | TypeArray, ReturnRef: "Gowmi_Part"}}}
	roundTrip(t, m, nil)
}

func TestJSONValueBeforeType(t *testing.T) {
	data := `{"properties":{"B":{"value":"18446744073709551615","key":true,"type":"uint64"},` +
		`"Q":{"value":{"genus":2,"class":"In","properties":{}},"type":"object"}},` +
		`"qualifiers":{"X":{"flavor":0,"value":[1,2],"type":"sint8[]"},"Y":{"value":null}},"class":"Late","genus":2}`
	o, err := UnmarshalObject([]byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	i := o.(*Instance)
	if v := i.Value("B"); !v.Equal(Uint64(math.MaxUint64)) {
		t.Errorf("B = %#v", v)
	}
	if q, _ := i.Qualifiers.Get("X"); !q.Value.Equal(MustArray(TypeSint8, Sint8(1), Sint8(2))) || q.Flavor != 0 {
		t.Errorf("X = %#v", q)
	}
	if q, _ := i.Qualifiers.Get("Y"); q.Value.Type() != TypeEmpty || q.Flavor != FlavorDefault {
		t.Errorf("Y = %#v", q)
	}
	// Numbers for 64-bit integers, strings for smaller ones, a number for char16.
	o, err = UnmarshalObject([]byte(`{"genus":2,"class":"N","properties":{"A":{"type":"sint64","value":-5},"B":{"type":"uint8","value":"7"},"C":{"type":"char16","value":65},"R":{"type":"real64","value":"1.5"}}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	i = o.(*Instance)
	if !i.Value("A").Equal(Sint64(-5)) || !i.Value("B").Equal(Uint8(7)) || !i.Value("C").Equal(Char16('A')) || !i.Value("R").Equal(Real64(1.5)) {
		t.Errorf("lenient decoding: %v %v %v %v", i.Value("A"), i.Value("B"), i.Value("C"), i.Value("R"))
	}
}

func TestJSONResolveErrors(t *testing.T) {
	_, _, part, item := mofTestClasses(t)
	i := item.MustSpawn().MustPut("Name", String("n")).MustPut("Text", String("abc"))
	data, err := MarshalObject(i)
	if err != nil {
		t.Fatal(err)
	}
	// An error other than "not found" is returned as it is.
	denied := func(string) (*Class, error) { return nil, status.New(status.AccessDenied, "no") }
	if _, err := UnmarshalObject(data, denied); !errors.Is(err, status.ErrAccessDenied) {
		t.Errorf("resolve error: %v", err)
	}
	invalid := func(string) (*Class, error) { return nil, status.New(status.InvalidClass, "no") }
	if _, err := UnmarshalObject(data, invalid); err != nil {
		t.Errorf("WBEM_E_INVALID_CLASS should synthesize: %v", err)
	}
	// A property the class lacks.
	small := &Class{Name: "Gowmi_Item", Properties: []*Property{{Name: "Name", Type: TypeString}}}
	if _, err := UnmarshalObject(data, testResolver(small)); status.CodeOf(err) != status.InvalidProperty {
		t.Errorf("unknown property: %v", err)
	}
	// A value that does not convert to the class's type.
	other := &Class{Name: "Gowmi_Item", Properties: []*Property{{Name: "Name", Type: TypeString}, {Name: "Text", Type: TypeUint32}}}
	other.Properties = append(other.Properties, item.Properties[2:]...)
	if _, err := UnmarshalObject(data, testResolver(other, part)); status.CodeOf(err) != status.TypeMismatch {
		t.Errorf("conversion: %v", err)
	}
	// A value that converts.
	conv := &Class{Name: "Gowmi_Item", Properties: []*Property{{Name: "Name", Type: TypeString}, {Name: "Text", Type: TypeString}, {Name: "Max", Type: TypeReal64}}}
	conv.Properties = append(conv.Properties, item.Properties[3:]...)
	ci := item.MustSpawn().MustPut("Name", String("n")).MustPut("Max", Uint64(1<<40))
	data, _ = MarshalObject(ci)
	got, err := UnmarshalObject(data, testResolver(conv, part))
	if err != nil {
		t.Fatal(err)
	}
	if v := got.(*Instance).Value("Max"); !v.Equal(Real64(1 << 40)) {
		t.Errorf("converted value %#v", v)
	}
	// An abstract class cannot be spawned.
	abs := &Class{Name: "Gowmi_Item", Qualifiers: Qualifiers{{Name: "Abstract", Value: Boolean(true), Flavor: FlavorDefault}}}
	if _, err := UnmarshalObject(data, testResolver(abs)); status.CodeOf(err) != status.InvalidOperation {
		t.Errorf("abstract: %v", err)
	}
}

func TestJSONMalformed(t *testing.T) {
	deep := strings.Repeat(`{"genus":2,"class":"X","properties":{"O":{"type":"object","value":`, 70) + "null" + strings.Repeat("}}}", 70)
	deepArr := `{"genus":2,"class":"X","properties":{"O":{"value":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,"type":"uint8[]"}}}`
	tests := []struct {
		in   string
		code status.Code
	}{
		{``, status.InvalidParameter},
		{`   `, status.InvalidParameter},
		{`null`, status.InvalidParameter},
		{`[]`, status.InvalidParameter},
		{`{`, status.InvalidParameter},
		{`{"genus":2,"class":"X"`, status.InvalidParameter},
		{`{"genus":2,"class":"X"} x`, status.InvalidParameter},
		{`{"genus":2,"class":"X",}`, status.InvalidParameter},
		{`{"genus":3,"class":"X"}`, status.InvalidParameter},
		{`{"genus":"2","class":"X"}`, status.InvalidParameter},
		{`{"genus":2.0,"class":"X"}`, status.InvalidParameter},
		{`{"class":"X"}`, status.InvalidParameter},
		{`{"genus":2}`, status.InvalidParameter},
		{`{"genus":2,"class":""}`, status.InvalidParameter},
		{`{"genus":2,"genus":2,"class":"X"}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","extra":1}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","methods":{}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","superclass":"Y"}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","singleton":true}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","derivation":[]}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","value":1},"a":{"type":"uint8","value":1}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"value":1}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","type":"uint8"}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","value":1,"value":2}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","bogus":1}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","class":"Y"}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","qualifiers":{}}}}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","properties":{"A":{"type":"uint8","key":true}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint99"}}}`, status.InvalidCIMType},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"empty"}}}`, status.InvalidCIMType},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","value":256}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","value":-1}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"sint8","value":1.5}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint64","value":"18446744073709551616"}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"sint64","value":"0x10"}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint32","value":true}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"real64","value":1e999}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"real64","value":"Inf"}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"real32","value":1e39}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"boolean","value":"true"}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"string","value":5}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"datetime","value":"2024"}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"char16","value":"ab"}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"char16","value":"😀"}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"char16","value":""}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"char16","value":65536}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"object","value":5}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8[]","value":[1,null]}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8[]","value":[[1]]}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8[]","value":1}}}`, status.TypeMismatch},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8[]","value":[1 2]}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"string","value":"a` + "\x01" + `"}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"string","value":"\q"}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"string","value":"\u12"}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"string","value":"abc}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","value":01}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","value":-}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","value":tru}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","properties":{"A":{"type":"uint8","key":true,"value":1},"B":{"type":"real64","key":true}}}`, status.CannotBeKey},
		{`{"genus":2,"class":"X","properties":{"__A":{"type":"uint8"}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"1X"}`, status.InvalidParameter},
		{`{"genus":2,"class":"X_"}`, status.InvalidObject},
		{`{"genus":2,"class":"X","derivation":["X"]}`, status.CircularReference},
		{`{"genus":2,"class":"X","qualifiers":{"Q":{"type":"uint8"}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","qualifiers":{"Q":{"value":1}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","qualifiers":{"Q":{"type":"uint8","value":1,"flavor":256}}}`, status.InvalidFlavor},
		{`{"genus":2,"class":"X","qualifiers":{"Q":{"type":"uint8","value":1,"flavor":-1}}}`, status.InvalidFlavor},
		{`{"genus":2,"class":"X","qualifiers":{"Q":{},"q":{}}}`, status.InvalidParameter},
		{`{"genus":2,"class":"X","qualifiers":{"":{}}}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","methods":{"M":{}}}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","methods":{"M":{"type":"void"},"m":{"type":"void"}}}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","methods":{"M":{"type":"uint8","class":"Y"}}}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","methods":{"M":{"type":"void","parameters":{"P":{"type":"uint8","default":true}}}}}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","properties":{"A":{"type":"uint8","value":1}},"properties":{}}`, status.InvalidParameter},
		{`{"genus":1,"class":"X","properties":{"A":{"type":"real32","qualifiers":{"Key":{"type":"boolean","value":true}}}}}`, status.CannotBeKey},
		{deep, status.InvalidParameter},
		{deepArr, status.InvalidParameter},
	}
	for _, tt := range tests {
		o, err := UnmarshalObject([]byte(tt.in), nil)
		if err == nil {
			t.Errorf("UnmarshalObject(%.80s) = %v, want an error", tt.in, o)
			continue
		}
		if got := status.CodeOf(err); got != tt.code {
			t.Errorf("UnmarshalObject(%.80s): %v, want %s", tt.in, err, tt.code)
		}
		if !strings.Contains(err.Error(), "offset") {
			t.Errorf("UnmarshalObject(%.80s): %v does not give the offset", tt.in, err)
		}
	}
}

func TestJSONStrings(t *testing.T) {
	// Escapes other encoders write, and invalid UTF-8.
	in := `{"genus":2,"class":"S","properties":{"A":{"type":"string","value":"\u00e9\/\ud83d\ude00\ud800x\udc00` + "\xff" + `"}}}`
	o, err := UnmarshalObject([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "é/😀\uFFFDx\uFFFD\uFFFD"
	if got, _ := o.(*Instance).Value("A").Str(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Invalid UTF-8 is written as U+FFFD.
	c := &Class{Name: "S", Properties: []*Property{{Name: "A", Type: TypeString}}}
	data, err := MarshalObject(c.MustSpawn().MustPut("A", String("a\xffb")))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"a\ufffdb"`)) {
		t.Errorf("invalid UTF-8: %s", data)
	}
	// Strings as encoding/json reads them.
	for _, s := range []string{"", "\x00\x1f\"\\/<>&\u2028\u2029\U0010FFFF", "日本語"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil || got != s {
			t.Errorf("appendJSONString(%q) = %s: %q, %v", s, b, got, err)
		}
	}
}

func TestJSONMarshalErrors(t *testing.T) {
	if _, err := MarshalObject(nil); status.CodeOf(err) != status.InvalidParameter {
		t.Errorf("nil: %v", err)
	}
	if _, err := MarshalObject((*Instance)(nil)); status.CodeOf(err) != status.InvalidParameter {
		t.Errorf("nil instance: %v", err)
	}
	c := &Class{Name: "Loop", Properties: []*Property{{Name: "O", Type: TypeObject}}}
	i := c.MustSpawn()
	i.values[0] = Embedded(i) // a cycle, which Put cannot make
	if _, err := MarshalObject(i); status.CodeOf(err) != status.InvalidParameter {
		t.Errorf("cycle: %v", err)
	}
	bad := &Class{Name: "Bad", Properties: []*Property{{Name: "P", Type: Type(77)}}}
	if _, err := MarshalObject(bad); status.CodeOf(err) != status.InvalidCIMType {
		t.Errorf("bad type: %v", err)
	}
}

// benchInstance is an instance with ten properties of mixed types.
func benchInstance(b *testing.B) (*Instance, *Class) {
	c := &Class{Name: "Win32_Process", Namespace: `root\cimv2`, Server: "SRV", Properties: []*Property{
		{Name: "Handle", Type: TypeString, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorDefault}}},
		{Name: "Name", Type: TypeString},
		{Name: "CommandLine", Type: TypeString},
		{Name: "ProcessId", Type: TypeUint32},
		{Name: "KernelModeTime", Type: TypeUint64},
		{Name: "WorkingSetSize", Type: TypeUint64},
		{Name: "CreationDate", Type: TypeDateTime},
		{Name: "Priority", Type: TypeUint32, Value: Uint32(8)},
		{Name: "Load", Type: TypeReal64},
		{Name: "Flags", Type: TypeString | TypeArray},
	}}
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	dt, err := ParseDateTimeValue("20240229235959.999999-480")
	if err != nil {
		b.Fatal(err)
	}
	i := c.MustSpawn().
		MustPut("Handle", String("4242")).
		MustPut("Name", String("gowmid")).
		MustPut("CommandLine", String(`"C:\Program Files\gowmi\gowmid.exe" --config "C:\ProgramData\gowmi\wmid.conf"`)).
		MustPut("ProcessId", Uint32(4242)).
		MustPut("KernelModeTime", Uint64(123456789012)).
		MustPut("WorkingSetSize", Uint64(1<<34)).
		MustPut("CreationDate", dt).
		MustPut("Load", Real64(0.125)).
		MustPut("Flags", Strings("a", "b", "c"))
	i.Namespace, i.Server = c.Namespace, c.Server
	return i, c
}

func BenchmarkJSONEncode(b *testing.B) {
	i, _ := benchInstance(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		data, err := MarshalObject(i)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.SetBytes(int64(n))
}

func BenchmarkJSONDecode(b *testing.B) {
	i, c := benchInstance(b)
	data, err := MarshalObject(i)
	if err != nil {
		b.Fatal(err)
	}
	resolve := func(string) (*Class, error) { return c, nil }
	for _, bc := range []struct {
		name    string
		resolve func(string) (*Class, error)
	}{{"schema", resolve}, {"synthesized", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := UnmarshalObject(data, bc.resolve); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzUnmarshalObject(f *testing.F) {
	base, disk, part, item := mofTestClasses(f)
	resolve := testResolver(base, disk, part, item)
	var seeds []Object
	seeds = append(seeds, base, disk, part, item, mofTestItem(f, part, item))
	c := &Class{Name: "Gowmi_Holder", Properties: []*Property{{Name: "P", Type: TypeReal64 | TypeArray}, {Name: "C", Type: TypeChar16}}}
	seeds = append(seeds, c.MustSpawn().MustPut("P", MustArray(TypeReal64, Real64(math.NaN()), Real64(math.Inf(-1)), Real64(math.Copysign(0, -1)), Real64(math.Float64frombits(0x7FF4000000000000)))).MustPut("C", Char16(0xD800)))
	for _, o := range seeds {
		data, err := MarshalObject(o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, `{}`, `{"genus":2,"class":"X"}`, `{"genus":1,"class":"X","superclass":"Gowmi_Element"}`,
		`{"properties":{"B":{"value":"1","type":"uint64"}},"class":"Late","genus":2}`,
		`{"genus":2,"class":"X","properties":{"A":{"type":"string","value":"\ud800\u00e9"}}}`,
		`{"genus":2,"class":"X","derivation":["B","A"],"singleton":true,"qualifiers":{"Q":{"flavor":3}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range []func(string) (*Class, error){nil, resolve} {
			o, err := UnmarshalObject(data, r)
			if err != nil {
				if _, ok := err.(*status.Error); !ok {
					t.Fatalf("error %T is not a *status.Error: %v", err, err)
				}
				continue
			}
			enc, err := MarshalObject(o)
			if err != nil {
				t.Fatalf("re-encoding %s: %v", data, err)
			}
			o2, err := UnmarshalObject(enc, r)
			if err != nil {
				t.Fatalf("decoding the re-encoding %s of %s: %v", enc, data, err)
			}
			if !o2.CompareTo(o, 0) || !o.CompareTo(o2, 0) {
				t.Fatalf("re-decoded object differs: %s -> %s", data, enc)
			}
			enc2, err := MarshalObject(o2)
			if err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("encoding not stable: %s vs %s (%v)", enc, enc2, err)
			}
		}
	})
}
