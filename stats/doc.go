// Package stats holds risk-measuring functions: sequentially valid tests of
// the null hypothesis that the mean of a finite or infinite population of
// non-negative numbers bounded by U is at most T, computed from a sample drawn
// at random (with or without replacement), and the sample sizes they need.
//
// The tests are those of SHANGRLA (github.com/pbstark/SHANGRLA, commit
// 9d5db92edf1b5405204ab5a9f10cce2a9331e913, shangrla/core/NonnegMean.py),
// whose results they reproduce to full double precision, with the few
// documented exceptions below:
//
//   - [Alpha]: the ALPHA supermartingale (Stark 2023) with the estimators
//     [FixedAlternativeMean], [ShrinkTrunc] and [OptimalComparison];
//   - [Betting]: betting martingales (Waudby-Smith & Ramdas 2021) with the
//     bets [FixedBet], [AGRAPA] and [KellyOptimal];
//   - [MixBetting]: the flat mixture of fixed-bet martingales;
//   - [KaplanMarkov], [KaplanWald], [KaplanKolmogorov] (Stark 2009, Stark &
//     Teague 2014, Stark 2020);
//   - [WaldSPRT] and [Bravo] (Wald 1945; Lindeman, Stark & Yates 2012).
//
// Every test implements [Test]: [Test.Risk] gives the p-value and the
// per-draw history of a whole sample exactly as SHANGRLA returns them, and
// [Test.Start] gives a [Stream] that takes one observation at a time, so that
// an audit resumes round after round without recomputation. The two forms
// agree bit for bit: after Add has been called with x[0..n-1], P() equals
// Risk(x[:n]).P and Last() equals Risk(x[:n]).History[n-1].
//
// Sample sizes: [SampleSize] (the deterministic SHANGRLA estimate from a
// fixed population), [OverstatementPopulation] (the population SHANGRLA
// builds from error rates), [MonteCarlo] (simulated quantiles, parallel and
// deterministic for a seed), and the closed forms [KaplanMarkovSize],
// [KaplanMarkovInitialSize], [BravoASN], [BravoSize] and [BravoRisk].
//
// # Numerics
//
// Running products are kept as a float64 fraction times a power of two
// (renormalised when the fraction leaves [2^-300, 2^300], or, in
// [MixBetting], ahead of a batch it might leave that range in), so a
// product never underflows or overflows, and, while SHANGRLA's plain
// product stays in the normal floating-point range, it is equal to it bit
// for bit. Sums are sequential, as numpy's cumsum is, except where a
// type's doc says otherwise. A NaN or infinite observation, or one outside
// [0, U], is an error, never a silent NaN.
//
// [MixBetting]'s inner loops and the first pass of [AGRAPA]'s are in amd64
// assembly (SSE2, and AVX where the CPU has it); other CPUs and
// architectures run the same operations in Go, with the same results to
// the bit. Everything else is Go.
//
// # Differences from SHANGRLA
//
//   - Where numpy's running product underflows to zero (very long samples far
//     below the null) or overflows to infinity, SHANGRLA's later values are
//     stuck at 0 or become NaN; rlakit's values stay exact.
//   - A product that is NaN (an infinite term times a zero term) or negative
//     (a bet larger than the data allow) counts as no evidence: its history
//     entry is 1 (SHANGRLA reports NaN or a negative number). After a NaN
//     SHANGRLA's p is 1, and so is rlakit's.
//   - [WaldSPRT] is Wald's test with one product and p = min(1, 1/max M);
//     SHANGRLA multiplies twice and does not clip p. A term the alternative
//     cannot produce is 0, and M_n is +Inf once the sample total exceeds N·T.
//   - Where SHANGRLA crashes (kaplan_kolmogorov with N infinite,
//     optimal_comparison with U = 1, shrink_trunc with a single observation,
//     kaplan_wald with g outside [0, 1]) rlakit returns an error, except
//     shrink_trunc with one observation, which is well defined (sd_1 = 1) and
//     is computed.
//
// Package stats knows nothing of elections: its inputs are numbers.
package stats
