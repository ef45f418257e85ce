package repository

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestNamespaces(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		view(t, s, func(tx Tx) error {
			if !tx.NamespaceExists("root") || !tx.NamespaceExists("ROOT") {
				t.Error("root does not exist")
			}
			if tx.NamespaceExists(`root\cimv2`) || tx.NamespaceExists("") || tx.NamespaceExists("nope") {
				t.Error("phantom namespace")
			}
			return nil
		})
		update(t, s, func(tx Tx) error {
			noErr(t, tx.CreateNamespace(`root\CIMV2`))
			noErr(t, tx.CreateNamespace(`root/Test/Sub`)) // creates root\Test too
			noErr(t, tx.CreateNamespace(`ROOT\cimv2`))    // exists: fine
			wantCode(t, tx.CreateNamespace(`root\bad name`), status.InvalidParameter)
			wantCode(t, tx.CreateNamespace(`other\x`), status.InvalidParameter)
			return nil
		})
		view(t, s, func(tx Tx) error {
			got, err := tx.Namespaces("root")
			noErr(t, err)
			if want := []string{`root\CIMV2`, `root\Test`}; !reflect.DeepEqual(got, want) {
				t.Errorf("Namespaces(root) = %q, want %q", got, want)
			}
			got, err = tx.Namespaces(`root\test`)
			noErr(t, err)
			if want := []string{`root\Test\Sub`}; !reflect.DeepEqual(got, want) {
				t.Errorf("Namespaces(root\\test) = %q, want %q", got, want)
			}
			_, err = tx.Namespaces(`root\missing`)
			wantCode(t, err, status.InvalidNamespace)
			if !tx.NamespaceExists(`root\cimv2`) || !tx.NamespaceExists(`/root/test/sub/`) {
				t.Error("namespaces missing")
			}
			// __NAMESPACE instances stand for the children.
			got = collect(t, tx, "root", "__NAMESPACE", false)
			if want := []string{`__NAMESPACE.Name="CIMV2"`, `__NAMESPACE.Name="Test"`}; !reflect.DeepEqual(got, want) {
				t.Errorf("__NAMESPACE instances = %q, want %q", got, want)
			}
			inst, err := tx.GetInstance("root", path(t, `__NAMESPACE.Name="cimv2"`))
			noErr(t, err)
			if inst.Value("Name").String() != "CIMV2" || inst.Namespace != "root" {
				t.Errorf("got %v in %s", inst, inst.Namespace)
			}
			_, err = tx.GetInstance("root", path(t, `__NAMESPACE.Name="nope"`))
			wantCode(t, err, status.NotFound)
			return nil
		})
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.DeleteNamespace("root"), status.InvalidOperation)
			wantCode(t, tx.DeleteNamespace(`root\missing`), status.InvalidNamespace)
			noErr(t, tx.DeleteNamespace(`Root\TEST`))
			if tx.NamespaceExists(`root\test\sub`) || tx.NamespaceExists(`root\test`) {
				t.Error("deleted namespace still exists")
			}
			// PutInstance/DeleteInstance of __NAMESPACE create and delete.
			ns := builtinNamespaceClass.MustSpawn().MustPut("Name", cim.String("Made"))
			noErr(t, tx.PutInstance("root", ns, FlagCreateOnly))
			wantCode(t, tx.PutInstance("root", ns, FlagCreateOnly), status.AlreadyExists)
			noErr(t, tx.PutInstance("root", ns, 0))
			if !tx.NamespaceExists(`root\made`) {
				t.Error("PutInstance(__NAMESPACE) did not create the namespace")
			}
			noErr(t, tx.DeleteInstance("root", path(t, `__NAMESPACE.Name="MADE"`)))
			wantCode(t, tx.DeleteInstance("root", path(t, `__NAMESPACE.Name="MADE"`)), status.NotFound)
			wantCode(t, tx.PutInstance("root", ns, FlagUpdateOnly), status.NotFound)
			return nil
		})
	})
}

func TestNamespaceContentsAreSeparate(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		update(t, s, func(tx Tx) error {
			noErr(t, tx.CreateNamespace(`root\a`))
			noErr(t, tx.CreateNamespace(`root\b`))
			noErr(t, tx.PutClass(`root\a`, newClass("C", "", nil, kprop("K", cim.TypeString)), 0))
			return nil
		})
		putInstance(t, s, `root\a`, "C", "K", "x")
		update(t, s, func(tx Tx) error {
			_, err := tx.GetClass(`root\b`, "C")
			wantCode(t, err, status.NotFound)
			noErr(t, tx.DeleteNamespace(`root\a`))
			noErr(t, tx.CreateNamespace(`root\a`))
			_, err = tx.GetClass(`root\a`, "C")
			wantCode(t, err, status.NotFound)
			return nil
		})
	})
}

func TestQualifierDecls(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		update(t, s, func(tx Tx) error {
			noErr(t, tx.PutQualifierDecl("root", cim.QualifierDecl{Name: "Key", Type: cim.TypeBoolean, Default: cim.Boolean(false),
				Scope: cim.ScopeProperty | cim.ScopeReference, Flavor: cim.FlavorNotOverridable | cim.FlavorToSubclass}))
			noErr(t, tx.PutQualifierDecl("root", cim.QualifierDecl{Name: "MaxLen", Type: cim.TypeUint32, Scope: cim.ScopeProperty}))
			wantCode(t, tx.PutQualifierDecl("root", cim.QualifierDecl{Name: "", Type: cim.TypeBoolean}), status.InvalidParameter)
			wantCode(t, tx.PutQualifierDecl(`root\x`, cim.QualifierDecl{Name: "A", Type: cim.TypeBoolean}), status.InvalidNamespace)
			return nil
		})
		view(t, s, func(tx Tx) error {
			d, err := tx.QualifierDecl("root", "KEY")
			noErr(t, err)
			if d.Name != "Key" || d.Type != cim.TypeBoolean || !d.Default.Equal(cim.Boolean(false)) ||
				d.Scope != cim.ScopeProperty|cim.ScopeReference || d.Flavor != cim.FlavorNotOverridable|cim.FlavorToSubclass {
				t.Errorf("got %+v", d)
			}
			_, err = tx.QualifierDecl("root", "nope")
			wantCode(t, err, status.NotFound)
			all, err := tx.QualifierDecls("root")
			noErr(t, err)
			if len(all) != 2 || all[0].Name != "Key" || all[1].Name != "MaxLen" || !all[1].Default.IsNull() {
				t.Errorf("got %+v", all)
			}
			return nil
		})
	})
}

// schema is a small hierarchy used by several tests:
//
//	Base (abstract, key Name)
//	├── Mid (Size uint32)
//	│   └── Leaf (Extra string)
//	└── Other
func schema(t testing.TB, s Store) {
	putClasses(t, s, "root",
		newClass("Base", "", cim.Qualifiers{qAbstract}, kprop("Name", cim.TypeString)),
		newClass("Mid", "Base", nil, prop("Size", cim.TypeUint32)),
		newClass("Leaf", "Mid", nil, prop("Extra", cim.TypeString)),
		newClass("Other", "Base", nil),
	)
}

func TestClasses(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		view(t, s, func(tx Tx) error {
			c, err := tx.GetClass("root", "LEAF")
			noErr(t, err)
			if c.Name != "Leaf" || c.Namespace != "root" || c.Parent() == nil || c.Parent().Name != "Mid" ||
				c.Parent().Parent().Name != "Base" || c.Property("Name") == nil || len(c.Keys()) != 1 {
				t.Errorf("GetClass: %s in %q, parent %v", c.Name, c.Namespace, c.Parent())
			}
			if got := c.Derivation(); !reflect.DeepEqual(got, []string{"Mid", "Base"}) {
				t.Errorf("derivation %v", got)
			}
			// The returned class is the caller's.
			c.Properties = nil
			c.Changed()
			c2, _ := tx.GetClass("root", "leaf")
			if c2.Property("Extra") == nil {
				t.Error("modifying a returned class changed the store")
			}
			_, err = tx.GetClass("root", "Nope")
			wantCode(t, err, status.NotFound)
			_, err = tx.GetClass(`root\nope`, "Leaf")
			wantCode(t, err, status.InvalidNamespace)

			for _, tc := range []struct {
				super string
				deep  bool
				want  []string
			}{
				{"", false, []string{"Base"}},
				{"", true, []string{"Base", "Mid", "Leaf", "Other"}},
				{"base", false, []string{"Mid", "Other"}},
				{"Base", true, []string{"Mid", "Leaf", "Other"}},
				{"Leaf", true, nil},
			} {
				cs, err := tx.Classes("root", tc.super, tc.deep)
				noErr(t, err)
				if got := classNames(cs); !slices.Equal(got, tc.want) {
					t.Errorf("Classes(%q, %v) = %v, want %v", tc.super, tc.deep, got, tc.want)
				}
			}
			_, err = tx.Classes("root", "Nope", true)
			wantCode(t, err, status.InvalidClass)
			return nil
		})
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.PutClass("root", newClass("Mid", "Base", nil), FlagCreateOnly), status.AlreadyExists)
			wantCode(t, tx.PutClass("root", newClass("New", "", nil), FlagUpdateOnly), status.NotFound)
			wantCode(t, tx.PutClass("root", newClass("New", "Missing", nil), 0), status.InvalidSuperclass)
			wantCode(t, tx.PutClass("root", newClass("Leaf", "Other", nil, prop("Extra", cim.TypeString)), 0), status.InvalidSuperclass)
			wantCode(t, tx.PutClass("root", newClass("_X", "", nil), 0), status.InvalidOperation)
			wantCode(t, tx.PutClass("root", newClass("Bad Name", "", nil), 0), status.InvalidParameter)
			wantCode(t, tx.PutClass("root", nil, 0), status.InvalidParameter)
			wantCode(t, tx.PutClass("root", newClass("New", "", nil), FlagCreateOnly|FlagUpdateOnly), status.InvalidParameter)
			wantCode(t, tx.PutClass("root", newClass("New", "", nil), FlagUpdateSafeMode|FlagUpdateForceMode), status.InvalidParameter)
			wantCode(t, tx.PutClass("root", newClass("New", "", nil), 0x80), status.InvalidParameter)
			// cim's validation keeps its code: an override with another type.
			wantCode(t, tx.PutClass("root", newClass("New", "Mid", nil, prop("Size", cim.TypeString)), 0), status.UpdateTypeMismatch)
			// A concrete class cannot add keys under a concrete keyed class.
			wantCode(t, tx.PutClass("root", newClass("New", "Mid", nil, kprop("K2", cim.TypeString)), 0), status.CannotChangeKeyInheritance)
			// System classes may be written.
			noErr(t, tx.PutClass("root", newClass("__SystemThing", "", nil), 0))
			wantCode(t, tx.DeleteClass("root", "__SystemThing"), status.InvalidOperation)
			// An unchanged class may always be put again.
			noErr(t, tx.PutClass("root", newClass("Base", "", cim.Qualifiers{qAbstract}, kprop("Name", cim.TypeString)), 0))
			return nil
		})
	})
}

func TestDeleteClass(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		putInstance(t, s, "root", "Mid", "Name", "m1")
		putInstance(t, s, "root", "Leaf", "Name", "l1")
		putInstance(t, s, "root", "Other", "Name", "o1")
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.DeleteClass("root", "Nope"), status.NotFound)
			noErr(t, tx.DeleteClass("root", "mid"))
			for _, c := range []string{"Mid", "Leaf"} {
				_, err := tx.GetClass("root", c)
				wantCode(t, err, status.NotFound)
			}
			if got := collect(t, tx, "root", "Base", true); !slices.Equal(got, []string{`Other.Name="o1"`}) {
				t.Errorf("after DeleteClass: %v", got)
			}
			_, err := tx.GetInstance("root", path(t, `Base.Name="l1"`))
			wantCode(t, err, status.NotFound)
			return nil
		})
		// The keys are free again.
		putClasses(t, s, "root", newClass("Mid", "Base", nil))
		putInstance(t, s, "root", "Mid", "Name", "l1")
		view(t, s, func(tx Tx) error {
			i, err := tx.GetInstance("root", path(t, `Base.Name="L1"`))
			noErr(t, err)
			if i.ClassName() != "Mid" {
				t.Errorf("got %s", i.ClassName())
			}
			return nil
		})
	})
}

func TestClassUpdateModes(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		putClasses(t, s, "root",
			newClass("A", "", nil, kprop("K", cim.TypeString), prop("P", cim.TypeUint32)),
			newClass("B", "A", nil, prop("Q", cim.TypeString)),
		)
		putInstance(t, s, "root", "A", "K", "a1", "P", 7)
		putInstance(t, s, "root", "B", "K", "b1", "Q", "q")

		// Only an unimportant qualifier changes: allowed in every mode.
		descr := cim.Qualifiers{qual("Description", cim.String("a class"))}
		update(t, s, func(tx Tx) error {
			return tx.PutClass("root", newClass("A", "", descr, kprop("K", cim.TypeString), prop("P", cim.TypeUint32)), 0)
		})

		addR := newClass("A", "", descr, kprop("K", cim.TypeString), prop("P", cim.TypeUint32), prop("R", cim.TypeString))
		update(t, s, func(tx Tx) error {
			// Any other change with subclasses needs safe or force mode.
			wantCode(t, tx.PutClass("root", addR, 0), status.ClassHasChildren)
			// Adding a property conflicts with nothing.
			noErr(t, tx.PutClass("root", addR, FlagUpdateSafeMode))
			i, err := tx.GetInstance("root", path(t, `A.K="a1"`))
			noErr(t, err)
			if v := i.Value("P"); !v.Equal(cim.Uint32(7)) || !i.Value("R").IsNull() {
				t.Errorf("instance after adding R: P=%v R=%v", v, i.Value("R"))
			}
			b, err := tx.GetClass("root", "B")
			noErr(t, err)
			if b.Property("R") == nil {
				t.Error("subclass does not see the new property")
			}
			return nil
		})

		// A property the subclass declares with another type: a conflict.
		addQ := newClass("A", "", descr, kprop("K", cim.TypeString), prop("P", cim.TypeUint32), prop("R", cim.TypeString), prop("Q", cim.TypeUint64))
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.PutClass("root", addQ, FlagUpdateSafeMode), status.ClassHasChildren)
			return nil
		})
		// Removing a property while instances exist.
		noP := newClass("A", "", descr, kprop("K", cim.TypeString), prop("R", cim.TypeString))
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.PutClass("root", noP, FlagUpdateSafeMode), status.ClassHasInstances)
			return nil
		})
		// Force mode deletes the conflicting subclass and its instances.
		update(t, s, func(tx Tx) error {
			noErr(t, tx.PutClass("root", addQ, FlagUpdateForceMode))
			_, err := tx.GetClass("root", "B")
			wantCode(t, err, status.NotFound)
			if got := collect(t, tx, "root", "A", true); !slices.Equal(got, []string{`A.K="a1"`}) {
				t.Errorf("after force: %v", got)
			}
			return nil
		})
		// Force mode deletes the instances a removal conflicts with.
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.PutClass("root", noP, 0), status.ClassHasInstances)
			noErr(t, tx.PutClass("root", noP, FlagUpdateForceMode))
			if got := collect(t, tx, "root", "A", true); len(got) != 0 {
				t.Errorf("instances left: %v", got)
			}
			// Without instances, any change goes.
			noErr(t, tx.PutClass("root", newClass("A", "", nil, kprop("K", cim.TypeUint32)), 0))
			return nil
		})
		// A key change with instances.
		putInstance(t, s, "root", "A", "K", 5)
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.PutClass("root", newClass("A", "", nil, kprop("K", cim.TypeUint32), kprop("K2", cim.TypeUint32)), 0), status.ClassHasInstances)
			wantCode(t, tx.PutClass("root", newClass("A", "", cim.Qualifiers{qAbstract}, kprop("K", cim.TypeUint32)), 0), status.ClassHasInstances)
			return nil
		})
	})
}

func TestInstances(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		putClasses(t, s, "root",
			newClass("Num", "", nil, kprop("Id", cim.TypeUint32), prop("V", cim.TypeString)),
			newClass("Two", "", nil, kprop("B", cim.TypeSint64), kprop("A", cim.TypeString)),
			newClass("Single", "", cim.Qualifiers{qSingle}, prop("V", cim.TypeUint32)),
			newClass("NoKey", "", nil, prop("V", cim.TypeUint32)),
			newClass("Dyn", "", cim.Qualifiers{qDynamic}, kprop("K", cim.TypeString)),
			newClass("NN", "", nil, kprop("K", cim.TypeString), &cim.Property{Name: "Must", Type: cim.TypeString,
				Qualifiers: cim.Qualifiers{qual("Not_Null", cim.Boolean(true))}}),
		)
		update(t, s, func(tx Tx) error {
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "Alpha", "Size", 1), FlagCreateOnly))
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "ALPHA"), FlagCreateOnly), status.AlreadyExists)
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "beta"), FlagUpdateOnly), status.NotFound)
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "alpha", "Size", 2), FlagUpdateOnly))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Leaf", "Name", "leaf1", "Size", 3, "Extra", "e"), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Other", "Name", "o"), 0))

			// An instance of the abstract Base, spawned from a concrete look-alike.
			fake := newClass("Base", "", nil, kprop("Name", cim.TypeString))
			noErr(t, fake.SetParent(nil))
			wantCode(t, tx.PutInstance("root", fake.MustSpawn().MustPut("Name", cim.String("x")), 0), status.InvalidOperation)
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "Dyn", "K", "x"), 0), status.InvalidOperation)
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid"), 0), status.IllegalNull)
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "NoKey", "V", 1), 0), status.NoKey)
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "NN", "K", "k"), 0), status.IllegalNull)
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "x"), 0x20), status.InvalidParameter)
			wantCode(t, tx.PutInstance("root", nil, 0), status.InvalidParameter)
			gone := newClass("Gone", "", nil, kprop("K", cim.TypeString))
			noErr(t, gone.SetParent(nil))
			wantCode(t, tx.PutInstance("root", gone.MustSpawn().MustPut("K", cim.String("x")), 0), status.InvalidClass)
			// An instance of an older version of the class with a property the stored one lacks.
			stale := newClass("Num", "", nil, kprop("Id", cim.TypeUint32), prop("Gone", cim.TypeString))
			noErr(t, stale.SetParent(nil))
			wantCode(t, tx.PutInstance("root", stale.MustSpawn().MustPut("Id", cim.Uint32(1)).MustPut("Gone", cim.String("g")), 0), status.InvalidProperty)

			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Num", "Id", uint32(5), "V", "five"), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Two", "A", "x", "B", int64(-3)), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Single", "V", 9), 0))
			return nil
		})
		view(t, s, func(tx Tx) error {
			for _, tc := range []struct {
				path, class string
			}{
				{`Mid.Name="alpha"`, "Mid"},
				{`Mid.Name="ALPHA"`, "Mid"},
				{`Base.Name="Alpha"`, "Mid"},     // an ancestor's path finds the subclass instance
				{`Base.Name="LEAF1"`, "Leaf"},    // two levels down
				{`Mid.Name="leaf1"`, "Leaf"},     // one level down
				{`Num.Id="5"`, "Num"},            // a string converts to the key's type
				{`Num.Id=5`, "Num"},              // Sint64 5 is uint32 5
				{`Num=5`, "Num"},                 // the single-key shorthand
				{`Two.A="X",B=-3`, "Two"},        // several keys, any order
				{`Two.B="-3",A="x"`, "Two"},      // several keys, converted
				{`Single=@`, "Single"},           // a singleton
				{`root:Mid.Name="alpha"`, "Mid"}, // the namespace in the path is the caller's business
			} {
				i, err := tx.GetInstance("root", path(t, tc.path))
				if err != nil {
					t.Errorf("GetInstance(%s): %v", tc.path, err)
					continue
				}
				if i.ClassName() != tc.class || i.Namespace != "root" {
					t.Errorf("GetInstance(%s) = %s in %q", tc.path, i.ClassName(), i.Namespace)
				}
			}
			i, _ := tx.GetInstance("root", path(t, `Mid.Name="alpha"`))
			if !i.Value("Size").Equal(cim.Uint32(2)) || i.Value("Name").String() != "alpha" {
				t.Errorf("update lost: %v", i)
			}
			for _, tc := range []struct {
				path string
				code status.Code
			}{
				{`Leaf.Name="alpha"`, status.NotFound}, // a subclass's path does not find the parent's instance
				{`Other.Name="leaf1"`, status.NotFound},
				{`Mid.Name="nope"`, status.NotFound},
				{`Nope.Name="x"`, status.NotFound},
				{`Mid.Nope="x"`, status.InvalidObjectPath},
				{`Mid`, status.InvalidObjectPath},
				{`Mid=@`, status.InvalidObjectPath},
				{`Two.A="x"`, status.InvalidObjectPath},
				{`Num.Id="abc"`, status.InvalidObjectPath},
				{`Single.V=1`, status.InvalidObjectPath},
			} {
				_, err := tx.GetInstance("root", path(t, tc.path))
				if status.CodeOf(err) != tc.code {
					t.Errorf("GetInstance(%s): %v, want %v", tc.path, err, tc.code)
				}
			}
			// Enumeration, shallow and deep.
			if got := collect(t, tx, "root", "Mid", false); !slices.Equal(got, []string{`Mid.Name="alpha"`}) {
				t.Errorf("shallow Mid: %v", got)
			}
			if got := collect(t, tx, "root", "Base", true); !slices.Equal(got, []string{`Mid.Name="alpha"`, `Leaf.Name="leaf1"`, `Other.Name="o"`}) {
				t.Errorf("deep Base: %v", got)
			}
			if got := collect(t, tx, "root", "Base", false); len(got) != 0 {
				t.Errorf("shallow Base: %v", got)
			}
			err := tx.Instances("root", "Nope", true, func(*cim.Instance) error { return nil })
			wantCode(t, err, status.InvalidClass)
			stop := errors.New("stop")
			n := 0
			err = tx.Instances("root", "Base", true, func(*cim.Instance) error { n++; return stop })
			if err != stop || n != 1 {
				t.Errorf("fn's error: %v after %d", err, n)
			}
			return nil
		})
		update(t, s, func(tx Tx) error {
			wantCode(t, tx.DeleteInstance("root", path(t, `Nope.Name="x"`)), status.InvalidClass)
			wantCode(t, tx.DeleteInstance("root", path(t, `Leaf.Name="alpha"`)), status.NotFound)
			wantCode(t, tx.DeleteInstance("root", path(t, `Mid.Bad="alpha"`)), status.InvalidObjectPath)
			noErr(t, tx.DeleteInstance("root", path(t, `Base.Name="LEAF1"`)))
			wantCode(t, tx.DeleteInstance("root", path(t, `Leaf.Name="leaf1"`)), status.NotFound)
			noErr(t, tx.DeleteInstance("root", path(t, `Num="5"`)))
			noErr(t, tx.DeleteInstance("root", path(t, `Single=@`)))
			if got := collect(t, tx, "root", "Base", true); !slices.Equal(got, []string{`Mid.Name="alpha"`, `Other.Name="o"`}) {
				t.Errorf("after delete: %v", got)
			}
			return nil
		})
	})
}
