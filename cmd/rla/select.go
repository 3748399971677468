package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/sample"
)

func init() {
	register(&command{
		name:    "select",
		summary: "select ballot cards from a public seed (rivest, cryptorandom, consistent)",
		run:     runSelect,
	})
}

const selectUsage = `usage: rla select ALGORITHM [options]

algorithms:
  rivest        Rivest's sampler.py / ColoradoRLA: integers in [--min, --max]
  cryptorandom  statlab cryptorandom sample_by_index: integers in 1..--population
  consistent    Rivest's consistent sampler as Arlo uses it, over a ballot manifest

Run "rla select ALGORITHM --help" for the options of one.`

func runSelect(e *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", selectUsage)
	}
	switch args[0] {
	case "rivest":
		return selectRivest(e, args[1:])
	case "cryptorandom":
		return selectCryptorandom(e, args[1:])
	case "consistent":
		return selectConsistent(e, args[1:])
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(e.stdout, selectUsage)
		return nil
	}
	return usageErrorf("unknown algorithm %q\n%s", args[0], selectUsage)
}

// seedFlags adds --seed and --seed-digits to fs.
func seedFlags(fs *flag.FlagSet) (seed *string, digits *bool) {
	seed = fs.String("seed", "", "the public random seed, used exactly as given (UTF-8)")
	digits = fs.Bool("seed-digits", false, "require a dice-rolled seed: at least 20 decimal digits and nothing else")
	return seed, digits
}

func checkSeed(fs *flag.FlagSet, seed string, digits bool) error {
	if err := requireFlags(fs, "seed"); err != nil {
		return err
	}
	if digits {
		return sample.CheckSeedDigits(seed)
	}
	return nil
}

// parseSelect parses a selection's flags: no positional arguments, the
// named flags required, and the seed (read after parsing) checked.
func parseSelect(fs *flag.FlagSet, args []string, seed *string, digits *bool, required ...string) error {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noPositional(pos); err != nil {
		return err
	}
	if err := requireFlags(fs, required...); err != nil {
		return err
	}
	return checkSeed(fs, *seed, *digits)
}

func noPositional(pos []string) error {
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q (see --help)", pos[0])
	}
	return nil
}

func selectRivest(e *env, args []string) error {
	fs := newFlags(e, "rla select rivest --seed S --min A --max B --count N [--skip K] [--replace]")
	seed, digits := seedFlags(fs)
	lo := fs.Int64("min", 1, "smallest value, inclusive")
	hi := fs.Int64("max", 0, "largest value, inclusive")
	count := fs.Int("count", 0, "number of picks to print (after the skipped ones)")
	skip := fs.Int("skip", 0, "picks already made in earlier rounds, generated but not printed")
	replace := fs.Bool("replace", false, "sample with replacement")
	if err := parseSelect(fs, args, seed, digits, "max", "count"); err != nil {
		return err
	}
	if *count < 0 || *skip < 0 {
		return usageErrorf("--count and --skip must not be negative")
	}
	_, picks, err := sample.RivestSample(*seed, *lo, *hi, *skip+*count, *skip, *replace)
	if err != nil {
		return err
	}
	return printInts(e, picks)
}

func selectCryptorandom(e *env, args []string) error {
	fs := newFlags(e, "rla select cryptorandom --seed S --population N --count K [--replace]")
	seed, digits := seedFlags(fs)
	n := fs.Int64("population", 0, "population size: items are 1..N")
	k := fs.Int64("count", 0, "number of draws")
	replace := fs.Bool("replace", false, "sample with replacement")
	if err := parseSelect(fs, args, seed, digits, "population", "count"); err != nil {
		return err
	}
	picks, err := sample.SampleByIndex(sample.NewSHA256(*seed), *n, *k, *replace)
	if err != nil {
		return err
	}
	return printInts(e, picks)
}

func printInts(e *env, xs []int64) error {
	buf := make([]byte, 0, 12*len(xs))
	for _, x := range xs {
		buf = strconv.AppendInt(buf, x, 10)
		buf = append(buf, '\n')
	}
	_, err := e.stdout.Write(buf)
	return err
}

// consistentRow is one draw as `rla select consistent` prints it.
type consistentRow struct {
	Ticket       string  `json:"ticket"`
	Jurisdiction *string `json:"jurisdiction"`
	Tabulator    *string `json:"tabulator"`
	Batch        string  `json:"batch"`
	Position     int     `json:"position"`
	TimesPicked  int     `json:"times_picked"`
}

func selectConsistent(e *env, args []string) error {
	fs := newFlags(e, "rla select consistent --seed S --manifest FILE --count K [--already M] [--replace] [--format csv|json]")
	seed, digits := seedFlags(fs)
	manifest := fs.String("manifest", "", "ballot manifest CSV (Batch Name, Number of Ballots; optional Jurisdiction, Tabulator)")
	count := fs.Int("count", 0, "number of draws to print")
	already := fs.Int("already", 0, "draws made in earlier rounds: print draws M+1..M+K")
	replace := fs.Bool("replace", false, "sample with replacement (as Arlo's ballot polling does)")
	format := fs.String("format", "csv", "output format: csv or json")
	if err := parseSelect(fs, args, seed, digits, "manifest", "count"); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" {
		return usageErrorf("--format must be csv or json, not %q", *format)
	}
	if *count < 0 || *already < 0 {
		return usageErrorf("--count and --already must not be negative")
	}
	m, err := cvr.ReadManifestFile(*manifest)
	if err != nil {
		return err
	}
	sm, err := m.Sampling()
	if err != nil {
		return err
	}
	draws, err := sm.ConsistentDraws(*seed, *already, *count, *replace)
	if err != nil {
		return err
	}
	rows := make([]consistentRow, len(draws))
	for i, d := range draws {
		b := sm.Batches()[d.Batch]
		r := consistentRow{
			Ticket:      sample.TrimTicket(d.Ticket, 18),
			Batch:       b.Name,
			Position:    d.Position,
			TimesPicked: d.Times,
		}
		if m.Jurisdictions {
			r.Jurisdiction = &b.Jurisdiction
		}
		if b.Tabulator != "" {
			r.Tabulator = &b.Tabulator
		}
		rows[i] = r
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		return enc.Encode(rows)
	}
	w := csv.NewWriter(e.stdout)
	w.Write([]string{"ticket", "jurisdiction", "tabulator", "batch", "position", "times_picked"})
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for _, r := range rows {
		w.Write([]string{r.Ticket, deref(r.Jurisdiction), deref(r.Tabulator), r.Batch, strconv.Itoa(r.Position), strconv.Itoa(r.TimesPicked)})
	}
	w.Flush()
	return w.Error()
}
