package mof

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gowmi/gowmi/wbem/status"
)

// marked returns src without its '@' marker and the 1-based line and
// column of the marker.
func marked(t *testing.T, src string) (string, int, int) {
	t.Helper()
	i := strings.IndexByte(src, '@')
	if i < 0 {
		t.Fatalf("no @ marker in %q", src)
	}
	before := src[:i]
	line := strings.Count(before, "\n") + 1
	col := len([]rune(before[strings.LastIndexByte(before, '\n')+1:])) + 1
	return before + src[i+1:], line, col
}

// checkError checks that err is a *status.Error with the code, whose
// description starts with the position and whose ParameterInfo is it.
func checkError(t *testing.T, err error, code status.Code, file string, line, col int) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s at %d:%d", code, line, col)
	}
	var se *status.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not a *status.Error", err, err)
	}
	pos := file + ":" + strconv.Itoa(line) + ":" + strconv.Itoa(col)
	if se.Code != code || !strings.HasPrefix(se.Description, pos+": ") || se.ParameterInfo != pos {
		t.Fatalf("got %v\nwant %s at %s", err, code, pos)
	}
}

const classA = "class A { [key] string K; uint32 N; A ref R; };\n"

// Every error path: the code and the position ('@' in the source).
var errorCases = []struct {
	name string
	code status.Code
	src  string
	opts Options
}{
	{"qualifier name", status.MOFExpectedQualifierName, `[Key, @5] class A {};`, Options{}},
	{"qualifier name after [", status.MOFExpectedQualifierName, `[@] class A {};`, Options{}},
	{"semi after property", status.MOFExpectedSemi, "class A {\n uint32 X\n@};", Options{}},
	{"semi after class", status.MOFExpectedSemi, "class A {}\n@class B {};", Options{}},
	{"semi after instance", status.MOFExpectedSemi, classA + `instance of A { K = "a"; }@`, Options{}},
	{"equals in instance", status.MOFExpectedSemi, classA + `instance of A { K @"x"; };`, Options{}},
	{"semi after qualifier declaration", status.MOFExpectedSemi, `Qualifier Q : boolean @class`, Options{}},
	{"method default", status.MOFExpectedSemi, `class A { uint32 M() @= 1; };`, Options{}},
	{"open brace after superclass", status.MOFExpectedOpenBrace, `class B {}; class A : B @uint32 X; };`, Options{}},
	{"open brace of instance", status.MOFExpectedOpenBrace, classA + `instance of A @K = "1"; };`, Options{}},
	{"close brace of array", status.MOFExpectedCloseBrace, `class A { uint32 X[] = {1, 2@; };`, Options{}},
	{"nested array", status.MOFExpectedCloseBrace, `class A { uint32 X[] = {1, @{2}}; };`, Options{}},
	{"close bracket of qualifiers", status.MOFExpectedCloseBracket, `[Key, Abstract @class A {};`, Options{}},
	{"close bracket at end", status.MOFExpectedCloseBracket, `[Key@`, Options{}},
	{"close bracket of array size", status.MOFExpectedCloseBracket, `class A { uint8 X[4@; };`, Options{}},
	{"close paren of qualifier", status.MOFExpectedCloseParen, `[Description("x"@] class A {};`, Options{}},
	{"close paren of parameters", status.MOFExpectedCloseParen, `class A { uint32 M([In] uint32 a@; };`, Options{}},
	{"close paren of pragma", status.MOFExpectedCloseParen, `#pragma namespace("root" @x`, Options{}},
	{"constant with letters", status.MOFIllegalConstantValue, `class A { uint32 X = @12abc; };`, Options{}},
	{"unquoted string", status.MOFIllegalConstantValue, `class A { string X = @abc; };`, Options{}},
	{"integer overflow", status.MOFIllegalConstantValue, `class A { uint64 X = @99999999999999999999; };`, Options{}},
	{"bad octal", status.MOFIllegalConstantValue, `class A { uint32 X = @09; };`, Options{}},
	{"hex without digits", status.MOFIllegalConstantValue, `class A { uint32 X = @0x; };`, Options{}},
	{"bad real", status.MOFIllegalConstantValue, `class A { real32 X = @1.5e; };`, Options{}},
	{"empty qualifier value", status.MOFIllegalConstantValue, `[Description(@)] class A {};`, Options{}},
	{"long char", status.MOFIllegalConstantValue, `class A { char16 C = @'ab'; };`, Options{}},
	{"empty hex escape", status.MOFIllegalConstantValue, `class A { string S = @"\x"; };`, Options{}},
	{"value expected at end", status.MOFIllegalConstantValue, `class A { string S = @`, Options{}},
	{"parameter type", status.MOFExpectedTypeIdentifier, `class A { uint32 M(@5 x); };`, Options{}},
	{"qualifier type", status.MOFExpectedTypeIdentifier, `Qualifier Q : @5;`, Options{}},
	{"pragma paren", status.MOFExpectedOpenParen, `#pragma namespace @"root"`, Options{}},
	{"scope paren", status.MOFExpectedOpenParen, `Qualifier Q : boolean, Scope @class;`, Options{}},
	{"stray character", status.MOFUnrecognizedToken, `@? class A {};`, Options{}},
	{"stray semicolon", status.MOFUnrecognizedToken, "class A {};\n@;", Options{}},
	{"unterminated string", status.MOFUnrecognizedToken, "class A { string X = @\"abc\n}; ", Options{}},
	{"unterminated comment", status.MOFUnrecognizedToken, "class A {};\n@/* never ends", Options{}},
	{"not a declaration", status.MOFUnrecognizedToken, `@property X;`, Options{}},
	{"qualifiers then junk", status.MOFUnrecognizedToken, `[Abstract] @property X;`, Options{}},
	{"unknown class type", status.MOFUnrecognizedType, `class A { @Foo X; };`, Options{}},
	{"unknown reference class", status.MOFUnrecognizedType, `class A { @Foo REF X; };`, Options{}},
	{"void property", status.MOFUnrecognizedType, `class A { @void X; };`, Options{}},
	{"unknown qualifier type", status.MOFUnrecognizedType, `Qualifier Q : @foo;`, Options{}},
	{"property name", status.MOFExpectedPropertyName, `class A { uint32 @5; };`, Options{}},
	{"instance property name", status.MOFExpectedPropertyName, classA + `instance of A { @5 = 1; };`, Options{}},
	{"typedef", status.MOFTypedefNotSupported, `@typedef uint32 X;`, Options{}},
	{"enumeration", status.MOFTypedefNotSupported, `@enumeration E : uint32 {};`, Options{}},
	{"structure", status.MOFTypedefNotSupported, `@structure S {};`, Options{}},
	{"alias for an integer", status.MOFUnexpectedAlias, classA + `instance of A { K = "a"; N = @$x; };`, Options{}},
	{"alias for an embedded object", status.MOFUnexpectedAlias, "class E {};\nclass A { [key] string K; E O; };\n" + `instance of A { K = "a"; O = @$x; };`, Options{}},
	{"undefined alias", status.MOFUnexpectedAlias, classA + `instance of A { K = "a"; R = @$nope; };`, Options{}},
	{"alias in a parameter default", status.MOFUnexpectedAlias, `class A { uint32 M([In] A ref R = @$x); };`, Options{}},
	{"array for a scalar", status.MOFUnexpectedArrayInit, `class A { uint32 X = @{1}; };`, Options{}},
	{"array for a scalar qualifier", status.MOFUnexpectedArrayInit, `[Description@{"a"}] class A {};`, Options{}},
	{"amendment locale", status.MOFInvalidAmendmentSyntax, `#pragma amendment(@"fr")`, Options{}},
	{"amendment arguments", status.MOFInvalidAmendmentSyntax, `#pragma amendment(@1)`, Options{}},
	{"duplicate amendment", status.MOFInvalidDuplicateAmendment, "#pragma amendment(\"MS_409\")\n#pragma amendment(@\"MS_407\")", Options{}},
	{"unknown pragma", status.MOFInvalidPragma, `#pragma @foo("x")`, Options{}},
	{"unknown directive", status.MOFInvalidPragma, `#@define X`, Options{}},
	{"locale arguments", status.MOFInvalidPragma, `#pragma locale(@"en", "US")`, Options{}},
	{"empty namespace element", status.MOFInvalidNamespaceSyntax, `#pragma namespace(@"root\\\\x")`, Options{}},
	{"bad namespace name", status.MOFInvalidNamespaceSyntax, `#pragma namespace(@"root\\a b")`, Options{}},
	{"namespace not under root", status.MOFInvalidNamespaceSyntax, `#pragma namespace(@"\\\\.\\foo")`, Options{}},
	{"namespace argument", status.MOFInvalidNamespaceSyntax, `#pragma namespace(@root)`, Options{}},
	{"__NAMESPACE name", status.MOFInvalidNamespaceSyntax, `instance of __NAMESPACE { Name = @"a\\b"; };`, Options{}},
	{"class name", status.MOFExpectedClassName, `class @5 {};`, Options{}},
	{"instance class name", status.MOFExpectedClassName, `instance of @5 {};`, Options{}},
	{"superclass name", status.MOFExpectedClassName, `class A : @5 {};`, Options{}},
	{"boolean from integer", status.MOFTypeMismatch, `class A { boolean B = @1; };`, Options{}},
	{"bad datetime", status.MOFTypeMismatch, `class A { datetime D = @"yesterday"; };`, Options{}},
	{"scalar for an array", status.MOFTypeMismatch, `class A { uint32 X[] = @5; };`, Options{}},
	{"string from real", status.MOFTypeMismatch, `class A { string S = @1.5; };`, Options{}},
	{"integer from string", status.MOFTypeMismatch, `class A { uint32 N = @"5"; };`, Options{}},
	{"qualifier value type", status.MOFTypeMismatch, `[Abstract(@"yes")] class A {};`, Options{}},
	{"embedded instance of the wrong class", status.MOFTypeMismatch, "class E {}; class F {};\nclass A { [key] string K; E O; };\n" + `instance of A { K = "a"; O = @instance of F {}; };`, Options{}},
	{"EmbeddedObject on uint32", status.MOFTypeMismatch, `class A { [EmbeddedObject] @uint32 X; };`, Options{}},
	{"mixed array qualifier", status.MOFTypeMismatch, `[Foo{1, @"a"}] class A {};`, Options{}},
	{"alias name", status.MOFExpectedAliasName, `class A { A ref R = @$; };`, Options{}},
	{"alias name after as", status.MOFExpectedAliasName, classA + `instance of A as @$ { K = "a"; };`, Options{}},
	{"after class name", status.MOFInvalidClassDeclaration, `class A @B {};`, Options{}},
	{"reserved class name", status.MOFInvalidClassDeclaration, `class @__A {};`, Options{}},
	{"instance without of", status.MOFInvalidInstanceDeclaration, `instance @A {};`, Options{}},
	{"value of", status.MOFInvalidInstanceDeclaration, `@value of A {};`, Options{}},
	{"dollar", status.MOFExpectedDollar, classA + `instance of A as @x { K = "a"; };`, Options{}},
	{"CIMTYPE", status.MOFCimtypeQualifier, `class A { [@CIMTYPE("string")] string X; };`, Options{}},
	{"CIMTYPE declaration", status.MOFCimtypeQualifier, `Qualifier @CIMTYPE : string;`, Options{}},
	{"duplicate property", status.MOFDuplicateProperty, `class A { uint32 X; string @x; };`, Options{}},
	{"duplicate method", status.MOFDuplicateProperty, `class A { uint32 X; void @X(); };`, Options{}},
	{"duplicate parameter", status.MOFDuplicateProperty, `class A { void M([In] uint32 p, [In] uint32 @P); };`, Options{}},
	{"duplicate instance property", status.MOFDuplicateProperty, classA + `instance of A { K = "a"; @K = "b"; };`, Options{}},
	{"other server", status.MOFInvalidNamespaceSpecification, `#pragma namespace(@"\\\\server\\root")`, Options{}},
	{"uint8 range", status.MOFOutOfRange, `class A { uint8 X = @256; };`, Options{}},
	{"sint8 range", status.MOFOutOfRange, `class A { sint8 X = @-129; };`, Options{}},
	{"negative unsigned", status.MOFOutOfRange, `class A { uint32 X = @-1; };`, Options{}},
	{"char16 range", status.MOFOutOfRange, `class A { char16 C = @70000; };`, Options{}},
	{"real32 range", status.MOFOutOfRange, `class A { real32 R = @1e39; };`, Options{}},
	{"array size", status.MOFOutOfRange, `class A { uint8 X[@0]; };`, Options{}},
	{"alias of embedded", status.MOFAliasesInEmbedded, "class E { string S; };\nclass A { [key] string K; E O; };\n" + `instance of A { K = "a"; O = instance of E as @$e { S = "x"; }; };`, Options{}},
	{"NULL array element", status.MOFNullArrayElem, `class A { uint32 X[] = {1, @NULL}; };`, Options{}},
	{"duplicate qualifier", status.MOFDuplicateQualifier, `[Abstract, @abstract] class A {};`, Options{}},
	{"flavor", status.MOFExpectedFlavorType, `[Abstract : @Blue] class A {};`, Options{}},
	{"declared flavor", status.MOFExpectedFlavorType, `Qualifier Q : boolean, Flavor(@Blue);`, Options{}},
	{"override flavors", status.MOFIncompatibleFlavorTypes, `[Description("x") : EnableOverride @DisableOverride] class A {};`, Options{}},
	{"flavor and negation", status.MOFIncompatibleFlavorTypes, `[Description("x") : ToInstance @NotToInstance] class A {};`, Options{}},
	{"restricted and tosubclass", status.MOFIncompatibleFlavorTypes2, `[Description("x") : Restricted @ToSubclass] class A {};`, Options{}},
	{"declared restricted and toinstance", status.MOFIncompatibleFlavorTypes2, `Qualifier Q : boolean, Flavor(ToInstance, @Restricted);`, Options{}},
	{"alias twice", status.MOFMultipleAliases, classA + "instance of A as $a { K = \"1\"; };\ninstance of A as @$a { K = \"2\"; };", Options{}},
	{"class alias twice", status.MOFMultipleAliases, "class A as $a {};\nclass B as @$A {};", Options{}},
	{"array returned", status.MOFNoArraysReturned, `class A { uint32 M@[](); };`, Options{}},
	{"array returned, 3.0 form", status.MOFNoArraysReturned, `class A { uint32@[] M(); };`, Options{}},
	{"parameter direction", status.MOFMustBeInOrOut, `class A { uint32 M(uint32 @x); };`, Options{}},
	{"parameter In(false)", status.MOFMustBeInOrOut, `class A { uint32 M([In(false)] uint32 @x); };`, Options{}},
	{"unknown class flag", status.MOFInvalidFlagsSyntax, `#pragma classflags(@"bogus")`, Options{}},
	{"contradictory class flags", status.MOFInvalidFlagsSyntax, `#pragma classflags(@"createonly", "updateonly")`, Options{}},
	{"safe and force", status.MOFInvalidFlagsSyntax, `#pragma classflags(@"safeupdate, forceupdate")`, Options{}},
	{"instance forceupdate", status.MOFInvalidFlagsSyntax, `#pragma instanceflags(@"forceupdate")`, Options{}},
	{"no flags", status.MOFInvalidFlagsSyntax, `#pragma @instanceflags()`, Options{}},
	{"end inside class", status.MOFExpectedBraceOrBadType, `class A { uint32 X;@`, Options{}},
	{"bad member", status.MOFExpectedBraceOrBadType, `class A { uint32 X; @5 };`, Options{}},
	{"alias as qualifier value", status.MOFUnsupportedCIMV22QualValue, `[Description(@$a)] class A {};`, Options{}},
	{"instance as qualifier value", status.MOFUnsupportedCIMV22QualValue, `[Description(@instance of A {})] class A {};`, Options{}},
	{"object qualifier", status.MOFUnsupportedCIMV22DataType, `Qualifier Q : @object;`, Options{}},
	{"reference qualifier", status.MOFUnsupportedCIMV22DataType, `Qualifier Q : @A ref;`, Options{}},
	{"deleteinstance", status.MOFInvalidDeleteinstanceSyntax, `#pragma deleteinstance(@"A.K=1")`, Options{}},
	{"deleteinstance path", status.MOFInvalidDeleteinstanceSyntax, `#pragma deleteinstance(@"", FAIL)`, Options{}},
	{"qualifier declaration colon", status.MOFInvalidQualifierSyntax, `Qualifier Q @boolean;`, Options{}},
	{"qualifier declaration part", status.MOFInvalidQualifierSyntax, `Qualifier Q : boolean, @Scoop(class);`, Options{}},
	{"unknown scope", status.MOFInvalidQualifierSyntax, `Qualifier Q : boolean, Scope(@klass);`, Options{}},
	{"qualifier name declared", status.MOFInvalidQualifierSyntax, `Qualifier @__Q : boolean;`, Options{}},
	{"qualifiers on a declaration", status.MOFInvalidQualifierSyntax, `[Abstract] @Qualifier Q : boolean;`, Options{}},
	{"scope", status.MOFQualifierUsedOutsideScope, "Qualifier Q : boolean = false, Scope(property);\n[@Q] class A {};", Options{}},
	{"association scope", status.MOFQualifierUsedOutsideScope, "Qualifier Aggregation : boolean = false, Scope(association);\n[@Aggregation] class A {};", Options{}},
	{"reference scope", status.MOFQualifierUsedOutsideScope, "Qualifier Q : boolean = false, Scope(property);\nclass A { [@Q] A ref R; };", Options{}},
	{"parameter scope", status.MOFQualifierUsedOutsideScope, "Qualifier Q : boolean = false, Scope(method);\nclass A { [Q] void M([In, @Q] uint32 p); };", Options{}},
	{"include in a string", status.MOFErrorInvalidIncludeFile, `#pragma include(@"x.mof")`, Options{}},
	{"include arguments", status.MOFErrorInvalidIncludeFile, `#pragma include(@"x.mof", "y.mof")`, Options{}},
	{"deleteclass", status.MOFInvalidDeleteclassSyntax, `#pragma deleteclass(@"A")`, Options{}},
	{"deleteclass option", status.MOFInvalidDeleteclassSyntax, `#pragma deleteclass(@"A", MAYBE)`, Options{}},
	{"deleteclass name", status.MOFInvalidDeleteclassSyntax, `#pragma deleteclass(@"1A", FAIL)`, Options{}},

	// Errors of the object model, with their WBEM_E_* codes.
	{"missing superclass", status.InvalidSuperclass, `class A : @B {};`, Options{}},
	{"missing class", status.InvalidClass, `instance of @B {};`, Options{}},
	{"deleted class", status.InvalidClass, classA + "#pragma deleteclass(\"A\", FAIL)\ninstance of @A { K = \"a\"; };", Options{}},
	{"unknown property", status.NotFound, classA + `instance of A { K = "a"; @Z = 1; };`, Options{}},
	{"system property", status.SystemProperty, classA + `instance of A { @__PATH = "x"; };`, Options{}},
	{"alias cycle", status.CircularReference, "class A { [key] A ref R; };\ninstance of A as $a { R = @$b; };\ninstance of A as $b { R = $a; };", Options{}},
	{"alias of itself", status.CircularReference, "class A { [key] A ref R; };\ninstance of A as $a { R = @$a; };", Options{}},
	{"abstract under concrete", status.CannotBeAbstract, "class A {};\n[Abstract] class @B : A {};", Options{}},
	{"override of DisableOverride", status.OverrideNotAllowed, "class A { [Key] string K; };\nclass @B : A { [Key(false)] string K; };", Options{}},
	{"type of an override", status.UpdateTypeMismatch, "class A { string K; };\nclass @B : A { uint32 K; };", Options{}},
	{"abstract instance", status.InvalidOperation, "[Abstract] class A {};\ninstance of @A {};", Options{}},
	{"undeclared qualifier", status.InvalidQualifier, `[@Foo] class A {};`, Options{RequireDeclarations: true}},
	{"system class in a namespace", status.InvalidNamespace, `class A {};`, Options{Namespace: "cimv2"}},
	{"nesting", status.QuotaViolation, "class E { E O; };\nclass A { [key] string K; E O; };\n" + `instance of A { K = "a"; O = instance of E { O = @instance of E {}; }; };`, Options{Limits: Limits{MaxNesting: 1}}},
	{"file size", status.QuotaViolation, `@class A {};`, Options{Limits: Limits{MaxFileSize: 4}}},
	{"NUL byte", status.MOFInvalidFile, "@class A {};\x00", Options{}},
	{"binary MOF", status.MOFInvalidFile, "@FOMB\x01\x02", Options{}},
}

func TestErrorPaths(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == status.InvalidNamespace {
				// The default namespace is checked before any text.
				u, err := CompileString(tc.src, tc.opts)
				if status.CodeOf(err) != tc.code || u != nil {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				return
			}
			src, line, col := marked(t, tc.src)
			u, err := CompileString(src, tc.opts)
			checkError(t, err, tc.code, stringFileName, line, col)
			if u != nil {
				t.Fatal("a failed compile returned a unit")
			}
		})
	}
}

// Every WBEMMOF_E_* code has an error path, except the one for temporary
// files, which this compiler never creates.
func TestEveryMOFCodeHasAPath(t *testing.T) {
	tested := map[status.Code]bool{}
	for _, tc := range errorCases {
		tested[tc.code] = true
	}
	tested[status.MOFErrorInvalidIncludeFile] = true
	for _, c := range status.Codes() {
		if c < 0x80044001 || c > 0x80044031 || c == status.MOFErrorCreatingTempFile {
			continue
		}
		if !tested[c] {
			t.Errorf("no error path for %s", c)
		}
	}
}

// Errors in included files name the included file; a missing or circular
// include is WBEMMOF_E_ERROR_INVALID_INCLUDE_FILE at the include pragma.
func TestIncludeErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"main.mof":        {Data: []byte("#pragma include (\"sub/a.mof\")\n")},
		"sub/a.mof":       {Data: []byte("// a\n#pragma include(\"b.mof\")\nclass A {};\n")},
		"sub/b.mof":       {Data: []byte("class B {}\nclass C {};\n")},
		"missing.mof":     {Data: []byte("\n  #pragma include(\"nope.mof\")\n")},
		"cycle.mof":       {Data: []byte("#pragma include(\"cycle2.mof\")\n")},
		"cycle2.mof":      {Data: []byte("#pragma include(\"cycle.mof\")\n")},
		"escape.mof":      {Data: []byte("#pragma include(\"../../etc/passwd\")\n")},
		"absolute.mof":    {Data: []byte("#pragma include(\"/etc/passwd\")\n")},
		"deep/0.mof":      {Data: []byte("#pragma include(\"1.mof\")\n")},
		"deep/1.mof":      {Data: []byte("#pragma include(\"2.mof\")\n")},
		"deep/2.mof":      {Data: []byte("#pragma include(\"3.mof\")\n")},
		"deep/3.mof":      {Data: []byte("class D {};\n")},
		"semantic.mof":    {Data: []byte("#pragma include(\"semantic2.mof\")\n")},
		"semantic2.mof":   {Data: []byte("\nclass X : Missing {};\n")},
		"CaseInclude.mof": {Data: []byte("#pragma include(\"SUB/B2.MOF\")\n")},
		"sub/b2.mof":      {Data: []byte("class B2 {};\n")},
	}
	_, err := Compile(fsys, []string{"main.mof"}, Options{})
	checkError(t, err, status.MOFExpectedSemi, "sub/b.mof", 2, 1)
	_, err = Compile(fsys, []string{"missing.mof"}, Options{})
	checkError(t, err, status.MOFErrorInvalidIncludeFile, "missing.mof", 2, 19)
	_, err = Compile(fsys, []string{"cycle.mof"}, Options{})
	checkError(t, err, status.MOFErrorInvalidIncludeFile, "cycle2.mof", 1, 17)
	_, err = Compile(fsys, []string{"escape.mof"}, Options{})
	checkError(t, err, status.MOFErrorInvalidIncludeFile, "escape.mof", 1, 17)
	_, err = Compile(fsys, []string{"absolute.mof"}, Options{})
	checkError(t, err, status.MOFErrorInvalidIncludeFile, "absolute.mof", 1, 17)
	_, err = Compile(fsys, []string{"deep/0.mof"}, Options{Limits: Limits{MaxIncludeDepth: 2}})
	checkError(t, err, status.MOFErrorInvalidIncludeFile, "deep/2.mof", 1, 17)
	if _, err := Compile(fsys, []string{"deep/0.mof"}, Options{}); err != nil {
		t.Fatal(err)
	}
	_, err = Compile(fsys, []string{"deep/0.mof"}, Options{Limits: Limits{MaxFiles: 3}})
	checkError(t, err, status.QuotaViolation, "deep/2.mof", 1, 17)
	_, err = Compile(fsys, []string{"semantic.mof"}, Options{})
	checkError(t, err, status.InvalidSuperclass, "semantic2.mof", 2, 11)
	u, err := Compile(fsys, []string{"CaseInclude.mof"}, Options{})
	if err != nil || u.Classes != 1 {
		t.Fatalf("case-insensitive include: %v", err)
	}
	// A missing top-level file has no position.
	_, err = Compile(fsys, []string{"none.mof"}, Options{})
	if status.CodeOf(err) != status.MOFErrorInvalidIncludeFile {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Parse(nil, "x.mof"); status.CodeOf(err) != status.MOFErrorInvalidIncludeFile {
		t.Fatalf("nil file system: %v", err)
	}
}
