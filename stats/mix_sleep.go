package stats

import "math"

// Sleeping: a set-aside component of MixBetting whose bound is far below
// the cut is not looked at batch by batch. staysLow costs some 40
// instructions per component and batch, and on a long sample nearly every
// component of the grid is set aside, most of them far below the cut
// (their logarithm falls in proportion to the draws).
//
// The stream keeps running sums of the batches' statistics (mixAcc). A
// component k whose bound after batch s is lnb0 has, at any draw of a later
// batch t, ln value at most
//
//	lnb0 + λ·(SP_t − SP_s) + (SA_t − SA_s) + λ·(SC_t − SC_s),
//
// where SP sums each batch's largest partial sum of d (or 0 if that is
// negative), and SA and SC its rounding margins a and c (see staysLow):
// each batch after s raises the bound by at most λ·Σd + margin <= λ·pmax⁺ +
// margin, and within batch t by at most λ·pmax_t⁺ + margin. So it sleeps
// while SP stays below a threshold computed when it fell asleep, for at
// most mixSleepBatches batches and while λ·min d >= −(1 − 2^-10)
// (mixSleepLd), where staysLow's margin is at most a + 16λc (its second
// case, with the least term at least 2^-10). When it wakes, its bound at the end of
// the previous batch is recomputed from the sums, with both of staysLow's
// bounds of ln(1 + y), and staysLow takes over.
//
// Rounding: the sums are of at most mixSleepBatches terms since s, so each
// difference of two of them is within K·2^-52 of its larger value of the
// sum of its terms; the thresholds and the recomputed bound carry that,
// and the largest possible a and c of a batch times K, as margins.

// mixSleepBatches is K, the most batches a component sleeps without a
// full check.
const mixSleepBatches = 1024

// mixSleepLd is the least λ·min d of a batch a component sleeps through.
const mixSleepLd = -1 + 0x1p-10

// mixAcc holds running sums over the batches processed (see above): nb
// batches; sp of max(0, pmax); st, sq, scube, scerr of Σd, Σd², Σd³ and
// its rounding bound; sa and sc of the margins a and c.
type mixAcc struct {
	nb                               int
	sp, st, sq, scube, scerr, sa, sc float64
}

func (a *mixAcc) add(b *batchBound) {
	a.nb++
	a.sp += max(0, b.pmax)
	a.st += b.tot
	a.sq += b.sq
	a.scube += b.cube
	a.scerr += b.cerr
	a.sa += b.a
	a.sc += b.c
}

// sleepLimits sets the constants of the margins: a batch has at most
// mixBatch draws and |d| <= u(1+1e-9), and with the least term at least
// 2^-10 its margin is at most a + λ·(2^10·n + n²)·|d|max·2^-52.
func (s *mixStream) sleepLimits() (amaxK, cmaxK float64) {
	n := float64(mixBatch)
	K := float64(mixSleepBatches)
	return K * ((3*n)*0x1p-52 + 0x1p-48), K * (1024*n + n*n) * s.pop.U * (1 + 1e-9) * 0x1p-52
}

// A component k sleeps while wakeNB[k] > nb and wakeSP[k] > sp (the sums
// including the current batch) and λ·min d >= −63/64; wakeNB[k] = 0 when it
// is not asleep. snap[k] holds the sums when it fell asleep, its bound then
// being lnb[k]. batch tests this inline; stillLow does the rest.

// stillLow reports whether set-aside component k stays aside over the
// batch whose bounds are b, prev being the sums before it: it wakes k if it
// sleeps, then applies staysLow and puts k to sleep again if it holds.
func (s *mixStream) stillLow(k int, b *batchBound, prev *mixAcc) bool {
	lam := s.lams[k]
	if s.wakeNB[k] > 0 {
		s.wake(k, lam, prev)
	}
	if !s.staysLow(k, lam, b) {
		return false
	}
	s.sleep(k, lam, &s.acc)
	return true
}

// sleep puts set-aside component k to sleep after a batch, its bound being
// lnb[k] and the sums acc, if its bound is far enough below the cut to
// skip a batch at least.
func (s *mixStream) sleep(k int, lam float64, acc *mixAcc) {
	lnb := s.lnb[k]
	amaxK, cmaxK := s.sleepLimits()
	// The margins over up to K batches, and the rounding of the sums'
	// differences and of this arithmetic.
	room := mixCut - lnb
	delta := amaxK + lam*cmaxK + 0x1p-40*(math.Abs(lnb)+1)
	if lam > 0 {
		delta += lam * float64(mixSleepBatches) * 0x1p-51 * (acc.sp + room/lam + 1)
	}
	if !(room-delta > 0) || lam == 0 {
		s.wakeNB[k] = 0
		return
	}
	s.snap[k] = *acc
	s.wakeNB[k] = acc.nb + mixSleepBatches
	s.wakeSP[k] = acc.sp + (room-delta)/lam*(1-0x1p-40)
}

// wake recomputes sleeping component k's bound at the end of the batch
// before the current one (the sums prev) and ends its sleep.
func (s *mixStream) wake(k int, lam float64, prev *mixAcc) {
	z := &s.snap[k]
	s.wakeNB[k] = 0
	lnb0 := s.lnb[k]
	if lnb0 <= -1e300 {
		return // exactly 0: stays so
	}
	K := float64(mixSleepBatches) * 0x1p-51
	dt, dq := prev.st-z.st, prev.sq-z.sq
	dc, de := prev.scube-z.scube, prev.scerr-z.scerr
	da, dcm := prev.sa-z.sa, prev.sc-z.sc
	// Rounding of the differences: each of the at most K additions since s
	// is within 2^-53 of the largest partial sum, which the sums of the
	// absolute values bound: Σ|Σd| <= n·u per batch, Σ|d³| <= u·Σd².
	u := s.pop.U * (1 + 1e-9)
	absT := float64(mixBatch) * u * float64(prev.nb)
	slack := K*(lam*absT+(s.quad[k]+s.q2[k]+s.q3[k]*u)*prev.sq+s.q3[k]*prev.scerr+prev.sa+lam*prev.sc) +
		0x1p-40*(math.Abs(lnb0)+lam*math.Abs(dt)+s.quad[k]*dq+s.q3[k]*math.Abs(dc+de)+1)
	inc := lam*dt - s.quad[k]*dq
	t3 := s.q3[k] * (dc + de)
	if t3 > 0 {
		t3 *= 1 + 0x1p-40
	} else {
		t3 *= 1 - 0x1p-40
	}
	if inc3 := lam*dt - s.q2[k]*dq + t3; inc3 < inc {
		inc = inc3
	}
	// (1024n + n²)/(64n + n²) <= 16: the margin of a batch with
	// λ·min d below −63/64 (see sleepLimits) is at most a + 16λc.
	s.lnb[k] = lnb0 + inc + da + 16*lam*dcm + slack
}

// Deep sleepers. Even the test of a sleeping component costs a pass over
// it at every batch; on a long sample most of the grid sleeps far from its
// threshold. Every mixDeepEvery batches, the components asleep with their
// thresholds beyond the coming batches' likely reach (SP rising by at most
// mixDeepEvery times its average so far per batch, and mixDeepEvery more
// batches) are grouped as deep sleepers, which scanAside counts at once
// while the group's least thresholds hold and its largest λ keeps
// λ·min d >= −63/64. When a batch breaks that, the group dissolves and its
// members are tested one by one again, as asleep tests them.
const mixDeepEvery = 64

// dissolveDeep ends the group of deep sleepers: every component is tested
// on its own.
func (s *mixStream) dissolveDeep() {
	for _, k := range s.deep {
		s.isDeep[k] = false
	}
	s.deep = s.deep[:0]
	s.others = s.others[:0]
	for k := range s.lams {
		s.others = append(s.others, k)
	}
	s.sinceDeep = 0
}

// rebuildDeep groups the deep sleepers afresh.
func (s *mixStream) rebuildDeep() {
	s.dissolveDeep()
	a := &s.acc
	if a.nb == 0 {
		return
	}
	reach := a.sp + float64(mixDeepEvery)*a.sp/float64(a.nb)
	s.deepSP, s.deepNB, s.deepLam, s.deepFrom = math.Inf(1), math.MaxInt, 0, math.MaxInt
	s.others = s.others[:0]
	for k, at := range s.at {
		if at >= 0 && s.lnb[k] <= -1e300 {
			// Exactly 0 (see setAside): stays so, whatever the data.
			s.isDeep[k] = true
			s.deep = append(s.deep, k)
			continue
		}
		if at >= 0 && s.wakeNB[k] > a.nb+mixDeepEvery && s.wakeSP[k] > reach {
			s.isDeep[k] = true
			s.deep = append(s.deep, k)
			s.deepSP = min(s.deepSP, s.wakeSP[k])
			s.deepNB = min(s.deepNB, s.wakeNB[k])
			s.deepLam = max(s.deepLam, s.lams[k])
			s.deepFrom = min(s.deepFrom, s.from[k])
			continue
		}
		s.others = append(s.others, k)
	}
}
