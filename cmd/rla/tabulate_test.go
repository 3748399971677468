package main

import (
	"bytes"
	"encoding/json"
	"testing"

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
