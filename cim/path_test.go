package cim

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

func kb(name string, v Value) KeyBinding { return KeyBinding{Name: name, Value: v} }

func TestParsePath(t *testing.T) {
	tests := []struct {
		in    string
		want  Path
		canon string // "" means the input is canonical
	}{
		// Full paths.
		{in: `\\SRV\root\cimv2:Win32_LogicalDisk.DeviceID="C:"`,
			want: Path{Server: "SRV", Namespace: `root\cimv2`, Class: "Win32_LogicalDisk", Keys: []KeyBinding{kb("DeviceID", String("C:"))}}},
		{in: `\\.\root\cimv2:Win32_LogicalDisk`,
			want: Path{Server: ".", Namespace: `root\cimv2`, Class: "Win32_LogicalDisk"}},
		{in: `//server/root/cimv2:Class.Key="v",Key2=1`,
			want:  Path{Server: "server", Namespace: `root\cimv2`, Class: "Class", Keys: []KeyBinding{kb("Key", String("v")), kb("Key2", Sint64(1))}},
			canon: `\\server\root\cimv2:Class.Key="v",Key2=1`},
		{in: `\/srv\root/cimv2:C`, want: Path{Server: "srv", Namespace: `root\cimv2`, Class: "C"}, canon: `\\srv\root\cimv2:C`},
		{in: `\\srv.example.com\root:__Namespace.Name="cimv2"`,
			want: Path{Server: "srv.example.com", Namespace: "root", Class: "__Namespace", Keys: []KeyBinding{kb("Name", String("cimv2"))}}},
		{in: `\\192.168.0.1\root\cimv2:A=@`, want: Path{Server: "192.168.0.1", Namespace: `root\cimv2`, Class: "A", Singleton: true}},
		{in: `\\[fe80::1]\root:A`, want: Path{Server: "[fe80::1]", Namespace: "root", Class: "A"}},
		{in: `\\my-host_1$\root:A`, want: Path{Server: "my-host_1$", Namespace: "root", Class: "A"}},
		{in: `\\Sérveur\root:A`, want: Path{Server: "Sérveur", Namespace: "root", Class: "A"}},
		// Namespace-relative paths.
		{in: `root\cimv2:Win32_Process.Handle="4"`,
			want: Path{Namespace: `root\cimv2`, Class: "Win32_Process", Keys: []KeyBinding{kb("Handle", String("4"))}}},
		{in: `root/cimv2:Win32_Process`, want: Path{Namespace: `root\cimv2`, Class: "Win32_Process"}, canon: `root\cimv2:Win32_Process`},
		{in: `root:__Namespace`, want: Path{Namespace: "root", Class: "__Namespace"}},
		// Relative paths.
		{in: `Win32_LogicalDisk.DeviceID="C:"`, want: Path{Class: "Win32_LogicalDisk", Keys: []KeyBinding{kb("DeviceID", String("C:"))}}},
		{in: `MyClass="e:"`, want: Path{Class: "MyClass", Keys: []KeyBinding{kb("", String("e:"))}}},
		{in: `MyClass=5`, want: Path{Class: "MyClass", Keys: []KeyBinding{kb("", Sint64(5))}}},
		{in: `MyOtherClass.FirstKey=1,SecondKey=2`,
			want: Path{Class: "MyOtherClass", Keys: []KeyBinding{kb("FirstKey", Sint64(1)), kb("SecondKey", Sint64(2))}}},
		{in: `MySingletonClass=@`, want: Path{Class: "MySingletonClass", Singleton: true}},
		{in: `Win32_LogicalDisk`, want: Path{Class: "Win32_LogicalDisk"}},
		{in: `__SystemClass`, want: Path{Class: "__SystemClass"}},
		{in: `Клас.Ключ="знач"`, want: Path{Class: "Клас", Keys: []KeyBinding{kb("Ключ", String("знач"))}}},
		// Key order is canonicalised.
		{in: `A.z=1,y="a",X=TRUE`,
			want:  Path{Class: "A", Keys: []KeyBinding{kb("X", Boolean(true)), kb("y", String("a")), kb("z", Sint64(1))}},
			canon: `A.X=TRUE,y="a",z=1`},
		{in: `A.AB=1,A_=2`, want: Path{Class: "A", Keys: []KeyBinding{kb("A_", Sint64(2)), kb("AB", Sint64(1))}}, canon: `A.A_=2,AB=1`},
		// Namespace paths.
		{in: `\\.\root\cimv2`, want: Path{Server: ".", Namespace: `root\cimv2`}},
		{in: `\\SRV\root`, want: Path{Server: "SRV", Namespace: "root"}},
		{in: `root\cimv2`, want: Path{Namespace: `root\cimv2`}},
		{in: `root/cimv2/ms_409`, want: Path{Namespace: `root\cimv2\ms_409`}, canon: `root\cimv2\ms_409`},
		{in: `\\.\root\cimv2:`, want: Path{Server: ".", Namespace: `root\cimv2`}, canon: `\\.\root\cimv2`},
		{in: `root\cimv2:`, want: Path{Namespace: `root\cimv2`}, canon: `root\cimv2`},
		{in: `root:`, want: Path{Namespace: "root"}},
		// Values.
		{in: `A.k='single'`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", String("single"))}}, canon: `A.k="single"`},
		{in: `A.k='it\'s "x"'`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", String(`it's "x"`))}}, canon: `A.k="it's \"x\""`},
		{in: `Win32_Directory.Name="C:\\Windows"`, want: Path{Class: "Win32_Directory", Keys: []KeyBinding{kb("Name", String(`C:\Windows`))}}},
		{in: `A.k="a\tb\nc\r\0\a\b\f\v\?"`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", String("a\tb\nc\r\x00\a\b\f\v?"))}},
			canon: "A.k=\"a\tb\nc\r\x00\a\b\f\v?\""},
		{in: `A.k="\x41\u00e9\ud83d\ude00"`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", String("Aé😀"))}}, canon: `A.k="Aé😀"`},
		{in: `A.k="with space, comma=and.dot"`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", String("with space, comma=and.dot"))}}},
		{in: `A.k=""`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", String(""))}}},
		{in: `A.k=-42`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(-42))}}},
		{in: `A.k=+42`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(42))}}, canon: `A.k=42`},
		{in: `A.k=007`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(7))}}, canon: `A.k=7`},
		{in: `A.k=0x1F`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(31))}}, canon: `A.k=31`},
		{in: `A.k=-0X10`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(-16))}}, canon: `A.k=-16`},
		{in: `A.k=9223372036854775807`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(math.MaxInt64))}}},
		{in: `A.k=9223372036854775808`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Uint64(1<<63))}}},
		{in: `A.k=18446744073709551615`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Uint64(math.MaxUint64))}}},
		{in: `A.k=0xFFFFFFFFFFFFFFFF`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Uint64(math.MaxUint64))}}, canon: `A.k=18446744073709551615`},
		{in: `A.k=-9223372036854775808`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(math.MinInt64))}}},
		{in: `A.k=1.5`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Real64(1.5))}}},
		{in: `A.k=-2e10`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Real64(-2e10))}}, canon: `A.k=-2e+10`},
		{in: `A.k=1.0`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Real64(1))}}},
		{in: `A.k=true,l=False`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", Boolean(true)), kb("l", Boolean(false))}}, canon: `A.k=TRUE,l=FALSE`},
		{in: `A.k="20240101120000.000000+000"`, want: Path{Class: "A", Keys: []KeyBinding{kb("k", String("20240101120000.000000+000"))}}},
		// A reference key holding an escaped path stays a String.
		{in: `Assoc.Ref="\\\\SRV\\root\\cimv2:Win32_ComputerSystem.Name=\"SRV\""`,
			want: Path{Class: "Assoc", Keys: []KeyBinding{kb("Ref", String(`\\SRV\root\cimv2:Win32_ComputerSystem.Name="SRV"`))}}},
		{in: `\\SRV\root\cimv2:Win32_SystemServices.GroupComponent="\\\\SRV\\root\\cimv2:Win32_ComputerSystem.Name=\"SRV\"",PartComponent="\\\\SRV\\root\\cimv2:Win32_Service.Name=\"Spooler\""`,
			want: Path{Server: "SRV", Namespace: `root\cimv2`, Class: "Win32_SystemServices", Keys: []KeyBinding{
				kb("GroupComponent", String(`\\SRV\root\cimv2:Win32_ComputerSystem.Name="SRV"`)),
				kb("PartComponent", String(`\\SRV\root\cimv2:Win32_Service.Name="Spooler"`)),
			}}},
		// Whitespace at the ends is ignored.
		{in: " \tA.k=1\r\n", want: Path{Class: "A", Keys: []KeyBinding{kb("k", Sint64(1))}}, canon: `A.k=1`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePath(tt.in)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParsePath(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
			canon := tt.canon
			if canon == "" {
				canon = tt.in
			}
			if s := got.String(); s != canon {
				t.Errorf("String() = %q, want %q", s, canon)
			}
			again, err := ParsePath(got.String())
			if err != nil {
				t.Fatalf("ParsePath(String()): %v", err)
			}
			if !reflect.DeepEqual(again, got) || !again.Equal(got) {
				t.Errorf("round trip: got %#v, want %#v", again, got)
			}
		})
	}
}

// checkPosError checks that err is a *status.Error with code and position
// pos whose description contains msg.
func checkPosError(t *testing.T, err error, code status.Code, pos int, msg string) {
	t.Helper()
	var se *status.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *status.Error", err, err)
	}
	if se.Code != code {
		t.Errorf("code %v, want %v", se.Code, code)
	}
	if want := fmt.Sprintf("position %d", pos); se.ParameterInfo != want {
		t.Errorf("ParameterInfo %q, want %q (error %v)", se.ParameterInfo, want, err)
	}
	if want := fmt.Sprintf("at position %d: ", pos); !strings.Contains(se.Description, want) {
		t.Errorf("description %q does not contain %q", se.Description, want)
	}
	if !strings.Contains(se.Description, msg) {
		t.Errorf("description %q does not contain %q", se.Description, msg)
	}
}

func TestParsePathErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		msg string
	}{
		{``, 0, "empty object path"},
		{`   `, 3, "empty object path"},
		{`\\`, 2, "expected a server name"},
		{`\\SRV`, 5, `expected '\' and a namespace after the server name`},
		{`\\SRV:Class`, 5, `expected '\' and a namespace`},
		{`\\SRV\`, 6, "expected a namespace name"},
		{`\\SRV\root\`, 11, "expected a namespace name"},
		{`\\SRV\root\\cimv2`, 11, "expected a namespace name"},
		{`\\SRV\root\cimv2.Class`, 16, `expected ':', '\' or the end of the path after the namespace, found '.'`},
		{`\\[fe80::1\root:A`, 10, "IPv6"},
		{`\\[]\root:A`, 3, "an IPv6 address"},
		{`\root\cimv2:A`, 1, `expected '\' (a full path begins with \\server)`},
		{`:Class`, 0, "expected a class or namespace name"},
		{`1Class`, 0, "expected a class or namespace name"},
		{`root\cimv2:`[:5] + `:`, 5, "expected a namespace name"},
		{`root\cimv2::A`, 11, "expected a class name"},
		{`root\cimv2:1A`, 11, "expected a class name"},
		{`Class.`, 6, "expected a key name, found the end of the path"},
		{`Class.Key`, 9, "expected '=' after the key name"},
		{`Class.Key:"v"`, 9, "expected '=' after the key name, found ':'"},
		{`Class.Key=`, 10, "expected a key value"},
		{`Class.Key="v"x`, 13, "expected ',' or the end of the path after the key value"},
		{`Class.Key="v",`, 14, "expected a key name"},
		{`Class.Key="v",Key2`, 18, "expected '=' after the key name"},
		{`Class.Key=1,key=2`, 12, "key key is given twice"},
		{`Class.Key=v`, 10, "strings must be quoted"},
		{`Class.Key=@`, 10, "singleton"},
		{`Class=@x`, 7, "expected the end of the path after the key value"},
		{`Class="a",b=1`, 9, "expected the end of the path"},
		{`Class==1`, 6, "expected a key value"},
		{`Class.Key="unterminated`, 10, `string has no closing "`},
		{`Class.Key='unterminated"`, 10, `string has no closing '`},
		{`Class.Key="ends with backslash\`, 10, "no closing"},
		{`Win32_Directory.Name="C:\Windows"`, 24, `unknown escape \W`},
		{`A.k="\x4"`, 5, `\x must be followed by two hex digits`},
		{`A.k="\u00g1"`, 5, `\u must be followed by four hex digits`},
		{`A.k="\ud83d"`, 5, "half of a surrogate pair"},
		{`A.k="\ude00\ud83d"`, 5, "half of a surrogate pair"},
		{`A.k=-`, 5, "expected a digit"},
		{`A.k=0x`, 6, "expected hex digits after 0x"},
		{`A.k=1.`, 6, "expected a digit after the decimal point"},
		{`A.k=1e`, 6, "expected a digit in the exponent"},
		{`A.k=1e999`, 4, "number 1e999 is out of range"},
		{`A.k=18446744073709551616`, 4, "integer 18446744073709551616 is out of range"},
		{`A.k=-9223372036854775809`, 4, "integer -9223372036854775809 is out of range"},
		{`A.k=0x10000000000000000`, 4, "out of range"},
		{`A.k=-0x8000000000000001`, 4, "out of range"},
		{`A.k = 1`, 3, "whitespace"},
		{`A.k=1 ,l=2`, 5, "whitespace"},
		{`A. k=1`, 2, "whitespace"},
		{`\\SRV\root\cimv2 :A`, 16, "whitespace"},
		{`A.k=1;`, 5, "found ';'"},
		{`A.k=TRUEX`, 4, "strings must be quoted"},
		{"A.k=\xff", 4, "byte 0xFF"},
		{"A\xff", 1, "byte 0xFF"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePath(tt.in)
			if err == nil {
				t.Fatalf("ParsePath(%q) = %#v, want an error", tt.in, p)
			}
			checkPosError(t, err, status.InvalidObjectPath, tt.pos, tt.msg)
			if !errors.Is(err, status.ErrInvalidObjectPath) {
				t.Errorf("errors.Is(err, ErrInvalidObjectPath) is false")
			}
		})
	}
	// "Name:" begins a one-element namespace.
	if p, err := ParsePath(`Class:x`); err != nil || p.Namespace != "Class" || p.Class != "x" {
		t.Errorf("ParsePath(Class:x) = %#v, %v", p, err)
	}
}

func TestPathStringValueTypes(t *testing.T) {
	dt := MustParseDateTime("20240229123456.123456-480")
	ref := Value{typ: TypeReference, valid: true, s: `\\SRV\root\cimv2:Win32_ComputerSystem.Name="SRV"`}
	tests := []struct {
		v    Value
		want string
	}{
		{String(`a"b\c`), `A.k="a\"b\\c"`},
		{Sint8(-8), `A.k=-8`},
		{Uint8(200), `A.k=200`},
		{Sint16(-300), `A.k=-300`},
		{Uint16(65535), `A.k=65535`},
		{Sint32(math.MinInt32), `A.k=-2147483648`},
		{Uint32(math.MaxUint32), `A.k=4294967295`},
		{Sint64(math.MinInt64), `A.k=-9223372036854775808`},
		{Uint64(math.MaxUint64), `A.k=18446744073709551615`},
		{Boolean(true), `A.k=TRUE`},
		{Boolean(false), `A.k=FALSE`},
		{Real64(2), `A.k=2.0`},
		{Real64(0.1), `A.k=0.1`},
		{Real32(0.1), `A.k=0.1`},
		{Real64(1e21), `A.k=1e+21`},
		{Char16('x'), `A.k="x"`},
		{Char16('"'), `A.k="\""`},
		{DateTimeValue(dt), `A.k="20240229123456.123456-480"`},
		{ref, `A.k="\\\\SRV\\root\\cimv2:Win32_ComputerSystem.Name=\"SRV\""`},
		{Null(TypeString), `A.k=NULL`},
	}
	for _, tt := range tests {
		p := Path{Class: "A", Keys: []KeyBinding{{"k", tt.v}}}
		if got := p.String(); got != tt.want {
			t.Errorf("%#v: String() = %q, want %q", tt.v, got, tt.want)
			continue
		}
		if tt.v.IsNull() {
			if _, err := ParsePath(tt.want); err == nil {
				t.Errorf("a NULL key parsed")
			}
			continue
		}
		q, err := ParsePath(tt.want)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tt.want, err)
			continue
		}
		if !q.Equal(p) || !p.Equal(q) {
			t.Errorf("%#v: ParsePath(String()) = %#v is not Equal", tt.v, q)
		}
	}
	// A reference key reads back as the path it holds.
	p := Path{Class: "Assoc", Keys: []KeyBinding{{"Ref", ref}}}
	q := MustParsePath(p.String())
	v, _ := q.Key("ref")
	inner, ok := Value{typ: TypeReference, valid: true, s: v.s}.Path()
	if !ok || inner.Server != "SRV" || inner.Class != "Win32_ComputerSystem" {
		t.Errorf("inner path %#v, %v", inner, ok)
	}
}

func TestPathStringForms(t *testing.T) {
	keys := []KeyBinding{{"b", Sint64(2)}, {"A", String("x")}}
	tests := []struct {
		p    Path
		want string
		rel  string
	}{
		{Path{Server: "SRV", Namespace: `root\cimv2`, Class: "C", Keys: keys}, `\\SRV\root\cimv2:C.A="x",b=2`, `C.A="x",b=2`},
		{Path{Namespace: `root\cimv2`, Class: "C", Singleton: true}, `root\cimv2:C=@`, `C=@`},
		{Path{Namespace: `/root/cimv2/`, Class: "C"}, `root\cimv2:C`, `C`},
		{Path{Server: "SRV", Class: "C"}, `C`, `C`}, // no namespace: the server is not written
		{Path{Class: "C"}, `C`, `C`},
		{Path{Server: ".", Namespace: "root"}, `\\.\root`, ``},
		{Path{Namespace: "root"}, `root:`, ``},
		{Path{Namespace: `root\cimv2`}, `root\cimv2`, ``},
		{Path{}, ``, ``},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
		if got := tt.p.RelPath(); got != tt.rel {
			t.Errorf("%#v.RelPath() = %q, want %q", tt.p, got, tt.rel)
		}
	}
	// String does not reorder the caller's keys.
	if keys[0].Name != "b" {
		t.Errorf("String sorted the caller's slice")
	}
}

func TestPathPredicates(t *testing.T) {
	tests := []struct {
		in                  string
		class, inst, nspace bool
	}{
		{`\\.\root\cimv2`, false, false, true},
		{`root\cimv2:`, false, false, true},
		{`root\cimv2:A`, true, false, false},
		{`A`, true, false, false},
		{`A=@`, false, true, false},
		{`A="x"`, false, true, false},
		{`A.k=1`, false, true, false},
	}
	for _, tt := range tests {
		p := MustParsePath(tt.in)
		if p.IsClass() != tt.class || p.IsInstance() != tt.inst || p.IsNamespace() != tt.nspace {
			t.Errorf("%q: IsClass %v IsInstance %v IsNamespace %v", tt.in, p.IsClass(), p.IsInstance(), p.IsNamespace())
		}
	}
}

func TestPathEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`A.x=1,y="a"`, `A.y="a",x=1`, true},
		{`\\SRV\ROOT\CIMV2:win32_process.HANDLE="4"`, `\\srv\root\cimv2:Win32_Process.Handle="4"`, true},
		{`\\SRV\root/cimv2:A`, `//srv/ROOT\cimv2:a`, true},
		{`A.k="Hello"`, `A.k="HELLO"`, true},
		{`A.k="Hello"`, `A.k='hello'`, true},
		{`A.k=1`, `A.k=0x1`, true},
		{`A.k=1`, `A.k="1"`, false},
		{`A.k=TRUE`, `A.k=true`, true},
		{`A.k=TRUE`, `A.k=1`, false},
		{`A.k=1`, `A.k=2`, false},
		{`A.k=1`, `A.j=1`, false},
		{`A.k=1`, `A.k=1,j=2`, false},
		{`A="x"`, `A.Name="x"`, true},
		{`A.Name="x"`, `A="X"`, true},
		{`A="x"`, `A.Name="y"`, false},
		{`A=@`, `A`, false},
		{`A=@`, `a=@`, true},
		{`A`, `B`, false},
		{`\\.\root:A`, `\\localhost\root:A`, false},
		{`\\.\root:A`, `root:A`, false},
		{`root:A`, `A`, false},
		{`\\.\root`, `\\.\ROOT:`, true},
		{`A.k=1.5`, `A.k=15e-1`, true},
	}
	for _, tt := range tests {
		a, b := MustParsePath(tt.a), MustParsePath(tt.b)
		if got := a.Equal(b); got != tt.want {
			t.Errorf("%q.Equal(%q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := b.Equal(a); got != tt.want {
			t.Errorf("%q.Equal(%q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}

	// Values of different types.
	ref := func(s string) Value { return Value{typ: TypeReference, valid: true, s: s} }
	vt := []struct {
		a, b Value
		want bool
	}{
		{Uint32(7), Sint64(7), true},
		{Uint64(math.MaxUint64), Sint64(-1), false},
		{Uint64(1 << 63), Uint64(1 << 63), true},
		{Sint8(-1), Sint64(-1), true},
		{Real32(0.1), Real64(0.1), true},
		{Real64(0.1), Real64(0.2), false},
		{Real64(2), Sint64(2), true},
		{Char16('x'), String("X"), true},
		{DateTimeValue(MustParseDateTime("20240101000000.000000+000")), String("20240101000000.000000+000"), true},
		{ref(`\\SRV\root\cimv2:A.k="v"`), String(`\\srv\ROOT\cimv2:a.K="V"`), true},
		{ref(`\\SRV\root\cimv2:A.j=1,k=2`), ref(`\\SRV\root\cimv2:A.k=2,j=1`), true},
		{ref(`\\SRV\root\cimv2:A.k=1`), String(`\\SRV\root\cimv2:A.k=2`), false},
		{ref(`not a path!`), String(`NOT A PATH!`), true},
		{String("a"), Boolean(true), false},
		{Null(TypeString), Null(TypeString), true},
		{Null(TypeString), String(""), false},
	}
	for _, tt := range vt {
		pa := Path{Class: "A", Keys: []KeyBinding{{"k", tt.a}}}
		pb := Path{Class: "A", Keys: []KeyBinding{{"K", tt.b}}}
		if got := pa.Equal(pb); got != tt.want {
			t.Errorf("key %#v vs %#v: Equal = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPathKeyAndNamespace(t *testing.T) {
	p := MustParsePath(`\\SRV\root\cimv2:A.Name="x",ID=3`)
	if v, ok := p.Key("name"); !ok || !v.Equal(String("x")) {
		t.Errorf("Key(name) = %#v, %v", v, ok)
	}
	if v, ok := p.Key("Id"); !ok || !v.Equal(Sint64(3)) {
		t.Errorf("Key(Id) = %#v, %v", v, ok)
	}
	if _, ok := p.Key("other"); ok {
		t.Errorf("Key(other) found")
	}
	if v, ok := MustParsePath(`A="s"`).Key(""); !ok || !v.Equal(String("s")) {
		t.Errorf("Key(\"\") = %#v, %v", v, ok)
	}

	q := p.WithNamespace("OTHER", "/root/default/")
	if q.Server != "OTHER" || q.Namespace != `root\default` || q.String() != `\\OTHER\root\default:A.ID=3,Name="x"` {
		t.Errorf("WithNamespace = %#v (%s)", q, q)
	}
	q.Keys[0].Name = "changed"
	if p.Keys[0].Name == "changed" {
		t.Errorf("WithNamespace shares Keys")
	}
	if c := p.ClassPath(); c.String() != `\\SRV\root\cimv2:A` || !c.IsClass() {
		t.Errorf("ClassPath = %s", c)
	}

	for in, want := range map[string]string{
		`root\cimv2`:     `root\cimv2`,
		`root/cimv2`:     `root\cimv2`,
		`//root//CIMV2/`: `root\CIMV2`,
		`\root\`:         `root`,
		``:               ``,
		`/`:              ``,
	} {
		if got := NormalizeNamespace(in); got != want {
			t.Errorf("NormalizeNamespace(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{`root\cimv2`, `ROOT/CIMV2`, true},
		{`root\cimv2`, `\root\cimv2\`, true},
		{`root\cimv2`, `root\cimv`, false},
		{`root`, `root\cimv2`, false},
		{``, ``, true},
	} {
		if got := NamespaceEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("NamespaceEqual(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
	if got := QuotePathString(`C:\dir\"x"`); got != `"C:\\dir\\\"x\""` {
		t.Errorf("QuotePathString = %s", got)
	}
}

func TestSortKeys(t *testing.T) {
	keys := []KeyBinding{{"b", Sint64(1)}, {"AB", Sint64(2)}, {"a_", Sint64(3)}, {"Ä", Sint64(4)}, {"A", Sint64(5)}, {"ab2", Sint64(6)}}
	sortKeys(keys)
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	if got, want := strings.Join(names, ","), "A,a_,AB,ab2,b,Ä"; got != want {
		t.Errorf("sortKeys order %s, want %s", got, want)
	}
	sortKeys(nil)
}

func TestReferenceTextUsesParsePath(t *testing.T) {
	v, err := ReferenceText(`Assoc.Ref="\\\\SRV\\root\\cimv2:A.k=\"x\""`)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := v.Path(); !ok || p.Class != "Assoc" {
		t.Errorf("Path() = %#v, %v", p, ok)
	}
	if _, err := ReferenceText(`A.k=`); err == nil {
		t.Errorf("ReferenceText accepted a bad path")
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		`\\SRV\root\cimv2:Win32_LogicalDisk.DeviceID="C:"`,
		`//server/root/cimv2:Class.Key="v",Key2=1`,
		`\\.\root\cimv2`, `root\cimv2`, `root:`, `root\cimv2:`,
		`Win32_LogicalDisk`, `MyClass="e:"`, `MySingletonClass=@`,
		`A.k='x\'y',j=-0x10,l=TRUE,m=1.5e3`,
		`Assoc.Ref="\\\\SRV\\root\\cimv2:Win32_ComputerSystem.Name=\"SRV\""`,
		`A.k="\u00e9\x41\n"`, `\\[::1]\root:A`, `A.k=18446744073709551615`,
		`Class.Key`, `A.k="unterminated`, ` A.k=1 `,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			var se *status.Error
			if !errors.As(err, &se) || se.Code != status.InvalidObjectPath || !strings.HasPrefix(se.ParameterInfo, "position ") {
				t.Fatalf("ParsePath(%q): bad error %#v", s, err)
			}
			return
		}
		text := p.String()
		q, err := ParsePath(text)
		if err != nil {
			t.Fatalf("ParsePath(%q) = %#v; String() = %q does not parse: %v", s, p, text, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip of %q through %q:\n got %#v\nwant %#v", s, text, q, p)
		}
		if !p.Equal(q) || !q.Equal(p) {
			t.Fatalf("round trip of %q: not Equal", s)
		}
		if q.String() != text {
			t.Fatalf("String not stable: %q then %q", text, q.String())
		}
		_ = p.RelPath()
	})
}

// FuzzPathFormat builds paths from arbitrary parts and checks that String
// always writes a text that ParsePath reads back to the same path.
func FuzzPathFormat(f *testing.F) {
	f.Add("SRV", `root\cimv2`, "Win32_Service", "Name", `C:\dir\"quoted" 'x'`, int64(-5), true)
	f.Add("", "root", "A", "k", "", int64(0), false)
	f.Add(".", "", "A", "k", "\x00\xff\\", int64(1), true)
	f.Fuzz(func(t *testing.T, server, ns, class, key, str string, n int64, b bool) {
		for _, part := range []string{server, ns, class, key} {
			if strings.TrimSpace(part) != part {
				return // ParsePath ignores the whitespace at the ends
			}
		}
		c, err := ParsePath(class)
		if err != nil || !c.IsClass() || c.Namespace != "" {
			return // not an identifier
		}
		if k, err := ParsePath(key); err != nil || !k.IsClass() || k.Namespace != "" || strings.EqualFold(key, "k2") || strings.EqualFold(key, "k3") {
			return
		}
		if server != "" {
			if sp, err := ParsePath(`\\` + server + `\root`); err != nil || sp.Server != server {
				return
			}
		}
		if ns != "" {
			if np, err := ParsePath(ns + ":"); err != nil || !np.IsNamespace() {
				return
			}
		}
		p := Path{Server: server, Namespace: ns, Class: class, Keys: []KeyBinding{
			{key, String(str)}, {"k2", Sint64(n)}, {"k3", Boolean(b)},
		}}
		if ns == "" {
			p.Server = ""
		}
		sortKeys(p.Keys)
		p.Namespace = NormalizeNamespace(p.Namespace)
		text := p.String()
		q, err := ParsePath(text)
		if err != nil {
			t.Fatalf("%#v: String() = %q does not parse: %v", p, text, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip through %q:\n got %#v\nwant %#v", text, q, p)
		}
		if !strings.Contains(text, key+"="+QuotePathString(str)) {
			t.Fatalf("%q does not hold %s=QuotePathString(%q)", text, key, str)
		}
	})
}

var benchPaths = []string{
	`\\SRV\root\cimv2:Win32_LogicalDisk.DeviceID="C:"`,
	`Win32_Process.Handle="4"`,
	`\\SRV\root\cimv2:Win32_SystemServices.GroupComponent="\\\\SRV\\root\\cimv2:Win32_ComputerSystem.Name=\"SRV\"",PartComponent="\\\\SRV\\root\\cimv2:Win32_Service.Name=\"Spooler\""`,
	`MyOtherClass.FirstKey=1,SecondKey=2,ThirdKey=TRUE`,
}

func BenchmarkPathParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParsePath(benchPaths[i%len(benchPaths)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPathFormat(b *testing.B) {
	paths := make([]Path, len(benchPaths))
	for i, s := range benchPaths {
		paths[i] = MustParsePath(s)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = paths[i%len(paths)].String()
	}
}
