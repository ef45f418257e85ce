package main

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/mof"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// compileMOFThrough compiles MOF files against a daemon's classes and, but
// for --check, applies them through its Services, as mofcomp does against
// WMI: one call per declaration, in order, with no transaction around them
// (the daemon holds the repository). Standard qualifier declarations come
// from the schema this wmi carries, the same the daemon installed;
// qualifier declarations of the files are checked, not sent: WMI's API
// does not store them.
func compileMOFThrough(ctx context.Context, g *globals, target string, fsys fs.FS, names []string, check bool) error {
	standard := repository.NewMemory()
	if err := schema.Install(ctx, standard); err != nil {
		return err
	}
	defer standard.Close()
	d := &daemonTarget{ctx: ctx, g: g, target: target, open: map[string]wbem.Services{}}
	defer d.close()
	var unit *mof.Unit
	err := standard.View(ctx, func(tx repository.Tx) error {
		d.standard = schema.Target(tx)
		var err error
		if unit, err = mof.Compile(fsys, names, mof.Options{Namespace: g.ns, AbstractUnderConcrete: true, Schema: d}); err != nil {
			return err
		}
		if check {
			return nil
		}
		return unit.Apply(d)
	})
	if err != nil {
		if d.applied > 0 {
			fmt.Fprintf(g.stderr, "%d operations before the error were applied: a daemon applies a file's declarations one by one\n", d.applied)
		}
		return err
	}
	if d.decls > 0 {
		fmt.Fprintf(g.stderr, "note: %d qualifier declarations checked, not sent: a daemon keeps its own\n", d.decls)
	}
	reportUnit(g, unit, check, " through the daemon")
	return nil
}

// daemonTarget is a mof.Target over a daemon's Services, one connection
// per namespace. It lives for one compile: mof.Target's methods take no
// context, so it holds the compile's.
type daemonTarget struct {
	ctx      context.Context
	g        *globals
	target   string
	open     map[string]wbem.Services // by lower-case namespace
	standard mof.Schema               // the standard qualifier declarations
	applied  int                      // operations done
	decls    int                      // qualifier declarations not sent
}

func (d *daemonTarget) close() {
	for _, svc := range d.open {
		_ = svc.Close()
	}
}

// services returns the Services of a namespace.
func (d *daemonTarget) services(ns string) (wbem.Services, error) {
	key := strings.ToLower(ns)
	if svc, ok := d.open[key]; ok {
		return svc, nil
	}
	s, err := d.g.connectDaemonNS(d.ctx, d.target, ns)
	if err != nil {
		return nil, err
	}
	d.open[key] = s.svc
	return s.svc, nil
}

func (d *daemonTarget) GetClass(ns, name string) (*cim.Class, error) {
	svc, err := d.services(ns)
	if err != nil {
		if status.CodeOf(err) == status.InvalidNamespace {
			// A namespace the files create: nothing in it yet.
			return nil, status.Errorf(status.NotFound, "class %s is not in %s", name, ns)
		}
		return nil, err
	}
	o, err := svc.GetObject(d.ctx, name, 0, nil)
	if err != nil {
		return nil, err
	}
	c, ok := o.(*cim.Class)
	if !ok {
		return nil, status.Errorf(status.InvalidClass, "%s is not a class", name)
	}
	return c, nil
}

// QualifierDecl answers from the standard declarations: those of the
// namespace when it is a standard one, root's otherwise (schema.Target).
func (d *daemonTarget) QualifierDecl(ns, name string) (cim.QualifierDecl, error) {
	return d.standard.QualifierDecl(ns, name)
}

func (d *daemonTarget) CreateNamespace(ns string) error {
	parts := strings.Split(ns, `\`)
	for k := 1; k < len(parts); k++ {
		parent, leaf := strings.Join(parts[:k], `\`), parts[k]
		svc, err := d.services(parent)
		if err != nil {
			return err
		}
		if err := createNamespace(d.ctx, svc, leaf); err != nil && status.CodeOf(err) != status.AlreadyExists {
			return err
		}
	}
	d.applied++
	return nil
}

// createNamespace creates the child namespace name of parent's with an
// instance of __NAMESPACE; WBEM_E_ALREADY_EXISTS when it exists.
func createNamespace(ctx context.Context, parent wbem.Services, name string) error {
	o, err := parent.GetObject(ctx, "__NAMESPACE", 0, nil)
	if err != nil {
		return err
	}
	c, ok := o.(*cim.Class)
	if !ok {
		return status.New(status.InvalidClass, "__NAMESPACE is not a class")
	}
	inst, err := c.SpawnInstance()
	if err != nil {
		return err
	}
	if err := inst.Put("Name", cim.String(name)); err != nil {
		return err
	}
	_, err = parent.PutInstance(ctx, inst, wbem.FlagCreateOnly, nil)
	return err
}

func (d *daemonTarget) PutQualifierDecl(string, cim.QualifierDecl) error {
	d.decls++
	return nil
}

func (d *daemonTarget) PutClass(ns string, c *cim.Class, flags uint32) error {
	return d.do(ns, func(svc wbem.Services) error { return svc.PutClass(d.ctx, c, wbem.Flags(flags), nil) })
}

func (d *daemonTarget) PutInstance(ns string, inst *cim.Instance, flags uint32) error {
	return d.do(ns, func(svc wbem.Services) error {
		_, err := svc.PutInstance(d.ctx, inst, wbem.Flags(flags), nil)
		return err
	})
}

func (d *daemonTarget) DeleteClass(ns, name string) error {
	return d.do(ns, func(svc wbem.Services) error { return svc.DeleteClass(d.ctx, name, 0, nil) })
}

func (d *daemonTarget) DeleteInstance(ns string, path cim.Path) error {
	return d.do(ns, func(svc wbem.Services) error { return svc.DeleteInstance(d.ctx, path.String(), 0, nil) })
}

// do runs one operation in a namespace and counts it.
func (d *daemonTarget) do(ns string, op func(wbem.Services) error) error {
	svc, err := d.services(ns)
	if err != nil {
		return err
	}
	if err := op(svc); err != nil {
		return err
	}
	d.applied++
	return nil
}
