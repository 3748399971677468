package cvr

import (
	"fmt"
	"iter"
	"slices"
	"unsafe"
)

// chunkBits sets the number of cards per chunk (65,536). Chunks keep each
// array small enough that growing one never copies gigabytes, and let the
// word offsets within a chunk be 32 bits.
const chunkBits = 16

const chunkSize = 1 << chunkBits

// attrs is the interned tuple of a card's low-cardinality strings: one
// index per card instead of three strings.
type attrs struct {
	style, group, precinct string
	phantom                bool
}

// chunk stores up to chunkSize cards column by column. Per card: the ID and
// the imprinted ID in text (imprinted left empty, with sameImprint set, when
// it equals the ID, as it does in Dominion exports), the batch and attrs
// indexes, the position, and the vote words in cells.
type chunk struct {
	text     []byte
	textEnd  []uint32 // 2 per card: end of ID, end of imprinted ID
	batch    []uint32
	attr     []uint32
	pos      []int32
	cells    []uint32
	cellsEnd []uint32
	same     []uint64 // bit set: imprinted ID equals ID
	sized    bool     // made by newChunk with room for a full chunk
}

// Cards stores the cards of an election compactly: the per-card cost is
// about 24 bytes plus the ID, and each contest on a card costs 4 bytes
// plus 4 per selection. The zero value is an empty store ready to use.
// Cards is not safe for concurrent modification.
type Cards struct {
	chunks []*chunk
	n      int

	batches  []BatchKey
	batchIdx map[BatchKey]uint32
	lastB    BatchKey
	lastBi   uint32
	attrs    []attrs
	attrIdx  map[attrs]uint32
}

// Len returns the number of cards.
func (s *Cards) Len() int { return s.n }

// Append copies c into the store and returns its index.
func (s *Cards) Append(c *Card) int {
	if s.n&(chunkSize-1) == 0 {
		s.chunks = append(s.chunks, s.newChunk())
	}
	k := s.chunks[len(s.chunks)-1]
	j := s.n & (chunkSize - 1)
	k.text = append(k.text, c.ID...)
	k.textEnd = append(k.textEnd, uint32(len(k.text)))
	if j&63 == 0 {
		k.same = append(k.same, 0)
	}
	if c.ImprintedID == c.ID {
		k.same[j>>6] |= 1 << (j & 63)
	} else {
		k.text = append(k.text, c.ImprintedID...)
	}
	k.textEnd = append(k.textEnd, uint32(len(k.text)))
	k.batch = append(k.batch, s.batchIndex(c.Batch))
	k.attr = append(k.attr, s.attrIndex(attrs{c.BallotStyle, c.CountingGroup, c.Precinct, c.Phantom}))
	k.pos = append(k.pos, int32(c.Position))
	k.cells = append(k.cells, c.Votes.cells...)
	k.cellsEnd = append(k.cellsEnd, uint32(len(k.cells)))
	s.n++
	if j == chunkSize-1 {
		k.seal()
	}
	return s.n - 1
}

// newChunk returns an empty chunk whose arrays are sized for a full chunk
// like the last one, with 1/16 to spare. Growing the arrays from nothing
// by doubling, and trimming them when full, copied every byte of the store
// about three times over, which for 16 million cards is most of the time
// spent storing them. The first chunk, with nothing to go by, grows.
func (s *Cards) newChunk() *chunk {
	if len(s.chunks) == 0 {
		return &chunk{}
	}
	last := s.chunks[len(s.chunks)-1]
	spare := func(n int) int { return n + n/16 }
	return &chunk{
		text:     make([]byte, 0, spare(len(last.text))),
		textEnd:  make([]uint32, 0, 2*chunkSize),
		batch:    make([]uint32, 0, chunkSize),
		attr:     make([]uint32, 0, chunkSize),
		pos:      make([]int32, 0, chunkSize),
		cells:    make([]uint32, 0, spare(len(last.cells))),
		cellsEnd: make([]uint32, 0, chunkSize),
		same:     make([]uint64, 0, chunkSize/64),
		sized:    true,
	}
}

// seal trims a chunk's arrays to their length: append's doubling leaves
// up to half of each array unused, which for 20 M cards is gigabytes. The
// spare 1/16 newChunk gives, or less, is kept rather than copied.
func (k *chunk) seal() {
	k.text = sealed(k.text, k.sized)
	k.textEnd = sealed(k.textEnd, k.sized)
	k.batch = sealed(k.batch, k.sized)
	k.attr = sealed(k.attr, k.sized)
	k.pos = sealed(k.pos, k.sized)
	k.cells = sealed(k.cells, k.sized)
	k.cellsEnd = sealed(k.cellsEnd, k.sized)
	k.same = sealed(k.same, k.sized)
}

// sealed returns s trimmed to its length when it has spare capacity: any,
// or for a chunk sized from the last one (sized) more than 1/16 of it.
func sealed[T any](s []T, sized bool) []T {
	if n, c := len(s), cap(s); c > n && (!sized || c-n > n/16) {
		return slices.Clone(s)
	}
	return s
}

func (s *Cards) batchIndex(b BatchKey) uint32 {
	// Cards come batch by batch, so the last key usually matches and the
	// map is skipped.
	if len(s.batches) > 0 && b == s.lastB {
		return s.lastBi
	}
	i, ok := s.batchIdx[b]
	if !ok {
		if s.batchIdx == nil {
			s.batchIdx = map[BatchKey]uint32{}
		}
		i = uint32(len(s.batches))
		s.batches = append(s.batches, b)
		s.batchIdx[b] = i
	}
	s.lastB, s.lastBi = b, i
	return i
}

func (s *Cards) attrIndex(a attrs) uint32 {
	i, ok := s.attrIdx[a]
	if !ok {
		if s.attrIdx == nil {
			s.attrIdx = map[attrs]uint32{}
		}
		i = uint32(len(s.attrs))
		s.attrs = append(s.attrs, a)
		s.attrIdx[a] = i
	}
	return i
}

// Card returns card i, 0 <= i < Len(). The card shares memory with the
// store, which never changes a stored card, so it stays valid.
func (s *Cards) Card(i int) Card {
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("cvr: card index %d out of range [0,%d)", i, s.n))
	}
	k := s.chunks[i>>chunkBits]
	j := i & (chunkSize - 1)
	var t0, c0 uint32
	if j > 0 {
		t0 = k.textEnd[2*j-1]
		c0 = k.cellsEnd[j-1]
	}
	t1, t2 := k.textEnd[2*j], k.textEnd[2*j+1]
	a := s.attrs[k.attr[j]]
	c := Card{
		ID:            view(k.text[t0:t1]),
		Batch:         s.batches[k.batch[j]],
		Position:      int(k.pos[j]),
		BallotStyle:   a.style,
		CountingGroup: a.group,
		Precinct:      a.precinct,
		Phantom:       a.phantom,
		Votes:         Votes{cells: k.cells[c0:k.cellsEnd[j]:k.cellsEnd[j]]},
	}
	if k.same[j>>6]&(1<<(j&63)) != 0 {
		c.ImprintedID = c.ID
	} else {
		c.ImprintedID = view(k.text[t1:t2])
	}
	return c
}

// Votes returns the votes of card i, 0 <= i < Len(), without building the
// whole card: the fast path for passes over millions of cards that need
// only their votes (margins, tallies).
func (s *Cards) Votes(i int) Votes {
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("cvr: card index %d out of range [0,%d)", i, s.n))
	}
	k := s.chunks[i>>chunkBits]
	j := i & (chunkSize - 1)
	var c0 uint32
	if j > 0 {
		c0 = k.cellsEnd[j-1]
	}
	return Votes{cells: k.cells[c0:k.cellsEnd[j]:k.cellsEnd[j]]}
}

// view makes a string of b without copying. This is sound here because the
// store only appends to its text: bytes once written never change, and an
// append that moves the array leaves the old one, still referenced by the
// strings, untouched.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// All yields every card in the order they were appended; the error is
// always nil, so that a store and a reader can be passed to the same
// functions (Tabulate, for one).
func (s *Cards) All() iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		for i := 0; i < s.n; i++ {
			if !yield(s.Card(i), nil) {
				return
			}
		}
	}
}

// Batches returns the batches of the stored cards with the number of cards
// in each.
func (s *Cards) Batches() map[BatchKey]int {
	// Counted by index first: a map update per card, hashing three
	// strings, costs about a second for 16 million cards.
	n := make([]int, len(s.batches))
	for _, k := range s.chunks {
		for _, b := range k.batch {
			n[b]++
		}
	}
	m := make(map[BatchKey]int, len(s.batches))
	for i, c := range n {
		if c > 0 {
			m[s.batches[i]] = c
		}
	}
	return m
}

// Bytes returns the memory held by the store's arrays (their capacities),
// the figure behind "bytes per card-contest".
func (s *Cards) Bytes() int {
	n := 0
	for _, k := range s.chunks {
		n += cap(k.text) + 4*(cap(k.textEnd)+cap(k.batch)+cap(k.attr)+cap(k.pos)+cap(k.cells)+cap(k.cellsEnd)) + 8*cap(k.same)
	}
	return n
}

// ReadAll appends every card of seq to a new store, stopping at the first
// error. The last chunk is trimmed, so Bytes reports what stays resident.
func ReadAll(seq iter.Seq2[Card, error]) (*Cards, error) {
	s := &Cards{}
	for c, err := range seq {
		if err != nil {
			return s, err
		}
		s.Append(&c)
	}
	s.Trim()
	return s, nil
}

// Trim releases the unused capacity of the last, partly filled chunk.
func (s *Cards) Trim() {
	if len(s.chunks) > 0 {
		s.chunks[len(s.chunks)-1].seal()
	}
}
