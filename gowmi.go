// Package gowmi is the entry point for Go programs: Connect returns a
// wbem.Services (IWbemServices) for the embedded object manager, the local
// daemon over its Unix socket, or a remote daemon over TLS, and the same
// code runs against all three.
//
//	svc, err := gowmi.Connect(ctx, "", nil) // the local daemon, root\cimv2
//	if err != nil { ... }
//	defer svc.Close()
//	for obj, err := range wbem.Query(ctx, svc, "SELECT * FROM Win32_Process") { ... }
//
// ServeProvider runs a provider out of process (WMI's decoupled
// providers): the provider implements package provider's interfaces as an
// in-process one does.
package gowmi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/protocol/native"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// DefaultSocket is the local daemon's Unix socket.
const DefaultSocket = "/run/gowmi/wmi.sock"

// DefaultPort is the daemon's TCP port.
const DefaultPort = 5990

// DefaultNamespace is the namespace Connect opens when Options name none.
const DefaultNamespace = `root\cimv2`

// Options configure Connect. The zero value connects to root\cimv2 as the
// calling process's user.
type Options struct {
	// Namespace to open; `root\cimv2` by default.
	Namespace string
	// User and Password log in with a password (TLS only; a local
	// connection is identified by its peer credentials, and credentials on
	// it are WBEM_E_LOCAL_CREDENTIALS, as in WMI).
	User, Password string
	// TLS, for tcp:// targets: the server's CA (CAFile, or the system's
	// roots when empty), a client certificate (CertFile, KeyFile) to log in
	// with, and the name to check the server's certificate against
	// (ServerName; the target's host by default). TLSConfig, when set, is
	// used as it is.
	CAFile, CertFile, KeyFile, ServerName string
	TLSConfig                             *tls.Config
	// Context is the IWbemContext of the connection.
	Context *wbem.Context
	// SinkTimeout is how long a sink may take in one callback before its
	// call is cancelled; 30 s by default.
	SinkTimeout time.Duration
	// ObjectManager is the object manager of "embedded:" targets.
	ObjectManager *cimom.ObjectManager
	// Dialer, when set, opens the connections to a daemon (network "unix"
	// or "tcp", the address of the target): to go through a proxy or a
	// tunnel, or for a test to cut a connection as a network failure would.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Connect opens a Services on a target:
//
//   - "" or "local": the local daemon's socket, DefaultSocket;
//   - "unix:///path/wmi.sock": a daemon's Unix socket;
//   - "tcp://host:port" (or "host:port", or "host"): a daemon over TLS
//     (port DefaultPort when left out);
//   - "embedded:": Options.ObjectManager, in process;
//   - "embedded:///path/to/dir": an object manager in process over the
//     repository in that directory (created with the standard namespaces
//     if new), shut down when the returned Services is closed.
//
// Every Services that OpenNamespace derives from the result shares its
// connection (the scope of CancelAsyncCall); closing the last one closes
// the connection and cancels its pending calls. When a remote connection
// is lost, every pending sink receives a final status with a transport code
// (RPC_E_DISCONNECTED) and later calls fail with it.
func Connect(ctx context.Context, target string, opts *Options) (wbem.Services, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if strings.HasPrefix(target, "embedded:") {
		return connectEmbedded(ctx, strings.TrimPrefix(target, "embedded:"), &o)
	}
	cc, err := Dial(target, &o)
	if err != nil {
		return nil, err
	}
	svc, err := native.Connect(ctx, cc, o.Namespace, &native.ClientOptions{User: o.User, Password: o.Password,
		Context: o.Context, SinkTimeout: o.SinkTimeout, CloseConn: true})
	if err != nil {
		_ = cc.Close()
		return nil, err
	}
	return svc, nil
}

// Dial returns a gRPC connection to a daemon target ("", "unix:///path",
// "tcp://host:port"), for Connect and ServeProvider.
func Dial(target string, o *Options) (*grpc.ClientConn, error) {
	if o == nil {
		o = &Options{}
	}
	network, addr, err := parseTarget(target)
	if err != nil {
		return nil, err
	}
	opts := append(native.DialOptions(), grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 20 * time.Second}))
	dial := o.Dialer
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	opts = append(opts, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
		return dial(ctx, network, addr)
	}))
	switch network {
	case "unix":
		if o.User != "" || o.Password != "" {
			return nil, &status.Error{Code: status.LocalCredentials, Operation: "ConnectServer",
				Description: "a local connection takes no user name or password"}
		}
		opts = append(opts, grpc.WithTransportCredentials(native.UnixCredentials()))
		return grpc.NewClient("passthrough:///gowmi", opts...)
	default:
		tc, err := clientTLS(addr, o)
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tc)))
		return grpc.NewClient("passthrough:///"+addr, opts...)
	}
}

func parseTarget(target string) (network, addr string, err error) {
	switch {
	case target == "" || target == "local":
		return "unix", DefaultSocket, nil
	case strings.HasPrefix(target, "unix:"):
		u, err := url.Parse(target)
		if err != nil {
			return "", "", status.Errorf(status.InvalidParameter, "target %q: %v", target, err)
		}
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		return "unix", p, nil
	case strings.HasPrefix(target, "tcp://"), strings.HasPrefix(target, "tls://"):
		target = target[len("tcp://"):]
	case strings.HasPrefix(target, `\\`), strings.HasPrefix(target, "//"):
		// WMI's \\server form: the server part only.
		target = strings.FieldsFunc(target, func(r rune) bool { return r == '\\' || r == '/' })[0]
	}
	if strings.Contains(target, "/") {
		return "", "", status.Errorf(status.InvalidParameter, "target %q: use unix:///path or tcp://host:port", target)
	}
	if _, _, err := net.SplitHostPort(target); err != nil {
		target = net.JoinHostPort(strings.Trim(target, "[]"), fmt.Sprint(DefaultPort))
	}
	return "tcp", target, nil
}

func clientTLS(addr string, o *Options) (*tls.Config, error) {
	if o.TLSConfig != nil {
		return o.TLSConfig, nil
	}
	host, _, _ := net.SplitHostPort(addr)
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if o.ServerName != "" {
		tc.ServerName = o.ServerName
	}
	if o.CAFile != "" {
		b, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, status.Errorf(status.InvalidParameter, "%s holds no certificate", o.CAFile)
		}
		tc.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// embedded is the Services of an object manager Connect created: closing
// it shuts the object manager down.
type embedded struct {
	wbem.Services
	om    *cimom.ObjectManager
	store repository.Store
}

func (e *embedded) Close() error {
	err := e.Services.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := e.om.Shutdown(ctx); err == nil {
		err = serr
	}
	if cerr := e.store.Close(); err == nil {
		err = cerr
	}
	return err
}

func connectEmbedded(ctx context.Context, path string, o *Options) (wbem.Services, error) {
	path = strings.TrimPrefix(path, "//")
	if path == "" {
		if o.ObjectManager == nil {
			return nil, status.New(status.InvalidParameter, `"embedded:" needs Options.ObjectManager, or a repository directory`)
		}
		return o.ObjectManager.Connect(ctx, o.Namespace, nil)
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, err
	}
	store, err := repository.Open(path+"/repository.db", &repository.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	if err := schema.Install(ctx, store); err != nil {
		_ = store.Close()
		return nil, err
	}
	om := cimom.New(store, &cimom.Options{SinkTimeout: o.SinkTimeout})
	svc, err := om.Connect(ctx, o.Namespace, nil)
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = om.Shutdown(sctx)
		_ = store.Close()
		return nil, err
	}
	return &embedded{Services: svc, om: om, store: store}, nil
}

// ProviderOptions are native.ProviderOptions: the provider's name, its
// classes by namespace, and a function called once it is registered.
type ProviderOptions = native.ProviderOptions

// ServeProvider runs provider p out of process against the daemon at
// target (see Connect for targets; o may be nil): it registers p and its
// classes and serves requests until ctx is done (nil) or the daemon goes
// away (an error). Registration errors are returned too.
func ServeProvider(ctx context.Context, target string, o *Options, p any, popts ProviderOptions) error {
	if o == nil {
		o = &Options{}
	}
	cc, err := Dial(target, o)
	if err != nil {
		return err
	}
	defer cc.Close()
	popts.Client.User, popts.Client.Password = o.User, o.Password
	return native.ServeProvider(ctx, cc, p, popts)
}
