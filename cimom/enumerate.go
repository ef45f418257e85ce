package cimom

import (
	"context"
	"errors"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// enumSpec says what an instance enumeration delivers.
type enumSpec struct {
	deep       bool // subclasses' instances too
	directRead bool // only the class's own provider (WBEM_FLAG_DIRECT_READ)
	flags      wbem.Flags
	wctx       *wbem.Context
	// filter, when set, keeps and projects what a query selects.
	filter func(cim.Object) (cim.Object, bool, error)
	// query, when set, is offered to providers that answer queries.
	query *provider.QueryRequest
}

// filterSink post-filters what the repository and providers send: the
// shallow rule, the query's WHERE and projection, and the objects'
// location.
type filterSink struct {
	out     provider.Sink
	s       *services
	spec    *enumSpec
	class   string // the enumerated class
	subtree string // the provider's class: what it sends must derive from it
}

func (f *filterSink) Send(objs ...cim.Object) error {
	// kept stays nil while every object passes unchanged: the batch then
	// goes on as it came, without a copy.
	var kept []cim.Object
	for i, o := range objs {
		out, ok, err := f.pass(o)
		if err != nil {
			return err
		}
		if kept == nil && (!ok || out != o) {
			kept = make([]cim.Object, i, len(objs))
			copy(kept, objs[:i])
		}
		if kept != nil && ok {
			kept = append(kept, out)
		}
	}
	if kept == nil {
		kept = objs
	}
	if len(kept) == 0 {
		// Nothing to deliver, but a cancelled call must still stop its
		// provider: an empty Send reports whether the call is alive.
		return f.out.Send()
	}
	return f.out.Send(kept...)
}

// pass applies the filter to one object: whether it goes on, and as what.
func (f *filterSink) pass(o cim.Object) (cim.Object, bool, error) {
	if o == nil {
		return nil, false, nil
	}
	if f.subtree != "" && !o.InheritsFrom(f.subtree) {
		return nil, false, nil
	}
	if !f.spec.deep && !strings.EqualFold(o.ClassName(), f.class) {
		return nil, false, nil
	}
	f.s.locate(o)
	if f.spec.filter != nil {
		return f.spec.filter(o)
	}
	return o, true, nil
}

func (f *filterSink) Progress(done, total uint16) error { return f.out.Progress(done, total) }

// enumerate sends the instances of class, from the repository and from the
// providers of the dynamic classes in its subtree.
func (s *services) enumerate(ctx context.Context, class *cim.Class, spec enumSpec, out provider.Sink) error {
	all := []*cim.Class{class}
	if spec.deep && !spec.directRead {
		err := s.conn.om.store.View(ctx, func(tx repository.Tx) error {
			sub, err := tx.Classes(s.ns, class.Name, true)
			all = append(all, sub...)
			return err
		})
		if err != nil {
			return err
		}
	}
	static := false
	for _, c := range all {
		if !c.IsDynamic() {
			static = true
			break
		}
	}
	if static {
		f := &filterSink{out: out, s: s, spec: &spec, class: class.Name}
		b := &batcher{out: f}
		err := s.conn.om.store.View(ctx, func(tx repository.Tx) error {
			return tx.Instances(s.ns, class.Name, spec.deep && !spec.directRead, func(inst *cim.Instance) error {
				return b.add(inst)
			})
		})
		if err == nil {
			err = b.flush()
		}
		if err != nil {
			return err
		}
	}
	steps, err := s.providerSteps(ctx, class, all, &spec, out)
	if err != nil || len(steps) == 0 {
		return err
	}
	if _, async := out.(*call); async {
		return &deferredSteps{steps}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// providerStep is one provider call of an enumeration, prepared in full
// (provider found, request built, sink wrapped) so that the goroutine that
// runs it stays shallow: a call blocked in a provider then holds a small
// stack.
type providerStep func() error

// deferredSteps is what an asynchronous request's first phase returns when
// provider calls remain: its goroutine hands them to a new, shallow one
// (services.runSteps) and ends. It never reaches a caller.
type deferredSteps struct{ steps []providerStep }

func (d *deferredSteps) Error() string { return "cimom: provider steps pending" }

// providerSteps prepares the provider calls of an enumeration: one for each
// dynamic class in the subtree whose parent's provider does not serve it.
func (s *services) providerSteps(ctx context.Context, class *cim.Class, all []*cim.Class, spec *enumSpec, out provider.Sink) ([]providerStep, error) {
	var byName map[string]*cim.Class
	if len(all) > 1 {
		byName = make(map[string]*cim.Class, len(all))
		for _, c := range all {
			byName[strings.ToLower(c.Name)] = c
		}
	}
	var steps []providerStep
	for _, c := range all {
		if !c.IsDynamic() {
			continue
		}
		if parent := byName[strings.ToLower(c.Superclass)]; c != class && parent != nil && parent.IsDynamic() &&
			strings.EqualFold(parent.Provider(), c.Provider()) {
			continue // the parent's provider serves this subtree
		}
		f := &filterSink{out: out, s: s, spec: spec, class: class.Name, subtree: c.Name}
		step, err := s.providerStep(ctx, c, spec, f)
		if err != nil {
			return nil, err
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// providerStep prepares the call that asks one provider for the instances
// of its class: by query when it answers queries, by key when the query
// pins the keys and the provider can get single instances, by enumeration
// otherwise (and when the provider returns ErrSkip).
func (s *services) providerStep(ctx context.Context, c *cim.Class, spec *enumSpec, out provider.Sink) (providerStep, error) {
	prov, name, err := s.providerOf(ctx, c)
	if err != nil {
		return nil, err
	}
	req := s.req(spec.wctx, c, spec.flags)
	e, canEnum := prov.(provider.InstanceEnumerator)
	er := &provider.EnumerateRequest{Request: req}
	enumerate := func() error {
		if !canEnum {
			return &status.Error{Code: status.ProviderNotCapable, ProviderName: name,
				Description: "provider " + name + " cannot enumerate instances of " + c.Name}
		}
		return providerErr(e.EnumerateInstances(ctx, er, out), name)
	}
	if spec.query != nil {
		if q, ok := prov.(provider.InstanceQuerier); ok {
			qr := *spec.query
			qr.Request = req
			return func() error {
				if err := q.ExecQuery(ctx, &qr, out); !errors.Is(err, provider.ErrSkip) {
					return providerErr(err, name)
				}
				return enumerate()
			}, nil
		}
		if g, ok := prov.(provider.InstanceGetter); ok && spec.query.PinnedKeys != nil {
			pinned := spec.query.PinnedKeys
			return func() error {
				if err := s.getPinned(ctx, g, name, c, req, pinned, out); !errors.Is(err, provider.ErrSkip) {
					return err
				}
				return enumerate()
			}, nil
		}
	}
	if !canEnum {
		return nil, &status.Error{Code: status.ProviderNotCapable, ProviderName: name,
			Description: "provider " + name + " cannot enumerate instances of " + c.Name}
	}
	return enumerate, nil
}

// getPinned fetches the instances whose keys a query fixes, one by one.
func (s *services) getPinned(ctx context.Context, g provider.InstanceGetter, name string, c *cim.Class, req provider.Request, pinned []map[string]cim.Value, out provider.Sink) error {
	for _, keys := range pinned {
		p := cim.Path{Class: c.Name}
		for k, v := range keys {
			p.Keys = append(p.Keys, cim.KeyBinding{Name: k, Value: v})
		}
		inst, err := g.GetInstance(ctx, &provider.GetRequest{Request: req, Path: p})
		if errors.Is(err, provider.ErrSkip) {
			return err
		}
		if status.CodeOf(err) == status.NotFound {
			continue
		}
		if err != nil {
			return providerErr(err, name)
		}
		if inst != nil {
			if err := out.Send(inst); err != nil {
				return err
			}
		}
	}
	return nil
}
