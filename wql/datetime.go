package wql

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Dates and times in WHERE clauses. A DATETIME property compares with a
// string literal in DMTF form or in one of the forms of Microsoft's
// "WQL-Supported Date Formats" and "WQL-Supported Time Formats" pages.
//
// Deviations: numeric dates are read in the en-US order (month first)
// unless the year comes first with four digits; two-digit years 00-29 are
// 20xx and 30-99 19xx (Windows' default window); hh:mm:ss:uuu reads uuu as
// the UTC offset in minutes, as the time-formats page says.

// dtValue is a date or time literal of a WHERE clause.
type dtValue struct {
	dt cim.DateTime // absolute or interval (not timeOnly)
	// timeOnly marks a time of day without a date (a WQL time format): it
	// compares with the time of day of the other value. tod is the time of
	// day, in the zone of off minutes east of UTC when hasOff.
	timeOnly bool
	tod      time.Duration
	hasOff   bool
	off      int
}

// parseDateTime parses a date or time literal: what cim.ParseWQLDateTime
// accepts (DMTF, ISO 8601, mm/dd/yyyy) and the other WQL forms (month
// names, two-digit years, a time of day alone). A value without a zone is in
// the local time zone, as cim.ParseWQLDateTime takes it.
func parseDateTime(s string) (*dtValue, bool) {
	if d, err := cim.ParseWQLDateTime(s); err == nil {
		return &dtValue{dt: d}, true
	}
	return parseWQLDate(strings.TrimSpace(s))
}

// ParseDate parses a date or time as a WQL WHERE clause accepts it: a
// DATETIME in DMTF form and every form of cim.ParseWQLDateTime, plus the
// forms of Microsoft's "WQL-Supported Date Formats" and "WQL-Supported Time
// Formats" pages ("January 21, 1932", "21 Jan 32", "1932 January 21",
// "3:23:00PM", "15:23:00:060" with a UTC offset in minutes). A value
// without a zone is local time. A time without a date has wildcard date
// fields (********152300.000000+***). A text that is no date is
// WBEM_E_INVALID_QUERY.
func ParseDate(s string) (cim.DateTime, error) {
	v, ok := parseDateTime(s)
	if !ok {
		return cim.DateTime{}, status.Errorf(status.InvalidQuery, "%q is not a date or time WQL understands", s)
	}
	if !v.timeOnly {
		return v.dt, nil
	}
	d := v.tod
	off := "+***"
	if v.hasOff {
		off = offText(v.off)
	}
	return cim.ParseDateTime(fmt.Sprintf("********%02d%02d%02d.%06d%s", int(d/time.Hour), int(d/time.Minute%60),
		int(d/time.Second%60), int(d/time.Microsecond%1e6), off))
}

func offText(off int) string {
	if off < 0 {
		return fmt.Sprintf("-%03d", -off)
	}
	return fmt.Sprintf("+%03d", off)
}

// compareDate compares a DATETIME property value (its DMTF text) with a
// literal; ok is false when they cannot be ordered (an interval against a
// date, a malformed value).
func compareDate(text string, lit *dtValue) (int, bool) {
	v, err := cim.ParseDateTime(text)
	if err != nil {
		return 0, false
	}
	if !lit.timeOnly {
		if v.IsInterval() != lit.dt.IsInterval() {
			return 0, false
		}
		return cim.Compare(v, lit.dt), true
	}
	t, err := v.Time()
	if err != nil {
		return 0, false
	}
	if lit.hasOff {
		t = t.In(time.FixedZone("", lit.off*60))
	}
	tod := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	return cmpOrdered(tod, lit.tod), true
}

func cmpOrdered[T ~int64 | ~float64 | ~uint64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var monthNames = map[string]time.Month{}

func init() {
	for m := time.January; m <= time.December; m++ {
		n := strings.ToLower(m.String())
		monthNames[n] = m
		monthNames[n[:3]] = m
	}
	monthNames["sept"] = time.September
}

// dateTok is a token of a WQL date or time.
type dateTok struct {
	num    int
	digits int    // > 0 for a number
	word   string // lower case, for a word
	sep    byte   // for a separator: / - . : , T
}

func lexDate(s string) ([]dateTok, bool) {
	var toks []dateTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j-i > 9 {
				return nil, false
			}
			n, _ := strconv.Atoi(s[i:j])
			toks = append(toks, dateTok{num: n, digits: j - i})
			i = j
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			w := strings.ToLower(s[i:j])
			if w == "t" && len(toks) > 0 && toks[len(toks)-1].digits > 0 && j < len(s) && s[j] >= '0' && s[j] <= '9' {
				toks = append(toks, dateTok{sep: 'T'}) // ISO 8601 date-time separator
			} else {
				toks = append(toks, dateTok{word: w})
			}
			i = j
		case strings.IndexByte("/-.:,+", c) >= 0:
			toks = append(toks, dateTok{sep: c})
			i++
		default:
			return nil, false
		}
	}
	return toks, len(toks) > 0
}

// parseWQLDate parses the WQL date and time forms.
func parseWQLDate(s string) (*dtValue, bool) {
	toks, ok := lexDate(s)
	if !ok {
		return nil, false
	}
	// Find the time: a number followed by ':' or by AM/PM.
	ti := -1
	for i, t := range toks {
		if t.digits > 0 && t.digits <= 2 && i+1 < len(toks) && (toks[i+1].sep == ':' || toks[i+1].word == "am" || toks[i+1].word == "pm") {
			if i+1 < len(toks) && toks[i+1].sep == ':' || i == len(toks)-2 {
				ti = i
				break
			}
		}
	}
	dateToks := toks
	var tv timeOfDay
	hasTime := ti >= 0
	if hasTime {
		var ok bool
		if tv, ok = parseTimeToks(toks[ti:]); !ok {
			return nil, false
		}
		dateToks = toks[:ti]
		if n := len(dateToks); n > 0 && dateToks[n-1].sep == 'T' {
			dateToks = dateToks[:n-1]
		}
	}
	if len(dateToks) == 0 {
		if !hasTime {
			return nil, false
		}
		return &dtValue{timeOnly: true, tod: tv.d, hasOff: tv.hasOff, off: tv.off}, true
	}
	y, m, d, ok := parseDateToks(dateToks)
	if !ok {
		return nil, false
	}
	loc := time.Local
	if hasTime && tv.hasOff {
		loc = time.FixedZone("", tv.off*60)
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, loc).Add(tv.d)
	return &dtValue{dt: cim.FromTime(t)}, true
}

type timeOfDay struct {
	d      time.Duration
	hasOff bool
	off    int
}

// parseTimeToks parses hh[:mm[:ss[.ffffff][:uuu]]] [AM|PM].
func parseTimeToks(toks []dateTok) (timeOfDay, bool) {
	var parts []int
	var frac time.Duration
	ampm := ""
	i := 0
	for i < len(toks) {
		t := toks[i]
		if t.digits == 0 {
			return timeOfDay{}, false
		}
		parts = append(parts, t.num)
		i++
		if len(parts) == 3 && i+1 < len(toks) && toks[i].sep == '.' && toks[i+1].digits > 0 {
			f := toks[i+1]
			frac = time.Duration(f.num)
			for k := f.digits; k < 9; k++ {
				frac *= 10
			}
			i += 2
		}
		if i < len(toks) && toks[i].sep == ':' {
			i++
			continue
		}
		break
	}
	if i < len(toks) && (toks[i].word == "am" || toks[i].word == "pm") {
		ampm = toks[i].word
		i++
	}
	if i != len(toks) || len(parts) == 0 || len(parts) > 4 || len(parts) == 1 && ampm == "" {
		return timeOfDay{}, false
	}
	h := parts[0]
	var m, sec int
	if len(parts) > 1 {
		m = parts[1]
	}
	if len(parts) > 2 {
		sec = parts[2]
	}
	var tv timeOfDay
	if len(parts) == 4 {
		tv.hasOff, tv.off = true, parts[3]
	}
	switch ampm {
	case "am", "pm":
		if h < 1 || h > 12 {
			return timeOfDay{}, false
		}
		h %= 12
		if ampm == "pm" {
			h += 12
		}
	}
	if h > 23 || m > 59 || sec > 59 {
		return timeOfDay{}, false
	}
	tv.d = time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second + frac
	return tv, true
}

// parseDateToks parses the date forms of WQL.
func parseDateToks(toks []dateTok) (int, time.Month, int, bool) {
	var nums []dateTok
	var month time.Month
	monthAt := -1
	var seps []byte
	for _, t := range toks {
		switch {
		case t.digits > 0:
			nums = append(nums, t)
		case t.word != "":
			m, ok := monthNames[t.word]
			if !ok || monthAt >= 0 {
				return 0, 0, 0, false
			}
			month, monthAt = m, len(nums)
		case t.sep == ',':
		default:
			seps = append(seps, t.sep)
		}
	}
	year := func(t dateTok) int {
		if t.digits <= 2 {
			if t.num < 30 {
				return 2000 + t.num
			}
			return 1900 + t.num
		}
		return t.num
	}
	valid := func(y int, m time.Month, d int) (int, time.Month, int, bool) {
		if m < 1 || m > 12 || d < 1 || d > 31 || y < 1 || y > 9999 {
			return 0, 0, 0, false
		}
		if time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Day() != d {
			return 0, 0, 0, false
		}
		return y, m, d, true
	}
	if monthAt >= 0 {
		if len(seps) > 0 && !(len(seps) <= 2 && allSame(seps)) {
			return 0, 0, 0, false
		}
		switch len(nums) {
		case 1: // Mon yyyy, yyyy Mon
			if nums[0].digits != 4 {
				return 0, 0, 0, false
			}
			return valid(nums[0].num, month, 1)
		case 2:
			a, b := nums[0], nums[1]
			switch {
			case a.digits == 4 || a.num > 31: // yyyy Mon dd, yyyy dd Mon, Mon yy dd
				return valid(year(a), month, b.num)
			default: // Mon dd yy, dd Mon yy, dd yy Mon
				return valid(year(b), month, a.num)
			}
		}
		return 0, 0, 0, false
	}
	if len(nums) != 3 || len(seps) != 2 || seps[0] != seps[1] || seps[0] == ':' || seps[0] == '+' {
		return 0, 0, 0, false
	}
	if nums[0].digits == 4 { // yyyy-mm-dd
		return valid(nums[0].num, time.Month(nums[1].num), nums[2].num)
	}
	// en-US: mm/dd/[yy]yy
	return valid(year(nums[2]), time.Month(nums[0].num), nums[1].num)
}

func allSame(b []byte) bool {
	for _, c := range b {
		if c != b[0] {
			return false
		}
	}
	return true
}
