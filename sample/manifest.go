package sample

import (
	"errors"
	"fmt"
	"sort"
)

// Batch is one container of ballot cards in a ballot manifest: the cards a
// tabulator scanned together and that are stored together, so an audit board
// can find a card by its batch and its position in the batch.
type Batch struct {
	// Jurisdiction is the county or other body that holds the batch; empty
	// when the manifest covers one jurisdiction only.
	Jurisdiction string
	// Tabulator is the scanner that counted the batch; empty when the
	// manifest does not say (Arlo writes it as Python's None in card ids).
	Tabulator string
	// Name is the batch's name or number as written in the manifest.
	Name string
	// Cards is the number of ballot cards in the batch; positions run 1..Cards.
	Cards int
}

// Key returns the batch's key as Arlo writes it: (jurisdiction, tabulator,
// name). Two batches of one manifest never share a key.
func (b Batch) Key() [3]string { return [3]string{b.Jurisdiction, b.Tabulator, b.Name} }

// Manifest is a ballot manifest: an ordered list of batches. Every card has
// a global index 1..Total() in manifest order (the cards of the first batch,
// then those of the second, and so on), which is what index-based selection
// algorithms (Rivest's sampler, cryptorandom) draw; Locate and Index convert
// between the two.
//
// Build one with NewManifest, which checks it.
type Manifest struct {
	batches []Batch
	// ends[i] is the global index of the last card of batch i; ends is
	// non-decreasing and ends[len-1] = Total.
	ends []int64
	// jurisdictions records whether the manifest names jurisdictions, which
	// decides the form of the card id strings of consistent sampling.
	jurisdictions bool
}

// Errors NewManifest returns, wrapped with the offending batch.
var (
	ErrNegativeCards  = errors.New("negative card count")
	ErrDuplicateBatch = errors.New("duplicate batch")
	ErrEmptyManifest  = errors.New("manifest has no batches")
)

// NewManifest checks batches and returns them as a manifest. With
// jurisdictions set, card ids take Arlo's production form
// ((jurisdiction, tabulator or None, batch), position); otherwise they are
// (batch, position), and consistent sampling then needs batch names that are
// unique by themselves. Batches must differ in (jurisdiction, tabulator,
// name). The slice is copied.
func NewManifest(batches []Batch, jurisdictions bool) (*Manifest, error) {
	if len(batches) == 0 {
		return nil, ErrEmptyManifest
	}
	m := &Manifest{
		batches:       append([]Batch(nil), batches...),
		ends:          make([]int64, len(batches)),
		jurisdictions: jurisdictions,
	}
	seen := make(map[[3]string]int, len(batches))
	var total int64
	for i, b := range m.batches {
		if b.Cards < 0 {
			return nil, fmt.Errorf("sample: batch %d (%s): %w: %d", i+1, b.describe(), ErrNegativeCards, b.Cards)
		}
		key := b.Key()
		if j, dup := seen[key]; dup {
			return nil, fmt.Errorf("sample: batch %d (%s): %w: same key as batch %d", i+1, b.describe(), ErrDuplicateBatch, j+1)
		}
		seen[key] = i
		total += int64(b.Cards)
		m.ends[i] = total
	}
	return m, nil
}

func (b Batch) describe() string {
	s := fmt.Sprintf("%q", b.Name)
	if b.Tabulator != "" {
		s = fmt.Sprintf("tabulator %q batch %s", b.Tabulator, s)
	}
	if b.Jurisdiction != "" {
		s = fmt.Sprintf("jurisdiction %q %s", b.Jurisdiction, s)
	}
	return s
}

// Batches returns the manifest's batches in order. The caller must not
// modify the slice.
func (m *Manifest) Batches() []Batch { return m.batches }

// Jurisdictions reports whether card ids take the jurisdiction form.
func (m *Manifest) Jurisdictions() bool { return m.jurisdictions }

// Total returns the number of cards in the manifest.
func (m *Manifest) Total() int64 { return m.ends[len(m.ends)-1] }

// Locate returns the batch (an index into Batches) and the 1-based position
// in that batch of the card with global index i (1..Total).
func (m *Manifest) Locate(i int64) (batch, position int, err error) {
	if i < 1 || i > m.Total() {
		return 0, 0, fmt.Errorf("sample: card index %d outside 1..%d", i, m.Total())
	}
	// The first batch whose last card is at or after i; empty batches
	// (ends equal to the previous one) are skipped because their end is
	// below i or they come after a batch with the same end.
	b := sort.Search(len(m.ends), func(k int) bool { return m.ends[k] >= i })
	start := int64(0)
	if b > 0 {
		start = m.ends[b-1]
	}
	return b, int(i - start), nil
}

// Index returns the global index (1..Total) of the card at the given
// 1-based position of batch b.
func (m *Manifest) Index(b, position int) (int64, error) {
	if b < 0 || b >= len(m.batches) {
		return 0, fmt.Errorf("sample: batch %d outside 0..%d", b, len(m.batches)-1)
	}
	if position < 1 || position > m.batches[b].Cards {
		return 0, fmt.Errorf("sample: batch %s: position %d outside 1..%d", m.batches[b].describe(), position, m.batches[b].Cards)
	}
	start := int64(0)
	if b > 0 {
		start = m.ends[b-1]
	}
	return start + int64(position), nil
}
