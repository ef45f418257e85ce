package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// The output formats of --format.
var formats = []string{"table", "list", "json", "csv", "mof"}

// printer writes objects in one of the formats. Table output is buffered to
// fit the columns; the other formats stream.
type printer struct {
	w      io.Writer
	format string
	props  []string // --properties; nil: every non-system property
	width  int      // terminal width for tables; 0: no limit

	cols  []string
	rows  [][]string
	csv   *csv.Writer
	count int
}

func newPrinter(w io.Writer, format string, props []string, width int) (*printer, error) {
	for _, f := range formats {
		if f == format {
			return &printer{w: w, format: format, props: props, width: width}, nil
		}
	}
	return nil, status.Errorf(status.InvalidParameter, "unknown format %q (choose from %s)", format, strings.Join(formats, ", "))
}

// columns decides the columns from the first object.
func (p *printer) columns(o cim.Object) []string {
	if p.props != nil {
		return p.props
	}
	var cols []string
	if c, ok := o.(*cim.Class); ok {
		_ = c
		return []string{"__CLASS", "__SUPERCLASS"}
	}
	for _, pr := range o.Class().AllProperties() {
		cols = append(cols, pr.Name)
	}
	return cols
}

func (p *printer) add(o cim.Object) error {
	if p.cols == nil {
		p.cols = p.columns(o)
	}
	p.count++
	switch p.format {
	case "table":
		row := make([]string, len(p.cols))
		for i, c := range p.cols {
			row[i] = cellText(o, c)
		}
		p.rows = append(p.rows, row)
		return nil
	case "list":
		if p.count > 1 {
			fmt.Fprintln(p.w)
		}
		wide := 0
		for _, c := range p.cols {
			wide = max(wide, len(c))
		}
		for _, c := range p.cols {
			fmt.Fprintf(p.w, "%-*s : %s\n", wide, c, cellText(o, c))
		}
		return nil
	case "csv":
		if p.csv == nil {
			p.csv = csv.NewWriter(p.w)
			if err := p.csv.Write(p.cols); err != nil {
				return err
			}
		}
		row := make([]string, len(p.cols))
		for i, c := range p.cols {
			row[i] = cellText(o, c)
		}
		return p.csv.Write(row)
	case "json":
		b, err := cim.MarshalObject(o)
		if err != nil {
			return err
		}
		sep := ",\n"
		if p.count == 1 {
			sep = "[\n"
		}
		_, err = fmt.Fprintf(p.w, "%s%s", sep, b)
		return err
	case "mof":
		_, err := fmt.Fprintln(p.w, o.MOF())
		return err
	}
	return nil
}

// end flushes what is buffered.
func (p *printer) end() error {
	switch p.format {
	case "table":
		if p.cols == nil {
			return nil
		}
		writeTable(p.w, p.cols, p.rows, p.width)
	case "csv":
		if p.csv != nil {
			p.csv.Flush()
			return p.csv.Error()
		}
	case "json":
		if p.count == 0 {
			_, err := fmt.Fprintln(p.w, "[]")
			return err
		}
		_, err := fmt.Fprintln(p.w, "\n]")
		return err
	}
	return nil
}

// writeTable writes aligned columns, shrinking the widest ones (with "…")
// when the table is wider than width.
func writeTable(w io.Writer, cols []string, rows [][]string, width int) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	if width > 0 {
		total := func() int {
			t := 0
			for _, x := range widths {
				t += x + 2
			}
			return t - 2
		}
		for total() > width {
			widest := 0
			for i := range widths {
				if widths[i] > widths[widest] {
					widest = i
				}
			}
			if widths[widest] <= 8 {
				break
			}
			widths[widest]--
		}
	}
	var b bytes.Buffer
	line := func(cells []string) {
		for i, cell := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			cell = fit(cell, widths[i])
			b.WriteString(cell)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
			}
		}
		b.WriteByte('\n')
	}
	line(cols)
	for _, r := range rows {
		line(r)
	}
	_, _ = w.Write(b.Bytes())
}

func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// cellText is a property's value as WMI users read it.
func cellText(o cim.Object, name string) string {
	v, err := o.Get(name)
	if err != nil {
		return ""
	}
	return valueText(v)
}

// valueText formats a value for people: datetimes as dates, intervals as
// durations, arrays as {a, b}, NULL as empty.
func valueText(v cim.Value) string {
	if v.IsNull() {
		return ""
	}
	if a, ok := v.Array(); ok {
		parts := make([]string, len(a))
		for i, e := range a {
			parts[i] = valueText(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	switch v.Type() {
	case cim.TypeDateTime:
		d, ok := v.DateTime()
		if !ok {
			return v.String()
		}
		if d.IsInterval() {
			if dur, err := d.Duration(); err == nil {
				return dur.String()
			}
			return d.String()
		}
		if t, err := d.Time(); err == nil {
			return t.Format(time.DateTime + " -07:00")
		}
		return d.String()
	case cim.TypeObject:
		if o, ok := v.Object(); ok {
			if p, err := o.Path(); err == nil && len(p.Keys) > 0 {
				return p.RelPath()
			}
			return "instance of " + o.ClassName()
		}
	}
	return v.String()
}
