package stats

import "math"

// The inner loop of MixBetting for components whose batch is plain (see
// mixStream.plain): no renormalisation and no test against the cut at any
// observation of the batch. Each group of four consecutive components of the
// grid is one lane each of a four-wide vector, so that on amd64 with AVX the
// loop runs on 256-bit registers (mix_kernel_amd64.s); elsewhere, or without
// AVX, mixPlainGo does the same operations one lane at a time. The two give
// the same bits: each lane's operations are the same IEEE multiplications
// and additions, in the same order, with no fused multiply-add (the explicit
// float64 conversions forbid the Go compiler to fuse them).

// mixPlainGo carries G = len(lam)/4 groups (1 or 2) of components through
// the observations whose d are d: for each observation j and each lane l,
// in group order,
//
//	v[4g+l] *= 1 + λ[4g+l]·d_j,   h[4j+l] += (v[4g+l]·a[4g+l])·b[4g+l],
//
// starting h[4j+l] from 0 instead when init is true. A dead lane has λ, v
// and a all 0 (and b 1) and adds +0.
func mixPlainGo(d, lam, v, a, b, h []float64, init bool) {
	G := len(lam) / 4
	h = h[:4*len(d)]
	for j, dj := range d {
		hj := h[4*j : 4*j+4 : 4*j+4]
		for l := range 4 {
			acc := 0.0
			if !init {
				acc = hj[l]
			}
			for g := range G {
				i := 4*g + l
				v[i] *= 1 + float64(lam[i]*dj)
				acc += float64(float64(v[i]*a[i]) * b[i])
			}
			hj[l] = acc
		}
	}
}

// mixPlain is mixPlainGo, by the vector kernel where there is one.
func mixPlain(d, lam, v, a, b, h []float64, init bool) {
	if len(d) == 0 {
		return
	}
	_ = h[4*len(d)-1]
	if !mixPlainVector(d, lam, v, a, b, h, init) {
		mixPlainGo(d, lam, v, a, b, h, init)
	}
}

// mixPrepState is the state of a batch's first pass (see mixPrepGo): the
// inputs nt = N/2 and rem = N − n (0 for N infinite, where m is 1/2), the
// running sum of the observations, and the batch's bounds.
type mixPrepState struct {
	nt, rem, sum           float64
	dmin, dmax, pmin, pmax float64 // of d and of its partial sums
	tot, sq                float64 // Σd and Σd²
	mmin, mmax, xmin, xmax float64 // of the null means and of the observations
	cube                   float64 // Σd³
	// mode selects the bounds kept: mixPrepAll, mixPrepNoM (not m's nor
	// d's: the caller knows an interval that holds the means, which bounds
	// d too) or mixPrepLean (nor x's: the caller has checked the
	// observations too). The sums and the partial sums' bounds are always
	// kept. mixPrepGo keeps them all, whatever the mode.
	mode int64
}

// The modes of mixPrepState.
const (
	mixPrepAll  = 0
	mixPrepNoM  = 1
	mixPrepLean = 2
)

func newMixPrep(nt, rem, sum float64) mixPrepState {
	inf := math.Inf(1)
	return mixPrepState{nt: nt, rem: rem, sum: sum, dmin: inf, dmax: -inf, pmin: inf, pmax: -inf,
		mmin: inf, mmax: -inf, xmin: inf, xmax: -inf}
}

// mixPrepGo is a batch's first pass: for each observation x_j, the null
// mean m_j = (N/2 − S)/(N − n) (nullMean's operations; rem counts N − n
// down by 1 exactly) or 1/2, d_j = x_j − m_j into dd, the running sum S,
// and the bounds. It changes nothing else, so that batch may look at the
// bounds (an invalid observation, a special null mean) before it does
// anything. mixPrepSSE is the same in amd64 assembly, where the minima and
// maxima are single instructions.
func mixPrepGo(xs, dd []float64, p *mixPrepState) {
	nt, rem, sum := p.nt, p.rem, p.sum
	dmin, dmax, pmin, pmax, tot, sq := p.dmin, p.dmax, p.pmin, p.pmax, p.tot, p.sq
	mmin, mmax, xmin, xmax, cube := p.mmin, p.mmax, p.xmin, p.xmax, p.cube
	dd = dd[:len(xs)]
	for j, x := range xs {
		m := 0.5
		if rem != 0 {
			m = (nt - sum) / rem
			rem--
		}
		if m < mmin {
			mmin = m
		}
		if m > mmax {
			mmax = m
		}
		if x < xmin {
			xmin = x
		}
		if x > xmax {
			xmax = x
		}
		sum += x
		d := x - m
		dd[j] = d
		if d < dmin {
			dmin = d
		}
		if d > dmax {
			dmax = d
		}
		tot += d
		if tot < pmin {
			pmin = tot
		}
		if tot > pmax {
			pmax = tot
		}
		d2 := float64(d * d)
		sq += d2
		cube += float64(d2 * d)
	}
	p.rem, p.sum = rem, sum
	p.dmin, p.dmax, p.pmin, p.pmax, p.tot, p.sq = dmin, dmax, pmin, pmax, tot, sq
	p.mmin, p.mmax, p.xmin, p.xmax, p.cube = mmin, mmax, xmin, xmax, cube
}

// mixRecordState is the state of a batch's last pass (see mixRecordGo).
type mixRecordState struct {
	aside, L   float64 // the count of set-aside components; the grid's size
	maxT, last float64 // the largest and the last sum L·M
	nan        bool    // some sum was NaN
}

// mixZeros are low counts of a batch in which no component was low.
var mixZeros [4 * mixBatch]float64

// mixRecordGo is a batch's last pass over the len(hl)/4 observations (lo
// nil: no component was low; h nil: no history wanted): for each
// observation j, the sum
// t = L·M = mixLanes(hl[4j:]) + (mixLanes(lo[4j:]) + aside), the running maximum
// (as mixStream.record keeps it) and the history entry min(1, L/t) (1 for
// a NaN t) into h. mixRecordSSE is the same in amd64 assembly.
func mixRecordGo(hl, lo, h []float64, p *mixRecordState) {
	aside, L, maxT, t, nan := p.aside, p.L, p.maxT, p.last, p.nan
	n := len(hl) / 4
	if lo == nil {
		lo = mixZeros[:4*n]
	}
	lo = lo[:4*n]
	for j := range n {
		t = mixLanes(hl[4*j:4*j+4:4*j+4]) + (mixLanes(lo[4*j:4*j+4:4*j+4]) + aside)
		if t > maxT {
			maxT = t
		} else if t != t {
			nan = true
		}
		if h != nil {
			hj := 1.0
			if t > L {
				hj = L / t
			}
			h[j] = hj
		}
	}
	p.maxT, p.last, p.nan = maxT, t, nan
}

// mixMaskedGo is mixPlainGo for components whose value may be low (see
// mixLow) somewhere in the batch: at each observation a lane's value w is
// added to its lane of h if it is not low and counted in its lane of lo
// (adding live[i], 1 for a component and 0 for a dead lane) if it is. For
// the positive finite values of these components (the caller makes sure
// they stay below +Inf), w is low exactly when w <= atol + 1e-5·w (above
// 1e-14 it never is). lo is always added to.
func mixMaskedGo(d, lam, v, a, b, live, h, lo []float64, init bool) {
	G := len(lam) / 4
	h, lo = h[:4*len(d)], lo[:4*len(d)]
	for j, dj := range d {
		hj, lj := h[4*j:4*j+4:4*j+4], lo[4*j:4*j+4:4*j+4]
		for l := range 4 {
			acc := 0.0
			if !init {
				acc = hj[l]
			}
			cnt := lj[l]
			for g := range G {
				i := 4*g + l
				v[i] *= 1 + float64(lam[i]*dj)
				w := float64(float64(v[i]*a[i]) * b[i])
				if w > atol+float64(1e-5*w) {
					acc += w
				} else {
					cnt += live[i]
				}
			}
			hj[l], lj[l] = acc, cnt
		}
	}
}

// mixMasked is mixMaskedGo, by the vector kernel where there is one.
func mixMasked(d, lam, v, a, b, live, h, lo []float64, init bool) {
	if len(d) == 0 {
		return
	}
	_, _ = h[4*len(d)-1], lo[4*len(d)-1]
	if !mixMaskedVector(d, lam, v, a, b, live, h, lo, init) {
		mixMaskedGo(d, lam, v, a, b, live, h, lo, init)
	}
}
