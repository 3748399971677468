package cvr

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rlakit/rlakit/sample"
)

// CVRStatus says whether a manifest batch has cast vote records, as the
// optional "CVR" column of hybrid-audit manifests does.
type CVRStatus uint8

// The values of CVRStatus; the zero value means the manifest does not say.
const (
	CVRUnknown CVRStatus = iota
	CVRYes
	CVRNo
)

// ManifestBatch is one row of a ballot manifest.
type ManifestBatch struct {
	sample.Batch
	// Container and Location say where the batch is stored (a box, tray,
	// bin or cart); empty when the manifest does not say.
	Container string
	Location  string
	// CVRs says whether the batch's cards have cast vote records.
	CVRs CVRStatus
	// Line is the line of the manifest file the batch was read from
	// (1 is the header), or 0 for a batch not read from a file.
	Line int
}

// Manifest is a ballot manifest as read from a county's file: the batches of
// ballot cards with their counts and storage locations. Sampling turns it
// into the sample package's manifest, which selection works on.
type Manifest struct {
	// Name is the file the manifest was read from, for messages.
	Name    string
	Batches []ManifestBatch
	// Jurisdictions and Tabulators record whether the file had those columns.
	Jurisdictions bool
	Tabulators    bool
}

// Cards returns the total number of cards in the manifest.
func (m *Manifest) Cards() int64 {
	var n int64
	for _, b := range m.Batches {
		n += int64(b.Cards)
	}
	return n
}

// Sampling returns the manifest as the sample package uses it. Card ids take
// Arlo's jurisdiction form when the file had a jurisdiction column.
func (m *Manifest) Sampling() (*sample.Manifest, error) {
	bs := make([]sample.Batch, len(m.Batches))
	for i, b := range m.Batches {
		bs[i] = b.Batch
	}
	sm, err := sample.NewManifest(bs, m.Jurisdictions)
	if err != nil {
		return nil, fmt.Errorf("cvr: manifest %s: %w", m.Name, err)
	}
	return sm, nil
}

// manifestColumns lists, for each field of a manifest row, the header names
// seen in the wild (FORMATS.md section g: Arlo, ColoradoRLA, Colorado county
// uploads, San Francisco's Dominion manifest, Hart). Headers are matched
// after trimming spaces and ignoring case.
var manifestColumns = []struct {
	field    string
	synonyms []string
}{
	{"jurisdiction", []string{"Jurisdiction", "Jurisdiction Name", "County", "CountyID", "County ID", "County Name"}},
	{"tabulator", []string{"Tabulator", "ScannerID", "Scanner ID", "Scanner", "Tabulator Number", "TabulatorNum", "Tabulator ID", "TabulatorId"}},
	{"batch", []string{"Batch Name", "BatchID", "Batch ID", "Batch Number", "BatchId", "Batch", "Batch Name/ID"}},
	{"cards", []string{"Number of Ballots", "NumBallots", "Num Ballots", "Total Ballots", "# of Ballots", "Number of Cards", "Ballots", "Cards", "Count"}},
	{"container", []string{"Container", "Tray #", "Tray", "Box"}},
	{"location", []string{"Location", "Locations", "StorageLocation", "Storage Location", "VBMCart.Cart number"}},
	{"cvr", []string{"CVR", "Has CVRs"}},
}

// ErrManifest is wrapped by every error ReadManifest returns for a malformed
// file, so callers can tell bad input from I/O failures.
var ErrManifest = errors.New("malformed ballot manifest")

// ReadManifestFile reads the ballot manifest CSV at path; see ReadManifest.
func ReadManifestFile(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cvr: %w", err)
	}
	defer f.Close()
	return ReadManifest(f, filepath.Base(path))
}

// maxManifestBytes bounds what ReadManifest reads: a statewide manifest of a
// few hundred thousand batches is a few tens of megabytes.
const maxManifestBytes = 1 << 30

// ReadManifest reads a ballot-manifest CSV. name is used in messages only.
//
// The file needs a batch column and a card-count column; jurisdiction,
// tabulator, container, location and CVR columns are optional. Column names
// are matched against the synonyms seen in real manifests, trimmed and
// case-insensitively. The text may be UTF-8 (with or without a byte-order
// mark), UTF-16 with a byte-order mark, or Windows-1252 (assumed when the
// bytes are not valid UTF-8). Cells are trimmed of surrounding spaces, as
// Arlo stores them; ColoradoRLA's quoted ids ("10") and Excel's ="10" cells
// are unwrapped. Blank rows are skipped. A negative or non-integer count, a
// totals row, a repeated batch or a missing column is an error naming the
// line and the field.
//
// ColoradoRLA-style manifests from Boulder County name the count column
// "RecordId"; it is taken as the count only when no other count column exists.
func ReadManifest(r io.Reader, name string) (*Manifest, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cvr: manifest %s: %w", name, err)
	}
	if len(raw) > maxManifestBytes {
		return nil, fmt.Errorf("cvr: manifest %s: %w: larger than %d bytes", name, ErrManifest, maxManifestBytes)
	}
	text, err := DecodeText(raw)
	if err != nil {
		return nil, fmt.Errorf("cvr: manifest %s: %w: %v", name, ErrManifest, err)
	}
	bad := func(line int, format string, args ...any) error {
		return fmt.Errorf("cvr: manifest %s line %d: %w: %s", name, line, ErrManifest, fmt.Sprintf(format, args...))
	}

	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("cvr: manifest %s: %w: empty file (no header row)", name, ErrManifest)
	}
	if err != nil {
		return nil, fmt.Errorf("cvr: manifest %s: %w: %v", name, ErrManifest, err)
	}
	col := map[string]int{}
	colName := map[string]string{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		for _, c := range manifestColumns {
			if !slices.ContainsFunc(c.synonyms, func(syn string) bool { return strings.EqualFold(h, syn) }) {
				continue
			}
			if j, dup := col[c.field]; dup {
				return nil, bad(1, "columns %q and %q both give the %s", strings.TrimSpace(header[j]), h, c.field)
			}
			col[c.field] = i
			colName[c.field] = h
		}
	}
	if _, ok := col["cards"]; !ok {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), "RecordId") {
				col["cards"], colName["cards"] = i, strings.TrimSpace(h)
			}
		}
	}
	for _, need := range []struct{ field, example string }{{"batch", "Batch Name"}, {"cards", "Number of Ballots"}} {
		if _, ok := col[need.field]; !ok {
			return nil, bad(1, "no %s column (expected a header such as %q; found %s)", need.field, need.example, quoteAll(header))
		}
	}
	m := &Manifest{Name: name}
	_, m.Jurisdictions = col["jurisdiction"]
	_, m.Tabulators = col["tabulator"]

	cell := func(rec []string, field string) string {
		i, ok := col[field]
		if !ok || i >= len(rec) {
			return ""
		}
		return unwrapCell(rec[i])
	}
	seen := map[[3]string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, bad(pe.Line, "%v", pe.Err)
			}
			return nil, fmt.Errorf("cvr: manifest %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		b := ManifestBatch{Line: line}
		b.Jurisdiction = cell(rec, "jurisdiction")
		b.Tabulator = cell(rec, "tabulator")
		b.Name = cell(rec, "batch")
		b.Container = cell(rec, "container")
		b.Location = cell(rec, "location")
		count := cell(rec, "cards")
		if b.Name == "" {
			if isTotalLabel(rec) {
				return nil, bad(line, "this looks like a totals row; remove it so every row is one batch")
			}
			return nil, bad(line, "field %q is empty", colName["batch"])
		}
		if isTotalLabel([]string{b.Name}) {
			return nil, bad(line, "field %q is %q: this looks like a totals row; remove it so every row is one batch", colName["batch"], b.Name)
		}
		n, err := strconv.ParseInt(count, 10, 64)
		switch {
		case count == "":
			return nil, bad(line, "field %q is empty: every batch needs its number of cards", colName["cards"])
		case err != nil:
			return nil, bad(line, "field %q is %q: not a whole number of cards", colName["cards"], count)
		case n < 0:
			return nil, bad(line, "field %q is %d: a batch cannot hold a negative number of cards", colName["cards"], n)
		case n > 1<<31-1:
			return nil, bad(line, "field %q is %d: too many cards for one batch", colName["cards"], n)
		}
		b.Cards = int(n)
		if c, ok := col["cvr"]; ok && c < len(rec) {
			switch strings.ToUpper(unwrapCell(rec[c])) {
			case "Y", "YES", "TRUE", "1":
				b.CVRs = CVRYes
			case "N", "NO", "FALSE", "0":
				b.CVRs = CVRNo
			case "":
			default:
				return nil, bad(line, "field %q is %q: expected Y or N", colName["cvr"], unwrapCell(rec[c]))
			}
		}
		key := b.Key()
		if first, dup := seen[key]; dup {
			return nil, bad(line, "batch %s repeats the batch on line %d", b.Batch.Key(), first)
		}
		seen[key] = line
		m.Batches = append(m.Batches, b)
	}
	if len(m.Batches) == 0 {
		return nil, fmt.Errorf("cvr: manifest %s: %w: no batches after the header", name, ErrManifest)
	}
	return m, nil
}

// unwrapCell trims a cell and removes Excel's ="..." wrapper and the extra
// quotes ColoradoRLA exports leave inside a field.
func unwrapCell(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 3 && strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`) {
		s = s[2 : len(s)-1]
	} else if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return strings.TrimSpace(s)
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// isTotalLabel reports whether any cell is a "Total" label, as spreadsheets
// add at the bottom of a manifest.
func isTotalLabel(rec []string) bool {
	for _, f := range rec {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "total", "totals", "grand total":
			return true
		}
	}
	return false
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(strings.TrimSpace(s))
	}
	return strings.Join(q, ", ")
}

// DecodeText turns the bytes of a text export into a Go string: a UTF-8
// byte-order mark is dropped, UTF-16 with a byte-order mark is decoded, and
// bytes that are not valid UTF-8 are read as Windows-1252, the encoding of
// spreadsheets saved on Windows.
func DecodeText(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return decodeUTF16(b[2:], false)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return decodeUTF16(b[2:], true)
	}
	if utf8Valid(b) {
		return string(b), nil
	}
	return decodeWindows1252(b), nil
}

// Key returns the key on which a batch named (jurisdiction, tabulator,
// batch) elsewhere (a CVR, a batch tally) is matched to this manifest's
// batches: jurisdiction and tabulator count only when the manifest has
// those columns, and numeric names are compared without leading zeros. Two
// batches match when their keys are equal.
func (m *Manifest) Key(jurisdiction, tabulator, batch string) BatchKey {
	return manifestKey(m, jurisdiction, tabulator, batch)
}
