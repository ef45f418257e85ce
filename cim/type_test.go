package cim

import (
	"errors"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

// Microsoft's CIMTYPE_ENUMERATION values (wbemcli.h).
var cimTypes = []struct {
	t    Type
	num  uint16
	name string
}{
	{TypeSint8, 16, "sint8"},
	{TypeUint8, 17, "uint8"},
	{TypeSint16, 2, "sint16"},
	{TypeUint16, 18, "uint16"},
	{TypeSint32, 3, "sint32"},
	{TypeUint32, 19, "uint32"},
	{TypeSint64, 20, "sint64"},
	{TypeUint64, 21, "uint64"},
	{TypeReal32, 4, "real32"},
	{TypeReal64, 5, "real64"},
	{TypeBoolean, 11, "boolean"},
	{TypeString, 8, "string"},
	{TypeDateTime, 101, "datetime"},
	{TypeReference, 102, "ref"},
	{TypeChar16, 103, "char16"},
	{TypeObject, 13, "object"},
}

func TestTypeNumbers(t *testing.T) {
	if TypeEmpty != 0 || TypeArray != 0x2000 || TypeIllegal != 0xFFF {
		t.Errorf("CIM_EMPTY, CIM_FLAG_ARRAY, CIM_ILLEGAL = %#x, %#x, %#x", uint16(TypeEmpty), uint16(TypeArray), uint16(TypeIllegal))
	}
	for _, tc := range cimTypes {
		if uint16(tc.t) != tc.num {
			t.Errorf("%s = %d, want %d", tc.name, uint16(tc.t), tc.num)
		}
		arr := tc.t.ArrayOf()
		if uint16(arr) != 0x2000|tc.num {
			t.Errorf("%s[] = %#x, want %#x", tc.name, uint16(arr), 0x2000|tc.num)
		}
		if !arr.IsArray() || tc.t.IsArray() {
			t.Errorf("%s: IsArray scalar %v, array %v", tc.name, tc.t.IsArray(), arr.IsArray())
		}
		if arr.Base() != tc.t || tc.t.Base() != tc.t {
			t.Errorf("%s: Base of array %v, of scalar %v", tc.name, arr.Base(), tc.t.Base())
		}
		if arr.ArrayOf() != arr {
			t.Errorf("%s: ArrayOf an array type changed it", tc.name)
		}
	}
}

func TestTypeStringParse(t *testing.T) {
	for _, tc := range cimTypes {
		if got := tc.t.String(); got != tc.name {
			t.Errorf("String(%d) = %q, want %q", tc.num, got, tc.name)
		}
		if got := tc.t.ArrayOf().String(); got != tc.name+"[]" {
			t.Errorf("String(%d[]) = %q", tc.num, got)
		}
		for _, text := range []string{tc.t.String(), tc.t.ArrayOf().String()} {
			got, err := ParseType(text)
			if err != nil {
				t.Errorf("ParseType(%q): %v", text, err)
				continue
			}
			if got.String() != text {
				t.Errorf("ParseType(%q) = %v", text, got)
			}
		}
	}
	for text, want := range map[string]Type{
		"DateTime": TypeDateTime, "UINT32": TypeUint32, " string ": TypeString,
		"reference": TypeReference, "Boolean[]": TypeBoolean | TypeArray, "bool": TypeBoolean,
		"Object": TypeObject, "char16[]": TypeChar16 | TypeArray,
	} {
		got, err := ParseType(text)
		if err != nil || got != want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
	for _, text := range []string{"", "empty", "int", "uint128", "[]", "string[][]", "ref:CIM_System", "illegal"} {
		got, err := ParseType(text)
		if !errors.Is(err, status.ErrInvalidCIMType) || got != TypeIllegal {
			t.Errorf("ParseType(%q) = %v, %v; want TypeIllegal, WBEM_E_INVALID_CIM_TYPE", text, got, err)
		}
	}
	if got := TypeEmpty.String(); got != "empty" {
		t.Errorf("TypeEmpty.String() = %q", got)
	}
	for _, bad := range []Type{TypeIllegal, 1, 0x2FFF, 0x4008} {
		if got := bad.String(); got != "illegal" {
			t.Errorf("Type(%#x).String() = %q, want illegal", uint16(bad), got)
		}
	}
}

func TestTypeValid(t *testing.T) {
	for _, tc := range cimTypes {
		if !tc.t.Valid() || !tc.t.ArrayOf().Valid() {
			t.Errorf("%s or its array not Valid", tc.name)
		}
	}
	if !TypeEmpty.Valid() {
		t.Error("TypeEmpty not Valid")
	}
	for _, bad := range []Type{TypeArray, TypeIllegal, TypeIllegal | TypeArray, 1, 6, 7, 9, 10, 12, 14, 15, 22, 100, 104, 0x4008, 0xFFFF} {
		if bad.Valid() {
			t.Errorf("Type(%#x).Valid() = true", uint16(bad))
		}
	}
}

func TestTypeClasses(t *testing.T) {
	type class struct{ integer, signed, real, numeric bool }
	want := map[Type]class{
		TypeSint8: {true, true, false, true}, TypeUint8: {true, false, false, true},
		TypeSint16: {true, true, false, true}, TypeUint16: {true, false, false, true},
		TypeSint32: {true, true, false, true}, TypeUint32: {true, false, false, true},
		TypeSint64: {true, true, false, true}, TypeUint64: {true, false, false, true},
		TypeReal32: {false, false, true, true}, TypeReal64: {false, false, true, true},
		TypeBoolean: {}, TypeString: {}, TypeDateTime: {}, TypeReference: {}, TypeChar16: {}, TypeObject: {},
	}
	for typ, w := range want {
		for _, tt := range []Type{typ, typ.ArrayOf()} {
			got := class{tt.IsInteger(), tt.IsSigned(), tt.IsReal(), tt.IsNumeric()}
			if got != w {
				t.Errorf("%v: integer/signed/real/numeric = %v, want %v", tt, got, w)
			}
		}
	}
}
