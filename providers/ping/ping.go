// Package ping is the provider of Win32_PingStatus (WMI's Ping provider,
// WMIPingProvider): a query such as
//
//	SELECT * FROM Win32_PingStatus WHERE Address = 'host' AND Timeout = 500
//
// sends one ICMP echo request to each address its WHERE clause names (an
// OR of addresses names several) and returns one instance each, with the
// request's keys (the WHERE clause's values, WMI's defaults for the others)
// and the outcome: StatusCode (an IP_STATUS value), ResponseTime,
// ResponseTimeToLive, ReplySize, ReplyInconsistency, ProtocolAddress.
//
// The echo goes through an unprivileged ICMP socket (SOCK_DGRAM,
// IPPROTO_ICMP) where net.ipv4.ping_group_range lets the process open one,
// and a raw socket otherwise, which needs root or CAP_NET_RAW. Messages are
// built and parsed with golang.org/x/net/icmp; TimeToLive, TypeofService
// and the reply's TTL go through golang.org/x/net/ipv4 and ipv6;
// NoFragmentation sets the don't-fragment bit. IP options (RecordRoute,
// TimeStampRoute, SourceRoute) are not sent: their outputs stay NULL.
package ping

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

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
var Files = []string{"ping.mof"}

// ProviderName is WMI's name of the Ping provider.
const ProviderName = "WMIPingProvider"

// IP_STATUS values of StatusCode.
const (
	Success                    = 0
	DestinationNetUnreachable  = 11002
	DestinationHostUnreachable = 11003
	DestinationProtUnreachable = 11004
	DestinationPortUnreachable = 11005
	NoResources                = 11006
	PacketTooBig               = 11009
	RequestTimedOut            = 11010
	BadRequest                 = 11011
	TTLExpiredTransit          = 11013
	TTLExpiredReassembly       = 11014
	ParameterProblem           = 11015
	SourceQuench               = 11016
	BadDestination             = 11018
	GeneralFailure             = 11050
)

// WSAHOST_NOT_FOUND, PrimaryAddressResolutionStatus of a name that does not
// resolve.
const HostNotFound = 11001

// Socket kinds.
const (
	ModeAuto     = ""         // unprivileged where allowed, raw otherwise
	ModeDatagram = "datagram" // SOCK_DGRAM, IPPROTO_ICMP (net.ipv4.ping_group_range)
	ModeRaw      = "raw"      // SOCK_RAW (root or CAP_NET_RAW)
)

// Provider serves Win32_PingStatus.
type Provider struct {
	// Mode chooses the socket kind; ModeAuto by default.
	Mode string
	// Resolve looks host names up; nil is the system's resolver.
	Resolve func(ctx context.Context, host string) ([]net.IP, error)

	seq atomic.Uint32
}

// Register registers a Provider under WMIPingProvider.
func Register(om *cimom.ObjectManager) error { return om.RegisterProvider(ProviderName, &Provider{}) }

// Request is one echo request: the keys of Win32_PingStatus.
type Request struct {
	Address             string
	BufferSize          uint32
	NoFragmentation     bool
	RecordRoute         uint32
	ResolveAddressNames bool
	SourceRoute         string
	SourceRouteType     uint32
	Timeout             uint32 // milliseconds
	TimeStampRoute      uint32
	TimeToLive          uint32
	TypeofService       uint32
}

// defaults returns a Request with WMI's default keys.
func defaults(addr string) Request {
	return Request{Address: addr, BufferSize: 32, Timeout: 1000, TimeToLive: 80}
}

// Result is the outcome of one echo request.
type Result struct {
	ResolutionStatus uint32 // PrimaryAddressResolutionStatus
	ProtocolAddress  string
	Resolved         string
	HasStatus        bool // StatusCode and the rest are known
	StatusCode       uint32
	ResponseTime     uint32 // milliseconds
	ReplyTTL         uint32
	HasReply         bool
	ReplySize        uint32
	Inconsistent     bool
}

// set applies a key value to a request.
func (r *Request) set(name string, v cim.Value) {
	u := func() uint32 {
		if n, ok := v.Uint(); ok && n <= 1<<32-1 {
			return uint32(n)
		}
		return 0
	}
	b := func() bool { x, _ := v.Bool(); return x }
	s := func() string { x, _ := v.Str(); return x }
	switch strings.ToLower(name) {
	case "address":
		r.Address = s()
	case "buffersize":
		r.BufferSize = u()
	case "nofragmentation":
		r.NoFragmentation = b()
	case "recordroute":
		r.RecordRoute = u()
	case "resolveaddressnames":
		r.ResolveAddressNames = b()
	case "sourceroute":
		r.SourceRoute = s()
	case "sourceroutetype":
		r.SourceRouteType = u()
	case "timeout":
		r.Timeout = u()
	case "timestamproute":
		r.TimeStampRoute = u()
	case "timetolive":
		r.TimeToLive = u()
	case "typeofservice":
		r.TypeofService = u()
	}
}

// EnumerateInstances implements provider.InstanceEnumerator: there is
// nothing to enumerate without an address.
func (p *Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	return &status.Error{Code: status.ProviderNotCapable, ProviderName: ProviderName,
		Description: "Win32_PingStatus needs an address: SELECT * FROM Win32_PingStatus WHERE Address = 'host'"}
}

// ExecQuery implements provider.InstanceQuerier.
func (p *Provider) ExecQuery(ctx context.Context, req *provider.QueryRequest, sink provider.Sink) error {
	pins := prov.Pinned(req.Query, req.Class, "Address")
	if pins == nil {
		return &status.Error{Code: status.InvalidQuery, ProviderName: ProviderName,
			Description: "a query of Win32_PingStatus must give the Address (WHERE Address = 'host')"}
	}
	params := prov.Conjuncts(req.Query)
	for _, keys := range pins {
		addr, _ := keys["Address"].Str()
		r := defaults(addr)
		for k, v := range params {
			if k != "address" {
				r.set(k, v)
			}
		}
		inst, err := p.ping(ctx, req.Class, r)
		if err != nil {
			return err
		}
		if err := sink.Send(inst); err != nil {
			return err
		}
	}
	return nil
}

// GetInstance implements provider.InstanceGetter: the path's keys are the
// request.
func (p *Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	r := defaults("")
	for _, kb := range req.Path.Keys {
		name := kb.Name
		if name == "" {
			name = "Address"
		}
		r.set(name, kb.Value)
	}
	if r.Address == "" {
		return nil, status.New(status.InvalidObjectPath, "Win32_PingStatus needs an Address")
	}
	return p.ping(ctx, req.Class, r)
}

func (p *Provider) ping(ctx context.Context, class *cim.Class, r Request) (*cim.Instance, error) {
	res, err := p.Ping(ctx, r)
	if err != nil {
		return nil, err
	}
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	s := &prov.Setter{Inst: inst}
	s.Val("Address", r.Address)
	s.Val("BufferSize", r.BufferSize)
	s.Val("NoFragmentation", r.NoFragmentation)
	s.Val("RecordRoute", r.RecordRoute)
	s.Val("ResolveAddressNames", r.ResolveAddressNames)
	s.Val("SourceRoute", r.SourceRoute)
	s.Val("SourceRouteType", r.SourceRouteType)
	s.Val("Timeout", r.Timeout)
	s.Val("TimeStampRoute", r.TimeStampRoute)
	s.Val("TimeToLive", r.TimeToLive)
	s.Val("TypeofService", r.TypeofService)
	s.Val("PrimaryAddressResolutionStatus", res.ResolutionStatus)
	if res.ProtocolAddress != "" {
		s.Val("ProtocolAddress", res.ProtocolAddress)
		s.Val("ProtocolAddressResolved", res.Resolved)
	}
	if res.HasStatus {
		s.Val("StatusCode", res.StatusCode)
		if res.StatusCode == Success {
			s.Val("ResponseTime", res.ResponseTime)
			s.Val("ResponseTimeToLive", res.ReplyTTL)
		}
		if res.HasReply {
			s.Val("ReplySize", res.ReplySize)
			s.Val("ReplyInconsistency", res.Inconsistent)
		}
	}
	return inst, s.Err
}

// resolve returns the address to ping: the address itself, or the first
// IPv4 address of a name (an IPv6 one when it has none).
func (p *Provider) resolve(ctx context.Context, host string) (net.IP, error) {
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return ip, nil
	}
	var ips []net.IP
	var err error
	if p.Resolve != nil {
		ips, err = p.Resolve(ctx, host)
	} else {
		var addrs []net.IPAddr
		addrs, err = net.DefaultResolver.LookupIPAddr(ctx, host)
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	if err != nil || len(ips) == 0 {
		return nil, errors.New("no address")
	}
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip, nil
		}
	}
	return ips[0], nil
}

// Ping sends one echo request and waits for its reply, an ICMP error about
// it, or the timeout. A request the machine does not let the process send
// (no ICMP socket of either kind) is WBEM_E_ACCESS_DENIED.
func (p *Provider) Ping(ctx context.Context, r Request) (Result, error) {
	var res Result
	ip, err := p.resolve(ctx, r.Address)
	if err != nil {
		res.ResolutionStatus = HostNotFound
		return res, nil
	}
	res.ProtocolAddress = ip.String()
	if r.ResolveAddressNames {
		if names, err := net.DefaultResolver.LookupAddr(ctx, ip.String()); err == nil && len(names) > 0 {
			res.Resolved = strings.TrimSuffix(names[0], ".")
		}
	}
	res.HasStatus = true
	if r.BufferSize > 65500 || r.TimeToLive == 0 || r.TimeToLive > 255 || r.TypeofService > 255 {
		res.StatusCode = BadRequest
		return res, nil
	}
	v6 := ip.To4() == nil
	conn, raw, err := p.open(v6, r)
	if err != nil {
		return res, &status.Error{Code: status.AccessDenied, ProviderName: ProviderName,
			Description: "this machine lets the process open no ICMP socket (net.ipv4.ping_group_range excludes its group, and it lacks CAP_NET_RAW): " + err.Error()}
	}
	defer conn.Close()
	id := int(rand.Uint32() & 0xffff)
	seq := int(p.seq.Add(1) & 0xffff)
	payload := make([]byte, r.BufferSize)
	for i := range payload {
		payload[i] = 'a' + byte(i%23) // what Windows sends: abcdefghijklmnopqrstuvw...
	}
	var typ icmp.Type = ipv4.ICMPTypeEcho
	proto := 1
	if v6 {
		typ, proto = ipv6.ICMPTypeEchoRequest, 58
	}
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq, Data: payload}}
	wire, err := msg.Marshal(nil)
	if err != nil {
		return res, status.Wrap(status.Failed, err)
	}
	var dst net.Addr = &net.UDPAddr{IP: ip}
	if raw {
		dst = &net.IPAddr{IP: ip}
	}
	timeout := time.Duration(r.Timeout) * time.Millisecond
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	start := time.Now()
	if _, err := conn.writeTo(wire, dst); err != nil {
		res.StatusCode = errnoStatus(err)
		return res, nil
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.setDeadline(time.Now()) })
	defer stop()
	_ = conn.setDeadline(deadline)
	buf := make([]byte, 65536+512)
	for {
		n, ttl, peer, err := conn.readFrom(buf)
		if err != nil {
			var ne net.Error
			switch {
			case ctx.Err() != nil:
				return res, ctx.Err()
			case errors.As(err, &ne) && ne.Timeout():
				res.StatusCode = RequestTimedOut
			default:
				res.StatusCode = errnoStatus(err)
			}
			return res, nil
		}
		reply, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil {
			continue
		}
		code, ok := match(reply, id, seq, raw, v6)
		if !ok {
			continue
		}
		if code == Success && raw && !sameIP(peer, ip) {
			continue
		}
		res.StatusCode = code
		if code == Success {
			echo := reply.Body.(*icmp.Echo)
			res.ResponseTime = uint32(time.Since(start) / time.Millisecond)
			res.ReplyTTL = uint32(ttl)
			res.HasReply = true
			res.ReplySize = uint32(len(echo.Data))
			res.Inconsistent = !bytes.Equal(echo.Data, payload)
		}
		return res, nil
	}
}

func sameIP(a net.Addr, ip net.IP) bool {
	switch x := a.(type) {
	case *net.IPAddr:
		return x.IP.Equal(ip)
	case *net.UDPAddr:
		return x.IP.Equal(ip)
	}
	return false
}

// match tells whether a message answers the echo request id/seq, and with
// which status. A datagram socket's kernel rewrites the ID and delivers
// only its own replies, so there only the sequence number counts.
func match(m *icmp.Message, id, seq int, raw, v6 bool) (uint32, bool) {
	switch body := m.Body.(type) {
	case *icmp.Echo:
		if m.Type != ipv4.ICMPTypeEchoReply && m.Type != ipv6.ICMPTypeEchoReply {
			return 0, false
		}
		if body.Seq != seq || (raw && body.ID != id) {
			return 0, false
		}
		return Success, true
	case *icmp.DstUnreach:
		return errorStatus(m, body.Data, id, seq, raw, v6)
	case *icmp.TimeExceeded:
		return errorStatus(m, body.Data, id, seq, raw, v6)
	case *icmp.PacketTooBig:
		return errorStatus(m, body.Data, id, seq, raw, v6)
	case *icmp.ParamProb:
		return errorStatus(m, body.Data, id, seq, raw, v6)
	}
	return 0, false
}

// errorStatus checks that an ICMP error quotes our request and maps it to
// IP_STATUS.
func errorStatus(m *icmp.Message, quoted []byte, id, seq int, raw, v6 bool) (uint32, bool) {
	hdr := 40
	if !v6 {
		if len(quoted) < 1 {
			return 0, false
		}
		hdr = int(quoted[0]&0x0f) * 4
	}
	if len(quoted) < hdr+8 {
		return 0, false
	}
	inner := quoted[hdr:]
	qid := int(inner[4])<<8 | int(inner[5])
	qseq := int(inner[6])<<8 | int(inner[7])
	if qseq != seq || (raw && qid != id) {
		return 0, false
	}
	return StatusOf(m.Type, m.Code), true
}

// StatusOf maps an ICMP error message to WMI's IP_STATUS.
func StatusOf(t icmp.Type, code int) uint32 {
	switch t {
	case ipv4.ICMPTypeDestinationUnreachable:
		switch code {
		case 0:
			return DestinationNetUnreachable
		case 1:
			return DestinationHostUnreachable
		case 2:
			return DestinationProtUnreachable
		case 3:
			return DestinationPortUnreachable
		case 4:
			return PacketTooBig
		}
		return DestinationHostUnreachable
	case ipv6.ICMPTypeDestinationUnreachable:
		switch code {
		case 0:
			return DestinationNetUnreachable
		case 4:
			return DestinationPortUnreachable
		}
		return DestinationHostUnreachable
	case ipv4.ICMPTypeTimeExceeded, ipv6.ICMPTypeTimeExceeded:
		if code == 1 {
			return TTLExpiredReassembly
		}
		return TTLExpiredTransit
	case ipv6.ICMPTypePacketTooBig:
		return PacketTooBig
	case ipv4.ICMPTypeParameterProblem, ipv6.ICMPTypeParameterProblem:
		return ParameterProblem
	case ipv4.ICMPType(4): // source quench (deprecated, RFC 6633)
		return SourceQuench
	}
	return GeneralFailure
}

// errnoStatus maps a socket error to IP_STATUS.
func errnoStatus(err error) uint32 {
	switch {
	case errors.Is(err, syscall.ENETUNREACH):
		return DestinationNetUnreachable
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.EHOSTDOWN):
		return DestinationHostUnreachable
	case errors.Is(err, syscall.EMSGSIZE):
		return PacketTooBig
	case errors.Is(err, syscall.ENOBUFS), errors.Is(err, syscall.ENOMEM):
		return NoResources
	case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.EADDRNOTAVAIL):
		return BadDestination
	}
	return GeneralFailure
}

// --- sockets ---------------------------------------------------------------------------

// icmpConn is an ICMP socket with the reply's TTL on each read.
type icmpConn struct {
	c  net.PacketConn
	p4 *ipv4.PacketConn
	p6 *ipv6.PacketConn
}

func (c *icmpConn) Close() error { return c.c.Close() }

func (c *icmpConn) setDeadline(t time.Time) error { return c.c.SetDeadline(t) }

func (c *icmpConn) writeTo(b []byte, dst net.Addr) (int, error) { return c.c.WriteTo(b, dst) }

func (c *icmpConn) readFrom(b []byte) (int, int, net.Addr, error) {
	if c.p4 != nil {
		n, cm, peer, err := c.p4.ReadFrom(b)
		ttl := 0
		if cm != nil {
			ttl = cm.TTL
		}
		return n, ttl, peer, err
	}
	n, cm, peer, err := c.p6.ReadFrom(b)
	ttl := 0
	if cm != nil {
		ttl = cm.HopLimit
	}
	return n, ttl, peer, err
}

// open returns an ICMP socket of the provider's mode, with the request's
// TTL, type of service and don't-fragment bit, and whether it is raw.
func (p *Provider) open(v6 bool, r Request) (*icmpConn, bool, error) {
	switch p.Mode {
	case ModeDatagram:
		c, err := openSocket(v6, false, r)
		return c, false, err
	case ModeRaw:
		c, err := openSocket(v6, true, r)
		return c, true, err
	}
	c, err := openSocket(v6, false, r)
	if err == nil {
		return c, false, nil
	}
	c, rerr := openSocket(v6, true, r)
	if rerr != nil {
		return nil, false, errors.Join(err, rerr)
	}
	return c, true, nil
}

func openSocket(v6, raw bool, r Request) (*icmpConn, error) {
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	typ := unix.SOCK_DGRAM
	if raw {
		typ = unix.SOCK_RAW
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	pmtu := unix.IP_PMTUDISC_DONT
	if r.NoFragmentation {
		pmtu = unix.IP_PMTUDISC_DO
	}
	if v6 {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, pmtu)
		if err == nil && r.NoFragmentation {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_DONTFRAG, 1)
		}
	} else {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, pmtu)
	}
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	f := os.NewFile(uintptr(fd), "icmp")
	c, err := net.FilePacketConn(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	ic := &icmpConn{c: c}
	if v6 {
		ic.p6 = ipv6.NewPacketConn(c)
		err = errors.Join(ic.p6.SetHopLimit(int(r.TimeToLive)), ic.p6.SetTrafficClass(int(r.TypeofService)),
			ic.p6.SetControlMessage(ipv6.FlagHopLimit, true))
	} else {
		ic.p4 = ipv4.NewPacketConn(c)
		err = errors.Join(ic.p4.SetTTL(int(r.TimeToLive)), ic.p4.SetTOS(int(r.TypeofService)),
			ic.p4.SetControlMessage(ipv4.FlagTTL, true))
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return ic, nil
}
