package stats

import (
	"math/rand/v2"
	"testing"
)

// agrapaBenchSample is polling data (46% 1, 44% 0, 10% 1/2), as the
// benchmarks package's.
func agrapaBenchSample(n int) []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, n)
	for i := range x {
		switch u := r.Float64(); {
		case u < 0.46:
			x[i] = 1
		case u < 0.90:
			x[i] = 0
		default:
			x[i] = 0.5
		}
	}
	return x
}

// The aGRAPA stream asked for its history after every draw, as MonteCarlo
// and the sample-size estimates use it: Add, then rawLast.
func BenchmarkAGRAPAStreamEachDraw(b *testing.B) {
	x := agrapaBenchSample(100_000)
	test := Betting{Population: Population{N: 2 * len(x)}, Bet: AGRAPA{}}
	for b.Loop() {
		s, err := test.Start()
		if err != nil {
			b.Fatal(err)
		}
		st := s.(stream)
		for _, v := range x {
			if err := st.Add(v); err != nil {
				b.Fatal(err)
			}
			if st.rawLast() < 0 {
				b.Fatal("negative")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/obs")
}
