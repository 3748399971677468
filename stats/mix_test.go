package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// mix_betting holds observations and processes them in batches, one
// component at a time; that must give what step gives one observation at a
// time.
func TestMixBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for _, u := range []float64{1, 2 / 1.99, 1.5} {
		for _, x := range fastPathSamples(u) {
			x = x[:min(len(x), 4000)]
			for _, N := range []int{0, len(x), len(x) + 3, 3 * len(x)} {
				for _, lams := range [][]float64{nil, {0.5, 1.999, 3}, {0, 0.2, 1.9, 2}} {
					b := MixBetting{Population: Population{N: N, U: u}, Lams: lams}
					whole, err := b.Risk(x)
					if err != nil {
						t.Fatal(err)
					}
					general, _ := b.start()
					stream, _ := b.start()
					for i, v := range x {
						general.step(v)
						if err := stream.Add(v); err != nil {
							t.Fatal(err)
						}
						if i < len(x)-1 && math.Float64bits(general.rawLast()) != math.Float64bits(whole.History[i]) {
							t.Fatalf("N=%d u=%v: history[%d] = %v, step by step %v", N, u, i, whole.History[i], general.rawLast())
						}
						if r.IntN(500) == 0 || i == len(x)-1 {
							// A query processes what the stream holds.
							if math.Float64bits(stream.P()) != math.Float64bits(general.P()) ||
								math.Float64bits(stream.Last()) != math.Float64bits(general.Last()) || stream.N() != general.N() {
								t.Fatalf("N=%d u=%v: after %d: stream %v %v, step by step %v %v", N, u, i+1, stream.P(), stream.Last(), general.P(), general.Last())
							}
						}
					}
					if math.Float64bits(whole.P) != math.Float64bits(general.P()) || math.Float64bits(whole.History[len(x)-1]) != math.Float64bits(general.Last()) {
						t.Fatalf("N=%d u=%v: p %v, step by step %v", N, u, whole.P, general.P())
					}
				}
			}
		}
	}
}

// mixSamples are long samples in which most components of the default grid
// sink below SHANGRLA's cut and are set aside, some for good and some only
// for a while: polling data at and near the null, and comparison data.
func mixSamples() (x [][]float64, u []float64) {
	r := rand.New(rand.NewPCG(21, 22))
	poll := func(n int, p1, p0 float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			switch v := r.Float64(); {
			case v < p1:
				x[i] = 1
			case v < p1+p0:
				x[i] = 0
			default:
				x[i] = 0.5
			}
		}
		return x
	}
	x = append(x, poll(300_000, 0.46, 0.44), poll(200_000, 0.45, 0.45), poll(50_000, 0.5, 0.4))
	u = append(u, 1, 1, 1)
	// A stretch at the null then a stretch well above it: components set
	// aside during the first come back in the second.
	x = append(x, append(poll(60_000, 0.45, 0.45), poll(20_000, 0.7, 0.2)...))
	u = append(u, 1)
	const v = 0.02
	cmp := make([]float64, 200_000)
	for i := range cmp {
		cmp[i] = 1 / (2 - v)
		switch r.IntN(100) {
		case 0:
			cmp[i] = 0.5 / (2 - v)
		case 1:
			cmp[i] = 0
		}
	}
	x = append(x, cmp)
	u = append(u, 2/(2-v))
	return x, u
}

// Setting components aside changes no value: every history entry and p
// equals the one computed with every component at every draw, bit for bit,
// and components are set aside (so the comparison tests something).
func TestMixAside(t *testing.T) {
	xs, us := mixSamples()
	for i, x := range xs {
		for _, N := range []int{0, 4 * len(x)} {
			b := MixBetting{Population: Population{N: N, U: us[i]}}
			aside, _ := b.start()
			exact, _ := b.start()
			exact.exact = true
			most, back := 0, false
			for j := 0; j < len(x); j += mixBatch {
				k := min(j+mixBatch, len(x))
				h1, h2 := make([]float64, k-j), make([]float64, k-j)
				aside.batch(x[j:k], h1, false)
				exact.batch(x[j:k], h2, false)
				for l := range h1 {
					if math.Float64bits(h1[l]) != math.Float64bits(h2[l]) {
						t.Fatalf("sample %d N=%d: history[%d] = %v set aside, %v exact", i, N, j+l, h1[l], h2[l])
					}
				}
				if aside.nstale < most {
					back = true
				}
				most = max(most, aside.nstale)
			}
			if aside.P() != exact.P() || math.Float64bits(aside.Last()) != math.Float64bits(exact.Last()) {
				t.Fatalf("sample %d N=%d: p %v set aside, %v exact", i, N, aside.P(), exact.P())
			}
			if most < 50 {
				t.Errorf("sample %d N=%d: at most %d of 100 components set aside", i, N, most)
			}
			if i == 3 && !back {
				t.Errorf("sample %d N=%d: no component came back", i, N)
			}
		}
	}
}

// The history agrees to 1e-12 relative with SHANGRLA's order of
// operations written out: every component's product, numpy's isclose(M, 0)
// replaced by 1, the mean over the grid in grid order and 1/mean, on
// samples short enough that numpy's products stay in range.
func TestMixAgainstSHANGRLAOrder(t *testing.T) {
	xs, us := mixSamples()
	for i, x := range xs {
		x = x[:20_000]
		for _, N := range []int{0, 4 * len(x)} {
			b := MixBetting{Population: Population{N: N, U: us[i]}}
			got, err := b.Risk(x)
			if err != nil {
				t.Fatal(err)
			}
			lams := linspace(0, 2, 100)
			prod := make([]float64, len(lams))
			for k := range prod {
				prod[k] = 1
			}
			sum, worst := 0.0, 0.0
			for j, v := range x {
				m := 0.5
				if N > 0 {
					m = (float64(N)*0.5 - sum) / float64(N-j)
				}
				total := 0.0
				for k, lam := range lams {
					prod[k] *= 1 + lam*(v-m)
					w := prod[k]
					if math.IsInf(w, 0) {
						t.Fatalf("sample %d: numpy's product overflows at %d", i, j)
					}
					if math.Abs(w) <= atol+1e-5*math.Abs(w) {
						w = 1
					}
					total += w
				}
				sum += v
				want := min(1, 1/(total/float64(len(lams))))
				if j == len(x)-1 && N > 0 && sum > float64(N)*0.5 {
					want = 0
				}
				if want < 1 && want > 0 {
					worst = max(worst, math.Abs(got.History[j]-want)/want)
				} else if got.History[j] != want {
					t.Fatalf("sample %d N=%d: history[%d] = %v, SHANGRLA's order %v", i, N, j, got.History[j], want)
				}
			}
			if worst > 1e-12 {
				t.Errorf("sample %d N=%d: largest relative difference %.3g > 1e-12", i, N, worst)
			}
			t.Logf("sample %d N=%d: largest relative difference from SHANGRLA's order %.3g", i, N, worst)
		}
	}
}

// Property: for any grid, population and sample, the stream that sets
// components aside gives every history entry, p and last value bit for bit
// as the one that computes every component at every draw, whether the
// observations come in whole batches (Risk) or one at a time with queries
// in between.
func TestPropertyMixAsideIsExact(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(20261124)
	params.MinSuccessfulTests = 40
	props := gopter.NewProperties(params)
	type input struct {
		Lams   []float64
		Seed   uint64
		N, Len int
		P1, P0 float64
		Cont   bool
	}
	gInput := gopter.CombineGens(
		gen.SliceOfN(12, gen.Float64Range(0, 3)).SuchThat(func(l []float64) bool { return len(l) > 0 }),
		gen.UInt64(), gen.IntRange(0, 3), gen.IntRange(500, 6000),
		gen.Float64Range(0.3, 0.6), gen.Float64Range(0.2, 0.5), gen.Bool(),
	).Map(func(v []any) input {
		return input{Lams: v[0].([]float64), Seed: v[1].(uint64), N: v[2].(int), Len: v[3].(int),
			P1: v[4].(float64), P0: v[5].(float64), Cont: v[6].(bool)}
	})
	withAside := 0 // cases in which some component was set aside
	props.Property("set aside = exact", prop.ForAll(func(in input) bool {
		r := rand.New(rand.NewPCG(in.Seed, 1))
		x := make([]float64, in.Len)
		for i := range x {
			switch v := r.Float64(); {
			case in.Cont:
				x[i] = r.Float64()
			case v < in.P1:
				x[i] = 1
			case v < in.P1+in.P0:
				x[i] = 0
			default:
				x[i] = 0.5
			}
		}
		N := 0
		if in.N > 0 {
			N = in.Len * in.N // 1x: the population runs out at the end
		}
		b := MixBetting{Population: Population{N: N}, Lams: in.Lams}
		aside, _ := b.start()
		exact, _ := b.start()
		exact.exact = true
		sawAside := false
		for i, v := range x {
			if aside.Add(v) != nil || exact.Add(v) != nil {
				return false
			}
			sawAside = sawAside || aside.nstale > 0
			if r.IntN(300) == 0 || i == len(x)-1 {
				if math.Float64bits(aside.P()) != math.Float64bits(exact.P()) ||
					math.Float64bits(aside.Last()) != math.Float64bits(exact.Last()) {
					t.Logf("after %d: p %v last %v set aside, p %v last %v exact", i+1, aside.P(), aside.Last(), exact.P(), exact.Last())
					return false
				}
			}
		}
		if sawAside {
			withAside++
		}
		whole, err := b.Risk(x)
		if err != nil {
			return false
		}
		e2, _ := b.start()
		e2.exact = true
		h := make([]float64, len(x))
		for i := 0; i < len(x); i += mixBatch {
			e2.batch(x[i:min(i+mixBatch, len(x))], h[i:min(i+mixBatch, len(x))], false)
		}
		for i := range len(x) - 1 {
			if math.Float64bits(whole.History[i]) != math.Float64bits(h[i]) {
				t.Logf("history[%d] = %v set aside, %v exact", i, whole.History[i], h[i])
				return false
			}
		}
		return math.Float64bits(whole.P) == math.Float64bits(e2.P())
	}, gInput))
	props.TestingRun(t)
	if withAside < 10 {
		t.Errorf("components were set aside in only %d cases", withAside)
	}
}

// −0 is a valid observation (Add's one-comparison test of x sends it the
// long way), with the values of +0.
func TestMixNegativeZero(t *testing.T) {
	x := []float64{1, 0, 0.5, 1, 1, 0, 1}
	negz := math.Copysign(0, -1)
	for _, N := range []int{0, 100} {
		b := MixBetting{Population: Population{N: N}}
		s1, _ := b.Start()
		s2, _ := b.Start()
		for _, v := range x {
			w := v
			if v == 0 {
				w = negz
			}
			if err := s1.Add(v); err != nil {
				t.Fatal(err)
			}
			if err := s2.Add(w); err != nil {
				t.Fatalf("Add(−0): %v", err)
			}
			if math.Float64bits(s1.Last()) != math.Float64bits(s2.Last()) || s1.N() != s2.N() {
				t.Fatalf("N=%d: −0 gives %v, +0 %v", N, s2.Last(), s1.Last())
			}
		}
	}
}

// Setting aside, sleeping and deep sleepers change no value, over 24
// samples of 60,000-180,000 draws whose true mean drifts around the null
// (so that components sink, sleep, group and come back), with u = 1 and
// others, N infinite and finite, and the default grid or random ones.
func TestMixAsideVaried(t *testing.T) {
	deepSeen := 0
	for seed := uint64(0); seed < 24; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		n := 60_000 + r.IntN(120_000)
		x := make([]float64, n)
		p1 := 0.40 + 0.15*r.Float64()
		u := []float64{1, 2 / 1.98, 1.3}[seed%3]
		for i := range x {
			q := p1 + 0.1*math.Sin(float64(i)/float64(5000+r.IntN(3)))
			switch v := r.Float64(); {
			case v < q:
				x[i] = u * 0.999
			case v < q+0.45:
				x[i] = 0
			default:
				x[i] = u / 2
			}
		}
		N := 0
		if seed%2 == 1 {
			N = n + r.IntN(3*n)
		}
		var lams []float64
		if seed%4 == 3 {
			for range 1 + r.IntN(30) {
				lams = append(lams, 2*r.Float64()/u)
			}
		}
		b := MixBetting{Population: Population{N: N, U: u}, Lams: lams}
		aside, _ := b.start()
		exact, _ := b.start()
		exact.exact = true
		h1, h2 := make([]float64, n), make([]float64, n)
		for i := 0; i < n; i += mixBatch {
			j := min(i+mixBatch, n)
			aside.batch(x[i:j], h1[i:j], false)
			exact.batch(x[i:j], h2[i:j], false)
		}
		for i := range h1 {
			if math.Float64bits(h1[i]) != math.Float64bits(h2[i]) {
				t.Fatalf("seed %d: history[%d] = %v set aside, %v exact", seed, i, h1[i], h2[i])
			}
		}
		if len(aside.deep) > 0 {
			deepSeen++
		}
	}
	if deepSeen < 5 {
		t.Errorf("deep sleepers grouped in only %d of 24 samples", deepSeen)
	}
}
