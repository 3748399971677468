// Package cvr holds election data for risk-limiting audits: cast vote
// records (CVRs) read from the vendors' exports, ballot manifests,
// tabulation, and the reconciliation of the three (manifest, CVRs and
// reported results) that 2 CCR 20121(b) asks for before any selection.
//
// # Model
//
// An [Election] interns the contests and their choices: each contest gets a
// small [ContestIndex] and each choice a [ChoiceIndex] within its contest,
// so a vote costs a few bytes however long the names are. A [Card] is the
// record of one scanned sheet (audits sample cards, and manifests count
// cards): a stable ID, the [BatchKey] that joins it to the manifest, its
// position in the batch, the imprinted ID, the ballot style, and its
// [Votes]. A contest that is absent from a card's Votes was not on that
// card; a contest present with no selections was on the card and received
// no valid vote. The two differ for ballot-style-aware sampling.
//
// [Cards] stores millions of cards in a few arrays per 65,536 cards: 24
// bytes per card plus its ID, 4 bytes per contest on the card and 4 per
// selection (12.8 bytes per card-contest measured on a million 10-contest
// cards; see benchmarks/cvr_test.go).
//
// # Readers
//
// Every reader is a [Format] in a registry: [RegisterFormat] adds one (the
// vendor readers register themselves from init functions), [DetectFormat]
// picks one from the files, and [Read] streams the cards of an export as an
// iter.Seq2[Card, error] without holding the export in memory. Readers
// report bad input with the file, the line or JSON path, and the field.
//
// Some exports also hold votes that belong to no card: Colorado's public
// Dominion CSV exports replace the cards of ballot styles cast by few
// voters by redaction rows of summed votes ("Redacted and Aggregated",
// "Redacted and Consolidated N Ballots", ...). A reader hands each such row
// to [Options].Pool as a [Pool] (its name, the number of cards when the
// row states it, the votes per contest and choice), beside the card
// stream; without Options.Pool it skips the row with a warning.
//
// # Counting
//
// [Tabulate] counts votes per contest under the overvote rules, keeps the
// ranked ballots of ranked-choice contests, and [IRV] runs the
// instant-runoff count round by round. [Tally.AddPool] adds a pool's
// votes to the plurality contests' totals, keeping them apart as well
// (ContestTally.Pooled); the card counts, overvotes and undervotes stay
// those of the cards, and ranked contests count ballots only. [Reconcile] compares the manifest,
// the CVRs and the reported results and lists each [Inconsistency] with a
// plain-language cause; [Phantoms] makes a phantom card for every card that
// the manifest has and the CVRs lack (Banuelos & Stark 2012).
package cvr
