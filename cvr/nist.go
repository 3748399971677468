package cvr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// NIST SP 1500-103 v1.0 Cast Vote Record Common Data Format, in JSON
// (format "nist-json") and XML ("nist-xml"); FORMATS.md section e. A
// CastVoteRecordReport holds the election definition (Election with its
// Candidate and Contest elements, GpUnit, Party, ReportingDevice) and the
// CVR elements; references are by @id (JSON) or ObjectId (XML).
//
// Both schemas put CVR before Election, so the definitions arrive after
// the cards that use them. The readers therefore take two passes over
// each file: the first reads the definitions and notes, per contest, the
// ranks the current snapshots use; the second yields the cards. Each CVR
// is decoded on its own (never the whole report at once).
//
// Mapping into the model:
//   - card ID: UniqueId, else BallotAuditId, else BallotPrePrintedId, else
//     "CVR-<n>" (its 1-based place in the file); imprinted ID: BallotAuditId,
//     else BallotPrePrintedId; batch: (CreatingDeviceId, BatchId) as
//     written; position: BatchSequenceId; ballot style: BallotStyleId;
//     precinct: BallotStyleUnitId (a GpUnit reference, kept as its ID).
//   - the votes are those of the snapshot whose @id is CurrentSnapshotId
//     (RCTab's rule), whatever the order of the original, interpreted and
//     modified snapshots.
//   - a SelectionPosition counts unless HasIndication or IsAllocable is
//     "no" ("unknown", as the Unisyn dialect writes, counts); its rank is
//     CVRContestSelection.Rank, else SelectionPosition.Rank.
//   - a contest is ranked when its VoteVariation is "rcv" or a current
//     snapshot ranks it; its ranks are the highest rank used (at least the
//     number of its selections for an "rcv" contest with no ranking seen).
//     VoteFor is VotesAllowed, else NumberOfWinners, else 1; "approval"
//     contests have no overvotes.
//   - CVRContest Status overvoted / undervoted / invalidated and the
//     Overvotes and Undervotes counts set the flags, as does comparing the
//     selections with VoteFor; an overvoted unranked contest keeps no
//     selection, a ranked one keeps its raw (rank, choice) pairs.
//   - a choice is a write-in when its ContestSelection has IsWriteIn true,
//     or, for a selection the Election does not define, when a position
//     carries a CVRWriteIn.
// A contest or selection that the report does not define is interned from
// the CVRs with its ID as name, and a warning.

// nistCVR is one CVR element, with the tags of both encodings.
type nistCVR struct {
	UniqueId           nistStr                `xml:"UniqueId"`
	BallotAuditId      nistStr                `xml:"BallotAuditId"`
	BallotPrePrintedId nistStr                `xml:"BallotPrePrintedId"`
	BatchId            nistStr                `xml:"BatchId"`
	BatchSequenceId    nistStr                `xml:"BatchSequenceId"`
	BallotStyleId      nistStr                `xml:"BallotStyleId"`
	BallotStyleUnitId  nistStr                `xml:"BallotStyleUnitId"`
	CreatingDeviceId   nistStr                `xml:"CreatingDeviceId"`
	CurrentSnapshotId  nistStr                `xml:"CurrentSnapshotId"`
	CVRSnapshot        nistList[nistSnapshot] `xml:"CVRSnapshot"`
}

type nistSnapshot struct {
	ID         nistStr                  `json:"@id" xml:"ObjectId,attr"`
	Type       nistStr                  `xml:"Type"`
	CVRContest nistList[nistCVRContest] `xml:"CVRContest"`
}

type nistCVRContest struct {
	ContestId           nistStr                    `xml:"ContestId"`
	Overvotes           nistStr                    `xml:"Overvotes"`
	Undervotes          nistStr                    `xml:"Undervotes"`
	Status              nistList[nistStr]          `xml:"Status"`
	CVRContestSelection nistList[nistCVRSelection] `xml:"CVRContestSelection"`
}

type nistCVRSelection struct {
	ContestSelectionId nistStr                `xml:"ContestSelectionId"`
	Rank               nistStr                `xml:"Rank"`
	SelectionPosition  nistList[nistPosition] `xml:"SelectionPosition"`
}

type nistPosition struct {
	HasIndication nistStr   `xml:"HasIndication"`
	IsAllocable   nistStr   `xml:"IsAllocable"`
	NumberVotes   nistStr   `xml:"NumberVotes"`
	Rank          nistStr   `xml:"Rank"`
	CVRWriteIn    *struct{} `xml:"CVRWriteIn"`
}

// nistElection is an Election element with its definitions.
type nistElection struct {
	ID        nistStr                 `json:"@id" xml:"ObjectId,attr"`
	Name      nistStr                 `xml:"Name"`
	Candidate nistList[nistCandidate] `xml:"Candidate"`
	Contest   nistList[nistContest]   `xml:"Contest"`
}

type nistCandidate struct {
	ID   nistStr `json:"@id" xml:"ObjectId,attr"`
	Name nistStr `xml:"Name"`
}

type nistContest struct {
	ID               nistStr                 `json:"@id" xml:"ObjectId,attr"`
	Type             nistStr                 `json:"@type" xml:"type,attr"`
	Name             nistStr                 `xml:"Name"`
	VoteVariation    nistStr                 `xml:"VoteVariation"`
	VotesAllowed     nistStr                 `xml:"VotesAllowed"`
	NumberOfWinners  nistStr                 `xml:"NumberOfWinners"`
	ContestSelection nistList[nistSelection] `xml:"ContestSelection"`
}

type nistSelection struct {
	ID           nistStr           `json:"@id" xml:"ObjectId,attr"`
	Type         nistStr           `json:"@type" xml:"type,attr"`
	CandidateIds nistList[nistStr] `xml:"CandidateIds"`
	PartyIds     nistList[nistStr] `xml:"PartyIds"`
	Selection    nistStr           `xml:"Selection"`
	IsWriteIn    nistStr           `xml:"IsWriteIn"`
}

// nistUnit is a GpUnit, Party or ReportingDevice: what the reader needs of
// it is its ID and name.
type nistUnit struct {
	ID   nistStr `json:"@id" xml:"ObjectId,attr"`
	Name nistStr `xml:"Name"`
}

// nistStr is a JSON value written as a string, a number or a boolean
// (NIST JSON writes numbers as strings in places, FORMATS.md section e).
type nistStr string

func (s *nistStr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = nistStr(v)
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("want a string or number, have %s", truncate(b))
	default:
		*s = nistStr(b)
	}
	return nil
}

// s returns the value with surrounding spaces removed.
func (s nistStr) s() string { return strings.TrimSpace(string(s)) }

// name returns the value with runs of spaces and newlines collapsed: the
// NIST examples break long contest names across lines.
func (s nistStr) name() string { return strings.Join(strings.Fields(string(s)), " ") }

// nistList is a JSON array that may be written as its single element.
type nistList[T any] []T

func (l *nistList[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*l = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var v []T
		err := json.Unmarshal(b, &v)
		*l = v
		return err
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = nistList[T]{v}
	return nil
}

// nistDefs are the definitions of the reports read.
type nistDefs struct {
	contests     map[string]*nistContest
	order        []string // contest IDs in the order defined
	candidates   map[string]string
	parties      map[string]string
	units        map[string]bool // GpUnit and ReportingDevice IDs
	electionName string
}

// nistLearn is what the first pass notes of a contest's use.
type nistLearn struct {
	maxRank    int
	unranked   string   // where a selection of the contest had no rank, if anywhere
	selections []string // selection IDs used, in the order met
	selSeen    map[string]bool
	writeIn    map[string]bool
	file       string // where the contest was first used
	where      string
}

// nistWriteIn stands for the ContestSelectionId of a write-in that names
// none (NIST example 2: a CVRWriteIn at an OptionPosition). It is the
// contest's write-in selection when the Election defines exactly one, else
// a choice of its own.
const nistWriteIn = "#write-in"

// nistReader is the format-independent part of both readers.
type nistReader struct {
	e      *Election
	opt    Options
	defs   nistDefs
	learn  map[string]*nistLearn // by contest ID
	lorder []string              // undefined contest IDs in the order met
	seen   map[string]string     // card ID -> where it was read
	index  map[string]ContestIndex
	// writeIns maps a contest to the choice ID of its write-ins that name
	// no ContestSelectionId.
	writeIns map[ContestIndex]string
	step     func(name string, i int) string // one step of a path: JSON "/x/0", XML "/x[1]"
	warned   map[string]bool
}

func newNISTReader(e *Election, opt Options, step func(string, int) string) *nistReader {
	return &nistReader{e: e, opt: opt, step: step, learn: map[string]*nistLearn{}, seen: map[string]string{},
		index: map[string]ContestIndex{}, warned: map[string]bool{}, writeIns: map[ContestIndex]string{},
		defs: nistDefs{contests: map[string]*nistContest{}, candidates: map[string]string{}, parties: map[string]string{}, units: map[string]bool{}}}
}

// nistFileReader reads one report file: pass 1 gives the definitions to
// r.addElection and r.addUnits and each CVR to cvr; pass 2 only the CVRs.
// cvr receives the CVR's path for messages and its 1-based place.
type nistFileReader func(r *nistReader, f File, pass int, cvr func(where string, n int, cv *nistCVR) error) error

func readNIST(e *Election, files []File, opt Options, step func(string, int) string, read nistFileReader) iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		r := newNISTReader(e, opt, step)
		for _, f := range files {
			err := read(r, f, 1, func(where string, n int, cv *nistCVR) error { return r.learnCVR(f.Name, where, cv) })
			if err != nil {
				yield(Card{}, err)
				return
			}
		}
		if err := r.intern(); err != nil {
			yield(Card{}, err)
			return
		}
		var card Card
		for _, f := range files {
			err := read(r, f, 2, func(where string, n int, cv *nistCVR) error {
				if err := r.card(f.Name, where, n, cv, &card); err != nil {
					return err
				}
				if !yield(card, nil) {
					return errNISTStop
				}
				return nil
			})
			if err == errNISTStop {
				return
			}
			if err != nil {
				yield(Card{}, err)
				return
			}
		}
	}
}

var errNISTStop = fmt.Errorf("cvr: stopped")

func (r *nistReader) addElection(file string, el *nistElection) {
	if r.defs.electionName == "" {
		r.defs.electionName = el.Name.name()
	}
	for _, c := range el.Candidate {
		r.defs.candidates[c.ID.s()] = c.Name.name()
	}
	for i := range el.Contest {
		c := &el.Contest[i]
		id := c.ID.s()
		if _, dup := r.defs.contests[id]; dup || id == "" {
			continue // one definition per ID; reports of one election repeat it
		}
		r.defs.contests[id] = c
		r.defs.order = append(r.defs.order, id)
	}
}

func (r *nistReader) addParty(p nistUnit) { r.defs.parties[p.ID.s()] = p.Name.name() }
func (r *nistReader) addUnit(u nistUnit)  { r.defs.units[u.ID.s()] = true }

// current returns the current snapshot of cv and its index.
func (r *nistReader) current(file, where string, cv *nistCVR) (*nistSnapshot, int, error) {
	if len(cv.CVRSnapshot) == 0 {
		return nil, 0, fmt.Errorf("cvr: %s %s: no CVRSnapshot", file, where)
	}
	if id := cv.CurrentSnapshotId.s(); id != "" {
		for i := range cv.CVRSnapshot {
			if cv.CVRSnapshot[i].ID.s() == id {
				return &cv.CVRSnapshot[i], i, nil
			}
		}
		return nil, 0, fmt.Errorf("cvr: %s %s/CurrentSnapshotId: %q names no CVRSnapshot of the CVR", file, where, id)
	}
	if len(cv.CVRSnapshot) == 1 {
		return &cv.CVRSnapshot[0], 0, nil
	}
	// No CurrentSnapshotId: take the latest stage of adjudication.
	best := -1
	for _, typ := range []string{"modified", "interpreted", "original"} {
		for i := range cv.CVRSnapshot {
			if best < 0 && strings.EqualFold(cv.CVRSnapshot[i].Type.s(), typ) {
				best = i
			}
		}
	}
	if best < 0 {
		return nil, 0, fmt.Errorf("cvr: %s %s: %d CVRSnapshots, no CurrentSnapshotId and no snapshot Type to choose by", file, where, len(cv.CVRSnapshot))
	}
	r.opt.warn(file, where, "no CurrentSnapshotId: the %s snapshot is taken", cv.CVRSnapshot[best].Type)
	return &cv.CVRSnapshot[best], best, nil
}

// counts reports whether a position is an indication to count.
func (p *nistPosition) counts() bool {
	return !strings.EqualFold(p.HasIndication.s(), "no") && !strings.EqualFold(p.IsAllocable.s(), "no")
}

// rank returns the rank of a position: the selection's, else the
// position's; 0 for none.
func nistRank(s *nistCVRSelection, p *nistPosition) (int, bool) {
	v := s.Rank.s()
	if v == "" {
		v = p.Rank.s()
	}
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxRanks {
		return 0, false
	}
	return n, true
}

// learnCVR is the first pass over one CVR.
func (r *nistReader) learnCVR(file, where string, cv *nistCVR) error {
	sn, si, err := r.current(file, where, cv)
	if err != nil {
		return err
	}
	sw := where + r.step("CVRSnapshot", si)
	for ci := range sn.CVRContest {
		ct := &sn.CVRContest[ci]
		cw := sw + r.step("CVRContest", ci)
		id := ct.ContestId.s()
		if id == "" {
			return fmt.Errorf("cvr: %s %s/ContestId: empty", file, cw)
		}
		l := r.learn[id]
		if l == nil {
			l = &nistLearn{selSeen: map[string]bool{}, writeIn: map[string]bool{}, file: file, where: cw}
			r.learn[id] = l
			r.lorder = append(r.lorder, id)
		}
		for k := range ct.CVRContestSelection {
			s := &ct.CVRContestSelection[k]
			kw := cw + r.step("CVRContestSelection", k)
			sid := s.ContestSelectionId.s()
			writeIn, counted := false, false
			for p := range s.SelectionPosition {
				pos := &s.SelectionPosition[p]
				writeIn = writeIn || pos.CVRWriteIn != nil
				if !pos.counts() {
					continue
				}
				counted = true
				rank, ok := nistRank(s, pos)
				if !ok {
					return fmt.Errorf("cvr: %s %s/Rank: %q is not a rank 1..%d", file, kw+r.step("SelectionPosition", p), firstNonEmpty(string(s.Rank), string(pos.Rank)), MaxRanks)
				}
				if rank == 0 && l.unranked == "" {
					l.unranked = file + " " + kw
				}
				l.maxRank = max(l.maxRank, rank)
			}
			if sid == "" {
				switch {
				case writeIn:
					sid = nistWriteIn
				case counted:
					return fmt.Errorf("cvr: %s %s/ContestSelectionId: empty, and no CVRWriteIn", file, kw)
				default:
					continue // nothing to count, nothing to name
				}
			}
			if !l.selSeen[sid] {
				l.selSeen[sid] = true
				l.selections = append(l.selections, sid)
			}
			if writeIn {
				l.writeIn[sid] = true
			}
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// intern adds the contests and choices to the election after the first
// pass: the defined contests in the order defined, then those the CVRs
// use without a definition.
func (r *nistReader) intern() error {
	if r.e.Name == "" {
		r.e.Name = r.defs.electionName
	}
	for _, id := range r.defs.order {
		d := r.defs.contests[id]
		l := r.learn[id]
		c := Contest{ID: id, Name: d.Name.name(), VoteFor: 1}
		if c.Name == "" {
			c.Name = id
		}
		for _, v := range []nistStr{d.VotesAllowed, d.NumberOfWinners} {
			if s := v.s(); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 || n > MaxSelections {
					return fmt.Errorf("cvr: contest %q: VotesAllowed or NumberOfWinners %q is not a count 1..%d", id, s, MaxSelections)
				}
				c.VoteFor = n
				break
			}
		}
		variation := strings.ToLower(d.VoteVariation.s())
		c.Approval = variation == "approval"
		if variation == "rcv" || (l != nil && l.maxRank > 0) {
			c.Ranks = max(1, min(len(d.ContestSelection), MaxRanks))
			if l != nil && l.maxRank > 0 {
				c.Ranks = l.maxRank
			}
			if d.NumberOfWinners.s() == "" {
				c.VoteFor = 1
			}
		}
		if l != nil && l.maxRank > 0 && l.unranked != "" {
			return fmt.Errorf("cvr: %s: contest %q: a selection with no Rank in a ranked contest", l.unranked, id)
		}
		ci, err := r.e.AddContest(c)
		if err != nil {
			return fmt.Errorf("cvr: contest %q: %w", id, err)
		}
		r.index[id] = ci
		if r.e.Contest(ci).Ranked() != c.Ranked() {
			return fmt.Errorf("cvr: contest %q: ranked in one report and not in another", id)
		}
		for _, s := range d.ContestSelection {
			if _, err := r.e.AddChoice(ci, Choice{ID: s.ID.s(), Name: r.selectionName(&s), WriteIn: nistBool(s.IsWriteIn)}); err != nil {
				return fmt.Errorf("cvr: contest %q: %w", id, err)
			}
		}
		if l != nil {
			for _, sid := range l.selections {
				if sid == nistWriteIn {
					if err := r.writeInChoice(ci); err != nil {
						return err
					}
					continue
				}
				if _, ok := r.e.Contest(ci).ChoiceByID(sid); !ok {
					return fmt.Errorf("cvr: %s %s: contest %q: ContestSelectionId %q is not a ContestSelection of the contest", l.file, l.where, id, sid)
				}
			}
		}
	}
	for _, id := range r.lorder {
		if r.defs.contests[id] != nil {
			continue
		}
		l := r.learn[id]
		r.opt.warn(l.file, l.where, "contest %q is not defined in the report's Election: its ID is its name, and it is taken as vote for 1", id)
		c := Contest{ID: id, Name: id, VoteFor: 1, Ranks: l.maxRank}
		if l.maxRank > 0 && l.unranked != "" {
			return fmt.Errorf("cvr: %s: contest %q: a selection with no Rank in a ranked contest", l.unranked, id)
		}
		ci, err := r.e.AddContest(c)
		if err != nil {
			return fmt.Errorf("cvr: contest %q: %w", id, err)
		}
		r.index[id] = ci
		for _, sid := range l.selections {
			name := sid
			if sid == nistWriteIn {
				name = "Write-in"
			}
			if _, err := r.e.AddChoice(ci, Choice{ID: sid, Name: name, WriteIn: l.writeIn[sid]}); err != nil {
				return fmt.Errorf("cvr: contest %q: %w", id, err)
			}
		}
	}
	return nil
}

// writeInChoice resolves nistWriteIn for contest ci.
func (r *nistReader) writeInChoice(ci ContestIndex) error {
	var ids []string
	for _, ch := range r.e.Contest(ci).Choices {
		if ch.WriteIn {
			ids = append(ids, ch.ID)
		}
	}
	if len(ids) == 1 {
		r.writeIns[ci] = ids[0]
		return nil
	}
	if _, err := r.e.AddChoice(ci, Choice{ID: nistWriteIn, Name: "Write-in", WriteIn: true}); err != nil {
		return fmt.Errorf("cvr: contest %q: %w", r.e.Contest(ci).ID, err)
	}
	r.writeIns[ci] = nistWriteIn
	return nil
}

func nistBool(s nistStr) bool {
	v := strings.ToLower(s.s())
	return v == "true" || v == "1"
}

// selectionName names a ContestSelection: its candidates, its ballot
// measure text, its parties, or else its ID.
func (r *nistReader) selectionName(s *nistSelection) string {
	var names []string
	for _, ids := range s.CandidateIds {
		for _, id := range strings.Fields(string(ids)) {
			if n := r.defs.candidates[id]; n != "" {
				names = append(names, n)
			} else {
				names = append(names, id)
			}
		}
	}
	if len(names) == 0 && s.Selection.s() != "" {
		names = append(names, s.Selection.name())
	}
	if len(names) == 0 {
		for _, ids := range s.PartyIds {
			for _, id := range strings.Fields(string(ids)) {
				if n := r.defs.parties[id]; n != "" {
					names = append(names, n)
				}
			}
		}
	}
	if len(names) == 0 {
		if nistBool(s.IsWriteIn) {
			return "Write-in"
		}
		return s.ID.s()
	}
	return strings.Join(names, " & ")
}

// card turns one CVR into c (second pass).
func (r *nistReader) card(file, where string, n int, cv *nistCVR, c *Card) error {
	sn, si, err := r.current(file, where, cv)
	if err != nil {
		return err
	}
	t := strings.TrimSpace
	id := firstNonEmpty(cv.UniqueId.s(), cv.BallotAuditId.s(), cv.BallotPrePrintedId.s())
	if id == "" {
		id = "CVR-" + strconv.Itoa(n)
	}
	id = t(id)
	if prev, dup := r.seen[id]; dup {
		return fmt.Errorf("cvr: %s %s: card ID %q (UniqueId, BallotAuditId or BallotPrePrintedId) already read at %s", file, where, id, prev)
	}
	r.seen[id] = file + " " + where
	pos := 0
	if s := cv.BatchSequenceId.s(); s != "" {
		if pos, err = strconv.Atoi(s); err != nil || pos < 1 {
			return fmt.Errorf("cvr: %s %s/BatchSequenceId: %q is not a positive integer", file, where, s)
		}
	}
	dev := cv.CreatingDeviceId.s()
	if dev != "" && len(r.defs.units) > 0 && !r.defs.units[dev] && !r.warned["dev "+dev] {
		r.warned["dev "+dev] = true
		r.opt.warn(file, where+"/CreatingDeviceId", "%q is not a GpUnit or ReportingDevice of the report", dev)
	}
	c.Votes.Reset()
	*c = Card{ID: id, Batch: BatchKey{Jurisdiction: r.opt.Jurisdiction, Tabulator: dev, Batch: cv.BatchId.s()},
		Position: pos, ImprintedID: firstNonEmpty(cv.BallotAuditId.s(), cv.BallotPrePrintedId.s()),
		BallotStyle: cv.BallotStyleId.s(), Precinct: cv.BallotStyleUnitId.s(), Votes: c.Votes}
	sw := where + r.step("CVRSnapshot", si)
	for k := range sn.CVRContest {
		if err := r.contest(file, sw+r.step("CVRContest", k), &sn.CVRContest[k], c); err != nil {
			return err
		}
	}
	return nil
}

func (r *nistReader) contest(file, cw string, ct *nistCVRContest, c *Card) error {
	id := ct.ContestId.s()
	ci, ok := r.index[id]
	if !ok {
		return fmt.Errorf("cvr: %s %s/ContestId: contest %q was not in the file at the first reading", file, cw, id)
	}
	if _, dup := c.Votes.Get(ci); dup {
		return fmt.Errorf("cvr: %s %s/ContestId: contest %q twice in one snapshot", file, cw, id)
	}
	contest := r.e.Contest(ci)
	type pick struct {
		choice ChoiceIndex
		rank   int
	}
	var picks []pick
	for k := range ct.CVRContestSelection {
		s := &ct.CVRContestSelection[k]
		kw := cw + r.step("CVRContestSelection", k)
		sid := s.ContestSelectionId.s()
		if sid == "" {
			// The first pass let through only write-ins and selections
			// with no position to count.
			if !slices.ContainsFunc(s.SelectionPosition, func(p nistPosition) bool { return p.CVRWriteIn != nil }) {
				continue
			}
			sid = r.writeIns[ci]
		}
		ch, ok := contest.ChoiceByID(sid)
		if !ok {
			return fmt.Errorf("cvr: %s %s/ContestSelectionId: %q is not a selection of contest %q", file, kw, s.ContestSelectionId, id)
		}
		for p := range s.SelectionPosition {
			pos := &s.SelectionPosition[p]
			if !pos.counts() {
				continue
			}
			rank, ok := nistRank(s, pos)
			if !ok || (rank == 0) == contest.Ranked() {
				return fmt.Errorf("cvr: %s %s/Rank: contest %q: rank %q does not fit a contest with %d ranks", file, kw+r.step("SelectionPosition", p), id, firstNonEmpty(string(s.Rank), string(pos.Rank)), contest.Ranks)
			}
			picks = append(picks, pick{ch, rank})
		}
	}
	if contest.Ranked() {
		slices.SortStableFunc(picks, func(a, b pick) int { return a.rank - b.rank })
	}
	c.Votes.Begin(ci, 0)
	for _, p := range picks {
		if !c.Votes.Select(Selection{Choice: p.choice, Rank: uint8(p.rank)}) {
			return fmt.Errorf("cvr: %s %s: contest %q: more than %d selections", file, cw, id, MaxSelections)
		}
	}
	var flags Flags
	for _, s := range ct.Status {
		switch strings.ToLower(s.s()) {
		case "overvoted":
			flags |= Overvote
		case "undervoted":
			flags |= Undervote
		case "invalidated":
			flags |= Invalid
		}
	}
	for _, f := range []struct {
		v    nistStr
		name string
		flag Flags
	}{{ct.Overvotes, "Overvotes", Overvote}, {ct.Undervotes, "Undervotes", Undervote}} {
		if s := f.v.s(); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return fmt.Errorf("cvr: %s %s/%s: %q is not a count", file, cw, f.name, s)
			}
			if n > 0 {
				flags |= f.flag
			}
		}
	}
	switch {
	case contest.Ranked():
		for k := 1; k < len(picks); k++ {
			if picks[k].rank == picks[k-1].rank && picks[k].choice != picks[k-1].choice {
				flags |= Overvote // an overvoted ranking; the raw pairs stay
			}
		}
		if len(picks) == 0 && flags&Overvote == 0 {
			flags |= Undervote
		}
	case contest.Approval:
		flags &^= Overvote
		if len(picks) == 0 {
			flags |= Undervote
		}
	case flags&Overvote != 0 || len(picks) > contest.VoteFor:
		c.Votes.dropSelections()
		flags = flags&^Undervote | Overvote
	case len(picks) < contest.VoteFor:
		flags |= Undervote
	}
	c.Votes.SetFlags(flags)
	return nil
}
