package mof

import (
	"slices"
	"strings"

	"github.com/gowmi/gowmi/cim"
)

// The implicit qualifier declarations: the standard and optional qualifiers
// of DSP0004 (with the types, scopes and flavors of the DMTF's
// qualifiers.mof and qualifiers_optional.mof) and Microsoft's qualifiers
// (with the types WMI gives them). They let Microsoft-style MOF, which
// declares no qualifiers, compile with the right value types and flavors.
// A declaration in the unit or in the Schema takes precedence.
//
// Implicit declarations give the type and the default flavor of a
// qualifier; the scope is checked only against real declarations, as
// mofcomp checks none.

const (
	fDO = cim.FlavorNotOverridable
	fTS = cim.FlavorToSubclass
	fTI = cim.FlavorToInstance
	fR  = cim.Flavor(0) // Restricted, EnableOverride
)

type implicitDecl struct {
	name   string
	typ    cim.Type
	flavor cim.Flavor
	def    cim.Value
}

var (
	tBool    = cim.TypeBoolean
	tStr     = cim.TypeString
	tStrs    = cim.TypeString | cim.TypeArray
	tUint32  = cim.TypeUint32
	tSint32  = cim.TypeSint32
	tSint64  = cim.TypeSint64
	boolF    = cim.Boolean(false)
	boolT    = cim.Boolean(true)
	implicit = func() map[string]cim.QualifierDecl {
		list := []implicitDecl{
			// DSP0004 meta and standard qualifiers.
			{"Association", tBool, fDO | fTS, boolF},
			{"Indication", tBool, fDO | fTS, boolF},
			{"Abstract", tBool, fR, boolF},
			{"Aggregate", tBool, fDO | fTS, boolF},
			{"Aggregation", tBool, fDO | fTS, boolF},
			{"ArrayType", tStr, fDO | fTS, cim.String("Bag")},
			{"BitMap", tStrs, fTS, cim.Value{}},
			{"BitValues", tStrs, fTS, cim.Value{}},
			{"ClassConstraint", tStrs, fTS, cim.Value{}},
			{"Composition", tBool, fDO | fTS, boolF},
			{"Correlatable", tStrs, fTS, cim.Value{}},
			{"Counter", tBool, fTS, boolF},
			{"Deprecated", tStrs, fR, cim.Value{}},
			{"Description", tStr, fTS, cim.Value{}},
			{"DisplayName", tStr, fTS, cim.Value{}},
			{"DN", tBool, fDO | fTS, boolF},
			{"EmbeddedInstance", tStr, fTS, cim.Value{}},
			{"EmbeddedObject", tBool, fDO | fTS, boolF},
			{"Exception", tBool, fDO | fTS, boolF},
			{"Experimental", tBool, fR, boolF},
			{"Gauge", tBool, fTS, boolF},
			{"In", tBool, fDO | fTS, boolT},
			{"IsPUnit", tBool, fTS, boolF},
			{"Key", tBool, fDO | fTS, boolF},
			{"MappingStrings", tStrs, fTS, cim.Value{}},
			{"Max", tUint32, fTS, cim.Value{}},
			{"MaxLen", tUint32, fTS, cim.Value{}},
			{"MaxValue", tSint64, fTS, cim.Value{}},
			{"MethodConstraint", tStrs, fTS, cim.Value{}},
			{"Min", tUint32, fTS, cim.Uint32(0)},
			{"MinLen", tUint32, fTS, cim.Uint32(0)},
			{"MinValue", tSint64, fTS, cim.Value{}},
			{"ModelCorrespondence", tStrs, fTS, cim.Value{}},
			{"NullValue", tStr, fDO | fTS, cim.Value{}},
			{"Octetstring", tBool, fDO | fTS, boolF},
			{"Out", tBool, fDO | fTS, boolF},
			{"Override", tStr, fR, cim.Value{}},
			{"Propagated", tStr, fDO | fTS, cim.Value{}},
			{"PropertyConstraint", tStrs, fTS, cim.Value{}},
			{"PUnit", tStr, fTS, cim.Value{}},
			{"Read", tBool, fTS, boolT},
			{"Reference", tStr, fTS, cim.Value{}},
			{"Required", tBool, fDO | fTS, boolF},
			{"Revision", tStr, fTS, cim.Value{}},
			{"Schema", tStr, fDO | fTS, cim.Value{}},
			{"Static", tBool, fDO | fTS, boolF},
			{"Structure", tBool, fDO | fTS, boolF},
			{"Terminal", tBool, fTS, boolF},
			{"UMLPackagePath", tStr, fTS, cim.Value{}},
			{"Units", tStr, fTS, cim.Value{}},
			{"ValueMap", tStrs, fTS, cim.Value{}},
			{"Values", tStrs, fTS, cim.Value{}},
			{"Version", tStr, fR, cim.Value{}},
			{"Weak", tBool, fDO | fTS, boolF},
			{"Write", tBool, fTS, boolF},
			{"XMLNamespaceName", tStr, fTS, cim.Value{}},
			// DSP0004 optional qualifiers.
			{"Alias", tStr, fTS, cim.Value{}},
			{"Delete", tBool, fTS, boolF},
			{"DisplayDescription", tStr, fTS, cim.Value{}},
			{"Expensive", tBool, fTS, boolF},
			{"Ifdeleted", tBool, fTS, boolF},
			{"Invisible", tBool, fTS, boolF},
			{"Large", tBool, fTS, boolF},
			{"PropertyUsage", tStr, fTS, cim.String("CurrentContext")},
			{"Provider", tStr, fTS | fTI, cim.Value{}},
			{"SyntaxType", tStr, fTS, cim.Value{}},
			{"Syntax", tStr, fTS, cim.Value{}},
			{"TriggerType", tStr, fTS, cim.Value{}},
			{"UnknownValues", tStrs, fDO | fTS, cim.Value{}},
			{"UnsupportedValues", tStrs, fDO | fTS, cim.Value{}},
			// DSP0004 2.x pragmas' qualifiers.
			{"Nonlocal", tStr, fTS, cim.Value{}},
			{"NonlocalType", tStr, fTS, cim.Value{}},
			{"Source", tStr, fTS, cim.Value{}},
			{"SourceType", tStr, fTS, cim.Value{}},
			{"UUID", tStr, fTS, cim.Value{}},
			// Microsoft's qualifiers.
			{"Amendment", tBool, fTS, boolF},
			{"CIM_Key", tBool, fTS, boolF},
			{"ClassContext", tStr, fTS, cim.Value{}},
			{"Constructor", tBool, fTS, boolF},
			{"Destructor", tBool, fTS, boolF},
			{"Dynamic", tBool, fTS | fTI, boolF},
			{"DynProps", tBool, fTS, boolF},
			{"ID", tSint32, fTI | fDO, cim.Value{}},
			{"Implemented", tBool, fTS, boolF},
			{"InstanceContext", tStr, fTS, cim.Value{}},
			{"Lazy", tBool, fTS, boolF},
			{"Locale", tSint32, fTS, cim.Value{}},
			{"NotNull", tBool, fTS, boolF},
			{"Optional", tBool, fTS, boolF},
			{"Privileges", tStrs, fTS, cim.Value{}},
			{"PropertyContext", tStr, fTS, cim.Value{}},
			{"Singleton", tBool, fTS, boolF},
			{"SubType", tStr, fTS, cim.Value{}},
			{"WritePrivileges", tStrs, fTS, cim.Value{}},
		}
		m := make(map[string]cim.QualifierDecl, len(list))
		for _, d := range list {
			def := d.def
			if def.Type() == cim.TypeEmpty {
				def = cim.Null(d.typ)
			}
			m[strings.ToLower(d.name)] = cim.QualifierDecl{Name: d.name, Type: d.typ, Default: def, Scope: cim.ScopeAny, Flavor: d.flavor}
		}
		return m
	}()
)

// ImplicitQualifiers returns the qualifier declarations the compiler knows
// without a declaration: DSP0004's standard and optional qualifiers and
// Microsoft's. Their scope is ScopeAny: the compiler checks scopes only
// against declarations in the unit or the Schema.
func ImplicitQualifiers() []cim.QualifierDecl {
	out := make([]cim.QualifierDecl, 0, len(implicit))
	for _, d := range implicit {
		out = append(out, d)
	}
	sortDecls(out)
	return out
}

func sortDecls(ds []cim.QualifierDecl) {
	slices.SortFunc(ds, func(a, b cim.QualifierDecl) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
}
