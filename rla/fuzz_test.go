package rla

import (
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// FuzzReadInterpretations: any bytes give rows or an error naming the
// file, never a panic; accepted rows have a card id and, when found, a
// contest.
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
			if r.CardID == "" || (r.Found && r.Contest == "") || r.Selections == nil {
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
