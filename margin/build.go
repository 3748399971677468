package margin

import (
	"fmt"
	"slices"

	"github.com/rlakit/rlakit/cvr"
)

// Rule is a social choice function, by SHANGRLA's name for it.
type Rule string

// The social choice functions Assertions knows.
const (
	Plurality        Rule = "PLURALITY"     // plurality and vote-for-N
	Approval         Rule = "APPROVAL"      // any number of selections is valid
	SupermajorityFor Rule = "SUPERMAJORITY" // the winner needs a share of the valid votes
	IRV              Rule = "IRV"           // instant-runoff voting, with RAIRE assertions
)

// Outcome is a contest's reported outcome: what Assertions needs beside the
// contest's definition.
type Outcome struct {
	Rule    Rule
	Winners []cvr.ChoiceIndex
	// Share is the share of the valid votes a supermajority winner needs.
	Share float64
	// RAIRE holds the assertions of an IRV contest, as RAIRE writes them.
	RAIRE []RAIREAssertion
}

// Assertions returns the assertions that together imply the reported
// outcome o of contest ci (Stark 2020, "Assorters"):
//   - Plurality, vote-for-N (n winners) and Approval: "W v L" for every
//     reported winner W and every other choice L, in choice order;
//     Approval reads any number of selections as valid;
//   - SupermajorityFor: the single "W v ALL_OTHERS";
//   - IRV: the RAIRE assertions o.RAIRE, whose candidates are matched by
//     choice ID, then by name. A repeated assertion is kept once. Use
//     CheckIRV or VerifyIRV to confirm that they imply the winner.
//
// A contest with no loser (as many winners as choices) has no assertion.
func Assertions(e *cvr.Election, ci cvr.ContestIndex, o Outcome) ([]*Assertion, error) {
	c, err := contestOf(e, ci)
	if err != nil {
		return nil, err
	}
	for i, w := range o.Winners {
		if int(w) >= len(c.Choices) {
			return nil, fmt.Errorf("margin: contest %q: winner %d: no choice with index %d", c.ID, i, w)
		}
		if slices.Contains(o.Winners[:i], w) {
			return nil, fmt.Errorf("margin: contest %q: winner %q listed twice", c.ID, c.Choices[w].Name)
		}
	}
	if len(o.Winners) == 0 {
		return nil, fmt.Errorf("margin: contest %q: no reported winner", c.ID)
	}
	var out []*Assertion
	switch o.Rule {
	case Plurality, Approval:
		for _, w := range o.Winners {
			for l := range c.Choices {
				if slices.Contains(o.Winners, cvr.ChoiceIndex(l)) {
					continue
				}
				a, err := NewPairwise(e, ci, w, cvr.ChoiceIndex(l))
				if err != nil {
					return nil, err
				}
				if o.Rule == Approval {
					a.voteFor = 0
				}
				out = append(out, a)
			}
		}
	case SupermajorityFor:
		if len(o.Winners) != 1 {
			return nil, fmt.Errorf("margin: contest %q: a supermajority has one winner, not %d", c.ID, len(o.Winners))
		}
		a, err := NewSupermajority(e, ci, o.Winners[0], o.Share)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	case IRV:
		if len(o.Winners) != 1 {
			return nil, fmt.Errorf("margin: contest %q: IRV has one winner, not %d", c.ID, len(o.Winners))
		}
		if len(o.RAIRE) == 0 {
			return nil, fmt.Errorf("margin: contest %q: IRV needs RAIRE assertions", c.ID)
		}
		seen := map[string]bool{}
		for i, r := range o.RAIRE {
			a, err := r.assertion(e, ci)
			if err != nil {
				return nil, fmt.Errorf("margin: contest %q: RAIRE assertion %d: %w", c.ID, i, err)
			}
			if !seen[a.Name] {
				seen[a.Name] = true
				out = append(out, a)
			}
		}
	default:
		return nil, fmt.Errorf("margin: contest %q: unknown choice function %q (want PLURALITY, APPROVAL, SUPERMAJORITY or IRV)", c.ID, o.Rule)
	}
	return out, nil
}

// choiceRef finds a choice of c by ID, then by name.
func choiceRef(c *cvr.Contest, ref string) (cvr.ChoiceIndex, error) {
	if i, ok := c.ChoiceByID(ref); ok {
		return i, nil
	}
	for i, ch := range c.Choices {
		if ch.Name == ref {
			return cvr.ChoiceIndex(i), nil
		}
	}
	return 0, fmt.Errorf("contest %q has no candidate %q", c.ID, ref)
}

func (r RAIREAssertion) assertion(e *cvr.Election, ci cvr.ContestIndex) (*Assertion, error) {
	c := e.Contests[ci]
	w, err := choiceRef(c, r.Winner)
	if err != nil {
		return nil, fmt.Errorf("winner: %w", err)
	}
	l, err := choiceRef(c, r.Loser)
	if err != nil {
		return nil, fmt.Errorf("loser: %w", err)
	}
	switch r.Type {
	case RAIREWinnerOnly:
		return NewWinnerOnly(e, ci, w, l)
	case RAIREElimination:
		elim := make([]cvr.ChoiceIndex, len(r.Eliminated))
		for i, x := range r.Eliminated {
			if elim[i], err = choiceRef(c, x); err != nil {
				return nil, fmt.Errorf("already_eliminated[%d]: %w", i, err)
			}
		}
		return NewElimination(e, ci, w, l, elim)
	}
	return nil, fmt.Errorf("assertion_type %q (want %s or %s)", r.Type, RAIREWinnerOnly, RAIREElimination)
}
