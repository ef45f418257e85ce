package wbem

import (
	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// extendedStatusClass is __ExtendedStatus as WMI defines it (StatusCode
// from __NotifyStatus, then Description, Operation, ParameterInfo and
// ProviderName), built in so that a failure can be reported whatever
// classes a namespace holds.
var extendedStatusClass = func() *cim.Class {
	notify := &cim.Class{Name: "__NotifyStatus", Properties: []*cim.Property{{Name: "StatusCode", Type: cim.TypeUint32}}}
	ext := cim.NewClass("__ExtendedStatus", notify)
	for _, n := range []string{"Description", "Operation", "ParameterInfo", "ProviderName"} {
		ext.Properties = append(ext.Properties, &cim.Property{Name: n, Type: cim.TypeString})
	}
	if err := ext.Validate(); err != nil {
		panic(err)
	}
	return ext
}()

// ExtendedStatus returns the __ExtendedStatus object of a failure, as a
// final SetStatus carries it: the inverse of ResultError. ProviderName is
// "Windows Management" when no provider is named, as in WMI. A nil error
// gives nil.
func ExtendedStatus(e *status.Error) *cim.Instance {
	if e == nil {
		return nil
	}
	inst := extendedStatusClass.MustSpawn()
	_ = inst.Put("StatusCode", cim.Uint32(uint32(e.Code)))
	put := func(name, v string) {
		if v != "" {
			_ = inst.Put(name, cim.String(v))
		}
	}
	put("Description", e.Description)
	put("Operation", e.Operation)
	put("ParameterInfo", e.ParameterInfo)
	provider := e.ProviderName
	if provider == "" {
		provider = "Windows Management"
	}
	put("ProviderName", provider)
	return inst
}
