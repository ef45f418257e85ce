package schema

import (
	"context"

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
