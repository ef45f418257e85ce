package mof

import (
	"errors"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

var fuzzSeeds = []string{
	`class A { [key] string K; uint32 N = 5; A ref R; };
instance of A as $a { K = "a"; N = 0x10; R = $a; };`,
	`#pragma namespace("\\\\.\\root\\x")
Qualifier Q : string[] = {"a"}, Scope(class, property), Flavor(DisableOverride, ToSubclass);
[Q{"b"} : Amended, Description("d" "e")] class B { real64 R[] = {1.5, -2e3}; char16 C = '\n'; };`,
	`[Association] class L { [Key] object ref A; [Key] object ref B; };
class E { string S; }; class H { [key] uint32 I; E O[]; };
instance of H { I = 1; O = {instance of E { S = "x"; }}; };`,
	`#pragma classflags("updateonly", "forceupdate")
#pragma instanceflags("createonly")
#pragma deleteclass("X", NOFAIL)
#pragma amendment("MS_409")
class C { void M([In, Out] uint8 D[], [Out] C ref R); datetime T = "20240101000000.000000+000"; };`,
	"class D : C { sint64 X = -9223372036854775808; uint8 F[4]; boolean B = TRUE; string N = NULL; };",
	"association Assoc { object ref A; }; indication Ind { uint64 T = 1010b; };",
}

// FuzzParse feeds arbitrary text to the parser and the compiler: they must
// not panic, and every failure must be a *status.Error with a WBEMMOF_E_* or
// WBEM_E_* code and, for an error in the text, its position.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, tc := range errorCases {
		f.Add(strings.Replace(tc.src, "@", "", 1))
	}
	opts := Options{Limits: Limits{MaxFileSize: 1 << 20, MaxNesting: 16}}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 8<<10 {
			return // larger inputs find nothing more and slow minimization
		}
		_, perr := ParseString(src, opts)
		checkFuzzError(t, perr)
		u, cerr := CompileString(src, opts)
		checkFuzzError(t, cerr)
		if perr != nil && cerr == nil {
			t.Fatalf("the parser fails (%v) but the compiler does not", perr)
		}
		if cerr == nil && u == nil {
			t.Fatal("no unit and no error")
		}
	})
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var se *status.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a *status.Error: %v", err, err)
	}
	if !se.Code.Failed() || !se.Code.Known() {
		t.Fatalf("error code %s: %v", se.Code, err)
	}
	if se.Code&0xFFFFF000 == 0x80044000 && !strings.HasPrefix(se.Description, stringFileName+":") {
		t.Fatalf("MOF error without a position: %v", err)
	}
}
