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
		lam, v, a := make([]float64, 4*G), make([]float64, 4*G), make([]float64, 4*G)
		for i := range lam {
			if r.IntN(4) == 0 {
				continue // a dead lane
			}
			lam[i] = 2 * r.Float64()
			v[i] = math.Ldexp(0.5+r.Float64(), r.IntN(200)-100)
			a[i] = math.Ldexp(1, r.IntN(400)-200)
		}
		h0 := make([]float64, 4*n)
		for j := range h0 {
			h0[j] = r.Float64() * 100
		}
		for _, init := range []bool{false, true} {
			v1, v2 := append([]float64(nil), v...), append([]float64(nil), v...)
			h1, h2 := append([]float64(nil), h0...), append([]float64(nil), h0...)
			mixPlainGo(d, lam, v1, a, h1, init)
			mixPlain(d, lam, v2, a, h2, init)
			for i := range v1 {
				if math.Float64bits(v1[i]) != math.Float64bits(v2[i]) {
					t.Fatalf("trial %d G=%d init=%v: v[%d] = %v by Go, %v by the kernel", trial, G, init, i, v1[i], v2[i])
				}
			}
			for i := range h1 {
				if math.Float64bits(h1[i]) != math.Float64bits(h2[i]) {
					t.Fatalf("trial %d G=%d init=%v: h[%d] = %v by Go, %v by the kernel", trial, G, init, i, h1[i], h2[i])
				}
			}
		}
	}
}
