package cvr

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/rlakit/rlakit/sample"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reference forms below are the straightforward versions that
// repeated, imprintedIsID and Phantoms replaced for speed; the tests check
// that the fast ones give the same results on random stores.

func imprintedIsIDReference(cards *Cards) bool {
	for i := range cards.Len() {
		if c := cards.Card(i); !c.Phantom && c.ImprintedID != c.ID {
			return false
		}
	}
	return true
}

func repeatedReference(cards *Cards, key func(*Card) string) []repeatedValue {
	type hashed struct {
		h uint64
		i int32
	}
	var hs []hashed
	for i := range cards.Len() {
		c := cards.Card(i)
		if c.Phantom {
			continue
		}
		if v := key(&c); v != "" {
			hs = append(hs, hashed{maphash.String(repeatSeed, v), int32(i)})
		}
	}
	slices.SortFunc(hs, func(a, b hashed) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.i, b.i)) })
	counts := map[string]int64{}
	for j := 0; j < len(hs); {
		k := j + 1
		for k < len(hs) && hs[k].h == hs[j].h {
			k++
		}
		if k-j > 1 {
			group := map[string]int64{}
			for _, x := range hs[j:k] {
				c := cards.Card(int(x.i))
				group[key(&c)]++
			}
			for v, n := range group {
				if n > 1 {
					counts[v] += n
				}
			}
		}
		j = k
	}
	out := make([]repeatedValue, 0, len(counts))
	for _, v := range sortedKeys(counts) {
		out = append(out, repeatedValue{v, counts[v]})
	}
	return out
}

func phantomsReference(m *Manifest, cards *Cards) []Card {
	used := map[BatchKey]map[int]bool{}
	count := map[BatchKey]int{}
	for i := range cards.Len() {
		c := cards.Card(i)
		k := manifestKey(m, c.Batch.Jurisdiction, c.Batch.Tabulator, c.Batch.Batch)
		count[k]++
		if used[k] == nil {
			used[k] = map[int]bool{}
		}
		used[k][c.Position] = true
	}
	var out []Card
	for _, b := range m.Batches {
		if b.CVRs == CVRNo {
			continue
		}
		k := manifestKey(m, b.Jurisdiction, b.Tabulator, b.Name)
		missing := b.Cards - count[k]
		key := BatchKey{Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name}
		for pos := 1; missing > 0; pos++ {
			if used[k][pos] && pos <= b.Cards {
				continue
			}
			p := pos
			if pos > b.Cards {
				p = 0
			}
			out = append(out, Card{ID: "phantom-" + key.String() + "-" + strconv.Itoa(pos), Batch: key, Position: p, Phantom: true})
			missing--
		}
	}
	return out
}

// randomStore builds n cards over a few tabulators and batches (some
// numbered with leading zeros), with repeated IDs and imprinted IDs,
// empty ones, phantoms, and positions in and out of range.
func randomStore(r *rand.Rand, n int, dupRate float64, imprintedSame bool) *Cards {
	s := &Cards{}
	var ids []string
	for i := range n {
		tab := strconv.Itoa(1 + r.IntN(3))
		bat := strconv.Itoa(1 + r.IntN(20))
		if r.IntN(5) == 0 {
			bat = "0" + bat
		}
		id := fmt.Sprintf("%s-%s-%d", tab, bat, i)
		if i > 0 && r.Float64() < dupRate {
			id = ids[r.IntN(i)]
		}
		ids = append(ids, id)
		if r.IntN(200) == 0 {
			id = ""
		}
		imp := id
		if !imprintedSame {
			switch r.IntN(4) {
			case 0:
				imp = fmt.Sprintf("imp-%d", r.IntN(n+1))
			case 1:
				imp = ""
			}
		}
		c := Card{ID: id, ImprintedID: imp, Batch: BatchKey{Tabulator: tab, Batch: bat},
			Position: r.IntN(40) - 3, BallotStyle: strconv.Itoa(r.IntN(3)), Phantom: r.IntN(50) == 0}
		s.Append(&c)
	}
	s.Trim()
	return s
}

func TestRepeatedMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Sizes on both sides of the one-worker and one-bucket thresholds, and
	// of a chunk.
	for _, n := range []int{0, 1, 5, 300, 5000, chunkSize + 17, 1<<17 + 1000, 300000} {
		for _, same := range []bool{true, false} {
			s := randomStore(r, n, 0.01, same)
			if n >= 5000 {
				require.NotEmpty(t, repeated(s, fieldID), "the test needs repeats")
			}
			assert.Equal(t, repeatedReference(s, func(c *Card) string { return c.ID }), repeated(s, fieldID), "n=%d IDs", n)
			assert.Equal(t, repeatedReference(s, func(c *Card) string { return c.ImprintedID }), repeated(s, fieldImprintedID), "n=%d imprinted IDs", n)
			assert.Equal(t, imprintedIsIDReference(s), imprintedIsID(s), "n=%d", n)
		}
	}
}

// imprintedIsID checks 64 cards at a time; a phantom among them, or a
// card after the last full word, must still be looked at.
func TestImprintedIsIDPhantomsIgnored(t *testing.T) {
	s := &Cards{}
	for i := range 130 {
		c := Card{ID: strconv.Itoa(i), ImprintedID: strconv.Itoa(i)}
		if i == 100 {
			c.ImprintedID, c.Phantom = "other", true
		}
		s.Append(&c)
	}
	assert.True(t, imprintedIsID(s), "a phantom's imprinted ID does not count")
	c := Card{ID: "x", ImprintedID: "y"}
	s.Append(&c)
	assert.False(t, imprintedIsID(s))
}

func TestPhantomsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 10, 1000, chunkSize + 5} {
		for trial := range 4 {
			s := randomStore(r, n, 0, true)
			m := &Manifest{Tabulators: trial%2 == 0}
			for tab := 1; tab <= 4; tab++ {
				for bat := 0; bat <= 22; bat++ {
					if r.IntN(6) == 0 {
						continue
					}
					b := ManifestBatch{Batch: sample.Batch{Tabulator: strconv.Itoa(tab), Name: strconv.Itoa(bat), Cards: r.IntN(n/40 + 40)}}
					switch r.IntN(5) {
					case 0:
						b.CVRs = CVRNo
					case 1:
						b.Name = "00" + b.Name
					}
					m.Batches = append(m.Batches, b)
					if r.IntN(8) == 0 { // the same batch listed twice
						m.Batches = append(m.Batches, b)
					}
				}
			}
			want := phantomsReference(m, s)
			if n >= 1000 {
				require.NotEmpty(t, want, "the test needs phantoms")
			}
			got := Phantoms(m, s)
			require.Equal(t, len(want), len(got), "n=%d trial %d", n, trial)
			assert.Equal(t, want, got, "n=%d trial %d", n, trial)
		}
	}
}
