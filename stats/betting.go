package stats

import (
	"math"
)

// Betting is the betting martingale test (Waudby-Smith & Ramdas 2021,
// "Estimating means of bounded random variables by betting", JRSS B, eq. 10
// and Proposition 3; SHANGRLA's betting_mart):
//
//	M_j = ∏_{i≤j} (1 + λ_i (x_i − m_i)),
//
// where m_i is the null mean of the values not yet drawn (see [Population])
// and the bet λ_i uses only x_1..x_{i-1} (except [KellyOptimal], an oracle).
// The p-value, the history and the per-draw adjustments are those of
// [Alpha].
//
// The zero value bets a fixed λ = 1/2, with replacement, on [0, 1] with null
// mean 1/2.
type Betting struct {
	Population
	// Bet gives λ_j; nil selects FixedBet{} (λ = 1/2).
	Bet Bet
}

// Bet is a betting strategy for [Betting]: [FixedBet], [AGRAPA] or
// [KellyOptimal].
type Bet interface {
	// Name is SHANGRLA's name for the strategy.
	Name() string
	start(p Population, x []float64) (betState, error)
}

// FixedBet bets the same λ at every draw (SHANGRLA's fixed_bet).
type FixedBet struct {
	// Lam is λ, in [0, 1/T] for the martingale to stay non-negative; 0
	// selects 1/2 (SHANGRLA's default).
	Lam float64
}

// AGRAPA is the approximate GRAPA bet of Waudby-Smith & Ramdas (2021,
// section B.3), as SHANGRLA's agrapa computes it. With μ̂_j and σ̂²_j the
// running mean and population variance of x_1..x_j and m_j the null mean,
//
//	raw_j = (μ̂_j − m_j) / (σ̂²_j + (m_j − μ̂_j)²),
//	c_j = C0 + (CMax − C0)(1 − 1/(1 + Grow·√(j−1))),
//	λ_1 = max(0, min(c_1/m_1, Lam)), λ_j = max(0, min(c_j/m_j, raw_{j−1})).
//
// Note the offsets, as in SHANGRLA: raw_{j−1} uses the null mean m_{j−1},
// the clip uses m_j.
//
// Floating point: rlakit departs from SHANGRLA's operation order here.
// Welford's running mean multiplies by 1/j instead of dividing by j, so that
// no draw waits for a division on the previous draw's mean, and with N
// finite m_j comes from the same reciprocal 1/((N−j+1)·j), computed for two
// draws per division (see betState.update and bettingStream.frame). Over
// 10^6 draws the history agrees with SHANGRLA's order to 4.4e-13 relative
// on polling data and 4.4e-12 on comparison data; for scale, SHANGRLA's
// order with the mean S_j/j in place of Welford's recursion differs from
// itself by 2.9e-11 (TestLongSamples). The other bets follow SHANGRLA's
// order to the bit. Risk and the Stream give the same bits. On amd64 the
// first pass of the whole-sample loop (statistics, null means and bets) runs
// in assembly (betting_agrapa_amd64.s) with the same operations, tested bit
// for bit against the Go loop, which other architectures run.
type AGRAPA struct {
	// Lam is the first bet, ≥ 0; 0 selects 1/2.
	Lam float64
	// C0 and CMax, in (0, 1], bound the bet to c_j/m_j; 0 selects 1 − 2^-52.
	C0, CMax float64
	// Grow ≥ 0 sets how fast c_j moves from C0 to CMax; default 0.
	Grow float64
}

// KellyOptimal bets the constant λ that maximises the expected log growth
// E log(1 + λ(X − T)) over the population Pop, found on [0, 1/T] by
// bisection (xtol 2e-12, rtol 4·2^-52, as scipy.optimize.bisect), as
// SHANGRLA's kelly_optimal. As in SHANGRLA, λ is not adjusted for sampling
// without replacement. Knowing the population, this is an oracle bet, for
// simulations and benchmarks.
type KellyOptimal struct {
	// Pop is the population. If nil, Risk uses the sample itself (as
	// SHANGRLA does), and Start fails, since the sample is not known yet.
	Pop []float64
}

// Name implements Bet.
func (FixedBet) Name() string { return "fixed_bet" }

// Name implements Bet.
func (AGRAPA) Name() string { return "agrapa" }

// Name implements Bet.
func (KellyOptimal) Name() string { return "kelly_optimal" }

const (
	betConst = iota
	betAGRAPA
)

type betState struct {
	kind           int
	lam            float64 // constant bet, or AGRAPA's first bet
	c0, cmax, grow float64
	// aGRAPA's running statistics of the draws so far (see update).
	mean, m2   float64
	rk         float64 // 1/k for the next draw's count k = N()+1 (see bettingStream.frame)
	q, nd, inc float64 // see recip
	prevRaw    float64 // raw_{j-1}
	constantC  bool    // grow = 0 or C0 = CMax: c_j is C0
	cgap       float64 // CMax − C0
}

func (b FixedBet) start(p Population, _ []float64) (betState, error) {
	lam := b.Lam
	if lam == 0 {
		lam = 0.5
	}
	if !finite(lam) || lam < 0 {
		return betState{}, inputErr("betting_mart", "fixed_bet: lam = %v must be non-negative and finite", lam)
	}
	return betState{kind: betConst, lam: lam}, nil
}

func (b AGRAPA) start(p Population, _ []float64) (betState, error) {
	s := betState{kind: betAGRAPA, lam: b.Lam, c0: b.C0, cmax: b.CMax, grow: b.Grow}
	if s.lam == 0 {
		s.lam = 0.5
	}
	if s.c0 == 0 {
		s.c0 = 1 - eps
	}
	if s.cmax == 0 {
		s.cmax = 1 - eps
	}
	switch {
	case !finite(s.lam) || s.lam < 0:
		return s, inputErr("betting_mart", "agrapa: lam = %v must be non-negative and finite", s.lam)
	case !finite(s.c0) || s.c0 <= 0 || s.c0 > 1, !finite(s.cmax) || s.cmax <= 0 || s.cmax > 1:
		return s, inputErr("betting_mart", "agrapa: c_grapa_0 = %v and c_grapa_max = %v must be in (0, 1]", s.c0, s.cmax)
	case !finite(s.grow) || s.grow < 0:
		return s, inputErr("betting_mart", "agrapa: c_grapa_grow = %v must be non-negative", s.grow)
	}
	s.cgap = s.cmax - s.c0
	s.constantC = s.grow == 0 || s.cgap == 0
	return s, nil
}

func (b KellyOptimal) start(p Population, x []float64) (betState, error) {
	pop := b.Pop
	if pop == nil {
		pop = x
	}
	if pop == nil {
		return betState{}, inputErr("betting_mart", "kelly_optimal: the streaming form needs the population (Pop)")
	}
	for i, v := range pop {
		if !finite(v) || v < 0 {
			return betState{}, inputErr("betting_mart", "kelly_optimal: pop[%d] = %v is not a finite non-negative number", i, v)
		}
	}
	return betState{kind: betConst, lam: kellyLambda(pop, p.T)}, nil
}

// kellyLambda solves Σ (pop−t)/(1 + λ(pop−t)) = 0 for λ in [0, 1/t], with
// numpy's pairwise summation and scipy's bisection, so that the root is the
// reference's to the last bit.
func kellyLambda(pop []float64, t float64) float64 {
	buf := make([]float64, len(pop))
	f := func(lam float64) float64 {
		for i, v := range pop {
			d := v - t
			buf[i] = d / (1 + lam*d)
		}
		return PairwiseSum(buf)
	}
	hi := 1 / t
	f0, f1 := f(0), f(hi)
	switch {
	case f0 > 0 && f1 > 0:
		return hi
	case f0 < 0 && f1 < 0:
		return 0
	}
	return bisect(f, 0, hi, f0, f1, 2e-12, 4*eps, 100)
}

// next returns λ_j for draw j = n+1 whose null mean is m.
func (b *betState) next(n int, m float64) float64 {
	if b.kind == betConst {
		return b.lam
	}
	lam := b.lam
	if n > 0 {
		lam = b.prevRaw
	}
	c := b.c0
	if !b.constantC {
		c = b.c0 + b.cgap*(1-1/(1+b.grow*math.Sqrt(float64(n))))
	}
	return clipBet(c, m, lam)
}

// clipBet is max(0, min(c/m, lam)), NaN-propagating as numpy's maximum and
// minimum. Where lam·m, as computed, is below c(1 − 10^-6) and m > 0, lam
// is below c/m by more than the rounding of either, so min(c/m, lam) is lam
// (lam is a float64 and rounding is monotone) and the division is skipped.
// A NaN lam or m fails the test and takes the division.
func clipBet(c, m, lam float64) float64 {
	if m > 0 && lam*m <= c*(1-1e-6) {
		if lam > 0 {
			return lam // max(0, lam), without its NaN and zero-sign steps
		}
		return max(0, lam)
	}
	return max(0, min(c/m, lam))
}

// update records draw x whose null mean was m; b.rk is 1/k for the number
// k of draws, x included.
//
// aGRAPA's running mean and population variance are SHANGRLA's
// welford_mean_var, μ̂_k = μ̂_{k−1} + (x − μ̂_{k−1})/k, m2_k = m2_{k−1} + (x −
// μ̂_{k−1})(x − μ̂_k), σ̂²_k = m2_k/k, except that the divisions by k are
// multiplications by 1/k, computed ahead (see bettingStream.frame). This
// departs from SHANGRLA's operation order so that each draw's mean does
// not wait for a division on the previous draw's (a subtraction, a
// multiplication and an addition instead of a 13-cycle division between
// them). Each increment (x − μ̂)/k is within 1.5 ulp of SHANGRLA's; the two
// means then differ by the random walk of their own roundings (about
// 10^-16·√k), and raw_j, which divides μ̂ − m by σ̂² and multiplies x − m at
// every draw, carries that into M: over 10^6 draws of polling data the
// history differs from SHANGRLA's order by up to some 3e-11 relative, the
// same as SHANGRLA's order against itself with the mean S_k/k (see
// TestLongSamples).
func (b *betState) update(x, m float64) {
	if b.kind == betConst {
		return
	}
	old := b.mean
	mu := old + (x-old)*b.rk
	m2 := b.m2 + (x-old)*(x-mu)
	b.mean, b.m2 = mu, m2
	b.prevRaw = (mu - m) / (m2*b.rk + (m-mu)*(m-mu))
}

// Name implements Test.
func (Betting) Name() string { return "betting_mart" }

// Risk implements Test.
func (b Betting) Risk(x []float64) (Result, error) {
	s, err := b.start(x)
	if err != nil {
		return Result{}, err
	}
	h := make([]float64, len(x))
	for i := 0; i < len(x); i++ {
		if s.fast {
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

// betsOnSample reports whether bet computes its bets from the sample itself:
// kelly_optimal without a population.
func betsOnSample(bet Bet) bool {
	switch k := bet.(type) {
	case KellyOptimal:
		return k.Pop == nil
	case *KellyOptimal:
		return k != nil && k.Pop == nil
	}
	return false
}

// Start implements Test.
func (b Betting) Start() (Stream, error) {
	s, err := b.start(nil)
	if err == nil && s.bet.kind == betAGRAPA && s.bet.constantC && s.pop.N > 0 {
		return newBettingAGRAPAStream(s), nil
	}
	return s, err
}

// bettingAGRAPAStream is bettingStream for aGRAPA with a constant c and N
// finite. Add checks x (with the same error as bettingStream.Add) and holds
// it; when agrapaBlock observations are held, and before P, Last and
// rawLast report, flush takes the draws held, through runAGRAPA's loop (or
// bettingStream.Add for a single draw) and the general path where that
// loop stops.
// Both compute the same operations as bettingStream.Add, so holding the
// draws changes no result.
//
// A caller that asks after every draw (as MonteCarlo does) gains nothing
// from holding them: after a report that took a single held draw, Add
// takes each draw at once (eager) from then on, as bettingStream.Add does.
type bettingAGRAPAStream struct {
	*bettingStream
	// Add holds x without more tests while np < room, min(agrapaBlock,
	// N − N()) or 0 when eager, and x passes the guard's first tests as one
	// comparison (see newAGRAPARun): bits(x) <= xbits or x == 0.
	np, room int
	xbits    uint64
	// eager: Add takes each draw at once.
	eager bool
	// pend holds the last np observations, checked but not yet taken.
	pend [agrapaBlock]float64
}

func newBettingAGRAPAStream(s *bettingStream) *bettingAGRAPAStream {
	w := &bettingAGRAPAStream{bettingStream: s, xbits: math.Float64bits(s.g.xmax)}
	w.setRoom()
	return w
}

func (w *bettingAGRAPAStream) setRoom() {
	w.room = 0
	if !w.eager {
		w.room = min(agrapaBlock, w.g.nmax-w.tail.n)
	}
}

// Add implements Stream.
func (w *bettingAGRAPAStream) Add(x float64) error {
	if np := w.np; np < w.room && (math.Float64bits(x) <= w.xbits || x == 0) {
		w.pend[np&(agrapaBlock-1)] = x
		w.np = np + 1
		return nil
	}
	if !w.eager {
		return w.add(x)
	}
	// Eager: bettingStream.Add's fast path without the tests of the other
	// cases (np is 0), and bettingStream.add for any other case; the same
	// operations as bettingStream.Add.
	s := w.bettingStream
	n := s.tail.n
	if !(s.fast && x >= 0 && x <= s.g.xmax && n < s.g.nmax) {
		return s.add(x)
	}
	b := &s.bet
	m, lam := s.m, s.lam
	sum := s.sum + x
	// agrapaFrame(sum, n+1) and its recip(n+1), inlined (the same numbers;
	// recip's q is the same if add computes it again).
	fn, D := float64(n+1), float64(s.pop.N-n-1)
	var r float64
	if (n+1)&1 != 0 {
		r = (D + 1) * fn * b.q
	} else if a, a1 := D*(fn+1), (D-1)*(fn+2); !(a1 > 0) {
		r = 1 / a
	} else {
		b.q = 1 / (a * a1)
		r = a1 * b.q
	}
	m1, rk1 := (s.nt-sum)*(r*(fn+1)), r*D
	old := b.mean
	mu := old + (x-old)*b.rk
	m2 := b.m2 + (x-old)*(x-mu)
	raw := (mu - m) / (m2*b.rk + (m-mu)*(m-mu))
	f := s.prod.f * (1 + lam*(x-m))
	v := f * s.prod.scale // scaled.value, with slow false
	if !stepOK(f, v) {
		return s.add(x)
	}
	s.prod.f = f
	s.tail.push(postClear(v)) // guard.post, m being clear of 0 and u
	s.sum = sum
	b.mean, b.m2, b.prevRaw, b.rk = mu, m2, raw, rk1
	s.setNext(m1, clipBet(b.c0, m1, raw))
	return nil
}

// add is the lazy Add's other cases: the buffer full (flush it), the
// population exhausted or x invalid (the error).
func (w *bettingAGRAPAStream) add(x float64) error {
	if w.np == agrapaBlock {
		w.flush()
	}
	s := w.bettingStream
	if n := s.tail.n + w.np; !s.g.ok(x, n) {
		return checkObs("betting_mart", x, s.pop.U, n, s.pop.N)
	}
	w.pend[w.np] = x
	w.np++
	return nil
}

// report takes the draws held before P, Last or rawLast reports; if there
// was one, Add is eager from then on.
func (w *bettingAGRAPAStream) report() {
	if w.np != 0 {
		if w.np == 1 {
			w.eager = true
		}
		w.flush()
	}
}

func (w *bettingAGRAPAStream) flush() {
	if w.np == 0 {
		return
	}
	s, xs := w.bettingStream, w.pend[:w.np]
	w.np = 0
	if len(xs) == 1 {
		if err := s.Add(xs[0]); err != nil {
			panic(err) // unreachable: Add checked x at the same count
		}
	} else {
		for i := 0; i < len(xs); i++ {
			if s.fast {
				if i = s.runAGRAPA(xs, nil, i); i == len(xs) {
					break
				}
			}
			if err := s.add(xs[i]); err != nil {
				panic(err) // unreachable: Add checked x at the same count
			}
		}
	}
	w.setRoom()
}

// P, Last and rawLast take the draws held first.
func (w *bettingAGRAPAStream) P() float64 {
	w.report()
	return w.bettingStream.P()
}
func (w *bettingAGRAPAStream) Last() float64 {
	w.report()
	return w.bettingStream.Last()
}
func (w *bettingAGRAPAStream) rawLast() float64 {
	w.report()
	return w.bettingStream.rawLast()
}
func (w *bettingAGRAPAStream) N() int { return w.tail.n + w.np }

func (b Betting) start(x []float64) (*bettingStream, error) {
	p, err := b.Population.resolved("betting_mart")
	if err != nil {
		return nil, err
	}
	bet := b.Bet
	if bet == nil {
		bet = FixedBet{}
	}
	// An invalid draw in the whole sample x is reported before an error of
	// the bet, and before kelly_optimal bets on the sample itself (when it
	// has no population): checkAll scans x with the stream's inlined guard
	// (checkObs gives the error). Otherwise the scan is not needed: Add
	// checks each draw as it comes, with the same error.
	checkAll := func() error {
		g := newGuard(p)
		for i, v := range x {
			if !g.ok(v, i) {
				return checkObs("betting_mart", v, p.U, i, p.N)
			}
		}
		return nil
	}
	if betsOnSample(bet) {
		if err := checkAll(); err != nil {
			return nil, err
		}
	}
	st, err := bet.start(p, x)
	if err != nil {
		if err := checkAll(); err != nil {
			return nil, err
		}
		return nil, err
	}
	s := &bettingStream{pop: p, g: newGuard(p), nt: float64(p.N) * p.T, bet: st, prod: one(), tail: newTail()}
	s.bet.nd, s.bet.inc = float64(p.N), 1
	if p.N == 0 {
		s.bet.nd, s.bet.inc = 1, 0
	}
	s.prepare()
	return s, nil
}

type bettingStream struct {
	pop  Population
	g    guard
	nt   float64
	sum  float64
	bet  betState
	prod scaled
	tail tail
	// m and lam are the null mean m_j and the bet λ_j of the next draw j =
	// N()+1, computed (by prepare) when the previous draw was added, so
	// that the divisions behind them do not delay the next term.
	m, lam float64
	// fast: the next draw may take Add's fast path (see Add).
	fast bool
	// bufs is runAGRAPA's scratch space, allocated at its first call.
	bufs *agrapaBufs
}

// prepare computes m, lam and fast for the next draw from the draws taken
// so far, with the same operations as at the draw itself.
func (s *bettingStream) prepare() {
	n := s.tail.n
	m, rk := s.frame(s.sum, n)
	s.bet.rk = rk
	s.setNext(m, s.bet.next(n, m))
}

// frame returns the null mean m_j of draw j = n+1 after n draws whose
// total is sum and, for aGRAPA, rk = 1/j, the reciprocal of Welford's count
// once draw j is taken (see update); rk is 0 for a constant bet.
//
// For a constant bet m_j is SHANGRLA's sjm to the bit. For aGRAPA with N
// finite, one reciprocal gives both: r = 1/((N−n)·j) (see recip), m_j =
// (N·T − S_j)·(r·j) and rk = r·(N−n) (each within 4 ulp of the quotient;
// SHANGRLA divides by N−j+1); with N infinite, rk = r = 1/j.
func (s *bettingStream) frame(sum float64, n int) (m, rk float64) {
	if s.bet.kind == betConst {
		return nullMean(s.pop.N, s.nt, s.pop.T, sum, n), 0
	}
	return s.agrapaFrame(sum, n)
}

func (s *bettingStream) agrapaFrame(sum float64, n int) (m, rk float64) {
	r := s.bet.recip(n)
	if s.pop.N == 0 {
		return s.pop.T, r
	}
	return (s.nt - sum) * (r * float64(n+1)), r * float64(s.pop.N-n)
}

// recip is r_n = 1/a_n for draw n+1, a_n = (N − n)(n + 1), or n + 1 when N
// is infinite (nd − n·inc is N − n, or 1). The draws are taken in pairs (n
// even, n+1) with one division for the two: q = 1/(a_n·a_{n+1}), r_n =
// a_{n+1}·q and r_{n+1} = a_n·q (each within 2.5 ulp of 1/a); q is kept for
// the odd draw, which always follows its even one. r_n is thus a function
// of n alone, whichever path computes it. Where a_{n+1} is 0 (n+1 = N), r_n
// = 1/a_n.
func (b *betState) recip(n int) float64 {
	fn := float64(n)
	if n&1 != 0 {
		return (b.nd - (fn-1)*b.inc) * fn * b.q
	}
	a, a1 := (b.nd-fn*b.inc)*(fn+1), (b.nd-(fn+1)*b.inc)*(fn+2)
	if !(a1 > 0) {
		return 1 / a
	}
	b.q = 1 / (a * a1)
	return a1 * b.q
}

func (s *bettingStream) setNext(m, lam float64) {
	s.m, s.lam = m, lam
	// guard.post's fast-path conditions on m; prod.slow changes only in
	// the general path, which calls prepare afterwards.
	s.fast = m > 1e-14 && m < s.g.mhi && !s.prod.slow
}

// Add takes the next observation. Its fast path is the general path (add)
// for the usual case, a valid x, m clear of 0 and u, and a product whose
// fraction stays in range with a value that is not NaN, with the same
// operations; any other case goes to add before anything is
// changed.
func (s *bettingStream) Add(x float64) error {
	n := s.tail.n
	if !(s.fast && x >= 0 && x <= s.g.xmax && n < s.g.nmax) {
		return s.add(x)
	}
	m, lam := s.m, s.lam
	sum := s.sum + x
	// First what waits least and takes longest: the next draw's null mean
	// (prepare's), and for aGRAPA the running statistics and raw_j
	// (update's), into locals.
	b := &s.bet
	agrapa := b.kind != betConst
	var m1, rk1, mu, m2, raw float64
	if !agrapa {
		m1 = nullMean(s.pop.N, s.nt, s.pop.T, sum, n+1)
	} else {
		// agrapaFrame(sum, n+1), inlined.
		if r := b.recip(n + 1); s.pop.N == 0 {
			m1, rk1 = s.pop.T, r
		} else {
			m1, rk1 = (s.nt-sum)*(r*float64(n+2)), r*float64(s.pop.N-n-1)
		}
		old := b.mean
		mu = old + (x-old)*b.rk
		m2 = b.m2 + (x-old)*(x-mu)
		raw = (mu - m) / (m2*b.rk + (m-mu)*(m-mu))
	}
	f := s.prod.f * (1 + lam*(x-m))
	v := f * s.prod.scale // scaled.value, with slow false
	if !stepOK(f, v) {
		return s.add(x)
	}
	s.prod.f = f
	s.tail.push(postClear(v)) // guard.post, m being clear of 0 and u
	s.sum = sum
	if !agrapa {
		s.setNext(m1, b.lam)
		return nil
	}
	b.mean, b.m2, b.prevRaw, b.rk = mu, m2, raw, rk1
	if b.constantC {
		s.setNext(m1, clipBet(b.c0, m1, raw))
	} else {
		s.setNext(m1, b.next(n+1, m1))
	}
	return nil
}

// run is Add's fast path for the whole-sample form (a constant bet, or
// aGRAPA with a constant c): from x[i] on, while each draw would take that
// path, it computes the same operations as Add, with the stream's state in
// local variables, and sets h to the history entries. It returns the index
// of the first draw it did not take (len(x) at the end), leaving the
// stream as Add would have. There is one loop per kind of bet, so that
// each keeps its state in registers.
func (s *bettingStream) run(x, h []float64, i int) int {
	switch {
	case !s.fast:
		return i
	case s.bet.kind == betConst:
		return s.runConst(x, h, i)
	case s.bet.constantC:
		return s.runAGRAPA(x, h, i)
	}
	return i
}

func (s *bettingStream) runConst(x, h []float64, i int) int {
	N, nt, t, xmax, nmax, mhi := s.pop.N, s.nt, s.pop.T, s.g.xmax, s.g.nmax, s.g.mhi
	f, scale, n, sum, last := s.prod.f, s.prod.scale, s.tail.n, s.sum, s.tail.lastM
	mx := s.tail.max
	m, lam := s.m, s.lam
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax && n < nmax) {
			break
		}
		sum1 := sum + xi
		m1 := nullMean(N, nt, t, sum1, n+1)
		f1 := f * (1 + lam*(xi-m))
		v := f1 * scale // scaled.value, with slow false
		if !stepOK(f1, v) {
			break
		}
		v = postClear(v) // guard.post, m being clear of 0 and u
		f, n, sum, last = f1, n+1, sum1, v
		if v > mx {
			mx = v
		}
		m = m1
		h[i] = hist(v)
		if !(m > 1e-14 && m < mhi) {
			// setNext's test: the next draw takes the general path.
			i++
			break
		}
	}
	s.prod.f, s.tail.n, s.sum, s.tail.lastM, s.tail.max = f, n, sum, last, mx
	s.setNext(m, lam)
	return i
}

func (s *bettingStream) add(x float64) error {
	n := s.tail.n
	if !s.g.ok(x, n) {
		return checkObs("betting_mart", x, s.pop.U, n, s.pop.N)
	}
	m, lam := s.m, s.lam
	s.prod.mul(1 + lam*(x-m))
	s.tail.record(s.g.post(s.prod.value(), m, s.pop.U))
	s.sum += x
	s.bet.update(x, m)
	s.prepare()
	return nil
}

// P and Last first note whether the sample total exceeds N·T (the last M
// is then +Inf).
func (s *bettingStream) P() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.p()
}
func (s *bettingStream) Last() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.lastFinal()
}
func (s *bettingStream) rawLast() float64 { return s.tail.last() }
func (s *bettingStream) N() int           { return s.tail.n }
