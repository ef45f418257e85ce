package cim

// MOF text of classes, instances and values: WMI's
// IWbemClassObject::GetObjectText. The text is meant to be read back by a MOF
// compiler (gowmi's package mof, or Microsoft's mofcomp) to an identical
// object. The conventions, which package mof parses back:
//
// Layout. Top-level objects end with "};\n". Members are indented with one
// tab per level. A class's or instance's qualifier list is on the line
// before its declaration; a property's, method's or parameter's is on its
// line, before the type:
//
//	[Abstract, Description("A disk") : ToInstance ToSubclass]
//	class Disk : CIM_LogicalDevice
//	{
//		[Key] string DeviceID;
//		uint32 Sizes[] = {512, 4096};
//		[Static] uint32 Format([In, ID(0)] string FileSystem, [Out, ID(1)] uint32 Code);
//		void Reset();
//	};
//
//	instance of Disk
//	{
//		DeviceID = "C:";
//	};
//
// What is written. A class writes its local qualifiers (Qualifiers.Local of
// Class.Qualifiers), "class Name" or "class Name : Superclass", and the
// properties and methods it declares itself (Class.Properties and
// Class.Methods: new ones and overrides, never inherited ones). An instance
// writes its own qualifiers (Instance.Qualifiers) before "instance of", and
// only the properties it has set itself (Instance.IsSet), in the class's
// property order. A property the instance set to NULL is written "= NULL"
// only when the class default is not NULL (otherwise leaving it out gives the
// same instance). Server and namespace are not written (that is what
// "#pragma namespace" is for).
//
// Qualifiers. A boolean qualifier whose value is TRUE is written as its bare
// name ([Key]); an array value uses DSP0004's array form (Values{"a", "b"});
// any other value is in parentheses (MaxLen(256), Description("x"),
// Override(FALSE)); a NULL value is Name(NULL). The CIMTYPE qualifier is never
// written (WMI computes it from the declared type and mofcomp rejects it), nor
// any qualifier whose name begins with "__", except the internal
// "__nodefault" marker of an override, which is written as the default value
// "= NULL" (the override explicitly has no default, rather than keeping the
// inherited one). Qualifier values carry no type in MOF: a compiler takes it
// from the qualifier's declaration.
//
// Flavors. A MOF compiler gives an unflavored qualifier the flavor
// FlavorDefault: ToSubclass, EnableOverride, not ToInstance, not Amended
// (DSP0004's defaults; mofcomp's too). A flavor list (" : Word Word", words
// separated by spaces) is written only when the flavor differs from it, and
// names only the groups that differ:
//
//	propagation   ToSubclass only        (default: nothing written)
//	              neither bit            Restricted
//	              ToInstance only        ToInstance NotToSubclass
//	              both                   ToInstance ToSubclass
//	override      DisableOverride        DisableOverride (EnableOverride is the default, never written)
//	localization  Amended                Amended
//
// Words come in that order. NotToSubclass is Microsoft's word (mofcomp
// accepts it; Restricted cannot be combined with ToInstance). Propagation bits
// other than ToInstance and ToSubclass (0x4, 0x8) have no MOF word and are
// not written; origin bits are never written.
//
// Types. Scalar types by their MOF names (sint8 ... uint64, real32, real64,
// boolean, string, datetime, char16); arrays by "[]" after the property or
// parameter name (string Names[]), and after the type for a method's return
// type (uint32[] Sizes()). References are "Class ref Name", and "object ref
// Name" for a reference to any class (ClassRef ""). Embedded objects use
// Microsoft's form, which DSP0004 3.0 also has (a class name as the type):
// "object Name" for an embedded object of any class (CIMTYPE "object"), and
// "Class Name" for one of a given class (ClassRef "Class", CIMTYPE
// "object:Class"), e.g. "__ACE DACL[];", exactly as Windows' own MOF and
// gowmi's schema write them. The DSP0004 2.x forms [EmbeddedObject] string
// and [EmbeddedInstance("Class")] string are NOT used: they declare string
// properties, and a compiler keeps them as such.
//
// Methods. Parameters are written in the order of their ID qualifiers
// (declaration order when they have none), each once with all its qualifiers
// ([In, Out, ID(2)] for an in/out parameter: gowmi keeps one Property per
// parameter, which is the merged [in]/[out] form GetObjectText documents). A
// method without a return value is "void Name(...)". A parameter default is
// written "= value" (DSP0004 3.0).
//
// Values (FormatMOFValue). Integers in decimal (exact for all 64-bit
// values); booleans TRUE and FALSE; strings, datetimes and references in
// double quotes with C escapes (\" \\ \b \t \n \f \r, and \xHHHH, always four
// hex digits, for other control and non-printable characters; printable
// non-ASCII characters are written as they are, in UTF-8); char16 in single
// quotes with the same escapes plus \' (a lone surrogate is \xD800); reals in
// the shortest form that parses back to the same bits (strconv 'g', -1, at the
// type's size), always with a "." so that DSP0004's real syntax holds
// ("1.0", "1.5e-07", "-0.0"); NaN and infinities, which MOF has no literal
// for, are written NaN, Inf and -Inf (a gowmi extension: package mof reads
// them); arrays as {a, b}; NULL as NULL. An embedded instance is written as a
// nested "instance of Class { ... }" at the indentation of the enclosing
// statement, without the ";" (which ends the enclosing statement); its
// qualifier list, if any, comes first, followed by a line break at that
// indentation ("Inner = [Note(\"n\")]\n\tinstance of Part\n\t{ ... }");
// elements of an array of embedded objects are one per line. An embedded class is written
// as nested class text; MOF has no syntax for it as a value, so such a value
// does not compile back.

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MOF returns the class's MOF text (GetObjectText): its local qualifiers,
// declaration, and local properties and methods. See the conventions at the
// top of moftext.go.
func (c *Class) MOF() string {
	var w mofWriter
	w.class(c, 0)
	w.b.WriteString(";\n")
	return w.b.String()
}

// MOF returns the instance's MOF text (GetObjectText): "instance of Class"
// with the properties the instance has set itself.
func (i *Instance) MOF() string {
	var w mofWriter
	// GetObjectText of an instance starts with a line break, as WMI's does.
	w.b.WriteByte('\n')
	w.instance(i, 0, true)
	w.b.WriteString(";\n")
	return w.b.String()
}

// FormatMOFValue returns a value as a MOF literal: 5, -1, 1.5, TRUE,
// "text", 'c', {1, 2}, NULL, or a nested "instance of" for an embedded
// instance. See the conventions at the top of moftext.go.
func FormatMOFValue(v Value) string {
	var w mofWriter
	w.value(v, 0)
	return w.b.String()
}

type mofWriter struct {
	b     strings.Builder
	depth int // embedded objects being written
}

func (w *mofWriter) indent(n int) {
	for range n {
		w.b.WriteByte('\t')
	}
}

// class writes a class declaration without the final ";".
func (w *mofWriter) class(c *Class, ind int) {
	if w.qualifiers(c.Qualifiers) {
		w.b.WriteByte('\n')
		w.indent(ind)
	}
	w.b.WriteString("class ")
	w.b.WriteString(c.Name)
	if c.Superclass != "" {
		w.b.WriteString(" : ")
		w.b.WriteString(c.Superclass)
	}
	w.b.WriteByte('\n')
	w.indent(ind)
	w.b.WriteString("{\n")
	for _, p := range c.Properties {
		w.indent(ind + 1)
		if w.qualifiers(p.Qualifiers) {
			w.b.WriteByte(' ')
		}
		w.declaration(p, ind+1)
		w.b.WriteString(";\n")
	}
	for _, m := range c.Methods {
		w.indent(ind + 1)
		w.method(m, ind+1)
		w.b.WriteString(";\n")
	}
	w.indent(ind)
	w.b.WriteByte('}')
}

// declaration writes "type Name[] = default" for a property or parameter.
func (w *mofWriter) declaration(p *Property, ind int) {
	w.typeName(p.Type.Base(), p.ClassRef)
	w.b.WriteByte(' ')
	w.b.WriteString(p.Name)
	if p.Type.IsArray() {
		w.b.WriteString("[]")
	}
	switch {
	case !p.Value.IsNull():
		w.b.WriteString(" = ")
		w.value(p.Value, ind)
	case p.Qualifiers.Index("__nodefault") >= 0:
		w.b.WriteString(" = NULL")
	}
}

// typeName writes a scalar type as a declaration names it.
func (w *mofWriter) typeName(t Type, classRef string) {
	switch t {
	case TypeReference:
		w.b.WriteString(orObject(classRef))
		w.b.WriteString(" ref")
	case TypeObject:
		w.b.WriteString(orObject(classRef))
	default:
		w.b.WriteString(t.String())
	}
}

func (w *mofWriter) method(m *Method, ind int) {
	if w.qualifiers(m.Qualifiers) {
		w.b.WriteByte(' ')
	}
	if m.ReturnType == TypeEmpty {
		w.b.WriteString("void")
	} else {
		w.typeName(m.ReturnType.Base(), m.ReturnRef)
		if m.ReturnType.IsArray() {
			w.b.WriteString("[]")
		}
	}
	w.b.WriteByte(' ')
	w.b.WriteString(m.Name)
	w.b.WriteByte('(')
	for k, p := range m.orderedParameters() {
		if k > 0 {
			w.b.WriteString(", ")
		}
		if w.qualifiers(p.Qualifiers) {
			w.b.WriteByte(' ')
		}
		w.declaration(p, ind)
	}
	w.b.WriteByte(')')
}

// writtenQualifier reports whether a qualifier appears in MOF text.
func writtenQualifier(q Qualifier) bool {
	return q.Flavor&FlavorMaskOrigin == 0 && !strings.HasPrefix(q.Name, "__") && !strings.EqualFold(q.Name, "CIMTYPE")
}

// qualifiers writes "[...]" and reports whether it wrote anything.
func (w *mofWriter) qualifiers(qs Qualifiers) bool {
	n := 0
	for _, q := range qs {
		if !writtenQualifier(q) {
			continue
		}
		if n == 0 {
			w.b.WriteByte('[')
		} else {
			w.b.WriteString(", ")
		}
		n++
		w.b.WriteString(q.Name)
		if b, ok := q.Value.Bool(); !ok || !b {
			if q.Value.Type().IsArray() && !q.Value.IsNull() {
				w.value(q.Value, 0)
			} else {
				w.b.WriteByte('(')
				w.value(q.Value, 0)
				w.b.WriteByte(')')
			}
		}
		if f := flavorWords(q.Flavor); f != "" {
			w.b.WriteString(" : ")
			w.b.WriteString(f)
		}
	}
	if n > 0 {
		w.b.WriteByte(']')
	}
	return n > 0
}

// flavorWords returns the MOF flavor words of the groups in which f differs
// from FlavorDefault, or "".
func flavorWords(f Flavor) string {
	var ws []string
	switch f & (FlavorToInstance | FlavorToSubclass) {
	case 0:
		ws = append(ws, "Restricted")
	case FlavorToInstance:
		ws = append(ws, "ToInstance", "NotToSubclass")
	case FlavorToInstance | FlavorToSubclass:
		ws = append(ws, "ToInstance", "ToSubclass")
	}
	if f&FlavorNotOverridable != 0 {
		ws = append(ws, "DisableOverride")
	}
	if f&FlavorAmended != 0 {
		ws = append(ws, "Amended")
	}
	return strings.Join(ws, " ")
}

// instance writes an instance declaration without the final ";". A nested
// instance starts where the writer is (after "Prop = ").
func (w *mofWriter) instance(i *Instance, ind int, top bool) {
	if w.qualifiers(i.Qualifiers) {
		w.b.WriteByte('\n')
		w.indent(ind)
	}
	w.b.WriteString("instance of ")
	w.b.WriteString(i.class.Name)
	w.b.WriteByte('\n')
	w.indent(ind)
	w.b.WriteString("{\n")
	for k, p := range i.Properties() {
		if !i.IsSet(k) {
			continue
		}
		v := i.At(k)
		if v.IsNull() && p.Value.IsNull() {
			continue
		}
		w.indent(ind + 1)
		w.b.WriteString(p.Name)
		w.b.WriteString(" = ")
		w.value(v, ind+1)
		w.b.WriteString(";\n")
	}
	w.indent(ind)
	w.b.WriteByte('}')
}

// value writes a MOF literal; ind is the indentation of the statement it is
// part of (for embedded objects).
func (w *mofWriter) value(v Value, ind int) {
	if v.IsNull() {
		w.b.WriteString("NULL")
		return
	}
	t := v.Type()
	if t.IsArray() {
		a, _ := v.Array()
		if t.Base() == TypeObject && len(a) > 0 {
			w.b.WriteString("{\n")
			for k, e := range a {
				w.indent(ind + 1)
				w.value(e, ind+1)
				if k < len(a)-1 {
					w.b.WriteByte(',')
				}
				w.b.WriteByte('\n')
			}
			w.indent(ind)
			w.b.WriteByte('}')
			return
		}
		w.b.WriteByte('{')
		for k, e := range a {
			if k > 0 {
				w.b.WriteString(", ")
			}
			w.value(e, ind)
		}
		w.b.WriteByte('}')
		return
	}
	switch {
	case t == TypeBoolean:
		if b, _ := v.Bool(); b {
			w.b.WriteString("TRUE")
		} else {
			w.b.WriteString("FALSE")
		}
	case t.IsSigned():
		w.b.WriteString(strconv.FormatInt(int64(v.n), 10))
	case t.IsInteger():
		w.b.WriteString(strconv.FormatUint(v.n, 10))
	case t.IsReal():
		f, _ := v.Float()
		w.b.WriteString(formatMOFReal(f, t.bits()))
	case t == TypeChar16:
		w.b.WriteByte('\'')
		w.char16(uint16(v.n))
		w.b.WriteByte('\'')
	case t == TypeString, t == TypeDateTime, t == TypeReference:
		w.quoted(v.s)
	case t == TypeObject:
		if w.depth >= maxJSONDepth {
			// Only a cycle of embedded objects, which Put cannot make, gets here.
			w.b.WriteString("NULL")
			return
		}
		w.depth++
		defer func() { w.depth-- }()
		switch o := v.x.(type) {
		case *Instance:
			w.instance(o, ind, false)
		case *Class:
			w.class(o, ind)
		default:
			w.b.WriteString("NULL")
		}
	default:
		w.b.WriteString("NULL")
	}
}

// formatMOFReal formats a real so that it parses back to the same bits and
// has DSP0004's real syntax (a "." always).
func formatMOFReal(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if strings.IndexByte(s, '.') >= 0 {
		return s
	}
	if e := strings.IndexByte(s, 'e'); e >= 0 {
		return s[:e] + ".0" + s[e:]
	}
	return s + ".0"
}

func (w *mofWriter) hex4(u uint16) {
	const digits = "0123456789ABCDEF"
	w.b.WriteString(`\x`)
	w.b.WriteByte(digits[u>>12&0xF])
	w.b.WriteByte(digits[u>>8&0xF])
	w.b.WriteByte(digits[u>>4&0xF])
	w.b.WriteByte(digits[u&0xF])
}

// escape writes one character of a string or char16 literal, escaping the
// quote q.
func (w *mofWriter) escape(r rune, q byte) {
	switch r {
	case '\\':
		w.b.WriteString(`\\`)
	case rune(q):
		w.b.WriteByte('\\')
		w.b.WriteByte(q)
	case '\b':
		w.b.WriteString(`\b`)
	case '\t':
		w.b.WriteString(`\t`)
	case '\n':
		w.b.WriteString(`\n`)
	case '\f':
		w.b.WriteString(`\f`)
	case '\r':
		w.b.WriteString(`\r`)
	default:
		switch {
		case r < utf8.RuneSelf && r >= 0x20 && r != 0x7F:
			w.b.WriteByte(byte(r))
		case r <= 0xFFFF && !unicode.IsPrint(r):
			w.hex4(uint16(r))
		default:
			w.b.WriteRune(r)
		}
	}
}

// quoted writes a string literal; invalid UTF-8 is written as U+FFFD.
func (w *mofWriter) quoted(s string) {
	w.b.WriteByte('"')
	for _, r := range s {
		w.escape(r, '"')
	}
	w.b.WriteByte('"')
}

func (w *mofWriter) char16(u uint16) {
	if utf16.IsSurrogate(rune(u)) {
		w.hex4(u)
		return
	}
	w.escape(rune(u), '\'')
}
