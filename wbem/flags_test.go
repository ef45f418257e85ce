package wbem

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

// refAllowed lists, after wmi-api.md §2.4 (MS-WMI §3.1.4.3 and the SDK
// pages), the flags each method accepts besides the mode flags
// (FlagReturnImmediately for semisynchronous calls, FlagSendStatus for
// asynchronous ones, FlagForwardOnly for the enumerating methods when not
// asynchronous) and FlagNoErrorObject, which every method ignores.
var refAllowed = map[Method]Flags{
	MethodOpenNamespace:         0,
	MethodGetObject:             FlagUseAmendedQualifiers | FlagDirectRead,
	MethodPutClass:              FlagUseAmendedQualifiers | FlagUpdateOnly | FlagCreateOnly | FlagUpdateSafeMode | FlagUpdateForceMode | FlagOwnerUpdate,
	MethodDeleteClass:           0,
	MethodCreateClassEnum:       FlagUseAmendedQualifiers | FlagShallow,
	MethodPutInstance:           FlagUseAmendedQualifiers | FlagUpdateOnly | FlagCreateOnly | FlagOwnerUpdate,
	MethodDeleteInstance:        FlagOwnerUpdate,
	MethodCreateInstanceEnum:    FlagUseAmendedQualifiers | FlagShallow | FlagDirectRead | FlagEnsureLocatable,
	MethodExecQuery:             FlagUseAmendedQualifiers | FlagDirectRead | FlagEnsureLocatable | FlagPrototype,
	MethodExecNotificationQuery: FlagUseAmendedQualifiers,
	MethodExecMethod:            0,
	MethodQueryObjectSink:       0,
}

// refModes lists the modes each method has.
var refModes = map[Method][]Mode{
	MethodOpenNamespace:         {Sync, Semisync},
	MethodGetObject:             {Sync, Semisync, Async},
	MethodPutClass:              {Sync, Semisync, Async},
	MethodDeleteClass:           {Sync, Semisync, Async},
	MethodCreateClassEnum:       {Sync, Semisync, Async},
	MethodPutInstance:           {Sync, Semisync, Async},
	MethodDeleteInstance:        {Sync, Semisync, Async},
	MethodCreateInstanceEnum:    {Sync, Semisync, Async},
	MethodExecQuery:             {Sync, Semisync, Async},
	MethodExecNotificationQuery: {Semisync, Async},
	MethodExecMethod:            {Sync, Semisync, Async},
	MethodQueryObjectSink:       {Sync},
}

// every flag bit a caller can set, named or not.
var flagBits = []Flags{0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0x1000,
	0x2000, 0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x100000, 0x200000, 0x40000000}

// modeBase is what a call in a mode must carry.
func modeBase(m Method, mode Mode) Flags {
	switch {
	case mode == Semisync && m == MethodExecNotificationQuery:
		return FlagReturnImmediately | FlagForwardOnly
	case mode == Semisync:
		return FlagReturnImmediately
	}
	return 0
}

// refValid is the reference's verdict on one call's flags.
func refValid(m Method, mode Mode, f Flags) bool {
	if m == MethodExecNotificationQuery && mode == Sync {
		return false
	}
	allowed := refAllowed[m] | FlagNoErrorObject
	switch mode {
	case Semisync:
		if f&FlagReturnImmediately == 0 {
			return false
		}
		if m == MethodExecNotificationQuery && f&FlagForwardOnly == 0 {
			return false
		}
		allowed |= FlagReturnImmediately
	case Async:
		allowed |= FlagSendStatus
	}
	if mode != Async && m.ReturnsEnumerator() {
		allowed |= FlagForwardOnly
	}
	if f&^allowed != 0 {
		return false
	}
	if (m == MethodPutClass || m == MethodPutInstance) && f&FlagUpdateOnly != 0 && f&FlagCreateOnly != 0 {
		return false
	}
	if m == MethodPutClass && f&FlagUpdateSafeMode != 0 && f&FlagUpdateForceMode != 0 {
		return false
	}
	return true
}

// knownDiscrepancies are the cases where flags.go and wmi-api.md disagree.
// Each is logged, not failed; an entry that no longer differs fails, so
// that it gets removed. (None remain.)
var knownDiscrepancies = map[string]string{}

func checkFlags(t *testing.T, m Method, mode Mode, f Flags, want bool) {
	t.Helper()
	err := ValidateFlags(m, mode, f)
	got := err == nil
	key := fmt.Sprintf("%s/%s/%#x", m, mode, int32(f))
	if err != nil && !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("%s: error %v is not WBEM_E_INVALID_PARAMETER", key, err)
	}
	if err != nil && status.From(err).Operation != "IWbemServices::"+m.String() {
		t.Errorf("%s: error %v does not name the operation", key, err)
	}
	why, known := knownDiscrepancies[key]
	switch {
	case got != want && known:
		t.Logf("%s: known discrepancy with wmi-api.md: %s", key, why)
	case got != want:
		t.Errorf("%s: valid=%v (%v), want valid=%v", key, got, err, want)
	case known:
		t.Errorf("%s: no longer differs from wmi-api.md (%s): remove it from knownDiscrepancies", key, why)
	}
}

// TestValidateFlagsEveryBit tries every flag bit alone on every method in
// every mode.
func TestValidateFlagsEveryBit(t *testing.T) {
	for m, modes := range refModes {
		for _, mode := range modes {
			base := modeBase(m, mode)
			checkFlags(t, m, mode, base, refValid(m, mode, base))
			for _, b := range flagBits {
				f := base | b
				checkFlags(t, m, mode, f, refValid(m, mode, f))
			}
		}
	}
}

// TestValidateFlagsCombinations checks the rules that involve several
// flags, and every allowed flag of a method at once.
func TestValidateFlagsCombinations(t *testing.T) {
	cases := []struct {
		m    Method
		mode Mode
		f    Flags
		want bool
	}{
		{MethodPutInstance, Sync, FlagUpdateOnly | FlagCreateOnly, false},
		{MethodPutInstance, Async, FlagUpdateOnly | FlagCreateOnly, false},
		{MethodPutInstance, Semisync, FlagReturnImmediately | FlagUpdateOnly | FlagCreateOnly, false},
		{MethodPutClass, Sync, FlagUpdateOnly | FlagCreateOnly, false},
		{MethodPutClass, Sync, FlagUpdateOnly | FlagUpdateSafeMode, true},
		{MethodPutClass, Sync, FlagUpdateSafeMode | FlagUpdateForceMode, false},
		{MethodPutInstance, Sync, FlagUpdateOnly | FlagOwnerUpdate | FlagUseAmendedQualifiers, true},
		{MethodGetObject, Sync, FlagSendStatus, false},
		{MethodGetObject, Async, FlagReturnImmediately, false},
		{MethodGetObject, Semisync, 0, false},
		{MethodGetObject, Semisync, FlagReturnImmediately | FlagSendStatus, false},
		{MethodGetObject, Async, FlagSendStatus | FlagDirectRead | FlagUseAmendedQualifiers | FlagNoErrorObject, true},
		{MethodExecQuery, Semisync, FlagReturnImmediately | FlagForwardOnly, true},
		{MethodExecQuery, Sync, FlagForwardOnly | FlagPrototype | FlagEnsureLocatable | FlagDirectRead, true},
		{MethodExecQuery, Async, FlagForwardOnly, false},
		{MethodCreateInstanceEnum, Semisync, FlagReturnImmediately | FlagForwardOnly | FlagShallow, true},
		{MethodCreateInstanceEnum, Async, FlagSendStatus | FlagShallow | FlagDirectRead, true},
		{MethodCreateClassEnum, Sync, FlagDirectRead, false},
		{MethodExecNotificationQuery, Sync, 0, false},
		{MethodExecNotificationQuery, Sync, FlagForwardOnly, false},
		{MethodExecNotificationQuery, Semisync, FlagReturnImmediately, false},
		{MethodExecNotificationQuery, Semisync, FlagReturnImmediately | FlagForwardOnly, true},
		{MethodExecNotificationQuery, Async, 0, true},
		{MethodExecNotificationQuery, Async, FlagSendStatus, true},
		{MethodExecMethod, Sync, FlagUseAmendedQualifiers, false},
		{MethodExecMethod, Async, FlagSendStatus, true},
		{MethodOpenNamespace, Semisync, FlagReturnImmediately, true},
		{MethodQueryObjectSink, Sync, 0, true},
		{MethodQueryObjectSink, Sync, FlagSendStatus, false},
		{MethodDeleteInstance, Sync, 0x1000, false},               // reserved
		{MethodDeleteInstance, Sync, FlagStrongValidation, false}, // MUST NOT be set
		{MethodDeleteInstance, Sync, FlagNoErrorObject, true},     // ignored
	}
	for _, c := range cases {
		checkFlags(t, c.m, c.mode, c.f, c.want)
	}
	for m, modes := range refModes {
		for _, mode := range modes {
			f := modeBase(m, mode) | refAllowed[m] | FlagNoErrorObject
			if mode == Async {
				f |= FlagSendStatus
			}
			if mode != Async && m.ReturnsEnumerator() {
				f |= FlagForwardOnly
			}
			if m == MethodPutClass || m == MethodPutInstance {
				f &^= FlagCreateOnly | FlagUpdateSafeMode
			}
			checkFlags(t, m, mode, f, refValid(m, mode, f))
		}
	}
}

func TestMethodNames(t *testing.T) {
	for m := MethodOpenNamespace; m <= MethodCancelAsyncCall; m++ {
		if s := m.String(); s == "" || strings.HasPrefix(s, "Method(") {
			t.Errorf("method %d has no name", int(m))
		}
	}
	if got := Method(99).String(); got != "Method(99)" {
		t.Errorf("Method(99).String() = %q", got)
	}
	enum := map[Method]bool{MethodCreateClassEnum: true, MethodCreateInstanceEnum: true, MethodExecQuery: true, MethodExecNotificationQuery: true}
	for m := MethodOpenNamespace; m <= MethodCancelAsyncCall; m++ {
		if m.ReturnsEnumerator() != enum[m] {
			t.Errorf("%s.ReturnsEnumerator() = %v", m, m.ReturnsEnumerator())
		}
	}
	for mode, want := range map[Mode]string{Sync: "synchronous", Semisync: "semisynchronous", Async: "asynchronous"} {
		if mode.String() != want {
			t.Errorf("%d.String() = %q", mode, mode.String())
		}
	}
	for f, want := range map[StatusFlags]string{StatusComplete: "WBEM_STATUS_COMPLETE", StatusProgress: "WBEM_STATUS_PROGRESS",
		StatusRequirements: "WBEM_STATUS_REQUIREMENTS", 0x100: "WBEM_STATUS(0x100)"} {
		if f.String() != want {
			t.Errorf("StatusFlags(%d).String() = %q, want %q", int32(f), f.String(), want)
		}
	}
}

func TestFlagValues(t *testing.T) {
	// Microsoft's values, from wbemcli.h.
	for f, want := range map[Flags]int32{
		FlagReturnImmediately: 0x10, FlagForwardOnly: 0x20, FlagNoErrorObject: 0x40, FlagSendStatus: 0x80,
		FlagEnsureLocatable: 0x100, FlagDirectRead: 0x200, FlagUseAmendedQualifiers: 0x20000,
		FlagStrongValidation: 0x100000, FlagShallow: 1, FlagPrototype: 2, FlagOwnerUpdate: 0x10000,
		MaskReservedFlags: 0x1F000, MaskUpdateMode: 0x60,
	} {
		if int32(f) != want {
			t.Errorf("flag %#x, want %#x", int32(f), want)
		}
	}
}

func TestProgressCode(t *testing.T) {
	for _, c := range []struct{ done, total uint16 }{{0, 0}, {1, 10}, {65535, 65535}, {7, 0}} {
		hr := ProgressCode(c.done, c.total)
		if hr.Failed() && c.total < 0x8000 {
			t.Errorf("ProgressCode(%d, %d) = %s is a failure", c.done, c.total, hr)
		}
		d, tot := ProgressOf(hr)
		if d != c.done || tot != c.total {
			t.Errorf("ProgressOf(ProgressCode(%d, %d)) = %d, %d", c.done, c.total, d, tot)
		}
	}
	if hr := ProgressCode(3, 4); uint32(hr) != 0x00040003 {
		t.Errorf("ProgressCode(3, 4) = %#x, want LOWORD done, HIWORD total", uint32(hr))
	}
}
