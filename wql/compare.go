package wql

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gowmi/gowmi/cim"
)

// WMI's comparison rules, as this package applies them:
//
//   - integers of every width compare exactly with each other, including
//     uint64 against negative numbers; integers compare exactly with reals;
//   - a string literal compares with a numeric property as the number it
//     spells (decimal, or hexadecimal with 0x), as WMI accepts for the
//     64-bit integers it carries as strings, and with a datetime property as
//     the date it spells (DMTF or a WQL date or time form);
//   - strings compare case-insensitively, by their lower-case characters;
//   - booleans compare with TRUE and FALSE, with integers (0 is FALSE, any
//     other number TRUE) and with the strings "TRUE" and "FALSE";
//   - references compare as object paths, case-insensitively;
//   - embedded objects compare only for (in)equality, as objects;
//   - NULL compares with nothing: only IS [NOT] NULL tests it.

// xint is an exact integer of 65 bits: a sign and a magnitude.
type xint struct {
	neg bool
	mag uint64
}

func cmpXint(a, b xint) int {
	switch {
	case a.neg != b.neg:
		if a.neg {
			return -1
		}
		return 1
	case a.mag == b.mag:
		return 0
	case (a.mag < b.mag) != a.neg:
		return -1
	}
	return 1
}

// intOf returns an integer value as an xint.
func intOf(v cim.Value) (xint, bool) {
	t := v.Type()
	switch {
	case t == cim.TypeUint64:
		u, ok := v.Uint()
		return xint{mag: u}, ok
	case t.IsInteger():
		n, ok := v.Int()
		if n < 0 {
			return xint{neg: true, mag: uint64(-n)}, ok
		}
		return xint{mag: uint64(n)}, ok
	}
	return xint{}, false
}

// cmpIntFloat compares an integer with a float exactly; ok is false for NaN.
func cmpIntFloat(a xint, f float64) (int, bool) {
	if math.IsNaN(f) {
		return 0, false
	}
	switch {
	case f >= 1<<64:
		return -1, true
	case f <= -(1 << 64):
		return 1, true
	}
	t := math.Trunc(f)
	b := xint{neg: t < 0, mag: uint64(math.Abs(t))}
	if c := cmpXint(a, b); c != 0 {
		return c, true
	}
	switch frac := f - t; {
	case frac > 0:
		return -1, true
	case frac < 0:
		return 1, true
	}
	return 0, true
}

// parseIntText parses the integer a string spells: an optional sign, then
// decimal digits or 0x and hexadecimal digits, blanks around.
func parseIntText(s string) (xint, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, s = 16, s[2:]
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return xint{}, false
	}
	u, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return xint{}, false
	}
	return xint{neg: neg && u != 0, mag: u}, true
}

// constant is a literal with the forms it takes against each type of
// property, computed once at compile time.
type constant struct {
	v cim.Value

	isInt bool // an integer, or a string spelling one
	i     xint
	isNum bool // a number, or a string spelling one
	f     float64

	isStr bool // text: a string, or the decimal text of a number
	lower string

	isBool bool
	b      bool

	dt   *dtValue // a string spelling a date or time
	path *cim.Path
	obj  cim.Object // an embedded object (property against property)
}

// newConstant computes the forms of a value.
func newConstant(v cim.Value) *constant {
	c := &constant{v: v}
	if v.IsNull() {
		return c
	}
	t := v.Type()
	switch {
	case t == cim.TypeBoolean:
		b, _ := v.Bool()
		c.isBool, c.b = true, b
		c.isInt, c.isNum = true, true
		if b {
			c.i, c.f = xint{mag: 1}, 1
		}
		c.isStr, c.lower = true, strings.ToLower(v.String())
	case t.IsInteger():
		c.i, _ = intOf(v)
		c.isInt, c.isNum = true, true
		c.f, _ = v.Float()
		c.isBool, c.b = true, c.i.mag != 0
		c.isStr, c.lower = true, v.String()
	case t.IsReal():
		c.isNum = true
		c.f, _ = v.Float()
		c.isBool, c.b = true, c.f != 0
		c.isStr, c.lower = true, strings.ToLower(v.String())
	case t == cim.TypeString, t == cim.TypeChar16, t == cim.TypeDateTime, t == cim.TypeReference:
		s, _ := v.Str()
		c.isStr, c.lower = true, lowerString(s)
		if x, ok := parseIntText(s); ok {
			c.isInt, c.isNum, c.i = true, true, x
			c.f = float64(x.mag)
			if x.neg {
				c.f = -c.f
			}
		} else if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(f, 0) {
			c.isNum, c.f = true, f
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			c.isBool, c.b = true, true
		case "false":
			c.isBool = true
		}
		if t != cim.TypeReference {
			c.dt, _ = parseDateTime(s)
		}
		if t == cim.TypeReference || t == cim.TypeString && !c.isNum && c.dt == nil {
			if p, err := cim.ParsePath(s); err == nil {
				c.path = &p
			}
		}
	case t == cim.TypeObject:
		c.obj, _ = v.Object()
	}
	return c
}

// lowerString folds s for case-insensitive comparison.
func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.Map(fold, s)
		}
	}
	return s
}

// compareFold compares s with the folded text lower, ignoring the case of
// s.
func compareFold(s, lower string) int {
	i, j := 0, 0
	for i < len(s) && j < len(lower) {
		a, b := rune(s[i]), rune(lower[j])
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if 'A' <= a && a <= 'Z' {
				a += 'a' - 'A'
			}
			i++
			j++
		} else {
			var n, m int
			a, n = utf8.DecodeRuneInString(s[i:])
			b, m = utf8.DecodeRuneInString(lower[j:])
			a = fold(a)
			i += n
			j += m
		}
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	switch {
	case i < len(s):
		return 1
	case j < len(lower):
		return -1
	}
	return 0
}

// compareConst compares a non-NULL property value with a constant. ok is
// false when the two cannot be compared; every comparison is then false.
func compareConst(v cim.Value, c *constant) (int, bool) {
	t := v.Type()
	switch {
	case t.IsArray():
		return 0, false
	case t.IsInteger():
		x, _ := intOf(v)
		switch {
		case c.isInt:
			return cmpXint(x, c.i), true
		case c.isNum:
			return cmpIntFloat(x, c.f)
		}
	case t.IsReal():
		f, _ := v.Float()
		switch {
		case c.isInt && c.v.Type() != cim.TypeReal64:
			r, ok := cmpIntFloat(c.i, f)
			return -r, ok
		case c.isNum:
			if math.IsNaN(f) || math.IsNaN(c.f) {
				return 0, false
			}
			return cmpOrdered(f, c.f), true
		}
	case t == cim.TypeBoolean:
		if c.isBool {
			b, _ := v.Bool()
			return cmpBool(b, c.b), true
		}
	case t == cim.TypeString:
		if c.isStr {
			s, _ := v.Str()
			return compareFold(s, c.lower), true
		}
	case t == cim.TypeChar16:
		if c.isStr && utf8.RuneCountInString(c.lower) == 1 && c.v.Type() != cim.TypeSint64 && c.v.Type() != cim.TypeUint64 {
			s, _ := v.Str()
			return compareFold(s, c.lower), true
		}
		if c.isInt {
			n, _ := v.Uint()
			return cmpXint(xint{mag: n}, c.i), true
		}
	case t == cim.TypeDateTime:
		s, _ := v.Str()
		if c.dt != nil {
			return compareDate(s, c.dt)
		}
		if c.isStr && c.v.Type() == cim.TypeDateTime {
			return compareFold(s, c.lower), true
		}
	case t == cim.TypeReference:
		s, _ := v.Str()
		if c.path != nil {
			if p, err := cim.ParsePath(s); err == nil {
				return comparePaths(p, *c.path), true
			}
		}
		if c.isStr {
			return compareFold(s, c.lower), true
		}
	case t == cim.TypeObject:
		if c.obj != nil {
			o, _ := v.Object()
			if o.CompareTo(c.obj, cim.CompareIgnoreObjectSource) {
				return 0, true
			}
			return 1, true // unequal, unordered: only = and <> are valid
		}
	}
	return 0, false
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// comparePaths compares two object paths as WMI does (cim.Path.Equal),
// and orders unequal ones by their text, case-insensitively. When one of
// them has no namespace, only the relative paths compare.
func comparePaths(a, b cim.Path) int {
	if a.Namespace == "" || b.Namespace == "" {
		a.Server, a.Namespace, b.Server, b.Namespace = "", "", "", ""
	}
	if a.Equal(b) {
		return 0
	}
	if c := compareFold(a.String(), lowerString(b.String())); c != 0 {
		return c
	}
	return 1
}

// test applies op to the result of a comparison.
func test(op Op, c int) bool {
	switch op {
	case OpEQ:
		return c == 0
	case OpNE:
		return c != 0
	case OpLT:
		return c < 0
	case OpLE:
		return c <= 0
	case OpGT:
		return c > 0
	case OpGE:
		return c >= 0
	}
	return false
}
