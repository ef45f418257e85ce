package wbem_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// A class and an instance as a provider would return them.
func exampleDisk() *cim.Instance {
	c := cim.NewClass("Example_Disk", nil)
	c.Properties = []*cim.Property{
		{Name: "DeviceID", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}},
		{Name: "Size", Type: cim.TypeUint64},
		{Name: "FreeSpace", Type: cim.TypeUint64},
		{Name: "Label", Type: cim.TypeString},
		{Name: "Flags", Type: cim.TypeUint16.ArrayOf()},
		{Name: "InstallDate", Type: cim.TypeDateTime},
		{Name: "CheckInterval", Type: cim.TypeDateTime},
	}
	d := c.MustSpawn()
	d.MustPut("DeviceID", cim.String("C:"))
	d.MustPut("Size", cim.Uint64(512<<30))
	d.MustPut("FreeSpace", cim.Uint64(100<<30))
	d.MustPut("Flags", cim.MustArray(cim.TypeUint16, cim.Uint16(1), cim.Uint16(4)))
	d.MustPut("InstallDate", cim.DateTimeValue(cim.MustParseDateTime("20240115093000.000000+000")))
	d.MustPut("CheckInterval", cim.DateTimeValue(cim.Interval(36*time.Hour)))
	return d
}

func ExampleDecode() {
	type Disk struct {
		ID        string `wmi:"DeviceID"`
		Size      uint64
		FreeSpace uint64
		Label     *string // NULL: nil
		Flags     []uint16
		Installed time.Time     `wmi:"InstallDate"`
		Every     time.Duration `wmi:"CheckInterval"`
		Path      string        `wmi:"__RELPATH"`
	}
	var d Disk
	if err := wbem.Decode(exampleDisk(), &d); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %d GiB free of %d GiB, label %v, flags %v\n", d.ID, d.FreeSpace>>30, d.Size>>30, d.Label, d.Flags)
	fmt.Println(d.Installed.UTC().Format(time.RFC3339), d.Every, d.Path)

	// A value that does not fit its field is WBEM_E_TYPE_MISMATCH.
	var small struct{ Size uint16 }
	err := wbem.Decode(exampleDisk(), &small)
	fmt.Println(errors.Is(err, status.ErrTypeMismatch))
	// Output:
	// C: 100 GiB free of 512 GiB, label <nil>, flags [1 4]
	// 2024-01-15T09:30:00Z 36h0m0s Example_Disk.DeviceID="C:"
	// true
}

func ExampleProgressCode() {
	// A provider that has done 3 of 8 steps reports this progress code;
	// SetStatus(WBEM_STATUS_PROGRESS, hr, ...) carries it to the sink.
	hr := wbem.ProgressCode(3, 8)
	fmt.Printf("0x%08X\n", uint32(hr))

	done, total := wbem.ProgressOf(hr)
	fmt.Printf("%d/%d\n", done, total)
	// Output:
	// 0x00080003
	// 3/8
}

func ExampleResultError() {
	// The final SetStatus of a failed call carries the code and an
	// __ExtendedStatus object; ResultError turns them into an error.
	err := wbem.ResultError(status.NotFound, nil)
	fmt.Println(errors.Is(err, status.ErrNotFound))
	fmt.Println(wbem.ResultError(status.SNoError, nil))
	fmt.Println(wbem.ResultError(status.SFalse, nil)) // success codes are no error
	// Output:
	// true
	// <nil>
	// <nil>
}

func ExampleValidateFlags() {
	err := wbem.ValidateFlags(wbem.MethodPutInstance, wbem.Sync, wbem.FlagUpdateOnly|wbem.FlagCreateOnly)
	fmt.Println(status.CodeOf(err).Name())

	// ExecNotificationQuery has no synchronous mode.
	err = wbem.ValidateFlags(wbem.MethodExecNotificationQuery, wbem.Semisync, wbem.FlagReturnImmediately|wbem.FlagForwardOnly)
	fmt.Println(err)
	// Output:
	// WBEM_E_INVALID_PARAMETER
	// <nil>
}

func ExampleContext() {
	wctx := wbem.NewContext()
	_ = wctx.SetValue(wbem.ContextProviderArchitecture, cim.Sint32(64))
	_ = wctx.SetValue("Verbose", cim.Boolean(true))
	v, _ := wctx.GetValue("verbose") // names are case-insensitive
	fmt.Println(wctx.Names(), v)
	// Output:
	// [__ProviderArchitecture Verbose] TRUE
}

// Query ranges over the results of a WQL query as they arrive; breaking out
// of the loop cancels the rest.
func ExampleQuery() {
	var svc wbem.Services // from gowmi.Connect
	ctx := context.Background()
	for obj, err := range wbem.Query(ctx, svc, "SELECT Name, ProcessId FROM Win32_Process") {
		if err != nil {
			fmt.Println(err)
			break
		}
		name, _ := obj.Get("Name")
		fmt.Println(name)
	}
}

// QueryAs decodes each result into a struct.
func ExampleQueryAs() {
	type Process struct {
		Name string
		PID  uint32 `wmi:"ProcessId"`
	}
	var svc wbem.Services // from gowmi.Connect
	for p, err := range wbem.QueryAs[Process](context.Background(), svc, "SELECT Name, ProcessId FROM Win32_Process") {
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println(p.PID, p.Name)
	}
}

// An asynchronous call delivers its results to a sink and ends with one
// final SetStatus.
func ExampleServices_CancelAsyncCall() {
	var svc wbem.Services // from gowmi.Connect
	ctx := context.Background()
	sink := &printSink{done: make(chan error, 1)}
	if err := svc.CreateInstanceEnumAsync(ctx, "Win32_Process", 0, nil, sink); err != nil {
		fmt.Println(err)
		return
	}
	select {
	case err := <-sink.done:
		fmt.Println("finished:", err)
	case <-time.After(time.Second):
		// Too slow: cancel. The sink still gets its one final status,
		// WBEM_E_CALL_CANCELLED.
		_ = svc.CancelAsyncCall(sink)
		fmt.Println(<-sink.done)
	}
}

// printSink prints what it receives. Use a pointer: a sink is known by its
// identity.
type printSink struct{ done chan error }

func (s *printSink) Indicate(objs []cim.Object) error {
	for _, o := range objs {
		fmt.Println(o)
	}
	return nil
}

func (s *printSink) SetStatus(flags wbem.StatusFlags, hr status.Code, param string, obj cim.Object) error {
	if flags == wbem.StatusComplete {
		s.done <- wbem.ResultError(hr, obj)
	}
	return nil
}
