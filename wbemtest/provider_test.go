package wbemtest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeSink is a provider.Sink that records what it is sent and fails on
// demand.
type fakeSink struct {
	mu       sync.Mutex
	batches  [][]cim.Object
	progress [][2]uint16
	failAt   int // Send fails once this many objects came (0: never)
	n        int
}

var errSinkGone = errors.New("fake sink: the caller is gone")

func (s *fakeSink) Send(objs ...cim.Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failAt > 0 && s.n >= s.failAt {
		return errSinkGone
	}
	s.batches = append(s.batches, slices.Clone(objs))
	s.n += len(objs)
	return nil
}

func (s *fakeSink) Progress(done, total uint16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress = append(s.progress, [2]uint16{done, total})
	return nil
}

func (s *fakeSink) objects() []cim.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []cim.Object
	for _, b := range s.batches {
		out = append(out, b...)
	}
	return out
}

func testClass(t *testing.T, name string) *cim.Class {
	t.Helper()
	c := localClasses()[name]
	if c == nil {
		for _, l := range localClasses() {
			if l.Name == name {
				c = l
			}
		}
	}
	if c == nil {
		t.Fatalf("no class %s", name)
	}
	return c
}

func enumReq(t *testing.T, class string) *provider.EnumerateRequest {
	return &provider.EnumerateRequest{Request: provider.Request{Namespace: `root\wbemtest`, Class: testClass(t, class)}}
}

func itemIDs(t *testing.T, objs []cim.Object) []uint64 {
	t.Helper()
	var out []uint64
	for _, o := range objs {
		v, err := o.Get("Id")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := v.Uint()
		out = append(out, n)
	}
	return out
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClassesAreValid(t *testing.T) {
	for _, c := range Classes() {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	w := testClass(t, WorkerClass)
	for _, m := range []string{"Work", "Double", "Fail", "Panic", "Progress"} {
		if _, _, err := w.GetMethod(m); err != nil {
			t.Errorf("method %s: %v", m, err)
		}
	}
	if !testClass(t, ItemExClass).InheritsFrom(ItemClass) || testClass(t, ItemClass).Provider() != ProviderName {
		t.Error("the item classes are not linked or have no provider")
	}
	if !testClass(t, LinkClass).IsAssociation() {
		t.Error("the link class is no association")
	}
}

func TestProviderEnumerates(t *testing.T) {
	p := NewProvider()
	p.Script(ItemClass, Script{Count: 5, Batch: 2, ProgressEvery: 2})
	s := &fakeSink{}
	if err := p.EnumerateInstances(context.Background(), enumReq(t, ItemClass), s); err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(t, s.objects()); !slices.Equal(got, []uint64{0, 1, 2, 3, 4}) {
		t.Errorf("ids %v", got)
	}
	if len(s.batches) != 3 || len(s.batches[0]) != 2 || len(s.batches[2]) != 1 {
		t.Errorf("batches of %v objects", len(s.batches))
	}
	if len(s.progress) != 2 || s.progress[1] != [2]uint16{4, 5} {
		t.Errorf("progress %v", s.progress)
	}
	calls := p.Calls()
	if len(calls) != 1 || calls[0].Op != OpEnumerate || calls[0].Produced != 5 || !calls[0].Completed || calls[0].Running() {
		t.Errorf("calls %v", calls)
	}
	if p.Produced(ItemClass) != 5 || p.Running() != 0 {
		t.Errorf("produced %d, running %d", p.Produced(ItemClass), p.Running())
	}
	o := s.objects()[3]
	if v, _ := o.Get("Name"); !v.Equal(cim.String("item-3")) {
		t.Errorf("item 3 is named %v", v)
	}
}

func TestProviderSubtreeAndWrites(t *testing.T) {
	p := NewProvider()
	p.Script(ItemClass, Script{Count: 2})
	p.Script(ItemExClass, Script{Count: 1})
	ctx := context.Background()
	item := testClass(t, ItemClass)
	ex := testClass(t, ItemExClass)
	newEx := ex.MustSpawn().MustPut("Id", cim.Uint64(77)).MustPut("Extra", cim.String("mine"))
	if _, err := p.CreateInstance(ctx, &provider.PutRequest{Request: provider.Request{Class: ex}, Instance: newEx}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateInstance(ctx, &provider.PutRequest{Request: provider.Request{Class: ex}, Instance: newEx}); status.CodeOf(err) != status.AlreadyExists {
		t.Errorf("creating it again: %v", err)
	}
	mod := item.MustSpawn().MustPut("Id", cim.Uint64(1)).MustPut("Name", cim.String("renamed"))
	if err := p.ModifyInstance(ctx, &provider.PutRequest{Request: provider.Request{Class: item}, Instance: mod}); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteInstance(ctx, &provider.DeleteRequest{Request: provider.Request{Class: item}, Path: cim.MustParsePath(ItemPath(0))}); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteInstance(ctx, &provider.DeleteRequest{Request: provider.Request{Class: item}, Path: cim.MustParsePath(ItemPath(0))}); status.CodeOf(err) != status.NotFound {
		t.Errorf("deleting it again: %v", err)
	}
	s := &fakeSink{}
	if err := p.EnumerateInstances(ctx, enumReq(t, ItemClass), s); err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(t, s.objects()); !slices.Equal(got, []uint64{1, ItemExFirstID, 77}) {
		t.Errorf("the subtree holds %v", got)
	}
	if v, _ := s.objects()[0].Get("Name"); !v.Equal(cim.String("renamed")) {
		t.Errorf("item 1 is named %v after ModifyInstance", v)
	}
	// An ItemEx instance through a path naming WbemTest_Item.
	got, err := p.GetInstance(ctx, &provider.GetRequest{Request: provider.Request{Class: item}, Path: cim.MustParsePath(ItemPath(ItemExFirstID))})
	if err != nil || got.ClassName() != ItemExClass {
		t.Errorf("GetInstance of the ItemEx: %v, %v", got, err)
	}
	if _, err := p.GetInstance(ctx, &provider.GetRequest{Request: provider.Request{Class: item}, Path: cim.MustParsePath(ItemPath(0))}); status.CodeOf(err) != status.NotFound {
		t.Errorf("GetInstance of the deleted item: %v", err)
	}
	link := testClass(t, LinkClass)
	if _, err := p.GetInstance(ctx, &provider.GetRequest{Request: provider.Request{Class: link}}); !errors.Is(err, provider.ErrSkip) {
		t.Errorf("GetInstance of a link: %v, want ErrSkip", err)
	}
	ls := &fakeSink{}
	if err := p.EnumerateInstances(ctx, enumReq(t, LinkClass), ls); err != nil || len(ls.objects()) != 9 {
		t.Errorf("links: %d, %v", len(ls.objects()), err)
	}
	p.Reset()
	s = &fakeSink{}
	if err := p.EnumerateInstances(ctx, enumReq(t, ItemClass), s); err != nil || len(s.objects()) != 10 {
		t.Errorf("after Reset: %d items, %v", len(s.objects()), err)
	}
	if len(p.Calls()) != 1 {
		t.Errorf("Reset kept the call log: %v", p.Calls())
	}
}

func TestProviderIsLazyAndStopsWhenSendFails(t *testing.T) {
	p := NewProvider()
	p.Script(ItemClass, Script{Count: 1 << 40})
	s := &fakeSink{failAt: 1000}
	err := p.EnumerateInstances(context.Background(), enumReq(t, ItemClass), s)
	if !errors.Is(err, errSinkGone) {
		t.Errorf("enumeration of 2^40 items into a sink that fails: %v", err)
	}
	ci := p.Calls()[0]
	if ci.Produced != 1000 || !errors.Is(ci.SendErr, errSinkGone) || ci.Completed {
		t.Errorf("call %v", ci)
	}
}

func TestProviderQuery(t *testing.T) {
	p := NewProvider()
	req := &provider.QueryRequest{Request: enumReq(t, ItemClass).Request, Query: "SELECT * FROM WbemTest_Item WHERE Id = 1"}
	if err := p.ExecQuery(context.Background(), req, &fakeSink{}); !errors.Is(err, provider.ErrSkip) {
		t.Errorf("ExecQuery without Query: %v", err)
	}
	p.Script(ItemClass, Script{Count: 4, Query: true})
	s := &fakeSink{}
	if err := p.ExecQuery(context.Background(), req, s); err != nil || len(s.objects()) != 4 {
		t.Errorf("ExecQuery with Query: %d objects, %v; want all 4, unfiltered", len(s.objects()), err)
	}
	if q := p.Calls()[1].Query; q != req.Query {
		t.Errorf("recorded query %q", q)
	}
}

func TestProviderFaults(t *testing.T) {
	ctx := context.Background()
	for _, bare := range []bool{false, true} {
		p := NewProvider()
		p.Script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultFail, After: 3, Code: status.AccessDenied, Bare: bare}})
		s := &fakeSink{}
		err := p.EnumerateInstances(ctx, enumReq(t, ItemClass), s)
		e := status.From(err)
		if e == nil || e.Code != status.AccessDenied || len(s.objects()) != 3 || (e.ProviderName == ProviderName) == bare {
			t.Errorf("bare=%v: %v after %d objects", bare, err, len(s.objects()))
		}
	}

	p := NewProvider()
	p.Script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultPanic, After: 2}})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		_ = p.EnumerateInstances(ctx, enumReq(t, ItemClass), &fakeSink{})
	}()
	if ci := p.Calls()[0]; !ci.Panicked || ci.Running() || ci.Produced != 2 {
		t.Errorf("after the panic: %v", ci)
	}
	if p.Running() != 0 {
		t.Errorf("%d calls running after a panic", p.Running())
	}
}

func TestProviderBlockRelease(t *testing.T) {
	p := NewProvider()
	p.Script(ItemClass, Script{Count: 5, Fault: Fault{Kind: FaultBlock, After: 2}})
	done := make(chan error, 1)
	s := &fakeSink{}
	go func() { done <- p.EnumerateInstances(context.Background(), enumReq(t, ItemClass), s) }()
	ci, err := p.WaitCall(waitCtx(t), 0, func(c CallInfo) bool { return c.Blocked })
	if err != nil || ci.Produced != 2 {
		t.Fatalf("blocked call %v, %v", ci, err)
	}
	p.Release(ItemClass)
	if err := <-done; err != nil || len(s.objects()) != 5 {
		t.Errorf("after Release: %d objects, %v", len(s.objects()), err)
	}
	if err := p.WaitIdle(waitCtx(t)); err != nil {
		t.Error(err)
	}
}

func TestProviderBlockCancel(t *testing.T) {
	p := NewProvider()
	p.Script(ItemClass, Script{Count: 5, Fault: Fault{Kind: FaultBlock}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.EnumerateInstances(ctx, enumReq(t, ItemClass), &fakeSink{}) }()
	if _, err := p.WaitCall(waitCtx(t), 0, func(c CallInfo) bool { return c.Blocked }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("blocked call whose ctx ends: %v", err)
	}
	if ci := p.Calls()[0]; ci.CtxDone.IsZero() || ci.Blocked || ci.Running() {
		t.Errorf("call %v", ci)
	}
}

func TestProviderAbort(t *testing.T) {
	p := NewProvider()
	p.Script(ItemClass, Script{Count: 1 << 40})
	done := make(chan error, 1)
	go func() {
		done <- p.EnumerateInstances(context.Background(), enumReq(t, ItemClass), &fakeSink{failAt: 1 << 30})
	}()
	if _, err := p.WaitCall(waitCtx(t), 0, func(c CallInfo) bool { return c.Op == OpEnumerate }); err != nil {
		t.Fatal(err)
	}
	p.Abort()
	if err := <-done; !errors.Is(err, ErrAborted) {
		t.Errorf("aborted call: %v", err)
	}
	p.Rearm()
	p.Script(ItemClass, Script{Count: 3})
	s := &fakeSink{}
	if err := p.EnumerateInstances(context.Background(), enumReq(t, ItemClass), s); err != nil || len(s.objects()) != 3 {
		t.Errorf("after Rearm: %d objects, %v", len(s.objects()), err)
	}
}

func TestProviderDelayEndsWithCtx(t *testing.T) {
	p := NewProvider()
	p.Script(ItemClass, Script{Count: 5, Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.EnumerateInstances(ctx, enumReq(t, ItemClass), &fakeSink{}) }()
	if _, err := p.WaitCall(waitCtx(t), 0, func(c CallInfo) bool { return c.Op == OpEnumerate }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("delayed call whose ctx ends: %v", err)
	}
}

func methodReq(t *testing.T, method string, path string, args map[string]cim.Value) *provider.MethodRequest {
	t.Helper()
	w := testClass(t, WorkerClass)
	in, out, err := w.GetMethod(method)
	if err != nil {
		t.Fatal(err)
	}
	var inst *cim.Instance
	if in != nil {
		inst = in.MustSpawn()
		for k, v := range args {
			inst.MustPut(k, v)
		}
	}
	return &provider.MethodRequest{Request: provider.Request{Class: w}, Path: cim.MustParsePath(path),
		Method: w.Method(method), In: inst, OutClass: out}
}

func TestProviderMethods(t *testing.T) {
	p := NewProvider()
	ctx := context.Background()
	out, err := p.ExecMethod(ctx, methodReq(t, "Double", WorkerClass, map[string]cim.Value{"Value": cim.Uint32(21)}), &fakeSink{})
	if err != nil || !out.Value("Result").Equal(cim.Uint32(42)) || !out.Value("ReturnValue").Equal(cim.Uint32(0)) {
		t.Errorf("Double(21) = %v, %v", out, err)
	}
	out, err = p.ExecMethod(ctx, methodReq(t, "Work", WorkerPath("w0"), map[string]cim.Value{"Milliseconds": cim.Uint32(1)}), &fakeSink{})
	if err != nil || !out.Value("Done").Equal(cim.Uint32(1)) {
		t.Errorf("Work(1) = %v, %v", out, err)
	}
	_, err = p.ExecMethod(ctx, methodReq(t, "Fail", WorkerPath("w0"), map[string]cim.Value{"Code": cim.Uint32(uint32(status.NotAvailable))}), &fakeSink{})
	if e := status.From(err); e == nil || e.Code != status.NotAvailable || e.ProviderName != ProviderName {
		t.Errorf("Fail: %v", err)
	}
	s := &fakeSink{}
	out, err = p.ExecMethod(ctx, methodReq(t, "Progress", WorkerPath("w0"), map[string]cim.Value{"Steps": cim.Uint32(3)}), s)
	if err != nil || len(s.progress) != 3 || s.progress[2] != [2]uint16{3, 3} || !out.Value("Done").Equal(cim.Uint32(3)) {
		t.Errorf("Progress(3): %v, %v, progress %v", out, err, s.progress)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Panic did not panic")
			}
		}()
		_, _ = p.ExecMethod(ctx, methodReq(t, "Panic", WorkerPath("w0"), nil), &fakeSink{})
	}()
	for _, ci := range p.Calls() {
		want := ci.Method != "Fail" && ci.Method != "Panic"
		if ci.Completed != want || ci.Op != OpMethod || !ci.CtxDone.IsZero() {
			t.Errorf("call %v: Completed %v, want %v", ci, ci.Completed, want)
		}
	}
}

func TestProviderBlockOnlyMethods(t *testing.T) {
	p := NewProvider()
	p.Script(WorkerClass, Script{Count: 1, Fault: Fault{Kind: FaultBlock, Ops: []Op{OpMethod}}})
	ctx := context.Background()
	w := testClass(t, WorkerClass)
	if _, err := p.GetInstance(ctx, &provider.GetRequest{Request: provider.Request{Class: w}, Path: cim.MustParsePath(WorkerPath("w0"))}); err != nil {
		t.Fatalf("GetInstance of the worker, not blocked: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.ExecMethod(ctx, methodReq(t, "Work", WorkerPath("w0"), nil), &fakeSink{})
		done <- err
	}()
	if _, err := p.WaitCall(waitCtx(t), 0, func(c CallInfo) bool { return c.Op == OpMethod && c.Blocked }); err != nil {
		t.Fatal(err)
	}
	p.Release(WorkerClass)
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// fakeEventSink is a provider.EventSink.
type fakeEventSink struct {
	mu     sync.Mutex
	events []*cim.Instance
}

func (s *fakeEventSink) Send(events ...*cim.Instance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, events...)
	return nil
}

func (s *fakeEventSink) Active() bool { return true }

func TestProviderEvents(t *testing.T) {
	p := NewProvider()
	if q := p.EventQueries(); len(q) != 1 || q[0] != "SELECT * FROM "+EventClass {
		t.Errorf("EventQueries = %q", q)
	}
	ext := cim.NewClass("__ExtrinsicEvent", nil)
	ev := NewEventClass(ext)
	if err := ev.Validate(); err != nil {
		t.Fatal(err)
	}
	req := &provider.EventRequest{Namespace: `root\wbemtest`, Queries: p.EventQueries(),
		Class: func(name string) (*cim.Class, error) {
			if name == EventClass {
				return ev, nil
			}
			return nil, status.New(status.InvalidClass, name)
		}}
	sink := &fakeEventSink{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.ProvideEvents(ctx, req, sink) }()
	p.NewQuery(7, "SELECT * FROM "+EventClass)
	if err := p.WaitEvents(waitCtx(t), func(listening int, queries map[uint32]string) bool {
		return listening == 1 && len(queries) == 1
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := p.RaiseEvent("tick", 3); n != 1 || err != nil {
		t.Fatalf("RaiseEvent: %d, %v", n, err)
	}
	if len(sink.events) != 1 || !sink.events[0].Value("Seq").Equal(cim.Uint32(3)) {
		t.Errorf("events %v", sink.events)
	}
	p.CancelQuery(7)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("ProvideEvents: %v", err)
	}
	if p.Listening() != 0 || len(p.ActiveQueries()) != 0 {
		t.Errorf("listening %d, queries %v", p.Listening(), p.ActiveQueries())
	}
	if log := p.QueryLog(); len(log) != 2 || !log[0].New || log[1].New || log[1].Query == "" {
		t.Errorf("query log %v", log)
	}
}

// TestRecSink checks that the suite's sink catches what it must.
func TestRecSink(t *testing.T) {
	var clk clock
	s := newSink("one", &clk, true)
	_ = s.SetStatus(wbem.StatusProgress, wbem.ProgressCode(1, 2), "", nil) // progress not asked for
	_ = s.Indicate(nil)                                                    // no objects
	_ = s.SetStatus(wbem.StatusComplete, status.SNoError, "", nil)
	_ = s.SetStatus(wbem.StatusComplete, status.SNoError, "", nil) // a second final
	_ = s.SetStatus(wbem.StatusRequirements, 0, "", nil)           // a kind gowmi never sends
	rec := &recordingTB{}
	s.check(rec, 1)
	if len(rec.errs) != 6 {
		t.Errorf("%d complaints, want 6: %q", len(rec.errs), rec.errs)
	}

	// Overlapping callbacks of one call.
	s = newSink("overlap", &clk, true)
	entered, release := make(chan struct{}), make(chan struct{})
	s.onIndicate = func([]cim.Object) error {
		close(entered)
		<-release
		return nil
	}
	go func() { _ = s.Indicate([]cim.Object{testClass(t, ItemClass)}) }()
	<-entered
	_ = s.SetStatus(wbem.StatusComplete, status.CallCancelled, "", nil)
	close(release)
	rec = &recordingTB{}
	s.check(rec, 1)
	if len(rec.errs) != 1 {
		t.Errorf("overlap: %q", rec.errs)
	}
	if f := s.waitFinal(t, time.Second); f.hr != status.CallCancelled {
		t.Errorf("final %v", f)
	}
}

// recordingTB collects the errors a check reports.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}
