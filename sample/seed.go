package sample

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MinSeedDigits is the number of ten-sided dice rolled for a public seed:
// 20 decimal digits give about 66 bits, more than any adversary can
// search, and are what Colorado and California practice use.
const MinSeedDigits = 20

// ErrSeed is wrapped by CheckSeedDigits's errors.
var ErrSeed = errors.New("bad seed")

// CheckSeedDigits checks that seed has the form of a dice-rolled seed: at
// least MinSeedDigits characters, each a decimal digit 0-9. The algorithms
// accept any string; this check is for audits whose rules require dice.
func CheckSeedDigits(seed string) error {
	if !utf8.ValidString(seed) {
		return fmt.Errorf("sample: %w: not valid UTF-8 text", ErrSeed)
	}
	for i, r := range []rune(seed) {
		if r < '0' || r > '9' {
			return fmt.Errorf("sample: %w: character %d is %q; a dice-rolled seed has only the digits 0-9", ErrSeed, i+1, r)
		}
	}
	if n := len(seed); n < MinSeedDigits {
		return fmt.Errorf("sample: %w: %d digits; roll at least %d", ErrSeed, n, MinSeedDigits)
	}
	return nil
}
