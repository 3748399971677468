package cvr

import (
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func scanAll(t *testing.T, in string) ([][]string, []int, error) {
	t.Helper()
	s := newCSVScan(strings.NewReader(in))
	var out [][]string
	var lines []int
	for {
		rec, err := s.Read()
		if err == io.EOF {
			return out, lines, nil
		}
		if err != nil {
			return out, lines, err
		}
		var r []string
		for _, f := range rec {
			r = append(r, string(f))
		}
		out = append(out, r)
		lines = append(lines, s.start)
	}
}

func TestCSVScan(t *testing.T) {
	tests := []struct {
		name, in string
		want     [][]string
		lines    []int
	}{
		{"plain", "a,b\nc,d", [][]string{{"a", "b"}, {"c", "d"}}, []int{1, 2}},
		{"crlf", "a,b\r\n,\r\n", [][]string{{"a", "b"}, {"", ""}}, []int{1, 2}},
		{"quoted", `"a,1","b""c"` + "\n", [][]string{{"a,1", `b"c`}}, []int{1}},
		{"multiline", "\"x\r\ny\",z\nq\n", [][]string{{"x\ny", "z"}, {"q"}}, []int{1, 3}},
		{"excel", `="11",="T-1"` + "\n", [][]string{{`="11"`, `="T-1"`}}, []int{1}},
		{"lazy stray quote", `"a"b",c` + "\n", [][]string{{`a"b`, "c"}}, []int{1}},
		{"blank line", "a\n\nb\n", [][]string{{"a"}, {""}, {"b"}}, []int{1, 2, 3}},
		{"trailing comma", "a,\n", [][]string{{"a", ""}}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lines, err := scanAll(t, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.lines, lines)
		})
	}
	_, _, err := scanAll(t, "a,\"open\nno close")
	assert.ErrorIs(t, err, errCSVQuote)
}

// FuzzCSVScan checks csvScan against encoding/csv on every input that
// encoding/csv reads in strict mode (where the two must agree exactly,
// blank lines aside).
func FuzzCSVScan(f *testing.F) {
	for _, s := range []string{"a,b\nc,d\n", "\"x\r\ny\",z\n", `"a""b",c`, "a,\n\n,b\r\n", dcFixture} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := csv.NewReader(strings.NewReader(in))
		r.FieldsPerRecord = -1
		want, err := r.ReadAll()
		if err != nil || strings.ContainsAny(in, "\x00") {
			scanAll(t, in) // must not panic
			return
		}
		got, _, err := scanAll(t, in)
		if err != nil {
			t.Fatalf("csvScan: %v on input encoding/csv reads", err)
		}
		// Blank records (which callers skip) are dropped on both sides.
		blankRec := func(r []string) bool { return len(r) == 1 && strings.TrimRight(r[0], "\r") == "" }
		got = slices.DeleteFunc(got, blankRec)
		want = slices.DeleteFunc(want, blankRec)
		if len(want) == 0 {
			want = nil
		}
		if len(got) == 0 {
			got = nil
		}
		assert.Equal(t, want, got)
	})
}

// readHeadAll reads in with ReadHead(n), putting each record back together
// with splitRest where ReadHead split only its head, and reports how many
// records took that path.
func readHeadAll(t *testing.T, in string, n int) ([][]string, []int, int, error) {
	t.Helper()
	s := newCSVScan(strings.NewReader(in))
	var out [][]string
	var lines []int
	heads := 0
	for {
		rec, rest, ok, err := s.ReadHead(n)
		if err == io.EOF {
			return out, lines, heads, nil
		}
		if err != nil {
			return out, lines, heads, err
		}
		if ok {
			if len(rec) != n {
				t.Fatalf("ReadHead(%d) split %d fields", n, len(rec))
			}
			heads++
			rec = splitRest(rec, rest)
		}
		var r []string
		for _, f := range rec {
			r = append(r, string(f))
		}
		out = append(out, r)
		lines = append(lines, s.start)
	}
}

// ReadHead, with the rest split by splitRest, gives Read's records, line
// numbers and errors; it splits only the head of one-line records without
// quotes.
func TestCSVScanReadHead(t *testing.T) {
	in := "a,b,c,d\n" + `"q",b,c` + "\n" + "x,y\n\n" + "1,2,3\r\n" + "e,\"f\ng\",h\n" + "p,q,r,s,t"
	for n := 0; n <= 5; n++ {
		want, wlines, err := scanAll(t, in)
		require.NoError(t, err)
		got, glines, heads, err := readHeadAll(t, in, n)
		require.NoError(t, err)
		assert.Equal(t, want, got, "n=%d", n)
		assert.Equal(t, wlines, glines, "n=%d", n)
		wantHeads := 0
		for i, r := range want {
			if len(r) > n && !strings.Contains(strings.Split(in, "\n")[wlines[i]-1], `"`) {
				wantHeads++
			}
		}
		assert.Equal(t, wantHeads, heads, "n=%d", n)
	}
	_, _, _, err := readHeadAll(t, "a,\"open\nno close", 1)
	assert.ErrorIs(t, err, errCSVQuote)
}

// FuzzCSVScanReadHead checks ReadHead plus splitRest against Read on any
// input.
func FuzzCSVScanReadHead(f *testing.F) {
	for _, s := range []string{"a,b\nc,d\n", "\"x\r\ny\",z\n", `"a""b",c`, "a,\n\n,b\r\n", dcFixture} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, in string, n uint8) {
		want, wlines, werr := scanAll(t, in)
		got, glines, _, gerr := readHeadAll(t, in, int(n%12))
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Fatalf("errors: Read %v, ReadHead %v", werr, gerr)
		}
		assert.Equal(t, want, got)
		assert.Equal(t, wlines, glines)
	})
}
