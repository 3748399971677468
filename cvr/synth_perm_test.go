package cvr

import "testing"

// TestSynthPerm checks that synthPerm is a bijection of [0, n) for sizes
// around powers of two (odd and even bit counts) and that keys matter.
func TestSynthPerm(t *testing.T) {
	for _, n := range []int64{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 1000, 4095, 4096, 4097, 65537} {
		p := newSynthPerm(n, uint64(n)*7+1)
		seen := make([]bool, n)
		fixed := 0
		for x := range n {
			y := p.at(x)
			if y < 0 || y >= n || seen[y] {
				t.Fatalf("n=%d: at(%d)=%d repeats or is out of range", n, x, y)
			}
			seen[y] = true
			if y == x {
				fixed++
			}
		}
		// A random permutation has about one fixed point; many mean the
		// permutation barely moves anything.
		if n >= 1000 && fixed > 20 {
			t.Errorf("n=%d: %d fixed points", n, fixed)
		}
	}
	a, b := newSynthPerm(1000, 1), newSynthPerm(1000, 2)
	same := 0
	for x := range int64(1000) {
		if a.at(x) == b.at(x) {
			same++
		}
	}
	if same > 20 {
		t.Errorf("two keys agree on %d of 1000 points", same)
	}
}
