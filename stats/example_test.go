package stats_test

import (
	"fmt"

	"github.com/rlakit/rlakit/stats"
)

// A polling sample: 1 for the winner, 0 for the loser, 1/2 for neither.
var poll = []float64{1, 1, 0, 1, 0.5, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1}

func ExampleAlpha() {
	test := stats.Alpha{
		Population: stats.Population{N: 10000}, // t = 1/2, u = 1
		Estimator:  stats.ShrinkTrunc{Eta: 0.6, D: 50},
	}
	res, err := test.Risk(poll)
	if err != nil {
		panic(err)
	}
	fmt.Printf("p = %.4f after %d draws\n", res.P, len(res.History))
	// Output:
	// p = 0.1237 after 20 draws
}

func ExampleAlpha_stream() {
	// The streaming form: one observation at a time, round after round.
	s, err := stats.Alpha{}.Start()
	if err != nil {
		panic(err)
	}
	for round, draws := range [][]float64{poll[:10], poll[10:]} {
		for _, x := range draws {
			if err := s.Add(x); err != nil {
				panic(err)
			}
		}
		fmt.Printf("round %d: %d draws, p = %.4f\n", round+1, s.N(), s.P())
	}
	// Output:
	// round 1: 10 draws, p = 0.2341
	// round 2: 20 draws, p = 0.0365
}

func ExampleOptimalComparison() {
	// A comparison audit, diluted margin 10%: overstatement assorter values
	// with upper bound u = 2/(2 - 0.1).
	pop, _ := stats.OverstatementPopulation(50, 0.1, 1, 0.05, 0)
	test := stats.Alpha{
		Population: stats.Population{N: 5000, U: 2 / 1.9},
		Estimator:  stats.OptimalComparison{},
	}
	res, _ := test.Risk(pop)
	fmt.Printf("p = %.3g\n", res.P)
	// Output:
	// p = 0.513
}

func ExampleBetting() {
	for _, bet := range []stats.Bet{stats.FixedBet{Lam: 0.5}, stats.AGRAPA{}, stats.KellyOptimal{}} {
		res, _ := stats.Betting{Bet: bet}.Risk(poll)
		fmt.Printf("%-13s p = %.4f\n", bet.Name(), res.P)
	}
	// Output:
	// fixed_bet     p = 0.1112
	// agrapa        p = 0.4000
	// kelly_optimal p = 0.0337
}

func ExampleMixBetting() {
	res, _ := stats.MixBetting{}.Risk(poll)
	fmt.Printf("p = %.4f\n", res.P)
	// Output:
	// p = 0.0750
}

func ExampleKaplanMarkov() {
	res, _ := stats.KaplanMarkov{G: 0.1}.Risk(poll)
	fmt.Printf("p = %.4f\n", res.P)
	// Output:
	// p = 0.1459
}

func ExampleKaplanWald() {
	res, _ := stats.KaplanWald{G: 0.1}.Risk(poll)
	fmt.Printf("p = %.4f\n", res.P)
	// Output:
	// p = 0.2770
}

func ExampleKaplanKolmogorov() {
	res, _ := stats.KaplanKolmogorov{Population: stats.Population{N: 100}, G: 0.1}.Risk(poll)
	fmt.Printf("p = %.4f\n", res.P)
	// Output:
	// p = 0.0567
}

func ExampleWaldSPRT() {
	res, _ := stats.WaldSPRT{Eta: 0.7}.Risk(poll)
	fmt.Printf("p = %.4f\n", res.P)
	// Output:
	// p = 0.0496
}

func ExampleBravo() {
	res, _ := stats.Bravo{Winner: 700, Loser: 300}.Risk(poll)
	fmt.Printf("p = %.4f\n", res.P)
	// Output:
	// p = 0.0496
}

func ExampleBravoRisk() {
	// rlacalc: reported 1410 to 1132, sampled 170 to 135.
	p, _ := stats.BravoRisk(1410, 1132, 170, 135)
	fmt.Printf("risk = %.6f\n", p)
	// Output:
	// risk = 0.134238
}

func ExampleBravoASN() {
	asn, _ := stats.BravoASN(600, 400, 1000, 0.1)
	fmt.Println(asn)
	// Output:
	// 119
}

func ExampleBravoSize() {
	for _, q := range []float64{0.7, 0.8, 0.9} {
		n, _ := stats.BravoSize(600, 400, 1000, 0.1, q)
		fmt.Printf("%.0f%%: %d\n", 100*q, n)
	}
	// Output:
	// 70%: 184
	// 80%: 244
	// 90%: 351
}

func ExampleKaplanMarkovSize() {
	n, _ := stats.KaplanMarkovSize(0.05, 0.1, stats.DefaultGamma, stats.Discrepancies{O1: 1})
	fmt.Println(n)
	// Output:
	// 123
}

func ExampleKaplanMarkovInitialSize() {
	n, _ := stats.KaplanMarkovInitialSize(0.1, 0.1, stats.DefaultGamma, stats.ArloRates)
	fmt.Println(n)
	// Output:
	// 54
}

func ExampleSampleSize() {
	// SHANGRLA's deterministic estimate for a comparison audit at a 5%
	// margin with one-vote overstatements at rate 1/1000.
	const N = 100000
	pop, _ := stats.OverstatementPopulation(N, 0.05, 1, 0.001, 0)
	test := stats.Alpha{Population: stats.Population{N: N, U: 2 / 1.95}, Estimator: stats.OptimalComparison{}}
	n, _ := stats.SampleSize(test, pop, N, 0.05)
	fmt.Println(n)
	// Output:
	// 146
}

func ExampleOverstatementPopulation() {
	x, _ := stats.OverstatementPopulation(6, 0.1, 1, 0.5, 0)
	fmt.Printf("%.4f\n", x)
	// Output:
	// [0.2632 0.5263 0.2632 0.5263 0.2632 0.5263]
}

func ExampleMonteCarlo() {
	const N = 100000
	pop, _ := stats.OverstatementPopulation(N, 0.05, 1, 0.002, 0)
	mc := stats.MonteCarlo{
		Test: stats.Alpha{Population: stats.Population{N: N, U: 2 / 1.95}, Estimator: stats.OptimalComparison{}},
		Pop:  pop, N: N, Alpha: 0.05, Reps: 400, Seed: 20261123,
	}
	sizes, _ := mc.Run()
	fmt.Println(sizes.Quantile(0.5), sizes.Quantile(0.8), sizes.Quantile(0.9), sizes.Quantile(0.99))
	// Output:
	// 119 119 146 174
}

func ExampleSpec() {
	eta := 0.6
	spec := stats.Spec{Test: "alpha_mart", Estim: "shrink_trunc", Options: stats.Options{Eta: &eta}}
	test, _ := spec.Build()
	res, _ := test.Risk(poll)
	fmt.Printf("%s p = %.4f\n", test.Name(), res.P)
	// Output:
	// alpha_mart p = 0.1371
}

func ExampleLamToEta() {
	eta := stats.LamToEta(1, 0.45, 1.8)
	fmt.Println(eta, stats.EtaToLam(eta, 0.45, 1.8))
	// Output:
	// 1.0575 1
}
