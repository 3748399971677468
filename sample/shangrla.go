package sample

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"slices"
	"sync"
)

// SampleNumber is a card's sample number in SHANGRLA's consistent sampling:
// a 256-bit integer, stored big-endian, so that byte order is numeric order.
type SampleNumber [32]byte

// Compare returns -1, 0 or +1 as s is less than, equal to or greater than t.
func (s SampleNumber) Compare(t SampleNumber) int { return bytes.Compare(s[:], t[:]) }

// String returns the number in decimal, as SHANGRLA prints it.
func (s SampleNumber) String() string { return new(big.Int).SetBytes(s[:]).String() }

// SampleNumbers returns the sample numbers SHANGRLA's CVR.assign_sample_nums
// gives n cards: the card at 0-based position i of the CVR list gets the
// i-th output of NewSHA256(seed), i.e. SHA-256(seed + "," + "\x00"*i) read
// as a big-endian integer. The numbers depend on the list's order, not on
// the cards' ids, so the list (CVRs in file order, phantoms appended) must be
// fixed before the seed is known.
//
// The numbers are computed in parallel: each CPU takes a stretch of the
// list and jumps its own generator to the stretch's start.
func SampleNumbers(seed string, n int) []SampleNumber {
	out := make([]SampleNumber, n)
	workers := runtime.GOMAXPROCS(0)
	if n < 1<<15 {
		workers = 1
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			g := NewSHA256(seed)
			g.JumpAhead(uint64(lo))
			for i := lo; i < hi; i++ {
				out[i] = g.NextRandom()
			}
		})
	}
	wg.Wait()
	return out
}

// ContestSample is the result of consistent sampling across contests.
type ContestSample struct {
	// Selected lists the 0-based card positions chosen, in selection
	// (sample-number) order. ConsistentContestSample lists only the cards
	// new in this round; ShangrlaConsistentSampling lists the whole
	// sample, earlier cards first, as SHANGRLA returns it.
	Selected []int
	// Thresholds holds, for each contest, the sample number of the last
	// card taken while the contest still needed cards (SHANGRLA's
	// sample_threshold), and Counted whether there is one.
	Thresholds []SampleNumber
	Counted    []bool
}

// ConsistentContestSample selects cards for several contests at once by
// consistent sampling with card-style data (Stark's SHANGRLA, Audit.py
// CVR.consistent_sampling): it walks the cards in increasing order of
// sample number and takes a card when it contains at least one contest that
// still has fewer sampled cards than its sample size; every contest on a
// taken card counts it. contests(i, buf) returns the contests (indices into
// sizes) on card i, appended to buf[:0]; for a list, use ContestList. Equal
// sample numbers keep list order.
//
// before lists the cards sampled in earlier rounds. The walk starts again
// from the smallest sample number, and an earlier card counts for its
// contests where the walk meets it; the cards returned are the new ones.
// When the earlier sample came from the same numbers with sample sizes no
// larger than these, the earlier and new cards together are exactly the
// sample a single round with these sizes would take, so later rounds only
// extend earlier ones.
//
// This differs from SHANGRLA, which resumes the walk at position
// len(before) of the sorted order; that equals the above only when every
// card holds every contest, and otherwise can skip cards or take a card
// twice. ShangrlaConsistentSampling reproduces SHANGRLA exactly.
func ConsistentContestSample(nums []SampleNumber, contests Contests, sizes []int, before []int) (ContestSample, error) {
	order, count, err := prepareContestSample(nums, contests, sizes, before)
	if err != nil {
		return ContestSample{}, err
	}
	earlier := make(map[int]bool, len(before))
	for _, i := range before {
		earlier[i] = true
	}
	return walkContestSample(order, 0, nums, contests, sizes, count, earlier, nil)
}

// ShangrlaConsistentSampling is CVR.consistent_sampling of SHANGRLA
// (commit 9d5db92), bit for bit: the cards in before count for their
// contests first, and the walk resumes at position len(before) of the
// sorted order, which assumes the earlier sample is a prefix of it. The
// returned Selected is before followed by the new cards. Use it to check a
// selection SHANGRLA made; ConsistentContestSample is the sound form.
func ShangrlaConsistentSampling(nums []SampleNumber, contests Contests, sizes []int, before []int) (ContestSample, error) {
	order, count, err := prepareContestSample(nums, contests, sizes, before)
	if err != nil {
		return ContestSample{}, err
	}
	var buf []int
	for _, i := range before {
		buf = contests(i, buf)
		for _, c := range buf {
			if c < 0 || c >= len(sizes) {
				return ContestSample{}, fmt.Errorf("sample: consistent sampling: card %d has contest %d; there are %d", i, c, len(sizes))
			}
			count[c]++
		}
	}
	return walkContestSample(order, len(before), nums, contests, sizes, count, nil, slices.Clone(before))
}

// Contests tells consistent sampling which contests a card holds: it
// appends the contests (indices into the sample sizes) of card i to buf[:0]
// and returns the result. A function, not a list, so that an election of
// millions of cards need not be copied into one.
type Contests func(card int, buf []int) []int

// ContestList adapts a list (contests[i] for card i) to Contests.
func ContestList(contests [][]int) Contests {
	return func(i int, buf []int) []int { return append(buf[:0], contests[i]...) }
}

// prepareContestSample checks the inputs and returns the cards in order of
// sample number (stably) and zeroed contest counts.
func prepareContestSample(nums []SampleNumber, contests Contests, sizes []int, before []int) (order *numberOrder, count []int, err error) {
	seen := make(map[int]bool, len(before))
	for _, i := range before {
		if i < 0 || i >= len(nums) {
			return nil, nil, fmt.Errorf("sample: consistent sampling: earlier card %d outside 0..%d", i, len(nums)-1)
		}
		if seen[i] {
			return nil, nil, fmt.Errorf("sample: consistent sampling: earlier card %d listed twice", i)
		}
		seen[i] = true
	}
	for c, n := range sizes {
		if n < 0 {
			return nil, nil, fmt.Errorf("sample: consistent sampling: contest %d has sample size %d", c, n)
		}
	}
	return newNumberOrder(nums), make([]int, len(sizes)), nil
}

// numberOrder lists the card positions in increasing order of sample
// number, equal numbers in list order, finding and sorting only as many
// cards as are read. Consistent sampling reads only the first few thousand
// cards of the order, so sorting all of them (seconds for 16 million) is
// wasted: instead the cards whose numbers' first 64 bits fall in [0, hi)
// are picked out in one pass over the numbers and sorted, and when the walk
// reads past them the next range, twice as wide, is added the same way.
// Sample numbers are uniform, so the first range holds about
// orderFirstRange cards and a walk of any length takes a few passes. The
// cards are compared by their numbers' first 64 bits, whole numbers only on
// a tie, then by position: a total order, so the order is exactly that of a
// full sort, and ranges of whole keys keep equal keys together.
type numberOrder struct {
	nums   []SampleNumber
	sorted []keyedNumber // the cards of the ranges so far, in order
	hi     uint64        // the ranges so far cover keys below hi
	all    bool          // the ranges so far cover every key
	width  uint64        // the width of the next range
}

// orderFirstRange is the number of cards the first range is meant to hold.
const orderFirstRange = 1 << 12

type keyedNumber struct {
	key uint64
	i   int
}

func (a keyedNumber) compare(b keyedNumber, nums []SampleNumber) int {
	if a.key != b.key {
		return cmp.Compare(a.key, b.key)
	}
	if c := nums[a.i].Compare(nums[b.i]); c != 0 {
		return c
	}
	return cmp.Compare(a.i, b.i)
}

func newNumberOrder(nums []SampleNumber) *numberOrder {
	o := &numberOrder{nums: nums}
	if len(nums) <= orderFirstRange {
		o.width = math.MaxUint64
	} else {
		o.width = math.MaxUint64 / uint64(len(nums)) * orderFirstRange
	}
	return o
}

func (o *numberOrder) len() int { return len(o.nums) }

// at returns the card at position pos of the order, 0 <= pos < len().
func (o *numberOrder) at(pos int) int {
	for pos >= len(o.sorted) && !o.all {
		o.extend()
	}
	return o.sorted[pos].i
}

// extend adds the next range of keys, [o.hi, o.hi+o.width), and doubles
// the width. The numbers are scanned on every CPU.
func (o *numberOrder) extend() {
	lo := o.hi
	hi, all := lo+o.width, false
	if hi < lo || hi == math.MaxUint64 { // to the end of the keys
		all = true
	}
	in := func(k uint64) bool { return k >= lo && (all || k < hi) }
	n := len(o.nums)
	workers := runtime.GOMAXPROCS(0)
	if n < 1<<16 {
		workers = 1
	}
	parts := make([][]keyedNumber, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var part []keyedNumber
			for i := n * w / workers; i < n*(w+1)/workers; i++ {
				if k := be64(o.nums[i][:8]); in(k) {
					part = append(part, keyedNumber{k, i})
				}
			}
			parts[w] = part
		})
	}
	wg.Wait()
	add := slices.Concat(parts...)
	slices.SortFunc(add, func(a, b keyedNumber) int { return a.compare(b, o.nums) })
	o.sorted = append(o.sorted, add...)
	o.hi, o.all = hi, all
	if o.width > math.MaxUint64/2 {
		o.width = math.MaxUint64
	} else {
		o.width *= 2
	}
}

// walkContestSample walks order from position start while some contest
// needs cards. Cards in earlier are counted where met but not selected
// again; selected starts the result's list.
func walkContestSample(order *numberOrder, start int, nums []SampleNumber, contests Contests, sizes, count []int, earlier map[int]bool, selected []int) (ContestSample, error) {
	res := ContestSample{Selected: selected, Thresholds: make([]SampleNumber, len(sizes)), Counted: make([]bool, len(sizes))}
	var buf []int
	open := 0 // contests that still need cards
	for c := range sizes {
		if count[c] < sizes[c] {
			open++
		}
	}
	for pos := start; open > 0; pos++ {
		if pos >= order.len() {
			var short []int
			for c := range sizes {
				if count[c] < sizes[c] {
					short = append(short, c)
				}
			}
			return res, fmt.Errorf("sample: consistent sampling: ran out of cards; contests %v have fewer cards than their sample sizes", short)
		}
		card := order.at(pos)
		take := earlier[card]
		buf = contests(card, buf)
		for _, c := range buf {
			if c < 0 || c >= len(sizes) {
				return res, fmt.Errorf("sample: consistent sampling: card %d has contest %d; there are %d", card, c, len(sizes))
			}
			if count[c] < sizes[c] {
				take = true
				res.Thresholds[c] = nums[card]
				res.Counted[c] = true
				if count[c]++; count[c] == sizes[c] {
					open--
				}
			} else if earlier[card] {
				count[c]++
			}
		}
		if take && !earlier[card] {
			res.Selected = append(res.Selected, card)
		}
	}
	return res, nil
}
