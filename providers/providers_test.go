package providers_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSetup installs every provider twice (a restart updates the classes
// in place), registers them all, and checks that the Win32 classes derive
// from the CIM classes as Windows' do and that each answers a query.
func TestSetup(t *testing.T) {
	ctx := context.Background()
	store := repository.NewMemory()
	if err := providers.Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	om := cimom.New(store, &cimom.Options{Server: "TESTHOST"})
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := om.Shutdown(sctx); err != nil {
			t.Error(err)
		}
	}()
	if err := providers.Setup(ctx, store, om); err != nil {
		t.Fatal(err)
	}
	svc, err := om.Connect(ctx, `root\cimv2`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	tests := []struct {
		class      string
		derivation []string
		query      string // "" when the class is not enumerated
	}{
		{"Win32_OperatingSystem", []string{"CIM_OperatingSystem", "CIM_LogicalElement", "CIM_ManagedSystemElement"}, "SELECT * FROM Win32_OperatingSystem"},
		{"Win32_ComputerSystem", []string{"CIM_UnitaryComputerSystem", "CIM_ComputerSystem", "CIM_System", "CIM_LogicalElement", "CIM_ManagedSystemElement"}, "SELECT * FROM Win32_ComputerSystem"},
		{"Win32_Environment", []string{"CIM_SystemResource", "CIM_LogicalElement", "CIM_ManagedSystemElement"}, "SELECT * FROM Win32_Environment"},
		{"Win32_Process", []string{"CIM_Process", "CIM_LogicalElement", "CIM_ManagedSystemElement"}, "SELECT Name FROM Win32_Process"},
		{"Win32_ProcessStartTrace", []string{"Win32_ProcessTrace", "Win32_SystemTrace", "__ExtrinsicEvent", "__Event", "__IndicationRelated", "__SystemClass"}, ""},
		{"Win32_Volume", []string{"CIM_StorageVolume", "CIM_StorageExtent", "CIM_LogicalDevice", "CIM_LogicalElement", "CIM_ManagedSystemElement"}, "SELECT * FROM Win32_Volume"},
		{"Win32_LogicalDisk", []string{"CIM_LogicalDisk", "CIM_StorageExtent", "CIM_LogicalDevice", "CIM_LogicalElement", "CIM_ManagedSystemElement"}, "SELECT * FROM Win32_LogicalDisk"},
		{"Win32_Service", []string{"Win32_BaseService", "CIM_Service", "CIM_LogicalElement", "CIM_ManagedSystemElement"}, "SELECT * FROM Win32_Service"},
		{"Win32_PingStatus", nil, ""},
		{"Win32_NTLogEvent", nil, "SELECT * FROM Win32_NTLogEvent WHERE Logfile = 'Security'"},
		{"StdRegProv", nil, ""},
		{"CIM_Setting", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.class, func(t *testing.T) {
			obj, err := svc.GetObject(ctx, tt.class, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := obj.(*cim.Class).Derivation(); !slices.Equal(got, tt.derivation) && !(len(got) == 0 && tt.derivation == nil) {
				t.Errorf("__DERIVATION = %v, want %v", got, tt.derivation)
			}
			if tt.query != "" {
				if _, err := wbem.Collect(ctx, svc, tt.query); err != nil {
					t.Errorf("%s: %v", tt.query, err)
				}
			}
		})
	}
	if err := providers.Install(ctx, store); err != nil {
		t.Errorf("a second Install: %v", err)
	}
	def, err := om.Connect(ctx, `root\default`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer def.Close()
	if _, err := def.GetObject(ctx, "StdRegProv", 0, nil); err != nil {
		t.Errorf("StdRegProv in root\\default: %v", err)
	}
}
