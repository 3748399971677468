package cvr

import (
	"hash/maphash"
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

// Duplicate detection over millions of cards. A map of 20 million strings
// would take gigabytes, and sorting 20 million (hash, index) pairs with a
// comparison sort takes a dozen seconds, so repeated works on the 64-bit
// hashes alone, spread over the CPUs:
//
//  1. each worker hashes the IDs of a stretch of chunks, read straight from
//     the store (no Card is built), and counts the hashes by their top bits;
//  2. each worker scatters its hashes into its share of every bucket (a
//     radix partition: bucket b holds the hashes whose top bits are b);
//  3. each worker sorts a range of buckets, small enough to stay in cache,
//     and keeps the hashes that occur more than once;
//  4. only if some hash repeats are the cards read again, and the values of
//     the cards with a repeated hash counted as strings. Different values
//     that happen to share a hash then count separately, as they must.
//
// The hashes are random (maphash with a per-process seed), so the buckets
// are even, and the result, sorted by value, does not depend on the seed or
// on the number of workers.

// idField selects the ID of a card that repeated looks at.
type idField int

const (
	fieldID idField = iota
	fieldImprintedID
)

// id returns the chosen ID of card j of the chunk, sharing the chunk's
// memory.
func (k *chunk) id(j int, f idField) []byte {
	var t0 uint32
	if j > 0 {
		t0 = k.textEnd[2*j-1]
	}
	t1 := k.textEnd[2*j]
	if f == fieldImprintedID && k.same[j>>6]&(1<<(j&63)) == 0 {
		return k.text[t1:k.textEnd[2*j+1]]
	}
	return k.text[t0:t1]
}

// phantomAttrs reports, for each interned attrs index, whether it marks a
// phantom: cheaper per card than building the card.
func (s *Cards) phantomAttrs() []bool {
	ph := make([]bool, len(s.attrs))
	for i, a := range s.attrs {
		ph[i] = a.phantom
	}
	return ph
}

// eachID calls fn for every real (not phantom) card in chunks lo..hi-1
// whose chosen ID is not empty, with the card's index and ID (valid during
// the call only in spirit: it is the store's memory, which never changes).
func (s *Cards) eachID(lo, hi int, f idField, phantom []bool, fn func(i int, id []byte)) {
	for c := lo; c < hi; c++ {
		k := s.chunks[c]
		for j := range len(k.pos) {
			if phantom[k.attr[j]] {
				continue
			}
			if id := k.id(j, f); len(id) > 0 {
				fn(c<<chunkBits+j, id)
			}
		}
	}
}

// repeatedWorkers is the number of goroutines repeated uses for n cards.
func repeatedWorkers(n int) int {
	if n < 1<<17 {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// repeated returns the non-empty values of the chosen ID that occur on
// more than one real card, sorted, with their counts.
func repeated(cards *Cards, f idField) []repeatedValue {
	nchunks := len(cards.chunks)
	if nchunks == 0 {
		return []repeatedValue{}
	}
	phantom := cards.phantomAttrs()
	workers := min(repeatedWorkers(cards.Len()), nchunks)
	// About 256 hashes a bucket: sorting a bucket stays in the L1 cache.
	shift := 64 - min(16, max(0, bits.Len(uint(cards.Len()))-8))
	nbuckets := 1
	if shift < 64 {
		nbuckets = 1 << (64 - shift)
	}
	bucket := func(h uint64) int {
		if shift == 64 {
			return 0
		}
		return int(h >> shift)
	}
	chunkLo := func(w int) int { return nchunks * w / workers }

	// 1. Hash, and count per bucket.
	hashes := make([][]uint64, workers)
	counts := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			lo, hi := chunkLo(w), chunkLo(w+1)
			hs := make([]uint64, 0, (hi-lo)<<chunkBits)
			cnt := make([]int, nbuckets)
			cards.eachID(lo, hi, f, phantom, func(_ int, id []byte) {
				h := maphash.Bytes(repeatSeed, id)
				hs = append(hs, h)
				cnt[bucket(h)]++
			})
			hashes[w], counts[w] = hs, cnt
		})
	}
	wg.Wait()

	// 2. Each worker's offset in each bucket, and the buckets' bounds.
	total := 0
	bounds := make([]int, nbuckets+1)
	offsets := make([][]int, workers)
	for w := range offsets {
		offsets[w] = make([]int, nbuckets)
	}
	for b := range nbuckets {
		bounds[b] = total
		for w := range workers {
			offsets[w][b] = total
			total += counts[w][b]
		}
	}
	bounds[nbuckets] = total
	all := make([]uint64, total)
	for w := range workers {
		wg.Go(func() {
			off := offsets[w]
			for _, h := range hashes[w] {
				b := bucket(h)
				all[off[b]] = h
				off[b]++
			}
		})
	}
	wg.Wait()
	clear(hashes)

	// 3. Sort the buckets; keep the hashes seen twice or more.
	dups := make([][]uint64, workers)
	for w := range workers {
		wg.Go(func() {
			for b := nbuckets * w / workers; b < nbuckets*(w+1)/workers; b++ {
				part := all[bounds[b]:bounds[b+1]]
				slices.Sort(part)
				for i := 1; i < len(part); i++ {
					if part[i] == part[i-1] && (len(dups[w]) == 0 || dups[w][len(dups[w])-1] != part[i]) {
						dups[w] = append(dups[w], part[i])
					}
				}
			}
		})
	}
	wg.Wait()
	all = nil
	repeatedHash := map[uint64]bool{}
	for _, d := range dups {
		for _, h := range d {
			repeatedHash[h] = true
		}
	}
	if len(repeatedHash) == 0 {
		return []repeatedValue{}
	}

	// 4. Count the values behind the repeated hashes.
	counts2 := map[string]int64{}
	cards.eachID(0, nchunks, f, phantom, func(_ int, id []byte) {
		if repeatedHash[maphash.Bytes(repeatSeed, id)] {
			counts2[string(id)]++
		}
	})
	out := make([]repeatedValue, 0, len(counts2))
	for _, v := range sortedKeys(counts2) {
		if n := counts2[v]; n > 1 {
			out = append(out, repeatedValue{v, n})
		}
	}
	return out
}

// imprintedIsID reports whether every real card's imprinted ID equals its
// card ID. The store keeps a bit per card for exactly that, so whole words
// of 64 cards are checked at once.
func imprintedIsID(cards *Cards) bool {
	phantom := cards.phantomAttrs()
	for _, k := range cards.chunks {
		n := len(k.pos)
		for w, bitsSet := range k.same {
			full := uint64(1)<<min(64, n-64*w) - 1 // a shift by 64 gives 0, so all ones
			if bitsSet&full == full {
				continue
			}
			for j := 64 * w; j < min(n, 64*w+64); j++ {
				if bitsSet&(1<<(j&63)) == 0 && !phantom[k.attr[j]] {
					return false
				}
			}
		}
	}
	return true
}
