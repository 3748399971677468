package rla

import (
	"errors"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/sample"
)

// FuzzReadInterpretations: any bytes give rows or an error naming the
// file, never a panic; accepted rows have a card id (a found card may have
// no contest: it holds none under audit).
func FuzzReadInterpretations(f *testing.F) {
	f.Add([]byte("card_id,contest,selections,found\n1-1-1,Mayor,Alice,yes\n1-1-2,Mayor,,no\n"))
	f.Add([]byte("Found,Selections,Contest,Card_ID\r\nno,,,x\r\n"))
	f.Add([]byte("card_id,contest,selections,found\n\"a,b\",\"M\"\"x\",\"A;B; ;C\",Y\n"))
	f.Add([]byte("card_id,contest\n1,2\n"))
	f.Add([]byte("\xff\xfecard"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := readInterpretations(strings.NewReader(string(data)), "fuzz.csv")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		for _, r := range rows {
			if r.CardID == "" || r.Selections == nil {
				t.Fatalf("bad row accepted: %+v", r)
			}
			for _, s := range r.Selections {
				if s == "" || strings.TrimSpace(s) != s {
					t.Fatalf("untrimmed or empty selection in %+v", r)
				}
			}
		}
	})
}

// FuzzReadHandCount: any bytes give a tally of the contest's choices or an
// error naming the file.
func FuzzReadHandCount(f *testing.F) {
	f.Add([]byte("choice,votes\nAlice,10\nBob,\"1,234\"\n"))
	f.Add([]byte("Candidate,Votes\nAlice,-1\n"))
	f.Add([]byte("votes,choice\n3,bob\n4,Bob\n"))
	ec := &cvr.Contest{ID: "m", Name: "Mayor", VoteFor: 1, Choices: []cvr.Choice{{ID: "a", Name: "Alice"}, {ID: "b", Name: "Bob"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		tally, err := readHandCount(data, "fuzz.csv", ec)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if len(tally) != 2 {
			t.Fatalf("tally %v", tally)
		}
		for name, n := range tally {
			if n < 0 || (name != "Alice" && name != "Bob") {
				t.Fatalf("tally %v", tally)
			}
		}
	})
}

// FuzzReadBatchTallies: any bytes give batch tallies of the manifest's
// batches and the election's contests, or an error naming the file and
// wrapping ErrBatchTally, never a panic.
func FuzzReadBatchTallies(f *testing.F) {
	f.Add([]byte("tabulator,batch,contest,choice,votes\n1,A,Mayor,Alice,6\n1,A,mayor,BOB,3\n02,B,Mayor,Alice,\"1,0\"\n"))
	f.Add([]byte("batch,contest,choice,votes,found\nA,Mayor,Alice,,no\n"))
	f.Add([]byte("Jurisdiction,Tabulator,Batch Name,Contest,Choice,Votes\r\nx,1,A,Mayor,Bob,1\r\n"))
	f.Add([]byte("\xef\xbb\xbfbatch,contest,choice,votes\nC,Mayor,Alice,2\n"))
	m := &cvr.Manifest{Tabulators: true, Batches: []cvr.ManifestBatch{
		{Batch: sample.Batch{Tabulator: "1", Name: "A", Cards: 10}}, {Batch: sample.Batch{Tabulator: "2", Name: "B", Cards: 5}},
		{Batch: sample.Batch{Tabulator: "2", Name: "C", Cards: 5}},
	}}
	e := &cvr.Election{}
	ci, _ := e.AddContest(cvr.Contest{ID: "Mayor", Name: "Mayor", VoteFor: 1})
	e.AddChoice(ci, cvr.Choice{ID: "Alice", Name: "Alice"})
	e.AddChoice(ci, cvr.Choice{ID: "Bob", Name: "Bob"})
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := readBatchTallies(data, "fuzz.csv", m, e)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") || !errors.Is(err, ErrBatchTally) {
				t.Fatalf("error without the file name or ErrBatchTally: %v", err)
			}
			return
		}
		if len(ts) == 0 {
			t.Fatal("no tallies and no error")
		}
		seen := map[int]bool{}
		for _, bt := range ts {
			if bt.Batch < 0 || bt.Batch >= len(m.Batches) || seen[bt.Batch] || (!bt.Found && len(bt.Votes) > 0) {
				t.Fatalf("bad tally accepted: %+v", bt)
			}
			seen[bt.Batch] = true
			for c, v := range bt.Votes {
				if c != ci || len(v) != 2 || v[0] < 0 || v[1] < 0 {
					t.Fatalf("bad votes accepted: %+v", bt)
				}
			}
		}
	})
}
