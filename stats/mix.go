package stats

import "math"

// MixBetting is the flat mixture of fixed-bet martingales (Waudby-Smith &
// Ramdas 2021, section 5.1; SHANGRLA's mix_betting_mart): the mean over the
// grid Lams of the [Betting] martingales with [FixedBet] λ, each after
// SHANGRLA's per-draw adjustments,
//
//	M_j = (1/L) Σ_λ M_j(λ),
//
// p = min(1, 1/max_j M_j), history min(1, 1/M_j).
//
// As in SHANGRLA, the component martingales test the null mean 1/2 whatever T
// is (SHANGRLA does not pass t to them); T only sets the default grid.
//
// # Floating point and speed
//
// SHANGRLA replaces a component at or near 0 (numpy's isclose(M, 0), in
// effect M <= 2^-51) by 1 before the mean. rlakit adds each observation's
// components above that cut in the order of the grid, then the count of
// those at or below it (each worth 1), and divides L by the sum for the
// history: numpy adds all L terms in grid order and takes 1/(sum/L). The two
// differ by a few units in the last place (at most about L·2^-53 relative;
// 2.2e-16 on SHANGRLA's public vectors, under 1e-14 on 20,000-draw samples
// in the tests). The components are kept as f·2^e, so that long samples
// neither overflow nor underflow.
//
// With a true mean near the null, most components of a long sample sink far
// below the cut (their bets are too large for the data) and stay there. A
// component is set aside while an upper bound proves it stays below the
// cut: since ln(1 + y) <= y − y²/(2(1 + y⁺)) for y > −1, ln M_j(λ) after a
// stretch of draws is at most its value before plus λ·Σd − cλ²·Σd² over the
// stretch (d = x − m, c = 1/(2(1 + λu))), and within a batch of draws at
// most its value plus λ times the largest partial sum of d, with margins
// for rounding. A set-aside component counts 1 at each draw, as its exact
// value would, and the draws' d are kept (8 bytes a draw while any
// component needs them); when the bound no longer proves it, the component
// is brought up to date by the very multiplications it skipped, in order, so
// every value is the one computed draw by draw (a test compares the two bit
// for bit). The work per draw is thus a product and a term for each
// component above the cut, plus a little per batch for the others: on the
// benchmark's million polling draws 94 of the default 100 components are
// set aside; where every component grows (a large true margin), every one
// is computed at every draw.
//
// Its Stream checks each observation at once but computes in batches of up
// to 256 (P and Last compute what is pending first), with the same values as
// one observation at a time.
type MixBetting struct {
	Population
	// Lams is the grid of bets, each ≥ 0; nil selects 100 equally spaced
	// values from 0 to 1/T (numpy's linspace(0, 1/T, 100)).
	Lams []float64
}

// Name implements Test.
func (MixBetting) Name() string { return "mix_betting_mart" }

// Risk implements Test.
func (b MixBetting) Risk(x []float64) (Result, error) {
	s, err := b.start()
	if err != nil {
		return Result{}, err
	}
	for i, v := range x {
		if !s.g.ok(v, i) {
			return Result{}, checkObs("mix_betting_mart", v, s.pop.U, i, s.pop.N)
		}
	}
	h := make([]float64, len(x))
	for i := 0; i < len(x); i += mixBatch {
		j := min(i+mixBatch, len(x))
		s.batch(x[i:j], h[i:j])
	}
	return finish(s, h), nil
}

// Start implements Test.
func (b MixBetting) Start() (Stream, error) { return b.start() }

func (b MixBetting) start() (*mixStream, error) {
	p, err := b.Population.resolved("mix_betting_mart")
	if err != nil {
		return nil, err
	}
	lams := b.Lams
	if lams == nil {
		lams = linspace(0, 1/p.T, 100)
	}
	if len(lams) == 0 {
		return nil, inputErr("mix_betting_mart", "the grid of bets is empty")
	}
	for i, l := range lams {
		if !finite(l) || l < 0 {
			return nil, inputErr("mix_betting_mart", "lams[%d] = %v must be non-negative and finite", i, l)
		}
	}
	return newMixStream(p, append([]float64(nil), lams...)), nil
}

// mixBatch is how many observations mixStream.Add holds before it
// processes them (see batch).
const mixBatch = 256

// mixStream keeps component k as f[k]·2^e[k] (see renorm). A component with
// at[k] >= 0 is set aside (see MixBetting): f[k], e[k] are its value after
// the first at[k] observations, and lnb[k] bounds ln of its value after the
// observations processed so far; dh holds d = x − m of the observations
// from the first a set-aside component needs.
type mixStream struct {
	pop    Population
	g      guard
	nt     float64 // N/2: the components' null is 1/2
	sum    float64
	n      int // observations processed
	lams   []float64
	f      []float64
	e      []int
	at     []int
	lnb    []float64
	quad   []float64 // λ²/(2(1 + λu)), rounded down (see staysLow)
	mhi    float64   // a null mean in (1e-14, mhi) is not special
	nstale int
	dh     dlog
	exact  bool // never set a component aside (tests compare the two)

	maxT, lastT float64 // the largest and the last sum of the components (L·M)
	nan         bool    // some sum was NaN
	// pend holds the last np observations, checked by Add but not yet
	// processed; P, Last and rawLast process them first.
	pend [mixBatch]float64
	np   int
}

func newMixStream(p Population, lams []float64) *mixStream {
	s := &mixStream{pop: p, g: newGuard(p), nt: float64(p.N) * 0.5, lams: lams,
		f: make([]float64, len(lams)), e: make([]int, len(lams)), at: make([]int, len(lams)),
		lnb: make([]float64, len(lams)), quad: make([]float64, len(lams)), maxT: math.Inf(-1)}
	if p.U > 1e-9 {
		// Then u − m > 3e-6·u > atol + 1e-6·m: m is clear of u.
		s.mhi = p.U * (1 - 3e-6)
	}
	for k, lam := range lams {
		s.f[k], s.at[k] = 1, -1
		if q := lam * lam / (2 * (1 + lam*p.U)) * (1 - 0x1p-40); q < 0x1p500 {
			s.quad[k] = q // else 0: a bet so large gains nothing from the bound
		}
	}
	return s
}

// Add checks x and holds it; every mixBatch observations, batch processes
// them. The values reported are those of one observation at a time (batch
// computes the same operations), so holding them changes no result.
func (s *mixStream) Add(x float64) error {
	if n := s.n + s.np; !s.g.ok(x, n) {
		return checkObs("mix_betting_mart", x, s.pop.U, n, s.pop.N)
	}
	s.pend[s.np] = x
	s.np++
	if s.np == mixBatch {
		s.flush()
	}
	return nil
}

func (s *mixStream) flush() {
	if s.np > 0 {
		s.batch(s.pend[:s.np], nil)
		s.np = 0
	}
}

// mixLow reports whether a component's value w is one SHANGRLA replaces by
// 1: isclose(w, 0) with atol 2^-51 and rtol 1e-5 (for w >= 0, w <= about
// 2^-51; every negative w). False for NaN.
func mixLow(w float64) bool { return w <= 1e-14 && w <= atol+1e-5*math.Abs(w) }

// mixCut is below ln(atol) by a margin: a component whose value is below
// e^mixCut is low (mixLow).
var mixCut = math.Log(atol) - 1e-6

// inRange reports 2^-300 <= |v| < 2^301, where a component's fraction is
// left as it is.
func inRange(v float64) bool { return (math.Float64bits(v)>>52&0x7ff)-(1023-300) <= 600 }

// pow2 is 2^e for e in [-1022, 1023].
func pow2(e int) float64 { return math.Float64frombits(uint64(e+1023) << 52) }

// scale is what a component's fraction v (in range, 2^-300 <= |v| < 2^301)
// is multiplied by, in two steps, to give its value f·2^e as ldexp gives
// it: (v·a)·b with a = 2^e, b = 1 for e in [-400, 1023]; a = 2^1023,
// b = 2^(e−1023) up to e = 2046 (each step exact unless it overflows, which
// happens exactly when the value does); a = +Inf beyond (the value
// overflows); and a = 0 for a vanished component (e < -400, value below
// 2^-100), which is low as its exact value would be.
type scale struct{ a, b float64 }

func scaleOf(e int) scale {
	switch {
	case e < -400:
		return scale{0, 1}
	case e <= 1023:
		return scale{pow2(e), 1}
	case e <= 2046:
		return scale{pow2(1023), pow2(e - 1023)}
	}
	return scale{math.Inf(1), 1}
}

// value is component k's value, renormalising its fraction first if it has
// left [2^-300, 2^301); 0 for a vanished component.
func (s *mixStream) value(k int) float64 {
	if v := s.f[k]; !inRange(v) && v != 0 {
		s.renorm(k)
	}
	switch ek := s.e[k]; {
	case ek == 0:
		return s.f[k]
	case ek < -400:
		return 0
	default:
		return ldexp(s.f[k], ek)
	}
}

func (s *mixStream) renorm(k int) {
	a := math.Abs(s.f[k])
	if (a > 0x1p300 || a < 0x1p-300) && a != 0 && a <= math.MaxFloat64 {
		fr, ex := math.Frexp(s.f[k])
		s.f[k], s.e[k] = fr, s.e[k]+ex
	}
}

// special reports a null mean at or beyond 0 or u (the end of a
// population), which step handles.
func (s *mixStream) special(m float64) bool {
	u := s.pop.U
	return m < 0 || m > u || m <= atol+1e-5*m || math.Abs(u-m) <= atol+1e-6*m
}

// record notes the sum t of the components at the next observation.
func (s *mixStream) record(t float64) {
	s.n++
	s.lastT = t
	if t > s.maxT {
		s.maxT = t
	} else if t != t {
		s.nan = true
	}
}

// hist is the history entry min(1, 1/M) for the sum t = L·M (1 for NaN).
func (s *mixStream) hist(t float64) float64 {
	L := float64(len(s.f))
	if !(t > L) {
		return 1 // M <= 1 or NaN, without the division
	}
	return L / t // at most 1 (1 when t rounds so)
}

// step processes one observation, every component at once; batch gives the
// same values.
func (s *mixStream) step(x float64) {
	s.catchUpAll()
	m := nullMean(s.pop.N, s.nt, 0.5, s.sum, s.n)
	d := x - m
	f := s.f
	var total float64
	switch {
	case m < 0:
		for k, lam := range s.lams {
			f[k] *= 1 + lam*d
		}
		total = math.Inf(1)
	case s.special(m):
		for k, lam := range s.lams {
			f[k] *= 1 + lam*d
			s.renorm(k)
		}
		total = float64(len(f))
	default:
		hi, lo := 0.0, 0.0
		for k, lam := range s.lams {
			f[k] *= 1 + lam*d
			if w := s.value(k); mixLow(w) {
				lo++
			} else {
				hi += w
			}
		}
		total = hi + lo
	}
	s.record(total)
	s.sum += x
	s.dh.reset(s.n)
}

// batch processes the observations xs (at most mixBatch, already checked)
// with the values step gives them one at a time and, if h is not nil, sets
// h[j] to the history entry of xs[j]. Components set aside stay aside while
// their bound holds over the whole batch; the others are carried through it
// two at a time (two independent running products), each observation's sum
// of terms growing in the order of the grid.
func (s *mixStream) batch(xs, h []float64) {
	var d [mixBatch]float64
	sum := s.sum
	// The batch's bounds (batchBound) in locals, which stay in registers.
	dmin, dmax, pmax, tot, sq := math.Inf(1), math.Inf(-1), math.Inf(-1), 0.0, 0.0
	for j, x := range xs {
		m := nullMean(s.pop.N, s.nt, 0.5, sum, s.n+j)
		if !(m > 1e-14 && m < s.mhi) && s.special(m) {
			for j, x := range xs {
				s.step(x)
				if h != nil {
					h[j] = s.hist(s.lastT)
				}
			}
			return
		}
		dj := x - m
		d[j] = dj
		sum += x
		if dj < dmin {
			dmin = dj
		}
		if dj > dmax {
			dmax = dj
		}
		tot += dj
		if tot > pmax {
			pmax = tot
		}
		sq += dj * dj
	}
	b := batchBound{n: len(xs), dmin: dmin, dmax: dmax, pmax: pmax, tot: tot, sq: sq}
	b.finish()
	dd := d[:len(xs)]
	var hiA, loA [mixBatch]float64
	hi, lo := hiA[:len(dd)], loA[:len(dd)]
	bp := &b
	n0, n1 := s.n, s.n+len(dd)
	aside := 0.0
	var exact [2]int
	ne := 0
	for k, lam := range s.lams {
		if s.at[k] >= 0 {
			if s.staysLow(k, lam, bp) {
				aside++
				continue
			}
			s.catchUp(k, n0)
		}
		// Pair the components processed exactly, in grid order; a
		// component with λ = 0 is constant and goes alone.
		if lam == 0 {
			s.flushExact(exact[:ne], dd, hi, lo)
			ne = 0
			s.constant(k, hi, lo)
			continue
		}
		exact[ne] = k
		ne++
		if ne == 2 {
			s.flushExact(exact[:2], dd, hi, lo)
			ne = 0
		}
	}
	s.flushExact(exact[:ne], dd, hi, lo)
	if !s.exact {
		for k := range s.lams {
			if s.at[k] < 0 {
				s.setAside(k, n1)
			}
		}
	}
	s.keepHistory(dd, n0, n1)
	// record, with the running maximum in locals.
	maxT, nan, t := s.maxT, s.nan, 0.0
	for j := range dd {
		t = hi[j] + (lo[j] + aside)
		if t > maxT {
			maxT = t
		} else if t != t {
			nan = true
		}
		if h != nil {
			h[j] = s.hist(t)
		}
	}
	s.maxT, s.nan, s.lastT = maxT, nan, t
	s.n = n1
	s.sum = sum
}

// flushExact carries the components ks (one or two) through the batch.
func (s *mixStream) flushExact(ks []int, dd, hi, lo []float64) {
	switch len(ks) {
	case 1:
		s.one(ks[0], dd, hi, lo)
	case 2:
		s.pair(ks[0], ks[1], dd, hi, lo)
	}
}

// term adds a component's value w at one observation to that
// observation's sums.
func term(w float64, hi, lo *float64) {
	if w > 1e-14 || !mixLow(w) {
		*hi += w
	} else {
		*lo++
	}
}

// constant adds component k, whose bet is 0 (its value never changes), to
// every observation of the batch.
func (s *mixStream) constant(k int, hi, lo []float64) {
	w := s.value(k)
	for j := range hi {
		term(w, &hi[j], &lo[j])
	}
}

// one carries component k through the observations whose d are dd.
func (s *mixStream) one(k int, dd, hi, lo []float64) {
	lam := s.lams[k]
	v, sc := s.f[k], scaleOf(s.e[k])
	for j, dj := range dd[:len(hi)] {
		v *= 1 + lam*dj
		if inRange(v) {
			term(v*sc.a*sc.b, &hi[j], &lo[j])
			continue
		}
		s.f[k] = v
		term(s.value(k), &hi[j], &lo[j])
		v, sc = s.f[k], scaleOf(s.e[k])
	}
	s.f[k] = v
}

// pair carries components k1 < k2 through the observations whose d are
// dd, adding k1's term before k2's at each.
func (s *mixStream) pair(k1, k2 int, dd, hi, lo []float64) {
	l1, l2 := s.lams[k1], s.lams[k2]
	v1, v2 := s.f[k1], s.f[k2]
	s1, s2 := scaleOf(s.e[k1]), scaleOf(s.e[k2])
	for j, dj := range dd[:len(hi)] {
		v1 *= 1 + l1*dj
		v2 *= 1 + l2*dj
		if inRange(v1) && inRange(v2) {
			// term twice, with the sums in locals (hi and lo might
			// alias, for all the compiler knows).
			h, l := hi[j], lo[j]
			if w := v1 * s1.a * s1.b; w > 1e-14 || !mixLow(w) {
				h += w
			} else {
				l++
			}
			if w := v2 * s2.a * s2.b; w > 1e-14 || !mixLow(w) {
				h += w
			} else {
				l++
			}
			hi[j], lo[j] = h, l
			continue
		}
		s.f[k1], s.f[k2] = v1, v2
		term(s.value(k1), &hi[j], &lo[j])
		term(s.value(k2), &hi[j], &lo[j])
		v1, v2 = s.f[k1], s.f[k2]
		s1, s2 = scaleOf(s.e[k1]), scaleOf(s.e[k2])
	}
	s.f[k1], s.f[k2] = v1, v2
}

// P and Last first process the observations held and note whether the
// sample total exceeds N/2 (the last M is then +Inf).
func (s *mixStream) P() float64 {
	s.flush()
	switch {
	case s.n == 0 || s.nan:
		return 1
	case s.exceeds():
		return 0
	}
	return s.hist(s.maxT)
}

func (s *mixStream) Last() float64 {
	s.flush()
	if s.exceeds() && s.n > 0 {
		return 0
	}
	return s.rawLast()
}

func (s *mixStream) exceeds() bool { return s.pop.N > 0 && s.sum > s.nt }

func (s *mixStream) rawLast() float64 {
	s.flush()
	if s.n == 0 {
		return 1
	}
	return s.hist(s.lastT)
}

func (s *mixStream) N() int { return s.n + s.np }
