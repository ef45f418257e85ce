package repository

import (
	"bytes"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// class returns the decoded class lname (folded) of namespace n, or nil
// when it does not exist.
func (t *tx) class(n *nsRef, lname string) (*classInfo, error) {
	ck := n.key + "\x00" + lname
	if ci := t.local[ck]; ci != nil {
		return ci, nil
	}
	if !t.schemaTouched {
		if ci := t.s.cache.get(t.epoch, ck); ci != nil {
			t.setLocal(ck, ci)
			return ci, nil
		}
	}
	raw := n.sub(subClasses).Get([]byte(lname))
	if raw == nil {
		return nil, nil
	}
	c, err := decodeClass(raw)
	if err != nil {
		return nil, err
	}
	var parent *classInfo
	if c.Superclass != "" {
		if parent, err = t.class(n, fold(c.Superclass)); err != nil {
			return nil, err
		}
		if parent == nil {
			return nil, corrupt("superclass " + c.Superclass + " of " + c.Name + " is missing")
		}
		_ = c.SetParent(parent.c) // a stored class links even if rules have changed since
	}
	c.Namespace = n.name
	ci := newClassInfo(c, parent)
	t.setLocal(ck, ci)
	if !t.schemaTouched {
		t.s.cache.put(t.epoch, ck, ci)
	}
	return ci, nil
}

func (t *tx) setLocal(key string, ci *classInfo) {
	if t.local == nil {
		t.local = map[string]*classInfo{}
	}
	t.local[key] = ci
}

// storedDecl decodes a class's own declaration, unlinked.
func (t *tx) storedDecl(n *nsRef, lname string) (*cim.Class, error) {
	raw := n.sub(subClasses).Get([]byte(lname))
	if raw == nil {
		return nil, corrupt("class " + lname + " is missing")
	}
	c, err := decodeClass(raw)
	if err != nil {
		return nil, err
	}
	c.Namespace = n.name
	return c, nil
}

func hierKey(super, class string) []byte {
	b := make([]byte, 0, len(super)+1+len(class))
	b = append(b, super...)
	b = append(b, 0)
	return append(b, class...)
}

// children returns the folded names of the direct subclasses of lsuper
// ("" for the root classes).
func (t *tx) children(n *nsRef, lsuper string) []string {
	var out []string
	prefix := hierKey(lsuper, "")
	c := n.sub(subHierarchy).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, string(k[len(prefix):]))
	}
	return out
}

// descendants returns the folded names of every class below lname,
// parents before children (preorder).
func (t *tx) descendants(n *nsRef, lname string) []string {
	var out []string
	var walk func(string)
	walk = func(l string) {
		for _, c := range t.children(n, l) {
			out = append(out, c)
			walk(c)
		}
	}
	walk(lname)
	return out
}

func (t *tx) GetClass(namespace, name string) (*cim.Class, error) {
	n, err := t.ns(namespace)
	if err != nil {
		return nil, err
	}
	ci, err := t.class(n, fold(name))
	if err != nil {
		return nil, err
	}
	if ci == nil {
		return nil, status.Errorf(status.NotFound, "class %s does not exist in %s", name, n.name)
	}
	return ci.c.Clone(), nil
}

func (t *tx) LookupClass(namespace, name string) (*cim.Class, error) {
	n, err := t.ns(namespace)
	if err != nil {
		return nil, err
	}
	ci, err := t.class(n, fold(name))
	if err != nil {
		return nil, err
	}
	if ci == nil {
		return nil, status.Errorf(status.NotFound, "class %s does not exist in %s", name, n.name)
	}
	return ci.c, nil
}

func (t *tx) Classes(namespace, superclass string, deep bool) ([]*cim.Class, error) {
	n, err := t.ns(namespace)
	if err != nil {
		return nil, err
	}
	lsuper := ""
	if superclass != "" {
		ci, err := t.class(n, fold(superclass))
		if err != nil {
			return nil, err
		}
		if ci == nil {
			return nil, status.Errorf(status.InvalidClass, "class %s does not exist in %s", superclass, n.name)
		}
		lsuper = ci.lname
	}
	var names []string
	if deep {
		names = t.descendants(n, lsuper)
	} else {
		names = t.children(n, lsuper)
	}
	out := make([]*cim.Class, 0, len(names))
	for _, l := range names {
		if err := t.tick(); err != nil {
			return nil, err
		}
		ci, err := t.class(n, l)
		if err != nil {
			return nil, err
		}
		if ci == nil {
			return nil, corrupt("class " + l + " is in the hierarchy but missing")
		}
		out = append(out, ci.c.Clone())
	}
	return out, nil
}

func (t *tx) PutClass(namespace string, c *cim.Class, flags uint32) error {
	if err := t.writeCheck(); err != nil {
		return err
	}
	if c == nil {
		return status.New(status.InvalidParameter, "nil class")
	}
	if flags&^(flagPutModeMask|flagUpdateModeMask|flagsIgnored) != 0 ||
		flags&flagPutModeMask == flagPutModeMask || flags&flagUpdateModeMask == flagUpdateModeMask {
		return status.Errorf(status.InvalidParameter, "invalid PutClass flags %#x", flags)
	}
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	if strings.HasPrefix(c.Name, "_") && !strings.HasPrefix(c.Name, "__") {
		return status.Errorf(status.InvalidOperation, "class name %q begins with '_'", c.Name)
	}
	if !cim.ValidName(c.Name) {
		return status.Errorf(status.InvalidParameter, "invalid class name %q", c.Name)
	}
	lname := fold(c.Name)
	old, err := t.class(n, lname)
	if err != nil {
		return err
	}
	switch {
	case old != nil && flags&FlagCreateOnly != 0:
		return status.Errorf(status.AlreadyExists, "class %s already exists in %s", old.c.Name, n.name)
	case old == nil && flags&FlagUpdateOnly != 0:
		return status.Errorf(status.NotFound, "class %s does not exist in %s", c.Name, n.name)
	}
	var parent *classInfo
	if c.Superclass != "" {
		if parent, err = t.class(n, fold(c.Superclass)); err != nil {
			return err
		}
		if parent == nil {
			return status.Errorf(status.InvalidSuperclass, "superclass %s of %s does not exist in %s", c.Superclass, c.Name, n.name)
		}
	}
	if old != nil && !strings.EqualFold(old.c.Superclass, c.Superclass) {
		return status.Errorf(status.InvalidSuperclass, "class %s derives from %q; its superclass cannot change to %q",
			old.c.Name, old.c.Superclass, c.Superclass)
	}
	nc := c.Clone()
	nc.Namespace, nc.Server = n.name, ""
	var pc *cim.Class
	if parent != nil {
		pc = parent.c
	}
	if err := nc.SetParent(pc); err != nil {
		return err
	}
	if old == nil {
		if err := t.touchSchema(); err != nil {
			return err
		}
		if err := t.fail(n.sub(subClasses).Put([]byte(lname), encodeClass(nc))); err != nil {
			return err
		}
		super := ""
		if parent != nil {
			super = parent.lname
		}
		if err := t.fail(n.sub(subHierarchy).Put(hierKey(super, lname), []byte{})); err != nil {
			return err
		}
		t.emit(ClassCreated, n.name, nc.Clone(), nil)
		return nil
	}
	return t.updateClass(n, old, nc, flags&flagUpdateModeMask)
}

// updateClass replaces the class old with nc (linked, valid), following
// WMI's update modes:
//
//   - A change that only touches unimportant qualifiers (Description,
//     DisplayName, amended ones) is always allowed.
//   - Any other change to a class with subclasses needs safe or force mode
//     (WBEM_E_CLASS_HAS_CHILDREN in the default, compatible mode).
//   - The subclasses are checked against the new class; one that no longer
//     validates is a conflict: WBEM_E_CLASS_HAS_CHILDREN in safe mode, and
//     deleted with its subclasses and instances in force mode.
//   - A change that invalidates instances (a property removed or retyped,
//     keys changed, singleton or dynamic status changed, the class made
//     abstract) while instances exist is WBEM_E_CLASS_HAS_INSTANCES, except
//     in force mode, which deletes those instances. Adding properties keeps
//     the instances, which see the new properties' defaults.
func (t *tx) updateClass(n *nsRef, old *classInfo, nc *cim.Class, mode uint32) error {
	trivial := sameDeclaration(old.c, nc)
	allConflict, ownConflict := instanceConflicts(old.c, nc)
	desc := t.descendants(n, old.lname)
	force := mode == FlagUpdateForceMode
	if len(desc) > 0 && !trivial && mode == FlagUpdateCompatible {
		return status.Errorf(status.ClassHasChildren,
			"class %s has subclasses; updating it needs WBEM_FLAG_UPDATE_SAFE_MODE or WBEM_FLAG_UPDATE_FORCE_MODE", old.c.Name)
	}

	// Check the subclasses against the new class, parents first.
	relinked := map[string]*cim.Class{old.lname: nc}
	failed := map[string]bool{}
	var failedRoots []string
	for _, d := range desc {
		decl, err := t.storedDecl(n, d)
		if err != nil {
			return err
		}
		lp := fold(decl.Superclass)
		if failed[lp] {
			failed[d] = true
			continue
		}
		if err := decl.SetParent(relinked[lp]); err != nil {
			if !force {
				return status.Errorf(status.ClassHasChildren, "subclass %s conflicts with the new definition of %s: %w", decl.Name, old.c.Name, err)
			}
			failed[d] = true
			failedRoots = append(failedRoots, d)
			continue
		}
		relinked[d] = decl
	}

	// Instances that the change invalidates.
	var affected []string
	if ownConflict {
		affected = append(affected, old.lname)
	}
	if allConflict {
		if !ownConflict {
			affected = append(affected, old.lname)
		}
		for _, d := range desc {
			if !failed[d] {
				affected = append(affected, d)
			}
		}
	}
	for _, l := range affected {
		if t.hasInstances(n, l) {
			if !force {
				return status.Errorf(status.ClassHasInstances, "the change to class %s conflicts with existing instances", old.c.Name)
			}
			break
		}
	}

	// Apply.
	if err := t.touchSchema(); err != nil {
		return err
	}
	for _, d := range failedRoots {
		if err := t.deleteClassTree(n, d); err != nil {
			return err
		}
	}
	if force {
		for _, l := range affected {
			if err := t.deleteInstancesOf(n, l); err != nil {
				return err
			}
		}
	}
	if err := t.fail(n.sub(subClasses).Put([]byte(old.lname), encodeClass(nc))); err != nil {
		return err
	}
	clear(t.local)
	t.emit(ClassModified, n.name, nc.Clone(), old.c.Clone())
	return nil
}

// unimportant lists the qualifiers whose change does not count as a class
// change (WBEM_FLAG_UPDATE_COMPATIBLE allows them in all cases).
var unimportant = map[string]bool{"description": true, "displayname": true}

func importantQualifiers(qs cim.Qualifiers) cim.Qualifiers {
	var out cim.Qualifiers
	for _, q := range qs {
		if q.Flavor&cim.FlavorAmended != 0 || unimportant[fold(q.Name)] {
			continue
		}
		out = append(out, q)
	}
	return out
}

func sameQualifierSet(a, b cim.Qualifiers) bool {
	a, b = importantQualifiers(a), importantQualifiers(b)
	if len(a) != len(b) {
		return false
	}
	for _, qa := range a {
		qb, ok := b.Get(qa.Name)
		if !ok || !qa.Value.Equal(qb.Value) || qa.Flavor&^cim.FlavorMaskOrigin != qb.Flavor&^cim.FlavorMaskOrigin {
			return false
		}
	}
	return true
}

func sameProperty(a, b *cim.Property) bool {
	return strings.EqualFold(a.Name, b.Name) && a.Type == b.Type && strings.EqualFold(a.ClassRef, b.ClassRef) &&
		a.Value.Equal(b.Value) && sameQualifierSet(a.Qualifiers, b.Qualifiers)
}

func findProperty(ps []*cim.Property, name string) *cim.Property {
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// sameDeclaration reports whether two declarations of a class differ at most
// in unimportant qualifiers.
func sameDeclaration(a, b *cim.Class) bool {
	if !sameQualifierSet(a.Qualifiers, b.Qualifiers) || len(a.Properties) != len(b.Properties) || len(a.Methods) != len(b.Methods) {
		return false
	}
	for _, pa := range a.Properties {
		pb := findProperty(b.Properties, pa.Name)
		if pb == nil || !sameProperty(pa, pb) {
			return false
		}
	}
	for _, ma := range a.Methods {
		var mb *cim.Method
		for _, m := range b.Methods {
			if strings.EqualFold(m.Name, ma.Name) {
				mb = m
			}
		}
		if mb == nil || ma.ReturnType != mb.ReturnType || !strings.EqualFold(ma.ReturnRef, mb.ReturnRef) ||
			!sameQualifierSet(ma.Qualifiers, mb.Qualifiers) || len(ma.Parameters) != len(mb.Parameters) {
			return false
		}
		for i, p := range ma.Parameters {
			if !sameProperty(p, mb.Parameters[i]) {
				return false
			}
		}
	}
	return true
}

// instanceConflicts tells whether replacing old by nc invalidates the
// instances of the class and its subclasses (all), or of the class alone
// (own).
func instanceConflicts(old, nc *cim.Class) (all, own bool) {
	for _, op := range old.AllProperties() {
		np := nc.Property(op.Name)
		if np == nil || np.Type != op.Type || np.IsKey() != op.IsKey() {
			all = true
		}
	}
	for _, np := range nc.AllProperties() {
		if np.IsKey() && old.Property(np.Name) == nil {
			all = true
		}
	}
	if old.IsSingleton() != nc.IsSingleton() || (!old.IsDynamic() && nc.IsDynamic()) {
		all = true
	}
	own = !old.IsAbstract() && nc.IsAbstract()
	return all, own
}

func (t *tx) hasInstances(n *nsRef, lclass string) bool {
	ib := n.sub(subInstances).Bucket([]byte(lclass))
	if ib == nil {
		return false
	}
	k, _ := ib.Cursor().Seek(nil)
	return k != nil
}

func (t *tx) DeleteClass(namespace, name string) error {
	if err := t.writeCheck(); err != nil {
		return err
	}
	n, err := t.ns(namespace)
	if err != nil {
		return err
	}
	ci, err := t.class(n, fold(name))
	if err != nil {
		return err
	}
	if ci == nil {
		return status.Errorf(status.NotFound, "class %s does not exist in %s", name, n.name)
	}
	if strings.HasPrefix(ci.c.Name, "__") {
		return status.Errorf(status.InvalidOperation, "system class %s cannot be deleted", ci.c.Name)
	}
	if err := t.touchSchema(); err != nil {
		return err
	}
	return t.deleteClassTree(n, ci.lname)
}

// deleteClassTree deletes a class, its subclasses and all their instances,
// subclasses first.
func (t *tx) deleteClassTree(n *nsRef, lname string) error {
	order := append([]string{lname}, t.descendants(n, lname)...)
	for i := len(order) - 1; i >= 0; i-- {
		l := order[i]
		ci, err := t.class(n, l)
		if err != nil {
			return err
		}
		if ci == nil {
			return corrupt("class " + l + " is in the hierarchy but missing")
		}
		if err := t.deleteInstancesOf(n, l); err != nil {
			return err
		}
		if err := t.fail(n.sub(subInstances).DeleteBucket([]byte(l))); err != nil {
			return err
		}
		if err := t.fail(n.sub(subKeys).DeleteBucket([]byte(l))); err != nil {
			return err
		}
		if err := t.fail(n.sub(subClasses).Delete([]byte(l))); err != nil {
			return err
		}
		super := ""
		if ci.parent != nil {
			super = ci.parent.lname
		}
		if err := t.fail(n.sub(subHierarchy).Delete(hierKey(super, l))); err != nil {
			return err
		}
		if t.record {
			c := ci.c.Clone()
			t.emit(ClassDeleted, n.name, c, c)
		}
	}
	clear(t.local)
	return nil
}
