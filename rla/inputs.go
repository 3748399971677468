package rla

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

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
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("rla: %s input: %w", role, err)
	}
	if st.IsDir() {
		var files []string
		err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("rla: %s input: %w", role, err)
		}
		sort.Strings(files)
		var out []InputFile
		for _, f := range files {
			rel, _ := filepath.Rel(src, f)
			dst := filepath.Join("inputs", fmt.Sprintf("%s-%d", role, index), rel)
			in, err := copyOne(dir, role, f, dst)
			if err != nil {
				return nil, err
			}
			in.Name = filepath.Join(filepath.Base(src), rel)
			out = append(out, in)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("rla: %s input %s: empty folder", role, src)
		}
		return out, nil
	}
	dst := filepath.Join("inputs", fmt.Sprintf("%s-%d-%s", role, index, filepath.Base(src)))
	in, err := copyOne(dir, role, src, dst)
	if err != nil {
		return nil, err
	}
	return []InputFile{in}, nil
}

func copyOne(dir, role, src, rel string) (_ InputFile, err error) {
	in, err := os.Open(src)
	if err != nil {
		return InputFile{}, fmt.Errorf("rla: %s input: %w", role, err)
	}
	defer in.Close()
	dst := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return InputFile{}, fmt.Errorf("rla: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), tempPrefix+"copy-*")
	if err != nil {
		return InputFile{}, fmt.Errorf("rla: %w", err)
	}
	defer func() {
		if _, crashed := err.(errCrash); !crashed {
			os.Remove(tmp.Name()) // a no-op after the rename
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && crashHook != nil {
		if cerr := crashHook("copy-before-rename"); cerr != nil {
			return InputFile{}, leave(cerr)
		}
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err == nil {
		err = syncDir(filepath.Dir(dst))
	}
	if err != nil {
		return InputFile{}, fmt.Errorf("rla: copying %s input %s: %w", role, src, err)
	}
	return InputFile{Role: role, Name: filepath.Base(src), Path: filepath.ToSlash(rel), SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
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
	d := &Data{Election: &cvr.Election{}}
	var err error
	if d.Manifest, err = cvr.ReadManifestFile(manifest); err != nil {
		return nil, err
	}
	if len(cvrs) > 0 {
		f, seq, err := cvr.Read(d.Election, format, cvr.Options{}, cvrs...)
		if err != nil {
			return nil, err
		}
		d.Format = f.Name
		if d.Cards, err = cvr.ReadAll(seq); err != nil {
			return nil, err
		}
	} else {
		d.Cards = &cvr.Cards{}
	}
	if results != "" {
		f, err := os.Open(results)
		if err != nil {
			return nil, fmt.Errorf("rla: results: %w", err)
		}
		defer f.Close()
		if d.Results, err = cvr.ReadResults(f, filepath.Base(results)); err != nil {
			return nil, err
		}
	}
	if len(cvrs) == 0 && d.Results != nil {
		// A polling audit without CVRs takes its contests from the results;
		// each is vote-for-1, as no contest definition says otherwise.
		for _, r := range d.Results.Rows {
			ci, err := d.Election.AddContest(cvr.Contest{ID: r.Contest, Name: r.Contest, VoteFor: 1})
			if err != nil {
				return nil, fmt.Errorf("rla: results %s: %w", r.Where, err)
			}
			if _, err := d.Election.AddChoice(ci, cvr.Choice{ID: r.Choice, Name: r.Choice}); err != nil {
				return nil, fmt.Errorf("rla: results %s: %w", r.Where, err)
			}
		}
	}
	if d.Tally, err = cvr.Tabulate(d.Election, d.Cards.All()); err != nil {
		return nil, err
	}
	if batchResults != "" {
		raw, err := os.ReadFile(batchResults)
		if err != nil {
			return nil, fmt.Errorf("rla: batch results: %w", err)
		}
		if d.BatchTallies, err = readBatchTallies(raw, filepath.Base(batchResults), d.Manifest, d.Election); err != nil {
			return nil, err
		}
	}
	return d, nil
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
