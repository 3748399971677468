package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

func init() {
	register(&command{
		name:    "tabulate",
		summary: "count the votes in cast vote records (JSON out)",
		run:     runTabulate,
	})
}

func formatNames() string {
	names := []string{"auto"}
	for _, f := range cvr.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, "|")
}

func runTabulate(e *env, args []string) error {
	fs := newFlags(e, "rla tabulate [--format "+formatNames()+"] PATH...")
	format := fs.String("format", "auto", "CVR export format; auto detects it from the files")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErrorf("no CVR files or folders given (see --help)")
	}
	var el cvr.Election
	// Pooled totals (Colorado's redaction rows) arrive beside the cards;
	// they are counted after them, in the contest tallies and apart.
	var pools []*cvr.Pool
	opt := cvr.Options{Warn: warnTo(e), Pool: func(p *cvr.Pool) { pools = append(pools, p) }}
	_, seq, err := cvr.Read(&el, *format, opt, paths...)
	if err != nil {
		return err
	}
	t, err := cvr.Tabulate(&el, seq)
	if err != nil {
		return err
	}
	for _, p := range pools {
		t.AddPool(p)
		if !p.CardsKnown {
			fmt.Fprintf(e.stderr, "warning: %s line %d: pool %q: its votes are counted, but the export does not say how many cards it holds\n", p.File, p.Line, p.Name)
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(t.Report())
}

// warnTo reports a reader's warnings on stderr, one line each.
func warnTo(e *env) func(*cvr.Warning) {
	return func(w *cvr.Warning) { fmt.Fprintf(e.stderr, "warning: %v\n", w) }
}
