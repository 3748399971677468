package stats

import (
	"math"
)

// WaldSPRT is Wald's sequential probability ratio test (Wald 1945,
// "Sequential tests of statistical hypotheses", Ann. Math. Statist. 16) of
// the null mean T against the alternative mean Eta, in the form SHANGRLA's
// wald_sprt uses for [0, U]-valued data: with m_j the null mean and eta_j =
// (N·Eta − S_j)/(N − j + 1) (Eta when N is infinite) the means of the values
// not yet drawn,
//
//	M_j = ∏_{i≤j} [ x_i·eta_i/m_i + (U−x_i)(U−eta_i)/(U−m_i) ] / U,
//
// M_j = +Inf where m_j < 0 and, at the last draw, if the sample total exceeds
// N·T; p = min(1, 1/max_j M_j), history min(1, 1/M_j). For 0/1 data with
// replacement this is Wald's likelihood ratio (Eta/T)^k ((U−Eta)/(U−T))^(j−k).
//
// A term that would be negative (when eta_j leaves [0, U], which the
// alternative cannot produce) is 0: the alternative is refuted and M stays 0.
//
// Unlike SHANGRLA at commit 9d5db92, which applies a second running product
// to M and does not clip p to 1, this is Wald's test: one product, p ≤ 1.
//
// With N finite and m_j in (10^-14, U(1 − 10^-3)), the term is computed with
// one division instead of SHANGRLA's four (see [Alpha]): each term is within
// a few ulps of SHANGRLA's, and TestLongSamples measures the history over
// 10^6 draws against SHANGRLA's operation order.
type WaldSPRT struct {
	Population
	// Eta is the alternative mean, in (T, U]; 0 selects U(1 − 2^-52).
	Eta float64
}

// Name implements Test.
func (WaldSPRT) Name() string { return "wald_sprt" }

// Risk implements Test.
func (w WaldSPRT) Risk(x []float64) (Result, error) {
	s, err := w.start("wald_sprt")
	if err != nil {
		return Result{}, err
	}
	return s.risk(x)
}

func (s *waldStream) risk(x []float64) (Result, error) {
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

// run is Add for the whole-sample form where N is finite, m_j is in coefs'
// region and the product stays in range: from x[i] on, it computes the same
// operations as Add, with the stream's state in local variables, and sets h
// to the history entries. It returns the index of the first draw it did
// not take (len(x) at the end), leaving the stream as Add would have.
func (s *waldStream) run(x, h []float64, i int) int {
	N := s.pop.N
	if s.prod.slow {
		return i
	}
	if N == 0 {
		return s.runPure(x, h, i)
	}
	if !s.coef {
		return i
	}
	u, nt, neta, xmax, nmax := s.pop.U, s.nt, s.neta, s.g.xmax, s.g.nmax
	qlo := 1e-3 * u
	f, scale := s.prod.f, s.prod.scale
	n, sum := s.tail.n, s.sum
	mx := s.tail.max
	ca, cb := s.ca, s.cb
	D := float64(N - n - 1) // N − j + 1 for the next draw j = n+2, counted down exactly
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax && n < nmax) {
			break
		}
		// The next draw's coefficients (Add's, the same operations).
		sum1 := sum + xi
		P := nt - sum1
		Q := u*D - P
		if !(P > mLo*D && Q > qlo*D) {
			break
		}
		A := neta - sum1
		ca1, cb1 := coefsOf(A, u*D-A, P, Q, u)
		term := xi*ca + (u-xi)*cb
		if !(term > 0) {
			break // waldTerm's 0
		}
		f1 := f * term // scaled.mul, without its renormalisation
		v := f1 * scale
		if !stepOK(f1, v) {
			break
		}
		f, n, sum, D = f1, n+1, sum1, D-1
		if v > mx {
			mx = v
		}
		ca, cb = ca1, cb1
		h[i] = hist(v)
	}
	if n != s.tail.n {
		s.tail.lastM = f * scale // the last draw's v
	}
	s.prod.f, s.tail.n, s.tail.max, s.sum = f, n, mx, sum
	s.ca, s.cb = ca, cb // coef stays set
	return i
}

// Start implements Test.
func (w WaldSPRT) Start() (Stream, error) {
	s, err := w.start("wald_sprt")
	if err != nil || s.pop.N == 0 {
		return s, err
	}
	return waldFiniteStream{s}, nil
}

func (w WaldSPRT) start(name string) (*waldStream, error) {
	p, err := w.Population.resolved(name)
	if err != nil {
		return nil, err
	}
	eta := w.Eta
	if eta == 0 {
		eta = p.U * (1 - eps)
	}
	if !finite(eta) || eta <= 0 || eta > p.U {
		return nil, inputErr(name, "eta = %v must be in (0, u = %v]", eta, p.U)
	}
	s := &waldStream{name: name, pop: p, g: newGuard(p), nt: float64(p.N) * p.T, eta: eta, neta: float64(p.N) * eta, prod: one(), tail: newTail()}
	s.ca, s.cb, s.coef = s.coefs(0, 0)
	s.memo.reset()
	return s, nil
}

type waldStream struct {
	name          string
	pop           Population
	g             guard
	nt, eta, neta float64
	sum           float64
	prod          scaled
	tail          tail
	memo          memo // the terms, with replacement (N = 0)
	// With N finite, where coef is set, the next draw's term is x·ca +
	// (U−x)·cb (see coefs), computed when the previous draw was added, so
	// that its division does not delay the term.
	ca, cb float64
	coef   bool
}

// coefs returns the coefficients of the term of draw n+1 after n draws
// whose total is sum, and ok, where N is finite and m_j is in (10^-14, U(1 −
// 10^-3)) (as Alpha's; see alphaStream.coefs).
func (s *waldStream) coefs(n int, sum float64) (ca, cb float64, ok bool) {
	if s.pop.N == 0 {
		return 0, 0, false
	}
	u := s.pop.U
	D, P := float64(s.pop.N-n), s.nt-sum
	if !(P > mLo*D && u*D-P > 1e-3*u*D) {
		return 0, 0, false
	}
	A := s.neta - sum
	ca, cb = coefsOf(A, u*D-A, P, u*D-P, u)
	return ca, cb, true
}

// runPure is run with N infinite, where the term is a function of x alone
// (memo), as Add computes it.
func (s *waldStream) runPure(x, h []float64, i int) int {
	xmax := s.g.xmax
	f, scale := s.prod.f, s.prod.scale
	n, sum, last := s.tail.n, s.sum, s.tail.lastM
	mx := s.tail.max
	for ; i < len(x); i++ {
		xi := x[i]
		if !(xi >= 0 && xi <= xmax) {
			break
		}
		b := math.Float64bits(xi)
		k := memoSlot(b)
		if s.memo.key[k] != b {
			break
		}
		f1 := f * s.memo.val[k] // scaled.mul, without its renormalisation
		v := f1 * scale
		if !stepOK(f1, v) {
			break // a zero term included
		}
		f, n, sum, last = f1, n+1, sum+xi, v
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

// waldFiniteStream is waldStream with N finite: Add's fast path (the term
// from coefs, a positive term and a product in range), with the same
// operations as waldStream.Add, and waldStream.Add for any other case.
type waldFiniteStream struct{ *waldStream }

// Add implements Stream.
func (w waldFiniteStream) Add(x float64) error {
	s := w.waldStream
	u, n := s.pop.U, s.tail.n
	if !(s.coef && !s.prod.slow && x >= 0 && x <= s.g.xmax && n < s.g.nmax) {
		return s.Add(x)
	}
	sum := s.sum + x
	// The next draw's coefficients first (coefs, inlined).
	var ca1, cb1 float64
	D, P := float64(s.pop.N-n-1), s.nt-sum
	ok1 := P > mLo*D && u*D-P > 1e-3*u*D
	if ok1 {
		A := s.neta - sum
		ca1, cb1 = coefsOf(A, u*D-A, P, u*D-P, u)
	}
	term := x*s.ca + (u-x)*s.cb
	if !(term > 0) {
		return s.Add(x)
	}
	f := s.prod.f * term // scaled.mul, without its renormalisation
	v := f * s.prod.scale
	if !stepOK(f, v) {
		return s.Add(x)
	}
	s.prod.f = f
	s.tail.record(v)
	s.sum = sum
	s.ca, s.cb, s.coef = ca1, cb1, ok1
	return nil
}

// Add takes the next observation.
func (s *waldStream) Add(x float64) error {
	u, n := s.pop.U, s.tail.n
	if !s.g.ok(x, n) {
		return checkObs(s.name, x, u, n, s.pop.N)
	}
	var m, term float64
	if s.pop.N == 0 {
		// With replacement the term depends on x alone.
		m = s.pop.T
		b := math.Float64bits(x)
		i := memoSlot(b)
		if s.memo.key[i] == b {
			term = s.memo.val[i]
		} else {
			term = waldTerm(x, s.eta, m, u)
			s.memo.key[i], s.memo.val[i] = b, term
		}
	} else if s.coef {
		// m_j in (1e-14, U(1 − 1e-3)): the term with one division, as
		// Alpha's (see coefs). m_j > 0, so M_j is not made +Inf below.
		term = x*s.ca + (u-x)*s.cb
		if term < 0 {
			term = 0
		}
	} else {
		m = nullMean(s.pop.N, s.nt, s.pop.T, s.sum, n)
		eta := nullMean(s.pop.N, s.neta, s.eta, s.sum, n)
		term = waldTerm(x, eta, m, u)
	}
	s.prod.mul(term)
	v := s.prod.value()
	if m < 0 {
		v = math.Inf(1)
	}
	s.tail.record(v)
	s.sum += x
	if s.pop.N > 0 {
		s.ca, s.cb, s.coef = s.coefs(s.tail.n, s.sum)
	}
	return nil
}

// waldTerm is the likelihood-ratio factor: the ALPHA term, or 0 where the
// alternative cannot produce x (eta_j outside [0, u]), so that the ratio is
// 0 from there on.
func waldTerm(x, eta, m, u float64) float64 {
	term := alphaTerm(x, eta, m, u)
	if term < 0 {
		term = 0
	}
	return term
}

// P and Last first note whether the sample total exceeds N·T (the last M
// is then +Inf).
func (s *waldStream) P() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.p()
}
func (s *waldStream) Last() float64 {
	s.tail.exceed = s.pop.N > 0 && s.sum > s.nt
	return s.tail.lastFinal()
}
func (s *waldStream) rawLast() float64 { return s.tail.last() }
func (s *waldStream) N() int           { return s.tail.n }

// Bravo is the BRAVO test for a two-way comparison in a polling audit
// (Lindeman, Stark & Yates 2012, "BRAVO: Ballot-polling Risk-limiting Audits
// to Verify Outcomes", EVT/WOTE, section 3): Wald's SPRT of the share 1/2
// against the reported share s_w = Winner/(Winner+Loser), sampling with
// replacement. Each observation is 1 (a draw for the reported winner), 0 (for
// the loser) or 1/2 (neither); the test multiplies by 2s_w, 2(1−s_w) or 1.
// It is [WaldSPRT] with T = 1/2, U = 1, Eta = s_w and N infinite.
type Bravo struct {
	// Winner and Loser are the reported counts; Winner > Loser ≥ 0.
	Winner, Loser int
}

// Name implements Test.
func (Bravo) Name() string { return "bravo" }

func (b Bravo) wald() (WaldSPRT, error) {
	if b.Loser < 0 || b.Winner <= b.Loser {
		return WaldSPRT{}, inputErr("bravo", "reported counts winner = %d, loser = %d: need winner > loser ≥ 0", b.Winner, b.Loser)
	}
	return WaldSPRT{Eta: float64(b.Winner) / float64(b.Winner+b.Loser)}, nil
}

// Risk implements Test.
func (b Bravo) Risk(x []float64) (Result, error) {
	w, err := b.wald()
	if err != nil {
		return Result{}, err
	}
	s, err := w.start("bravo")
	if err != nil {
		return Result{}, err
	}
	return s.risk(x)
}

// Start implements Test.
func (b Bravo) Start() (Stream, error) {
	w, err := b.wald()
	if err != nil {
		return nil, err
	}
	return w.start("bravo")
}

// BravoRisk is the BRAVO risk measure after drawing w cards for the reported
// winner and l for the reported loser, in any order, when the reported counts
// are winner and loser: min(1, 1/T) with T = (2s_w)^w (2(1−s_w))^l and
// s_w = winner/(winner+loser) (Lindeman, Stark & Yates 2012, section 3; the
// "risk level" of rlacalc and Arlo). It is computed in log space.
func BravoRisk(winner, loser, w, l int) (float64, error) {
	if loser < 0 || winner <= loser {
		return 0, inputErr("bravo", "reported counts winner = %d, loser = %d: need winner > loser ≥ 0", winner, loser)
	}
	if w < 0 || l < 0 {
		return 0, inputErr("bravo", "sampled counts %d and %d must be non-negative", w, l)
	}
	sw := float64(winner) / float64(winner+loser)
	logT := float64(w) * math.Log(2*sw)
	if l > 0 {
		logT += float64(l) * math.Log(2*(1-sw))
	}
	return math.Min(1, math.Exp(-logT)), nil
}
