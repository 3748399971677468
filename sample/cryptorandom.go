package sample

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/big"
	"math/bits"
)

// SHA256 is the pseudorandom generator of statlab's cryptorandom package
// (class SHA256, version 0.4), which SHANGRLA and Philip Stark's audit tools
// use. It is deterministic given its seed, and it is a math/rand/v2 Source.
//
// Output j (j = 0, 1, 2, ...) is the SHA-256 digest of the UTF-8 bytes of
// seed + "," followed by j zero bytes. There is no decimal counter, so the
// stream differs from Rivest's; the generator keeps the hash state after the
// prefix and appends one zero byte per output, which costs O(1) per draw.
//
// Integer draws come from a bit reservoir read least-significant bit first
// (GetRandBits), with rejection sampling for uniform integers (RandInt);
// floats use one digest each (Random). Python's cryptorandom accepts an
// integer seed and hashes its decimal string, so SHA256(1234) and
// SHA256("1234") are the same generator: pass the decimal string.
type SHA256 struct {
	h       hash.Hash // state after seed + "," and counter zero bytes
	counter uint64
	sum     [sha256.Size]byte

	// The bit reservoir: valid bits are bit pos of words[0] onwards,
	// least-significant first; started records whether the first digest
	// has been loaded (Python's randbits is None before).
	words   []uint64
	pos     uint
	started bool
}

// NewSHA256 returns the generator for seed, with its counter at 0.
func NewSHA256(seed string) *SHA256 {
	h := sha256.New()
	h.Write([]byte(seed))
	h.Write([]byte{','})
	return &SHA256{h: h}
}

// Counter returns how many digests the generator has produced.
func (g *SHA256) Counter() uint64 { return g.counter }

// NextRandom returns the next digest, SHA-256(seed + "," + "\x00"*counter),
// and advances the counter.
func (g *SHA256) NextRandom() [sha256.Size]byte {
	g.h.Sum(g.sum[:0])
	g.advance(1)
	return g.sum
}

var zeros [4096]byte

// JumpAhead advances the counter by n without producing output. The bit
// reservoir is left as it is, as in cryptorandom.
func (g *SHA256) JumpAhead(n uint64) { g.advance(n) }

func (g *SHA256) advance(n uint64) {
	g.counter += n
	for n > 0 {
		c := min(n, uint64(len(zeros)))
		g.h.Write(zeros[:c])
		n -= c
	}
}

// Random returns a float in [0, 1]: the next digest read as a big-endian
// integer H, converted to the nearest float64 (ties to even) and scaled by
// 2^-256, exactly as Python computes int * 2**-256. The value 1.0 is
// possible in principle (H within 2^202 of 2^256) but has probability
// about 2^-54.
func (g *SHA256) Random() float64 { return digestFloat(g.NextRandom()) }

// digestFloat converts a 256-bit big-endian integer to float64 with
// round-to-nearest-even and scales it by 2^-256.
func digestFloat(d [32]byte) float64 {
	w := [4]uint64{be64(d[0:]), be64(d[8:]), be64(d[16:]), be64(d[24:])} // most significant first
	lead := 0
	for lead < 4 && w[lead] == 0 {
		lead++
	}
	if lead == 4 {
		return 0
	}
	// Bring the top set bit to bit 63 of top; sticky collects everything
	// below the 64 bits kept.
	z := uint(bits.LeadingZeros64(w[lead]))
	top := w[lead] << z
	sticky := false
	if lead+1 < 4 {
		if z > 0 {
			top |= w[lead+1] >> (64 - z)
		}
		sticky = w[lead+1]<<z != 0
		for _, x := range w[lead+2:] {
			sticky = sticky || x != 0
		}
	}
	exp := 255 - 64*lead - int(z) // position of the top bit
	mant := top >> 11             // 53 bits
	rest := top & (1<<11 - 1)
	const half = 1 << 10
	if rest > half || (rest == half && (sticky || mant&1 == 1)) {
		mant++
		if mant == 1<<53 {
			mant >>= 1
			exp++
		}
	}
	return math.Ldexp(float64(mant), exp-52-256)
}

// refill adds one digest's 256 bits to the reservoir, above those present.
func (g *SHA256) refill() {
	if g.pos >= 64 || (len(g.words) > 0 && len(g.words) == cap(g.words)) {
		// Drop spent words so the slice does not grow without bound.
		drop := g.pos / 64
		n := copy(g.words, g.words[drop:])
		g.words = g.words[:n]
		g.pos -= 64 * drop
	}
	d := g.NextRandom()
	g.words = append(g.words, be64(d[24:]), be64(d[16:]), be64(d[8:]), be64(d[0:]))
}

func (g *SHA256) remaining() uint { return 64*uint(len(g.words)) - g.pos }

// ensure loads digests until the reservoir holds at least k bits; the
// first use loads one digest even for k = 0, as cryptorandom does.
func (g *SHA256) ensure(k uint) {
	if !g.started {
		g.started = true
		g.refill()
	}
	for k > g.remaining() {
		g.refill()
	}
}

// take removes and returns the next k <= 64 bits of the reservoir; the
// first bit taken is the least significant of the result.
func (g *SHA256) take(k uint) uint64 {
	g.ensure(k)
	if k == 0 {
		return 0
	}
	i, off := g.pos/64, g.pos%64
	v := g.words[i] >> off
	if off+k > 64 {
		v |= g.words[i+1] << (64 - off)
	}
	g.pos += k
	if k < 64 {
		v &= 1<<k - 1
	}
	return v
}

// GetRandBits returns k pseudorandom bits as a non-negative integer, taken
// least-significant bit first from the reservoir; leftover bits serve later
// calls. k may exceed 256.
func (g *SHA256) GetRandBits(k uint) *big.Int {
	g.ensure(k)
	words := make([]big.Word, 0, (k+63)/64)
	for k > 0 {
		c := min(k, 64)
		words = append(words, big.Word(g.take(c)))
		k -= c
	}
	return new(big.Int).SetBits(words)
}

// Uint64 returns the next 64 bits of the reservoir (GetRandBits(64)), which
// makes the generator a math/rand/v2 Source.
func (g *SHA256) Uint64() uint64 { return g.take(64) }

// ErrEmptyRange is returned for a draw from a range with no integers.
var ErrEmptyRange = errors.New("empty range")

// randBelow returns a uniform integer in [0, n), n >= 1: it takes
// bit_length(n-1) bits and tries again while the value is n or more.
func (g *SHA256) randBelow(n uint64) uint64 {
	k := uint(bits.Len64(n - 1))
	for {
		if r := g.take(k); r < n {
			return r
		}
	}
}

// RandInt returns a uniform integer in [a, b): note that, as in
// cryptorandom, the upper bound is excluded. (cryptorandom loops forever
// when a == b; here that is an error.)
func (g *SHA256) RandInt(a, b int64) (int64, error) {
	if b <= a {
		return 0, fmt.Errorf("sample: randint: %w [%d, %d)", ErrEmptyRange, a, b)
	}
	return a + int64(g.randBelow(uint64(b)-uint64(a))), nil
}

// RandIntBig is RandInt for integers of any size.
func (g *SHA256) RandIntBig(a, b *big.Int) (*big.Int, error) {
	n := new(big.Int).Sub(b, a)
	if n.Sign() <= 0 {
		return nil, fmt.Errorf("sample: randint: %w [%s, %s)", ErrEmptyRange, a, b)
	}
	k := uint(new(big.Int).Sub(n, big.NewInt(1)).BitLen())
	for {
		if r := g.GetRandBits(k); r.Cmp(n) < 0 {
			return r.Add(r, a), nil
		}
	}
}

// RandIntTrunc is cryptorandom's deprecated randint_trunc: a + (H mod
// (b-a)) with one digest per draw. It is kept for reproducing old work;
// prefer RandInt.
func (g *SHA256) RandIntTrunc(a, b int64) (int64, error) {
	if b <= a {
		return 0, fmt.Errorf("sample: randint_trunc: %w [%d, %d)", ErrEmptyRange, a, b)
	}
	return a + int64(modBE(g.NextRandom(), uint64(b)-uint64(a))), nil
}
