package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rlakit/rlakit/stats"
)

func init() {
	register(&command{
		name:    "risk",
		summary: "measure the risk of a sample (SHANGRLA's tests; JSON on stdin)",
		run:     runRisk,
	})
}

const riskUsage = `rla risk < input.json

Reads one JSON object with SHANGRLA's names:
  {"test": "alpha_mart" | "betting_mart" | "mix_betting_mart" | "kaplan_markov" |
           "kaplan_wald" | "kaplan_kolmogorov" | "wald_sprt",
   "estim": null | "fixed_alternative_mean" | "shrink_trunc" | "optimal_comparison",
   "bet": null | "fixed_bet" | "agrapa" | "kelly_optimal",
   "N": integer or "inf", "t": null mean (0.5), "u": upper bound (1),
   "kwargs": {"eta", "c", "d", "f", "minsd", "lam", "g", "random_order",
              "c_grapa_0", "c_grapa_max", "c_grapa_grow", "pop", "error_rate_2", "lams"},
   "x": [observations in draw order]}
and writes {"p": p-value, "p_history": [min(1, 1/M_j) for each draw]}.
Non-finite numbers are the strings "inf", "-inf", "nan".`

// riskInput is the JSON object "rla risk" reads.
type riskInput struct {
	Test   *string           `json:"test"`
	Estim  *string           `json:"estim"`
	Bet    *string           `json:"bet"`
	N      json.RawMessage   `json:"N"`
	T      json.RawMessage   `json:"t"`
	U      json.RawMessage   `json:"u"`
	Kwargs json.RawMessage   `json:"kwargs"`
	X      []json.RawMessage `json:"x"`
	Count  *int              `json:"n"` // optional: the sample size, checked against x
}

func runRisk(e *env, args []string) error {
	fs := newFlags(e, riskUsage)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q (the input is read from stdin)", pos[0])
	}
	var in riskInput
	if err := riskDecode(e.stdin, &in); err != nil {
		return err
	}
	spec, err := in.spec()
	if err != nil {
		return err
	}
	x, err := riskNumbers("x", in.X)
	if err != nil {
		return err
	}
	if in.Count != nil && *in.Count != len(x) {
		return fmt.Errorf("n = %d but x has %d values", *in.Count, len(x))
	}
	test, err := spec.Build()
	if err != nil {
		return err
	}
	res, err := test.Risk(x)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(`{"p": `)
	b.WriteString(riskFloat(res.P))
	b.WriteString(`, "p_history": [`)
	for i, v := range res.History {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(riskFloat(v))
	}
	b.WriteString("]}\n")
	_, err = e.stdout.Write(b.Bytes())
	return err
}

// spec turns the input into a stats.Spec, with SHANGRLA's defaults.
func (in riskInput) spec() (stats.Spec, error) {
	var s stats.Spec
	if in.Test != nil {
		s.Test = *in.Test
	}
	if in.Estim != nil {
		s.Estim = *in.Estim
	}
	if in.Bet != nil {
		s.Bet = *in.Bet
	}
	n, err := riskPopSize(in.N)
	if err != nil {
		return s, err
	}
	s.N = n
	if s.T, err = riskOptFloat("t", in.T, 0.5); err != nil {
		return s, err
	}
	if s.U, err = riskOptFloat("u", in.U, 1); err != nil {
		return s, err
	}
	if !(s.T > 0) || !(s.U > 0) {
		return s, fmt.Errorf("t = %v and u = %v must be positive", s.T, s.U)
	}
	if len(in.Kwargs) > 0 && string(in.Kwargs) != "null" {
		if err := riskStrict(in.Kwargs, &s.Options); err != nil {
			return s, fmt.Errorf("kwargs: %w", err)
		}
	}
	return s, nil
}

// riskDecode reads exactly one JSON object from r into v, rejecting unknown
// fields.
func riskDecode(r io.Reader, v any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("no input: expected a JSON object on stdin")
	}
	if err := riskStrict(data, v); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	return nil
}

func riskStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// riskPopSize reads N: a positive integer, or "inf" (or absent) for sampling
// with replacement, which stats.Population writes as 0.
func riskPopSize(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "inf" {
			return 0, nil
		}
		return 0, fmt.Errorf("N = %q: want an integer or \"inf\"", s)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || f < 1 || f > 1<<53 {
		return 0, fmt.Errorf("N = %s: want a positive integer or \"inf\"", raw)
	}
	return int(f), nil
}

// riskNumber reads a JSON number or one of "inf", "-inf", "nan".
func riskNumber(name string, raw json.RawMessage) (float64, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(s) {
		case "inf", "+inf", "infinity":
			return math.Inf(1), nil
		case "-inf", "-infinity":
			return math.Inf(-1), nil
		case "nan":
			return math.NaN(), nil
		}
		return 0, fmt.Errorf("%s = %q is not a number", name, s)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, fmt.Errorf("%s = %s is not a number", name, raw)
	}
	return f, nil
}

func riskOptFloat(name string, raw json.RawMessage, def float64) (float64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	return riskNumber(name, raw)
}

func riskNumbers(name string, raws []json.RawMessage) ([]float64, error) {
	out := make([]float64, len(raws))
	for i, raw := range raws {
		v, err := riskNumber(fmt.Sprintf("%s[%d]", name, i), raw)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// riskFloat formats v as JSON: the shortest decimal that reads back to the
// same float64, and "inf", "-inf", "nan" as strings.
func riskFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return `"nan"`
	case math.IsInf(v, 1):
		return `"inf"`
	case math.IsInf(v, -1):
		return `"-inf"`
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
