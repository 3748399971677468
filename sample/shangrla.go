package sample

import (
	"bytes"
	"fmt"
	"math/big"
	"slices"
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
func SampleNumbers(seed string, n int) []SampleNumber {
	g := NewSHA256(seed)
	out := make([]SampleNumber, n)
	for i := range out {
		out[i] = g.NextRandom()
	}
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
// taken card counts it. contests[i] lists the contests (indices into sizes)
// on card i. Equal sample numbers keep list order.
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
func ConsistentContestSample(nums []SampleNumber, contests [][]int, sizes []int, before []int) (ContestSample, error) {
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
func ShangrlaConsistentSampling(nums []SampleNumber, contests [][]int, sizes []int, before []int) (ContestSample, error) {
	order, count, err := prepareContestSample(nums, contests, sizes, before)
	if err != nil {
		return ContestSample{}, err
	}
	for _, i := range before {
		for _, c := range contests[i] {
			count[c]++
		}
	}
	return walkContestSample(order, len(before), nums, contests, sizes, count, nil, slices.Clone(before))
}

// prepareContestSample checks the inputs and returns the cards sorted by
// sample number (stably) and zeroed contest counts.
func prepareContestSample(nums []SampleNumber, contests [][]int, sizes []int, before []int) (order, count []int, err error) {
	if len(nums) != len(contests) {
		return nil, nil, fmt.Errorf("sample: consistent sampling: %d sample numbers for %d cards", len(nums), len(contests))
	}
	for i, cs := range contests {
		for _, c := range cs {
			if c < 0 || c >= len(sizes) {
				return nil, nil, fmt.Errorf("sample: consistent sampling: card %d has contest %d; there are %d", i, c, len(sizes))
			}
		}
	}
	seen := make(map[int]bool, len(before))
	for _, i := range before {
		if i < 0 || i >= len(contests) {
			return nil, nil, fmt.Errorf("sample: consistent sampling: earlier card %d outside 0..%d", i, len(contests)-1)
		}
		if seen[i] {
			return nil, nil, fmt.Errorf("sample: consistent sampling: earlier card %d listed twice", i)
		}
		seen[i] = true
	}
	order = make([]int, len(nums))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return nums[a].Compare(nums[b]) })
	return order, make([]int, len(sizes)), nil
}

// walkContestSample walks order from position start while some contest
// needs cards. Cards in earlier are counted where met but not selected
// again; selected starts the result's list.
func walkContestSample(order []int, start int, nums []SampleNumber, contests [][]int, sizes, count []int, earlier map[int]bool, selected []int) (ContestSample, error) {
	res := ContestSample{Selected: selected, Thresholds: make([]SampleNumber, len(sizes)), Counted: make([]bool, len(sizes))}
	open := 0 // contests that still need cards
	for c := range sizes {
		if count[c] < sizes[c] {
			open++
		}
	}
	for pos := start; open > 0; pos++ {
		if pos >= len(order) {
			var short []int
			for c := range sizes {
				if count[c] < sizes[c] {
					short = append(short, c)
				}
			}
			return res, fmt.Errorf("sample: consistent sampling: ran out of cards; contests %v have fewer cards than their sample sizes", short)
		}
		card := order[pos]
		take := earlier[card]
		for _, c := range contests[card] {
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
