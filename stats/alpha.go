package stats

import (
	"math"
)

// Alpha is the ALPHA supermartingale test (Stark 2023, "ALPHA: Audit that
// Learns from Previously Hand-Audited Ballots", Annals of Applied Statistics
// 17(1), eq. 4; SHANGRLA's alpha_mart). With m_j the null mean of the values
// not yet drawn (see [Population]) and eta_j an estimate of the true mean
// that uses only x_1..x_{j-1},
//
//	M_j = ∏_{i≤j} [ x_i·eta_i/m_i + (U−x_i)(U−eta_i)/(U−m_i) ] / U,
//
// and the p-value is min(1, 1/max_j M_j). History entry j is min(1, 1/M_j)
// after SHANGRLA's per-draw adjustments: M_j = 1 where m_j is 0 or U (to
// within tolerance) or M_j is 0 (to within 2^-51); M_j = +Inf where m_j < 0;
// and the last M is +Inf if the sample total exceeds N·T.
//
// Floating point: with N infinite, rlakit computes SHANGRLA's operations in
// SHANGRLA's order, to the bit. With N finite, where m_j is in (10^-14,
// U(1 − 10^-3)), the term is computed with one division (two for
// shrink_trunc) instead of SHANGRLA's four or five (m_j, eta_j, the two
// ratios, /U; see alphaStream.coefs): each term is within a few ulps of SHANGRLA's. Over
// 10^6 draws of polling and comparison data the history agrees with
// SHANGRLA's order to 4.2e-13 relative (fixed_alternative_mean,
// optimal_comparison, shrink_trunc on polling data) and 1.1e-12 (shrink_trunc
// on comparison data, where SHANGRLA's order itself drifts from the exact
// product by 3.9e-13 and rlakit's stays within 1e-13); see TestLongSamples. Risk and
// the Stream give the same bits.
//
// The zero value is ALPHA for sampling with replacement from [0, 1], null
// mean 1/2, with the fixed alternative mean 3/4.
type Alpha struct {
	Population
	// Estimator gives eta_j; nil selects FixedAlternativeMean{} (eta = T + (U−T)/2).
	Estimator Estimator
}

// Estimator is an estimator of the population mean for [Alpha]:
// [FixedAlternativeMean], [ShrinkTrunc] or [OptimalComparison].
type Estimator interface {
	// Name is SHANGRLA's name for the estimator.
	Name() string
	start(p Population) (estState, error)
}

// FixedAlternativeMean is the estimator eta_j = (N·Eta − S_j)/(N − j + 1),
// the mean of the values not yet drawn if the population mean were Eta (or
// Eta itself when N is infinite); SHANGRLA's fixed_alternative_mean.
type FixedAlternativeMean struct {
	// Eta is the alternative mean, in (T, U]; 0 selects T + (U−T)/2.
	Eta float64
}

// ShrinkTrunc is the shrink-and-truncate estimator of Stark (2023, eq. 8;
// SHANGRLA's shrink_trunc): with S_j the sum of the first j−1 draws,
// sd_j the population standard deviation of those draws (1 for j ≤ 2, at
// least MinSD after), tol_j = C/√(D+j−1) and m_j the null mean,
//
//	weighted_j = [(D·Eta + S_j)/(D + j − 1) + U·F/sd_j] / (1 + F/sd_j),
//	eta_j = min( U(1−ε) − tol_j, max(weighted_j, m_j(1+ε) + tol_j) ),
//
// with ε = 2^-52.
type ShrinkTrunc struct {
	// Eta is the prior guess of the mean, in (T, U]; 0 selects U(1−2^-52).
	Eta float64
	// C > 0 sets how far above the null mean eta_j must stay; 0 selects
	// (Eta−T)/2 − 2^-52. If U−C < T+C, C becomes (U−C)/2, as in SHANGRLA.
	C float64
	// D > 0 is the weight of Eta, in draws; 0 selects 100.
	D float64
	// F ≥ 0 is the weight of U relative to the sample mean; default 0.
	F float64
	// MinSD > 0 is the smallest standard deviation used; 0 selects 1e-6.
	MinSD float64
}

// OptimalComparison is the constant estimator for comparison audits of
// SHANGRLA's optimal_comparison, for overstatement assorters with upper
// bound U > 1:
//
//	eta = (1 − U(1−p2))/(2 − 2U) + U(1−p2) − 1/2,
//
// where p2 = ErrorRate2 is the assumed rate of two-vote overstatements. As in
// SHANGRLA, eta does not depend on N or on the data.
type OptimalComparison struct {
	// ErrorRate2 is p2, in [0, 1); 0 selects 1e-5.
	ErrorRate2 float64
}

// Name implements Estimator.
func (FixedAlternativeMean) Name() string { return "fixed_alternative_mean" }

// Name implements Estimator.
func (ShrinkTrunc) Name() string { return "shrink_trunc" }

// Name implements Estimator.
func (OptimalComparison) Name() string { return "optimal_comparison" }

const (
	estFixed = iota
	estShrink
	estConst
)

// estState is the running state of an estimator. One struct with a kind
// keeps the per-draw path free of interface calls.
type estState struct {
	kind int
	eta  float64 // fixed: Eta; shrink: Eta; const: the constant
	neta float64 // fixed: N·Eta
	// shrink_trunc
	deta, d, c, f, minsd, umax, uf float64
	tolB                           float64 // a tol of an earlier draw, or +Inf
	w                              welford
}

func (e FixedAlternativeMean) start(p Population) (estState, error) {
	eta := e.Eta
	if eta == 0 {
		eta = p.T + (p.U-p.T)/2
	}
	if !finite(eta) || eta <= 0 {
		return estState{}, inputErr("alpha_mart", "fixed_alternative_mean: eta = %v must be positive and finite", eta)
	}
	return estState{kind: estFixed, eta: eta, neta: float64(p.N) * eta}, nil
}

func (e ShrinkTrunc) start(p Population) (estState, error) {
	const name = "alpha_mart"
	s := estState{kind: estShrink, eta: e.Eta, c: e.C, d: e.D, f: e.F, minsd: e.MinSD}
	if s.eta == 0 {
		s.eta = p.U * (1 - eps)
	}
	if s.c == 0 {
		s.c = (s.eta-p.T)/2 - eps
	}
	if p.U-s.c < p.T+s.c {
		s.c = (p.U - s.c) / 2 // as SHANGRLA (it warns)
	}
	if s.d == 0 {
		s.d = 100
	}
	if s.minsd == 0 {
		s.minsd = 1e-6
	}
	switch {
	case !finite(s.eta) || s.eta <= 0:
		return s, inputErr(name, "shrink_trunc: eta = %v must be positive and finite", s.eta)
	case !finite(s.c) || s.c < 0:
		return s, inputErr(name, "shrink_trunc: c = %v must be non-negative", s.c)
	case !finite(s.d) || s.d <= 0:
		return s, inputErr(name, "shrink_trunc: d = %v must be positive", s.d)
	case !finite(s.f) || s.f < 0:
		return s, inputErr(name, "shrink_trunc: f = %v must be non-negative", s.f)
	case !finite(s.minsd) || s.minsd <= 0:
		return s, inputErr(name, "shrink_trunc: minsd = %v must be positive", s.minsd)
	}
	s.deta = s.d * s.eta
	s.tolB = math.Inf(1)
	s.umax = p.U * (1 - eps)
	s.uf = p.U * s.f
	return s, nil
}

func (e OptimalComparison) start(p Population) (estState, error) {
	p2 := e.ErrorRate2
	if p2 == 0 {
		p2 = 1e-5
	}
	if !finite(p2) || p2 < 0 || p2 >= 1 {
		return estState{}, inputErr("alpha_mart", "optimal_comparison: error_rate_2 = %v must be in [0, 1)", p2)
	}
	if p.U <= 1 {
		return estState{}, inputErr("alpha_mart", "optimal_comparison: needs u > 1 (an overstatement assorter), got u = %v", p.U)
	}
	u := p.U
	eta := (1-u*(1-p2))/(2-2*u) + u*(1-p2) - 1.0/2
	return estState{kind: estConst, eta: eta}, nil
}

// next returns eta_j for draw j = n+1, given the sum of the first n draws
// and the null mean m_j.
func (e *estState) next(N, n int, sum, m, u float64) float64 {
	switch e.kind {
	case estFixed:
		return nullMean(N, e.neta, e.eta, sum, n)
	case estConst:
		return e.eta
	}
	dj := e.d + float64(n)
	weighted := (e.deta + sum) / dj
	if e.f != 0 {
		// With f = 0 the weights are exactly 0 and 1, so the standard
		// deviation is not needed.
		sd := 1.0
		if n >= 2 {
			sd = max(math.Sqrt(e.w.m2/float64(n)), e.minsd)
		}
		weighted = (weighted + e.uf/sd) / (1 + e.f/sd)
	}
	lo := m * (1 + eps)
	// tol_j = c/√(d+j−1) does not increase with j (each rounded operation
	// is monotone), so tolB, an earlier tol, bounds it: where weighted lies
	// in [lo + tolB, umax − tolB] (as computed) it lies in [lo + tol_j,
	// umax − tol_j], and eta_j is weighted without the square root.
	if weighted > 0 && weighted >= lo+e.tolB && weighted <= e.umax-e.tolB {
		return weighted
	}
	tol := e.c / math.Sqrt(dj)
	e.tolB = tol
	// The builtin min and max propagate NaN, as numpy's minimum and maximum.
	return min(e.umax-tol, max(weighted, lo+tol))
}

// welford is Welford's running mean and sum of squared deviations, updated
// exactly as SHANGRLA's welford_mean_var.
type welford struct {
	k        int
	mean, m2 float64
}

func (w *welford) add(x float64) {
	w.k++
	old := w.mean
	w.mean = old + (x-old)/float64(w.k)
	w.m2 += (x - old) * (x - w.mean)
}

// popVar is the population variance of the values added.
func (w *welford) popVar() float64 { return w.m2 / float64(w.k) }

// Name implements Test.
func (Alpha) Name() string { return "alpha_mart" }

// Risk implements Test.
func (a Alpha) Risk(x []float64) (Result, error) {
	s, err := a.start()
	if err != nil {
		return Result{}, err
	}
	h := make([]float64, len(x))
	for i := 0; i < len(x); i++ {
		if s.fast && (s.coef || s.pure) {
			if i = s.run(x, h, i); i == len(x) {
				break
			}
		}
		if err := s.Add(x[i]); err != nil {
			return Result{}, err
		}
		h[i] = s.tail.last()
	}
	return finish(s, h), nil
}

// Start implements Test.
func (a Alpha) Start() (Stream, error) {
	s, err := a.start()
	if err != nil || s.pop.N == 0 {
		return s, err
	}
	// With N finite, a stream whose Add has the fast path of its estimator
	// alone (the same operations as alphaStream.Add).
	switch s.est.kind {
	case estFixed:
		return alphaFixedStream{s}, nil
	case estConst:
		return alphaConstStream{s}, nil
	}
	if s.est.f == 0 {
		return alphaShrinkStream{s}, nil
	}
	return s, nil
}

// alphaFixedStream, alphaConstStream and alphaShrinkStream are alphaStream
// with N finite and one estimator: Add's fast path (coefs' form of the term)
// without the tests and loads of the others, and alphaStream.Add for any
// other case. They compute the same operations as alphaStream.Add.
type (
	alphaFixedStream  struct{ *alphaStream }
	alphaConstStream  struct{ *alphaStream }
	alphaShrinkStream struct{ *alphaStream }
)

// Add implements Stream: alphaStream.Add for fixed_alternative_mean, whose
// e1 and e2 are 1.
func (w alphaFixedStream) Add(x float64) error {
	s := w.alphaStream
	n := s.tail.n
	if !(s.fast && s.coef && x >= 0 && x <= s.g.xmax && n < s.g.nmax) {
		return s.Add(x)
	}
	u := s.pop.U
	sum := s.sum + x
	D := float64(s.pop.N - n - 1)
	P := s.nt - sum
	Q := u*D - P
	ok1 := P > mLo*D && Q > s.qlo*D
	var ca1, cb1 float64
	if ok1 {
		A := s.est.neta - sum
		ca1, cb1 = coefsOf(A, u*D-A, P, Q, u)
	}
	f := s.prod.f * (x*s.ca + (u-x)*s.cb)
	v := f * s.prod.scale // scaled.value, with slow false
	if !stepOK(f, v) {
		return s.add(x)
	}
	s.commit(f, postClear(v), sum)
	if ok1 {
		s.ca, s.cb, s.e1, s.e2 = ca1, cb1, 1, 1 // coef and fast stay set
		return nil
	}
	s.prepare()
	return nil
}

// Add implements Stream: alphaStream.Add for optimal_comparison.
func (w alphaConstStream) Add(x float64) error {
	s := w.alphaStream
	n := s.tail.n
	if !(s.fast && s.coef && x >= 0 && x <= s.g.xmax && n < s.g.nmax) {
		return s.Add(x)
	}
	u := s.pop.U
	sum := s.sum + x
	D := float64(s.pop.N - n - 1)
	P := s.nt - sum
	Q := u*D - P
	ok1 := P > mLo*D && Q > s.qlo*D
	var ca1, cb1 float64
	if ok1 {
		ca1, cb1 = recipsOf(D, P, Q, u)
	}
	f := s.prod.f * (x*s.e1*s.ca + (u-x)*s.e2*s.cb)
	v := f * s.prod.scale // scaled.value, with slow false
	if !stepOK(f, v) {
		return s.add(x)
	}
	s.commit(f, postClear(v), sum)
	if ok1 {
		s.ca, s.cb = ca1, cb1 // coef, fast, e1 and e2 stay set
		return nil
	}
	s.prepare()
	return nil
}

// Add implements Stream: alphaStream.Add for shrink_trunc with F = 0.
func (w alphaShrinkStream) Add(x float64) error {
	s := w.alphaStream
	n := s.tail.n
	if !(s.fast && s.coef && x >= 0 && x <= s.g.xmax && n < s.g.nmax) {
		return s.Add(x)
	}
	u := s.pop.U
	sum := s.sum + x
	D := float64(s.pop.N - n - 1)
	P := s.nt - sum
	Q := u*D - P
	ok1 := P > mLo*D && Q > s.qlo*D
	var w1, ca1, cb1 float64
	if ok1 {
		e := &s.est
		w1, ca1, cb1 = shrinkCoefs(e.deta+sum, e.d+float64(n+1), D, P, Q, u)
		ok1 = w1 > 0 && (P+e.tolB*D)*(1+1e-12) <= w1*D && w1 <= e.umax-e.tolB
	}
	f := s.prod.f * (x*s.e1*s.ca + (u-x)*s.e2*s.cb)
	v := f * s.prod.scale // scaled.value, with slow false
	if !stepOK(f, v) {
		return s.add(x)
	}
	s.commit(f, postClear(v), sum)
	if ok1 {
		s.ca, s.cb, s.e1, s.e2 = ca1, cb1, w1, u-w1 // coef and fast stay set
		return nil
	}
	s.prepare()
	return nil
}

// commit records, at the end of Add's fast path, the draw whose product
// fraction is f, value v, and which brings the sample total to sum.
func (s *alphaStream) commit(f, v, sum float64) {
	s.prod.f = f
	s.tail.n++
	s.tail.lastM = v
	if v > s.tail.max {
		s.tail.max = v
	}
	s.sum = sum
}

func (a Alpha) start() (*alphaStream, error) {
	p, err := a.Population.resolved("alpha_mart")
	if err != nil {
		return nil, err
	}
	est := a.Estimator
	if est == nil {
		est = FixedAlternativeMean{}
	}
	e, err := est.start(p)
	if err != nil {
		return nil, err
	}
	s := &alphaStream{pop: p, g: newGuard(p), nt: float64(p.N) * p.T, est: e, prod: one(), tail: newTail()}
	s.qlo = 1e-3 * p.U
	// With replacement and a constant eta, the term depends on x alone.
	s.pure = p.N == 0 && e.kind != estShrink
	s.memo.reset()
	s.shrinkVar = e.kind == estShrink && e.f != 0
	s.prepare()
	return s, nil
}

type alphaStream struct {
	pop  Population
	g    guard
	nt   float64
	sum  float64
	est  estState
	prod scaled
	tail tail
	pure bool // the term is a function of x alone: memo holds it
	memo memo

	// Unless pure, the next draw j = N()+1's term is computed from what
	// prepare (or Add's fast path) leaves here when the previous draw is
	// added, so that the division behind it runs while the caller fetches
	// the next observation. Where coef is set, the term is x·ca + (U−x)·cb
	// (see coefs); otherwise it is alphaTerm(x, eta, m, U), with m and eta
	// as SHANGRLA computes them.
	m, eta, ca, cb, e1, e2 float64
	coef                   bool
	// fast: the next draw may take Add's fast path (see Add).
	fast bool
	// shrinkVar: shrink_trunc with f > 0 keeps a running variance.
	shrinkVar bool
	qlo       float64 // 10^-3·U: coefs applies where U − m_j > qlo
}

// mLo is the least m_j, with a margin for its rounding, for which coefs
// applies: m_j > 10^-14 is then clear of post's tests near 0.
const mLo = 1.000001e-14

// alphaTerm is the ALPHA factor [x·eta/m + (u−x)(u−eta)/(u−m)]/u, in
// SHANGRLA's operation order. Dividing by u = 1 is exact, so it is skipped.
func alphaTerm(x, eta, m, u float64) float64 {
	t := x*eta/m + (u-x)*(u-eta)/(u-m)
	if u != 1 {
		t /= u
	}
	return t
}

// coefs returns ca, cb, e1 and e2 such that the ALPHA term of draw j = n+1
// (after n draws whose total is sum) is (x·e1)·ca + ((U−x)·e2)·cb, and ok,
// where m_j lies in
// (10^-14, U(1 − 10^-3)) (so post's tests on m_j pass) and eta_j is known
// without m_j itself. Otherwise (ok false) the caller computes m_j and
// eta_j as SHANGRLA does and uses alphaTerm.
//
// This departs from SHANGRLA's floating-point operation order, to do one
// division per draw (two for shrink_trunc, whose weighted_j is one) instead
// of four (m_j, eta_j, and the two in the term) or five (a division by U ≠
// 1). With D = N − j + 1, P = N·T − S_j (so
// m_j = P/D), Q = U·D − P (= (U − m_j)·D) and A = eta_j·D, B = (U −
// eta_j)·D (for fixed_alternative_mean A = N·Eta − S_j exactly as
// SHANGRLA's numerator, and B = U·D − A),
//
//	x·eta_j/m_j + (U−x)(U−eta_j)/(U−m_j) = [x·A·Q + (U−x)·B·P] / (P·Q),
//
// so with z = 1/(P·Q·U), ca = A·(Q·z) and cb = B·(P·z) (e1 = e2 = 1). Where
// eta_j is a number in its own right (optimal_comparison's constant,
// shrink_trunc's estimate), e1 = eta_j, e2 = U − eta_j, and with z =
// D/(P·Q·U), ca = Q·z and cb = P·z: the products x·eta_j and
// (U−x)(U−eta_j) are then rounded as SHANGRLA rounds them. (For a constant
// eta and the few distinct values of x of comparison data, those roundings
// are the same at every draw; leaving them out would add up to 10^-11 over
// 10^6 draws.) Each coefficient is within a few ulps of the exact ratio (as
// SHANGRLA's term is), and the roundings vary from draw to draw; the region
// excludes m_j near U, where SHANGRLA's U − m_j loses the digits of the
// rounded m_j and the two would differ by more than 10^-13 relative. Over 10^6 draws the history stays
// within 10^-12 relative of SHANGRLA's order (TestLongSamples). With N
// infinite (shrink_trunc; the other estimators are pure), coefs does not
// apply: SHANGRLA's order is kept.
//
// For shrink_trunc with F = 0, eta_j is weighted_j where estState.next
// would return it (shrinkCoefs computes it with the coefficients), and the
// test of weighted_j against m_j(1+ε) + tolB is made here as (P +
// tolB·D)(1 + 10^-12) ≤ weighted_j·D, which implies it despite the
// roundings. Where it fails, coefs computes m_j and calls next
// (SHANGRLA's order for eta_j).
func (s *alphaStream) coefs(n int, sum float64) (ca, cb, e1, e2 float64, ok bool) {
	u, e := s.pop.U, &s.est
	N := s.pop.N
	if N == 0 {
		// shrink_trunc with replacement: SHANGRLA's order (its m_j = T
		// is a constant, and a constant reciprocal's rounding would be
		// the same in every term and add up over the draws).
		return 0, 0, 0, 0, false
	}
	D := float64(N - n)
	P := s.nt - sum
	Q := u*D - P
	if !(P > mLo*D && Q > s.qlo*D) {
		return 0, 0, 0, 0, false
	}
	switch e.kind {
	case estFixed:
		A := e.neta - sum
		ca, cb = coefsOf(A, u*D-A, P, Q, u)
		return ca, cb, 1, 1, true
	case estConst:
		ca, cb = recipsOf(D, P, Q, u)
		return ca, cb, e.eta, u - e.eta, true
	default:
		if e.f == 0 {
			w, ca, cb := shrinkCoefs(e.deta+sum, e.d+float64(n), D, P, Q, u)
			if w > 0 && (P+e.tolB*D)*(1+1e-12) <= w*D && w <= e.umax-e.tolB {
				return ca, cb, w, u - w, true
			}
		}
		w := e.next(N, n, sum, P/D, u)
		ca, cb = recipsOf(D, P, Q, u)
		return ca, cb, w, u - w, true
	}
}

// coefsOf is coefs' last step for fixed_alternative_mean: ca = A·(Q·z) and
// cb = B·(P·z), z = 1/(P·Q·U).
func coefsOf(A, B, P, Q, u float64) (ca, cb float64) {
	z := 1 / (P * Q * u)
	return A * (Q * z), B * (P * z)
}

// recipsOf is coefs' last step for an eta_j known as a number: Q·z and P·z
// with z = D/(P·Q·U), that is 1/(m_j·U) and 1/((U − m_j)·U).
func recipsOf(D, P, Q, u float64) (qz, pz float64) {
	z := D / (P * Q * u)
	return Q * z, P * z
}

// shrinkCoefs is shrink_trunc's weighted_j = num/dj (num = D_s·Eta + S_j,
// dj = D_s + j − 1, as SHANGRLA computes it) and recipsOf's Q·z and P·z.
// (One division for both, 1/(dj·P·Q·U), was tried: its chain of dependent
// operations made each draw slower than the two independent divisions.)
func shrinkCoefs(num, dj, D, P, Q, u float64) (w, qz, pz float64) {
	qz, pz = recipsOf(D, P, Q, u)
	return num / dj, qz, pz
}

// prepare computes the next draw's term coefficients (or m and eta) and
// fast, from the draws taken so far (the estimator's state included). Add's
// fast path calls coefs with the same arguments, so it is the same number.
func (s *alphaStream) prepare() {
	if s.pure {
		s.m, s.eta = s.pop.T, s.est.eta
		s.coef = false
		s.fast = s.m > 1e-14 && s.m < s.g.mhi && !s.prod.slow
		return
	}
	n := s.tail.n
	ca, cb, e1, e2, ok := s.coefs(n, s.sum)
	s.ca, s.cb, s.e1, s.e2, s.coef = ca, cb, e1, e2, ok
	if !ok {
		N, u := s.pop.N, s.pop.U
		m := nullMean(N, s.nt, s.pop.T, s.sum, n)
		var eta float64
		switch s.est.kind {
		case estConst:
			eta = s.est.eta
		case estFixed:
			eta = nullMean(N, s.est.neta, s.est.eta, s.sum, n)
		default:
			eta = s.est.next(N, n, s.sum, m, u)
		}
		s.m, s.eta = m, eta
	}
	// prod.slow changes only in the general path, which calls prepare
	// afterwards. Without coefs, the fast path takes m clear of 0 and U
	// (guard.post's test).
	s.fast = (ok || s.m > 1e-14 && s.m < s.g.mhi) && !s.prod.slow && !s.shrinkVar
}

// Add takes the next observation. The fast path is the general path (add)
// for the usual case: a valid x, a null mean m_j clear of 0 and U (coefs'
// region, or guard.post's), a term already in memo when pure, and a
// product whose new fraction stays in range and is not NaN. It computes
// the very same operations; any other case goes to add before anything is
// changed.
func (s *alphaStream) Add(x float64) error {
	n := s.tail.n
	if !(s.fast && x >= 0 && x <= s.g.xmax && n < s.g.nmax) {
		return s.add(x)
	}
	u := s.pop.U
	sum := s.sum + x
	var term, ca1, cb1, e11, e21 float64
	ok1 := false
	if s.pure {
		b := math.Float64bits(x)
		i := memoSlot(b)
		if s.memo.key[i] != b {
			return s.add(x)
		}
		term = s.memo.val[i]
	} else {
		// The next draw's coefficients first, so that their division,
		// which waits only for the sum, is under way while this draw's
		// term waits for its own.
		// coefs, inlined for N finite and the estimators' usual cases,
		// with the same operations; prepare does the rest.
		if N := s.pop.N; N > 0 {
			D := float64(N - n - 1)
			P := s.nt - sum
			Q := u*D - P
			if P > mLo*D && Q > s.qlo*D {
				switch e := &s.est; e.kind {
				case estFixed:
					A := e.neta - sum
					ca1, cb1 = coefsOf(A, u*D-A, P, Q, u)
					e11, e21, ok1 = 1, 1, true
				case estConst:
					ca1, cb1 = recipsOf(D, P, Q, u)
					e11, e21, ok1 = e.eta, u-e.eta, true
				default:
					if e.f == 0 {
						w, ca, cb := shrinkCoefs(e.deta+sum, e.d+float64(n+1), D, P, Q, u)
						if w > 0 && (P+e.tolB*D)*(1+1e-12) <= w*D && w <= e.umax-e.tolB {
							ca1, cb1 = ca, cb
							e11, e21, ok1 = w, u-w, true
						}
					}
				}
			}
		}
		if s.coef {
			term = x*s.e1*s.ca + (u-x)*s.e2*s.cb
		} else {
			term = alphaTerm(x, s.eta, s.m, u)
		}
	}
	f := s.prod.f * (term)
	v := f * s.prod.scale // scaled.value, with slow false
	if !stepOK(f, v) {
		return s.add(x)
	}
	s.prod.f = f
	s.tail.push(postClear(v)) // guard.post, m being clear of 0 and u
	s.sum = sum
	if s.pure {
		return nil
	}
	if ok1 {
		s.ca, s.cb, s.e1, s.e2 = ca1, cb1, e11, e21 // coef and fast stay set
		return nil
	}
	s.prepare()
	return nil
}

// run is Add's fast path with coefs' form of the term (N finite) for the
// whole-sample form: from x[i] on, while each draw would take that path and
// the next draw's coefficients come from Add's inlined coefs, it computes
// the same operations as Add, with the stream's state in local variables,
// and sets h to the history entries. It returns the index of
// the first draw it did not take (len(x) at the end), leaving the stream as
// Add would have. There is one loop per estimator, so that each keeps its
// state in registers.
func (s *alphaStream) run(x, h []float64, i int) int {
	e := &s.est
	if s.fast && s.pure {
		return s.runPure(x, h, i)
	}
	if !(s.fast && s.coef && s.pop.N > 0) {
		return i
	}
	switch e.kind {
	case estFixed:
		return s.runFixed(x, h, i)
	case estConst:
		return s.runConst(x, h, i)
	}
	if e.f != 0 {
		return i
	}
	return s.runShrink(x, h, i)
}

// runPure is run where the term is a function of x alone (memo).
func (s *alphaStream) runPure(x, h []float64, i int) int {
	xmax, nmax := s.g.xmax, s.g.nmax
	f, scale, n, sum, last := s.prod.f, s.prod.scale, s.tail.n, s.sum, s.tail.lastM
	mx := s.tail.max
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax && n < nmax) {
			break
		}
		b := math.Float64bits(xi)
		k := memoSlot(b)
		if s.memo.key[k] != b {
			break
		}
		f1 := f * (s.memo.val[k])
		v := f1 * scale // scaled.value, with slow false
		if !stepOK(f1, v) {
			break
		}
		v = postClear(v) // guard.post, m being clear of 0 and u
		f, n, sum, last = f1, n+1, sum+xi, v
		if v > mx {
			mx = v
		}
		h[i] = hist(v)
	}
	s.prod.f, s.tail.n, s.sum, s.tail.lastM, s.tail.max = f, n, sum, last, mx
	return i
}

// runFixed is run for fixed_alternative_mean, whose e1 and e2 are 1 (so
// x·e1 is x and (U−x)·e2 is U−x, exactly).
func (s *alphaStream) runFixed(x, h []float64, i int) int {
	N, u, nt, qlo, xmax, nmax, neta := s.pop.N, s.pop.U, s.nt, s.qlo, s.g.xmax, s.g.nmax, s.est.neta
	f, scale, n, sum, last := s.prod.f, s.prod.scale, s.tail.n, s.sum, s.tail.lastM
	mx := s.tail.max
	ca, cb := s.ca, s.cb
	D := float64(N - n - 1) // N − j + 1 for the next draw j = n+2, counted down exactly
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax && n < nmax) {
			break
		}
		sum1 := sum + xi
		P := nt - sum1
		Q := u*D - P
		if !(P > mLo*D && Q > qlo*D) {
			break
		}
		A := neta - sum1
		ca1, cb1 := coefsOf(A, u*D-A, P, Q, u)
		f1 := f * (xi*ca + (u-xi)*cb)
		v := f1 * scale // scaled.value, with slow false
		if !stepOK(f1, v) {
			break
		}
		v = postClear(v) // guard.post, m being clear of 0 and u
		f, n, sum, last, D = f1, n+1, sum1, v, D-1
		if v > mx {
			mx = v
		}
		ca, cb = ca1, cb1
		h[i] = hist(v)
	}
	s.prod.f, s.tail.n, s.sum, s.tail.lastM, s.tail.max = f, n, sum, last, mx
	s.ca, s.cb = ca, cb
	return i
}

// runConst is run for optimal_comparison: e1 = eta and e2 = U − eta.
func (s *alphaStream) runConst(x, h []float64, i int) int {
	N, u, nt, qlo, xmax, nmax := s.pop.N, s.pop.U, s.nt, s.qlo, s.g.xmax, s.g.nmax
	e1, e2 := s.e1, s.e2
	f, scale, n, sum, last := s.prod.f, s.prod.scale, s.tail.n, s.sum, s.tail.lastM
	mx := s.tail.max
	ca, cb := s.ca, s.cb
	D := float64(N - n - 1) // N − j + 1 for the next draw j = n+2, counted down exactly
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax && n < nmax) {
			break
		}
		sum1 := sum + xi
		P := nt - sum1
		Q := u*D - P
		if !(P > mLo*D && Q > qlo*D) {
			break
		}
		ca1, cb1 := recipsOf(D, P, Q, u)
		f1 := f * (xi*e1*ca + (u-xi)*e2*cb)
		v := f1 * scale // scaled.value, with slow false
		if !stepOK(f1, v) {
			break
		}
		v = postClear(v) // guard.post, m being clear of 0 and u
		f, n, sum, last, D = f1, n+1, sum1, v, D-1
		if v > mx {
			mx = v
		}
		ca, cb = ca1, cb1
		h[i] = hist(v)
	}
	s.prod.f, s.tail.n, s.sum, s.tail.lastM, s.tail.max = f, n, sum, last, mx
	s.ca, s.cb = ca, cb
	return i
}

// runShrink is run for shrink_trunc with F = 0.
func (s *alphaStream) runShrink(x, h []float64, i int) int {
	N, u, nt, qlo, xmax, nmax := s.pop.N, s.pop.U, s.nt, s.qlo, s.g.xmax, s.g.nmax
	deta, d, tolB := s.est.deta, s.est.d, s.est.tolB
	hi := s.est.umax - tolB // tolB does not change on the fast path
	f, scale, n, sum := s.prod.f, s.prod.scale, s.tail.n, s.sum
	mx := s.tail.max
	ca, cb, e1 := s.ca, s.cb, s.e1 // e2 = U − e1
	k := float64(n + 1)            // counted up exactly
	D := float64(N - n - 1)        // N − j + 1 for the next draw j = n+2, counted down exactly
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax && n < nmax) {
			break
		}
		sum1 := sum + xi
		P := nt - sum1
		Q := u*D - P
		if !(P > mLo*D && Q > qlo*D) {
			break
		}
		w, ca1, cb1 := shrinkCoefs(deta+sum1, d+k, D, P, Q, u)
		// Add's test of w; w > 0 follows from the second test, P and D
		// being positive here.
		if !((P+tolB*D)*(1+1e-12) <= w*D && w <= hi) {
			break
		}
		f1 := f * (xi*e1*ca + (u-xi)*(u-e1)*cb)
		v := f1 * scale // scaled.value, with slow false
		if !stepOK(f1, v) {
			break
		}
		v = postClear(v) // guard.post, m being clear of 0 and u
		f, n, sum, D, k = f1, n+1, sum1, D-1, k+1
		if v > mx {
			mx = v
		}
		ca, cb, e1 = ca1, cb1, w
		h[i] = hist(v)
	}
	if n != s.tail.n {
		s.tail.lastM = postClear(f * scale) // the last draw's v
	}
	s.prod.f, s.tail.n, s.sum, s.tail.max = f, n, sum, mx
	s.ca, s.cb, s.e1, s.e2 = ca, cb, e1, u-e1
	return i
}

func (s *alphaStream) add(x float64) error {
	u, n := s.pop.U, s.tail.n
	if !s.g.ok(x, n) {
		return checkObs("alpha_mart", x, u, n, s.pop.N)
	}
	var m, term float64
	switch {
	case s.pure:
		m = s.pop.T
		b := math.Float64bits(x)
		i := memoSlot(b)
		if s.memo.key[i] == b {
			term = s.memo.val[i]
		} else {
			term = alphaTerm(x, s.est.eta, m, u)
			s.memo.key[i], s.memo.val[i] = b, term
		}
	case s.coef:
		term = x*s.e1*s.ca + (u-x)*s.e2*s.cb
	default:
		m = s.m
		term = alphaTerm(x, s.eta, m, u)
	}
	s.prod.mul(term)
	if s.coef {
		s.tail.record(postClear(s.prod.value()))
	} else {
		s.tail.record(s.g.post(s.prod.value(), m, u))
	}
	s.sum += x
	if s.shrinkVar {
		// The running variance is used only when f > 0.
		s.est.w.add(x)
	}
	s.prepare()
	return nil
}

// P and Last first note whether the sample total exceeds N·T (the last M
// is then +Inf).
func (s *alphaStream) P() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.p()
}
func (s *alphaStream) Last() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.lastFinal()
}
func (s *alphaStream) rawLast() float64 { return s.tail.last() }
func (s *alphaStream) N() int           { return s.tail.n }
