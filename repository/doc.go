// Package repository is gowmi's store of namespaces, qualifier
// declarations, classes and static instances: WMI's CIM repository.
//
// Open returns the durable store, a bbolt file (go.etcd.io/bbolt); NewMemory
// an in-memory one with the same transactions and rules, for tests. Both
// run the same Tx code over an ordered key/value tree of nested buckets: the
// bbolt file, or a persistent treap that copies on write, so that a reader of
// the memory store also holds an immutable snapshot and a failed Update
// leaves nothing.
//
// # Transactions
//
// Store.View runs a read-only transaction on a consistent snapshot;
// Store.Update one atomic write transaction (its function's error, or a
// panic, rolls everything back). Writers are serialized; readers never wait
// for them. Store.Watch reports what each committed Update changed, in
// commit order, for the event subsystem. The context of View and Update is
// checked before the transaction starts and during long walks
// (Instances, Classes, References): a cancelled one ends them with an error
// carrying WBEM_E_CALL_CANCELLED.
//
// A View must not run an Update on the same store in the same goroutine
// while it is open, and a Watch callback must not call Update (both
// deadlock). A long View does not hold up writers while the file fits the
// address space mapped at Open (Options.MmapSize, 1 GiB by default): bbolt
// must wait for readers to remap a file that outgrows it.
//
// # Storage
//
// Each namespace is a bucket under its case-folded full name (`root\cimv2`)
// holding: its name as created; qualifier declarations; classes, each
// stored once as its own declaration (its properties, methods and
// qualifiers, without the inherited ones) in a compact binary record; the
// class hierarchy as an index of (superclass, class) pairs; the instances of
// each class in a bucket of their own, keyed by their canonical key, each
// record holding only the values the instance sets (by property name, with
// their CIM types) and its qualifiers, never its class; the key index; and
// the reference index. See tx.go for the exact layout and codec.go for the
// record encoding.
//
// Decoded classes are cached for readers, keyed by namespace and class and
// tagged with a schema epoch that every class write increments inside its
// transaction: a transaction uses the cache only at its own snapshot's
// epoch, so it never sees a class from another snapshot. Classes and
// instances handed out are the caller's to modify; only the parent chain of
// a class and the class of an instance are shared, read-only.
//
// # Identity of instances
//
// An instance is identified by its class's key values, converted to the key
// properties' types (a path Class.Id="5" finds Id=5 of a uint32 key),
// strings compared case-insensitively, key order and the Class="v" shorthand
// as in WMI. Key uniqueness spans the key root of a class: its highest
// ancestor with the same key properties (for a singleton, the highest
// singleton ancestor). Within a key root one key names one object: as WMI
// documents ("Changing the Inheritance of an Instance"), writing an instance
// of one class with the key of an instance of another class of the
// hierarchy implicitly deletes the old one (WBEM_FLAG_CREATE_ONLY fails with
// WBEM_E_ALREADY_EXISTS instead), and GetInstance with a path naming an
// ancestor finds the instance of the subclass, while a path naming a
// subclass does not find an instance of its parent.
//
// # WMI's rules and codes
//
// Namespaces: a missing namespace is WBEM_E_INVALID_NAMESPACE; a malformed
// name given to CreateNamespace is WBEM_E_INVALID_PARAMETER; root cannot be
// deleted (WBEM_E_INVALID_OPERATION). The __NAMESPACE instances of a
// namespace are its child namespaces: GetInstance, Instances, PutInstance
// and DeleteInstance of __NAMESPACE read, create and delete children (with
// the namespace's __NAMESPACE class when its schema has one, a built-in
// equivalent otherwise), so they can never disagree with the tree.
//
// PutClass: create-only on an existing class WBEM_E_ALREADY_EXISTS;
// update-only on a missing one WBEM_E_NOT_FOUND; a missing superclass, or a
// different superclass for an existing class, WBEM_E_INVALID_SUPERCLASS; a
// name beginning with a single '_' WBEM_E_INVALID_OPERATION, an invalid
// name WBEM_E_INVALID_PARAMETER; a class cim's Validate rejects keeps cim's
// code; both update-only and create-only, both safe and force mode, or
// unknown flags WBEM_E_INVALID_PARAMETER. System classes ("__" names) may be
// written, so the schema bootstrap can store them, but not deleted
// (WBEM_E_INVALID_OPERATION). Updates follow the modes of
// WBEM_CHANGE_FLAG_TYPE:
//
//   - a change only to unimportant qualifiers (Description, DisplayName,
//     amended ones) is allowed in every mode;
//   - any other change to a class with subclasses needs
//     WBEM_FLAG_UPDATE_SAFE_MODE or WBEM_FLAG_UPDATE_FORCE_MODE; in the
//     default (compatible) mode it is WBEM_E_CLASS_HAS_CHILDREN;
//   - subclasses are checked against the new class: one that no longer
//     validates conflicts: WBEM_E_CLASS_HAS_CHILDREN in safe (and default)
//     mode, deleted with its subclasses and instances in force mode;
//   - a change that invalidates existing instances of the class or its
//     subclasses (a property removed or retyped, keys changed, singleton or
//     dynamic status changed, the class made abstract) is
//     WBEM_E_CLASS_HAS_INSTANCES in default and safe mode and deletes those
//     instances in force mode. Adding a non-key property is allowed with
//     instances (they see its default). (Microsoft's flag documentation says
//     the compatible and safe modes fail whenever the class has instances;
//     gowmi only refuses changes the instances cannot survive.)
//
// DeleteClass deletes the class, its subclasses and all their instances; a
// missing class is WBEM_E_NOT_FOUND.
//
// PutInstance: an instance of a missing class WBEM_E_INVALID_CLASS; of an
// abstract class, a dynamic class (its provider owns the instances) or an
// Amendment class WBEM_E_INVALID_OPERATION; a property the stored class does
// not have WBEM_E_INVALID_PROPERTY; a NULL key, or a NULL Not_Null
// property, WBEM_E_ILLEGAL_NULL; a keyless class that is not a singleton
// WBEM_E_NO_KEY; create-only on an existing instance WBEM_E_ALREADY_EXISTS;
// update-only on a missing one WBEM_E_NOT_FOUND.
//
// GetInstance: a missing class or instance WBEM_E_NOT_FOUND; a path whose
// keys do not match the class's (missing, extra or unknown keys, a value
// that cannot take the key's type, keys on a singleton)
// WBEM_E_INVALID_OBJECT_PATH. DeleteInstance is the same, but a missing
// class is WBEM_E_INVALID_CLASS. Instances of a missing class is
// WBEM_E_INVALID_CLASS; Classes of a missing superclass too.
//
// References returns the instances of association classes with a
// reference property naming the target: references are indexed when an
// instance is written, by namespace, key root and case-folded key values,
// so that a reference written as Base.Name="x" or Leaf.Name="X" finds
// Leaf.Name="x", and key values written as text or numbers agree.
package repository
