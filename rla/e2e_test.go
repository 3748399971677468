package rla

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// synthElection writes a synthetic election's manifest, results and
// Dominion CSV export into dir and returns the generator (whose Paper gives
// the true interpretation of each card).
func synthElection(t testing.TB, dir string, cfg cvr.SynthConfig) (*cvr.Synth, InitOptions) {
	t.Helper()
	s, err := cvr.NewSynth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	o := InitOptions{
		Manifest: write("manifest.csv", func(b *bytes.Buffer) error { return s.WriteManifest(b) }),
		Results:  write("results.csv", func(b *bytes.Buffer) error { return s.WriteResults(b) }),
		CVRs:     []string{write("cvr.csv", func(b *bytes.Buffer) error { return s.WriteDominionCSV(b, "") })},
		Config:   Config{RiskLimit: 0.05},
		By:       "Test Clerk",
	}
	return s, o
}

// interpret writes the audit board's reading of the drawn cards, taken from
// the synthetic election's paper cards, and returns the file's path.
func interpret(t testing.TB, s *cvr.Synth, a *Audit, draws []DrawRecord, path string) string {
	t.Helper()
	return interpretMapped(t, s, a, draws, path, nil)
}

// interpretMapped is interpret for audits whose card ids are not all the
// synthetic election's: ids maps an audit's card id (a pooled card's
// batch#position) to the synthetic card's.
func interpretMapped(t testing.TB, s *cvr.Synth, a *Audit, draws []DrawRecord, path string, ids map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"card_id", "contest", "selections", "found"})
	e := s.Election()
	for _, d := range draws {
		if d.Phantom {
			continue
		}
		id := d.CardID
		if mapped, ok := ids[id]; ok {
			id = mapped
		}
		paper, err := s.Paper(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range a.contests {
			// The audit's contest indices are its own election's; match by name.
			var sel []string
			found := false
			for cv := range paper.Votes.All() {
				ec := e.Contest(cv.Contest)
				if ec.Name != c.Name {
					continue
				}
				found = true
				for _, x := range cv.Selections() {
					sel = append(sel, ec.Choices[x.Choice].Name)
				}
			}
			if found {
				w.Write([]string{d.CardID, c.Name, strings.Join(sel, ";"), "yes"})
			}
		}
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAudit drives an audit to its end: rounds of draw, interpret, record
// until every contest is confirmed or goes to a full hand count.
func runAudit(t testing.TB, s *cvr.Synth, a *Audit, work string) *Status {
	t.Helper()
	return driveAudit(t, a, func(d []DrawRecord) string { return interpret(t, s, a, d, filepath.Join(work, "interp.csv")) })
}

func TestAuditConfirmsCorrectOutcome(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(20000, 7)
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, WriteIn: true, Margin: 0.1},
		{Name: "Council", Kind: cvr.SynthVoteForN, VoteFor: 2, Margin: 0.15, Coverage: 0.6},
		{Name: "Measure A", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.2, Coverage: 0.5},
	}
	cfg.Errors = cvr.SplitSynthErrors(0.002)
	cfg.MissingRate = 0.001
	s, o := synthElection(t, work, cfg)
	o.AcceptInconsistencies = true
	dir := filepath.Join(work, "audit")
	a, incons, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(incons) == 0 {
		t.Error("missing cards should be reported as inconsistencies")
	}
	if err := a.SetSeed("12345678901234567890", "", "Test Clerk"); err != nil {
		t.Fatal(err)
	}
	st := runAudit(t, s, a, work)
	for name, c := range st.Contests {
		t.Logf("%s: %s risk %.4g, %d of %d cards examined, discrepancies %+v", name, c.State, c.Risk, c.CardsExamined, c.CardsDrawn, c.Discrepancies)
		if c.CardsExamined == 0 {
			t.Errorf("%s: no card examined", name)
		}
		if c.State != StateConfirmed {
			t.Errorf("%s: %s (risk %v)", name, c.State, c.Risk)
		}
		if c.Risk > 0.05 {
			t.Errorf("%s: risk %v above the limit", name, c.Risk)
		}
	}
	// The state survives reopening.
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st2, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range st.Contests {
		if st2.Contests[name].Risk != c.Risk || st2.Contests[name].State != c.State {
			t.Errorf("%s after reopening: %+v, before %+v", name, st2.Contests[name], c)
		}
	}
}

func TestAuditVerifyAndTamper(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(6000, 11)
	cfg.Errors = cvr.SplitSynthErrors(0.003)
	s, o := synthElection(t, work, cfg)
	dir := filepath.Join(work, "audit")
	a, _, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("98765432109876543210", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	runAudit(t, s, a, work)
	problems, err := Verify(dir)
	if err != nil || len(problems) > 0 {
		t.Fatalf("intact audit: %v %v", problems, err)
	}
	// One changed byte in any log entry is detected.
	entries, _ := os.ReadDir(logDir(dir))
	for _, e := range entries {
		p := filepath.Join(logDir(dir), e.Name())
		orig, _ := os.ReadFile(p)
		changed := bytes.Clone(orig)
		i := bytes.Index(changed, []byte(`"data"`)) + 10
		changed[i] ^= 0x01
		os.Chmod(p, 0o644)
		os.WriteFile(p, changed, 0o644)
		if problems, err := Verify(dir); err == nil && len(problems) == 0 {
			t.Errorf("%s: a changed byte went undetected", e.Name())
		}
		os.WriteFile(p, orig, 0o644)
	}
	// A changed committed input is detected.
	in := filepath.Join(dir, "inputs")
	files, _ := os.ReadDir(in)
	p := filepath.Join(in, files[0].Name())
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append(b, '\n'), 0o644)
	if problems, err := Verify(dir); err == nil && len(problems) == 0 {
		t.Error("a changed input went undetected")
	}
	os.WriteFile(p, b, 0o644)
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("restored audit: %v %v", problems, err)
	}
}

func TestAuditWrongOutcomeGoesToHandCount(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(2000, 5)
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.04}}
	cfg.WrongOutcome = true
	s, o := synthElection(t, work, cfg)
	dir := filepath.Join(work, "audit")
	a, _, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("55555555554444444444", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	st := runAudit(t, s, a, work)
	mayor := st.Contests["Mayor"]
	if mayor.State != StateFullHandCount {
		t.Fatalf("wrong outcome: state %s, risk %v", mayor.State, mayor.Risk)
	}
	// The hand count's winner replaces the reported one.
	var truth cvr.Tally
	tally, err := cvr.Tabulate(s.Election(), s.Papers())
	if err != nil {
		t.Fatal(err)
	}
	truth = *tally
	var b bytes.Buffer
	b.WriteString("choice,votes\n")
	for name, n := range truth.Totals(0) {
		b.WriteString(name + "," + strconv.FormatInt(n, 10) + "\n")
	}
	hc := filepath.Join(work, "handcount.csv")
	os.WriteFile(hc, b.Bytes(), 0o644)
	st, err = a.HandCount("Mayor", hc, "Counting Board")
	if err != nil {
		t.Fatal(err)
	}
	if w := st.Contests["Mayor"].Winners; len(w) != 1 || w[0] == a.contests[0].Winners[0] {
		t.Errorf("hand count winners %v; reported %v", w, a.contests[0].Winners)
	}
	rep, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "differ from the reported winners") {
		t.Errorf("report does not say the hand count changed the outcome:\n%s", md.String())
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
}

// TestTooCloseGoesStraightToHandCount: when even the first round would
// need more than the maximum fraction of a contest's cards, the contest
// goes to a full hand count at once, while the others are audited.
func TestTooCloseGoesStraightToHandCount(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(4000, 31)
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.15},
		{Name: "Clerk", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.004, Coverage: 1},
	}
	s, o := synthElection(t, work, cfg)
	dir := filepath.Join(work, "audit")
	a, _, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("40404040404040404040", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	st := runAudit(t, s, a, work)
	if got := st.Contests["Clerk"].State; got != StateFullHandCount {
		t.Errorf("Clerk: %s, want %s", got, StateFullHandCount)
	}
	if got := st.Contests["Mayor"].State; got != StateConfirmed {
		t.Errorf("Mayor: %s", got)
	}
	if !slices.Contains(a.st.rounds[0].HandCount, "Clerk") {
		t.Errorf("round 1 did not record the hand count: %+v", a.st.rounds[0])
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
}

// TestOpportunisticContest: with --contests naming one contest, the others
// are measured on the cards drawn for it, without driving the sample.
func TestOpportunisticContest(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(10000, 41)
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.05},
		{Name: "Measure B", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.4, Coverage: 0.5},
	}
	s, o := synthElection(t, work, cfg)
	o.Config.Contests = []string{"Mayor"}
	dir := filepath.Join(work, "audit")
	a, _, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("60606060606060606060", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	st := runAudit(t, s, a, work)
	m, b := st.Contests["Mayor"], st.Contests["Measure B"]
	t.Logf("Mayor %s %.4g (%d cards); Measure B opportunistic %s %.4g (%d of %d drawn cards usable)", m.State, m.Risk, m.CardsExamined, b.State, b.Risk, b.CardsExamined, b.CardsDrawn)
	if m.Opportunistic || !b.Opportunistic {
		t.Fatalf("targeting: %+v %+v", m, b)
	}
	if b.CardsExamined == 0 || b.CardsExamined > b.CardsDrawn {
		t.Errorf("opportunistic contest examined %d of %d", b.CardsExamined, b.CardsDrawn)
	}
	if _, ok := a.st.rounds[0].Sizes["Measure B"]; ok {
		t.Error("an opportunistic contest got a sample size")
	}
	rep, err := a.Report()
	if err != nil || !rep.Complete {
		t.Errorf("report complete %v (%v)", rep.Complete, err)
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
	// Targeting the measure instead: the cards drawn for it hold the Mayor's
	// contest too, but the Mayor's cards without the measure are never
	// drawn, so only the Mayor's cards before the first of those count.
	o.Config.Contests = []string{"Measure B"}
	a, _, err = Init(filepath.Join(work, "audit2"), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("60606060606060606060", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	st = runAudit(t, s, a, work)
	m = st.Contests["Mayor"]
	if !m.Opportunistic || m.CardsExamined >= m.CardsDrawn {
		t.Errorf("Mayor as opportunistic: %d of %d drawn cards used; the gap rule should cut it", m.CardsExamined, m.CardsDrawn)
	}
}

// TestOfficialCallsHandCount: the official may send any contest to a full
// manual tally at any time, even a confirmed one; it waits for the tally,
// whose winners are final, and the report says so until it is recorded.
func TestOfficialCallsHandCount(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(3000, 17)
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.2}}
	s, o := synthElection(t, work, cfg)
	dir := filepath.Join(work, "audit")
	a, _, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("13579246801357924680", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	if st := runAudit(t, s, a, work); st.Contests["Mayor"].State != StateConfirmed {
		t.Fatalf("state %s", st.Contests["Mayor"].State)
	}
	st, err := a.CallHandCount("mayor", "a recount was requested", "Registrar")
	if err != nil {
		t.Fatal(err)
	}
	if c := st.Contests["Mayor"]; c.State != StateFullHandCount || c.HandCount != nil {
		t.Fatalf("after the decision: %+v", c)
	}
	if _, err := a.CallHandCount("Mayor", "", "Registrar"); err == nil {
		t.Error("a second decision was accepted")
	}
	rep, _ := a.Report()
	if rep.Complete {
		t.Error("the report calls the audit complete before the tally is recorded")
	}
	hc := filepath.Join(work, "tally.csv")
	os.WriteFile(hc, []byte("choice,votes\nCandidate A,1700\nCandidate B,1300\n"), 0o644)
	st, err = a.HandCount("Mayor", hc, "Counting Board")
	if err != nil {
		t.Fatal(err)
	}
	if c := st.Contests["Mayor"]; c.State != StateFullHandCount || c.HandCount["Candidate A"] != 1700 {
		t.Fatalf("after the tally: %+v", c)
	}
	if rep, _ := a.Report(); !rep.Complete {
		t.Error("the report is not complete after the tally")
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
}
