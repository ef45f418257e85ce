package cim_test

import (
	"errors"
	"fmt"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Build an abstract class with a key, derive a concrete class from it, spawn
// an instance and print its system properties and its MOF text
// (IWbemClassObject::GetObjectText).
func Example() {
	key := cim.Qualifier{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}
	device := cim.NewClass("Gowmi_Device", nil)
	device.Namespace = `root\cimv2`
	device.Qualifiers = cim.Qualifiers{{Name: "Abstract", Value: cim.Boolean(true)}}
	device.Properties = []*cim.Property{{Name: "DeviceID", Type: cim.TypeString, Qualifiers: cim.Qualifiers{key}}}

	disk, err := device.SpawnDerivedClass("Gowmi_Disk")
	if err != nil {
		panic(err)
	}
	_ = disk.Put("Size", cim.Value{}, cim.TypeUint64)        // a new property without a default
	_ = disk.Put("Label", cim.String("Data"), cim.TypeEmpty) // one with a default

	inst, err := disk.SpawnInstance()
	if err != nil {
		panic(err)
	}
	inst.MustPut("DeviceID", cim.String("C:"))
	inst.MustPut("Size", cim.String("1024")) // 64-bit integers travel as strings

	for _, name := range []string{"__PATH", "__RELPATH", "__DERIVATION", "__PROPERTY_COUNT", "Label"} {
		v, _ := inst.Get(name)
		fmt.Printf("%s = %v\n", name, v)
	}
	origin, _ := disk.PropertyOrigin("DeviceID")
	fmt.Println("DeviceID comes from", origin)
	fmt.Print(inst.MOF())
	// Output:
	// __PATH = \\.\root\cimv2:Gowmi_Disk.DeviceID="C:"
	// __RELPATH = Gowmi_Disk.DeviceID="C:"
	// __DERIVATION = {Gowmi_Device}
	// __PROPERTY_COUNT = 3
	// Label = Data
	// DeviceID comes from Gowmi_Device
	//
	// instance of Gowmi_Disk
	// {
	// 	DeviceID = "C:";
	// 	Size = 1024;
	// };
}

// Values convert to a property's type the way IWbemClassObject::Put converts
// a VARIANT; what does not fit is WBEM_E_TYPE_MISMATCH.
func ExampleValue_Convert() {
	for _, c := range []struct {
		v cim.Value
		t cim.Type
	}{
		{cim.String("0xFFFFFFFFFFFFFFFF"), cim.TypeUint64},
		{cim.Sint32(-1), cim.TypeUint8},
		{cim.Real64(3), cim.TypeSint16},
		{cim.Real64(3.5), cim.TypeSint16},
		{cim.String("A"), cim.TypeChar16},
		{cim.String("19980401135809.000000+000"), cim.TypeDateTime},
		{cim.Strings("1", "2"), cim.TypeUint32.ArrayOf()},
		{cim.Null(cim.TypeString), cim.TypeBoolean},
	} {
		got, err := c.v.Convert(c.t)
		switch {
		case errors.Is(err, status.ErrTypeMismatch):
			fmt.Printf("%s %v to %s: type mismatch\n", c.v.Type(), c.v, c.t)
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Printf("%s %v to %s: %v\n", c.v.Type(), c.v, got.Type(), got)
		}
	}
	// Output:
	// string 0xFFFFFFFFFFFFFFFF to uint64: 18446744073709551615
	// sint32 -1 to uint8: type mismatch
	// real64 3 to sint16: 3
	// real64 3.5 to sint16: type mismatch
	// string A to char16: A
	// string 19980401135809.000000+000 to datetime: 19980401135809.000000+000
	// string[] {1, 2} to uint32[]: {1, 2}
	// string NULL to boolean: NULL
}
