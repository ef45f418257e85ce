package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/protocol/native"
	"github.com/gowmi/gowmi/providers"
	"github.com/gowmi/gowmi/providers/security"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// Daemon is a running wmid.
type Daemon struct {
	cfg Config
	log *slog.Logger

	store  *repository.BoltStore
	om     *cimom.ObjectManager
	sec    *security.Manager
	native *native.Server
	hub    *native.ProviderHub

	grpcs   []*grpc.Server
	addrs   []string
	metrics *http.Server
	mAddr   string
	serveWG sync.WaitGroup

	shutdownOnce sync.Once
	shutdownErr  error
}

// Start opens the repository (creating it with the standard namespaces at
// first start), starts the object manager and the listeners, and returns
// the running daemon. Stop it with Shutdown.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (d *Daemon, err error) {
	cfg.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	d = &Daemon{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			d.abort()
		}
	}()
	if err := os.MkdirAll(cfg.Repository, 0o700); err != nil {
		return nil, err
	}
	d.store, err = repository.Open(filepath.Join(cfg.Repository, "repository.db"), &repository.Options{Timeout: 5 * time.Second, NoSync: cfg.NoSync})
	if err != nil {
		return nil, err
	}
	// The standard namespaces with the system classes, and the classes of
	// the built-in providers (the machine as Win32 classes).
	if err := providers.Install(ctx, d.store); err != nil {
		return nil, err
	}
	d.sec = security.NewManager(d.store)
	if err := d.sec.Install(ctx); err != nil {
		return nil, fmt.Errorf("installing namespace security: %w", err)
	}
	// The client enforces the sink timeout (rule 7); the server's own
	// limits come later, for clients that stop reading altogether. A
	// semisynchronous enumerator holds at most the queue quota ahead of its
	// reader (rule 13).
	d.om = cimom.New(d.store, &cimom.Options{SinkTimeout: 3 * time.Duration(cfg.SinkTimeout),
		EnumeratorWindow: cfg.QueueQuota, Logger: log})
	if err := d.om.RegisterProvider(security.ProviderName, security.Provider{M: d.sec}); err != nil {
		return nil, err
	}
	if err := providers.RegisterAll(d.om); err != nil {
		return nil, err
	}
	d.hub = native.NewProviderHub(d.om, native.HubOptions{
		CallTimeout: time.Duration(cfg.ProviderTimeout),
		Authorize:   d.authorizeProvider,
		Logger:      log,
	})
	auth := &authenticator{passwords: cfg.Passwords}
	d.native = native.NewServer(native.ServerOptions{
		Authenticate: auth.Authenticate,
		Open:         d.open,
		SinkTimeout:  time.Duration(cfg.SinkTimeout),
		QueueQuota:   cfg.QueueQuota,
		Providers:    d.hub,
		Logger:       log,
	})
	for _, l := range cfg.Listen {
		if err := d.listen(l); err != nil {
			return nil, err
		}
	}
	if cfg.Metrics != "" {
		if err := d.serveMetrics(cfg.Metrics); err != nil {
			return nil, err
		}
	}
	log.Info("wmid started", "repository", cfg.Repository, "listen", d.addrs, "metrics", d.mAddr)
	return d, nil
}

// open connects an identity to a namespace with its rights there.
func (d *Daemon) open(ctx context.Context, ns string, id native.Identity) (wbem.Services, error) {
	user := id.User
	return d.om.Connect(ctx, ns, &cimom.ConnectOptions{User: user, Remote: id.Remote,
		Rights: func(ctx context.Context, ns string) (wbem.Rights, error) { return d.sec.Rights(ctx, ns, user) }})
}

// authorizeProvider lets a caller register an out-of-process provider: a
// configured provider user, or a caller with full write on root.
func (d *Daemon) authorizeProvider(ctx context.Context, id native.Identity) error {
	for _, u := range d.cfg.ProviderUsers {
		if u == id.User {
			return nil
		}
	}
	r, err := d.sec.Rights(ctx, "root", id.User)
	if err != nil {
		return err
	}
	if !r.Has(wbem.RightFullWrite) {
		return &status.Error{Code: status.AccessDenied, Operation: "RegisterProvider",
			Description: id.User + " may not register providers (it needs full write on root, or to be listed in provider_users)"}
	}
	return nil
}

func (d *Daemon) listen(spec string) error {
	l, err := ParseListen(spec)
	if err != nil {
		return err
	}
	var (
		lis   net.Listener
		creds credentials.TransportCredentials
	)
	switch l.Network {
	case "unix":
		if err := os.MkdirAll(filepath.Dir(l.Address), 0o755); err != nil {
			return err
		}
		if fi, err := os.Lstat(l.Address); err == nil && fi.Mode()&os.ModeSocket != 0 {
			// A socket left by a daemon that died: nobody answers on it.
			if c, err := net.Dial("unix", l.Address); err == nil {
				_ = c.Close()
				return fmt.Errorf("%s: another daemon is listening", l.Address)
			}
			_ = os.Remove(l.Address)
		}
		if lis, err = net.Listen("unix", l.Address); err != nil {
			return err
		}
		// Any local user may connect: the peer credentials identify it.
		if err := os.Chmod(l.Address, 0o666); err != nil {
			_ = lis.Close()
			return err
		}
		creds = native.UnixCredentials()
		d.addrs = append(d.addrs, "unix://"+l.Address)
	case "tcp":
		tc, err := serverTLS(&d.cfg, filepath.Join(d.cfg.Repository, "tls"))
		if err != nil {
			return err
		}
		if lis, err = net.Listen("tcp", l.Address); err != nil {
			return err
		}
		creds = credentials.NewTLS(tc)
		d.addrs = append(d.addrs, "tcp://"+lis.Addr().String())
	}
	g := grpc.NewServer(append(native.GRPCServerOptions(), grpc.Creds(creds),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 20 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)...)
	d.native.Register(g)
	d.grpcs = append(d.grpcs, g)
	d.serveWG.Add(1)
	go func() {
		defer d.serveWG.Done()
		if err := g.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			d.log.Error("listener failed", "listen", spec, "err", err)
		}
	}()
	return nil
}

// Addrs returns the addresses the daemon listens on, with the ports the
// system chose: "unix:///run/gowmi/wmi.sock", "tcp://127.0.0.1:5990".
func (d *Daemon) Addrs() []string { return append([]string(nil), d.addrs...) }

// MetricsAddr returns the address of the metrics endpoint, or "".
func (d *Daemon) MetricsAddr() string { return d.mAddr }

// ObjectManager returns the daemon's object manager.
func (d *Daemon) ObjectManager() *cimom.ObjectManager { return d.om }

// Security returns the namespace security manager.
func (d *Daemon) Security() *security.Manager { return d.sec }

// Shutdown stops the daemon gracefully: it refuses new sessions and calls,
// ends every pending call with a final WBEM_E_SHUTTING_DOWN delivered to its
// client, ends the sessions, stops the listeners and closes the repository.
// Past ctx, the remaining connections are cut.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.shutdownOnce.Do(func() {
		d.log.Info("wmid shutting down")
		d.native.Drain()
		var errs []error
		if err := d.om.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("object manager: %w", err))
		}
		if err := d.native.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("native protocol: %w", err))
		}
		d.hub.Close()
		if d.metrics != nil {
			_ = d.metrics.Shutdown(ctx)
		}
		d.stopListeners(ctx)
		if err := d.store.Close(); err != nil {
			errs = append(errs, err)
		}
		d.shutdownErr = errors.Join(errs...)
		d.log.Info("wmid stopped")
	})
	return d.shutdownErr
}

func (d *Daemon) stopListeners(ctx context.Context) {
	var wg sync.WaitGroup
	for _, g := range d.grpcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan struct{})
			go func() { g.GracefulStop(); close(done) }()
			select {
			case <-done:
			case <-ctx.Done():
				g.Stop()
				<-done
			}
		}()
	}
	wg.Wait()
	d.serveWG.Wait()
}

// abort releases what a failed Start opened.
func (d *Daemon) abort() {
	for _, g := range d.grpcs {
		g.Stop()
	}
	d.serveWG.Wait()
	if d.metrics != nil {
		_ = d.metrics.Close()
	}
	if d.hub != nil {
		d.hub.Close()
	}
	if d.om != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = d.om.Shutdown(ctx)
		cancel()
	}
	if d.store != nil {
		_ = d.store.Close()
	}
}
