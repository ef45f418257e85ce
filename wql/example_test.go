package wql_test

import (
	"errors"
	"fmt"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

func ExampleParse() {
	st, err := wql.Parse(`select * from __InstanceCreationEvent within 5 where TargetInstance isa 'Win32_Process' and 'notepad.exe' = TargetInstance.Name`)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := st.(*wql.Select)
	fmt.Println(s)
	fmt.Println(s.Kind, s.Within, s.TargetClasses())

	_, err = wql.Parse(`SELECT * FROM Win32_Process WHERE Name = "C:\Windows"`)
	var se *wql.SyntaxError
	fmt.Println(status.CodeOf(err).Name(), errors.As(err, &se), se.Offset)
	// Output:
	// SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA "Win32_Process" AND TargetInstance.Name = "notepad.exe"
	// event 5s [Win32_Process]
	// WBEM_E_INVALID_QUERY true 44
}

func ExampleCompile() {
	// A class and an instance, as a provider returns them.
	class := cim.NewClass("Win32_Process", nil)
	class.Properties = []*cim.Property{
		{Name: "Handle", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}},
		{Name: "Name", Type: cim.TypeString},
		{Name: "WorkingSetSize", Type: cim.TypeUint64},
	}
	proc := class.MustSpawn().
		MustPut("Handle", cim.String("4242")).
		MustPut("Name", cim.String("Notepad.exe")).
		MustPut("WorkingSetSize", cim.Uint64(150<<20))

	st, err := wql.Parse(`SELECT Name FROM Win32_Process WHERE Name LIKE "note%" AND WorkingSetSize > "104857600"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	q, err := wql.Compile(st.(*wql.Select), class)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Match(proc))

	res, _ := q.Project(proc)
	name, _ := res.Get("Name")
	path, _ := res.Get("__PATH")
	count, _ := res.Get("__PROPERTY_COUNT")
	fmt.Println(name, path, count)
	// Output:
	// true
	// Notepad.exe NULL 1
}

func ExampleSelect_PinnedKeys() {
	class := cim.NewClass("Win32_Service", nil)
	class.Properties = []*cim.Property{
		{Name: "Name", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}},
		{Name: "State", Type: cim.TypeString},
	}
	st, _ := wql.Parse(`SELECT * FROM Win32_Service WHERE (Name = "Spooler" OR Name = "W32Time") AND State = "Running"`)
	for _, keys := range st.(*wql.Select).PinnedKeys(class) {
		fmt.Println(keys["Name"])
	}
	// Output:
	// Spooler
	// W32Time
}
