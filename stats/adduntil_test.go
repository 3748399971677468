package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// addUntil, which SampleSize and MonteCarlo use, stops at the same draw as
// adding the draws one at a time and reading each history entry, for every
// kind of stream, in chunks of every size, and gives the same errors.
func TestAddUntil(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	oneByOne := func(s stream, xs []float64, alpha float64) (int, error) {
		for i, x := range xs {
			if err := s.Add(x); err != nil {
				return i, err
			}
			if s.rawLast() <= alpha {
				return i + 1, nil
			}
		}
		return len(xs) + 1, nil // no stop
	}
	for _, u := range []float64{1, 2 / 1.99} {
		for si, x := range fastPathSamples(u) {
			for _, N := range []int{0, len(x), 3 * len(x)} {
				pop := Population{N: N, U: u}
				tests := []Test{
					Betting{Population: pop, Bet: AGRAPA{}}, Betting{Population: pop, Bet: FixedBet{Lam: 0.1}},
					MixBetting{Population: pop}, MixBetting{Population: pop, Lams: []float64{0, 0.5, 1, 1.9}},
					Alpha{Population: pop, Estimator: ShrinkTrunc{Eta: 0.55 * u}}, KaplanMarkov{Population: pop, G: 0.05},
				}
				for _, test := range tests {
					for _, alpha := range []float64{0.05, 1e-3, 1e-9} {
						for _, bad := range []bool{false, true} {
							xs := append([]float64(nil), x...)
							if bad {
								xs[r.IntN(len(xs))] = -1
							}
							name := fmt.Sprintf("sample %d N=%d %s %+v alpha=%v bad=%v", si, N, test.Name(), test, alpha, bad)
							s1, _ := test.Start()
							want, werr := oneByOne(s1.(stream), xs, alpha)
							s2, _ := test.Start()
							got, gerr, stop := 0, error(nil), false
							for got < len(xs) && gerr == nil && !stop {
								c := xs[got:min(len(xs), got+1+r.IntN(600))]
								k, st, err := addUntil(s2.(stream), c, alpha)
								got, gerr, stop = got+k, err, st
							}
							if !stop && gerr == nil {
								got = len(xs) + 1
							}
							if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
								t.Fatalf("%s: addUntil stops after %d (%v), one by one after %d (%v)", name, got, gerr, want, werr)
							}
							if want <= len(xs) && werr == nil && !(math.IsNaN(s1.(stream).rawLast()) || s1.(stream).rawLast() <= alpha) {
								t.Fatalf("%s: stopped without reaching alpha", name)
							}
						}
					}
				}
			}
		}
	}
}

// MonteCarlo and SampleSize, which take their draws in chunks through
// addUntil, give the sizes of taking them one at a time (the code before
// chunks, written out here), including stops at a chunk's last draw.
func TestChunkedSizesMatchOneByOne(t *testing.T) {
	stopAt := func(s stream, next func(i int) float64, N int, alpha float64) int {
		for i := range N {
			if err := s.Add(next(i)); err != nil {
				t.Fatal(err)
			}
			h := s.rawLast()
			if i == N-1 {
				h = s.Last()
			}
			if h <= alpha {
				return i + 1
			}
		}
		return N
	}
	pop := []float64{1, 0, 1, 0, 1, 0, 1, 0, 1, 0.5, 1} // mean 0.55: sizes in the hundreds and thousands
	chunkEnds := 0
	for _, test := range []Test{
		Betting{Population: Population{N: 5000}, Bet: AGRAPA{}}, MixBetting{Population: Population{N: 5000}},
		Alpha{Population: Population{N: 5000}, Estimator: FixedAlternativeMean{Eta: 0.6}},
	} {
		mc := MonteCarlo{Test: test, Pop: pop, N: 5000, Alpha: 0.05, Reps: 600, Seed: 7, Workers: 1}
		sizes, err := mc.Run()
		if err != nil {
			t.Fatal(err)
		}
		for r, got := range sizes {
			s, _ := test.Start()
			rng := replicateRand(mc.Seed, r)
			want := stopAt(s.(stream), func(int) float64 { return pop[rng.IntN(len(pop))] }, mc.N, mc.Alpha)
			if got != want {
				t.Fatalf("%s: replicate %d: size %d, one at a time %d", test.Name(), r, got, want)
			}
			// MonteCarlo's chunks end after 16, 48, 112, 240 draws, then
			// every 256.
			if got == 16 || got == 48 || got == 112 || got >= 240 && (got-240)%256 == 0 {
				chunkEnds++
			}
		}
		for _, alpha := range []float64{0.05, 0.01, 0.2} {
			got, err := SampleSize(test, pop, 5000, alpha)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := test.Start()
			r := (5000 + len(pop) - 1) / len(pop)
			if want := stopAt(s.(stream), func(i int) float64 { return pop[i/r] }, 5000, alpha); got != want {
				t.Fatalf("%s: SampleSize %d, one at a time %d", test.Name(), got, want)
			}
		}
	}
	if chunkEnds == 0 {
		t.Error("no replicate stopped at the last draw of a chunk")
	}
	t.Logf("%d replicates stopped at the last draw of a chunk", chunkEnds)
}
