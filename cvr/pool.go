package cvr

import "regexp"

// Pool is a row of pooled vote totals in a CVR export: the votes of
// several ballots counted together, with no card of their own. Colorado's
// public Dominion CSV exports replace the cards of small groups of voters
// (a ballot style cast by few people, whose votes could be told apart) by
// such rows, "Redacted and Aggregated", "Redacted and Consolidated N
// Ballots" and the like (FORMATS.md, Dominion CSV). Their votes belong in
// the contest totals, but they are not cards: an audit cannot sample them,
// and the manifest's card count does not match the export's without them.
//
// Readers deliver pools through Options.Pool; Tally.AddPool counts them.
type Pool struct {
	// Name says what the row is: its first cell and its other non-empty
	// metadata cells, e.g. "Redacted and Aggregated, BallotType 7".
	Name string
	File string
	Line int
	// Cards is the number of cards pooled when the export states it
	// (CardsKnown): N in "Redacted and Consolidated N Ballots". Other
	// rows do not say, and no number is made up for them.
	Cards      int
	CardsKnown bool
	// Contests holds the contests with at least one count in the row, in
	// the export's order.
	Contests []PoolContest
	// Redacted counts the vote cells that hold a redaction mark
	// ("redacted", "X", "*") instead of a count: votes that are unknown.
	Redacted int
}

// PoolContest is one contest's pooled votes.
type PoolContest struct {
	Contest ContestIndex
	// Votes[i] is the pooled number of votes for choice i of a plurality
	// (vote-for-N) contest; nil for a ranked contest.
	Votes []int64
	// Ranks[r-1][i] is, for a ranked contest, the pooled number of marks
	// ranking choice i at rank r. First preferences cannot be told from
	// these sums (an overvoted or skipped rank changes them), so they are
	// reported but not tabulated.
	Ranks [][]int64
}

// dcConsolidated finds the number of ballots in a Colorado redaction row's
// first cell, "Redacted and Consolidated 3 Ballots".
var dcConsolidated = regexp.MustCompile(`(?i)consolidated\s+(\d+)\s+ballots?\b`)

// redactionMark reports whether a vote cell holds one of the marks that
// stand for a redacted count.
func redactionMark(v []byte) bool {
	switch string(v) {
	case "X", "x", "*":
		return true
	}
	return len(v) == len("redacted") && hasPrefixFold(v, "redacted")
}
