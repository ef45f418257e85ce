package repository

// The repository stores everything in an ordered key/value tree of nested
// buckets: bbolt for BoltStore, a persistent (copy-on-write) treap for
// MemoryStore. The Tx logic is written once against these interfaces, so
// both stores share every rule.

// kvBucket is a bucket: ordered keys with values, and nested buckets.
// Values returned by Get and cursors are valid until the transaction ends
// and must not be modified; values passed to Put must not be modified until
// it ends.
type kvBucket interface {
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	// Bucket returns the nested bucket, or nil.
	Bucket(name []byte) kvBucket
	CreateBucketIfNotExists(name []byte) (kvBucket, error)
	// DeleteBucket deletes a nested bucket and everything in it; a missing
	// bucket is not an error.
	DeleteBucket(name []byte) error
	Cursor() kvCursor
}

// kvCursor walks a bucket in key order. A nested bucket has a nil value.
// The bucket must not be modified while a cursor walks it.
type kvCursor interface {
	Seek(seek []byte) (key, value []byte)
	Next() (key, value []byte)
}

// kvEngine runs transactions over the top bucket.
type kvEngine interface {
	view(fn func(top kvBucket) error) error
	// update commits when fn returns nil and rolls back otherwise (or when fn
	// panics).
	update(fn func(top kvBucket) error) error
	close() error
}
