package repository

import (
	"bytes"
	"encoding/binary"
	"sort"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Instance identity. An instance is stored under its class and its
// canonical key: the key values in the order of the folded key names,
// converted to the key properties' types, strings case-folded. Key
// uniqueness spans the key root: the highest ancestor with the same key
// properties (for a singleton, the highest singleton ancestor). As in WMI,
// an instance of one class of a key root cannot coexist with an instance of
// another class with the same key: writing it replaces the old one, and
// GetInstance with a path naming an ancestor finds the instance of the
// subclass.

var singletonKey = []byte{'@'}

const keyedPrefix = 0x01

// appendEscaped appends s so that it sorts as s does and ends
// unambiguously: 0x00 becomes 0x00 0xFF and the end is 0x00 0x01.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xFF)
		} else {
			b = append(b, s[i])
		}
	}
	return append(b, 0, 1)
}

// appendKeyValue appends the canonical form of a key value already of the
// key's type.
func (t *tx) appendKeyValue(b []byte, n *nsRef, typ cim.Type, v cim.Value) []byte {
	switch {
	case typ.IsSigned():
		x, _ := v.Int()
		return binary.BigEndian.AppendUint64(b, uint64(x)^1<<63)
	case typ.IsInteger() || typ == cim.TypeChar16 || typ == cim.TypeBoolean:
		x, _ := v.Uint()
		return binary.BigEndian.AppendUint64(b, x)
	case typ == cim.TypeString:
		s, _ := v.Str()
		return appendEscaped(b, fold(s))
	case typ == cim.TypeReference:
		if p, ok := v.Path(); ok {
			return appendEscaped(b, string(t.canonPath(n, p, true)))
		}
		s, _ := v.Str()
		return appendEscaped(b, fold(s))
	}
	return appendEscaped(b, v.String())
}

// convertKey converts a path's key value to the key property's type.
func convertKey(v cim.Value, typ cim.Type) (cim.Value, bool) {
	if v.Type() == typ {
		return v, true
	}
	if cv, err := v.Convert(typ); err == nil {
		return cv, true
	}
	if typ == cim.TypeString && !v.Type().IsArray() && v.Type() != cim.TypeObject {
		return cim.String(v.String()), true
	}
	return cim.Value{}, false
}

// instanceKey returns the canonical key of an instance of ci whose key
// values are set (KeyBindings succeeded).
func (t *tx) instanceKey(n *nsRef, ci *classInfo, inst *cim.Instance) []byte {
	if len(ci.keys) == 0 {
		return singletonKey
	}
	b := []byte{keyedPrefix}
	for _, k := range ci.keys {
		b = t.appendKeyValue(b, n, k.typ, inst.At(k.idx))
	}
	return b
}

// pathKey returns the canonical key an instance path names in class ci.
func (t *tx) pathKey(n *nsRef, ci *classInfo, p cim.Path) ([]byte, error) {
	bad := func(format string, args ...any) ([]byte, error) {
		return nil, status.Errorf(status.InvalidObjectPath, format, args...)
	}
	if ci.singleton {
		if len(p.Keys) > 0 {
			return bad("class %s is a singleton; its path is %s=@", ci.c.Name, ci.c.Name)
		}
		return singletonKey, nil
	}
	if len(ci.keys) == 0 {
		return bad("class %s has no key properties", ci.c.Name)
	}
	if len(p.Keys) != len(ci.keys) {
		return bad("the path names %d keys; class %s has %d", len(p.Keys), ci.c.Name, len(ci.keys))
	}
	vals := make([]cim.Value, len(ci.keys))
	if len(p.Keys) == 1 && p.Keys[0].Name == "" {
		vals[0] = p.Keys[0].Value
	} else {
		seen := make([]bool, len(ci.keys))
		for _, kb := range p.Keys {
			f := fold(kb.Name)
			j := sort.Search(len(ci.keys), func(i int) bool { return ci.keys[i].fname >= f })
			if j == len(ci.keys) || ci.keys[j].fname != f {
				return bad("%s is not a key of class %s", kb.Name, ci.c.Name)
			}
			if seen[j] {
				return bad("key %s appears twice", kb.Name)
			}
			seen[j] = true
			vals[j] = kb.Value
		}
	}
	b := []byte{keyedPrefix}
	for j, k := range ci.keys {
		if vals[j].IsNull() {
			return bad("key %s is NULL", k.name)
		}
		v, ok := convertKey(vals[j], k.typ)
		if !ok {
			return bad("key %s: %s is not a %s", k.name, vals[j], k.typ)
		}
		b = t.appendKeyValue(b, n, k.typ, v)
	}
	return b, nil
}

// canonPath returns the canonical form of an object path seen from
// namespace n: the namespace when it is another one, the class (its key
// root when resolve and the class is known), and the key values as folded
// text, so that `X.Id="5"` and `X.Id=5` compare equal.
func (t *tx) canonPath(n *nsRef, p cim.Path, resolve bool) []byte {
	target := n
	nsPart := ""
	if p.Namespace != "" {
		if nn, ok := parseNamespace(p.Namespace); ok {
			if nn.key != n.key {
				nsPart = nn.key
				target = t.nsByKey(nn.key)
			}
		} else {
			nsPart = fold(p.Namespace)
			target = nil
		}
	}
	classPart := fold(p.Class)
	var ci *classInfo
	if target != nil {
		ci, _ = t.class(target, classPart)
	}
	if ci != nil && resolve {
		classPart = ci.keyRoot
	}
	type kv struct{ name, val string }
	kvs := make([]kv, len(p.Keys))
	for i, k := range p.Keys {
		name := fold(k.Name)
		if name == "" && len(p.Keys) == 1 && ci != nil && len(ci.keys) == 1 {
			name = ci.keys[0].fname
		}
		kvs[i] = kv{name, t.literalCanon(target, k.Value)}
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].name < kvs[j].name })
	e := encoder{b: make([]byte, 0, 64)}
	e.str(nsPart)
	e.str(classPart)
	e.uv(uint64(len(kvs)))
	for _, k := range kvs {
		e.str(k.name)
		e.str(k.val)
	}
	if p.Singleton || len(p.Keys) == 0 {
		e.byte1(1)
	} else {
		e.byte1(0)
	}
	return e.b
}

// literalCanon returns the canonical text of a key value in a path.
func (t *tx) literalCanon(n *nsRef, v cim.Value) string {
	if v.IsNull() {
		return ""
	}
	switch v.Type() {
	case cim.TypeReference:
		if p, ok := v.Path(); ok && n != nil {
			return "\x01" + string(t.canonPath(n, p, true))
		}
	case cim.TypeString:
		s, _ := v.Str()
		if n != nil && bytes.ContainsAny([]byte(s), ".=") {
			if p, err := cim.ParsePath(s); err == nil && p.Class != "" && (len(p.Keys) > 0 || p.Singleton) {
				return "\x01" + string(t.canonPath(n, p, true))
			}
		}
		return fold(s)
	}
	if s, ok := v.Str(); ok {
		return fold(s)
	}
	return v.String()
}

// keyIndex returns the key index bucket of a key root, or nil.
func keyIndex(n *nsRef, keyRoot string) kvBucket {
	return n.sub(subKeys).Bucket([]byte(keyRoot))
}

// locate finds the instance a canonical key names in the key root of ci:
// the class holding it and its record; nil when there is none.
func (t *tx) locate(n *nsRef, ci *classInfo, key []byte) (*classInfo, []byte, error) {
	kb := keyIndex(n, ci.keyRoot)
	if kb == nil {
		return nil, nil, nil
	}
	holder := kb.Get(key)
	if holder == nil {
		return nil, nil, nil
	}
	hci := ci
	if string(holder) != ci.lname {
		var err error
		if hci, err = t.class(n, string(holder)); err != nil {
			return nil, nil, err
		}
		if hci == nil {
			return nil, nil, corrupt("key index names the missing class " + string(holder))
		}
	}
	ib := n.sub(subInstances).Bucket([]byte(hci.lname))
	if ib == nil {
		return nil, nil, corrupt("no instances of " + hci.lname)
	}
	rec := ib.Get(key)
	if rec == nil {
		return nil, nil, corrupt("key index names a missing instance of " + hci.lname)
	}
	return hci, rec, nil
}

func (t *tx) decode(n *nsRef, ci *classInfo, rec []byte) (*cim.Instance, error) {
	inst, err := decodeInstance(rec, ci.c, ci.index)
	if err != nil {
		return nil, err
	}
	inst.Namespace = n.name
	return inst, nil
}

func (t *tx) GetInstance(namespace string, path cim.Path) (*cim.Instance, error) {
	n, err := t.ns(namespace)
	if err != nil {
		return nil, err
	}
	if isNamespaceClass(path.Class) {
		if child := t.childFromPath(n, path); child != nil {
			return t.namespaceInstance(n, lastSegment(child.name)), nil
		}
	}
	ci, err := t.class(n, fold(path.Class))
	if err != nil {
		return nil, err
	}
	if ci == nil {
		if isNamespaceClass(path.Class) {
			return nil, status.Errorf(status.NotFound, "%s does not exist", path)
		}
		return nil, status.Errorf(status.NotFound, "class %s does not exist in %s", path.Class, n.name)
	}
	key, err := t.pathKey(n, ci, path)
	if err != nil {
		return nil, err
	}
	hci, rec, err := t.locate(n, ci, key)
	if err != nil {
		return nil, err
	}
	if hci == nil || !hci.c.InheritsFrom(ci.c.Name) {
		return nil, status.Errorf(status.NotFound, "instance %s does not exist in %s", path, n.name)
	}
	return t.decode(n, hci, rec)
}

// childFromPath returns the child namespace a __NAMESPACE path names.
func (t *tx) childFromPath(n *nsRef, p cim.Path) *nsRef {
	if len(p.Keys) != 1 || (p.Keys[0].Name != "" && fold(p.Keys[0].Name) != "name") {
		return nil
	}
	s, ok := p.Keys[0].Value.Str()
	if !ok || !cim.ValidName(s) {
		return nil
	}
	return t.nsByKey(n.key + `\` + fold(s))
}

func (t *tx) PutInstance(namespace string, inst *cim.Instance, flags uint32) error {
	if err := t.writeCheck(); err != nil {
		return err
	}
	if inst == nil {
		return status.New(status.InvalidParameter, "nil instance")
	}
	if flags&^(flagPutModeMask|flagsIgnored) != 0 || flags&flagPutModeMask == flagPutModeMask {
		return status.Errorf(status.InvalidParameter, "invalid PutInstance flags %#x", flags)
	}
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	if isNamespaceClass(inst.ClassName()) {
		return t.putNamespaceInstance(n, inst, flags)
	}
	ci, err := t.class(n, fold(inst.ClassName()))
	if err != nil {
		return err
	}
	if ci == nil {
		return status.Errorf(status.InvalidClass, "class %s does not exist in %s", inst.ClassName(), n.name)
	}
	switch {
	case ci.c.IsAbstract():
		return status.Errorf(status.InvalidOperation, "class %s is abstract: it cannot have instances", ci.c.Name)
	case ci.c.IsDynamic():
		return status.Errorf(status.InvalidOperation, "class %s is dynamic: its instances belong to its provider", ci.c.Name)
	case ci.c.AllQualifiers().Has("Amendment"):
		return status.Errorf(status.InvalidOperation, "class %s is an amendment", ci.c.Name)
	}
	stored, err := rehome(ci, inst)
	if err != nil {
		return err
	}
	stored.Namespace = n.name
	if _, err := stored.KeyBindings(); err != nil {
		return err
	}
	for i, p := range stored.Properties() {
		if stored.At(i).IsNull() && p.Qualifiers.Has("Not_Null") {
			return status.Errorf(status.IllegalNull, "property %s.%s is Not_Null", ci.c.Name, p.Name)
		}
	}
	key := t.instanceKey(n, ci, stored)
	hci, oldRec, err := t.locate(n, ci, key)
	if err != nil {
		return err
	}
	switch {
	case hci != nil && flags&FlagCreateOnly != 0:
		return status.Errorf(status.AlreadyExists, "instance %s already exists in %s", stored, n.name)
	case hci == nil && flags&FlagUpdateOnly != 0:
		return status.Errorf(status.NotFound, "instance %s does not exist in %s", stored, n.name)
	}
	var prev *cim.Instance
	if hci != nil && (t.record || len(hci.refs) > 0) {
		if prev, err = t.decode(n, hci, oldRec); err != nil {
			return err
		}
	}
	if hci != nil && hci != ci {
		// Another class of the key root holds the key: the new instance replaces it.
		if err := t.removeInstance(n, hci, key, prev); err != nil {
			return err
		}
		t.emit(InstanceDeleted, n.name, prev, prev)
		hci, prev = nil, nil
	}
	rec := encodeInstance(stored)
	if err := t.writeInstance(n, ci, key, rec, stored, prev, hci == nil); err != nil {
		return err
	}
	if t.record {
		obj, err := t.decode(n, ci, rec)
		if err != nil {
			return t.fail(err)
		}
		if hci == nil {
			t.emit(InstanceCreated, n.name, obj, nil)
		} else {
			t.emit(InstanceModified, n.name, obj, prev)
		}
	}
	return nil
}

// rehome copies the values an instance sets onto a new instance of the
// stored class. A property the class does not have is
// WBEM_E_INVALID_PROPERTY; a value that does not convert keeps cim's code.
func rehome(ci *classInfo, src *cim.Instance) (*cim.Instance, error) {
	dst, err := ci.c.SpawnInstance()
	if err != nil {
		return nil, err
	}
	same := src.Class() == ci.c
	for i, p := range src.Properties() {
		if !src.IsSet(i) {
			continue
		}
		di := i
		if !same {
			if di = ci.c.PropertyIndex(p.Name); di < 0 {
				return nil, status.Errorf(status.InvalidProperty, "class %s has no property %s", ci.c.Name, p.Name)
			}
		}
		if err := dst.PutAt(di, src.At(i)); err != nil {
			return nil, err
		}
	}
	dst.Qualifiers = src.Qualifiers.Clone()
	return dst, nil
}

// refTargets returns the canonical targets of an instance's reference
// properties.
func (t *tx) refTargets(n *nsRef, ci *classInfo, inst *cim.Instance) [][]byte {
	if inst == nil || len(ci.refs) == 0 {
		return nil
	}
	var out [][]byte
	add := func(v cim.Value) {
		if p, ok := v.Path(); ok {
			c := t.canonPath(n, p, true)
			for _, o := range out {
				if bytes.Equal(o, c) {
					return
				}
			}
			out = append(out, c)
		}
	}
	for _, idx := range ci.refs {
		v := inst.At(idx)
		if v.IsNull() {
			continue
		}
		if a, ok := v.Array(); ok {
			for _, e := range a {
				add(e)
			}
			continue
		}
		add(v)
	}
	return out
}

func refKey(target []byte, lclass string, key []byte) []byte {
	e := encoder{b: make([]byte, 0, len(target)+len(lclass)+len(key)+4)}
	e.b = append(e.b, target...)
	e.str(lclass)
	e.b = append(e.b, key...)
	return e.b
}

// writeInstance stores an instance record and keeps the key and reference
// indexes; prev is the instance it replaces in the same class (nil if new
// or when the class has no references and no watcher needs it).
func (t *tx) writeInstance(n *nsRef, ci *classInfo, key, rec []byte, inst, prev *cim.Instance, isNew bool) error {
	ib, err := n.sub(subInstances).CreateBucketIfNotExists([]byte(ci.lname))
	if err != nil {
		return t.fail(err)
	}
	if err := ib.Put(key, rec); err != nil {
		return t.fail(err)
	}
	if isNew {
		kb, err := n.sub(subKeys).CreateBucketIfNotExists([]byte(ci.keyRoot))
		if err != nil {
			return t.fail(err)
		}
		if err := kb.Put(key, []byte(ci.lname)); err != nil {
			return t.fail(err)
		}
	}
	if len(ci.refs) == 0 {
		return nil
	}
	oldT := t.refTargets(n, ci, prev)
	newT := t.refTargets(n, ci, inst)
	rb := n.sub(subRefs)
	for _, o := range oldT {
		if !containsBytes(newT, o) {
			if err := rb.Delete(refKey(o, ci.lname, key)); err != nil {
				return t.fail(err)
			}
		}
	}
	for _, nt := range newT {
		if !containsBytes(oldT, nt) {
			if err := rb.Put(refKey(nt, ci.lname, key), []byte{}); err != nil {
				return t.fail(err)
			}
		}
	}
	return nil
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

// removeInstance deletes an instance record and its index entries; prev is
// the decoded instance (needed when the class has references).
func (t *tx) removeInstance(n *nsRef, ci *classInfo, key []byte, prev *cim.Instance) error {
	if ib := n.sub(subInstances).Bucket([]byte(ci.lname)); ib != nil {
		if err := ib.Delete(key); err != nil {
			return t.fail(err)
		}
	}
	if kb := keyIndex(n, ci.keyRoot); kb != nil {
		if err := kb.Delete(key); err != nil {
			return t.fail(err)
		}
	}
	rb := n.sub(subRefs)
	for _, o := range t.refTargets(n, ci, prev) {
		if err := rb.Delete(refKey(o, ci.lname, key)); err != nil {
			return t.fail(err)
		}
	}
	return nil
}

// deleteInstancesOf deletes every instance of one class (not of its
// subclasses).
func (t *tx) deleteInstancesOf(n *nsRef, lclass string) error {
	ci, err := t.class(n, lclass)
	if err != nil || ci == nil {
		return err
	}
	ib := n.sub(subInstances).Bucket([]byte(lclass))
	if ib == nil {
		return nil
	}
	type item struct {
		key  []byte
		inst *cim.Instance
	}
	var items []item
	c := ib.Cursor()
	for k, v := c.Seek(nil); k != nil; k, v = c.Next() {
		it := item{key: bytes.Clone(k)}
		if t.record || len(ci.refs) > 0 {
			if it.inst, err = t.decode(n, ci, v); err != nil {
				return err
			}
		}
		items = append(items, it)
	}
	for _, it := range items {
		if err := t.removeInstance(n, ci, it.key, it.inst); err != nil {
			return err
		}
		t.emit(InstanceDeleted, n.name, it.inst, it.inst)
	}
	return nil
}

func (t *tx) putNamespaceInstance(n *nsRef, inst *cim.Instance, flags uint32) error {
	v, _ := inst.Get("Name")
	name, ok := v.Str()
	if !ok || v.IsNull() {
		return status.New(status.IllegalNull, "__NAMESPACE.Name is NULL")
	}
	if !cim.ValidName(name) {
		return status.Errorf(status.InvalidParameter, "invalid namespace name %q", name)
	}
	exists := t.nsByKey(n.key+`\`+fold(name)) != nil
	switch {
	case exists && flags&FlagCreateOnly != 0:
		return status.Errorf(status.AlreadyExists, `namespace %s\%s already exists`, n.name, name)
	case !exists && flags&FlagUpdateOnly != 0:
		return status.Errorf(status.NotFound, `namespace %s\%s does not exist`, n.name, name)
	case exists:
		return nil
	}
	return t.CreateNamespace(n.name + `\` + name)
}

func (t *tx) DeleteInstance(namespace string, path cim.Path) error {
	if err := t.writeCheck(); err != nil {
		return err
	}
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	if isNamespaceClass(path.Class) {
		child := t.childFromPath(n, path)
		if child == nil {
			return status.Errorf(status.NotFound, "%s does not exist in %s", path, n.name)
		}
		return t.deleteNamespace(child)
	}
	ci, err := t.class(n, fold(path.Class))
	if err != nil {
		return err
	}
	if ci == nil {
		return status.Errorf(status.InvalidClass, "class %s does not exist in %s", path.Class, n.name)
	}
	key, err := t.pathKey(n, ci, path)
	if err != nil {
		return err
	}
	hci, rec, err := t.locate(n, ci, key)
	if err != nil {
		return err
	}
	if hci == nil || !hci.c.InheritsFrom(ci.c.Name) {
		return status.Errorf(status.NotFound, "instance %s does not exist in %s", path, n.name)
	}
	var prev *cim.Instance
	if t.record || len(hci.refs) > 0 {
		if prev, err = t.decode(n, hci, rec); err != nil {
			return err
		}
	}
	if err := t.removeInstance(n, hci, key, prev); err != nil {
		return err
	}
	t.emit(InstanceDeleted, n.name, prev, prev)
	return nil
}

// enumBatch is how many instances Instances decodes before calling fn on
// them; between batches it looks its place up again, so fn may write to
// the transaction.
const enumBatch = 256

func (t *tx) Instances(namespace, class string, deep bool, fn func(*cim.Instance) error) error {
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	if err := ctxErr(t.ctx); err != nil {
		return err
	}
	ci, err := t.class(n, fold(class))
	if err != nil {
		return err
	}
	var classes []string
	switch {
	case ci != nil:
		classes = append(classes, ci.lname)
		if deep {
			classes = append(classes, t.descendants(n, ci.lname)...)
		}
	case isNamespaceClass(class):
		classes = []string{"__namespace"}
	default:
		return status.Errorf(status.InvalidClass, "class %s does not exist in %s", class, n.name)
	}
	for _, l := range classes {
		if l == "__namespace" {
			if err := t.namespaceInstances(n, fn); err != nil {
				return err
			}
			continue
		}
		if err := t.instancesOf(n, l, fn); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) namespaceInstances(n *nsRef, fn func(*cim.Instance) error) error {
	children, err := t.Namespaces(n.name)
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := ctxErr(t.ctx); err != nil {
			return err
		}
		if err := fn(t.namespaceInstance(n, lastSegment(c))); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) instancesOf(n *nsRef, lclass string, fn func(*cim.Instance) error) error {
	batch := make([]*cim.Instance, 0, enumBatch)
	var after []byte
	for {
		if err := ctxErr(t.ctx); err != nil {
			return err
		}
		// Look everything up again: fn may have changed the transaction.
		if n = t.nsByKey(n.key); n == nil {
			return nil
		}
		ci, err := t.class(n, lclass)
		if err != nil || ci == nil {
			return err
		}
		ib := n.sub(subInstances).Bucket([]byte(lclass))
		if ib == nil {
			return nil
		}
		batch = batch[:0]
		c := ib.Cursor()
		k, v := c.Seek(after)
		if after != nil && k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
		for ; k != nil && len(batch) < enumBatch; k, v = c.Next() {
			inst, err := t.decode(n, ci, v)
			if err != nil {
				return err
			}
			batch = append(batch, inst)
			after = append(after[:0], k...)
		}
		for _, inst := range batch {
			if err := t.tick(); err != nil {
				return err
			}
			if err := fn(inst); err != nil {
				return err
			}
		}
		if len(batch) < enumBatch {
			return nil
		}
	}
}

func (t *tx) References(namespace string, target cim.Path, fn func(assoc *cim.Instance) error) error {
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	if err := ctxErr(t.ctx); err != nil {
		return err
	}
	targets := [][]byte{t.canonPath(n, target, true)}
	if lit := t.canonPath(n, target, false); !bytes.Equal(lit, targets[0]) {
		targets = append(targets, lit)
	}
	type hit struct {
		lclass string
		key    []byte
	}
	var hits []hit
	seen := map[string]bool{}
	rb := n.sub(subRefs)
	for _, tg := range targets {
		c := rb.Cursor()
		for k, _ := c.Seek(tg); k != nil && bytes.HasPrefix(k, tg); k, _ = c.Next() {
			d := decoder{b: k[len(tg):]}
			lclass := d.str()
			if d.err != nil {
				return d.err
			}
			id := lclass + "\x00" + string(d.b)
			if !seen[id] {
				seen[id] = true
				hits = append(hits, hit{lclass, bytes.Clone(d.b)})
			}
		}
	}
	for _, h := range hits {
		if err := ctxErr(t.ctx); err != nil {
			return err
		}
		ci, err := t.class(n, h.lclass)
		if err != nil {
			return err
		}
		if ci == nil || !ci.assoc {
			continue
		}
		ib := n.sub(subInstances).Bucket([]byte(h.lclass))
		if ib == nil {
			continue
		}
		rec := ib.Get(h.key)
		if rec == nil {
			continue
		}
		inst, err := t.decode(n, ci, rec)
		if err != nil {
			return err
		}
		match := false
		for _, rt := range t.refTargets(n, ci, inst) {
			if containsBytes(targets, rt) {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		if err := fn(inst); err != nil {
			return err
		}
	}
	return nil
}
