package benchmarks

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rlakit/rlakit/stats"
)

// The stats benchmarks stream 1,000,000 observations through each test and
// report ns per observation ("ns/obs"); the baselines do the least any such
// test must do over the same data (one multiply-add and a running product,
// or one math.Log per observation), so figures can be read as ratios. The
// streaming form (Start, then Add) and the whole-sample form (Risk) of each
// test are measured separately ("whole_" names).
//
//	go test -run '^$' -bench Stats -benchtime 3x ./benchmarks/

const statsObs = 1_000_000

// statsPolling is 0/1/0.5 data with mean about 0.51: a long polling sample.
func statsPolling() []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, statsObs)
	for i := range x {
		switch u := r.Float64(); {
		case u < 0.46:
			x[i] = 1
		case u < 0.90:
			x[i] = 0
		default:
			x[i] = 0.5
		}
	}
	return x
}

// statsComparison is overstatement-assorter data for a 1% margin with
// one-vote overstatements at rate 1/1000.
func statsComparison() ([]float64, float64) {
	const v = 0.01
	u := 2 / (2 - v)
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, statsObs)
	for i := range x {
		x[i] = 1 / (2 - v)
		if r.IntN(1000) == 0 {
			x[i] = 0.5 / (2 - v)
		}
	}
	return x, u
}

func statsStream(b *testing.B, test stats.Test, x []float64) {
	b.Helper()
	statsStreamOf(b, func() stats.Stream {
		s, err := test.Start()
		if err != nil {
			b.Fatal(err)
		}
		return s
	}, x)
}

func statsStreamOf(b *testing.B, start func() stats.Stream, x []float64) {
	b.Helper()
	b.ReportAllocs()
	t0 := time.Now()
	for range b.N {
		s := start()
		for _, v := range x {
			if err := s.Add(v); err != nil {
				b.Fatal(err)
			}
		}
		if p := s.P(); p < 0 || p > 1 {
			b.Fatal(p)
		}
	}
	b.ReportMetric(float64(time.Since(t0).Nanoseconds())/float64(b.N*len(x)), "ns/obs")
}

// sumStream is the baseline Stream: it checks each observation, counts it
// and adds it to a running sum, which every test of package stats does.
type sumStream struct {
	n   int
	sum float64
}

func (s *sumStream) Add(x float64) error {
	if !(x >= 0 && x <= 1) {
		return errors.New("x out of range")
	}
	s.n++
	s.sum += x
	return nil
}

func (s *sumStream) P() float64 {
	if s.sum < 0 {
		return 0
	}
	return 1
}
func (s *sumStream) Last() float64 { return s.P() }
func (s *sumStream) N() int        { return s.n }

// welfordStream is sumStream with Welford's running mean and sum of squared
// deviations, the running statistics of aGRAPA.
type welfordStream struct {
	sumStream
	mean, m2 float64
}

func (s *welfordStream) Add(x float64) error {
	if !(x >= 0 && x <= 1) {
		return errors.New("x out of range")
	}
	s.n++
	s.sum += x
	old := s.mean
	s.mean = old + (x-old)/float64(s.n)
	s.m2 += (x - old) * (x - s.mean)
	return nil
}

func (s *welfordStream) P() float64 {
	if s.m2 < 0 || s.sum < 0 {
		return 0
	}
	return 1
}
func (s *welfordStream) Last() float64 { return s.P() }

func BenchmarkStatsTests(b *testing.B) {
	poll := statsPolling()
	cmp, u := statsComparison()
	big := 2 * statsObs
	cmpPop := stats.Population{N: big, U: u}
	cases := []struct {
		name string
		test stats.Test
		x    []float64
	}{
		{"alpha_fixed_inf", stats.Alpha{Estimator: stats.FixedAlternativeMean{Eta: 0.52}}, poll},
		{"alpha_fixed_finite", stats.Alpha{Population: stats.Population{N: big}, Estimator: stats.FixedAlternativeMean{Eta: 0.52}}, poll},
		{"alpha_shrink_trunc", stats.Alpha{Population: stats.Population{N: big}, Estimator: stats.ShrinkTrunc{Eta: 0.55}}, poll},
		{"alpha_optimal_comparison", stats.Alpha{Population: cmpPop, Estimator: stats.OptimalComparison{}}, cmp},
		{"betting_fixed", stats.Betting{Population: stats.Population{N: big}, Bet: stats.FixedBet{Lam: 0.1}}, poll},
		{"betting_agrapa", stats.Betting{Population: stats.Population{N: big}, Bet: stats.AGRAPA{}}, poll},
		{"betting_kelly", stats.Betting{Population: cmpPop, Bet: stats.KellyOptimal{Pop: cmp[:1000]}}, cmp},
		{"mix_betting_100", stats.MixBetting{Population: stats.Population{N: big}}, poll},
		{"mix_betting_10", stats.MixBetting{Population: stats.Population{N: big}, Lams: []float64{0, .2, .4, .6, .8, 1, 1.2, 1.4, 1.6, 1.8}}, poll},
		{"kaplan_markov", stats.KaplanMarkov{Population: cmpPop, G: 0.05}, cmp},
		{"kaplan_wald", stats.KaplanWald{Population: cmpPop, G: 0.05}, cmp},
		{"kaplan_kolmogorov", stats.KaplanKolmogorov{Population: cmpPop, G: 0.05}, cmp},
		{"wald_sprt", stats.WaldSPRT{Population: stats.Population{N: big}, Eta: 0.52}, poll},
		{"bravo", stats.Bravo{Winner: 52, Loser: 48}, poll},
	}
	b.Run("baseline_multiply", func(b *testing.B) {
		start := time.Now()
		for range b.N {
			prod, sum := 1.0, 0.0
			for _, v := range poll {
				prod *= 1 + 0.1*(v-0.5)
				if math.Abs(prod) > 0x1p300 {
					prod = 1
				}
				sum += v
			}
			if prod < 0 || sum < 0 {
				b.Fatal(prod)
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*statsObs), "ns/obs")
	})
	b.Run("baseline_log", func(b *testing.B) {
		start := time.Now()
		for range b.N {
			acc := 0.0
			for _, v := range poll {
				acc += math.Log(1 + 0.1*(v-0.5))
			}
			if math.IsNaN(acc) {
				b.Fatal(acc)
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*statsObs), "ns/obs")
	})
	b.Run("baseline_divide", func(b *testing.B) {
		// Dependent divisions: the latency of one float64 division on this
		// CPU, the floor of any step whose result feeds the next division.
		start := time.Now()
		for range b.N {
			a := 1.0
			for _, v := range poll {
				a = (1.25 + v) / a
			}
			if math.IsNaN(a) {
				b.Fatal(a)
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*statsObs), "ns/obs")
	})
	b.Run("baseline_divide4", func(b *testing.B) {
		// Four divisions per observation that do not wait for each other:
		// what ALPHA's term, null mean and estimate cost with N finite
		// (x·eta/m, (u−x)(u−eta)/(u−m), m_j, eta_j) when nothing else
		// limits them (the divider's throughput).
		start := time.Now()
		for range b.N {
			acc := 0.0
			for i, v := range poll {
				d := float64(2*statsObs - i)
				acc += (1e6-v)/d + (1.04e6-v)/d + v/(d+1) + (1-v)/(d+2)
			}
			if math.IsNaN(acc) {
				b.Fatal(acc)
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*statsObs), "ns/obs")
	})
	// The least a Stream costs: statsStream calling Add through the
	// interface on a stream that checks x and keeps a count and a sum.
	b.Run("baseline_stream", func(b *testing.B) { statsStreamOf(b, func() stats.Stream { return &sumStream{} }, poll) })
	// The least aGRAPA's stream costs: the same, plus Welford's running
	// mean and sum of squares as SHANGRLA updates them, whose mean waits at
	// each draw for the previous draw's (a subtraction, a division and an
	// addition, and the trip through memory between calls).
	b.Run("baseline_welford", func(b *testing.B) {
		statsStreamOf(b, func() stats.Stream { return &welfordStream{} }, poll)
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { statsStream(b, c.test, c.x) })
	}
	b.Run("alpha_fixed_whole_sample", func(b *testing.B) {
		statsWhole(b, stats.Alpha{Estimator: stats.FixedAlternativeMean{Eta: 0.52}}, poll)
	})
	// The whole-sample form (Risk, with its history) of every case.
	for _, c := range cases {
		b.Run("whole_"+c.name, func(b *testing.B) { statsWhole(b, c.test, c.x) })
	}
}

func statsWhole(b *testing.B, test stats.Test, x []float64) {
	b.Helper()
	start := time.Now()
	for range b.N {
		res, err := test.Risk(x)
		if err != nil {
			b.Fatal(err)
		}
		if res.P < 0 || res.P > 1 || len(res.History) != len(x) {
			b.Fatal(res.P)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*len(x)), "ns/obs")
}

// BenchmarkStatsMonteCarlo simulates comparison audits at a 1% margin on
// N = 1,000,000 (one-vote overstatements at rate 1/1000, ALPHA with the
// optimal-comparison estimator, risk limit 5%) and reports simulated audits
// per second on all cores.
func BenchmarkStatsMonteCarlo(b *testing.B) {
	const N = 1_000_000
	pop, err := stats.OverstatementPopulation(N, 0.01, 1, 0.001, 0)
	if err != nil {
		b.Fatal(err)
	}
	test := stats.Alpha{Population: stats.Population{N: N, U: 2 / (2 - 0.01)}, Estimator: stats.OptimalComparison{}}
	const reps = 200
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		sizes, err := stats.MonteCarlo{Test: test, Pop: pop, N: N, Alpha: 0.05, Reps: reps, Seed: uint64(i)}.Run()
		if err != nil {
			b.Fatal(err)
		}
		if sizes.Quantile(0.5) <= 0 {
			b.Fatal(sizes)
		}
	}
	b.ReportMetric(float64(b.N*reps)/time.Since(start).Seconds(), "sims/s")
}
