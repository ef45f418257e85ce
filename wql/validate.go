package wql

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// systemPropTypes are the types of the system properties.
var systemPropTypes = map[string]cim.Type{
	"__CLASS": cim.TypeString, "__SUPERCLASS": cim.TypeString, "__DYNASTY": cim.TypeString,
	"__RELPATH": cim.TypeString, "__PATH": cim.TypeString, "__SERVER": cim.TypeString,
	"__NAMESPACE": cim.TypeString, "__GENUS": cim.TypeSint32, "__PROPERTY_COUNT": cim.TypeSint32,
	"__DERIVATION": cim.TypeString | cim.TypeArray,
}

// Validate checks a SELECT against the class it queries (the FROM class, or
// for a schema query the class is ignored and only system properties may
// be tested):
//
//   - every property of WHERE and BY exists in the class or is a system
//     property: WBEM_E_INVALID_QUERY otherwise (the select list may name
//     properties the class lacks, as WMI accepts);
//   - a dotted path starts at an embedded object: WBEM_E_PROPERTY_NOT_AN_OBJECT;
//   - GROUP BY an embedded object needs a dotted path:
//     WBEM_E_AGGREGATING_BY_OBJECT;
//   - an operator suits the property's type: booleans take only = and <>,
//     LIKE takes text, ISA an embedded object, references and embedded
//     objects no ordering: WBEM_E_INVALID_OPERATOR;
//   - a constant can compare with the property (a number or a numeric string
//     for a numeric property, a date for a datetime, a path for a
//     reference), and arrays are not compared: WBEM_E_INVALID_QUERY.
func Validate(s *Select, class *cim.Class) error {
	v := validator{class: class, schema: s.Kind == KindSchema}
	if s.Where != nil {
		if err := v.expr(s.Where); err != nil {
			return err
		}
	}
	for _, p := range s.GroupBy {
		t, err := v.prop(p)
		if err != nil {
			return err
		}
		if t == cim.TypeObject {
			return at(status.AggregatingByObject, p.Offset, "GROUP BY %s groups by an embedded object: name one of its properties with a dot", p.Name())
		}
	}
	return nil
}

// at makes a *status.Error with a SyntaxError cause.
func at(code status.Code, off int, format string, args ...any) error {
	return toStatus(codeErr(code, off, format, args...))
}

type validator struct {
	class  *cim.Class
	schema bool
}

// prop checks that a property exists and returns its type: TypeEmpty when
// unknown (a path into an embedded object).
func (v *validator) prop(p *Prop) (cim.Type, error) {
	root := p.Path[0]
	var t cim.Type
	switch {
	case p.IsThis():
		return cim.TypeObject, nil
	case strings.HasPrefix(root, "__"):
		st, ok := systemPropTypes[strings.ToUpper(root)]
		if !ok {
			return 0, at(status.InvalidQuery, p.Offset, "%s is not a system property", root)
		}
		t = st
	case v.schema:
		return 0, at(status.InvalidQuery, p.Offset, "a schema query can only test system properties and __this, not %s", root)
	case v.class == nil:
		return cim.TypeEmpty, nil
	default:
		pr := v.class.Property(root)
		if pr == nil {
			return 0, at(status.InvalidQuery, p.Offset, "class %s has no property %s", v.class.Name, root)
		}
		t = pr.Type
	}
	if len(p.Path) > 1 {
		if t != cim.TypeObject {
			return 0, at(status.PropertyNotAnObject, p.Offset, "%s is not an embedded object: %s cannot follow a dot", root, p.Path[1])
		}
		return cim.TypeEmpty, nil
	}
	return t, nil
}

func (v *validator) expr(e Expr) error {
	switch x := e.(type) {
	case *Binary:
		if err := v.expr(x.Left); err != nil {
			return err
		}
		return v.expr(x.Right)
	case *Not:
		return v.expr(x.X)
	case *IsNull:
		_, err := v.prop(x.Prop)
		return err
	case *IsA:
		t, err := v.prop(x.Prop)
		if err != nil {
			return err
		}
		if t != cim.TypeObject && t != cim.TypeEmpty {
			return at(status.InvalidOperator, x.Offset, "ISA tests an embedded object or __this, and %s is %s", x.Prop.Name(), t)
		}
		return nil
	case *Like:
		t, err := v.prop(x.Prop)
		if err != nil {
			return err
		}
		switch {
		case t.IsArray():
			return at(status.InvalidQuery, x.Offset, "array property %s cannot be queried", x.Prop.Name())
		case t == cim.TypeEmpty, t == cim.TypeString, t == cim.TypeDateTime, t == cim.TypeReference, t == cim.TypeChar16:
			return nil
		}
		return at(status.InvalidOperator, x.Offset, "LIKE tests text, and %s is %s", x.Prop.Name(), t)
	case *Comparison:
		t, err := v.prop(x.Left)
		if err != nil {
			return err
		}
		if err := checkOperator(x, x.Left, t); err != nil {
			return err
		}
		switch r := x.Right.(type) {
		case *Prop:
			t2, err := v.prop(r)
			if err != nil {
				return err
			}
			return checkOperator(x, r, t2)
		case *Literal:
			if t == cim.TypeEmpty || constantFits(t, newConstant(r.Value)) {
				return nil
			}
			return at(status.InvalidQuery, r.Offset, "%s cannot be compared with %s, which is %s", r, x.Left.Name(), t)
		}
	}
	return nil
}

// checkOperator checks that the operator of a comparison suits a property of
// type t.
func checkOperator(x *Comparison, p *Prop, t cim.Type) error {
	if t.IsArray() {
		return at(status.InvalidQuery, p.Offset, "array property %s cannot be queried", p.Name())
	}
	ordering := x.Op != OpEQ && x.Op != OpNE
	switch {
	case !ordering:
		return nil
	case t == cim.TypeBoolean:
		return at(status.InvalidOperator, x.Offset, "a boolean takes only =, <> and !=, not %s", x.Op)
	case t == cim.TypeObject, t == cim.TypeReference:
		return at(status.InvalidOperator, x.Offset, "%s is %s: it takes only = and <>, not %s", p.Name(), t, x.Op)
	}
	return nil
}

// constantFits reports whether a constant can compare with a property of
// type t.
func constantFits(t cim.Type, c *constant) bool {
	switch {
	case t.IsInteger(), t.IsReal():
		return c.isNum
	case t == cim.TypeBoolean:
		return c.isBool
	case t == cim.TypeString:
		return c.isStr
	case t == cim.TypeChar16:
		return c.isInt || c.isStr && utf8.RuneCountInString(c.lower) == 1
	case t == cim.TypeDateTime:
		return c.dt != nil
	case t == cim.TypeReference:
		return c.path != nil
	}
	return false
}

// ValidateEvent checks an event query as WMI does when a consumer
// subscribes. lookup returns a class by name (an error when there is none);
// provided reports whether an event provider supplies the intrinsic events
// of class event about instances of target (nil: none does).
//
//   - the FROM class must exist (WBEM_E_INVALID_CLASS) and derive from
//     __Event (WBEM_E_NOT_EVENT_CLASS);
//   - the statement must pass Validate against it;
//   - an __InstanceOperationEvent (or subclass) query without WITHIN whose
//     TargetInstance ISA names a class that a provider supplies (Dynamic)
//     and that no event provider covers needs polling, and is
//     WBEMESS_E_REGISTRATION_TOO_PRECISE ("A WITHIN clause was not used in
//     this query"). Instances of static classes are the repository's, whose
//     events WMI raises itself. ISA classes that lookup does not find are
//     skipped: ISA also matches classes created later.
//
// GROUP BY without GROUP WITHIN (WBEM_E_MISSING_GROUP_WITHIN) is a parse
// error already.
func ValidateEvent(s *Select, lookup func(name string) (*cim.Class, error), provided func(event, target *cim.Class) bool) error {
	class, err := lookup(s.From)
	if err != nil || class == nil {
		var se *status.Error
		if errors.As(err, &se) && se.Code != status.NotFound {
			return err
		}
		return at(status.InvalidClass, s.FromOffset, "event class %s does not exist", s.From)
	}
	if !class.InheritsFrom("__Event") {
		return at(status.NotEventClass, s.FromOffset, "%s is not an event class: it does not derive from __Event", s.From)
	}
	if err := Validate(s, class); err != nil {
		return err
	}
	if s.Within == 0 && class.InheritsFrom("__InstanceOperationEvent") {
		for _, name := range s.TargetClasses() {
			target, err := lookup(name)
			if err != nil || target == nil || !target.IsDynamic() {
				continue
			}
			if provided == nil || !provided(class, target) {
				return at(status.ESSRegistrationTooPrecise, s.FromOffset,
					"instances of %s come from a provider and no event provider reports %s for them: add WITHIN to poll", target.Name, class.Name)
			}
		}
	}
	return nil
}
