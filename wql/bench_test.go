package wql

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
)

// BenchmarkParseCorpus parses every query of testdata/corpus.txt once per
// iteration.
func BenchmarkParseCorpus(b *testing.B) {
	entries, err := loadCorpus("testdata/corpus.txt")
	if err != nil {
		b.Fatal(err)
	}
	bytes := 0
	for _, e := range entries {
		bytes += len(e.query)
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		for _, e := range entries {
			if e.event {
				ParseEvent(e.query)
			} else {
				Parse(e.query)
			}
		}
	}
	cpu := cpuTime() - start
	b.ReportMetric(float64(b.N*len(entries))/b.Elapsed().Seconds(), "queries/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N*len(entries))/cpu.Seconds(), "queries/cpu-s")
	}
}

// BenchmarkParseEvent parses a typical event query.
func BenchmarkParseEvent(b *testing.B) {
	const q = `SELECT * FROM __InstanceModificationEvent WITHIN 5 WHERE TargetInstance ISA 'Win32_Service' AND TargetInstance.State <> PreviousInstance.State AND (TargetInstance.Name LIKE "w%" OR TargetInstance.StartMode = "Auto")`
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}

const benchInstances = 1_000_000

var benchData = sync.OnceValues(func() (*cim.Class, []cim.Object) {
	c := cim.NewClass("Bench_Item", nil)
	c.Properties = []*cim.Property{
		{Name: "Id", Type: cim.TypeUint32, Qualifiers: keyQual},
		{Name: "Name", Type: cim.TypeString},
		{Name: "Size", Type: cim.TypeUint64},
		{Name: "State", Type: cim.TypeString},
		{Name: "Enabled", Type: cim.TypeBoolean},
		{Name: "Priority", Type: cim.TypeSint32},
	}
	states := []string{"Running", "running", "RUNNING", "Stopped"}
	objs := make([]cim.Object, benchInstances)
	for i := range objs {
		inst := c.MustSpawn()
		inst.MustPut("Id", cim.Uint32(uint32(i))).
			MustPut("Name", cim.String(fmt.Sprintf("Item%07d", i))).
			MustPut("Size", cim.Uint64(uint64(i%2000)*1000)).
			MustPut("State", cim.String(states[i%len(states)])).
			MustPut("Enabled", cim.Boolean(i%10 != 0)).
			MustPut("Priority", cim.Sint32(int32(i%32-8)))
		objs[i] = inst
	}
	return c, objs
})

// benchWhere has five predicates; the first four hold for most instances,
// so that nearly every instance evaluates all five.
const benchWhere = `SELECT * FROM Bench_Item WHERE Size < 1999000 AND Name LIKE "item%" AND Priority > -10 AND State = "running" AND Enabled = TRUE`

func benchEval(b *testing.B, bound bool) {
	class, objs := benchData()
	st, err := Parse(benchWhere)
	if err != nil {
		b.Fatal(err)
	}
	var compileClass *cim.Class
	if bound {
		compileClass = class
	}
	q, err := Compile(st.(*Select), compileClass)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	matched := 0
	var cpu time.Duration
	for b.Loop() {
		start := cpuTime()
		matched = 0
		for _, o := range objs {
			if q.Match(o) {
				matched++
			}
		}
		cpu += cpuTime() - start
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*len(objs))/elapsed, "instances/s")
	b.ReportMetric(float64(b.N*len(objs)*5)/elapsed, "predicates/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N*len(objs)*5)/cpu.Seconds(), "predicates/cpu-s")
	}
	if matched == 0 || matched == len(objs) {
		b.Fatalf("matched %d of %d", matched, len(objs))
	}
}

// BenchmarkEval5Predicates evaluates a five-predicate WHERE over a million
// instances, compiled against their class (property positions bound).
func BenchmarkEval5Predicates(b *testing.B) { benchEval(b, true) }

// BenchmarkEval5PredicatesByName is the same, with properties read by name.
func BenchmarkEval5PredicatesByName(b *testing.B) { benchEval(b, false) }

// BenchmarkProject projects instances on two properties.
func BenchmarkProject(b *testing.B) {
	class, objs := benchData()
	st, _ := Parse(`SELECT Name, State FROM Bench_Item`)
	q, err := Compile(st.(*Select), class)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := q.Project(objs[i%len(objs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLike matches a general LIKE pattern.
func BenchmarkLike(b *testing.B) {
	p, err := compileLike("%[a-f]_x%y[^0-9]%")
	if err != nil {
		b.Fatal(err)
	}
	s := "some fairly long string with x and y and an e_x then y! at the end"
	b.ReportAllocs()
	for b.Loop() {
		p.match(s)
	}
}
