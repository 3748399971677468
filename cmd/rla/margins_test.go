package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

type marginsOut struct {
	MinMargin float64 `json:"min_margin"`
	Phantoms  int     `json:"phantoms"`
	Contests  map[string]struct {
		Cards      int64            `json:"cards"`
		MinMargin  float64          `json:"min_margin"`
		Tally      map[string]int64 `json:"tally"`
		Assertions map[string]struct {
			Winner     string  `json:"winner"`
			Loser      string  `json:"loser"`
			Margin     float64 `json:"margin"`
			UpperBound float64 `json:"upper_bound"`
			TestU      float64 `json:"test_u"`
		} `json:"assertions"`
		Warnings []string `json:"warnings"`
	} `json:"contests"`
}

func marginsRun(t *testing.T, stdin string, args ...string) (marginsOut, string) {
	t.Helper()
	code, out, errs := riskRun(t, stdin, append([]string{"margins"}, args...)...)
	if code != 0 {
		t.Fatalf("rla margins: exit %d: %s", code, errs)
	}
	var m marginsOut
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("output: %v\n%s", err, out)
	}
	return m, errs
}

// TestMarginsVectors runs the public SHANGRLA assorter vectors through the
// CLI, as check_contract.py's "margins" family does.
func TestMarginsVectors(t *testing.T) {
	f := riskLoad(t, "assorters_margins.json")
	for _, c := range f.Cases {
		t.Run(c.Label, func(t *testing.T) {
			var want struct {
				Phantoms  int     `json:"phantoms_created"`
				MinMargin float64 `json:"min_margin"`
				Contests  map[string]struct {
					Cards      int64 `json:"cards"`
					Assertions map[string]struct {
						Margin float64 `json:"margin_from_cvrs"`
						TestU  float64 `json:"test_u"`
						Upper  float64 `json:"assorter_upper_bound"`
					} `json:"assertions"`
				} `json:"contests"`
			}
			raw, _ := json.Marshal(c.Expected)
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			got, _ := marginsRun(t, string(c.Inputs))
			if !riskClose(got.MinMargin, want.MinMargin) || got.Phantoms != want.Phantoms {
				t.Errorf("min_margin %v phantoms %d, want %v %d", got.MinMargin, got.Phantoms, want.MinMargin, want.Phantoms)
			}
			for cid, wc := range want.Contests {
				gc := got.Contests[cid]
				if gc.Cards != wc.Cards {
					t.Errorf("%s cards %d, want %d", cid, gc.Cards, wc.Cards)
				}
				if len(gc.Assertions) != len(wc.Assertions) {
					t.Errorf("%s: %d assertions, want %d", cid, len(gc.Assertions), len(wc.Assertions))
				}
				for name, wa := range wc.Assertions {
					ga, ok := gc.Assertions[name]
					if !ok || !riskClose(ga.Margin, wa.Margin) || !riskClose(ga.TestU, wa.TestU) || ga.UpperBound != wa.Upper {
						t.Errorf("%s/%s: got %+v, want margin %v test_u %v u %v", cid, name, ga, wa.Margin, wa.TestU, wa.Upper)
					}
				}
			}
		})
	}
}

const irvElection = `{"contests": {"mayor": {"cards": 12, "choice_function": "IRV", "n_winners": 1,
  "candidates": ["A", "B", "C"], "winner": ["A"]}},
 "cvrs": [
  {"id": "1", "votes": {"mayor": {"A": 1, "B": 2}}}, {"id": "2", "votes": {"mayor": {"A": 1, "B": 2}}},
  {"id": "3", "votes": {"mayor": {"A": 1, "B": 2}}}, {"id": "4", "votes": {"mayor": {"A": 1, "B": 2}}},
  {"id": "5", "votes": {"mayor": {"A": 1, "B": 2}}},
  {"id": "6", "votes": {"mayor": {"B": 1, "C": 2}}}, {"id": "7", "votes": {"mayor": {"B": 1, "C": 2}}},
  {"id": "8", "votes": {"mayor": {"B": 1, "C": 2}}}, {"id": "9", "votes": {"mayor": {"B": 1, "C": 2}}},
  {"id": "10", "votes": {"mayor": {"C": 1, "A": 2}}}, {"id": "11", "votes": {"mayor": {"C": 1, "A": 2}}},
  {"id": "12", "votes": {"mayor": {"C": 1, "A": 2}}}],
 "use_style": true, "audit_type": "CARD_COMPARISON",
 "assertion_json": [
  {"winner": "A", "loser": "B", "assertion_type": "WINNER_ONLY", "already_eliminated": []}
  ELIM]}`

func TestMarginsIRV(t *testing.T) {
	full := strings.Replace(irvElection, "ELIM",
		`, {"winner": "B", "loser": "C", "assertion_type": "IRV_ELIMINATION", "already_eliminated": []}`, 1)
	got, errs := marginsRun(t, full)
	c := got.Contests["mayor"]
	if len(c.Warnings) != 0 || errs != "" {
		t.Errorf("unexpected warnings %v %q", c.Warnings, errs)
	}
	// A v B: 5 ballots rank A first (1), 4 rank B before A (0), 3 neither (1/2):
	// mean 6.5/12, margin 1/12. B v C with all remaining: B first on 4, C on 3.
	for _, name := range []string{"A v B", "B v C elim "} {
		a, ok := c.Assertions[name]
		if !ok || math.Abs(a.Margin-1.0/12) > 1e-15 || math.Abs(a.TestU-2/(2-a.Margin)) > 1e-15 {
			t.Errorf("%q: %+v", name, a)
		}
	}
	// Without the elimination assertion B could be eliminated first and C
	// win: the CLI still reports the margins, and warns.
	got, errs = marginsRun(t, strings.Replace(irvElection, "ELIM", "", 1))
	if w := got.Contests["mayor"].Warnings; len(w) != 1 || !strings.Contains(w[0], "do not imply") || !strings.Contains(errs, "warning") {
		t.Errorf("warnings %v, stderr %q", w, errs)
	}
}

func TestMarginsValidate(t *testing.T) {
	in := `{"contests": {"c": {"cards": 4, "choice_function": "PLURALITY", "candidates": ["A", "B", "C"], "winner": ["A"]}},
	 "cvrs": [{"id": "1", "votes": {"c": {"A": 1}}}, {"id": "2", "votes": {"c": {"A": 1, "C": 1}}},
	          {"id": "3", "votes": {"c": {"B": 1}}}, {"id": "4", "votes": {"c": {"A": 1}}}],
	 "use_style": true, "audit_type": "POLLING"}`
	// SHANGRLA counts the overvoted card 2 for A against C.
	got, _ := marginsRun(t, in)
	if m := got.Contests["c"].Assertions["A v C"].Margin; m != 0.5 {
		t.Errorf("A v C without validation: %v, want (3-1)/4", m)
	}
	got, _ = marginsRun(t, in, "--validate")
	if m := got.Contests["c"].Assertions["A v C"].Margin; m != 0.5 {
		t.Errorf("A v C validated: %v, want 2/4", m)
	}
	if m := got.Contests["c"].Assertions["A v B"].Margin; m != 0.25 {
		t.Errorf("A v B validated: %v, want (2-1)/4", m)
	}
	if m := got.MinMargin; m != 0.25 || got.Contests["c"].MinMargin != 0.25 {
		t.Errorf("min margin %v, contest's %v", m, got.Contests["c"].MinMargin)
	}
}

func TestMarginsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		msg         string
	}{
		{"bad json", `{"contests": `, nil, 1, "reading the input JSON"},
		{"no contests", `{"cvrs": []}`, nil, 1, "no contests"},
		{"argument", `{}`, []string{"x"}, 2, "unexpected argument"},
		{"bad flag", `{}`, []string{"--nope"}, 2, "flag provided but not defined"},
		{"winner not a candidate", `{"contests": {"c": {"candidates": ["A"], "winner": ["Z"]}}, "cvrs": []}`, nil, 1, `winner "Z"`},
		{"too few cards", `{"contests": {"c": {"cards": 1, "candidates": ["A","B"], "winner": ["A"]}},
		  "cvrs": [{"id": "1", "votes": {"c": {"A": 1}}}, {"id": "2", "votes": {"c": {"B": 1}}}], "use_style": true}`, nil, 1, "cards = 1 but 2 CVRs"},
		{"bad vote", `{"contests": {"c": {"candidates": ["A","B"], "winner": ["A"]}},
		  "cvrs": [{"id": "1", "votes": {"c": {"A": "yes"}}}]}`, nil, 1, `votes["c"]["A"]`},
		{"unknown rule", `{"contests": {"c": {"choice_function": "BORDA", "candidates": ["A","B"], "winner": ["A"]}},
		  "cvrs": [{"id": "1", "votes": {"c": {"A": 1}}}]}`, nil, 1, "unknown choice function"},
		{"irv without assertions", `{"contests": {"c": {"choice_function": "IRV", "candidates": ["A","B"], "winner": ["A"]}},
		  "cvrs": [{"id": "1", "votes": {"c": {"A": 1}}}]}`, nil, 1, "RAIRE assertions"},
		{"raire string eliminated", `{"contests": {"c": {"choice_function": "IRV", "candidates": ["A","B"], "winner": ["A"]}},
		  "cvrs": [{"id": "1", "votes": {"c": {"A": 1}}}],
		  "assertion_json": [{"winner": "A", "loser": "B", "assertion_type": "IRV_ELIMINATION", "already_eliminated": "C"}]}`, nil, 1, "already_eliminated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := riskRun(t, tc.stdin, append([]string{"margins"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tc.code, tc.msg)
			}
		})
	}
}

func TestMarginsHelp(t *testing.T) {
	code, out, _ := riskRun(t, "", "margins", "--help")
	if code != 0 || !strings.Contains(out, "min_margin") || !strings.Contains(out, "--validate") {
		t.Errorf("exit %d, help %q", code, out)
	}
}
