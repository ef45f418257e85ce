package cim

import (
	"math"
	"strings"
	"testing"
)

// mofTestClasses builds a small schema used by the MOF and JSON tests:
// an abstract root, a keyed class with every kind of declaration, and a part
// class used for embedded objects.
func mofTestClasses(t testing.TB) (base, disk, part, item *Class) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	base = &Class{
		Name:       "Gowmi_Element",
		Qualifiers: Qualifiers{{Name: "Abstract", Value: Boolean(true), Flavor: 0}},
		Properties: []*Property{
			{Name: "Caption", Type: TypeString, Qualifiers: Qualifiers{{Name: "MaxLen", Value: Uint32(64), Flavor: FlavorDefault}}},
		},
	}
	must(base.Validate())

	part = &Class{
		Name: "Gowmi_Part",
		Properties: []*Property{
			{Name: "Label", Type: TypeString},
			{Name: "Inner", Type: TypeObject},
			{Name: "Weight", Type: TypeReal64},
		},
	}
	must(part.Validate())

	disk = NewClass("Gowmi_Disk", base)
	disk.Qualifiers = Qualifiers{
		{Name: "Description", Value: String("A \"disk\"\n\tindented"), Flavor: FlavorToSubclass | FlavorAmended},
		{Name: "dynamic", Value: Boolean(true), Flavor: FlavorToInstance | FlavorToSubclass},
		{Name: "provider", Value: String("DiskProv"), Flavor: FlavorToInstance},
		{Name: "Locale", Value: Sint32(1033), Flavor: 0},
		{Name: "UUID", Value: String("{8502C4B0-5FBB-11D2-AAC1-006008C78BC7}"), Flavor: FlavorDefault | FlavorNotOverridable},
		{Name: "Deprecated", Value: Strings("Gowmi_NewDisk"), Flavor: FlavorDefault},
		{Name: "Experimental", Value: Boolean(false), Flavor: FlavorDefault},
	}
	disk.Properties = []*Property{
		{Name: "DeviceID", Type: TypeString, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorDefault | FlavorNotOverridable | FlavorToInstance}}},
		{Name: "Caption", Type: TypeString, Value: String("disk"), Qualifiers: Qualifiers{{Name: "Override", Value: String("Caption"), Flavor: 0}}},
		{Name: "Status", Type: TypeUint16, Value: Uint16(1), Qualifiers: Qualifiers{
			{Name: "Values", Value: Strings("Unknown", "OK"), Flavor: FlavorDefault | FlavorAmended},
			{Name: "ValueMap", Value: Strings("0", "1"), Flavor: FlavorDefault},
		}},
		{Name: "Sizes", Type: TypeUint32 | TypeArray, Value: MustArray(TypeUint32, Uint32(512), Uint32(4096))},
		{Name: "Empty", Type: TypeString | TypeArray, Value: Strings()},
		{Name: "System", Type: TypeReference, ClassRef: "CIM_System"},
		{Name: "Any", Type: TypeReference},
		{Name: "Refs", Type: TypeReference | TypeArray, ClassRef: "CIM_System"},
		{Name: "Blob", Type: TypeObject},
		{Name: "Part", Type: TypeObject, ClassRef: "Gowmi_Part"},
		{Name: "Parts", Type: TypeObject | TypeArray, ClassRef: "Gowmi_Part"},
		{Name: "Ratio", Type: TypeReal64, Value: Real64(0.5)},
		{Name: "Big", Type: TypeReal32, Value: Real32(1e10)},
		{Name: "Ready", Type: TypeBoolean, Value: Boolean(true)},
		{Name: "Installed", Type: TypeDateTime, Value: mustDT(t, "20240102030405.000000+060")},
		{Name: "Letter", Type: TypeChar16, Value: Char16('C')},
		{Name: "Path", Type: TypeString, Value: String(`C:\Windows`), Qualifiers: Qualifiers{{Name: "CIMTYPE", Value: String("string"), Flavor: FlavorDefault}}},
		{Name: "Limit", Type: TypeUint64, Value: Uint64(math.MaxUint64)},
		{Name: "Floor", Type: TypeSint64, Value: Sint64(math.MinInt64)},
	}
	disk.Methods = []*Method{
		{
			Name: "Format", ReturnType: TypeUint32,
			Qualifiers: Qualifiers{{Name: "Static", Value: Boolean(true), Flavor: FlavorDefault}, {Name: "Implemented", Value: Boolean(true), Flavor: FlavorDefault}},
			Parameters: []*Property{
				{Name: "FileSystem", Type: TypeString, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true), Flavor: FlavorDefault}, {Name: "ID", Value: Sint32(0), Flavor: FlavorDefault}}},
				{Name: "Flags", Type: TypeUint32, Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true), Flavor: FlavorDefault}, {Name: "Out", Value: Boolean(true), Flavor: FlavorDefault}, {Name: "ID", Value: Sint32(2), Flavor: FlavorDefault}}},
				{Name: "Job", Type: TypeReference, ClassRef: "CIM_Job", Qualifiers: Qualifiers{{Name: "Out", Value: Boolean(true), Flavor: FlavorDefault}, {Name: "ID", Value: Sint32(1), Flavor: FlavorDefault}}},
			},
		},
		{Name: "Reset"},
		{
			Name: "GetPart", ReturnType: TypeObject, ReturnRef: "Gowmi_Part",
			Parameters: []*Property{
				{Name: "Index", Type: TypeUint32, Value: Uint32(0), Qualifiers: Qualifiers{{Name: "In", Value: Boolean(true), Flavor: FlavorDefault}}},
				{Name: "Names", Type: TypeString | TypeArray, Qualifiers: Qualifiers{{Name: "Out", Value: Boolean(true), Flavor: FlavorDefault}}},
			},
		},
		{Name: "Sizes", ReturnType: TypeUint64 | TypeArray},
		{Name: "Owner", ReturnType: TypeReference},
	}
	must(disk.Validate())

	item = &Class{
		Name: "Gowmi_Item",
		Properties: []*Property{
			{Name: "Name", Type: TypeString, Qualifiers: Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorDefault}}},
			{Name: "Text", Type: TypeString},
			{Name: "Max", Type: TypeUint64},
			{Name: "Min", Type: TypeSint64},
			{Name: "R32", Type: TypeReal32},
			{Name: "When", Type: TypeDateTime},
			{Name: "Span", Type: TypeDateTime, Qualifiers: Qualifiers{{Name: "SubType", Value: String("interval"), Flavor: FlavorDefault}}},
			{Name: "Disk", Type: TypeReference, ClassRef: "Gowmi_Disk"},
			{Name: "Part", Type: TypeObject, ClassRef: "Gowmi_Part"},
			{Name: "Parts", Type: TypeObject | TypeArray},
			{Name: "Counts", Type: TypeUint8 | TypeArray},
			{Name: "Tags", Type: TypeString | TypeArray},
			{Name: "Nothing", Type: TypeString},
			{Name: "Level", Type: TypeUint32, Value: Uint32(7)},
			{Name: "Unset", Type: TypeUint32, Value: Uint32(9)},
			{Name: "Quote", Type: TypeChar16},
			{Name: "Flag", Type: TypeBoolean},
		},
	}
	must(item.Validate())
	return base, disk, part, item
}

func mustDT(t testing.TB, s string) Value {
	t.Helper()
	v, err := ParseDateTimeValue(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustRef(t testing.TB, s string) Value {
	t.Helper()
	v, err := ReferenceText(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// mofTestItem returns an instance of Gowmi_Item with embedded instances two
// levels deep.
func mofTestItem(t testing.TB, part, item *Class) *Instance {
	t.Helper()
	leaf := part.MustSpawn().MustPut("Label", String("leaf")).MustPut("Weight", Real64(-0.25))
	mid := part.MustSpawn().MustPut("Label", String("mid")).MustPut("Inner", Embedded(leaf))
	other := part.MustSpawn().MustPut("Label", String("other"))
	i := item.MustSpawn()
	i.Qualifiers = Qualifiers{{Name: "Origin", Value: String("test"), Flavor: FlavorToInstance}}
	i.MustPut("Name", String("a\"b\\c\td\x01é€"))
	i.MustPut("Text", String("line1\nline2\r\n\u00a0\u200b"))
	i.MustPut("Max", Uint64(math.MaxUint64))
	i.MustPut("Min", Sint64(math.MinInt64))
	i.MustPut("R32", Real32(0.1))
	i.MustPut("When", mustDT(t, "20240229235959.999999-480"))
	i.MustPut("Span", mustDT(t, "00000001120032.000000:000"))
	i.MustPut("Disk", mustRef(t, `\\SRV\root\cimv2:Gowmi_Disk.DeviceID="C:\\"`))
	i.MustPut("Part", Embedded(mid))
	i.MustPut("Parts", MustArray(TypeObject, Embedded(other), Embedded(leaf.Clone())))
	i.MustPut("Counts", MustArray(TypeUint8, Uint8(0), Uint8(255)))
	i.MustPut("Tags", Strings())
	i.MustPut("Nothing", Null(TypeString))
	i.MustPut("Level", Null(TypeUint32))
	i.MustPut("Quote", Char16('\''))
	i.MustPut("Flag", Boolean(false))
	return i
}

func TestMOFClass(t *testing.T) {
	base, disk, part, _ := mofTestClasses(t)
	tests := []struct {
		name string
		c    *Class
		want string
	}{
		{"root abstract", base, `[Abstract : Restricted]
class Gowmi_Element
{
	[MaxLen(64)] string Caption;
};
`},
		{"embedded objects", part, `class Gowmi_Part
{
	string Label;
	object Inner;
	real64 Weight;
};
`},
		{"superclass, flavors, every declaration", disk, `[Description("A \"disk\"\n\tindented") : Amended, dynamic : ToInstance ToSubclass, provider("DiskProv") : ToInstance NotToSubclass, Locale(1033) : Restricted, UUID("{8502C4B0-5FBB-11D2-AAC1-006008C78BC7}") : DisableOverride, Deprecated{"Gowmi_NewDisk"}, Experimental(FALSE)]
class Gowmi_Disk : Gowmi_Element
{
	[Key : ToInstance ToSubclass DisableOverride] string DeviceID;
	[Override("Caption") : Restricted] string Caption = "disk";
	[Values{"Unknown", "OK"} : Amended, ValueMap{"0", "1"}] uint16 Status = 1;
	uint32 Sizes[] = {512, 4096};
	string Empty[] = {};
	CIM_System ref System;
	object ref Any;
	CIM_System ref Refs[];
	object Blob;
	Gowmi_Part Part;
	Gowmi_Part Parts[];
	real64 Ratio = 0.5;
	real32 Big = 1.0e+10;
	boolean Ready = TRUE;
	datetime Installed = "20240102030405.000000+060";
	char16 Letter = 'C';
	string Path = "C:\\Windows";
	uint64 Limit = 18446744073709551615;
	sint64 Floor = -9223372036854775808;
	[Static, Implemented] uint32 Format([In, ID(0)] string FileSystem, [Out, ID(1)] CIM_Job ref Job, [In, Out, ID(2)] uint32 Flags);
	void Reset();
	Gowmi_Part GetPart([In] uint32 Index = 0, [Out] string Names[]);
	uint64[] Sizes();
	object ref Owner();
};
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.MOF(); got != tt.want {
				t.Errorf("MOF() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMOFClassNoDefault(t *testing.T) {
	base := &Class{Name: "A", Properties: []*Property{{Name: "X", Type: TypeUint32, Value: Uint32(3)}}}
	c := NewClass("B", base)
	c.Properties = []*Property{{Name: "X", Type: TypeUint32, Qualifiers: Qualifiers{{Name: "__nodefault", Value: Boolean(true), Flavor: FlavorDefault}}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := "class B : A\n{\n\tuint32 X = NULL;\n};\n"
	if got := c.MOF(); got != want {
		t.Errorf("MOF() = %q, want %q", got, want)
	}
}

func TestMOFEmbeddedClass(t *testing.T) {
	_, _, part, _ := mofTestClasses(t)
	ev := &Class{Name: "Gowmi_ClassEvent", Properties: []*Property{{Name: "TargetClass", Type: TypeObject}}}
	e := ev.MustSpawn().MustPut("TargetClass", Embedded(part))
	want := "\ninstance of Gowmi_ClassEvent\n{\n\tTargetClass = class Gowmi_Part\n\t{\n\t\tstring Label;\n\t\tobject Inner;\n\t\treal64 Weight;\n\t};\n};\n"
	if got := e.MOF(); got != want {
		t.Errorf("MOF() =\n%s\nwant\n%s", got, want)
	}
}

func TestMOFInstance(t *testing.T) {
	_, _, part, item := mofTestClasses(t)
	tests := []struct {
		name string
		i    *Instance
		want string
	}{
		{"empty", item.MustSpawn(), "instance of Gowmi_Item\n{\n};\n"},
		{"keys only", item.MustSpawn().MustPut("Name", String("x")), "instance of Gowmi_Item\n{\n\tName = \"x\";\n};\n"},
		{"everything", mofTestItem(t, part, item), `[Origin("test") : ToInstance NotToSubclass]
instance of Gowmi_Item
{
	Name = "a\"b\\c\td\x0001é€";
	Text = "line1\nline2\r\n\x00A0\x200B";
	Max = 18446744073709551615;
	Min = -9223372036854775808;
	R32 = 0.1;
	When = "20240229235959.999999-480";
	Span = "00000001120032.000000:000";
	Disk = "\\\\SRV\\root\\cimv2:Gowmi_Disk.DeviceID=\"C:\\\\\"";
	Part = instance of Gowmi_Part
	{
		Label = "mid";
		Inner = instance of Gowmi_Part
		{
			Label = "leaf";
			Weight = -0.25;
		};
	};
	Parts = {
		instance of Gowmi_Part
		{
			Label = "other";
		},
		instance of Gowmi_Part
		{
			Label = "leaf";
			Weight = -0.25;
		}
	};
	Counts = {0, 255};
	Tags = {};
	Level = NULL;
	Quote = '\'';
	Flag = FALSE;
};
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GetObjectText of an instance starts with a line break.
			if got := tt.i.MOF(); got != "\n"+tt.want {
				t.Errorf("MOF() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMOFInstanceQualifiedEmbedded(t *testing.T) {
	_, _, part, _ := mofTestClasses(t)
	in := part.MustSpawn().MustPut("Label", String("q"))
	in.Qualifiers = Qualifiers{{Name: "Note", Value: String("n"), Flavor: FlavorDefault}}
	out := part.MustSpawn().MustPut("Inner", Embedded(in))
	want := "\ninstance of Gowmi_Part\n{\n\tInner = [Note(\"n\")]\n\tinstance of Gowmi_Part\n\t{\n\t\tLabel = \"q\";\n\t};\n};\n"
	if got := out.MOF(); got != want {
		t.Errorf("MOF() =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatMOFValue(t *testing.T) {
	_, _, part, _ := mofTestClasses(t)
	emb := part.MustSpawn().MustPut("Label", String("x"))
	tests := []struct {
		v    Value
		want string
	}{
		{Value{}, "NULL"},
		{Null(TypeUint32), "NULL"},
		{Null(TypeString | TypeArray), "NULL"},
		{Sint8(-128), "-128"},
		{Uint8(255), "255"},
		{Sint16(-32768), "-32768"},
		{Uint16(65535), "65535"},
		{Sint32(math.MinInt32), "-2147483648"},
		{Uint32(math.MaxUint32), "4294967295"},
		{Sint64(math.MinInt64), "-9223372036854775808"},
		{Sint64(math.MaxInt64), "9223372036854775807"},
		{Uint64(math.MaxUint64), "18446744073709551615"},
		{Real64(1), "1.0"},
		{Real64(1.5), "1.5"},
		{Real64(0.1), "0.1"},
		{Real64(1e21), "1.0e+21"},
		{Real64(1.25e-7), "1.25e-07"},
		{Real64(math.MaxFloat64), "1.7976931348623157e+308"},
		{Real64(math.SmallestNonzeroFloat64), "5.0e-324"},
		{Real64(math.Copysign(0, -1)), "-0.0"},
		{Real64(math.NaN()), "NaN"},
		{Real64(math.Inf(1)), "Inf"},
		{Real64(math.Inf(-1)), "-Inf"},
		{Real32(0.1), "0.1"},
		{Real32(16777216), "1.6777216e+07"},
		{Real32(math.MaxFloat32), "3.4028235e+38"},
		{Boolean(true), "TRUE"},
		{Boolean(false), "FALSE"},
		{String(""), `""`},
		{String("tab\there \"q\" back\\ bell\a del\x7f"), `"tab\there \"q\" back\\ bell\x0007 del\x007F"`},
		{String("\b\f\v'"), `"\b\f\x000B'"`},
		{String("日本 😀"), `"日本 😀"`},
		{String("\xff"), "\"\uFFFD\""},
		{Char16('a'), "'a'"},
		{Char16('\''), `'\''`},
		{Char16('"'), `'"'`},
		{Char16('\\'), `'\\'`},
		{Char16(0), `'\x0000'`},
		{Char16('\n'), `'\n'`},
		{Char16(0xE9), "'é'"},
		{Char16(0xD800), `'\xD800'`},
		{Char16(0xFFFF), `'\xFFFF'`},
		{mustDT(t, "20240416******.000000+***"), `"20240416******.000000+***"`},
		{mustRef(t, `Win32_Directory.Name="C:\\Windows"`), `"Win32_Directory.Name=\"C:\\\\Windows\""`},
		{MustArray(TypeSint32, Sint32(1), Sint32(-2)), "{1, -2}"},
		{Strings("a", "b\"c"), `{"a", "b\"c"}`},
		{Strings(), "{}"},
		{MustArray(TypeBoolean, Boolean(true), Boolean(false)), "{TRUE, FALSE}"},
		{MustArray(TypeReal32, Real32(1), Real32(2.5)), "{1.0, 2.5}"},
		{MustArray(TypeChar16, Char16('x'), Char16('\'')), `{'x', '\''}`},
		{MustArray(TypeObject), "{}"},
		{Embedded(emb), "instance of Gowmi_Part\n{\n\tLabel = \"x\";\n}"},
		{MustArray(TypeObject, Embedded(emb)), "{\n\tinstance of Gowmi_Part\n\t{\n\t\tLabel = \"x\";\n\t}\n}"},
		{Null(TypeObject), "NULL"},
	}
	for _, tt := range tests {
		if got := FormatMOFValue(tt.v); got != tt.want {
			t.Errorf("FormatMOFValue(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestFlavorWords(t *testing.T) {
	tests := []struct {
		f    Flavor
		want string
	}{
		{FlavorDefault, ""},
		{FlavorToSubclass, ""},
		{0, "Restricted"},
		{FlavorToInstance, "ToInstance NotToSubclass"},
		{FlavorToInstance | FlavorToSubclass, "ToInstance ToSubclass"},
		{FlavorDefault | FlavorNotOverridable, "DisableOverride"},
		{FlavorDefault | FlavorAmended, "Amended"},
		{FlavorNotOverridable | FlavorAmended, "Restricted DisableOverride Amended"},
		{FlavorToInstance | FlavorToSubclass | FlavorNotOverridable | FlavorAmended, "ToInstance ToSubclass DisableOverride Amended"},
	}
	for _, tt := range tests {
		if got := flavorWords(tt.f); got != tt.want {
			t.Errorf("flavorWords(%#x) = %q, want %q", uint32(tt.f), got, tt.want)
		}
	}
}

// TestMOFOnlyLocal checks that inherited (propagated) qualifiers are not
// written.
func TestMOFOnlyLocal(t *testing.T) {
	c := &Class{Name: "C", Qualifiers: Qualifiers{
		{Name: "Mine", Value: Boolean(true), Flavor: FlavorDefault},
		{Name: "Theirs", Value: Boolean(true), Flavor: FlavorDefault | FlavorOriginPropagated},
	}}
	want := "[Mine]\nclass C\n{\n};\n"
	if got := c.MOF(); got != want {
		t.Errorf("MOF() = %q, want %q", got, want)
	}
}

// TestMOFCycle checks that a cycle of embedded objects, which Put cannot
// make, does not recurse forever.
func TestMOFCycle(t *testing.T) {
	c := &Class{Name: "Loop", Properties: []*Property{{Name: "O", Type: TypeObject}}}
	i := c.MustSpawn().MustPut("O", Null(TypeObject))
	i.values[0] = Embedded(i)
	if s := i.MOF(); !strings.Contains(s, "O = NULL;") {
		t.Errorf("MOF() of a cycle = %.200q", s)
	}
}
