package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const small = "../../cvr/testdata/small/"

func TestReconcileCommandTable(t *testing.T) {
	code, out, stderr := runCmd("reconcile", "--manifest", small+"manifest.csv", "--cvrs", small+"cvr.csv", "--results", small+"results.csv")
	assert.Equal(t, 3, code)
	assert.Contains(t, stderr, "6 inconsistencies found")
	assert.Contains(t, out, "6 CVRs, 12 cards in the manifest, 7 phantoms")
	assert.Contains(t, out, "batch-not-in-manifest")
	assert.Contains(t, out, "Mayor / Bob Brown")
}

func TestReconcileCommandJSON(t *testing.T) {
	code, out, _ := runCmd("reconcile", "--json", "--manifest", small+"manifest.csv", "--cvrs", small+"cvr.csv")
	assert.Equal(t, 3, code)
	var rep struct {
		Cards           int   `json:"cards"`
		ManifestCards   int64 `json:"manifest_cards"`
		Phantoms        int   `json:"phantoms"`
		Inconsistencies []struct {
			Kind     string `json:"kind"`
			Expected int64  `json:"expected"`
			Found    int64  `json:"found"`
			Cause    string `json:"cause"`
		} `json:"inconsistencies"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 6, rep.Cards)
	assert.Equal(t, 7, rep.Phantoms)
	assert.Len(t, rep.Inconsistencies, 4, "without --results: 2 batch counts, 1 unknown batch, 1 duplicate imprinted id")
}

func TestReconcileCommandConsistent(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m.csv")
	require.NoError(t, os.WriteFile(m, []byte("Tabulator,Batch,Number of Ballots\n11,1,10\n"), 0o644))
	// Several paths after --cvrs: the file twice would duplicate IDs, so
	// pass the one real export and check the exit status is 0.
	code, out, stderr := runCmd("reconcile", "--manifest", m, "--cvrs", "../../testdata/real/dominion-csv/denver2016_CVR_Export_20170804111144.csv")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "10 CVRs, 10 cards in the manifest, 0 phantoms")
}

func TestReconcileCommandSeveralPaths(t *testing.T) {
	// Two files of one export after one --cvrs: the second is positional.
	dir := t.TempDir()
	src, err := os.ReadFile(small + "cvr.csv")
	require.NoError(t, err)
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	require.NoError(t, os.WriteFile(a, src, 0o644))
	require.NoError(t, os.WriteFile(b, src, 0o644))
	code, out, _ := runCmd("reconcile", "--json", "--manifest", small+"manifest.csv", "--cvrs", a, b)
	assert.Equal(t, 3, code)
	var rep struct {
		Cards int `json:"cards"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 12, rep.Cards)
	code, _, stderr := runCmd("reconcile", "--cvrs", a)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--manifest is required")
}
