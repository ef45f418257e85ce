package wql

import "testing"

func TestLike(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true}, {"", "a", false},
		{"%", "", true}, {"%", "anything", true}, {"%%", "x", true}, {"%%%", "", true},
		{"abc", "abc", true}, {"abc", "ABC", true}, {"abc", "abcd", false}, {"abc", "ab", false},
		{"a%", "a", true}, {"a%", "ABCD", true}, {"a%", "ba", false},
		{"%a", "a", true}, {"%a", "bA", true}, {"%a", "ab", false},
		{"%Win%", "Win32_Process", true}, {"%win%", "CIM_WinThing", true}, {"%win%", "CIM_Wi", false},
		{"%%REGEDIT%", "c:\\windows\\regedit.exe", true},
		{"_", "a", true}, {"_", "", false}, {"_", "ab", false}, {"a_c", "abc", true}, {"a_c", "ac", false},
		{"__", "ab", true}, {"_%_", "ab", true}, {"_%_", "a", false},
		{"[abc]", "b", true}, {"[abc]", "B", true}, {"[abc]", "d", false},
		{"[a-f]", "e", true}, {"[a-f]", "E", true}, {"[a-f]", "g", false}, {"[A-F]", "e", true},
		{"[^a-f]", "g", true}, {"[^a-f]", "c", false}, {"[^abc]%", "dog", true}, {"[^abc]%", "cat", false},
		{"[a-cx-z]", "y", true}, {"[a-cx-z]", "m", false},
		{"[_]", "_", true}, {"[_]", "a", false}, {"%[_][_]%", "__CLASS", true}, {"%[_][_]%", "Win32_X", false},
		{"[%]", "%", true}, {"[%]", "x", false}, {"100[%]", "100%", true}, {"100[%]", "100x", false},
		{"[[]", "[", true}, {"[]]", "]", true}, {"[]a]", "a", true}, {"[^]]", "]", false}, {"[^]]", "x", true},
		{"[-a]", "-", true}, {"[a-]", "-", true}, {"[a-]", "b", false},
		{"%\\%", "C:\\", true}, {"%\\%", "C:", false},
		{"%10.%", "IP_10.0.0.1", true}, {"%10.%", "IP_1000", false},
		{"a%b%c", "aXXbYYc", true}, {"a%b%c", "aXXcYYb", false}, {"a%b%c", "abc", true},
		{"%a%a%a%a%a%b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"ä%", "Äpfel", true}, {"%ß", "straß", true}, {"_pfel", "Äpfel", true},
		{"☃_", "☃x", true}, {"%☃%", "a☃b", true}, {"[α-ω]", "Σ", true},
		{"firefox.exe", "FireFox.EXE", true},
	} {
		p, err := compileLike(tc.pattern)
		if err != nil {
			t.Fatalf("compileLike(%q): %v", tc.pattern, err)
		}
		if got := p.match(tc.s); got != tc.want {
			t.Errorf("%q LIKE %q = %v", tc.s, tc.pattern, got)
		}
		if got := p.matchGeneral(tc.s); got != tc.want {
			t.Errorf("%q LIKE %q (general) = %v", tc.s, tc.pattern, got)
		}
	}
	for _, bad := range []string{"[", "[a", "[^", "[]", "a[bc", "[z-a]"} {
		if _, err := compileLike(bad); err == nil {
			t.Errorf("compileLike(%q): no error", bad)
		}
	}
}
