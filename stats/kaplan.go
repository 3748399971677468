package stats

import "math"

// KaplanMarkov is the Kaplan-Markov test (Stark 2009, "Risk-limiting
// post-election audits: P-values from common probability inequalities",
// IEEE TIFS 4, section IV; SHANGRLA's kaplan_markov). It applies Markov's
// inequality to the product
//
//	P_j = ∏_{i≤j} (T + G)/(x_i + G),
//
// which is itself the p-value bound after j draws: p = min(1, min_j P_j)
// (min(1, P_n) if FinalOnly). History entry j is min(1, P_j). It assumes
// sampling with replacement and ignores N. With G = 0 a zero observation
// makes P infinite (no evidence from then on).
type KaplanMarkov struct {
	Population
	// G ≥ 0 is added to the observations and the null mean; default 0.
	G float64
	// FinalOnly bases p on the last draw only, for samples whose order is
	// not random (SHANGRLA's random_order=False).
	FinalOnly bool
}

// KaplanWald is the Kaplan-Wald test (Stark & Teague 2014, "Verifiable European
// elections: risk-limiting audits for D'Hondt and its relatives", section
// 4; SHANGRLA's kaplan_wald): the martingale
//
//	M_j = ∏_{i≤j} ((1 − G) x_i/T + G),
//
// p = min(1, 1/max_j M_j) (1/M_n if FinalOnly), history min(1, 1/M_j). It
// assumes sampling with replacement and ignores N.
type KaplanWald struct {
	Population
	// G in [0, 1] hedges the bet; default 0.
	G float64
	// FinalOnly bases p on the last draw only.
	FinalOnly bool
}

// KaplanKolmogorov is the Kaplan-Kolmogorov test for sampling without
// replacement (Stark 2020, "Sets of half-average nulls generate
// risk-limiting audits: SHANGRLA", section 3.2; SHANGRLA's
// kaplan_kolmogorov). With m_j = (N(T+G) − Σ_{i<j}(x_i+G))/(N − j + 1),
//
//	M_j = ∏_{i≤j} (x_i + G)/m_i,  M_j = +Inf where m_j < 0,
//
// p = min(1, 1/max_j M_j) (1/M_n if FinalOnly), history min(1, 1/M_j). N must
// be finite (SHANGRLA crashes on an infinite N).
//
// Where m_j > 10^-14, the term is computed as (x_i + G)·(D/P), with D = N −
// j + 1 and P = N(T+G) − Σ_{i<j}(x_i+G), one division instead of
// SHANGRLA's two ((x_i+G)/(P/D)); each term is within 1.5 ulp of
// SHANGRLA's, and TestLongSamples measures the history over 10^6 draws.
type KaplanKolmogorov struct {
	Population
	// G ≥ 0 is added to the observations and the null mean; default 0.
	G float64
	// FinalOnly bases p on the last draw only.
	FinalOnly bool
}

// Name implements Test.
func (KaplanMarkov) Name() string { return "kaplan_markov" }

// Name implements Test.
func (KaplanWald) Name() string { return "kaplan_wald" }

// Name implements Test.
func (KaplanKolmogorov) Name() string { return "kaplan_kolmogorov" }

// Risk implements Test.
func (k KaplanMarkov) Risk(x []float64) (Result, error) {
	s, err := k.start()
	if err != nil {
		return Result{}, err
	}
	h := make([]float64, len(x))
	for i, v := range x {
		if err := s.Add(v); err != nil {
			return Result{}, err
		}
		h[i] = s.Last()
	}
	return finish(s, h), nil
}

// Start implements Test.
func (k KaplanMarkov) Start() (Stream, error) { return k.start() }

func (k KaplanMarkov) start() (*kmStream, error) {
	p, err := k.Population.resolved("kaplan_markov")
	if err != nil {
		return nil, err
	}
	if !finite(k.G) || k.G < 0 {
		return nil, inputErr("kaplan_markov", "g = %v must be non-negative and finite", k.G)
	}
	s := &kmStream{pop: p, gd: newGuard(p), tg: p.T + k.G, g: k.G, final: k.FinalOnly, prod: one(), min: math.Inf(1)}
	s.memo.reset()
	return s, nil
}

type kmStream struct {
	pop   Population
	gd    guard
	tg, g float64
	final bool
	prod  scaled
	n     int
	min   float64 // min_j P_j
	last  float64
	nan   bool
	memo  memo // the terms (T+G)/(x+G)
}

func (s *kmStream) Add(x float64) error {
	if !s.gd.ok(x, s.n) {
		return checkObs("kaplan_markov", x, s.pop.U, s.n, s.pop.N)
	}
	b := math.Float64bits(x)
	i := memoSlot(b)
	if s.memo.key[i] != b {
		s.memo.key[i], s.memo.val[i] = b, s.tg/(x+s.g)
	}
	s.prod.mul(s.memo.val[i])
	v := s.prod.value()
	s.n++
	s.last = v
	if v < s.min {
		s.min = v
	} else if v != v {
		s.nan = true
	}
	return nil
}

func (s *kmStream) P() float64 {
	switch {
	case s.n == 0 || s.nan:
		return 1
	case s.final:
		return s.Last()
	}
	return math.Min(1, s.min)
}

// Last is min(P_n, 1); rlakit reports 1 for a NaN P.
func (s *kmStream) Last() float64 {
	if s.n == 0 || !(s.last < 1) {
		return 1
	}
	return s.last
}
func (s *kmStream) rawLast() float64 { return s.Last() }
func (s *kmStream) N() int           { return s.n }

// Risk implements Test.
func (k KaplanWald) Risk(x []float64) (Result, error) {
	s, err := k.start()
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
func (k KaplanWald) Start() (Stream, error) { return k.start() }

func (k KaplanWald) start() (*kwStream, error) {
	p, err := k.Population.resolved("kaplan_wald")
	if err != nil {
		return nil, err
	}
	if !finite(k.G) || k.G < 0 || k.G > 1 {
		return nil, inputErr("kaplan_wald", "g = %v must be in [0, 1]", k.G)
	}
	s := &kwStream{pop: p, gd: newGuard(p), g: k.G, final: k.FinalOnly, prod: one(), tail: newTail()}
	s.memo.reset()
	return s, nil
}

type kwStream struct {
	pop   Population
	gd    guard
	g     float64
	final bool
	prod  scaled
	tail  tail
	memo  memo // the terms (1−G)x/T + G
}

func (s *kwStream) Add(x float64) error {
	if !s.gd.ok(x, s.tail.n) {
		return checkObs("kaplan_wald", x, s.pop.U, s.tail.n, s.pop.N)
	}
	b := math.Float64bits(x)
	i := memoSlot(b)
	if s.memo.key[i] != b {
		s.memo.key[i], s.memo.val[i] = b, (1-s.g)*x/s.pop.T+s.g
	}
	s.prod.mul(s.memo.val[i])
	s.tail.record(s.prod.value())
	return nil
}

func (s *kwStream) P() float64 {
	if s.final && s.tail.n > 0 && !s.tail.nan {
		return s.tail.last()
	}
	return s.tail.p()
}
func (s *kwStream) Last() float64    { return s.tail.lastFinal() }
func (s *kwStream) rawLast() float64 { return s.tail.last() }
func (s *kwStream) N() int           { return s.tail.n }

// Risk implements Test.
func (k KaplanKolmogorov) Risk(x []float64) (Result, error) {
	s, err := k.start()
	if err != nil {
		return Result{}, err
	}
	h := make([]float64, len(x))
	for i := 0; i < len(x); i++ {
		if i = s.run(x, h, i); i == len(x) {
			break
		}
		if err := s.Add(x[i]); err != nil {
			return Result{}, err
		}
		h[i] = s.tail.last()
	}
	return finish(s, h), nil
}

// run is Add for the whole-sample form where m_j > 10^-14 and the product
// stays in range: from x[i] on, it computes the same operations as Add,
// with the stream's state in local variables, and sets h to the history
// entries. It returns the index of the first draw it did not take (len(x)
// at the end), leaving the stream as Add would have.
func (s *kkStream) run(x, h []float64, i int) int {
	if s.prod.slow {
		return i
	}
	N, g, ntg, xmax, nmax := s.pop.N, s.g, s.ntg, s.gd.xmax, s.gd.nmax
	f, scale := s.prod.f, s.prod.scale
	n, sum, last := s.tail.n, s.sum, s.tail.lastM
	mx := s.tail.max
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax && n < nmax) {
			break
		}
		xg := xi + g
		D, P := float64(N-n), ntg-sum
		if !(P > mLo*D) {
			break
		}
		f1 := f * (xg * (D / P)) // scaled.mul, without its renormalisation
		v := f1 * scale
		if !stepOK(f1, v) {
			break
		}
		f, n, sum, last = f1, n+1, sum+xg, v
		if v > mx {
			mx = v
		}
		h[i] = hist(v)
	}
	s.prod.f = f
	s.tail.n, s.tail.max, s.tail.lastM = n, mx, last
	s.sum = sum
	return i
}

// Start implements Test.
func (k KaplanKolmogorov) Start() (Stream, error) { return k.start() }

func (k KaplanKolmogorov) start() (*kkStream, error) {
	p, err := k.Population.resolved("kaplan_kolmogorov")
	if err != nil {
		return nil, err
	}
	if p.N == 0 {
		return nil, inputErr("kaplan_kolmogorov", "needs a finite population size N (it is a test for sampling without replacement)")
	}
	if !finite(k.G) || k.G < 0 {
		return nil, inputErr("kaplan_kolmogorov", "g = %v must be non-negative and finite", k.G)
	}
	tg := p.T + k.G
	return &kkStream{pop: p, gd: newGuard(p), g: k.G, tg: tg, ntg: float64(p.N) * tg, final: k.FinalOnly, prod: one(), tail: newTail()}, nil
}

type kkStream struct {
	pop        Population
	gd         guard
	g, tg, ntg float64
	sum        float64 // Σ (x_i + g)
	final      bool
	prod       scaled
	tail       tail
}

func (s *kkStream) Add(x float64) error {
	if !s.gd.ok(x, s.tail.n) {
		return checkObs("kaplan_kolmogorov", x, s.pop.U, s.tail.n, s.pop.N)
	}
	xg := x + s.g
	var v float64
	if D, P := float64(s.pop.N-s.tail.n), s.ntg-s.sum; P > mLo*D {
		// m_j = P/D > 10^-14: the term xg·(D/P), one division.
		s.prod.mul(xg * (D / P))
		v = s.prod.value()
	} else {
		m := nullMean(s.pop.N, s.ntg, s.tg, s.sum, s.tail.n)
		s.prod.mul(xg / m)
		v = s.prod.value()
		if m < 0 {
			v = math.Inf(1)
		}
	}
	s.tail.record(v)
	s.sum += xg
	return nil
}

func (s *kkStream) P() float64 {
	if s.final && s.tail.n > 0 && !s.tail.nan {
		return s.tail.last()
	}
	return s.tail.p()
}
func (s *kkStream) Last() float64    { return s.tail.lastFinal() }
func (s *kkStream) rawLast() float64 { return s.tail.last() }
func (s *kkStream) N() int           { return s.tail.n }
