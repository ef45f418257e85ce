package cim

// TEMPORARY: replaced by the datetime helper.

import "errors"

// DateTime is a CIM DATETIME: an absolute time or an interval.
type DateTime struct{ text string }

// ParseDateTime parses a 25-character DATETIME or interval.
func ParseDateTime(s string) (DateTime, error) {
	if len(s) != 25 {
		return DateTime{}, errors.New("bad datetime")
	}
	return DateTime{s}, nil
}

func (d DateTime) String() string { return d.text }
