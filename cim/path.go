package cim

// TEMPORARY: replaced by the path helper.

// Path is a WMI object path.
type Path struct {
	Server    string
	Namespace string
	Class     string
	Keys      []KeyBinding
	Singleton bool
}

// KeyBinding is one key property of an instance path.
type KeyBinding struct {
	Name  string
	Value Value
}

// ParsePath parses an object path.
func ParsePath(s string) (Path, error) { return Path{Class: s}, nil }

func (p Path) String() string { return p.Class }

// RelPath returns the path without server and namespace.
func (p Path) RelPath() string { return p.Class }

func sortKeys(keys []KeyBinding) {}
