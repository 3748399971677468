package rla

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

// ErrBatchTally is wrapped by the errors of a malformed batch tally file.
var ErrBatchTally = errors.New("bad batch tally file")

// batchTally is one batch's vote counts: the votes of each choice by
// contest, and whether the batch was found (an audit board's count of a
// batch it could not locate has Found false and no votes).
type batchTally struct {
	Batch int // index into the manifest's batches
	Found bool
	Votes map[cvr.ContestIndex][]int64
}

// batchTallies are vote counts by batch, in the order the file first names
// each batch.
type batchTallies []*batchTally

// byBatch returns the tally of manifest batch b, or nil.
func (t batchTallies) byBatch(b int) *batchTally {
	for _, x := range t {
		if x.Batch == b {
			return x
		}
	}
	return nil
}

// readBatchTallies reads a batch tally CSV: the reported counts of each
// batch (a batch comparison audit's results by batch, or a hybrid audit's
// pools), or an audit board's hand count of drawn batches. The header names
// the columns batch, contest, choice and votes, and optionally jurisdiction,
// tabulator and found (yes or no; a batch that cannot be located has one
// row with found no). One row per batch, contest and choice; a choice not
// listed has 0 votes. Batches are matched to the manifest as CVRs are
// (Manifest.Key); contests and choices by name or ID, ignoring case.
func readBatchTallies(raw []byte, name string, m *cvr.Manifest, e *cvr.Election) (batchTallies, error) {
	t, err := newCSVTable(raw, name, ErrBatchTally, []string{"batch", "contest", "choice", "votes"},
		map[string]string{"batch name": "batch", "batch id": "batch"})
	if err != nil {
		return nil, err
	}
	bad, cell := t.bad, t.cell
	hasJur, hasTab := t.has("jurisdiction"), t.has("tabulator")
	// Each manifest batch's key with the fields this file lacks left out,
	// so a file without a tabulator column still matches when batch names
	// are unique.
	keyOf := func(jur, tab, batch string) cvr.BatchKey {
		if !hasJur {
			jur = ""
		}
		if !hasTab {
			tab = ""
		}
		return m.Key(jur, tab, batch)
	}
	index := map[cvr.BatchKey][]int{}
	for i, b := range m.Batches {
		k := keyOf(b.Jurisdiction, b.Tabulator, b.Name)
		index[k] = append(index[k], i)
	}
	var out batchTallies
	seen := map[[3]int]bool{}
	for {
		if err := t.next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		line := t.line
		batch := cell("batch")
		if batch == "" {
			return nil, bad(line, "field \"batch\" is empty")
		}
		where := batch
		if hasTab {
			where = cell("tabulator") + "/" + where
		}
		if hasJur {
			where = cell("jurisdiction") + "/" + where
		}
		bi := index[keyOf(cell("jurisdiction"), cell("tabulator"), batch)]
		switch {
		case len(bi) == 0:
			return nil, bad(line, "batch %q is not in the ballot manifest", where)
		case len(bi) > 1:
			return nil, bad(line, "batch %q names %d batches of the manifest: add the jurisdiction and tabulator columns", where, len(bi))
		}
		bt := out.byBatch(bi[0])
		if bt == nil {
			bt = &batchTally{Batch: bi[0], Found: true, Votes: map[cvr.ContestIndex][]int64{}}
			out = append(out, bt)
		}
		found := true
		if t.has("found") {
			switch strings.ToLower(cell("found")) {
			case "", "yes", "y", "true", "1":
			case "no", "n", "false", "0":
				found = false
			default:
				return nil, bad(line, "field \"found\" is %q; write yes or no", cell("found"))
			}
		}
		if !found {
			if cell("votes") != "" {
				return nil, bad(line, "batch %q is marked not found but has votes", where)
			}
			bt.Found = false
			continue
		}
		ci, ok := contestIndex(e, cell("contest"))
		if !ok {
			return nil, bad(line, "no contest named %q", cell("contest"))
		}
		ec := e.Contest(ci)
		ch, ok := choiceByName(ec, cell("choice"))
		if !ok {
			return nil, bad(line, "contest %q has no choice %q", ec.Name, cell("choice"))
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(cell("votes"), ",", ""), 10, 64)
		if err != nil || n < 0 {
			return nil, bad(line, "field \"votes\" is %q: not a whole number of votes", cell("votes"))
		}
		k := [3]int{bi[0], int(ci), int(ch)}
		if seen[k] {
			return nil, bad(line, "batch %q, contest %q, choice %q listed twice", where, ec.Name, ec.Choices[ch].Name)
		}
		seen[k] = true
		if bt.Votes[ci] == nil {
			bt.Votes[ci] = make([]int64, len(ec.Choices))
		}
		bt.Votes[ci][ch] = n
	}
	for _, t := range out {
		if !t.Found && len(t.Votes) > 0 {
			return nil, fmt.Errorf("rla: %s: %w: batch %s is marked not found but has votes", name, ErrBatchTally, m.Batches[t.Batch].Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("rla: %s: %w: no rows", name, ErrBatchTally)
	}
	return out, nil
}

// contestIndex finds a contest by name or ID, ignoring case.
func contestIndex(e *cvr.Election, name string) (cvr.ContestIndex, bool) {
	i := slices.IndexFunc(e.Contests, func(c *cvr.Contest) bool {
		return strings.EqualFold(c.Name, name) || strings.EqualFold(c.ID, name)
	})
	return cvr.ContestIndex(max(i, 0)), i >= 0
}
