package margin

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/rlakit/rlakit/cvr"
)

// Property tests over generated small elections (gopter, fixed seeds).
// Each trial draws a seed and builds one election from it: 2-5 candidates,
// 1-40 cards, with blank, overvoted, Invalid-flagged and absent contests,
// and for ranked contests skipped, repeated and overvoted ranks.

const propTrials = 1000

func propParams(seed int64) *gopter.Properties {
	p := gopter.DefaultTestParametersWithSeed(seed)
	p.MinSuccessfulTests = propTrials
	return gopter.NewProperties(p)
}

type genElection struct {
	e      *cvr.Election
	ci     cvr.ContestIndex
	cards  []cvr.Card
	rule   Rule
	nc     int
	share  float64
	tally  *cvr.Tally
	onCard int64 // cards holding the contest
}

// makeElection builds an election of the given rule from seed.
func makeElection(seed uint64, rule Rule) *genElection {
	r := rand.New(rand.NewPCG(seed, 0x6d617267696e))
	g := &genElection{e: &cvr.Election{}, rule: rule, nc: 2 + r.IntN(4)}
	c := cvr.Contest{ID: "c", VoteFor: 1}
	switch rule {
	case Plurality:
		c.VoteFor = 1 + r.IntN(min(2, g.nc-1))
	case Approval:
		c.Approval = true
	case IRV:
		c.Ranks = g.nc
	case SupermajorityFor:
		g.share = []float64{0.5, 0.55, 0.6, 2.0 / 3, 0.75}[r.IntN(5)]
	}
	for i := range g.nc {
		id := string(rune('A' + i))
		c.Choices = append(c.Choices, cvr.Choice{ID: id, Name: id})
	}
	// Another contest first, so the audited one is not index 0.
	other, _ := g.e.AddContest(cvr.Contest{ID: "o", Choices: []cvr.Choice{{ID: "x", Name: "x"}}})
	g.ci, _ = g.e.AddContest(c)
	n := 1 + r.IntN(40)
	g.tally = &cvr.Tally{Election: g.e}
	for i := range n {
		card := cvr.Card{ID: string(rune('a' + i%26))}
		if r.IntN(3) == 0 {
			card.Votes.Add(other, 0, cvr.Selection{Choice: 0})
		}
		if r.IntN(8) != 0 {
			g.onCard++
			var f cvr.Flags
			switch r.IntN(20) {
			case 0:
				f = cvr.Invalid
			case 1:
				if !c.Ranked() {
					f = cvr.Overvote
				}
			}
			card.Votes.Begin(g.ci, f)
			if c.Ranked() {
				k := r.IntN(g.nc + 2)
				rank := 0
				for range k {
					rank += 1 + r.IntN(10)/9         // mostly consecutive, sometimes skipped
					if rank > 1 && r.IntN(12) == 0 { // sometimes a repeated rank
						rank--
					}
					card.Votes.Select(cvr.Selection{Choice: cvr.ChoiceIndex(r.IntN(g.nc)), Rank: uint8(min(rank, 255))})
				}
			} else {
				k := r.IntN(c.VoteFor + 2)
				if c.Approval {
					k = r.IntN(g.nc + 1)
				}
				for _, ch := range r.Perm(g.nc)[:min(k, g.nc)] {
					card.Votes.Select(cvr.Selection{Choice: cvr.ChoiceIndex(ch)})
				}
			}
		}
		g.tally.Add(&card)
		g.cards = append(g.cards, card)
	}
	return g
}

// allAssertions returns every pairwise (or supermajority) assertion of g
// for winners w.
func (g *genElection) assertions(winners []cvr.ChoiceIndex) ([]*Assertion, error) {
	return Assertions(g.e, g.ci, Outcome{Rule: g.rule, Winners: winners, Share: g.share})
}

func (g *genElection) votes() []int64 {
	v := make([]int64, g.nc)
	if int(g.ci) < len(g.tally.Contests) {
		copy(v, g.tally.Contests[g.ci].Votes)
	}
	return v
}

var unrankedRules = []Rule{Plurality, Approval, SupermajorityFor}

func TestPropertyAssorterRange(t *testing.T) {
	props := propParams(1)
	props.Property("every assorter value and CLCA value lies in [0, u]", prop.ForAll(
		func(seed uint64, ri int) bool {
			rule := append(unrankedRules, IRV)[ri]
			g := makeElection(seed, rule)
			var asrts []*Assertion
			if rule == IRV {
				asrts = irvFull(g)
			} else {
				var err error
				if asrts, err = g.assertions([]cvr.ChoiceIndex{0}); err != nil {
					return false
				}
			}
			for _, a := range asrts {
				for i, c := range g.cards {
					x := a.Assort(c.Votes)
					if !(x >= 0 && x <= a.Upper()) {
						t.Logf("%s card %d: %v outside [0, %v]", a.Name, i, x, a.Upper())
						return false
					}
					cmp, err := NewComparison(a, 0.1, false)
					if err != nil {
						return false
					}
					mvr := g.cards[(i+1)%len(g.cards)].Votes
					for _, p := range []Pair{{CVR: c.Votes, MVR: mvr}, {CVR: c.Votes, NotFound: true}, {Phantom: true}} {
						b, _, err := cmp.Assort(&p)
						if err != nil || !(b >= 0 && b <= cmp.Upper()) {
							t.Logf("%s CLCA %v outside [0, %v] (%v)", a.Name, b, cmp.Upper(), err)
							return false
						}
					}
				}
			}
			return true
		},
		gen.UInt64(), gen.IntRange(0, 3),
	))
	props.TestingRun(t)
}

func TestPropertyMarginCVRsEqualsTally(t *testing.T) {
	props := propParams(2)
	props.Property("exact margin from CVRs equals the diluted margin from cvr's tally", prop.ForAll(
		func(seed uint64, ri int, style bool) bool {
			g := makeElection(seed, unrankedRules[ri])
			if g.onCard == 0 && style {
				return true
			}
			asrts, err := g.assertions([]cvr.ChoiceIndex{cvr.ChoiceIndex(seed % uint64(g.nc))})
			if err != nil {
				t.Log(err)
				return false
			}
			m := NewMeter(asrts, style)
			for _, c := range g.cards {
				m.Add(c.Votes)
			}
			cards := int64(len(g.cards))
			if style {
				cards = g.onCard
			}
			for i, a := range asrts {
				got, err := m.ExactMargin(i)
				if err != nil {
					t.Log(err)
					return false
				}
				want, err := a.Diluted(g.votes(), cards)
				if err != nil {
					t.Log(err)
					return false
				}
				if got.Cmp(want) != 0 || m.Cards(i) != cards {
					t.Logf("%s (%s, style %v): CVRs %v, tally %v", a.Name, g.rule, style, got, want)
					return false
				}
				// The float margin is the exact one rounded, as numpy's mean is.
				vals := make([]float64, 0, len(g.cards))
				for _, c := range g.cards {
					if _, on := c.Votes.Get(g.ci); on || !style {
						vals = append(vals, a.Assort(c.Votes))
					}
				}
				pm, _ := PairwiseMean(vals)
				mean, _ := m.Mean(i)
				if a.Kind == Pairwise && pm != mean {
					t.Logf("%s: Meter mean %v, numpy pairwise mean %v", a.Name, mean, pm)
					return false
				}
			}
			return true
		},
		gen.UInt64(), gen.IntRange(0, 2), gen.Bool(),
	))
	props.TestingRun(t)
}

func TestPropertyNoErrorValue(t *testing.T) {
	props := propParams(3)
	props.Property("an MVR equal to its CVR gives ω = 0, class none and B = 1/(2 − v/u_A)", prop.ForAll(
		func(seed uint64, ri int, v float64, style bool) bool {
			rule := append(unrankedRules, IRV)[ri]
			g := makeElection(seed, rule)
			asrts := irvFull(g)
			if rule != IRV {
				asrts, _ = g.assertions([]cvr.ChoiceIndex{0})
			}
			for _, a := range asrts {
				cmp, err := NewComparison(a, v*a.Upper(), style)
				if err != nil {
					return false
				}
				for _, c := range g.cards {
					if _, on := c.Votes.Get(g.ci); style && !on {
						continue
					}
					p := Pair{CVR: c.Votes, MVR: c.Votes}
					o, err := cmp.Overstatement(&p)
					b, d, _ := cmp.Assort(&p)
					if err != nil || o != 0 || d != None || b != 1/(2-cmp.Margin/a.Upper()) {
						t.Logf("%s: ω %v class %v B %v err %v", a.Name, o, d, b, err)
						return false
					}
				}
			}
			return true
		},
		gen.UInt64(), gen.IntRange(0, 3), gen.Float64Range(-0.9, 0.99), gen.Bool(),
	))
	props.TestingRun(t)
}

// irvFull returns, for ranked g, the elimination assertions that force
// one random elimination order (ending with a random candidate): at each
// step, every other continuing candidate beats the one eliminated.
func irvFull(g *genElection) []*Assertion {
	if g.rule != IRV {
		return nil
	}
	as, _ := irvForcing(g, rand.New(rand.NewPCG(uint64(g.nc), uint64(len(g.cards)))).Perm(g.nc))
	return as
}

func irvForcing(g *genElection, order []int) ([]*Assertion, error) {
	var out []*Assertion
	var elim []cvr.ChoiceIndex
	for i, x := range order[:len(order)-1] {
		for _, y := range order[i+1:] {
			a, err := NewElimination(g.e, g.ci, cvr.ChoiceIndex(y), cvr.ChoiceIndex(x), elim)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		elim = append(elim, cvr.ChoiceIndex(x))
	}
	return out, nil
}

func TestPropertyWrongWinnerFails(t *testing.T) {
	props := propParams(4)
	props.Property("a reported winner that is not the true winner has an assertion with mean <= 1/2", prop.ForAll(
		func(seed uint64, ri int, pick uint64) bool {
			rule := append(unrankedRules, IRV)[ri]
			g := makeElection(seed, rule)
			if g.onCard == 0 {
				return true
			}
			var asrts []*Assertion
			wrong := false
			votes := g.votes()
			switch rule {
			case Plurality, Approval:
				k := 1
				if rule == Plurality {
					k = g.e.Contests[g.ci].VoteFor
				}
				r := rand.New(rand.NewPCG(pick, 1))
				var w []cvr.ChoiceIndex
				for _, c := range r.Perm(g.nc)[:k] {
					w = append(w, cvr.ChoiceIndex(c))
				}
				// W is the true outcome iff every winner has more votes than every loser.
				for l := range g.nc {
					for _, x := range w {
						if !slices.Contains(w, cvr.ChoiceIndex(l)) && votes[x] <= votes[l] {
							wrong = true
						}
					}
				}
				asrts, _ = g.assertions(w)
			case SupermajorityFor:
				w := cvr.ChoiceIndex(pick % uint64(g.nc))
				var valid int64
				for _, v := range votes {
					valid += v
				}
				// w wins iff T_w > f·V, in exact arithmetic.
				f, _ := new(big.Rat).SetString(big.NewFloat(g.share).Text('g', -1))
				lhs := new(big.Rat).SetInt64(votes[w])
				wrong = lhs.Cmp(new(big.Rat).Mul(f, big.NewRat(valid, 1))) <= 0
				asrts, _ = g.assertions([]cvr.ChoiceIndex{w})
			case IRV:
				res, err := g.tally.IRV(g.ci)
				if err != nil {
					return true // no ballots in the contest
				}
				order := rand.New(rand.NewPCG(pick, 2)).Perm(g.nc)
				if asrts, err = irvForcing(g, order); err != nil {
					t.Log(err)
					return false
				}
				winner := cvr.ChoiceIndex(order[len(order)-1])
				if err := CheckIRV(asrts, winner, g.nc); err != nil {
					t.Logf("forcing set does not imply its winner: %v", err)
					return false
				}
				wrong = res.Winner != winner
			}
			m := NewMeter(asrts, true)
			for _, c := range g.cards {
				m.Add(c.Votes)
			}
			minMean := big.NewRat(2, 1)
			for i := range asrts {
				mean, err := m.ExactMean(i)
				if err != nil {
					t.Log(err)
					return false
				}
				if mean.Cmp(minMean) < 0 {
					minMean = mean
				}
			}
			half := big.NewRat(1, 2)
			if wrong != (minMean.Cmp(half) <= 0) && (rule != IRV || wrong) {
				t.Logf("%s: wrong outcome %v but smallest assorter mean %v", rule, wrong, minMean)
				return false
			}
			return true
		},
		gen.UInt64(), gen.IntRange(0, 3), gen.UInt64(),
	))
	props.TestingRun(t)
}
