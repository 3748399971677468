package stats

import "math"

const useAGRAPAKernel = true

//go:noescape
func agrapaPairsSSE(xs, t []float64, a *agrapaRun, lob uint64) int

//go:noescape
func agrapaPairsAVX(xs, t []float64, a *agrapaRun, lob uint64) int

// agrapaAVX selects agrapaPairsAVX, where there is AVX (the tests set it to
// test both kernels).
var agrapaAVX = useAVX

// agrapaPairs takes the draws xs two at a time, as betsPairsGo does, while
// both draws of a pair take the common path: the pair is not the
// population's last, both draws are valid, and after each the next null
// mean is clear of 0 and u and the bet is raw, unclipped (0 < raw·m1 <=
// lo, so that raw > 0). It stops before the first pair that does not,
// leaving a as betsPairsGo would have it there, and returns the number of
// draws taken (even). The pairs are agrapaPairsAVX's where there is AVX,
// agrapaPairsSSE's (SSE2, which every amd64 CPU has) elsewhere: the same
// operations in the same order as betsPairsGo's.
func (a *agrapaRun) agrapaPairs(xs, t []float64) int {
	n := len(xs) &^ 1
	// Pair p (from 0) is not the last, (N−n−2−2p)(n+3+2p) > 0, while 2p+2
	// <= N−n−1.
	if lim := a.nf - float64(a.n) - 1; lim < float64(n) {
		if !(lim >= 2) {
			return 0
		}
		n = int(lim) &^ 1
	}
	if n == 0 {
		return 0
	}
	// raw·m1 in (0, lo] as integers: bits(raw·m1) − 1 < bits(lo), or never.
	var lob uint64
	if a.lo > 0 {
		lob = math.Float64bits(a.lo)
	}
	var k int
	if agrapaAVX {
		k = agrapaPairsAVX(xs[:n], t[:n], a, lob)
	} else {
		k = agrapaPairsSSE(xs[:n], t[:n], a, lob)
	}
	if k > 0 {
		a.n += k
		a.raw = a.lam
	}
	return k
}
