package native

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"

	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wbemtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testNS = `root\wbemtest`

// testEnv is an object manager with the wbemtest provider behind a native
// server on a Unix socket.
type testEnv struct {
	t     testing.TB
	om    *cimom.ObjectManager
	store *repository.MemoryStore
	prov  *wbemtest.Provider
	srv   *Server
	g     *grpc.Server
	sock  string

	mu    sync.Mutex
	conns map[wbem.Services][]net.Conn
}

type envOptions struct {
	sinkTimeout time.Duration
	queueQuota  int
	window      int
}

func startEnv(t testing.TB, o envOptions) *testEnv {
	t.Helper()
	if o.sinkTimeout == 0 {
		o.sinkTimeout = 300 * time.Millisecond
	}
	if o.queueQuota == 0 {
		o.queueQuota = 64
	}
	if o.window == 0 {
		o.window = 64
	}
	ctx := context.Background()
	store := repository.NewMemory()
	if err := schema.Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	if err := store.Update(ctx, func(tx repository.Tx) error { return schema.InstallNamespace(tx, testNS) }); err != nil {
		t.Fatal(err)
	}
	// As in the daemon: the client enforces the sink timeout, the object
	// manager's is for a server-side sink stuck past it.
	om := cimom.New(store, &cimom.Options{SinkTimeout: 3 * o.sinkTimeout, EnumeratorWindow: o.window, EnumeratorQuota: 2000})
	p := wbemtest.NewProvider()
	if err := om.RegisterProvider(wbemtest.ProviderName, p); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, om: om, store: store, prov: p, conns: map[wbem.Services][]net.Conn{}}
	e.srv = NewServer(ServerOptions{
		Authenticate: func(ctx context.Context, user, password string) (Identity, error) {
			pr, _ := peer.FromContext(ctx)
			pc, ok := pr.AuthInfo.(PeerCred)
			if !ok {
				return Identity{}, status.New(status.AccessDenied, "no peer credentials")
			}
			if user != "" {
				return Identity{}, status.New(status.LocalCredentials, "no credentials on a local connection")
			}
			return Identity{User: fmt.Sprintf("uid:%d", pc.UID), UID: pc.UID, Method: "peercred"}, nil
		},
		Open: func(ctx context.Context, ns string, id Identity) (wbem.Services, error) {
			return om.Connect(ctx, ns, &cimom.ConnectOptions{User: id.User, Remote: id.Remote})
		},
		SinkTimeout: o.sinkTimeout,
		QueueQuota:  o.queueQuota,
	})
	e.sock = filepath.Join(t.TempDir(), "wmi.sock")
	lis, err := net.Listen("unix", e.sock)
	if err != nil {
		t.Fatal(err)
	}
	e.g = grpc.NewServer(append(GRPCServerOptions(), grpc.Creds(UnixCredentials()))...)
	e.srv.Register(e.g)
	go func() { _ = e.g.Serve(lis) }()
	t.Cleanup(e.stop)
	return e
}

func (e *testEnv) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.srv.Drain()
	if err := e.om.Shutdown(ctx); err != nil {
		e.t.Errorf("object manager shutdown: %v", err)
	}
	if err := e.srv.Shutdown(ctx); err != nil {
		e.t.Errorf("server shutdown: %v", err)
	}
	e.g.Stop()
	_ = e.store.Close()
}

// connect opens a session on its own gRPC connection, whose network
// connections disconnect can cut.
func (e *testEnv) connect(ctx context.Context) (wbem.Services, error) {
	return e.connectNS(ctx, testNS, nil)
}

func (e *testEnv) connectNS(ctx context.Context, ns string, opts *ClientOptions) (wbem.Services, error) {
	var mu sync.Mutex
	var conns []net.Conn
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "unix", e.sock)
		if err == nil {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
		return c, err
	}
	cc, err := grpc.NewClient("passthrough:///wmi", append(DialOptions(),
		grpc.WithContextDialer(dial), grpc.WithTransportCredentials(UnixCredentials()))...)
	if err != nil {
		return nil, err
	}
	o := ClientOptions{SinkTimeout: 300 * time.Millisecond}
	if opts != nil {
		o = *opts
	}
	o.CloseConn = true
	svc, err := Connect(ctx, cc, ns, &o)
	if err != nil {
		_ = cc.Close()
		return nil, err
	}
	e.mu.Lock()
	e.conns[svc] = nil
	e.mu.Unlock()
	go func() {}()
	mu.Lock()
	e.mu.Lock()
	e.conns[svc] = conns
	e.mu.Unlock()
	mu.Unlock()
	return svc, nil
}

// disconnect cuts the network connections of a session, as a network
// failure would.
func (e *testEnv) disconnect(svc wbem.Services) {
	e.mu.Lock()
	conns := e.conns[svc]
	e.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

func TestConformanceUnix(t *testing.T) {
	e := startEnv(t, envOptions{})
	wbemtest.Run(t, wbemtest.Env{
		Connect:         e.connect,
		Provider:        e.prov,
		SinkTimeout:     300 * time.Millisecond,
		QueueQuota:      64,
		EnumeratorQuota: 2000,
		Disconnect:      e.disconnect,
		Remote:          true,
	})
}
