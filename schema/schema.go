// Package schema holds the MOF text of WMI's system classes, embedded in the
// binary and compiled by the object manager when it creates a repository
// (and, for the files placed in every namespace, whenever it creates a
// namespace, as winmgmt does).
//
// The classes are declared as a Windows repository has them: the same names,
// superclasses, property names, CIM types, keys and class qualifiers
// (abstract, singleton, association), and the same methods with their in and
// out parameters. The files use Microsoft's MOF dialect (DSP0004 MOF plus the
// object type for embedded objects). They carry no #pragma namespace: where a
// file goes is decided by [FilesFor], from the table in [Placement].
//
// Every class name beginning with "__" is reserved for system classes;
// Microsoft's mofcomp refuses to compile them, so the compiler must be told
// that it is compiling system classes.
//
// Namespace names use WMI's separator, the backslash: `root\cimv2`. They are
// matched case-insensitively, and [FilesFor] also accepts the slash form
// ("root/cimv2") used in WS-Management and CIM-XML URIs.
//
// # Placement
//
// Following Windows:
//
//   - system.mof, subscription.mof and events.mof hold the classes Windows has
//     in every namespace: __SystemClass, __NAMESPACE, __thisNAMESPACE,
//     __PARAMETERS, __NotifyStatus, __ExtendedStatus, the security classes,
//     __SystemSecurity, provider registration, __IndicationRelated, the
//     event filter, consumer and binding classes, the whole event hierarchy
//     and the timer instructions.
//   - root.mof holds the classes Windows has only in root:
//     __ProviderHostQuotaConfiguration, __ArbitratorConfiguration,
//     __ListOfEventActiveNamespaces and the __CacheControl family.
//   - cimom.mof (__CIMOMIdentification) goes to root and root\default only.
//   - consumers.mof (LogFileEventConsumer, CommandLineEventConsumer) goes to
//     root\subscription and root\default, where Windows registers its
//     standard consumers (Wbemcons.mof); Windows has no standard consumer
//     classes in root\cimv2, and neither does a new gowmi repository.
//     Subscriptions in root\subscription watch other namespaces through
//     __EventFilter.EventNamespace.
package schema

import (
	"embed"
	"strings"
)

// Files holds the MOF files of this package, by the names in [SystemMOF].
//
//go:embed *.mof
var Files embed.FS

// The MOF files of this package.
const (
	FileSystem       = "system.mof"       // core classes, security, provider registration
	FileSubscription = "subscription.mof" // __EventFilter, __EventConsumer, __FilterToConsumerBinding
	FileEvents       = "events.mof"       // the event hierarchy and the timer instructions
	FileRoot         = "root.mof"         // classes Windows has only in root
	FileCIMOM        = "cimom.mof"        // __CIMOMIdentification
	FileConsumers    = "consumers.mof"    // LogFileEventConsumer, CommandLineEventConsumer
)

// SystemMOF lists every MOF file of this package in compile order: a class is
// always declared in the same file as, or in a file after, its superclass and
// the classes its references and embedded objects name. Compile the subset
// that [FilesFor] returns, which keeps this order.
var SystemMOF = []string{
	FileSystem,
	FileSubscription,
	FileEvents,
	FileRoot,
	FileCIMOM,
	FileConsumers,
}

// The namespaces of a new repository.
const (
	NamespaceRoot         = `root`
	NamespaceCIMV2        = `root\cimv2`
	NamespaceDefault      = `root\default`
	NamespaceSubscription = `root\subscription`
	NamespaceInterop      = `root\interop`
)

// Namespaces lists the namespaces a new repository holds, each after its
// parent. root\cimv2 holds the Win32 and CIM classes of the built-in
// providers, root\default the registry provider and the standard consumers,
// root\subscription the standard consumers and permanent subscriptions, and
// root\interop the DMTF interop (profile registration) classes.
var Namespaces = []string{
	NamespaceRoot,
	NamespaceCIMV2,
	NamespaceDefault,
	NamespaceSubscription,
	NamespaceInterop,
}

// Placement says which namespaces each file of [SystemMOF] is compiled into.
// A nil list means every namespace, including namespaces created later by
// putting an instance of __NAMESPACE.
var Placement = map[string][]string{
	FileSystem:       nil,
	FileSubscription: nil,
	FileEvents:       nil,
	FileRoot:         {NamespaceRoot},
	FileCIMOM:        {NamespaceRoot, NamespaceDefault},
	FileConsumers:    {NamespaceSubscription, NamespaceDefault},
}

// FilesFor returns, in compile order, the files of [SystemMOF] to compile
// into namespace ns. Any namespace gets the files placed in every namespace;
// root, root\default and root\subscription get theirs as well. The name is
// matched case-insensitively and may use slashes instead of backslashes.
func FilesFor(ns string) []string {
	ns = normalize(ns)
	var files []string
	for _, f := range SystemMOF {
		where, ok := Placement[f]
		if !ok {
			continue
		}
		if where == nil {
			files = append(files, f)
			continue
		}
		for _, w := range where {
			if strings.EqualFold(w, ns) {
				files = append(files, f)
				break
			}
		}
	}
	return files
}

// normalize turns a namespace name into the backslash form without leading
// or trailing separators.
func normalize(ns string) string {
	ns = strings.ReplaceAll(ns, "/", `\`)
	return strings.Trim(ns, `\`)
}
