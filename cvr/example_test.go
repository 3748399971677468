package cvr_test

import (
	"fmt"
	"log"

	"github.com/rlakit/rlakit/cvr"
)

// Read an export (the format is detected), keep its cards and count them.
func ExampleRead() {
	var e cvr.Election
	format, seq, err := cvr.Read(&e, "auto", cvr.Options{}, "testdata/small/cvr.csv")
	if err != nil {
		log.Fatal(err)
	}
	cards, err := cvr.ReadAll(seq)
	if err != nil {
		log.Fatal(err)
	}
	c := cards.Card(0)
	fmt.Println(format.Name, cards.Len(), "cards; first:", c.ID, c.Batch)
	for cv := range c.Votes.All() {
		contest := e.Contest(cv.Contest)
		for _, s := range cv.Selections() {
			fmt.Printf("  %s: %s\n", contest.Name, contest.Choices[s.Choice].Name)
		}
	}
	// Output:
	// dominion-csv 6 cards; first: 1-1-1 1/1
	//   Mayor: Alice Adams
	//   Council: Carol Chen
	//   Council: Dan Diaz
}

func ExampleTabulate() {
	var e cvr.Election
	_, seq, err := cvr.Read(&e, "dominion-csv", cvr.Options{}, "testdata/small/cvr.csv")
	if err != nil {
		log.Fatal(err)
	}
	t, err := cvr.Tabulate(&e, seq)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(t)
	// Output:
	// 6 cards
	// Mayor (vote for 1, 0 ranks): 5 cards, 1 overvotes, 1 undervotes
	//   Alice Adams: 2
	//   Bob Brown: 1
	//   Write-in: 0
	// Council (vote for 2, 0 ranks): 6 cards, 1 overvotes, 4 undervotes
	//   Carol Chen: 3
	//   Dan Diaz: 1
	//   Eve Evans: 2
}

func ExampleReconcile() {
	var e cvr.Election
	_, seq, err := cvr.Read(&e, "auto", cvr.Options{}, "testdata/small/cvr.csv")
	if err != nil {
		log.Fatal(err)
	}
	cards, err := cvr.ReadAll(seq)
	if err != nil {
		log.Fatal(err)
	}
	m, err := cvr.ReadManifestFile("testdata/small/manifest.csv")
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range cvr.Reconcile(m, cards, nil, nil) {
		fmt.Println(in.Kind, in.Batch+in.ID, in.Expected, in.Found)
	}
	fmt.Println(len(cvr.Phantoms(m, cards)), "phantoms")
	// Output:
	// batch-count 1/2 4 2
	// batch-count 1/3 5 0
	// batch-not-in-manifest 2/7 0 1
	// duplicate-imprinted-id 1-1-1 1 2
	// 7 phantoms
}

func ExampleTally_IRV() {
	var e cvr.Election
	ci, _ := e.AddContest(cvr.Contest{ID: "m", Name: "Mayor", Ranks: 3,
		Choices: []cvr.Choice{{ID: "a", Name: "Ann"}, {ID: "b", Name: "Ben"}, {ID: "c", Name: "Cy"}}})
	var cards cvr.Cards
	for i, r := range [][]cvr.ChoiceIndex{{0, 1}, {0, 2}, {1, 2}, {1, 2}, {2, 1}} {
		c := cvr.Card{ID: fmt.Sprint(i)}
		c.Votes.Begin(ci, 0)
		for k, ch := range r {
			c.Votes.Select(cvr.Selection{Choice: ch, Rank: uint8(k + 1)})
		}
		cards.Append(&c)
	}
	t, _ := cvr.Tabulate(&e, cards.All())
	res, _ := t.IRV(ci)
	for i, r := range res.Rounds {
		fmt.Println("round", i+1, r.Votes, "eliminated", e.Contest(ci).Choices[r.Eliminated].Name)
	}
	// Output:
	// round 1 [2 2 1] eliminated Cy
	// round 2 [2 3 0] eliminated Ann
	// round 3 [0 4 0] eliminated Ben
}
