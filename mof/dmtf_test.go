package mof

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
)

// The DMTF CIM Schema, beside the repository (shared/cim-schema next to
// main/).
const (
	dmtfDir  = "../../shared/cim-schema"
	dmtfRoot = "cim_schema_2.41.0.mof"
)

func dmtfFS(t testing.TB) fs.FS {
	t.Helper()
	if _, err := os.Stat(dmtfDir + "/" + dmtfRoot); err != nil {
		t.Skipf("the DMTF schema is not at %s: %v", dmtfDir, err)
	}
	return os.DirFS(dmtfDir)
}

// dmtfOptions are the options the DMTF schema compiles with.
var dmtfOptions = Options{Namespace: `root\cimv2`, AbstractUnderConcrete: true, RequireDeclarations: true}

// scanClassNames finds class declarations with a scanner independent of the
// compiler: it blanks comments and string literals, then matches
// "class Name" followed by ':' or '{'.
func scanClassNames(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	re := regexp.MustCompile(`(?i)\bclass\s+([A-Za-z_][A-Za-z0-9_]*)\s*[:{]`)
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(strings.ToLower(p), ".mof") {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		b := []byte(string(data))
		for i := 0; i < len(b); i++ {
			switch {
			case b[i] == '"':
				for i++; i < len(b) && b[i] != '"'; i++ {
					if b[i] == '\\' {
						b[i] = ' '
						i++
					}
					b[i] = ' '
				}
			case b[i] == '/' && i+1 < len(b) && b[i+1] == '/':
				for ; i < len(b) && b[i] != '\n'; i++ {
					b[i] = ' '
				}
			case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
				for ; i+1 < len(b) && !(b[i] == '*' && b[i+1] == '/'); i++ {
					b[i] = ' '
				}
			}
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			names = append(names, strings.ToLower(string(m[1])))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// The whole DMTF CIM Schema compiles without an error, with a declaration
// for every qualifier it uses, and every class declared is compiled.
func TestCompileDMTF(t *testing.T) {
	fsys := dmtfFS(t)
	start := time.Now()
	u, err := Compile(fsys, []string{dmtfRoot}, dmtfOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d classes, %d qualifier declarations, %d operations in %v", u.Classes, u.Qualifiers, len(u.Ops), time.Since(start))

	declared := scanClassNames(t, fsys)
	var compiled []string
	for _, op := range u.Ops {
		if op.Kind == OpPutClass {
			compiled = append(compiled, strings.ToLower(op.Class.Name))
			if err := op.Class.Validate(); err != nil {
				t.Errorf("class %s: %v", op.Class.Name, err)
			}
		}
	}
	slices.Sort(compiled)
	if u.Classes != len(declared) || !slices.Equal(compiled, declared) {
		t.Errorf("compiled %d classes (%d operations), the files declare %d", u.Classes, len(compiled), len(declared))
	}
	if len(declared) != 1438 {
		t.Errorf("the scan finds %d class declarations; CIM Schema 2.41 has 1438", len(declared))
	}
	if u.Qualifiers != 70 {
		t.Errorf("%d qualifier declarations, want 70", u.Qualifiers)
	}
	// The two classes that are abstract under a concrete class.
	if len(u.Warnings) != 2 || !strings.Contains(u.Warnings[0], "CIM_PolicyInSystem") || !strings.Contains(u.Warnings[1], "CIM_PolicySetInSystem") {
		t.Errorf("warnings %q", u.Warnings)
	}

	// The unit applies to a repository, and what it stores is linked.
	target := newMemTarget()
	if err := u.Apply(target); err != nil {
		t.Fatal(err)
	}
	if len(target.classes) != 1438 || len(target.decls) != 70 {
		t.Errorf("%d classes and %d declarations stored", len(target.classes), len(target.decls))
	}
	cs := target.classes[mkey(`root\cimv2`, "CIM_ComputerSystem")]
	if cs == nil || !cs.InheritsFrom("CIM_ManagedElement") || len(cs.Keys()) != 2 {
		t.Errorf("CIM_ComputerSystem: %v", cs)
	}
	if c := target.classes[mkey(`root\cimv2`, "CIM_Component")]; c == nil || !c.IsAssociation() || !c.IsAbstract() {
		t.Error("CIM_Component is not an abstract association")
	}
	if c := target.classes[mkey(`root\cimv2`, "CIM_InstModification")]; c == nil || !c.IsIndication() {
		t.Error("CIM_InstModification is not an indication")
	}
	// DSP0004 embedded instances are embedded-object properties.
	if p := target.classes[mkey(`root\cimv2`, "CIM_InstModification")].Property("SourceInstance"); p == nil || p.Type != cim.TypeObject {
		t.Errorf("SourceInstance: %+v", p)
	}
}

// The DMTF schema also compiles as Microsoft's mofcomp sees it, with
// implicit declarations beside the file's own.
func TestCompileDMTFImplicit(t *testing.T) {
	opts := dmtfOptions
	opts.RequireDeclarations = false
	u, err := Compile(dmtfFS(t), []string{dmtfRoot}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if u.Classes != 1438 {
		t.Errorf("%d classes", u.Classes)
	}
}

// The MOF text of every compiled class (cim's Class.MOF) compiles back to
// an identical class.
func TestRoundTripDMTF(t *testing.T) {
	u, err := Compile(dmtfFS(t), []string{dmtfRoot}, dmtfOptions)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, u, dmtfOptions)
}

// BenchmarkCompileDMTF compiles the whole DMTF CIM Schema 2.41: 1441
// files, 1438 classes.
func BenchmarkCompileDMTF(b *testing.B) {
	fsys := dmtfFS(b)
	// Read the files once, so that the benchmark measures the compiler.
	mem := cachedFS(b, fsys)
	b.ReportAllocs()
	for b.Loop() {
		u, err := Compile(mem, []string{dmtfRoot}, dmtfOptions)
		if err != nil || u.Classes != 1438 {
			b.Fatal(u, err)
		}
	}
}

// BenchmarkCompileDMTFFromDisk reads the files from disk on every compile.
func BenchmarkCompileDMTFFromDisk(b *testing.B) {
	fsys := dmtfFS(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(fsys, []string{dmtfRoot}, dmtfOptions); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseDMTF parses the schema without compiling it.
func BenchmarkParseDMTF(b *testing.B) {
	mem := cachedFS(b, dmtfFS(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(mem, dmtfRoot); err != nil {
			b.Fatal(err)
		}
	}
}
