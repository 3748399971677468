package rla_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/rla"
)

// writeFile writes what f writes into work/name and returns the path.
func writeFile(work, name string, f func(*bytes.Buffer) error) string {
	var b bytes.Buffer
	if err := f(&b); err != nil {
		panic(err)
	}
	p := filepath.Join(work, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		panic(err)
	}
	return p
}

// Example_batchComparison runs a batch comparison audit: the county reports
// each batch's counts, the audit draws batches and counts them by hand.
func Example_batchComparison() {
	work, _ := os.MkdirTemp("", "rla-example-")
	defer os.RemoveAll(work)
	cfg := cvr.NewSynthConfig(20000, 2)
	cfg.BatchSize = 20
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.3}}
	s, _ := cvr.NewSynth(cfg)
	a, _, err := rla.Init(filepath.Join(work, "audit"), rla.InitOptions{
		Manifest:     writeFile(work, "manifest.csv", func(b *bytes.Buffer) error { return s.WriteManifest(b) }),
		Results:      writeFile(work, "results.csv", func(b *bytes.Buffer) error { return s.WriteResults(b) }),
		BatchResults: writeFile(work, "batches.csv", func(b *bytes.Buffer) error { return s.WriteBatchTallies(b, false, nil) }),
		Config:       rla.Config{RiskLimit: 0.05, Method: rla.Batch},
		By:           "County Clerk",
	})
	if err != nil {
		panic(err)
	}
	a.SetSeed("12345678901234567890", "", "Audit Board")
	draws, _ := a.Draw("Audit Board")
	drawn := map[cvr.BatchKey]bool{}
	for _, d := range draws {
		drawn[cvr.BatchKey{Tabulator: d.Tabulator, Batch: d.Batch}] = true
	}
	fmt.Printf("%d draws, %d batches to count\n", len(draws), len(drawn))
	// The hand counts of the drawn batches (here, the synthetic paper's).
	counts := writeFile(work, "counts.csv", func(b *bytes.Buffer) error {
		return s.WriteBatchTallies(b, true, func(k cvr.BatchKey) bool { return drawn[k] })
	})
	st, err := a.Record(counts, "Board 1")
	if err != nil {
		panic(err)
	}
	fmt.Printf("Mayor: %s, risk %.4f\n", st.Contests["Mayor"].State, st.Contests["Mayor"].Risk)
	// Output:
	// 19 draws, 19 batches to count
	// Mayor: confirmed, risk 0.0456
}

// ExampleAudit_Phase2 runs a two-phase audit: the first phase starts on the
// cards of three tabulators with 2,600 pending slots for the fourth's; the
// second commits the final inputs and a second seed, which places the new
// cards in the slots, and the audit goes on from the first phase's sample.
func ExampleAudit_Phase2() {
	work, _ := os.MkdirTemp("", "rla-example-")
	defer os.RemoveAll(work)
	cfg := cvr.NewSynthConfig(10000, 3)
	cfg.BatchSize = 100
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2}}
	s, _ := cvr.NewSynth(cfg)
	early := func(k cvr.BatchKey) bool { return k.Tabulator != "4" }

	// The first phase's inputs: the early batches' manifest rows, CVRs and count.
	var rows [][]string
	full := writeFile(work, "manifest.csv", func(b *bytes.Buffer) error { return s.WriteManifest(b) })
	raw, _ := os.ReadFile(full)
	recs, _ := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	for i, r := range recs {
		if i == 0 || early(cvr.BatchKey{Tabulator: r[0], Batch: r[1]}) {
			rows = append(rows, r)
		}
	}
	csvOf := func(rows [][]string) func(*bytes.Buffer) error {
		return func(b *bytes.Buffer) error { w := csv.NewWriter(b); w.WriteAll(rows); return w.Error() }
	}
	var cards [][]string
	tally := map[[2]string]int64{}
	for c := range s.All() {
		if !early(c.CVR.Batch) {
			continue
		}
		cards = append(cards, []string{c.CVR.ID})
		for cv := range c.CVR.Votes.All() {
			ec := s.Election().Contest(cv.Contest)
			for _, x := range cv.Selections() {
				tally[[2]string{ec.Name, ec.Choices[x.Choice].Name}]++
			}
		}
	}
	results := [][]string{{"contest", "choice", "votes"}}
	for _, ch := range s.Election().Contests[0].Choices {
		results = append(results, []string{"Mayor", ch.Name, strconv.FormatInt(tally[[2]string{"Mayor", ch.Name}], 10)})
	}
	allCVRs := writeFile(work, "cvr.csv", func(b *bytes.Buffer) error { return s.WriteDominionCSV(b, "") })
	raw, _ = os.ReadFile(allCVRs)
	var lines []string
	for i, l := range strings.Split(string(raw), "\n") {
		if f := strings.Split(l, ","); i < 4 || (len(f) > 2 && f[1] != "4") {
			lines = append(lines, l)
		}
	}
	a, _, err := rla.Init(filepath.Join(work, "audit"), rla.InitOptions{
		Manifest: writeFile(work, "m1.csv", csvOf(rows)),
		CVRs:     []string{writeFile(work, "c1.csv", func(b *bytes.Buffer) error { _, err := b.WriteString(strings.Join(lines, "\n")); return err })},
		Results:  writeFile(work, "r1.csv", csvOf(results)),
		Config:   rla.Config{RiskLimit: 0.05, Pending: 2600},
		By:       "County Clerk",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("first-phase CVRs:", len(cards))
	a.SetSeed("12345678901234567890", "", "Audit Board")
	read := func(draws []rla.DrawRecord) string {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{"card_id", "contest", "selections", "found"})
		for _, d := range draws {
			if d.Phantom {
				continue // a phantom or a pending slot: nothing to read
			}
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
		return writeFile(work, "interp.csv", func(out *bytes.Buffer) error { _, err := out.Write(b.Bytes()); return err })
	}
	draws, _ := a.Draw("Audit Board")
	st, _ := a.Record(read(draws), "Board 1")
	fmt.Println("first phase:", st.Contests["Mayor"].State)

	// The second phase: the final inputs, then the second seed.
	if _, err := a.Phase2(rla.Phase2Options{Manifest: full, CVRs: []string{allCVRs},
		Results: writeFile(work, "results.csv", func(b *bytes.Buffer) error { return s.WriteResults(b) }), By: "County Clerk"}); err != nil {
		panic(err)
	}
	a.SetSeed("98765432109876543210", "", "Audit Board")
	fmt.Println("slots drawn in the first phase that now hold a card:", len(a.Carried()))
	draws, _ = a.Draw("Audit Board") // the first round, with the carried cards' identities
	st, _ = a.Record(read(draws), "Board 1")
	fmt.Printf("second phase: %s, risk %.4f\n", st.Contests["Mayor"].State, st.Contests["Mayor"].Risk)
	// Output:
	// first-phase CVRs: 7500
	// first phase: escalate
	// slots drawn in the first phase that now hold a card: 5
	// second phase: confirmed, risk 0.0181
}
