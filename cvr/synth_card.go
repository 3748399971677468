package cvr

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Discrepancy is the kind of error injected in one contest of one card:
// how the paper differs from the CVR for the contest's (W, L) pair, in the
// terms of comparison audits (Stark 2010, "Super-simple simultaneous
// single-ballot risk-limiting audits").
type Discrepancy uint8

// The kinds of Discrepancy.
const (
	NoDiscrepancy Discrepancy = iota
	Over1                     // CVR W, paper blank: the CVR overstates W's margin by 1 vote
	Over2                     // CVR W, paper L: overstates by 2 votes
	Under1                    // CVR L, paper blank: understates by 1 vote
	Under2                    // CVR L, paper W: understates by 2 votes
)

var discrepancyNames = []string{"", "o1", "o2", "u1", "u2"}

// String returns "o1", "o2", "u1", "u2", or "" for NoDiscrepancy, as
// truth.csv writes them.
func (d Discrepancy) String() string {
	if int(d) < len(discrepancyNames) {
		return discrepancyNames[d]
	}
	return "Discrepancy(" + strconv.Itoa(int(d)) + ")"
}

// SynthError is an injected error: which contest, and how.
type SynthError struct {
	Contest ContestIndex
	Kind    Discrepancy
}

// SynthCard is one card of a synthetic election as the CVR export has it
// and as the paper has it.
type SynthCard struct {
	// Index is the card's place in manifest order, 0-based.
	Index int
	// CVR is the cast vote record as exported (as the readers read it
	// back: an overvoted contest holds no selections and the Overvote
	// flag). When Missing, it carries the card's identity and no votes.
	CVR Card
	// Paper is the same card as an audit board would interpret it.
	Paper Card
	// Missing marks a card that is in the manifest and on paper but has no
	// CVR in the export.
	Missing bool
	// Errors lists the contests whose paper differs from the CVR.
	Errors []SynthError
}

// synthRaw is one contest on the card being made: the marks of the CVR
// and of the paper, as ranges of synthGen.marks.
type synthRaw struct {
	c            int
	cvr, paper   [2]int32
	kind         Discrepancy
	cvrOvervoted bool
}

// synthGen makes cards one at a time, reusing its memory.
type synthGen struct {
	s      *Synth
	pcg    rand.PCG
	rng    *rand.Rand
	raw    []synthRaw
	marks  []Selection
	tmp    []ChoiceIndex
	ballot int64
	style  int
	t      int64
	// The card made last.
	i       int64
	missing bool
	batch   int // index in s.batches
	pos     int64
	// Strings of the current batch, made once per batch.
	tabStr, numStr string
	idBuf          []byte
	card           SynthCard
}

func (s *Synth) newGen() *synthGen {
	g := &synthGen{s: s, ballot: -1, batch: -1}
	g.rng = rand.New(&g.pcg)
	return g
}

// gen makes the raw marks of card i.
func (g *synthGen) gen(i int64) {
	s := g.s
	b, p := i/int64(s.k), int(i%int64(s.k))
	if b != g.ballot {
		u := s.ballotP.at(b)
		st, _ := slices.BinarySearchFunc(s.styles, u, func(x synthStyle, u int64) int {
			switch {
			case u < x.start:
				return 1
			case u >= x.start+x.ballots:
				return -1
			}
			return 0
		})
		g.ballot, g.style, g.t = b, st, u-s.styles[st].start
	}
	st := &s.styles[g.style]
	rank := st.perm[p].at(g.t)
	g.i = i
	g.missing = rank < st.missing[p]
	local := rank - st.missing[p]
	g.pcg.Seed(s.cardKey, uint64(i))
	g.raw, g.marks = g.raw[:0], g.marks[:0]
	for _, sc := range st.contests {
		if sc.sheet != p {
			continue
		}
		c := &s.contests[sc.c]
		if g.missing {
			// The paper of a missing card looks like a random card of the
			// contest (without error).
			j := int64(-1)
			if c.n > 0 {
				j = g.rng.Int64N(c.n)
			}
			g.contest(sc.c, c, j, false)
		} else {
			g.contest(sc.c, c, sc.offset+local, true)
		}
	}
	if g.batch < 0 || i < s.batches[g.batch].first || i >= s.batches[g.batch].first+int64(s.batches[g.batch].size) {
		g.batch = s.batchOf(i)
		bt := &s.batches[g.batch]
		g.tabStr, g.numStr = strconv.Itoa(int(bt.tab)), strconv.Itoa(int(bt.num))
	}
	g.pos = i - s.batches[g.batch].first + 1
	g.idBuf = strconv.AppendInt(append(append(append(append(g.idBuf[:0], g.tabStr...), '-'), g.numStr...), '-'), g.pos, 10)
}

// contest makes the marks of contest c at contest-local index j (-1: a
// contest with no CVRs at all, left blank).
func (g *synthGen) contest(ci int, c *synthContest, j int64, withErrors bool) {
	r := synthRaw{c: ci}
	start := len(g.marks)
	r.cvr[0] = int32(start)
	var rank uint8
	if c.ranks > 0 {
		rank = 1
	}
	if j >= 0 {
		p0 := c.perm.at(j)
		if p0 < c.over {
			g.overvote(c, rank)
			r.cvrOvervoted = c.ranks == 0
		} else {
			jj := p0 - c.over
			for slot, grp := range c.groups {
				q := c.slotPerm[slot].at(jj)
				cum := c.cum[slot]
				cat := 0
				for cum[cat+1] <= q {
					cat++
				}
				if cat >= len(grp) {
					continue // blank
				}
				g.marks = append(g.marks, Selection{Choice: grp[cat], Rank: rank})
				if withErrors && slot == 0 && cat <= 1 {
					t := q - cum[cat]
					if cat == 0 {
						switch {
						case t < c.errs[Over2]:
							r.kind = Over2
						case t < c.errs[Over2]+c.errs[Over1]:
							r.kind = Over1
						}
					} else {
						switch {
						case t < c.errs[Under2]:
							r.kind = Under2
						case t < c.errs[Under2]+c.errs[Under1]:
							r.kind = Under1
						}
					}
				}
			}
			for k, a := range c.approveN {
				if c.approveP[k].at(j) < a {
					g.marks = append(g.marks, Selection{Choice: ChoiceIndex(k + 2)})
				}
			}
			if c.ranks > 1 && len(g.marks) > start {
				g.rankTail(c, g.marks[start].Choice)
			}
		}
	}
	if c.ranks == 0 {
		sortByChoice(g.marks[start:])
	}
	r.cvr[1] = int32(len(g.marks))
	r.paper = r.cvr
	if r.kind != NoDiscrepancy {
		r.paper[0] = int32(len(g.marks))
		g.marks = append(g.marks, g.marks[r.cvr[0]:r.cvr[1]]...)
		g.applyError(c, r.kind, int(r.paper[0]))
		r.paper[1] = int32(len(g.marks))
	}
	g.raw = append(g.raw, r)
}

// overvote marks one more choice than allowed (two at rank 1 for a ranked
// contest).
func (g *synthGen) overvote(c *synthContest, rank uint8) {
	g.tmp = g.tmp[:0]
	for k := range c.choices {
		g.tmp = append(g.tmp, ChoiceIndex(k))
	}
	n := c.voteFor + 1
	if c.ranks > 0 {
		n = 2
	}
	for k := range min(n, len(g.tmp)) {
		x := k + g.rng.IntN(len(g.tmp)-k)
		g.tmp[k], g.tmp[x] = g.tmp[x], g.tmp[k]
		g.marks = append(g.marks, Selection{Choice: g.tmp[k], Rank: rank})
	}
	if c.ranks > 0 {
		sortByChoice(g.marks[len(g.marks)-min(n, len(g.tmp)):])
	}
}

// rankTail ranks more choices after the first preference: each further
// rank is used with probability 3/4, with a choice not ranked yet.
func (g *synthGen) rankTail(c *synthContest, first ChoiceIndex) {
	g.tmp = g.tmp[:0]
	for k := range c.choices {
		if ChoiceIndex(k) != first {
			g.tmp = append(g.tmp, ChoiceIndex(k))
		}
	}
	for k := 0; k < len(g.tmp) && k+2 <= c.ranks; k++ {
		if g.rng.IntN(4) == 0 {
			return
		}
		x := k + g.rng.IntN(len(g.tmp)-k)
		g.tmp[k], g.tmp[x] = g.tmp[x], g.tmp[k]
		g.marks = append(g.marks, Selection{Choice: g.tmp[k], Rank: uint8(k + 2)})
	}
}

// applyError turns the copy of the CVR's marks at g.marks[from:] into the
// paper's.
func (g *synthGen) applyError(c *synthContest, kind Discrepancy, from int) {
	m := g.marks[from:]
	src, dst := c.w, c.l
	if kind == Under1 || kind == Under2 {
		src, dst = c.l, c.w
	}
	if kind == Over1 || kind == Under1 {
		if c.ranks > 0 {
			g.marks = g.marks[:from] // the first preference lost: a blank ballot
			return
		}
		i := slices.IndexFunc(m, func(s Selection) bool { return s.Choice == src })
		g.marks = slices.Delete(g.marks, from+i, from+i+1)
		return
	}
	// A 2-vote error: src and dst trade places (dst may not be marked).
	for i := range m {
		switch m[i].Choice {
		case src:
			m[i].Choice = dst
		case dst:
			m[i].Choice = src
		}
	}
	if c.ranks == 0 {
		sortByChoice(m)
	}
}

func sortByChoice(m []Selection) {
	for i := 1; i < len(m); i++ {
		for k := i; k > 0 && m[k].Choice < m[k-1].Choice; k-- {
			m[k], m[k-1] = m[k-1], m[k]
		}
	}
}

// votes adds the contest of r to v as a reader would read marks back:
// more marks than the export's vote-for is an overvote with no selection
// kept; fewer is an undervote; a ranked contest is an undervote when it has
// no marks.
func (g *synthGen) votes(v *Votes, r *synthRaw, paper bool) {
	c := &g.s.contests[r.c]
	rg := r.cvr
	if paper {
		rg = r.paper
	}
	m := g.marks[rg[0]:rg[1]]
	switch {
	case c.ranks > 0:
		var f Flags
		if len(m) == 0 {
			f = Undervote
		}
		v.Add(c.idx, f, m...)
	case len(m) > c.exportFor:
		v.Begin(c.idx, Overvote)
	case len(m) < c.exportFor:
		v.Add(c.idx, Undervote, m...)
	default:
		v.Add(c.idx, 0, m...)
	}
}

// fill builds g.card from the raw marks of the card made last.
func (g *synthGen) fill() *SynthCard {
	s := g.s
	bt := &s.batches[g.batch]
	st := &s.styles[g.style]
	sc := &g.card
	id := string(g.idBuf)
	sc.CVR.Votes.Reset()
	sc.Paper.Votes.Reset()
	sc.CVR = Card{
		ID:            id,
		Batch:         BatchKey{Jurisdiction: s.jurs[bt.jur].name, Tabulator: g.tabStr, Batch: g.numStr},
		Position:      int(g.pos),
		ImprintedID:   id,
		BallotStyle:   st.name,
		CountingGroup: s.countingGroup(bt),
		Precinct:      st.precinct,
		Votes:         sc.CVR.Votes,
	}
	pv := sc.Paper.Votes
	sc.Paper = sc.CVR
	sc.Paper.Votes = pv
	sc.Index = int(g.i)
	sc.Missing = g.missing
	sc.Errors = sc.Errors[:0]
	for k := range g.raw {
		r := &g.raw[k]
		if !g.missing {
			g.votes(&sc.CVR.Votes, r, false)
		}
		g.votes(&sc.Paper.Votes, r, true)
		if r.kind != NoDiscrepancy {
			sc.Errors = append(sc.Errors, SynthError{Contest: s.contests[r.c].idx, Kind: r.kind})
		}
	}
	return sc
}

// countingGroup names the counting group of a batch: odd tabulators count
// election-day ballots, even ones mail ballots.
func (s *Synth) countingGroup(b *synthBatch) string {
	if b.tab%2 == 1 {
		return "Election Day"
	}
	return "Vote by Mail"
}

// Card returns card i, 0 <= i < Len(), made afresh from the seed: its CVR,
// its paper and the errors injected in it. It panics when i is out of
// range, like a slice index.
func (s *Synth) Card(i int) SynthCard {
	if i < 0 || i >= s.cfg.Cards {
		panic(fmt.Sprintf("cvr: synth: card index %d out of range [0,%d)", i, s.cfg.Cards))
	}
	g := s.newGen()
	g.gen(int64(i))
	return *g.fill()
}

// All yields every card in manifest order. The card shares memory with the
// generator and is valid until the next iteration; Clone its CVR and
// Paper, and copy Errors, to keep them.
func (s *Synth) All() iter.Seq[SynthCard] {
	return func(yield func(SynthCard) bool) {
		g := s.newGen()
		for i := range int64(s.cfg.Cards) {
			g.gen(i)
			if !yield(*g.fill()) {
				return
			}
		}
	}
}

// CVRs yields the cast vote records as exported, in manifest order,
// leaving out the missing cards; the error is always nil. The card is valid
// until the next iteration. With Tabulate it gives the reported results.
func (s *Synth) CVRs() iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		for c := range s.All() {
			if !c.Missing && !yield(c.CVR, nil) {
				return
			}
		}
	}
}

// Papers yields every card of the manifest as the audit board would read
// it, missing cards included; the error is always nil. Tabulating it gives
// the true outcome.
func (s *Synth) Papers() iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		for c := range s.All() {
			if !yield(c.Paper, nil) {
				return
			}
		}
	}
}

// Lookup returns the index of the card with the given ID
// ("Tabulator-Batch-Position", the ID of the Dominion exports).
func (s *Synth) Lookup(id string) (int, bool) {
	parts := strings.Split(id, "-")
	if len(parts) != 3 {
		return 0, false
	}
	var n [3]int
	for k, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 {
			return 0, false
		}
		n[k] = v
	}
	b, ok := s.byTabNum[[2]int32{int32(n[0]), int32(n[1])}]
	if !ok || n[2] > int(s.batches[b].size) {
		return 0, false
	}
	return int(s.batches[b].first) + n[2] - 1, true
}

// Paper returns the paper card with the given ID, as the audit board would
// interpret it: what an audit simulation compares the CVR with.
func (s *Synth) Paper(id string) (Card, error) {
	i, ok := s.Lookup(id)
	if !ok {
		return Card{}, fmt.Errorf("cvr: synth: %q: %w", id, errSynthID)
	}
	return s.Card(i).Paper, nil
}
