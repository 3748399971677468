package stats

import (
	"math"
	"runtime"
	"slices"
)

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
// # Floating point and speed
//
// SHANGRLA replaces a component at or near 0 (numpy's isclose(M, 0), in
// effect M <= 2^-51) by 1 before the mean. rlakit sums each observation's
// components above that cut in four lanes, component k in lane k mod 4 in
// grid order, adds the lanes as (l0 + l1) + (l2 + l3), then the count of
// the components at or below the cut (each worth 1), and divides L by the
// sum for the history; numpy adds all L terms in grid order and takes
// 1/(sum/L). The two differ by a few units in the last place (at most
// about L·2^-53 relative; 8.5e-16 on SHANGRLA's public vectors, under 1e-14
// on 20,000-draw samples in the tests). The components are kept as f·2^e,
// so that long samples neither overflow nor underflow.
//
// Observations are processed in batches of up to 512 (mixBatch), in three
// passes: the null means and the d = x − m with their bounds (mixPrep);
// the components; the sums, the running maximum and the history
// (mixRecord). On amd64 the passes run in assembly (mix_kernel_amd64.s:
// SSE2, and AVX where the CPU has it), four components to a 256-bit
// register; elsewhere the same operations run in Go (mix_kernel.go), and
// tests compare the two bit for bit. No multiply-add is fused, in either.
//
// A component whose batch is plain (its fraction provably stays in range
// and its value above the cut) or maybe low (in range, and below +Inf) goes
// through the vector kernel, with a lane mask for the cut in the second
// case; any other is computed one draw at a time with every test.
//
// With a true mean near the null, most components of a long sample sink far
// below the cut (their bets are too large for the data) and stay there. A
// component is set aside while an upper bound proves it stays below the
// cut: since ln(1 + y) <= y − y²/(2(1 + y⁺)) and ln(1 + y) <= y − y²/2 +
// y³/3 for y > −1, ln M_j(λ) after a stretch of draws is at most its value
// before plus the smaller of λ·Σd − cλ²·Σd² (c = 1/(2(1 + λu))) and
// λ·Σd − λ²/2·Σd² + λ³/3·Σd³ over the stretch (d = x − m), and within a
// batch at most its value plus λ times the largest partial sum of d, with
// margins for rounding. Far below the cut, a set-aside component sleeps:
// it is tested against running sums of the batches' statistics, and whole
// groups of sleepers at once (mix_sleep.go). A set-aside component counts
// 1 at each draw, as its exact value would, and the draws' d are kept
// (8 bytes a draw while any component needs them, in chunks that go to a
// process-wide pool of up to 32 MB for later streams once the stream is
// gone); when the bound no longer
// proves it, the component is brought up to date by the very
// multiplications it skipped, in order, so every value is the one computed
// draw by draw (tests compare the two bit for bit, with every component
// computed at every draw). On the benchmark's million polling draws, 94 of
// the default 100 components are set aside; where every component grows
// (a large true margin), every one is computed at every draw.
//
// Its Stream checks each observation at once but computes in batches of up
// to 512 (P and Last compute what is pending first), with the same values as
// one observation at a time.
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
	for i := 0; i < len(x); i += mixBatch {
		j := min(i+mixBatch, len(x))
		if !s.batch(x[i:j], h[i:j], false) {
			// An invalid observation in x[i:j] (batch changed nothing):
			// report the first.
			for k := i; k < j; k++ {
				if !s.g.ok(x[k], k) {
					return Result{}, checkObs("mix_betting_mart", x[k], s.pop.U, k, s.pop.N)
				}
			}
			for k := i; k < j; k++ { // not reached: batch and the guard agree
				s.step(x[k])
				h[k] = s.hist(s.lastT)
			}
		}
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
	return newMixStream(p, append([]float64(nil), lams...)), nil
}

// mixBatch is how many observations mixStream.Add holds before it
// processes them (see batch).
const mixBatch = 512

// mixStream keeps component k as f[k]·2^e[k] (see renorm). A component with
// at[k] >= 0 is set aside (see MixBetting): f[k], e[k] are its value after
// the first at[k] observations, and lnb[k] bounds ln of its value after the
// observations processed so far; dh holds d = x − m of the observations
// from the first a set-aside component needs.
type mixStream struct {
	pop    Population
	g      guard
	nt     float64 // N/2: the components' null is 1/2
	sum    float64
	n      int // observations processed
	lams   []float64
	f      []float64
	e      []int
	at     []int
	lnb    []float64
	quad   []float64 // λ²/(2(1 + λu)), rounded down (see staysLow)
	q2, q3 []float64 // λ²/2, rounded down, and λ³/3 (see staysLow)
	live   []int     // batch's scratch: the components not set aside
	slow   []int     // scanAside's scratch
	from   []int     // the first observation set-aside component k needs (MaxInt if none)
	// Sleeping set-aside components (see mix_sleep.go).
	acc mixAcc
	// deep sleepers: see mix_sleep.go; others are the rest, in grid order.
	deep, others     []int
	isDeep           []bool
	deepSP, deepLam  float64
	deepNB, deepFrom int
	sinceDeep        int
	wakeNB           []int
	wakeSP           []float64
	snap             []mixAcc
	mhi              float64 // a null mean in (1e-14, mhi) is not special
	nstale           int
	dh               *dlog // its own object, which the stream's cleanup releases
	exact            bool  // never set a component aside (tests compare the two)

	maxT, lastT float64 // the largest and the last sum of the components (L·M)
	nan         bool    // some sum was NaN
	// pend holds the last np observations, checked by Add but not yet
	// processed; P, Last and rawLast process them first.
	pend  [mixBatch]float64
	np    int
	room  int    // see addSlow
	xbits uint64 // the bits of the guard's xmax (see Add)
	// batch's scratch: the observations' d, the lane sums (see mixLanes),
	// the counts of low components, the queue of plain groups.
	d  [mixBatch]float64
	hl [4 * mixBatch]float64
	lo [4 * mixBatch]float64
	hs [mixBatch]float64 // addUntil's scratch: a batch's history entries
	q  mixQueue
}

func newMixStream(p Population, lams []float64) *mixStream {
	s := &mixStream{pop: p, g: newGuard(p), nt: float64(p.N) * 0.5, lams: lams,
		f: make([]float64, len(lams)), e: make([]int, len(lams)), at: make([]int, len(lams)),
		lnb: make([]float64, len(lams)), quad: make([]float64, len(lams)), q2: make([]float64, len(lams)),
		q3: make([]float64, len(lams)), live: make([]int, 0, len(lams)), slow: make([]int, len(lams)), from: make([]int, len(lams)),
		wakeNB: make([]int, len(lams)), wakeSP: make([]float64, len(lams)), snap: make([]mixAcc, len(lams)),
		maxT: math.Inf(-1)}
	if p.U > 1e-9 {
		// Then u − m > 3e-6·u > atol + 1e-6·m: m is clear of u.
		s.mhi = p.U * (1 - 3e-6)
	}
	s.q.b = [8]float64{1, 1, 1, 1, 1, 1, 1, 1}
	s.xbits = math.Float64bits(s.g.xmax)
	s.isDeep = make([]bool, len(lams))
	s.dissolveDeep()
	s.dh = new(dlog)
	s.dh.reset(0)
	runtime.AddCleanup(s, (*dlog).release, s.dh)
	for k, lam := range lams {
		s.f[k], s.at[k] = 1, -1
		if q := lam * lam / (2 * (1 + lam*p.U)) * (1 - 0x1p-40); q < 0x1p500 {
			s.quad[k] = q // else 0: a bet so large gains nothing from the bound
		}
		if lam < 0x1p100 {
			s.q2[k], s.q3[k] = lam*lam*0.5*(1-0x1p-40), lam*lam*lam/3
		}
	}
	return s
}

// Add checks x and holds it; every mixBatch observations, batch processes
// them. The values reported are those of one observation at a time (batch
// computes the same operations), so holding them changes no result.
func (s *mixStream) Add(x float64) error {
	// x in [+0, xmax] is bits(x) <= bits(xmax) (non-negative floats order
	// as their bits; −0, negative numbers and NaN have larger bits): one
	// comparison for the guard's two; −0 goes to addSlow.
	np := s.np
	if !(np < s.room && math.Float64bits(x) <= s.xbits) {
		return s.addSlow(x)
	}
	s.pend[np&(mixBatch-1)] = x
	np++
	s.np = np
	if np == mixBatch {
		s.flush()
	}
	return nil
}

// addSlow is Add where x may be invalid (or −0) or room may be stale:
// room is how many observations may be held before the population runs
// out, N − n, kept between calls so that Add needs no addition.
func (s *mixStream) addSlow(x float64) error {
	s.room = s.g.nmax - s.n
	if n := s.n + s.np; !s.g.ok(x, n) {
		return checkObs("mix_betting_mart", x, s.pop.U, n, s.pop.N)
	}
	s.pend[s.np&(mixBatch-1)] = x
	s.np++
	if s.np == mixBatch {
		s.flush()
	}
	return nil
}

// addUntil is addUntil for mix_betting_mart: batches of up to mixBatch
// draws, with their history entries, where batch takes them; one draw at a
// time where it refuses them (an invalid draw, or more than N).
func (s *mixStream) addUntil(xs []float64, alpha float64) (int, bool, error) {
	s.flush()
	defer func() { s.room = s.g.nmax - s.n }() // Add's count of the room left
	h := s.hs[:]
	for i := 0; i < len(xs); {
		c := xs[i:min(i+mixBatch, len(xs))]
		if !s.batch(c, h[:len(c)], false) {
			for j, x := range c {
				if err := s.Add(x); err != nil {
					return i + j, false, err
				}
				if s.rawLast() <= alpha {
					return i + j + 1, true, nil
				}
			}
			i += len(c)
			continue
		}
		for j, v := range h[:len(c)] {
			if v <= alpha {
				return i + j + 1, true, nil
			}
		}
		i += len(c)
	}
	return len(xs), false, nil
}

func (s *mixStream) flush() {
	if s.np > 0 {
		s.batch(s.pend[:s.np], nil, true)
		s.np = 0
		s.room = s.g.nmax - s.n
	}
}

// mixLow reports whether a component's value w is one SHANGRLA replaces by
// 1: isclose(w, 0) with atol 2^-51 and rtol 1e-5 (for w >= 0, w <= about
// 2^-51; every negative w). False for NaN.
func mixLow(w float64) bool { return w <= 1e-14 && w <= atol+float64(1e-5*math.Abs(w)) }

// mixCut is below ln(atol) by a margin: a component whose value is below
// e^mixCut is low (mixLow).
var mixCut = math.Log(atol) - 1e-6

// inRange reports 2^-300 <= |v| < 2^301, where a component's fraction is
// left as it is.
func inRange(v float64) bool { return (math.Float64bits(v)>>52&0x7ff)-(1023-300) <= 600 }

// pow2 is 2^e for e in [-1022, 1023].
func pow2(e int) float64 { return math.Float64frombits(uint64(e+1023) << 52) }

// scale is what a component's fraction v (in range, 2^-300 <= |v| < 2^301)
// is multiplied by, in two steps, to give its value f·2^e as ldexp gives
// it: (v·a)·b with a = 2^e, b = 1 for e in [-400, 1023]; a = 2^1023,
// b = 2^(e−1023) up to e = 2046 (each step exact unless it overflows, which
// happens exactly when the value does); a = +Inf beyond (the value
// overflows); and a = 0 for a vanished component (e < -400, value below
// 2^-100), which is low as its exact value would be.
type scale struct{ a, b float64 }

func scaleOf(e int) scale {
	switch {
	case e < -400:
		return scale{0, 1}
	case e <= 1023:
		return scale{pow2(e), 1}
	case e <= 2046:
		return scale{pow2(1023), pow2(e - 1023)}
	}
	return scale{math.Inf(1), 1}
}

// value is component k's value, renormalising its fraction first if it has
// left [2^-300, 2^301); 0 for a vanished component.
func (s *mixStream) value(k int) float64 {
	if v := s.f[k]; !inRange(v) && v != 0 {
		s.renorm(k)
	}
	switch ek := s.e[k]; {
	case ek == 0:
		return s.f[k]
	case ek < -400:
		return 0
	default:
		return ldexp(s.f[k], ek)
	}
}

func (s *mixStream) renorm(k int) {
	a := math.Abs(s.f[k])
	if (a > 0x1p300 || a < 0x1p-300) && a != 0 && a <= math.MaxFloat64 {
		fr, ex := math.Frexp(s.f[k])
		s.f[k], s.e[k] = fr, s.e[k]+ex
	}
}

// special reports a null mean at or beyond 0 or u (the end of a
// population), which step handles.
func (s *mixStream) special(m float64) bool {
	u := s.pop.U
	return m < 0 || m > u || m <= atol+1e-5*m || math.Abs(u-m) <= atol+1e-6*m
}

// record notes the sum t of the components at the next observation.
func (s *mixStream) record(t float64) {
	s.n++
	s.lastT = t
	if t > s.maxT {
		s.maxT = t
	} else if t != t {
		s.nan = true
	}
}

// hist is the history entry min(1, 1/M) for the sum t = L·M (1 for NaN).
func (s *mixStream) hist(t float64) float64 {
	L := float64(len(s.f))
	if !(t > L) {
		return 1 // M <= 1 or NaN, without the division
	}
	return L / t // at most 1 (1 when t rounds so)
}

// step processes one observation, every component at once; batch gives the
// same values.
func (s *mixStream) step(x float64) {
	s.catchUpAll()
	m := nullMean(s.pop.N, s.nt, 0.5, s.sum, s.n)
	d := x - m
	f := s.f
	var total float64
	switch {
	case m < 0:
		for k, lam := range s.lams {
			f[k] *= 1 + float64(lam*d)
		}
		total = math.Inf(1)
	case s.special(m):
		for k, lam := range s.lams {
			f[k] *= 1 + float64(lam*d)
			s.renorm(k)
		}
		total = float64(len(f))
	default:
		var hl [4]float64
		lo := 0.0
		for k, lam := range s.lams {
			f[k] *= 1 + float64(lam*d)
			if w := s.value(k); mixLow(w) {
				lo++
			} else {
				hl[k&3] += w
			}
		}
		total = mixLanes(hl[:]) + lo
	}
	s.record(total)
	s.sum += x
	s.dh.reset(s.n)
}

// batch processes the observations xs (at most mixBatch, already checked)
// with the values step gives them one at a time and, if h is not nil, sets
// h[j] to the history entry of xs[j]. Components set aside stay aside while
// their bound holds over the whole batch. The others are carried through
// it in groups of four consecutive components, one lane each (see
// mixLanes): a component whose batch is plain (see plain) by the kernel
// mixPlain, two groups at a time; any other by checked, one observation at
// a time with every test. Each lane's sum grows in grid order whichever
// way its components are computed, so the values do not depend on which
// components are plain or set aside.
func (s *mixStream) batch(xs, h []float64, checked bool) (ok bool) {
	n := len(xs)
	dd := s.d[:n]
	if s.nstale > 0 {
		// Components are set aside: the d are likely to be kept
		// (keepHistory), so they go straight into the log's room.
		dd = s.dh.reserve(n)
	}
	N, n0 := s.pop.N, s.n
	if N > 0 && n0+n > N {
		return false
	}
	rem := 0.0
	if N > 0 {
		rem = float64(N - n0)
	}
	p := newMixPrep(s.nt, rem, s.sum)
	mlo, mhi, mClear := s.meansClear(n)
	switch {
	case mClear && checked:
		p.mode = mixPrepLean
	case mClear:
		p.mode = mixPrepNoM
	}
	mixPrep(xs, dd, &p)
	if !(p.sum == p.sum && (checked || p.xmin >= 0 && p.xmax <= s.g.xmax)) {
		return false
	}
	if mClear {
		// The first pass skipped d's bounds too: x in [0, xmax] and m in
		// [mlo, mhi] bound d = x − m (rounding is monotone).
		p.dmin, p.dmax = -mhi, s.g.xmax-mlo
	}
	if !mClear && !(p.mmin > 1e-14 && p.mmax < s.mhi) {
		// Some null mean may be special (at or beyond 0 or u): step
		// handles it, with the same values.
		for j, x := range xs {
			s.step(x)
			if h != nil {
				h[j] = s.hist(s.lastT)
			}
		}
		return true
	}
	b := batchBound{n: n, dmin: p.dmin, dmax: p.dmax, pmin: p.pmin, pmax: p.pmax, tot: p.tot, sq: p.sq, cube: p.cube}
	b.finish()
	bp := &b
	n1 := n0 + n
	// The components set aside stay aside while their bound holds over the
	// batch; the others are brought up to date and join the live ones.
	// first is the first observation whose d a component still aside needs.
	aside, first := s.scanAside(bp, n0, n1)
	live := s.live
	hl := s.hl[:4*n]
	lo := s.lo[:4*n] // the counts of low components, in lanes as hl (see useLo)
	s.q.loUsed = false
	q := &s.q
	for i := 0; i < len(live); {
		g := live[i] &^ 3 // the group's first component
		var checked [4]int
		nc, slot := 0, 4*q.n
		for ; i < len(live) && live[i]&^3 == g; i++ {
			k := live[i]
			lam := s.lams[k]
			if sc, class := s.plain(k, lam, bp); class != mixChecked {
				j := slot + k - g
				q.lam[j], q.v[j], q.a[j], q.b[j], q.live[j], q.k[j] = lam, s.f[k], sc.a, sc.b, 1, k+1
				q.masked = q.masked || class == mixMaybeLow
				continue
			}
			checked[nc] = k
			nc++
		}
		for j := slot; j < slot+4; j++ {
			if q.k[j] > 0 {
				q.n++
				break
			}
		}
		if q.n == 2 || (q.n > 0 && nc > 0) {
			s.flushPlain(dd, hl)
		}
		if nc > 0 {
			if !q.init {
				clear(hl)
				q.init = true
			}
			s.useLo(n)
			for _, k := range checked[:nc] {
				s.checked(k, dd, hl, lo)
			}
		}
	}
	s.flushPlain(dd, hl)
	if !q.init {
		clear(hl)
	}
	q.init = false
	if !s.exact {
		s.setAsideLow(live, n1)
	}
	s.keepHistory(dd, b.dmin, first, n1)
	// record, for each observation, and the history entries.
	rs := mixRecordState{aside: aside, L: float64(len(s.lams)), maxT: s.maxT, last: s.lastT, nan: s.nan}
	if !s.q.loUsed {
		lo = nil // no component was low or could be
	}
	mixRecord(hl, lo, h, &rs)
	s.maxT, s.lastT, s.nan = rs.maxT, rs.last, rs.nan
	s.n = n1
	s.sum = p.sum
	return true
}

// scanAside goes through the set-aside components at a batch (observations
// n0 to n1−1, whose bounds are b): those whose bound holds over the batch
// stay aside; the others are brought up to date and join the live ones,
// which it lists in s.live. It returns how many stay aside and the first
// observation whose d one of them needs (n1 if none). A function of its
// own, so that its loop keeps its state in registers.
func (s *mixStream) scanAside(b *batchBound, n0, n1 int) (aside float64, first int) {
	prev := s.acc
	s.acc.add(b)
	at := s.at
	L := len(at)
	from, lams, wakeNB, wakeSP := s.from[:L], s.lams[:L], s.wakeNB[:L], s.wakeSP[:L]
	live, slow := s.live[:L], s.slow[:L]
	nl, ns := 0, 0
	first = n1
	nb, sp, dmin := s.acc.nb, s.acc.sp, b.dmin
	// The deep sleepers, at once while all stay asleep (see mix_sleep.go).
	if len(s.deep) > 0 {
		if sp < s.deepSP && nb < s.deepNB && s.deepLam*dmin >= mixSleepLd {
			aside += float64(len(s.deep))
			first = min(first, s.deepFrom)
		} else {
			s.dissolveDeep()
		}
	}
	// Then the others, first without calls, which would make the compiler
	// keep the loop's state in memory: the live components, the sleeping
	// ones that stay asleep, and the others for the full test.
	for _, k := range s.others {
		a := at[k]
		switch {
		case a < 0:
			live[nl] = k
			nl++
		case wakeNB[k] > nb && wakeSP[k] > sp && lams[k]*dmin >= mixSleepLd:
			aside++
			first = min(first, from[k])
		default:
			slow[ns] = k
			ns++
		}
	}
	back := 0
	for _, k := range slow[:ns] {
		if s.stillLow(k, b, &prev) {
			aside++
			first = min(first, from[k])
			continue
		}
		s.catchUp(k, n0)
		slow[back] = k
		back++
	}
	live = live[:nl]
	if back > 0 {
		live = append(live, slow[:back]...)
		slices.Sort(live)
	}
	s.live = live
	if s.sinceDeep++; s.sinceDeep >= mixDeepEvery {
		s.rebuildDeep()
	}
	return aside, first
}

// meansClear reports whether the null means of the next n draws are
// certainly in (1e-14, mhi), where batch needs no test of them, from the
// first alone, and if so an interval [lo, hi] that holds them all. With N
// finite, m_{j+1} − m_j = (m_j − x_j)/(N − n − j − 1) (j draws into the
// batch), and |m_j − x_j| <= xmax while m_j is in [0, u] and x_j is valid,
// so every m_j is within n·xmax/(N − n0 − n) of m_0; the computed m_j are
// within a few units in the last place of (N/2 − S)/(N − n), S's rounding
// included, which slack covers. With N infinite, m is 1/2.
func (s *mixStream) meansClear(n int) (lo, hi float64, ok bool) {
	N := s.pop.N
	if N == 0 {
		return 0.5, 0.5, 0.5 > 1e-14 && 0.5 < s.mhi
	}
	left := float64(N - s.n - n)
	if !(left >= 1) {
		return 0, 0, false
	}
	rem := float64(N - s.n)
	m0 := (s.nt - s.sum) / rem
	delta := float64(n) * s.g.xmax / left
	slack := 0x1p-40 * float64(n+2) * (math.Abs(s.nt) + math.Abs(s.sum) + float64(n)*s.g.xmax) / left
	lo, hi = m0-delta-slack, m0+delta+slack
	return lo, hi, lo > 1e-14 && hi < s.mhi
}

// mixLanes adds an observation's four lane sums: lane l holds the sum, in
// grid order, of the values above the cut of the components k with
// k mod 4 = l. The mixture's sum L·M is this plus the count of the others.
func mixLanes(h []float64) float64 { return (h[0] + h[1]) + (h[2] + h[3]) }

// mixQueue holds up to two groups of plain components for mixPlain: lane i
// of the queue is component k[i]−1, or dead (k[i] = 0; λ, v and a are 0).
// init: the batch's lane sums have been started.
type mixQueue struct {
	lam, v, a, b, live [8]float64
	k                  [8]int
	n                  int
	masked             bool // some component may be low: mixMasked
	init               bool
	loUsed             bool // the batch's low counts have been cleared
}

// useLo clears the low counts of the batch's n observations, the first
// time a component that may be low is computed.
func (s *mixStream) useLo(n int) {
	if !s.q.loUsed {
		clear(s.lo[:4*n])
		s.q.loUsed = true
	}
}

// flushPlain carries the queued groups through the batch and empties the
// queue.
func (s *mixStream) flushPlain(dd, hl []float64) {
	q := &s.q
	if q.n == 0 {
		return
	}
	w := 4 * q.n
	if q.masked {
		s.useLo(len(dd))
		mixMasked(dd, q.lam[:w], q.v[:w], q.a[:w], q.b[:w], q.live[:w], hl, s.lo[:4*len(dd)], !q.init)
	} else {
		mixPlain(dd, q.lam[:w], q.v[:w], q.a[:w], q.b[:w], hl, !q.init)
	}
	q.init = true
	for i := range w {
		if k := q.k[i]; k > 0 {
			s.f[k-1] = q.v[i]
		}
	}
	q.lam, q.v, q.a, q.live, q.k, q.n, q.masked = [8]float64{}, [8]float64{}, [8]float64{}, [8]float64{}, [8]int{}, 0, false
	q.b = [8]float64{1, 1, 1, 1, 1, 1, 1, 1}
}

// plain reports whether component k's batch is plain, and then its scale
// 2^e: its fraction v stays in [2^-300, 2^301), where renorm leaves it, and
// its value v·2^e stays above 1e-14, where it is never low, at every
// observation of the batch, so that neither needs a test. With every
// y = λd >= −c, c < 1, ln(1 + y) >= y − K(c)·y² with K(c) = (−c − ln(1 − c))/c²
// ((y − ln(1 + y))/y² falls as y grows; K <= 1 for c <= 1/2), so over the
// first j draws ln v changes by at least λ·min(0, min partial sum of d) −
// Kλ²·Σd², and by at most λ·max(0, max partial sum) (ln(1 + y) <= y). The
// margins, one binary order
// of magnitude on each side, dwarf the rounding of a batch's products and
// sums (relative 2^-45 at most). It returns the scale (see scaleOf).
func (s *mixStream) plain(k int, lam float64, b *batchBound) (sc scale, class int) {
	v, e := s.f[k], s.e[k]
	if !(v > 0) || !inRange(v) || !(lam*b.dmin > -0.999) {
		return scale{}, mixChecked
	}
	K := 1.0
	if c := -lam * b.dmin; c > 0.5 {
		K = (-c - math.Log1p(-c)) / (c * c) * (1 + 1e-9)
	}
	lg := float64(int(math.Float64bits(v)>>52) - 1023) // v in [2^lg, 2^(lg+1))
	up := lam * max(0, b.pmax) * math.Log2E
	down := (lam*min(0, b.pmin) - K*lam*lam*b.sq) * math.Log2E
	if !(lg+up+2 <= 300 && lg+down-1 >= -299) && lg != -1 {
		// The fraction may leave its range in this batch: scale it to
		// [1/2, 1) first. Its products then differ from those of the old
		// fraction by the same power of 2, exactly (they stay normal), and
		// the component's value (v·a)·b is the same (see scaleOf): it is
		// the value rounded, or +Inf where that overflows, whatever e is,
		// except below 2^-100, which is low either way.
		fr, ex := math.Frexp(v)
		v, e = fr, e+ex
		s.f[k], s.e[k] = v, e
		lg = -1
	}
	switch {
	case !(lg+up+2 <= 300 && lg+down-1 >= -299):
		return scale{}, mixChecked
	case lg+float64(e)+down-1 >= -45 && e >= -400:
		return scaleOf(e), mixPlainClass
	case lg+float64(e)+up+2 <= 1000:
		return scaleOf(e), mixMaybeLow // and stays below +Inf
	}
	return scale{}, mixChecked
}

// The classes of a component's batch (see plain).
const (
	mixChecked    = iota // checked, one draw at a time with every test
	mixPlainClass        // plain: mixPlain
	mixMaybeLow          // in range, but maybe low: mixMasked
)

// checked carries component k through the observations whose d are dd,
// testing at each whether its fraction needs renormalising and whether its
// value is low; it adds the value to lane k mod 4 of hl, or counts it in
// that lane of lo.
func (s *mixStream) checked(k int, dd, hl, lo []float64) {
	lam, l := s.lams[k], k&3
	v, sc := s.f[k], scaleOf(s.e[k])
	for j, dj := range dd {
		v *= 1 + float64(lam*dj)
		var w float64
		if inRange(v) {
			w = float64(v*sc.a) * sc.b
		} else {
			s.f[k] = v
			w = s.value(k)
			v, sc = s.f[k], scaleOf(s.e[k])
		}
		if w > 1e-14 || !mixLow(w) {
			hl[4*j+l] += w
		} else {
			lo[4*j+l]++
		}
	}
	s.f[k] = v
}

// P and Last first process the observations held and note whether the
// sample total exceeds N/2 (the last M is then +Inf).
func (s *mixStream) P() float64 {
	s.flush()
	switch {
	case s.n == 0 || s.nan:
		return 1
	case s.exceeds():
		return 0
	}
	return s.hist(s.maxT)
}

func (s *mixStream) Last() float64 {
	s.flush()
	if s.exceeds() && s.n > 0 {
		return 0
	}
	return s.rawLast()
}

func (s *mixStream) exceeds() bool { return s.pop.N > 0 && s.sum > s.nt }

func (s *mixStream) rawLast() float64 {
	s.flush()
	if s.n == 0 {
		return 1
	}
	return s.hist(s.lastT)
}

func (s *mixStream) N() int { return s.n + s.np }
