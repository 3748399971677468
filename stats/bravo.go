package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// BravoASN is the average sample number of a BRAVO audit (Lindeman, Stark &
// Yates 2012, section 5, eq. for ASN): with reported counts winner > loser
// among total cards, s_w = winner/(winner+loser), z_w = ln(2 s_w),
// z_l = ln(2 − 2 s_w), p_w = winner/total and p_l = loser/total,
//
//	ASN = ⌈ (ln(1/α) + z_w/2) / (p_w z_w + p_l z_l) ⌉,
//
// the expected number of draws when the reported shares are right, as Arlo
// (server/audit_math/bravo.py, get_expected_sample_sizes) computes it.
func BravoASN(winner, loser, total int, alpha float64) (int, error) {
	b, err := newBravoPlan(winner, loser, total, alpha)
	if err != nil {
		return 0, err
	}
	zw, zl := math.Log(2*b.sw), math.Log(2-2*b.sw)
	pw, pl := float64(winner)/float64(total), float64(loser)/float64(total)
	return int(math.Ceil((math.Log(1/alpha) + zw/2) / (pw*zw + pl*zl))), nil
}

// BravoSize is the number of draws a BRAVO audit needs to finish in one round
// with probability completion (in (0, 1), e.g. 0.7, 0.8 or 0.9) when the
// reported counts are right: Mark Lindeman's method as Arlo implements it
// (server/audit_math/bravo.py, bravo_sample_sizes). Among the two-way draws
// n, the winner's count is binomial(n, s_w); a normal approximation of its
// (1 − completion) quantile, set equal to the count that meets the risk
// limit, gives a quadratic in n whose root is raised until the exact binomial
// quantile meets the risk limit; the result is scaled up by
// total/(winner+loser) for the draws that show neither.
func BravoSize(winner, loser, total int, alpha, completion float64) (int, error) {
	b, err := newBravoPlan(winner, loser, total, alpha)
	if err != nil {
		return 0, err
	}
	if !(completion > 0 && completion < 1) {
		return 0, inputErr("bravo", "completion probability %v must be in (0, 1)", completion)
	}
	pw2 := b.sw
	pr2 := 1 - pw2
	plus, minus := math.Log(pw2/0.5), math.Log(pr2/0.5)
	threshold := math.Log(1 / alpha)
	z := -distuv.UnitNormal.Quantile(completion)
	d := pw2 * pr2
	f := threshold / (plus - minus)
	g := minus/(plus-minus) + pw2
	qa, qb, qc := g*g, -(z*z*d + 2*f*g), f*f
	radical := math.Sqrt(math.Max(0, qb*qb-4*qa*qc))
	var size float64
	if completion > 0.5 {
		size = math.Floor((-qb + radical) / (2 * qa))
	} else {
		size = math.Floor((-qb - radical) / (2 * qa))
	}
	size = math.Max(size, 0)
	for ; ; size++ {
		xc := binomPPF(1-completion, size, pw2)
		if xc*plus+(size-xc)*minus > threshold {
			break
		}
		if size > 1e9 {
			return 0, inputErr("bravo", "no sample size found")
		}
	}
	pwr := float64(winner+loser) / float64(total)
	return int(math.Ceil(size / pwr)), nil
}

// binomPPF is the smallest k with P(Binomial(n, p) ≤ k) ≥ q (scipy's
// binom.ppf).
func binomPPF(q, n, p float64) float64 {
	if n == 0 {
		return 0
	}
	dist := distuv.Binomial{N: n, P: p}
	k := math.Floor(n*p + distuv.UnitNormal.Quantile(q)*math.Sqrt(n*p*(1-p)))
	k = math.Min(math.Max(k, 0), n)
	for k > 0 && dist.CDF(k-1) >= q {
		k--
	}
	for k < n && dist.CDF(k) < q {
		k++
	}
	return k
}

type bravoPlan struct{ sw float64 }

func newBravoPlan(winner, loser, total int, alpha float64) (bravoPlan, error) {
	switch {
	case loser < 0 || winner <= loser:
		return bravoPlan{}, inputErr("bravo", "reported counts winner = %d, loser = %d: need winner > loser ≥ 0", winner, loser)
	case total < winner+loser:
		return bravoPlan{}, inputErr("bravo", "total %d is less than winner + loser = %d", total, winner+loser)
	case !(alpha > 0 && alpha < 1):
		return bravoPlan{}, inputErr("bravo", "risk limit %v must be in (0, 1)", alpha)
	}
	if loser == 0 {
		return bravoPlan{}, inputErr("bravo", "loser = 0: no sample size is defined (one draw for the winner suffices)")
	}
	return bravoPlan{sw: float64(winner) / float64(winner+loser)}, nil
}
