package rla

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
)

// ContestSummary is what the commitment records of each contest under audit.
type ContestSummary struct {
	Name    string `json:"name"`
	ID      string `json:"id"`
	VoteFor int    `json:"vote_for"`
	// Cards is the number of cards that may hold the contest: the CVRs that
	// do, plus every phantom (a missing card may have held it). It is the
	// population the contest's sample is drawn from.
	Cards int64 `json:"cards"`
	// Reported holds the reported votes by choice name; Winners the
	// reported winners derived from them.
	Reported map[string]int64 `json:"reported"`
	Winners  []string         `json:"winners"`
	// Assertions are the contest's assertions with their diluted margins
	// from the reported results.
	Assertions []AssertionSummary `json:"assertions"`
	// Opportunistic marks a contest that was not targeted: it is measured
	// on the cards drawn for the targeted contests but sets no sample size.
	Opportunistic bool `json:"opportunistic,omitempty"`
}

// AssertionSummary describes one assertion of a contest.
type AssertionSummary struct {
	Name string `json:"name"`
	// Margin is the diluted margin v from the reported results, with
	// MarginExact the exact fraction it rounds.
	Margin      float64 `json:"margin"`
	MarginExact string  `json:"margin_exact"`
}

// contest is a contest under audit, with everything its measurement needs.
type contest struct {
	ContestSummary
	index       cvr.ContestIndex
	assertions  []*margin.Assertion
	comparisons []*margin.Comparison // comparison audits: one per assertion
	minMargin   float64
	// polled marks a contest of a comparison audit audited by ballot
	// polling (Config.Polled): its cards are drawn with the others', and
	// the audit board's reading alone measures its risk.
	polled bool
}

// buildContests selects the contests under audit and builds their
// assertions from the reported results. names empty means every contest.
func buildContests(d *Data, cfg Config) ([]*contest, error) {
	var idx []cvr.ContestIndex
	if len(cfg.Contests) == 0 {
		for i := range d.Election.Contests {
			idx = append(idx, cvr.ContestIndex(i))
		}
	} else {
		for _, name := range cfg.Contests {
			ci, ok := d.contestByName(name)
			if !ok {
				var known []string
				for _, c := range d.Election.Contests {
					known = append(known, fmt.Sprintf("%q", c.Name))
				}
				return nil, fmt.Errorf("rla: no contest named %q in the CVRs (contests: %s)", name, strings.Join(known, ", "))
			}
			if slices.Contains(idx, ci) {
				return nil, fmt.Errorf("rla: contest %q named twice", name)
			}
			idx = append(idx, ci)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("rla: the CVRs hold no contest to audit")
	}
	for _, name := range cfg.Polled {
		if !slices.ContainsFunc(d.Election.Contests, func(ec *cvr.Contest) bool { return sameName(name, ec) }) {
			return nil, fmt.Errorf("rla: polled contest %q is not in the CVRs", name)
		}
	}
	reported, err := reportedVotes(d)
	if err != nil {
		return nil, err
	}
	var out []*contest
	for _, ci := range idx {
		c, err := buildContest(d, cfg, ci, reported[ci])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	// The other contests are measured opportunistically on the cards drawn
	// for the targeted ones, when they can be: a contest that cannot (a
	// ranked contest without RAIRE assertions, one without results, a tie)
	// is left out, its reason recorded.
	for i := range d.Election.Contests {
		ci := cvr.ContestIndex(i)
		if slices.Contains(idx, ci) {
			continue
		}
		c, err := buildContest(d, cfg, ci, reported[ci])
		if err != nil {
			continue
		}
		c.Opportunistic = true
		out = append(out, c)
	}
	return out, nil
}

// reportedVotes matches the reported results to the CVRs' contests and
// choices (by name or ID, ignoring case) and returns the votes by contest
// and choice index. Without results the CVR tally stands in.
func reportedVotes(d *Data) (map[cvr.ContestIndex][]int64, error) {
	out := map[cvr.ContestIndex][]int64{}
	if d.Results == nil {
		for i, ct := range d.Tally.Contests {
			out[cvr.ContestIndex(i)] = slices.Clone(ct.Votes)
		}
		return out, nil
	}
	for _, r := range d.Results.Rows {
		ci, ok := d.contestByName(r.Contest)
		if !ok {
			continue // reconciliation reports results for unknown contests
		}
		c := d.Election.Contest(ci)
		ch := -1
		for j, x := range c.Choices {
			if strings.EqualFold(x.Name, r.Choice) || strings.EqualFold(x.ID, r.Choice) {
				ch = j
				break
			}
		}
		if ch < 0 {
			continue
		}
		if out[ci] == nil {
			out[ci] = make([]int64, len(c.Choices))
		}
		out[ci][ch] += r.Votes
	}
	return out, nil
}

func buildContest(d *Data, cfg Config, ci cvr.ContestIndex, votes []int64) (*contest, error) {
	ec := d.Election.Contest(ci)
	if ec.Ranked() {
		return buildIRVContest(d, cfg, ci, votes)
	}
	if votes == nil {
		return nil, fmt.Errorf("rla: contest %q has no reported results", ec.Name)
	}
	c := &contest{index: ci}
	c.Name, c.ID, c.VoteFor = ec.Name, ec.ID, ec.VoteFor
	c.Reported = map[string]int64{}
	for j, x := range ec.Choices {
		c.Reported[x.Name] = votes[j]
	}
	// Winners: the VoteFor choices with the most reported votes. A tie at
	// the last winning place leaves the outcome undetermined.
	order := make([]int, len(ec.Choices))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(votes[b], votes[a]) })
	n := min(ec.VoteFor, len(order))
	if n < len(order) && n > 0 && votes[order[n-1]] == votes[order[n]] {
		return nil, fmt.Errorf("rla: contest %q: %q and %q tie for the last winning place with %d votes; resolve the tie as the law says and audit the resolved outcome",
			ec.Name, ec.Choices[order[n-1]].Name, ec.Choices[order[n]].Name, votes[order[n]])
	}
	var winners []cvr.ChoiceIndex
	for _, j := range order[:n] {
		winners = append(winners, cvr.ChoiceIndex(j))
		c.Winners = append(c.Winners, ec.Choices[j].Name)
	}
	rule := margin.Plurality
	if ec.Approval {
		rule = margin.Approval
	}
	var err error
	c.assertions, err = margin.Assertions(d.Election, ci, margin.Outcome{Rule: rule, Winners: winners})
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Method == Polling || cfg.Method == Batch:
		// Polling and batch audits sample the whole manifest, so margins
		// are diluted over all its cards.
		c.Cards = d.Manifest.Cards()
	case !cfg.cardStyle():
		// Rivest's sampler draws from every card, phantoms included.
		c.Cards = int64(d.Cards.Len())
	default:
		// The tally counts the CVRs that hold the contest (it is made
		// before the phantoms are added); every phantom may hold it too,
		// and every card of a pool that reports it.
		c.Cards = d.populationCards(ci)
	}
	if c.Cards == 0 {
		return nil, fmt.Errorf("rla: contest %q is on no card", ec.Name)
	}
	c.minMargin = 2
	for _, a := range c.assertions {
		exact, err := a.Diluted(votes, c.Cards)
		if err != nil {
			return nil, fmt.Errorf("rla: contest %q: %w", ec.Name, err)
		}
		v, _ := exact.Float64()
		c.Assertions = append(c.Assertions, AssertionSummary{Name: a.Name, Margin: v, MarginExact: exact.RatString()})
		if v <= 0 {
			return nil, fmt.Errorf("rla: contest %q: assertion %q has margin %s <= 0 on the reported results", ec.Name, a.Name, exact.RatString())
		}
		c.minMargin = min(c.minMargin, v)
		if cfg.RiskFunction == RiskBravo && a.Kind != margin.Pairwise {
			return nil, fmt.Errorf("rla: contest %q: BRAVO tests winner-loser pairs; assertion %q is not one (use the default risk function)", ec.Name, a.Name)
		}
		if cfg.Method != Polling && !slices.ContainsFunc(cfg.Polled, func(n string) bool { return sameName(n, ec) }) {
			// Card-level audits use card-style data; a batch's overstatement
			// is over all its cards.
			comp, err := margin.NewComparison(a, v, cfg.cardStyle())
			if err != nil {
				return nil, fmt.Errorf("rla: contest %q: %w", ec.Name, err)
			}
			c.comparisons = append(c.comparisons, comp)
		}
	}
	c.polled = cfg.Method != Polling && len(c.comparisons) == 0 && len(c.assertions) > 0
	if cfg.Method == Hybrid {
		if err := c.setPoolMeans(d); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// sameName reports whether name names contest ec (by name or ID, ignoring
// case).
func sameName(name string, ec *cvr.Contest) bool {
	name = strings.TrimSpace(name)
	return strings.EqualFold(ec.Name, name) || strings.EqualFold(ec.ID, name)
}

// populationCards counts the cards that may hold contest ci in a card-level
// audit: the CVRs that do (the tally is made before the phantoms are
// added), every phantom and pending slot, and every card of a pool that
// reports it; after a second phase, counted on the merged list.
func (d *Data) populationCards(ci cvr.ContestIndex) int64 {
	if d.contestCards != nil {
		return d.contestCards[ci]
	}
	return d.Tally.Contests[ci].Cards + int64(d.Phantoms+d.Pending) + d.pooledCards(ci)
}

// buildIRVContest builds a ranked-choice contest from its RAIRE
// assertions (Blom, Stuckey & Teague 2019). The reported winner is the one
// the instant-runoff count of the CVRs elects; the assertions must imply
// it (margin.VerifyIRV). Their margins need the ballots, not a tally, so
// they are measured on the CVRs (phantoms included, at 1/2).
func buildIRVContest(d *Data, cfg Config, ci cvr.ContestIndex, votes []int64) (*contest, error) {
	ec := d.Election.Contest(ci)
	raire := d.RAIRE[ci]
	if len(raire) == 0 {
		return nil, fmt.Errorf("rla: contest %q is ranked-choice: give RAIRE's assertions for it (--raire %q=FILE), or leave it out with --contests", ec.Name, ec.Name)
	}
	if !cfg.cardStyle() || slices.ContainsFunc(cfg.Polled, func(n string) bool { return sameName(n, ec) }) {
		return nil, fmt.Errorf("rla: contest %q is ranked-choice: rla audits RAIRE assertions by ballot-level comparison with consistent sampling only", ec.Name)
	}
	irv, err := d.Tally.IRV(ci)
	if err != nil {
		return nil, fmt.Errorf("rla: contest %q: %w", ec.Name, err)
	}
	c := &contest{index: ci}
	c.Name, c.ID, c.VoteFor = ec.Name, ec.ID, ec.VoteFor
	c.Reported = map[string]int64{}
	for j, x := range ec.Choices {
		if votes != nil {
			c.Reported[x.Name] = votes[j]
		} else {
			c.Reported[x.Name] = d.Tally.Contests[ci].Votes[j]
		}
	}
	c.Winners = []string{ec.Choices[irv.Winner].Name}
	if c.assertions, err = margin.Assertions(d.Election, ci, margin.Outcome{Rule: margin.IRV, Winners: []cvr.ChoiceIndex{irv.Winner}, RAIRE: raire}); err != nil {
		return nil, err
	}
	if err := margin.VerifyIRV(d.Tally, ci, irv.Winner, c.assertions); err != nil {
		return nil, fmt.Errorf("rla: contest %q: %w", ec.Name, err)
	}
	c.Cards = d.populationCards(ci)
	meter := margin.Measure(d.Cards, c.assertions, true, runtime.GOMAXPROCS(0))
	c.minMargin = 2
	for i, a := range c.assertions {
		exact, err := meter.ExactMargin(i)
		if err != nil {
			return nil, fmt.Errorf("rla: contest %q: %w", ec.Name, err)
		}
		v, err := meter.Margin(i)
		if err != nil {
			return nil, fmt.Errorf("rla: contest %q: %w", ec.Name, err)
		}
		if v <= 0 {
			return nil, fmt.Errorf("rla: contest %q: RAIRE assertion %q has margin %s <= 0 on the CVRs", ec.Name, a.Name, exact.RatString())
		}
		c.Assertions = append(c.Assertions, AssertionSummary{Name: a.Name, Margin: v, MarginExact: exact.RatString()})
		c.minMargin = min(c.minMargin, v)
		comp, err := margin.NewComparison(a, v, true)
		if err != nil {
			return nil, fmt.Errorf("rla: contest %q: %w", ec.Name, err)
		}
		c.comparisons = append(c.comparisons, comp)
	}
	return c, nil
}
