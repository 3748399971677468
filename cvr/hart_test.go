package cvr

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hartSheet writes one Verity sheet in the layout of FORMATS.md section c
// (our own fixture): a byte-order mark and no newlines, as Verity writes.
func hartSheet(guid, batch, seq, contests string) []byte {
	return []byte("\xEF\xBB\xBF" + `<?xml version="1.0" encoding="utf-8"?><Cvr xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://tempuri.org/CVRDesign.xsd"><Contests>` +
		contests + `</Contests><BatchSequence>` + seq + `</BatchSequence><SheetNumber>1</SheetNumber><PrecinctSplit><Name>0104</Name><Id>p-104</Id></PrecinctSplit><BatchNumber>` +
		batch + `</BatchNumber><CvrGuid>` + guid + `</CvrGuid></Cvr>`)
}

func hartOpt(name, id, value string) string {
	if name == "" {
		return `<Option><Id>` + id + `</Id><Value>` + value + `</Value><WriteInData><Text /><ImageId>img</ImageId><WriteInDataStatus>Unresolved</WriteInDataStatus></WriteInData></Option>`
	}
	return `<Option><Name>` + name + `</Name><Id>` + id + `</Id><Value>` + value + `</Value></Option>`
}

func hartContestXML(name, id, extra string, opts ...string) string {
	o := "<Options />"
	if len(opts) > 0 {
		o = "<Options>" + strings.Join(opts, "") + "</Options>"
	}
	return `<Contest><Name>` + name + `</Name><Id>` + id + `</Id>` + o + extra + `</Contest>`
}

const hartScanCSV = `#FormatVersion 1
#BatchId,Workstation,VotingType,VotingMethod,ScanSequence,Precinct,PageNumber,UniqueIdentifier,VariationNumber,Language,Party,Status,RejectReason,VoterIntentIssues,vDriveDeviceDataId,CvrId
7,"SCAN-01","Election Day","Paper",1,"0104",1,"0007000101",0,"English",,"Scanned",,False,"x","guid-a"
7,"SCAN-01","Election Day","Paper",1,"0104",2,"0007000101",0,"English",,"Scanned",,False,"x","guid-a"
7,"SCAN-01","Election Day","Paper",2,"0104",1,"0007000102",0,"English",,"Scanned",,False,"x","guid-b"
8,"SCAN-02","Absentee Voting","Paper",1,"0104",1,"0008000001",0,"English",,"Scanned",,False,"x","guid-c"
`

func hartFixture(archives bool) []File {
	mayor := func(extra string, opts ...string) string { return hartContestXML("Mayor", "c-mayor", extra, opts...) }
	council := func(extra string, opts ...string) string {
		return hartContestXML("City  Council", "c-council", extra, opts...)
	}
	measure := func(extra string, opts ...string) string {
		return hartContestXML("Measure A", "c-measure", extra, opts...)
	}
	a := hartSheet("guid-a", "7", "1", mayor("", hartOpt("Xi", "o-x", "100"), hartOpt("Yu", "o-y", "010"))+
		council("<Undervotes>1</Undervotes>", hartOpt("Ann", "o-ann", "1"))+
		measure("", hartOpt("Yes", "o-yes", "1")))
	b := hartSheet("guid-b", "7", "2", mayor("<Overvoted />", hartOpt("Xi", "o-x", "100"), hartOpt("Yu", "o-y", "101"))+
		council("", hartOpt("Ann", "o-ann", "1"), hartOpt("", "o-wi", "1"))+
		measure("<Undervotes>1</Undervotes>"))
	c := hartSheet("guid-c", "8", "1", mayor("<Undervotes>3</Undervotes>")+
		council("<Overvoted />", hartOpt("Ann", "o-ann", "1"), hartOpt("Bo", "o-bo", "1"), hartOpt("", "o-wi", "1")))
	ta, tb := "export/", "export/"
	if archives {
		ta, tb = "TAB1.zip:", "TAB2.zip:"
	}
	return []File{
		BytesFile("export/ScannedBallotInformation.csv", []byte(hartScanCSV)),
		BytesFile(ta+"1_guid-a.xml", a),
		BytesFile(ta+"1_guid-a.xml.sig.xml", []byte("<Signature/>")),
		BytesFile(ta+"WriteIn/img.png", []byte("\x89PNG")),
		BytesFile(ta+"guid-b.xml", b),
		BytesFile(tb+"guid-c.xml", c),
	}
}

func TestHartFixture(t *testing.T) {
	e, cards, warnings, err := readBytes("hart", hartFixture(false)...)
	require.NoError(t, err)
	assert.Empty(t, warnings)
	require.Equal(t, 3, cards.Len())
	require.Len(t, e.Contests, 3)
	mayor, council, measure := e.Contest(0), e.Contest(1), e.Contest(2)
	assert.Equal(t, 3, mayor.Ranks, "ranks from the bit-string length")
	assert.Equal(t, "City Council", council.Name)
	assert.Equal(t, 2, council.VoteFor, "1 selection + 1 undervote")
	assert.Equal(t, 1, measure.VoteFor)
	assert.Equal(t, []Choice{{ID: "o-ann", Name: "Ann"}, {ID: "o-wi", Name: "Write-in", WriteIn: true}, {ID: "o-bo", Name: "Bo"}}, council.Choices)

	type vote struct {
		flags Flags
		sel   []Selection
	}
	tests := []struct {
		id, imprinted, group string
		batch                BatchKey
		pos                  int
		votes                map[ContestIndex]vote
	}{
		{"guid-a", "0007000101", "Election Day", BatchKey{Tabulator: "SCAN-01", Batch: "7"}, 1, map[ContestIndex]vote{
			0: {0, []Selection{{Choice: 0, Rank: 1}, {Choice: 1, Rank: 2}}},
			1: {Undervote, []Selection{{Choice: 0}}},
			2: {0, []Selection{{Choice: 0}}},
		}},
		{"guid-b", "0007000102", "Election Day", BatchKey{Tabulator: "SCAN-01", Batch: "7"}, 2, map[ContestIndex]vote{
			// Xi and Yu both at rank 1; Yu again at 3: raw pairs in rank order.
			0: {Overvote, []Selection{{Choice: 0, Rank: 1}, {Choice: 1, Rank: 1}, {Choice: 1, Rank: 3}}},
			1: {0, []Selection{{Choice: 0}, {Choice: 1}}},
			2: {Undervote, nil},
		}},
		{"guid-c", "0008000001", "Absentee Voting", BatchKey{Tabulator: "SCAN-02", Batch: "8"}, 1, map[ContestIndex]vote{
			0: {Undervote, nil},
			1: {Overvote, nil},
		}},
	}
	for i, tt := range tests {
		c := cards.Card(i)
		assert.Equal(t, tt.id, c.ID)
		assert.Equal(t, tt.imprinted, c.ImprintedID)
		assert.Equal(t, tt.group, c.CountingGroup)
		assert.Equal(t, tt.batch, c.Batch)
		assert.Equal(t, tt.pos, c.Position)
		assert.Equal(t, "0104", c.Precinct)
		assert.Equal(t, len(tt.votes), c.Votes.Len(), "card %s contests", tt.id)
		for ci, want := range tt.votes {
			cv, ok := c.Votes.Get(ci)
			require.True(t, ok, "card %s contest %d", tt.id, ci)
			assert.Equal(t, want.flags, cv.Flags, "card %s contest %d flags", tt.id, ci)
			assert.Equal(t, len(want.sel), cv.Len(), "card %s contest %d", tt.id, ci)
			if len(want.sel) > 0 {
				assert.Equal(t, want.sel, cv.Selections(), "card %s contest %d", tt.id, ci)
			}
		}
	}

	// One archive per tabulator: the archive names are the tabulators.
	_, cards, _, err = readBytes("hart", hartFixture(true)...)
	require.NoError(t, err)
	assert.Equal(t, BatchKey{Tabulator: "TAB1", Batch: "7"}, cards.Card(0).Batch)
	assert.Equal(t, BatchKey{Tabulator: "TAB2", Batch: "8"}, cards.Card(2).Batch)
	assert.Equal(t, "0008000001", cards.Card(2).ImprintedID)
}

func TestHartErrors(t *testing.T) {
	ok := hartContestXML("M", "c1", "", hartOpt("A", "a", "1"))
	tests := []struct {
		name  string
		files []File
		want  []string
	}{
		{"bad value", []File{BytesFile("s.xml", hartSheet("g", "1", "1", hartContestXML("M", "c1", "", hartOpt("A", "a", "12"))))},
			[]string{"s.xml", "Cvr/Contests/Contest[1]/Options/Option[1]/Value", `"12"`}},
		{"bad sequence", []File{BytesFile("s.xml", hartSheet("g", "1", "x", ok))}, []string{"s.xml", "Cvr/BatchSequence", `"x"`}},
		{"no guid", []File{BytesFile("s.xml", hartSheet("", "1", "1", ok))}, []string{"s.xml", "Cvr/CvrGuid"}},
		{"duplicate guid", []File{BytesFile("s1.xml", hartSheet("g", "1", "1", ok)), BytesFile("s2.xml", hartSheet("g", "1", "2", ok))},
			[]string{"s2.xml", "CvrGuid", `"g"`, "s1.xml"}},
		{"one id two names", []File{BytesFile("s1.xml", hartSheet("g1", "1", "1", ok)), BytesFile("s2.xml", hartSheet("g2", "1", "2", hartContestXML("N", "c1", "")))},
			[]string{"s2.xml", "Contest[1]/Id", `"c1"`, `"N"`, `"M"`, "s1.xml"}},
		{"bad undervotes", []File{BytesFile("s.xml", hartSheet("g", "1", "1", hartContestXML("M", "c1", "<Undervotes>-1</Undervotes>")))}, []string{"s.xml", "Undervotes", `"-1"`}},
		{"truncated", []File{BytesFile("s.xml", hartSheet("g", "1", "1", ok)[:200])}, []string{"s.xml line 1"}},
		{"not a Cvr", []File{BytesFile("s.xml", []byte(`<?xml version="1.0"?><Other/>`))}, []string{"s.xml", "root element Other"}},
		{"no xml", []File{BytesFile("scan.csv", []byte(hartScanCSV))}, []string{"no CVR XML files"}},
		{"scan conflict", []File{BytesFile("scan.csv", []byte(hartScanCSV+`7,"SCAN-09","Election Day","Paper",1,"0104",1,"0007000101",0,"English",,"Scanned",,False,"x","guid-a"`+"\n")),
			BytesFile("s.xml", hartSheet("guid-a", "1", "1", ok))}, []string{"scan.csv line 7", `CvrId "guid-a"`, "SCAN-09", "scan.csv line 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := readBytes("hart", tt.files...)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestHartDetect(t *testing.T) {
	f, _ := LookupFormat("hart")
	files := hartFixture(false)
	assert.True(t, f.Detect(files[0].Name, []byte(hartScanCSV)))
	assert.True(t, f.Detect(files[1].Name, hartSheet("g", "1", "1", "")))
	assert.False(t, f.Detect("x.xml.sig.xml", hartSheet("g", "1", "1", "")))
	assert.False(t, f.Detect("x.xml", []byte(`<?xml version="1.0"?><CastVoteRecordReport xmlns="http://itl.nist.gov/ns/voting/1500-103/v1"/>`)))
	assert.False(t, f.Detect("x.csv", []byte(cbFixture)))
	fm, err := DetectFormat(files)
	require.NoError(t, err)
	assert.Equal(t, "hart", fm.Name)
}

// hartNode is a generic XML element, for the independent count.
type hartNode struct {
	XMLName xml.Name
	Nodes   []hartNode `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *hartNode) child(name string) *hartNode {
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == name {
			return &n.Nodes[i]
		}
	}
	return nil
}

// hartIndependentTally counts Verity sheets with generic XML decoding: per
// contest (spaces collapsed) and option (or "Write-in") and rank, the
// listed options, leaving out the unranked contests marked <Overvoted/> or
// listing more options than voteFor allows (ranked ones keep their raw
// rankings).
func hartIndependentTally(t *testing.T, dir string, voteFor map[string]int) (map[choiceKey]int, int) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	require.NoError(t, err)
	counts := map[choiceKey]int{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		b = []byte(strings.TrimPrefix(string(b), "\xEF\xBB\xBF"))
		var root hartNode
		require.NoError(t, xml.Unmarshal(b, &root), p)
		for _, c := range root.child("Contests").Nodes {
			name := strings.Join(strings.Fields(c.child("Name").Text), " ")
			opts := c.child("Options").Nodes
			vf, plural := voteFor[name]
			if plural && (c.child("Overvoted") != nil || len(opts) > vf) {
				continue
			}
			for _, o := range opts {
				choice := "Write-in"
				if n := o.child("Name"); n != nil {
					choice = n.Text
				}
				v := o.child("Value").Text
				if plural {
					counts[choiceKey{name, choice, 0}]++
					continue
				}
				for i, bit := range v {
					if bit == '1' {
						counts[choiceKey{name, choice, i + 1}]++
					}
				}
			}
		}
	}
	return counts, len(paths)
}

func TestHartSharedSamples(t *testing.T) {
	dir := sharedFile(t, "hart/rctab-hart-archive")
	files, err := OpenFiles(dir)
	require.NoError(t, err)
	fm, err := DetectFormat(files)
	require.NoError(t, err)
	assert.Equal(t, "hart", fm.Name)
	e, cards, warnings := readExport(t, "", dir)
	assert.Empty(t, warnings)
	assert.Equal(t, 18, cards.Len(), "shared SOURCES.md: 18 files, one sheet each")
	// Votes allowed as the sheets show them (s + Undervotes), checked by
	// hand against the files; "IND SP Contest Vote for 2" says it in its name.
	voteFor := map[string]int{"Party Selector Contest": 1, "US PRESIDENT": 1, "US SENATOR": 2, "IND SP Contest Vote for 2": 2,
		"Contest with 2 Line Write-Ins only": 1, "TRAVIS COUNTY OFFICERS": 3, "AUSTIN LIBRARY OFFICE": 1, "AMENDMENT 1": 1}
	ranks := map[string]int{"CEDAR PARK SCHOOL BOARD": 6, "PFLUGERVILLE COUNTY OFFICERS": 10}
	require.Len(t, e.Contests, len(voteFor)+len(ranks))
	for _, c := range e.Contests {
		if r, ok := ranks[c.Name]; ok {
			assert.Equal(t, r, c.Ranks, c.Name)
		} else {
			assert.Equal(t, voteFor[c.Name], c.VoteFor, c.Name)
			assert.False(t, c.Ranked(), c.Name)
		}
	}
	want, n := hartIndependentTally(t, dir, voteFor)
	assert.Equal(t, n, cards.Len())
	assert.Equal(t, want, selectionCounts(e, cards))
	for c := range cards.All() {
		assert.Equal(t, "1", c.Batch.Batch)
		assert.Positive(t, c.Position)
	}
}

func TestHartSharedSHANGRLA(t *testing.T) {
	// SHANGRLA's synthetic sheets give PRESIDENT and MAYOR one contest Id:
	// the reader refuses to merge two contests silently.
	p := sharedFile(t, "hart/shangrla/test_Hart_CVR_1.xml")
	var e Election
	_, seq, err := Read(&e, "hart", Options{}, p)
	require.NoError(t, err)
	_, err = ReadAll(seq)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test_Hart_CVR_1.xml Cvr/Contests/Contest[3]/Id")
	assert.Contains(t, err.Error(), `"MAYOR"`)
}

func FuzzHart(f *testing.F) {
	files := hartFixture(false)
	sheet := func(i int) []byte {
		rc, err := files[i].Open()
		if err != nil {
			f.Fatal(err)
		}
		b := make([]byte, 1<<16)
		n, _ := rc.Read(b)
		return b[:n]
	}
	f.Add(sheet(1), sheet(4), []byte(hartScanCSV))
	f.Add(sheet(5), sheet(1), []byte(""))
	f.Fuzz(func(t *testing.T, a, b, scan []byte) {
		fuzzRead(t, "hart", BytesFile("scan.csv", scan), BytesFile("a.xml", a), BytesFile("b.xml", b))
	})
}
