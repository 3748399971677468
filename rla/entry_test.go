package rla

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// TestDoubleEntryAndUndetermined checks that with double entry a card
// counts only once two people agree, that disagreements are listed, that a
// later row from the same person corrects an earlier one, and that an
// undetermined intent counts as the worst case and is reported.
func TestDoubleEntryAndUndetermined(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(4000, 13)
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2}}
	s, o := synthElection(t, work, cfg)
	o.Config.DoubleEntry = true
	dir := filepath.Join(work, "audit")
	a, _, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("10000000000000000001", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	draws, err := a.Draw("Clerk")
	if err != nil {
		t.Fatal(err)
	}
	good := interpret(t, s, a, draws, filepath.Join(work, "good.csv"))
	st, err := a.Record(good, "Alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Awaiting) != len(draws) || st.Contests["Mayor"].CardsExamined != 0 {
		t.Fatalf("one entry must not count: %d awaiting of %d, %d examined", len(st.Awaiting), len(draws), st.Contests["Mayor"].CardsExamined)
	}
	// Bob disagrees on the first card.
	b, _ := os.ReadFile(good)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	first := strings.Split(lines[1], ",")
	other := a.contests[0].assertions[0].LoserName
	if first[2] == other {
		other = a.contests[0].assertions[0].WinnerName
	}
	first[2] = other
	lines[1] = strings.Join(first, ",")
	bad := filepath.Join(work, "bob.csv")
	os.WriteFile(bad, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	st, err = a.Record(bad, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Conflicts) != 1 || st.Conflicts[0].CardID != first[0] || len(st.Awaiting) != 1 {
		t.Fatalf("conflicts %+v, awaiting %v", st.Conflicts, st.Awaiting)
	}
	// Bob corrects his entry, but as undetermined; Carol agrees with that.
	fix := filepath.Join(work, "fix.csv")
	os.WriteFile(fix, []byte("card_id,contest,selections,found\n"+first[0]+",Mayor,?,yes\n"), 0o644)
	if _, err := a.Record(fix, "Bob"); err != nil {
		t.Fatal(err)
	}
	st, err = a.Record(fix, "Carol")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Awaiting) != 0 {
		t.Fatalf("awaiting %v", st.Awaiting)
	}
	if d := st.Contests["Mayor"].Discrepancies; d.O1+d.O2 == 0 {
		t.Errorf("an undetermined intent must count as an overstatement: %+v", d)
	}
	rep, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Undetermined) != 1 || rep.Undetermined[0].CardID != first[0] {
		t.Errorf("undetermined cards in the report: %+v", rep.Undetermined)
	}
	// Bad rows are refused with their line.
	os.WriteFile(fix, []byte("card_id,contest,selections,found\n"+first[0]+",Mayor,Nobody,yes\n"), 0o644)
	if _, err := a.Record(fix, "Dan"); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "Nobody") {
		t.Errorf("unknown choice: %v", err)
	}
	os.WriteFile(fix, []byte("card_id,contest,selections,found\nno-such-card,Mayor,,yes\n"), 0o644)
	if _, err := a.Record(fix, "Dan"); err == nil || !strings.Contains(err.Error(), "not drawn") {
		t.Errorf("undrawn card: %v", err)
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
}
