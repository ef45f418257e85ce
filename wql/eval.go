package wql

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gowmi/gowmi/cim"
)

// Query is a SELECT compiled for evaluation: its WHERE clause becomes a tree
// of closures bound to the property positions of a class, and its property
// list a projection. A Query is safe for concurrent use.
type Query struct {
	stmt  *Select
	class *cim.Class
	where pred // nil: every object matches
	props []propRef
	bind  atomic.Pointer[binding]
	proj  sync.Map // *cim.Class → *projection
}

// row is the object under evaluation, with its property positions for the
// class it was bound to.
type row struct {
	o    cim.Object
	inst *cim.Instance // o as an instance, if it is one
	idx  []int         // position of each referenced property in inst, -1 if absent
}

type pred func(r row) bool

// value reads the referenced property k (named name) of the row: from its
// bound position for an instance, by name otherwise. ok is false when the
// object lacks it.
func (r row) value(k int, name string) (cim.Value, bool) {
	if r.inst != nil {
		if i := r.idx[k]; i >= 0 {
			return r.inst.At(i), true
		}
		return cim.Value{}, false
	}
	return getByName(r.o, name)
}

// getByName reads a property of an object that is not a bound instance.
func getByName(o cim.Object, name string) (cim.Value, bool) {
	v, err := o.Get(name)
	return v, err == nil
}

// propRef is a property the query reads by position: the root name of a
// path (system properties are read by name).
type propRef struct {
	name string
}

// binding maps the referenced properties to positions in one class's
// instances.
type binding struct {
	class *cim.Class
	idx   []int
}

// Compile compiles a SELECT for evaluation against objects of class (the
// FROM class of a data or event query) and of its subclasses. When class is
// not nil the statement is first checked with Validate. With a nil class
// (a schema query, or objects of unknown classes) properties are read by
// name.
func Compile(s *Select, class *cim.Class) (*Query, error) {
	if class != nil {
		if err := Validate(s, class); err != nil {
			return nil, err
		}
	}
	q := &Query{stmt: s, class: class}
	c := compiler{q: q, slots: map[string]int{}}
	if s.Where != nil {
		q.where = c.expr(s.Where)
	}
	if class != nil {
		q.bind.Store(q.newBinding(class))
	}
	return q, nil
}

// Statement returns the compiled statement.
func (q *Query) Statement() *Select { return q.stmt }

// Class returns the class the query was compiled for, or nil.
func (q *Query) Class() *cim.Class { return q.class }

// Match reports whether the object satisfies the WHERE clause. An object
// that lacks a property reads it as NULL.
func (q *Query) Match(o cim.Object) bool {
	if q.where == nil {
		return true
	}
	return q.where(q.row(o))
}

func (q *Query) row(o cim.Object) row {
	r := row{o: o}
	if inst, ok := o.(*cim.Instance); ok && len(q.props) > 0 {
		c := inst.Class()
		b := q.bind.Load()
		if b == nil || b.class != c {
			b = q.newBinding(c)
			q.bind.Store(b)
		}
		r.inst, r.idx = inst, b.idx
	}
	return r
}

func (q *Query) newBinding(c *cim.Class) *binding {
	b := &binding{class: c, idx: make([]int, len(q.props))}
	for i, p := range q.props {
		b.idx[i] = c.PropertyIndex(p.name)
	}
	return b
}

// compiler builds the closure tree.
type compiler struct {
	q     *Query
	slots map[string]int // lower-case root name → index in q.props
}

func (c *compiler) slot(name string) int {
	key := strings.ToLower(name)
	if i, ok := c.slots[key]; ok {
		return i
	}
	i := len(c.q.props)
	c.slots[key] = i
	c.q.props = append(c.q.props, propRef{name: name})
	return i
}

// getter returns the function that reads a property path; ok is false when
// the object lacks it.
type getter func(r row) (cim.Value, bool)

func (c *compiler) getter(p *Prop) getter {
	root := p.Path[0]
	var get getter
	switch {
	case strings.EqualFold(root, "__CLASS"):
		get = func(r row) (cim.Value, bool) { return cim.String(r.o.ClassName()), true }
	case strings.HasPrefix(root, "__"):
		get = func(r row) (cim.Value, bool) {
			v, err := r.o.Get(root)
			return v, err == nil
		}
	default:
		k := c.slot(root)
		get = func(r row) (cim.Value, bool) { return r.value(k, root) }
	}
	if len(p.Path) == 1 {
		return get
	}
	rest := p.Path[1:]
	return func(r row) (cim.Value, bool) {
		v, ok := get(r)
		for _, n := range rest {
			if !ok {
				return v, false
			}
			o, isObj := v.Object()
			if !isObj {
				return cim.Value{}, false
			}
			var err error
			v, err = o.Get(n)
			ok = err == nil
		}
		return v, ok
	}
}

func (c *compiler) expr(e Expr) pred {
	switch x := e.(type) {
	case *Binary:
		// A chain of one operator becomes one loop over its terms.
		var terms []pred
		var collect func(e Expr)
		collect = func(e Expr) {
			if b, ok := e.(*Binary); ok && b.Op == x.Op {
				collect(b.Left)
				collect(b.Right)
				return
			}
			terms = append(terms, c.expr(e))
		}
		collect(x)
		if len(terms) == 2 {
			l, r := terms[0], terms[1]
			if x.Op == OpAnd {
				return func(w row) bool { return l(w) && r(w) }
			}
			return func(w row) bool { return l(w) || r(w) }
		}
		if x.Op == OpAnd {
			return func(w row) bool {
				for _, t := range terms {
					if !t(w) {
						return false
					}
				}
				return true
			}
		}
		return func(w row) bool {
			for _, t := range terms {
				if t(w) {
					return true
				}
			}
			return false
		}
	case *Not:
		f := c.expr(x.X)
		return func(w row) bool { return !f(w) }
	case *IsNull:
		get := c.getter(x.Prop)
		if x.Not {
			return func(w row) bool { v, ok := get(w); return ok && !v.IsNull() }
		}
		return func(w row) bool { v, _ := get(w); return v.IsNull() }
	case *IsA:
		class := x.Class
		if x.Prop.IsThis() {
			return func(w row) bool { return w.o.InheritsFrom(class) }
		}
		get := c.getter(x.Prop)
		return func(w row) bool {
			v, _ := get(w)
			o, ok := v.Object()
			return ok && o.InheritsFrom(class)
		}
	case *Like:
		get := c.getter(x.Prop)
		pat, err := compileLike(x.Pattern)
		if err != nil {
			return func(row) bool { return false }
		}
		return func(w row) bool {
			v, _ := get(w)
			if v.IsNull() || v.Type().IsArray() {
				return false
			}
			s, ok := v.Str()
			if !ok {
				s = v.String() // a number: its decimal text
			}
			return pat.match(s)
		}
	case *Comparison:
		return c.comparison(x)
	}
	return func(row) bool { return false }
}

func (c *compiler) comparison(x *Comparison) pred {
	get := c.getter(x.Left)
	op := x.Op
	if p, ok := x.Right.(*Prop); ok {
		get2 := c.getter(p)
		return func(w row) bool {
			a, _ := get(w)
			b, _ := get2(w)
			if a.IsNull() || b.IsNull() {
				return false
			}
			n, ok := compareConst(a, newConstant(b))
			return ok && test(op, n)
		}
	}
	k := newConstant(x.Right.(*Literal).Value)
	// Fast paths for the property types of the bound class: the property
	// is read in place, without the getter's indirection.
	var t cim.Type
	simple := len(x.Left.Path) == 1 && !strings.HasPrefix(x.Left.Path[0], "__")
	if c.q.class != nil && simple {
		if p := c.q.class.Property(x.Left.Path[0]); p != nil {
			t = p.Type
		}
	}
	if t != cim.TypeEmpty {
		name := x.Left.Path[0]
		slot := c.slot(name)
		switch {
		case t.IsInteger() && !t.IsArray() && k.isInt:
			ci := k.i
			return func(w row) bool {
				v, _ := w.value(slot, name)
				var x xint
				switch {
				case v.IsNull():
					return false
				case v.Type() == cim.TypeUint64:
					x.mag, _ = v.Uint()
				default:
					n, ok := v.Int()
					if !ok {
						return false
					}
					if n < 0 {
						x = xint{neg: true, mag: uint64(-n)}
					} else {
						x.mag = uint64(n)
					}
				}
				return test(op, cmpXint(x, ci))
			}
		case t == cim.TypeString && k.isStr:
			lower := k.lower
			return func(w row) bool {
				v, _ := w.value(slot, name)
				if v.Type() != cim.TypeString {
					return false
				}
				s, ok := v.Str()
				return ok && test(op, compareFold(s, lower))
			}
		case t == cim.TypeBoolean && k.isBool:
			want := k.b
			return func(w row) bool {
				v, _ := w.value(slot, name)
				b, ok := v.Bool()
				return ok && test(op, cmpBool(b, want))
			}
		}
		return func(w row) bool {
			v, _ := w.value(slot, name)
			if v.IsNull() {
				return false
			}
			n, ok := compareConst(v, k)
			return ok && test(op, n)
		}
	}
	return func(w row) bool {
		v, _ := get(w)
		if v.IsNull() {
			return false
		}
		n, ok := compareConst(v, k)
		return ok && test(op, n)
	}
}

// Having reports whether an aggregate of n events passes the HAVING clause;
// true when there is none.
func (q *Query) Having(n uint32) bool {
	if q.stmt.Having == nil {
		return true
	}
	return evalHaving(q.stmt.Having, n)
}

func evalHaving(e Expr, n uint32) bool {
	switch x := e.(type) {
	case *Binary:
		if x.Op == OpAnd {
			return evalHaving(x.Left, n) && evalHaving(x.Right, n)
		}
		return evalHaving(x.Left, n) || evalHaving(x.Right, n)
	case *Not:
		return !evalHaving(x.X, n)
	case *Comparison:
		lit, ok := x.Right.(*Literal)
		if !ok {
			return false
		}
		c, ok := compareConst(cim.Uint32(n), newConstant(lit.Value))
		return ok && test(x.Op, c)
	}
	return false
}

// GroupKey returns the key that sorts an event into its group under the
// BY clause: events with equal keys aggregate together. Strings compare
// case-insensitively, so their key is folded. Without BY every event has
// the key "".
func (q *Query) GroupKey(o cim.Object) string {
	if len(q.stmt.GroupBy) == 0 {
		return ""
	}
	var b strings.Builder
	c := compiler{q: &Query{}, slots: map[string]int{}}
	r := row{o: o}
	for i, p := range q.stmt.GroupBy {
		if i > 0 {
			b.WriteByte(0)
		}
		v, _ := c.getter(p)(r)
		switch {
		case v.IsNull():
			b.WriteString("\x01NULL")
		case v.Type() == cim.TypeString:
			s, _ := v.Str()
			b.WriteString(lowerString(s))
		default:
			b.WriteString(v.Type().String())
			b.WriteByte(':')
			b.WriteString(v.String())
		}
	}
	return b.String()
}
