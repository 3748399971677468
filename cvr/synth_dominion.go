package cvr

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Writers of the two Dominion exports (FORMATS.md sections a and f-1), in
// the shape the readers in dominion_json.go and dominion_csv.go expect.

// synthDominionVersion is the software version written in the exports.
const synthDominionVersion = "5.10.50.85"

// synthCSVField appends s to b as one CSV field, quoted when it must be.
func synthCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || s[0] != ' ') {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// dominionHeader returns the contest header cell of contest c as the
// Dominion CSV export writes it.
func (s *Synth) dominionHeader(c *synthContest) string {
	if c.ranks > 0 {
		return fmt.Sprintf("%s (Number of positions=1, Number of ranks=%d)", c.spec.Name, c.ranks)
	}
	return fmt.Sprintf("%s (Vote For=%d)", c.spec.Name, c.exportFor)
}

// voteCells sets, for the card g made last, the cells of the one-column-
// per-choice (and rank) layout of synthColumns that Dominion CSV and Clear
// Ballot share: '1' for a mark, '0' for none, 0 (an empty cell) for a
// contest not on the card.
func (g *synthGen) voteCells(cells []byte, start []int) {
	clear(cells)
	for k := range g.raw {
		r := &g.raw[k]
		c := &g.s.contests[r.c]
		st := start[r.c]
		for x := range c.choices * max(c.ranks, 1) {
			cells[st+x] = '0'
		}
		for _, m := range g.marks[r.cvr[0]:r.cvr[1]] {
			col := st + int(m.Choice)
			if c.ranks > 0 {
				col += (int(m.Rank) - 1) * c.choices
			}
			cells[col] = '1'
		}
	}
}

// synthColumns is the layout of the vote columns: contest c's columns start
// at start[c]; a ranked contest's are rank-major (A(1), B(1), A(2), ...).
func (s *Synth) synthColumns() (start []int, total int) {
	start = make([]int, len(s.contests))
	for i, c := range s.contests {
		start[i] = total
		total += c.choices * max(c.ranks, 1)
	}
	return start, total
}

var dominionMeta = []string{"CvrNumber", "TabulatorNum", "BatchId", "RecordId", "ImprintedId", "CountingGroup", "PrecinctPortion", "BallotType"}

// WriteDominionCSV writes the CVRs of jurisdiction jur ("" for all) as a
// Dominion "CVR_Export.csv": four header rows (election and version;
// contest per column; choice per column; metadata names), then one row per
// card with a CVR: "1" for a mark, "0" for none, empty cells for a contest
// not on the card. An overvote is written as its marks, as Dominion does.
// The output is streamed through a buffer, so any number of cards is fine.
func (s *Synth) WriteDominionCSV(w io.Writer, jur string) error {
	lo, hi, err := s.jurRange(jur)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, synthBufSize)
	start, ncols := s.synthColumns()
	width := len(dominionMeta) + ncols
	var b []byte
	row := func(cells func(b []byte, col int) []byte) error {
		b = b[:0]
		for col := range width {
			if col > 0 {
				b = append(b, ',')
			}
			b = cells(b, col)
		}
		b = append(b, '\r', '\n')
		_, err := bw.Write(b)
		return err
	}
	nm := len(dominionMeta)
	// Header rows.
	colContest := make([]int, ncols)
	for ci, c := range s.contests {
		for k := range c.choices * max(c.ranks, 1) {
			colContest[start[ci]+k] = ci
		}
	}
	headers := make([]string, len(s.contests))
	for ci := range s.contests {
		headers[ci] = s.dominionHeader(&s.contests[ci])
	}
	rows := []func(b []byte, col int) []byte{
		func(b []byte, col int) []byte {
			switch col {
			case 0:
				return synthCSVField(b, s.cfg.Name)
			case 1:
				return append(b, synthDominionVersion...)
			}
			return b
		},
		func(b []byte, col int) []byte {
			if col < nm {
				return b
			}
			return synthCSVField(b, headers[colContest[col-nm]])
		},
		func(b []byte, col int) []byte {
			if col < nm {
				return b
			}
			ci := colContest[col-nm]
			c := &s.contests[ci]
			k := col - nm - start[ci]
			name := s.el.Contests[c.idx].Choices[k%c.choices].Name
			if c.ranks > 0 {
				name += "(" + strconv.Itoa(k/c.choices+1) + ")"
			}
			return synthCSVField(b, name)
		},
		func(b []byte, col int) []byte {
			if col < nm {
				return append(b, dominionMeta[col]...)
			}
			return b
		},
	}
	for _, r := range rows {
		if err := row(r); err != nil {
			return fmt.Errorf("cvr: synth: dominion-csv: %w", err)
		}
	}
	// Card rows: the vote cells are built in one byte slice per card.
	cells := make([]byte, ncols)
	g := s.newGen()
	var cvrNumber int64
	for i := lo; i < hi; i++ {
		g.gen(i)
		if g.missing {
			continue
		}
		cvrNumber++
		g.voteCells(cells, start)
		bt := &s.batches[g.batch]
		st := &s.styles[g.style]
		b = strconv.AppendInt(b[:0], cvrNumber, 10)
		b = append(append(b, ','), g.tabStr...)
		b = append(append(b, ','), g.numStr...)
		b = strconv.AppendInt(append(b, ','), g.pos, 10)
		b = append(append(b, ','), g.idBuf...)
		b = append(append(b, ','), s.countingGroup(bt)...)
		b = synthCSVField(append(b, ','), st.precinct)
		b = synthCSVField(append(b, ','), st.name)
		for _, x := range cells {
			b = append(b, ',')
			if x != 0 {
				b = append(b, x)
			}
		}
		b = append(b, '\r', '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("cvr: synth: dominion-csv: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: dominion-csv: %w", err)
	}
	return nil
}

// SynthDominionCSV writes a synthetic Dominion CVR_Export.csv of the given
// number of cards: NewSynthConfig's defaults with six contests of mixed
// kinds (SynthContests) and one error in a thousand cards. It is the
// standard input of the Dominion reader benchmarks.
func SynthDominionCSV(w io.Writer, cards int, seed uint64) error {
	s, err := NewSynth(synthBenchConfig(cards, seed))
	if err != nil {
		return err
	}
	return s.WriteDominionCSV(w, "")
}

// SynthDominionJSON writes a synthetic Dominion JSON export of the given
// number of cards through create (the manifests and CvrExport_N.json
// files); see SynthDominionCSV for the election.
func SynthDominionJSON(create CreateFunc, cards int, seed uint64) error {
	s, err := NewSynth(synthBenchConfig(cards, seed))
	if err != nil {
		return err
	}
	return s.WriteDominionJSON(create, "")
}

func synthBenchConfig(cards int, seed uint64) SynthConfig {
	cfg := NewSynthConfig(cards, seed)
	cfg.Contests = SynthContests(6, 0.05)
	cfg.Errors = SplitSynthErrors(0.001)
	return cfg
}

// SynthJSONSessionsPerFile is the number of sessions (cards) per
// CvrExport_N.json file that WriteDominionJSON writes, as Dominion splits
// large exports.
const SynthJSONSessionsPerFile = 100_000

// Outstack condition IDs of the Dominion manifest (FORMATS.md section a).
const (
	djUndervote   = 4
	djOvervote    = 5
	djBlankContst = 6
)

// WriteDominionJSON writes the CVRs of jurisdiction jur ("" for all) as a
// Dominion JSON export through create: ContestManifest.json,
// CandidateManifest.json, BallotTypeManifest.json,
// BallotTypeContestManifest.json, CountingGroupManifest.json,
// PrecinctPortionManifest.json, OutstackConditionManifest.json, and the
// sessions in CvrExport_0.json, CvrExport_1.json, ... of at most
// SynthJSONSessionsPerFile sessions each. Every card is its own session
// (as in San Francisco's exports) with PaperIndex its sheet number; an
// overvoted contest has Overvotes 1 and its marks IsVote false.
func (s *Synth) WriteDominionJSON(create CreateFunc, jur string) error {
	lo, hi, err := s.jurRange(jur)
	if err != nil {
		return err
	}
	if err := s.writeDominionManifests(create); err != nil {
		return err
	}
	candBase := make([]int, len(s.contests))
	next := 1
	for i, c := range s.contests {
		candBase[i] = next
		next += c.choices
	}
	name, _ := json.Marshal(s.cfg.Name)
	g := s.newGen()
	var (
		f        io.WriteCloser
		bw       *bufio.Writer
		fileName string
		inFile   int
		files    int
		cardID   int64
		b        []byte
	)
	closeFile := func() error {
		if f == nil {
			return nil
		}
		bw.WriteString("]}\r\n")
		err := bw.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		f = nil
		if err != nil {
			return fmt.Errorf("cvr: synth: %s: %w", fileName, err)
		}
		return nil
	}
	for i := lo; i < hi; i++ {
		g.gen(i)
		if g.missing {
			continue
		}
		if f == nil || inFile == SynthJSONSessionsPerFile {
			if err := closeFile(); err != nil {
				return err
			}
			fileName = "CvrExport_" + strconv.Itoa(files) + ".json"
			files++
			if f, err = create(fileName); err != nil {
				return err
			}
			if bw == nil {
				bw = bufio.NewWriterSize(f, synthBufSize)
			} else {
				bw.Reset(f)
			}
			bw.WriteString(`{"Version":"` + synthDominionVersion + `","ElectionId":`)
			bw.Write(name)
			bw.WriteString(`,"Sessions":[`)
			inFile = 0
		}
		cardID++
		b = s.appendSession(b[:0], g, inFile > 0, cardID, candBase)
		inFile++
		if _, err := bw.Write(b); err != nil {
			f.Close()
			return fmt.Errorf("cvr: synth: %s: %w", fileName, err)
		}
	}
	if f == nil { // no CVR at all: an empty export still has its file
		if f, err = create("CvrExport_0.json"); err != nil {
			return err
		}
		fileName = "CvrExport_0.json"
		bw = bufio.NewWriter(f)
		bw.WriteString(`{"Version":"` + synthDominionVersion + `","ElectionId":`)
		bw.Write(name)
		bw.WriteString(`,"Sessions":[`)
	}
	return closeFile()
}

// appendSession appends the JSON of the card g made last as one session.
func (s *Synth) appendSession(b []byte, g *synthGen, comma bool, cardID int64, candBase []int) []byte {
	bt := &s.batches[g.batch]
	if comma {
		b = append(b, ',')
	}
	b = append(b, "\r\n"...)
	group := 1
	if s.countingGroup(bt) != "Election Day" {
		group = 2
	}
	b = append(b, `{"TabulatorId":`...)
	b = append(b, g.tabStr...)
	b = append(b, `,"BatchId":`...)
	b = append(b, g.numStr...)
	b = append(b, `,"RecordId":`...)
	b = strconv.AppendInt(b, g.pos, 10)
	b = append(b, `,"CountingGroupId":`...)
	b = strconv.AppendInt(b, int64(group), 10)
	b = fmt.Appendf(b, `,"ImageMask":"D:\\NAS\\Results\\Tabulator%05d\\Batch%03d\\Images\\%05d_%05d_%06d*.*"`, bt.tab, bt.num, bt.tab, bt.num, g.pos)
	b = append(b, `,"SessionType":"ScannedVote","VotingSessionIdentifier":"","UniqueVotingIdentifier":"","Original":{"PrecinctPortionId":`...)
	b = strconv.AppendInt(b, int64(g.style+1), 10)
	b = append(b, `,"BallotTypeId":`...)
	b = strconv.AppendInt(b, int64(g.style+1), 10)
	b = append(b, `,"IsCurrent":true,"Cards":[{"Id":`...)
	b = strconv.AppendInt(b, cardID, 10)
	b = append(b, `,"KeyInId":`...)
	b = strconv.AppendInt(b, cardID, 10)
	b = append(b, `,"PaperIndex":`...)
	b = strconv.AppendInt(b, g.i%int64(s.k), 10)
	b = append(b, `,"Contests":[`...)
	for k := range g.raw {
		r := &g.raw[k]
		c := &s.contests[r.c]
		m := g.marks[r.cvr[0]:r.cvr[1]]
		if k > 0 {
			b = append(b, ',')
		}
		over := c.ranks == 0 && len(m) > c.exportFor
		under := 0
		switch {
		case c.ranks > 0 && len(m) == 0:
			under = 1
		case c.ranks == 0 && !over:
			under = c.exportFor - len(m)
		}
		b = append(b, `{"Id":`...)
		b = strconv.AppendInt(b, int64(r.c+1), 10)
		b = append(b, `,"ManifestationId":`...)
		b = strconv.AppendInt(b, int64(1000*(r.c+1)+g.style+1), 10)
		b = append(b, `,"Undervotes":`...)
		b = strconv.AppendInt(b, int64(under), 10)
		b = append(b, `,"Overvotes":`...)
		if over {
			b = append(b, `1,"OutstackConditionIds":[5],"Marks":[`...)
		} else {
			b = append(b, '0')
			switch {
			case len(m) == 0:
				b = append(b, `,"OutstackConditionIds":[4,6],"Marks":[`...)
			case under > 0:
				b = append(b, `,"OutstackConditionIds":[4],"Marks":[`...)
			default:
				b = append(b, `,"OutstackConditionIds":[],"Marks":[`...)
			}
		}
		for x, sel := range m {
			if x > 0 {
				b = append(b, ',')
			}
			rank := int64(1)
			if c.ranks > 0 {
				rank = int64(sel.Rank)
			}
			b = append(b, `{"CandidateId":`...)
			b = strconv.AppendInt(b, int64(candBase[r.c]+int(sel.Choice)), 10)
			b = append(b, `,"ManifestationId":`...)
			b = strconv.AppendInt(b, int64(100000+candBase[r.c]+int(sel.Choice)), 10)
			b = append(b, `,"PartyId":0,"Rank":`...)
			b = strconv.AppendInt(b, rank, 10)
			b = append(b, `,"MarkDensity":`...)
			b = strconv.AppendInt(b, int64(60+(g.i+int64(x))%40), 10)
			if over {
				b = append(b, `,"IsAmbiguous":false,"IsVote":false,"OutstackConditionIds":[5]}`...)
			} else {
				b = append(b, `,"IsAmbiguous":false,"IsVote":true,"OutstackConditionIds":[]}`...)
			}
		}
		b = append(b, "]}"...)
	}
	b = append(b, `],"OutstackConditionIds":[]}]}}`...)
	return b
}

// writeDominionManifests writes the *Manifest.json files of the JSON export.
func (s *Synth) writeDominionManifests(create CreateFunc) error {
	type item = map[string]any
	write := func(name string, list []item) error {
		return writeOne(create, name, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			return enc.Encode(map[string]any{"Version": synthDominionVersion, "List": list})
		})
	}
	var contests, cands, styles, styleContests, precincts []item
	next := 1
	for i, c := range s.contests {
		writeIns := 0
		ec := s.el.Contests[c.idx]
		for k, ch := range ec.Choices {
			typ := "Regular"
			if ch.WriteIn {
				typ = "WriteIn"
				writeIns++
			}
			cands = append(cands, item{"Description": ch.Name, "Id": next + k, "ExternalId": nil, "ContestId": i + 1, "Type": typ, "Disabled": 0})
		}
		next += c.choices
		contests = append(contests, item{"Description": c.spec.Name, "Id": i + 1, "ExternalId": nil, "DistrictId": i + 1,
			"VoteFor": c.exportFor, "NumOfRanks": c.ranks, "NumOfWriteins": writeIns, "Disabled": 0})
	}
	for i, st := range s.styles {
		styles = append(styles, item{"Description": st.name, "Id": i + 1, "ExternalId": nil})
		precincts = append(precincts, item{"Description": st.precinct, "Id": i + 1, "ExternalId": nil, "PrecinctId": i + 1})
		for _, sc := range st.contests {
			styleContests = append(styleContests, item{"BallotTypeId": i + 1, "ContestId": sc.c + 1})
		}
	}
	groups := []item{{"Description": "Election Day", "Id": 1}, {"Description": "Vote by Mail", "Id": 2}}
	var outstack []item
	for _, o := range []struct {
		id   int
		desc string
	}{{0, "Ambiguous"}, {1, "Writein"}, {2, "BlankBallot"}, {djUndervote, "Undervote"}, {djOvervote, "Overvote"},
		{djBlankContst, "BlankContest"}, {7, "InvalidContest"}, {9, "OvervotedRanking"}, {11, "SkippedRanking"}} {
		outstack = append(outstack, item{"Description": o.desc, "Id": o.id})
	}
	for _, m := range []struct {
		name string
		list []item
	}{
		{"ContestManifest.json", contests}, {"CandidateManifest.json", cands},
		{"BallotTypeManifest.json", styles}, {"BallotTypeContestManifest.json", styleContests},
		{"CountingGroupManifest.json", groups}, {"PrecinctPortionManifest.json", precincts},
		{"OutstackConditionManifest.json", outstack},
	} {
		if err := write(m.name, m.list); err != nil {
			return err
		}
	}
	return nil
}
