package stats

import "math"

// Setting aside the components of MixBetting that a bound proves stay
// below SHANGRLA's zero cut (see MixBetting's doc): the bound, the setting
// aside and bringing back, and the log of the draws' d they need.

// batchBound summarises a batch's d for the bounds of set-aside components.
type batchBound struct {
	n          int
	dmin, dmax float64 // the least and the largest d
	dabs       float64 // the largest |d|
	pmin, pmax float64 // the least and the largest partial sum d_1+...+d_j (j >= 1)
	tot        float64 // the whole sum
	sq, cube   float64 // the sums of d² and d³
	cerr       float64 // a bound on the rounding error of cube
	a, c       float64 // see staysLow
}

func (b *batchBound) finish() {
	b.dabs = -b.dmin
	if b.dmax > b.dabs {
		b.dabs = b.dmax
	}
	// The rounding margin of staysLow is a + λ·c − 2^-48·lnb.
	n := float64(b.n)
	b.a = (3*n)*0x1p-52 + 0x1p-48
	b.c = (64*n + n*n) * b.dabs * 0x1p-52
	// cube's terms are rounded twice and its sum n−1 times, each by at
	// most 2^-53 of Σ|d|³ <= dabs·Σd².
	b.cerr = n * b.dabs * b.sq * 0x1p-51
}

// staysLow reports whether set-aside component k stays low over the batch
// and, if so, moves its bound to the batch's end. With every term 1 + y
// (y = λd) positive, ln(1 + y) <= y − y²/(2(1 + y⁺)) (equality at y = 0,
// and the derivatives of the two sides differ by y²/(2(1+y)²) >= 0 for
// y > 0; for y < 0 the series of ln(1 + y) after y − y²/2 is negative).
// So ln of the component after j more draws is at most
// lnb + λ(d_1 + ... + d_j), which the batch's largest partial sum bounds,
// and after the whole batch at most lnb + λ·Σd − cλ²·Σd², with
// c = 1/(2(1 + λu)) (as d <= u − m <= u; quad holds cλ², rounded down).
// Also ln(1 + y) <= y − y²/2 + y³/3 for y > −1 (the difference has
// derivative y³/(1 + y), of the sign of y, and is 0 at 0), which gives
// lnb + λ·Σd − λ²/2·Σd² + λ³/3·Σd³ (q2 and q3 hold λ²/2 rounded down and
// λ³/3; the cubic term is rounded away from the bound's side, and cerr
// covers Σd³'s rounding); the bound takes the smaller. Either falls as the
// component does when the bet is too large for the data; the cubic one
// tracks the logarithm closely for negative y. The margin covers the
// rounding of each term and product (relative 2^-53 each, the term's
// magnified by λ|d|/(1+λd)), of the sums and of the bound itself.
func (s *mixStream) staysLow(k int, lam float64, b *batchBound) bool {
	lnb := s.lnb[k] // at most mixCut < 0; -1e300 for a component exactly 0
	// The rounding of a term relative to it is at most 2^-53(λ|d|/tmin + 1),
	// below 2^-53(64λ|d| + 1) when the least term tmin = 1 + λ·min d is at
	// least 1/64, which spares a division.
	var margin float64
	if ld := lam * b.dmin; ld >= -63.0/64 {
		margin = b.a + lam*b.c - 0x1p-48*lnb
	} else if tmin := 1 + ld; tmin > 0 {
		n := float64(b.n)
		margin = b.a + (n*(lam*b.dabs/tmin)+n*n*lam*b.dabs)*0x1p-52 - 0x1p-48*lnb
	} else if lnb > -1e300 {
		return false
	}
	if !(lnb+lam*b.pmax+margin <= mixCut) {
		return false
	}
	// The batch's increment: the smaller of the two bounds of ln(1 + y)
	// (see above), each rounded so as to stay an upper bound.
	inc := lam*b.tot - s.quad[k]*b.sq
	t3 := s.q3[k] * (b.cube + b.cerr)
	if t3 > 0 {
		t3 *= 1 + 0x1p-40
	} else {
		t3 *= 1 - 0x1p-40
	}
	if inc3 := lam*b.tot - s.q2[k]*b.sq + t3; inc3 < inc {
		inc = inc3
	}
	s.lnb[k] = lnb + inc + margin
	return true
}

// lowBound reports whether component k is low by a clear margin (or
// exactly 0), and then the bound of ln of its value that setAside records.
func (s *mixStream) lowBound(k int) (lnb float64, ok bool) {
	f := s.f[k]
	if !(f >= 0) {
		return 0, false // negative or NaN
	}
	if x := int(math.Float64bits(f)>>52&0x7ff) - 1023 + s.e[k]; f > 0x1p-1000 && x > -40 {
		return 0, false // above 2^-40: not low (a quick test before the logarithm)
	}
	lnb = -1e300 // exactly 0: stays 0 (and the bound's arithmetic stays finite)
	if f > 0 {
		lnb = math.Log(f) + float64(s.e[k])*math.Ln2
		if !(lnb <= mixCut-1) {
			return 0, false
		}
		lnb += 0x1p-40 * (math.Abs(lnb) + 1)
	}
	return lnb, true
}

// setAside sets component k aside after observation n, its bound being
// lnb (see lowBound).
func (s *mixStream) setAside(k, n int, lnb float64) {
	s.at[k], s.lnb[k] = n, lnb
	s.from[k] = n
	if s.f[k] == 0 {
		s.from[k] = math.MaxInt // stays 0: needs no d
	}
	s.nstale++
}

// setAsideLow sets aside, after observation n, the live components that
// are low by a clear margin, and lets them sleep if they are far enough
// below the cut.
func (s *mixStream) setAsideLow(live []int, n int) {
	for _, k := range live {
		if lnb, ok := s.lowBound(k); ok {
			s.setAside(k, n, lnb)
			s.sleep(k, s.lams[k], &s.acc)
		}
	}
}

// catchUp brings set-aside component k up to observation n (the first n
// observations) by the multiplications it skipped, in order. A component
// that is exactly 0 stays 0 and needs none.
//
// Where every term 1 + λd is in [2^-30, 2^30] (the logged d are at least
// the log's dmin and at most u(1+1e-9)), a positive fraction in its range
// [2^-300, 2^301) stays normal over 8 multiplications, in [2^-540, 2^541],
// so it is tested for its range after every 8 terms instead of every one.
// Renormalising later scales the products by a power of 2 exactly, so the
// component's values are the same (see plain).
func (s *mixStream) catchUp(k, n int) {
	lam := s.lams[k]
	v := s.f[k]
	blocks := 1+lam*s.dh.dmin >= 0x1p-30 && lam*s.pop.U*(1+1e-9) <= 0x1p29
	for i := s.at[k]; i < n && v != 0; {
		seg := s.dh.segment(i, n)
		i += len(seg)
		if blocks && v > 0 && inRange(v) {
			for ; len(seg) >= 8; seg = seg[8:] {
				b := seg[:8:8]
				v *= 1 + float64(lam*b[0])
				v *= 1 + float64(lam*b[1])
				v *= 1 + float64(lam*b[2])
				v *= 1 + float64(lam*b[3])
				v *= 1 + float64(lam*b[4])
				v *= 1 + float64(lam*b[5])
				v *= 1 + float64(lam*b[6])
				v *= 1 + float64(lam*b[7])
				if !inRange(v) {
					s.f[k] = v
					s.renorm(k)
					v = s.f[k]
				}
			}
		}
		for _, d := range seg {
			v *= 1 + float64(lam*d)
			if !inRange(v) && v != 0 {
				s.f[k] = v
				s.renorm(k)
				v = s.f[k]
			}
		}
	}
	s.f[k] = v
	s.at[k] = -1
	s.wakeNB[k] = 0
	s.nstale--
}

// catchUpAll brings every set-aside component up to date.
func (s *mixStream) catchUpAll() {
	if len(s.deep) > 0 {
		s.dissolveDeep()
	}
	for k := range s.at {
		if s.at[k] >= 0 {
			s.catchUp(k, s.n)
		}
	}
	s.dh.reset(s.n)
}

// keepHistory keeps the batch's d (observations n1−len(dd) to n1−1, the
// least of them dmin) if a
// component set aside needs them, first being the first observation any
// needs (n1 if none: a component that is exactly 0 needs none), and drops
// those no component needs.
func (s *mixStream) keepHistory(dd []float64, dmin float64, first, n1 int) {
	if first == n1 {
		s.dh.reset(n1)
		return
	}
	if s.dh.reserved(dd) {
		s.dh.commit(len(dd)) // batch wrote them in the log's room
	} else {
		s.dh.append(dd)
	}
	s.dh.dmin = min(s.dh.dmin, dmin)
	s.dh.dropBefore(first)
}
