package margin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/rlakit/rlakit/cvr"
)

// Input is a self-contained election in SHANGRLA's JSON shape, the input of
// "rla margins": contests by ID, CVRs, and the audit's settings.
type Input struct {
	Contests map[string]*InputContest `json:"contests"`
	CVRs     []InputCVR               `json:"cvrs"`
	// MaxCards is the number of cards in all (the manifest's); without
	// card-style data it is every contest's card count.
	MaxCards *int64 `json:"max_cards"`
	// UseStyle: card-style data is used. When absent, the contests'
	// use_style is taken if they agree, otherwise true.
	UseStyle *bool `json:"use_style"`
	// AuditType overrides the contests' audit_type when set.
	AuditType AuditType `json:"audit_type"`
	// AssertionJSON holds RAIRE assertions for the one IRV contest that has
	// none of its own.
	AssertionJSON json.RawMessage `json:"assertion_json"`
	// Validate applies SHANGRLA's vote_limit validation: a CVR with more
	// votes than vote_for in a (non-approval) contest counts for no
	// candidate there. SHANGRLA's assorters, without it, count every vote;
	// so does Input by default, to reproduce SHANGRLA.
	Validate bool `json:"validate"`
}

// InputContest is one contest of an Input, with SHANGRLA's field names.
type InputContest struct {
	Name           string          `json:"name"`
	RiskLimit      float64         `json:"risk_limit"`
	Cards          *int64          `json:"cards"`
	ChoiceFunction Rule            `json:"choice_function"`
	NWinners       int             `json:"n_winners"`
	VoteFor        int             `json:"vote_for"`
	ShareToWin     float64         `json:"share_to_win"`
	Candidates     []string        `json:"candidates"`
	Winner         []string        `json:"winner"`
	AuditType      AuditType       `json:"audit_type"`
	UseStyle       *bool           `json:"use_style"`
	AssertionJSON  json.RawMessage `json:"assertion_json"`
}

// InputCVR is one CVR of an Input: votes[contest][candidate] is 1 (or
// true) for a vote, or the rank for a ranked contest; 0 or false is no vote.
type InputCVR struct {
	ID        string                                `json:"id"`
	Votes     map[string]map[string]json.RawMessage `json:"votes"`
	Phantom   bool                                  `json:"phantom"`
	Pool      bool                                  `json:"pool"`
	TallyPool *string                               `json:"tally_pool"`
}

// Report is the result of Input.Margins, the output of "rla margins".
type Report struct {
	MinMargin float64                   `json:"min_margin"`
	Phantoms  int                       `json:"phantoms"`
	Contests  map[string]*ContestReport `json:"contests"`
}

// ContestReport is one contest of a Report.
type ContestReport struct {
	// Cards is the contest's card count: the denominator of its margins.
	Cards int64            `json:"cards"`
	Tally map[string]int64 `json:"tally"`
	// MinMargin is the contest's smallest assertion margin.
	MinMargin  float64                     `json:"min_margin"`
	Assertions map[string]*AssertionReport `json:"assertions"`
	// Warnings says, for an IRV contest, when the assertions do not imply
	// the reported winner or cvr's IRV count elects someone else.
	Warnings []string `json:"warnings,omitempty"`
}

// AssertionReport is one assertion of a ContestReport.
type AssertionReport struct {
	Winner string  `json:"winner"`
	Loser  string  `json:"loser"`
	Margin float64 `json:"margin"`
	// UpperBound is the assorter's u_A; TestU the bound handed to the risk
	// function (u_A for polling, 2/(2 − v/u_A) for comparison audits).
	UpperBound float64            `json:"upper_bound"`
	TestU      float64            `json:"test_u"`
	PoolMeans  map[string]float64 `json:"pool_means,omitempty"`
}

// ReadInput decodes an Input from r; unknown fields are ignored.
func ReadInput(r io.Reader) (*Input, error) {
	var in Input
	dec := json.NewDecoder(r)
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("margin: reading the input JSON: %w", err)
	}
	return &in, nil
}

// InputElection is an Input made into rlakit's model: the election, the cards
// (real CVRs, then phantoms), and what the Input says of them.
type InputElection struct {
	Election *cvr.Election
	Cards    []cvr.Card
	Pools    []string // by card: the ONEAudit pool, or ""
	Phantoms int
	UseStyle bool
	// ContestCards are the contests' card counts by contest index.
	ContestCards []int64
	// All holds every contest's assertions, contest by contest;
	// Assertions(ci) those of contest ci.
	All     []*Assertion
	ids     []string // contest IDs by index
	first   []int    // All[first[ci]:first[ci+1]] are contest ci's
	winners []cvr.ChoiceIndex
}

// Assertions returns the assertions of contest ci.
func (el *InputElection) Assertions(ci cvr.ContestIndex) []*Assertion {
	return el.All[el.first[ci]:el.first[ci+1]]
}

// Build makes the Input into an InputElection, adding phantoms as SHANGRLA's
// CVR.make_phantoms does: with card-style data, for each contest
// cards − (CVRs holding it) phantoms, shared among contests and holding
// {contest: {}}; without it, max_cards − (CVRs) phantoms with no votes, and
// every contest's card count becomes max_cards.
func (in *Input) Build() (*InputElection, error) {
	if len(in.Contests) == 0 {
		return nil, fmt.Errorf("margin: input: no contests")
	}
	out := &InputElection{Election: &cvr.Election{}}
	e := out.Election
	out.ids = make([]string, 0, len(in.Contests))
	for id := range in.Contests {
		out.ids = append(out.ids, id)
	}
	slices.Sort(out.ids)
	style, styleSet := true, false
	for _, id := range out.ids {
		c := in.Contests[id]
		if c == nil {
			return nil, fmt.Errorf("margin: input: contest %q: null", id)
		}
		if c.UseStyle != nil {
			if !styleSet {
				style = *c.UseStyle
			} else if *c.UseStyle != style {
				style = true // the contests disagree
			}
			styleSet = true
		}
		if len(c.Candidates) == 0 {
			return nil, fmt.Errorf("margin: input: contest %q: no candidates", id)
		}
		mc := cvr.Contest{ID: id, Name: c.Name, VoteFor: max(c.VoteFor, 1)}
		if mc.Name == "" {
			mc.Name = id
		}
		switch c.ChoiceFunction {
		case Approval:
			mc.Approval = true
		case IRV:
			mc.Ranks = min(len(c.Candidates), cvr.MaxRanks)
			mc.VoteFor = 1
		}
		for _, name := range c.Candidates {
			mc.Choices = append(mc.Choices, cvr.Choice{ID: name, Name: name})
		}
		ci, err := e.AddContest(mc)
		if err != nil {
			return nil, fmt.Errorf("margin: input: contest %q: %w", id, err)
		}
		if got := len(e.Contests[ci].Choices); got != len(c.Candidates) {
			return nil, fmt.Errorf("margin: input: contest %q: a candidate is listed twice", id)
		}
	}
	out.UseStyle = style
	if in.UseStyle != nil {
		out.UseStyle = *in.UseStyle
	}
	real := make([]int64, len(e.Contests))
	for i, r := range in.CVRs {
		card := cvr.Card{ID: r.ID, ImprintedID: r.ID, Phantom: r.Phantom}
		var err error
		if card.Votes, err = out.votes(r.Votes, fmt.Sprintf("cvrs[%d] (%q)", i, r.ID)); err != nil {
			return nil, err
		}
		for cv := range card.Votes.All() {
			real[cv.Contest]++
		}
		pool := ""
		if r.Pool {
			if r.TallyPool == nil || *r.TallyPool == "" {
				return nil, fmt.Errorf("margin: input: cvrs[%d] (%q): pool is true but tally_pool is missing", i, r.ID)
			}
			pool = *r.TallyPool
		}
		out.Cards = append(out.Cards, card)
		out.Pools = append(out.Pools, pool)
	}
	out.ContestCards = make([]int64, len(e.Contests))
	if out.UseStyle {
		need := make([]int64, len(e.Contests))
		for ci := range e.Contests {
			cards := real[ci]
			if c := in.Contests[out.ids[ci]]; c.Cards != nil {
				cards = *c.Cards
			}
			if cards < real[ci] {
				return nil, fmt.Errorf("margin: input: contest %q: cards = %d but %d CVRs hold it", out.ids[ci], cards, real[ci])
			}
			out.ContestCards[ci] = cards
			need[ci] = cards - real[ci]
			out.Phantoms = max(out.Phantoms, int(need[ci]))
		}
		for k := range out.Phantoms {
			p := cvr.Card{ID: "phantom-" + strconv.Itoa(k+1), Phantom: true}
			for ci := range e.Contests {
				if int64(k) < need[ci] {
					p.Votes.Begin(cvr.ContestIndex(ci), 0)
				}
			}
			p.ImprintedID = p.ID
			out.Cards = append(out.Cards, p)
			out.Pools = append(out.Pools, "")
		}
	} else {
		maxCards := int64(len(in.CVRs))
		if in.MaxCards != nil {
			maxCards = *in.MaxCards
		}
		if maxCards < int64(len(in.CVRs)) {
			return nil, fmt.Errorf("margin: input: max_cards = %d but there are %d CVRs", maxCards, len(in.CVRs))
		}
		out.Phantoms = int(maxCards - int64(len(in.CVRs)))
		for k := range out.Phantoms {
			id := "phantom-" + strconv.Itoa(k+1)
			out.Cards = append(out.Cards, cvr.Card{ID: id, ImprintedID: id, Phantom: true})
			out.Pools = append(out.Pools, "")
		}
		for ci := range out.ContestCards {
			out.ContestCards[ci] = maxCards
		}
	}
	if err := in.assertions(out); err != nil {
		return nil, err
	}
	return out, nil
}

// votes makes SHANGRLA's votes {contest: {candidate: value}} into
// cvr.Votes. Contests that are not under audit and candidates a contest
// does not list are left out: SHANGRLA's assorters never look at them.
func (el *InputElection) votes(votes map[string]map[string]json.RawMessage, where string) (cvr.Votes, error) {
	e := el.Election
	var out cvr.Votes
	cids := make([]string, 0, len(votes))
	for cid := range votes {
		cids = append(cids, cid)
	}
	slices.Sort(cids)
	for _, cid := range cids {
		ci, ok := e.ContestByID(cid)
		if !ok {
			continue
		}
		c := e.Contests[ci]
		type sel struct {
			ch   cvr.ChoiceIndex
			rank int
		}
		var sels []sel
		for cand, raw := range votes[cid] {
			v, err := voteValue(raw)
			if err != nil {
				return out, fmt.Errorf("margin: input: %s: votes[%q][%q]: %w", where, cid, cand, err)
			}
			ch, ok := c.ChoiceByID(cand)
			if !ok || v == 0 {
				continue
			}
			if c.Ranked() && v > cvr.MaxRanks {
				return out, fmt.Errorf("margin: input: %s: votes[%q][%q]: rank %d out of 1..%d", where, cid, cand, v, cvr.MaxRanks)
			}
			sels = append(sels, sel{ch, v})
		}
		slices.SortFunc(sels, func(a, b sel) int {
			if c.Ranked() && a.rank != b.rank {
				return a.rank - b.rank
			}
			return int(a.ch) - int(b.ch)
		})
		out.Begin(ci, 0)
		for _, s := range sels {
			rank := uint8(0)
			if c.Ranked() {
				rank = uint8(s.rank)
			}
			out.Select(cvr.Selection{Choice: s.ch, Rank: rank})
		}
	}
	return out, nil
}

// voteValue reads a SHANGRLA vote value: a number (1 for a vote, or a
// rank) or a boolean; Python's bool(value) decides whether it is a vote.
func voteValue(raw json.RawMessage) (int, error) {
	switch s := string(bytes.TrimSpace(raw)); s {
	case "true":
		return 1, nil
	case "false", "null":
		return 0, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || f < 0 || f > 1<<20 {
		return 0, fmt.Errorf("want 1, true, false or a rank, got %.20s", raw)
	}
	return int(f), nil
}

// assertions builds every contest's assertions from the reported winners.
func (in *Input) assertions(el *InputElection) error {
	e := el.Election
	var all []*Assertion
	first := make([]int, len(e.Contests)+1)
	winners := make([]cvr.ChoiceIndex, len(e.Contests))
	irvTop := 0
	for _, id := range el.ids {
		if c := in.Contests[id]; c.ChoiceFunction == IRV && isNull(c.AssertionJSON) {
			irvTop++
		}
	}
	for ci, id := range el.ids {
		c := in.Contests[id]
		first[ci] = len(all)
		o := Outcome{Rule: c.ChoiceFunction, Share: c.ShareToWin}
		if o.Rule == "" {
			o.Rule = Plurality
		}
		for _, w := range c.Winner {
			ch, ok := e.Contests[ci].ChoiceByID(w)
			if !ok {
				return fmt.Errorf("margin: input: contest %q: winner %q is not a candidate", id, w)
			}
			o.Winners = append(o.Winners, ch)
		}
		if c.NWinners > 0 && c.NWinners != len(o.Winners) {
			return fmt.Errorf("margin: input: contest %q: n_winners = %d but %d winners listed", id, c.NWinners, len(o.Winners))
		}
		if o.Rule == IRV {
			raw := c.AssertionJSON
			if isNull(raw) {
				if irvTop > 1 {
					return fmt.Errorf("margin: input: contest %q: %d IRV contests share the top-level assertion_json; give each its own", id, irvTop)
				}
				raw = in.AssertionJSON
			}
			if isNull(raw) {
				return fmt.Errorf("margin: input: contest %q: IRV needs RAIRE assertions (assertion_json)", id)
			}
			var err error
			if o.RAIRE, err = ReadRAIREJSON(bytes.NewReader(raw), "contest "+strconv.Quote(id)+" assertion_json"); err != nil {
				return err
			}
		}
		asrts, err := Assertions(e, cvr.ContestIndex(ci), o)
		if err != nil {
			return err
		}
		if !in.Validate {
			for _, a := range asrts {
				if a.Kind == Pairwise {
					a.voteFor = 0 // SHANGRLA's assorter ignores vote_for
				}
			}
		}
		if len(o.Winners) > 0 {
			winners[ci] = o.Winners[0]
		}
		all = append(all, asrts...)
	}
	first[len(e.Contests)] = len(all)
	el.All, el.first, el.winners = all, first, winners
	return nil

}

// Margins builds every contest's assertions from the Input's reported
// winners, reads the cards once with a Meter, and reports each assertion's
// diluted margin from the CVRs, u_A and test_u, with the smallest margin.
// IRV contests are checked with VerifyIRV; a failure is reported in the
// contest's Warnings (SHANGRLA does not check), not as an error.
func (in *Input) Margins() (*Report, error) {
	el, err := in.Build()
	if err != nil {
		return nil, err
	}
	e := el.Election
	all, first, winners := el.All, el.first, el.winners
	meter := NewMeter(all, el.UseStyle)
	pools := NewPools(all, el.UseStyle)
	tally := &cvr.Tally{Election: e}
	tallies := make([]map[string]int64, len(e.Contests))
	for ci := range tallies {
		tallies[ci] = map[string]int64{}
	}
	for i := range el.Cards {
		c := &el.Cards[i]
		meter.Add(c.Votes)
		if el.Pools[i] != "" {
			pools.Add(el.Pools[i], c.Votes)
		}
		if c.Phantom {
			continue
		}
		tally.Add(c)
		for cv := range c.Votes.All() {
			in.tallyVote(e.Contests[cv.Contest], cv, tallies[cv.Contest])
		}
	}

	rep := &Report{Phantoms: el.Phantoms, Contests: map[string]*ContestReport{}, MinMargin: math.Inf(1)}
	for ci, id := range el.ids {
		c := in.Contests[id]
		cr := &ContestReport{Cards: el.ContestCards[ci], Tally: tallies[ci], Assertions: map[string]*AssertionReport{}}
		rep.Contests[id] = cr
		at := in.AuditType
		if at == "" {
			at = c.AuditType
		}
		if at == "" {
			at = CardComparison
		}
		asrts := all[first[ci]:first[ci+1]]
		for k, a := range asrts {
			i := first[ci] + k
			v, err := meter.Margin(i)
			if err != nil {
				return nil, err
			}
			u, err := at.TestUpper(a, v)
			if err != nil {
				return nil, err
			}
			ar := &AssertionReport{Winner: a.WinnerName, Loser: a.LoserName, Margin: v, UpperBound: a.upper, TestU: u}
			if at == ONEAudit {
				if pm := pools.Means(i); len(pm) > 0 {
					ar.PoolMeans = pm
				}
			}
			cr.Assertions[a.Name] = ar
			if k == 0 || v < cr.MinMargin {
				cr.MinMargin = v
			}
			rep.MinMargin = min(rep.MinMargin, v)
		}
		if c.ChoiceFunction == IRV {
			if err := VerifyIRV(tally, cvr.ContestIndex(ci), winners[ci], asrts); err != nil {
				cr.Warnings = append(cr.Warnings, err.Error())
			}
		}
	}
	if math.IsInf(rep.MinMargin, 1) {
		return nil, fmt.Errorf("margin: input: no contest has an assertion")
	}
	return rep, nil
}

// tallyVote adds a CVR's vote to a contest's tally as SHANGRLA counts it:
// every vote for a candidate, or for a ranked contest the first preference
// (overvoted contests excluded when validating).
func (in *Input) tallyVote(c *cvr.Contest, cv cvr.ContestVote, t map[string]int64) {
	if c.Ranked() {
		var buf [16]cvr.ChoiceIndex
		if prefs, ok := readRanking(cv, buf[:0]); ok && len(prefs) > 0 {
			t[c.Choices[prefs[0]].Name]++
		}
		return
	}
	if in.Validate && !c.Approval && cv.Len() > c.VoteFor {
		return
	}
	for i := range cv.Len() {
		t[c.Choices[cv.Selection(i).Choice].Name]++
	}
}

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}
