package rla

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/rlakit/rlakit/cvr"
)

// TestBatchAndKaplanMarkovValues checks, over 1,000 generated batches
// (gopter, fixed seed), the values the batch comparison and Kaplan-Markov
// risk functions take: a batch's overstatement assorter lies in
// [0, upper bound] whatever its reported and counted votes (within what its
// cards allow), equals the no-error value when the count matches the report,
// and the Kaplan-Markov value of any overstatement lies in [1 − 1/γ, 1 + 1/γ]
// (positive, as Markov's inequality needs).
func TestBatchAndKaplanMarkovValues(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(4000, 9)
	cfg.BatchSize = 40
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Choices: 3, Margin: 0.1}}
	_, o := batchElection(t, work, cfg)
	a, _, err := Init(filepath.Join(work, "audit"), o)
	if err != nil {
		t.Fatal(err)
	}
	c := a.contests[0]
	params := gopter.DefaultTestParametersWithSeed(20261123)
	params.MinSuccessfulTests = 1000
	props := gopter.NewProperties(params)
	// A batch of 40 cards: votes for each of the three choices, at most 13
	// each so that they fit, the rest blank; reported and counted
	// independently.
	votes := gen.SliceOfN(6, gen.IntRange(0, 13))
	props.Property("a batch's overstatement assorter lies in [0, upper], and is the no-error value when the count matches", prop.ForAll(
		func(v []int, b int) bool {
			b %= len(a.data.Manifest.Batches)
			reported := []int64{int64(v[0]), int64(v[1]), int64(v[2])}
			counted := &batchTally{Batch: b, Found: true, Votes: map[cvr.ContestIndex][]int64{c.index: {int64(v[3]), int64(v[4]), int64(v[5])}}}
			a.data.BatchTallies.byBatch(b).Votes[c.index] = reported
			for i := range c.assertions {
				x, err := a.batchValue(c, i, b, counted)
				if err != nil || x < 0 || x > c.comparisons[i].Upper()*(1+1e-15) {
					return false
				}
				same := &batchTally{Batch: b, Found: true, Votes: map[cvr.ContestIndex][]int64{c.index: reported}}
				if y, err := a.batchValue(c, i, b, same); err != nil || math.Abs(y-c.comparisons[i].Value(0)) > 1e-15 {
					return false
				}
			}
			return true
		},
		votes, gen.IntRange(0, 1<<20),
	))
	props.Property("a Kaplan-Markov value lies in [1 − 1/γ, 1 + 1/γ]", prop.ForAll(
		func(omega float64, g float64) bool {
			a.st.commit.Config.RiskFunction, a.st.commit.Config.Gamma = RiskKaplanMarkov, g
			defer func() { a.st.commit.Config.RiskFunction = RiskAlpha }()
			comp := c.comparisons[0]
			x := a.riskValue(c, 0, comp.Value(omega*c.assertions[0].Upper()))
			return x >= 1-1/g-1e-12 && x <= 1+1/g+1e-12
		},
		gen.Float64Range(-1, 1), gen.Float64Range(1.0001, 3),
	))
	props.TestingRun(t)
}
