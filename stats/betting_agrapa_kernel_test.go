package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// agrapaRunBits lists a's fields as bits, for comparisons that tell −0 from
// 0 and take NaN as equal to itself.
func agrapaRunBits(a *agrapaRun) [18]uint64 {
	f := math.Float64bits
	return [18]uint64{uint64(a.n), f(a.q), f(a.sum), f(a.mean), f(a.m2), f(a.rk), f(a.raw),
		f(a.m), f(a.lam), f(a.nt), f(a.nf), f(a.xmax), f(a.mhi), f(a.c0), f(a.lo),
		a.xbits, a.mlo, a.mspan}
}

// agrapaKernelDraw is a draw in [0, u], with its ends, −0 and, now and
// then, an invalid value.
func agrapaKernelDraw(r *rand.Rand, u, bias float64, bad int) float64 {
	if bad > 0 && r.IntN(bad) == 0 {
		return []float64{-1e-300, math.NaN(), u * (1 + 1e-8), math.Inf(1), -1, math.Inf(-1)}[r.IntN(6)]
	}
	switch r.IntN(12) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return u
	case 3, 4, 5:
		return u * bias
	}
	return u * r.Float64()
}

// betsPairs, the kernel's pairs then betsPairsGo, gives betsPairsGo's
// bits: the draws taken, the stop, the terms and the whole state, from
// states after random prefixes of random samples, with invalid draws,
// null means that leave (0, u), bets the kernel does not take (raw·m1 >
// lo, raw <= 0) and the population's last draws.
// Both kernels where there is AVX.
func TestAGRAPAPairsKernel(t *testing.T) {
	defer func(v bool) { agrapaAVX = v }(agrapaAVX)
	for _, avx := range []bool{false, true} {
		if avx && !useAVX {
			continue
		}
		agrapaAVX = avx
		t.Run(map[bool]string{false: "sse", true: "avx"}[avx], testAGRAPAPairsKernel)
	}
}

func testAGRAPAPairsKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var taken, calls, partial, exits int
	for trial := range 20000 {
		N := 2 + r.IntN(600)
		if trial%10 == 0 {
			N = 2 + r.IntN(12)
		}
		U := []float64{1, 1, 2.5, 1e-3, 7}[r.IntN(5)]
		T := U * []float64{0.5, 0.5, 0.45, 0.1, 0.9, 1e-3, 0.999}[r.IntN(7)]
		c0 := []float64{0, 0, 0.5, 0.1, 1e-3, 1}[r.IntN(6)]
		test := Betting{Population: Population{N: N, T: T, U: U}, Bet: AGRAPA{C0: c0, CMax: c0}}
		s, err := test.start(nil)
		if err != nil {
			t.Fatal(err)
		}
		bias := r.Float64()
		pre := r.IntN(N)
		if pre%2 == 0 {
			pre++
		}
		if pre >= N {
			continue
		}
		ok := true
		for range pre {
			if s.Add(agrapaKernelDraw(r, U, bias, 0)) != nil {
				ok = false
				break
			}
		}
		if !ok || !s.fast || s.tail.n != pre || s.bet.kind != betAGRAPA || !s.bet.constantC {
			continue
		}
		a := s.newAGRAPARun()
		switch r.IntN(4) {
		case 0:
			a.lo *= r.Float64() // more bets clipped: the kernel stops
		case 1:
			a.lo = r.Float64() * 1e-3
		}
		bad := []int{0, 0, 50, 8}[r.IntN(4)]
		xs := make([]float64, r.IntN(N-pre+1))
		if r.IntN(4) == 0 {
			xs = make([]float64, N-pre) // up to the population's last pair
		}
		for j := range xs {
			xs[j] = agrapaKernelDraw(r, U, bias, bad)
		}
		switch r.IntN(4) {
		case 0:
			a.mspan = uint64(float64(a.mspan) * (0.9 + 0.1*r.Float64())) // m leaves (0, u) sooner
		case 1:
			// The second draw's raw·m1 is lo, to the bit: betsPairsGo
			// takes raw, and the kernel must too.
			if len(xs) >= 2 {
				b := a
				if j, _ := b.betsPairsGo(xs[:2], make([]float64, 2)); j == 2 {
					a.lo = b.raw * b.m
				}
			}
		}
		t1, t2 := make([]float64, len(xs)), make([]float64, len(xs))
		a1, a2, a3 := a, a, a
		j1, stop1 := a1.betsPairs(xs, t1)
		j2, stop2 := a2.betsPairsGo(xs, t2)
		if j1 != j2 || stop1 != stop2 {
			t.Fatalf("trial %d (N %d, n %d, %d draws): betsPairs took %d (stop %v), betsPairsGo %d (stop %v)", trial, N, pre, len(xs), j1, stop1, j2, stop2)
		}
		for j := range j1 {
			if math.Float64bits(t1[j]) != math.Float64bits(t2[j]) {
				t.Fatalf("trial %d: t[%d] = %v with the kernel, %v by Go", trial, j, t1[j], t2[j])
			}
		}
		if b1, b2 := agrapaRunBits(&a1), agrapaRunBits(&a2); b1 != b2 {
			t.Fatalf("trial %d (N %d, n %d, %d draws, took %d): state\n%v with the kernel,\n%v by Go", trial, N, pre, len(xs), j1, b1, b2)
		}
		if len(xs) >= 2 {
			calls++
			k := a3.agrapaPairs(xs, make([]float64, len(xs)))
			taken += k
			if k > 0 && k < j1 {
				partial++
			}
			if k < len(xs)&^1 {
				exits++
			}
		}
	}
	if useAGRAPAKernel {
		t.Logf("%d calls, %d draws by the kernel, %d stops before betsPairsGo's, %d stops", calls, taken, partial, exits)
		if taken == 0 || partial == 0 {
			t.Errorf("the kernel took %d draws and stopped early %d times: the test does not exercise it", taken, partial)
		}
	}
}
