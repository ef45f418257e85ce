package cimom

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPanickingProviderFailsItsCallOnly(t *testing.T) {
	p := &benchProvider{Count: 3}
	om, svc := newTestManager(t, p, nil)
	ctx := context.Background()
	p.panicNow.Store(true)
	for _, mode := range []string{"sync", "async"} {
		var err error
		switch mode {
		case "sync":
			_, err = svc.CreateInstanceEnum(ctx, "Bench_Item", 0, nil)
		case "async":
			sink := newRecSink()
			if err := svc.CreateInstanceEnumAsync(ctx, "Bench_Item", 0, nil, sink); err != nil {
				t.Fatal(err)
			}
			sink.wait(t)
			_, finals := sink.final()
			err = wbem.ResultError(finals[0], sink.errObjs[0])
		}
		if !errors.Is(err, status.ErrProviderFailure) {
			t.Errorf("%s: err = %v, want WBEM_E_PROVIDER_FAILURE", mode, err)
		}
	}
	p.panicNow.Store(false)
	e, err := svc.CreateInstanceEnum(ctx, "Bench_Item", 0, nil)
	if err != nil {
		t.Fatalf("the object manager stopped serving after a panic: %v", err)
	}
	objs, err := e.Next(ctx, wbem.Infinite, 10)
	if len(objs) != 3 || !errors.Is(err, status.ErrSFalse) {
		t.Errorf("after the panic: %d objects, %v", len(objs), err)
	}
	_ = e.Close()
	if om.Metrics().ProviderPanics != 2 {
		t.Errorf("ProviderPanics = %d, want 2", om.Metrics().ProviderPanics)
	}
}

func TestExtendedStatusOnFailure(t *testing.T) {
	_, svc := newTestManager(t, &benchProvider{}, nil)
	sink := newRecSink()
	if err := svc.GetObjectAsync(context.Background(), `No_Such_Class.Id=1`, 0, nil, sink); err != nil {
		t.Fatal(err)
	}
	sink.wait(t)
	_, finals := sink.final()
	if finals[0] != status.InvalidClass {
		t.Fatalf("final = %v", finals[0])
	}
	ext := sink.errObjs[0]
	if ext == nil || ext.ClassName() != "__ExtendedStatus" {
		t.Fatalf("no __ExtendedStatus: %v", ext)
	}
	for name, want := range map[string]string{"Operation": "IWbemServices::GetObject", "ParameterInfo": "No_Such_Class.Id=1", "ProviderName": "Windows Management"} {
		v, _ := ext.Get(name)
		if s, _ := v.Str(); s != want {
			t.Errorf("%s = %q, want %q", name, s, want)
		}
	}
	v, _ := ext.Get("StatusCode")
	if n, _ := v.Uint(); status.Code(n) != status.InvalidClass {
		t.Errorf("StatusCode = %v", v)
	}
}

func TestStaticClassesAndInstances(t *testing.T) {
	_, svc := newTestManager(t, &benchProvider{}, nil)
	ctx := context.Background()
	c := &cim.Class{Name: "Test_Static", Properties: []*cim.Property{
		{Name: "Name", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}},
		{Name: "Size", Type: cim.TypeUint32, Value: cim.Uint32(7)},
	}}
	if err := svc.PutClass(ctx, c, wbem.FlagCreateOnly, nil); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutClass(ctx, c, wbem.FlagCreateOnly, nil); !errors.Is(err, status.ErrAlreadyExists) {
		t.Errorf("second create-only PutClass: %v", err)
	}
	obj, err := svc.GetObject(ctx, "Test_Static", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cls := obj.(*cim.Class)
	for _, name := range []string{"a", "b"} {
		inst := cls.MustSpawn().MustPut("Name", cim.String(name))
		path, err := svc.PutInstance(ctx, inst, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := `Test_Static.Name="` + name + `"`; path != want {
			t.Errorf("PutInstance path = %q, want %q", path, want)
		}
	}
	got, err := svc.GetObject(ctx, `Test_Static.Name="A"`, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.Get("__PATH"); v.String() != `\\TESTHOST\root\cimomtest:Test_Static.Name="a"` {
		t.Errorf("__PATH = %v", v)
	}
	if v, _ := got.Get("Size"); v.String() != "7" {
		t.Errorf("Size = %v (the class default)", v)
	}
	e, err := svc.ExecQuery(ctx, "WQL", "SELECT Name FROM Test_Static WHERE Name > 'a'", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := e.Next(ctx, wbem.Infinite, 10)
	if !errors.Is(err, status.ErrSFalse) || len(objs) != 1 {
		t.Fatalf("query: %d objects, %v", len(objs), err)
	}
	if v, _ := objs[0].Get("Name"); v.String() != "b" {
		t.Errorf("query returned %v", v)
	}
	if err := svc.DeleteInstance(ctx, `Test_Static.Name="b"`, 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetObject(ctx, `Test_Static.Name="b"`, 0, nil); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("GetObject after delete: %v", err)
	}
	if err := svc.DeleteClass(ctx, "Test_Static", 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetObject(ctx, `Test_Static.Name="a"`, 0, nil); !errors.Is(err, status.ErrInvalidClass) {
		t.Errorf("instance of a deleted class: %v", err)
	}
}

func TestShutdownEndsPendingCalls(t *testing.T) {
	p := &benchProvider{Block: true}
	om, svc := newTestManager(t, p, nil)
	sinks := make([]*recSink, 20)
	for i := range sinks {
		sinks[i] = newRecSink()
		if err := svc.CreateInstanceEnumAsync(context.Background(), "Bench_Item", 0, nil, sinks[i]); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := om.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range sinks {
		s.wait(t)
		if _, finals := s.final(); len(finals) != 1 || finals[0] != status.ShuttingDown {
			t.Errorf("finals = %v, want one WBEM_E_SHUTTING_DOWN", finals)
		}
	}
	if p.started.Load() != p.stopped.Load() {
		t.Errorf("%d provider calls started, %d stopped", p.started.Load(), p.stopped.Load())
	}
	if _, err := svc.GetObject(context.Background(), "Bench_Item", 0, nil); !errors.Is(err, status.ErrShuttingDown) {
		t.Errorf("call after shutdown: %v", err)
	}
}

func TestConnectUnknownNamespace(t *testing.T) {
	om, _ := newTestManager(t, &benchProvider{}, nil)
	if _, err := om.Connect(context.Background(), `root\nowhere`, nil); !errors.Is(err, status.ErrInvalidNamespace) {
		t.Errorf("Connect: %v", err)
	}
}

func TestNextAsyncEndsWhenEnumeratorCloses(t *testing.T) {
	p := &benchProvider{Block: true}
	_, svc := newTestManager(t, p, nil)
	ctx := context.Background()
	e, err := svc.CreateInstanceEnum(ctx, "Bench_Item", wbem.FlagReturnImmediately|wbem.FlagForwardOnly, nil)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink()
	if err := e.NextAsync(ctx, 10, sink); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	sink.wait(t)
	if _, finals := sink.final(); len(finals) != 1 || finals[0] != status.CallCancelled {
		t.Errorf("finals = %v, want one WBEM_E_CALL_CANCELLED", finals)
	}
}
