package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// propTests are the configurations the property tests run: every test, with
// and without replacement, on [0, 1] (t = 1/2) unless noted.
func propTests() []Test {
	const N = 500
	fin := Population{N: N}
	cmp := Population{N: N, U: 2 / 1.9}
	return []Test{
		Alpha{},
		Alpha{Population: fin, Estimator: FixedAlternativeMean{Eta: 0.6}},
		Alpha{Population: fin, Estimator: ShrinkTrunc{Eta: 0.7, D: 20}},
		Alpha{Estimator: ShrinkTrunc{F: 0.1}},
		Alpha{Population: cmp, Estimator: OptimalComparison{}},
		Betting{},
		Betting{Population: fin, Bet: FixedBet{Lam: 1.5}},
		Betting{Population: fin, Bet: AGRAPA{}},
		Betting{Bet: AGRAPA{C0: 0.5, CMax: 0.9, Grow: 1}},
		Betting{Population: fin, Bet: KellyOptimal{Pop: []float64{0, 1, 1, 0.5, 1}}},
		MixBetting{Population: fin, Lams: []float64{0, 0.5, 1, 1.5, 2}},
		KaplanMarkov{G: 0.1},
		KaplanMarkov{Population: fin},
		KaplanWald{G: 0.1},
		KaplanKolmogorov{Population: fin, G: 0.1},
		WaldSPRT{Eta: 0.6},
		WaldSPRT{Population: fin},
		Bravo{Winner: 60, Loser: 40},
	}
}

func upper(t Test) float64 {
	if a, ok := t.(Alpha); ok && a.U != 0 {
		return a.U
	}
	return 1
}

// genSample makes samples of 1..80 values in [0, 1]: mostly 0, 1/2 and 1
// (polling data), sometimes arbitrary.
func genSample() gopter.Gen {
	return gen.SliceOfN(80, gen.Weighted([]gen.WeightedGen{
		{Weight: 3, Gen: gen.OneConstOf(0.0, 0.5, 1.0)},
		{Weight: 1, Gen: gen.Float64Range(0, 1)},
	}), nil).SuchThat(func(x []float64) bool { return len(x) > 0 })
}

func TestPropertyPInUnitIntervalAndStreamsAgree(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(20261123)
	params.MinSuccessfulTests = 30
	props := gopter.NewProperties(params)
	for _, test := range propTests() {
		u := upper(test)
		props.Property(test.Name()+": p in [0,1]; stream equals whole sample bit for bit", prop.ForAll(
			func(raw []float64, cut int) bool {
				x := make([]float64, len(raw))
				for i, v := range raw {
					x[i] = v * u
				}
				whole, err := test.Risk(x)
				if err != nil {
					t.Log(err)
					return false
				}
				if !(whole.P >= 0 && whole.P <= 1) {
					t.Logf("p = %v", whole.P)
					return false
				}
				// Stream in two "rounds", resuming at cut.
				s, err := test.Start()
				if err != nil {
					t.Log(err)
					return false
				}
				cut %= len(x)
				for _, part := range [][]float64{x[:cut], x[cut:]} {
					for _, v := range part {
						if err := s.Add(v); err != nil {
							t.Log(err)
							return false
						}
						n := s.N()
						prefix, _ := test.Risk(x[:n])
						if math.Float64bits(s.P()) != math.Float64bits(prefix.P) ||
							math.Float64bits(s.Last()) != math.Float64bits(prefix.History[n-1]) {
							t.Logf("after %d: stream p %v last %v, whole %v %v", n, s.P(), s.Last(), prefix.P, prefix.History[n-1])
							return false
						}
						if h := s.Last(); !(h >= 0 && h <= 1) {
							t.Logf("history entry %v", h)
							return false
						}
						// A draw that is not the last keeps SHANGRLA's
						// unadjusted entry.
						if n < len(x) && math.Float64bits(s.(stream).rawLast()) != math.Float64bits(whole.History[n-1]) {
							t.Logf("history[%d] = %v in the stream, %v in the whole sample", n-1, s.(stream).rawLast(), whole.History[n-1])
							return false
						}
					}
				}
				return s.N() == len(x) && math.Float64bits(s.P()) == math.Float64bits(whole.P)
			},
			genSample(), gen.IntRange(0, 1000),
		))
	}
	props.TestingRun(t)
}

// p is non-increasing in each observation for Kaplan-Markov and for ALPHA
// with a fixed alternative (with replacement each ALPHA term increases in
// its own x when eta > t; without replacement the alternative keeps eta_j >
// m_j, and the property is checked as well).
func TestPropertyMonotone(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(7)
	params.MinSuccessfulTests = 300
	props := gopter.NewProperties(params)
	for _, test := range []Test{
		KaplanMarkov{}, KaplanMarkov{G: 0.2},
		Alpha{}, Alpha{Estimator: FixedAlternativeMean{Eta: 0.9}},
		Alpha{Population: Population{N: 300}, Estimator: FixedAlternativeMean{Eta: 0.55}},
	} {
		props.Property(test.Name()+" p non-increasing in each x_i", prop.ForAll(
			func(x []float64, i int, up float64) bool {
				i %= len(x)
				y := append([]float64(nil), x...)
				y[i] = x[i] + up*(1-x[i])
				a, err1 := test.Risk(x)
				b, err2 := test.Risk(y)
				if err1 != nil || err2 != nil {
					return false
				}
				if b.P > a.P {
					t.Logf("x[%d] %v -> %v: p %v -> %v", i, x[i], y[i], a.P, b.P)
					return false
				}
				return true
			},
			genSample(), gen.IntRange(0, 1000), gen.Float64Range(0, 1),
		))
	}
	props.TestingRun(t)
}

// TestValidityUnderNull checks by simulation that when the population mean
// equals the null mean, P(p <= alpha) <= alpha. Each test gets 2000 seeded
// trials of up to 200 draws (mix: 600 trials); the rejection fraction may
// exceed alpha = 0.05 only by binomial noise, three standard errors
// (0.05 + 3·sqrt(0.05·0.95/2000) ≈ 0.0646 for 2000 trials).
func TestValidityUnderNull(t *testing.T) {
	const (
		alpha = 0.05
		n     = 200
		N     = 400 // finite population: N/2 values at 0 and N/2 at 2t (mean t)
	)
	for _, test := range propTests() {
		trials := 2000
		if _, ok := test.(MixBetting); ok {
			trials = 600
		}
		u := upper(test)
		finite := populationOf(test).N > 0
		rng := rand.New(rand.NewPCG(1, 99))
		// A population with mean exactly 1/2 and values in [0, u].
		hi := math.Min(u, 1)
		pop := make([]float64, N)
		for i := range pop {
			if i < N/2 {
				pop[i] = hi
			} else {
				pop[i] = 1 - hi
			}
		}
		rejected := 0
		for range trials {
			s, err := test.Start()
			if err != nil {
				t.Fatal(err)
			}
			if finite {
				rng.Shuffle(len(pop), func(i, j int) { pop[i], pop[j] = pop[j], pop[i] })
			}
			for j := range n {
				v := pop[rng.IntN(N)]
				if finite {
					v = pop[j]
				}
				if err := s.Add(v); err != nil {
					t.Fatal(err)
				}
				if s.P() <= alpha {
					rejected++
					break
				}
			}
		}
		frac := float64(rejected) / float64(trials)
		limit := alpha + 3*math.Sqrt(alpha*(1-alpha)/float64(trials))
		t.Logf("%-18s N=%-3d rejected %4d/%d = %.4f (limit %.4f)", test.Name(), populationOf(test).N, rejected, trials, frac, limit)
		if frac > limit {
			t.Errorf("%s %+v: rejected %d/%d = %.4f under the null, limit %.4f", test.Name(), test, rejected, trials, frac, limit)
		}
	}
}

func populationOf(t Test) Population {
	switch v := t.(type) {
	case Alpha:
		return v.Population
	case Betting:
		return v.Population
	case MixBetting:
		return v.Population
	case KaplanMarkov:
		return v.Population
	case KaplanWald:
		return v.Population
	case KaplanKolmogorov:
		return v.Population
	case WaldSPRT:
		return v.Population
	}
	return Population{}
}

// TestPowerSanity makes sure the validity harness can see a rejection: with
// the true mean at 0.7, ALPHA rejects the null 1/2 in most of 500 samples of
// 200 draws.
func TestPowerSanity(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rejected := 0
	for range 500 {
		s, _ := Alpha{}.Start()
		for range 200 {
			v := 0.0
			if rng.Float64() < 0.7 {
				v = 1
			}
			if err := s.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		if s.P() <= 0.05 {
			rejected++
		}
	}
	if rejected < 400 {
		t.Errorf("ALPHA rejected only %d/500 false nulls", rejected)
	}
}
