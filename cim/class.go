package cim

import (
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gowmi/gowmi/wbem/status"
)

// Property is a property of a class: its name, type, default value and
// qualifiers. Method parameters are Properties too.
type Property struct {
	Name string
	Type Type
	// ClassRef is the class a reference or embedded object is declared
	// with ("ref:CIM_System" has ClassRef "CIM_System"); "" means any class.
	ClassRef   string
	Value      Value // the class's default value; NULL when none
	Qualifiers Qualifiers
	// Origin is the class that declared the property first. It is set in the
	// views a class computes (Class.Property, Class.AllProperties), not in
	// Class.Properties.
	Origin string
}

// IsKey reports whether the property has the Key qualifier.
func (p *Property) IsKey() bool { return p.Qualifiers.Has("Key") }

// Clone returns an independent copy.
func (p *Property) Clone() *Property {
	c := *p
	c.Qualifiers = p.Qualifiers.Clone()
	return &c
}

// cimTypeName returns the type as WMI's CIMTYPE qualifier writes it:
// "uint32", "ref:CIM_System", "object:Win32_Process", "string[]".
func (p *Property) cimTypeName() string {
	base := p.Type.Base()
	var s string
	switch base {
	case TypeReference:
		s = "ref:" + orObject(p.ClassRef)
	case TypeObject:
		if p.ClassRef == "" {
			s = "object"
		} else {
			s = "object:" + p.ClassRef
		}
	default:
		s = base.String()
	}
	if p.Type.IsArray() {
		s += "[]"
	}
	return s
}

func orObject(s string) string {
	if s == "" {
		return "object"
	}
	return s
}

// Method is a method of a class. Parameters are in declaration order; each
// has an In or Out qualifier (or both).
type Method struct {
	Name string
	// ReturnType is the type of ReturnValue; TypeEmpty for a void method.
	ReturnType Type
	ReturnRef  string // class of a reference or object return value
	Parameters []*Property
	Qualifiers Qualifiers
	Origin     string // the class that declared the method first (set in views)
}

// Clone returns an independent copy.
func (m *Method) Clone() *Method {
	c := *m
	c.Qualifiers = m.Qualifiers.Clone()
	c.Parameters = make([]*Property, len(m.Parameters))
	for i, p := range m.Parameters {
		c.Parameters[i] = p.Clone()
	}
	return &c
}

// IsIn reports whether a parameter is an input.
func IsIn(p *Property) bool { return p.Qualifiers.Has("In") }

// IsOut reports whether a parameter is an output.
func IsOut(p *Property) bool { return p.Qualifiers.Has("Out") }

// paramClass builds a __PARAMETERS class from the parameters keep selects,
// each with an ID qualifier: its own if it has one, else its position.
func (m *Method) paramClass(keep func(*Property) bool, withReturn bool) *Class {
	c := &Class{Name: "__PARAMETERS", Qualifiers: Qualifiers{{Name: "abstract", Value: Boolean(true)}}}
	for i, p := range m.Parameters {
		if !keep(p) {
			continue
		}
		q := p.Clone()
		if q.Qualifiers.Index("ID") < 0 {
			_ = q.Qualifiers.Set(Qualifier{Name: "ID", Value: Sint32(int32(i)), Flavor: FlavorDefault})
		}
		c.Properties = append(c.Properties, q)
	}
	if withReturn && m.ReturnType != TypeEmpty {
		c.Properties = append(c.Properties, &Property{
			Name: "ReturnValue", Type: m.ReturnType, ClassRef: m.ReturnRef,
			Qualifiers: Qualifiers{{Name: "out", Value: Boolean(true)}},
		})
	}
	return c
}

// InParameters returns the __PARAMETERS class of the inputs, or nil when the
// method has none. Spawn an instance of it to call the method.
func (m *Method) InParameters() *Class {
	c := m.paramClass(IsIn, false)
	if len(c.Properties) == 0 {
		return nil
	}
	return c
}

// OutParameters returns the __PARAMETERS class of the outputs and
// ReturnValue, or nil when the method has neither.
func (m *Method) OutParameters() *Class {
	c := m.paramClass(IsOut, true)
	if len(c.Properties) == 0 {
		return nil
	}
	return c
}

func (m *Method) sameSignature(o *Method) bool {
	if m.ReturnType != o.ReturnType || len(m.Parameters) != len(o.Parameters) {
		return false
	}
	for i, p := range m.Parameters {
		q := o.Parameters[i]
		if !strings.EqualFold(p.Name, q.Name) || p.Type != q.Type || IsIn(p) != IsIn(q) || IsOut(p) != IsOut(q) {
			return false
		}
	}
	return true
}

// Genus tells a class from an instance, with WMI's __GENUS values.
type Genus int32

// The genera.
const (
	GenusClass    Genus = 1 // WBEM_GENUS_CLASS
	GenusInstance Genus = 2 // WBEM_GENUS_INSTANCE
)

// Class is a CIM class. The exported fields hold what the class itself
// declares: its own qualifiers, its new and overriding properties and
// methods. The inherited view (Property, AllProperties, Keys, ...) merges
// them with the superclass's, which SetParent links.
//
// A Class is built by one goroutine; once shared it is read-only. After
// changing the exported fields of a class that has been used, call Changed.
type Class struct {
	Name       string
	Superclass string // the superclass's name; "" for a root class
	Qualifiers Qualifiers
	Properties []*Property
	Methods    []*Method
	Namespace  string // e.g. `root\cimv2`; set by the repository
	Server     string

	parent *Class
	lay    atomic.Pointer[classLayout]
}

// classLayout is the inherited view of a class, computed once.
type classLayout struct {
	err        error
	quals      Qualifiers
	props      []*Property
	index      map[string]int // declared name and lower-case name → index into props
	keys       []int
	methods    []*Method
	derivation []string
}

// NewClass returns an empty class derived from parent (nil for a root class).
func NewClass(name string, parent *Class) *Class {
	c := &Class{Name: name}
	if parent != nil {
		c.Superclass = parent.Name
		c.parent = parent
	}
	return c
}

// Parent returns the linked superclass, or nil.
func (c *Class) Parent() *Class { return c.parent }

// SetParent links the superclass and checks the class against it (Validate).
// The parent's name becomes Superclass. A nil parent makes a root class.
func (c *Class) SetParent(parent *Class) error {
	for p := parent; p != nil; p = p.parent {
		if p == c || strings.EqualFold(p.Name, c.Name) {
			return status.Errorf(status.CircularReference, "class %s cannot derive from itself", c.Name)
		}
	}
	c.parent = parent
	c.Superclass = ""
	if parent != nil {
		c.Superclass = parent.Name
	}
	c.Changed()
	return c.Validate()
}

// Changed drops the computed inherited view after the exported fields were
// edited.
func (c *Class) Changed() { c.lay.Store(nil) }

// Validate checks the class with its superclass, as PutClass does: valid
// names, no duplicate properties or methods, overrides that keep the type
// (WBEM_E_UPDATE_TYPE_MISMATCH) and method signature
// (WBEM_E_UPDATE_PROPAGATED_METHOD) and respect DisableOverride qualifiers
// (WBEM_E_OVERRIDE_NOT_ALLOWED), an abstract class under a concrete one
// (WBEM_E_CANNOT_BE_ABSTRACT), keys on a singleton
// (WBEM_E_CANNOT_BE_SINGLETON), new keys under a concrete keyed class
// (WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE), keys or arrays that cannot be keys
// (WBEM_E_CANNOT_BE_KEY), and a Superclass name that does not match the
// linked parent (WBEM_E_INVALID_SUPERCLASS).
func (c *Class) Validate() error { return c.layout().err }

func (c *Class) layout() *classLayout {
	if l := c.lay.Load(); l != nil {
		return l
	}
	l := c.computeLayout()
	c.lay.Store(l)
	return l
}

// ValidName reports whether s is a valid CIM identifier: a letter or '_'
// first, then letters, digits and '_'.
func ValidName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= 0x80 && r != 0xFFFE && r != 0xFFFF:
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func (c *Class) computeLayout() *classLayout {
	l := &classLayout{index: map[string]int{}}
	fail := func(code status.Code, format string, args ...any) *classLayout {
		l.err = status.Errorf(code, format, args...)
		return l
	}
	if !ValidName(c.Name) {
		return fail(status.InvalidClass, "invalid class name %q", c.Name)
	}
	if strings.HasSuffix(c.Name, "_") && !strings.HasPrefix(c.Name, "__") {
		return fail(status.InvalidObject, "class name %q ends with '_'", c.Name)
	}
	p := c.parent
	var pl *classLayout
	if p != nil {
		if !strings.EqualFold(p.Name, c.Superclass) {
			return fail(status.InvalidSuperclass, "class %s names superclass %q but is linked to %s", c.Name, c.Superclass, p.Name)
		}
		pl = p.layout()
		if pl.err != nil {
			l.err = pl.err
			return l
		}
		l.derivation = append([]string{p.Name}, pl.derivation...)
	} else if c.Superclass != "" {
		return fail(status.InvalidSuperclass, "superclass %s of %s is not linked", c.Superclass, c.Name)
	}

	// Class qualifiers.
	var err error
	if pl != nil {
		l.quals, err = inherit(pl.quals, c.Qualifiers, FlavorToSubclass, "class "+p.Name)
		if err != nil {
			l.err = err
			return l
		}
		if c.Qualifiers.Has("Abstract") && !pl.quals.Has("Abstract") {
			return fail(status.CannotBeAbstract, "class %s cannot be abstract under the concrete class %s", c.Name, p.Name)
		}
	} else {
		l.quals, _ = inherit(nil, c.Qualifiers, 0, "")
	}

	// Properties: inherited first, in the parent's order; then new ones.
	if pl != nil {
		l.props = make([]*Property, len(pl.props), len(pl.props)+len(c.Properties))
		copy(l.props, pl.props)
		for i, pp := range pl.props {
			l.index[pp.Name] = i
			l.index[strings.ToLower(pp.Name)] = i
		}
	}
	seen := map[string]bool{}
	for _, own := range c.Properties {
		lname := strings.ToLower(own.Name)
		if !ValidName(own.Name) || strings.HasPrefix(own.Name, "__") {
			return fail(status.InvalidParameter, "invalid property name %q in class %s", own.Name, c.Name)
		}
		if seen[lname] {
			return fail(status.InvalidParameter, "property %s declared twice in class %s", own.Name, c.Name)
		}
		seen[lname] = true
		if !own.Type.Valid() || own.Type == TypeEmpty {
			return fail(status.InvalidPropertyType, "property %s of %s has no valid CIM type", own.Name, c.Name)
		}
		eff := own.Clone()
		eff.Origin = c.Name
		if i, ok := l.index[lname]; ok {
			inh := l.props[i]
			if inh.Type != own.Type {
				return fail(status.UpdateTypeMismatch, "property %s of %s is %s, but %s declares it %s", own.Name, c.Name, own.Type, inh.Origin, inh.Type)
			}
			eff.Origin = inh.Origin
			eff.Name = inh.Name
			if eff.ClassRef == "" {
				eff.ClassRef = inh.ClassRef
			}
			if eff.Value.IsNull() && own.Qualifiers.Index("__nodefault") < 0 {
				// An override without a value keeps the inherited default.
				eff.Value = inh.Value
			}
			if eff.Qualifiers, err = inherit(inh.Qualifiers, own.Qualifiers, FlavorToSubclass, "property "+inh.Origin+"."+inh.Name); err != nil {
				l.err = err
				return l
			}
			if own.IsKey() && !inh.IsKey() && pl != nil && len(pl.keys) > 0 {
				return fail(status.CannotChangeKeyInheritance, "class %s cannot make the inherited property %s a key", c.Name, own.Name)
			}
			l.props[i] = eff
			continue
		}
		eff.Qualifiers, _ = inherit(nil, own.Qualifiers, 0, "")
		if !eff.Value.IsNull() {
			v, err := eff.Value.Convert(eff.Type)
			if err != nil {
				l.err = status.Errorf(status.TypeMismatch, "default of %s.%s: %v", c.Name, own.Name, err)
				return l
			}
			eff.Value = v
		}
		if eff.IsKey() {
			if eff.Type.IsArray() || eff.Type == TypeObject || eff.Type.IsReal() {
				return fail(status.CannotBeKey, "property %s.%s of type %s cannot be a key", c.Name, own.Name, own.Type)
			}
			if pl != nil && len(pl.keys) > 0 && !pl.quals.Has("Abstract") {
				return fail(status.CannotChangeKeyInheritance, "class %s cannot add the key %s to the keys of %s", c.Name, own.Name, p.Name)
			}
		}
		l.index[own.Name] = len(l.props)
		l.index[lname] = len(l.props)
		l.props = append(l.props, eff)
	}
	for i, pr := range l.props {
		if pr.IsKey() {
			l.keys = append(l.keys, i)
		}
	}
	if l.quals.Has("Singleton") && len(l.keys) > 0 {
		return fail(status.CannotBeSingleton, "singleton class %s cannot have keys", c.Name)
	}

	// Methods.
	if pl != nil {
		l.methods = append(l.methods, pl.methods...)
	}
	seen = map[string]bool{}
	for _, own := range c.Methods {
		lname := strings.ToLower(own.Name)
		if !ValidName(own.Name) || strings.HasPrefix(own.Name, "__") {
			return fail(status.InvalidParameter, "invalid method name %q in class %s", own.Name, c.Name)
		}
		if seen[lname] {
			return fail(status.InvalidParameter, "method %s declared twice in class %s", own.Name, c.Name)
		}
		seen[lname] = true
		if err := checkParameters(c.Name, own); err != nil {
			l.err = err
			return l
		}
		eff := own.Clone()
		eff.Origin = c.Name
		replaced := false
		for i, inh := range l.methods {
			if strings.EqualFold(inh.Name, own.Name) {
				if !inh.sameSignature(own) {
					return fail(status.UpdatePropagatedMethod, "method %s.%s changes the signature %s declares", c.Name, own.Name, inh.Origin)
				}
				eff.Origin = inh.Origin
				if eff.Qualifiers, err = inherit(inh.Qualifiers, own.Qualifiers, FlavorToSubclass, "method "+inh.Origin+"."+inh.Name); err != nil {
					l.err = err
					return l
				}
				l.methods[i] = eff
				replaced = true
				break
			}
		}
		if !replaced {
			eff.Qualifiers, _ = inherit(nil, own.Qualifiers, 0, "")
			l.methods = append(l.methods, eff)
		}
	}
	return l
}

// checkParameters applies PutMethod's rules to a method's parameters.
func checkParameters(class string, m *Method) error {
	seen := map[string]bool{}
	ids := map[int64]string{}
	explicit := 0
	for _, p := range m.Parameters {
		lname := strings.ToLower(p.Name)
		if !ValidName(p.Name) || strings.EqualFold(p.Name, "ReturnValue") {
			return status.Errorf(status.InvalidMethodParameters, "invalid parameter name %q in %s.%s", p.Name, class, m.Name)
		}
		if seen[lname] {
			return status.Errorf(status.InvalidDuplicateParameter, "parameter %s twice in %s.%s", p.Name, class, m.Name)
		}
		seen[lname] = true
		if !p.Type.Valid() || p.Type == TypeEmpty {
			return status.Errorf(status.InvalidPropertyType, "parameter %s of %s.%s has no valid CIM type", p.Name, class, m.Name)
		}
		if q, ok := p.Qualifiers.Get("ID"); ok {
			id, isInt := q.Value.Int()
			if !isInt || id < 0 {
				return status.Errorf(status.InvalidParameterID, "parameter %s of %s.%s has ID %s", p.Name, class, m.Name, q.Value)
			}
			if other, dup := ids[id]; dup {
				return status.Errorf(status.InvalidParameterID, "parameters %s and %s of %s.%s share ID %d", other, p.Name, class, m.Name, id)
			}
			ids[id] = p.Name
			explicit++
		}
	}
	if explicit > 0 {
		if explicit != len(m.Parameters) {
			return status.Errorf(status.MissingParameterID, "some parameters of %s.%s lack an ID qualifier", class, m.Name)
		}
		for i := range len(m.Parameters) {
			if _, ok := ids[int64(i)]; !ok {
				return status.Errorf(status.NonconsecutiveParameterIDs, "parameter IDs of %s.%s are not consecutive from 0", class, m.Name)
			}
		}
	}
	return nil
}

// Genus returns GenusClass.
func (c *Class) Genus() Genus { return GenusClass }

// ClassName returns the class's name.
func (c *Class) ClassName() string { return c.Name }

// Class returns c itself.
func (c *Class) Class() *Class { return c }

// Derivation returns the names of the ancestors, nearest first (__DERIVATION).
func (c *Class) Derivation() []string {
	return append([]string(nil), c.layout().derivation...)
}

// Dynasty returns the name of the root class of the hierarchy (__DYNASTY).
func (c *Class) Dynasty() string {
	d := c.layout().derivation
	if len(d) == 0 {
		return c.Name
	}
	return d[len(d)-1]
}

// InheritsFrom reports whether the class is name or derives from it.
func (c *Class) InheritsFrom(name string) bool {
	if strings.EqualFold(c.Name, name) {
		return true
	}
	for _, a := range c.layout().derivation {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}

// AllQualifiers returns the class's qualifiers with those it inherits; the
// inherited ones carry FlavorOriginPropagated.
func (c *Class) AllQualifiers() Qualifiers { return c.layout().quals }

// ObjectQualifiers returns AllQualifiers, as Object requires.
func (c *Class) ObjectQualifiers() Qualifiers { return c.AllQualifiers() }

// AllProperties returns every property, inherited ones first, with Origin
// set. The slice and the properties must not be modified.
func (c *Class) AllProperties() []*Property { return c.layout().props }

// Property returns the named property (inherited or own), or nil.
func (c *Class) Property(name string) *Property {
	if i := c.PropertyIndex(name); i >= 0 {
		return c.layout().props[i]
	}
	return nil
}

// PropertyIndex returns the position of the named property in
// AllProperties, or -1.
func (c *Class) PropertyIndex(name string) int {
	l := c.layout()
	if i, ok := l.index[name]; ok {
		return i
	}
	if i, ok := l.index[strings.ToLower(name)]; ok {
		return i
	}
	return -1
}

// Keys returns the key properties in declaration order.
func (c *Class) Keys() []*Property {
	l := c.layout()
	out := make([]*Property, len(l.keys))
	for i, k := range l.keys {
		out[i] = l.props[k]
	}
	return out
}

// AllMethods returns every method, inherited ones first, with Origin set.
func (c *Class) AllMethods() []*Method { return c.layout().methods }

// Method returns the named method, or nil.
func (c *Class) Method(name string) *Method {
	for _, m := range c.layout().methods {
		if strings.EqualFold(m.Name, name) {
			return m
		}
	}
	return nil
}

// IsAbstract reports whether the class has the Abstract qualifier.
func (c *Class) IsAbstract() bool { return c.Qualifiers.Has("Abstract") }

// IsAssociation reports whether the class is an association.
func (c *Class) IsAssociation() bool { return c.AllQualifiers().Has("Association") }

// IsIndication reports whether the class is an indication (an event class).
func (c *Class) IsIndication() bool { return c.AllQualifiers().Has("Indication") }

// IsSingleton reports whether the class is a singleton.
func (c *Class) IsSingleton() bool { return c.AllQualifiers().Has("Singleton") }

// IsDynamic reports whether a provider supplies the instances: the class has
// the Dynamic qualifier.
func (c *Class) IsDynamic() bool { return c.AllQualifiers().Has("Dynamic") }

// Provider returns the value of the Provider qualifier, or "".
func (c *Class) Provider() string { return c.AllQualifiers().Str("Provider") }

// Get returns a property's default value or a system property.
func (c *Class) Get(name string) (Value, error) {
	if strings.HasPrefix(name, "__") {
		return systemProperty(c, name)
	}
	if p := c.Property(name); p != nil {
		return p.Value, nil
	}
	return Value{}, status.Errorf(status.NotFound, "class %s has no property %s", c.Name, name)
}

// Put sets the default value of a property the class declares or inherits;
// an inherited one becomes an override. t gives the type of a new property;
// it is ignored for an existing one (TypeEmpty then). Put on a system
// property other than __CLASS is WBEM_E_READ_ONLY.
func (c *Class) Put(name string, v Value, t Type) error {
	if strings.HasPrefix(name, "__") {
		if strings.EqualFold(name, "__CLASS") {
			s, ok := v.Str()
			if !ok || s == "" {
				return status.New(status.InvalidParameter, "__CLASS must be a non-empty string")
			}
			c.Name = s
			c.Changed()
			return nil
		}
		return status.Errorf(status.ReadOnly, "system property %s is read-only", name)
	}
	for _, p := range c.Properties {
		if strings.EqualFold(p.Name, name) {
			cv, err := v.Convert(p.Type)
			if err != nil {
				return err
			}
			p.Value = cv
			c.Changed()
			return nil
		}
	}
	if inh := c.Property(name); inh != nil {
		cv, err := v.Convert(inh.Type)
		if err != nil {
			return err
		}
		c.Properties = append(c.Properties, &Property{Name: inh.Name, Type: inh.Type, ClassRef: inh.ClassRef, Value: cv})
		c.Changed()
		return nil
	}
	if t == TypeEmpty {
		t = v.Type()
	}
	if !t.Valid() || t == TypeEmpty {
		return status.Errorf(status.TypeMismatch, "new property %s needs a type", name)
	}
	cv, err := v.Convert(t)
	if err != nil {
		return err
	}
	c.Properties = append(c.Properties, &Property{Name: name, Type: t, Value: cv})
	c.Changed()
	return c.Validate()
}

// Delete removes a property the class declares. An inherited property is
// WBEM_E_PROPAGATED_PROPERTY, a system property WBEM_E_SYSTEM_PROPERTY, an
// unknown one WBEM_E_NOT_FOUND. Deleting an override restores the inherited
// default and returns status.SResetToDefault as a code.
func (c *Class) Delete(name string) (status.Code, error) {
	if strings.HasPrefix(name, "__") {
		return 0, status.Errorf(status.SystemProperty, "cannot delete system property %s", name)
	}
	for i, p := range c.Properties {
		if strings.EqualFold(p.Name, name) {
			c.Properties = append(c.Properties[:i:i], c.Properties[i+1:]...)
			c.Changed()
			if c.parent != nil && c.parent.Property(name) != nil {
				return status.SResetToDefault, nil
			}
			return status.SNoError, nil
		}
	}
	if c.Property(name) != nil {
		return 0, status.Errorf(status.PropagatedProperty, "property %s is inherited by %s", name, c.Name)
	}
	return 0, status.Errorf(status.NotFound, "class %s has no property %s", c.Name, name)
}

// SpawnDerivedClass returns a new, empty subclass of c.
func (c *Class) SpawnDerivedClass(name string) (*Class, error) {
	if err := c.Validate(); err != nil {
		return nil, status.Wrap(status.IncompleteClass, err)
	}
	d := NewClass(name, c)
	d.Namespace, d.Server = c.Namespace, c.Server
	return d, d.Validate()
}

// SpawnInstance returns a new instance of the class with the class's default
// values. An invalid class is WBEM_E_INCOMPLETE_CLASS; an abstract one is
// WBEM_E_INVALID_OPERATION.
func (c *Class) SpawnInstance() (*Instance, error) {
	l := c.layout()
	if l.err != nil {
		return nil, status.Wrap(status.IncompleteClass, l.err)
	}
	if c.IsAbstract() {
		return nil, status.Errorf(status.InvalidOperation, "class %s is abstract", c.Name)
	}
	return c.spawn(l), nil
}

// MustSpawn is SpawnInstance for classes known to be valid and concrete.
func (c *Class) MustSpawn() *Instance {
	i, err := c.SpawnInstance()
	if err != nil {
		panic(err)
	}
	return i
}

func (c *Class) spawn(l *classLayout) *Instance {
	inst := &Instance{class: c, lay: l, values: make([]Value, len(l.props)), Namespace: c.Namespace, Server: c.Server}
	for i, p := range l.props {
		inst.values[i] = p.Value
	}
	return inst
}

// Clone returns an independent copy of the class, linked to the same parent.
func (c *Class) Clone() *Class {
	d := &Class{Name: c.Name, Superclass: c.Superclass, Qualifiers: c.Qualifiers.Clone(),
		Namespace: c.Namespace, Server: c.Server, parent: c.parent}
	d.Properties = make([]*Property, len(c.Properties))
	for i, p := range c.Properties {
		d.Properties[i] = p.Clone()
	}
	d.Methods = make([]*Method, len(c.Methods))
	for i, m := range c.Methods {
		d.Methods[i] = m.Clone()
	}
	return d
}

// CloneObject returns Clone as an Object.
func (c *Class) CloneObject() Object { return c.Clone() }

// Path returns the class path.
func (c *Class) Path() (Path, error) {
	return Path{Server: c.Server, Namespace: c.Namespace, Class: c.Name}, nil
}

// String returns the class's relative path, its name.
func (c *Class) String() string { return c.Name }

// itoa is strconv.Itoa, short.
func itoa(i int) string { return strconv.Itoa(i) }
