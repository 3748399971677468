package benchmarks

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/rla"
)

// statewideElection writes a synthetic statewide election: cards cards,
// 100 contests (5 on every card, the rest each on about a tenth of the
// ballot styles, as districts are), Dominion CSV.
func statewideElection(b *testing.B, dir string, cards int) rla.InitOptions {
	cfg := cvr.NewSynthConfig(cards, 16)
	cfg.Styles = 50
	cfg.BatchSize = 400
	cfg.Tabulators = 40
	cfg.Contests = cvr.SynthContests(100, 0.02)
	for i := range cfg.Contests {
		if cfg.Contests[i].Kind == cvr.SynthRanked {
			cfg.Contests[i].Kind = cvr.SynthPlurality // rla audit takes no RAIRE assertions yet
		}
		if i < 5 {
			cfg.Contests[i].Coverage = 1
		} else {
			cfg.Contests[i].Coverage = 0.1
		}
	}
	cfg.Errors = cvr.SplitSynthErrors(0.001)
	s, err := cvr.NewSynth(cfg)
	if err != nil {
		b.Fatal(err)
	}
	write := func(name string, f func(io.Writer) error) string {
		p := filepath.Join(dir, name)
		out, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(out, 1<<20)
		if err := f(w); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		out.Close()
		return p
	}
	return rla.InitOptions{
		Manifest: write("manifest.csv", s.WriteManifest),
		Results:  write("results.csv", s.WriteResults),
		CVRs:     []string{write("cvr.csv", func(w io.Writer) error { return s.WriteDominionCSV(w, "") })},
		Format:   "dominion-csv",
		Config:   rla.Config{RiskLimit: 0.05},
		By:       "bench",
		// Random margins leave some contests near ties; accept what
		// reconciliation finds (the synthetic data has no errors of that kind).
		AcceptInconsistencies: true,
	}
}

func maxRSS() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss * 1024 // kilobytes on Linux
}

// cpuSeconds is the process's user and system CPU time so far. Other
// programs on the machine stretch the wall time of the parallel audit far
// more than its CPU time, so the CPU seconds are reported alongside.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func benchAudit(b *testing.B, cards int) {
	dir := b.TempDir()
	o := statewideElection(b, dir, cards)
	// Baseline: reading and hashing the CVR export once, the least any
	// commitment must do.
	start := time.Now()
	f, _ := os.Open(o.CVRs[0])
	h := sha256.New()
	n, _ := io.Copy(h, f)
	f.Close()
	base := time.Since(start)
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		adir := filepath.Join(dir, fmt.Sprint("audit", i))
		a, _, err := rla.Init(adir, o)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.SetSeed("12345678901234567890", "", "bench"); err != nil {
			b.Fatal(err)
		}
		draws, err := a.Draw("bench")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(draws)), "cards_drawn")
	}
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(per, "s/audit")
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu_s/audit")
	b.ReportMetric(per/base.Seconds(), "vs_hash_export")
	b.ReportMetric(float64(n)/1e9, "export_GB")
	b.ReportMetric(float64(maxRSS())/(1<<30), "peak_RSS_GiB")
}

// BenchmarkAuditStatewide16M: commit (copy, hash, read, tabulate),
// reconcile, sample numbers, round-1 sizes by simulation and the draw, for
// 16,000,000 cards and 100 contests:
//
//	go test -run XXX -bench AuditStatewide16M -benchtime 1x -timeout 30m ./benchmarks/
//
// Targets: under 60 s and 8 GiB. Writing the synthetic export first takes
// longer than the audit; it is not timed.
func BenchmarkAuditStatewide16M(b *testing.B) { benchAudit(b, 16_000_000) }

// BenchmarkAuditStatewide1M is the same at 1,000,000 cards.
func BenchmarkAuditStatewide1M(b *testing.B) { benchAudit(b, 1_000_000) }
