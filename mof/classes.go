package mof

import (
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// ---- classes ----

func (c *compiler) class(d *ClassDeclaration) error {
	if strings.HasPrefix(d.Name, "__") && !c.opts.SystemClasses {
		return errorAt(status.MOFInvalidClassDeclaration, d.NamePos, "class names beginning with \"__\" are reserved for system classes")
	}
	var parent *cim.Class
	if d.Superclass != "" {
		p, err := c.lookupClass(c.ns, d.Superclass)
		if err != nil {
			return wrapAt(err, d.SuperPos, "superclass "+d.Superclass)
		}
		if p == nil {
			return errorAt(status.InvalidSuperclass, d.SuperPos, "superclass %s of %s is not declared in %s", d.Superclass, d.Name, c.ns)
		}
		parent = p
	}
	el := element{scope: cim.ScopeClass, what: "class " + d.Name}
	el.isAssoc = d.Keyword == "association" || (parent != nil && parent.IsAssociation()) || writtenTrue(d.Qualifiers, "Association")
	el.isInd = d.Keyword == "indication" || (parent != nil && parent.IsIndication()) || writtenTrue(d.Qualifiers, "Indication")
	quals, err := c.qualifiers(d.Qualifiers, el)
	if err != nil {
		return err
	}
	for _, kw := range [...]string{"association", "indication"} {
		if d.Keyword == kw && quals.Index(kw) < 0 {
			if err := c.addImplicit(&quals, kw, cim.Boolean(true), d.Pos); err != nil {
				return err
			}
		}
	}
	cls := &cim.Class{Name: d.Name, Superclass: d.Superclass, Qualifiers: quals, Namespace: c.ns}
	seen := make(map[string]bool, len(d.Features))
	for _, f := range d.Features {
		lname := strings.ToLower(f.Name)
		if seen[lname] {
			return errorAt(status.MOFDuplicateProperty, f.NamePos, "%s is declared twice in class %s", f.Name, d.Name)
		}
		seen[lname] = true
		if f.Method {
			m, err := c.method(d, f)
			if err != nil {
				return err
			}
			cls.Methods = append(cls.Methods, m)
			continue
		}
		p, err := c.property(d, f, false)
		if err != nil {
			return err
		}
		cls.Properties = append(cls.Properties, p)
		if f.Default != nil && f.Default.Kind == LitNull && parent != nil && parent.Property(f.Name) != nil {
			// "= NULL" on an override: the default is NULL, not the
			// inherited one (cim's marker qualifier says so).
			p.Qualifiers = append(p.Qualifiers, cim.Qualifier{Name: noDefaultMarker, Value: cim.Boolean(true)})
		}
		if f.Default != nil {
			if err := c.classDefault(cls, p, f.Default); err != nil {
				return err
			}
		}
	}
	var local *cim.Class
	if c.amendment != "" {
		local = c.localize(cls)
	}
	if err := cls.SetParent(parent); err != nil {
		if status.CodeOf(err) != status.CannotBeAbstract || !c.opts.AbstractUnderConcrete {
			return wrapAt(err, d.NamePos, "class "+d.Name)
		}
		// DSP0004 lets an abstract class derive from a concrete one (the
		// DMTF schema does it); WMI does not. Compile it as concrete.
		_ = cls.Qualifiers.Delete("Abstract")
		c.warn(d.NamePos, "class %s is abstract under the concrete class %s: compiled as a concrete class", d.Name, parent.Name)
		if err := cls.SetParent(parent); err != nil {
			return wrapAt(err, d.NamePos, "class "+d.Name)
		}
	}
	c.classes[key(c.ns, d.Name)] = &classEntry{class: cls, isAssoc: el.isAssoc}
	if d.Alias != "" {
		if err := c.defineAlias(d.Alias, d.AliasPos, &aliasDef{className: cls.Name, ns: c.ns}); err != nil {
			return err
		}
	}
	c.unit.Classes++
	c.emit(Op{Kind: OpPutClass, Pos: d.Pos, Namespace: c.ns, Class: cls, Flags: c.classFlags})
	if local != nil {
		if err := c.putLocalized(local, d); err != nil {
			return err
		}
	}
	return nil
}

// noDefaultMarker is cim's marker qualifier of an override whose default
// is NULL.
const noDefaultMarker = "__nodefault"

// writtenTrue reports whether a qualifier list sets a boolean qualifier:
// [Name] or [Name(true)].
func writtenTrue(list []*Qualifier, name string) bool {
	for _, q := range list {
		if strings.EqualFold(q.Name, name) {
			return q.Value == nil || (q.Value.Kind == LitBool && q.Value.Bool)
		}
	}
	return false
}

// addImplicit adds a qualifier the compiler implies (Association for the
// association keyword, In for DSP0004 parameters, Max for fixed arrays),
// with the flavor of its declaration.
func (c *compiler) addImplicit(qs *cim.Qualifiers, name string, v cim.Value, pos Pos) error {
	e, err := c.lookupDecl(name)
	if err != nil {
		return wrapAt(err, pos, "qualifier "+name)
	}
	fl := cim.FlavorDefault
	if e.origin != declNone {
		fl = e.decl.Flavor
		if e.decl.Type != cim.TypeEmpty && v.Type() != e.decl.Type {
			if cv, err := v.Convert(e.decl.Type); err == nil {
				v = cv
			}
		}
		name = e.decl.Name
	} else {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	if err := qs.Set(cim.Qualifier{Name: name, Value: v, Flavor: fl}); err != nil {
		return wrapAt(err, pos, "")
	}
	return nil
}

// property compiles a property, reference or parameter.
func (c *compiler) property(d *ClassDeclaration, f *Feature, param bool) (*cim.Property, error) {
	el := element{scope: cim.ScopeProperty, isArray: f.Array, what: "property " + f.Name}
	switch {
	case param:
		el.scope, el.what = cim.ScopeParameter, "parameter "+f.Name
	case f.Ref:
		el.scope, el.what = cim.ScopeReference, "reference "+f.Name
	}
	quals, err := c.qualifiers(f.Qualifiers, el)
	if err != nil {
		return nil, err
	}
	p := &cim.Property{Name: f.Name, Qualifiers: quals}
	p.Type, p.ClassRef, err = c.featureType(d, f, quals)
	if err != nil {
		return nil, err
	}
	if p.Type == cim.TypeEmpty {
		return nil, errorAt(status.MOFUnrecognizedType, f.TypePos, "%s cannot be void", el.what)
	}
	if f.Array {
		p.Type = p.Type.ArrayOf()
		if f.ArraySize > 0 && p.Qualifiers.Index("Max") < 0 {
			if err := c.addImplicit(&p.Qualifiers, "Max", cim.Uint32(uint32(f.ArraySize)), f.ArrayPos); err != nil {
				return nil, err
			}
		}
	}
	p.Value = cim.Null(p.Type)
	return p, nil
}

// featureType resolves the declared type of a property, parameter or
// method: a built-in type, "object", "void" (TypeEmpty), "Class REF", or a
// class name (an embedded object of that class). A string with
// EmbeddedObject or EmbeddedInstance("C") is an embedded object too.
func (c *compiler) featureType(d *ClassDeclaration, f *Feature, quals cim.Qualifiers) (cim.Type, string, error) {
	ei, hasEI := quals.Get("EmbeddedInstance")
	eiClass, _ := ei.Value.Str()
	eo := quals.Has("EmbeddedObject")
	if f.Ref {
		if strings.EqualFold(f.Type, "object") {
			return cim.TypeReference, "", nil
		}
		if err := c.knownClass(d, f.Type, f.TypePos); err != nil {
			return 0, "", err
		}
		return cim.TypeReference, f.Type, nil
	}
	if strings.EqualFold(f.Type, "void") {
		if !f.Method {
			return 0, "", errorAt(status.MOFUnrecognizedType, f.TypePos, "only a method can be void")
		}
		return cim.TypeEmpty, "", nil
	}
	if t, ok := builtinType(f.Type); ok {
		switch {
		case t == cim.TypeString && hasEI && eiClass != "":
			return cim.TypeObject, eiClass, nil
		case t == cim.TypeString && eo:
			return cim.TypeObject, "", nil
		case t == cim.TypeObject && hasEI && eiClass != "":
			return cim.TypeObject, eiClass, nil
		case (hasEI && eiClass != "") || eo:
			if t != cim.TypeObject {
				return 0, "", errorAt(status.MOFTypeMismatch, f.TypePos, "EmbeddedObject and EmbeddedInstance apply to string properties, not %s", f.Type)
			}
		}
		return t, "", nil
	}
	// A class name: a strongly typed embedded object.
	if hasEI && eiClass != "" && !strings.EqualFold(eiClass, f.Type) {
		return 0, "", errorAt(status.MOFTypeMismatch, f.TypePos, "the type %s does not match EmbeddedInstance(%q)", f.Type, eiClass)
	}
	if !(hasEI && eiClass != "") {
		if err := c.knownClass(d, f.Type, f.TypePos); err != nil {
			return 0, "", err
		}
	}
	return cim.TypeObject, f.Type, nil
}

// knownClass checks that a class named as a type is the class being
// declared, a class of the unit or a class of the Schema.
func (c *compiler) knownClass(d *ClassDeclaration, name string, pos Pos) error {
	if d != nil && strings.EqualFold(d.Name, name) {
		return nil
	}
	cl, err := c.lookupClass(c.ns, name)
	if err != nil {
		return wrapAt(err, pos, "class "+name)
	}
	if cl == nil {
		return errorAt(status.MOFUnrecognizedType, pos, "unknown type %s: neither a CIM type nor a class of %s", name, c.ns)
	}
	return nil
}

func (c *compiler) method(d *ClassDeclaration, f *Feature) (*cim.Method, error) {
	quals, err := c.qualifiers(f.Qualifiers, element{scope: cim.ScopeMethod, what: "method " + f.Name})
	if err != nil {
		return nil, err
	}
	m := &cim.Method{Name: f.Name, Qualifiers: quals}
	m.ReturnType, m.ReturnRef, err = c.featureType(d, f, quals)
	if err != nil {
		return nil, err
	}
	if f.Default != nil {
		return nil, errorAt(status.MOFExpectedSemi, f.Default.Pos, "a method has no default value")
	}
	pseen := make(map[string]bool, len(f.Params))
	for _, pf := range f.Params {
		lname := strings.ToLower(pf.Name)
		if pseen[lname] {
			return nil, errorAt(status.MOFDuplicateProperty, pf.NamePos, "parameter %s is declared twice in %s", pf.Name, f.Name)
		}
		pseen[lname] = true
		p, err := c.property(d, pf, true)
		if err != nil {
			return nil, err
		}
		if !cim.IsIn(p) && !cim.IsOut(p) {
			// DSP0004 declares In with the default TRUE: a parameter of a
			// DMTF schema is an input unless it says otherwise. Without
			// such a declaration, Microsoft's rule applies.
			e, err := c.lookupDecl("In")
			if err != nil {
				return nil, wrapAt(err, pf.NamePos, "qualifier In")
			}
			if e.origin != declExplicit || !e.decl.Default.Equal(cim.Boolean(true)) || p.Qualifiers.Index("In") >= 0 {
				return nil, errorAt(status.MOFMustBeInOrOut, pf.NamePos, "parameter %s of %s must be In or Out", pf.Name, f.Name)
			}
			if err := c.addImplicit(&p.Qualifiers, "In", cim.Boolean(true), pf.NamePos); err != nil {
				return nil, err
			}
		}
		if pf.Default != nil {
			if containsAlias(pf.Default) {
				return nil, errorAt(status.MOFUnexpectedAlias, pf.Default.Pos, "a parameter default cannot name an alias")
			}
			v, err := c.convert(pf.Default, p.Type, p.ClassRef, nil, c.ns)
			if err != nil {
				return nil, err
			}
			p.Value = v
		}
		m.Parameters = append(m.Parameters, p)
	}
	return m, nil
}

// classDefault sets a property's default value.
func (c *compiler) classDefault(cls *cim.Class, p *cim.Property, l *Literal) error {
	if containsAlias(l) {
		if err := checkAliasTarget(l, p.Type); err != nil {
			return err
		}
		c.pendings = append(c.pendings, &pending{lit: l, typ: p.Type, classRef: p.ClassRef, ns: c.ns, prop: p, class: cls})
		return nil
	}
	v, err := c.convert(l, p.Type, p.ClassRef, nil, c.ns)
	if err != nil {
		return err
	}
	p.Value = v
	return nil
}

// ---- localization (#pragma amendment) ----

// localize removes the amended qualifiers from a class and returns the
// localized class that holds them, as mofcomp's -MFL output declares it:
// [Amendment, Locale(lcid)] and, for each element with amended
// qualifiers, those qualifiers.
func (c *compiler) localize(cls *cim.Class) *cim.Class {
	split := func(qs cim.Qualifiers) (neutral, amended cim.Qualifiers) {
		for _, q := range qs {
			if q.Flavor&cim.FlavorAmended != 0 {
				amended = append(amended, q)
			} else {
				neutral = append(neutral, q)
			}
		}
		return neutral, amended
	}
	local := &cim.Class{Name: cls.Name, Superclass: cls.Superclass, Namespace: c.ns + `\` + c.amendNS}
	local.Qualifiers = cim.Qualifiers{
		{Name: "Amendment", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass},
		{Name: "Locale", Value: cim.Sint32(c.amendLCID), Flavor: cim.FlavorToInstance},
	}
	var amended cim.Qualifiers
	cls.Qualifiers, amended = split(cls.Qualifiers)
	for _, q := range amended {
		_ = local.Qualifiers.Set(q)
	}
	for _, p := range cls.Properties {
		var a cim.Qualifiers
		p.Qualifiers, a = split(p.Qualifiers)
		if len(a) > 0 {
			local.Properties = append(local.Properties, &cim.Property{Name: p.Name, Type: p.Type, ClassRef: p.ClassRef, Value: cim.Null(p.Type), Qualifiers: a})
		}
	}
	for _, m := range cls.Methods {
		var a cim.Qualifiers
		m.Qualifiers, a = split(m.Qualifiers)
		lm := &cim.Method{Name: m.Name, ReturnType: m.ReturnType, ReturnRef: m.ReturnRef, Qualifiers: a}
		any := len(a) > 0
		for _, p := range m.Parameters {
			var pa cim.Qualifiers
			p.Qualifiers, pa = split(p.Qualifiers)
			any = any || len(pa) > 0
			lp := &cim.Property{Name: p.Name, Type: p.Type, ClassRef: p.ClassRef, Value: cim.Null(p.Type)}
			for _, q := range p.Qualifiers {
				if strings.EqualFold(q.Name, "In") || strings.EqualFold(q.Name, "Out") || strings.EqualFold(q.Name, "ID") {
					lp.Qualifiers = append(lp.Qualifiers, q)
				}
			}
			lp.Qualifiers = append(lp.Qualifiers, pa...)
			lm.Parameters = append(lm.Parameters, lp)
		}
		if any {
			local.Methods = append(local.Methods, lm)
		}
	}
	return local
}

// putLocalized links a localized class to the localized superclass (in the
// unit or the Schema; a root class when there is none) and adds it.
func (c *compiler) putLocalized(local *cim.Class, d *ClassDeclaration) error {
	ns := local.Namespace
	var parent *cim.Class
	if local.Superclass != "" {
		p, err := c.lookupClass(ns, local.Superclass)
		if err != nil {
			return wrapAt(err, d.SuperPos, "superclass "+local.Superclass)
		}
		parent = p
	}
	if parent == nil {
		local.Superclass = ""
	} else if !sameSignatures(local, parent) {
		// The localized superclass differs from this compile's view (it
		// may come from another version): keep the localized class alone.
		parent, local.Superclass = nil, ""
	}
	if err := local.SetParent(parent); err != nil {
		return wrapAt(err, d.NamePos, "localized class "+d.Name)
	}
	c.classes[key(ns, local.Name)] = &classEntry{class: local}
	c.emit(Op{Kind: OpPutClass, Pos: d.Pos, Namespace: ns, Class: local, Flags: c.classFlags})
	return nil
}

// sameSignatures reports whether the overridden properties and methods of
// local have the types the localized parent gives them.
func sameSignatures(local, parent *cim.Class) bool {
	for _, p := range local.Properties {
		if ip := parent.Property(p.Name); ip != nil && ip.Type != p.Type {
			return false
		}
	}
	for _, m := range local.Methods {
		if im := parent.Method(m.Name); im != nil {
			if im.ReturnType != m.ReturnType || len(im.Parameters) != len(m.Parameters) {
				return false
			}
		}
	}
	return true
}
