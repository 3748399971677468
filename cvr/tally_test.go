package cvr

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rankedElection(t *testing.T, names ...string) (*Election, ContestIndex) {
	t.Helper()
	var e Election
	var chs []Choice
	for _, n := range names {
		chs = append(chs, Choice{ID: n, Name: n})
	}
	ci, err := e.AddContest(Contest{ID: "rcv", Name: "RCV", Ranks: 4, Choices: chs})
	require.NoError(t, err)
	return &e, ci
}

// castRanked adds n cards ranking the given choices at ranks 1, 2, ...; a
// choice index < 0 leaves that rank blank.
func castRanked(t *Tally, ci ContestIndex, n int, sels ...Selection) {
	for range n {
		var c Card
		c.Votes.Add(ci, 0, sels...)
		t.Add(&c)
	}
}

func sel(choice int, rank int) Selection {
	return Selection{Choice: ChoiceIndex(choice), Rank: uint8(rank)}
}

func TestPreferences(t *testing.T) {
	tests := []struct {
		name string
		raw  []Selection
		want []ChoiceIndex
		over bool
	}{
		{"plain", []Selection{sel(2, 1), sel(0, 2)}, []ChoiceIndex{2, 0}, false},
		{"unsorted", []Selection{sel(0, 2), sel(2, 1)}, []ChoiceIndex{2, 0}, false},
		{"skipped rank", []Selection{sel(1, 3)}, []ChoiceIndex{1}, false},
		{"repeat keeps lowest rank", []Selection{sel(1, 1), sel(2, 2), sel(1, 3), sel(0, 4)}, []ChoiceIndex{1, 2, 0}, false},
		{"overvote at rank 2", []Selection{sel(1, 1), sel(2, 2), sel(0, 2), sel(3, 3)}, []ChoiceIndex{1}, true},
		{"same choice twice at one rank", []Selection{sel(1, 1), sel(1, 1)}, []ChoiceIndex{1}, false},
		{"empty", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, over := Preferences(tt.raw, nil)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.over, over)
		})
	}
}

func TestIRV(t *testing.T) {
	e, ci := rankedElection(t, "A", "B", "C")
	tally := &Tally{Election: e}
	tally.grow()
	castRanked(tally, ci, 4, sel(0, 1), sel(1, 2))
	castRanked(tally, ci, 3, sel(1, 1), sel(2, 2))
	castRanked(tally, ci, 2, sel(2, 1), sel(1, 2))
	castRanked(tally, ci, 1, sel(2, 2))            // rank 1 skipped
	castRanked(tally, ci, 1, sel(0, 1), sel(1, 1)) // overvote at rank 1
	castRanked(tally, ci, 1)                       // no ranking
	ct := tally.Contests[ci]
	assert.Equal(t, []int64{4, 3, 3}, ct.Votes, "first preferences")
	assert.Equal(t, int64(1), ct.Overvotes)
	assert.Equal(t, int64(1), ct.Undervotes)
	assert.Equal(t, 6, ct.Ballots.Len())

	res, err := tally.IRV(ci)
	require.NoError(t, err)
	// Round 1: A 4, B 3, C 3; B and C tie with no earlier round, so the
	// one listed last (C) goes. Round 2: B 5 of 9 continuing, a majority.
	assert.Equal(t, []ChoiceIndex{2, 0, 1}, res.Order)
	assert.Equal(t, ChoiceIndex(1), res.Winner)
	assert.Equal(t, 1, res.MajorityRound)
	require.Len(t, res.Rounds, 3)
	assert.Equal(t, []int64{4, 3, 3}, res.Rounds[0].Votes)
	assert.Equal(t, int64(2), res.Rounds[0].Exhausted)
	assert.Equal(t, []int64{4, 5, 0}, res.Rounds[1].Votes)
	assert.Equal(t, int64(3), res.Rounds[1].Exhausted)
	assert.Equal(t, []int64{0, 9, 0}, res.Rounds[2].Votes)

	rep := tally.Report()
	assert.Equal(t, &IRVReport{Winner: "B", Eliminated: []string{"C", "A"}}, rep.Contests[0].IRV)
}

func TestIRVBackwardTieBreak(t *testing.T) {
	e, ci := rankedElection(t, "A", "B", "C", "D")
	tally := &Tally{Election: e}
	tally.grow()
	castRanked(tally, ci, 5, sel(0, 1))
	castRanked(tally, ci, 2, sel(1, 1))
	castRanked(tally, ci, 3, sel(2, 1))
	castRanked(tally, ci, 1, sel(3, 1), sel(1, 2))
	res, err := tally.IRV(ci)
	require.NoError(t, err)
	// Round 2: B 3, C 3. In round 1 B had 2 and C 3, so B goes (not C,
	// the one listed last).
	assert.Equal(t, []ChoiceIndex{3, 1, 2, 0}, res.Order)
	assert.Equal(t, ChoiceIndex(0), res.Winner)
}

func TestIRVErrors(t *testing.T) {
	var e Election
	ci, _ := e.AddContest(Contest{ID: "p", Name: "Plurality"})
	tally, err := Tabulate(&e, (&Cards{}).All())
	require.NoError(t, err)
	_, err = tally.IRV(ci)
	assert.Error(t, err)
	_, err = tally.IRV(9)
	assert.Error(t, err)
}

func TestTabulateApproval(t *testing.T) {
	var e Election
	ci, _ := e.AddContest(Contest{ID: "a", Name: "Approval", Approval: true, Choices: []Choice{{ID: "x"}, {ID: "y"}, {ID: "z"}}})
	tally := &Tally{Election: &e}
	var c Card
	c.Votes.Add(ci, 0, sel(0, 0), sel(1, 0), sel(2, 0))
	tally.Add(&c)
	tally.grow()
	assert.Equal(t, []int64{1, 1, 1}, tally.Contests[ci].Votes, "approval: no overvote")
	assert.Equal(t, int64(0), tally.Contests[ci].Overvotes)
}
