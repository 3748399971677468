package rla

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// pollingReadings writes the audit board's readings of a polling audit's
// drawn cards (identified by batch and position) from the synthetic paper.
func pollingReadings(t *testing.T, s *cvr.Synth, a *Audit, path string) string {
	t.Helper()
	// The synthetic cards of each batch, in position order.
	type key struct {
		tab, batch string
		pos        int
	}
	byPlace := map[key]cvr.Card{}
	for c := range s.All() {
		byPlace[key{c.Paper.Batch.Tabulator, c.Paper.Batch.Batch, c.Paper.Position}] = c.Paper.Clone()
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"card_id", "contest", "selections", "found"})
	for _, d := range a.drawnRecords() {
		paper, ok := byPlace[key{d.Tabulator, d.Batch, d.Position}]
		if !ok {
			t.Fatalf("no synthetic card at %+v", d)
		}
		any := false
		for cv := range paper.Votes.All() {
			ec := s.Election().Contest(cv.Contest)
			if a.contestByName(ec.Name) == nil {
				continue
			}
			var sel []string
			for _, x := range cv.Selections() {
				sel = append(sel, ec.Choices[x.Choice].Name)
			}
			w.Write([]string{d.CardID, ec.Name, strings.Join(sel, ";"), "yes"})
			any = true
		}
		if !any {
			w.Write([]string{d.CardID, "", "", "yes"})
		}
	}
	w.Flush()
	os.WriteFile(path, b.Bytes(), 0o644)
	return path
}

func TestPollingAudit(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(20000, 9)
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2}}
	s, o := synthElection(t, work, cfg)
	o.Config.Method = Polling
	o.CVRs = nil // polling needs no CVRs
	dir := filepath.Join(work, "audit")
	a, _, err := Init(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSeed("20261103000000000001", "", "Clerk"); err != nil {
		t.Fatal(err)
	}
	var st *Status
	for round := 1; round <= 6; round++ {
		if _, err := a.Draw("Clerk"); err != nil {
			t.Fatal(err)
		}
		st, err = a.Record(pollingReadings(t, s, a, filepath.Join(work, "interp.csv")), "Board A")
		if err != nil {
			t.Fatal(err)
		}
		if st.Contests["Mayor"].State != StateEscalate {
			break
		}
		if _, err := a.NextRound("Clerk"); err != nil {
			t.Fatal(err)
		}
	}
	m := st.Contests["Mayor"]
	t.Logf("polling: %s at risk %.4g after %d cards in %d rounds", m.State, m.Risk, m.CardsExamined, st.Round)
	if m.State != StateConfirmed {
		t.Fatalf("a 20%% margin should be confirmed by polling: %+v", m)
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
}
