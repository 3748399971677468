package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/rlakit/rlakit/cvr"
)

func init() {
	register(&command{
		name:    "reconcile",
		summary: "find inconsistencies between ballot manifest, CVRs and reported results",
		run:     runReconcile,
	})
}

const reconcileUsage = `rla reconcile --manifest M --cvrs PATH... [--results R] [--format F] [--json]

Compares the ballot manifest, the cast vote records and (optionally) the
reported results, and lists each inconsistency with its cause. Exit status
is 0 when there is none, 3 when there are some.`

// reconcileReport is what --json writes.
type reconcileReport struct {
	Cards           int                 `json:"cards"`
	ManifestCards   int64               `json:"manifest_cards"`
	Phantoms        int                 `json:"phantoms"`
	Inconsistencies []cvr.Inconsistency `json:"inconsistencies"`
}

func runReconcile(e *env, args []string) error {
	fs := newFlags(e, reconcileUsage)
	manifest := fs.String("manifest", "", "ballot manifest CSV")
	var cvrs stringList
	fs.Var(&cvrs, "cvrs", "CVR files or folders of one export (may be repeated; paths after it are CVRs too)")
	results := fs.String("results", "", "reported results: CSV contest,choice,votes or JSON")
	format := fs.String("format", "auto", "CVR export format: "+formatNames())
	asJSON := fs.Bool("json", false, "write JSON instead of a table")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := requireFlags(fs, "manifest", "cvrs"); err != nil {
		return err
	}
	paths := append([]string(cvrs), pos...) // "--cvrs a b c": b and c are positional

	m, err := cvr.ReadManifestFile(*manifest)
	if err != nil {
		return err
	}
	var el cvr.Election
	// Pooled totals (Colorado's redaction rows) count in the contest totals
	// compared with the results, as rla tabulate counts them.
	var pools []*cvr.Pool
	_, seq, err := cvr.Read(&el, *format, cvr.Options{Warn: warnTo(e), Pool: func(p *cvr.Pool) { pools = append(pools, p) }}, paths...)
	if err != nil {
		return err
	}
	cards, err := cvr.ReadAll(seq)
	if err != nil {
		return err
	}
	var res *cvr.Results
	var tally *cvr.Tally
	if *results != "" {
		f, err := os.Open(*results)
		if err != nil {
			return err
		}
		defer f.Close()
		if res, err = cvr.ReadResults(f, filepath.Base(*results)); err != nil {
			return err
		}
		if tally, err = cvr.Tabulate(&el, cards.All()); err != nil {
			return err
		}
		for _, p := range pools {
			tally.AddPool(p)
		}
	}
	found := cvr.Reconcile(m, cards, tally, res)
	rep := reconcileReport{Cards: cards.Len(), ManifestCards: m.Cards(), Phantoms: len(cvr.Phantoms(m, cards)), Inconsistencies: found}
	if rep.Inconsistencies == nil {
		rep.Inconsistencies = []cvr.Inconsistency{}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "%d CVRs, %d cards in the manifest, %d phantoms\n", rep.Cards, rep.ManifestCards, rep.Phantoms)
		if len(found) > 0 {
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tWHERE\tEXPECTED\tFOUND\tCAUSE")
			for _, in := range found {
				where := in.Batch + in.ID
				if in.Contest != "" {
					where = in.Contest
					if in.Choice != "" {
						where += " / " + in.Choice
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", in.Kind, where, strconv.FormatInt(in.Expected, 10), strconv.FormatInt(in.Found, 10), in.Cause)
			}
			tw.Flush()
		}
	}
	if len(found) > 0 {
		return withCode(3, fmt.Errorf("%d inconsistencies found", len(found)))
	}
	return nil
}
