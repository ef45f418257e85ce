package schema

import (
	"context"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/mof"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem/status"
)

// Install gives a repository WMI's standard namespaces (root, root\cimv2,
// root\default, root\subscription, root\interop) and compiles into each the
// system classes [FilesFor] places there, in one transaction. A repository
// that already has them (root holds __SystemClass) is left as it is.
func Install(ctx context.Context, store repository.Store) error {
	var installed bool
	err := store.View(ctx, func(tx repository.Tx) error {
		_, err := tx.GetClass(NamespaceRoot, "__SystemClass")
		installed = err == nil
		return nil
	})
	if err != nil || installed {
		return err
	}
	return store.Update(ctx, func(tx repository.Tx) error {
		for _, ns := range Namespaces {
			if err := InstallNamespace(tx, ns); err != nil {
				return err
			}
		}
		return nil
	})
}

// InstallNamespace creates a namespace (and its missing parents) inside a
// transaction and compiles the system classes into it, as winmgmt does for
// every namespace it creates.
func InstallNamespace(tx repository.Tx, ns string) error {
	if err := tx.CreateNamespace(ns); err != nil {
		return err
	}
	unit, err := mof.Compile(Files, FilesFor(ns), mof.Options{Namespace: ns, Schema: tx, SystemClasses: true})
	if err != nil {
		return status.Wrap(status.CodeOf(err), err)
	}
	return unit.Apply(tx)
}

// NewNamespaceOf returns the namespace that putting inst, an instance of
// __NAMESPACE in ns, creates, or "" when inst is not one or the namespace
// already has the system classes. Whoever puts it calls InstallNamespace
// on the returned name afterwards, in the same transaction.
func NewNamespaceOf(tx repository.Tx, ns string, inst *cim.Instance) string {
	if inst == nil || !inst.InheritsFrom("__NAMESPACE") {
		return ""
	}
	name, ok := inst.Value("Name").Str()
	if !ok || name == "" {
		return "" // PutInstance reports it
	}
	child := normalize(ns) + `\` + name
	if _, err := tx.GetClass(child, "__SystemClass"); err == nil {
		return ""
	}
	return child
}

// Target returns tx as the mof.Schema and mof.Target of a compile that
// gives every namespace it creates the system classes, as winmgmt does: a
// #pragma namespace of a new namespace and an instance of __NAMESPACE both
// do. Until it exists, such a namespace has no classes and the standard
// qualifier declarations (root's), so that a file can create a namespace
// and declare classes in it.
func Target(tx repository.Tx) mof.Target { return namespaceTarget{tx} }

type namespaceTarget struct{ repository.Tx }

func (t namespaceTarget) GetClass(ns, name string) (*cim.Class, error) {
	c, err := t.Tx.GetClass(ns, name)
	if status.CodeOf(err) == status.InvalidNamespace {
		return nil, status.Errorf(status.NotFound, "class %s is not in %s, which does not exist yet", name, ns)
	}
	return c, err
}

func (t namespaceTarget) QualifierDecl(ns, name string) (cim.QualifierDecl, error) {
	q, err := t.Tx.QualifierDecl(ns, name)
	if status.CodeOf(err) == status.InvalidNamespace {
		return t.Tx.QualifierDecl(NamespaceRoot, name)
	}
	return q, err
}

func (t namespaceTarget) CreateNamespace(ns string) error {
	if _, err := t.GetClass(ns, "__SystemClass"); err == nil {
		return nil
	}
	return InstallNamespace(t.Tx, ns)
}

func (t namespaceTarget) PutInstance(ns string, inst *cim.Instance, flags uint32) error {
	child := NewNamespaceOf(t.Tx, ns, inst)
	if err := t.Tx.PutInstance(ns, inst, flags); err != nil {
		return err
	}
	if child != "" {
		return InstallNamespace(t.Tx, child)
	}
	return nil
}
