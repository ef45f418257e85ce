// Package mof is gowmi's MOF compiler: the Managed Object Format of DSP0004
// as the DMTF CIM Schema 2.x writes it, and Microsoft's extensions, compiled
// into the objects of package cim.
//
// # Use
//
// Parse checks the syntax of a file and the files it includes (mofcomp
// -check). Compile parses whole files first (a syntax error anywhere stops
// the compile before anything else is looked at, as mofcomp's first phase
// does), then compiles them into a Unit: the operations to perform, in
// source order, each with the position of its statement. Compile writes
// nothing. Unit.Apply performs the operations on a Target, the repository,
// inside the caller's transaction; it stops at the first failure, and the
// caller rolls the transaction back. So a compile is one transaction: a file
// with an error, found by Compile or by Apply, changes nothing. (mofcomp has
// no such rollback; gowmi's repository does.)
//
//	u, err := mof.Compile(os.DirFS(dir), []string{"app.mof"}, mof.Options{Schema: repo})
//	if err != nil { ... }            // nothing to undo
//	err = repo.Update(func(tx) error { return u.Apply(tx) })
//
// # Errors
//
// Every error is a *status.Error. Errors of the MOF text carry a
// WBEMMOF_E_* code (status.MOFExpectedSemi, ...); errors of the object model
// that the compiler meets while building classes and instances keep their
// WBEM_E_* code (an override that changes a type is
// WBEM_E_UPDATE_TYPE_MISMATCH). The Description begins with "file:line:col: "
// (the line and column are 1-based; columns count characters) and
// ParameterInfo is "file:line:col". The compiler stops at the first error,
// like mofcomp. Limits (file size, number of files, nesting) are
// WBEM_E_QUOTA_VIOLATION.
//
// # Language
//
// Accepted: qualifier declarations (DSP0004's "Qualifier Name : type [=
// default], Scope(...), Flavor(...);" and Microsoft's flavor-only
// "Qualifier Name : ToSubclass Amended;"); classes, associations and
// indications (as [Association] and [Indication] classes, and DSP0004 3.0's
// association and indication keywords); properties, references ("Class REF
// Name", "object ref Name"), arrays (Name[] and Name[n]), default values of
// every type, methods (with "void", parameters, parameter defaults);
// instances ("instance of Class [as $alias] { Name = value; };"); aliases of
// instances and classes, used before or after their definition; values:
// integers (decimal, 0x hexadecimal, 0 octal, 1010b binary, with a sign),
// reals (and NaN, Inf, -Inf, which cim writes for those values), strings
// (adjacent literals are joined; escapes \b \t \n \f \r \" \' \\ \xHHHH),
// char16 ('a'), TRUE, FALSE, NULL, arrays {a, b}, embedded "instance of"
// values, $alias references; comments // and /* */. Keywords are
// case-insensitive. Files may be UTF-8, UTF-16 with a byte order mark, or
// ANSI (read as Windows-1252).
//
// Pragmas: include (resolved against the directory of the including file,
// through the fs.FS; backslashes are separators; a missing file is also
// looked for case-insensitively), namespace, locale (recorded), classflags,
// instanceflags, deleteclass, deleteinstance, amendment, autorecover; the
// other DSP0004 2.x pragmas (instancelocale, source, sourcetype, nonlocal,
// nonlocaltype) are accepted and ignored. typedef, enumeration, structure
// and "value of" (DSP0004 3.0) are WBEMMOF_E_TYPEDEF_NOT_SUPPORTED or
// WBEMMOF_E_INVALID_INSTANCE_DECLARATION, as in mofcomp.
//
// # Namespaces
//
// Namespaces are written with backslashes, root\cimv2, and compared
// case-insensitively. A file starts in Options.Namespace (root\default by
// default). #pragma namespace takes `\\.\root\x` (the local server; any
// other server is WBEMMOF_E_INVALID_NAMESPACE_SPECIFICATION), `root\x` or
// `\root\x` (absolute), or a relative path such as "sub" (a child of the
// current namespace); slashes may replace backslashes (DSP0004's "root/x").
// The unit creates each namespace it uses (OpCreateNamespace before the
// first operation in it). "instance of __NAMESPACE { Name = "x"; };" creates
// the child namespace x, as it does in WMI.
//
// # Qualifiers
//
// A qualifier's type, default value, scope and default flavor come from its
// declaration: one earlier in the unit, else one in the Schema. DSP0004
// requires declarations; Microsoft's MOF has none. So, unless
// Options.RequireDeclarations is set, the compiler also knows the standard,
// optional and Microsoft qualifiers without a declaration
// (ImplicitQualifiers: Key, Abstract, Association, Indication, Description,
// In, Out, ID, Static, Dynamic, Provider, Singleton, Read, Write, Values,
// ValueMap, Units, MaxLen, Override, Deprecated, Experimental, Required,
// EmbeddedObject, EmbeddedInstance, SubType, Amendment, Implemented,
// Privileges, ...), with the types and flavors of the DMTF's
// qualifiers.mof where the DMTF declares them, and accepts any other
// qualifier, typing its value from the literal (integers sint32, or sint64
// or uint64 when they need it; reals real64) with the flavor
// cim.FlavorDefault (ToSubclass, EnableOverride).
//
// The value is converted to the declared type (WBEMMOF_E_TYPE_MISMATCH); a
// single value for an array qualifier is an array of one (Values("a")). A
// qualifier written bare ([Key]) is TRUE when it is boolean (or undeclared),
// and takes its declaration's default otherwise. The scope is checked
// against declarations of the unit and the Schema
// (WBEMMOF_E_QUALIFIER_USED_OUTSIDE_SCOPE); on a class, Scope(class) is
// always accepted, Scope(association) and Scope(indication) on an
// association or indication class. Implicit declarations do not check
// scopes (mofcomp checks none); instances are never checked. The flavor is
// the declaration's, changed by the flavors written after the value
// (": ToSubclass Amended"): Restricted clears both propagation bits,
// ToSubclass/ToInstance set one, NotToSubclass/NotToInstance clear one,
// DisableOverride/EnableOverride set or clear the override bit, Amended
// sets the amended bit; Translatable is accepted and has no bit.
// EnableOverride with DisableOverride (or a flavor with its negation) is
// WBEMMOF_E_INCOMPATIBLE_FLAVOR_TYPES, Restricted with ToSubclass or
// ToInstance WBEMMOF_E_INCOMPATIBLE_FLAVOR_TYPES2. Writing CIMTYPE is
// WBEMMOF_E_CIMTYPE_QUALIFIER.
//
// A DSP0004 parameter without In or Out is an input when the In qualifier
// is declared (in the unit or the Schema) with the default TRUE, as the
// DMTF's qualifiers.mof declares it: the compiler adds [In]. Otherwise
// Microsoft's rule holds: WBEMMOF_E_MUST_BE_IN_OR_OUT.
//
// # Types
//
// Embedded objects: Microsoft's "object Name" and "Class Name" declare
// cim.TypeObject properties (ClassRef "" and "Class"); a class named as a
// type must be the class itself or one the unit or the Schema has, else
// WBEMMOF_E_UNRECOGNIZED_TYPE. DSP0004's string properties with
// [EmbeddedObject] or [EmbeddedInstance("Class")] are compiled to
// cim.TypeObject as well (ClassRef "" or "Class"), keeping the qualifier:
// the property holds objects, so an instance can give it an "instance of"
// value, and Class.MOF writes it back as "[EmbeddedInstance("C")] C Name",
// which compiles to the same property. The class an EmbeddedInstance names
// need not exist. A reference's class ("Class REF Name") must exist like an
// embedded object's.
//
// A fixed-size array (uint8 Data[4]) is an array whose size WMI keeps as a
// qualifier: the compiler adds Max(4) (uint32, with the flavor of the Max
// declaration) unless the property has a Max qualifier; Class.MOF writes it
// back as "[Max(4)] uint8 Data[]", which compiles to the same property (the
// scope of Max, references in DSP0004, is not checked on arrays). Methods cannot return arrays
// (WBEMMOF_E_NO_ARRAYS_RETURNED).
//
// An override written "= NULL" gets cim's "__nodefault" marker: its default
// is NULL, not the inherited one.
//
// # Classes
//
// The superclass is looked up in the unit (the same namespace) and then in
// the Schema; a missing one is WBEM_E_INVALID_SUPERCLASS at the superclass
// name, the code PutClass returns to mofcomp. The class is linked with
// cim.Class.SetParent, whose errors keep their WBEM_E_* code and get the
// position of the class name. Class names beginning with "__" are reserved
// for system classes (WBEMMOF_E_INVALID_CLASS_DECLARATION unless
// Options.SystemClasses). An abstract class under a concrete one is
// WBEM_E_CANNOT_BE_ABSTRACT (WMI's rule); DSP0004 allows it and the DMTF
// schema 2.41 has one (CIM_PolicyInSystem), so
// Options.AbstractUnderConcrete compiles such a class as concrete, with a
// warning in Unit.Warnings. #pragma classflags gives the PutClass flags
// ("createonly" FlagCreateOnly, "updateonly" FlagUpdateOnly, "safeupdate"
// FlagUpdateSafeMode, "forceupdate" FlagUpdateForceMode; contradictory ones
// are WBEMMOF_E_INVALID_FLAGS_SYNTAX); #pragma deleteclass("C", FAIL|NOFAIL)
// deletes a class (NOFAIL: a missing class is not an error).
//
// # Instances
//
// The class comes from the unit or the Schema (WBEM_E_INVALID_CLASS when
// neither has it); values are converted to the property types
// (WBEMMOF_E_TYPE_MISMATCH, WBEMMOF_E_OUT_OF_RANGE), an unknown property is
// WBEM_E_NOT_FOUND, a system property WBEM_E_SYSTEM_PROPERTY. Qualifiers
// written on an instance's property values are checked and dropped
// (cim.Instance has no per-property qualifiers). An alias ($name) is a
// reference value: the path of the aliased instance (relative in the same
// namespace, full otherwise) or class. Aliases are per file given to
// Compile and may be used before their definition; they are resolved at the
// end of the file, in the order their keys need (an alias whose path
// depends on itself is WBEM_E_CIRCULAR_REFERENCE; an undefined one
// WBEMMOF_E_UNEXPECTED_ALIAS). A class default naming an alias is resolved
// then too (instances of that class compiled earlier in the file keep NULL
// for it). Embedded instances cannot have aliases
// (WBEMMOF_E_ALIASES_IN_EMBEDDED). #pragma instanceflags gives the
// PutInstance flags ("createonly", "updateonly").
//
// # Localization
//
// Amended qualifiers (": Amended") keep cim.FlavorAmended; the repository
// decides what to store. With an amendment locale (#pragma amendment
// ("MS_409") or Options.Amendment), the compiler does what mofcomp -MOF/-MFL
// and compiling both outputs do: it removes the amended qualifiers from the
// classes, and puts a localized class, [Amendment, Locale(0x409)] with
// those qualifiers, into the child namespace ms_409 (linked to the
// localized superclass when the unit or the Schema has one). #pragma locale
// is recorded in Unit.Locale.
package mof
