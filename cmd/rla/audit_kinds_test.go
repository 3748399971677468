package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// readCSV reads a whole CSV file.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cliStates runs rla audit status --json and returns each contest's
// state.
func cliStates(t *testing.T, dir string) map[string]string {
	t.Helper()
	code, out, stderr := runCLI(t, "", "audit", "status", dir, "--json")
	if code != 0 {
		t.Fatalf("status: exit %d, %s", code, stderr)
	}
	var st struct {
		Contests map[string]struct {
			State string `json:"state"`
		} `json:"contests"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for name, c := range st.Contests {
		states[name] = c.State
	}
	return states
}

// TestBatchAuditCommands runs a batch comparison audit through the CLI on
// an election from rla synth --batch-tallies: the audit board's counts of
// the drawn batches are the paper counts.
func TestBatchAuditCommands(t *testing.T) {
	work := t.TempDir()
	in := func(n string) string { return filepath.Join(work, n) }
	if code, _, stderr := runCLI(t, "", "synth", "--cards", "20000", "--seed", "5", "--margin", "0.3", "--batch-size", "20",
		"--error-rate", "0.001", "--batch-tallies", "--out", in("syn")); code != 0 {
		t.Fatalf("synth: exit %d, %s", code, stderr)
	}
	dir := in("audit")
	code, _, stderr := runCLI(t, "", "audit", "init", dir, "--type", "batch", "--manifest", in("syn/manifest.csv"),
		"--results", in("syn/results.csv"), "--batch-results", in("syn/batches.csv"), "--by", "Clerk")
	if code != 0 {
		t.Fatalf("init: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "audit", "seed", dir, "--seed", "12345678901234567890"); code != 0 {
		t.Fatalf("seed: exit %d, %s", code, stderr)
	}
	paper := readCSV(t, in("syn/batches-paper.csv"))
	for round := 1; ; round++ {
		if code, _, stderr := runCLI(t, "", "audit", "draw", dir, "--out", in("pull.csv")); code != 0 {
			t.Fatalf("draw: exit %d, %s", code, stderr)
		}
		drawn := map[string]bool{}
		for _, r := range readCSV(t, in("pull.csv"))[1:] {
			drawn[r[4]+"/"+r[5]] = true // tabulator/batch
		}
		counts := [][]string{paper[0]}
		for _, r := range paper[1:] {
			if drawn[r[0]+"/"+r[1]] {
				counts = append(counts, r)
			}
		}
		writeCSV(t, in("counts.csv"), counts)
		if code, _, stderr := runCLI(t, "", "audit", "record", dir, "--file", in("counts.csv"), "--by", "Board 1"); code != 0 {
			t.Fatalf("record: exit %d, %s", code, stderr)
		}
		st := cliStates(t, dir)["Contest 1"]
		if st == "confirmed" {
			break
		}
		if st != "escalate" || round > 5 {
			t.Fatalf("round %d: state %s", round, st)
		}
		if code, _, stderr := runCLI(t, "", "audit", "next", dir); code != 0 {
			t.Fatalf("next: exit %d, %s", code, stderr)
		}
	}
	if code, out, _ := runCLI(t, "", "audit", "report", dir); code != 0 || !strings.Contains(out, "batch comparison audit") {
		t.Fatalf("report: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "", "verify", dir); code != 0 || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify: exit %d, %s", code, out)
	}
	// Card interpretations are refused in a batch audit.
	writeCSV(t, in("interp.csv"), [][]string{{"card_id", "contest", "selections", "found"}, {"x", "Contest 1", "", "yes"}})
	if code, _, stderr := runCLI(t, "", "audit", "record", dir, "--file", in("interp.csv"), "--by", "Board 1"); code != 1 || !strings.Contains(stderr, "hand counts of batches") {
		t.Fatalf("interpretations in a batch audit: exit %d, %s", code, stderr)
	}
}

// TestTwoPhaseAuditCommands runs a two-phase audit through the CLI: the
// first phase has the batches of tabulators 1-3 of 4, with 2,600 pending
// cards; the second phase commits the whole election and a second seed.
func TestTwoPhaseAuditCommands(t *testing.T) {
	work := t.TempDir()
	in := func(n string) string { return filepath.Join(work, n) }
	if code, _, stderr := runCLI(t, "", "synth", "--cards", "10000", "--seed", "9", "--margin", "0.2", "--batch-size", "100",
		"--out", in("syn")); code != 0 {
		t.Fatalf("synth: exit %d, %s", code, stderr)
	}
	cvrFile := in("syn/cvrs/CVR_Export.csv")
	early := func(tab string) bool { n, _ := strconv.Atoi(tab); return n <= 3 }
	var rows [][]string
	for i, r := range readCSV(t, in("syn/manifest.csv")) {
		if i == 0 || early(r[0]) {
			rows = append(rows, r)
		}
	}
	writeCSV(t, in("m1.csv"), rows)
	rows = nil
	for i, r := range readCSV(t, cvrFile) {
		if i < 4 || early(r[1]) {
			rows = append(rows, r)
		}
	}
	writeCSV(t, in("c1.csv"), rows)
	// The first phase's results: the tally of its CVRs.
	code, out, stderr := runCLI(t, "", "tabulate", in("c1.csv"))
	if code != 0 {
		t.Fatalf("tabulate: exit %d, %s", code, stderr)
	}
	var tab struct {
		Contests []struct {
			Name  string           `json:"name"`
			Tally map[string]int64 `json:"tally"`
		} `json:"contests"`
	}
	if err := json.Unmarshal([]byte(out), &tab); err != nil {
		t.Fatal(err)
	}
	rows = [][]string{{"contest", "choice", "votes"}}
	for _, c := range tab.Contests {
		for ch, n := range c.Tally {
			rows = append(rows, []string{c.Name, ch, strconv.FormatInt(n, 10)})
		}
	}
	writeCSV(t, in("r1.csv"), rows)

	dir := in("audit")
	if code, _, stderr := runCLI(t, "", "audit", "init", dir, "--manifest", in("m1.csv"), "--cvrs", in("c1.csv"),
		"--results", in("r1.csv"), "--pending", "2600", "--by", "Clerk"); code != 0 {
		t.Fatalf("init: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "audit", "seed", dir, "--seed", "11112222333344445555"); code != 0 {
		t.Fatalf("seed: exit %d, %s", code, stderr)
	}
	record := func() {
		t.Helper()
		if code, _, stderr := runCLI(t, "", "audit", "draw", dir, "--out", in("pull.csv")); code != 0 {
			t.Fatalf("draw: exit %d, %s", code, stderr)
		}
		// Pending slots are not cards: the pull list marks them phantoms
		// by their ids, which the board skips like phantoms.
		rows := readCSV(t, in("pull.csv"))
		var keep [][]string
		for _, r := range rows {
			if !strings.HasPrefix(r[7], "pending-") {
				keep = append(keep, r)
			}
		}
		writeCSV(t, in("pull.csv"), keep)
		s := synthFor(t, in("syn/synth.json"))
		boardReading(t, s, in("pull.csv"), in("interp.csv"))
		if code, _, stderr := runCLI(t, "", "audit", "record", dir, "--file", in("interp.csv"), "--by", "Board 1"); code != 0 {
			t.Fatalf("record: exit %d, %s", code, stderr)
		}
	}
	record()
	if code, _, stderr := runCLI(t, "", "audit", "phase2", dir, "--manifest", in("syn/manifest.csv"), "--cvrs", cvrFile,
		"--results", in("syn/results.csv"), "--by", "Clerk"); code != 0 {
		t.Fatalf("phase2: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "audit", "draw", dir); code != 1 || !strings.Contains(stderr, "second phase's seed") {
		t.Fatalf("draw before the second seed: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "audit", "seed", dir, "--seed", "99998888777766665555"); code != 0 {
		t.Fatalf("second seed: exit %d, %s", code, stderr)
	}
	for round := 1; ; round++ {
		record()
		st := cliStates(t, dir)["Contest 1"]
		if st == "confirmed" {
			break
		}
		if st != "escalate" || round > 5 {
			t.Fatalf("second phase round %d: state %s", round, st)
		}
		if code, _, stderr := runCLI(t, "", "audit", "next", dir); code != 0 {
			t.Fatalf("next: exit %d, %s", code, stderr)
		}
	}
	if code, out, _ := runCLI(t, "", "verify", dir); code != 0 || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify: exit %d, %s", code, out)
	}
}

// synthFor remakes the election of a synth.json.
func synthFor(t *testing.T, path string) *cvr.Synth {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg cvr.SynthConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	s, err := cvr.NewSynth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
