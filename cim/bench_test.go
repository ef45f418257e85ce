package cim

import (
	"strconv"
	"testing"
)

// benchClass returns a class with ten properties of assorted types under a
// keyed superclass.
func benchClass() *Class {
	base := NewClass("Gowmi_BenchBase", nil)
	base.Properties = []*Property{
		{Name: "DeviceID", Type: TypeString, Qualifiers: Qualifiers{keyQ}},
		{Name: "Caption", Type: TypeString, Value: String("bench")},
		{Name: "Status", Type: TypeString},
	}
	c := NewClass("Gowmi_Bench", base)
	c.Properties = []*Property{
		{Name: "Size", Type: TypeUint64, Value: Uint64(1 << 40)},
		{Name: "FreeSpace", Type: TypeUint64},
		{Name: "DriveType", Type: TypeUint32, Value: Uint32(3)},
		{Name: "Compressed", Type: TypeBoolean, Value: Boolean(false)},
		{Name: "BlockSize", Type: TypeUint64},
		{Name: "InstallDate", Type: TypeDateTime},
		{Name: "Flags", Type: TypeUint16 | TypeArray},
	}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}

func BenchmarkPropertyGet(b *testing.B) {
	inst := benchClass().MustSpawn()
	for _, bc := range []struct{ name, prop string }{
		{"ExactCase", "DriveType"},
		{"LowerCase", "drivetype"},
		{"MixedCase", "DRIVEtype"},
		{"Inherited", "Caption"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := inst.Get(bc.prop); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("SystemProperty", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inst.Get("__CLASS"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPropertyGetAt(b *testing.B) {
	inst := benchClass().MustSpawn()
	idx := inst.PropertyIndex("DriveType")
	b.ReportAllocs()
	for b.Loop() {
		_ = inst.At(idx)
	}
}

func BenchmarkPropertyPut(b *testing.B) {
	inst := benchClass().MustSpawn()
	for _, bc := range []struct {
		name, prop string
		v          Value
	}{
		{"SameType", "DriveType", Uint32(4)},
		{"Converting", "DriveType", Sint32(4)},
		{"StringToUint64", "Size", String("1099511627776")},
		{"String", "Status", String("OK")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := inst.Put(bc.prop, bc.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSpawnInstance(b *testing.B) {
	c := benchClass()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SpawnInstance(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassLayout(b *testing.B) {
	c := benchClass()
	b.ReportAllocs()
	for b.Loop() {
		c.Changed() // drop the computed view (the parent keeps its own)
		if err := c.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassLayoutDeep(b *testing.B) {
	// A chain of five classes, all recomputed.
	var chain []*Class
	var parent *Class
	for i := range 5 {
		c := NewClass("Gowmi_Level"+strconv.Itoa(i), parent)
		c.Properties = []*Property{{Name: "P" + strconv.Itoa(i), Type: TypeUint32, Qualifiers: Qualifiers{{Name: "Description", Value: String("d"), Flavor: FlavorToSubclass}}}}
		chain = append(chain, c)
		parent = c
	}
	leaf := chain[len(chain)-1]
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range chain {
			c.Changed()
		}
		if err := leaf.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
