package cim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gowmi/gowmi/wbem/status"
)

// Path is a WMI object path: a namespace, a class or an instance, on a
// server or relative to one.
//
// The forms, from MS-WMI §2.2.2 and Microsoft's "Describing a WMI Object
// Path" pages:
//
//	\\SRV\root\cimv2:Win32_LogicalDisk.DeviceID="C:"   full instance path
//	\\.\root\cimv2:Win32_LogicalDisk                    full class path
//	root\cimv2:Win32_LogicalDisk                        no server: the local one
//	Win32_LogicalDisk.DeviceID="C:"                     relative instance path
//	MyClass="e:"                                        single-key shorthand (KeyBinding.Name "")
//	MyClass.FirstKey=1,SecondKey=2                      several keys
//	MySingletonClass=@                                  singleton (Singleton true)
//	Win32_LogicalDisk                                   relative class path
//	\\SRV\root\cimv2  or  root\cimv2                    namespace path (Class "")
//
// Server is as written ("." for the local server stays "."). Namespace is
// written with backslashes (root\cimv2), whatever separators the text used.
// Keys hold the key bindings of an instance path; ParsePath returns them in
// canonical order (sorted case-insensitively by name).
type Path struct {
	Server    string
	Namespace string
	Class     string
	Keys      []KeyBinding
	Singleton bool
}

// KeyBinding is one key property of an instance path. The shorthand
// Class="v" gives a binding with an empty Name: which key it names is known
// only to the class.
//
// ParsePath makes a quoted value a String (even when the text is an object
// path or a DATETIME), a whole number a Sint64 (a Uint64 above
// math.MaxInt64), a number with a fraction or an exponent a Real64, and
// TRUE or FALSE a Boolean. The class decides the real type of each key when
// the object manager resolves the path.
type KeyBinding struct {
	Name  string
	Value Value
}

// pathFault is the error of a malformed object path: pos is the 0-based byte
// position of the fault in the text given to ParsePath.
func pathFault(pos int, format string, args ...any) *status.Error {
	e := status.Errorf(status.InvalidObjectPath, "invalid object path at position %d: %s", pos, fmt.Sprintf(format, args...))
	e.ParameterInfo = "position " + strconv.Itoa(pos)
	return e
}

// ParsePath parses an object path in any of the forms described at Path,
// with these rules:
//
//   - The server part begins with two separators, \\ or // (a mix is
//     accepted), and is followed by a namespace. Before the ':' that ends the
//     namespace, '/' and '\' are both separators. The server name is made of
//     letters, digits, '.', '-', '_' and '$', or is a bracketed IPv6
//     address.
//   - A text without ':' is a namespace path when it begins with a server
//     (\\SRV\root) or when its first name is followed by a separator
//     (root\cimv2). A single name (root, Win32_Process) is a class path:
//     use "root:" or a server to name a one-element namespace. A namespace
//     followed by ':' and nothing else is a namespace path too.
//   - Class, key and namespace names are identifiers: a letter or '_', then
//     letters, digits and '_' (Unicode letters and digits count).
//   - Key values are strings in double or single quotes with C escapes
//     (\\ \" \' \n \t \r \0 \a \b \f \v \xHH \uHHHH), decimal integers with
//     an optional sign, hexadecimal integers (0x1F, -0x10), real numbers
//     (1.5, -2e10), and TRUE or FALSE in any case. URL escapes such as %20
//     are not decoded.
//   - No whitespace is allowed inside the path (it may appear inside quoted
//     strings); leading and trailing spaces, tabs and line ends are ignored.
//   - A key named twice is an error.
//
// A malformed path is WBEM_E_INVALID_OBJECT_PATH. Its Description names the
// 0-based byte position of the fault in s (counting the ignored leading
// whitespace) and what was expected, as in "invalid object path at position
// 17: expected '=' after the key name"; ParameterInfo holds "position 17".
func ParsePath(s string) (Path, error) {
	p := pathParser{s: s}
	for p.i < len(s) && isSpace(s[p.i]) {
		p.i++
	}
	for p.end = len(s); p.end > p.i && isSpace(s[p.end-1]); p.end-- {
	}
	path, err := p.parse()
	if err != nil {
		return Path{}, err
	}
	return path, nil
}

// MustParsePath is ParsePath for paths known to be valid; it panics
// otherwise.
func MustParsePath(s string) Path {
	p, err := ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

type pathParser struct {
	s      string
	i, end int
}

func (p *pathParser) atEnd() bool { return p.i >= p.end }

func (p *pathParser) peek() byte {
	if p.i < p.end {
		return p.s[p.i]
	}
	return 0
}

func isPathSep(c byte) bool { return c == '\\' || c == '/' }

// found describes what is at the current position, for an error.
func (p *pathParser) found() string {
	if p.atEnd() {
		return "the end of the path"
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:p.end])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02X", p.s[p.i])
	}
	if unicode.IsSpace(r) {
		return fmt.Sprintf("whitespace %q (no whitespace is allowed in an object path)", r)
	}
	return fmt.Sprintf("%q", r)
}

// expected is an error at the current position.
func (p *pathParser) expected(what string) *status.Error {
	return pathFault(p.i, "expected %s, found %s", what, p.found())
}

func (p *pathParser) parse() (Path, error) {
	var path Path
	if p.atEnd() {
		return Path{}, pathFault(p.i, "empty object path")
	}
	switch {
	case isPathSep(p.peek()) && p.i+1 < p.end && isPathSep(p.s[p.i+1]):
		p.i += 2
		server, err := p.server()
		if err != nil {
			return Path{}, err
		}
		if !isPathSep(p.peek()) {
			return Path{}, p.expected(`'\' and a namespace after the server name`)
		}
		p.i++
		first, err := p.ident("a namespace name")
		if err != nil {
			return Path{}, err
		}
		ns, err := p.namespace(first)
		if err != nil {
			return Path{}, err
		}
		path.Server, path.Namespace = server, ns
		if p.atEnd() {
			return path, nil
		}
		if p.peek() != ':' {
			return Path{}, p.expected(`':', '\' or the end of the path after the namespace`)
		}
		p.i++
		if p.atEnd() {
			return path, nil
		}
		class, err := p.ident("a class name")
		if err != nil {
			return Path{}, err
		}
		path.Class = class
	case isPathSep(p.peek()):
		p.i++
		return Path{}, p.expected(`'\' (a full path begins with \\server)`)
	default:
		first, err := p.ident("a class or namespace name")
		if err != nil {
			return Path{}, err
		}
		switch c := p.peek(); {
		case isPathSep(c), c == ':':
			ns, err := p.namespace(first)
			if err != nil {
				return Path{}, err
			}
			path.Namespace = ns
			if p.atEnd() {
				return path, nil
			}
			if p.peek() != ':' {
				return Path{}, p.expected(`':', '\' or the end of the path after the namespace`)
			}
			p.i++
			if p.atEnd() {
				return path, nil
			}
			class, err := p.ident("a class name")
			if err != nil {
				return Path{}, err
			}
			path.Class = class
		default:
			path.Class = first
		}
	}
	if err := p.object(&path); err != nil {
		return Path{}, err
	}
	return path, nil
}

// server reads a server name.
func (p *pathParser) server() (string, error) {
	start := p.i
	if p.peek() == '[' {
		p.i++
		for !p.atEnd() && p.peek() != ']' {
			c := p.peek()
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
				return "", p.expected("a hex digit, ':' or ']' in the IPv6 address")
			}
			p.i++
		}
		if p.atEnd() || p.i == start+1 {
			return "", p.expected("an IPv6 address and ']'")
		}
		p.i++
		return p.s[start:p.i], nil
	}
	for !p.atEnd() {
		c := p.peek()
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '$' {
				p.i++
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(p.s[p.i:p.end])
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			break
		}
		p.i += n
	}
	if p.i == start {
		return "", p.expected("a server name")
	}
	return p.s[start:p.i], nil
}

// ident reads an identifier: a letter or '_', then letters, digits and '_'.
func (p *pathParser) ident(what string) (string, error) {
	start := p.i
	for !p.atEnd() {
		c := p.peek()
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (p.i > start && c >= '0' && c <= '9') {
				p.i++
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(p.s[p.i:p.end])
		if r == utf8.RuneError || !(unicode.IsLetter(r) || (p.i > start && unicode.IsDigit(r))) {
			break
		}
		p.i += n
	}
	if p.i == start {
		return "", p.expected(what)
	}
	return p.s[start:p.i], nil
}

// namespace reads the rest of a namespace whose first name has been read,
// and returns it with backslashes.
func (p *pathParser) namespace(first string) (string, error) {
	start := p.i - len(first)
	slash := false
	for isPathSep(p.peek()) {
		slash = slash || p.peek() == '/'
		p.i++
		if _, err := p.ident("a namespace name"); err != nil {
			return "", err
		}
	}
	ns := p.s[start:p.i]
	if slash {
		ns = strings.ReplaceAll(ns, "/", `\`)
	}
	return ns, nil
}

// object reads what follows the class name.
func (p *pathParser) object(path *Path) error {
	if p.atEnd() {
		return nil
	}
	switch p.peek() {
	case '=':
		p.i++
		if p.peek() == '@' {
			p.i++
			path.Singleton = true
		} else {
			v, err := p.value()
			if err != nil {
				return err
			}
			path.Keys = []KeyBinding{{Value: v}}
		}
		if !p.atEnd() {
			return p.expected("the end of the path after the key value")
		}
		return nil
	case '.':
		p.i++
		return p.keys(path)
	}
	return p.expected("'.', '=' or the end of the path after the class name")
}

func (p *pathParser) keys(path *Path) error {
	keys := make([]KeyBinding, 0, 2)
	for {
		start := p.i
		name, err := p.ident("a key name")
		if err != nil {
			return err
		}
		for _, k := range keys {
			if strings.EqualFold(k.Name, name) {
				return pathFault(start, "key %s is given twice", name)
			}
		}
		if p.peek() != '=' {
			return p.expected("'=' after the key name")
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return err
		}
		keys = append(keys, KeyBinding{Name: name, Value: v})
		if p.atEnd() {
			break
		}
		if p.peek() != ',' {
			return p.expected("',' or the end of the path after the key value")
		}
		p.i++
	}
	sortKeys(keys)
	path.Keys = keys
	return nil
}

const valueExpected = "a key value (a quoted string, a number, TRUE or FALSE)"

// value reads a key value.
func (p *pathParser) value() (Value, error) {
	c := p.peek()
	switch {
	case c == '"' || c == '\'':
		s, err := p.quoted()
		if err != nil {
			return Value{}, err
		}
		return String(s), nil
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		return p.number()
	case c == '@':
		return Value{}, pathFault(p.i, "'@' is a key value only in the singleton form Class=@")
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := p.i
		for !p.atEnd() && (p.peek()|0x20 >= 'a' && p.peek()|0x20 <= 'z') {
			p.i++
		}
		switch w := p.s[start:p.i]; {
		case strings.EqualFold(w, "TRUE"):
			return Boolean(true), nil
		case strings.EqualFold(w, "FALSE"):
			return Boolean(false), nil
		}
		p.i = start
		return Value{}, pathFault(start, "expected %s, found %q (strings must be quoted)", valueExpected, p.s[start:min(p.end, start+16)])
	}
	return Value{}, p.expected(valueExpected)
}

// quoted reads a quoted string with C escapes.
func (p *pathParser) quoted() (string, error) {
	open := p.i
	q := p.s[open]
	p.i++
	start := p.i
	// Fast path: no escapes.
	for i := start; i < p.end; i++ {
		switch p.s[i] {
		case q:
			p.i = i + 1
			return p.s[start:i], nil
		case '\\':
			i = p.end // leave the loop for the slow path
		}
	}
	var b strings.Builder
	for {
		if p.atEnd() {
			return "", pathFault(open, "string has no closing %c", q)
		}
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		esc := p.i
		p.i++
		if p.atEnd() {
			return "", pathFault(open, "string has no closing %c", q)
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '\\', '"', '\'', '?':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			r, ok := p.hex(2)
			if !ok {
				return "", pathFault(esc, `\x must be followed by two hex digits`)
			}
			b.WriteRune(r)
		case 'u':
			r, ok := p.hex(4)
			if !ok {
				return "", pathFault(esc, `\u must be followed by four hex digits`)
			}
			if utf16.IsSurrogate(r) {
				lo, ok := rune(0), false
				if r < 0xDC00 && p.i+1 < p.end && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					p.i += 2
					lo, ok = p.hex(4)
				}
				r = utf16.DecodeRune(r, lo)
				if !ok || r == unicode.ReplacementChar {
					return "", pathFault(esc, `\u%s is half of a surrogate pair`, p.s[esc+2:esc+6])
				}
			}
			b.WriteRune(r)
		default:
			return "", pathFault(esc, `unknown escape \%c in a string (write \\ for a backslash)`, e)
		}
	}
}

// hex reads exactly n hex digits.
func (p *pathParser) hex(n int) (rune, bool) {
	if p.i+n > p.end {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += n
	return rune(v), true
}

// number reads an integer (decimal or 0x hex) or a real number.
func (p *pathParser) number() (Value, error) {
	start := p.i
	neg := false
	if c := p.peek(); c == '-' || c == '+' {
		neg = c == '-'
		p.i++
	}
	if p.peek() == '0' && p.i+1 < p.end && p.s[p.i+1]|0x20 == 'x' {
		p.i += 2
		digits := p.i
		for !p.atEnd() && isHexDigit(p.peek()) {
			p.i++
		}
		if p.i == digits {
			return Value{}, p.expected("hex digits after 0x")
		}
		mag, err := strconv.ParseUint(p.s[digits:p.i], 16, 64)
		if err != nil {
			return Value{}, pathFault(start, "integer %s is out of range", p.s[start:p.i])
		}
		return integerValue(neg, mag, start, p.s[start:p.i])
	}
	digits := p.i
	for !p.atEnd() && isDigit(p.peek()) {
		p.i++
	}
	if p.i == digits {
		return Value{}, p.expected("a digit")
	}
	real := false
	if p.peek() == '.' {
		real = true
		p.i++
		frac := p.i
		for !p.atEnd() && isDigit(p.peek()) {
			p.i++
		}
		if p.i == frac {
			return Value{}, p.expected("a digit after the decimal point")
		}
	}
	if p.peek()|0x20 == 'e' {
		real = true
		p.i++
		if c := p.peek(); c == '-' || c == '+' {
			p.i++
		}
		exp := p.i
		for !p.atEnd() && isDigit(p.peek()) {
			p.i++
		}
		if p.i == exp {
			return Value{}, p.expected("a digit in the exponent")
		}
	}
	text := p.s[start:p.i]
	if real {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return Value{}, pathFault(start, "number %s is out of range", text)
		}
		return Real64(f), nil
	}
	mag, err := strconv.ParseUint(p.s[digits:p.i], 10, 64)
	if err != nil {
		return Value{}, pathFault(start, "integer %s is out of range", text)
	}
	return integerValue(neg, mag, start, text)
}

func integerValue(neg bool, mag uint64, pos int, text string) (Value, error) {
	switch {
	case !neg && mag <= math.MaxInt64:
		return Sint64(int64(mag)), nil
	case !neg:
		return Uint64(mag), nil
	case mag <= 1<<63:
		return Sint64(int64(-mag)), nil
	}
	return Value{}, pathFault(pos, "integer %s is out of range", text)
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// String formats the canonical path:
//
//	\\SRV\root\cimv2:Class.K1="v",K2=1   with a server and a namespace
//	root\cimv2:Class.K1="v"              with a namespace only
//	Class.K1="v"                         with neither (RelPath)
//	\\SRV\root\cimv2                     a namespace path (no class)
//	root\cimv2 or root:                  a namespace path without a server
//
// The server is written only with a namespace. Keys are written in
// canonical order (case-insensitively by name) whatever the order of
// p.Keys; a single key with an empty name in the shorthand Class="v".
// Strings, DATETIME, references and char16 values are double-quoted with
// \ and " escaped by a backslash; booleans are TRUE and FALSE, integers
// decimal, reals in the shortest form that reads back (always with a '.'
// or an exponent). A NULL key is written NULL, which does not parse.
func (p Path) String() string {
	var b strings.Builder
	b.Grow(p.sizeHint())
	p.write(&b)
	return b.String()
}

func (p Path) sizeHint() int {
	n := len(p.Server) + len(p.Namespace) + len(p.Class) + 8
	for _, k := range p.Keys {
		n += len(k.Name) + len(k.Value.s) + 8
	}
	return n
}

func (p Path) write(b *strings.Builder) {
	if p.Namespace != "" {
		if p.Server != "" {
			b.WriteString(`\\`)
			b.WriteString(p.Server)
			b.WriteByte('\\')
		}
		ns := NormalizeNamespace(p.Namespace)
		b.WriteString(ns)
		if p.Class == "" {
			if p.Server == "" && !strings.Contains(ns, `\`) {
				// "root" alone would read as a class path.
				b.WriteByte(':')
			}
			return
		}
		b.WriteByte(':')
	}
	p.writeRel(b)
}

func (p Path) writeRel(b *strings.Builder) {
	if p.Class == "" {
		return
	}
	b.WriteString(p.Class)
	switch {
	case len(p.Keys) == 0:
		if p.Singleton {
			b.WriteString("=@")
		}
		return
	case len(p.Keys) == 1 && p.Keys[0].Name == "":
		b.WriteByte('=')
		writeKeyValue(b, p.Keys[0].Value)
		return
	}
	keys := p.Keys
	if !slices.IsSortedFunc(keys, compareKeys) {
		keys = slices.Clone(keys)
		sortKeys(keys)
	}
	b.WriteByte('.')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.Name)
		b.WriteByte('=')
		writeKeyValue(b, k.Value)
	}
}

func writeKeyValue(b *strings.Builder, v Value) {
	switch {
	case !v.valid:
		b.WriteString("NULL")
	case v.typ == TypeBoolean:
		if v.n != 0 {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case v.typ.IsArray() || v.typ == TypeObject:
		writeQuoted(b, v.String())
	case v.typ.IsSigned():
		var buf [24]byte
		b.Write(strconv.AppendInt(buf[:0], int64(v.n), 10))
	case v.typ.IsInteger():
		var buf [24]byte
		b.Write(strconv.AppendUint(buf[:0], v.n, 10))
	case v.typ.IsReal():
		f, _ := v.Float()
		s := strconv.FormatFloat(f, 'g', -1, v.typ.bits())
		b.WriteString(s)
		if !strings.ContainsAny(s, ".eIN") {
			b.WriteString(".0")
		}
	default: // string, datetime, reference, char16
		s, _ := v.Str()
		writeQuoted(b, s)
	}
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for {
		i := strings.IndexAny(s, `\"`)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte('\\')
		b.WriteByte(s[i])
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('"')
}

// QuotePathString returns s as a double-quoted key value of an object path,
// with \ and " escaped: C:\Windows becomes "C:\\Windows".
func QuotePathString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	writeQuoted(&b, s)
	return b.String()
}

// RelPath returns the path relative to its namespace, as in __RELPATH:
// Class.K1="v",K2=1, Class=@ or Class; "" for a namespace path.
func (p Path) RelPath() string {
	var b strings.Builder
	b.Grow(p.sizeHint())
	p.writeRel(&b)
	return b.String()
}

// IsClass reports whether p names a class: a class and no keys.
func (p Path) IsClass() bool { return p.Class != "" && len(p.Keys) == 0 && !p.Singleton }

// IsInstance reports whether p names an instance: a class with keys, or a
// singleton.
func (p Path) IsInstance() bool { return p.Class != "" && (len(p.Keys) > 0 || p.Singleton) }

// IsNamespace reports whether p names a namespace: a namespace and no
// class.
func (p Path) IsNamespace() bool { return p.Class == "" && p.Namespace != "" }

// ClassPath returns the path of p's class, in p's server and namespace.
func (p Path) ClassPath() Path {
	return Path{Server: p.Server, Namespace: p.Namespace, Class: p.Class}
}

// Key returns the value of the key binding named name, compared
// case-insensitively; Key("") finds the binding of the shorthand Class="v".
func (p Path) Key(name string) (Value, bool) {
	for _, k := range p.Keys {
		if strings.EqualFold(k.Name, name) {
			return k.Value, true
		}
	}
	return Value{}, false
}

// WithNamespace returns a copy of p in another server and namespace (the
// namespace normalised as by NormalizeNamespace). The copy has its own Keys.
func (p Path) WithNamespace(server, ns string) Path {
	q := p
	q.Server = server
	q.Namespace = NormalizeNamespace(ns)
	q.Keys = slices.Clone(p.Keys)
	return q
}

// Equal reports whether p and q name the same object, comparing as WMI
// compares paths:
//   - server, namespace, class and key names case-insensitively (the
//     namespace as by NamespaceEqual); servers compare as written: "",
//     "." and "localhost" are three different servers (complete a path with
//     WithNamespace before comparing it to a full one);
//   - key order does not matter; a single key with an empty name (the
//     shorthand Class="v") matches a single key of any name;
//   - strings, DATETIME and char16 values compare as text,
//     case-insensitively, whatever their type (a parsed path holds only
//     strings); a reference compared with a text that is also an object
//     path compares as a path (with Equal), otherwise as text;
//   - numbers compare by value whatever their type (Sint64 1 equals
//     Uint8 1; a real32 compares at real32 precision), booleans by value.
func (p Path) Equal(q Path) bool {
	if !strings.EqualFold(p.Server, q.Server) || !NamespaceEqual(p.Namespace, q.Namespace) ||
		!strings.EqualFold(p.Class, q.Class) || p.Singleton != q.Singleton || len(p.Keys) != len(q.Keys) {
		return false
	}
	if len(p.Keys) == 1 && (p.Keys[0].Name == "" || q.Keys[0].Name == "") {
		return keyValueEqual(p.Keys[0].Value, q.Keys[0].Value)
	}
	for _, k := range p.Keys {
		v, ok := q.Key(k.Name)
		if !ok || !keyValueEqual(k.Value, v) {
			return false
		}
	}
	return true
}

// keyValueEqual compares two key values as Equal describes.
func keyValueEqual(a, b Value) bool {
	if !a.valid || !b.valid || a.typ.IsArray() || b.typ.IsArray() {
		return a.valid == b.valid && a.Equal(b)
	}
	switch ka, kb := keyKind(a.typ), keyKind(b.typ); {
	case ka != kb:
		return false
	case ka == kindText:
		as, _ := a.Str()
		bs, _ := b.Str()
		if a.typ == TypeReference || b.typ == TypeReference {
			pa, errA := ParsePath(as)
			pb, errB := ParsePath(bs)
			if errA == nil && errB == nil {
				return pa.Equal(pb)
			}
		}
		return strings.EqualFold(as, bs)
	case ka == kindNumber:
		if a.typ.IsInteger() && b.typ.IsInteger() {
			ai, aok := a.Int()
			bi, bok := b.Int()
			if aok && bok {
				return ai == bi
			}
			au, aok := a.Uint()
			bu, bok := b.Uint()
			return aok && bok && au == bu
		}
		af, _ := a.Float()
		bf, _ := b.Float()
		if a.typ == TypeReal32 || b.typ == TypeReal32 {
			return float32(af) == float32(bf)
		}
		return af == bf
	case ka == kindBool:
		return a.n == b.n
	}
	return a.Equal(b)
}

const (
	kindOther = iota
	kindText
	kindNumber
	kindBool
)

func keyKind(t Type) int {
	switch {
	case t == TypeString || t == TypeDateTime || t == TypeReference || t == TypeChar16:
		return kindText
	case t.IsNumeric():
		return kindNumber
	case t == TypeBoolean:
		return kindBool
	}
	return kindOther
}

// sortKeys sorts key bindings into canonical order: case-insensitively by
// name (letters compared in lower case, as _wcsicmp does, so "A_" sorts
// before "AB").
func sortKeys(keys []KeyBinding) {
	if len(keys) < 2 {
		return
	}
	slices.SortStableFunc(keys, compareKeys)
}

func compareKeys(a, b KeyBinding) int { return compareFold(a.Name, b.Name) }

// compareFold compares two names case-insensitively, rune by rune in lower
// case.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		var ra, rb rune
		if a[0] < utf8.RuneSelf {
			ra, a = rune(a[0]), a[1:]
		} else {
			r, n := utf8.DecodeRuneInString(a)
			ra, a = r, a[n:]
		}
		if b[0] < utf8.RuneSelf {
			rb, b = rune(b[0]), b[1:]
		} else {
			r, n := utf8.DecodeRuneInString(b)
			rb, b = r, b[n:]
		}
		if ra != rb {
			ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
			if ra != rb {
				if ra < rb {
					return -1
				}
				return 1
			}
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// NormalizeNamespace returns a namespace with backslash separators: '/'
// becomes '\', leading and trailing separators are removed and repeated ones
// collapsed. Case is kept: //root/CIMV2/ becomes root\CIMV2.
func NormalizeNamespace(ns string) string {
	if !strings.ContainsAny(ns, `/`) && !strings.Contains(ns, `\\`) && ns == strings.Trim(ns, `\`) {
		return ns
	}
	var b strings.Builder
	b.Grow(len(ns))
	for part := range strings.FieldsFuncSeq(ns, func(r rune) bool { return r == '\\' || r == '/' }) {
		if b.Len() > 0 {
			b.WriteByte('\\')
		}
		b.WriteString(part)
	}
	return b.String()
}

// NamespaceEqual reports whether two namespaces are the same:
// case-insensitively, after NormalizeNamespace.
func NamespaceEqual(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	return strings.EqualFold(NormalizeNamespace(a), NormalizeNamespace(b))
}
