package cim

// JSON encoding of objects that keeps every CIM type exact.
//
// An object is a JSON object. An instance:
//
//	{"genus":2,"class":"Win32_Process","derivation":["CIM_Process","CIM_LogicalElement"],
//	 "namespace":"root\\cimv2","server":"SRV",
//	 "qualifiers":{"Note":{"type":"string","value":"x","flavor":1}},
//	 "properties":{
//	   "Handle":{"type":"string","key":true,"value":"4"},
//	   "KernelModeTime":{"type":"uint64","value":"18446744073709551615"},
//	   "Priority":{"type":"uint32","default":true,"value":8},
//	   "Parent":{"type":"ref","class":"Win32_Process","value":"Win32_Process.Handle=\"0\""},
//	   "Startup":{"type":"object","class":"Win32_ProcessStartup","value":{"genus":2,...}},
//	   "Names":{"type":"string[]","value":["a","b"]},
//	   "Caption":{"type":"string","value":null}}}
//
// A class:
//
//	{"genus":1,"class":"Win32_Process","superclass":"CIM_Process","namespace":"root\\cimv2",
//	 "qualifiers":{"dynamic":{"type":"boolean","value":true,"flavor":3}},
//	 "properties":{"Handle":{"type":"string","qualifiers":{"key":{...}},"value":null}},
//	 "methods":{"Create":{"type":"uint32","qualifiers":{...},
//	   "parameters":{"CommandLine":{"type":"string","qualifiers":{"In":{...}}}}}}}
//
// Top-level members: "genus" (1 class, 2 instance; required), "class"
// (required), "namespace" and "server" (left out when empty), "qualifiers"
// (the object's own qualifiers: Class.Qualifiers, Instance.Qualifiers; left
// out when none), "properties". Classes also have "superclass" (left out for
// a root class) and "methods"; instances have "derivation" (the class's
// ancestors, nearest first, when the class has any) and "singleton":true for
// an instance of a singleton class.
//
// Properties, methods, parameters and qualifiers are JSON objects keyed by
// name, in order: an instance lists every property of its class in the
// class's order; a class lists only the properties and methods it declares
// itself (Class.Properties, Class.Methods: new ones and overrides); a method
// lists its parameters in declaration order. Members of a property:
//
//	"type"       the CIM type as MOF names it, "[]" for arrays: "uint32",
//	             "string[]", "ref", "object", "datetime[]" (required);
//	"class"      ClassRef, for "ref" and "object" types, when not "";
//	"key"        true on key properties (instances only);
//	"default"    true when the instance has not set the property itself and
//	             holds the class default (instances only; Instance.IsSet);
//	"qualifiers" the property's or parameter's qualifiers (classes only);
//	"value"      the value; null for a NULL of the property's type; left out
//	             for an untyped NULL (the zero Value), which is what a Go
//	             struct literal without a Value holds.
//
// A method has "type" (the return type, "void" for none), "class" (ReturnRef),
// "qualifiers" and "parameters". A qualifier has "type" (left out for the
// zero Value), "value" and "flavor" (the WBEM_FLAVOR_TYPE bits as a number;
// FlavorDefault when left out).
//
// Values, by type:
//
//	sint8 ... uint32   JSON numbers
//	sint64, uint64     decimal strings ("18446744073709551615"), so that they
//	                   stay exact in JavaScript and other float64 readers;
//	                   numbers are accepted when decoding
//	real32, real64     JSON numbers in the shortest form that parses back to
//	                   the same bits at the type's size (-0 is "-0"); NaN and
//	                   infinities as the strings "NaN", "Infinity" and
//	                   "-Infinity"; a NaN other than Go's math.NaN() (for
//	                   real32, float32(math.NaN())) as its bits in hex,
//	                   "0x7ff4000000000000", which is accepted for any real
//	boolean            true, false
//	string             JSON strings (invalid UTF-8 becomes U+FFFD)
//	datetime           the 25-character DATETIME or interval text
//	ref                the object path text
//	char16             a one-character string; a lone surrogate is written
//	                   as a \uXXXX escape, which this decoder reads back
//	                   exactly (other JSON readers may not); a number (the
//	                   UTF-16 unit) is accepted when decoding
//	object             the embedded object, in this format, recursively
//	arrays             JSON arrays of the element encodings (no nulls)
//
// Decoding. An instance is decoded against its class: with resolve, the
// class resolve returns for "class"; the instance is spawned from it and each
// property without "default" is Put (a value that does not convert is
// WBEM_E_TYPE_MISMATCH, a property the class lacks WBEM_E_INVALID_PROPERTY),
// while "default" properties keep the resolved class's default. With resolve
// nil, or when it fails with WBEM_E_NOT_FOUND or WBEM_E_INVALID_CLASS (or
// returns a nil class), the class is synthesized from the JSON: a chain of
// empty classes named by "derivation", and a leaf class with the JSON's
// properties in order, their types and ClassRefs, a Key qualifier where
// "key" is true, the values of "default" properties as class defaults, and a
// Singleton qualifier for "singleton"; so a client without the schema still
// gets typed values, a working __RELPATH and __PATH, __DERIVATION and
// InheritsFrom. Other errors of resolve are returned as they are.
//
// A class is decoded with its superclass linked through resolve and checked
// (Class.SetParent). Without resolve (or when the superclass is not found),
// a class with a superclass is left unlinked with Superclass set: its
// inherited view is then unusable, and Validate fails with
// WBEM_E_INVALID_SUPERCLASS, until the caller links it with SetParent. A
// root class is validated.
//
// Errors. Malformed JSON, a missing, unknown or misplaced member, a duplicate
// name (compared case-insensitively), or a qualifier name that is not a CIM
// identifier is WBEM_E_INVALID_PARAMETER; a value that is not of its "type"
// (a JSON value of another kind, out of range, an invalid datetime or object
// path, a NULL array element) WBEM_E_TYPE_MISMATCH; an unknown type
// WBEM_E_INVALID_CIM_TYPE; a reference or object qualifier
// WBEM_E_INVALID_QUALIFIER_TYPE; undefined flavor bits
// WBEM_E_INVALID_FLAVOR; a class (or synthesized class) that fails
// Validate, the code Validate gives. Descriptions give the byte offset.
// Embedded objects nest at most maxJSONDepth (64) deep, in both directions.
// Nothing in the input makes the decoder panic (FuzzUnmarshalObject).
//
// MarshalObject writes compact JSON; use json.Indent for a readable form.
//
// The encoder and decoder are written by hand over byte slices: they are
// several times faster than encoding/json with reflection and json.RawMessage
// would be here, keep member order (which a map-based decoder loses), and
// see the exact text of numbers.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gowmi/gowmi/wbem/status"
)

// maxJSONDepth is how deeply embedded objects may nest in JSON.
const maxJSONDepth = 64

// MarshalObject returns the JSON encoding of a class or an instance. See the
// format at the top of json.go.
func MarshalObject(o Object) ([]byte, error) {
	e := jenc{b: make([]byte, 0, 1024)}
	if err := e.object(o); err != nil {
		return nil, err
	}
	return e.b, nil
}

// UnmarshalObject decodes an object encoded by MarshalObject. resolve, which
// may be nil, returns the class of an instance and the superclass of a class
// by name; see the top of json.go.
func UnmarshalObject(data []byte, resolve func(class string) (*Class, error)) (Object, error) {
	d := jdec{data: data, resolve: resolve}
	d.ws()
	o, err := d.object()
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.pos != len(d.data) {
		return nil, d.syntax("unexpected data after the object")
	}
	return o, nil
}

// ---- Encoding ----

// jsonTypeNames holds the "type" text of every valid type, scalar and
// array, indexed by base type; jsonTypes maps the text back. They spare the
// encoder and decoder Type.String and ParseType (a map lookup and an
// allocation each).
var (
	jsonTypeNames [2][TypeChar16 + 1]string
	jsonTypes     = map[string]Type{}
)

func init() {
	for t, n := range typeNames {
		if t == TypeEmpty {
			continue
		}
		jsonTypeNames[0][t] = n
		jsonTypeNames[1][t] = n + "[]"
		jsonTypes[n] = t
		jsonTypes[n+"[]"] = t | TypeArray
	}
}

// typeText returns the "type" text of a type, "" for TypeEmpty and invalid
// types.
func typeText(t Type) string {
	b := t.Base()
	if b > TypeChar16 || t&^(TypeArray|0xFF) != 0 {
		return ""
	}
	if t.IsArray() {
		return jsonTypeNames[1][b]
	}
	return jsonTypeNames[0][b]
}

type jenc struct {
	b     []byte
	depth int
}

func (e *jenc) object(o Object) error {
	if e.depth >= maxJSONDepth {
		return status.Errorf(status.InvalidParameter, "embedded objects nest more than %d deep", maxJSONDepth)
	}
	e.depth++
	defer func() { e.depth-- }()
	switch o := o.(type) {
	case *Instance:
		if o == nil {
			break
		}
		return e.instance(o)
	case *Class:
		if o == nil {
			break
		}
		return e.class(o)
	}
	return status.Errorf(status.InvalidParameter, "cannot encode %T as a CIM object", o)
}

func (e *jenc) header(genus Genus, class, ns, server string) {
	e.b = append(e.b, `{"genus":`...)
	e.b = strconv.AppendInt(e.b, int64(genus), 10)
	e.b = append(e.b, `,"class":`...)
	e.b = appendJSONString(e.b, class)
	if ns != "" {
		e.b = append(e.b, `,"namespace":`...)
		e.b = appendJSONString(e.b, ns)
	}
	if server != "" {
		e.b = append(e.b, `,"server":`...)
		e.b = appendJSONString(e.b, server)
	}
}

func (e *jenc) instance(i *Instance) error {
	c := i.class
	e.header(GenusInstance, c.Name, i.Namespace, i.Server)
	if d := i.lay.derivation; len(d) > 0 {
		e.b = append(e.b, `,"derivation":[`...)
		for k, n := range d {
			if k > 0 {
				e.b = append(e.b, ',')
			}
			e.b = appendJSONString(e.b, n)
		}
		e.b = append(e.b, ']')
	}
	if i.lay.quals.Has("Singleton") {
		e.b = append(e.b, `,"singleton":true`...)
	}
	if err := e.qualifiers(i.Qualifiers); err != nil {
		return err
	}
	e.b = append(e.b, `,"properties":{`...)
	keys := i.lay.keys // ascending indices of the key properties
	for k, p := range i.lay.props {
		if k > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendJSONString(e.b, p.Name)
		e.b = append(e.b, ':')
		if err := e.typeHead(p.Type, p.ClassRef); err != nil {
			return err
		}
		if len(keys) > 0 && keys[0] == k {
			keys = keys[1:]
			e.b = append(e.b, `,"key":true`...)
		}
		if !i.IsSet(k) {
			e.b = append(e.b, `,"default":true`...)
		}
		if err := e.valueMember(i.At(k), p.Type); err != nil {
			return err
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, "}}"...)
	return nil
}

func (e *jenc) class(c *Class) error {
	e.header(GenusClass, c.Name, c.Namespace, c.Server)
	if c.Superclass != "" {
		e.b = append(e.b, `,"superclass":`...)
		e.b = appendJSONString(e.b, c.Superclass)
	}
	if err := e.qualifiers(c.Qualifiers); err != nil {
		return err
	}
	if len(c.Properties) > 0 {
		e.b = append(e.b, `,"properties":`...)
		if err := e.properties(c.Properties); err != nil {
			return err
		}
	}
	if len(c.Methods) > 0 {
		e.b = append(e.b, `,"methods":{`...)
		for k, m := range c.Methods {
			if k > 0 {
				e.b = append(e.b, ',')
			}
			e.b = appendJSONString(e.b, m.Name)
			e.b = append(e.b, ':')
			if m.ReturnType == TypeEmpty {
				e.b = append(e.b, `{"type":"void"`...)
			} else if err := e.typeHead(m.ReturnType, m.ReturnRef); err != nil {
				return err
			}
			if err := e.qualifiers(m.Qualifiers); err != nil {
				return err
			}
			if len(m.Parameters) > 0 {
				e.b = append(e.b, `,"parameters":`...)
				if err := e.properties(m.Parameters); err != nil {
					return err
				}
			}
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, '}')
	return nil
}

// properties writes class properties or parameters as a JSON object.
func (e *jenc) properties(ps []*Property) error {
	e.b = append(e.b, '{')
	for k, p := range ps {
		if k > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendJSONString(e.b, p.Name)
		e.b = append(e.b, ':')
		if err := e.typeHead(p.Type, p.ClassRef); err != nil {
			return err
		}
		if err := e.qualifiers(p.Qualifiers); err != nil {
			return err
		}
		if err := e.valueMember(p.Value, p.Type); err != nil {
			return err
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, '}')
	return nil
}

// typeHead writes `{"type":"t"` and the "class" member.
func (e *jenc) typeHead(t Type, classRef string) error {
	text := typeText(t)
	if text == "" {
		return status.Errorf(status.InvalidCIMType, "cannot encode CIM type %#x", uint16(t))
	}
	e.b = append(e.b, `{"type":"`...)
	e.b = append(e.b, text...)
	e.b = append(e.b, '"')
	if classRef != "" {
		e.b = append(e.b, `,"class":`...)
		e.b = appendJSONString(e.b, classRef)
	}
	return nil
}

// valueMember writes `,"value":v` for a value of declared type t, converting
// it when its type differs; an untyped NULL is left out.
func (e *jenc) valueMember(v Value, t Type) error {
	if v.IsNull() && v.Type() == TypeEmpty {
		return nil
	}
	if v.Type() != t {
		cv, err := v.Convert(t)
		if err != nil {
			return err
		}
		v = cv
	}
	e.b = append(e.b, `,"value":`...)
	return e.value(v)
}

func (e *jenc) qualifiers(qs Qualifiers) error {
	if len(qs) == 0 {
		return nil
	}
	e.b = append(e.b, `,"qualifiers":{`...)
	for k, q := range qs {
		if k > 0 {
			e.b = append(e.b, ',')
		}
		t := q.Value.Type()
		if !ValidName(q.Name) || !validQualifierType(t) {
			return status.Errorf(status.InvalidQualifierType, "cannot encode qualifier %q of type %s", q.Name, t)
		}
		e.b = appendJSONString(e.b, q.Name)
		e.b = append(e.b, ':')
		if t == TypeEmpty {
			e.b = append(e.b, '{')
		} else {
			if err := e.typeHead(t, ""); err != nil {
				return err
			}
			e.b = append(e.b, ',')
		}
		if !(q.Value.IsNull() && t == TypeEmpty) {
			e.b = append(e.b, `"value":`...)
			if err := e.value(q.Value); err != nil {
				return err
			}
			e.b = append(e.b, ',')
		}
		e.b = append(e.b, `"flavor":`...)
		e.b = strconv.AppendUint(e.b, uint64(q.Flavor), 10)
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, '}')
	return nil
}

// canonicalNaN32 is the bits of float32(math.NaN()), which "NaN" decodes to.
var canonicalNaN32 = func() uint32 { n := math.NaN(); return math.Float32bits(float32(n)) }()

func (e *jenc) value(v Value) error {
	if v.IsNull() {
		e.b = append(e.b, "null"...)
		return nil
	}
	t := v.Type()
	if t.IsArray() {
		a, _ := v.Array()
		e.b = append(e.b, '[')
		for k, x := range a {
			if k > 0 {
				e.b = append(e.b, ',')
			}
			if x.IsNull() {
				return status.Errorf(status.TypeMismatch, "array element %d is NULL", k)
			}
			if err := e.value(x); err != nil {
				return err
			}
		}
		e.b = append(e.b, ']')
		return nil
	}
	switch t {
	case TypeSint8, TypeSint16, TypeSint32:
		e.b = strconv.AppendInt(e.b, int64(v.n), 10)
	case TypeUint8, TypeUint16, TypeUint32:
		e.b = strconv.AppendUint(e.b, v.n, 10)
	case TypeSint64:
		e.b = append(e.b, '"')
		e.b = strconv.AppendInt(e.b, int64(v.n), 10)
		e.b = append(e.b, '"')
	case TypeUint64:
		e.b = append(e.b, '"')
		e.b = strconv.AppendUint(e.b, v.n, 10)
		e.b = append(e.b, '"')
	case TypeReal32:
		f := math.Float32frombits(uint32(v.n))
		if f != f && uint32(v.n) != canonicalNaN32 {
			e.b = append(e.b, `"0x`...)
			e.b = appendHex(e.b, v.n&0xFFFFFFFF, 8)
			e.b = append(e.b, '"')
			break
		}
		e.b = appendJSONFloat(e.b, float64(f), 32)
	case TypeReal64:
		f := math.Float64frombits(v.n)
		if f != f && v.n != math.Float64bits(math.NaN()) {
			e.b = append(e.b, `"0x`...)
			e.b = appendHex(e.b, v.n, 16)
			e.b = append(e.b, '"')
			break
		}
		e.b = appendJSONFloat(e.b, f, 64)
	case TypeBoolean:
		if v.n != 0 {
			e.b = append(e.b, "true"...)
		} else {
			e.b = append(e.b, "false"...)
		}
	case TypeString, TypeDateTime, TypeReference:
		e.b = appendJSONString(e.b, v.s)
	case TypeChar16:
		u := uint16(v.n)
		if utf16.IsSurrogate(rune(u)) {
			e.b = append(e.b, `"\u`...)
			e.b = appendHex(e.b, uint64(u), 4)
			e.b = append(e.b, '"')
			break
		}
		e.b = appendJSONString(e.b, string(rune(u)))
	case TypeObject:
		o, _ := v.x.(Object)
		return e.object(o)
	default:
		return status.Errorf(status.InvalidCIMType, "cannot encode CIM type %#x", uint16(t))
	}
	return nil
}

func appendHex(b []byte, n uint64, digits int) []byte {
	const hex = "0123456789abcdef"
	for k := digits - 1; k >= 0; k-- {
		b = append(b, hex[n>>(4*k)&0xF])
	}
	return b
}

func appendJSONFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// U+2028 and U+2029 are escaped, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, `\u00`...)
				b = appendHex(b, uint64(c), 2)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, byte('0'+r-'\u2028'+8))
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ---- Decoding ----

type jdec struct {
	data    []byte
	pos     int
	resolve func(string) (*Class, error)
	depth   int // embedded objects being decoded
	skipped int // JSON nesting while skipping a value
}

func (d *jdec) syntax(format string, args ...any) error {
	return status.Errorf(status.InvalidParameter, "JSON at offset %d: "+format, append([]any{d.pos}, args...)...)
}

func (d *jdec) errAt(pos int, code status.Code, format string, args ...any) error {
	return status.Errorf(code, "JSON at offset %d: "+format, append([]any{pos}, args...)...)
}

func (d *jdec) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jdec) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *jdec) expect(c byte) error {
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return nil
	}
	if d.pos >= len(d.data) {
		return d.syntax("unexpected end of input, expected %q", c)
	}
	return d.syntax("expected %q, found %q", c, d.data[d.pos])
}

// literal consumes true, false or null when it is next.
func (d *jdec) literal(word string) bool {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return true
	}
	return false
}

// str reads a JSON string. The result may alias the input; callers copy it.
func (d *jdec) str() ([]byte, error) {
	if d.peek() != '"' {
		if d.pos >= len(d.data) {
			return nil, d.syntax("unexpected end of input, expected a string")
		}
		return nil, d.syntax("expected a string")
	}
	d.pos++
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			d.pos++
			return d.data[start : d.pos-1], nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		d.pos++
	}
	// The decoded string is no longer than its raw text: find its end.
	end := d.pos
	for end < len(d.data) && d.data[end] != '"' {
		if d.data[end] == '\\' {
			end++
		}
		end++
	}
	buf := make([]byte, d.pos-start, min(end, len(d.data))-start+utf8.UTFMax)
	copy(buf, d.data[start:d.pos])
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return buf, nil
		case c < 0x20:
			return nil, d.syntax("control character %#x in a string", c)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, d.data[d.pos:d.pos+size]...)
			}
			d.pos += size
		case c != '\\':
			buf = append(buf, c)
			d.pos++
		default:
			if d.pos+1 >= len(d.data) {
				return nil, d.syntax("unterminated string")
			}
			esc := d.data[d.pos+1]
			d.pos += 2
			switch esc {
			case '"', '\\', '/':
				buf = append(buf, esc)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return nil, d.syntax("bad \\u escape")
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if r < 0xDC00 && d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
						save := d.pos
						d.pos += 2
						var ok2 bool
						if r2, ok2 = d.hex4(); !ok2 {
							return nil, d.syntax("bad \\u escape")
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
						} else {
							d.pos = save
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return nil, d.syntax("bad escape \\%c", esc)
			}
		}
	}
	return nil, d.syntax("unterminated string")
}

func (d *jdec) hex4() (rune, bool) {
	if d.pos+4 > len(d.data) {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

// number reads a JSON number and returns its text.
func (d *jdec) number() ([]byte, error) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.peek() == '-' {
		d.pos++
	}
	switch {
	case d.peek() == '0':
		d.pos++
	case d.peek() >= '1' && d.peek() <= '9':
		digits()
	default:
		return nil, d.syntax("invalid number")
	}
	if d.peek() == '.' {
		d.pos++
		if digits() == 0 {
			return nil, d.syntax("invalid number")
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.pos++
		if c := d.peek(); c == '+' || c == '-' {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.syntax("invalid number")
		}
	}
	return d.data[start:d.pos], nil
}

// skip reads over any JSON value, checking its syntax.
func (d *jdec) skip() error {
	d.ws()
	switch c := d.peek(); {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{' || c == '[':
		d.skipped++
		defer func() { d.skipped-- }()
		if d.skipped > 4*maxJSONDepth {
			return d.syntax("JSON nests too deeply")
		}
		d.pos++
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		d.ws()
		if d.peek() == end {
			d.pos++
			return nil
		}
		for {
			if c == '{' {
				d.ws()
				if _, err := d.str(); err != nil {
					return err
				}
				if err := d.expect(':'); err != nil {
					return err
				}
			}
			if err := d.skip(); err != nil {
				return err
			}
			d.ws()
			switch d.peek() {
			case ',':
				d.pos++
			case end:
				d.pos++
				return nil
			default:
				return d.syntax("expected ',' or %q", end)
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		_, err := d.number()
		return err
	case d.literal("true"), d.literal("false"), d.literal("null"):
		return nil
	case d.pos >= len(d.data):
		return d.syntax("unexpected end of input")
	}
	return d.syntax("unexpected %q", d.peek())
}

// members reads a JSON object, calling f for each member with the decoder
// at the member's value; f must read the value. The key may alias the input.
func (d *jdec) members(f func(key []byte) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	d.ws()
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		d.ws()
		if err := f(key); err != nil {
			return err
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.syntax("expected ',' or '}'")
		}
	}
}

func (d *jdec) boolean() (bool, error) {
	switch {
	case d.literal("true"):
		return true, nil
	case d.literal("false"):
		return false, nil
	}
	return false, d.syntax("expected true or false")
}

func (d *jdec) stringValue() (string, error) {
	s, err := d.str()
	return string(s), err
}

// typeName reads a "type" member.
func (d *jdec) typeName(allowVoid bool) (Type, error) {
	pos := d.pos
	s, err := d.str()
	if err != nil {
		return 0, err
	}
	if allowVoid && string(s) == "void" {
		return TypeEmpty, nil
	}
	if t, ok := jsonTypes[string(s)]; ok {
		return t, nil
	}
	t, err := ParseType(string(s))
	if err != nil {
		return 0, d.errAt(pos, status.InvalidCIMType, "unknown CIM type %q", s)
	}
	return t, nil
}

// wrapAt returns err with its code, its description prefixed by the offset.
func wrapAt(pos int, err error) error {
	e := status.From(err)
	return &status.Error{Code: e.Code, Description: fmt.Sprintf("JSON at offset %d: %s", pos, e.Description), Err: err}
}

func unknownMember(d *jdec, pos int, key []byte, where string) error {
	return d.errAt(pos, status.InvalidParameter, "unknown member %q in %s", key, where)
}

// object decodes a class or an instance.
func (d *jdec) object() (Object, error) {
	if d.depth >= maxJSONDepth {
		return nil, d.syntax("embedded objects nest more than %d deep", maxJSONDepth)
	}
	d.depth++
	defer func() { d.depth-- }()
	start := d.pos
	var (
		genus                               int64
		name, super, ns, server             string
		hasSuper, hasDeriv, singleton, hasS bool
		deriv                               []string
		quals                               Qualifiers
		props                               []jprop
		methods                             []*Method
		seen                                uint16
		cls                                 *Class // the resolved class of an instance
		looked                              bool   // cls was looked up
	)
	err := d.members(func(key []byte) error {
		pos := d.pos
		bit := uint16(0)
		var err error
		switch string(key) {
		case "genus":
			bit = 1 << 0
			var text []byte
			if text, err = d.number(); err == nil {
				genus, err = strconv.ParseInt(string(text), 10, 32)
				if err != nil || (genus != int64(GenusClass) && genus != int64(GenusInstance)) {
					return d.errAt(pos, status.InvalidParameter, "genus %s is neither 1 (class) nor 2 (instance)", text)
				}
			}
		case "class":
			bit = 1 << 1
			name, err = d.stringValue()
		case "superclass":
			bit, hasSuper = 1<<2, true
			super, err = d.stringValue()
		case "namespace":
			bit = 1 << 3
			ns, err = d.stringValue()
		case "server":
			bit = 1 << 4
			server, err = d.stringValue()
		case "derivation":
			bit, hasDeriv = 1<<5, true
			deriv, err = d.stringArray()
		case "singleton":
			bit, hasS = 1<<6, true
			singleton, err = d.boolean()
		case "qualifiers":
			bit = 1 << 7
			quals, err = d.qualifiers()
		case "properties":
			bit = 1 << 8
			// When the class is known by now (MarshalObject writes genus and
			// class first), resolve it at once: its property names spare
			// the decoder a string per property.
			var hint *Class
			if genus == int64(GenusInstance) && name != "" && d.resolve != nil && !looked {
				if cls, err = d.lookup(name); err != nil {
					return err
				}
				looked, hint = true, cls
			}
			props, err = d.properties(hint)
		case "methods":
			bit = 1 << 9
			methods, err = d.methods()
		default:
			return unknownMember(d, pos, key, "an object")
		}
		if err == nil && seen&bit != 0 {
			return d.errAt(pos, status.InvalidParameter, "duplicate member %q", key)
		}
		seen |= bit
		return err
	})
	if err != nil {
		return nil, err
	}
	if seen&1 == 0 {
		return nil, d.errAt(start, status.InvalidParameter, "object has no genus")
	}
	if name == "" {
		return nil, d.errAt(start, status.InvalidParameter, "object has no class name")
	}
	if genus == int64(GenusClass) {
		if hasDeriv || hasS {
			return nil, d.errAt(start, status.InvalidParameter, "class %s: derivation and singleton are members of instances", name)
		}
		return d.buildClass(start, name, super, ns, server, quals, props, methods)
	}
	if hasSuper || seen&(1<<9) != 0 {
		return nil, d.errAt(start, status.InvalidParameter, "instance of %s: superclass and methods are members of classes", name)
	}
	if !looked {
		if cls, err = d.lookup(name); err != nil {
			return nil, err
		}
	}
	return d.buildInstance(start, cls, name, ns, server, deriv, singleton, quals, props)
}

func (d *jdec) stringArray() ([]string, error) {
	if err := d.expect('['); err != nil {
		return nil, err
	}
	out := []string{}
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return out, nil
	}
	for {
		d.ws()
		s, err := d.stringValue()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return out, nil
		default:
			return nil, d.syntax("expected ',' or ']'")
		}
	}
}

// jprop is a property or parameter as the JSON gives it.
type jprop struct {
	pos      int
	idx      int // index in the resolved class's properties, or -1
	name     string
	typ      Type
	classRef string
	key      bool
	dflt     bool
	hasKey   bool // "key" or "default" present: instance members
	value    Value
	quals    Qualifiers
	hasQuals bool
}

// typedValue reads the "value" member of something whose type member may
// come before or after it: the value is decoded at once when the type is
// known, otherwise its extent is remembered and decoded by finish.
type typedValue struct {
	has, deferred bool
	start, end    int
}

func (d *jdec) deferValue(tv *typedValue) error {
	tv.has, tv.deferred = true, true
	tv.start = d.pos
	if err := d.skip(); err != nil {
		return err
	}
	tv.end = d.pos
	return nil
}

func (d *jdec) finishValue(tv typedValue, t Type) (Value, error) {
	sub := *d
	sub.pos = tv.start
	sub.data = d.data[:tv.end]
	return sub.value(t)
}

// properties reads class or instance properties, or parameters. hint, when
// not nil, is the class of the instance.
func (d *jdec) properties(hint *Class) ([]jprop, error) {
	var out []jprop
	if hint != nil {
		out = make([]jprop, 0, len(hint.AllProperties()))
	}
	err := d.members(func(key []byte) error {
		p := jprop{pos: d.pos, idx: -1}
		if hint != nil {
			if p.idx = hint.PropertyIndex(string(key)); p.idx >= 0 {
				p.name = hint.AllProperties()[p.idx].Name
			}
		}
		if p.idx < 0 {
			p.name = string(key)
		}
		for k := range out {
			if p.idx >= 0 && out[k].idx == p.idx || p.idx < 0 && strings.EqualFold(out[k].name, p.name) {
				return d.errAt(p.pos, status.InvalidParameter, "property %s appears twice", p.name)
			}
		}
		var (
			tv      typedValue
			hasType bool
		)
		err := d.members(func(key []byte) error {
			pos := d.pos
			var err error
			switch string(key) {
			case "type":
				if hasType {
					return d.errAt(pos, status.InvalidParameter, "duplicate type of property %s", p.name)
				}
				hasType = true
				p.typ, err = d.typeName(false)
			case "class":
				p.classRef, err = d.stringValue()
			case "key":
				p.hasKey = true
				p.key, err = d.boolean()
			case "default":
				p.hasKey = true
				p.dflt, err = d.boolean()
			case "qualifiers":
				p.hasQuals = true
				p.quals, err = d.qualifiers()
			case "value":
				if tv.has {
					return d.errAt(pos, status.InvalidParameter, "duplicate value of property %s", p.name)
				}
				if hasType {
					tv.has = true
					p.value, err = d.value(p.typ)
				} else {
					err = d.deferValue(&tv)
				}
			default:
				return unknownMember(d, pos, key, "property "+p.name)
			}
			return err
		})
		if err != nil {
			return err
		}
		if !hasType {
			return d.errAt(p.pos, status.InvalidParameter, "property %s has no type", p.name)
		}
		if p.classRef != "" && p.typ.Base() != TypeReference && p.typ.Base() != TypeObject {
			return d.errAt(p.pos, status.InvalidParameter, "property %s of type %s has a class", p.name, p.typ)
		}
		if tv.deferred {
			if p.value, err = d.finishValue(tv, p.typ); err != nil {
				return err
			}
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func (d *jdec) qualifiers() (Qualifiers, error) {
	out := Qualifiers{}
	err := d.members(func(key []byte) error {
		q := Qualifier{Name: string(key), Flavor: FlavorDefault}
		qpos := d.pos
		if !ValidName(q.Name) {
			return d.errAt(qpos, status.InvalidParameter, "invalid qualifier name %q", q.Name)
		}
		if out.Index(q.Name) >= 0 {
			return d.errAt(qpos, status.InvalidParameter, "qualifier %s appears twice", q.Name)
		}
		var (
			tv      typedValue
			hasType bool
			t       Type
		)
		err := d.members(func(key []byte) error {
			pos := d.pos
			var err error
			switch string(key) {
			case "type":
				if hasType {
					return d.errAt(pos, status.InvalidParameter, "duplicate type of qualifier %s", q.Name)
				}
				hasType = true
				t, err = d.typeName(false)
			case "flavor":
				var text []byte
				if text, err = d.number(); err == nil {
					f, perr := strconv.ParseUint(string(text), 10, 32)
					if perr != nil || Flavor(f)&^(flavorSettableMask|FlavorMaskOrigin) != 0 {
						return d.errAt(pos, status.InvalidFlavor, "invalid flavor %s of qualifier %s", text, q.Name)
					}
					q.Flavor = Flavor(f)
				}
			case "value":
				if tv.has {
					return d.errAt(pos, status.InvalidParameter, "duplicate value of qualifier %s", q.Name)
				}
				if hasType {
					tv.has = true
					q.Value, err = d.value(t)
				} else {
					err = d.deferValue(&tv)
				}
			default:
				return unknownMember(d, pos, key, "qualifier "+q.Name)
			}
			return err
		})
		if err != nil {
			return err
		}
		if tv.deferred {
			if !hasType {
				sub := *d
				sub.pos, sub.data = tv.start, d.data[:tv.end]
				if !sub.literal("null") {
					return d.errAt(tv.start, status.InvalidParameter, "qualifier %s has a value but no type", q.Name)
				}
			} else if q.Value, err = d.finishValue(tv, t); err != nil {
				return err
			}
		}
		if hasType && !tv.has {
			return d.errAt(qpos, status.InvalidParameter, "qualifier %s has a type but no value", q.Name)
		}
		if !validQualifierType(t) {
			return d.errAt(qpos, status.InvalidQualifierType, "qualifier %s cannot be of type %s", q.Name, t)
		}
		out = append(out, q)
		return nil
	})
	return out, err
}

func (d *jdec) methods() ([]*Method, error) {
	out := []*Method{}
	err := d.members(func(key []byte) error {
		m := &Method{Name: string(key)}
		mpos := d.pos
		for _, o := range out {
			if strings.EqualFold(o.Name, m.Name) {
				return d.errAt(mpos, status.InvalidParameter, "method %s appears twice", m.Name)
			}
		}
		hasType := false
		err := d.members(func(key []byte) error {
			pos := d.pos
			var err error
			switch string(key) {
			case "type":
				if hasType {
					return d.errAt(pos, status.InvalidParameter, "duplicate type of method %s", m.Name)
				}
				hasType = true
				m.ReturnType, err = d.typeName(true)
			case "class":
				m.ReturnRef, err = d.stringValue()
			case "qualifiers":
				m.Qualifiers, err = d.qualifiers()
			case "parameters":
				var ps []jprop
				if ps, err = d.properties(nil); err == nil {
					m.Parameters = make([]*Property, len(ps))
					for k, p := range ps {
						if p.hasKey {
							return d.errAt(p.pos, status.InvalidParameter, "key and default are not members of parameter %s", p.name)
						}
						m.Parameters[k] = &Property{Name: p.name, Type: p.typ, ClassRef: p.classRef, Value: p.value, Qualifiers: p.quals}
					}
				}
			default:
				return unknownMember(d, pos, key, "method "+m.Name)
			}
			return err
		})
		if err != nil {
			return err
		}
		if !hasType {
			return d.errAt(mpos, status.InvalidParameter, "method %s has no type", m.Name)
		}
		if m.ReturnRef != "" && m.ReturnType.Base() != TypeReference && m.ReturnType.Base() != TypeObject {
			return d.errAt(mpos, status.InvalidParameter, "method %s returning %s has a class", m.Name, m.ReturnType)
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// value reads a value of type t, or null.
func (d *jdec) value(t Type) (Value, error) {
	d.ws()
	if d.literal("null") {
		return Null(t), nil
	}
	if !t.IsArray() {
		return d.scalar(t)
	}
	if d.peek() != '[' {
		pos := d.pos
		if err := d.skip(); err != nil {
			return Value{}, err
		}
		return Value{}, d.errAt(pos, status.TypeMismatch, "%s is not a %s value", d.data[pos:d.pos], t)
	}
	d.pos++
	elems := make([]Value, 0, 4)
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return Value{typ: t, valid: true, x: elems}, nil
	}
	for {
		d.ws()
		e, err := d.scalar(t.Base())
		if err != nil {
			return Value{}, err
		}
		elems = append(elems, e)
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return Value{typ: t, valid: true, x: elems}, nil
		default:
			return Value{}, d.syntax("expected ',' or ']'")
		}
	}
}

// numberOrString returns the text of a number, or the content of a string.
func (d *jdec) numberOrString() ([]byte, bool, error) {
	if d.peek() == '"' {
		s, err := d.str()
		return s, true, err
	}
	n, err := d.number()
	return n, false, err
}

func (d *jdec) scalar(t Type) (Value, error) {
	pos := d.pos
	mismatch := func(what string) error {
		return d.errAt(pos, status.TypeMismatch, "%s is not a %s value", what, t)
	}
	// wrongKind reports a JSON value of another kind (TypeMismatch), or
	// malformed JSON (InvalidParameter).
	wrongKind := func() error {
		d.pos = pos
		if err := d.skip(); err != nil {
			return err
		}
		return d.errAt(pos, status.TypeMismatch, "%s is not a %s value", d.data[pos:d.pos], t)
	}
	if d.peek() == 'n' && d.literal("null") {
		return Value{}, d.errAt(pos, status.TypeMismatch, "NULL element in a %s array", t)
	}
	switch t {
	case TypeSint8, TypeSint16, TypeSint32, TypeSint64:
		text, _, err := d.numberOrString()
		if err != nil {
			return Value{}, wrongKind()
		}
		n, err := strconv.ParseInt(string(text), 10, t.bits())
		if err != nil {
			return Value{}, mismatch(strconv.Quote(string(text)))
		}
		return Value{typ: t, valid: true, n: uint64(n)}, nil
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		text, _, err := d.numberOrString()
		if err != nil {
			return Value{}, wrongKind()
		}
		n, err := strconv.ParseUint(string(text), 10, t.bits())
		if err != nil {
			return Value{}, mismatch(strconv.Quote(string(text)))
		}
		return Value{typ: t, valid: true, n: n}, nil
	case TypeReal32, TypeReal64:
		text, quoted, err := d.numberOrString()
		if err != nil {
			return Value{}, wrongKind()
		}
		return parseJSONReal(string(text), quoted, t, mismatch)
	case TypeBoolean:
		b, err := d.boolean()
		if err != nil {
			return Value{}, wrongKind()
		}
		return Boolean(b), nil
	case TypeString, TypeDateTime, TypeReference:
		if d.peek() != '"' {
			return Value{}, wrongKind()
		}
		s, err := d.stringValue()
		if err != nil {
			return Value{}, err
		}
		switch t {
		case TypeDateTime:
			v, err := ParseDateTimeValue(s)
			if err != nil {
				return Value{}, d.errAt(pos, status.TypeMismatch, "%q is not a datetime: %s", s, status.From(err).Description)
			}
			return v, nil
		case TypeReference:
			v, err := ReferenceText(s)
			if err != nil {
				return Value{}, d.errAt(pos, status.TypeMismatch, "%q is not an object path: %s", s, status.From(err).Description)
			}
			return v, nil
		}
		return String(s), nil
	case TypeChar16:
		// A lone surrogate is written "\uXXXX": read it as the unit it is.
		if p := d.data[d.pos:]; len(p) >= 8 && p[0] == '"' && p[1] == '\\' && p[2] == 'u' && p[7] == '"' {
			d.pos += 3
			if r, ok := d.hex4(); ok {
				d.pos++
				return Char16(uint16(r)), nil
			}
			d.pos = pos
		}
		text, quoted, err := d.numberOrString()
		if err != nil {
			return Value{}, wrongKind()
		}
		if !quoted {
			n, err := strconv.ParseUint(string(text), 10, 16)
			if err != nil {
				return Value{}, mismatch(string(text))
			}
			return Char16(uint16(n)), nil
		}
		r, size := utf8.DecodeRune(text)
		if size == 0 || size != len(text) || r > 0xFFFF {
			return Value{}, mismatch(strconv.Quote(string(text)))
		}
		return Char16(uint16(r)), nil
	case TypeObject:
		if d.peek() != '{' {
			return Value{}, wrongKind()
		}
		o, err := d.object()
		if err != nil {
			return Value{}, err
		}
		return Embedded(o), nil
	}
	return Value{}, d.errAt(pos, status.InvalidCIMType, "cannot decode CIM type %s", t)
}

func parseJSONReal(s string, quoted bool, t Type, mismatch func(string) error) (Value, error) {
	bits := t.bits()
	var f float64
	switch {
	case quoted && s == "NaN":
		f = math.NaN()
	case quoted && (s == "Infinity" || s == "+Infinity"):
		f = math.Inf(1)
	case quoted && s == "-Infinity":
		f = math.Inf(-1)
	case quoted && len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		n, err := strconv.ParseUint(s[2:], 16, bits)
		if err != nil {
			return Value{}, mismatch(strconv.Quote(s))
		}
		return Value{typ: t, valid: true, n: n}, nil
	default:
		var err error
		if f, err = strconv.ParseFloat(s, bits); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return Value{}, mismatch(strconv.Quote(s))
		}
	}
	if t == TypeReal32 {
		return Real32(float32(f)), nil
	}
	return Real64(f), nil
}

// buildClass makes a class from its decoded members.
func (d *jdec) buildClass(pos int, name, super, ns, server string, quals Qualifiers, props []jprop, methods []*Method) (*Class, error) {
	c := &Class{Name: name, Superclass: super, Qualifiers: quals, Namespace: ns, Server: server, Methods: methods}
	if len(props) > 0 {
		c.Properties = make([]*Property, len(props))
	}
	for k, p := range props {
		if p.hasKey {
			return nil, d.errAt(p.pos, status.InvalidParameter, "key and default are members of instance properties, not of class property %s", p.name)
		}
		c.Properties[k] = &Property{Name: p.name, Type: p.typ, ClassRef: p.classRef, Value: p.value, Qualifiers: p.quals}
	}
	if super != "" {
		if parent, err := d.lookup(super); err != nil {
			return nil, err
		} else if parent != nil {
			if err := c.SetParent(parent); err != nil {
				return nil, wrapAt(pos, err)
			}
		}
		return c, nil
	}
	if err := c.Validate(); err != nil {
		return nil, wrapAt(pos, err)
	}
	return c, nil
}

// lookup resolves a class; a class that does not exist is nil, nil.
func (d *jdec) lookup(name string) (*Class, error) {
	if d.resolve == nil {
		return nil, nil
	}
	c, err := d.resolve(name)
	if err != nil {
		switch status.CodeOf(err) {
		case status.NotFound, status.InvalidClass:
			return nil, nil
		}
		return nil, err
	}
	return c, nil
}

// buildInstance makes an instance from its decoded members.
// cls is the resolved class, or nil.
func (d *jdec) buildInstance(pos int, cls *Class, name, ns, server string, deriv []string, singleton bool, quals Qualifiers, props []jprop) (*Instance, error) {
	for _, p := range props {
		if p.hasQuals {
			return nil, d.errAt(p.pos, status.InvalidParameter, "qualifiers are not members of instance property %s", p.name)
		}
	}
	var err error
	resolved := cls != nil
	if !resolved {
		if cls, err = synthesize(name, ns, server, deriv, singleton, props); err != nil {
			return nil, wrapAt(pos, err)
		}
	}
	inst, err := cls.SpawnInstance()
	if err != nil {
		return nil, wrapAt(pos, err)
	}
	inst.Namespace, inst.Server = ns, server
	if len(quals) > 0 {
		inst.Qualifiers = quals
	}
	for k, p := range props {
		idx := k
		if resolved {
			if idx = p.idx; idx < 0 {
				idx = inst.PropertyIndex(p.name)
			}
			if idx < 0 {
				return nil, d.errAt(p.pos, status.InvalidProperty, "class %s has no property %s", cls.Name, p.name)
			}
		}
		if p.dflt {
			continue
		}
		if err := inst.PutAt(idx, p.value); err != nil {
			return nil, wrapAt(p.pos, err)
		}
	}
	return inst, nil
}

// synthesize builds the class of an instance from the instance's JSON.
func synthesize(name, ns, server string, deriv []string, singleton bool, props []jprop) (*Class, error) {
	var parent *Class
	for k := len(deriv) - 1; k >= 0; k-- {
		pc := &Class{Name: deriv[k], Namespace: ns, Server: server}
		if err := pc.SetParent(parent); err != nil {
			return nil, err
		}
		parent = pc
	}
	c := NewClass(name, parent)
	c.Namespace, c.Server = ns, server
	if singleton {
		c.Qualifiers = Qualifiers{{Name: "Singleton", Value: Boolean(true), Flavor: FlavorDefault | FlavorToInstance}}
	}
	c.Properties = make([]*Property, len(props))
	for k, p := range props {
		cp := &Property{Name: p.name, Type: p.typ, ClassRef: p.classRef}
		if p.key {
			cp.Qualifiers = Qualifiers{{Name: "Key", Value: Boolean(true), Flavor: FlavorDefault | FlavorToInstance | FlavorNotOverridable}}
		}
		if p.dflt {
			cp.Value = p.value
		}
		c.Properties[k] = cp
	}
	return c, c.Validate()
}
