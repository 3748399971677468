package rla

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/stats"
)

// A batch comparison audit draws whole batches, counts each drawn batch by
// hand and compares the count with the batch's reported counts. rlakit
// follows SHANGRLA's batch-level comparison (Stark 2020, "Sets of
// half-average nulls generate risk-limiting audits: SHANGRLA", section on
// batch-level comparison audits): batches are drawn with replacement with
// probability proportional to their cards (a card is drawn uniformly from
// the manifest with Rivest's sampler, and its batch is the draw), and for
// each assertion a drawn batch p gives the overstatement assorter
//
//	B_p = (1 − ω̄_p/u_A) / (2 − v/u_A),   ω̄_p = ω_p / n_p,
//
// where ω_p is the batch's overstatement (reported minus counted assorter
// total, margin.Assertion.BatchOverstatement), n_p its cards and v the
// diluted margin over all the manifest's cards. Under this sampling the
// expected ω̄_p is the population's mean overstatement per card, so the
// mean of B is above 1/2 exactly when the reported outcome is right, as in
// a ballot-level comparison. The risk is measured by ALPHA with the optimal
// comparison bet, sampling with replacement.

// reconcileBatches checks a batch comparison audit's inputs: every manifest
// batch must have reported counts, no batch more votes than its cards allow,
// and the batches' counts must add up to the reported results.
func (d *Data) reconcileBatches() []cvr.Inconsistency {
	out := []cvr.Inconsistency{}
	for i, b := range d.Manifest.Batches {
		if d.BatchTallies.byBatch(i) == nil && b.Cards > 0 {
			out = append(out, cvr.Inconsistency{Kind: "batch-without-results", Batch: batchKey(b).String(), Expected: int64(b.Cards), Found: 0,
				Cause: "the manifest lists this batch but the batch results do not: its reported counts are taken as zero; the batch results may be incomplete, or the batch named differently"})
		}
	}
	t := &cvr.Tally{Election: d.Election, Contests: make([]cvr.ContestTally, len(d.Election.Contests))}
	for i := range t.Contests {
		t.Contests[i] = cvr.ContestTally{Contest: cvr.ContestIndex(i), Votes: make([]int64, len(d.Election.Contests[i].Choices))}
	}
	for _, bt := range d.BatchTallies {
		b := d.Manifest.Batches[bt.Batch]
		out = append(out, countsExceedCards(d.Election, batchKey(b).String(), int64(b.Cards), bt.Votes)...)
		for ci, v := range bt.Votes {
			for j, n := range v {
				t.Contests[ci].Votes[j] += n
			}
		}
	}
	// Compare the sums with the results as reconciliation compares a CVR
	// tally: a manifest whose batches expect no CVRs leaves only that check.
	m := *d.Manifest
	m.Batches = slices.Clone(m.Batches)
	for i := range m.Batches {
		m.Batches[i].CVRs = cvr.CVRNo
	}
	return append(out, cvr.Reconcile(&m, &cvr.Cards{}, t, d.Results)...)
}

// countsExceedCards reports each contest of a batch whose counts hold more
// votes than its cards allow.
func countsExceedCards(e *cvr.Election, batch string, cards int64, votes map[cvr.ContestIndex][]int64) []cvr.Inconsistency {
	var out []cvr.Inconsistency
	contests := make([]cvr.ContestIndex, 0, len(votes))
	for ci := range votes {
		contests = append(contests, ci)
	}
	slices.Sort(contests)
	for _, ci := range contests {
		if sum, limit := voteSum(votes[ci]), voteLimit(e.Contest(ci), cards); sum > limit {
			out = append(out, cvr.Inconsistency{Kind: "batch-exceeds-cards", Batch: batch, Contest: e.Contest(ci).Name, Expected: limit, Found: sum,
				Cause: "the batch's reported counts hold more votes than its cards allow: a miscount in the manifest or in the batch's results"})
		}
	}
	return out
}

func voteSum(v []int64) int64 {
	var s int64
	for _, n := range v {
		s += n
	}
	return s
}

// voteLimit is the most votes cards cards can hold in contest ec.
func voteLimit(ec *cvr.Contest, cards int64) int64 {
	if ec.Approval {
		return cards * int64(len(ec.Choices))
	}
	return cards * int64(ec.VoteFor)
}

// selectBatches draws the batches of round r: the draws after the earlier
// rounds' before, up to need in all, each a card drawn uniformly with
// replacement by Rivest's sampler (sampler.py) over the manifest's cards,
// standing for its batch.
func (a *Audit) selectBatches(r, before, need int) ([]DrawRecord, error) {
	out, err := a.selectRivestManifest(r, before, need)
	for i := range out {
		id := out[i].CardID
		out[i].CardID = id[:strings.LastIndex(id, "#")] // the batch, not the card
	}
	return out, err
}

// batchIndex maps each manifest batch's key (as in draw records) to its
// index.
func (a *Audit) batchIndex() map[string]int {
	out := make(map[string]int, len(a.data.Manifest.Batches))
	for i, b := range a.data.Manifest.Batches {
		out[batchKey(b).String()] = i
	}
	return out
}

// readBatchCounts reads an audit board's batch count file (the batch tally
// CSV of readBatchTallies) and checks it: every batch counted must have been
// drawn, and no contest may hold more votes than the batch's cards allow.
func (a *Audit) readBatchCounts(raw []byte, name string) ([]BatchCount, error) {
	ts, err := readBatchTallies(raw, name, a.data.Manifest, a.data.Election)
	if err != nil {
		return nil, err
	}
	var out []BatchCount
	for _, t := range ts {
		b := a.data.Manifest.Batches[t.Batch]
		bc := BatchCount{Batch: batchKey(b).String(), Found: t.Found}
		if t.Found {
			bc.Votes = map[string]map[string]int64{}
			for ci, v := range t.Votes {
				ec := a.data.Election.Contest(ci)
				bc.Votes[ec.Name] = map[string]int64{}
				for j, n := range v {
					bc.Votes[ec.Name][ec.Choices[j].Name] = n
				}
			}
		}
		out = append(out, bc)
	}
	return out, a.checkBatchCounts(out, name)
}

// checkBatchCounts checks recorded batch counts against the draws and the
// batches' cards.
func (a *Audit) checkBatchCounts(counts []BatchCount, name string) error {
	drawn := a.drawnByID()
	idx := a.batchIndex()
	for _, bc := range counts {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("rla: %s: %w: batch %s: %s", name, ErrBatchTally, bc.Batch, fmt.Sprintf(format, args...))
		}
		if _, ok := drawn[bc.Batch]; !ok {
			return bad("not drawn in any round")
		}
		cards := int64(a.data.Manifest.Batches[idx[bc.Batch]].Cards)
		for contest, votes := range bc.Votes {
			ci, ok := a.data.contestByName(contest)
			if !ok {
				return bad("no contest named %q", contest)
			}
			ec := a.data.Election.Contest(ci)
			var sum int64
			for choice, n := range votes {
				if _, ok := choiceByName(ec, choice); !ok || n < 0 {
					return bad("contest %q: bad choice %q or count %d", contest, choice, n)
				}
				sum += n
			}
			if limit := voteLimit(ec, cards); sum > limit {
				return bad("contest %q: %d votes counted, more than its %d cards allow (%d); recount the batch, or correct the manifest and start a new audit", contest, sum, cards, limit)
			}
		}
	}
	return nil
}

// batchReadings resolves the recorded batch counts into one per batch (by
// manifest index), as readings does for cards: the latest count stands, and
// with double entry a batch counts only when two people's latest counts
// agree; disagreements are returned as conflicts.
func (a *Audit) batchReadings() (map[int]*batchTally, []EntryConflict) {
	idx := a.batchIndex()
	type key struct{ batch, by string }
	latest := map[key]BatchCount{}
	var order []key
	for _, rec := range a.st.records {
		for _, bc := range rec.Batches {
			k := key{bc.Batch, rec.By}
			if _, ok := latest[k]; !ok {
				order = append(order, k)
			}
			latest[k] = bc
		}
	}
	agreed := map[string]*BatchCount{}
	var conflicts []EntryConflict
	if !a.Config().DoubleEntry {
		for _, k := range order {
			bc := latest[k]
			agreed[k.batch] = &bc
		}
	} else {
		byBatch := map[string][]key{}
		var batches []string
		for _, k := range order {
			if byBatch[k.batch] == nil {
				batches = append(batches, k.batch)
			}
			byBatch[k.batch] = append(byBatch[k.batch], k)
		}
		for _, b := range batches {
			ks := byBatch[b]
			for i := 0; i < len(ks) && agreed[b] == nil; i++ {
				for j := i + 1; j < len(ks) && agreed[b] == nil; j++ {
					if x, y := latest[ks[i]], latest[ks[j]]; sameJSON(x, y) {
						agreed[b] = &x
					}
				}
			}
			if agreed[b] == nil && len(ks) >= 2 {
				var who []string
				for _, k := range ks {
					who = append(who, k.by)
				}
				conflicts = append(conflicts, EntryConflict{CardID: b, By: who})
			}
		}
	}
	out := map[int]*batchTally{}
	for b, bc := range agreed {
		t := &batchTally{Batch: idx[b], Found: bc.Found, Votes: map[cvr.ContestIndex][]int64{}}
		for contest, votes := range bc.Votes {
			ci, _ := a.data.contestByName(contest)
			ec := a.data.Election.Contest(ci)
			v := make([]int64, len(ec.Choices))
			for choice, n := range votes {
				j, _ := choiceByName(ec, choice)
				v[j] = n
			}
			t.Votes[ci] = v
		}
		out[t.Batch] = t
	}
	return out, conflicts
}

// batchTest is a batch comparison audit's risk function: ALPHA with the
// optimal comparison bet, sampling with replacement.
func (a *Audit) batchTest(c *contest, i int) stats.Test {
	return stats.Alpha{
		Population: stats.Population{N: 0, T: 0.5, U: c.comparisons[i].Upper()},
		Estimator:  stats.OptimalComparison{},
	}
}

// batchValue is assertion i's overstatement assorter for a drawn batch:
// B_p from the batch's reported and counted votes, or 0 (the worst case)
// when the batch was not found.
func (a *Audit) batchValue(c *contest, i int, b int, counted *batchTally) (float64, error) {
	if !counted.Found {
		return 0, nil
	}
	comp, as := c.comparisons[i], c.assertions[i]
	n := int64(a.data.Manifest.Batches[b].Cards)
	zeros := make([]int64, len(a.data.Election.Contest(c.index).Choices))
	reported, audited := zeros, zeros
	if t := a.data.BatchTallies.byBatch(b); t != nil && t.Votes[c.index] != nil {
		reported = t.Votes[c.index]
	}
	if counted.Votes[c.index] != nil {
		audited = counted.Votes[c.index]
	}
	o, err := as.BatchOverstatement(n, reported, audited)
	if err != nil {
		return 0, fmt.Errorf("rla: contest %q, batch %s: %w", c.Name, batchKey(a.data.Manifest.Batches[b]), err)
	}
	omega, _ := o.Quo(o, ratInt(n)).Float64()
	return comp.Value(omega), nil
}

// measureBatch measures contest k of a batch comparison audit: every draw
// up to the contest's sample size is one observation, a batch drawn twice
// counting twice.
func (a *Audit) measureBatch(k int, m *contestMeasure, counts map[int]*batchTally) (complete bool, err error) {
	c := a.contests[k]
	size := 0
	if n := len(a.st.rounds); n > 0 {
		size = a.st.rounds[n-1].Sizes[c.Name]
	}
	draws := a.drawnRecords()
	m.CardsDrawn = min(len(draws), size)
	draws = draws[:m.CardsDrawn]
	idx := a.batchIndex()
	complete = true
	var seq []int
	for _, d := range draws {
		b := idx[d.CardID]
		if counts[b] == nil {
			complete = false
			break
		}
		seq = append(seq, b)
	}
	m.CardsExamined = len(seq)
	for i, as := range c.assertions {
		st, err := a.batchTest(c, i).Start()
		if err != nil {
			return false, err
		}
		for _, b := range seq {
			x, err := a.batchValue(c, i, b, counts[b])
			if err != nil {
				return false, err
			}
			if err := st.Add(x); err != nil {
				return false, fmt.Errorf("rla: contest %q, assertion %q: %w", c.Name, as.Name, err)
			}
			m.values[i] = append(m.values[i], x)
		}
		m.Assertions[as.Name] = st.P()
	}
	return complete && len(seq) > 0, nil
}

// batchPopulation is what a batch audit's size simulation draws from: the
// values observed so far, or before any, the value every batch gives when
// a share r1 of its cards has a one-vote and r2 a two-vote overstatement.
func (a *Audit) batchPopulation(c *contest, i int, observed []float64) []float64 {
	if len(observed) > 0 {
		return observed
	}
	cfg := a.Config()
	u := c.assertions[i].Upper()
	return []float64{c.comparisons[i].Value(u * (cfg.ErrorRate1/2 + cfg.ErrorRate2))}
}

// maxBatchDraws caps a batch audit's simulated sample: beyond it the audit
// would count more than every batch several times over.
func (a *Audit) maxBatchDraws() int {
	return max(4*len(a.data.Manifest.Batches), 100)
}

// batchesAwaiting lists the drawn batches with no (agreed) count yet.
func (a *Audit) batchesAwaiting(counts map[int]*batchTally) []string {
	idx := a.batchIndex()
	var out []string
	for _, d := range a.drawnRecords() {
		if counts[idx[d.CardID]] == nil && !slices.Contains(out, d.CardID) {
			out = append(out, d.CardID)
		}
	}
	return out
}

// isBatchCountFile reports whether a record file is a batch count (its
// header names a votes column) rather than card interpretations.
func isBatchCountFile(raw []byte) bool {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	return bytes.Contains(bytes.ToLower(line), []byte("votes"))
}
