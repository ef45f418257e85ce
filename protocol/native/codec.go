package native

// The wire encoding of objects: the ObjectBatch, Value and Context messages
// of pb/wmi.proto, written and read by hand with protowire. A stream keeps
// one Encoder on its sending side and one Decoder on its receiving side:
// a class definition goes on the wire the first time an object of the
// stream needs it, and instances name their class by id and carry only the
// values they set, by property position, scalars packed in one field.
// Consecutive instances of a class that set the same scalars go as one
// InstanceRun (class, set marks and count once, then the rows), and an
// instance's namespace and server go only when they change.

import (
	"math"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// Limits of the decoder, so that no input can make it use unbounded memory
// or recursion.
const (
	maxDepth   = 64      // nesting of embedded objects and arrays
	maxClasses = 1 << 16 // class definitions per stream
	maxObjects = 1 << 20 // objects per batch
)

// Field numbers of the messages in wmi.proto.
const (
	fBatchClasses = 1
	fBatchObjects = 2

	fClassID         = 1
	fClassParent     = 2
	fClassName       = 3
	fClassSuperclass = 4
	fClassNamespace  = 5
	fClassServer     = 6
	fClassQualifiers = 7
	fClassProperties = 8
	fClassMethods    = 9

	fPropName       = 1
	fPropType       = 2
	fPropClassRef   = 3
	fPropValue      = 4
	fPropQualifiers = 5

	fMethodName       = 1
	fMethodReturnType = 2
	fMethodReturnRef  = 3
	fMethodQualifiers = 4
	fMethodParameters = 5

	fQualName   = 1
	fQualValue  = 2
	fQualFlavor = 3

	fObjectClass    = 1
	fObjectInstance = 2
	fObjectRun      = 3

	fRunClass = 1
	fRunSet   = 2
	fRunCount = 3
	fRunRows  = 4

	fInstClass      = 1
	fInstSet        = 2
	fInstValues     = 3
	fInstQualifiers = 4
	fInstNamespace  = 5
	fInstServer     = 6
	fInstNulls      = 7
	fInstScalars    = 8

	fValueType   = 1
	fValueInt    = 2
	fValueUint   = 3
	fValueReal32 = 4
	fValueReal64 = 5
	fValueStr    = 6
	fValueObject = 7
	fValueArray  = 8

	fArrayElems = 1

	fContextValues = 1
	fNamedName     = 1
	fNamedValue    = 2
)

// ---- encoding ----------------------------------------------------------------

// Encoder writes ObjectBatch messages for one stream. It is not safe for
// concurrent use.
type Encoder struct {
	ids     map[*cim.Class]uint32
	pending map[*cim.Class]bool
	next    uint32
	classes []byte // class definitions of the batch being built
	objects []byte // the objects of the batch being built
	// The class of the last object and its id: a batch is mostly of one
	// class.
	lastClass *cim.Class
	lastID    uint32
	locs      []location  // by class id: the location the last instance of the class sent
	undo      []locUndo   // the locs the batch being built changed, to take back if it fails
	plans     []classPlan // by class id: the class's properties as its definition was sent
	row       []byte      // an instance's packed scalars
	run       instanceRun // the run of instances being gathered
}

// instanceRun gathers consecutive instances of a batch that an
// InstanceRun can carry: of one class, setting the same properties, none
// NULL, only scalars, no qualifiers, in their class's last location.
type instanceRun struct {
	id    uint32
	set   []byte
	count int
	rows  []byte
}

// classPlan is how instances of a class are written: the class's
// properties (Class.AllProperties) when its definition went on the wire,
// and their types.
type classPlan struct {
	props []*cim.Property
	types []cim.Type
}

// locUndo is a location as it was before a batch changed it.
type locUndo struct {
	id  uint32
	loc location
}

// location is where an instance is: its __NAMESPACE and __SERVER. On the
// wire an instance carries them only where they differ from those of the
// stream's previous instance of its class (the class's own at first).
type location struct{ ns, server string }

// NewEncoder returns an Encoder with an empty class table.
func NewEncoder() *Encoder {
	return &Encoder{ids: map[*cim.Class]uint32{}}
}

// Encode returns the ObjectBatch of objs. Classes the stream has sent
// before are not sent again.
func (e *Encoder) Encode(objs []cim.Object) ([]byte, error) {
	return e.AppendBatch(nil, objs)
}

// AppendBatch appends the ObjectBatch of objs to b.
func (e *Encoder) AppendBatch(b []byte, objs []cim.Object) ([]byte, error) {
	e.classes = e.classes[:0]
	next := e.next
	e.undo = e.undo[:0]
	ob := e.objects[:0]
	e.run.count, e.run.rows = 0, e.run.rows[:0]
	for _, o := range objs {
		var err error
		if inst, ok := o.(*cim.Instance); ok && inst != nil {
			ob, err = e.appendTopInstance(ob, inst)
		} else {
			ob, err = e.appendObject(e.flushRun(ob), fBatchObjects, o, 0)
		}
		if err != nil {
			// The classes this batch would have sent are not sent.
			for c, id := range e.ids {
				if id > next {
					delete(e.ids, c)
				}
			}
			for k := len(e.undo) - 1; k >= 0; k-- {
				if u := e.undo[k]; u.id <= next {
					e.locs[u.id-1] = u.loc
				}
			}
			e.next, e.locs, e.plans = next, e.locs[:next], e.plans[:next]
			e.lastClass = nil
			return nil, err
		}
	}
	ob = e.flushRun(ob)
	e.objects = ob
	if b == nil {
		b = make([]byte, 0, len(e.classes)+len(ob))
	}
	b = append(b, e.classes...)
	return append(b, ob...), nil
}

// beginMsg appends the tag of a length-delimited field and a one-byte
// placeholder for its length; endMsg writes the length, moving the body
// when the length needs more bytes.
func beginMsg(b []byte, field protowire.Number) ([]byte, int) {
	if field < 16 {
		b = append(b, byte(field)<<3|byte(protowire.BytesType), 0)
		return b, len(b) - 1
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return append(b, 0), len(b)
}

func endMsg(b []byte, pos int) []byte {
	n := len(b) - pos - 1
	if n < 0x80 {
		b[pos] = byte(n)
		return b
	}
	k := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, k-1)...)
	copy(b[pos+k:], b[pos+1:pos+1+n])
	protowire.AppendVarint(b[:pos], uint64(n))
	return b
}

func appendString(b []byte, field protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendUint(b []byte, field protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func (e *Encoder) appendObject(b []byte, field protowire.Number, o cim.Object, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, status.New(status.InvalidParameter, "objects nest too deeply")
	}
	switch x := o.(type) {
	case *cim.Class:
		if x == nil {
			return nil, status.New(status.InvalidParameter, "a nil class")
		}
		id, err := e.classID(x, depth)
		if err != nil {
			return nil, err
		}
		b, pos := beginMsg(b, field)
		b = protowire.AppendTag(b, fObjectClass, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(id))
		return endMsg(b, pos), nil
	case *cim.Instance:
		if x == nil {
			return nil, status.New(status.InvalidParameter, "a nil instance")
		}
		return e.appendInstance(b, field, x, depth)
	}
	return nil, status.Errorf(status.InvalidParameter, "cannot encode an object of type %T", o)
}

// instanceScan is what scanInstance found of an instance: the set and
// NULL marks, whether it has array or object values, and its packed
// scalars (in Encoder.row).
type instanceScan struct {
	n       int      // bytes of each mark bitmap
	small   [32]byte // the set marks, then the NULL marks, for up to 128 properties
	large   []byte   // the same for more
	anySet  bool
	anyNull bool
	others  int
	same    bool
}

// marks returns the set and NULL bitmaps.
func (sc *instanceScan) marks() (set, nulls []byte) {
	if sc.large != nil {
		return sc.large[:sc.n], sc.large[sc.n:]
	}
	return sc.small[:sc.n], sc.small[16 : 16+sc.n]
}

// scanInstance reads the values of i, an instance of the class with that
// id, against the class as its definition was sent: an instance spawned
// from that definition shares its property list, one spawned from another
// (the class changed since) is read by name.
func (e *Encoder) scanInstance(sc *instanceScan, i *cim.Instance, id uint32) error {
	pl := &e.plans[id-1]
	props, types := pl.props, pl.types
	own := i.Properties()
	sc.same = len(props) == len(own)
	if sc.same && len(props) > 0 && &props[0] != &own[0] {
		for k := 0; sc.same && k < len(props); k++ {
			sc.same = props[k] == own[k]
		}
	}
	sc.n = (len(props) + 7) / 8
	if sc.n > 16 {
		sc.large = make([]byte, 2*sc.n)
	}
	set, nulls := sc.marks()
	row := e.row[:0]
	for k, t := range types {
		var v *cim.Value
		if sc.same {
			if !i.IsSet(k) {
				continue
			}
			v = i.AtRef(k)
		} else if idx := i.PropertyIndex(props[k].Name); idx >= 0 && i.IsSet(idx) {
			v = i.AtRef(idx)
		} else {
			continue
		}
		set[k/8] |= 1 << (k % 8)
		sc.anySet = true
		if v.Type() != t {
			cv, err := v.Convert(t)
			if err != nil {
				return status.Errorf(status.TypeMismatch, "property %s.%s: %v", i.ClassName(), props[k].Name, err)
			}
			v = &cv
		}
		switch {
		case v.IsNull():
			nulls[k/8] |= 1 << (k % 8)
			sc.anyNull = true
		case packable(t):
			row = appendPacked(row, v, t)
		default:
			sc.others++
		}
	}
	e.row = row
	return nil
}

// appendTopInstance appends an instance of a batch's objects: to the run
// being gathered when it can go in one, as an Instance otherwise.
func (e *Encoder) appendTopInstance(b []byte, i *cim.Instance) ([]byte, error) {
	id, err := e.classID(i.Class(), 0)
	if err != nil {
		return nil, err
	}
	var sc instanceScan
	if err := e.scanInstance(&sc, i, id); err != nil {
		return nil, err
	}
	loc := &e.locs[id-1]
	if sc.anyNull || sc.others > 0 || len(i.Qualifiers) > 0 || i.Namespace != loc.ns || i.Server != loc.server {
		return e.writeInstance(e.flushRun(b), fBatchObjects, i, id, &sc, 0)
	}
	set, _ := sc.marks()
	r := &e.run
	if r.count > 0 && (r.id != id || string(r.set) != string(set) || !sc.anySet && r.count == maxEmptyRun) {
		b = e.flushRun(b)
	}
	if r.count == 0 {
		r.id, r.set = id, append(r.set[:0], set...)
	}
	r.rows = append(r.rows, e.row...)
	r.count++
	return b, nil
}

// flushRun appends the run gathered, if any, as an Object.
func (e *Encoder) flushRun(b []byte) []byte {
	r := &e.run
	if r.count == 0 {
		return b
	}
	b, pos := beginMsg(b, fBatchObjects)
	b, rpos := beginMsg(b, fObjectRun)
	b = append(b, fRunClass<<3|byte(protowire.VarintType))
	b = protowire.AppendVarint(b, uint64(r.id))
	b = append(b, fRunSet<<3|byte(protowire.BytesType))
	b = protowire.AppendBytes(b, r.set)
	b = append(b, fRunCount<<3|byte(protowire.VarintType))
	b = protowire.AppendVarint(b, uint64(r.count))
	if len(r.rows) > 0 {
		b = append(b, fRunRows<<3|byte(protowire.BytesType))
		b = protowire.AppendBytes(b, r.rows)
	}
	r.count, r.rows = 0, r.rows[:0]
	return endMsg(endMsg(b, rpos), pos)
}

func (e *Encoder) appendInstance(b []byte, field protowire.Number, i *cim.Instance, depth int) ([]byte, error) {
	id, err := e.classID(i.Class(), depth)
	if err != nil {
		return nil, err
	}
	var sc instanceScan
	if err := e.scanInstance(&sc, i, id); err != nil {
		return nil, err
	}
	return e.writeInstance(b, field, i, id, &sc, depth)
}

// writeInstance appends an Object holding the Instance i, scanned.
func (e *Encoder) writeInstance(b []byte, field protowire.Number, i *cim.Instance, id uint32, sc *instanceScan, depth int) ([]byte, error) {
	b, pos := beginMsg(b, field)
	b, opos := beginMsg(b, fObjectInstance)
	b = append(b, fInstClass<<3|byte(protowire.VarintType))
	b = protowire.AppendVarint(b, uint64(id))
	if len(e.row) > 0 {
		b = append(b, fInstScalars<<3|byte(protowire.BytesType))
		b = protowire.AppendBytes(b, e.row)
	}
	if sc.anySet {
		set, nulls := sc.marks()
		b = append(b, fInstSet<<3|byte(protowire.BytesType))
		b = protowire.AppendBytes(b, set)
		if sc.anyNull {
			b = append(b, fInstNulls<<3|byte(protowire.BytesType))
			b = protowire.AppendBytes(b, nulls)
		}
		pl := &e.plans[id-1]
		for k, t := range pl.types {
			if sc.others == 0 {
				break
			}
			if set[k/8]&(1<<(k%8)) == 0 || nulls[k/8]&(1<<(k%8)) != 0 || packable(t) {
				continue
			}
			sc.others--
			v, _ := instValue(i, pl.props, sc.same, k)
			if v.Type() != t {
				v, _ = v.Convert(t) // it converted in scanInstance
			}
			var err error
			if b, err = e.appendValue(b, fInstValues, v, t, depth); err != nil {
				return nil, err
			}
		}
	}
	var err error
	if b, err = e.appendQualifiers(b, fInstQualifiers, i.Qualifiers, depth); err != nil {
		return nil, err
	}
	loc := &e.locs[id-1]
	if i.Namespace != loc.ns || i.Server != loc.server {
		e.undo = append(e.undo, locUndo{id, *loc})
	}
	if i.Namespace != loc.ns {
		b = append(b, fInstNamespace<<3|byte(protowire.BytesType))
		b = protowire.AppendString(b, i.Namespace)
		loc.ns = i.Namespace
	}
	if i.Server != loc.server {
		b = append(b, fInstServer<<3|byte(protowire.BytesType))
		b = protowire.AppendString(b, i.Server)
		loc.server = i.Server
	}
	b = endMsg(b, opos)
	return endMsg(b, pos), nil
}

// packable reports whether values of type t go in an instance's packed
// scalars: every scalar type but embedded objects.
func packable(t cim.Type) bool {
	return !t.IsArray() && t != cim.TypeObject
}

// appendPacked appends a non-NULL scalar as it goes in an instance's packed
// scalars: a varint (unsigned integers, char16, boolean), a zigzag varint
// (signed integers), fixed 32 or 64 bits (reals), or length-prefixed text
// (string, datetime, reference).
func appendPacked(b []byte, v *cim.Value, t cim.Type) []byte {
	switch t {
	case cim.TypeSint8, cim.TypeSint16, cim.TypeSint32, cim.TypeSint64:
		n, _ := v.Int()
		return protowire.AppendVarint(b, protowire.EncodeZigZag(n))
	case cim.TypeReal32:
		f, _ := v.Float()
		return protowire.AppendFixed32(b, math.Float32bits(float32(f)))
	case cim.TypeReal64:
		f, _ := v.Float()
		return protowire.AppendFixed64(b, math.Float64bits(f))
	case cim.TypeString, cim.TypeDateTime, cim.TypeReference:
		s, _ := v.Str()
		return protowire.AppendString(b, s)
	}
	n, _ := v.Uint()
	return protowire.AppendVarint(b, n)
}

// instValue returns the instance's value for class property k and
// whether it is the instance's own.
func instValue(i *cim.Instance, props []*cim.Property, same bool, k int) (cim.Value, bool) {
	if same {
		return i.At(k), i.IsSet(k)
	}
	idx := i.PropertyIndex(props[k].Name)
	if idx < 0 {
		return cim.Value{}, false
	}
	return i.At(idx), i.IsSet(idx)
}

// classID returns the id of a class, writing its definition (and its
// superclasses') into the batch when the stream has not sent it.
func (e *Encoder) classID(c *cim.Class, depth int) (uint32, error) {
	if c == e.lastClass {
		return e.lastID, nil
	}
	if id, ok := e.ids[c]; ok {
		e.lastClass, e.lastID = c, id
		return id, nil
	}
	if e.pending[c] {
		return 0, status.Errorf(status.InvalidParameter, "class %s embeds itself in its own definition", c.Name)
	}
	if e.next >= maxClasses {
		return 0, status.New(status.QuotaViolation, "too many classes in one stream")
	}
	if e.pending == nil {
		e.pending = map[*cim.Class]bool{}
	}
	e.pending[c] = true
	defer delete(e.pending, c)
	var parent uint32
	if p := c.Parent(); p != nil {
		var err error
		if parent, err = e.classID(p, depth); err != nil {
			return 0, err
		}
	}
	var body []byte
	body = appendUint(body, fClassParent, uint64(parent))
	body = appendString(body, fClassName, c.Name)
	body = appendString(body, fClassSuperclass, c.Superclass)
	body = appendString(body, fClassNamespace, c.Namespace)
	body = appendString(body, fClassServer, c.Server)
	var err error
	if body, err = e.appendQualifiers(body, fClassQualifiers, c.Qualifiers, depth); err != nil {
		return 0, err
	}
	for _, p := range c.Properties {
		if body, err = e.appendProperty(body, fClassProperties, p, depth); err != nil {
			return 0, err
		}
	}
	for _, m := range c.Methods {
		if m == nil {
			continue
		}
		var pos int
		body, pos = beginMsg(body, fClassMethods)
		body = appendString(body, fMethodName, m.Name)
		body = appendUint(body, fMethodReturnType, uint64(m.ReturnType))
		body = appendString(body, fMethodReturnRef, m.ReturnRef)
		if body, err = e.appendQualifiers(body, fMethodQualifiers, m.Qualifiers, depth); err != nil {
			return 0, err
		}
		for _, p := range m.Parameters {
			if body, err = e.appendProperty(body, fMethodParameters, p, depth); err != nil {
				return 0, err
			}
		}
		body = endMsg(body, pos)
	}
	e.next++
	id := e.next
	e.ids[c] = id
	e.locs = append(e.locs, location{c.Namespace, c.Server})
	pl := classPlan{props: c.AllProperties()}
	pl.types = make([]cim.Type, len(pl.props))
	for k, p := range pl.props {
		pl.types[k] = p.Type
	}
	e.plans = append(e.plans, pl)
	var pos int
	e.classes, pos = beginMsg(e.classes, fBatchClasses)
	e.classes = protowire.AppendTag(e.classes, fClassID, protowire.VarintType)
	e.classes = protowire.AppendVarint(e.classes, uint64(id))
	e.classes = append(e.classes, body...)
	e.classes = endMsg(e.classes, pos)
	return id, nil
}

func (e *Encoder) appendProperty(b []byte, field protowire.Number, p *cim.Property, depth int) ([]byte, error) {
	if p == nil {
		return b, nil
	}
	b, pos := beginMsg(b, field)
	b = appendString(b, fPropName, p.Name)
	b = appendUint(b, fPropType, uint64(p.Type))
	b = appendString(b, fPropClassRef, p.ClassRef)
	var err error
	if p.Value.Type() != cim.TypeEmpty {
		if b, err = e.appendValue(b, fPropValue, p.Value, p.Type, depth); err != nil {
			return nil, err
		}
	}
	if b, err = e.appendQualifiers(b, fPropQualifiers, p.Qualifiers, depth); err != nil {
		return nil, err
	}
	return endMsg(b, pos), nil
}

func (e *Encoder) appendQualifiers(b []byte, field protowire.Number, qs cim.Qualifiers, depth int) ([]byte, error) {
	for _, q := range qs {
		var pos int
		b, pos = beginMsg(b, field)
		b = appendString(b, fQualName, q.Name)
		if q.Value.Type() != cim.TypeEmpty {
			var err error
			if b, err = e.appendValue(b, fQualValue, q.Value, 0, depth); err != nil {
				return nil, err
			}
		}
		b = appendUint(b, fQualFlavor, uint64(q.Flavor))
		b = endMsg(b, pos)
	}
	return b, nil
}

// appendValue writes a Value message; want is the type the value is
// declared with (0 for none), which the message then leaves out.
func (e *Encoder) appendValue(b []byte, field protowire.Number, v cim.Value, want cim.Type, depth int) ([]byte, error) {
	b, pos := beginMsg(b, field)
	t := v.Type()
	if t != want {
		b = protowire.AppendTag(b, fValueType, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(t))
	}
	if !v.IsNull() {
		var err error
		if b, err = e.appendScalar(b, v, t, depth); err != nil {
			return nil, err
		}
	}
	return endMsg(b, pos), nil
}

func (e *Encoder) appendScalar(b []byte, v cim.Value, t cim.Type, depth int) ([]byte, error) {
	if t.IsArray() {
		elems, _ := v.Array()
		b, pos := beginMsg(b, fValueArray)
		for _, el := range elems {
			var err error
			if b, err = e.appendValue(b, fArrayElems, el, t.Base(), depth+1); err != nil {
				return nil, err
			}
		}
		return endMsg(b, pos), nil
	}
	switch t {
	case cim.TypeSint8, cim.TypeSint16, cim.TypeSint32, cim.TypeSint64:
		n, _ := v.Int()
		b = protowire.AppendTag(b, fValueInt, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeZigZag(n)), nil
	case cim.TypeUint8, cim.TypeUint16, cim.TypeUint32, cim.TypeUint64, cim.TypeChar16, cim.TypeBoolean:
		n, _ := v.Uint()
		b = protowire.AppendTag(b, fValueUint, protowire.VarintType)
		return protowire.AppendVarint(b, n), nil
	case cim.TypeReal32:
		f, _ := v.Float()
		b = protowire.AppendTag(b, fValueReal32, protowire.Fixed32Type)
		return protowire.AppendFixed32(b, math.Float32bits(float32(f))), nil
	case cim.TypeReal64:
		f, _ := v.Float()
		b = protowire.AppendTag(b, fValueReal64, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(f)), nil
	case cim.TypeString, cim.TypeDateTime, cim.TypeReference:
		s, _ := v.Str()
		b = protowire.AppendTag(b, fValueStr, protowire.BytesType)
		return protowire.AppendString(b, s), nil
	case cim.TypeObject:
		o, _ := v.Object()
		return e.appendObject(b, fValueObject, o, depth+1)
	}
	return nil, status.Errorf(status.InvalidCIMType, "cannot encode a value of type %s", t)
}

// AppendContext appends a Context message.
func (e *Encoder) AppendContext(b []byte, c *wbem.Context) ([]byte, error) {
	for _, name := range c.Names() {
		v, err := c.GetValue(name)
		if err != nil {
			continue
		}
		if b, err = e.appendNamed(b, fContextValues, name, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (e *Encoder) appendNamed(b []byte, field protowire.Number, name string, v cim.Value) ([]byte, error) {
	b, pos := beginMsg(b, field)
	b = appendString(b, fNamedName, name)
	if v.Type() != cim.TypeEmpty {
		var err error
		if b, err = e.appendValue(b, fNamedValue, v, 0, 0); err != nil {
			return nil, err
		}
	}
	return endMsg(b, pos), nil
}

// AppendKeys appends a Context message of key values.
func (e *Encoder) AppendKeys(b []byte, keys map[string]cim.Value) ([]byte, error) {
	for name, v := range keys {
		var err error
		if b, err = e.appendNamed(b, fContextValues, name, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// EncodeObject returns a standalone ObjectBatch of one object (nil for a
// nil object).
func EncodeObject(o cim.Object) ([]byte, error) {
	if o == nil {
		return nil, nil
	}
	switch x := o.(type) {
	case *cim.Instance:
		if x == nil {
			return nil, nil
		}
	case *cim.Class:
		if x == nil {
			return nil, nil
		}
	}
	return NewEncoder().Encode([]cim.Object{o})
}

// EncodeContext returns a standalone Context message.
func EncodeContext(c *wbem.Context) ([]byte, error) {
	if c == nil {
		return nil, nil
	}
	return NewEncoder().AppendContext(nil, c)
}

// ---- decoding ----------------------------------------------------------------

// Decoder reads ObjectBatch messages of one stream. It is not safe for
// concurrent use.
type Decoder struct {
	classes []*cim.Class
	spare   [][]*cim.Instance // instances spawned ahead, by class id
	locs    []location        // by class id: the location of its last instance
	hint    int               // the objects of the last batch, to size the next
	// The batch being decoded, and the copy of it as one string from
	// which the batch's strings are cut (made at its first string): a
	// batch of many instances costs one allocation for its text, not one
	// per string property.
	batch []byte
	text  string
}

// minSharedText is the size of a batch from which strings are cut from a
// copy of the whole batch; a smaller one (a single object, an event)
// copies each string, so that keeping one object keeps no more than its
// own text alive.
const minSharedText = 1 << 10

// str returns b, a part of the batch being decoded or not, as a string.
func (d *Decoder) str(b []byte) string {
	if d.batch == nil || len(b) == 0 {
		return string(b)
	}
	// b is a part of the batch if it ends where the batch ends or before:
	// the decoder cuts fields from the batch by reslicing, so each part
	// keeps the batch's capacity from where it starts.
	off := cap(d.batch) - cap(b)
	if off < 0 || off+len(b) > len(d.batch) {
		return string(b)
	}
	if d.text == "" {
		d.text = string(d.batch)
	}
	if t := d.text[off : off+len(b)]; t == string(b) {
		return t
	}
	return string(b)
}

// NewDecoder returns a Decoder with an empty class table.
func NewDecoder() *Decoder { return &Decoder{} }

func malformed(what string) error {
	return status.Errorf(status.InvalidParameter, "malformed %s on the wire", what)
}

// field is one field of a message as next reads it.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   []byte // BytesType
	n   uint64 // VarintType, Fixed32Type, Fixed64Type
}

// next reads the next field of b; done is true at the end.
func next(b []byte, what string) (f field, rest []byte, done bool, err error) {
	for len(b) > 0 {
		var (
			num protowire.Number
			typ protowire.Type
			k   int
		)
		if b[0] < 0x80 { // a one-byte tag
			num, typ, k = protowire.Number(b[0]>>3), protowire.Type(b[0]&7), 1
		} else {
			num, typ, k = protowire.ConsumeTag(b)
			if k < 0 {
				return f, nil, false, malformed(what)
			}
		}
		if num == 0 {
			return f, nil, false, malformed(what)
		}
		b = b[k:]
		f.num, f.typ = num, typ
		switch typ {
		case protowire.VarintType:
			if len(b) > 0 && b[0] < 0x80 {
				f.n, k = uint64(b[0]), 1
			} else {
				f.n, k = protowire.ConsumeVarint(b)
			}
		case protowire.Fixed32Type:
			var x uint32
			x, k = protowire.ConsumeFixed32(b)
			f.n = uint64(x)
		case protowire.Fixed64Type:
			f.n, k = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			if len(b) > 0 && b[0] < 0x80 && int(b[0]) < len(b) {
				l := int(b[0])
				f.v, k = b[1:1+l], 1+l
			} else {
				f.v, k = protowire.ConsumeBytes(b)
			}
		default:
			k = protowire.ConsumeFieldValue(num, typ, b)
			if k < 0 {
				return f, nil, false, malformed(what)
			}
			b = b[k:]
			continue // a group: skipped
		}
		if k < 0 {
			return f, nil, false, malformed(what)
		}
		return f, b[k:], false, nil
	}
	return f, nil, true, nil
}

// fields walks the fields of a message.
func fields(b []byte, what string, fn func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error) error {
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 {
			return malformed(what)
		}
		b = b[k:]
		var (
			val []byte
			n   uint64
		)
		switch typ {
		case protowire.VarintType:
			n, k = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x uint32
			x, k = protowire.ConsumeFixed32(b)
			n = uint64(x)
		case protowire.Fixed64Type:
			n, k = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			val, k = protowire.ConsumeBytes(b)
		default:
			k = protowire.ConsumeFieldValue(num, typ, b)
			if k < 0 {
				return malformed(what)
			}
			b = b[k:]
			continue // unknown group: skipped
		}
		if k < 0 {
			return malformed(what)
		}
		b = b[k:]
		if err := fn(num, typ, val, n); err != nil {
			return err
		}
	}
	return nil
}

// Decode reads an ObjectBatch.
func (d *Decoder) Decode(b []byte) ([]cim.Object, error) {
	return d.AppendDecode(make([]cim.Object, 0, d.hint), b)
}

// AppendDecode reads an ObjectBatch and appends its objects to objs: a
// receiver that hands each batch to a sink, which keeps the objects and
// not the slice, decodes every batch into the same slice.
func (d *Decoder) AppendDecode(objs []cim.Object, b []byte) ([]cim.Object, error) {
	if len(b) >= minSharedText {
		d.batch, d.text = b, ""
		defer func() { d.batch, d.text = nil, "" }()
	}
	return d.appendDecode(objs, b)
}

// AppendDecodeOwned is AppendDecode of a batch the caller gives up: the
// strings of the objects are cut from b itself, without a copy, so b must
// never change afterwards. A receiver whose message was just unmarshaled
// into a new buffer hands that buffer over.
func (d *Decoder) AppendDecodeOwned(objs []cim.Object, b []byte) ([]cim.Object, error) {
	if len(b) > 0 {
		d.batch, d.text = b, unsafe.String(&b[0], len(b))
		defer func() { d.batch, d.text = nil, "" }()
	}
	return d.appendDecode(objs, b)
}

func (d *Decoder) appendDecode(objs []cim.Object, b []byte) ([]cim.Object, error) {
	n := len(objs)
	for {
		f, rest, done, err := next(b, "object batch")
		if err != nil {
			return nil, err
		}
		if done {
			d.hint = max(d.hint, len(objs)-n)
			return objs, nil
		}
		b = rest
		if f.typ != protowire.BytesType {
			continue
		}
		switch f.num {
		case fBatchClasses:
			if err := d.classDef(f.v); err != nil {
				return nil, err
			}
		case fBatchObjects:
			if run, ok := d.runOf(f.v); ok {
				if objs, err = d.appendRun(objs, run); err != nil {
					return nil, err
				}
			} else {
				o, err := d.object(f.v, 0)
				if err != nil {
					return nil, err
				}
				objs = append(objs, o)
			}
		}
		if len(objs)-n > maxObjects {
			return nil, status.Errorf(status.QuotaViolation, "a batch of more than %d objects", maxObjects)
		}
	}
}

// runOf returns the InstanceRun an Object holds, if it holds one.
func (d *Decoder) runOf(b []byte) ([]byte, bool) {
	var (
		run    []byte
		hasRun bool
	)
	for len(b) > 0 {
		f, rest, _, err := next(b, "object")
		if err != nil {
			return nil, false // object reports it
		}
		b = rest
		switch f.num {
		case fObjectRun:
			run, hasRun = f.v, f.typ == protowire.BytesType
		case fObjectClass, fObjectInstance:
			return nil, false
		}
	}
	return run, hasRun
}

// maxEmptyRun bounds the instances of a run that sets no property, which
// take no bytes of their own.
const maxEmptyRun = 1 << 12

// appendRun decodes an InstanceRun and appends its instances to objs.
func (d *Decoder) appendRun(objs []cim.Object, b []byte) ([]cim.Object, error) {
	var (
		id, count             uint64
		set, rows             []byte
		hasID, hasSet, hasCnt bool
	)
	for len(b) > 0 {
		f, rest, _, err := next(b, "instance run")
		if err != nil {
			return nil, err
		}
		b = rest
		switch {
		case f.num == fRunClass && f.typ == protowire.VarintType && !hasID:
			id, hasID = f.n, true
		case f.num == fRunSet && f.typ == protowire.BytesType && !hasSet:
			set, hasSet = f.v, true
		case f.num == fRunCount && f.typ == protowire.VarintType && !hasCnt:
			count, hasCnt = f.n, true
		case f.num == fRunRows && f.typ == protowire.BytesType && rows == nil:
			rows = f.v
		case f.num == fRunClass || f.num == fRunSet || f.num == fRunCount || f.num == fRunRows:
			return nil, malformed("instance run")
		}
	}
	cls, err := d.class(id)
	if err != nil {
		return nil, err
	}
	props := cls.AllProperties()
	if !bitmapFits(set, len(props)) {
		return nil, malformed("instance run property set")
	}
	// The properties each row sets, all scalars.
	var idxBuf [32]int
	idx := idxBuf[:0]
	for k, p := range props {
		if k/8 < len(set) && set[k/8]&(1<<(k%8)) != 0 {
			if !packable(p.Type) {
				return nil, malformed("instance run of a non-scalar property")
			}
			idx = append(idx, k)
		}
	}
	// Every row takes a byte at least when it sets a property.
	if count == 0 || (len(idx) > 0 && count > uint64(len(rows))) || (len(idx) == 0 && (count > maxEmptyRun || len(rows) > 0)) {
		return nil, malformed("instance run count")
	}
	if count > maxObjects {
		return nil, status.Errorf(status.QuotaViolation, "a batch of more than %d objects", maxObjects)
	}
	loc := d.locs[id-1]
	for range count {
		inst, err := d.spawn(id, cls)
		if err != nil {
			return nil, err
		}
		for _, k := range idx {
			var v cim.Value
			if v, rows, err = d.packed(rows, props[k].Type); err != nil {
				return nil, err
			}
			if err := inst.PutAt(k, v); err != nil {
				return nil, err
			}
		}
		inst.Namespace, inst.Server = loc.ns, loc.server
		objs = append(objs, inst)
	}
	if len(rows) > 0 {
		return nil, malformed("instance run rows")
	}
	return objs, nil
}

// spawnBytes bounds the values of the instances spawned ahead at once;
// valueSize is the size of a cim.Value.
const (
	spawnBytes = 32 << 10
	valueSize  = int(unsafe.Sizeof(cim.Value{}))
)

// spawn returns a new instance of the class with that id, from instances
// spawned ahead a batch at a time (cim.Class.SpawnInstances), so that a
// stream of instances costs few allocations.
func (d *Decoder) spawn(id uint64, c *cim.Class) (*cim.Instance, error) {
	for uint64(len(d.spare)) < id {
		d.spare = append(d.spare, nil)
	}
	s := d.spare[id-1]
	if len(s) == 0 {
		// As many as the last batch had, within 16 to 256 and about 32 KiB
		// of values: a larger allocation is slower per byte.
		n := min(max(d.hint, 16), 256, max(1, spawnBytes/(valueSize*max(1, len(c.AllProperties())))))
		var err error
		if s, err = c.SpawnInstances(n); err != nil {
			return nil, err
		}
	}
	d.spare[id-1] = s[1:]
	return s[0], nil
}

func (d *Decoder) class(id uint64) (*cim.Class, error) {
	if id == 0 || id > uint64(len(d.classes)) {
		return nil, malformed("class id")
	}
	return d.classes[id-1], nil
}

func (d *Decoder) classDef(b []byte) error {
	c := &cim.Class{}
	var id, parent uint64
	err := fields(b, "class", func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == fClassID && typ == protowire.VarintType:
			id = n
		case num == fClassParent && typ == protowire.VarintType:
			parent = n
		case num == fClassName && typ == protowire.BytesType:
			c.Name = string(v)
		case num == fClassSuperclass && typ == protowire.BytesType:
			c.Superclass = string(v)
		case num == fClassNamespace && typ == protowire.BytesType:
			c.Namespace = string(v)
		case num == fClassServer && typ == protowire.BytesType:
			c.Server = string(v)
		case num == fClassQualifiers && typ == protowire.BytesType:
			q, err := d.qualifier(v)
			if err != nil {
				return err
			}
			c.Qualifiers = append(c.Qualifiers, q)
		case num == fClassProperties && typ == protowire.BytesType:
			p, err := d.property(v)
			if err != nil {
				return err
			}
			c.Properties = append(c.Properties, p)
		case num == fClassMethods && typ == protowire.BytesType:
			m, err := d.method(v)
			if err != nil {
				return err
			}
			c.Methods = append(c.Methods, m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if id != uint64(len(d.classes))+1 || len(d.classes) >= maxClasses {
		return malformed("class id")
	}
	if parent != 0 {
		p, err := d.class(parent)
		if err != nil {
			return err
		}
		// The class is linked even when it does not validate: the receiver
		// (PutClass) reports its faults with their own codes.
		if err := c.SetParent(p); status.CodeOf(err) == status.CircularReference {
			return err
		}
	}
	d.classes = append(d.classes, c)
	d.locs = append(d.locs, location{c.Namespace, c.Server})
	return nil
}

func (d *Decoder) property(b []byte) (*cim.Property, error) {
	p := &cim.Property{}
	var val []byte
	hasVal := false
	err := fields(b, "property", func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == fPropName && typ == protowire.BytesType:
			p.Name = string(v)
		case num == fPropType && typ == protowire.VarintType:
			if n > math.MaxUint16 {
				return malformed("type")
			}
			p.Type = cim.Type(n)
		case num == fPropClassRef && typ == protowire.BytesType:
			p.ClassRef = string(v)
		case num == fPropValue && typ == protowire.BytesType:
			val, hasVal = v, true
		case num == fPropQualifiers && typ == protowire.BytesType:
			q, err := d.qualifier(v)
			if err != nil {
				return err
			}
			p.Qualifiers = append(p.Qualifiers, q)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if hasVal {
		if p.Value, err = d.value(val, p.Type, 0); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (d *Decoder) method(b []byte) (*cim.Method, error) {
	m := &cim.Method{}
	err := fields(b, "method", func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == fMethodName && typ == protowire.BytesType:
			m.Name = string(v)
		case num == fMethodReturnType && typ == protowire.VarintType:
			if n > math.MaxUint16 {
				return malformed("type")
			}
			m.ReturnType = cim.Type(n)
		case num == fMethodReturnRef && typ == protowire.BytesType:
			m.ReturnRef = string(v)
		case num == fMethodQualifiers && typ == protowire.BytesType:
			q, err := d.qualifier(v)
			if err != nil {
				return err
			}
			m.Qualifiers = append(m.Qualifiers, q)
		case num == fMethodParameters && typ == protowire.BytesType:
			p, err := d.property(v)
			if err != nil {
				return err
			}
			m.Parameters = append(m.Parameters, p)
		}
		return nil
	})
	return m, err
}

func (d *Decoder) qualifier(b []byte) (cim.Qualifier, error) {
	var q cim.Qualifier
	var val []byte
	hasVal := false
	err := fields(b, "qualifier", func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == fQualName && typ == protowire.BytesType:
			q.Name = string(v)
		case num == fQualValue && typ == protowire.BytesType:
			val, hasVal = v, true
		case num == fQualFlavor && typ == protowire.VarintType:
			if n > math.MaxUint32 {
				return malformed("flavor")
			}
			q.Flavor = cim.Flavor(n)
		}
		return nil
	})
	if err == nil && hasVal {
		q.Value, err = d.value(val, 0, 0)
	}
	return q, err
}

func (d *Decoder) object(b []byte, depth int) (cim.Object, error) {
	if depth > maxDepth {
		return nil, malformed("object nesting")
	}
	// The commonest object: an instance of under 128 bytes, alone.
	if len(b) >= 2 && b[0] == fObjectInstance<<3|byte(protowire.BytesType) && b[1] < 0x80 && int(b[1]) == len(b)-2 {
		return d.instance(b[2:], depth)
	}
	var out cim.Object
	for {
		f, rest, done, err := next(b, "object")
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		b = rest
		switch {
		case f.num == fObjectClass && f.typ == protowire.VarintType:
			c, err := d.class(f.n)
			if err != nil {
				return nil, err
			}
			out = c
		case f.num == fObjectInstance && f.typ == protowire.BytesType:
			i, err := d.instance(f.v, depth)
			if err != nil {
				return nil, err
			}
			out = i
		}
	}
	if out == nil {
		return nil, malformed("object")
	}
	return out, nil
}

func (d *Decoder) instance(b []byte, depth int) (*cim.Instance, error) {
	var (
		id                   uint64
		set, nulls, scalars  []byte
		hasSet, hasNulls     bool
		valBuf               [4][]byte
		vals                 = valBuf[:0]
		quals                cim.Qualifiers
		ns, serv             []byte
		hasNS, hasServ, dupl bool
	)
	for len(b) > 0 {
		var f field
		// The fields of an instance are mostly small: a one-byte tag and
		// a one-byte varint or length, read here; next reads the others.
		if len(b) >= 2 && b[0]-8 < 0x78 && b[1] < 0x80 && (b[0]&7 == 0 || b[0]&7 == 2 && len(b) >= 2+int(b[1])) {
			f.num, f.typ = protowire.Number(b[0]>>3), protowire.Type(b[0]&7)
			if f.typ == protowire.VarintType {
				f.n, b = uint64(b[1]), b[2:]
			} else {
				f.v, b = b[2:2+b[1]], b[2+b[1]:]
			}
		} else {
			var err error
			if f, b, _, err = next(b, "instance"); err != nil {
				return nil, err
			}
		}
		switch {
		case f.num == 0: // next's end of input
		case f.num == fInstClass && f.typ == protowire.VarintType:
			dupl = dupl || id != 0
			id = f.n
		case f.typ != protowire.BytesType:
		case f.num == fInstSet:
			dupl = dupl || hasSet
			set, hasSet = f.v, true
		case f.num == fInstNulls:
			dupl = dupl || hasNulls
			nulls, hasNulls = f.v, true
		case f.num == fInstScalars:
			dupl = dupl || scalars != nil
			scalars = f.v
		case f.num == fInstValues:
			vals = append(vals, f.v)
		case f.num == fInstQualifiers:
			q, err := d.qualifier(f.v)
			if err != nil {
				return nil, err
			}
			quals = append(quals, q)
		case f.num == fInstNamespace:
			ns, hasNS = f.v, true
		case f.num == fInstServer:
			serv, hasServ = f.v, true
		}
	}
	if dupl {
		return nil, malformed("instance with a repeated field")
	}
	if id == 0 {
		return nil, malformed("instance without a class")
	}
	cls, err := d.class(id)
	if err != nil {
		return nil, err
	}
	inst, err := d.spawn(id, cls)
	if err != nil {
		return nil, err
	}
	props := inst.Properties()
	if !bitmapFits(set, len(props)) || !bitmapFits(nulls, len(props)) {
		return nil, malformed("instance property set")
	}
	for k := range props {
		if k/8 >= len(set) {
			break
		}
		if set[k/8]&(1<<(k%8)) == 0 {
			if k/8 < len(nulls) && nulls[k/8]&(1<<(k%8)) != 0 {
				return nil, malformed("instance NULL marks")
			}
			continue
		}
		t := props[k].Type
		var v cim.Value
		switch {
		case k/8 < len(nulls) && nulls[k/8]&(1<<(k%8)) != 0:
			v = cim.Null(t)
		case packable(t):
			if v, scalars, err = d.packed(scalars, t); err != nil {
				return nil, err
			}
		default:
			if len(vals) == 0 {
				return nil, malformed("instance values")
			}
			if v, err = d.value(vals[0], t, depth); err != nil {
				return nil, err
			}
			vals = vals[1:]
		}
		if err := inst.PutAt(k, v); err != nil {
			return nil, err
		}
	}
	if len(scalars) > 0 || len(vals) > 0 {
		return nil, malformed("instance values")
	}
	inst.Qualifiers = quals
	loc := &d.locs[id-1]
	if hasNS && string(ns) != loc.ns {
		loc.ns = string(ns)
	}
	if hasServ && string(serv) != loc.server {
		loc.server = string(serv)
	}
	inst.Namespace, inst.Server = loc.ns, loc.server
	return inst, nil
}

// bitmapFits reports whether a property bitmap marks no property past n.
func bitmapFits(m []byte, n int) bool {
	if len(m) > (n+7)/8 {
		return false
	}
	return len(m) == 0 || n%8 == 0 || m[len(m)-1]>>(n%8) == 0
}

// packed reads the next value of type t from an instance's packed
// scalars (appendPacked).
func (d *Decoder) packed(b []byte, t cim.Type) (cim.Value, []byte, error) {
	// The commonest values first: strings and unsigned integers.
	switch t {
	case cim.TypeString:
		if len(b) > 0 && b[0] < 0x80 && int(b[0]) < len(b) {
			k := int(b[0]) + 1
			return cim.String(d.str(b[1:k])), b[k:], nil
		}
		if data, k := protowire.ConsumeBytes(b); k > 0 {
			return cim.String(d.str(data)), b[k:], nil
		}
	case cim.TypeUint8, cim.TypeUint16, cim.TypeUint32, cim.TypeUint64:
		n, k := uint64(0), -1
		if len(b) > 0 && b[0] < 0x80 {
			n, k = uint64(b[0]), 1
		} else {
			n, k = protowire.ConsumeVarint(b)
		}
		if k > 0 {
			switch {
			case t == cim.TypeUint64:
				return cim.Uint64(n), b[k:], nil
			case t == cim.TypeUint32 && n <= math.MaxUint32:
				return cim.Uint32(uint32(n)), b[k:], nil
			case t == cim.TypeUint16 && n <= math.MaxUint16:
				return cim.Uint16(uint16(n)), b[k:], nil
			case t == cim.TypeUint8 && n <= math.MaxUint8:
				return cim.Uint8(uint8(n)), b[k:], nil
			}
		}
	}
	var (
		kind protowire.Number
		n    uint64
		data []byte
		k    int
	)
	switch t {
	case cim.TypeSint8, cim.TypeSint16, cim.TypeSint32, cim.TypeSint64:
		kind = fValueInt
		n, k = protowire.ConsumeVarint(b)
	case cim.TypeReal32:
		var x uint32
		kind = fValueReal32
		x, k = protowire.ConsumeFixed32(b)
		n = uint64(x)
	case cim.TypeReal64:
		kind = fValueReal64
		n, k = protowire.ConsumeFixed64(b)
	case cim.TypeString, cim.TypeDateTime, cim.TypeReference:
		kind = fValueStr
		data, k = protowire.ConsumeBytes(b)
	default:
		kind = fValueUint
		if len(b) > 0 && b[0] < 0x80 {
			n, k = uint64(b[0]), 1
		} else {
			n, k = protowire.ConsumeVarint(b)
		}
	}
	if k < 0 {
		return cim.Value{}, nil, malformed("instance scalars")
	}
	v, err := d.build(t, kind, n, data, 0)
	return v, b[k:], err
}

// value reads a Value message declared with type want (0 for none).
func (d *Decoder) value(b []byte, want cim.Type, depth int) (cim.Value, error) {
	if depth > maxDepth {
		return cim.Value{}, malformed("value nesting")
	}
	// The common case: one field, of the declared type.
	if want != cim.TypeEmpty && len(b) >= 2 {
		switch b[0] {
		case byte(fValueUint<<3 | protowire.VarintType), byte(fValueInt<<3 | protowire.VarintType):
			if n, k := protowire.ConsumeVarint(b[1:]); k > 0 && 1+k == len(b) && want.Valid() {
				return d.build(want, protowire.Number(b[0]>>3), n, nil, depth)
			}
		case byte(fValueStr<<3 | protowire.BytesType):
			if v, k := protowire.ConsumeBytes(b[1:]); k > 0 && 1+k == len(b) && want.Valid() {
				return d.build(want, fValueStr, 0, v, depth)
			}
		}
	}
	t := want
	var (
		kind   protowire.Number
		n      uint64
		data   []byte
		hasVal bool
	)
	for {
		f, rest, done, err := next(b, "value")
		if err != nil {
			return cim.Value{}, err
		}
		if done {
			break
		}
		b = rest
		switch f.num {
		case fValueType:
			if f.typ != protowire.VarintType || f.n > math.MaxUint16 {
				return cim.Value{}, malformed("value type")
			}
			t = cim.Type(f.n)
		case fValueInt, fValueUint, fValueReal32, fValueReal64, fValueStr, fValueObject, fValueArray:
			kind, n, data, hasVal = f.num, f.n, f.v, true
			wantType := protowire.BytesType
			switch f.num {
			case fValueInt, fValueUint:
				wantType = protowire.VarintType
			case fValueReal32:
				wantType = protowire.Fixed32Type
			case fValueReal64:
				wantType = protowire.Fixed64Type
			}
			if f.typ != wantType {
				return cim.Value{}, malformed("value")
			}
		}
	}
	if t == cim.TypeEmpty {
		if hasVal {
			return cim.Value{}, malformed("untyped value")
		}
		return cim.Value{}, nil
	}
	if !t.Valid() {
		return cim.Value{}, status.Errorf(status.InvalidCIMType, "invalid CIM type %d on the wire", uint16(t))
	}
	if !hasVal {
		return cim.Null(t), nil
	}
	return d.build(t, kind, n, data, depth)
}

// build makes a value of type t from its field.
func (d *Decoder) build(t cim.Type, kind protowire.Number, n uint64, data []byte, depth int) (cim.Value, error) {
	mismatch := func() (cim.Value, error) {
		return cim.Value{}, status.Errorf(status.TypeMismatch, "a value of type %s on the wire has the wrong kind", t)
	}
	if t.IsArray() {
		if kind != fValueArray {
			return mismatch()
		}
		var elems []cim.Value
		err := fields(data, "array", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			if num != fArrayElems || typ != protowire.BytesType {
				return nil
			}
			el, err := d.value(v, t.Base(), depth+1)
			if err != nil {
				return err
			}
			elems = append(elems, el)
			return nil
		})
		if err != nil {
			return cim.Value{}, err
		}
		return cim.Array(t.Base(), elems...)
	}
	switch t {
	case cim.TypeSint8, cim.TypeSint16, cim.TypeSint32, cim.TypeSint64:
		if kind != fValueInt {
			return mismatch()
		}
		x := protowire.DecodeZigZag(n)
		switch t {
		case cim.TypeSint8:
			if x != int64(int8(x)) {
				return mismatch()
			}
			return cim.Sint8(int8(x)), nil
		case cim.TypeSint16:
			if x != int64(int16(x)) {
				return mismatch()
			}
			return cim.Sint16(int16(x)), nil
		case cim.TypeSint32:
			if x != int64(int32(x)) {
				return mismatch()
			}
			return cim.Sint32(int32(x)), nil
		}
		return cim.Sint64(x), nil
	case cim.TypeUint8, cim.TypeUint16, cim.TypeUint32, cim.TypeUint64, cim.TypeChar16, cim.TypeBoolean:
		if kind != fValueUint {
			return mismatch()
		}
		switch t {
		case cim.TypeUint8:
			if n > math.MaxUint8 {
				return mismatch()
			}
			return cim.Uint8(uint8(n)), nil
		case cim.TypeUint16:
			if n > math.MaxUint16 {
				return mismatch()
			}
			return cim.Uint16(uint16(n)), nil
		case cim.TypeChar16:
			if n > math.MaxUint16 {
				return mismatch()
			}
			return cim.Char16(uint16(n)), nil
		case cim.TypeUint32:
			if n > math.MaxUint32 {
				return mismatch()
			}
			return cim.Uint32(uint32(n)), nil
		case cim.TypeBoolean:
			if n > 1 {
				return mismatch()
			}
			return cim.Boolean(n == 1), nil
		}
		return cim.Uint64(n), nil
	case cim.TypeReal32:
		if kind != fValueReal32 {
			return mismatch()
		}
		return cim.Real32(math.Float32frombits(uint32(n))), nil
	case cim.TypeReal64:
		if kind != fValueReal64 {
			return mismatch()
		}
		return cim.Real64(math.Float64frombits(n)), nil
	case cim.TypeString:
		if kind != fValueStr {
			return mismatch()
		}
		return cim.String(d.str(data)), nil
	case cim.TypeDateTime:
		if kind != fValueStr {
			return mismatch()
		}
		return cim.ParseDateTimeValue(d.str(data))
	case cim.TypeReference:
		if kind != fValueStr {
			return mismatch()
		}
		return cim.ReferenceText(d.str(data))
	case cim.TypeObject:
		if kind != fValueObject {
			return mismatch()
		}
		o, err := d.object(data, depth+1)
		if err != nil {
			return cim.Value{}, err
		}
		return cim.Embedded(o), nil
	}
	return mismatch()
}

// DecodeContext reads a Context message; an empty one is a nil Context.
func (d *Decoder) DecodeContext(b []byte) (*wbem.Context, error) {
	if len(b) == 0 {
		return nil, nil
	}
	c := wbem.NewContext()
	err := d.named(b, func(name string, v cim.Value) error { return c.SetValue(name, v) })
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeKeys reads a Context message of key values.
func (d *Decoder) DecodeKeys(b []byte) (map[string]cim.Value, error) {
	m := map[string]cim.Value{}
	err := d.named(b, func(name string, v cim.Value) error {
		m[name] = v
		return nil
	})
	return m, err
}

func (d *Decoder) named(b []byte, fn func(string, cim.Value) error) error {
	return fields(b, "context", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != fContextValues || typ != protowire.BytesType {
			return nil
		}
		var (
			name   string
			val    []byte
			hasVal bool
		)
		err := fields(v, "context value", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			switch {
			case num == fNamedName && typ == protowire.BytesType:
				name = string(v)
			case num == fNamedValue && typ == protowire.BytesType:
				val, hasVal = v, true
			}
			return nil
		})
		if err != nil {
			return err
		}
		var cv cim.Value
		if hasVal {
			if cv, err = d.value(val, 0, 0); err != nil {
				return err
			}
		}
		if name == "" {
			return malformed("context value name")
		}
		return fn(name, cv)
	})
}

// DecodeObject reads a standalone ObjectBatch of at most one object.
func DecodeObject(b []byte) (cim.Object, error) {
	if len(b) == 0 {
		return nil, nil
	}
	objs, err := NewDecoder().Decode(b)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, malformed("single object")
	}
	return objs[0], nil
}

// DecodeContext reads a standalone Context message.
func DecodeContext(b []byte) (*wbem.Context, error) {
	return NewDecoder().DecodeContext(b)
}
