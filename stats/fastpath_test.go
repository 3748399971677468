package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The streams have fast paths (Add's, and the loops run that the
// whole-sample forms use) that must compute exactly what their general paths
// compute. These tests feed the same observations to a stream through Add
// and to another through its general path alone, and require every p and
// history entry to agree bit for bit; TestWholeMatchesStream compares the
// whole-sample form (run's loops) with the stream.

// fastPathSamples are samples that exercise both paths: polling and
// comparison data near and far from the null, long runs that drive a product
// out of the normal range, and finite populations nearly exhausted (the null
// mean reaches 0 or u).
func fastPathSamples(u float64) [][]float64 {
	r := rand.New(rand.NewPCG(11, 12))
	var out [][]float64
	poll := func(n int, p1, p0 float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			switch v := r.Float64(); {
			case v < p1:
				x[i] = u
			case v < p1+p0:
				x[i] = 0
			default:
				x[i] = u / 2
			}
		}
		return x
	}
	out = append(out, poll(20000, 0.46, 0.44), poll(20000, 0.6, 0.3), poll(5000, 0.3, 0.6), poll(3000, 0.95, 0.01))
	unif := make([]float64, 20000)
	for i := range unif {
		unif[i] = r.Float64() * u
	}
	out = append(out, unif)
	for _, v := range []float64{0, u} {
		run := make([]float64, 5000)
		for i := range run {
			run[i] = v
			if i%5 == 0 {
				run[i] = u / 2
			}
		}
		out = append(out, run)
	}
	return out
}

type addFunc func(x float64) error

func checkSameStreams(t *testing.T, name string, x []float64, fast Stream, general Stream, generalAdd addFunc) {
	t.Helper()
	for i, v := range x {
		if i%997 == 3 {
			// An invalid observation is an error and changes nothing.
			if fast.Add(-1) == nil || generalAdd(math.NaN()) == nil {
				t.Fatalf("%s: an invalid observation was accepted", name)
			}
		}
		e1, e2 := fast.Add(v), generalAdd(v)
		if (e1 == nil) != (e2 == nil) {
			t.Fatalf("%s: x[%d] = %v: errors %v and %v", name, i, v, e1, e2)
		}
		if math.Float64bits(fast.(stream).rawLast()) != math.Float64bits(general.(stream).rawLast()) ||
			math.Float64bits(fast.P()) != math.Float64bits(general.P()) {
			t.Fatalf("%s: after x[%d]: fast path p %v last %v, general path p %v last %v",
				name, i, fast.P(), fast.(stream).rawLast(), general.P(), general.(stream).rawLast())
		}
	}
	if math.Float64bits(fast.Last()) != math.Float64bits(general.Last()) || fast.N() != general.N() {
		t.Fatalf("%s: end: fast %v (%d), general %v (%d)", name, fast.Last(), fast.N(), general.Last(), general.N())
	}
}

// checkWholeMatchesStream requires the whole-sample form (Risk, which has
// its own loops) to give, bit for bit, the history and p of the stream.
func checkWholeMatchesStream(t *testing.T, name string, test Test, x []float64) {
	t.Helper()
	whole, err := test.Risk(x)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s, err := test.Start()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i, v := range x {
		if err := s.Add(v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := s.(stream).rawLast()
		if i == len(x)-1 {
			want = s.Last()
		}
		if math.Float64bits(whole.History[i]) != math.Float64bits(want) {
			t.Fatalf("%s: history[%d] = %v, stream %v", name, i, whole.History[i], want)
		}
	}
	if math.Float64bits(whole.P) != math.Float64bits(s.P()) {
		t.Fatalf("%s: p = %v, stream %v", name, whole.P, s.P())
	}
}

func TestWholeMatchesStream(t *testing.T) {
	for _, u := range []float64{1, 2 / 1.99, 1.5} {
		for _, x := range fastPathSamples(u) {
			for _, N := range []int{0, len(x), len(x) + 3, 3 * len(x)} {
				pop := Population{N: N, U: u}
				tests := []Test{
					Betting{Population: pop, Bet: FixedBet{Lam: 0.1}}, Betting{Population: pop, Bet: AGRAPA{}},
					Betting{Population: pop, Bet: AGRAPA{Lam: 0.3, C0: 0.5, CMax: 0.9, Grow: 1}},
					Betting{Population: pop, Bet: KellyOptimal{Pop: []float64{0, u, u, u / 2}}},
					WaldSPRT{Population: pop, Eta: 0.52 * u}, WaldSPRT{Population: pop},
					KaplanMarkov{Population: pop, G: 0.05}, KaplanWald{Population: pop, G: 0.05},
				}
				if N > 0 {
					tests = append(tests, KaplanKolmogorov{Population: pop, G: 0.05}, KaplanKolmogorov{Population: pop})
				}
				for _, est := range []Estimator{
					FixedAlternativeMean{Eta: 0.52 * u}, FixedAlternativeMean{Eta: 0.9 * u},
					ShrinkTrunc{Eta: 0.55 * u}, ShrinkTrunc{}, ShrinkTrunc{F: 0.2, D: 10}, OptimalComparison{},
				} {
					if _, ok := est.(OptimalComparison); ok && u == 1 {
						continue
					}
					tests = append(tests, Alpha{Population: pop, Estimator: est})
				}
				for _, test := range tests {
					checkWholeMatchesStream(t, fmt.Sprintf("%s %+v", test.Name(), test), test, x)
				}
			}
		}
	}
}

func TestAlphaFastPath(t *testing.T) {
	for _, u := range []float64{1, 2 / 1.99, 1.5} {
		for _, x := range fastPathSamples(u) {
			for _, N := range []int{0, len(x), len(x) + 3, 3 * len(x)} {
				pop := Population{N: N, U: u}
				for _, est := range []Estimator{
					FixedAlternativeMean{Eta: 0.52 * u}, FixedAlternativeMean{Eta: 0.9 * u},
					ShrinkTrunc{Eta: 0.55 * u}, ShrinkTrunc{}, ShrinkTrunc{F: 0.2, D: 10},
					OptimalComparison{},
				} {
					a := Alpha{Population: pop, Estimator: est}
					fast, err1 := a.start()
					general, err2 := a.start()
					if err1 != nil || err2 != nil {
						continue // optimal_comparison with u = 1
					}
					checkSameStreams(t, est.Name(), x, fast, general, general.add)
					// Start's stream for the estimator (its own Add).
					own, _ := a.Start()
					general, _ = a.start()
					checkSameStreams(t, est.Name()+" (Start)", x, own, general, general.add)
				}
			}
		}
	}
}

func TestBettingFastPath(t *testing.T) {
	for _, u := range []float64{1, 2 / 1.99, 1.5} {
		for _, x := range fastPathSamples(u) {
			for _, N := range []int{0, len(x), len(x) + 3, 3 * len(x)} {
				pop := Population{N: N, U: u}
				for _, bet := range []Bet{
					FixedBet{Lam: 0.1}, FixedBet{Lam: 1.9}, AGRAPA{}, AGRAPA{Lam: 0.3, C0: 0.5, CMax: 0.9, Grow: 1},
					AGRAPA{C0: 0.2, CMax: 0.2}, KellyOptimal{Pop: []float64{0, u, u, u / 2}},
				} {
					b := Betting{Population: pop, Bet: bet}
					fast, err1 := b.start(nil)
					general, err2 := b.start(nil)
					if err1 != nil || err2 != nil {
						t.Fatal(err1, err2)
					}
					checkSameStreams(t, bet.Name(), x, fast, general, general.add)
					// Start's stream (aGRAPA's own Add).
					own, _ := b.Start()
					general, _ = b.start(nil)
					checkSameStreams(t, bet.Name()+" (Start)", x, own, general, general.add)
				}
			}
		}
	}
}

// clipBet's shortcut gives min(c/m, lam) without the division only where
// that is lam; near the boundary it must agree with the division.
func TestClipBet(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1_000_000 {
		c := 1 - r.Float64()
		m := r.Float64() * 2
		lam := c / m * (1 + (r.Float64()-0.5)*4e-6)
		switch r.IntN(8) {
		case 0:
			lam = c / m
		case 1:
			lam = math.Nextafter(c/m, 0)
		case 2:
			lam = -lam
		case 3:
			lam = r.NormFloat64()
		}
		want := max(0, min(c/m, lam))
		if got := clipBet(c, m, lam); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("clipBet(%v, %v, %v) = %v, want %v", c, m, lam, got, want)
		}
	}
	for _, lam := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1)} {
		for _, m := range []float64{0.5, 0, math.NaN(), math.Inf(1), -0.1} {
			want := max(0, min(1/m, lam))
			if got := clipBet(1, m, lam); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("clipBet(1, %v, %v) = %v, want %v", m, lam, got, want)
			}
		}
	}
}

// Betting.Risk reports an invalid draw before an invalid bet, whether it
// scans the sample first (kelly_optimal on the sample) or not.
func TestBettingRiskErrorOrder(t *testing.T) {
	x := []float64{0.5, 1, 2, 0.5}
	for _, bet := range []Bet{FixedBet{Lam: -1}, FixedBet{}, AGRAPA{Lam: -1}, AGRAPA{}, KellyOptimal{}, &KellyOptimal{}} {
		_, err := Betting{Bet: bet}.Risk(x)
		if err == nil || !strings.Contains(err.Error(), "x[2] = 2 exceeds the upper bound") {
			t.Errorf("%T %+v: error %v, want x[2]'s", bet, bet, err)
		}
	}
	if _, err := (Betting{Bet: FixedBet{Lam: -1}}).Risk([]float64{0.5, 1}); err == nil || !strings.Contains(err.Error(), "lam = -1") {
		t.Errorf("valid sample, invalid bet: error %v", err)
	}
}
