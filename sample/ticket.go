package sample

import (
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// Ticket numbers of Rivest's consistent sampler. A ticket number is a
// decimal fraction in (0, 1) written as a string "0.ddd...", never a float,
// so it has all the precision of the hash behind it. Cards are drawn in
// increasing order of ticket number, compared as strings.

// SeedHash returns the lowercase hexadecimal SHA-256 of the seed's UTF-8
// bytes: the prefix of every first ticket's hash input.
func SeedHash(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// Uniform returns Rivest's sha256_uniform(s): the SHA-256 of s read as a
// big-endian integer, written in decimal zero-padded to at least 64 digits,
// with the digits reversed and "0." in front. Reversal puts the unbiased
// low-order digits first; the result usually has 77 or 78 digits.
func Uniform(s string) string { return digestTicket(sha256.Sum256([]byte(s))) }

// digestTicket is Uniform for an already computed digest.
func digestTicket(sum [32]byte) string {
	d := new(big.Int).SetBytes(sum[:]).Text(10)
	b := make([]byte, 0, 2+max(len(d), 64))
	b = append(b, '0', '.')
	for i := len(d) - 1; i >= 0; i-- {
		b = append(b, d[i])
	}
	for i := len(d); i < 64; i++ { // the zero padding, now at the end
		b = append(b, '0')
	}
	return string(b)
}

// FirstTicket returns the generation-1 ticket number of the item whose id
// string is id: Uniform(seedHash + id), with no separator.
func FirstTicket(seedHash, id string) string { return Uniform(seedHash + id) }

// NextTicket returns Rivest's next_fraction(x): a ticket number greater
// than x, for the next time an item is drawn when sampling with
// replacement. It keeps the run of 9s that starts x's digits and replaces
// the rest with the digits of Uniform(x + ":" + i) for i = 1, 2, ...,
// taking the first result that is greater than x + "0" as strings. x must be
// the untrimmed ticket.
func NextTicket(x string) string {
	x0 := x + "0"
	p := nines(x0)
	for i := 1; ; i++ {
		y := x0[:p] + Uniform(x + ":" + strconv.Itoa(i))[2:]
		if y > x0 {
			return y
		}
	}
}

// nines returns the index in x of the first digit after "0." that is not 9,
// or len(x) if there is none.
func nines(x string) int {
	for i := 2; i < len(x); i++ {
		if x[i] < '9' {
			return i
		}
	}
	return len(x)
}

// TrimTicket returns Rivest's trim(x, digits): x truncated (not rounded) to
// its leading run of 9s and then digits more digits. Arlo shows tickets
// trimmed to 18 digits; the consistent_sampler default is 9.
func TrimTicket(x string, digits int) string {
	end := nines(x+"0") + digits
	if end > len(x) {
		return x
	}
	return x[:end]
}

// pow19 is 10^19, the largest power of ten below 2^64.
const pow19 = 10_000_000_000_000_000_000

// reversed4[c] is the four decimal digits of c (with leading zeros)
// written backwards: reversed4[1203] = 3021, reversed4[7] = 7000.
var reversed4 = func() (t [10000]uint16) {
	for c := range t {
		d := c
		var r int
		for range 4 {
			r = r*10 + d%10
			d /= 10
		}
		t[c] = uint16(r)
	}
	return t
}()

// ticketKey returns the first 19 digits of the ticket number of digest sum
// as an integer: the reversed 19 lowest decimal digits of the hash. Keys
// compare as the tickets' first 19 digits do, so most comparisons of
// tickets need neither a 78-digit conversion nor a string; equal keys are
// settled on the full tickets.
func ticketKey(sum *[32]byte) uint64 {
	var r uint64
	for i := 0; i < 32; i += 8 {
		r = bits.Rem64(r, be64(sum[i:]), pow19)
	}
	// Reverse the 19 digits of r, counting its leading zeros, four at a
	// time from the lowest: 4+4+4+4 digits, then the last 3.
	var k uint64
	for range 4 {
		k = k*10000 + uint64(reversed4[r%10000])
		r /= 10000
	}
	// r < 1000 now: its digits d2 d1 d0 come out as d0 d1 d2.
	return k*1000 + uint64(reversed4[r])/10
}

// ticketsLess compares two full ticket numbers as Python compares strings.
func ticketsLess(a, b string) bool { return strings.Compare(a, b) < 0 }
