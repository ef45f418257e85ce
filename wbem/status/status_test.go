package status

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCodeValues(t *testing.T) {
	tests := []struct {
		code Code
		name string
		want uint32
	}{
		{SNoError, "WBEM_S_NO_ERROR", 0},
		{SFalse, "WBEM_S_FALSE", 1},
		{STimedOut, "WBEM_S_TIMEDOUT", 0x40004},
		{SNewStyle, "WBEM_S_NEW_STYLE", 0x400FF},
		{Failed, "WBEM_E_FAILED", 0x80041001},
		{NotFound, "WBEM_E_NOT_FOUND", 0x80041002},
		{InvalidParameter, "WBEM_E_INVALID_PARAMETER", 0x80041008},
		{CallCancelled, "WBEM_E_CALL_CANCELLED", 0x80041032},
		{InvalidObjectPath, "WBEM_E_INVALID_OBJECT_PATH", 0x8004103A},
		{QuotaViolation, "WBEM_E_QUOTA_VIOLATION", 0x8004106C},
		{ProviderAlreadyRegistered, "WBEM_E_PROVIDER_ALREADY_REGISTERED", 0x80041084},
		{ProviderDisabled, "WBEM_E_PROVIDER_DISABLED", 0x8004108A},
		{ESSRegistrationTooPrecise, "WBEMESS_E_REGISTRATION_TOO_PRECISE", 0x80042002},
		{RetryLater, "WBEM_E_RETRY_LATER", 0x80043001},
		{MOFExpectedQualifierName, "WBEMMOF_E_EXPECTED_QUALIFIER_NAME", 0x80044001},
		{MOFExpectedPropertyName, "WBEMMOF_E_EXPECTED_PROPERTY_NAME", 0x8004400C},
		{MOFInvalidDeleteclassSyntax, "WBEMMOF_E_INVALID_DELETECLASS_SYNTAX", 0x80044031},
		{RPCDisconnected, "RPC_E_DISCONNECTED", 0x80010108},
		{RPCServerUnavailable, "RPC_S_SERVER_UNAVAILABLE", 0x800706BA},
		{EAccessDenied, "E_ACCESSDENIED", 0x80070005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if uint32(tt.code) != tt.want {
				t.Errorf("value = %#x, want %#x", uint32(tt.code), tt.want)
			}
			if got := tt.code.Name(); got != tt.name {
				t.Errorf("Name() = %q, want %q", got, tt.name)
			}
			if c, ok := Lookup(tt.name); !ok || c != tt.code {
				t.Errorf("Lookup(%q) = %v, %v", tt.name, c, ok)
			}
		})
	}
}

func TestTableComplete(t *testing.T) {
	// Every WBEM_E code from 0x80041001 to 0x8004108A except the header's gaps,
	// and every WBEMMOF_E code from 0x80044001 to 0x80044031.
	gaps := map[Code]bool{0x8004105E: true, 0x8004107B: true, 0x8004107C: true, 0x8004107D: true, 0x8004107E: true, 0x8004107F: true}
	for c := Code(0x80041001); c <= 0x8004108A; c++ {
		// 0x8004104A-0x8004104F are unassigned in wbemcli.h.
		if gaps[c] || (c >= 0x8004104A && c <= 0x8004104F) {
			continue
		}
		if !c.Known() {
			t.Errorf("%#x missing from the table", uint32(c))
		}
	}
	for c := Code(0x80044001); c <= 0x80044031; c++ {
		if !c.Known() {
			t.Errorf("%#x missing from the table", uint32(c))
		}
	}
	if n := len(Codes()); n < 200 {
		t.Errorf("only %d codes", n)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		code Code
		want string
	}{
		{CallCancelled, "WBEM_E_CALL_CANCELLED (0x80041032)"},
		{SNoError, "WBEM_S_NO_ERROR (0x00000000)"},
		{SSame, "WBEM_S_NO_ERROR (0x00000000)"},
		{Code(0x8004105E), "0x8004105E"},
	}
	for _, tt := range tests {
		if got := tt.code.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorsIs(t *testing.T) {
	base := &Error{Code: CallCancelled, Operation: "ExecQuery", Description: "cancelled by the client"}
	wrapped := fmt.Errorf("layer two: %w", fmt.Errorf("layer one: %w", base))
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same code", base, ErrCallCancelled, true},
		{"through wrapping", wrapped, ErrCallCancelled, true},
		{"other code", wrapped, ErrNotFound, false},
		{"code Err", NotFound.Err(), ErrNotFound, true},
		{"Errorf", Errorf(InvalidQuery, "bad token at %d", 4), ErrInvalidQuery, true},
		{"Wrap keeps cause", Wrap(Failed, context.Canceled), context.Canceled, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is = %v, want %v", got, tt.want)
			}
		})
	}
	var e *Error
	if !errors.As(wrapped, &e) || e.Operation != "ExecQuery" {
		t.Errorf("errors.As lost the extended status: %+v", e)
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, SNoError},
		{"status", fmt.Errorf("x: %w", New(AccessDenied, "no")), AccessDenied},
		{"context cancel", fmt.Errorf("x: %w", context.Canceled), CallCancelled},
		{"deadline", context.DeadlineExceeded, TimedOut},
		{"plain", errors.New("boom"), Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CodeOf(tt.err); got != tt.want {
				t.Errorf("CodeOf = %v, want %v", got, tt.want)
			}
		})
	}
	if From(nil) != nil {
		t.Error("From(nil) != nil")
	}
	if got := From(errors.New("boom")); got.Code != Failed || got.Description != "boom" {
		t.Errorf("From = %+v", got)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Code: NotFound, Operation: "GetObject", ParameterInfo: `Win32_Process.Handle="1"`, Description: "no such instance"}
	want := `WBEM_E_NOT_FOUND (0x80041002): no such instance [operation=GetObject parameter=Win32_Process.Handle="1"]`
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if got := NotFound.Err().Error(); got != "WBEM_E_NOT_FOUND (0x80041002)" {
		t.Errorf("bare Error() = %q", got)
	}
	if SFalse.Err() != nil || SFalse.Failed() {
		t.Error("a success code is not an error")
	}
	if w := e.With("x", "y"); w.Operation != "GetObject" || w.ParameterInfo == "y" {
		t.Errorf("With overwrote fields: %+v", w)
	}
}

func ExampleCode_String() {
	fmt.Println(CallCancelled)
	fmt.Println(errorsIsCancelled(fmt.Errorf("call: %w", Errorf(CallCancelled, "stopped"))))
	// Output:
	// WBEM_E_CALL_CANCELLED (0x80041032)
	// true
}

func errorsIsCancelled(err error) bool { return errors.Is(err, ErrCallCancelled) }
