package cimom

import (
	"context"
	"errors"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// batchSize is how many objects from the repository go in one Indicate.
const batchSize = 256

// batcher groups objects into Sends of batchSize.
type batcher struct {
	out  provider.Sink
	objs []cim.Object
}

func (b *batcher) add(o cim.Object) error {
	b.objs = append(b.objs, o)
	if len(b.objs) >= batchSize {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.objs) == 0 {
		return nil
	}
	err := b.out.Send(b.objs...)
	b.objs = make([]cim.Object, 0, batchSize)
	return err
}

func (s *services) req(wctx *wbem.Context, class *cim.Class, flags wbem.Flags) provider.Request {
	return provider.Request{Namespace: s.ns, Class: class, Context: wctx, Flags: flags, User: s.conn.user}
}

// providerOf returns the provider of a class, WBEM_E_PROVIDER_NOT_FOUND when
// the class names one that is not registered.
func (s *services) providerOf(ctx context.Context, c *cim.Class) (any, string, error) {
	name := c.Provider()
	if name == "" {
		return nil, "", status.Errorf(status.ProviderNotFound, "class %s is dynamic but names no provider", c.Name)
	}
	p, ok := s.conn.om.provider(name)
	if !ok {
		// WMI tells a provider registered in the repository (a
		// __Win32Provider instance) whose code cannot be loaded from one
		// that is not registered at all.
		if s.providerRegistered(ctx, name) {
			return nil, name, &status.Error{Code: status.ProviderLoadFailure, ProviderName: name,
				Description: "provider " + name + " of class " + c.Name + " is registered in " + s.ns + " but no implementation is loaded"}
		}
		return nil, name, &status.Error{Code: status.ProviderNotFound, ProviderName: name,
			Description: "provider " + name + " of class " + c.Name + " is not registered"}
	}
	return p, name, nil
}

// amendedLocale is the locale namespace whose amended qualifiers
// WBEM_FLAG_USE_AMENDED_QUALIFIERS merges: US English, as a client that
// names no locale gets.
const amendedLocale = "ms_409"

// mergeAmended adds to a class the amended (localized) qualifiers kept for
// it in the locale child namespace (ns\ms_409), where the MOF compiler's
// #pragma amendment puts them; the neutral class wins on conflicts
// (MS-WMI §3.1.1.2).
func (s *services) mergeAmended(ctx context.Context, c *cim.Class) {
	var loc *cim.Class
	_ = s.conn.om.store.View(ctx, func(tx repository.Tx) error {
		loc, _ = tx.LookupClass(s.ns+`\`+amendedLocale, c.Name)
		return nil
	})
	if loc == nil {
		return
	}
	merge := func(dst *cim.Qualifiers, src cim.Qualifiers) {
		for _, q := range src {
			if dst.Index(q.Name) < 0 {
				q.Flavor |= cim.FlavorAmended
				_ = dst.Set(q)
			}
		}
	}
	merge(&c.Qualifiers, loc.Qualifiers)
	for _, lp := range loc.Properties {
		for _, p := range c.Properties {
			if strings.EqualFold(p.Name, lp.Name) {
				merge(&p.Qualifiers, lp.Qualifiers)
			}
		}
	}
	for _, lm := range loc.Methods {
		for _, m := range c.Methods {
			if strings.EqualFold(m.Name, lm.Name) {
				merge(&m.Qualifiers, lm.Qualifiers)
			}
		}
	}
	c.Changed()
}

// providerRegistered reports whether the namespace holds a __Win32Provider
// instance of that name.
func (s *services) providerRegistered(ctx context.Context, name string) bool {
	found := false
	_ = s.conn.om.store.View(ctx, func(tx repository.Tx) error {
		_, err := tx.GetInstance(s.ns, cim.Path{Class: "__Win32Provider", Keys: []cim.KeyBinding{{Name: "Name", Value: cim.String(name)}}})
		found = err == nil
		return nil
	})
	return found
}

// providerErr attributes a provider's error to it.
func providerErr(err error, name string) error {
	if err == nil {
		return nil
	}
	e := status.From(err)
	if e.ProviderName == "" {
		c := *e
		c.ProviderName = name
		return &c
	}
	return e
}

// needWrite checks a write right: WBEM_WRITE_PROVIDER for a dynamic class,
// static otherwise.
func (s *services) needWrite(class *cim.Class, static wbem.Rights, m wbem.Method, param string) error {
	if class.IsDynamic() {
		return s.need(wbem.RightWriteProvider, m, param)
	}
	if static == wbem.RightPartialWrite && s.rights.Has(wbem.RightFullWrite) {
		return nil
	}
	return s.need(static, m, param)
}

// staticInstanceRight is the right a static instance write needs: full
// write for instances of system classes, partial write for the others.
func staticInstanceRight(class *cim.Class) wbem.Rights {
	if strings.HasPrefix(class.Dynasty(), "__") {
		return wbem.RightFullWrite
	}
	return wbem.RightPartialWrite
}

// --- OpenNamespace -----------------------------------------------------------

func (s *services) openNamespace(ctx context.Context, name string, flags wbem.Flags, wctx *wbem.Context, mode wbem.Mode) (*services, error) {
	if err := wbem.ValidateFlags(wbem.MethodOpenNamespace, mode, flags); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if wctx != nil && wctx.Len() > 0 {
		return nil, status.New(status.InvalidParameter, "OpenNamespace takes no context")
	}
	ns, err := s.childNamespace(name)
	if err == nil {
		err = s.conn.om.namespaceExists(ctx, ns)
	}
	var child *services
	if err == nil {
		child, err = s.conn.open(ctx, ns)
	}
	if err != nil {
		return nil, wbemError(err, wbem.MethodOpenNamespace, name)
	}
	return child, nil
}

func (s *services) OpenNamespace(ctx context.Context, name string, flags wbem.Flags, wctx *wbem.Context) (wbem.Services, error) {
	n, err := s.openNamespace(ctx, name, flags, wctx, wbem.Sync)
	if err != nil {
		return nil, err
	}
	return n, nil
}

func (s *services) OpenNamespaceCall(ctx context.Context, name string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	if err := wbem.ValidateFlags(wbem.MethodOpenNamespace, wbem.Semisync, flags); err != nil {
		return nil, err
	}
	n, err := s.openNamespace(ctx, name, flags, wctx, wbem.Semisync)
	if err != nil {
		return completedResult(wbem.MethodOpenNamespace, nil, nil, "", err), nil
	}
	return completedResult(wbem.MethodOpenNamespace, nil, n, "", nil), nil
}

// --- GetObject -----------------------------------------------------------------

func (s *services) getObjectReq(path string, flags wbem.Flags, wctx *wbem.Context) *request {
	return &request{method: wbem.MethodGetObject, flags: flags, param: path,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			o, err := s.getObject(ctx, path, flags, wctx)
			if err != nil {
				return "", err
			}
			return "", out.Send(o)
		}}
}

func (s *services) getObject(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) (cim.Object, error) {
	if path == "" {
		return &cim.Class{Namespace: s.ns, Server: s.conn.om.opts.Server}, nil
	}
	p, err := cim.ParsePath(path)
	if err != nil {
		return nil, err
	}
	if p.Namespace != "" && !cim.NamespaceEqual(p.Namespace, s.ns) {
		return nil, status.Errorf(status.InvalidParameter, "%s is not in namespace %s", path, s.ns)
	}
	if p.Class == "" {
		return nil, status.Errorf(status.InvalidObjectPath, "%s names no class", path)
	}
	class, err := s.getClass(ctx, p.Class)
	if err != nil {
		if !p.IsInstance() && status.CodeOf(err) == status.InvalidClass {
			return nil, status.Errorf(status.NotFound, "class %s does not exist in %s", p.Class, s.ns)
		}
		return nil, err
	}
	if !p.IsInstance() {
		c := class.Clone()
		if flags&wbem.FlagUseAmendedQualifiers != 0 {
			s.mergeAmended(ctx, c)
		}
		s.locate(c)
		return c, nil
	}
	inst, err := s.getInstance(ctx, class, p, flags, wctx)
	if err != nil {
		return nil, err
	}
	s.locate(inst)
	return inst, nil
}

// getInstance finds one instance, in the repository or from the provider.
func (s *services) getInstance(ctx context.Context, class *cim.Class, p cim.Path, flags wbem.Flags, wctx *wbem.Context) (*cim.Instance, error) {
	if p.Singleton && !class.IsSingleton() {
		return nil, status.Errorf(status.InvalidObjectPath, "class %s is not a singleton", class.Name)
	}
	if !class.IsDynamic() {
		var inst *cim.Instance
		err := s.conn.om.store.View(ctx, func(tx repository.Tx) error {
			var err error
			inst, err = tx.GetInstance(s.ns, p)
			return err
		})
		return inst, err
	}
	prov, name, err := s.providerOf(ctx, class)
	if err != nil {
		return nil, err
	}
	if g, ok := prov.(provider.InstanceGetter); ok {
		inst, err := g.GetInstance(ctx, &provider.GetRequest{Request: s.req(wctx, class, flags), Path: p})
		if !errors.Is(err, provider.ErrSkip) {
			if err != nil {
				return nil, providerErr(err, name)
			}
			if inst == nil {
				return nil, &status.Error{Code: status.NotFound, ProviderName: name, Description: "no instance " + p.String()}
			}
			return inst, nil
		}
	}
	// Enumerate and pick.
	e, ok := prov.(provider.InstanceEnumerator)
	if !ok {
		return nil, &status.Error{Code: status.ProviderNotCapable, ProviderName: name, Description: "provider " + name + " cannot get instances of " + class.Name}
	}
	pick := &pickSink{path: p}
	err = e.EnumerateInstances(ctx, &provider.EnumerateRequest{Request: s.req(wctx, class, flags)}, pick)
	if pick.found != nil {
		return pick.found, nil
	}
	if err != nil && !errors.Is(err, errFound) {
		return nil, providerErr(err, name)
	}
	return nil, &status.Error{Code: status.NotFound, ProviderName: name, Description: "no instance " + p.String()}
}

var errFound = errors.New("found")

// pickSink keeps the instance with a path and stops the enumeration.
type pickSink struct {
	path  cim.Path
	found *cim.Instance
}

func (p *pickSink) Send(objs ...cim.Object) error {
	for _, o := range objs {
		if inst, ok := o.(*cim.Instance); ok && matchKeys(inst, p.path) {
			p.found = inst
			return errFound
		}
	}
	return nil
}

func (p *pickSink) Progress(done, total uint16) error { return nil }

// matchKeys reports whether an instance has the keys of a path: its class
// is the path's class or derives from it, and each key value, converted to
// the key property's type, is equal (strings case-insensitively).
func matchKeys(inst *cim.Instance, p cim.Path) bool {
	if !inst.InheritsFrom(p.Class) {
		return false
	}
	keys := inst.Class().Keys()
	if p.Singleton {
		return len(keys) == 0
	}
	if len(p.Keys) != len(keys) {
		return false
	}
	for _, kb := range p.Keys {
		var prop *cim.Property
		if kb.Name == "" && len(keys) == 1 {
			prop = keys[0]
		} else {
			prop = inst.Class().Property(kb.Name)
		}
		if prop == nil || !prop.IsKey() {
			return false
		}
		want, err := kb.Value.Convert(prop.Type)
		if err != nil {
			return false
		}
		have, _ := inst.Get(prop.Name)
		if !sameKeyValue(have, want) {
			return false
		}
	}
	return true
}

func sameKeyValue(a, b cim.Value) bool {
	if sa, ok := a.Str(); ok && a.Type() != cim.TypeReference {
		sb, _ := b.Str()
		return strings.EqualFold(sa, sb)
	}
	if a.Type() == cim.TypeReference {
		pa, ok1 := a.Path()
		pb, ok2 := b.Path()
		return ok1 && ok2 && pa.Equal(pb)
	}
	return a.Equal(b)
}

func (s *services) GetObject(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) (cim.Object, error) {
	objs, _, err := s.syncCollect(ctx, s.getObjectReq(path, flags, wctx))
	if err != nil {
		return nil, err
	}
	return objs[0], nil
}

func (s *services) GetObjectCall(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	return s.semisyncResult(ctx, s.getObjectReq(path, flags, wctx))
}

func (s *services) GetObjectAsync(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.getObjectReq(path, flags, wctx), sink)
}

// --- classes -------------------------------------------------------------------

func (s *services) putClassReq(class *cim.Class, flags wbem.Flags) *request {
	name := ""
	if class != nil {
		name = class.Name
	}
	return &request{method: wbem.MethodPutClass, flags: flags, param: name,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			if class == nil {
				return "", status.New(status.InvalidParameter, "PutClass needs a class")
			}
			if err := s.needWrite(class, wbem.RightFullWrite, wbem.MethodPutClass, class.Name); err != nil {
				return "", err
			}
			return "", s.conn.om.store.Update(ctx, func(tx repository.Tx) error {
				return tx.PutClass(s.ns, class, uint32(flags&(wbem.FlagUpdateOnly|wbem.FlagCreateOnly|wbem.MaskUpdateMode)))
			})
		}}
}

func (s *services) PutClass(ctx context.Context, class *cim.Class, flags wbem.Flags, wctx *wbem.Context) error {
	_, _, err := s.syncCollect(ctx, s.putClassReq(class, flags))
	return err
}

func (s *services) PutClassCall(ctx context.Context, class *cim.Class, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	return s.semisyncResult(ctx, s.putClassReq(class, flags))
}

func (s *services) PutClassAsync(ctx context.Context, class *cim.Class, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.putClassReq(class, flags), sink)
}

func (s *services) deleteClassReq(name string, flags wbem.Flags) *request {
	return &request{method: wbem.MethodDeleteClass, flags: flags, param: name,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			if name == "" {
				return "", status.New(status.InvalidParameter, "DeleteClass needs a class name")
			}
			if strings.HasPrefix(name, "__") {
				return "", status.Errorf(status.InvalidOperation, "system class %s cannot be deleted", name)
			}
			if class, err := s.getClass(ctx, name); err == nil {
				if err := s.needWrite(class, wbem.RightFullWrite, wbem.MethodDeleteClass, name); err != nil {
					return "", err
				}
			}
			return "", s.conn.om.store.Update(ctx, func(tx repository.Tx) error {
				return tx.DeleteClass(s.ns, name)
			})
		}}
}

func (s *services) DeleteClass(ctx context.Context, name string, flags wbem.Flags, wctx *wbem.Context) error {
	_, _, err := s.syncCollect(ctx, s.deleteClassReq(name, flags))
	return err
}

func (s *services) DeleteClassCall(ctx context.Context, name string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	return s.semisyncResult(ctx, s.deleteClassReq(name, flags))
}

func (s *services) DeleteClassAsync(ctx context.Context, name string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.deleteClassReq(name, flags), sink)
}

func (s *services) classEnumReq(super string, flags wbem.Flags) *request {
	return &request{method: wbem.MethodCreateClassEnum, flags: flags, param: super,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			var classes []*cim.Class
			err := s.conn.om.store.View(ctx, func(tx repository.Tx) error {
				if super != "" {
					if _, err := tx.LookupClass(s.ns, super); err != nil {
						return status.Errorf(status.InvalidClass, "class %s does not exist in %s", super, s.ns)
					}
				}
				var err error
				classes, err = tx.Classes(s.ns, super, flags&wbem.FlagShallow == 0)
				return err
			})
			if err != nil {
				return "", err
			}
			b := &batcher{out: locatingSink{out, s}}
			for _, c := range classes {
				if err := b.add(c); err != nil {
					return "", err
				}
			}
			return "", b.flush()
		}}
}

func (s *services) CreateClassEnum(ctx context.Context, super string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	return s.syncEnum(ctx, s.classEnumReq(super, flags))
}

func (s *services) CreateClassEnumAsync(ctx context.Context, super string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.classEnumReq(super, flags), sink)
}

// --- instances -------------------------------------------------------------------

func (s *services) putInstanceReq(inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context) *request {
	param := ""
	if inst != nil {
		param = inst.ClassName()
	}
	return &request{method: wbem.MethodPutInstance, flags: flags, param: param,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			if inst == nil {
				return "", status.New(status.InvalidParameter, "PutInstance needs an instance")
			}
			return s.putInstance(ctx, inst, flags, wctx)
		}}
}

func (s *services) putInstance(ctx context.Context, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context) (string, error) {
	class, err := s.getClass(ctx, inst.ClassName())
	if err != nil {
		return "", err
	}
	mode := flags & (wbem.FlagUpdateOnly | wbem.FlagCreateOnly)
	if err := s.needWrite(class, staticInstanceRight(class), wbem.MethodPutInstance, inst.ClassName()); err != nil {
		return "", err
	}
	if !class.IsDynamic() {
		err := s.conn.om.store.Update(ctx, func(tx repository.Tx) error {
			// A new namespace gets the system classes, as in winmgmt.
			child := schema.NewNamespaceOf(tx, s.ns, inst)
			if err := tx.PutInstance(s.ns, inst, uint32(mode)); err != nil {
				return err
			}
			if child != "" {
				return schema.InstallNamespace(tx, child)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		return inst.RelPath(), nil
	}
	prov, name, err := s.providerOf(ctx, class)
	if err != nil {
		return "", err
	}
	req := &provider.PutRequest{Request: s.req(wctx, class, flags), Instance: inst}
	if mode != wbem.FlagCreateOnly {
		if m, ok := prov.(provider.InstanceModifier); ok {
			err := m.ModifyInstance(ctx, req)
			if err == nil {
				return inst.RelPath(), nil
			}
			if mode == wbem.FlagUpdateOnly || status.CodeOf(err) != status.NotFound {
				return "", providerErr(err, name)
			}
		} else if mode == wbem.FlagUpdateOnly {
			return "", &status.Error{Code: status.ProviderNotCapable, ProviderName: name, Description: "provider " + name + " cannot modify instances"}
		}
	}
	c, ok := prov.(provider.InstanceCreator)
	if !ok {
		return "", &status.Error{Code: status.ProviderNotCapable, ProviderName: name, Description: "provider " + name + " cannot create instances"}
	}
	p, err := c.CreateInstance(ctx, req)
	if err != nil {
		return "", providerErr(err, name)
	}
	if p.Class == "" {
		return inst.RelPath(), nil
	}
	return p.RelPath(), nil
}

func (s *services) PutInstance(ctx context.Context, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context) (string, error) {
	_, str, err := s.syncCollect(ctx, s.putInstanceReq(inst, flags, wctx))
	return str, err
}

func (s *services) PutInstanceCall(ctx context.Context, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	return s.semisyncResult(ctx, s.putInstanceReq(inst, flags, wctx))
}

func (s *services) PutInstanceAsync(ctx context.Context, inst *cim.Instance, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.putInstanceReq(inst, flags, wctx), sink)
}

func (s *services) deleteInstanceReq(path string, flags wbem.Flags, wctx *wbem.Context) *request {
	return &request{method: wbem.MethodDeleteInstance, flags: flags, param: path,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			p, err := cim.ParsePath(path)
			if err != nil {
				return "", err
			}
			if !p.IsInstance() {
				return "", status.Errorf(status.InvalidObjectPath, "%s is not an instance path", path)
			}
			class, err := s.getClass(ctx, p.Class)
			if err != nil {
				return "", err
			}
			if err := s.needWrite(class, staticInstanceRight(class), wbem.MethodDeleteInstance, path); err != nil {
				return "", err
			}
			if !class.IsDynamic() {
				return "", s.conn.om.store.Update(ctx, func(tx repository.Tx) error {
					return tx.DeleteInstance(s.ns, p)
				})
			}
			prov, name, err := s.providerOf(ctx, class)
			if err != nil {
				return "", err
			}
			d, ok := prov.(provider.InstanceDeleter)
			if !ok {
				return "", &status.Error{Code: status.ProviderNotCapable, ProviderName: name, Description: "provider " + name + " cannot delete instances"}
			}
			return "", providerErr(d.DeleteInstance(ctx, &provider.DeleteRequest{Request: s.req(wctx, class, flags), Path: p}), name)
		}}
}

func (s *services) DeleteInstance(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) error {
	_, _, err := s.syncCollect(ctx, s.deleteInstanceReq(path, flags, wctx))
	return err
}

func (s *services) DeleteInstanceCall(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context) (wbem.CallResult, error) {
	return s.semisyncResult(ctx, s.deleteInstanceReq(path, flags, wctx))
}

func (s *services) DeleteInstanceAsync(ctx context.Context, path string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.deleteInstanceReq(path, flags, wctx), sink)
}

func (s *services) instanceEnumReq(className string, flags wbem.Flags, wctx *wbem.Context) *request {
	return &request{method: wbem.MethodCreateInstanceEnum, flags: flags, param: className,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			class, err := s.getClass(ctx, className)
			if err != nil {
				return "", err
			}
			return "", s.enumerate(ctx, class, enumSpec{deep: flags&wbem.FlagShallow == 0, directRead: flags&wbem.FlagDirectRead != 0, flags: flags, wctx: wctx}, out)
		}}
}

func (s *services) CreateInstanceEnum(ctx context.Context, class string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	return s.syncEnum(ctx, s.instanceEnumReq(class, flags, wctx))
}

func (s *services) CreateInstanceEnumAsync(ctx context.Context, class string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.instanceEnumReq(class, flags, wctx), sink)
}
