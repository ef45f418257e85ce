// Package cim is gowmi's object model: CIM types and values, qualifiers with
// flavors, classes with inheritance, instances, system properties, object
// paths, DATETIME values, MOF text and a JSON encoding.
//
// A class is a *Class, an instance an *Instance; both are an Object, the Go
// form of WMI's IWbemClassObject. Names of classes, properties, methods and
// qualifiers are case-insensitive, as in WMI, and keep the case they were
// declared with.
package cim

import (
	"strings"

	"github.com/gowmi/gowmi/wbem/status"
)

// Type is a CIM type with Microsoft's CIMTYPE number. An array type is its
// element type OR TypeArray.
type Type uint16

// The CIM types, with the values of CIMTYPE_ENUMERATION.
const (
	TypeEmpty     Type = 0
	TypeSint8     Type = 16
	TypeUint8     Type = 17
	TypeSint16    Type = 2
	TypeUint16    Type = 18
	TypeSint32    Type = 3
	TypeUint32    Type = 19
	TypeSint64    Type = 20
	TypeUint64    Type = 21
	TypeReal32    Type = 4
	TypeReal64    Type = 5
	TypeBoolean   Type = 11
	TypeString    Type = 8
	TypeDateTime  Type = 101
	TypeReference Type = 102
	TypeChar16    Type = 103
	TypeObject    Type = 13
	TypeArray     Type = 0x2000 // CIM_FLAG_ARRAY
	TypeIllegal   Type = 0xFFF
)

var typeNames = map[Type]string{
	TypeEmpty: "empty", TypeSint8: "sint8", TypeUint8: "uint8", TypeSint16: "sint16",
	TypeUint16: "uint16", TypeSint32: "sint32", TypeUint32: "uint32", TypeSint64: "sint64",
	TypeUint64: "uint64", TypeReal32: "real32", TypeReal64: "real64", TypeBoolean: "boolean",
	TypeString: "string", TypeDateTime: "datetime", TypeReference: "ref", TypeChar16: "char16",
	TypeObject: "object",
}

var typesByName = func() map[string]Type {
	m := make(map[string]Type, len(typeNames))
	for t, n := range typeNames {
		m[n] = t
	}
	m["reference"] = TypeReference
	m["bool"] = TypeBoolean
	return m
}()

// IsArray reports whether t is an array type.
func (t Type) IsArray() bool { return t&TypeArray != 0 }

// Base returns the element type of an array type, or t itself.
func (t Type) Base() Type { return t &^ TypeArray }

// ArrayOf returns the array type whose elements are t.
func (t Type) ArrayOf() Type { return t | TypeArray }

// Valid reports whether t is one of the CIM types (or an array of one).
func (t Type) Valid() bool {
	switch t.Base() {
	case TypeEmpty:
		return t == TypeEmpty
	case TypeSint8, TypeUint8, TypeSint16, TypeUint16, TypeSint32, TypeUint32, TypeSint64, TypeUint64,
		TypeReal32, TypeReal64, TypeBoolean, TypeString, TypeDateTime, TypeReference, TypeChar16, TypeObject:
		return true
	}
	return false
}

// IsInteger reports whether the element type is one of the integer types.
func (t Type) IsInteger() bool {
	switch t.Base() {
	case TypeSint8, TypeUint8, TypeSint16, TypeUint16, TypeSint32, TypeUint32, TypeSint64, TypeUint64:
		return true
	}
	return false
}

// IsSigned reports whether the element type is a signed integer type.
func (t Type) IsSigned() bool {
	switch t.Base() {
	case TypeSint8, TypeSint16, TypeSint32, TypeSint64:
		return true
	}
	return false
}

// IsReal reports whether the element type is real32 or real64.
func (t Type) IsReal() bool { b := t.Base(); return b == TypeReal32 || b == TypeReal64 }

// IsNumeric reports whether the element type is an integer or real type.
func (t Type) IsNumeric() bool { return t.IsInteger() || t.IsReal() }

// bits returns the width of an integer type.
func (t Type) bits() int {
	switch t.Base() {
	case TypeSint8, TypeUint8:
		return 8
	case TypeSint16, TypeUint16, TypeChar16:
		return 16
	case TypeSint32, TypeUint32, TypeReal32:
		return 32
	}
	return 64
}

// String returns the MOF name of the type: "uint32", "string[]", "ref".
func (t Type) String() string {
	n, ok := typeNames[t.Base()]
	if !ok {
		return "illegal"
	}
	if t.IsArray() {
		return n + "[]"
	}
	return n
}

// ParseType returns the type of a MOF type name such as "uint32", "DateTime"
// or "string[]". Unknown names are WBEM_E_INVALID_CIM_TYPE.
func ParseType(name string) (Type, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	arr := strings.HasSuffix(n, "[]")
	n = strings.TrimSuffix(n, "[]")
	t, ok := typesByName[n]
	if !ok || t == TypeEmpty {
		return TypeIllegal, status.Errorf(status.InvalidCIMType, "unknown CIM type %q", name)
	}
	if arr {
		t |= TypeArray
	}
	return t, nil
}
