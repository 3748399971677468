package cvr

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestElectionInterning(t *testing.T) {
	var e Election
	a, err := e.AddContest(Contest{ID: "4", Name: "Mayor", Ranks: 3, Choices: []Choice{{ID: "1", Name: "A"}, {ID: "2", Name: "B"}}})
	require.NoError(t, err)
	b, err := e.AddContest(Contest{ID: "5", Name: "Council", VoteFor: 2})
	require.NoError(t, err)
	again, err := e.AddContest(Contest{ID: "4", Name: "ignored"})
	require.NoError(t, err)
	assert.Equal(t, ContestIndex(0), a)
	assert.Equal(t, ContestIndex(1), b)
	assert.Equal(t, a, again)
	assert.Equal(t, 1, e.Contest(a).VoteFor, "VoteFor defaults to 1")
	assert.True(t, e.Contest(a).Ranked())
	w, err := e.AddChoice(a, Choice{ID: "3", Name: "Write-in", WriteIn: true})
	require.NoError(t, err)
	assert.Equal(t, ChoiceIndex(2), w)
	i, ok := e.Contest(a).ChoiceByID("2")
	assert.True(t, ok)
	assert.Equal(t, ChoiceIndex(1), i)
	_, err = e.AddChoice(7, Choice{ID: "x"})
	assert.Error(t, err)
	_, err = e.AddContest(Contest{ID: "bad", Ranks: 300})
	assert.Error(t, err)
}

func TestVotesPacking(t *testing.T) {
	var v Votes
	v.Add(3, 0, Selection{Choice: 1})
	v.Add(0, Undervote)
	v.Begin(7, 0)
	v.Select(Selection{Choice: 2, Rank: 1})
	v.Select(Selection{Choice: 0, Rank: 2})
	v.SetFlags(Overvote)
	assert.Equal(t, 3, v.Len())
	var got []string
	for cv := range v.All() {
		got = append(got, fmt.Sprintf("%d/%d/%v", cv.Contest, cv.Flags, cv.Selections()))
	}
	assert.Equal(t, []string{"3/0/[{1 0}]", "0/2/[]", "7/1/[{2 1} {0 2}]"}, got)
	cv, ok := v.Get(0)
	assert.True(t, ok, "a contest on the card with no vote is present")
	assert.Equal(t, 0, cv.Len())
	_, ok = v.Get(5)
	assert.False(t, ok, "a contest not on the card is absent")
	var empty Votes
	assert.False(t, empty.Select(Selection{}), "Select without Begin")
}

func TestCardsStore(t *testing.T) {
	var s Cards
	const n = chunkSize + 10 // cross a chunk boundary
	for i := range n {
		c := Card{ID: fmt.Sprintf("1-%d-%d", i/100, i), Batch: BatchKey{Tabulator: "1", Batch: fmt.Sprint(i / 100)},
			Position: i%100 + 1, BallotStyle: fmt.Sprint(i % 3), Phantom: i == 5}
		if i%2 == 0 {
			c.ImprintedID = c.ID
		} else {
			c.ImprintedID = fmt.Sprint("imp", i)
		}
		c.Votes.Add(ContestIndex(i%4), 0, Selection{Choice: ChoiceIndex(i % 5)})
		s.Append(&c)
	}
	require.Equal(t, n, s.Len())
	for _, i := range []int{0, 1, 5, 99, 100, chunkSize - 1, chunkSize, n - 1} {
		c := s.Card(i)
		assert.Equal(t, fmt.Sprintf("1-%d-%d", i/100, i), c.ID)
		if i%2 == 0 {
			assert.Equal(t, c.ID, c.ImprintedID)
		} else {
			assert.Equal(t, fmt.Sprint("imp", i), c.ImprintedID)
		}
		assert.Equal(t, fmt.Sprint(i/100), c.Batch.Batch)
		assert.Equal(t, i%100+1, c.Position)
		assert.Equal(t, fmt.Sprint(i%3), c.BallotStyle)
		assert.Equal(t, i == 5, c.Phantom)
		cv, ok := c.Votes.Get(ContestIndex(i % 4))
		require.True(t, ok)
		assert.Equal(t, []Selection{{Choice: ChoiceIndex(i % 5)}}, cv.Selections())
	}
	assert.Equal(t, 100, s.Batches()[BatchKey{Tabulator: "1", Batch: "3"}])
	s.Trim()
	perCard := float64(s.Bytes()) / n
	assert.Less(t, perCard, 48.0, "bytes per stored card with one contest")
	assert.Panics(t, func() { s.Card(n) })
}

func TestNaturalCompare(t *testing.T) {
	assert.Equal(t, -1, naturalCompare("CvrExport_2.json", "CvrExport_10.json"))
	assert.Equal(t, 1, naturalCompare("b", "a1"))
	assert.Equal(t, 0, naturalCompare("x01", "x01"))
	assert.Equal(t, -1, naturalCompare("x", "x1"))
}

func TestOpenFilesZipAndFolder(t *testing.T) {
	dir := t.TempDir()
	src := "../testdata/real/dominion-json/alaska-2024-general"
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	zpath := filepath.Join(dir, "export.zip")
	zf, err := os.Create(zpath)
	require.NoError(t, err)
	zw := zip.NewWriter(zf)
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(src, en.Name()))
		require.NoError(t, err)
		w, err := zw.Create("CVR_Export/" + en.Name())
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, zf.Close())

	files, err := OpenFiles(zpath)
	require.NoError(t, err)
	assert.Len(t, files, len(entries))
	assert.Equal(t, zpath+":CVR_Export/BallotTypeManifest.json", files[0].Name)
	var e Election
	f, seq, err := Read(&e, "auto", Options{}, zpath)
	require.NoError(t, err)
	assert.Equal(t, "dominion-json", f.Name)
	cards, err := ReadAll(seq)
	require.NoError(t, err)
	assert.Equal(t, 8, cards.Len())

	_, err = OpenFiles(filepath.Join(dir, "missing"))
	assert.Error(t, err)
	_, _, err = Read(&e, "auto", Options{}, t.TempDir())
	assert.ErrorContains(t, err, "no files")
}

func TestCardsVotesMatchesCard(t *testing.T) {
	var s Cards
	for i := range 70000 { // more than one chunk
		c := Card{ID: fmt.Sprint("c", i)}
		c.Votes.Add(ContestIndex(i%3), 0, Selection{Choice: ChoiceIndex(i % 5)})
		if i%7 == 0 {
			c.Votes.Add(9, Overvote)
		}
		s.Append(&c)
	}
	for i := range s.Len() {
		if a, b := s.Votes(i), s.Card(i).Votes; !slices.Equal(a.cells, b.cells) {
			t.Fatalf("card %d: Votes %v, Card().Votes %v", i, a.cells, b.cells)
		}
	}
}
