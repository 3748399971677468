package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

func init() {
	register(&command{
		name:    "synth",
		summary: "make a synthetic election: manifest, CVRs, results and the truth",
		run:     runSynth,
	})
}

const synthUsage = `rla synth --cards N --seed S --out DIR [--contests C] [--margin V] [--error-rate R] [--format F] [options]

Makes a synthetic election from a seed, the same bytes for the same flags:

  DIR/manifest.csv   ballot manifest (Jurisdiction,)Tabulator,Batch Name,Number of Ballots
  DIR/results.csv    reported results contest,choice,votes (the count of the CVRs)
  DIR/cvrs/          the CVR export in --format (one folder per jurisdiction
                     when there are several)
  DIR/truth.csv      the cards whose paper differs from the CVR: one row per
                     injected error (o1, o2, u1, u2) and per contest of each
                     missing card; every other card's paper equals its CVR
  DIR/synth.json     the full configuration: --config DIR/synth.json makes
                     the same election again (in any --format)
  DIR/batches.csv    with --batch-tallies: each batch's counts from the CVRs
                     ([jurisdiction,]tabulator,batch,contest,choice,votes),
                     as rla audit init --batch-results takes them, and
  DIR/batches-paper.csv  the same from the paper (a hand count's result)

The first contest is plurality with a write-in and the --margin; more
contests (--contests) cycle through vote-for-2, ranked, plurality, approval
and a two-choice measure (or the --kinds listed) with random margins, on
--styles ballot styles. ES&S exports hold plurality and ranked contests only.
--error-rate R injects in every contest 1-vote over- and understatements at
0.4R each and 2-vote ones at 0.1R each (exact counts, random cards).`

func runSynth(e *env, args []string) error {
	fs := newFlags(e, synthUsage)
	cards := fs.Int("cards", 0, "number of cards in the manifest (a multiple of --cards-per-ballot)")
	seed := fs.Uint64("seed", 0, "seed of the election (any unsigned 64-bit number)")
	out := fs.String("out", "", "folder to write; it must not exist or be empty")
	contests := fs.Int("contests", 1, "number of contests")
	margin := fs.Float64("margin", 0.05, "diluted margin of the first contest, (W-L)/cards carrying it, in (0,1)")
	errRate := fs.Float64("error-rate", 0, "rate of CVR errors per card and contest, split 0.4/0.1/0.4/0.1 into o1/o2/u1/u2")
	format := fs.String("format", "dominion-csv", "CVR export format: "+strings.Join(cvr.SynthFormats, "|"))
	styles := fs.Int("styles", 0, "number of ballot styles (default 1 for one contest, else min(2*contests, 16))")
	perBallot := fs.Int("cards-per-ballot", 1, "cards (sheets) per ballot")
	batchSize := fs.Int("batch-size", 250, "cards per batch")
	tabulators := fs.Int("tabulators", 4, "tabulators per jurisdiction")
	jurisdictions := fs.Int("jurisdictions", 1, "number of jurisdictions")
	missing := fs.Float64("missing-rate", 0, "share of cards in the manifest without a CVR")
	under := fs.Float64("undervote-rate", 0.02, "share of blank contests")
	over := fs.Float64("overvote-rate", 0.002, "share of overvoted contests")
	batchTallies := fs.Bool("batch-tallies", false, "also write DIR/batches.csv and DIR/batches-paper.csv: each batch's counts from the CVRs and from the paper (for batch comparison and hybrid audits)")
	wrong := fs.Bool("wrong-outcome", false, "add just enough 2-vote overstatements to the first contest that the paper has the runner-up win")
	name := fs.String("name", "", "election name written in the exports")
	config := fs.String("config", "", "make the election of a synth.json written earlier (only --format and --out apply)")
	kinds := fs.String("kinds", "", "comma-separated kinds of contests 2.. (plurality, vote-for-n, approval, ranked); default all (ess: plurality,ranked)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q (see --help)", pos[0])
	}
	if *config != "" {
		return synthFromConfig(e, *config, *format, *out, *batchTallies)
	}
	if err := requireFlags(fs, "cards", "seed", "out"); err != nil {
		return err
	}
	if !slices.Contains(cvr.SynthFormats, *format) {
		return usageErrorf("--format %q: can write %s", *format, strings.Join(cvr.SynthFormats, ", "))
	}
	if *contests < 1 {
		return usageErrorf("--contests %d: at least 1", *contests)
	}
	cfg := cvr.NewSynthConfig(*cards, *seed)
	cfg.Name = *name
	var ks []cvr.SynthKind
	if *kinds == "" && *format == "ess" {
		*kinds = "plurality,ranked"
	}
	if *kinds != "" {
		for _, k := range strings.Split(*kinds, ",") {
			kind, err := cvr.ParseSynthKind(strings.TrimSpace(k))
			if err != nil {
				return usageErrorf("--kinds: %v", err)
			}
			ks = append(ks, kind)
		}
	}
	cfg.Contests = cvr.SynthContests(*contests, *margin, ks...)
	cfg.Styles = *styles
	cfg.CardsPerBallot = *perBallot
	cfg.BatchSize = *batchSize
	cfg.Tabulators = *tabulators
	cfg.Jurisdictions = *jurisdictions
	cfg.MissingRate = *missing
	cfg.UndervoteRate, cfg.OvervoteRate = *under, *over
	cfg.Errors = cvr.SplitSynthErrors(*errRate)
	cfg.WrongOutcome = *wrong
	return synthWrite(e, cfg, *format, *out, *batchTallies)
}

// synthFromConfig makes the election saved in a synth.json.
func synthFromConfig(e *env, path, format, out string, batchTallies bool) error {
	if out == "" {
		return usageErrorf("--out is required (see --help)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var cfg cvr.SynthConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	return synthWrite(e, cfg, format, out, batchTallies)
}

// synthWrite makes the election of cfg and writes it under out.
func synthWrite(e *env, cfg cvr.SynthConfig, format, out string, batchTallies bool) error {
	if !slices.Contains(cvr.SynthFormats, format) {
		return usageErrorf("--format %q: can write %s", format, strings.Join(cvr.SynthFormats, ", "))
	}
	s, err := cvr.NewSynth(cfg)
	if err != nil {
		return withCode(2, err)
	}
	if err := s.CanWrite(format); err != nil {
		return withCode(2, err)
	}
	if err := synthEmptyDir(out); err != nil {
		return err
	}
	files := []string{}
	type output struct {
		name  string
		write func(io.Writer) error
	}
	var extra []output
	if batchTallies {
		extra = []output{
			{"batches.csv", func(w io.Writer) error { return s.WriteBatchTallies(w, false, nil) }},
			{"batches-paper.csv", func(w io.Writer) error { return s.WriteBatchTallies(w, true, nil) }},
		}
	}
	for _, f := range append([]output{
		{"manifest.csv", s.WriteManifest},
		{"results.csv", s.WriteResults},
		{"truth.csv", s.WriteTruth},
		{"synth.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(s.Config())
		}},
	}, extra...) {
		path := filepath.Join(out, f.name)
		if err := synthWriteFile(path, f.write); err != nil {
			return err
		}
		files = append(files, path)
	}
	cvrDir := filepath.Join(out, "cvrs")
	names, err := s.WriteExport(format, cvr.DirCreate(cvrDir))
	if err != nil {
		return err
	}
	plural := "s"
	if len(names) == 1 {
		plural = ""
	}
	fmt.Fprintf(e.stdout, "%s Wrote %s and %s (%d %s file%s).\n", s.Describe(), strings.Join(files, ", "), cvrDir+string(filepath.Separator), len(names), format, plural)
	return nil
}

// synthEmptyDir makes dir, or checks that it is empty: writing into a folder
// holding an earlier election would mix the two exports.
func synthEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case os.IsNotExist(err):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("--out: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("--out %s is not empty; choose a new folder so that no earlier files mix with this election", dir)
	}
	return nil
}

func synthWriteFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
