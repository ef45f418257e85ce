package cim

import (
	"strings"

	"github.com/gowmi/gowmi/wbem/status"
)

// Object is a class or an instance: the Go form of IWbemClassObject.
type Object interface {
	// Genus tells a class from an instance.
	Genus() Genus
	// ClassName returns the name of the class (of the instance).
	ClassName() string
	// Class returns the class itself, or the instance's class.
	Class() *Class
	// Get returns a property's value (a class's default) or a system
	// property such as __PATH. An unknown name is WBEM_E_NOT_FOUND.
	Get(name string) (Value, error)
	// ObjectQualifiers returns the qualifiers of the object, with the
	// propagated ones.
	ObjectQualifiers() Qualifiers
	// Path returns the object path; an instance whose keys are not all set
	// is WBEM_E_INVALID_OBJECT_PATH.
	Path() (Path, error)
	// InheritsFrom reports whether the object's class is name or derives from it.
	InheritsFrom(name string) bool
	// CompareTo reports whether two objects are the same under WMI's
	// comparison flags.
	CompareTo(o Object, flags CompareFlags) bool
	// CloneObject returns an independent copy.
	CloneObject() Object
	// MOF returns the MOF text of the object (GetObjectText).
	MOF() string
}

// The system properties, in the order WMI enumerates them.
var systemProperties = []string{
	"__GENUS", "__CLASS", "__SUPERCLASS", "__DYNASTY", "__RELPATH", "__PROPERTY_COUNT",
	"__DERIVATION", "__SERVER", "__NAMESPACE", "__PATH",
}

// SystemProperties returns the names of the system properties.
func SystemProperties() []string { return append([]string(nil), systemProperties...) }

// IsSystemProperty reports whether name is one of the system properties.
func IsSystemProperty(name string) bool {
	for _, s := range systemProperties {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

func nullable(s string) Value {
	if s == "" {
		return Null(TypeString)
	}
	return String(s)
}

// systemProperty computes a system property as WMI does: __PATH is NULL
// until the object has a namespace (a server defaults to "."), __RELPATH
// until an instance has all its keys; __SERVER and __NAMESPACE are NULL when
// unset; __SUPERCLASS is NULL for a root class; __PROPERTY_COUNT counts the
// non-system properties.
func systemProperty(o Object, name string) (Value, error) {
	c := o.Class()
	var (
		props             int
		server, namespace string
	)
	switch x := o.(type) {
	case *Instance:
		props, server, namespace = len(x.lay.props), x.Server, x.Namespace
	case *Class:
		props, server, namespace = len(x.AllProperties()), x.Server, x.Namespace
	default:
		props = len(c.AllProperties())
		if p, err := o.Path(); err == nil {
			server, namespace = p.Server, p.Namespace
		}
	}
	switch strings.ToUpper(name) {
	case "__GENUS":
		return Sint32(int32(o.Genus())), nil
	case "__CLASS":
		return nullable(o.ClassName()), nil
	case "__SUPERCLASS":
		return nullable(c.Superclass), nil
	case "__DYNASTY":
		return nullable(c.Dynasty()), nil
	case "__DERIVATION":
		return Strings(c.Derivation()...), nil
	case "__PROPERTY_COUNT":
		return Sint32(int32(props)), nil
	case "__SERVER":
		return nullable(server), nil
	case "__NAMESPACE":
		return nullable(namespace), nil
	case "__PATH", "__RELPATH":
		p, err := o.Path()
		if err != nil || p.Class == "" {
			return Null(TypeString), nil
		}
		if strings.EqualFold(name, "__RELPATH") {
			return String(p.RelPath()), nil
		}
		if p.Namespace == "" {
			return Null(TypeString), nil
		}
		if p.Server == "" {
			p.Server = "."
		}
		return String(p.String()), nil
	}
	return Value{}, status.Errorf(status.NotFound, "no system property %s", name)
}

// CompareFlags are the flags of IWbemClassObject::CompareTo.
type CompareFlags uint32

// The comparison flags, with Microsoft's values.
const (
	CompareIncludeAll          CompareFlags = 0
	CompareIgnoreQualifiers    CompareFlags = 0x1
	CompareIgnoreObjectSource  CompareFlags = 0x2
	CompareIgnoreDefaultValues CompareFlags = 0x4
	CompareIgnoreClass         CompareFlags = 0x8
	CompareIgnoreCase          CompareFlags = 0x10
	CompareIgnoreFlavor        CompareFlags = 0x20
)

// sameValue compares two values under the comparison flags: with
// CompareIgnoreCase strings (and string arrays) compare case-insensitively;
// embedded objects compare with the same flags.
func sameValue(a, b Value, flags CompareFlags) bool {
	if a.typ != b.typ || a.valid != b.valid {
		return false
	}
	if !a.valid {
		return true
	}
	if aa, ok := a.Array(); ok {
		ba, _ := b.Array()
		if len(aa) != len(ba) {
			return false
		}
		for i := range aa {
			if !sameValue(aa[i], ba[i], flags) {
				return false
			}
		}
		return true
	}
	switch a.typ {
	case TypeObject:
		ao, _ := a.Object()
		bo, _ := b.Object()
		return ao != nil && bo != nil && ao.CompareTo(bo, flags)
	case TypeString, TypeDateTime, TypeReference:
		if flags&CompareIgnoreCase != 0 {
			return strings.EqualFold(a.s, b.s)
		}
	}
	return a.Equal(b)
}

func sameQualifiers(a, b Qualifiers, flags CompareFlags) bool {
	if flags&CompareIgnoreQualifiers != 0 {
		return true
	}
	if len(a) != len(b) {
		return false
	}
	for _, qa := range a {
		qb, ok := b.Get(qa.Name)
		if !ok || !sameValue(qa.Value, qb.Value, flags) {
			return false
		}
		if flags&CompareIgnoreFlavor == 0 && qa.Flavor != qb.Flavor {
			return false
		}
	}
	return true
}

func sameProperty(a, b *Property, flags CompareFlags) bool {
	if a.Name != b.Name || a.Type != b.Type || !strings.EqualFold(a.ClassRef, b.ClassRef) {
		return false
	}
	if flags&CompareIgnoreDefaultValues == 0 && !sameValue(a.Value, b.Value, flags) {
		return false
	}
	return sameQualifiers(a.Qualifiers, b.Qualifiers, flags)
}

// CompareTo reports whether o is a class with the same definition. Names
// compare case-sensitively, as in WMI.
func (c *Class) CompareTo(o Object, flags CompareFlags) bool {
	d, ok := o.(*Class)
	if !ok || c.Name != d.Name || !strings.EqualFold(c.Superclass, d.Superclass) {
		return false
	}
	if flags&CompareIgnoreObjectSource == 0 && (!strings.EqualFold(c.Namespace, d.Namespace) || !strings.EqualFold(c.Server, d.Server)) {
		return false
	}
	if !sameQualifiers(c.Qualifiers, d.Qualifiers, flags) || len(c.Properties) != len(d.Properties) || len(c.Methods) != len(d.Methods) {
		return false
	}
	for i, p := range c.Properties {
		if !sameProperty(p, d.Properties[i], flags) {
			return false
		}
	}
	for i, m := range c.Methods {
		n := d.Methods[i]
		if m.Name != n.Name || m.ReturnType != n.ReturnType || !strings.EqualFold(m.ReturnRef, n.ReturnRef) ||
			len(m.Parameters) != len(n.Parameters) || !sameQualifiers(m.Qualifiers, n.Qualifiers, flags) {
			return false
		}
		for j, p := range m.Parameters {
			if !sameProperty(p, n.Parameters[j], flags) {
				return false
			}
		}
	}
	return true
}
