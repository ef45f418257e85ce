// Package status holds every WMI status code with Microsoft's numeric value,
// and the one error type of gowmi, which carries a code and the fields of
// __ExtendedStatus.
//
// A failure is always an *Error. Match it by code through any wrapping:
//
//	if errors.Is(err, status.ErrCallCancelled) { ... }
//	code := status.CodeOf(err)
//
// The code tables are generated from codes.tsv.
package status

//go:generate go run gen.go

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Code is a WMI status code: an HRESULT such as WBEM_E_NOT_FOUND (0x80041002).
// Codes with the high bit set are failures; the others are success or
// informational codes such as WBEM_S_FALSE.
type Code uint32

type codeInfo struct {
	code Code
	name string
	desc string
}

var byCode = func() map[Code]*codeInfo {
	m := make(map[Code]*codeInfo, len(codeTable))
	for i := range codeTable {
		if _, ok := m[codeTable[i].code]; !ok {
			m[codeTable[i].code] = &codeTable[i]
		}
	}
	return m
}()

var byName = func() map[string]Code {
	m := make(map[string]Code, len(codeTable))
	for _, c := range codeTable {
		m[c.name] = c.code
	}
	return m
}()

// Name returns Microsoft's name of the code, such as "WBEM_E_CALL_CANCELLED",
// or the hex value for a code gowmi does not know.
func (c Code) Name() string {
	if i, ok := byCode[c]; ok {
		return i.name
	}
	return fmt.Sprintf("0x%08X", uint32(c))
}

// Description returns the meaning of the code in a sentence, or "" for an
// unknown code.
func (c Code) Description() string {
	if i, ok := byCode[c]; ok {
		return i.desc
	}
	return ""
}

// Known reports whether the code is one of the table's.
func (c Code) Known() bool {
	_, ok := byCode[c]
	return ok
}

// String prints the code as its name and hex value:
// "WBEM_E_CALL_CANCELLED (0x80041032)".
func (c Code) String() string {
	if i, ok := byCode[c]; ok {
		return fmt.Sprintf("%s (0x%08X)", i.name, uint32(c))
	}
	return fmt.Sprintf("0x%08X", uint32(c))
}

// Failed reports whether the code is a failure (the HRESULT severity bit).
func (c Code) Failed() bool { return c&0x80000000 != 0 }

// Err returns nil for a success code and an *Error carrying c otherwise.
func (c Code) Err() error {
	if !c.Failed() {
		return nil
	}
	return &Error{Code: c}
}

// Lookup returns the code of a Microsoft name such as "WBEM_E_NOT_FOUND".
func Lookup(name string) (Code, bool) {
	c, ok := byName[strings.ToUpper(name)]
	return c, ok
}

// Codes returns every known code once, in table order.
func Codes() []Code {
	out := make([]Code, 0, len(codeTable))
	seen := make(map[Code]bool, len(codeTable))
	for _, c := range codeTable {
		if !seen[c.code] {
			seen[c.code] = true
			out = append(out, c.code)
		}
	}
	return out
}

// Error is the error type of gowmi: a status code and the fields of WMI's
// __ExtendedStatus object. errors.Is matches two *Error values by code alone,
// so errors.Is(err, ErrNotFound) holds for any error whose code is
// WBEM_E_NOT_FOUND, however it is wrapped.
type Error struct {
	Code          Code
	Operation     string // the operation that failed, e.g. "GetObject"
	ParameterInfo string // the parameter at fault, e.g. the object path
	ProviderName  string // the provider that failed, if any
	Description   string // what went wrong, in words
	Err           error  // the underlying cause, if any
}

// New returns an *Error with a code and a description.
func New(code Code, description string) *Error {
	return &Error{Code: code, Description: description}
}

// Errorf returns an *Error with a code and a formatted description. A %w verb
// wraps its operand as the cause.
func Errorf(code Code, format string, args ...any) *Error {
	e := fmt.Errorf(format, args...)
	return &Error{Code: code, Description: e.Error(), Err: errors.Unwrap(e)}
}

// Wrap returns an *Error with a code whose cause is err. If err already carries
// a status code the result keeps err's extended fields.
func Wrap(code Code, err error) *Error {
	if err == nil {
		return &Error{Code: code}
	}
	return &Error{Code: code, Description: err.Error(), Err: err}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code.String())
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	sep := " ["
	for _, f := range [...]struct{ k, v string }{
		{"operation", e.Operation}, {"parameter", e.ParameterInfo}, {"provider", e.ProviderName},
	} {
		if f.v != "" {
			b.WriteString(sep)
			b.WriteString(f.k)
			b.WriteString("=")
			b.WriteString(f.v)
			sep = " "
		}
	}
	if sep == " " {
		b.WriteString("]")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// With returns a copy of e with the operation and parameter set where they
// are empty in e. The object manager uses it to complete an error from a
// lower layer.
func (e *Error) With(operation, parameter string) *Error {
	c := *e
	if c.Operation == "" {
		c.Operation = operation
	}
	if c.ParameterInfo == "" {
		c.ParameterInfo = parameter
	}
	return &c
}

// CodeOf returns the status code an error carries: SNoError for nil, the
// code of the outermost *Error in the chain, WBEM_E_CALL_CANCELLED for
// context.Canceled, WBEM_E_TIMED_OUT for context.DeadlineExceeded, and
// WBEM_E_FAILED for any other error.
func CodeOf(err error) Code {
	if err == nil {
		return SNoError
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, context.Canceled):
		return CallCancelled
	case errors.Is(err, context.DeadlineExceeded):
		return TimedOut
	}
	return Failed
}

// From returns err as an *Error: err itself if it is one (or wraps one),
// otherwise a new *Error with CodeOf(err) whose cause is err. From(nil) is nil.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(CodeOf(err), err)
}
