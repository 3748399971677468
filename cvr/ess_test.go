package cvr

import (
	"encoding/csv"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Our own ES&S export in the layout of FORMATS.md section b: a CVR file
// with a ranked contest (one column per rank, "(id)" suffixes on some
// cells), a plurality contest and a contest repeated for vote for 2; two
// ballots files, one with the five preamble rows, a "Total" footer and a
// trailing empty column, rows unsorted, and one Tabulator CVR whose
// leading zeros a spreadsheet dropped.
const (
	essFixtureCVR = `Cast Vote Record,Precinct,Ballot Style,Mayor 1st Choice (101),Mayor 2nd Choice (101),Mayor 3rd Choice (101),"Sheriff, County",Council,Council
101,0007,BS 1,"Lee, Ann (11)",Bo Ray (12),undervote,Dan Fox,Eve,Fay
102,0007,BS 1,Bo Ray,overvote,"Lee, Ann",overvote,Eve,
103,0008,BS 2,undervote,undervote,undervote,undervote,undervote,undervote
104,0008,BS 2,,,,Write-in,Fay,Gus
`
	essFixtureBallots1 = `Ballots,,,,,,,,,,
GEN2401,,,,,,,,,,
"Some County,Some State",,,,,,,,,,
"November 5, 2024",,,,,,,,,,
,,,,,,,,,,
Cast Vote Record,Batch,Ballot Status,Original Ballot Exception,Remaining Ballot Exception,Write-in Type,Results Report,Reporting Group,Tabulator CVR,Precinct ID,
102,B7,Not Reviewed,"Undervote, Overvote",,,N,Election Day,0012000041,7,
101,B7,Not Reviewed,,,,N,Election Day,0012000040,7,
Total : 2,,,,,,,,,,
`
	essFixtureBallots2 = `Cast Vote Record,Batch,Ballot Status,Original Ballot Exception,Remaining Ballot Exception,Write-in Type,Results Report,Reporting Group,Tabulator CVR,Precinct ID
104,B7,Not Reviewed,,,,N,Mail,12000002,8

103,B9,Not Reviewed,Undervote,,,N,Mail,0031000001,8
`
)

func essFixtureFiles() []File {
	return []File{
		BytesFile("export.zip:BallotsA.csv", []byte(essFixtureBallots1)),
		BytesFile("export.zip:BallotsB.csv", []byte(essFixtureBallots2)),
		BytesFile("export.zip:CVR.csv", []byte(essFixtureCVR)),
	}
}

func TestESSFixture(t *testing.T) {
	e, cards, warnings, err := readBytes("ess", essFixtureFiles()...)
	require.NoError(t, err)
	require.Len(t, warnings, 2)
	assert.Contains(t, warnings[0], `BallotsB.csv line 2: Tabulator CVR "12000002" has fewer than 10 digits: leading zeros restored`)
	assert.Contains(t, warnings[1], `CVR.csv line 1: contest "Council" has 2 columns: read as vote for 2`)
	require.Equal(t, 4, cards.Len())
	require.Len(t, e.Contests, 3)
	mayor, sheriff, council := e.Contest(0), e.Contest(1), e.Contest(2)
	assert.Equal(t, "Mayor", mayor.Name)
	assert.Equal(t, 3, mayor.Ranks)
	assert.Equal(t, "Sheriff, County", sheriff.Name)
	assert.Equal(t, 1, sheriff.VoteFor)
	assert.Equal(t, 2, council.VoteFor)
	assert.Equal(t, []Choice{{ID: "Lee, Ann", Name: "Lee, Ann"}, {ID: "Bo Ray", Name: "Bo Ray"}}, mayor.Choices)
	assert.Equal(t, []Choice{{ID: "Dan Fox", Name: "Dan Fox"}, {ID: "Write-in", Name: "Write-in", WriteIn: true}}, sheriff.Choices)

	type vote struct {
		flags Flags
		sel   []Selection
	}
	tests := []struct {
		id, imprinted, group, prec string
		batch                      BatchKey
		pos                        int
		votes                      map[ContestIndex]vote
	}{
		{"101", "0012000040", "Election Day", "0007", BatchKey{Tabulator: "0012", Batch: "B7"}, 2, map[ContestIndex]vote{
			0: {0, []Selection{{Choice: 0, Rank: 1}, {Choice: 1, Rank: 2}}},
			1: {0, []Selection{{Choice: 0}}},
			2: {0, []Selection{{Choice: 0}, {Choice: 1}}},
		}},
		{"102", "0012000041", "Election Day", "0007", BatchKey{Tabulator: "0012", Batch: "B7"}, 3, map[ContestIndex]vote{
			0: {Overvote, []Selection{{Choice: 1, Rank: 1}, {Choice: 0, Rank: 3}}},
			1: {Overvote, nil},
			2: {Undervote, []Selection{{Choice: 0}}},
		}},
		{"103", "0031000001", "Mail", "0008", BatchKey{Tabulator: "0031", Batch: "B9"}, 1, map[ContestIndex]vote{
			0: {Undervote, nil},
			1: {Undervote, nil},
			2: {Undervote, nil},
		}},
		// Restored zeros: 12000002 -> 0012000002, ballot number 000002,
		// so first in batch 0012/B7.
		{"104", "0012000002", "Mail", "0008", BatchKey{Tabulator: "0012", Batch: "B7"}, 1, map[ContestIndex]vote{
			1: {0, []Selection{{Choice: 1}}},
			2: {0, []Selection{{Choice: 1}, {Choice: 2}}},
		}},
	}
	for i, tt := range tests {
		c := cards.Card(i)
		assert.Equal(t, tt.id, c.ID)
		assert.Equal(t, tt.imprinted, c.ImprintedID)
		assert.Equal(t, tt.group, c.CountingGroup)
		assert.Equal(t, tt.prec, c.Precinct)
		assert.Equal(t, tt.batch, c.Batch)
		assert.Equal(t, tt.pos, c.Position, "card %s position", tt.id)
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

func TestESSMachineColumn(t *testing.T) {
	ballots := `Cast Vote Record,Batch,Ballot Status,Original Ballot Exception,Remaining Ballot Exception,Write-in Type,Results Report,Ballot Style,Reporting Group,Tabulator CVR,Audit Number,Type,Poll Place,Poll Place ID,Precinct,Precinct ID,Machine,Adjudicated By,
1,B1,Not Reviewed,,,,N,REP 1,Election Day,9a0bc1dc7bc1e774,7074480632,Card,ED,28,405,21,0001,,
2,B1,Not Reviewed,,,,N,REP 1,Election Day,039b31b93d9a8099,7074480632,Card,ED,28,405,21,0001,,
3,B1,Not Reviewed,,,,N,REP 1,Election Day,0002003172,7074480632,Card,ED,28,405,21,0002,,
`
	cvrs := "Cast Vote Record,Precinct,Ballot Style,Question\n1,405,REP 1,Yes\n2,405,REP 1,No\n3,405,REP 1,Yes\n"
	_, cards, warnings, err := readBytes("ess", BytesFile("b.csv", []byte(ballots)), BytesFile("c.csv", []byte(cvrs)))
	require.NoError(t, err)
	assert.Empty(t, warnings)
	require.Equal(t, 3, cards.Len())
	// Hexadecimal Tabulator CVRs: positions follow the CVR numbers.
	assert.Equal(t, BatchKey{Tabulator: "0001", Batch: "B1"}, cards.Card(0).Batch)
	assert.Equal(t, 1, cards.Card(0).Position)
	assert.Equal(t, "9a0bc1dc7bc1e774", cards.Card(0).ImprintedID)
	assert.Equal(t, 2, cards.Card(1).Position)
	assert.Equal(t, BatchKey{Tabulator: "0002", Batch: "B1"}, cards.Card(2).Batch)
	assert.Equal(t, 1, cards.Card(2).Position)
	assert.Equal(t, "REP 1", cards.Card(2).BallotStyle)
}

func TestESSErrors(t *testing.T) {
	ballots := "Cast Vote Record,Batch,Reporting Group,Tabulator CVR\n1,B1,ED,0001000001\n2,B1,ED,0001000002\n"
	cvrs := "Cast Vote Record,Precinct,Ballot Style,Q\n1,p,s,Yes\n2,p,s,No\n"
	tests := []struct {
		name          string
		ballots, cvrs string
		want          []string
		noBallots     bool
	}{
		{"missing from ballots", ballots, cvrs + "3,p,s,Yes\n", []string{"c.csv line 4", "Cast Vote Record", "3 is in no ballots file"}, false},
		{"twice in CVR", ballots, cvrs + "2,p,s,Yes\n", []string{"c.csv line 4", "2 appears twice"}, false},
		{"twice in ballots", ballots + "1,B2,ED,0001000009\n", cvrs, []string{"b.csv line 4", "Cast Vote Record", "already listed at b.csv line 2"}, false},
		{"scientific notation", "Cast Vote Record,Batch,Reporting Group,Tabulator CVR\n1,B1,ED,1.00E+06\n", cvrs, []string{"b.csv line 2", "Tabulator CVR", `"1.00E+06"`, "no Machine column"}, false},
		{"empty batch", "Cast Vote Record,Batch,Reporting Group,Tabulator CVR\n1,,ED,0001000001\n", cvrs, []string{"b.csv line 2", "field Batch is empty"}, false},
		{"no batch column", "Ballots\nx\ny\nz\n\nCast Vote Record,Ballot Status,Reporting Group,Tabulator CVR\n", cvrs, []string{"b.csv", `no "batch" column`}, false},
		{"tabulator CVR differs", ballots, "Cast Vote Record,Tabulator CVR,Q\n1,0001000001,Yes\n2,0001000003,No\n", []string{"c.csv line 3", "Tabulator CVR", "differs"}, false},
		{"two ranks in one column", ballots, "Cast Vote Record,Precinct,M 1st Choice,M 1st Choice\n", []string{"c.csv line 1 column 4", "rank 1 has two columns"}, false},
		{"no CVR file", ballots, "", []string{"no CVR file"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := []File{BytesFile("b.csv", []byte(tt.ballots))}
			if !tt.noBallots {
				files = append(files, BytesFile("c.csv", []byte(tt.cvrs)))
			}
			_, _, _, err := readBytes("ess", files...)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestESSWithoutBallotsFile(t *testing.T) {
	// The CVR file alone still tabulates; the missing batches are reported.
	_, cards, warnings, err := readBytes("ess", BytesFile("c.csv", []byte("Cast Vote Record,Precinct,Ballot Style,Q\n1,p,s,Yes\n2,p,s,overvote\n")))
	require.NoError(t, err)
	require.Equal(t, 2, cards.Len())
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "no ballots file")
	assert.Equal(t, BatchKey{}, cards.Card(0).Batch)
	// With Batch and Tabulator CVR columns the CVR file gives the batches.
	_, cards, warnings, err = readBytes("ess", BytesFile("c.csv", []byte("Cast Vote Record,Batch,Tabulator CVR,Q\n1,B1,0003000001,Yes\n2,B1,3000002,No\n")))
	require.NoError(t, err)
	assert.Len(t, warnings, 1) // restored zeros
	assert.Equal(t, BatchKey{Tabulator: "0003", Batch: "B1"}, cards.Card(1).Batch)
	assert.Equal(t, "0003000002", cards.Card(1).ImprintedID)
}

func TestESSDetect(t *testing.T) {
	f, _ := LookupFormat("ess")
	assert.True(t, f.Detect("a.csv", []byte(essFixtureBallots1)))
	assert.True(t, f.Detect("a.csv", []byte(essFixtureBallots2)))
	assert.True(t, f.Detect("a.csv", []byte(essFixtureCVR)))
	assert.False(t, f.Detect("a.csv", []byte(cbFixture)))
	assert.False(t, f.Detect("a.csv", []byte("2016 General,5.2.16.1,,\n")))
	fm, err := DetectFormat(essFixtureFiles())
	require.NoError(t, err)
	assert.Equal(t, "ess", fm.Name)
}

// essIndependentTally counts an ES&S CVR file with encoding/csv alone: per
// contest column, the rows naming each choice (trailing "(id)" removed),
// with the rank taken from an "Nth Choice" header. The Arlo samples have
// single-column plurality contests only, so no overvote rule is needed:
// "overvote" cells are not choices.
func essIndependentTally(t *testing.T, path string, firstContest int) (map[choiceKey]int, int) {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	rank := regexp.MustCompile(`^(.*) (\d)(st|nd|rd|th) Choice`)
	id := regexp.MustCompile(` \(\d+\)$`)
	counts := map[choiceKey]int{}
	for _, row := range rows[1:] {
		for i := firstContest; i < len(row); i++ {
			v := row[i]
			if v == "" || v == "overvote" || v == "undervote" {
				continue
			}
			k := choiceKey{contest: rows[0][i], choice: id.ReplaceAllString(v, "")}
			if m := rank.FindStringSubmatch(rows[0][i]); m != nil {
				k.contest, k.rank = m[1], int(m[2][0]-'0')
			}
			counts[k]++
		}
	}
	return counts, len(rows) - 1
}

func TestESSSharedSamples(t *testing.T) {
	tests := []struct {
		name         string
		files        []string
		firstContest int
		cards        int // shared SOURCES.md: 14 CVRs, 7 + 7 ballots rows
	}{
		{"two ballots files", []string{"ess/arlo_ESS_CVR.csv", "ess/arlo_ESS_BALLOTS_1.csv", "ess/arlo_ESS_BALLOTS_2.csv"}, 3, 14},
		{"tabulator CVR column", []string{"ess/arlo_ESS_CVR_WITH_TABULATOR_CVR_COLUMN.csv", "ess/arlo_ESS_BALLOTS_1.csv", "ess/arlo_ESS_BALLOTS_2.csv"}, 5, 14},
		{"machine column", []string{"ess/arlo_ESS_CVR.csv", "ess/arlo_ESS_BALLOTS_WITH_MACHINE_COLUMN.csv"}, 3, 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for _, f := range tt.files {
				paths = append(paths, sharedFile(t, f))
			}
			files, err := OpenFiles(paths...)
			require.NoError(t, err)
			fm, err := DetectFormat(files)
			require.NoError(t, err)
			assert.Equal(t, "ess", fm.Name)
			e, cards, warnings := readExport(t, "", paths...)
			assert.Empty(t, warnings)
			assert.Equal(t, tt.cards, cards.Len())
			want, n := essIndependentTally(t, paths[0], tt.firstContest)
			assert.Equal(t, n, cards.Len())
			assert.Equal(t, want, selectionCounts(e, cards))
			positions := map[BatchKey][]int{}
			for c := range cards.All() {
				assert.NotEmpty(t, c.Batch.Tabulator)
				assert.NotEmpty(t, c.Batch.Batch)
				assert.NotEmpty(t, c.ImprintedID)
				positions[c.Batch] = append(positions[c.Batch], c.Position)
			}
			// Positions number each batch 1..n.
			for k, ps := range positions {
				assert.ElementsMatch(t, seq(len(ps)), ps, "batch %v", k)
			}
		})
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

func TestESSSharedPositions(t *testing.T) {
	p := []string{sharedFile(t, "ess/arlo_ESS_CVR.csv"), sharedFile(t, "ess/arlo_ESS_BALLOTS_1.csv"), sharedFile(t, "ess/arlo_ESS_BALLOTS_2.csv")}
	_, cards, _ := readExport(t, "ess", p...)
	got := map[string]string{}
	for c := range cards.All() {
		got[c.ID] = c.Batch.String() + "#" + strconv.Itoa(c.Position)
	}
	// Ballots file rows 5, 6, 4 of batch 0002/BATCH1 (ballot numbers 003172,
	// 003173, 003171) are ordered by ballot number.
	assert.Equal(t, "0002/BATCH1#1", got["4"])
	assert.Equal(t, "0002/BATCH1#2", got["5"])
	assert.Equal(t, "0002/BATCH1#3", got["6"])
	assert.Equal(t, "0001/BATCH1#3", got["3"])
	assert.Equal(t, "0002/BATCH2#5", got["15"])
}

func FuzzESS(f *testing.F) {
	f.Add([]byte(essFixtureCVR), []byte(essFixtureBallots1))
	f.Add([]byte(essFixtureCVR), []byte(essFixtureBallots2))
	f.Add([]byte("Cast Vote Record,Batch,Tabulator CVR,Q 1st Choice,Q 2nd Choice\n1,B,12,A,overvote\n"), []byte(""))
	f.Fuzz(func(t *testing.T, cvrs, ballots []byte) {
		fuzzRead(t, "ess", BytesFile("a.csv", ballots), BytesFile("b.csv", cvrs))
	})
}
