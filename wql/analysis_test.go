package wql

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/cim"
)

func mustParse(t testing.TB, q string) Statement {
	t.Helper()
	st, err := Parse(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return st
}

func TestClasses(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{`SELECT * FROM Win32_Process`, "Win32_Process"},
		{`SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA "Win32_Process" OR TargetInstance ISA "win32_process" OR NOT TargetInstance ISA "Win32_Service"`, "__InstanceCreationEvent,Win32_Process,Win32_Service"},
		{`SELECT * FROM meta_class`, ""},
		{`SELECT * FROM meta_class WHERE __this ISA "CIM_Processor"`, "CIM_Processor"},
		{`SELECT * FROM meta_class WHERE __Class = "Win32_LogicalDisk" OR __SUPERCLASS = Cim_DataFile OR __CLASS LIKE "x%"`, "Win32_LogicalDisk,Cim_DataFile"},
		{`ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"} WHERE AssocClass = Win32_LogicalDiskToPartition ResultClass = Win32_DiskPartition`, "Win32_LogicalDisk,Win32_LogicalDiskToPartition,Win32_DiskPartition"},
		{`ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"}`, "Win32_LogicalDisk"},
		{`REFERENCES OF {Adapter="AHA-294X"} WHERE ResultClass = AdapterDriver`, "Adapter,AdapterDriver"},
	} {
		if got := strings.Join(mustParse(t, tc.q).Classes(), ","); got != tc.want {
			t.Errorf("%s: Classes() = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestTargetClasses(t *testing.T) {
	s := mustParse(t, `SELECT * FROM __InstanceModificationEvent WITHIN 5 WHERE (TargetInstance ISA "Win32_Service" OR TargetInstance ISA 'Win32_Process') AND NOT TargetInstance ISA "Win32_Foo" AND PreviousInstance ISA "Win32_Bar"`).(*Select)
	if got := strings.Join(s.TargetClasses(), ","); got != "Win32_Service,Win32_Process" {
		t.Errorf("TargetClasses() = %q", got)
	}
	if got := strings.Join(s.ISAClasses("previousinstance"), ","); got != "Win32_Bar" {
		t.Errorf("ISAClasses(PreviousInstance) = %q", got)
	}
	if got := mustParse(t, `SELECT * FROM __InstanceCreationEvent`).(*Select).TargetClasses(); got != nil {
		t.Errorf("no ISA: %q", got)
	}
}

func TestRequiredProperties(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{`SELECT * FROM C WHERE a = 1`, "<nil>"},
		{`SELECT a, b FROM C`, "a,b"},
		{`SELECT a, __PATH FROM C WHERE b = 1 AND (A = 2 OR c = d) AND e.f IS NULL AND __CLASS = "x"`, "a,b,c,d,e"},
		{`SELECT __RELPATH FROM C`, ""},
		{`SELECT TargetInstance.Name FROM E GROUP WITHIN 5 BY TargetInstance.Handle, Sender`, "TargetInstance,Sender"},
	} {
		got := mustParse(t, tc.q).(*Select).RequiredProperties()
		s := strings.Join(got, ",")
		if got == nil {
			s = "<nil>"
		}
		if s != tc.want {
			t.Errorf("%s: RequiredProperties() = %q, want %q", tc.q, s, tc.want)
		}
	}
}

// processClass is Win32_Process with its string key Handle; keyedClass has
// two keys of other types.
func processClass(t testing.TB) (*cim.Class, *cim.Class) {
	p := cim.NewClass("Win32_Process", nil)
	p.Properties = []*cim.Property{
		{Name: "Handle", Type: cim.TypeString, Qualifiers: keyQual},
		{Name: "Name", Type: cim.TypeString},
		{Name: "ProcessId", Type: cim.TypeUint32},
	}
	k := cim.NewClass("Two_Keys", nil)
	k.Properties = []*cim.Property{
		{Name: "Id", Type: cim.TypeUint32, Qualifiers: keyQual},
		{Name: "Zone", Type: cim.TypeString, Qualifiers: keyQual},
		{Name: "Value", Type: cim.TypeSint64},
	}
	for _, c := range []*cim.Class{p, k} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	return p, k
}

// keySets prints key sets in a stable order.
func keySets(sets []map[string]cim.Value) string {
	if sets == nil {
		return "<nil>"
	}
	var out []string
	for _, m := range sets {
		var kv []string
		for k, v := range m {
			kv = append(kv, fmt.Sprintf("%s=%s:%s", k, v.Type(), v))
		}
		sort.Strings(kv)
		out = append(out, "{"+strings.Join(kv, " ")+"}")
	}
	return strings.Join(out, " ")
}

func TestPinnedKeys(t *testing.T) {
	proc, two := processClass(t)
	for _, tc := range []struct {
		class *cim.Class
		where string
		want  string
	}{
		{proc, `Handle = "4"`, `{Handle=string:4}`},
		{proc, `"4" = Handle`, `{Handle=string:4}`},
		{proc, `handle = 4`, `{Handle=string:4}`},
		{proc, `Handle = "4" AND Name = "x"`, `{Handle=string:4}`},
		{proc, `Name = "x" AND Handle = "4"`, `{Handle=string:4}`},
		{proc, `Handle = "4" OR Handle = "8"`, `{Handle=string:4} {Handle=string:8}`},
		{proc, `Handle = "4" OR Handle = "4"`, `{Handle=string:4}`},
		{proc, `(Handle = "4" OR Handle = "8") AND ProcessId > 3`, `{Handle=string:4} {Handle=string:8}`},
		{proc, `Handle = "4" OR Name = "x"`, `<nil>`},
		{proc, `Handle <> "4"`, `<nil>`},
		{proc, `NOT Handle = "4"`, `<nil>`},
		{proc, `Handle > "4"`, `<nil>`},
		{proc, `Handle LIKE "4"`, `<nil>`},
		{proc, `Handle IS NULL`, `<nil>`},
		{proc, `Name = "x"`, `<nil>`},
		{proc, `Handle = Name`, `<nil>`},
		{proc, `Handle = "4" AND Handle = "8"`, ``},
		{proc, `Handle = "ab" AND Handle = "AB"`, `{Handle=string:ab}`},
		{proc, `__RELPATH = "Win32_Process.Handle=\"12\""`, `{Handle=string:12}`},
		{proc, `__PATH = "\\\\.\\root\\cimv2:Win32_Process.Handle=\"12\""`, `{Handle=string:12}`},
		{proc, `__RELPATH = "Win32_Service.Name=\"x\""`, `<nil>`},
		{two, `Id = 1 AND Zone = "a"`, `{Id=uint32:1 Zone=string:a}`},
		{two, `Id = "1" AND Zone = "a"`, `{Id=uint32:1 Zone=string:a}`},
		{two, `Id = 1`, `<nil>`},
		{two, `(Id = 1 OR Id = 2) AND (Zone = "a" OR Zone = "b")`, `{Id=uint32:1 Zone=string:a} {Id=uint32:1 Zone=string:b} {Id=uint32:2 Zone=string:a} {Id=uint32:2 Zone=string:b}`},
		{two, `Id = 1 AND Zone = "a" OR Id = 2 AND Zone = "b"`, `{Id=uint32:1 Zone=string:a} {Id=uint32:2 Zone=string:b}`},
		{two, `Id = 1 AND Zone = "a" OR Id = 2`, `<nil>`},
		{two, `Id = -1 AND Zone = "a"`, ``},
		{two, `Id = "abc" AND Zone = "a"`, ``},
		{two, `Id = 1 AND Id = 1.0 AND Zone = "a"`, `{Id=uint32:1 Zone=string:a}`},
	} {
		s := mustParse(t, "SELECT * FROM "+tc.class.Name+" WHERE "+tc.where).(*Select)
		got := s.PinnedKeys(tc.class)
		if keySets(got) != tc.want {
			t.Errorf("%s: PinnedKeys() = %s, want %s", tc.where, keySets(got), tc.want)
		}
	}
	s := mustParse(t, `SELECT * FROM Win32_Process`).(*Select)
	if s.PinnedKeys(proc) != nil || s.PinnedKeys(nil) != nil {
		t.Error("no WHERE pins nothing")
	}
	// Past MaxPinned, an OR is not pinned and an AND keeps one side.
	terms := make([]string, MaxPinned+1)
	for i := range terms {
		terms[i] = fmt.Sprintf("Handle = \"%d\"", i)
	}
	s = mustParse(t, "SELECT * FROM Win32_Process WHERE "+strings.Join(terms, " OR ")).(*Select)
	if s.PinnedKeys(proc) != nil {
		t.Error("too many key sets")
	}
	ids := make([]string, 20)
	zones := make([]string, 20)
	for i := range ids {
		ids[i] = fmt.Sprintf("Id = %d", i)
		zones[i] = fmt.Sprintf("Zone = \"%d\"", i)
	}
	s = mustParse(t, "SELECT * FROM Two_Keys WHERE ("+strings.Join(ids, " OR ")+") AND ("+strings.Join(zones, " OR ")+")").(*Select)
	if got := s.PinnedKeys(two); got != nil {
		t.Errorf("a product past MaxPinned pins only one key: %d sets", len(got))
	}
}

func TestKeysOnly(t *testing.T) {
	proc, _ := processClass(t)
	for q, want := range map[string]bool{
		`SELECT * FROM Win32_Process`:                               false,
		`SELECT Handle FROM Win32_Process`:                          true,
		`SELECT __RELPATH FROM Win32_Process`:                       true,
		`SELECT __PATH, handle FROM Win32_Process WHERE Handle > 4`: true,
		`SELECT Handle FROM Win32_Process WHERE Name = "x"`:         false,
		`SELECT Handle, Name FROM Win32_Process`:                    false,
	} {
		if got := mustParse(t, q).(*Select).KeysOnly(proc); got != want {
			t.Errorf("%s: KeysOnly() = %v", q, got)
		}
	}
	if mustParse(t, `SELECT Handle FROM Win32_Process`).(*Select).KeysOnly(nil) {
		t.Error("KeysOnly(nil)")
	}
}
