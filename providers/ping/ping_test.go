package ping_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers/internal/ptest"
	"github.com/gowmi/gowmi/providers/ping"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newEnv(t *testing.T, p *ping.Provider) *ptest.Env {
	return ptest.New(t, "", func(om *cimom.ObjectManager) error { return om.RegisterProvider(ping.ProviderName, p) },
		ptest.Package(t, "ping"))
}

func sysctl(name string) string {
	b, _ := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	return strings.TrimSpace(string(b))
}

// canPing reports whether the machine lets the test use a mode, and why
// not.
func canPing(mode string, v6 bool) (bool, string) {
	addr := "127.0.0.1"
	if v6 {
		addr = "::1"
	}
	_, err := (&ping.Provider{Mode: mode}).Ping(context.Background(), ping.Request{Address: addr, BufferSize: 1, Timeout: 1000, TimeToLive: 64})
	if err == nil {
		return true, ""
	}
	switch mode {
	case ping.ModeDatagram:
		return false, "unprivileged ICMP sockets are not allowed here (net.ipv4.ping_group_range = " + sysctl("net.ipv4.ping_group_range") + ")"
	case ping.ModeRaw:
		return false, "raw ICMP sockets need root or CAP_NET_RAW"
	}
	return false, err.Error()
}

// allowDatagram lets the test's group open unprivileged ICMP sockets for
// the time of the test where it is root and they are not allowed, so that
// the datagram mode is tested here too; the sysctl (of this network
// namespace) is put back afterwards.
func allowDatagram(t *testing.T) {
	const path = "/proc/sys/net/ipv4/ping_group_range"
	if ok, _ := canPing(ping.ModeDatagram, false); ok || os.Geteuid() != 0 {
		return
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return
	}
	gid := strconv.Itoa(os.Getegid())
	if os.WriteFile(path, []byte(gid+" "+gid), 0o644) != nil {
		return
	}
	t.Cleanup(func() { _ = os.WriteFile(path, old, 0o644) })
}

func TestPingLoopback(t *testing.T) {
	allowDatagram(t)
	modes := []string{ping.ModeAuto, ping.ModeDatagram, ping.ModeRaw}
	for _, mode := range modes {
		for _, v6 := range []bool{false, true} {
			name := mode + "/v4"
			addr, ttl := "127.0.0.1", sysctl("net.ipv4.ip_default_ttl")
			if v6 {
				name = mode + "/v6"
				addr, ttl = "::1", sysctl("net.ipv6.conf.lo.hop_limit")
			}
			if mode == "" {
				name = "auto" + name
			}
			t.Run(name, func(t *testing.T) {
				if ok, why := canPing(mode, v6); !ok {
					if v6 {
						if _, err := net.ResolveIPAddr("ip6", "::1"); err != nil {
							t.Skip("no IPv6 loopback")
						}
					}
					t.Skip(why)
				}
				env := newEnv(t, &ping.Provider{Mode: mode})
				got := env.Query(t, "SELECT * FROM Win32_PingStatus WHERE Address = '"+addr+"' AND BufferSize = 100 AND Timeout = 2000 AND TimeToLive = 30")
				if len(got) != 1 {
					t.Fatalf("%d instances", len(got))
				}
				inst := got[0]
				want := map[string]string{
					"StatusCode": "0", "ReplySize": "100", "ReplyInconsistency": "FALSE", "BufferSize": "100",
					"Timeout": "2000", "TimeToLive": "30", "ProtocolAddress": addr, "PrimaryAddressResolutionStatus": "0",
					"ResponseTimeToLive": ttl, "NoFragmentation": "FALSE", "TypeofService": "0",
				}
				for prop, w := range want {
					if v := inst.Value(prop).String(); v != w {
						t.Errorf("%s = %s, want %s", prop, v, w)
					}
				}
				if rt, ok := inst.Value("ResponseTime").Uint(); !ok || rt > 2000 {
					t.Errorf("ResponseTime = %v", inst.Value("ResponseTime"))
				}
				if _, err := inst.Path(); err != nil {
					t.Errorf("the instance has no path: %v", err)
				}
			})
		}
	}
}

func TestPingQueries(t *testing.T) {
	if ok, why := canPing(ping.ModeAuto, false); !ok {
		t.Skip(why)
	}
	resolve := func(ctx context.Context, host string) ([]net.IP, error) {
		if host == "gowmi-test-host" {
			return []net.IP{net.ParseIP("127.0.0.3")}, nil
		}
		return nil, errors.New("no such host")
	}
	env := newEnv(t, &ping.Provider{Resolve: resolve})
	tests := []struct {
		query string
		want  []string // Address=StatusCode/ProtocolAddress per instance
	}{
		{"SELECT * FROM Win32_PingStatus WHERE Address = '127.0.0.1' OR Address = '127.0.0.2'",
			[]string{"127.0.0.1=0/127.0.0.1", "127.0.0.2=0/127.0.0.2"}},
		{"SELECT StatusCode FROM Win32_PingStatus WHERE Address = 'gowmi-test-host'",
			[]string{"NULL=0/NULL"}}, // projected: only StatusCode
		{"SELECT * FROM Win32_PingStatus WHERE Address = 'gowmi-test-host'",
			[]string{"gowmi-test-host=0/127.0.0.3"}},
		{"SELECT * FROM Win32_PingStatus WHERE Address = 'no-such-host'",
			[]string{"no-such-host=NULL/NULL"}},
		{"SELECT * FROM Win32_PingStatus WHERE Address = '127.0.0.1' AND BufferSize = 70000",
			[]string{"127.0.0.1=11011/127.0.0.1"}},
		{"SELECT * FROM Win32_PingStatus WHERE Address = '127.0.0.1' AND Timeout = 500 AND StatusCode = 0",
			[]string{"127.0.0.1=0/127.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got []string
			for _, inst := range env.Query(t, tt.query) {
				got = append(got, inst.Value("Address").String()+"="+inst.Value("StatusCode").String()+"/"+inst.Value("ProtocolAddress").String())
				if strings.Contains(tt.query, "no-such-host") {
					if v := inst.Value("PrimaryAddressResolutionStatus").String(); v != strconv.Itoa(ping.HostNotFound) {
						t.Errorf("PrimaryAddressResolutionStatus = %s", v)
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// GetObject with the keys in the path.
	obj, err := env.Svc.GetObject(context.Background(), `Win32_PingStatus.Address="127.0.0.1",Timeout=700`, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if inst := obj.(*cim.Instance); inst.Value("StatusCode").String() != "0" || inst.Value("Timeout").String() != "700" {
		t.Errorf("GetObject: %s", inst.MOF())
	}
	// Without an address there is nothing to ping.
	_, err = wbem.Collect(context.Background(), env.Svc, "SELECT * FROM Win32_PingStatus")
	if c := status.CodeOf(err); c != status.ProviderNotCapable && c != status.InvalidQuery {
		t.Errorf("a query without Address: %v", err)
	}
}
