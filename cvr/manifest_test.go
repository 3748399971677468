package cvr

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadManifestRealFiles(t *testing.T) {
	// Batch and card counts counted independently with Python's csv module
	// (see testdata/manifests/SOURCES.md).
	tests := []struct {
		file          string
		batches       int
		cards         int64
		jurisdictions bool
		first         ManifestBatch
	}{
		{"co2024_HinsdaleBallotManifest.csv", 26, 618, true, ManifestBatch{Location: "Bin #1"}},
		{"sf2019_N19-manifest.csv", 5481, 293555, false, ManifestBatch{Container: "1", Location: "3"}},
		{"boulder2023_Boulder-IRV-Manifest.csv", 820, 119643, true, ManifestBatch{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := ReadManifestFile(filepath.Join("..", "testdata", "manifests", tt.file))
			require.NoError(t, err)
			assert.Len(t, m.Batches, tt.batches)
			assert.Equal(t, tt.cards, m.Cards())
			assert.Equal(t, tt.jurisdictions, m.Jurisdictions)
			assert.True(t, m.Tabulators)
			assert.Equal(t, tt.first.Location, m.Batches[0].Location)
			assert.Equal(t, tt.first.Container, m.Batches[0].Container)
			assert.Equal(t, 2, m.Batches[0].Line)
			sm, err := m.Sampling()
			require.NoError(t, err)
			assert.Equal(t, tt.cards, sm.Total())
		})
	}
}

func TestReadManifestForms(t *testing.T) {
	tests := []struct {
		name, text string
		want       []ManifestBatch
	}{
		{"arlo plain", "Batch Name,Number of Ballots\r\n1,117\r\n2,269\r\n",
			[]ManifestBatch{mb("", "", "1", 117, 2), mb("", "", "2", 269, 3)}},
		{"bom and container", "\uFEFFContainer,Tabulator,Batch Name,Number of Ballots,CVR\r\nBox 1,1,1,3,Y\r\n",
			[]ManifestBatch{{Batch: mb("", "1", "1", 3, 2).Batch, Container: "Box 1", CVRs: CVRYes, Line: 2}}},
		{"coloradorla quoted ids", "CountyID,ScannerID,BatchID,NumBallots,StorageLocation\nArapahoe,\"10\",\"2\",25,Bin 22\n",
			[]ManifestBatch{{Batch: mb("Arapahoe", "10", "2", 25, 2).Batch, Location: "Bin 22", Line: 2}}},
		{"excel cells and spaces", "Tabulator ID , Batch ,# of Ballots\n=\"7\",  Mail 3  ,=\"12\"\n\n,,\n",
			[]ManifestBatch{mb("", "7", "Mail 3", 12, 2)}},
		{"empty batch", "Batch,Ballots\nA,0\n", []ManifestBatch{mb("", "", "A", 0, 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadManifest(strings.NewReader(tt.text), "m.csv")
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.Batches)
		})
	}
}

func mb(j, tab, name string, cards, line int) ManifestBatch {
	b := ManifestBatch{Line: line}
	b.Jurisdiction, b.Tabulator, b.Name, b.Cards = j, tab, name, cards
	return b
}

func TestReadManifestWindows1252(t *testing.T) {
	// "Ypsilanti" with a Windows-1252 e-acute (0xE9) and a curly apostrophe (0x92).
	raw := []byte("Batch Name,Number of Ballots\r\nCaf\xe9 Precinct,10\r\nO\x92Brien,4\r\n")
	m, err := ReadManifest(strings.NewReader(string(raw)), "w.csv")
	require.NoError(t, err)
	assert.Equal(t, "Café Precinct", m.Batches[0].Name)
	assert.Equal(t, "O\u2019Brien", m.Batches[1].Name)

	// The Ann Arbor manifest Arlo keeps as its Windows-1252 test file.
	p := "/work/shared/testdata/real/manifests/arlo_windows1252-encoded.csv"
	if f, err := os.Open(p); err == nil {
		defer f.Close()
		m, err := ReadManifest(f, "arlo_windows1252-encoded.csv")
		require.NoError(t, err)
		assert.Equal(t, "City of Ann Arbor, Ward 1, Precinct 1", m.Batches[0].Name)
	}
}

func TestReadManifestUTF16(t *testing.T) {
	text := "Batch Name,Number of Ballots\nB1,5\n"
	le := []byte{0xFF, 0xFE}
	for _, r := range text {
		le = append(le, byte(r), 0)
	}
	m, err := ReadManifest(strings.NewReader(string(le)), "u.csv")
	require.NoError(t, err)
	assert.Equal(t, "B1", m.Batches[0].Name)
	assert.Equal(t, 5, m.Batches[0].Cards)
}

func TestReadManifestErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // substrings of the message
	}{
		{"empty file", "", []string{"m.csv", "empty file"}},
		{"header only", "Batch Name,Number of Ballots\n", []string{"no batches"}},
		{"missing count column", "Batch Name,Container\nA,1\n", []string{"line 1", "no cards column", `"Batch Name", "Container"`}},
		{"missing batch column", "Tabulator,Number of Ballots\n1,3\n", []string{"line 1", "no batch column"}},
		{"negative count", "Batch Name,Number of Ballots\nA,3\nB,-2\n", []string{"line 3", `"Number of Ballots"`, "negative"}},
		{"non-integer count", "Batch Name,Number of Ballots\nA,3.5\n", []string{"line 2", `"Number of Ballots"`, `"3.5"`, "whole number"}},
		{"empty count", "Batch Name,Number of Ballots\nA,\n", []string{"line 2", "empty"}},
		{"duplicate batch", "Tabulator,Batch Name,Number of Ballots\n1,A,3\n2,A,3\n1,A,4\n", []string{"line 4", "line 2", "repeats"}},
		{"totals row", "Batch Name,Number of Ballots\nA,3\nTotal,3\n", []string{"line 3", "totals row"}},
		{"totals row without a name", "Container,Batch Name,Number of Ballots\nBox,A,3\nTotal,,3\n", []string{"line 3", "totals row"}},
		{"empty batch name", "Batch Name,Number of Ballots\n,3\n", []string{"line 2", `"Batch Name"`, "empty"}},
		{"bad cvr flag", "Batch Name,Number of Ballots,CVR\nA,3,maybe\n", []string{"line 2", `"CVR"`}},
		{"two count columns", "Batch,NumBallots,Total Ballots\nA,1,1\n", []string{"line 1", "both"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadManifest(strings.NewReader(tt.text), "m.csv")
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrManifest), "error should wrap ErrManifest: %v", err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func FuzzReadManifest(f *testing.F) {
	f.Add([]byte("Batch Name,Number of Ballots\n1,117\n2,269\n"))
	f.Add([]byte("\uFEFFJurisdiction,Tabulator,Batch Name,Number of Ballots\nJ,1,1,3\nJ,,2,0\n"))
	f.Add([]byte("CountyID,ScannerID,BatchID,NumBallots,StorageLocation\nA,\"10\",\"2\",25,Bin 22\n"))
	f.Add([]byte("Batch,Ballots\n\"unterminated,3\n"))
	f.Add([]byte{0xFF, 0xFE, 'B', 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadManifest(strings.NewReader(string(data)), "fuzz.csv")
		if err != nil {
			if m != nil {
				t.Fatal("manifest returned with an error")
			}
			return
		}
		if len(m.Batches) == 0 {
			t.Fatal("no batches and no error")
		}
		seen := map[[3]string]bool{}
		for _, b := range m.Batches {
			if b.Cards < 0 || b.Name == "" || seen[b.Key()] {
				t.Fatalf("bad batch accepted: %+v", b)
			}
			seen[b.Key()] = true
		}
		if _, err := m.Sampling(); err != nil {
			t.Fatalf("a manifest that reads must convert: %v", err)
		}
	})
}
