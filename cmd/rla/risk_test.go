package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// riskRun runs "rla args..." with stdin and returns the exit status, stdout
// and stderr.
func riskRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(&env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

type riskVectorFile struct {
	Cases []struct {
		Label    string                     `json:"label"`
		Inputs   json.RawMessage            `json:"inputs"`
		Expected map[string]json.RawMessage `json:"expected"`
	} `json:"cases"`
}

func riskLoad(t *testing.T, name string) riskVectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "shangrla", name))
	if err != nil {
		t.Fatal(err)
	}
	var f riskVectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func riskNum(t *testing.T, raw json.RawMessage) float64 {
	t.Helper()
	v, err := riskNumber("value", raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func riskClose(got, want float64) bool {
	if math.IsInf(want, 0) || math.IsNaN(want) || math.IsInf(got, 0) {
		return got == want || math.IsNaN(got) && math.IsNaN(want)
	}
	return math.Abs(got-want) <= math.Max(1e-12*math.Abs(want), 1e-300)
}

// TestRiskVectors runs every public SHANGRLA risk vector through the CLI.
func TestRiskVectors(t *testing.T) {
	files := []string{
		"alpha_mart_fixed_alternative_mean.json", "alpha_mart_shrink_trunc.json",
		"alpha_mart_optimal_comparison.json", "betting_mart.json", "mix_betting_mart.json",
		"kaplan_markov.json", "kaplan_wald.json", "kaplan_kolmogorov.json",
	}
	for _, name := range files {
		for _, c := range riskLoad(t, name).Cases {
			code, stdout, stderr := riskRun(t, string(c.Inputs), "risk")
			if _, refErr := c.Expected["error"]; refErr {
				// SHANGRLA crashed here; rlakit gives a one-line error.
				if code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.HasPrefix(stderr, "rla risk: ") {
					t.Errorf("%s %q: want exit 1 with one line, got %d %q %q", name, c.Label, code, stdout, stderr)
				}
				continue
			}
			if code != 0 {
				t.Errorf("%s %q: exit %d: %s", name, c.Label, code, stderr)
				continue
			}
			var got struct {
				P        json.RawMessage   `json:"p"`
				PHistory []json.RawMessage `json:"p_history"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("%s %q: %v: %s", name, c.Label, err, stdout)
			}
			var want []json.RawMessage
			if err := json.Unmarshal(c.Expected["p_history"], &want); err != nil {
				t.Fatal(err)
			}
			if len(got.PHistory) != len(want) {
				t.Fatalf("%s %q: history length %d, want %d", name, c.Label, len(got.PHistory), len(want))
			}
			for i := range want {
				if g, w := riskNum(t, got.PHistory[i]), riskNum(t, want[i]); !riskClose(g, w) {
					t.Fatalf("%s %q: history[%d] = %v, want %v", name, c.Label, i, g, w)
				}
			}
			if g, w := riskNum(t, got.P), riskNum(t, c.Expected["p"]); !riskClose(g, w) {
				t.Errorf("%s %q: p = %v, want %v", name, c.Label, g, w)
			}
		}
	}
}

func TestRiskOutputAndErrors(t *testing.T) {
	// Wald's SPRT, 0/1 data with replacement: M = (eta/t)^k ((1-eta)/(1-t))^(n-k).
	code, out, errs := riskRun(t, `{"test": "wald_sprt", "N": "inf", "kwargs": {"eta": 0.75}, "x": [1, 1, 0]}`, "risk")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := `{"p": 0.4444444444444444, "p_history": [0.6666666666666666, 0.4444444444444444, 0.8888888888888888]}` + "\n"; out != want {
		t.Errorf("got %s want %s", out, want)
	}
	// Non-finite values are written as strings.
	code, out, _ = riskRun(t, `{"test": "kaplan_markov", "x": [0, 1]}`, "risk")
	if code != 0 || !strings.Contains(out, `"p_history": [1, 1]`) {
		t.Errorf("kaplan_markov with a zero: %d %s", code, out)
	}
	if got := riskFloat(math.Inf(1)) + riskFloat(math.Inf(-1)) + riskFloat(math.NaN()); got != `"inf""-inf""nan"` {
		t.Errorf("riskFloat non-finite: %s", got)
	}
	for _, c := range []struct{ name, in, want string }{
		{"NaN", `{"x": [0.5, "nan"]}`, "x[1] = NaN"},
		{"negative", `{"x": [-1]}`, "negative"},
		{"above u", `{"u": 1, "x": [2]}`, "exceeds"},
		{"unknown kwarg", `{"kwargs": {"etta": 0.6}, "x": [1]}`, `unknown field "etta"`},
		{"unknown test", `{"test": "magic", "x": [1]}`, `unknown test "magic"`},
		{"bad N", `{"N": 10.5, "x": [1]}`, "N = 10.5"},
		{"sample larger than N", `{"N": 1, "x": [1, 1]}`, "larger than the population"},
		{"empty", ``, "no input"},
		{"not JSON", `{"x": [1}`, "input:"},
		{"kelly pop", `{"test": "betting_mart", "bet": "kelly_optimal", "kwargs": {"pop": [-1]}, "x": [1]}`, "pop[0] = -1"},
		{"t zero", `{"t": 0, "x": [1]}`, "t = 0"},
		{"explicit zero error rate is fine, u = 1 is not", `{"estim": "optimal_comparison", "kwargs": {"error_rate_2": 0}, "x": [1]}`, "u > 1"},
		{"n mismatch", `{"n": 3, "x": [1]}`, "n = 3"},
		{"kaplan_wald g", `{"test": "kaplan_wald", "kwargs": {"g": 2}, "x": [1]}`, "g = 2"},
	} {
		code, out, errs := riskRun(t, c.in, "risk")
		if code != 1 || out != "" || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and %q", c.name, code, out, errs, c.want)
		}
	}
	if code, out, _ := riskRun(t, "", "risk", "--help"); code != 0 || !strings.Contains(out, "usage: rla risk") {
		t.Errorf("--help: %d %q", code, out)
	}
	if code, _, _ := riskRun(t, "{}", "risk", "--bogus"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
}
