package prov

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
)

// CIMWin32 is the provider name of the Win32 classes that Windows serves
// from one provider (cimwin32.dll): Win32_OperatingSystem,
// Win32_ComputerSystem, Win32_Environment, Win32_Process, Win32_Service,
// Win32_LogicalDisk. gowmi implements them in several packages; Mux joins
// them under that one name.
const CIMWin32 = "CIMWin32"

// Mux is one provider name that routes each request to the implementation
// registered for the request's class (or its nearest ancestor that has
// one).
type Mux struct {
	name    string
	mu      sync.RWMutex
	classes map[string]any
}

var (
	muxMu sync.Mutex
	muxes = map[*cimom.ObjectManager]map[string]*Mux{}
)

// Route makes impl serve class under the provider name on om, registering
// the name's Mux with om the first time. Routing a class twice is
// WBEM_E_PROVIDER_ALREADY_REGISTERED.
func Route(om *cimom.ObjectManager, name, class string, impl any) error {
	muxMu.Lock()
	defer muxMu.Unlock()
	byName := muxes[om]
	if byName == nil {
		byName = map[string]*Mux{}
		muxes[om] = byName
	}
	m := byName[strings.ToLower(name)]
	if m == nil {
		m = &Mux{name: name, classes: map[string]any{}}
		if err := om.RegisterProvider(name, m); err != nil {
			return err
		}
		byName[strings.ToLower(name)] = m
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := strings.ToLower(class)
	if _, ok := m.classes[k]; ok {
		return status.Errorf(status.ProviderAlreadyRegistered, "class %s already has an implementation in provider %s", class, name)
	}
	m.classes[k] = impl
	return nil
}

func (m *Mux) target(c *cim.Class) (any, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for ; c != nil; c = c.Parent() {
		if impl, ok := m.classes[strings.ToLower(c.Name)]; ok {
			return impl, nil
		}
	}
	return nil, &status.Error{Code: status.ProviderNotFound, ProviderName: m.name, Description: "provider " + m.name + " has no implementation of this class"}
}

func (m *Mux) notCapable(c *cim.Class, what string) error {
	return &status.Error{Code: status.ProviderNotCapable, ProviderName: m.name, Description: "provider " + m.name + " cannot " + what + " " + c.Name}
}

// GetInstance implements provider.InstanceGetter.
func (m *Mux) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	t, err := m.target(req.Class)
	if err != nil {
		return nil, err
	}
	if g, ok := t.(provider.InstanceGetter); ok {
		return g.GetInstance(ctx, req)
	}
	return nil, provider.ErrSkip
}

// EnumerateInstances implements provider.InstanceEnumerator.
func (m *Mux) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	t, err := m.target(req.Class)
	if err != nil {
		return err
	}
	if e, ok := t.(provider.InstanceEnumerator); ok {
		return e.EnumerateInstances(ctx, req, sink)
	}
	return m.notCapable(req.Class, "enumerate")
}

// ExecQuery implements provider.InstanceQuerier: the class's own query
// support, else its instances by pinned key, else ErrSkip.
func (m *Mux) ExecQuery(ctx context.Context, req *provider.QueryRequest, sink provider.Sink) error {
	t, err := m.target(req.Class)
	if err != nil {
		return err
	}
	if q, ok := t.(provider.InstanceQuerier); ok {
		return q.ExecQuery(ctx, req, sink)
	}
	g, ok := t.(provider.InstanceGetter)
	if !ok || req.PinnedKeys == nil {
		return provider.ErrSkip
	}
	for _, keys := range req.PinnedKeys {
		p := cim.Path{Class: req.Class.Name}
		for k, v := range keys {
			p.Keys = append(p.Keys, cim.KeyBinding{Name: k, Value: v})
		}
		inst, err := g.GetInstance(ctx, &provider.GetRequest{Request: req.Request, Path: p})
		switch {
		case errors.Is(err, provider.ErrSkip):
			return err
		case status.CodeOf(err) == status.NotFound:
			continue
		case err != nil:
			return err
		}
		if inst != nil {
			if err := sink.Send(inst); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateInstance implements provider.InstanceCreator.
func (m *Mux) CreateInstance(ctx context.Context, req *provider.PutRequest) (cim.Path, error) {
	t, err := m.target(req.Class)
	if err != nil {
		return cim.Path{}, err
	}
	if c, ok := t.(provider.InstanceCreator); ok {
		return c.CreateInstance(ctx, req)
	}
	return cim.Path{}, m.notCapable(req.Class, "create instances of")
}

// ModifyInstance implements provider.InstanceModifier.
func (m *Mux) ModifyInstance(ctx context.Context, req *provider.PutRequest) error {
	t, err := m.target(req.Class)
	if err != nil {
		return err
	}
	if c, ok := t.(provider.InstanceModifier); ok {
		return c.ModifyInstance(ctx, req)
	}
	return m.notCapable(req.Class, "modify instances of")
}

// DeleteInstance implements provider.InstanceDeleter.
func (m *Mux) DeleteInstance(ctx context.Context, req *provider.DeleteRequest) error {
	t, err := m.target(req.Class)
	if err != nil {
		return err
	}
	if c, ok := t.(provider.InstanceDeleter); ok {
		return c.DeleteInstance(ctx, req)
	}
	return m.notCapable(req.Class, "delete instances of")
}

// ExecMethod implements provider.MethodExecutor.
func (m *Mux) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	t, err := m.target(req.Class)
	if err != nil {
		return nil, err
	}
	if x, ok := t.(provider.MethodExecutor); ok {
		return x.ExecMethod(ctx, req, sink)
	}
	return nil, m.notCapable(req.Class, "run methods of")
}
