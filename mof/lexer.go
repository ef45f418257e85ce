package mof

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gowmi/gowmi/wbem/status"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // identifier or keyword; keywords are recognised by the parser, case-insensitively
	tInt            // unsigned integer literal; a sign is a separate token
	tReal           // real literal
	tString         // one string literal, escapes decoded
	tChar           // char16 literal
	tAlias          // $name
	tPunct          // one punctuation character
)

type token struct {
	kind tokKind
	pos  Pos
	text string  // identifier, decoded string, alias name, punctuation, literal text
	num  uint64  // tInt magnitude, tChar value
	real float64 // tReal
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString:
		s := t.text
		if len(s) > 32 {
			s = s[:32] + "..."
		}
		return strconv.Quote(s)
	case tChar:
		return "character literal"
	case tAlias:
		return "$" + t.text
	}
	return strconv.Quote(t.text)
}

// is reports whether the token is the punctuation character c.
func (t token) is(c byte) bool { return t.kind == tPunct && len(t.text) == 1 && t.text[0] == c }

// isWord reports whether the token is the identifier w, case-insensitively.
func (t token) isWord(w string) bool { return t.kind == tIdent && equalFold(t.text, w) }

// equalFold is an ASCII case-insensitive comparison (MOF keywords are ASCII).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

var punctText [256]string

func init() {
	for _, c := range "{}[]();,:=#$+-.|<>/" {
		punctText[c] = string(c)
	}
}

// lexer turns MOF text into tokens.
type lexer struct {
	file string
	src  []byte
	off  int
	line int
	// column bookkeeping: col is the column of byte offset colOff.
	lineStart int
	colOff    int
	col       int
}

func newLexer(file string, src []byte) *lexer {
	return &lexer{file: file, src: src, line: 1, col: 1}
}

// posAt returns the position of byte offset off, which is on the current
// line and not before the last position computed.
func (l *lexer) posAt(off int) Pos {
	if l.colOff < l.lineStart {
		l.colOff, l.col = l.lineStart, 1
	}
	if off > l.colOff {
		l.col += utf8.RuneCount(l.src[l.colOff:off])
		l.colOff = off
	}
	return Pos{File: l.file, Line: l.line, Col: l.col}
}

func (l *lexer) newline(off int) {
	l.line++
	l.lineStart = off
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// skip skips white space and comments.
func (l *lexer) skip() error {
	src := l.src
	for l.off < len(src) {
		c := src[l.off]
		switch {
		case c == '\n':
			l.off++
			l.newline(l.off)
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.off++
		case c == '/' && l.off+1 < len(src) && src[l.off+1] == '/':
			i := bytes.IndexByte(src[l.off:], '\n')
			if i < 0 {
				l.off = len(src)
			} else {
				l.off += i
			}
		case c == '/' && l.off+1 < len(src) && src[l.off+1] == '*':
			start := l.posAt(l.off)
			i := bytes.Index(src[l.off+2:], []byte("*/"))
			if i < 0 {
				return errorAt(status.MOFUnrecognizedToken, start, "comment is not terminated")
			}
			end := l.off + 2 + i + 2
			for j := l.off; j < end; j++ {
				if src[j] == '\n' {
					l.newline(j + 1)
				}
			}
			l.off = end
		default:
			return nil
		}
	}
	return nil
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	if l.off >= len(l.src) {
		return token{kind: tEOF, pos: l.posAt(l.off)}, nil
	}
	start := l.off
	pos := l.posAt(start)
	c := l.src[start]
	switch {
	case isIdentStart(c):
		i := start + 1
		for i < len(l.src) && isIdentChar(l.src[i]) {
			i++
		}
		l.off = i
		return token{kind: tIdent, pos: pos, text: string(l.src[start:i])}, nil
	case isDigit(c) || (c == '.' && start+1 < len(l.src) && isDigit(l.src[start+1])):
		return l.number(pos)
	case c == '"':
		s, err := l.quoted('"', pos)
		if err != nil {
			return token{}, err
		}
		return token{kind: tString, pos: pos, text: s}, nil
	case c == '\'':
		s, err := l.quoted('\'', pos)
		if err != nil {
			return token{}, err
		}
		u := utf16.Encode([]rune(s))
		if len(u) != 1 {
			return token{}, errorAt(status.MOFIllegalConstantValue, pos, "a character literal holds one UTF-16 character")
		}
		return token{kind: tChar, pos: pos, text: s, num: uint64(u[0])}, nil
	case c == '$':
		i := start + 1
		if i < len(l.src) && isIdentStart(l.src[i]) {
			for i < len(l.src) && isIdentChar(l.src[i]) {
				i++
			}
			l.off = i
			return token{kind: tAlias, pos: pos, text: string(l.src[start+1 : i])}, nil
		}
		l.off++
		return token{kind: tPunct, pos: pos, text: "$"}, nil
	}
	if t := punctText[c]; t != "" {
		l.off++
		return token{kind: tPunct, pos: pos, text: t}, nil
	}
	r, _ := utf8.DecodeRune(l.src[start:])
	return token{}, errorAt(status.MOFUnrecognizedToken, pos, "unexpected character %q", r)
}

// number scans an integer or real literal (without sign).
func (l *lexer) number(pos Pos) (token, error) {
	src := l.src
	start := l.off
	i := start
	illegal := func(format string, args ...any) (token, error) {
		return token{}, errorAt(status.MOFIllegalConstantValue, pos, format, args...)
	}
	// The literal runs over identifier characters and dots (and a sign after
	// an exponent); it is then checked as a whole.
	if src[i] == '0' && i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X') {
		i += 2
		for i < len(src) && isIdentChar(src[i]) {
			i++
		}
		text := string(src[start:i])
		l.off = i
		digits := text[2:]
		if digits == "" {
			return illegal("hexadecimal constant %s has no digits", text)
		}
		n, err := strconv.ParseUint(digits, 16, 64)
		if err != nil {
			return illegal("illegal hexadecimal constant %s", text)
		}
		return token{kind: tInt, pos: pos, text: text, num: n}, nil
	}
	isReal := false
	for i < len(src) {
		c := src[i]
		if isIdentChar(c) {
			if (c == 'e' || c == 'E') && i+1 < len(src) && (src[i+1] == '+' || src[i+1] == '-') && allDigitsDot(src[start:i]) {
				isReal = true
				i += 2
				continue
			}
			i++
			continue
		}
		if c == '.' {
			isReal = true
			i++
			continue
		}
		break
	}
	text := string(src[start:i])
	l.off = i
	if !isReal {
		// An exponent without a sign ("1e5") is a real too.
		if k := indexAnyByte(text, "eE"); k > 0 && allDigits(text[:k]) && len(text) > k+1 && allDigits(text[k+1:]) {
			isReal = true
		}
	}
	if isReal {
		if !validReal(text) {
			return illegal("illegal real constant %s", text)
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !math.IsInf(f, 0) {
			return illegal("illegal real constant %s", text)
		}
		if math.IsInf(f, 0) {
			return illegal("real constant %s is out of range", text)
		}
		return token{kind: tReal, pos: pos, text: text, real: f}, nil
	}
	last := text[len(text)-1]
	if (last == 'b' || last == 'B') && len(text) > 1 && allBinary(text[:len(text)-1]) {
		n, err := strconv.ParseUint(text[:len(text)-1], 2, 64)
		if err != nil {
			return illegal("binary constant %s is out of range", text)
		}
		return token{kind: tInt, pos: pos, text: text, num: n}, nil
	}
	if !allDigits(text) {
		return illegal("illegal numeric constant %s", text)
	}
	base := 10
	digits := text
	if len(text) > 1 && text[0] == '0' {
		base, digits = 8, text[1:]
	}
	n, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return illegal("integer constant %s is out of range", text)
		}
		return illegal("illegal octal constant %s", text)
	}
	return token{kind: tInt, pos: pos, text: text, num: n}, nil
}

func indexAnyByte(s, chars string) int {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return i
			}
		}
	}
	return -1
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func allDigitsDot(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) && c != '.' {
			return false
		}
	}
	return true
}

func allBinary(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' && s[i] != '1' {
			return false
		}
	}
	return s != ""
}

// validReal checks *digit "." 1*digit [("e"|"E") [sign] 1*digit], and also
// accepts "1." and "1e5" as Microsoft's compiler does.
func validReal(s string) bool {
	i := 0
	intDigits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// quoted scans a string or character literal and decodes its escapes:
// \b \t \n \f \r \" \' \\ and \x or \X with one to four hexadecimal digits
// (a UTF-16 code unit; a surrogate pair written as two escapes is joined).
// A backslash before any other character is kept with it, as Microsoft's
// compiler does. A literal ends at its line.
func (l *lexer) quoted(q byte, pos Pos) (string, error) {
	src := l.src
	i := l.off + 1
	// Fast path: no escapes.
	j := i
	for j < len(src) && src[j] != q && src[j] != '\\' && src[j] != '\n' {
		j++
	}
	if j < len(src) && src[j] == q {
		l.off = j + 1
		return string(src[i:j]), nil
	}
	var b []byte
	b = append(b, src[i:j]...)
	i = j
	var pendingHigh rune = -1 // a high surrogate waiting for its low half
	flushHigh := func() {
		if pendingHigh >= 0 {
			b = utf8.AppendRune(b, utf8.RuneError)
			pendingHigh = -1
		}
	}
	for {
		if i >= len(src) || src[i] == '\n' {
			what := "string"
			if q == '\'' {
				what = "character literal"
			}
			return "", errorAt(status.MOFUnrecognizedToken, pos, "%s is not terminated", what)
		}
		c := src[i]
		if c == q {
			flushHigh()
			l.off = i + 1
			return string(b), nil
		}
		if c != '\\' {
			flushHigh()
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(src) {
			i++
			continue
		}
		e := src[i+1]
		i += 2
		switch e {
		case 'b':
			flushHigh()
			b = append(b, '\b')
		case 't':
			flushHigh()
			b = append(b, '\t')
		case 'n':
			flushHigh()
			b = append(b, '\n')
		case 'f':
			flushHigh()
			b = append(b, '\f')
		case 'r':
			flushHigh()
			b = append(b, '\r')
		case '"', '\'', '\\':
			flushHigh()
			b = append(b, e)
		case 'x', 'X':
			v, n := 0, 0
			for n < 4 && i < len(src) && hexVal(src[i]) >= 0 {
				v = v<<4 | hexVal(src[i])
				i++
				n++
			}
			if n == 0 {
				return "", errorAt(status.MOFIllegalConstantValue, pos, "\\x escape without hexadecimal digits")
			}
			r := rune(v)
			switch {
			case utf16.IsSurrogate(r) && r < 0xDC00:
				flushHigh()
				pendingHigh = r
			case utf16.IsSurrogate(r):
				if pendingHigh >= 0 {
					b = utf8.AppendRune(b, utf16.DecodeRune(pendingHigh, r))
					pendingHigh = -1
				} else {
					b = utf8.AppendRune(b, utf8.RuneError)
				}
			default:
				flushHigh()
				b = utf8.AppendRune(b, r)
			}
		default:
			flushHigh()
			b = append(b, '\\', e)
			if e == '\n' {
				return "", errorAt(status.MOFUnrecognizedToken, pos, "string is not terminated")
			}
		}
	}
}
