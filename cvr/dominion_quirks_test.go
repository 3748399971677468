package cvr

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-made Dominion JSON in the layouts FORMATS.md describes (the
// SHANGRLA fixtures of these layouts are AGPL, so they are not copied).
const (
	djContests = `{"Version":"5.10.50.85","List":[
{"Description":"Mayor","Id":1,"VoteFor":1,"NumOfRanks":3},
{"Description":"Measure A","Id":2,"VoteFor":1,"NumOfRanks":0},
{"Description":"Council","Id":3,"VoteFor":2,"NumOfRanks":0}]}`
	djCandidates = `{"Version":"5.10.50.85","List":[
{"Description":"Ann","Id":10,"ContestId":1,"Type":"Regular"},
{"Description":"Ben","Id":11,"ContestId":1,"Type":"Regular"},
{"Description":"Write-in","Id":12,"ContestId":1,"Type":"WriteIn"},
{"Description":"Yes","Id":20,"ContestId":2,"Type":"Regular"},
{"Description":"No","Id":21,"ContestId":2,"Type":"Regular"},
{"Description":"Cy","Id":30,"ContestId":3},{"Description":"Di","Id":31,"ContestId":3},{"Description":"Ed","Id":32,"ContestId":3}]}`
	djOutstack = `{"Version":"5.10.50.85","List":[{"Description":"Overvote","Id":5},{"Description":"InvalidContest","Id":17}]}`
	// Old layout (before about 5.10): Contests directly in the snapshot.
	djOld = `{"Version":"5.2.18.2","ElectionId":"Test","Sessions":[
{"TabulatorId":7,"BatchId":3,"RecordId":1,"CountingGroupId":1,"ImageMask":"x\\00007_00003_000001*.*",
 "Original":{"PrecinctPortionId":1,"BallotTypeId":2,"IsCurrent":true,"Contests":[
   {"Id":2,"Marks":[{"CandidateId":21,"Rank":1,"IsAmbiguous":false,"IsVote":true}]},
   {"Id":1,"Marks":[{"CandidateId":11,"Rank":2,"IsVote":true},{"CandidateId":10,"Rank":1,"IsVote":true},{"CandidateId":12,"Rank":3,"IsVote":true,"WriteinIndex":0}]}]}}]}`
	// New layout with Cards: a redacted RecordId, an adjudicated session,
	// a two-card session, an InvalidContest, an overvote, an ambiguous mark
	// and a session with no current snapshot.
	djNew = `{"Version":"5.10.50.85","ElectionId":"Test","Sessions":[
{"TabulatorId":7,"BatchId":4,"RecordId":"X","ImageMask":"D:\\NAS\\Tabulator00007\\Batch004\\Images\\00007_00004_000119*.*",
 "Original":{"BallotTypeId":2,"IsCurrent":false,"Cards":[{"Id":1,"PaperIndex":0,"Contests":[{"Id":2,"Marks":[{"CandidateId":20,"Rank":1,"IsVote":true}]}]}]},
 "Modified":{"BallotTypeId":2,"IsCurrent":true,"Cards":[{"Id":1,"PaperIndex":0,"Contests":[{"Id":2,"Undervotes":1,"Overvotes":0,"OutstackConditionIds":[4],"Marks":[]}]}]}},
{"TabulatorId":7,"BatchId":4,"RecordId":2,"ImageMask":"",
 "Original":{"IsCurrent":true,"Cards":[
   {"Id":2,"PaperIndex":0,"Contests":[{"Id":3,"Overvotes":1,"Marks":[{"CandidateId":30,"Rank":1,"IsVote":false},{"CandidateId":31,"Rank":1,"IsVote":false},{"CandidateId":32,"Rank":1,"IsVote":false}]}]},
   {"Id":3,"PaperIndex":1,"Contests":[{"Id":1,"OutstackConditionIds":[17],"Marks":[{"CandidateId":10,"Rank":1,"IsVote":false}]},
     {"Id":2,"Marks":[{"CandidateId":20,"Rank":1,"IsVote":true,"IsAmbiguous":true}]}]}]}},
{"TabulatorId":7,"BatchId":4,"RecordId":3,
 "Original":{"IsCurrent":false,"Cards":[]},"Modified":{"IsCurrent":false,"Cards":[]}}]}`
)

func djFiles(cvrs ...string) []File {
	fs := []File{
		BytesFile("ContestManifest.json", []byte(djContests)),
		BytesFile("CandidateManifest.json", []byte(djCandidates)),
		BytesFile("OutstackConditionManifest.json", []byte(djOutstack)),
	}
	for i, c := range cvrs {
		fs = append(fs, BytesFile("CvrExport_"+string(rune('0'+i))+".json", []byte(c)))
	}
	return fs
}

func TestDominionJSONLayouts(t *testing.T) {
	var e Election
	var warns []string
	f, _ := LookupFormat("dominion-json")
	cards, err := ReadAll(f.Read(&e, djFiles(djOld, djNew), Options{Warn: func(w *Warning) { warns = append(warns, w.Error()) }, Jurisdiction: "J"}))
	require.NoError(t, err)
	require.Equal(t, 4, cards.Len(), "1 old-layout card, 1 adjudicated card, 2 cards of one session; the session without a current snapshot is skipped")
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0], "CvrExport_1.json /Sessions/2")
	assert.Contains(t, warns[0], "no current snapshot")

	mayor, measure, council := ContestIndex(0), ContestIndex(1), ContestIndex(2)
	c := cards.Card(0)
	assert.Equal(t, "7-3-1", c.ID)
	assert.Equal(t, BatchKey{Jurisdiction: "J", Tabulator: "7", Batch: "3"}, c.Batch)
	cv, _ := c.Votes.Get(mayor)
	assert.Equal(t, []Selection{{0, 1}, {1, 2}, {2, 3}}, cv.Selections(), "sorted by rank")
	assert.True(t, e.Contest(mayor).Choices[2].WriteIn)
	cv, _ = c.Votes.Get(measure)
	assert.Equal(t, []Selection{{Choice: 1}}, cv.Selections())

	c = cards.Card(1)
	assert.Equal(t, "7-4-119", c.ID, "record number from the ImageMask")
	cv, ok := c.Votes.Get(measure)
	require.True(t, ok)
	assert.Equal(t, Undervote, cv.Flags, "Modified is current: Original's Yes vote is gone")
	assert.Equal(t, 0, cv.Len())

	c, c2 := cards.Card(2), cards.Card(3)
	assert.Equal(t, []string{"7-4-2-1", "7-4-2-2"}, []string{c.ID, c2.ID})
	assert.Equal(t, "7-4-2", c2.ImprintedID)
	cv, _ = c.Votes.Get(council)
	assert.Equal(t, Overvote, cv.Flags&Overvote)
	cv, _ = c2.Votes.Get(mayor)
	assert.Equal(t, Invalid, cv.Flags&Invalid, "InvalidContest looked up by description (id 17 here)")
	cv, _ = c2.Votes.Get(measure)
	assert.Equal(t, 0, cv.Len(), "ambiguous mark skipped")
	_, ok = c2.Votes.Get(council)
	assert.False(t, ok)
}

func TestDominionJSONWithoutManifests(t *testing.T) {
	var e Election
	f, _ := LookupFormat("dominion-json")
	var warns int
	cards, err := ReadAll(f.Read(&e, []File{BytesFile("test.json", []byte(djOld))}, Options{Warn: func(*Warning) { warns++ }}))
	require.NoError(t, err)
	assert.Equal(t, 1, cards.Len())
	assert.Equal(t, 1, warns)
	ci, ok := e.ContestByID("1")
	require.True(t, ok)
	assert.Equal(t, 3, e.Contest(ci).Ranks, "ranks guessed from the marks")
}

func TestDominionJSONErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"syntax", `{"Sessions":[{"TabulatorId":1,}]}`, "CvrExport_0.json /Sessions/0"},
		{"truncated", `{"Sessions":[{"TabulatorId":1`, "CvrExport_0.json"},
		{"bad int", `{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1,"CountingGroupId":"x"}]}`, `/Sessions/0/CountingGroupId: field "CountingGroupId": want an integer`},
		{"no batch", `{"Sessions":[{"TabulatorId":1,"RecordId":1,"Original":{"IsCurrent":true,"Cards":[]}}]}`, "/Sessions/0: session without TabulatorId or BatchId"},
		{"bad record", `{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":"X","ImageMask":"none","Original":{"IsCurrent":true}}]}`, `field "RecordId"`},
		{"unknown contest", `{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1,"Original":{"IsCurrent":true,"Cards":[{"Contests":[{"Id":99,"Marks":[]}]}]}}]}`, "contest 99 is not in ContestManifest.json"},
		{"rank", `{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1,"Original":{"IsCurrent":true,"Cards":[{"Contests":[{"Id":1,"Marks":[{"CandidateId":10,"Rank":9,"IsVote":true}]}]}]}}]}`, "Rank 9 outside 1..3"},
		{"not object", `[1,2]`, "want an object"},
		{"trailing", `{"Sessions":[]} {}`, "unexpected data"},
		{"bool", `{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1,"Original":{"IsCurrent":"maybe"}}]}`, `field "IsCurrent": want true or false`},
	}
	f, _ := LookupFormat("dominion-json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Election
			_, err := ReadAll(f.Read(&e, djFiles(tt.in), Options{}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "cvr: "), err.Error())
		})
	}
}

func TestDominionJSONStopEarly(t *testing.T) {
	var e Election
	f, _ := LookupFormat("dominion-json")
	n := 0
	for _, err := range f.Read(&e, djFiles(djOld, djNew), Options{}) {
		require.NoError(t, err)
		n++
		if n == 2 {
			break
		}
	}
	assert.Equal(t, 2, n)
}

const dcFixture = "Quirks,5.2.16.1,,,,,,,\r\n" +
	",,,,,,,,\"Mayor\n(Vote For=1)\",\"Mayor\n(Vote For=1)\",Board (Vote For=2),Board (Vote For=2),Board (Vote For=2),\r\n" +
	",,,,,,,,Ann,Ben,Cy,Di,Write-in,\r\n" +
	"CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,BallotType,UniqueVotingIdentifier,DEM,REP,,,,\r\n" +
	"=\"1\",=\"T1\",=\"B1\",=\"1\",=\"T1-B1-1\",Mail,Style 1,,1,0,1,0,0\r\n" +
	"2,T1,B1,2,,Mail,Style 1,56_083-212,1,1,1,1,1\r\n" +
	"3,T1,B1,3,T1-B1-3,Mail,Style 2,,,,0,0,0\r\n" +
	"\r\n" +
	"Redacted and Consolidated 3 Ballots,,,,,,,,2,1,3,2,1\r\n" +
	"4,T1,B2,1,T1-B2-1,Ca\xf1on City,Style 1,,0,1,0,0,1\r\n"

func TestDominionCSVQuirks(t *testing.T) {
	var e Election
	var warns []string
	f, _ := LookupFormat("dominion-csv")
	data := append([]byte{0xEF, 0xBB, 0xBF}, dcFixture...)
	cards, err := ReadAll(f.Read(&e, []File{BytesFile("q.csv", data)}, Options{Warn: func(w *Warning) { warns = append(warns, w.Error()) }}))
	require.NoError(t, err)
	require.Equal(t, 4, cards.Len())
	assert.Equal(t, "Quirks", e.Name, "BOM stripped")
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0], "q.csv line 11: redaction row")
	mayor, ok := e.ContestByID("Mayor")
	require.True(t, ok, "header with an embedded newline")
	board, _ := e.ContestByID("Board")
	assert.Equal(t, 2, e.Contest(board).VoteFor)
	assert.True(t, e.Contest(board).Choices[2].WriteIn)

	c := cards.Card(0)
	assert.Equal(t, "T1-B1-1", c.ID)
	assert.Equal(t, "T1-B1-1", c.ImprintedID)
	cv, _ := c.Votes.Get(board)
	assert.Equal(t, Undervote, cv.Flags)
	c = cards.Card(1)
	assert.Equal(t, "56_083-212", c.ImprintedID, "UniqueVotingIdentifier when ImprintedId is empty")
	cv, _ = c.Votes.Get(mayor)
	assert.Equal(t, Overvote, cv.Flags)
	assert.Equal(t, 0, cv.Len())
	cv, _ = c.Votes.Get(board)
	assert.Equal(t, Overvote, cv.Flags)
	c = cards.Card(2)
	_, ok = c.Votes.Get(mayor)
	assert.False(t, ok, "empty cells: not on the card")
	cv, ok = c.Votes.Get(board)
	assert.True(t, ok)
	assert.Equal(t, Undervote, cv.Flags)
	assert.Equal(t, "Cañon City", cards.Card(3).CountingGroup, "Windows-1252 byte read as ñ")
}

func TestDominionCSVErrors(t *testing.T) {
	head := "E,5.2.16.1,,\n,,,,C (Vote For=1),C (Vote For=1)\n,,,,A,B\nCvrNumber,TabulatorNum,BatchId,RecordId,,\n"
	tests := []struct{ name, in, want string }{
		{"aggregate cell", head + "1,T,B,1,2,0\n", `line 5: column 5: contest "C": choice "A": cell "2" is not 0 or 1`},
		{"short row", head + "1,T,B,1,1\n", "line 5: 5 cells, header has 6"},
		{"no record id", head + "1,T,B,,1,0\n", "line 5: field TabulatorNum, BatchId or RecordId is empty"},
		{"header cut", "E,5.2.16.1\n,,x\n", "want 4 header rows"},
		{"no contests", "E,5.2.16.1\n,,\n,,\nA,B,C\n", "line 2: no contest names"},
		{"no tabulator", "E,5.2.16.1,,\n,,,,C (Vote For=1)\n,,,,A\nCvrNumber,Tab,BatchId,RecordId,\n", "line 4: no TabulatorNum column"},
		{"rank", "E,5.17.1,,\n,,,,\"C (Number of positions=1, Number of ranks=2)\"\n,,,,A(3)\nCvrNumber,TabulatorNum,BatchId,RecordId,\n", "rank 3 outside 1..2"},
		{"quote", head + "1,T,B,1,\"1,0\n", "line 5"},
	}
	f, _ := LookupFormat("dominion-csv")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Election
			_, err := ReadAll(f.Read(&e, []File{BytesFile("e.csv", []byte(tt.in))}, Options{}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "cvr: e.csv ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDetectFormat(t *testing.T) {
	f, err := DetectFormat(djFiles(djNew))
	require.NoError(t, err)
	assert.Equal(t, "dominion-json", f.Name)
	f, err = DetectFormat([]File{BytesFile("x.csv", []byte(dcFixture))})
	require.NoError(t, err)
	assert.Equal(t, "dominion-csv", f.Name)
	_, err = DetectFormat([]File{BytesFile("notes.txt", []byte("hello"))})
	assert.ErrorIs(t, err, ErrUnknownFormat)
	assert.Contains(t, err.Error(), "--format")
	assert.Panics(t, func() { RegisterFormat(Format{Name: "dominion-csv", Read: readDominionCSV}) })
	assert.Panics(t, func() { RegisterFormat(Format{Name: "x"}) })
}
