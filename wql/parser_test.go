package wql

import (
	"strings"
	"testing"
	"time"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// validQueries maps queries to their canonical form ("" when the query is
// canonical already).
var validQueries = []struct{ in, out string }{
	// SELECT lists.
	{`SELECT * FROM Win32_Process`, ``},
	{`select * from win32_process`, `SELECT * FROM win32_process`},
	{`SELECT Name FROM Win32_Process`, ``},
	{`SELECT Name, Handle, __CLASS FROM Win32_Process`, ``},
	{`SELECT Name,Handle FROM Win32_Process`, `SELECT Name, Handle FROM Win32_Process`},
	{`SELECT TargetInstance.Name FROM __InstanceCreationEvent`, ``},
	{"SELECT\na\rFROM\tb", `SELECT a FROM b`},
	{`  SELECT * FROM X  `, `SELECT * FROM X`},
	{`SELECT * FROM __Namespace`, ``},
	// WHERE: every comparison operator, both orders.
	{`SELECT * FROM C WHERE a = 1`, ``},
	{`SELECT * FROM C WHERE a<>1`, `SELECT * FROM C WHERE a <> 1`},
	{`SELECT * FROM C WHERE a != 1`, `SELECT * FROM C WHERE a <> 1`},
	{`SELECT * FROM C WHERE a < 1`, ``},
	{`SELECT * FROM C WHERE a <= 1`, ``},
	{`SELECT * FROM C WHERE a > 1`, ``},
	{`SELECT * FROM C WHERE a >= 1`, ``},
	{`SELECT * FROM C WHERE 1 = a`, `SELECT * FROM C WHERE a = 1`},
	{`SELECT * FROM C WHERE 1 < a`, `SELECT * FROM C WHERE a > 1`},
	{`SELECT * FROM C WHERE 1 <= a`, `SELECT * FROM C WHERE a >= 1`},
	{`SELECT * FROM C WHERE 1 > a`, `SELECT * FROM C WHERE a < 1`},
	{`SELECT * FROM C WHERE 1 >= a`, `SELECT * FROM C WHERE a <= 1`},
	{`SELECT * FROM C WHERE 1 <> a`, `SELECT * FROM C WHERE a <> 1`},
	{`SELECT * FROM C WHERE "NTFS" = FileSystem`, `SELECT * FROM C WHERE FileSystem = "NTFS"`},
	{`SELECT * FROM C WHERE a=b`, `SELECT * FROM C WHERE a = b`},
	{`SELECT * FROM __InstanceModificationEvent WITHIN 5 WHERE TargetInstance.State <> PreviousInstance.State`, ``},
	// Logic and precedence.
	{`SELECT * FROM C WHERE a = 1 AND b = 2`, ``},
	{`SELECT * FROM C WHERE a = 1 OR b = 2`, ``},
	{`SELECT * FROM C WHERE a = 1 OR b = 2 AND c = 3`, ``},
	{`SELECT * FROM C WHERE (a = 1 OR b = 2) AND c = 3`, ``},
	{`SELECT * FROM C WHERE a = 1 AND (b = 2 OR c = 3)`, ``},
	{`SELECT * FROM C WHERE a = 1 AND (b = 2 AND c = 3)`, ``},
	{`SELECT * FROM C WHERE (a = 1 AND b = 2) AND c = 3`, `SELECT * FROM C WHERE a = 1 AND b = 2 AND c = 3`},
	{`SELECT * FROM C WHERE ((((a = 1))))`, `SELECT * FROM C WHERE a = 1`},
	{`SELECT * FROM C WHERE NOT a = 1`, ``},
	{`SELECT * FROM C WHERE NOT (a = 1 OR b = 2)`, ``},
	{`SELECT * FROM C WHERE NOT NOT a = 1`, ``},
	{`SELECT * FROM C WHERE NOT a = 1 AND b = 2`, ``},
	{`SELECT * FROM C WHERE a = 1 or b = 2 and not c = 3`, `SELECT * FROM C WHERE a = 1 OR b = 2 AND NOT c = 3`},
	// IS [NOT] NULL and NULL comparisons.
	{`SELECT * FROM C WHERE a IS NULL`, ``},
	{`SELECT * FROM C WHERE a IS NOT NULL`, ``},
	{`SELECT * FROM C WHERE a is not null`, `SELECT * FROM C WHERE a IS NOT NULL`},
	{`SELECT * FROM C WHERE a = NULL`, `SELECT * FROM C WHERE a IS NULL`},
	{`SELECT * FROM C WHERE a <> NULL`, `SELECT * FROM C WHERE a IS NOT NULL`},
	{`SELECT * FROM C WHERE a != NULL`, `SELECT * FROM C WHERE a IS NOT NULL`},
	{`SELECT * FROM C WHERE NULL = a`, `SELECT * FROM C WHERE a IS NULL`},
	// ISA.
	{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "Win32_Process"`, ``},
	{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance isa 'Win32_Process'`, `SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "Win32_Process"`},
	{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA Win32_Process`, `SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "Win32_Process"`},
	{`SELECT * FROM ClassA WHERE EmbeddedObj ISA "ClassZ"`, ``},
	{`SELECT * FROM meta_class WHERE __this ISA "CIM_Processor"`, ``},
	{`SELECT * FROM meta_class WHERE __THIS ISA "CIM_Processor"`, ``},
	// LIKE.
	{`SELECT * FROM C WHERE Name LIKE "%Win%"`, ``},
	{`SELECT * FROM C WHERE Name LIKE '%[_][_]%'`, `SELECT * FROM C WHERE Name LIKE "%[_][_]%"`},
	{`SELECT * FROM C WHERE Name LIKE "[a-f]_[^abc]%"`, ``},
	{`SELECT * FROM C WHERE NOT PortName LIKE "%\\%"`, ``},
	{`SELECT * FROM C WHERE Name NOT LIKE "a%"`, `SELECT * FROM C WHERE NOT Name LIKE "a%"`},
	{`SELECT * FROM C WHERE Name LIKE ""`, ``},
	// Literals.
	{`SELECT * FROM C WHERE a = "x"`, ``},
	{`SELECT * FROM C WHERE a = 'x'`, `SELECT * FROM C WHERE a = "x"`},
	{`SELECT * FROM C WHERE a = 'it\'s'`, `SELECT * FROM C WHERE a = "it's"`},
	{`SELECT * FROM C WHERE a = "say \"hi\""`, ``},
	{`SELECT * FROM C WHERE a = 'say "hi"'`, `SELECT * FROM C WHERE a = "say \"hi\""`},
	{`SELECT * FROM C WHERE a = "C:\\Windows"`, ``},
	{`SELECT * FROM C WHERE a = ""`, ``},
	{`SELECT * FROM C WHERE a = "ünïcödé ☃"`, ``},
	{`SELECT * FROM C WHERE a = 0`, ``},
	{`SELECT * FROM C WHERE a = -1`, ``},
	{`SELECT * FROM C WHERE a = +1`, `SELECT * FROM C WHERE a = 1`},
	{`SELECT * FROM C WHERE a = 9223372036854775807`, ``},
	{`SELECT * FROM C WHERE a = 9223372036854775808`, ``},
	{`SELECT * FROM C WHERE a = 18446744073709551615`, ``},
	{`SELECT * FROM C WHERE a = -9223372036854775808`, ``},
	{`SELECT * FROM C WHERE a = 0x1F`, `SELECT * FROM C WHERE a = 31`},
	{`SELECT * FROM C WHERE a = 0XFFFFFFFFFFFFFFFF`, `SELECT * FROM C WHERE a = 18446744073709551615`},
	{`SELECT * FROM C WHERE a = -0x10`, `SELECT * FROM C WHERE a = -16`},
	{`SELECT * FROM C WHERE a = 1.5`, ``},
	{`SELECT * FROM C WHERE a = .5`, `SELECT * FROM C WHERE a = 0.5`},
	{`SELECT * FROM C WHERE a = -2.25e10`, `SELECT * FROM C WHERE a = -2.25e+10`},
	{`SELECT * FROM C WHERE a = 1e300`, `SELECT * FROM C WHERE a = 1e+300`},
	{`SELECT * FROM C WHERE a = 1.0`, ``},
	{`SELECT * FROM C WHERE a = -0.0`, ``},
	{`SELECT * FROM C WHERE a = TRUE`, ``},
	{`SELECT * FROM C WHERE a = false`, `SELECT * FROM C WHERE a = FALSE`},
	{`SELECT * FROM C WHERE a <> TRUE`, ``},
	{`SELECT * FROM C WHERE a=-1`, `SELECT * FROM C WHERE a = -1`},
	// __CLASS and the other system properties.
	{`SELECT * FROM Device WHERE __CLASS = "Device"`, ``},
	{`SELECT * FROM Device WHERE __CLASS = Modem OR __CLASS = Keyboard`, `SELECT * FROM Device WHERE __CLASS = "Modem" OR __CLASS = "Keyboard"`},
	{`SELECT * FROM meta_class WHERE __Superclass = 'Cim_DataFile'`, `SELECT * FROM meta_class WHERE __Superclass = "Cim_DataFile"`},
	{`SELECT * FROM meta_class WHERE __Superclass IS NULL`, ``},
	{`SELECT * FROM meta_class WHERE __Dynasty = "CIM_ManagedSystemElement"`, ``},
	{`SELECT * FROM meta_class WHERE NOT __class < "Win32"`, ``},
	{`SELECT * FROM C WHERE __RELPATH = "C.k=1"`, ``},
	{`SELECT __PATH, __RELPATH FROM C`, ``},
	{`SELECT * FROM C WHERE __GENUS = 2`, ``},
	// Event queries.
	{`SELECT * FROM __InstanceModificationEvent WITHIN 600 WHERE TargetInstance ISA "Win32_LogicalDisk" AND TargetInstance.FreeSpace < 1000000`, ``},
	{`SELECT * FROM __InstanceCreationEvent WITHIN 0.1 WHERE TargetInstance ISA "Win32_Process"`, ``},
	{`SELECT * FROM __InstanceCreationEvent WITHIN 1.25 WHERE TargetInstance ISA "Win32_Process"`, ``},
	{`SELECT * FROM __InstanceCreationEvent WITHIN 0x10`, `SELECT * FROM __InstanceCreationEvent WITHIN 16`},
	{`SELECT * FROM __InstanceCreationEvent WITHIN 1e1`, `SELECT * FROM __InstanceCreationEvent WITHIN 10`},
	{`SELECT * FROM __InstanceCreationEvent WITHIN 5.000000000`, `SELECT * FROM __InstanceCreationEvent WITHIN 5`},
	{`SELECT * FROM __InstanceCreationEvent WITHIN 0.0000000015`, `SELECT * FROM __InstanceCreationEvent WITHIN 0.000000002`},
	{`SELECT * FROM EmailEvent GROUP WITHIN 300`, ``},
	{`SELECT * FROM EmailEvent GROUP WITHIN 300 BY Sender`, ``},
	{`SELECT * FROM EmailEvent GROUP WITHIN 300 BY Sender, Importance`, ``},
	{`SELECT * FROM EmailEvent GROUP WITHIN 300 HAVING NumberOfEvents > 5`, ``},
	{`SELECT * FROM EventClass WHERE Sender = "MyBoss" GROUP WITHIN 300 BY Importance`, ``},
	{`SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA "Win32_NTLogEvent" GROUP WITHIN 600 BY TargetInstance.SourceName HAVING NumberOfEvents > 25`, ``},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents >= 2 AND NumberOfEvents < 10`, ``},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NOT NumberOfEvents = 3`, ``},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING 5 < NumberOfEvents`, `SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents > 5`},
	{`SELECT * FROM __TimerEvent WHERE TimerID = "MyEvent"`, ``},
	// ASSOCIATORS OF and REFERENCES OF.
	{`ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"}`, ``},
	{`ASSOCIATORS OF{Win32_LogicalDisk.DeviceID="C:"}`, `ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"}`},
	{`associators of { Win32_LogicalDisk.DeviceID="C:" }`, `ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"}`},
	{`ASSOCIATORS OF {Win32_Service.Name="Remote Access"} WHERE ResultClass = Win32_Service`, ``},
	{`ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"} WHERE AssocClass=Win32_LogicalDiskToPartition ClassDefsOnly`, `ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"} WHERE AssocClass = Win32_LogicalDiskToPartition ClassDefsOnly`},
	{`ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"} WHERE ClassDefsOnly AssocClass = Win32_LogicalDiskToPartition`, `ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"} WHERE AssocClass = Win32_LogicalDiskToPartition ClassDefsOnly`},
	{`ASSOCIATORS OF {win32_LogicalDisk="C:"} WHERE resultClass = Win32_Directory requiredQualifier = Dynamic`, `ASSOCIATORS OF {win32_LogicalDisk="C:"} WHERE RequiredQualifier = Dynamic ResultClass = Win32_Directory`},
	{`ASSOCIATORS OF {X.k=1} WHERE AssocClass = A ClassDefsOnly KeysOnly RequiredAssocQualifier = Q RequiredQualifier = R ResultRole = RR Role = RO`, ``},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass = "Quoted"`, `ASSOCIATORS OF {X.k=1} WHERE ResultClass = Quoted`},
	{`ASSOCIATORS OF {myClass} WHERE SchemaOnly`, ``},
	{`ASSOCIATORS OF {X.k="a}b"}`, ``},
	{`ASSOCIATORS OF {\\.\root\cimv2:Win32_LogicalDisk.DeviceID="C:"}`, ``},
	{`REFERENCES OF {Adapter="AHA-294X"}`, ``},
	{`REFERENCES OF {Adapter="AHA-294X"} WHERE ClassDefsOnly`, ``},
	{`REFERENCES OF {Adapter="AHA-294X"}  WHERE RequiredQualifier = AdapterTag`, `REFERENCES OF {Adapter="AHA-294X"} WHERE RequiredQualifier = AdapterTag`},
	{`REFERENCES OF {Adapter="AHA-294X"} WHERE Role = parent KeysOnly ResultClass = AdapterDriver`, `REFERENCES OF {Adapter="AHA-294X"} WHERE KeysOnly ResultClass = AdapterDriver Role = parent`},
	{`REFERENCES OF {myClass} WHERE SchemaOnly`, ``},
	// Names.
	{`SELECT _x FROM _Y WHERE _z = 1`, ``},
	{`SELECT Größe FROM Klasse WHERE Größe > 1`, ``},
	{`SELECT * FROM C WHERE Of = 1 AND Within2 = 2`, ``},
	// Text that must survive printing.
	{"SELECT * FROM C WHERE a = \"line\nbreak\ttab\"", ``},
	{`SELECT * FROM C WHERE a = "\\\""`, ``},
	{`SELECT * FROM C WHERE a = '\''`, `SELECT * FROM C WHERE a = "'"`},
	{`SELECT * FROM C WHERE a LIKE "[[]%[%]_"`, ``},
	{`SELECT * FROM C WHERE __CLASS = __SUPERCLASS`, ``},
	{`SELECT * FROM C WHERE __CLASS = a.b`, ``},
	{`ASSOCIATORS OF {X.k="} {"} WHERE ResultClass = Group`, ``},
	{`ASSOCIATORS OF {X.k='it\'s'}`, ``},
}

func TestParseValid(t *testing.T) {
	for _, tc := range validQueries {
		st, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		want := tc.out
		if want == "" {
			want = tc.in
		}
		if got := st.String(); got != want {
			t.Errorf("Parse(%q).String()\n got %q\nwant %q", tc.in, got, want)
			continue
		}
		roundTrip(t, Parser{}, st)
	}
}

var invalidQueries = []struct {
	in   string
	code status.Code
	off  int // -1: not checked
}{
	// Parameters.
	{``, status.InvalidParameter, -1},
	// Syntax.
	{` `, status.InvalidQuery, 1},
	{`SELECT`, status.InvalidQuery, 6},
	{`SELECT *`, status.InvalidQuery, 8},
	{`SELECT * FROM`, status.InvalidQuery, 13},
	{`SELECT FROM X`, status.InvalidQuery, 7},
	{`SELECT *, a FROM X`, status.InvalidQuery, 8},
	{`SELECT a, FROM X`, status.InvalidQuery, 10},
	{`SELECT a,b, * FROM X`, status.InvalidQuery, 12},
	{`SELECT * FROM X, Y`, status.InvalidQuery, 15},
	{`SELECT * FROM X Y`, status.InvalidQuery, 16},
	{`SELECT * FROM X WHERE`, status.InvalidQuery, 21},
	{`SELECT * FROM X WHERE a`, status.InvalidQuery, 23},
	{`SELECT * FROM X WHERE a =`, status.InvalidQuery, 25},
	{`SELECT * FROM X WHERE a = 1 AND`, status.InvalidQuery, 31},
	{`SELECT * FROM X WHERE a = 1 b = 2`, status.InvalidQuery, 28},
	{`SELECT * FROM X WHERE (a = 1`, status.InvalidQuery, 28},
	{`SELECT * FROM X WHERE a = 1)`, status.InvalidQuery, 27},
	{`SELECT * FROM X WHERE () `, status.InvalidQuery, 23},
	{`SELECT * FROM X WHERE a == 1`, status.InvalidQuery, 25},
	{`SELECT * FROM X WHERE a = = 1`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a ! 1`, status.InvalidQuery, 24},
	{`SELECT * FROM X WHERE a = 1 # comment`, status.InvalidQuery, 28},
	{`SELECT * FROM X WHERE 1 = 1`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE "a" = 'b'`, status.InvalidQuery, 22},
	{`SELECT * FROM PhysicalDisk WHERE Partitions < (4 + 7 - 2)`, status.InvalidQuery, 46},
	{`SELECT * FROM PhysicalDisk WHERE Partitions = SectorsPerTrack / 7`, status.InvalidQuery, 62},
	{`SELECT * FROM X WHERE a = 1 - 2`, status.InvalidQuery, 28},
	{`SELECT * FROM X WHERE DriveType IS 5`, status.InvalidQuery, 35},
	{`SELECT * FROM X WHERE FileSystem IS NOT "NTFS"`, status.InvalidQuery, 40},
	{`SELECT * FROM X WHERE a IS`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE 5 IS NULL`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE a LIKE 5`, status.InvalidQuery, 29},
	{`SELECT * FROM X WHERE "a" LIKE b`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE a LIKE "[a"`, status.InvalidQuery, 29},
	{`SELECT * FROM X WHERE a LIKE "[z-a]"`, status.InvalidQuery, 29},
	{`SELECT * FROM X WHERE a NOT = 1`, status.InvalidQuery, 28},
	{`SELECT * FROM X WHERE a ISA 5`, status.InvalidQuery, 28},
	{`SELECT * FROM X WHERE a ISA "not a class"`, status.InvalidQuery, 28},
	{`SELECT * FROM X WHERE "x" ISA "Y"`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE __this = "Y"`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE a = __this`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE a. = 1`, status.InvalidQuery, 25},
	{`SELECT * FROM X WHERE .a = 1`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE a = "unterminated`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = 'unterminated\'`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a LIKE "PCI\%"`, status.InvalidQuery, 33},
	{`SELECT * FROM X WHERE a = "C:\Windows"`, status.InvalidQuery, 29},
	{`SELECT * FROM X WHERE a = "\n"`, status.InvalidQuery, 27},
	{`SELECT * FROM X WHERE a = 12abc`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = 1.2.3`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = 0x`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = 0xG1`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = 18446744073709551616`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = -9223372036854775809`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = 1e999`, status.InvalidQuery, 26},
	{`SELECT * FROM X WHERE a = 1e`, status.InvalidQuery, 26},
	{"SELECT * FROM X WHERE a = \"\xff\"", status.InvalidQuery, 26},
	{"SELECT * FROM X\xff", status.InvalidQuery, 15},
	{`SELECT * FROM NULL`, status.InvalidQuery, 14},
	{`SELECT TRUE FROM X`, status.InvalidQuery, 7},
	{`SELECT * FROM X WHERE AND = 1`, status.InvalidQuery, 22},
	{`SELECT * FROM X WHERE a = 1 ORDER BY a`, status.InvalidQuery, 28},
	{`SELECT COUNT(*) FROM X`, status.InvalidQuery, 12},
	{`SELECT DISTINCT a FROM X`, status.InvalidQuery, 16},
	{`SELECT * FROM X WHERE a IN (1, 2)`, status.InvalidQuery, 24},
	{`SELECT * FROM X WHERE a BETWEEN 1 AND 2`, status.InvalidQuery, 24},
	{`UPDATE X SET a = 1`, status.InvalidQuery, 0},
	{`DELETE FROM X`, status.InvalidQuery, 0},
	{`SELECT * FROM X; SELECT * FROM Y`, status.InvalidQuery, 15},
	// Booleans and NULL take only equality.
	{`SELECT * FROM MyClass WHERE BoolProp <= TRUE`, status.InvalidQuery, 40},
	{`SELECT * FROM MyClass WHERE BoolProp > FALSE`, status.InvalidQuery, 39},
	{`SELECT * FROM win32_computersystem WHERE infraredsupported >= null`, status.InvalidQuery, 62},
	{`SELECT * FROM X WHERE a LIKE NULL`, status.InvalidQuery, 29},
	{`SELECT * FROM X WHERE NULL = NULL`, status.InvalidQuery, 22},
	// Schema queries.
	{`SELECT Name FROM meta_class`, status.InvalidQuery, 7},
	{`SELECT * FROM meta_class WITHIN 5`, status.InvalidQuery, 25},
	{`SELECT * FROM meta_class GROUP WITHIN 5`, status.InvalidQuery, 25},
	// Event clauses.
	{`SELECT * FROM E WITHIN`, status.InvalidQuery, 22},
	{`SELECT * FROM E WITHIN "5"`, status.InvalidQuery, 23},
	{`SELECT * FROM E WITHIN 0`, status.InvalidQuery, 23},
	{`SELECT * FROM E WITHIN -5`, status.InvalidQuery, 23},
	{`SELECT * FROM E WITHIN 0.0000000001`, status.InvalidQuery, 23},
	{`SELECT * FROM E WITHIN 4294967296`, status.InvalidQuery, 23},
	{`SELECT * FROM E WHERE a = 1 WITHIN 5`, status.InvalidQuery, 28},
	{`SELECT * FROM E GROUP BY a`, status.MissingGroupWithin, 16},
	{`SELECT * FROM E WHERE a = 1 BY a`, status.MissingGroupWithin, 28},
	{`SELECT * FROM E HAVING NumberOfEvents > 5`, status.MissingGroupWithin, 16},
	{`SELECT * FROM E GROUP HAVING NumberOfEvents > 5`, status.MissingGroupWithin, 16},
	{`SELECT * FROM E GROUP 5`, status.InvalidQuery, 22},
	{`SELECT * FROM E GROUP WITHIN`, status.InvalidQuery, 28},
	{`SELECT * FROM E GROUP WITHIN 10 BY`, status.MissingAggregationList, 32},
	{`SELECT * FROM E GROUP WITHIN 10 BY HAVING NumberOfEvents > 1`, status.MissingAggregationList, 32},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING Sender = "x"`, status.InvalidQuery, 39},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents > "5"`, status.InvalidQuery, 56},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents > -1`, status.InvalidQuery, 56},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents > 4294967296`, status.InvalidQuery, 56},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents > 1.5`, status.InvalidQuery, 56},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents IS NULL`, status.InvalidQuery, 39},
	{`SELECT * FROM E GROUP WITHIN 10 HAVING NumberOfEvents = Other`, status.InvalidQuery, 56},
	{`SELECT * FROM E GROUP WITHIN 10 WHERE a = 1`, status.InvalidQuery, 32},
	// ASSOCIATORS OF / REFERENCES OF.
	{`ASSOCIATORS {X.k=1}`, status.InvalidQuery, 12},
	{`ASSOCIATORS OF X.k=1`, status.InvalidQuery, 15},
	{`ASSOCIATORS OF {X.k=1`, status.InvalidQuery, 15},
	{`ASSOCIATORS OF {X.k="1}`, status.InvalidQuery, 20},
	{`ASSOCIATORS OF {}`, status.InvalidQuery, 16},
	{`ASSOCIATORS OF {  }`, status.InvalidQuery, 16},
	{`ASSOCIATORS OF {Win32_LogicalDisk.DeviceID}`, status.InvalidObjectPath, -1},
	{`ASSOCIATORS OF {X.k=1} WHERE`, status.InvalidQuery, 28},
	{`ASSOCIATORS OF {X.k=1} WHERE Bogus`, status.InvalidQuery, 29},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass`, status.InvalidQuery, 40},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass =`, status.InvalidQuery, 42},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass = 5`, status.InvalidQuery, 43},
	{`ASSOCIATORS OF {X.k=1} WHERE ClassDefsOnly = 1`, status.InvalidQuery, 43},
	{`ASSOCIATORS OF {win32_LogicalDisk="C:"} where resultClass = Win32_Directory requiredQualifier <> Dynamic`, status.InvalidQuery, 94},
	{`ASSOCIATORS OF {win32_LogicalDisk="C:"} where resultClass = Win32_Directory AND requiredQualifier = Dynamic`, status.InvalidQuery, 76},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass = A, Role = B`, status.InvalidQuery, 44},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass = A ResultClass = B`, status.InvalidQuery, 45},
	{`ASSOCIATORS OF {X.k=1} WHERE ClassDefsOnly ResultClass = A`, status.InvalidQuery, 43},
	{`ASSOCIATORS OF {X} WHERE SchemaOnly ClassDefsOnly`, status.InvalidQuery, 25},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass = AND`, status.InvalidQuery, 43},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass = "Role"`, status.InvalidQuery, 43},
	{`ASSOCIATORS OF {X.k=1} WHERE ResultClass = "a b"`, status.InvalidQuery, 43},
	{`REFERENCES OF {X.k=1} WHERE AssocClass = A`, status.InvalidQuery, 28},
	{`REFERENCES OF {X.k=1} WHERE ResultRole = A`, status.InvalidQuery, 28},
	{`REFERENCES OF {X.k=1} WHERE RequiredAssocQualifier = A`, status.InvalidQuery, 28},
	{`REFERENCES OF {X.k=1} WHERE ClassDefsOnly ResultClass = A`, status.InvalidQuery, 42},
	{`REFERENCES OF {Win32_NetworkAdapter.DeviceID="0"} WHERE resultclass = Win32_NetworkAdapterSetting requiredQualifier <> Dynamic`, status.InvalidQuery, 116},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range invalidQueries {
		st, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want %s", tc.in, st, tc.code)
			continue
		}
		t.Run("", func(t *testing.T) { wantCode(t, tc.in, err, tc.code, tc.off) })
	}
}

func TestParseLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang, query string
		code        status.Code // 0: success
	}{
		{"WQL", "SELECT * FROM Win32_BIOS", 0},
		{"wql", "SELECT * FROM Win32_BIOS", 0},
		{"Wql", "SELECT * FROM Win32_BIOS", 0},
		{"SQL", "SELECT * FROM Win32_BIOS", status.InvalidQueryType},
		{"WQL ", "SELECT * FROM Win32_BIOS", status.InvalidQueryType},
		{"SQL", "", status.InvalidParameter},
		{"", "SELECT * FROM Win32_BIOS", status.InvalidParameter},
		{"", "", status.InvalidParameter},
		{"wql", "", status.InvalidParameter},
		{"SQL", "not even a query", status.InvalidQueryType},
		{"WQL", "not a query", status.InvalidQuery},
	} {
		_, err := ParseLanguage(tc.lang, tc.query)
		if tc.code == 0 {
			if err != nil {
				t.Errorf("ParseLanguage(%q, %q): %v", tc.lang, tc.query, err)
			}
			continue
		}
		wantCode(t, tc.lang+"/"+tc.query, err, tc.code, -1)
	}
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		q     string
		event bool // parse with Parser.Event
		kind  Kind
	}{
		{`SELECT * FROM Win32_Process`, false, KindData},
		{`SELECT * FROM meta_class`, false, KindSchema},
		{`SELECT * FROM META_CLASS WHERE __this ISA "X"`, false, KindSchema},
		{`SELECT * FROM __InstanceCreationEvent`, false, KindEvent},
		{`SELECT * FROM __instancecreationevent`, false, KindEvent},
		{`SELECT * FROM __TimerEvent`, false, KindEvent},
		{`SELECT * FROM EmailEvent`, false, KindData},
		{`SELECT * FROM EmailEvent`, true, KindEvent},
		{`SELECT * FROM EmailEvent WITHIN 5`, false, KindEvent},
		{`SELECT * FROM EmailEvent GROUP WITHIN 5`, false, KindEvent},
		{`SELECT * FROM Win32_ProcessStartTrace WHERE ProcessName = "x.exe"`, true, KindEvent},
	} {
		st, err := Parser{Event: tc.event}.Parse(tc.q)
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if k := st.(*Select).Kind; k != tc.kind {
			t.Errorf("%q: kind %v, want %v", tc.q, k, tc.kind)
		}
	}
	for q, off := range map[string]int{`ASSOCIATORS OF {X.k=1}`: 0, `REFERENCES OF {X.k=1}`: 0, `SELECT * FROM meta_class`: 14} {
		_, err := ParseEvent(q)
		wantCode(t, q, err, status.InvalidQuery, off)
	}
	s, err := ParseEvent(`SELECT * FROM RegistryKeyChangeEvent WHERE Hive = "HKEY_LOCAL_MACHINE" AND KeyPath = "SOFTWARE\\Microsoft"`)
	if err != nil || s.Kind != KindEvent || !s.IsEvent() {
		t.Fatalf("ParseEvent: %v %v", s, err)
	}
}

func TestTree(t *testing.T) {
	q := `SELECT Name, TargetInstance.Handle FROM __InstanceCreationEvent WITHIN 2.5 WHERE TargetInstance ISA "Win32_Process" AND (5 < TargetInstance.Priority OR NOT Name LIKE "a%") GROUP WITHIN 60 BY TargetInstance.Name HAVING NumberOfEvents >= 3`
	st, err := Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*Select)
	if s.Kind != KindEvent || s.From != "__InstanceCreationEvent" || s.FromOffset != strings.Index(q, "__Inst") || s.Offset != 0 {
		t.Errorf("select: %+v", s)
	}
	if len(s.Properties) != 2 || s.Properties[1].Name() != "TargetInstance.Handle" || s.Properties[1].Root() != "TargetInstance" || s.Properties[1].Offset != 13 {
		t.Errorf("properties: %v", s.Properties)
	}
	if s.Within != 2500*time.Millisecond || s.GroupWithin != time.Minute {
		t.Errorf("intervals: %v %v", s.Within, s.GroupWithin)
	}
	and, ok := s.Where.(*Binary)
	if !ok || and.Op != OpAnd {
		t.Fatalf("where: %#v", s.Where)
	}
	isa := and.Left.(*IsA)
	if isa.Class != "Win32_Process" || isa.Prop.Name() != "TargetInstance" || isa.Pos() != strings.Index(q, "TargetInstance ISA") {
		t.Errorf("isa: %+v at %d", isa, isa.Pos())
	}
	or := and.Right.(*Binary)
	cmp := or.Left.(*Comparison)
	lit := cmp.Right.(*Literal)
	if cmp.Op != OpGT || cmp.Left.Name() != "TargetInstance.Priority" || !lit.Value.Equal(cim.Sint64(5)) {
		t.Errorf("comparison: %v", cmp)
	}
	not := or.Right.(*Not)
	if like := not.X.(*Like); like.Pattern != "a%" || like.Prop.Name() != "Name" {
		t.Errorf("like: %v", like)
	}
	if len(s.GroupBy) != 1 || s.GroupBy[0].Name() != "TargetInstance.Name" {
		t.Errorf("group by: %v", s.GroupBy)
	}
	h := s.Having.(*Comparison)
	if h.Op != OpGE || h.Left.Name() != "NumberOfEvents" {
		t.Errorf("having: %v", h)
	}

	st, err = Parse(`ASSOCIATORS OF {Win32_LogicalDisk.DeviceID="C:"} WHERE AssocClass = Win32_LogicalDiskToPartition ResultRole = Dependent`)
	if err != nil {
		t.Fatal(err)
	}
	a := st.(*Associators)
	if a.PathText != `Win32_LogicalDisk.DeviceID="C:"` || a.Path.Class != "Win32_LogicalDisk" || a.AssocClass != "Win32_LogicalDiskToPartition" || a.ResultRole != "Dependent" {
		t.Errorf("associators: %+v", a)
	}
	if v, ok := a.Path.Key("DeviceID"); !ok || !v.Equal(cim.String("C:")) {
		t.Errorf("path key: %v", a.Path)
	}
}

func TestLiteralValues(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want cim.Value
	}{
		{`"x"`, cim.String("x")},
		{`'a\\b'`, cim.String(`a\b`)},
		{`0`, cim.Sint64(0)},
		{`-0`, cim.Sint64(0)},
		{`42`, cim.Sint64(42)},
		{`-42`, cim.Sint64(-42)},
		{`9223372036854775807`, cim.Sint64(9223372036854775807)},
		{`9223372036854775808`, cim.Uint64(9223372036854775808)},
		{`18446744073709551615`, cim.Uint64(18446744073709551615)},
		{`-9223372036854775808`, cim.Sint64(-9223372036854775808)},
		{`0x7fffffffffffffff`, cim.Sint64(9223372036854775807)},
		{`0x8000000000000000`, cim.Uint64(9223372036854775808)},
		{`1.5`, cim.Real64(1.5)},
		{`1.`, cim.Real64(1)},
		{`2E3`, cim.Real64(2000)},
		{`TRUE`, cim.Boolean(true)},
		{`False`, cim.Boolean(false)},
	} {
		st, err := Parse("SELECT * FROM C WHERE p = " + tc.lit)
		if err != nil {
			t.Fatalf("%s: %v", tc.lit, err)
		}
		got := st.(*Select).Where.(*Comparison).Right.(*Literal).Value
		if !got.Equal(tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.lit, got, tc.want)
		}
	}
}

func TestLimits(t *testing.T) {
	long := "SELECT * FROM C WHERE a = \"" + strings.Repeat("x", DefaultMaxLength) + "\""
	_, err := Parse(long)
	wantCode(t, "long", err, status.QuotaViolation, -1)
	// Counted in UTF-16 code units: 8000 × "☃" is 24000 bytes but 8000 units.
	wide := "SELECT * FROM C WHERE a = \"" + strings.Repeat("☃", 8000) + "\""
	if _, err := Parse(wide); err != nil {
		t.Errorf("8000 snowmen: %v", err)
	}
	astral := "SELECT * FROM C WHERE a = \"" + strings.Repeat("😀", 8200) + "\"" // 16400 units
	_, err = Parse(astral)
	wantCode(t, "astral", err, status.QuotaViolation, -1)
	if _, err := (Parser{MaxLength: -1}).Parse(long); err != nil {
		t.Errorf("no length limit: %v", err)
	}

	deep := "SELECT * FROM C WHERE " + strings.Repeat("(", DefaultMaxDepth+1) + "a = 1" + strings.Repeat(")", DefaultMaxDepth+1)
	_, err = Parse(deep)
	wantCode(t, "deep", err, status.QuotaViolation, 22+DefaultMaxDepth)
	ok := "SELECT * FROM C WHERE " + strings.Repeat("(", DefaultMaxDepth) + "a = 1" + strings.Repeat(")", DefaultMaxDepth)
	if _, err := Parse(ok); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	nots := "SELECT * FROM C WHERE " + strings.Repeat("NOT ", 10) + "a = 1"
	_, err = Parser{MaxDepth: 5}.Parse(nots)
	wantCode(t, "nots", err, status.QuotaViolation, 22+5*4)

	terms := make([]string, DefaultMaxPredicates+1)
	for i := range terms {
		terms[i] = "a = 1"
	}
	_, err = Parser{MaxLength: -1}.Parse("SELECT * FROM C WHERE " + strings.Join(terms, " OR "))
	wantCode(t, "predicates", err, status.QuotaViolation, -1)
	if _, err := (Parser{MaxLength: -1}).Parse("SELECT * FROM C WHERE " + strings.Join(terms[1:], " OR ")); err != nil {
		t.Errorf("%d predicates: %v", DefaultMaxPredicates, err)
	}
	_, err = Parser{MaxPredicates: 2}.Parse("SELECT * FROM C WHERE a = 1 AND b = 2 AND c = 3")
	wantCode(t, "3 predicates", err, status.QuotaViolation, 42)

	// A long chain of ANDs is not deep: it is a left-leaning list.
	chain := "SELECT * FROM C WHERE " + strings.Join(terms[:1000], " AND ")
	st, err := Parse(chain)
	if err != nil {
		t.Fatalf("chain: %v", err)
	}
	roundTrip(t, Parser{}, st)
}

func TestIntervals(t *testing.T) {
	for _, tc := range []struct {
		text string
		want time.Duration
	}{
		{"1", time.Second},
		{"0.001", time.Millisecond},
		{"0.5", 500 * time.Millisecond},
		{"1.000000001", time.Second + 1},
		{"1.0000000004", time.Second},
		{"1.0000000005", time.Second + 1},
		{"600", 10 * time.Minute},
		{"4294967295", MaxInterval},
		{"4294967294.999999999", MaxInterval - 1},
		{"+3", 3 * time.Second},
		{"2e2", 200 * time.Second},
		{"0xA", 10 * time.Second},
	} {
		st, err := Parse("SELECT * FROM E WITHIN " + tc.text)
		if err != nil {
			t.Fatalf("WITHIN %s: %v", tc.text, err)
		}
		s := st.(*Select)
		if s.Within != tc.want {
			t.Errorf("WITHIN %s = %v, want %v", tc.text, s.Within, tc.want)
		}
		roundTrip(t, Parser{}, st)
	}
	if got := formatSeconds(MaxInterval); got != "4294967295" {
		t.Errorf("formatSeconds(MaxInterval) = %s", got)
	}
}

func TestOperatorStrings(t *testing.T) {
	for op, s := range map[Op]string{OpEQ: "=", OpNE: "<>", OpLT: "<", OpLE: "<=", OpGT: ">", OpGE: ">=", OpAnd: "AND", OpOr: "OR", 0: "op?", 99: "op?"} {
		if op.String() != s {
			t.Errorf("%d: %q", op, op.String())
		}
	}
	for k, s := range map[Kind]string{KindData: "data", KindSchema: "schema", KindEvent: "event", 9: "kind?"} {
		if k.String() != s {
			t.Errorf("%d: %q", k, k.String())
		}
	}
	if !IsSystemEventClass("__INSTANCEDELETIONEVENT") || IsSystemEventClass("Win32_Process") {
		t.Error("IsSystemEventClass")
	}
}

func TestNodeStrings(t *testing.T) {
	st, err := Parse(`SELECT a FROM C WHERE a = 1 AND b IS NULL AND c ISA "X" AND d LIKE "%" AND NOT e = f`)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	walk(st.(*Select).Where, func(e Expr, _ bool) {
		if _, ok := e.(*Binary); !ok {
			parts = append(parts, e.String())
		}
	})
	want := []string{`a = 1`, `b IS NULL`, `c ISA "X"`, `d LIKE "%"`, `NOT e = f`, `e = f`}
	if strings.Join(parts, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", parts)
	}
	lit := &Literal{Value: cim.Value{}}
	if lit.String() != "NULL" {
		t.Errorf("NULL literal: %s", lit)
	}
	p := &Prop{Path: []string{"a", "b"}}
	if p.String() != "a.b" || p.IsThis() {
		t.Errorf("prop: %s", p)
	}
	if (&SyntaxError{Offset: 3, Msg: "bad"}).Error() != "at offset 3: bad" {
		t.Error("SyntaxError.Error")
	}
}
