package cimom

import (
	"context"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

func (s *services) execMethodReq(path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance) *request {
	return &request{method: wbem.MethodExecMethod, flags: flags, param: path + "." + method,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			res, err := s.execMethod(ctx, path, method, flags, wctx, in, out)
			if err != nil {
				return "", err
			}
			if res != nil {
				return "", out.Send(res)
			}
			return "", nil
		}}
}

// execMethod resolves and checks a method call and runs it on the class's
// provider.
func (s *services) execMethod(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance, out provider.Sink) (*cim.Instance, error) {
	p, err := cim.ParsePath(path)
	if err != nil {
		return nil, err
	}
	if p.Class == "" {
		return nil, status.Errorf(status.InvalidObjectPath, "%s names no class", path)
	}
	class, err := s.getClass(ctx, p.Class)
	if err != nil {
		return nil, err
	}
	m := class.Method(method)
	if m == nil {
		return nil, status.Errorf(status.InvalidMethod, "class %s has no method %s", class.Name, method)
	}
	if m.Qualifiers.Has("Disabled") {
		return nil, status.Errorf(status.MethodDisabled, "method %s.%s is disabled", class.Name, m.Name)
	}
	static := m.Qualifiers.Has("Static")
	if !static && !p.IsInstance() {
		return nil, status.Errorf(status.InvalidMethodParameters, "method %s.%s is not static: call it on an instance path", class.Name, m.Name)
	}
	if p.IsInstance() {
		// The instance must exist (WMI checks before calling the provider).
		if _, err := s.getInstance(ctx, class, p, 0, wctx); err != nil {
			return nil, err
		}
	}
	args, err := methodInput(class, m, in)
	if err != nil {
		return nil, err
	}
	if class.Provider() == "" {
		return nil, status.Errorf(status.MethodNotImplemented, "class %s has no provider to run %s", class.Name, m.Name)
	}
	prov, name, err := s.providerOf(ctx, class)
	if err != nil {
		return nil, err
	}
	x, ok := prov.(provider.MethodExecutor)
	if !ok {
		return nil, &status.Error{Code: status.ProviderNotCapable, ProviderName: name, Description: "provider " + name + " runs no methods"}
	}
	req := &provider.MethodRequest{Request: s.req(wctx, class, flags), Path: p, Method: m, In: args, OutClass: m.OutParameters()}
	res, err := x.ExecMethod(ctx, req, out)
	if err != nil {
		return nil, providerErr(err, name)
	}
	return res, nil
}

// methodInput checks the caller's input parameters against the method and
// returns them as an instance of the method's input __PARAMETERS class.
func methodInput(class *cim.Class, m *cim.Method, in *cim.Instance) (*cim.Instance, error) {
	sig := m.InParameters()
	if sig == nil {
		if in != nil {
			for _, p := range in.Properties() {
				if v, _ := in.Get(p.Name); !v.IsNull() {
					return nil, status.Errorf(status.InvalidMethodParameters, "method %s.%s takes no input, but %s was given", class.Name, m.Name, p.Name)
				}
			}
		}
		return nil, nil
	}
	args, err := sig.SpawnInstance()
	if err != nil {
		return nil, err
	}
	if in == nil {
		return args, nil
	}
	for _, p := range in.Properties() {
		v, _ := in.Get(p.Name)
		if sig.Property(p.Name) == nil {
			if v.IsNull() {
				continue
			}
			return nil, status.Errorf(status.InvalidMethodParameters, "method %s.%s has no input parameter %s", class.Name, m.Name, p.Name)
		}
		if err := args.Put(p.Name, v); err != nil {
			return nil, &status.Error{Code: status.InvalidMethodParameters, ParameterInfo: p.Name,
				Description: "parameter " + p.Name + " of " + class.Name + "." + m.Name + ": " + err.Error()}
		}
	}
	for _, p := range sig.AllProperties() {
		if p.Qualifiers.Has("Required") || (p.Qualifiers.Has("Key") && !strings.EqualFold(p.Name, "ReturnValue")) {
			if v, _ := args.Get(p.Name); v.IsNull() {
				return nil, status.Errorf(status.InvalidMethodParameters, "parameter %s of %s.%s is required", p.Name, class.Name, m.Name)
			}
		}
	}
	return args, nil
}

// ExecMethod runs a method. The provider runs to completion even if ctx is
// cancelled (WMI's rule for methods); the call then returns
// WBEM_E_CALL_CANCELLED at once and the results are discarded.
func (s *services) ExecMethod(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance) (*cim.Instance, error) {
	if err := wbem.ValidateFlags(wbem.MethodExecMethod, wbem.Sync, flags); err != nil {
		return nil, err
	}
	r := s.execMethodReq(path, method, flags, wctx, in)
	res := newCallResult(wbem.MethodExecMethod)
	if _, err := s.startAsync(ctx, r, res, true, res.bind); err != nil {
		return nil, err
	}
	obj, err := res.GetResultObject(ctx, wbem.Infinite)
	if err != nil {
		_ = res.Close()
		return nil, err
	}
	out, _ := obj.(*cim.Instance)
	return out, nil
}

func (s *services) ExecMethodCall(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance) (wbem.CallResult, error) {
	return s.semisyncResult(ctx, s.execMethodReq(path, method, flags, wctx, in))
}

func (s *services) ExecMethodAsync(ctx context.Context, path, method string, flags wbem.Flags, wctx *wbem.Context, in *cim.Instance, sink wbem.Sink) error {
	return s.async(ctx, s.execMethodReq(path, method, flags, wctx, in), sink)
}
