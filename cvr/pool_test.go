package cvr

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readPools reads Dominion CSV data with Options.Pool set and returns the
// election, cards, pools and warnings.
func readPools(t *testing.T, workers, block int, files ...File) (*Election, *Cards, []*Pool, []string, error) {
	t.Helper()
	var e Election
	var pools []*Pool
	var warns []string
	opt := Options{Warn: func(w *Warning) { warns = append(warns, w.Error()) }, Pool: func(p *Pool) { pools = append(pools, p) }}
	cards, err := ReadAll(readDominionCSVN(&e, files, opt, workers, block))
	return &e, cards, pools, warns, err
}

// The Boulder 2024 recount excerpt: 5 cards and 8 "Redacted and
// Aggregated" rows, one per ballot type.
func TestPoolsBoulder2024(t *testing.T) {
	p := filepath.Join(realDir, "dominion-csv", "boulder2024_TestWithRedactions.csv")
	files, err := OpenFiles(p)
	require.NoError(t, err)
	e, cards, pools, warns, err := readPools(t, 1, 0, files...)
	require.NoError(t, err)
	assert.Equal(t, 5, cards.Len(), "pools are not cards")
	assert.Empty(t, warns, "with Options.Pool the rows are pools, not warnings")
	require.Len(t, pools, 8)
	var names []string
	for i, pl := range pools {
		names = append(names, pl.Name)
		assert.Equal(t, 10+i, pl.Line)
		assert.False(t, pl.CardsKnown, "Aggregated rows do not say how many cards")
		assert.Zero(t, pl.Cards)
		assert.Zero(t, pl.Redacted)
	}
	assert.Equal(t, "Redacted and Aggregated, BallotType 7", names[0])
	assert.Equal(t, "Redacted and Aggregated, BallotType 25 & 35", names[7])

	tally, err := Tabulate(e, cards.All())
	require.NoError(t, err)
	for _, pl := range pools {
		tally.AddPool(pl)
	}
	assert.Equal(t, int64(5), tally.Cards, "Cards counts individual cards")
	// The numbers below come from an independent count made with Python's
	// csv module (not this package): for each contest header and choice,
	// the 1s of the five card rows (a contest with more 1s than Vote For
	// counts for no one) plus the sums of the eight redaction rows' cells.
	// "cards" is the first part, "total" both.
	want := []struct {
		contest      string
		cards, total map[string]int64
	}{
		{"Presidential Electors",
			map[string]int64{"Kamala D. Harris / Tim Walz": 4, "Donald J. Trump / JD Vance": 1},
			map[string]int64{"Kamala D. Harris / Tim Walz": 1167, "Donald J. Trump / JD Vance": 646, "Blake Huber / Andrea Denault": 0,
				"Chase Russell Oliver / Mike ter Maat": 23, "Jill Stein / Rudolph Ware": 15, "Randall Terry / Stephen E Broden": 1,
				"Cornel West / Melina Abdullah": 3, "Robert F. Kennedy Jr. / Nicole Shanahan": 21, "Write-in": 11}},
		{"Representative to the 119th United States Congress - District 2",
			map[string]int64{"Joe Neguse": 4, "Marshall Dawson": 1},
			map[string]int64{"Joe Neguse": 1052, "Marshall Dawson": 570, "Cynthia Munhos de Aquino Sirianni": 22, "Jan Kok": 13,
				"Gaylon Kent": 31, "Write-in": 3, "Mike Watson": 0}},
		{"Town of Erie - Council Member District 1",
			map[string]int64{},
			map[string]int64{"John Mortellaro": 131, "Andrew Sawusch": 122, "Anil Pesaramelli": 197, "Richard Garcia": 112}},
		{"Town of Superior - Trustee",
			map[string]int64{},
			map[string]int64{"Heather Cracraft": 130, "Jason Serbu": 87, "Mike Foster": 111, "Gregory D. Horowitz": 50,
				"George A. Kupfner": 25, "Bob McCool": 36, "Sandie Hammerly": 101}},
		{"Amendment G (Constitutional)",
			map[string]int64{"Yes/For": 4, "No/Against": 1},
			map[string]int64{"Yes/For": 1220, "No/Against": 392}},
	}
	for _, w := range want {
		ci, ok := e.ContestByID(w.contest)
		require.True(t, ok, w.contest)
		got := tally.Totals(ci)
		for ch, n := range w.total {
			assert.Equal(t, n, got[ch], "%s: %s", w.contest, ch)
			assert.Equal(t, n-w.cards[ch], pooledOf(tally, ci, ch), "%s: %s pooled", w.contest, ch)
		}
	}

	// The parallel reader delivers the same pools in the same order.
	_, cards2, pools2, _, err := readPools(t, 2, 1000, files...)
	require.NoError(t, err)
	assert.Equal(t, cards.Len(), cards2.Len())
	assert.True(t, reflect.DeepEqual(pools, pools2), "parallel pools differ")

	// Without Options.Pool: a warning per row, as before, and no votes.
	_, _, warns = readExport(t, "dominion-csv", p)
	assert.Len(t, warns, 8)
}

func pooledOf(t *Tally, ci ContestIndex, name string) int64 {
	for j, ch := range t.Election.Contests[ci].Choices {
		if ch.Name == name && j < len(t.Contests[ci].Pooled) {
			return t.Contests[ci].Pooled[j]
		}
	}
	return 0
}

// dcPoolFixture has the other redaction rows of FORMATS.md: a stated
// number of ballots, RCV, an empty first cell holding sums, and redaction
// marks in the vote cells.
const dcPoolFixture = "Pools,5.17.17.1,,,,,,,,,,,\r\n" +
	",,,,,,Mayor (Vote For=1),Mayor (Vote For=1),\"R (Number of positions=1, Number of ranks=2)\",\"R (Number of positions=1, Number of ranks=2)\",\"R (Number of positions=1, Number of ranks=2)\",\"R (Number of positions=1, Number of ranks=2)\"\r\n" +
	",,,,,,Ann,Ben,X(1),Y(1),X(2),Y(2)\r\n" +
	"CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,BallotType,,,,,,\r\n" +
	"1,T,B,1,T-B-1,S1,1,0,1,0,0,1\r\n" +
	"Redacted and Consolidated 3 Ballots,,,,,S2,2,1,,,,\r\n" +
	"RCV Redacted,,,,,S3,,,4,1,1,4\r\n" +
	",,,,,S4,=\"7\",5,,,,\r\n" +
	"Redacted,,,,,S5,X,*,redacted,,,\r\n" +
	"2,T,B,2,T-B-2,S1,0,1,0,1,1,0\r\n"

func TestPoolsKinds(t *testing.T) {
	for _, workers := range []int{1, 2} {
		e, cards, pools, warns, err := readPools(t, workers, 64, BytesFile("p.csv", []byte(dcPoolFixture)))
		require.NoError(t, err)
		assert.Empty(t, warns)
		assert.Equal(t, 2, cards.Len())
		require.Len(t, pools, 4)
		mayor, _ := e.ContestByID("Mayor")
		rcv, _ := e.ContestByID("R")

		p := pools[0]
		assert.Equal(t, "Redacted and Consolidated 3 Ballots, BallotType S2", p.Name)
		assert.Equal(t, "p.csv", p.File)
		assert.Equal(t, 6, p.Line)
		assert.True(t, p.CardsKnown)
		assert.Equal(t, 3, p.Cards)
		assert.Equal(t, []PoolContest{{Contest: mayor, Votes: []int64{2, 1}}}, p.Contests)

		p = pools[1]
		assert.False(t, p.CardsKnown)
		assert.Equal(t, []PoolContest{{Contest: rcv, Ranks: [][]int64{{4, 1}, {1, 4}}}}, p.Contests)

		p = pools[2]
		assert.Equal(t, "pooled totals (first cell empty), BallotType S4", p.Name)
		assert.Equal(t, []PoolContest{{Contest: mayor, Votes: []int64{7, 5}}}, p.Contests, `="7" read as 7`)

		p = pools[3]
		assert.Equal(t, 3, p.Redacted, "X, * and redacted are unknown counts")
		assert.Empty(t, p.Contests)

		tally, err := Tabulate(e, cards.All())
		require.NoError(t, err)
		for _, p := range pools {
			tally.AddPool(p)
		}
		assert.Equal(t, []int64{1 + 2 + 7, 1 + 1 + 5}, tally.Contests[mayor].Votes)
		assert.Equal(t, []int64{9, 6}, tally.Contests[mayor].Pooled)
		assert.Equal(t, int64(0), tally.Contests[mayor].Overvotes)
		assert.Equal(t, []int64{1, 1}, tally.Contests[rcv].Votes, "ranked pools are not first preferences")

		b, err := json.Marshal(tally.Report())
		require.NoError(t, err)
		var rep struct {
			Cards    int64 `json:"cards"`
			Contests []struct {
				ID     string           `json:"id"`
				Tally  map[string]int64 `json:"tally"`
				Pooled map[string]int64 `json:"pooled"`
			} `json:"contests"`
			Pools []struct {
				Name     string `json:"name"`
				Line     int    `json:"line"`
				Cards    *int   `json:"cards"`
				Redacted int    `json:"redacted_cells"`
				Contests []struct {
					ID    string             `json:"id"`
					Tally map[string]int64   `json:"tally"`
					Ranks []map[string]int64 `json:"ranks"`
				} `json:"contests"`
			} `json:"pools"`
		}
		require.NoError(t, json.Unmarshal(b, &rep))
		assert.Equal(t, int64(2), rep.Cards)
		assert.Equal(t, map[string]int64{"Ann": 10, "Ben": 7}, rep.Contests[0].Tally)
		assert.Equal(t, map[string]int64{"Ann": 9, "Ben": 6}, rep.Contests[0].Pooled)
		assert.Nil(t, rep.Contests[1].Pooled)
		require.Len(t, rep.Pools, 4)
		require.NotNil(t, rep.Pools[0].Cards)
		assert.Equal(t, 3, *rep.Pools[0].Cards)
		assert.Nil(t, rep.Pools[1].Cards, "unknown: null, not a guess")
		assert.Equal(t, []map[string]int64{{"X": 4, "Y": 1}, {"X": 1, "Y": 4}}, rep.Pools[1].Contests[0].Ranks)
		assert.Equal(t, 3, rep.Pools[3].Redacted)
		assert.True(t, strings.HasPrefix(tally.String(), "2 cards\n4 pools"))
	}
}

func TestPoolsErrors(t *testing.T) {
	head := "E,5.2.16.1,,\n,,,,C (Vote For=1),C (Vote For=1)\n,,,,A,B\nCvrNumber,TabulatorNum,BatchId,RecordId,,\n"
	tests := []struct{ name, in, want string }{
		{"word", head + "1,T,B,1,1,0\nRedacted and Aggregated,,,,12,abc\n", `p.csv line 6: column 6: contest "C": choice "B": cell "abc" is not a vote count (redaction row)`},
		{"negative", head + "Redacted,,,,-3,0\n", `p.csv line 5: column 5: contest "C": choice "A": cell "-3" is not a vote count`},
		{"fraction", head + ",,,,1.5,0\n", `p.csv line 5: column 5: contest "C": choice "A": cell "1.5" is not a vote count`},
	}
	for _, tt := range tests {
		for _, workers := range []int{1, 2} {
			_, _, _, _, err := readPools(t, workers, 16, BytesFile("p.csv", []byte(tt.in)))
			require.Error(t, err, tt.name)
			assert.Contains(t, err.Error(), tt.want, tt.name)
		}
	}
}

// TestPoolsParallel puts redaction rows among thousands of cards and
// checks that the parallel reader delivers the sequential reader's pools,
// in order and interleaved with the cards as read.
func TestPoolsParallel(t *testing.T) {
	base := synthDominionCSV(t, 3000, 7, 6)
	data := dcMutate(base, func(i int) bool { return i%250 == 0 }, func(l string) string {
		return "Redacted and Consolidated 3 Ballots" + l[strings.IndexByte(l, ','):] + "\n" + l
	})
	read := func(workers, block int) []string {
		var e Election
		var ev []string
		opt := Options{Pool: func(p *Pool) { b, _ := json.Marshal(p); ev = append(ev, string(b)) }}
		for c, err := range readDominionCSVN(&e, []File{BytesFile("x.csv", data)}, opt, workers, block) {
			require.NoError(t, err)
			ev = append(ev, c.ID)
		}
		return ev
	}
	want := read(1, 0)
	require.Greater(t, len(want), 3000)
	for _, block := range []int{100, 4096, 100_000} {
		assert.Equal(t, want, read(2, block), "block %d", block)
	}
}
