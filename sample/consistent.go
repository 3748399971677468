package sample

import (
	"cmp"
	"container/heap"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"hash"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// TicketDraw is one draw of consistent sampling.
type TicketDraw struct {
	// Ticket is the full, untrimmed ticket number of the draw; TrimTicket
	// shortens it for display.
	Ticket string
	// Item is the 0-based index of the drawn item: in the id list for
	// ConsistentSample, in the manifest's global card order for
	// Manifest draws (card index Item+1).
	Item int64
	// Times is how many times the item has now been drawn (the ticket's
	// generation): always 1 without replacement.
	Times int
}

// idSource lists the id strings of the items of a consistent sample.
type idSource interface {
	Len() int64
	// Each calls fn, in order, for items lo..hi-1 with each item's id
	// string; id is only valid during the call.
	Each(lo, hi int64, fn func(i int64, id []byte))
}

// ErrDuplicateID is returned when two items to be sampled share an id
// string: their tickets would be equal.
var ErrDuplicateID = errors.New("duplicate id")

// listIDs is an idSource over explicit id strings.
type listIDs []string

func (l listIDs) Len() int64 { return int64(len(l)) }
func (l listIDs) Each(lo, hi int64, fn func(int64, []byte)) {
	var buf []byte
	for i := lo; i < hi; i++ {
		buf = append(buf[:0], l[i]...)
		fn(i, buf)
	}
}

// ConsistentSample reproduces Rivest's consistent_sampler.sampler(ids, seed,
// with_replacement, drop, take, output="tuple"): every item gets the first
// ticket FirstTicket(SeedHash(seed), id); items are drawn in increasing
// order of ticket number; with replacement a drawn item goes back with the
// ticket NextTicket of its last one. Draws drop+1 .. drop+take are returned
// (take < 0 means all of them; it must be finite with replacement).
//
// ids are the items' id strings exactly as hashed, i.e. Python's str() of
// each id: "AB-130" for a string, "17" for an integer, CardID for Arlo's
// tuples. Duplicate ids are an error, as in the original.
func ConsistentSample(ids []string, seed string, withReplacement bool, drop, take int) ([]TicketDraw, error) {
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("sample: consistent: %w %q (items %d and %d)", ErrDuplicateID, id, j+1, i+1)
		}
		seen[id] = i
	}
	return consistentDraws(listIDs(ids), seed, withReplacement, drop, take)
}

// candidate is an item with the first 19 digits of its first ticket.
type candidate struct {
	key  uint64
	item int64
}

// ticketHasher computes first tickets for one goroutine: the SHA-256 state
// after the 64-character seed hash (exactly one block) is saved once and
// restored per item, so each item costs only the hashing of its id.
type ticketHasher struct {
	h     hash.Hash
	state []byte
	sum   [32]byte
}

func newTicketHasher(seedHash string) *ticketHasher {
	h := sha256.New()
	h.Write([]byte(seedHash))
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic(err) // crypto/sha256 always marshals
	}
	return &ticketHasher{h: h, state: state}
}

func (t *ticketHasher) digest(id []byte) *[32]byte {
	if err := t.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(t.state); err != nil {
		panic(err) // the state came from the same hash
	}
	t.h.Write(id)
	t.h.Sum(t.sum[:0])
	return &t.sum
}

// ticketOf returns the full first ticket of one item.
func ticketOf(src idSource, seedHash string, item int64) string {
	var t string
	src.Each(item, item+1, func(_ int64, id []byte) {
		t = FirstTicket(seedHash, string(id))
	})
	return t
}

// candidateOrder orders candidates by first ticket: by key, and on equal
// keys by the full tickets, then by item so that equal tickets (which only
// duplicate ids give) have a fixed order.
type candidateOrder struct {
	src      idSource
	seedHash string
}

func (o candidateOrder) compare(a, b candidate) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	if c := cmp.Compare(ticketOf(o.src, o.seedHash, a.item), ticketOf(o.src, o.seedHash, b.item)); c != 0 {
		return c
	}
	return cmp.Compare(a.item, b.item)
}

// maxHeap keeps the k smallest candidates seen so far, largest on top.
type maxHeap struct {
	c     []candidate
	order candidateOrder
}

func (h *maxHeap) Len() int           { return len(h.c) }
func (h *maxHeap) Less(i, j int) bool { return h.order.compare(h.c[i], h.c[j]) > 0 }
func (h *maxHeap) Swap(i, j int)      { h.c[i], h.c[j] = h.c[j], h.c[i] }
func (h *maxHeap) Push(x any)         { h.c = append(h.c, x.(candidate)) }
func (h *maxHeap) Pop() any {
	x := h.c[len(h.c)-1]
	h.c = h.c[:len(h.c)-1]
	return x
}

// smallestFirstTickets returns the k items with the smallest first tickets,
// in increasing order of ticket. The items are split among the CPUs; each
// keeps its own k smallest and the lists are merged, so the result does not
// depend on the number of CPUs.
func smallestFirstTickets(src idSource, seedHash string, k int64) []candidate {
	n := src.Len()
	k = min(k, n)
	if k <= 0 {
		return nil
	}
	order := candidateOrder{src: src, seedHash: seedHash}
	workers := int64(runtime.GOMAXPROCS(0))
	if n < 1<<14 {
		workers = 1
	}
	parts := make([][]candidate, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			th := newTicketHasher(seedHash)
			h := &maxHeap{c: make([]candidate, 0, min(k, hi-lo)+1), order: order}
			src.Each(lo, hi, func(i int64, id []byte) {
				c := candidate{key: ticketKey(th.digest(id)), item: i}
				if int64(len(h.c)) < k {
					heap.Push(h, c)
					return
				}
				// Most items lose to the current k-th smallest on the key alone.
				if top := h.c[0]; c.key > top.key || order.compare(c, top) >= 0 {
					return
				}
				h.c[0] = c
				heap.Fix(h, 0)
			})
			parts[w] = h.c
		})
	}
	wg.Wait()
	all := slices.Concat(parts...)
	slices.SortFunc(all, order.compare)
	return all[:k]
}

// minHeap orders tickets for sampling with replacement: by ticket number,
// then by item.
type ticketHeap []TicketDraw

func (h ticketHeap) Len() int { return len(h) }
func (h ticketHeap) Less(i, j int) bool {
	if h[i].Ticket != h[j].Ticket {
		return ticketsLess(h[i].Ticket, h[j].Ticket)
	}
	return h[i].Item < h[j].Item
}
func (h ticketHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *ticketHeap) Push(x any)   { *h = append(*h, x.(TicketDraw)) }
func (h *ticketHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// consistentDraws returns draws drop+1..drop+take of consistent sampling
// over src.
//
// Only the items with the drop+take smallest first tickets can be drawn in
// the first drop+take draws, with or without replacement: an item's later
// tickets exceed its first, and drop+take items with smaller first tickets
// would all be drawn before it. So the scan keeps only those, and the draws
// are then made among them exactly as the original's heap makes them.
func consistentDraws(src idSource, seed string, withReplacement bool, drop, take int) ([]TicketDraw, error) {
	if drop < 0 {
		return nil, fmt.Errorf("sample: consistent: negative number of earlier draws %d", drop)
	}
	n := src.Len()
	if take < 0 {
		if withReplacement {
			return nil, errors.New("sample: consistent: sampling with replacement needs a finite number of draws")
		}
		take = int(max(n-int64(drop), 0))
	}
	total := int64(drop) + int64(take)
	if !withReplacement && total > n {
		return nil, fmt.Errorf("sample: consistent: %w: %d draws of %d items", ErrTooManyPicks, total, n)
	}
	if withReplacement && n == 0 && total > 0 {
		return nil, fmt.Errorf("sample: consistent: %w: no items to draw from", ErrTooManyPicks)
	}
	seedHash := SeedHash(seed)
	cands := smallestFirstTickets(src, seedHash, total)
	first := make([]TicketDraw, len(cands))
	for i, c := range cands {
		first[i] = TicketDraw{Ticket: ticketOf(src, seedHash, c.item), Item: c.item, Times: 1}
	}
	if !withReplacement {
		return first[drop:total], nil
	}
	h := ticketHeap(first) // already sorted, hence a valid heap
	out := make([]TicketDraw, 0, take)
	for d := int64(0); d < total; d++ {
		t := heap.Pop(&h).(TicketDraw)
		if d >= int64(drop) {
			out = append(out, t)
		}
		heap.Push(&h, TicketDraw{Ticket: NextTicket(t.Ticket), Item: t.Item, Times: t.Times + 1})
	}
	return out, nil
}

// manifestIDs is the idSource of a manifest's cards in global order.
type manifestIDs struct{ m *Manifest }

func (s manifestIDs) Len() int64 { return s.m.Total() }

func (s manifestIDs) Each(lo, hi int64, fn func(int64, []byte)) {
	if lo >= hi {
		return
	}
	b, pos, err := s.m.Locate(lo + 1)
	if err != nil {
		return
	}
	var buf []byte
	for i := lo; i < hi; b, pos = b+1, 1 {
		bt := s.m.batches[b]
		buf = appendBatchIDPrefix(buf[:0], bt, s.m.jurisdictions)
		prefix := len(buf)
		for ; pos <= bt.Cards && i < hi; pos, i = pos+1, i+1 {
			buf = strconv.AppendInt(buf[:prefix], int64(pos), 10)
			buf = append(buf, ')')
			fn(i, buf)
		}
	}
}

// Draw is one card drawn from a manifest.
type Draw struct {
	// Number is the draw's place in the whole sample (1 = first draw).
	Number int
	// Ticket is the full ticket number (consistent sampling) or "" for
	// index-based algorithms.
	Ticket string
	// Batch indexes Manifest.Batches; Position is 1-based in the batch.
	Batch    int
	Position int
	// Times is how many times the card has now been drawn (1 = first).
	Times int
}

// ConsistentDraws draws cards from the manifest by consistent sampling with
// Arlo's card ids (see CardID), as Arlo's draw_sample(seed, manifest,
// sample_size, num_sampled, with_replacement) does: draws already+1 ..
// already+count, in draw order. Without jurisdictions, batch names must be
// unique for the ids to be.
func (m *Manifest) ConsistentDraws(seed string, already, count int, withReplacement bool) ([]Draw, error) {
	if !m.jurisdictions {
		seen := make(map[string]int, len(m.batches))
		for i, b := range m.batches {
			if j, dup := seen[b.Name]; dup {
				return nil, fmt.Errorf("sample: consistent: %w: batches %d and %d are both named %q; card ids (batch, position) would repeat, so give the manifest a jurisdiction column to use (jurisdiction, tabulator, batch) ids",
					ErrDuplicateID, j+1, i+1, b.Name)
			}
			seen[b.Name] = i
		}
	}
	if count < 0 {
		return nil, fmt.Errorf("sample: consistent: negative number of draws %d", count)
	}
	td, err := consistentDraws(manifestIDs{m}, seed, withReplacement, already, count)
	if err != nil {
		return nil, err
	}
	out := make([]Draw, len(td))
	for i, t := range td {
		b, pos, err := m.Locate(t.Item + 1)
		if err != nil {
			return nil, err
		}
		out[i] = Draw{Number: already + i + 1, Ticket: t.Ticket, Batch: b, Position: pos, Times: t.Times}
	}
	return out, nil
}
