package cvr

// synthPerm is a keyed pseudo-random permutation of [0, n): a four-round
// Feistel network on the smallest number of bits that covers n (halves of
// unequal width when that number is odd, alternating round by round), with
// cycle walking to stay inside the domain (Black & Rogaway, "Ciphers with
// arbitrary finite domains", CT-RSA 2002). The generator uses it where a
// card must get its vote from its index alone: ranking the cards of a
// contest with a permutation and cutting the ranks into ranges of the
// wanted sizes gives exact counts (the chosen margin, the error counts) at
// random places, and any card can be regenerated without replaying the
// cards before it. It is a statistical tool, not a cipher.
type synthPerm struct {
	n            uint64
	lbits, rbits uint // widths of the two halves
	keys         [4]uint64
}

// newSynthPerm returns a permutation of [0, n) keyed by key.
func newSynthPerm(n int64, key uint64) synthPerm {
	p := synthPerm{n: uint64(max(n, 0))}
	bits := uint(2)
	for bits < 62 && uint64(1)<<bits < p.n {
		bits++
	}
	p.rbits = bits / 2
	p.lbits = bits - p.rbits
	for i := range p.keys {
		key = synthMix(key + 0x9E3779B97F4A7C15)
		p.keys[i] = key
	}
	return p
}

// at returns the image of x, 0 <= x < n. The covering domain is less than
// 2n, so fewer than 2 Feistel evaluations are expected.
func (p *synthPerm) at(x int64) int64 {
	if p.n <= 1 {
		return x
	}
	v := uint64(x)
	for {
		lb, rb := p.lbits, p.rbits
		l, r := v>>rb, v&(1<<rb-1)
		for _, k := range p.keys {
			// (l: lb bits, r: rb bits) -> (r: rb bits, l^F(r): lb bits)
			l, r = r, l^(synthMix(r^k)&(1<<lb-1))
			lb, rb = rb, lb
		}
		v = l<<rb | r
		if v < p.n {
			return int64(v)
		}
	}
}

// synthMix is the SplitMix64 finaliser (Steele, Lea & Flood 2014), a cheap
// bijective mixing of 64 bits.
func synthMix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}
