package margin

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"sync"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/stats"
)

// Meter reads cards once and accumulates, for every assertion at once, how
// many cards have assorter value 0, 1/2 and u_A. With card-style data
// (useStyle) an assertion counts only the cards that hold its contest;
// without it every card counts, a card without the contest as 1/2.
// Phantom cards count through their votes: give a phantom the contests it
// may hold, with no selections (SHANGRLA's phantoms carry {contest: {}}).
//
// Counts are exact integers, so means and margins are exact rationals
// (ExactMean, ExactMargin). Mean and Margin round them once, to the
// nearest float64; for the assorters whose values are multiples of 1/2
// (all but a supermajority's) this equals numpy's pairwise mean, which
// SHANGRLA's set_margin_from_cvrs uses, bit for bit, since every partial sum
// is then exact. For a supermajority numpy's sum of the values 1/(2f) is
// rounded at each step and can differ from the exact mean in the last bits.
//
// A Meter is not safe for concurrent use; give each goroutine its own and
// Merge them.
type Meter struct {
	asrts    []*Assertion
	useStyle bool
	plans    []plan  // by contest index
	quick    []int32 // by contest index: the histogram offset of a contest read only by pattern; noPlan; or slowPlan
	hist     []int64 // the histograms of the contests, histSlots each
	counts   [][3]int64
	total    int64     // cards read
	_        [128]byte // keeps the meters of parallel workers off each other's cache lines
}

// plan is how a Meter reads one contest. The votes of an unranked
// contest are counted by pattern in a histogram (fast), from which the
// counts of every assertion whose choices have indexes below 64 follow at
// the end: one increment per card and contest, however many assertions.
// Ranked assertions, and unranked ones naming a choice of index 64 or
// more, read each vote (slow).
type plan struct {
	fast   []fastAssertion
	slow   []int32
	ranked bool
	base   int32 // offset of the contest's histogram in Meter.hist; -1 if none
	multi  map[pattern]int64
}

type fastAssertion struct {
	i       int32 // index in Meter.asrts
	voteFor int32 // 0: unlimited
	w, l    uint8
	super   bool
}

// A contest's histogram counts its votes by pattern: histVoid those
// flagged Invalid or Overvote (no valid vote), histBlank those with no
// selection, histSingle+c those with the one selection c < 64 (c = 64 for
// any other choice); votes of two or more selections go to plan.multi.
const (
	histVoid   = 0
	histBlank  = 1
	histSingle = 2
	histSlots  = histSingle + 65
	noPlan     = -1
	slowPlan   = -2
)

// pattern is a vote of two or more selections: the set of choices below
// 64 and the number of selections.
type pattern struct {
	set uint64
	n   int
}

// NewMeter returns a Meter for the assertions asrts (indexes into asrts
// name them in the other methods).
func NewMeter(asrts []*Assertion, useStyle bool) *Meter {
	m := &Meter{asrts: asrts, useStyle: useStyle, counts: make([][3]int64, len(asrts))}
	for i, a := range asrts {
		ci := int(a.Contest)
		for len(m.plans) <= ci {
			m.plans = append(m.plans, plan{base: -1})
		}
		p := &m.plans[ci]
		switch {
		case a.ranked:
			p.ranked = true
			p.slow = append(p.slow, int32(i))
		case a.Winner < 64 && a.Loser < 64:
			p.fast = append(p.fast, fastAssertion{i: int32(i), voteFor: int32(a.voteFor), w: uint8(a.Winner), l: uint8(a.Loser), super: a.Kind == Supermajority})
			if p.base < 0 {
				p.base = int32(len(m.hist))
				m.hist = append(m.hist, make([]int64, histSlots)...)
				p.multi = map[pattern]int64{}
			}
		default:
			p.slow = append(p.slow, int32(i))
		}
	}
	m.quick = make([]int32, len(m.plans))
	for ci, p := range m.plans {
		switch {
		case len(p.slow) > 0:
			m.quick[ci] = slowPlan
		case p.base >= 0:
			m.quick[ci] = p.base
		default:
			m.quick[ci] = noPlan
		}
	}
	return m
}

// Add reads one card's votes.
func (m *Meter) Add(v cvr.Votes) {
	m.total++
	// Locals: the counter stores below would make the compiler reload
	// fields of m.
	quick, hist := m.quick, m.hist
	for cv := range v.All() {
		ci := int(cv.Contest)
		if ci >= len(quick) {
			continue
		}
		base := quick[ci]
		if base < 0 {
			if base == slowPlan {
				m.addSlow(&m.plans[ci], cv)
			}
			continue
		}
		if k := histSlot(cv); k >= 0 {
			hist[int(base)+k]++
		} else {
			m.addMulti(&m.plans[ci], cv)
		}
	}
}

// histSlot returns the histogram slot of a contest vote, or -1 for a vote
// of two or more selections.
func histSlot(cv cvr.ContestVote) int {
	switch n := cv.Len(); {
	case cv.Flags&(cvr.Invalid|cvr.Overvote) != 0:
		return histVoid
	case n == 0:
		return histBlank
	case n == 1:
		return histSingle + int(min(cv.Selection(0).Choice, 64))
	}
	return -1
}

func (m *Meter) addMulti(p *plan, cv cvr.ContestVote) {
	n := cv.Len()
	var set uint64
	for j := range n {
		if c := cv.Selection(j).Choice; c < 64 {
			set |= 1 << c
		}
	}
	p.multi[pattern{set, n}]++
}

// addSlow reads a contest with assertions that need each vote.
func (m *Meter) addSlow(p *plan, cv cvr.ContestVote) {
	if p.ranked {
		var buf [16]cvr.ChoiceIndex
		prefs, ok := readRanking(cv, buf[:0])
		for _, i := range p.slow {
			m.counts[i][m.asrts[i].rankedLevel(prefs, ok)]++
		}
		return
	}
	if p.base >= 0 {
		if k := histSlot(cv); k >= 0 {
			m.hist[int(p.base)+k]++
		} else {
			m.addMulti(p, cv)
		}
	}
	for _, i := range p.slow {
		m.counts[i][m.asrts[i].level(cv)]++
	}
}

// fastCounts derives a fast assertion's counts from its contest's
// histogram h and multi-selection votes, as Assertion.level reads each vote.
func fastCounts(f fastAssertion, h []int64, multi map[pattern]int64) (c [3]int64) {
	c[levelHalf] = h[histVoid] + h[histBlank]
	var singles int64
	for _, k := range h[histSingle:] {
		singles += k
	}
	w, l := h[histSingle+int(f.w)], h[histSingle+int(f.l)]
	if f.super {
		c[levelUpper] = w
		c[levelZero] = singles - w
	} else {
		c[levelUpper] = w
		c[levelZero] = l
		c[levelHalf] += singles - w - l
	}
	for p, k := range multi {
		lv := levelHalf
		if !f.super && (f.voteFor == 0 || p.n <= int(f.voteFor)) {
			lv = 1 + int(p.set>>f.w&1) - int(p.set>>f.l&1)
		}
		c[lv] += k
	}
	return c
}

// Merge adds the counts of o, a Meter over other cards with the same
// assertions and style setting.
func (m *Meter) Merge(o *Meter) error {
	if len(o.asrts) != len(m.asrts) || o.useStyle != m.useStyle {
		return errors.New("margin: Merge: meters of different assertions or style settings")
	}
	for i := range m.asrts {
		if m.asrts[i] != o.asrts[i] {
			return errors.New("margin: Merge: meters of different assertions")
		}
		for l := range 3 {
			m.counts[i][l] += o.counts[i][l]
		}
	}
	for i, k := range o.hist {
		m.hist[i] += k
	}
	for ci, p := range m.plans {
		for pat, k := range o.plans[ci].multi {
			p.multi[pat] += k
		}
	}
	m.total += o.total
	return nil
}

// Counts returns how many cards assertion i counts with assorter value 0,
// 1/2 and u_A.
func (m *Meter) Counts(i int) (zero, half, upper int64) {
	c := m.counts[i]
	p := &m.plans[m.asrts[i].Contest]
	for _, f := range p.fast {
		if int(f.i) == i {
			h := fastCounts(f, m.hist[p.base:p.base+histSlots], p.multi)
			for l := range 3 {
				c[l] += h[l]
			}
		}
	}
	if !m.useStyle {
		c[levelHalf] = m.total - c[levelZero] - c[levelUpper]
	}
	return c[levelZero], c[levelHalf], c[levelUpper]
}

// Cards returns the number of cards assertion i counts: those holding its
// contest with card-style data, all cards read without.
func (m *Meter) Cards(i int) int64 {
	z, h, u := m.Counts(i)
	return z + h + u
}

// ExactMean returns the exact mean of assertion i's assorter over the cards
// it counts, (n_{1/2}/2 + n_u·u_A)/n, where for a supermajority
// u_A = 1/(2f) is taken exactly, f being the decimal share (0.6 is 3/5).
func (m *Meter) ExactMean(i int) (*big.Rat, error) {
	a := m.asrts[i]
	_, h, u := m.Counts(i)
	n := m.Cards(i)
	if n == 0 {
		return nil, fmt.Errorf("margin: contest %q: assertion %s: no cards hold the contest", a.ContestID, a.Name)
	}
	sum := new(big.Rat).SetFrac64(h, 2)
	sum.Add(sum, new(big.Rat).Mul(big.NewRat(u, 1), a.exactUpper()))
	return sum.Quo(sum, big.NewRat(n, 1)), nil
}

// exactUpper is u_A as an exact rational: 1/(2f), f being the shortest
// decimal that the float64 share rounds to (0.6 is 3/5), as people write it.
func (a *Assertion) exactUpper() *big.Rat {
	if a.Kind != Supermajority {
		return big.NewRat(1, 1)
	}
	f, ok := new(big.Rat).SetString(strconv.FormatFloat(a.Share, 'g', -1, 64))
	if !ok { // unreachable for a finite share
		f = new(big.Rat).SetFloat64(a.Share)
	}
	return f.Inv(f.Mul(f, big.NewRat(2, 1)))
}

// ExactMargin returns 2·ExactMean − 1, the exact diluted margin.
func (m *Meter) ExactMargin(i int) (*big.Rat, error) {
	mean, err := m.ExactMean(i)
	if err != nil {
		return nil, err
	}
	mean.Mul(mean, big.NewRat(2, 1))
	return mean.Sub(mean, big.NewRat(1, 1)), nil
}

// Mean returns ExactMean rounded to the nearest float64.
func (m *Meter) Mean(i int) (float64, error) {
	mean, err := m.ExactMean(i)
	if err != nil {
		return 0, err
	}
	f, _ := mean.Float64()
	return f, nil
}

// Margin returns the diluted margin v = 2·mean − 1 of assertion i, computed
// as SHANGRLA does (Stark 2020; SHANGRLA set_margin_from_cvrs: 2·Mean − 1 in floating point).
func (m *Meter) Margin(i int) (float64, error) {
	mean, err := m.Mean(i)
	if err != nil {
		return 0, err
	}
	return 2*mean - 1, nil
}

// Total returns the sum of assertion a's assorter over cards cards from the
// contest's counts votes (by ChoiceIndex), exactly: for a pairwise
// assorter (T_W − T_L + cards)/2, for a supermajority
// T_W/(2f) + (cards − V)/2 with V = Σ votes, the cards with one valid vote
// (Stark 2020, plurality and supermajority assorters). cards is the number of cards the
// assorter averages over: those holding the contest, or all cards without
// card-style data. IRV assorters need the ballots, not counts: use a Meter.
func (a *Assertion) Total(votes []int64, cards int64) (*big.Rat, error) {
	where := func(format string, args ...any) error {
		return fmt.Errorf("margin: contest %q: assertion %s: "+format, append([]any{a.ContestID, a.Name}, args...)...)
	}
	if cards <= 0 {
		return nil, where("%d cards", cards)
	}
	var valid int64
	for i, v := range votes {
		if v < 0 || v > cards {
			return nil, where("choice %d has %d votes on %d cards", i, v, cards)
		}
		valid += v
	}
	switch a.Kind {
	case Pairwise:
		if int(a.Winner) >= len(votes) || int(a.Loser) >= len(votes) {
			return nil, where("counts for %d choices lack the winner or the loser", len(votes))
		}
		return big.NewRat(votes[a.Winner]-votes[a.Loser]+cards, 2), nil
	case Supermajority:
		if int(a.Winner) >= len(votes) {
			return nil, where("counts for %d choices lack the winner", len(votes))
		}
		if valid > cards {
			return nil, where("%d valid votes on %d cards of a vote-for-1 contest", valid, cards)
		}
		t := new(big.Rat).Mul(big.NewRat(votes[a.Winner], 1), a.exactUpper())
		return t.Add(t, big.NewRat(cards-valid, 2)), nil
	}
	return nil, where("%v assorters need the ballots, not counts", a.Kind)
}

// Diluted returns the diluted margin from reported counts, exactly:
// v = 2·Total/cards − 1, that is (T_W − T_L)/cards for a pairwise assorter
// and (T_W/f − V)/cards for a supermajority. The latter is the value
// consistent with the assorter; SHANGRLA's find_margin_from_tally returns
// q(T_W/(cards·f) − 1) instead (RISK.md, Decisions).
func (a *Assertion) Diluted(votes []int64, cards int64) (*big.Rat, error) {
	t, err := a.Total(votes, cards)
	if err != nil {
		return nil, err
	}
	t.Mul(t, big.NewRat(2, cards))
	return t.Sub(t, big.NewRat(1, 1)), nil
}

// AuditType is the kind of audit an assertion is tested in, by SHANGRLA's
// name.
type AuditType string

// The audit types.
const (
	CardComparison AuditType = "CARD_COMPARISON"
	Polling        AuditType = "POLLING"
	// ONEAudit behaves as CardComparison, with pool means standing in for
	// the CVRs of pooled cards (Stark 2023).
	ONEAudit AuditType = "ONEAUDIT"
)

// TestUpper returns the upper bound of the values the risk function sees
// for assertion a with diluted margin v: u_A for a polling audit, and
// 2/(2 − v/u_A) (the overstatement assorter's bound; Stark 2020,
// comparison audits) for a comparison audit.
func (t AuditType) TestUpper(a *Assertion, v float64) (float64, error) {
	switch t {
	case Polling:
		return a.upper, nil
	case CardComparison, ONEAudit:
		d := 2 - v/a.upper
		if !finite(v) || !(d > 0) {
			return 0, fmt.Errorf("margin: contest %q: assertion %s: margin %v gives no overstatement assorter (2 − v/u_A = %v)", a.ContestID, a.Name, v, d)
		}
		return 2 / d, nil
	}
	return 0, fmt.Errorf("margin: unknown audit type %q (want CARD_COMPARISON, POLLING or ONEAUDIT)", t)
}

// PairwiseSum returns the sum of x exactly as numpy 1.24's np.sum computes
// it (stats.PairwiseSum): SHANGRLA's margins are np.mean of assorter values.
func PairwiseSum(x []float64) float64 { return stats.PairwiseSum(x) }

// PairwiseMean returns np.mean(x), PairwiseSum(x)/len(x); an empty x is an
// error (numpy would return NaN).
func PairwiseMean(x []float64) (float64, error) {
	if len(x) == 0 {
		return 0, errors.New("margin: mean of no values")
	}
	return PairwiseSum(x) / float64(len(x)), nil
}

// Measure reads every card of the store once with a Meter for asrts,
// splitting the cards among workers goroutines (at least 1) and merging
// their counts, which are exact, so the result does not depend on workers.
func Measure(cards *cvr.Cards, asrts []*Assertion, useStyle bool, workers int) *Meter {
	n := cards.Len()
	workers = max(1, min(workers, n))
	meters := make([]*Meter, workers)
	var wg sync.WaitGroup
	for w := range workers {
		meters[w] = NewMeter(asrts, useStyle)
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func(m *Meter) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				m.Add(cards.Votes(i))
			}
		}(meters[w])
	}
	wg.Wait()
	for _, m := range meters[1:] {
		_ = meters[0].Merge(m) // same assertions and style: cannot fail
	}
	return meters[0]
}
