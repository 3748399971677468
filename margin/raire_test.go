package margin

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rlakit/rlakit/cvr"
)

// The fixtures in testdata/ were written for these tests: mayor.raire is
// a 3-candidate IRV contest (5 A>B, 4 B>C, 3 C>A ballots; C out first, then
// B, A wins 8-4) and a 2-choice contest on some of the same ballots;
// mayor_raire.json holds two RAIRE assertions that imply A.

func readFixture(t *testing.T) (*RAIREData, []RAIREAssertion) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "mayor.raire"))
	require.NoError(t, err)
	defer f.Close()
	d, err := ReadRAIRE(f, "mayor.raire")
	require.NoError(t, err)
	j, err := os.Open(filepath.Join("testdata", "mayor_raire.json"))
	require.NoError(t, err)
	defer j.Close()
	ra, err := ReadRAIREJSON(j, "mayor_raire.json")
	require.NoError(t, err)
	return d, ra
}

func TestReadRAIRE(t *testing.T) {
	d, ra := readFixture(t)
	require.Len(t, d.Election.Contests, 2)
	mayor := d.Election.Contests[0]
	require.Equal(t, "mayor", mayor.ID)
	require.Equal(t, 3, mayor.Ranks)
	require.Len(t, d.Cards, 13) // b01..b12, and b13 only in council
	cv, ok := d.Cards[9].Votes.Get(0)
	require.True(t, ok)
	require.Equal(t, []cvr.Selection{{Choice: 2, Rank: 1}, {Choice: 0, Rank: 2}}, cv.Selections())
	require.Equal(t, 2, d.Cards[0].Votes.Len(), "b01 holds both contests")
	require.Equal(t, []RAIREAssertion{
		{Winner: "A", Loser: "B", Type: RAIREWinnerOnly, Eliminated: []string{}},
		{Winner: "B", Loser: "C", Type: RAIREElimination, Eliminated: []string{}},
	}, ra)
}

func TestRAIREFixtureMarginsAndCheck(t *testing.T) {
	d, ra := readFixture(t)
	asrts, err := Assertions(d.Election, 0, Outcome{Rule: IRV, Winners: []cvr.ChoiceIndex{0}, RAIRE: ra})
	require.NoError(t, err)
	require.Equal(t, "A v B", asrts[0].Name)
	require.Equal(t, "B v C elim ", asrts[1].Name) // SHANGRLA's name: " elim " + "".join([])
	m := NewMeter(asrts, true)
	tally := &cvr.Tally{Election: d.Election}
	for i := range d.Cards {
		m.Add(d.Cards[i].Votes)
		tally.Add(&d.Cards[i])
	}
	for i := range asrts {
		v, err := m.ExactMargin(i)
		require.NoError(t, err)
		require.Equal(t, "1/12", v.RatString(), asrts[i].Name)
		require.Equal(t, int64(12), m.Cards(i))
	}
	require.NoError(t, VerifyIRV(tally, 0, 0, asrts))

	// The count elects A: reporting B fails whatever the assertions.
	err = VerifyIRV(tally, 0, 1, asrts)
	require.ErrorIs(t, err, ErrNotImplied)
	require.Contains(t, err.Error(), `elects "A"`)

	// Without the elimination assertion, B out first and C winning is
	// not ruled out.
	err = CheckIRV(asrts[:1], 0, 3)
	require.ErrorIs(t, err, ErrNotImplied)
	require.Contains(t, err.Error(), "[1 0 2]")
}

func TestCheckIRV(t *testing.T) {
	var e cvr.Election
	ci, err := e.AddContest(cvr.Contest{ID: "c", Ranks: 4, Choices: []cvr.Choice{{ID: "A", Name: "A"}, {ID: "B", Name: "B"}, {ID: "C", Name: "C"}, {ID: "D", Name: "D"}}})
	require.NoError(t, err)
	neb := func(w, l cvr.ChoiceIndex) *Assertion {
		a, err := NewWinnerOnly(&e, ci, w, l)
		require.NoError(t, err)
		return a
	}
	nen := func(w, l cvr.ChoiceIndex, elim ...cvr.ChoiceIndex) *Assertion {
		a, err := NewElimination(&e, ci, w, l, elim)
		require.NoError(t, err)
		return a
	}
	for _, tc := range []struct {
		name   string
		asrts  []*Assertion
		winner cvr.ChoiceIndex
		ok     bool
	}{
		{"A beats everyone", []*Assertion{neb(0, 1), neb(0, 2), neb(0, 3)}, 0, true},
		{"one missing", []*Assertion{neb(0, 1), neb(0, 2)}, 0, false},
		{"wrong winner", []*Assertion{neb(0, 1), neb(0, 2), neb(0, 3)}, 1, false},
		{"no assertions", nil, 0, false},
		// D out first (everyone beats D with all four in), then A beats B and C.
		{"elimination then NEB", []*Assertion{nen(0, 3), nen(1, 3), nen(2, 3), neb(0, 1), neb(0, 2)}, 0, true},
		{"elimination set too small", []*Assertion{nen(0, 3), nen(1, 3), neb(0, 1), neb(0, 2)}, 0, false},
		{"last two", []*Assertion{nen(0, 3), nen(1, 3), nen(2, 3), nen(0, 2, 3), nen(1, 2, 3), nen(0, 1, 3, 2)}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckIRV(tc.asrts, tc.winner, 4)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrNotImplied)
			}
		})
	}
	pw, err := NewPairwise(&e, 0, 0, 1)
	require.Error(t, err, "a ranked contest has no pairwise assertion")
	require.Nil(t, pw)
	require.ErrorContains(t, CheckIRV(nil, 5, 4), "out of range")
	require.ErrorContains(t, CheckIRV(nil, 0, 65), "candidates")
}

func TestReadRAIREErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, msg string }{
		{"empty", "", "empty file"},
		{"bad count", "two\n", "line 1: ncontests"},
		{"missing contest line", "2\nContest,a,1,X\n", "line 2: Contest: the file ends"},
		{"not a contest line", "1\nfoo,a,1,X\n", "line 2: Contest: want"},
		{"count mismatch", "1\nContest,a,3,X,Y\n", "line 2: ncandidates"},
		{"duplicate candidate", "1\nContest,a,2,X,X\n", "line 2: candidate 2"},
		{"duplicate contest", "2\nContest,a,1,X\nContest,a,1,X\n", "line 3: contest ID"},
		{"unknown contest", "1\nContest,a,2,X,Y\nb,1,X\n", `line 3: contest: no contest "b"`},
		{"unknown candidate", "1\nContest,a,2,X,Y\na,1,X,Z\n", `line 3: preference 2: contest "a" has no candidate "Z"`},
		{"ranked twice", "1\nContest,a,2,X,Y\n\na,1,X,X\n", "line 4: preference 2"},
		{"too many", "1\nContest,a,2,X,Y\na,1,X,Y,X\n", "line 3: preferences"},
		{"ballot twice", "1\nContest,a,2,X,Y\na,1,X\na,1,Y\n", `line 4: ballot: ballot "1" has two lines`},
		{"no ballot id", "1\nContest,a,2,X,Y\na\n", "line 3: ballot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRAIRE(strings.NewReader(tc.in), "f.raire")
			require.Error(t, err)
			require.Contains(t, err.Error(), "f.raire")
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	// CRLF, a byte-order mark and blank lines are fine.
	d, err := ReadRAIRE(strings.NewReader("\ufeff1\r\nContest,a,2,X,Y\r\n\r\na,1,Y,X\r\na,2\r\n"), "ok")
	require.NoError(t, err)
	require.Len(t, d.Cards, 2)
	cv, _ := d.Cards[1].Votes.Get(0)
	require.Zero(t, cv.Len())
}

func TestReadRAIREJSONErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, msg string }{
		{"not json", "{", "$"},
		{"no audits", `{"audits": []}`, "audits: want a non-empty list"},
		{"audit not object", `{"audits": [1]}`, "audits[0]: want an object"},
		{"no assertions", `{"audits": [{}]}`, "audits[0].assertions: missing"},
		{"item not object", `[1]`, "$[0]: want an object"},
		{"winner missing", `[{"loser": "B", "assertion_type": "WINNER_ONLY"}]`, "$[0].winner: missing"},
		{"winner number", `[{"winner": 3, "loser": "B", "assertion_type": "WINNER_ONLY"}]`, "$[0].winner: want a non-empty string"},
		{"bad type", `[{"winner": "A", "loser": "B", "assertion_type": "NEB"}]`, `$[0].assertion_type: "NEB"`},
		{"same", `[{"winner": "A", "loser": "A", "assertion_type": "WINNER_ONLY"}]`, "both"},
		{"string eliminated", `{"audits": [{"assertions": [{"winner": "A", "loser": "B", "assertion_type": "IRV_ELIMINATION", "already_eliminated": "CD"}]}]}`,
			"audits[0].assertions[0].already_eliminated: want a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRAIREJSON(strings.NewReader(tc.in), "r.json")
			require.Error(t, err)
			require.Contains(t, err.Error(), "r.json")
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	var e cvr.Election
	ci, _ := e.AddContest(cvr.Contest{ID: "c", Ranks: 2, Choices: []cvr.Choice{{ID: "A", Name: "A"}, {ID: "B", Name: "B"}}})
	_, err := Assertions(&e, ci, Outcome{Rule: IRV, Winners: []cvr.ChoiceIndex{0}, RAIRE: []RAIREAssertion{{Winner: "A", Loser: "Z", Type: RAIREWinnerOnly}}})
	require.ErrorContains(t, err, `RAIRE assertion 0: loser: contest "c" has no candidate "Z"`)
	_, err = Assertions(&e, ci, Outcome{Rule: IRV, Winners: []cvr.ChoiceIndex{0}, RAIRE: []RAIREAssertion{{Winner: "A", Loser: "B", Type: RAIREElimination, Eliminated: []string{"A"}}}})
	require.ErrorContains(t, err, "both compared and eliminated")
	require.False(t, errors.Is(err, ErrNotImplied))
}

func FuzzReadRAIRE(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "mayor.raire"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("1\nContest,a,2,X,Y\na,1,Y,X\na,2\n")
	f.Add("2\nContest,a,1,X\nContest,b,2,X,Y\nb,1,Y\na,1,X\n")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ReadRAIRE(strings.NewReader(in), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "margin: fuzz") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, c := range d.Cards {
			if c.Votes.Len() == 0 {
				t.Fatalf("card %q holds no contest", c.ID)
			}
			for cv := range c.Votes.All() {
				con := d.Election.Contests[cv.Contest]
				seen := map[cvr.ChoiceIndex]bool{}
				for i, s := range cv.Selections() {
					if int(s.Choice) >= len(con.Choices) || int(s.Rank) != i+1 || seen[s.Choice] {
						t.Fatalf("card %q contest %q: bad selection %+v", c.ID, con.ID, s)
					}
					seen[s.Choice] = true
				}
			}
		}
	})
}

func FuzzReadRAIREJSON(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "mayor_raire.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add(`[{"winner": "A", "loser": "B", "assertion_type": "WINNER_ONLY", "already_eliminated": null}]`)
	f.Add(`[{"winner": "A", "loser": "B", "assertion_type": "IRV_ELIMINATION", "already_eliminated": ["C", "D"]}]`)
	f.Fuzz(func(t *testing.T, in string) {
		as, err := ReadRAIREJSON(strings.NewReader(in), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "margin: fuzz") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for i, a := range as {
			if a.Winner == "" || a.Loser == "" || a.Winner == a.Loser || a.Eliminated == nil ||
				(a.Type != RAIREWinnerOnly && a.Type != RAIREElimination) {
				t.Fatalf("assertion %d accepted but invalid: %+v", i, a)
			}
		}
	})
}
