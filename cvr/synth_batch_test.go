package cvr

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"testing"
)

// TestWriteBatchTallies checks the batch tallies against the election's
// totals: the CVR counts of all batches add up to the reported results, and
// the paper counts to the true tally.
func TestWriteBatchTallies(t *testing.T) {
	cfg := NewSynthConfig(3000, 4)
	cfg.Contests = SynthContests(3, 0.1, SynthPlurality, SynthVoteForN)
	cfg.Errors = SplitSynthErrors(0.01)
	cfg.MissingRate = 0.01
	cfg.Jurisdictions = 2
	s, err := NewSynth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := Tabulate(s.Election(), s.Papers())
	if err != nil {
		t.Fatal(err)
	}
	for _, paper := range []bool{false, true} {
		var b bytes.Buffer
		if err := s.WriteBatchTallies(&b, paper, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[0]; len(got) != 6 || got[0] != "jurisdiction" || got[5] != "votes" {
			t.Fatalf("header %v", got)
		}
		sums := map[[2]string]int64{}
		for _, r := range rows[1:] {
			n, err := strconv.ParseInt(r[5], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			sums[[2]string{r[3], r[4]}] += n
		}
		want := map[[2]string]int64{}
		if paper {
			for ci, ct := range truth.Contests {
				ec := s.Election().Contest(ContestIndex(ci))
				for j, n := range ct.Votes {
					want[[2]string{ec.Name, ec.Choices[j].Name}] = n
				}
			}
		} else {
			for _, r := range s.Results().Rows {
				want[[2]string{r.Contest, r.Choice}] = r.Votes
			}
		}
		for k, n := range want {
			if sums[k] != n {
				t.Errorf("paper=%v: %v: batches add up to %d, want %d", paper, k, sums[k], n)
			}
		}
	}
}
