package repository

import (
	"encoding/binary"
	"errors"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gowmi/gowmi/wbem/status"
)

// Options configure Open. The zero value (or nil) is fine.
type Options struct {
	// Timeout bounds the wait for the file lock when another process holds
	// the repository; 0 waits forever.
	Timeout time.Duration
	// NoSync skips fsync on commit. A crash of the machine can then lose or
	// corrupt committed data: for benchmarks and throw-away stores only. (A
	// crash of the process alone loses nothing acknowledged either way.)
	NoSync bool
	// ClassCacheSize bounds the number of decoded classes kept for readers;
	// 0 means 4096.
	ClassCacheSize int
	// Mode is the permission of a new file; 0 means 0600.
	Mode os.FileMode
	// MmapSize is the address space mapped for the file up front; 0 means
	// 1 GiB. bbolt must remap when the file outgrows it, and a remap waits
	// for every open read transaction: while the file fits, a long View
	// never holds up an Update.
	MmapSize int
}

// BoltStore is the durable repository: one bbolt file.
type BoltStore struct {
	*store
	db *bolt.DB
}

// MemoryStore is a repository in memory, with the same transactions and
// rules as BoltStore; for tests.
type MemoryStore struct {
	*store
}

var _ Store = (*BoltStore)(nil)
var _ Store = (*MemoryStore)(nil)

// Open opens the repository file at path, creating it (with the root
// namespace) when it does not exist. A file of another layout version is
// WBEM_E_DATABASE_VER_MISMATCH; a file another process holds past
// opts.Timeout is WBEM_E_INITIALIZATION_FAILURE.
func Open(path string, opts *Options) (*BoltStore, error) {
	if opts == nil {
		opts = &Options{}
	}
	mode := opts.Mode
	if mode == 0 {
		mode = 0o600
	}
	mmap := opts.MmapSize
	if mmap <= 0 {
		mmap = 1 << 30
	}
	db, err := bolt.Open(path, mode, &bolt.Options{
		Timeout:         opts.Timeout,
		NoSync:          opts.NoSync,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: mmap,
	})
	if err != nil {
		return nil, status.Wrap(status.InitializationFailure, err)
	}
	err = db.Update(func(btx *bolt.Tx) error {
		top, err := btx.CreateBucketIfNotExists(topBucket)
		if err != nil {
			return err
		}
		return initTop(boltBucket{top})
	})
	if err != nil {
		db.Close()
		var se *status.Error
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, status.Wrap(status.InitializationFailure, err)
	}
	return &BoltStore{store: newStore(&boltEngine{db: db}, opts.ClassCacheSize), db: db}, nil
}

// NewMemory returns an empty in-memory repository holding the root
// namespace.
func NewMemory() *MemoryStore {
	e := &memEngine{}
	if err := e.update(initTop); err != nil {
		panic(err)
	}
	return &MemoryStore{store: newStore(e, 0)}
}

// initTop creates the layout of a new repository, or checks the version of
// an existing one.
func initTop(top kvBucket) error {
	meta, err := top.CreateBucketIfNotExists(bMeta)
	if err != nil {
		return err
	}
	if f := meta.Get(kFormat); f != nil {
		if len(f) != 8 || binary.BigEndian.Uint64(f) != storageFormat {
			return status.Errorf(status.DatabaseVerMismatch, "repository layout version %x; this gowmi reads version %d", f, storageFormat)
		}
	} else {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], storageFormat)
		if err := meta.Put(kFormat, b[:]); err != nil {
			return err
		}
		binary.BigEndian.PutUint64(b[:], 1)
		if err := meta.Put(kEpoch, b[:]); err != nil {
			return err
		}
	}
	if _, err := top.CreateBucketIfNotExists(bNS); err != nil {
		return err
	}
	if top.Bucket(bNS).Bucket([]byte("root")) == nil {
		if _, err := createNamespaceBucket(top, "root", "root"); err != nil {
			return err
		}
	}
	return nil
}

// Path returns the file of the store.
func (s *BoltStore) Path() string { return s.db.Path() }
