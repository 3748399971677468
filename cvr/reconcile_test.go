package cvr

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func smallFixture(t *testing.T) (*Election, *Cards, *Tally, *Manifest, *Results) {
	t.Helper()
	e, cards, _ := readExport(t, "", "testdata/small/cvr.csv")
	tally, err := Tabulate(e, cards.All())
	require.NoError(t, err)
	mf, err := os.Open("testdata/small/manifest.csv")
	require.NoError(t, err)
	defer mf.Close()
	m, err := ReadManifest(mf, "manifest.csv")
	require.NoError(t, err)
	rf, err := os.Open("testdata/small/results.csv")
	require.NoError(t, err)
	defer rf.Close()
	res, err := ReadResults(rf, "results.csv")
	require.NoError(t, err)
	return e, cards, tally, m, res
}

func TestTabulateSmall(t *testing.T) {
	e, _, tally, _, _ := smallFixture(t)
	mayor, _ := e.ContestByID("Mayor")
	council, _ := e.ContestByID("Council")
	assert.Equal(t, int64(6), tally.Cards)
	assert.Equal(t, map[string]int64{"Alice Adams": 2, "Bob Brown": 1, "Write-in": 0}, tally.Totals(mayor))
	assert.Equal(t, map[string]int64{"Carol Chen": 3, "Dan Diaz": 1, "Eve Evans": 2}, tally.Totals(council))
	m, c := tally.Contests[mayor], tally.Contests[council]
	assert.Equal(t, [4]int64{5, 1, 1, 0}, [4]int64{m.Cards, m.Overvotes, m.Undervotes, m.Invalid}, "mayor: row 4 lacks it, row 3 overvotes, row 5 is blank")
	assert.Equal(t, [3]int64{6, 1, 4}, [3]int64{c.Cards, c.Overvotes, c.Undervotes}, "council: row 6 overvotes; rows 2, 3 leave one vote, row 5 two")
	assert.True(t, e.Contest(mayor).Choices[2].WriteIn)
}

func TestReconcileSmall(t *testing.T) {
	_, cards, tally, m, res := smallFixture(t)
	got := Reconcile(m, cards, tally, res)
	type row struct {
		Kind            Kind
		Where           string
		Expected, Found int64
	}
	var rows []row
	for _, in := range got {
		assert.NotEmpty(t, in.Cause)
		rows = append(rows, row{in.Kind, in.Batch + in.ID + in.Contest + "/" + in.Choice, in.Expected, in.Found})
	}
	assert.Equal(t, []row{
		{BatchCount, "1/2/", 4, 2},
		{BatchCount, "1/3/", 5, 0},
		{BatchNotInManifest, "2/7/", 0, 1},
		{DuplicateImprintedID, "1-1-1/", 1, 2},
		{ContestTotal, "Mayor/Bob Brown", 2, 1},
		{ContestNotInCVRs, "Treasurer/", 10, 0},
	}, rows)
}

func TestReconcileConsistent(t *testing.T) {
	e, cards, _ := readExport(t, "", "testdata/small/cvr.csv")
	tally, err := Tabulate(e, cards.All())
	require.NoError(t, err)
	m, err := ReadManifest(strings.NewReader("Tabulator,Batch Name,Number of Ballots\n1,001,3\n1,2,2\n2,7,1\n"), "m.csv")
	require.NoError(t, err)
	res, err := ReadResults(strings.NewReader(`{"Mayor":{"Alice Adams":2,"Bob Brown":1},"Council":{"Carol Chen":3,"Dan Diaz":1,"Eve Evans":2}}`), "r.json")
	require.NoError(t, err)
	got := Reconcile(m, cards, tally, res)
	// Only the repeated imprinted ID remains; "001" matches batch 1.
	require.Len(t, got, 1)
	assert.Equal(t, DuplicateImprintedID, got[0].Kind)
	assert.Empty(t, Phantoms(m, cards))
}

func TestPhantoms(t *testing.T) {
	_, cards, _, m, _ := smallFixture(t)
	ph := Phantoms(m, cards)
	var ids []string
	for _, c := range ph {
		assert.True(t, c.Phantom)
		assert.Equal(t, 0, c.Votes.Len())
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"phantom-1/2-3", "phantom-1/2-4", "phantom-1/3-1", "phantom-1/3-2", "phantom-1/3-3", "phantom-1/3-4", "phantom-1/3-5"}, ids)
	assert.Equal(t, 3, ph[0].Position)
}

func TestReadResultsForms(t *testing.T) {
	tests := []struct{ name, in string }{
		{"csv", "Contest,Candidate,Votes\nMayor,A,\"1,234\"\n\nMayor,B,5\n"},
		{"rows.json", `[{"contest":"Mayor","choice":"A","votes":1234},{"contest":"Mayor","choice":"B","votes":5}]`},
		{"tabulate.json", `{"cards":9,"contests":[{"id":"M","name":"Mayor","tally":{"A":1234,"B":5}}]}`},
		{"map.json", `{"Mayor":{"B":5,"A":1234}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ReadResults(strings.NewReader(tt.in), tt.name)
			require.NoError(t, err)
			var got []string
			for _, row := range r.Rows {
				got = append(got, row.Contest+"/"+row.Choice+"/"+strconv.FormatInt(row.Votes, 10))
			}
			assert.ElementsMatch(t, []string{"Mayor/A/1234", "Mayor/B/5"}, got)
		})
	}
	bad := []struct{ name, in, msg string }{
		{"r.csv", "contest,choice\nA,B\n", `no "votes" column`},
		{"r.csv", "contest,choice,votes\nA,B,-3\n", "line 2"},
		{"r.csv", "contest,choice,votes\nA,B,x\n", `field "votes"`},
		{"r.json", `{"A":{"B":"x"}}`, "invalid number"},
		{"r.json", `{"A":{"B":-1}}`, "r.json /A/B"},
		{"r.json", `{"A":[1]}`, "r.json /"},
	}
	for _, tt := range bad {
		_, err := ReadResults(strings.NewReader(tt.in), tt.name)
		require.Error(t, err, tt.in)
		assert.Contains(t, err.Error(), tt.msg)
	}
}

func TestReconcileBatchOnlyManifest(t *testing.T) {
	// A manifest without a tabulator column matches CVRs on the batch name
	// alone, adding up the tabulators' cards of that batch.
	_, cards, _ := readExport(t, "", "testdata/small/cvr.csv")
	m, err := ReadManifest(strings.NewReader("Batch Name,Number of Ballots\n1,3\n2,2\n7,2\n"), "m.csv")
	require.NoError(t, err)
	got := Reconcile(m, cards, nil, nil)
	require.Len(t, got, 2)
	assert.Equal(t, Inconsistency{Kind: BatchCount, Batch: "7", Expected: 2, Found: 1, Cause: got[0].Cause}, got[0])
	assert.Contains(t, got[0].Cause, "1 cards of this batch have no CVR")
	assert.Equal(t, DuplicateImprintedID, got[1].Kind)
	ph := Phantoms(m, cards)
	require.Len(t, ph, 1)
	assert.Equal(t, "phantom-7-2", ph[0].ID, "position 1 is taken by the CVR 2-7-1")
}

func TestReconcileTooManyCVRs(t *testing.T) {
	_, cards, _ := readExport(t, "", "testdata/small/cvr.csv")
	m, err := ReadManifest(strings.NewReader("Tabulator,Batch Name,Number of Ballots\n1,1,2\n"), "m.csv")
	require.NoError(t, err)
	var kinds []Kind
	for _, in := range Reconcile(m, cards, nil, nil) {
		kinds = append(kinds, in.Kind)
		if in.Kind == TotalCards {
			assert.Equal(t, [2]int64{2, 6}, [2]int64{in.Expected, in.Found})
		}
	}
	assert.Equal(t, []Kind{BatchCount, BatchNotInManifest, BatchNotInManifest, TotalCards, DuplicateImprintedID}, kinds)
}

func TestDominionJSONBadManifest(t *testing.T) {
	var e Election
	f, _ := LookupFormat("dominion-json")
	files := []File{BytesFile("ContestManifest.json", []byte(`{"List":[{"Id":"x"}]}`)), BytesFile("CvrExport_0.json", []byte(djOld))}
	_, err := ReadAll(f.Read(&e, files, Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cvr: ContestManifest.json: ")
	assert.Contains(t, err.Error(), "Id")
}

// When every imprinted ID is the card ID, the imprinted-ID check reuses the
// card-ID check and reports the same duplicates under both kinds.
func TestDuplicatesImprintedIsID(t *testing.T) {
	var s Cards
	for _, id := range []string{"1-1-1", "1-1-2", "1-1-1"} {
		c := Card{ID: id, ImprintedID: id}
		s.Append(&c)
	}
	got := duplicates(&s)
	require.Len(t, got, 2)
	assert.Equal(t, DuplicateID, got[0].Kind)
	assert.Equal(t, DuplicateImprintedID, got[1].Kind)
	assert.Equal(t, "1-1-1", got[1].ID)
	assert.Equal(t, int64(2), got[1].Found)
	// One card with another imprinted ID takes the full second pass.
	c := Card{ID: "1-1-3", ImprintedID: "1-1-2"}
	s.Append(&c)
	got = duplicates(&s)
	require.Len(t, got, 3)
	assert.Equal(t, "1-1-2", got[2].ID)
}
