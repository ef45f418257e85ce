package repository

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Store is a repository: namespaces, qualifier declarations, classes and
// static instances, read and written in transactions.
type Store interface {
	// View runs fn in a read-only transaction that sees one consistent
	// snapshot of the repository, whatever commits meanwhile.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Update runs fn in a read-write transaction: everything fn does is
	// committed atomically when it returns nil, and nothing when it returns
	// an error or panics. Writers are serialized.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Watch registers fn to be called after each committed Update that
	// changed something, with the changes in the order they were made.
	// Calls come in commit order, one at a time, on the goroutine of the
	// committing Update before it returns. fn must not call Update on the
	// same store (that deadlocks); it should queue the changes. fn must not
	// modify the changes or their objects. cancel unregisters fn.
	Watch(fn func(changes []Change)) (cancel func())
	// Close releases the store; it waits for running transactions.
	Close() error
}

// Tx is a transaction on a Store. It is valid only inside the function
// passed to View or Update and must not be used by several goroutines at
// once. Write methods on a View transaction fail with
// WBEM_E_INVALID_OPERATION.
//
// Namespaces are written `root\cimv2` (a slash is accepted for the
// backslash); names of namespaces, classes, properties and string keys
// compare case-insensitively and keep the case they were created with.
// A namespace that does not exist is WBEM_E_INVALID_NAMESPACE.
//
// Objects returned to the caller are its own to modify, except the parent
// chain of a class (Class.Parent) and the class of an instance
// (Instance.Class), which are shared and read-only.
type Tx interface {
	NamespaceExists(namespace string) bool
	// Namespaces returns the full names of parent's direct children.
	Namespaces(parent string) ([]string, error)
	// CreateNamespace creates the namespace and any missing parent; an
	// existing namespace is not an error.
	CreateNamespace(namespace string) error
	// DeleteNamespace deletes the namespace and everything below it. root
	// cannot be deleted (WBEM_E_INVALID_OPERATION).
	DeleteNamespace(namespace string) error

	PutQualifierDecl(namespace string, d cim.QualifierDecl) error
	QualifierDecl(namespace, name string) (cim.QualifierDecl, error)
	QualifierDecls(namespace string) ([]cim.QualifierDecl, error)

	// GetClass returns the class linked to its parent chain, with
	// Namespace set. WBEM_E_NOT_FOUND when absent.
	GetClass(namespace, name string) (*cim.Class, error)
	// LookupClass is GetClass without the copy: the class is the
	// repository's shared, decoded one and must not be modified. It is
	// for readers that only look (the object manager's routing).
	LookupClass(namespace, name string) (*cim.Class, error)
	// PutClass creates or updates a class; flags are WMI's (FlagUpdateOnly,
	// FlagCreateOnly, FlagUpdateSafeMode, FlagUpdateForceMode).
	PutClass(namespace string, c *cim.Class, flags uint32) error
	// DeleteClass deletes the class, its subclasses and all their instances.
	DeleteClass(namespace, name string) error
	// Classes returns the direct subclasses of superclass (every descendant
	// when deep), parents before children; superclass "" starts at the root
	// classes.
	Classes(namespace, superclass string, deep bool) ([]*cim.Class, error)

	GetInstance(namespace string, path cim.Path) (*cim.Instance, error)
	// PutInstance creates or updates a static instance; flags are 0
	// (create or update), FlagUpdateOnly or FlagCreateOnly.
	PutInstance(namespace string, inst *cim.Instance, flags uint32) error
	DeleteInstance(namespace string, path cim.Path) error
	// Instances streams the instances of class (and of its subclasses when
	// deep) to fn; an error from fn stops the walk and is returned.
	Instances(namespace, class string, deep bool, fn func(*cim.Instance) error) error
	// References streams the instances of association classes that have a
	// reference property naming target.
	References(namespace string, target cim.Path, fn func(assoc *cim.Instance) error) error
}

// The flags of PutClass and PutInstance, with Microsoft's values.
const (
	FlagCreateOrUpdate       uint32 = 0x0     // WBEM_FLAG_CREATE_OR_UPDATE
	FlagUpdateOnly           uint32 = 0x1     // WBEM_FLAG_UPDATE_ONLY
	FlagCreateOnly           uint32 = 0x2     // WBEM_FLAG_CREATE_ONLY
	FlagUpdateCompatible     uint32 = 0x0     // WBEM_FLAG_UPDATE_COMPATIBLE
	FlagUpdateSafeMode       uint32 = 0x20    // WBEM_FLAG_UPDATE_SAFE_MODE
	FlagUpdateForceMode      uint32 = 0x40    // WBEM_FLAG_UPDATE_FORCE_MODE
	FlagOwnerUpdate          uint32 = 0x10000 // WBEM_FLAG_OWNER_UPDATE: accepted, no effect here
	FlagUseAmendedQualifiers uint32 = 0x20000 // WBEM_FLAG_USE_AMENDED_QUALIFIERS: accepted, no effect here
	flagPutModeMask                 = FlagUpdateOnly | FlagCreateOnly
	flagUpdateModeMask              = FlagUpdateSafeMode | FlagUpdateForceMode
	flagsIgnored                    = FlagOwnerUpdate | FlagUseAmendedQualifiers
)

// ChangeKind tells what a Change did.
type ChangeKind int

// The kinds of change.
const (
	NamespaceCreated ChangeKind = iota + 1
	NamespaceDeleted
	ClassCreated
	ClassModified
	ClassDeleted
	InstanceCreated
	InstanceModified
	InstanceDeleted
)

func (k ChangeKind) String() string {
	switch k {
	case NamespaceCreated:
		return "NamespaceCreated"
	case NamespaceDeleted:
		return "NamespaceDeleted"
	case ClassCreated:
		return "ClassCreated"
	case ClassModified:
		return "ClassModified"
	case ClassDeleted:
		return "ClassDeleted"
	case InstanceCreated:
		return "InstanceCreated"
	case InstanceModified:
		return "InstanceModified"
	case InstanceDeleted:
		return "InstanceDeleted"
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// Change is one change a committed Update made.
//
// Namespace is the namespace the change is seen in: for a namespace
// creation or deletion, the parent namespace, and Object is the child's
// __NAMESPACE instance (as __NamespaceCreationEvent.TargetNamespace wants).
// Object is the object as written (created, modified) or as it was
// (deleted). Previous is the object before a modification, and the deleted
// object again for a deletion. An instance written with the key of an
// instance of another class of its hierarchy replaces it: that is an
// InstanceDeleted followed by an InstanceCreated.
type Change struct {
	Kind      ChangeKind
	Namespace string
	Object    cim.Object
	Previous  cim.Object
}

// store is the engine-independent half of BoltStore and MemoryStore.
type store struct {
	kv       kvEngine
	sem      chan struct{} // held by the one running Update
	notifyMu sync.Mutex    // orders Watch calls by commit
	wmu      sync.Mutex
	watchers map[uint64]func([]Change)
	nextW    uint64
	nWatch   atomic.Int32
	cache    *classCache
	closed   atomic.Bool
}

func newStore(kv kvEngine, cacheSize int) *store {
	return &store{
		kv:       kv,
		sem:      make(chan struct{}, 1),
		watchers: map[uint64]func([]Change){},
		cache:    newClassCache(cacheSize),
	}
}

var errClosed = status.New(status.InvalidOperation, "repository is closed")

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return status.Wrap(status.CallCancelled, err)
	}
	return nil
}

func (s *store) View(ctx context.Context, fn func(tx Tx) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if s.closed.Load() {
		return errClosed
	}
	return s.kv.view(func(top kvBucket) error {
		t := newTx(s, ctx, top, false)
		defer t.end()
		return fn(t)
	})
}

// fnError marks an error returned by the caller's function, so that Update
// tells it from a commit failure.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

func (s *store) Update(ctx context.Context, fn func(tx Tx) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctxErr(ctx)
	}
	held := true
	defer func() {
		if held {
			<-s.sem
		}
	}()
	if s.closed.Load() {
		return errClosed
	}
	var changes []Change
	err := s.kv.update(func(top kvBucket) error {
		t := newTx(s, ctx, top, true)
		defer t.end()
		if err := fn(t); err != nil {
			return fnError{err}
		}
		if t.broken != nil {
			return fnError{t.broken}
		}
		changes = t.changes
		return nil
	})
	if err != nil {
		var fe fnError
		if errors.As(err, &fe) {
			return fe.err
		}
		if _, ok := err.(*status.Error); ok {
			return err
		}
		return status.Wrap(status.Failed, fmt.Errorf("repository commit: %w", err))
	}
	if len(changes) > 0 {
		s.notifyMu.Lock()
		<-s.sem
		held = false
		defer s.notifyMu.Unlock()
		s.notify(changes)
	}
	return nil
}

func (s *store) notify(changes []Change) {
	s.wmu.Lock()
	ids := make([]uint64, 0, len(s.watchers))
	for id := range s.watchers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	fns := make([]func([]Change), 0, len(ids))
	for _, id := range ids {
		fns = append(fns, s.watchers[id])
	}
	s.wmu.Unlock()
	for _, fn := range fns {
		fn(changes)
	}
}

func (s *store) Watch(fn func(changes []Change)) (cancel func()) {
	s.wmu.Lock()
	id := s.nextW
	s.nextW++
	s.watchers[id] = fn
	s.nWatch.Add(1)
	s.wmu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.wmu.Lock()
			delete(s.watchers, id)
			s.nWatch.Add(-1)
			s.wmu.Unlock()
		})
	}
}

func (s *store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.kv.close()
}
