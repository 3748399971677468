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
//
// Its Stream checks each observation at once but computes in batches of up
// to 32 (P and Last compute what is pending first), with the same values as
// one observation at a time: the work per observation is a product and a
// sum term for every bet of the grid, and batches let the sums of several
// observations proceed together.
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
	for i, v := range x {
		if !s.g.ok(v, i) {
			return Result{}, checkObs("mix_betting_mart", v, s.pop.U, i, s.pop.N)
		}
	}
	h := make([]float64, len(x))
	for i := 0; i < len(x); i += mixBatch {
		j := min(i+mixBatch, len(x))
		s.batch(x[i:j], h[i:j])
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

// mixBatch is how many observations mixStream.Add holds before it
// processes them (see batch).
const mixBatch = 32

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
	// pend holds the last np observations, checked by Add but not yet
	// processed; P, Last and rawLast process them first.
	pend [mixBatch]float64
	np   int
}

// Add checks x and holds it; every mixBatch observations, batch processes
// them. The values reported are those of one observation at a time (batch
// computes the same operations), so holding them changes no result.
func (s *mixStream) Add(x float64) error {
	if n := s.tail.n + s.np; !s.g.ok(x, n) {
		return checkObs("mix_betting_mart", x, s.pop.U, n, s.pop.N)
	}
	s.pend[s.np] = x
	s.np++
	if s.np == mixBatch {
		s.flush()
	}
	return nil
}

func (s *mixStream) flush() {
	if s.np > 0 {
		s.batch(s.pend[:s.np], nil)
		s.np = 0
	}
}

// batch processes the observations xs (at most mixBatch, already checked),
// with the same operations as step on each in turn, and, if h is not nil,
// sets h[j] to the history entry of xs[j]. The components' running
// products are carried through the whole batch two at a time, pair after
// pair: the mixture's sum for one observation runs over the grid in order
// (each addition waiting for the previous one), and taking the observations
// of the batch side by side lets those sums proceed together. Every mixture
// sum still adds its components in the order of the grid, so each value is
// the one step would give.
func (s *mixStream) batch(xs, h []float64) {
	u := s.pop.U
	var d, tot [mixBatch]float64
	sum := s.sum
	for j, x := range xs {
		m := nullMean(s.pop.N, s.nt, 0.5, sum, s.tail.n+j)
		if m < 0 || m > u || m <= atol+1e-5*m || math.Abs(u-m) <= atol+1e-6*m {
			// A null mean at or beyond 0 or u (the end of a population):
			// one observation at a time.
			for j, x := range xs {
				s.step(x)
				if h != nil {
					h[j] = s.tail.last()
				}
			}
			return
		}
		d[j] = x - m
		sum += x
	}
	dd, tt := d[:len(xs)], tot[:len(xs)]
	f, e, lams := s.f, s.e[:len(s.f)], s.lams[:len(s.f)]
	k := 0
	// Two components at a time: two independent running products, and
	// for each observation the two terms added in the order of the grid.
	// While both products stay in [2^-300, 2^212) (see expOff) and neither
	// component's exponent exceeds 1023, step takes its first two cases:
	// a component that has vanished (e < -400) counts as 1, and in the
	// usual state (2^e a normal float64, e in [-400, 1023]) a component's
	// term is its value v·2^e after the adjustment (postMix); a vanished
	// component paired with a usual one is postMix(v·0) = 1. Any other
	// observation is one step of mixOne for each of the two, in order.
	for ; k+2 <= len(f); k += 2 {
		l0, l1 := lams[k], lams[k+1]
		for j := 0; j < len(dd); {
			v0, v1, e0, e1 := f[k], f[k+1], e[k], e[k+1]
			switch {
			case e0 < -400 && e1 < -400:
				for ; j < len(dd); j++ {
					dj := dd[j]
					a0 := v0 * (1 + l0*dj)
					a1 := v1 * (1 + l1*dj)
					if expOff(a0)|expOff(a1) >= 512 {
						break
					}
					v0, v1 = a0, a1
					tt[j] = tt[j] + 1 + 1
				}
			case e0 <= 1023 && e1 <= 1023:
				s0, s1 := termScale(e0), termScale(e1)
				for ; j < len(dd); j++ {
					dj := dd[j]
					a0 := v0 * (1 + l0*dj)
					a1 := v1 * (1 + l1*dj)
					if expOff(a0)|expOff(a1) >= 512 {
						break
					}
					v0, v1 = a0, a1
					tt[j] = tt[j] + postMix(a0*s0) + postMix(a1*s1)
				}
			default:
				s.mixOne(k, l0, dd[j:], tt[j:])
				s.mixOne(k+1, l1, dd[j:], tt[j:])
				j = len(dd)
				continue
			}
			f[k], f[k+1] = v0, v1
			if j < len(dd) {
				s.mixOne(k, l0, dd[j:j+1], tt[j:j+1])
				s.mixOne(k+1, l1, dd[j:j+1], tt[j:j+1])
				j++
			}
		}
	}
	for ; k < len(f); k++ {
		s.mixOne(k, lams[k], dd, tt)
	}
	L := float64(len(f))
	for j, t := range tt {
		s.tail.record(t / L)
		if h != nil {
			h[j] = s.tail.last()
		}
	}
	s.sum = sum
}

// pow2 is 2^e for e in [-1022, 1023].
func pow2(e int) float64 { return math.Float64frombits(uint64(e+1023) << 52) }

// termScale is, for a component with exponent e <= 1023, what its fraction
// v (in step's range) is multiplied by before postMix to give its term: 2^e,
// or 0 for a vanished component (e < -400), whose term is postMix(±0) = 1.
func termScale(e int) float64 {
	if e < -400 {
		return 0
	}
	return pow2(e)
}

// expOff is below 512 exactly when 2^-300 <= |v| < 2^212, inside the range
// [2^-300, 2^301) in which step leaves a component's fraction as it is
// (with the same lower end, where decaying products leave it); for two
// values, the bitwise or of their expOff is below 512 exactly when both
// are.
func expOff(v float64) uint64 { return math.Float64bits(v)>>52&0x7ff - (1023 - 300) }

// postMix is step's adjustment of a component's value w: 1 where w is 0 to
// within 2^-51 (SHANGRLA's isclose), else w.
func postMix(w float64) float64 {
	if w <= 1e-14 && w <= atol+1e-5*math.Abs(w) {
		return 1
	}
	return w
}

// mixOne carries component k through the observations whose d = x − m are
// dd, adding its terms to their sums tt: step's default case.
func (s *mixStream) mixOne(k int, lam float64, dd, tt []float64) {
	f, e := s.f, s.e
	v, ek := f[k], e[k]
	scale := pow2(ek)
	for j, dj := range dd[:len(tt)] {
		v *= 1 + lam*dj
		inRange := (math.Float64bits(v)>>52&0x7ff)-(1023-300) <= 600 // 2^-300 <= |v| < 2^301
		switch {
		case ek < -400 && inRange, v == 0:
			tt[j] += 1
		case ek <= 1023 && inRange:
			tt[j] += postMix(v * scale)
		default:
			f[k] = v
			tt[j] += s.term(k)
			v, ek = f[k], e[k]
			scale = pow2(ek)
		}
	}
	f[k] = v
}

// step processes one observation.
func (s *mixStream) step(x float64) {
	u := s.pop.U
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

// P and Last first process the observations held and note whether the
// sample total exceeds N·T (the last M is then +Inf).
func (s *mixStream) P() float64 {
	s.flush()
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.p()
}
func (s *mixStream) Last() float64 {
	s.flush()
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.lastFinal()
}
func (s *mixStream) rawLast() float64 { s.flush(); return s.tail.last() }
func (s *mixStream) N() int           { return s.tail.n + s.np }
