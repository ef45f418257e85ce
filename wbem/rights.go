package wbem

import "strings"

// Rights are the access rights a caller holds on a namespace, with WMI's
// WBEM_SECURITY_FLAGS values and the standard rights WMI uses.
type Rights uint32

// The namespace access rights.
const (
	RightEnable        Rights = 0x1     // WBEM_ENABLE: connect, get, enumerate, query
	RightMethodExecute Rights = 0x2     // WBEM_METHOD_EXECUTE
	RightFullWrite     Rights = 0x4     // WBEM_FULL_WRITE_REP: classes and instances
	RightPartialWrite  Rights = 0x8     // WBEM_PARTIAL_WRITE_REP: static instances
	RightWriteProvider Rights = 0x10    // WBEM_WRITE_PROVIDER: dynamic classes and instances
	RightRemoteEnable  Rights = 0x20    // WBEM_REMOTE_ACCESS
	RightSubscribe     Rights = 0x40    // WBEM_RIGHT_SUBSCRIBE
	RightPublish       Rights = 0x80    // WBEM_RIGHT_PUBLISH
	RightReadControl   Rights = 0x20000 // READ_CONTROL: read the security descriptor
	RightWriteDAC      Rights = 0x40000 // WRITE_DAC: change the security descriptor
	RightsAll                 = RightEnable | RightMethodExecute | RightFullWrite | RightPartialWrite | RightWriteProvider | RightRemoteEnable | RightSubscribe | RightPublish | RightReadControl | RightWriteDAC
	RightsDefaultUser         = RightEnable | RightMethodExecute | RightWriteProvider
)

var rightNames = []struct {
	r    Rights
	name string
}{
	{RightEnable, "enable"}, {RightMethodExecute, "execute"}, {RightFullWrite, "full-write"},
	{RightPartialWrite, "partial-write"}, {RightWriteProvider, "provider-write"}, {RightRemoteEnable, "remote-enable"},
	{RightSubscribe, "subscribe"}, {RightPublish, "publish"}, {RightReadControl, "read-security"}, {RightWriteDAC, "write-security"},
}

// String lists the rights by name: "enable,execute".
func (r Rights) String() string {
	var parts []string
	for _, n := range rightNames {
		if r&n.r != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, ",")
}

// ParseRights reads a comma-separated list of the names String writes.
func ParseRights(s string) (Rights, bool) {
	var r Rights
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(strings.ToLower(w))
		if w == "" {
			continue
		}
		if w == "all" {
			r |= RightsAll
			continue
		}
		found := false
		for _, n := range rightNames {
			if n.name == w {
				r |= n.r
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return r, true
}

// Has reports whether r holds every right of want.
func (r Rights) Has(want Rights) bool { return r&want == want }
