package cvr

import (
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cbFixture is our own Clear Ballot export in the layout of FORMATS.md
// section d: a vote-for-2 contest, a ranked contest whose name holds a
// comma, columns of one candidate's ranks not adjacent, a write-in, a
// contest absent from one card, an overvote, an undervote and a ranking
// with two choices at rank 1.
const cbFixture = "\xEF\xBB\xBF" + `RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade,Choice_1_1:Council:Vote For 2:Ann:DEM,Choice_2_1:Council:Vote For 2:Bob:REP,Choice_3_1:Council:Vote For 2:Cy:NON,"Choice_6_1:City of Portland, Auditor:1:Number of Winners 1:Dee:NON","Choice_6_1:City of Portland, Auditor:2:Number of Winners 1:Dee:NON","Choice_28_1:City of Portland, Auditor:1:Number of Winners 1:Write-in-28:NON","Choice_28_1:City of Portland, Auditor:2:Number of Winners 1:Write-in-28:NON"
1,ED-004,1,ED-004+10003,0012,10,P12,SC-1,0,0,1,0,1,1,1,1,0
2,ED-004,2,ED-004+10005,0012,10,P12,SC-1,0,0,1,1,1,0,0,0,0
3,ED-004,3,ED-004+10007,0012,11,P12,SC-1,0,0,0,1,0,,,,
4,AB-001,1,AB-001+10003,0013,10,P13,SC-2,0,0,0,0,0,1,0,0,1
`

func TestClearBallotFixture(t *testing.T) {
	e, cards, warnings, err := readBytes("clearballot", BytesFile("cvr.csv", []byte(cbFixture)))
	require.NoError(t, err)
	assert.Empty(t, warnings)
	require.Equal(t, 4, cards.Len())
	require.Len(t, e.Contests, 2)
	council, auditor := e.Contest(0), e.Contest(1)
	assert.Equal(t, "Council", council.Name)
	assert.Equal(t, 2, council.VoteFor)
	assert.False(t, council.Ranked())
	assert.Equal(t, "City of Portland, Auditor", auditor.Name)
	assert.Equal(t, 2, auditor.Ranks)
	assert.Equal(t, 1, auditor.VoteFor)
	assert.Equal(t, []Choice{{ID: "Dee", Name: "Dee"}, {ID: "Write-in-28", Name: "Write-in-28", WriteIn: true}}, auditor.Choices)

	type vote struct {
		flags Flags
		sel   []Selection
	}
	tests := []struct {
		id, imprinted string
		batch         BatchKey
		pos           int
		style, prec   string
		votes         map[ContestIndex]vote // absent: not on the card
	}{
		{"ED-004+10003", "ED-004+10003", BatchKey{Tabulator: "SC-1", Batch: "ED-004"}, 1, "10", "0012", map[ContestIndex]vote{
			0: {0, []Selection{{Choice: 0}, {Choice: 2}}},
			// Write-in at rank 1, Dee at ranks 1 and 2, stored in rank order.
			1: {Overvote, []Selection{{Choice: 0, Rank: 1}, {Choice: 1, Rank: 1}, {Choice: 0, Rank: 2}}},
		}},
		{"ED-004+10005", "ED-004+10005", BatchKey{Tabulator: "SC-1", Batch: "ED-004"}, 2, "10", "0012", map[ContestIndex]vote{
			0: {Overvote, nil},
			1: {Undervote, nil},
		}},
		{"ED-004+10007", "ED-004+10007", BatchKey{Tabulator: "SC-1", Batch: "ED-004"}, 3, "11", "0012", map[ContestIndex]vote{
			0: {Undervote, []Selection{{Choice: 1}}},
		}},
		{"AB-001+10003", "AB-001+10003", BatchKey{Tabulator: "SC-2", Batch: "AB-001"}, 1, "10", "0013", map[ContestIndex]vote{
			0: {Undervote, nil},
			1: {0, []Selection{{Choice: 0, Rank: 1}, {Choice: 1, Rank: 2}}},
		}},
	}
	for i, tt := range tests {
		c := cards.Card(i)
		assert.Equal(t, tt.id, c.ID)
		assert.Equal(t, tt.imprinted, c.ImprintedID)
		assert.Equal(t, tt.batch, c.Batch)
		assert.Equal(t, tt.pos, c.Position)
		assert.Equal(t, tt.style, c.BallotStyle)
		assert.Equal(t, tt.prec, c.Precinct, "precinct IDs keep their leading zeros")
		assert.Equal(t, len(tt.votes), c.Votes.Len(), "card %s contests", tt.id)
		for ci, want := range tt.votes {
			cv, ok := c.Votes.Get(ci)
			require.True(t, ok, "card %s contest %d", tt.id, ci)
			assert.Equal(t, want.flags, cv.Flags, "card %s contest %d flags", tt.id, ci)
			assert.Equal(t, len(want.sel), cv.Len(), "card %s contest %d", tt.id, ci)
			if len(want.sel) > 0 {
				assert.Equal(t, want.sel, cv.Selections(), "card %s contest %d", tt.id, ci)
			}
		}
	}
}

func TestClearBallotErrors(t *testing.T) {
	head := "RowNumber,BoxID,BoxPosition,BallotID,ScanComputerName,Choice_1_1:C:Vote For 1:A:,Choice_2_1:C:Vote For 1:B:\n"
	tests := []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"bad cell", head + "1,B1,1,B1+1,S,1,0\n2,B1,2,B1+2,S,x,0\n", []string{"cvr.csv line 3", `contest "C"`, `choice "A"`, `cell "x"`}},
		{"duplicate ballot", head + "1,B1,1,B1+1,S,1,0\n2,B1,2,B1+1,S,0,1\n", []string{"line 3", "BallotID", `"B1+1"`, "line 2"}},
		{"bad position", head + "1,B1,one,B1+1,S,1,0\n", []string{"line 2", "BoxPosition", `"one"`}},
		{"short row", head + "1,B1,1,B1+1,S,1\n", []string{"line 2", "6 cells"}},
		{"no box column", "RowNumber,BoxPosition,BallotID,Choice_1_1:C:Vote For 1:A:X\n", []string{"line 1", "BoxID"}},
		{"bad header", "RowNumber,BoxID,BoxPosition,BallotID,Choice_1_1:C:A:X\n", []string{"line 1 column 5", "Vote For"}},
		{"ranked and unranked", "RowNumber,BoxID,BoxPosition,BallotID,Choice_1_1:C:Vote For 1:A:X,Choice_1_1:C:1:Vote For 1:A:X\n", []string{"column 6", "both ranked and unranked"}},
		{"two columns for a choice", "RowNumber,BoxID,BoxPosition,BallotID,Choice_1_1:C:Vote For 1:A:X,Choice_2_1:C:Vote For 1:A:Y\n", []string{"column 6", `choice "A"`, "two columns"}},
		{"not a CVR", "ChoiceID,ContestID,ChoiceName\n1,1,Alice\n", []string{"not a Clear Ballot CVR"}},
		{"empty", "", []string{"cvr.csv", "empty file"}},
		{"bad quote", head + "1,B1,1,\"B1+1\"x\"\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := readBytes("clearballot", BytesFile("cvr.csv", []byte(tt.data)))
			if tt.want == nil {
				// LazyQuotes accepts a stray quote; the row is then short.
				require.Error(t, err)
				assert.Contains(t, err.Error(), "cvr.csv line 2")
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestClearBallotDetect(t *testing.T) {
	f, ok := LookupFormat("clearballot")
	require.True(t, ok)
	assert.True(t, f.Detect("x.csv", []byte(cbFixture)))
	assert.True(t, f.Detect("x.csv", []byte(`"RowNumber","BoxID","BoxPosition","BallotID","PrecinctID"`)))
	assert.False(t, f.Detect("x.csv", []byte("ChoiceID,ContestID,ChoiceName\n")))
	assert.False(t, f.Detect("x.csv", []byte("Cast Vote Record,Precinct,Ballot Style,Contest 1\n")))
	fm, err := DetectFormat([]File{BytesFile("cvr.csv", []byte(cbFixture))})
	require.NoError(t, err)
	assert.Equal(t, "clearballot", fm.Name)
}

// cbIndependentTally counts a Clear Ballot CSV with encoding/csv alone:
// for each vote column the rows marked 1, leaving out the rows of an
// overvoted unranked contest. The sample files have no colon in contest
// or choice names, so splitting on ":" is enough here.
func cbIndependentTally(t *testing.T, path string) (map[choiceKey]int, int) {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	type col struct {
		key     choiceKey
		voteFor int
	}
	cols := map[int]col{}
	for i, h := range rows[0] {
		p := strings.Split(h, ":")
		if !strings.HasPrefix(p[0], "Choice_") {
			continue
		}
		vf := strings.Fields(p[len(p)-3])
		k, err := strconv.Atoi(vf[len(vf)-1])
		require.NoError(t, err, h)
		key := choiceKey{contest: p[1], choice: p[len(p)-2]}
		if len(p) == 6 {
			key.rank, err = strconv.Atoi(p[2])
			require.NoError(t, err, h)
		}
		cols[i] = col{key, k}
	}
	counts := map[choiceKey]int{}
	cards := 0
	for _, row := range rows[1:] {
		cards++
		marks := map[string]int{}
		for i, c := range cols {
			if c.key.rank == 0 && row[i] == "1" {
				marks[c.key.contest]++
			}
		}
		for i, c := range cols {
			if row[i] == "1" && (c.key.rank > 0 || marks[c.key.contest] <= c.voteFor) {
				counts[c.key]++
			}
		}
	}
	return counts, cards
}

func TestClearBallotSharedSamples(t *testing.T) {
	tests := []struct {
		file  string
		cards int // shared SOURCES.md
		rcv   bool
	}{
		{"clearballot/clear_ballot_kansas_primary.cvr.csv", 50, true},
		{"clearballot/clear_ballot_with_inline_comma_cvr.csv", 178, true},
		{"clearballot/arlo_CLEARBALLOT_CVRS.csv", 14, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := sharedFile(t, tt.file)
			files, err := OpenFiles(p)
			require.NoError(t, err)
			fm, err := DetectFormat(files)
			require.NoError(t, err)
			assert.Equal(t, "clearballot", fm.Name)
			e, cards, warnings := readExport(t, "", p)
			assert.Empty(t, warnings)
			assert.Equal(t, tt.cards, cards.Len())
			want, n := cbIndependentTally(t, p)
			assert.Equal(t, n, cards.Len())
			assert.NotEmpty(t, want)
			assert.Equal(t, want, selectionCounts(e, cards))
			ranked := false
			for _, c := range e.Contests {
				ranked = ranked || c.Ranked()
			}
			assert.Equal(t, tt.rcv, ranked)
			for c := range cards.All() {
				assert.NotEmpty(t, c.Batch.Batch)
				assert.NotEmpty(t, c.Batch.Tabulator)
				assert.Positive(t, c.Position)
			}
		})
	}
}

func FuzzClearBallot(f *testing.F) {
	f.Add([]byte(cbFixture))
	f.Add([]byte("RowNumber,BoxID,BoxPosition,BallotID,Choice_1_1:C:1:Vote For 1:A:X,Choice_1_1:C:2:Vote For 1:A:X\n1,B,1,B+1,1,1\n2,B,2,,0,\n"))
	f.Add([]byte("RowNumber,BoxID,BoxPosition,BallotID,Choice_1_1:C:D:Vote For 3:A\n1,B,1,B+1,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "clearballot", BytesFile("cvr.csv", data))
	})
}
