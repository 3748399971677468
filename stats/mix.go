package stats

import "math"

// MixBetting is the flat mixture of fixed-bet martingales (Waudby-Smith &
// Ramdas 2021, section 5.1; SHANGRLA's mix_betting_mart): the mean over the
// grid Lams of the [Betting] martingales with [FixedBet] λ, each after
// SHANGRLA's per-draw adjustments,
//
//	M_j = (1/L) Σ_λ M_j(λ),
//
// p = min(1, 1/max_j M_j), history min(1, 1/M_j).
//
// As in SHANGRLA, the component martingales test the null mean 1/2 whatever T
// is (SHANGRLA does not pass t to them); T only sets the default grid.
type MixBetting struct {
	Population
	// Lams is the grid of bets, each ≥ 0; nil selects 100 equally spaced
	// values from 0 to 1/T (numpy's linspace(0, 1/T, 100)).
	Lams []float64
}

// Name implements Test.
func (MixBetting) Name() string { return "mix_betting_mart" }

// Risk implements Test.
func (b MixBetting) Risk(x []float64) (Result, error) {
	s, err := b.start()
	if err != nil {
		return Result{}, err
	}
	h := make([]float64, len(x))
	for i, v := range x {
		if err := s.Add(v); err != nil {
			return Result{}, err
		}
		h[i] = s.tail.last()
	}
	return finish(s, h), nil
}

// Start implements Test.
func (b MixBetting) Start() (Stream, error) { return b.start() }

func (b MixBetting) start() (*mixStream, error) {
	p, err := b.Population.resolved("mix_betting_mart")
	if err != nil {
		return nil, err
	}
	lams := b.Lams
	if lams == nil {
		lams = linspace(0, 1/p.T, 100)
	}
	if len(lams) == 0 {
		return nil, inputErr("mix_betting_mart", "the grid of bets is empty")
	}
	for i, l := range lams {
		if !finite(l) || l < 0 {
			return nil, inputErr("mix_betting_mart", "lams[%d] = %v must be non-negative and finite", i, l)
		}
	}
	s := &mixStream{pop: p, g: newGuard(p), tail: newTail(), nt: float64(p.N) * 0.5, lams: append([]float64(nil), lams...),
		f: make([]float64, len(lams)), e: make([]int, len(lams))}
	for i := range s.f {
		s.f[i] = 1
	}
	return s, nil
}

// mixStream keeps each component product as f[k]·2^e[k] (see scaled).
type mixStream struct {
	pop  Population
	g    guard
	nt   float64 // N/2: the components' null is 1/2
	sum  float64
	lams []float64
	f    []float64
	e    []int
	tail tail
}

func (s *mixStream) Add(x float64) error {
	u := s.pop.U
	if !s.g.ok(x, s.tail.n) {
		return checkObs("mix_betting_mart", x, u, s.tail.n, s.pop.N)
	}
	m := nullMean(s.pop.N, s.nt, 0.5, s.sum, s.tail.n)
	d := x - m
	f, e, lams := s.f, s.e[:len(s.f)], s.lams[:len(s.f)]
	total := 0.0
	switch {
	case m < 0:
		for k, lam := range lams {
			f[k] *= 1 + lam*d
		}
		total = math.Inf(1)
	case m > u || m <= atol+1e-5*m || math.Abs(u-m) <= atol+1e-6*m:
		for k, lam := range lams {
			f[k] *= 1 + lam*d
		}
		total = float64(len(f))
		for k := range f {
			s.renorm(k)
		}
	default:
		// One pass, in the order of the grid (the sum is sequential). The
		// usual states need no renormalisation and give their term at
		// once: a component that has vanished (e < -400) or is 0 counts
		// as 1; any other in [2^-300, 2^301) is v·2^e, which, 2^e being a
		// normal float64, is rounded once as term's ldexp rounds it, then
		// adjusted as in term. Any other component takes term's path.
		for k, lam := range lams {
			v := f[k] * (1 + lam*d)
			f[k] = v
			inRange := (math.Float64bits(v)>>52&0x7ff)-(1023-300) <= 600 // 2^-300 <= |v| < 2^301
			switch ek := e[k]; {
			case ek < -400 && inRange, v == 0:
				total += 1
			case ek <= 1023 && inRange:
				v *= math.Float64frombits(uint64(ek+1023) << 52) // 2^e, e in [-400, 1023]
				if v <= 1e-14 && v <= atol+1e-5*math.Abs(v) {
					v = 1
				}
				total += v
			default:
				total += s.term(k)
			}
		}
	}
	s.tail.record(total / float64(len(f)))
	s.sum += x
	return nil
}

// term is component k's contribution to the mixture: its value after
// SHANGRLA's per-draw adjustment (1 where it is 0 to within 2^-51), with the
// component renormalised if it has left [2^-300, 2^300].
func (s *mixStream) term(k int) float64 {
	v := s.f[k]
	if (math.Float64bits(v)>>52&0x7ff)-(1023-300) > 600 && v != 0 {
		s.renorm(k)
	}
	if ek := s.e[k]; ek != 0 {
		if ek < -400 {
			v = 0 // below 2^-100: "vanished", so 1 below, as its exact value would be
		} else {
			v = ldexp(s.f[k], ek)
		}
	}
	if v <= 1e-14 && v <= atol+1e-5*math.Abs(v) {
		v = 1
	}
	return v
}

func (s *mixStream) renorm(k int) {
	a := math.Abs(s.f[k])
	if (a > 0x1p300 || a < 0x1p-300) && a != 0 && a <= math.MaxFloat64 {
		fr, ex := math.Frexp(s.f[k])
		s.f[k], s.e[k] = fr, s.e[k]+ex
	}
}

// P and Last first note whether the sample total exceeds N·T (the last M
// is then +Inf).
func (s *mixStream) P() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.p()
}
func (s *mixStream) Last() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.lastFinal()
}
func (s *mixStream) rawLast() float64 { return s.tail.last() }
func (s *mixStream) N() int           { return s.tail.n }
