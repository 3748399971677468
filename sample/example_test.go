package sample_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/rlakit/rlakit/sample"
)

func ExampleRivestSample() {
	// Rivest's docstring example: 5 of the cards 1..876.
	_, picks, err := sample.RivestSample("3546311556112163624615351222", 1, 876, 5, 0, false)
	if err != nil {
		panic(err)
	}
	fmt.Println(picks)
	// Expanding the sample to 7 keeps the first 5 and adds 2.
	old, more, _ := sample.RivestSample("3546311556112163624615351222", 1, 876, 7, 5, false)
	fmt.Println(old, more)
	// Output:
	// [740 180 264 789 238]
	// [740 180 264 789 238] [448 272]
}

func ExampleNewRivest() {
	g, err := sample.NewRivest("3546311556112163624615351222", 1, 876)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Next(), g.Next(), g.Hashes())
	// Output: 740 180 2
}

func ExampleNewSHA256() {
	g := sample.NewSHA256("12345678901234567890")
	fmt.Println(g.Random())
	n, _ := g.RandInt(1, 1001) // 1..1000: the upper bound is excluded
	fmt.Println(n, g.Counter())
	// Output:
	// 0.9272915426537484
	// 358 2
}

func ExampleSHA256_asSource() {
	// The generator is a math/rand/v2 Source, for code that wants one.
	r := rand.New(sample.NewSHA256("20260101000000000000"))
	fmt.Println(r.IntN(100), r.IntN(100))
	// Output: 9 66
}

func ExampleSampleByIndex() {
	picks, err := sample.SampleByIndex(sample.NewSHA256("12345678901234567890"), 1000, 5, false)
	if err != nil {
		panic(err)
	}
	fmt.Println(picks)
	// Output: [340 971 558 778 442]
}

func ExampleFYKDSample() {
	picks, _ := sample.FYKDSample(sample.NewSHA256("01234567890123456789"), 1000, 5)
	fmt.Println(picks)
	// Output: [64 2 805 939 795]
}

func ExamplePIKK() {
	picks, _ := sample.PIKK(sample.NewSHA256("01234567890123456789"), 10, 3)
	fmt.Println(picks)
	// Output: [2 1 9]
}

func ExampleRandomPermutation() {
	p, _ := sample.RandomPermutation(sample.NewSHA256("01234567890123456789"), 10, sample.FisherYates)
	fmt.Println(p)
	// Output: [0 1 8 9 2 3 4 5 6 7]
}

func ExampleConsistentSample() {
	// The items' ids as Python's str() writes them.
	draws, err := sample.ConsistentSample([]string{"A#2", "B#7", "C#1", "D#4"}, "314159", true, 0, 5)
	if err != nil {
		panic(err)
	}
	for _, d := range draws {
		fmt.Println(sample.TrimTicket(d.Ticket, 9), d.Item, d.Times)
	}
	// Output:
	// 0.017883214 3 1
	// 0.545742738 2 1
	// 0.573533258 2 2
	// 0.765047812 1 1
	// 0.881382715 0 1
}

func ExampleFirstTicket() {
	t := sample.FirstTicket(sample.SeedHash("01382438112797316654"), "AB-130")
	fmt.Println(t)
	fmt.Println(sample.TrimTicket(sample.NextTicket(t), 9))
	// Output:
	// 0.26299714122838008416507544297546663599715395525154425586041245287750224561854
	// 0.823235722
}

func ExampleCardID() {
	b := sample.Batch{Jurisdiction: "County O'Neil", Name: `Mail "A"`, Cards: 400}
	fmt.Println(sample.CardID(b, 396, true))
	fmt.Println(sample.CardID(sample.Batch{Name: "pct 1"}, 3, false))
	// Output:
	// (("County O'Neil", None, 'Mail "A"'), 396)
	// ('pct 1', 3)
}

func ExampleNewManifest() {
	m, err := sample.NewManifest([]sample.Batch{
		{Tabulator: "1", Name: "1", Cards: 3},
		{Tabulator: "2", Name: "1", Cards: 2},
	}, false)
	if err != nil {
		panic(err)
	}
	b, pos, _ := m.Locate(4) // the fourth card in manifest order
	fmt.Println(m.Total(), m.Batches()[b].Tabulator, pos)
	// Output: 5 2 1
}

func ExampleManifest_PullList() {
	m, _ := sample.NewManifest([]sample.Batch{{Name: "Batch 10", Cards: 30}, {Name: "Batch 9", Cards: 30}}, false)
	_, picks, _ := sample.RivestSample("12345678901234567890", 1, m.Total(), 6, 0, false)
	draws, _ := m.IndexDraws(picks, 1)
	// Batch 9 holds only 5 cards although the manifest says 30.
	pull, _ := m.PullList(draws, func(b int) int { return []int{30, 5}[b] })
	for _, p := range pull {
		fmt.Println(m.Batches()[p.Batch].Name, p.Position, "draw", p.Number, "phantom", p.Phantom)
	}
	// Output:
	// Batch 9 6 draw 4 phantom true
	// Batch 10 18 draw 5 phantom false
	// Batch 10 21 draw 2 phantom false
	// Batch 10 26 draw 1 phantom false
	// Batch 10 27 draw 6 phantom false
	// Batch 10 29 draw 3 phantom false
}

func ExampleCheckSeedDigits() {
	fmt.Println(sample.CheckSeedDigits("27180904129383661524"))
	fmt.Println(sample.CheckSeedDigits("2718090412938366152"))
	// Output:
	// <nil>
	// sample: bad seed: 19 digits; roll at least 20
}

func ExampleSampleNumbers() {
	nums := sample.SampleNumbers("1234567890", 2)
	fmt.Println(nums[0])
	// Output: 100208482908198438057700745423243738999845662853049614266130533283921761365671
}
