package cvr

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Hart InterCivic Verity CVR export (FORMATS.md section c): one XML file
// per sheet, <CvrGuid>.xml (sometimes prefixed "1_"), in namespace
// http://tempuri.org/CVRDesign.xsd, often with a UTF-8 byte-order mark and
// no newlines, plus optional "Scanned Ballot Information" CSVs and files
// to ignore (WriteIn images, *.xml.sig.xml signatures).
//
//	<Cvr><Contests><Contest><Name/><Id/>
//	   <Options><Option><Name/><Id/><Value>1</Value>[<WriteInData>...</WriteInData>]</Option>...</Options>
//	   [<Undervotes>n</Undervotes>]</Contest>...</Contests>
//	 <BatchSequence/><SheetNumber/><PrecinctSplit><Name/><Id/></PrecinctSplit>
//	 <BatchNumber/><CvrGuid/></Cvr>
//
// Only selected options are listed. A ranked contest's Value is a bit
// string whose i-th character (1-based) is 1 when the option is ranked i.
// An overvoted contest carries an empty <Overvoted/> element and still
// lists its options (seen in the shared RCTab samples).
//
// The XML holds no contest metadata: the number of ranks is the length of
// the Value bit strings, and the number of votes allowed is inferred from
// the sheets, since a sheet with Undervotes u and s selections shows
// VoteFor = s + u, and a sheet with neither Undervotes nor Overvoted shows
// VoteFor <= s (a full vote, or an overvote Verity did not flag).
// Hence two passes over the files: the first interns the contests and
// choices with their inferred VoteFor and ranks, the second yields the
// cards, so that no card is yielded before its contest's metadata is
// final.
//
// The card ID is CvrGuid; the batch is BatchNumber, the position
// BatchSequence (shared by the sheets of one ballot). The tabulator is not
// in the XML: with one ZIP archive per tabulator it is the archive's name,
// as Arlo does, else the Workstation of the Scanned Ballot Information
// CSV, whose UniqueIdentifier is the imprinted ID and VotingType the
// counting group.

func init() {
	RegisterFormat(Format{
		Name:        "hart",
		Description: "Hart InterCivic Verity CVR XML (one file per sheet) with Scanned Ballot Information CSVs",
		Detect:      detectHart,
		Read:        readHart,
	})
}

const hartNamespace = "http://tempuri.org/CVRDesign.xsd"

func detectHart(name string, head []byte) bool {
	if hartScanInfo(head) {
		return true
	}
	return hartXMLName(name) && xmlRootName(head) == "Cvr" && bytes.Contains(head, []byte(hartNamespace))
}

// hartXMLName reports whether name is a CVR file of the export (not a
// signature, not a write-in image).
func hartXMLName(name string) bool {
	low := strings.ToLower(name)
	return strings.HasSuffix(low, ".xml") && !strings.HasSuffix(low, ".sig.xml")
}

// hartScanInfo reports whether head starts a Scanned Ballot Information CSV.
func hartScanInfo(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	first, rest, _ := bytes.Cut(head, []byte("\n"))
	second, _, _ := bytes.Cut(rest, []byte("\n"))
	return bytes.HasPrefix(first, []byte("#FormatVersion")) && bytes.Contains(second, []byte("CvrId"))
}

// xmlRootName returns the local name of the first element of an XML head,
// or "" when there is none in head.
func xmlRootName(head []byte) string {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})))
	d.Strict = false
	d.CharsetReader = xmlCharsetReader
	for {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}

// newXMLDecoder returns a decoder for an XML export: the byte-order mark is
// dropped and bytes that are not UTF-8 are read as Windows-1252 (FORMATS.md
// checklist item 1), so a declared Latin-1 or Windows-1252 encoding is
// accepted too.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(newUTF8Stream(r))
	d.CharsetReader = xmlCharsetReader
	return d
}

func xmlCharsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		return r, nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q", charset)
}

// xmlError names the file and line of a decoding error.
func xmlError(file string, d *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("cvr: %s line %d: %w", file, se.Line, err)
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	line, _ := d.InputPos()
	return fmt.Errorf("cvr: %s line %d: %w", file, line, err)
}

type hartCvr struct {
	Contests      []hartContest `xml:"Contests>Contest"`
	BatchSequence string
	SheetNumber   string
	PrecinctSplit struct{ Name, Id string }
	BatchNumber   string
	CvrGuid       string
}

type hartContest struct {
	Name, Id   string
	Options    []hartOption `xml:"Options>Option"`
	Undervotes string
	Overvotes  string
	// Overvoted is an empty element Verity writes on an overvoted contest
	// (the shared RCTab samples); the overvoted options are listed too.
	Overvoted *struct{}
}

type hartOption struct {
	Name, Id, Value string
	WriteInData     *struct{ Text string }
}

// hartScan is one CvrId of the Scanned Ballot Information CSVs.
type hartScan struct {
	workstation, unique, group string
	where                      string
}

// hartMeta is what the first pass learns of a contest.
type hartMeta struct {
	index    ContestIndex
	name     string
	where    string
	ranks    int
	exact    int // s+u of a sheet with undervotes; 0 when none seen
	minFull  int // least s of a sheet with selections and no undervotes
	conflict bool
}

type hartReader struct {
	e        *Election
	opt      Options
	scans    map[string]*hartScan
	contests map[string]*hartMeta
	byZip    bool // several archives: the archive name is the tabulator
}

func readHart(e *Election, files []File, opt Options) iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		r := &hartReader{e: e, opt: opt, scans: map[string]*hartScan{}, contests: map[string]*hartMeta{}}
		var xmls []File
		zips := map[string]bool{}
		for _, f := range files {
			switch low := strings.ToLower(f.Name); {
			case hartXMLName(f.Name):
				xmls = append(xmls, f)
				if z := hartArchive(f.Name); z != "" {
					zips[z] = true
				}
			case strings.HasSuffix(low, ".csv"):
				if err := r.readScanInfo(f); err != nil {
					yield(Card{}, err)
					return
				}
			}
		}
		if len(xmls) == 0 {
			yield(Card{}, fmt.Errorf("cvr: Hart export %s: no CVR XML files", describeFiles(files)))
			return
		}
		r.byZip = len(zips) > 1
		for _, f := range xmls {
			if err := r.eachCvr(f, r.learn); err != nil {
				yield(Card{}, err)
				return
			}
		}
		if err := r.settle(); err != nil {
			yield(Card{}, err)
			return
		}
		seen := map[string]string{}
		keys := map[hartKey]string{}
		var card Card
		for _, f := range xmls {
			stop := false
			err := r.eachCvr(f, func(file string, cv *hartCvr) error {
				if prev, dup := seen[cv.CvrGuid]; dup {
					return fmt.Errorf("cvr: %s Cvr/CvrGuid: card %q already read from %s", file, cv.CvrGuid, prev)
				}
				seen[cv.CvrGuid] = file
				if err := r.card(file, cv, &card); err != nil {
					return err
				}
				k := hartKey{card.Batch, cv.BatchSequence, cv.SheetNumber}
				if prev, dup := keys[k]; dup {
					r.opt.warn(file, "Cvr", "batch %s sequence %s sheet %s is also %s: the batch key does not identify the card (a tabulator name is missing?)", card.Batch, cv.BatchSequence, cv.SheetNumber, prev)
				} else {
					keys[k] = file
				}
				if !yield(card, nil) {
					stop = true
					return errStopHart
				}
				return nil
			})
			if stop {
				return
			}
			if err != nil {
				yield(Card{}, err)
				return
			}
		}
	}
}

var errStopHart = errors.New("cvr: stopped")

// hartArchive returns the name, without folder and extension, of the ZIP
// archive holding the file named name ("dir/TAB1.zip:x.xml" gives "TAB1"),
// or "" for a file outside an archive.
func hartArchive(name string) string {
	i := strings.Index(strings.ToLower(name), ".zip:")
	if i < 0 {
		return ""
	}
	return path.Base(strings.ReplaceAll(name[:i], `\`, "/"))
}

type hartKey struct {
	batch          BatchKey
	sequence, page string
}

// eachCvr decodes the Cvr element of one file (a file holds one sheet)
// and passes it to fn.
func (r *hartReader) eachCvr(f File, fn func(file string, cv *hartCvr) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	defer rc.Close()
	d := newXMLDecoder(rc)
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if n == 0 {
				return fmt.Errorf("cvr: %s: no Cvr element", f.Name)
			}
			return nil
		}
		if err != nil {
			return xmlError(f.Name, d, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "Cvr" {
			return fmt.Errorf("cvr: %s: root element %s, want Cvr (not a Hart CVR)", f.Name, se.Name.Local)
		}
		if n++; n > 1 {
			return fmt.Errorf("cvr: %s: a second Cvr element: a Hart file holds one sheet", f.Name)
		}
		var cv hartCvr
		if err := d.DecodeElement(&cv, &se); err != nil {
			return xmlError(f.Name, d, err)
		}
		trimHart(&cv)
		if err := fn(f.Name, &cv); err != nil {
			return err
		}
	}
}

func trimHart(cv *hartCvr) {
	t := strings.TrimSpace
	cv.BatchSequence, cv.SheetNumber, cv.BatchNumber, cv.CvrGuid = t(cv.BatchSequence), t(cv.SheetNumber), t(cv.BatchNumber), t(cv.CvrGuid)
	cv.PrecinctSplit.Name, cv.PrecinctSplit.Id = t(cv.PrecinctSplit.Name), t(cv.PrecinctSplit.Id)
	for i := range cv.Contests {
		c := &cv.Contests[i]
		// Names are compared with their spaces collapsed: one export names
		// a contest "US  PRESIDENT" on some sheets and "US PRESIDENT" on
		// others, with one Id.
		c.Name, c.Id, c.Undervotes, c.Overvotes = strings.Join(strings.Fields(c.Name), " "), t(c.Id), t(c.Undervotes), t(c.Overvotes)
		for j := range c.Options {
			o := &c.Options[j]
			o.Name, o.Id, o.Value = strings.Join(strings.Fields(o.Name), " "), t(o.Id), t(o.Value)
		}
	}
}

// hartCount parses an Undervotes or Overvotes count; absent is 0.
func hartCount(file, where, field, s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("cvr: %s %s/%s: %q is not a count", file, where, field, s)
	}
	return n, nil
}

// hartRanks returns the ranks a Value marks: [0] for a plurality "1",
// nil for "0", and the 1-based positions of the 1s of a bit string.
func hartRanks(v string) ([]int, bool) {
	switch v {
	case "1":
		return []int{0}, true
	case "0":
		return nil, true
	}
	if len(v) < 2 || len(v) > MaxRanks {
		return nil, false
	}
	var ranks []int
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '1':
			ranks = append(ranks, i+1)
		case '0':
		default:
			return nil, false
		}
	}
	return ranks, true
}

// hartChoice returns the choice ID and name of an option; a write-in
// position often has no Name.
func hartChoice(o *hartOption) (id, name string) {
	id, name = o.Id, o.Name
	if name == "" && o.WriteInData != nil {
		name = "Write-in"
	}
	if id == "" {
		id = name
	}
	return id, name
}

// learn is the first pass over one sheet: intern its contests and choices
// and gather the evidence for VoteFor and the number of ranks.
func (r *hartReader) learn(file string, cv *hartCvr) error {
	for i := range cv.Contests {
		c := &cv.Contests[i]
		where := fmt.Sprintf("Cvr/Contests/Contest[%d]", i+1)
		if c.Id == "" && c.Name == "" {
			return fmt.Errorf("cvr: %s %s: fields Id and Name are empty", file, where)
		}
		id := c.Id
		if id == "" {
			id = c.Name
		}
		m := r.contests[id]
		if m == nil {
			ci, err := r.e.AddContest(Contest{ID: id, Name: c.Name, VoteFor: 1})
			if err != nil {
				return fmt.Errorf("cvr: %s %s: %w", file, where, err)
			}
			m = &hartMeta{index: ci, name: c.Name, where: file}
			r.contests[id] = m
		} else if m.name != c.Name {
			return fmt.Errorf("cvr: %s %s/Id: contest %q is named %q here and %q in %s", file, where, id, c.Name, m.name, m.where)
		}
		under, err := hartCount(file, where, "Undervotes", c.Undervotes)
		if err != nil {
			return err
		}
		over, err := hartCount(file, where, "Overvotes", c.Overvotes)
		if err != nil {
			return err
		}
		s := 0
		for j := range c.Options {
			o := &c.Options[j]
			ow := fmt.Sprintf("%s/Options/Option[%d]", where, j+1)
			ranks, ok := hartRanks(o.Value)
			if !ok {
				return fmt.Errorf("cvr: %s %s/Value: contest %q: %q is neither 1 nor a bit string of ranks", file, ow, c.Name, o.Value)
			}
			if len(o.Value) > 1 {
				m.ranks = max(m.ranks, len(o.Value))
			}
			if len(ranks) > 0 {
				s++
			}
			id, name := hartChoice(o)
			if id == "" {
				return fmt.Errorf("cvr: %s %s: contest %q: option with no Id, Name or WriteInData", file, ow, c.Name)
			}
			if _, err := r.e.AddChoice(m.index, Choice{ID: id, Name: name, WriteIn: o.WriteInData != nil}); err != nil {
				return fmt.Errorf("cvr: %s %s: %w", file, ow, err)
			}
		}
		switch {
		case under > 0:
			if m.exact != 0 && m.exact != s+under {
				m.conflict = true
			}
			m.exact = max(m.exact, s+under)
		case over > 0 || c.Overvoted != nil:
			// An overvote says only that VoteFor < s.
		case s > 0 && (m.minFull == 0 || s < m.minFull):
			m.minFull = s
		}
	}
	return nil
}

// settle fixes each contest's VoteFor and ranks from the first pass.
func (r *hartReader) settle() error {
	ids := slices.SortedFunc(maps.Keys(r.contests), func(a, b string) int { return int(r.contests[a].index) - int(r.contests[b].index) })
	for _, id := range ids {
		m := r.contests[id]
		c := r.e.Contest(m.index)
		if m.ranks > 0 {
			c.Ranks, c.VoteFor = m.ranks, 1
			continue
		}
		switch {
		case m.exact > 0:
			c.VoteFor = m.exact
			if m.conflict || (m.minFull > 0 && m.minFull < m.exact) {
				r.opt.warn(m.where, "Cvr/Contests", "contest %q (%s): the sheets disagree on the votes allowed; taken as %d", c.Name, id, m.exact)
			}
		case m.minFull > 0:
			c.VoteFor = m.minFull
		default:
			r.opt.warn(m.where, "Cvr/Contests", "contest %q (%s): no sheet shows the votes allowed; taken as 1", c.Name, id)
		}
		if c.VoteFor > MaxSelections {
			return fmt.Errorf("cvr: %s: contest %q: %d votes allowed", m.where, c.Name, c.VoteFor)
		}
	}
	return nil
}

// card turns one sheet into c.
func (r *hartReader) card(file string, cv *hartCvr, c *Card) error {
	if cv.CvrGuid == "" {
		return fmt.Errorf("cvr: %s Cvr/CvrGuid: empty", file)
	}
	if cv.BatchNumber == "" {
		return fmt.Errorf("cvr: %s Cvr/BatchNumber: empty", file)
	}
	pos, err := strconv.Atoi(cv.BatchSequence)
	if err != nil || pos < 1 {
		return fmt.Errorf("cvr: %s Cvr/BatchSequence: %q is not a positive integer", file, cv.BatchSequence)
	}
	c.Votes.Reset()
	*c = Card{ID: cv.CvrGuid, Batch: BatchKey{Jurisdiction: r.opt.Jurisdiction, Batch: cv.BatchNumber},
		Position: pos, Precinct: cv.PrecinctSplit.Name, Votes: c.Votes}
	if s := r.scans[cv.CvrGuid]; s != nil {
		c.Batch.Tabulator, c.ImprintedID, c.CountingGroup = s.workstation, s.unique, s.group
	}
	if r.byZip {
		c.Batch.Tabulator = hartArchive(file)
	}
	for i := range cv.Contests {
		ct := &cv.Contests[i]
		where := fmt.Sprintf("Cvr/Contests/Contest[%d]", i+1)
		id := ct.Id
		if id == "" {
			id = ct.Name
		}
		m := r.contests[id]
		if m == nil {
			return fmt.Errorf("cvr: %s %s: contest %q was not in the file at the first reading", file, where, ct.Name)
		}
		if _, dup := c.Votes.Get(m.index); dup {
			return fmt.Errorf("cvr: %s %s: contest %q twice on one sheet", file, where, ct.Name)
		}
		contest := r.e.Contest(m.index)
		type pick struct {
			choice ChoiceIndex
			rank   int
		}
		var picks []pick
		for j := range ct.Options {
			o := &ct.Options[j]
			ranks, _ := hartRanks(o.Value)
			oid, _ := hartChoice(o)
			ch, ok := contest.ChoiceByID(oid)
			if !ok {
				return fmt.Errorf("cvr: %s %s/Options/Option[%d]: option %q was not in the file at the first reading", file, where, j+1, oid)
			}
			for _, rk := range ranks {
				if contest.Ranked() && rk == 0 {
					rk = 1 // a one-character Value in a ranked contest
				}
				picks = append(picks, pick{ch, rk})
			}
		}
		if contest.Ranked() {
			slices.SortStableFunc(picks, func(a, b pick) int { return a.rank - b.rank })
		}
		c.Votes.Begin(m.index, 0)
		for _, p := range picks {
			if !c.Votes.Select(Selection{Choice: p.choice, Rank: uint8(p.rank)}) {
				return fmt.Errorf("cvr: %s %s: contest %q: more than %d selections", file, where, ct.Name, MaxSelections)
			}
		}
		under, _ := hartCount(file, where, "Undervotes", ct.Undervotes)
		over, _ := hartCount(file, where, "Overvotes", ct.Overvotes)
		var flags Flags
		switch {
		case contest.Ranked():
			if over > 0 || ct.Overvoted != nil {
				flags |= Overvote
			}
			for k := 1; k < len(picks); k++ {
				if picks[k].rank == picks[k-1].rank {
					flags |= Overvote // an overvoted ranking; the raw pairs stay
				}
			}
			if len(picks) == 0 {
				flags |= Undervote
			}
		case over > 0 || ct.Overvoted != nil || len(picks) > contest.VoteFor:
			c.Votes.dropSelections()
			flags |= Overvote
		case under > 0 || len(picks) < contest.VoteFor:
			flags |= Undervote
		}
		c.Votes.SetFlags(flags)
	}
	return nil
}

// readScanInfo reads a Scanned Ballot Information CSV: "#FormatVersion 1",
// then a header starting "#BatchId", one row per page. Rows of one CvrId
// must agree.
func (r *hartReader) readScanInfo(f File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	defer rc.Close()
	cr := csv.NewReader(newUTF8Stream(rc))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	first, err := cr.Read()
	if err != nil || len(first) == 0 || !strings.HasPrefix(strings.TrimSpace(first[0]), "#FormatVersion") {
		r.opt.warn(f.Name, "line 1", "not a Hart Scanned Ballot Information CSV (no #FormatVersion line); ignored")
		return nil
	}
	header, err := cr.Read()
	if err != nil {
		return csvLineError(f.Name, 2, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimLeft(strings.TrimSpace(h), "#"))] = i
	}
	for _, req := range []string{"cvrid", "workstation", "uniqueidentifier"} {
		if _, ok := col[req]; !ok {
			return fmt.Errorf("cvr: %s line 2: Scanned Ballot Information CSV has no %s column", f.Name, req)
		}
	}
	get := func(rec []string, name string) string {
		c, ok := col[name]
		if !ok || c >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[c])
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return csvLineError(f.Name, line, err)
		}
		if dcBlank(rec) {
			continue
		}
		id := get(rec, "cvrid")
		if id == "" {
			return fmt.Errorf("cvr: %s line %d: field CvrId is empty", f.Name, line)
		}
		s := &hartScan{workstation: get(rec, "workstation"), unique: get(rec, "uniqueidentifier"), group: get(rec, "votingtype"),
			where: fmt.Sprintf("%s line %d", f.Name, line)}
		if prev := r.scans[id]; prev != nil {
			if prev.workstation != s.workstation || prev.unique != s.unique || prev.group != s.group {
				return fmt.Errorf("cvr: %s line %d: CvrId %q: Workstation %q, UniqueIdentifier %q, VotingType %q conflict with %s (%q, %q, %q)",
					f.Name, line, id, s.workstation, s.unique, s.group, prev.where, prev.workstation, prev.unique, prev.group)
			}
			continue
		}
		r.scans[id] = s
	}
}
