package sample

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// sortByNumberReference is the full sort numberOrder replaced.
func sortByNumberReference(nums []SampleNumber) []int {
	type keyed struct {
		key uint64
		i   int
	}
	k := make([]keyed, len(nums))
	for i := range nums {
		k[i] = keyed{be64(nums[i][:8]), i}
	}
	slices.SortFunc(k, func(a, b keyed) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		if c := nums[a.i].Compare(nums[b.i]); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	order := make([]int, len(nums))
	for j := range k {
		order[j] = k[j].i
	}
	return order
}

// The lazily sorted order is the full sort's, ties included: equal
// numbers, numbers equal in their first 64 bits, uneven ranges (many
// numbers with the same top bits) and the largest keys.
func TestNumberOrderMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 63, 64, 65, 1000, orderFirstRange, orderFirstRange + 1, 100_000} {
		nums := make([]SampleNumber, n)
		for i := range nums {
			for j := range nums[i] {
				nums[i][j] = byte(r.Uint32())
			}
			switch r.IntN(10) {
			case 0: // the same number as an earlier card
				if i > 0 {
					nums[i] = nums[r.IntN(i)]
				}
			case 1: // the same first 64 bits as an earlier card
				if i > 0 {
					copy(nums[i][:8], nums[r.IntN(i)][:8])
				}
			case 2: // a crowded range
				nums[i][0], nums[i][1], nums[i][2] = 0x80, 0, 0
			case 3: // the largest first 64 bits, where a range's end overflows
				copy(nums[i][:8], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			}
		}
		want := sortByNumberReference(nums)
		o := newNumberOrder(nums)
		require.Equal(t, len(want), o.len())
		// Read part of the way, then jump, as a resumed walk does.
		got := make([]int, n)
		for pos := n / 3; pos < n; pos++ {
			got[pos] = o.at(pos)
		}
		for pos := range n / 3 {
			got[pos] = o.at(pos)
		}
		require.Equal(t, want, got, "n=%d", n)
	}
}
