package rla

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
)

// pathAssertions returns RAIRE-style assertions that follow an
// instant-runoff count's elimination order: at every stage, each remaining
// candidate beats the one eliminated next. Together they rule out every
// other order, so they imply the winner (a larger set than RAIRE's minimal
// one, but valid).
func pathAssertions(e *cvr.Election, ci cvr.ContestIndex, irv *cvr.IRVResult) []margin.RAIREAssertion {
	c := e.Contest(ci)
	var out []margin.RAIREAssertion
	var gone []string
	for k, x := range irv.Order[:len(irv.Order)-1] {
		for _, y := range irv.Order[k+1:] {
			out = append(out, margin.RAIREAssertion{Winner: c.Choices[y].ID, Loser: c.Choices[x].ID, Type: margin.RAIREElimination, Eliminated: append([]string{}, gone...)})
		}
		gone = append(gone, c.Choices[x].ID)
	}
	return out
}

func TestIRVContest(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(8000, 17)
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.1},
		{Name: "Assessor", Kind: cvr.SynthRanked, Choices: 3, Ranks: 3, Margin: 0.15, Coverage: 1},
	}
	cfg.Errors = cvr.SplitSynthErrors(0.002)
	s, o := synthElection(t, work, cfg)
	// RAIRE's assertions for the ranked contest, from the CVRs' count.
	d, err := loadData(o.Manifest, o.CVRs, "", o.Results, "")
	if err != nil {
		t.Fatal(err)
	}
	ci, _ := d.contestByName("Assessor")
	irv, err := d.Tally.IRV(ci)
	if err != nil {
		t.Fatal(err)
	}
	raire, _ := json.Marshal(map[string]any{"audits": []any{map[string]any{"assertions": pathAssertions(d.Election, ci, irv)}}})
	rp := filepath.Join(work, "assessor_raire.json")
	os.WriteFile(rp, raire, 0o644)

	dir := filepath.Join(work, "audit")
	if _, _, err := Init(dir, o); err == nil {
		t.Fatal("a ranked contest without RAIRE assertions was accepted")
	}
	o.RAIRE = map[string]string{"Assessor": rp}
	a, _, err := Init(filepath.Join(work, "audit2"), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("20202020202020202020", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	st := runAudit(t, s, a, work)
	as := st.Contests["Assessor"]
	t.Logf("Assessor: %s at risk %.4g, %d cards, %d assertions, discrepancies %+v", as.State, as.Risk, as.CardsExamined, len(as.Assertions), as.Discrepancies)
	if as.State != StateConfirmed || len(as.Assertions) != 3 {
		t.Errorf("IRV contest: %+v", as)
	}
	if problems, err := Verify(a.Dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
	// Assertions that do not imply the winner are refused.
	bad, _ := json.Marshal(pathAssertions(d.Election, ci, irv)[:1])
	os.WriteFile(rp, bad, 0o644)
	if _, _, err := Init(filepath.Join(work, "audit3"), o); err == nil {
		t.Error("assertions that do not imply the winner were accepted")
	}
}
