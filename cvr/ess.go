package cvr

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ES&S (EVS / ElectionWare) CVR export (FORMATS.md section b). An export
// is two kinds of CSV file joined on the "Cast Vote Record" number:
//
//   - the CVR file: a few metadata columns, then one column per contest
//     whose cell is the chosen candidate's name, "overvote", "undervote",
//     or empty when the contest is not on the card. Ranked contests have
//     one column per rank ("Governor 1st Choice (5715)"), with cells such
//     as "Mills, Janet T. (5463)" whose trailing "(id)" is optional. No
//     header lists the choices: they are interned as they are met.
//   - one or more ballots files (about 20k rows each), optionally preceded
//     by five preamble rows starting "Ballots" and followed by a
//     "Total : N" row, listing each card's Batch, Tabulator CVR, Reporting
//     Group and, in some exports, Machine. Their rows are not sorted.
//
// The ballots files are read first and held in memory (one small record per
// card), then the CVR file is streamed and joined to them. The card ID is
// the Cast Vote Record number as written; the imprinted ID is Tabulator
// CVR; the tabulator is the Machine column, or else the first four digits
// of the ten-digit Tabulator CVR (TTTTRRRRRR: tabulator, ballot number).
// A Tabulator CVR of fewer than ten digits is one whose leading zeros
// Excel dropped: the zeros are restored, with a warning. The position in
// the batch is the card's rank in its batch ordered by ballot number (or
// by Cast Vote Record number when the Tabulator CVRs are sixteen-character
// imprinted IDs), since ES&S writes no position.

func init() {
	RegisterFormat(Format{
		Name:        "ess",
		Description: "ES&S EVS CVR CSV (Cast Vote Record, contest columns) with its ballots files",
		Detect:      detectESS,
		Read:        readESS,
	})
}

// essMetaCVR are the metadata columns of a CVR file; the contest columns
// start after the last of them.
var essMetaCVR = []string{"election id", "audit number", "tabulator cvr", "cast vote record", "batch", "ballot status", "precinct", "ballot style"}

// essBallotsOnly are columns found in ballots files and never in CVR files.
var essBallotsOnly = []string{"original ballot exception", "remaining ballot exception", "write-in type", "results report", "reporting group"}

func detectESS(name string, head []byte) bool {
	rec := csvFirstRecord(head)
	if len(rec) == 0 {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(rec[0]), "Ballots") {
		return true
	}
	for _, c := range rec {
		if strings.EqualFold(strings.TrimSpace(c), "Cast Vote Record") {
			return true
		}
	}
	return false
}

var (
	essRanked   = regexp.MustCompile(`(?i)^(.*?)\s+(\d+)(?:st|nd|rd|th)\s+choice(?:\s*\(\d+\))?$`)
	essChoiceID = regexp.MustCompile(`\s\(\d+\)$`)
	essWriteIn  = regexp.MustCompile(`(?i)^write[-_ ]*in`)
	essTen      = regexp.MustCompile(`^\d{10}$`)
	essDigits   = regexp.MustCompile(`^\d+$`)
	essHex      = regexp.MustCompile(`^[0-9A-Fa-f]{16}$`)
)

// essBallot is one row of a ballots file.
type essBallot struct {
	tab, batch, tabCVR string
	group, style, prec string
	order              string // ballot number, or "" to order by CVR number
	cvr                string
	where              string // "file line N"
	pos                int
	used               bool
}

// essFile is a file of the export, opened and positioned after its header.
type essFile struct {
	name   string
	rc     io.ReadCloser
	cr     *csv.Reader
	header []string
	col    map[string]int // lower-cased header -> index
}

func (f *essFile) get(rec []string, name string) string {
	c, ok := f.col[name]
	if !ok || c >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[c])
}

func (f *essFile) line() int {
	l, _ := f.cr.FieldPos(0)
	return l
}

func readESS(e *Election, files []File, opt Options) iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		var cvrFiles []*essFile
		defer func() {
			for _, f := range cvrFiles {
				f.rc.Close()
			}
		}()
		r := &essReader{e: e, opt: opt, ballots: map[string]*essBallot{}, strs: map[string]string{}}
		for _, f := range files {
			ef, ballots, err := openESS(f)
			if err != nil {
				yield(Card{}, err)
				return
			}
			if ef == nil {
				opt.warn(f.Name, "", "not an ES&S CVR or ballots file (no Cast Vote Record column); ignored")
				continue
			}
			if !ballots {
				cvrFiles = append(cvrFiles, ef)
				continue
			}
			err = r.readBallots(ef)
			ef.rc.Close()
			if err != nil {
				yield(Card{}, err)
				return
			}
		}
		if len(cvrFiles) == 0 {
			yield(Card{}, fmt.Errorf("cvr: ES&S export %s: no CVR file (a CSV with Cast Vote Record and contest columns)", describeFiles(files)))
			return
		}
		r.positions()
		for _, f := range cvrFiles {
			if !r.readCVRs(f, yield) {
				return
			}
		}
		unused, first := 0, (*essBallot)(nil)
		for _, b := range r.ballots {
			if !b.used {
				unused++
				if first == nil || naturalCompare(b.cvr, first.cvr) < 0 {
					first = b
				}
			}
		}
		if unused > 0 {
			opt.warn(first.where, "", "%d cards of the ballots files have no row in the CVR file, the first Cast Vote Record %q", unused, first.cvr)
		}
	}
}

// openESS opens f and reads its header, telling a ballots file from a CVR
// file; it returns nil for a file with no Cast Vote Record column.
func openESS(f File) (ef *essFile, ballots bool, err error) {
	rc, err := f.Open()
	if err != nil {
		return nil, false, fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	defer func() {
		if ef == nil {
			rc.Close()
		}
	}()
	cr := csv.NewReader(newUTF8Stream(rc))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	// A ballots file may open with preamble rows ("Ballots", the election
	// code, "County,State", the date, an empty row): skip to the header.
	for row := 1; row <= 10; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, csvLineError(f.Name, row, err)
		}
		if row == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "Ballots") {
			ballots = true
		}
		col := map[string]int{}
		for i, h := range rec {
			h = strings.ToLower(strings.TrimSpace(h))
			if _, dup := col[h]; !dup && h != "" {
				col[h] = i
			}
			if slices.Contains(essBallotsOnly, h) {
				ballots = true
			}
		}
		if _, ok := col["cast vote record"]; ok {
			return &essFile{name: f.Name, rc: rc, cr: cr, header: slices.Clone(rec), col: col}, ballots, nil
		}
		if !ballots {
			return nil, false, nil
		}
	}
	return nil, false, fmt.Errorf("cvr: %s: ES&S ballots file with no Cast Vote Record header in its first 10 rows", f.Name)
}

type essReader struct {
	e       *Election
	opt     Options
	ballots map[string]*essBallot // by Cast Vote Record number
	strs    map[string]string     // interned batch, tabulator and group names
	seen    map[string]bool       // card IDs read, when there is no ballots file
	padded  int
}

func (r *essReader) intern(s string) string {
	if t, ok := r.strs[s]; ok {
		return t
	}
	s = strings.Clone(s)
	r.strs[s] = s
	return s
}

// tabulatorCVR checks a Tabulator CVR cell, restoring the leading zeros a
// spreadsheet dropped from a ten-digit value.
func (r *essReader) tabulatorCVR(file, where, s string) string {
	if essDigits.MatchString(s) && len(s) < 10 {
		if r.padded == 0 {
			r.opt.warn(file, where, "Tabulator CVR %q has fewer than 10 digits: leading zeros restored (was the file opened in a spreadsheet?)", s)
		}
		r.padded++
		return strings.Repeat("0", 10-len(s)) + s
	}
	return s
}

func (r *essReader) readBallots(f *essFile) error {
	for _, req := range []string{"batch", "tabulator cvr"} {
		if _, ok := f.col[req]; !ok {
			return fmt.Errorf("cvr: %s: ballots file has no %q column", f.name, req)
		}
	}
	_, machine := f.col["machine"]
	for {
		rec, err := f.cr.Read()
		if err == io.EOF {
			return nil
		}
		line := f.line()
		if err != nil {
			return csvLineError(f.name, line, err)
		}
		if dcBlank(rec) || strings.HasPrefix(strings.TrimSpace(rec[0]), "Total") {
			continue // footer ("Total : 7") and blank rows
		}
		where := fmt.Sprintf("line %d", line)
		num := f.get(rec, "cast vote record")
		batch := f.get(rec, "batch")
		tabCVR := f.get(rec, "tabulator cvr")
		switch {
		case num == "":
			return fmt.Errorf("cvr: %s %s: field Cast Vote Record is empty", f.name, where)
		case batch == "":
			return fmt.Errorf("cvr: %s %s: Cast Vote Record %s: field Batch is empty", f.name, where, num)
		case tabCVR == "":
			return fmt.Errorf("cvr: %s %s: Cast Vote Record %s: field Tabulator CVR is empty", f.name, where, num)
		}
		tabCVR = r.tabulatorCVR(f.name, where, tabCVR)
		b := &essBallot{cvr: strings.Clone(num), batch: r.intern(batch), tabCVR: strings.Clone(tabCVR), where: f.name + " " + where,
			group: r.intern(f.get(rec, "reporting group")), style: r.intern(f.get(rec, "ballot style")), prec: r.intern(f.get(rec, "precinct"))}
		ten := essTen.MatchString(tabCVR)
		if ten {
			b.order = tabCVR[4:]
		}
		if machine {
			b.tab = r.intern(f.get(rec, "machine"))
			if b.tab == "" {
				return fmt.Errorf("cvr: %s %s: Cast Vote Record %s: field Machine is empty", f.name, where, num)
			}
			if !ten && !essHex.MatchString(tabCVR) {
				r.opt.warn(f.name, where, "Cast Vote Record %s: Tabulator CVR %q is neither 10 digits nor 16 hexadecimal characters", num, tabCVR)
			}
		} else {
			if !ten {
				return fmt.Errorf("cvr: %s %s: Cast Vote Record %s: field Tabulator CVR: %q is not the 10-digit tabulator and ballot number, and there is no Machine column to name the tabulator", f.name, where, num, tabCVR)
			}
			b.tab = r.intern(tabCVR[:4])
		}
		if prev, dup := r.ballots[b.cvr]; dup {
			return fmt.Errorf("cvr: %s %s: field Cast Vote Record: %s already listed at %s", f.name, where, num, prev.where)
		}
		r.ballots[b.cvr] = b
	}
}

// positions numbers the cards of each batch 1, 2, ... in ballot-number
// order, or in Cast Vote Record order when a card of the batch has no
// ten-digit Tabulator CVR.
func (r *essReader) positions() {
	batches := map[BatchKey][]*essBallot{}
	for _, b := range r.ballots {
		k := BatchKey{Tabulator: b.tab, Batch: b.batch}
		batches[k] = append(batches[k], b)
	}
	for _, bs := range batches {
		byNumber := true
		for _, b := range bs {
			byNumber = byNumber && b.order != ""
		}
		slices.SortFunc(bs, func(a, b *essBallot) int {
			if byNumber {
				if c := strings.Compare(a.order, b.order); c != 0 {
					return c
				}
			}
			return naturalCompare(a.cvr, b.cvr)
		})
		for i, b := range bs {
			b.pos = i + 1
		}
	}
}

// essContest maps the columns of one contest of the CVR file.
type essContest struct {
	name  string
	index ContestIndex
	cols  []int // in rank order for a ranked contest
	ranks []uint8
}

func (r *essReader) cvrHeader(f *essFile) ([]*essContest, error) {
	last := -1
	for i, h := range f.header {
		if slices.Contains(essMetaCVR, strings.ToLower(strings.TrimSpace(h))) {
			last = i
		}
	}
	byName := map[string]*essContest{}
	var contests []*essContest
	end := len(f.header)
	for end > last+1 && strings.TrimSpace(f.header[end-1]) == "" {
		end--
	}
	for i := last + 1; i < end; i++ {
		h := strings.Join(strings.Fields(f.header[i]), " ")
		if h == "" {
			return nil, fmt.Errorf("cvr: %s line 1 column %d: empty contest name", f.name, i+1)
		}
		name, rank := h, 0
		if m := essRanked.FindStringSubmatch(h); m != nil {
			name = m[1]
			rank, _ = strconv.Atoi(m[2])
			if rank < 1 || rank > MaxRanks {
				return nil, fmt.Errorf("cvr: %s line 1 column %d: contest %q: rank %d outside 1..%d", f.name, i+1, name, rank, MaxRanks)
			}
		}
		ct := byName[name]
		if ct == nil {
			ct = &essContest{name: name}
			byName[name] = ct
			contests = append(contests, ct)
		}
		if (rank > 0) != (len(ct.ranks) > 0 && ct.ranks[0] > 0) && len(ct.cols) > 0 {
			return nil, fmt.Errorf("cvr: %s line 1 column %d: contest %q has both ranked and unranked columns", f.name, i+1, name)
		}
		if rank > 0 && slices.Contains(ct.ranks, uint8(rank)) {
			return nil, fmt.Errorf("cvr: %s line 1 column %d: contest %q: rank %d has two columns", f.name, i+1, name, rank)
		}
		ct.cols = append(ct.cols, i)
		ct.ranks = append(ct.ranks, uint8(rank))
	}
	// Intern in the order of the contests' first columns, so that contest
	// indexes do not depend on map iteration.
	for _, ct := range contests {
		name := ct.name
		c := Contest{ID: name, Name: name, VoteFor: len(ct.cols)}
		if ct.ranks[0] > 0 {
			c.VoteFor = 1
			c.Ranks = int(slices.Max(ct.ranks))
			// Store selections in rank order whatever the column order.
			idx := make([]int, len(ct.cols))
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return int(ct.ranks[a]) - int(ct.ranks[b]) })
			cols, ranks := make([]int, len(idx)), make([]uint8, len(idx))
			for i, j := range idx {
				cols[i], ranks[i] = ct.cols[j], ct.ranks[j]
			}
			ct.cols, ct.ranks = cols, ranks
		} else if len(ct.cols) > 1 {
			// FORMATS.md: a vote-for-N contest does not fit one cell; an
			// export that repeats the contest's column is read as one
			// selection per column, and said so.
			r.opt.warn(f.name, "line 1", "contest %q has %d columns: read as vote for %d, one selection per column", name, len(ct.cols), len(ct.cols))
		}
		if c.VoteFor > MaxSelections {
			return nil, fmt.Errorf("cvr: %s line 1: contest %q: %d columns", f.name, name, len(ct.cols))
		}
		var err error
		if ct.index, err = r.e.AddContest(c); err != nil {
			return nil, fmt.Errorf("cvr: %s line 1: %w", f.name, err)
		}
	}
	return contests, nil
}

func (r *essReader) readCVRs(f *essFile, yield func(Card, error) bool) bool {
	defer f.rc.Close()
	fail := func(err error) bool { yield(Card{}, err); return false }
	contests, err := r.cvrHeader(f)
	if err != nil {
		return fail(err)
	}
	var (
		card    Card
		seen    map[string]bool // card IDs, when no ballots file lists them
		noBatch bool
	)
	if len(r.ballots) == 0 {
		if r.seen == nil {
			r.seen = map[string]bool{}
		}
		seen = r.seen
		_, hasBatch := f.col["batch"]
		_, hasTab := f.col["tabulator cvr"]
		if !hasBatch || !hasTab {
			noBatch = true
			r.opt.warn(f.name, "", "no ballots file: the cards have no batch or tabulator, so they cannot be joined to a ballot manifest")
		}
	}
	for {
		rec, err := f.cr.Read()
		if err == io.EOF {
			return true
		}
		line := f.line()
		if err != nil {
			return fail(csvLineError(f.name, line, err))
		}
		if dcBlank(rec) || strings.HasPrefix(strings.TrimSpace(rec[0]), "Total") {
			continue
		}
		where := fmt.Sprintf("line %d", line)
		num := f.get(rec, "cast vote record")
		if num == "" {
			return fail(fmt.Errorf("cvr: %s %s: field Cast Vote Record is empty", f.name, where))
		}
		card.Votes.Reset()
		card = Card{ID: strings.Clone(num), Votes: card.Votes,
			BallotStyle: r.intern(f.get(rec, "ballot style")), Precinct: r.intern(f.get(rec, "precinct"))}
		if seen == nil {
			b := r.ballots[num]
			if b == nil {
				return fail(fmt.Errorf("cvr: %s %s: field Cast Vote Record: %s is in no ballots file", f.name, where, num))
			}
			if b.used {
				return fail(fmt.Errorf("cvr: %s %s: field Cast Vote Record: %s appears twice in the CVR files", f.name, where, num))
			}
			b.used = true
			card.Batch = BatchKey{Jurisdiction: r.opt.Jurisdiction, Tabulator: b.tab, Batch: b.batch}
			card.Position, card.ImprintedID, card.CountingGroup = b.pos, b.tabCVR, b.group
			if card.BallotStyle == "" {
				card.BallotStyle = b.style
			}
			if card.Precinct == "" {
				card.Precinct = b.prec
			}
			if tc := f.get(rec, "tabulator cvr"); tc != "" && r.tabulatorCVR(f.name, where, tc) != b.tabCVR {
				return fail(fmt.Errorf("cvr: %s %s: Cast Vote Record %s: field Tabulator CVR %q differs from %q at %s", f.name, where, num, tc, b.tabCVR, b.where))
			}
		} else {
			if seen[num] {
				return fail(fmt.Errorf("cvr: %s %s: field Cast Vote Record: %s appears twice", f.name, where, num))
			}
			seen[card.ID] = true
			if !noBatch {
				tc := r.tabulatorCVR(f.name, where, f.get(rec, "tabulator cvr"))
				if !essTen.MatchString(tc) {
					return fail(fmt.Errorf("cvr: %s %s: Cast Vote Record %s: field Tabulator CVR: %q is not the 10-digit tabulator and ballot number", f.name, where, num, tc))
				}
				card.Batch = BatchKey{Jurisdiction: r.opt.Jurisdiction, Tabulator: r.intern(tc[:4]), Batch: r.intern(f.get(rec, "batch"))}
				card.ImprintedID = tc
			}
		}
		if err := r.votes(&card, contests, rec); err != nil {
			return fail(fmt.Errorf("cvr: %s %s: Cast Vote Record %s: %w", f.name, where, num, err))
		}
		if !yield(card, nil) {
			return false
		}
	}
}

// votes decodes one CVR row. In each contest column the cell is a choice
// name, "overvote", "undervote", or empty when the contest is not on the
// card; in a ranked contest "undervote" leaves its rank unused and
// "overvote" flags an overvoted ranking.
func (r *essReader) votes(c *Card, contests []*essContest, rec []string) error {
	for _, ct := range contests {
		onCard := false
		for _, col := range ct.cols {
			if col < len(rec) && strings.TrimSpace(rec[col]) != "" {
				onCard = true
				break
			}
		}
		if !onCard {
			continue
		}
		contest := r.e.Contest(ct.index)
		c.Votes.Begin(ct.index, 0)
		var flags Flags
		n := 0
		for k, col := range ct.cols {
			s := ""
			if col < len(rec) {
				s = strings.Join(strings.Fields(rec[col]), " ")
			}
			switch {
			case s == "":
				if !contest.Ranked() {
					flags |= Undervote
				}
				continue
			case strings.EqualFold(s, "undervote"):
				flags |= Undervote
				continue
			case strings.EqualFold(s, "overvote"):
				flags |= Overvote
				continue
			}
			name := essChoiceID.ReplaceAllString(s, "")
			ch, err := r.e.AddChoice(ct.index, Choice{ID: name, Name: name, WriteIn: essWriteIn.MatchString(name)})
			if err != nil {
				return fmt.Errorf("column %d: %w", col+1, err)
			}
			if !c.Votes.Select(Selection{Choice: ch, Rank: ct.ranks[k]}) {
				return fmt.Errorf("contest %q: more than %d selections", contest.Name, MaxSelections)
			}
			n++
		}
		switch {
		case contest.Ranked():
			// A ranking is undervoted only when no rank holds a choice;
			// skipped ranks are kept as they are for the jurisdiction's rule.
			flags &^= Undervote
			if n == 0 && flags&Overvote == 0 {
				flags |= Undervote
			}
		case flags&Overvote != 0:
			c.Votes.dropSelections()
			flags &^= Undervote
		case n < contest.VoteFor:
			flags |= Undervote
		}
		c.Votes.SetFlags(flags)
	}
	return nil
}
