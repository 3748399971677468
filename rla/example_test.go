package rla_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/rla"
)

// Example runs a whole ballot-level comparison audit of a small synthetic
// county: commit, seed, draw, the audit board's readings, status, report
// and verification.
func Example() {
	work, _ := os.MkdirTemp("", "rla-example-")
	defer os.RemoveAll(work)

	// A county of 10,000 cards whose CVRs and paper agree.
	cfg := cvr.NewSynthConfig(10000, 1)
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.1}}
	s, _ := cvr.NewSynth(cfg)
	write := func(name string, f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		f(&b)
		p := filepath.Join(work, name)
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	opts := rla.InitOptions{
		Manifest: write("manifest.csv", func(b *bytes.Buffer) error { return s.WriteManifest(b) }),
		Results:  write("results.csv", func(b *bytes.Buffer) error { return s.WriteResults(b) }),
		CVRs:     []string{write("cvr.csv", func(b *bytes.Buffer) error { return s.WriteDominionCSV(b, "") })},
		Config:   rla.Config{RiskLimit: 0.05},
		By:       "County Clerk",
	}
	dir := filepath.Join(work, "audit")
	a, incons, err := rla.Init(dir, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println("inconsistencies:", len(incons))
	if err := a.SetSeed("12345678901234567890", "rolled on dice", "Audit Board"); err != nil {
		panic(err)
	}
	draws, err := a.Draw("Audit Board")
	if err != nil {
		panic(err)
	}
	fmt.Println("cards drawn:", len(draws))

	// The audit board reads each drawn card (here, from the synthetic paper).
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"card_id", "contest", "selections", "found"})
	for _, d := range draws {
		paper, _ := s.Paper(d.CardID)
		for cv := range paper.Votes.All() {
			ec := s.Election().Contest(cv.Contest)
			var sel []string
			for _, x := range cv.Selections() {
				sel = append(sel, ec.Choices[x.Choice].Name)
			}
			w.Write([]string{d.CardID, ec.Name, strings.Join(sel, ";"), "yes"})
		}
	}
	w.Flush()
	st, err := a.Record(write("interp.csv", func(out *bytes.Buffer) error { _, err := out.Write(b.Bytes()); return err }), "Board 1")
	if err != nil {
		panic(err)
	}
	m := st.Contests["Mayor"]
	fmt.Printf("Mayor: %s, risk %.4f, %d cards examined\n", m.State, m.Risk, m.CardsExamined)

	rep, _ := a.Report()
	fmt.Println("report complete:", rep.Complete)
	problems, _ := rla.Verify(dir)
	fmt.Println("verify problems:", len(problems))
	// Output:
	// inconsistencies: 0
	// cards drawn: 59
	// Mayor: confirmed, risk 0.0481, 59 cards examined
	// report complete: true
	// verify problems: 0
}
