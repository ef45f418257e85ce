package cim

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gowmi/gowmi/wbem/status"
)

// accessors collects what every accessor of a Value returns.
type accessors struct {
	typ   Type
	null  bool
	i     int64
	iok   bool
	u     uint64
	uok   bool
	f     float64
	fok   bool
	b     bool
	bok   bool
	s     string
	sok   bool
	text  string
	iface any
}

func accessorsOf(v Value) accessors {
	a := accessors{typ: v.Type(), null: v.IsNull(), text: v.String(), iface: v.Interface()}
	a.i, a.iok = v.Int()
	a.u, a.uok = v.Uint()
	a.f, a.fok = v.Float()
	a.b, a.bok = v.Bool()
	a.s, a.sok = v.Str()
	return a
}

func TestValueConstructors(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want accessors
	}{
		{"sint8 min", Sint8(math.MinInt8), accessors{typ: TypeSint8, i: -128, iok: true, u: uint64(1<<64 - 128), f: -128, fok: true, text: "-128", iface: int8(-128)}},
		{"sint8 max", Sint8(math.MaxInt8), accessors{typ: TypeSint8, i: 127, iok: true, u: 127, uok: true, f: 127, fok: true, text: "127", iface: int8(127)}},
		{"uint8 max", Uint8(255), accessors{typ: TypeUint8, i: 255, iok: true, u: 255, uok: true, f: 255, fok: true, text: "255", iface: uint8(255)}},
		{"sint16 min", Sint16(math.MinInt16), accessors{typ: TypeSint16, i: -32768, iok: true, u: uint64(1<<64 - 32768), f: -32768, fok: true, text: "-32768", iface: int16(-32768)}},
		{"uint16 max", Uint16(65535), accessors{typ: TypeUint16, i: 65535, iok: true, u: 65535, uok: true, f: 65535, fok: true, text: "65535", iface: uint16(65535)}},
		{"sint32 min", Sint32(math.MinInt32), accessors{typ: TypeSint32, i: math.MinInt32, iok: true, u: uint64(1<<64 + math.MinInt32), f: math.MinInt32, fok: true, text: "-2147483648", iface: int32(math.MinInt32)}},
		{"uint32 max", Uint32(math.MaxUint32), accessors{typ: TypeUint32, i: math.MaxUint32, iok: true, u: math.MaxUint32, uok: true, f: math.MaxUint32, fok: true, text: "4294967295", iface: uint32(math.MaxUint32)}},
		{"sint64 min", Sint64(math.MinInt64), accessors{typ: TypeSint64, i: math.MinInt64, iok: true, u: 1 << 63, f: math.MinInt64, fok: true, text: "-9223372036854775808", iface: int64(math.MinInt64)}},
		{"sint64 max", Sint64(math.MaxInt64), accessors{typ: TypeSint64, i: math.MaxInt64, iok: true, u: math.MaxInt64, uok: true, f: math.MaxInt64, fok: true, text: "9223372036854775807", iface: int64(math.MaxInt64)}},
		{"uint64 max", Uint64(math.MaxUint64), accessors{typ: TypeUint64, i: -1, u: math.MaxUint64, uok: true, f: math.MaxUint64, fok: true, text: "18446744073709551615", iface: uint64(math.MaxUint64)}},
		{"uint64 MaxInt64", Uint64(math.MaxInt64), accessors{typ: TypeUint64, i: math.MaxInt64, iok: true, u: math.MaxInt64, uok: true, f: math.MaxInt64, fok: true, text: "9223372036854775807", iface: uint64(math.MaxInt64)}},
		{"real32", Real32(0.1), accessors{typ: TypeReal32, f: float64(float32(0.1)), fok: true, text: "0.1", iface: float32(0.1)}},
		{"real64", Real64(-2.5e-300), accessors{typ: TypeReal64, f: -2.5e-300, fok: true, text: "-2.5e-300", iface: -2.5e-300}},
		{"boolean true", Boolean(true), accessors{typ: TypeBoolean, i: 1, iok: true, u: 1, uok: true, b: true, bok: true, text: "TRUE", iface: true}},
		{"boolean false", Boolean(false), accessors{typ: TypeBoolean, iok: true, uok: true, bok: true, text: "FALSE", iface: false}},
		{"string", String("C:\\Windows"), accessors{typ: TypeString, s: "C:\\Windows", sok: true, text: "C:\\Windows", iface: "C:\\Windows"}},
		{"empty string", String(""), accessors{typ: TypeString, sok: true, iface: ""}},
		{"char16", Char16('é'), accessors{typ: TypeChar16, i: 0xE9, iok: true, u: 0xE9, uok: true, s: "é", sok: true, text: "é", iface: uint16(0xE9)}},
		{"null", Null(TypeUint32), accessors{typ: TypeUint32, null: true, text: "NULL"}},
		{"untyped null", Value{}, accessors{typ: TypeEmpty, null: true, text: "NULL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := accessorsOf(tc.v); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestValueSpecialTypes(t *testing.T) {
	dt := MustParseDateTime("19980401135809.000000+000")
	v := DateTimeValue(dt)
	if v.Type() != TypeDateTime || v.String() != "19980401135809.000000+000" {
		t.Errorf("DateTimeValue = %#v", v)
	}
	if got, ok := v.DateTime(); !ok || got != dt {
		t.Errorf("DateTime() = %v, %v", got, ok)
	}
	if s, ok := v.Str(); !ok || s != "19980401135809.000000+000" {
		t.Errorf("Str() of datetime = %q, %v", s, ok)
	}
	if got, ok := v.Interface().(DateTime); !ok || got != dt {
		t.Errorf("Interface() of datetime = %#v", v.Interface())
	}
	if _, err := ParseDateTimeValue("1998-04-01"); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("ParseDateTimeValue(malformed) = %v, want WBEM_E_TYPE_MISMATCH", err)
	}
	if iv, err := ParseDateTimeValue("00000001120032.000000:000"); err != nil || iv.Type() != TypeDateTime {
		t.Errorf("ParseDateTimeValue(interval) = %#v, %v", iv, err)
	}

	path := `\\SRV\root\cimv2:Win32_LogicalDisk.DeviceID="C:"`
	r, err := ReferenceText(path)
	if err != nil || r.Type() != TypeReference || r.String() != path {
		t.Fatalf("ReferenceText = %#v, %v", r, err)
	}
	if p, ok := r.Path(); !ok || p.Class != "Win32_LogicalDisk" || p.Server != "SRV" {
		t.Errorf("Path() = %+v, %v", p, ok)
	}
	if got := Reference(MustParsePath(path)); !got.Equal(r) {
		t.Errorf("Reference(ParsePath(%s)) = %v", path, got)
	}
	if _, err := ReferenceText(`no such "path`); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("ReferenceText(malformed) = %v, want WBEM_E_TYPE_MISMATCH", err)
	}

	c := NewClass("Gowmi_Thing", nil)
	c.Properties = []*Property{{Name: "Name", Type: TypeString}}
	inst := c.MustSpawn()
	e := Embedded(inst)
	if e.Type() != TypeObject || e.IsNull() {
		t.Fatalf("Embedded = %#v", e)
	}
	if o, ok := e.Object(); !ok || o != Object(inst) {
		t.Errorf("Object() = %v, %v", o, ok)
	}
	for _, nilObj := range []Object{nil, (*Instance)(nil), (*Class)(nil)} {
		if v := Embedded(nilObj); !v.IsNull() || v.Type() != TypeObject {
			t.Errorf("Embedded(%#v) = %#v, want NULL object", nilObj, v)
		}
	}
	if _, ok := String("x").Object(); ok {
		t.Error("Object() of a string is ok")
	}
	if _, ok := String("x").DateTime(); ok {
		t.Error("DateTime() of a string is ok")
	}
	if _, ok := String("x").Path(); ok {
		t.Error("Path() of a string is ok")
	}
}

func TestValueArrays(t *testing.T) {
	a, err := Array(TypeUint8, Sint32(1), Uint64(2), String("3"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Type() != TypeUint8|TypeArray || a.Len() != 3 || a.String() != "{1, 2, 3}" {
		t.Errorf("Array = %#v len %d", a, a.Len())
	}
	elems, ok := a.Array()
	if !ok || len(elems) != 3 || elems[2].Type() != TypeUint8 {
		t.Errorf("Array() = %v, %v", elems, ok)
	}
	if got := a.Interface(); !reflect.DeepEqual(got, []any{uint8(1), uint8(2), uint8(3)}) {
		t.Errorf("Interface() = %#v", got)
	}
	if _, ok := Sint32(1).Array(); ok || Sint32(1).Len() != 0 {
		t.Error("a scalar is an array")
	}
	empty, err := Array(TypeString)
	if err != nil || empty.IsNull() || empty.Len() != 0 || empty.String() != "{}" {
		t.Errorf("empty array = %#v, %v", empty, err)
	}
	if got := MustArray(TypeString|TypeArray, String("a")); got.Type() != TypeString|TypeArray {
		t.Errorf("Array(string[]) has type %v", got.Type())
	}
	for name, f := range map[string]func() (Value, error){
		"NULL element":   func() (Value, error) { return Array(TypeSint32, Sint32(1), Null(TypeSint32)) },
		"out of range":   func() (Value, error) { return Array(TypeUint8, Sint32(256)) },
		"wrong type":     func() (Value, error) { return Array(TypeBoolean, Sint32(1)) },
		"array element":  func() (Value, error) { return Array(TypeSint32, MustArray(TypeSint32)) },
		"no elem type":   func() (Value, error) { return Array(TypeEmpty) },
		"invalid type":   func() (Value, error) { return Array(Type(7), Sint32(1)) },
		"illegal string": func() (Value, error) { return Array(TypeChar16, String("ab")) },
	} {
		if v, err := f(); !errors.Is(err, status.ErrTypeMismatch) {
			t.Errorf("%s: Array = %#v, %v; want WBEM_E_TYPE_MISMATCH", name, v, err)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MustArray did not panic")
			}
		}()
		MustArray(TypeUint8, Sint32(-1))
	}()
	s := Strings("a", "b")
	if s.Type() != TypeString|TypeArray || s.String() != "{a, b}" {
		t.Errorf("Strings = %#v", s)
	}
	if s := Strings(); s.IsNull() || s.Len() != 0 {
		t.Errorf("Strings() = %#v, want an empty array", s)
	}
}

func TestValueConvert(t *testing.T) {
	mismatch := status.ErrTypeMismatch
	ref := `\\SRV\root\cimv2:Win32_LogicalDisk.DeviceID="C:"`
	tests := []struct {
		from Value
		to   Type
		want Value // compared with Equal when err is nil
		err  error
	}{
		// Identity and NULL.
		{Sint32(5), TypeSint32, Sint32(5), nil},
		{Null(TypeString), TypeUint32, Null(TypeUint32), nil},
		{Value{}, TypeObject, Null(TypeObject), nil},
		{Value{}, TypeString | TypeArray, Null(TypeString | TypeArray), nil},
		{Null(TypeString), Type(7), Value{}, mismatch},
		{Sint32(1), TypeIllegal, Value{}, mismatch},
		{Sint32(1), TypeEmpty, Value{}, mismatch},

		// Every integer width at its boundaries.
		{Sint64(math.MaxInt8), TypeSint8, Sint8(math.MaxInt8), nil},
		{Sint64(math.MaxInt8 + 1), TypeSint8, Value{}, mismatch},
		{Sint64(math.MinInt8), TypeSint8, Sint8(math.MinInt8), nil},
		{Sint64(math.MinInt8 - 1), TypeSint8, Value{}, mismatch},
		{Sint64(math.MaxUint8), TypeUint8, Uint8(math.MaxUint8), nil},
		{Sint64(math.MaxUint8 + 1), TypeUint8, Value{}, mismatch},
		{Sint64(0), TypeUint8, Uint8(0), nil},
		{Sint64(-1), TypeUint8, Value{}, mismatch},
		{Sint64(math.MaxInt16), TypeSint16, Sint16(math.MaxInt16), nil},
		{Sint64(math.MaxInt16 + 1), TypeSint16, Value{}, mismatch},
		{Sint64(math.MinInt16), TypeSint16, Sint16(math.MinInt16), nil},
		{Sint64(math.MinInt16 - 1), TypeSint16, Value{}, mismatch},
		{Sint64(math.MaxUint16), TypeUint16, Uint16(math.MaxUint16), nil},
		{Sint64(math.MaxUint16 + 1), TypeUint16, Value{}, mismatch},
		{Sint64(-1), TypeUint16, Value{}, mismatch},
		{Sint64(math.MaxInt32), TypeSint32, Sint32(math.MaxInt32), nil},
		{Sint64(math.MaxInt32 + 1), TypeSint32, Value{}, mismatch},
		{Sint64(math.MinInt32), TypeSint32, Sint32(math.MinInt32), nil},
		{Sint64(math.MinInt32 - 1), TypeSint32, Value{}, mismatch},
		{Uint64(math.MaxUint32), TypeUint32, Uint32(math.MaxUint32), nil},
		{Uint64(math.MaxUint32 + 1), TypeUint32, Value{}, mismatch},
		{Sint32(-1), TypeUint32, Value{}, mismatch},
		{Uint64(math.MaxInt64), TypeSint64, Sint64(math.MaxInt64), nil},
		{Uint64(math.MaxInt64 + 1), TypeSint64, Value{}, mismatch},
		{Uint64(math.MaxUint64), TypeSint64, Value{}, mismatch},
		{Sint64(math.MinInt64), TypeSint64, Sint64(math.MinInt64), nil},
		{Sint64(math.MinInt64), TypeUint64, Value{}, mismatch},
		{Sint64(-1), TypeUint64, Value{}, mismatch},
		{Sint64(math.MaxInt64), TypeUint64, Uint64(math.MaxInt64), nil},
		{Uint8(200), TypeSint8, Value{}, mismatch},
		{Uint8(100), TypeSint8, Sint8(100), nil},
		{Sint8(-1), TypeSint64, Sint64(-1), nil},
		{Uint32(math.MaxUint32), TypeSint64, Sint64(math.MaxUint32), nil},

		// Strings to integers: decimal, hex, signs and spaces, 64-bit limits.
		{String("42"), TypeUint32, Uint32(42), nil},
		{String(" 42 "), TypeUint32, Uint32(42), nil},
		{String("+42"), TypeSint8, Sint8(42), nil},
		{String("-42"), TypeSint32, Sint32(-42), nil},
		{String("0x2A"), TypeUint16, Uint16(42), nil},
		{String("0X2a"), TypeUint16, Uint16(42), nil},
		{String("-0x10"), TypeSint64, Sint64(-16), nil},
		{String("-0"), TypeUint8, Uint8(0), nil},
		{String("9223372036854775807"), TypeSint64, Sint64(math.MaxInt64), nil},
		{String("9223372036854775808"), TypeSint64, Value{}, mismatch},
		{String("-9223372036854775808"), TypeSint64, Sint64(math.MinInt64), nil},
		{String("-9223372036854775809"), TypeSint64, Value{}, mismatch},
		{String("18446744073709551615"), TypeUint64, Uint64(math.MaxUint64), nil},
		{String("18446744073709551616"), TypeUint64, Value{}, mismatch},
		{String("0xFFFFFFFFFFFFFFFF"), TypeUint64, Uint64(math.MaxUint64), nil},
		{String("0x8000000000000000"), TypeSint64, Value{}, mismatch},
		{String("0x7FFFFFFFFFFFFFFF"), TypeSint64, Sint64(math.MaxInt64), nil},
		{String("-1"), TypeUint64, Value{}, mismatch},
		{String("256"), TypeUint8, Value{}, mismatch},
		{String(""), TypeUint32, Value{}, mismatch},
		{String("0x"), TypeUint32, Value{}, mismatch},
		{String("4 2"), TypeUint32, Value{}, mismatch},
		{String("abc"), TypeUint32, Value{}, mismatch},
		{String("-+5"), TypeSint32, Value{}, mismatch},
		{String("+-5"), TypeSint32, Value{}, mismatch},
		{String("1_000"), TypeUint32, Value{}, mismatch},
		{String("1e3"), TypeUint32, Value{}, mismatch},
		{String("12.0"), TypeUint32, Value{}, mismatch},

		// Reals to integers: whole values only, in range.
		{Real64(3), TypeSint32, Sint32(3), nil},
		{Real64(-3), TypeSint8, Sint8(-3), nil},
		{Real64(3.5), TypeSint32, Value{}, mismatch},
		{Real64(-0.5), TypeUint8, Value{}, mismatch},
		{Real64(-1), TypeUint8, Value{}, mismatch},
		{Real64(256), TypeUint8, Value{}, mismatch},
		{Real64(math.Copysign(0, -1)), TypeUint8, Uint8(0), nil},
		{Real64(1 << 63), TypeUint64, Uint64(1 << 63), nil},
		{Real64(1 << 63), TypeSint64, Value{}, mismatch},
		{Real64(-(1 << 63)), TypeSint64, Sint64(math.MinInt64), nil},
		{Real64(1e20), TypeUint64, Value{}, mismatch},
		{Real64(math.NaN()), TypeSint32, Value{}, mismatch},
		{Real64(math.Inf(1)), TypeSint64, Value{}, mismatch},
		{Real32(2), TypeUint8, Uint8(2), nil},
		{Real32(2.25), TypeUint8, Value{}, mismatch},

		// To reals: integers, strings, real32 range.
		{Sint32(-5), TypeReal64, Real64(-5), nil},
		{Uint64(math.MaxUint64), TypeReal64, Real64(math.MaxUint64), nil},
		{Sint64(3), TypeReal32, Real32(3), nil},
		{Real32(0.5), TypeReal64, Real64(0.5), nil},
		{Real64(0.5), TypeReal32, Real32(0.5), nil},
		{Real64(math.MaxFloat32), TypeReal32, Real32(math.MaxFloat32), nil},
		{Real64(1e39), TypeReal32, Value{}, mismatch},
		{Real64(-1e39), TypeReal32, Value{}, mismatch},
		{String("3.5"), TypeReal64, Real64(3.5), nil},
		{String(" -1e-3 "), TypeReal32, Real32(-1e-3), nil},
		{String("1e39"), TypeReal32, Value{}, mismatch},
		{String("three"), TypeReal64, Value{}, mismatch},
		{Boolean(true), TypeReal64, Value{}, mismatch},
		{Char16('A'), TypeReal64, Value{}, mismatch},

		// Booleans convert only to boolean.
		{Boolean(true), TypeBoolean, Boolean(true), nil},
		{Boolean(true), TypeSint32, Value{}, mismatch},
		{Boolean(false), TypeString, Value{}, mismatch},
		{Sint32(1), TypeBoolean, Value{}, mismatch},
		{String("TRUE"), TypeBoolean, Value{}, mismatch},
		{Real64(1), TypeBoolean, Value{}, mismatch},

		// Strings to datetime, reference, char16, and back.
		{String("19980401135809.000000+000"), TypeDateTime, DateTimeValue(MustParseDateTime("19980401135809.000000+000")), nil},
		{String("00000001120032.000000:000"), TypeDateTime, DateTimeValue(MustParseDateTime("00000001120032.000000:000")), nil},
		{String("19980416******.000000+***"), TypeDateTime, DateTimeValue(MustParseDateTime("19980416******.000000+***")), nil},
		{String("1998-04-01"), TypeDateTime, Value{}, mismatch},
		{String(""), TypeDateTime, Value{}, mismatch},
		{String(ref), TypeReference, Reference(MustParsePath(ref)), nil},
		{String(`Win32_LogicalDisk.DeviceID="C:`), TypeReference, Value{}, mismatch},
		{String("A"), TypeChar16, Char16('A'), nil},
		{String("é"), TypeChar16, Char16(0xE9), nil},
		{String("AB"), TypeChar16, Value{}, mismatch},
		{String(""), TypeChar16, Value{}, mismatch},
		{String("😀"), TypeChar16, Value{}, mismatch},
		{DateTimeValue(MustParseDateTime("19980401135809.000000+000")), TypeString, String("19980401135809.000000+000"), nil},
		{Reference(MustParsePath(ref)), TypeString, String(ref), nil},
		{Char16('Z'), TypeString, String("Z"), nil},
		{DateTimeValue(MustParseDateTime("19980401135809.000000+000")), TypeReference, Value{}, mismatch},
		{Reference(MustParsePath(ref)), TypeDateTime, Value{}, mismatch},

		// Integers and char16.
		{Sint32(65), TypeChar16, Char16('A'), nil},
		{Uint16(math.MaxUint16), TypeChar16, Char16(math.MaxUint16), nil},
		{Sint32(-1), TypeChar16, Value{}, mismatch},
		{Sint32(65536), TypeChar16, Value{}, mismatch},
		{Real64(65), TypeChar16, Value{}, mismatch},
		{Char16('A'), TypeUint16, Uint16(65), nil},
		{Char16('A'), TypeSint8, Sint8(65), nil},
		{Char16(200), TypeSint8, Value{}, mismatch},

		// Numbers never become strings.
		{Sint32(5), TypeString, Value{}, mismatch},
		{Real64(5), TypeString, Value{}, mismatch},

		// Arrays element by element; scalars and arrays never mix.
		{MustArray(TypeSint32, Sint32(1), Sint32(2)), TypeUint8 | TypeArray, MustArray(TypeUint8, Uint8(1), Uint8(2)), nil},
		{MustArray(TypeSint32, Sint32(1), Sint32(256)), TypeUint8 | TypeArray, Value{}, mismatch},
		{Strings("1", "0x10"), TypeUint64 | TypeArray, MustArray(TypeUint64, Uint64(1), Uint64(16)), nil},
		{Strings("19980401135809.000000+000"), TypeDateTime | TypeArray, MustArray(TypeDateTime, DateTimeValue(MustParseDateTime("19980401135809.000000+000"))), nil},
		{Strings(), TypeReal64 | TypeArray, MustArray(TypeReal64), nil},
		{MustArray(TypeSint32, Sint32(1)), TypeSint32, Value{}, mismatch},
		{Sint32(1), TypeSint32 | TypeArray, Value{}, mismatch},
		{String("1"), TypeString | TypeArray, Value{}, mismatch},
		{MustArray(TypeBoolean, Boolean(true)), TypeSint32 | TypeArray, Value{}, mismatch},

		// Embedded objects.
		{String("x"), TypeObject, Value{}, mismatch},
	}
	for _, tc := range tests {
		got, err := tc.from.Convert(tc.to)
		name := tc.from.GoString() + " to " + tc.to.String()
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s = %#v, %v; want %v", name, got, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.Type() != tc.to || !got.Equal(tc.want) {
			t.Errorf("%s = %#v, want %#v", name, got, tc.want)
		}
	}

	// An embedded object converts to nothing but itself.
	c := NewClass("Gowmi_Thing", nil)
	e := Embedded(c.MustSpawn())
	if got, err := e.Convert(TypeObject); err != nil || !got.Equal(e) {
		t.Errorf("object to object = %#v, %v", got, err)
	}
	if _, err := e.Convert(TypeString); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("object to string: %v", err)
	}
	// The error tells what failed.
	_, err := Sint64(300).Convert(TypeUint8)
	if err == nil || !strings.Contains(err.Error(), "300") || !strings.Contains(err.Error(), "uint8") {
		t.Errorf("error text %q", err)
	}
}

func TestValueOf(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 10_000, time.FixedZone("", -8*3600))
	c := NewClass("Gowmi_Thing", nil)
	inst := c.MustSpawn()
	path := MustParsePath(`Win32_LogicalDisk.DeviceID="C:"`)
	tests := []struct {
		x    any
		want Value
	}{
		{nil, Value{}},
		{Sint32(7), Sint32(7)},
		{int8(-8), Sint8(-8)},
		{uint8(8), Uint8(8)},
		{int16(-16), Sint16(-16)},
		{uint16(16), Uint16(16)},
		{int32(-32), Sint32(-32)},
		{uint32(32), Uint32(32)},
		{int64(math.MinInt64), Sint64(math.MinInt64)},
		{uint64(math.MaxUint64), Uint64(math.MaxUint64)},
		{int(-1), Sint64(-1)},
		{uint(1), Uint64(1)},
		{float32(0.5), Real32(0.5)},
		{0.25, Real64(0.25)},
		{true, Boolean(true)},
		{"x", String("x")},
		{MustParseDateTime("19980401135809.000000+000"), DateTimeValue(MustParseDateTime("19980401135809.000000+000"))},
		{now, DateTimeValue(MustParseDateTime("20240506070809.000010-480"))},
		{path, Reference(path)},
		{Object(inst), Embedded(inst)},
		{inst, Embedded(inst)},
		{[]string{"a", "b"}, Strings("a", "b")},
		{[]int8{-1}, MustArray(TypeSint8, Sint8(-1))},
		{[]byte{1, 2}, MustArray(TypeUint8, Uint8(1), Uint8(2))},
		{[]int16{-1}, MustArray(TypeSint16, Sint16(-1))},
		{[]uint16{1}, MustArray(TypeUint16, Uint16(1))},
		{[]int32{-1}, MustArray(TypeSint32, Sint32(-1))},
		{[]uint32{1}, MustArray(TypeUint32, Uint32(1))},
		{[]int64{-1}, MustArray(TypeSint64, Sint64(-1))},
		{[]uint64{1}, MustArray(TypeUint64, Uint64(1))},
		{[]int{-1}, MustArray(TypeSint64, Sint64(-1))},
		{[]uint{1}, MustArray(TypeUint64, Uint64(1))},
		{[]float32{1}, MustArray(TypeReal32, Real32(1))},
		{[]float64{1}, MustArray(TypeReal64, Real64(1))},
		{[]bool{true}, MustArray(TypeBoolean, Boolean(true))},
		{[]DateTime{MustParseDateTime("19980401135809.000000+000")}, MustArray(TypeDateTime, String("19980401135809.000000+000"))},
		{[]time.Time{now}, MustArray(TypeDateTime, String("20240506070809.000010-480"))},
		{[]Path{path}, MustArray(TypeReference, Reference(path))},
		{[]Object{inst}, MustArray(TypeObject, Embedded(inst))},
		{[]Value{Sint32(1), Uint8(2)}, MustArray(TypeSint32, Sint32(1), Sint32(2))},
	}
	for _, tc := range tests {
		got, err := ValueOf(tc.x)
		if err != nil || got.Type() != tc.want.Type() || !got.Equal(tc.want) {
			t.Errorf("ValueOf(%#v) = %#v, %v; want %#v", tc.x, got, err, tc.want)
		}
	}
	for _, bad := range []any{struct{}{}, map[string]int{}, []Value{}, []any{1}, complex(1, 2), &struct{}{}} {
		if got, err := ValueOf(bad); !errors.Is(err, status.ErrTypeMismatch) {
			t.Errorf("ValueOf(%#v) = %#v, %v; want WBEM_E_TYPE_MISMATCH", bad, got, err)
		}
	}
}

func TestValueEqual(t *testing.T) {
	c := NewClass("Gowmi_Thing", nil)
	c.Properties = []*Property{{Name: "Name", Type: TypeString}}
	a, b := c.MustSpawn(), c.MustSpawn()
	a.MustPut("Name", String("x"))
	b.MustPut("Name", String("x"))
	tests := []struct {
		a, b Value
		want bool
	}{
		{Sint32(1), Sint32(1), true},
		{Sint32(1), Sint32(2), false},
		{Sint32(1), Uint32(1), false},
		{Sint64(-1), Uint64(math.MaxUint64), false},
		{String("a"), String("a"), true},
		{String("a"), String("A"), false},
		{Null(TypeString), Null(TypeString), true},
		{Null(TypeString), Value{}, false},
		{Null(TypeString), String(""), false},
		{Value{}, Value{}, true},
		{Real64(0.5), Real64(0.5), true},
		{Real32(0.5), Real64(0.5), false},
		{Boolean(true), Boolean(true), true},
		{Boolean(true), Boolean(false), false},
		{Char16('a'), Char16('a'), true},
		{Strings("a", "b"), Strings("a", "b"), true},
		{Strings("a", "b"), Strings("a"), false},
		{Strings("a", "b"), Strings("a", "B"), false},
		{Strings(), Null(TypeString | TypeArray), false},
		{Embedded(a), Embedded(b), true},
		{Embedded(a), Embedded(a.Clone().MustPut("Name", String("y"))), false},
		{Embedded(a), Null(TypeObject), false},
	}
	for _, tc := range tests {
		if got := tc.a.Equal(tc.b); got != tc.want {
			t.Errorf("%#v.Equal(%#v) = %v", tc.a, tc.b, got)
		}
		if got := tc.b.Equal(tc.a); got != tc.want {
			t.Errorf("%#v.Equal(%#v) = %v", tc.b, tc.a, got)
		}
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{}, "NULL"},
		{Null(TypeSint32 | TypeArray), "NULL"},
		{Sint8(-5), "-5"},
		{Uint64(math.MaxUint64), "18446744073709551615"},
		{Sint64(math.MinInt64), "-9223372036854775808"},
		{Real32(0.1), "0.1"},
		{Real32(16777217), "1.6777216e+07"},
		{Real64(0.1), "0.1"},
		{Real64(1e21), "1e+21"},
		{Real64(math.Inf(-1)), "-Inf"},
		{Boolean(true), "TRUE"},
		{Boolean(false), "FALSE"},
		{String(`say "hi"`), `say "hi"`},
		{Char16('x'), "x"},
		{MustArray(TypeSint32, Sint32(1), Sint32(-2)), "{1, -2}"},
		{Strings("a b", "c"), "{a b, c}"},
		{MustArray(TypeBoolean, Boolean(true)), "{TRUE}"},
	}
	for _, tc := range tests {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("String(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := Sint32(5).GoString(); got != "cim.Value{sint32 5}" {
		t.Errorf("GoString = %q", got)
	}
	if got := String("x").GoString(); got != `cim.Value{string "x"}` {
		t.Errorf("GoString = %q", got)
	}
	if got := Null(TypeUint8).GoString(); got != "cim.Null(uint8)" {
		t.Errorf("GoString = %q", got)
	}
}
