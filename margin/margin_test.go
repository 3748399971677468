package margin

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rlakit/rlakit/cvr"
)

// testElection has a vote-for-1 contest "p" (A, B, C), a vote-for-2
// contest "v" (A..D), an approval contest "a" (A, B, C), and a ranked
// contest "r" (A, B, C).
func testElection(t *testing.T) (*cvr.Election, map[string]cvr.ContestIndex) {
	t.Helper()
	e := &cvr.Election{}
	ch := func(names ...string) []cvr.Choice {
		var cs []cvr.Choice
		for _, n := range names {
			cs = append(cs, cvr.Choice{ID: n, Name: n})
		}
		return cs
	}
	idx := map[string]cvr.ContestIndex{}
	for _, c := range []cvr.Contest{
		{ID: "p", VoteFor: 1, Choices: ch("A", "B", "C")},
		{ID: "v", VoteFor: 2, Choices: ch("A", "B", "C", "D")},
		{ID: "a", Approval: true, Choices: ch("A", "B", "C")},
		{ID: "r", Ranks: 3, Choices: ch("A", "B", "C")},
	} {
		i, err := e.AddContest(c)
		require.NoError(t, err)
		idx[c.ID] = i
	}
	return e, idx
}

func votes(ci cvr.ContestIndex, f cvr.Flags, sel ...cvr.Selection) cvr.Votes {
	var v cvr.Votes
	v.Add(ci, f, sel...)
	return v
}

func s(c cvr.ChoiceIndex) cvr.Selection { return cvr.Selection{Choice: c} }

func rk(c cvr.ChoiceIndex, r uint8) cvr.Selection { return cvr.Selection{Choice: c, Rank: r} }

func TestAssortTable(t *testing.T) {
	e, c := testElection(t)
	pAB, _ := NewPairwise(e, c["p"], 0, 1)
	vAC, _ := NewPairwise(e, c["v"], 0, 2)
	aAB, _ := NewPairwise(e, c["a"], 0, 1)
	sm, _ := NewSupermajority(e, c["p"], 0, 0.6)
	neb, _ := NewWinnerOnly(e, c["r"], 0, 1)
	nen, _ := NewElimination(e, c["r"], 0, 1, []cvr.ChoiceIndex{2})
	u := 1 / 1.2
	for _, tc := range []struct {
		name string
		a    *Assertion
		v    cvr.Votes
		want float64
	}{
		{"plurality winner", pAB, votes(c["p"], 0, s(0)), 1},
		{"plurality loser", pAB, votes(c["p"], 0, s(1)), 0},
		{"plurality other", pAB, votes(c["p"], 0, s(2)), 0.5},
		{"plurality blank", pAB, votes(c["p"], 0), 0.5},
		{"plurality contest absent", pAB, votes(c["v"], 0, s(0)), 0.5},
		{"plurality overvote (count)", pAB, votes(c["p"], 0, s(0), s(2)), 0.5},
		{"plurality overvote (flag)", pAB, votes(c["p"], cvr.Overvote, s(0)), 0.5},
		{"plurality invalid", pAB, votes(c["p"], cvr.Invalid, s(0)), 0.5},
		{"plurality undervote flag only", pAB, votes(c["p"], cvr.Undervote, s(0)), 1},
		{"vote-for-2 both", vAC, votes(c["v"], 0, s(0), s(2)), 0.5},
		{"vote-for-2 winner and other", vAC, votes(c["v"], 0, s(0), s(1)), 1},
		{"vote-for-2 three marks", vAC, votes(c["v"], 0, s(0), s(1), s(3)), 0.5},
		{"approval three marks", aAB, votes(c["a"], 0, s(0), s(2), s(1)), 0.5},
		{"approval two marks", aAB, votes(c["a"], 0, s(0), s(2)), 1},
		{"supermajority winner", sm, votes(c["p"], 0, s(0)), u},
		{"supermajority other", sm, votes(c["p"], 0, s(1)), 0},
		{"supermajority blank", sm, votes(c["p"], 0), 0.5},
		{"supermajority absent", sm, cvr.Votes{}, 0.5},
		{"supermajority overvote", sm, votes(c["p"], 0, s(0), s(1)), 0.5},
		{"NEB winner first", neb, votes(c["r"], 0, rk(0, 1), rk(1, 2)), 1},
		{"NEB loser first", neb, votes(c["r"], 0, rk(1, 1), rk(0, 2)), 0},
		{"NEB loser ranked, winner not", neb, votes(c["r"], 0, rk(2, 1), rk(1, 2)), 0},
		{"NEB winner second, loser unranked", neb, votes(c["r"], 0, rk(2, 1), rk(0, 2)), 0.5},
		{"NEB skipped rank: winner first preference", neb, votes(c["r"], 0, rk(0, 2)), 1},
		{"NEB ranks out of order", neb, votes(c["r"], 0, rk(0, 2), rk(1, 1)), 0},
		{"NEB overvoted first rank exhausts", neb, votes(c["r"], 0, rk(0, 1), rk(1, 1)), 0.5},
		{"NEB invalid", neb, votes(c["r"], cvr.Invalid, rk(0, 1)), 0.5},
		{"NEN eliminated skipped to winner", nen, votes(c["r"], 0, rk(2, 1), rk(0, 2)), 1},
		{"NEN eliminated skipped to loser", nen, votes(c["r"], 0, rk(2, 1), rk(1, 2), rk(0, 3)), 0},
		{"NEN exhausted", nen, votes(c["r"], 0, rk(2, 1)), 0.5},
		{"NEN repeated winner", nen, votes(c["r"], 0, rk(0, 1), rk(0, 2), rk(1, 3)), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.a.Assort(tc.v))
		})
	}
	require.Equal(t, "A v B", pAB.Name)
	require.Equal(t, "A v ALL_OTHERS", sm.Name)
	require.Equal(t, "A v B elim C", nen.Name)
	require.Equal(t, u, sm.Upper())
	require.Equal(t, "IRV_ELIMINATION", nen.Kind.String())
}

func TestConstructorErrors(t *testing.T) {
	e, c := testElection(t)
	for _, tc := range []struct {
		name string
		f    func() (*Assertion, error)
		msg  string
	}{
		{"no contest", func() (*Assertion, error) { return NewPairwise(e, 9, 0, 1) }, "no contest"},
		{"no choice", func() (*Assertion, error) { return NewPairwise(e, c["p"], 0, 7) }, "no choice"},
		{"same", func() (*Assertion, error) { return NewPairwise(e, c["p"], 1, 1) }, "both"},
		{"pairwise on ranked", func() (*Assertion, error) { return NewPairwise(e, c["r"], 0, 1) }, "ranked"},
		{"share 0", func() (*Assertion, error) { return NewSupermajority(e, c["p"], 0, 0) }, "share"},
		{"share NaN", func() (*Assertion, error) { return NewSupermajority(e, c["p"], 0, math.NaN()) }, "share"},
		{"supermajority vote-for-2", func() (*Assertion, error) { return NewSupermajority(e, c["v"], 0, 0.6) }, "vote-for-1"},
		{"NEB unranked", func() (*Assertion, error) { return NewWinnerOnly(e, c["p"], 0, 1) }, "not ranked"},
		{"NEN eliminated twice", func() (*Assertion, error) {
			return NewElimination(e, c["r"], 0, 1, []cvr.ChoiceIndex{2, 2})
		}, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.f()
			require.Nil(t, a)
			require.ErrorContains(t, err, tc.msg)
		})
	}
	_, err := Assertions(e, c["p"], Outcome{Rule: Plurality})
	require.ErrorContains(t, err, "no reported winner")
	_, err = Assertions(e, c["p"], Outcome{Rule: Plurality, Winners: []cvr.ChoiceIndex{0, 0}})
	require.ErrorContains(t, err, "twice")
	_, err = Assertions(e, c["p"], Outcome{Rule: SupermajorityFor, Winners: []cvr.ChoiceIndex{0, 1}, Share: 0.6})
	require.ErrorContains(t, err, "one winner")
	as, err := Assertions(e, c["v"], Outcome{Rule: Plurality, Winners: []cvr.ChoiceIndex{0, 1}})
	require.NoError(t, err)
	var names []string
	for _, a := range as {
		names = append(names, a.Name)
	}
	require.Equal(t, []string{"A v C", "A v D", "B v C", "B v D"}, names)
	// Approval read as approval even when the contest is not flagged so.
	as, err = Assertions(e, c["p"], Outcome{Rule: Approval, Winners: []cvr.ChoiceIndex{0}})
	require.NoError(t, err)
	require.Equal(t, 1.0, as[1].Assort(votes(c["p"], 0, s(0), s(1))), "A v C on a card marking A and B")
}

func TestDiscrepancyAndComparison(t *testing.T) {
	e, c := testElection(t)
	a, _ := NewPairwise(e, c["p"], 0, 1)
	cmp, err := NewComparison(a, 0.2, true)
	require.NoError(t, err)
	forA, forB, forC := votes(c["p"], 0, s(0)), votes(c["p"], 0, s(1)), votes(c["p"], 0, s(2))
	other := votes(c["v"], 0, s(0))
	for _, tc := range []struct {
		name  string
		p     Pair
		omega float64
		d     Discrepancy
	}{
		{"agree", Pair{CVR: forA, MVR: forA}, 0, None},
		{"two-vote over", Pair{CVR: forA, MVR: forB}, 1, O2},
		{"one-vote over", Pair{CVR: forA, MVR: forC}, 0.5, O1},
		{"one-vote under", Pair{CVR: forC, MVR: forA}, -0.5, U1},
		{"two-vote under", Pair{CVR: forB, MVR: forA}, -1, U2},
		{"not found", Pair{CVR: forA, NotFound: true}, 1, O2},
		{"phantom (zombie)", Pair{Phantom: true, MVR: forA}, 0.5, O1},
		{"MVR without contest, style", Pair{CVR: forC, MVR: other}, 0.5, O1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := cmp.Overstatement(&tc.p)
			require.NoError(t, err)
			require.Equal(t, tc.omega, o)
			b, d, err := cmp.Assort(&tc.p)
			require.NoError(t, err)
			require.Equal(t, tc.d, d)
			require.Equal(t, (1-tc.omega)/(2-0.2), b)
		})
	}
	_, err = cmp.Overstatement(&Pair{CVR: other, MVR: forA})
	require.ErrorContains(t, err, "must hold the contest")
	_, err = cmp.Overstatement(&Pair{Pool: "P9", MVR: forA})
	require.ErrorContains(t, err, `no mean for pool "P9"`)
	require.Equal(t, 2/1.8, cmp.Upper())
	require.Equal(t, cmp.Upper(), cmp.Value(-1))
	require.Zero(t, cmp.Value(1))

	// Without style, a CVR or MVR lacking the contest is 1/2.
	ns, _ := NewComparison(a, 0.2, false)
	o, err := ns.Overstatement(&Pair{CVR: other, MVR: forA})
	require.NoError(t, err)
	require.Equal(t, -0.5, o)

	for d, want := range map[Discrepancy]string{O2: "o2", O1: "o1", None: "none", U1: "u1", U2: "u2", 7: "Discrepancy(7)"} {
		require.Equal(t, want, d.String())
	}
	// Supermajority (u = 5/6): blank → other is ω = 1/2 = 0.6 u_A, an o2.
	sm, _ := NewSupermajority(e, c["p"], 0, 0.6)
	require.Equal(t, O2, Classify(0.5, sm.Upper()))
	require.Equal(t, O1, Classify(sm.Upper()-0.5, sm.Upper()))

	_, err = NewComparison(a, 2, false)
	require.ErrorContains(t, err, "no overstatement assorter")
	_, err = NewComparison(a, math.NaN(), false)
	require.Error(t, err)
	_, err = AuditType("BATCH").TestUpper(a, 0.1)
	require.ErrorContains(t, err, "unknown audit type")
}

func TestTotalsAndDiluted(t *testing.T) {
	e, c := testElection(t)
	a, _ := NewPairwise(e, c["p"], 0, 1)
	d, err := a.Diluted([]int64{50, 30, 10}, 100)
	require.NoError(t, err)
	require.Equal(t, "1/5", d.RatString())
	sm, _ := NewSupermajority(e, c["p"], 0, 0.75)
	// 72 yes of 90 valid on 100 cards: (72·4/3 − 90)/100 = 3/50.
	d, err = sm.Diluted([]int64{72, 13, 5}, 100)
	require.NoError(t, err)
	require.Equal(t, "3/50", d.RatString())
	// A share is read as the decimal it was written as: 0.6 is 3/5.
	sm6, _ := NewSupermajority(e, c["p"], 0, 0.6)
	d, err = sm6.Diluted([]int64{60, 20, 10}, 100)
	require.NoError(t, err)
	require.Equal(t, "1/10", d.RatString())
	for _, tc := range []struct {
		name  string
		a     *Assertion
		votes []int64
		cards int64
		msg   string
	}{
		{"no cards", a, []int64{1, 0, 0}, 0, "0 cards"},
		{"negative", a, []int64{-1, 0, 0}, 5, "-1 votes"},
		{"short", a, []int64{1}, 5, "lack"},
		{"too many valid", sm, []int64{3, 3, 0}, 5, "valid votes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.a.Total(tc.votes, tc.cards)
			require.ErrorContains(t, err, tc.msg)
		})
	}
	neb, _ := NewWinnerOnly(e, c["r"], 0, 1)
	_, err = neb.Total([]int64{1, 1, 1}, 3)
	require.ErrorContains(t, err, "need the ballots")
}

func TestBatchAndMacro(t *testing.T) {
	e, c := testElection(t)
	ab, _ := NewPairwise(e, c["p"], 0, 1)
	ac, _ := NewPairwise(e, c["p"], 0, 2)
	// Batch of 100 cards: reported A 50, B 30, C 10; the hand count finds A 46, B 33, C 10.
	o, err := ab.BatchOverstatement(100, []int64{50, 30, 10}, []int64{46, 33, 10})
	require.NoError(t, err)
	require.Equal(t, "7/2", o.RatString()) // ((50−30) − (46−33))/2
	// Election margins in assorter units: A−B = 1000 votes, A−C = 4000.
	margins := []*big.Rat{big.NewRat(1000, 2), big.NewRat(4000, 2)}
	batch := map[cvr.ContestIndex]BatchCounts{c["p"]: {Cards: 100, Reported: []int64{50, 30, 10}, Audited: []int64{46, 33, 10}}}
	ep, up, err := Macro([]*Assertion{ab, ac}, margins, batch)
	require.NoError(t, err)
	require.Equal(t, 7.0/1000, ep)           // max(7/1000, 4/4000)
	require.Equal(t, (50.0-30+100)/1000, up) // Stark 2008: (v_w − v_l + b_p)/V_wl
	ep, up, err = Macro([]*Assertion{ab}, margins[:1], map[cvr.ContestIndex]BatchCounts{})
	require.NoError(t, err)
	require.Zero(t, ep+up)
	_, _, err = Macro([]*Assertion{ab}, []*big.Rat{big.NewRat(0, 1)}, batch)
	require.ErrorContains(t, err, "not positive")
	_, _, err = Macro([]*Assertion{ab}, margins, batch)
	require.ErrorContains(t, err, "2 margins for 1")
	_, err = ab.BatchOverstatement(10, []int64{50, 0, 0}, []int64{0, 0, 0})
	require.ErrorContains(t, err, "reported")
}

func TestMeterMergeAndErrors(t *testing.T) {
	e, c := testElection(t)
	as, err := Assertions(e, c["p"], Outcome{Rule: Plurality, Winners: []cvr.ChoiceIndex{0}})
	require.NoError(t, err)
	cards := []cvr.Votes{votes(c["p"], 0, s(0)), votes(c["p"], 0, s(1)), votes(c["v"], 0, s(0)), votes(c["p"], 0, s(0)), votes(c["p"], 0)}
	whole, m1, m2 := NewMeter(as, false), NewMeter(as, false), NewMeter(as, false)
	for i, v := range cards {
		whole.Add(v)
		if i < 2 {
			m1.Add(v)
		} else {
			m2.Add(v)
		}
	}
	require.NoError(t, m1.Merge(m2))
	for i := range as {
		a, b, c := whole.Counts(i)
		x, y, z := m1.Counts(i)
		require.Equal(t, [3]int64{a, b, c}, [3]int64{x, y, z})
	}
	z, h, u := whole.Counts(0) // A v B: zero 1, half 2 (card without the contest, blank), upper 2
	require.Equal(t, [3]int64{1, 2, 2}, [3]int64{z, h, u})
	require.Error(t, m1.Merge(NewMeter(as, true)))
	require.Error(t, m1.Merge(NewMeter(as[:1], false)))
	empty := NewMeter(as, true)
	_, err = empty.Margin(0)
	require.ErrorContains(t, err, "no cards hold the contest")
}

func TestPairwiseSumNumpy(t *testing.T) {
	// Golden values: numpy 1.24.2, np.sum and np.mean of
	// x_i = ((i·7919) mod 10007)/997 + i/3, i = 0..n−1.
	for _, tc := range []struct {
		n         int
		sum, mean float64
	}{
		{5, 22.538950183884992, 4.507790036776998},
		{100, 2153.491474423269, 21.534914744232694},
		{129, 3397.918756268806, 26.340455474951987},
		{1000, 171522.12738214643, 171.52212738214644},
		{10000, 16715187.139418256, 1671.5187139418256},
		{20000, 66763695.326312274, 3338.1847663156136},
	} {
		x := make([]float64, tc.n)
		naive := 0.0
		for i := range x {
			x[i] = float64((i*7919)%10007)/997.0 + float64(i)/3.0
			naive += x[i]
		}
		require.Equal(t, tc.sum, PairwiseSum(x), "n=%d", tc.n)
		m, err := PairwiseMean(x)
		require.NoError(t, err)
		require.Equal(t, tc.mean, m, "n=%d", tc.n)
		if tc.n > 8 {
			require.NotEqual(t, naive, tc.sum, "n=%d: the golden value must tell pairwise from sequential", tc.n)
		}
	}
	_, err := PairwiseMean(nil)
	require.Error(t, err)
}

func TestInputNoStyleAndSupermajority(t *testing.T) {
	// Without card-style data a supermajority contest not on every card
	// works (SHANGRLA: KeyError); phantoms fill to max_cards.
	in, err := ReadInput(strings.NewReader(`{"contests": {
	  "s": {"choice_function": "SUPERMAJORITY", "share_to_win": 0.6, "candidates": ["yes", "no"], "winner": ["yes"]},
	  "p": {"choice_function": "PLURALITY", "candidates": ["A", "B"], "winner": ["A"]}},
	 "cvrs": [{"id": "1", "votes": {"s": {"yes": 1}, "p": {"A": 1}}}, {"id": "2", "votes": {"s": {"yes": true}}},
	          {"id": "3", "votes": {"p": {"B": 1}}}, {"id": "4", "votes": {"s": {"no": 1}, "p": {"A": 1}}}],
	 "max_cards": 5, "use_style": false, "audit_type": "POLLING"}`))
	require.NoError(t, err)
	rep, err := in.Margins()
	require.NoError(t, err)
	require.Equal(t, 1, rep.Phantoms)
	sa := rep.Contests["s"].Assertions["yes v ALL_OTHERS"]
	// Values: 5/6, 5/6, 1/2, 0, 1/2 (phantom): mean (5/3 + 1)/5 = 8/15, margin 1/15.
	require.InDelta(t, 1.0/15, sa.Margin, 1e-15)
	require.Equal(t, int64(5), rep.Contests["s"].Cards)
	require.Equal(t, 1/1.2, sa.TestU)
	require.Equal(t, map[string]int64{"yes": 2, "no": 1}, rep.Contests["s"].Tally)
	in.MaxCards = new(int64)
	_, err = in.Margins()
	require.ErrorContains(t, err, "max_cards = 0 but there are 4 CVRs")
}

func TestSampleValues(t *testing.T) {
	e, c := testElection(t)
	ab, _ := NewPairwise(e, c["p"], 0, 1)
	vac, _ := NewPairwise(e, c["v"], 0, 2)
	asrts := []*Assertion{ab, vac}
	var card cvr.Votes
	card.Add(c["p"], 0, s(0))
	card.Add(c["v"], 0, s(2), s(3))
	require.Equal(t, []float64{1, 0}, PollingValues(asrts, card, false, true, nil))
	require.Equal(t, []float64{0, 0}, PollingValues(asrts, card, true, false, nil))
	only := votes(c["p"], 0, s(1))
	require.Equal(t, []float64{0, 0}, PollingValues(asrts, only, false, true, nil))
	require.Equal(t, []float64{0, 0.5}, PollingValues(asrts, only, false, false, nil))

	c1, _ := NewComparison(ab, 0.2, true)
	c2, _ := NewComparison(vac, 0.5, true)
	vals, ds, err := ComparisonValues([]*Comparison{c1, c2}, &Pair{CVR: card, MVR: card}, nil, nil)
	require.NoError(t, err)
	require.Equal(t, []float64{1 / 1.8, 1 / 1.5}, vals)
	require.Equal(t, []Discrepancy{None, None}, ds)
	vals, ds, err = ComparisonValues([]*Comparison{c1, c2}, &Pair{CVR: card, MVR: only}, nil, nil)
	require.NoError(t, err)
	// A v B: CVR 1, MVR 0 (B): ω = 1. A v C on "v": CVR 0 (C, D), MVR
	// without the contest under card style 0: ω = 0.
	require.Equal(t, []float64{0, 1 / 1.5}, vals)
	require.Equal(t, []Discrepancy{O2, None}, ds)
	_, _, err = ComparisonValues([]*Comparison{c1}, &Pair{CVR: votes(c["a"], 0), MVR: only}, nil, nil)
	require.ErrorContains(t, err, "must hold the contest")
}

// TestMeterManyChoices compares the Meter's histogram (choices below 64)
// and per-vote (other) paths with Assort on a contest of 70 choices.
func TestMeterManyChoices(t *testing.T) {
	e := &cvr.Election{}
	var chs []cvr.Choice
	for i := range 70 {
		chs = append(chs, cvr.Choice{ID: string(rune('a' + i)), Name: string(rune('a' + i))})
	}
	ci, err := e.AddContest(cvr.Contest{ID: "big", VoteFor: 2, Choices: chs})
	require.NoError(t, err)
	var asrts []*Assertion
	for _, l := range []cvr.ChoiceIndex{1, 63, 65, 69} {
		a, err := NewPairwise(e, ci, 0, l)
		require.NoError(t, err)
		asrts = append(asrts, a)
	}
	a, err := NewPairwise(e, ci, 66, 2)
	require.NoError(t, err)
	asrts = append(asrts, a)
	var cards []cvr.Votes
	for _, sel := range [][]cvr.ChoiceIndex{{0}, {1}, {65}, {66}, {0, 65}, {66, 2}, {63, 0}, {}, {0, 1, 2}, {69, 69}, {64}} {
		var v cvr.Votes
		v.Begin(ci, 0)
		for _, c := range sel {
			v.Select(cvr.Selection{Choice: c})
		}
		cards = append(cards, v)
	}
	m := NewMeter(asrts, true)
	for _, v := range cards {
		m.Add(v)
	}
	for i, a := range asrts {
		var want [3]int64
		for _, v := range cards {
			want[int(2*a.Assort(v))]++
		}
		z, h, u := m.Counts(i)
		require.Equal(t, want, [3]int64{z, h, u}, a.Name)
	}
}
