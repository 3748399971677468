package rla

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// firstPhaseInputs writes a first phase's inputs for the synthetic election
// whose full inputs are o: the manifest, CVRs and results of the batches
// keep accepts.
func firstPhaseInputs(t *testing.T, s *cvr.Synth, o InitOptions, dir string, keep func(cvr.BatchKey) bool) InitOptions {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	p1 := o
	// Manifest: the header and the kept batches' rows.
	raw, err := os.ReadFile(o.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(recs[0])
	for _, r := range recs[1:] {
		if keep(cvr.BatchKey{Tabulator: r[0], Batch: r[1]}) {
			w.Write(r)
		}
	}
	w.Flush()
	p1.Manifest = filepath.Join(dir, "manifest.csv")
	os.WriteFile(p1.Manifest, b.Bytes(), 0o644)
	// CVRs: the kept batches' rows.
	cvrs, _ := os.ReadFile(o.CVRs[0])
	p1.CVRs = []string{filepath.Join(dir, "cvr.csv")}
	os.WriteFile(p1.CVRs[0], cvrs, 0o644)
	dropBatches(t, p1.CVRs[0], func(k cvr.BatchKey) bool { return !keep(k) })
	// Results: the kept cards' CVR tally.
	tally, err := cvr.Tabulate(s.Election(), func(yield func(cvr.Card, error) bool) {
		for c := range s.All() {
			if !c.Missing && keep(c.CVR.Batch) && !yield(c.CVR, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	w = csv.NewWriter(&b)
	w.Write([]string{"contest", "choice", "votes"})
	for ci, ct := range tally.Contests {
		ec := s.Election().Contest(cvr.ContestIndex(ci))
		for j, n := range ct.Votes {
			w.Write([]string{ec.Name, ec.Choices[j].Name, strconv.FormatInt(n, 10)})
		}
	}
	w.Flush()
	p1.Results = filepath.Join(dir, "results.csv")
	os.WriteFile(p1.Results, b.Bytes(), 0o644)
	return p1
}

// twoPhaseElection makes a synthetic election of 12,000 cards (or 3,000
// when small) on six tabulators whose first phase has the batches of
// tabulators 1-4, with pending slots for the rest and 200 (50) more.
func twoPhaseElection(t *testing.T, work string, small bool) (*cvr.Synth, InitOptions, Phase2Options) {
	cards, batch := 12000, 100
	if small {
		cards, batch = 3000, 25
	}
	cfg := cvr.NewSynthConfig(cards, 31)
	cfg.BatchSize, cfg.Tabulators = batch, 6
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2},
		{Name: "Measure A", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3, Coverage: 0.6},
	}
	cfg.Errors = cvr.SplitSynthErrors(0.001)
	s, o := synthElection(t, work, cfg)
	early := func(k cvr.BatchKey) bool { tab, _ := strconv.Atoi(k.Tabulator); return tab <= 4 }
	p1 := firstPhaseInputs(t, s, o, filepath.Join(work, "phase1"), early)
	p1.Config.Pending = cards/3 + 2*batch
	return s, p1, Phase2Options{Manifest: o.Manifest, CVRs: o.CVRs, Results: o.Results, By: "Test Clerk"}
}

func TestTwoPhaseAudit(t *testing.T) {
	work := t.TempDir()
	s, p1, p2 := twoPhaseElection(t, work, false)
	dir := filepath.Join(work, "audit")
	a, incons, err := Init(dir, p1)
	if err != nil {
		t.Fatalf("init: %v %v", err, incons)
	}
	if c := a.contests[0]; c.Cards != 8000+4200 {
		t.Fatalf("first phase: %s on %d cards, want 12200 (8000 + 4200 pending)", c.Name, c.Cards)
	}
	if err := a.SetSeed("31415926535897932384", "", "Test Clerk"); err != nil {
		t.Fatal(err)
	}
	draws, err := a.Draw("Test Clerk")
	if err != nil {
		t.Fatal(err)
	}
	slots := 0
	for _, d := range draws {
		if strings.HasPrefix(d.CardID, "pending-") {
			slots++
			if !d.Phantom {
				t.Fatalf("a pending slot drawn in the first phase is not a phantom: %+v", d)
			}
		}
	}
	if slots == 0 {
		t.Fatal("no pending slot drawn in the first phase; the test does not exercise carrying them over")
	}
	st, err := a.Record(interpret(t, s, a, draws, filepath.Join(work, "interp.csv")), "Board A")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range st.Contests {
		if c.State == StateFullHandCount {
			t.Errorf("first phase: %s sent to a full hand count; the second phase decides", name)
		}
	}

	// The second phase: a draw before the second seed is refused.
	if _, err := a.Phase2(p2); err != nil {
		t.Fatal(err)
	}
	if _, err := a.NextRound("Test Clerk"); !errors.Is(err, ErrNoSecondSeed) {
		t.Fatalf("a round before the second seed: %v", err)
	}
	if err := a.SetSeed("31415926535897932384", "", "Test Clerk"); err == nil {
		t.Fatal("the first seed was accepted again as the second")
	}
	if err := a.SetSeed("27182818284590452353", "", "Test Clerk"); err != nil {
		t.Fatal(err)
	}
	if a.st.phase2.NewCards != 4000 || a.data.unused != 200 || a.data.Cards.Len() != 12200 {
		t.Fatalf("second phase: %d new cards, %d unused slots, %d cards; want 4000, 200, 12200", a.st.phase2.NewCards, a.data.unused, a.data.Cards.Len())
	}
	if c := a.contests[0]; c.Cards != 12000 {
		t.Fatalf("second phase: %s on %d cards, want 12000", c.Name, c.Cards)
	}
	carried := a.carriedDraws()
	if len(carried) == 0 {
		t.Fatal("no first-phase slot holds a card now; want some (4000 of 4200 slots are filled)")
	}
	st, err = a.Status()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range carried {
		if !strings.Contains(strings.Join(st.Awaiting, ","), d.CardID) {
			t.Errorf("carried card %s (slot %s) is not awaited", d.CardID, d.Slot)
		}
	}
	st = driveAudit(t, a, func(d []DrawRecord) string { return interpret(t, s, a, d, filepath.Join(work, "interp.csv")) })
	for name, c := range st.Contests {
		if c.State != StateConfirmed {
			t.Errorf("%s: %s at risk %g", name, c.State, c.Risk)
		}
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", err, problems)
	}
	// Reopening gives the same state.
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st2, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(st, st2) {
		t.Fatal("the reopened audit's status differs")
	}
	var md bytes.Buffer
	r, err := b.Report()
	if err != nil {
		t.Fatal(err)
	}
	r.Markdown(&md)
	if !strings.Contains(md.String(), "Two-phase audit") || !strings.Contains(md.String(), "27182818284590452353") {
		t.Error("the report does not describe the second phase and its seed")
	}
	var html bytes.Buffer
	if err := r.HTML(&html); err != nil || !strings.Contains(html.String(), "Second phase") || !strings.Contains(html.String(), carried[0].CardID) {
		t.Errorf("the HTML report lacks the second phase or its carried cards: %v", err)
	}
}

func TestTwoPhaseRefusals(t *testing.T) {
	work := t.TempDir()
	_, p1, p2 := twoPhaseElection(t, work, false)
	start := func(name string, pending int) *Audit {
		o := p1
		o.Config.Pending = pending
		a, _, err := Init(filepath.Join(work, name), o)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetSeed("31415926535897932384", "", "Test Clerk"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Draw("Test Clerk"); err != nil {
			t.Fatal(err)
		}
		return a
	}
	// More new cards than pending slots.
	if _, err := start("few", 3000).Phase2(p2); err == nil || !strings.Contains(err.Error(), "more than the 3000 pending cards") {
		t.Errorf("too many new cards: %v", err)
	}
	// A first-phase CVR changed in the final export.
	raw, _ := os.ReadFile(p2.CVRs[0])
	lines := strings.Split(string(raw), "\n")
	for i := 4; i < len(lines); i++ {
		f := strings.Split(lines[i], ",")
		if len(f) > 9 && f[1] == "1" && (f[8] == "0" || f[8] == "1") {
			f[8] = strconv.Itoa(1 - int(f[8][0]-'0'))
			lines[i] = strings.Join(f, ",")
			break
		}
	}
	changed := filepath.Join(work, "changed.csv")
	os.WriteFile(changed, []byte(strings.Join(lines, "\n")), 0o644)
	bad := p2
	bad.CVRs = []string{changed}
	if _, err := start("changed", 4200).Phase2(bad); err == nil || !strings.Contains(err.Error(), "changed after the first phase") {
		t.Errorf("changed CVR: %v", err)
	}
	// One-phase audits have no second phase; polling audits no two phases.
	o := p1
	o.Config.Pending = 0
	a, _, err := Init(filepath.Join(work, "one"), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Phase2(p2); err == nil {
		t.Error("a one-phase audit accepted a second phase")
	}
	o = p1
	o.Config.Method = Polling
	if _, _, err := Init(filepath.Join(work, "polling"), o); err == nil {
		t.Error("a two-phase polling audit was accepted")
	}
}
