package cim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gowmi/gowmi/wbem/status"
)

// DateTime is a CIM DATETIME: an absolute date and time, possibly with
// wildcard fields, or an interval.
//
// The text form has 25 characters. An absolute value is
// yyyymmddHHMMSS.mmmmmmsUUU: year, month, day, hour (24-hour clock), minute,
// second, microseconds, the sign of the UTC offset and the offset in
// minutes, as in 19980401135809.000000-480. An interval is
// ddddddddHHMMSS.mmmmmm:000: days, hours, minutes, seconds, microseconds and
// the literal suffix :000, as in 00000001120032.000000:000.
//
// In an absolute value every field except the dot and the sign may be
// written as asterisks filling the whole field, which makes it a wildcard:
// 19980416******.000000+*** is April 16th 1998 at an unspecified time and
// without a time zone (+*** or -***). A field partly written with asterisks
// (199*) is illegal, and intervals never hold asterisks.
//
// DateTime is a comparable value type: two values are == exactly when their
// texts are equal. The zero DateTime is the absolute value
// 00000000000000.000000+000. Month and day 00 are accepted, as the
// grammar of MS-WMI §2.2.2 accepts them, but such a value has no Time.
type DateTime struct {
	days     uint32 // interval: the day count
	micro    uint32 // microseconds
	year     uint16
	offset   uint16 // magnitude of the UTC offset in minutes
	month    uint8
	day      uint8
	hour     uint8
	minute   uint8
	second   uint8
	wild     uint8 // wildcard fields of an absolute value (wildYear, ...)
	neg      bool  // the offset's sign is '-'
	interval bool
}

// Wildcard field bits of DateTime.wild.
const (
	wildYear uint8 = 1 << iota
	wildMonth
	wildDay
	wildHour
	wildMinute
	wildSecond
	wildMicro
	wildOffset
)

// dateTimeField describes one field of the absolute text form.
type dateTimeField struct {
	start, width int
	bit          uint8
	max          uint32
	name         string
}

var absoluteFields = [...]dateTimeField{
	{0, 4, wildYear, 9999, "year"},
	{4, 2, wildMonth, 12, "month"},
	{6, 2, wildDay, 31, "day"},
	{8, 2, wildHour, 23, "hour"},
	{10, 2, wildMinute, 59, "minute"},
	{12, 2, wildSecond, 59, "second"},
	{15, 6, wildMicro, 999999, "microseconds"},
	{22, 3, wildOffset, 999, "UTC offset"},
}

var intervalFields = [...]dateTimeField{
	{0, 8, 0, 99999999, "days"},
	{8, 2, 0, 23, "hours"},
	{10, 2, 0, 59, "minutes"},
	{12, 2, 0, 59, "seconds"},
	{15, 6, 0, 999999, "microseconds"},
}

// dateTimeLen is the length of every DATETIME text.
const dateTimeLen = 25

// ParseDateTime parses a 25-character DATETIME: an absolute value
// yyyymmddHHMMSS.mmmmmmsUUU (with whole fields of asterisks as wildcards) or
// an interval ddddddddHHMMSS.mmmmmm:000. The character at position 21
// tells them apart: '+' or '-' for an absolute value, ':' for an interval.
//
// A malformed text is WBEM_E_INVALID_PARAMETER; the description and the
// ParameterInfo field name the 0-based position of the first faulty
// character ("position 4" for a month of 13), counting from the first
// character of s. Nothing is trimmed: a space is a fault like any other.
func ParseDateTime(s string) (DateTime, error) {
	d, perr := parseDateTime(s)
	if perr != nil {
		return DateTime{}, perr.err(0)
	}
	return d, nil
}

// posError is a fault at a 0-based byte position of a text.
type posError struct {
	pos int
	msg string
}

func faultAt(pos int, format string, args ...any) *posError {
	return &posError{pos: pos, msg: fmt.Sprintf(format, args...)}
}

// err returns the fault as the error of a malformed DATETIME, its position
// moved by base.
func (e *posError) err(base int) error {
	pos := e.pos + base
	se := status.Errorf(status.InvalidParameter, "invalid datetime at position %d: %s", pos, e.msg)
	se.ParameterInfo = "position " + strconv.Itoa(pos)
	return se
}

func parseDateTime(s string) (DateTime, *posError) {
	if len(s) > 21 && s[21] == ':' {
		return parseInterval(s)
	}
	var d DateTime
	for _, f := range absoluteFields {
		switch f.start {
		case 15:
			if err := expectByte(s, 14, "'.'", '.'); err != nil {
				return DateTime{}, err
			}
		case 22:
			if err := expectByte(s, 21, "'+', '-' or ':'", '+', '-', ':'); err != nil {
				return DateTime{}, err
			}
			d.neg = s[21] == '-'
		}
		n, wild, err := parseDateTimeField(s, f, true)
		if err != nil {
			return DateTime{}, err
		}
		if wild {
			d.wild |= f.bit
			continue
		}
		switch f.bit {
		case wildYear:
			d.year = uint16(n)
		case wildMonth:
			d.month = uint8(n)
		case wildDay:
			d.day = uint8(n)
		case wildHour:
			d.hour = uint8(n)
		case wildMinute:
			d.minute = uint8(n)
		case wildSecond:
			d.second = uint8(n)
		case wildMicro:
			d.micro = n
		case wildOffset:
			d.offset = uint16(n)
		}
	}
	if len(s) > dateTimeLen {
		return DateTime{}, faultAt(dateTimeLen, "text goes on after 25 characters")
	}
	return d, nil
}

func parseInterval(s string) (DateTime, *posError) {
	d := DateTime{interval: true}
	for _, f := range intervalFields {
		if f.start == 15 {
			if err := expectByte(s, 14, "'.'", '.'); err != nil {
				return DateTime{}, err
			}
		}
		n, _, err := parseDateTimeField(s, f, false)
		if err != nil {
			return DateTime{}, err
		}
		switch f.start {
		case 0:
			d.days = n
		case 8:
			d.hour = uint8(n)
		case 10:
			d.minute = uint8(n)
		case 12:
			d.second = uint8(n)
		case 15:
			d.micro = n
		}
	}
	// s[21] is ':' (that is how we got here); the suffix is the literal 000.
	for i := 22; i < dateTimeLen; i++ {
		if err := expectByte(s, i, "'0' (an interval ends in :000)", '0'); err != nil {
			return DateTime{}, err
		}
	}
	if len(s) > dateTimeLen {
		return DateTime{}, faultAt(dateTimeLen, "text goes on after 25 characters")
	}
	return d, nil
}

// expectByte checks that s[i] is one of want.
func expectByte(s string, i int, what string, want ...byte) *posError {
	if i >= len(s) {
		return faultAt(len(s), "text ends early: a datetime has 25 characters")
	}
	for _, w := range want {
		if s[i] == w {
			return nil
		}
	}
	return faultAt(i, "expected %s, found %q", what, s[i])
}

// parseDateTimeField parses the digits, or when wildOK the asterisks, of one
// field.
func parseDateTimeField(s string, f dateTimeField, wildOK bool) (n uint32, wild bool, err *posError) {
	end := f.start + f.width
	wildField := wildOK && f.start < len(s) && s[f.start] == '*'
	for i := f.start; i < end; i++ {
		if i >= len(s) {
			return 0, false, faultAt(len(s), "text ends early: a datetime has 25 characters")
		}
		c := s[i]
		switch {
		case wildField && c == '*':
		case wildField:
			return 0, false, faultAt(i, "a wildcard must fill the whole %s field with '*'", f.name)
		case c >= '0' && c <= '9':
			n = n*10 + uint32(c-'0')
		case c == '*' && wildOK:
			return 0, false, faultAt(i, "a wildcard must fill the whole %s field with '*'", f.name)
		case c == '*':
			return 0, false, faultAt(i, "an interval cannot hold wildcards")
		default:
			return 0, false, faultAt(i, "expected a digit in the %s field, found %q", f.name, c)
		}
	}
	if wildField {
		return 0, true, nil
	}
	if n > f.max {
		return 0, false, faultAt(f.start, "%s %s is out of range (at most %0*d)", f.name, s[f.start:end], f.width, f.max)
	}
	return n, false, nil
}

// MustParseDateTime is ParseDateTime for texts known to be valid; it panics
// otherwise.
func MustParseDateTime(s string) DateTime {
	d, err := ParseDateTime(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String returns the canonical 25-character text.
func (d DateTime) String() string {
	var b [dateTimeLen]byte
	return string(d.format(&b))
}

// format writes the DMTF text of d into b and returns it.
func (d DateTime) format(b *[dateTimeLen]byte) []byte {
	if d.interval {
		putDigits(b[0:8], d.days)
		putDigits(b[8:10], uint32(d.hour))
		putDigits(b[10:12], uint32(d.minute))
		putDigits(b[12:14], uint32(d.second))
		b[14] = '.'
		putDigits(b[15:21], d.micro)
		copy(b[21:], ":000")
		return b[:]
	}
	vals := [...]uint32{uint32(d.year), uint32(d.month), uint32(d.day), uint32(d.hour),
		uint32(d.minute), uint32(d.second), d.micro, uint32(d.offset)}
	for i, f := range absoluteFields {
		dst := b[f.start : f.start+f.width]
		if d.wild&f.bit != 0 {
			for j := range dst {
				dst[j] = '*'
			}
			continue
		}
		putDigits(dst, vals[i])
	}
	b[14] = '.'
	b[21] = '+'
	if d.neg {
		b[21] = '-'
	}
	return b[:]
}

// putDigits writes n in decimal with leading zeros to fill dst.
func putDigits(dst []byte, n uint32) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + n%10)
		n /= 10
	}
}

// IsInterval reports whether d is an interval.
func (d DateTime) IsInterval() bool { return d.interval }

// HasWildcards reports whether any field of an absolute value is a wildcard
// (including a missing time zone, +***).
func (d DateTime) HasWildcards() bool { return d.wild != 0 }

// HasTimeZone reports whether d is an absolute value whose UTC offset is
// given (not +***).
func (d DateTime) HasTimeZone() bool { return !d.interval && d.wild&wildOffset == 0 }

// OffsetMinutes returns the UTC offset of an absolute value in minutes, or 0
// for an interval or a value without a time zone.
func (d DateTime) OffsetMinutes() int {
	if !d.HasTimeZone() {
		return 0
	}
	if d.neg {
		return -int(d.offset)
	}
	return int(d.offset)
}

// Time returns an absolute value without wildcards as a time.Time whose
// location is a fixed zone with the value's UTC offset (time.UTC for an
// offset of zero). An interval or a value with wildcards is
// WBEM_E_TYPE_MISMATCH; a month or day of 00, or a day past the end of its
// month, is WBEM_E_VALUE_OUT_OF_RANGE.
func (d DateTime) Time() (time.Time, error) {
	if d.interval {
		return time.Time{}, status.Errorf(status.TypeMismatch, "datetime %s is an interval, not a point in time", d)
	}
	if d.wild != 0 {
		return time.Time{}, status.Errorf(status.TypeMismatch, "datetime %s has wildcard fields", d)
	}
	if d.month < 1 || d.day < 1 || int(d.day) > daysIn(time.Month(d.month), int(d.year)) {
		return time.Time{}, status.Errorf(status.ValueOutOfRange, "datetime %s is not a calendar date", d)
	}
	loc := time.UTC
	if off := d.OffsetMinutes(); off != 0 {
		loc = time.FixedZone("", off*60)
	}
	return time.Date(int(d.year), time.Month(d.month), int(d.day), int(d.hour), int(d.minute),
		int(d.second), int(d.micro)*1000, loc), nil
}

// daysIn returns the number of days of a month.
func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// maxIntervalDays is the longest interval a time.Duration holds, in days.
const maxIntervalDays = math.MaxInt64 / int64(24*time.Hour)

// Duration returns the length of an interval. An absolute value is
// WBEM_E_TYPE_MISMATCH; an interval longer than a time.Duration holds (about
// 292 years) is WBEM_E_VALUE_OUT_OF_RANGE.
func (d DateTime) Duration() (time.Duration, error) {
	if !d.interval {
		return 0, status.Errorf(status.TypeMismatch, "datetime %s is not an interval", d)
	}
	rest := time.Duration(d.hour)*time.Hour + time.Duration(d.minute)*time.Minute +
		time.Duration(d.second)*time.Second + time.Duration(d.micro)*time.Microsecond
	if int64(d.days) > maxIntervalDays || time.Duration(d.days)*24*time.Hour > math.MaxInt64-rest {
		return 0, status.Errorf(status.ValueOutOfRange, "interval %s does not fit in a time.Duration", d)
	}
	return time.Duration(d.days)*24*time.Hour + rest, nil
}

// FromTime returns the absolute DATETIME of t, to the microsecond (the rest
// is truncated), with the UTC offset of t's zone in minutes. An offset that
// is not a whole number of minutes is truncated to one, and the fields are
// those of t in that offset, so the instant is kept. A time whose year in
// its zone falls outside 0000-9999, or whose offset exceeds 999 minutes, is
// taken in UTC; one outside 0000-9999 in UTC too is clamped to the first or
// last microsecond of that range.
func FromTime(t time.Time) DateTime {
	_, off := t.Zone()
	offMin := off / 60
	if offMin > 999 || offMin < -999 {
		offMin = 0
	}
	if off != offMin*60 {
		t = t.In(time.FixedZone("", offMin*60))
	}
	if y := t.Year(); y < 0 || y > 9999 {
		offMin = 0
		t = t.UTC()
		switch y := t.Year(); {
		case y < 0:
			t = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
		case y > 9999:
			t = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
		}
	}
	d := DateTime{
		year: uint16(t.Year()), month: uint8(t.Month()), day: uint8(t.Day()),
		hour: uint8(t.Hour()), minute: uint8(t.Minute()), second: uint8(t.Second()),
		micro: uint32(t.Nanosecond() / 1000),
	}
	if offMin < 0 {
		d.neg, offMin = true, -offMin
	}
	d.offset = uint16(offMin)
	return d
}

// Interval returns the interval DATETIME of a duration, to the microsecond
// (the rest is truncated). A negative duration gives the interval of its
// magnitude: intervals have no sign.
func Interval(dur time.Duration) DateTime {
	var u uint64
	if dur < 0 {
		u = uint64(-(dur + 1)) + 1 // works for math.MinInt64 too
	} else {
		u = uint64(dur)
	}
	u /= uint64(time.Microsecond)
	const perDay = uint64(24 * time.Hour / time.Microsecond)
	d := DateTime{interval: true, days: uint32(u / perDay)}
	u %= perDay
	d.micro = uint32(u % 1e6)
	u /= 1e6
	d.second = uint8(u % 60)
	u /= 60
	d.minute = uint8(u % 60)
	d.hour = uint8(u / 60)
	return d
}

// Compare orders two DATETIME values and returns -1, 0 or +1:
//   - two intervals compare by length;
//   - two absolute values without wildcards (so both with a time zone) that
//     are calendar dates compare as instants: 20240101120000.000000+060 and
//     20240101110000.000000+000 are equal;
//   - anything else (a wildcard on either side, an interval against an
//     absolute value, a day 00) compares character by character, as WMI
//     compares such values, so …+*** is not equal to …+000.
//
// Compare(a, b) == 0 thus does not imply a == b.
func Compare(a, b DateTime) int {
	switch {
	case a.interval && b.interval:
		return compareInterval(a, b)
	case !a.interval && !b.interval && a.wild == 0 && b.wild == 0:
		ta, errA := a.Time()
		tb, errB := b.Time()
		if errA == nil && errB == nil {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(a.String(), b.String())
}

func compareInterval(a, b DateTime) int {
	for _, p := range [...][2]uint32{
		{a.days, b.days}, {uint32(a.hour), uint32(b.hour)}, {uint32(a.minute), uint32(b.minute)},
		{uint32(a.second), uint32(b.second)}, {a.micro, b.micro},
	} {
		switch {
		case p[0] < p[1]:
			return -1
		case p[0] > p[1]:
			return 1
		}
	}
	return 0
}

// fileTimeEpochDelta is the number of seconds from 1601-01-01 to 1970-01-01.
const fileTimeEpochDelta = 11644473600

// ticksPerSecond is the number of FILETIME units in a second.
const ticksPerSecond uint64 = 1e7

// FromFileTime returns the time of a FILETIME: a count of 100-nanosecond
// intervals since 1601-01-01 00:00:00 UTC, as in the TIME_CREATED property of
// events. The result is in UTC.
func FromFileTime(ft uint64) time.Time {
	sec := int64(ft/1e7) - fileTimeEpochDelta
	nsec := int64(ft%1e7) * 100
	return time.Unix(sec, nsec).UTC()
}

// ToFileTime returns the FILETIME of t, truncated to 100 ns. A time before
// 1601 gives 0 and one past the FILETIME range gives math.MaxUint64.
func ToFileTime(t time.Time) uint64 {
	u := t.Unix()
	if u < -fileTimeEpochDelta {
		return 0
	}
	sec := uint64(u + fileTimeEpochDelta)
	if sec >= math.MaxUint64/ticksPerSecond {
		return math.MaxUint64
	}
	return sec*ticksPerSecond + uint64(t.Nanosecond()/100)
}

// ParseWQLDateTime parses a date or time literal of a WQL query. Besides a
// 25-character DATETIME or interval without wildcards (WMI forbids
// asterisks in a WHERE clause), it accepts the query-only forms:
//
//	yyyy-mm-dd                      2024-03-01
//	yyyy-mm-dd HH:MM[:SS[.f…]]      2024-03-01 13:45:10.25 (1 to 9 fraction digits)
//	yyyy-mm-dd HH:MM:SS:mmm         2024-03-01 13:45:10:250 (milliseconds, as WMI's docs write it)
//	yyyy/mm/dd …                    the same with slashes
//	mm/dd/yyyy …, mm-dd-yyyy …      United States order, which WMI's default locale uses
//	yyyy-mm-ddTHH:MM:SS[.f…]        ISO 8601, with 'T'
//
// A time may be followed by AM or PM (12-hour clock, separated by a space
// or not), and by a zone: Z, UTC or GMT, or ±HH:MM, ±HHMM, ±HH. The order
// is told by the first number: four digits for year first, one or two for
// month first. Other locale orders (dd/mm/yyyy) are not accepted. A value
// without a zone is taken in the local time zone of the process, as WMI
// takes it in the server's; ParseWQLDateTimeIn names the zone. Leading and
// trailing spaces are ignored. Errors are WBEM_E_INVALID_PARAMETER, and name
// the 0-based position of the fault in s.
func ParseWQLDateTime(s string) (DateTime, error) {
	return ParseWQLDateTimeIn(s, time.Local)
}

// ParseWQLDateTimeIn is ParseWQLDateTime taking a value without a zone in
// loc (nil means UTC).
func ParseWQLDateTimeIn(s string, loc *time.Location) (DateTime, error) {
	if loc == nil {
		loc = time.UTC
	}
	start := 0
	for start < len(s) && isSpace(s[start]) {
		start++
	}
	end := len(s)
	for end > start && isSpace(s[end-1]) {
		end--
	}
	body := s[start:end]
	if body == "" {
		return DateTime{}, faultAt(start, "empty datetime").err(0)
	}
	var dmtfErr *posError
	if len(body) == dateTimeLen && body[14] == '.' && strings.IndexByte("+-:", body[21]) >= 0 {
		d, perr := parseDateTime(body)
		if perr == nil {
			if d.HasWildcards() {
				return DateTime{}, faultAt(start+strings.IndexByte(body, '*'), "wildcards are not allowed in a query").err(0)
			}
			return d, nil
		}
		dmtfErr = perr
		dmtfErr.pos += start
	}
	w := wqlDateScanner{s: s, i: start, end: end}
	d, perr := w.parse(loc)
	if perr != nil {
		if dmtfErr != nil {
			perr = dmtfErr
		}
		return DateTime{}, perr.err(0)
	}
	return d, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// wqlDateScanner reads the query-only forms of ParseWQLDateTime.
type wqlDateScanner struct {
	s      string
	i, end int
}

func (w *wqlDateScanner) peek() byte {
	if w.i < w.end {
		return w.s[w.i]
	}
	return 0
}

// number reads 1 to max digits.
func (w *wqlDateScanner) number(what string, max int) (int, int, *posError) {
	start := w.i
	n := 0
	for w.i < w.end && w.i-start < max && w.s[w.i] >= '0' && w.s[w.i] <= '9' {
		n = n*10 + int(w.s[w.i]-'0')
		w.i++
	}
	if w.i == start {
		return 0, 0, w.fail("expected the %s", what)
	}
	return n, w.i - start, nil
}

func (w *wqlDateScanner) fail(format string, args ...any) *posError {
	if w.i >= w.end {
		return faultAt(w.i, "text ends early: "+format, args...)
	}
	return faultAt(w.i, format+", found %q", append(args, w.s[w.i])...)
}

func (w *wqlDateScanner) parse(loc *time.Location) (DateTime, *posError) {
	var year, month, day int
	dateStart := w.i
	first, width, err := w.number("year or month", 4)
	if err != nil {
		return DateTime{}, err
	}
	sep := w.peek()
	if sep != '-' && sep != '/' {
		return DateTime{}, w.fail("expected '-' or '/' in the date")
	}
	w.i++
	second, _, err := w.number("month or day", 2)
	if err != nil {
		return DateTime{}, err
	}
	if w.peek() != sep {
		return DateTime{}, w.fail("expected %q in the date", sep)
	}
	w.i++
	if width == 4 {
		year, month = first, second
		if day, _, err = w.number("day", 2); err != nil {
			return DateTime{}, err
		}
	} else if width <= 2 {
		month, day = first, second
		yearStart := w.i
		var yw int
		if year, yw, err = w.number("year", 4); err != nil {
			return DateTime{}, err
		}
		if yw != 4 {
			w.i = yearStart
			return DateTime{}, w.fail("expected a four-digit year")
		}
	} else {
		w.i = dateStart
		return DateTime{}, w.fail("expected a four-digit year or a month")
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) {
		return DateTime{}, faultAt(dateStart, "%s is not a calendar date", w.s[dateStart:w.i])
	}
	var hour, minute, sec, nsec int
	zone := loc
	if w.i < w.end {
		if c := w.peek(); c != ' ' && c != 'T' && c != 't' {
			return DateTime{}, w.fail("expected a space or 'T' before the time")
		}
		w.i++
		for w.peek() == ' ' {
			w.i++
		}
		timeStart := w.i
		if hour, _, err = w.number("hour", 2); err != nil {
			return DateTime{}, err
		}
		if w.peek() != ':' {
			return DateTime{}, w.fail("expected ':' after the hour")
		}
		w.i++
		if minute, _, err = w.number("minute", 2); err != nil {
			return DateTime{}, err
		}
		if w.peek() == ':' {
			w.i++
			if sec, _, err = w.number("second", 2); err != nil {
				return DateTime{}, err
			}
			switch w.peek() {
			case '.', ',':
				w.i++
				fracStart := w.i
				f, fw, perr := w.number("fraction of a second", 9)
				if perr != nil {
					return DateTime{}, perr
				}
				for ; fw < 9; fw++ {
					f *= 10
				}
				nsec = f
				if c := w.peek(); c >= '0' && c <= '9' {
					w.i = fracStart
					return DateTime{}, w.fail("more than 9 digits of a second")
				}
			case ':':
				w.i++
				msStart := w.i
				ms, mw, perr := w.number("milliseconds", 3)
				if perr != nil {
					return DateTime{}, perr
				}
				if mw != 3 {
					w.i = msStart
					return DateTime{}, w.fail("expected three digits of milliseconds")
				}
				nsec = ms * 1e6
			}
		}
		for w.peek() == ' ' {
			w.i++
		}
		if c := w.peek() | 0x20; (c == 'a' || c == 'p') && w.i+1 < w.end && w.s[w.i+1]|0x20 == 'm' {
			if hour < 1 || hour > 12 {
				return DateTime{}, faultAt(timeStart, "hour %d with AM/PM must be 1-12", hour)
			}
			hour %= 12
			if c == 'p' {
				hour += 12
			}
			w.i += 2
			for w.peek() == ' ' {
				w.i++
			}
		}
		if hour > 23 || minute > 59 || sec > 59 {
			return DateTime{}, faultAt(timeStart, "%s is not a time of day", strings.TrimSpace(w.s[timeStart:w.i]))
		}
		if w.i < w.end {
			if zone, err = w.zone(); err != nil {
				return DateTime{}, err
			}
		}
	}
	if w.i < w.end {
		return DateTime{}, w.fail("unexpected character")
	}
	return FromTime(time.Date(year, time.Month(month), day, hour, minute, sec, nsec, zone)), nil
}

// zone reads Z, UTC, GMT, ±HH, ±HHMM or ±HH:MM.
func (w *wqlDateScanner) zone() (*time.Location, *posError) {
	rest := w.s[w.i:w.end]
	for _, name := range [...]string{"UTC", "GMT", "Z"} {
		if len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
			w.i += len(name)
			return time.UTC, nil
		}
	}
	c := w.peek()
	if c != '+' && c != '-' {
		return nil, w.fail("expected a time zone (Z, UTC or ±HH:MM)")
	}
	w.i++
	zoneStart := w.i
	h, hw, err := w.number("zone hours", 2)
	if err != nil {
		return nil, err
	}
	m := 0
	if w.peek() == ':' {
		w.i++
		if m, _, err = w.number("zone minutes", 2); err != nil {
			return nil, err
		}
	} else if hw == 2 && w.peek() >= '0' && w.peek() <= '9' {
		if m, _, err = w.number("zone minutes", 2); err != nil {
			return nil, err
		}
	}
	if h > 16 || m > 59 {
		return nil, faultAt(zoneStart, "time zone offset out of range")
	}
	off := (h*60 + m) * 60
	if c == '-' {
		off = -off
	}
	if off == 0 {
		return time.UTC, nil
	}
	return time.FixedZone("", off), nil
}
