package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The vector kernel gives mixPlainGo's bits, for one and two groups, with
// dead lanes, starting h from 0 or adding to it.
func TestMixPlainKernel(t *testing.T) {
	if !useAVX {
		t.Skip("no vector kernel on this machine")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		G := 1 + trial%2
		n := r.IntN(300)
		d := make([]float64, n)
		for j := range d {
			d[j] = r.Float64() - 0.5 + math.Ldexp(r.Float64(), -30)
		}
		lam, v, a, b := make([]float64, 4*G), make([]float64, 4*G), make([]float64, 4*G), make([]float64, 4*G)
		for i := range lam {
			b[i] = 1
			if r.IntN(4) == 0 {
				continue // a dead lane
			}
			lam[i] = 2 * r.Float64()
			v[i] = math.Ldexp(0.5+r.Float64(), r.IntN(200)-100)
			sc := scaleOf(r.IntN(2600) - 400)
			a[i], b[i] = sc.a, sc.b
		}
		h0 := make([]float64, 4*n)
		for j := range h0 {
			h0[j] = r.Float64() * 100
		}
		for _, init := range []bool{false, true} {
			v1, v2 := append([]float64(nil), v...), append([]float64(nil), v...)
			h1, h2 := append([]float64(nil), h0...), append([]float64(nil), h0...)
			mixPlainGo(d, lam, v1, a, b, h1, init)
			mixPlain(d, lam, v2, a, b, h2, init)
			for i := range v1 {
				if math.Float64bits(v1[i]) != math.Float64bits(v2[i]) {
					t.Fatalf("trial %d G=%d init=%v: v[%d] = %v by Go, %v by the kernel", trial, G, init, i, v1[i], v2[i])
				}
			}
			for i := range h1 {
				if math.Float64bits(h1[i]) != math.Float64bits(h2[i]) && !(h1[i] != h1[i] && h2[i] != h2[i]) {
					t.Fatalf("trial %d G=%d init=%v: h[%d] = %v by Go, %v by the kernel", trial, G, init, i, h1[i], h2[i])
				}
			}
		}
	}
}

// mixPrep and mixRecord (assembly on amd64) give mixPrepGo's and
// mixRecordGo's values: d, the sums and the history bit for bit, the bounds
// equal (MINSD and MAXSD may differ only in the sign of a zero).
func TestMixPrepRecord(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	same := func(a, b float64) bool { return a == b || (a != a && b != b) }
	for trial := range 300 {
		n := 1 + r.IntN(mixBatch)
		xs := make([]float64, n)
		for j := range xs {
			switch r.IntN(4) {
			case 0:
				xs[j] = float64(r.IntN(3)) / 2
			default:
				xs[j] = r.Float64() * 1.02
			}
		}
		rem := 0.0
		if trial%3 != 0 {
			rem = float64(n + r.IntN(1000))
		}
		if trial%17 == 5 {
			xs[r.IntN(n)] = math.NaN()
		}
		p1 := newMixPrep(rem*0.5, rem, r.Float64()*10)
		p2 := p1
		p2.mode = int64(trial % 3) // mixPrepAll, mixPrepNoM, mixPrepLean
		d1, d2 := make([]float64, n), make([]float64, n)
		mixPrepGo(xs, d1, &p1)
		mixPrep(xs, d2, &p2)
		if !same(p1.sum, p2.sum) || math.Float64bits(p1.rem) != math.Float64bits(p2.rem) {
			t.Fatalf("trial %d: sum %v rem %v by Go, %v %v by the kernel", trial, p1.sum, p1.rem, p2.sum, p2.rem)
		}
		if p1.sum == p1.sum {
			for j := range d1 {
				if math.Float64bits(d1[j]) != math.Float64bits(d2[j]) {
					t.Fatalf("trial %d: d[%d] = %v by Go, %v by the kernel", trial, j, d1[j], d2[j])
				}
			}
			b1 := []float64{p1.pmin, p1.pmax, p1.tot, p1.sq, p1.cube, p1.xmin, p1.xmax, p1.dmin, p1.dmax, p1.mmin, p1.mmax}
			b2 := []float64{p2.pmin, p2.pmax, p2.tot, p2.sq, p2.cube, p2.xmin, p2.xmax, p2.dmin, p2.dmax, p2.mmin, p2.mmax}
			// The bounds the mode keeps: the sums and partial sums always,
			// x's unless lean, d's and m's only in mixPrepAll (m's are set
			// once for N infinite, where m is 1/2 throughout).
			switch {
			case p2.mode == mixPrepLean && rem != 0:
				b1, b2 = b1[:5], b2[:5]
			case p2.mode == mixPrepLean:
				b1, b2 = append(b1[:5], b1[9:]...), append(b2[:5], b2[9:]...)
			case p2.mode == mixPrepNoM && rem != 0:
				b1, b2 = b1[:7], b2[:7]
			case p2.mode == mixPrepNoM:
				b1, b2 = append(b1[:7], b1[9:]...), append(b2[:7], b2[9:]...)
			}
			for i := range b1 {
				if b1[i] != b2[i] {
					t.Fatalf("trial %d: bound %d = %v by Go, %v by the kernel", trial, i, b1[i], b2[i])
				}
			}
		}
		// The last pass, with sums around L, some infinite or NaN.
		hl, lo := make([]float64, 4*n), make([]float64, 4*n)
		for j := range hl {
			hl[j] = r.Float64() * 30
		}
		for j := range lo {
			lo[j] = float64(r.IntN(2))
		}
		for j := range n {
			switch r.IntN(40) {
			case 0:
				hl[4*j+r.IntN(4)] = math.Inf(1)
			case 1:
				hl[4*j+r.IntN(4)] = math.NaN()
			}
		}
		q1 := mixRecordState{aside: float64(r.IntN(50)), L: 100, maxT: math.Inf(-1)}
		if trial%2 == 0 {
			q1.maxT = 90
		}
		q2 := q1
		h1, h2 := make([]float64, n), make([]float64, n)
		lo2 := lo
		if trial%3 == 0 {
			clear(lo) // all 0, which nil stands for
			lo2 = nil
		}
		mixRecordGo(hl, lo, h1, &q1)
		if trial%4 == 1 {
			// No history wanted: the same sums and maximum.
			mixRecord(hl, lo2, nil, &q2)
			copy(h2, h1)
		} else {
			mixRecord(hl, lo2, h2, &q2)
		}
		if math.Float64bits(q1.maxT) != math.Float64bits(q2.maxT) || !same(q1.last, q2.last) || q1.nan != q2.nan {
			t.Fatalf("trial %d: %+v by Go, %+v by the kernel", trial, q1, q2)
		}
		for j := range h1 {
			if math.Float64bits(h1[j]) != math.Float64bits(h2[j]) {
				t.Fatalf("trial %d: h[%d] = %v by Go, %v by the kernel", trial, j, h1[j], h2[j])
			}
		}
	}
}

// The masked vector kernel gives mixMaskedGo's bits, with values on both
// sides of the cut and dead lanes.
func TestMixMaskedKernel(t *testing.T) {
	if !useAVX {
		t.Skip("no vector kernel on this machine")
	}
	r := rand.New(rand.NewPCG(9, 10))
	lows, highs := 0.0, 0
	for trial := range 200 {
		G := 1 + trial%2
		n := r.IntN(300)
		d := make([]float64, n)
		for j := range d {
			d[j] = r.Float64() - 0.5
		}
		lam, v, a, b, live := make([]float64, 4*G), make([]float64, 4*G), make([]float64, 4*G), make([]float64, 4*G), make([]float64, 4*G)
		for i := range lam {
			b[i] = 1
			if r.IntN(4) == 0 {
				continue // a dead lane
			}
			live[i] = 1
			lam[i] = 0.3 * r.Float64()
			v[i] = 0.5 + r.Float64()
			a[i] = math.Ldexp(1, -58+r.IntN(16)) // values from 2^-58 to 2^-42
		}
		h0, lo0 := make([]float64, 4*n), make([]float64, 4*n)
		for j := range h0 {
			h0[j] = r.Float64() * 100
			lo0[j] = float64(r.IntN(3))
		}
		for _, init := range []bool{false, true} {
			v1, v2 := append([]float64(nil), v...), append([]float64(nil), v...)
			h1, h2 := append([]float64(nil), h0...), append([]float64(nil), h0...)
			l1, l2 := append([]float64(nil), lo0...), append([]float64(nil), lo0...)
			mixMaskedGo(d, lam, v1, a, b, live, h1, l1, init)
			mixMasked(d, lam, v2, a, b, live, h2, l2, init)
			for i := range v1 {
				if math.Float64bits(v1[i]) != math.Float64bits(v2[i]) {
					t.Fatalf("trial %d G=%d init=%v: v[%d] = %v by Go, %v by the kernel", trial, G, init, i, v1[i], v2[i])
				}
			}
			for i := range h1 {
				if math.Float64bits(h1[i]) != math.Float64bits(h2[i]) || l1[i] != l2[i] {
					t.Fatalf("trial %d G=%d init=%v: h, lo[%d] = %v, %v by Go, %v, %v by the kernel", trial, G, init, i, h1[i], l1[i], h2[i], l2[i])
				}
				lows += l1[i] - lo0[i]
				if h1[i] != h0[i] {
					highs++
				}
			}
		}
	}
	if lows < 1000 || highs < 1000 {
		t.Fatalf("%v values low and %d high: the test does not exercise both sides", lows, highs)
	}
	t.Logf("%v values low, %d lane sums changed", lows, highs)
}
