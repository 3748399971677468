package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// writeSynth writes a small synthetic election for the audit commands.
func writeSynth(t *testing.T, dir string, cfg cvr.SynthConfig) *cvr.Synth {
	t.Helper()
	s, err := cvr.NewSynth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*bytes.Buffer) error{
		"manifest.csv": func(b *bytes.Buffer) error { return s.WriteManifest(b) },
		"results.csv":  func(b *bytes.Buffer) error { return s.WriteResults(b) },
		"cvr.csv":      func(b *bytes.Buffer) error { return s.WriteDominionCSV(b, "") },
	} {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// boardReading writes the interpretations of the pull list's cards from the
// synthetic paper.
func boardReading(t *testing.T, s *cvr.Synth, pull, out string) {
	t.Helper()
	f, err := os.Open(pull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"card_id", "contest", "selections", "found"})
	for _, r := range rows[1:] {
		id := r[7]
		if strings.HasPrefix(id, "phantom-") {
			continue
		}
		paper, err := s.Paper(id)
		if err != nil {
			t.Fatal(err)
		}
		for cv := range paper.Votes.All() {
			ec := s.Election().Contest(cv.Contest)
			var sel []string
			for _, x := range cv.Selections() {
				sel = append(sel, ec.Choices[x.Choice].Name)
			}
			w.Write([]string{id, ec.Name, strings.Join(sel, ";"), "yes"})
		}
	}
	w.Flush()
	os.WriteFile(out, b.Bytes(), 0o644)
}

func TestAuditCommands(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(5000, 3)
	cfg.MissingRate = 0.002
	s := writeSynth(t, work, cfg)
	dir := filepath.Join(work, "audit")
	in := func(n string) string { return filepath.Join(work, n) }

	// Missing cards are inconsistencies: exit 3, recorded.
	code, out, stderr := runCLI(t, "", "audit", "init", dir, "--manifest", in("manifest.csv"), "--cvrs", in("cvr.csv"),
		"--results", in("results.csv"), "--risk-limit", "0.05", "--by", "Clerk")
	if code != 3 || !strings.Contains(out, "batch-count") {
		t.Fatalf("init: exit %d\n%s\n%s", code, out, stderr)
	}
	// The seed cannot come before the inconsistencies are accepted.
	if code, _, stderr := runCLI(t, "", "audit", "seed", dir, "--seed", "12345678901234567890"); code != 1 || !strings.Contains(stderr, "accept") {
		t.Fatalf("seed before acceptance: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "audit", "init", dir, "--manifest", in("manifest.csv"), "--cvrs", in("cvr.csv"),
		"--results", in("results.csv"), "--accept-inconsistencies", "--by", "Clerk")
	if code != 0 {
		t.Fatalf("accept: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "audit", "seed", dir, "--seed", "1234"); code != 1 || !strings.Contains(stderr, "20") {
		t.Fatalf("short seed: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "audit", "seed", dir, "--seed", "12345678901234567890"); code != 0 {
		t.Fatalf("seed: exit %d, %s", code, stderr)
	}
	for round := 1; ; round++ {
		pull := in("pull.csv")
		code, _, stderr = runCLI(t, "", "audit", "draw", dir, "--out", pull)
		if code != 0 {
			t.Fatalf("draw: exit %d, %s", code, stderr)
		}
		head, _ := os.ReadFile(pull)
		if !strings.HasPrefix(string(head), "round,draw,ticket,jurisdiction,tabulator,batch,position,card_id,imprinted_id\n") {
			t.Fatalf("pull list header: %q", string(head[:80]))
		}
		boardReading(t, s, pull, in("interp.csv"))
		if code, _, stderr = runCLI(t, "", "audit", "record", dir, "--file", in("interp.csv"), "--by", "Board 1"); code != 0 {
			t.Fatalf("record: exit %d, %s", code, stderr)
		}
		code, out, stderr = runCLI(t, "", "audit", "status", dir, "--json")
		if code != 0 {
			t.Fatalf("status: exit %d, %s", code, stderr)
		}
		var st struct {
			Round    int `json:"round"`
			Contests map[string]struct {
				State         string             `json:"state"`
				Risk          float64            `json:"risk"`
				NextRoundSize int                `json:"next_round_size"`
				CardsExamined int                `json:"cards_examined"`
				Discrepancies map[string]float64 `json:"discrepancies"`
			} `json:"contests"`
		}
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatal(err)
		}
		c, ok := st.Contests["Contest 1"]
		if !ok || st.Round != round || len(c.Discrepancies) != 4 {
			t.Fatalf("status JSON: %s", out)
		}
		if c.State == "confirmed" {
			break
		}
		if c.State != "escalate" || round > 5 {
			t.Fatalf("round %d: %s", round, out)
		}
		if code, _, stderr = runCLI(t, "", "audit", "next", dir); code != 0 {
			t.Fatalf("next: exit %d, %s", code, stderr)
		}
	}
	for _, f := range []string{"md", "html", "json"} {
		code, out, stderr = runCLI(t, "", "audit", "report", dir, "--format", f)
		if code != 0 || !strings.Contains(out, "Contest 1") || !strings.Contains(out, "12345678901234567890") {
			t.Fatalf("report %s: exit %d, %s", f, code, stderr)
		}
	}
	if code, out, _ = runCLI(t, "", "verify", dir); code != 0 || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify: exit %d, %s", code, out)
	}
	// One changed byte in the log.
	logs, _ := filepath.Glob(filepath.Join(dir, "log", "*-seed.json"))
	b, _ := os.ReadFile(logs[0])
	b[len(b)-5] ^= 1
	os.Chmod(logs[0], 0o644)
	os.WriteFile(logs[0], b, 0o644)
	if code, out, _ = runCLI(t, "", "verify", dir); code != 1 || !strings.Contains(out, "FAIL") {
		t.Fatalf("tampered: exit %d, %s", code, out)
	}
}

func TestAuditUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"audit"}, {"audit", "frob"}, {"audit", "seed"}, {"audit", "record", "dir", "--file", "x"},
		{"audit", "init", "dir", "--cvrs", "x"}, {"verify"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		if code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "", "audit", "status", t.TempDir()); code != 1 || !strings.Contains(stderr, "no audit") {
		t.Errorf("status of an empty directory: exit %d, %s", code, stderr)
	}
}
