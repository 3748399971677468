package rla

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

// ErrInterpretation is wrapped by the errors of a malformed interpretation
// file.
var ErrInterpretation = errors.New("bad interpretation file")

// Undetermined, as the selections of a contest, records that the audit
// board could not determine the voter's intent. The audit counts it as the
// worst case for the reported outcome, and the report lists the card.
const Undetermined = "?"

// readInterpretations parses an interpretation CSV: a header with the
// columns card_id, contest, selections and found (any order and case), then
// one row per examined contest on a card. selections are choice names
// separated by ";" (rank order for ranked contests; empty for no vote);
// found is yes or no.
func readInterpretations(r io.Reader, name string) ([]Interpretation, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("rla: %s: %w", name, err)
	}
	t, err := newCSVTable(raw, name, ErrInterpretation, []string{"card_id", "contest", "selections", "found"}, nil)
	if err != nil {
		return nil, err
	}
	bad, cell := t.bad, t.cell
	var out []Interpretation
	for {
		if err := t.next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		line := t.line
		it := Interpretation{CardID: cell("card_id"), Contest: cell("contest")}
		if it.CardID == "" {
			return nil, bad(line, "field \"card_id\" is empty")
		}
		switch strings.ToLower(cell("found")) {
		case "yes", "y", "true", "1":
			it.Found = true
		case "no", "n", "false", "0":
		default:
			return nil, bad(line, "field \"found\" is %q; write yes or no", cell("found"))
		}
		// found=yes with no contest says the card was found and holds none
		// of the contests: what a pooled card's board may report.
		it.Selections = []string{}
		if s := cell("selections"); s != "" {
			for _, x := range strings.Split(s, ";") {
				if x = strings.TrimSpace(x); x != "" {
					it.Selections = append(it.Selections, x)
				}
			}
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("rla: %s: %w: no rows", name, ErrInterpretation)
	}
	return out, nil
}

// Record enters an audit board's interpretations from the CSV file at path,
// checked against the cards drawn so far and the contests' choices, and
// then measures the risk again. by names the person entering them.
func (a *Audit) Record(path, by string) (*Status, error) {
	if strings.TrimSpace(by) == "" {
		return nil, errors.New("rla: say who entered the interpretations (--by NAME)")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rla: %w", err)
	}
	name := filepath.Base(path)
	rec := recordData{File: name, SHA256: sha256Hex(raw), Rows: []Interpretation{}}
	if a.Config().Method == Batch {
		if !isBatchCountFile(raw) {
			return nil, fmt.Errorf("rla: %s: %w: a batch comparison audit records hand counts of batches (batch,contest,choice,votes)", name, ErrBatchTally)
		}
		if rec.Batches, err = a.readBatchCounts(raw, name); err != nil {
			return nil, err
		}
	} else {
		if rec.Rows, err = readInterpretations(bytes.NewReader(raw), name); err != nil {
			return nil, err
		}
		if err := a.checkInterpretations(rec.Rows, name); err != nil {
			return nil, err
		}
	}
	e, err := a.log.Append(kindRecord, by, rec)
	if err != nil {
		return nil, err
	}
	a.st.records = append(a.st.records, recordEntry{e, rec})
	return a.recordStatus(by)
}

// checkRecord checks a recorded entry's interpretations or batch counts.
func (a *Audit) checkRecord(rec recordData) error {
	if err := a.checkBatchCounts(rec.Batches, rec.File); err != nil {
		return err
	}
	return a.checkInterpretations(rec.Rows, rec.File)
}

// checkInterpretations checks that every row names a drawn card, one of
// its contests under audit, and choices of that contest.
func (a *Audit) checkInterpretations(rows []Interpretation, name string) error {
	drawn := a.drawnByID()
	for i, r := range rows {
		line := i + 2
		bad := func(format string, args ...any) error {
			return fmt.Errorf("rla: %s row %d (line %d): %w: %s", name, i+1, line, ErrInterpretation, fmt.Sprintf(format, args...))
		}
		d, ok := drawn[r.CardID]
		if !ok {
			return bad("card %q was not drawn in any round", r.CardID)
		}
		if d.Phantom {
			return bad("card %q is a phantom (the manifest has it, the CVRs do not); it needs no interpretation", r.CardID)
		}
		if r.Contest == "" {
			continue
		}
		c := a.contestByName(r.Contest)
		if c == nil {
			if _, known := a.data.contestByName(r.Contest); known {
				continue // a contest not under audit: kept in the record, not measured
			}
			return bad("no contest named %q", r.Contest)
		}
		ec := a.data.Election.Contest(c.index)
		if slices.Contains(r.Selections, Undetermined) {
			if len(r.Selections) > 1 {
				return bad("%q (voter intent undetermined) must stand alone", Undetermined)
			}
			continue
		}
		for _, s := range r.Selections {
			if _, ok := choiceByName(ec, s); !ok {
				var names []string
				for _, ch := range ec.Choices {
					names = append(names, fmt.Sprintf("%q", ch.Name))
				}
				return bad("contest %q has no choice %q (choices: %s)", r.Contest, s, strings.Join(names, ", "))
			}
		}
		if dup := slicesDuplicate(r.Selections); dup != "" && !ec.Ranked() {
			return bad("choice %q listed twice", dup)
		}
	}
	return nil
}

func slicesDuplicate(xs []string) string {
	for i, x := range xs {
		if slices.ContainsFunc(xs[:i], func(y string) bool { return strings.EqualFold(x, y) }) {
			return x
		}
	}
	return ""
}

func choiceByName(c *cvr.Contest, name string) (cvr.ChoiceIndex, bool) {
	for j, ch := range c.Choices {
		if strings.EqualFold(ch.Name, name) || strings.EqualFold(ch.ID, name) {
			return cvr.ChoiceIndex(j), true
		}
	}
	return 0, false
}

func (a *Audit) contestByName(name string) *contest {
	for _, c := range a.contests {
		if strings.EqualFold(c.Name, name) || strings.EqualFold(c.ID, name) {
			return c
		}
	}
	return nil
}

// drawnByID indexes the drawn cards by card id.
func (a *Audit) drawnByID() map[string]DrawRecord {
	out := map[string]DrawRecord{}
	for _, d := range a.drawnRecords() {
		out[d.CardID] = d
	}
	return out
}

// cardReading is what the audit knows of one examined card: the votes read
// in each contest (by contest index), or that it was not found.
type cardReading struct {
	found    bool
	contests map[cvr.ContestIndex][]string
	by       []string // who entered it
}

// EntryConflict is a card whose two entries (double entry) disagree.
type EntryConflict struct {
	CardID string   `json:"card_id"`
	By     []string `json:"by"`
}

// readings resolves the recorded interpretations into one reading per card.
// A later row from the same person replaces an earlier one (a correction).
// With double entry a card counts only when two different people's latest
// entries agree on every contest; disagreements are returned as conflicts.
func (a *Audit) readings() (map[string]*cardReading, []EntryConflict) {
	type key struct{ card, by string }
	perPerson := map[key]*cardReading{}
	var order []key
	for _, rec := range a.st.records {
		for _, r := range rec.Rows {
			k := key{r.CardID, rec.By}
			cr := perPerson[k]
			if cr == nil {
				cr = &cardReading{found: true, contests: map[cvr.ContestIndex][]string{}, by: []string{rec.By}}
				perPerson[k] = cr
				order = append(order, k)
			}
			if !r.Found {
				cr.found = false
				continue
			}
			if c := a.contestByName(r.Contest); c != nil {
				cr.found = true
				cr.contests[c.index] = r.Selections
			}
		}
	}
	out := map[string]*cardReading{}
	var conflicts []EntryConflict
	if !a.Config().DoubleEntry {
		for _, k := range order {
			cr := perPerson[k]
			if prev := out[k.card]; prev != nil {
				// Several people entered the card: the latest entry of
				// each contest stands (entries are replayed in order).
				for ci, s := range cr.contests {
					prev.contests[ci] = s
				}
				prev.found = cr.found
				prev.by = append(prev.by, k.by)
				continue
			}
			out[k.card] = cr
		}
		return out, nil
	}
	byCard := map[string][]*cardReading{}
	var cards []string
	for _, k := range order {
		if byCard[k.card] == nil {
			cards = append(cards, k.card)
		}
		byCard[k.card] = append(byCard[k.card], perPerson[k])
	}
	for _, card := range cards {
		rs := byCard[card]
		agreed := false
		for i := 0; i < len(rs) && !agreed; i++ {
			for j := i + 1; j < len(rs) && !agreed; j++ {
				if sameReading(rs[i], rs[j]) {
					out[card] = &cardReading{found: rs[i].found, contests: rs[i].contests, by: []string{rs[i].by[0], rs[j].by[0]}}
					agreed = true
				}
			}
		}
		if !agreed && len(rs) >= 2 {
			var who []string
			for _, r := range rs {
				who = append(who, r.by[0])
			}
			conflicts = append(conflicts, EntryConflict{CardID: card, By: who})
		}
	}
	return out, conflicts
}

func sameReading(x, y *cardReading) bool {
	if x.found != y.found {
		return false
	}
	if !x.found {
		return true
	}
	if len(x.contests) != len(y.contests) {
		return false
	}
	for ci, s := range x.contests {
		t, ok := y.contests[ci]
		if !ok || len(s) != len(t) {
			return false
		}
		for i := range s {
			if !strings.EqualFold(s[i], t[i]) {
				return false
			}
		}
	}
	return true
}

// mvrVotes builds the manual interpretation of a card as votes. With
// absentIsBlank (a pooled card, whose contests the audit board finds on the
// card) a contest not read counts as on the card with no vote.
func (a *Audit) mvrVotes(cr *cardReading, absentIsBlank bool) cvr.Votes {
	var v cvr.Votes
	for _, c := range a.contests {
		sel, ok := cr.contests[c.index]
		if !ok && absentIsBlank {
			v.Begin(c.index, cvr.Undervote)
			continue
		}
		if !ok || slices.Contains(sel, Undetermined) {
			// Without the contest a comparison counts the card's MVR as 0:
			// the worst case, which an undetermined intent must get.
			continue
		}
		ec := a.data.Election.Contest(c.index)
		var flags cvr.Flags
		if !ec.Approval && !ec.Ranked() && len(sel) > ec.VoteFor {
			flags |= cvr.Overvote
		} else if len(sel) < ec.VoteFor {
			flags |= cvr.Undervote
		}
		v.Begin(c.index, flags)
		for r, s := range sel {
			ch, _ := choiceByName(ec, s)
			rank := uint8(0)
			if ec.Ranked() {
				rank = uint8(r + 1)
			}
			v.Select(cvr.Selection{Choice: ch, Rank: rank})
		}
	}
	return v
}
