package cvr

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
)

// ContestTally is the count of one contest.
//
// For plurality, vote-for-N and approval contests Votes[i] is the number of
// valid votes for choice i. A card whose contest is overvoted (more marks
// than VoteFor; never in an approval contest) or flagged Invalid counts for
// no choice. Undervotes counts unused votes: VoteFor minus the valid
// selections, summed over the cards that are not overvoted.
//
// For ranked contests Votes[i] counts the ballots whose first preference
// (see Preferences) is choice i; Overvotes counts the ballots that exhaust
// on an overvoted first ranking, Undervotes those with no ranking at all.
// The raw rankings are kept in Ballots for IRV.
//
// Votes includes the pooled votes added by Tally.AddPool, which Pooled also
// holds apart; Cards, Overvotes and Undervotes count individual cards only.
type ContestTally struct {
	Contest    ContestIndex
	Cards      int64 // cards on which the contest appears
	Votes      []int64
	Pooled     []int64 // the part of Votes from pools; nil without any
	Overvotes  int64
	Undervotes int64
	Invalid    int64 // cards on which the vendor excluded the contest
	Ballots    *RankedBallots
}

// Tally is the count of an election's cards, and of its pooled totals.
type Tally struct {
	Election *Election
	Cards    int64          // individual cards, pooled ones not included
	Contests []ContestTally // indexed by ContestIndex
	Pools    []*Pool        // in the order added
}

// Tabulate counts the cards of seq, stopping at the first error.
func Tabulate(e *Election, seq iter.Seq2[Card, error]) (*Tally, error) {
	t := &Tally{Election: e}
	for c, err := range seq {
		if err != nil {
			return nil, err
		}
		t.Add(&c)
	}
	t.grow()
	return t, nil
}

func (t *Tally) grow() {
	for len(t.Contests) < len(t.Election.Contests) {
		ci := ContestIndex(len(t.Contests))
		ct := ContestTally{Contest: ci}
		if t.Election.Contests[ci].Ranked() {
			ct.Ballots = &RankedBallots{counts: map[string]int64{}}
		}
		t.Contests = append(t.Contests, ct)
	}
	for i := range t.Contests {
		if n := len(t.Election.Contests[i].Choices); len(t.Contests[i].Votes) < n {
			t.Contests[i].Votes = append(t.Contests[i].Votes, make([]int64, n-len(t.Contests[i].Votes))...)
		}
	}
}

// Add counts one card. Phantom cards are counted as cards but hold no votes.
func (t *Tally) Add(c *Card) {
	t.Cards++
	for cv := range c.Votes.All() {
		if int(cv.Contest) >= len(t.Contests) {
			t.grow()
		}
		ct := &t.Contests[cv.Contest]
		contest := t.Election.Contests[cv.Contest]
		ct.Cards++
		if cv.Flags&Invalid != 0 {
			ct.Invalid++
			continue
		}
		if contest.Ranked() {
			key := ct.Ballots.add(cv)
			prefs, over := preferences(key, nil)
			switch {
			case len(prefs) > 0:
				t.vote(ct, prefs[0])
			case over:
				ct.Overvotes++
			case cv.Len() == 0:
				ct.Undervotes++
			}
			continue
		}
		if cv.Flags&Overvote != 0 || (!contest.Approval && cv.Len() > contest.VoteFor) {
			ct.Overvotes++
			continue
		}
		for i := range cv.Len() {
			t.vote(ct, cv.Selection(i).Choice)
		}
		if !contest.Approval && cv.Len() < contest.VoteFor {
			ct.Undervotes += int64(contest.VoteFor - cv.Len())
		}
	}
}

// AddPool adds the pooled votes of a plurality contest to its Votes (and
// Pooled), and keeps p in Pools. It leaves Cards and the contests' Cards,
// Overvotes and Undervotes alone: pooled sums do not say how many cards
// they hold (not always), nor how many were over- or undervoted. A ranked
// contest's pooled marks stay in p only: its Votes count first
// preferences, which per-rank sums cannot give, and IRV needs ballots.
func (t *Tally) AddPool(p *Pool) {
	t.Pools = append(t.Pools, p)
	t.grow()
	for _, pc := range p.Contests {
		if int(pc.Contest) >= len(t.Contests) || len(pc.Votes) == 0 {
			continue
		}
		ct := &t.Contests[pc.Contest]
		if len(ct.Pooled) < len(ct.Votes) {
			ct.Pooled = append(ct.Pooled, make([]int64, len(ct.Votes)-len(ct.Pooled))...)
		}
		for ch, n := range pc.Votes {
			if ch < len(ct.Votes) {
				ct.Votes[ch] += n
				ct.Pooled[ch] += n
			}
		}
	}
}

func (t *Tally) vote(ct *ContestTally, ch ChoiceIndex) {
	if int(ch) >= len(ct.Votes) {
		t.grow()
	}
	ct.Votes[ch]++
}

// Totals returns a contest's votes by choice name.
func (t *Tally) Totals(ci ContestIndex) map[string]int64 {
	m := map[string]int64{}
	for i, ch := range t.Election.Contests[ci].Choices {
		m[ch.Name] += t.Contests[ci].Votes[i]
	}
	return m
}

// RankedBallots holds the raw rankings of a ranked contest, each distinct
// ranking once with its count: the raw (rank, choice) pairs as the card
// holds them, so that any jurisdiction's rule can be applied later.
type RankedBallots struct {
	counts map[string]int64
}

// add records cv's raw ranking and returns its key: 3 bytes per selection
// (rank, choice low byte, choice high byte), in the card's rank order.
func (b *RankedBallots) add(cv ContestVote) string {
	var buf [96]byte
	key := buf[:0]
	for i := range cv.Len() {
		s := cv.Selection(i)
		if len(key) > 0 && s.Rank < key[len(key)-3] {
			// Readers store rankings in rank order; sort one that is not.
			sel := cv.Selections()
			slices.SortStableFunc(sel, func(a, b Selection) int { return int(a.Rank) - int(b.Rank) })
			key = key[:0]
			for _, s := range sel {
				key = append(key, s.Rank, byte(s.Choice), byte(s.Choice>>8))
			}
			break
		}
		key = append(key, s.Rank, byte(s.Choice), byte(s.Choice>>8))
	}
	if n, ok := b.counts[string(key)]; ok {
		b.counts[string(key)] = n + 1
		return string(key)
	}
	k := string(key)
	b.counts[k] = 1
	return k
}

// Len returns the number of distinct rankings.
func (b *RankedBallots) Len() int { return len(b.counts) }

// All yields each distinct raw ranking with the number of ballots that cast
// it, in a deterministic order.
func (b *RankedBallots) All() iter.Seq2[[]Selection, int64] {
	return func(yield func([]Selection, int64) bool) {
		for _, k := range slices.Sorted(maps.Keys(b.counts)) {
			sel := make([]Selection, len(k)/3)
			for i := range sel {
				sel[i] = Selection{Rank: k[3*i], Choice: ChoiceIndex(k[3*i+1]) | ChoiceIndex(k[3*i+2])<<8}
			}
			if !yield(sel, b.counts[k]) {
				return
			}
		}
	}
}

// Preferences turns a raw ranking into the ordered list of choices it
// expresses, under San Francisco's rules (FORMATS.md, RCV): marks are
// taken in rank order; a skipped rank is passed over; a choice ranked again
// counts only at its first (lowest) rank; a rank with two or more different
// choices is an overvote, and the ballot exhausts there (overvoted is then
// true). The result is appended to dst.
func Preferences(raw []Selection, dst []ChoiceIndex) (prefs []ChoiceIndex, overvoted bool) {
	key := make([]byte, 0, 3*len(raw))
	sorted := slices.Clone(raw)
	slices.SortStableFunc(sorted, func(a, b Selection) int { return int(a.Rank) - int(b.Rank) })
	for _, s := range sorted {
		key = append(key, s.Rank, byte(s.Choice), byte(s.Choice>>8))
	}
	return preferences(string(key), dst)
}

// preferences is Preferences on a key in rank order.
func preferences(key string, dst []ChoiceIndex) ([]ChoiceIndex, bool) {
	prefs := dst
	for i := 0; i < len(key); {
		rank := key[i]
		j := i
		for j < len(key) && key[j] == rank {
			j += 3
		}
		first := ChoiceIndex(key[i+1]) | ChoiceIndex(key[i+2])<<8
		for k := i + 3; k < j; k += 3 {
			if ChoiceIndex(key[k+1])|ChoiceIndex(key[k+2])<<8 != first {
				return prefs, true
			}
		}
		if !slices.Contains(prefs[len(dst):], first) {
			prefs = append(prefs, first)
		}
		i = j
	}
	return prefs, false
}

// IRVRound is one round of an instant-runoff count.
type IRVRound struct {
	// Votes[i] is the number of ballots counting for choice i this round;
	// eliminated choices have 0.
	Votes []int64
	// Exhausted counts the ballots with no continuing choice left.
	Exhausted int64
	// Eliminated is the choice eliminated at the end of this round; in the
	// last round it equals Winner.
	Eliminated ChoiceIndex
}

// IRVResult is the outcome of an instant-runoff count.
type IRVResult struct {
	Rounds []IRVRound
	// Winner is the last continuing choice. The count goes on past the
	// round where a majority emerges (MajorityRound) until one choice is
	// left, because RAIRE assertions refer to the full elimination order.
	Winner        ChoiceIndex
	MajorityRound int // 0-based; the first round where a choice holds a majority of continuing ballots
	// Order lists the choices in order of elimination, ending with Winner.
	Order []ChoiceIndex
}

// IRV runs a single-winner instant-runoff count of a ranked contest over
// the ballots of t, one elimination per round, ballots read with
// Preferences.
//
// Ties for last place are broken backwards: among the tied choices, the one
// with the fewest votes in the latest earlier round where they differ is
// eliminated; if they were tied in every round, the one listed last (the
// highest ChoiceIndex) is. Statutes usually ask for a tie broken by lot; a
// jurisdiction applying one should compare with this documented rule.
func (t *Tally) IRV(ci ContestIndex) (*IRVResult, error) {
	if int(ci) >= len(t.Contests) || t.Contests[ci].Ballots == nil {
		return nil, fmt.Errorf("cvr: IRV: contest %d is not a ranked contest", ci)
	}
	n := len(t.Election.Contests[ci].Choices)
	if n == 0 {
		return nil, fmt.Errorf("cvr: IRV: contest %q has no choices", t.Election.Contests[ci].Name)
	}
	type ballot struct {
		prefs []ChoiceIndex
		count int64
	}
	var ballots []ballot
	for _, k := range slices.Sorted(maps.Keys(t.Contests[ci].Ballots.counts)) {
		p, _ := preferences(k, nil)
		ballots = append(ballots, ballot{p, t.Contests[ci].Ballots.counts[k]})
	}
	continuing := make([]bool, n)
	for i := range continuing {
		continuing[i] = true
	}
	res := &IRVResult{MajorityRound: -1}
	for left := n; left > 0; left-- {
		r := IRVRound{Votes: make([]int64, n)}
		var total int64
		for _, b := range ballots {
			i := slices.IndexFunc(b.prefs, func(c ChoiceIndex) bool { return continuing[c] })
			if i < 0 {
				r.Exhausted += b.count
				continue
			}
			r.Votes[b.prefs[i]] += b.count
			total += b.count
		}
		if res.MajorityRound < 0 {
			for c, v := range r.Votes {
				if continuing[c] && 2*v > total {
					res.MajorityRound = len(res.Rounds)
				}
			}
		}
		var low []ChoiceIndex
		for c := range n {
			if !continuing[c] {
				continue
			}
			switch {
			case len(low) == 0 || r.Votes[c] < r.Votes[low[0]]:
				low = []ChoiceIndex{ChoiceIndex(c)}
			case r.Votes[c] == r.Votes[low[0]]:
				low = append(low, ChoiceIndex(c))
			}
		}
		out := low[len(low)-1]
		if left > 1 && len(low) > 1 {
			out = breakTie(low, res.Rounds)
		}
		if left == 1 {
			out = low[0]
			res.Winner = out
		}
		r.Eliminated = out
		continuing[out] = false
		res.Order = append(res.Order, out)
		res.Rounds = append(res.Rounds, r)
	}
	if res.MajorityRound < 0 {
		res.MajorityRound = len(res.Rounds) - 1
	}
	return res, nil
}

// breakTie picks, among tied choices, the one with the fewest votes in the
// latest earlier round where the tied choices' votes differ; failing that,
// the last listed.
func breakTie(tied []ChoiceIndex, rounds []IRVRound) ChoiceIndex {
	for r := len(rounds) - 1; r >= 0; r-- {
		v := rounds[r].Votes
		lo := v[tied[0]]
		differ := false
		for _, c := range tied[1:] {
			if v[c] != lo {
				differ = true
			}
			lo = min(lo, v[c])
		}
		if !differ {
			continue
		}
		var next []ChoiceIndex
		for _, c := range tied {
			if v[c] == lo {
				next = append(next, c)
			}
		}
		if len(next) == 1 {
			return next[0]
		}
		tied = next
	}
	return tied[len(tied)-1]
}

// String formats the tally for people, one contest per paragraph.
func (t *Tally) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d cards\n", t.Cards)
	if len(t.Pools) > 0 {
		fmt.Fprintf(&sb, "%d pools of votes without cards, counted below\n", len(t.Pools))
	}
	for i, ct := range t.Contests {
		c := t.Election.Contests[i]
		fmt.Fprintf(&sb, "%s (vote for %d, %d ranks): %d cards, %d overvotes, %d undervotes\n", c.Name, c.VoteFor, c.Ranks, ct.Cards, ct.Overvotes, ct.Undervotes)
		for j, ch := range c.Choices {
			fmt.Fprintf(&sb, "  %s: %d\n", ch.Name, ct.Votes[j])
		}
	}
	return sb.String()
}

// ContestReport is one contest of a TallyReport. Tally includes the pooled
// votes, which Pooled (present when there are pools) shows apart.
type ContestReport struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	VoteFor    int              `json:"vote_for"`
	Ranks      int              `json:"ranks"`
	Tally      map[string]int64 `json:"tally"`
	Pooled     map[string]int64 `json:"pooled,omitempty"`
	Overvotes  int64            `json:"overvotes"`
	Undervotes int64            `json:"undervotes"`
	Invalid    int64            `json:"invalid,omitempty"`
	IRV        *IRVReport       `json:"irv,omitempty"`
}

// IRVReport summarises an instant-runoff count: the choices in order of
// elimination, the winner last.
type IRVReport struct {
	Winner     string   `json:"winner"`
	Eliminated []string `json:"eliminated"`
}

// TallyReport is a Tally in the shape "rla tabulate" writes: choices by
// name (by "name (id)" when two choices of a contest share a name). Cards
// counts individual cards; Pools lists the pooled totals, if any.
type TallyReport struct {
	Cards    int64           `json:"cards"`
	Contests []ContestReport `json:"contests"`
	Pools    []PoolReport    `json:"pools,omitempty"`
}

// PoolReport is one Pool of a TallyReport. Cards is null when the export
// does not say how many cards the pool holds.
type PoolReport struct {
	Name     string              `json:"name"`
	File     string              `json:"file"`
	Line     int                 `json:"line"`
	Cards    *int                `json:"cards"`
	Redacted int                 `json:"redacted_cells,omitempty"`
	Contests []PoolContestReport `json:"contests"`
}

// PoolContestReport is one contest of a PoolReport: Tally for a plurality
// contest (counted in the contest's tally), Ranks (the marks per rank,
// rank 1 first; not counted) for a ranked one.
type PoolContestReport struct {
	ID    string             `json:"id"`
	Name  string             `json:"name"`
	Tally map[string]int64   `json:"tally,omitempty"`
	Ranks []map[string]int64 `json:"ranks,omitempty"`
}

// Report returns t as a TallyReport, with the IRV count of each ranked
// contest.
func (t *Tally) Report() TallyReport {
	t.grow()
	r := TallyReport{Cards: t.Cards, Contests: []ContestReport{}}
	for i, ct := range t.Contests {
		c := t.Election.Contests[i]
		cr := ContestReport{ID: c.ID, Name: c.Name, VoteFor: c.VoteFor, Ranks: c.Ranks, Tally: map[string]int64{},
			Overvotes: ct.Overvotes, Undervotes: ct.Undervotes, Invalid: ct.Invalid}
		names := choiceLabels(c)
		for j := range c.Choices {
			cr.Tally[names[j]] = ct.Votes[j]
		}
		if len(t.Pools) > 0 && !c.Ranked() {
			cr.Pooled = map[string]int64{}
			for j := range c.Choices {
				if j < len(ct.Pooled) {
					cr.Pooled[names[j]] = ct.Pooled[j]
				} else {
					cr.Pooled[names[j]] = 0
				}
			}
		}
		if c.Ranked() && len(c.Choices) > 0 {
			if res, err := t.IRV(ContestIndex(i)); err == nil {
				ir := &IRVReport{Winner: names[res.Winner]}
				for _, ch := range res.Order[:len(res.Order)-1] {
					ir.Eliminated = append(ir.Eliminated, names[ch])
				}
				cr.IRV = ir
			}
		}
		r.Contests = append(r.Contests, cr)
	}
	for _, p := range t.Pools {
		pr := PoolReport{Name: p.Name, File: p.File, Line: p.Line, Redacted: p.Redacted, Contests: []PoolContestReport{}}
		if p.CardsKnown {
			n := p.Cards
			pr.Cards = &n
		}
		for _, pc := range p.Contests {
			c := t.Election.Contests[pc.Contest]
			names := choiceLabels(c)
			byName := func(v []int64) map[string]int64 {
				m := map[string]int64{}
				for j, n := range v {
					if j < len(names) {
						m[names[j]] += n
					}
				}
				return m
			}
			cr := PoolContestReport{ID: c.ID, Name: c.Name}
			if pc.Votes != nil {
				cr.Tally = byName(pc.Votes)
			}
			for _, v := range pc.Ranks {
				cr.Ranks = append(cr.Ranks, byName(v))
			}
			pr.Contests = append(pr.Contests, cr)
		}
		r.Pools = append(r.Pools, pr)
	}
	return r
}

func choiceLabels(c *Contest) []string {
	seen := map[string]int{}
	for _, ch := range c.Choices {
		seen[ch.Name]++
	}
	out := make([]string, len(c.Choices))
	for i, ch := range c.Choices {
		out[i] = ch.Name
		if seen[ch.Name] > 1 {
			out[i] = ch.Name + " (" + ch.ID + ")"
		}
	}
	return out
}
