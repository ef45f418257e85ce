package cim

import (
	"sort"
	"strings"
	"sync/atomic"
	"unicode/utf16"

	"github.com/gowmi/gowmi/wbem/status"
)

// Property is a property of a class: its name, type, default value and
// qualifiers. Method parameters are Properties too.
type Property struct {
	Name string
	Type Type
	// ClassRef is the class a reference or embedded object is declared
	// with ("ref:CIM_System" has ClassRef "CIM_System"); "" means any class.
	ClassRef string
	// Value is the class's default value; NULL when none. An override (a
	// property a subclass declares again) whose Value is NULL keeps the
	// inherited default, unless it carries the marker qualifier
	// "__nodefault": its default is then NULL (MOF "= NULL", or Class.Put of
	// a NULL value on an inherited property). The marker is not part of the
	// inherited view (Class.Property, AllProperties).
	Value      Value
	Qualifiers Qualifiers
	// Origin is the class that declared the property first. It is set in the
	// views a class computes (Class.Property, Class.AllProperties), not in
	// Class.Properties.
	Origin string
}

// noDefault is the name of the marker qualifier of an override whose
// default is NULL.
const noDefault = "__nodefault"

// IsKey reports whether the property has the Key qualifier.
func (p *Property) IsKey() bool { return p.Qualifiers.Has("Key") }

// Clone returns an independent copy.
func (p *Property) Clone() *Property {
	c := *p
	c.Qualifiers = p.Qualifiers.Clone()
	return &c
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
// in the order of their IDs, each with an ID qualifier: its own if it has
// one, else its position. withReturn adds ReturnValue (no ID) last.
func (m *Method) paramClass(keep func(*Property) bool, withReturn bool) *Class {
	c := &Class{Name: "__PARAMETERS", Qualifiers: Qualifiers{{Name: "abstract", Value: Boolean(true)}}}
	for i, p := range m.Parameters {
		if !keep(p) {
			continue
		}
		q := p.Clone()
		q.Origin = ""
		if q.Qualifiers.Index("ID") < 0 {
			_ = q.Qualifiers.Set(Qualifier{Name: "ID", Value: Sint32(int32(i)), Flavor: FlavorDefault})
		}
		c.Properties = append(c.Properties, q)
	}
	sort.SliceStable(c.Properties, func(a, b int) bool {
		return parameterID(c.Properties[a]) < parameterID(c.Properties[b])
	})
	if withReturn && m.ReturnType != TypeEmpty {
		c.Properties = append(c.Properties, &Property{
			Name: "ReturnValue", Type: m.ReturnType, ClassRef: m.ReturnRef,
			Qualifiers: Qualifiers{{Name: "out", Value: Boolean(true)}},
		})
	}
	return c
}

// parameterID returns the value of a parameter's ID qualifier, or -1.
func parameterID(p *Property) int64 {
	q, ok := p.Qualifiers.Get("ID")
	if !ok {
		return -1
	}
	id, ok := q.Value.Int()
	if !ok {
		return -1
	}
	return id
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

// orderedParameters returns the parameters in the order of their IDs (their
// positions when they have none).
func (m *Method) orderedParameters() []*Property {
	out := append([]*Property(nil), m.Parameters...)
	sort.SliceStable(out, func(a, b int) bool { return parameterID(out[a]) < parameterID(out[b]) })
	return out
}

func (m *Method) sameSignature(o *Method) bool {
	if m.ReturnType != o.ReturnType || len(m.Parameters) != len(o.Parameters) {
		return false
	}
	mp, op := m.orderedParameters(), o.orderedParameters()
	for i, p := range mp {
		q := op[i]
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
// A Class is built by one goroutine; once shared it is read-only, and any
// number of goroutines may then use it (the inherited view is computed once,
// atomically). After changing the exported fields of a class that has been
// used, call Changed; the view of its subclasses follows on their next use.
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
	parent     *classLayout // the parent's view this one was computed from
	err        error
	quals      Qualifiers
	props      []*Property
	defaults   []Value        // the props' values: an instance's value where it holds the zero Value
	index      map[string]int // declared name and lower-case name → index into props
	keys       []int
	methods    []*Method
	derivation []string
	// abstract is whether SpawnInstance refuses the class: Abstract, except
	// for __PARAMETERS, whose instances carry method arguments.
	abstract bool
}

// lookup returns the index of the named property, or -1. It does not
// allocate for names up to 64 bytes.
func (l *classLayout) lookup(name string) int {
	if i, ok := l.index[name]; ok {
		return i
	}
	var buf [64]byte
	if len(name) <= len(buf) {
		ascii := true
		for j := 0; j < len(name); j++ {
			b := name[j]
			if b >= 0x80 {
				ascii = false
				break
			}
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			buf[j] = b
		}
		if ascii {
			if i, ok := l.index[string(buf[:len(name)])]; ok {
				return i
			}
			return -1
		}
	}
	if i, ok := l.index[strings.ToLower(name)]; ok {
		return i
	}
	return -1
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
// The parent's name becomes Superclass. A nil parent makes a root class. A
// parent that is c or derives from it is WBEM_E_CIRCULAR_REFERENCE, and the
// class keeps its former parent.
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
// names (WBEM_E_INVALID_PARAMETER; a leading '_' is WBEM_E_INVALID_OPERATION,
// a trailing one WBEM_E_INVALID_OBJECT, more than 255 characters
// WBEM_E_CLASS_NAME_TOO_WIDE and its kin), no duplicate properties or
// methods, overrides that keep the type (WBEM_E_UPDATE_TYPE_MISMATCH) and
// method signature (WBEM_E_UPDATE_PROPAGATED_METHOD) and respect
// DisableOverride qualifiers (WBEM_E_OVERRIDE_NOT_ALLOWED), an abstract class
// under a concrete one (WBEM_E_CANNOT_BE_ABSTRACT), keys on a singleton
// (WBEM_E_CANNOT_BE_SINGLETON), new keys under a concrete keyed class or an
// inherited key dropped (WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE), keys that
// cannot be keys (WBEM_E_CANNOT_BE_KEY), method parameters (PutMethod's
// rules), a class derived from itself (WBEM_E_CIRCULAR_REFERENCE), and a
// Superclass name that does not match the linked parent
// (WBEM_E_INVALID_SUPERCLASS).
func (c *Class) Validate() error { return c.layout().err }

// layout returns the inherited view, computing it when it is missing or was
// computed from a view of the parent that has since changed.
func (c *Class) layout() *classLayout {
	l := c.lay.Load()
	if l != nil && (c.parent == nil || c.parent.layout() == l.parent) {
		return l
	}
	l = c.computeLayout()
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
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= 0x80 && r != 0xFFFE && r != 0xFFFF && r != 0xFFFD:
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// MaxNameLength is the longest class, property, method or qualifier name WMI
// accepts, in UTF-16 code units.
const MaxNameLength = 255

func tooWide(name string) bool {
	if len(name) <= MaxNameLength {
		return false
	}
	n := 0
	for _, r := range name {
		n += utf16.RuneLen(r)
	}
	return n > MaxNameLength
}

// checkClassName applies PutClass's rules for class names. System classes
// (names beginning with "__") are allowed; the object manager keeps users
// from creating them.
func checkClassName(name string) error {
	switch {
	case tooWide(name):
		return status.Errorf(status.ClassNameTooWide, "class name %.32q... is longer than %d characters", name, MaxNameLength)
	case !ValidName(name):
		return status.Errorf(status.InvalidParameter, "invalid class name %q", name)
	case strings.HasPrefix(name, "__"):
		return nil
	case strings.HasPrefix(name, "_"):
		return status.Errorf(status.InvalidOperation, "class name %q begins with '_'", name)
	case strings.HasSuffix(name, "_"):
		return status.Errorf(status.InvalidObject, "class name %q ends with '_'", name)
	}
	return nil
}

// checkMemberName applies IWbemClassObject::Put's rules for property and
// method names: a CIM identifier that neither begins nor ends with '_'.
func checkMemberName(kind, class, name string, wide status.Code) error {
	switch {
	case tooWide(name):
		return status.Errorf(wide, "%s name %.32q... of %s is longer than %d characters", kind, name, class, MaxNameLength)
	case !ValidName(name), strings.HasPrefix(name, "_"), strings.HasSuffix(name, "_"):
		return status.Errorf(status.InvalidParameter, "invalid %s name %q in class %s", kind, name, class)
	}
	return nil
}

// canBeKey reports whether a property of type t may carry the Key qualifier.
func canBeKey(t Type) bool {
	return !t.IsArray() && t != TypeObject && !t.IsReal()
}

// propagate returns the qualifiers of qs that pass to a subclass (want
// FlavorToSubclass) or an instance (FlavorToInstance), marked
// FlavorOriginPropagated.
func propagate(qs Qualifiers, want Flavor) Qualifiers {
	q, _ := inherit(qs, nil, want, "")
	return q
}

func (c *Class) computeLayout() *classLayout {
	l := &classLayout{abstract: c.Qualifiers.Has("Abstract") && !strings.EqualFold(c.Name, "__PARAMETERS")}
	p := c.parent
	if p != nil {
		l.parent = p.layout()
	}
	fail := func(code status.Code, format string, args ...any) *classLayout {
		l.err = status.Errorf(code, format, args...)
		return l
	}
	// An invalid name makes the class invalid, but the view is computed all
	// the same: a class spawned unnamed (SpawnDerivedClass("")) sees its
	// inherited properties before Put("__CLASS", ...) names it.
	nameErr := checkClassName(c.Name)
	defer func() {
		if l.err == nil {
			l.err = nameErr
		}
	}()
	var pl *classLayout
	if p != nil {
		if !strings.EqualFold(p.Name, c.Superclass) {
			return fail(status.InvalidSuperclass, "class %s names superclass %q but is linked to %s", c.Name, c.Superclass, p.Name)
		}
		for a := p; a != nil; a = a.parent {
			if a == c || strings.EqualFold(a.Name, c.Name) {
				return fail(status.CircularReference, "class %s cannot derive from itself", c.Name)
			}
		}
		pl = l.parent
		if pl.err != nil {
			l.err = pl.err
			return l
		}
		l.derivation = make([]string, 0, len(pl.derivation)+1)
		l.derivation = append(append(l.derivation, p.Name), pl.derivation...)
	} else if c.Superclass != "" {
		return fail(status.InvalidSuperclass, "superclass %s of %s is not linked", c.Superclass, c.Name)
	}

	// Class qualifiers (Abstract never passes to a subclass: see inherit).
	var err error
	if pl != nil {
		if l.quals, err = inherit(pl.quals, c.Qualifiers, FlavorToSubclass, "class "+p.Name); err != nil {
			l.err = err
			return l
		}
		if c.IsAbstract() && !p.IsAbstract() {
			return fail(status.CannotBeAbstract, "class %s cannot be abstract under the concrete class %s", c.Name, p.Name)
		}
	} else {
		l.quals, _ = inherit(nil, c.Qualifiers, 0, "")
	}

	// Properties: inherited first, in the parent's order, with the
	// qualifiers that propagate to subclasses; then new ones.
	n := len(c.Properties)
	if pl != nil {
		n += len(pl.props)
	}
	l.index = make(map[string]int, 2*n)
	if pl != nil {
		l.props = make([]*Property, len(pl.props), n)
		for i, pp := range pl.props {
			inh := *pp
			inh.Qualifiers = propagate(pp.Qualifiers, FlavorToSubclass)
			l.props[i] = &inh
			l.index[pp.Name] = i
			l.index[strings.ToLower(pp.Name)] = i
		}
	}
	parentKeys := pl != nil && len(pl.keys) > 0
	seen := make(map[string]bool, len(c.Properties))
	for _, own := range c.Properties {
		lname := strings.ToLower(own.Name)
		if err := checkMemberName("property", c.Name, own.Name, status.PropertyNameTooWide); err != nil {
			l.err = err
			return l
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
		v, err := eff.Value.Convert(eff.Type) // a NULL becomes a NULL of the type
		if err != nil {
			l.err = status.Errorf(status.TypeMismatch, "default of %s.%s: %v", c.Name, own.Name, err)
			return l
		}
		eff.Value = v
		i, inherited := l.index[lname]
		if inherited {
			inh := l.props[i]
			if inh.Type != own.Type {
				return fail(status.UpdateTypeMismatch, "property %s of %s is %s, but %s declares it %s", own.Name, c.Name, own.Type, inh.Origin, inh.Type)
			}
			eff.Origin = inh.Origin
			eff.Name = inh.Name
			if eff.ClassRef == "" {
				eff.ClassRef = inh.ClassRef
			}
			if eff.Value.IsNull() && own.Qualifiers.Index(noDefault) < 0 {
				// An override without a value keeps the inherited default.
				eff.Value = inh.Value
			}
			if eff.Qualifiers, err = inherit(inh.Qualifiers, own.Qualifiers, FlavorToSubclass, "property "+inh.Origin+"."+inh.Name); err != nil {
				l.err = err
				return l
			}
			switch {
			case eff.IsKey() && !inh.IsKey() && parentKeys:
				return fail(status.CannotChangeKeyInheritance, "class %s cannot make the inherited property %s a key", c.Name, own.Name)
			case !eff.IsKey() && inh.IsKey():
				return fail(status.CannotChangeKeyInheritance, "class %s cannot drop the key %s it inherits", c.Name, own.Name)
			}
		} else {
			eff.Qualifiers, _ = inherit(nil, own.Qualifiers, 0, "")
			if eff.IsKey() && parentKeys && !p.IsAbstract() {
				return fail(status.CannotChangeKeyInheritance, "class %s cannot add the key %s to the keys of %s", c.Name, own.Name, p.Name)
			}
		}
		if i := eff.Qualifiers.Index(noDefault); i >= 0 {
			eff.Qualifiers = append(eff.Qualifiers[:i:i], eff.Qualifiers[i+1:]...)
		}
		if eff.IsKey() && !canBeKey(eff.Type) {
			return fail(status.CannotBeKey, "property %s.%s of type %s cannot be a key", c.Name, own.Name, own.Type)
		}
		if eff.Type.Base() == TypeObject && eff.ClassRef != "" {
			if err := checkEmbedded(eff.Value, eff.ClassRef); err != nil {
				l.err = status.Errorf(status.TypeMismatch, "default of %s.%s: %v", c.Name, own.Name, err)
				return l
			}
		}
		if inherited {
			l.props[i] = eff
			continue
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

	// Methods: inherited first, then new ones.
	if pl != nil {
		l.methods = make([]*Method, len(pl.methods), len(pl.methods)+len(c.Methods))
		for i, pm := range pl.methods {
			inh := *pm
			inh.Qualifiers = propagate(pm.Qualifiers, FlavorToSubclass)
			l.methods[i] = &inh
		}
	}
	seen = make(map[string]bool, len(c.Methods))
	for _, own := range c.Methods {
		lname := strings.ToLower(own.Name)
		if err := checkMemberName("method", c.Name, own.Name, status.MethodNameTooWide); err != nil {
			l.err = err
			return l
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
				eff.Name = inh.Name
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
	l.defaults = make([]Value, len(l.props))
	for i, p := range l.props {
		l.defaults[i] = p.Value
	}
	return l
}

// checkParameters applies PutMethod's rules to a method's parameters: valid
// and distinct names (WBEM_E_INVALID_DUPLICATE_PARAMETER), no parameter
// called ReturnValue (WBEM_E_PARAMETER_ID_ON_RETVAL when it carries an ID),
// and either no ID qualifiers at all (IDs are then the positions, as MOF
// assigns them) or an ID on every parameter (WBEM_E_MISSING_PARAMETER_ID),
// non-negative integers (WBEM_E_INVALID_PARAMETER_ID), without duplicates
// (WBEM_E_INVALID_PARAMETER_ID), consecutive from 0
// (WBEM_E_NONCONSECUTIVE_PARAMETER_IDS).
func checkParameters(class string, m *Method) error {
	if !m.ReturnType.Valid() {
		return status.Errorf(status.InvalidMethodParameters, "method %s.%s cannot return %s", class, m.Name, m.ReturnType)
	}
	seen := map[string]bool{}
	ids := map[int64]string{}
	explicit := 0
	for _, p := range m.Parameters {
		lname := strings.ToLower(p.Name)
		if strings.EqualFold(p.Name, "ReturnValue") {
			if p.Qualifiers.Index("ID") >= 0 {
				return status.Errorf(status.ParameterIDOnRetval, "ReturnValue of %s.%s carries an ID qualifier", class, m.Name)
			}
			return status.Errorf(status.InvalidMethodParameters, "%s.%s has a parameter named ReturnValue", class, m.Name)
		}
		if !ValidName(p.Name) {
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
			if !isInt || id < 0 || q.Value.Type() == TypeBoolean {
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
// inherited ones carry FlavorOriginPropagated. The slice must not be
// modified.
func (c *Class) AllQualifiers() Qualifiers { return c.layout().quals }

// ObjectQualifiers returns AllQualifiers, as Object requires.
func (c *Class) ObjectQualifiers() Qualifiers { return c.AllQualifiers() }

// SetQualifier adds or replaces a qualifier of the class itself
// (IWbemQualifierSet::Put on the class's qualifier set). Overriding an
// inherited DisableOverride qualifier with another value is
// WBEM_E_OVERRIDE_NOT_ALLOWED, and the class is left as it was.
func (c *Class) SetQualifier(q Qualifier) error {
	old := c.Qualifiers.Clone()
	if err := c.Qualifiers.Set(q); err != nil {
		return err
	}
	c.Changed()
	if err := c.Validate(); err != nil && status.CodeOf(err) == status.OverrideNotAllowed {
		c.Qualifiers = old
		c.Changed()
		return err
	}
	return nil
}

// DeleteQualifier removes a qualifier the class declares. A qualifier the
// class only inherits is WBEM_E_PROPAGATED_QUALIFIER, an unknown one
// WBEM_E_NOT_FOUND.
func (c *Class) DeleteQualifier(name string) error {
	if c.Qualifiers.Index(name) >= 0 {
		err := c.Qualifiers.Delete(name)
		c.Changed()
		return err
	}
	if c.AllQualifiers().Index(name) >= 0 {
		return status.Errorf(status.PropagatedQualifier, "qualifier %s of %s is inherited", name, c.Name)
	}
	return status.Errorf(status.NotFound, "class %s has no qualifier %s", c.Name, name)
}

// AllProperties returns every property, inherited ones first, with Origin
// set. The slice and the properties must not be modified.
func (c *Class) AllProperties() []*Property { return c.layout().props }

// Property returns the named property (inherited or own), or nil.
func (c *Class) Property(name string) *Property {
	l := c.layout()
	if i := l.lookup(name); i >= 0 {
		return l.props[i]
	}
	return nil
}

// PropertyIndex returns the position of the named property in
// AllProperties, or -1.
func (c *Class) PropertyIndex(name string) int { return c.layout().lookup(name) }

// PropertyOrigin returns the name of the class that declares the property
// first (IWbemClassObject::GetPropertyOrigin); a system property's origin
// is the class itself. An unknown name is WBEM_E_NOT_FOUND.
func (c *Class) PropertyOrigin(name string) (string, error) {
	if p := c.Property(name); p != nil {
		return p.Origin, nil
	}
	if IsSystemProperty(name) {
		return c.Name, nil
	}
	return "", status.Errorf(status.NotFound, "class %s has no property %s", c.Name, name)
}

// MethodOrigin returns the name of the class that declares the method first
// (IWbemClassObject::GetMethodOrigin). An unknown name is WBEM_E_NOT_FOUND.
func (c *Class) MethodOrigin(name string) (string, error) {
	if m := c.Method(name); m != nil {
		return m.Origin, nil
	}
	return "", status.Errorf(status.NotFound, "class %s has no method %s", c.Name, name)
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
// The slice and the methods must not be modified.
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

// GetMethod returns the in and out signatures of a method, as
// IWbemClassObject::GetMethod does: __PARAMETERS classes whose properties are
// the parameters, each with its ID qualifier, and ReturnValue in out. Either
// is nil when the method has no such parameters. An unknown method is
// WBEM_E_NOT_FOUND.
func (c *Class) GetMethod(name string) (in, out *Class, err error) {
	m := c.Method(name)
	if m == nil {
		return nil, nil, status.Errorf(status.NotFound, "class %s has no method %s", c.Name, name)
	}
	return m.InParameters(), m.OutParameters(), nil
}

// PutMethod adds or replaces a method of the class from its signatures, as
// IWbemClassObject::PutMethod does. in and out are __PARAMETERS classes (nil
// when there are none): every parameter carries an ID qualifier
// (WBEM_E_MISSING_PARAMETER_ID), the IDs are distinct
// (WBEM_E_INVALID_PARAMETER_ID) and consecutive from 0
// (WBEM_E_NONCONSECUTIVE_PARAMETER_IDS); ReturnValue, in out, gives the return
// type and carries no ID (WBEM_E_PARAMETER_ID_ON_RETVAL); an [in, out]
// parameter appears in both with the same ID and type
// (WBEM_E_INVALID_DUPLICATE_PARAMETER). A method the class inherits may be
// put again only with the same signature (WBEM_E_PROPAGATED_METHOD). The
// qualifiers of a method being replaced are kept.
func (c *Class) PutMethod(name string, in, out *Class) error {
	if err := checkMemberName("method", c.Name, name, status.MethodNameTooWide); err != nil {
		return err
	}
	m := &Method{Name: name}
	byName := map[string]*Property{}
	add := func(p *Property, dir string) error {
		if p.Qualifiers.Index("ID") < 0 {
			return status.Errorf(status.MissingParameterID, "parameter %s of %s.%s has no ID qualifier", p.Name, c.Name, name)
		}
		lname := strings.ToLower(p.Name)
		if prev, ok := byName[lname]; ok {
			if prev.Type != p.Type || parameterID(prev) != parameterID(p) || !strings.EqualFold(prev.ClassRef, p.ClassRef) {
				return status.Errorf(status.InvalidDuplicateParameter, "[in, out] parameter %s of %s.%s differs between the signatures", p.Name, c.Name, name)
			}
			_ = prev.Qualifiers.Set(Qualifier{Name: dir, Value: Boolean(true)})
			return nil
		}
		q := p.Clone()
		q.Origin = ""
		q.Qualifiers = q.Qualifiers.Local()
		// The direction is where the parameter appears, whatever qualifiers
		// its copy in a signature carries.
		_ = q.Qualifiers.Delete("In")
		_ = q.Qualifiers.Delete("Out")
		_ = q.Qualifiers.Set(Qualifier{Name: dir, Value: Boolean(true)})
		byName[lname] = q
		m.Parameters = append(m.Parameters, q)
		return nil
	}
	if in != nil {
		for _, p := range in.AllProperties() {
			if strings.EqualFold(p.Name, "ReturnValue") {
				return status.Errorf(status.InvalidMethodParameters, "ReturnValue in the in-signature of %s.%s", c.Name, name)
			}
			if err := add(p, "In"); err != nil {
				return err
			}
		}
	}
	if out != nil {
		for _, p := range out.AllProperties() {
			if strings.EqualFold(p.Name, "ReturnValue") {
				if p.Qualifiers.Index("ID") >= 0 {
					return status.Errorf(status.ParameterIDOnRetval, "ReturnValue of %s.%s carries an ID qualifier", c.Name, name)
				}
				m.ReturnType, m.ReturnRef = p.Type, p.ClassRef
				continue
			}
			if err := add(p, "Out"); err != nil {
				return err
			}
		}
	}
	sort.SliceStable(m.Parameters, func(a, b int) bool {
		return parameterID(m.Parameters[a]) < parameterID(m.Parameters[b])
	})
	if err := checkParameters(c.Name, m); err != nil {
		return err
	}
	if c.parent != nil {
		if inh := c.parent.Method(name); inh != nil {
			if !inh.sameSignature(m) {
				return status.Errorf(status.PropagatedMethod, "method %s.%s has another signature in %s", c.Name, name, inh.Origin)
			}
			m.Name = inh.Name
		}
	}
	old := c.Methods
	methods := append([]*Method(nil), c.Methods...)
	replaced := false
	for i, om := range methods {
		if strings.EqualFold(om.Name, name) {
			m.Qualifiers = om.Qualifiers.Clone()
			methods[i] = m
			replaced = true
			break
		}
	}
	if !replaced {
		methods = append(methods, m)
	}
	c.Methods = methods
	c.Changed()
	if err := c.Validate(); err != nil {
		c.Methods = old
		c.Changed()
		return err
	}
	return nil
}

// DeleteMethod removes a method the class declares. A method it only
// inherits is WBEM_E_PROPAGATED_METHOD, an unknown one WBEM_E_NOT_FOUND.
func (c *Class) DeleteMethod(name string) error {
	for i, m := range c.Methods {
		if strings.EqualFold(m.Name, name) {
			c.Methods = append(c.Methods[:i:i], c.Methods[i+1:]...)
			c.Changed()
			return nil
		}
	}
	if c.Method(name) != nil {
		return status.Errorf(status.PropagatedMethod, "method %s is inherited by %s", name, c.Name)
	}
	return status.Errorf(status.NotFound, "class %s has no method %s", c.Name, name)
}

// IsAbstract reports whether the class has the Abstract qualifier. Abstract
// is not inherited: a subclass of an abstract class is concrete unless it
// says otherwise.
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
// an inherited one becomes an override (a NULL value then overrides the
// inherited default with NULL). A property the class does not have is
// created: t gives its type, needed when v is an untyped NULL; for an
// existing property t is TypeEmpty or its type (another type is
// WBEM_E_TYPE_MISMATCH). A value that does not convert to the property's
// type is WBEM_E_TYPE_MISMATCH. __CLASS sets the class name; the other
// system properties are WBEM_E_READ_ONLY; a new name that is not a valid
// property name (one that begins or ends with '_') is
// WBEM_E_INVALID_PARAMETER.
func (c *Class) Put(name string, v Value, t Type) error {
	if strings.HasPrefix(name, "__") {
		if strings.EqualFold(name, "__CLASS") {
			s, ok := v.Str()
			if !ok || s == "" || v.Type() != TypeString {
				return status.New(status.InvalidParameter, "__CLASS must be a non-empty string")
			}
			if err := checkClassName(s); err != nil {
				return err
			}
			c.Name = s
			c.Changed()
			return nil
		}
		if IsSystemProperty(name) {
			return status.Errorf(status.ReadOnly, "system property %s is read-only", name)
		}
	}
	if t != TypeEmpty && !t.Valid() {
		return status.Errorf(status.InvalidPropertyType, "invalid CIM type %#x for property %s", uint16(t), name)
	}
	for _, p := range c.Properties {
		if strings.EqualFold(p.Name, name) {
			if t != TypeEmpty && t != p.Type {
				return status.Errorf(status.TypeMismatch, "property %s.%s is %s, not %s", c.Name, p.Name, p.Type, t)
			}
			cv, err := checkValue(c.Name, p, v)
			if err != nil {
				return err
			}
			p.Value = cv
			_ = p.Qualifiers.Delete(noDefault)
			if cv.IsNull() && c.parent != nil && c.parent.Property(name) != nil {
				p.Qualifiers = append(p.Qualifiers, Qualifier{Name: noDefault, Value: Boolean(true)})
			}
			c.Changed()
			return nil
		}
	}
	if inh := c.Property(name); inh != nil {
		if t != TypeEmpty && t != inh.Type {
			return status.Errorf(status.TypeMismatch, "property %s.%s is %s, not %s", inh.Origin, inh.Name, inh.Type, t)
		}
		cv, err := checkValue(c.Name, inh, v)
		if err != nil {
			return err
		}
		np := &Property{Name: inh.Name, Type: inh.Type, ClassRef: inh.ClassRef, Value: cv}
		if cv.IsNull() {
			np.Qualifiers = Qualifiers{{Name: noDefault, Value: Boolean(true)}}
		}
		c.Properties = append(c.Properties, np)
		c.Changed()
		return nil
	}
	if err := checkMemberName("property", c.Name, name, status.PropertyNameTooWide); err != nil {
		return err
	}
	if t == TypeEmpty {
		t = v.Type()
	}
	if t == TypeEmpty {
		return status.Errorf(status.TypeMismatch, "new property %s.%s needs a type", c.Name, name)
	}
	np := &Property{Name: name, Type: t}
	cv, err := checkValue(c.Name, np, v)
	if err != nil {
		return err
	}
	np.Value = cv
	c.Properties = append(c.Properties[:len(c.Properties):len(c.Properties)], np)
	c.Changed()
	return nil
}

// Delete removes a property the class declares. An inherited property is
// WBEM_E_PROPAGATED_PROPERTY, a system property WBEM_E_SYSTEM_PROPERTY, an
// unknown one WBEM_E_NOT_FOUND. Deleting an override restores the inherited
// default and returns status.SResetToDefault as a code.
func (c *Class) Delete(name string) (status.Code, error) {
	if IsSystemProperty(name) {
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

// SpawnDerivedClass returns a new, empty subclass of c named name. An
// invalid class is WBEM_E_INCOMPLETE_CLASS. name may be "": the subclass is
// then named later with Put("__CLASS", ...), as in WMI, and is not valid
// until it is.
func (c *Class) SpawnDerivedClass(name string) (*Class, error) {
	if err := c.Validate(); err != nil {
		return nil, status.Wrap(status.IncompleteClass, err)
	}
	d := NewClass(name, c)
	d.Namespace, d.Server = c.Namespace, c.Server
	if name == "" {
		return d, nil
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// SpawnInstance returns a new instance of the class with the class's default
// values and its namespace and server. An invalid class is
// WBEM_E_INCOMPLETE_CLASS; an abstract one is WBEM_E_INVALID_OPERATION,
// except a method signature (__PARAMETERS), whose instances are the
// arguments of method calls.
func (c *Class) SpawnInstance() (*Instance, error) {
	l := c.layout()
	if l.err != nil {
		return nil, status.Wrap(status.IncompleteClass, l.err)
	}
	if l.abstract {
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

// SpawnInstances returns n new instances of the class, as SpawnInstance
// does, made with three allocations in all rather than two each: for
// decoders and providers that produce many instances at once. The
// instances share one backing array of values, which stays in memory while
// any of them does.
func (c *Class) SpawnInstances(n int) ([]*Instance, error) {
	l := c.layout()
	if l.err != nil {
		return nil, status.Wrap(status.IncompleteClass, l.err)
	}
	if l.abstract {
		return nil, status.Errorf(status.InvalidOperation, "class %s is abstract", c.Name)
	}
	k := len(l.props)
	insts := make([]Instance, n)
	vals := make([]Value, n*k)
	out := make([]*Instance, n)
	for i := range insts {
		inst := &insts[i]
		inst.class, inst.lay, inst.Namespace, inst.Server = c, l, c.Namespace, c.Server
		inst.values = vals[i*k : (i+1)*k : (i+1)*k]
		out[i] = inst
	}
	return out, nil
}

func (c *Class) spawn(l *classLayout) *Instance {
	return &Instance{class: c, lay: l, values: make([]Value, len(l.props)), Namespace: c.Namespace, Server: c.Server}
}

// Clone returns an independent copy of the class, linked to the same parent.
func (c *Class) Clone() *Class {
	d := &Class{Name: c.Name, Superclass: c.Superclass, Qualifiers: c.Qualifiers.Clone(),
		Namespace: c.Namespace, Server: c.Server, parent: c.parent}
	if c.Properties != nil {
		d.Properties = make([]*Property, len(c.Properties))
		for i, p := range c.Properties {
			d.Properties[i] = p.Clone()
		}
	}
	if c.Methods != nil {
		d.Methods = make([]*Method, len(c.Methods))
		for i, m := range c.Methods {
			d.Methods[i] = m.Clone()
		}
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

// orObject returns a reference's class, or "object" for a reference to any
// class, as MOF and the CIMTYPE qualifier write it.
func orObject(s string) string {
	if s == "" {
		return "object"
	}
	return s
}
