package mof

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

func mustCompile(t *testing.T, src string, opts Options) *Unit {
	t.Helper()
	u, err := CompileString(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func classOf(t *testing.T, u *Unit, name string) *cim.Class {
	t.Helper()
	var found *cim.Class
	for _, op := range u.Ops {
		if op.Kind == OpPutClass && strings.EqualFold(op.Class.Name, name) {
			found = op.Class
		}
	}
	if found == nil {
		t.Fatalf("no class %s in the unit", name)
	}
	return found
}

func instances(u *Unit) []*cim.Instance {
	var out []*cim.Instance
	for _, op := range u.Ops {
		if op.Kind == OpPutInstance {
			out = append(out, op.Instance)
		}
	}
	return out
}

func TestValues(t *testing.T) {
	u := mustCompile(t, `
class V {
	sint8 S8 = -128;
	uint8 U8 = 0xFF;
	sint16 S16 = -0x8000;
	uint16 U16 = 017;          // octal
	sint32 S32 = 1010b;        // binary
	uint32 U32 = 4294967295;
	sint64 S64 = -9223372036854775808;
	uint64 U64 = 18446744073709551615;
	real32 R32 = 1.5;
	real64 R64 = -.25e-3;
	real64 Whole = 3;
	real64 NotANumber = NaN;
	real64 Minus = -Inf;
	boolean B = TrUe;
	string S = "a" "b"
		"\t\"\\\x41\x00e9";
	string Num = 42;
	char16 C = 'x';
	char16 CE = '\n';
	char16 CN = 65;
	datetime D = "20240102030405.000000+060";
	datetime I = "00000001020304.000000:000";
	string Arr[] = {"x", "y"};
	uint8 Empty[] = {};
	real64 Reals[] = {1, 2.5};
	string N = NULL;
	V ref Self = "V.S=\"x\"";
	object ref Any[] = {"V.S=\"x\""};
};`, Options{})
	c := classOf(t, u, "V")
	want := map[string]cim.Value{
		"S8": cim.Sint8(-128), "U8": cim.Uint8(255), "S16": cim.Sint16(-32768), "U16": cim.Uint16(15),
		"S32": cim.Sint32(10), "U32": cim.Uint32(math.MaxUint32), "S64": cim.Sint64(math.MinInt64),
		"U64": cim.Uint64(math.MaxUint64), "R32": cim.Real32(1.5), "R64": cim.Real64(-0.25e-3),
		"Whole": cim.Real64(3), "Minus": cim.Real64(math.Inf(-1)), "B": cim.Boolean(true),
		"S": cim.String("ab\t\"\\A\u00e9"), "Num": cim.String("42"), "C": cim.Char16('x'), "CE": cim.Char16('\n'),
		"CN": cim.Char16(65), "Arr": cim.Strings("x", "y"), "Empty": cim.MustArray(cim.TypeUint8),
		"Reals": cim.MustArray(cim.TypeReal64, cim.Real64(1), cim.Real64(2.5)), "N": cim.Null(cim.TypeString),
	}
	for name, w := range want {
		got, err := c.Get(name)
		if err != nil || !got.Equal(w) {
			t.Errorf("%s = %#v, want %#v (%v)", name, got, w, err)
		}
	}
	if v, _ := c.Get("NotANumber"); !math.IsNaN(v.Interface().(float64)) {
		t.Errorf("NaN = %#v", v)
	}
	for _, name := range []string{"D", "I"} {
		if v, _ := c.Get(name); v.Type() != cim.TypeDateTime || v.IsNull() {
			t.Errorf("%s = %#v", name, v)
		}
	}
	if p := c.Property("Self"); p.Type != cim.TypeReference || p.ClassRef != "V" || p.Value.IsNull() {
		t.Errorf("Self = %+v", p)
	}
	if p := c.Property("Any"); p.Type != cim.TypeReference|cim.TypeArray || p.ClassRef != "" || p.Value.Len() != 1 {
		t.Errorf("Any = %+v", p)
	}
}

func TestQualifiersAndFlavors(t *testing.T) {
	u := mustCompile(t, `
Qualifier Declared : string = "dflt", Scope(class, property), Flavor(DisableOverride, ToSubclass, Translatable);
Qualifier Counter : uint32 = 7, Scope(property);
Qualifier Flag : boolean = false, Scope(any), Flavor(Restricted);
Qualifier Tags : string[], Scope(any);
Qualifier Description : ToInstance Amended;

[Declared("x"), Flag, Undeclared(5), Big(5000000000), Huge(18446744073709551615), Ratio(0.5),
 Mixed{1, 2.5}, Strs{"a", "b"}, Bare, Description("d"), Tags("one")]
class Q {
	[Counter(3) : Restricted, Declared, Key] string K;
	[Description("p") : Restricted, Key : NotToSubclass ToInstance, Units("Bytes") : DisableOverride Amended] uint64 Size;
	[ID(0) : ToInstance DisableOverride] string P;
};`, Options{})
	c := classOf(t, u, "Q")
	type qw struct {
		v cim.Value
		f cim.Flavor
	}
	check := func(qs cim.Qualifiers, want map[string]qw) {
		t.Helper()
		if len(qs) != len(want) {
			t.Errorf("%d qualifiers, want %d: %+v", len(qs), len(want), qs)
		}
		for name, w := range want {
			q, ok := qs.Get(name)
			if !ok || !q.Value.Equal(w.v) || q.Flavor != w.f {
				t.Errorf("%s = %+v (%v), want %#v flavor %#x", name, q, ok, w.v, w.f)
			}
		}
	}
	check(c.Qualifiers, map[string]qw{
		"Declared":    {cim.String("x"), cim.FlavorToSubclass | cim.FlavorNotOverridable},
		"Flag":        {cim.Boolean(true), 0},
		"Undeclared":  {cim.Sint32(5), cim.FlavorDefault},
		"Big":         {cim.Sint64(5000000000), cim.FlavorDefault},
		"Huge":        {cim.Uint64(math.MaxUint64), cim.FlavorDefault},
		"Ratio":       {cim.Real64(0.5), cim.FlavorDefault},
		"Mixed":       {cim.MustArray(cim.TypeReal64, cim.Real64(1), cim.Real64(2.5)), cim.FlavorDefault},
		"Strs":        {cim.Strings("a", "b"), cim.FlavorDefault},
		"Bare":        {cim.Boolean(true), cim.FlavorDefault},
		"Description": {cim.String("d"), cim.FlavorToSubclass | cim.FlavorToInstance | cim.FlavorAmended},
		"Tags":        {cim.Strings("one"), cim.FlavorDefault},
	})
	check(c.Property("K").Qualifiers, map[string]qw{
		"Counter":  {cim.Uint32(3), 0},
		"Declared": {cim.String("dflt"), cim.FlavorToSubclass | cim.FlavorNotOverridable},
		"Key":      {cim.Boolean(true), cim.FlavorToSubclass | cim.FlavorNotOverridable},
	})
	check(c.Property("Size").Qualifiers, map[string]qw{
		"Description": {cim.String("p"), cim.FlavorAmended},
		"Key":         {cim.Boolean(true), cim.FlavorToInstance | cim.FlavorNotOverridable},
		"Units":       {cim.String("Bytes"), cim.FlavorToSubclass | cim.FlavorNotOverridable | cim.FlavorAmended},
	})
	check(c.Property("P").Qualifiers, map[string]qw{
		"ID": {cim.Sint32(0), cim.FlavorToInstance | cim.FlavorNotOverridable},
	})
	var decls []cim.QualifierDecl
	for _, op := range u.Ops {
		if op.Kind == OpPutQualifierDecl {
			decls = append(decls, op.Qualifier)
		}
	}
	if len(decls) != 4 || u.Qualifiers != 4 {
		t.Fatalf("%d qualifier declarations: %+v", len(decls), decls)
	}
	d := decls[0]
	if d.Name != "Declared" || d.Type != cim.TypeString || !d.Default.Equal(cim.String("dflt")) ||
		d.Scope != cim.ScopeClass|cim.ScopeProperty || d.Flavor != cim.FlavorToSubclass|cim.FlavorNotOverridable {
		t.Errorf("declaration %+v", d)
	}
	if d := decls[2]; d.Flavor != 0 || d.Scope != cim.ScopeAny {
		t.Errorf("declaration %+v", d)
	}
	if d := decls[3]; d.Type != cim.TypeString|cim.TypeArray || !d.Default.IsNull() {
		t.Errorf("declaration %+v", d)
	}
}

// Declarations of the Schema count, and are checked for scope.
func TestSchemaQualifierDecl(t *testing.T) {
	target := newMemTarget()
	target.decls[mkey(`root\default`, "Only")] = cim.QualifierDecl{Name: "Only", Type: cim.TypeSint64, Scope: cim.ScopeMethod, Flavor: cim.FlavorNotOverridable}
	u := mustCompile(t, `class A { [Only(3)] void M(); };`, Options{Schema: target})
	q, _ := classOf(t, u, "A").Methods[0].Qualifiers.Get("Only")
	if !q.Value.Equal(cim.Sint64(3)) || q.Flavor != cim.FlavorNotOverridable {
		t.Errorf("qualifier %+v", q)
	}
	_, err := CompileString("class A {\n  [Only(3)] uint32 P; };", Options{Schema: target})
	checkError(t, err, status.MOFQualifierUsedOutsideScope, stringFileName, 2, 4)
	// RequireDeclarations: the Schema's declaration is enough.
	if _, err := CompileString(`class A { [Only(3)] void M(); };`, Options{Schema: target, RequireDeclarations: true}); err != nil {
		t.Fatal(err)
	}
}

func TestTypesAndMethods(t *testing.T) {
	u := mustCompile(t, `
Qualifier In : boolean = true, Scope(parameter), Flavor(DisableOverride, ToSubclass);
class E { string S; };
[Association] class A {
	[Key] E REF Left;
	[Key] object ref Right;
	E Obj;
	object Any;
	E Objs[];
	[EmbeddedInstance("E")] string DspObj;
	[EmbeddedInstance("Nowhere")] string Loose;
	[EmbeddedObject] string DspAny[];
	[EmbeddedInstance("E")] E Both;
	uint8 Fixed[4];
	[MAX(8)] uint8 Fixed8[8];
	void Reset();
	E Make([In] string Name, [Out] E Made, [In, Out] uint32 Count[], [Out] E REF Ref);
	[EmbeddedObject] string Dump();
	uint32 Default(string Implicit, [In] uint32 Limit = 10);
};`, Options{})
	a := classOf(t, u, "A")
	if !a.IsAssociation() {
		t.Error("not an association")
	}
	props := map[string]struct {
		t   cim.Type
		ref string
	}{
		"Left": {cim.TypeReference, "E"}, "Right": {cim.TypeReference, ""}, "Obj": {cim.TypeObject, "E"},
		"Any": {cim.TypeObject, ""}, "Objs": {cim.TypeObject | cim.TypeArray, "E"}, "DspObj": {cim.TypeObject, "E"},
		"Loose": {cim.TypeObject, "Nowhere"}, "DspAny": {cim.TypeObject | cim.TypeArray, ""}, "Both": {cim.TypeObject, "E"},
		"Fixed": {cim.TypeUint8 | cim.TypeArray, ""}, "Fixed8": {cim.TypeUint8 | cim.TypeArray, ""},
	}
	for name, w := range props {
		p := a.Property(name)
		if p == nil || p.Type != w.t || p.ClassRef != w.ref {
			t.Errorf("%s = %+v, want %s %q", name, p, w.t, w.ref)
		}
	}
	if q, ok := a.Property("DspObj").Qualifiers.Get("EmbeddedInstance"); !ok || !q.Value.Equal(cim.String("E")) {
		t.Error("the EmbeddedInstance qualifier is not kept")
	}
	if q, ok := a.Property("Fixed").Qualifiers.Get("Max"); !ok || !q.Value.Equal(cim.Uint32(4)) {
		t.Errorf("Fixed has no MAX(4): %+v", a.Property("Fixed").Qualifiers)
	}
	if q, _ := a.Property("Fixed8").Qualifiers.Get("Max"); !q.Value.Equal(cim.Uint32(8)) || len(a.Property("Fixed8").Qualifiers) != 1 {
		t.Errorf("Fixed8 qualifiers %+v", a.Property("Fixed8").Qualifiers)
	}
	reset := a.Method("Reset")
	if reset.ReturnType != cim.TypeEmpty || len(reset.Parameters) != 0 {
		t.Errorf("Reset = %+v", reset)
	}
	mk := a.Method("Make")
	if mk.ReturnType != cim.TypeObject || mk.ReturnRef != "E" || len(mk.Parameters) != 4 {
		t.Fatalf("Make = %+v", mk)
	}
	if p := mk.Parameters[2]; p.Type != cim.TypeUint32|cim.TypeArray || !cim.IsIn(p) || !cim.IsOut(p) {
		t.Errorf("Count = %+v", p)
	}
	if p := mk.Parameters[3]; p.Type != cim.TypeReference || p.ClassRef != "E" || !cim.IsOut(p) || cim.IsIn(p) {
		t.Errorf("Ref = %+v", p)
	}
	if d := a.Method("Dump"); d.ReturnType != cim.TypeObject || d.ReturnRef != "" {
		t.Errorf("Dump = %+v", d)
	}
	def := a.Method("Default")
	if p := def.Parameters[0]; !cim.IsIn(p) {
		t.Errorf("a DSP0004 parameter without In is not an input: %+v", p)
	} else if q, _ := p.Qualifiers.Get("In"); q.Flavor != cim.FlavorToSubclass|cim.FlavorNotOverridable {
		t.Errorf("implied In has flavor %#x", q.Flavor)
	}
	if p := def.Parameters[1]; !p.Value.Equal(cim.Uint32(10)) {
		t.Errorf("Limit default %#v", p.Value)
	}
}

func TestKeywordsAndOverrides(t *testing.T) {
	u := mustCompile(t, `
CLASS Base { [KEY] STRING Name; UINT32 Count = 5; STRING Note = "n"; };
association Link { Base ref A; Base ref B; };
indication Event : Base { };
class Derived : Base {
	[Override("Count")] uint32 Count;
	string Note = NULL;
};`, Options{})
	if l := classOf(t, u, "Link"); !l.IsAssociation() || !l.Qualifiers.Has("Association") {
		t.Error("association keyword")
	}
	if e := classOf(t, u, "Event"); !e.IsIndication() {
		t.Error("indication keyword")
	}
	d := classOf(t, u, "Derived")
	if v, _ := d.Get("Count"); !v.Equal(cim.Uint32(5)) {
		t.Errorf("an override without a value keeps the inherited default: %#v", v)
	}
	if v, _ := d.Get("Note"); !v.IsNull() {
		t.Errorf("an override = NULL has no default: %#v", v)
	}
	if !strings.Contains(d.MOF(), "Note = NULL") {
		t.Errorf("MOF text:\n%s", d.MOF())
	}
	if d.Superclass != "Base" || len(d.Derivation()) != 1 {
		t.Errorf("derivation %v", d.Derivation())
	}
}

func TestInstancesAndAliases(t *testing.T) {
	u := mustCompile(t, `
class Node { [Key] string Name; Node ref Peer; Node ref Peers[]; };
[Association] class Edge { [Key] Node ref From; [Key] Node ref To; string Label; };
class Holder { [Key] uint32 ID; Edge ref E; Node Inner; Node Many[]; };

// Used before definition, through the keys of an association.
instance of Holder { ID = 1; E = $e; Inner = instance of Node { Name = "in"; Peer = $a; }; Many = {instance of Node { Name = "m1"; }, instance of Node { Name = "m2"; }}; };
instance of Edge as $e { From = $a; To = $b; Label = "ab"; };
instance of Node as $a { Name = "a"; Peer = $b; Peers = {$a, $b}; };
[Description("the b node")]
instance of Node as $b { Name = "b"; };
`, Options{})
	insts := instances(u)
	if len(insts) != 4 || u.Instances != 4 {
		t.Fatalf("%d instances", len(insts))
	}
	holder, edge, a, b := insts[0], insts[1], insts[2], insts[3]
	str := func(i *cim.Instance, name string) string {
		s, _ := i.Value(name).Str()
		return s
	}
	if got := str(a, "Peer"); got != `Node.Name="b"` {
		t.Errorf("a.Peer = %q", got)
	}
	if got := a.Value("Peers"); got.Len() != 2 {
		t.Errorf("a.Peers = %v", got)
	}
	if got := str(edge, "From"); got != `Node.Name="a"` {
		t.Errorf("edge.From = %q", got)
	}
	want := `Edge.From="Node.Name=\"a\"",To="Node.Name=\"b\""`
	if got := str(holder, "E"); got != want {
		t.Errorf("holder.E = %q, want %q", got, want)
	}
	o, ok := holder.Value("Inner").Object()
	if !ok {
		t.Fatal("no embedded instance")
	}
	if inner := o.(*cim.Instance); str(inner, "Peer") != `Node.Name="a"` || str(inner, "Name") != "in" {
		t.Errorf("embedded instance %s", inner.MOF())
	}
	if holder.Value("Many").Len() != 2 {
		t.Error("array of embedded instances")
	}
	if !b.Qualifiers.Has("Description") || b.Namespace != DefaultNamespace {
		t.Errorf("instance qualifiers %+v, namespace %q", b.Qualifiers, b.Namespace)
	}
	if p, err := edge.Path(); err != nil || p.RelPath() != want {
		t.Errorf("edge path %v %v", p, err)
	}
}

func TestAliasAcrossNamespaces(t *testing.T) {
	u := mustCompile(t, `
#pragma namespace("\\\\.\\root\\one")
class Node { [Key] string Name; object ref Other; };
instance of Node as $a { Name = "a"; };
class Cls as $cls {};
#pragma namespace("\\\\.\\root\\two")
class Node { [Key] string Name; object ref Other; };
instance of Node { Name = "b"; Other = $a; };
instance of Node { Name = "c"; Other = $cls; };
`, Options{})
	insts := instances(u)
	s, _ := insts[1].Value("Other").Str()
	if s != `root\one:Node.Name="a"` {
		t.Errorf("reference across namespaces %q", s)
	}
	s, _ = insts[2].Value("Other").Str()
	if s != `root\one:Cls` {
		t.Errorf("class alias %q", s)
	}
}

func TestSchemaClasses(t *testing.T) {
	base := mustCompile(t, `class Base { [Key] string Name; uint32 Size = 3; };`, Options{Namespace: `root\cimv2`})
	target := newMemTarget()
	if err := base.Apply(target); err != nil {
		t.Fatal(err)
	}
	u := mustCompile(t, `
class Derived : Base { string More; };
instance of Base { Name = "x"; };
instance of Derived { Name = "y"; More = "z"; };`, Options{Namespace: `root\cimv2`, Schema: target})
	d := classOf(t, u, "Derived")
	if d.Parent() != target.classes[mkey(`root\cimv2`, "Base")] || d.Property("Size") == nil {
		t.Error("Derived is not linked to the Schema's Base")
	}
	if v := instances(u)[1].Value("Size"); !v.Equal(cim.Uint32(3)) {
		t.Errorf("inherited default %v", v)
	}
	// Other namespaces do not see it.
	_, err := CompileString(`class Derived : Base {};`, Options{Namespace: `root\other`, Schema: target})
	checkError(t, err, status.InvalidSuperclass, stringFileName, 1, 17)
}

type failingSchema struct{}

func (failingSchema) GetClass(string, string) (*cim.Class, error) {
	return nil, status.New(status.CriticalError, "disk on fire")
}
func (failingSchema) QualifierDecl(string, string) (cim.QualifierDecl, error) {
	return cim.QualifierDecl{}, status.New(status.CriticalError, "disk on fire")
}

func TestSchemaFailure(t *testing.T) {
	_, err := CompileString("class A : B {};", Options{Schema: failingSchema{}})
	checkError(t, err, status.CriticalError, stringFileName, 1, 11)
	_, err = CompileString("\n[Q] class A {};", Options{Schema: failingSchema{}})
	checkError(t, err, status.CriticalError, stringFileName, 2, 2)
}

func TestPragmasAndOps(t *testing.T) {
	u := mustCompile(t, `
#pragma locale("en_US")
#pragma autorecover
#pragma source("x")
class A { [Key] string K; };
#pragma namespace("\\\\.\\root\\cimv2")
#pragma classflags("updateonly", "forceupdate")
class B {};
#pragma classflags("safeupdate")
#pragma instanceflags("createonly")
class C { [Key] uint32 N; };
instance of C { N = 1; };
#pragma namespace("Sub")
#pragma instanceflags(1)
class D { [Key] uint32 N; };
instance of D { N = 2; };
#pragma deleteclass("Gone", NOFAIL)
#pragma deleteinstance("D.N=3", FAIL)
instance of __Namespace { Name = "Child"; };
#pragma namespace("/root/dmtf")
class E {};
`, Options{})
	var got []string
	for _, op := range u.Ops {
		s := op.Kind.String() + " " + op.Namespace
		switch op.Kind {
		case OpPutClass:
			s += " " + op.Class.Name + " " + hex(op.Flags)
		case OpPutInstance:
			s += " " + op.Instance.ClassName() + " " + hex(op.Flags)
		case OpDeleteClass, OpDeleteInstance:
			s += " " + op.Name
			if op.NoFail {
				s += " NOFAIL"
			}
		}
		got = append(got, s)
	}
	want := []string{
		`CreateNamespace root\default`,
		`PutClass root\default A 0x0`,
		`CreateNamespace root\cimv2`,
		`PutClass root\cimv2 B 0x41`,
		`PutClass root\cimv2 C 0x20`,
		`PutInstance root\cimv2 C 0x2`,
		`CreateNamespace root\cimv2\Sub`,
		`PutClass root\cimv2\Sub D 0x20`,
		`PutInstance root\cimv2\Sub D 0x1`,
		`DeleteClass root\cimv2\Sub Gone NOFAIL`,
		`DeleteInstance root\cimv2\Sub D.N=3`,
		`CreateNamespace root\cimv2\Sub\Child`,
		`CreateNamespace root\dmtf`,
		`PutClass root\dmtf E 0x20`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if u.Locale != "en_US" || u.Classes != 5 || u.Instances != 3 {
		t.Errorf("locale %q, %d classes, %d instances", u.Locale, u.Classes, u.Instances)
	}
	if p := u.Ops[1].Pos; p.Line != 5 || p.Col != 1 || p.File != stringFileName {
		t.Errorf("position of class A: %v", p)
	}
	if p := u.Ops[10].Path; p.Class != "D" || len(p.Keys) != 1 {
		t.Errorf("deleteinstance path %+v", p)
	}
}

func hex(n uint32) string { return fmt.Sprintf("%#x", n) }

func TestOptionsDefaults(t *testing.T) {
	u := mustCompile(t, "class A {};\n[Key] class __B {};", Options{Namespace: "ROOT/Test", ClassFlags: FlagCreateOnly, SystemClasses: true})
	if u.Ops[0].Namespace != `ROOT\Test` || u.Ops[1].Flags != FlagCreateOnly {
		t.Errorf("ops %+v", u.Ops[:2])
	}
	if _, err := CompileString("", Options{Amendment: "xx"}); status.CodeOf(err) != status.MOFInvalidAmendmentSyntax {
		t.Errorf("bad amendment option: %v", err)
	}
	// Each file given to Compile starts in the default namespace with the
	// default flags, and has its own aliases.
	fsys := fstest.MapFS{
		"a.mof": {Data: []byte("#pragma namespace(\"x\")\n#pragma classflags(\"createonly\")\nclass A { [Key] string K; };\ninstance of A as $a { K = \"1\"; };\n")},
		"b.mof": {Data: []byte("class B { [Key] string K; object ref R; };\ninstance of B as $a { K = \"2\"; R = $a; };\n")},
	}
	u, err := Compile(fsys, []string{"a.mof", "b.mof"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := classOf(t, u, "B")
	for _, op := range u.Ops {
		if op.Class == b && (op.Namespace != DefaultNamespace || op.Flags != 0) {
			t.Errorf("b.mof inherited the state of a.mof: %+v", op)
		}
	}
}

func TestAmendment(t *testing.T) {
	u := mustCompile(t, `
#pragma amendment("MS_409")
[Description("base") : Amended] class Base { [Key, Description("k") : Amended] string K; };
[Description("derived") : Amended, Version("1")]
class Derived : Base {
	[Values{"a"} : Amended] uint32 V;
	uint32 M([In, Description("p") : Amended] uint32 P);
};`, Options{Namespace: `root\cimv2`})
	var got []string
	for _, op := range u.Ops {
		if op.Kind == OpPutClass {
			got = append(got, op.Namespace+" "+op.Class.MOF())
		} else {
			got = append(got, op.Kind.String()+" "+op.Namespace)
		}
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{
		"CreateNamespace root\\cimv2\\ms_409",
		"root\\cimv2 class Base\n{\n\t[Key : DisableOverride] string K;\n};",
		"root\\cimv2\\ms_409 [Amendment, Locale(1033) : ToInstance NotToSubclass, Description(\"base\") : Amended]\nclass Base",
		"root\\cimv2\\ms_409 [Amendment, Locale(1033) : ToInstance NotToSubclass, Description(\"derived\") : Amended]\nclass Derived : Base",
		"[Values{\"a\"} : Amended] uint32 V;",
		"uint32 M([In : DisableOverride, Description(\"p\") : Amended] uint32 P);",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	if u.Classes != 2 || u.Amendment != "ms_409" {
		t.Errorf("%d classes, amendment %q", u.Classes, u.Amendment)
	}
	d := u.Ops[4].Class
	if d.Name != "Derived" || u.Ops[4].Namespace != `root\cimv2` {
		t.Fatalf("op 4 is %+v", u.Ops[4])
	}
	if d.Qualifiers.Has("Description") || !d.Qualifiers.Has("Version") {
		t.Errorf("neutral class keeps %+v", d.Qualifiers)
	}
}

func TestApply(t *testing.T) {
	u := mustCompile(t, `
class A { [Key] string K; };
instance of A { K = "1"; };
#pragma deleteclass("Missing", NOFAIL)
#pragma deleteinstance("A.K=\"9\"", NOFAIL)
#pragma instanceflags("createonly")
instance of A { K = "1"; };`, Options{})
	target := newMemTarget()
	err := u.Apply(target)
	checkError(t, err, status.AlreadyExists, stringFileName, 7, 1)
	if !strings.Contains(err.Error(), "PutInstance") {
		t.Errorf("error %v does not name the operation", err)
	}
	if len(target.calls) != 6 {
		t.Errorf("calls %v", target.calls)
	}
	// A failure of the target keeps its code.
	target = newMemTarget()
	target.failOn = "PutClass root\\default A"
	checkError(t, u.Apply(target), status.AccessDenied, stringFileName, 2, 1)

	u = mustCompile(t, `#pragma deleteclass("Missing", FAIL)`, Options{})
	checkError(t, u.Apply(newMemTarget()), status.NotFound, stringFileName, 1, 1)
}

func TestEncodings(t *testing.T) {
	src := "// é\nclass Größe { string S = \"ü\"; };\nclass B { uint32 X = \"\u00e9\"; };"
	_, err := CompileString(src, Options{})
	checkError(t, err, status.MOFTypeMismatch, stringFileName, 3, 22)
	// Columns count characters, not bytes.
	_, err = CompileString("class Größe { uint32 X = \"a\"; };", Options{})
	checkError(t, err, status.MOFTypeMismatch, stringFileName, 1, 26)

	u16 := utf16.Encode([]rune("class Größe { string S = \"ü\"; };"))
	le := []byte{0xFF, 0xFE}
	be := []byte{0xFE, 0xFF}
	for _, c := range u16 {
		le = append(le, byte(c), byte(c>>8))
		be = append(be, byte(c>>8), byte(c))
	}
	ansi := []byte("class A { string S = \"\xe9\x80\"; };")
	fsys := fstest.MapFS{
		"le.mof": {Data: le}, "be.mof": {Data: be}, "ansi.mof": {Data: ansi},
		"bom.mof": {Data: append([]byte{0xEF, 0xBB, 0xBF}, "class A {};"...)},
		"odd.mof": {Data: []byte{0xFF, 0xFE, 'c'}},
	}
	for _, name := range []string{"le.mof", "be.mof"} {
		u, err := Compile(fsys, []string{name}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := classOf(t, u, "Größe").Get("S"); !v.Equal(cim.String("ü")) {
			t.Errorf("%s: %v", name, v)
		}
	}
	u, err := Compile(fsys, []string{"ansi.mof", "bom.mof"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := u.Ops[1].Class.Get("S"); !v.Equal(cim.String("é€")) {
		t.Errorf("ANSI: %v", v)
	}
	_, err = Compile(fsys, []string{"odd.mof"}, Options{})
	checkError(t, err, status.MOFInvalidFile, "odd.mof", 1, 1)
}

func TestParse(t *testing.T) {
	fsys := fstest.MapFS{
		"main.mof":  {Data: []byte("#pragma include(\"inc\\\\x.mof\")\n[Abstract] class A : Missing { uint32 N = 1; };\ninstance of Nothing as $n { P = $m; };\n")},
		"inc/x.mof": {Data: []byte("Qualifier Q : boolean;\n")},
	}
	f, err := Parse(fsys, "main.mof")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Statements) != 3 {
		t.Fatalf("%d statements", len(f.Statements))
	}
	inc := f.Statements[0].(*Pragma)
	if inc.Included == nil || inc.Included.Name != "inc/x.mof" || len(inc.Included.Statements) != 1 {
		t.Errorf("include %+v", inc)
	}
	c := f.Statements[1].(*ClassDeclaration)
	if c.Name != "A" || c.Superclass != "Missing" || len(c.Qualifiers) != 1 || c.Features[0].Default.Uint != 1 || c.Position().Line != 2 {
		t.Errorf("class %+v", c)
	}
	i := f.Statements[2].(*InstanceDeclaration)
	if i.Alias != "n" || i.Properties[0].Value.Kind != LitAlias {
		t.Errorf("instance %+v", i)
	}
	// Compiling it fails on the missing superclass.
	_, err = CompileFiles([]*File{f}, Options{})
	checkError(t, err, status.InvalidSuperclass, "main.mof", 2, 22)
	if _, err := ParseString("class A {"); status.CodeOf(err) != status.MOFExpectedBraceOrBadType {
		t.Errorf("ParseString: %v", err)
	}
}

func TestImplicitQualifiers(t *testing.T) {
	ds := ImplicitQualifiers()
	if len(ds) < 90 {
		t.Fatalf("%d implicit declarations", len(ds))
	}
	seen := map[string]bool{}
	for i, d := range ds {
		if i > 0 && strings.ToLower(ds[i-1].Name) >= strings.ToLower(d.Name) {
			t.Errorf("not sorted at %s", d.Name)
		}
		if d.Default.Type() != d.Type {
			t.Errorf("%s: default %#v of type %s", d.Name, d.Default, d.Type)
		}
		seen[d.Name] = true
	}
	for _, n := range []string{"Key", "Abstract", "Association", "Indication", "Description", "In", "Out", "ID", "Static",
		"Dynamic", "Provider", "Singleton", "Read", "Write", "Values", "ValueMap", "Units", "MaxLen", "Override",
		"Deprecated", "Experimental", "Required", "EmbeddedObject", "EmbeddedInstance", "SubType", "Amendment",
		"Implemented", "Privileges"} {
		if !seen[n] {
			t.Errorf("no implicit declaration of %s", n)
		}
	}
}

// An alias may be a class default, defined after its use.
func TestAliasClassDefault(t *testing.T) {
	u := mustCompile(t, `
class A { [Key] string K; };
class B { [Key] uint32 N; A ref R = $a; };
class C : B {};
instance of A as $a { K = "x"; };
`, Options{})
	for _, name := range []string{"B", "C"} {
		if v, _ := classOf(t, u, name).Get("R"); !v.Equal(mustRef(t, `A.K="x"`)) {
			t.Errorf("%s.R = %#v", name, v)
		}
	}
}

func mustRef(t *testing.T, s string) cim.Value {
	t.Helper()
	v, err := cim.ReferenceText(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The MOF text of compiled instances (cim's Instance.MOF) compiles back to
// identical instances.
func TestInstanceRoundTrip(t *testing.T) {
	u := mustCompile(t, `
class Node { [Key] string Name; Node ref Peer; uint32 Sizes[]; real64 R = 1.5; };
class Box { [Key] uint32 ID; Node Inner; object Any[]; datetime When; char16 C; };
instance of Node as $a { Name = "a\n\"quoted\""; Peer = $b; Sizes = {1, 2}; R = NULL; };
instance of Node as $b { Name = "b"; Peer = $a; };
[Description("box")]
instance of Box { ID = 7; Inner = instance of Node { Name = "in"; }; Any = {instance of Node { Name = "x"; }};
	When = "20240102030405.000000+060"; C = '\t'; };
`, Options{Namespace: `root\x`})
	target := newMemTarget()
	if err := u.Apply(target); err != nil {
		t.Fatal(err)
	}
	for _, inst := range instances(u) {
		text := inst.MOF()
		back, err := CompileString(text, Options{Namespace: `root\x`, Schema: target})
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		got := instances(back)
		if len(got) != 1 || !got[0].CompareTo(inst, cim.CompareIncludeAll) {
			t.Errorf("instance does not round-trip:\n%s\nback:\n%s", text, got[0].MOF())
		}
	}
}

// txTarget stages what a unit does and commits only when Apply succeeds:
// the transaction a repository gives Apply.
type txTarget struct {
	*memTarget
	committed *memTarget
}

func (tx *txTarget) commit() { *tx.committed = *tx.memTarget }

// A compile is one transaction: a file with an error changes nothing,
// whether the compiler or the repository finds the error.
func TestTransaction(t *testing.T) {
	repo := newMemTarget()
	apply := func(src string, failOn string) error {
		u, err := CompileString(src, Options{Schema: repo})
		if err != nil {
			return err
		}
		staged := newMemTarget()
		for k, v := range repo.classes {
			staged.classes[k] = v
		}
		for k, v := range repo.instances {
			staged.instances[k] = v
		}
		staged.failOn = failOn
		tx := &txTarget{memTarget: staged, committed: repo}
		if err := u.Apply(tx); err != nil {
			return err // rolled back: staged is dropped
		}
		staged.failOn = ""
		tx.commit()
		return nil
	}
	if err := apply("class A { [Key] string K; };\ninstance of A { K = \"1\"; };", ""); err != nil {
		t.Fatal(err)
	}
	if err := apply("class B : A {};\nclass C : Nope {};", ""); status.CodeOf(err) != status.InvalidSuperclass {
		t.Fatalf("compile error %v", err)
	}
	if err := apply("class B : A {};\ninstance of B { K = \"2\"; };", `PutInstance root\default B.K="2"`); status.CodeOf(err) != status.AccessDenied {
		t.Fatalf("apply error %v", err)
	}
	if len(repo.classes) != 1 || len(repo.instances) != 1 {
		t.Errorf("a failed compile changed the repository: %d classes, %d instances", len(repo.classes), len(repo.instances))
	}
}
