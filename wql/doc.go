// Package wql is WMI's query language: a lexer and a hand-written
// recursive-descent parser for every WQL statement, a syntax tree with a
// canonical printer, an evaluator over cim objects, and the analyses the
// object manager and the event subsystem plan with.
//
// # Statements
//
// Parse returns a Statement:
//
//   - *Select: a data query (SELECT p1, p2 FROM C WHERE ...), a schema query
//     (SELECT * FROM meta_class WHERE __this ISA "C"), or an event query
//     (SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance
//     ISA "Win32_Process" GROUP WITHIN 60 BY TargetInstance.Name HAVING
//     NumberOfEvents > 3). Select.Kind tells them apart;
//   - *Associators and *References: ASSOCIATORS OF {path} and REFERENCES OF
//     {path}, with the keywords of their WHERE clause (AssocClass,
//     ClassDefsOnly, KeysOnly, RequiredAssocQualifier, RequiredQualifier,
//     ResultClass, ResultRole, Role, SchemaOnly).
//
// Conditions are *Binary (AND, OR; AND binds tighter), *Not, *Comparison
// (=, <> or !=, <, <=, >, >=; the property is put on the left, so
// "5 < Size" reads Size > 5), *IsNull (IS [NOT] NULL, and = NULL, <> NULL),
// *IsA and *Like. A property may be a dotted path into embedded objects
// (TargetInstance.Name), __this (the object itself, with ISA), or a system
// property (__CLASS ...). Literals are strings in single or double quotes
// (backslash escapes \\, \" and \' only), integers with all 64 bits (signed,
// decimal or 0x hexadecimal), reals, TRUE, FALSE and NULL.
//
// String formats a tree canonically: parsing the canonical text gives an
// equal tree. Keywords, class names and property names are
// case-insensitive; the words AND, OR, NOT, IS, ISA, LIKE, NULL, TRUE,
// FALSE, SELECT, FROM, WHERE, WITHIN, GROUP, BY and HAVING are reserved.
//
// # Errors
//
// Errors are *status.Error values with WMI's codes: WBEM_E_INVALID_PARAMETER
// for an empty query, WBEM_E_INVALID_QUERY_TYPE for a language other than
// WQL, WBEM_E_INVALID_QUERY for a syntax error (with a *SyntaxError cause
// giving the byte offset), WBEM_E_QUOTA_VIOLATION past a Parser limit,
// WBEM_E_MISSING_GROUP_WITHIN and WBEM_E_MISSING_AGGREGATION_LIST for GROUP
// clauses; Validate and ValidateEvent add WBEM_E_INVALID_OPERATOR,
// WBEM_E_PROPERTY_NOT_AN_OBJECT, WBEM_E_AGGREGATING_BY_OBJECT,
// WBEM_E_INVALID_CLASS, WBEM_E_NOT_EVENT_CLASS and
// WBEMESS_E_REGISTRATION_TOO_PRECISE.
//
// # Evaluation
//
// Compile turns a SELECT into a Query bound to a class's property positions.
// Query.Match applies WMI's comparison rules: numbers compare exactly across
// integer widths and with reals, strings case-insensitively, a string
// literal compares with a numeric or datetime property as the number or date
// it spells (DMTF, or any WQL date and time form: see ParseDate),
// references as object paths, and NULL with nothing but IS NULL.
// The logic has two values: a comparison that cannot hold is false, and NOT
// makes it true. Query.Project shapes a result as the property list asks.
//
// # Analysis
//
// Statement.Classes lists the classes a query touches; Select.PinnedKeys the
// key values its WHERE pins (so that a provider is asked for those instances
// only); Select.TargetClasses the classes an intrinsic event query watches;
// Select.Within, GroupWithin, GroupBy and Having the event clauses, and
// Query.GroupKey and Query.Having apply the last two.
package wql
