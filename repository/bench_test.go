package repository

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
)

// Benchmarks. Run them with
//
//	go test -run '^$' -bench . -benchmem ./repository/
//
// The bolt stores use NoSync except where the name says fsync.

// cpuTime returns the CPU time the process has used (all threads, GC
// included). On a loaded machine it is steadier than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter reports the CPU time per operation (or per unit) of a benchmark.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
}

func startCPU(b *testing.B) *cpuMeter { return &cpuMeter{b: b, start: cpuTime()} }

func (m *cpuMeter) report(perOp float64, unit string) {
	m.b.ReportMetric(float64(cpuTime()-m.start)/float64(m.b.N)/perOp, unit)
}

type benchStore struct {
	name string
	open func(b *testing.B) Store
}

var benchStores = []benchStore{
	{"memory", func(b *testing.B) Store { s := NewMemory(); b.Cleanup(func() { s.Close() }); return s }},
	{"bolt", func(b *testing.B) Store { return openBolt(b, true) }},
}

func openBolt(b *testing.B, noSync bool) Store {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), &Options{NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// benchSchema is Base (abstract, key Name) with Mid, Leaf (under Mid) and
// Other, each with a few properties of common types.
func benchSchema(b *testing.B, s Store) {
	props := func(extra ...*cim.Property) []*cim.Property {
		return append([]*cim.Property{kprop("Name", cim.TypeString)}, extra...)
	}
	putClasses(b, s, "root",
		newClass("Base", "", cim.Qualifiers{qAbstract}, props(prop("Caption", cim.TypeString), prop("Status", cim.TypeString))...),
		newClass("Mid", "Base", nil, prop("Size", cim.TypeUint64), prop("Count", cim.TypeUint32), prop("Flags", cim.TypeString.ArrayOf())),
		newClass("Leaf", "Mid", nil, prop("Extra", cim.TypeString), prop("Enabled", cim.TypeBoolean)),
		newClass("Other", "Base", nil, prop("When", cim.TypeDateTime)),
	)
}

var benchClasses = []string{"Mid", "Leaf", "Other"}

func benchInstance(c *cim.Class, i int) *cim.Instance {
	inst := c.MustSpawn()
	inst.MustPut("Name", cim.String(fmt.Sprintf("instance-%08d", i)))
	inst.MustPut("Caption", cim.String("a benchmark instance"))
	inst.MustPut("Status", cim.String("OK"))
	if c.Property("Size") != nil {
		inst.MustPut("Size", cim.Uint64(uint64(i)*4096))
		inst.MustPut("Count", cim.Uint32(uint32(i)))
		inst.MustPut("Flags", cim.Strings("a", "b"))
	}
	if c.Property("Extra") != nil {
		inst.MustPut("Extra", cim.String("leaf data"))
		inst.MustPut("Enabled", cim.Boolean(i%2 == 0))
	}
	if c.Property("When") != nil {
		v, _ := cim.ParseDateTimeValue("20240102030405.000000+000")
		inst.MustPut("When", v)
	}
	return inst
}

// populate writes n instances spread over the benchmark classes, in
// transactions of 5000.
func populate(b *testing.B, s Store, n int) {
	for start := 0; start < n; start += 5000 {
		update(b, s, func(tx Tx) error {
			var cs []*cim.Class
			for _, name := range benchClasses {
				c, err := tx.GetClass("root", name)
				if err != nil {
					return err
				}
				cs = append(cs, c)
			}
			for i := start; i < n && i < start+5000; i++ {
				if err := tx.PutInstance("root", benchInstance(cs[i%len(cs)], i), 0); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

func BenchmarkGetClass(b *testing.B) {
	for _, k := range benchStores {
		b.Run(k.name, func(b *testing.B) {
			s := k.open(b)
			benchSchema(b, s)
			b.ReportAllocs()
			cpu := startCPU(b)
			for b.Loop() {
				err := s.View(bg, func(tx Tx) error {
					_, err := tx.GetClass("root", "Leaf")
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(1, "cpu-ns/op")
		})
	}
}

func BenchmarkGetInstance(b *testing.B) {
	const n = 10000
	for _, k := range benchStores {
		b.Run(k.name, func(b *testing.B) {
			s := k.open(b)
			benchSchema(b, s)
			populate(b, s, n)
			paths := make([]cim.Path, 1024)
			rng := rand.New(rand.NewPCG(1, 1))
			for i := range paths {
				// Half of the lookups name the abstract Base: the key index finds the subclass.
				class := "Base"
				j := rng.IntN(n)
				if i%2 == 0 {
					class = benchClasses[j%len(benchClasses)]
				}
				paths[i] = cim.Path{Class: class, Keys: []cim.KeyBinding{{Name: "Name", Value: cim.String(fmt.Sprintf("instance-%08d", j))}}}
			}
			b.ReportAllocs()
			cpu := startCPU(b)
			i := 0
			for b.Loop() {
				err := s.View(bg, func(tx Tx) error {
					_, err := tx.GetInstance("root", paths[i%len(paths)])
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
			cpu.report(1, "cpu-ns/op")
		})
	}
}

func BenchmarkPutInstance(b *testing.B) {
	stores := append(benchStores[:len(benchStores):len(benchStores)],
		benchStore{"bolt-fsync", func(b *testing.B) Store { return openBolt(b, false) }})
	for _, k := range stores {
		b.Run(k.name, func(b *testing.B) {
			s := k.open(b)
			benchSchema(b, s)
			populate(b, s, 10000)
			var c *cim.Class
			view(b, s, func(tx Tx) error { var err error; c, err = tx.GetClass("root", "Mid"); return err })
			b.ReportAllocs()
			cpu := startCPU(b)
			i := 10000
			for b.Loop() {
				inst := benchInstance(c, i)
				if err := s.Update(bg, func(tx Tx) error { return tx.PutInstance("root", inst, 0) }); err != nil {
					b.Fatal(err)
				}
				i++
			}
			cpu.report(1, "cpu-ns/op")
		})
	}
}

// BenchmarkPutInstanceBatch writes 1000 new instances per transaction and
// reports the cost per instance, as a MOF compile or a bulk load pays it.
func BenchmarkPutInstanceBatch(b *testing.B) {
	const batch = 1000
	stores := append(benchStores[:len(benchStores):len(benchStores)],
		benchStore{"bolt-fsync", func(b *testing.B) Store { return openBolt(b, false) }})
	for _, k := range stores {
		b.Run(k.name, func(b *testing.B) {
			s := k.open(b)
			benchSchema(b, s)
			populate(b, s, 10000)
			var c *cim.Class
			view(b, s, func(tx Tx) error { var err error; c, err = tx.GetClass("root", "Mid"); return err })
			b.ReportAllocs()
			cpu := startCPU(b)
			i := 10000
			for b.Loop() {
				err := s.Update(bg, func(tx Tx) error {
					for range batch {
						if err := tx.PutInstance("root", benchInstance(c, i), 0); err != nil {
							return err
						}
						i++
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/batch, "ns/instance")
			cpu.report(batch, "cpu-ns/instance")
		})
	}
}

// BenchmarkDeepEnumeration enumerates 100,000 instances of three classes
// from their abstract root, decoding every one.
func BenchmarkDeepEnumeration(b *testing.B) {
	const n = 100000
	if testing.Short() {
		b.Skip("100k instances: not in -short mode")
	}
	for _, k := range benchStores {
		b.Run(fmt.Sprintf("%s/%dk", k.name, n/1000), func(b *testing.B) {
			s := k.open(b)
			benchSchema(b, s)
			populate(b, s, n)
			b.ReportAllocs()
			cpu := startCPU(b)
			for b.Loop() {
				count := 0
				err := s.View(bg, func(tx Tx) error {
					return tx.Instances("root", "Base", true, func(*cim.Instance) error { count++; return nil })
				})
				if err != nil || count != n {
					b.Fatalf("%d instances, %v", count, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/instance")
			cpu.report(n, "cpu-ns/instance")
		})
	}
}
