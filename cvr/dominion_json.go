package cvr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"path"
	"strconv"
	"strings"
)

// Dominion Democracy Suite CVR export, JSON flavour (FORMATS.md section a).
//
// One Card per element of a session's Cards (per sheet, as the manifest
// counts sheets). The card ID is "Tab-Batch-Rec", the Dominion imprinted
// ID, with "-k" (k = 1, 2, ...) appended when a session holds several cards.
// A redacted RecordId ("X") is recovered from the ImageMask.
//
// Votes: the marks with IsVote true and IsAmbiguous false, in rank order.
// For a ranked contest these are the raw (rank, candidate) pairs, overvoted,
// skipped and repeated rankings included, so that Preferences (or another
// jurisdiction's rule) decides; a plurality contest with Overvotes > 0 is
// flagged Overvote and has no selections (Dominion sets IsVote false on its
// marks); a contest whose OutstackConditionIds hold InvalidContest (looked
// up by description) is flagged Invalid and has no selections.

func init() {
	RegisterFormat(Format{
		Name:        "dominion-json",
		Description: "Dominion Democracy Suite CVR export (CvrExport*.json with its *Manifest.json files)",
		Detect:      detectDominionJSON,
		Read:        readDominionJSON,
	})
}

func detectDominionJSON(name string, head []byte) bool {
	if !strings.EqualFold(path.Ext(name), ".json") {
		return false
	}
	if bytes.Contains(head, []byte(`"Sessions"`)) {
		return true
	}
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	return strings.HasSuffix(base, "Manifest.json") && bytes.Contains(head, []byte(`"List"`))
}

// djManifest is the envelope every Dominion manifest shares.
type djManifest[T any] struct {
	Version string
	List    []T
}

type djItem struct {
	Description string
	ID          int64 `json:"Id"`
	ContestID   int64 `json:"ContestId"`
	VoteFor     int
	NumOfRanks  int
	Type        string
}

// djContestInfo is what the reader needs per contest while decoding.
type djContestInfo struct {
	index  ContestIndex
	ranked bool
	cands  map[int64]ChoiceIndex
}

// djReader holds the state of one read of a Dominion JSON export.
type djReader struct {
	e        *Election
	opt      Options
	contests map[int64]*djContestInfo
	// The lookups of contests and candidates by Dominion Id, for the
	// small Ids exports use: a slice index costs a fraction of a map
	// access, and each card makes dozens. Filled from the maps on first
	// use; an Id not in them, or above djSmallID, goes to the maps.
	contestByID []*djContestInfo
	candByID    []djCandRef
	styles      map[int64]string // BallotTypeId -> Description
	groups      map[int64]string // CountingGroupId -> Description
	precinct    map[int64]string // PrecinctPortionId -> Description
	invalid     int64            // outstack condition id of InvalidContest
	guessed     bool             // no ContestManifest: metadata made up from the CVRs

	// Per-session scratch, reused from session to session.
	s          djSession
	card       Card
	lastTab    string
	lastBatch  string
	idBuf      []byte
	numStrings map[int64]string
	file       string // the CvrExport file being read, for warnings
	where      string // JSON path of the session being emitted, or ""
	sessIdx    int    // when where is "": the index of that session in Sessions
	slow       bool   // read with jsontext only (no fast path), for tests
	fast       djFast // the byte-level scanner's buffer, reused from file to file
	lastKey    []byte // the member name the scanner read last in the last session (lastKeyID djkGeneric)
	lastKeyID  uint8  // or its number in djKeyNames

	// The names given to the last card's BallotTypeId, CountingGroupId
	// and PrecinctPortionId.
	lastStyle, lastGroup, lastPrecinct djLastName
}

// loc returns the JSON path of the session being emitted.
func (r *djReader) loc() string {
	if r.where == "" {
		r.where = "/Sessions/" + strconv.Itoa(r.sessIdx)
	}
	return r.where
}

type djSession struct {
	tab, batch, rec, mask, uvi []byte
	maskEsc                    bool // mask still holds JSON's short escapes (the scanner leaves them)
	group                      int64
	hasTab, hasBatch, hasRec   bool
	snaps                      [2]djSnap // Original, Modified
}

type djSnap struct {
	present, isCurrent, hasIsCurrent bool
	ballotType, precinct             int64
	cards                            []djCard
}

type djCard struct {
	contests []djContest
}

type djContest struct {
	id                   int64
	overvotes, undervote int64
	invalid              bool
	marks                []djMark
}

type djMark struct {
	cand, rank          int64
	isVote, isAmbiguous bool
	hasCand             bool
}

// djSmallID bounds the Ids looked up by slice (64 Ki entries at most).
const djSmallID = 1 << 16

// djCandRef is a candidate's choice index in the contest info it belongs
// to (nil: not looked up yet).
type djCandRef struct {
	info *djContestInfo
	ch   ChoiceIndex
}

// contestInfo returns the contest with Dominion Id id.
func (r *djReader) contestInfo(id int64) (*djContestInfo, bool) {
	if uint64(id) < uint64(len(r.contestByID)) {
		if info := r.contestByID[id]; info != nil {
			return info, true
		}
	}
	info, ok := r.contests[id]
	if ok && uint64(id) < djSmallID {
		if int(id) >= len(r.contestByID) {
			r.contestByID = append(r.contestByID, make([]*djContestInfo, int(id)+1-len(r.contestByID))...)
		}
		r.contestByID[id] = info
	}
	return info, ok
}

// candidate returns the choice of candidate id in contest info.
func (r *djReader) candidate(info *djContestInfo, id int64) (ChoiceIndex, bool) {
	if uint64(id) < uint64(len(r.candByID)) {
		if c := r.candByID[id]; c.info == info {
			return c.ch, true
		}
	}
	ch, ok := info.cands[id]
	if ok && uint64(id) < djSmallID {
		if int(id) >= len(r.candByID) {
			r.candByID = append(r.candByID, make([]djCandRef, int(id)+1-len(r.candByID))...)
		}
		r.candByID[id] = djCandRef{info, ch}
	}
	return ch, ok
}

// djNext extends s by one element, reusing the memory of an element that an
// earlier session left there, and returns a pointer to it.
func djNext[T any](s *[]T) *T {
	if len(*s) < cap(*s) {
		*s = (*s)[:len(*s)+1]
	} else {
		var zero T
		*s = append(*s, zero)
	}
	return &(*s)[len(*s)-1]
}

func readDominionJSON(e *Election, files []File, opt Options) iter.Seq2[Card, error] {
	return readDominionJSONMode(e, files, opt, false)
}

// readDominionJSONMode reads with the byte-level scanner (slow false) or
// with jsontext alone (slow true), for tests comparing the two.
func readDominionJSONMode(e *Election, files []File, opt Options, slow bool) iter.Seq2[Card, error] {
	return func(yield func(Card, error) bool) {
		r := &djReader{e: e, opt: opt, contests: map[int64]*djContestInfo{}, invalid: 7, numStrings: map[int64]string{}, slow: slow}
		var cvrFiles []File
		manifests := map[string]File{}
		for _, f := range files {
			base := path.Base(strings.ReplaceAll(f.Name, `\`, "/"))
			if i := strings.LastIndexByte(base, ':'); i >= 0 { // zip member names
				base = base[i+1:]
			}
			switch {
			case strings.HasSuffix(base, "Manifest.json"):
				manifests[base] = f
			case strings.EqualFold(path.Ext(base), ".json") && !strings.EqualFold(base, "Configuration.json"):
				cvrFiles = append(cvrFiles, f)
			}
		}
		if err := r.loadManifests(manifests); err != nil {
			yield(Card{}, err)
			return
		}
		if len(cvrFiles) == 0 {
			yield(Card{}, fmt.Errorf("cvr: dominion-json: no CvrExport*.json among %s", describeFiles(files)))
			return
		}
		for _, f := range cvrFiles {
			if !r.readFile(f, yield) {
				return
			}
		}
	}
}

func decodeManifest[T any](f File) ([]T, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	defer rc.Close()
	var m djManifest[T]
	// Manifests are small (at most a few MB), so decoding whole is fine.
	if err := json.NewDecoder(rc).Decode(&m); err != nil {
		return nil, fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	return m.List, nil
}

func (r *djReader) loadManifests(m map[string]File) error {
	names := func(name string) (map[int64]string, error) {
		f, ok := m[name]
		if !ok {
			return nil, nil
		}
		list, err := decodeManifest[djItem](f)
		if err != nil {
			return nil, err
		}
		out := make(map[int64]string, len(list))
		for _, it := range list {
			out[it.ID] = it.Description
		}
		return out, nil
	}
	var err error
	if r.styles, err = names("BallotTypeManifest.json"); err != nil {
		return err
	}
	if r.groups, err = names("CountingGroupManifest.json"); err != nil {
		return err
	}
	if r.precinct, err = names("PrecinctPortionManifest.json"); err != nil {
		return err
	}
	oc, err := names("OutstackConditionManifest.json")
	if err != nil {
		return err
	}
	for id, d := range oc {
		if d == "InvalidContest" { // the IDs vary; the description does not
			r.invalid = id
		}
	}
	f, ok := m["ContestManifest.json"]
	if !ok {
		r.guessed = true
		r.opt.warn("ContestManifest.json", "", "no such file: contest names, vote-for and ranks are guessed from the CVRs")
		return nil
	}
	contests, err := decodeManifest[djItem](f)
	if err != nil {
		return err
	}
	for i, c := range contests {
		if c.VoteFor < 0 || c.NumOfRanks < 0 || c.NumOfRanks > MaxRanks {
			return fmt.Errorf("cvr: %s /List/%d: contest %q: VoteFor %d, NumOfRanks %d out of range", f.Name, i, c.Description, c.VoteFor, c.NumOfRanks)
		}
		ci, err := r.e.AddContest(Contest{ID: strconv.FormatInt(c.ID, 10), Name: c.Description, VoteFor: c.VoteFor, Ranks: c.NumOfRanks})
		if err != nil {
			return fmt.Errorf("cvr: %s /List/%d: %w", f.Name, i, err)
		}
		r.contests[c.ID] = &djContestInfo{index: ci, ranked: c.NumOfRanks > 0, cands: map[int64]ChoiceIndex{}}
	}
	if f, ok := m["CandidateManifest.json"]; ok {
		cands, err := decodeManifest[djItem](f)
		if err != nil {
			return err
		}
		for i, c := range cands {
			info, ok := r.contests[c.ContestID]
			if !ok {
				return fmt.Errorf("cvr: %s /List/%d: candidate %q: ContestId %d is not in ContestManifest.json", f.Name, i, c.Description, c.ContestID)
			}
			ch, err := r.e.AddChoice(info.index, Choice{ID: strconv.FormatInt(c.ID, 10), Name: c.Description, WriteIn: c.Type != "" && c.Type != "Regular"})
			if err != nil {
				return fmt.Errorf("cvr: %s /List/%d: %w", f.Name, i, err)
			}
			info.cands[c.ID] = ch
		}
	}
	return nil
}

// readFile streams one CvrExport file; it returns false when the
// iteration must stop (an error was yielded or the consumer stopped).
func (r *djReader) readFile(f File, yield func(Card, error) bool) bool {
	rc, err := f.Open()
	if err != nil {
		return yield(Card{}, fmt.Errorf("cvr: %s: %w", f.Name, err)) && false
	}
	defer rc.Close()
	j := newJscan(f.Name, rc)
	r.file = f.Name
	stop := false
	nSessions := 0
	scanned := false // the fast path ran: j.d reads what it left
	elem := func() error {
		if err := r.session(j); err != nil {
			return err
		}
		nSessions++
		r.where, r.sessIdx = string(j.d.StackPointer()), -1
		if !r.emit(j.file, yield) {
			stop = true
			return errStop
		}
		return nil
	}
	err = j.object(func(name []byte) error {
		switch string(name) {
		case "ElectionId":
			v, err := j.raw()
			if err == nil && r.e.Name == "" {
				r.e.Name = string(v)
			}
			return err
		case "Sessions":
			if !r.slow && !scanned && j.d.PeekKind() == '[' {
				scanned = true
				// The byte-level scanner; it hands the rest of the array
				// back to elem on anything it does not expect.
				return r.fastSessions(j, rc, yield, &nSessions, &stop, elem)
			}
			return j.array(elem)
		}
		return j.skip()
	})
	if err == errStop {
		return false
	}
	if err != nil {
		return yield(Card{}, err) && false
	}
	if _, err := j.d.ReadToken(); err != io.EOF {
		return yield(Card{}, j.errorf("unexpected data after the top-level object")) && false
	}
	return !stop
}

// errStop unwinds the scanner when the consumer stops iterating.
var errStop = fmt.Errorf("cvr: iteration stopped")

func (r *djReader) session(j *jscan) error {
	s := &r.s
	s.tab, s.batch, s.rec, s.mask, s.uvi = s.tab[:0], s.batch[:0], s.rec[:0], s.mask[:0], s.uvi[:0]
	s.maskEsc = false
	s.group, s.hasTab, s.hasBatch, s.hasRec = -1, false, false, false
	s.snaps[0].present, s.snaps[1].present = false, false
	return j.object(func(name []byte) error {
		var dst *[]byte
		switch string(name) {
		case "TabulatorId":
			dst, s.hasTab = &s.tab, true
		case "BatchId":
			dst, s.hasBatch = &s.batch, true
		case "RecordId":
			dst, s.hasRec = &s.rec, true
		case "ImageMask":
			dst = &s.mask
		case "UniqueVotingIdentifier":
			dst = &s.uvi
		case "CountingGroupId":
			n, err := j.int()
			s.group = n
			return err
		case "Original":
			return r.snapshot(j, &s.snaps[0])
		case "Modified":
			return r.snapshot(j, &s.snaps[1])
		default:
			return j.skip()
		}
		v, err := j.raw()
		*dst = append((*dst)[:0], v...)
		return err
	})
}

func (r *djReader) snapshot(j *jscan, sn *djSnap) error {
	sn.present, sn.isCurrent, sn.hasIsCurrent = true, false, false
	sn.ballotType, sn.precinct = -1, -1
	sn.cards = sn.cards[:0]
	return j.object(func(name []byte) error {
		var err error
		switch string(name) {
		case "IsCurrent":
			sn.hasIsCurrent = true
			sn.isCurrent, err = j.bool()
		case "BallotTypeId":
			sn.ballotType, err = j.int()
		case "PrecinctPortionId":
			sn.precinct, err = j.int()
		case "Cards":
			err = j.array(func() error {
				c := djNext(&sn.cards)
				c.contests = c.contests[:0]
				return j.object(func(name []byte) error {
					if string(name) == "Contests" {
						return r.readContests(j, c)
					}
					return j.skip()
				})
			})
		case "Contests": // before about version 5.10 there is no Cards level
			c := djNext(&sn.cards)
			c.contests = c.contests[:0]
			err = r.readContests(j, c)
		default:
			err = j.skip()
		}
		return err
	})
}

func (r *djReader) readContests(j *jscan, c *djCard) error {
	return j.array(func() error {
		ct := djNext(&c.contests)
		*ct = djContest{id: -1, marks: ct.marks[:0]}
		return j.object(func(name []byte) error {
			var err error
			switch string(name) {
			case "Id":
				ct.id, err = j.int()
			case "Overvotes":
				ct.overvotes, err = j.int()
			case "Undervotes":
				ct.undervote, err = j.int()
			case "OutstackConditionIds":
				err = j.array(func() error {
					n, err := j.int()
					if n == r.invalid {
						ct.invalid = true
					}
					return err
				})
			case "Marks":
				err = j.array(func() error {
					m := djNext(&ct.marks)
					*m = djMark{rank: 1}
					return j.object(func(name []byte) error {
						var err error
						switch string(name) {
						case "CandidateId":
							m.cand, err = j.int()
							m.hasCand = true
						case "Rank":
							m.rank, err = j.int()
						case "IsVote":
							m.isVote, err = j.bool()
						case "IsAmbiguous":
							m.isAmbiguous, err = j.bool()
						default:
							err = j.skip()
						}
						return err
					})
				})
			default:
				err = j.skip()
			}
			return err
		})
	})
}

// recordFromMask recovers the record number from an ImageMask such as
// "...\00005_00001_000022*.*" (tabulator_batch_record), as SHANGRLA and
// rlauxe do for San Francisco's redacted RecordId "X".
func recordFromMask(mask []byte) []byte {
	base := mask[bytes.LastIndexAny(mask, `\/`)+1:]
	parts := bytes.SplitN(base, []byte("_"), 4)
	if len(parts) < 3 {
		return nil
	}
	rec := parts[2]
	end := 0
	for end < len(rec) && rec[end] >= '0' && rec[end] <= '9' {
		end++
	}
	if end == 0 {
		return nil
	}
	rec = bytes.TrimLeft(rec[:end], "0")
	if len(rec) == 0 {
		rec = []byte("0")
	}
	return rec
}

func (r *djReader) name(m map[int64]string, id int64) string {
	if id < 0 {
		return ""
	}
	if s, ok := m[id]; ok {
		return s
	}
	s, ok := r.numStrings[id]
	if !ok {
		s = strconv.FormatInt(id, 10)
		r.numStrings[id] = s
	}
	return s
}

// djLastName is the name r.name gave last for one map: successive cards
// mostly share their style, group and precinct.
type djLastName struct {
	id  int64
	s   string
	set bool
}

func (l *djLastName) name(r *djReader, m map[int64]string, id int64) string {
	if !l.set || l.id != id {
		*l = djLastName{id: id, s: r.name(m, id), set: true}
	}
	return l.s
}

// emit turns the session just read into cards and yields them.
func (r *djReader) emit(file string, yield func(Card, error) bool) bool {
	s := &r.s
	fail := func(format string, args ...any) bool {
		yield(Card{}, fmt.Errorf("cvr: %s %s: %s", file, r.loc(), fmt.Sprintf(format, args...)))
		return false
	}
	if !s.hasTab || !s.hasBatch {
		return fail("session without TabulatorId or BatchId")
	}
	rec := s.rec
	if _, ok := parseIntBytes(rec); !ok {
		if s.maskEsc {
			s.mask, s.maskEsc = unescapeShort(nil, s.mask), false
		}
		// Redacted ("X") or missing: the ImageMask still carries the number.
		if m := recordFromMask(s.mask); m != nil {
			rec = m
		} else {
			return fail("field \"RecordId\": %q is not a number and the ImageMask %q does not give one", s.rec, s.mask)
		}
	}
	// The current snapshot: Original unless adjudication made Modified
	// current. Unlike SHANGRLA, contests are never merged across the two.
	var sn *djSnap
	switch o, m := &s.snaps[0], &s.snaps[1]; {
	case o.present && o.isCurrent:
		sn = o
	case m.present && m.isCurrent:
		sn = m
	case !o.hasIsCurrent && !m.hasIsCurrent && m.present:
		sn = m
	case !o.hasIsCurrent && !m.hasIsCurrent && o.present:
		sn = o
	default:
		r.opt.warn(file, r.loc(), "session %s-%s-%s has no current snapshot (IsCurrent); skipped, as RCTab does", s.tab, s.batch, rec)
		return true
	}
	if string(s.tab) != r.lastTab {
		r.lastTab = string(s.tab)
	}
	if string(s.batch) != r.lastBatch {
		r.lastBatch = string(s.batch)
	}
	pos, _ := parseIntBytes(rec)
	r.idBuf = append(append(append(append(append(r.idBuf[:0], s.tab...), '-'), s.batch...), '-'), rec...)
	imprinted := string(r.idBuf)
	c := &r.card
	for k := range sn.cards {
		c.Votes.Reset()
		id := imprinted
		if len(sn.cards) > 1 {
			id = imprinted + "-" + strconv.Itoa(k+1)
		}
		*c = Card{
			ID:            id,
			Batch:         BatchKey{Jurisdiction: r.opt.Jurisdiction, Tabulator: r.lastTab, Batch: r.lastBatch},
			Position:      int(pos),
			ImprintedID:   imprinted,
			BallotStyle:   r.lastStyle.name(r, r.styles, sn.ballotType),
			CountingGroup: r.lastGroup.name(r, r.groups, s.group),
			Precinct:      r.lastPrecinct.name(r, r.precinct, sn.precinct),
			Votes:         c.Votes,
		}
		for ci := range sn.cards[k].contests {
			if err := r.addContest(c, &sn.cards[k].contests[ci]); err != nil {
				return fail("card %s: %v", id, err)
			}
		}
		if !yield(*c, nil) {
			return false
		}
	}
	return true
}

func (r *djReader) addContest(c *Card, ct *djContest) error {
	if ct.id < 0 {
		return fmt.Errorf("contest without Id")
	}
	info, ok := r.contestInfo(ct.id)
	if !ok {
		if !r.guessed {
			return fmt.Errorf("contest %d is not in ContestManifest.json", ct.id)
		}
		id := strconv.FormatInt(ct.id, 10)
		ci, err := r.e.AddContest(Contest{ID: id, Name: "Contest " + id})
		if err != nil {
			return err
		}
		info = &djContestInfo{index: ci, cands: map[int64]ChoiceIndex{}}
		r.contests[ct.id] = info
	}
	contest := r.e.Contests[info.index]
	if r.guessed {
		// Without the manifest a rank above 1 is the only sign of RCV.
		for _, m := range ct.marks {
			if m.rank > 1 && m.rank <= MaxRanks && int(m.rank) > contest.Ranks {
				contest.Ranks = int(m.rank)
				info.ranked = true
			}
		}
	}
	var f Flags
	if ct.overvotes > 0 {
		f |= Overvote
	}
	if ct.undervote > 0 {
		f |= Undervote
	}
	if ct.invalid {
		f |= Invalid
	}
	c.Votes.Begin(info.index, f)
	n := 0
	if !ct.invalid {
		// Marks usually come in rank order; an insertion sort of the few
		// vote marks keeps the stored selections in rank order regardless.
		marks := ct.marks
		for i := 1; i < len(marks); i++ {
			for k := i; k > 0 && marks[k].rank < marks[k-1].rank; k-- {
				marks[k], marks[k-1] = marks[k-1], marks[k]
			}
		}
		for _, m := range marks {
			if !m.isVote || m.isAmbiguous {
				continue // RCTab skips ambiguous marks; IsVote false marks are not votes
			}
			if !m.hasCand {
				return fmt.Errorf("contest %d: mark without CandidateId", ct.id)
			}
			ch, ok := r.candidate(info, m.cand)
			if !ok {
				var err error
				id := strconv.FormatInt(m.cand, 10)
				if !r.guessed {
					r.opt.warn(r.file, r.loc(), "contest %d: candidate %d is not in CandidateManifest.json; added", ct.id, m.cand)
				}
				if ch, err = r.e.AddChoice(info.index, Choice{ID: id, Name: "Candidate " + id}); err != nil {
					return err
				}
				info.cands[m.cand] = ch
			}
			var rank uint8
			if info.ranked {
				if m.rank < 1 || m.rank > int64(contest.Ranks) {
					return fmt.Errorf("contest %d: candidate %d: Rank %d outside 1..%d", ct.id, m.cand, m.rank, contest.Ranks)
				}
				rank = uint8(m.rank)
			}
			if !c.Votes.Select(Selection{Choice: ch, Rank: rank}) {
				return fmt.Errorf("contest %d: more than %d selections", ct.id, MaxSelections)
			}
			n++
		}
	}
	if !ct.invalid && ct.overvotes == 0 && !info.ranked && n < contest.VoteFor {
		c.Votes.SetFlags(Undervote)
	}
	return nil
}
