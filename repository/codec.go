package repository

import (
	"encoding/binary"
	"math"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// The record encoding. Every record starts with a format byte. Integers are
// uvarints (signed ones zig-zagged), strings are length-prefixed. A value is
// its CIM type shifted left by one, with bit 0 set for NULL, followed by
// its payload; arrays are a count and the elements' payloads.
//
//	class     = fmt name superclass qualifiers properties methods
//	instance  = fmt qualifiers count (name value)*   -- only the values the instance sets
//	qualifier = name flavor value
//	property  = name type classref value qualifiers
//	method    = name returntype returnref qualifiers count property*
//	decl      = fmt name type value scope flavor
//
// An embedded object carries its whole class chain (root first) and, for an
// instance, its namespace, server and body, so it decodes without the
// repository.
const recordFormat = 1

type encoder struct{ b []byte }

func (e *encoder) uv(x uint64)     { e.b = binary.AppendUvarint(e.b, x) }
func (e *encoder) byte1(x byte)    { e.b = append(e.b, x) }
func (e *encoder) str(s string)    { e.uv(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) i64(x int64)     { e.uv(uint64(x<<1) ^ uint64(x>>63)) }
func (e *encoder) u64fix(x uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, x) }

func (e *encoder) qualifiers(qs cim.Qualifiers) {
	e.uv(uint64(len(qs)))
	for _, q := range qs {
		e.str(q.Name)
		e.uv(uint64(q.Flavor))
		e.value(q.Value)
	}
}

func (e *encoder) value(v cim.Value) {
	t := v.Type()
	if v.IsNull() {
		e.uv(uint64(t)<<1 | 1)
		return
	}
	e.uv(uint64(t) << 1)
	e.payload(t, v)
}

func (e *encoder) payload(t cim.Type, v cim.Value) {
	if t.IsArray() {
		a, _ := v.Array()
		e.uv(uint64(len(a)))
		for _, x := range a {
			e.payload(t.Base(), x)
		}
		return
	}
	switch t {
	case cim.TypeSint8, cim.TypeSint16, cim.TypeSint32, cim.TypeSint64:
		n, _ := v.Int()
		e.i64(n)
	case cim.TypeUint8, cim.TypeUint16, cim.TypeUint32, cim.TypeUint64, cim.TypeChar16:
		n, _ := v.Uint()
		e.uv(n)
	case cim.TypeBoolean:
		b, _ := v.Bool()
		if b {
			e.byte1(1)
		} else {
			e.byte1(0)
		}
	case cim.TypeReal32:
		f, _ := v.Float()
		e.uv(uint64(math.Float32bits(float32(f))))
	case cim.TypeReal64:
		f, _ := v.Float()
		e.u64fix(math.Float64bits(f))
	case cim.TypeString, cim.TypeDateTime, cim.TypeReference:
		s, _ := v.Str()
		e.str(s)
	case cim.TypeObject:
		o, _ := v.Object()
		e.object(o)
	}
}

func (e *encoder) object(o cim.Object) {
	switch x := o.(type) {
	case *cim.Class:
		e.byte1(byte(cim.GenusClass))
		e.classChain(x)
		e.str(x.Namespace)
		e.str(x.Server)
	case *cim.Instance:
		e.byte1(byte(cim.GenusInstance))
		e.classChain(x.Class())
		e.str(x.Namespace)
		e.str(x.Server)
		e.instanceBody(x)
	default:
		e.byte1(0)
	}
}

func (e *encoder) classChain(c *cim.Class) {
	var chain []*cim.Class
	for p := c; p != nil; p = p.Parent() {
		chain = append(chain, p)
	}
	e.uv(uint64(len(chain)))
	for i := len(chain) - 1; i >= 0; i-- {
		e.classDecl(chain[i])
	}
}

func (e *encoder) property(p *cim.Property) {
	e.str(p.Name)
	e.uv(uint64(p.Type))
	e.str(p.ClassRef)
	e.value(p.Value)
	e.qualifiers(p.Qualifiers)
}

func (e *encoder) classDecl(c *cim.Class) {
	e.str(c.Name)
	e.str(c.Superclass)
	e.qualifiers(c.Qualifiers)
	e.uv(uint64(len(c.Properties)))
	for _, p := range c.Properties {
		e.property(p)
	}
	e.uv(uint64(len(c.Methods)))
	for _, m := range c.Methods {
		e.str(m.Name)
		e.uv(uint64(m.ReturnType))
		e.str(m.ReturnRef)
		e.qualifiers(m.Qualifiers)
		e.uv(uint64(len(m.Parameters)))
		for _, p := range m.Parameters {
			e.property(p)
		}
	}
}

// instanceBody writes the instance's qualifiers and the values it sets.
func (e *encoder) instanceBody(inst *cim.Instance) {
	e.qualifiers(inst.Qualifiers)
	props := inst.Properties()
	n := 0
	for i := range props {
		if inst.IsSet(i) {
			n++
		}
	}
	e.uv(uint64(n))
	for i, p := range props {
		if inst.IsSet(i) {
			e.str(p.Name)
			e.value(inst.At(i))
		}
	}
}

func encodeClass(c *cim.Class) []byte {
	e := encoder{b: make([]byte, 0, 256)}
	e.byte1(recordFormat)
	e.classDecl(c)
	return e.b
}

func encodeInstance(inst *cim.Instance) []byte {
	e := encoder{b: make([]byte, 0, 128)}
	e.byte1(recordFormat)
	e.instanceBody(inst)
	return e.b
}

func encodeQualifierDecl(d cim.QualifierDecl) []byte {
	e := encoder{}
	e.byte1(recordFormat)
	e.str(d.Name)
	e.uv(uint64(d.Type))
	e.value(d.Default)
	e.uv(uint64(d.Scope))
	e.uv(uint64(d.Flavor))
	return e.b
}

// decoder reads records; the first error sticks and later reads return
// zero values.
type decoder struct {
	b   []byte
	err error
}

func corrupt(what string) error {
	return status.Errorf(status.CriticalError, "repository record is corrupt: %s", what)
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = corrupt(what)
	}
	d.b = nil
}

func (d *decoder) uv() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

// count reads a count of items, each at least one byte long.
func (d *decoder) count() int {
	n := d.uv()
	if n > uint64(len(d.b)) {
		d.fail("bad count")
		return 0
	}
	return int(n)
}

func (d *decoder) byte1() byte {
	if len(d.b) < 1 {
		d.fail("truncated")
		return 0
	}
	x := d.b[0]
	d.b = d.b[1:]
	return x
}

func (d *decoder) str() string { return string(d.bytes()) }

// bytes reads a length-prefixed string without copying it.
func (d *decoder) bytes() []byte {
	n := d.uv()
	if n > uint64(len(d.b)) {
		d.fail("truncated string")
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) i64() int64 {
	x := d.uv()
	return int64(x>>1) ^ -int64(x&1)
}

func (d *decoder) u64fix() uint64 {
	if len(d.b) < 8 {
		d.fail("truncated")
		return 0
	}
	x := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return x
}

func (d *decoder) format() {
	if f := d.byte1(); f != recordFormat && d.err == nil {
		d.err = status.Errorf(status.DatabaseVerMismatch, "record format %d, want %d", f, recordFormat)
	}
}

func (d *decoder) qualifiers() cim.Qualifiers {
	n := d.count()
	if n == 0 {
		return nil
	}
	qs := make(cim.Qualifiers, 0, n)
	for range n {
		name := d.str()
		fl := cim.Flavor(d.uv())
		v := d.value()
		if d.err != nil {
			return nil
		}
		qs = append(qs, cim.Qualifier{Name: name, Value: v, Flavor: fl})
	}
	return qs
}

func (d *decoder) value() cim.Value {
	h := d.uv()
	t := cim.Type(h >> 1)
	if h&1 == 1 {
		return cim.Null(t)
	}
	return d.payload(t)
}

func (d *decoder) payload(t cim.Type) cim.Value {
	if d.err != nil {
		return cim.Value{}
	}
	if t.IsArray() {
		n := d.count()
		elems := make([]cim.Value, n)
		for i := range elems {
			elems[i] = d.payload(t.Base())
		}
		if d.err != nil {
			return cim.Value{}
		}
		v, err := cim.Array(t.Base(), elems...)
		if err != nil {
			d.fail("bad array: " + err.Error())
		}
		return v
	}
	switch t {
	case cim.TypeSint8:
		return cim.Sint8(int8(d.i64()))
	case cim.TypeSint16:
		return cim.Sint16(int16(d.i64()))
	case cim.TypeSint32:
		return cim.Sint32(int32(d.i64()))
	case cim.TypeSint64:
		return cim.Sint64(d.i64())
	case cim.TypeUint8:
		return cim.Uint8(uint8(d.uv()))
	case cim.TypeUint16:
		return cim.Uint16(uint16(d.uv()))
	case cim.TypeUint32:
		return cim.Uint32(uint32(d.uv()))
	case cim.TypeUint64:
		return cim.Uint64(d.uv())
	case cim.TypeChar16:
		return cim.Char16(uint16(d.uv()))
	case cim.TypeBoolean:
		return cim.Boolean(d.byte1() != 0)
	case cim.TypeReal32:
		return cim.Real32(math.Float32frombits(uint32(d.uv())))
	case cim.TypeReal64:
		return cim.Real64(math.Float64frombits(d.u64fix()))
	case cim.TypeString:
		return cim.String(d.str())
	case cim.TypeDateTime:
		v, err := cim.ParseDateTimeValue(d.str())
		if err != nil {
			d.fail("bad datetime")
		}
		return v
	case cim.TypeReference:
		v, err := cim.ReferenceText(d.str())
		if err != nil {
			d.fail("bad reference")
		}
		return v
	case cim.TypeObject:
		return cim.Embedded(d.object())
	}
	d.fail("unknown CIM type")
	return cim.Value{}
}

func (d *decoder) object() cim.Object {
	switch cim.Genus(d.byte1()) {
	case cim.GenusClass:
		c := d.classChain()
		ns, srv := d.str(), d.str()
		if c == nil {
			return nil
		}
		c.Namespace, c.Server = ns, srv
		return c
	case cim.GenusInstance:
		c := d.classChain()
		ns, srv := d.str(), d.str()
		if c == nil {
			return nil
		}
		inst := d.instanceBody(c, nil)
		if inst != nil {
			inst.Namespace, inst.Server = ns, srv
			return inst
		}
		return nil
	case 0:
		return nil
	}
	d.fail("bad genus")
	return nil
}

func (d *decoder) classChain() *cim.Class {
	n := d.count()
	var prev *cim.Class
	for i := range n {
		c := d.classDecl()
		if d.err != nil {
			return nil
		}
		if i > 0 {
			_ = c.SetParent(prev) // links even when the class does not validate
		}
		prev = c
	}
	if prev == nil {
		d.fail("empty class chain")
	}
	return prev
}

func (d *decoder) property() *cim.Property {
	p := &cim.Property{}
	p.Name = d.str()
	p.Type = cim.Type(d.uv())
	p.ClassRef = d.str()
	p.Value = d.value()
	p.Qualifiers = d.qualifiers()
	return p
}

func (d *decoder) classDecl() *cim.Class {
	c := &cim.Class{}
	c.Name = d.str()
	c.Superclass = d.str()
	c.Qualifiers = d.qualifiers()
	if n := d.count(); n > 0 {
		c.Properties = make([]*cim.Property, n)
		for i := range c.Properties {
			c.Properties[i] = d.property()
		}
	}
	if n := d.count(); n > 0 {
		c.Methods = make([]*cim.Method, n)
		for i := range c.Methods {
			m := &cim.Method{}
			m.Name = d.str()
			m.ReturnType = cim.Type(d.uv())
			m.ReturnRef = d.str()
			m.Qualifiers = d.qualifiers()
			if k := d.count(); k > 0 {
				m.Parameters = make([]*cim.Property, k)
				for j := range m.Parameters {
					m.Parameters[j] = d.property()
				}
			}
			c.Methods[i] = m
		}
	}
	return c
}

// instanceBody spawns an instance of c and sets the recorded values. A
// recorded property the class no longer has, or whose value no longer
// converts to its type, is dropped. index, when not nil, maps property
// names to their indexes in c.AllProperties.
func (d *decoder) instanceBody(c *cim.Class, index map[string]int) *cim.Instance {
	qs := d.qualifiers()
	inst, err := c.SpawnInstance()
	if err != nil {
		if d.err == nil {
			d.err = status.Wrap(status.CriticalError, err)
		}
		return nil
	}
	inst.Qualifiers = qs
	n := d.count()
	for range n {
		name := d.bytes()
		v := d.value()
		if d.err != nil {
			return nil
		}
		idx, ok := index[string(name)]
		if !ok {
			idx = c.PropertyIndex(string(name))
		}
		if idx >= 0 {
			_ = inst.PutAt(idx, v)
		}
	}
	return inst
}

func decodeClass(b []byte) (*cim.Class, error) {
	d := decoder{b: b}
	d.format()
	c := d.classDecl()
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

func decodeInstance(b []byte, c *cim.Class, index map[string]int) (*cim.Instance, error) {
	d := decoder{b: b}
	d.format()
	inst := d.instanceBody(c, index)
	if d.err != nil {
		return nil, d.err
	}
	return inst, nil
}

func decodeQualifierDecl(b []byte) (cim.QualifierDecl, error) {
	d := decoder{b: b}
	d.format()
	var q cim.QualifierDecl
	q.Name = d.str()
	q.Type = cim.Type(d.uv())
	q.Default = d.value()
	q.Scope = cim.Scope(d.uv())
	q.Flavor = cim.Flavor(d.uv())
	return q, d.err
}
