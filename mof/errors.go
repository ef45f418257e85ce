package mof

import (
	"strconv"

	"github.com/gowmi/gowmi/wbem/status"
)

// Pos is a position in a MOF file: the file name as given to Parse or
// Compile (or as an include resolved it), a 1-based line, and a 1-based
// column counted in characters.
type Pos struct {
	File string
	Line int
	Col  int
}

// String returns "file:line:col".
func (p Pos) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// IsValid reports whether the position names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// errorAt returns the compiler's error: a *status.Error with the code, a
// description that starts with "file:line:col: " and the position as
// ParameterInfo.
func errorAt(code status.Code, pos Pos, format string, args ...any) *status.Error {
	e := status.Errorf(code, format, args...)
	return positioned(e, pos)
}

// positioned returns a copy of e whose description starts with the position.
func positioned(e *status.Error, pos Pos) *status.Error {
	c := *e
	if pos.IsValid() {
		c.Description = pos.String() + ": " + e.Description
		c.ParameterInfo = pos.String()
	}
	return &c
}

// wrapAt returns err, which a lower layer (cim, the Target) returned, as the
// compiler's error at pos: its code is kept (WBEM_E_FAILED for an error that
// carries none) and it becomes the cause.
func wrapAt(err error, pos Pos, context string) *status.Error {
	se := status.From(err)
	desc := se.Description
	if desc == "" {
		desc = se.Code.Description()
	}
	if context != "" {
		desc = context + ": " + desc
	}
	e := &status.Error{Code: se.Code, Description: desc, Err: err,
		Operation: se.Operation, ProviderName: se.ProviderName}
	return positioned(e, pos)
}
