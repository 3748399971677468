package stats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// SampleSize is SHANGRLA's deterministic sample-size estimate
// (NonnegMean.sample_size with reps=None): the test is run on the population
// of size N made by repeating each value of x in a block of ⌈N/len(x)⌉
// copies (numpy's repeat, not tile) and keeping the first N, and the answer
// is the first sample size whose history entry is at most alpha, or N if
// there is none.
func SampleSize(test Test, x []float64, N int, alpha float64) (int, error) {
	name := test.Name()
	switch {
	case len(x) == 0:
		return 0, inputErr(name, "sample size: no data")
	case N <= 0:
		return 0, inputErr(name, "sample size: N = %d must be a positive (finite) population size", N)
	case !(alpha > 0 && alpha < 1):
		return 0, inputErr(name, "sample size: risk limit %v must be in (0, 1)", alpha)
	}
	r := (N + len(x) - 1) / len(x)
	s, err := test.Start()
	if err != nil {
		// An oracle bet needs the whole population first.
		pop := make([]float64, N)
		for i := range pop {
			pop[i] = x[i/r]
		}
		res, err := test.Risk(pop)
		if err != nil {
			return 0, err
		}
		if n := firstAtMost(res.History, alpha); n > 0 {
			return n, nil
		}
		return N, nil
	}
	// The population in chunks, each taken until a history entry is at
	// most alpha. The last draw's entry (Last, after the end-of-sample
	// adjustment) need not be looked at: the answer is N either way.
	st := s.(stream)
	var buf [256]float64
	for i := 0; i < N; i += len(buf) {
		c := buf[:min(len(buf), N-i)]
		for j := range c {
			c[j] = x[(i+j)/r]
		}
		k, stop, err := addUntil(st, c, alpha)
		if err != nil {
			return 0, err
		}
		if stop {
			return i + k, nil
		}
	}
	return N, nil
}

// firstAtMost is the 1-based index of the first entry of h that is at most
// alpha, or 0.
func firstAtMost(h []float64, alpha float64) int {
	for i, v := range h {
		if v <= alpha {
			return i + 1
		}
	}
	return 0
}

// OverstatementPopulation is the population that SHANGRLA's
// Assertion.find_sample_size builds for a comparison audit from assumed
// error rates: n values of the overstatement assorter
// B(ω) = (1 − ω/upper)/(2 − margin/upper) for an assorter with upper bound
// upper and margin margin, all B(0) except that every ⌊1/rate1⌋-th value
// from the first on is B(1/2) (a one-vote overstatement), and then every
// ⌊1/rate2⌋-th from the first on is B(1) = 0. A rate of 0 places none.
func OverstatementPopulation(n int, margin, upper, rate1, rate2 float64) ([]float64, error) {
	const name = "overstatement population"
	switch {
	case n <= 0:
		return nil, inputErr(name, "N = %d must be positive", n)
	case !finite(upper) || upper <= 0:
		return nil, inputErr(name, "upper bound %v must be positive", upper)
	case !finite(margin) || margin <= 0 || margin > 2*upper:
		return nil, inputErr(name, "margin %v must be in (0, 2·upper bound]", margin)
	case !(rate1 >= 0 && rate1 <= 1), !(rate2 >= 0 && rate2 <= 1):
		return nil, inputErr(name, "error rates %v, %v must be in [0, 1]", rate1, rate2)
	}
	den := 2 - margin/upper
	big := (1 - 0/upper) / den
	small := (1 - 0.5/upper) / den
	x := make([]float64, n)
	for i := range x {
		x[i] = big
	}
	if rate1 > 0 {
		for i := 0; i < n; i += int(1 / rate1) {
			x[i] = small
		}
	}
	if rate2 > 0 {
		for i := 0; i < n; i += int(1 / rate2) {
			x[i] = 0
		}
	}
	return x, nil
}

// MonteCarlo estimates the distribution of the sample size a test needs by
// simulation: each replicate draws a sample with replacement from Pop (after
// the fixed Prefix, if any) until the history entry falls to Alpha or N
// values have been drawn, and records that size. This is SHANGRLA's
// NonnegMean.sample_size with reps > 0, with rlakit's own generator: the
// values of replicate r come from a ChaCha8 generator whose 32-byte seed is
// Seed and r (little-endian uint64s) followed by zeros, so the result is the
// same for a given Seed whatever the number of workers and their scheduling.
type MonteCarlo struct {
	// Test is the risk-measuring function; its Start must succeed.
	Test Test
	// Pop holds the values to draw from, with replacement.
	Pop []float64
	// Prefix holds values that start every simulated sample (observed
	// data, SHANGRLA's prefix=True).
	Prefix []float64
	// N is the largest sample size (the population size), > len(Prefix).
	N int
	// Alpha is the risk limit, in (0, 1).
	Alpha float64
	// Reps is the number of replicates, > 0.
	Reps int
	// Seed selects the pseudo-random streams.
	Seed uint64
	// Workers is the number of goroutines; 0 selects runtime.GOMAXPROCS(0).
	Workers int
}

// Sizes are simulated sample sizes, one per replicate, in replicate order.
type Sizes []int

// Quantile is numpy's quantile of the sizes with linear interpolation,
// truncated to an integer as SHANGRLA does (int(np.quantile(sizes, q))).
func (s Sizes) Quantile(q float64) int {
	if len(s) == 0 || !(q >= 0 && q <= 1) {
		return 0
	}
	v := make([]float64, len(s))
	for i, n := range s {
		v[i] = float64(n)
	}
	return int(quantile(v, q))
}

// Run simulates the replicates in parallel and returns their sizes.
func (mc MonteCarlo) Run() (Sizes, error) {
	name := "monte carlo"
	if mc.Test != nil {
		name = mc.Test.Name()
	}
	switch {
	case mc.Test == nil:
		return nil, inputErr(name, "no test")
	case len(mc.Pop) == 0:
		return nil, inputErr(name, "sample size: empty population to draw from")
	case mc.N <= len(mc.Prefix):
		return nil, inputErr(name, "sample size: N = %d must exceed the %d prefix values", mc.N, len(mc.Prefix))
	case !(mc.Alpha > 0 && mc.Alpha < 1):
		return nil, inputErr(name, "sample size: risk limit %v must be in (0, 1)", mc.Alpha)
	case mc.Reps <= 0:
		return nil, inputErr(name, "sample size: reps = %d must be positive", mc.Reps)
	}
	if _, err := mc.Test.Start(); err != nil {
		return nil, err
	}
	workers := mc.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, mc.Reps)
	sizes := make(Sizes, mc.Reps)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r := int(next.Add(1) - 1)
				if r >= mc.Reps {
					return
				}
				n, err := mc.replicate(r)
				if err != nil {
					errs[w] = fmt.Errorf("replicate %d: %w", r, err)
					return
				}
				sizes[r] = n
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return sizes, nil
}

// replicateRand returns the generator of replicate r.
func replicateRand(seed uint64, r int) *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], seed)
	binary.LittleEndian.PutUint64(key[8:], uint64(r))
	return rand.New(rand.NewChaCha8(key))
}

func (mc MonteCarlo) replicate(r int) (int, error) {
	s, err := mc.Test.Start()
	if err != nil {
		return 0, err
	}
	st := s.(stream)
	rng := replicateRand(mc.Seed, r)
	np := len(mc.Pop)
	if _, ok := st.(untilAdder); !ok {
		// One draw at a time: no draw is made after the stop.
		for i := range mc.N {
			var v float64
			if i < len(mc.Prefix) {
				v = mc.Prefix[i]
			} else {
				v = mc.Pop[rng.IntN(np)]
			}
			if err := st.Add(v); err != nil {
				return 0, err
			}
			if st.rawLast() <= mc.Alpha {
				return i + 1, nil
			}
		}
		return mc.N, nil
	}
	// A stream that computes in batches takes the draws in chunks, each
	// until a history entry is at most alpha. The chunks grow from 16 to
	// 256 draws, so that the draws made after a stop (drawn but never used:
	// a seed gives the same sizes as drawing one at a time) are at most as
	// many as those before it. The last draw's entry need not be looked at
	// (Last, after the end-of-sample adjustment): the answer is N either way.
	var buf [256]float64
	chunk := 16
	for i := 0; i < mc.N; {
		c := buf[:min(chunk, mc.N-i)]
		for j := range c {
			if i+j < len(mc.Prefix) {
				c[j] = mc.Prefix[i+j]
			} else {
				c[j] = mc.Pop[rng.IntN(np)]
			}
		}
		k, stop, err := addUntil(st, c, mc.Alpha)
		if err != nil {
			return 0, err
		}
		if stop {
			return i + k, nil
		}
		i += len(c)
		chunk = min(2*chunk, len(buf))
	}
	return mc.N, nil
}

// DefaultGamma is the error inflation factor γ of Stark's super-simple
// audits used by Stark's tools, Arlo and Colorado's RLA software.
const DefaultGamma = 1.03905

// Discrepancies are counts (or, for [KaplanMarkovInitialSize], rates) of
// one- and two-vote overstatements (O1, O2) and understatements (U1, U2) in
// a comparison audit.
type Discrepancies struct {
	O1, O2, U1, U2 float64
}

// ArloRates are the assumed discrepancy rates of Arlo's initial sample size
// for comparison audits: one-vote 1 in 1,000, two-vote 1 in 10,000.
var ArloRates = Discrepancies{O1: 0.001, O2: 0.0001, U1: 0.001, U2: 0.0001}

// KaplanMarkovSize is the smallest sample of a Kaplan-Markov comparison audit
// (super-simple, Stark 2010, "Super-simple simultaneous single-ballot
// risk-limiting audits", EVT/WOTE, section 3) that can confirm the outcome at
// risk limit alpha when it finds the discrepancy counts d, for diluted margin
// μ and error inflation γ (0 selects DefaultGamma):
//
//	n = ⌈ −2γ [ln α + O1 ln(1 − 1/(2γ)) + O2 ln(1 − 1/γ) + U1 ln(1 + 1/(2γ)) + U2 ln(1 + 1/γ)] / μ ⌉,
//
// and at least O1+O2+U1+U2 (as Arlo's nMin).
func KaplanMarkovSize(margin, alpha, gamma float64, d Discrepancies) (int, error) {
	gamma, err := checkSuperSimple(margin, alpha, gamma)
	if err != nil {
		return 0, err
	}
	if !(d.O1 >= 0 && d.O2 >= 0 && d.U1 >= 0 && d.U2 >= 0) {
		return 0, inputErr("kaplan_markov", "discrepancy counts %+v must be non-negative", d)
	}
	n := math.Ceil(-2 * gamma * (math.Log(alpha) +
		d.O1*math.Log(1-1/(2*gamma)) + d.O2*math.Log(1-1/gamma) +
		d.U1*math.Log(1+1/(2*gamma)) + d.U2*math.Log(1+1/gamma)) / margin)
	n = math.Max(n, d.O1+d.O2+d.U1+d.U2)
	if n > math.MaxInt32 {
		return 0, inputErr("kaplan_markov", "sample size %v too large", n)
	}
	return int(n), nil
}

// KaplanMarkovInitialSize is Arlo's initial sample size for a super-simple
// comparison audit, the size expected to confirm the outcome when the
// discrepancies occur at the given rates (Arlo, server/audit_math/supersimple.py,
// get_sample_sizes): with
//
//	D = ln(1 − μ/(2γ)) − r1 ln(1 − 1/(2γ)) − r2 ln(1 − 1/γ) − s1 ln(1 + 1/(2γ)) − s2 ln(1 + 1/γ),
//
// n0 = ⌈ln α / D⌉, and the answer is [KaplanMarkovSize] with the one-vote
// counts ⌈r1·n0⌉ and ⌈s1·n0⌉ and, as in Arlo, the two-vote rates r2 and s2
// themselves. Use [ArloRates] for Arlo's defaults. When the rates leave no
// expected evidence (D ≥ 0) it returns an error wrapping ErrNoFiniteSize.
func KaplanMarkovInitialSize(margin, alpha, gamma float64, rates Discrepancies) (int, error) {
	gamma, err := checkSuperSimple(margin, alpha, gamma)
	if err != nil {
		return 0, err
	}
	r := rates
	if !(r.O1 >= 0 && r.O1 <= 1 && r.O2 >= 0 && r.O2 <= 1 && r.U1 >= 0 && r.U1 <= 1 && r.U2 >= 0 && r.U2 <= 1) {
		return 0, inputErr("kaplan_markov", "discrepancy rates %+v must be in [0, 1]", r)
	}
	if margin >= 2*gamma {
		return 1, nil
	}
	den := math.Log(1-margin/(2*gamma)) - r.O1*math.Log(1-1/(2*gamma)) - r.O2*math.Log(1-1/gamma) -
		r.U1*math.Log(1+1/(2*gamma)) - r.U2*math.Log(1+1/gamma)
	if den >= 0 {
		return 0, fmt.Errorf("stats: kaplan_markov: discrepancy rates %+v leave no evidence at margin %v: %w", r, margin, ErrNoFiniteSize)
	}
	n0 := math.Ceil(math.Log(alpha) / den)
	return KaplanMarkovSize(margin, alpha, gamma, Discrepancies{
		O1: math.Ceil(r.O1 * n0), O2: r.O2, U1: math.Ceil(r.U1 * n0), U2: r.U2,
	})
}

// ErrNoFiniteSize means that no sample smaller than the population is
// expected to confirm the outcome: count everything.
var ErrNoFiniteSize = errors.New("no finite sample size: a full count is needed")

func checkSuperSimple(margin, alpha, gamma float64) (float64, error) {
	if gamma == 0 {
		gamma = DefaultGamma
	}
	switch {
	case !finite(margin) || margin <= 0:
		return 0, inputErr("kaplan_markov", "diluted margin %v must be positive", margin)
	case !(alpha > 0 && alpha < 1):
		return 0, inputErr("kaplan_markov", "risk limit %v must be in (0, 1)", alpha)
	case !finite(gamma) || gamma < 1:
		return 0, inputErr("kaplan_markov", "gamma = %v must be at least 1", gamma)
	}
	return gamma, nil
}
