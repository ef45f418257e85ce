package cimom

import (
	"context"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
)

// enumerateForEvents is the event subsystem's entry point for WITHIN
// polling: the instances of a class and its subclasses, from the
// repository and the providers, as CreateInstanceEnum would return them,
// read on an internal connection with every right (the subscription's
// rights were checked when it was made). It stops when ctx ends.
func (om *ObjectManager) enumerateForEvents(ctx context.Context, ns, class string) ([]*cim.Instance, error) {
	s := &services{conn: &conn{om: om}, ns: ns, rights: wbem.RightsAll}
	c, err := s.getClass(ctx, class)
	if err != nil {
		return nil, err
	}
	col := &collector{ctx: ctx, quota: om.opts.EnumeratorQuota}
	if err := s.enumerate(ctx, c, enumSpec{deep: true}, col); err != nil {
		return nil, err
	}
	out := make([]*cim.Instance, 0, len(col.objs))
	for _, o := range col.objs {
		if inst, ok := o.(*cim.Instance); ok {
			out = append(out, inst)
		}
	}
	return out, nil
}
