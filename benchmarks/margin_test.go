package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
)

// tenContests returns an election of 10 vote-for-1 contests of 3
// candidates, each card holding all 10 with one vote (5% blank), in a cvr
// store, and the assertions of every contest (2 each).
func tenContests(tb testing.TB, cards int) (*cvr.Cards, []*margin.Assertion) {
	e := &cvr.Election{}
	var asrts []*margin.Assertion
	for k := range 10 {
		ci, err := e.AddContest(cvr.Contest{ID: "contest " + strconv.Itoa(k), VoteFor: 1, Choices: []cvr.Choice{
			{ID: "a", Name: "A"}, {ID: "b", Name: "B"}, {ID: "c", Name: "C"}}})
		if err != nil {
			tb.Fatal(err)
		}
		as, err := margin.Assertions(e, ci, margin.Outcome{Rule: margin.Plurality, Winners: []cvr.ChoiceIndex{0}})
		if err != nil {
			tb.Fatal(err)
		}
		asrts = append(asrts, as...)
	}
	r := rand.New(rand.NewPCG(1, 2))
	s := &cvr.Cards{}
	var c cvr.Card
	for i := range cards {
		c.ID = strconv.Itoa(i)
		c.ImprintedID = c.ID
		c.Batch.Batch = strconv.Itoa(i / 400)
		c.Votes.Reset()
		for k := range 10 {
			c.Votes.Begin(cvr.ContestIndex(k), 0)
			if x := r.IntN(100); x >= 5 {
				c.Votes.Select(cvr.Selection{Choice: cvr.ChoiceIndex(x % 3)})
			}
		}
		s.Append(&c)
	}
	s.Trim()
	return s, asrts
}

var (
	tenOnce  sync.Once
	ten20M   *cvr.Cards
	tenVotes []cvr.Votes // the same votes, views into ten20M
	tenAs    []*margin.Assertion
)

// meterVotes is margin.Measure over votes already extracted from the store.
func meterVotes(vs []cvr.Votes, as []*margin.Assertion, workers int) *margin.Meter {
	ms := make([]*margin.Meter, workers)
	var wg sync.WaitGroup
	for w := range workers {
		ms[w] = margin.NewMeter(as, true)
		wg.Add(1)
		go func(m *margin.Meter) {
			defer wg.Done()
			for _, v := range vs[len(vs)*w/workers : len(vs)*(w+1)/workers] {
				m.Add(v)
			}
		}(ms[w])
	}
	wg.Wait()
	for _, m := range ms[1:] {
		if err := ms[0].Merge(m); err != nil {
			panic(err)
		}
	}
	return ms[0]
}

// sumPacked is the baseline for meterVotes: the plain loop over the same
// extracted votes.
func sumPacked(vs []cvr.Votes, workers int) int64 {
	sums := make([]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var t int64
			for _, v := range vs[len(vs)*w/workers : len(vs)*(w+1)/workers] {
				for cv := range v.All() {
					for j := range cv.Len() {
						t += int64(cv.Selection(j).Choice)
					}
				}
			}
			sums[w] = t
		}()
	}
	wg.Wait()
	return sums[0]
}

// sumVotes is the baseline: the same pass over the same packed votes,
// summing the choice indexes, with no assorter.
func sumVotes(s *cvr.Cards, workers int) int64 {
	n := s.Len()
	sums := make([]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var t int64
			for i := n * w / workers; i < n*(w+1)/workers; i++ {
				for cv := range s.Card(i).Votes.All() {
					for j := range cv.Len() {
						t += int64(cv.Selection(j).Choice)
					}
				}
			}
			sums[w] = t
		}()
	}
	wg.Wait()
	var t int64
	for _, x := range sums {
		t += x
	}
	return t
}

// BenchmarkAssorters20M computes every assertion's assorter counts (20
// assertions, 10 contests) over 20,000,000 cards in one pass, on 1 core
// and on all cores, beside the baseline loop over the same votes:
//
//	go test -run XXX -bench Assorters20M -benchtime 3x ./benchmarks/
//
// cards/s is cards read per second; vs_sum the ratio to the baseline's
// rate on the same number of cores in the same run. The "packed" variants
// run on the votes taken out of the store beforehand (cvr.Cards.Card builds
// a whole card, which costs about as much as the assorters). Building the
// store takes about 3 GB and half a minute, once.
func BenchmarkAssorters20M(b *testing.B) {
	tenOnce.Do(func() {
		ten20M, tenAs = tenContests(b, 20_000_000)
		tenVotes = make([]cvr.Votes, ten20M.Len())
		for i := range tenVotes {
			tenVotes[i] = ten20M.Card(i).Votes
		}
		runtime.GC() // not during the measurements
	})
	cards := float64(ten20M.Len())
	for _, procs := range []int{1, runtime.NumCPU()} {
		var sumRate float64
		b.Run(fmt.Sprintf("sum-votes-%dcore", procs), func(b *testing.B) {
			withProcs(procs, func() {
				for b.Loop() {
					sumVotes(ten20M, procs)
				}
			})
			sumRate = cards * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(sumRate, "cards/s")
		})
		b.Run(fmt.Sprintf("assorters-%dcore", procs), func(b *testing.B) {
			withProcs(procs, func() {
				for b.Loop() {
					m := margin.Measure(ten20M, tenAs, true, procs)
					if m.Cards(0) != int64(cards) {
						b.Fatalf("counted %d cards", m.Cards(0))
					}
				}
			})
			rate := cards * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "cards/s")
			if sumRate > 0 {
				b.ReportMetric(rate/sumRate, "vs_sum")
			}
		})
		// The same on votes already out of the store: what the assorters
		// cost beside reading the cvr store.
		var packedRate float64
		b.Run(fmt.Sprintf("sum-packed-%dcore", procs), func(b *testing.B) {
			withProcs(procs, func() {
				for b.Loop() {
					sumPacked(tenVotes, procs)
				}
			})
			packedRate = cards * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(packedRate, "cards/s")
		})
		b.Run(fmt.Sprintf("assorters-packed-%dcore", procs), func(b *testing.B) {
			withProcs(procs, func() {
				for b.Loop() {
					meterVotes(tenVotes, tenAs, procs)
				}
			})
			rate := cards * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "cards/s")
			if packedRate > 0 {
				b.ReportMetric(rate/packedRate, "vs_sum")
			}
		})
	}
}

// BenchmarkAssorters1M is the same on 1,000,000 cards, quick enough for
// routine runs.
func BenchmarkAssorters1M(b *testing.B) {
	s, as := tenContests(b, 1_000_000)
	for _, procs := range []int{1, runtime.NumCPU()} {
		b.Run(fmt.Sprintf("assorters-%dcore", procs), func(b *testing.B) {
			withProcs(procs, func() {
				for b.Loop() {
					margin.Measure(s, as, true, procs)
				}
			})
			b.ReportMetric(1e6*float64(b.N)/b.Elapsed().Seconds(), "cards/s")
		})
	}
}
