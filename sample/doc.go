// Package sample selects ballot cards for a risk-limiting audit with the
// SHA-256 pseudorandom algorithms that real audits use, reproducing the
// published reference implementations bit for bit so that any observer can
// check a selection from the public seed:
//
//   - Rivest: Ronald Rivest's sampler.py (2011), also used by Colorado's
//     RLA software: SHA-256 of "seed,k" reduced modulo the range.
//   - Consistent sampling with tickets: Rivest's consistent_sampler (2018)
//     as Arlo uses it, with decimal-reversed ticket numbers and Arlo's card
//     id strings.
//   - SHA256: statlab's cryptorandom generator (used by SHANGRLA and
//     Stark's tools), its integer and float draws, and the sampling
//     functions built on it; it is also a math/rand/v2 Source.
//   - SHANGRLA's per-card sample numbers and consistent sampling across
//     contests.
//
// The package knows ballot manifests (batches of cards) but not contests or
// votes, and imports only the standard library, so that the source a state
// publishes is short and self-contained. SPEC.md in this directory states
// each algorithm in plain words with the worked first draw of a public
// vector.
//
// Seeds are used exactly as given: the UTF-8 bytes of the string, with no
// trimming or normalisation. CheckSeedDigits checks the form of a seed rolled
// on ten-sided dice.
package sample
