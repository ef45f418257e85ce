package cimom

import (
	"context"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

// assocQuery is what ASSOCIATORS OF and REFERENCES OF have in common.
type assocQuery struct {
	source                 cim.Path
	associators            bool
	assocClass             string
	resultClass            string
	role, resultRole       string
	requiredQualifier      string
	requiredAssocQualifier string
	classDefsOnly          bool
	keysOnly               bool
	schemaOnly             bool
}

func assocFromAST(st wql.Statement) *assocQuery {
	switch a := st.(type) {
	case *wql.Associators:
		return &assocQuery{source: a.Path, associators: true, assocClass: a.AssocClass, resultClass: a.ResultClass,
			role: a.Role, resultRole: a.ResultRole, requiredQualifier: a.RequiredQualifier,
			requiredAssocQualifier: a.RequiredAssocQualifier, classDefsOnly: a.ClassDefsOnly, keysOnly: a.KeysOnly, schemaOnly: a.SchemaOnly}
	case *wql.References:
		return &assocQuery{source: a.Path, resultClass: a.ResultClass, role: a.Role,
			requiredQualifier: a.RequiredQualifier, classDefsOnly: a.ClassDefsOnly, keysOnly: a.KeysOnly, schemaOnly: a.SchemaOnly}
	}
	return nil
}

// roles returns the reference properties through which association class
// ac can point at an object of class, or nil when the query does not follow
// ac (its RequiredAssocQualifier; AssocClass chose the candidates).
func (q *assocQuery) roles(ac, class *cim.Class) []*cim.Property {
	if q.requiredAssocQualifier != "" && !ac.AllQualifiers().Has(q.requiredAssocQualifier) {
		return nil
	}
	return refProps(ac, class, q.role)
}

// returnsAssociation reports whether REFERENCES OF returns the instances
// (or with ClassDefsOnly the class) of association class ac: its
// ResultClass and RequiredQualifier.
func (q *assocQuery) returnsAssociation(ac *cim.Class) bool {
	return (q.resultClass == "" || ac.InheritsFrom(q.resultClass)) &&
		(q.requiredQualifier == "" || ac.AllQualifiers().Has(q.requiredQualifier))
}

// resultClass returns the class at the far end of an association when
// ASSOCIATORS OF returns its objects (its ResultClass and
// RequiredQualifier), or nil.
func (s *services) resultClass(ctx context.Context, q *assocQuery, name string) *cim.Class {
	rc, err := s.getClass(ctx, name)
	if err != nil ||
		q.resultClass != "" && !rc.InheritsFrom(q.resultClass) ||
		q.requiredQualifier != "" && !rc.AllQualifiers().Has(q.requiredQualifier) {
		return nil
	}
	return rc
}

// refProps returns the reference properties of an association class that
// can point at source (its class derives from the reference's class), and
// match role.
func refProps(assoc *cim.Class, source *cim.Class, role string) []*cim.Property {
	var out []*cim.Property
	for _, p := range assoc.AllProperties() {
		if p.Type != cim.TypeReference {
			continue
		}
		if role != "" && !strings.EqualFold(p.Name, role) {
			continue
		}
		if p.ClassRef != "" && !source.InheritsFrom(p.ClassRef) && !classDerives(p.ClassRef, source) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// classDerives is a weak check used for class-level traversal: a reference
// declared to a subclass of the source may still point at it.
func classDerives(name string, c *cim.Class) bool { return strings.EqualFold(name, c.Name) }

// runAssoc answers ASSOCIATORS OF and REFERENCES OF.
func (s *services) runAssoc(ctx context.Context, q *assocQuery, flags wbem.Flags, wctx *wbem.Context, out provider.Sink) error {
	if q.source.Class == "" {
		return status.New(status.InvalidQuery, "ASSOCIATORS/REFERENCES OF needs an object path")
	}
	srcClass, err := s.getClass(ctx, q.source.Class)
	if err != nil {
		return status.Errorf(status.NotFound, "%s does not exist", q.source.String())
	}
	var assocClasses []*cim.Class
	err = s.conn.om.store.View(ctx, func(tx repository.Tx) error {
		all, err := tx.Classes(s.ns, "", true)
		for _, c := range all {
			if c.IsAssociation() && (q.assocClass == "" || c.InheritsFrom(q.assocClass)) {
				assocClasses = append(assocClasses, c)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if !q.source.IsInstance() || q.schemaOnly {
		return s.assocSchema(ctx, q, srcClass, assocClasses, out)
	}
	srcObj, err := s.getInstance(ctx, srcClass, q.source, 0, wctx)
	if err != nil {
		return err
	}
	b := &batcher{out: out}
	seen := map[string]bool{}
	emit := func(o cim.Object) error {
		key := ""
		if p, err := o.Path(); err == nil {
			key = strings.ToLower(p.RelPath())
		}
		if o.Genus() == cim.GenusClass {
			key = "class:" + strings.ToLower(o.ClassName())
		}
		if key != "" {
			if seen[key] {
				return nil
			}
			seen[key] = true
		}
		if q.keysOnly {
			if inst, ok := o.(*cim.Instance); ok {
				o = keysOnly(inst)
			}
		}
		s.locate(o)
		return b.add(o)
	}
	for _, ac := range assocClasses {
		roles := q.roles(ac, srcClass)
		if len(roles) == 0 || !q.associators && !q.returnsAssociation(ac) {
			continue
		}
		// Each association instance that points at the source through one
		// of roles is followed as it arrives: nothing accumulates, and the
		// provider stops when the call is cancelled.
		follow := func(link *cim.Instance) error {
			if !q.associators {
				if q.classDefsOnly {
					return emit(link.Class().Clone())
				}
				return emit(link)
			}
			for _, p := range link.Properties() {
				if p.Type != cim.TypeReference {
					continue
				}
				if q.resultRole != "" && !strings.EqualFold(p.Name, q.resultRole) {
					continue
				}
				v, _ := link.Get(p.Name)
				ref, ok := v.Path()
				if !ok || matchKeys(srcObj, ref) && isRole(p, roles) {
					continue
				}
				if ref.Namespace != "" && !cim.NamespaceEqual(ref.Namespace, s.ns) {
					continue // cross-namespace associations are not followed
				}
				rc := s.resultClass(ctx, q, ref.Class)
				if rc == nil {
					continue
				}
				if q.classDefsOnly {
					if err := emit(rc.Clone()); err != nil {
						return err
					}
					continue
				}
				target, err := s.getInstance(ctx, rc, ref, 0, wctx)
				if err != nil {
					continue // a dangling reference is skipped, as WMI does
				}
				if err := emit(target); err != nil {
					return err
				}
			}
			return nil
		}
		collect := &funcSink{ctx: ctx, fn: func(o cim.Object) error {
			inst, ok := o.(*cim.Instance)
			if !ok || !strings.EqualFold(inst.ClassName(), ac.Name) && !inst.InheritsFrom(ac.Name) {
				return nil
			}
			for _, r := range roles {
				v, _ := inst.Get(r.Name)
				if p, ok := v.Path(); ok && matchKeys(srcObj, p) {
					return follow(inst)
				}
			}
			return nil
		}}
		// Providers that answer queries are offered the question itself, as
		// WMI offers REFERENCES OF to association providers.
		refQuery := "REFERENCES OF {" + q.source.RelPath() + "} WHERE ResultClass = " + ac.Name
		if len(roles) == 1 {
			refQuery += " Role = " + roles[0].Name
		}
		spec := enumSpec{deep: false, wctx: wctx, query: &provider.QueryRequest{Query: refQuery}}
		if err := s.enumerate(ctx, ac, spec, collect); err != nil {
			return err
		}
	}
	return b.flush()
}

func isRole(p *cim.Property, roles []*cim.Property) bool {
	for _, r := range roles {
		if strings.EqualFold(r.Name, p.Name) {
			return true
		}
	}
	return false
}

// assocSchema answers a class-level (SchemaOnly, or class path) query: the
// association classes that can reference the class, or the classes at their
// other ends.
func (s *services) assocSchema(ctx context.Context, q *assocQuery, src *cim.Class, assocClasses []*cim.Class, out provider.Sink) error {
	b := &batcher{out: locatingSink{out, s}}
	seen := map[string]bool{}
	emit := func(c *cim.Class) error {
		k := strings.ToLower(c.Name)
		if seen[k] {
			return nil
		}
		seen[k] = true
		return b.add(c)
	}
	for _, ac := range assocClasses {
		roles := q.roles(ac, src)
		if len(roles) == 0 {
			continue
		}
		if !q.associators {
			if q.returnsAssociation(ac) {
				if err := emit(ac); err != nil {
					return err
				}
			}
			continue
		}
		for _, p := range ac.AllProperties() {
			if p.Type != cim.TypeReference || isRole(p, roles) && len(roles) == 1 || p.ClassRef == "" {
				continue
			}
			if q.resultRole != "" && !strings.EqualFold(p.Name, q.resultRole) {
				continue
			}
			rc := s.resultClass(ctx, q, p.ClassRef)
			if rc == nil {
				continue
			}
			if err := emit(rc.Clone()); err != nil {
				return err
			}
		}
	}
	return b.flush()
}

// keysOnly returns an instance with only its key values set, as KeysOnly
// asks.
func keysOnly(inst *cim.Instance) *cim.Instance {
	out, err := inst.Class().SpawnInstance()
	if err != nil {
		return inst
	}
	for _, p := range inst.Properties() {
		if p.IsKey() {
			v, _ := inst.Get(p.Name)
			_ = out.Put(p.Name, v)
		} else {
			_ = out.Put(p.Name, cim.Null(p.Type))
		}
	}
	out.Namespace, out.Server = inst.Namespace, inst.Server
	return out
}

// funcSink passes each object to a function; it fails once ctx is done, so
// that the provider feeding it stops.
type funcSink struct {
	ctx context.Context
	fn  func(cim.Object) error
}

func (f *funcSink) Send(objs ...cim.Object) error {
	if err := f.ctx.Err(); err != nil {
		return status.Wrap(status.CallCancelled, err)
	}
	for _, o := range objs {
		if err := f.fn(o); err != nil {
			return err
		}
	}
	return nil
}

func (f *funcSink) Progress(done, total uint16) error { return nil }
