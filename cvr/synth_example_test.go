package cvr_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

// A synthetic election of 10,000 cards with a 4% margin, 1% CVR errors and
// 0.5% missing CVRs: the margin and the error counts are exact, and the
// paper of any card can be regenerated from its ID.
func ExampleNewSynth() {
	cfg := cvr.NewSynthConfig(10_000, 42)
	cfg.Contests = cvr.SynthContests(3, 0.04)
	cfg.Errors = cvr.SplitSynthErrors(0.01)
	cfg.MissingRate = 0.005
	s, err := cvr.NewSynth(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := s.Contests()[0]
	fmt.Printf("%s: %d CVRs, margin %d votes (%.2f%%)\n", r.Name, r.CVRs, r.Margin, 100*r.DilutedMargin())
	fmt.Printf("errors o1 %d, o2 %d, u1 %d, u2 %d; %d cards without CVR\n",
		r.Errors[cvr.Over1], r.Errors[cvr.Over2], r.Errors[cvr.Under1], r.Errors[cvr.Under2], s.Missing())

	// The CVRs tally to the reported results.
	t, _ := cvr.Tabulate(s.Election(), s.CVRs())
	fmt.Println("reported:", t.Contests[0].Votes[r.Winner]-t.Contests[0].Votes[r.Loser] == r.Margin)

	// An audit board's reading of the first card with an injected error.
	for c := range s.All() {
		if len(c.Errors) > 0 {
			paper, _ := s.Paper(c.CVR.ID)
			fmt.Println("card", c.CVR.ID, "has error", c.Errors[0].Kind, "; paper holds", paper.Votes.Len(), "contests")
			break
		}
	}

	// The Dominion CSV export, streamed.
	var b strings.Builder
	if err := s.WriteDominionCSV(&b, ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	fmt.Println("CSV rows:", strings.Count(b.String(), "\n")-4)
	// Output:
	// Contest 1: 9950 CVRs, margin 398 votes (4.00%)
	// errors o1 40, o2 10, u1 40, u2 10; 50 cards without CVR
	// reported: true
	// card 1-1-34 has error u1 ; paper holds 2 contests
	// CSV rows: 9950
}
