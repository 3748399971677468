package cvr

import (
	"fmt"
	"iter"
	"slices"
)

// ContestIndex is the interned index of a contest in its [Election]:
// 0 for the first contest added, 1 for the next, and so on.
type ContestIndex uint16

// ChoiceIndex is the interned index of a choice within its contest.
type ChoiceIndex uint16

// MaxContests and MaxChoices bound the interned indexes; MaxSelections bounds
// the selections one card holds in one contest (a ranked contest with 40
// candidates and 40 ranks fits with room to spare).
const (
	MaxContests   = 1 << 16
	MaxChoices    = 1 << 16
	MaxSelections = 1<<12 - 1
	MaxRanks      = 255
)

// Choice is one candidate or option of a contest.
type Choice struct {
	ID      string // the vendor's ID (Dominion CandidateId, Hart Option Id), or the name when the export has none
	Name    string
	WriteIn bool // a write-in position or a resolved (qualified) write-in candidate
}

// Contest is the metadata of one contest.
type Contest struct {
	ID   string // the vendor's ID, or the name when the export has none
	Name string
	// VoteFor is the number of votes allowed (winners for a multi-winner
	// contest); at least 1. Ranked contests have VoteFor 1 (single winner).
	VoteFor int
	// Ranks is the number of ranks of a ranked-choice contest; 0 for a
	// plurality, vote-for-N or approval contest.
	Ranks int
	// Approval marks an approval contest: a voter may mark any number of
	// choices, so there are no overvotes.
	Approval bool
	Choices  []Choice

	choiceByID map[string]ChoiceIndex
}

// Ranked reports whether c is a ranked-choice contest.
func (c *Contest) Ranked() bool { return c.Ranks > 0 }

// ChoiceByID returns the index of the choice with the given vendor ID.
func (c *Contest) ChoiceByID(id string) (ChoiceIndex, bool) {
	i, ok := c.choiceByID[id]
	return i, ok
}

// Election interns the contests and choices of one election. The zero
// value is an empty election ready to use. An Election is not safe for
// concurrent modification.
type Election struct {
	Name     string
	Contests []*Contest

	contestByID map[string]ContestIndex
}

// AddContest adds c, or returns the index of the contest already added with
// the same ID. c's Choices, if any, are added too. An error is returned when
// the election already holds MaxContests contests or c is invalid.
func (e *Election) AddContest(c Contest) (ContestIndex, error) {
	if i, ok := e.contestByID[c.ID]; ok {
		return i, nil
	}
	if len(e.Contests) >= MaxContests {
		return 0, fmt.Errorf("cvr: more than %d contests", MaxContests)
	}
	if c.VoteFor < 1 {
		c.VoteFor = 1
	}
	if c.Ranks < 0 || c.Ranks > MaxRanks {
		return 0, fmt.Errorf("cvr: contest %q: %d ranks (allowed 0..%d)", c.Name, c.Ranks, MaxRanks)
	}
	choices := c.Choices
	c.Choices = nil
	c.choiceByID = nil
	if e.contestByID == nil {
		e.contestByID = map[string]ContestIndex{}
	}
	i := ContestIndex(len(e.Contests))
	cc := c
	e.Contests = append(e.Contests, &cc)
	e.contestByID[c.ID] = i
	for _, ch := range choices {
		if _, err := e.AddChoice(i, ch); err != nil {
			return 0, err
		}
	}
	return i, nil
}

// ContestByID returns the index of the contest with the given vendor ID.
func (e *Election) ContestByID(id string) (ContestIndex, bool) {
	i, ok := e.contestByID[id]
	return i, ok
}

// Contest returns the contest with index i; it panics when i is out of
// range, like a slice index.
func (e *Election) Contest(i ContestIndex) *Contest { return e.Contests[i] }

// AddChoice adds ch to contest ci, or returns the index of the choice with
// the same ID already there.
func (e *Election) AddChoice(ci ContestIndex, ch Choice) (ChoiceIndex, error) {
	if int(ci) >= len(e.Contests) {
		return 0, fmt.Errorf("cvr: no contest with index %d", ci)
	}
	c := e.Contests[ci]
	if i, ok := c.choiceByID[ch.ID]; ok {
		return i, nil
	}
	if len(c.Choices) >= MaxChoices {
		return 0, fmt.Errorf("cvr: contest %q: more than %d choices", c.Name, MaxChoices)
	}
	if c.choiceByID == nil {
		c.choiceByID = map[string]ChoiceIndex{}
	}
	i := ChoiceIndex(len(c.Choices))
	c.Choices = append(c.Choices, ch)
	c.choiceByID[ch.ID] = i
	return i, nil
}

// BatchKey identifies a batch of cards; it joins CVRs to the ballot
// manifest. Jurisdiction is empty for a single-jurisdiction export;
// Tabulator is empty when the manifest has none.
type BatchKey struct {
	Jurisdiction string
	Tabulator    string
	Batch        string
}

// String formats k as "jurisdiction/tabulator/batch", leaving out empty
// leading parts.
func (k BatchKey) String() string {
	s := k.Batch
	if k.Tabulator != "" {
		s = k.Tabulator + "/" + s
	}
	if k.Jurisdiction != "" {
		s = k.Jurisdiction + "/" + s
	}
	return s
}

// Card is the cast vote record of one card (one sheet of a ballot).
//
// A Card yielded by a reader may share memory with the reader: it is valid
// until the next iteration. Use Clone to keep it, or append it to a Cards.
type Card struct {
	// ID is stable across reads of the same export, unique within it, and
	// kept as the string the vendor wrote (never parsed as a number).
	ID    string
	Batch BatchKey
	// Position is the 1-based position of the card in its batch as the
	// vendor numbers it (Dominion RecordId, ClearBallot BoxPosition, Hart
	// BatchSequence); 0 when unknown.
	Position      int
	ImprintedID   string // printed on the card when imprinting is on; may be empty
	BallotStyle   string // may be empty
	CountingGroup string // e.g. "Election Day", "Vote by Mail"; may be empty
	Precinct      string // precinct or precinct portion; may be empty
	// Phantom marks a card that the manifest has and the CVRs lack; it holds
	// no votes, and an audit treats it in the worst way (Banuelos & Stark 2012).
	Phantom bool
	Votes   Votes
}

// Clone returns a deep copy of c, independent of any reader's buffers.
func (c Card) Clone() Card {
	c.Votes = Votes{cells: slices.Clone(c.Votes.cells)}
	return c
}

// Flags are the per-contest marks of a card.
type Flags uint8

const (
	// Overvote: more choices were marked than allowed (or, in a ranked
	// contest, the vendor flagged an overvoted ranking). An overvoted
	// plurality contest counts for no choice.
	Overvote Flags = 1 << iota
	// Undervote: fewer choices were marked than allowed, possibly none.
	Undervote
	// Invalid: the vendor excluded the contest on this card (Dominion
	// InvalidContest). It counts for no choice.
	Invalid
)

// Selection is one selected choice. Rank is 1..Ranks for a ranked contest
// and 0 otherwise.
type Selection struct {
	Choice ChoiceIndex
	Rank   uint8
}

// Votes holds a card's votes in a packed form: per contest present on the
// card, one header word (contest index in bits 0-15, flags in bits 16-19,
// the number of selections in bits 20-31) followed by one word per
// selection (choice index in bits 0-15, rank in bits 16-23). A plurality
// contest with one vote thus takes 8 bytes. The zero value holds no
// contest. Build it with Add or with Begin and Select.
type Votes struct {
	cells []uint32
	last  int // index of the last header word, for Select
}

// Reset empties v, keeping its memory.
func (v *Votes) Reset() { v.cells = v.cells[:0]; v.last = 0 }

// Begin starts contest c on the card with flags f and no selections yet.
// The caller must not begin the same contest twice on one card.
func (v *Votes) Begin(c ContestIndex, f Flags) {
	v.last = len(v.cells)
	v.cells = append(v.cells, uint32(c)|uint32(f&0xf)<<16)
}

// Select adds a selection to the contest last begun. It returns false, and
// adds nothing, when no contest was begun or the contest already holds
// MaxSelections selections.
func (v *Votes) Select(s Selection) bool {
	if len(v.cells) == 0 {
		return false
	}
	h := v.cells[v.last]
	if h>>20 >= MaxSelections {
		return false
	}
	v.cells[v.last] = h + 1<<20
	v.cells = append(v.cells, uint32(s.Choice)|uint32(s.Rank)<<16)
	return true
}

// SetFlags adds f to the flags of the contest last begun.
func (v *Votes) SetFlags(f Flags) {
	if len(v.cells) > 0 {
		v.cells[v.last] |= uint32(f&0xf) << 16
	}
}

// Add adds contest c with flags f and the given selections.
func (v *Votes) Add(c ContestIndex, f Flags, sel ...Selection) {
	v.Begin(c, f)
	for _, s := range sel {
		v.Select(s)
	}
}

// Len returns the number of contests on the card.
func (v Votes) Len() int {
	n := 0
	for i := 0; i < len(v.cells); i += 1 + int(v.cells[i]>>20) {
		n++
	}
	return n
}

// All yields the contests on the card in the order they were added.
func (v Votes) All() iter.Seq[ContestVote] {
	return func(yield func(ContestVote) bool) {
		for i := 0; i < len(v.cells); {
			h := v.cells[i]
			n := int(h >> 20)
			end := min(i+1+n, len(v.cells))
			if !yield(ContestVote{Contest: ContestIndex(h), Flags: Flags(h >> 16 & 0xf), sel: v.cells[i+1 : end]}) {
				return
			}
			i = end
		}
	}
}

// Get returns the vote in contest c; ok is false when c is not on the card.
func (v Votes) Get(c ContestIndex) (cv ContestVote, ok bool) {
	for i := 0; i < len(v.cells); {
		h := v.cells[i]
		n := int(h >> 20)
		end := min(i+1+n, len(v.cells))
		if ContestIndex(h) == c {
			return ContestVote{Contest: c, Flags: Flags(h >> 16 & 0xf), sel: v.cells[i+1 : end]}, true
		}
		i = end
	}
	return ContestVote{}, false
}

// ContestVote is a card's vote in one contest: its flags and its
// selections in rank order (in the order the reader added them for an
// unranked contest). It is a view into the card's Votes.
type ContestVote struct {
	Contest ContestIndex
	Flags   Flags
	sel     []uint32
}

// Len returns the number of selections.
func (cv ContestVote) Len() int { return len(cv.sel) }

// Selection returns selection i, 0 <= i < Len().
func (cv ContestVote) Selection(i int) Selection {
	w := cv.sel[i]
	return Selection{Choice: ChoiceIndex(w), Rank: uint8(w >> 16)}
}

// Selections returns a new slice of the selections.
func (cv ContestVote) Selections() []Selection {
	s := make([]Selection, len(cv.sel))
	for i := range s {
		s[i] = cv.Selection(i)
	}
	return s
}
