package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gowmi/gowmi"
	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wbemtest"
)

func unixDialer(path string) func(context.Context, string) (net.Conn, error) {
	return func(ctx context.Context, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}
}

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// providerEnv names the socket a re-executed test binary serves the
// out-of-process test provider on.
const providerEnv = "GOWMI_TEST_PROVIDER_SOCKET"

const oopName = "GowmiOOPTest"

// oopClass is the out-of-process provider's class.
func oopClass() *cim.Class {
	c := cim.NewClass("OOP_Item", nil)
	c.Qualifiers = cim.Qualifiers{{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass},
		{Name: "Provider", Value: cim.String(oopName), Flavor: cim.FlavorToSubclass}}
	c.Properties = []*cim.Property{
		{Name: "Id", Type: cim.TypeUint64, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}}},
		{Name: "Name", Type: cim.TypeString},
	}
	return c
}

// oopProvider enumerates Count items (forever when Count is 0), and
// blocks in GetInstance until its ctx ends.
type oopProvider struct {
	Count      int
	getStarted chan struct{}
	getEnded   chan error
}

func (p *oopProvider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	for i := 0; p.Count == 0 || i < p.Count; i++ {
		inst := req.Class.MustSpawn().MustPut("Id", cim.Uint64(uint64(i))).MustPut("Name", cim.String(fmt.Sprint("item-", i)))
		if err := sink.Send(inst); err != nil {
			return err
		}
	}
	return nil
}

func (p *oopProvider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	if p.getStarted != nil {
		p.getStarted <- struct{}{}
	}
	<-ctx.Done()
	if p.getEnded != nil {
		p.getEnded <- ctx.Err()
	}
	return nil, ctx.Err()
}

// runTestProvider is the main of the provider process.
func runTestProvider() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	err := gowmi.ServeProvider(ctx, "unix://"+os.Getenv(providerEnv), nil, &oopProvider{}, gowmi.ProviderOptions{
		Name: oopName, Classes: map[string][]*cim.Class{testNS: {oopClass()}},
		Registered: func() { fmt.Println("registered") },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "provider:", err)
		return 1
	}
	return 0
}

// startProviderProcess runs the test provider in a new process and waits
// until it is registered.
func startProviderProcess(t *testing.T, sock string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), providerEnv+"="+strings.TrimPrefix(sock, "unix://"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("registered"))
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "registered" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the provider process did not register: %q %v", buf, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return cmd
}

type finalSink struct {
	mu      sync.Mutex
	objs    int
	first   chan struct{}
	once    sync.Once
	final   chan status.Code
	errDesc string
}

func newFinalSink() *finalSink {
	return &finalSink{first: make(chan struct{}), final: make(chan status.Code, 1)}
}

func (s *finalSink) Indicate(objs []cim.Object) error {
	s.mu.Lock()
	s.objs += len(objs)
	s.mu.Unlock()
	s.once.Do(func() { close(s.first) })
	return nil
}

func (s *finalSink) SetStatus(flags wbem.StatusFlags, hr status.Code, _ string, obj cim.Object) error {
	if flags == wbem.StatusComplete {
		if e, ok := wbem.ResultError(hr, obj).(*status.Error); ok {
			s.errDesc = e.Error()
		}
		s.final <- hr
	}
	return nil
}

func waitFinal(t *testing.T, s *finalSink) status.Code {
	t.Helper()
	select {
	case hr := <-s.final:
		return hr
	case <-time.After(20 * time.Second):
		t.Fatal("no final status")
		return 0
	}
}

// SIGKILL of an out-of-process provider in the middle of an enumeration:
// the call ends with WBEM_E_PROVIDER_FAILURE, the provider's classes answer
// WBEM_E_PROVIDER_NOT_FOUND, everything else is served, and the provider
// comes back when its process is restarted.
func TestProviderKilledMidEnumeration(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("registering a provider over the Unix socket needs root's rights")
	}
	d := startDaemon(t, nil)
	ctx := context.Background()
	cmd := startProviderProcess(t, d.sock)
	svc, err := gowmi.Connect(ctx, d.sock, &gowmi.Options{Namespace: testNS})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := wbemtest.Setup(ctx, svc); err != nil {
		t.Fatal(err)
	}
	s := newFinalSink()
	if err := svc.CreateInstanceEnumAsync(ctx, "OOP_Item", 0, nil, s); err != nil {
		t.Fatal(err)
	}
	<-s.first
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if hr := waitFinal(t, s); hr != status.ProviderFailure {
		t.Fatalf("the enumeration ended with %s (%s), want WBEM_E_PROVIDER_FAILURE", hr, s.errDesc)
	}
	_, err = svc.CreateInstanceEnum(ctx, "OOP_Item", 0, nil)
	if !errors.Is(err, status.ErrProviderNotFound) {
		t.Errorf("after the kill: %v, want WBEM_E_PROVIDER_NOT_FOUND", err)
	}
	// The daemon serves the rest.
	e, err := svc.CreateInstanceEnum(ctx, wbemtest.StaticClass, 0, nil)
	if err != nil {
		t.Fatalf("the daemon stopped serving: %v", err)
	}
	_ = e.Close()
	// The provider comes back.
	cmd = startProviderProcess(t, d.sock)
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	e, err = svc.ExecQuery(ctx, "WQL", "SELECT * FROM OOP_Item WHERE Id < 3", wbem.FlagReturnImmediately|wbem.FlagForwardOnly, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	objs, err := e.Next(ctx, wbem.Infinite, 3)
	if len(objs) != 3 || (err != nil && !errors.Is(err, status.ErrSFalse)) {
		t.Errorf("after the restart: %d objects, %v", len(objs), err)
	}
	if st := d.hub.Stats(); st.Restarts != 1 || st.Failures < 1 {
		t.Errorf("hub stats %+v, want one restart and a failure", st)
	}
}

// A provider that hangs: its call ends with WBEM_E_TIMED_OUT after the
// provider timeout, and the provider's ctx is cancelled.
func TestHungProviderTimesOut(t *testing.T) {
	d := startDaemon(t, func(c *Config) { c.ProviderTimeout = Duration(300 * time.Millisecond) })
	ctx, cancel := context.WithCancel(context.Background())
	p := &oopProvider{Count: 5, getStarted: make(chan struct{}, 1), getEnded: make(chan error, 1)}
	registered := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- gowmi.ServeProvider(ctx, d.tcp, d.tls("tester", "secret"), p, gowmi.ProviderOptions{
			Name: oopName, Classes: map[string][]*cim.Class{testNS: {oopClass()}}, Registered: func() { close(registered) }})
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServeProvider: %v", err)
		}
	}()
	select {
	case <-registered:
	case err := <-served:
		t.Fatalf("ServeProvider: %v", err)
	}
	svc, err := gowmi.Connect(ctx, d.tcp, d.tls("tester", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	// The provider works in process as out of it.
	e, err := svc.CreateInstanceEnum(ctx, "OOP_Item", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := e.Next(ctx, wbem.Infinite, 10)
	_ = e.Close()
	if len(objs) != 5 {
		t.Errorf("%d items, want 5", len(objs))
	}
	_, err = svc.GetObject(ctx, "OOP_Item.Id=1", 0, nil)
	if !errors.Is(err, status.ErrTimedOut) {
		t.Errorf("a hung GetInstance: %v, want WBEM_E_TIMED_OUT", err)
	}
	<-p.getStarted
	if err := <-p.getEnded; err == nil {
		t.Error("the hung provider call was not cancelled")
	}
	if d.hub.Stats().Timeouts != 1 {
		t.Errorf("timeouts = %d", d.hub.Stats().Timeouts)
	}
}

// Shutting the daemon down ends every pending call with a final status
// that reaches its client, then ends the sessions.
func TestGracefulShutdown(t *testing.T) {
	d := startDaemon(t, nil)
	ctx := context.Background()
	svc, err := gowmi.Connect(ctx, d.tcp, d.tls("tester", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := wbemtest.Setup(ctx, svc); err != nil {
		t.Fatal(err)
	}
	d.prov.Script(wbemtest.ItemClass, wbemtest.Script{Count: 1 << 40, Fault: wbemtest.Fault{Kind: wbemtest.FaultBlock, After: 1}})
	mark := d.prov.Mark()
	sinks := []*finalSink{newFinalSink(), newFinalSink(), newFinalSink()}
	for _, s := range sinks {
		if err := svc.CreateInstanceEnumAsync(ctx, wbemtest.ItemClass, 0, nil, s); err != nil {
			t.Fatal(err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := d.prov.Wait(wctx, mark, func(calls []wbemtest.CallInfo) bool {
		n := 0
		for _, c := range calls {
			if c.Blocked {
				n++
			}
		}
		return n == len(sinks)
	}); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(wctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, s := range sinks {
		if hr := waitFinal(t, s); hr != status.ShuttingDown {
			t.Errorf("a pending call ended with %s, want WBEM_E_SHUTTING_DOWN", hr)
		}
	}
	if _, err := svc.GetObject(ctx, wbemtest.StaticClass, 0, nil); err == nil {
		t.Error("a call after the shutdown succeeded")
	}
}
