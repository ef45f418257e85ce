package repository_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/mof"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
)

// Tx is what the MOF compiler writes into.
var _ mof.Target = repository.Tx(nil)

func stores(t *testing.T) map[string]repository.Store {
	b, err := repository.Open(filepath.Join(t.TempDir(), "repo.db"), &repository.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	m := repository.NewMemory()
	t.Cleanup(func() { b.Close(); m.Close() })
	return map[string]repository.Store{"memory": m, "bolt": b}
}

// TestSystemSchema installs the system schema (compiled by mof into a Tx)
// and reads it back.
func TestSystemSchema(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if err := schema.Install(ctx, s); err != nil {
				t.Fatal(err)
			}
			err := s.View(ctx, func(tx repository.Tx) error {
				for _, ns := range schema.Namespaces {
					c, err := tx.GetClass(ns, "__NAMESPACE")
					if err != nil {
						return err
					}
					if c.Parent() == nil || c.Parent().Name != "__SystemClass" || len(c.Keys()) != 1 {
						t.Errorf("%s: __NAMESPACE : %v", ns, c.Parent())
					}
				}
				// root's __NAMESPACE instances are its children, as instances
				// of root's __NAMESPACE class, and a deep enumeration of
				// __SystemClass finds them.
				n := 0
				err := tx.Instances("root", "__SystemClass", true, func(i *cim.Instance) error {
					if i.ClassName() == "__NAMESPACE" && i.Class().Namespace == "root" {
						n++
					}
					return nil
				})
				if n != len(schema.Namespaces)-1 {
					t.Errorf("deep __SystemClass found %d namespaces", n)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			// A namespace made with PutInstance(__NAMESPACE) gets its schema.
			err = s.Update(ctx, func(tx repository.Tx) error {
				c, err := tx.GetClass("root", "__NAMESPACE")
				if err != nil {
					return err
				}
				if err := tx.PutInstance("root", c.MustSpawn().MustPut("Name", cim.String("New")), repository.FlagCreateOnly); err != nil {
					return err
				}
				return schema.InstallNamespace(tx, `root\New`)
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDMTFSchema stores the DMTF CIM Schema and reads every class back as
// it was compiled.
func TestDMTFSchema(t *testing.T) {
	const dir, root = "../../shared/cim-schema", "cim_schema_2.41.0.mof"
	if testing.Short() {
		t.Skip("the DMTF schema is not compiled in -short mode")
	}
	if _, err := os.Stat(filepath.Join(dir, root)); err != nil {
		t.Skipf("no DMTF schema at %s", dir)
	}
	u, err := mof.Compile(os.DirFS(dir), []string{root}, mof.Options{Namespace: `root\cimv2`, AbstractUnderConcrete: true, RequireDeclarations: true})
	if err != nil {
		t.Fatal(err)
	}
	compiled := map[string]*cim.Class{}
	for _, op := range u.Ops {
		if op.Kind == mof.OpPutClass {
			compiled[op.Class.Name] = op.Class
		}
	}
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.Update(ctx, func(tx repository.Tx) error { return u.Apply(tx) }); err != nil {
				t.Fatal(err)
			}
			err := s.View(ctx, func(tx repository.Tx) error {
				cs, err := tx.Classes(`root\cimv2`, "", true)
				if err != nil {
					return err
				}
				if len(cs) != u.Classes || len(cs) != len(compiled) {
					t.Errorf("%d classes stored, %d compiled", len(cs), u.Classes)
				}
				for _, c := range cs {
					want := compiled[c.Name]
					switch {
					case want == nil:
						t.Errorf("unexpected class %s", c.Name)
					case !c.CompareTo(want, cim.CompareIgnoreObjectSource):
						t.Errorf("class %s does not read back as compiled", c.Name)
					case c.Validate() != nil:
						t.Errorf("class %s: %v", c.Name, c.Validate())
					}
				}
				decls, err := tx.QualifierDecls(`root\cimv2`)
				if len(decls) != u.Qualifiers {
					t.Errorf("%d qualifier declarations stored, %d compiled", len(decls), u.Qualifiers)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
