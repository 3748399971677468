package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSynthCommand makes elections with rla synth and checks them with rla
// reconcile and rla tabulate, as a user would.
func TestSynthCommand(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		reconcile int // exit status of rla reconcile
		files     []string
	}{
		{"dominion-csv clean", []string{"--cards", "2000", "--contests", "3", "--seed", "7"}, 0, []string{"cvrs/CVR_Export.csv"}},
		{"dominion-json with errors", []string{"--cards", "2000", "--contests", "2", "--seed", "8", "--format", "dominion-json", "--error-rate", "0.01"}, 0,
			[]string{"cvrs/CvrExport_0.json", "cvrs/ContestManifest.json", "cvrs/CandidateManifest.json"}},
		{"ess with ranked contests", []string{"--cards", "1200", "--contests", "4", "--seed", "10", "--format", "ess", "--error-rate", "0.01"}, 0, []string{"cvrs/CVR_Export.csv", "cvrs/Ballots.csv"}},
		{"clearballot", []string{"--cards", "1200", "--contests", "6", "--seed", "11", "--format", "clearballot"}, 0, []string{"cvrs/ClearBallot_CVR.csv"}},
		{"nist-json", []string{"--cards", "300", "--contests", "6", "--seed", "12", "--format", "nist-json"}, 0, []string{"cvrs/CastVoteRecordReport.json"}},
		{"nist-xml", []string{"--cards", "300", "--contests", "6", "--seed", "13", "--format", "nist-xml"}, 0, []string{"cvrs/CastVoteRecordReport.xml"}},
		{"hart", []string{"--cards", "300", "--contests", "6", "--seed", "14", "--format", "hart"}, 0, []string{"cvrs/ScannedBallotInformation.csv"}},
		{"missing cards", []string{"--cards", "2000", "--seed", "9", "--missing-rate", "0.01", "--cards-per-ballot", "2"}, 3, []string{"cvrs/CVR_Export.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, out, stderr := runCmd(append([]string{"synth", "--out", dir}, tc.args...)...)
			require.Equal(t, 0, code, stderr)
			assert.Empty(t, stderr)
			assert.Contains(t, out, " cards")
			assert.Contains(t, out, "Contest 1: Candidate A beats Candidate B")
			for _, f := range append([]string{"manifest.csv", "results.csv", "truth.csv", "synth.json"}, tc.files...) {
				assert.FileExists(t, filepath.Join(dir, f))
			}
			code, rout, rerr := runCmd("reconcile", "--manifest", filepath.Join(dir, "manifest.csv"), "--cvrs", filepath.Join(dir, "cvrs"), "--results", filepath.Join(dir, "results.csv"))
			assert.Equal(t, tc.reconcile, code, rout+rerr)
			if tc.reconcile == 3 {
				assert.Contains(t, rout, "batch-count")
				assert.NotContains(t, rout, "contest-total")
			}
		})
	}
}

// TestSynthCommandDeterministic: the same flags give the same bytes.
func TestSynthCommandDeterministic(t *testing.T) {
	var outs [2]string
	for i := range outs {
		outs[i] = filepath.Join(t.TempDir(), "e")
		code, _, stderr := runCmd("synth", "--cards", "1500", "--contests", "5", "--seed", "3", "--error-rate", "0.02", "--missing-rate", "0.01", "--jurisdictions", "2", "--out", outs[i])
		require.Equal(t, 0, code, stderr)
	}
	for _, f := range []string{"manifest.csv", "results.csv", "truth.csv", "synth.json", "cvrs/County 1/CVR_Export.csv", "cvrs/County 2/CVR_Export.csv"} {
		a, err := os.ReadFile(filepath.Join(outs[0], f))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(outs[1], f))
		require.NoError(t, err)
		assert.True(t, string(a) == string(b), "%s differs", f)
	}
}

func TestSynthCommandErrors(t *testing.T) {
	full := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(full, "x"), nil, 0o644))
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no cards", []string{"--seed", "1", "--out", "d"}, 2, "--cards is required"},
		{"no seed", []string{"--cards", "10", "--out", "d"}, 2, "--seed is required"},
		{"bad format", []string{"--cards", "10", "--seed", "1", "--out", "d", "--format", "hart-pdf"}, 2, "can write"},
		{"ess with approval", []string{"--cards", "10", "--seed", "1", "--out", "d", "--format", "ess", "--contests", "5", "--kinds", "approval"}, 2, "one choice per cell"},
		{"bad kind", []string{"--cards", "10", "--seed", "1", "--out", "d", "--kinds", "borda"}, 2, "unknown contest kind"},
		{"bad margin", []string{"--cards", "10", "--seed", "1", "--out", "d", "--margin", "1.5"}, 2, "margin"},
		{"extra argument", []string{"--cards", "10", "--seed", "1", "--out", "d", "more"}, 2, "unexpected argument"},
		{"folder not empty", []string{"--cards", "10", "--seed", "1", "--out", full}, 1, "not empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(append([]string{"synth"}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.msg)
		})
	}
}

// TestSynthCommandConfig: --config with the synth.json of a run makes the
// same election, byte for byte, and may write it in another format.
func TestSynthCommandConfig(t *testing.T) {
	a := filepath.Join(t.TempDir(), "a")
	code, _, stderr := runCmd("synth", "--cards", "1000", "--contests", "4", "--seed", "77", "--error-rate", "0.02", "--missing-rate", "0.01",
		"--cards-per-ballot", "2", "--styles", "5", "--wrong-outcome", "--out", a)
	require.Equal(t, 0, code, stderr)
	b := filepath.Join(t.TempDir(), "b")
	code, out, stderr := runCmd("synth", "--config", filepath.Join(a, "synth.json"), "--out", b)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "so the reported outcome is wrong")
	for _, f := range []string{"manifest.csv", "results.csv", "truth.csv", "synth.json", "cvrs/CVR_Export.csv"} {
		x, err := os.ReadFile(filepath.Join(a, f))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, f))
		require.NoError(t, err)
		assert.True(t, string(x) == string(y), "%s differs", f)
	}
	c := filepath.Join(t.TempDir(), "c")
	code, _, stderr = runCmd("synth", "--config", filepath.Join(a, "synth.json"), "--format", "dominion-json", "--out", c)
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(c, "cvrs", "CvrExport_0.json"))
	code, _, stderr = runCmd("synth", "--config", filepath.Join(a, "nope.json"), "--out", filepath.Join(t.TempDir(), "d"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--config")
}
