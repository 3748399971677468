package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/rlakit/rlakit/stats"
)

func init() {
	register(&command{
		name:    "samplesize",
		summary: "estimate a sample size (SHANGRLA's JSON on stdin, or closed forms with --method)",
		run:     runSampleSize,
	})
}

const sampleSizeUsage = `rla samplesize < input.json
       rla samplesize --method kaplan-markov --margin V --risk-limit A [--gamma G] [--o1 N] [--o2 N] [--u1 N] [--u2 N]
       rla samplesize --method kaplan-markov-initial --margin V --risk-limit A [--gamma G] [--o1 R] [--o2 R] [--u1 R] [--u2 R]
       rla samplesize --method bravo --winner W --loser L --ballots N --risk-limit A [--completion Q]

Without --method, reads SHANGRLA's Assertion.find_sample_size inputs:
  {"assorter_margin", "assorter_upper_bound", "test_u", "N", "rate_1", "rate_2",
   "risk_limit", "test", "estim", "bet", "test_kwargs", "reps", "quantile", "seed"}
(or pilot data "x" with optional "prefix" instead of the rates) and writes
{"sample_size": n}. With "reps": null the estimate is SHANGRLA's deterministic one;
with "reps": R it is the "quantile" of R simulated audits (rlakit's generator,
seeded by "seed"), and the output also lists the quantiles 0.5, 0.8, 0.9, 0.99.

--method kaplan-markov: Stark's nmin for the given discrepancy counts;
--method kaplan-markov-initial: Arlo's initial size for discrepancy rates
(defaults 0.001, 0.0001, 0.001, 0.0001); --method bravo: the average sample
number and, with --completion, the size that finishes in one round with that
probability. Risk limits are fractions (0.05 for 5%).`

// sampleSizeInput is the JSON object "rla samplesize" reads.
type sampleSizeInput struct {
	Margin     *float64          `json:"assorter_margin"`
	Upper      *float64          `json:"assorter_upper_bound"`
	TestU      json.RawMessage   `json:"test_u"`
	T          json.RawMessage   `json:"t"`
	N          json.RawMessage   `json:"N"`
	Rate1      *float64          `json:"rate_1"`
	Rate2      *float64          `json:"rate_2"`
	RiskLimit  *float64          `json:"risk_limit"`
	Test       *string           `json:"test"`
	Estim      *string           `json:"estim"`
	Bet        *string           `json:"bet"`
	TestKwargs json.RawMessage   `json:"test_kwargs"`
	Reps       *int              `json:"reps"`
	Quantile   *float64          `json:"quantile"`
	Seed       *uint64           `json:"seed"`
	X          []json.RawMessage `json:"x"`
	Prefix     bool              `json:"prefix"`
}

func runSampleSize(e *env, args []string) error {
	fs := newFlags(e, sampleSizeUsage)
	method := fs.String("method", "", "closed form: kaplan-markov, kaplan-markov-initial or bravo (default: JSON on stdin)")
	margin := fs.Float64("margin", 0, "diluted margin (kaplan-markov)")
	risk := fs.Float64("risk-limit", 0, "risk limit, a fraction")
	gamma := fs.Float64("gamma", stats.DefaultGamma, "error inflation factor γ (kaplan-markov)")
	o1 := fs.Float64("o1", -1, "one-vote overstatements (count; rate for kaplan-markov-initial)")
	o2 := fs.Float64("o2", -1, "two-vote overstatements")
	u1 := fs.Float64("u1", -1, "one-vote understatements")
	u2 := fs.Float64("u2", -1, "two-vote understatements")
	winner := fs.Int("winner", 0, "reported votes for the winner (bravo)")
	loser := fs.Int("loser", 0, "reported votes for the loser (bravo)")
	total := fs.Int("ballots", 0, "cards cast in the contest (bravo)")
	completion := fs.Float64("completion", 0, "probability of finishing in one round (bravo), e.g. 0.9")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	out := map[string]any{}
	switch *method {
	case "":
		return sampleSizeJSON(e)
	case "kaplan-markov", "kaplan-markov-initial":
		if err := requireFlags(fs, "margin", "risk-limit"); err != nil {
			return err
		}
		d := stats.Discrepancies{O1: *o1, O2: *o2, U1: *u1, U2: *u2}
		var n int
		if *method == "kaplan-markov" {
			d = stats.Discrepancies{O1: max(d.O1, 0), O2: max(d.O2, 0), U1: max(d.U1, 0), U2: max(d.U2, 0)}
			n, err = stats.KaplanMarkovSize(*margin, *risk, *gamma, d)
		} else {
			def := stats.ArloRates
			for _, p := range []struct{ v, def *float64 }{{&d.O1, &def.O1}, {&d.O2, &def.O2}, {&d.U1, &def.U1}, {&d.U2, &def.U2}} {
				if *p.v < 0 {
					*p.v = *p.def
				}
			}
			n, err = stats.KaplanMarkovInitialSize(*margin, *risk, *gamma, d)
		}
		if err != nil {
			return err
		}
		out["sample_size"] = n
		out["method"] = *method
	case "bravo":
		if err := requireFlags(fs, "winner", "loser", "ballots", "risk-limit"); err != nil {
			return err
		}
		asn, err := stats.BravoASN(*winner, *loser, *total, *risk)
		if err != nil {
			return err
		}
		out["method"] = "bravo"
		out["asn"] = asn
		out["sample_size"] = asn
		sizes := map[string]int{}
		qs := []float64{0.7, 0.8, 0.9}
		if *completion != 0 {
			qs = append(qs, *completion)
		}
		for _, q := range qs {
			n, err := stats.BravoSize(*winner, *loser, *total, *risk, q)
			if err != nil {
				return err
			}
			sizes[strconv.FormatFloat(q, 'g', -1, 64)] = n
			if q == *completion {
				out["sample_size"] = n
			}
		}
		out["completion"] = sizes
	default:
		return usageErrorf("unknown --method %q (kaplan-markov, kaplan-markov-initial or bravo)", *method)
	}
	return sampleSizeWrite(e, out)
}

func sampleSizeJSON(e *env) error {
	var in sampleSizeInput
	if err := riskDecode(e.stdin, &in); err != nil {
		return err
	}
	N, err := riskPopSize(in.N)
	if err != nil {
		return err
	}
	if N == 0 {
		return fmt.Errorf("N must be a finite population size")
	}
	if in.RiskLimit == nil {
		return fmt.Errorf("risk_limit is required")
	}
	alpha := *in.RiskLimit
	// The test: SHANGRLA's defaults, null mean 1/2, upper bound test_u.
	var spec stats.Spec
	for _, p := range []struct {
		dst *string
		src *string
	}{{&spec.Test, in.Test}, {&spec.Estim, in.Estim}, {&spec.Bet, in.Bet}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	spec.N = N
	if spec.T, err = riskOptFloat("t", in.T, 0.5); err != nil {
		return err
	}
	if spec.U, err = riskOptFloat("test_u", in.TestU, 1); err != nil {
		return err
	}
	if !(spec.T > 0) || !(spec.U > 0) {
		return fmt.Errorf("t = %v and test_u = %v must be positive", spec.T, spec.U)
	}
	if len(in.TestKwargs) > 0 && string(in.TestKwargs) != "null" {
		if err := riskStrict(in.TestKwargs, &spec.Options); err != nil {
			return fmt.Errorf("test_kwargs: %w", err)
		}
	}
	test, err := spec.Build()
	if err != nil {
		return err
	}
	// The population: pilot data, or the overstatement population from rates.
	var pop []float64
	if in.X != nil {
		if pop, err = riskNumbers("x", in.X); err != nil {
			return err
		}
		if in.Margin != nil || in.Rate1 != nil || in.Rate2 != nil {
			return fmt.Errorf("give either pilot data x or assorter_margin and error rates, not both")
		}
	} else {
		if in.Margin == nil {
			return fmt.Errorf("assorter_margin is required (or pilot data x)")
		}
		upper := 1.0
		if in.Upper != nil {
			upper = *in.Upper
		}
		var r1, r2 float64
		if in.Rate1 != nil {
			r1 = *in.Rate1
		}
		if in.Rate2 != nil {
			r2 = *in.Rate2
		}
		if pop, err = stats.OverstatementPopulation(N, *in.Margin, upper, r1, r2); err != nil {
			return err
		}
	}
	out := map[string]any{}
	if in.Reps == nil {
		n, err := stats.SampleSize(test, pop, N, alpha)
		if err != nil {
			return err
		}
		out["sample_size"] = n
		return sampleSizeWrite(e, out)
	}
	q := 0.5
	if in.Quantile != nil {
		q = *in.Quantile
	}
	if !(q >= 0 && q <= 1) {
		return fmt.Errorf("quantile = %v must be in [0, 1]", q)
	}
	mc := stats.MonteCarlo{Test: test, Pop: pop, N: N, Alpha: alpha, Reps: *in.Reps}
	if in.Seed != nil {
		mc.Seed = *in.Seed
	}
	if in.Prefix {
		if in.X == nil {
			return fmt.Errorf("prefix needs pilot data x")
		}
		mc.Prefix = pop
	}
	sizes, err := mc.Run()
	if err != nil {
		return err
	}
	quants := map[string]int{}
	for _, p := range []float64{0.5, 0.8, 0.9, 0.99, q} {
		quants[strconv.FormatFloat(p, 'g', -1, 64)] = sizes.Quantile(p)
	}
	out["sample_size"] = sizes.Quantile(q)
	out["quantile"] = q
	out["quantiles"] = quants
	out["reps"] = *in.Reps
	out["seed"] = mc.Seed
	return sampleSizeWrite(e, out)
}

// sampleSizeWrite writes out as one JSON object, keys sorted, on one line.
func sampleSizeWrite(e *env, out map[string]any) error {
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(out[k])
		if err != nil {
			return err
		}
		b.Write(kb)
		b.WriteString(": ")
		b.Write(vb)
	}
	b.WriteString("}\n")
	_, err := e.stdout.Write(b.Bytes())
	return err
}
