// Package process is the provider of Win32_Process (served under WMI's
// provider name CIMWin32): the processes of the machine, read with
// gopsutil, and the methods Create, Terminate, GetOwner, GetOwnerSid and
// SetPriority with WMI's return codes.
//
// A query offered to the provider reads only the properties it needs (its
// select list and WHERE clause), and one that fixes ProcessId or Handle
// ("WHERE ProcessId = 42") reads only those processes.
package process

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	wmios "github.com/gowmi/gowmi/providers/os"
	"github.com/gowmi/gowmi/wbem/status"
)

// MOF holds the package's class definitions.
//
//go:embed *.mof
var MOF embed.FS

// Files lists the MOF files of MOF in compile order.
var Files = []string{"process.mof"}

// The return codes of Win32_Process's methods.
const (
	Success               = 0
	AccessDenied          = 2
	InsufficientPrivilege = 3
	UnknownFailure        = 8
	PathNotFound          = 9
	InvalidParameter      = 21
)

// Windows' priority classes, the values of SetPriority and
// Win32_ProcessStartup.PriorityClass.
const (
	PriorityIdle        = 64
	PriorityBelowNormal = 16384
	PriorityNormal      = 32
	PriorityAboveNormal = 32768
	PriorityHigh        = 128
	PriorityRealtime    = 256
)

// Provider serves Win32_Process.
type Provider struct {
	osOnce sync.Once
	osName string

	wg sync.WaitGroup // processes started by Create, reaped when they exit

	read atomic.Int64
}

// New returns a Provider.
func New() *Provider { return &Provider{} }

// ProcessesRead returns how many processes the provider has read since it
// was created: a query that pins ProcessId reads only those.
func (p *Provider) ProcessesRead() int64 { return p.read.Load() }

// Register registers a new Provider for Win32_Process under CIMWin32, and
// a TraceProvider for the process events under KernelTraceProvider.
func Register(om *cimom.ObjectManager) error {
	if err := RegisterProvider(om, New()); err != nil {
		return err
	}
	return RegisterTrace(om, &TraceProvider{})
}

// RegisterProvider registers p for Win32_Process under CIMWin32.
func RegisterProvider(om *cimom.ObjectManager, p *Provider) error {
	return prov.Route(om, prov.CIMWin32, "Win32_Process", p)
}

// Wait waits until every process started by Create has exited and been
// reaped.
func (p *Provider) Wait() { p.wg.Wait() }

func (p *Provider) os(ctx context.Context) string {
	p.osOnce.Do(func() { p.osName = wmios.Name(ctx) })
	return p.osName
}

// EnumerateInstances implements provider.InstanceEnumerator.
func (p *Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	return p.enumerate(ctx, req.Class, nil, nil, sink)
}

// ExecQuery implements provider.InstanceQuerier: it reads only the
// properties the query needs, and only the processes it pins by
// ProcessId or Handle.
func (p *Provider) ExecQuery(ctx context.Context, req *provider.QueryRequest, sink provider.Sink) error {
	props := prov.Needed(req.Query, req.Class)
	var pids []int32
	pinned := false
	if req.PinnedKeys != nil {
		pinned = true
		for _, keys := range req.PinnedKeys {
			for _, v := range keys {
				if pid, ok := handlePID(v); ok {
					pids = append(pids, pid)
				}
			}
		}
	} else if pins := prov.Pinned(req.Query, req.Class, "ProcessId"); pins != nil {
		pinned = true
		for _, keys := range pins {
			for _, v := range keys {
				if n, ok := v.Uint(); ok && n <= 1<<31-1 {
					pids = append(pids, int32(n))
				}
			}
		}
	}
	if !pinned {
		return p.enumerate(ctx, req.Class, props, nil, sink)
	}
	if len(pids) == 0 {
		return nil
	}
	return p.enumerate(ctx, req.Class, props, pids, sink)
}

// GetInstance implements provider.InstanceGetter.
func (p *Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	h, _ := prov.KeyString(req.Path, "Handle")
	pid, ok := handlePID(cim.String(h))
	if !ok {
		return nil, status.Errorf(status.NotFound, "no process %q", h)
	}
	inst, err := p.instance(ctx, req.Class, pid, nil)
	if err != nil {
		return nil, err
	}
	if inst == nil {
		return nil, status.Errorf(status.NotFound, "no process %d", pid)
	}
	return inst, nil
}

func handlePID(v cim.Value) (int32, bool) {
	s, ok := v.Str()
	if !ok {
		if n, ok := v.Int(); ok {
			s = strconv.FormatInt(n, 10)
		}
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, false
	}
	return int32(n), true
}

const batchSize = 256

func (p *Provider) enumerate(ctx context.Context, class *cim.Class, props prov.Props, pids []int32, sink provider.Sink) error {
	if pids == nil {
		var err error
		pids, err = process.PidsWithContext(ctx)
		if err != nil {
			return status.Wrap(status.Failed, err)
		}
	}
	batch := make([]cim.Object, 0, batchSize)
	for _, pid := range pids {
		if err := ctx.Err(); err != nil {
			return err
		}
		inst, err := p.instance(ctx, class, pid, props)
		if err != nil {
			return err
		}
		if inst == nil {
			continue // gone meanwhile
		}
		batch = append(batch, inst)
		if len(batch) == batchSize {
			if err := sink.Send(batch...); err != nil {
				return err
			}
			batch = make([]cim.Object, 0, batchSize)
		}
	}
	if len(batch) > 0 {
		return sink.Send(batch...)
	}
	return nil
}

// priorityOf maps a nice value to the Windows base priority of the
// matching priority class.
func priorityOf(nice int32) uint32 {
	switch {
	case nice >= 15:
		return 4 // Idle
	case nice >= 5:
		return 6 // Below normal
	case nice > -5:
		return 8 // Normal
	case nice > -10:
		return 10 // Above normal
	default:
		return 13 // High
	}
}

// executionState maps a Linux process state to CIM_Process.ExecutionState.
func executionState(st string) uint16 {
	switch st {
	case process.Running:
		return 3
	case process.Sleep, process.Wait, process.Idle, process.Lock:
		return 4 // Blocked: waiting for an event
	case process.Stop:
		return 8
	case process.Zombie:
		return 7
	}
	return 0
}

// instance reads one process; it returns nil, nil when the process does
// not exist (any more).
func (p *Provider) instance(ctx context.Context, class *cim.Class, pid int32, props prov.Props) (*cim.Instance, error) {
	p.read.Add(1)
	proc := &process.Process{Pid: pid}
	name, err := proc.NameWithContext(ctx)
	if err != nil {
		if _, serr := os.Stat("/proc/" + strconv.Itoa(int(pid))); serr != nil {
			return nil, nil
		}
		name = ""
	}
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	s := &prov.Setter{Inst: inst, Props: props}
	handle := strconv.Itoa(int(pid))
	s.Val("Handle", handle)
	s.Val("ProcessId", uint32(pid))
	if name != "" {
		s.Val("Name", name)
		s.Val("Caption", name)
		s.Val("Description", name)
	}
	s.Val("CreationClassName", "Win32_Process")
	s.Val("CSCreationClassName", "Win32_ComputerSystem")
	s.Val("CSName", prov.Hostname())
	s.Val("OSCreationClassName", "Win32_OperatingSystem")
	if props.Has("OSName") {
		s.Val("OSName", p.os(ctx))
	}
	s.Set("CommandLine", func() any {
		if c, err := proc.CmdlineWithContext(ctx); err == nil && c != "" {
			return c
		}
		return nil
	})
	s.Set("ExecutablePath", func() any {
		if e, err := proc.ExeWithContext(ctx); err == nil && e != "" {
			return e
		}
		return nil
	})
	if props.Has("CreationDate") {
		if ms, err := proc.CreateTimeWithContext(ctx); err == nil {
			s.Val("CreationDate", prov.Time(time.UnixMilli(ms)))
		}
	}
	if props.Has("KernelModeTime") || props.Has("UserModeTime") {
		if t, err := proc.TimesWithContext(ctx); err == nil {
			s.Val("KernelModeTime", uint64(t.System*1e7)) // 100 ns units
			s.Val("UserModeTime", uint64(t.User*1e7))
		}
	}
	if props.Has("PageFaults") {
		if f, err := proc.PageFaultsWithContext(ctx); err == nil {
			s.Val("PageFaults", uint32(f.MinorFaults+f.MajorFaults))
		}
	}
	s.Set("ParentProcessId", func() any {
		if pp, err := proc.PpidWithContext(ctx); err == nil && pp >= 0 {
			return uint32(pp)
		}
		return nil
	})
	if props.Has("Priority") {
		if n, err := proc.NiceWithContext(ctx); err == nil {
			s.Val("Priority", priorityOf(n))
		}
	}
	s.Set("ExecutionState", func() any {
		if st, err := proc.StatusWithContext(ctx); err == nil && len(st) > 0 {
			return executionState(st[0])
		}
		return nil
	})
	s.Set("HandleCount", func() any {
		if n, err := proc.NumFDsWithContext(ctx); err == nil {
			return uint32(n)
		}
		return nil
	})
	s.Set("ThreadCount", func() any {
		if n, err := proc.NumThreadsWithContext(ctx); err == nil {
			return uint32(n)
		}
		return nil
	})
	if props.Has("WorkingSetSize") || props.Has("VirtualSize") {
		if m, err := proc.MemoryInfoWithContext(ctx); err == nil {
			s.Val("WorkingSetSize", m.RSS)
			s.Val("VirtualSize", m.VMS)
		}
	}
	if props.Has("PeakVirtualSize") || props.Has("PeakWorkingSetSize") || props.Has("PageFileUsage") {
		if st, err := readStatus(pid); err == nil {
			if v, ok := st["VmPeak"]; ok {
				s.Val("PeakVirtualSize", v*1024)
			}
			if v, ok := st["VmHWM"]; ok {
				s.Val("PeakWorkingSetSize", uint32(v))
			}
			if v, ok := st["VmSwap"]; ok {
				s.Val("PageFileUsage", uint32(v))
			}
		}
	}
	if props.Has("ReadOperationCount") || props.Has("WriteOperationCount") || props.Has("ReadTransferCount") || props.Has("WriteTransferCount") {
		if io, err := proc.IOCountersWithContext(ctx); err == nil {
			s.Val("ReadOperationCount", io.ReadCount)
			s.Val("WriteOperationCount", io.WriteCount)
			s.Val("ReadTransferCount", io.ReadBytes)
			s.Val("WriteTransferCount", io.WriteBytes)
		}
	}
	s.Set("SessionId", func() any {
		if sid, err := unix.Getsid(int(pid)); err == nil {
			return uint32(sid)
		}
		return nil
	})
	return inst, s.Err
}

// readStatus reads the kB fields of /proc/pid/status that gopsutil does
// not expose on Linux (VmPeak, VmHWM, VmSwap).
func readStatus(pid int32) (map[string]uint64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/status")
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasPrefix(k, "Vm") {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 2 && f[1] == "kB" {
			if n, err := strconv.ParseUint(f[0], 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out, nil
}

// --- methods -----------------------------------------------------------------------

// ExecMethod implements provider.MethodExecutor.
func (p *Provider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	switch strings.ToLower(req.Method.Name) {
	case "create":
		return p.create(ctx, req)
	}
	h, _ := prov.KeyString(req.Path, "Handle")
	pid, ok := handlePID(cim.String(h))
	if !ok {
		return nil, status.Errorf(status.NotFound, "no process %q", h)
	}
	switch strings.ToLower(req.Method.Name) {
	case "terminate":
		return p.terminate(req, int(pid))
	case "getowner":
		return getOwner(ctx, req, pid)
	case "getownersid":
		return getOwnerSid(ctx, req, pid)
	case "setpriority":
		return setPriority(req, int(pid))
	}
	return nil, prov.NotSupported(prov.CIMWin32, req)
}

// errnoCode maps an error of a system call to a method return code.
func errnoCode(err error) uint32 {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ESRCH), errors.Is(err, syscall.ENOTDIR):
		return PathNotFound
	case errors.Is(err, syscall.EPERM):
		return InsufficientPrivilege
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EACCES):
		return AccessDenied
	case errors.Is(err, syscall.EINVAL):
		return InvalidParameter
	}
	return UnknownFailure
}

// create starts a process from a command line, detached from the caller (a
// session of its own, standard input and output on /dev/null), as
// Win32_Process.Create starts one. The command line is split into words as a
// POSIX shell splits a simple command (quotes and backslashes), without
// expansions; the program is looked up in PATH when it has no slash.
func (p *Provider) create(ctx context.Context, req *provider.MethodRequest) (*cim.Instance, error) {
	line, _ := prov.ArgString(req, "CommandLine")
	args, err := SplitCommandLine(line)
	if err != nil || len(args) == 0 {
		return prov.Result(req, InvalidParameter)
	}
	dir, _ := prov.ArgString(req, "CurrentDirectory")
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return prov.Result(req, errnoCode(err))
		}
		if !st.IsDir() {
			return prov.Result(req, PathNotFound)
		}
	}
	exe, err := lookPath(args[0], dir)
	if err != nil {
		return prov.Result(req, errnoCode(err))
	}
	env := os.Environ()
	nice := 0
	if o, ok := prov.Arg(req, "ProcessStartupInformation").Object(); ok {
		if inst, ok := o.(*cim.Instance); ok {
			if v := inst.Value("EnvironmentVariables"); !v.IsNull() {
				env = env[:0:0]
				elems, _ := v.Array()
				for _, e := range elems {
					s, _ := e.Str()
					env = append(env, s)
				}
			}
			if pc, ok := inst.Value("PriorityClass").Uint(); ok {
				n, ok := niceOf(int64(pc))
				if !ok {
					return prov.Result(req, InvalidParameter)
				}
				nice = n
			}
		}
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return prov.Result(req, UnknownFailure)
	}
	defer null.Close()
	proc, err := os.StartProcess(exe, args, &os.ProcAttr{
		Dir: dir, Env: env, Files: []*os.File{null, null, null},
		Sys: &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return prov.Result(req, errnoCode(err))
	}
	if nice != 0 {
		if err := unix.Setpriority(unix.PRIO_PROCESS, proc.Pid, nice); err != nil {
			_ = proc.Kill()
			p.reap(proc)
			return prov.Result(req, errnoCode(err))
		}
	}
	p.reap(proc)
	return prov.Result(req, Success, "ProcessId", uint32(proc.Pid))
}

// reap waits for a created process in the background so that it does not
// stay a zombie.
func (p *Provider) reap(proc *os.Process) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_, _ = proc.Wait()
	}()
}

// lookPath finds the program of a command line: a name with a slash is a
// path (relative to dir), a bare name is searched in PATH.
func lookPath(name, dir string) (string, error) {
	if strings.Contains(name, "/") {
		path := name
		if !strings.HasPrefix(path, "/") && dir != "" {
			path = dir + "/" + path
		}
		st, err := os.Stat(path)
		if err != nil {
			return "", err
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fs.ErrPermission
		}
		return path, nil
	}
	for _, d := range strings.Split(os.Getenv("PATH"), ":") {
		if d == "" {
			d = "."
		}
		path := d + "/" + name
		if st, err := os.Stat(path); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return path, nil
		}
	}
	return "", fs.ErrNotExist
}

// SplitCommandLine splits a command line into words as a POSIX shell splits
// a simple command: blanks separate words, single quotes keep everything,
// double quotes keep everything but \" \\ \$ \`, and a backslash outside
// quotes keeps the next character. Nothing is expanded. An unterminated
// quote is an error.
func SplitCommandLine(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated double quote")
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// terminate kills the process. Linux cannot give another process an exit
// code, so Reason is not its exit status as on Windows: the process ends
// with SIGKILL, as TerminateProcess ends one without letting it clean up.
func (p *Provider) terminate(req *provider.MethodRequest, pid int) (*cim.Instance, error) {
	if pid == 0 || pid == os.Getpid() {
		return prov.Result(req, AccessDenied)
	}
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		if errors.Is(err, syscall.EPERM) {
			return prov.Result(req, AccessDenied)
		}
		return prov.Result(req, errnoCode(err))
	}
	return prov.Result(req, Success)
}

func getOwner(ctx context.Context, req *provider.MethodRequest, pid int32) (*cim.Instance, error) {
	proc := &process.Process{Pid: pid}
	user, err := proc.UsernameWithContext(ctx)
	if err != nil {
		uids, uerr := proc.UidsWithContext(ctx)
		if uerr != nil || len(uids) == 0 {
			return prov.Result(req, errnoCode(err))
		}
		user = strconv.Itoa(int(uids[0])) // a uid without a name
	}
	return prov.Result(req, Success, "User", user, "Domain", prov.Hostname())
}

// getOwnerSid returns the owner's SID in Samba's mapping of Unix users,
// S-1-22-1-<uid>, as Windows machines see Linux users over SMB.
func getOwnerSid(ctx context.Context, req *provider.MethodRequest, pid int32) (*cim.Instance, error) {
	proc := &process.Process{Pid: pid}
	uids, err := proc.UidsWithContext(ctx)
	if err != nil || len(uids) == 0 {
		return prov.Result(req, errnoCode(err))
	}
	return prov.Result(req, Success, "Sid", "S-1-22-1-"+strconv.FormatUint(uint64(uids[0]), 10))
}

// niceOf maps a Windows priority class to a nice value. Realtime is
// the highest nice priority (-20), not a real-time scheduling class.
func niceOf(class int64) (int, bool) {
	switch class {
	case PriorityIdle:
		return 19, true
	case PriorityBelowNormal:
		return 10, true
	case PriorityNormal:
		return 0, true
	case PriorityAboveNormal:
		return -5, true
	case PriorityHigh:
		return -10, true
	case PriorityRealtime:
		return -20, true
	}
	return 0, false
}

func setPriority(req *provider.MethodRequest, pid int) (*cim.Instance, error) {
	v, ok := prov.ArgInt(req, "Priority")
	if !ok {
		return prov.Result(req, InvalidParameter)
	}
	nice, ok := niceOf(v)
	if !ok {
		return prov.Result(req, InvalidParameter)
	}
	if err := unix.Setpriority(unix.PRIO_PROCESS, pid, nice); err != nil {
		switch {
		case errors.Is(err, syscall.EACCES):
			return prov.Result(req, InsufficientPrivilege) // raising priority needs CAP_SYS_NICE
		case errors.Is(err, syscall.EPERM):
			return prov.Result(req, AccessDenied) // another user's process
		}
		return prov.Result(req, errnoCode(err))
	}
	return prov.Result(req, Success)
}
