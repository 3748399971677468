package stats

import (
	"fmt"
	"math"
)

// Spec describes a test with the names of SHANGRLA's NonnegMean, for
// programs that take SHANGRLA-style configurations (the "rla risk" command
// reads one). Build resolves SHANGRLA's defaults and returns the [Test].
type Spec struct {
	// Test is "alpha_mart" (the default when empty), "betting_mart",
	// "mix_betting_mart", "kaplan_markov", "kaplan_wald",
	// "kaplan_kolmogorov" or "wald_sprt".
	Test string `json:"test"`
	// Estim is "" (fixed_alternative_mean with eta = T+(U−T)/2),
	// "fixed_alternative_mean", "shrink_trunc" or "optimal_comparison".
	Estim string `json:"estim"`
	// Bet is "" (fixed_bet), "fixed_bet", "agrapa" or "kelly_optimal".
	Bet string `json:"bet"`
	Population
	Options Options `json:"kwargs"`
}

// Options holds SHANGRLA's keyword arguments (its "kwargs"); a nil field
// keeps the default. See the types they configure for meanings and ranges.
type Options struct {
	Eta         *float64  `json:"eta"`          // alternative or prior mean (all estimators, wald_sprt)
	C           *float64  `json:"c"`            // ShrinkTrunc.C
	D           *float64  `json:"d"`            // ShrinkTrunc.D
	F           *float64  `json:"f"`            // ShrinkTrunc.F
	MinSD       *float64  `json:"minsd"`        // ShrinkTrunc.MinSD
	Lam         *float64  `json:"lam"`          // FixedBet.Lam, AGRAPA.Lam
	G           *float64  `json:"g"`            // G of the Kaplan tests
	RandomOrder *bool     `json:"random_order"` // false: FinalOnly of the Kaplan tests
	CGrapa0     *float64  `json:"c_grapa_0"`    // AGRAPA.C0
	CGrapaMax   *float64  `json:"c_grapa_max"`  // AGRAPA.CMax
	CGrapaGrow  *float64  `json:"c_grapa_grow"` // AGRAPA.Grow
	Pop         []float64 `json:"pop"`          // KellyOptimal.Pop
	ErrorRate2  *float64  `json:"error_rate_2"` // OptimalComparison.ErrorRate2
	Lams        []float64 `json:"lams"`         // MixBetting.Lams
}

func val(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// explicit returns *p, or 0 (the type's default) if p is nil. An explicit 0
// becomes the smallest positive float64, which the types take as set and
// which gives arithmetic identical to 0 where explicit is used: 1 − 2^-1074
// rounds to 1 (error_rate_2), 1 + λ(x − m) to 1 (lam), and a tolerance of
// at most 2^-1074 leaves normal numbers unchanged (c).
func explicit(p *float64, name string) (float64, error) {
	if p == nil {
		return 0, nil
	}
	if *p == 0 {
		return math.SmallestNonzeroFloat64, nil
	}
	return *p, nil
}

// Build returns the test the spec describes, with SHANGRLA's defaults:
// without an estimator, eta defaults to T + (U−T)/2, also for wald_sprt;
// with one, to U(1−2^-52).
func (s Spec) Build() (Test, error) {
	o := s.Options
	pop := s.Population
	p, err := pop.resolved(nonEmpty(s.Test, "alpha_mart"))
	if err != nil {
		return nil, err
	}
	wrap := func(err error) error {
		return fmt.Errorf("stats: %s: %w: %w", nonEmpty(s.Test, "alpha_mart"), err, ErrInput)
	}
	finalOnly := o.RandomOrder != nil && !*o.RandomOrder
	eta := val(o.Eta)
	if o.Eta == nil {
		// SHANGRLA sets eta only when no estimator is given; the
		// estimators and wald_sprt otherwise use u(1 − 2^-52).
		eta = p.U * (1 - eps)
		if s.Estim == "" {
			eta = p.T + (p.U-p.T)/2
		}
	}
	if o.Eta != nil && *o.Eta == 0 {
		return nil, wrap(fmt.Errorf("eta = 0 is not a valid alternative mean"))
	}
	switch s.Test {
	case "", "alpha_mart":
		var est Estimator
		switch s.Estim {
		case "", "fixed_alternative_mean":
			est = FixedAlternativeMean{Eta: eta}
		case "shrink_trunc":
			c, err := explicit(o.C, "c")
			if err != nil {
				return nil, wrap(err)
			}
			st := ShrinkTrunc{Eta: eta, C: c, D: val(o.D), F: val(o.F), MinSD: val(o.MinSD)}
			if o.D != nil && *o.D == 0 || o.MinSD != nil && *o.MinSD == 0 {
				return nil, wrap(fmt.Errorf("d and minsd must be positive"))
			}
			est = st
		case "optimal_comparison":
			p2, err := explicit(o.ErrorRate2, "error_rate_2")
			if err != nil {
				return nil, wrap(err)
			}
			est = OptimalComparison{ErrorRate2: p2}
		default:
			return nil, wrap(fmt.Errorf("unknown estimator %q", s.Estim))
		}
		return Alpha{Population: pop, Estimator: est}, nil
	case "betting_mart":
		var bet Bet
		switch s.Bet {
		case "", "fixed_bet":
			lam, err := explicit(o.Lam, "lam")
			if err != nil {
				return nil, wrap(err)
			}
			bet = FixedBet{Lam: lam}
		case "agrapa":
			lam, err := explicit(o.Lam, "lam")
			if err != nil {
				return nil, wrap(err)
			}
			bet = AGRAPA{Lam: lam, C0: val(o.CGrapa0), CMax: val(o.CGrapaMax), Grow: val(o.CGrapaGrow)}
		case "kelly_optimal":
			bet = KellyOptimal{Pop: o.Pop}
		default:
			return nil, wrap(fmt.Errorf("unknown bet %q", s.Bet))
		}
		return Betting{Population: pop, Bet: bet}, nil
	case "mix_betting_mart":
		return MixBetting{Population: pop, Lams: o.Lams}, nil
	case "kaplan_markov":
		return KaplanMarkov{Population: pop, G: val(o.G), FinalOnly: finalOnly}, nil
	case "kaplan_wald":
		return KaplanWald{Population: pop, G: val(o.G), FinalOnly: finalOnly}, nil
	case "kaplan_kolmogorov":
		return KaplanKolmogorov{Population: pop, G: val(o.G), FinalOnly: finalOnly}, nil
	case "wald_sprt":
		if finalOnly && p.N > 0 {
			return nil, wrap(fmt.Errorf("sampling without replacement needs the sample in random order"))
		}
		return WaldSPRT{Population: pop, Eta: eta}, nil
	}
	return nil, fmt.Errorf("stats: unknown test %q: %w", s.Test, ErrInput)
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
