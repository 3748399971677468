package stats

import (
	"math"
	"testing"
)

// The whole computation gives the same bits with the AVX kernels as with
// their Go versions (the path of CPUs without AVX and of other
// architectures).
func TestMixWithoutAVX(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX on this machine: the Go versions are the ones in use")
	}
	xs, us := mixSamples()
	for i, x := range xs {
		x = x[:min(len(x), 60_000)]
		for _, N := range []int{0, 4 * len(x)} {
			b := MixBetting{Population: Population{N: N, U: us[i]}}
			avx, err := b.Risk(x)
			if err != nil {
				t.Fatal(err)
			}
			useAVX = false
			plain, err := b.Risk(x)
			useAVX = true
			if err != nil {
				t.Fatal(err)
			}
			for j := range x {
				if math.Float64bits(avx.History[j]) != math.Float64bits(plain.History[j]) {
					t.Fatalf("sample %d N=%d: history[%d] = %v with AVX, %v without", i, N, j, avx.History[j], plain.History[j])
				}
			}
		}
	}
}
