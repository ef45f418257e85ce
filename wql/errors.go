package wql

import (
	"fmt"

	"github.com/gowmi/gowmi/wbem/status"
)

// SyntaxError locates what is wrong in a query. The errors of this package
// are *status.Error values carrying the WMI code (WBEM_E_INVALID_QUERY for a
// syntax error); a SyntaxError is their cause, found with errors.As:
//
//	var se *wql.SyntaxError
//	if errors.As(err, &se) {
//		fmt.Println("at byte", se.Offset)
//	}
type SyntaxError struct {
	Offset int    // byte offset in the query of the offending token
	Msg    string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("at offset %d: %s", e.Offset, e.Msg)
}

// codedError is a SyntaxError that asks for a code other than
// WBEM_E_INVALID_QUERY; the parser turns it into a *status.Error.
type codedError struct {
	code status.Code
	err  *SyntaxError
}

func (e *codedError) Error() string { return e.err.Error() }

func syntaxErr(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func codeErr(code status.Code, off int, format string, args ...any) error {
	return &codedError{code: code, err: &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}}
}

// toStatus turns an error of the parser into the *status.Error it returns.
func toStatus(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *SyntaxError:
		return status.Wrap(status.InvalidQuery, e)
	case *codedError:
		return status.Wrap(e.code, e.err)
	}
	return err
}
