// Package registry is the provider of StdRegProv (WMI's registry provider,
// RegProv): a hierarchical store of keys and typed values with Windows'
// hives and StdRegProv's methods and return codes, kept in the repository
// so that it is as durable and transactional as the rest of it.
//
// The store is two classes of root\default that the provider creates on
// first use: GowmiRegistry_Key (one instance per key, keyed by its full
// path such as HKEY_LOCAL_MACHINE\SOFTWARE\Vendor) and GowmiRegistry_Value
// (keyed by the key's path and the value's name, with its type and data).
// Names compare case-insensitively and keep their case, as in the Windows
// registry. The hive roots always exist. HKEY_CURRENT_USER is the caller's
// key under HKEY_USERS (.DEFAULT for a caller without a name),
// HKEY_CLASSES_ROOT is HKEY_LOCAL_MACHINE\SOFTWARE\Classes and
// HKEY_CURRENT_CONFIG is HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\
// Hardware Profiles\Current, as Windows links them.
//
// Return values are Win32 error codes: 0 success, 1 (the value does not
// exist), 2 ERROR_FILE_NOT_FOUND (the key does not exist), 5
// ERROR_ACCESS_DENIED (deleting a key that has subkeys, or a hive), 87
// ERROR_INVALID_PARAMETER (an unknown hDefKey), and WBEM_E_TYPE_MISMATCH
// (0x80041005) for a value of another type, as StdRegProv returns them.
package registry

import (
	"context"
	"embed"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
)

// MOF holds the package's class definitions.
//
//go:embed *.mof
var MOF embed.FS

// Files lists the MOF files of MOF in compile order.
var Files = []string{"registry.mof"}

// ProviderName is WMI's name of the registry provider.
const ProviderName = "RegProv"

// The hDefKey values.
const (
	HKEY_CLASSES_ROOT   = 0x80000000
	HKEY_CURRENT_USER   = 0x80000001
	HKEY_LOCAL_MACHINE  = 0x80000002
	HKEY_USERS          = 0x80000003
	HKEY_CURRENT_CONFIG = 0x80000005
)

// The value types (REG_*), as EnumValues reports them.
const (
	REG_SZ        = 1
	REG_EXPAND_SZ = 2
	REG_BINARY    = 3
	REG_DWORD     = 4
	REG_MULTI_SZ  = 7
	REG_QWORD     = 11
)

// Return values.
const (
	Success          = 0
	ValueNotFound    = 1
	FileNotFound     = 2
	AccessDenied     = 5
	InvalidParameter = 87
	TypeMismatch     = 0x80041005 // WBEM_E_TYPE_MISMATCH
)

// StoreNamespace is where the registry is kept.
const StoreNamespace = `root\default`

// The classes of the store.
const (
	keyClassName   = "GowmiRegistry_Key"
	valueClassName = "GowmiRegistry_Value"
)

// Provider serves StdRegProv over a repository.
type Provider struct {
	store repository.Store
	once  sync.Once
	err   error
}

// New returns a Provider keeping the registry in store.
func New(store repository.Store) *Provider { return &Provider{store: store} }

// Register registers a Provider keeping the registry in om's repository.
func Register(om *cimom.ObjectManager) error {
	return om.RegisterProvider(ProviderName, New(om.Store()))
}

var hives = map[uint32]string{
	HKEY_CLASSES_ROOT:   "HKEY_CLASSES_ROOT",
	HKEY_CURRENT_USER:   "HKEY_CURRENT_USER",
	HKEY_LOCAL_MACHINE:  "HKEY_LOCAL_MACHINE",
	HKEY_USERS:          "HKEY_USERS",
	HKEY_CURRENT_CONFIG: "HKEY_CURRENT_CONFIG",
}

// keyPath returns the stored path of a key and the path of the root that
// always exists above it (a hive, or the key a linked hive stands for).
func keyPath(hive uint32, sub, user string) (path, root string, ok bool) {
	var base string
	switch hive {
	case HKEY_LOCAL_MACHINE, HKEY_USERS:
		base = hives[hive]
	case HKEY_CURRENT_USER:
		if user == "" {
			user = ".DEFAULT"
		}
		base = `HKEY_USERS\` + strings.ReplaceAll(user, `\`, "_")
	case HKEY_CLASSES_ROOT:
		base = `HKEY_LOCAL_MACHINE\SOFTWARE\Classes`
	case HKEY_CURRENT_CONFIG:
		base = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Hardware Profiles\Current`
	default:
		return "", "", false
	}
	sub = strings.Trim(sub, `\`)
	if sub == "" {
		return base, base, true
	}
	return base + `\` + sub, base, true
}

// ensure creates the store's classes the first time.
func (p *Provider) ensure(ctx context.Context) error {
	p.once.Do(func() {
		p.err = p.store.Update(ctx, func(tx repository.Tx) error {
			if !tx.NamespaceExists(StoreNamespace) {
				if err := tx.CreateNamespace(StoreNamespace); err != nil {
					return err
				}
			}
			key := cim.Qualifier{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}
			desc := func(s string) cim.Qualifiers {
				return cim.Qualifiers{{Name: "Description", Value: cim.String(s)}}
			}
			classes := []*cim.Class{
				{Name: keyClassName, Qualifiers: desc("A key of StdRegProv's registry (gowmi's store)."),
					Properties: []*cim.Property{{Name: "Path", Type: cim.TypeString, Qualifiers: cim.Qualifiers{key}}}},
				{Name: valueClassName, Qualifiers: desc("A value of StdRegProv's registry (gowmi's store)."),
					Properties: []*cim.Property{
						{Name: "Path", Type: cim.TypeString, Qualifiers: cim.Qualifiers{key}},
						{Name: "Name", Type: cim.TypeString, Qualifiers: cim.Qualifiers{key}},
						{Name: "Type", Type: cim.TypeUint32},
						{Name: "Text", Type: cim.TypeString},
						{Name: "Texts", Type: cim.TypeString.ArrayOf()},
						{Name: "Number", Type: cim.TypeUint64},
						{Name: "Bytes", Type: cim.TypeUint8.ArrayOf()},
					}},
			}
			for _, c := range classes {
				if _, err := tx.GetClass(StoreNamespace, c.Name); err == nil {
					continue
				}
				if err := tx.PutClass(StoreNamespace, c, 0); err != nil {
					return err
				}
			}
			return nil
		})
	})
	return p.err
}

func keyRef(path string) cim.Path {
	return cim.Path{Class: keyClassName, Keys: []cim.KeyBinding{{Name: "Path", Value: cim.String(path)}}}
}

func valueRef(path, name string) cim.Path {
	return cim.Path{Class: valueClassName, Keys: []cim.KeyBinding{
		{Name: "Name", Value: cim.String(name)}, {Name: "Path", Value: cim.String(path)}}}
}

// keyExists reports whether a key exists.
func keyExists(tx repository.Tx, path, root string) (bool, error) {
	if strings.EqualFold(path, root) {
		return true, nil
	}
	_, err := tx.GetInstance(StoreNamespace, keyRef(path))
	if status.CodeOf(err) == status.NotFound {
		return false, nil
	}
	return err == nil, err
}

// call is one method call's parameters.
type call struct {
	req        *provider.MethodRequest
	path, root string
	name       string // sValueName
}

// ExecMethod implements provider.MethodExecutor.
func (p *Provider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	if err := p.ensure(ctx); err != nil {
		return nil, err
	}
	hive := uint32(HKEY_LOCAL_MACHINE)
	if n, ok := prov.ArgInt(req, "hDefKey"); ok {
		hive = uint32(n)
	}
	sub, _ := prov.ArgString(req, "sSubKeyName")
	path, root, ok := keyPath(hive, sub, req.User)
	if !ok {
		return prov.Result(req, InvalidParameter)
	}
	name, _ := prov.ArgString(req, "sValueName")
	c := &call{req: req, path: path, root: root, name: name}
	m := req.Method.Name
	switch {
	case strings.EqualFold(m, "CreateKey"):
		return p.createKey(ctx, c)
	case strings.EqualFold(m, "DeleteKey"):
		return p.deleteKey(ctx, c)
	case strings.EqualFold(m, "EnumKey"):
		return p.enumKey(ctx, c)
	case strings.EqualFold(m, "EnumValues"):
		return p.enumValues(ctx, c)
	case strings.EqualFold(m, "DeleteValue"):
		return p.deleteValue(ctx, c)
	case strings.EqualFold(m, "CheckAccess"):
		return p.checkAccess(ctx, c)
	case strings.HasPrefix(strings.ToLower(m), "set") && strings.HasSuffix(strings.ToLower(m), "value"):
		return p.setValue(ctx, c, m[3:len(m)-5])
	case strings.HasPrefix(strings.ToLower(m), "get") && strings.HasSuffix(strings.ToLower(m), "value"):
		return p.getValue(ctx, c, m[3:len(m)-5])
	}
	return nil, prov.NotSupported(ProviderName, req)
}

// createKey creates a key and the missing keys above it.
func (p *Provider) createKey(ctx context.Context, c *call) (*cim.Instance, error) {
	err := p.store.Update(ctx, func(tx repository.Tx) error { return materialize(tx, c.path) })
	if err != nil {
		return nil, err
	}
	return prov.Result(c.req, Success)
}

// materialize stores a key and the keys above it up to its hive, those of
// a linked hive's root included (HKEY_CURRENT_USER's key under HKEY_USERS),
// so that they are seen through every hive.
func materialize(tx repository.Tx, path string) error {
	class, err := tx.GetClass(StoreNamespace, keyClassName)
	if err != nil {
		return err
	}
	segs := strings.Split(path, `\`)
	cur := segs[0] // the hive
	for _, seg := range segs[1:] {
		if seg == "" {
			continue
		}
		cur += `\` + seg
		if ok, err := keyExists(tx, cur, segs[0]); err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		if err := tx.PutInstance(StoreNamespace, class.MustSpawn().MustPut("Path", cim.String(cur)), 0); err != nil {
			return err
		}
	}
	return nil
}

// children returns the names of a key's direct subkeys.
func children(tx repository.Tx, path string) ([]string, error) {
	prefix := strings.ToLower(path) + `\`
	var out []string
	err := tx.Instances(StoreNamespace, keyClassName, false, func(inst *cim.Instance) error {
		kp, _ := inst.Value("Path").Str()
		if strings.HasPrefix(strings.ToLower(kp), prefix) && !strings.Contains(kp[len(prefix):], `\`) {
			out = append(out, kp[len(prefix):])
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out, err
}

// values returns a key's values, by name.
func values(tx repository.Tx, path string) ([]*cim.Instance, error) {
	var out []*cim.Instance
	err := tx.Instances(StoreNamespace, valueClassName, false, func(inst *cim.Instance) error {
		if kp, _ := inst.Value("Path").Str(); strings.EqualFold(kp, path) {
			out = append(out, inst)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		a, _ := out[i].Value("Name").Str()
		b, _ := out[j].Value("Name").Str()
		return strings.ToLower(a) < strings.ToLower(b)
	})
	return out, err
}

// deleteKey deletes a key that has no subkeys, with its values.
func (p *Provider) deleteKey(ctx context.Context, c *call) (*cim.Instance, error) {
	rv := uint32(Success)
	err := p.store.Update(ctx, func(tx repository.Tx) error {
		if strings.EqualFold(c.path, c.root) {
			rv = AccessDenied
			return nil
		}
		ok, err := keyExists(tx, c.path, c.root)
		if err != nil {
			return err
		}
		if !ok {
			rv = FileNotFound
			return nil
		}
		subs, err := children(tx, c.path)
		if err != nil {
			return err
		}
		if len(subs) > 0 {
			rv = AccessDenied
			return nil
		}
		vals, err := values(tx, c.path)
		if err != nil {
			return err
		}
		for _, v := range vals {
			name, _ := v.Value("Name").Str()
			if err := tx.DeleteInstance(StoreNamespace, valueRef(c.path, name)); err != nil {
				return err
			}
		}
		return tx.DeleteInstance(StoreNamespace, keyRef(c.path))
	})
	if err != nil {
		return nil, err
	}
	return prov.Result(c.req, rv)
}

func (p *Provider) enumKey(ctx context.Context, c *call) (*cim.Instance, error) {
	rv := uint32(Success)
	var names []string
	err := p.store.View(ctx, func(tx repository.Tx) error {
		ok, err := keyExists(tx, c.path, c.root)
		if err != nil || !ok {
			rv = FileNotFound
			return err
		}
		names, err = children(tx, c.path)
		return err
	})
	if err != nil {
		return nil, err
	}
	if rv != Success || len(names) == 0 {
		return prov.Result(c.req, rv)
	}
	return prov.Result(c.req, rv, "sNames", names)
}

func (p *Provider) enumValues(ctx context.Context, c *call) (*cim.Instance, error) {
	rv := uint32(Success)
	var names []string
	var types []int32
	err := p.store.View(ctx, func(tx repository.Tx) error {
		ok, err := keyExists(tx, c.path, c.root)
		if err != nil || !ok {
			rv = FileNotFound
			return err
		}
		vals, err := values(tx, c.path)
		for _, v := range vals {
			n, _ := v.Value("Name").Str()
			t, _ := v.Value("Type").Uint()
			names = append(names, n)
			types = append(types, int32(t))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if rv != Success || len(names) == 0 {
		return prov.Result(c.req, rv)
	}
	return prov.Result(c.req, rv, "sNames", names, "Types", types)
}

func (p *Provider) deleteValue(ctx context.Context, c *call) (*cim.Instance, error) {
	rv := uint32(Success)
	err := p.store.Update(ctx, func(tx repository.Tx) error {
		ok, err := keyExists(tx, c.path, c.root)
		if err != nil || !ok {
			rv = FileNotFound
			return err
		}
		err = tx.DeleteInstance(StoreNamespace, valueRef(c.path, c.name))
		if status.CodeOf(err) == status.NotFound {
			rv = FileNotFound // RegDeleteValue: ERROR_FILE_NOT_FOUND
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return prov.Result(c.req, rv)
}

// checkAccess grants every access on an existing key: the store has no
// per-key security; who may call StdRegProv's methods at all is the
// namespace's security (WBEM_METHOD_EXECUTE).
func (p *Provider) checkAccess(ctx context.Context, c *call) (*cim.Instance, error) {
	var ok bool
	err := p.store.View(ctx, func(tx repository.Tx) error {
		var err error
		ok, err = keyExists(tx, c.path, c.root)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return prov.Result(c.req, FileNotFound)
	}
	return prov.Result(c.req, Success, "bGranted", true)
}

// valueKinds maps the middle of Set…Value and Get…Value to a type.
var valueKinds = map[string]uint32{
	"string": REG_SZ, "expandedstring": REG_EXPAND_SZ, "binary": REG_BINARY,
	"dword": REG_DWORD, "multistring": REG_MULTI_SZ, "qword": REG_QWORD,
}

// setValue creates or replaces a value of an existing key.
func (p *Provider) setValue(ctx context.Context, c *call, kind string) (*cim.Instance, error) {
	typ, ok := valueKinds[strings.ToLower(kind)]
	if !ok {
		return nil, prov.NotSupported(ProviderName, c.req)
	}
	arg := "sValue"
	if typ == REG_DWORD || typ == REG_QWORD || typ == REG_BINARY {
		arg = "uValue"
	}
	data := prov.Arg(c.req, arg)
	if data.IsNull() {
		return prov.Result(c.req, InvalidParameter)
	}
	rv := uint32(Success)
	err := p.store.Update(ctx, func(tx repository.Tx) error {
		ok, err := keyExists(tx, c.path, c.root)
		if err != nil || !ok {
			rv = FileNotFound
			return err
		}
		if strings.EqualFold(c.path, c.root) {
			if err := materialize(tx, c.path); err != nil { // a linked hive's root
				return err
			}
		}
		class, err := tx.GetClass(StoreNamespace, valueClassName)
		if err != nil {
			return err
		}
		inst := class.MustSpawn().MustPut("Path", cim.String(c.path)).MustPut("Name", cim.String(c.name)).
			MustPut("Type", cim.Uint32(typ))
		switch typ {
		case REG_SZ, REG_EXPAND_SZ:
			err = inst.Put("Text", data)
		case REG_MULTI_SZ:
			err = inst.Put("Texts", data)
		case REG_DWORD, REG_QWORD:
			err = inst.Put("Number", data)
		case REG_BINARY:
			err = inst.Put("Bytes", data)
		}
		if err != nil {
			return err
		}
		return tx.PutInstance(StoreNamespace, inst, 0)
	})
	if err != nil {
		return nil, err
	}
	return prov.Result(c.req, rv)
}

var envRef = regexp.MustCompile(`%([^%]+)%`)

// expand replaces %NAME% by the environment variable NAME of the
// provider's process, leaving unknown names as they are (as
// ExpandEnvironmentStrings does).
func expand(s string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := os.LookupEnv(m[1 : len(m)-1]); ok {
			return v
		}
		return m
	})
}

// getValue reads a value of the kind a Get…Value method asks for.
func (p *Provider) getValue(ctx context.Context, c *call, kind string) (*cim.Instance, error) {
	want, ok := valueKinds[strings.ToLower(kind)]
	if !ok {
		return nil, prov.NotSupported(ProviderName, c.req)
	}
	rv := uint32(Success)
	var v *cim.Instance
	err := p.store.View(ctx, func(tx repository.Tx) error {
		ok, err := keyExists(tx, c.path, c.root)
		if err != nil || !ok {
			rv = FileNotFound
			return err
		}
		v, err = tx.GetInstance(StoreNamespace, valueRef(c.path, c.name))
		if status.CodeOf(err) == status.NotFound {
			rv = ValueNotFound
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if rv != Success {
		return prov.Result(c.req, rv)
	}
	t, _ := v.Value("Type").Uint()
	typ := uint32(t)
	switch {
	case typ == want:
	case want == REG_SZ && typ == REG_EXPAND_SZ, want == REG_EXPAND_SZ && typ == REG_SZ:
	default:
		return prov.Result(c.req, TypeMismatch)
	}
	var out any
	switch want {
	case REG_SZ:
		out, _ = v.Value("Text").Str()
	case REG_EXPAND_SZ:
		s, _ := v.Value("Text").Str()
		if typ == REG_EXPAND_SZ {
			s = expand(s)
		}
		out = s
	case REG_MULTI_SZ:
		out = v.Value("Texts")
	case REG_DWORD:
		n, _ := v.Value("Number").Uint()
		out = uint32(n)
	case REG_QWORD:
		n, _ := v.Value("Number").Uint()
		out = n
	case REG_BINARY:
		out = v.Value("Bytes")
	}
	name := "sValue"
	if want == REG_DWORD || want == REG_QWORD || want == REG_BINARY {
		name = "uValue"
	}
	return prov.Result(c.req, Success, name, out)
}
