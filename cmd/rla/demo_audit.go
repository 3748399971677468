package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/rla"
)

// demoCounty is the embedded synthetic county: its generator settings are
// fixed, so every run makes the same 100,000 cards, CVRs and paper.
func demoCounty() cvr.SynthConfig {
	cfg := cvr.NewSynthConfig(100_000, 20261103)
	cfg.Name = "Demo County General Election"
	cfg.Tabulators = 6
	cfg.BatchSize = 200
	cfg.Contests = []cvr.SynthContest{
		{Name: "Governor", Kind: cvr.SynthPlurality, Choices: 3, WriteIn: true, Margin: 0.08},
		{Name: "County Measure A", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.20, Coverage: 0.5},
		{Name: "City Council", Kind: cvr.SynthVoteForN, VoteFor: 2, Margin: 0.12, Coverage: 0.4},
		{Name: "School Board", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.015, Coverage: 0.6},
	}
	cfg.Errors = cvr.SynthErrors{Over1: 0.004, Over2: 0.0004, Under1: 0.002}
	cfg.MissingRate = 0.0001
	return cfg
}

const demoAuditSeed = "73920164858302716455"

func demoAudit(e *env, keep string) error {
	w := e.stdout
	work := keep
	if work == "" {
		dir, err := os.MkdirTemp("", "rla-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		work = dir
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	s, err := cvr.NewSynth(demoCounty())
	if err != nil {
		return err
	}
	files := map[string]func(io.Writer) error{
		"manifest.csv": s.WriteManifest,
		"results.csv":  s.WriteResults,
		"cvr.csv":      func(w io.Writer) error { return s.WriteDominionCSV(w, "") },
	}
	for name, f := range files {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(work, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	in := func(n string) string { return filepath.Join(work, n) }
	dir := in("audit")

	fmt.Fprintf(w, "A risk-limiting audit of %s, from start to finish.\n", "Demo County's general election (synthetic data)")
	fmt.Fprintf(w, "The county has %d ballot cards in %d batches, four contests, and a Dominion CVR export.\n", s.Len(), len(s.Manifest().Batches))
	fmt.Fprintf(w, "Some CVRs differ from the paper (as scanner or adjudication errors would), and %d cards have no CVR.\n\n", s.Missing())

	fmt.Fprintf(w, "Step 1. Commit the inputs and reconcile them.\n")
	fmt.Fprintf(w, "  The ballot manifest, the CVRs and the reported results are copied into the audit folder and\n")
	fmt.Fprintf(w, "  fingerprinted (SHA-256) before anyone knows which cards will be drawn. They are then compared.\n")
	opts := rla.InitOptions{Manifest: in("manifest.csv"), CVRs: []string{in("cvr.csv")}, Results: in("results.csv"),
		Config: rla.Config{RiskLimit: 0.05}, By: "County Clerk"}
	_, incons, err := rla.Init(dir, opts)
	if err != nil && len(incons) == 0 {
		return err
	}
	if len(incons) > 0 {
		fmt.Fprintf(w, "  Reconciliation found %d inconsistencies, for example:\n", len(incons))
		for _, in := range incons[:min(3, len(incons))] {
			fmt.Fprintf(w, "    - batch %s: manifest %d cards, CVRs %d. %s\n", in.Batch, in.Expected, in.Found, in.Cause)
		}
		fmt.Fprintf(w, "  The clerk reviews them and accepts them; each missing card enters the audit as a \"phantom\"\n")
		fmt.Fprintf(w, "  that counts against the reported winners, so a missing card can never help confirm an outcome.\n")
		opts.AcceptInconsistencies = true
		if _, _, err := rla.Init(dir, opts); err != nil {
			return err
		}
	}
	a, err := rla.Open(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nStep 2. Roll the random seed in public.\n")
	if err := a.SetSeed(demoAuditSeed, "rolled on twenty ten-sided dice at the public audit meeting", "Audit Board"); err != nil {
		return err
	}
	fmt.Fprintf(w, "  Seed %s. From now on the selection of cards is fixed, and anyone can repeat it.\n", demoAuditSeed)

	for round := 1; ; round++ {
		fmt.Fprintf(w, "\nRound %d. Draw the sample.\n", round)
		draws, err := a.Draw("Audit Board")
		if err != nil {
			return err
		}
		pull := in(fmt.Sprintf("pull-round-%d.csv", round))
		f, err := os.Create(pull)
		if err != nil {
			return err
		}
		err = writePullList(f, draws)
		f.Close()
		if err != nil {
			return err
		}
		phantoms := 0
		for _, d := range draws {
			if d.Phantom {
				phantoms++
			}
		}
		fmt.Fprintf(w, "  %d cards drawn", len(draws))
		if phantoms > 0 {
			fmt.Fprintf(w, " (%d of them phantoms, which need no retrieval)", phantoms)
		}
		fmt.Fprintf(w, ". The pull list is sorted by\n")
		fmt.Fprintf(w, "  tabulator, batch and position so the retrieval team walks the storage once. Its first rows:\n")
		b, _ := os.ReadFile(pull)
		lines := strings.SplitN(string(b), "\n", 5)
		for _, l := range lines[:min(4, len(lines))] {
			fmt.Fprintf(w, "    %s\n", shorten(l, 110))
		}
		fmt.Fprintf(w, "  The audit boards find each card and record, for every contest on it, the votes they see.\n")
		interp := in(fmt.Sprintf("interpretations-round-%d.csv", round))
		if err := demoInterpret(s, a, draws, interp); err != nil {
			return err
		}
		st, err := a.Record(interp, "Audit Board 1")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  Their readings are entered, and the risk of every contest is measured:\n")
		demoStatus(w, st)
		if !slices.ContainsFunc(statusStates(st), func(s string) bool { return s == rla.StateEscalate }) {
			break
		}
		fmt.Fprintf(w, "  A contest marked \"escalate\" has not yet reached the risk limit: its sample showed more\n")
		fmt.Fprintf(w, "  discrepancies than the first round assumed, so the audit draws more cards for it.\n")
		if _, err := a.NextRound("Audit Board"); err != nil {
			return err
		}
		if round == 5 {
			break
		}
	}
	fmt.Fprintf(w, "\nStep 3. The report and its check.\n")
	rep, err := a.Report()
	if err != nil {
		return err
	}
	var md bytes.Buffer
	if err := rep.Markdown(&md); err != nil {
		return err
	}
	if err := os.WriteFile(in("report.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	problems, err := rla.Verify(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  The report (2 CCR 20125) lists the inputs and their fingerprints, the seed, each round, every\n")
	fmt.Fprintf(w, "  card examined with what the board read and what its CVR said, and each contest's outcome.\n")
	for _, c := range rep.Contests {
		fmt.Fprintf(w, "    %-17s %s\n", c.Name+":", c.Outcome)
	}
	if len(problems) == 0 {
		fmt.Fprintf(w, "  rla verify re-derived the selection and every risk from the seed and the recorded readings: all agree.\n")
	} else {
		fmt.Fprintf(w, "  rla verify found problems: %s\n", strings.Join(problems, "; "))
	}
	fmt.Fprintf(w, "  Audit log head (publish it with the report): %s\n", a.Head())
	if keep != "" {
		fmt.Fprintf(w, "\nThe inputs, the audit folder and report.md are in %s.\n", keep)
	} else {
		fmt.Fprintf(w, "\n(Run \"rla demo --keep DIR\" to keep the files, including report.md.)\n")
	}
	return nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func statusStates(st *rla.Status) []string {
	var out []string
	for _, c := range st.Contests {
		out = append(out, c.State)
	}
	return out
}

// demoStatus prints the status in plain words.
func demoStatus(w io.Writer, st *rla.Status) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "    contest\tstate\tmeasured risk\tcards examined\tdiscrepancies (o2/o1/u1/u2)")
	for _, n := range contestNames(st) {
		c := st.Contests[n]
		fmt.Fprintf(tw, "    %s\t%s\t%.3g%%\t%d\t%d/%d/%d/%d\n", n, c.State, 100*c.Risk, c.CardsExamined, c.Discrepancies.O2, c.Discrepancies.O1, c.Discrepancies.U1, c.Discrepancies.U2)
	}
	tw.Flush()
	fmt.Fprintln(w, "    (risk: the largest chance that evidence this strong would appear if the reported winner had")
	fmt.Fprintln(w, "    lost; \"confirmed\" means it is at or below the 5% risk limit. o1/o2: the CVR overstated the")
	fmt.Fprintln(w, "    winner's lead by one or two votes; u1/u2: understated it.)")
}

// demoInterpret plays the audit boards: it reads each drawn card's paper.
func demoInterpret(s *cvr.Synth, a *rla.Audit, draws []rla.DrawRecord, path string) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"card_id", "contest", "selections", "found"})
	for _, d := range draws {
		if d.Phantom {
			continue
		}
		paper, err := s.Paper(d.CardID)
		if err != nil {
			return err
		}
		for cv := range paper.Votes.All() {
			ec := s.Election().Contest(cv.Contest)
			var sel []string
			for _, x := range cv.Selections() {
				sel = append(sel, ec.Choices[x.Choice].Name)
			}
			cw.Write([]string{d.CardID, ec.Name, strings.Join(sel, ";"), "yes"})
		}
	}
	cw.Flush()
	return os.WriteFile(path, b.Bytes(), 0o644)
}
