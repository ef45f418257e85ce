package wql

import (
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestParseDate(t *testing.T) {
	local := func(y int, m time.Month, d, h, mi, s int) string {
		return cim.FromTime(time.Date(y, m, d, h, mi, s, 0, time.Local)).String()
	}
	for _, tc := range []struct{ in, want string }{
		// DMTF and the forms of cim.ParseWQLDateTime.
		{"20240101120000.000000+060", "20240101120000.000000+060"},
		{"00000001020304.000000:000", "00000001020304.000000:000"},
		{"2024-03-01 13:45:10Z", "20240301134510.000000+000"},
		{"2024-03-01", local(2024, 3, 1, 0, 0, 0)},
		{"03/01/2024", local(2024, 3, 1, 0, 0, 0)},
		// "WQL-Supported Date Formats".
		{"January 21, 1932", local(1932, 1, 21, 0, 0, 0)},
		{"January 21, 32", local(1932, 1, 21, 0, 0, 0)},
		{"Jan 21 1932", local(1932, 1, 21, 0, 0, 0)},
		{"Jan 21 32", local(1932, 1, 21, 0, 0, 0)},
		{"January 1932", local(1932, 1, 1, 0, 0, 0)},
		{"Jan 1932", local(1932, 1, 1, 0, 0, 0)},
		{"January 1932 21", local(1932, 1, 21, 0, 0, 0)},
		{"Jan 32 21", local(1932, 1, 21, 0, 0, 0)},
		{"21 January, 1932", local(1932, 1, 21, 0, 0, 0)},
		{"21 Jan32", local(1932, 1, 21, 0, 0, 0)},
		{"21 1932 January", local(1932, 1, 21, 0, 0, 0)},
		{"1932 January 21", local(1932, 1, 21, 0, 0, 0)},
		{"1932 January", local(1932, 1, 1, 0, 0, 0)},
		{"1932 21 January", local(1932, 1, 21, 0, 0, 0)},
		{"1/21/32", local(1932, 1, 21, 0, 0, 0)},
		{"1.21.1932", local(1932, 1, 21, 0, 0, 0)},
		{"1932.1.21", local(1932, 1, 21, 0, 0, 0)},
		{"Sept 3 2021", local(2021, 9, 3, 0, 0, 0)},
		{"1/21/05", local(2005, 1, 21, 0, 0, 0)},
		{"DEC 31, 1999 11:59 PM", local(1999, 12, 31, 23, 59, 0)},
		{"Jan 21 1932 3:23:00PM", local(1932, 1, 21, 15, 23, 0)},
		{"Jan 21 1932 15:23:00:060", "19320121152300.000000+060"},
		// "WQL-Supported Time Formats".
		{"4 PM", "********160000.000000+***"},
		{"3:23", "********032300.000000+***"},
		{"3:23 AM", "********032300.000000+***"},
		{"3:23:00", "********032300.000000+***"},
		{"3:23:00PM", "********152300.000000+***"},
		{"3:23:00:060", "********032300.000000+060"},
		{"3:23:00:5", "********032300.000000+005"},
		{"3:23:00:060 PM", "********152300.000000+060"},
		{"12:00 AM", "********000000.000000+***"},
		{"3:23:00.5", "********032300.500000+***"},
	} {
		d, err := ParseDate(tc.in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", tc.in, err)
			continue
		}
		if d.String() != tc.want {
			t.Errorf("ParseDate(%q) = %s, want %s", tc.in, d, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "Foo 21 1932", "13/01/2024", "2/30/2024", "25:00", "13 PM",
		"Jan Feb 1932", "1-21/1932", "Jan 21 1932 junk", "1:2:3:4:5", "12345678901 Jan", "Jan 1932 1932 1", "21 Jan 1932!"} {
		if d, err := ParseDate(bad); status.CodeOf(err) != status.InvalidQuery {
			t.Errorf("ParseDate(%q) = %v, %v", bad, d, err)
		}
	}
}
