package gowmi

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseTarget(t *testing.T) {
	for in, want := range map[string][2]string{
		"":                    {"unix", DefaultSocket},
		"local":               {"unix", DefaultSocket},
		"unix:///tmp/x.sock":  {"unix", "/tmp/x.sock"},
		"tcp://host:1234":     {"tcp", "host:1234"},
		"host":                {"tcp", "host:5990"},
		`\\server\root\cimv2`: {"tcp", "server:5990"},
		"tcp://[::1]":         {"tcp", "[::1]:5990"},
		"tls://10.0.0.1:5990": {"tcp", "10.0.0.1:5990"},
	} {
		n, a, err := parseTarget(in)
		if err != nil || n != want[0] || a != want[1] {
			t.Errorf("%q: %s %s %v, want %v", in, n, a, err, want)
		}
	}
}

// The embedded object manager is a target like the others.
func TestConnectEmbedded(t *testing.T) {
	ctx := context.Background()
	svc, err := Connect(ctx, "embedded://"+t.TempDir(), &Options{Namespace: "root"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	e, err := svc.CreateClassEnum(ctx, "", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := e.Next(ctx, wbem.Infinite, 1000)
	_ = e.Close()
	if len(objs) == 0 {
		t.Error("no classes in root")
	}
	if _, err := Connect(ctx, "embedded:", nil); !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("embedded: without an object manager: %v", err)
	}
	// Credentials on the local socket are refused before dialing.
	if _, err := Connect(ctx, "", &Options{User: "x", Password: "y"}); !errors.Is(err, status.ErrLocalCredentials) {
		t.Errorf("credentials on the local socket: %v", err)
	}
}
