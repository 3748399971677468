package rla

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
)

// InputFile is one committed input file: where the audit keeps its copy and
// the SHA-256 of its bytes, recorded before the seed is chosen so that no one
// can change the inputs after seeing which cards will be drawn.
type InputFile struct {
	// Role is "manifest", "cvr" or "results".
	Role string `json:"role"`
	// Name is the file's name as given to the audit (for the report).
	Name string `json:"name"`
	// Path is the copy's path inside the audit directory.
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	// Contest names the contest of a RAIRE assertions file (role "raire").
	Contest string `json:"contest,omitempty"`
}

// copyInput copies the file at src into the audit directory's inputs
// folder under a name made unique by its index, syncing it to disk, and
// returns its record. A folder is copied file by file (a CVR export may be a
// folder of many files), each recorded separately.
func copyInput(dir, role string, index int, src string) ([]InputFile, error) {
	specs, err := inputCopies(role, index, src)
	if err != nil {
		return nil, err
	}
	var out []InputFile
	for _, sp := range specs {
		in, err := copyOne(dir, role, sp.src, sp.rel)
		if err != nil {
			return nil, err
		}
		in.Name = sp.name
		out = append(out, in)
	}
	return out, nil
}

// inputCopy is one file copyInput copies: from src to rel in the audit
// directory, recorded under name.
type inputCopy struct{ src, rel, name string }

// inputCopies lists the files copyInput copies for src, in order.
func inputCopies(role string, index int, src string) ([]inputCopy, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("rla: %s input: %w", role, err)
	}
	if !st.IsDir() {
		rel := filepath.Join("inputs", fmt.Sprintf("%s-%d-%s", role, index, filepath.Base(src)))
		return []inputCopy{{src, rel, filepath.Base(src)}}, nil
	}
	var files []string
	err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rla: %s input: %w", role, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("rla: %s input %s: empty folder", role, src)
	}
	sort.Strings(files)
	out := make([]inputCopy, len(files))
	for i, f := range files {
		rel, _ := filepath.Rel(src, f)
		out[i] = inputCopy{f, filepath.Join("inputs", fmt.Sprintf("%s-%d", role, index), rel), filepath.Join(filepath.Base(src), rel)}
	}
	return out, nil
}

// commitInputs copies the inputs of a new audit into dir and reads the
// copies: what Init commits. The CVR files are read while they are copied
// (see copier), when that is sure to give what reading the copies would:
// the manifest has been read, and no CVR file is a .zip archive (whose
// members cvr.OpenFiles lists from the copy), and there are few CVR
// files (see maxCopiedWhileRead). Otherwise every input is
// copied first and the copies read, as before. Either way the errors are
// the same, in the same order: copying errors (manifest, CVRs, results,
// RAIRE assertions), then reading errors.
func commitInputs(dir string, o InitOptions, cfg Config) ([]InputFile, *Data, error) {
	var inputs []InputFile
	add := func(role string, i int, path string) error {
		f, err := copyInput(dir, role, i, path)
		inputs = append(inputs, f...)
		return err
	}
	if err := add("manifest", 0, o.Manifest); err != nil {
		return nil, nil, err
	}
	var d *Data
	var cvrCopies []inputCopy
	together := len(inputs) == 1 && len(o.CVRs) > 0
	for i, p := range o.CVRs {
		if !together {
			break
		}
		specs, err := inputCopies("cvr", i, p)
		for _, sp := range specs {
			together = together && !strings.EqualFold(filepath.Ext(sp.rel), ".zip")
		}
		together = together && err == nil
		cvrCopies = append(cvrCopies, specs...)
	}
	// Every file read while copied has its copy under way from the start,
	// holding up to copyChunks chunks until the reader reaches it: a few
	// big files (the usual CSV export) are worth it, a folder of
	// thousands of small ones (JSON, XML) is copied first, as before.
	together = together && len(cvrCopies) <= maxCopiedWhileRead
	if together {
		var err error
		d, err = readManifestData(filepath.Join(dir, filepath.FromSlash(inputs[0].Path)))
		together = err == nil
	}
	if !together {
		for i, p := range o.CVRs {
			if err := add("cvr", i, p); err != nil {
				return nil, nil, err
			}
		}
		if err := addLater(dir, o, &inputs); err != nil {
			return nil, nil, err
		}
		d, err := loadCommitted(dir, inputs, o.Format, cfg)
		return inputs, d, err
	}

	// Start every copy, then read.
	var copiers []*copier
	var files []cvr.File
	var copyErr error
	for _, sp := range cvrCopies {
		c, err := startCopy(dir, "cvr", sp.src, sp.rel)
		if err != nil {
			copyErr = err
			break
		}
		copiers = append(copiers, c)
		files = append(files, cvr.File{Name: filepath.Join(dir, sp.rel), Open: c.open})
	}
	var readErr error
	if copyErr == nil {
		cvr.SortFiles(files) // as cvr.OpenFiles would list the copies
		f, seq, err := cvr.ReadFiles(d.Election, o.Format, cvr.Options{}, files)
		if err == nil {
			err = d.readCards(f, seq)
		}
		readErr = err
	}
	// Copying errors come first, in the order of the files.
	for k, c := range copiers {
		in, err := c.finish()
		if err != nil {
			for _, rest := range copiers[k+1:] {
				rest.abandon()
			}
			return nil, nil, err
		}
		in.Name = cvrCopies[k].name
		inputs = append(inputs, in)
	}
	if copyErr != nil {
		return nil, nil, copyErr
	}
	if err := addLater(dir, o, &inputs); err != nil {
		return nil, nil, err
	}
	if results := inputPaths(dir, inputs, "results"); len(results) != 1 {
		return nil, nil, fmt.Errorf("rla: the commitment must hold one manifest and one results file")
	} else if readErr != nil {
		return nil, nil, readErr
	} else if err := d.finishLoad(results[0], true); err != nil {
		return nil, nil, err
	}
	if err := d.finishCommitted(dir, inputs, cfg); err != nil {
		return nil, nil, err
	}
	return inputs, d, nil
}

// maxCopiedWhileRead is the most CVR files commitInputs reads while
// copying them.
const maxCopiedWhileRead = 16

// addLater copies the inputs that follow the CVRs: the results, the
// batch results, then the RAIRE assertions by contest name.
func addLater(dir string, o InitOptions, inputs *[]InputFile) error {
	f, err := copyInput(dir, "results", 0, o.Results)
	*inputs = append(*inputs, f...)
	if err != nil {
		return err
	}
	if o.BatchResults != "" {
		f, err := copyInput(dir, "batch-results", 0, o.BatchResults)
		*inputs = append(*inputs, f...)
		if err != nil {
			return err
		}
	}
	contestNames := make([]string, 0, len(o.RAIRE))
	for name := range o.RAIRE {
		contestNames = append(contestNames, name)
	}
	slices.Sort(contestNames)
	for i, name := range contestNames {
		f, err := copyInput(dir, "raire", i, o.RAIRE[name])
		for k := range f {
			f[k].Contest = name
		}
		*inputs = append(*inputs, f...)
		if err != nil {
			return err
		}
	}
	return nil
}

func copyOne(dir, role, src, rel string) (InputFile, error) {
	c, err := startCopy(dir, role, src, rel)
	if err != nil {
		return InputFile{}, err
	}
	return c.finish()
}

// checkInput re-hashes a committed input's copy and reports whether it
// still has its recorded digest.
func checkInput(dir string, f InputFile) error {
	in, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
	if err != nil {
		return fmt.Errorf("rla: committed %s input %s: %w", f.Role, f.Name, err)
	}
	defer in.Close()
	h := sha256.New()
	if _, err := io.Copy(h, in); err != nil {
		return fmt.Errorf("rla: committed %s input %s: %w", f.Role, f.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return fmt.Errorf("rla: committed %s input %s: %w: its SHA-256 is now %s, committed as %s", f.Role, f.Name, ErrTampered, got, f.SHA256)
	}
	return nil
}

// inputPaths returns the audit-directory paths of the committed inputs with
// the given role.
func inputPaths(dir string, files []InputFile, role string) []string {
	var out []string
	for _, f := range files {
		if f.Role == role {
			out = append(out, filepath.Join(dir, filepath.FromSlash(f.Path)))
		}
	}
	return out
}

// Data is an election's data as an audit uses it: the manifest, the CVRs
// with a phantom for every card the manifest has and the CVRs lack, the CVR
// tally and the reported results.
type Data struct {
	Election *cvr.Election
	Manifest *cvr.Manifest
	// Cards holds the CVRs in the order read, then the phantoms.
	Cards    *cvr.Cards
	Phantoms int
	Tally    *cvr.Tally
	Results  *cvr.Results
	Format   string
	// RAIRE holds the RAIRE assertions of ranked-choice contests.
	RAIRE map[cvr.ContestIndex][]margin.RAIREAssertion
	// BatchTallies are the reported counts by batch (--batch-results): every
	// batch's in a batch comparison audit, the pools' in a hybrid audit.
	BatchTallies batchTallies
	// Pools are a hybrid audit's ONEAudit pools; their cards follow the
	// phantoms in Cards, from poolStart on, poolOf giving each one's pool.
	Pools     []*pool
	poolStart int
	poolOf    []int32
	// Pending counts a two-phase audit's pending slots, which follow the
	// phantoms from pendingStart on.
	Pending      int
	pendingStart int
	// After the second phase: each contest's cards counted on the merged
	// list, the cards placed in slots, the slots left unused, and the CVRs
	// of first-phase phantoms left out.
	contestCards               map[cvr.ContestIndex]int64
	newCards, unused, lateCVRs int
}

// loadData reads committed (or to-be-committed) inputs; batchResults may
// be "".
func loadData(manifest string, cvrs []string, format string, results, batchResults string) (*Data, error) {
	d, err := readManifestData(manifest)
	if err != nil {
		return nil, err
	}
	if len(cvrs) > 0 {
		f, seq, err := cvr.Read(d.Election, format, cvr.Options{}, cvrs...)
		if err != nil {
			return nil, err
		}
		if err := d.readCards(f, seq); err != nil {
			return nil, err
		}
	} else {
		d.Cards = &cvr.Cards{}
	}
	if err := d.finishLoad(results, len(cvrs) > 0); err != nil {
		return nil, err
	}
	return d, d.loadBatchResults(batchResults)
}

// loadBatchResults reads the reported counts by batch, if path is not "".
func (d *Data) loadBatchResults(path string) error {
	if path == "" {
		return nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("rla: batch results: %w", err)
	}
	d.BatchTallies, err = readBatchTallies(raw, filepath.Base(path), d.Manifest, d.Election)
	return err
}

// readManifestData starts loadData: the manifest.
func readManifestData(manifest string) (*Data, error) {
	d := &Data{Election: &cvr.Election{}}
	var err error
	if d.Manifest, err = cvr.ReadManifestFile(manifest); err != nil {
		return nil, err
	}
	return d, nil
}

// readCards stores and tabulates the CVRs of format f read by seq. The
// cards are counted as they are stored, while the parser's later cards
// are still being read, rather than in a second pass over 16 million
// stored cards once all are read (4 seconds on one core). The tally is
// cvr.Tabulate's over the same cards in the same order, and a read error
// is returned as cvr.ReadAll returns it.
func (d *Data) readCards(f cvr.Format, seq iter.Seq2[cvr.Card, error]) error {
	d.Format = f.Name
	cards := &cvr.Cards{}
	tally, err := cvr.Tabulate(d.Election, func(yield func(cvr.Card, error) bool) {
		for c, err := range seq {
			if err != nil {
				yield(cvr.Card{}, err)
				return
			}
			cards.Append(&c)
			if !yield(c, nil) {
				return
			}
		}
	})
	cards.Trim()
	d.Cards, d.Tally = cards, tally
	return err
}

// finishLoad ends loadData once the manifest and any CVRs are read: the
// reported results, and the tally if the CVRs did not give it.
func (d *Data) finishLoad(results string, haveCVRs bool) error {
	if results != "" {
		f, err := os.Open(results)
		if err != nil {
			return fmt.Errorf("rla: results: %w", err)
		}
		defer f.Close()
		if d.Results, err = cvr.ReadResults(f, filepath.Base(results)); err != nil {
			return err
		}
	}
	if !haveCVRs && d.Results != nil {
		// A polling audit without CVRs takes its contests from the results;
		// each is vote-for-1, as no contest definition says otherwise.
		for _, r := range d.Results.Rows {
			ci, err := d.Election.AddContest(cvr.Contest{ID: r.Contest, Name: r.Contest, VoteFor: 1})
			if err != nil {
				return fmt.Errorf("rla: results %s: %w", r.Where, err)
			}
			if _, err := d.Election.AddChoice(ci, cvr.Choice{ID: r.Choice, Name: r.Choice}); err != nil {
				return fmt.Errorf("rla: results %s: %w", r.Where, err)
			}
		}
	}
	if d.Tally != nil { // counted as the CVRs were read
		return nil
	}
	var err error
	d.Tally, err = cvr.Tabulate(d.Election, d.Cards.All())
	return err
}

// addPhantoms appends the phantom cards after the CVRs. A phantom may
// have held any contest, so it is given every contest under audit, with no
// selections: it then counts for every contest, as the worst case.
func (d *Data) addPhantoms(contests []*contest) {
	ph := cvr.Phantoms(d.Manifest, d.Cards)
	for i := range ph {
		for _, c := range contests {
			ph[i].Votes.Begin(c.index, 0)
		}
		d.Cards.Append(&ph[i])
	}
	d.Phantoms = len(ph)
}

// cvrCount is the number of cards with their own CVRs.
func (d *Data) cvrCount() int { return d.Cards.Len() - d.Phantoms - len(d.poolOf) - d.Pending }

// contestByName finds a contest by name or ID, ignoring case.
func (d *Data) contestByName(name string) (cvr.ContestIndex, bool) {
	return contestIndex(d.Election, name)
}

// reconcile finds the inconsistencies among the manifest, the CVRs and the
// reported results (cvr.Reconcile). Without CVRs (a polling audit) only the
// results can be checked against the manifest: no contest can have more
// votes than its vote-for times the manifest's cards.
func (d *Data) reconcile() []cvr.Inconsistency {
	if d.Cards.Len() > 0 || len(d.Pools) > 0 {
		// A hybrid audit's results hold the pools' votes too.
		in := cvr.Reconcile(d.Manifest, d.Cards, d.pooledTally(), d.Results)
		return append(append([]cvr.Inconsistency{}, in...), d.poolInconsistencies()...)
	}
	if d.BatchTallies != nil {
		return d.reconcileBatches()
	}
	out := []cvr.Inconsistency{}
	cards := d.Manifest.Cards()
	votes := map[string]int64{}
	var order []string
	for _, r := range d.Results.Rows {
		if _, seen := votes[r.Contest]; !seen {
			order = append(order, r.Contest)
		}
		votes[r.Contest] += r.Votes
	}
	for _, name := range order {
		ci, _ := d.contestByName(name)
		limit := cards * int64(d.Election.Contest(ci).VoteFor)
		if votes[name] > limit {
			out = append(out, cvr.Inconsistency{Kind: "results-exceed-manifest", Contest: name, Expected: limit, Found: votes[name],
				Cause: "the reported results hold more votes than the manifest's cards allow: cards missing from the manifest, or results misreported"})
		}
	}
	return out
}

// loadRAIRE reads the committed RAIRE assertion files of ranked contests.
func (d *Data) loadRAIRE(dir string, inputs []InputFile) error {
	for _, f := range inputs {
		if f.Role != "raire" {
			continue
		}
		ci, ok := d.contestByName(f.Contest)
		if !ok {
			return fmt.Errorf("rla: RAIRE assertions %s: no contest named %q in the CVRs", f.Name, f.Contest)
		}
		in, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return fmt.Errorf("rla: %w", err)
		}
		as, err := margin.ReadRAIREJSON(in, f.Name)
		in.Close()
		if err != nil {
			return err
		}
		if d.RAIRE == nil {
			d.RAIRE = map[cvr.ContestIndex][]margin.RAIREAssertion{}
		}
		d.RAIRE[ci] = append(d.RAIRE[ci], as...)
	}
	return nil
}
