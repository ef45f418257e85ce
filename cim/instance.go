package cim

import (
	"slices"
	"strings"

	"github.com/gowmi/gowmi/wbem/status"
)

// Instance is an instance of a class, spawned with Class.SpawnInstance.
// An Instance is used by one goroutine at a time. It keeps the inherited
// view its class had when it was spawned.
type Instance struct {
	class      *Class
	lay        *classLayout
	values     []Value // by property; the zero Value stands for the class default (lay.defaults)
	set        setBits // the instance has its own value (not the class default)
	Qualifiers Qualifiers
	Namespace  string
	Server     string
}

// Genus returns GenusInstance.
func (i *Instance) Genus() Genus { return GenusInstance }

// ClassName returns the name of the instance's class.
func (i *Instance) ClassName() string { return i.class.Name }

// Class returns the instance's class.
func (i *Instance) Class() *Class { return i.class }

// InheritsFrom reports whether the instance's class is name or derives from it.
func (i *Instance) InheritsFrom(name string) bool { return i.class.InheritsFrom(name) }

// ObjectQualifiers returns the instance's qualifiers and the class
// qualifiers that propagate to instances (FlavorToInstance), the latter
// marked FlavorOriginPropagated. An instance qualifier that overrides a
// DisableOverride class qualifier with another value is ignored: the class's
// stands (SetQualifier refuses it).
func (i *Instance) ObjectQualifiers() Qualifiers {
	q, err := inherit(i.lay.quals, i.Qualifiers, FlavorToInstance, "")
	if err == nil {
		return q
	}
	own := make(Qualifiers, 0, len(i.Qualifiers))
	for _, oq := range i.Qualifiers {
		if cq, ok := i.lay.quals.Get(oq.Name); ok && cq.Flavor&FlavorToInstance != 0 &&
			cq.Flavor&FlavorNotOverridable != 0 && !cq.Value.Equal(oq.Value) {
			continue
		}
		own = append(own, oq)
	}
	q, _ = inherit(i.lay.quals, own, FlavorToInstance, "")
	return q
}

// SetQualifier adds or replaces a qualifier of the instance
// (IWbemQualifierSet::Put on the instance's qualifier set). Overriding a
// DisableOverride qualifier that the class propagates to instances with
// another value is WBEM_E_OVERRIDE_NOT_ALLOWED.
func (i *Instance) SetQualifier(q Qualifier) error {
	if cq, ok := i.lay.quals.Get(q.Name); ok && cq.Flavor&FlavorToInstance != 0 &&
		cq.Flavor&FlavorNotOverridable != 0 && !cq.Value.Equal(q.Value) {
		return status.Errorf(status.OverrideNotAllowed, "qualifier %s of class %s is DisableOverride and cannot be overridden", cq.Name, i.class.Name)
	}
	return i.Qualifiers.Set(q)
}

// DeleteQualifier removes a qualifier of the instance. A qualifier the
// instance only has from its class is WBEM_E_PROPAGATED_QUALIFIER, an
// unknown one WBEM_E_NOT_FOUND.
func (i *Instance) DeleteQualifier(name string) error {
	if i.Qualifiers.Index(name) >= 0 {
		return i.Qualifiers.Delete(name)
	}
	if i.ObjectQualifiers().Index(name) >= 0 {
		return status.Errorf(status.PropagatedQualifier, "qualifier %s comes from class %s", name, i.class.Name)
	}
	return status.Errorf(status.NotFound, "instance of %s has no qualifier %s", i.class.Name, name)
}

// PropertyQualifiers returns the qualifiers of a property as the instance
// sees them: those of the class that propagate to instances, marked
// FlavorOriginPropagated. An unknown property is WBEM_E_NOT_FOUND; a system
// property, which has no qualifiers, WBEM_E_SYSTEM_PROPERTY.
func (i *Instance) PropertyQualifiers(name string) (Qualifiers, error) {
	idx := i.lay.lookup(name)
	if idx < 0 {
		if IsSystemProperty(name) {
			return nil, status.Errorf(status.SystemProperty, "system property %s has no qualifiers", name)
		}
		return nil, status.Errorf(status.NotFound, "class %s has no property %s", i.class.Name, name)
	}
	return propagate(i.lay.props[idx].Qualifiers, FlavorToInstance), nil
}

// Properties returns the class's properties in order; use Value or At for
// their values in the instance. The slice must not be modified.
func (i *Instance) Properties() []*Property { return i.lay.props }

// PropertyIndex returns the position of the named property in Properties,
// or -1.
func (i *Instance) PropertyIndex(name string) int { return i.lay.lookup(name) }

// At returns the value of the property at index idx of Properties.
func (i *Instance) At(idx int) Value { return *i.AtRef(idx) }

// AtRef is At without the copy, for encoders that read every value of many
// instances: the value must not be changed through the pointer (PutAt
// changes values).
func (i *Instance) AtRef(idx int) *Value {
	if v := &i.values[idx]; v.typ != TypeEmpty {
		return v
	}
	return &i.lay.defaults[idx]
}

// IsSet reports whether the instance has its own value for the property at
// idx, rather than the class default.
func (i *Instance) IsSet(idx int) bool { return i.set.get(idx) }

// setBits marks properties by index: a word in place for the first 64 (no
// allocation for most classes), words behind a pointer beyond, so that the
// marks take 16 bytes of every instance.
type setBits struct {
	low  uint64
	high *[]uint64
}

func (b *setBits) get(i int) bool {
	if i < 64 {
		return b.low>>uint(i)&1 != 0
	}
	if b.high == nil {
		return false
	}
	w, high := (i-64)/64, *b.high
	return w < len(high) && high[w]>>uint((i-64)%64)&1 != 0
}

func (b *setBits) put(i int, on bool) {
	word := &b.low
	if i >= 64 {
		w := (i - 64) / 64
		if b.high == nil || w >= len(*b.high) {
			if !on {
				return
			}
			var high []uint64
			if b.high != nil {
				high = *b.high
			}
			high = append(high, make([]uint64, w+1-len(high))...)
			b.high = &high
		}
		word, i = &(*b.high)[w], (i-64)%64
	}
	if on {
		*word |= 1 << uint(i)
	} else {
		*word &^= 1 << uint(i)
	}
}

func (b setBits) clone() setBits {
	if b.high != nil {
		high := slices.Clone(*b.high)
		b.high = &high
	}
	return b
}

// Get returns a property's value or a system property. An unknown name is
// WBEM_E_NOT_FOUND.
func (i *Instance) Get(name string) (Value, error) {
	if idx := i.lay.lookup(name); idx >= 0 {
		return i.At(idx), nil
	}
	if strings.HasPrefix(name, "__") {
		return systemProperty(i, name)
	}
	return Value{}, status.Errorf(status.NotFound, "class %s has no property %s", i.class.Name, name)
}

// Value returns a property's value, NULL when the class has no such
// property.
func (i *Instance) Value(name string) Value {
	v, _ := i.Get(name)
	return v
}

// Put sets a property, converting the value to the property's type (see
// Value.Convert). An unknown property is WBEM_E_NOT_FOUND (an instance
// cannot add properties), a system property WBEM_E_READ_ONLY, a value that
// does not convert WBEM_E_TYPE_MISMATCH, an embedded object of a class that
// is not the declared one's WBEM_E_TYPE_MISMATCH. An embedded object is
// copied, as WMI copies it: changing it afterwards does not change the
// instance.
func (i *Instance) Put(name string, v Value) error {
	idx := i.lay.lookup(name)
	if idx < 0 {
		if IsSystemProperty(name) {
			return status.Errorf(status.ReadOnly, "system property %s is read-only", name)
		}
		return status.Errorf(status.NotFound, "class %s has no property %s", i.class.Name, name)
	}
	return i.PutAt(idx, v)
}

// PutAt sets the property at index idx of Properties, as Put does. An index
// out of range is WBEM_E_INVALID_PROPERTY.
func (i *Instance) PutAt(idx int, v Value) error {
	if idx < 0 || idx >= len(i.values) {
		return status.Errorf(status.InvalidProperty, "class %s has no property at index %d", i.class.Name, idx)
	}
	p := i.lay.props[idx]
	if v.typ != p.Type || p.Type.Base() == TypeObject {
		cv, err := checkValue(i.class.Name, p, v)
		if err != nil {
			return err
		}
		v = cv
	}
	i.values[idx] = v
	i.set.put(idx, true)
	return nil
}

// checkValue returns v ready to be the value of property p of class: v
// converted to the property's type (WBEM_E_TYPE_MISMATCH if it does not
// convert), embedded objects checked against the declared class
// (WBEM_E_TYPE_MISMATCH) and copied.
func checkValue(class string, p *Property, v Value) (Value, error) {
	if v.typ != p.Type {
		cv, err := v.Convert(p.Type)
		if err != nil {
			return Value{}, status.Errorf(status.TypeMismatch, "property %s.%s: %w", class, p.Name, err)
		}
		v = cv
	}
	if p.Type.Base() != TypeObject || v.IsNull() {
		return v, nil
	}
	if p.ClassRef != "" {
		if err := checkEmbedded(v, p.ClassRef); err != nil {
			return Value{}, status.Errorf(status.TypeMismatch, "property %s.%s: %w", class, p.Name, err)
		}
	}
	return cloneEmbedded(v), nil
}

// checkEmbedded checks that the objects of an object or object array value
// are of class ref or derive from it.
func checkEmbedded(v Value, ref string) error {
	if o, ok := v.Object(); ok && !o.InheritsFrom(ref) {
		return status.Errorf(status.TypeMismatch, "an object of class %s is not a %s", o.ClassName(), ref)
	}
	if a, ok := v.Array(); ok {
		for _, e := range a {
			if err := checkEmbedded(e, ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// cloneEmbedded returns v with its embedded objects copied.
func cloneEmbedded(v Value) Value {
	if v.IsNull() || v.typ.Base() != TypeObject {
		return v
	}
	if o, ok := v.Object(); ok {
		return Embedded(o.CloneObject())
	}
	if a, ok := v.Array(); ok {
		out := make([]Value, len(a))
		for k, e := range a {
			out[k] = cloneEmbedded(e)
		}
		return Value{typ: v.typ, valid: true, x: out}
	}
	return v
}

// MustPut is Put for values known to fit; it panics otherwise.
func (i *Instance) MustPut(name string, v Value) *Instance {
	if err := i.Put(name, v); err != nil {
		panic(err)
	}
	return i
}

// Delete restores a property to its class default and returns
// status.SResetToDefault. A system property is WBEM_E_SYSTEM_PROPERTY, an
// unknown one WBEM_E_NOT_FOUND.
func (i *Instance) Delete(name string) (status.Code, error) {
	idx := i.lay.lookup(name)
	if idx < 0 {
		if IsSystemProperty(name) {
			return 0, status.Errorf(status.SystemProperty, "cannot delete system property %s", name)
		}
		return 0, status.Errorf(status.NotFound, "class %s has no property %s", i.class.Name, name)
	}
	i.values[idx] = Value{}
	i.set.put(idx, false)
	return status.SResetToDefault, nil
}

// KeyBindings returns the instance's key properties and values in canonical
// order. A NULL key is WBEM_E_ILLEGAL_NULL; a class without keys that is not
// a singleton is WBEM_E_NO_KEY. A singleton has no key bindings (nil, nil).
func (i *Instance) KeyBindings() ([]KeyBinding, error) {
	if len(i.lay.keys) == 0 {
		if i.lay.quals.Has("Singleton") {
			return nil, nil
		}
		return nil, status.Errorf(status.NoKey, "class %s has no key properties", i.class.Name)
	}
	keys := make([]KeyBinding, 0, len(i.lay.keys))
	for _, k := range i.lay.keys {
		v := i.At(k)
		if v.IsNull() {
			return nil, status.Errorf(status.IllegalNull, "key %s.%s is NULL", i.class.Name, i.lay.props[k].Name)
		}
		keys = append(keys, KeyBinding{Name: i.lay.props[k].Name, Value: v})
	}
	sortKeys(keys)
	return keys, nil
}

// Path returns the instance path: the class and key values, with the
// instance's server and namespace. A keyless non-singleton class or a NULL
// key is WBEM_E_INVALID_OBJECT_PATH.
func (i *Instance) Path() (Path, error) {
	keys, err := i.KeyBindings()
	if err != nil {
		return Path{}, status.Wrap(status.InvalidObjectPath, err)
	}
	return Path{Server: i.Server, Namespace: i.Namespace, Class: i.class.Name, Keys: keys, Singleton: keys == nil}, nil
}

// RelPath returns __RELPATH, or "" when the instance has no path.
func (i *Instance) RelPath() string {
	p, err := i.Path()
	if err != nil {
		return ""
	}
	return p.RelPath()
}

// Clone returns an independent copy: its values, qualifiers and embedded
// objects are its own.
func (i *Instance) Clone() *Instance {
	c := *i
	c.values = make([]Value, len(i.values))
	for k, v := range i.values {
		c.values[k] = cloneEmbedded(v)
	}
	c.set = i.set.clone()
	c.Qualifiers = i.Qualifiers.Clone()
	return &c
}

// CloneObject returns Clone as an Object.
func (i *Instance) CloneObject() Object { return i.Clone() }

// CompareTo reports whether o is an instance with the same values under
// WMI's comparison flags. Without CompareIgnoreClass the two classes must
// have the same name and definition (compared with the same flags);
// with it only the values of the properties compare, by name.
func (i *Instance) CompareTo(o Object, flags CompareFlags) bool {
	j, ok := o.(*Instance)
	if !ok || len(i.values) != len(j.values) {
		return false
	}
	if flags&CompareIgnoreClass == 0 {
		if i.class.Name != j.class.Name {
			return false
		}
		if i.class != j.class && !i.class.CompareTo(j.class, flags|CompareIgnoreObjectSource) {
			return false
		}
	}
	if flags&CompareIgnoreObjectSource == 0 && (!strings.EqualFold(i.Namespace, j.Namespace) || !strings.EqualFold(i.Server, j.Server)) {
		return false
	}
	if !sameQualifiers(i.Qualifiers, j.Qualifiers, flags) {
		return false
	}
	if flags&CompareIgnoreClass != 0 || i.lay != j.lay {
		// Compare the properties by name.
		for k, p := range i.lay.props {
			idx, ok := j.lay.index[p.Name]
			if !ok || j.lay.props[idx].Name != p.Name || !sameValue(i.At(k), j.At(idx), flags) {
				return false
			}
		}
		return true
	}
	for k := range i.values {
		if !sameValue(i.At(k), j.At(k), flags) {
			return false
		}
	}
	return true
}

// String returns __RELPATH, or the class name for an instance without one.
func (i *Instance) String() string {
	if r := i.RelPath(); r != "" {
		return r
	}
	return "instance of " + i.class.Name
}
