package wql

import (
	"errors"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

// FuzzParse checks that the parser never panics, that every error is a
// *status.Error, and that a query it accepts prints to a canonical form
// that parses back to the same tree and prints the same. Accepted SELECTs
// are also evaluated, by name, against an instance with every type of
// property, to shake out panics in the evaluator.
func FuzzParse(f *testing.F) {
	for _, tc := range validQueries {
		f.Add(tc.in, false)
	}
	for _, tc := range invalidQueries {
		f.Add(tc.in, true)
	}
	if entries, err := loadCorpus("testdata/corpus.txt"); err == nil {
		for _, e := range entries {
			f.Add(e.query, e.event)
		}
	}
	inst := testInstance(f)
	class, _ := testClasses(f)
	f.Fuzz(func(t *testing.T, query string, event bool) {
		p := Parser{Event: event}
		st, err := p.Parse(query)
		if err != nil {
			var se *status.Error
			if !errors.As(err, &se) || !se.Code.Failed() {
				t.Fatalf("%q: error %v is not a failing *status.Error", query, err)
			}
			return
		}
		roundTrip(t, p, st)
		if s, ok := st.(*Select); ok {
			q, err := Compile(s, nil)
			if err != nil {
				t.Fatalf("Compile(%q): %v", query, err)
			}
			q.Match(inst)
			q.Match(class)
			if _, err := q.Project(inst); err != nil {
				t.Fatalf("Project(%q): %v", query, err)
			}
			q.Having(3)
			q.GroupKey(inst)
			s.PinnedKeys(class)
			s.Classes()
			if Validate(s, class) == nil {
				bound, err := Compile(s, class)
				if err != nil {
					t.Fatalf("Compile(%q, class): %v", query, err)
				}
				if bound.Match(inst) != q.Match(inst) {
					t.Fatalf("%q: bound and by-name evaluations differ", query)
				}
			}
		}
	})
}
