package cim

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gowmi/gowmi/wbem/status"
)

func TestParseDateTimeAbsolute(t *testing.T) {
	tests := []struct {
		in       string
		want     time.Time // zero when the value has wildcards or no calendar date
		wild     bool
		offset   int
		hasZone  bool
		timeCode status.Code // the error of Time(), if any
	}{
		{in: "19980401135809.000000+000", want: time.Date(1998, 4, 1, 13, 58, 9, 0, time.UTC), hasZone: true},
		{in: "19980525133015.123456-300", want: time.Date(1998, 5, 25, 13, 30, 15, 123456000, time.FixedZone("", -300*60)), offset: -300, hasZone: true},
		{in: "20240229235959.999999+840", want: time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.FixedZone("", 840*60)), offset: 840, hasZone: true},
		{in: "00010101000000.000000-000", want: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), hasZone: true},
		{in: "99991231235959.999999+999", want: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.FixedZone("", 999*60)), offset: 999, hasZone: true},
		// Wildcards fill whole fields.
		{in: "19980416******.000000+***", wild: true, timeCode: status.TypeMismatch},
		{in: "****0401******.******+***", wild: true, timeCode: status.TypeMismatch},
		{in: "**************.******-***", wild: true, timeCode: status.TypeMismatch},
		{in: "19980401135809.******+060", wild: true, offset: 60, hasZone: true, timeCode: status.TypeMismatch},
		// Accepted by the grammar, but not calendar dates.
		{in: "00000000000000.000000+000", hasZone: true, timeCode: status.ValueOutOfRange},
		{in: "20230229000000.000000+000", hasZone: true, timeCode: status.ValueOutOfRange},
		{in: "20240431000000.000000+000", hasZone: true, timeCode: status.ValueOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDateTime(tt.in)
			if err != nil {
				t.Fatalf("ParseDateTime: %v", err)
			}
			if s := d.String(); s != tt.in {
				t.Errorf("String() = %q", s)
			}
			if again := MustParseDateTime(d.String()); again != d {
				t.Errorf("round trip %#v != %#v", again, d)
			}
			if d.IsInterval() {
				t.Errorf("IsInterval")
			}
			if d.HasWildcards() != tt.wild {
				t.Errorf("HasWildcards = %v", d.HasWildcards())
			}
			if d.HasTimeZone() != tt.hasZone || d.OffsetMinutes() != tt.offset {
				t.Errorf("HasTimeZone %v OffsetMinutes %d", d.HasTimeZone(), d.OffsetMinutes())
			}
			if _, err := d.Duration(); status.CodeOf(err) != status.TypeMismatch {
				t.Errorf("Duration of an absolute value: %v", err)
			}
			got, err := d.Time()
			if tt.timeCode != 0 {
				if status.CodeOf(err) != tt.timeCode {
					t.Errorf("Time() error %v, want %v", err, tt.timeCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Time(): %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Time() = %v, want %v", got, tt.want)
			}
			if _, off := got.Zone(); off != tt.offset*60 {
				t.Errorf("zone offset %d, want %d", off, tt.offset*60)
			}
			if tt.offset == 0 && got.Location() != time.UTC {
				t.Errorf("offset 0 gives location %v, want UTC", got.Location())
			}
			if back := FromTime(got); back.String() != strings.Replace(tt.in, "-000", "+000", 1) {
				t.Errorf("FromTime(Time()) = %s", back)
			}
		})
	}
}

func TestParseDateTimeInterval(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"00000001120032.000000:000", 36*time.Hour + 32*time.Second},
		{"00000000000000.000000:000", 0},
		{"00000000000000.000001:000", time.Microsecond},
		{"00000000235959.999999:000", 24*time.Hour - time.Microsecond},
		{"00106751234716.854775:000", math.MaxInt64 / 1000 * 1000},
	}
	for _, tt := range tests {
		d, err := ParseDateTime(tt.in)
		if err != nil {
			t.Fatalf("ParseDateTime(%q): %v", tt.in, err)
		}
		if !d.IsInterval() || d.HasWildcards() || d.HasTimeZone() || d.String() != tt.in {
			t.Errorf("%q: IsInterval %v HasWildcards %v String %q", tt.in, d.IsInterval(), d.HasWildcards(), d)
		}
		got, err := d.Duration()
		if err != nil || got != tt.want {
			t.Errorf("%q: Duration() = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if iv := Interval(tt.want); iv != d {
			t.Errorf("Interval(%v) = %s, want %s", tt.want, iv, d)
		}
		if _, err := d.Time(); status.CodeOf(err) != status.TypeMismatch {
			t.Errorf("Time of an interval: %v", err)
		}
	}
	// Too long for a time.Duration.
	// The largest time.Duration is 106751 days 23:47:16.854775807.
	for _, s := range []string{"00106752000000.000000:000", "99999999235959.999999:000", "00106751235959.999999:000", "00106751234716.854776:000"} {
		if _, err := MustParseDateTime(s).Duration(); status.CodeOf(err) != status.ValueOutOfRange {
			t.Errorf("%s: Duration error %v, want WBEM_E_VALUE_OUT_OF_RANGE", s, err)
		}
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-90 * time.Second, "00000000000130.000000:000"},
		{1500 * time.Nanosecond, "00000000000000.000001:000"},
		{math.MaxInt64, "00106751234716.854775:000"},
		{math.MinInt64, "00106751234716.854775:000"},
	} {
		if got := Interval(tt.d).String(); got != tt.want {
			t.Errorf("Interval(%v) = %s, want %s", tt.d, got, tt.want)
		}
	}
}

func TestParseDateTimeErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		msg string
	}{
		{"", 0, "text ends early"},
		{"1998", 4, "text ends early"},
		{"19980401135809.000000+00", 24, "text ends early"},
		{"19980401135809.000000+0000", 25, "goes on after 25 characters"},
		{"00000001120032.000000:0000", 25, "goes on after 25 characters"},
		{"199x0401135809.000000+000", 3, "expected a digit in the year field, found 'x'"},
		{"19981301135809.000000+000", 4, "month 13 is out of range"},
		{"19980432135809.000000+000", 6, "day 32 is out of range"},
		{"19980401245809.000000+000", 8, "hour 24 is out of range"},
		{"19980401136009.000000+000", 10, "minute 60 is out of range"},
		{"19980401135860.000000+000", 12, "second 60 is out of range"},
		{"19980401135809,000000+000", 14, "expected '.'"},
		{"19980401135809.00000a+000", 20, "microseconds"},
		{"19980401135809.000000*000", 21, "expected '+', '-' or ':'"},
		{"19980401135809.000000 000", 21, "expected '+', '-' or ':'"},
		{"19980401135809.000000+0a0", 23, "UTC offset"},
		{" 19980401135809.000000+00", 0, "expected a digit"},
		// Partial wildcards.
		{"199*0416******.000000+***", 3, "a wildcard must fill the whole year field"},
		{"*998*416******.000000+***", 1, "a wildcard must fill the whole year field"},
		{"1998041*******.000000+***", 7, "whole day field"},
		{"19980416******.12****+***", 17, "whole microseconds field"},
		{"19980416******.000000+0**", 23, "whole UTC offset field"},
		{"19980416******.000000+**0", 24, "whole UTC offset field"},
		// Intervals.
		{"0000000112003*.000000:000", 13, "an interval cannot hold wildcards"},
		{"********120032.000000:000", 0, "an interval cannot hold wildcards"},
		{"00000001240032.000000:000", 8, "hours 24 is out of range"},
		{"00000001126032.000000:000", 10, "minutes 60 is out of range"},
		{"00000001120060.000000:000", 12, "seconds 60 is out of range"},
		{"00000001120032.000000:001", 24, "an interval ends in :000"},
		{"00000001120032.000000:***", 22, "an interval ends in :000"},
		{"00000001120032-000000:000", 14, "expected '.'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDateTime(tt.in)
			if err == nil {
				t.Fatalf("ParseDateTime(%q) = %s, want an error", tt.in, d)
			}
			checkPosError(t, err, status.InvalidParameter, tt.pos, tt.msg)
		})
	}
}

func TestParseDateTimeValue(t *testing.T) {
	if _, err := ParseDateTimeValue("bad"); !errors.Is(err, status.ErrTypeMismatch) {
		t.Errorf("ParseDateTimeValue(bad): %v", err)
	}
	v, err := ParseDateTimeValue("19980401135809.000000+000")
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := v.DateTime(); !ok || d.String() != "19980401135809.000000+000" {
		t.Errorf("DateTime() = %v, %v", d, ok)
	}
	var zero DateTime
	if zero.String() != "00000000000000.000000+000" || MustParseDateTime(zero.String()) != zero {
		t.Errorf("zero DateTime %q does not round-trip", zero)
	}
}

func TestFromTime(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 3, 1, 13, 45, 10, 123456789, time.UTC), "20240301134510.123456+000"},
		{time.Date(2024, 3, 1, 13, 45, 10, 0, time.FixedZone("PST", -8*3600)), "20240301134510.000000-480"},
		{time.Date(2024, 3, 1, 13, 45, 10, 0, time.FixedZone("IST", 5*3600+1800)), "20240301134510.000000+330"},
		// An offset with seconds is truncated to minutes; the instant is kept.
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 561)), "18991231235939.000000+009"},
		// Out of range years are clamped (in UTC).
		{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), "00000101000000.000000+000"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.FixedZone("", 3600)), "99991231230000.000000+000"},
		{time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC), "99991231235959.999999+000"},
		// An offset beyond 999 minutes is taken in UTC.
		{time.Date(2024, 1, 1, 20, 0, 0, 0, time.FixedZone("", 17*3600)), "20240101030000.000000+000"},
	}
	for _, tt := range tests {
		d := FromTime(tt.t)
		if d.String() != tt.want {
			t.Errorf("FromTime(%v) = %s, want %s", tt.t, d, tt.want)
		}
		if got, err := d.Time(); err == nil && tt.t.Year() >= 0 && tt.t.Year() <= 9999 && !got.Equal(tt.t.Truncate(time.Microsecond)) {
			t.Errorf("FromTime(%v).Time() = %v", tt.t, got)
		}
	}
}

func TestCompareDateTime(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"20240101120000.000000+060", "20240101110000.000000+000", 0},
		{"20240101120000.000000+000", "20240101120000.000000-060", -1},
		{"20240101120000.000000+000", "20240101110000.000000-060", 0},
		{"20240101120000.000001+000", "20240101120000.000000+000", 1},
		{"19991231235959.999999+000", "20000101000000.000000+000", -1},
		{"00000001000000.000000:000", "00000000235959.999999:000", 1},
		{"00000001000000.000000:000", "00000001000000.000000:000", 0},
		// Wildcards compare character by character.
		{"20240101120000.000000+***", "20240101120000.000000+000", -1},
		{"20240101120000.000000+***", "20240101120000.000000+***", 0},
		{"2024****120000.000000+000", "20240101120000.000000+000", -1},
		// Interval against absolute: character by character.
		{"00000001000000.000000:000", "20240101120000.000000+000", -1},
		// Not a calendar date: character by character.
		{"20230229000000.000000+000", "20230301000000.000000+000", -1},
		{"20230229000000.000000+060", "20230228230000.000000+000", 1},
	}
	for _, tt := range tests {
		a, b := MustParseDateTime(tt.a), MustParseDateTime(tt.b)
		if got := Compare(a, b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Compare(b, a); got != -tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestFileTime(t *testing.T) {
	epoch := time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := FromFileTime(0); !got.Equal(epoch) || got.Location() != time.UTC {
		t.Errorf("FromFileTime(0) = %v", got)
	}
	if got := ToFileTime(epoch); got != 0 {
		t.Errorf("ToFileTime(1601) = %d", got)
	}
	unix := time.Unix(0, 0)
	if got := ToFileTime(unix); got != 116444736000000000 {
		t.Errorf("ToFileTime(1970) = %d", got)
	}
	if got := FromFileTime(116444736000000000); !got.Equal(unix) {
		t.Errorf("FromFileTime(1970) = %v", got)
	}
	now := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("", 7200))
	if got := FromFileTime(ToFileTime(now)); !got.Equal(now.Truncate(100 * time.Nanosecond)) {
		t.Errorf("FILETIME round trip %v -> %v", now, got)
	}
	if got := ToFileTime(epoch.Add(-time.Nanosecond)); got != 0 {
		t.Errorf("before 1601: %d", got)
	}
	if got := ToFileTime(time.Date(100000, 1, 1, 0, 0, 0, 0, time.UTC)); got != math.MaxUint64 {
		t.Errorf("far future: %d", got)
	}
	max := FromFileTime(math.MaxUint64)
	if max.Year() != 60056 {
		t.Errorf("FromFileTime(max) = %v", max)
	}
}

func TestParseWQLDateTime(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		in   string
		want string
	}{
		{"20240301134510.000000+000", "20240301134510.000000+000"},
		{"00000001120032.000000:000", "00000001120032.000000:000"},
		{"2024-03-01", "20240301000000.000000+060"},
		{"2024/03/01", "20240301000000.000000+060"},
		{"2024-3-1", "20240301000000.000000+060"},
		{"2024-03-01 13:45", "20240301134500.000000+060"},
		{"2024-03-01 13:45:10", "20240301134510.000000+060"},
		{"2024-03-01 13:45:10.25", "20240301134510.250000+060"},
		{"2024-03-01 13:45:10.123456789", "20240301134510.123456+060"},
		{"2024-03-01 13:45:10:250", "20240301134510.250000+060"},
		{"2024-03-01T13:45:10Z", "20240301134510.000000+000"},
		{"2024-03-01T13:45:10+05:30", "20240301134510.000000+330"},
		{"2024-03-01 13:45:10 -0800", "20240301134510.000000-480"},
		{"2024-03-01 13:45 UTC", "20240301134500.000000+000"},
		{"03/01/2024", "20240301000000.000000+060"},
		{"3/1/2024 1:45:10 PM", "20240301134510.000000+060"},
		{"03-01-2024 12:00 am", "20240301000000.000000+060"},
		{"03/01/2024 12:30PM", "20240301123000.000000+060"},
		{"  2024-03-01  ", "20240301000000.000000+060"},
	}
	for _, tt := range tests {
		d, err := ParseWQLDateTimeIn(tt.in, cet)
		if err != nil {
			t.Errorf("ParseWQLDateTimeIn(%q): %v", tt.in, err)
			continue
		}
		if d.String() != tt.want {
			t.Errorf("ParseWQLDateTimeIn(%q) = %s, want %s", tt.in, d, tt.want)
		}
	}
	if d, err := ParseWQLDateTimeIn("2024-03-01", nil); err != nil || d.String() != "20240301000000.000000+000" {
		t.Errorf("nil location: %v, %v", d, err)
	}
	if d, err := ParseWQLDateTime("2024-03-01 10:00:00Z"); err != nil || d.String() != "20240301100000.000000+000" {
		t.Errorf("ParseWQLDateTime: %v, %v", d, err)
	}

	errs := []struct {
		in  string
		pos int
		msg string
	}{
		{"", 0, "empty datetime"},
		{"   ", 3, "empty datetime"},
		{"19980416******.000000+***", 8, "wildcards are not allowed in a query"},
		{" 19981301135809.000000+000", 5, "month 13 is out of range"},
		{"2024", 4, "expected '-' or '/'"},
		{"2024-13-01", 0, "2024-13-01 is not a calendar date"},
		{"2023-02-29", 0, "not a calendar date"},
		{"01/02/24", 6, "expected a four-digit year"},
		{"202-01-01", 0, "expected a four-digit year or a month"},
		{"2024-01/01", 7, `expected '-' in the date`},
		{"2024-01-01 25:00", 11, "is not a time of day"},
		{"2024-01-01 13:00 PM", 11, "hour 13 with AM/PM"},
		{"2024-01-01 10", 13, "expected ':' after the hour"},
		{"2024-01-01 10:00:00.", 20, "expected the fraction"},
		{"2024-01-01 10:00:00.1234567890", 20, "more than 9 digits"},
		{"2024-01-01 10:00:00:12", 20, "expected three digits of milliseconds"},
		{"2024-01-01 10:00:00 +25:00", 21, "time zone offset out of range"},
		{"2024-01-01 10:00:00 XYZ", 20, "expected a time zone"},
		{"2024-01-01x", 10, "expected a space or 'T'"},
		{"2024-01-01 10:00Zjunk", 17, "unexpected character"},
	}
	for _, tt := range errs {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseWQLDateTimeIn(tt.in, cet)
			if err == nil {
				t.Fatalf("ParseWQLDateTimeIn(%q) = %s, want an error", tt.in, d)
			}
			checkPosError(t, err, status.InvalidParameter, tt.pos, tt.msg)
		})
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{
		"19980401135809.000000+000", "19980525133015.123456-300",
		"19980416******.000000+***", "**************.******+***",
		"00000001120032.000000:000", "99999999235959.999999:000",
		"00000000000000.000000+000", "199*0416******.000000+***",
		"19981301135809.000000+000", "00000001120032.000000:001",
		"2024-03-01 13:45:10.25", "3/1/2024 1:45 PM", "2024-03-01T13:45:10+05:30",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if w, err := ParseWQLDateTimeIn(s, time.UTC); err == nil {
			if MustParseDateTime(w.String()) != w {
				t.Fatalf("ParseWQLDateTime(%q) = %s does not round-trip", s, w)
			}
		} else if !strings.HasPrefix(status.From(err).ParameterInfo, "position ") {
			t.Fatalf("ParseWQLDateTime(%q): error without a position: %v", s, err)
		}
		d, err := ParseDateTime(s)
		if err != nil {
			var se *status.Error
			if !errors.As(err, &se) || se.Code != status.InvalidParameter || !strings.HasPrefix(se.ParameterInfo, "position ") {
				t.Fatalf("ParseDateTime(%q): bad error %#v", s, err)
			}
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDateTime(%q).String() = %q", s, d.String())
		}
		if again, err := ParseDateTime(d.String()); err != nil || again != d {
			t.Fatalf("round trip of %q: %#v, %v", s, again, err)
		}
		if tm, err := d.Time(); err == nil {
			if back := FromTime(tm); Compare(back, d) != 0 {
				t.Fatalf("FromTime(Time()) of %q = %s", s, back)
			}
		}
		if dur, err := d.Duration(); err == nil && Interval(dur) != d {
			t.Fatalf("Interval(Duration()) of %q = %s", s, Interval(dur))
		}
		_ = Compare(d, d)
	})
}

func BenchmarkDateTimeParse(b *testing.B) {
	texts := []string{"19980525133015.123456-300", "19980416******.000000+***", "00000001120032.000000:000"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseDateTime(texts[i%len(texts)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDateTimeFormat(b *testing.B) {
	d := MustParseDateTime("19980525133015.123456-300")
	b.ReportAllocs()
	for b.Loop() {
		_ = d.String()
	}
}
