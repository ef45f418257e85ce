package mof

import (
	"errors"
	"io/fs"
	"math"
	"strings"

	"github.com/gowmi/gowmi/wbem/status"
)

// Parse parses the MOF file name of fsys, and the files it includes with
// #pragma include (resolved relative to the including file), into a syntax
// tree. It checks the syntax only, as mofcomp -check does: names are not
// resolved and values not typed. At most one Options may be given; its
// Limits apply.
func Parse(fsys fs.FS, name string, opts ...Options) (*File, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	p := newParser(fsys, o.Limits.withDefaults())
	return p.parseTop(name)
}

// ParseString parses MOF text; #pragma include is an error in it.
func ParseString(src string, opts ...Options) (*File, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	p := newParser(nil, o.Limits.withDefaults())
	return p.parseSource(stringFileName, []byte(src))
}

// stringFileName is the file name positions carry for CompileString and
// ParseString.
const stringFileName = "<string>"

type bail struct{ err error }

type parser struct {
	fsys   fs.FS
	limits Limits
	lex    *lexer
	tok    token
	ahead  []token
	stack  []string // files being parsed, outermost first
	nest   int      // depth of embedded instances and arrays
	files  int      // files read so far
}

func newParser(fsys fs.FS, limits Limits) *parser {
	return &parser{fsys: fsys, limits: limits}
}

func (p *parser) parseTop(name string) (f *File, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			f, err = nil, b.err
		}
	}()
	if p.fsys == nil {
		return nil, status.Errorf(status.MOFErrorInvalidIncludeFile, "%s: no file system to read from", name)
	}
	data, err := p.read(name, Pos{})
	if err != nil {
		return nil, err
	}
	return p.file(name, data), nil
}

func (p *parser) parseSource(name string, src []byte) (f *File, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			f, err = nil, b.err
		}
	}()
	if p.limits.MaxFileSize > 0 && int64(len(src)) > p.limits.MaxFileSize {
		return nil, errorAt(status.QuotaViolation, Pos{File: name, Line: 1, Col: 1}, "file is larger than the limit of %d bytes", p.limits.MaxFileSize)
	}
	data, err := decodeSource(name, src)
	if err != nil {
		return nil, err
	}
	return p.file(name, data), nil
}

// read reads and decodes a file; at is the include pragma naming it.
func (p *parser) read(name string, at Pos) ([]byte, error) {
	p.files++
	if p.limits.MaxFiles > 0 && p.files > p.limits.MaxFiles {
		return nil, errorAt(status.QuotaViolation, at, "more than %d files", p.limits.MaxFiles)
	}
	data, _, err := readFile(p.fsys, name, p.limits.MaxFileSize)
	if err != nil {
		if errors.Is(err, errTooBig) {
			return nil, errorAt(status.QuotaViolation, at, "%s is larger than the limit of %d bytes", name, p.limits.MaxFileSize)
		}
		if at.IsValid() {
			return nil, errorAt(status.MOFErrorInvalidIncludeFile, at, "cannot read include file %s: %v", name, err)
		}
		return nil, status.Errorf(status.MOFErrorInvalidIncludeFile, "cannot read %s: %v", name, err)
	}
	return decodeSource(name, data)
}

func (p *parser) fail(err error) { panic(bail{err}) }

func (p *parser) failAt(code status.Code, pos Pos, format string, args ...any) {
	panic(bail{errorAt(code, pos, format, args...)})
}

// file parses one file's text. The lexer state of the including file is
// saved and restored around it.
func (p *parser) file(name string, src []byte) *File {
	savedLex, savedTok, savedAhead := p.lex, p.tok, p.ahead
	p.lex, p.ahead = newLexer(name, src), nil
	p.stack = append(p.stack, name)
	p.advance()
	f := &File{Name: name}
	for p.tok.kind != tEOF {
		f.Statements = append(f.Statements, p.statement())
	}
	p.stack = p.stack[:len(p.stack)-1]
	p.lex, p.tok, p.ahead = savedLex, savedTok, savedAhead
	return f
}

func (p *parser) lexNext() token {
	t, err := p.lex.next()
	if err != nil {
		p.fail(err)
	}
	return t
}

func (p *parser) advance() {
	if len(p.ahead) > 0 {
		p.tok = p.ahead[0]
		p.ahead = p.ahead[1:]
		return
	}
	p.tok = p.lexNext()
}

// peek returns the token n places after the current one (n >= 1).
func (p *parser) peek(n int) token {
	for len(p.ahead) < n {
		p.ahead = append(p.ahead, p.lexNext())
	}
	return p.ahead[n-1]
}

// expect consumes the punctuation c or fails with code.
func (p *parser) expect(c byte, code status.Code, what string) Pos {
	if !p.tok.is(c) {
		p.failAt(code, p.tok.pos, "expected %s, found %s", what, p.tok.describe())
	}
	pos := p.tok.pos
	p.advance()
	return pos
}

func (p *parser) ident(code status.Code, what string) (string, Pos) {
	if p.tok.kind != tIdent {
		p.failAt(code, p.tok.pos, "expected %s, found %s", what, p.tok.describe())
	}
	s, pos := p.tok.text, p.tok.pos
	p.advance()
	return s, pos
}

func (p *parser) enter(pos Pos) {
	p.nest++
	if p.limits.MaxNesting > 0 && p.nest > p.limits.MaxNesting {
		p.failAt(status.QuotaViolation, pos, "values nested more than %d deep", p.limits.MaxNesting)
	}
}

func (p *parser) leave() { p.nest-- }

func (p *parser) statement() Statement {
	t := p.tok
	switch {
	case t.is('#'):
		return p.pragma()
	case t.is('['):
		quals := p.qualifierList()
		return p.declaration(quals)
	case t.kind == tIdent:
		if t.isWord("qualifier") {
			return p.qualifierDeclaration()
		}
		return p.declaration(nil)
	}
	p.failAt(status.MOFUnrecognizedToken, t.pos, "unexpected %s", t.describe())
	return nil
}

// declaration parses a class or instance declaration after its qualifiers.
func (p *parser) declaration(quals []*Qualifier) Statement {
	t := p.tok
	switch {
	case t.isWord("class"):
		return p.classDeclaration(quals, "class")
	case (t.isWord("association") || t.isWord("indication")) && p.peek(1).kind == tIdent:
		return p.classDeclaration(quals, strings.ToLower(t.text))
	case t.isWord("instance"):
		d := p.instanceDeclaration(quals, false)
		p.expect(';', status.MOFExpectedSemi, "';' after the instance declaration")
		return d
	case t.isWord("typedef") || t.isWord("enumeration") || t.isWord("structure"):
		p.failAt(status.MOFTypedefNotSupported, t.pos, "%s declarations are not supported", strings.ToLower(t.text))
	case t.isWord("value") && p.peek(1).isWord("of"):
		p.failAt(status.MOFInvalidInstanceDeclaration, t.pos, "\"value of\" declarations are not supported; use \"instance of\"")
	case t.isWord("qualifier") && quals != nil:
		p.failAt(status.MOFInvalidQualifierSyntax, t.pos, "a qualifier declaration cannot have qualifiers")
	}
	if quals != nil {
		p.failAt(status.MOFUnrecognizedToken, t.pos, "expected \"class\" or \"instance of\" after the qualifier list, found %s", t.describe())
	}
	p.failAt(status.MOFUnrecognizedToken, t.pos, "unexpected %s", t.describe())
	return nil
}

// pragma parses "#pragma name(args)" and "#include".
func (p *parser) pragma() *Pragma {
	pr := &Pragma{Pos: p.tok.pos}
	p.advance()
	if p.tok.kind != tIdent || p.tok.pos.Line != pr.Pos.Line {
		p.failAt(status.MOFInvalidPragma, p.tok.pos, "expected \"pragma\" after '#'")
	}
	switch {
	case p.tok.isWord("pragma"):
		p.advance()
		if p.tok.kind != tIdent || p.tok.pos.Line != pr.Pos.Line {
			p.failAt(status.MOFInvalidPragma, p.tok.pos, "expected a pragma name, found %s", p.tok.describe())
		}
	case p.tok.isWord("include"):
	default:
		p.failAt(status.MOFInvalidPragma, p.tok.pos, "unknown preprocessor command #%s", p.tok.text)
	}
	pr.Name, pr.NamePos = p.tok.text, p.tok.pos
	p.advance()
	name := strings.ToLower(pr.Name)
	switch name {
	case "include", "namespace", "locale", "instancelocale", "source", "sourcetype", "nonlocal", "nonlocaltype",
		"classflags", "instanceflags", "deleteclass", "deleteinstance", "amendment":
	case "autorecover":
		return pr
	default:
		p.failAt(status.MOFInvalidPragma, pr.NamePos, "unknown pragma %q", pr.Name)
	}
	if name == "include" && p.tok.kind == tString {
		// #include "file.mof"
		pr.Args = append(pr.Args, p.stringLiteral())
	} else {
		p.expect('(', status.MOFExpectedOpenParen, "'(' after #pragma "+pr.Name)
		if !p.tok.is(')') {
			for {
				pr.Args = append(pr.Args, p.pragmaArg())
				if !p.tok.is(',') {
					break
				}
				p.advance()
			}
		}
		p.expect(')', status.MOFExpectedCloseParen, "')'")
	}
	p.checkPragma(pr, name)
	return pr
}

func (p *parser) pragmaArg() *Literal {
	t := p.tok
	switch {
	case t.kind == tString:
		return p.stringLiteral()
	case t.kind == tIdent:
		p.advance()
		return &Literal{Pos: t.pos, Kind: LitIdent, Str: t.text}
	case t.kind == tInt || t.is('-') || t.is('+'):
		return p.constant()
	}
	p.failAt(status.MOFUnrecognizedToken, t.pos, "unexpected %s in pragma", t.describe())
	return nil
}

// checkPragma checks a pragma's arguments and reads an included file.
func (p *parser) checkPragma(pr *Pragma, name string) {
	argErr := func(code status.Code, format string, args ...any) {
		at := pr.NamePos
		if len(pr.Args) > 0 {
			at = pr.Args[0].Pos
		}
		p.failAt(code, at, format, args...)
	}
	oneString := len(pr.Args) == 1 && pr.Args[0].Kind == LitString
	switch name {
	case "include":
		if !oneString {
			argErr(status.MOFErrorInvalidIncludeFile, "#pragma include takes one file name string")
		}
		p.include(pr)
	case "namespace":
		if !oneString {
			argErr(status.MOFInvalidNamespaceSyntax, "#pragma namespace takes one namespace string")
		}
	case "locale", "instancelocale", "source", "sourcetype", "nonlocal", "nonlocaltype":
		if !oneString {
			argErr(status.MOFInvalidPragma, "#pragma %s takes one string", pr.Name)
		}
	case "amendment":
		if !oneString {
			argErr(status.MOFInvalidAmendmentSyntax, "#pragma amendment takes one locale string such as \"MS_409\"")
		}
		if _, _, ok := parseAmendment(pr.Args[0].Str); !ok {
			argErr(status.MOFInvalidAmendmentSyntax, "invalid amendment locale %q: expected MS_ and a hexadecimal LCID", pr.Args[0].Str)
		}
	case "classflags", "instanceflags":
		if _, err := pragmaFlags(pr, name == "classflags"); err != nil {
			p.fail(err)
		}
	case "deleteclass", "deleteinstance":
		code := status.MOFInvalidDeleteclassSyntax
		if name == "deleteinstance" {
			code = status.MOFInvalidDeleteinstanceSyntax
		}
		if len(pr.Args) != 2 || pr.Args[0].Kind != LitString || pr.Args[1].Kind != LitIdent ||
			!(equalFold(pr.Args[1].Str, "FAIL") || equalFold(pr.Args[1].Str, "NOFAIL")) {
			argErr(code, "expected #pragma %s(\"name\", FAIL|NOFAIL)", pr.Name)
		}
		if pr.Args[0].Str == "" {
			argErr(code, "#pragma %s needs a non-empty name", pr.Name)
		}
	}
}

// include parses the file an include pragma names.
func (p *parser) include(pr *Pragma) {
	arg := pr.Args[0]
	cur := p.stack[len(p.stack)-1]
	if p.fsys == nil {
		p.failAt(status.MOFErrorInvalidIncludeFile, arg.Pos, "cannot include %q: no file system to read from", arg.Str)
	}
	name, ok := includePath(cur, arg.Str)
	if !ok {
		p.failAt(status.MOFErrorInvalidIncludeFile, arg.Pos, "invalid include file name %q", arg.Str)
	}
	for _, s := range p.stack {
		if strings.EqualFold(s, name) {
			p.failAt(status.MOFErrorInvalidIncludeFile, arg.Pos, "%s includes itself", name)
		}
	}
	if p.limits.MaxIncludeDepth > 0 && len(p.stack) > p.limits.MaxIncludeDepth {
		p.failAt(status.MOFErrorInvalidIncludeFile, arg.Pos, "includes nested more than %d deep", p.limits.MaxIncludeDepth)
	}
	data, err := p.read(name, arg.Pos)
	if err != nil {
		p.fail(err)
	}
	pr.Included = p.file(name, data)
}

// qualifierDeclaration parses a qualifier declaration, in DSP0004's form or
// Microsoft's flavor-only form.
func (p *parser) qualifierDeclaration() *QualifierDeclaration {
	d := &QualifierDeclaration{Pos: p.tok.pos}
	p.advance()
	d.Name, d.NamePos = p.ident(status.MOFExpectedQualifierName, "a qualifier name")
	p.expect(':', status.MOFInvalidQualifierSyntax, "':' after the qualifier name")
	if p.tok.kind == tIdent && isFlavorWord(p.tok.text) && !isTypeWord(p.tok.text) {
		d.FlavorOnly = true
		d.Flavors = p.flavorWords(false)
		p.expect(';', status.MOFExpectedSemi, "';'")
		return d
	}
	if p.tok.kind != tIdent {
		p.failAt(status.MOFExpectedTypeIdentifier, p.tok.pos, "expected the qualifier type, found %s", p.tok.describe())
	}
	d.Type, d.TypePos = p.tok.text, p.tok.pos
	p.advance()
	if p.tok.isWord("ref") {
		p.failAt(status.MOFUnsupportedCIMV22DataType, d.TypePos, "a qualifier cannot be a reference")
	}
	if p.tok.is('[') {
		d.Array = true
		d.ArraySize = p.arraySuffix()
	}
	if p.tok.is('=') {
		p.advance()
		d.Default = p.initializer(false)
	}
	for p.tok.is(',') {
		p.advance()
		switch {
		case p.tok.isWord("scope"):
			p.advance()
			p.expect('(', status.MOFExpectedOpenParen, "'(' after Scope")
			for {
				w, pos := p.ident(status.MOFInvalidQualifierSyntax, "a scope")
				d.Scopes = append(d.Scopes, Word{pos, w})
				if p.tok.is(',') || p.tok.is('|') {
					p.advance()
					continue
				}
				break
			}
			p.expect(')', status.MOFExpectedCloseParen, "')'")
		case p.tok.isWord("flavor"):
			p.advance()
			p.expect('(', status.MOFExpectedOpenParen, "'(' after Flavor")
			d.Flavors = append(d.Flavors, p.flavorWords(true)...)
			p.expect(')', status.MOFExpectedCloseParen, "')'")
		case p.tok.kind == tIdent && isFlavorWord(p.tok.text):
			// Microsoft: flavors written without Flavor(...).
			d.Flavors = append(d.Flavors, p.flavorWords(false)...)
		default:
			p.failAt(status.MOFInvalidQualifierSyntax, p.tok.pos, "expected Scope(...) or Flavor(...), found %s", p.tok.describe())
		}
	}
	p.expect(';', status.MOFExpectedSemi, "';'")
	return d
}

var flavorWords = []string{"enableoverride", "disableoverride", "restricted", "tosubclass", "nottosubclass",
	"toinstance", "nottoinstance", "translatable", "amended"}

func isFlavorWord(s string) bool {
	for _, w := range flavorWords {
		if equalFold(s, w) {
			return true
		}
	}
	return false
}

// flavorWords parses one or more flavors, separated by white space (and by
// commas when commas is set, as in Flavor(...)).
func (p *parser) flavorWords(commas bool) []Word {
	var out []Word
	for {
		if p.tok.kind != tIdent || !isFlavorWord(p.tok.text) {
			p.failAt(status.MOFExpectedFlavorType, p.tok.pos, "expected a flavor, found %s", p.tok.describe())
		}
		out = append(out, Word{p.tok.pos, p.tok.text})
		p.advance()
		if commas && p.tok.is(',') {
			p.advance()
			continue
		}
		if !commas && p.tok.kind == tIdent && isFlavorWord(p.tok.text) {
			continue
		}
		return out
	}
}

// qualifierList parses "[" qualifier *("," qualifier) "]".
func (p *parser) qualifierList() []*Qualifier {
	open := p.tok.pos
	p.advance()
	var out []*Qualifier
	for {
		if p.tok.kind != tIdent {
			p.failAt(status.MOFExpectedQualifierName, p.tok.pos, "expected a qualifier name, found %s", p.tok.describe())
		}
		q := &Qualifier{Pos: p.tok.pos, Name: p.tok.text}
		p.advance()
		switch {
		case p.tok.is('('):
			q.Value = p.qualifierParameter()
		case p.tok.is('{'):
			q.Value = p.arrayInitializer(false)
		}
		if p.tok.is(':') {
			p.advance()
			q.Flavors = p.flavorWords(false)
		}
		out = append(out, q)
		if p.tok.is(',') {
			p.advance()
			continue
		}
		if !p.tok.is(']') {
			if p.tok.kind == tEOF {
				p.failAt(status.MOFExpectedCloseBracket, p.tok.pos, "qualifier list opened at %d:%d is not closed", open.Line, open.Col)
			}
			p.failAt(status.MOFExpectedCloseBracket, p.tok.pos, "expected ']' or ',' in the qualifier list, found %s", p.tok.describe())
		}
		p.advance()
		return out
	}
}

// qualifierParameter parses "(" value ")" or Microsoft's "(" value, value ")".
func (p *parser) qualifierParameter() *Literal {
	open := p.tok.pos
	p.advance()
	if p.tok.is(')') {
		p.failAt(status.MOFIllegalConstantValue, p.tok.pos, "expected a qualifier value")
	}
	first := p.initializer(false)
	if p.tok.is(',') {
		arr := &Literal{Pos: open, Kind: LitArray, Elems: []*Literal{first}}
		for p.tok.is(',') {
			p.advance()
			arr.Elems = append(arr.Elems, p.initializer(false))
		}
		first = arr
	}
	p.expect(')', status.MOFExpectedCloseParen, "')' after the qualifier value")
	return first
}

func (p *parser) classDeclaration(quals []*Qualifier, keyword string) *ClassDeclaration {
	d := &ClassDeclaration{Pos: p.tok.pos, Keyword: keyword, Qualifiers: quals}
	p.advance()
	d.Name, d.NamePos = p.ident(status.MOFExpectedClassName, "a class name")
	if p.tok.isWord("as") {
		d.Alias, d.AliasPos = p.alias()
	}
	if p.tok.is(':') {
		p.advance()
		d.Superclass, d.SuperPos = p.ident(status.MOFExpectedClassName, "the superclass name")
		if d.Alias == "" && p.tok.isWord("as") {
			d.Alias, d.AliasPos = p.alias()
		}
		if !p.tok.is('{') {
			p.failAt(status.MOFExpectedOpenBrace, p.tok.pos, "expected '{', found %s", p.tok.describe())
		}
	}
	if !p.tok.is('{') {
		p.failAt(status.MOFInvalidClassDeclaration, p.tok.pos, "expected ':' or '{' after the class name, found %s", p.tok.describe())
	}
	p.advance()
	for !p.tok.is('}') {
		d.Features = append(d.Features, p.feature())
	}
	d.EndPos = p.tok.pos
	p.advance()
	p.expect(';', status.MOFExpectedSemi, "';' after the class declaration")
	return d
}

// alias parses "as $name".
func (p *parser) alias() (string, Pos) {
	p.advance()
	switch {
	case p.tok.kind == tAlias:
		s, pos := p.tok.text, p.tok.pos
		p.advance()
		return s, pos
	case p.tok.is('$'):
		p.failAt(status.MOFExpectedAliasName, p.tok.pos, "expected an alias name after '$'")
	}
	p.failAt(status.MOFExpectedDollar, p.tok.pos, "expected $alias after \"as\", found %s", p.tok.describe())
	return "", Pos{}
}

// feature parses a property, reference or method declaration.
func (p *parser) feature() *Feature {
	f := &Feature{Pos: p.tok.pos}
	if p.tok.is('[') {
		f.Qualifiers = p.qualifierList()
	}
	if p.tok.kind != tIdent {
		p.failAt(status.MOFExpectedBraceOrBadType, p.tok.pos, "expected a property or method declaration or \"};\", found %s", p.tok.describe())
	}
	p.typeAndName(f, false)
	switch {
	case p.tok.is('('):
		f.Method = true
		if f.Array {
			p.failAt(status.MOFNoArraysReturned, f.ArrayPos, "a method cannot return an array")
		}
		p.advance()
		if !p.tok.is(')') {
			for {
				f.Params = append(f.Params, p.parameter())
				if !p.tok.is(',') {
					break
				}
				p.advance()
			}
		}
		p.expect(')', status.MOFExpectedCloseParen, "')' or ',' in the parameter list")
	case p.tok.is('='):
		p.advance()
		f.Default = p.initializer(true)
	}
	p.expect(';', status.MOFExpectedSemi, "';' or '='")
	return f
}

// typeAndName parses "type [REF] name [array]"; "type[] name" is accepted
// too. For a method the array suffix is read after the name.
func (p *parser) typeAndName(f *Feature, param bool) {
	f.Type, f.TypePos = p.tok.text, p.tok.pos
	p.advance()
	if p.tok.isWord("ref") && p.peek(1).kind == tIdent {
		f.Ref = true
		p.advance()
	}
	if p.tok.is('[') {
		// DSP0004 3.0 style "string[] Name".
		f.Array, f.ArrayPos = true, p.tok.pos
		f.ArraySize = p.arraySuffix()
	}
	if p.tok.kind != tIdent {
		p.failAt(status.MOFExpectedPropertyName, p.tok.pos, "expected a name after the type %s, found %s", f.Type, p.tok.describe())
	}
	f.Name, f.NamePos = p.tok.text, p.tok.pos
	p.advance()
	if p.tok.is('[') {
		if f.Array {
			p.failAt(status.MOFUnrecognizedToken, p.tok.pos, "only one-dimensional arrays are supported")
		}
		f.Array, f.ArrayPos = true, p.tok.pos
		f.ArraySize = p.arraySuffix()
		if !param && p.tok.is('(') {
			p.failAt(status.MOFNoArraysReturned, f.ArrayPos, "a method cannot return an array")
		}
	}
}

// arraySuffix parses "[" [size] "]" and returns the size (0 when none).
func (p *parser) arraySuffix() int {
	p.advance()
	size := 0
	if p.tok.kind == tInt {
		if p.tok.num == 0 || p.tok.num > math.MaxInt32 {
			p.failAt(status.MOFOutOfRange, p.tok.pos, "array size %s is out of range", p.tok.text)
		}
		size = int(p.tok.num)
		p.advance()
	}
	p.expect(']', status.MOFExpectedCloseBracket, "']'")
	return size
}

func (p *parser) parameter() *Feature {
	f := &Feature{Pos: p.tok.pos}
	if p.tok.is('[') {
		f.Qualifiers = p.qualifierList()
	}
	if p.tok.kind != tIdent {
		p.failAt(status.MOFExpectedTypeIdentifier, p.tok.pos, "expected a parameter type, found %s", p.tok.describe())
	}
	p.typeAndName(f, true)
	if p.tok.is('=') {
		p.advance()
		f.Default = p.initializer(true)
	}
	return f
}

func (p *parser) instanceDeclaration(quals []*Qualifier, embedded bool) *InstanceDeclaration {
	d := &InstanceDeclaration{Pos: p.tok.pos, Qualifiers: quals, Embedded: embedded}
	p.advance()
	if !p.tok.isWord("of") {
		p.failAt(status.MOFInvalidInstanceDeclaration, p.tok.pos, "expected \"of\" after \"instance\", found %s", p.tok.describe())
	}
	p.advance()
	d.Class, d.ClassPos = p.ident(status.MOFExpectedClassName, "a class name")
	if p.tok.isWord("as") {
		d.Alias, d.AliasPos = p.alias()
		if embedded {
			p.failAt(status.MOFAliasesInEmbedded, d.AliasPos, "an embedded instance cannot have an alias")
		}
	}
	p.expect('{', status.MOFExpectedOpenBrace, "'{'")
	for !p.tok.is('}') {
		pv := &PropertyValue{Pos: p.tok.pos}
		if p.tok.is('[') {
			pv.Qualifiers = p.qualifierList()
		}
		if p.tok.kind != tIdent {
			p.failAt(status.MOFExpectedPropertyName, p.tok.pos, "expected a property name or '}', found %s", p.tok.describe())
		}
		pv.Name = p.tok.text
		p.advance()
		p.expect('=', status.MOFExpectedSemi, "'='")
		pv.Value = p.initializer(true)
		p.expect(';', status.MOFExpectedSemi, "';'")
		d.Properties = append(d.Properties, pv)
	}
	p.advance()
	return d
}

// initializer parses a value: a constant, an array, an alias or (when
// objects is set) an embedded instance.
func (p *parser) initializer(objects bool) *Literal {
	t := p.tok
	switch {
	case t.is('{'):
		return p.arrayInitializer(objects)
	case t.kind == tAlias:
		p.advance()
		return &Literal{Pos: t.pos, Kind: LitAlias, Str: t.text}
	case t.is('$'):
		p.failAt(status.MOFExpectedAliasName, t.pos, "expected an alias name after '$'")
	case t.isWord("instance") && p.peek(1).isWord("of"):
		if !objects {
			p.failAt(status.MOFUnsupportedCIMV22QualValue, t.pos, "a qualifier value cannot be an instance")
		}
		p.enter(t.pos)
		d := p.instanceDeclaration(nil, true)
		p.leave()
		return &Literal{Pos: t.pos, Kind: LitInstance, Instance: d}
	}
	return p.constant()
}

// arrayInitializer parses "{" [value *("," value)] "}".
func (p *parser) arrayInitializer(objects bool) *Literal {
	arr := &Literal{Pos: p.tok.pos, Kind: LitArray}
	p.enter(p.tok.pos)
	p.advance()
	if !p.tok.is('}') {
		for {
			t := p.tok
			if t.is('{') {
				p.failAt(status.MOFExpectedCloseBrace, t.pos, "arrays cannot be nested")
			}
			e := p.initializer(objects)
			if e.Kind == LitNull {
				p.failAt(status.MOFNullArrayElem, e.Pos, "an array element cannot be NULL")
			}
			arr.Elems = append(arr.Elems, e)
			if !p.tok.is(',') {
				break
			}
			p.advance()
		}
	}
	if !p.tok.is('}') {
		p.failAt(status.MOFExpectedCloseBrace, p.tok.pos, "expected ',' or '}' in the array, found %s", p.tok.describe())
	}
	p.advance()
	p.leave()
	return arr
}

func (p *parser) stringLiteral() *Literal {
	l := &Literal{Pos: p.tok.pos, Kind: LitString, Str: p.tok.text}
	p.advance()
	if p.tok.kind == tString {
		var b strings.Builder
		b.WriteString(l.Str)
		for p.tok.kind == tString {
			b.WriteString(p.tok.text)
			p.advance()
		}
		l.Str = b.String()
	}
	return l
}

// constant parses a constant value: numbers with an optional sign,
// strings (adjacent ones concatenated), characters, true, false, null.
func (p *parser) constant() *Literal {
	t := p.tok
	switch t.kind {
	case tString:
		return p.stringLiteral()
	case tChar:
		p.advance()
		return &Literal{Pos: t.pos, Kind: LitChar, Char: uint16(t.num)}
	case tInt:
		p.advance()
		return &Literal{Pos: t.pos, Kind: LitInt, Uint: t.num}
	case tReal:
		p.advance()
		return &Literal{Pos: t.pos, Kind: LitReal, Real: t.real}
	case tIdent:
		switch {
		case t.isWord("true"), t.isWord("false"):
			p.advance()
			return &Literal{Pos: t.pos, Kind: LitBool, Bool: t.isWord("true")}
		case t.isWord("null"):
			p.advance()
			return &Literal{Pos: t.pos, Kind: LitNull}
		case t.text == "NaN":
			p.advance()
			return &Literal{Pos: t.pos, Kind: LitReal, Real: math.NaN()}
		case t.text == "Inf":
			p.advance()
			return &Literal{Pos: t.pos, Kind: LitReal, Real: math.Inf(1)}
		}
		p.failAt(status.MOFIllegalConstantValue, t.pos, "expected a value, found the unquoted word %s", t.describe())
	case tPunct:
		if t.is('-') || t.is('+') {
			n := p.peek(1)
			if n.kind == tIdent && n.text == "Inf" {
				p.advance()
				p.advance()
				sign := 1
				if t.is('-') {
					sign = -1
				}
				return &Literal{Pos: t.pos, Kind: LitReal, Real: math.Inf(sign)}
			}
			if n.kind == tInt || n.kind == tReal {
				p.advance()
				p.advance()
				neg := t.is('-')
				if n.kind == tReal {
					f := n.real
					if neg {
						f = -f
					}
					return &Literal{Pos: t.pos, Kind: LitReal, Real: f}
				}
				return &Literal{Pos: t.pos, Kind: LitInt, Neg: neg && n.num != 0, Uint: n.num}
			}
		}
	}
	if t.kind == tEOF {
		p.failAt(status.MOFIllegalConstantValue, t.pos, "expected a value, found end of file")
	}
	p.failAt(status.MOFIllegalConstantValue, t.pos, "expected a value, found %s", t.describe())
	return nil
}
