package cvr

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Clear Ballot ClearVote/ClearCount CVR CSV (FORMATS.md section d): one
// header row, then one row per card. The fixed columns are RowNumber,
// BoxID, BoxPosition, BallotID, PrecinctID, BallotStyleID,
// PrecinctStyleName, ScanComputerName, Status and Remade; every vote column
// is named
//
//	Choice_<id>_<n>:<Contest>:Vote For <K>:<Choice>:<Party>          (plurality)
//	Choice_<id>_<n>:<Contest>:<Rank>:Vote For 1:<Choice>:<Party>     (ranked)
//
// with "Number of Winners K" in place of "Vote For K" in some exports.
// Contest names may hold commas (the header cell is quoted) and, in
// principle, colons, so the header is split around the "Vote For" field
// rather than on every colon. The <id> differs between the ranks of one
// candidate in some exports (the Kansas primary) and not in others, so
// choices are identified by name within their contest.
//
// The card ID is BallotID (box + sequence, e.g. "ED-004+10003", also the
// imprinted ID), the batch key is (ScanComputerName, BoxID) and the
// position is BoxPosition.

func init() {
	RegisterFormat(Format{
		Name:        "clearballot",
		Description: "Clear Ballot ClearVote CVR CSV (RowNumber,BoxID,BoxPosition,... then Choice_ columns)",
		Detect:      detectClearBallot,
		Read:        readClearBallot,
	})
}

// cbFixed are the fixed columns, lower-cased.
var cbFixed = []string{"rownumber", "boxid", "boxposition", "ballotid", "precinctid", "ballotstyleid", "precinctstylename", "scancomputername", "status", "remade"}

func detectClearBallot(name string, head []byte) bool {
	rec := csvFirstRecord(head)
	if len(rec) < 4 {
		return false
	}
	for i, want := range cbFixed[:4] {
		if !strings.EqualFold(strings.TrimSpace(rec[i]), want) {
			return false
		}
	}
	return true
}

// csvFirstRecord parses the first CSV record of head (after a UTF-8
// byte-order mark); a record cut off by the end of head yields its
// complete leading cells.
func csvFirstRecord(head []byte) []string {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	line, _, _ := bytes.Cut(head, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(line))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return nil
	}
	return rec
}

var (
	cbVoteFor = regexp.MustCompile(`^(?i:vote\s*for|number\s+of\s+winners)\s+(\d+)$`)
	cbRank    = regexp.MustCompile(`^\d+$`)
	cbWriteIn = regexp.MustCompile(`(?i)^write[-_ ]*in`)
)

// cbHeader is the parse of one Choice_ column header.
type cbHeader struct {
	contest, choice string
	voteFor, rank   int // rank 0 for plurality
}

// parseCBHeader splits a vote column header around its "Vote For K" field:
// fields before it are the Choice_ key, the contest name and (for a ranked
// contest) the rank; fields after it are the choice name and the party.
func parseCBHeader(h string) (cbHeader, error) {
	f := strings.Split(h, ":")
	vf := -1
	for i := 2; i < len(f); i++ {
		if cbVoteFor.MatchString(strings.TrimSpace(f[i])) {
			vf = i
			break
		}
	}
	if vf < 0 || vf+1 >= len(f) {
		return cbHeader{}, errors.New(`want "Choice_<id>_<n>:<contest>:[<rank>:]Vote For <K>:<choice>:<party>"`)
	}
	var ch cbHeader
	ch.voteFor, _ = strconv.Atoi(cbVoteFor.FindStringSubmatch(strings.TrimSpace(f[vf]))[1])
	contestEnd := vf
	if r := strings.TrimSpace(f[vf-1]); vf >= 3 && cbRank.MatchString(r) {
		ch.rank, _ = strconv.Atoi(r)
		contestEnd = vf - 1
		if ch.rank < 1 || ch.rank > MaxRanks {
			return cbHeader{}, fmt.Errorf("rank %s outside 1..%d", r, MaxRanks)
		}
	}
	ch.contest = strings.TrimSpace(strings.Join(f[1:contestEnd], ":"))
	// The party is the last field; a header with no party field has the
	// choice last.
	choiceEnd := len(f) - 1
	if choiceEnd == vf+1 {
		choiceEnd = len(f)
	}
	ch.choice = strings.TrimSpace(strings.Join(f[vf+1:choiceEnd], ":"))
	switch {
	case ch.contest == "":
		return cbHeader{}, errors.New("empty contest name")
	case ch.choice == "":
		return cbHeader{}, errors.New("empty choice name")
	case ch.voteFor < 1 || ch.voteFor > MaxSelections:
		return cbHeader{}, fmt.Errorf("vote for %d outside 1..%d", ch.voteFor, MaxSelections)
	}
	return ch, nil
}

type cbColumn struct {
	col    int // index in the row
	choice ChoiceIndex
	rank   uint8
}

type cbContest struct {
	index   ContestIndex
	voteFor int
	ranked  bool
	cols    []cbColumn // in rank order for a ranked contest
}

type cbReader struct {
	file     string
	meta     map[string]int // fixed column -> index
	contests []*cbContest
	ncols    int
}

func readClearBallot(e *Election, files []File, opt Options) iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		seen := map[string]string{} // card ID -> "file line N", for duplicates across files
		for _, f := range files {
			if !readClearBallotFile(e, f, opt, seen, yield) {
				return
			}
		}
	}
}

// csvLineError names the line of a csv.Reader error.
func csvLineError(file string, line int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("cvr: %s line %d: %w", file, pe.Line, pe.Err)
	}
	return fmt.Errorf("cvr: %s line %d: %w", file, line, err)
}

func readClearBallotFile(e *Election, f File, opt Options, seen map[string]string, yield func(Card, error) bool) bool {
	fail := func(err error) bool { yield(Card{}, err); return false }
	rc, err := f.Open()
	if err != nil {
		return fail(fmt.Errorf("cvr: %s: %w", f.Name, err))
	}
	defer rc.Close()
	cr := csv.NewReader(newUTF8Stream(rc))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	d := &cbReader{file: f.Name}
	if err := d.header(e, cr, opt); err != nil {
		return fail(err)
	}
	col := func(name string) int {
		if c, ok := d.meta[name]; ok {
			return c
		}
		return -1
	}
	var (
		boxC, posC, idC     = col("boxid"), col("boxposition"), col("ballotid")
		rowC, precC, styleC = col("rownumber"), col("precinctid"), col("ballotstyleid")
		scanC               = col("scancomputername")
		card                Card
		lastScan, lastBox   string
		lastPrec, lastStyle string
		cell                = func(rec []string, c int) string { return cbCell(rec, c) }
		keep                = func(s string, last *string) string {
			if s != *last {
				*last = strings.Clone(s)
			}
			return *last
		}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return true
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return fail(csvLineError(f.Name, line, err))
		}
		if dcBlank(rec) {
			continue
		}
		if len(rec) < d.ncols {
			return fail(fmt.Errorf("cvr: %s line %d: %d cells, header has %d", f.Name, line, len(rec), d.ncols))
		}
		where := fmt.Sprintf("%s line %d", f.Name, line)
		id := cell(rec, idC)
		if id == "" {
			// BallotID is empty when imprinting was off; the row number
			// is then the only identity the export gives.
			if rn := cell(rec, rowC); rn != "" {
				id = "row-" + rn
			} else {
				return fail(fmt.Errorf("cvr: %s: fields BallotID and RowNumber are empty", where))
			}
		}
		if prev, dup := seen[id]; dup {
			return fail(fmt.Errorf("cvr: %s: field BallotID: card %q already read at %s", where, id, prev))
		}
		seen[strings.Clone(id)] = where
		box := cell(rec, boxC)
		if box == "" {
			return fail(fmt.Errorf("cvr: %s: field BoxID is empty", where))
		}
		pos, err := strconv.Atoi(cell(rec, posC))
		if err != nil || pos < 1 {
			return fail(fmt.Errorf("cvr: %s: field BoxPosition: %q is not a positive integer", where, cell(rec, posC)))
		}
		card.Votes.Reset()
		card = Card{
			ID:          strings.Clone(id),
			Batch:       BatchKey{Jurisdiction: opt.Jurisdiction, Tabulator: keep(cell(rec, scanC), &lastScan), Batch: keep(box, &lastBox)},
			Position:    pos,
			BallotStyle: keep(cell(rec, styleC), &lastStyle),
			Precinct:    keep(cell(rec, precC), &lastPrec),
			Votes:       card.Votes,
		}
		if imp := cell(rec, idC); imp != "" {
			card.ImprintedID = card.ID
		}
		if err := d.votes(e, &card, rec); err != nil {
			return fail(fmt.Errorf("cvr: %s: %w", where, err))
		}
		if !yield(card, nil) {
			return false
		}
	}
}

func cbCell(rec []string, c int) string {
	if c < 0 || c >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[c])
}

func (d *cbReader) header(e *Election, cr *csv.Reader, opt Options) error {
	rec, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("cvr: %s: empty file, want a Clear Ballot header row", d.file)
	}
	if err != nil {
		return csvLineError(d.file, 1, err)
	}
	rec = slices.Clone(rec)
	d.meta = map[string]int{}
	byName := map[string]*cbContest{}
	type choiceRank struct {
		choice ChoiceIndex
		rank   int
	}
	used := map[*cbContest]map[choiceRank]bool{}
	end := len(rec)
	for end > 0 && strings.TrimSpace(rec[end-1]) == "" {
		end-- // trailing empty columns are padding
	}
	for i, h := range rec[:end] {
		h = strings.TrimSpace(h)
		low := strings.ToLower(h)
		if !strings.HasPrefix(low, "choice_") {
			if slices.Contains(cbFixed, low) {
				if _, dup := d.meta[low]; dup {
					return fmt.Errorf("cvr: %s line 1 column %d: column %q appears twice", d.file, i+1, h)
				}
				d.meta[low] = i
			} else {
				opt.warn(d.file, "line 1", "column %d %q is not a Clear Ballot column; ignored", i+1, h)
			}
			continue
		}
		ch, err := parseCBHeader(h)
		if err != nil {
			return fmt.Errorf("cvr: %s line 1 column %d: header %q: %w", d.file, i+1, h, err)
		}
		ct := byName[ch.contest]
		if ct == nil {
			c := Contest{ID: ch.contest, Name: ch.contest, VoteFor: ch.voteFor}
			if ch.rank > 0 {
				c.VoteFor, c.Ranks = 1, ch.rank
			}
			ci, err := e.AddContest(c)
			if err != nil {
				return fmt.Errorf("cvr: %s line 1 column %d: %w", d.file, i+1, err)
			}
			ct = &cbContest{index: ci, voteFor: ch.voteFor, ranked: ch.rank > 0}
			byName[ch.contest] = ct
			d.contests = append(d.contests, ct)
			used[ct] = map[choiceRank]bool{}
		}
		switch {
		case ct.ranked != (ch.rank > 0):
			return fmt.Errorf("cvr: %s line 1 column %d: contest %q has both ranked and unranked columns", d.file, i+1, ch.contest)
		case ct.voteFor != ch.voteFor:
			return fmt.Errorf("cvr: %s line 1 column %d: contest %q: vote for %d, earlier columns say %d", d.file, i+1, ch.contest, ch.voteFor, ct.voteFor)
		}
		contest := e.Contest(ct.index)
		if ct.ranked && ch.rank > contest.Ranks {
			contest.Ranks = ch.rank // contest first added by this reader: its ranks grow with the header
		}
		ci, err := e.AddChoice(ct.index, Choice{ID: ch.choice, Name: ch.choice, WriteIn: cbWriteIn.MatchString(ch.choice)})
		if err != nil {
			return fmt.Errorf("cvr: %s line 1 column %d: %w", d.file, i+1, err)
		}
		key := choiceRank{ci, ch.rank}
		if used[ct][key] {
			return fmt.Errorf("cvr: %s line 1 column %d: contest %q: choice %q (rank %d) has two columns", d.file, i+1, ch.contest, ch.choice, ch.rank)
		}
		used[ct][key] = true
		ct.cols = append(ct.cols, cbColumn{col: i, choice: ci, rank: uint8(ch.rank)})
	}
	for _, req := range []string{"boxid", "boxposition"} {
		if _, ok := d.meta[req]; !ok {
			if len(d.contests) == 0 {
				return fmt.Errorf("cvr: %s line 1: not a Clear Ballot CVR export: no BoxID, BoxPosition or Choice_ columns (a contest or choice list is not a CVR)", d.file)
			}
			return fmt.Errorf("cvr: %s line 1: no %s column", d.file, cbCanon(req))
		}
	}
	if len(d.contests) == 0 {
		return fmt.Errorf("cvr: %s line 1: no Choice_ columns", d.file)
	}
	for _, ct := range d.contests {
		if ct.ranked {
			// Selections are stored in rank order, whatever the column order.
			slices.SortStableFunc(ct.cols, func(a, b cbColumn) int { return int(a.rank) - int(b.rank) })
		}
		for _, c := range ct.cols {
			d.ncols = max(d.ncols, c.col+1)
		}
	}
	for _, c := range d.meta {
		d.ncols = max(d.ncols, c+1)
	}
	return nil
}

func cbCanon(low string) string {
	switch low {
	case "boxid":
		return "BoxID"
	case "boxposition":
		return "BoxPosition"
	}
	return low
}

// votes decodes the vote cells of one row: 1 is a mark, 0 no mark, and an
// empty cell says the contest is not on the card.
func (d *cbReader) votes(e *Election, c *Card, rec []string) error {
	for _, ct := range d.contests {
		onCard := false
		for _, col := range ct.cols {
			if strings.TrimSpace(rec[col.col]) != "" {
				onCard = true
				break
			}
		}
		if !onCard {
			continue
		}
		c.Votes.Begin(ct.index, 0)
		n := 0
		for _, col := range ct.cols {
			switch s := strings.TrimSpace(rec[col.col]); s {
			case "1":
				n++
				if !c.Votes.Select(Selection{Choice: col.choice, Rank: col.rank}) {
					return fmt.Errorf("contest %q: more than %d selections", e.Contest(ct.index).Name, MaxSelections)
				}
			case "0", "":
			default:
				contest := e.Contest(ct.index)
				return fmt.Errorf("column %d: contest %q: choice %q: cell %q is not 0 or 1", col.col+1, contest.Name, contest.Choices[col.choice].Name, s)
			}
		}
		switch {
		case !ct.ranked && n > ct.voteFor:
			// An overvoted contest counts for no one (FORMATS.md
			// checklist 4: the overvote is reported by the flag).
			c.Votes.dropSelections()
			c.Votes.SetFlags(Overvote)
		case ct.ranked && n == 0, !ct.ranked && n < ct.voteFor:
			c.Votes.SetFlags(Undervote)
		}
		if ct.ranked && cbRankOvervoted(c.Votes) {
			c.Votes.SetFlags(Overvote)
		}
	}
	return nil
}

// cbRankOvervoted reports whether the contest last begun has two choices
// at one rank; the raw pairs are kept for the jurisdiction's rule.
func cbRankOvervoted(v Votes) bool {
	sel := v.cells[v.last+1:]
	for i := 1; i < len(sel); i++ {
		if sel[i]>>16 == sel[i-1]>>16 {
			return true
		}
	}
	return false
}
