package mof

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// roundTrip checks that the MOF text of every class a unit compiled
// (cim's Class.MOF) compiles back to an identical class (CompareTo with
// every flag off: names, qualifiers with their flavors, properties, default
// values, methods and parameters).
func roundTrip(t *testing.T, u *Unit, opts Options) {
	t.Helper()
	target := newMemTarget()
	if err := u.Apply(target); err != nil {
		t.Fatal(err)
	}
	n, failed := 0, 0
	for _, op := range u.Ops {
		if op.Kind != OpPutClass {
			continue
		}
		n++
		text := op.Class.MOF()
		o := opts
		o.Namespace = op.Namespace
		o.Schema = target
		o.Amendment = ""
		back, err := CompileString(text, o)
		if err != nil {
			failed++
			if failed <= 5 {
				t.Errorf("class %s: the MOF text does not compile: %v\n%s", op.Class.Name, err, text)
			}
			continue
		}
		var got *cim.Class
		for _, bop := range back.Ops {
			if bop.Kind == OpPutClass {
				got = bop.Class
			}
		}
		if got == nil || !got.CompareTo(op.Class, cim.CompareIncludeAll) {
			failed++
			if failed <= 5 {
				t.Errorf("class %s: its MOF text compiles to a different class\n%s\nback:\n%s", op.Class.Name, text, got.MOF())
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d classes do not round-trip", failed, n)
	}
	t.Logf("%d classes round-trip", n)
}

// cachedFS reads every file of fsys into memory.
func cachedFS(t testing.TB, fsys fs.FS) fs.FS {
	t.Helper()
	mem := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		mem[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mem
}

// A MOF with every kind of declaration round-trips too.
func TestRoundTripFeatures(t *testing.T) {
	opts := Options{Namespace: `root\test`}
	u := mustCompile(t, `
Qualifier Flag : boolean = false, Scope(any), Flavor(Restricted);
Qualifier Weight : real64 = 0.5, Scope(property);
class E { string S; };
[Abstract, Description("base\n\t\"quoted\"") : Amended, Flag, Values{"a", "b"}, Ratio(0.25), Big(-5000000000)]
class Base {
	[Key, MaxLen(64)] string Name;
	uint32 Count = 5;
	string Note = "n";
	real32 R = 1.5;
	real64 NotANumber = NaN;
	real64 Inf = -Inf;
	char16 C = '\x263A';
	datetime D = "20240102030405.000000+060";
	E Obj = instance of E { S = "x"; };
	object Objs[] = {instance of E { S = "y"; }, instance of E {}};
	[EmbeddedInstance("E")] string Dsp;
	E ref R1;
	object ref R2[] = {"E.S=\"z\""};
	uint8 Fixed[4] = {1, 2, 3, 4};
	[Weight(2)] sint64 W = -9223372036854775808;
	[Description("x") : ToInstance NotToSubclass DisableOverride] uint16 U;
	void Reset();
	[Static] E Make([In, ID(0)] string A, [Out, ID(1)] E B, [In, Out, ID(2)] uint32 C[]);
};
[Association : DisableOverride] class Link : Base {
	[Override("Count")] uint32 Count = 7;
	string Note = NULL;
	[Key] Base ref L;
};
`, opts)
	roundTrip(t, u, opts)
}

// The system classes of the schema package compile, all files together in
// their compile order, and round-trip.
func TestCompileSystemSchema(t *testing.T) {
	const dir = "../schema"
	paths, err := filepath.Glob(dir + "/*.mof")
	if err != nil || len(paths) == 0 {
		t.Skipf("no system schema in %s", dir)
	}
	// The order of schema.SystemMOF (each class after the classes it
	// names); files it does not know come last.
	order := []string{"system.mof", "subscription.mof", "events.mof", "root.mof", "cimom.mof", "consumers.mof"}
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	var files []string
	for _, p := range paths {
		files = append(files, filepath.Base(p))
	}
	slices.SortStableFunc(files, func(a, b string) int { return rank(a) - rank(b) })
	opts := Options{Namespace: `root`, SystemClasses: true}
	u, err := Compile(os.DirFS(dir), files, opts)
	if err != nil {
		t.Fatal(err)
	}
	if u.Classes < 50 {
		t.Errorf("only %d system classes", u.Classes)
	}
	t.Logf("%d system classes from %v", u.Classes, files)
	roundTrip(t, u, opts)
	// Without SystemClasses, "__" names are refused, as by mofcomp.
	_, err = Compile(os.DirFS(dir), files[:1], Options{})
	if status.CodeOf(err) != status.MOFInvalidClassDeclaration {
		t.Errorf("system classes without Options.SystemClasses: %v", err)
	}
}
