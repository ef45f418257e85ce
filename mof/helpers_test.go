package mof

import (
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// memTarget is an in-memory Target for the tests: namespaces, qualifier
// declarations, classes and instances, keyed case-insensitively.
type memTarget struct {
	namespaces map[string]bool
	decls      map[string]cim.QualifierDecl
	classes    map[string]*cim.Class
	instances  map[string]*cim.Instance
	calls      []string
	failOn     string // a call (as recorded) that fails with WBEM_E_ACCESS_DENIED
}

func newMemTarget() *memTarget {
	return &memTarget{namespaces: map[string]bool{}, decls: map[string]cim.QualifierDecl{},
		classes: map[string]*cim.Class{}, instances: map[string]*cim.Instance{}}
}

func mkey(ns, name string) string { return strings.ToLower(ns) + ":" + strings.ToLower(name) }

func (m *memTarget) record(call string) error {
	m.calls = append(m.calls, call)
	if m.failOn != "" && call == m.failOn {
		return status.Errorf(status.AccessDenied, "%s denied", call)
	}
	return nil
}

func (m *memTarget) GetClass(ns, name string) (*cim.Class, error) {
	if c, ok := m.classes[mkey(ns, name)]; ok {
		return c, nil
	}
	return nil, status.Errorf(status.NotFound, "no class %s in %s", name, ns)
}

func (m *memTarget) QualifierDecl(ns, name string) (cim.QualifierDecl, error) {
	if d, ok := m.decls[mkey(ns, name)]; ok {
		return d, nil
	}
	return cim.QualifierDecl{}, status.Errorf(status.NotFound, "no qualifier %s in %s", name, ns)
}

func (m *memTarget) CreateNamespace(ns string) error {
	if err := m.record("CreateNamespace " + ns); err != nil {
		return err
	}
	m.namespaces[strings.ToLower(ns)] = true
	return nil
}

func (m *memTarget) PutQualifierDecl(ns string, d cim.QualifierDecl) error {
	if err := m.record("PutQualifierDecl " + ns + " " + d.Name); err != nil {
		return err
	}
	m.decls[mkey(ns, d.Name)] = d
	return nil
}

func (m *memTarget) PutClass(ns string, c *cim.Class, flags uint32) error {
	if err := m.record("PutClass " + ns + " " + c.Name); err != nil {
		return err
	}
	_, exists := m.classes[mkey(ns, c.Name)]
	switch {
	case flags&FlagCreateOnly != 0 && exists:
		return status.Errorf(status.AlreadyExists, "class %s exists", c.Name)
	case flags&FlagUpdateOnly != 0 && !exists:
		return status.Errorf(status.NotFound, "class %s does not exist", c.Name)
	}
	m.classes[mkey(ns, c.Name)] = c
	return nil
}

func (m *memTarget) PutInstance(ns string, inst *cim.Instance, flags uint32) error {
	p, err := inst.Path()
	if err != nil {
		return err
	}
	if err := m.record("PutInstance " + ns + " " + p.RelPath()); err != nil {
		return err
	}
	k := mkey(ns, p.RelPath())
	_, exists := m.instances[k]
	switch {
	case flags&FlagCreateOnly != 0 && exists:
		return status.Errorf(status.AlreadyExists, "instance %s exists", p.RelPath())
	case flags&FlagUpdateOnly != 0 && !exists:
		return status.Errorf(status.NotFound, "instance %s does not exist", p.RelPath())
	}
	m.instances[k] = inst
	return nil
}

func (m *memTarget) DeleteClass(ns, name string) error {
	if err := m.record("DeleteClass " + ns + " " + name); err != nil {
		return err
	}
	if _, ok := m.classes[mkey(ns, name)]; !ok {
		return status.Errorf(status.NotFound, "no class %s", name)
	}
	delete(m.classes, mkey(ns, name))
	return nil
}

func (m *memTarget) DeleteInstance(ns string, p cim.Path) error {
	if err := m.record("DeleteInstance " + ns + " " + p.RelPath()); err != nil {
		return err
	}
	if _, ok := m.instances[mkey(ns, p.RelPath())]; !ok {
		return status.Errorf(status.NotFound, "no instance %s", p.RelPath())
	}
	delete(m.instances, mkey(ns, p.RelPath()))
	return nil
}
