package repository

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestReferences(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		putClasses(t, s, "root",
			newClass("Num", "", nil, kprop("Id", cim.TypeUint32)),
			newClass("Link", "", cim.Qualifiers{qAssoc}, refProp("From", "Base", true), refProp("To", "Num", true)),
			newClass("SubLink", "Link", nil, prop("Note", cim.TypeString)),
			// Not an association: its references are not "references of".
			newClass("Plain", "", nil, kprop("K", cim.TypeString), refProp("To", "Num", false)),
		)
		putInstance(t, s, "root", "Mid", "Name", "m")
		putInstance(t, s, "root", "Leaf", "Name", "l")
		putInstance(t, s, "root", "Num", "Id", 1)
		putInstance(t, s, "root", "Num", "Id", 2)
		ref := func(p string) cim.Value { v, err := cim.ReferenceText(p); noErr(t, err); return v }
		update(t, s, func(tx Tx) error {
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Link", "From", ref(`Mid.Name="m"`), "To", ref(`Num.Id=1`)), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "SubLink", "From", ref(`Base.Name="L"`), "To", ref(`root:Num.Id="1"`)), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Link", "From", ref(`Leaf.Name="l"`), "To", ref(`Num=2`)), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Plain", "K", "p", "To", ref(`Num.Id=1`)), 0))
			return nil
		})
		refs := func(tx Tx, target string) []string {
			var out []string
			noErr(t, tx.References("root", path(t, target), func(a *cim.Instance) error {
				out = append(out, a.ClassName()+" "+a.Value("From").String()+" -> "+a.Value("To").String())
				return nil
			}))
			sort.Strings(out)
			return out
		}
		view(t, s, func(tx Tx) error {
			want := []string{`Link Mid.Name="m" -> Num.Id=1`, `SubLink Base.Name="L" -> root:Num.Id="1"`}
			if got := refs(tx, `Num.Id=1`); !slices.Equal(got, want) {
				t.Errorf("References(Num.Id=1) = %q\nwant %q", got, want)
			}
			if got := refs(tx, `Num.Id="1"`); !slices.Equal(got, want) {
				t.Errorf("References(Num.Id=\"1\") = %q", got)
			}
			// Leaf.Name="l" is named as Leaf by one link and as Base by the other.
			want = []string{`Link Leaf.Name="l" -> Num=2`, `SubLink Base.Name="L" -> root:Num.Id="1"`}
			if got := refs(tx, `Leaf.Name="L"`); !slices.Equal(got, want) {
				t.Errorf("References(Leaf.Name=L) = %q\nwant %q", got, want)
			}
			if got := refs(tx, `Num.Id=3`); len(got) != 0 {
				t.Errorf("References(Num.Id=3) = %q", got)
			}
			// An association instance can be found by its reference keys.
			a, err := tx.GetInstance("root", path(t, `Link.From="Mid.Name=\"M\"",To="Num.Id=1"`))
			noErr(t, err)
			if a.ClassName() != "Link" {
				t.Errorf("got %s", a.ClassName())
			}
			return nil
		})
		// Deleting the association removes it from the index.
		update(t, s, func(tx Tx) error {
			noErr(t, tx.DeleteInstance("root", path(t, `Link.From="Mid.Name=\"m\"",To="Num.Id=1"`)))
			noErr(t, tx.DeleteClass("root", "SubLink"))
			return nil
		})
		view(t, s, func(tx Tx) error {
			if got := refs(tx, `Num.Id=1`); len(got) != 0 {
				t.Errorf("after delete: %q", got)
			}
			return nil
		})
	})
}

func TestRollback(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		putInstance(t, s, "root", "Mid", "Name", "keep", "Size", 1)
		boom := errors.New("boom")
		err := s.Update(bg, func(tx Tx) error {
			noErr(t, tx.CreateNamespace(`root\tmp`))
			noErr(t, tx.PutClass("root", newClass("Tmp", "", nil, kprop("K", cim.TypeString)), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Tmp", "K", "x"), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "keep", "Size", 2), 0))
			noErr(t, tx.DeleteClass("root", "Other"))
			noErr(t, tx.PutQualifierDecl("root", cim.QualifierDecl{Name: "Q", Type: cim.TypeBoolean}))
			// The transaction sees its own writes.
			if _, err := tx.GetInstance("root", path(t, `Tmp.K="x"`)); err != nil {
				t.Error(err)
			}
			return boom
		})
		if err != boom {
			t.Fatalf("Update returned %v", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			s.Update(bg, func(tx Tx) error {
				noErr(t, tx.CreateNamespace(`root\panic`))
				panic("in fn")
			})
		}()
		view(t, s, func(tx Tx) error {
			if tx.NamespaceExists(`root\tmp`) || tx.NamespaceExists(`root\panic`) {
				t.Error("rolled-back namespace exists")
			}
			if _, err := tx.GetClass("root", "Tmp"); err == nil {
				t.Error("rolled-back class exists")
			}
			if _, err := tx.GetClass("root", "Other"); err != nil {
				t.Error("rolled-back deletion happened")
			}
			if _, err := tx.QualifierDecl("root", "Q"); err == nil {
				t.Error("rolled-back qualifier exists")
			}
			i, err := tx.GetInstance("root", path(t, `Mid.Name="keep"`))
			noErr(t, err)
			if !i.Value("Size").Equal(cim.Uint32(1)) {
				t.Errorf("rolled-back update: %v", i.Value("Size"))
			}
			return nil
		})
	})
}

func TestTxMisuse(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		var leaked Tx
		view(t, s, func(tx Tx) error {
			leaked = tx
			wantCode(t, tx.CreateNamespace(`root\x`), status.InvalidOperation)
			wantCode(t, tx.PutClass("root", newClass("X", "", nil), 0), status.InvalidOperation)
			wantCode(t, tx.DeleteClass("root", "X"), status.InvalidOperation)
			wantCode(t, tx.DeleteNamespace(`root\x`), status.InvalidOperation)
			wantCode(t, tx.PutQualifierDecl("root", cim.QualifierDecl{Name: "Q", Type: cim.TypeBoolean}), status.InvalidOperation)
			return nil
		})
		_, err := leaked.GetClass("root", "X")
		wantCode(t, err, status.InvalidOperation)
		if leaked.NamespaceExists("root") {
			t.Error("an ended transaction answers")
		}
	})
}

func TestSnapshotIsolation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		putInstance(t, s, "root", "Mid", "Name", "a", "Size", 1)
		inView := make(chan struct{})
		written := make(chan struct{})
		done := make(chan error)
		go func() {
			done <- s.View(bg, func(tx Tx) error {
				close(inView)
				<-written
				i, err := tx.GetInstance("root", path(t, `Mid.Name="a"`))
				if err != nil {
					return err
				}
				if !i.Value("Size").Equal(cim.Uint32(1)) {
					return fmt.Errorf("the snapshot sees a later write: %v", i.Value("Size"))
				}
				if _, err := tx.GetClass("root", "Later"); err == nil {
					return errors.New("the snapshot sees a later class")
				}
				if got := len(collect(t, tx, "root", "Base", true)); got != 1 {
					return fmt.Errorf("the snapshot sees %d instances", got)
				}
				return nil
			})
		}()
		<-inView
		putInstance(t, s, "root", "Mid", "Name", "a", "Size", 2)
		putInstance(t, s, "root", "Mid", "Name", "b", "Size", 3)
		putClasses(t, s, "root", newClass("Later", "", nil))
		// A reader started now sees the new class (and caches it).
		view(t, s, func(tx Tx) error { _, err := tx.GetClass("root", "Later"); return err })
		close(written)
		noErr(t, <-done)
	})
}

func TestWatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		var mu sync.Mutex
		var got []string
		cancel := s.Watch(func(changes []Change) {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range changes {
				d := c.Kind.String() + " " + c.Namespace + " "
				switch o := c.Object.(type) {
				case *cim.Instance:
					d += o.RelPath()
				case *cim.Class:
					d += o.Name
				}
				if c.Previous != nil {
					if p, ok := c.Previous.(*cim.Instance); ok && c.Kind == InstanceModified {
						d += " was " + p.Value("Size").String()
					}
				}
				got = append(got, d)
			}
			got = append(got, "--")
		})
		update(t, s, func(tx Tx) error {
			noErr(t, tx.CreateNamespace(`root\a\b`))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "m", "Size", 1), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", "m", "Size", 2), 0))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Leaf", "Name", "l"), 0))
			return nil
		})
		s.Update(bg, func(tx Tx) error { // rolled back: not reported
			noErr(t, tx.DeleteClass("root", "Mid"))
			return errors.New("no")
		})
		view(t, s, func(tx Tx) error { return nil }) // not reported
		update(t, s, func(tx Tx) error {
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Other", "Name", "M"), 0)) // replaces Mid.Name="m"
			noErr(t, tx.PutClass("root", newClass("New", "", nil), 0))
			noErr(t, tx.PutClass("root", newClass("Mid", "Base", cim.Qualifiers{qual("Description", cim.String("d"))}, prop("Size", cim.TypeUint32)), FlagUpdateSafeMode))
			noErr(t, tx.DeleteClass("root", "Mid"))
			noErr(t, tx.DeleteNamespace(`root\a`))
			return nil
		})
		cancel()
		putInstance(t, s, "root", "Other", "Name", "x") // not reported
		want := []string{
			`NamespaceCreated root __NAMESPACE.Name="a"`,
			`NamespaceCreated root\a __NAMESPACE.Name="b"`,
			`InstanceCreated root Mid.Name="m"`,
			`InstanceModified root Mid.Name="m" was 1`,
			`InstanceCreated root Leaf.Name="l"`,
			"--",
			`InstanceDeleted root Mid.Name="m"`,
			`InstanceCreated root Other.Name="M"`,
			`ClassCreated root New`,
			`ClassModified root Mid`,
			`InstanceDeleted root Leaf.Name="l"`,
			`ClassDeleted root Leaf`,
			`ClassDeleted root Mid`,
			`NamespaceDeleted root\a __NAMESPACE.Name="b"`,
			`NamespaceDeleted root __NAMESPACE.Name="a"`,
			"--",
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(got, want) {
			t.Errorf("changes:\n%s\nwant:\n%s", fmt.Sprintln(got), fmt.Sprintln(want))
		}
	})
}

func TestContext(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		update(t, s, func(tx Tx) error {
			for i := range 1000 {
				if err := tx.PutInstance("root", spawn(t, tx, "root", "Mid", "Name", fmt.Sprint(i)), 0); err != nil {
					return err
				}
			}
			return nil
		})
		ctx, cancel := context.WithCancel(bg)
		cancel()
		wantCode(t, s.View(ctx, func(Tx) error { return nil }), status.CallCancelled)
		wantCode(t, s.Update(ctx, func(Tx) error { return nil }), status.CallCancelled)
		ctx, cancel = context.WithCancel(bg)
		n := 0
		err := s.View(ctx, func(tx Tx) error {
			return tx.Instances("root", "Base", true, func(*cim.Instance) error {
				n++
				if n == 10 {
					cancel()
				}
				return nil
			})
		})
		wantCode(t, err, status.CallCancelled)
		if !errors.Is(err, status.ErrCallCancelled) || n >= 1000 {
			t.Errorf("enumeration went on to %d after the cancel", n)
		}
	})
}

func TestConcurrency(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 50 {
					err := s.Update(bg, func(tx Tx) error {
						c, err := tx.GetClass("root", "Mid")
						if err != nil {
							return err
						}
						inst := c.MustSpawn().MustPut("Name", cim.String(fmt.Sprintf("w%d-%d", w, i))).MustPut("Size", cim.Uint32(uint32(i)))
						return tx.PutInstance("root", inst, 0)
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					err := s.View(bg, func(tx Tx) error {
						var sizes []uint64
						err := tx.Instances("root", "Base", true, func(i *cim.Instance) error {
							v, _ := i.Value("Size").Uint()
							sizes = append(sizes, v)
							return nil
						})
						if err != nil {
							return err
						}
						_, err = tx.GetClass("root", "Leaf")
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		// Schema changes meanwhile move the cache epoch.
		for i := range 20 {
			putClasses(t, s, "root", newClass(fmt.Sprintf("Extra%d", i), "Other", nil))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		view(t, s, func(tx Tx) error {
			if n := len(collect(t, tx, "root", "Mid", false)); n != 200 {
				t.Errorf("%d instances, want 200", n)
			}
			return nil
		})
	})
}

// TestValues round-trips every CIM type through the store.
func TestValues(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		emb := newClass("Emb", "", nil, prop("S", cim.TypeString), prop("N", cim.TypeSint32))
		noErr(t, emb.SetParent(nil))
		embInst := emb.MustSpawn().MustPut("S", cim.String("inner")).MustPut("N", cim.Sint32(-4))
		dt, err := cim.ParseDateTimeValue("20240102030405.123456+060")
		noErr(t, err)
		ref, err := cim.ReferenceText(`\\.\root\cimv2:Win32_Process.Handle="12"`)
		noErr(t, err)
		values := map[string]cim.Value{
			"S8": cim.Sint8(-8), "U8": cim.Uint8(200), "S16": cim.Sint16(-1600), "U16": cim.Uint16(65000),
			"S32": cim.Sint32(-1 << 31), "U32": cim.Uint32(1<<32 - 1), "S64": cim.Sint64(-1 << 63), "U64": cim.Uint64(1<<64 - 1),
			"R32": cim.Real32(1.5), "R64": cim.Real64(-2.25e300), "B": cim.Boolean(true), "Str": cim.String("h\x00é😀"),
			"C16": cim.Char16('é'), "DT": dt, "Ref": ref, "Obj": cim.Embedded(embInst), "Cls": cim.Embedded(emb),
			"Arr": cim.Strings("a", "", "c"), "IArr": cim.MustArray(cim.TypeSint64, cim.Sint64(1), cim.Sint64(-1)),
			"Empty": cim.MustArray(cim.TypeUint32), "Nul": cim.Null(cim.TypeString),
		}
		c := newClass("AllTypes", "", nil, kprop("K", cim.TypeString))
		names := make([]string, 0, len(values))
		for n := range values {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := values[n]
			p := prop(n, v.Type())
			if v.Type() == cim.TypeObject {
				p.Qualifiers = cim.Qualifiers{qual("CIMTYPE", cim.String("object"))}
			}
			c.Properties = append(c.Properties, p)
		}
		c.Properties = append(c.Properties, &cim.Property{Name: "Def", Type: cim.TypeUint32, Value: cim.Uint32(42)})
		putClasses(t, s, "root", c)
		update(t, s, func(tx Tx) error {
			inst := spawn(t, tx, "root", "AllTypes", "K", "k")
			inst.Qualifiers = cim.Qualifiers{qual("InstQ", cim.String("q"))}
			for _, n := range names {
				noErr(t, inst.Put(n, values[n]))
			}
			return tx.PutInstance("root", inst, 0)
		})
		view(t, s, func(tx Tx) error {
			inst, err := tx.GetInstance("root", path(t, `AllTypes.K="K"`))
			noErr(t, err)
			for _, n := range names {
				got := inst.Value(n)
				if !got.Equal(values[n]) {
					t.Errorf("%s: got %#v, want %#v", n, got, values[n])
				}
				if idx := inst.PropertyIndex(n); !inst.IsSet(idx) {
					t.Errorf("%s is not set", n)
				}
			}
			if idx := inst.PropertyIndex("Def"); inst.IsSet(idx) || !inst.At(idx).Equal(cim.Uint32(42)) {
				t.Errorf("Def: set=%v %v", inst.IsSet(idx), inst.At(idx))
			}
			if inst.Qualifiers.Str("InstQ") != "q" {
				t.Errorf("instance qualifiers %v", inst.Qualifiers)
			}
			o, _ := inst.Value("Obj").Object()
			if o.ClassName() != "Emb" || o.(*cim.Instance).Value("S").String() != "inner" {
				t.Errorf("embedded %v", o)
			}
			// The instance is the caller's.
			noErr(t, inst.Put("Str", cim.String("changed")))
			again, _ := tx.GetInstance("root", path(t, `AllTypes.K="K"`))
			if again.Value("Str").String() == "changed" {
				t.Error("a returned instance shares state with the store")
			}
			return nil
		})
	})
}

func TestKeyCollisionsInHierarchy(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		schema(t, s)
		putClasses(t, s, "root",
			newClass("Single", "", cim.Qualifiers{qSingle}, prop("V", cim.TypeUint32)),
			newClass("SubSingle", "Single", nil),
			newClass("AbsKey", "", cim.Qualifiers{qAbstract}, kprop("A", cim.TypeString)),
			newClass("TwoKeys", "AbsKey", nil, kprop("B", cim.TypeString)),
			newClass("OneKey", "AbsKey", nil),
		)
		putInstance(t, s, "root", "Mid", "Name", "same", "Size", 1)
		update(t, s, func(tx Tx) error {
			// Leaf.Name="same" and Mid.Name="same" are the same object: WMI's key root.
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "Leaf", "Name", "SAME"), FlagCreateOnly), status.AlreadyExists)
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "Other", "Name", "same"), FlagCreateOnly), status.AlreadyExists)
			// Create-or-update with another class replaces the instance.
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Leaf", "Name", "Same", "Extra", "x"), 0))
			if got := collect(t, tx, "root", "Base", true); !slices.Equal(got, []string{`Leaf.Name="Same"`}) {
				t.Errorf("after replacement: %v", got)
			}
			// A class with its own keys is a key root of its own.
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "TwoKeys", "A", "a", "B", "b"), FlagCreateOnly))
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "OneKey", "A", "a"), FlagCreateOnly))
			// Singletons: one per singleton hierarchy.
			noErr(t, tx.PutInstance("root", spawn(t, tx, "root", "Single", "V", 1), FlagCreateOnly))
			wantCode(t, tx.PutInstance("root", spawn(t, tx, "root", "SubSingle", "V", 2), FlagCreateOnly), status.AlreadyExists)
			return nil
		})
		view(t, s, func(tx Tx) error {
			if _, err := tx.GetInstance("root", path(t, `AbsKey.A="a"`)); err != nil {
				t.Error(err)
			}
			if _, err := tx.GetInstance("root", path(t, `TwoKeys.A="a",B="b"`)); err != nil {
				t.Error(err)
			}
			if i, err := tx.GetInstance("root", path(t, `Single=@`)); err != nil || i.ClassName() != "Single" {
				t.Errorf("Single=@: %v %v", i, err)
			}
			_, err := tx.GetInstance("root", path(t, `SubSingle=@`))
			wantCode(t, err, status.NotFound)
			return nil
		})
	})
}

func TestReopen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "repo.db")
	s, err := Open(file, nil)
	noErr(t, err)
	update(t, s, func(tx Tx) error { return tx.CreateNamespace(`root\cimv2`) })
	putClasses(t, s, `root\cimv2`, newClass("C", "", nil, kprop("K", cim.TypeString), prop("V", cim.TypeUint32)))
	putInstance(t, s, `root\cimv2`, "C", "K", "a", "V", 1)

	// A second open waits for the lock, then gives up.
	_, err = Open(file, &Options{Timeout: 50 * time.Millisecond})
	wantCode(t, err, status.InitializationFailure)
	noErr(t, s.Close())
	noErr(t, s.Close())
	wantCode(t, s.View(bg, func(Tx) error { return nil }), status.InvalidOperation)

	s, err = Open(file, nil)
	noErr(t, err)
	defer s.Close()
	if s.Path() != file {
		t.Errorf("Path() = %q", s.Path())
	}
	view(t, s, func(tx Tx) error {
		i, err := tx.GetInstance(`root\CIMV2`, path(t, `C.K="A"`))
		noErr(t, err)
		if !i.Value("V").Equal(cim.Uint32(1)) || i.Namespace != `root\cimv2` {
			t.Errorf("got %v in %s", i, i.Namespace)
		}
		return nil
	})
}

// TestTreap checks the in-memory engine against a map, with snapshots.
func TestTreap(t *testing.T) {
	e := &memEngine{}
	rng := rand.New(rand.NewPCG(1, 2))
	model := map[string]string{}
	type snap struct {
		b     kvBucket
		model map[string]string
	}
	for round := range 50 {
		var s snap
		noErr(t, e.view(func(top kvBucket) error {
			s = snap{top, maps(model)}
			return nil
		}))
		noErr(t, e.update(func(top kvBucket) error {
			for range 200 {
				k := fmt.Sprintf("k%03d", rng.IntN(300))
				if rng.IntN(3) == 0 {
					noErr(t, top.Delete([]byte(k)))
					delete(model, k)
				} else {
					v := fmt.Sprint(round, rng.Int())
					noErr(t, top.Put([]byte(k), []byte(v)))
					model[k] = v
				}
			}
			return nil
		}))
		// The old snapshot is unchanged; the new state matches the model.
		checkTreap(t, s.b, s.model)
		noErr(t, e.view(func(top kvBucket) error { checkTreap(t, top, model); return nil }))
	}
	// A failed update leaves nothing.
	_ = e.update(func(top kvBucket) error {
		top.Put([]byte("zz"), []byte("x"))
		return errors.New("no")
	})
	noErr(t, e.view(func(top kvBucket) error { checkTreap(t, top, model); return nil }))
}

func maps(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func checkTreap(t *testing.T, b kvBucket, model map[string]string) {
	t.Helper()
	var keys []string
	for k := range model {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var got []string
	c := b.Cursor()
	for k, v := c.Seek(nil); k != nil; k, v = c.Next() {
		got = append(got, string(k))
		if model[string(k)] != string(v) {
			t.Fatalf("%s = %s, want %s", k, v, model[string(k)])
		}
	}
	if !slices.Equal(got, keys) {
		t.Fatalf("keys %v, want %v", got, keys)
	}
	for _, k := range keys {
		if string(b.Get([]byte(k))) != model[k] {
			t.Fatalf("Get(%s)", k)
		}
	}
	if k, _ := c.Seek([]byte("k150")); k != nil && string(k) < "k150" {
		t.Fatalf("Seek(k150) = %s", k)
	}
}
