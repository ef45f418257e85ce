package wbem

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestContextValues(t *testing.T) {
	c := NewContext()
	if c.Len() != 0 || len(c.Names()) != 0 {
		t.Fatalf("new context has %d values", c.Len())
	}
	if err := c.SetValue("__ProviderArchitecture", cim.Sint32(64)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetValue("Alpha", cim.String("a")); err != nil {
		t.Fatal(err)
	}
	// Names are case-insensitive: this replaces Alpha, keeping the new case.
	if err := c.SetValue("ALPHA", cim.String("b")); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
	v, err := c.GetValue("alpha")
	if err != nil || !v.Equal(cim.String("b")) {
		t.Errorf("GetValue(alpha) = %v, %v", v, err)
	}
	if got := c.Names(); !slices.Equal(got, []string{"__ProviderArchitecture", "ALPHA"}) {
		t.Errorf("Names = %q", got)
	}
	if _, err := c.GetValue("missing"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("GetValue(missing): %v, want WBEM_E_NOT_FOUND", err)
	}
	if err := c.SetValue("", cim.String("x")); !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("SetValue with no name: %v, want WBEM_E_INVALID_PARAMETER", err)
	}
	c.DeleteValue("missing") // not an error
	c.DeleteValue("__PROVIDERARCHITECTURE")
	if c.Len() != 1 {
		t.Errorf("Len after DeleteValue = %d", c.Len())
	}
	c.DeleteAll()
	if c.Len() != 0 || len(c.Names()) != 0 {
		t.Errorf("Len after DeleteAll = %d", c.Len())
	}
	if err := c.SetValue("again", cim.Boolean(true)); err != nil {
		t.Errorf("SetValue after DeleteAll: %v", err)
	}
}

func TestNilContext(t *testing.T) {
	var c *Context
	if c.Len() != 0 || c.Names() != nil || c.Clone() != nil {
		t.Error("a nil context is not empty")
	}
	if _, err := c.GetValue("x"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("GetValue on nil: %v", err)
	}
	if err := c.SetValue("x", cim.String("x")); !errors.Is(err, status.ErrInvalidParameter) {
		t.Errorf("SetValue on nil: %v", err)
	}
	c.DeleteValue("x")
	c.DeleteAll()
}

func TestContextClone(t *testing.T) {
	c := NewContext()
	_ = c.SetValue("A", cim.Uint32(1))
	d := c.Clone()
	_ = d.SetValue("B", cim.Uint32(2))
	_ = c.SetValue("A", cim.Uint32(3))
	if c.Len() != 1 || d.Len() != 2 {
		t.Errorf("clone shares values: %d, %d", c.Len(), d.Len())
	}
	if v, _ := d.GetValue("a"); !v.Equal(cim.Uint32(1)) {
		t.Errorf("clone's A = %v, want 1", v)
	}
	var empty Context
	if e := empty.Clone(); e == nil || e.Len() != 0 {
		t.Error("clone of an empty context")
	}
	if err := empty.Clone().SetValue("x", cim.Uint8(1)); err != nil {
		t.Errorf("SetValue on a clone of an empty context: %v", err)
	}
}

func TestContextConcurrent(t *testing.T) {
	c := NewContext()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				name := fmt.Sprintf("v%d", i%10)
				_ = c.SetValue(name, cim.Sint32(int32(g)))
				_, _ = c.GetValue(name)
				_ = c.Names()
				_ = c.Clone()
				if i%50 == 0 {
					c.DeleteValue(name)
				}
			}
		})
	}
	wg.Wait()
	if c.Len() > 10 {
		t.Errorf("%d values, at most 10 names were used", c.Len())
	}
}
