// Package os is the provider of Win32_OperatingSystem (the one running
// system), Win32_ComputerSystem (the machine) and Win32_Environment (the
// environment variables set for the whole system and for the users), served
// under WMI's provider name CIMWin32.
//
// Facts come from gopsutil (host, memory, processors, users) and
// x/sys/unix (uname); the machine's maker and model from the kernel's DMI
// attributes, and the environment from /etc/environment and the
// environment.d directories of systemd, read directly since no library
// reads them. What Linux has no counterpart for is NULL.
package os

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	goos "os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/wbem/status"
)

// MOF holds the package's class definitions, Files lists them in compile
// order.
//
//go:embed *.mof
var MOF embed.FS

// Files lists the MOF files of MOF in compile order.
var Files = []string{"os.mof"}

// Provider serves the three classes. The zero value reads the machine; the
// fields point the environment at other files (for tests).
type Provider struct {
	// Root is prefixed to /etc/environment and /etc/environment.d; "" is /.
	Root string
	// Homes lists the users whose ~/.config/environment.d is read, by
	// name; nil means the users of the local password database that have
	// a home directory holding such a directory.
	Homes map[string]string
}

// Register registers a Provider reading the machine under CIMWin32.
func Register(om *cimom.ObjectManager) error {
	return RegisterProvider(om, &Provider{})
}

// RegisterProvider registers p under CIMWin32 for the three classes.
func RegisterProvider(om *cimom.ObjectManager, p *Provider) error {
	for _, c := range []string{"Win32_OperatingSystem", "Win32_ComputerSystem", "Win32_Environment"} {
		if err := prov.Route(om, prov.CIMWin32, c, p); err != nil {
			return err
		}
	}
	return nil
}

// EnumerateInstances implements provider.InstanceEnumerator.
func (p *Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	switch {
	case req.Class.InheritsFrom("Win32_OperatingSystem"):
		inst, err := operatingSystem(ctx, req.Class)
		if err != nil {
			return err
		}
		return sink.Send(inst)
	case req.Class.InheritsFrom("Win32_ComputerSystem"):
		inst, err := computerSystem(ctx, req.Class)
		if err != nil {
			return err
		}
		return sink.Send(inst)
	case req.Class.InheritsFrom("Win32_Environment"):
		vars, err := p.environment()
		if err != nil {
			return err
		}
		batch := make([]cim.Object, 0, len(vars))
		for _, v := range vars {
			inst, err := envInstance(req.Class, v)
			if err != nil {
				return err
			}
			batch = append(batch, inst)
		}
		return sink.Send(batch...)
	}
	return status.Errorf(status.InvalidClass, "class %s is not served here", req.Class.Name)
}

// ExecMethod implements provider.MethodExecutor. Rebooting, shutting down,
// setting the clock, renaming the machine and joining domains are not done
// by this provider: they are WBEM_E_NOT_SUPPORTED.
func (p *Provider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	return nil, prov.NotSupported("CIMWin32", req)
}

// --- Win32_OperatingSystem ------------------------------------------------------

// osRelease returns the fields of os-release(5).
func osRelease() map[string]string {
	out := map[string]string{}
	for _, f := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		data, err := goos.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok || strings.HasPrefix(k, "#") {
				continue
			}
			out[k] = strings.Trim(v, `"'`)
		}
		break
	}
	return out
}

func utsString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func caption(rel map[string]string) string {
	if c := rel["PRETTY_NAME"]; c != "" {
		return c
	}
	return "Linux"
}

// Name returns Win32_OperatingSystem.Name of the running system, as
// Win32_Process.OSName and others name it: "caption|/|root device", after
// Windows' "Microsoft Windows 10 Pro|C:\WINDOWS|\Device\Harddisk0\Partition3".
func Name(ctx context.Context) string {
	root, _ := rootDevice(ctx)
	return caption(osRelease()) + "|/|" + root
}

// rootDevice returns the devices mounted at / and /boot.
func rootDevice(ctx context.Context) (root, boot string) {
	parts, err := disk.PartitionsWithContext(ctx, true)
	if err != nil {
		return "", ""
	}
	for _, p := range parts {
		switch p.Mountpoint {
		case "/":
			root = p.Device
		case "/boot":
			boot = p.Device
		}
	}
	if boot == "" {
		boot = root
	}
	return root, boot
}

func zoneMinutes(t time.Time) int16 {
	_, off := t.Zone()
	return int16(off / 60)
}

func operatingSystem(ctx context.Context, class *cim.Class) (*cim.Instance, error) {
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	rel := osRelease()
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	caption := caption(rel)
	rootDev, bootDev := rootDevice(ctx)
	now := time.Now()
	s := &prov.Setter{Inst: inst}
	s.Val("Caption", caption)
	s.Val("Name", caption+"|/|"+rootDev)
	s.Val("CreationClassName", "Win32_OperatingSystem")
	s.Val("CSCreationClassName", "Win32_ComputerSystem")
	s.Val("CSName", prov.Hostname())
	s.Val("OSType", uint16(36)) // CIM_OperatingSystem.OSType 36: LINUX
	s.Val("Version", utsString(uts.Release[:]))
	s.Val("BuildNumber", utsString(uts.Version[:]))
	s.Val("OSArchitecture", architecture(utsString(uts.Machine[:])))
	if v := rel["VENDOR_NAME"]; v != "" {
		s.Val("Manufacturer", v)
	}
	s.Val("Status", "OK")
	s.Val("Primary", true)
	s.Val("Distributed", false)
	s.Val("CurrentTimeZone", zoneMinutes(now))
	s.Val("LocalDateTime", prov.Time(now))
	if bt, err := host.BootTimeWithContext(ctx); err == nil {
		s.Val("LastBootUpTime", prov.Time(time.Unix(int64(bt), 0)))
	}
	if id, err := host.HostIDWithContext(ctx); err == nil && id != "" {
		s.Val("SerialNumber", id)
	}
	if rootDev != "" {
		s.Val("SystemDevice", rootDev)
		s.Val("BootDevice", bootDev)
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		s.Val("TotalVisibleMemorySize", vm.Total/1024)
		s.Val("FreePhysicalMemory", vm.Available/1024)
		sw, err := mem.SwapMemoryWithContext(ctx)
		if err == nil {
			s.Val("TotalVirtualMemorySize", (vm.Total+sw.Total)/1024)
			s.Val("FreeVirtualMemory", (vm.Available+sw.Free)/1024)
			s.Val("SizeStoredInPagingFiles", sw.Total/1024)
			s.Val("FreeSpaceInPagingFiles", sw.Free/1024)
		}
	}
	if pids, err := process.PidsWithContext(ctx); err == nil {
		s.Val("NumberOfProcesses", uint32(len(pids)))
	}
	if users, err := host.UsersWithContext(ctx); err == nil {
		s.Val("NumberOfUsers", uint32(len(users)))
	}
	if data, err := goos.ReadFile("/proc/sys/kernel/pid_max"); err == nil {
		var n uint32
		if _, err := fmt.Sscan(string(data), &n); err == nil {
			s.Val("MaxNumberOfProcesses", n)
		}
	}
	return inst, s.Err
}

// architecture returns OSArchitecture for uname's machine.
func architecture(machine string) string {
	switch machine {
	case "x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "riscv64", "mips64", "loongarch64", "sparc64":
		return "64-bit"
	case "":
		if strings.Contains(runtime.GOARCH, "64") {
			return "64-bit"
		}
	}
	return "32-bit"
}

// systemType returns Win32_ComputerSystem.SystemType for uname's machine.
func systemType(machine string) string {
	switch machine {
	case "x86_64":
		return "x64-based PC"
	case "i386", "i486", "i586", "i686":
		return "X86-based PC"
	case "aarch64", "arm64":
		return "ARM64-based PC"
	}
	if strings.HasPrefix(machine, "arm") {
		return "ARM-based PC"
	}
	return machine
}

// --- Win32_ComputerSystem ---------------------------------------------------------

// dmi reads one attribute of the kernel's DMI table; "" when absent.
func dmi(name string) string {
	data, err := goos.ReadFile(filepath.Join("/sys/class/dmi/id", name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

func computerSystem(ctx context.Context, class *cim.Class) (*cim.Instance, error) {
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	name := prov.Hostname()
	now := time.Now()
	s := &prov.Setter{Inst: inst}
	s.Val("Name", name)
	s.Val("Caption", name)
	s.Val("CreationClassName", "Win32_ComputerSystem")
	s.Val("Status", "OK")
	s.Val("NameFormat", "IP")
	full, _ := goos.Hostname()
	if i := strings.IndexByte(full, '.'); i > 0 {
		s.Val("DNSHostName", full[:i])
		s.Val("Domain", full[i+1:])
	} else {
		s.Val("DNSHostName", full)
	}
	s.Val("PartOfDomain", false)
	s.Val("SystemType", systemType(utsString(uts.Machine[:])))
	s.Val("CurrentTimeZone", zoneMinutes(now))
	s.Val("DaylightInEffect", now.IsDST())
	for prop, attr := range map[string]string{"Manufacturer": "sys_vendor", "Model": "product_name", "SystemFamily": "product_family", "SystemSKUNumber": "product_sku"} {
		if v := dmi(attr); v != "" {
			s.Val(prop, v)
		}
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil {
		s.Val("NumberOfLogicalProcessors", uint32(n))
	}
	if infos, err := cpu.InfoWithContext(ctx); err == nil {
		pkgs := map[string]bool{}
		for _, i := range infos {
			pkgs[i.PhysicalID] = true
		}
		if len(pkgs) > 0 {
			s.Val("NumberOfProcessors", uint32(len(pkgs)))
		}
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		s.Val("TotalPhysicalMemory", vm.Total)
	}
	if _, role, err := host.VirtualizationWithContext(ctx); err == nil && role != "" {
		s.Val("HypervisorPresent", role == "guest")
	}
	if users, err := host.UsersWithContext(ctx); err == nil {
		for _, u := range users {
			if u.Terminal == "console" || u.Terminal == "tty1" || u.Terminal == ":0" || strings.HasPrefix(u.Terminal, "seat") {
				s.Val("UserName", name+`\`+u.User)
				break
			}
		}
	}
	return inst, s.Err
}

// --- Win32_Environment -------------------------------------------------------------

// SystemUser is Win32_Environment.UserName of the system-wide variables.
const SystemUser = "<SYSTEM>"

type envVar struct {
	name, value, user string
	system            bool
}

func (p *Provider) path(rel string) string { return filepath.Join(p.Root+"/", rel) }

// environment returns the system variables (/etc/environment, then
// /etc/environment.d/*.conf: a later file overrides) and each user's
// (~/.config/environment.d/*.conf).
func (p *Provider) environment() ([]envVar, error) {
	var out []envVar
	sys := map[string]string{}
	var order []string
	add := func(m map[string]string, order *[]string, k, v string) {
		if _, ok := m[k]; !ok {
			*order = append(*order, k)
		}
		m[k] = v
	}
	if err := readEnvFile(p.path("etc/environment"), func(k, v string) { add(sys, &order, k, v) }); err != nil {
		return nil, err
	}
	if err := readEnvDir(p.path("etc/environment.d"), func(k, v string) { add(sys, &order, k, v) }); err != nil {
		return nil, err
	}
	for _, k := range order {
		out = append(out, envVar{name: k, value: sys[k], user: SystemUser, system: true})
	}
	homes := p.Homes
	if homes == nil {
		homes = userHomes()
	}
	for user, home := range homes {
		m := map[string]string{}
		var uorder []string
		if err := readEnvDir(filepath.Join(home, ".config", "environment.d"), func(k, v string) { add(m, &uorder, k, v) }); err != nil {
			return nil, err
		}
		for _, k := range uorder {
			out = append(out, envVar{name: k, value: m[k], user: prov.Hostname() + `\` + user})
		}
	}
	return out, nil
}

// readEnvFile reads KEY=VALUE lines (pam_env's /etc/environment and
// systemd's environment.d syntax): blank lines and # comments are skipped,
// an "export " prefix is allowed, and quotes around the value removed.
func readEnvFile(path string, fn func(k, v string)) error {
	data, err := goos.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return nil
	}
	if err != nil {
		return status.Wrap(status.Failed, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			if v[0] == '"' {
				v = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\$`, `$`).Replace(v[1 : len(v)-1])
			} else {
				v = v[1 : len(v)-1]
			}
		}
		fn(k, v)
	}
	return nil
}

func readEnvDir(dir string, fn func(k, v string)) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.conf"))
	if err != nil {
		return nil
	}
	for _, f := range files { // Glob sorts: the lexical order systemd applies
		if err := readEnvFile(f, fn); err != nil {
			return err
		}
	}
	return nil
}

// userHomes returns the users of /etc/passwd whose home directory has a
// ~/.config/environment.d.
func userHomes() map[string]string {
	out := map[string]string{}
	data, err := goos.ReadFile("/etc/passwd")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 7 || f[5] == "" {
			continue
		}
		if st, err := goos.Stat(filepath.Join(f[5], ".config", "environment.d")); err == nil && st.IsDir() {
			out[f[0]] = f[5]
		}
	}
	return out
}

func envInstance(class *cim.Class, v envVar) (*cim.Instance, error) {
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	s := &prov.Setter{Inst: inst}
	s.Val("Name", v.name)
	s.Val("UserName", v.user)
	s.Val("VariableValue", v.value)
	s.Val("SystemVariable", v.system)
	s.Val("Caption", v.user+`\`+v.name)
	s.Val("Description", v.user+`\`+v.name)
	s.Val("Status", "OK")
	return inst, s.Err
}
