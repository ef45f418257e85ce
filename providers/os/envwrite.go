package os

import (
	"context"
	"errors"
	"io/fs"
	goos "os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/wbem/status"
)

// OwnFile is the environment.d file where the provider writes the
// variables created or changed through Win32_Environment: last in
// systemd's lexical order, so that its values win.
const OwnFile = "99-gowmi.conf"

var envMu sync.Mutex // serializes the rewrites of OwnFile

// envTarget returns the environment.d directory of a Win32_Environment's
// UserName: the system's for <SYSTEM>, the user's ~/.config/environment.d
// for "HOST\user" or "user", with the user's ids for the file's owner.
func (p *Provider) envTarget(userName string) (dir string, uid, gid int, err error) {
	if userName == SystemUser {
		return p.path("etc/environment.d"), -1, -1, nil
	}
	name := userName
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		if !strings.EqualFold(name[:i], prov.Hostname()) && name[:i] != "." {
			return "", 0, 0, status.Errorf(status.InvalidParameter, "%s is not a user of this machine", userName)
		}
		name = name[i+1:]
	}
	if home, ok := p.Homes[name]; ok {
		return filepath.Join(home, ".config", "environment.d"), -1, -1, nil
	}
	if p.Homes != nil {
		return "", 0, 0, status.Errorf(status.InvalidParameter, "no user %q", name)
	}
	u, err := user.Lookup(name)
	if err != nil {
		return "", 0, 0, status.Errorf(status.InvalidParameter, "no user %q", name)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return filepath.Join(u.HomeDir, ".config", "environment.d"), uid, gid, nil
}

// editOwnFile rewrites OwnFile in dir with edit applied to its variables.
func editOwnFile(dir string, uid, gid int, edit func(vars map[string]string) error) error {
	envMu.Lock()
	defer envMu.Unlock()
	file := filepath.Join(dir, OwnFile)
	vars := map[string]string{}
	if err := readEnvFile(file, func(k, v string) { vars[k] = v }); err != nil {
		return err
	}
	if err := edit(vars); err != nil {
		return err
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Written by gowmi (Win32_Environment). Later files in this directory override it.\n")
	for _, k := range names {
		b.WriteString(k + "=" + quoteEnv(vars[k]) + "\n")
	}
	if err := goos.MkdirAll(dir, 0o755); err != nil {
		return fileErr(err)
	}
	tmp := file + ".tmp"
	if err := goos.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return fileErr(err)
	}
	if uid >= 0 {
		_ = goos.Lchown(tmp, uid, gid)
	}
	if err := goos.Rename(tmp, file); err != nil {
		return fileErr(err)
	}
	return nil
}

// quoteEnv quotes a value that has blanks or quotes for environment.d.
func quoteEnv(v string) string {
	if !strings.ContainsAny(v, " \t\"'\\$") {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`).Replace(v) + `"`
}

func fileErr(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return status.Wrap(status.AccessDenied, err)
	}
	return status.Wrap(status.Failed, err)
}

func envFields(inst *cim.Instance) (name, userName, value string, err error) {
	name, _ = inst.Value("Name").Str()
	userName, _ = inst.Value("UserName").Str()
	value, _ = inst.Value("VariableValue").Str()
	if name == "" || strings.ContainsAny(name, "= \t\n") {
		return "", "", "", status.Errorf(status.InvalidParameter, "invalid variable name %q", name)
	}
	if strings.ContainsAny(value, "\n") {
		return "", "", "", status.New(status.InvalidParameter, "a variable's value cannot span lines")
	}
	if userName == "" {
		return "", "", "", status.New(status.InvalidParameter, "UserName is required (<SYSTEM> for a system variable)")
	}
	return name, userName, value, nil
}

func envOnly(class *cim.Class) error {
	if class.InheritsFrom("Win32_Environment") {
		return nil
	}
	return status.Errorf(status.NotSupported, "%s cannot be changed here", class.Name)
}

// exists reports whether the variable is defined for the user.
func (p *Provider) exists(name, userName string) (bool, error) {
	vars, err := p.environment()
	if err != nil {
		return false, err
	}
	for _, v := range vars {
		if strings.EqualFold(v.name, name) && strings.EqualFold(v.user, userName) {
			return true, nil
		}
	}
	return false, nil
}

// ModifyInstance implements provider.InstanceModifier: the variable is
// set in OwnFile; a variable that does not exist is WBEM_E_NOT_FOUND (the
// object manager then creates it).
func (p *Provider) ModifyInstance(ctx context.Context, req *provider.PutRequest) error {
	if err := envOnly(req.Class); err != nil {
		return err
	}
	name, userName, value, err := envFields(req.Instance)
	if err != nil {
		return err
	}
	if userName != SystemUser && !strings.Contains(userName, `\`) {
		userName = prov.Hostname() + `\` + userName
	}
	ok, err := p.exists(name, userName)
	if err != nil {
		return err
	}
	if !ok {
		return status.Errorf(status.NotFound, "no variable %s for %s", name, userName)
	}
	return p.set(name, userName, value)
}

// CreateInstance implements provider.InstanceCreator.
func (p *Provider) CreateInstance(ctx context.Context, req *provider.PutRequest) (cim.Path, error) {
	if err := envOnly(req.Class); err != nil {
		return cim.Path{}, err
	}
	name, userName, value, err := envFields(req.Instance)
	if err != nil {
		return cim.Path{}, err
	}
	if userName != SystemUser && !strings.Contains(userName, `\`) {
		userName = prov.Hostname() + `\` + userName
	}
	if err := p.set(name, userName, value); err != nil {
		return cim.Path{}, err
	}
	return cim.Path{Class: "Win32_Environment", Keys: []cim.KeyBinding{
		{Name: "Name", Value: cim.String(name)}, {Name: "UserName", Value: cim.String(userName)}}}, nil
}

func (p *Provider) set(name, userName, value string) error {
	dir, uid, gid, err := p.envTarget(userName)
	if err != nil {
		return err
	}
	return editOwnFile(dir, uid, gid, func(vars map[string]string) error {
		for k := range vars {
			if strings.EqualFold(k, name) {
				delete(vars, k)
			}
		}
		vars[name] = value
		return nil
	})
}

// DeleteInstance implements provider.InstanceDeleter: the variable is
// removed from OwnFile. One defined in a file gowmi did not write is not
// deleted (WBEM_E_ACCESS_DENIED): that file is the administrator's.
func (p *Provider) DeleteInstance(ctx context.Context, req *provider.DeleteRequest) error {
	if err := envOnly(req.Class); err != nil {
		return err
	}
	name, _ := prov.KeyString(req.Path, "Name")
	userName, _ := prov.KeyString(req.Path, "UserName")
	dir, uid, gid, err := p.envTarget(userName)
	if err != nil {
		return err
	}
	found := false
	err = editOwnFile(dir, uid, gid, func(vars map[string]string) error {
		for k := range vars {
			if strings.EqualFold(k, name) {
				delete(vars, k)
				found = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	still, err := p.exists(name, userName)
	switch {
	case err != nil:
		return err
	case still:
		return status.Errorf(status.AccessDenied, "%s is set in a file of %s that gowmi did not write", name, dir)
	case !found:
		return status.Errorf(status.NotFound, "no variable %s for %s", name, userName)
	}
	return nil
}
