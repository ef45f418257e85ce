package wql

import (
	"errors"
	"sync"
	"testing"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

var keyQual = cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}

// testClasses returns Test_Thing, with a property of every type, and its
// subclass Test_Sub.
func testClasses(t testing.TB) (*cim.Class, *cim.Class) {
	c := cim.NewClass("Test_Thing", nil)
	c.Properties = []*cim.Property{
		{Name: "Name", Type: cim.TypeString, Qualifiers: keyQual},
		{Name: "U8", Type: cim.TypeUint8}, {Name: "S8", Type: cim.TypeSint8},
		{Name: "U16", Type: cim.TypeUint16}, {Name: "S16", Type: cim.TypeSint16},
		{Name: "U32", Type: cim.TypeUint32}, {Name: "S32", Type: cim.TypeSint32},
		{Name: "U64", Type: cim.TypeUint64}, {Name: "S64", Type: cim.TypeSint64},
		{Name: "R32", Type: cim.TypeReal32}, {Name: "R64", Type: cim.TypeReal64},
		{Name: "Bool", Type: cim.TypeBoolean}, {Name: "Str", Type: cim.TypeString},
		{Name: "DT", Type: cim.TypeDateTime}, {Name: "Ref", Type: cim.TypeReference},
		{Name: "Ch", Type: cim.TypeChar16}, {Name: "Obj", Type: cim.TypeObject},
		{Name: "Arr", Type: cim.TypeUint32 | cim.TypeArray},
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	sub := cim.NewClass("Test_Sub", c)
	sub.Properties = []*cim.Property{{Name: "Extra", Type: cim.TypeString}}
	if err := sub.Validate(); err != nil {
		t.Fatal(err)
	}
	return c, sub
}

// testInstance returns an instance of Test_Thing with every property set but
// U16.
func testInstance(t testing.TB) *cim.Instance {
	c, sub := testClasses(t)
	inner := sub.MustSpawn().MustPut("Name", cim.String("inner")).MustPut("Extra", cim.String("e")).MustPut("U32", cim.Uint32(7))
	i := c.MustSpawn()
	i.MustPut("Name", cim.String("a")).
		MustPut("U8", cim.Uint8(200)).MustPut("S8", cim.Sint8(-5)).
		MustPut("S16", cim.Sint16(-300)).
		MustPut("U32", cim.Uint32(5)).MustPut("S32", cim.Sint32(5)).
		MustPut("U64", cim.Uint64(18446744073709551615)).MustPut("S64", cim.Sint64(-9223372036854775808)).
		MustPut("R32", cim.Real32(0.25)).MustPut("R64", cim.Real64(1.5)).
		MustPut("Bool", cim.Boolean(true)).MustPut("Str", cim.String("Hello World")).
		MustPut("DT", cim.String("20240101120000.000000+060")).
		MustPut("Ref", cim.String(`\\.\root\cimv2:Win32_Process.Handle="4"`)).
		MustPut("Ch", cim.Char16('x')).MustPut("Obj", cim.Embedded(inner)).
		MustPut("Arr", cim.MustArray(cim.TypeUint32, cim.Uint32(1), cim.Uint32(2)))
	return i
}

// match evaluates where against o compiled for class and by name; both must
// agree.
func match(t *testing.T, class *cim.Class, where string, o cim.Object) bool {
	t.Helper()
	st, err := Parse("SELECT * FROM Test_Thing WHERE " + where)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	s := st.(*Select)
	byName, err := Compile(s, nil)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	got := byName.Match(o)
	if class != nil {
		q, err := Compile(s, class)
		if code := status.CodeOf(err); code == status.InvalidQuery || code == status.InvalidOperator || code == status.PropertyNotAnObject {
			return got // Validate refuses it: only the evaluation by name applies
		}
		if err != nil {
			t.Fatalf("Compile(%s): %v", where, err)
		}
		if bound := q.Match(o); bound != got {
			t.Fatalf("%s: bound to the class %v, by name %v", where, bound, got)
		}
	}
	return got
}

func TestEvaluate(t *testing.T) {
	c, _ := testClasses(t)
	inst := testInstance(t)
	for _, tc := range []struct {
		where string
		want  bool
	}{
		// Integers across widths, exactly.
		{`U32 = 5`, true}, {`U32 = "5"`, true}, {`U32 = "0x5"`, true}, {`U32 = " 5 "`, true},
		{`U32 = 5.0`, true}, {`U32 = 5.5`, false}, {`U32 < 5.5`, true}, {`U32 > 4.99`, true},
		{`U32 > -1`, true}, {`U32 = -1`, false}, {`U32 <> -1`, true}, {`U32 = "abc"`, false},
		{`U32 <> "abc"`, false}, {`5 = U32`, true}, {`6 > U32`, true}, {`U32 >= 5`, true}, {`U32 <= 4`, false},
		{`U8 = 200`, true}, {`U8 > 199`, true}, {`S8 = -5`, true}, {`S8 < -4`, true}, {`S8 > -6`, true},
		{`S16 = -300`, true}, {`S16 = 65236`, false}, {`S32 = 5`, true},
		{`U64 = 18446744073709551615`, true}, {`U64 > 9223372036854775807`, true}, {`U64 > -1`, true},
		{`U64 = -1`, false}, {`U64 = "18446744073709551615"`, true}, {`U64 = "0xFFFFFFFFFFFFFFFF"`, true},
		{`U64 > 1.8e19`, true}, {`U64 < 1.9e19`, true}, {`U64 = 1.8446744073709552e19`, false},
		{`S64 = -9223372036854775808`, true}, {`S64 < 0`, true}, {`S64 < 18446744073709551615`, true},
		{`S64 = "-9223372036854775808"`, true}, {`S64 < -9.2e18`, true},
		{`U32 = TRUE`, false}, {`U32 <> FALSE`, true},
		// Reals.
		{`R64 = 1.5`, true}, {`R64 > 1`, true}, {`R64 < 2`, true}, {`R64 = "1.5"`, true}, {`R64 = 1`, false},
		{`R32 = 0.25`, true}, {`R32 < 0.3`, true}, {`R64 = "x"`, false},
		// Booleans.
		{`Bool = TRUE`, true}, {`Bool = 1`, true}, {`Bool = 0`, false}, {`Bool <> FALSE`, true},
		{`Bool = "TRUE"`, true}, {`Bool = "true"`, true}, {`Bool = "false"`, false}, {`Bool != 1`, false},
		{`Bool = 2`, true}, {`Bool = FALSE`, false}, {`Bool = "maybe"`, false},
		// Strings: case-insensitive.
		{`Str = "hello world"`, true}, {`Str = "HELLO WORLD"`, true}, {`Str = 'Hello World'`, true},
		{`Str <> "hello world"`, false}, {`Str = "hello"`, false}, {`Str < "i"`, true}, {`Str > "hello"`, true},
		{`Str > "HELLO WORLD"`, false}, {`Str >= "HELLO WORLD"`, true}, {`Str < "Hello_"`, true},
		{`Name = "A"`, true}, {`Str = 5`, false},
		// LIKE.
		{`Str LIKE "hello%"`, true}, {`Str LIKE "%WORLD"`, true}, {`Str LIKE "%lo w%"`, true},
		{`Str LIKE "h_llo%"`, true}, {`Str LIKE "[a-h]ello%"`, true}, {`Str LIKE "[^h]%"`, false},
		{`Str LIKE "hello world"`, true}, {`Str LIKE "hello"`, false}, {`Str LIKE "%"`, true},
		{`NOT Str LIKE "x%"`, true}, {`Str NOT LIKE "h%"`, false}, {`U32 LIKE "5"`, true},
		{`U16 LIKE "%"`, false}, {`Arr LIKE "%"`, false}, {`DT LIKE "2024%"`, true},
		// Datetimes.
		{`DT = "20240101120000.000000+060"`, true}, {`DT = "20240101110000.000000+000"`, true},
		{`DT > "20231231000000.000000+000"`, true}, {`DT < "20240101110000.000001+000"`, true},
		{`DT = "2024-01-01 11:00:00Z"`, true}, {`DT < "2024-01-02T00:00:00Z"`, true},
		{`DT > "10:59:00:000"`, true}, {`DT < "11:30 AM"`, false}, {`DT = "12:00 PM"`, true},
		{`DT = "00000001000000.000000:000"`, false}, {`DT = "garbage"`, false},
		// References, as paths.
		{`Ref = "Win32_Process.Handle=\"4\""`, true}, {`Ref = "win32_process.handle=\"4\""`, true},
		{`Ref = "\\\\.\\ROOT\\CIMV2:Win32_Process.Handle=\"4\""`, true},
		{`Ref = "Win32_Process.Handle=\"5\""`, false}, {`Ref <> "Win32_Process.Handle=\"5\""`, true},
		// char16.
		{`Ch = "x"`, true}, {`Ch = "X"`, true}, {`Ch = 120`, true}, {`Ch > "a"`, true}, {`Ch = "xy"`, false},
		// Embedded objects and ISA.
		{`Obj ISA "Test_Thing"`, true}, {`Obj ISA "test_sub"`, true}, {`Obj ISA "Other"`, false},
		{`NOT Obj ISA "Other"`, true}, {`Str ISA "Test_Thing"`, false},
		{`Obj.Extra = "E"`, true}, {`Obj.Name = "inner"`, true}, {`Obj.U32 > 6`, true},
		{`Obj.Missing = 1`, false}, {`Obj.Missing IS NULL`, true}, {`Obj.Missing IS NOT NULL`, false},
		{`Obj.__CLASS = "Test_Sub"`, true}, {`Str.Sub = 1`, false},
		{`__this ISA "Test_Thing"`, true}, {`__this ISA "Test_Sub"`, false},
		// NULL: only IS NULL sees it.
		{`U16 = 1`, false}, {`U16 <> 1`, false}, {`U16 < 1`, false}, {`NOT U16 = 1`, true},
		{`U16 IS NULL`, true}, {`U16 IS NOT NULL`, false}, {`U16 = NULL`, true}, {`U16 <> NULL`, false},
		{`Name IS NULL`, false}, {`Name IS NOT NULL`, true},
		// Arrays are not compared.
		{`Arr = 1`, false}, {`Arr <> 1`, false}, {`Arr IS NOT NULL`, true},
		// Property against property.
		{`U32 = S32`, true}, {`U32 < U64`, true}, {`S64 < U8`, true}, {`Str = Name`, false}, {`Str <> Name`, true},
		{`U16 = U32`, false}, {`U16 <> U32`, false}, {`Obj = Obj`, true}, {`Obj <> Obj`, false},
		{`DT = DT`, true}, {`R64 > U32`, false}, {`Bool = Bool`, true},
		// System properties.
		{`__CLASS = "test_thing"`, true}, {`__CLASS = Test_Sub`, false}, {`__CLASS < "U"`, true},
		{`__RELPATH = "Test_Thing.Name=\"a\""`, true}, {`__GENUS = 2`, true}, {`__PATH IS NULL`, true},
		{`__SUPERCLASS IS NULL`, true}, {`__DYNASTY = "Test_Thing"`, true}, {`__PROPERTY_COUNT = 18`, true},
		// Logic.
		{`U32 = 5 AND Str = "hello world"`, true}, {`U32 = 5 AND Str = "x"`, false},
		{`U32 = 6 OR Str = "hello world"`, true}, {`U32 = 6 OR Str = "x"`, false},
		{`NOT (U32 = 6 OR Str = "x")`, true}, {`U32 = 6 OR U32 = 5 AND Str = "x"`, false},
		{`(U32 = 6 OR U32 = 5) AND Str <> "x"`, true},
	} {
		if got := match(t, c, tc.where, inst); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.where, got, tc.want)
		}
	}
}

func TestEvaluateSubclassAndClasses(t *testing.T) {
	c, sub := testClasses(t)
	si := sub.MustSpawn().MustPut("Name", cim.String("s")).MustPut("Extra", cim.String("x")).MustPut("U32", cim.Uint32(9))
	base := c.MustSpawn().MustPut("Name", cim.String("b")).MustPut("U32", cim.Uint32(1))
	st, _ := Parse(`SELECT * FROM Test_Thing WHERE U32 > 2 AND Name = "S"`)
	q, err := Compile(st.(*Select), c)
	if err != nil {
		t.Fatal(err)
	}
	// Alternate classes to exercise the binding cache.
	for range 3 {
		if !q.Match(si) || q.Match(base) {
			t.Fatal("subclass instance")
		}
	}
	for _, tc := range []struct {
		where string
		o     cim.Object
		want  bool
	}{
		{`__CLASS = "Test_Sub"`, sub, true},
		{`__SUPERCLASS = "Test_Thing"`, sub, true},
		{`__SUPERCLASS IS NULL`, c, true},
		{`__this ISA "Test_Thing"`, sub, true},
		{`__this ISA "Test_Sub"`, c, false},
		{`__DYNASTY = "Test_Thing"`, sub, true},
		{`__CLASS LIKE "%[_]%"`, sub, true},
		{`NOT __CLASS < "Test_T"`, c, true},
		{`Extra = "x"`, si, true},
		{`U32 = 9`, si, true},
	} {
		if got := match(t, nil, tc.where, tc.o); got != tc.want {
			t.Errorf("%s on %s: %v", tc.where, tc.o.ClassName(), got)
		}
	}
}

func TestMatchConcurrent(t *testing.T) {
	c, sub := testClasses(t)
	st, _ := Parse(`SELECT * FROM Test_Thing WHERE U32 >= 5 AND Name LIKE "n%"`)
	q, err := Compile(st.(*Select), c)
	if err != nil {
		t.Fatal(err)
	}
	a := c.MustSpawn().MustPut("Name", cim.String("n1")).MustPut("U32", cim.Uint32(5))
	b := sub.MustSpawn().MustPut("Name", cim.String("n2")).MustPut("U32", cim.Uint32(4))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				o, want := cim.Object(a), true
				if (i+g)%2 == 1 {
					o, want = b, false
				}
				if q.Match(o) != want {
					t.Errorf("concurrent match of %s", o.ClassName())
					return
				}
				if _, err := q.Project(o); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestCompileValidates(t *testing.T) {
	c, _ := testClasses(t)
	st, _ := Parse(`SELECT * FROM Test_Thing WHERE Bogus = 1`)
	if _, err := Compile(st.(*Select), c); status.CodeOf(err) != status.InvalidQuery {
		t.Fatalf("unknown property: %v", err)
	}
	if _, err := Compile(st.(*Select), nil); err != nil {
		t.Fatalf("by name: %v", err)
	}
	q, _ := Compile(st.(*Select), nil)
	if q.Match(testInstance(t)) || q.Statement() != st || q.Class() != nil {
		t.Fatal("a missing property is NULL")
	}
	all, _ := Parse(`SELECT * FROM Test_Thing`)
	q, _ = Compile(all.(*Select), c)
	if !q.Match(testInstance(t)) || q.Class() != c {
		t.Fatal("no WHERE matches all")
	}
}

func project(t *testing.T, query string, o cim.Object) cim.Object {
	t.Helper()
	c, _ := testClasses(t)
	st, err := Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Compile(st.(*Select), c)
	if err != nil {
		t.Fatal(err)
	}
	p, err := q.Project(o)
	if err != nil {
		t.Fatalf("Project: %v", err)
	}
	return p
}

func get(t *testing.T, o cim.Object, name string) cim.Value {
	t.Helper()
	v, err := o.Get(name)
	if err != nil {
		t.Fatalf("Get(%s): %v", name, err)
	}
	return v
}

func TestProject(t *testing.T) {
	inst := testInstance(t)
	inst.Namespace, inst.Server = `root\test`, "HOST"

	if p := project(t, `SELECT * FROM Test_Thing`, inst); p != cim.Object(inst) {
		t.Error("SELECT * returns the object itself")
	}

	p := project(t, `SELECT U32, Str FROM Test_Thing`, inst)
	if !get(t, p, "U32").Equal(cim.Uint32(5)) || !get(t, p, "Str").Equal(cim.String("Hello World")) {
		t.Errorf("selected values: %v", p)
	}
	if _, err := p.Get("R64"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("unselected property: %v", err)
	}
	for _, sys := range []string{"__PATH", "__RELPATH", "__SERVER", "__NAMESPACE"} {
		if v := get(t, p, sys); !v.IsNull() {
			t.Errorf("%s = %v without the keys", sys, v)
		}
	}
	if get(t, p, "__CLASS").String() != "Test_Thing" || !get(t, p, "__GENUS").Equal(cim.Sint32(2)) || !get(t, p, "__PROPERTY_COUNT").Equal(cim.Sint32(2)) {
		t.Errorf("system properties of %v", p)
	}

	p = project(t, `SELECT Name, U32 FROM Test_Thing`, inst)
	if get(t, p, "__RELPATH").String() != `Test_Thing.Name="a"` {
		t.Errorf("__RELPATH with the keys: %v", get(t, p, "__RELPATH"))
	}
	if get(t, p, "__PATH").String() != `\\HOST\root\test:Test_Thing.Name="a"` || get(t, p, "__NAMESPACE").String() != `root\test` {
		t.Errorf("__PATH with the keys: %v", get(t, p, "__PATH"))
	}

	p = project(t, `SELECT __RELPATH FROM Test_Thing`, inst)
	if get(t, p, "__RELPATH").String() != `Test_Thing.Name="a"` || !get(t, p, "Name").Equal(cim.String("a")) {
		t.Errorf("SELECT __RELPATH: %v", get(t, p, "__RELPATH"))
	}

	p = project(t, `SELECT Obj.Extra, Bogus FROM Test_Thing`, inst)
	o, ok := get(t, p, "Obj").Object()
	if !ok || !get(t, o, "Extra").Equal(cim.String("e")) || !get(t, o, "U32").Equal(cim.Uint32(7)) {
		t.Errorf("embedded object kept whole: %v", p)
	}
	if !get(t, p, "__PROPERTY_COUNT").Equal(cim.Sint32(1)) {
		t.Errorf("unknown names are ignored")
	}

	_, sub := testClasses(t)
	si := sub.MustSpawn().MustPut("Name", cim.String("s")).MustPut("Extra", cim.String("x"))
	p = project(t, `SELECT Extra FROM Test_Thing`, si)
	if p.ClassName() != "Test_Sub" || !get(t, p, "Extra").Equal(cim.String("x")) {
		t.Errorf("subclass projection: %v", p)
	}
	// Every property selected: nothing to drop.
	all := `SELECT Name, U8, S8, U16, S16, U32, S32, U64, S64, R32, R64, Bool, Str, DT, Ref, Ch, Obj, Arr FROM Test_Thing`
	if p := project(t, all, inst); p != cim.Object(inst) {
		t.Error("a full list returns the object")
	}
	// Classes (schema queries) are returned as they are.
	c, _ := testClasses(t)
	if p := project(t, `SELECT Name FROM Test_Thing`, c); p != cim.Object(c) {
		t.Error("a class is not projected")
	}
}

func TestHavingAndGroupKey(t *testing.T) {
	st, err := Parse(`SELECT * FROM __InstanceCreationEvent GROUP WITHIN 10 BY TargetInstance.Name, TargetInstance.U32 HAVING NumberOfEvents > 2 AND NOT NumberOfEvents = 5`)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Compile(st.(*Select), nil)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[uint32]bool{0: false, 2: false, 3: true, 5: false, 6: true, 4294967295: true} {
		if q.Having(n) != want {
			t.Errorf("Having(%d) = %v", n, !want)
		}
	}
	ev := cim.NewClass("__InstanceCreationEvent", nil)
	ev.Properties = []*cim.Property{{Name: "TargetInstance", Type: cim.TypeObject}}
	c, _ := testClasses(t)
	mk := func(name string, u uint32) cim.Object {
		target := c.MustSpawn().MustPut("Name", cim.String(name)).MustPut("U32", cim.Uint32(u))
		return ev.MustSpawn().MustPut("TargetInstance", cim.Embedded(target))
	}
	if k1, k2 := q.GroupKey(mk("Abc", 1)), q.GroupKey(mk("aBC", 1)); k1 != k2 {
		t.Errorf("keys differ by case: %q %q", k1, k2)
	}
	if k1, k2 := q.GroupKey(mk("Abc", 1)), q.GroupKey(mk("Abc", 2)); k1 == k2 {
		t.Errorf("keys equal: %q", k1)
	}
	plain, _ := Parse(`SELECT * FROM E GROUP WITHIN 10`)
	pq, _ := Compile(plain.(*Select), nil)
	if pq.GroupKey(mk("x", 1)) != "" || !pq.Having(0) {
		t.Error("no BY, no HAVING")
	}
}
