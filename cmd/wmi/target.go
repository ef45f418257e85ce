package main

import (
	"context"
	"fmt"
	"os/user"
	"strings"

	"golang.org/x/term"

	"github.com/gowmi/gowmi"
	"os"
	"path/filepath"
	"time"

	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// defaultRepoDir is where the embedded object manager keeps its
// repository: $GOWMI_REPO if set, else /var/lib/gowmi as root and the
// per-user data directory otherwise ($XDG_DATA_HOME/gowmi, or
// ~/.local/share/gowmi).
func defaultRepoDir() string {
	if d := os.Getenv("GOWMI_REPO"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/lib/gowmi"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "gowmi")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "gowmi")
	}
	return filepath.Join(os.TempDir(), "gowmi")
}

// repositoryFile is the bbolt file inside a repository directory.
func repositoryFile(dir string) string { return filepath.Join(dir, "repository.db") }

// embedded is an object manager in this process over the local repository.
type embedded struct {
	store *repository.BoltStore
	om    *cimom.ObjectManager
}

// extraSetup lets builds with providers install and register them; the
// providers package hooks itself in here.
var extraSetup []func(ctx context.Context, store repository.Store, om *cimom.ObjectManager) error

// openEmbedded opens (creating it at first use) the repository in dir,
// installs the system classes and starts an object manager on it.
func openEmbedded(ctx context.Context, dir string) (*embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, status.Errorf(status.InitializationFailure, "cannot create the repository directory: %v", err)
	}
	store, err := repository.Open(repositoryFile(dir), &repository.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, status.Errorf(status.CodeOf(err), "cannot open the repository %s (%v): is another wmi or wmid using it? use --host or --repo", dir, err)
	}
	if err := schema.Install(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	om := cimom.New(store, &cimom.Options{})
	for _, setup := range extraSetup {
		if err := setup(ctx, store, om); err != nil {
			e := &embedded{store: store, om: om}
			e.close()
			return nil, err
		}
	}
	return &embedded{store: store, om: om}, nil
}

func (e *embedded) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = e.om.Shutdown(ctx)
	_ = e.store.Close()
}

// session is what a command works on: a Services and how to end it.
type session struct {
	svc   wbem.Services
	close func()
}

// connect opens the target the global flags name: --host, else the local
// daemon if its socket ($GOWMI_SOCKET, or /run/gowmi/wmi.sock) answers,
// else an object manager embedded in this process on --repo.
func (g *globals) connect(ctx context.Context) (*session, error) {
	if g.host != "" {
		return g.connectDaemon(ctx, g.host)
	}
	if target := localDaemon(); target != "" {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s, err := g.connectDaemon(dctx, target)
		cancel()
		if err == nil {
			return s, nil
		}
		// A stale socket of a daemon that is gone: work embedded.
	}
	e, err := openEmbedded(ctx, g.repo)
	if err != nil {
		return nil, err
	}
	// The embedded object manager serves this process's own user: it holds
	// every right the repository's files give it, and providers (such as
	// __SystemSecurity's) see that user.
	var me string
	if u, err := user.Current(); err == nil {
		me = u.Username
	}
	svc, err := e.om.Connect(ctx, g.ns, &cimom.ConnectOptions{User: me})
	if err != nil {
		e.close()
		return nil, err
	}
	return &session{svc: svc, close: func() { _ = svc.Close(); e.close() }}, nil
}

// localDaemon returns the target of the local daemon's socket
// ($GOWMI_SOCKET, or /run/gowmi/wmi.sock) when there is one, "" otherwise.
func localDaemon() string {
	sock := os.Getenv("GOWMI_SOCKET")
	if sock == "" {
		sock = gowmi.DefaultSocket
	}
	if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
		return "unix://" + sock
	}
	return ""
}

// connectDaemon connects to a daemon: unix:///path/wmi.sock or
// HOST[:PORT] over TLS, with --user and the password from --password-file
// or, on a terminal, a prompt.
func (g *globals) connectDaemon(ctx context.Context, target string) (*session, error) {
	return g.connectDaemonNS(ctx, target, g.ns)
}

// connectDaemonNS is connectDaemon in a namespace of its own.
func (g *globals) connectDaemonNS(ctx context.Context, target, ns string) (*session, error) {
	opts := &gowmi.Options{Namespace: ns, User: g.user, Password: g.password}
	if g.user != "" && g.passFile == "" && !strings.HasPrefix(target, "unix:") {
		pw, err := g.promptPassword()
		if err != nil {
			return nil, err
		}
		opts.Password = pw
	}
	svc, err := gowmi.Connect(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	return &session{svc: svc, close: func() { _ = svc.Close() }}, nil
}

// promptPassword reads a password from the terminal without echo.
func (g *globals) promptPassword() (string, error) {
	f, ok := g.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", status.New(status.InvalidParameter, "--user needs --password-file when stdin is not a terminal")
	}
	fmt.Fprintf(g.stderr, "Password for %s: ", g.user)
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(g.stderr)
	if err != nil {
		return "", status.Errorf(status.InvalidParameter, "reading the password: %v", err)
	}
	return string(pw), nil
}
