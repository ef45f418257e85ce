package wbem

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"sync"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// queryBatch is how many objects Query asks Next for at once when they are
// already there.
const queryBatch = 256

// Query runs a WQL query and yields its objects as they arrive. Under the
// hood it is a semisynchronous, forward-only ExecQuery (the mode Microsoft
// recommends): nothing is kept for Reset, and a slow loop body slows the
// producer down rather than filling memory. The enumerator is closed when the
// loop ends, so breaking out of the loop cancels the rest of the query.
//
// A failure, to start the query or later, is yielded once as (nil, err)
// and ends the sequence; so does cancelling ctx. A sequence can be ranged
// over more than once: each range runs the query again.
//
//	for obj, err := range wbem.Query(ctx, svc, "SELECT Name FROM Win32_Process") {
//		if err != nil {
//			return err
//		}
//		...
//	}
func Query(ctx context.Context, svc Services, wql string) iter.Seq2[cim.Object, error] {
	return func(yield func(cim.Object, error) bool) {
		enum, err := svc.ExecQuery(ctx, "WQL", wql, FlagReturnImmediately|FlagForwardOnly, nil)
		if err != nil {
			yield(nil, err)
			return
		}
		defer enum.Close()
		// Wait for one object, then take in one go whatever else is there:
		// objects reach the loop as soon as they come, in batches when the
		// producer is ahead.
		wait := true
		for {
			var objs []cim.Object
			if wait {
				objs, err = enum.Next(ctx, Infinite, 1)
			} else {
				objs, err = enum.Next(ctx, NoWait, queryBatch)
			}
			for _, o := range objs {
				if !yield(o, nil) {
					return
				}
			}
			switch {
			case err == nil:
				wait = false
			case errors.Is(err, status.ErrSTimedOut):
				wait = true
			case errors.Is(err, status.ErrSFalse):
				return
			default:
				yield(nil, err)
				return
			}
		}
	}
}

// Collect runs a WQL query and returns all its objects, or the first
// failure (with no objects).
func Collect(ctx context.Context, svc Services, wql string) ([]cim.Object, error) {
	var out []cim.Object
	for o, err := range Query(ctx, svc, wql) {
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// QueryAs runs a WQL query as Query does and decodes each object into a new
// T with Decode. A decoding failure is yielded as (zero T, err) and ends the
// sequence, as a query failure does.
func QueryAs[T any](ctx context.Context, svc Services, wql string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for o, err := range Query(ctx, svc, wql) {
			var v T
			if err == nil {
				err = Decode(o, &v)
			}
			if err != nil {
				yield(v, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// Decode copies the properties of a class or instance into the struct dst
// points to.
//
// Each exported field takes the property its `wmi:"Name"` tag names, or the
// property with the field's name when it has no tag; names match
// case-insensitively, as in WMI, and system properties such as __PATH can
// be named too. A field tagged `wmi:"-"` is skipped. The fields of an
// embedded struct without a tag are decoded as if they were dst's own. A
// property the object does not have (a query that selected other
// properties) leaves its field as it is.
//
// A value converts to its field as IWbemClassObject::Put converts values
// (cim.Value.Convert), with range checks:
//
//   - int, int8…int64, uint, uint8…uint64: integer and char16 values that
//     fit, whole reals, decimal strings;
//   - float32, float64: numbers; bool: booleans; string: strings, and the
//     text of datetime, reference and char16 values;
//   - time.Time: an absolute DATETIME; time.Duration: an interval;
//     cim.DateTime: either; cim.Path: a reference; cim.Value: any value;
//   - a struct: an embedded object, decoded field by field;
//     cim.Object, *cim.Instance, *cim.Class: an embedded object as it is;
//   - []T: an array, element by element; any: Value.Interface.
//
// A NULL sets a pointer field to nil and any other field to its zero
// value; a pointer field is allocated for a value. A value that does not
// fit its field, or a field of a type Decode does not know, is a
// WBEM_E_TYPE_MISMATCH naming the property; dst that is not a non-nil
// pointer to a struct is WBEM_E_INVALID_PARAMETER. Fields decoded before a
// failure keep their new values.
func Decode(obj cim.Object, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return status.Errorf(status.InvalidParameter, "wbem.Decode: destination must be a non-nil pointer to a struct, not %T", dst)
	}
	if obj == nil {
		return status.New(status.InvalidParameter, "wbem.Decode: no object")
	}
	return decodeStruct(obj, rv.Elem())
}

var (
	typeTime     = reflect.TypeFor[time.Time]()
	typeDuration = reflect.TypeFor[time.Duration]()
	typeDateTime = reflect.TypeFor[cim.DateTime]()
	typeValue    = reflect.TypeFor[cim.Value]()
	typePath     = reflect.TypeFor[cim.Path]()
	typeObject   = reflect.TypeFor[cim.Object]()
	typeInstance = reflect.TypeFor[*cim.Instance]()
	typeClass    = reflect.TypeFor[*cim.Class]()
)

// structField is one field Decode fills: the property it takes and its
// index path in the struct.
type structField struct {
	prop  string
	name  string // the Go field's name, for errors
	index []int
}

var fieldCache sync.Map // reflect.Type → []structField

// fieldsOf lists the fields Decode fills in a struct type.
func fieldsOf(t reflect.Type) []structField {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]structField)
	}
	var out []structField
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, hasTag := f.Tag.Lookup("wmi")
			if tag == "-" {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			if f.Anonymous && !hasTag && depth < 8 {
				ft := f.Type
				if ft.Kind() == reflect.Struct && ft != typeTime {
					walk(ft, idx, depth+1)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			name := tag
			if name == "" {
				name = f.Name
			}
			out = append(out, structField{prop: name, name: f.Name, index: idx})
		}
	}
	walk(t, nil, 0)
	fieldCache.Store(t, out)
	return out
}

func decodeStruct(obj cim.Object, sv reflect.Value) error {
	for _, f := range fieldsOf(sv.Type()) {
		v, err := obj.Get(f.prop)
		if err != nil {
			if errors.Is(err, status.ErrNotFound) {
				continue
			}
			return err
		}
		if err := decodeValue(v, sv.FieldByIndex(f.index)); err != nil {
			return fieldError(obj, f, err)
		}
	}
	return nil
}

// fieldError names the property and field a conversion failed for.
func fieldError(obj cim.Object, f structField, err error) error {
	e := status.From(err)
	desc := fmt.Sprintf("wbem.Decode: property %s.%s into field %s: %s", obj.ClassName(), f.prop, f.name, e.Description)
	return &status.Error{Code: status.TypeMismatch, ParameterInfo: f.prop, Description: desc, Err: err}
}

func mismatch(v cim.Value, t reflect.Type) error {
	return status.Errorf(status.TypeMismatch, "cannot decode %s value %s into %s", v.Type(), shortValue(v), t)
}

func shortValue(v cim.Value) string {
	s := v.String()
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

// goKinds maps the Go kinds Decode converts with Value.Convert to the CIM
// type of the same range.
var goKinds = map[reflect.Kind]cim.Type{
	reflect.Int8: cim.TypeSint8, reflect.Int16: cim.TypeSint16, reflect.Int32: cim.TypeSint32,
	reflect.Int64: cim.TypeSint64, reflect.Int: cim.TypeSint64,
	reflect.Uint8: cim.TypeUint8, reflect.Uint16: cim.TypeUint16, reflect.Uint32: cim.TypeUint32,
	reflect.Uint64: cim.TypeUint64, reflect.Uint: cim.TypeUint64,
	reflect.Float32: cim.TypeReal32, reflect.Float64: cim.TypeReal64,
	reflect.Bool: cim.TypeBoolean, reflect.String: cim.TypeString,
}

func decodeValue(v cim.Value, dst reflect.Value) error {
	t := dst.Type()
	if t == typeValue {
		dst.Set(reflect.ValueOf(v))
		return nil
	}
	if t.Kind() == reflect.Pointer && t != typeInstance && t != typeClass {
		if v.IsNull() {
			dst.SetZero()
			return nil
		}
		p := reflect.New(t.Elem())
		if err := decodeValue(v, p.Elem()); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	if v.IsNull() {
		dst.SetZero()
		return nil
	}
	switch t {
	case typeTime:
		d, err := dateTimeOf(v, t)
		if err != nil {
			return err
		}
		tm, err := d.Time()
		if err != nil {
			return status.Wrap(status.TypeMismatch, err)
		}
		dst.Set(reflect.ValueOf(tm))
		return nil
	case typeDuration:
		d, err := dateTimeOf(v, t)
		if err != nil {
			return err
		}
		dur, err := d.Duration()
		if err != nil {
			return status.Wrap(status.TypeMismatch, err)
		}
		dst.SetInt(int64(dur))
		return nil
	case typeDateTime:
		d, err := dateTimeOf(v, t)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(d))
		return nil
	case typePath:
		c, err := v.Convert(cim.TypeReference)
		if err != nil {
			return mismatch(v, t)
		}
		p, ok := c.Path()
		if !ok {
			return mismatch(v, t)
		}
		dst.Set(reflect.ValueOf(p))
		return nil
	case typeObject, typeInstance, typeClass:
		o, ok := v.Object()
		if !ok {
			return mismatch(v, t)
		}
		ov := reflect.ValueOf(o)
		if !ov.Type().AssignableTo(t) {
			return mismatch(v, t)
		}
		dst.Set(ov)
		return nil
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return mismatch(v, t)
		}
		if x := v.Interface(); x != nil {
			dst.Set(reflect.ValueOf(x))
		}
		return nil
	case reflect.Struct:
		o, ok := v.Object()
		if !ok {
			return mismatch(v, t)
		}
		return decodeStruct(o, dst)
	case reflect.Slice:
		elems, ok := v.Array()
		if !ok {
			return mismatch(v, t)
		}
		s := reflect.MakeSlice(t, len(elems), len(elems))
		for i, e := range elems {
			if err := decodeValue(e, s.Index(i)); err != nil {
				return status.Errorf(status.TypeMismatch, "element %d: %s", i, status.From(err).Description)
			}
		}
		dst.Set(s)
		return nil
	}
	ct, ok := goKinds[t.Kind()]
	if !ok {
		return status.Errorf(status.TypeMismatch, "cannot decode into a field of type %s", t)
	}
	if v.Type().IsArray() {
		return mismatch(v, t)
	}
	c, err := v.Convert(ct)
	if err != nil {
		return status.New(status.TypeMismatch, status.From(err).Description)
	}
	switch x := c.Interface().(type) {
	case int8, int16, int32, int64:
		n, _ := c.Int()
		if dst.OverflowInt(n) {
			return mismatch(v, t)
		}
		dst.SetInt(n)
	case uint8, uint16, uint32, uint64:
		n, _ := c.Uint()
		if dst.OverflowUint(n) {
			return mismatch(v, t)
		}
		dst.SetUint(n)
	case float32:
		dst.SetFloat(float64(x))
	case float64:
		dst.SetFloat(x)
	case bool:
		dst.SetBool(x)
	case string:
		dst.SetString(x)
	default:
		return mismatch(v, t)
	}
	return nil
}

// dateTimeOf returns a datetime value, or a string holding one, as a
// cim.DateTime.
func dateTimeOf(v cim.Value, t reflect.Type) (cim.DateTime, error) {
	c, err := v.Convert(cim.TypeDateTime)
	if err != nil {
		return cim.DateTime{}, mismatch(v, t)
	}
	d, ok := c.DateTime()
	if !ok {
		return cim.DateTime{}, mismatch(v, t)
	}
	return d, nil
}
