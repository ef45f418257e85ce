// Package service is the provider of Win32_Service (served under WMI's
// provider name CIMWin32): the system's services as systemd knows them,
// through systemd's D-Bus API (org.freedesktop.systemd1).
//
// A service is a unit "name.service"; its Win32_Service.Name is the unit
// name without ".service". State comes from the unit's ActiveState (and
// FreezerState: a frozen unit is Paused), StartMode from its UnitFileState
// (enabled: Auto, masked: Disabled, anything else: Manual). StartService,
// StopService, PauseService and ResumeService queue StartUnit, StopUnit,
// FreezeUnit and ThawUnit jobs, and return 0 once systemd accepted them, as
// Windows returns once the service control manager did; ChangeStartMode
// enables, disables or masks the unit file. Where no systemd runs (no
// system bus, or nobody owns org.freedesktop.systemd1), there are no
// services: the enumeration is empty.
package service

import (
	"context"
	"embed"
	"errors"
	"sort"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/wbem/status"
)

// MOF holds the package's class definitions.
//
//go:embed *.mof
var MOF embed.FS

// Files lists the MOF files of MOF in compile order.
var Files = []string{"service.mof"}

// The return codes of Win32_Service's control methods.
const (
	Success             = 0
	NotSupported        = 1
	AccessDenied        = 2
	CannotAcceptControl = 5
	NotActive           = 6
	UnknownFailure      = 8
	AlreadyRunning      = 10
	ServiceDisabled     = 14
	InvalidParameter    = 21
	AlreadyPaused       = 24
)

// systemd's D-Bus names.
const (
	Destination  = "org.freedesktop.systemd1"
	ManagerPath  = dbus.ObjectPath("/org/freedesktop/systemd1")
	Manager      = "org.freedesktop.systemd1.Manager"
	UnitIface    = "org.freedesktop.systemd1.Unit"
	ServiceIface = "org.freedesktop.systemd1.Service"
)

// Provider serves Win32_Service.
type Provider struct {
	// Bus connects to the bus where systemd is; nil is the system bus.
	// The provider closes the connections it gets.
	Bus func(ctx context.Context) (*dbus.Conn, error)
}

// Register registers a Provider talking to the system bus.
func Register(om *cimom.ObjectManager) error { return RegisterProvider(om, &Provider{}) }

// RegisterProvider registers p for Win32_Service under CIMWin32.
func RegisterProvider(om *cimom.ObjectManager, p *Provider) error {
	return prov.Route(om, prov.CIMWin32, "Win32_Service", p)
}

// errNoSystemd is returned by connect when no systemd is reachable.
var errNoSystemd = errors.New("no systemd on the bus")

// connect returns a connection to the bus where systemd answers.
func (p *Provider) connect(ctx context.Context) (*dbus.Conn, error) {
	var conn *dbus.Conn
	var err error
	if p.Bus != nil {
		conn, err = p.Bus(ctx)
	} else {
		conn, err = dbus.ConnectSystemBus(dbus.WithContext(ctx))
	}
	if err != nil {
		return nil, errNoSystemd
	}
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, Destination).Store(&has); err != nil || !has {
		conn.Close()
		return nil, errNoSystemd
	}
	return conn, nil
}

// unit is one service as systemd lists it.
type unit struct {
	Name, Description, LoadState, ActiveState, SubState, Following string
	Path                                                           dbus.ObjectPath
	JobID                                                          uint32
	JobType                                                        string
	JobPath                                                        dbus.ObjectPath
}

// service is what the provider knows of one service.
type service struct {
	name        string // unit name, with .service
	loaded      *unit
	fileState   string
	unitProps   map[string]dbus.Variant
	serviceProp map[string]dbus.Variant
}

func manager(conn *dbus.Conn) dbus.BusObject { return conn.Object(Destination, ManagerPath) }

// services lists the services: the loaded units and the installed unit
// files (template units excepted), with their properties.
func (p *Provider) services(ctx context.Context, conn *dbus.Conn, only string) ([]*service, error) {
	var units []unit
	if err := manager(conn).CallWithContext(ctx, Manager+".ListUnits", 0).Store(&units); err != nil {
		return nil, dbusErr(err)
	}
	byName := map[string]*service{}
	for i := range units {
		u := &units[i]
		if !strings.HasSuffix(u.Name, ".service") || u.LoadState == "not-found" {
			continue
		}
		byName[u.Name] = &service{name: u.Name, loaded: u}
	}
	var files []struct{ Path, State string }
	if err := manager(conn).CallWithContext(ctx, Manager+".ListUnitFiles", 0).Store(&files); err == nil {
		for _, f := range files {
			name := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
			if !strings.HasSuffix(name, ".service") || strings.Contains(name, "@.") {
				continue
			}
			s := byName[name]
			if s == nil {
				s = &service{name: name}
				byName[name] = s
			}
			s.fileState = f.State
		}
	}
	var out []*service
	for name, s := range byName {
		if only != "" && !strings.EqualFold(name, only) {
			continue
		}
		if s.loaded != nil {
			obj := conn.Object(Destination, s.loaded.Path)
			_ = obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, UnitIface).Store(&s.unitProps)
			_ = obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, ServiceIface).Store(&s.serviceProp)
			if fs, ok := s.unitProps["UnitFileState"].Value().(string); ok && fs != "" {
				s.fileState = fs
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func unitName(name string) string {
	if strings.HasSuffix(name, ".service") {
		return name
	}
	return name + ".service"
}

// EnumerateInstances implements provider.InstanceEnumerator.
func (p *Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	conn, err := p.connect(ctx)
	if errors.Is(err, errNoSystemd) {
		return nil
	}
	defer conn.Close()
	svcs, err := p.services(ctx, conn, "")
	if err != nil {
		return err
	}
	batch := make([]cim.Object, 0, len(svcs))
	for _, s := range svcs {
		inst, err := instance(req.Class, s)
		if err != nil {
			return err
		}
		batch = append(batch, inst)
	}
	if len(batch) == 0 {
		return nil
	}
	return sink.Send(batch...)
}

// GetInstance implements provider.InstanceGetter.
func (p *Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	name, _ := prov.KeyString(req.Path, "Name")
	s, conn, err := p.find(ctx, name)
	if err != nil {
		return nil, err
	}
	conn.Close()
	return instance(req.Class, s)
}

func (p *Provider) find(ctx context.Context, name string) (*service, *dbus.Conn, error) {
	conn, err := p.connect(ctx)
	if errors.Is(err, errNoSystemd) {
		return nil, nil, status.Errorf(status.NotFound, "no service %q: systemd does not run here", name)
	}
	svcs, err := p.services(ctx, conn, unitName(name))
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if len(svcs) == 0 {
		conn.Close()
		return nil, nil, status.Errorf(status.NotFound, "no service %q", name)
	}
	return svcs[0], conn, nil
}

func str(m map[string]dbus.Variant, k string) string {
	s, _ := m[k].Value().(string)
	return s
}

func boolean(m map[string]dbus.Variant, k string) (bool, bool) {
	b, ok := m[k].Value().(bool)
	return b, ok
}

// state returns Win32_Service.State.
func (s *service) state() string {
	if s.loaded == nil {
		return "Stopped"
	}
	if str(s.unitProps, "FreezerState") == "frozen" {
		return "Paused"
	}
	switch str(s.unitProps, "FreezerState") {
	case "freezing":
		return "Pause Pending"
	case "thawing":
		return "Continue Pending"
	}
	switch s.loaded.ActiveState {
	case "active", "reloading", "refreshing":
		return "Running"
	case "activating":
		return "Start Pending"
	case "deactivating":
		return "Stop Pending"
	case "inactive", "failed", "maintenance":
		return "Stopped"
	}
	return "Unknown"
}

// startMode returns Win32_Service.StartMode for a unit file state.
func startMode(fileState string) string {
	switch fileState {
	case "enabled", "enabled-runtime", "alias":
		return "Auto"
	case "masked", "masked-runtime", "bad":
		return "Disabled"
	}
	return "Manual"
}

func instance(class *cim.Class, s *service) (*cim.Instance, error) {
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(s.name, ".service")
	st := s.state()
	set := &prov.Setter{Inst: inst}
	set.Val("Name", name)
	set.Val("CreationClassName", "Win32_Service")
	set.Val("SystemCreationClassName", "Win32_ComputerSystem")
	set.Val("SystemName", prov.Hostname())
	set.Val("State", st)
	set.Val("Started", st == "Running" || st == "Paused")
	set.Val("StartMode", startMode(s.fileState))
	set.Val("ServiceType", "Own Process")
	set.Val("DesktopInteract", false)
	desc := ""
	if s.loaded != nil {
		desc = s.loaded.Description
	}
	if desc != "" {
		set.Val("DisplayName", desc)
		set.Val("Caption", desc)
		set.Val("Description", desc)
	} else {
		set.Val("DisplayName", name)
		set.Val("Caption", name)
	}
	status := "OK"
	if s.loaded != nil && s.loaded.ActiveState == "failed" {
		status = "Error"
	}
	set.Val("Status", status)
	pid := uint32(0)
	if v, ok := s.serviceProp["MainPID"].Value().(uint32); ok {
		pid = v
	}
	set.Val("ProcessId", pid)
	if s.loaded != nil {
		canStop, ok := boolean(s.unitProps, "CanStop")
		if ok {
			set.Val("AcceptStop", canStop && st == "Running")
		}
		if canFreeze, ok := boolean(s.unitProps, "CanFreeze"); ok {
			set.Val("AcceptPause", canFreeze && st == "Running")
		} else {
			set.Val("AcceptPause", false)
		}
		code := int32(0)
		if v, ok := s.serviceProp["ExecMainStatus"].Value().(int32); ok {
			code = v
		}
		if code != 0 {
			set.Val("ExitCode", uint32(1066)) // ERROR_SERVICE_SPECIFIC_ERROR
			set.Val("ServiceSpecificExitCode", uint32(code))
		} else {
			set.Val("ExitCode", uint32(0))
			set.Val("ServiceSpecificExitCode", uint32(0))
		}
		if path := execStart(s.serviceProp); path != "" {
			set.Val("PathName", path)
		}
		user := str(s.serviceProp, "User")
		if user == "" {
			user = "root"
		}
		set.Val("StartName", user)
	}
	return inst, set.Err
}

// execStart returns the first command line of a service's ExecStart.
func execStart(props map[string]dbus.Variant) string {
	v, ok := props["ExecStart"]
	if !ok {
		return ""
	}
	cmds, ok := v.Value().([][]any)
	if !ok || len(cmds) == 0 || len(cmds[0]) < 2 {
		return ""
	}
	path, _ := cmds[0][0].(string)
	argv, _ := cmds[0][1].([]string)
	if len(argv) > 1 {
		return path + " " + strings.Join(argv[1:], " ")
	}
	return path
}

// --- methods -----------------------------------------------------------------------

// dbusErr turns a D-Bus error into a WBEM one.
func dbusErr(err error) error {
	var de dbus.Error
	if errors.As(err, &de) {
		switch de.Name {
		case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired":
			return status.Wrap(status.AccessDenied, err)
		case "org.freedesktop.systemd1.NoSuchUnit":
			return status.Wrap(status.NotFound, err)
		}
	}
	return status.Wrap(status.Failed, err)
}

// returnCode maps a D-Bus error of a control call to a return code.
func returnCode(err error) uint32 {
	var de dbus.Error
	if errors.As(err, &de) {
		switch de.Name {
		case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired":
			return AccessDenied
		case "org.freedesktop.systemd1.UnitMasked":
			return ServiceDisabled
		case "org.freedesktop.systemd1.NoSuchUnit", "org.freedesktop.systemd1.LoadFailed":
			return 9 // path not found
		case "org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.NotSupported",
			"org.freedesktop.systemd1.UnitFreezingNotSupported":
			return NotSupported
		case "org.freedesktop.DBus.Error.InvalidArgs":
			return InvalidParameter
		}
	}
	return UnknownFailure
}

// ExecMethod implements provider.MethodExecutor.
func (p *Provider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	name, _ := prov.KeyString(req.Path, "Name")
	s, conn, err := p.find(ctx, name)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	m := manager(conn)
	st := s.state()
	call := func(method string, args ...any) (*cim.Instance, error) {
		if err := m.CallWithContext(ctx, Manager+"."+method, 0, args...).Err; err != nil {
			return prov.Result(req, returnCode(err))
		}
		return prov.Result(req, Success)
	}
	switch strings.ToLower(req.Method.Name) {
	case "startservice":
		switch {
		case st == "Running" || st == "Start Pending" || st == "Paused":
			return prov.Result(req, AlreadyRunning)
		case startMode(s.fileState) == "Disabled":
			return prov.Result(req, ServiceDisabled)
		}
		return call("StartUnit", s.name, "replace")
	case "stopservice":
		if st == "Stopped" || st == "Stop Pending" {
			return prov.Result(req, CannotAcceptControl)
		}
		if canStop, ok := boolean(s.unitProps, "CanStop"); ok && !canStop {
			return prov.Result(req, NotSupported)
		}
		return call("StopUnit", s.name, "replace")
	case "pauseservice":
		switch st {
		case "Stopped", "Start Pending", "Stop Pending":
			return prov.Result(req, NotActive)
		case "Paused", "Pause Pending":
			return prov.Result(req, AlreadyPaused)
		}
		if canFreeze, ok := boolean(s.unitProps, "CanFreeze"); !ok || !canFreeze {
			return prov.Result(req, NotSupported)
		}
		return call("FreezeUnit", s.name)
	case "resumeservice":
		switch st {
		case "Stopped", "Start Pending", "Stop Pending":
			return prov.Result(req, NotActive)
		case "Running":
			return prov.Result(req, CannotAcceptControl)
		}
		return call("ThawUnit", s.name)
	case "changestartmode":
		return p.changeStartMode(ctx, req, m, s)
	}
	return nil, prov.NotSupported(prov.CIMWin32, req)
}

// changeStartMode enables (Automatic), disables (Manual) or masks
// (Disabled) the unit file; Boot and System are for drivers (21).
func (p *Provider) changeStartMode(ctx context.Context, req *provider.MethodRequest, m dbus.BusObject, s *service) (*cim.Instance, error) {
	mode, _ := prov.ArgString(req, "StartMode")
	files := []string{s.name}
	var err error
	cur := startMode(s.fileState)
	switch strings.ToLower(mode) {
	case "automatic", "auto":
		if cur == "Disabled" {
			err = m.CallWithContext(ctx, Manager+".UnmaskUnitFiles", 0, files, false).Err
		}
		if err == nil {
			err = m.CallWithContext(ctx, Manager+".EnableUnitFiles", 0, files, false, false).Err
		}
	case "manual":
		if cur == "Disabled" {
			err = m.CallWithContext(ctx, Manager+".UnmaskUnitFiles", 0, files, false).Err
		}
		if err == nil && cur == "Auto" {
			err = m.CallWithContext(ctx, Manager+".DisableUnitFiles", 0, files, false).Err
		}
	case "disabled":
		err = m.CallWithContext(ctx, Manager+".MaskUnitFiles", 0, files, false, false).Err
	default:
		return prov.Result(req, InvalidParameter)
	}
	if err != nil {
		return prov.Result(req, returnCode(err))
	}
	if err := m.CallWithContext(ctx, Manager+".Reload", 0).Err; err != nil {
		return prov.Result(req, returnCode(err))
	}
	return prov.Result(req, Success)
}
