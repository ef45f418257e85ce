package wbemtest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
)

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// localClasses are the test classes, linked, for spawning the instances
// of subclasses the object manager did not hand over.
var localClasses = sync.OnceValue(func() map[string]*cim.Class {
	m := map[string]*cim.Class{}
	for _, c := range Classes() {
		m[strings.ToLower(c.Name)] = c
	}
	return m
})

// classFor returns the class to spawn instances of name from: the request's
// class when it is that one, else the local definition.
func classFor(req *cim.Class, name string) *cim.Class {
	if strings.EqualFold(req.Name, name) {
		return req
	}
	return localClasses()[strings.ToLower(name)]
}

// keyOf returns the text of the key the test classes are known by, from a
// path.
func keyOf(class string, p cim.Path) (string, bool) {
	name := "Id"
	if !strings.EqualFold(class, ItemClass) && !strings.EqualFold(class, ItemExClass) {
		name = "Name"
	}
	v, ok := p.Key(name)
	if !ok {
		if v, ok = p.Key(""); !ok {
			return "", false
		}
	}
	return keyText(v), true
}

func keyText(v cim.Value) string {
	if n, ok := v.Uint(); ok && v.Type().IsInteger() {
		return strconv.FormatUint(n, 10)
	}
	if s, ok := v.Str(); ok {
		return s
	}
	return v.String()
}

// instanceKey returns the key text of an instance of a test class.
func instanceKey(inst *cim.Instance) (string, error) {
	p, err := inst.Path()
	if err != nil {
		return "", err
	}
	k, ok := keyOf(inst.ClassName(), p)
	if !ok {
		return "", status.Errorf(status.InvalidObjectPath, "wbemtest: instance %s has no key", inst)
	}
	return k, nil
}

// generatedKey returns the key of generated instance i of a class.
func generatedKey(class string, i int64) string {
	switch strings.ToLower(class) {
	case strings.ToLower(ItemExClass):
		return strconv.FormatInt(ItemExFirstID+i, 10)
	case strings.ToLower(WorkerClass):
		return "w" + strconv.FormatInt(i, 10)
	}
	return strconv.FormatInt(i, 10)
}

// generatedIndex returns i for the key of generated instance i, or -1.
func generatedIndex(class, key string, count int64) int64 {
	var i int64
	var err error
	switch strings.ToLower(class) {
	case strings.ToLower(ItemClass):
		i, err = strconv.ParseInt(key, 10, 64)
	case strings.ToLower(ItemExClass):
		i, err = strconv.ParseInt(key, 10, 64)
		i -= ItemExFirstID
	case strings.ToLower(WorkerClass):
		if !strings.HasPrefix(key, "w") {
			return -1
		}
		i, err = strconv.ParseInt(key[1:], 10, 64)
		if generatedKey(class, i) != key {
			return -1
		}
	default:
		return -1
	}
	if err != nil || i < 0 || i >= count {
		return -1
	}
	return i
}

// generate makes generated instance i of a class.
func generate(class *cim.Class, i int64) (*cim.Instance, error) {
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	put := func(name string, v cim.Value) {
		if err == nil && class.Property(name) != nil {
			err = inst.Put(name, v)
		}
	}
	switch {
	case class.InheritsFrom(ItemClass):
		id := uint64(i)
		if class.InheritsFrom(ItemExClass) {
			id += ItemExFirstID
		}
		put("Id", cim.Uint64(id))
		if class.InheritsFrom(ItemExClass) {
			put("Name", cim.String("itemex-"+strconv.FormatUint(id, 10)))
		} else {
			put("Name", cim.String("item-"+strconv.FormatUint(id, 10)))
		}
		put("Size", cim.Uint32(uint32(id%100)))
		put("Extra", cim.String("extra-"+strconv.FormatUint(id, 10)))
	case class.InheritsFrom(LinkClass):
		l, lerr := cim.ReferenceText(ItemPath(uint64(i)))
		r, rerr := cim.ReferenceText(ItemPath(uint64(i + 1)))
		if lerr != nil || rerr != nil {
			return nil, fmt.Errorf("wbemtest: link references: %v %v", lerr, rerr)
		}
		put("Left", l)
		put("Right", r)
	case class.InheritsFrom(WorkerClass):
		put("Name", cim.String(generatedKey(WorkerClass, i)))
	default:
		return nil, status.Errorf(status.InvalidClass, "wbemtest: the provider does not serve %s", class.Name)
	}
	return inst, err
}

// lookupLocked finds the instance of a class with a key: written,
// generated or none. p.mu is held.
func (st *classState) lookupLocked(class *cim.Class, key string) (*cim.Instance, bool, error) {
	if st.deleted[key] {
		return nil, false, nil
	}
	if inst, ok := st.created[key]; ok {
		return inst.Clone(), true, nil
	}
	if i := generatedIndex(class.Name, key, st.script.Count); i >= 0 {
		inst, err := generate(class, i)
		return inst, err == nil, err
	}
	return nil, false, nil
}

// findLocked looks a key up in a class and the classes the Provider serves
// under it; it returns the instance and the state that holds it.
func (p *Provider) findLocked(class *cim.Class, key string) (*cim.Instance, *classState, error) {
	for _, name := range subtree(class.Name) {
		c := classFor(class, name)
		if c == nil {
			continue
		}
		st := p.stateLocked(name)
		inst, ok, err := st.lookupLocked(c, key)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			if inst.Namespace == "" {
				inst.Namespace = class.Namespace
			}
			return inst, st, nil
		}
	}
	return nil, nil, nil
}

func (st *classState) storeLocked(key string, inst *cim.Instance) {
	if _, ok := st.created[key]; !ok {
		st.order = append(st.order, key)
	}
	st.created[key] = inst.Clone()
	delete(st.deleted, key)
}

// GetInstance returns an instance by its key, from the class or a
// subclass the Provider serves. WbemTest_Link returns provider.ErrSkip: the
// object manager enumerates and picks.
func (p *Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (_ *cim.Instance, err error) {
	r, st, s := p.begin(ctx, OpGet, req.Class.Name)
	key, _ := keyOf(req.Class.Name, req.Path)
	p.update(r, func(c *CallInfo) { c.Key = key })
	defer p.end(r, &err)
	if err := p.fault(ctx, r, st, s.Fault, OpGet); err != nil {
		return nil, err
	}
	if err := sleep(ctx, s.Delay); err != nil {
		return nil, err
	}
	if req.Class.InheritsFrom(LinkClass) {
		return nil, provider.ErrSkip
	}
	p.mu.Lock()
	inst, _, err := p.findLocked(req.Class, key)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if inst == nil {
		return nil, provider.Failure(status.NotFound, ProviderName, "wbemtest: no %s with key %s", req.Class.Name, key)
	}
	p.update(r, func(c *CallInfo) { c.Completed = true })
	return inst, nil
}

// EnumerateInstances sends every instance of the class and of the
// subclasses the Provider serves (generated, then written), as the class's
// script says.
func (p *Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) (err error) {
	r, st, s := p.begin(ctx, OpEnumerate, req.Class.Name)
	defer p.end(r, &err)
	return p.produce(ctx, r, st, s, req.Class, sink)
}

// ExecQuery returns provider.ErrSkip, unless the class's script has Query:
// then it sends every instance EnumerateInstances would, whatever the query
// says.
func (p *Provider) ExecQuery(ctx context.Context, req *provider.QueryRequest, sink provider.Sink) (err error) {
	r, st, s := p.begin(ctx, OpQuery, req.Class.Name)
	p.update(r, func(c *CallInfo) { c.Query = req.Query })
	defer p.end(r, &err)
	if !s.Query {
		return provider.ErrSkip
	}
	return p.produce(ctx, r, st, s, req.Class, sink)
}

// segment is the instances of one class in an enumeration.
type segment struct {
	class   *cim.Class
	st      *classState
	count   int64
	written []string
}

// produce sends the instances of a class and its served subclasses: the
// generated ones, then the written ones, with the class's script's
// batches, delay, progress and fault. It stops when Send fails, and does
// not look at ctx otherwise (except in delays and blocks), so that a Send
// that goes on succeeding after a cancel shows.
func (p *Provider) produce(ctx context.Context, r *callRec, st *classState, s Script, class *cim.Class, sink provider.Sink) error {
	var segs []segment
	var total int64
	p.mu.Lock()
	for _, name := range subtree(class.Name) {
		c := classFor(class, name)
		if c == nil {
			continue
		}
		cs := p.stateLocked(name)
		seg := segment{class: c, st: cs, count: cs.script.Count, written: slices.Clone(cs.order)}
		segs = append(segs, seg)
		total += seg.count + int64(len(seg.written))
	}
	p.mu.Unlock()

	batch := max(1, s.Batch)
	buf := make([]cim.Object, 0, batch)
	var n int64 // instances taken so far
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := sink.Send(buf...); err != nil {
			p.sendFailed(r, err)
			return err
		}
		r.produced.Add(int64(len(buf)))
		st.produced.Add(int64(len(buf)))
		clear(buf)
		buf = buf[:0]
		return nil
	}
	faulted := false
	fault := func() error {
		if !s.Fault.appliesTo(r.info.Op) || faulted || n != s.Fault.After {
			return nil
		}
		faulted = true
		if err := flush(); err != nil {
			return err
		}
		return p.fault(ctx, r, st, s.Fault, r.info.Op)
	}
	next := func(seg segment, i int64) (*cim.Instance, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		var inst *cim.Instance
		var err error
		if i < seg.count {
			key := generatedKey(seg.class.Name, i)
			switch w, ok := seg.st.created[key]; {
			case seg.st.deleted[key]:
			case ok:
				inst = w.Clone() // written over a generated one: sent in its place
			default:
				inst, err = generate(seg.class, i)
			}
		} else {
			key := seg.written[i-seg.count]
			if generatedIndex(seg.class.Name, key, seg.count) >= 0 {
				return nil, nil // sent in the generated one's place
			}
			inst, _, err = seg.st.lookupLocked(seg.class, key)
		}
		if inst != nil && inst.Namespace == "" {
			inst.Namespace = class.Namespace
		}
		return inst, err
	}
	for _, seg := range segs {
		for i := int64(0); i < seg.count+int64(len(seg.written)); i++ {
			select {
			case <-r.aborted:
				return ErrAborted
			default:
			}
			if err := fault(); err != nil {
				return err
			}
			if err := sleep(ctx, s.Delay); err != nil {
				return err
			}
			inst, err := next(seg, i)
			if err != nil {
				return err
			}
			if inst == nil {
				continue
			}
			buf = append(buf, inst)
			n++
			if len(buf) == batch {
				if err := flush(); err != nil {
					return err
				}
			}
			if s.ProgressEvery > 0 && n%s.ProgressEvery == 0 {
				if err := flush(); err != nil {
					return err
				}
				if err := sink.Progress(uint16(min(n, 0xFFFF)), uint16(min(total, 0xFFFF))); err != nil {
					p.sendFailed(r, err)
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := fault(); err != nil {
		return err
	}
	p.update(r, func(c *CallInfo) { c.Completed = true })
	return nil
}

// CreateInstance stores a new instance; one that exists is
// WBEM_E_ALREADY_EXISTS.
func (p *Provider) CreateInstance(ctx context.Context, req *provider.PutRequest) (_ cim.Path, err error) {
	r, st, s := p.begin(ctx, OpCreate, req.Class.Name)
	defer p.end(r, &err)
	key, err := instanceKey(req.Instance)
	if err != nil {
		return cim.Path{}, err
	}
	p.update(r, func(c *CallInfo) { c.Key = key })
	if err := p.fault(ctx, r, st, s.Fault, OpCreate); err != nil {
		return cim.Path{}, err
	}
	if err := sleep(ctx, s.Delay); err != nil {
		return cim.Path{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if inst, _, _ := p.findLocked(req.Class, key); inst != nil {
		return cim.Path{}, provider.Failure(status.AlreadyExists, ProviderName, "wbemtest: %s %s exists", req.Class.Name, key)
	}
	p.stateLocked(req.Instance.ClassName()).storeLocked(key, req.Instance)
	r.info.Completed = true
	return req.Instance.Path()
}

// ModifyInstance replaces an instance; a missing one is WBEM_E_NOT_FOUND.
func (p *Provider) ModifyInstance(ctx context.Context, req *provider.PutRequest) (err error) {
	r, st, s := p.begin(ctx, OpModify, req.Class.Name)
	defer p.end(r, &err)
	key, err := instanceKey(req.Instance)
	if err != nil {
		return err
	}
	p.update(r, func(c *CallInfo) { c.Key = key })
	if err := p.fault(ctx, r, st, s.Fault, OpModify); err != nil {
		return err
	}
	if err := sleep(ctx, s.Delay); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if inst, _, _ := p.findLocked(req.Class, key); inst == nil {
		return provider.Failure(status.NotFound, ProviderName, "wbemtest: no %s with key %s", req.Class.Name, key)
	}
	p.stateLocked(req.Instance.ClassName()).storeLocked(key, req.Instance)
	r.info.Completed = true
	return nil
}

// DeleteInstance deletes an instance; a missing one is WBEM_E_NOT_FOUND.
func (p *Provider) DeleteInstance(ctx context.Context, req *provider.DeleteRequest) (err error) {
	r, st, s := p.begin(ctx, OpDelete, req.Class.Name)
	key, _ := keyOf(req.Class.Name, req.Path)
	p.update(r, func(c *CallInfo) { c.Key = key })
	defer p.end(r, &err)
	if err := p.fault(ctx, r, st, s.Fault, OpDelete); err != nil {
		return err
	}
	if err := sleep(ctx, s.Delay); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	inst, holder, _ := p.findLocked(req.Class, key)
	if inst == nil {
		return provider.Failure(status.NotFound, ProviderName, "wbemtest: no %s with key %s", req.Class.Name, key)
	}
	holder.deleted[key] = true
	delete(holder.created, key)
	r.info.Completed = true
	return nil
}

// ExecMethod runs the WbemTest_Worker methods (see Classes). The class's
// script applies: its Delay, then its Fault (a FaultBlock holds the method
// until Release, whatever ctx says: WMI does not cancel methods).
func (p *Provider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (_ *cim.Instance, err error) {
	name := ""
	if req.Method != nil {
		name = req.Method.Name
	}
	r, st, s := p.begin(ctx, OpMethod, req.Class.Name)
	key, _ := keyOf(req.Class.Name, req.Path)
	p.update(r, func(c *CallInfo) { c.Method, c.Key = name, key })
	defer p.end(r, &err)
	if err := sleep(ctx, s.Delay); err != nil {
		return nil, err
	}
	if err := p.fault(ctx, r, st, s.Fault, OpMethod); err != nil {
		return nil, err
	}
	in := func(param string) uint32 {
		if req.In == nil {
			return 0
		}
		v, err := req.In.Get(param)
		if err != nil {
			return 0
		}
		n, _ := v.Uint()
		return uint32(n)
	}
	var outs map[string]cim.Value
	switch strings.ToLower(name) {
	case "work":
		ms := in("Milliseconds")
		if err := sleep(ctx, time.Duration(ms)*time.Millisecond); err != nil {
			return nil, err
		}
		outs = map[string]cim.Value{"Done": cim.Uint32(ms)}
	case "double":
		outs = map[string]cim.Value{"Result": cim.Uint32(2 * in("Value"))}
	case "fail":
		code := status.Code(in("Code"))
		if !code.Failed() {
			code = status.Failed
		}
		return nil, provider.Failure(code, ProviderName, "wbemtest: Fail(%s)", code.Name())
	case "panic":
		panic("wbemtest: the Panic method panics")
	case "progress":
		steps := in("Steps")
		for i := uint32(1); i <= steps && sink != nil; i++ {
			// The call runs to completion (rule 6): a failing Progress
			// is recorded, not obeyed.
			if err := sink.Progress(uint16(min(i, 0xFFFF)), uint16(min(steps, 0xFFFF))); err != nil {
				p.sendFailed(r, err)
			}
		}
		outs = map[string]cim.Value{"Done": cim.Uint32(steps)}
	default:
		return nil, provider.Failure(status.InvalidMethod, ProviderName, "wbemtest: no method %s", name)
	}
	out, err := outParams(req, outs)
	if err != nil {
		return nil, err
	}
	p.update(r, func(c *CallInfo) { c.Completed = true })
	return out, nil
}

// outParams builds a method's output parameters with ReturnValue 0.
func outParams(req *provider.MethodRequest, outs map[string]cim.Value) (*cim.Instance, error) {
	oc := req.OutClass
	if oc == nil && req.Method != nil {
		oc = req.Method.OutParameters()
	}
	if oc == nil {
		return nil, nil
	}
	out, err := oc.SpawnInstance()
	if err != nil {
		return nil, err
	}
	if oc.Property("ReturnValue") != nil {
		if err := out.Put("ReturnValue", cim.Uint32(0)); err != nil {
			return nil, err
		}
	}
	for k, v := range outs {
		if oc.Property(k) != nil {
			if err := out.Put(k, v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
