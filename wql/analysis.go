package wql

import (
	"strings"

	"github.com/gowmi/gowmi/cim"
)

// Analyses the object manager and the event subsystem use to plan a query.

// classList collects class names without duplicates (case-insensitively).
type classList struct {
	names []string
	seen  map[string]bool
}

func (l *classList) add(name string) {
	k := strings.ToLower(name)
	if name == "" || l.seen[k] {
		return
	}
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	l.seen[k] = true
	l.names = append(l.names, name)
}

// Classes returns the FROM class (except for a schema query, whose FROM is
// meta_class) and every class of an ISA test; for a schema query also the
// class names compared with __CLASS, __SUPERCLASS and __DYNASTY.
func (s *Select) Classes() []string {
	var l classList
	if s.Kind != KindSchema {
		l.add(s.From)
	}
	walk(s.Where, func(e Expr, _ bool) {
		switch x := e.(type) {
		case *IsA:
			l.add(x.Class)
		case *Comparison:
			if s.Kind == KindSchema && x.Op == OpEQ && isClassNameProp(x.Left) {
				if lit, ok := x.Right.(*Literal); ok {
					if n, ok := lit.Value.Str(); ok && lit.Value.Type() == cim.TypeString {
						l.add(n)
					}
				}
			}
		}
	})
	return l.names
}

// Classes returns the class of the source path and the AssocClass and
// ResultClass values.
func (a *Associators) Classes() []string {
	var l classList
	l.add(a.Path.Class)
	l.add(a.AssocClass)
	l.add(a.ResultClass)
	return l.names
}

// Classes returns the class of the source path and the ResultClass value.
func (r *References) Classes() []string {
	var l classList
	l.add(r.Path.Class)
	l.add(r.ResultClass)
	return l.names
}

// walk calls f on every condition of e, depth first, with whether it is
// under an odd number of NOTs.
func walk(e Expr, f func(e Expr, negated bool)) {
	var rec func(e Expr, neg bool)
	rec = func(e Expr, neg bool) {
		if e == nil {
			return
		}
		f(e, neg)
		switch x := e.(type) {
		case *Binary:
			rec(x.Left, neg)
			rec(x.Right, neg)
		case *Not:
			rec(x.X, !neg)
		}
	}
	rec(e, false)
}

// ISAClasses returns the classes that the embedded object in property prop
// is required to be, from the "prop ISA 'Class'" tests of WHERE that are not
// negated.
func (s *Select) ISAClasses(prop string) []string {
	var l classList
	walk(s.Where, func(e Expr, neg bool) {
		if x, ok := e.(*IsA); ok && !neg && len(x.Prop.Path) == 1 && strings.EqualFold(x.Prop.Path[0], prop) {
			l.add(x.Class)
		}
	})
	return l.names
}

// TargetClasses returns the classes of "TargetInstance ISA 'Class'" tests:
// the classes whose instances an intrinsic event query watches, and that
// WITHIN polls.
func (s *Select) TargetClasses() []string { return s.ISAClasses("TargetInstance") }

// IsEvent reports whether the statement is an event query.
func (s *Select) IsEvent() bool { return s.Kind == KindEvent }

// RequiredProperties returns the properties the query reads: the selected
// ones and those of WHERE and BY, by their first name (TargetInstance for
// TargetInstance.Name), without duplicates and without system properties.
// It returns nil for SELECT *, which needs every property.
func (s *Select) RequiredProperties() []string {
	if s.Properties == nil {
		return nil
	}
	var l classList // the same de-duplication serves for property names
	add := func(p *Prop) {
		if !strings.HasPrefix(p.Path[0], "__") {
			l.add(p.Path[0])
		}
	}
	for _, p := range s.Properties {
		add(p)
	}
	walk(s.Where, func(e Expr, _ bool) {
		for _, p := range exprProps(e) {
			add(p)
		}
	})
	for _, p := range s.GroupBy {
		add(p)
	}
	if l.names == nil {
		return []string{}
	}
	return l.names
}

// exprProps returns the properties a single predicate reads.
func exprProps(e Expr) []*Prop {
	switch x := e.(type) {
	case *Comparison:
		if p, ok := x.Right.(*Prop); ok {
			return []*Prop{x.Left, p}
		}
		return []*Prop{x.Left}
	case *IsNull:
		return []*Prop{x.Prop}
	case *IsA:
		return []*Prop{x.Prop}
	case *Like:
		return []*Prop{x.Prop}
	}
	return nil
}

// KeysOnly reports whether the query needs only the key properties of the
// class: every selected property and every property WHERE tests is a key or
// a system property (SELECT __RELPATH FROM C, SELECT Handle FROM
// Win32_Process WHERE Handle > 100). A provider may then answer with keys
// alone (WMI's CFrameworkQuery::KeysOnly).
func (s *Select) KeysOnly(class *cim.Class) bool {
	if s.Properties == nil || class == nil {
		return false
	}
	isKey := func(p *Prop) bool {
		if strings.HasPrefix(p.Path[0], "__") {
			return true
		}
		pr := class.Property(p.Path[0])
		return pr != nil && pr.IsKey() && len(p.Path) == 1
	}
	for _, p := range s.Properties {
		if !isKey(p) {
			return false
		}
	}
	ok := true
	walk(s.Where, func(e Expr, _ bool) {
		for _, p := range exprProps(e) {
			if !p.IsThis() && !isKey(p) {
				ok = false
			}
		}
	})
	return ok
}

// MaxPinned is the largest number of key sets PinnedKeys returns; a WHERE
// that pins more is treated as not pinned.
const MaxPinned = 256

// PinnedKeys returns the key values that the WHERE clause pins, so that a
// provider can be asked for those instances rather than for all: each map
// binds every key property of the class (by its declared name) to a value
// of the key's type. An OR of pinned terms gives several maps; an AND pins
// by any of its terms. Equality with a key (Handle = 4, "4" = Handle) and
// with __RELPATH or __PATH (an instance path of the class) pins.
//
// The result is nil when the WHERE clause does not pin every key (the
// instances must be enumerated), and empty but not nil when no instance can
// match (Handle = 1 AND Handle = 2). A provider's answer must still be
// filtered with the query: pinning only narrows the candidates.
func (s *Select) PinnedKeys(class *cim.Class) []map[string]cim.Value {
	if class == nil || s.Where == nil {
		return nil
	}
	keys := class.Keys()
	if len(keys) == 0 {
		return nil
	}
	sets, ok := pinned(s.Where, class, keys)
	if !ok {
		return nil
	}
	out := make([]map[string]cim.Value, 0, len(sets))
	for _, m := range sets {
		if len(m) != len(keys) {
			return nil
		}
		out = append(out, m)
	}
	return dedupKeySets(out)
}

// pinned returns the key sets an expression pins; ok is false when it pins
// nothing.
func pinned(e Expr, class *cim.Class, keys []*cim.Property) ([]map[string]cim.Value, bool) {
	switch x := e.(type) {
	case *Binary:
		l, lok := pinned(x.Left, class, keys)
		r, rok := pinned(x.Right, class, keys)
		if x.Op == OpOr {
			if !lok || !rok || len(l)+len(r) > MaxPinned {
				return nil, false
			}
			return append(l, r...), true
		}
		switch {
		case !lok && !rok:
			return nil, false
		case !lok:
			return r, true
		case !rok:
			return l, true
		}
		if len(l)*len(r) > MaxPinned {
			// Keep the side that pins more keys, which narrows more.
			if len(l) <= len(r) {
				return l, true
			}
			return r, true
		}
		var out []map[string]cim.Value
		for _, a := range l {
		next:
			for _, b := range r {
				m := make(map[string]cim.Value, len(a)+len(b))
				for k, v := range a {
					m[k] = v
				}
				for k, v := range b {
					if w, dup := m[k]; dup {
						if c, ok := compareConst(w, newConstant(v)); !ok || c != 0 {
							continue next // contradictory: this pair matches nothing
						}
						continue
					}
					m[k] = v
				}
				out = append(out, m)
			}
		}
		if out == nil {
			out = []map[string]cim.Value{}
		}
		return out, true
	case *Comparison:
		lit, isLit := x.Right.(*Literal)
		if x.Op != OpEQ || !isLit || len(x.Left.Path) != 1 || lit.Value.IsNull() {
			return nil, false
		}
		name := x.Left.Path[0]
		if strings.EqualFold(name, "__RELPATH") || strings.EqualFold(name, "__PATH") {
			return pinnedByPath(lit.Value, class, keys)
		}
		for _, k := range keys {
			if strings.EqualFold(k.Name, name) {
				v, err := lit.Value.Convert(k.Type)
				if err != nil {
					if keyValue(lit.Value, k.Type) == nil {
						return []map[string]cim.Value{}, true // can never be equal
					}
					v = *keyValue(lit.Value, k.Type)
				}
				return []map[string]cim.Value{{k.Name: v}}, true
			}
		}
	}
	return nil, false
}

// keyValue converts a literal to a key type where Convert is stricter than
// WQL's comparison: a number to a string key.
func keyValue(v cim.Value, t cim.Type) *cim.Value {
	if t == cim.TypeString && (v.Type().IsInteger() || v.Type().IsReal() || v.Type() == cim.TypeBoolean) {
		s := cim.String(v.String())
		return &s
	}
	return nil
}

// pinnedByPath pins the keys of an instance path given as a string.
func pinnedByPath(v cim.Value, class *cim.Class, keys []*cim.Property) ([]map[string]cim.Value, bool) {
	s, ok := v.Str()
	if !ok {
		return nil, false
	}
	p, err := cim.ParsePath(s)
	if err != nil || !strings.EqualFold(p.Class, class.Name) || len(p.Keys) != len(keys) {
		return nil, false
	}
	m := map[string]cim.Value{}
	for _, k := range keys {
		found := false
		for _, kb := range p.Keys {
			if strings.EqualFold(kb.Name, k.Name) {
				kv, err := kb.Value.Convert(k.Type)
				if err != nil {
					return nil, false
				}
				m[k.Name] = kv
				found = true
			}
		}
		if !found {
			return nil, false
		}
	}
	return []map[string]cim.Value{m}, true
}

// dedupKeySets drops key sets that repeat an earlier one.
func dedupKeySets(sets []map[string]cim.Value) []map[string]cim.Value {
	out := sets[:0]
outer:
	for _, m := range sets {
		for _, o := range out {
			same := true
			for k, v := range m {
				c, ok := compareConst(o[k], newConstant(v))
				if !ok || c != 0 {
					same = false
					break
				}
			}
			if same {
				continue outer
			}
		}
		out = append(out, m)
	}
	return out
}
