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
// simulation, for each kind of audit: when the reported winner in fact lost
// (on paper the loser leads by one or two votes, the nearest a wrong outcome
// comes to right), the chance that the audit confirms the outcome is at most
// the risk limit. Each trial is a different synthetic election and seed;
// the number of trials is 100 for comparison audits and 60 for the others
// (Kaplan-Markov and BRAVO with Rivest's sampler, a polled contest of a
// comparison audit, hybrid, two-phase and batch audits), whose trials are slower (RLA_VALIDITY_TRIALS sets more
// for all). With a true confirmation rate of 5% the count exceeds the binomial
// 99.9th percentile (13 of 100, 9 of 60) with probability under 0.001, so a
// failure means the audit is not valid.
func TestWrongOutcomesRarelyConfirmed(t *testing.T) {
	for _, tc := range []struct {
		method Method
		trials int
		setup  func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string)
	}{
		{Comparison, 100, func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string) {
			cfg := cvr.NewSynthConfig(1000, uint64(1000+trial))
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.06}}
			cfg.WrongOutcome = true
			s, o := synthElection(t, dir, cfg)
			a := validityInit(t, dir, o, trial)
			return a, func(d []DrawRecord) string { return interpret(t, s, a, d, filepath.Join(dir, "interp.csv")) }
		}},
		{"rivest-kaplan-markov", 60, func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string) {
			cfg := cvr.NewSynthConfig(1000, uint64(5000+trial))
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.1}}
			cfg.WrongOutcome = true
			s, o := synthElection(t, dir, cfg)
			o.Config.Selection, o.Config.RiskFunction = SelectRivest, RiskKaplanMarkov
			a := validityInit(t, dir, o, trial)
			return a, func(d []DrawRecord) string { return interpret(t, s, a, d, filepath.Join(dir, "interp.csv")) }
		}},
		{"polled-contest", 60, func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string) {
			cfg := cvr.NewSynthConfig(2000, uint64(7000+trial))
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3}}
			cfg.WrongOutcome = true
			s, o := synthElection(t, dir, cfg)
			o.Config.Polled = []string{"Mayor"}
			a := validityInit(t, dir, o, trial)
			return a, func(d []DrawRecord) string { return interpret(t, s, a, d, filepath.Join(dir, "interp.csv")) }
		}},
		{"polling-bravo", 60, func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string) {
			cfg := cvr.NewSynthConfig(1000, uint64(6000+trial))
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3}}
			cfg.WrongOutcome = true
			s, o := synthElection(t, dir, cfg)
			o.Config.Method, o.Config.Selection, o.Config.RiskFunction = Polling, SelectRivest, RiskBravo
			a := validityInit(t, dir, o, trial)
			ids := pooledIDs(s)
			return a, func(d []DrawRecord) string {
				return interpretMapped(t, s, a, d, filepath.Join(dir, "interp.csv"), ids)
			}
		}},
		{Hybrid, 60, func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string) {
			cfg := cvr.NewSynthConfig(2000, uint64(2000+trial))
			cfg.BatchSize, cfg.Tabulators = 50, 6
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2}}
			cfg.WrongOutcome = true
			s, o := hybridElection(t, dir, cfg)
			a := validityInit(t, dir, o, trial)
			ids := pooledIDs(s)
			return a, func(d []DrawRecord) string {
				return interpretMapped(t, s, a, d, filepath.Join(dir, "interp.csv"), ids)
			}
		}},
		{"two-phase", 60, func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string) {
			// The first phase has two thirds of the cards; the second adds
			// the rest, whose errors the first seed could not foresee.
			cfg := cvr.NewSynthConfig(3000, uint64(4000+trial))
			cfg.BatchSize, cfg.Tabulators = 50, 6
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.1}}
			cfg.WrongOutcome = true
			s, o := synthElection(t, dir, cfg)
			early := func(k cvr.BatchKey) bool { tab, _ := strconv.Atoi(k.Tabulator); return tab <= 4 }
			p1 := firstPhaseInputs(t, s, o, filepath.Join(dir, "phase1"), early)
			p1.Config.Pending = 1000
			a := validityInit(t, dir, p1, trial)
			if a == nil {
				return nil, nil
			}
			record := func(d []DrawRecord) string { return interpret(t, s, a, d, filepath.Join(dir, "interp.csv")) }
			draws, err := a.Draw("sim")
			if err == nil {
				_, err = a.Record(record(draws), "sim")
			}
			if err == nil {
				_, err = a.Phase2(Phase2Options{Manifest: o.Manifest, CVRs: o.CVRs, Results: o.Results, AcceptInconsistencies: true, By: "sim"})
			}
			if err == nil {
				err = a.SetSeed(fmt.Sprintf("%020d", 104729*trial+7), "", "sim")
			}
			if err != nil {
				t.Error(err)
				return nil, nil
			}
			return a, record
		}},
		{Batch, 60, func(t *testing.T, dir string, trial int) (*Audit, func([]DrawRecord) string) {
			cfg := cvr.NewSynthConfig(4000, uint64(3000+trial))
			cfg.BatchSize = 10
			cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2}}
			cfg.WrongOutcome = true
			s, o := batchElection(t, dir, cfg)
			a := validityInit(t, dir, o, trial)
			return a, func(d []DrawRecord) string { return countBatches(t, s, d, filepath.Join(dir, "counts.csv")) }
		}},
	} {
		t.Run(string(tc.method), func(t *testing.T) {
			trials := tc.trials
			if v, err := strconv.Atoi(os.Getenv("RLA_VALIDITY_TRIALS")); err == nil && v > 0 {
				trials = v
			}
			limit := binomialQuantile(trials, validityRiskLimit, 0.999)
			work := t.TempDir()
			var mu sync.Mutex
			confirmed, handCounts, sampled := 0, 0, 0
			var wg sync.WaitGroup
			sem := make(chan struct{}, 2)
			for trial := range trials {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					dir := filepath.Join(work, fmt.Sprint(trial))
					os.MkdirAll(dir, 0o755)
					a, record := tc.setup(t, dir, trial)
					if a == nil {
						return
					}
					st := driveAudit(t, a, record)
					mu.Lock()
					defer mu.Unlock()
					c := st.Contests["Mayor"]
					if c.CardsExamined > 0 {
						sampled++
					}
					switch c.State {
					case StateConfirmed:
						confirmed++
					case StateFullHandCount:
						handCounts++
					}
				}()
			}
			wg.Wait()
			t.Logf("%d trials of a wrong outcome (%d sampled before a decision): %d confirmed, %d sent to a full hand count (limit %d)", trials, sampled, confirmed, handCounts, limit)
			if confirmed > limit {
				t.Errorf("%d of %d wrong outcomes confirmed; at risk limit %g the count should not exceed %d", confirmed, trials, validityRiskLimit, limit)
			}
			if confirmed+handCounts != trials {
				t.Errorf("%d trials neither confirmed nor hand counted", trials-confirmed-handCounts)
			}
			if sampled < trials/2 {
				t.Errorf("only %d of %d trials drew a sample: the test hardly exercises the risk measurement", sampled, trials)
			}
		})
	}
}

const validityRiskLimit = 0.05

// validityInit commits a trial's election and sets its seed.
func validityInit(t *testing.T, dir string, o InitOptions, trial int) *Audit {
	o.Config.RiskLimit = validityRiskLimit
	o.AcceptInconsistencies = true
	a, _, err := Init(filepath.Join(dir, "audit"), o)
	if err != nil {
		t.Error(err)
		return nil
	}
	if err := a.SetSeed(fmt.Sprintf("%020d", 7919*trial+1), "", "sim"); err != nil {
		t.Error(err)
		return nil
	}
	return a
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
