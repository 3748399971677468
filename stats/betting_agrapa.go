package stats

import "math"

// aGRAPA's fast loop (Betting.Risk's and the stream's, for a constant c and
// N finite) runs in blocks of agrapaBlock draws, each in two passes over
// the block: agrapaRun.bets computes the running statistics, the null
// means and the bets, which depend on the draws alone, and the terms 1 +
// λ_j(x_j − m_j) of the product; agrapaProducts then multiplies them into
// the product and records each M_j. Each pass keeps fewer values live than
// one loop doing both, so that they stay in registers. The operations and
// their order are those of bettingStream.Add (see agrapaRun.bets), so the
// values are the same bits.
const agrapaBlock = 256

// agrapaRun is the state of the first pass: the draws' running statistics
// (see betState.update and bettingStream.frame) after the draws taken so
// far, and the null mean m and bet lam of the next draw.
type agrapaRun struct {
	n                     int
	sum, fn               float64 // S_n and n+1
	mean, m2, rk, q, raw  float64 // betState's mean, m2, rk, q, prevRaw
	m, lam                float64 // the next draw's m_{n+1} and λ_{n+1}
	nt, nf, xmax, mhi, c0 float64 // N·T, N, the guard's bounds, C0
	c0lo                  float64 // C0·(1 − 10^-6), as clipBet computes it
}

// bets is the first pass over the draws xs, which follow the n taken: for
// each draw it computes what bettingStream.Add computes but the product
// (the same operations), and sets t[j] to the draw's term 1 + λ(x − m). It
// stops before a draw that is not in [0, u(1+1e-9)], and after a draw
// whose successor's null mean m is not clear of 0 and u (setNext's test),
// and returns the number of draws taken; xs must not take the count past
// N (the guard's nmax).
func (a *agrapaRun) bets(xs []float64, t *[agrapaBlock]float64) int {
	n, sum, fn := a.n, a.sum, a.fn
	mean, m2, rk, q, raw := a.mean, a.m2, a.rk, a.q, a.raw
	m, lam := a.m, a.lam
	xs = xs[:min(len(xs), len(t))]
	tt := t[:len(xs)]
	j := 0
	for ; j < len(xs); j++ {
		xi := xs[j]
		if !(xi >= 0 && xi <= a.xmax) {
			break
		}
		sum1 := sum + xi
		// recip(n+1) (the same operations), with fn = n+1 and D = N − n − 1
		// counted exactly.
		D := a.nf - fn
		var r float64
		if n&1 == 0 {
			r = (D + 1) * fn * q
		} else if a0, a1 := D*(fn+1), (D-1)*(fn+2); !(a1 > 0) {
			r = 1 / a0
		} else {
			q = 1 / (a0 * a1)
			r = a1 * q
		}
		// agrapaFrame(sum1, n+1) and betState.update, inlined.
		m1, rk1 := (a.nt-sum1)*(r*(fn+1)), r*D
		mu := mean + (xi-mean)*rk
		m21 := m2 + (xi-mean)*(xi-mu)
		raw = (mu - m) / (m21*rk + (m-mu)*(m-mu))
		tt[j] = 1 + lam*(xi-m)
		n, sum, fn = n+1, sum1, fn+1
		mean, m2, rk = mu, m21, rk1
		m = m1
		if !(m1 > 1e-14 && m1 < a.mhi) {
			// setNext's test: the next draw takes the general path.
			lam = clipBet(a.c0, m1, raw)
			j++
			break
		}
		// clipBet(c0, m1, raw), whose first test m1 > 0 holds.
		if raw*m1 <= a.c0lo && raw > 0 {
			lam = raw
		} else {
			lam = clipBet(a.c0, m1, raw)
		}
	}
	a.n, a.sum, a.fn = n, sum, fn
	a.mean, a.m2, a.rk, a.q, a.raw = mean, m2, rk, q, raw
	a.m, a.lam = m, lam
	return j
}

// agrapaProducts is the second pass: from the product f, for each term t[j]
// while the product stays in range (stepOK), it takes f·t[j], records its
// value v = postClear(f·scale) in the maximum mx and sets h[j] = hist(v).
// It returns the number of terms taken and the new f and mx.
func agrapaProducts(t, h []float64, f, scale, mx float64) (int, float64, float64) {
	h = h[:len(t)]
	for j, tj := range t {
		f1 := f * tj
		if !fracOK(f1) {
			return j, f, mx
		}
		v := postClear(f1 * scale) // scaled.value, with slow false; guard.post, m being clear of 0 and u
		f = f1
		if v > mx {
			mx = v
		}
		h[j] = hist(v)
	}
	return len(t), f, mx
}

// agrapaProductsMax is agrapaProducts without the history (the stream's).
func agrapaProductsMax(t []float64, f, scale, mx float64) (int, float64, float64) {
	for j, tj := range t {
		f1 := f * tj
		if !fracOK(f1) {
			return j, f, mx
		}
		v := postClear(f1 * scale)
		f = f1
		if v > mx {
			mx = v
		}
	}
	return len(t), f, mx
}

// fracOK is stepOK(f1, f1·scale) on the fast path: the product's fraction
// f1 stays in [2^-300, 2^301) in magnitude. stepOK's other test, that the
// value f1·scale is not NaN, then holds: f1 is finite and nonzero and, with
// slow false, scale is 1, a power of two, +Inf or 0 (setScale), never NaN.
func fracOK(f1 float64) bool {
	return (math.Float64bits(f1)>>52&0x7ff)-(1023-300) <= 600
}

// runAGRAPA is run for aGRAPA with a constant c (see run): from x[i] on,
// while each draw would take Add's fast path, it takes the draw with the
// same operations and, if h is not nil, sets h to its history entry. It
// returns the index of the first draw it did not take.
func (s *bettingStream) runAGRAPA(x, h []float64, i int) int {
	N := s.pop.N
	if N == 0 {
		return i // Add, one draw at a time
	}
	b := &s.bet
	a := agrapaRun{n: s.tail.n, sum: s.sum, fn: float64(s.tail.n + 1),
		mean: b.mean, m2: b.m2, rk: b.rk, q: b.q, raw: b.prevRaw, m: s.m, lam: s.lam,
		nt: s.nt, nf: float64(N), xmax: s.g.xmax, mhi: s.g.mhi, c0: b.c0, c0lo: b.c0 * (1 - 1e-6)}
	f, scale, mx := s.prod.f, s.prod.scale, s.tail.max
	var t [agrapaBlock]float64
	for i < len(x) && a.n < s.g.nmax {
		xs := x[i:min(len(x), i+(s.g.nmax-a.n))]
		start := a
		k := a.bets(xs, &t)
		var k2 int
		if h != nil {
			k2, f, mx = agrapaProducts(t[:k], h[i:], f, scale, mx)
		} else {
			k2, f, mx = agrapaProductsMax(t[:k], f, scale, mx)
		}
		if k2 < k {
			// The product leaves its range at draw i+k2, which the general
			// path takes: the state after the draws before it.
			a = start
			a.bets(xs[:k2], &t)
			i += k2
			break
		}
		i += k
		if k < len(xs) && k < agrapaBlock || !(a.m > 1e-14 && a.m < a.mhi) {
			break
		}
	}
	if a.n != s.tail.n {
		s.tail.lastM = postClear(f * scale) // the last draw's v
		b.prevRaw = a.raw
	}
	s.prod.f, s.tail.n, s.sum, s.tail.max = f, a.n, a.sum, mx
	b.mean, b.m2, b.rk, b.q = a.mean, a.m2, a.rk, a.q
	s.setNext(a.m, a.lam)
	return i
}
