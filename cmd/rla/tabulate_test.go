package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rlakit/rlakit/cvr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(&env{stdin: &bytes.Buffer{}, stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestTabulateCommand(t *testing.T) {
	code, out, stderr := runCmd("tabulate", "../../cvr/testdata/small/cvr.csv")
	require.Equal(t, 0, code, stderr)
	var rep struct {
		Cards    int `json:"cards"`
		Contests []struct {
			ID         string           `json:"id"`
			Name       string           `json:"name"`
			VoteFor    int              `json:"vote_for"`
			Ranks      int              `json:"ranks"`
			Tally      map[string]int64 `json:"tally"`
			Overvotes  int64            `json:"overvotes"`
			Undervotes int64            `json:"undervotes"`
		} `json:"contests"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 6, rep.Cards)
	require.Len(t, rep.Contests, 2)
	c := rep.Contests[1]
	assert.Equal(t, "Council", c.Name)
	assert.Equal(t, 2, c.VoteFor)
	assert.Equal(t, map[string]int64{"Carol Chen": 3, "Dan Diaz": 1, "Eve Evans": 2}, c.Tally)
	assert.Equal(t, int64(1), c.Overvotes)
	assert.Equal(t, int64(4), c.Undervotes)
}

func TestTabulateCommandRealJSONFolder(t *testing.T) {
	code, out, stderr := runCmd("tabulate", "--format", "dominion-json", "../../testdata/real/dominion-json/alaska-2024-general")
	require.Equal(t, 0, code, stderr)
	var rep struct {
		Cards    int `json:"cards"`
		Contests []struct {
			ID  string `json:"id"`
			IRV *struct {
				Winner string `json:"winner"`
			} `json:"irv"`
		} `json:"contests"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 8, rep.Cards)
	assert.Len(t, rep.Contests, 73)
}

func TestTabulateCommandErrors(t *testing.T) {
	code, _, stderr := runCmd("tabulate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no CVR files")
	code, _, stderr = runCmd("tabulate", "--format", "nope", "../../cvr/testdata/small/cvr.csv")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `"nope"`)
	code, _, stderr = runCmd("tabulate", "../../cvr/testdata/small/README.md")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--format")
	code, _, _ = runCmd("tabulate", "--help")
	assert.Equal(t, 0, code)
}

// TestTabulateCommandPools reads the Boulder 2024 excerpt, whose eight
// "Redacted and Aggregated" rows hold the pooled votes of ballot types too
// small to publish: the tallies include them, "cards" counts the 5 card
// rows only, and "pools" lists the rows.
func TestTabulateCommandPools(t *testing.T) {
	code, out, stderr := runCmd("tabulate", "../../testdata/real/dominion-csv/boulder2024_TestWithRedactions.csv")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 8, bytes.Count([]byte(stderr), []byte("does not say how many cards")), stderr)
	var rep struct {
		Cards    int `json:"cards"`
		Contests []struct {
			Name   string           `json:"name"`
			Tally  map[string]int64 `json:"tally"`
			Pooled map[string]int64 `json:"pooled"`
		} `json:"contests"`
		Pools []struct {
			Name     string `json:"name"`
			Line     int    `json:"line"`
			Cards    *int   `json:"cards"`
			Contests []struct {
				Name  string           `json:"name"`
				Tally map[string]int64 `json:"tally"`
			} `json:"contests"`
		} `json:"pools"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 5, rep.Cards)
	require.Len(t, rep.Pools, 8)
	assert.Equal(t, "Redacted and Aggregated, BallotType 7", rep.Pools[0].Name)
	assert.Equal(t, 10, rep.Pools[0].Line)
	assert.Nil(t, rep.Pools[0].Cards)
	// Counted independently with Python's csv module: 4 and 1 votes on the
	// card rows, 1163 and 645 in the redaction rows (265 and 104 in the
	// first, ballot type 7).
	c := rep.Contests[0]
	assert.Equal(t, "Presidential Electors", c.Name)
	assert.Equal(t, int64(1167), c.Tally["Kamala D. Harris / Tim Walz"])
	assert.Equal(t, int64(646), c.Tally["Donald J. Trump / JD Vance"])
	assert.Equal(t, int64(1163), c.Pooled["Kamala D. Harris / Tim Walz"])
	assert.Equal(t, int64(645), c.Pooled["Donald J. Trump / JD Vance"])
	assert.Equal(t, "Presidential Electors", rep.Pools[0].Contests[0].Name)
	assert.Equal(t, int64(265), rep.Pools[0].Contests[0].Tally["Kamala D. Harris / Tim Walz"])
	assert.Equal(t, int64(104), rep.Pools[0].Contests[0].Tally["Donald J. Trump / JD Vance"])
}

// TestReconcileCommandPools: reconciliation counts the Boulder excerpt's
// pooled votes in the contest totals, so results equal to the tally of
// cards and pools raise no contest-total inconsistency.
func TestReconcileCommandPools(t *testing.T) {
	const file = "../../testdata/real/dominion-csv/boulder2024_TestWithRedactions.csv"
	code, out, stderr := runCmd("tabulate", file)
	require.Equal(t, 0, code, stderr)
	var rep struct {
		Contests []struct {
			Name  string           `json:"name"`
			Tally map[string]int64 `json:"tally"`
		} `json:"contests"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	var results bytes.Buffer
	results.WriteString("contest,choice,votes\n")
	for ch, n := range rep.Contests[0].Tally {
		fmt.Fprintf(&results, "%q,%q,%d\n", rep.Contests[0].Name, ch, n)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "results.csv"), results.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.csv"), []byte("Tabulator,Batch Name,Number of Ballots\n105,1,5\n"), 0o644))
	code, out, stderr = runCmd("reconcile", "--manifest", filepath.Join(dir, "manifest.csv"), "--cvrs", file, "--results", filepath.Join(dir, "results.csv"), "--json")
	require.Contains(t, []int{0, 3}, code, stderr)
	var found struct {
		Inconsistencies []cvr.Inconsistency `json:"inconsistencies"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &found))
	for _, in := range found.Inconsistencies {
		assert.False(t, in.Contest == rep.Contests[0].Name && in.Kind == cvr.ContestTotal, "pooled votes left out: %+v", in)
	}
}
