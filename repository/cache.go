package repository

import (
	"sort"
	"sync"

	"github.com/gowmi/gowmi/cim"
)

// classInfo is a decoded class with what the repository derives from it.
// It is shared by transactions and read-only.
type classInfo struct {
	c         *cim.Class // linked to its parent chain; Namespace set
	lname     string     // folded name
	parent    *classInfo
	keys      []keyProp // the key properties, sorted by folded name
	keyRoot   string    // folded name of the highest ancestor with the same keys
	singleton bool
	assoc     bool
	refs      []int          // indexes of reference properties in AllProperties
	index     map[string]int // property name (as declared) to index in AllProperties
}

type keyProp struct {
	name  string
	fname string
	idx   int
	typ   cim.Type
}

func newClassInfo(c *cim.Class, parent *classInfo) *classInfo {
	_ = c.Validate() // computes the inherited view once, before sharing
	ci := &classInfo{c: c, lname: fold(c.Name), parent: parent}
	ci.singleton = c.IsSingleton()
	ci.assoc = c.IsAssociation()
	for _, k := range c.Keys() {
		ci.keys = append(ci.keys, keyProp{name: k.Name, fname: fold(k.Name), idx: c.PropertyIndex(k.Name), typ: k.Type})
	}
	sort.Slice(ci.keys, func(i, j int) bool { return ci.keys[i].fname < ci.keys[j].fname })
	ci.index = make(map[string]int, len(c.AllProperties()))
	for i, p := range c.AllProperties() {
		ci.index[p.Name] = i
		if p.Type.Base() == cim.TypeReference {
			ci.refs = append(ci.refs, i)
		}
	}
	ci.keyRoot = ci.lname
	if parent != nil && len(parent.keys) == len(ci.keys) {
		if len(ci.keys) > 0 || (ci.singleton && parent.singleton) {
			ci.keyRoot = parent.keyRoot
		}
	}
	return ci
}

// classCache holds decoded classes for the transactions that see the
// schema epoch it was filled at. Every transaction that writes a class
// increments the epoch stored in the repository, so a transaction reads the
// epoch of its own snapshot and uses the cache only when it matches: a
// class a reader finds here is the class of its snapshot.
type classCache struct {
	mu    sync.RWMutex
	epoch uint64
	m     map[string]*classInfo
	max   int
}

func newClassCache(max int) *classCache {
	if max <= 0 {
		max = 4096
	}
	return &classCache{m: map[string]*classInfo{}, max: max}
}

func (c *classCache) get(epoch uint64, key string) *classInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.epoch != epoch {
		return nil
	}
	return c.m[key]
}

func (c *classCache) put(epoch uint64, key string, ci *classInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case epoch < c.epoch:
		return
	case epoch > c.epoch:
		c.epoch = epoch
		clear(c.m)
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[key] = ci
}
