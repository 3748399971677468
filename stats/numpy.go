package stats

import (
	"math"
	"sort"
)

// This file holds the few numerical routines of numpy and scipy whose exact
// rounding the reference results depend on, written from their documented
// algorithms.

// numpy's pairwise-summation block (numpy/core/src/umath/loops_utils.h,
// PW_BLOCKSIZE) and the ufunc buffer over which a reduction of a long array
// is split (NPY_BUFSIZE).
const (
	pwBlock  = 128
	npBufLen = 8192
)

// PairwiseSum returns the sum of x exactly as numpy 1.24's np.sum (and so
// np.mean, Σ/n) computes it for a contiguous float64 array: the array is
// reduced in buffers of 8,192 values, added in order, and each buffer is
// summed by numpy's pairwise_sum (eight running accumulators over blocks of
// at most 128 values, halves otherwise, split at a multiple of 8). SHANGRLA's
// margins and kelly_optimal's root depend on this exact rounding.
func PairwiseSum(x []float64) float64 {
	s := 0.0
	for len(x) > 0 {
		n := min(len(x), npBufLen)
		s += pairwiseSum(x[:n])
		x = x[n:]
	}
	return s
}

// pairwiseSum is numpy's pairwise_sum of one buffer.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= pwBlock:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for k := range 8 {
				r[k] += a[i+k]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
}

// bisect is scipy.optimize.bisect (scipy/optimize/Zeros/bisect.c) on [a, b]
// with f(a) = fa and f(b) = fb of opposite signs.
func bisect(f func(float64) float64, a, b, fa, fb, xtol, rtol float64, maxiter int) float64 {
	if fa == 0 {
		return a
	}
	if fb == 0 {
		return b
	}
	dm := b - a
	for range maxiter {
		dm *= 0.5
		xm := a + dm
		fm := f(xm)
		if fm*fa >= 0 {
			a = xm
		}
		if fm == 0 || math.Abs(dm) < xtol+rtol*math.Abs(xm) {
			return xm
		}
	}
	return a
}

// linspace is numpy's linspace(start, stop, num) with the endpoint.
func linspace(start, stop float64, num int) []float64 {
	out := make([]float64, num)
	if num == 1 {
		out[0] = start
		return out
	}
	step := (stop - start) / float64(num-1)
	for i := range out {
		out[i] = float64(i)*step + start
	}
	out[num-1] = stop
	return out
}

// quantile is numpy's quantile with its default linear method, of the
// values v (sorted in place).
func quantile(v []float64, q float64) float64 {
	sort.Float64s(v)
	h := float64(len(v)-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	g := h - lo
	a, b := v[i], v[i+1]
	d := b - a
	if g >= 0.5 {
		return b - d*(1-g)
	}
	return a + d*g
}

// LamToEta converts a betting fraction λ into the equivalent ALPHA
// alternative mean, η = μ(1 + λ(U − μ)), where μ is the null mean of the
// next draw (Stark 2023, section 3.3; SHANGRLA's lam_to_eta).
func LamToEta(lam, mu, u float64) float64 { return mu * (1 + lam*(u-mu)) }

// EtaToLam is the inverse of LamToEta: λ = (η/μ − 1)/(U − μ).
func EtaToLam(eta, mu, u float64) float64 { return (eta/mu - 1) / (u - mu) }
