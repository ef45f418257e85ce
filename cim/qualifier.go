package cim

import (
	"strings"

	"github.com/gowmi/gowmi/wbem/status"
)

// Flavor is a qualifier's flavor with the bits of WBEM_FLAVOR_TYPE.
type Flavor uint32

// The flavor bits. The zero Flavor is Restricted, EnableOverride, not
// amended, of local origin.
const (
	FlavorToInstance       Flavor = 0x1  // WBEM_FLAVOR_FLAG_PROPAGATE_TO_INSTANCE
	FlavorToSubclass       Flavor = 0x2  // WBEM_FLAVOR_FLAG_PROPAGATE_TO_DERIVED_CLASS
	FlavorMaskPropagation  Flavor = 0xF  // WBEM_FLAVOR_MASK_PROPAGATION
	FlavorNotOverridable   Flavor = 0x10 // WBEM_FLAVOR_NOT_OVERRIDABLE (DisableOverride)
	FlavorOriginPropagated Flavor = 0x20 // WBEM_FLAVOR_ORIGIN_PROPAGATED: inherited, read-only information
	FlavorOriginSystem     Flavor = 0x40 // WBEM_FLAVOR_ORIGIN_SYSTEM
	FlavorMaskOrigin       Flavor = 0x60 // WBEM_FLAVOR_MASK_ORIGIN
	FlavorAmended          Flavor = 0x80 // WBEM_FLAVOR_AMENDED: localizable
	FlavorDefault                 = FlavorToSubclass
	flavorSettableMask            = FlavorMaskPropagation | FlavorNotOverridable | FlavorAmended
)

// String returns the flavor in MOF words, e.g. "ToSubclass, DisableOverride".
func (f Flavor) String() string {
	var parts []string
	if f&(FlavorToInstance|FlavorToSubclass) == 0 {
		parts = append(parts, "Restricted")
	}
	if f&FlavorToInstance != 0 {
		parts = append(parts, "ToInstance")
	}
	if f&FlavorToSubclass != 0 {
		parts = append(parts, "ToSubclass")
	}
	if f&FlavorNotOverridable != 0 {
		parts = append(parts, "DisableOverride")
	}
	if f&FlavorAmended != 0 {
		parts = append(parts, "Amended")
	}
	return strings.Join(parts, ", ")
}

// Qualifier is a named value with a flavor, attached to a class, instance,
// property, method or parameter.
type Qualifier struct {
	Name   string
	Value  Value
	Flavor Flavor
}

// Qualifiers is an ordered set of qualifiers with case-insensitive names.
type Qualifiers []Qualifier

// Index returns the position of the named qualifier, or -1.
func (qs Qualifiers) Index(name string) int {
	for i := range qs {
		if strings.EqualFold(qs[i].Name, name) {
			return i
		}
	}
	return -1
}

// Get returns the named qualifier.
func (qs Qualifiers) Get(name string) (Qualifier, bool) {
	if i := qs.Index(name); i >= 0 {
		return qs[i], true
	}
	return Qualifier{}, false
}

// Has reports whether the named qualifier is present and not a boolean false:
// [Key] and [Key(true)] have Key, [Key(false)] does not.
func (qs Qualifiers) Has(name string) bool {
	q, ok := qs.Get(name)
	if !ok {
		return false
	}
	if b, isBool := q.Value.Bool(); isBool {
		return b
	}
	return true
}

// Str returns the text of a string qualifier, or "".
func (qs Qualifiers) Str(name string) string {
	q, _ := qs.Get(name)
	s, _ := q.Value.Str()
	return s
}

// Set adds or replaces a qualifier, keeping its position when replacing. Only
// the settable flavor bits are kept; origin bits are information the object
// computes. A name that is not a CIM identifier or begins with "__" is
// WBEM_E_INVALID_PARAMETER, one longer than 255 characters
// WBEM_E_QUALIFIER_NAME_TOO_WIDE; undefined flavor bits are
// WBEM_E_INVALID_FLAVOR; a reference or embedded-object value, which no
// qualifier may have, is WBEM_E_INVALID_QUALIFIER_TYPE.
func (qs *Qualifiers) Set(q Qualifier) error {
	if tooWide(q.Name) {
		return status.Errorf(status.QualifierNameTooWide, "qualifier name %.32q... is longer than %d characters", q.Name, MaxNameLength)
	}
	if !ValidName(q.Name) || strings.HasPrefix(q.Name, "__") {
		return status.Errorf(status.InvalidParameter, "invalid qualifier name %q", q.Name)
	}
	if q.Flavor&^(flavorSettableMask|FlavorMaskOrigin) != 0 {
		return status.Errorf(status.InvalidFlavor, "invalid flavor %#x for qualifier %s", uint32(q.Flavor), q.Name)
	}
	if !validQualifierType(q.Value.Type()) {
		return status.Errorf(status.InvalidQualifierType, "qualifier %s cannot be of type %s", q.Name, q.Value.Type())
	}
	q.Flavor &= flavorSettableMask
	if i := qs.Index(q.Name); i >= 0 {
		(*qs)[i] = q
		return nil
	}
	*qs = append(*qs, q)
	return nil
}

// validQualifierType reports whether a qualifier may have a value of type
// t: any CIM type or array but a reference or an embedded object (DSP0004),
// or an untyped NULL.
func validQualifierType(t Type) bool {
	if t == TypeEmpty {
		return true
	}
	b := t.Base()
	return t.Valid() && b != TypeReference && b != TypeObject
}

// Delete removes the named qualifier; a missing one is WBEM_E_NOT_FOUND.
func (qs *Qualifiers) Delete(name string) error {
	i := qs.Index(name)
	if i < 0 {
		return status.Errorf(status.NotFound, "no qualifier %s", name)
	}
	*qs = append((*qs)[:i:i], (*qs)[i+1:]...)
	return nil
}

// Clone returns an independent copy.
func (qs Qualifiers) Clone() Qualifiers {
	if qs == nil {
		return nil
	}
	out := make(Qualifiers, len(qs))
	copy(out, qs)
	return out
}

// Local returns the qualifiers whose origin is local, in order.
func (qs Qualifiers) Local() Qualifiers {
	var out Qualifiers
	for _, q := range qs {
		if q.Flavor&FlavorMaskOrigin == 0 {
			out = append(out, q)
		}
	}
	return out
}

// inherit merges the qualifiers a child declares (own) over those it
// inherits from parent: a parent qualifier with the propagation bit want
// passes down marked FlavorOriginPropagated unless the child overrides it; a
// child may not override a DisableOverride qualifier with another value
// (WBEM_E_OVERRIDE_NOT_ALLOWED). The result lists inherited qualifiers first,
// in the parent's order, then the child's new ones.
//
// Three qualifiers shape the class itself and pass to subclasses whatever
// their flavor, as DSP0004 declares them: Key and Association always pass
// (Association as DisableOverride: a subclass of an association is one), and
// Abstract never does (a subclass of an abstract class is concrete unless it
// says otherwise).
func inherit(parent, own Qualifiers, want Flavor, where string) (Qualifiers, error) {
	var out Qualifiers
	for _, pq := range parent {
		fixed := pq.Flavor&FlavorNotOverridable != 0
		if want == FlavorToSubclass {
			switch {
			case strings.EqualFold(pq.Name, "Abstract"):
				continue
			case strings.EqualFold(pq.Name, "Association"):
				pq.Flavor |= FlavorToSubclass
				fixed = true
			case strings.EqualFold(pq.Name, "Key"):
				pq.Flavor |= FlavorToSubclass
			}
		}
		if pq.Flavor&want == 0 {
			continue
		}
		if i := own.Index(pq.Name); i >= 0 {
			oq := own[i]
			if fixed && !oq.Value.Equal(pq.Value) {
				return nil, status.Errorf(status.OverrideNotAllowed,
					"qualifier %s of %s is DisableOverride and cannot be overridden", pq.Name, where)
			}
			oq.Flavor &^= FlavorMaskOrigin
			out = append(out, oq)
			continue
		}
		pq.Flavor = pq.Flavor&^FlavorMaskOrigin | FlavorOriginPropagated
		out = append(out, pq)
	}
	for _, oq := range own {
		if out.Index(oq.Name) < 0 {
			oq.Flavor &^= FlavorMaskOrigin
			out = append(out, oq)
		}
	}
	return out, nil
}

// Scope is where a qualifier may be used, as a qualifier declaration's
// Scope(...) lists it.
type Scope uint16

// The scopes of DSP0004.
const (
	ScopeClass Scope = 1 << iota
	ScopeAssociation
	ScopeIndication
	ScopeProperty
	ScopeReference
	ScopeMethod
	ScopeParameter
	ScopeQualifier
	ScopeAny = ScopeClass | ScopeAssociation | ScopeIndication | ScopeProperty | ScopeReference | ScopeMethod | ScopeParameter | ScopeQualifier
)

var scopeNames = []struct {
	s    Scope
	name string
}{
	{ScopeClass, "class"}, {ScopeAssociation, "association"}, {ScopeIndication, "indication"},
	{ScopeProperty, "property"}, {ScopeReference, "reference"}, {ScopeMethod, "method"},
	{ScopeParameter, "parameter"}, {ScopeQualifier, "qualifier"},
}

// ParseScope returns the scope of one DSP0004 scope word ("class", "any", ...).
func ParseScope(word string) (Scope, bool) {
	if strings.EqualFold(word, "any") {
		return ScopeAny, true
	}
	for _, s := range scopeNames {
		if strings.EqualFold(s.name, word) {
			return s.s, true
		}
	}
	return 0, false
}

// String returns the scope as MOF words: "class, property" or "any".
func (s Scope) String() string {
	if s&ScopeAny == ScopeAny {
		return "any"
	}
	var parts []string
	for _, n := range scopeNames {
		if s&n.s != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, ", ")
}

// QualifierDecl is a qualifier declaration ("Qualifier Key : boolean = false,
// scope(property, reference), flavor(DisableOverride, ToSubclass);").
type QualifierDecl struct {
	Name    string
	Type    Type
	Default Value // NULL when the declaration has none
	Scope   Scope
	Flavor  Flavor
}

// Validate checks a declaration: a valid name (WBEM_E_INVALID_PARAMETER), a
// type a qualifier may have (WBEM_E_INVALID_QUALIFIER_TYPE), a default of
// that type (WBEM_E_TYPE_MISMATCH; the default is converted in place when it
// converts), defined flavor bits (WBEM_E_INVALID_FLAVOR).
func (d *QualifierDecl) Validate() error {
	if tooWide(d.Name) {
		return status.Errorf(status.QualifierNameTooWide, "qualifier name %.32q... is longer than %d characters", d.Name, MaxNameLength)
	}
	if !ValidName(d.Name) || strings.HasPrefix(d.Name, "__") {
		return status.Errorf(status.InvalidParameter, "invalid qualifier name %q", d.Name)
	}
	if d.Type == TypeEmpty || !validQualifierType(d.Type) {
		return status.Errorf(status.InvalidQualifierType, "qualifier %s cannot be of type %s", d.Name, d.Type)
	}
	if d.Flavor&^flavorSettableMask != 0 {
		return status.Errorf(status.InvalidFlavor, "invalid flavor %#x for qualifier %s", uint32(d.Flavor), d.Name)
	}
	v, err := d.Default.Convert(d.Type)
	if err != nil {
		return err
	}
	d.Default = v
	return nil
}
