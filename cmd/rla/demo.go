package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"text/tabwriter"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/sample"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "run a whole audit of an embedded synthetic county, explaining each step (\"rla demo selection\": a selection on a real county manifest)",
		run:     runDemo,
	})
}

//go:embed demodata/co2024_HinsdaleBallotManifest.csv
var demoManifest []byte

// demoSeed stands for the 20 digits an audit board rolls on ten-sided dice
// in public after the results, manifest and CVRs are committed.
const demoSeed = "27180904129383661524"

const demoCards = 12

func runDemo(e *env, args []string) error {
	fs := newFlags(e, "rla demo [selection] [--keep DIR]")
	keep := fs.String("keep", "", "write the demo's files (inputs, audit directory, report) into DIR and keep them")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return demoAudit(e, *keep)
	case len(pos) == 1 && pos[0] == "selection":
		return demoSelection(e)
	}
	return usageErrorf("unexpected argument %q (see --help)", pos[0])
}

// demoSelection draws cards from a real county's manifest.
func demoSelection(e *env) error {
	w := e.stdout
	m, err := cvr.ReadManifest(bytes.NewReader(demoManifest), "Hinsdale County, Colorado, 2024 ballot manifest")
	if err != nil {
		return err
	}
	sm, err := m.Sampling()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Step 1. The ballot manifest\n")
	fmt.Fprintf(w, "  %s lists %d batches holding %d ballot cards in all.\n", m.Name, len(m.Batches), m.Cards())
	fmt.Fprintf(w, "  Every card has an address: its batch and its position in the batch (1 = the top card).\n\n")

	fmt.Fprintf(w, "Step 2. The public random seed\n")
	if err := sample.CheckSeedDigits(demoSeed); err != nil {
		return err
	}
	fmt.Fprintf(w, "  Seed: %s (%d digits, as rolled on ten-sided dice at a public meeting).\n", demoSeed, len(demoSeed))
	fmt.Fprintf(w, "  The seed is rolled only after the manifest is committed, so nobody could have\n")
	fmt.Fprintf(w, "  arranged the ballots to suit it; anyone with the seed and the manifest can redo\n")
	fmt.Fprintf(w, "  this selection and get the same cards.\n\n")

	fmt.Fprintf(w, "Step 3. Drawing %d cards by consistent sampling (the method Arlo uses)\n", demoCards)
	fmt.Fprintf(w, "  Each card gets a ticket number from SHA-256 of the seed and the card's address;\n")
	fmt.Fprintf(w, "  the cards with the smallest tickets are drawn. A later round draws the next\n")
	fmt.Fprintf(w, "  smallest, so the first round's cards always stay in the sample.\n\n")
	draws, err := sm.ConsistentDraws(demoSeed, 0, demoCards, false)
	if err != nil {
		return err
	}
	pull, err := sm.PullList(draws, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Step 4. The pull list, sorted so the audit board can walk the storage once\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  county\ttabulator\tbatch\tposition\tlocation\tdraw\tticket")
	for _, p := range pull {
		b := m.Batches[p.Batch]
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%d\t%s\n", b.Jurisdiction, b.Tabulator, b.Name, p.Position, b.Location, p.Number, sample.TrimTicket(p.Ticket, 18))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n  To check this selection yourself:\n")
	fmt.Fprintf(w, "    rla select consistent --seed %s --manifest MANIFEST.csv --count %d\n", demoSeed, demoCards)
	return nil
}
