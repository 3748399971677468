package rla

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// TestWrongOutcomesRarelyConfirmed checks the audit's defining promise by
// simulation: when the reported winner in fact lost (on paper the loser
// leads by one or two votes, the nearest a wrong outcome comes to right),
// the chance that the audit confirms the outcome is at most the risk limit.
// Each trial is a different synthetic election and seed; the number of
// trials is 100 (RLA_VALIDITY_TRIALS sets more). With a true confirmation
// rate of 5% the count exceeds the binomial 99.9th percentile (13 of 100)
// with probability under 0.001, so a failure means the audit is not valid.
func TestWrongOutcomesRarelyConfirmed(t *testing.T) {
	trials := 100
	if v, err := strconv.Atoi(os.Getenv("RLA_VALIDITY_TRIALS")); err == nil && v > 0 {
		trials = v
	}
	const riskLimit = 0.05
	limit := binomialQuantile(trials, riskLimit, 0.999)
	work := t.TempDir()
	var mu sync.Mutex
	confirmed, handCounts := 0, 0
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for trial := range trials {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			dir := filepath.Join(work, fmt.Sprint(trial))
			os.MkdirAll(dir, 0o755)
			cfg := cvr.NewSynthConfig(1000, uint64(1000+trial))
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.06}}
			cfg.WrongOutcome = true
			s, o := synthElection(t, dir, cfg)
			o.Config.RiskLimit = riskLimit
			a, _, err := Init(filepath.Join(dir, "audit"), o)
			if err != nil {
				t.Error(err)
				return
			}
			if err := a.SetSeed(fmt.Sprintf("%020d", 7919*trial+1), "", "sim"); err != nil {
				t.Error(err)
				return
			}
			st := runAudit(t, s, a, dir)
			mu.Lock()
			defer mu.Unlock()
			switch st.Contests["Mayor"].State {
			case StateConfirmed:
				confirmed++
			case StateFullHandCount:
				handCounts++
			}
		}()
	}
	wg.Wait()
	t.Logf("%d trials of a wrong outcome: %d confirmed, %d sent to a full hand count (limit %d)", trials, confirmed, handCounts, limit)
	if confirmed > limit {
		t.Errorf("%d of %d wrong outcomes confirmed; at risk limit %g the count should not exceed %d", confirmed, trials, riskLimit, limit)
	}
	if confirmed+handCounts != trials {
		t.Errorf("%d trials neither confirmed nor hand counted", trials-confirmed-handCounts)
	}
}

// binomialQuantile returns the smallest k with P(X <= k) >= q for X ~
// Binomial(n, p).
func binomialQuantile(n int, p, q float64) int {
	prob := 1.0
	for i := 0; i < n; i++ {
		prob *= 1 - p
	}
	cum := prob
	for k := 0; k < n; k++ {
		if cum >= q {
			return k
		}
		prob *= float64(n-k) / float64(k+1) * p / (1 - p)
		cum += prob
	}
	return n
}
