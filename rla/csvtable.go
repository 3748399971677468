package rla

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

// csvTable reads one of the CSV files an audit board or official gives the
// audit (interpretations, batch counts): text in any of the encodings
// cvr.DecodeText knows, a header row naming the columns in any order and
// case, then data rows. Every error names the file and line and wraps kind.
type csvTable struct {
	name string
	kind error
	r    *csv.Reader
	col  map[string]int // trimmed, lower-cased header name → column
	rec  []string
	line int
}

// newCSVTable reads the header of raw. need lists the columns that must be
// present, in the order the error message shows them; alias maps other
// header names to the canonical ones.
func newCSVTable(raw []byte, name string, kind error, need []string, alias map[string]string) (*csvTable, error) {
	text, err := cvr.DecodeText(raw)
	if err != nil {
		return nil, fmt.Errorf("rla: %s: %w: %v", name, kind, err)
	}
	t := &csvTable{name: name, kind: kind, r: csv.NewReader(strings.NewReader(text)), col: map[string]int{}}
	t.r.FieldsPerRecord = -1
	header, err := t.r.Read()
	if err != nil {
		return nil, t.bad(1, "no header row (%s)", strings.Join(need, ","))
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if a, ok := alias[h]; ok {
			h = a
		}
		if _, dup := t.col[h]; dup && h != "" {
			return nil, t.bad(1, "column %q named twice", h)
		}
		t.col[h] = i
	}
	for _, k := range need {
		if _, ok := t.col[k]; !ok {
			return nil, t.bad(1, "no %q column (the header must name %s)", k, strings.Join(need, ","))
		}
	}
	return t, nil
}

// bad is an error at line of the file.
func (t *csvTable) bad(line int, format string, args ...any) error {
	return fmt.Errorf("rla: %s line %d: %w: %s", t.name, line, t.kind, fmt.Sprintf(format, args...))
}

// next moves to the next row that is not blank; it returns io.EOF after
// the last.
func (t *csvTable) next() error {
	for {
		rec, err := t.r.Read()
		if err == io.EOF {
			return err
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return t.bad(pe.Line, "%v", pe.Err)
			}
			return fmt.Errorf("rla: %s: %w", t.name, err)
		}
		if strings.TrimSpace(strings.Join(rec, "")) != "" {
			t.rec = rec
			t.line, _ = t.r.FieldPos(0)
			return nil
		}
	}
}

// has reports whether the file has column k.
func (t *csvTable) has(k string) bool {
	_, ok := t.col[k]
	return ok
}

// cell returns the current row's trimmed value in column k ("" when the
// file or the row lacks it).
func (t *csvTable) cell(k string) string {
	if i, ok := t.col[k]; ok && i < len(t.rec) {
		return strings.TrimSpace(t.rec[i])
	}
	return ""
}
