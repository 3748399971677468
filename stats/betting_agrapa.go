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

// agrapaRun is the state of the first passes: the draws' running
// statistics (see betState.update and bettingStream.frame) after the n
// draws taken so far, and the null mean m and bet lam of the next draw.
type agrapaRun struct {
	n                         int
	q                         float64 // betState.q (see recip)
	sum, mean, m2, rk, raw    float64 // S_n and betState's mean, m2, rk, prevRaw
	m, lam                    float64 // the next draw's m_{n+1} and λ_{n+1}
	nt, nf, xmax, mhi, c0, lo float64 // N·T, N, the guard's bounds, C0, C0·(1 − 10^-6)
	xbits, mlo, mspan         uint64  // the guard's tests as integer comparisons (see newAGRAPARun)
}

// frames computes, for the len(w) draws after the n taken, what depends on
// the count alone: with r = recip(k) for the draw's count k (the same
// operations, with k+1 and N − k − 1 counted exactly), w[j] = r·(k+1) and
// rk[j] = r·(N−k−1), the factors of the next null mean and Welford's next
// 1/k (see agrapaFrame). It leaves a.q as recip leaves it; a.n is
// unchanged.
func (a *agrapaRun) frames(w, rk []float64) {
	n, q := a.n, a.q
	fn := float64(n + 1)
	rk = rk[:len(w)]
	for j := 0; j < len(w); {
		// recip(n+1), with fn = n+1 and D = N − n − 1.
		D := a.nf - fn
		if n&1 != 0 && j+1 < len(w) {
			// recip(n+1) and recip(n+2), its odd successor, whose (D' + 1)·fn'
			// is D·(fn+1), a0 (each term exact).
			fn1, D1 := fn+1, D-1
			if a0, a1 := D*fn1, D1*(fn+2); a1 > 0 {
				q = 1 / (a0 * a1)
				r0, r1 := a1*q, a0*q
				w[j], rk[j] = r0*fn1, r0*D
				w[j+1], rk[j+1] = r1*(fn1+1), r1*D1
				n, fn, j = n+2, fn+2, j+2
				continue
			}
		}
		var r float64
		if n&1 == 0 {
			r = (D + 1) * fn * q
		} else if a0, a1 := D*(fn+1), (D-1)*(fn+2); !(a1 > 0) {
			r = 1 / a0
		} else {
			q = 1 / (a0 * a1)
			r = a1 * q
		}
		w[j], rk[j] = r*(fn+1), r*D
		n, fn, j = n+1, fn+1, j+1
	}
	a.q = q
}

// bets takes the draws xs after the n taken, given frames' w and rk for
// them: for each draw it computes what bettingStream.Add computes but the
// product (the same operations), and sets t[j] to the draw's term 1 + λ(x
// − m). It stops before a draw that is not in [0, u(1+1e-9)], and after a
// draw whose successor's null mean m is not clear of 0 and u (setNext's
// test), and returns the number of draws taken; it does not change a.n and
// a.q. xs must not take the count past N (the guard's nmax).
func (a *agrapaRun) bets(xs, w, rkn, t []float64) int {
	sum, mean, m2, rk := a.sum, a.mean, a.m2, a.rk
	m, lam := a.m, a.lam
	w, rkn, t = w[:len(xs)], rkn[:len(xs)], t[:len(xs)]
	j := 0
	for ; j < len(xs); j++ {
		xi := xs[j]
		if math.Float64bits(xi) > a.xbits && xi != 0 {
			break // !(xi >= 0 && xi <= a.xmax)
		}
		// agrapaFrame(sum + xi, n+1) and betState.update, inlined.
		sum += xi
		m1 := (a.nt - sum) * w[j]
		mu := mean + (xi-mean)*rk
		m2 += (xi - mean) * (xi - mu)
		raw := (mu - m) / (m2*rk + (m-mu)*(m-mu))
		a.raw = raw
		t[j] = 1 + lam*(xi-m)
		mean, rk, m = mu, rkn[j], m1
		if math.Float64bits(m1)-a.mlo >= a.mspan {
			// !(m1 > 1e-14 && m1 < a.mhi), setNext's test: the next draw
			// takes the general path.
			lam = clipBet(a.c0, m1, raw)
			j++
			break
		}
		// clipBet(c0, m1, raw), whose first test m1 > 0 holds.
		if raw*m1 <= a.lo && raw > 0 {
			lam = raw
		} else {
			lam = clipBet(a.c0, m1, raw)
		}
	}
	a.sum, a.mean, a.m2, a.rk = sum, mean, m2, rk
	a.m, a.lam = m, lam
	return j
}

// agrapaProduct is the second pass's state: the product's fraction f and
// its scale (see scaled), and the largest value mx.
type agrapaProduct struct{ f, scale, mx float64 }

// products is the second pass: for each term t[j] while the product stays
// in range (stepOK), it takes f·t[j], records its value v = postClear(f·
// scale) in mx and sets h[j] = hist(v). It returns the number of terms
// taken.
func (p *agrapaProduct) products(t, h []float64) int {
	f, mx := p.f, p.mx
	h = h[:len(t)]
	j := 0
	for ; j < len(t); j++ {
		f1 := f * t[j]
		if !fracOK(f1) {
			break
		}
		f = f1
		v := f1 * p.scale // scaled.value, with slow false
		if !(v > 1e-14) {
			v = postClear(v) // guard.post, m being clear of 0 and u
		}
		if v > mx {
			mx = v
		}
		h[j] = hist(v)
	}
	p.f, p.mx = f, mx
	return j
}

// productsMax is products without the history (the stream's).
func (p *agrapaProduct) productsMax(t []float64) int {
	f, mx := p.f, p.mx
	j := 0
	for ; j < len(t); j++ {
		f1 := f * t[j]
		if !fracOK(f1) {
			break
		}
		f = f1
		v := f1 * p.scale
		if !(v > 1e-14) {
			v = postClear(v)
		}
		if v > mx {
			mx = v
		}
	}
	p.f, p.mx = f, mx
	return j
}

// fracOK is stepOK(f1, f1·scale) on the fast path: the product's fraction
// f1 stays in [2^-300, 2^301) in magnitude. stepOK's other test, that the
// value f1·scale is not NaN, then holds: f1 is finite and nonzero and, with
// slow false, scale is 1, a power of two, +Inf or 0 (setScale), never NaN.
func fracOK(f1 float64) bool {
	return (math.Float64bits(f1)>>52&0x7ff)-(1023-300) <= 600
}

// agrapaBufs is runAGRAPA's scratch space: frames' w and rk, bets' terms.
type agrapaBufs struct{ w, rk, t [agrapaBlock]float64 }

// newAGRAPARun is the first passes' state for the stream's next draw.
//
// The guard's tests are integer comparisons of the bits: with xmax
// positive, x >= 0 && x <= xmax is bits(x) <= bits(xmax) (non-negative
// floats, +Inf and xmax = +Inf included, order as their bits; negative
// numbers and NaN have larger bits) or x == 0 (−0); and m > 1e-14 && m <
// mhi is bits(m) − bits(1e-14) − 1 < bits(mhi) − bits(1e-14) − 1, unsigned
// (a smaller m, −0 included, wraps around; a negative m or NaN has bits
// above bits(mhi)), or never if mhi <= 1e-14.
func (s *bettingStream) newAGRAPARun() agrapaRun {
	b := &s.bet
	a := agrapaRun{n: s.tail.n, q: b.q, sum: s.sum, mean: b.mean, m2: b.m2, rk: b.rk, raw: b.prevRaw,
		m: s.m, lam: s.lam, nt: s.nt, nf: float64(s.pop.N), xmax: s.g.xmax, mhi: s.g.mhi, c0: b.c0, lo: b.c0 * (1 - 1e-6)}
	a.xbits = math.Float64bits(a.xmax)
	a.mlo = math.Float64bits(1e-14) + 1
	if a.mhi > 1e-14 {
		a.mspan = math.Float64bits(a.mhi) - a.mlo
	}
	return a
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
	a := s.newAGRAPARun()
	p := agrapaProduct{f: s.prod.f, scale: s.prod.scale, mx: s.tail.max}
	if s.bufs == nil {
		s.bufs = new(agrapaBufs)
	}
	w, rk, t := s.bufs.w[:], s.bufs.rk[:], s.bufs.t[:]
	for i < len(x) && a.n < s.g.nmax {
		xs := x[i:min(len(x), i+(s.g.nmax-a.n), i+agrapaBlock)]
		start := a
		a.frames(w[:len(xs)], rk)
		k := a.bets(xs, w, rk, t)
		var k2 int
		if h != nil {
			k2 = p.products(t[:k], h[i:])
		} else {
			k2 = p.productsMax(t[:k])
		}
		if k2 < len(xs) {
			// The block stops at draw i+k2, which the general path takes
			// (the product leaves its range, x is invalid) or which follows
			// a null mean out of range: the state after the draws before it
			// (the same operations again).
			if k2 < k || k < len(xs) {
				a = start
				a.frames(w[:k2], rk)
				a.bets(xs[:k2], w, rk, t)
			}
			a.n += k2
			i += k2
			break
		}
		a.n += k
		i += k
		if !(a.m > 1e-14 && a.m < a.mhi) {
			break
		}
	}
	f, mx := p.f, p.mx
	if a.n != s.tail.n {
		s.tail.lastM = postClear(f * p.scale) // the last draw's v
		b.prevRaw = a.raw
	}
	s.prod.f, s.tail.n, s.sum, s.tail.max = f, a.n, a.sum, mx
	b.mean, b.m2, b.rk, b.q = a.mean, a.m2, a.rk, a.q
	s.setNext(a.m, a.lam)
	return i
}
