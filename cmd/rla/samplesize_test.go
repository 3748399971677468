package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSampleSizeVectors runs SHANGRLA's deterministic (reps = null)
// comparison sample sizes through the CLI.
func TestSampleSizeVectors(t *testing.T) {
	n := 0
	for _, c := range riskLoad(t, "sample_size.json").Cases {
		var in map[string]json.RawMessage
		if err := json.Unmarshal(c.Inputs, &in); err != nil {
			t.Fatal(err)
		}
		if _, ok := in["assorter_margin"]; !ok || string(in["reps"]) != "null" {
			continue
		}
		n++
		code, out, errs := riskRun(t, string(c.Inputs), "samplesize")
		var got, want struct {
			SampleSize int `json:"sample_size"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			t.Fatalf("%s: exit %d %q %q", c.Label, code, out, errs)
		}
		if err := json.Unmarshal(c.Expected["sample_size"], &want.SampleSize); err != nil {
			t.Fatal(err)
		}
		if got.SampleSize != want.SampleSize {
			t.Errorf("%s %s: sample_size %d, want %d", c.Label, in["assorter_margin"], got.SampleSize, want.SampleSize)
		}
	}
	if n == 0 {
		t.Fatal("no deterministic cases")
	}
}

func TestSampleSizeClosedForms(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--method", "kaplan-markov", "--margin", "0.05", "--risk-limit", "0.1", "--o1", "1"},
			`{"method": "kaplan-markov", "sample_size": 123}`},
		{[]string{"--method", "kaplan-markov", "--margin", "0.005", "--risk-limit", "0.1", "--o1", "1", "--u1", "1", "--gamma", "1.03905"},
			`{"method": "kaplan-markov", "sample_size": 1067}`},
		{[]string{"--method", "kaplan-markov-initial", "--margin", "0.1", "--risk-limit", "0.1"},
			`{"method": "kaplan-markov-initial", "sample_size": 54}`},
		{[]string{"--method", "bravo", "--winner", "600", "--loser", "400", "--ballots", "1000", "--risk-limit", "0.1", "--completion", "0.8"},
			`{"asn": 119, "completion": {"0.7":184,"0.8":244,"0.9":351}, "method": "bravo", "sample_size": 244}`},
	} {
		code, out, errs := riskRun(t, "", append([]string{"samplesize"}, c.args...)...)
		if code != 0 || strings.TrimSpace(out) != c.want {
			t.Errorf("%v: exit %d, %q %q; want %s", c.args, code, out, errs, c.want)
		}
	}
	// Missing flags are usage errors; bad values are exit 1.
	if code, _, errs := riskRun(t, "", "samplesize", "--method", "bravo", "--winner", "6"); code != 2 || !strings.Contains(errs, "--loser is required") {
		t.Errorf("missing flag: %d %q", code, errs)
	}
	if code, _, errs := riskRun(t, "", "samplesize", "--method", "kaplan-markov", "--margin", "0", "--risk-limit", "0.1"); code != 1 || !strings.Contains(errs, "margin") {
		t.Errorf("zero margin: %d %q", code, errs)
	}
	if code, _, _ := riskRun(t, "", "samplesize", "--method", "magic"); code != 2 {
		t.Errorf("unknown method: exit %d", code)
	}
}

func TestSampleSizeMonteCarlo(t *testing.T) {
	in := `{"assorter_margin": 0.05, "assorter_upper_bound": 1, "test_u": 1.0256410256410258, "N": 20000,
		"rate_1": 0.001, "rate_2": 0, "risk_limit": 0.05, "test": "alpha_mart", "estim": "optimal_comparison",
		"test_kwargs": {}, "reps": 64, "quantile": 0.8, "seed": 12345}`
	code, out1, errs := riskRun(t, in, "samplesize")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		SampleSize int            `json:"sample_size"`
		Quantiles  map[string]int `json:"quantiles"`
	}
	if err := json.Unmarshal([]byte(out1), &got); err != nil {
		t.Fatal(err)
	}
	// A simulated sample can only need more than the error-free one.
	clean := strings.NewReplacer(`"rate_1": 0.001`, `"rate_1": 0`, `"reps": 64`, `"reps": null`).Replace(in)
	_, cleanOut, _ := riskRun(t, clean, "samplesize")
	var base struct {
		SampleSize int `json:"sample_size"`
	}
	if err := json.Unmarshal([]byte(cleanOut), &base); err != nil || base.SampleSize == 0 {
		t.Fatalf("error-free size: %q %v", cleanOut, err)
	}
	if got.Quantiles["0.5"] < base.SampleSize || got.SampleSize < got.Quantiles["0.5"] || got.Quantiles["0.99"] < got.Quantiles["0.9"] {
		t.Errorf("implausible quantiles: %s", out1)
	}
	if _, out2, _ := riskRun(t, in, "samplesize"); out2 != out1 {
		t.Errorf("not deterministic: %s vs %s", out1, out2)
	}
	for _, c := range []struct{ name, in, want string }{
		{"no N", `{"assorter_margin": 0.1, "risk_limit": 0.05}`, "N must be"},
		{"no risk limit", `{"assorter_margin": 0.1, "N": 10}`, "risk_limit"},
		{"bad rate", `{"assorter_margin": 0.1, "N": 10, "risk_limit": 0.05, "rate_1": 2}`, "error rates"},
		{"unknown key", `{"assorter_margn": 0.1}`, "unknown field"},
	} {
		if code, _, errs := riskRun(t, c.in, "samplesize"); code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d %q, want %q", c.name, code, errs, c.want)
		}
	}
}
