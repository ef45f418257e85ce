package wbem

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// fakeServices answers ExecQuery with a fakeEnum; every other method is
// the nil embedded interface and panics.
type fakeServices struct {
	Services
	startErr error
	enum     *fakeEnum
	language string
	query    string
	flags    Flags
}

func (f *fakeServices) ExecQuery(ctx context.Context, language, query string, flags Flags, wctx *Context) (Enumerator, error) {
	f.language, f.query, f.flags = language, query, flags
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.enum.pos, f.enum.closed, f.enum.nexts = 0, false, 0
	return f.enum, nil
}

// fakeEnum hands out objs, then ends with end (nil for WBEM_S_FALSE). Every
// stallEvery-th Next returns what it has with WBEM_S_TIMEDOUT, as a
// still-running call would.
type fakeEnum struct {
	objs       []cim.Object
	end        error
	stallEvery int
	pos        int
	nexts      int
	closed     bool
	maxAsked   int
}

func (e *fakeEnum) Next(ctx context.Context, timeout time.Duration, n int) ([]cim.Object, error) {
	if e.closed {
		return nil, status.New(status.InvalidOperation, "closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.nexts++
	e.maxAsked = max(e.maxAsked, n)
	if e.stallEvery > 0 && e.nexts%e.stallEvery == 0 {
		k := min(n/2, len(e.objs)-e.pos)
		out := e.objs[e.pos : e.pos+k]
		e.pos += k
		return out, &status.Error{Code: status.STimedOut}
	}
	k := min(n, len(e.objs)-e.pos)
	out := e.objs[e.pos : e.pos+k]
	e.pos += k
	if k == n {
		return out, nil
	}
	if e.end != nil {
		return out, e.end
	}
	return out, &status.Error{Code: status.SFalse}
}

func (e *fakeEnum) NextAsync(ctx context.Context, n int, sink Sink) error { panic("unused") }
func (e *fakeEnum) Skip(ctx context.Context, timeout time.Duration, n int) error {
	panic("unused")
}
func (e *fakeEnum) Reset() error { return status.New(status.InvalidOperation, "forward-only") }
func (e *fakeEnum) Clone() (Enumerator, error) {
	return nil, status.New(status.InvalidOperation, "forward-only")
}
func (e *fakeEnum) Close() error { e.closed = true; return nil }

var testItem = func() *cim.Class {
	c := cim.NewClass("Test_Item", nil)
	c.Properties = []*cim.Property{
		{Name: "Id", Type: cim.TypeUint32, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}},
		{Name: "Name", Type: cim.TypeString},
	}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}()

func items(n int) []cim.Object {
	out := make([]cim.Object, n)
	for i := range out {
		out[i] = testItem.MustSpawn().MustPut("Id", cim.Uint32(uint32(i))).MustPut("Name", cim.String("n"))
	}
	return out
}

func ids(t *testing.T, objs []cim.Object) []uint32 {
	t.Helper()
	out := make([]uint32, len(objs))
	for i, o := range objs {
		v, err := o.Get("Id")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := v.Uint()
		out[i] = uint32(n)
	}
	return out
}

func seq(n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i)
	}
	return out
}

func TestQueryYieldsEveryObjectInOrder(t *testing.T) {
	for _, stall := range []int{0, 2, 3} {
		enum := &fakeEnum{objs: items(3*queryBatch + 7), stallEvery: stall}
		svc := &fakeServices{enum: enum}
		got, err := Collect(t.Context(), svc, "SELECT * FROM Test_Item")
		if err != nil {
			t.Fatalf("stall %d: %v", stall, err)
		}
		if !slices.Equal(ids(t, got), seq(3*queryBatch+7)) {
			t.Errorf("stall %d: got %d objects out of order or missing", stall, len(got))
		}
		if svc.language != "WQL" || svc.query != "SELECT * FROM Test_Item" {
			t.Errorf("ExecQuery(%q, %q)", svc.language, svc.query)
		}
		if svc.flags != FlagReturnImmediately|FlagForwardOnly {
			t.Errorf("flags %#x, want semisynchronous forward-only", svc.flags)
		}
		if !enum.closed {
			t.Error("enumerator not closed at the end")
		}
		if enum.maxAsked > queryBatch {
			t.Errorf("asked Next for %d objects, more than the batch of %d", enum.maxAsked, queryBatch)
		}
	}
}

func TestQueryEmpty(t *testing.T) {
	svc := &fakeServices{enum: &fakeEnum{}}
	n := 0
	for _, err := range Query(t.Context(), svc, "SELECT * FROM Test_Item") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("%d objects from an empty result", n)
	}
}

func TestQueryBreakClosesEnumerator(t *testing.T) {
	enum := &fakeEnum{objs: items(10_000)}
	svc := &fakeServices{enum: enum}
	n := 0
	for _, err := range Query(t.Context(), svc, "SELECT * FROM Test_Item") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 5 {
			break
		}
	}
	if !enum.closed {
		t.Error("breaking out of the loop did not close the enumerator")
	}
	if enum.pos > 5+queryBatch {
		t.Errorf("read %d objects to yield 5", enum.pos)
	}
}

func TestQueryStartFailure(t *testing.T) {
	svc := &fakeServices{startErr: status.New(status.InvalidQuery, "bad")}
	var errs []error
	for o, err := range Query(t.Context(), svc, "SELEC") {
		if o != nil {
			t.Error("object with a failure")
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], status.ErrInvalidQuery) {
		t.Errorf("yielded %v, want one WBEM_E_INVALID_QUERY", errs)
	}
	if _, err := Collect(t.Context(), svc, "SELEC"); !errors.Is(err, status.ErrInvalidQuery) {
		t.Errorf("Collect: %v", err)
	}
}

func TestQueryFailureMidStream(t *testing.T) {
	enum := &fakeEnum{objs: items(3), end: status.New(status.ProviderFailure, "boom")}
	svc := &fakeServices{enum: enum}
	var got []cim.Object
	var errs []error
	for o, err := range Query(t.Context(), svc, "SELECT * FROM Test_Item") {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, o)
	}
	if len(got) != 3 || len(errs) != 1 || !errors.Is(errs[0], status.ErrProviderFailure) {
		t.Errorf("got %d objects and %v", len(got), errs)
	}
	if !enum.closed {
		t.Error("enumerator not closed after a failure")
	}
	if objs, err := Collect(t.Context(), svc, "SELECT * FROM Test_Item"); objs != nil || !errors.Is(err, status.ErrProviderFailure) {
		t.Errorf("Collect: %d objects, %v", len(objs), err)
	}
}

func TestQueryContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	svc := &fakeServices{enum: &fakeEnum{objs: items(3)}}
	_, err := Collect(ctx, svc, "SELECT * FROM Test_Item")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Collect with a cancelled context: %v", err)
	}
}

func TestQueryAs(t *testing.T) {
	type item struct {
		ID   uint32 `wmi:"Id"`
		Name string
	}
	svc := &fakeServices{enum: &fakeEnum{objs: items(4)}}
	var got []item
	for it, err := range QueryAs[item](t.Context(), svc, "SELECT * FROM Test_Item") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it)
	}
	if len(got) != 4 || got[3].ID != 3 || got[3].Name != "n" {
		t.Errorf("got %+v", got)
	}

	type bad struct {
		Name int
	}
	n := 0
	for _, err := range QueryAs[bad](t.Context(), svc, "SELECT * FROM Test_Item") {
		n++
		if !errors.Is(err, status.ErrTypeMismatch) {
			t.Errorf("decoding a string into an int: %v", err)
		}
	}
	if n != 1 {
		t.Errorf("%d results after a decoding failure, want 1", n)
	}
}

// decodeClass has a property of every CIM type, arrays and an embedded
// object.
var decodeClass = func() *cim.Class {
	c := cim.NewClass("Test_Decode", nil)
	add := func(name string, t cim.Type) {
		c.Properties = append(c.Properties, &cim.Property{Name: name, Type: t})
	}
	c.Properties = append(c.Properties, &cim.Property{Name: "Key", Type: cim.TypeString,
		Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}})
	add("S8", cim.TypeSint8)
	add("U8", cim.TypeUint8)
	add("S16", cim.TypeSint16)
	add("U16", cim.TypeUint16)
	add("S32", cim.TypeSint32)
	add("U32", cim.TypeUint32)
	add("S64", cim.TypeSint64)
	add("U64", cim.TypeUint64)
	add("R32", cim.TypeReal32)
	add("R64", cim.TypeReal64)
	add("Flag", cim.TypeBoolean)
	add("Text", cim.TypeString)
	add("When", cim.TypeDateTime)
	add("Span", cim.TypeDateTime)
	add("Ch", cim.TypeChar16)
	add("Ref", cim.TypeReference)
	add("Names", cim.TypeString.ArrayOf())
	add("Sizes", cim.TypeUint32.ArrayOf())
	add("Inner", cim.TypeObject)
	add("Missing", cim.TypeString)
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}()

var decodeWhen = time.Date(2024, 3, 1, 12, 30, 45, 123456000, time.FixedZone("", 60*60))

func decodeInstance(t *testing.T) *cim.Instance {
	t.Helper()
	ref, err := cim.ReferenceText(`Test_Item.Id=7`)
	if err != nil {
		t.Fatal(err)
	}
	inner := testItem.MustSpawn().MustPut("Id", cim.Uint32(7)).MustPut("Name", cim.String("inner"))
	i := decodeClass.MustSpawn()
	for name, v := range map[string]cim.Value{
		"Key": cim.String("k"), "S8": cim.Sint8(-8), "U8": cim.Uint8(8), "S16": cim.Sint16(-16),
		"U16": cim.Uint16(16), "S32": cim.Sint32(-32), "U32": cim.Uint32(32), "S64": cim.Sint64(math.MinInt64),
		"U64": cim.Uint64(math.MaxUint64), "R32": cim.Real32(1.5), "R64": cim.Real64(2.25),
		"Flag": cim.Boolean(true), "Text": cim.String("hello"),
		"When": cim.DateTimeValue(cim.FromTime(decodeWhen)), "Span": cim.DateTimeValue(cim.Interval(90 * time.Minute)),
		"Ch": cim.Char16('x'), "Ref": ref, "Names": cim.Strings("a", "b"),
		"Sizes": cim.MustArray(cim.TypeUint32, cim.Uint32(1), cim.Uint32(2)), "Inner": cim.Embedded(inner),
	} {
		if err := i.Put(name, v); err != nil {
			t.Fatalf("Put %s: %v", name, err)
		}
	}
	return i
}

func TestDecodeEveryType(t *testing.T) {
	type inner struct {
		ID   uint32 `wmi:"Id"`
		Name string
	}
	type all struct {
		Key     string
		S8      int8
		U8      uint8
		S16     int16
		U16     uint16
		S32     int32
		U32     uint32
		S64     int64
		U64     uint64
		R32     float32
		R64     float64
		Flag    bool
		Text    string
		When    time.Time
		Span    time.Duration
		Ch      uint16
		ChText  string `wmi:"Ch"`
		Ref     cim.Path
		RefText string `wmi:"Ref"`
		Names   []string
		Sizes   []uint64
		Inner   inner
		InnerP  *inner        `wmi:"Inner"`
		InnerO  cim.Object    `wmi:"Inner"`
		InnerI  *cim.Instance `wmi:"Inner"`
		Raw     cim.Value     `wmi:"U32"`
		Any     any           `wmi:"S16"`
		Wide    int64         `wmi:"U32"`
		Float   float64       `wmi:"S32"`
		When2   cim.DateTime  `wmi:"When"`
		Class   string        `wmi:"__CLASS"`
		Missing *string
		Absent  string `wmi:"NoSuchProperty"`
		Skipped string `wmi:"-"`
	}
	var got all
	got.Absent, got.Skipped = "kept", "kept"
	if err := Decode(decodeInstance(t), &got); err != nil {
		t.Fatal(err)
	}
	p, _ := cim.ParsePath(`Test_Item.Id=7`)
	checks := []struct {
		name      string
		got, want any
	}{
		{"Key", got.Key, "k"}, {"S8", got.S8, int8(-8)}, {"U8", got.U8, uint8(8)}, {"S16", got.S16, int16(-16)},
		{"U16", got.U16, uint16(16)}, {"S32", got.S32, int32(-32)}, {"U32", got.U32, uint32(32)},
		{"S64", got.S64, int64(math.MinInt64)}, {"U64", got.U64, uint64(math.MaxUint64)},
		{"R32", got.R32, float32(1.5)}, {"R64", got.R64, 2.25}, {"Flag", got.Flag, true}, {"Text", got.Text, "hello"},
		{"When", got.When.Equal(decodeWhen), true}, {"When offset", got.When.Format("-07:00"), "+01:00"},
		{"Span", got.Span, 90 * time.Minute}, {"Ch", got.Ch, uint16('x')}, {"ChText", got.ChText, "x"},
		{"Ref", got.Ref.Equal(p), true}, {"RefText", got.RefText, `Test_Item.Id=7`},
		{"Names", got.Names, []string{"a", "b"}}, {"Sizes", got.Sizes, []uint64{1, 2}},
		{"Inner", got.Inner, inner{7, "inner"}}, {"InnerP", *got.InnerP, inner{7, "inner"}},
		{"InnerO", got.InnerO.ClassName(), "Test_Item"}, {"InnerI", got.InnerI.ClassName(), "Test_Item"},
		{"Raw", got.Raw.Equal(cim.Uint32(32)), true}, {"Any", got.Any, int16(-16)},
		{"Wide", got.Wide, int64(32)}, {"Float", got.Float, -32.0},
		{"When2", got.When2.String(), cim.FromTime(decodeWhen).String()}, {"Class", got.Class, "Test_Decode"},
		{"Missing", got.Missing == nil, true}, {"Absent", got.Absent, "kept"}, {"Skipped", got.Skipped, "kept"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestDecodeNull(t *testing.T) {
	i := decodeClass.MustSpawn()
	type nulls struct {
		Text  string
		TextP *string `wmi:"Text"`
		U32   uint32
		U32P  *uint32 `wmi:"U32"`
		Names []string
		Inner *struct{ Name string }
		When  time.Time
	}
	s := "old"
	n := uint32(5)
	got := nulls{Text: "old", TextP: &s, U32: 5, U32P: &n, Names: []string{"x"}, Inner: &struct{ Name string }{"x"}, When: time.Now()}
	if err := Decode(i, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, nulls{}) {
		t.Errorf("NULLs decoded as %+v, want zero values", got)
	}
}

func TestDecodeEmbeddedStruct(t *testing.T) {
	type Base struct {
		Key  string
		Text string
	}
	type Named struct {
		Base
		U32 uint32
	}
	var got Named
	if err := Decode(decodeInstance(t), &got); err != nil {
		t.Fatal(err)
	}
	if got.Key != "k" || got.Text != "hello" || got.U32 != 32 {
		t.Errorf("got %+v", got)
	}
}

func TestDecodeMismatch(t *testing.T) {
	inst := decodeInstance(t)
	cases := []struct {
		name string
		dst  any
	}{
		{"negative into uint", &struct {
			S8 uint8
		}{}},
		{"uint64 max into int64", &struct {
			U64 int64
		}{}},
		{"sint64 min into int32", &struct {
			S64 int32
		}{}},
		{"string into int", &struct {
			Text int
		}{}},
		{"number into string", &struct {
			U32 string
		}{}},
		{"number into bool", &struct {
			U8 bool
		}{}},
		{"bool into int", &struct {
			Flag int
		}{}},
		{"interval into time", &struct {
			Span time.Time
		}{}},
		{"absolute into duration", &struct {
			When time.Duration
		}{}},
		{"scalar into slice", &struct {
			Text []string
		}{}},
		{"array into scalar", &struct {
			Names string
		}{}},
		{"array element", &struct {
			Names []int
		}{}},
		{"real into int", &struct {
			R32 int
		}{}},
		{"embedded object into string", &struct {
			Inner string
		}{}},
		{"string into struct", &struct {
			Text struct{ A int }
		}{}},
		{"map", &struct {
			Text map[string]string
		}{}},
		{"embedded object into a class", &struct {
			Inner *cim.Class
		}{}},
		{"nested field", &struct {
			Inner struct {
				Name int
			}
		}{}},
	}
	for _, c := range cases {
		err := Decode(inst, c.dst)
		if !errors.Is(err, status.ErrTypeMismatch) {
			t.Errorf("%s: %v, want WBEM_E_TYPE_MISMATCH", c.name, err)
			continue
		}
		if e := status.From(err); e.ParameterInfo == "" || !strings.Contains(e.Description, "Test_Decode.") {
			t.Errorf("%s: error %q does not name the property", c.name, err)
		}
	}
}

func TestDecodeBadDestination(t *testing.T) {
	inst := decodeInstance(t)
	var s struct{ Key string }
	var nilp *struct{ Key string }
	var n int
	for name, dst := range map[string]any{"struct value": s, "nil pointer": nilp, "non-struct": &n, "nil": nil} {
		if err := Decode(inst, dst); !errors.Is(err, status.ErrInvalidParameter) {
			t.Errorf("%s: %v, want WBEM_E_INVALID_PARAMETER", name, err)
		}
	}
	if err := Decode(nil, &s); !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("nil object: %v", err)
	}
}

func TestDecodeClass(t *testing.T) {
	c := cim.NewClass("Test_Defaults", nil)
	c.Properties = []*cim.Property{{Name: "Size", Type: cim.TypeUint32, Value: cim.Uint32(9)}}
	var got struct {
		Size  uint32
		Genus int32 `wmi:"__GENUS"`
	}
	if err := Decode(c, &got); err != nil {
		t.Fatal(err)
	}
	if got.Size != 9 || got.Genus != int32(cim.GenusClass) {
		t.Errorf("got %+v", got)
	}
}

func TestDecodeStringConversions(t *testing.T) {
	c := cim.NewClass("Test_Strings", nil)
	c.Properties = []*cim.Property{
		{Name: "Big", Type: cim.TypeString},
		{Name: "When", Type: cim.TypeString},
	}
	i := c.MustSpawn().MustPut("Big", cim.String("18446744073709551615")).MustPut("When", cim.String("20240301123045.123456+060"))
	var got struct {
		Big  uint64
		When time.Time
	}
	if err := Decode(i, &got); err != nil {
		t.Fatal(err)
	}
	if got.Big != math.MaxUint64 || !got.When.Equal(decodeWhen) {
		t.Errorf("got %+v", got)
	}
}

func TestDecodeUnexported(t *testing.T) {
	type withPrivate struct {
		Key  string
		text string
	}
	got := withPrivate{text: "kept"}
	if err := Decode(decodeInstance(t), &got); err != nil {
		t.Fatal(err)
	}
	if got.Key != "k" || got.text != "kept" {
		t.Errorf("got %+v", got)
	}
}

func TestExtendedStatusRoundTrip(t *testing.T) {
	in := &status.Error{Code: status.NotFound, Operation: "IWbemServices::GetObject", ParameterInfo: "X.Id=1", Description: "gone"}
	obj := ExtendedStatus(in)
	if obj.ClassName() != "__ExtendedStatus" || !obj.InheritsFrom("__NotifyStatus") {
		t.Fatalf("class %s", obj.ClassName())
	}
	err := ResultError(status.NotFound, obj)
	var out *status.Error
	if !errors.As(err, &out) || out.Code != in.Code || out.Operation != in.Operation ||
		out.ParameterInfo != in.ParameterInfo || out.Description != in.Description || out.ProviderName != "Windows Management" {
		t.Errorf("round trip: %+v", out)
	}
	if ExtendedStatus(nil) != nil {
		t.Error("ExtendedStatus(nil) is not nil")
	}
}
