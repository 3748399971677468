package margin_test

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
)

// mayor is a vote-for-1 contest with choices Alice, Bob and Carol.
func mayor() (*cvr.Election, cvr.ContestIndex) {
	e := &cvr.Election{}
	ci, _ := e.AddContest(cvr.Contest{ID: "mayor", VoteFor: 1, Choices: []cvr.Choice{
		{ID: "alice", Name: "Alice"}, {ID: "bob", Name: "Bob"}, {ID: "carol", Name: "Carol"}}})
	return e, ci
}

func vote(ci cvr.ContestIndex, choices ...cvr.ChoiceIndex) cvr.Votes {
	var v cvr.Votes
	v.Begin(ci, 0)
	for _, c := range choices {
		v.Select(cvr.Selection{Choice: c})
	}
	return v
}

func ExampleAssertions() {
	e, ci := mayor()
	asrts, _ := margin.Assertions(e, ci, margin.Outcome{Rule: margin.Plurality, Winners: []cvr.ChoiceIndex{0}})
	for _, a := range asrts {
		fmt.Println(a.Name, a.Kind, a.Upper())
	}
	// Output:
	// Alice v Bob PAIRWISE 1
	// Alice v Carol PAIRWISE 1
}

func ExampleNewPairwise() {
	e, ci := mayor()
	a, _ := margin.NewPairwise(e, ci, 0, 1)
	fmt.Println(a.Assort(vote(ci, 0)), a.Assort(vote(ci, 1)), a.Assort(vote(ci, 2)), a.Assort(vote(ci, 0, 1)), a.Assort(cvr.Votes{}))
	// Output: 1 0 0.5 0.5 0.5
}

func ExampleNewSupermajority() {
	e, ci := mayor()
	a, _ := margin.NewSupermajority(e, ci, 0, 0.6)
	fmt.Println(a.Name, a.Assort(vote(ci, 0)), a.Assort(vote(ci, 1)), a.Assort(vote(ci)))
	// Output: Alice v ALL_OTHERS 0.8333333333333334 0 0.5
}

func ExampleNewWinnerOnly() {
	e := &cvr.Election{}
	ci, _ := e.AddContest(cvr.Contest{ID: "irv", Ranks: 3, Choices: []cvr.Choice{{ID: "A", Name: "A"}, {ID: "B", Name: "B"}, {ID: "C", Name: "C"}}})
	neb, _ := margin.NewWinnerOnly(e, ci, 0, 1)
	nen, _ := margin.NewElimination(e, ci, 0, 1, []cvr.ChoiceIndex{2})
	var v cvr.Votes // C, then A
	v.Add(ci, 0, cvr.Selection{Choice: 2, Rank: 1}, cvr.Selection{Choice: 0, Rank: 2})
	fmt.Printf("%s: %v\n%s: %v\n", neb.Name, neb.Assort(v), nen.Name, nen.Assort(v))
	// Output:
	// A v B: 0.5
	// A v B elim C: 1
}

func ExampleNewMeter() {
	e, ci := mayor()
	asrts, _ := margin.Assertions(e, ci, margin.Outcome{Rule: margin.Plurality, Winners: []cvr.ChoiceIndex{0}})
	m := margin.NewMeter(asrts, true)
	for _, c := range []cvr.ChoiceIndex{0, 0, 0, 1, 2, 0} {
		m.Add(vote(ci, c))
	}
	for i, a := range asrts {
		v, _ := m.Margin(i)
		exact, _ := m.ExactMargin(i)
		fmt.Println(a.Name, v, exact)
	}
	// Output:
	// Alice v Bob 0.5 1/2
	// Alice v Carol 0.5 1/2
}

func ExampleAssertion_Diluted() {
	e, ci := mayor()
	a, _ := margin.NewPairwise(e, ci, 0, 1)
	v, _ := a.Diluted([]int64{5, 3, 1}, 12) // (5 − 3)/12 cards
	fmt.Println(v)
	// Output: 1/6
}

func ExampleAuditType_TestUpper() {
	e, ci := mayor()
	a, _ := margin.NewPairwise(e, ci, 0, 1)
	p, _ := margin.Polling.TestUpper(a, 0.2)
	c, _ := margin.CardComparison.TestUpper(a, 0.2)
	fmt.Println(p, c)
	// Output: 1 1.1111111111111112
}

func ExampleNewComparison() {
	e, ci := mayor()
	a, _ := margin.NewPairwise(e, ci, 0, 1)
	cmp, _ := margin.NewComparison(a, 0.2, true)
	for _, p := range []margin.Pair{
		{CVR: vote(ci, 0), MVR: vote(ci, 0)},
		{CVR: vote(ci, 0), MVR: vote(ci, 2)},
		{CVR: vote(ci, 0), MVR: vote(ci, 1)},
		{CVR: vote(ci, 1), MVR: vote(ci, 0)},
		{Phantom: true},
		{CVR: vote(ci, 0), NotFound: true},
	} {
		o, _ := cmp.Overstatement(&p)
		b, d, _ := cmp.Assort(&p)
		fmt.Printf("ω=%v %v B=%.4f\n", o, d, b)
	}
	fmt.Printf("upper %.4f\n", cmp.Upper())
	// Output:
	// ω=0 none B=0.5556
	// ω=0.5 o1 B=0.2778
	// ω=1 o2 B=0.0000
	// ω=-1 u2 B=1.1111
	// ω=0.5 o1 B=0.2778
	// ω=1 o2 B=0.0000
	// upper 1.1111
}

func ExampleClassify() {
	fmt.Println(margin.Classify(1, 1), margin.Classify(0.5, 1), margin.Classify(0, 1), margin.Classify(-0.5, 1), margin.Classify(-1, 1))
	// Output: o2 o1 none u1 u2
}

func ExampleNewPools() {
	e, ci := mayor()
	a, _ := margin.NewPairwise(e, ci, 0, 1)
	pools := margin.NewPools([]*margin.Assertion{a}, true)
	for _, c := range []cvr.ChoiceIndex{0, 0, 1, 2} {
		pools.Add("precinct 7", vote(ci, c))
	}
	means := pools.Means(0)
	cmp, _ := margin.NewComparison(a, 0.2, true)
	cmp.PoolMeans = means
	o, _ := cmp.Overstatement(&margin.Pair{Pool: "precinct 7", MVR: vote(ci, 1)})
	fmt.Println(means["precinct 7"], o)
	// Output: 0.625 0.625
}

func ExampleMacro() {
	e, ci := mayor()
	ab, _ := margin.NewPairwise(e, ci, 0, 1)
	// Election-wide: Alice leads Bob by 1,000 votes, 500 in assorter units.
	batch := map[cvr.ContestIndex]margin.BatchCounts{ci: {Cards: 100, Reported: []int64{50, 30, 10}, Audited: []int64{46, 33, 10}}}
	o, _ := ab.BatchOverstatement(100, batch[ci].Reported, batch[ci].Audited)
	ep, up, _ := margin.Macro([]*margin.Assertion{ab}, []*big.Rat{big.NewRat(500, 1)}, batch)
	fmt.Println(o, ep, up)
	// Output: 7/2 0.007 0.12
}

func ExamplePairwiseSum() {
	x := make([]float64, 20)
	for i := range x {
		x[i] = 0.1
	}
	m, _ := margin.PairwiseMean(x)
	fmt.Println(margin.PairwiseSum(x), m)
	// Output: 2.0000000000000004 0.10000000000000002
}

func ExampleReadRAIRE() {
	d, _ := margin.ReadRAIRE(strings.NewReader("1\nContest,1,3,A,B,C\n1,b1,A,B\n1,b2,B\n1,b3,C,A\n"), "small.raire")
	c := d.Election.Contests[0]
	for _, card := range d.Cards {
		cv, _ := card.Votes.Get(0)
		var prefs []string
		for _, s := range cv.Selections() {
			prefs = append(prefs, c.Choices[s.Choice].Name)
		}
		fmt.Println(card.ID, prefs)
	}
	// Output:
	// b1 [A B]
	// b2 [B]
	// b3 [C A]
}

func ExampleReadRAIREJSON() {
	as, _ := margin.ReadRAIREJSON(strings.NewReader(`{"audits": [{"assertions": [
	  {"winner": "A", "loser": "B", "assertion_type": "WINNER_ONLY", "already_eliminated": []},
	  {"winner": "A", "loser": "C", "assertion_type": "IRV_ELIMINATION", "already_eliminated": ["B"]}]}]}`), "raire.json")
	for _, a := range as {
		fmt.Println(a.Type, a.Winner, a.Loser, a.Eliminated)
	}
	// Output:
	// WINNER_ONLY A B []
	// IRV_ELIMINATION A C [B]
}

func ExampleCheckIRV() {
	e := &cvr.Election{}
	ci, _ := e.AddContest(cvr.Contest{ID: "irv", Ranks: 3, Choices: []cvr.Choice{{ID: "A", Name: "A"}, {ID: "B", Name: "B"}, {ID: "C", Name: "C"}}})
	ab, _ := margin.NewWinnerOnly(e, ci, 0, 1)
	ac, _ := margin.NewWinnerOnly(e, ci, 0, 2)
	fmt.Println(margin.CheckIRV([]*margin.Assertion{ab, ac}, 0, 3))
	fmt.Println(margin.CheckIRV([]*margin.Assertion{ab}, 0, 3))
	// Output:
	// <nil>
	// margin: the assertions do not imply the reported winner: no assertion rules out the elimination order [1 0 2] (candidate indexes, winner last)
}

func ExampleVerifyIRV() {
	d, _ := margin.ReadRAIRE(strings.NewReader("1\nContest,1,3,A,B,C\n1,b1,A\n1,b2,A\n1,b3,B\n1,b4,C,B\n"), "small.raire")
	t := &cvr.Tally{Election: d.Election}
	for i := range d.Cards {
		t.Add(&d.Cards[i])
	}
	ra := []margin.RAIREAssertion{
		{Winner: "A", Loser: "B", Type: margin.RAIREWinnerOnly},
		{Winner: "A", Loser: "C", Type: margin.RAIREWinnerOnly},
	}
	asrts, _ := margin.Assertions(d.Election, 0, margin.Outcome{Rule: margin.IRV, Winners: []cvr.ChoiceIndex{0}, RAIRE: ra})
	fmt.Println(margin.VerifyIRV(t, 0, 0, asrts))
	// Output: <nil>
}

func ExampleInput_Margins() {
	in, _ := margin.ReadInput(strings.NewReader(`{
	  "contests": {"c1": {"cards": 5, "choice_function": "PLURALITY", "candidates": ["A", "B"], "winner": ["A"]}},
	  "cvrs": [{"id": "1", "votes": {"c1": {"A": 1}}}, {"id": "2", "votes": {"c1": {"A": 1}}},
	           {"id": "3", "votes": {"c1": {"B": 1}}}, {"id": "4", "votes": {"c1": {"A": 1}}}],
	  "use_style": true, "audit_type": "CARD_COMPARISON"}`))
	rep, _ := in.Margins() // one phantom; A v B: (3 − 1)/5, as 2·0.7 − 1 in floating point
	a := rep.Contests["c1"].Assertions["A v B"]
	fmt.Println(rep.Phantoms, rep.MinMargin, a.Margin, a.TestU)
	// Output: 1 0.3999999999999999 0.3999999999999999 1.25
}

func ExampleMeasure() {
	e, ci := mayor()
	asrts, _ := margin.Assertions(e, ci, margin.Outcome{Rule: margin.Plurality, Winners: []cvr.ChoiceIndex{0}})
	cards := &cvr.Cards{}
	for i, c := range []cvr.ChoiceIndex{0, 0, 1, 0, 2, 0, 1, 0} {
		cards.Append(&cvr.Card{ID: fmt.Sprint(i), Votes: vote(ci, c)})
	}
	m := margin.Measure(cards, asrts, true, 2)
	for i, a := range asrts {
		z, h, u := m.Counts(i)
		v, _ := m.ExactMargin(i)
		fmt.Println(a.Name, z, h, u, v)
	}
	// Output:
	// Alice v Bob 2 1 5 3/8
	// Alice v Carol 1 2 5 1/2
}

func ExamplePollingValues() {
	e, ci := mayor()
	asrts, _ := margin.Assertions(e, ci, margin.Outcome{Rule: margin.Plurality, Winners: []cvr.ChoiceIndex{0}})
	fmt.Println(margin.PollingValues(asrts, vote(ci, 2), false, true, nil))
	fmt.Println(margin.PollingValues(asrts, cvr.Votes{}, true, true, nil))
	// Output:
	// [0.5 0]
	// [0 0]
}

func ExampleComparisonValues() {
	e, ci := mayor()
	asrts, _ := margin.Assertions(e, ci, margin.Outcome{Rule: margin.Plurality, Winners: []cvr.ChoiceIndex{0}})
	var cmps []*margin.Comparison
	for _, a := range asrts {
		c, _ := margin.NewComparison(a, 0.2, true)
		cmps = append(cmps, c)
	}
	vals, classes, _ := margin.ComparisonValues(cmps, &margin.Pair{CVR: vote(ci, 0), MVR: vote(ci, 2)}, nil, nil)
	fmt.Printf("%.4f %v\n", vals, classes)
	// Output: [0.2778 0.0000] [o1 o2]
}
