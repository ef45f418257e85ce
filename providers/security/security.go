// Package security keeps the access rights of namespaces, with WMI's
// permission bits (wbem.Rights), and serves __SystemSecurity's GetSD, SetSD
// and GetCallerAccessRights.
//
// # The security descriptor
//
// A namespace's security descriptor is text, one entry a line, stored as
// the bytes of the SECURITY_DESCRIPTOR property (uint8[]) of the namespace's
// __thisNAMESPACE=@ instance, which is where WMI keeps it. GetSD returns
// those bytes and SetSD takes them: gowmi's descriptor is this text, not
// Windows' binary SECURITY_DESCRIPTOR.
//
//	# comment
//	allow * enable,execute,provider-write
//	allow group:wheel all
//	deny user:guest execute
//	protected
//
// An entry is "allow" or "deny", a principal, and rights as
// wbem.ParseRights reads them ("enable", "execute", "full-write",
// "partial-write", "provider-write", "remote-enable", "subscribe",
// "publish", "read-security", "write-security", or "all"). Principals:
// "*" (every authenticated caller), "user:NAME", "uid:N", "group:NAME",
// "gid:N" and "cert:CN" (a caller authenticated by a TLS client
// certificate with that common name). "protected" stops inheritance.
//
// A namespace inherits the entries of its parent (as WMI's
// CONTAINER_INHERIT ACEs do) unless its descriptor is protected; root
// without a stored descriptor has the Default one. A caller's rights are
// the union of the rights of the allow entries that match it, less the
// union of the deny entries that match it.
package security

import (
	"context"
	"fmt"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// ProviderName is the provider of __SystemSecurity.
const ProviderName = "GowmiSecurity"

// Entry is one line of a descriptor.
type Entry struct {
	Allow  bool
	Who    string // "*", "user:alice", "uid:0", "group:wheel", "gid:10", "cert:host1"
	Rights wbem.Rights
}

// SD is a namespace's security descriptor.
type SD struct {
	Protected bool
	Entries   []Entry
}

// Default is root's descriptor when none is stored: the superuser and the
// group "wheel" hold every right, every other authenticated user WMI's
// default for users (enable, execute methods, provider write; no remote
// enable).
var Default = SD{Entries: []Entry{
	{Allow: true, Who: "uid:0", Rights: wbem.RightsAll},
	{Allow: true, Who: "group:wheel", Rights: wbem.RightsAll},
	{Allow: true, Who: "*", Rights: wbem.RightsDefaultUser},
}}

// ParseSD reads a descriptor; a malformed one is WBEM_E_INVALID_PARAMETER.
func ParseSD(text string) (SD, error) {
	var sd SD
	for n, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(why string) (SD, error) {
			return SD{}, status.Errorf(status.InvalidParameter, "security descriptor line %d: %s", n+1, why)
		}
		if len(f) == 1 && f[0] == "protected" {
			sd.Protected = true
			continue
		}
		if len(f) != 3 || (f[0] != "allow" && f[0] != "deny") {
			return bad(`want "allow|deny PRINCIPAL RIGHTS" or "protected"`)
		}
		if !validPrincipal(f[1]) {
			return bad("unknown principal " + f[1])
		}
		r, ok := wbem.ParseRights(f[2])
		if !ok {
			return bad("unknown rights " + f[2])
		}
		sd.Entries = append(sd.Entries, Entry{Allow: f[0] == "allow", Who: f[1], Rights: r})
	}
	return sd, nil
}

func validPrincipal(w string) bool {
	if w == "*" {
		return true
	}
	kind, name, ok := strings.Cut(w, ":")
	if !ok || name == "" {
		return false
	}
	switch kind {
	case "user", "group", "cert":
		return true
	case "uid", "gid":
		_, err := strconv.Atoi(name)
		return err == nil
	}
	return false
}

// String writes the descriptor in the format ParseSD reads.
func (sd SD) String() string {
	var b strings.Builder
	for _, e := range sd.Entries {
		verb := "deny"
		if e.Allow {
			verb = "allow"
		}
		r := e.Rights.String()
		if e.Rights == wbem.RightsAll {
			r = "all"
		}
		if r == "" {
			r = "none"
		}
		fmt.Fprintf(&b, "%s %s %s\n", verb, e.Who, r)
	}
	if sd.Protected {
		b.WriteString("protected\n")
	}
	return b.String()
}

// Principal is a caller as the descriptor sees it.
type Principal struct {
	User   string // the identity's user name: "alice", "uid:1001", "cert:host1"
	UID    int    // -1 when the caller has no local account
	GID    int    // the primary group, -1 when none
	Groups []string
	GIDs   []int
}

// Resolve returns the principal of an identity's user name, looking up
// local accounts for a plain name or "uid:N".
func Resolve(name string) Principal {
	p := Principal{User: name, UID: -1, GID: -1}
	var u *user.User
	var err error
	switch {
	case strings.HasPrefix(name, "cert:"):
		return p
	case strings.HasPrefix(name, "uid:"):
		u, err = user.LookupId(strings.TrimPrefix(name, "uid:"))
		if err != nil {
			if n, err := strconv.Atoi(strings.TrimPrefix(name, "uid:")); err == nil {
				p.UID = n
			}
			return p
		}
	default:
		u, err = user.Lookup(name)
		if err != nil {
			return p
		}
	}
	p.UID, _ = strconv.Atoi(u.Uid)
	p.GID, _ = strconv.Atoi(u.Gid)
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			n, _ := strconv.Atoi(g)
			p.GIDs = append(p.GIDs, n)
			if gr, err := user.LookupGroupId(g); err == nil {
				p.Groups = append(p.Groups, gr.Name)
			}
		}
	}
	return p
}

func (e Entry) matches(p Principal) bool {
	if e.Who == "*" {
		return true
	}
	kind, name, _ := strings.Cut(e.Who, ":")
	switch kind {
	case "user":
		return p.User == name
	case "cert":
		return p.User == e.Who
	case "uid":
		n, _ := strconv.Atoi(name)
		return p.UID >= 0 && p.UID == n
	case "gid":
		n, _ := strconv.Atoi(name)
		return n >= 0 && (p.GID == n || slices.Contains(p.GIDs, n))
	case "group":
		return slices.Contains(p.Groups, name)
	}
	return false
}

// Rights evaluates entries for a principal.
func Rights(entries []Entry, p Principal) wbem.Rights {
	var allow, deny wbem.Rights
	for _, e := range entries {
		if !e.matches(p) {
			continue
		}
		if e.Allow {
			allow |= e.Rights
		} else {
			deny |= e.Rights
		}
	}
	return allow &^ deny
}

// Manager reads and writes namespace descriptors in a repository.
type Manager struct {
	store repository.Store
	// Default is root's descriptor when none is stored.
	Default SD
	// Resolve turns an identity's user name into a principal; the package's
	// Resolve by default.
	Resolve func(name string) Principal
}

// NewManager returns a Manager over a repository.
func NewManager(store repository.Store) *Manager {
	return &Manager{store: store, Default: Default, Resolve: Resolve}
}

var thisNamespace = cim.Path{Class: "__thisNAMESPACE", Singleton: true}

func parent(ns string) string {
	i := strings.LastIndexByte(ns, '\\')
	if i < 0 {
		return ""
	}
	return ns[:i]
}

// stored returns the descriptor stored in a namespace, if any.
func stored(tx repository.Tx, ns string) (SD, bool, error) {
	inst, err := tx.GetInstance(ns, thisNamespace)
	if err != nil {
		if c := status.CodeOf(err); c == status.NotFound || c == status.InvalidClass {
			return SD{}, false, nil
		}
		return SD{}, false, err
	}
	v, _ := inst.Get("SECURITY_DESCRIPTOR")
	elems, ok := v.Array()
	if !ok || len(elems) == 0 {
		return SD{}, false, nil
	}
	b := make([]byte, len(elems))
	for i, e := range elems {
		n, _ := e.Uint()
		b[i] = byte(n)
	}
	sd, err := ParseSD(string(b))
	return sd, err == nil, err
}

// Effective returns the entries that apply in a namespace: its own and,
// unless protected, those it inherits.
func (m *Manager) Effective(ctx context.Context, ns string) ([]Entry, error) {
	ns = cim.NormalizeNamespace(ns)
	var out []Entry
	err := m.store.View(ctx, func(tx repository.Tx) error {
		for n := ns; n != ""; n = parent(n) {
			sd, ok, err := stored(tx, n)
			if err != nil {
				return err
			}
			if !ok {
				if parent(n) == "" {
					out = append(out, m.Default.Entries...)
				}
				continue
			}
			out = append(out, sd.Entries...)
			if sd.Protected {
				return nil
			}
			if parent(n) == "" {
				return nil
			}
		}
		return nil
	})
	return out, err
}

// Rights returns a caller's rights on a namespace.
func (m *Manager) Rights(ctx context.Context, ns, userName string) (wbem.Rights, error) {
	entries, err := m.Effective(ctx, ns)
	if err != nil {
		return 0, err
	}
	return Rights(entries, m.Resolve(userName)), nil
}

// GetSD returns the descriptor stored in a namespace; a namespace without
// one returns its effective entries (inherited or the default) as a
// descriptor.
func (m *Manager) GetSD(ctx context.Context, ns string) (SD, error) {
	ns = cim.NormalizeNamespace(ns)
	var sd SD
	var ok bool
	err := m.store.View(ctx, func(tx repository.Tx) error {
		var err error
		sd, ok, err = stored(tx, ns)
		return err
	})
	if err != nil || ok {
		return sd, err
	}
	entries, err := m.Effective(ctx, ns)
	return SD{Entries: entries}, err
}

// SetSD stores a namespace's descriptor.
func (m *Manager) SetSD(ctx context.Context, ns string, sd SD) error {
	ns = cim.NormalizeNamespace(ns)
	text := []byte(sd.String())
	elems := make([]cim.Value, len(text))
	for i, b := range text {
		elems[i] = cim.Uint8(b)
	}
	v, err := cim.Array(cim.TypeUint8, elems...)
	if err != nil {
		return err
	}
	return m.store.Update(ctx, func(tx repository.Tx) error {
		c, err := tx.GetClass(ns, "__thisNAMESPACE")
		if err != nil {
			return err
		}
		inst, err := c.SpawnInstance()
		if err != nil {
			return err
		}
		if err := inst.Put("SECURITY_DESCRIPTOR", v); err != nil {
			return err
		}
		return tx.PutInstance(ns, inst, 0)
	})
}

// Install makes the Provider serve __SystemSecurity in every namespace of a
// repository created before the system schema declared it so: it gives the
// class [Dynamic, Provider("GowmiSecurity")] where it lacks them. New
// namespaces get the class with them from the schema.
func (m *Manager) Install(ctx context.Context) error {
	return m.store.Update(ctx, func(tx repository.Tx) error {
		var walk func(ns string) error
		walk = func(ns string) error {
			if err := patch(tx, ns); err != nil {
				return err
			}
			kids, err := tx.Namespaces(ns)
			if err != nil {
				return err
			}
			for _, k := range kids {
				if err := walk(k); err != nil {
					return err
				}
			}
			return nil
		}
		return walk("root")
	})
}

func patch(tx repository.Tx, ns string) error {
	c, err := tx.GetClass(ns, "__SystemSecurity")
	if err != nil {
		if status.CodeOf(err) == status.NotFound {
			return nil
		}
		return err
	}
	if strings.EqualFold(c.Qualifiers.Str("Provider"), ProviderName) {
		return nil
	}
	_ = c.Qualifiers.Set(cim.Qualifier{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass})
	_ = c.Qualifiers.Set(cim.Qualifier{Name: "Provider", Value: cim.String(ProviderName), Flavor: cim.FlavorToSubclass})
	c.Changed()
	return tx.PutClass(ns, c, repository.FlagUpdateOnly|repository.FlagUpdateForceMode)
}

// Provider serves __SystemSecurity: its singleton instance and the methods
// GetSD (READ_CONTROL), SetSD (WRITE_DAC) and GetCallerAccessRights.
type Provider struct{ M *Manager }

var (
	_ provider.InstanceGetter     = Provider{}
	_ provider.InstanceEnumerator = Provider{}
	_ provider.MethodExecutor     = Provider{}
)

// GetInstance returns __SystemSecurity=@.
func (p Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	if !req.Path.Singleton && len(req.Path.Keys) > 0 {
		return nil, status.New(status.NotFound, "__SystemSecurity is a singleton")
	}
	return req.Class.SpawnInstance()
}

// EnumerateInstances sends __SystemSecurity=@.
func (p Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	inst, err := req.Class.SpawnInstance()
	if err != nil {
		return err
	}
	return sink.Send(inst)
}

// ExecMethod runs GetSD, SetSD and GetCallerAccessRights.
func (p Provider) ExecMethod(ctx context.Context, req *provider.MethodRequest, _ provider.Sink) (*cim.Instance, error) {
	rights, err := p.M.Rights(ctx, req.Namespace, req.User)
	if err != nil {
		return nil, err
	}
	out, err := req.OutClass.SpawnInstance()
	if err != nil {
		return nil, err
	}
	deny := func(need wbem.Rights) error {
		return &status.Error{Code: status.AccessDenied, ProviderName: ProviderName, Operation: "__SystemSecurity::" + req.Method.Name,
			Description: "the caller lacks the " + need.String() + " right on " + req.Namespace}
	}
	switch strings.ToLower(req.Method.Name) {
	case "getsd":
		if !rights.Has(wbem.RightReadControl) {
			return nil, deny(wbem.RightReadControl)
		}
		sd, err := p.M.GetSD(ctx, req.Namespace)
		if err != nil {
			return nil, err
		}
		text := []byte(sd.String())
		elems := make([]cim.Value, len(text))
		for i, b := range text {
			elems[i] = cim.Uint8(b)
		}
		v, _ := cim.Array(cim.TypeUint8, elems...)
		if err := out.Put("SD", v); err != nil {
			return nil, err
		}
	case "setsd":
		if !rights.Has(wbem.RightWriteDAC) {
			return nil, deny(wbem.RightWriteDAC)
		}
		var text []byte
		if req.In != nil {
			v, _ := req.In.Get("SD")
			elems, _ := v.Array()
			for _, e := range elems {
				n, _ := e.Uint()
				text = append(text, byte(n))
			}
		}
		sd, err := ParseSD(string(text))
		if err != nil {
			return nil, err
		}
		if err := p.M.SetSD(ctx, req.Namespace, sd); err != nil {
			return nil, err
		}
	case "getcalleraccessrights":
		if err := out.Put("rights", cim.Sint32(int32(rights))); err != nil {
			return nil, err
		}
	default:
		return nil, provider.Failure(status.NotSupported, ProviderName, "__SystemSecurity::%s is not supported", req.Method.Name)
	}
	if err := out.Put("ReturnValue", cim.Uint32(0)); err != nil {
		return nil, err
	}
	return out, nil
}
