package rla

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/sample"
)

// batchCounts returns the synthetic election's batch tally CSV of the
// batches keep accepts: the CVRs' counts, or the paper's (a hand count).
func batchCounts(t testing.TB, s *cvr.Synth, paper bool, keep func(cvr.BatchKey) bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := s.WriteBatchTallies(&b, paper, keep); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dropBatches rewrites a Dominion CSV export without the rows of the
// batches drop accepts (their cards then have no CVRs).
func dropBatches(t testing.TB, path string, drop func(cvr.BatchKey) bool) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if line > 4 && drop(cvr.BatchKey{Tabulator: rec[1], Batch: rec[2]}) {
			continue
		}
		w.Write(rec)
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pooledIDs maps a pooled card's id in the audit (batch#position) to the
// synthetic card's own id, so tests can look up its paper.
func pooledIDs(s *cvr.Synth) map[string]string {
	out := map[string]string{}
	for c := range s.All() {
		out[c.CVR.Batch.String()+"#"+strconv.Itoa(c.CVR.Position)] = c.CVR.ID
	}
	return out
}

// driveAudit runs rounds until no contest escalates, recording with
// record, and returns the final status.
func driveAudit(t testing.TB, a *Audit, record func([]DrawRecord) string) *Status {
	t.Helper()
	for round := 1; round <= 10; round++ {
		draws, err := a.Draw("Test Clerk")
		if err != nil {
			t.Fatal(err)
		}
		var st *Status
		if slices.ContainsFunc(draws, func(d DrawRecord) bool { return !d.Phantom && d.Round == round }) {
			st, err = a.Record(record(draws), "Board A")
		} else {
			st, err = a.Status() // nothing to examine this round
		}
		if err != nil {
			t.Fatal(err)
		}
		escalate := false
		for _, c := range st.Contests {
			if !c.Opportunistic && c.State == StateEscalate {
				escalate = true
			}
			if !c.Opportunistic && c.State == StateInProgress {
				t.Fatalf("round %d: contest in progress after every drawn unit was recorded: %+v (awaiting %v)", round, c, st.Awaiting)
			}
		}
		if !escalate {
			return st
		}
		if _, err := a.NextRound("Test Clerk"); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("audit did not finish in 10 rounds")
	return nil
}

// hybridElection makes a synthetic election in which every third batch
// has no CVRs, only reported counts, and returns its init options.
func hybridElection(t *testing.T, work string, cfg cvr.SynthConfig) (*cvr.Synth, InitOptions) {
	s, o := synthElection(t, work, cfg)
	pooled := func(k cvr.BatchKey) bool {
		tab, _ := strconv.Atoi(k.Tabulator)
		return tab%3 == 1
	}
	dropBatches(t, o.CVRs[0], pooled)
	o.BatchResults = filepath.Join(work, "pools.csv")
	if err := os.WriteFile(o.BatchResults, batchCounts(t, s, false, pooled), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Config.Method = Hybrid
	return s, o
}

func TestHybridAuditConfirmsCorrectOutcome(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(20000, 11)
	cfg.BatchSize = 100
	cfg.Tabulators = 6
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2},
		{Name: "Measure A", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3, Coverage: 0.6},
	}
	cfg.Errors = cvr.SplitSynthErrors(0.001)
	s, o := hybridElection(t, work, cfg)
	dir := filepath.Join(work, "audit")
	a, incons, err := Init(dir, o)
	if err != nil {
		t.Fatalf("init: %v (%v)", err, incons)
	}
	if a.st.commit.Pooled == 0 || a.st.commit.Pooled%100 != 0 {
		t.Fatalf("%d pooled cards; want whole batches of 100", a.st.commit.Pooled)
	}
	if err := a.SetSeed("12345678901234567890", "", "Test Clerk"); err != nil {
		t.Fatal(err)
	}
	ids := pooledIDs(s)
	pooledDrawn := 0
	st := driveAudit(t, a, func(draws []DrawRecord) string {
		for _, d := range draws {
			if strings.Contains(d.CardID, "#") {
				pooledDrawn++
			}
		}
		return interpretMapped(t, s, a, draws, filepath.Join(work, "interp.csv"), ids)
	})
	for name, c := range st.Contests {
		if c.State != StateConfirmed {
			t.Errorf("%s: %s at risk %g", name, c.State, c.Risk)
		}
	}
	if pooledDrawn == 0 {
		t.Error("no pooled card was drawn; the test does not exercise the pools")
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", err, problems)
	}
	var md bytes.Buffer
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "ONEAudit") || !strings.Contains(md.String(), "pooled batch") {
		t.Error("the report does not describe the pools")
	}
}

func TestHybridAuditWrongOutcome(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(4000, 5)
	cfg.BatchSize = 50
	cfg.Tabulators = 6
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2}}
	cfg.WrongOutcome = true
	s, o := hybridElection(t, work, cfg)
	a, incons, err := Init(filepath.Join(work, "audit"), o)
	if err != nil {
		t.Fatalf("init: %v (%v)", err, incons)
	}
	if err := a.SetSeed("98765432109876543210", "", "Test Clerk"); err != nil {
		t.Fatal(err)
	}
	ids := pooledIDs(s)
	st := driveAudit(t, a, func(draws []DrawRecord) string {
		return interpretMapped(t, s, a, draws, filepath.Join(work, "interp.csv"), ids)
	})
	if c := st.Contests["Mayor"]; c.State != StateFullHandCount || c.CardsExamined == 0 {
		t.Fatalf("wrong outcome: state %s at risk %g after %d examined; want a full hand count after a sample", c.State, c.Risk, c.CardsExamined)
	}
}

func TestHybridInputErrors(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(2000, 3)
	cfg.Tabulators = 6
	cfg.BatchSize = 100
	s, o := hybridElection(t, work, cfg)
	// A batch with CVRs cannot also be a pool.
	all := filepath.Join(work, "all.csv")
	if err := os.WriteFile(all, batchCounts(t, s, false, func(cvr.BatchKey) bool { return true }), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := o
	bad.BatchResults = all
	if _, _, err := Init(filepath.Join(work, "a1"), bad); err == nil || !strings.Contains(err.Error(), "either compared card by card or pooled") {
		t.Errorf("pool with CVRs: %v", err)
	}
	// Without the pools' counts, their votes are missing from the tally.
	bad = o
	bad.BatchResults = ""
	if _, _, err := Init(filepath.Join(work, "a2"), bad); err == nil || !strings.Contains(err.Error(), "batch results") {
		t.Errorf("hybrid without batch results: %v", err)
	}
	// The same pools in a plain comparison audit are phantoms, and
	// reconciliation reports the votes the CVRs lack.
	bad = o
	bad.BatchResults, bad.Config.Method = "", Comparison
	_, incons, err := Init(filepath.Join(work, "a3"), bad)
	if !errors.Is(err, ErrInconsistent) || len(incons) == 0 {
		t.Errorf("comparison audit of an election with uncounted batches: %v %v", err, incons)
	}
}

// batchElection makes a synthetic election for a batch comparison audit:
// the manifest, the results, and every batch's reported counts; no CVRs.
func batchElection(t *testing.T, work string, cfg cvr.SynthConfig) (*cvr.Synth, InitOptions) {
	s, o := synthElection(t, work, cfg)
	o.CVRs = nil
	o.BatchResults = filepath.Join(work, "batches.csv")
	if err := os.WriteFile(o.BatchResults, batchCounts(t, s, false, func(cvr.BatchKey) bool { return true }), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Config.Method = Batch
	return s, o
}

// countBatches writes the hand counts of the drawn batches, from paper.
func countBatches(t testing.TB, s *cvr.Synth, draws []DrawRecord, path string) string {
	drawn := map[cvr.BatchKey]bool{}
	for _, d := range draws {
		drawn[cvr.BatchKey{Tabulator: d.Tabulator, Batch: d.Batch}] = true
	}
	if err := os.WriteFile(path, batchCounts(t, s, true, func(k cvr.BatchKey) bool { return drawn[k] }), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBatchAuditConfirmsCorrectOutcome(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(50000, 21)
	cfg.BatchSize = 25
	cfg.Contests = []cvr.SynthContest{
		{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.3},
		{Name: "Measure A", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.4},
	}
	cfg.Errors = cvr.SplitSynthErrors(0.001)
	s, o := batchElection(t, work, cfg)
	dir := filepath.Join(work, "audit")
	a, incons, err := Init(dir, o)
	if err != nil {
		t.Fatalf("init: %v (%v)", err, incons)
	}
	if err := a.SetSeed("11111222223333344444", "", "Test Clerk"); err != nil {
		t.Fatal(err)
	}
	st := driveAudit(t, a, func(draws []DrawRecord) string {
		return countBatches(t, s, draws, filepath.Join(work, "counts.csv"))
	})
	for name, c := range st.Contests {
		if c.State != StateConfirmed {
			t.Errorf("%s: %s at risk %g", name, c.State, c.Risk)
		}
	}
	if problems, err := Verify(dir); err != nil || len(problems) > 0 {
		t.Fatalf("verify: %v %v", err, problems)
	}
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Examined) == 0 || r.Examined[0].Counted == nil || r.Examined[0].Reported == nil {
		t.Fatalf("the report lacks the batches' counts: %+v", r.Examined[:min(1, len(r.Examined))])
	}
	var html bytes.Buffer
	if err := r.HTML(&html); err != nil {
		t.Fatal(err)
	}
	if want := countsText(r.Examined[0].Reported); !strings.Contains(html.String(), want) {
		t.Errorf("the HTML report lacks the first batch's reported counts %q", want)
	}
}

func TestBatchAuditWrongOutcome(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(20000, 8)
	cfg.BatchSize = 20
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.2}}
	cfg.WrongOutcome = true
	s, o := batchElection(t, work, cfg)
	a, incons, err := Init(filepath.Join(work, "audit"), o)
	if err != nil {
		t.Fatalf("init: %v (%v)", err, incons)
	}
	if err := a.SetSeed("55555666667777788888", "", "Test Clerk"); err != nil {
		t.Fatal(err)
	}
	st := driveAudit(t, a, func(draws []DrawRecord) string {
		return countBatches(t, s, draws, filepath.Join(work, "counts.csv"))
	})
	if c := st.Contests["Mayor"]; c.State != StateFullHandCount || c.CardsExamined == 0 {
		t.Fatalf("wrong outcome: state %s at risk %g after %d examined; want a full hand count after a sample", c.State, c.Risk, c.CardsExamined)
	}
}

func sampleBatch(tab, name string, cards int) sample.Batch {
	return sample.Batch{Tabulator: tab, Name: name, Cards: cards}
}

func TestReadBatchTallies(t *testing.T) {
	m := &cvr.Manifest{Tabulators: true, Batches: []cvr.ManifestBatch{
		{Batch: sampleBatch("1", "A", 10)}, {Batch: sampleBatch("2", "A", 10)}, {Batch: sampleBatch("2", "B", 5)},
	}}
	e := &cvr.Election{}
	ci, _ := e.AddContest(cvr.Contest{ID: "Mayor", Name: "Mayor", VoteFor: 1})
	e.AddChoice(ci, cvr.Choice{ID: "Alice", Name: "Alice"})
	e.AddChoice(ci, cvr.Choice{ID: "Bob", Name: "Bob"})
	good := "tabulator,batch,contest,choice,votes\n1,A,Mayor,Alice,6\n1,A,mayor,BOB,3\n02,B,Mayor,Alice,\"1,0\"\n"
	ts, err := readBatchTallies([]byte(strings.Replace(good, "\"1,0\"", "4", 1)), "b.csv", m, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Batch != 0 || ts[1].Batch != 2 || !slices.Equal(ts[0].Votes[ci], []int64{6, 3}) || !slices.Equal(ts[1].Votes[ci], []int64{4, 0}) {
		t.Fatalf("got %+v %+v", ts[0], ts[1])
	}
	for _, tc := range []struct{ name, in, want string }{
		{"no header", "", "line 1"},
		{"missing column", "batch,contest,choice\n", `no "votes" column`},
		{"unknown batch", "tabulator,batch,contest,choice,votes\n9,A,Mayor,Alice,1\n", "line 2: bad batch tally file: batch \"9/A\" is not in the ballot manifest"},
		{"ambiguous", "batch,contest,choice,votes\nA,Mayor,Alice,1\n", "names 2 batches"},
		{"unknown contest", "tabulator,batch,contest,choice,votes\n1,A,Sheriff,Alice,1\n", `no contest named "Sheriff"`},
		{"unknown choice", "tabulator,batch,contest,choice,votes\n1,A,Mayor,Carol,1\n", `no choice "Carol"`},
		{"bad votes", "tabulator,batch,contest,choice,votes\n1,A,Mayor,Alice,-1\n", `field "votes" is "-1"`},
		{"twice", "tabulator,batch,contest,choice,votes\n1,A,Mayor,Alice,1\n1,A,Mayor,Alice,2\n", "line 3: bad batch tally file: batch \"1/A\", contest \"Mayor\", choice \"Alice\" listed twice"},
		{"not found with votes", "tabulator,batch,contest,choice,votes,found\n1,A,Mayor,Alice,1,no\n", "marked not found but has votes"},
		{"bad found", "tabulator,batch,contest,choice,votes,found\n1,A,Mayor,Alice,1,maybe\n", `field "found" is "maybe"`},
		{"no rows", "tabulator,batch,contest,choice,votes\n", "no rows"},
	} {
		_, err := readBatchTallies([]byte(tc.in), "b.csv", m, e)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrBatchTally) {
			t.Errorf("%s: got %v, want an ErrBatchTally containing %q", tc.name, err, tc.want)
		}
	}
}

// TestBatchDoubleEntry: with double entry a batch's count counts once two
// people's counts agree; disagreeing counts are listed as conflicts.
func TestBatchDoubleEntry(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(20000, 21)
	cfg.BatchSize = 25
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.4}}
	s, o := batchElection(t, work, cfg)
	o.Config.DoubleEntry = true
	a, _, err := Init(filepath.Join(work, "audit"), o)
	if err != nil {
		t.Fatal(err)
	}
	a.SetSeed("11111222223333344444", "", "Clerk")
	draws, err := a.Draw("Clerk")
	if err != nil {
		t.Fatal(err)
	}
	counts := countBatches(t, s, draws, filepath.Join(work, "counts.csv"))
	st, err := a.Record(counts, "Board A")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Awaiting) == 0 || st.Contests["Mayor"].CardsExamined != 0 {
		t.Fatalf("one entry counted under double entry: %+v", st.Contests["Mayor"])
	}
	// A second person's count that differs in one batch.
	raw, _ := os.ReadFile(counts)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	f := strings.Split(lines[1], ",")
	n, _ := strconv.Atoi(f[4])
	if n > 0 {
		n-- // one vote fewer
	} else {
		n++
	}
	f[4] = strconv.Itoa(n)
	lines[1] = strings.Join(f, ",")
	other := filepath.Join(work, "other.csv")
	os.WriteFile(other, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if st, err = a.Record(other, "Board B"); err != nil {
		t.Fatal(err)
	}
	if len(st.Conflicts) != 1 || !strings.HasSuffix(st.Conflicts[0].CardID, f[0]+"/"+f[1]) {
		t.Fatalf("conflicts %+v, want the batch %s/%s", st.Conflicts, f[0], f[1])
	}
	if len(st.Awaiting) != 1 {
		t.Fatalf("awaiting %v, want only the disputed batch", st.Awaiting)
	}
	// Board B corrects its count: now the two agree.
	if st, err = a.Record(counts, "Board B"); err != nil {
		t.Fatal(err)
	}
	if len(st.Conflicts) != 0 || len(st.Awaiting) != 0 || st.Contests["Mayor"].State != StateConfirmed {
		t.Fatalf("after the correction: conflicts %v, awaiting %v, %+v", st.Conflicts, st.Awaiting, st.Contests["Mayor"])
	}
}
