package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers"
	"github.com/gowmi/gowmi/providers/internal/ptest"
	"github.com/gowmi/gowmi/providers/registry"
	"github.com/gowmi/gowmi/repository"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const hklm = uint32(registry.HKEY_LOCAL_MACHINE)

// step is one call of a StdRegProv method and what it returns.
type step struct {
	method string
	args   []any
	rv     uint32
	out    map[string]string // output parameters, as Value.String shows them
}

func run(t *testing.T, env *ptest.Env, steps []step) {
	t.Helper()
	for i, s := range steps {
		out := env.Exec(t, "StdRegProv", s.method, s.args...)
		if rv := ptest.ReturnValue(t, out); rv != s.rv {
			t.Errorf("step %d: %s(%v) = %d, want %d", i, s.method, s.args, rv, s.rv)
			continue
		}
		for k, want := range s.out {
			if got := out.Value(k).String(); got != want {
				t.Errorf("step %d: %s(%v): %s = %s, want %s", i, s.method, s.args, k, got, want)
			}
		}
	}
}

func newEnv(t *testing.T, ns string) *ptest.Env {
	return ptest.New(t, ns, registry.Register, ptest.Package(t, "registry"))
}

func TestMethods(t *testing.T) {
	for _, ns := range []string{`root\default`, `root\cimv2`} {
		t.Run(ns, func(t *testing.T) {
			env := newEnv(t, ns)
			k := `SOFTWARE\Gowmi\Test`
			os.Setenv("GOWMI_REG_TEST", "expanded")
			defer os.Unsetenv("GOWMI_REG_TEST")
			run(t, env, []step{
				{"GetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "x"}, registry.FileNotFound, nil},
				{"SetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "x", "sValue", "v"}, registry.FileNotFound, nil},
				{"CreateKey", []any{"hDefKey", hklm, "sSubKeyName", k}, 0, nil},
				{"CreateKey", []any{"hDefKey", hklm, "sSubKeyName", k}, 0, nil}, // exists: fine
				{"EnumKey", []any{"hDefKey", hklm, "sSubKeyName", `software\GOWMI`}, 0, map[string]string{"sNames": "{Test}"}},
				{"EnumKey", []any{"hDefKey", hklm, "sSubKeyName", k}, 0, map[string]string{"sNames": "NULL"}},
				{"GetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "x"}, registry.ValueNotFound, map[string]string{"sValue": "NULL"}},
				{"SetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Str", "sValue", "hello world"}, 0, nil},
				{"GetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "str"}, 0, map[string]string{"sValue": "hello world"}},
				{"SetExpandedStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Exp", "sValue", "a %GOWMI_REG_TEST% %NOPE%"}, 0, nil},
				{"GetExpandedStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Exp"}, 0, map[string]string{"sValue": "a expanded %NOPE%"}},
				{"GetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Exp"}, 0, map[string]string{"sValue": "a %GOWMI_REG_TEST% %NOPE%"}},
				{"SetMultiStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Multi", "sValue", []string{"a", "b c"}}, 0, nil},
				{"GetMultiStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Multi"}, 0, map[string]string{"sValue": "{a, b c}"}},
				{"SetDWORDValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Dw", "uValue", uint32(4294967295)}, 0, nil},
				{"GetDWORDValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Dw"}, 0, map[string]string{"uValue": "4294967295"}},
				{"SetQWORDValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Qw", "uValue", uint64(1) << 40}, 0, nil},
				{"GetQWORDValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Qw"}, 0, map[string]string{"uValue": "1099511627776"}},
				{"SetBinaryValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Bin", "uValue", []uint8{0, 1, 255}}, 0, nil},
				{"GetBinaryValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Bin"}, 0, map[string]string{"uValue": "{0, 1, 255}"}},
				{"GetDWORDValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Str"}, registry.TypeMismatch, nil},
				{"GetBinaryValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Qw"}, registry.TypeMismatch, nil},
				{"SetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValue", "the default"}, 0, nil}, // sValueName NULL: the default value
				{"GetStringValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", ""}, 0, map[string]string{"sValue": "the default"}},
				{"EnumValues", []any{"hDefKey", hklm, "sSubKeyName", k}, 0, map[string]string{
					"sNames": "{, Bin, Dw, Exp, Multi, Qw, Str}", "Types": "{1, 3, 4, 2, 7, 11, 1}"}},
				{"CheckAccess", []any{"hDefKey", hklm, "sSubKeyName", k, "uRequired", uint32(1)}, 0, map[string]string{"bGranted": "TRUE"}},
				{"CheckAccess", []any{"hDefKey", hklm, "sSubKeyName", k + `\nope`}, registry.FileNotFound, nil},
				{"DeleteValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Dw"}, 0, nil},
				{"DeleteValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Dw"}, registry.FileNotFound, nil},
				{"GetDWORDValue", []any{"hDefKey", hklm, "sSubKeyName", k, "sValueName", "Dw"}, registry.ValueNotFound, nil},
				{"DeleteKey", []any{"hDefKey", hklm, "sSubKeyName", `SOFTWARE\Gowmi`}, registry.AccessDenied, nil}, // has a subkey
				{"DeleteKey", []any{"hDefKey", hklm, "sSubKeyName", k}, 0, nil},
				{"DeleteKey", []any{"hDefKey", hklm, "sSubKeyName", k}, registry.FileNotFound, nil},
				{"DeleteKey", []any{"hDefKey", hklm, "sSubKeyName", `SOFTWARE\Gowmi`}, 0, nil},
				{"DeleteKey", []any{"hDefKey", hklm, "sSubKeyName", ""}, registry.AccessDenied, nil}, // a hive
				{"EnumKey", []any{"hDefKey", hklm, "sSubKeyName", `SOFTWARE`}, 0, map[string]string{"sNames": "NULL"}},
				{"EnumKey", []any{"hDefKey", uint32(0x80000009), "sSubKeyName", ""}, registry.InvalidParameter, nil},
			})
		})
	}
}

// TestHives checks the linked hives and the default hDefKey.
func TestHives(t *testing.T) {
	env := newEnv(t, "")
	run(t, env, []step{
		{"CreateKey", []any{"hDefKey", uint32(registry.HKEY_CLASSES_ROOT), "sSubKeyName", `.gowmi`}, 0, nil},
		{"EnumKey", []any{"sSubKeyName", `SOFTWARE\Classes`}, 0, map[string]string{"sNames": "{.gowmi}"}}, // hDefKey defaults to HKLM
		{"CreateKey", []any{"hDefKey", uint32(registry.HKEY_CURRENT_USER), "sSubKeyName", `Environment`}, 0, nil},
		{"EnumKey", []any{"hDefKey", uint32(registry.HKEY_USERS), "sSubKeyName", ""}, 0, map[string]string{"sNames": "{.DEFAULT}"}},
		{"EnumKey", []any{"hDefKey", uint32(registry.HKEY_USERS), "sSubKeyName", ".default"}, 0, map[string]string{"sNames": "{Environment}"}},
		{"SetDWORDValue", []any{"hDefKey", uint32(registry.HKEY_CURRENT_CONFIG), "sSubKeyName", "", "sValueName", "Profile"}, 0, nil}, // uValue defaults to 3, as on Windows
		{"GetDWORDValue", []any{"hDefKey", hklm, "sSubKeyName", `SYSTEM\CurrentControlSet\Hardware Profiles\Current`, "sValueName", "profile"}, 0,
			map[string]string{"uValue": "3"}},
	})
}

// TestDurable writes a value into a repository file, closes it, opens it
// again and reads the value back.
func TestDurable(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "repo.db")
	session := func(fn func(env *ptest.Env)) {
		store, err := repository.Open(file, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := providers.InstallPackages(ctx, store, ptest.Package(t, "registry")); err != nil {
			t.Fatal(err)
		}
		om := cimom.New(store, &cimom.Options{Server: "TESTHOST"})
		if err := registry.Register(om); err != nil {
			t.Fatal(err)
		}
		svc, err := om.Connect(ctx, `root\default`, nil)
		if err != nil {
			t.Fatal(err)
		}
		fn(&ptest.Env{OM: om, Svc: svc})
		svc.Close()
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := om.Shutdown(sctx); err != nil {
			t.Fatal(err)
		}
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
	}
	session(func(env *ptest.Env) {
		run(t, env, []step{
			{"CreateKey", []any{"sSubKeyName", `SOFTWARE\Durable`}, 0, nil},
			{"SetStringValue", []any{"sSubKeyName", `SOFTWARE\Durable`, "sValueName", "v", "sValue", "kept"}, 0, nil},
		})
	})
	session(func(env *ptest.Env) {
		run(t, env, []step{
			{"GetStringValue", []any{"sSubKeyName", `SOFTWARE\Durable`, "sValueName", "v"}, 0, map[string]string{"sValue": "kept"}},
		})
	})
}
