package cimom

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/mof"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// newSchemaManager returns an object manager over a repository with the
// system classes and a MOF compiled into root\default.
func newSchemaManager(t *testing.T, src string) wbem.Services {
	t.Helper()
	ctx := context.Background()
	store := repository.NewMemory()
	if err := schema.Install(ctx, store); err != nil {
		t.Fatal(err)
	}
	err := store.Update(ctx, func(tx repository.Tx) error {
		u, err := mof.CompileString(src, mof.Options{Namespace: schema.NamespaceDefault, Schema: tx})
		if err != nil {
			return err
		}
		return u.Apply(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	om := New(store, &Options{Server: "TESTHOST"})
	svc, err := om.Connect(ctx, schema.NamespaceDefault, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		svc.Close()
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = om.Shutdown(sctx)
		store.Close()
	})
	return svc
}

func TestProviderRegistrationCodes(t *testing.T) {
	svc := newSchemaManager(t, `
instance of __Win32Provider { Name = "Ghost"; CLSID = "{00000000-0000-0000-0000-000000000001}"; };
[Dynamic, Provider("Ghost")] class Test_Ghost { [Key] string Name; };
[Dynamic, Provider("Nobody")] class Test_Orphan { [Key] string Name; };
`)
	ctx := context.Background()
	tests := []struct {
		class string
		want  error
	}{
		{"Test_Ghost", status.ErrProviderLoadFailure}, // registered, no implementation loaded
		{"Test_Orphan", status.ErrProviderNotFound},   // not registered at all
	}
	for _, tt := range tests {
		_, err := svc.CreateInstanceEnum(ctx, tt.class, 0, nil)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.class, err, tt.want)
		}
		var e *status.Error
		if errors.As(err, &e) && e.ProviderName == "" {
			t.Errorf("%s: the error names no provider", tt.class)
		}
	}
}

func TestAmendedQualifiers(t *testing.T) {
	svc := newSchemaManager(t, `
#pragma amendment("MS_409")
[Description("A setting") : Amended]
class Test_Setting
{
	[Key, Description("Its name") : Amended] string Name;
};
`)
	ctx := context.Background()
	plain, err := svc.GetObject(ctx, "Test_Setting", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Class().Qualifiers.Get("Description"); ok {
		t.Error("the locale-neutral class carries the amended Description")
	}
	amended, err := svc.GetObject(ctx, "Test_Setting", wbem.FlagUseAmendedQualifiers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := amended.Class()
	q, ok := c.Qualifiers.Get("Description")
	if !ok || q.Value.String() != "A setting" || q.Flavor&cim.FlavorAmended == 0 {
		t.Errorf("class Description = %+v, %v", q, ok)
	}
	if pq, ok := c.Property("Name").Qualifiers.Get("Description"); !ok || pq.Value.String() != "Its name" {
		t.Errorf("property Description = %+v, %v", pq, ok)
	}
}
