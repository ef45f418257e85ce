package wql

import (
	"strings"
	"time"

	"github.com/gowmi/gowmi/cim"
)

// Node is a node of the syntax tree. Every node prints itself in canonical
// WQL with String; parsing that text gives an equal tree (offsets aside).
type Node interface {
	// Pos returns the byte offset in the query where the node starts.
	Pos() int
	// String returns the node in canonical WQL.
	String() string
	format(b *strings.Builder)
}

// Statement is a parsed query: a *Select, an *Associators or a *References.
type Statement interface {
	Node
	// Classes returns the classes the statement names, without duplicates
	// (compared case-insensitively), in order of appearance: the FROM class
	// and the classes of ISA tests for a SELECT; the class of the source
	// path, AssocClass and ResultClass for ASSOCIATORS and REFERENCES OF.
	Classes() []string
	statementNode()
}

// Expr is a condition of a WHERE or HAVING clause: a *Binary (AND, OR), a
// *Not, a *Comparison, an *IsNull, an *IsA or a *Like.
type Expr interface {
	Node
	exprNode()
}

// Operand is the right side of a comparison: a *Literal or a *Prop.
type Operand interface {
	Node
	operandNode()
}

// Kind tells the three kinds of SELECT apart.
type Kind uint8

// The kinds of SELECT statements.
const (
	// KindData is a data query: SELECT over the instances of a class.
	KindData Kind = iota
	// KindSchema is a schema query: SELECT * FROM meta_class.
	KindSchema
	// KindEvent is an event query: the statement has WITHIN or GROUP, its
	// class is one of WMI's system event classes, or it was parsed with
	// Parser.Event (ExecNotificationQuery, __EventFilter).
	KindEvent
)

func (k Kind) String() string {
	switch k {
	case KindData:
		return "data"
	case KindSchema:
		return "schema"
	case KindEvent:
		return "event"
	}
	return "kind?"
}

// Select is a SELECT statement: a data, schema or event query.
type Select struct {
	Offset int
	Kind   Kind
	// Properties lists the selected properties; nil means *.
	Properties []*Prop
	From       string // the class in FROM
	FromOffset int
	// Within is the polling interval of an event query (WITHIN); 0 when
	// there is none.
	Within time.Duration
	Where  Expr // nil without WHERE
	// GroupWithin is the grouping interval (GROUP WITHIN); 0 when there is
	// no GROUP clause.
	GroupWithin time.Duration
	GroupBy     []*Prop // the BY list; nil without BY
	// Having tests NumberOfEvents of the aggregate event; nil without
	// HAVING. Its comparisons all have the property NumberOfEvents and an
	// integer literal.
	Having Expr
}

// Associators is an ASSOCIATORS OF statement.
type Associators struct {
	Offset   int
	PathText string   // the object path between the braces, as written
	Path     cim.Path // PathText parsed
	// The values of the keywords of the WHERE clause; "" when absent.
	AssocClass             string
	RequiredAssocQualifier string
	RequiredQualifier      string
	ResultClass            string
	ResultRole             string
	Role                   string
	// The flag keywords of the WHERE clause.
	ClassDefsOnly bool
	KeysOnly      bool
	SchemaOnly    bool
}

// References is a REFERENCES OF statement.
type References struct {
	Offset   int
	PathText string   // the object path between the braces, as written
	Path     cim.Path // PathText parsed
	// The values of the keywords of the WHERE clause; "" when absent.
	RequiredQualifier string
	ResultClass       string
	Role              string
	// The flag keywords of the WHERE clause.
	ClassDefsOnly bool
	KeysOnly      bool
	SchemaOnly    bool
}

// Op is a comparison or logical operator.
type Op uint8

// The operators. OpNE is written <> or != in queries and prints as <>.
const (
	OpEQ Op = iota + 1
	OpNE
	OpLT
	OpLE
	OpGT
	OpGE
	OpAnd
	OpOr
)

var opText = [...]string{OpEQ: "=", OpNE: "<>", OpLT: "<", OpLE: "<=", OpGT: ">", OpGE: ">=", OpAnd: "AND", OpOr: "OR"}

func (o Op) String() string {
	if int(o) < len(opText) && opText[o] != "" {
		return opText[o]
	}
	return "op?"
}

// flip returns the operator for the operands swapped: a < b is b > a.
func (o Op) flip() Op {
	switch o {
	case OpLT:
		return OpGT
	case OpLE:
		return OpGE
	case OpGT:
		return OpLT
	case OpGE:
		return OpLE
	}
	return o
}

// Binary is a AND or OR of two conditions. AND binds tighter than OR; a
// chain of one operator is left-associative.
type Binary struct {
	Offset int
	Op     Op // OpAnd or OpOr
	Left   Expr
	Right  Expr
}

// Not negates a condition. WQL's logic has two values: a comparison with a
// NULL property is false, so NOT of it is true.
type Not struct {
	Offset int
	X      Expr
}

// Comparison compares a property with a literal or another property. The
// parser puts the property on the left: "5 < Size" becomes Size > 5. A
// comparison with NULL is an IsNull instead.
type Comparison struct {
	Offset int
	Op     Op // OpEQ ... OpGE
	Left   *Prop
	Right  Operand
}

// IsNull is "Prop IS NULL" or "Prop IS NOT NULL" ("Prop = NULL" and
// "Prop <> NULL" parse to it too).
type IsNull struct {
	Offset int
	Prop   *Prop
	Not    bool
}

// IsA is "Prop ISA 'Class'": the embedded object in Prop (or the object
// itself for __this) is an instance of Class or of a subclass.
type IsA struct {
	Offset int
	Prop   *Prop
	Class  string
}

// Like is "Prop LIKE 'pattern'". "Prop NOT LIKE p" parses to
// Not{Like{...}}.
type Like struct {
	Offset  int
	Prop    *Prop
	Pattern string
}

// Prop names a property: "Name", "__CLASS", "__this", or a dotted path into
// embedded objects such as "TargetInstance.Name".
type Prop struct {
	Offset int
	Path   []string // one or more names
}

// Literal is a constant: its Value is a string, a sint64 or uint64 integer
// (uint64 only above the sint64 range), a real64, a boolean, or NULL (an
// untyped NULL value).
type Literal struct {
	Offset int
	Value  cim.Value
}

// Name returns the property path joined with dots.
func (p *Prop) Name() string { return strings.Join(p.Path, ".") }

// IsThis reports whether the property is __this, the object itself.
func (p *Prop) IsThis() bool { return len(p.Path) == 1 && strings.EqualFold(p.Path[0], "__this") }

// Root returns the first name of the path: the property of the object that
// holds the value or the embedded object.
func (p *Prop) Root() string { return p.Path[0] }

func (s *Select) Pos() int      { return s.Offset }
func (a *Associators) Pos() int { return a.Offset }
func (r *References) Pos() int  { return r.Offset }
func (x *Binary) Pos() int      { return x.Offset }
func (x *Not) Pos() int         { return x.Offset }
func (x *Comparison) Pos() int  { return x.Offset }
func (x *IsNull) Pos() int      { return x.Offset }
func (x *IsA) Pos() int         { return x.Offset }
func (x *Like) Pos() int        { return x.Offset }
func (p *Prop) Pos() int        { return p.Offset }
func (l *Literal) Pos() int     { return l.Offset }

func (*Select) statementNode()      {}
func (*Associators) statementNode() {}
func (*References) statementNode()  {}
func (*Binary) exprNode()           {}
func (*Not) exprNode()              {}
func (*Comparison) exprNode()       {}
func (*IsNull) exprNode()           {}
func (*IsA) exprNode()              {}
func (*Like) exprNode()             {}
func (*Prop) operandNode()          {}
func (*Literal) operandNode()       {}
