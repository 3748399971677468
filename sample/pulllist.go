package sample

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// IndexDraws turns draws of global card indices (1..Total, as Rivest's
// sampler and SampleByIndex make them) into draws of cards, numbered from
// first. A card index drawn again has its Times counted up.
func (m *Manifest) IndexDraws(indices []int64, first int) ([]Draw, error) {
	out := make([]Draw, len(indices))
	times := make(map[int64]int, len(indices))
	for i, x := range indices {
		b, pos, err := m.Locate(x)
		if err != nil {
			return nil, err
		}
		times[x]++
		out[i] = Draw{Number: first + i, Batch: b, Position: pos, Times: times[x]}
	}
	return out, nil
}

// PullItem is one row of a pull list: a draw and whether the card is a
// phantom.
type PullItem struct {
	Draw
	// Phantom marks a position the manifest counts but the county has no
	// card for (Found below reports fewer cards): the audit treats it as
	// the worst case for the reported outcome (Banuelos & Stark 2012).
	Phantom bool
}

// PullList sorts draws for retrieval: by jurisdiction, tabulator and batch
// (names compared with their digit runs as numbers, so "Batch 9" comes
// before "Batch 10"), then by position, then by draw number, so each
// row keeps its draw number and ticket. found, if not nil, gives the number
// of cards actually present in a batch; a drawn position above it is a
// phantom.
func (m *Manifest) PullList(draws []Draw, found func(batch int) int) ([]PullItem, error) {
	out := make([]PullItem, len(draws))
	for i, d := range draws {
		if d.Batch < 0 || d.Batch >= len(m.batches) || d.Position < 1 || d.Position > m.batches[d.Batch].Cards {
			return nil, fmt.Errorf("sample: pull list: draw %d (batch %d, position %d) is not in the manifest", d.Number, d.Batch, d.Position)
		}
		out[i] = PullItem{Draw: d}
		if found != nil && d.Position > found(d.Batch) {
			out[i].Phantom = true
		}
	}
	slices.SortStableFunc(out, func(a, b PullItem) int {
		x, y := m.batches[a.Batch], m.batches[b.Batch]
		if c := CompareNatural(x.Jurisdiction, y.Jurisdiction); c != 0 {
			return c
		}
		if c := CompareNatural(x.Tabulator, y.Tabulator); c != 0 {
			return c
		}
		if c := CompareNatural(x.Name, y.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Batch, b.Batch); c != 0 { // equal names, different keys
			return c
		}
		if c := cmp.Compare(a.Position, b.Position); c != 0 {
			return c
		}
		return cmp.Compare(a.Number, b.Number)
	})
	return out, nil
}

// CompareNatural compares strings with runs of digits compared as numbers
// ("Batch 9" < "Batch 10"), then, if equal so, as plain strings. It returns
// -1, 0 or +1. Pull lists are sorted with it.
func CompareNatural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if c := cmp.Compare(a[i], b[j]); c != 0 {
			return c
		}
		i++
		j++
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
