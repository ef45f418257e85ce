package native

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native/pb"
	"github.com/gowmi/gowmi/wbem"
)

// testObjects returns a class hierarchy with every CIM type and instances
// of it, with embedded objects, arrays, NULLs, defaults and qualifiers.
func testObjects(t testing.TB) (*cim.Class, *cim.Class, []cim.Object) {
	key := cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}}
	base := cim.NewClass("Test_Base", nil)
	base.Namespace, base.Server = `root\test`, "host"
	base.Qualifiers = cim.Qualifiers{{Name: "Description", Value: cim.String("base class"), Flavor: cim.FlavorToSubclass | cim.FlavorAmended}}
	base.Properties = []*cim.Property{
		{Name: "Id", Type: cim.TypeUint64, Qualifiers: key},
		{Name: "Name", Type: cim.TypeString, Value: cim.String("default name")},
	}
	base.Methods = []*cim.Method{{Name: "Run", ReturnType: cim.TypeUint32, Qualifiers: cim.Qualifiers{{Name: "Static", Value: cim.Boolean(true)}},
		Parameters: []*cim.Property{{Name: "In1", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "In", Value: cim.Boolean(true)}, {Name: "ID", Value: cim.Sint32(0)}}}}}}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	emb := cim.NewClass("Test_Embedded", nil)
	emb.Properties = []*cim.Property{{Name: "X", Type: cim.TypeSint32}}
	derived := cim.NewClass("Test_All", base)
	dt, _ := cim.ParseDateTimeValue("20240102030405.123456+060")
	ref, _ := cim.ReferenceText(`Test_Base.Id=7`)
	derived.Properties = []*cim.Property{
		{Name: "S8", Type: cim.TypeSint8}, {Name: "U8", Type: cim.TypeUint8},
		{Name: "S16", Type: cim.TypeSint16}, {Name: "U16", Type: cim.TypeUint16},
		{Name: "S32", Type: cim.TypeSint32}, {Name: "U32", Type: cim.TypeUint32, Value: cim.Uint32(42)},
		{Name: "S64", Type: cim.TypeSint64}, {Name: "U64", Type: cim.TypeUint64},
		{Name: "R32", Type: cim.TypeReal32}, {Name: "R64", Type: cim.TypeReal64},
		{Name: "B", Type: cim.TypeBoolean}, {Name: "C16", Type: cim.TypeChar16},
		{Name: "DT", Type: cim.TypeDateTime}, {Name: "Ref", Type: cim.TypeReference, ClassRef: "Test_Base"},
		{Name: "Obj", Type: cim.TypeObject, ClassRef: "Test_Embedded"},
		{Name: "Strs", Type: cim.TypeString | cim.TypeArray},
		{Name: "Nums", Type: cim.TypeSint16 | cim.TypeArray},
		{Name: "Objs", Type: cim.TypeObject | cim.TypeArray},
		{Name: "Nothing", Type: cim.TypeString},
	}
	if err := derived.Validate(); err != nil {
		t.Fatal(err)
	}
	e := emb.MustSpawn().MustPut("X", cim.Sint32(-5))
	i1 := derived.MustSpawn()
	i1.Namespace, i1.Server = `root\test`, "host"
	for _, kv := range []struct {
		name string
		v    cim.Value
	}{
		{"Id", cim.Uint64(1<<63 + 5)}, {"S8", cim.Sint8(-128)}, {"U8", cim.Uint8(255)}, {"S16", cim.Sint16(-3)},
		{"U16", cim.Uint16(65535)}, {"S32", cim.Sint32(-1 << 31)}, {"S64", cim.Sint64(-1 << 63)},
		{"U64", cim.Uint64(1<<64 - 1)}, {"R32", cim.Real32(1.5)}, {"R64", cim.Real64(-2.25)},
		{"B", cim.Boolean(true)}, {"C16", cim.Char16(0xD800)}, {"DT", dt}, {"Ref", ref},
		{"Obj", cim.Embedded(e)}, {"Strs", cim.Strings("a", "", "ü")},
		{"Nums", cim.MustArray(cim.TypeSint16, cim.Sint16(1), cim.Sint16(-1))},
		{"Objs", cim.MustArray(cim.TypeObject, cim.Embedded(e), cim.Embedded(emb))},
		{"Nothing", cim.Null(cim.TypeString)},
	} {
		i1.MustPut(kv.name, kv.v)
	}
	i1.Qualifiers = cim.Qualifiers{{Name: "Note", Value: cim.String("x"), Flavor: cim.FlavorToInstance}}
	i2 := derived.MustSpawn().MustPut("Id", cim.Uint64(2))
	b2 := base.MustSpawn().MustPut("Id", cim.Uint64(3))
	return base, derived, []cim.Object{i1, i2, b2, derived, emb}
}

func TestCodecRoundTrip(t *testing.T) {
	_, _, objs := testObjects(t)
	enc, dec := NewEncoder(), NewDecoder()
	b, err := enc.Encode(objs)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeSame(t, dec, b, objs)
	for k := range objs {
		// __PATH, __DERIVATION and friends come out the same too.
		for _, sp := range []string{"__PATH", "__RELPATH", "__DERIVATION", "__PROPERTY_COUNT"} {
			a, _ := got[k].Get(sp)
			w, _ := objs[k].Get(sp)
			if !a.Equal(w) {
				t.Errorf("object %d %s = %v, want %v", k, sp, a, w)
			}
		}
	}
	gi, wi := got[1].(*cim.Instance), objs[1].(*cim.Instance)
	for k := range wi.Properties() {
		if gi.IsSet(k) != wi.IsSet(k) {
			t.Errorf("IsSet(%d) = %v, want %v", k, gi.IsSet(k), wi.IsSet(k))
		}
	}

	// The second batch of the stream refers to the classes it has sent.
	again, err := enc.Encode(objs[:3])
	if err != nil {
		t.Fatal(err)
	}
	first, _ := NewEncoder().Encode(objs[:3])
	if len(again) >= len(first)/2 {
		t.Errorf("a batch of known classes is %d bytes, the first %d: classes were sent again", len(again), len(first))
	}
	got2, err := dec.Decode(again)
	if err != nil {
		t.Fatal(err)
	}
	if !got2[0].CompareTo(objs[0], cim.CompareIncludeAll) {
		t.Error("second batch decodes differently")
	}
	// Objects of one stream share their class.
	if got2[0].Class() != got[0].Class() {
		t.Error("the decoder made a new class for a known class id")
	}
}

// The hand-written encoding is the protobuf of wmi.proto.
func TestCodecIsProtobuf(t *testing.T) {
	_, _, objs := testObjects(t)
	b, err := NewEncoder().Encode(objs)
	if err != nil {
		t.Fatal(err)
	}
	var m pb.ObjectBatch
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != len(objs) || len(m.Classes) != 4 {
		t.Fatalf("protobuf sees %d objects and %d classes", len(m.Objects), len(m.Classes))
	}
	if m.Classes[1].Name != "Test_All" || m.Classes[1].Parent != m.Classes[0].Id {
		t.Errorf("class 2 = %v", m.Classes[1])
	}
	// And protobuf's encoding of it reads back the same.
	b2, err := proto.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewDecoder().Decode(b2)
	if err != nil {
		t.Fatal(err)
	}
	for k := range objs {
		if !got[k].CompareTo(objs[k], cim.CompareIncludeAll) {
			t.Errorf("object %d differs after protobuf's re-encoding", k)
		}
	}
}

func TestContextRoundTrip(t *testing.T) {
	c := wbem.NewContext()
	_ = c.SetValue("__GET_EXTENSIONS", cim.Boolean(true))
	_ = c.SetValue("__GET_EXT_PROPERTIES", cim.Strings("A", "B"))
	_ = c.SetValue("Untyped", cim.Value{})
	_ = c.SetValue("N", cim.Sint64(-9))
	b, err := EncodeContext(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeContext(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != c.Len() {
		t.Fatalf("%d values, want %d", got.Len(), c.Len())
	}
	for _, n := range c.Names() {
		a, _ := got.GetValue(n)
		w, _ := c.GetValue(n)
		if !a.Equal(w) || a.Type() != w.Type() {
			t.Errorf("%s = %#v, want %#v", n, a, w)
		}
	}
	if nc, err := DecodeContext(nil); nc != nil || err != nil {
		t.Errorf("empty context: %v %v", nc, err)
	}
}

// A long message body (past 127 bytes) moves when its length is written.
func TestCodecLongFields(t *testing.T) {
	c := cim.NewClass("Long", nil)
	c.Properties = []*cim.Property{{Name: "K", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}}}
	long := string(bytes.Repeat([]byte("x"), 70000))
	i := c.MustSpawn().MustPut("K", cim.String(long))
	b, err := NewEncoder().Encode([]cim.Object{i})
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewDecoder().Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got[0].Get("K"); v.String() != cim.String(long).String() {
		t.Error("long string lost")
	}
}

func FuzzDecode(f *testing.F) {
	_, _, objs := testObjects(f)
	b, err := NewEncoder().Encode(objs)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	if runs, err := NewEncoder().Encode(benchBatch(8)); err == nil {
		f.Add(runs) // a class definition and an InstanceRun
	}
	f.Add([]byte{})
	ctx, _ := EncodeContext(func() *wbem.Context {
		c := wbem.NewContext()
		_ = c.SetValue("a", cim.Uint8(1))
		return c
	}())
	f.Add(ctx)
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := NewDecoder().Decode(data)
		_, _ = DecodeContext(data)
		// Decoding a batch the decoder may keep gives the same objects.
		owned, oerr := NewDecoder().AppendDecodeOwned(nil, bytes.Clone(data))
		if (err == nil) != (oerr == nil) {
			t.Fatalf("Decode: %v; AppendDecodeOwned: %v", err, oerr)
		}
		if err != nil {
			return
		}
		for k := range objs {
			if !owned[k].CompareTo(objs[k], cim.CompareIncludeAll) {
				t.Fatalf("object %d decodes differently from an owned batch", k)
			}
		}
		// What decodes encodes again, and reads back the same.
		b, err := NewEncoder().Encode(objs)
		if err != nil {
			return // e.g. an instance of a class that does not validate
		}
		again, err := NewDecoder().Decode(b)
		if err != nil {
			t.Fatalf("re-encoded objects do not decode: %v", err)
		}
		if len(again) != len(objs) {
			t.Fatalf("%d objects, then %d", len(objs), len(again))
		}
		for k := range objs {
			if !again[k].CompareTo(objs[k], cim.CompareIncludeAll) {
				t.Fatalf("object %d changed in a round trip", k)
			}
		}
	})
}

// decodeSame decodes b and checks that it holds objs.
func decodeSame(t *testing.T, dec *Decoder, b []byte, objs []cim.Object) []cim.Object {
	t.Helper()
	got, err := dec.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(objs) {
		t.Fatalf("decoded %d objects, want %d", len(got), len(objs))
	}
	for k := range objs {
		if !got[k].CompareTo(objs[k], cim.CompareIncludeAll) {
			t.Errorf("object %d differs:\n got %s\nwant %s", k, got[k].MOF(), objs[k].MOF())
		}
	}
	return got
}

func benchBatch(n int) []cim.Object {
	c := benchClass()
	objs := make([]cim.Object, n)
	for i := range objs {
		inst := c.MustSpawn()
		_ = inst.PutAt(0, cim.Uint64(uint64(i)))
		_ = inst.PutAt(1, cim.String("item"))
		objs[i] = inst
	}
	return objs
}

func BenchmarkEncode(b *testing.B) {
	objs := benchBatch(256)
	e := NewEncoder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Encode(objs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/object")
}

func BenchmarkDecode(b *testing.B) {
	objs := benchBatch(256)
	e := NewEncoder()
	first, _ := e.Encode(objs)
	data, _ := e.Encode(objs)
	d := NewDecoder()
	if _, err := d.Decode(first); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/object")
}

// The strings of decoded objects do not change with the batch they came
// from, which a receiver reuses (AppendDecode), and share the batch a
// receiver gives up (AppendDecodeOwned).
func TestDecodedStringsOutliveTheBatch(t *testing.T) {
	objs := benchBatch(256) // over minSharedText
	b, err := NewEncoder().Encode(objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < minSharedText {
		t.Fatalf("a batch of %d bytes does not test the shared text", len(b))
	}
	for _, tc := range []struct {
		name   string
		decode func(*Decoder, []byte) ([]cim.Object, error)
	}{
		{"AppendDecode", func(d *Decoder, b []byte) ([]cim.Object, error) { return d.AppendDecode(nil, b) }},
		{"AppendDecodeOwned", func(d *Decoder, b []byte) ([]cim.Object, error) { return d.AppendDecodeOwned(nil, b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := bytes.Clone(b)
			got, err := tc.decode(NewDecoder(), buf)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "AppendDecode" {
				clear(buf) // the receiver reuses its buffer
			}
			for k := range got {
				if !got[k].CompareTo(objs[k], cim.CompareIncludeAll) {
					t.Fatalf("object %d changed after its batch was reused", k)
				}
			}
		})
	}
}

// A batch whose encoding fails sends none of the classes it would have
// introduced: the stream's next batch still decodes.
func TestEncoderFailedBatchKeepsTheStream(t *testing.T) {
	good := benchClass()
	bad := cim.NewClass("Bench_Bad", nil)
	bad.Properties = []*cim.Property{{Name: "V", Type: cim.TypeUint8}}
	inst := bad.MustSpawn()
	_ = inst.PutAt(0, cim.Uint8(1))
	// A value whose type no longer matches its class: the class changed
	// after the instance was spawned, to a type the value does not convert to.
	bad.Properties[0].Type = cim.TypeDateTime
	bad.Changed()
	enc, dec := NewEncoder(), NewDecoder()
	g := good.MustSpawn()
	_ = g.PutAt(0, cim.Uint64(7))
	if _, err := enc.Encode([]cim.Object{g, inst}); err == nil {
		t.Fatal("a uint8 value for a datetime property encoded")
	}
	// A class the peer knows; then a failed batch that also moves its
	// instances to another namespace, which the peer never hears of.
	first, err := enc.Encode([]cim.Object{g})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Decode(first); err != nil {
		t.Fatalf("the batch after a failed one does not decode: %v", err)
	}
	moved := good.MustSpawn()
	_ = moved.PutAt(0, cim.Uint64(8))
	moved.Namespace = `root\elsewhere`
	if _, err := enc.Encode([]cim.Object{moved, inst}); err == nil {
		t.Fatal("a uint8 value for a datetime property encoded")
	}
	again := good.MustSpawn()
	_ = again.PutAt(0, cim.Uint64(9))
	again.Namespace = `root\elsewhere`
	b, err := enc.Encode([]cim.Object{again})
	if err != nil {
		t.Fatal(err)
	}
	got, err := dec.Decode(b)
	if err != nil {
		t.Fatalf("the batch after a failed one does not decode: %v", err)
	}
	if !got[0].CompareTo(again, cim.CompareIncludeAll) {
		t.Error("the batch after a failed one decodes differently")
	}
	if ns := got[0].(*cim.Instance).Namespace; ns != `root\elsewhere` {
		t.Errorf("an instance after a failed batch is in %q, want root\\elsewhere", ns)
	}
}

// Consecutive instances of a class that set the same scalar properties
// travel as one InstanceRun; the others break the run and go as they are,
// and everything decodes as it was, in order.
func TestInstanceRuns(t *testing.T) {
	item := benchClass() // Id uint64 (key), Name string
	item.Namespace = `root\test`
	other := cim.NewClass("Bench_Other", nil)
	other.Properties = []*cim.Property{{Name: "N", Type: cim.TypeSint32}, {Name: "L", Type: cim.TypeString | cim.TypeArray}}
	mk := func(c *cim.Class, vals ...cim.Value) *cim.Instance {
		i := c.MustSpawn()
		for k, v := range vals {
			if v.Type() != cim.TypeEmpty {
				_ = i.PutAt(k, v)
			}
		}
		return i
	}
	var objs []cim.Object
	add := func(i *cim.Instance) { objs = append(objs, i) }
	add(mk(item, cim.Uint64(1), cim.String("a"))) // run 1
	add(mk(item, cim.Uint64(2), cim.String("b")))
	add(mk(item, cim.Uint64(3), cim.String("c")))
	add(mk(item, cim.Uint64(4), cim.Null(cim.TypeString))) // a NULL: an instance
	add(mk(item, cim.Uint64(5), cim.String("e")))          // run 2
	add(mk(item, cim.Uint64(6)))                           // another set: run 3
	add(mk(other, cim.Sint32(-7)))                         // another class: run 4
	add(mk(other, cim.Sint32(8), cim.Strings("x", "y")))   // an array: an instance
	moved := mk(item, cim.Uint64(9), cim.String("i"))      // another namespace: an instance
	moved.Namespace = `root\elsewhere`
	add(moved)
	add(mk(item, cim.Uint64(10), cim.String("j"))) // back: an instance, which moves the class back
	add(mk(item, cim.Uint64(11), cim.String("k"))) // run 5
	withQual := mk(item, cim.Uint64(12), cim.String("l"))
	withQual.Qualifiers = cim.Qualifiers{{Name: "Note", Value: cim.String("q")}}
	add(withQual)                                  // qualifiers: an instance
	add(item.MustSpawn())                          // nothing set: run 6
	add(item.MustSpawn())                          //
	objs = append(objs, item)                      // a class: an Object of its own
	add(mk(item, cim.Uint64(13), cim.String("m"))) // run 7

	b, err := NewEncoder().Encode(objs)
	if err != nil {
		t.Fatal(err)
	}
	var m pb.ObjectBatch
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var runs, insts, classes int
	for _, o := range m.Objects {
		switch {
		case o.GetRun() != nil:
			runs++
		case o.GetInstance() != nil:
			insts++
		default:
			classes++
		}
	}
	if runs != 7 || insts != 5 || classes != 1 {
		t.Errorf("%d runs, %d instances, %d classes; want 7, 5, 1", runs, insts, classes)
	}
	got := decodeSame(t, NewDecoder(), b, objs)
	for k := range objs {
		if gi, ok := got[k].(*cim.Instance); ok {
			wi := objs[k].(*cim.Instance)
			if gi.Namespace != wi.Namespace || gi.Server != wi.Server {
				t.Errorf("object %d is in %q on %q, want %q on %q", k, gi.Namespace, gi.Server, wi.Namespace, wi.Server)
			}
			for p := range wi.Properties() {
				if gi.IsSet(p) != wi.IsSet(p) {
					t.Errorf("object %d: IsSet(%d) = %v", k, p, gi.IsSet(p))
				}
			}
		}
	}
}

// Instances that set nothing take no bytes in a run: a run holds at most
// maxEmptyRun of them, and more go in more runs.
func TestInstanceRunsOfEmptyInstances(t *testing.T) {
	c := benchClass()
	objs := make([]cim.Object, 2*maxEmptyRun+5)
	for k := range objs {
		objs[k] = c.MustSpawn()
	}
	b, err := NewEncoder().Encode(objs)
	if err != nil {
		t.Fatal(err)
	}
	decodeSame(t, NewDecoder(), b, objs)
}

// A run that does not add up is refused, not half read.
func TestInstanceRunMalformed(t *testing.T) {
	enc := NewEncoder()
	i := benchClass().MustSpawn()
	_ = i.PutAt(0, cim.Uint64(1))
	_ = i.PutAt(1, cim.String("a"))
	head, err := enc.Encode([]cim.Object{i}) // the class definition, and a run of one
	if err != nil {
		t.Fatal(err)
	}
	run := func(fields ...[]byte) []byte {
		var r []byte
		for _, f := range fields {
			r = append(r, f...)
		}
		var o []byte
		o = protowire.AppendTag(o, fObjectRun, protowire.BytesType)
		o = protowire.AppendBytes(o, r)
		var b []byte
		b = protowire.AppendTag(b, fBatchObjects, protowire.BytesType)
		return protowire.AppendBytes(b, o)
	}
	varint := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	bytesF := func(num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
	}
	row := []byte{7, 1, 'x'} // Id 7, Name "x"
	for name, b := range map[string][]byte{
		"no count":       run(varint(fRunClass, 1), bytesF(fRunSet, []byte{3}), bytesF(fRunRows, row)),
		"count too high": run(varint(fRunClass, 1), bytesF(fRunSet, []byte{3}), varint(fRunCount, 2), bytesF(fRunRows, row)),
		"rows left over": run(varint(fRunClass, 1), bytesF(fRunSet, []byte{3}), varint(fRunCount, 1), bytesF(fRunRows, append(row, 9))),
		"unknown class":  run(varint(fRunClass, 9), bytesF(fRunSet, []byte{3}), varint(fRunCount, 1), bytesF(fRunRows, row)),
		"set too wide":   run(varint(fRunClass, 1), bytesF(fRunSet, []byte{7}), varint(fRunCount, 1), bytesF(fRunRows, row)),
		"empty too many": run(varint(fRunClass, 1), varint(fRunCount, maxEmptyRun+1)),
		"two counts":     run(varint(fRunClass, 1), bytesF(fRunSet, []byte{3}), varint(fRunCount, 1), varint(fRunCount, 1), bytesF(fRunRows, row)),
		"bad string":     run(varint(fRunClass, 1), bytesF(fRunSet, []byte{3}), varint(fRunCount, 1), bytesF(fRunRows, []byte{7, 5, 'x'})),
	} {
		t.Run(name, func(t *testing.T) {
			d := NewDecoder()
			if _, err := d.Decode(head); err != nil {
				t.Fatal(err)
			}
			if objs, err := d.Decode(b); err == nil {
				t.Errorf("decoded %d objects", len(objs))
			}
		})
	}
	// And a good one reads.
	d := NewDecoder()
	_, _ = d.Decode(head)
	objs, err := d.Decode(run(varint(fRunClass, 1), bytesF(fRunSet, []byte{3}), varint(fRunCount, 1), bytesF(fRunRows, row)))
	if err != nil || len(objs) != 1 {
		t.Fatalf("a good run: %d objects, %v", len(objs), err)
	}
	if v, _ := objs[0].Get("Name"); v.String() != cim.String("x").String() {
		t.Errorf("Name = %s", v)
	}
}
