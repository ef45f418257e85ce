package wbem

import (
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Context is IWbemContext: named values a caller passes to the object
// manager and its providers with a call. A nil *Context is valid and empty.
// Names are case-insensitive. A Context is safe for concurrent use.
type Context struct {
	mu     sync.RWMutex
	values map[string]contextValue
}

type contextValue struct {
	name  string
	value cim.Value
}

// Well-known context names.
const (
	ContextProviderArchitecture = "__ProviderArchitecture"
	ContextCorrelationID        = "__CorrelationId"
	ContextGetExtensions        = "__GET_EXTENSIONS"
	ContextGetExtProperties     = "__GET_EXT_PROPERTIES"
	ContextGetExtKeysOnly       = "__GET_EXT_KEYS_ONLY"
	ContextPutExtensions        = "__PUT_EXTENSIONS"
	ContextPutExtProperties     = "__PUT_EXT_PROPERTIES"
)

// NewContext returns an empty Context.
func NewContext() *Context { return &Context{} }

// SetValue sets a named value. An empty name is WBEM_E_INVALID_PARAMETER.
func (c *Context) SetValue(name string, v cim.Value) error {
	if c == nil || name == "" {
		return status.New(status.InvalidParameter, "SetValue needs a context and a name")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.values == nil {
		c.values = map[string]contextValue{}
	}
	c.values[strings.ToLower(name)] = contextValue{name, v}
	return nil
}

// GetValue returns a named value; a missing one is WBEM_E_NOT_FOUND.
func (c *Context) GetValue(name string) (cim.Value, error) {
	if c != nil {
		c.mu.RLock()
		defer c.mu.RUnlock()
		if v, ok := c.values[strings.ToLower(name)]; ok {
			return v.value, nil
		}
	}
	return cim.Value{}, status.Errorf(status.NotFound, "context has no value %s", name)
}

// DeleteValue removes a named value; removing a missing one is not an error.
func (c *Context) DeleteValue(name string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.values, strings.ToLower(name))
}

// DeleteAll removes every value.
func (c *Context) DeleteAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.values)
}

// Names returns the names of the values, sorted.
func (c *Context) Names() []string {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.values))
	for _, v := range c.values {
		out = append(out, v.name)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// Clone returns an independent copy; Clone of nil is nil.
func (c *Context) Clone() *Context {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return &Context{values: maps.Clone(c.values)}
}

// Len returns the number of values.
func (c *Context) Len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.values)
}
