// Package prov holds what gowmi's built-in providers share: the analysis of
// the queries they are offered (which properties are needed, which values a
// WHERE clause fixes), the building of method results, the reading of
// method arguments, and the CIMWin32 provider name that several packages
// serve together (see Mux).
package prov

import (
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

// Props is the set of properties a request needs; a nil Props needs every
// property.
type Props map[string]bool

// Has reports whether the property is needed.
func (p Props) Has(name string) bool {
	if p == nil {
		return true
	}
	return p[strings.ToLower(name)]
}

// Needed returns the properties a query reads (its select list, WHERE and
// BY), plus the class's keys, so that the instance keeps its path; nil
// for SELECT * or a query that does not parse.
func Needed(query string, class *cim.Class) Props {
	st, err := parseSelect(query)
	if err != nil {
		return nil
	}
	req := st.RequiredProperties()
	if req == nil {
		return nil
	}
	p := Props{}
	for _, n := range req {
		p[strings.ToLower(n)] = true
	}
	if class != nil {
		for _, k := range class.Keys() {
			p[strings.ToLower(k.Name)] = true
		}
	}
	return p
}

func parseSelect(query string) (*wql.Select, error) {
	s, err := wql.Parse(query)
	if err != nil {
		return nil, err
	}
	st, ok := s.(*wql.Select)
	if !ok {
		return nil, status.New(status.InvalidQuery, "not a SELECT statement")
	}
	return st, nil
}

// Pinned returns the values that a query's WHERE clause fixes for the
// properties names, as if they were the class's keys: one map per
// alternative of an OR, each binding every name to a value of its type. It
// returns nil when the query does not pin them all (so the provider must
// look at everything), and an empty non-nil slice when nothing can match.
// Names must be properties of class.
func Pinned(query string, class *cim.Class, names ...string) []map[string]cim.Value {
	st, err := parseSelect(query)
	if err != nil || st.Where == nil {
		return nil
	}
	fake := &cim.Class{Name: class.Name}
	for _, n := range names {
		p := class.Property(n)
		if p == nil {
			return nil
		}
		fake.Properties = append(fake.Properties, &cim.Property{Name: p.Name, Type: p.Type,
			Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}})
	}
	return st.PinnedKeys(fake)
}

// Conjuncts returns the values that the top-level AND terms of a query's
// WHERE clause give to properties with '=': for "A = 1 AND B = 'x'" it
// binds A and B. Names are lower case. Terms under OR or NOT are ignored.
func Conjuncts(query string) map[string]cim.Value {
	st, err := parseSelect(query)
	if err != nil || st.Where == nil {
		return nil
	}
	out := map[string]cim.Value{}
	var walk func(e wql.Expr)
	walk = func(e wql.Expr) {
		switch x := e.(type) {
		case *wql.Binary:
			if x.Op == wql.OpAnd {
				walk(x.Left)
				walk(x.Right)
			}
		case *wql.Comparison:
			if lit, ok := x.Right.(*wql.Literal); ok && x.Op == wql.OpEQ && len(x.Left.Path) == 1 {
				out[strings.ToLower(x.Left.Path[0])] = lit.Value
			}
		}
	}
	walk(st.Where)
	return out
}

// Result spawns the output parameters of a method from its request with
// ReturnValue set to rv, then sets the named outputs given as name, value
// pairs. A NULL value leaves the parameter NULL.
func Result(req *provider.MethodRequest, rv uint32, kv ...any) (*cim.Instance, error) {
	if req.OutClass == nil {
		return nil, nil
	}
	out, err := req.OutClass.SpawnInstance()
	if err != nil {
		return nil, err
	}
	if out.PropertyIndex("ReturnValue") >= 0 {
		if err := out.Put("ReturnValue", cim.Uint32(rv)); err != nil {
			return nil, err
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		v, err := cim.ValueOf(kv[i+1])
		if err != nil {
			return nil, err
		}
		if v.IsNull() {
			continue
		}
		if err := out.Put(name, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Arg returns an input parameter of a method call; NULL when absent.
func Arg(req *provider.MethodRequest, name string) cim.Value {
	if req.In == nil {
		return cim.Value{}
	}
	return req.In.Value(name)
}

// ArgString returns a string input parameter and whether it was given.
func ArgString(req *provider.MethodRequest, name string) (string, bool) {
	return Arg(req, name).Str()
}

// ArgBool returns a boolean input parameter, def when it is NULL.
func ArgBool(req *provider.MethodRequest, name string, def bool) bool {
	if b, ok := Arg(req, name).Bool(); ok {
		return b
	}
	return def
}

// ArgInt returns an integer input parameter and whether it was given.
func ArgInt(req *provider.MethodRequest, name string) (int64, bool) {
	v := Arg(req, name)
	if n, ok := v.Int(); ok {
		return n, true
	}
	if u, ok := v.Uint(); ok {
		return int64(u), true
	}
	return 0, false
}

// KeyString returns the string value of a key of a path: by name, or the
// single unnamed key of the shorthand Class="v".
func KeyString(p cim.Path, name string) (string, bool) {
	v, ok := p.Key(name)
	if !ok && len(p.Keys) == 1 && p.Keys[0].Name == "" {
		v, ok = p.Keys[0].Value, true
	}
	if !ok {
		return "", false
	}
	if s, ok := v.Str(); ok {
		return s, true
	}
	if n, ok := v.Int(); ok {
		return cim.Sint64(n).String(), true
	}
	return v.String(), !v.IsNull()
}

var (
	hostOnce sync.Once
	host     string
)

// Hostname returns the machine's name as WMI shows it in CSName and
// SystemName: the host name without its domain, in upper case.
func Hostname() string {
	hostOnce.Do(func() {
		h, _ := os.Hostname()
		if i := strings.IndexByte(h, '.'); i > 0 {
			h = h[:i]
		}
		if h == "" {
			h = "LOCALHOST"
		}
		host = strings.ToUpper(h)
	})
	return host
}

// Time returns the DATETIME value of t in the local zone; NULL for the
// zero time.
func Time(t time.Time) cim.Value {
	if t.IsZero() {
		return cim.Null(cim.TypeDateTime)
	}
	return cim.DateTimeValue(cim.FromTime(t.Local()))
}

// Put sets a property, ignoring a NULL value and a property the class does
// not have; it reports the first type error.
func Put(inst *cim.Instance, name string, v any) error {
	val, err := cim.ValueOf(v)
	if err != nil {
		return err
	}
	if val.IsNull() {
		return nil
	}
	return inst.Put(name, val)
}

// Setter fills an instance for a set of needed properties and keeps the
// first error.
type Setter struct {
	Inst  *cim.Instance
	Props Props
	Err   error
}

// Set sets name to v when the property is needed; fn is called only then,
// so that costly facts are read only when asked for.
func (s *Setter) Set(name string, fn func() any) {
	if s.Err != nil || !s.Props.Has(name) {
		return
	}
	s.Err = Put(s.Inst, name, fn())
}

// Val sets name to v when the property is needed.
func (s *Setter) Val(name string, v any) {
	if s.Err != nil || !s.Props.Has(name) {
		return
	}
	s.Err = Put(s.Inst, name, v)
}

// NotSupported is the error of a method a provider declares (as WMI's
// class has it) but does not carry out on Linux.
func NotSupported(providerName string, req *provider.MethodRequest) error {
	return &status.Error{Code: status.NotSupported, ProviderName: providerName,
		Description: req.Class.Name + "." + req.Method.Name + " is not supported on this system"}
}
