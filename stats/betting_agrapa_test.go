package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The aGRAPA stream holds its draws and takes them in blocks (runAGRAPA's
// two passes) when P, Last or rawLast is asked for; TestBettingFastPath and
// TestWholeMatchesStream ask after every draw. Here the stream is asked
// after runs of draws of random length, up to several blocks, and must
// agree bit for bit with the general path, and report an invalid draw or a
// sample larger than N with the same error at the same Add.
func TestAGRAPAStreamHeldDraws(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, u := range []float64{1, 2 / 1.99, 1.5} {
		for si, x := range fastPathSamples(u) {
			for _, N := range []int{len(x), len(x) + 3, 3 * len(x)} {
				for _, bet := range []Bet{AGRAPA{}, AGRAPA{C0: 0.2, CMax: 0.2}, AGRAPA{Lam: 0.9, C0: 0.7, CMax: 0.7, Grow: 1}} {
					b := Betting{Population: Population{N: N, U: u}, Bet: bet}
					s, err := b.Start()
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := s.(*bettingAGRAPAStream); !ok {
						t.Fatalf("Start gives %T", s)
					}
					general, _ := b.start(nil)
					for i := 0; i < len(x); {
						k := min(len(x)-i, 1+r.IntN(700))
						for _, v := range x[i : i+k] {
							if r.IntN(300) == 0 {
								bad := []float64{-1, math.NaN(), u * 1.01, math.Inf(1)}[r.IntN(4)]
								e1, e2 := s.Add(bad), general.add(bad)
								if e1 == nil || e2 == nil || e1.Error() != e2.Error() {
									t.Fatalf("sample %d N %d: invalid %v: errors %v and %v", si, N, bad, e1, e2)
								}
							}
							if e1, e2 := s.Add(v), general.add(v); e1 != nil || e2 != nil {
								t.Fatal(e1, e2)
							}
						}
						i += k
						if s.N() != i || general.N() != i {
							t.Fatalf("N = %d, %d, want %d", s.N(), general.N(), i)
						}
						if got, want := askBoth(r, s, general); math.Float64bits(got) != math.Float64bits(want) {
							t.Fatalf("%s sample %d N %d after %d draws: %v, general path %v", bet.Name(), si, N, i, got, want)
						}
					}
					if math.Float64bits(s.P()) != math.Float64bits(general.P()) || math.Float64bits(s.Last()) != math.Float64bits(general.Last()) {
						t.Fatalf("sample %d N %d: end: %v %v, general path %v %v", si, N, s.P(), s.Last(), general.P(), general.Last())
					}
					if N == len(x) {
						// The population is exhausted: one more draw is an error, at
						// this Add, whether or not draws are held.
						e1, e2 := s.Add(0), general.add(0)
						if e1 == nil || e2 == nil || e1.Error() != e2.Error() {
							t.Fatalf("draw N+1: errors %v and %v", e1, e2)
						}
					}
				}
			}
		}
	}
}

// A sample larger than N is refused at the Add that would take draw N+1,
// with draws held.
func TestAGRAPAStreamTooMany(t *testing.T) {
	for _, N := range []int{1, 2, 5, 255, 256, 257, 600} {
		b := Betting{Population: Population{N: N}, Bet: AGRAPA{}}
		s, _ := b.Start()
		general, _ := b.start(nil)
		for i := range N + 3 {
			v := float64(i%3) / 2
			e1, e2 := s.Add(v), general.add(v)
			if (e1 == nil) != (i < N) || (e1 == nil) != (e2 == nil) || e1 != nil && e1.Error() != e2.Error() {
				t.Fatalf("N %d, draw %d: errors %v and %v", N, i, e1, e2)
			}
		}
		if s.N() != N || math.Float64bits(s.P()) != math.Float64bits(general.P()) || math.Float64bits(s.Last()) != math.Float64bits(general.Last()) {
			t.Fatalf("N %d: %d %v %v, general path %d %v %v", N, s.N(), s.P(), s.Last(), general.N(), general.P(), general.Last())
		}
	}
}

// A report after a single held draw puts the stream in its eager mode
// (each draw taken at once): draws and reports in random patterns, to the
// population's end and past it, agree bit for bit with the general path,
// with the same errors at the same Add.
func TestAGRAPAStreamEagerAndHeld(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, u := range []float64{1, 1.5} {
		for si, x := range fastPathSamples(u) {
			for _, N := range []int{len(x), len(x) + 1, len(x) + 2} {
				b := Betting{Population: Population{N: N, U: u}, Bet: AGRAPA{}}
				s, _ := b.Start()
				general, _ := b.start(nil)
				// Runs of 1 to 3 draws between reports, sometimes longer.
				for i := 0; i < N+3; i++ {
					v := u / 2
					if i < len(x) {
						v = x[i]
					}
					if r.IntN(200) == 0 {
						bad := []float64{-1, math.NaN(), u * 1.01}[r.IntN(3)]
						if e1, e2 := s.Add(bad), general.add(bad); e1 == nil || e2 == nil || e1.Error() != e2.Error() {
							t.Fatalf("sample %d N %d draw %d: invalid %v: errors %v and %v", si, N, i, bad, e1, e2)
						}
					}
					e1, e2 := s.Add(v), general.add(v)
					if (e1 == nil) != (i < N) || (e1 == nil) != (e2 == nil) || e1 != nil && e1.Error() != e2.Error() {
						t.Fatalf("sample %d N %d draw %d: errors %v and %v", si, N, i, e1, e2)
					}
					if s.N() != general.N() {
						t.Fatalf("sample %d N %d draw %d: N() = %d, general path %d", si, N, i, s.N(), general.N())
					}
					if r.IntN(1+3*r.IntN(2)+100*(r.IntN(50)/49)) != 0 {
						continue
					}
					if got, want := askBoth(r, s, general); math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("sample %d N %d after draw %d: %v, general path %v", si, N, i, got, want)
					}
				}
				if math.Float64bits(s.P()) != math.Float64bits(general.P()) || math.Float64bits(s.Last()) != math.Float64bits(general.Last()) {
					t.Fatalf("sample %d N %d: end: %v %v, general path %v %v", si, N, s.P(), s.Last(), general.P(), general.Last())
				}
			}
		}
	}
}

// Every pattern of reports over small populations, past their end: the
// mode's change near the last draw.
func TestAGRAPAStreamReportPatterns(t *testing.T) {
	x := []float64{1, 0, 0.5, 1, 1, 0, 1, 0.5, 1, 1, 0, 1}
	for N := 1; N <= 9; N++ {
		for mask := 0; mask < 1<<(N+2); mask++ {
			b := Betting{Population: Population{N: N}, Bet: AGRAPA{}}
			s, _ := b.Start()
			general, _ := b.start(nil)
			for i := range N + 2 {
				e1, e2 := s.Add(x[i]), general.add(x[i])
				if (e1 == nil) != (i < N) || (e1 == nil) != (e2 == nil) || e1 != nil && e1.Error() != e2.Error() {
					t.Fatalf("N %d mask %b draw %d: errors %v and %v", N, mask, i, e1, e2)
				}
				if s.N() != general.N() {
					t.Fatalf("N %d mask %b draw %d: N() = %d, general path %d", N, mask, i, s.N(), general.N())
				}
				if mask>>i&1 != 0 && math.Float64bits(s.(stream).rawLast()) != math.Float64bits(general.rawLast()) {
					t.Fatalf("N %d mask %b draw %d: rawLast %v, general path %v", N, mask, i, s.(stream).rawLast(), general.rawLast())
				}
			}
			if math.Float64bits(s.P()) != math.Float64bits(general.P()) {
				t.Fatalf("N %d mask %b: P %v, general path %v", N, mask, s.P(), general.P())
			}
		}
	}
}

// askBoth asks stream s and the general path the same question, chosen at
// random: P, Last or rawLast.
func askBoth(r *rand.Rand, s Stream, general *bettingStream) (got, want float64) {
	switch r.IntN(3) {
	case 0:
		return s.P(), general.P()
	case 1:
		return s.Last(), general.Last()
	}
	return s.(stream).rawLast(), general.rawLast()
}
