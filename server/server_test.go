package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/gowmi/gowmi"
	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/protocol/native"
	"github.com/gowmi/gowmi/providers/security"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wbemtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(providerEnv) != "" {
		os.Exit(runTestProvider())
	}
	goleak.VerifyTestMain(m)
}

const testNS = `root\wbemtest`

// daemon is a wmid for a test: a Unix socket and a TLS port on 127.0.0.1,
// a password file with user "tester" (password "secret"), the wbemtest
// provider, and root\wbemtest.
type daemon struct {
	*Daemon
	t      testing.TB
	dir    string
	sock   string
	tcp    string
	caFile string
	prov   *wbemtest.Provider
}

func startDaemon(t testing.TB, mod func(*Config)) *daemon {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	if err := SetPassword(pw, "tester", "secret"); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Repository: filepath.Join(dir, "repo"),
		Listen:     []string{"unix://" + filepath.Join(dir, "wmi.sock"), "tcp://127.0.0.1:0"},
		Passwords:  pw,
		Metrics:    "127.0.0.1:0",
		NoSync:     true,
	}
	cfg.SinkTimeout = Duration(300 * time.Millisecond)
	cfg.QueueQuota = 64
	if mod != nil {
		mod(&cfg)
	}
	ctx := context.Background()
	d, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	td := &daemon{Daemon: d, t: t, dir: dir, caFile: filepath.Join(cfg.Repository, "tls", "server.crt")}
	for _, a := range d.Addrs() {
		switch {
		case strings.HasPrefix(a, "unix://"):
			td.sock = a
		case strings.HasPrefix(a, "tcp://"):
			td.tcp = a
		}
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	if err := d.store.Update(ctx, func(tx repository.Tx) error { return schema.InstallNamespace(tx, testNS) }); err != nil {
		t.Fatal(err)
	}
	if err := d.sec.Install(ctx); err != nil {
		t.Fatal(err)
	}
	// tester may do everything, remotely too.
	if err := d.sec.SetSD(ctx, "root", security.SD{Entries: append([]security.Entry{{Allow: true, Who: "user:tester", Rights: wbem.RightsAll}},
		security.Default.Entries...)}); err != nil {
		t.Fatal(err)
	}
	td.prov = wbemtest.NewProvider()
	if err := d.om.RegisterProvider(wbemtest.ProviderName, td.prov); err != nil {
		t.Fatal(err)
	}
	return td
}

func (d *daemon) tls(user, password string) *gowmi.Options {
	return &gowmi.Options{Namespace: testNS, User: user, Password: password, CAFile: d.caFile, ServerName: "localhost",
		SinkTimeout: 300 * time.Millisecond}
}

// connCutter connects through a dialer that remembers each Services'
// connections, so that Disconnect can cut them as a network failure would
// (rule 11).
type connCutter struct {
	mu    sync.Mutex
	conns map[wbem.Services][]net.Conn
}

// connect opens a Services with o and a dialer that records its
// connections.
func (c *connCutter) connect(ctx context.Context, target string, o *gowmi.Options) (wbem.Services, error) {
	var mu sync.Mutex
	var conns []net.Conn
	opts := *o
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
		return conn, err
	}
	svc, err := gowmi.Connect(ctx, target, &opts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conns == nil {
		c.conns = map[wbem.Services][]net.Conn{}
	}
	mu.Lock()
	c.conns[svc] = conns
	mu.Unlock()
	return svc, nil
}

// disconnect closes the sockets under svc.
func (c *connCutter) disconnect(svc wbem.Services) {
	c.mu.Lock()
	conns := c.conns[svc]
	c.mu.Unlock()
	for _, conn := range conns {
		_ = conn.Close()
	}
}

func TestConformanceUnixSocket(t *testing.T) {
	d := startDaemon(t, nil)
	if os.Getuid() != 0 {
		t.Skip("the peer-credential identity of a non-root test user has no write rights on root\\wbemtest")
	}
	var cut connCutter
	wbemtest.Run(t, wbemtest.Env{
		Connect: func(ctx context.Context) (wbem.Services, error) {
			return cut.connect(ctx, d.sock, &gowmi.Options{Namespace: testNS, SinkTimeout: 300 * time.Millisecond})
		},
		Provider:        d.prov,
		SinkTimeout:     300 * time.Millisecond,
		QueueQuota:      64,
		EnumeratorQuota: 0,
		Disconnect:      cut.disconnect,
		Remote:          true,
	})
}

func TestConformanceTLS(t *testing.T) {
	d := startDaemon(t, nil)
	var cut connCutter
	wbemtest.Run(t, wbemtest.Env{
		Connect: func(ctx context.Context) (wbem.Services, error) {
			return cut.connect(ctx, d.tcp, d.tls("tester", "secret"))
		},
		Provider:    d.prov,
		SinkTimeout: 300 * time.Millisecond,
		QueueQuota:  64,
		Disconnect:  cut.disconnect,
		Remote:      true,
	})
}

func TestWrongPassword(t *testing.T) {
	d := startDaemon(t, nil)
	ctx := context.Background()
	for _, c := range []struct{ user, pw string }{{"tester", "wrong"}, {"nobody", "secret"}, {"tester", ""}} {
		_, err := gowmi.Connect(ctx, d.tcp, d.tls(c.user, c.pw))
		if !errors.Is(err, status.ErrAccessDenied) {
			t.Errorf("%s/%q: %v, want WBEM_E_ACCESS_DENIED", c.user, c.pw, err)
		}
	}
	// No credentials at all over TLS.
	if _, err := gowmi.Connect(ctx, d.tcp, d.tls("", "")); !errors.Is(err, status.ErrAccessDenied) {
		t.Errorf("no credentials: %v", err)
	}
	// Credentials on the local socket are WBEM_E_LOCAL_CREDENTIALS.
	cc, err := grpc.NewClient("passthrough:///x", append(native.DialOptions(), grpc.WithTransportCredentials(native.UnixCredentials()),
		grpc.WithContextDialer(unixDialer(strings.TrimPrefix(d.sock, "unix://"))))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if _, err := native.Connect(ctx, cc, testNS, &native.ClientOptions{User: "tester", Password: "secret"}); !errors.Is(err, status.ErrLocalCredentials) {
		t.Errorf("credentials on the Unix socket: %v, want WBEM_E_LOCAL_CREDENTIALS", err)
	}
	svc, err := gowmi.Connect(ctx, d.tcp, d.tls("tester", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	_ = svc.Close()
}

func TestPlainTCPRefused(t *testing.T) {
	d := startDaemon(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cc, err := grpc.NewClient("passthrough:///"+strings.TrimPrefix(d.tcp, "tcp://"), append(native.DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	_, err = native.Connect(ctx, cc, testNS, &native.ClientOptions{User: "tester", Password: "secret"})
	if err == nil || !status.CodeOf(err).Failed() {
		t.Fatalf("a plain TCP client connected: %v", err)
	}
	t.Logf("plain TCP: %v", err)
}

// A caller denied each right in turn gets WBEM_E_ACCESS_DENIED for what
// needs it.
func TestDeniedCallerEachRight(t *testing.T) {
	d := startDaemon(t, nil)
	ctx := context.Background()
	// A static class and a dynamic one to write to.
	admin, err := gowmi.Connect(ctx, d.tcp, d.tls("tester", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := wbemtest.Setup(ctx, admin); err != nil {
		t.Fatal(err)
	}
	sdArgs := func(svc wbem.Services, text string) *cim.Instance {
		cls, err := svc.GetObject(ctx, "__SystemSecurity", 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		in, _, err := cls.(*cim.Class).GetMethod("SetSD")
		if err != nil {
			t.Fatal(err)
		}
		elems := make([]cim.Value, len(text))
		for i := range text {
			elems[i] = cim.Uint8(text[i])
		}
		return in.MustSpawn().MustPut("SD", cim.MustArray(cim.TypeUint8, elems...))
	}
	ops := []struct {
		right wbem.Rights
		name  string
		op    func(svc wbem.Services) error
	}{
		{wbem.RightEnable, "connect", nil},
		{wbem.RightRemoteEnable, "connect remotely", nil},
		{wbem.RightMethodExecute, "ExecMethod", func(svc wbem.Services) error {
			_, err := svc.ExecMethod(ctx, wbemtest.WorkerPath("w0"), "Double", 0, nil, nil)
			return err
		}},
		{wbem.RightFullWrite, "PutClass", func(svc wbem.Services) error {
			c := cim.NewClass("Denied_Class", nil)
			c.Properties = []*cim.Property{{Name: "K", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true)}}}}
			return svc.PutClass(ctx, c, 0, nil)
		}},
		{wbem.RightPartialWrite | wbem.RightFullWrite, "PutInstance static", func(svc wbem.Services) error {
			c, err := svc.GetObject(ctx, wbemtest.StaticClass, 0, nil)
			if err != nil {
				return err
			}
			_, err = svc.PutInstance(ctx, c.(*cim.Class).MustSpawn().MustPut("Name", cim.String("denied")), 0, nil)
			return err
		}},
		{wbem.RightWriteProvider, "PutInstance dynamic", func(svc wbem.Services) error {
			c, err := svc.GetObject(ctx, wbemtest.ItemClass, 0, nil)
			if err != nil {
				return err
			}
			_, err = svc.PutInstance(ctx, c.(*cim.Class).MustSpawn().MustPut("Id", cim.Uint64(77)), 0, nil)
			return err
		}},
		{wbem.RightReadControl, "GetSD", func(svc wbem.Services) error {
			_, err := svc.ExecMethod(ctx, "__SystemSecurity=@", "GetSD", 0, nil, nil)
			return err
		}},
		{wbem.RightWriteDAC, "SetSD", func(svc wbem.Services) error {
			_, err := svc.ExecMethod(ctx, "__SystemSecurity=@", "SetSD", 0, nil, sdArgs(svc, "allow user:tester all\n"))
			return err
		}},
	}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			// tester holds every right but o.right on the namespace.
			sd := security.SD{Protected: true, Entries: []security.Entry{{Allow: true, Who: "user:tester", Rights: wbem.RightsAll &^ o.right}}}
			if err := d.sec.SetSD(ctx, testNS, sd); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := d.sec.SetSD(ctx, testNS, security.SD{Entries: []security.Entry{{Allow: true, Who: "user:tester", Rights: wbem.RightsAll}}}); err != nil {
					t.Fatal(err)
				}
			}()
			svc, err := gowmi.Connect(ctx, d.tcp, d.tls("tester", "secret"))
			if o.op == nil {
				if !errors.Is(err, status.ErrAccessDenied) {
					t.Errorf("connect without %s: %v, want WBEM_E_ACCESS_DENIED", o.right, err)
				}
				if err == nil {
					_ = svc.Close()
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			if err := o.op(svc); !errors.Is(err, status.ErrAccessDenied) {
				t.Errorf("%s without %s: %v, want WBEM_E_ACCESS_DENIED", o.name, o.right, err)
			}
		})
	}
	// With every right, each operation passes the check.
	svc, err := gowmi.Connect(ctx, d.tcp, d.tls("tester", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	for _, o := range ops {
		if o.op == nil {
			continue
		}
		if err := o.op(svc); errors.Is(err, status.ErrAccessDenied) {
			t.Errorf("%s with every right: %v", o.name, err)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	d := startDaemon(t, nil)
	resp, err := http.Get("http://" + d.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := new(strings.Builder)
	if _, err := fmt.Fprint(b, readAll(resp)); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"gowmi_calls_total", "gowmi_calls_cancelled_total", "gowmi_method_calls_orphaned_total",
		"gowmi_queue_depth_objects", "gowmi_provider_restarts_total", "gowmi_sessions"} {
		if !strings.Contains(b.String(), m) {
			t.Errorf("metric %s missing", m)
		}
	}
}

func TestParseListen(t *testing.T) {
	for in, want := range map[string]Listener{
		"unix:///run/gowmi/wmi.sock": {"unix", "/run/gowmi/wmi.sock"},
		"tcp://0.0.0.0:5990":         {"tcp", "0.0.0.0:5990"},
		"tcp://example.org":          {"tcp", "example.org:5990"},
	} {
		got, err := ParseListen(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"http://x", "unix://", "x"} {
		if _, err := ParseListen(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// A client certificate from the configured CA authenticates its holder as
// "cert:<common name>", whose rights the namespace security decides.
func TestClientCertificate(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	if err := GenerateCertificate(cert, key, []string{"monitor1"}); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, func(c *Config) { c.TLS.ClientCA = cert })
	ctx := context.Background()
	o := &gowmi.Options{Namespace: testNS, CAFile: d.caFile, ServerName: "localhost", CertFile: cert, KeyFile: key}
	// By default a user may not connect remotely.
	if _, err := gowmi.Connect(ctx, d.tcp, o); !errors.Is(err, status.ErrAccessDenied) {
		t.Fatalf("without remote enable: %v, want WBEM_E_ACCESS_DENIED", err)
	}
	if err := d.sec.SetSD(ctx, testNS, security.SD{Entries: []security.Entry{
		{Allow: true, Who: "cert:monitor1", Rights: wbem.RightEnable | wbem.RightRemoteEnable | wbem.RightMethodExecute}}}); err != nil {
		t.Fatal(err)
	}
	svc, err := gowmi.Connect(ctx, d.tcp, o)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	out, err := svc.ExecMethod(ctx, "__SystemSecurity=@", "GetCallerAccessRights", 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := out.Get("rights")
	want := wbem.RightsDefaultUser | wbem.RightRemoteEnable
	if n, _ := v.Int(); wbem.Rights(n) != want {
		t.Errorf("rights = %s, want %s", wbem.Rights(n), want)
	}
}
