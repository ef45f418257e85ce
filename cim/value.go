package cim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/gowmi/gowmi/wbem/status"
)

// Value is a CIM value: a CIM type and a value of that type, or NULL. The
// zero Value is an untyped NULL. Values are immutable; an array's elements
// and an embedded object must not be changed once in a Value.
//
// 64-bit integers are exact. A DATETIME is kept as its 25-character text, a
// reference as its object path text, an embedded object as an Object.
type Value struct {
	typ   Type
	valid bool
	n     uint64 // integers (two's complement), booleans, char16, real bits
	s     string // string, datetime, reference
	x     any    // []Value for arrays, Object for embedded objects
}

// Null returns a NULL value of type t.
func Null(t Type) Value { return Value{typ: t} }

// Sint8 and the functions after it make values of each CIM type.
func Sint8(v int8) Value   { return Value{typ: TypeSint8, valid: true, n: uint64(int64(v))} }
func Uint8(v uint8) Value  { return Value{typ: TypeUint8, valid: true, n: uint64(v)} }
func Sint16(v int16) Value { return Value{typ: TypeSint16, valid: true, n: uint64(int64(v))} }
func Uint16(v uint16) Value {
	return Value{typ: TypeUint16, valid: true, n: uint64(v)}
}
func Sint32(v int32) Value  { return Value{typ: TypeSint32, valid: true, n: uint64(int64(v))} }
func Uint32(v uint32) Value { return Value{typ: TypeUint32, valid: true, n: uint64(v)} }
func Sint64(v int64) Value  { return Value{typ: TypeSint64, valid: true, n: uint64(v)} }
func Uint64(v uint64) Value { return Value{typ: TypeUint64, valid: true, n: v} }
func Real32(v float32) Value {
	return Value{typ: TypeReal32, valid: true, n: uint64(math.Float32bits(v))}
}
func Real64(v float64) Value { return Value{typ: TypeReal64, valid: true, n: math.Float64bits(v)} }
func String(v string) Value  { return Value{typ: TypeString, valid: true, s: v} }
func Char16(v uint16) Value  { return Value{typ: TypeChar16, valid: true, n: uint64(v)} }
func Boolean(v bool) Value {
	var n uint64
	if v {
		n = 1
	}
	return Value{typ: TypeBoolean, valid: true, n: n}
}

// DateTimeValue returns a datetime value.
func DateTimeValue(d DateTime) Value { return Value{typ: TypeDateTime, valid: true, s: d.String()} }

// ParseDateTimeValue returns the datetime value of a 25-character DATETIME
// or interval text; a malformed text is WBEM_E_TYPE_MISMATCH.
func ParseDateTimeValue(s string) (Value, error) {
	d, err := ParseDateTime(s)
	if err != nil {
		return Value{}, status.Wrap(status.TypeMismatch, err)
	}
	// Text already in canonical form is kept as it is, without a copy.
	var b [dateTimeLen]byte
	if string(d.format(&b)) == s {
		return Value{typ: TypeDateTime, valid: true, s: s}, nil
	}
	return DateTimeValue(d), nil
}

// Reference returns a reference value holding an object path.
func Reference(p Path) Value { return Value{typ: TypeReference, valid: true, s: p.String()} }

// ReferenceText returns a reference value holding path text as given; the
// text is checked to be an object path (WBEM_E_TYPE_MISMATCH if not).
func ReferenceText(s string) (Value, error) {
	if _, err := ParsePath(s); err != nil {
		return Value{}, status.Wrap(status.TypeMismatch, err)
	}
	return Value{typ: TypeReference, valid: true, s: s}, nil
}

// Embedded returns an embedded-object value; a nil object is NULL.
func Embedded(o Object) Value {
	switch x := o.(type) {
	case nil:
		return Null(TypeObject)
	case *Instance:
		if x == nil {
			return Null(TypeObject)
		}
	case *Class:
		if x == nil {
			return Null(TypeObject)
		}
	}
	return Value{typ: TypeObject, valid: true, x: o}
}

// Array returns an array value of element type elem. Every element is
// converted to elem with Convert; a NULL element or one that does not convert
// is WBEM_E_TYPE_MISMATCH.
func Array(elem Type, elems ...Value) (Value, error) {
	elem = elem.Base()
	if elem == TypeEmpty || !elem.Valid() {
		return Value{}, status.Errorf(status.TypeMismatch, "no array of %s", elem)
	}
	out := make([]Value, len(elems))
	for i, e := range elems {
		if e.IsNull() {
			return Value{}, status.Errorf(status.TypeMismatch, "array element %d is NULL", i)
		}
		c, err := e.Convert(elem)
		if err != nil {
			return Value{}, err
		}
		out[i] = c
	}
	return Value{typ: elem | TypeArray, valid: true, x: out}, nil
}

// MustArray is Array for elements known to convert; it panics otherwise.
func MustArray(elem Type, elems ...Value) Value {
	v, err := Array(elem, elems...)
	if err != nil {
		panic(err)
	}
	return v
}

// Strings returns a string[] value.
func Strings(ss ...string) Value {
	out := make([]Value, len(ss))
	for i, s := range ss {
		out[i] = String(s)
	}
	return Value{typ: TypeString | TypeArray, valid: true, x: out}
}

// ValueOf returns the value of a Go value: the integer, float, bool and string
// types, uint16 as uint16 (use Char16 for a char16), time.Time and DateTime as
// datetime, Path as reference, Object as embedded object, slices of those as
// arrays, and Value itself. nil is an untyped NULL. Other types are
// WBEM_E_TYPE_MISMATCH.
func ValueOf(x any) (Value, error) {
	switch v := x.(type) {
	case nil:
		return Value{}, nil
	case Value:
		return v, nil
	case int8:
		return Sint8(v), nil
	case uint8:
		return Uint8(v), nil
	case int16:
		return Sint16(v), nil
	case uint16:
		return Uint16(v), nil
	case int32:
		return Sint32(v), nil
	case uint32:
		return Uint32(v), nil
	case int64:
		return Sint64(v), nil
	case uint64:
		return Uint64(v), nil
	case int:
		return Sint64(int64(v)), nil
	case uint:
		return Uint64(uint64(v)), nil
	case float32:
		return Real32(v), nil
	case float64:
		return Real64(v), nil
	case bool:
		return Boolean(v), nil
	case string:
		return String(v), nil
	case DateTime:
		return DateTimeValue(v), nil
	case Path:
		return Reference(v), nil
	case Object:
		return Embedded(v), nil
	case []string:
		return Strings(v...), nil
	case time.Time:
		return DateTimeValue(FromTime(v)), nil
	case []Path:
		out := make([]Value, len(v))
		for i, p := range v {
			out[i] = Reference(p)
		}
		return Value{typ: TypeReference | TypeArray, valid: true, x: out}, nil
	case []Value:
		if len(v) == 0 {
			return Value{}, status.New(status.TypeMismatch, "cannot tell the element type of an empty []Value")
		}
		return Array(v[0].Type(), v...)
	}
	return valueOfSlice(x)
}

// Type returns the CIM type; an untyped NULL is TypeEmpty.
func (v Value) Type() Type { return v.typ }

// IsNull reports whether the value is NULL.
func (v Value) IsNull() bool { return !v.valid }

// Int returns a signed or unsigned integer, char16 or boolean value as an
// int64; ok is false for NULL, other types, and a uint64 above MaxInt64.
func (v Value) Int() (n int64, ok bool) {
	if !v.valid || v.typ.IsArray() {
		return 0, false
	}
	switch v.typ {
	case TypeUint64:
		return int64(v.n), v.n <= math.MaxInt64
	case TypeSint8, TypeSint16, TypeSint32, TypeSint64, TypeUint8, TypeUint16, TypeUint32, TypeChar16, TypeBoolean:
		return int64(v.n), true
	}
	return 0, false
}

// Uint returns a non-negative integer, char16 or boolean value as a uint64.
func (v Value) Uint() (n uint64, ok bool) {
	if !v.valid || v.typ.IsArray() {
		return 0, false
	}
	switch v.typ {
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64, TypeChar16, TypeBoolean:
		return v.n, true
	case TypeSint8, TypeSint16, TypeSint32, TypeSint64:
		return v.n, int64(v.n) >= 0
	}
	return 0, false
}

// Float returns a numeric value as a float64.
func (v Value) Float() (f float64, ok bool) {
	if !v.valid || v.typ.IsArray() {
		return 0, false
	}
	switch {
	case v.typ == TypeReal32:
		return float64(math.Float32frombits(uint32(v.n))), true
	case v.typ == TypeReal64:
		return math.Float64frombits(v.n), true
	case v.typ.IsSigned():
		return float64(int64(v.n)), true
	case v.typ.IsInteger():
		return float64(v.n), true
	}
	return 0, false
}

// Bool returns a boolean value.
func (v Value) Bool() (b bool, ok bool) {
	if !v.valid || v.typ != TypeBoolean {
		return false, false
	}
	return v.n != 0, true
}

// Str returns the text of a string, datetime or reference value, or the
// character of a char16 value.
func (v Value) Str() (s string, ok bool) {
	if !v.valid {
		return "", false
	}
	switch v.typ {
	case TypeString, TypeDateTime, TypeReference:
		return v.s, true
	case TypeChar16:
		return string(utf16.Decode([]uint16{uint16(v.n)})), true
	}
	return "", false
}

// DateTime returns a datetime value parsed.
func (v Value) DateTime() (DateTime, bool) {
	if !v.valid || v.typ != TypeDateTime {
		return DateTime{}, false
	}
	d, err := ParseDateTime(v.s)
	return d, err == nil
}

// Path returns a reference value's object path parsed.
func (v Value) Path() (Path, bool) {
	if !v.valid || v.typ != TypeReference {
		return Path{}, false
	}
	p, err := ParsePath(v.s)
	return p, err == nil
}

// Object returns an embedded object.
func (v Value) Object() (Object, bool) {
	if !v.valid || v.typ != TypeObject {
		return nil, false
	}
	o, _ := v.x.(Object)
	return o, o != nil
}

// Array returns the elements of an array value. The slice must not be
// modified.
func (v Value) Array() ([]Value, bool) {
	if !v.valid || !v.typ.IsArray() {
		return nil, false
	}
	a, _ := v.x.([]Value)
	return a, true
}

// Len returns the number of elements of an array value, 0 otherwise.
func (v Value) Len() int {
	a, _ := v.x.([]Value)
	return len(a)
}

// Interface returns the value as a Go value: int8…uint64, float32, float64,
// bool, string, uint16 for char16, DateTime, Path (or the text of an invalid
// one) for a reference, Object, []any for arrays; nil for NULL.
func (v Value) Interface() any {
	if !v.valid {
		return nil
	}
	switch v.typ {
	case TypeSint8:
		return int8(v.n)
	case TypeUint8:
		return uint8(v.n)
	case TypeSint16:
		return int16(v.n)
	case TypeUint16, TypeChar16:
		return uint16(v.n)
	case TypeSint32:
		return int32(v.n)
	case TypeUint32:
		return uint32(v.n)
	case TypeSint64:
		return int64(v.n)
	case TypeUint64:
		return v.n
	case TypeReal32:
		return math.Float32frombits(uint32(v.n))
	case TypeReal64:
		return math.Float64frombits(v.n)
	case TypeBoolean:
		return v.n != 0
	case TypeString:
		return v.s
	case TypeDateTime:
		d, _ := v.DateTime()
		return d
	case TypeReference:
		if p, ok := v.Path(); ok {
			return p
		}
		return v.s
	case TypeObject:
		return v.x
	}
	if a, ok := v.Array(); ok {
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = e.Interface()
		}
		return out
	}
	return nil
}

// String formats the value as WMI users read it: numbers in decimal, strings
// as they are, booleans as TRUE/FALSE, arrays as {a, b}, NULL as "NULL".
func (v Value) String() string {
	if !v.valid {
		return "NULL"
	}
	if a, ok := v.Array(); ok {
		var b strings.Builder
		b.WriteByte('{')
		for i, e := range a {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.String())
		}
		b.WriteByte('}')
		return b.String()
	}
	switch {
	case v.typ == TypeBoolean:
		if v.n != 0 {
			return "TRUE"
		}
		return "FALSE"
	case v.typ.IsSigned():
		return strconv.FormatInt(int64(v.n), 10)
	case v.typ.IsInteger():
		return strconv.FormatUint(v.n, 10)
	case v.typ.IsReal():
		f, _ := v.Float()
		return strconv.FormatFloat(f, 'g', -1, v.typ.bits())
	case v.typ == TypeObject:
		if o, ok := v.x.(Object); ok {
			return o.MOF()
		}
	}
	s, _ := v.Str()
	return s
}

// Equal reports whether two values have the same type and value: NULLs of
// the same type are equal, strings compare case-sensitively, reals by their
// bits, arrays element by element, embedded objects with CompareTo and no
// flags. Object.CompareTo's CompareIgnoreCase compares text without case.
func (v Value) Equal(w Value) bool {
	if v.typ != w.typ || v.valid != w.valid {
		return false
	}
	if !v.valid {
		return true
	}
	if a, ok := v.Array(); ok {
		b, _ := w.Array()
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !a[i].Equal(b[i]) {
				return false
			}
		}
		return true
	}
	if v.typ == TypeObject {
		o1, _ := v.x.(Object)
		o2, _ := w.x.(Object)
		return o1 != nil && o2 != nil && o1.CompareTo(o2, 0)
	}
	return v.n == w.n && v.s == w.s
}

func mismatch(v Value, t Type) error {
	return status.Errorf(status.TypeMismatch, "cannot convert %s value %s to %s", v.typ, quoteForError(v), t)
}

func quoteForError(v Value) string {
	s := v.String()
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	if v.typ == TypeString {
		return strconv.Quote(s)
	}
	return s
}

// Convert returns the value as type t, following WMI's conversion rules for
// IWbemClassObject::Put:
//   - integers convert to any integer type whose range holds them, and to reals;
//   - reals convert to integer types only when they are whole and in range;
//   - strings convert to 64-bit integers (decimal, or hex with 0x, as WMI
//     carries them as BSTR), to datetime when they are a valid DATETIME or
//     interval, to reference when they are an object path, and to char16 when
//     they are a single UTF-16 unit;
//   - integers convert to char16 in 0..65535; booleans only to boolean;
//   - arrays convert element by element to an array type; a scalar never
//     converts to an array or back;
//   - NULL converts to a NULL of any type.
//
// Anything else, an out-of-range value and a type that is not a CIM type
// are WBEM_E_TYPE_MISMATCH.
func (v Value) Convert(t Type) (Value, error) {
	if v.typ == t {
		return v, nil
	}
	if t != TypeEmpty && !t.Valid() {
		return Value{}, status.Errorf(status.TypeMismatch, "cannot convert %s to the invalid CIM type %#x", v.typ, uint16(t))
	}
	if !v.valid {
		return Null(t), nil
	}
	if t.IsArray() != v.typ.IsArray() {
		return Value{}, mismatch(v, t)
	}
	if t.IsArray() {
		a, _ := v.Array()
		return Array(t.Base(), a...)
	}
	switch {
	case t.IsInteger():
		return v.toInteger(t)
	case t.IsReal():
		f, ok := v.Float()
		if !ok {
			if s, isStr := v.Str(); isStr && v.typ == TypeString {
				var err error
				if f, err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
					return Value{}, mismatch(v, t)
				}
			} else {
				return Value{}, mismatch(v, t)
			}
		}
		if t == TypeReal32 {
			if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return Value{}, status.Errorf(status.TypeMismatch, "%g is out of range for real32", f)
			}
			return Real32(float32(f)), nil
		}
		return Real64(f), nil
	case t == TypeBoolean:
		return Value{}, mismatch(v, t)
	case t == TypeString:
		if v.typ == TypeDateTime || v.typ == TypeReference || v.typ == TypeChar16 {
			s, _ := v.Str()
			return String(s), nil
		}
		return Value{}, mismatch(v, t)
	case t == TypeDateTime:
		if v.typ == TypeString {
			return ParseDateTimeValue(v.s)
		}
	case t == TypeReference:
		if v.typ == TypeString {
			return ReferenceText(v.s)
		}
	case t == TypeChar16:
		if v.typ == TypeString {
			u := utf16.Encode([]rune(v.s))
			if len(u) == 1 {
				return Char16(u[0]), nil
			}
			return Value{}, mismatch(v, t)
		}
		if n, ok := v.Int(); ok && v.typ.IsInteger() && n >= 0 && n <= math.MaxUint16 {
			return Char16(uint16(n)), nil
		}
	case t == TypeObject:
		// An embedded object of one class holds any object: there is nothing to convert.
	}
	return Value{}, mismatch(v, t)
}

// toInteger converts a numeric or string value to the integer type t.
func (v Value) toInteger(t Type) (Value, error) {
	var (
		neg bool   // the value is negative
		mag uint64 // its magnitude
	)
	switch {
	case v.typ.IsSigned():
		n := int64(v.n)
		neg = n < 0
		mag = uint64(n)
		if neg {
			mag = uint64(-n)
		}
	case v.typ.IsInteger(), v.typ == TypeChar16:
		mag = v.n
	case v.typ.IsReal():
		f, _ := v.Float()
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= 1<<64 {
			return Value{}, mismatch(v, t)
		}
		neg = f < 0
		mag = uint64(math.Abs(f))
	case v.typ == TypeString:
		s := strings.TrimSpace(v.s)
		if s != "" && (s[0] == '-' || s[0] == '+') {
			neg = s[0] == '-'
			s = s[1:]
		}
		base := 10
		if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
			base, s = 16, s[2:]
		}
		var err error
		if mag, err = strconv.ParseUint(s, base, 64); err != nil {
			return Value{}, mismatch(v, t)
		}
	default:
		return Value{}, mismatch(v, t)
	}
	bits := t.bits()
	if t.IsSigned() {
		limit := uint64(1) << (bits - 1) // |min|; max is limit-1
		if (neg && mag > limit) || (!neg && mag > limit-1) {
			return Value{}, status.Errorf(status.TypeMismatch, "%s is out of range for %s", quoteForError(v), t)
		}
		n := int64(mag)
		if neg {
			n = -n
		}
		return Value{typ: t, valid: true, n: uint64(n)}, nil
	}
	if neg && mag != 0 {
		return Value{}, status.Errorf(status.TypeMismatch, "%s is out of range for %s", quoteForError(v), t)
	}
	if bits < 64 && mag >= 1<<bits {
		return Value{}, status.Errorf(status.TypeMismatch, "%s is out of range for %s", quoteForError(v), t)
	}
	return Value{typ: t, valid: true, n: mag}, nil
}

func valueOfSlice(x any) (Value, error) {
	conv := func(n int, elem Type, at func(int) Value) (Value, error) {
		out := make([]Value, n)
		for i := range out {
			out[i] = at(i)
		}
		return Value{typ: elem | TypeArray, valid: true, x: out}, nil
	}
	switch s := x.(type) {
	case []int8:
		return conv(len(s), TypeSint8, func(i int) Value { return Sint8(s[i]) })
	case []uint8:
		return conv(len(s), TypeUint8, func(i int) Value { return Uint8(s[i]) })
	case []int16:
		return conv(len(s), TypeSint16, func(i int) Value { return Sint16(s[i]) })
	case []uint16:
		return conv(len(s), TypeUint16, func(i int) Value { return Uint16(s[i]) })
	case []int32:
		return conv(len(s), TypeSint32, func(i int) Value { return Sint32(s[i]) })
	case []uint32:
		return conv(len(s), TypeUint32, func(i int) Value { return Uint32(s[i]) })
	case []int64:
		return conv(len(s), TypeSint64, func(i int) Value { return Sint64(s[i]) })
	case []uint64:
		return conv(len(s), TypeUint64, func(i int) Value { return Uint64(s[i]) })
	case []int:
		return conv(len(s), TypeSint64, func(i int) Value { return Sint64(int64(s[i])) })
	case []uint:
		return conv(len(s), TypeUint64, func(i int) Value { return Uint64(uint64(s[i])) })
	case []float32:
		return conv(len(s), TypeReal32, func(i int) Value { return Real32(s[i]) })
	case []float64:
		return conv(len(s), TypeReal64, func(i int) Value { return Real64(s[i]) })
	case []bool:
		return conv(len(s), TypeBoolean, func(i int) Value { return Boolean(s[i]) })
	case []time.Time:
		return conv(len(s), TypeDateTime, func(i int) Value { return DateTimeValue(FromTime(s[i])) })
	case []DateTime:
		return conv(len(s), TypeDateTime, func(i int) Value { return DateTimeValue(s[i]) })
	case []Object:
		return conv(len(s), TypeObject, func(i int) Value { return Embedded(s[i]) })
	}
	return Value{}, status.Errorf(status.TypeMismatch, "no CIM type for Go type %T", x)
}

// GoString helps %#v.
func (v Value) GoString() string {
	if !v.valid {
		return fmt.Sprintf("cim.Null(%s)", v.typ)
	}
	return fmt.Sprintf("cim.Value{%s %s}", v.typ, quoteForError(v))
}
