package wbemtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// --- running one call in each mode ---------------------------------------

// modes are the three ways to call a method.
var modes = []wbem.Mode{wbem.Sync, wbem.Semisync, wbem.Async}

func modeName(m wbem.Mode) string {
	return [...]string{"Sync", "Semisync", "Async"}[m]
}

// enumerate runs an enumerating call in a mode and returns its objects:
// start runs it synchronously (flags as given), semisynchronously (with
// FlagReturnImmediately|FlagForwardOnly added) or asynchronously (on a
// sink, which is checked).
func (c *tc) enumerate(mode wbem.Mode, flags wbem.Flags,
	sync func(flags wbem.Flags) (wbem.Enumerator, error),
	async func(flags wbem.Flags, s wbem.Sink) error) ([]cim.Object, error) {
	c.Helper()
	switch mode {
	case wbem.Async:
		s := c.sink("async")
		if err := async(flags, s); err != nil {
			return nil, err
		}
		fin := s.waitFinal(c, c.bound)
		c.barrier()
		s.check(c, 1)
		_, objs := s.snapshot()
		return objs, wbem.ResultError(fin.hr, fin.obj)
	case wbem.Semisync:
		flags |= wbem.FlagReturnImmediately | wbem.FlagForwardOnly
	}
	e, err := sync(flags)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	return c.drain(e)
}

func (c *tc) instanceEnum(mode wbem.Mode, class string, flags wbem.Flags) ([]cim.Object, error) {
	return c.enumerate(mode, flags,
		func(f wbem.Flags) (wbem.Enumerator, error) { return c.svc.CreateInstanceEnum(c.ctx, class, f, nil) },
		func(f wbem.Flags, s wbem.Sink) error { return c.svc.CreateInstanceEnumAsync(c.ctx, class, f, nil, s) })
}

func (c *tc) classEnum(mode wbem.Mode, super string, flags wbem.Flags) ([]cim.Object, error) {
	return c.enumerate(mode, flags,
		func(f wbem.Flags) (wbem.Enumerator, error) { return c.svc.CreateClassEnum(c.ctx, super, f, nil) },
		func(f wbem.Flags, s wbem.Sink) error { return c.svc.CreateClassEnumAsync(c.ctx, super, f, nil, s) })
}

func (c *tc) query(mode wbem.Mode, q string) ([]cim.Object, error) {
	return c.enumerate(mode, 0,
		func(f wbem.Flags) (wbem.Enumerator, error) { return c.svc.ExecQuery(c.ctx, "WQL", q, f, nil) },
		func(f wbem.Flags, s wbem.Sink) error { return c.svc.ExecQueryAsync(c.ctx, "WQL", q, f, nil, s) })
}

// single runs a single-result call in a mode: sync returns the result,
// semi the CallResult (read with get), async starts it on a sink. It
// returns the object, the string result and the error.
type singleCall struct {
	sync  func() (cim.Object, string, error)
	semi  func() (wbem.CallResult, error)
	get   func(r wbem.CallResult) (cim.Object, string, error)
	async func(s wbem.Sink) error
}

func (c *tc) single(mode wbem.Mode, call singleCall) (cim.Object, string, error) {
	c.Helper()
	switch mode {
	case wbem.Sync:
		return call.sync()
	case wbem.Semisync:
		r, err := call.semi()
		if err != nil {
			return nil, "", err
		}
		defer r.Close()
		return call.get(r)
	}
	s := c.sink("async")
	if err := call.async(s); err != nil {
		return nil, "", err
	}
	fin := s.waitFinal(c, c.bound)
	c.barrier()
	s.check(c, 1)
	_, objs := s.snapshot()
	var obj cim.Object
	if len(objs) > 0 {
		obj = objs[0]
	}
	if len(objs) > 1 {
		c.Errorf("a single-result call indicated %d objects", len(objs))
	}
	return obj, fin.param, wbem.ResultError(fin.hr, fin.obj)
}

func getObject(r wbem.CallResult, c *tc) (cim.Object, string, error) {
	o, err := r.GetResultObject(c.ctx, wbem.Infinite)
	return o, "", err
}

func getString(r wbem.CallResult, c *tc) (cim.Object, string, error) {
	s, err := r.GetResultString(c.ctx, wbem.Infinite)
	return nil, s, err
}

func getStatus(r wbem.CallResult, c *tc) (cim.Object, string, error) {
	code, err := r.GetCallStatus(c.ctx, wbem.Infinite)
	if err != nil {
		return nil, "", err
	}
	return nil, "", code.Err()
}

func (c *tc) getObjectIn(mode wbem.Mode, path string) (cim.Object, error) {
	o, _, err := c.single(mode, singleCall{
		sync: func() (cim.Object, string, error) {
			o, err := c.svc.GetObject(c.ctx, path, 0, nil)
			return o, "", err
		},
		semi: func() (wbem.CallResult, error) {
			return c.svc.GetObjectCall(c.ctx, path, wbem.FlagReturnImmediately, nil)
		},
		get:   func(r wbem.CallResult) (cim.Object, string, error) { return getObject(r, c) },
		async: func(s wbem.Sink) error { return c.svc.GetObjectAsync(c.ctx, path, 0, nil, s) },
	})
	return o, err
}

func (c *tc) putInstanceIn(mode wbem.Mode, inst *cim.Instance, flags wbem.Flags) (string, error) {
	_, p, err := c.single(mode, singleCall{
		sync: func() (cim.Object, string, error) {
			p, err := c.svc.PutInstance(c.ctx, inst, flags, nil)
			return nil, p, err
		},
		semi: func() (wbem.CallResult, error) {
			return c.svc.PutInstanceCall(c.ctx, inst, flags|wbem.FlagReturnImmediately, nil)
		},
		get:   func(r wbem.CallResult) (cim.Object, string, error) { return getString(r, c) },
		async: func(s wbem.Sink) error { return c.svc.PutInstanceAsync(c.ctx, inst, flags, nil, s) },
	})
	return p, err
}

func (c *tc) deleteInstanceIn(mode wbem.Mode, path string) error {
	_, _, err := c.single(mode, singleCall{
		sync: func() (cim.Object, string, error) { return nil, "", c.svc.DeleteInstance(c.ctx, path, 0, nil) },
		semi: func() (wbem.CallResult, error) {
			return c.svc.DeleteInstanceCall(c.ctx, path, wbem.FlagReturnImmediately, nil)
		},
		get:   func(r wbem.CallResult) (cim.Object, string, error) { return getStatus(r, c) },
		async: func(s wbem.Sink) error { return c.svc.DeleteInstanceAsync(c.ctx, path, 0, nil, s) },
	})
	return err
}

func (c *tc) putClassIn(mode wbem.Mode, cl *cim.Class, flags wbem.Flags) error {
	_, _, err := c.single(mode, singleCall{
		sync: func() (cim.Object, string, error) { return nil, "", c.svc.PutClass(c.ctx, cl, flags, nil) },
		semi: func() (wbem.CallResult, error) {
			return c.svc.PutClassCall(c.ctx, cl, flags|wbem.FlagReturnImmediately, nil)
		},
		get:   func(r wbem.CallResult) (cim.Object, string, error) { return getStatus(r, c) },
		async: func(s wbem.Sink) error { return c.svc.PutClassAsync(c.ctx, cl, flags, nil, s) },
	})
	return err
}

func (c *tc) deleteClassIn(mode wbem.Mode, name string) error {
	_, _, err := c.single(mode, singleCall{
		sync: func() (cim.Object, string, error) { return nil, "", c.svc.DeleteClass(c.ctx, name, 0, nil) },
		semi: func() (wbem.CallResult, error) {
			return c.svc.DeleteClassCall(c.ctx, name, wbem.FlagReturnImmediately, nil)
		},
		get:   func(r wbem.CallResult) (cim.Object, string, error) { return getStatus(r, c) },
		async: func(s wbem.Sink) error { return c.svc.DeleteClassAsync(c.ctx, name, 0, nil, s) },
	})
	return err
}

func (c *tc) execMethodIn(mode wbem.Mode, path, method string, in *cim.Instance) (cim.Object, error) {
	o, _, err := c.single(mode, singleCall{
		sync: func() (cim.Object, string, error) {
			out, err := c.svc.ExecMethod(c.ctx, path, method, 0, nil, in)
			if out == nil {
				return nil, "", err
			}
			return out, "", err
		},
		semi: func() (wbem.CallResult, error) {
			return c.svc.ExecMethodCall(c.ctx, path, method, wbem.FlagReturnImmediately, nil, in)
		},
		get:   func(r wbem.CallResult) (cim.Object, string, error) { return getObject(r, c) },
		async: func(s wbem.Sink) error { return c.svc.ExecMethodAsync(c.ctx, path, method, 0, nil, in, s) },
	})
	return o, err
}

// strProp returns a string property, or "" when it is missing or NULL.
func strProp(o cim.Object, name string) string {
	if o == nil {
		return ""
	}
	v, err := o.Get(name)
	if err != nil {
		return ""
	}
	s, _ := v.Str()
	return s
}

// --- Modes ----------------------------------------------------------------

func modesGetObject(c *tc) {
	c.script(ItemExClass, Script{Count: 1})
	for _, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			o, err := c.getObjectIn(mode, ItemClass)
			c.mustOK("GetObject(class)", err)
			cl, ok := o.(*cim.Class)
			if !ok || cl.Name != ItemClass || o.Genus() != cim.GenusClass {
				c.Fatalf("GetObject(%s) = %v", ItemClass, o)
			}
			if p := cl.Property("Id"); p == nil || !p.IsKey() || p.Type != cim.TypeUint64 {
				c.Errorf("class %s has no uint64 key Id: %v", ItemClass, cl.MOF())
			}
			if cl.Provider() != ProviderName || !cl.IsDynamic() {
				c.Errorf("class %s lost its Dynamic and Provider qualifiers: %v", ItemClass, cl.MOF())
			}

			o, err = c.getObjectIn(mode, ItemPath(3))
			c.mustOK("GetObject(dynamic instance)", err)
			if o.Genus() != cim.GenusInstance || o.ClassName() != ItemClass || strProp(o, "Name") != "item-3" || c.uintProp(o, "Size") != 3 {
				c.Errorf("GetObject(%s) = %v", ItemPath(3), o)
			}
			if r := strProp(o, "__RELPATH"); r != ItemPath(3) {
				c.Errorf("__RELPATH of %s = %q", ItemPath(3), r)
			}
			if p := strProp(o, "__PATH"); !strings.HasSuffix(p, ":"+ItemPath(3)) || !strings.Contains(strings.ToLower(p), strings.ToLower(c.svc.Namespace())) {
				c.Errorf("__PATH of %s = %q, want it in namespace %s", ItemPath(3), p, c.svc.Namespace())
			}

			o, err = c.getObjectIn(mode, StaticPath("a"))
			c.mustOK("GetObject(static instance)", err)
			if c.uintProp(o, "Value") != 1 {
				c.Errorf("GetObject(%s) = %v", StaticPath("a"), o)
			}

			// An instance of a subclass, by a path naming the superclass.
			o, err = c.getObjectIn(mode, ItemPath(ItemExFirstID))
			c.mustOK("GetObject(subclass instance through its superclass)", err)
			if o.ClassName() != ItemExClass {
				c.Errorf("GetObject(%s) is a %s, want the %s", ItemPath(ItemExFirstID), o.ClassName(), ItemExClass)
			}

			_, err = c.getObjectIn(mode, "WbemTest_NoSuchClass")
			c.wantCode("GetObject of a missing class", err, status.NotFound, status.InvalidClass)
			_, err = c.getObjectIn(mode, ItemPath(999))
			c.wantCode("GetObject of a missing dynamic instance", err, status.NotFound)
			_, err = c.getObjectIn(mode, StaticPath("no-such"))
			c.wantCode("GetObject of a missing static instance", err, status.NotFound)
			_, err = c.getObjectIn(mode, "WbemTest_Item.Id=")
			c.wantCode("GetObject of a malformed path", err, status.InvalidObjectPath, status.InvalidParameter)
		})
	}
	o, err := c.svc.GetObject(c.ctx, "", 0, nil)
	c.mustOK(`GetObject("")`, err)
	if o == nil || o.Genus() != cim.GenusClass {
		c.Errorf(`GetObject("") = %v, want an empty class`, o)
	}
}

func modesPutDeleteStatic(c *tc) {
	for _, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			name := "put-" + strings.ToLower(modeName(mode))
			c.cleanupStatic(name, name+"-missing")
			p, err := c.putInstanceIn(mode, c.newStatic(name, 5), 0)
			c.mustOK("PutInstance", err)
			if !strings.Contains(p, name) || !strings.Contains(p, StaticClass) {
				c.Errorf("PutInstance returned path %q", p)
			}
			if o, err := c.getObjectIn(mode, StaticPath(name)); err != nil || c.uintProp(o, "Value") != 5 {
				c.Errorf("GetObject after PutInstance: %v, %v", o, err)
			}
			_, err = c.putInstanceIn(mode, c.newStatic(name, 6), wbem.FlagUpdateOnly)
			c.mustOK("PutInstance(UPDATE_ONLY)", err)
			if o, err := c.getObjectIn(mode, StaticPath(name)); err != nil || c.uintProp(o, "Value") != 6 {
				c.Errorf("GetObject after an update: %v, %v", o, err)
			}
			_, err = c.putInstanceIn(mode, c.newStatic(name, 7), wbem.FlagCreateOnly)
			c.wantCode("PutInstance(CREATE_ONLY) of an existing instance", err, status.AlreadyExists)
			_, err = c.putInstanceIn(mode, c.newStatic(name+"-missing", 7), wbem.FlagUpdateOnly)
			c.wantCode("PutInstance(UPDATE_ONLY) of a missing instance", err, status.NotFound)
			c.mustOK("DeleteInstance", c.deleteInstanceIn(mode, StaticPath(name)))
			_, err = c.getObjectIn(mode, StaticPath(name))
			c.wantCode("GetObject after DeleteInstance", err, status.NotFound)
			c.wantCode("DeleteInstance of a missing instance", c.deleteInstanceIn(mode, StaticPath(name)), status.NotFound)
		})
	}
}

func modesPutDeleteDynamic(c *tc) {
	for i, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			id := uint64(500 + 10*i)
			mark := c.p.Mark()
			_, err := c.putInstanceIn(mode, c.newItem(id), 0)
			c.mustOK("PutInstance of a new item", err)
			if o, err := c.getObjectIn(mode, ItemPath(id)); err != nil || strProp(o, "Name") != strProp(c.newItem(id), "Name") {
				c.Errorf("GetObject after PutInstance: %v, %v", o, err)
			}
			upd := c.newItem(id)
			c.mustOK("Put", upd.Put("Name", cim.String("renamed")))
			_, err = c.putInstanceIn(mode, upd, wbem.FlagUpdateOnly)
			c.mustOK("PutInstance(UPDATE_ONLY)", err)
			if o, err := c.getObjectIn(mode, ItemPath(id)); err != nil || strProp(o, "Name") != "renamed" {
				c.Errorf("GetObject after an update: %v, %v", o, err)
			}
			_, err = c.putInstanceIn(mode, c.newItem(3), wbem.FlagCreateOnly)
			c.wantCode("PutInstance(CREATE_ONLY) of an existing item", err, status.AlreadyExists)
			c.mustOK("DeleteInstance", c.deleteInstanceIn(mode, ItemPath(id)))
			_, err = c.getObjectIn(mode, ItemPath(id))
			c.wantCode("GetObject after DeleteInstance", err, status.NotFound)
			c.wantCode("DeleteInstance of a missing item", c.deleteInstanceIn(mode, ItemPath(999)), status.NotFound)
			ops := map[Op]int{}
			for _, ci := range c.p.CallsSince(mark) {
				ops[ci.Op]++
			}
			if ops[OpCreate] == 0 || ops[OpModify] == 0 || ops[OpDelete] == 0 {
				c.Errorf("the provider was not asked to create, modify and delete: %v", ops)
			}
		})
	}
	c.sub("EnumerationSeesWrites", func(c *tc) {
		_, err := c.svc.PutInstance(c.ctx, c.newItem(777), wbem.FlagCreateOnly, nil)
		c.mustOK("PutInstance", err)
		c.mustOK("DeleteInstance", c.svc.DeleteInstance(c.ctx, ItemPath(4), 0, nil))
		objs, err := c.instanceEnum(wbem.Sync, ItemClass, wbem.FlagShallow)
		c.mustOK("CreateInstanceEnum", err)
		want := []uint64{0, 1, 2, 3, 5, 6, 7, 8, 9, 777}
		if got := c.ids(objs); !slices.Equal(got, want) {
			c.Errorf("items after writes: %v, want %v", got, want)
		}
	})
}

func modesPutDeleteClass(c *tc) {
	for _, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			name := "WbemTest_Tmp" + modeName(mode)
			cl := c.tmpClass(name)
			c.mustOK("PutClass", c.putClassIn(mode, cl, 0))
			o, err := c.getObjectIn(mode, name)
			c.mustOK("GetObject of the new class", err)
			if got, ok := o.(*cim.Class); !ok || got.Property("Value") == nil {
				c.Errorf("GetObject(%s) = %v", name, o)
			}
			c.wantCode("PutClass(CREATE_ONLY) of an existing class", c.putClassIn(mode, cl, wbem.FlagCreateOnly), status.AlreadyExists)
			c.wantCode("PutClass(UPDATE_ONLY) of a missing class",
				c.putClassIn(mode, c.tmpClass(name+"Missing"), wbem.FlagUpdateOnly), status.NotFound)

			// DeleteClass deletes the subclasses and instances too.
			sub := cim.NewClass(name+"Sub", o.(*cim.Class))
			sub.Properties = []*cim.Property{{Name: "Extra", Type: cim.TypeString}}
			c.mustOK("PutClass of a subclass", c.svc.PutClass(c.ctx, sub, 0, nil))
			inst, err := sub.SpawnInstance()
			c.mustOK("SpawnInstance", err)
			c.mustOK("Put", inst.Put("Name", cim.String("one")))
			_, err = c.svc.PutInstance(c.ctx, inst, 0, nil)
			c.mustOK("PutInstance", err)
			c.mustOK("DeleteClass", c.deleteClassIn(mode, name))
			_, err = c.getObjectIn(mode, name)
			c.wantCode("GetObject of the deleted class", err, status.NotFound, status.InvalidClass)
			_, err = c.getObjectIn(mode, sub.Name)
			c.wantCode("GetObject of the deleted class's subclass", err, status.NotFound, status.InvalidClass)
			c.wantCode("DeleteClass of a missing class", c.deleteClassIn(mode, name), status.NotFound, status.InvalidClass)
		})
	}
}

func modesCreateClassEnum(c *tc) {
	for _, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			check := func(super string, flags wbem.Flags, want, notWant []string) {
				c.Helper()
				objs, err := c.classEnum(mode, super, flags)
				c.mustOK("CreateClassEnum("+super+")", err)
				var got []string
				for _, o := range objs {
					if o.Genus() != cim.GenusClass {
						c.Errorf("CreateClassEnum returned an instance %v", o)
					}
					got = append(got, o.ClassName())
				}
				for _, w := range want {
					if !slices.Contains(got, w) {
						c.Errorf("CreateClassEnum(%q, %#x) = %v, missing %s", super, int32(flags), got, w)
					}
				}
				for _, w := range notWant {
					if slices.Contains(got, w) {
						c.Errorf("CreateClassEnum(%q, %#x) = %v, should not hold %s", super, int32(flags), got, w)
					}
				}
			}
			check(ItemClass, wbem.FlagDeep, []string{ItemExClass}, []string{ItemClass})
			check(StaticClass, wbem.FlagShallow, []string{StaticExClass}, []string{StaticClass})
			check("", wbem.FlagShallow, []string{ItemClass, StaticClass, LinkClass, WorkerClass}, []string{ItemExClass, StaticExClass})
			check("", wbem.FlagDeep, []string{ItemClass, ItemExClass, StaticClass, StaticExClass, LinkClass, WorkerClass}, nil)
			_, err := c.classEnum(mode, "WbemTest_NoSuchClass", 0)
			c.wantCode("CreateClassEnum of a missing class", err, status.InvalidClass, status.NotFound)
		})
	}
}

func modesInstanceEnumDeepShallow(c *tc) {
	c.script(ItemClass, Script{Count: 3})
	c.script(ItemExClass, Script{Count: 2})
	for _, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			objs, err := c.instanceEnum(mode, ItemClass, wbem.FlagDeep)
			c.mustOK("CreateInstanceEnum(deep)", err)
			if got, want := c.ids(objs), []uint64{0, 1, 2, ItemExFirstID, ItemExFirstID + 1}; !slices.Equal(got, want) {
				c.Errorf("deep enumeration of %s: ids %v, want %v", ItemClass, got, want)
			}
			for _, o := range objs {
				if c.uintProp(o, "Id") >= ItemExFirstID && (o.ClassName() != ItemExClass || strProp(o, "Extra") == "") {
					c.Errorf("deep enumeration returned %v, want a %s with its Extra", o, ItemExClass)
				}
			}
			objs, err = c.instanceEnum(mode, ItemClass, wbem.FlagShallow)
			c.mustOK("CreateInstanceEnum(shallow)", err)
			if got := c.ids(objs); !slices.Equal(got, []uint64{0, 1, 2}) {
				c.Errorf("shallow enumeration of %s: ids %v", ItemClass, got)
			}
			objs, err = c.instanceEnum(mode, StaticClass, wbem.FlagDeep)
			c.mustOK("CreateInstanceEnum(static, deep)", err)
			if got := names(objs); !slices.Equal(got, []string{"a", "b", "c", "x"}) {
				c.Errorf("deep enumeration of %s: %v", StaticClass, got)
			}
			objs, err = c.instanceEnum(mode, StaticClass, wbem.FlagShallow)
			c.mustOK("CreateInstanceEnum(static, shallow)", err)
			if got := names(objs); !slices.Equal(got, []string{"a", "b", "c"}) {
				c.Errorf("shallow enumeration of %s: %v", StaticClass, got)
			}
			_, err = c.instanceEnum(mode, "WbemTest_NoSuchClass", 0)
			c.wantCode("CreateInstanceEnum of a missing class", err, status.InvalidClass, status.NotFound)
		})
	}
}

func modesExecQuery(c *tc) {
	for _, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			objs, err := c.query(mode, "SELECT * FROM "+ItemClass)
			c.mustOK("ExecQuery", err)
			if got := c.ids(objs); !slices.Equal(got, span(0, 10)) {
				c.Errorf("SELECT * FROM %s: ids %v", ItemClass, got)
			}
			objs, err = c.query(mode, "SELECT * FROM meta_class WHERE __CLASS = '"+ItemClass+"'")
			c.mustOK("schema query", err)
			if len(objs) != 1 || objs[0].Genus() != cim.GenusClass || objs[0].ClassName() != ItemClass {
				c.Errorf("schema query returned %v", objs)
			}
		})
	}
}

func modesExecMethod(c *tc) {
	for _, mode := range modes {
		c.sub(modeName(mode), func(c *tc) {
			out, err := c.execMethodIn(mode, WorkerClass, "Double", c.methodIn("Double", map[string]cim.Value{"Value": cim.Uint32(21)}))
			c.mustOK("static method Double", err)
			if out == nil || c.uintProp(out, "Result") != 42 || c.uintProp(out, "ReturnValue") != 0 {
				c.Errorf("Double(21) = %v, want Result 42 and ReturnValue 0", out)
			}
			out, err = c.execMethodIn(mode, WorkerPath("w0"), "Work", c.workIn(1))
			c.mustOK("instance method Work", err)
			if out == nil || c.uintProp(out, "Done") != 1 {
				c.Errorf("Work(1) = %v, want Done 1", out)
			}
			_, err = c.execMethodIn(mode, WorkerPath("w0"), "NoSuchMethod", nil)
			c.wantCode("a method the class does not have", err, status.InvalidMethod)
		})
	}
}

func modesOpenNamespace(c *tc) {
	nsClass, err := c.svc.GetObject(c.ctx, "__NAMESPACE", 0, nil)
	if err != nil {
		c.Skipf("no __NAMESPACE class to create a child namespace with: %v", err)
	}
	child, err := nsClass.(*cim.Class).SpawnInstance()
	c.mustOK("SpawnInstance(__NAMESPACE)", err)
	c.mustOK("Put", child.Put("Name", cim.String("wbemtest_child")))
	if _, err := c.svc.PutInstance(c.ctx, child, 0, nil); err != nil {
		c.Skipf("cannot create a child namespace: %v", err)
	}
	c.Cleanup(func() {
		_ = c.svc.DeleteInstance(c.ctx, `__NAMESPACE.Name="wbemtest_child"`, 0, nil)
	})
	want := strings.ToLower(c.svc.Namespace() + `\wbemtest_child`)
	sub, err := c.svc.OpenNamespace(c.ctx, "wbemtest_child", 0, nil)
	c.mustOK("OpenNamespace", err)
	if strings.ToLower(sub.Namespace()) != want {
		c.Errorf("OpenNamespace: namespace %q, want %q", sub.Namespace(), want)
	}
	_ = sub.Close()
	r, err := c.svc.OpenNamespaceCall(c.ctx, "wbemtest_child", wbem.FlagReturnImmediately, nil)
	c.mustOK("OpenNamespaceCall", err)
	sub, err = r.GetResultServices(c.ctx, wbem.Infinite)
	c.mustOK("GetResultServices", err)
	if strings.ToLower(sub.Namespace()) != want {
		c.Errorf("OpenNamespaceCall: namespace %q, want %q", sub.Namespace(), want)
	}
	_ = sub.Close()
	_, err = r.GetResultObject(c.ctx, wbem.Infinite)
	c.wantCode("GetResultObject of OpenNamespaceCall", err, status.InvalidOperation)
	_ = r.Close()
	_, err = c.svc.OpenNamespace(c.ctx, "wbemtest_no_such_child", 0, nil)
	c.wantCode("OpenNamespace of a missing namespace", err, status.InvalidNamespace)
}

func modesQueryObjectSink(c *tc) {
	s, err := c.svc.QueryObjectSink(c.ctx, 0)
	if errors.Is(err, status.ErrNotSupported) {
		c.Skipf("QueryObjectSink: %v", err)
	}
	c.mustOK("QueryObjectSink", err)
	if s == nil {
		c.Errorf("QueryObjectSink returned no sink")
	}
	_, err = c.svc.QueryObjectSink(c.ctx, wbem.FlagSendStatus)
	c.wantCode("QueryObjectSink with flags", err, status.InvalidParameter)
}

func modesCallResultGetters(c *tc) {
	c.sub("GetObjectCall", func(c *tc) {
		c.script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultBlock}})
		r, err := c.svc.GetObjectCall(c.ctx, ItemPath(1), wbem.FlagReturnImmediately, nil)
		c.mustOK("GetObjectCall", err)
		defer r.Close()
		c.waitBlocked(1)
		o, err := r.GetResultObject(c.ctx, wbem.NoWait)
		if !errors.Is(err, status.ErrSTimedOut) || o != nil {
			c.Errorf("GetResultObject(NoWait) while the call runs: %v, %v; want WBEM_S_TIMEDOUT", o, errText(err))
		}
		_, err = r.GetResultObject(c.ctx, 20*time.Millisecond)
		c.wantCode("GetResultObject(20ms) while the call runs", err, status.STimedOut)
		_, err = r.GetCallStatus(c.ctx, wbem.NoWait)
		c.wantCode("GetCallStatus(NoWait) while the call runs", err, status.STimedOut)
		c.p.Release(ItemClass)
		o, err = r.GetResultObject(c.ctx, wbem.Infinite)
		c.mustOK("GetResultObject(Infinite)", err)
		if o == nil || strProp(o, "Name") != "item-1" {
			c.Errorf("GetResultObject = %v", o)
		}
		code, err := r.GetCallStatus(c.ctx, wbem.NoWait)
		if err != nil || code != status.SNoError {
			c.Errorf("GetCallStatus after the call: %s, %v", code, errText(err))
		}
		_, err = r.GetResultString(c.ctx, wbem.Infinite)
		c.wantCode("GetResultString of GetObjectCall", err, status.InvalidOperation)
		_, err = r.GetResultServices(c.ctx, wbem.Infinite)
		c.wantCode("GetResultServices of GetObjectCall", err, status.InvalidOperation)
		if o2, err := r.GetResultObject(c.ctx, wbem.NoWait); err != nil || o2 == nil {
			c.Errorf("GetResultObject a second time: %v, %v", o2, errText(err))
		}
	})
	c.sub("FailedCall", func(c *tc) {
		r, err := c.svc.GetObjectCall(c.ctx, ItemPath(999), wbem.FlagReturnImmediately, nil)
		c.mustOK("GetObjectCall", err)
		defer r.Close()
		_, err = r.GetResultObject(c.ctx, wbem.Infinite)
		c.wantCode("GetResultObject of a failed call", err, status.NotFound)
		code, err := r.GetCallStatus(c.ctx, wbem.Infinite)
		if err != nil || code != status.NotFound {
			c.Errorf("GetCallStatus of a failed call: %s, %v; want WBEM_E_NOT_FOUND and no error", code, errText(err))
		}
	})
	c.sub("PutInstanceCall", func(c *tc) {
		c.cleanupStatic("call-put")
		r, err := c.svc.PutInstanceCall(c.ctx, c.newStatic("call-put", 1), wbem.FlagReturnImmediately, nil)
		c.mustOK("PutInstanceCall", err)
		defer r.Close()
		p, err := r.GetResultString(c.ctx, wbem.Infinite)
		if err != nil || !strings.Contains(p, "call-put") {
			c.Errorf("GetResultString = %q, %v", p, errText(err))
		}
		_, err = r.GetResultObject(c.ctx, wbem.Infinite)
		c.wantCode("GetResultObject of PutInstanceCall", err, status.InvalidOperation)
		code, err := r.GetCallStatus(c.ctx, wbem.Infinite)
		if err != nil || code != status.SNoError {
			c.Errorf("GetCallStatus = %s, %v", code, errText(err))
		}
	})
	c.sub("DeleteInstanceCall", func(c *tc) {
		c.putStatic("call-del", 1)
		r, err := c.svc.DeleteInstanceCall(c.ctx, StaticPath("call-del"), wbem.FlagReturnImmediately, nil)
		c.mustOK("DeleteInstanceCall", err)
		defer r.Close()
		code, err := r.GetCallStatus(c.ctx, wbem.Infinite)
		if err != nil || code != status.SNoError {
			c.Errorf("GetCallStatus = %s, %v", code, errText(err))
		}
		_, err = r.GetResultString(c.ctx, wbem.Infinite)
		c.wantCode("GetResultString of DeleteInstanceCall", err, status.InvalidOperation)
	})
	c.sub("ExecMethodCall", func(c *tc) {
		in := c.methodIn("Double", map[string]cim.Value{"Value": cim.Uint32(4)})
		r, err := c.svc.ExecMethodCall(c.ctx, WorkerClass, "Double", wbem.FlagReturnImmediately, nil, in)
		c.mustOK("ExecMethodCall", err)
		defer r.Close()
		out, err := r.GetResultObject(c.ctx, wbem.Infinite)
		c.mustOK("GetResultObject", err)
		if out == nil || c.uintProp(out, "Result") != 8 {
			c.Errorf("Double(4) = %v", out)
		}
	})
}

func modesSendStatusProgress(c *tc) {
	c.sub("WithSendStatus", func(c *tc) {
		s := c.sink("progress")
		s.progress = true
		in := c.methodIn("Progress", map[string]cim.Value{"Steps": cim.Uint32(5)})
		c.mustOK("ExecMethodAsync", c.svc.ExecMethodAsync(c.ctx, WorkerPath("w0"), "Progress", wbem.FlagSendStatus, nil, in, s))
		fin := s.waitFinal(c, c.bound)
		c.wantFinal("Progress", fin, status.SNoError)
		c.barrier()
		s.check(c, 1)
		log, objs := s.snapshot()
		var last uint16
		n := 0
		for _, cb := range log {
			if cb.kind != cbProgress {
				continue
			}
			n++
			done, total := wbem.ProgressOf(cb.hr)
			if total != 5 || done < last || done > total {
				c.Errorf("progress %d/%d after %d", done, total, last)
			}
			last = done
			if cb.seq > fin.seq {
				c.Errorf("progress after the final status")
			}
		}
		if n < 1 || n > 5 {
			c.Errorf("%d progress statuses for 5 steps, want 1 to 5", n)
		}
		if len(objs) != 1 || c.uintProp(objs[0], "Done") != 5 {
			c.Errorf("Progress(5) indicated %v, want its out-parameters with Done 5", objs)
		}
	})
	c.sub("WithoutSendStatus", func(c *tc) {
		s := c.sink("no-progress") // progress would be a violation
		in := c.methodIn("Progress", map[string]cim.Value{"Steps": cim.Uint32(5)})
		c.mustOK("ExecMethodAsync", c.svc.ExecMethodAsync(c.ctx, WorkerPath("w0"), "Progress", 0, nil, in, s))
		c.wantFinal("Progress", s.waitFinal(c, c.bound), status.SNoError)
		c.barrier()
		s.check(c, 1)
	})
	c.sub("Enumeration", func(c *tc) {
		c.script(ItemClass, Script{Count: 50, ProgressEvery: 10})
		s := c.sink("enum")
		s.progress = true
		c.mustOK("CreateInstanceEnumAsync", c.svc.CreateInstanceEnumAsync(c.ctx, ItemClass, wbem.FlagSendStatus, nil, s))
		c.wantFinal("enumeration", s.waitFinal(c, c.bound), status.SNoError)
		c.barrier()
		s.check(c, 1)
		if s.count(cbProgress) == 0 || s.indicated() != 50 {
			c.Errorf("%d progress statuses and %d objects, want some and 50", s.count(cbProgress), s.indicated())
		}
	})
}

// --- Enumerators ------------------------------------------------------------

func (c *tc) itemEnum(flags wbem.Flags) wbem.Enumerator {
	c.Helper()
	e, err := c.svc.CreateInstanceEnum(c.ctx, ItemClass, flags, nil)
	c.mustOK("CreateInstanceEnum", err)
	c.Cleanup(func() { _ = e.Close() })
	return e
}

func enumNextTimeouts(c *tc) {
	c.script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultBlock, After: 3}})
	e := c.itemEnum(wbem.FlagReturnImmediately)
	c.waitBlocked(1)
	objs, err := e.Next(c.ctx, wbem.NoWait, 10)
	if !errors.Is(err, status.ErrSTimedOut) || len(objs) > 3 {
		c.Errorf("Next(NoWait, 10) while the call runs: %d objects, %v; want at most 3 and WBEM_S_TIMEDOUT", len(objs), errText(err))
	}
	got := len(objs)
	if !poll(c.bound, func() bool {
		more, err := e.Next(c.ctx, 20*time.Millisecond, 10)
		got += len(more)
		if !errors.Is(err, status.ErrSTimedOut) {
			c.Errorf("Next(20ms, 10) while the call runs: %v, want WBEM_S_TIMEDOUT", errText(err))
			return true
		}
		return got >= 3
	}) {
		c.Fatalf("the 3 objects sent before the provider blocked did not come: %d", got)
	}
	if got != 3 {
		c.Errorf("%d objects before the provider blocked, want 3", got)
	}
	objs, err = e.Next(c.ctx, 30*time.Millisecond, 1)
	if !errors.Is(err, status.ErrSTimedOut) || len(objs) != 0 {
		c.Errorf("Next(30ms, 1) with nothing to read: %d objects, %v; want WBEM_S_TIMEDOUT", len(objs), errText(err))
	}
	c.p.Release(ItemClass)
	objs, err = e.Next(c.ctx, wbem.Infinite, 100)
	if !errors.Is(err, status.ErrSFalse) || len(objs) != 7 {
		c.Errorf("Next(Infinite, 100) after the release: %d objects, %v; want 7 and WBEM_S_FALSE", len(objs), errText(err))
	}
	for _, timeout := range []time.Duration{wbem.Infinite, wbem.NoWait, 10 * time.Millisecond} {
		objs, err = e.Next(c.ctx, timeout, 1)
		if !errors.Is(err, status.ErrSFalse) || len(objs) != 0 {
			c.Errorf("Next(%v, 1) at the end: %d objects, %v; want WBEM_S_FALSE", timeout, len(objs), errText(err))
		}
	}
}

func enumNextCounts(c *tc) {
	e := c.itemEnum(wbem.FlagReturnImmediately | wbem.FlagForwardOnly)
	// A count of 0 returns nothing and moves nothing. The SDK's non-error
	// constants page says WBEM_S_FALSE; MS-WMI says nothing: both pass.
	objs, err := e.Next(c.ctx, wbem.Infinite, 0)
	if err != nil && !errors.Is(err, status.ErrSFalse) || len(objs) != 0 {
		c.Errorf("Next(Infinite, 0): %d objects, %v; want none and WBEM_S_FALSE (or no error)", len(objs), errText(err))
	}
	var all []cim.Object
	for i, want := range []int{4, 4, 2} {
		objs, err := e.Next(c.ctx, wbem.Infinite, 4)
		all = append(all, objs...)
		if len(objs) != want {
			c.Errorf("Next %d: %d objects, want %d", i, len(objs), want)
		}
		if want == 4 && err != nil {
			c.Errorf("Next %d with 4 objects: %v, want no error", i, err)
		}
		if want == 2 && !errors.Is(err, status.ErrSFalse) {
			c.Errorf("last Next: %v, want WBEM_S_FALSE", errText(err))
		}
	}
	if got := c.ids(all); !slices.Equal(got, span(0, 10)) {
		c.Errorf("ids %v", got)
	}
}

func enumSkip(c *tc) {
	e := c.itemEnum(wbem.FlagReturnImmediately)
	c.mustOK("Skip(Infinite, 3)", e.Skip(c.ctx, wbem.Infinite, 3))
	objs, err := e.Next(c.ctx, wbem.Infinite, 100)
	if !errors.Is(err, status.ErrSFalse) || len(objs) != 7 {
		c.Errorf("Next after Skip(3): %d objects, %v; want 7 and WBEM_S_FALSE", len(objs), errText(err))
	}
	e = c.itemEnum(wbem.FlagReturnImmediately | wbem.FlagForwardOnly)
	c.wantCode("Skip(Infinite, 100) past the end", e.Skip(c.ctx, wbem.Infinite, 100), status.SFalse)

	c.script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultBlock, After: 3}})
	e = c.itemEnum(wbem.FlagReturnImmediately | wbem.FlagForwardOnly)
	c.waitBlocked(1)
	c.wantCode("Skip(20ms, 5) while the call runs", e.Skip(c.ctx, 20*time.Millisecond, 5), status.STimedOut)
}

func enumResetClone(c *tc) {
	e := c.itemEnum(wbem.FlagReturnImmediately)
	first, err := e.Next(c.ctx, wbem.Infinite, 4)
	c.mustOK("Next(4)", err)
	clone, err := e.Clone()
	c.mustOK("Clone", err)
	defer clone.Close()
	rest, err := c.drain(clone)
	c.mustOK("the clone's Next", err)
	orig, err := c.drain(e)
	c.mustOK("the original's Next", err)
	if len(rest) != 6 || !slices.Equal(c.ids(rest), c.ids(orig)) {
		c.Errorf("the clone read %v, the original %v; want the same 6", c.ids(rest), c.ids(orig))
	}
	c.mustOK("Reset", e.Reset())
	again, err := c.drain(e)
	c.mustOK("Next after Reset", err)
	if got := c.ids(again); !slices.Equal(got, span(0, 10)) {
		c.Errorf("after Reset: %v", got)
	}
	if got := c.ids(append(first, rest...)); !slices.Equal(got, span(0, 10)) {
		c.Errorf("the first 4 and the clone's 6: %v", got)
	}

	// A synchronous call's enumerator holds the whole result.
	e = c.itemEnum(0)
	objs, err := e.Next(c.ctx, wbem.NoWait, 100)
	if !errors.Is(err, status.ErrSFalse) || len(objs) != 10 {
		c.Errorf("Next(NoWait) on a synchronous call's enumerator: %d objects, %v; want 10 and WBEM_S_FALSE", len(objs), errText(err))
	}
	c.mustOK("Reset", e.Reset())
	if objs, err := c.drain(e); err != nil || len(objs) != 10 {
		c.Errorf("after Reset: %d objects, %v", len(objs), err)
	}
}

func enumForwardOnly(c *tc) {
	for _, flags := range []wbem.Flags{wbem.FlagReturnImmediately | wbem.FlagForwardOnly, wbem.FlagForwardOnly} {
		e := c.itemEnum(flags)
		c.wantCode("Reset of a forward-only enumerator", e.Reset(), status.InvalidOperation)
		clone, err := e.Clone()
		c.wantCode("Clone of a forward-only enumerator", err, status.InvalidOperation)
		if clone != nil {
			_ = clone.Close()
		}
		if objs, err := c.drain(e); err != nil || len(objs) != 10 {
			c.Errorf("Next after the refusals: %d objects, %v", len(objs), err)
		}
	}
}

func enumNextAsync(c *tc) {
	e := c.itemEnum(wbem.FlagReturnImmediately)
	s1 := c.sink("next4")
	c.mustOK("NextAsync(4)", e.NextAsync(c.ctx, 4, s1))
	c.wantFinal("NextAsync(4)", s1.waitFinal(c, c.bound), status.SNoError)
	s2 := c.sink("next10")
	c.mustOK("NextAsync(10)", e.NextAsync(c.ctx, 10, s2))
	c.wantFinal("NextAsync(10) with 6 left", s2.waitFinal(c, c.bound), status.SFalse)
	c.barrier()
	s1.check(c, 1)
	s2.check(c, 1)
	if s1.indicated() != 4 || s2.indicated() != 6 {
		c.Errorf("NextAsync delivered %d then %d objects, want 4 then 6", s1.indicated(), s2.indicated())
	}
	_, o1 := s1.snapshot()
	_, o2 := s2.snapshot()
	if got := c.ids(append(o1, o2...)); !slices.Equal(got, span(0, 10)) {
		c.Errorf("NextAsync ids %v", got)
	}
	for _, n := range []int{1, 0} {
		s := c.sink("at-end")
		if err := e.NextAsync(c.ctx, n, s); err != nil {
			// WBEM_S_FALSE at once: the sink is not used.
			c.wantCode("NextAsync at the end", err, status.SFalse)
			c.barrier()
			s.check(c, 0)
			continue
		}
		want := []status.Code{status.SFalse}
		if n == 0 {
			want = append(want, status.SNoError) // 0 of 0 came
		}
		c.wantFinal(fmt.Sprintf("NextAsync(%d) at the end", n), s.waitFinal(c, c.bound), want...)
		c.barrier()
		s.check(c, 1)
		if s.indicated() != 0 {
			c.Errorf("NextAsync(%d) at the end delivered %d objects", n, s.indicated())
		}
	}
}

func enumFailure(c *tc) {
	c.script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultFail, After: 4, Code: status.AccessDenied}})
	e := c.itemEnum(wbem.FlagReturnImmediately | wbem.FlagForwardOnly)
	objs, err := c.drain(e)
	if !errors.Is(err, status.ErrAccessDenied) || len(objs) > 4 {
		c.Errorf("semisynchronous enumeration that fails after 4: %d objects, %v; want at most 4 and WBEM_E_ACCESS_DENIED", len(objs), errText(err))
	}
	if more, err := e.Next(c.ctx, wbem.NoWait, 1); !errors.Is(err, status.ErrAccessDenied) && !errors.Is(err, status.ErrSFalse) || len(more) > 0 {
		c.Errorf("Next after the failure: %d objects, %v", len(more), errText(err))
	}
	_, err = c.svc.CreateInstanceEnum(c.ctx, ItemClass, 0, nil)
	c.wantCode("synchronous enumeration that fails", err, status.AccessDenied)
	objs, err = c.instanceEnum(wbem.Async, ItemClass, 0)
	if !errors.Is(err, status.ErrAccessDenied) || len(objs) > 4 {
		c.Errorf("asynchronous enumeration that fails after 4: %d objects, %v", len(objs), errText(err))
	}
}

func enumContextBoundsNext(c *tc) {
	c.script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultBlock, After: 1}})
	e := c.itemEnum(wbem.FlagReturnImmediately | wbem.FlagForwardOnly)
	objs, err := e.Next(c.ctx, wbem.Infinite, 1)
	if err != nil || len(objs) != 1 {
		c.Fatalf("Next(Infinite, 1): %d objects, %v", len(objs), err)
	}
	c.waitBlocked(1)
	ctx, cancel := c.waitCtx()
	defer cancel()
	ctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	c.goCall(func() {
		_, err := e.Next(ctx, wbem.Infinite, 1)
		done <- err
	})
	stop()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, status.ErrSFalse) {
			c.Errorf("Next(Infinite) whose ctx was cancelled: %v, want an error", errText(err))
		}
	case <-time.After(c.bound):
		c.Fatalf("Next(Infinite) did not return within %v of its ctx being cancelled", c.bound)
	}
}

// --- Flags ------------------------------------------------------------------

func flagsValidation(c *tc) {
	mark := c.p.Mark()
	c.cleanupStatic("flags")
	s := c.sink("flags")
	bad := map[string]func() error{
		"PutInstance(UPDATE_ONLY|CREATE_ONLY)": func() error {
			_, err := c.svc.PutInstance(c.ctx, c.newStatic("flags", 1), wbem.FlagUpdateOnly|wbem.FlagCreateOnly, nil)
			return err
		},
		"PutInstance(UPDATE_ONLY|CREATE_ONLY) of a dynamic instance": func() error {
			_, err := c.svc.PutInstance(c.ctx, c.newItem(4000), wbem.FlagUpdateOnly|wbem.FlagCreateOnly, nil)
			return err
		},
		"GetObject(SEND_STATUS)": func() error {
			_, err := c.svc.GetObject(c.ctx, ItemPath(1), wbem.FlagSendStatus, nil)
			return err
		},
		"ExecNotificationQuery(0)": func() error {
			_, err := c.svc.ExecNotificationQuery(c.ctx, "WQL", eventQuery, 0, nil)
			return err
		},
		"ExecNotificationQuery(RETURN_IMMEDIATELY)": func() error {
			_, err := c.svc.ExecNotificationQuery(c.ctx, "WQL", eventQuery, wbem.FlagReturnImmediately, nil)
			return err
		},
		"GetObjectAsync(RETURN_IMMEDIATELY)": func() error {
			return c.svc.GetObjectAsync(c.ctx, ItemPath(1), wbem.FlagReturnImmediately, nil, s)
		},
		"CreateInstanceEnumAsync(FORWARD_ONLY)": func() error {
			return c.svc.CreateInstanceEnumAsync(c.ctx, ItemClass, wbem.FlagForwardOnly, nil, s)
		},
		"DeleteInstance(reserved 0x1000)": func() error {
			return c.svc.DeleteInstance(c.ctx, StaticPath("a"), 0x1000, nil)
		},
		"ExecMethod(USE_AMENDED_QUALIFIERS)": func() error {
			_, err := c.svc.ExecMethod(c.ctx, WorkerClass, "Double", wbem.FlagUseAmendedQualifiers, nil,
				c.methodIn("Double", map[string]cim.Value{"Value": cim.Uint32(1)}))
			return err
		},
		"CreateClassEnum(DIRECT_READ)": func() error {
			_, err := c.svc.CreateClassEnum(c.ctx, "", wbem.FlagDirectRead, nil)
			return err
		},
		"QueryObjectSink(SEND_STATUS)": func() error {
			_, err := c.svc.QueryObjectSink(c.ctx, wbem.FlagSendStatus)
			if errors.Is(err, status.ErrNotSupported) {
				return status.New(status.InvalidParameter, "QueryObjectSink is not supported: skipped")
			}
			return err
		},
	}
	for name, call := range bad {
		c.wantCode(name, call(), status.InvalidParameter)
	}
	good := map[string]func() error{
		"GetObject(NO_ERROR_OBJECT)": func() error {
			_, err := c.svc.GetObject(c.ctx, StaticPath("a"), wbem.FlagNoErrorObject, nil)
			return err
		},
		"ExecQuery(RETURN_IMMEDIATELY|FORWARD_ONLY|ENSURE_LOCATABLE)": func() error {
			e, err := c.svc.ExecQuery(c.ctx, "WQL", "SELECT * FROM "+StaticClass,
				wbem.FlagReturnImmediately|wbem.FlagForwardOnly|wbem.FlagEnsureLocatable, nil)
			if err == nil {
				_, err = c.drain(e)
				_ = e.Close()
			}
			return err
		},
	}
	for name, call := range good {
		c.wantCode(name, call(), status.SNoError)
	}
	c.barrier()
	s.check(c, 0)
	if _, err := c.svc.GetObject(c.ctx, StaticPath("flags"), 0, nil); err == nil {
		c.Errorf("a PutInstance with invalid flags wrote the instance")
	}
	if calls := c.p.CallsSince(mark); len(calls) > 0 {
		c.Errorf("calls with invalid flags reached the provider: %v", calls)
	}
}

// --- Queries ----------------------------------------------------------------

func queryPostFilter(c *tc) {
	for _, byProvider := range []bool{false, true} {
		name := "Fallback"
		if byProvider {
			name = "AnsweredByProvider"
		}
		c.sub(name, func(c *tc) {
			c.script(ItemClass, Script{Count: 10, Query: byProvider})
			c.script(ItemExClass, Script{Count: 2, Query: byProvider})
			for _, q := range []struct {
				wql  string
				want []uint64
			}{
				{"SELECT * FROM WbemTest_Item WHERE Id = 2", []uint64{2}},
				{"SELECT * FROM WbemTest_Item WHERE Size >= 5 AND Id < 8", []uint64{5, 6, 7}},
				{"SELECT * FROM WbemTest_Item WHERE Name = 'item-7'", []uint64{7}},
				{"SELECT * FROM WbemTest_Item WHERE Name LIKE 'item-1%'", []uint64{1}},
				{"SELECT * FROM WbemTest_Item WHERE Id = 3 OR Id = 9", []uint64{3, 9}},
				{"SELECT * FROM WbemTest_ItemEx", []uint64{ItemExFirstID, ItemExFirstID + 1}},
				{"SELECT * FROM WbemTest_Item WHERE __CLASS = 'WbemTest_ItemEx'", []uint64{ItemExFirstID, ItemExFirstID + 1}},
				{"SELECT * FROM WbemTest_Item WHERE Id > 8", []uint64{9, ItemExFirstID, ItemExFirstID + 1}},
			} {
				for _, mode := range []wbem.Mode{wbem.Semisync, wbem.Async} {
					objs, err := c.query(mode, q.wql)
					if err != nil {
						c.Errorf("%s (%s): %v", q.wql, mode, err)
						continue
					}
					if got := c.ids(objs); !slices.Equal(got, q.want) {
						c.Errorf("%s (%s): ids %v, want %v", q.wql, mode, got, q.want)
					}
				}
			}
			objs, err := wbem.Collect(c.ctx, c.svc, "SELECT Name FROM WbemTest_Item WHERE Id = 4")
			c.mustOK("projection", err)
			if len(objs) != 1 {
				c.Fatalf("SELECT Name ... WHERE Id = 4: %d objects", len(objs))
			}
			if strProp(objs[0], "Name") != "item-4" {
				c.Errorf("projected Name = %q", strProp(objs[0], "Name"))
			}
			if v, err := objs[0].Get("Size"); err == nil && !v.IsNull() {
				c.Errorf("SELECT Name returned Size = %v: not projected", v)
			}
		})
	}
	c.sub("Static", func(c *tc) {
		objs, err := wbem.Collect(c.ctx, c.svc, "SELECT * FROM WbemTest_Static WHERE Value > 1")
		c.mustOK("query", err)
		if got := names(objs); !slices.Equal(got, []string{"b", "c", "x"}) {
			c.Errorf("static instances with Value > 1: %v", got)
		}
	})
}

func queryAssociations(c *tc) {
	objs, err := c.query(wbem.Semisync, "ASSOCIATORS OF {"+ItemPath(1)+"}")
	if errors.Is(err, status.ErrNotSupported) {
		c.Skipf("ASSOCIATORS OF: %v", err)
	}
	c.mustOK("ASSOCIATORS OF", err)
	if got := c.ids(objs); !slices.Equal(got, []uint64{0, 2}) {
		c.Errorf("ASSOCIATORS OF {%s}: ids %v, want [0 2]", ItemPath(1), got)
	}
	objs, err = c.query(wbem.Async, "ASSOCIATORS OF {"+ItemPath(1)+"} WHERE ResultClass = "+ItemClass)
	c.mustOK("ASSOCIATORS OF ... WHERE ResultClass", err)
	if got := c.ids(objs); !slices.Equal(got, []uint64{0, 2}) {
		c.Errorf("ASSOCIATORS OF {%s} WHERE ResultClass: ids %v, want [0 2]", ItemPath(1), got)
	}
	objs, err = c.query(wbem.Semisync, "REFERENCES OF {"+ItemPath(1)+"}")
	c.mustOK("REFERENCES OF", err)
	if len(objs) != 2 {
		c.Errorf("REFERENCES OF {%s}: %v, want 2 links", ItemPath(1), objs)
	}
	for _, o := range objs {
		if o.ClassName() != LinkClass {
			c.Errorf("REFERENCES OF returned a %s", o.ClassName())
		}
	}
}

func queryInvalid(c *tc) {
	for _, q := range []struct {
		lang, query string
		want        []status.Code
	}{
		{"WQL", "SELECT FROM", []status.Code{status.InvalidQuery}},
		{"SQL", "SELECT * FROM " + ItemClass, []status.Code{status.InvalidQueryType}},
		{"WQL", "SELECT * FROM WbemTest_NoSuchClass", []status.Code{status.InvalidClass, status.NotFound}},
		// An unknown property in WHERE is invalid; in the select list WMI
		// accepts it (wmi-wql-events-providers.md §1.3, observed on Windows).
		{"WQL", "SELECT * FROM " + ItemClass + " WHERE NoSuchProperty = 1", []status.Code{status.InvalidQuery}},
	} {
		for _, mode := range modes {
			_, err := c.enumerate(mode, 0,
				func(f wbem.Flags) (wbem.Enumerator, error) { return c.svc.ExecQuery(c.ctx, q.lang, q.query, f, nil) },
				func(f wbem.Flags, s wbem.Sink) error { return c.svc.ExecQueryAsync(c.ctx, q.lang, q.query, f, nil, s) })
			c.wantCode(q.lang+" "+q.query+" ("+mode.String()+")", err, q.want...)
		}
	}
}

// --- Provider failures ------------------------------------------------------

func providerPanic(c *tc) {
	c.script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultPanic, After: 3}})
	_, err := c.svc.CreateInstanceEnum(c.ctx, ItemClass, 0, nil)
	c.wantCode("enumeration whose provider panics", err, status.ProviderFailure)
	_, err = c.svc.GetObject(c.ctx, ItemPath(1), 0, nil)
	c.wantCode("GetObject whose provider panics", err, status.ProviderFailure)
	objs, err := c.instanceEnum(wbem.Async, ItemClass, 0)
	if !errors.Is(err, status.ErrProviderFailure) || len(objs) > 3 {
		c.Errorf("asynchronous enumeration whose provider panics after 3: %d objects, %v", len(objs), errText(err))
	}
	_, err = c.svc.ExecMethod(c.ctx, WorkerPath("w0"), "Panic", 0, nil, nil)
	c.wantCode("a method that panics", err, status.ProviderFailure)
	c.script(ItemClass, Script{Count: 10})
	o, err := c.svc.GetObject(c.ctx, ItemPath(1), 0, nil)
	if err != nil || strProp(o, "Name") != "item-1" {
		c.Errorf("GetObject after the panics: %v, %v", o, errText(err))
	}
	objs, err = c.instanceEnum(wbem.Sync, ItemClass, wbem.FlagShallow)
	if err != nil || len(objs) != 10 {
		c.Errorf("enumeration after the panics: %d objects, %v", len(objs), errText(err))
	}
}

// checkExtendedStatus checks the __ExtendedStatus of a failed final status.
func (c *tc) checkExtendedStatus(what string, fin callback, code status.Code) {
	c.Helper()
	c.wantFinal(what, fin, code)
	if fin.obj == nil {
		c.Errorf("%s: the final status carries no __ExtendedStatus object", what)
		return
	}
	if !fin.obj.InheritsFrom("__ExtendedStatus") {
		c.Errorf("%s: the final status object is a %s, not an __ExtendedStatus", what, fin.obj.ClassName())
	}
	if got := strProp(fin.obj, "ProviderName"); got != ProviderName {
		c.Errorf("%s: __ExtendedStatus.ProviderName = %q, want %q", what, got, ProviderName)
	}
	if strProp(fin.obj, "Operation") == "" {
		c.Errorf("%s: __ExtendedStatus.Operation is empty", what)
	}
	if e := status.From(wbem.ResultError(fin.hr, fin.obj)); e.ProviderName != ProviderName {
		c.Errorf("%s: ResultError gives ProviderName %q", what, e.ProviderName)
	}
}

func providerFailure(c *tc) {
	for _, bare := range []bool{false, true} {
		name := "ProviderNamesItself"
		if bare {
			name = "ObjectManagerNamesProvider"
		}
		c.sub(name, func(c *tc) {
			c.script(ItemClass, Script{Count: 10, Fault: Fault{Kind: FaultFail, After: 2, Code: status.AccessDenied, Bare: bare}})
			_, err := c.svc.CreateInstanceEnum(c.ctx, ItemClass, 0, nil)
			c.wantCode("synchronous enumeration", err, status.AccessDenied)
			if e := status.From(err); e != nil && e.ProviderName != ProviderName {
				c.Errorf("synchronous enumeration: error %v has ProviderName %q, want %q", err, e.ProviderName, ProviderName)
			}
			s := c.sink("enum")
			c.mustOK("CreateInstanceEnumAsync", c.svc.CreateInstanceEnumAsync(c.ctx, ItemClass, 0, nil, s))
			c.checkExtendedStatus("asynchronous enumeration", s.waitFinal(c, c.bound), status.AccessDenied)
			s = c.sink("get")
			c.mustOK("GetObjectAsync", c.svc.GetObjectAsync(c.ctx, ItemPath(1), 0, nil, s))
			c.checkExtendedStatus("GetObjectAsync", s.waitFinal(c, c.bound), status.AccessDenied)
			c.barrier()
		})
	}
	c.sub("Method", func(c *tc) {
		s := c.sink("fail")
		in := c.methodIn("Fail", map[string]cim.Value{"Code": cim.Uint32(uint32(status.NotAvailable))})
		c.mustOK("ExecMethodAsync", c.svc.ExecMethodAsync(c.ctx, WorkerPath("w0"), "Fail", 0, nil, in, s))
		c.checkExtendedStatus("a failing method", s.waitFinal(c, c.bound), status.NotAvailable)
		c.barrier()
		s.check(c, 1)
	})
}

func providerNotFound(c *tc) {
	_, err := c.svc.GetObject(c.ctx, ItemPath(999), 0, nil)
	c.wantCode("GetObject of a missing item", err, status.NotFound)
	// The link provider's GetInstance returns ErrSkip: the object manager
	// enumerates and picks.
	path := LinkClass + ".Left=" + cim.QuotePathString(ItemPath(1)) + ",Right=" + cim.QuotePathString(ItemPath(2))
	o, err := c.svc.GetObject(c.ctx, path, 0, nil)
	c.mustOK("GetObject of a link (provider.ErrSkip)", err)
	if o != nil && o.ClassName() != LinkClass {
		c.Errorf("GetObject(%s) = %v", path, o)
	}
	missing := LinkClass + ".Left=" + cim.QuotePathString(ItemPath(1)) + ",Right=" + cim.QuotePathString(ItemPath(5))
	_, err = c.svc.GetObject(c.ctx, missing, 0, nil)
	c.wantCode("GetObject of a missing link", err, status.NotFound)
}
