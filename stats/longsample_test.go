package stats

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The fast forms of ALPHA, betting (aGRAPA), Kaplan-Kolmogorov and Wald's
// SPRT depart from SHANGRLA's floating-point operation order (see their doc
// comments). TestLongSamples runs each over long samples and compares the
// history with a straightforward transcription of SHANGRLA's formulas, in
// SHANGRLA's order (the ref* functions below: arrays, a sequential cumsum
// and cumprod, then the per-index post-processing, as numpy computes them).
// Entries clamped at 1 or underflowed to 0 (in either) are not compared.
//
// Measured maxima of the relative difference over 10^6 draws (the samples
// below; N infinite, n + 1000 and 3n):
//
//   - ALPHA fixed_alternative_mean 3.2e-13, shrink_trunc 1.2e-13 (polling),
//     optimal_comparison 4.2e-13, Wald's SPRT 3.2e-13, Kaplan-Kolmogorov
//     9.9e-14: tolerance 1e-12. Each term differs from SHANGRLA's by a few
//     ulps, varying from draw to draw, and the products by a random walk of
//     them. With N infinite, only aGRAPA departs from SHANGRLA's order (the
//     others give the same bits).
//   - ALPHA shrink_trunc on comparison data (U ≠ 1): 1.1e-12, tolerance
//     2e-12. The difference grows linearly with the draws: SHANGRLA's order
//     has a small systematic rounding there. Against the exact product (in
//     160-bit arithmetic, from the same inputs) the fast form stays within
//     1e-13 over 5·10^5 draws (2.9e-14 at the last) while SHANGRLA's order
//     drifts to 3.9e-13 (logged below).
//   - aGRAPA: 4.4e-13 (polling), 4.4e-12 (comparison), tolerance 2e-11. Its
//     running mean's increments are multiplied by 1/k instead of divided by
//     k; the two means then differ by their roundings' random walk, which
//     raw_j (the mean's distance from m_j over the variance) carries into
//     every later term. For scale, SHANGRLA's order against itself with the
//     mean S_k/k (refBetting with exactMean), two correct orders, differ by
//     2.9e-11 (logged below).
const (
	longTol          = 1e-12
	longShrinkCmpTol = 2e-12
	longAGRAPATol    = 2e-11
	longSampleSize   = 1_000_000
)

// longSamples are polling (0, 1/2, 1 with mean just above 1/2, so that M
// grows slowly and stays in range) and comparison (overstatement assorter
// values for a 1% margin) data, scaled to [0, u].
func longSamples(n int) (poll, cmp []float64, ucmp float64) {
	r := rand.New(rand.NewPCG(21, 22))
	poll = make([]float64, n)
	for i := range poll {
		switch v := r.Float64(); {
		case v < 0.455:
			poll[i] = 1
		case v < 0.90:
			poll[i] = 0
		default:
			poll[i] = 0.5
		}
	}
	const margin = 0.01
	ucmp = 2 / (2 - margin)
	cmp = make([]float64, n)
	for i := range cmp {
		// One-vote overstatements at rate 0.0072: optimal_comparison's M
		// then neither grows nor shrinks much over 10^6 draws. (No
		// two-vote overstatements: after x = 0, aGRAPA's term at its
		// bound c/m is 1 − c·(1 ± 2 ulp) ≈ 2^-52, which no two orders of
		// operations agree on to better than O(1).)
		cmp[i] = 1 / (2 - margin)
		if r.IntN(10000) < 72 {
			cmp[i] = 0.5 / (2 - margin)
		}
	}
	return poll, cmp, ucmp
}

// refPost is SHANGRLA's post-processing of alpha_mart and betting_mart, index
// by index after the cumprod, transcribed (atol = 2ε, rtol 1e-5 and 1e-6).
func refPost(M, m []float64, sum float64, N int, t, u float64) {
	isclose := func(a, b, rtol float64) bool {
		if math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsNaN(a) || math.IsNaN(b) {
			return a == b
		}
		return math.Abs(a-b) <= atol+rtol*math.Abs(b)
	}
	for j := range M {
		if m[j] > u {
			M[j] = 0
		}
		if isclose(0, m[j], 1e-5) {
			M[j] = 1
		}
		if isclose(u, m[j], 1e-6) {
			M[j] = 1
		}
		if isclose(0, M[j], 1e-5) {
			M[j] = 1
		}
		if m[j] < 0 {
			M[j] = math.Inf(1)
		}
	}
	if N > 0 && sum > float64(N)*t {
		M[len(M)-1] = math.Inf(1)
	}
}

// refSJM is SHANGRLA's sjm: m_j = (N·t − S_j)/(N − j + 1), S_j from a
// sequential cumsum, or t when N is infinite; also returns S_tot.
func refSJM(N int, t float64, x []float64) (m []float64, tot float64) {
	m = make([]float64, len(x))
	S := 0.0
	for j, v := range x {
		if N == 0 {
			m[j] = t
		} else {
			m[j] = (float64(N)*t - S) / float64(N-j)
		}
		S += v
	}
	return m, S
}

func refHistory(M []float64) []float64 {
	h := make([]float64, len(M))
	for j, v := range M {
		h[j] = math.Min(1, 1/v)
	}
	return h
}

// refAlpha is alpha_mart with fixed_alternative_mean (est "fixed"),
// shrink_trunc ("shrink", f = 0, d = 100, c = (eta−t)/2 − ε) or
// optimal_comparison ("const", eta given).
func refAlpha(x []float64, N int, t, u float64, est string, eta0 float64) []float64 {
	m, eta, tot := refAlphaEta(x, N, t, u, est, eta0)
	M := make([]float64, len(x))
	prod := 1.0
	for j, v := range x {
		prod *= (v*eta[j]/m[j] + (u-v)*(u-eta[j])/(u-m[j])) / u
		M[j] = prod
	}
	refPost(M, m, tot, N, t, u)
	return refHistory(M)
}

// refAlphaEta returns refAlpha's m_j and eta_j, and the sample total.
func refAlphaEta(x []float64, N int, t, u float64, est string, eta0 float64) (m, eta []float64, tot float64) {
	m, tot = refSJM(N, t, x)
	eta = make([]float64, len(x))
	S := 0.0
	for j, v := range x {
		switch est {
		case "fixed":
			if N == 0 {
				eta[j] = eta0
			} else {
				eta[j] = (float64(N)*eta0 - S) / float64(N-j)
			}
		case "const":
			eta[j] = eta0
		case "shrink":
			d, c := 100.0, (eta0-t)/2-eps
			weighted := (d*eta0 + S) / (d + float64(j))
			tol := c / math.Sqrt(d+float64(j))
			eta[j] = math.Min(u*(1-eps)-tol, math.Max(weighted, m[j]*(1+eps)+tol))
		}
		S += v
	}
	return m, eta, tot
}

// exactAlpha is the ALPHA history for N finite computed in 160-bit
// arithmetic from the same inputs as refAlpha (the float64 x_j, S_j and
// eta_j of SHANGRLA's order), with m_j = (N·t − S_j)/(N − j + 1) exact: the
// reference against which both orders of float64 operations are measured.
// Only for samples whose M stays in (1, 2^1000) (no post-processing).
func exactAlpha(x []float64, N int, t, u float64, eta []float64) []float64 {
	const prec = 160
	f := func(v float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(v) }
	U, one := f(u), f(1)
	prod := f(1)
	h := make([]float64, len(x))
	S := 0.0
	for j, v := range x {
		P := f(0).Sub(f(float64(N)*t), f(S))
		m := P.Quo(P, f(float64(N-j)))
		X, E := f(v), f(eta[j])
		a := f(0).Mul(X, E)
		a.Quo(a, m)
		b := f(0).Sub(U, X)
		b.Mul(b, f(0).Sub(U, E))
		b.Quo(b, f(0).Sub(U, m))
		a.Add(a, b)
		prod.Mul(prod, a.Quo(a, U))
		h[j], _ = f(0).Quo(one, prod).Float64()
		h[j] = min(h[j], 1)
		S += v
	}
	return h
}

// refBetting is betting_mart with agrapa (lam 1/2, c = 1 − ε, grow 0). With
// exactMean, the running mean is S_k/k instead of Welford's recursion (the
// variance still from Welford's m2), to size SHANGRLA's own drift: two
// correct orders of operations.
func refBetting(x []float64, N int, t, u float64, exactMean bool) []float64 {
	m, tot := refSJM(N, t, x)
	lam := make([]float64, len(x))
	// welford_mean_var over x_1..x_j, then raw_j with t_adj = m_j.
	raw := make([]float64, len(x))
	mean, m2, S := 0.0, 0.0, 0.0
	for j, v := range x {
		k := float64(j + 1)
		old := mean
		S += v
		if exactMean {
			mean = S / k
		} else {
			mean = old + (v-old)/k
		}
		m2 += (v - old) * (v - mean)
		raw[j] = (mean - m[j]) / (m2/k + (m[j]-mean)*(m[j]-mean))
	}
	c := 1 - eps
	for j := range x {
		l := 0.5
		if j > 0 {
			l = raw[j-1]
		}
		lam[j] = math.Max(0, math.Min(c/m[j], l))
	}
	M := make([]float64, len(x))
	prod := 1.0
	for j, v := range x {
		prod *= 1 + lam[j]*(v-m[j])
		M[j] = prod
	}
	refPost(M, m, tot, N, t, u)
	return refHistory(M)
}

// refKK is kaplan_kolmogorov: sjm(N, t+g, x+g), M = cumprod((x+g)/m), +Inf
// where m < 0.
func refKK(x []float64, N int, t, g float64) []float64 {
	xg := make([]float64, len(x))
	for j, v := range x {
		xg[j] = v + g
	}
	m, _ := refSJM(N, t+g, xg)
	M := make([]float64, len(x))
	prod := 1.0
	for j, v := range xg {
		prod *= v / m[j]
		M[j] = prod
		if m[j] < 0 {
			M[j] = math.Inf(1)
		}
	}
	return refHistory(M)
}

// refWald is rlakit's Wald SPRT (one product, terms clamped at 0) in
// SHANGRLA's order for the terms, eta_j the fixed alternative mean.
func refWald(x []float64, N int, t, u, eta0 float64) []float64 {
	m, tot := refSJM(N, t, x)
	M := make([]float64, len(x))
	prod, S := 1.0, 0.0
	for j, v := range x {
		eta := eta0
		if N > 0 {
			eta = (float64(N)*eta0 - S) / float64(N-j)
		}
		term := (v*eta/m[j] + (u-v)*(u-eta)/(u-m[j])) / u
		prod *= max(term, 0)
		M[j] = prod
		if m[j] < 0 {
			M[j] = math.Inf(1)
		}
		S += v
	}
	if N > 0 && tot > float64(N)*t {
		M[len(M)-1] = math.Inf(1)
	}
	return refHistory(M)
}

// maxRelDiff is the largest relative difference between histories a and b
// over the entries where both are in (0, 1): not clamped, not underflowed.
// It also returns how many entries were compared.
func maxRelDiff(a, b []float64) (float64, int) {
	worst, n := 0.0, 0
	for j := range a {
		if !(a[j] > 0 && a[j] < 1 && b[j] > 0 && b[j] < 1) {
			continue
		}
		n++
		worst = max(worst, math.Abs(a[j]-b[j])/b[j])
	}
	return worst, n
}

func TestLongSamples(t *testing.T) {
	n := longSampleSize
	if testing.Short() {
		n = 200_000
	}
	poll, cmp, ucmp := longSamples(n)
	type tc struct {
		name string
		test Test
		x    []float64
		ref  func() []float64
		tol  float64
	}
	var cases []tc
	for _, N := range []int{0, n + 1000, 3 * n} {
		pop := Population{N: N}
		cpop := Population{N: N, U: ucmp}
		cases = append(cases,
			tc{"alpha_fixed", Alpha{Population: pop, Estimator: FixedAlternativeMean{Eta: 0.51}}, poll,
				func() []float64 { return refAlpha(poll, N, 0.5, 1, "fixed", 0.51) }, longTol},
			tc{"alpha_shrink", Alpha{Population: pop, Estimator: ShrinkTrunc{Eta: 0.55}}, poll,
				func() []float64 { return refAlpha(poll, N, 0.5, 1, "shrink", 0.55) }, longTol},
			tc{"alpha_optimal_comparison", Alpha{Population: cpop, Estimator: OptimalComparison{}}, cmp,
				func() []float64 {
					p2 := 1e-5
					eta := (1-ucmp*(1-p2))/(2-2*ucmp) + ucmp*(1-p2) - 1.0/2
					return refAlpha(cmp, N, 0.5, ucmp, "const", eta)
				}, longTol},
			tc{"alpha_shrink_comparison", Alpha{Population: cpop, Estimator: ShrinkTrunc{}}, cmp,
				func() []float64 { return refAlpha(cmp, N, 0.5, ucmp, "shrink", ucmp*(1-eps)) }, longShrinkCmpTol},
			tc{"betting_agrapa", Betting{Population: pop, Bet: AGRAPA{}}, poll,
				func() []float64 { return refBetting(poll, N, 0.5, 1, false) }, longAGRAPATol},
			tc{"betting_agrapa_comparison", Betting{Population: cpop, Bet: AGRAPA{}}, cmp,
				func() []float64 { return refBetting(cmp, N, 0.5, ucmp, false) }, longAGRAPATol},
			tc{"wald_sprt", WaldSPRT{Population: pop, Eta: 0.51}, poll,
				func() []float64 { return refWald(poll, N, 0.5, 1, 0.51) }, longTol},
		)
		if N > 0 {
			cases = append(cases, tc{"kaplan_kolmogorov", KaplanKolmogorov{Population: cpop, G: 0.05}, cmp,
				func() []float64 { return refKK(cmp, N, 0.5, 0.05) }, longTol})
		}
	}
	for _, c := range cases {
		res, err := c.test.Risk(c.x)
		if err != nil {
			t.Fatal(err)
		}
		want := c.ref()
		worst, compared := maxRelDiff(res.History, want)
		t.Logf("%-26s N=%-8d compared %7d of %d: max relative difference %.3g (tolerance %g)",
			c.name, populationOf(c.test).N, compared, len(want), worst, c.tol)
		if compared < len(want)/10 {
			t.Errorf("%s N=%d: only %d history entries in (0, 1): the sample does not exercise the test",
				c.name, populationOf(c.test).N, compared)
		}
		if worst > c.tol {
			t.Errorf("%s N=%d: history differs from SHANGRLA's order by %.3g relative, tolerance %g",
				c.name, populationOf(c.test).N, worst, c.tol)
		}
	}
	// Where the fast form differs from SHANGRLA's order by more than
	// 1e-12 (shrink_trunc on comparison data), both against the exact
	// product: the drift is SHANGRLA's order's.
	{
		const N = 3 * longSampleSize
		nx := min(500_000, n)
		x := cmp[:nx]
		m, eta, _ := refAlphaEta(x, N, 0.5, ucmp, "shrink", ucmp*(1-eps))
		_ = m
		exact := exactAlpha(x, N, 0.5, ucmp, eta)
		res, err := Alpha{Population: Population{N: N, U: ucmp}, Estimator: ShrinkTrunc{}}.Risk(x)
		if err != nil {
			t.Fatal(err)
		}
		ref := refAlpha(x, N, 0.5, ucmp, "shrink", ucmp*(1-eps))
		ours, _ := maxRelDiff(res.History, exact)
		theirs, _ := maxRelDiff(ref, exact)
		last := func(h []float64) float64 { return (h[nx-1] - exact[nx-1]) / exact[nx-1] }
		t.Logf("shrink_trunc, comparison data, %d draws, against the exact product: fast form max %.3g (last %.3g), SHANGRLA's order max %.3g (last %.3g)",
			nx, ours, last(res.History), theirs, last(ref))
		if ours > longTol {
			t.Errorf("shrink_trunc: fast form differs from the exact product by %.3g", ours)
		}
	}
	// SHANGRLA's own drift in aGRAPA: its order against its order with the
	// mean S_k/k.
	for _, N := range []int{0, 3 * n} {
		worst, _ := maxRelDiff(refBetting(poll, N, 0.5, 1, true), refBetting(poll, N, 0.5, 1, false))
		t.Logf("agrapa, SHANGRLA's order vs the same with the mean S_k/k, N=%d: %.3g", N, worst)
	}
}
