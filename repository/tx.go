package repository

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// The layout of the top bucket:
//
//	meta/format          the layout version (storageFormat)
//	meta/epoch           the schema epoch, incremented by every transaction that writes a class
//	ns/<ns key>/         one bucket per namespace, under its folded full name (`root\cimv2`)
//	    name             the namespace's full name as created
//	    q/<name>         qualifier declarations
//	    c/<class>        classes: the class's own declaration (encodeClass)
//	    h/<super>\0<class>   the class hierarchy; root classes have super ""
//	    i/<class>/<key>  the static instances of each class, by canonical key (encodeInstance)
//	    k/<root>/<key>   the key index: each key root's keys, to the class holding the instance
//	    r/<target><class><key>   the reference index: reference targets to the instances naming them
//
// All names in keys are folded (see fold).
var (
	bMeta       = []byte("meta")
	bNS         = []byte("ns")
	kFormat     = []byte("format")
	kEpoch      = []byte("epoch")
	kName       = []byte("name")
	bQualifiers = []byte("q")
	bClasses    = []byte("c")
	bHierarchy  = []byte("h")
	bInstances  = []byte("i")
	bKeys       = []byte("k")
	bRefs       = []byte("r")
)

const storageFormat = 1

type tx struct {
	s        *store
	ctx      context.Context
	top      kvBucket
	writable bool
	done     bool
	broken   error
	record   bool // record changes: some watcher was registered when the tx began

	epoch         uint64
	schemaTouched bool
	local         map[string]*classInfo
	nss           map[string]*nsRef
	changes       []Change
	ticks         int
}

// nsRef is a namespace the transaction has looked up.
type nsRef struct {
	b    kvBucket
	name string // full name as created
	key  string // folded full name
	subs [len(nsSubs)]kvBucket
}

// The buckets of a namespace, in nsSubs order.
const (
	subQualifiers = iota
	subClasses
	subHierarchy
	subInstances
	subKeys
	subRefs
)

var nsSubs = [...][]byte{bQualifiers, bClasses, bHierarchy, bInstances, bKeys, bRefs}

// sub returns one of the namespace's buckets; the handle is kept for the
// transaction.
func (n *nsRef) sub(i int) kvBucket {
	if n.subs[i] == nil {
		n.subs[i] = n.b.Bucket(nsSubs[i])
	}
	return n.subs[i]
}

func newTx(s *store, ctx context.Context, top kvBucket, writable bool) *tx {
	t := &tx{s: s, ctx: ctx, top: top, writable: writable}
	t.record = writable && s.nWatch.Load() > 0
	if m := top.Bucket(bMeta); m != nil {
		if v := m.Get(kEpoch); len(v) == 8 {
			t.epoch = binary.BigEndian.Uint64(v)
		}
	}
	return t
}

func (t *tx) end() { t.done = true }

var (
	errTxDone   = status.New(status.InvalidOperation, "the transaction has ended")
	errReadOnly = status.New(status.InvalidOperation, "write in a read-only transaction")
)

func (t *tx) readCheck() error {
	if t.done {
		return errTxDone
	}
	return nil
}

func (t *tx) writeCheck() error {
	switch {
	case t.done:
		return errTxDone
	case !t.writable:
		return errReadOnly
	case t.broken != nil:
		return t.broken
	}
	return nil
}

// fail records a storage error that happened part way through a write: the
// transaction can no longer commit.
func (t *tx) fail(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*status.Error); !ok {
		err = status.Wrap(status.Failed, err)
	}
	if t.broken == nil {
		t.broken = err
	}
	return err
}

// tick checks the context every few items of a long walk.
func (t *tx) tick() error {
	t.ticks++
	if t.ticks&63 != 0 {
		return nil
	}
	return ctxErr(t.ctx)
}

func (t *tx) emit(kind ChangeKind, ns string, obj, prev cim.Object) {
	if t.record {
		t.changes = append(t.changes, Change{Kind: kind, Namespace: ns, Object: obj, Previous: prev})
	}
}

// touchSchema notes a class write: the epoch moves on (once per
// transaction) and the transaction's decoded classes are dropped.
func (t *tx) touchSchema() error {
	clear(t.local)
	if t.schemaTouched {
		return nil
	}
	t.schemaTouched = true
	t.epoch++
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], t.epoch)
	return t.fail(t.top.Bucket(bMeta).Put(kEpoch, b[:]))
}

// ns returns a namespace; WBEM_E_INVALID_NAMESPACE when it does not exist.
func (t *tx) ns(namespace string) (*nsRef, error) {
	if err := t.readCheck(); err != nil {
		return nil, err
	}
	nn, ok := parseNamespace(namespace)
	if !ok {
		return nil, status.Errorf(status.InvalidNamespace, "invalid namespace name %q", namespace)
	}
	if n := t.nsByKey(nn.key); n != nil {
		return n, nil
	}
	return nil, status.Errorf(status.InvalidNamespace, "namespace %s does not exist", namespace)
}

func (t *tx) nsByKey(key string) *nsRef {
	if n, ok := t.nss[key]; ok {
		return n
	}
	b := t.top.Bucket(bNS).Bucket([]byte(key))
	if b == nil {
		return nil
	}
	n := &nsRef{b: b, name: string(b.Get(kName)), key: key}
	t.setNS(n)
	return n
}

func (t *tx) setNS(n *nsRef) {
	if t.nss == nil {
		t.nss = map[string]*nsRef{}
	}
	t.nss[n.key] = n
}

func (t *tx) NamespaceExists(namespace string) bool {
	_, err := t.ns(namespace)
	return err == nil
}

func (t *tx) Namespaces(parent string) ([]string, error) {
	p, err := t.ns(parent)
	if err != nil {
		return nil, err
	}
	var out []string
	prefix := []byte(p.key + `\`)
	c := t.top.Bucket(bNS).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if bytes.IndexByte(k[len(prefix):], '\\') >= 0 {
			continue
		}
		if n := t.nsByKey(string(k)); n != nil {
			out = append(out, n.name)
		}
	}
	return out, nil
}

// createNamespaceBucket makes the bucket of a namespace whose parent exists.
func createNamespaceBucket(top kvBucket, key, name string) (kvBucket, error) {
	b, err := top.Bucket(bNS).CreateBucketIfNotExists([]byte(key))
	if err != nil {
		return nil, err
	}
	if err := b.Put(kName, []byte(name)); err != nil {
		return nil, err
	}
	for _, sub := range nsSubs {
		if _, err := b.CreateBucketIfNotExists(sub); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (t *tx) CreateNamespace(namespace string) error {
	if err := t.writeCheck(); err != nil {
		return err
	}
	nn, ok := parseNamespace(namespace)
	if !ok {
		return status.Errorf(status.InvalidParameter, "invalid namespace name %q", namespace)
	}
	parent := t.nsByKey("root")
	if parent == nil {
		return status.New(status.CriticalError, "the root namespace is missing")
	}
	for i := 1; i < len(nn.segs); i++ {
		key := parent.key + `\` + fold(nn.segs[i])
		if n := t.nsByKey(key); n != nil {
			parent = n
			continue
		}
		name := parent.name + `\` + nn.segs[i]
		b, err := createNamespaceBucket(t.top, key, name)
		if err != nil {
			return t.fail(err)
		}
		n := &nsRef{b: b, name: name, key: key}
		t.setNS(n)
		if t.record {
			inst := t.namespaceInstance(parent, nn.segs[i])
			t.emit(NamespaceCreated, parent.name, inst, nil)
		}
		parent = n
	}
	return nil
}

func (t *tx) DeleteNamespace(namespace string) error {
	if err := t.writeCheck(); err != nil {
		return err
	}
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	if n.key == "root" {
		return status.New(status.InvalidOperation, "the root namespace cannot be deleted")
	}
	return t.deleteNamespace(n)
}

func (t *tx) deleteNamespace(n *nsRef) error {
	// The namespace and its descendants, deepest first.
	keys := [][]byte{[]byte(n.key)}
	prefix := []byte(n.key + `\`)
	c := t.top.Bucket(bNS).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	var deleted []*nsRef
	for i := len(keys) - 1; i >= 0; i-- {
		if d := t.nsByKey(string(keys[i])); d != nil {
			deleted = append(deleted, d)
		}
	}
	if err := t.touchSchema(); err != nil {
		return err
	}
	var events []Change
	if t.record {
		for _, d := range deleted {
			pk, _ := splitNamespaceKey(d.key)
			if p := t.nsByKey(pk); p != nil {
				inst := t.namespaceInstance(p, lastSegment(d.name))
				events = append(events, Change{Kind: NamespaceDeleted, Namespace: p.name, Object: inst, Previous: inst})
			}
		}
	}
	for _, d := range deleted {
		if err := t.top.Bucket(bNS).DeleteBucket([]byte(d.key)); err != nil {
			return t.fail(err)
		}
		delete(t.nss, d.key)
	}
	clear(t.local)
	t.changes = append(t.changes, events...)
	return nil
}

// namespaceInstance returns the __NAMESPACE instance that stands for the
// child namespace name of parent: an instance of parent's __NAMESPACE class
// when it has one, of a built-in equivalent otherwise.
func (t *tx) namespaceInstance(parent *nsRef, name string) *cim.Instance {
	var inst *cim.Instance
	if ci, _ := t.class(parent, "__namespace"); ci != nil && ci.c.Property("Name") != nil {
		inst, _ = ci.c.SpawnInstance()
	}
	if inst == nil {
		inst = builtinNamespaceClass.MustSpawn()
	}
	_ = inst.Put("Name", cim.String(name))
	inst.Namespace = parent.name
	return inst
}

// builtinNamespaceClass is __NAMESPACE as system.mof declares it, for
// namespaces whose schema does not have it (yet).
var builtinNamespaceClass = func() *cim.Class {
	sys := &cim.Class{Name: "__SystemClass", Qualifiers: cim.Qualifiers{{Name: "abstract", Value: cim.Boolean(true)}}}
	c := &cim.Class{Name: "__NAMESPACE", Superclass: "__SystemClass", Properties: []*cim.Property{{
		Name: "Name", Type: cim.TypeString,
		Qualifiers: cim.Qualifiers{{Name: "key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}},
	}}}
	if err := c.SetParent(sys); err != nil {
		panic(err)
	}
	return c
}()

func isNamespaceClass(name string) bool { return strings.EqualFold(name, "__NAMESPACE") }

// Qualifier declarations.

func (t *tx) PutQualifierDecl(namespace string, d cim.QualifierDecl) error {
	if err := t.writeCheck(); err != nil {
		return err
	}
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	if !cim.ValidName(d.Name) {
		return status.Errorf(status.InvalidParameter, "invalid qualifier name %q", d.Name)
	}
	if !d.Type.Valid() || d.Type == cim.TypeEmpty {
		return status.Errorf(status.InvalidQualifierType, "qualifier %s has no valid type", d.Name)
	}
	if !d.Default.IsNull() {
		v, err := d.Default.Convert(d.Type)
		if err != nil {
			return status.Wrap(status.TypeMismatch, err)
		}
		d.Default = v
	} else {
		d.Default = cim.Null(d.Type)
	}
	return t.fail(n.sub(subQualifiers).Put([]byte(fold(d.Name)), encodeQualifierDecl(d)))
}

func (t *tx) QualifierDecl(namespace, name string) (cim.QualifierDecl, error) {
	n, err := t.ns(namespace)
	if err != nil {
		return cim.QualifierDecl{}, err
	}
	raw := n.sub(subQualifiers).Get([]byte(fold(name)))
	if raw == nil {
		return cim.QualifierDecl{}, status.Errorf(status.NotFound, "qualifier %s is not declared in %s", name, n.name)
	}
	return decodeQualifierDecl(raw)
}

func (t *tx) QualifierDecls(namespace string) ([]cim.QualifierDecl, error) {
	n, err := t.ns(namespace)
	if err != nil {
		return nil, err
	}
	var out []cim.QualifierDecl
	c := n.sub(subQualifiers).Cursor()
	for k, v := c.Seek(nil); k != nil; k, v = c.Next() {
		d, err := decodeQualifierDecl(v)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
