package rla

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/sample"
)

// Audit is a risk-limiting audit kept in a directory: its log, the
// committed inputs, and what follows from them.
type Audit struct {
	Dir      string
	log      *Log
	st       *state
	data     *Data
	contests []*contest
	// nums are the cards' sample numbers, once the seed is set
	// (comparison audits).
	nums []sample.SampleNumber
	// phase1 is a two-phase audit's first-phase data; after the second
	// phase's commitment data is the merged list (merged once the second
	// seed has placed the new cards).
	phase1 *Data
	merged bool
}

// InitOptions are the inputs and choices of a new audit.
type InitOptions struct {
	Manifest string
	CVRs     []string
	// Format is the CVR export format ("" or "auto" to detect).
	Format  string
	Results string
	Config  Config
	// AcceptInconsistencies lets the audit proceed although reconciliation
	// found inconsistencies (they stay recorded and are reported).
	AcceptInconsistencies bool
	// By names the person committing the inputs.
	By string
	// RAIRE maps a ranked-choice contest's name to the file of RAIRE
	// assertions (RAIRE's JSON output) that imply its winner.
	RAIRE map[string]string
	// BatchResults is a CSV of reported counts by batch (batch, contest,
	// choice, votes; see readBatchTallies): every batch's for a batch
	// comparison audit, the pooled batches' for a hybrid audit.
	BatchResults string
}

// ErrInconsistent is returned by Init when reconciliation finds
// inconsistencies that have not been accepted; the audit directory is
// written, with the inconsistencies recorded.
var ErrInconsistent = errors.New("the manifest, CVRs and reported results are inconsistent")

// logDir is the log's folder inside an audit directory.
func logDir(dir string) string { return filepath.Join(dir, "log") }

// Init commits the inputs of a new audit in dir: it copies the manifest,
// CVRs and results into the directory, records their SHA-256 digests,
// reconciles them and builds every contest's assertions. Running Init
// again on the same directory with the same inputs and
// AcceptInconsistencies records the acceptance.
func Init(dir string, o InitOptions) (*Audit, []cvr.Inconsistency, error) {
	cfg, err := o.Config.withDefaults()
	if err == nil {
		err = checkPending(o, cfg)
	}
	if err != nil {
		return nil, nil, err
	}
	if o.Manifest == "" || o.Results == "" {
		return nil, nil, errors.New("rla: a manifest and reported results are needed")
	}
	switch {
	case cfg.Method.cardLevel() && len(o.CVRs) == 0:
		return nil, nil, fmt.Errorf("rla: a %s audit needs the CVRs", cfg.Method)
	case (cfg.Method == Hybrid || cfg.Method == Batch) && o.BatchResults == "":
		return nil, nil, fmt.Errorf("rla: a %s audit needs the reported counts by batch (batch results)", cfg.Method)
	case cfg.Method != Hybrid && cfg.Method != Batch && o.BatchResults != "":
		return nil, nil, fmt.Errorf("rla: batch results are for hybrid and batch audits, not %s audits", cfg.Method)
	case cfg.Method == Batch && len(o.CVRs) > 0:
		return nil, nil, errors.New("rla: a batch comparison audit works from the batch results; give no CVRs")
	}
	if entries, err := os.ReadDir(logDir(dir)); err == nil && len(entries) > 0 {
		return reinit(dir, o)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("rla: %w", err)
	}
	// Copies left by an init that stopped before its commitment was
	// recorded are not part of any audit.
	if err := os.RemoveAll(filepath.Join(dir, "inputs")); err != nil {
		return nil, nil, fmt.Errorf("rla: %w", err)
	}
	var incons []cvr.Inconsistency
	var contests []*contest
	// What is audited is exactly what is committed: the copies' bytes.
	inputs, d, err := commitInputs(dir, o, cfg)
	if err == nil {
		// Reconcile before the phantoms are added: they are what
		// reconciliation finds missing.
		incons = d.reconcile()
		contests, err = prepare(d, cfg)
	}
	if err != nil {
		os.RemoveAll(filepath.Join(dir, "inputs"))
		return nil, nil, err
	}
	if incons == nil {
		incons = []cvr.Inconsistency{}
	}
	l, err := OpenLog(logDir(dir))
	if err != nil {
		return nil, nil, err
	}
	c := commitData{Config: cfg, committed: newCommitted(inputs, d, d.cvrCount(), contests, incons), Pooled: len(d.poolOf), Pending: d.Pending}
	if _, err := l.Append(kindCommit, o.By, c); err != nil {
		return nil, nil, err
	}
	if len(incons) > 0 && o.AcceptInconsistencies {
		if _, err := l.Append(kindAccept, o.By, acceptData{Inconsistencies: len(incons)}); err != nil {
			return nil, nil, err
		}
	}
	st, err := fold(l.Entries())
	if err != nil {
		return nil, nil, err
	}
	a := &Audit{Dir: dir, log: l, st: st, data: d, contests: contests}
	if len(incons) > 0 && !o.AcceptInconsistencies {
		return a, incons, fmt.Errorf("rla: %w: %d found and recorded; review them, then run init again with the same inputs and --accept-inconsistencies to proceed", ErrInconsistent, len(incons))
	}
	return a, incons, nil
}

// reinit handles Init on a directory that already holds an audit: with the
// same inputs it records the acceptance of their inconsistencies.
func reinit(dir string, o InitOptions) (*Audit, []cvr.Inconsistency, error) {
	a, err := Open(dir)
	if err != nil {
		return nil, nil, err
	}
	incons := a.st.commit.Inconsistencies
	if a.st.accepted {
		return a, incons, fmt.Errorf("rla: %s already holds an audit whose inputs are committed", dir)
	}
	// The inputs given now must be the committed ones.
	var given []string
	given = append(given, o.Manifest)
	given = append(given, o.CVRs...)
	given = append(given, o.Results)
	if o.BatchResults != "" {
		given = append(given, o.BatchResults)
	}
	for _, p := range given {
		if err := sameAsCommitted(p, a.st.commit.Inputs); err != nil {
			return a, incons, err
		}
	}
	if !o.AcceptInconsistencies {
		return a, incons, fmt.Errorf("rla: %w: %d recorded; run init again with --accept-inconsistencies to proceed", ErrInconsistent, len(incons))
	}
	if _, err := a.log.Append(kindAccept, o.By, acceptData{Inconsistencies: len(incons)}); err != nil {
		return nil, nil, err
	}
	a.st.accepted = true
	return a, incons, nil
}

// sameAsCommitted checks that the file (or every file of the folder) at p
// has the digest of a committed input.
func sameAsCommitted(p string, committed []InputFile) error {
	tmp, err := os.MkdirTemp("", "rla-check-")
	if err != nil {
		return fmt.Errorf("rla: %w", err)
	}
	defer os.RemoveAll(tmp)
	files, err := copyInput(tmp, "check", 0, p)
	if err != nil {
		return err
	}
	for _, f := range files {
		if !slices.ContainsFunc(committed, func(c InputFile) bool { return c.SHA256 == f.SHA256 }) {
			return fmt.Errorf("rla: %s differs from every committed input: an audit's inputs cannot change after commitment; start a new audit directory", f.Name)
		}
	}
	return nil
}

// loadCommitted reads the committed copies of the inputs. In a hybrid
// audit the batches with reported counts become pools.
func loadCommitted(dir string, inputs []InputFile, format string, cfg Config) (*Data, error) {
	manifests := inputPaths(dir, inputs, "manifest")
	results := inputPaths(dir, inputs, "results")
	if len(manifests) != 1 || len(results) != 1 {
		return nil, fmt.Errorf("rla: the commitment must hold one manifest and one results file")
	}
	d, err := loadData(manifests[0], inputPaths(dir, inputs, "cvr"), format, results[0], "")
	if err != nil {
		return nil, err
	}
	return d, d.finishCommitted(dir, inputs, cfg)
}

// finishCommitted completes committed data once the manifest, CVRs and
// results are read: the batch results, what the audit method makes of
// them, and the RAIRE assertions.
func (d *Data) finishCommitted(dir string, inputs []InputFile, cfg Config) error {
	batchResults := inputPaths(dir, inputs, "batch-results")
	if len(batchResults) > 1 {
		return fmt.Errorf("rla: the commitment must hold at most one batch results file")
	}
	if err := d.loadBatchResults(append(batchResults, "")[0]); err != nil {
		return err
	}
	switch cfg.Method {
	case Hybrid:
		if err := d.setPools(); err != nil {
			return err
		}
	case Comparison:
		// A comparison audit has no pools: cards the manifest marks as
		// without CVRs are missing CVRs like any other, reconciled as such
		// and audited as phantoms, never left out of the population.
		for i := range d.Manifest.Batches {
			if d.Manifest.Batches[i].CVRs == cvr.CVRNo {
				d.Manifest.Batches[i].CVRs = cvr.CVRUnknown
			}
		}
	}
	return d.loadRAIRE(dir, inputs)
}

// prepare completes the data for the audit: in a comparison audit the
// phantoms are added (with every contest under audit), and then the
// contests are built.
func prepare(d *Data, cfg Config) ([]*contest, error) {
	if cfg.Method.cardLevel() {
		// The contests are built twice: first to know which are audited,
		// then with the phantoms counted in their cards.
		contests, err := buildContests(d, cfg)
		if err != nil {
			return nil, err
		}
		d.addPhantoms(contests)
		d.addPooledCards()
		if cfg.Pending > 0 {
			d.addPendingSlots(contests, cfg.Pending)
		}
	}
	return buildContests(d, cfg)
}

// Open loads the audit in dir: it checks the log's chain and the committed
// inputs' digests, reads the inputs and replays the log.
func Open(dir string) (*Audit, error) {
	if _, err := os.Stat(logDir(dir)); err != nil {
		return nil, fmt.Errorf("rla: %s holds no audit (run rla audit init)", dir)
	}
	l, err := OpenLog(logDir(dir))
	if err != nil {
		return nil, err
	}
	if len(l.Entries()) == 0 {
		return nil, fmt.Errorf("rla: %s holds no audit (run rla audit init)", dir)
	}
	st, err := fold(l.Entries())
	if err != nil {
		return nil, err
	}
	for _, f := range st.commit.Inputs {
		if err := checkInput(dir, f); err != nil {
			return nil, err
		}
	}
	d, err := loadCommitted(dir, st.commit.Inputs, st.commit.Format, st.commit.Config)
	if err != nil {
		return nil, err
	}
	contests, err := prepare(d, st.commit.Config)
	if err != nil {
		return nil, err
	}
	a := &Audit{Dir: dir, log: l, st: st, data: d, contests: contests}
	if st.seed != nil && st.commit.Config.cardStyle() {
		a.nums = sample.SampleNumbers(st.seed.Seed, d.Cards.Len())
	}
	if st.seed2 != nil {
		if err := a.enterPhase2(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// enterPhase2 switches a two-phase audit to the second phase's data: the
// final inputs merged with the first phase's cards, in slot order before
// the second seed and in the seed's order after it.
func (a *Audit) enterPhase2() error {
	if a.phase1 == nil {
		a.phase1 = a.data
	}
	var seed2 *string
	if a.st.seed2 != nil {
		seed2 = &a.st.seed2.Seed
	}
	for _, f := range a.st.phase2.Inputs {
		if err := checkInput(a.Dir, f); err != nil {
			return err
		}
	}
	m, _, err := a.loadPhase2(a.st.phase2.Inputs, a.st.phase2.Format, seed2)
	if err != nil {
		return err
	}
	contests, err := buildContests(m, a.Config())
	if err != nil {
		return err
	}
	a.data, a.contests, a.merged = m, contests, seed2 != nil
	return nil
}

// Config returns the audit's configuration.
func (a *Audit) Config() Config { return a.st.commit.Config }

// Head returns the SHA-256 of the last log entry, which pins the audit's
// whole history; publish it with the report.
func (a *Audit) Head() string { return a.log.Head() }

// Inconsistencies returns those reconciliation found at commitment.
func (a *Audit) Inconsistencies() []cvr.Inconsistency { return a.st.commit.Inconsistencies }

// now is the log's clock, for entries' times.
func (a *Audit) now() time.Time { return a.log.now() }
