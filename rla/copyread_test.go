package rla

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

// readVaried reads r to its end with reads of varied sizes, as parsers do.
func readVaried(t *testing.T, r io.Reader, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []byte
	buf := make([]byte, 3<<20)
	for {
		n, err := r.Read(buf[:1+rng.IntN(len(buf)-1)])
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The copier writes, hashes and gives its readers exactly the source's
// bytes, at sizes around its head, its chunks and the direct-write
// alignment; readers that read part and close, read the head only, or
// come after the stream is taken all see the same bytes.
func TestCopierBytes(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, size := range []int{0, 1, dioAlign - 1, dioAlign, dioAlign + 1, copyHead - 1, copyHead, copyHead + 1,
		copyChunk - 1, copyChunk, copyChunk + 1, 2*copyChunk + dioAlign + 17} {
		src := filepath.Join(dir, "src")
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rel := filepath.Join("inputs", "copy")
		c, err := startCopy(dir, "cvr", src, rel)
		if err != nil {
			t.Fatal(err)
		}
		// Detection: the first 4 KiB.
		head, _ := c.open()
		got, _ := io.ReadAll(io.LimitReader(head, 4096))
		head.Close()
		if !bytes.Equal(got, data[:min(size, 4096)]) {
			t.Fatalf("size %d: head differs", size)
		}
		main, _ := c.open()
		if got := readVaried(t, main, uint64(size)); !bytes.Equal(got, data) {
			t.Fatalf("size %d: the stream's reader read %d bytes, not the source's %d", size, len(got), size)
		}
		// A second full reader reads the copy.
		second, _ := c.open()
		if got := readVaried(t, second, 1); !bytes.Equal(got, data) {
			t.Fatalf("size %d: a second reader read %d bytes, not the source's %d", size, len(got), size)
		}
		main.Close()
		second.Close()
		in, err := c.finish()
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if in.SHA256 != hex.EncodeToString(sum[:]) || in.Bytes != int64(size) || in.Path != filepath.ToSlash(rel) {
			t.Fatalf("size %d: record %+v", size, in)
		}
		if copied, err := os.ReadFile(filepath.Join(dir, rel)); err != nil || !bytes.Equal(copied, data) {
			t.Fatalf("size %d: the copy differs from the source (%v)", size, err)
		}
		if err := checkInput(dir, in); err != nil {
			t.Fatal(err)
		}
	}
}

// A reader that stops early, or never reads, must not hold the copy up;
// one that opens while another holds the stream reads the copy.
func TestCopierReadersThatStop(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef\n"), (5*copyChunk)/17)
	src := filepath.Join(dir, "src")
	os.WriteFile(src, data, 0o644)
	for k, mode := range []string{"close-early", "never-read", "second-while-first-holds"} {
		rel := filepath.Join("inputs", mode)
		c, err := startCopy(dir, "cvr", src, rel)
		if err != nil {
			t.Fatal(err)
		}
		switch mode {
		case "close-early":
			r, _ := c.open()
			io.ReadFull(r, make([]byte, copyHead+copyChunk+5))
			r.Close()
		case "never-read":
		case "second-while-first-holds":
			first, _ := c.open()
			io.ReadFull(first, make([]byte, copyHead+10))
			second, _ := c.open()
			if got := readVaried(t, second, uint64(k)); !bytes.Equal(got, data) {
				t.Fatalf("%s: the second reader read %d bytes", mode, len(got))
			}
			// The first goes on from the copy.
			rest := readVaried(t, first, 2)
			if !bytes.Equal(rest, data[copyHead+10:]) {
				t.Fatalf("%s: the first reader read on %d bytes", mode, len(rest))
			}
			first.Close()
			second.Close()
		}
		in, err := c.finish()
		if err != nil {
			t.Fatal(err)
		}
		if in.Bytes != int64(len(data)) {
			t.Fatalf("%s: copied %d bytes of %d", mode, in.Bytes, len(data))
		}
	}
}

// commitInputs reads the CVRs while copying them; reading the copies
// afterwards, as Init did before, must give the same records, cards, tally
// and errors, for one file or a folder, a named format or detection, and
// a corrupt file.
func TestCommitInputsMatchesCopyThenRead(t *testing.T) {
	work := t.TempDir()
	// Large enough for several blocks of the parallel CSV reader and
	// several chunks of the copier.
	cfg := cvr.NewSynthConfig(40000, 41)
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.1}, {Name: "Measure", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.2, Coverage: 0.5},
		{Name: "Ranked", Kind: cvr.SynthRanked, Choices: 4, Margin: 0.1, Coverage: 0.7}}
	cfg.Errors = cvr.SplitSynthErrors(0.01)
	cfg.MissingRate = 0.01
	_, o := synthElection(t, work, cfg)
	// Folders of one file per card (Hart) are exported from a smaller
	// election: each copied file is synced.
	smallCfg := cfg
	smallCfg.Cards = 200
	small, err := cvr.NewSynth(smallCfg)
	if err != nil {
		t.Fatal(err)
	}
	smallManifest := filepath.Join(work, "small-manifest.csv")
	smallResults := filepath.Join(work, "small-results.csv")
	var mb, rb bytes.Buffer
	small.WriteManifest(&mb)
	small.WriteResults(&rb)
	os.WriteFile(smallManifest, mb.Bytes(), 0o644)
	os.WriteFile(smallResults, rb.Bytes(), 0o644)
	export := func(format string) string {
		p := filepath.Join(work, format)
		_, err := small.WriteExport(format, func(name string) (io.WriteCloser, error) {
			os.MkdirAll(filepath.Dir(filepath.Join(p, name)), 0o755)
			return os.Create(filepath.Join(p, name))
		})
		if err != nil {
			t.Fatal(err)
		}
		// The JSON folder is read while copied, the Hart folder (a file a
		// card) copied first: both ways are compared.
		specs, _ := inputCopies("cvr", 0, p)
		if (len(specs) <= maxCopiedWhileRead) != (format == "dominion-json") {
			t.Fatalf("%s: %d files: the test no longer covers both ways", format, len(specs))
		}
		return p
	}
	csv, _ := os.ReadFile(o.CVRs[0])
	corrupt := filepath.Join(work, "corrupt.csv")
	lines := strings.SplitAfter(string(csv), "\n")
	lines[len(lines)/2] = "1,2,\"unterminated\n"
	os.WriteFile(corrupt, []byte(strings.Join(lines, "")), 0o644)
	badFormat := filepath.Join(work, "notes.txt")
	os.WriteFile(badFormat, []byte("no CVRs here\n"), 0o644)

	wantErr := map[string]bool{"corrupt": true, "corrupt-detected": true, "undetected": true, "unknown-format": true, "missing": true}
	cases := []struct {
		name, format string
		cvrs         []string
		small        bool
	}{
		{"csv", "dominion-csv", o.CVRs, false},
		{"csv-detected", "", o.CVRs, false},
		{"csv-twice", "", []string{o.CVRs[0], o.CVRs[0]}, false},
		{"json-folder", "", []string{export("dominion-json")}, true},
		{"hart-folder", "hart", []string{export("hart")}, true},
		{"corrupt", "dominion-csv", []string{corrupt}, false},
		{"corrupt-detected", "", []string{corrupt}, false},
		{"undetected", "", []string{badFormat}, false},
		{"unknown-format", "no-such-format", o.CVRs, false},
		{"missing", "", []string{filepath.Join(work, "missing.csv")}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			oc := o
			oc.CVRs, oc.Format = tc.cvrs, tc.format
			if tc.small {
				oc.Manifest, oc.Results = smallManifest, smallResults
			}
			dir := filepath.Join(work, "new-"+tc.name)
			inputs, d, err := commitInputs(dir, oc, Config{Method: Comparison})

			// The former way: copy everything, then read the copies.
			ref := filepath.Join(work, "ref-"+tc.name)
			var refInputs []InputFile
			var refErr error
			add := func(role string, i int, p string) {
				if refErr == nil {
					var f []InputFile
					f, refErr = copyInput(ref, role, i, p)
					refInputs = append(refInputs, f...)
				}
			}
			add("manifest", 0, oc.Manifest)
			for i, p := range oc.CVRs {
				add("cvr", i, p)
			}
			add("results", 0, oc.Results)
			var refData *Data
			if refErr == nil {
				refData, refErr = loadCommitted(ref, refInputs, oc.Format, Config{Method: Comparison})
			}

			if (err != nil) != wantErr[tc.name] {
				t.Fatalf("error %v", err)
			}
			if (err == nil) != (refErr == nil) {
				t.Fatalf("error %v, reading the copies: %v", err, refErr)
			}
			if err != nil {
				if got, want := strings.ReplaceAll(err.Error(), dir, "DIR"), strings.ReplaceAll(refErr.Error(), ref, "DIR"); got != want {
					t.Fatalf("error\n%s\nreading the copies:\n%s", got, want)
				}
				t.Log(err)
				return
			}
			if !reflect.DeepEqual(inputs, refInputs) {
				t.Fatalf("inputs %+v\nreading the copies: %+v", inputs, refInputs)
			}
			if d.Format != refData.Format || d.Cards.Len() != refData.Cards.Len() {
				t.Fatalf("format %q, %d cards; reading the copies: %q, %d", d.Format, d.Cards.Len(), refData.Format, refData.Cards.Len())
			}
			for i := range d.Cards.Len() {
				if a, b := d.Cards.Card(i), refData.Cards.Card(i); !reflect.DeepEqual(a, b) {
					t.Fatalf("card %d: %+v\nreading the copies: %+v", i, a, b)
				}
			}
			// The tally counted while reading is Tabulate's over the stored cards.
			if tab, err := cvr.Tabulate(d.Election, d.Cards.All()); err != nil || !reflect.DeepEqual(tab, d.Tally) {
				t.Fatalf("the tally counted while reading differs from Tabulate's (%v)", err)
			}
			if !reflect.DeepEqual(d.Tally.Report(), refData.Tally.Report()) || !reflect.DeepEqual(d.Election, refData.Election) ||
				!reflect.DeepEqual(d.Manifest.Batches, refData.Manifest.Batches) || !reflect.DeepEqual(d.Results.Rows, refData.Results.Rows) {
				t.Fatal("the tally, election, manifest or results differ from reading the copies")
			}
		})
	}
}
