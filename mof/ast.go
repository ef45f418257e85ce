package mof

// The syntax tree that Parse returns. Names keep the case they are written
// with; keywords are matched case-insensitively.

// File is a parsed MOF file.
type File struct {
	Name       string
	Statements []Statement
}

// Statement is one production of a MOF file: a *Pragma, a
// *QualifierDeclaration, a *ClassDeclaration or an *InstanceDeclaration.
type Statement interface {
	Position() Pos
	statement()
}

// Pragma is a compiler directive: #pragma name(args). An include pragma
// holds the included file, parsed.
type Pragma struct {
	Pos      Pos // of the '#'
	Name     string
	NamePos  Pos
	Args     []*Literal // strings (concatenated), integers and identifiers (Kind LitIdent)
	Included *File
}

// QualifierDeclaration is "Qualifier Name : type [= default], Scope(...),
// Flavor(...);", or Microsoft's flavor-only form "Qualifier Name : Flavor
// Flavor;" (FlavorOnly).
type QualifierDeclaration struct {
	Pos        Pos // of the keyword
	Name       string
	NamePos    Pos
	Type       string // the type name as written; "" in the flavor-only form
	TypePos    Pos
	Array      bool
	ArraySize  int // a fixed size, 0 when none
	Default    *Literal
	Scopes     []Word
	Flavors    []Word
	FlavorOnly bool
}

// Word is a keyword with its position: a scope or a flavor.
type Word struct {
	Pos  Pos
	Name string
}

// Qualifier is a qualifier in a qualifier list: Name, Name(value),
// Name{values}, optionally followed by ": flavor ...".
type Qualifier struct {
	Pos     Pos
	Name    string
	Value   *Literal // nil when written bare, as in [Key]
	Flavors []Word
}

// ClassDeclaration is a class, or a DSP0004 3.0 association or indication
// declaration (Keyword "association" or "indication").
type ClassDeclaration struct {
	Pos        Pos // of the keyword
	Keyword    string
	Qualifiers []*Qualifier
	Name       string
	NamePos    Pos
	Alias      string
	AliasPos   Pos
	Superclass string
	SuperPos   Pos
	Features   []*Feature
	EndPos     Pos // of the closing brace
}

// Feature is a property, reference or method of a class, or a method
// parameter.
type Feature struct {
	Pos        Pos // of the first token (the qualifier list or the type)
	Qualifiers []*Qualifier
	Type       string // "uint32", "object", "void", or a class name
	TypePos    Pos
	Ref        bool // Type REF Name
	Name       string
	NamePos    Pos
	Array      bool
	ArraySize  int // the fixed size of Name[n]; 0 for Name[]
	ArrayPos   Pos
	Default    *Literal
	Method     bool
	Params     []*Feature
}

// InstanceDeclaration is "instance of Class [as $alias] { ... };", or an
// embedded instance used as a value.
type InstanceDeclaration struct {
	Pos        Pos // of the keyword
	Qualifiers []*Qualifier
	Class      string
	ClassPos   Pos
	Alias      string
	AliasPos   Pos
	Properties []*PropertyValue
	Embedded   bool
}

// PropertyValue is "Name = value;" in an instance.
type PropertyValue struct {
	Pos        Pos
	Qualifiers []*Qualifier
	Name       string
	Value      *Literal
}

// LiteralKind tells the kinds of Literal apart.
type LiteralKind uint8

// The kinds of literal values.
const (
	LitNull     LiteralKind = iota // null
	LitBool                        // true, false
	LitInt                         // an integer: Neg and Uint
	LitReal                        // a real: Real
	LitString                      // one or more adjacent string literals: Str
	LitChar                        // a character literal: Char
	LitArray                       // {a, b} or a qualifier's (a, b): Elems
	LitAlias                       // $name: Str
	LitInstance                    // an embedded "instance of": Instance
	LitIdent                       // an identifier (pragma arguments only): Str
)

// Literal is a value written in MOF.
type Literal struct {
	Pos      Pos
	Kind     LiteralKind
	Neg      bool   // LitInt: the value is -Uint
	Uint     uint64 // LitInt: the magnitude
	Real     float64
	Str      string
	Bool     bool
	Char     uint16
	Elems    []*Literal
	Instance *InstanceDeclaration
}

// Position returns the position of the pragma.
func (p *Pragma) Position() Pos { return p.Pos }

// Position returns the position of the declaration.
func (d *QualifierDeclaration) Position() Pos { return d.Pos }

// Position returns the position of the class keyword.
func (d *ClassDeclaration) Position() Pos { return d.Pos }

// Position returns the position of the instance keyword.
func (d *InstanceDeclaration) Position() Pos { return d.Pos }

func (*Pragma) statement()               {}
func (*QualifierDeclaration) statement() {}
func (*ClassDeclaration) statement()     {}
func (*InstanceDeclaration) statement()  {}
