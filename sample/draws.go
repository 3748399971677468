package sample

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// The sampling functions of cryptorandom's sample.py (version 0.4) on the
// population 1..n. Each takes the generator it draws from, so a caller can
// continue a stream; their outputs are 1-based items in draw order.

// SampleByIndex draws k items from 1..n (sample_by_index). Without
// replacement it keeps the population in an array and, for draw i, takes
// the item at a uniform position w in 1..n-i (RandInt(1, n-i+1)) and moves
// the last item into that position. With replacement each draw is
// RandInt(1, n+1). The items are returned in draw order. (cryptorandom's
// fast=True variant returns a Python set in undefined order and is not
// reproduced.)
func SampleByIndex(g *SHA256, n, k int64, withReplacement bool) ([]int64, error) {
	if n < 1 || k < 0 {
		return nil, fmt.Errorf("sample: sample_by_index: need n >= 1 and k >= 0, got n=%d k=%d", n, k)
	}
	if !withReplacement && k > n {
		return nil, fmt.Errorf("sample: sample_by_index: %w: %d of %d", ErrTooManyPicks, k, n)
	}
	out := make([]int64, 0, k)
	if withReplacement {
		for range k {
			out = append(out, 1+int64(g.randBelow(uint64(n))))
		}
		return out, nil
	}
	pop := newVirtualPopulation(n, k)
	for i := range k {
		m := n - i // items left
		w := 1 + int64(g.randBelow(uint64(m)))
		out = append(out, pop.get(w))
		if w < m {
			pop.set(w, pop.get(m))
		}
	}
	return out, nil
}

// virtualPopulation is the array [1..n] of sample_by_index, holding only the
// positions that have changed when the sample is small, so that a sample of
// hundreds from a manifest of millions needs no array of millions.
type virtualPopulation struct {
	dense  []int64
	sparse map[int64]int64
}

func newVirtualPopulation(n, k int64) *virtualPopulation {
	if k >= n/8 {
		d := make([]int64, n)
		for i := range d {
			d[i] = int64(i) + 1
		}
		return &virtualPopulation{dense: d}
	}
	return &virtualPopulation{sparse: make(map[int64]int64, 2*k)}
}

func (p *virtualPopulation) get(pos int64) int64 {
	if p.dense != nil {
		return p.dense[pos-1]
	}
	if v, ok := p.sparse[pos]; ok {
		return v
	}
	return pos
}

func (p *virtualPopulation) set(pos, v int64) {
	if p.dense != nil {
		p.dense[pos-1] = v
		return
	}
	p.sparse[pos] = v
}

// randoms returns k floats from Random, as cryptorandom's random(size=k).
func randoms(g *SHA256, k int) []float64 {
	u := make([]float64, k)
	for i := range u {
		u[i] = g.Random()
	}
	return u
}

// FYKDSample draws k of 1..n without replacement by the Fisher-Yates-Knuth-
// Durstenfeld shuffle (fykd_sample): it first draws k floats U_i, then for
// i = 0..k-1 swaps positions i and floor(i + U_i*(n-i)) of [1..n].
func FYKDSample(g *SHA256, n, k int) ([]int64, error) {
	if n < 1 || k < 0 || k > n {
		return nil, fmt.Errorf("sample: fykd_sample: need 0 <= k <= n, n >= 1; got n=%d k=%d", n, k)
	}
	u := randoms(g, k)
	a := make([]int64, n)
	for i := range a {
		a[i] = int64(i) + 1
	}
	for i := range k {
		// The same float operations as numpy: ind + rand*(n - ind).
		j := int(float64(i) + u[i]*float64(n-i))
		if j >= n { // only if U_i rounds to 1.0; cryptorandom raises IndexError
			return nil, fmt.Errorf("sample: fykd_sample: draw %d gave U = %v, outside [0, 1)", i, u[i])
		}
		a[i], a[j] = a[j], a[i]
	}
	return a[:k], nil
}

// PIKK draws k of 1..n without replacement by permuting indices and keeping
// k (pikk): it draws n floats and returns the 1-based positions of the k
// smallest, smallest first. Ties between floats (which have probability
// about n²/2^54) are broken by position; numpy's unstable sort may break
// them otherwise.
func PIKK(g *SHA256, n, k int) ([]int64, error) {
	if n < 1 || k < 0 || k > n {
		return nil, fmt.Errorf("sample: pikk: need 0 <= k <= n, n >= 1; got n=%d k=%d", n, k)
	}
	return smallestK(randoms(g, n), k), nil
}

// smallestK returns the 1-based positions of the k smallest values, in
// increasing order of value (a stable argsort).
func smallestK(v []float64, k int) []int64 {
	idx := make([]int64, len(v))
	for i := range idx {
		idx[i] = int64(i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	out := idx[:k]
	for i := range out {
		out[i]++
	}
	return out
}

// PermutationMethod names an algorithm of RandomPermutation.
type PermutationMethod string

// The methods of cryptorandom's random_permutation.
const (
	FisherYates    PermutationMethod = "Fisher-Yates"     // FYKDSample(n, n)
	RandomSort     PermutationMethod = "random_sort"      // PIKK(n, n)
	PermuteByIndex PermutationMethod = "permute_by_index" // SampleByIndex(n, n)
)

// RandomPermutation returns a random ordering of 0..n-1 (note: 0-based, as
// cryptorandom's random_permutation returns for an integer population).
func RandomPermutation(g *SHA256, n int, method PermutationMethod) ([]int64, error) {
	var p []int64
	var err error
	switch method {
	case FisherYates:
		p, err = FYKDSample(g, n, n)
	case RandomSort:
		p, err = PIKK(g, n, n)
	case PermuteByIndex:
		p, err = SampleByIndex(g, int64(n), int64(n), false)
	default:
		return nil, fmt.Errorf("sample: random_permutation: unknown method %q", method)
	}
	if err != nil {
		return nil, err
	}
	for i := range p {
		p[i]--
	}
	return p, nil
}

// WatermanR draws k of 1..n without replacement by Waterman's reservoir
// Algorithm R (waterman_r): the reservoir starts as 1..k, and item t
// (t = k+1..n) replaces reservoir slot i when RandInt(1, t+1) gives i <= k.
func WatermanR(g *SHA256, n, k int64) ([]int64, error) {
	if k < 0 || k > n {
		return nil, fmt.Errorf("sample: waterman_r: need 0 <= k <= n; got n=%d k=%d", n, k)
	}
	s := make([]int64, k)
	for i := range s {
		s[i] = int64(i) + 1
	}
	for t := k + 1; t <= n; t++ {
		if i := 1 + int64(g.randBelow(uint64(t))); i <= k {
			s[i-1] = t
		}
	}
	return s, nil
}

// RecursiveSample draws k of 1..n without replacement by the recursive
// algorithm of Cormen et al. (recursive_sample): a sample of k-1 from 1..n-1,
// then i = RandInt(1, n+1), adding n if i is already in the sample and i
// otherwise. It is written as a loop, so k has no recursion limit.
func RecursiveSample(g *SHA256, n, k int64) ([]int64, error) {
	if k < 0 || k > n {
		return nil, fmt.Errorf("sample: recursive_sample: need 0 <= k <= n; got n=%d k=%d", n, k)
	}
	s := make([]int64, 0, k)
	in := make(map[int64]bool, k)
	// The innermost call, on n-k+1 items, draws first.
	for m := n - k + 1; m <= n; m++ {
		i := 1 + int64(g.randBelow(uint64(m)))
		if in[i] {
			i = m
		}
		in[i] = true
		s = append(s, i)
	}
	return s, nil
}

func checkWeights(name string, p []float64) error {
	for i, w := range p {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("sample: %s: weight %d is %v; weights must be finite and non-negative", name, i+1, w)
		}
	}
	return nil
}

// EliminationSample draws k items of 1..len(p) with probability
// proportional to the weights p (elimination_sample). With replacement each
// draw is the first item whose normalised cumulative weight is at least a
// uniform float; without, the chosen item's weight is then removed. As in
// cryptorandom, k = len(p) without replacement returns the whole population
// without drawing (cryptorandom returns it 0-based there; here it is 1..n).
func EliminationSample(g *SHA256, k int, p []float64, withReplacement bool) ([]int64, error) {
	if err := checkWeights("elimination_sample", p); err != nil {
		return nil, err
	}
	n := len(p)
	cum := func(w []float64) []float64 {
		c := make([]float64, len(w))
		var s float64
		for i, x := range w {
			s += x
			c[i] = s
		}
		for i := range c {
			c[i] /= s
		}
		return c
	}
	if withReplacement {
		wc := cum(p)
		out := make([]int64, k)
		for i := range out {
			out[i] = int64(searchLeft(wc, g.Random())) + 1
		}
		return out, nil
	}
	if k > n {
		return nil, fmt.Errorf("sample: elimination_sample: %w: %d of %d", ErrTooManyPicks, k, n)
	}
	if k == n {
		return onesToN(n), nil
	}
	w := slices.Clone(p)
	left := make([]int64, n)
	for i := range left {
		left[i] = int64(i)
	}
	out := make([]int64, k)
	for i := range out {
		j := searchLeft(cum(w), g.Random())
		out[i] = left[j] + 1
		left = slices.Delete(left, j, j+1)
		w = slices.Delete(w, j, j+1)
	}
	return out, nil
}

// searchLeft is numpy's searchsorted with side="left": the first index i
// with c[i] >= v, or len(c).
func searchLeft(c []float64, v float64) int {
	return sort.Search(len(c), func(i int) bool { return c[i] >= v })
}

// ExponentialSample draws k items of 1..len(p) without replacement with
// probability proportional to the weights (exponential_sample): it draws
// one float U_i per item and keeps the k smallest -ln(U_i)/p_i.
func ExponentialSample(g *SHA256, k int, p []float64) ([]int64, error) {
	if err := checkWeights("exponential_sample", p); err != nil {
		return nil, err
	}
	n := len(p)
	if k > n {
		return nil, fmt.Errorf("sample: exponential_sample: %w: %d of %d", ErrTooManyPicks, k, n)
	}
	if k == n {
		return onesToN(n), nil
	}
	u := randoms(g, n)
	for i := range u {
		u[i] = -math.Log(u[i]) / p[i]
	}
	return smallestK(u, k), nil
}

func onesToN(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i) + 1
	}
	return out
}
