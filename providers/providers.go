// Package providers assembles gowmi's built-in providers: the machine as
// WMI's classes in root\cimv2 (and StdRegProv in root\default too).
//
// It holds the MOF of the DMTF CIM base classes that Windows keeps in
// root\cimv2 and that the Win32 classes derive from (cim.mof:
// CIM_ManagedSystemElement, CIM_LogicalElement, CIM_System,
// CIM_ComputerSystem, CIM_UnitaryComputerSystem, CIM_OperatingSystem,
// CIM_Process, CIM_Service, CIM_Setting, CIM_SystemResource,
// CIM_LogicalDevice, CIM_StorageExtent, CIM_StorageVolume, CIM_LogicalDisk),
// written after Microsoft's documentation of those classes; [Install], which
// compiles it and every provider's MOF into a repository; and [RegisterAll],
// which registers every provider with an object manager.
//
// Each provider is a package of its own below this one, with its MOF
// embedded and a Register function:
//
//	providers/os        Win32_OperatingSystem, Win32_ComputerSystem, Win32_Environment
//	providers/process   Win32_Process, Win32_ProcessStartTrace, Win32_ProcessStopTrace
//	providers/volume    Win32_Volume, Win32_LogicalDisk, Win32_DefragAnalysis
//	providers/service   Win32_Service (systemd over D-Bus)
//	providers/ping      Win32_PingStatus (ICMP echo)
//	providers/eventlog  Win32_NTLogEvent (the systemd journal, or syslog files)
//	providers/registry  StdRegProv (a registry kept in the repository)
package providers

import (
	"context"
	"embed"
	"io/fs"

	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/mof"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"

	"github.com/gowmi/gowmi/providers/eventlog"
	wmios "github.com/gowmi/gowmi/providers/os"
	"github.com/gowmi/gowmi/providers/ping"
	"github.com/gowmi/gowmi/providers/process"
	"github.com/gowmi/gowmi/providers/registry"
	"github.com/gowmi/gowmi/providers/service"
	"github.com/gowmi/gowmi/providers/volume"
)

// BaseMOF holds cim.mof, the CIM base classes.
//
//go:embed cim.mof
var BaseMOF embed.FS

// BaseFile is the name of the base classes' file in BaseMOF.
const BaseFile = "cim.mof"

// A Package is one built-in provider package: its MOF, the namespaces it
// goes into, and its registration.
type Package struct {
	Name       string
	MOF        fs.FS
	Files      []string
	Namespaces []string                            // root\cimv2 when nil
	Register   func(om *cimom.ObjectManager) error // registers the provider on om
	// NeedsBase is false for a package whose classes do not derive from
	// the CIM base classes.
	NeedsBase bool
}

// Packages lists the built-in providers in compile order.
var Packages = []Package{
	{Name: "os", MOF: wmios.MOF, Files: wmios.Files, Register: wmios.Register, NeedsBase: true},
	{Name: "process", MOF: process.MOF, Files: process.Files, Register: process.Register, NeedsBase: true},
	{Name: "volume", MOF: volume.MOF, Files: volume.Files, Register: volume.Register, NeedsBase: true},
	{Name: "service", MOF: service.MOF, Files: service.Files, Register: service.Register, NeedsBase: true},
	{Name: "ping", MOF: ping.MOF, Files: ping.Files, Register: ping.Register},
	{Name: "eventlog", MOF: eventlog.MOF, Files: eventlog.Files, Register: eventlog.Register},
	{Name: "registry", MOF: registry.MOF, Files: registry.Files, Register: registry.Register,
		Namespaces: []string{schema.NamespaceDefault, schema.NamespaceCIMV2}},
}

// Install gives a repository the standard namespaces and system classes
// (schema.Install) and compiles the CIM base classes and every provider's
// MOF into their namespaces, in one transaction. It may run on every
// start: classes already there are updated to this binary's definitions.
func Install(ctx context.Context, store repository.Store) error {
	return InstallPackages(ctx, store, Packages...)
}

// InstallPackages is Install for some of the packages only.
func InstallPackages(ctx context.Context, store repository.Store, pkgs ...Package) error {
	if err := schema.Install(ctx, store); err != nil {
		return err
	}
	return store.Update(ctx, func(tx repository.Tx) error {
		based := map[string]bool{}
		for _, p := range pkgs {
			nss := p.Namespaces
			if nss == nil {
				nss = []string{schema.NamespaceCIMV2}
			}
			for _, ns := range nss {
				if !tx.NamespaceExists(ns) {
					if err := schema.InstallNamespace(tx, ns); err != nil {
						return err
					}
				}
				if p.NeedsBase && !based[ns] {
					if err := compile(tx, BaseMOF, []string{BaseFile}, ns); err != nil {
						return err
					}
					based[ns] = true
				}
				if err := compile(tx, p.MOF, p.Files, ns); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func compile(tx repository.Tx, fsys fs.FS, files []string, ns string) error {
	unit, err := mof.Compile(fsys, files, mof.Options{Namespace: ns, Schema: tx})
	if err != nil {
		return err // a *status.Error with the file and position
	}
	return unit.Apply(tx)
}

// RegisterAll registers every built-in provider with om.
func RegisterAll(om *cimom.ObjectManager) error {
	for _, p := range Packages {
		if err := p.Register(om); err != nil {
			return err
		}
	}
	return nil
}

// Setup installs every built-in provider's classes into store and
// registers the providers with om: what a program that embeds the object
// manager calls once both exist (the shape of cmd/wmi's setup hooks).
func Setup(ctx context.Context, store repository.Store, om *cimom.ObjectManager) error {
	if err := Install(ctx, store); err != nil {
		return err
	}
	return RegisterAll(om)
}
