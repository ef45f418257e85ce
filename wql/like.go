package wql

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LIKE patterns, as WMI reads them:
//
//	%        any run of zero or more characters
//	_        exactly one character
//	[abc]    one character of the set; [a-f] a range; both may mix: [a-cx]
//	[^abc]   one character not in the set or range
//	[%] [_] [[]  the literal wildcard: brackets are the only escape
//
// Matching is case-insensitive. A ']' right after '[' or '[^' is a member of
// the set; a '-' first or last in a set is a literal '-'.

type likeKind uint8

const (
	likeRune likeKind = iota // one given character (folded)
	likeOne                  // _
	likeAny                  // %
	likeSet                  // [...]
)

type likeElem struct {
	kind   likeKind
	r      rune      // likeRune: the folded character
	neg    bool      // likeSet: [^...]
	ranges [][2]rune // likeSet: inclusive ranges; single characters are [c, c]
}

// likePattern is a compiled LIKE pattern. It is safe for concurrent use.
type likePattern struct {
	elems []likeElem
	// A fast path for patterns made only of plain characters and '%' at the
	// ends: lit is the folded text in between.
	fast likeFast
	lit  string
}

type likeFast uint8

const (
	fastNone     likeFast = iota
	fastExact             // abc
	fastPrefix            // abc%
	fastSuffix            // %abc
	fastContains          // %abc%
	fastAll               // % (any string)
)

var errLikeEnd = errors.New("unterminated [ in LIKE pattern")

// compileLike compiles a LIKE pattern.
func compileLike(pattern string) (*likePattern, error) {
	p := &likePattern{}
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		switch r {
		case '%':
			if n := len(p.elems); n == 0 || p.elems[n-1].kind != likeAny {
				p.elems = append(p.elems, likeElem{kind: likeAny})
			}
		case '_':
			p.elems = append(p.elems, likeElem{kind: likeOne})
		case '[':
			e, n, err := compileSet(pattern[i:])
			if err != nil {
				return nil, err
			}
			i += n
			// A one-character set is the escape form of that character.
			if !e.neg && len(e.ranges) == 1 && e.ranges[0][0] == e.ranges[0][1] {
				e = likeElem{kind: likeRune, r: fold(e.ranges[0][0])}
			}
			p.elems = append(p.elems, e)
		default:
			p.elems = append(p.elems, likeElem{kind: likeRune, r: fold(r)})
		}
	}
	p.setFast()
	return p, nil
}

// compileSet reads a set after its '[' and returns it and the bytes read,
// the closing ']' included.
func compileSet(s string) (likeElem, int, error) {
	e := likeElem{kind: likeSet}
	i := 0
	if i < len(s) && s[i] == '^' {
		e.neg = true
		i++
	}
	first := true
	for {
		if i >= len(s) {
			return e, 0, errLikeEnd
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == ']' && !first {
			return e, i, nil
		}
		first = false
		lo, hi := r, r
		// A range a-b, unless '-' is last in the set.
		if i+1 < len(s) && s[i] == '-' && s[i+1] != ']' {
			h, hsize := utf8.DecodeRuneInString(s[i+1:])
			i += 1 + hsize
			hi = h
			if hi < lo {
				return e, 0, fmt.Errorf("invalid range [%c-%c] in LIKE pattern", lo, hi)
			}
		}
		e.ranges = append(e.ranges, [2]rune{lo, hi})
	}
}

func (p *likePattern) setFast() {
	n := len(p.elems)
	if n == 0 {
		p.fast = fastExact
		return
	}
	lead := p.elems[0].kind == likeAny
	trail := n > 1 && p.elems[n-1].kind == likeAny
	if lead && n == 1 {
		p.fast = fastAll
		return
	}
	lo, hi := 0, n
	if lead {
		lo = 1
	}
	if trail {
		hi = n - 1
	}
	var b strings.Builder
	for _, e := range p.elems[lo:hi] {
		if e.kind != likeRune {
			return
		}
		b.WriteRune(e.r)
	}
	p.lit = b.String()
	switch {
	case lead && trail:
		p.fast = fastContains
	case lead:
		p.fast = fastSuffix
	case trail:
		p.fast = fastPrefix
	default:
		p.fast = fastExact
	}
}

// fold maps a character to its case-folded form for comparison.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

func (e *likeElem) matches(r rune) bool {
	switch e.kind {
	case likeRune:
		return fold(r) == e.r
	case likeOne:
		return true
	case likeSet:
		in := false
		lr, ur := fold(r), unicode.ToUpper(r)
		for _, g := range e.ranges {
			if g[0] <= r && r <= g[1] || g[0] <= lr && lr <= g[1] || g[0] <= ur && ur <= g[1] {
				in = true
				break
			}
		}
		return in != e.neg
	}
	return false
}

// match reports whether s matches the pattern.
func (p *likePattern) match(s string) bool {
	switch p.fast {
	case fastAll:
		return true
	case fastExact:
		n, ok := foldPrefix(s, p.lit)
		return ok && n == len(s)
	case fastPrefix:
		_, ok := foldPrefix(s, p.lit)
		return ok
	case fastSuffix:
		return foldSuffix(s, p.lit)
	case fastContains:
		return foldContains(s, p.lit)
	}
	return p.matchGeneral(s)
}

// matchGeneral is the classic wildcard match with one backtracking point:
// on a mismatch, the last % takes one more character.
func (p *likePattern) matchGeneral(s string) bool {
	elems := p.elems
	pi, si := 0, 0
	starP, starS := -1, 0
	for {
		if pi < len(elems) {
			e := &elems[pi]
			if e.kind == likeAny {
				starP, starS = pi, si
				pi++
				continue
			}
			if si < len(s) {
				r, size := utf8.DecodeRuneInString(s[si:])
				if e.matches(r) {
					pi++
					si += size
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starP < 0 || starS >= len(s) {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starS:])
		starS += size
		pi, si = starP+1, starS
	}
}

// foldPrefix reports whether s begins with the folded text lit, ignoring
// case, and how many bytes of s that prefix takes.
func foldPrefix(s, lit string) (int, bool) {
	i := 0
	for j := 0; j < len(lit); {
		if i >= len(s) {
			return 0, false
		}
		a, b := s[i], lit[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if 'A' <= a && a <= 'Z' {
				a += 'a' - 'A'
			}
			if a != b {
				return 0, false
			}
			i++
			j++
			continue
		}
		r, rs := utf8.DecodeRuneInString(s[i:])
		l, ls := utf8.DecodeRuneInString(lit[j:])
		if fold(r) != l {
			return 0, false
		}
		i += rs
		j += ls
	}
	return i, true
}

func foldSuffix(s, lit string) bool {
	n := utf8.RuneCountInString(lit)
	// Start at the n-th rune from the end.
	i := len(s)
	for k := 0; k < n; k++ {
		if i == 0 {
			return false
		}
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	m, ok := foldPrefix(s[i:], lit)
	return ok && i+m == len(s)
}

func foldContains(s, lit string) bool {
	if lit == "" {
		return true
	}
	for i := 0; i < len(s); {
		if _, ok := foldPrefix(s[i:], lit); ok {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return false
}
