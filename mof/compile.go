package mof

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Options control a compile.
type Options struct {
	// Namespace is the namespace of declarations before any #pragma
	// namespace (mofcomp -N:); "" is root\default. Each file given to
	// Compile starts in it.
	Namespace string
	// Schema shows the compiler the classes and qualifier declarations
	// already stored; nil for none.
	Schema Schema
	// Locale is the DSP0004 locale (#pragma locale) in effect at the
	// start, recorded in Unit.Locale.
	Locale string
	// Amendment is the locale of amended qualifiers, "MS_409" (mofcomp
	// -AMENDMENT:MS_409); #pragma amendment sets it too. When it is set,
	// amended qualifiers are removed from the classes and put into
	// localized classes in the child namespace ms_409, as mofcomp -MOF/-MFL
	// and a compile of both files would.
	Amendment string
	// ClassFlags and InstanceFlags are the flags before any #pragma
	// classflags or instanceflags (mofcomp -class: and -instance:).
	ClassFlags    uint32
	InstanceFlags uint32
	// SystemClasses allows class names that begin with "__", which only
	// the system schema may declare; mofcomp refuses them.
	SystemClasses bool
	// RequireDeclarations makes every qualifier need a declaration in the
	// unit or the Schema, as DSP0004 says (WBEM_E_INVALID_QUALIFIER
	// otherwise). By default the compiler also knows the standard and
	// Microsoft qualifiers (ImplicitQualifiers) and, like mofcomp, accepts
	// undeclared ones.
	RequireDeclarations bool
	// AbstractUnderConcrete compiles an abstract class whose superclass is
	// concrete as a concrete class (without its Abstract qualifier) and
	// records a warning, instead of failing with WMI's
	// WBEM_E_CANNOT_BE_ABSTRACT. DSP0004 allows such classes and the DMTF
	// schema has them (CIM_PolicyInSystem under CIM_HostedDependency).
	AbstractUnderConcrete bool
	Limits                Limits
}

// Limits bound what one Parse or Compile reads. A zero field takes its
// default; a negative one means no limit.
type Limits struct {
	MaxFileSize     int64 // bytes in one file; default 64 MiB
	MaxFiles        int   // files, with the included ones; default 10000
	MaxIncludeDepth int   // nesting of #pragma include; default 64
	MaxNesting      int   // nesting of arrays and embedded instances in a value; default 32
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize == 0 {
		l.MaxFileSize = 64 << 20
	}
	if l.MaxFiles == 0 {
		l.MaxFiles = 10000
	}
	if l.MaxIncludeDepth == 0 {
		l.MaxIncludeDepth = 64
	}
	if l.MaxNesting == 0 {
		l.MaxNesting = 32
	}
	return l
}

// DefaultNamespace is the namespace of a compile that names none.
const DefaultNamespace = `root\default`

// Compile compiles MOF files of fsys, in order, into a Unit. Each file is
// parsed whole, with the files it includes, before anything is compiled; the
// first error ends the compile and is returned (a *status.Error with a
// WBEMMOF_E_* code, or the WBEM_E_* code of a check the object model makes,
// and the position). Compile writes nothing: Unit.Apply does, inside the
// caller's transaction.
func Compile(fsys fs.FS, files []string, opts Options) (*Unit, error) {
	p := newParser(fsys, opts.Limits.withDefaults())
	parsed := make([]*File, 0, len(files))
	for _, name := range files {
		f, err := p.parseTop(name)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, f)
	}
	return compileFiles(parsed, opts)
}

// CompileString compiles MOF text, whose positions name the file
// "<string>". #pragma include is an error in it.
func CompileString(src string, opts Options) (*Unit, error) {
	f, err := ParseString(src, opts)
	if err != nil {
		return nil, err
	}
	return compileFiles([]*File{f}, opts)
}

// CompileFiles compiles files already parsed.
func CompileFiles(files []*File, opts Options) (*Unit, error) {
	return compileFiles(files, opts)
}

func compileFiles(files []*File, opts Options) (*Unit, error) {
	c, err := newCompiler(opts)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := c.topFile(f); err != nil {
			return nil, err
		}
	}
	c.unit.Amendment = c.amendNS
	return c.unit, nil
}

type declOrigin uint8

const (
	declNone     declOrigin = iota
	declImplicit            // from ImplicitQualifiers
	declExplicit            // declared in the unit or the Schema
)

type declEntry struct {
	decl   cim.QualifierDecl
	origin declOrigin
}

type classEntry struct {
	class   *cim.Class // nil: deleted by #pragma deleteclass
	isAssoc bool
}

// compiler holds the state of one compile.
type compiler struct {
	opts      Options
	unit      *Unit
	defaultNS string

	ns         string // the current namespace
	classFlags uint32
	instFlags  uint32
	amendment  string // amendment locale as written ("MS_409"), "" for none
	amendNS    string // its namespace name ("ms_409")
	amendLCID  int32
	pragmaAmnd string // the first #pragma amendment of the file

	classes     map[string]*classEntry // ns + "\x00" + name, lower case
	schemaClass map[string]*cim.Class  // Schema answers, nil for absent
	decls       map[string]declEntry   // unit declarations and flavor-only changes
	schemaDecl  map[string]declEntry   // Schema answers
	ensured     map[string]bool        // namespaces with an OpCreateNamespace

	aliases  map[string]*aliasDef // per top-level file
	pendings []*pending
	keyPends map[*cim.Instance][]*pending
	classFix bool // a class default was fixed after its class was linked
}

type aliasDef struct {
	name      string
	pos       Pos
	ns        string
	inst      *cim.Instance
	className string // a class alias
	path      *cim.Path
	resolving bool
}

// pending is a value that names aliases, resolved at the end of the file.
type pending struct {
	lit      *Literal
	typ      cim.Type
	classRef string
	ns       string
	inst     *cim.Instance // an instance property ...
	idx      int
	prop     *cim.Property // ... or a class default
	class    *cim.Class
	state    uint8 // unresolved, resolving, resolved
}

const (
	unresolved uint8 = iota
	resolving
	resolved
)

func newCompiler(opts Options) (*compiler, error) {
	c := &compiler{
		opts:        opts,
		unit:        &Unit{Locale: opts.Locale},
		classes:     map[string]*classEntry{},
		schemaClass: map[string]*cim.Class{},
		decls:       map[string]declEntry{},
		schemaDecl:  map[string]declEntry{},
		ensured:     map[string]bool{},
	}
	ns := opts.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	norm, code, msg := resolveNamespace("", ns)
	if code != 0 {
		return nil, status.Errorf(code, "default namespace %q: %s", ns, msg)
	}
	c.defaultNS = norm
	if opts.Amendment != "" {
		nsName, lcid, ok := parseAmendment(opts.Amendment)
		if !ok {
			return nil, status.Errorf(status.MOFInvalidAmendmentSyntax, "invalid amendment locale %q: expected MS_ and a hexadecimal LCID", opts.Amendment)
		}
		c.amendment, c.amendNS, c.amendLCID = opts.Amendment, nsName, lcid
	}
	return c, nil
}

func key(ns, name string) string { return strings.ToLower(ns) + "\x00" + strings.ToLower(name) }

// topFile compiles one file given to Compile: it starts in the default
// namespace with the default flags, and its aliases are its own.
func (c *compiler) topFile(f *File) error {
	c.ns = c.defaultNS
	c.classFlags, c.instFlags = c.opts.ClassFlags, c.opts.InstanceFlags
	c.pragmaAmnd = ""
	c.aliases = map[string]*aliasDef{}
	c.pendings = nil
	c.keyPends = map[*cim.Instance][]*pending{}
	c.classFix = false
	if err := c.file(f); err != nil {
		return err
	}
	return c.resolvePendings()
}

func (c *compiler) file(f *File) error {
	for _, s := range f.Statements {
		var err error
		switch s := s.(type) {
		case *Pragma:
			err = c.pragma(s)
		case *QualifierDeclaration:
			err = c.qualifierDeclaration(s)
		case *ClassDeclaration:
			err = c.class(s)
		case *InstanceDeclaration:
			_, err = c.instance(s, c.ns, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// warn records a warning in the unit.
func (c *compiler) warn(pos Pos, format string, args ...any) {
	c.unit.Warnings = append(c.unit.Warnings, pos.String()+": "+fmt.Sprintf(format, args...))
}

func (c *compiler) emit(op Op) {
	if op.Kind != OpCreateNamespace {
		c.ensureNamespace(op.Namespace, op.Pos)
	}
	c.unit.Ops = append(c.unit.Ops, op)
}

func (c *compiler) ensureNamespace(ns string, pos Pos) {
	k := strings.ToLower(ns)
	if c.ensured[k] {
		return
	}
	c.ensured[k] = true
	c.unit.Ops = append(c.unit.Ops, Op{Kind: OpCreateNamespace, Pos: pos, Namespace: ns})
}

// ---- pragmas ----

func (c *compiler) pragma(p *Pragma) error {
	arg := func(i int) *Literal { return p.Args[i] }
	switch strings.ToLower(p.Name) {
	case "include":
		if p.Included != nil {
			return c.file(p.Included)
		}
	case "namespace":
		ns, code, msg := resolveNamespace(c.ns, arg(0).Str)
		if code != 0 {
			return errorAt(code, arg(0).Pos, "%s", msg)
		}
		c.ns = ns
	case "locale":
		c.unit.Locale = arg(0).Str
	case "classflags", "instanceflags":
		flags, err := pragmaFlags(p, strings.EqualFold(p.Name, "classflags"))
		if err != nil {
			return err
		}
		if strings.EqualFold(p.Name, "classflags") {
			c.classFlags = flags
		} else {
			c.instFlags = flags
		}
	case "amendment":
		s := arg(0).Str
		nsName, lcid, ok := parseAmendment(s)
		if !ok {
			return errorAt(status.MOFInvalidAmendmentSyntax, arg(0).Pos, "invalid amendment locale %q", s)
		}
		if c.pragmaAmnd != "" && !strings.EqualFold(c.pragmaAmnd, s) {
			return errorAt(status.MOFInvalidDuplicateAmendment, arg(0).Pos, "#pragma amendment(%q) after #pragma amendment(%q)", s, c.pragmaAmnd)
		}
		c.pragmaAmnd = s
		c.amendment, c.amendNS, c.amendLCID = s, nsName, lcid
	case "deleteclass":
		name := arg(0).Str
		if !cim.ValidName(name) {
			return errorAt(status.MOFInvalidDeleteclassSyntax, arg(0).Pos, "invalid class name %q", name)
		}
		c.classes[key(c.ns, name)] = &classEntry{}
		c.emit(Op{Kind: OpDeleteClass, Pos: p.Pos, Namespace: c.ns, Name: name, NoFail: equalFold(arg(1).Str, "NOFAIL")})
	case "deleteinstance":
		text := arg(0).Str
		path, err := cim.ParsePath(text)
		if err != nil || path.Class == "" {
			return errorAt(status.MOFInvalidDeleteinstanceSyntax, arg(0).Pos, "invalid instance path %q", text)
		}
		c.emit(Op{Kind: OpDeleteInstance, Pos: p.Pos, Namespace: c.ns, Name: text, Path: path, NoFail: equalFold(arg(1).Str, "NOFAIL")})
	}
	// instancelocale, source, sourcetype, nonlocal, nonlocaltype and
	// autorecover have no effect here.
	return nil
}

// parseAmendment parses "MS_409" into the namespace name "ms_409" and the
// LCID.
func parseAmendment(s string) (string, int32, bool) {
	if len(s) < 4 || !equalFold(s[:3], "MS_") {
		return "", 0, false
	}
	n, err := strconv.ParseUint(s[3:], 16, 16)
	if err != nil || n == 0 {
		return "", 0, false
	}
	return "ms_" + strings.ToLower(s[3:]), int32(n), true
}

// pragmaFlags returns the flags of #pragma classflags or instanceflags:
// words in strings ("updateonly", "forceupdate" or "updateonly,
// forceupdate"), or numbers.
func pragmaFlags(p *Pragma, class bool) (uint32, error) {
	var flags uint32
	fail := func(at Pos, format string, args ...any) (uint32, error) {
		return 0, errorAt(status.MOFInvalidFlagsSyntax, at, format, args...)
	}
	if len(p.Args) == 0 {
		return fail(p.NamePos, "#pragma %s needs flags", p.Name)
	}
	for _, a := range p.Args {
		switch a.Kind {
		case LitInt:
			if a.Neg || a.Uint > 0xFFFF {
				return fail(a.Pos, "invalid flags %d", a.Uint)
			}
			flags |= uint32(a.Uint)
		case LitString:
			for _, w := range strings.FieldsFunc(a.Str, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '|' }) {
				switch strings.ToLower(w) {
				case "createonly":
					flags |= FlagCreateOnly
				case "updateonly":
					flags |= FlagUpdateOnly
				case "safeupdate":
					if !class {
						return fail(a.Pos, "safeupdate is a class flag")
					}
					flags |= FlagUpdateSafeMode
				case "forceupdate":
					if !class {
						return fail(a.Pos, "forceupdate is a class flag")
					}
					flags |= FlagUpdateForceMode
				default:
					return fail(a.Pos, "unknown flag %q", w)
				}
			}
		default:
			return fail(a.Pos, "flags must be strings")
		}
	}
	valid := FlagCreateOnly | FlagUpdateOnly
	if class {
		valid |= FlagUpdateSafeMode | FlagUpdateForceMode
	}
	switch {
	case flags&^valid != 0:
		return fail(p.Args[0].Pos, "invalid flags %#x", flags)
	case flags&FlagCreateOnly != 0 && flags&FlagUpdateOnly != 0:
		return fail(p.Args[0].Pos, "createonly and updateonly exclude each other")
	case flags&FlagUpdateSafeMode != 0 && flags&FlagUpdateForceMode != 0:
		return fail(p.Args[0].Pos, "safeupdate and forceupdate exclude each other")
	case flags&FlagCreateOnly != 0 && flags&(FlagUpdateSafeMode|FlagUpdateForceMode) != 0:
		return fail(p.Args[0].Pos, "createonly excludes safeupdate and forceupdate")
	}
	return flags, nil
}

// resolveNamespace resolves a #pragma namespace argument against the
// current namespace. `\\.\root\x` and `//./root/x` name the local server;
// `root\x` (a first element "root"), `\root\x` and `/root/x` are absolute;
// anything else is relative to cur. Slashes are separators too.
func resolveNamespace(cur, spec string) (string, status.Code, string) {
	s := strings.ReplaceAll(spec, "/", `\`)
	switch {
	case strings.HasPrefix(s, `\\`):
		rest := s[2:]
		i := strings.IndexByte(rest, '\\')
		if i < 0 {
			return "", status.MOFInvalidNamespaceSyntax, "namespace path " + strconv.Quote(spec) + " names a server but no namespace"
		}
		if server := rest[:i]; server != "." {
			return "", status.MOFInvalidNamespaceSpecification, "namespace path " + strconv.Quote(spec) + " names the server " + strconv.Quote(server) + "; only \".\" (this one) is allowed"
		}
		s = rest[i+1:]
	case strings.HasPrefix(s, `\`):
		s = s[1:]
	default:
		first := s
		if i := strings.IndexByte(s, '\\'); i >= 0 {
			first = s[:i]
		}
		if !strings.EqualFold(first, "root") {
			if cur == "" {
				return "", status.InvalidNamespace, "namespace " + strconv.Quote(spec) + " is not absolute"
			}
			s = cur + `\` + s
		}
	}
	elems := strings.Split(s, `\`)
	for _, e := range elems {
		if !validNamespaceElem(e) {
			return "", status.MOFInvalidNamespaceSyntax, "invalid namespace " + strconv.Quote(spec)
		}
	}
	if !strings.EqualFold(elems[0], "root") {
		return "", status.MOFInvalidNamespaceSyntax, "namespace " + strconv.Quote(spec) + " is not under root"
	}
	return s, 0, ""
}

func validNamespaceElem(e string) bool {
	if e == "" {
		return false
	}
	for _, r := range e {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r >= 0x80 && r != 0xFFFD:
		default:
			return false
		}
	}
	return true
}

// ---- lookups ----

// lookupClass finds a class in the unit (this namespace) or the Schema.
func (c *compiler) lookupClass(ns, name string) (*cim.Class, error) {
	k := key(ns, name)
	if e, ok := c.classes[k]; ok {
		if e.class == nil {
			return nil, nil
		}
		return e.class, nil
	}
	if cl, ok := c.schemaClass[k]; ok {
		return cl, nil
	}
	if c.opts.Schema == nil {
		return nil, nil
	}
	cl, err := c.opts.Schema.GetClass(ns, name)
	if err != nil {
		if isNotFound(err) {
			c.schemaClass[k] = nil
			return nil, nil
		}
		return nil, err
	}
	c.schemaClass[k] = cl
	return cl, nil
}

// lookupDecl finds the declaration of a qualifier.
func (c *compiler) lookupDecl(name string) (declEntry, error) {
	k := key(c.ns, name)
	if e, ok := c.decls[k]; ok {
		return e, nil
	}
	if e, ok := c.schemaDecl[k]; ok {
		if e.origin != declNone {
			return e, nil
		}
	} else if c.opts.Schema != nil {
		d, err := c.opts.Schema.QualifierDecl(c.ns, name)
		switch {
		case err == nil:
			e := declEntry{d, declExplicit}
			c.schemaDecl[k] = e
			return e, nil
		case isNotFound(err):
			c.schemaDecl[k] = declEntry{}
		default:
			return declEntry{}, err
		}
	}
	if !c.opts.RequireDeclarations {
		if d, ok := implicit[strings.ToLower(name)]; ok {
			return declEntry{d, declImplicit}, nil
		}
	}
	return declEntry{}, nil
}

// ---- qualifier declarations ----

func (c *compiler) qualifierDeclaration(d *QualifierDeclaration) error {
	if strings.EqualFold(d.Name, "CIMTYPE") {
		return errorAt(status.MOFCimtypeQualifier, d.NamePos, "the CIMTYPE qualifier cannot be declared")
	}
	if !cim.ValidName(d.Name) || strings.HasPrefix(d.Name, "__") {
		return errorAt(status.MOFInvalidQualifierSyntax, d.NamePos, "invalid qualifier name %q", d.Name)
	}
	k := key(c.ns, d.Name)
	if d.FlavorOnly {
		e, err := c.lookupDecl(d.Name)
		if err != nil {
			return wrapAt(err, d.NamePos, "qualifier "+d.Name)
		}
		if e.origin == declNone {
			e = declEntry{cim.QualifierDecl{Name: d.Name, Type: cim.TypeEmpty, Scope: cim.ScopeAny, Flavor: cim.FlavorDefault}, declImplicit}
		}
		f, err := applyFlavors(e.decl.Flavor, d.Flavors)
		if err != nil {
			return err
		}
		e.decl.Flavor = f
		c.decls[k] = e
		return nil
	}
	t, ok := builtinType(d.Type)
	switch {
	case ok && t == cim.TypeObject:
		return errorAt(status.MOFUnsupportedCIMV22DataType, d.TypePos, "a qualifier cannot be an object")
	case !ok:
		return errorAt(status.MOFUnrecognizedType, d.TypePos, "unknown qualifier type %q", d.Type)
	}
	if d.Array {
		t = t.ArrayOf()
	}
	decl := cim.QualifierDecl{Name: d.Name, Type: t, Default: cim.Null(t), Scope: 0, Flavor: cim.FlavorDefault}
	if d.Default != nil {
		v, err := c.qualifierValue(d.Default, t)
		if err != nil {
			return err
		}
		decl.Default = v
	}
	for _, w := range d.Scopes {
		if strings.EqualFold(w.Name, "instance") {
			continue // Microsoft's scope(class|instance): instances have no scope check
		}
		s, ok := cim.ParseScope(w.Name)
		if !ok {
			return errorAt(status.MOFInvalidQualifierSyntax, w.Pos, "unknown scope %q", w.Name)
		}
		decl.Scope |= s
	}
	if len(d.Scopes) == 0 || decl.Scope == 0 {
		decl.Scope = cim.ScopeAny
	}
	f, err := applyFlavors(cim.FlavorDefault, d.Flavors)
	if err != nil {
		return err
	}
	decl.Flavor = f
	c.decls[k] = declEntry{decl, declExplicit}
	c.unit.Qualifiers++
	c.emit(Op{Kind: OpPutQualifierDecl, Pos: d.Pos, Namespace: c.ns, Qualifier: decl})
	return nil
}

// applyFlavors applies flavor keywords to a declaration's flavor.
func applyFlavors(f cim.Flavor, words []Word) (cim.Flavor, error) {
	var seen [9]bool
	idx := func(w string) int {
		for i, n := range flavorWords {
			if equalFold(n, w) {
				return i
			}
		}
		return -1
	}
	for _, w := range words {
		i := idx(w.Name)
		if i < 0 {
			return 0, errorAt(status.MOFExpectedFlavorType, w.Pos, "unknown flavor %q", w.Name)
		}
		seen[i] = true
		// flavorWords: enableoverride, disableoverride, restricted, tosubclass,
		// nottosubclass, toinstance, nottoinstance, translatable, amended.
		switch {
		case seen[0] && seen[1]:
			return 0, errorAt(status.MOFIncompatibleFlavorTypes, w.Pos, "EnableOverride and DisableOverride exclude each other")
		case seen[3] && seen[4], seen[5] && seen[6]:
			return 0, errorAt(status.MOFIncompatibleFlavorTypes, w.Pos, "a flavor and its negation cannot both be given")
		case seen[2] && (seen[3] || seen[5]):
			return 0, errorAt(status.MOFIncompatibleFlavorTypes2, w.Pos, "Restricted excludes ToSubclass and ToInstance")
		}
		switch i {
		case 0:
			f &^= cim.FlavorNotOverridable
		case 1:
			f |= cim.FlavorNotOverridable
		case 2:
			f &^= cim.FlavorToSubclass | cim.FlavorToInstance
		case 3:
			f |= cim.FlavorToSubclass
		case 4:
			f &^= cim.FlavorToSubclass
		case 5:
			f |= cim.FlavorToInstance
		case 6:
			f &^= cim.FlavorToInstance
		case 8:
			f |= cim.FlavorAmended
		}
	}
	return f, nil
}

// ---- qualifier lists ----

// element describes where a qualifier list is, for scope checks.
type element struct {
	scope   cim.Scope // ScopeClass (with isAssoc/isInd), ScopeProperty, ...; 0 for instances
	isAssoc bool
	isInd   bool
	isArray bool
	what    string
}

func (e element) allows(s cim.Scope) bool {
	switch e.scope {
	case scopeNone:
		return true
	case cim.ScopeClass:
		return s&cim.ScopeClass != 0 || (e.isAssoc && s&cim.ScopeAssociation != 0) || (e.isInd && s&cim.ScopeIndication != 0)
	}
	return s&e.scope != 0
}

// scopeNone is the scope of instances: qualifier scopes are not checked
// on them.
const scopeNone cim.Scope = 0

func (c *compiler) qualifiers(list []*Qualifier, el element) (cim.Qualifiers, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(cim.Qualifiers, 0, len(list))
	for _, q := range list {
		if strings.EqualFold(q.Name, "CIMTYPE") {
			return nil, errorAt(status.MOFCimtypeQualifier, q.Pos, "the CIMTYPE qualifier cannot be written in MOF; the type of the element gives it")
		}
		if out.Index(q.Name) >= 0 {
			return nil, errorAt(status.MOFDuplicateQualifier, q.Pos, "qualifier %s is given twice on %s", q.Name, el.what)
		}
		e, err := c.lookupDecl(q.Name)
		if err != nil {
			return nil, wrapAt(err, q.Pos, "qualifier "+q.Name)
		}
		if e.origin == declNone && c.opts.RequireDeclarations {
			return nil, errorAt(status.InvalidQualifier, q.Pos, "qualifier %s is not declared", q.Name)
		}
		if e.origin == declExplicit && !el.allows(e.decl.Scope) && !(el.isArray && strings.EqualFold(q.Name, "Max")) {
			return nil, errorAt(status.MOFQualifierUsedOutsideScope, q.Pos, "qualifier %s (scope %s) cannot be used on %s", q.Name, e.decl.Scope, el.what)
		}
		var v cim.Value
		t := e.decl.Type
		switch {
		case q.Value == nil && (t == cim.TypeBoolean || t == cim.TypeEmpty || e.origin == declNone):
			v = cim.Boolean(true)
		case q.Value == nil:
			v = e.decl.Default
			if v.Type() != t {
				v = cim.Null(t)
			}
		case t == cim.TypeEmpty || e.origin == declNone:
			v, err = inferValue(q.Value)
		default:
			v, err = c.qualifierValue(q.Value, t)
		}
		if err != nil {
			return nil, err
		}
		base := cim.FlavorDefault
		if e.origin != declNone {
			base = e.decl.Flavor
		}
		fl, err := applyFlavors(base, q.Flavors)
		if err != nil {
			return nil, err
		}
		if err := out.Set(cim.Qualifier{Name: q.Name, Value: v, Flavor: fl}); err != nil {
			return nil, wrapAt(err, q.Pos, "")
		}
	}
	return out, nil
}

// qualifierValue converts a qualifier's value to its declared type. A
// single value for an array qualifier becomes a one-element array.
func (c *compiler) qualifierValue(l *Literal, t cim.Type) (cim.Value, error) {
	if err := checkQualifierLiteral(l); err != nil {
		return cim.Value{}, err
	}
	if t.IsArray() && l.Kind != LitArray && l.Kind != LitNull {
		l = &Literal{Pos: l.Pos, Kind: LitArray, Elems: []*Literal{l}}
	}
	return c.convert(l, t, "", nil, "")
}

func checkQualifierLiteral(l *Literal) error {
	switch l.Kind {
	case LitAlias, LitInstance:
		return errorAt(status.MOFUnsupportedCIMV22QualValue, l.Pos, "a qualifier value must be a constant")
	case LitArray:
		for _, e := range l.Elems {
			if err := checkQualifierLiteral(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// inferValue types the value of an undeclared qualifier: integers are
// sint32 (sint64, uint64 when they need it), reals real64, and arrays take
// the widest type of their elements.
func inferValue(l *Literal) (cim.Value, error) {
	if err := checkQualifierLiteral(l); err != nil {
		return cim.Value{}, err
	}
	t, err := inferType(l)
	if err != nil {
		return cim.Value{}, err
	}
	if l.Kind == LitNull {
		return cim.Null(cim.TypeString), nil
	}
	return (&compiler{}).convert(l, t, "", nil, "")
}

func inferType(l *Literal) (cim.Type, error) {
	switch l.Kind {
	case LitBool:
		return cim.TypeBoolean, nil
	case LitInt:
		switch {
		case l.Neg && l.Uint <= 1<<31, !l.Neg && l.Uint < 1<<31:
			return cim.TypeSint32, nil
		case l.Neg && l.Uint <= 1<<63, !l.Neg && l.Uint < 1<<63:
			return cim.TypeSint64, nil
		case !l.Neg:
			return cim.TypeUint64, nil
		}
		return 0, errorAt(status.MOFOutOfRange, l.Pos, "integer is out of range")
	case LitReal:
		return cim.TypeReal64, nil
	case LitString, LitNull:
		return cim.TypeString, nil
	case LitChar:
		return cim.TypeChar16, nil
	case LitArray:
		var t cim.Type
		for _, e := range l.Elems {
			et, err := inferType(e)
			if err != nil {
				return 0, err
			}
			switch {
			case t == 0 || t == et:
				t = et
			case t.IsNumeric() && et.IsNumeric():
				t = widen(t, et)
			default:
				return 0, errorAt(status.MOFTypeMismatch, e.Pos, "array elements of different types")
			}
		}
		if t == 0 {
			t = cim.TypeString
		}
		return t.ArrayOf(), nil
	}
	return 0, errorAt(status.MOFTypeMismatch, l.Pos, "a qualifier value must be a constant")
}

func widen(a, b cim.Type) cim.Type {
	if a.IsReal() || b.IsReal() {
		return cim.TypeReal64
	}
	rank := func(t cim.Type) int {
		switch t {
		case cim.TypeSint32:
			return 0
		case cim.TypeSint64:
			return 1
		}
		return 2
	}
	if rank(a) >= rank(b) {
		return a
	}
	return b
}

// ---- types ----

var builtinTypes = map[string]cim.Type{
	"sint8": cim.TypeSint8, "uint8": cim.TypeUint8, "sint16": cim.TypeSint16, "uint16": cim.TypeUint16,
	"sint32": cim.TypeSint32, "uint32": cim.TypeUint32, "sint64": cim.TypeSint64, "uint64": cim.TypeUint64,
	"real32": cim.TypeReal32, "real64": cim.TypeReal64, "boolean": cim.TypeBoolean, "string": cim.TypeString,
	"datetime": cim.TypeDateTime, "char16": cim.TypeChar16, "object": cim.TypeObject,
}

// builtinType returns the type of a built-in type name.
func builtinType(name string) (cim.Type, bool) {
	if len(name) > 8 {
		return 0, false
	}
	var buf [8]byte
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	t, ok := builtinTypes[string(buf[:len(name)])]
	return t, ok
}

func isTypeWord(s string) bool { _, ok := builtinType(s); return ok }
