package mof

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gowmi/gowmi/wbem/status"
)

// decodeSource returns the text of a MOF file as UTF-8. Files may be UTF-8
// (with or without a byte order mark), UTF-16 with a byte order mark, or
// ANSI; text that is not valid UTF-8 is read as Windows-1252, as mofcomp
// reads ANSI files. A binary MOF, or a file with NUL bytes that is not
// UTF-16, is WBEMMOF_E_INVALID_FILE.
func decodeSource(name string, data []byte) ([]byte, error) {
	at := Pos{File: name, Line: 1, Col: 1}
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		be := data[0] == 0xFE
		data = data[2:]
		if len(data)%2 != 0 {
			return nil, errorAt(status.MOFInvalidFile, at, "UTF-16 file has an odd number of bytes")
		}
		u := make([]uint16, len(data)/2)
		for i := range u {
			if be {
				u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			} else {
				u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
			}
		}
		out := make([]byte, 0, len(u))
		for _, r := range utf16.Decode(u) {
			out = utf8.AppendRune(out, r)
		}
		data = out
	case bytes.HasPrefix(data, []byte("FOMB")):
		return nil, errorAt(status.MOFInvalidFile, at, "binary MOF files are not supported")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, errorAt(status.MOFInvalidFile, at, "not a text MOF file: NUL byte at offset %d", i)
	}
	if !utf8.Valid(data) {
		out := make([]byte, 0, len(data)+len(data)/8)
		for _, c := range data {
			out = utf8.AppendRune(out, cp1252(c))
		}
		data = out
	}
	return data, nil
}

// cp1252 maps a Windows-1252 byte to its character.
func cp1252(c byte) rune {
	if c < 0x80 || c >= 0xA0 {
		return rune(c)
	}
	return cp1252High[c-0x80]
}

// cp1252High holds the characters of the bytes 0x80-0x9F (U+FFFD for the
// five that have none).
var cp1252High = [32]rune{
	'€', 0xFFFD, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0xFFFD, 'Ž', 0xFFFD,
	0xFFFD, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0xFFFD, 'ž', 'Ÿ',
}

// includePath resolves the file named by #pragma include against the
// directory of the including file. Backslashes are directory separators.
// ok is false for a path fs.FS cannot name (absolute, or above the root).
func includePath(from, name string) (string, bool) {
	name = strings.ReplaceAll(name, `\`, "/")
	if name == "" || strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':') {
		return "", false
	}
	p := path.Join(path.Dir(from), name)
	if !fs.ValidPath(p) {
		return "", false
	}
	return p, true
}

// readFile reads name from fsys; when it is missing, a file whose name
// differs only in case is used, as on Windows.
func readFile(fsys fs.FS, name string, limit int64) ([]byte, string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		alt, ok := caseFold(fsys, name)
		if !ok {
			return nil, name, err
		}
		name = alt
		if f, err = fsys.Open(name); err != nil {
			return nil, name, err
		}
	}
	defer f.Close()
	if limit > 0 {
		if st, err := f.Stat(); err == nil && st.Size() > limit {
			return nil, name, errTooBig
		}
	}
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	data, err := io.ReadAll(r)
	if err == nil && limit > 0 && int64(len(data)) > limit {
		return nil, name, errTooBig
	}
	return data, name, err
}

var errTooBig = status.New(status.QuotaViolation, "file is larger than the limit")

// caseFold looks for name with each element matched case-insensitively.
func caseFold(fsys fs.FS, name string) (string, bool) {
	dir := "."
	for _, elem := range strings.Split(name, "/") {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return "", false
		}
		found := ""
		for _, e := range entries {
			if strings.EqualFold(e.Name(), elem) {
				found = e.Name()
				break
			}
		}
		if found == "" {
			return "", false
		}
		if dir == "." {
			dir = found
		} else {
			dir = dir + "/" + found
		}
	}
	return dir, true
}
