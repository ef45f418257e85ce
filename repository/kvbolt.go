package repository

import (
	bolt "go.etcd.io/bbolt"
)

// boltEngine runs the repository on a bbolt file. Everything lives in one
// top-level bucket, so the Tx code sees a single kvBucket.
type boltEngine struct {
	db *bolt.DB
}

var topBucket = []byte("gowmi")

type boltBucket struct{ b *bolt.Bucket }

func (b boltBucket) Get(key []byte) []byte       { return b.b.Get(key) }
func (b boltBucket) Put(key, value []byte) error { return b.b.Put(key, value) }
func (b boltBucket) Delete(key []byte) error     { return b.b.Delete(key) }
func (b boltBucket) Cursor() kvCursor            { return b.b.Cursor() }

func (b boltBucket) Bucket(name []byte) kvBucket {
	c := b.b.Bucket(name)
	if c == nil {
		return nil
	}
	return boltBucket{c}
}

func (b boltBucket) CreateBucketIfNotExists(name []byte) (kvBucket, error) {
	c, err := b.b.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return boltBucket{c}, nil
}

func (b boltBucket) DeleteBucket(name []byte) error {
	if b.b.Bucket(name) == nil {
		return nil
	}
	return b.b.DeleteBucket(name)
}

func (e *boltEngine) view(fn func(kvBucket) error) error {
	return e.db.View(func(tx *bolt.Tx) error {
		return fn(boltBucket{tx.Bucket(topBucket)})
	})
}

func (e *boltEngine) update(fn func(kvBucket) error) error {
	return e.db.Update(func(tx *bolt.Tx) error {
		return fn(boltBucket{tx.Bucket(topBucket)})
	})
}

func (e *boltEngine) close() error { return e.db.Close() }
