package benchmarks

import (
	"bufio"
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/rlakit/rlakit/cvr"
)

// The synth benchmarks generate a 1,000,000-card election (the
// SynthDominionCSV election: six contests of mixed kinds on 12 ballot
// styles, 2% undervotes, 0.2% overvotes, 0.1% CVR errors) and write it as
// Dominion CSV and Dominion JSON to a counting sink. The baseline writes
// the same number of bytes, row by row, through a plain bufio.Writer: the
// least any writer must do, so the ratio says what generation and
// formatting cost on top of moving the bytes. "generate" iterates the CVRs
// without writing them.
//
//	go test -run '^$' -bench Synth -benchtime 1x ./benchmarks/

const synthCards = 1_000_000

func synthElection(b *testing.B) *cvr.Synth {
	cfg := cvr.NewSynthConfig(synthCards, 2026)
	cfg.Contests = cvr.SynthContests(6, 0.05)
	cfg.Errors = cvr.SplitSynthErrors(0.001)
	s, err := cvr.NewSynth(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// synthSink counts the bytes written and keeps the first ones, for the
// baseline to replay.
type synthSink struct {
	n    int64
	head bytes.Buffer
}

func (w *synthSink) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if room := 8<<20 - w.head.Len(); room > 0 {
		w.head.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (w *synthSink) Close() error { return nil }

// synthBaseline writes total bytes made of the lines of head, one Write per
// line, through a bufio.Writer of the generator's buffer size to
// io.Discard, and returns the time taken.
func synthBaseline(head []byte, total int64) time.Duration {
	lines := bytes.SplitAfter(head, []byte("\n"))
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last may be cut
	}
	start := time.Now()
	bw := bufio.NewWriterSize(io.Discard, 256<<10)
	var n int64
	for n < total {
		for _, l := range lines {
			bw.Write(l)
			n += int64(len(l))
			if n >= total {
				break
			}
		}
	}
	bw.Flush()
	return time.Since(start)
}

func reportSynth(b *testing.B, el time.Duration, bytes int64, base time.Duration) {
	s := el.Seconds()
	b.ReportMetric(synthCards/s, "cards/s")
	b.ReportMetric(float64(bytes)/synthCards, "B/card")
	b.ReportMetric(float64(bytes)/s/1e6, "MB/s")
	if base > 0 {
		b.ReportMetric(synthCards/base.Seconds(), "baseline-cards/s")
		b.ReportMetric(s/base.Seconds(), "x-baseline")
	}
	b.ReportMetric(0, "ns/op")
}

func BenchmarkSynthGenerate(b *testing.B) {
	s := synthElection(b)
	for b.Loop() {
		start := time.Now()
		n := 0
		for c := range s.All() {
			n += c.CVR.Votes.Len()
		}
		if n == 0 {
			b.Fatal("no votes")
		}
		reportSynth(b, time.Since(start), 0, 0)
	}
}

func BenchmarkSynthDominionCSV(b *testing.B) {
	s := synthElection(b)
	for b.Loop() {
		var w synthSink
		start := time.Now()
		if err := s.WriteDominionCSV(&w, ""); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		reportSynth(b, el, w.n, synthBaseline(w.head.Bytes(), w.n))
	}
}

func BenchmarkSynthDominionJSON(b *testing.B) {
	s := synthElection(b)
	for b.Loop() {
		var w synthSink
		start := time.Now()
		err := s.WriteDominionJSON(func(string) (io.WriteCloser, error) { return &w, nil }, "")
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		// The manifests come first and are tiny; skip them in the replay.
		head := w.head.Bytes()
		if i := bytes.Index(head, []byte(`"Sessions":[`)); i >= 0 {
			head = head[i:]
		}
		reportSynth(b, el, w.n, synthBaseline(head, w.n))
	}
}
