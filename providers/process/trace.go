package process

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"time"

	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
)

// TraceProviderName is the provider of Win32_ProcessStartTrace and
// Win32_ProcessStopTrace, WMI's Kernel Trace provider.
const TraceProviderName = "KernelTraceProvider"

// Trace modes.
const (
	TraceAuto      = ""          // the proc connector where the process may use it, polling otherwise
	TraceConnector = "connector" // the kernel's process events connector (netlink, CAP_NET_ADMIN)
	TracePoll      = "poll"      // comparing the process list every PollInterval
)

// TraceProvider raises Win32_ProcessStartTrace when a program starts (a
// process calls exec) and Win32_ProcessStopTrace when a process exits, from
// the kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC),
// which needs CAP_NET_ADMIN; without it, from a comparison of the process
// list every PollInterval, which misses processes shorter than that and
// knows no exit status.
type TraceProvider struct {
	// Mode chooses how processes are watched; TraceAuto by default.
	Mode string
	// PollInterval is the polling period; 1 s by default.
	PollInterval time.Duration
	// Listening, when set, is called with the mode in use once the
	// provider watches processes.
	Listening func(mode string)
}

// EventQueries implements provider.EventRegistration.
func (t *TraceProvider) EventQueries() []string {
	return []string{"SELECT * FROM Win32_ProcessStartTrace", "SELECT * FROM Win32_ProcessStopTrace"}
}

// RegisterTrace registers t under KernelTraceProvider.
func RegisterTrace(om *cimom.ObjectManager, t *TraceProvider) error {
	return om.RegisterProvider(TraceProviderName, t)
}

// procEvent is a process start (exec) or exit.
type procEvent struct {
	exit     bool
	pid      int32
	ppid     int32 // -1 when unknown
	exitCode int   // wait status, -1 when unknown
	name     string
	uid      int32 // -1 when unknown
}

// ProvideEvents implements provider.EventProvider.
func (t *TraceProvider) ProvideEvents(ctx context.Context, req *provider.EventRequest, sink provider.EventSink) error {
	start, err := req.Class("Win32_ProcessStartTrace")
	if err != nil {
		return err
	}
	stop, err := req.Class("Win32_ProcessStopTrace")
	if err != nil {
		return err
	}
	raise := func(e procEvent) error {
		class := start
		if e.exit {
			class = stop
		}
		ev, err := traceEvent(class, e)
		if err != nil {
			return err
		}
		return sink.Send(ev)
	}
	mode := t.Mode
	var conn *os.File
	if mode == TraceAuto || mode == TraceConnector {
		conn, err = openConnector()
		switch {
		case err == nil:
			mode = TraceConnector
		case mode == TraceConnector:
			return err
		default:
			mode = TracePoll
		}
	}
	if mode == TraceConnector {
		defer conn.Close()
		if t.Listening != nil {
			t.Listening(mode)
		}
		err = readConnector(ctx, conn, raise)
	} else {
		err = t.poll(ctx, raise)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// unixSid returns the binary SID S-1-22-1-uid, Samba's SID of a Unix user.
func unixSid(uid int32) []uint8 {
	b := []uint8{1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[12:], uint32(uid))
	return b
}

func traceEvent(class *cim.Class, e procEvent) (*cim.Instance, error) {
	ev, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	put := func(name string, v cim.Value) {
		if err == nil {
			err = ev.Put(name, v)
		}
	}
	put("ProcessID", cim.Uint32(uint32(e.pid)))
	if e.ppid >= 0 {
		put("ParentProcessID", cim.Uint32(uint32(e.ppid)))
	}
	if e.name != "" {
		put("ProcessName", cim.String(e.name))
	}
	if sid, serr := unix.Getsid(int(e.pid)); serr == nil {
		put("SessionID", cim.Uint32(uint32(sid)))
	}
	if e.uid >= 0 {
		put("Sid", cim.MustArray(cim.TypeUint8, bytesValues(unixSid(e.uid))...))
	}
	if e.exit && e.exitCode >= 0 {
		ws := unix.WaitStatus(e.exitCode)
		code := uint32(ws.ExitStatus())
		if ws.Signaled() {
			code = 128 + uint32(ws.Signal()) // as a shell reports a killed process
		}
		put("ExitStatus", cim.Uint32(code))
	}
	put("TIME_CREATED", cim.Uint64(cim.ToFileTime(time.Now())))
	return ev, err
}

func bytesValues(b []uint8) []cim.Value {
	out := make([]cim.Value, len(b))
	for i, x := range b {
		out[i] = cim.Uint8(x)
	}
	return out
}

// describe fills what /proc tells of a process that started.
func describe(e *procEvent) {
	p := &process.Process{Pid: e.pid}
	if name, err := p.Name(); err == nil {
		e.name = name
	}
	if e.ppid < 0 {
		if pp, err := p.Ppid(); err == nil {
			e.ppid = pp
		}
	}
	if uids, err := p.Uids(); err == nil && len(uids) > 0 {
		e.uid = int32(uids[0])
	}
}

// --- the proc connector ---------------------------------------------------------------

const (
	cnIdxProc          = 1
	cnValProc          = 1
	procCnMcastListen  = 1
	procEventExec      = 0x00000002
	procEventExit      = 0x80000000
	nlmsgHdrLen        = 16
	cnMsgLen           = 20
	procEventHeaderLen = 16 // what, cpu, timestamp_ns
)

// openConnector subscribes to the kernel's process events.
func openConnector() (*os.File, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	msg := make([]byte, nlmsgHdrLen+cnMsgLen+4)
	le := binary.LittleEndian // netlink is in host order; gowmi runs on little-endian machines
	le.PutUint32(msg[0:], uint32(len(msg)))
	le.PutUint16(msg[4:], unix.NLMSG_DONE)
	le.PutUint32(msg[12:], uint32(os.Getpid()))
	le.PutUint32(msg[16:], cnIdxProc)
	le.PutUint32(msg[20:], cnValProc)
	le.PutUint16(msg[32:], 4)
	le.PutUint32(msg[36:], procCnMcastListen)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("sendto", err)
	}
	return os.NewFile(uintptr(fd), "proc-connector"), nil
}

// readConnector reads process events until ctx ends.
func readConnector(ctx context.Context, f *os.File, raise func(procEvent) error) error {
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 8192)
	le := binary.LittleEndian
	names := map[int32]string{} // of the processes seen starting, for their stop events
	for {
		n, err := f.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, unix.ENOBUFS) {
				continue // events were lost: go on with the next ones
			}
			return err
		}
		for b := buf[:n]; len(b) >= nlmsgHdrLen; {
			l := int(le.Uint32(b))
			if l < nlmsgHdrLen || l > len(b) {
				break
			}
			msg := b[nlmsgHdrLen:l]
			b = b[(l+3)&^3:]
			if len(msg) < cnMsgLen+procEventHeaderLen+8 {
				continue
			}
			ev := msg[cnMsgLen:]
			what := le.Uint32(ev)
			data := ev[procEventHeaderLen:]
			pid, tgid := int32(le.Uint32(data)), int32(le.Uint32(data[4:]))
			if pid != tgid {
				continue // a thread
			}
			var e procEvent
			switch what {
			case procEventExec:
				e = procEvent{pid: tgid, ppid: -1, exitCode: -1, uid: -1}
				describe(&e)
			case procEventExit:
				if len(data) < 12 {
					continue
				}
				e = procEvent{exit: true, pid: tgid, ppid: -1, exitCode: int(le.Uint32(data[8:])), uid: -1}
				if len(data) >= 24 {
					e.ppid = int32(le.Uint32(data[20:])) // parent_tgid, Linux 4.18 and later
				}
				e.name = names[tgid]
				delete(names, tgid)
			default:
				continue
			}
			if !e.exit {
				names[e.pid] = e.name
			}
			if err := raise(e); err != nil {
				return err
			}
		}
	}
}

// ConnectorAvailable reports whether this process may subscribe to the
// kernel's process events (it needs CAP_NET_ADMIN).
func ConnectorAvailable() bool {
	f, err := openConnector()
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// --- polling --------------------------------------------------------------------------

type seen struct {
	name string
	ppid int32
	uid  int32
}

func snapshot(ctx context.Context) map[int32]seen {
	pids, _ := process.PidsWithContext(ctx)
	out := make(map[int32]seen, len(pids))
	for _, pid := range pids {
		p := &process.Process{Pid: pid}
		s := seen{ppid: -1, uid: -1}
		s.name, _ = p.NameWithContext(ctx)
		if pp, err := p.PpidWithContext(ctx); err == nil {
			s.ppid = pp
		}
		out[pid] = s
	}
	return out
}

func (t *TraceProvider) poll(ctx context.Context, raise func(procEvent) error) error {
	interval := t.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	before := snapshot(ctx)
	if t.Listening != nil {
		t.Listening(TracePoll)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		now := snapshot(ctx)
		for pid, s := range now {
			if _, ok := before[pid]; !ok {
				e := procEvent{pid: pid, ppid: s.ppid, exitCode: -1, name: s.name, uid: -1}
				describe(&e)
				if err := raise(e); err != nil {
					return err
				}
			}
		}
		for pid, s := range before {
			if _, ok := now[pid]; !ok {
				if err := raise(procEvent{exit: true, pid: pid, ppid: s.ppid, exitCode: -1, name: s.name, uid: -1}); err != nil {
					return err
				}
			}
		}
		before = now
	}
}
