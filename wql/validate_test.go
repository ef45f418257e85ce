package wql

import (
	"strings"
	"testing"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestValidate(t *testing.T) {
	c, _ := testClasses(t)
	for _, tc := range []struct {
		where string
		code  status.Code // 0: valid
	}{
		{`Name = "x"`, 0},
		{`name = "x"`, 0},
		{`Bogus = 1`, status.InvalidQuery},
		{`__Bogus = 1`, status.InvalidQuery},
		{`__CLASS = "x" AND __GENUS = 2 AND __DERIVATION IS NULL`, 0},
		{`__DERIVATION = "x"`, status.InvalidQuery},
		{`Obj.Anything = 1`, 0},
		{`Obj.A.B = 1`, 0},
		{`Str.Sub = 1`, status.PropertyNotAnObject},
		{`Obj ISA "X"`, 0},
		{`Str ISA "X"`, status.InvalidOperator},
		{`Obj.Inner ISA "X"`, 0},
		{`__this ISA "X"`, 0},
		{`Bool = TRUE AND Bool <> 0 AND Bool = "false"`, 0},
		{`Bool >= 0`, status.InvalidOperator},
		{`Bool < U32`, status.InvalidOperator},
		{`Bool = "maybe"`, status.InvalidQuery},
		{`Str LIKE "a%"`, 0},
		{`DT LIKE "2024%" AND Ref LIKE "%" AND Ch LIKE "x"`, 0},
		{`U32 LIKE "5"`, status.InvalidOperator},
		{`Obj LIKE "5"`, status.InvalidOperator},
		{`Arr LIKE "5"`, status.InvalidQuery},
		{`Arr = 1`, status.InvalidQuery},
		{`Arr IS NULL`, 0},
		{`U32 = Arr`, status.InvalidQuery},
		{`U32 = "5" AND U64 = "18446744073709551615" AND R64 = "1.5" AND U8 = 1.0`, 0},
		{`U32 = "five"`, status.InvalidQuery},
		{`U32 = TRUE`, 0},
		{`Str = 5`, 0},
		{`DT > "20240101000000.000000+000" AND DT < "2024-01-01" AND DT > "Jan 1 2024" AND DT < "3:00 PM"`, 0},
		{`DT > 5`, status.InvalidQuery},
		{`DT > "not a date"`, status.InvalidQuery},
		{`Ref = "Win32_Process.Handle=\"4\""`, 0},
		{`Ref = "not a path!"`, status.InvalidQuery},
		{`Ref < "X.k=1"`, status.InvalidOperator},
		{`Obj = Obj`, 0},
		{`Obj > Obj`, status.InvalidOperator},
		{`Obj = 5`, status.InvalidQuery},
		{`Ch = "x" AND Ch = 120`, 0},
		{`Ch = 1.5`, status.InvalidQuery},
	} {
		s := mustParse(t, "SELECT * FROM Test_Thing WHERE "+tc.where).(*Select)
		err := Validate(s, c)
		if tc.code == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.where, err)
			}
			continue
		}
		wantCode(t, tc.where, err, tc.code, -1)
	}
	// The select list may name anything; GROUP BY may not.
	if err := Validate(mustParse(t, `SELECT Bogus, Obj.X FROM Test_Thing`).(*Select), c); err != nil {
		t.Errorf("select list: %v", err)
	}
	for q, code := range map[string]status.Code{
		`SELECT * FROM Test_Thing GROUP WITHIN 5 BY Bogus`:         status.InvalidQuery,
		`SELECT * FROM Test_Thing GROUP WITHIN 5 BY Obj`:           status.AggregatingByObject,
		`SELECT * FROM Test_Thing GROUP WITHIN 5 BY Obj.Name, Str`: 0,
		`SELECT * FROM Test_Thing GROUP WITHIN 5 BY Str.X`:         status.PropertyNotAnObject,
	} {
		err := Validate(mustParse(t, q).(*Select), c)
		if code == 0 {
			if err != nil {
				t.Errorf("%s: %v", q, err)
			}
			continue
		}
		wantCode(t, q, err, code, strings.Index(q, " BY ")+4)
	}
	// A schema query tests only system properties.
	for q, code := range map[string]status.Code{
		`SELECT * FROM meta_class WHERE __this ISA "X" AND __CLASS LIKE "W%" AND __SUPERCLASS IS NULL`: 0,
		`SELECT * FROM meta_class WHERE Name = "x"`:                                                    status.InvalidQuery,
	} {
		err := Validate(mustParse(t, q).(*Select), nil)
		if code == 0 && err != nil || code != 0 && status.CodeOf(err) != code {
			t.Errorf("%s: %v", q, err)
		}
	}
	// Without a class, only system properties and paths are checked.
	if err := Validate(mustParse(t, `SELECT * FROM X WHERE a = 1 AND b.c = 2`).(*Select), nil); err != nil {
		t.Errorf("no class: %v", err)
	}
}

// eventSchema is a small repository: the event classes, a dynamic class and
// a static one.
func eventSchema(t testing.TB) func(string) (*cim.Class, error) {
	classes := map[string]*cim.Class{}
	add := func(name string, parent string, props ...*cim.Property) *cim.Class {
		c := cim.NewClass(name, classes[strings.ToLower(parent)])
		c.Properties = props
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		classes[strings.ToLower(name)] = c
		return c
	}
	obj := func(n string) *cim.Property { return &cim.Property{Name: n, Type: cim.TypeObject} }
	str := func(n string) *cim.Property { return &cim.Property{Name: n, Type: cim.TypeString} }
	add("__IndicationRelated", "")
	add("__Event", "__IndicationRelated", &cim.Property{Name: "TIME_CREATED", Type: cim.TypeUint64})
	add("__InstanceOperationEvent", "__Event", obj("TargetInstance"))
	add("__InstanceCreationEvent", "__InstanceOperationEvent")
	add("__InstanceDeletionEvent", "__InstanceOperationEvent")
	add("__InstanceModificationEvent", "__InstanceOperationEvent", obj("PreviousInstance"))
	add("__ClassCreationEvent", "__Event", obj("TargetClass"))
	add("__ExtrinsicEvent", "__Event")
	add("MyEvent", "__ExtrinsicEvent", str("Sender"), obj("Info"))
	add("__AggregateEvent", "__IndicationRelated", &cim.Property{Name: "NumberOfEvents", Type: cim.TypeUint32}, obj("Representative"))
	dyn := add("Win32_Process", "", &cim.Property{Name: "Handle", Type: cim.TypeString, Qualifiers: keyQual}, str("Name"))
	dyn.Qualifiers = cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true)}, {Name: "Provider", Value: cim.String("CIMWin32")}}
	dyn.Changed()
	add("Win32_NTLogEvent", "", str("SourceName"), &cim.Property{Name: "RecordNumber", Type: cim.TypeUint32, Qualifiers: keyQual})
	classes["win32_ntlogevent"].Qualifiers = cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true)}}
	classes["win32_ntlogevent"].Changed()
	add("MyStatic", "", str("Name"))
	return func(name string) (*cim.Class, error) {
		if c, ok := classes[strings.ToLower(name)]; ok {
			return c, nil
		}
		return nil, status.Errorf(status.NotFound, "no class %s", name)
	}
}

func TestValidateEvent(t *testing.T) {
	lookup := eventSchema(t)
	provided := func(event, target *cim.Class) bool {
		// The event log provider reports creations of its records.
		return target.Name == "Win32_NTLogEvent" && event.InheritsFrom("__InstanceCreationEvent")
	}
	for _, tc := range []struct {
		q    string
		code status.Code
	}{
		{`SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA "Win32_Process"`, 0},
		{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "Win32_Process"`, status.ESSRegistrationTooPrecise},
		{`SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA "Win32_Process" AND TargetInstance.Name = "x"`, status.ESSRegistrationTooPrecise},
		{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "MyStatic"`, 0},
		{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "Win32_NTLogEvent"`, 0},
		{`SELECT * FROM __InstanceDeletionEvent WHERE TargetInstance ISA "Win32_NTLogEvent"`, status.ESSRegistrationTooPrecise},
		{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "NoSuchClassYet"`, 0},
		{`SELECT * FROM __InstanceCreationEvent WHERE NOT TargetInstance ISA "Win32_Process"`, 0},
		{`SELECT * FROM __InstanceCreationEvent`, 0},
		{`SELECT * FROM __ClassCreationEvent WHERE TargetClass ISA "Win32_Process"`, 0},
		{`SELECT * FROM MyEvent WHERE Sender = "boss"`, 0},
		{`SELECT * FROM MyEvent GROUP WITHIN 300 BY Sender HAVING NumberOfEvents > 5`, 0},
		{`SELECT * FROM MyEvent GROUP WITHIN 300 BY Info`, status.AggregatingByObject},
		{`SELECT * FROM MyEvent GROUP WITHIN 300 BY Info.Name`, 0},
		{`SELECT * FROM MyEvent GROUP WITHIN 300 BY Sender.Name`, status.PropertyNotAnObject},
		{`SELECT * FROM MyEvent WHERE Sender.Name = "x"`, status.PropertyNotAnObject},
		{`SELECT * FROM MyEvent WHERE Bogus = 1`, status.InvalidQuery},
		{`SELECT * FROM __InstanceCreationEvent WHERE PreviousInstance ISA "X"`, status.InvalidQuery},
		{`SELECT * FROM __InstanceModificationEvent WITHIN 2 WHERE TargetInstance.Name <> PreviousInstance.Name`, 0},
		{`SELECT * FROM MyStatic`, status.NotEventClass},
		{`SELECT * FROM Win32_Process WITHIN 5`, status.NotEventClass},
		{`SELECT * FROM __AggregateEvent`, status.NotEventClass},
		{`SELECT * FROM NoSuchEvent`, status.InvalidClass},
	} {
		s, err := ParseEvent(tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		err = ValidateEvent(s, lookup, provided)
		if tc.code == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.q, err)
			}
			continue
		}
		wantCode(t, tc.q, err, tc.code, -1)
	}
	// Without a provider callback, every dynamic class needs WITHIN.
	s, _ := ParseEvent(`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "Win32_NTLogEvent"`)
	wantCode(t, "nil provided", ValidateEvent(s, lookup, nil), status.ESSRegistrationTooPrecise, 14)
	// A lookup failure other than not-found passes through.
	denied := func(string) (*cim.Class, error) { return nil, status.New(status.AccessDenied, "no") }
	wantCode(t, "denied", ValidateEvent(s, denied, nil), status.AccessDenied, -1)
	wantCode(t, "not found", ValidateEvent(s, func(string) (*cim.Class, error) { return nil, nil }, nil), status.InvalidClass, 14)
}
