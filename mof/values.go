package mof

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// aliasFunc returns the object path text an alias stands for.
type aliasFunc func(name string, pos Pos) (string, error)

// containsAlias reports whether a value names an alias, itself, in an
// array, or in an embedded instance.
func containsAlias(l *Literal) bool {
	switch l.Kind {
	case LitAlias:
		return true
	case LitArray:
		for _, e := range l.Elems {
			if containsAlias(e) {
				return true
			}
		}
	case LitInstance:
		for _, pv := range l.Instance.Properties {
			if containsAlias(pv.Value) {
				return true
			}
		}
	}
	return false
}

// checkAliasTarget checks that an alias the value names directly (not in
// an embedded instance) is used for a reference.
func checkAliasTarget(l *Literal, t cim.Type) error {
	if t.Base() == cim.TypeReference {
		return nil
	}
	at := l
	if l.Kind == LitArray {
		at = nil
		for _, e := range l.Elems {
			if e.Kind == LitAlias {
				at = e
				break
			}
		}
	}
	if at == nil || at.Kind != LitAlias {
		return nil
	}
	return errorAt(status.MOFUnexpectedAlias, at.Pos, "alias $%s used for a %s value: only references can take an alias", at.Str, t)
}

func mismatch(l *Literal, t cim.Type) error {
	return errorAt(status.MOFTypeMismatch, l.Pos, "%s cannot be a %s value", describeLiteral(l), t)
}

func describeLiteral(l *Literal) string {
	switch l.Kind {
	case LitNull:
		return "NULL"
	case LitBool:
		if l.Bool {
			return "TRUE"
		}
		return "FALSE"
	case LitInt:
		s := strconv.FormatUint(l.Uint, 10)
		if l.Neg {
			s = "-" + s
		}
		return "the integer " + s
	case LitReal:
		return "the real " + strconv.FormatFloat(l.Real, 'g', -1, 64)
	case LitString:
		s := l.Str
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return "the string " + strconv.Quote(s)
	case LitChar:
		return "a character"
	case LitArray:
		return "an array"
	case LitAlias:
		return "$" + l.Str
	case LitInstance:
		return "an instance of " + l.Instance.Class
	}
	return "an identifier"
}

// convert turns a literal into a value of type t. Aliases are resolved with
// alias (nil: an alias is an error); embedded instances are compiled in
// namespace ns.
func (c *compiler) convert(l *Literal, t cim.Type, classRef string, alias aliasFunc, ns string) (cim.Value, error) {
	if l.Kind == LitNull {
		return cim.Null(t), nil
	}
	if t.IsArray() {
		if l.Kind != LitArray {
			return cim.Value{}, errorAt(status.MOFTypeMismatch, l.Pos, "%s cannot be a %s value: an array value is written {a, b}", describeLiteral(l), t)
		}
		elems := make([]cim.Value, len(l.Elems))
		for i, e := range l.Elems {
			if e.Kind == LitNull {
				return cim.Value{}, errorAt(status.MOFNullArrayElem, e.Pos, "an array element cannot be NULL")
			}
			v, err := c.convert(e, t.Base(), classRef, alias, ns)
			if err != nil {
				return cim.Value{}, err
			}
			elems[i] = v
		}
		v, err := cim.Array(t.Base(), elems...)
		if err != nil {
			return cim.Value{}, wrapAt(err, l.Pos, "")
		}
		return v, nil
	}
	if l.Kind == LitArray {
		return cim.Value{}, errorAt(status.MOFUnexpectedArrayInit, l.Pos, "an array value for a %s, which is not an array", t)
	}
	switch t {
	case cim.TypeSint8, cim.TypeSint16, cim.TypeSint32, cim.TypeSint64,
		cim.TypeUint8, cim.TypeUint16, cim.TypeUint32, cim.TypeUint64:
		if l.Kind != LitInt {
			return cim.Value{}, mismatch(l, t)
		}
		return intValue(l, t)
	case cim.TypeReal32, cim.TypeReal64:
		var f float64
		switch l.Kind {
		case LitReal:
			f = l.Real
		case LitInt:
			f = float64(l.Uint)
			if l.Neg {
				f = -f
			}
		default:
			return cim.Value{}, mismatch(l, t)
		}
		if t == cim.TypeReal32 {
			if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return cim.Value{}, errorAt(status.MOFOutOfRange, l.Pos, "%s is out of range for real32", describeLiteral(l))
			}
			return cim.Real32(float32(f)), nil
		}
		return cim.Real64(f), nil
	case cim.TypeBoolean:
		if l.Kind != LitBool {
			return cim.Value{}, mismatch(l, t)
		}
		return cim.Boolean(l.Bool), nil
	case cim.TypeString:
		switch l.Kind {
		case LitString:
			return cim.String(l.Str), nil
		case LitChar:
			return cim.String(string(utf16.Decode([]uint16{l.Char}))), nil
		case LitInt:
			// Microsoft's compiler converts a number given for a string.
			s := strconv.FormatUint(l.Uint, 10)
			if l.Neg {
				s = "-" + s
			}
			return cim.String(s), nil
		}
		return cim.Value{}, mismatch(l, t)
	case cim.TypeChar16:
		switch l.Kind {
		case LitChar:
			return cim.Char16(l.Char), nil
		case LitString:
			u := utf16.Encode([]rune(l.Str))
			if len(u) == 1 {
				return cim.Char16(u[0]), nil
			}
		case LitInt:
			if l.Neg || l.Uint > math.MaxUint16 {
				return cim.Value{}, errorAt(status.MOFOutOfRange, l.Pos, "%s is out of range for char16", describeLiteral(l))
			}
			return cim.Char16(uint16(l.Uint)), nil
		}
		return cim.Value{}, mismatch(l, t)
	case cim.TypeDateTime:
		if l.Kind != LitString {
			return cim.Value{}, mismatch(l, t)
		}
		v, err := cim.ParseDateTimeValue(l.Str)
		if err != nil {
			return cim.Value{}, errorAt(status.MOFTypeMismatch, l.Pos, "%q is not a DATETIME: %s", l.Str, status.From(err).Description)
		}
		return v, nil
	case cim.TypeReference:
		var text string
		switch l.Kind {
		case LitString:
			text = l.Str
		case LitAlias:
			if alias == nil {
				return cim.Value{}, errorAt(status.MOFUnexpectedAlias, l.Pos, "an alias cannot be used here")
			}
			s, err := alias(l.Str, l.Pos)
			if err != nil {
				return cim.Value{}, err
			}
			text = s
		default:
			return cim.Value{}, mismatch(l, t)
		}
		v, err := cim.ReferenceText(text)
		if err != nil {
			return cim.Value{}, errorAt(status.MOFTypeMismatch, l.Pos, "%q is not an object path: %s", text, status.From(err).Description)
		}
		return v, nil
	case cim.TypeObject:
		switch l.Kind {
		case LitInstance:
			inst, err := c.instance(l.Instance, ns, alias)
			if err != nil {
				return cim.Value{}, err
			}
			if classRef != "" && !inst.InheritsFrom(classRef) {
				return cim.Value{}, errorAt(status.MOFTypeMismatch, l.Pos, "an instance of %s where an instance of %s is expected", inst.ClassName(), classRef)
			}
			return cim.Embedded(inst), nil
		case LitAlias:
			return cim.Value{}, errorAt(status.MOFUnexpectedAlias, l.Pos, "alias $%s for an embedded object: only references can take an alias", l.Str)
		}
		return cim.Value{}, mismatch(l, t)
	}
	return cim.Value{}, mismatch(l, t)
}

// intValue checks an integer literal against the range of t.
func intValue(l *Literal, t cim.Type) (cim.Value, error) {
	var bits uint
	switch t {
	case cim.TypeSint8, cim.TypeUint8:
		bits = 8
	case cim.TypeSint16, cim.TypeUint16:
		bits = 16
	case cim.TypeSint32, cim.TypeUint32:
		bits = 32
	default:
		bits = 64
	}
	out := func() (cim.Value, error) {
		return cim.Value{}, errorAt(status.MOFOutOfRange, l.Pos, "%s is out of range for %s", describeLiteral(l), t)
	}
	if t.IsSigned() {
		limit := uint64(1) << (bits - 1)
		if (l.Neg && l.Uint > limit) || (!l.Neg && l.Uint >= limit) {
			return out()
		}
		n := int64(l.Uint)
		if l.Neg {
			n = -n
		}
		switch t {
		case cim.TypeSint8:
			return cim.Sint8(int8(n)), nil
		case cim.TypeSint16:
			return cim.Sint16(int16(n)), nil
		case cim.TypeSint32:
			return cim.Sint32(int32(n)), nil
		}
		return cim.Sint64(n), nil
	}
	if l.Neg || (bits < 64 && l.Uint >= 1<<bits) {
		return out()
	}
	switch t {
	case cim.TypeUint8:
		return cim.Uint8(uint8(l.Uint)), nil
	case cim.TypeUint16:
		return cim.Uint16(uint16(l.Uint)), nil
	case cim.TypeUint32:
		return cim.Uint32(uint32(l.Uint)), nil
	}
	return cim.Uint64(l.Uint), nil
}

// ---- instances ----

// instance compiles an instance declaration, top-level or embedded
// (d.Embedded). Values that name aliases are resolved with alias, or, when
// it is nil, at the end of the file.
func (c *compiler) instance(d *InstanceDeclaration, ns string, alias aliasFunc) (*cim.Instance, error) {
	if !d.Embedded && strings.EqualFold(d.Class, "__NAMESPACE") {
		return nil, c.namespaceInstance(d)
	}
	cls, err := c.lookupClass(ns, d.Class)
	if err != nil {
		return nil, wrapAt(err, d.ClassPos, "class "+d.Class)
	}
	if cls == nil {
		return nil, errorAt(status.InvalidClass, d.ClassPos, "class %s is not declared in %s", d.Class, ns)
	}
	inst, err := cls.SpawnInstance()
	if err != nil {
		return nil, wrapAt(err, d.ClassPos, "instance of "+d.Class)
	}
	if d.Embedded {
		inst.Namespace, inst.Server = "", "" // an embedded object has no path
	} else {
		inst.Namespace = ns
	}
	quals, err := c.qualifiers(d.Qualifiers, element{what: "instance of " + d.Class})
	if err != nil {
		return nil, err
	}
	inst.Qualifiers = quals
	props := inst.Properties()
	seen := make(map[int]bool, len(d.Properties))
	for _, pv := range d.Properties {
		if strings.HasPrefix(pv.Name, "__") {
			return nil, errorAt(status.SystemProperty, pv.Pos, "system property %s cannot be set", pv.Name)
		}
		idx := cls.PropertyIndex(pv.Name)
		if idx < 0 {
			return nil, errorAt(status.NotFound, pv.Pos, "class %s has no property %s", cls.Name, pv.Name)
		}
		if seen[idx] {
			return nil, errorAt(status.MOFDuplicateProperty, pv.Pos, "property %s is given twice", pv.Name)
		}
		seen[idx] = true
		p := props[idx]
		if len(pv.Qualifiers) > 0 {
			// Property qualifiers of an instance are checked, but an
			// Instance keeps only its own qualifiers.
			if _, err := c.qualifiers(pv.Qualifiers, element{what: "property " + pv.Name}); err != nil {
				return nil, err
			}
		}
		if alias == nil && containsAlias(pv.Value) {
			if err := checkAliasTarget(pv.Value, p.Type); err != nil {
				return nil, err
			}
			pd := &pending{lit: pv.Value, typ: p.Type, classRef: p.ClassRef, ns: ns, inst: inst, idx: idx}
			c.pendings = append(c.pendings, pd)
			if p.IsKey() {
				c.keyPends[inst] = append(c.keyPends[inst], pd)
			}
			continue
		}
		v, err := c.convert(pv.Value, p.Type, p.ClassRef, alias, ns)
		if err != nil {
			return nil, err
		}
		if err := inst.PutAt(idx, v); err != nil {
			return nil, wrapAt(err, pv.Value.Pos, "")
		}
	}
	if d.Embedded {
		return inst, nil
	}
	if d.Alias != "" {
		if err := c.defineAlias(d.Alias, d.AliasPos, &aliasDef{inst: inst, ns: ns}); err != nil {
			return nil, err
		}
	}
	c.unit.Instances++
	c.emit(Op{Kind: OpPutInstance, Pos: d.Pos, Namespace: ns, Instance: inst, Flags: c.instFlags})
	return inst, nil
}

// namespaceInstance compiles "instance of __NAMESPACE { Name = "x"; };"
// into the creation of the namespace x under the current one.
func (c *compiler) namespaceInstance(d *InstanceDeclaration) error {
	var name *Literal
	for _, pv := range d.Properties {
		if !strings.EqualFold(pv.Name, "Name") {
			return errorAt(status.NotFound, pv.Pos, "class __NAMESPACE has no property %s", pv.Name)
		}
		if name != nil {
			return errorAt(status.MOFDuplicateProperty, pv.Pos, "property Name is given twice")
		}
		name = pv.Value
	}
	if name == nil {
		return errorAt(status.IllegalNull, d.Pos, "an instance of __NAMESPACE needs a Name")
	}
	if name.Kind != LitString {
		return mismatch(name, cim.TypeString)
	}
	if !validNamespaceElem(name.Str) {
		return errorAt(status.MOFInvalidNamespaceSyntax, name.Pos, "invalid namespace name %q", name.Str)
	}
	ns := c.ns + `\` + name.Str
	if d.Alias != "" {
		p := cim.Path{Namespace: c.ns, Class: "__NAMESPACE", Keys: []cim.KeyBinding{{Name: "Name", Value: cim.String(name.Str)}}}
		if err := c.defineAlias(d.Alias, d.AliasPos, &aliasDef{ns: c.ns, path: &p}); err != nil {
			return err
		}
	}
	c.unit.Instances++
	c.ensureNamespace(c.ns, d.Pos)
	c.ensureNamespace(ns, d.Pos)
	return nil
}

// ---- aliases ----

func (c *compiler) defineAlias(name string, pos Pos, a *aliasDef) error {
	k := strings.ToLower(name)
	if prev, ok := c.aliases[k]; ok {
		return errorAt(status.MOFMultipleAliases, pos, "alias $%s is already defined at %s", name, prev.pos)
	}
	a.name, a.pos = name, pos
	c.aliases[k] = a
	return nil
}

// aliasPath returns the object path of an alias, as seen from namespace
// from: relative in the same namespace, with the namespace otherwise.
func (c *compiler) aliasPath(name string, pos Pos, from string) (string, error) {
	a := c.aliases[strings.ToLower(name)]
	if a == nil {
		return "", errorAt(status.MOFUnexpectedAlias, pos, "alias $%s is not defined", name)
	}
	if a.path == nil {
		if a.resolving {
			return "", errorAt(status.CircularReference, pos, "alias $%s refers to itself through its keys", name)
		}
		a.resolving = true
		var p cim.Path
		if a.inst != nil {
			for _, pd := range c.keyPends[a.inst] {
				if err := c.resolve(pd); err != nil {
					return "", err
				}
			}
			ip, err := a.inst.Path()
			if err != nil {
				return "", wrapAt(err, a.pos, "alias $"+a.name)
			}
			p = ip
		} else {
			p = cim.Path{Class: a.className}
		}
		p.Namespace, p.Server = a.ns, ""
		a.path = &p
		a.resolving = false
	}
	p := *a.path
	if strings.EqualFold(p.Namespace, from) {
		return p.RelPath(), nil
	}
	return p.String(), nil
}

// resolve computes a value that names aliases and stores it.
func (c *compiler) resolve(pd *pending) error {
	switch pd.state {
	case resolved:
		return nil
	case resolving:
		return errorAt(status.CircularReference, pd.lit.Pos, "the aliases of this value refer back to it through their keys")
	}
	pd.state = resolving
	// Embedded instances in the value see the declarations of its namespace.
	saved := c.ns
	c.ns = pd.ns
	defer func() { c.ns = saved }()
	fn := func(name string, pos Pos) (string, error) { return c.aliasPath(name, pos, pd.ns) }
	v, err := c.convert(pd.lit, pd.typ, pd.classRef, fn, pd.ns)
	if err != nil {
		return err
	}
	pd.state = resolved
	if pd.inst != nil {
		if err := pd.inst.PutAt(pd.idx, v); err != nil {
			return wrapAt(err, pd.lit.Pos, "")
		}
		return nil
	}
	pd.prop.Value = v
	c.classFix = true
	return nil
}

// resolvePendings resolves, at the end of a file, every value that names
// aliases; aliases may be defined after their use.
func (c *compiler) resolvePendings() error {
	for _, pd := range c.pendings {
		if err := c.resolve(pd); err != nil {
			return err
		}
	}
	if c.classFix {
		for _, e := range c.classes {
			if e.class != nil {
				e.class.Changed()
			}
		}
	}
	return nil
}
