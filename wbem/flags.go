package wbem

import (
	"fmt"

	"github.com/gowmi/gowmi/wbem/status"
)

// Flags are the lFlags of an IWbemServices call, with Microsoft's values.
type Flags int32

// The call flags (WBEM_GENERIC_FLAG_TYPE and friends). Several share a value:
// which one applies depends on the method.
const (
	FlagReturnWbemComplete   Flags = 0x0     // synchronous (the default)
	FlagReturnImmediately    Flags = 0x10    // semisynchronous
	FlagForwardOnly          Flags = 0x20    // the enumerator cannot Reset or Clone
	FlagBidirectional        Flags = 0x0     // the enumerator keeps its objects for Reset
	FlagNoErrorObject        Flags = 0x40    // accepted and ignored, as MS-WMI requires
	FlagSendStatus           Flags = 0x80    // asynchronous calls: deliver WBEM_STATUS_PROGRESS
	FlagEnsureLocatable      Flags = 0x100   // __PATH, __RELPATH and __SERVER are never NULL
	FlagDirectRead           Flags = 0x200   // only the named class's own provider
	FlagUseAmendedQualifiers Flags = 0x20000 // amended (localized) qualifiers
	FlagStrongValidation     Flags = 0x100000
	FlagDeep                 Flags = 0x0 // enumerations: the class and all subclasses
	FlagShallow              Flags = 0x1 // enumerations: only the class itself
	FlagPrototype            Flags = 0x2 // ExecQuery: return the result's class only
	FlagCreateOrUpdate       Flags = 0x0
	FlagUpdateOnly           Flags = 0x1
	FlagCreateOnly           Flags = 0x2
	FlagUpdateCompatible     Flags = 0x0
	FlagUpdateSafeMode       Flags = 0x20
	FlagUpdateForceMode      Flags = 0x40
	FlagOwnerUpdate          Flags = 0x10000
	MaskReservedFlags        Flags = 0x1F000
	MaskUpdateMode           Flags = 0x60
)

// StatusFlags is the lFlags of IWbemObjectSink::SetStatus: which kind of
// status a call reports. The values are not bits and do not combine.
type StatusFlags int32

// The status kinds.
const (
	StatusComplete     StatusFlags = 0 // the final status of the call
	StatusRequirements StatusFlags = 1 // never sent by gowmi
	StatusProgress     StatusFlags = 2 // progress, only with FlagSendStatus
)

func (f StatusFlags) String() string {
	switch f {
	case StatusComplete:
		return "WBEM_STATUS_COMPLETE"
	case StatusRequirements:
		return "WBEM_STATUS_REQUIREMENTS"
	case StatusProgress:
		return "WBEM_STATUS_PROGRESS"
	}
	return fmt.Sprintf("WBEM_STATUS(%#x)", int32(f))
}

// Method names an IWbemServices method, for flag validation and for the
// Operation of __ExtendedStatus.
type Method int

// The methods of IWbemServices.
const (
	MethodOpenNamespace Method = iota
	MethodGetObject
	MethodPutClass
	MethodDeleteClass
	MethodCreateClassEnum
	MethodPutInstance
	MethodDeleteInstance
	MethodCreateInstanceEnum
	MethodExecQuery
	MethodExecNotificationQuery
	MethodExecMethod
	MethodQueryObjectSink
	MethodCancelAsyncCall
)

var methodNames = [...]string{
	"OpenNamespace", "GetObject", "PutClass", "DeleteClass", "CreateClassEnum", "PutInstance",
	"DeleteInstance", "CreateInstanceEnum", "ExecQuery", "ExecNotificationQuery", "ExecMethod",
	"QueryObjectSink", "CancelAsyncCall",
}

// ReturnsEnumerator reports whether the method's synchronous and
// semisynchronous forms return an Enumerator (rather than a CallResult).
func (m Method) ReturnsEnumerator() bool {
	switch m {
	case MethodCreateClassEnum, MethodCreateInstanceEnum, MethodExecQuery, MethodExecNotificationQuery:
		return true
	}
	return false
}

func (m Method) String() string {
	if m >= 0 && int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Mode is how a call returns: synchronously, semisynchronously or
// asynchronously.
type Mode int

// The call modes.
const (
	Sync Mode = iota
	Semisync
	Async
)

func (m Mode) String() string {
	return [...]string{"synchronous", "semisynchronous", "asynchronous"}[m]
}

// allowedFlags lists the flags each method accepts besides the mode flags,
// after MS-WMI §3.1.4.3 and the SDK pages.
var allowedFlags = map[Method]Flags{
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

// ValidateFlags checks a call's flags as WMI does: a flag the method does
// not accept in that mode, a reserved bit, or two exclusive flags together is
// WBEM_E_INVALID_PARAMETER. FlagNoErrorObject is accepted everywhere and
// ignored. Semisynchronous calls must carry FlagReturnImmediately, the
// others must not; only asynchronous calls may carry FlagSendStatus.
// ExecNotificationQuery has no synchronous mode: it must be semisynchronous
// (FlagReturnImmediately|FlagForwardOnly) or asynchronous.
func ValidateFlags(m Method, mode Mode, f Flags) error {
	bad := func(why string) error {
		return &status.Error{Code: status.InvalidParameter, Operation: "IWbemServices::" + m.String(),
			ParameterInfo: fmt.Sprintf("lFlags=%#x", int32(f)), Description: why}
	}
	if m != MethodPutClass {
		// 0x40 is WBEM_FLAG_NO_ERROR_OBJECT, accepted and ignored; for
		// PutClass the same bit is WBEM_FLAG_UPDATE_FORCE_MODE.
		f &^= FlagNoErrorObject
	}
	if f&(MaskReservedFlags&^FlagOwnerUpdate) != 0 || f&FlagStrongValidation != 0 {
		return bad("reserved flag bits are set")
	}
	allowed := allowedFlags[m]
	if mode != Async && m.ReturnsEnumerator() {
		allowed |= FlagForwardOnly
	}
	switch mode {
	case Semisync:
		if f&FlagReturnImmediately == 0 {
			return bad("a semisynchronous call needs WBEM_FLAG_RETURN_IMMEDIATELY")
		}
		allowed |= FlagReturnImmediately
	case Async:
		allowed |= FlagSendStatus
	case Sync:
		if m == MethodExecNotificationQuery {
			return bad("ExecNotificationQuery must be semisynchronous: WBEM_FLAG_RETURN_IMMEDIATELY|WBEM_FLAG_FORWARD_ONLY")
		}
	}
	if m == MethodExecNotificationQuery && mode == Semisync && f&FlagForwardOnly == 0 {
		return bad("ExecNotificationQuery needs WBEM_FLAG_FORWARD_ONLY")
	}
	if extra := f &^ allowed; extra != 0 {
		return bad(fmt.Sprintf("flags %#x are not valid for %s in %s mode", int32(extra), m, mode))
	}
	if f&FlagUpdateOnly != 0 && f&FlagCreateOnly != 0 && (m == MethodPutClass || m == MethodPutInstance) {
		return bad("WBEM_FLAG_UPDATE_ONLY and WBEM_FLAG_CREATE_ONLY exclude each other")
	}
	if f&FlagUpdateSafeMode != 0 && f&FlagUpdateForceMode != 0 && m == MethodPutClass {
		return bad("WBEM_FLAG_UPDATE_SAFE_MODE and WBEM_FLAG_UPDATE_FORCE_MODE exclude each other")
	}
	return nil
}
