package security

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseAndRights(t *testing.T) {
	sd, err := ParseSD("# test\nallow * enable,execute\nallow group:ops all\ndeny user:bob execute\nprotected\n")
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseSD(sd.String())
	if err != nil || again.String() != sd.String() || !again.Protected {
		t.Fatalf("round trip: %q, %v", again.String(), err)
	}
	for _, c := range []struct {
		p    Principal
		want wbem.Rights
	}{
		{Principal{User: "alice", UID: 1000}, wbem.RightEnable | wbem.RightMethodExecute},
		{Principal{User: "bob", UID: 1001}, wbem.RightEnable},
		{Principal{User: "carol", Groups: []string{"ops"}}, wbem.RightsAll},
	} {
		if got := Rights(sd.Entries, c.p); got != c.want {
			t.Errorf("%s: %s, want %s", c.p.User, got, c.want)
		}
	}
	for _, bad := range []string{"allow", "permit * enable", "allow nobody enable", "allow * flying", "allow uid:x all"} {
		if _, err := ParseSD(bad); !errors.Is(err, status.ErrInvalidParameter) {
			t.Errorf("%q: %v, want WBEM_E_INVALID_PARAMETER", bad, err)
		}
	}
}

func newStore(t *testing.T) *repository.MemoryStore {
	ctx := context.Background()
	store := repository.NewMemory()
	t.Cleanup(func() { _ = store.Close() })
	if err := schema.Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	return store
}

func TestManagerInheritance(t *testing.T) {
	ctx := context.Background()
	m := NewManager(newStore(t))
	m.Resolve = func(name string) Principal { return Principal{User: name, UID: -1, GID: -1} }
	r, err := m.Rights(ctx, `root\cimv2`, "alice")
	if err != nil || r != wbem.RightsDefaultUser {
		t.Fatalf("default rights: %s, %v", r, err)
	}
	if err := m.SetSD(ctx, "root", SD{Entries: []Entry{{Allow: true, Who: "user:alice", Rights: wbem.RightsAll}}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := m.Rights(ctx, `root\cimv2`, "alice"); r != wbem.RightsAll {
		t.Errorf("inherited: %s", r)
	}
	if err := m.SetSD(ctx, `root\cimv2`, SD{Protected: true, Entries: []Entry{{Allow: true, Who: "*", Rights: wbem.RightEnable}}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := m.Rights(ctx, `root\cimv2`, "alice"); r != wbem.RightEnable {
		t.Errorf("protected: %s", r)
	}
	sd, err := m.GetSD(ctx, `root\cimv2`)
	if err != nil || !sd.Protected || len(sd.Entries) != 1 {
		t.Errorf("GetSD: %+v, %v", sd, err)
	}
}

// The provider serves __SystemSecurity through the object manager.
func TestProviderThroughObjectManager(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	m := NewManager(store)
	m.Resolve = func(name string) Principal { return Principal{User: name, UID: -1, GID: -1} }
	if err := m.Install(ctx); err != nil {
		t.Fatal(err)
	}
	om := cimom.New(store, nil)
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = om.Shutdown(sctx)
	}()
	if err := om.RegisterProvider(ProviderName, Provider{M: m}); err != nil {
		t.Fatal(err)
	}
	connect := func(user string) wbem.Services {
		svc, err := om.Connect(ctx, `root\cimv2`, &cimom.ConnectOptions{User: user,
			Rights: func(ctx context.Context, ns string) (wbem.Rights, error) { return m.Rights(ctx, ns, user) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = svc.Close() })
		return svc
	}
	if err := m.SetSD(ctx, "root", SD{Entries: []Entry{
		{Allow: true, Who: "user:admin", Rights: wbem.RightsAll},
		{Allow: true, Who: "*", Rights: wbem.RightsDefaultUser},
	}}); err != nil {
		t.Fatal(err)
	}
	admin, user := connect("admin"), connect("alice")
	out, err := user.ExecMethod(ctx, "__SystemSecurity=@", "GetCallerAccessRights", 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := out.Get("rights"); v.String() != cim.Sint32(int32(wbem.RightsDefaultUser)).String() {
		t.Errorf("rights = %v", v)
	}
	if _, err := user.ExecMethod(ctx, "__SystemSecurity=@", "GetSD", 0, nil, nil); !errors.Is(err, status.ErrAccessDenied) {
		t.Errorf("GetSD without read-security: %v", err)
	}
	cls, err := admin.GetObject(ctx, "__SystemSecurity", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := cls.(*cim.Class).GetMethod("SetSD")
	if err != nil {
		t.Fatal(err)
	}
	args := in.MustSpawn()
	text := []byte("allow user:admin all\nallow user:alice enable,execute,read-security\nprotected\n")
	elems := make([]cim.Value, len(text))
	for i, b := range text {
		elems[i] = cim.Uint8(b)
	}
	args.MustPut("SD", cim.MustArray(cim.TypeUint8, elems...))
	if _, err := admin.ExecMethod(ctx, "__SystemSecurity=@", "SetSD", 0, nil, args); err != nil {
		t.Fatal(err)
	}
	// New connections see the new rights.
	alice := connect("alice")
	if _, err := alice.ExecMethod(ctx, "__SystemSecurity=@", "GetSD", 0, nil, nil); err != nil {
		t.Errorf("GetSD with read-security: %v", err)
	}
	if _, err := alice.ExecMethod(ctx, "__SystemSecurity=@", "SetSD", 0, nil, args); !errors.Is(err, status.ErrAccessDenied) {
		t.Errorf("SetSD without write-security: %v", err)
	}
}
