package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSelectRivest(t *testing.T) {
	// Rivest's docstring example: seed 3546311556112163624615351222, 47 of 1..876;
	// the first picks of his printed output.
	code, out, stderr := runCLI(t, "", "select", "rivest", "--seed", "3546311556112163624615351222", "--min", "1", "--max", "876", "--count", "5")
	if code != 0 || out != "740\n180\n264\n789\n238\n" {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	// --skip continues the same stream.
	code, out, _ = runCLI(t, "", "select", "rivest", "--seed", "3546311556112163624615351222", "--min", "1", "--max", "876", "--count", "2", "--skip", "3")
	if code != 0 || out != "789\n238\n" {
		t.Fatalf("skip: exit %d, out %q", code, out)
	}
}

func TestSelectErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"select"}, 2, "usage"},
		{[]string{"select", "dice"}, 2, "unknown algorithm"},
		{[]string{"select", "rivest", "--min", "1", "--max", "9", "--count", "2"}, 2, "--seed is required"},
		{[]string{"select", "rivest", "--seed", "1", "--max", "9"}, 2, "--count is required"},
		{[]string{"select", "rivest", "--seed", "1", "--max", "9", "--count", "2", "--bogus"}, 2, "bogus"},
		{[]string{"select", "rivest", "--seed", "1", "--max", "9", "--count", "x"}, 2, "invalid value"},
		{[]string{"select", "rivest", "--seed", "1", "--max", "9", "--count", "10"}, 1, "more picks"},
		{[]string{"select", "rivest", "--seed", "123", "--max", "9", "--count", "1", "--seed-digits"}, 1, "roll at least 20"},
		{[]string{"select", "rivest", "--seed", "1234567890123456789a", "--max", "9", "--count", "1", "--seed-digits"}, 1, "only the digits"},
		{[]string{"select", "cryptorandom", "--seed", "1", "--population", "5", "--count", "6"}, 1, "more picks"},
		{[]string{"select", "cryptorandom", "--seed", "1", "--population", "0", "--count", "1"}, 1, "n >= 1"},
		{[]string{"select", "consistent", "--seed", "1", "--manifest", "/nonexistent.csv", "--count", "1"}, 1, "nonexistent"},
		{[]string{"select", "consistent", "--seed", "1", "--manifest", "m.csv", "--count", "1", "--format", "xml"}, 2, "--format"},
	}
	for _, tt := range tests {
		code, out, stderr := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.msg) || out != "" {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q), stdout %q", tt.args, code, tt.code, stderr, tt.msg, out)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "internal error") {
			t.Errorf("%v: panic: %s", tt.args, stderr)
		}
	}
}

func TestSelectConsistent(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "m.csv")
	// Arlo's unit-test manifest with the seed of its snapshot tests.
	os.WriteFile(manifest, []byte("\uFEFFBatch Name,Number of Ballots\npct 1,25\npct 2,25\npct 3,25\npct 4,25\n"), 0o644)
	seed := "12345678901234567890abcdefghijklmnopqrstuvwxyz😊"
	code, out, stderr := runCLI(t, "", "select", "consistent", "--seed", seed, "--manifest", manifest, "--count", "2", "--replace", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := []map[string]any{
		{"ticket": "0.000617786129909912", "jurisdiction": nil, "tabulator": nil, "batch": "pct 2", "position": 3.0, "times_picked": 1.0},
		{"ticket": "0.002991631653037245", "jurisdiction": nil, "tabulator": nil, "batch": "pct 3", "position": 24.0, "times_picked": 1.0},
	}
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
	for i := range want {
		for k, v := range want[i] {
			if rows[i][k] != v {
				t.Errorf("row %d %s = %v, want %v", i, k, rows[i][k], v)
			}
		}
	}
	// CSV, continuing after the first draw.
	code, out, _ = runCLI(t, "", "select", "consistent", "--seed", seed, "--manifest", manifest, "--count", "1", "--already", "1", "--replace")
	if code != 0 || out != "ticket,jurisdiction,tabulator,batch,position,times_picked\n0.002991631653037245,,,pct 3,24,1\n" {
		t.Errorf("csv: exit %d, out %q", code, out)
	}
	// A bad manifest names its line and field.
	os.WriteFile(manifest, []byte("Batch Name,Number of Ballots\nA,3\nB,-1\n"), 0o644)
	code, _, stderr = runCLI(t, "", "select", "consistent", "--seed", seed, "--manifest", manifest, "--count", "1")
	if code != 1 || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, "Number of Ballots") {
		t.Errorf("bad manifest: exit %d, stderr %q", code, stderr)
	}
}

func TestDemoSelection(t *testing.T) {
	code, out, stderr := runCLI(t, "", "demo", "selection")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"26 batches holding 618 ballot cards", "27180904129383661524", "pull list", "Hinsdale  102"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoAudit(t *testing.T) {
	keep := t.TempDir()
	code, out, stderr := runCLI(t, "", "demo", "--keep", keep)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"100000 ballot cards", "Reconciliation found", "Round 2", "escalate",
		"School Board:     confirmed", "all agree", "report.md"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if b, err := os.ReadFile(filepath.Join(keep, "report.md")); err != nil || !strings.Contains(string(b), "Cards examined") {
		t.Errorf("report.md: %v", err)
	}
}
