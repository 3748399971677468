package stats

import (
	"errors"
	"fmt"
	"math"
)

// Test is a risk-measuring function: a sequential test of the null
// hypothesis that the population mean is at most its null mean T.
type Test interface {
	// Risk returns the p-value of the whole sample x (in draw order) and
	// its per-draw history, as SHANGRLA returns them.
	Risk(x []float64) (Result, error)
	// Start returns a Stream positioned before the first draw. It fails
	// when the test cannot be computed one draw at a time (KellyOptimal
	// without a population).
	Start() (Stream, error)
	// Name is SHANGRLA's name for the test ("alpha_mart", ...).
	Name() string
}

// Stream is the sequential form of a Test: it takes one observation at a
// time and reports the p-value of the sample so far, so an audit continues
// round after round without recomputing. Its state is in memory; to resume
// in another process, replay the recorded observations into a new Stream
// (the result is bit-identical). A Stream is not safe for concurrent use.
type Stream interface {
	// Add takes the next observation. A NaN, an infinity or a value outside
	// [0, U] is an error and leaves the stream unchanged.
	Add(x float64) error
	// P is the p-value of the observations so far: Risk(x[:N()]).P. It is 1
	// before the first observation.
	P() float64
	// Last is the history entry of the last observation:
	// Risk(x[:N()]).History[N()-1]. It is 1 before the first observation.
	Last() float64
	// N is the number of observations taken.
	N() int
}

// Result is what a test returns for a whole sample.
type Result struct {
	// P is the p-value: min(1, 1/max_j M_j) for the martingale tests.
	P float64
	// History holds, for each draw j, min(1, 1/M_j): the p-value the test
	// would give if the sample stopped there, without the running minimum.
	// Its last entry takes into account that the sample is complete.
	History []float64
}

// ErrInput is wrapped by every error about the data or the parameters, so a
// caller can tell bad input from other failures with errors.Is.
var ErrInput = errors.New("invalid input")

const (
	eps  = 0x1p-52 // numpy's finfo(float).eps
	atol = 2 * eps // SHANGRLA's default absolute tolerance
)

func inputErr(test, format string, args ...any) error {
	return fmt.Errorf("stats: %s: %s: %w", test, fmt.Sprintf(format, args...), ErrInput)
}

// Population holds the parameters that every test shares: the population
// size, the null mean and the upper bound. The zero value is sampling with
// replacement from [0, 1] with null mean 1/2.
type Population struct {
	// N is the population size; 0 means infinite (sampling with
	// replacement). A finite N must be at least the sample size.
	N int
	// T is the null mean, in (0, U); 0 selects 1/2.
	T float64
	// U is the upper bound of the population values, > 0; 0 selects 1.
	U float64
}

// resolved returns the population with defaults filled in, or an error.
func (p Population) resolved(test string) (Population, error) {
	if p.T == 0 {
		p.T = 0.5
	}
	if p.U == 0 {
		p.U = 1
	}
	switch {
	case p.N < 0:
		return p, inputErr(test, "N = %d must be positive, or 0 for sampling with replacement", p.N)
	case !finite(p.U) || p.U <= 0:
		return p, inputErr(test, "u = %v must be positive and finite", p.U)
	case !finite(p.T) || p.T <= 0 || p.T >= p.U:
		return p, inputErr(test, "t = %v must be in (0, u = %v)", p.T, p.U)
	}
	return p, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkObs validates the next observation of a stream that has taken n.
func checkObs(test string, x, u float64, n, N int) error {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return inputErr(test, "x[%d] = %v is not a finite number", n, x)
	case x < 0:
		return inputErr(test, "x[%d] = %v is negative", n, x)
	case x > u*(1+1e-9):
		return inputErr(test, "x[%d] = %v exceeds the upper bound u = %v", n, x, u)
	case N > 0 && n >= N:
		return inputErr(test, "x[%d]: sample larger than the population N = %d", n, N)
	}
	return nil
}

// scaled is a running product kept as f·2^e. It is renormalised only when
// |f| leaves [2^-300, 2^300], so while the plain product stays in the normal
// range, value() is that product bit for bit (scaling by a power of two
// commutes with rounding).
type scaled struct {
	f float64
	e int
	// value() is f·scale, one rounding of the exact f·2^e as math.Ldexp
	// gives it, unless slow is set (see setScale).
	scale float64
	slow  bool
}

func one() scaled { return scaled{f: 1, scale: 1} }

func (s *scaled) mul(t float64) {
	s.f *= t
	// The biased exponent leaves [1023-300, 1023+300]: |f| is outside
	// about [2^-300, 2^301), or f is 0, infinite or NaN.
	if (math.Float64bits(s.f)>>52&0x7ff)-(1023-300) > 600 {
		s.renorm()
	}
}

func (s *scaled) renorm() {
	if a := math.Abs(s.f); a != 0 && a <= math.MaxFloat64 {
		fr, ex := math.Frexp(s.f)
		s.f, s.e = fr, s.e+ex
	}
	s.setScale()
}

// setScale chooses scale for the f and e that renorm leaves; until the next
// renorm, f is nonzero and finite with |f| in [2^-300, 2^301) (mul calls
// renorm otherwise). f·2^e, where 2^e is a float64 (even subnormal), is the
// exact value rounded once, as math.Ldexp rounds it. Where e > 1400 it
// overflows to ±Inf, and where e < -1400 it is below half the least
// subnormal and is ±0, so scale is +Inf or 0. A zero, infinite or NaN f
// keeps its value under Ldexp, and is f·1 (it calls renorm again at every
// mul, since its exponent is out of range). Between ±1023 and ±1400, slow.
func (s *scaled) setScale() {
	s.slow = false
	switch a := math.Abs(s.f); {
	case a == 0 || !(a <= math.MaxFloat64):
		s.scale = 1
	case s.e >= -1074 && s.e <= 1023:
		s.scale = math.Ldexp(1, s.e)
	case s.e > 1400:
		s.scale = math.Inf(1)
	case s.e < -1400:
		s.scale = 0
	default:
		s.slow = true
	}
}

func (s scaled) value() float64 {
	if s.slow {
		return ldexp(s.f, s.e)
	}
	return s.f * s.scale
}

// ldexp is math.Ldexp(f, e), bit for bit, without the call when the result
// is normal, infinite or zero. It serves where 2^e is not a float64 (see
// setScale) and mix_betting's general path.
func ldexp(f float64, e int) float64 {
	b := math.Float64bits(f)
	be := int(b >> 52 & 0x7ff)
	if be == 0 || be == 0x7ff || e < -1<<20 || e > 1<<20 {
		return math.Ldexp(f, e) // f zero, subnormal, infinite or NaN
	}
	switch E := be + e; {
	case E >= 0x7ff:
		return math.Copysign(math.Inf(1), f) // overflow, as Ldexp
	case E < -52:
		return math.Copysign(0, f) // below half the least subnormal, as Ldexp
	case E >= 1:
		return math.Float64frombits(b&^(0x7ff<<52) | uint64(E)<<52)
	}
	return math.Ldexp(f, e) // a subnormal result: Ldexp rounds it
}

// guard holds the bounds an observation is checked against on the fast
// path; checkObs gives the error when one fails.
type guard struct {
	xmax float64 // u(1 + 1e-9)
	nmax int     // N, or MaxInt when N is infinite
	mhi  float64 // below this (and above 1e-14) a null mean m is clear of 0 and u for post
}

// post is the per-draw adjustment (see post) with a fast path for the usual
// case: m well inside (0, u) and v clear of 0.
func (g guard) post(v, m, u float64) float64 {
	if m > 1e-14 && m < g.mhi {
		return postClear(v)
	}
	return post(v, m, u)
}

// postClear is post(v, m, u) for a null mean m clear of 0 and u (m in
// (1e-14, u(1 − 3·10^-6))): only its test of v applies.
func postClear(v float64) float64 {
	if v <= 1e-14 && v <= atol+1e-5*math.Abs(v) {
		return 1
	}
	return v
}

// stepOK is the fast paths' test of a step of the running product, f1 =
// f·term, whose value is v = f1·scale (scaled.value, with slow false): false
// where scaled.mul would renormalise f1 or v is NaN, the general path's
// cases. (The fast path then applies postClear, guard.post for a null mean
// clear of 0 and u.)
func stepOK(f1, v float64) bool {
	return (math.Float64bits(f1)>>52&0x7ff)-(1023-300) <= 600 && v == v
}

// push records the post-processed value v of the next draw: tail.record
// for a value the fast paths know is not NaN.
func (t *tail) push(v float64) {
	t.n++
	t.lastM = v
	if v > t.max {
		t.max = v
	}
}

func newGuard(p Population) guard {
	g := guard{xmax: p.U * (1 + 1e-9), nmax: math.MaxInt, mhi: p.U * (1 - 3e-6)}
	if p.N > 0 {
		g.nmax = p.N
	}
	return g
}

// ok reports whether x may be the observation after n others.
func (g guard) ok(x float64, n int) bool { return x >= 0 && x <= g.xmax && n < g.nmax }

// tail is the bookkeeping that turns the martingale values M_j into
// SHANGRLA's p-value and history: the maximum of M so far, NaN stickiness,
// the last M, and whether the sample total already exceeds N·t.
type tail struct {
	n      int
	max    float64 // max_j M_j over the post-processed values; -Inf before any
	nan    bool    // some M_j was NaN: numpy's max is NaN and Python's min(1, NaN) is 1
	lastM  float64 // M_n before the end-of-sample adjustment
	exceed bool    // the sample total exceeds N·t (the last M is then +Inf); streams set it before p and lastFinal
}

func newTail() tail { return tail{max: math.Inf(-1)} }

func (t *tail) record(v float64) {
	t.n++
	t.lastM = v
	if v > t.max {
		t.max = v
	} else if v != v {
		t.nan = true
	}
}

// hist is the history entry min(1, 1/M); rlakit reports 1 for a NaN M.
// Where M > 1 it is 1/M (which is then at most 1), and where M is in [+0, 1]
// it is 1 (1/M is at least 1), so the division is done only where the entry
// is below 1; any other M (negative, −0, NaN) takes the general form.
func hist(v float64) float64 {
	if v > 1 {
		return 1 / v
	}
	if v <= 1 && !math.Signbit(v) {
		return 1
	}
	h := 1 / v
	if !(h < 1) {
		return 1
	}
	return h
}

func (t *tail) p() float64 {
	switch {
	case t.n == 0 || t.nan:
		return 1
	case t.exceed:
		return 0
	}
	return hist(t.max)
}

// last is the history entry of the last draw, before the end-of-sample
// adjustment.
func (t *tail) last() float64 {
	if t.n == 0 {
		return 1
	}
	return hist(t.lastM)
}

func (t *tail) lastFinal() float64 {
	if t.exceed && t.n > 0 {
		return 0
	}
	return t.last()
}

// post applies SHANGRLA's per-index post-processing of alpha_mart and
// betting_mart to the martingale value v at a draw whose null mean is m. In
// SHANGRLA's order: M = 0 where m > u; M = 1 where isclose(0, m) or
// isclose(u, m) (rtol 1e-6); M = 1 where isclose(0, M); M = +Inf where m < 0,
// with numpy's isclose(a, b) = |a−b| <= atol + rtol·|b| (rtol 1e-5), false
// for non-finite values. Since a zero from the first step always becomes 1
// at the third, the steps reduce to the tests below. rlakit also maps a
// negative M (which a valid bet never produces) to 1, "no evidence".
func post(v, m, u float64) float64 {
	switch {
	case m < 0:
		return math.Inf(1)
	case m > u, m <= atol+1e-5*m, math.Abs(u-m) <= atol+1e-6*m:
		return 1
	case v <= 1e-14 && v <= atol+1e-5*math.Abs(v): // false for +Inf, as numpy's isclose
		return 1
	}
	return v
}

// nullMean is SHANGRLA's sjm: the population mean of the values not yet
// drawn if the null is true, m_j = (N t - S_j)/(N - j + 1), or t when N is
// infinite. n = j-1 draws have been taken and their sum is sum.
func nullMean(N int, nt, t, sum float64, n int) float64 {
	if N == 0 {
		return t
	}
	return (nt - sum) / float64(N-n)
}

// memo remembers the terms of a product that depend on the observation
// alone (sampling with replacement with a constant estimate or bet), so that
// the divisions are done once per distinct value: assorter values take few
// distinct values (0, 1/2, 1 for polling; a handful for comparisons). It is
// a 16-slot direct-mapped cache keyed on the bits of x, so a hit returns the
// very value the computation gave.
type memo struct {
	key [16]uint64
	val [16]float64
}

// memoEmpty is a NaN's bits: no valid observation has them.
const memoEmpty = 0x7ff8_0000_0000_0001

func (c *memo) reset() {
	for i := range c.key {
		c.key[i] = memoEmpty
	}
}

func memoSlot(b uint64) uint64 { return (b * 0x9e37_79b9_7f4a_7c15) >> 60 }

// stream is what every Stream of this package implements.
type stream interface {
	Stream
	// rawLast is the history entry of the last draw as SHANGRLA gives it to
	// a draw that is not the last of the sample (without the end-of-sample
	// adjustment).
	rawLast() float64
}

// untilAdder is a stream with a faster addUntil than adding its draws one
// at a time.
type untilAdder interface {
	addUntil(xs []float64, alpha float64) (n int, stop bool, err error)
}

// addUntil adds the draws xs to s in order until the history entry of one
// (rawLast) is at most alpha. It returns how many it added, n (len(xs) if
// no entry reached alpha), and whether the n-th did. An invalid draw gives
// Add's error and the number of draws before it. After a stop, s may have
// taken draws after the one that stopped it (the streams that compute in
// batches take the whole batch), so it is for callers that stop there:
// [SampleSize] and [MonteCarlo].
func addUntil(s stream, xs []float64, alpha float64) (n int, stop bool, err error) {
	if u, ok := s.(untilAdder); ok {
		return u.addUntil(xs, alpha)
	}
	for i, x := range xs {
		if err := s.Add(x); err != nil {
			return i, false, err
		}
		if s.rawLast() <= alpha {
			return i + 1, true, nil
		}
	}
	return len(xs), false, nil
}

// finish returns the whole-sample result of stream s, which has taken the
// whole sample, given the history h of the draws before the last.
func finish(s stream, h []float64) Result {
	if len(h) > 0 {
		h[len(h)-1] = s.Last()
	}
	return Result{P: s.P(), History: h}
}
