package wql

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Default limits. WBEM_MAX_QUERY (wbemcli.h) is 0x4000 characters; WMI
// documents no fixed number of AND/OR terms, only that a query past an
// internal complexity budget fails with WBEM_E_QUOTA_VIOLATION.
const (
	DefaultMaxLength     = 16384 // characters (UTF-16 code units, as WMI counts them)
	DefaultMaxDepth      = 64    // nesting of parentheses and NOT
	DefaultMaxPredicates = 1024  // comparisons, ISA, LIKE and null tests in WHERE and HAVING
)

// MaxInterval is the longest WITHIN or GROUP WITHIN interval: 2^32-1
// seconds, the range of the uint32 WMI keeps grouping intervals in.
const MaxInterval = time.Duration(math.MaxUint32) * time.Second

// Parser parses queries under a set of limits. Its zero value uses the
// default limits and parses any statement; Parse and ParseLanguage use the
// zero value.
type Parser struct {
	// MaxLength is the longest query in characters (UTF-16 code units);
	// 0 means DefaultMaxLength, a negative value no limit. A longer query
	// is WBEM_E_QUOTA_VIOLATION.
	MaxLength int
	// MaxDepth is the deepest nesting of parentheses and NOT; 0 means
	// DefaultMaxDepth. Deeper is WBEM_E_QUOTA_VIOLATION.
	MaxDepth int
	// MaxPredicates is the largest number of predicates (comparisons, ISA,
	// LIKE, null tests); 0 means DefaultMaxPredicates. More is
	// WBEM_E_QUOTA_VIOLATION.
	MaxPredicates int
	// Event parses event queries, as ExecNotificationQuery and
	// __EventFilter do: the statement must be a SELECT, and it is
	// KindEvent whatever its class.
	Event bool
}

// Parse parses a WQL query with the default limits. Errors are
// *status.Error values: WBEM_E_INVALID_PARAMETER for an empty query,
// WBEM_E_INVALID_QUERY for a syntax error (its cause is a *SyntaxError with
// the offset), WBEM_E_QUOTA_VIOLATION past a limit, and
// WBEM_E_MISSING_GROUP_WITHIN or WBEM_E_MISSING_AGGREGATION_LIST for a
// malformed GROUP clause.
func Parse(query string) (Statement, error) { return Parser{}.Parse(query) }

// ParseLanguage parses a query given with its language, as ExecQuery
// receives them: an empty language or query is WBEM_E_INVALID_PARAMETER, a
// language other than "WQL" (in any case) WBEM_E_INVALID_QUERY_TYPE.
func ParseLanguage(language, query string) (Statement, error) {
	return Parser{}.ParseLanguage(language, query)
}

// ParseEvent parses an event query, as ExecNotificationQuery does: the
// result is a KindEvent *Select. It does not look the classes up; see
// ValidateEvent.
func ParseEvent(query string) (*Select, error) {
	st, err := Parser{Event: true}.Parse(query)
	if err != nil {
		return nil, err
	}
	return st.(*Select), nil
}

// ParseLanguage is the package's ParseLanguage under p's limits.
func (p Parser) ParseLanguage(language, query string) (Statement, error) {
	if language == "" || query == "" {
		return nil, status.New(status.InvalidParameter, "the query and its language must not be empty")
	}
	if !strings.EqualFold(language, "WQL") {
		return nil, status.Errorf(status.InvalidQueryType, "query language %q is not supported: only WQL is", language)
	}
	return p.Parse(query)
}

// Parse is the package's Parse under p's limits.
func (p Parser) Parse(query string) (Statement, error) {
	if query == "" {
		return nil, status.New(status.InvalidParameter, "the query is empty")
	}
	if max := p.limit(p.MaxLength, DefaultMaxLength); max > 0 && len(query) > max {
		if n := utf16Len(query); n > max {
			return nil, status.Errorf(status.QuotaViolation, "the query is %d characters long; the limit is %d", n, max)
		}
	}
	ps := &parser{
		lx:       lexer{src: query},
		maxDepth: p.limit(p.MaxDepth, DefaultMaxDepth),
		maxPreds: p.limit(p.MaxPredicates, DefaultMaxPredicates),
		event:    p.Event,
	}
	st, err := ps.parse()
	if err != nil {
		return nil, toStatus(err)
	}
	return st, nil
}

func (p Parser) limit(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// utf16Len returns the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// reserved are the words that cannot name a class or a property.
var reserved = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IS": true, "ISA": true, "LIKE": true,
	"NULL": true, "TRUE": true, "FALSE": true, "SELECT": true, "FROM": true,
	"WHERE": true, "WITHIN": true, "GROUP": true, "BY": true, "HAVING": true,
}

func isReserved(s string) bool {
	if len(s) > 6 {
		return false
	}
	return reserved[strings.ToUpper(s)]
}

// eventClasses are WMI's system event classes: a SELECT from one of them
// is an event query.
var eventClasses = map[string]bool{}

func init() {
	for _, c := range []string{
		"__Event", "__InstanceOperationEvent", "__InstanceCreationEvent", "__InstanceDeletionEvent",
		"__InstanceModificationEvent", "__MethodInvocationEvent", "__ClassOperationEvent",
		"__ClassCreationEvent", "__ClassDeletionEvent", "__ClassModificationEvent",
		"__NamespaceOperationEvent", "__NamespaceCreationEvent", "__NamespaceDeletionEvent",
		"__NamespaceModificationEvent", "__ExtrinsicEvent", "__SystemEvent", "__EventDroppedEvent",
		"__EventQueueOverflowEvent", "__QOSFailureEvent", "__ConsumerFailureEvent", "__TimerEvent",
		"__AggregateEvent",
	} {
		eventClasses[strings.ToLower(c)] = true
	}
}

// IsSystemEventClass reports whether name is one of WMI's system event
// classes (__InstanceCreationEvent, __TimerEvent, ...).
func IsSystemEventClass(name string) bool { return eventClasses[strings.ToLower(name)] }

// parser is a recursive-descent parser over the lexer, one token of
// lookahead in tok.
type parser struct {
	lx       lexer
	tok      token
	depth    int
	maxDepth int
	preds    int
	maxPreds int
	event    bool
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) unexpected(want string) error {
	return syntaxErr(p.tok.pos, "expected %s, found %s", want, p.tok.describe())
}

// expectWord consumes the keyword word.
func (p *parser) expectWord(word string) error {
	if !p.tok.is(word) {
		return p.unexpected(word)
	}
	return p.advance()
}

func (p *parser) parse() (Statement, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	start := p.tok
	var st Statement
	var err error
	switch {
	case start.is("SELECT"):
		st, err = p.parseSelect()
	case start.is("ASSOCIATORS"), start.is("REFERENCES"):
		if p.event {
			return nil, syntaxErr(start.pos, "an event query is a SELECT statement, not %s OF", strings.ToUpper(start.text))
		}
		st, err = p.parseAssoc(start.is("ASSOCIATORS"))
	default:
		return nil, p.unexpected("SELECT, ASSOCIATORS OF or REFERENCES OF")
	}
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("end of query")
	}
	return st, nil
}

// name consumes a class or property name.
func (p *parser) name(what string) (string, int, error) {
	t := p.tok
	if t.kind != tIdent || isReserved(t.text) {
		return "", 0, p.unexpected(what)
	}
	return t.text, t.pos, p.advance()
}

// prop consumes a property name, dotted or not.
func (p *parser) prop() (*Prop, error) {
	n, pos, err := p.name("a property name")
	if err != nil {
		return nil, err
	}
	pr := &Prop{Offset: pos, Path: []string{n}}
	for p.tok.kind == tDot {
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, _, err := p.name("a property name after '.'")
		if err != nil {
			return nil, err
		}
		pr.Path = append(pr.Path, n)
	}
	return pr, nil
}

func (p *parser) propList() ([]*Prop, error) {
	var ps []*Prop
	for {
		pr, err := p.prop()
		if err != nil {
			return nil, err
		}
		ps = append(ps, pr)
		if p.tok.kind != tComma {
			return ps, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

func (p *parser) parseSelect() (*Select, error) {
	s := &Select{Offset: p.tok.pos}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tStar {
		if err := p.advance(); err != nil {
			return nil, err
		}
	} else {
		if p.tok.is("FROM") {
			return nil, p.unexpected("* or a list of properties")
		}
		ps, err := p.propList()
		if err != nil {
			return nil, err
		}
		s.Properties = ps
	}
	if err := p.expectWord("FROM"); err != nil {
		return nil, err
	}
	from, pos, err := p.name("a class name")
	if err != nil {
		return nil, err
	}
	s.From, s.FromOffset = from, pos
	switch {
	case strings.EqualFold(from, "meta_class"):
		if p.event {
			return nil, syntaxErr(pos, "an event query cannot select from meta_class")
		}
		s.Kind = KindSchema
		if s.Properties != nil {
			return nil, syntaxErr(s.Properties[0].Offset, "a schema query (FROM meta_class) selects only *")
		}
	case p.event || IsSystemEventClass(from):
		s.Kind = KindEvent
	}
	if p.tok.is("WITHIN") {
		if s.Kind == KindSchema {
			return nil, syntaxErr(p.tok.pos, "a schema query has no WITHIN clause")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if s.Within, err = p.interval(); err != nil {
			return nil, err
		}
		s.Kind = KindEvent
	}
	if p.tok.is("WHERE") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if s.Where, err = p.expr(); err != nil {
			return nil, err
		}
	}
	switch {
	case p.tok.is("GROUP"):
		if s.Kind == KindSchema {
			return nil, syntaxErr(p.tok.pos, "a schema query has no GROUP clause")
		}
		groupPos := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.tok.is("WITHIN") {
			if p.tok.is("BY") || p.tok.is("HAVING") {
				return nil, codeErr(status.MissingGroupWithin, groupPos, "GROUP %s needs GROUP WITHIN first", strings.ToUpper(p.tok.text))
			}
			return nil, p.unexpected("WITHIN after GROUP")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if s.GroupWithin, err = p.interval(); err != nil {
			return nil, err
		}
		s.Kind = KindEvent
		if p.tok.is("BY") {
			byPos := p.tok.pos
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind == tEOF || p.tok.is("HAVING") {
				return nil, codeErr(status.MissingAggregationList, byPos, "BY needs a list of properties")
			}
			if s.GroupBy, err = p.propList(); err != nil {
				return nil, err
			}
		}
		if p.tok.is("HAVING") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if s.Having, err = p.expr(); err != nil {
				return nil, err
			}
			if err := checkHaving(s.Having); err != nil {
				return nil, err
			}
		}
	case p.tok.is("BY"), p.tok.is("HAVING"):
		return nil, codeErr(status.MissingGroupWithin, p.tok.pos, "%s needs GROUP WITHIN", strings.ToUpper(p.tok.text))
	case p.tok.is("WITHIN") && s.Where != nil:
		return nil, syntaxErr(p.tok.pos, "WITHIN goes before WHERE")
	}
	return s, nil
}

// interval consumes the number of seconds of a WITHIN clause.
func (p *parser) interval() (time.Duration, error) {
	t := p.tok
	if t.kind != tInt && t.kind != tReal {
		return 0, p.unexpected("a number of seconds")
	}
	if err := p.advance(); err != nil {
		return 0, err
	}
	d, ok := parseSeconds(t.text)
	if !ok {
		return 0, syntaxErr(t.pos, "interval %s is out of range: it must be more than 0 and at most %d seconds", t.text, uint32(math.MaxUint32))
	}
	return d, nil
}

// parseSeconds converts the text of a positive number of seconds to a
// duration exactly, rounding to the nanosecond.
func parseSeconds(text string) (time.Duration, bool) {
	if strings.HasPrefix(text, "-") {
		return 0, false
	}
	text = strings.TrimPrefix(text, "+")
	if strings.HasPrefix(text, "0x") || strings.HasPrefix(text, "0X") || strings.ContainsAny(text, "eE") {
		// Hexadecimal or with an exponent: through float64, exact enough.
		var f float64
		if v, ok := lexValue(text); ok {
			f, _ = v.Float()
		} else {
			return 0, false
		}
		if !(f > 0) || f > float64(MaxInterval/time.Second) {
			return 0, false
		}
		d := time.Duration(math.Round(f * 1e9))
		return d, d > 0 && d <= MaxInterval
	}
	whole, frac, _ := strings.Cut(text, ".")
	var sec int64
	for _, c := range whole {
		sec = sec*10 + int64(c-'0')
		if sec > int64(MaxInterval/time.Second) {
			return 0, false
		}
	}
	var ns int64
	for i := 0; i < 9; i++ {
		ns *= 10
		if i < len(frac) {
			ns += int64(frac[i] - '0')
		}
	}
	if len(frac) > 9 && frac[9] >= '5' {
		ns++
	}
	d := time.Duration(sec)*time.Second + time.Duration(ns)
	return d, d > 0 && d <= MaxInterval
}

// lexValue returns the value of a number's text.
func lexValue(text string) (cim.Value, bool) {
	lx := lexer{src: text}
	t, err := lx.next()
	if err != nil || lx.off != len(text) || (t.kind != tInt && t.kind != tReal) {
		return cim.Value{}, false
	}
	return t.val, true
}

// Conditions: OR of ANDs of unary terms; NOT and parentheses nest.
//
//	expr    = and { OR and }
//	and     = unary { AND unary }
//	unary   = NOT unary | '(' expr ')' | predicate

func (p *parser) expr() (Expr, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.tok.is("OR") {
		pos := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = &Binary{Offset: pos, Op: OpOr, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) and() (Expr, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.tok.is("AND") {
		pos := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		left = &Binary{Offset: pos, Op: OpAnd, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > p.maxDepth && p.maxDepth > 0 {
		return codeErr(status.QuotaViolation, pos, "the query nests deeper than %d levels", p.maxDepth)
	}
	return nil
}

func (p *parser) unary() (Expr, error) {
	switch t := p.tok; {
	case t.is("NOT"):
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &Not{Offset: t.pos, X: x}, nil
	case t.kind == tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("')'")
		}
		p.depth--
		return x, p.advance()
	}
	return p.predicate()
}

// operand is one side of a predicate: a property or a literal.
type operand struct {
	prop *Prop
	lit  *Literal
	word string // an unquoted name, kept for "__CLASS = Name" and ISA Name
}

func (p *parser) operand() (operand, error) {
	t := p.tok
	switch t.kind {
	case tString, tInt, tReal:
		return operand{lit: &Literal{Offset: t.pos, Value: t.val}}, p.advance()
	case tIdent:
		switch strings.ToUpper(t.text) {
		case "TRUE":
			return operand{lit: &Literal{Offset: t.pos, Value: cim.Boolean(true)}}, p.advance()
		case "FALSE":
			return operand{lit: &Literal{Offset: t.pos, Value: cim.Boolean(false)}}, p.advance()
		case "NULL":
			return operand{lit: &Literal{Offset: t.pos, Value: cim.Value{}}}, p.advance()
		}
		pr, err := p.prop()
		if err != nil {
			return operand{}, err
		}
		o := operand{prop: pr}
		if len(pr.Path) == 1 {
			o.word = pr.Path[0]
		}
		return o, nil
	}
	return operand{}, p.unexpected("a property or a constant")
}

// classNameProps are the system properties compared with class names; the
// name may be written without quotes (MS-WMI: __CLASS = <CLASS-NAME>).
func isClassNameProp(pr *Prop) bool {
	if len(pr.Path) != 1 {
		return false
	}
	switch strings.ToUpper(pr.Path[0]) {
	case "__CLASS", "__SUPERCLASS", "__DYNASTY":
		return true
	}
	return false
}

func (p *parser) countPredicate(pos int) error {
	p.preds++
	if p.preds > p.maxPreds && p.maxPreds > 0 {
		return codeErr(status.QuotaViolation, pos, "the query has more than %d predicates", p.maxPreds)
	}
	return nil
}

func (p *parser) predicate() (Expr, error) {
	start := p.tok.pos
	if err := p.countPredicate(start); err != nil {
		return nil, err
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.tok
	switch {
	case t.is("IS"):
		if left.prop == nil {
			return nil, syntaxErr(start, "IS tests a property, not a constant")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		not := false
		if p.tok.is("NOT") {
			not = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.tok.is("NULL") {
			return nil, syntaxErr(p.tok.pos, "IS [NOT] is only valid with NULL, found %s", p.tok.describe())
		}
		return &IsNull{Offset: start, Prop: left.prop, Not: not}, p.advance()
	case t.is("ISA"):
		if left.prop == nil {
			return nil, syntaxErr(start, "ISA tests a property, not a constant")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		class, err := p.className("a class name after ISA")
		if err != nil {
			return nil, err
		}
		return &IsA{Offset: start, Prop: left.prop, Class: class}, nil
	case t.is("NOT"), t.is("LIKE"):
		not := t.is("NOT")
		if not {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.tok.is("LIKE") {
				return nil, p.unexpected("LIKE after NOT")
			}
		}
		if left.prop == nil {
			return nil, syntaxErr(start, "LIKE tests a property, not a constant")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		pt := p.tok
		if pt.kind != tString {
			return nil, p.unexpected("a string pattern after LIKE")
		}
		if _, err := compileLike(pt.text); err != nil {
			return nil, syntaxErr(pt.pos, "%v", err)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		var x Expr = &Like{Offset: start, Prop: left.prop, Pattern: pt.text}
		if not {
			x = &Not{Offset: t.pos, X: x}
		}
		return x, nil
	}
	var op Op
	switch t.kind {
	case tEQ:
		op = OpEQ
	case tNE:
		op = OpNE
	case tLT:
		op = OpLT
	case tLE:
		op = OpLE
	case tGT:
		op = OpGT
	case tGE:
		op = OpGE
	default:
		return nil, p.unexpected("an operator (=, <>, !=, <, <=, >, >=, IS, ISA, LIKE)")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	rightPos := p.tok.pos
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	// Put the property on the left.
	if left.prop == nil {
		if right.prop == nil {
			return nil, syntaxErr(start, "a comparison needs a property on one side")
		}
		left, right = right, left
		op = op.flip()
	}
	if right.prop != nil && isClassNameProp(left.prop) && right.word != "" && !strings.HasPrefix(right.word, "__") {
		// __CLASS = Win32_Process: an unquoted class name.
		right = operand{lit: &Literal{Offset: rightPos, Value: cim.String(right.word)}}
	}
	if right.prop != nil {
		if left.prop.IsThis() || right.prop.IsThis() {
			return nil, syntaxErr(start, "__this is only valid with ISA")
		}
		return &Comparison{Offset: start, Op: op, Left: left.prop, Right: right.prop}, nil
	}
	if left.prop.IsThis() {
		return nil, syntaxErr(start, "__this is only valid with ISA")
	}
	v := right.lit.Value
	switch {
	case v.IsNull():
		switch op {
		case OpEQ:
			return &IsNull{Offset: start, Prop: left.prop}, nil
		case OpNE:
			return &IsNull{Offset: start, Prop: left.prop, Not: true}, nil
		}
		return nil, syntaxErr(right.lit.Offset, "NULL is only valid with =, <>, != and IS")
	case v.Type() == cim.TypeBoolean && op != OpEQ && op != OpNE:
		return nil, syntaxErr(right.lit.Offset, "a boolean is only valid with =, <> and !=")
	}
	return &Comparison{Offset: start, Op: op, Left: left.prop, Right: right.lit}, nil
}

// className consumes a class name, quoted or not.
func (p *parser) className(what string) (string, error) {
	t := p.tok
	switch {
	case t.kind == tString:
		if !cim.ValidName(t.text) {
			return "", syntaxErr(t.pos, "%q is not a class name", t.text)
		}
		return t.text, p.advance()
	case t.kind == tIdent && !isReserved(t.text):
		return t.text, p.advance()
	}
	return "", p.unexpected(what)
}

// checkHaving checks that a HAVING condition tests only NumberOfEvents
// against unsigned 32-bit integers.
func checkHaving(e Expr) error {
	switch x := e.(type) {
	case *Binary:
		if err := checkHaving(x.Left); err != nil {
			return err
		}
		return checkHaving(x.Right)
	case *Not:
		return checkHaving(x.X)
	case *Comparison:
		if len(x.Left.Path) != 1 || !strings.EqualFold(x.Left.Path[0], "NumberOfEvents") {
			return syntaxErr(x.Left.Offset, "HAVING may only test NumberOfEvents, not %s", x.Left.Name())
		}
		lit, ok := x.Right.(*Literal)
		if !ok {
			return syntaxErr(x.Right.Pos(), "HAVING compares NumberOfEvents with an integer")
		}
		if n, ok := lit.Value.Int(); !ok || lit.Value.Type() != cim.TypeSint64 || n < 0 || n > math.MaxUint32 {
			return syntaxErr(lit.Offset, "HAVING compares NumberOfEvents with an unsigned 32-bit integer, not %s", lit)
		}
		return nil
	}
	return syntaxErr(e.Pos(), "HAVING may only compare NumberOfEvents with an integer")
}

// ASSOCIATORS OF and REFERENCES OF.

// assocKeywords are the keywords of their WHERE clauses; the value tells
// whether the keyword takes "= name".
var assocKeywords = map[string]bool{
	"ASSOCCLASS": true, "REQUIREDASSOCQUALIFIER": true, "REQUIREDQUALIFIER": true,
	"RESULTCLASS": true, "RESULTROLE": true, "ROLE": true,
	"CLASSDEFSONLY": false, "KEYSONLY": false, "SCHEMAONLY": false,
}

func (p *parser) parseAssoc(assoc bool) (Statement, error) {
	start := p.tok.pos
	word := strings.ToUpper(p.tok.text)
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expectWord("OF"); err != nil {
		return nil, err
	}
	// The lexer stopped after '{': the path is read raw up to its '}'.
	if p.tok.kind != tLBrace {
		return nil, p.unexpected("'{' and an object path")
	}
	raw, rawPos, err := p.lx.scanPath(p.tok.pos)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(raw)
	if text == "" {
		return nil, syntaxErr(rawPos, "empty object path")
	}
	textPos := rawPos + strings.Index(raw, text)
	path, err := cim.ParsePath(text)
	if err != nil {
		off := textPos
		var se *status.Error
		if errors.As(err, &se) {
			if n, perr := strconv.Atoi(strings.TrimPrefix(se.ParameterInfo, "position ")); perr == nil && n >= 0 && n <= len(text) {
				off += n
			}
			err = errors.New(se.Description)
		}
		return nil, codeErr(status.InvalidObjectPath, off, "%s OF {%s}: %v", word, text, err)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	vals := map[string]string{}
	flags := map[string]bool{}
	pos := map[string]int{}
	if p.tok.is("WHERE") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tEOF {
			return nil, p.unexpected("a keyword after WHERE")
		}
		for p.tok.kind != tEOF {
			t := p.tok
			if t.kind != tIdent {
				return nil, p.unexpected(word + " OF keyword")
			}
			k := strings.ToUpper(t.text)
			takesValue, known := assocKeywords[k]
			if !known {
				if k == "AND" || k == "OR" {
					return nil, syntaxErr(t.pos, "%s OF keywords are separated by blanks, not %s", word, k)
				}
				return nil, syntaxErr(t.pos, "unknown %s OF keyword %q", word, t.text)
			}
			if _, dup := pos[k]; dup {
				return nil, syntaxErr(t.pos, "keyword %s given twice", t.text)
			}
			pos[k] = t.pos
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !takesValue {
				flags[k] = true
				continue
			}
			if p.tok.kind != tEQ {
				return nil, syntaxErr(p.tok.pos, "%s takes '=' and a name; '=' is the only operator in %s OF", t.text, word)
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			v := p.tok
			switch {
			case v.kind == tIdent && !assocKeywordName(v.text):
			case v.kind == tString && cim.ValidName(v.text) && !assocKeywordName(v.text):
			default:
				return nil, p.unexpected("a name after " + t.text + " =")
			}
			vals[k] = v.text
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
	}
	invalid := func(k, why string) error { return syntaxErr(pos[k], "%s", why) }
	if flags["CLASSDEFSONLY"] && vals["RESULTCLASS"] != "" {
		return nil, invalid("RESULTCLASS", "ClassDefsOnly and ResultClass cannot be used together")
	}
	if flags["CLASSDEFSONLY"] && flags["SCHEMAONLY"] {
		return nil, invalid("SCHEMAONLY", "ClassDefsOnly and SchemaOnly cannot be used together")
	}
	if assoc {
		return &Associators{
			Offset: start, PathText: text, Path: path,
			AssocClass: vals["ASSOCCLASS"], RequiredAssocQualifier: vals["REQUIREDASSOCQUALIFIER"],
			RequiredQualifier: vals["REQUIREDQUALIFIER"], ResultClass: vals["RESULTCLASS"],
			ResultRole: vals["RESULTROLE"], Role: vals["ROLE"],
			ClassDefsOnly: flags["CLASSDEFSONLY"], KeysOnly: flags["KEYSONLY"], SchemaOnly: flags["SCHEMAONLY"],
		}, nil
	}
	for _, k := range []string{"ASSOCCLASS", "REQUIREDASSOCQUALIFIER", "RESULTROLE"} {
		if _, ok := pos[k]; ok {
			return nil, invalid(k, "REFERENCES OF has no "+k+" keyword")
		}
	}
	return &References{
		Offset: start, PathText: text, Path: path,
		RequiredQualifier: vals["REQUIREDQUALIFIER"], ResultClass: vals["RESULTCLASS"], Role: vals["ROLE"],
		ClassDefsOnly: flags["CLASSDEFSONLY"], KeysOnly: flags["KEYSONLY"], SchemaOnly: flags["SCHEMAONLY"],
	}, nil
}

// assocKeywordName reports whether s is a keyword of the ASSOCIATORS OF
// WHERE clause or a logical keyword, which cannot be a value.
func assocKeywordName(s string) bool {
	u := strings.ToUpper(s)
	_, ok := assocKeywords[u]
	return ok || u == "AND" || u == "OR" || u == "NOT"
}
