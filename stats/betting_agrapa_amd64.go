package stats

//go:noescape
func agrapaPairsSSE(xs, t []float64, a *agrapaRun) int

// agrapaPairs takes the draws xs two at a time, as betsPairsGo does, while
// both draws of a pair take the common path: the pair is not the
// population's last, both draws are valid, and after each the next null
// mean is clear of 0 and u and the bet is raw, unclipped (raw·m1 <= lo and
// raw > 0). It stops before the first pair that does not, leaving a as
// betsPairsGo would have it there, and returns the number of draws taken
// (even). The pairs are agrapaPairsSSE's (SSE2, which every amd64 CPU has):
// the same operations in the same order as betsPairsGo's.
func (a *agrapaRun) agrapaPairs(xs, t []float64) int {
	n := len(xs) &^ 1
	if n == 0 {
		return 0
	}
	k := agrapaPairsSSE(xs[:n], t[:n], a)
	if k > 0 {
		a.n += k
		a.raw = a.lam
	}
	return k
}

const useAGRAPAKernel = true
