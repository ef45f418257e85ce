package cim

import (
	"strings"

	"github.com/gowmi/gowmi/wbem/status"
)

// Instance is an instance of a class, spawned with Class.SpawnInstance.
// An Instance is used by one goroutine at a time.
type Instance struct {
	class      *Class
	lay        *classLayout
	values     []Value
	set        []bool // the instance has its own value (not the class default)
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
// qualifiers that propagate to instances (FlavorOriginPropagated).
func (i *Instance) ObjectQualifiers() Qualifiers {
	q, _ := inherit(i.lay.quals, i.Qualifiers, FlavorToInstance, "")
	return q
}

// PropertyQualifiers returns the qualifiers of a property as the instance
// sees them: those of the class that propagate to instances.
func (i *Instance) PropertyQualifiers(name string) (Qualifiers, error) {
	idx := i.class.PropertyIndex(name)
	if idx < 0 {
		return nil, status.Errorf(status.NotFound, "class %s has no property %s", i.class.Name, name)
	}
	q, _ := inherit(i.lay.props[idx].Qualifiers, nil, FlavorToInstance, "")
	return q, nil
}

// Properties returns the class's properties in order; use Value or At for
// their values in the instance.
func (i *Instance) Properties() []*Property { return i.lay.props }

// At returns the value of the property at index idx of Properties.
func (i *Instance) At(idx int) Value { return i.values[idx] }

// IsSet reports whether the instance has its own value for the property at
// idx, rather than the class default.
func (i *Instance) IsSet(idx int) bool { return i.set != nil && i.set[idx] }

// Get returns a property's value or a system property.
func (i *Instance) Get(name string) (Value, error) {
	if idx := i.class.PropertyIndex(name); idx >= 0 {
		return i.values[idx], nil
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
// is not the declared one's WBEM_E_TYPE_MISMATCH.
func (i *Instance) Put(name string, v Value) error {
	idx := i.class.PropertyIndex(name)
	if idx < 0 {
		if IsSystemProperty(name) {
			return status.Errorf(status.ReadOnly, "system property %s is read-only", name)
		}
		return status.Errorf(status.NotFound, "class %s has no property %s", i.class.Name, name)
	}
	return i.PutAt(idx, v)
}

// PutAt sets the property at index idx of Properties.
func (i *Instance) PutAt(idx int, v Value) error {
	p := i.lay.props[idx]
	if v.Type() != p.Type {
		cv, err := v.Convert(p.Type)
		if err != nil {
			return status.Errorf(status.TypeMismatch, "property %s.%s: %v", i.class.Name, p.Name, err)
		}
		v = cv
	}
	if p.Type == TypeObject && p.ClassRef != "" {
		if o, ok := v.Object(); ok && !o.InheritsFrom(p.ClassRef) {
			return status.Errorf(status.TypeMismatch, "property %s.%s holds %s objects, not %s", i.class.Name, p.Name, p.ClassRef, o.ClassName())
		}
	}
	if i.set == nil {
		i.set = make([]bool, len(i.values))
	}
	i.values[idx] = v
	i.set[idx] = true
	return nil
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
	idx := i.class.PropertyIndex(name)
	if idx < 0 {
		if IsSystemProperty(name) {
			return 0, status.Errorf(status.SystemProperty, "cannot delete system property %s", name)
		}
		return 0, status.Errorf(status.NotFound, "class %s has no property %s", i.class.Name, name)
	}
	i.values[idx] = i.lay.props[idx].Value
	if i.set != nil {
		i.set[idx] = false
	}
	return status.SResetToDefault, nil
}

// KeyBindings returns the instance's key properties and values in canonical
// order. A NULL key is WBEM_E_ILLEGAL_NULL; a class without keys that is not
// a singleton is WBEM_E_NO_KEY.
func (i *Instance) KeyBindings() ([]KeyBinding, error) {
	if len(i.lay.keys) == 0 {
		if i.class.IsSingleton() {
			return nil, nil
		}
		return nil, status.Errorf(status.NoKey, "class %s has no key properties", i.class.Name)
	}
	keys := make([]KeyBinding, 0, len(i.lay.keys))
	for _, k := range i.lay.keys {
		v := i.values[k]
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

// Clone returns an independent copy.
func (i *Instance) Clone() *Instance {
	c := *i
	c.values = append([]Value(nil), i.values...)
	if i.set != nil {
		c.set = append([]bool(nil), i.set...)
	}
	c.Qualifiers = i.Qualifiers.Clone()
	for k, v := range c.values {
		if o, ok := v.Object(); ok {
			c.values[k] = Embedded(o.CloneObject())
		}
	}
	return &c
}

// CloneObject returns Clone as an Object.
func (i *Instance) CloneObject() Object { return i.Clone() }

// CompareTo reports whether o is an instance with the same values under
// WMI's comparison flags.
func (i *Instance) CompareTo(o Object, flags CompareFlags) bool {
	j, ok := o.(*Instance)
	if !ok {
		return false
	}
	if flags&CompareIgnoreClass == 0 && (i.class.Name != j.class.Name || len(i.values) != len(j.values)) {
		return false
	}
	if flags&CompareIgnoreObjectSource == 0 && (!strings.EqualFold(i.Namespace, j.Namespace) || !strings.EqualFold(i.Server, j.Server)) {
		return false
	}
	if !sameQualifiers(i.Qualifiers, j.Qualifiers, flags) {
		return false
	}
	if flags&CompareIgnoreClass != 0 {
		// Compare the properties by name, whatever the classes.
		if len(i.values) != len(j.values) {
			return false
		}
		for k, p := range i.lay.props {
			w, err := j.Get(p.Name)
			if err != nil || !sameValue(i.values[k], w, flags) {
				return false
			}
		}
		return true
	}
	for k := range i.values {
		if !sameValue(i.values[k], j.values[k], flags) {
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
