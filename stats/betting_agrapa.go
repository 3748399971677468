package stats

import "math"

// aGRAPA's fast loop (Betting.Risk's and the stream's, for a constant c and
// N finite) runs in blocks of agrapaBlock draws, each in two passes over
// the block: agrapaRun.bets computes the running statistics, the null
// means and the bets, which depend on the draws alone, and the terms 1 +
// λ_j(x_j − m_j) of the product; agrapaProduct.products then multiplies
// them into the product and records each M_j. Each pass keeps fewer values
// live than one loop doing both, so that more of them stay in registers.
// The operations and their order are those of bettingStream.Add, so the
// values are the same bits; only the control flow differs (the guard's
// tests as integer comparisons, stepOK without its test for NaN, which
// cannot fail there, recip's pairs of draws in one loop iteration: see
// newAGRAPARun, fracOK and betsPairs).
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

// bets takes the draws xs after the n taken: for each draw it computes
// what bettingStream.Add computes but the product (the same operations),
// and sets t[j] to the draw's term 1 + λ(x − m). It stops before a draw
// that is not in [0, u(1+1e-9)], and after a draw whose successor's null
// mean m is not clear of 0 and u (setNext's test), and returns the number
// of draws taken; xs must not take the count past N (the guard's nmax).
// The draws are taken two at a time (betsPairs) from an odd n on, while
// the pair is not the population's last; any other draw by betsOne.
func (a *agrapaRun) bets(xs, t []float64) int {
	t = t[:len(xs)]
	k := 0
	for k < len(xs) {
		if a.n&1 != 0 && len(xs)-k >= 2 {
			j, stop := a.betsPairs(xs[k:], t[k:])
			if k += j; stop || k == len(xs) {
				return k
			}
			// One draw left, or the population's last pair.
		}
		if !a.betsOne(xs[k], &t[k]) {
			return k
		}
		if k++; !a.mOK() {
			return k
		}
	}
	return k
}

// mOK is setNext's test of the next draw's null mean: m > 1e-14 && m <
// mhi (see newAGRAPARun).
func (a *agrapaRun) mOK() bool { return math.Float64bits(a.m)-a.mlo < a.mspan }

// betsOne is bets for one draw xi, whose term it puts in *t: recip as
// recip computes it, from a.n's parity. It reports whether it took the
// draw (xi is valid).
func (a *agrapaRun) betsOne(xi float64, t *float64) bool {
	n, q, fn := a.n, a.q, float64(a.n+1)
	sum, mean, m2, rk := a.sum, a.mean, a.m2, a.rk
	m, lam := a.m, a.lam
	if math.Float64bits(xi) > a.xbits && xi != 0 {
		return false // !(xi >= 0 && xi <= a.xmax)
	}
	sum1 := sum + xi
	// recip(n+1), with fn = n+1 and D = N − n − 1 counted exactly.
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
	raw := (mu - m) / (m21*rk + (m-mu)*(m-mu))
	*t = 1 + lam*(xi-m)
	a.n, a.q, a.sum, a.mean, a.m2, a.rk, a.raw = n+1, q, sum1, mu, m21, rk1, raw
	a.m, a.lam = m1, clipBet(a.c0, m1, raw)
	return true
}

// betsPairs is betsPairsGo, with its pairs on the common path (lam = raw
// after both draws, see agrapaPairs) by a kernel where there is one:
// betsPairsGo takes each pair the kernel stops before.
func (a *agrapaRun) betsPairs(xs, t []float64) (int, bool) {
	if !useAGRAPAKernel {
		return a.betsPairsGo(xs, t)
	}
	k := 0
	for {
		if k += a.agrapaPairs(xs[k:], t[k:]); len(xs)-k < 2 {
			return k, false
		}
		j, stop := a.betsPairsGo(xs[k:k+2], t[k:k+2])
		if k += j; stop || j < 2 {
			return k, stop
		}
	}
}

// betsPairsGo is bets for draws n+1 and n+2, n odd, then n+3 and n+4, ...:
// recip(n+1) computes q = 1/(a0·a1), a0 = (N−n−1)(n+2) and a1 = (N−n−2)(n+3),
// and r = a1·q; recip(n+2) is (N−n−1)(n+2)·q, a0·q (each factor exact). It
// stops before a pair whose a1 is not positive (the population's last
// draws), and as bets does; it returns the number of draws taken and
// whether it stopped as bets does.
func (a *agrapaRun) betsPairsGo(xs, t []float64) (int, bool) {
	fn := float64(a.n + 1)
	sum, mean, m2, rk := a.sum, a.mean, a.m2, a.rk
	m, lam, q := a.m, a.lam, a.q
	t = t[:len(xs)]
	j, stop := 0, false
	for j+1 < len(xs) {
		D := a.nf - fn
		fn1, D1 := fn+1, D-1
		a0, a1 := D*fn1, D1*(fn+2)
		if !(a1 > 0) {
			break
		}
		xi := xs[j]
		if math.Float64bits(xi) > a.xbits && xi != 0 {
			stop = true // !(xi >= 0 && xi <= a.xmax)
			break
		}
		t[j] = 1 + lam*(xi-m)
		q = 1 / (a0 * a1)
		r0 := a1 * q
		sum += xi
		m1, rk1 := (a.nt-sum)*(r0*fn1), r0*D
		mu := mean + (xi-mean)*rk
		m2 += (xi - mean) * (xi - mu)
		raw := (mu - m) / (m2*rk + (m-mu)*(m-mu))
		mean, rk, m = mu, rk1, m1
		j++
		if math.Float64bits(m1)-a.mlo >= a.mspan {
			// !(m1 > 1e-14 && m1 < a.mhi), setNext's test: the next draw
			// takes the general path.
			lam, a.raw, stop = clipBet(a.c0, m1, raw), raw, true
			break
		}
		if raw*m1 <= a.lo && raw > 0 {
			lam = raw
		} else {
			lam = clipBet(a.c0, m1, raw)
		}
		xi = xs[j]
		if math.Float64bits(xi) > a.xbits && xi != 0 {
			a.raw, stop = raw, true
			break
		}
		t[j] = 1 + lam*(xi-m)
		r1 := a0 * q
		sum += xi
		m1, rk1 = (a.nt-sum)*(r1*(fn1+1)), r1*D1
		mu = mean + (xi-mean)*rk
		m2 += (xi - mean) * (xi - mu)
		raw = (mu - m) / (m2*rk + (m-mu)*(m-mu))
		a.raw = raw
		mean, rk, m = mu, rk1, m1
		j++
		if math.Float64bits(m1)-a.mlo >= a.mspan {
			lam, stop = clipBet(a.c0, m1, raw), true
			break
		}
		if raw*m1 <= a.lo && raw > 0 {
			lam = raw
		} else {
			lam = clipBet(a.c0, m1, raw)
		}
		fn += 2
	}
	a.n += j
	a.q, a.sum, a.mean, a.m2, a.rk = q, sum, mean, m2, rk
	a.m, a.lam = m, lam
	return j, stop
}

// agrapaProduct is the second pass's state: the product's fraction f and
// its scale (see scaled), and the largest value mx.
type agrapaProduct struct{ f, scale, mx float64 }

// products is the second pass: for each term t[j] while the product stays
// in range (stepOK), it takes f·t[j], records its value v = postClear(f·
// scale) in mx and sets h[j] = hist(v). It returns the number of terms
// taken.
func (p *agrapaProduct) products(t, h []float64) int {
	f := p.f
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
			v = postClearLow(v) // guard.post, m being clear of 0 and u
		}
		if v > p.mx {
			p.mx = v
		}
		h[j] = hist(v)
	}
	p.f = f
	return j
}

// productsMax is products without the history (the stream's).
func (p *agrapaProduct) productsMax(t []float64) int {
	f := p.f
	j := 0
	for ; j < len(t); j++ {
		f1 := f * t[j]
		if !fracOK(f1) {
			break
		}
		f = f1
		v := f1 * p.scale
		if !(v > 1e-14) {
			v = postClearLow(v)
		}
		if v > p.mx {
			p.mx = v
		}
	}
	p.f = f
	return j
}

// postClearLow is postClear, out of line: the loops call it for a value
// at most 1e-14 only (postClear leaves a larger one as it is), rarely.
//
//go:noinline
func postClearLow(v float64) float64 { return postClear(v) }

// fracOK is stepOK(f1, f1·scale) on the fast path: the product's fraction
// f1 stays in [2^-300, 2^301) in magnitude. stepOK's other test, that the
// value f1·scale is not NaN, then holds: f1 is finite and nonzero and, with
// slow false, scale is 1, a power of two, +Inf or 0 (setScale), never NaN.
func fracOK(f1 float64) bool {
	return (math.Float64bits(f1)>>52&0x7ff)-(1023-300) <= 600
}

// agrapaBufs is runAGRAPA's scratch space: bets' terms.
type agrapaBufs struct{ t [agrapaBlock]float64 }

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
	t := s.bufs.t[:]
	for i < len(x) && a.n < s.g.nmax {
		xs := x[i:min(len(x), i+(s.g.nmax-a.n), i+agrapaBlock)]
		start := a
		k := a.bets(xs, t)
		var k2 int
		if h != nil {
			k2 = p.products(t[:k], h[i:])
		} else {
			k2 = p.productsMax(t[:k])
		}
		if k2 < k {
			// The product leaves its range at draw i+k2, which the general
			// path takes: the state after the draws before it (the same
			// operations again).
			a = start
			a.bets(xs[:k2], t)
			i += k2
			break
		}
		// A draw the general path takes (x is invalid), or one after a
		// null mean out of range.
		if i += k; k < len(xs) || !a.mOK() {
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
