package margin

import (
	"fmt"

	"github.com/rlakit/rlakit/cvr"
)

// PollingValues appends to dst the assorter value of every assertion on
// one sampled card of a polling audit, from the audit board's reading mvr
// (Stark 2020, ballot-polling audits): 0 when the card was not found or is a phantom
// (phantoms to evil zombies, Banuelos & Stark 2012), and, with card-style
// data, when the MVR lacks the assertion's contest (the card was sampled
// for it); otherwise A(MVR), which is 1/2 for an MVR without the contest.
func PollingValues(asrts []*Assertion, mvr cvr.Votes, notFound, useStyle bool, dst []float64) []float64 {
	for _, a := range asrts {
		x := 0.0
		if !notFound {
			if cv, ok := mvr.Get(a.Contest); ok {
				x = a.AssortVote(cv)
			} else if !useStyle {
				x = 0.5
			}
		}
		dst = append(dst, x)
	}
	return dst
}

// ComparisonValues appends to vals and classes, for every comparison, the
// overstatement assorter value and discrepancy class of one sampled card
// p (see Comparison.Assort). A card is on several contests: one call gives
// every assertion's values.
func ComparisonValues(cmps []*Comparison, p *Pair, vals []float64, classes []Discrepancy) ([]float64, []Discrepancy, error) {
	for _, c := range cmps {
		b, d, err := c.Assort(p)
		if err != nil {
			return vals, classes, fmt.Errorf("margin: card: %w", err)
		}
		vals = append(vals, b)
		classes = append(classes, d)
	}
	return vals, classes, nil
}
