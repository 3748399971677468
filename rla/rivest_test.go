package rla

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// TestKaplanMarkovIsSuperSimple checks the Kaplan-Markov risk function
// against Stark's super-simple P-value written out from the discrepancy
// counts (Stark 2010, eq. 6):
//
//	P = (1 − 1/U)^n / ((1 − 1/(2γ))^o1 (1 − 1/γ)^o2 (1 + 1/(2γ))^u1 (1 + 1/γ)^u2),  U = 2γ/v.
func TestKaplanMarkovIsSuperSimple(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(2000, 3)
	cfg.Contests = []cvr.SynthContest{{Name: "Measure", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.1}}
	_, o := synthElection(t, work, cfg)
	o.Config = Config{RiskLimit: 0.05, Selection: SelectRivest, RiskFunction: RiskKaplanMarkov}
	a, _, err := Init(filepath.Join(work, "audit"), o)
	if err != nil {
		t.Fatal(err)
	}
	c := a.contests[0]
	comp, g := c.comparisons[0], a.Config().Gamma
	v := comp.Margin
	st, err := a.comparisonTest(c, 0).Start()
	if err != nil {
		t.Fatal(err)
	}
	votes := []int{0, 0, 1, 0, 0, 2, -1, 0, 0, -2, 0, 1, 0}
	var counts [5]int // by overstatement in votes + 2
	for _, e := range votes {
		// A pairwise assorter (u = 1) moves by 1/2 per vote.
		if err := st.Add(a.riskValue(c, 0, comp.Value(float64(e)/2))); err != nil {
			t.Fatal(err)
		}
		counts[e+2]++
	}
	n := float64(len(votes))
	want := math.Pow(1-v/(2*g), n) / (math.Pow(1-1/(2*g), float64(counts[3])) * math.Pow(1-1/g, float64(counts[4])) *
		math.Pow(1+1/(2*g), float64(counts[1])) * math.Pow(1+1/g, float64(counts[0])))
	want = math.Min(want, 1)
	if got := st.Last(); math.Abs(got-want) > 1e-12*want {
		t.Fatalf("Kaplan-Markov P after %v = %.17g, super-simple formula %.17g", votes, got, want)
	}
}

// rivestAudit runs an audit drawn with Rivest's sampler to its end and
// returns the first contest's final status and the draws.
func rivestAudit(t *testing.T, cfg cvr.SynthConfig, c Config, seed string) (*ContestStatus, []DrawRecord) {
	work := t.TempDir()
	s, o := synthElection(t, work, cfg)
	o.Config = c
	o.AcceptInconsistencies = true
	a, _, err := Init(filepath.Join(work, "audit"), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed(seed, "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	ids := pooledIDs(s) // polling draws name cards by batch and position
	st := driveAudit(t, a, func(d []DrawRecord) string {
		return interpretMapped(t, s, a, d, filepath.Join(work, "interp.csv"), ids)
	})
	if problems, err := Verify(filepath.Join(work, "audit")); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", err, problems)
	}
	return st.Contests[cfg.Contests[0].Name], a.drawnRecords()
}

func TestRivestSelectionAudits(t *testing.T) {
	cfg := cvr.NewSynthConfig(5000, 12)
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.12},
		{Name: "Measure", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3, Coverage: 0.5},
	}
	cfg.Errors = cvr.SplitSynthErrors(0.002)
	cfg.MissingRate = 0.001
	wrong := cfg
	wrong.WrongOutcome = true
	for _, tc := range []struct {
		name  string
		cfg   cvr.SynthConfig
		audit Config
		want  string
	}{
		{"comparison, ALPHA", cfg, Config{RiskLimit: 0.05, Selection: SelectRivest}, StateConfirmed},
		{"comparison, tickets, ALPHA", cfg, Config{RiskLimit: 0.05, Selection: SelectTickets}, StateConfirmed},
		{"comparison, tickets, wrong outcome", wrong, Config{RiskLimit: 0.05, Selection: SelectTickets}, StateFullHandCount},
		{"comparison, Kaplan-Markov", cfg, Config{RiskLimit: 0.05, Selection: SelectRivest, RiskFunction: RiskKaplanMarkov}, StateConfirmed},
		{"comparison, Kaplan-Markov, wrong outcome", wrong, Config{RiskLimit: 0.05, Selection: SelectRivest, RiskFunction: RiskKaplanMarkov}, StateFullHandCount},
		{"polling, BRAVO", cfg, Config{RiskLimit: 0.1, Method: Polling, Selection: SelectRivest, RiskFunction: RiskBravo}, StateConfirmed},
		{"polling, ALPHA", cfg, Config{RiskLimit: 0.1, Method: Polling, Selection: SelectRivest}, StateConfirmed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, draws := rivestAudit(t, tc.cfg, tc.audit, "24681357902468135790")
			if st.State != tc.want {
				t.Fatalf("%s at risk %g after %d cards; want %s", st.State, st.Risk, st.CardsExamined, tc.want)
			}
			if tc.want == StateFullHandCount && st.CardsExamined == 0 {
				t.Fatal("sent to a hand count before any card was examined")
			}
			// Draws are Rivest's picks, with replacement: draw k's ticket is
			// sampler.py's k-th output.
			seen := map[string]int{}
			for _, d := range draws {
				seen[d.CardID]++
			}
			t.Logf("%d draws of %d distinct cards; risk %.4g", len(draws), len(seen), st.Risk)
		})
	}
}

func TestSelectionRiskFunctionRefusals(t *testing.T) {
	for _, c := range []Config{
		{RiskLimit: 0.05, RiskFunction: RiskKaplanMarkov},                   // KM needs draws with replacement
		{RiskLimit: 0.05, Method: Polling, RiskFunction: RiskBravo},         // so does BRAVO
		{RiskLimit: 0.05, Selection: SelectRivest, RiskFunction: RiskBravo}, // BRAVO is for polling
		{RiskLimit: 0.05, Method: Hybrid, Selection: SelectRivest},          // pools need consistent sampling
		{RiskLimit: 0.05, Selection: SelectRivest, Pending: 10},             // two phases too
		{RiskLimit: 0.05, Selection: SelectRivest, RiskFunction: RiskKaplanMarkov, Gamma: 0.9},
		{RiskLimit: 0.05, Selection: "bernoulli"},
		{RiskLimit: 0.05, Selection: SelectTickets, RiskFunction: RiskKaplanMarkov}, // tickets draw without replacement
	} {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// TestPolledContest: a comparison audit can audit some contests by ballot
// polling on the same cards (the audit type per contest): a right outcome
// is confirmed from the readings alone, and a wrong one goes to a full hand
// count, whatever the CVRs say.
func TestPolledContest(t *testing.T) {
	for _, wrongOutcome := range []bool{false, true} {
		work := t.TempDir()
		cfg := cvr.NewSynthConfig(6000, 41)
		cfg.Contests = []cvr.SynthContest{
			{Name: "Mayor", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3},
			{Name: "Measure", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3, Coverage: 0.6},
		}
		cfg.WrongOutcome = wrongOutcome
		s, o := synthElection(t, work, cfg)
		o.Config.Polled = []string{"mayor"}
		a, _, err := Init(filepath.Join(work, "audit"), o)
		if err != nil {
			t.Fatal(err)
		}
		if !a.contests[0].polled || a.contests[1].polled {
			t.Fatalf("polled: %v %v", a.contests[0].polled, a.contests[1].polled)
		}
		if err := a.SetSeed("86420975318642097531", "", "Clerk"); err != nil {
			t.Fatal(err)
		}
		st := runAudit(t, s, a, work)
		mayor := st.Contests["Mayor"]
		want := StateConfirmed
		if wrongOutcome {
			want = StateFullHandCount
		}
		if mayor.State != want || mayor.CardsExamined == 0 || mayor.Discrepancies != (Discrepancies{}) {
			t.Fatalf("wrong outcome %v: %+v; want %s after a sample, with no discrepancy classes", wrongOutcome, mayor, want)
		}
		rep, _ := a.Report()
		if !strings.HasPrefix(rep.Contests[0].AuditType, "polling") || rep.Contests[1].AuditType != "comparison" {
			t.Errorf("audit types %q, %q", rep.Contests[0].AuditType, rep.Contests[1].AuditType)
		}
		if problems, err := Verify(filepath.Join(work, "audit")); err != nil || len(problems) > 0 {
			t.Fatalf("verify: %v %v", err, problems)
		}
	}
}
