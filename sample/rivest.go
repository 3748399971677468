package sample

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// Rivest is the pseudorandom generator of Ronald L. Rivest's sampler.py
// (version of November 14, 2011), which Colorado's RLA software also uses.
//
// Draw k (k = 1, 2, 3, ...) hashes the UTF-8 bytes of seed + "," + k, where
// k is written in decimal with no padding; the 32-byte digest is read as a
// big-endian integer H, and the pick is a + (H mod (b-a+1)). The range
// [a, b] is inclusive. Reducing modulo the range has a bias of at most
// about (b-a+1)/2^256, which is negligible.
type Rivest struct {
	seed string
	a, b int64
	k    uint64 // hashes used so far
	buf  []byte
}

// NewRivest returns the generator for the given seed and inclusive range
// [a, b]. The seed is used exactly as given.
func NewRivest(seed string, a, b int64) (*Rivest, error) {
	if b < a {
		return nil, fmt.Errorf("sample: rivest: empty range [%d, %d]", a, b)
	}
	return &Rivest{seed: seed, a: a, b: b, buf: append([]byte(seed), ',')}, nil
}

// Next returns the next pick in [a, b].
func (r *Rivest) Next() int64 {
	r.k++
	r.buf = strconv.AppendUint(r.buf[:len(r.seed)+1], r.k, 10)
	sum := sha256.Sum256(r.buf)
	// width is b-a+1 as an unsigned number; 0 means the full 2^64 range.
	width := uint64(r.b) - uint64(r.a) + 1
	return r.a + int64(modBE(sum, width))
}

// Hashes returns how many hashes the generator has used (the last k).
func (r *Rivest) Hashes() uint64 { return r.k }

// modBE returns the big-endian 256-bit integer in sum modulo m, where m = 0
// stands for 2^64.
func modBE(sum [32]byte, m uint64) uint64 {
	var rem uint64
	for i := 0; i < 32; i += 8 {
		w := be64(sum[i:])
		if m == 0 {
			rem = w // only the low 64 bits survive mod 2^64
			continue
		}
		rem = bits.Rem64(rem, w, m)
	}
	return rem
}

func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// ErrTooManyPicks is returned when more distinct picks are asked for than
// the range holds.
var ErrTooManyPicks = errors.New("more picks without replacement than the range holds")

// RivestSample reproduces sampler.py's generate_outputs(n, with_replacement,
// a, b, seed, skip): it makes n picks from [a, b] and returns the first skip
// of them (the earlier sample) and the remaining n-skip (the new picks),
// each in generation order.
//
// Without replacement a pick equal to an earlier one is discarded, but k
// still advances, so an expanded sample always begins with the smaller one.
func RivestSample(seed string, a, b int64, n, skip int, withReplacement bool) (old, picks []int64, err error) {
	if n < 0 || skip < 0 || skip > n {
		return nil, nil, fmt.Errorf("sample: rivest: need 0 <= skip (%d) <= n (%d)", skip, n)
	}
	g, err := NewRivest(seed, a, b)
	if err != nil {
		return nil, nil, err
	}
	width := uint64(b) - uint64(a) + 1
	if !withReplacement && width != 0 && uint64(n) > width {
		return nil, nil, fmt.Errorf("sample: rivest: %w: %d picks from [%d, %d]", ErrTooManyPicks, n, a, b)
	}
	out := make([]int64, 0, n)
	var seen map[int64]struct{}
	if !withReplacement {
		seen = make(map[int64]struct{}, n)
	}
	for len(out) < n {
		x := g.Next()
		if seen != nil {
			if _, dup := seen[x]; dup {
				continue
			}
			seen[x] = struct{}{}
		}
		out = append(out, x)
	}
	return out[:skip:skip], out[skip:], nil
}
