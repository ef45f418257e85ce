package schema

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The test reads the MOF files with a small scanner, not a MOF parser: it
// strips comments, finds class declarations with a regular expression and
// splits class bodies into member declarations at top-level semicolons. That
// is enough for the plain declarations these files use.

type member struct {
	quals  string // the text inside a leading qualifier list, or ""
	typ    string // "uint32", "uint8[]", "object", "__ACE[]", "__EventConsumer ref"
	name   string
	method bool
	params []member
}

type class struct {
	file    string
	quals   string
	name    string
	super   string
	members []member
}

var builtinTypes = map[string]bool{
	"sint8": true, "uint8": true, "sint16": true, "uint16": true,
	"sint32": true, "uint32": true, "sint64": true, "uint64": true,
	"real32": true, "real64": true, "boolean": true, "string": true,
	"datetime": true, "char16": true, "object": true,
}

// stripComments removes // and /* */ comments outside string literals.
func stripComments(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				j = len(src) - 1
			}
			b.WriteString(src[i : j+1])
			i = j
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += 2 + end + 1
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// split cuts s at each sep that is outside (), [], {} and string literals.
func split(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == sep && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// closing returns the index of the bracket that closes the one at s[open].
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// parseDecl reads "[quals] type [ref] name[[]] [= value]".
func parseDecl(t *testing.T, where, s string) member {
	t.Helper()
	var m member
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		end := closing(s, 0)
		if end < 0 {
			t.Fatalf("%s: unclosed qualifier list in %q", where, s)
		}
		m.quals = s[1:end]
		s = strings.TrimSpace(s[end+1:])
	}
	if eq := split(s, '='); len(eq) > 1 {
		s = strings.TrimSpace(eq[0])
	}
	f := strings.Fields(s)
	switch {
	case len(f) == 3 && f[1] == "ref":
		m.typ, m.name = f[0]+" ref", f[2]
	case len(f) == 2:
		m.typ, m.name = f[0], f[1]
		if n, ok := strings.CutSuffix(m.name, "[]"); ok {
			m.name, m.typ = n, m.typ+"[]"
		}
	default:
		t.Fatalf("%s: cannot read declaration %q", where, s)
	}
	return m
}

var classRE = regexp.MustCompile(`(?:\[([^\]]*)\]\s*)?\bclass\s+(\w+)\s*(?::\s*(\w+))?\s*\{`)

// scan returns the classes of one file in declaration order.
func scan(t *testing.T, file string) []class {
	t.Helper()
	data, err := Files.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	src := stripComments(string(data))
	var classes []class
	for _, loc := range classRE.FindAllStringSubmatchIndex(src, -1) {
		c := class{file: file, name: src[loc[4]:loc[5]]}
		if loc[2] >= 0 {
			c.quals = src[loc[2]:loc[3]]
		}
		if loc[6] >= 0 {
			c.super = src[loc[6]:loc[7]]
		}
		open := loc[1] - 1
		end := closing(src, open)
		if end < 0 {
			t.Fatalf("%s: class %s: unclosed body", file, c.name)
		}
		if rest := strings.TrimSpace(src[end+1:]); !strings.HasPrefix(rest, ";") {
			t.Errorf("%s: class %s: body not followed by ';'", file, c.name)
		}
		where := file + ": " + c.name
		for _, d := range split(src[open+1:end], ';') {
			if strings.TrimSpace(d) == "" {
				continue
			}
			if p := methodParen(d); p >= 0 {
				m := parseDecl(t, where, d[:p])
				m.method = true
				pend := closing(d, p)
				if pend < 0 {
					t.Fatalf("%s: unclosed parameter list in %q", where, d)
				}
				for _, ps := range split(d[p+1:pend], ',') {
					if strings.TrimSpace(ps) != "" {
						m.params = append(m.params, parseDecl(t, where+"."+m.name, ps))
					}
				}
				c.members = append(c.members, m)
				continue
			}
			c.members = append(c.members, parseDecl(t, where, d))
		}
		classes = append(classes, c)
	}
	return classes
}

// isMethod reports whether a member declaration has a parameter list after
// its qualifier list.
func isMethod(d string) bool { return methodParen(d) >= 0 }

// methodParen returns the index of the parameter list's '(' in a member
// declaration, skipping a leading qualifier list, or -1.
func methodParen(d string) int {
	s := strings.TrimLeft(d, " \t\r\n")
	off := len(d) - len(s)
	if strings.HasPrefix(s, "[") {
		end := closing(s, 0)
		if end < 0 {
			return -1
		}
		off += end + 1
		s = s[end+1:]
	}
	body, _, _ := strings.Cut(s, "=")
	if p := strings.IndexByte(body, '('); p >= 0 {
		return off + p
	}
	return -1
}

// qualNames returns the lower-case names in a qualifier list's text.
func qualNames(quals string) []string {
	var names []string
	for _, q := range split(quals, ',') {
		q = strings.TrimSpace(q)
		end := strings.IndexFunc(q, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
		if end >= 0 {
			q = q[:end]
		}
		if q != "" {
			names = append(names, strings.ToLower(q))
		}
	}
	return names
}

func hasQual(quals, name string) bool {
	return slices.Contains(qualNames(quals), strings.ToLower(name))
}

// allClasses scans every file of SystemMOF, in compile order.
func allClasses(t *testing.T) map[string]class {
	t.Helper()
	all := map[string]class{}
	for _, f := range SystemMOF {
		for _, c := range scan(t, f) {
			if prev, dup := all[strings.ToLower(c.name)]; dup {
				t.Errorf("class %s declared in %s and %s", c.name, prev.file, f)
			}
			all[strings.ToLower(c.name)] = c
		}
	}
	return all
}

func lookup(t *testing.T, all map[string]class, name string) class {
	t.Helper()
	c, ok := all[strings.ToLower(name)]
	if !ok {
		t.Fatalf("class %s is not declared", name)
	}
	return c
}

func (c class) member(name string) (member, bool) {
	for _, m := range c.members {
		if strings.EqualFold(m.name, name) {
			return m, true
		}
	}
	return member{}, false
}

func TestFilesExistAndAreListed(t *testing.T) {
	if len(SystemMOF) == 0 {
		t.Fatal("SystemMOF is empty")
	}
	seen := map[string]bool{}
	for _, f := range SystemMOF {
		if seen[f] {
			t.Errorf("%s listed twice in SystemMOF", f)
		}
		seen[f] = true
		data, err := Files.ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			t.Errorf("%s is empty", f)
		}
		if len(scan(t, f)) == 0 {
			t.Errorf("%s declares no class", f)
		}
		if _, ok := Placement[f]; !ok {
			t.Errorf("%s has no entry in Placement", f)
		}
	}
	embedded, err := fs.Glob(Files, "*.mof")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range embedded {
		if !seen[f] {
			t.Errorf("embedded file %s is not listed in SystemMOF", f)
		}
	}
	for f := range Placement {
		if !seen[f] {
			t.Errorf("Placement names %s, which is not in SystemMOF", f)
		}
	}
}

// TestDeclarationOrder compiles, on paper, each namespace's files in order:
// every superclass, referenced class and embedded-object class must already
// be declared, and no class may be declared twice in a namespace.
func TestDeclarationOrder(t *testing.T) {
	namespaces := append(slices.Clone(Namespaces), `root\cimv2\Applications`)
	for _, ns := range namespaces {
		declared := map[string]bool{}
		for _, f := range FilesFor(ns) {
			for _, c := range scan(t, f) {
				key := strings.ToLower(c.name)
				if declared[key] {
					t.Errorf("%s: %s: class %s declared twice", ns, f, c.name)
				}
				if c.super != "" && !declared[strings.ToLower(c.super)] {
					t.Errorf("%s: %s: class %s declared before its superclass %s", ns, f, c.name, c.super)
				}
				declared[key] = true
				uses := func(where string, m member) {
					base := strings.TrimSuffix(strings.TrimSuffix(m.typ, " ref"), "[]")
					if builtinTypes[base] {
						return
					}
					if !declared[strings.ToLower(base)] {
						t.Errorf("%s: %s: %s.%s uses class %s before it is declared", ns, f, c.name, where, base)
					}
				}
				for _, m := range c.members {
					uses(m.name, m)
					for _, p := range m.params {
						uses(m.name+"("+p.name+")", p)
					}
				}
			}
		}
	}
}

func TestSuperclasses(t *testing.T) {
	all := allClasses(t)
	tests := []struct{ class, super string }{
		{"__SystemClass", ""},
		{"__NAMESPACE", "__SystemClass"},
		{"__thisNAMESPACE", "__SystemClass"},
		{"__PARAMETERS", ""},
		{"__NotifyStatus", ""},
		{"__ExtendedStatus", "__NotifyStatus"},
		{"__SecurityRelatedClass", ""},
		{"__Trustee", "__SecurityRelatedClass"},
		{"__ACE", "__SecurityRelatedClass"},
		{"__SecurityDescriptor", "__SecurityRelatedClass"},
		{"__NTLMUser9X", "__SecurityRelatedClass"},
		{"__SystemSecurity", ""},
		{"__Provider", "__SystemClass"},
		{"__Win32Provider", "__Provider"},
		{"__ProviderRegistration", "__SystemClass"},
		{"__ObjectProviderRegistration", "__ProviderRegistration"},
		{"__InstanceProviderRegistration", "__ObjectProviderRegistration"},
		{"__ClassProviderRegistration", "__ObjectProviderRegistration"},
		{"__MethodProviderRegistration", "__ProviderRegistration"},
		{"__PropertyProviderRegistration", "__ProviderRegistration"},
		{"__EventProviderRegistration", "__ProviderRegistration"},
		{"__EventConsumerProviderRegistration", "__ProviderRegistration"},
		{"__IndicationRelated", "__SystemClass"},
		{"__EventFilter", "__IndicationRelated"},
		{"__EventConsumer", "__IndicationRelated"},
		{"__FilterToConsumerBinding", "__IndicationRelated"},
		{"__Event", "__IndicationRelated"},
		{"__InstanceOperationEvent", "__Event"},
		{"__InstanceCreationEvent", "__InstanceOperationEvent"},
		{"__InstanceDeletionEvent", "__InstanceOperationEvent"},
		{"__InstanceModificationEvent", "__InstanceOperationEvent"},
		{"__MethodInvocationEvent", "__InstanceOperationEvent"},
		{"__ClassOperationEvent", "__Event"},
		{"__ClassCreationEvent", "__ClassOperationEvent"},
		{"__ClassDeletionEvent", "__ClassOperationEvent"},
		{"__ClassModificationEvent", "__ClassOperationEvent"},
		{"__NamespaceOperationEvent", "__Event"},
		{"__NamespaceCreationEvent", "__NamespaceOperationEvent"},
		{"__NamespaceDeletionEvent", "__NamespaceOperationEvent"},
		{"__NamespaceModificationEvent", "__NamespaceOperationEvent"},
		{"__ExtrinsicEvent", "__Event"},
		{"__SystemEvent", "__ExtrinsicEvent"},
		{"__EventDroppedEvent", "__SystemEvent"},
		{"__EventQueueOverflowEvent", "__EventDroppedEvent"},
		{"__QOSFailureEvent", "__EventDroppedEvent"},
		{"__ConsumerFailureEvent", "__EventDroppedEvent"},
		{"__TimerEvent", "__Event"},
		{"__AggregateEvent", "__IndicationRelated"},
		{"__EventGenerator", "__IndicationRelated"},
		{"__TimerInstruction", "__EventGenerator"},
		{"__IntervalTimerInstruction", "__TimerInstruction"},
		{"__AbsoluteTimerInstruction", "__TimerInstruction"},
		{"__TimerNextFiring", "__IndicationRelated"},
		{"__ProviderHostQuotaConfiguration", "__SystemClass"},
		{"__ArbitratorConfiguration", "__SystemClass"},
		{"__ListOfEventActiveNamespaces", "__SystemClass"},
		{"__CacheControl", "__SystemClass"},
		{"__ObjectProviderCacheControl", "__CacheControl"},
		{"__PropertyProviderCacheControl", "__CacheControl"},
		{"__EventProviderCacheControl", "__CacheControl"},
		{"__EventConsumerProviderCacheControl", "__CacheControl"},
		{"__EventSinkCacheControl", "__CacheControl"},
		{"__CIMOMIdentification", "__SystemClass"},
		{"LogFileEventConsumer", "__EventConsumer"},
		{"CommandLineEventConsumer", "__EventConsumer"},
	}
	for _, tt := range tests {
		c := lookup(t, all, tt.class)
		if c.name != tt.class {
			t.Errorf("class %s is spelled %s", tt.class, c.name)
		}
		if c.super != tt.super {
			t.Errorf("class %s: superclass %q, want %q", tt.class, c.super, tt.super)
		}
	}
}

func TestClassQualifiers(t *testing.T) {
	all := allClasses(t)
	tests := []struct {
		class string
		quals []string // wanted class qualifiers
		not   []string // qualifiers the class must not carry
	}{
		{"__SystemClass", []string{"abstract"}, nil},
		{"__NAMESPACE", nil, []string{"abstract", "singleton"}},
		{"__thisNAMESPACE", []string{"singleton"}, nil},
		{"__PARAMETERS", []string{"abstract"}, nil},
		{"__NotifyStatus", []string{"abstract"}, nil},
		{"__ExtendedStatus", nil, []string{"abstract"}},
		{"__SystemSecurity", []string{"singleton"}, nil},
		{"__Provider", []string{"abstract"}, nil},
		{"__Win32Provider", nil, []string{"abstract"}},
		{"__ProviderRegistration", []string{"abstract"}, nil},
		{"__ObjectProviderRegistration", []string{"abstract"}, nil},
		{"__InstanceProviderRegistration", nil, []string{"abstract"}},
		{"__IndicationRelated", []string{"abstract"}, nil},
		{"__Event", []string{"abstract"}, nil},
		{"__EventConsumer", []string{"abstract"}, nil},
		{"__EventFilter", nil, []string{"abstract", "association"}},
		{"__FilterToConsumerBinding", []string{"association"}, []string{"abstract"}},
		{"__EventGenerator", []string{"abstract"}, nil},
		{"__TimerInstruction", []string{"abstract"}, nil},
		{"__IntervalTimerInstruction", nil, []string{"abstract"}},
		{"__CacheControl", []string{"abstract"}, nil},
		{"__EventSinkCacheControl", []string{"singleton"}, nil},
		{"__ProviderHostQuotaConfiguration", []string{"singleton"}, nil},
		{"__ArbitratorConfiguration", []string{"singleton"}, nil},
		{"__CIMOMIdentification", []string{"singleton"}, nil},
		{"LogFileEventConsumer", nil, []string{"abstract"}},
	}
	for _, tt := range tests {
		c := lookup(t, all, tt.class)
		for _, q := range tt.quals {
			if !hasQual(c.quals, q) {
				t.Errorf("class %s lacks qualifier %s (has [%s])", tt.class, q, c.quals)
			}
		}
		for _, q := range tt.not {
			if hasQual(c.quals, q) {
				t.Errorf("class %s carries qualifier %s", tt.class, q)
			}
		}
	}
}

func TestProperties(t *testing.T) {
	all := allClasses(t)
	tests := []struct {
		class, prop, typ string
		key              bool
	}{
		{"__NAMESPACE", "Name", "string", true},
		{"__thisNAMESPACE", "SECURITY_DESCRIPTOR", "uint8[]", false},
		{"__NotifyStatus", "StatusCode", "uint32", false},
		{"__ExtendedStatus", "Description", "string", false},
		{"__ExtendedStatus", "Operation", "string", false},
		{"__ExtendedStatus", "ParameterInfo", "string", false},
		{"__ExtendedStatus", "ProviderName", "string", false},
		{"__Trustee", "SID", "uint8[]", false},
		{"__Trustee", "SIDString", "string", false},
		{"__ACE", "Trustee", "__Trustee", false},
		{"__SecurityDescriptor", "DACL", "__ACE[]", false},
		{"__SecurityDescriptor", "SACL", "__ACE[]", false},
		{"__SecurityDescriptor", "Owner", "__ACE", false},
		{"__Provider", "Name", "string", true},
		{"__Win32Provider", "CLSID", "string", false},
		{"__Win32Provider", "HostingModel", "string", false},
		{"__Win32Provider", "UnloadTimeout", "datetime", false},
		{"__Win32Provider", "InitializationReentrancy", "sint32", false},
		{"__Win32Provider", "Pure", "boolean", false},
		{"__Win32Provider", "Version", "uint32", false},
		{"__ProviderRegistration", "provider", "__Provider ref", true},
		{"__ObjectProviderRegistration", "QuerySupportLevels", "string[]", false},
		{"__ObjectProviderRegistration", "InteractionType", "sint32", false},
		{"__InstanceProviderRegistration", "SupportsEnumeration", "boolean", false},
		{"__ClassProviderRegistration", "ResultSetQueries", "string[]", false},
		{"__PropertyProviderRegistration", "SupportsGet", "boolean", false},
		{"__EventProviderRegistration", "EventQueryList", "string[]", false},
		{"__EventConsumerProviderRegistration", "ConsumerClassNames", "string[]", false},
		{"__EventFilter", "Name", "string", true},
		{"__EventFilter", "Query", "string", false},
		{"__EventFilter", "QueryLanguage", "string", false},
		{"__EventFilter", "EventNamespace", "string", false},
		{"__EventFilter", "EventAccess", "string", false},
		{"__EventFilter", "CreatorSID", "uint8[]", false},
		{"__EventConsumer", "CreatorSID", "uint8[]", false},
		{"__EventConsumer", "MachineName", "string", false},
		{"__EventConsumer", "MaximumQueueSize", "uint32", false},
		{"__FilterToConsumerBinding", "Filter", "__EventFilter ref", true},
		{"__FilterToConsumerBinding", "Consumer", "__EventConsumer ref", true},
		{"__FilterToConsumerBinding", "DeliverSynchronously", "boolean", false},
		{"__FilterToConsumerBinding", "DeliveryQoS", "uint32", false},
		{"__FilterToConsumerBinding", "MaintainSecurityContext", "boolean", false},
		{"__FilterToConsumerBinding", "SlowDownProviders", "boolean", false},
		{"__FilterToConsumerBinding", "CreatorSID", "uint8[]", false},
		{"__Event", "SECURITY_DESCRIPTOR", "uint8[]", false},
		{"__Event", "TIME_CREATED", "uint64", false},
		{"__InstanceOperationEvent", "TargetInstance", "object", false},
		{"__InstanceModificationEvent", "PreviousInstance", "object", false},
		{"__MethodInvocationEvent", "Parameters", "__PARAMETERS", false},
		{"__ClassOperationEvent", "TargetClass", "object", false},
		{"__ClassModificationEvent", "PreviousClass", "object", false},
		{"__NamespaceOperationEvent", "TargetNamespace", "__NAMESPACE", false},
		{"__NamespaceModificationEvent", "PreviousNamespace", "__NAMESPACE", false},
		{"__EventDroppedEvent", "Event", "__Event", false},
		{"__EventDroppedEvent", "IntendedConsumer", "__EventConsumer ref", false},
		{"__EventQueueOverflowEvent", "CurrentQueueSize", "uint32", false},
		{"__ConsumerFailureEvent", "ErrorCode", "uint32", false},
		{"__ConsumerFailureEvent", "ErrorObject", "object", false},
		{"__TimerEvent", "TimerId", "string", false},
		{"__TimerEvent", "NumFirings", "uint32", false},
		{"__AggregateEvent", "NumberOfEvents", "uint32", false},
		{"__AggregateEvent", "Representative", "object", false},
		{"__TimerInstruction", "TimerId", "string", true},
		{"__TimerInstruction", "SkipIfPassed", "boolean", false},
		{"__IntervalTimerInstruction", "IntervalBetweenEvents", "uint32", false},
		{"__AbsoluteTimerInstruction", "EventDateTime", "datetime", false},
		{"__TimerNextFiring", "NextEvent64BitTime", "sint64", false},
		{"__ProviderHostQuotaConfiguration", "MemoryPerHost", "uint64", false},
		{"__ProviderHostQuotaConfiguration", "ThreadsPerHost", "uint32", false},
		{"__ArbitratorConfiguration", "PermanentSubscriptionsTotal", "uint32", false},
		{"__ListOfEventActiveNamespaces", "Namespaces", "string[]", false},
		{"__EventSinkCacheControl", "ClearAfter", "datetime", false},
		{"__CIMOMIdentification", "VersionUsedToCreateDB", "string", false},
		{"LogFileEventConsumer", "Name", "string", true},
		{"LogFileEventConsumer", "Filename", "string", false},
		{"LogFileEventConsumer", "Text", "string", false},
		{"LogFileEventConsumer", "MaximumFileSize", "uint64", false},
		{"LogFileEventConsumer", "IsUnicode", "boolean", false},
		{"CommandLineEventConsumer", "Name", "string", true},
		{"CommandLineEventConsumer", "CommandLineTemplate", "string", false},
		{"CommandLineEventConsumer", "ExecutablePath", "string", false},
		{"CommandLineEventConsumer", "KillTimeout", "uint32", false},
		{"CommandLineEventConsumer", "Priority", "sint32", false},
		{"CommandLineEventConsumer", "RunInteractively", "boolean", false},
		{"CommandLineEventConsumer", "FillAttribute", "uint32", false},
		{"CommandLineEventConsumer", "ForceOnFeedback", "boolean", false},
	}
	for _, tt := range tests {
		c := lookup(t, all, tt.class)
		m, ok := c.member(tt.prop)
		if !ok || m.method {
			t.Errorf("%s.%s is not declared", tt.class, tt.prop)
			continue
		}
		if m.name != tt.prop {
			t.Errorf("%s.%s is spelled %s", tt.class, tt.prop, m.name)
		}
		if m.typ != tt.typ {
			t.Errorf("%s.%s: type %q, want %q", tt.class, tt.prop, m.typ, tt.typ)
		}
		if key := hasQual(m.quals, "key"); key != tt.key {
			t.Errorf("%s.%s: key = %v, want %v", tt.class, tt.prop, key, tt.key)
		}
	}

	// The whole CommandLineEventConsumer property list, as Windows has it.
	clec := lookup(t, all, "CommandLineEventConsumer")
	var names []string
	for _, m := range clec.members {
		names = append(names, m.name)
	}
	want := []string{
		"Name", "ExecutablePath", "CommandLineTemplate", "UseDefaultErrorMode",
		"CreateNewConsole", "CreateNewProcessGroup", "CreateSeparateWowVdm",
		"CreateSharedWowVdm", "Priority", "WorkingDirectory", "DesktopName",
		"WindowTitle", "XCoordinate", "YCoordinate", "XSize", "YSize",
		"XNumCharacters", "YNumCharacters", "FillAttribute", "ShowWindowCommand",
		"ForceOnFeedback", "ForceOffFeedback", "RunInteractively", "KillTimeout",
	}
	if !slices.Equal(names, want) {
		t.Errorf("CommandLineEventConsumer properties\n got %v\nwant %v", names, want)
	}
}

func TestSystemSecurityMethods(t *testing.T) {
	c := lookup(t, allClasses(t), "__SystemSecurity")
	type param struct{ name, typ, dir string }
	tests := []struct {
		method string
		params []param
	}{
		{"GetSD", []param{{"SD", "uint8[]", "out"}}},
		{"SetSD", []param{{"SD", "uint8[]", "in"}}},
		{"GetSecurityDescriptor", []param{{"Descriptor", "__SecurityDescriptor", "out"}}},
		{"SetSecurityDescriptor", []param{{"Descriptor", "__SecurityDescriptor", "in"}}},
		{"Get9XUserList", []param{{"ul", "__NTLMUser9X[]", "out"}}},
		{"Set9XUserList", []param{{"ul", "__NTLMUser9X[]", "in"}}},
		{"GetCallerAccessRights", []param{{"rights", "sint32", "out"}}},
	}
	methods := 0
	for _, m := range c.members {
		if m.method {
			methods++
		} else {
			t.Errorf("__SystemSecurity has property %s; it has only methods", m.name)
		}
	}
	if methods != len(tests) {
		t.Errorf("__SystemSecurity has %d methods, want %d", methods, len(tests))
	}
	for _, tt := range tests {
		m, ok := c.member(tt.method)
		if !ok || !m.method {
			t.Errorf("__SystemSecurity.%s is not declared", tt.method)
			continue
		}
		if m.typ != "uint32" {
			t.Errorf("__SystemSecurity.%s returns %s, want uint32", tt.method, m.typ)
		}
		if len(m.params) != len(tt.params) {
			t.Errorf("__SystemSecurity.%s has %d parameters, want %d", tt.method, len(m.params), len(tt.params))
			continue
		}
		for i, p := range tt.params {
			got := m.params[i]
			if got.name != p.name || got.typ != p.typ || !hasQual(got.quals, p.dir) {
				t.Errorf("__SystemSecurity.%s parameter %d = [%s] %s %s, want [%s] %s %s",
					tt.method, i, got.quals, got.typ, got.name, p.dir, p.typ, p.name)
			}
		}
	}
}

// TestMemberSyntax checks rules that mofcomp enforces on every file: method
// parameters are in or out, methods do not return arrays, and no class
// declares a member twice.
func TestMemberSyntax(t *testing.T) {
	for _, f := range SystemMOF {
		for _, c := range scan(t, f) {
			seen := map[string]bool{}
			for _, m := range c.members {
				key := strings.ToLower(m.name)
				if seen[key] {
					t.Errorf("%s: %s.%s declared twice", f, c.name, m.name)
				}
				seen[key] = true
				if strings.HasPrefix(m.name, "_") {
					t.Errorf("%s: %s.%s: member names must not begin with '_'", f, c.name, m.name)
				}
				if !m.method {
					continue
				}
				if strings.HasSuffix(m.typ, "[]") {
					t.Errorf("%s: %s.%s returns an array", f, c.name, m.name)
				}
				for _, p := range m.params {
					if !hasQual(p.quals, "in") && !hasQual(p.quals, "out") {
						t.Errorf("%s: %s.%s: parameter %s is neither in nor out", f, c.name, m.name, p.name)
					}
				}
			}
		}
	}
}

func TestNamespaces(t *testing.T) {
	want := []string{`root`, `root\cimv2`, `root\default`, `root\subscription`, `root\interop`}
	if !slices.Equal(Namespaces, want) {
		t.Fatalf("Namespaces = %q, want %q", Namespaces, want)
	}
	for i, ns := range Namespaces {
		if strings.Contains(ns, "/") {
			t.Errorf("namespace %q uses '/': WMI's separator is '\\'", ns)
		}
		parent, _, found := strings.Cut(ns, `\`)
		if found && !slices.Contains(Namespaces[:i], parent) {
			t.Errorf("namespace %q is listed before its parent %q", ns, parent)
		}
	}
}

func TestFilesFor(t *testing.T) {
	every := []string{FileSystem, FileSubscription, FileEvents}
	tests := []struct {
		ns   string
		want []string
	}{
		{`root`, append(slices.Clone(every), FileRoot, FileCIMOM)},
		{`root\cimv2`, every},
		{`root\default`, append(slices.Clone(every), FileCIMOM, FileConsumers)},
		{`root\subscription`, append(slices.Clone(every), FileConsumers)},
		{`root\interop`, every},
		{`ROOT\Subscription`, append(slices.Clone(every), FileConsumers)},
		{`root/default`, append(slices.Clone(every), FileCIMOM, FileConsumers)},
		{`\root\`, append(slices.Clone(every), FileRoot, FileCIMOM)},
		{`root\cimv2\Applications`, every},
	}
	for _, tt := range tests {
		if got := FilesFor(tt.ns); !slices.Equal(got, tt.want) {
			t.Errorf("FilesFor(%q) = %q, want %q", tt.ns, got, tt.want)
		}
	}

	// Root-only classes stay out of other namespaces, and the standard
	// consumers stay out of root\cimv2, as on Windows.
	in := func(ns, class string) bool {
		for _, f := range FilesFor(ns) {
			for _, c := range scan(t, f) {
				if strings.EqualFold(c.name, class) {
					return true
				}
			}
		}
		return false
	}
	placements := []struct {
		ns, class string
		want      bool
	}{
		{`root`, "__ProviderHostQuotaConfiguration", true},
		{`root\cimv2`, "__ProviderHostQuotaConfiguration", false},
		{`root`, "__ArbitratorConfiguration", true},
		{`root\default`, "__ArbitratorConfiguration", false},
		{`root\cimv2`, "__EventSinkCacheControl", false},
		{`root\default`, "__CIMOMIdentification", true},
		{`root\cimv2`, "__CIMOMIdentification", false},
		{`root\subscription`, "LogFileEventConsumer", true},
		{`root\subscription`, "CommandLineEventConsumer", true},
		{`root\cimv2`, "LogFileEventConsumer", false},
		{`root`, "CommandLineEventConsumer", false},
		{`root\interop`, "__FilterToConsumerBinding", true},
		{`root\cimv2`, "__SystemSecurity", true},
		{`root\cimv2\Applications`, "__TimerNextFiring", true},
	}
	for _, p := range placements {
		if got := in(p.ns, p.class); got != p.want {
			t.Errorf("class %s in %s: %v, want %v", p.class, p.ns, got, p.want)
		}
	}
}

// TestScanner checks the test's own scanner on tricky text.
func TestScanner(t *testing.T) {
	src := "a \"x // y\" b // c\nd /* e */ f"
	if got, want := stripComments(src), "a \"x // y\" b \nd   f"; got != want {
		t.Errorf("stripComments = %q, want %q", got, want)
	}
	if got := split(`a; b{1; 2}; "c;d"`, ';'); len(got) != 3 {
		t.Errorf("split = %q, want 3 parts", got)
	}
	m := parseDecl(t, "test", `[read: DisableOverride ToInstance ToSubClass] uint8 CreatorSID[] = {1, 1}`)
	if m.typ != "uint8[]" || m.name != "CreatorSID" || !hasQual(m.quals, "read") {
		t.Errorf("parseDecl = %+v", m)
	}
	if !isMethod("[Values{\"a(b\"}] uint32 F([in] uint8 X[])") {
		t.Error("isMethod missed a method")
	}
	if isMethod(`[SubType("interval")] datetime T`) {
		t.Error("isMethod took a property for a method")
	}
}
