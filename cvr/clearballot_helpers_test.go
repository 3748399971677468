package cvr

// Helpers shared by the tests of the ES&S, Hart, Clear Ballot and NIST
// readers.

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedRealDir holds the sample files collected for the project
// (shared/testdata/real, see its SOURCES.md). Files there whose licence
// does not allow copying them into this repository (the AGPL projects'
// fixtures, RCTab's test data) are read from there by tests that skip
// when the folder is absent; the tests then still run on the files we may
// copy and on our own fixtures.
const sharedRealDir = "/work/shared/testdata/real"

// sharedFile returns the path of a shared sample file, skipping the test
// when the shared folder is not on this machine.
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(sharedRealDir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared sample %s not available: %v", rel, err)
	}
	return p
}

// choiceKey names a (contest, choice, rank) count in the independent
// tallies the reader tests compare against.
type choiceKey struct {
	contest, choice string
	rank            int
}

// selectionCounts counts the selections the reader stored, by contest
// name, choice name and rank.
func selectionCounts(e *Election, cards *Cards) map[choiceKey]int {
	m := map[choiceKey]int{}
	for c := range cards.All() {
		for cv := range c.Votes.All() {
			ct := e.Contest(cv.Contest)
			for _, s := range cv.Selections() {
				m[choiceKey{ct.Name, ct.Choices[s.Choice].Name, int(s.Rank)}]++
			}
		}
	}
	return m
}

// readBytes reads in-memory files with the named format and returns the
// election, the cards and the warnings, or the first error.
func readBytes(format string, files ...File) (*Election, *Cards, []string, error) {
	f, ok := LookupFormat(format)
	if !ok {
		panic("no format " + format)
	}
	var e Election
	var warnings []string
	cards, err := ReadAll(f.Read(&e, files, Options{Warn: func(w *Warning) { warnings = append(warnings, w.Error()) }}))
	return &e, cards, warnings, err
}

// fuzzRead reads in-memory files with the named format to the end or the
// first error, as the fuzz targets do: a reader may reject input but must
// neither panic nor yield a card that breaks the model's invariants.
func fuzzRead(t *testing.T, format string, files ...File) {
	f, _ := LookupFormat(format)
	var e Election
	for c, err := range f.Read(&e, files, Options{Warn: func(*Warning) {}}) {
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if c.ID == "" {
			t.Fatalf("card with an empty ID: %+v", c)
		}
		seen := map[ContestIndex]bool{}
		for cv := range c.Votes.All() {
			if int(cv.Contest) >= len(e.Contests) {
				t.Fatalf("card %s: contest index %d out of range", c.ID, cv.Contest)
			}
			if seen[cv.Contest] {
				t.Fatalf("card %s: contest %d twice", c.ID, cv.Contest)
			}
			seen[cv.Contest] = true
			ct := e.Contest(cv.Contest)
			prev := -1
			for _, s := range cv.Selections() {
				if int(s.Choice) >= len(ct.Choices) {
					t.Fatalf("card %s: contest %q: choice %d out of range", c.ID, ct.Name, s.Choice)
				}
				if ct.Ranked() {
					if s.Rank < 1 || int(s.Rank) > ct.Ranks || int(s.Rank) < prev {
						t.Fatalf("card %s: contest %q: rank %d out of order or outside 1..%d", c.ID, ct.Name, s.Rank, ct.Ranks)
					}
					prev = int(s.Rank)
				} else if s.Rank != 0 {
					t.Fatalf("card %s: unranked contest %q with rank %d", c.ID, ct.Name, s.Rank)
				}
			}
		}
	}
}

// TestVendorDetectDisjoint runs the Detect functions of the ES&S, Hart,
// Clear Ballot and NIST formats on every shared sample file: each file is
// claimed by its own format only, and the other vendors' files (Dominion,
// manifests) by none of them.
func TestVendorDetectDisjoint(t *testing.T) {
	root := sharedFile(t, ".")
	mine := []string{"ess", "hart", "clearballot", "nist-json", "nist-xml"}
	want := func(rel string) string {
		switch dir, _, _ := strings.Cut(rel, "/"); {
		case dir == "nist-cdf" && strings.HasSuffix(rel, ".json"):
			return "nist-json"
		case dir == "nist-cdf":
			return "nist-xml"
		case dir == "ess", dir == "clearballot", dir == "hart":
			return dir
		}
		return ""
	}
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		head := make([]byte, 4096)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		k, _ := io.ReadFull(f, head)
		f.Close()
		var claimed []string
		for _, name := range mine {
			fm, _ := LookupFormat(name)
			if fm.Detect(p, head[:k]) {
				claimed = append(claimed, name)
			}
		}
		if w := want(rel); w != "" {
			assert.Equal(t, []string{w}, claimed, rel)
		} else {
			assert.Empty(t, claimed, rel)
		}
		n++
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, n, 50)
}
