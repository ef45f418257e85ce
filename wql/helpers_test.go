package wql

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

// stripped returns a deep copy of a statement with every offset set to 0,
// for comparing trees parsed from different texts.
func stripped(st Statement) Statement {
	switch s := st.(type) {
	case *Select:
		c := *s
		c.Offset, c.FromOffset = 0, 0
		c.Properties = stripProps(s.Properties)
		c.GroupBy = stripProps(s.GroupBy)
		c.Where = stripExpr(s.Where)
		c.Having = stripExpr(s.Having)
		return &c
	case *Associators:
		c := *s
		c.Offset = 0
		return &c
	case *References:
		c := *s
		c.Offset = 0
		return &c
	}
	return st
}

func stripProps(ps []*Prop) []*Prop {
	if ps == nil {
		return nil
	}
	out := make([]*Prop, len(ps))
	for i, p := range ps {
		out[i] = stripProp(p)
	}
	return out
}

func stripProp(p *Prop) *Prop {
	return &Prop{Path: append([]string(nil), p.Path...)}
}

func stripExpr(e Expr) Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *Binary:
		return &Binary{Op: x.Op, Left: stripExpr(x.Left), Right: stripExpr(x.Right)}
	case *Not:
		return &Not{X: stripExpr(x.X)}
	case *Comparison:
		c := &Comparison{Op: x.Op, Left: stripProp(x.Left)}
		switch r := x.Right.(type) {
		case *Prop:
			c.Right = stripProp(r)
		case *Literal:
			c.Right = &Literal{Value: r.Value}
		}
		return c
	case *IsNull:
		return &IsNull{Prop: stripProp(x.Prop), Not: x.Not}
	case *IsA:
		return &IsA{Prop: stripProp(x.Prop), Class: x.Class}
	case *Like:
		return &Like{Prop: stripProp(x.Prop), Pattern: x.Pattern}
	}
	panic("unknown expression")
}

// sameTree reports whether two statements are equal but for offsets.
func sameTree(a, b Statement) bool {
	return reflect.DeepEqual(stripped(a), stripped(b))
}

// roundTrip checks that the canonical form of st parses to the same tree
// and prints the same.
func roundTrip(t *testing.T, p Parser, st Statement) {
	t.Helper()
	text := st.String()
	again, err := p.Parse(text)
	if err != nil {
		t.Fatalf("canonical form %q does not parse: %v", text, err)
	}
	if !sameTree(st, again) {
		t.Fatalf("canonical form %q parses to a different tree:\n%#v\n%#v", text, stripped(st), stripped(again))
	}
	if again.String() != text {
		t.Fatalf("canonical form is not stable: %q then %q", text, again.String())
	}
}

// wantCode checks that err carries code and, when off >= 0, a SyntaxError
// at that offset.
func wantCode(t *testing.T, query string, err error, code status.Code, off int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%q: no error, want %s", query, code)
	}
	if got := status.CodeOf(err); got != code {
		t.Fatalf("%q: got %v, want %s", query, err, code)
	}
	var se *status.Error
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %T is not a *status.Error", query, err)
	}
	if off >= 0 {
		var syn *SyntaxError
		if !errors.As(err, &syn) {
			t.Fatalf("%q: %v has no SyntaxError cause", query, err)
		}
		if syn.Offset != off {
			t.Fatalf("%q: error at offset %d, want %d: %v", query, syn.Offset, off, err)
		}
	}
}
