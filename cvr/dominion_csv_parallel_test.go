package cvr

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// dcEvent is one thing a read produced: a card (deep-copied, with the
// Votes' internal last index), a warning or an error.
type dcEvent struct {
	Card      Card
	Cells     []uint32
	Last      int
	Warn, Err string
	ErrChain  []string // types of the unwrapped errors
}

func dcEvents(t *testing.T, data []byte, workers, block int, failAfter int) ([]dcEvent, *Election) {
	t.Helper()
	var ev []dcEvent
	e := &Election{}
	opt := Options{Jurisdiction: "J", Warn: func(w *Warning) { ev = append(ev, dcEvent{Warn: w.Error()}) }}
	f := BytesFile("x.csv", data)
	if failAfter >= 0 {
		f.Open = func() (io.ReadCloser, error) {
			return io.NopCloser(io.MultiReader(bytes.NewReader(data[:failAfter]), dcErrReader{errors.New("disk on fire")})), nil
		}
	}
	for c, err := range readDominionCSVN(e, []File{f}, opt, workers, block) {
		if err != nil {
			x := dcEvent{Err: err.Error()}
			for u := err; u != nil; u = errors.Unwrap(u) {
				x.ErrChain = append(x.ErrChain, fmt.Sprintf("%T", u))
			}
			if errors.Is(err, errCSVQuote) {
				x.ErrChain = append(x.ErrChain, "errCSVQuote")
			}
			ev = append(ev, x)
			continue
		}
		// The votes are compared by content: whether an empty cells slice
		// is nil depends on buffer reuse, also in the sequential reader.
		x := dcEvent{Card: c, Cells: append([]uint32{}, c.Votes.cells...), Last: c.Votes.last}
		x.Card.Votes = Votes{}
		ev = append(ev, x)
	}
	return ev, e
}

// dcEventsGeneral is dcEvents with every row read by the general path
// (dcGeneralOnly): the reference the fast path must reproduce.
func dcEventsGeneral(t *testing.T, data []byte, workers, block int, failAfter int) ([]dcEvent, *Election) {
	t.Helper()
	dcGeneralOnly = true
	defer func() { dcGeneralOnly = false }()
	return dcEvents(t, data, workers, block, failAfter)
}

// dcMutate applies f to every data line (after the 4 header lines) whose
// index i satisfies pick(i).
func dcMutate(data []byte, pick func(i int) bool, f func(line string) string) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	for i := 4; i < len(lines); i++ {
		if lines[i] != "" && pick(i) {
			nl := strings.HasSuffix(lines[i], "\n")
			l := strings.TrimSuffix(lines[i], "\n")
			l = f(l)
			if nl {
				l += "\n"
			}
			lines[i] = l
		}
	}
	return []byte(strings.Join(lines, ""))
}

func synthDominionCSV(t *testing.T, cards int, seed uint64, contests int) []byte {
	t.Helper()
	cfg := NewSynthConfig(cards, seed)
	cfg.Contests = SynthContests(contests, 0.05)
	cfg.BatchSize = 97
	cfg.Errors = SplitSynthErrors(0.01)
	s, err := NewSynth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.WriteDominionCSV(&b, ""); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDominionCSVParallelEqualsSequential reads synthetic exports, plain
// and with odd rows, with the parallel reader at several block sizes and
// worker counts, and checks that every card, warning and error is the
// sequential reader's.
func TestDominionCSVParallelEqualsSequential(t *testing.T) {
	base := synthDominionCSV(t, 3000, 7, 6)
	small := synthDominionCSV(t, 200, 8, 3)
	replaceField := func(k int, with func(string) string) func(string) string {
		return func(l string) string {
			f := strings.Split(l, ",")
			if k < len(f) {
				f[k] = with(f[k])
			}
			return strings.Join(f, ",")
		}
	}
	every := func(n int) func(int) bool { return func(i int) bool { return i%n == 0 } }
	late := func(i int) bool { return i == 2900 }
	nthVote := func(l string) string { // a vote cell 1 as "1" and ="1"
		return strings.Replace(strings.Replace(l, ",1,", `,"1",`, 1), ",0,", `,="0",`, 1)
	}
	cases := []struct {
		name      string
		data      []byte
		failAfter int // inject a read error after this many bytes; -1 none
	}{
		{"plain", base, -1},
		{"small", small, -1},
		{"quoted cells", dcMutate(base, every(3), replaceField(0, func(s string) string { return `"` + s + `"` })), -1},
		{"quoted escapes", dcMutate(base, every(5), replaceField(5, func(s string) string { return `"a ""q"" b, c"` })), -1},
		{"equal-quoted cells", dcMutate(base, every(2), replaceField(1, func(s string) string { return `="` + s + `"` })), -1},
		{"quoted votes", dcMutate(base, every(4), nthVote), -1},
		{"redaction rows", dcMutate(base, every(250), func(l string) string {
			return "Redacted and Consolidated 3 Ballots" + l[strings.IndexByte(l, ','):] + "\n" + l
		}), -1},
		{"blank lines", dcMutate(base, every(300), func(l string) string { return ",,,\n\n" + l }), -1},
		{"short row late", dcMutate(base, late, func(l string) string { return l[:strings.LastIndexByte(l, ',')] }), -1},
		{"bad cell late", dcMutate(base, late, func(l string) string { return strings.Replace(l, ",1", ",2", 1) }), -1},
		{"empty id late", dcMutate(base, late, replaceField(2, func(string) string { return "" })), -1},
		{"redaction then error", dcMutate(dcMutate(base, late, replaceField(3, func(string) string { return "" })), func(i int) bool { return i == 2899 }, func(l string) string { return "RCV Redacted" + l[strings.IndexByte(l, ','):] }), -1},
		{"crlf", bytes.ReplaceAll(base, []byte("\n"), []byte("\r\n")), -1},
		{"crlf no final newline", bytes.TrimSuffix(bytes.ReplaceAll(base, []byte("\n"), []byte("\r\n")), []byte("\n")), -1},
		{"no final newline", bytes.TrimSuffix(base, []byte("\n")), -1},
		{"quoted newlines", dcMutate(base, every(7), replaceField(0, func(s string) string { return "\"" + s + "\r\n\n x\"" })), -1},
		{"quoted newline in votes", dcMutate(base, every(11), replaceField(12, func(s string) string { return "\"" + s + "\n\"" })), -1},
		{"unclosed quote late", dcMutate(base, late, replaceField(0, func(s string) string { return `"` + s })), -1},
		{"unclosed then closed", dcMutate(dcMutate(base, late, replaceField(5, func(s string) string { return `"` + s })), func(i int) bool { return i == 2950 }, replaceField(5, func(s string) string { return s + `"` })), -1},
		{"read error", base, len(base) * 2 / 3},
		{"read error at line end", base, bytes.LastIndexByte(base[:len(base)/2], '\n') + 1},
		{"read error in small", small, len(small) - 10},
		{"long lines", dcMutate(base, every(500), replaceField(5, func(s string) string { return strings.Repeat("w", 5000) })), -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, we := dcEventsGeneral(t, tc.data, 1, 0, tc.failAfter)
			if len(want) < 2 {
				t.Fatalf("only %d events: %+v", len(want), want)
			}
			for _, workers := range []int{1, 2, 3} {
				for _, block := range []int{1, 100, 1000, 4096, 100_000, dcBlockSize} {
					got, ge := dcEvents(t, tc.data, workers, block, tc.failAfter)
					if !reflect.DeepEqual(we, ge) {
						t.Fatalf("workers %d block %d: elections differ", workers, block)
					}
					if len(got) != len(want) {
						t.Fatalf("workers %d block %d: %d events, want %d; last got %+v, want %+v", workers, block, len(got), len(want), got[len(got)-1], want[len(want)-1])
					}
					for i := range want {
						if !reflect.DeepEqual(got[i], want[i]) {
							t.Fatalf("workers %d block %d: event %d\n got %+v\nwant %+v", workers, block, i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}

// TestDominionCSVParallelStopEarly stops the parallel reader at every
// few cards and checks it yields what the sequential one does.
func TestDominionCSVParallelStopEarly(t *testing.T) {
	data := synthDominionCSV(t, 2000, 9, 4)
	for _, stop := range []int{0, 1, 17, 500, 1999} {
		var ids [2][]string
		for k, workers := range []int{1, 2} {
			var e Election
			for c, err := range readDominionCSVN(&e, []File{BytesFile("x.csv", data)}, Options{}, workers, 1000) {
				if err != nil {
					t.Fatal(err)
				}
				ids[k] = append(ids[k], c.ID)
				if len(ids[k]) > stop {
					break
				}
			}
		}
		if !reflect.DeepEqual(ids[0], ids[1]) {
			t.Fatalf("stop %d: got %d cards, want %d", stop, len(ids[1]), len(ids[0]))
		}
	}
}

// FuzzDominionCSVParallel checks that the parallel reader, with small
// blocks, reads what the sequential one does.
func FuzzDominionCSVParallel(f *testing.F) {
	f.Add([]byte(dcFixture), uint16(7))
	f.Add([]byte("E,5.2.16.1,,\n,,,,C (Vote For=1),C (Vote For=1)\n,,,,A,B\nCvrNumber,TabulatorNum,BatchId,RecordId,,\n1,T,B,1,1,0\r\n\"2\n\",T,B,2,0,1\n3,T,B,3,=\"1\",0"), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, block uint16) {
		want, we := dcEventsGeneral(t, data, 1, 0, -1)
		seq, se := dcEvents(t, data, 1, 0, -1)
		if !reflect.DeepEqual(we, se) || !reflect.DeepEqual(want, seq) {
			t.Fatalf("sequential reader: fast path differs from the general path\n got %+v\nwant %+v", seq, want)
		}
		for _, bs := range []int{int(block%256) + 1, 1000} {
			got, ge := dcEvents(t, data, 2, bs, -1)
			if !reflect.DeepEqual(we, ge) {
				t.Fatalf("block %d: elections differ", bs)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("block %d:\n got %+v\nwant %+v", bs, got, want)
			}
		}
	})
}
