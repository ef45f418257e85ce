package mof

import (
	"testing"

	"github.com/gowmi/gowmi/cim"
)

// FuzzRoundTrip checks, for the classes and instances arbitrary text
// compiles to, that their MOF text (cim's Class.MOF and Instance.MOF)
// compiles back to identical objects.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	opts := Options{Limits: Limits{MaxFileSize: 1 << 20, MaxNesting: 16}}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4<<10 {
			return
		}
		u, err := CompileString(src, opts)
		if err != nil {
			return
		}
		target := newMemTarget()
		if err := u.Apply(target); err != nil {
			return
		}
		for _, op := range u.Ops {
			if op.Kind != OpPutClass {
				continue
			}
			o := opts
			o.Namespace, o.Schema = op.Namespace, target
			back, err := CompileString(op.Class.MOF(), o)
			if err != nil {
				t.Fatalf("class MOF does not compile: %v\n%s", err, op.Class.MOF())
			}
			for _, b := range back.Ops {
				if b.Kind == OpPutClass && !b.Class.CompareTo(op.Class, cim.CompareIncludeAll) {
					t.Fatalf("class differs:\n%s\n%s", op.Class.MOF(), b.Class.MOF())
				}
			}
		}
		for _, op := range u.Ops {
			if op.Kind != OpPutInstance {
				continue
			}
			o := opts
			o.Namespace, o.Schema = op.Namespace, target
			text := op.Instance.MOF()
			back, err := CompileString(text, o)
			if err != nil {
				t.Fatalf("instance MOF does not compile: %v\n%s", err, text)
			}
			if got := instances(back); len(got) != 1 || !got[0].CompareTo(op.Instance, cim.CompareIncludeAll) {
				t.Fatalf("instance differs:\n%s", text)
			}
		}
	})
}
