package main

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/rla"
	"github.com/rlakit/rlakit/sample"
)

func init() {
	register(&command{name: "audit", summary: "run a risk-limiting audit kept in a directory (init, seed, draw, record, status, next, handcount, report)", run: runAudit})
	register(&command{name: "verify", summary: "check an audit directory: log chain, inputs, selection and every measured risk", run: runVerify})
}

const auditUsage = `usage: rla audit STEP DIR [options]

steps, in order:
  init       commit the manifest, CVRs and reported results; reconcile them
  seed       record the public random seed (at least 20 dice-rolled digits)
  phase2     two-phase audits: commit the final manifest, CVRs and results
             (then roll and record the second seed with "seed")
  draw       draw the round's sample and write its pull list
  record     enter an audit board's interpretations of the drawn cards
  status     measured risk, state and next round size of every contest
  next       open the next round for the contests that must escalate
  handcount  record a full manual tally of a contest
  report     the audit report (2 CCR 20125): md, html or json

Run "rla audit STEP --help" for the options of one.`

// auditSteps are the steps of rla audit.
var auditSteps map[string]func(*env, []string) error

func init() {
	auditSteps = map[string]func(*env, []string) error{
		"init": auditInit, "seed": auditSeed, "draw": auditDraw, "record": auditRecord,
		"status": auditStatus, "next": auditNext, "handcount": auditHandCount, "report": auditReport,
		"phase2": auditPhase2,
	}
}

func runAudit(e *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", auditUsage)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, auditUsage)
		return nil
	}
	f, ok := auditSteps[args[0]]
	if !ok {
		return usageErrorf("unknown step %q\n%s", args[0], auditUsage)
	}
	return f(e, args[1:])
}

// oneDir returns the single positional argument, the audit directory.
func oneDir(pos []string) (string, error) {
	if len(pos) != 1 {
		return "", usageErrorf("give one audit directory (see --help)")
	}
	return pos[0], nil
}

// openAudit parses a step's flags, checks that the named ones were given,
// and opens the audit in the one directory named on the command line.
func openAudit(fs *flag.FlagSet, args []string, required ...string) (*rla.Audit, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	dir, err := oneDir(pos)
	if err != nil {
		return nil, err
	}
	if err := requireFlags(fs, required...); err != nil {
		return nil, err
	}
	return rla.Open(dir)
}

func byFlag(fs interface {
	String(string, string, string) *string
}) *string {
	return fs.String("by", os.Getenv("USER"), "who performs this step, for the audit log")
}

func auditInit(e *env, args []string) error {
	fs := newFlags(e, "rla audit init DIR --manifest M --cvrs PATH... [--cvr-format F] --results R --risk-limit 0.05 [--type comparison|polling|hybrid|batch] [--batch-results B] [--contests NAME,...] [--max-fraction 0.25] [--raire CONTEST=FILE] [--pending N] [--selection consistent|rivest|tickets] [--risk-function alpha|kaplan-markov|bravo] [--gamma G] [--polled NAME,...]")
	in := addInputFlags(fs, "")
	riskLimit := fs.Float64("risk-limit", 0.05, "risk limit (California: 0.05)")
	method := fs.String("type", "comparison", "audit type: comparison (ballot-level comparison), polling (ballot polling), hybrid (comparison with pooled batches, ONEAudit) or batch (batch comparison)")
	batchResults := fs.String("batch-results", "", "reported counts by batch, CSV [jurisdiction,][tabulator,]batch,contest,choice,votes: every batch's (--type batch) or the pooled batches' (--type hybrid)")
	contests := fs.String("contests", "", "comma-separated contests to audit (default: every contest)")
	maxFraction := fs.Float64("max-fraction", 0.25, "go to a full hand count when a contest's next round would exceed this fraction of its cards")
	double := fs.Bool("double-entry", false, "require every interpretation to be entered by two different people")
	selection := fs.String("selection", "consistent", "how cards are drawn: consistent (SHANGRLA's consistent sampling with card-style data; polling: Arlo's tickets), rivest (Rivest's sampler, with replacement, over all cards) or tickets (comparison: Arlo's tickets over the manifest)")
	riskFunction := fs.String("risk-function", "alpha", "risk function: alpha (ALPHA), kaplan-markov (comparison audits, --selection rivest) or bravo (polling audits, --selection rivest)")
	polled := fs.String("polled", "", "comma-separated contests of a comparison audit to audit by ballot polling on the same sample (their CVRs play no part)")
	gamma := fs.Float64("gamma", 0, "error inflation of the Kaplan-Markov risk function (default 1.03905)")
	pending := fs.Int("pending", 0, "two-phase audit: the largest number of cards still to be tabulated (the first phase holds them as pending slots)")
	var raire stringList
	fs.Var(&raire, "raire", "CONTEST=FILE: RAIRE's assertions (JSON) for a ranked-choice contest; repeat for several")
	by := byFlag(fs)
	dir, err := in.parse(fs, args)
	if err != nil {
		return err
	}
	cfg := rla.Config{RiskLimit: *riskLimit, Method: rla.Method(*method), MaxFraction: *maxFraction, DoubleEntry: *double, Pending: *pending,
		Selection: rla.Selection(*selection), RiskFunction: rla.RiskFunction(*riskFunction), Gamma: *gamma}
	if *contests != "" {
		cfg.Contests = strings.Split(*contests, ",")
	}
	if *polled != "" {
		cfg.Polled = strings.Split(*polled, ",")
	}
	raireFiles := map[string]string{}
	for _, r := range raire {
		name, file, ok := strings.Cut(r, "=")
		if !ok || name == "" || file == "" {
			return usageErrorf("--raire takes CONTEST=FILE, not %q", r)
		}
		raireFiles[name] = file
	}
	a, incons, err := rla.Init(dir, rla.InitOptions{
		Manifest: *in.manifest, CVRs: in.cvrs, Format: *in.format, Results: *in.results, Config: cfg,
		AcceptInconsistencies: *in.accept, By: *by, RAIRE: raireFiles, BatchResults: *batchResults,
	})
	if err := commitOutcome(e, incons, err); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Inputs committed in %s (log head %s).\n", a.Dir, a.Head())
	fmt.Fprintf(e.stdout, "Next: roll the seed in public and run: rla audit seed %s --seed DIGITS\n", a.Dir)
	return nil
}

func auditPhase2(e *env, args []string) error {
	fs := newFlags(e, "rla audit phase2 DIR --manifest M --cvrs PATH... [--cvr-format F] --results R [--accept-inconsistencies]")
	in := addInputFlags(fs, "the final ")
	by := byFlag(fs)
	dir, err := in.parse(fs, args)
	if err != nil {
		return err
	}
	a, err := rla.Open(dir)
	if err != nil {
		return err
	}
	incons, err := a.Phase2(rla.Phase2Options{Manifest: *in.manifest, CVRs: in.cvrs, Format: *in.format, Results: *in.results, AcceptInconsistencies: *in.accept, By: *by})
	if err := commitOutcome(e, incons, err); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Final inputs committed in %s (log head %s).\nNext: roll a new seed in public and run: rla audit seed %s --seed DIGITS\n", a.Dir, a.Head(), a.Dir)
	return nil
}

// inputFlags are the flags naming the inputs an audit commits (init, and
// a two-phase audit's phase2).
type inputFlags struct {
	manifest, format, results *string
	cvrs                      stringList
	accept                    *bool
}

// addInputFlags defines the input flags on fs; what prefixes their help
// ("the final " for the second phase).
func addInputFlags(fs *flag.FlagSet, what string) *inputFlags {
	in := &inputFlags{}
	in.manifest = fs.String("manifest", "", what+"ballot manifest CSV")
	fs.Var(&in.cvrs, "cvrs", what+"CVR export: files, folders or .zip archives (several may follow the flag)")
	in.format = fs.String("cvr-format", "auto", "CVR export format: auto, dominion-json, dominion-csv, ess, hart, clearballot, nist-json, nist-xml")
	in.results = fs.String("results", "", what+"reported results CSV: contest,choice,votes")
	in.accept = fs.Bool("accept-inconsistencies", false, "proceed although reconciliation found inconsistencies (they stay recorded)")
	return in
}

// parse parses the flags and returns the audit directory, the first
// argument; the paths after the first of "--cvrs a b c" are CVRs too.
func (in *inputFlags) parse(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) == 0 {
		return "", usageErrorf("give the audit directory (see --help)")
	}
	in.cvrs = append(in.cvrs, pos[1:]...)
	return pos[0], requireFlags(fs, "manifest", "results")
}

// commitOutcome prints the inconsistencies a commitment found and turns
// ErrInconsistent into exit status 3.
func commitOutcome(e *env, incons []cvr.Inconsistency, err error) error {
	if len(incons) > 0 {
		printInconsistencies(e.stdout, incons)
	}
	if errors.Is(err, rla.ErrInconsistent) {
		return withCode(3, err)
	}
	return err
}

func printInconsistencies(w io.Writer, incons []cvr.Inconsistency) {
	fmt.Fprintf(w, "Reconciliation found %d inconsistencies:\n", len(incons))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  kind\tbatch/contest\texpected\tfound\tcause")
	for _, in := range incons {
		where := cmp.Or(in.Batch, strings.TrimSuffix(in.Contest+" / "+in.Choice, " / "), in.ID)
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\n", in.Kind, where, in.Expected, in.Found, in.Cause)
	}
	tw.Flush()
}

func auditSeed(e *env, args []string) error {
	fs := newFlags(e, "rla audit seed DIR --seed DIGITS [--how TEXT]")
	seed := fs.String("seed", "", "the public random seed: at least 20 digits rolled on ten-sided dice")
	how := fs.String("how", "", "how and where the seed was generated, for the report")
	by := byFlag(fs)
	a, err := openAudit(fs, args, "seed")
	if err != nil {
		return err
	}
	if err := a.SetSeed(*seed, *how, *by); err != nil {
		return err
	}
	if c := a.Carried(); len(c) > 0 {
		fmt.Fprintf(e.stdout, "Second seed recorded: the new cards are placed. %d cards drawn in the first phase as pending slots now hold cards; the next pull list includes them.\n", len(c))
	}
	fmt.Fprintf(e.stdout, "Seed %s recorded. Next: rla audit draw %s --out pull.csv\n", *seed, a.Dir)
	return nil
}

func auditDraw(e *env, args []string) error {
	fs := newFlags(e, "rla audit draw DIR [--out pull.csv]")
	out := fs.String("out", "", "write the pull list CSV here (default: standard output)")
	by := byFlag(fs)
	a, err := openAudit(fs, args)
	if err != nil {
		return err
	}
	draws, err := a.Draw(*by)
	if err != nil {
		return err
	}
	// A two-phase audit's first-phase draws of pending slots that now hold
	// cards are retrieved with the round's.
	for _, c := range a.Carried() {
		if !slices.ContainsFunc(draws, func(d rla.DrawRecord) bool { return d.Round == c.Round && d.Draw == c.Draw }) {
			draws = append(draws, c)
		}
	}
	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := writePullList(w, draws); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(e.stdout, "%d cards drawn; pull list written to %s.\n", len(draws), *out)
	}
	return nil
}

// writePullList writes the pull list sorted for retrieval: by
// jurisdiction, tabulator and batch (numbers in names compared as numbers)
// and position, each row keeping its draw number and ticket.
func writePullList(w io.Writer, draws []rla.DrawRecord) error {
	rows := slices.Clone(draws)
	slices.SortStableFunc(rows, func(x, y rla.DrawRecord) int {
		return cmp.Or(sample.CompareNatural(x.Jurisdiction, y.Jurisdiction), sample.CompareNatural(x.Tabulator, y.Tabulator),
			sample.CompareNatural(x.Batch, y.Batch), cmp.Compare(x.Position, y.Position), cmp.Compare(x.Draw, y.Draw))
	})
	cw := csv.NewWriter(w)
	cw.Write([]string{"round", "draw", "ticket", "jurisdiction", "tabulator", "batch", "position", "card_id", "imprinted_id"})
	for _, d := range rows {
		cw.Write([]string{strconv.Itoa(d.Round), strconv.Itoa(d.Draw), d.Ticket, d.Jurisdiction, d.Tabulator, d.Batch, strconv.Itoa(d.Position), d.CardID, d.ImprintedID})
	}
	cw.Flush()
	return cw.Error()
}

func auditRecord(e *env, args []string) error {
	fs := newFlags(e, "rla audit record DIR --file interp.csv --by NAME")
	file := fs.String("file", "", "interpretations CSV: card_id,contest,selections,found (a batch audit: hand counts, [jurisdiction,][tabulator,]batch,contest,choice,votes[,found])")
	by := fs.String("by", "", "who entered these interpretations (required)")
	a, err := openAudit(fs, args, "file", "by")
	if err != nil {
		return err
	}
	st, err := a.Record(*file, *by)
	if err != nil {
		return err
	}
	printStatus(e.stdout, st)
	return nil
}

func auditStatus(e *env, args []string) error {
	fs := newFlags(e, "rla audit status DIR [--json]")
	asJSON := fs.Bool("json", false, "write JSON")
	a, err := openAudit(fs, args)
	if err != nil {
		return err
	}
	st, err := a.Status()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", " ")
		return enc.Encode(st)
	}
	printStatus(e.stdout, st)
	return nil
}

func printStatus(w io.Writer, st *rla.Status) {
	fmt.Fprintf(w, "Round %d\n", st.Round)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  contest\tstate\trisk\tcards examined\tnext round size\to2\to1\tu1\tu2")
	names := contestNames(st)
	for _, n := range names {
		c := st.Contests[n]
		state := c.State
		if c.Opportunistic {
			state += " (not targeted)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%.4g\t%d\t%d\t%d\t%d\t%d\t%d\n", n, state, c.Risk, c.CardsExamined, c.NextRoundSize,
			c.Discrepancies.O2, c.Discrepancies.O1, c.Discrepancies.U1, c.Discrepancies.U2)
	}
	tw.Flush()
	if len(st.Awaiting) > 0 {
		fmt.Fprintf(w, "%d drawn cards await interpretation.\n", len(st.Awaiting))
	}
	for _, c := range st.Conflicts {
		fmt.Fprintf(w, "Card %s: the entries of %s disagree; enter it again.\n", c.CardID, strings.Join(c.By, " and "))
	}
}

func auditNext(e *env, args []string) error {
	fs := newFlags(e, "rla audit next DIR")
	by := byFlag(fs)
	a, err := openAudit(fs, args)
	if err != nil {
		return err
	}
	r, err := a.NextRound(*by)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Round %d opened. Next: rla audit draw %s --out pull.csv\n", r, a.Dir)
	return nil
}

func auditHandCount(e *env, args []string) error {
	fs := newFlags(e, "rla audit handcount DIR --contest NAME [--file tally.csv | --reason TEXT]")
	contest := fs.String("contest", "", "the contest counted by hand")
	file := fs.String("file", "", "the tally CSV: choice,votes (without it, the official's decision to count the contest by hand is recorded)")
	reason := fs.String("reason", "", "why the official decides on a full manual tally (without --file)")
	by := byFlag(fs)
	a, err := openAudit(fs, args, "contest")
	if err != nil {
		return err
	}
	var st *rla.Status
	if *file == "" {
		st, err = a.CallHandCount(*contest, *reason, *by)
	} else {
		st, err = a.HandCount(*contest, *file, *by)
	}
	if err != nil {
		return err
	}
	printStatus(e.stdout, st)
	return nil
}

func auditReport(e *env, args []string) error {
	fs := newFlags(e, "rla audit report DIR [--format md|html|json]")
	format := fs.String("format", "md", "md, html or json")
	a, err := openAudit(fs, args)
	if err != nil {
		return err
	}
	rep, err := a.Report()
	if err != nil {
		return err
	}
	switch *format {
	case "md":
		return rep.Markdown(e.stdout)
	case "html":
		return rep.HTML(e.stdout)
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", " ")
		return enc.Encode(rep)
	}
	return usageErrorf("--format must be md, html or json")
}

func runVerify(e *env, args []string) error {
	fs := newFlags(e, "rla verify DIR")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	dir, err := oneDir(pos)
	if err != nil {
		return err
	}
	problems, err := rla.Verify(dir)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(e.stdout, "FAIL:", p)
		}
		return withCode(1, fmt.Errorf("%d problems found", len(problems)))
	}
	fmt.Fprintln(e.stdout, "OK: log chain intact, inputs unchanged, selection and risks re-derived and equal to the record.")
	return nil
}

// contestNames returns the status's contests in alphabetical order.
func contestNames(st *rla.Status) []string {
	names := make([]string, 0, len(st.Contests))
	for n := range st.Contests {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
