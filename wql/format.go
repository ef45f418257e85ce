package wql

import (
	"strconv"
	"strings"
	"time"

	"github.com/gowmi/gowmi/cim"
)

// The canonical form: keywords in upper case, names as written, one space
// between tokens, strings in double quotes, integers in decimal, intervals in
// decimal seconds, <> for inequality, the property on the left of a
// comparison, and only the parentheses the tree needs.

func nodeString(n Node) string {
	var b strings.Builder
	n.format(&b)
	return b.String()
}

func (s *Select) String() string      { return nodeString(s) }
func (a *Associators) String() string { return nodeString(a) }
func (r *References) String() string  { return nodeString(r) }
func (x *Binary) String() string      { return nodeString(x) }
func (x *Not) String() string         { return nodeString(x) }
func (x *Comparison) String() string  { return nodeString(x) }
func (x *IsNull) String() string      { return nodeString(x) }
func (x *IsA) String() string         { return nodeString(x) }
func (x *Like) String() string        { return nodeString(x) }
func (p *Prop) String() string        { return nodeString(p) }
func (l *Literal) String() string     { return nodeString(l) }

func (s *Select) format(b *strings.Builder) {
	b.WriteString("SELECT ")
	if s.Properties == nil {
		b.WriteByte('*')
	} else {
		formatProps(b, s.Properties)
	}
	b.WriteString(" FROM ")
	b.WriteString(s.From)
	if s.Within > 0 {
		b.WriteString(" WITHIN ")
		b.WriteString(formatSeconds(s.Within))
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		s.Where.format(b)
	}
	if s.GroupWithin > 0 {
		b.WriteString(" GROUP WITHIN ")
		b.WriteString(formatSeconds(s.GroupWithin))
		if s.GroupBy != nil {
			b.WriteString(" BY ")
			formatProps(b, s.GroupBy)
		}
		if s.Having != nil {
			b.WriteString(" HAVING ")
			s.Having.format(b)
		}
	}
}

func formatProps(b *strings.Builder, ps []*Prop) {
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		p.format(b)
	}
}

// formatSeconds prints a duration as decimal seconds, exactly: 10, 0.5,
// 1.000000001.
func formatSeconds(d time.Duration) string {
	sec := int64(d / time.Second)
	ns := int64(d % time.Second)
	s := strconv.FormatInt(sec, 10)
	if ns == 0 {
		return s
	}
	frac := strconv.FormatInt(ns+int64(time.Second), 10)[1:] // 9 digits with leading zeros
	return s + "." + strings.TrimRight(frac, "0")
}

func (a *Associators) format(b *strings.Builder) {
	b.WriteString("ASSOCIATORS OF {")
	b.WriteString(a.PathText)
	b.WriteByte('}')
	w := assocWriter{b: b}
	w.value("AssocClass", a.AssocClass)
	w.flag("ClassDefsOnly", a.ClassDefsOnly)
	w.flag("KeysOnly", a.KeysOnly)
	w.value("RequiredAssocQualifier", a.RequiredAssocQualifier)
	w.value("RequiredQualifier", a.RequiredQualifier)
	w.value("ResultClass", a.ResultClass)
	w.value("ResultRole", a.ResultRole)
	w.value("Role", a.Role)
	w.flag("SchemaOnly", a.SchemaOnly)
}

func (r *References) format(b *strings.Builder) {
	b.WriteString("REFERENCES OF {")
	b.WriteString(r.PathText)
	b.WriteByte('}')
	w := assocWriter{b: b}
	w.flag("ClassDefsOnly", r.ClassDefsOnly)
	w.flag("KeysOnly", r.KeysOnly)
	w.value("RequiredQualifier", r.RequiredQualifier)
	w.value("ResultClass", r.ResultClass)
	w.value("Role", r.Role)
	w.flag("SchemaOnly", r.SchemaOnly)
}

// assocWriter prints the keywords of an ASSOCIATORS or REFERENCES WHERE
// clause, in alphabetical order.
type assocWriter struct {
	b     *strings.Builder
	where bool
}

func (w *assocWriter) sep() {
	if !w.where {
		w.b.WriteString(" WHERE ")
		w.where = true
	} else {
		w.b.WriteByte(' ')
	}
}

func (w *assocWriter) value(k, v string) {
	if v != "" {
		w.sep()
		w.b.WriteString(k)
		w.b.WriteString(" = ")
		w.b.WriteString(v)
	}
}

func (w *assocWriter) flag(k string, on bool) {
	if on {
		w.sep()
		w.b.WriteString(k)
	}
}

// Precedence levels for printing conditions.
const (
	precOr = iota + 1
	precAnd
	precUnary
)

func prec(e Expr) int {
	if x, ok := e.(*Binary); ok {
		if x.Op == OpOr {
			return precOr
		}
		return precAnd
	}
	return precUnary
}

// formatOperand prints e, in parentheses when its precedence is below min.
func formatOperand(b *strings.Builder, e Expr, min int) {
	if prec(e) < min {
		b.WriteByte('(')
		e.format(b)
		b.WriteByte(')')
		return
	}
	e.format(b)
}

func (x *Binary) format(b *strings.Builder) {
	p := prec(x)
	formatOperand(b, x.Left, p)
	b.WriteByte(' ')
	b.WriteString(x.Op.String())
	b.WriteByte(' ')
	formatOperand(b, x.Right, p+1) // chains are left-associative
}

func (x *Not) format(b *strings.Builder) {
	b.WriteString("NOT ")
	formatOperand(b, x.X, precUnary)
}

func (x *Comparison) format(b *strings.Builder) {
	x.Left.format(b)
	b.WriteByte(' ')
	b.WriteString(x.Op.String())
	b.WriteByte(' ')
	x.Right.format(b)
}

func (x *IsNull) format(b *strings.Builder) {
	x.Prop.format(b)
	if x.Not {
		b.WriteString(" IS NOT NULL")
	} else {
		b.WriteString(" IS NULL")
	}
}

func (x *IsA) format(b *strings.Builder) {
	x.Prop.format(b)
	b.WriteString(" ISA ")
	writeString(b, x.Class)
}

func (x *Like) format(b *strings.Builder) {
	x.Prop.format(b)
	b.WriteString(" LIKE ")
	writeString(b, x.Pattern)
}

func (p *Prop) format(b *strings.Builder) {
	for i, n := range p.Path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(n)
	}
}

func (l *Literal) format(b *strings.Builder) { formatValue(b, l.Value) }

// formatValue prints a literal value so that it lexes back to the same value.
func formatValue(b *strings.Builder, v cim.Value) {
	if v.IsNull() {
		b.WriteString("NULL")
		return
	}
	switch t := v.Type(); {
	case t == cim.TypeString:
		s, _ := v.Str()
		writeString(b, s)
	case t == cim.TypeBoolean:
		if x, _ := v.Bool(); x {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case t.IsReal():
		f, _ := v.Float()
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") {
			s += ".0"
		}
		b.WriteString(s)
	default:
		b.WriteString(v.String())
	}
}

// writeString prints s as a double-quoted WQL string.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}
