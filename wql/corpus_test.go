package wql

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gowmi/gowmi/wbem/status"
)

var update = flag.Bool("update", false, "rewrite the expected outcomes in testdata/corpus.txt")

type corpusEntry struct {
	line  int
	event bool   // E: parse with ParseEvent
	query string // the query
	want  string // the canonical form, or "!" and a code name
}

// loadCorpus reads the corpus file: Q:/E: lines, each optionally followed by
// its => line.
func loadCorpus(path string) ([]corpusEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		switch {
		case strings.HasPrefix(text, "Q: "), strings.HasPrefix(text, "E: "):
			out = append(out, corpusEntry{line: n, event: text[0] == 'E', query: text[3:]})
		case strings.HasPrefix(text, "=> "):
			if len(out) == 0 || out[len(out)-1].want != "" {
				return nil, fmt.Errorf("%s:%d: => without a query", path, n)
			}
			out[len(out)-1].want = text[3:]
		}
	}
	return out, sc.Err()
}

// outcome parses a corpus entry and describes the result as the corpus
// writes it.
func outcome(e corpusEntry) (string, Statement) {
	var st Statement
	var err error
	if e.event {
		var s *Select
		if s, err = ParseEvent(e.query); err == nil {
			st = s
		}
	} else {
		st, err = Parse(e.query)
	}
	if err != nil {
		return "!" + status.CodeOf(err).Name(), nil
	}
	return st.String(), st
}

func TestCorpus(t *testing.T) {
	const path = "testdata/corpus.txt"
	entries, err := loadCorpus(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 200 {
		t.Errorf("the corpus has %d queries; it should have at least 200", len(entries))
	}
	if *update {
		writeCorpus(t, path)
		return
	}
	errs := 0
	for _, e := range entries {
		got, st := outcome(e)
		if e.want == "" {
			t.Errorf("%s:%d: %q has no expected outcome (run with -update)", path, e.line, e.query)
			continue
		}
		if got != e.want {
			t.Errorf("%s:%d: %q\n got %s\nwant %s", path, e.line, e.query, got, e.want)
			continue
		}
		if st == nil {
			errs++
			continue
		}
		p := Parser{Event: e.event}
		roundTrip(t, p, st)
	}
	t.Logf("%d queries, %d of them errors", len(entries), errs)
}

// writeCorpus rewrites the => lines of the corpus file.
func writeCorpus(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for _, line := range lines {
		if strings.HasPrefix(line, "=> ") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
		if strings.HasPrefix(line, "Q: ") || strings.HasPrefix(line, "E: ") {
			got, _ := outcome(corpusEntry{event: line[0] == 'E', query: line[3:]})
			b.WriteString("=> " + got + "\n")
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
