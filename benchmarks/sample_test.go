package benchmarks

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rlakit/rlakit/sample"
)

// statewide returns a manifest of cards cards in batches of 400 spread over
// 58 counties with four tabulators each, like a large state's.
func statewide(tb testing.TB, cards int) *sample.Manifest {
	var bs []sample.Batch
	for i := 0; cards > 0; i++ {
		n := min(400, cards)
		cards -= n
		bs = append(bs, sample.Batch{
			Jurisdiction: fmt.Sprintf("County %02d", i%58+1),
			Tabulator:    fmt.Sprintf("TAB-%d", i/58%4+1),
			Name:         fmt.Sprintf("Batch %05d", i/232+1),
			Cards:        n,
		})
	}
	m, err := sample.NewManifest(bs, true)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// rawHash is the baseline: build every card's hash input (seed hash + id
// string, the batch's part of the id made once per batch) and hash it with
// crypto/sha256 on one core, as a straightforward implementation of
// consistent sampling must at least do.
func rawHash(m *sample.Manifest, seed string) {
	buf := []byte(sample.SeedHash(seed))
	start := len(buf)
	var sink byte
	for _, b := range m.Batches() {
		id := sample.CardID(b, 1, true)
		buf = append(buf[:start], id[:len(id)-2]...) // the id without "1)"
		prefix := len(buf)
		for pos := 1; pos <= b.Cards; pos++ {
			buf = strconv.AppendInt(buf[:prefix], int64(pos), 10)
			buf = append(buf, ')')
			sum := sha256.Sum256(buf)
			sink ^= sum[0]
		}
	}
	_ = sink
}

func withProcs(n int, f func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	f()
}

var (
	manifestOnce sync.Once
	manifest20M  *sample.Manifest
)

func manifest20Million(b *testing.B) *sample.Manifest {
	manifestOnce.Do(func() { manifest20M = statewide(b, 20_000_000) })
	return manifest20M
}

const benchSeed = "27180904129383661524"

// BenchmarkConsistentSelection20M draws the first 1,000 cards of a
// 20,000,000-card manifest by consistent sampling (every card's ticket is
// computed), beside the raw-hashing baseline in the same run:
//
//	go test -run XXX -bench ConsistentSelection20M -benchtime 2x ./benchmarks/
//
// tickets/s is cards hashed per second; vs_raw is the ratio to the baseline's
// rate measured in the same benchmark.
func BenchmarkConsistentSelection20M(b *testing.B) {
	m := manifest20Million(b)
	cards := float64(m.Total())
	var rawRate float64
	b.Run("raw-sha256-1core", func(b *testing.B) {
		for b.Loop() {
			rawHash(m, benchSeed)
		}
		rawRate = cards * float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(rawRate, "tickets/s")
	})
	for _, procs := range []int{1, runtime.NumCPU()} {
		b.Run(fmt.Sprintf("select-%dcore", procs), func(b *testing.B) {
			withProcs(procs, func() {
				for b.Loop() {
					if _, err := m.ConsistentDraws(benchSeed, 0, 1000, false); err != nil {
						b.Fatal(err)
					}
				}
			})
			rate := cards * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "tickets/s")
			if rawRate > 0 {
				b.ReportMetric(rate/rawRate, "vs_raw")
			}
		})
	}
}

// BenchmarkConsistentSelection1M is the same on 1,000,000 cards, quick
// enough for routine runs.
func BenchmarkConsistentSelection1M(b *testing.B) {
	m := statewide(b, 1_000_000)
	start := time.Now()
	rawHash(m, benchSeed)
	rawRate := 1e6 / time.Since(start).Seconds()
	for _, procs := range []int{1, runtime.NumCPU()} {
		b.Run(fmt.Sprintf("select-%dcore", procs), func(b *testing.B) {
			withProcs(procs, func() {
				for b.Loop() {
					if _, err := m.ConsistentDraws(benchSeed, 0, 1000, false); err != nil {
						b.Fatal(err)
					}
				}
			})
			rate := 1e6 * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "tickets/s")
			b.ReportMetric(rate/rawRate, "vs_raw")
		})
	}
}
