package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/rlakit/rlakit/margin"
)

func init() {
	register(&command{
		name:    "margins",
		summary: "assertions, diluted margins and test bounds of an election (SHANGRLA JSON on stdin)",
		run:     runMargins,
	})
}

const marginsUsage = `rla margins [--validate] < election.json

Reads one JSON object in SHANGRLA's shape:
  {"contests": {ID: {"name", "risk_limit", "cards", "choice_function":
                     "PLURALITY" | "APPROVAL" | "SUPERMAJORITY" | "IRV",
                     "n_winners", "vote_for", "share_to_win", "candidates",
                     "winner": [...], "audit_type", "assertion_json"}},
   "cvrs": [{"id", "votes": {contest: {candidate: 1 or rank}}, "phantom",
             "pool", "tally_pool"}],
   "max_cards", "use_style", "audit_type": "CARD_COMPARISON" | "POLLING" | "ONEAUDIT",
   "assertion_json": [RAIRE assertions] or null}
adds phantoms as SHANGRLA does, builds every contest's assertions, and writes
  {"min_margin", "phantoms", "contests": {ID: {"cards", "tally", "min_margin", "assertions":
    {NAME: {"winner", "loser", "margin", "upper_bound", "test_u"}}, "warnings"}}}
where margin is the diluted margin from the CVRs, upper_bound the assorter's
u_A and test_u the bound handed to the risk function (u_A for polling,
2/(2 - margin/u_A) for comparison audits). IRV assertions that do not imply
the reported winner are reported in the contest's warnings and on stderr.`

func runMargins(e *env, args []string) error {
	fs := newFlags(e, marginsUsage)
	validate := fs.Bool("validate", false, "count a CVR with more votes than vote_for for no candidate (SHANGRLA counts them unless it validates)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q (the input is read from stdin)", pos[0])
	}
	in, err := margin.ReadInput(e.stdin)
	if err != nil {
		return err
	}
	in.Validate = in.Validate || *validate
	rep, err := in.Margins()
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(rep.Contests))
	for id := range rep.Contests {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, w := range rep.Contests[id].Warnings {
			fmt.Fprintf(e.stderr, "warning: contest %q: %s\n", id, w)
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
