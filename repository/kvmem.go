package repository

import (
	"bytes"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/gowmi/gowmi/wbem/status"
)

// memEngine is a persistent treap: every write copies the path from the
// root to the node it changes, so a reader holds an immutable snapshot (a
// root pointer) without any lock, and a write transaction commits by
// publishing its new root. Rollback drops it. One writer at a time.
type memEngine struct {
	wmu    sync.Mutex
	root   atomic.Pointer[tnode] // the top bucket's tree
	closed atomic.Bool
}

var prioSeed = maphash.MakeSeed()

// tnode is a treap node: a key with a value or a nested bucket.
type tnode struct {
	key         string
	val         []byte
	sub         *tnode // the nested bucket's tree, when isBucket
	isBucket    bool
	prio        uint64
	left, right *tnode
}

func newNode(key string) *tnode { return &tnode{key: key, prio: maphash.String(prioSeed, key)} }

func tget(n *tnode, k string) *tnode {
	for n != nil {
		switch {
		case k < n.key:
			n = n.left
		case k > n.key:
			n = n.right
		default:
			return n
		}
	}
	return nil
}

// tinsert returns the tree with nv in place of any node with nv's key.
func tinsert(n, nv *tnode) *tnode {
	if n == nil {
		return nv
	}
	if nv.key == n.key {
		c := *nv
		c.left, c.right = n.left, n.right
		c.prio = n.prio
		return &c
	}
	if nv.prio > n.prio {
		l, r := tsplit(n, nv.key)
		c := *nv
		c.left, c.right = l, r
		return &c
	}
	c := *n
	if nv.key < n.key {
		c.left = tinsert(n.left, nv)
	} else {
		c.right = tinsert(n.right, nv)
	}
	return &c
}

// tsplit returns the keys below k and above k; a node with key k is dropped.
func tsplit(n *tnode, k string) (*tnode, *tnode) {
	if n == nil {
		return nil, nil
	}
	switch {
	case n.key < k:
		a, b := tsplit(n.right, k)
		c := *n
		c.right = a
		return &c, b
	case n.key > k:
		a, b := tsplit(n.left, k)
		c := *n
		c.left = b
		return a, &c
	}
	return n.left, n.right
}

func tdelete(n *tnode, k string) (*tnode, bool) {
	if n == nil {
		return nil, false
	}
	switch {
	case k < n.key:
		l, ok := tdelete(n.left, k)
		if !ok {
			return n, false
		}
		c := *n
		c.left = l
		return &c, true
	case k > n.key:
		r, ok := tdelete(n.right, k)
		if !ok {
			return n, false
		}
		c := *n
		c.right = r
		return &c, true
	}
	return tmerge(n.left, n.right), true
}

func tmerge(a, b *tnode) *tnode {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.prio > b.prio:
		c := *a
		c.right = tmerge(a.right, b)
		return &c
	}
	c := *b
	c.left = tmerge(a, b.left)
	return &c
}

// memTx is one transaction: its current top tree, replaced on every write.
type memTx struct {
	e        *memEngine
	top      *tnode
	writable bool
	version  uint64 // incremented by every write
}

// memBucket addresses a bucket by its path from the top bucket.
type memBucket struct {
	tx   *memTx
	path []string
	// cached resolution of the bucket's tree at tx.version
	ver  uint64
	tree *tnode
}

var errMemReadOnly = status.New(status.InvalidOperation, "read-only transaction")

func (b *memBucket) resolve() (*tnode, bool) {
	if b.tree != nil && b.ver == b.tx.version {
		return b.tree, true
	}
	t := b.tx.top
	for _, p := range b.path {
		n := tget(t, p)
		if n == nil || !n.isBucket {
			return nil, false
		}
		t = n.sub
	}
	b.tree, b.ver = t, b.tx.version
	return t, true
}

// modify replaces the bucket's tree with f's result, copying the path up.
func (b *memBucket) modify(f func(t *tnode) (*tnode, error)) error {
	if !b.tx.writable {
		return errMemReadOnly
	}
	top, err := modifyAt(b.tx.top, b.path, f)
	if err != nil {
		return err
	}
	b.tx.top = top
	b.tx.version++
	return nil
}

func modifyAt(t *tnode, path []string, f func(*tnode) (*tnode, error)) (*tnode, error) {
	if len(path) == 0 {
		return f(t)
	}
	n := tget(t, path[0])
	if n == nil || !n.isBucket {
		return nil, status.Errorf(status.CriticalError, "bucket %q not found", path[0])
	}
	sub, err := modifyAt(n.sub, path[1:], f)
	if err != nil {
		return nil, err
	}
	c := *n
	c.sub = sub
	c.left, c.right = nil, nil
	return tinsert(t, &c), nil
}

func (b *memBucket) Get(key []byte) []byte {
	t, ok := b.resolve()
	if !ok {
		return nil
	}
	n := tget(t, string(key))
	if n == nil || n.isBucket {
		return nil
	}
	return n.val
}

func (b *memBucket) Put(key, value []byte) error {
	if len(key) == 0 {
		return status.New(status.CriticalError, "empty key")
	}
	k := string(key)
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	return b.modify(func(t *tnode) (*tnode, error) {
		if n := tget(t, k); n != nil && n.isBucket {
			return nil, status.Errorf(status.CriticalError, "key %q is a bucket", k)
		}
		nv := newNode(k)
		nv.val = v
		return tinsert(t, nv), nil
	})
}

func (b *memBucket) Delete(key []byte) error {
	k := string(key)
	if t, ok := b.resolve(); !ok || tget(t, k) == nil {
		return nil
	}
	return b.modify(func(t *tnode) (*tnode, error) {
		if n := tget(t, k); n != nil && n.isBucket {
			return t, nil
		}
		nt, _ := tdelete(t, k)
		return nt, nil
	})
}

func (b *memBucket) child(name string) *memBucket {
	p := make([]string, len(b.path)+1)
	copy(p, b.path)
	p[len(b.path)] = name
	return &memBucket{tx: b.tx, path: p}
}

func (b *memBucket) Bucket(name []byte) kvBucket {
	t, ok := b.resolve()
	if !ok {
		return nil
	}
	n := tget(t, string(name))
	if n == nil || !n.isBucket {
		return nil
	}
	return b.child(string(name))
}

func (b *memBucket) CreateBucketIfNotExists(name []byte) (kvBucket, error) {
	if len(name) == 0 {
		return nil, status.New(status.CriticalError, "empty bucket name")
	}
	k := string(name)
	t, ok := b.resolve()
	if !ok {
		return nil, status.New(status.CriticalError, "bucket deleted")
	}
	if n := tget(t, k); n != nil {
		if !n.isBucket {
			return nil, status.Errorf(status.CriticalError, "key %q is not a bucket", k)
		}
		return b.child(k), nil
	}
	err := b.modify(func(t *tnode) (*tnode, error) {
		nv := newNode(k)
		nv.isBucket = true
		return tinsert(t, nv), nil
	})
	if err != nil {
		return nil, err
	}
	return b.child(k), nil
}

func (b *memBucket) DeleteBucket(name []byte) error {
	k := string(name)
	if t, ok := b.resolve(); !ok || tget(t, k) == nil {
		return nil
	}
	return b.modify(func(t *tnode) (*tnode, error) {
		if n := tget(t, k); n == nil || !n.isBucket {
			return t, nil
		}
		nt, _ := tdelete(t, k)
		return nt, nil
	})
}

func (b *memBucket) Cursor() kvCursor {
	t, _ := b.resolve()
	return &memCursor{root: t}
}

// memCursor walks an immutable tree: writes made after it was created do
// not affect it.
type memCursor struct {
	root  *tnode
	stack []*tnode
}

func (c *memCursor) Seek(seek []byte) ([]byte, []byte) {
	k := string(seek)
	c.stack = c.stack[:0]
	for n := c.root; n != nil; {
		if n.key >= k {
			c.stack = append(c.stack, n)
			n = n.left
		} else {
			n = n.right
		}
	}
	return c.Next()
}

func (c *memCursor) Next() ([]byte, []byte) {
	if len(c.stack) == 0 {
		return nil, nil
	}
	n := c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	for m := n.right; m != nil; m = m.left {
		c.stack = append(c.stack, m)
	}
	if n.isBucket {
		return []byte(n.key), nil
	}
	return []byte(n.key), n.val
}

var errMemClosed = status.New(status.InvalidOperation, "repository is closed")

func (e *memEngine) view(fn func(kvBucket) error) error {
	if e.closed.Load() {
		return errMemClosed
	}
	tx := &memTx{e: e, top: e.root.Load()}
	return fn(&memBucket{tx: tx})
}

func (e *memEngine) update(fn func(kvBucket) error) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	if e.closed.Load() {
		return errMemClosed
	}
	tx := &memTx{e: e, top: e.root.Load(), writable: true}
	if err := fn(&memBucket{tx: tx}); err != nil {
		return err
	}
	e.root.Store(tx.top)
	return nil
}

func (e *memEngine) close() error {
	e.closed.Store(true)
	return nil
}
