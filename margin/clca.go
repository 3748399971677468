package margin

import (
	"fmt"
	"math/big"

	"github.com/rlakit/rlakit/cvr"
)

// Discrepancy is the class of a card's overstatement in a comparison audit,
// in votes: a two-vote overstatement (O2) down to a two-vote understatement
// (U2). Reports count cards by class.
type Discrepancy int8

// The discrepancy classes. For a plurality assorter (u_A = 1) the
// overstatement ω is exactly 1, 1/2, 0, −1/2 or −1. For other assorters
// (supermajority, ONEAudit pool means) the class is that of ω/u_A rounded
// away from zero: O2 when ω/u_A > 1/2, O1 when 0 < ω/u_A ≤ 1/2, and the same
// for understatements.
const (
	U2   Discrepancy = -2
	U1   Discrepancy = -1
	None Discrepancy = 0
	O1   Discrepancy = 1
	O2   Discrepancy = 2
)

func (d Discrepancy) String() string {
	switch d {
	case U2:
		return "u2"
	case U1:
		return "u1"
	case None:
		return "none"
	case O1:
		return "o1"
	case O2:
		return "o2"
	}
	return fmt.Sprintf("Discrepancy(%d)", int8(d))
}

// Classify returns the discrepancy class of overstatement omega for an
// assorter with upper bound u.
func Classify(omega, u float64) Discrepancy {
	r := omega / u
	switch {
	case r > 0.5:
		return O2
	case r > 0:
		return O1
	case r < -0.5:
		return U2
	case r < 0:
		return U1
	}
	return None
}

// Pair is one sampled card of a comparison audit: its cast vote record and
// the audit board's manual reading of it (the MVR).
type Pair struct {
	CVR cvr.Votes
	// Phantom marks a card the manifest has and the CVRs lack (Banuelos &
	// Stark 2012): its CVR counts as 1/2 and its MVR as 0.
	Phantom bool
	// Pool names the ONEAudit pool (Stark 2023) of a card without its own
	// CVR: the pool's mean stands for A(CVR). Empty for other cards.
	Pool string
	MVR  cvr.Votes
	// NotFound marks a card the audit board could not find: its MVR counts
	// as 0, the worst case.
	NotFound bool
}

// Comparison is one assertion tested by ballot-level comparison (CLCA;
// Stark 2020, comparison audits). Build it with NewComparison.
type Comparison struct {
	Assertion *Assertion
	// Margin is the assertion's reported diluted margin v.
	Margin float64
	// UseStyle: the audit uses card-style data, so a CVR must hold the
	// contest and an MVR without it counts as 0.
	UseStyle bool
	// PoolMeans are the ONEAudit pool means of A (see Pools); nil outside
	// ONEAudit.
	PoolMeans map[string]float64
}

// NewComparison returns the comparison of assertion a with reported
// diluted margin v; 2 − v/u_A must be positive.
func NewComparison(a *Assertion, v float64, useStyle bool) (*Comparison, error) {
	if _, err := CardComparison.TestUpper(a, v); err != nil {
		return nil, err
	}
	return &Comparison{Assertion: a, Margin: v, UseStyle: useStyle}, nil
}

// Overstatement returns ω = A(CVR) − A(MVR) for the sampled card p, with
// SHANGRLA's rules (Assertion.overstatement; phantoms to evil zombies,
// Banuelos & Stark 2012):
//   - A(MVR) = 0 when the card is a phantom or was not found, or, with
//     card-style data, when the MVR lacks the contest; otherwise A(MVR),
//     with 1/2 for an MVR without the contest;
//   - A(CVR) = the pool's mean for a pooled card (ONEAudit), 1/2 for a
//     phantom, otherwise A(CVR); with card-style data a CVR without the
//     contest is an error (the card should not have been sampled for it).
func (c *Comparison) Overstatement(p *Pair) (float64, error) {
	a := c.Assertion
	var acvr float64
	switch {
	case p.Pool != "":
		m, ok := c.PoolMeans[p.Pool]
		if !ok {
			return 0, fmt.Errorf("margin: contest %q: assertion %s: no mean for pool %q", a.ContestID, a.Name, p.Pool)
		}
		acvr = m
	case p.Phantom:
		acvr = 0.5
	default:
		cv, ok := p.CVR.Get(a.Contest)
		switch {
		case ok:
			acvr = a.AssortVote(cv)
		case c.UseStyle:
			return 0, fmt.Errorf("margin: contest %q: assertion %s: with card-style data the CVR must hold the contest", a.ContestID, a.Name)
		default:
			acvr = 0.5
		}
	}
	var amvr float64
	if !p.Phantom && !p.NotFound {
		cv, ok := p.MVR.Get(a.Contest)
		switch {
		case ok:
			amvr = a.AssortVote(cv)
		case !c.UseStyle:
			amvr = 0.5
		}
	}
	return acvr - amvr, nil
}

// Value returns the overstatement assorter for overstatement omega
// (Stark 2020, comparison audits; SHANGRLA's make_overstatement):
//
//	B = (1 − ω/u_A) / (2 − v/u_A),
//
// in [0, Upper()]; ω = 0 gives the no-error value 1/(2 − v/u_A).
func (c *Comparison) Value(omega float64) float64 {
	u := c.Assertion.upper
	return (1 - omega/u) / (2 - c.Margin/u)
}

// Upper returns the overstatement assorter's upper bound 2/(2 − v/u_A),
// its value for ω = −u_A, the bound handed to the risk function.
func (c *Comparison) Upper() float64 {
	return 2 / (2 - c.Margin/c.Assertion.upper)
}

// Assort returns the overstatement assorter's value for the sampled card p
// and its discrepancy class.
func (c *Comparison) Assort(p *Pair) (float64, Discrepancy, error) {
	o, err := c.Overstatement(p)
	if err != nil {
		return 0, None, err
	}
	return c.Value(o), Classify(o, c.Assertion.upper), nil
}

// ExpectedMean returns the mean of the overstatement assorter when a
// fraction r1 of the cards has a one-vote and r2 a two-vote overstatement
// (SHANGRLA's overstatement_assorter_mean): (1 − r1/2 − r2)/(2 − v/u_A).
func (c *Comparison) ExpectedMean(r1, r2 float64) float64 {
	return (1 - r1/2 - r2) / (2 - c.Margin/c.Assertion.upper)
}

// ExpectedMargin returns 2·ExpectedMean − 1 in SHANGRLA's form
// (overstatement_assorter_margin): (1 − (r2 + r1/2)u_A/v)/(2u_A/v − 1).
// It needs v ≠ 0.
func (c *Comparison) ExpectedMargin(r1, r2 float64) float64 {
	u, v := c.Assertion.upper, c.Margin
	return (1 - (r2+r1/2)*u/v) / (2*u/v - 1)
}

// Pools computes ONEAudit pool means (Stark 2023; SHANGRLA's
// set_tally_pool_means): for every pool, the mean of each assertion's
// assorter over the pool's cards, which stands for A(CVR) of a pooled card.
// Cards are counted as a Meter counts them.
type Pools struct {
	asrts    []*Assertion
	useStyle bool
	meters   map[string]*Meter
}

// NewPools returns an empty pool accumulator for asrts.
func NewPools(asrts []*Assertion, useStyle bool) *Pools {
	return &Pools{asrts: asrts, useStyle: useStyle, meters: map[string]*Meter{}}
}

// Add reads a card of pool with votes v (the pool's own record of it).
func (p *Pools) Add(pool string, v cvr.Votes) {
	m := p.meters[pool]
	if m == nil {
		m = NewMeter(p.asrts, p.useStyle)
		p.meters[pool] = m
	}
	m.Add(v)
}

// Means returns assertion i's mean in every pool that holds cards of its
// contest.
func (p *Pools) Means(i int) map[string]float64 {
	out := map[string]float64{}
	for name, m := range p.meters {
		if mean, err := m.Mean(i); err == nil {
			out[name] = mean
		}
	}
	return out
}

// BatchOverstatement returns ω_p, the overstatement of a batch of cards
// cards in a batch comparison audit: the batch's assorter total from the
// reported counts minus that from the audited (hand) counts, exactly
// (Stark 2020, batch-level comparison; for plurality ((r_W − r_L) − (a_W − a_L))/2).
func (a *Assertion) BatchOverstatement(cards int64, reported, audited []int64) (*big.Rat, error) {
	r, err := a.Total(reported, cards)
	if err != nil {
		return nil, fmt.Errorf("reported: %w", err)
	}
	h, err := a.Total(audited, cards)
	if err != nil {
		return nil, fmt.Errorf("audited: %w", err)
	}
	return r.Sub(r, h), nil
}

// BatchCounts are one batch's counts in one contest: the cards that hold
// the contest and the votes per choice, reported and audited.
type BatchCounts struct {
	Cards             int64
	Reported, Audited []int64
}

// Macro returns the MACRO taint of a batch (maximum across contests of
// the relative overstatement; Stark 2008, "A sharper discrepancy measure for
// post-election audits", Ann. Appl. Stat. 2(3), eq. 6 and 7):
//
//	e_p = max_a ω_{p,a}/M_a,   u_p = max_a T_{p,a}/M_a,
//
// where ω_{p,a} is the batch's overstatement (BatchOverstatement), T_{p,a}
// its reported assorter total (the largest overstatement possible), and M_a
// > 0 the assertion's election-wide margin in assorter units,
// Σ_b A(b) − N/2 = N·v/2 ((W − L)/2 for plurality). For plurality e_p is
// Stark's ((r_W − r_L) − (a_W − a_L))/V_WL. batch holds the batch's counts by
// contest; assertions of contests the batch lacks are skipped.
func Macro(asrts []*Assertion, margins []*big.Rat, batch map[cvr.ContestIndex]BatchCounts) (e, u float64, err error) {
	if len(margins) != len(asrts) {
		return 0, 0, fmt.Errorf("margin: Macro: %d margins for %d assertions", len(margins), len(asrts))
	}
	var emax, umax *big.Rat
	for i, a := range asrts {
		b, ok := batch[a.Contest]
		if !ok {
			continue
		}
		if margins[i] == nil || margins[i].Sign() <= 0 {
			return 0, 0, fmt.Errorf("margin: Macro: contest %q: assertion %s: margin %v is not positive", a.ContestID, a.Name, margins[i])
		}
		o, err := a.BatchOverstatement(b.Cards, b.Reported, b.Audited)
		if err != nil {
			return 0, 0, fmt.Errorf("margin: Macro: %w", err)
		}
		t, err := a.Total(b.Reported, b.Cards)
		if err != nil {
			return 0, 0, fmt.Errorf("margin: Macro: %w", err)
		}
		o.Quo(o, margins[i])
		t.Quo(t, margins[i])
		if emax == nil || o.Cmp(emax) > 0 {
			emax = o
		}
		if umax == nil || t.Cmp(umax) > 0 {
			umax = t
		}
	}
	if emax == nil {
		return 0, 0, nil
	}
	e, _ = emax.Float64()
	u, _ = umax.Float64()
	return e, u, nil
}
