package repository

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gowmi/gowmi/cim"
)

// fold returns the case-folded form of s under which names and string keys
// are compared: two strings fold to the same text exactly when
// strings.EqualFold reports them equal.
func fold(s string) string {
	ascii, upper := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the representative of r's simple case-folding orbit: the
// lower-case letter for ASCII, the smallest member otherwise.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	if min < utf8.RuneSelf && 'A' <= min && min <= 'Z' {
		min += 'a' - 'A'
	}
	return min
}

// nsName is a parsed namespace name: its segments as given and the folded
// key it is stored under.
type nsName struct {
	segs []string
	key  string
}

// parseNamespace parses `root\cimv2` (or root/cimv2; separators are
// normalized by cim.NormalizeNamespace). Every segment must be a CIM
// identifier and the first must be root. ok is false otherwise.
func parseNamespace(s string) (nsName, bool) {
	s = cim.NormalizeNamespace(s)
	if s == "" {
		return nsName{}, false
	}
	segs := strings.Split(s, `\`)
	for _, g := range segs {
		if !cim.ValidName(g) {
			return nsName{}, false
		}
	}
	if !strings.EqualFold(segs[0], "root") {
		return nsName{}, false
	}
	return nsName{segs: segs, key: fold(strings.Join(segs, `\`))}, true
}

// parentKey returns the folded key of the parent namespace and the last
// segment of a folded namespace key.
func splitNamespaceKey(key string) (parent, last string) {
	i := strings.LastIndexByte(key, '\\')
	if i < 0 {
		return "", key
	}
	return key[:i], key[i+1:]
}

// lastSegment returns the last segment of a namespace name.
func lastSegment(name string) string {
	return name[strings.LastIndexByte(name, '\\')+1:]
}
