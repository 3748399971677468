package benchmarks

import (
	"math"
	"testing"
	"time"

	"github.com/rlakit/rlakit/stats"
)

// BenchmarkStatsMixFloor measures the least work mix_betting_mart's
// definition asks for, so that the figure of StatsTests/mix_betting_100 can
// be read against it: with SHANGRLA's default grid of 100 bets, every
// observation multiplies each of 100 running products by its term
// 1 + λ(x − m), and the mixture's value at that observation is the mean of
// the 100 products. Neither loop checks anything, applies SHANGRLA's per-draw
// adjustments or records a history; the products are brought back into
// range every 32 observations (as any implementation must), and the sums
// use four accumulators, so the compiler may overlap them.
//
//	go test -run '^$' -bench 'StatsMixFloor|StatsTests/mix' -benchtime 3x -cpu 1 ./benchmarks/
//
// "products" is the 100 products alone (no mixture value); "products+sum"
// adds the mean. Both use the same data and null mean (sampling without
// replacement from N = 2,000,000) as StatsTests/mix_betting_100.
func BenchmarkStatsMixFloor(b *testing.B) {
	poll := statsPolling()
	lams := make([]float64, 100) // the default grid for t = 1/2: 0 to 2
	for k := range lams {
		lams[k] = float64(k) * 2 / 99
	}
	const N = 2 * statsObs
	run := func(b *testing.B, withSum bool) {
		v := make([]float64, len(lams))
		var d [32]float64
		t0 := time.Now()
		best := 0.0
		for range b.N {
			for k := range v {
				v[k] = 1
			}
			sum := 0.0
			for i := 0; i+len(d) <= len(poll); i += len(d) {
				for j := range d {
					m := (N*0.5 - sum) / float64(N-i-j)
					d[j] = poll[i+j] - m
					sum += poll[i+j]
				}
				for j := range d {
					dj := d[j]
					var a0, a1, a2, a3 float64
					k := 0
					for ; k+4 <= len(v); k += 4 {
						v[k] *= 1 + lams[k]*dj
						v[k+1] *= 1 + lams[k+1]*dj
						v[k+2] *= 1 + lams[k+2]*dj
						v[k+3] *= 1 + lams[k+3]*dj
						if withSum {
							a0 += v[k]
							a1 += v[k+1]
							a2 += v[k+2]
							a3 += v[k+3]
						}
					}
					if withSum {
						if t := (a0 + a1 + a2 + a3) / float64(len(v)); t > best {
							best = t
						}
					}
				}
				for k, x := range v {
					if a := math.Abs(x); a > 0x1p300 || (a < 0x1p-300 && a != 0) {
						fr, _ := math.Frexp(x)
						v[k] = fr
					}
				}
			}
		}
		if best < 0 {
			b.Fatal(best)
		}
		b.ReportMetric(float64(time.Since(t0).Nanoseconds())/float64(b.N*len(poll)), "ns/obs")
	}
	b.Run("products", func(b *testing.B) { run(b, false) })
	b.Run("products+sum", func(b *testing.B) { run(b, true) })
}

// BenchmarkStatsMixGrowing is mix_betting_mart's default grid on polling
// data with a true mean of about 0.6, where the components with bets below
// about 0.8 grow and so are computed at every draw (the near-null data of
// StatsTests/mix_betting_100 let most components be set aside).
func BenchmarkStatsMixGrowing(b *testing.B) {
	x := statsPolling()
	for i := range x {
		if i%5 == 0 {
			x[i] = 1 // mean about 0.51·0.8 + 0.2 = 0.61
		}
	}
	statsStream(b, stats.MixBetting{Population: stats.Population{N: 2 * statsObs}}, x)
}
