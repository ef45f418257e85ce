package cim

import (
	"errors"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

func TestFlavorValues(t *testing.T) {
	// WBEM_FLAVOR_TYPE (wbemcli.h).
	for got, want := range map[Flavor]uint32{
		FlavorToInstance: 0x1, FlavorToSubclass: 0x2, FlavorMaskPropagation: 0xF,
		FlavorNotOverridable: 0x10, FlavorOriginPropagated: 0x20, FlavorOriginSystem: 0x40,
		FlavorMaskOrigin: 0x60, FlavorAmended: 0x80,
	} {
		if uint32(got) != want {
			t.Errorf("flavor %v = %#x, want %#x", got, uint32(got), want)
		}
	}
	if FlavorDefault != FlavorToSubclass {
		t.Errorf("FlavorDefault = %v", FlavorDefault)
	}
}

func TestFlavorString(t *testing.T) {
	tests := []struct {
		f    Flavor
		want string
	}{
		{0, "Restricted"},
		{FlavorToInstance, "ToInstance"},
		{FlavorToSubclass, "ToSubclass"},
		{FlavorToInstance | FlavorToSubclass, "ToInstance, ToSubclass"},
		{FlavorToSubclass | FlavorNotOverridable, "ToSubclass, DisableOverride"},
		{FlavorNotOverridable, "Restricted, DisableOverride"},
		{FlavorToSubclass | FlavorAmended, "ToSubclass, Amended"},
		{FlavorToInstance | FlavorToSubclass | FlavorNotOverridable | FlavorAmended | FlavorOriginPropagated, "ToInstance, ToSubclass, DisableOverride, Amended"},
	}
	for _, tc := range tests {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("Flavor(%#x).String() = %q, want %q", uint32(tc.f), got, tc.want)
		}
	}
}

func TestQualifiersSetGetDelete(t *testing.T) {
	var qs Qualifiers
	if err := qs.Set(Qualifier{Name: "Key", Value: Boolean(true), Flavor: FlavorToSubclass | FlavorNotOverridable}); err != nil {
		t.Fatal(err)
	}
	if err := qs.Set(Qualifier{Name: "Description", Value: String("a disk"), Flavor: FlavorToSubclass | FlavorOriginPropagated}); err != nil {
		t.Fatal(err)
	}
	if err := qs.Set(Qualifier{Name: "Enabled", Value: Boolean(false)}); err != nil {
		t.Fatal(err)
	}
	if err := qs.Set(Qualifier{Name: "Values", Value: Strings("a", "b")}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"key", "KEY", "Key", "kEy"} {
		q, ok := qs.Get(name)
		if !ok || q.Name != "Key" || !q.Value.Equal(Boolean(true)) {
			t.Errorf("Get(%q) = %+v, %v", name, q, ok)
		}
		if !qs.Has(name) {
			t.Errorf("Has(%q) = false", name)
		}
	}
	if q, _ := qs.Get("description"); q.Flavor != FlavorToSubclass {
		t.Errorf("Set kept origin bits: flavor %#x", uint32(q.Flavor))
	}
	if qs.Has("enabled") {
		t.Error("Has reports a qualifier whose value is FALSE")
	}
	if !qs.Has("Description") || !qs.Has("values") {
		t.Error("Has of a non-boolean qualifier is false")
	}
	if qs.Has("Abstract") {
		t.Error("Has of a missing qualifier")
	}
	if got := qs.Str("DESCRIPTION"); got != "a disk" {
		t.Errorf("Str = %q", got)
	}
	if got := qs.Str("Key"); got != "" {
		t.Errorf("Str of a boolean = %q", got)
	}

	// Replacing keeps the position and the new name's case.
	if err := qs.Set(Qualifier{Name: "KEY", Value: Boolean(false)}); err != nil {
		t.Fatal(err)
	}
	if qs.Index("key") != 0 || qs[0].Name != "KEY" || qs.Has("Key") || len(qs) != 4 {
		t.Errorf("after replace: %+v", qs)
	}

	c := qs.Clone()
	if err := qs.Delete("description"); err != nil {
		t.Fatal(err)
	}
	if qs.Index("Description") >= 0 || len(qs) != 3 || qs[1].Name != "Enabled" {
		t.Errorf("after delete: %+v", qs)
	}
	if len(c) != 4 || c[1].Name != "Description" {
		t.Errorf("Delete changed the clone: %+v", c)
	}
	if err := qs.Delete("Description"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("Delete(missing) = %v, want WBEM_E_NOT_FOUND", err)
	}
	if Qualifiers(nil).Clone() != nil {
		t.Error("Clone(nil) is not nil")
	}

	local := Qualifiers{{Name: "A"}, {Name: "B", Flavor: FlavorOriginPropagated}, {Name: "C", Flavor: FlavorToInstance}}
	if got := local.Local(); len(got) != 2 || got[0].Name != "A" || got[1].Name != "C" {
		t.Errorf("Local = %+v", got)
	}
}

func TestQualifiersSetErrors(t *testing.T) {
	tests := []struct {
		q    Qualifier
		want error
	}{
		{Qualifier{Name: ""}, status.ErrInvalidParameter},
		{Qualifier{Name: "__CLASS"}, status.ErrInvalidParameter},
		{Qualifier{Name: "has space"}, status.ErrInvalidParameter},
		{Qualifier{Name: "9lives"}, status.ErrInvalidParameter},
		{Qualifier{Name: strings.Repeat("q", 256)}, status.ErrQualifierNameTooWide},
		{Qualifier{Name: "Bad", Flavor: 0x100}, status.ErrInvalidFlavor},
		{Qualifier{Name: "Ref", Value: Reference(MustParsePath("A.k=1"))}, status.ErrInvalidQualifierType},
		{Qualifier{Name: "Obj", Value: Null(TypeObject)}, status.ErrInvalidQualifierType},
		{Qualifier{Name: "Objs", Value: Null(TypeObject | TypeArray)}, status.ErrInvalidQualifierType},
	}
	for _, tc := range tests {
		var qs Qualifiers
		if err := qs.Set(tc.q); !errors.Is(err, tc.want) || len(qs) != 0 {
			t.Errorf("Set(%+v) = %v, want %v", tc.q, err, tc.want)
		}
	}
	var qs Qualifiers
	for _, ok := range []Qualifier{
		{Name: strings.Repeat("q", 255), Value: Boolean(true)},
		{Name: "MaxLen", Value: Uint32(256)},
		{Name: "Dt", Value: DateTimeValue(MustParseDateTime("19980401135809.000000+000"))},
		{Name: "Nothing", Value: Value{}},
		{Name: "ValueMap", Value: Strings("0", "1")},
		{Name: "_Vendor", Value: String("x")},
	} {
		if err := qs.Set(ok); err != nil {
			t.Errorf("Set(%s): %v", ok.Name, err)
		}
	}
}

func TestScope(t *testing.T) {
	for word, want := range map[string]Scope{
		"class": ScopeClass, "Association": ScopeAssociation, "INDICATION": ScopeIndication,
		"property": ScopeProperty, "reference": ScopeReference, "method": ScopeMethod,
		"parameter": ScopeParameter, "qualifier": ScopeQualifier, "any": ScopeAny, "Any": ScopeAny,
	} {
		got, ok := ParseScope(word)
		if !ok || got != want {
			t.Errorf("ParseScope(%q) = %v, %v", word, got, ok)
		}
	}
	for _, bad := range []string{"", "instance", "classes", "all"} {
		if _, ok := ParseScope(bad); ok {
			t.Errorf("ParseScope(%q) ok", bad)
		}
	}
	for s, want := range map[Scope]string{
		ScopeAny:                            "any",
		ScopeClass:                          "class",
		ScopeProperty | ScopeReference:      "property, reference",
		ScopeClass | ScopeAssociation:       "class, association",
		ScopeMethod | ScopeParameter:        "method, parameter",
		0:                                   "",
		ScopeAny &^ ScopeQualifier:          "class, association, indication, property, reference, method, parameter",
		ScopeIndication | ScopeQualifier:    "indication, qualifier",
		ScopeAssociation | ScopeIndication:  "association, indication",
		ScopeProperty | ScopeMethod:         "property, method",
		ScopeReference | ScopeParameter:     "reference, parameter",
		ScopeClass | ScopeProperty | 0x8000: "class, property",
	} {
		if got := s.String(); got != want {
			t.Errorf("Scope(%#x).String() = %q, want %q", uint16(s), got, want)
		}
		// Every scope's words parse back to it.
		var back Scope
		for _, w := range strings.Split(s.String(), ", ") {
			if w == "" {
				continue
			}
			p, ok := ParseScope(w)
			if !ok {
				t.Errorf("ParseScope(%q) failed", w)
			}
			back |= p
		}
		if back != s&ScopeAny {
			t.Errorf("scope %#x does not round-trip: %#x", uint16(s), uint16(back))
		}
	}
}

func TestQualifierDeclValidate(t *testing.T) {
	ok := []QualifierDecl{
		{Name: "Key", Type: TypeBoolean, Default: Boolean(false), Scope: ScopeProperty | ScopeReference, Flavor: FlavorToSubclass | FlavorNotOverridable},
		{Name: "MaxLen", Type: TypeUint32, Scope: ScopeProperty},
		{Name: "Values", Type: TypeString | TypeArray, Scope: ScopeAny, Flavor: FlavorToSubclass | FlavorAmended},
		{Name: "Override", Type: TypeString, Default: Null(TypeString), Scope: ScopeProperty},
	}
	for _, d := range ok {
		if err := d.Validate(); err != nil {
			t.Errorf("Validate(%s): %v", d.Name, err)
		}
	}
	d := QualifierDecl{Name: "MaxValue", Type: TypeSint64, Default: String("0x10")}
	if err := d.Validate(); err != nil || !d.Default.Equal(Sint64(16)) {
		t.Errorf("Validate converted the default to %#v, %v", d.Default, err)
	}
	d = QualifierDecl{Name: "Counter", Type: TypeBoolean}
	if err := d.Validate(); err != nil || !d.Default.IsNull() || d.Default.Type() != TypeBoolean {
		t.Errorf("no default: %#v, %v", d.Default, err)
	}
	bad := []struct {
		d    QualifierDecl
		want error
	}{
		{QualifierDecl{Name: "", Type: TypeBoolean}, status.ErrInvalidParameter},
		{QualifierDecl{Name: "__X", Type: TypeBoolean}, status.ErrInvalidParameter},
		{QualifierDecl{Name: strings.Repeat("x", 300), Type: TypeBoolean}, status.ErrQualifierNameTooWide},
		{QualifierDecl{Name: "R", Type: TypeReference}, status.ErrInvalidQualifierType},
		{QualifierDecl{Name: "O", Type: TypeObject}, status.ErrInvalidQualifierType},
		{QualifierDecl{Name: "E", Type: TypeEmpty}, status.ErrInvalidQualifierType},
		{QualifierDecl{Name: "I", Type: TypeIllegal}, status.ErrInvalidQualifierType},
		{QualifierDecl{Name: "M", Type: TypeUint8, Default: Sint32(300)}, status.ErrTypeMismatch},
		{QualifierDecl{Name: "B", Type: TypeBoolean, Default: String("true")}, status.ErrTypeMismatch},
		{QualifierDecl{Name: "F", Type: TypeBoolean, Flavor: FlavorOriginPropagated}, status.ErrInvalidFlavor},
	}
	for _, tc := range bad {
		if err := tc.d.Validate(); !errors.Is(err, tc.want) {
			t.Errorf("Validate(%+v) = %v, want %v", tc.d, err, tc.want)
		}
	}
}

// qualifierClasses builds Gowmi_Base with a qualifier of every propagation,
// on the class and on a property, and Gowmi_Derived under it.
func qualifierClasses(t *testing.T) (base, derived *Class) {
	t.Helper()
	quals := func() Qualifiers {
		return Qualifiers{
			{Name: "Restricted", Value: String("r")},
			{Name: "Sub", Value: String("s"), Flavor: FlavorToSubclass},
			{Name: "Inst", Value: String("i"), Flavor: FlavorToInstance},
			{Name: "Both", Value: String("b"), Flavor: FlavorToInstance | FlavorToSubclass},
			{Name: "Fixed", Value: String("f"), Flavor: FlavorToInstance | FlavorToSubclass | FlavorNotOverridable},
			{Name: "Text", Value: String("t"), Flavor: FlavorToSubclass | FlavorAmended},
		}
	}
	base = NewClass("Gowmi_Base", nil)
	base.Qualifiers = quals()
	base.Properties = []*Property{{Name: "Name", Type: TypeString, Qualifiers: append(quals(), Qualifier{Name: "Key", Value: Boolean(true), Flavor: FlavorToSubclass | FlavorNotOverridable})}}
	derived = NewClass("Gowmi_Derived", base)
	if err := derived.Validate(); err != nil {
		t.Fatal(err)
	}
	return base, derived
}

func names(qs Qualifiers) string {
	var b []string
	for _, q := range qs {
		s := q.Name
		if q.Flavor&FlavorOriginPropagated != 0 {
			s += "*"
		}
		b = append(b, s)
	}
	return strings.Join(b, " ")
}

func TestQualifierPropagation(t *testing.T) {
	base, derived := qualifierClasses(t)

	// The class's own view: every qualifier, local.
	if got := names(base.AllQualifiers()); got != "Restricted Sub Inst Both Fixed Text" {
		t.Errorf("base qualifiers %q", got)
	}
	if got := names(base.ObjectQualifiers()); got != "Restricted Sub Inst Both Fixed Text" {
		t.Errorf("base ObjectQualifiers %q", got)
	}
	// A subclass gets the ToSubclass ones, marked propagated.
	if got := names(derived.AllQualifiers()); got != "Sub* Both* Fixed* Text*" {
		t.Errorf("derived qualifiers %q", got)
	}
	if q, _ := derived.AllQualifiers().Get("Text"); q.Flavor != FlavorToSubclass|FlavorAmended|FlavorOriginPropagated {
		t.Errorf("amended flavor lost: %#x", uint32(q.Flavor))
	}
	if got := names(derived.Property("name").Qualifiers); got != "Sub* Both* Fixed* Text* Key*" {
		t.Errorf("derived property qualifiers %q", got)
	}
	if !derived.Property("Name").IsKey() {
		t.Error("the key did not pass to the subclass")
	}
	// The base class's own property keeps its qualifiers local.
	if got := names(base.Property("Name").Qualifiers); got != "Restricted Sub Inst Both Fixed Text Key" {
		t.Errorf("base property qualifiers %q", got)
	}

	// An instance gets the ToInstance ones.
	bi := base.MustSpawn()
	if got := names(bi.ObjectQualifiers()); got != "Inst* Both* Fixed*" {
		t.Errorf("base instance qualifiers %q", got)
	}
	pq, err := bi.PropertyQualifiers("NAME")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(pq); got != "Inst* Both* Fixed*" {
		t.Errorf("base instance property qualifiers %q", got)
	}
	// An instance of the subclass: only what passes both steps.
	di := derived.MustSpawn()
	if got := names(di.ObjectQualifiers()); got != "Both* Fixed*" {
		t.Errorf("derived instance qualifiers %q", got)
	}
	if pq, _ := di.PropertyQualifiers("name"); names(pq) != "Both* Fixed*" {
		t.Errorf("derived instance property qualifiers %q", names(pq))
	}
	if _, err := di.PropertyQualifiers("Nope"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("PropertyQualifiers(unknown) = %v", err)
	}
	if _, err := di.PropertyQualifiers("__PATH"); !errors.Is(err, status.ErrSystemProperty) {
		t.Errorf("PropertyQualifiers(__PATH) = %v", err)
	}

	// Instance qualifiers of its own come after the propagated ones and
	// override them.
	if err := di.SetQualifier(Qualifier{Name: "both", Value: String("mine"), Flavor: FlavorToInstance}); err != nil {
		t.Fatal(err)
	}
	if err := di.SetQualifier(Qualifier{Name: "Extra", Value: Sint32(1)}); err != nil {
		t.Fatal(err)
	}
	if got := names(di.ObjectQualifiers()); got != "both Fixed* Extra" {
		t.Errorf("instance with own qualifiers %q", got)
	}
	if err := di.SetQualifier(Qualifier{Name: "Fixed", Value: String("other")}); !errors.Is(err, status.ErrOverrideNotAllowed) {
		t.Errorf("instance overriding a DisableOverride qualifier: %v", err)
	}
	if err := di.SetQualifier(Qualifier{Name: "Fixed", Value: String("f")}); err != nil {
		t.Errorf("instance restating a DisableOverride qualifier: %v", err)
	}
	// One set behind SetQualifier's back is ignored in the view.
	di.Qualifiers[di.Qualifiers.Index("fixed")].Value = String("sneaky")
	if q, _ := di.ObjectQualifiers().Get("Fixed"); !q.Value.Equal(String("f")) {
		t.Errorf("overridden DisableOverride qualifier: %+v", q)
	}
	if err := di.DeleteQualifier("extra"); err != nil {
		t.Error(err)
	}
	if err := di.DeleteQualifier("Both"); err != nil {
		t.Error(err)
	}
	if err := di.DeleteQualifier("Both"); !errors.Is(err, status.ErrPropagatedQualifier) {
		t.Errorf("deleting a propagated instance qualifier: %v", err)
	}
	if err := di.DeleteQualifier("Restricted"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("deleting a qualifier the instance does not have: %v", err)
	}
}

func TestQualifierOverride(t *testing.T) {
	base, _ := qualifierClasses(t)

	// A subclass overrides overridable qualifiers, locally.
	d := NewClass("Gowmi_Derived", base)
	d.Qualifiers = Qualifiers{{Name: "Sub", Value: String("mine"), Flavor: FlavorToSubclass}, {Name: "Restricted", Value: String("again")}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := names(d.AllQualifiers()); got != "Sub Both* Fixed* Text* Restricted" {
		t.Errorf("overridden qualifiers %q", got)
	}
	if q, _ := d.AllQualifiers().Get("sub"); !q.Value.Equal(String("mine")) {
		t.Errorf("override value %v", q.Value)
	}
	// ... and its own subclass sees the override.
	dd := NewClass("Gowmi_Derived2", d)
	if q, _ := dd.AllQualifiers().Get("sub"); !q.Value.Equal(String("mine")) || q.Flavor&FlavorOriginPropagated == 0 {
		t.Errorf("grandchild sees %+v", q)
	}

	// DisableOverride: the same value may be restated, another is refused.
	d.Qualifiers = Qualifiers{{Name: "FIXED", Value: String("f"), Flavor: FlavorToSubclass | FlavorNotOverridable}}
	d.Changed()
	if err := d.Validate(); err != nil {
		t.Errorf("restating a DisableOverride qualifier: %v", err)
	}
	d.Qualifiers = Qualifiers{{Name: "Fixed", Value: String("other")}}
	d.Changed()
	if err := d.Validate(); !errors.Is(err, status.ErrOverrideNotAllowed) {
		t.Errorf("overriding a DisableOverride class qualifier: %v", err)
	}
	if _, err := d.SpawnInstance(); !errors.Is(err, status.ErrIncompleteClass) || !errors.Is(err, status.ErrOverrideNotAllowed) {
		t.Errorf("SpawnInstance of the invalid class: %v", err)
	}
	d.Qualifiers = nil
	d.Properties = []*Property{{Name: "Name", Type: TypeString, Qualifiers: Qualifiers{{Name: "Fixed", Value: String("other")}}}}
	d.Changed()
	if err := d.Validate(); !errors.Is(err, status.ErrOverrideNotAllowed) {
		t.Errorf("overriding a DisableOverride property qualifier: %v", err)
	}

	// SetQualifier refuses the override and leaves the class valid.
	d = NewClass("Gowmi_Derived", base)
	if err := d.SetQualifier(Qualifier{Name: "Fixed", Value: String("other")}); !errors.Is(err, status.ErrOverrideNotAllowed) {
		t.Errorf("SetQualifier override: %v", err)
	}
	if err := d.Validate(); err != nil || len(d.Qualifiers) != 0 {
		t.Errorf("after a refused SetQualifier: %v, %+v", err, d.Qualifiers)
	}
	if err := d.SetQualifier(Qualifier{Name: "Description", Value: String("d")}); err != nil {
		t.Error(err)
	}
	if !d.AllQualifiers().Has("description") {
		t.Error("SetQualifier did not reach the inherited view")
	}
	if err := d.SetQualifier(Qualifier{Name: "__bad"}); !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("SetQualifier(__bad) = %v", err)
	}
	if err := d.DeleteQualifier("Sub"); !errors.Is(err, status.ErrPropagatedQualifier) {
		t.Errorf("deleting an inherited class qualifier: %v", err)
	}
	if err := d.DeleteQualifier("restricted"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("deleting a qualifier that did not propagate: %v", err)
	}
	if err := d.DeleteQualifier("DESCRIPTION"); err != nil || d.AllQualifiers().Has("Description") {
		t.Errorf("DeleteQualifier: %v", err)
	}
}
