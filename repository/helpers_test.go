package repository

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		crashChild()
		return
	}
	goleak.VerifyTestMain(m)
}

// storeKinds are the constructors every test of the suite runs with.
var storeKinds = []struct {
	name string
	open func(t testing.TB) Store
}{
	{"memory", func(t testing.TB) Store {
		s := NewMemory()
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"bolt", func(t testing.TB) Store {
		s, err := Open(filepath.Join(t.TempDir(), "repo.db"), &Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// forEachStore runs f against a fresh store of every kind.
func forEachStore(t *testing.T, f func(t *testing.T, s Store)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) { f(t, k.open(t)) })
	}
}

var bg = context.Background()

func update(t testing.TB, s Store, fn func(tx Tx) error) {
	t.Helper()
	if err := s.Update(bg, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t testing.TB, s Store, fn func(tx Tx) error) {
	t.Helper()
	if err := s.View(bg, fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func wantCode(t testing.TB, err error, code status.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", code)
	}
	if got := status.CodeOf(err); got != code {
		t.Fatalf("got %v (%v), want %v", got, err, code)
	}
	var se *status.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *status.Error", err)
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func qual(name string, v cim.Value) cim.Qualifier {
	return cim.Qualifier{Name: name, Value: v, Flavor: cim.FlavorToSubclass}
}

var (
	qKey      = cim.Qualifier{Name: "key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}
	qAbstract = cim.Qualifier{Name: "abstract", Value: cim.Boolean(true)}
	qAssoc    = cim.Qualifier{Name: "Association", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}
	qSingle   = cim.Qualifier{Name: "singleton", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass}
	qDynamic  = cim.Qualifier{Name: "dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass}
)

func kprop(name string, t cim.Type) *cim.Property {
	return &cim.Property{Name: name, Type: t, Qualifiers: cim.Qualifiers{qKey}}
}

func prop(name string, t cim.Type) *cim.Property { return &cim.Property{Name: name, Type: t} }

func refProp(name, class string, key bool) *cim.Property {
	p := &cim.Property{Name: name, Type: cim.TypeReference, ClassRef: class}
	if key {
		p.Qualifiers = cim.Qualifiers{qKey}
	}
	return p
}

func newClass(name, super string, quals cim.Qualifiers, props ...*cim.Property) *cim.Class {
	return &cim.Class{Name: name, Superclass: super, Qualifiers: quals, Properties: props}
}

// putClasses creates classes in order in one transaction.
func putClasses(t testing.TB, s Store, ns string, cs ...*cim.Class) {
	t.Helper()
	update(t, s, func(tx Tx) error {
		for _, c := range cs {
			if err := tx.PutClass(ns, c, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// spawn returns a new instance of a stored class with values set.
func spawn(t testing.TB, tx Tx, ns, class string, kv ...any) *cim.Instance {
	t.Helper()
	c, err := tx.GetClass(ns, class)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := c.SpawnInstance()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(kv); i += 2 {
		v, err := cim.ValueOf(kv[i+1])
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.Put(kv[i].(string), v); err != nil {
			t.Fatal(err)
		}
	}
	return inst
}

func putInstance(t testing.TB, s Store, ns, class string, kv ...any) {
	t.Helper()
	update(t, s, func(tx Tx) error {
		return tx.PutInstance(ns, spawn(t, tx, ns, class, kv...), 0)
	})
}

func path(t testing.TB, s string) cim.Path {
	t.Helper()
	p, err := cim.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// collect enumerates instances and returns their relative paths.
func collect(t testing.TB, tx Tx, ns, class string, deep bool) []string {
	t.Helper()
	var out []string
	err := tx.Instances(ns, class, deep, func(i *cim.Instance) error {
		out = append(out, i.RelPath())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func classNames(cs []*cim.Class) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}
