package cvr

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/rlakit/rlakit/sample"
)

// SynthKind is the kind of a synthetic contest.
type SynthKind uint8

// The kinds of synthetic contest.
const (
	// SynthPlurality is a vote-for-1 contest.
	SynthPlurality SynthKind = iota
	// SynthVoteForN is a vote-for-N contest with N = VoteFor winners.
	SynthVoteForN
	// SynthApproval is an approval contest: any number of marks, one winner.
	SynthApproval
	// SynthRanked is a ranked-choice (IRV) contest with Ranks ranks.
	SynthRanked
)

var synthKindNames = []string{"plurality", "vote-for-n", "approval", "ranked"}

// String returns the kind's name as the rla synth --kinds flag spells it.
func (k SynthKind) String() string {
	if int(k) < len(synthKindNames) {
		return synthKindNames[k]
	}
	return "SynthKind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind by name, so a SynthConfig saved as JSON
// (rla synth's synth.json) reads well.
func (k SynthKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind written by MarshalText.
func (k *SynthKind) UnmarshalText(b []byte) error {
	v, err := ParseSynthKind(string(b))
	*k = v
	return err
}

// ParseSynthKind is the inverse of SynthKind.String.
func ParseSynthKind(s string) (SynthKind, error) {
	for i, n := range synthKindNames {
		if n == s {
			return SynthKind(i), nil
		}
	}
	return 0, fmt.Errorf("cvr: synth: unknown contest kind %q (known: plurality, vote-for-n, approval, ranked)", s)
}

// SynthContest describes one contest of a synthetic election. Zero fields
// take the defaults given.
//
// Choices are named "Candidate A", "Candidate B", ... (then "Write-in" when
// WriteIn is set). The reported winners are the first choices: choice 0 for
// a single-winner contest, choices 0..VoteFor-1 for vote-for-N. The margin
// is carried by the pair (W, L) that decides the outcome: for plurality,
// approval and ranked contests W = choice 0 and L = choice 1 (for ranked
// contests in first preferences); for vote-for-N, W = choice 0, the weakest
// winner, and L = choice VoteFor, the strongest loser. Errors are injected
// on the same pair.
type SynthContest struct {
	// Name defaults to "Contest k" (k = 1, 2, ...).
	Name string
	Kind SynthKind
	// Choices is the number of candidates, not counting the write-in:
	// default 3 (4 for ranked, 2*VoteFor for vote-for-N, which rounds it up
	// to a multiple of VoteFor); at least 2.
	Choices int
	// VoteFor is the number of winners of a vote-for-N contest (default 2);
	// the other kinds have one winner.
	VoteFor int
	// Ranks is the number of ranks of a ranked contest, default
	// min(Choices, 3).
	Ranks int
	// WriteIn adds a "Write-in" choice to a plurality contest.
	WriteIn bool
	// Margin is the reported diluted margin (votes(W) - votes(L)) / n,
	// where n is the number of CVRs carrying the contest; it is realised
	// exactly as round(Margin*n) votes. 0 draws it in [0.02, 0.30).
	Margin float64
	// Coverage is the share of ballot styles that carry the contest; the
	// first contest is on every style. 0 draws it in [0.3, 0.9).
	Coverage float64
}

// SynthErrors are rates of injected CVR errors per card carrying a
// contest, for every contest. Each is turned into an exact count,
// round(rate * n), placed on random cards of the contest.
type SynthErrors struct {
	Over1  float64 // CVR has W, paper is blank: 1-vote overstatement
	Over2  float64 // CVR has W, paper has L: 2-vote overstatement
	Under1 float64 // CVR has L, paper is blank: 1-vote understatement
	Under2 float64 // CVR has L, paper has W: 2-vote understatement
}

// SplitSynthErrors splits a total error rate as the rla synth --error-rate
// flag does: 40% each for 1-vote over- and understatements and 10% each for
// 2-vote ones, the 4:1 ratio of the error rates usually assumed when sizing
// comparison audits.
func SplitSynthErrors(rate float64) SynthErrors {
	return SynthErrors{Over1: 0.4 * rate, Under1: 0.4 * rate, Over2: 0.1 * rate, Under2: 0.1 * rate}
}

// SynthConfig chooses a synthetic election. NewSynthConfig fills in
// realistic defaults; a zero rate means none.
type SynthConfig struct {
	// Seed makes the election: the same config and seed give the same
	// election, byte for byte, on every platform.
	Seed uint64
	// Name is the election name written in the exports.
	Name string
	// Cards is the number of cards in the manifest, a multiple of
	// CardsPerBallot; at most 100,000,000.
	Cards int
	// Contests lists the contests; the first should be the one under audit
	// (it appears on every card of sheet 1 of every ballot).
	Contests []SynthContest
	// Styles is the number of ballot styles (default 1 for one contest,
	// else min(2*len(Contests), 16)).
	Styles int
	// CardsPerBallot is the number of cards of each ballot (default 1); the
	// contests of a style are dealt to its cards in turn.
	CardsPerBallot int
	// BatchSize is the number of cards per manifest batch (default 250).
	BatchSize int
	// Tabulators is the number of tabulators per jurisdiction (default 4).
	Tabulators int
	// Jurisdictions is the number of jurisdictions (default 1); with more
	// than one the manifest gets a Jurisdiction column and each
	// jurisdiction its own CVR export.
	Jurisdictions int
	// UndervoteRate is the share of a contest's cards left blank (for
	// vote-for-N, per vote); OvervoteRate the share overvoted (not for
	// approval contests).
	UndervoteRate, OvervoteRate float64
	// Errors are the injected CVR errors.
	Errors SynthErrors
	// MissingRate is the share of cards that are in the manifest and on
	// paper but have no CVR, rounded to a whole number of cards.
	MissingRate float64
	// WrongOutcome adds to the first contest just enough 2-vote
	// overstatements (floor(m/2)+1, m the paper margin after the other
	// errors) that on paper L beats W by 1 or 2 votes while the CVRs and
	// the reported results still say W wins: an audit must not confirm
	// such an election. Missing cards are not counted in m.
	WrongOutcome bool
}

// NewSynthConfig returns a config with realistic defaults: one plurality
// contest with a write-in and a 5% margin, 2% undervotes, 0.2% overvotes,
// no errors and no missing cards.
func NewSynthConfig(cards int, seed uint64) SynthConfig {
	return SynthConfig{
		Seed: seed, Cards: cards,
		Contests:      []SynthContest{{Kind: SynthPlurality, WriteIn: true, Margin: 0.05}},
		UndervoteRate: 0.02, OvervoteRate: 0.002,
	}
}

// SynthContests returns n contests of mixed kinds for a realistic ballot:
// the first is plurality with a write-in and the given margin, the others
// cycle through vote-for-2 of 4, ranked (4 candidates, 3 ranks), plurality
// of 3 with a write-in, approval of 4 and a two-choice measure, with margins
// drawn at random. Given kinds, the others cycle through those of these
// contests whose kind is listed (ES&S exports, for one, hold only
// plurality and ranked contests).
func SynthContests(n int, margin float64, kinds ...SynthKind) []SynthContest {
	all := []SynthContest{
		{Kind: SynthVoteForN, VoteFor: 2, Choices: 4},
		{Kind: SynthRanked, Choices: 4, Ranks: 3},
		{Kind: SynthPlurality, Choices: 3, WriteIn: true},
		{Kind: SynthApproval, Choices: 4},
		{Kind: SynthPlurality, Choices: 2},
	}
	cycle := all
	if len(kinds) > 0 {
		cycle = nil
		for _, c := range all {
			if slices.Contains(kinds, c.Kind) {
				cycle = append(cycle, c)
			}
		}
		if len(cycle) == 0 {
			cycle = all[:1]
		}
	}
	out := make([]SynthContest, 0, n)
	if n > 0 {
		out = append(out, SynthContest{Kind: SynthPlurality, WriteIn: true, Margin: margin})
	}
	for i := 1; i < n; i++ {
		out = append(out, cycle[(i-1)%len(cycle)])
	}
	return out
}

// MaxSynthCards bounds SynthConfig.Cards.
const MaxSynthCards = 100_000_000

// Synth is a synthetic election: a whole election made up from a seed
// (ballot manifest, cast vote records, reported results, and the paper the
// CVRs claim to record).
// Benchmarks, the audit engine's end-to-end tests and simulation studies
// need elections of any size with known margins and known errors; real
// exports have neither.
//
// Layout. The election has Cards cards: Cards/CardsPerBallot ballots of
// CardsPerBallot cards (sheets) each, numbered 0, 1, ... in manifest order,
// the cards of a ballot next to each other. Every ballot has one ballot
// style, a set of contests each printed on one of its sheets, so contests
// appear on subsets of the cards as real districts do. Jurisdictions take
// consecutive ranges of ballots; within one, consecutive cards fill batches
// of BatchSize, dealt round robin to its tabulators.
//
// Exact counts at random places. Each contest's cards are ranked by a keyed
// pseudo-random permutation (a Feistel network) and the ranks cut into ranges of
// the wanted sizes: so many for the winner, so many for the runner-up, so
// many blank, and within the winner's range so many with an injected error.
// Margins and error counts are therefore exact, and any card can be
// regenerated from (seed, index) alone: Card(i) is as cheap for the
// millionth card as for the first, and nothing is stored per card.
//
// The CVRs as exported and the paper cards differ only where an error was
// injected: each contest with a chosen first-pair (winner W, runner-up L)
// gets 2-vote overstatements (CVR W, paper L), 1-vote overstatements (CVR
// W, paper blank), 2-vote understatements (CVR L, paper W) and 1-vote
// understatements (CVR L, paper blank), counted as rates times the
// contest's cards and rounded. Missing cards are in the manifest and on
// paper but have no CVR. The reported results are the count of the CVRs.
//
// A Synth holds only the per-style and per-contest tables, never the
// cards: the cards are made on demand by Card, All and CVRs, and written by
// the Write methods, so memory does not grow with the number of cards. A
// Synth is safe for concurrent use once made.
type Synth struct {
	cfg      SynthConfig
	el       *Election
	contests []synthContest
	styles   []synthStyle
	ballots  int64
	k        int // cards per ballot
	ballotP  synthPerm
	cardKey  uint64
	jurs     []synthJur
	batches  []synthBatch
	byTabNum map[[2]int32]int32 // (tabulator, batch number) -> batch index
	missing  int64
}

// synthContest holds one contest's tables.
type synthContest struct {
	spec      SynthContest
	idx       ContestIndex
	choices   int // including the write-in
	voteFor   int // winners, and the vote-for of the export for plurality and vote-for-N
	exportFor int // vote-for written in exports (the number of choices for approval)
	ranks     int
	n         int64 // cards with a CVR that carry the contest
	carriers  int64 // cards in the manifest that carry it
	over      int64 // overvoted CVRs (the first ranks of the permutation)
	perm      synthPerm
	groups    [][]ChoiceIndex // per slot: the choices it may mark
	cum       [][]int64       // per slot: cumulative counts of [choices of the group..., blank]
	slotPerm  []synthPerm
	approveN  []int64 // approval: approvals of choices 2.. (independent)
	approveP  []synthPerm
	w, l      ChoiceIndex
	margin    int64
	errs      [5]int64 // by SynthError kind
	votes     []int64  // reported votes per choice
	undervote int64    // blank cards (for vote-for-N: blank slots)
}

type synthStyle struct {
	name     string
	precinct string
	ballots  int64
	start    int64 // first rank of the ballot permutation
	contests []synthStyleContest
	missing  []int64     // per sheet: cards without CVR
	perm     []synthPerm // per sheet
}

type synthStyleContest struct {
	c      int
	sheet  int
	offset int64 // first contest-local index of this style's CVR cards
}

type synthJur struct {
	name                 string
	firstCard, endCard   int64
	firstBatch, endBatch int32
}

type synthBatch struct {
	jur, tab, num int32 // tab: tabulator number, unique in the election
	first         int64
	size          int32
}

// NewSynth makes the election chosen by cfg, or says why it cannot.
func NewSynth(cfg SynthConfig) (*Synth, error) {
	bad := func(format string, args ...any) (*Synth, error) {
		return nil, fmt.Errorf("cvr: synth: "+format, args...)
	}
	if len(cfg.Contests) == 0 {
		cfg.Contests = NewSynthConfig(0, 0).Contests
	}
	cfg.CardsPerBallot = cmp.Or(cfg.CardsPerBallot, 1)
	cfg.BatchSize = cmp.Or(cfg.BatchSize, 250)
	cfg.Tabulators = cmp.Or(cfg.Tabulators, 4)
	cfg.Jurisdictions = cmp.Or(cfg.Jurisdictions, 1)
	if cfg.Styles == 0 {
		cfg.Styles = 1
		if len(cfg.Contests) > 1 {
			cfg.Styles = min(2*len(cfg.Contests), 16)
		}
	}
	if cfg.Name == "" {
		cfg.Name = "Synthetic Election " + strconv.FormatUint(cfg.Seed, 10)
	}
	switch {
	case cfg.Cards < 1 || cfg.Cards > MaxSynthCards:
		return bad("%d cards (allowed 1..%d)", cfg.Cards, MaxSynthCards)
	case cfg.CardsPerBallot < 1 || cfg.CardsPerBallot > 16:
		return bad("%d cards per ballot (allowed 1..16)", cfg.CardsPerBallot)
	case cfg.Cards%cfg.CardsPerBallot != 0:
		return bad("%d cards is not a whole number of ballots of %d cards", cfg.Cards, cfg.CardsPerBallot)
	case len(cfg.Contests) > 1000:
		return bad("%d contests (at most 1000)", len(cfg.Contests))
	case cfg.Styles < 1 || cfg.Styles > 10000:
		return bad("%d ballot styles (allowed 1..10000)", cfg.Styles)
	case cfg.BatchSize < 1 || cfg.Tabulators < 1 || cfg.Jurisdictions < 1:
		return bad("batch size, tabulators and jurisdictions must be positive")
	case int64(cfg.Jurisdictions) > int64(cfg.Cards/cfg.CardsPerBallot):
		return bad("%d jurisdictions for %d ballots", cfg.Jurisdictions, cfg.Cards/cfg.CardsPerBallot)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"undervote rate", cfg.UndervoteRate}, {"overvote rate", cfg.OvervoteRate}, {"missing rate", cfg.MissingRate},
		{"1-vote overstatement rate", cfg.Errors.Over1}, {"2-vote overstatement rate", cfg.Errors.Over2},
		{"1-vote understatement rate", cfg.Errors.Under1}, {"2-vote understatement rate", cfg.Errors.Under2}} {
		if !(r.v >= 0 && r.v < 1) {
			return bad("%s %v outside [0, 1)", r.name, r.v)
		}
	}
	if cfg.UndervoteRate+cfg.OvervoteRate >= 0.5 {
		return bad("undervote and overvote rates add up to %v; keep them below 0.5", cfg.UndervoteRate+cfg.OvervoteRate)
	}
	cfg.Contests = slices.Clone(cfg.Contests)
	s := &Synth{cfg: cfg, el: &Election{Name: cfg.Name}, k: cfg.CardsPerBallot}
	s.ballots = int64(cfg.Cards / cfg.CardsPerBallot)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x73796e7468)) // "synth": the set-up stream
	s.cardKey = rng.Uint64()
	s.ballotP = newSynthPerm(s.ballots, rng.Uint64())
	if err := s.makeContests(rng); err != nil {
		return nil, err
	}
	s.makeStyles(rng)
	s.makeMissing()
	for ci := range s.contests {
		if err := s.makeCounts(ci, rng); err != nil {
			return nil, err
		}
	}
	s.makeBatches()
	return s, nil
}

func (s *Synth) makeContests(rng *rand.Rand) error {
	for i := range s.cfg.Contests {
		sp := &s.cfg.Contests[i]
		if sp.Name == "" {
			sp.Name = "Contest " + strconv.Itoa(i+1)
		}
		sc := synthContest{voteFor: 1}
		switch sp.Kind {
		case SynthPlurality, SynthApproval:
			sp.Choices = cmp.Or(sp.Choices, 3)
		case SynthRanked:
			sp.Choices = cmp.Or(sp.Choices, 4)
			sp.Ranks = cmp.Or(sp.Ranks, min(sp.Choices, 3))
			if sp.Ranks < 1 || sp.Ranks > MaxRanks {
				return fmt.Errorf("cvr: synth: contest %q: %d ranks (allowed 1..%d)", sp.Name, sp.Ranks, MaxRanks)
			}
			sc.ranks = sp.Ranks
		case SynthVoteForN:
			sp.VoteFor = cmp.Or(sp.VoteFor, 2)
			if sp.VoteFor < 2 || sp.VoteFor > 64 {
				return fmt.Errorf("cvr: synth: contest %q: vote for %d (allowed 2..64)", sp.Name, sp.VoteFor)
			}
			sp.Choices = cmp.Or(sp.Choices, 2*sp.VoteFor)
			sp.Choices = (sp.Choices + sp.VoteFor - 1) / sp.VoteFor * sp.VoteFor
			sp.Choices = max(sp.Choices, 2*sp.VoteFor)
			sc.voteFor = sp.VoteFor
		default:
			return fmt.Errorf("cvr: synth: contest %q: unknown kind %d", sp.Name, sp.Kind)
		}
		if sp.Choices < 2 || sp.Choices > 676 {
			return fmt.Errorf("cvr: synth: contest %q: %d choices (allowed 2..676)", sp.Name, sp.Choices)
		}
		if !(sp.Margin >= 0 && sp.Margin < 1) {
			return fmt.Errorf("cvr: synth: contest %q: margin %v outside [0, 1)", sp.Name, sp.Margin)
		}
		// Draw the defaults whether or not they are used, so that the
		// config Config returns (defaults filled in) makes the same
		// election: the set-up stream must not depend on what was given.
		drawnMargin, drawnCoverage := 0.02+0.28*rng.Float64(), 0.3+0.6*rng.Float64()
		if sp.Margin == 0 {
			sp.Margin = drawnMargin
		}
		if !(sp.Coverage >= 0 && sp.Coverage <= 1) {
			return fmt.Errorf("cvr: synth: contest %q: coverage %v outside [0, 1]", sp.Name, sp.Coverage)
		}
		if sp.Coverage == 0 {
			sp.Coverage = drawnCoverage
		}
		sc.spec = *sp
		c := Contest{ID: strconv.Itoa(i + 1), Name: sp.Name, VoteFor: sc.voteFor, Ranks: sc.ranks, Approval: sp.Kind == SynthApproval}
		for k := range sp.Choices {
			c.Choices = append(c.Choices, Choice{ID: strconv.Itoa(i+1) + "." + strconv.Itoa(k+1), Name: "Candidate " + synthLetters(k)})
		}
		if sp.WriteIn && sp.Kind == SynthPlurality {
			c.Choices = append(c.Choices, Choice{ID: strconv.Itoa(i+1) + ".W", Name: "Write-in", WriteIn: true})
		}
		sc.choices = len(c.Choices)
		sc.exportFor = sc.voteFor
		if sp.Kind == SynthApproval {
			sc.exportFor = sc.choices
		}
		ci, err := s.el.AddContest(c)
		if err != nil {
			return fmt.Errorf("cvr: synth: %w", err)
		}
		sc.idx = ci
		s.contests = append(s.contests, sc)
	}
	return nil
}

// synthLetters names choice k: A..Z, then AA, AB, ...
func synthLetters(k int) string {
	if k < 26 {
		return string(rune('A' + k))
	}
	return string(rune('A'+k/26-1)) + string(rune('A'+k%26))
}

// makeStyles draws the contests of each style and the number of ballots of
// each, and ranks the ballots into styles with the ballot permutation.
func (s *Synth) makeStyles(rng *rand.Rand) {
	n := s.cfg.Styles
	s.styles = make([]synthStyle, n)
	for i := range s.styles {
		s.styles[i].name = "Style " + strconv.Itoa(i+1)
		s.styles[i].precinct = "Precinct " + strconv.Itoa(i+1)
	}
	for c := range s.contests {
		var on []int
		for st := range n {
			if c == 0 || rng.Float64() < s.contests[c].spec.Coverage {
				on = append(on, st)
			}
		}
		if len(on) == 0 {
			on = append(on, rng.IntN(n))
		}
		for _, st := range on {
			ss := &s.styles[st]
			ss.contests = append(ss.contests, synthStyleContest{c: c, sheet: len(ss.contests) % s.k})
		}
	}
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 0.5 + rng.Float64()
	}
	counts := apportion(s.ballots, weights)
	var start int64
	for i := range s.styles {
		st := &s.styles[i]
		st.ballots, st.start = counts[i], start
		start += counts[i]
		st.missing = make([]int64, s.k)
		for range s.k {
			st.perm = append(st.perm, newSynthPerm(st.ballots, rng.Uint64()))
		}
	}
}

// makeMissing spreads round(MissingRate*Cards) missing cards over the
// (style, sheet) cells in proportion to their sizes.
func (s *Synth) makeMissing() {
	s.missing = int64(math.Round(s.cfg.MissingRate * float64(s.cfg.Cards)))
	weights := make([]float64, 0, len(s.styles)*s.k)
	for _, st := range s.styles {
		for range s.k {
			weights = append(weights, float64(st.ballots))
		}
	}
	m := apportion(s.missing, weights)
	for i := range s.styles {
		for p := range s.k {
			s.styles[i].missing[p] = min(m[i*s.k+p], s.styles[i].ballots)
		}
	}
	// The cap never binds (a cell gets at most its share, rounded), but
	// keep the total honest if it ever did.
	s.missing = 0
	for _, st := range s.styles {
		for _, x := range st.missing {
			s.missing += x
		}
	}
	for st := range s.styles {
		ss := &s.styles[st]
		for k := range ss.contests {
			sc := &ss.contests[k]
			c := &s.contests[sc.c]
			sc.offset = c.n
			c.n += ss.ballots - ss.missing[sc.sheet]
			c.carriers += ss.ballots
		}
	}
}

// apportion splits total in proportion to weights by largest remainders,
// so the parts add up to total exactly.
func apportion(total int64, weights []float64) []int64 {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	out := make([]int64, len(weights))
	if sum <= 0 || total <= 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		q := float64(total) * w / sum
		out[i] = int64(q)
		given += out[i]
		rems[i] = rem{i, q - float64(out[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// makeCounts fixes the exact counts of contest ci: overvotes, blanks, the
// votes of W and L for the chosen margin, the other choices' votes, and the
// errors.
func (s *Synth) makeCounts(ci int, rng *rand.Rand) error {
	c := &s.contests[ci]
	sp := &c.spec
	n := c.n
	c.perm = newSynthPerm(n, rng.Uint64())
	if sp.Kind != SynthApproval {
		c.over = int64(math.Round(s.cfg.OvervoteRate * float64(n)))
	}
	blank := int64(math.Round(s.cfg.UndervoteRate * float64(n)))
	valid := n - c.over - blank
	margin := int64(math.Round(sp.Margin * float64(n)))
	// Slot groups: vote-for-N has VoteFor exclusive slots, slot r offering
	// choices r, r+N, r+2N, ...; approval offers W or L in its one slot and
	// the others independently; the rest offer every choice in one slot.
	slots := 1
	switch sp.Kind {
	case SynthVoteForN:
		slots = c.voteFor
		for r := range slots {
			var g []ChoiceIndex
			for k := r; k < c.choices; k += slots {
				g = append(g, ChoiceIndex(k))
			}
			c.groups = append(c.groups, g)
		}
	case SynthApproval:
		c.groups = [][]ChoiceIndex{{0, 1}}
	default:
		g := make([]ChoiceIndex, c.choices)
		for k := range g {
			g[k] = ChoiceIndex(k)
		}
		c.groups = [][]ChoiceIndex{g}
	}
	c.w, c.l = c.groups[0][0], c.groups[0][1]
	others := len(c.groups[0]) - 2
	// Others take a random share of the valid votes, each below L by
	// enough that the winners stay the winners; halve it until they fit.
	x := int64(0)
	if others > 0 {
		x = int64(float64(valid) * (0.05 + 0.25*rng.Float64()))
	}
	weights := make([]float64, others)
	for i := range weights {
		weights[i] = 0.3 + rng.Float64()
		if c.groups[0][2+i] < ChoiceIndex(len(s.el.Contests[ci].Choices)) && s.el.Contests[ci].Choices[c.groups[0][2+i]].WriteIn {
			weights[i] = 0.05 // write-ins are rare
		}
	}
	var w, l int64
	var parts []int64
	x = min(x, max(valid-margin, 0))
	for {
		t, b := valid, blank
		if (t-x+margin)%2 != 0 {
			if x > 0 {
				x--
			} else {
				t--
				b++
			}
		}
		w = (t - x + margin) / 2
		l = t - x - w
		if l < 0 || w < 0 {
			return fmt.Errorf("cvr: synth: contest %q: margin %v is more than its %d valid votes in %d cards allow", sp.Name, sp.Margin, valid, n)
		}
		parts = apportion(x, weights)
		ok := true
		for _, p := range parts {
			if p >= l-int64(slots-1) && p > 0 {
				ok = false
			}
		}
		if ok {
			blank = b
			break
		}
		x /= 2
	}
	if l < int64(slots-1) {
		return fmt.Errorf("cvr: synth: contest %q: too few cards (%d) for a vote-for-%d contest with this margin", sp.Name, n, slots)
	}
	c.margin = w - l
	c.votes = make([]int64, c.choices)
	for r := range slots {
		counts := []int64{w + int64(r), l - int64(r)}
		counts = append(counts, parts...)
		counts = append(counts, blank)
		cum := make([]int64, len(counts)+1)
		for i, v := range counts {
			cum[i+1] = cum[i] + v
		}
		c.cum = append(c.cum, cum)
		c.slotPerm = append(c.slotPerm, newSynthPerm(n-c.over, rng.Uint64()))
		for i, ch := range c.groups[r] {
			c.votes[ch] = counts[i]
		}
		c.undervote += blank
	}
	if sp.Kind == SynthApproval {
		for k := 2; k < c.choices; k++ {
			a := int64(float64(l) * (0.2 + 0.7*rng.Float64()))
			c.approveN = append(c.approveN, a)
			c.approveP = append(c.approveP, newSynthPerm(n, rng.Uint64()))
			c.votes[k] = a
		}
	}
	// Errors: exact counts on the first ranks of W's and L's ranges.
	round := func(r float64) int64 { return int64(math.Round(r * float64(n))) }
	c.errs[Over2] = round(s.cfg.Errors.Over2)
	c.errs[Over1] = round(s.cfg.Errors.Over1)
	c.errs[Under2] = round(s.cfg.Errors.Under2)
	c.errs[Under1] = round(s.cfg.Errors.Under1)
	c.errs[Over2] = min(c.errs[Over2], w)
	c.errs[Over1] = min(c.errs[Over1], w-c.errs[Over2])
	c.errs[Under2] = min(c.errs[Under2], l)
	c.errs[Under1] = min(c.errs[Under1], l-c.errs[Under2])
	if ci == 0 && s.cfg.WrongOutcome {
		// The paper margin after the errors; enough more W-to-L errors
		// make it negative.
		net := c.margin - 2*c.errs[Over2] - c.errs[Over1] + 2*c.errs[Under2] + c.errs[Under1]
		if net >= 0 {
			c.errs[Over2] += net/2 + 1
		}
		if c.errs[Over2]+c.errs[Over1] > w {
			return fmt.Errorf("cvr: synth: contest %q: a wrong outcome needs %d 2-vote overstatements but W has only %d votes", sp.Name, c.errs[Over2], w)
		}
	}
	return nil
}

// makeBatches lays the cards out in jurisdictions, batches and tabulators.
func (s *Synth) makeBatches() {
	J := int64(s.cfg.Jurisdictions)
	s.byTabNum = map[[2]int32]int32{}
	for j := range J {
		b0, b1 := j*s.ballots/J, (j+1)*s.ballots/J
		jur := synthJur{firstCard: b0 * int64(s.k), endCard: b1 * int64(s.k), firstBatch: int32(len(s.batches))}
		if J > 1 {
			jur.name = "County " + strconv.FormatInt(j+1, 10)
		}
		g := int32(0)
		for first := jur.firstCard; first < jur.endCard; first += int64(s.cfg.BatchSize) {
			b := synthBatch{
				jur:   int32(j),
				tab:   int32(j)*int32(s.cfg.Tabulators) + g%int32(s.cfg.Tabulators) + 1,
				num:   g/int32(s.cfg.Tabulators) + 1,
				first: first,
				size:  int32(min(int64(s.cfg.BatchSize), jur.endCard-first)),
			}
			s.byTabNum[[2]int32{b.tab, b.num}] = int32(len(s.batches))
			s.batches = append(s.batches, b)
			g++
		}
		jur.endBatch = int32(len(s.batches))
		s.jurs = append(s.jurs, jur)
	}
}

// batchOf returns the index of the batch holding card i.
func (s *Synth) batchOf(i int64) int {
	j, _ := slices.BinarySearchFunc(s.jurs, i, func(x synthJur, i int64) int {
		switch {
		case i < x.firstCard:
			return 1
		case i >= x.endCard:
			return -1
		}
		return 0
	})
	jur := &s.jurs[j]
	return int(jur.firstBatch) + int((i-jur.firstCard)/int64(s.cfg.BatchSize))
}

// Config returns the config with every default filled in, as the election
// was made from it.
func (s *Synth) Config() SynthConfig {
	c := s.cfg
	c.Contests = slices.Clone(c.Contests)
	return c
}

// Election returns the contests and choices. Its indexes are the ones the
// generated cards use; the caller must not modify it.
func (s *Synth) Election() *Election { return s.el }

// Len returns the number of cards in the manifest, with and without CVR.
func (s *Synth) Len() int { return s.cfg.Cards }

// Missing returns the number of cards without a CVR.
func (s *Synth) Missing() int { return int(s.missing) }

// Jurisdictions returns the jurisdiction names, one empty name when the
// election has a single jurisdiction.
func (s *Synth) Jurisdictions() []string {
	out := make([]string, len(s.jurs))
	for i, j := range s.jurs {
		out[i] = j.name
	}
	return out
}

// Manifest returns the ballot manifest: every batch with its number of
// cards, missing ones included. Jurisdictions is set when there are more
// than one.
func (s *Synth) Manifest() *Manifest {
	m := &Manifest{Name: "synthetic manifest", Jurisdictions: len(s.jurs) > 1, Tabulators: true}
	for _, b := range s.batches {
		m.Batches = append(m.Batches, ManifestBatch{Batch: sample.Batch{
			Jurisdiction: s.jurs[b.jur].name,
			Tabulator:    strconv.Itoa(int(b.tab)),
			Name:         strconv.Itoa(int(b.num)),
			Cards:        int(b.size),
		}})
	}
	return m
}

// SynthContestReport is what the generator made of one contest: the
// realised counts, exact by construction.
type SynthContestReport struct {
	Contest ContestIndex
	Name    string
	Kind    SynthKind
	// Cards is the number of cards in the manifest carrying the contest;
	// CVRs the number of those with a CVR (the margin's denominator).
	Cards, CVRs int64
	// Winner and Loser are the pair the margin and the errors are on.
	Winner, Loser ChoiceIndex
	// Margin is votes(Winner) - votes(Loser) in the CVRs.
	Margin int64
	// Votes are the reported votes per choice (first preferences for a
	// ranked contest); Overvotes and Undervotes count cards (blank slots
	// for vote-for-N) as Tabulate does.
	Votes                 []int64
	Overvotes, Undervotes int64
	// Errors counts the injected errors by kind (index Over1 ... Under2).
	Errors [5]int64
}

// DilutedMargin returns Margin / CVRs, the contest's diluted margin over
// the cards that carry it.
func (r SynthContestReport) DilutedMargin() float64 {
	if r.CVRs == 0 {
		return 0
	}
	return float64(r.Margin) / float64(r.CVRs)
}

// Contests reports, for each contest in Election order, the counts the
// generator realised.
func (s *Synth) Contests() []SynthContestReport {
	out := make([]SynthContestReport, len(s.contests))
	for i, c := range s.contests {
		out[i] = SynthContestReport{
			Contest: c.idx, Name: c.spec.Name, Kind: c.spec.Kind, Cards: c.carriers, CVRs: c.n,
			Winner: c.w, Loser: c.l, Margin: c.margin, Votes: slices.Clone(c.votes),
			Overvotes: c.over, Errors: c.errs,
		}
		if c.spec.Kind != SynthApproval {
			out[i].Undervotes = c.undervote
		}
	}
	return out
}

// Results returns the reported results: the count of the CVRs, every
// choice of every contest (first preferences for ranked contests), by
// contest and choice name.
func (s *Synth) Results() *Results {
	res := &Results{Name: "synthetic results"}
	for i, c := range s.contests {
		for k, v := range c.votes {
			res.Rows = append(res.Rows, ReportedResult{Contest: c.spec.Name, Choice: s.el.Contests[i].Choices[k].Name, Votes: v})
		}
	}
	return res
}

var errSynthID = errors.New("not a card ID of this election")

// Describe summarises the election in one paragraph for people: cards,
// ballots, batches, contests and styles, the first contest's outcome and
// margin (on the CVRs and, when errors change it, on paper), the errors
// injected and the missing cards.
func (s *Synth) Describe() string {
	var b strings.Builder
	cfg := &s.cfg
	fmt.Fprintf(&b, "Synthetic election %q (seed %d): %d cards", cfg.Name, cfg.Seed, cfg.Cards)
	if s.k > 1 {
		fmt.Fprintf(&b, " (%d ballots of %d cards)", s.ballots, s.k)
	}
	fmt.Fprintf(&b, " in %d batches of up to %d on %d tabulators", len(s.batches), cfg.BatchSize, cfg.Tabulators*len(s.jurs))
	if len(s.jurs) > 1 {
		fmt.Fprintf(&b, " in %d jurisdictions", len(s.jurs))
	}
	kinds := map[SynthKind]int{}
	for _, c := range s.contests {
		kinds[c.spec.Kind]++
	}
	var ks []string
	for k := range SynthRanked + 1 {
		if kinds[k] > 0 {
			ks = append(ks, fmt.Sprintf("%d %s", kinds[k], k))
		}
	}
	fmt.Fprintf(&b, "; %d contests (%s) on %d ballot styles.", len(s.contests), strings.Join(ks, ", "), len(s.styles))
	r := s.Contests()[0]
	ch := s.el.Contests[r.Contest].Choices
	fmt.Fprintf(&b, " %s: %s beats %s by %d votes in %d CVRs (diluted margin %.4f)", r.Name, ch[r.Winner].Name, ch[r.Loser].Name, r.Margin, r.CVRs, r.DilutedMargin())
	e := r.Errors
	if paper := r.Margin - 2*e[Over2] - e[Over1] + 2*e[Under2] + e[Under1]; paper != r.Margin {
		fmt.Fprintf(&b, "; on paper, before missing cards, by %d", paper)
		if paper < 0 {
			b.WriteString(", so the reported outcome is wrong")
		}
	}
	b.WriteString(".")
	var tot [5]int64
	for _, c := range s.contests {
		for k, v := range c.errs {
			tot[k] += v
		}
	}
	if tot != [5]int64{} {
		fmt.Fprintf(&b, " Errors injected over all contests: %d 1-vote and %d 2-vote overstatements, %d 1-vote and %d 2-vote understatements (first contest: %d, %d, %d, %d).",
			tot[Over1], tot[Over2], tot[Under1], tot[Under2], e[Over1], e[Over2], e[Under1], e[Under2])
	} else {
		b.WriteString(" No errors injected.")
	}
	fmt.Fprintf(&b, " %d cards have no CVR.", s.missing)
	return b.String()
}
