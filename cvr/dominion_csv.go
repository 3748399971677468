package cvr

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// Dominion "CVR_Export.csv" from Results Tally & Reporting (FORMATS.md
// section f-1): four header rows (election and version; contest per column;
// choice per column; metadata names and parties), then one row per card.
//
// The card ID is "TabulatorNum-BatchId-RecordId", as in the JSON export;
// ImprintedID is the ImprintedId column, or UniqueVotingIdentifier when that
// is empty (Arlo issue #1389). Redaction rows (Colorado public CVRs) hold
// pooled totals, not cards: they go to Options.Pool as a Pool each (the
// cells summed per contest and choice), or, without it, are skipped with a
// warning.
//
// Speed: a plain row (one line without quotes whose vote cells are all
// empty, 0 or 1, one per vote column) is split only to its meta columns and
// its vote cells are read from the raw line (rowFast); any other row is
// split whole and read by row. The two give the same cards and errors
// (TestDominionCSVParallelEqualsSequential and FuzzDominionCSVParallel
// compare them).

func init() {
	RegisterFormat(Format{
		Name:        "dominion-csv",
		Description: "Dominion Results Tally & Reporting CVR_Export.csv (4 header rows)",
		Detect:      detectDominionCSV,
		Read:        readDominionCSV,
	})
}

var dominionVersion = regexp.MustCompile(`^\d+(\.\d+)+$`)

func detectDominionCSV(name string, head []byte) bool {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	line, _, _ := bytes.Cut(head, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(line))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil || len(rec) < 2 {
		return false
	}
	return dominionVersion.MatchString(strings.TrimSpace(rec[1]))
}

var (
	dcPlurality = regexp.MustCompile(`^(.*?)\s*\(Vote For=(\d+)\)$`)
	dcRanked    = regexp.MustCompile(`^(.*?)\s*\(Number of positions=(\d+), Number of ranks=(\d+)\)$`)
	dcRankedCh  = regexp.MustCompile(`^(.*)\((\d+)\)$`)
	dcWriteIn   = regexp.MustCompile(`(?i)^write[-_ ]*in`)
)

// dcColumn maps a vote column to its contest, choice and rank.
type dcColumn struct {
	contest int // index into dcReader.contests
	choice  ChoiceIndex
	rank    uint8
}

type dcContest struct {
	index      ContestIndex
	first, end int // vote columns [first, end)
	voteFor    int
	ranked     bool
	choices    int // the contest's choices after this file's header
	ranks      int
}

type dcReader struct {
	file     string
	opt      Options
	cols     []dcColumn
	contests []dcContest
	first    int // first vote column
	meta     map[string]int
	metaName []string // the metadata columns' names, as written, for Pool names
}

// dcUnequal strips Excel's ="..." wrapper (Denver 2016; Arlo
// remove_leading_equal_sign; ColoradoRLA stripEqualQuotes) and spaces.
func dcUnequal(s string) string {
	if len(s) >= 3 && s[0] == '=' && s[1] == '"' && s[len(s)-1] == '"' {
		s = s[2 : len(s)-1]
	}
	return strings.TrimSpace(s)
}

func readDominionCSV(e *Election, files []File, opt Options) iter.Seq2[Card, error] {
	return readDominionCSVN(e, files, opt, runtime.GOMAXPROCS(0), dcBlockSize)
}

// readDominionCSVN reads with the given number of workers (1: on the
// caller's goroutine) and block size (see dominion_csv_parallel.go).
func readDominionCSVN(e *Election, files []File, opt Options, workers, block int) iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		for _, f := range files {
			if !readDominionCSVFile(e, f, opt, workers, block, yield) {
				return
			}
		}
	}
}

func readDominionCSVFile(e *Election, f File, opt Options, workers, block int, yield func(Card, error) bool) bool {
	rc, err := f.Open()
	if err != nil {
		return yield(Card{}, fmt.Errorf("cvr: %s: %w", f.Name, err)) && false
	}
	defer rc.Close()
	cr := newCSVScan(newUTF8Stream(rc))
	d := &dcReader{file: f.Name, opt: opt}
	if err := d.header(e, cr); err != nil {
		return yield(Card{}, err) && false
	}
	r := d.rows()
	if workers > 1 {
		return r.parallel(e, cr, workers, block, yield)
	}
	return r.sequential(e, cr, yield)
}

// dcRows parses the data rows of one file; a copy per goroutine.
type dcRows struct {
	d                     *dcReader
	ncols                 int
	tabC, batC, recC      int
	impC, uviC            int
	styleC, groupC, precC int
	lastTab, lastBat      string
	lastStyle, lastGr     string
	lastPrec              string
	idBuf                 []byte
	val                   []byte // the coded vote cells of rowFast
}

func (d *dcReader) rows() *dcRows {
	return &dcRows{
		d: d, ncols: len(d.cols) + d.first,
		tabC: d.meta["tabulatornum"], batC: d.meta["batchid"], recC: d.meta["recordid"],
		impC: d.col("imprintedid"), uviC: d.col("uniquevotingidentifier"),
		styleC: d.col("ballottype"), groupC: d.col("countinggroup", "notcountinggroup"),
		precC: d.col("precinctportion", "precinct"),
	}
}

// sequential reads the rows of cr one by one on the caller's goroutine.
func (r *dcRows) sequential(e *Election, cr *csvScan, yield func(Card, error) bool) bool {
	var card Card
	for {
		rec, rest, head, err := cr.ReadHead(r.d.first)
		if head && dcGeneralOnly {
			rec, head = splitRest(rec, rest), false
		}
		if err == io.EOF {
			return true
		}
		line := cr.start
		if err != nil {
			return yield(Card{}, fmt.Errorf("cvr: %s line %d: %w", r.d.file, line, err)) && false
		}
		var kind dcRowKind
		var x dcErr
		if head {
			if ok, k, e := r.rowFast(rec, rest, &card, true); ok {
				kind, x = k, e
			} else {
				rec, head = splitRest(rec, rest), false
			}
		}
		if !head {
			kind, x = r.row(rec, &card, true)
		}
		switch kind {
		case dcRowSkip:
			continue
		case dcRowRedacted:
			if r.d.opt.Pool == nil {
				r.d.opt.warn(r.d.file, fmt.Sprintf("line %d", line), "redaction row %q holds pooled totals, not a card; skipped", rec[0])
				continue
			}
			p, x := r.pool(rec)
			if x.kind != 0 {
				x.line = line
				return yield(Card{}, x.error(e, r.d)) && false
			}
			p.Line = line
			r.d.opt.Pool(p)
			continue
		case dcRowError:
			x.line = line
			return yield(Card{}, x.error(e, r.d)) && false
		}
		if !yield(card, nil) {
			return false
		}
	}
}

type dcRowKind uint8

const (
	dcRowCard dcRowKind = iota
	dcRowSkip
	dcRowRedacted
	dcRowError
)

// dcErr is an error found in a data row, kept as data so that a worker
// goroutine can find it and the reading goroutine word it (the wording
// reads contest and choice names from the Election).
type dcErr struct {
	kind  uint8 // dcErrRead, dcErrCells, ...; 0: none
	line  int
	err   error // dcErrRead
	cells int   // dcErrCells
	v     dcVoteErr
}

const (
	dcErrRead = 1 + iota
	dcErrCells
	dcErrEmpty
	dcErrVote
)

func (x *dcErr) error(e *Election, d *dcReader) error {
	switch x.kind {
	case dcErrRead:
		return fmt.Errorf("cvr: %s line %d: %w", d.file, x.line, x.err)
	case dcErrCells:
		return fmt.Errorf("cvr: %s line %d: %d cells, header has %d", d.file, x.line, x.cells, len(d.cols)+d.first)
	case dcErrEmpty:
		return fmt.Errorf("cvr: %s line %d: field TabulatorNum, BatchId or RecordId is empty", d.file, x.line)
	}
	return fmt.Errorf("cvr: %s line %d: %w", d.file, x.line, x.v.error(e, d))
}

// pick returns cell c as a string, reusing the last one when equal, so
// that a batch's cards share one string per attribute.
func pick(rec [][]byte, c int, last *string) string {
	if c < 0 {
		return ""
	}
	if v := dcUnequalBytes(rec[c]); string(v) != *last {
		*last = string(v)
	}
	return *last
}

// row parses rec into card. The votes are appended to card.Votes, which
// is reset first when reset is set.
func (r *dcRows) row(rec [][]byte, card *Card, reset bool) (dcRowKind, dcErr) {
	if dcBlankBytes(rec) {
		return dcRowSkip, dcErr{}
	}
	if dcRedactedBytes(rec, r.d.first) {
		return dcRowRedacted, dcErr{}
	}
	if len(rec) < r.ncols {
		return dcRowError, dcErr{kind: dcErrCells, cells: len(rec)}
	}
	if x := r.meta(rec, card, reset); x.kind != 0 {
		return dcRowError, x
	}
	if v := r.d.votes(&card.Votes, rec); v.kind != 0 {
		return dcRowError, dcErr{kind: dcErrVote, v: v}
	}
	return dcRowCard, dcErr{}
}

// dcGeneralOnly makes the readers split every row whole and read it with
// row, never rowFast: the tests' reference for the fast path.
var dcGeneralOnly = false

// meta fills card from the row's meta columns (rec[:first]), its votes
// reset first when reset is set.
func (r *dcRows) meta(rec [][]byte, card *Card, reset bool) dcErr {
	tab, bat, recID := dcUnequalBytes(rec[r.tabC]), dcUnequalBytes(rec[r.batC]), dcUnequalBytes(rec[r.recC])
	if len(tab) == 0 || len(bat) == 0 || len(recID) == 0 {
		return dcErr{kind: dcErrEmpty}
	}
	if string(tab) != r.lastTab {
		r.lastTab = string(tab)
	}
	if string(bat) != r.lastBat {
		r.lastBat = string(bat)
	}
	r.idBuf = append(append(append(append(append(r.idBuf[:0], tab...), '-'), bat...), '-'), recID...)
	var imp []byte
	if r.impC >= 0 {
		imp = dcUnequalBytes(rec[r.impC])
	}
	if len(imp) == 0 && r.uviC >= 0 {
		imp = dcUnequalBytes(rec[r.uviC])
	}
	id := string(r.idBuf)
	impS := id
	if !bytes.Equal(imp, r.idBuf) {
		impS = string(imp)
	}
	pos, _ := parseIntBytes(recID)
	if reset {
		card.Votes.Reset()
	}
	*card = Card{
		ID: id, Batch: BatchKey{Jurisdiction: r.d.opt.Jurisdiction, Tabulator: r.lastTab, Batch: r.lastBat},
		Position: int(pos), ImprintedID: impS,
		BallotStyle: pick(rec, r.styleC, &r.lastStyle), CountingGroup: pick(rec, r.groupC, &r.lastGr), Precinct: pick(rec, r.precC, &r.lastPrec),
		Votes: card.Votes,
	}
	return dcErr{}
}

// rowFast reads a card from a record split only to its meta columns (head,
// from csvScan.ReadHead) with its vote cells raw in rest, when that record
// is a plain card: a first cell that is not blank or a redaction mark, and
// exactly one cell per vote column, each empty, 0 or 1. It reports false,
// having changed nothing the caller keeps, for any other record, which
// the caller splits whole for row. It returns what row would.
func (r *dcRows) rowFast(head [][]byte, rest []byte, card *Card, reset bool) (bool, dcRowKind, dcErr) {
	d := r.d
	if len(head) != d.first || !r.cells(rest) {
		return false, 0, dcErr{}
	}
	if c0 := dcUnequalBytes(head[0]); len(c0) == 0 || hasPrefixFold(c0, "redacted") || hasPrefixFold(c0, "rcv redacted") {
		return false, 0, dcErr{}
	}
	if x := r.meta(head, card, reset); x.kind != 0 {
		return true, dcRowError, x
	}
	if v := d.votesCoded(&card.Votes, r.val); v.kind != 0 {
		return true, dcRowError, dcErr{kind: dcErrVote, v: v}
	}
	return true, dcRowCard, dcErr{}
}

// cells codes rest's cells into r.val (0 empty, 1 for "0", 2 for "1"),
// reporting whether it holds one cell per vote column and nothing else.
func (r *dcRows) cells(rest []byte) bool {
	n := len(r.d.cols)
	if cap(r.val) < n {
		r.val = make([]byte, n)
	}
	val := r.val[:n]
	i := 0
	for c := range val {
		if c > 0 {
			if i >= len(rest) || rest[i] != ',' {
				return false
			}
			i++
		}
		switch {
		case i == len(rest) || rest[i] == ',':
			val[c] = 0
		case rest[i] == '0' || rest[i] == '1':
			val[c] = rest[i] - '0' + 1
			i++
		default:
			return false
		}
	}
	r.val = val
	return i == len(rest)
}

func (d *dcReader) col(names ...string) int {
	for _, n := range names {
		if c, ok := d.meta[n]; ok {
			return c
		}
	}
	return -1
}

func dcBlankBytes(rec [][]byte) bool {
	for _, b := range rec {
		if len(bytes.TrimSpace(b)) != 0 {
			return false
		}
	}
	return true
}

// dcUnequalBytes is dcUnequal on a cell's bytes.
func dcUnequalBytes(b []byte) []byte {
	if len(b) >= 3 && b[0] == '=' && b[1] == '"' && b[len(b)-1] == '"' {
		b = b[2 : len(b)-1]
	}
	return bytes.TrimSpace(b)
}

func dcRedactedBytes(rec [][]byte, first int) bool {
	c0 := dcUnequalBytes(rec[0])
	if len(c0) == 0 || hasPrefixFold(c0, "redacted") || hasPrefixFold(c0, "rcv redacted") {
		return true
	}
	if first < len(rec) {
		switch v := bytes.TrimSpace(rec[first]); {
		case bytes.EqualFold(v, []byte("redacted")), string(v) == "X", string(v) == "x", string(v) == "*":
			return true
		}
	}
	return false
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

func dcBlank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// header reads the four header rows and interns the contests and choices.
// A row with Colorado's redaction marks is not a header row, so it ends
// the header early and is reported as such.
func (d *dcReader) header(e *Election, cr *csvScan) error {
	var rows [4][]string
	for i := range rows {
		rec, err := cr.Read()
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("cvr: %s line %d: want 4 header rows, the file ends after %d", d.file, cr.line, i)
			}
			return fmt.Errorf("cvr: %s line %d: %w", d.file, cr.start, err)
		}
		for _, b := range rec {
			rows[i] = append(rows[i], string(b))
		}
	}
	if e.Name == "" {
		e.Name = strings.Map(func(r rune) rune {
			if r < ' ' || r == '\uFEFF' || r == '\uFFFD' {
				return -1
			}
			return r
		}, strings.TrimSpace(rows[0][0]))
	}
	contests, choices, names := rows[1], rows[2], rows[3]
	d.first = -1
	for i, s := range contests {
		if strings.TrimSpace(s) != "" {
			d.first = i
			break
		}
	}
	if d.first < 0 {
		return fmt.Errorf("cvr: %s line 2: no contest names in the contest row", d.file)
	}
	d.meta = map[string]int{}
	d.metaName = make([]string, d.first)
	for i := 0; i < d.first && i < len(names); i++ {
		d.metaName[i] = strings.TrimSpace(dcUnequal(names[i]))
		d.meta[strings.ToLower(d.metaName[i])] = i
	}
	for _, req := range []string{"TabulatorNum", "BatchId", "RecordId"} {
		if _, ok := d.meta[strings.ToLower(req)]; !ok {
			return fmt.Errorf("cvr: %s line 4: no %s column among the first %d columns", d.file, req, d.first)
		}
	}
	// Trailing columns with neither contest nor choice are padding.
	end := len(contests)
	for end > d.first && strings.TrimSpace(contests[end-1]) == "" {
		end--
	}
	// Collapse runs of spaces and newlines (Arlo: "Contest 1\n(Vote For=1)"),
	// once per distinct header.
	norm := make([]string, end)
	for i := d.first; i < end; i++ {
		norm[i] = contests[i]
		if i > d.first && contests[i] == contests[i-1] {
			norm[i] = norm[i-1]
		} else {
			norm[i] = strings.Join(strings.Fields(norm[i]), " ")
		}
	}
	for i := d.first; i < end; {
		h := norm[i]
		if h == "" {
			return fmt.Errorf("cvr: %s line 2 column %d: empty contest name between contests", d.file, i+1)
		}
		j := i
		for j < end && norm[j] == h {
			j++
		}
		c := Contest{ID: h, Name: h, VoteFor: 1}
		if m := dcRanked.FindStringSubmatch(h); m != nil {
			c.Name = m[1]
			c.VoteFor, _ = strconv.Atoi(m[2])
			c.Ranks, _ = strconv.Atoi(m[3])
		} else if m := dcPlurality.FindStringSubmatch(h); m != nil {
			c.Name = m[1]
			c.VoteFor, _ = strconv.Atoi(m[2])
		} else {
			d.opt.warn(d.file, "line 2", "contest %q has no (Vote For=N); taken as vote for 1", h)
		}
		if c.Ranks > MaxRanks || c.VoteFor > MaxSelections {
			return fmt.Errorf("cvr: %s line 2: contest %q: vote-for %d or ranks %d out of range", d.file, h, c.VoteFor, c.Ranks)
		}
		c.ID = c.Name
		ci, err := e.AddContest(c)
		if err != nil {
			return fmt.Errorf("cvr: %s line 2: %w", d.file, err)
		}
		k := len(d.contests)
		d.contests = append(d.contests, dcContest{index: ci, first: i - d.first, end: j - d.first, voteFor: e.Contest(ci).VoteFor, ranked: c.Ranks > 0})
		writeIn := false
		for col := i; col < j; col++ {
			name := ""
			if col < len(choices) {
				name = strings.TrimSpace(choices[col])
			}
			rank := 0
			if c.Ranks > 0 {
				m := dcRankedCh.FindStringSubmatch(name)
				if m == nil {
					return fmt.Errorf("cvr: %s line 3 column %d: contest %q: ranked choice %q lacks its (rank)", d.file, col+1, c.Name, name)
				}
				name = strings.TrimSpace(m[1])
				rank, _ = strconv.Atoi(m[2])
				if rank < 1 || rank > c.Ranks {
					return fmt.Errorf("cvr: %s line 3 column %d: contest %q: rank %d outside 1..%d", d.file, col+1, c.Name, rank, c.Ranks)
				}
			}
			if name == "" {
				return fmt.Errorf("cvr: %s line 3 column %d: contest %q: empty choice name", d.file, col+1, c.Name)
			}
			// ColoradoRLA: the columns after the Write-in placeholder are
			// qualified write-ins.
			if dcWriteIn.MatchString(name) {
				writeIn = true
			}
			ch, err := e.AddChoice(ci, Choice{ID: name, Name: name, WriteIn: writeIn})
			if err != nil {
				return fmt.Errorf("cvr: %s line 3 column %d: %w", d.file, col+1, err)
			}
			d.cols = append(d.cols, dcColumn{contest: k, choice: ch, rank: uint8(rank)})
		}
		d.contests[k].choices, d.contests[k].ranks = len(e.Contest(ci).Choices), c.Ranks
		i = j
	}
	return nil
}

// dcVoteErr is a bad vote cell: kind 1, too many selections in contest
// ct; kind 2, cell (column col of the vote columns) is not 0 or 1; kind
// 3, a redaction row's cell is not a count.
type dcVoteErr struct {
	kind    uint8
	ct, col int
	cell    string
}

func (v *dcVoteErr) error(e *Election, d *dcReader) error {
	ct := &d.contests[v.ct]
	if v.kind == 1 {
		return fmt.Errorf("contest %q: more than %d selections", e.Contest(ct.index).Name, MaxSelections)
	}
	ch := e.Contest(ct.index).Choices[d.cols[v.col].choice].Name
	want := "0 or 1"
	if v.kind == 3 {
		want = "a vote count (redaction row)"
	}
	return fmt.Errorf("column %d: contest %q: choice %q: cell %q is not %s", d.first+v.col+1, e.Contest(ct.index).Name, ch, v.cell, want)
}

// votes decodes the vote cells of one row, appending them to v. It reads
// only d, never the Election, so that workers can run it.
func (d *dcReader) votes(v *Votes, rec [][]byte) dcVoteErr {
	cells := rec[d.first:]
	for k := range d.contests {
		ct := &d.contests[k]
		if ct.end > len(cells) {
			break // cut-off trailing empty cells: not on the card
		}
		onCard := false
		for _, s := range cells[ct.first:ct.end] {
			if len(s) != 0 {
				onCard = true
				break
			}
		}
		if !onCard {
			continue // every cell empty: the contest is not on this card's style
		}
		v.Begin(ct.index, 0)
		n := 0
		for col := ct.first; col < ct.end; col++ {
			switch s := cells[col]; string(s) {
			case "1":
				n++
				if !v.Select(Selection{Choice: d.cols[col].choice, Rank: d.cols[col].rank}) {
					return dcVoteErr{kind: 1, ct: k}
				}
			case "0", "":
			default:
				u := string(dcUnequalBytes(s))
				if u == "0" || u == "" {
					continue
				}
				if u == "1" {
					n++
					v.Select(Selection{Choice: d.cols[col].choice, Rank: d.cols[col].rank})
					continue
				}
				return dcVoteErr{kind: 2, ct: k, col: col, cell: string(s)}
			}
		}
		ct.flag(v, n)
	}
	return dcVoteErr{}
}

// votesCoded is votes for a row whose cells cells has coded (0 empty, 1
// for "0", 2 for "1"), in the same order and with the same results.
func (d *dcReader) votesCoded(v *Votes, val []byte) dcVoteErr {
	for k := range d.contests {
		ct := &d.contests[k]
		cells := val[ct.first:ct.end]
		onCard := false
		for _, c := range cells {
			if c != 0 {
				onCard = true
				break
			}
		}
		if !onCard {
			continue
		}
		v.Begin(ct.index, 0)
		n := 0
		for i, c := range cells {
			if c == 2 {
				n++
				col := &d.cols[ct.first+i]
				if !v.Select(Selection{Choice: col.choice, Rank: col.rank}) {
					return dcVoteErr{kind: 1, ct: k}
				}
			}
		}
		ct.flag(v, n)
	}
	return dcVoteErr{}
}

// flag marks the contest last begun in v, whose n marks were read: an
// overvoted contest counts for no one (like the JSON export's IsVote=false
// marks, its marks are not kept); too few marks is an undervote.
func (ct *dcContest) flag(v *Votes, n int) {
	switch {
	case !ct.ranked && n > ct.voteFor:
		v.dropSelections()
		v.SetFlags(Overvote)
	case ct.ranked && n == 0, !ct.ranked && n < ct.voteFor:
		v.SetFlags(Undervote)
	}
}

// dropSelections removes the selections of the contest last begun.
func (v *Votes) dropSelections() {
	if len(v.cells) == 0 {
		return
	}
	v.cells = v.cells[:v.last+1]
	v.cells[v.last] &= 1<<20 - 1
}

// pool reads a redaction row as a Pool (without Line): every count cell
// added to its contest and choice (and rank). Empty cells are contests not
// on the pooled ballots' style; cells with a redaction mark are counted in
// Redacted. It reads only d, never the Election, so that workers can run it.
func (r *dcRows) pool(rec [][]byte) (*Pool, dcErr) {
	d := r.d
	c0 := string(dcUnequalBytes(rec[0]))
	p := &Pool{File: d.file, Name: c0}
	if c0 == "" {
		p.Name = "pooled totals (first cell empty)"
	}
	for i := 1; i < d.first && i < len(rec); i++ {
		if v := dcUnequalBytes(rec[i]); len(v) > 0 && i < len(d.metaName) {
			p.Name += ", " + d.metaName[i] + " " + string(v)
		}
	}
	if m := dcConsolidated.FindStringSubmatch(c0); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			p.Cards, p.CardsKnown = n, true
		}
	}
	var cells [][]byte
	if d.first < len(rec) {
		cells = rec[d.first:]
	}
	for k := range d.contests {
		ct := &d.contests[k]
		var pc *PoolContest
		for col := ct.first; col < ct.end && col < len(cells); col++ {
			v := dcUnequalBytes(cells[col])
			if len(v) == 0 {
				continue
			}
			if redactionMark(v) {
				p.Redacted++
				continue
			}
			n, ok := parseIntBytes(v)
			if !ok || n < 0 {
				return nil, dcErr{kind: dcErrVote, v: dcVoteErr{kind: 3, ct: k, col: col, cell: string(cells[col])}}
			}
			if pc == nil {
				p.Contests = append(p.Contests, PoolContest{Contest: ct.index})
				pc = &p.Contests[len(p.Contests)-1]
				if ct.ranked {
					pc.Ranks = make([][]int64, ct.ranks)
					for r := range pc.Ranks {
						pc.Ranks[r] = make([]int64, ct.choices)
					}
				} else {
					pc.Votes = make([]int64, ct.choices)
				}
			}
			c := d.cols[col]
			if ct.ranked {
				pc.Ranks[c.rank-1][c.choice] += n
			} else {
				pc.Votes[c.choice] += n
			}
		}
	}
	return p, dcErr{}
}
