package wql

import (
	"strings"

	"github.com/gowmi/gowmi/cim"
)

// projection is the projected form of one class: a class holding only the
// selected properties.
type projection struct {
	class *cim.Class // the projected class, or nil when nothing is dropped
	src   []int      // for each property of class, its position in the source class
	names []string   // the same properties by name, for objects that are not *cim.Instance
	keys  bool       // every key is selected: the result has a path
}

// Project returns the object as the query's property list shapes it, as
// WMI returns results of "SELECT p1, p2 FROM C": an instance of a class of
// the same name that holds only the selected properties (an embedded object
// selected by a dotted path, as in SELECT TargetInstance.Name, is kept
// whole), with the system properties. __PATH, __RELPATH, __SERVER and
// __NAMESPACE are NULL unless every key property is selected; WMI adds no
// keys (WBEM_FLAG_ENSURE_LOCATABLE aside).
//
// For SELECT *, for classes (schema queries) and when every property is
// selected, Project returns o itself. Names the class lacks are ignored, as
// WMI accepts them. Selecting __PATH or __RELPATH selects the keys, as WMI's
// provider framework does, so that the path can be formed.
func (q *Query) Project(o cim.Object) (cim.Object, error) {
	if q.stmt.Properties == nil || o.Genus() != cim.GenusInstance {
		return o, nil
	}
	c := o.Class()
	var pj *projection
	if v, ok := q.proj.Load(c); ok {
		pj = v.(*projection)
	} else {
		var err error
		if pj, err = q.newProjection(c); err != nil {
			return nil, err
		}
		q.proj.Store(c, pj)
	}
	if pj.class == nil {
		return o, nil
	}
	out, err := pj.class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	inst, _ := o.(*cim.Instance)
	for i, src := range pj.src {
		var v cim.Value
		if inst != nil {
			v = inst.At(src)
		} else if v, err = o.Get(pj.names[i]); err != nil {
			continue
		}
		if v.IsNull() {
			continue
		}
		if err := out.PutAt(i, v); err != nil {
			return nil, err
		}
	}
	if inst != nil {
		out.Qualifiers = inst.Qualifiers.Clone()
	}
	if pj.keys {
		// Only a locatable result says where it comes from.
		if inst != nil {
			out.Namespace, out.Server = inst.Namespace, inst.Server
		} else if p, err := o.Path(); err == nil {
			out.Namespace, out.Server = p.Namespace, p.Server
		}
	}
	return out, nil
}

// newProjection builds the projected class of c.
func (q *Query) newProjection(c *cim.Class) (*projection, error) {
	want := map[string]bool{}
	withKeys := false
	for _, p := range q.stmt.Properties {
		name := p.Path[0]
		switch {
		case strings.EqualFold(name, "__PATH"), strings.EqualFold(name, "__RELPATH"):
			withKeys = true
		case !strings.HasPrefix(name, "__"):
			want[strings.ToLower(name)] = true
		}
	}
	all := c.AllProperties()
	if withKeys {
		for _, p := range all {
			if p.IsKey() {
				want[strings.ToLower(p.Name)] = true
			}
		}
	}
	pj := &projection{}
	keysSelected := true
	for _, p := range all {
		if p.IsKey() && !want[strings.ToLower(p.Name)] {
			keysSelected = false
		}
	}
	pj.keys = keysSelected
	pc := cim.NewClass(c.Name, nil)
	if keysSelected {
		pc.Namespace, pc.Server = c.Namespace, c.Server
	}
	for _, qu := range c.AllQualifiers() {
		if strings.EqualFold(qu.Name, "Abstract") {
			continue
		}
		if !keysSelected && strings.EqualFold(qu.Name, "Singleton") {
			continue
		}
		qu.Flavor &^= cim.FlavorMaskOrigin
		pc.Qualifiers = append(pc.Qualifiers, qu)
	}
	for i, p := range all {
		if !want[strings.ToLower(p.Name)] {
			continue
		}
		np := p.Clone()
		np.Origin = ""
		np.Value = cim.Null(p.Type)
		if !keysSelected {
			if k := np.Qualifiers.Index("Key"); k >= 0 {
				np.Qualifiers = append(np.Qualifiers[:k:k], np.Qualifiers[k+1:]...)
			}
		}
		for k := range np.Qualifiers {
			np.Qualifiers[k].Flavor &^= cim.FlavorMaskOrigin
		}
		pc.Properties = append(pc.Properties, np)
		pj.src = append(pj.src, i)
		pj.names = append(pj.names, p.Name)
	}
	if len(pc.Properties) == len(all) {
		return pj, nil // every property is selected: nothing to drop
	}
	if err := pc.Validate(); err != nil {
		return nil, err
	}
	pj.class = pc
	return pj, nil
}
