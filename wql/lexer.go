package wql

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gowmi/gowmi/cim"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // a name or a keyword
	tString         // a quoted string; text is the unescaped value
	tInt            // an integer; val holds it
	tReal           // a real; val holds it
	tEQ             // =
	tNE             // <> or !=
	tLT             // <
	tLE             // <=
	tGT             // >
	tGE             // >=
	tLParen         // (
	tRParen         // )
	tComma          // ,
	tDot            // .
	tStar           // *
	tLBrace         // {
	tRBrace         // }
)

var tokNames = [...]string{
	tEOF: "end of query", tIdent: "name", tString: "string", tInt: "integer", tReal: "number",
	tEQ: "'='", tNE: "'<>'", tLT: "'<'", tLE: "'<='", tGT: "'>'", tGE: "'>='",
	tLParen: "'('", tRParen: "')'", tComma: "','", tDot: "'.'", tStar: "'*'",
	tLBrace: "'{'", tRBrace: "'}'",
}

// token is one lexical token of a query.
type token struct {
	kind tokKind
	pos  int    // byte offset of the first character
	end  int    // byte offset after the last character
	text string // identifier, unescaped string, or the source text of other tokens
	val  cim.Value
}

// describe names the token for an error message.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tIdent:
		return strconv.Quote(t.text)
	case tString:
		return "string " + strconv.Quote(t.text)
	case tInt, tReal:
		return "number " + t.text
	}
	return tokNames[t.kind]
}

// is reports whether the token is the identifier or keyword word (any case).
func (t token) is(word string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, word)
}

// lexer turns query text into tokens on demand.
type lexer struct {
	src string
	off int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 && r != utf8.RuneError && r != 0xFFFE && r != 0xFFFF
}

func isIdentPart(r rune) bool { return isIdentStart(r) || r >= '0' && r <= '9' }

// next returns the next token.
func (lx *lexer) next() (token, error) {
	src := lx.src
	for lx.off < len(src) && isSpace(src[lx.off]) {
		lx.off++
	}
	start := lx.off
	if start >= len(src) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	c := src[start]
	simple := func(k tokKind, n int) (token, error) {
		lx.off += n
		return token{kind: k, pos: start, end: lx.off, text: src[start:lx.off]}, nil
	}
	switch c {
	case '=':
		return simple(tEQ, 1)
	case '(':
		return simple(tLParen, 1)
	case ')':
		return simple(tRParen, 1)
	case ',':
		return simple(tComma, 1)
	case '*':
		return simple(tStar, 1)
	case '{':
		return simple(tLBrace, 1)
	case '}':
		return simple(tRBrace, 1)
	case '<':
		if start+1 < len(src) {
			switch src[start+1] {
			case '>':
				return simple(tNE, 2)
			case '=':
				return simple(tLE, 2)
			}
		}
		return simple(tLT, 1)
	case '>':
		if start+1 < len(src) && src[start+1] == '=' {
			return simple(tGE, 2)
		}
		return simple(tGT, 1)
	case '!':
		if start+1 < len(src) && src[start+1] == '=' {
			return simple(tNE, 2)
		}
		return token{}, syntaxErr(start, "unexpected character '!'")
	case '"', '\'':
		return lx.lexString()
	case '.':
		if start+1 < len(src) && isDigit(src[start+1]) {
			return lx.lexNumber()
		}
		return simple(tDot, 1)
	case '+', '-':
		if start+1 < len(src) && (isDigit(src[start+1]) || src[start+1] == '.' && start+2 < len(src) && isDigit(src[start+2])) {
			return lx.lexNumber()
		}
		return token{}, syntaxErr(start, "unexpected character %q: WQL has no arithmetic", c)
	}
	if isDigit(c) {
		return lx.lexNumber()
	}
	r, size := utf8.DecodeRuneInString(src[start:])
	if !isIdentStart(r) {
		if r == utf8.RuneError && size == 1 {
			return token{}, syntaxErr(start, "invalid UTF-8")
		}
		return token{}, syntaxErr(start, "unexpected character %q", r)
	}
	lx.off += size
	for lx.off < len(src) {
		r, size = utf8.DecodeRuneInString(src[lx.off:])
		if !isIdentPart(r) {
			break
		}
		lx.off += size
	}
	return token{kind: tIdent, pos: start, end: lx.off, text: src[start:lx.off]}, nil
}

// lexString scans a string literal in single or double quotes. Backslash
// escapes the backslash and both quotes; any other escape is an error, as in
// WMI.
func (lx *lexer) lexString() (token, error) {
	src := lx.src
	start := lx.off
	quote := src[start]
	i := start + 1
	var b strings.Builder
	plain := i // start of the run not yet copied to b
	for {
		if i >= len(src) {
			return token{}, syntaxErr(start, "unterminated string")
		}
		c := src[i]
		if c == quote {
			break
		}
		if c == '\\' {
			if i+1 >= len(src) {
				return token{}, syntaxErr(start, "unterminated string")
			}
			switch e := src[i+1]; e {
			case '\\', '"', '\'':
				b.WriteString(src[plain:i])
				b.WriteByte(e)
				i += 2
				plain = i
				continue
			default:
				r, _ := utf8.DecodeRuneInString(src[i+1:])
				return token{}, syntaxErr(i, "invalid escape \\%c in string: only \\\\, \\\" and \\' are allowed (LIKE escapes with [ ])", r)
			}
		}
		i++
	}
	var text string
	if b.Len() == 0 {
		text = src[start+1 : i]
	} else {
		b.WriteString(src[plain:i])
		text = b.String()
	}
	if !utf8.ValidString(text) {
		return token{}, syntaxErr(start, "invalid UTF-8 in string")
	}
	lx.off = i + 1
	return token{kind: tString, pos: start, end: lx.off, text: text, val: cim.String(text)}, nil
}

// lexNumber scans a signed decimal or hexadecimal integer, or a real.
// Integers keep all 64 bits: those above math.MaxInt64 are uint64, the others
// sint64.
func (lx *lexer) lexNumber() (token, error) {
	src := lx.src
	start := lx.off
	i := start
	neg := false
	if src[i] == '+' || src[i] == '-' {
		neg = src[i] == '-'
		i++
	}
	digits := i
	if i+1 < len(src) && src[i] == '0' && (src[i+1] == 'x' || src[i+1] == 'X') {
		i += 2
		h := i
		for i < len(src) && isHex(src[i]) {
			i++
		}
		if i == h {
			return token{}, syntaxErr(start, "hexadecimal number without digits")
		}
		if i < len(src) && isIdentPart(rune(src[i])) {
			return token{}, syntaxErr(start, "malformed number %q", src[start:i+1])
		}
		mag, err := strconv.ParseUint(src[h:i], 16, 64)
		lx.off = i
		return intToken(start, i, src[start:i], neg, mag, err)
	}
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	real := false
	if i < len(src) && src[i] == '.' {
		real = true
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			real = true
			i = j
			for i < len(src) && isDigit(src[i]) {
				i++
			}
		}
	}
	if i < len(src) && (isIdentPart(rune(src[i])) || src[i] == '.') {
		return token{}, syntaxErr(start, "malformed number %q", src[start:i+1])
	}
	text := src[start:i]
	lx.off = i
	if real {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return token{}, syntaxErr(start, "number %s is out of range", text)
		}
		return token{kind: tReal, pos: start, end: i, text: text, val: cim.Real64(f)}, nil
	}
	mag, err := strconv.ParseUint(src[digits:i], 10, 64)
	return intToken(start, i, text, neg, mag, err)
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// intToken makes the token of an integer literal of sign neg and magnitude
// mag.
func intToken(start, end int, text string, neg bool, mag uint64, err error) (token, error) {
	if err != nil || neg && mag > 1<<63 {
		return token{}, syntaxErr(start, "integer %s is out of the 64-bit range", text)
	}
	var v cim.Value
	switch {
	case neg:
		v = cim.Sint64(int64(-mag)) // two's complement: -(1<<63) wraps to MinInt64
	case mag > math.MaxInt64:
		v = cim.Uint64(mag)
	default:
		v = cim.Sint64(int64(mag))
	}
	return token{kind: tInt, pos: start, end: end, text: text, val: v}, nil
}

// scanPath returns the text between a '{' (already consumed, its offset is
// open) and the matching '}', honouring quoted key values, and moves past the
// '}'.
func (lx *lexer) scanPath(open int) (string, int, error) {
	src := lx.src
	i := open + 1
	for i < len(src) {
		switch c := src[i]; c {
		case '}':
			text := src[open+1 : i]
			lx.off = i + 1
			return text, open + 1, nil
		case '"', '\'':
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) {
				return "", 0, syntaxErr(i, "unterminated string in object path")
			}
			i = j + 1
		default:
			i++
		}
	}
	return "", 0, syntaxErr(open, "object path without closing '}'")
}
