package rla

import (
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
	"github.com/rlakit/rlakit/sample"
)

// The states of a contest in an audit.
const (
	// StateInProgress: the contest's sample is drawn and not yet all
	// interpreted, and the risk is still above the limit.
	StateInProgress = "in_progress"
	// StateConfirmed: the measured risk is at or below the risk limit; the
	// reported outcome stands.
	StateConfirmed = "confirmed"
	// StateEscalate: every drawn card is interpreted and the risk is above
	// the limit: another round is needed (rla audit next).
	StateEscalate = "escalate"
	// StateFullHandCount: the next round would need more than the set
	// fraction of the contest's cards, or the official decided so; the
	// contest is counted by hand, and that count's winners are final.
	StateFullHandCount = "full_hand_count"
)

// Discrepancies counts a contest's examined cards by discrepancy class.
type Discrepancies struct {
	O2 int `json:"o2"`
	O1 int `json:"o1"`
	U1 int `json:"u1"`
	U2 int `json:"u2"`
}

// ContestStatus is one contest's standing in the audit.
type ContestStatus struct {
	State string `json:"state"`
	// Risk is the measured risk: the largest p-value of the contest's
	// assertions (1 before any card is examined).
	Risk float64 `json:"risk"`
	// NextRoundSize is the contest's total sample size the next round
	// should reach (escalate), or the current round's (in progress); 0 when
	// the contest is finished.
	NextRoundSize int `json:"next_round_size"`
	// CardsExamined counts the contest's sampled cards whose reading the
	// risk uses (phantoms included).
	CardsExamined int `json:"cards_examined"`
	// CardsDrawn counts the contest's sampled cards in all rounds.
	CardsDrawn    int           `json:"cards_drawn"`
	Discrepancies Discrepancies `json:"discrepancies"`
	// Assertions gives each assertion's p-value.
	Assertions map[string]float64 `json:"assertions"`
	// Opportunistic marks a contest measured on the cards drawn for the
	// targeted ones; it is never escalated.
	Opportunistic bool `json:"opportunistic,omitempty"`
	// HandCount holds the full manual tally, once recorded, and Winners
	// the winners it gives.
	HandCount map[string]int64 `json:"hand_count,omitempty"`
	Winners   []string         `json:"winners"`
}

// Status is the audit's standing.
type Status struct {
	Round    int                       `json:"round"`
	Contests map[string]*ContestStatus `json:"contests"`
	// Awaiting lists drawn cards with no (agreed) interpretation yet.
	Awaiting []string `json:"awaiting,omitempty"`
	// Conflicts lists cards whose double entries disagree.
	Conflicts []EntryConflict `json:"conflicts,omitempty"`
}

// contestMeasure is the measurement of one contest.
type contestMeasure struct {
	ContestStatus
	// values[i] are assertion i's observed values, in sample order.
	values  [][]float64
	classes []map[margin.Discrepancy]int
	// slots counts the pending slots among the sampled cards of a
	// two-phase audit's first phase; classes leave them out.
	slots int
}

// sequence returns the cards of contest k that its risk uses, in sample
// order: for a comparison audit the drawn cards holding the contest, by
// sample number, up to the contest's sample size (consistent sampling draws
// every such card below the contest's threshold, so these are a simple
// random sample of its cards); for polling, and for draws with replacement
// by Rivest's sampler, the drawn cards in draw order (a card drawn twice
// counting twice).
func (a *Audit) sequence(k int) (seq []int, drawn int) {
	c := a.contests[k]
	size := 0
	if n := len(a.st.rounds); n > 0 {
		size = a.st.rounds[n-1].Sizes[c.Name]
	}
	cfg := a.Config()
	for _, card := range a.drawnCards() {
		if !cfg.cardStyle() {
			seq = append(seq, card)
			continue
		}
		if _, ok := a.data.Cards.Card(card).Votes.Get(c.index); ok {
			seq = append(seq, card)
		}
	}
	if cfg.cardStyle() {
		slices.SortFunc(seq, func(x, y int) int { return cmp.Or(a.nums[x].Compare(a.nums[y]), cmp.Compare(x, y)) })
	}
	drawn = len(seq)
	if c.Opportunistic {
		if cfg.cardStyle() {
			seq = a.gapFree(c, seq)
		}
		return seq, drawn
	}
	if len(seq) > size {
		seq = seq[:size]
	}
	return seq, min(drawn, size)
}

// gapFree cuts an opportunistic contest's drawn cards (sorted by sample
// number) at the first card holding the contest that was not drawn: only a
// prefix of the contest's cards in sample-number order is a simple random
// sample of them. It reads every card once.
func (a *Audit) gapFree(c *contest, seq []int) []int {
	if len(seq) == 0 {
		return seq
	}
	drawn := make(map[int]bool, len(seq))
	for _, card := range seq {
		drawn[card] = true
	}
	var first *sample.SampleNumber // smallest number of an undrawn card with the contest
	for i := range a.data.Cards.Len() {
		if drawn[i] {
			continue
		}
		if _, ok := a.data.Cards.Votes(i).Get(c.index); !ok {
			continue
		}
		if first == nil || a.nums[i].Compare(*first) < 0 {
			n := a.nums[i]
			first = &n
		}
	}
	if first == nil {
		return seq
	}
	k := 0
	for k < len(seq) && a.nums[seq[k]].Compare(*first) < 0 {
		k++
	}
	return seq[:k]
}

// measure computes every contest's status from the recorded readings.
func (a *Audit) measure() ([]*contestMeasure, error) {
	readings, _ := a.readings()
	var counts map[int]*batchTally
	if a.Config().Method == Batch {
		counts, _ = a.batchReadings()
	}
	byCard := map[int]string{}
	for _, d := range a.drawnRecords() {
		byCard[d.Card] = d.CardID
	}
	out := make([]*contestMeasure, len(a.contests))
	for k, c := range a.contests {
		m := &contestMeasure{ContestStatus: ContestStatus{State: StateInProgress, Risk: 1, Assertions: map[string]float64{}, Winners: c.Winners, Opportunistic: c.Opportunistic}}
		out[k] = m
		m.values = make([][]float64, len(c.assertions))
		m.classes = make([]map[margin.Discrepancy]int, len(c.assertions))
		if h, ok := a.st.handCounts[c.Name]; ok && h.Tally != nil {
			m.State, m.Risk, m.HandCount, m.Winners = StateFullHandCount, 0, h.Tally, h.Winners
			for _, as := range c.assertions {
				m.Assertions[as.Name] = 0
			}
			continue
		}
		var complete bool
		var pairs []margin.Pair
		var err error
		if a.Config().Method == Batch {
			if complete, err = a.measureBatch(k, m, counts); err != nil {
				return nil, err
			}
		} else {
			complete, pairs, err = a.measureCards(k, m, readings, byCard)
			if err != nil {
				return nil, err
			}
		}
		m.Risk = 0
		for _, p := range m.Assertions {
			m.Risk = math.Max(m.Risk, p)
		}
		if len(c.assertions) == 0 {
			m.Risk = 0
		}
		m.Discrepancies = a.countDiscrepancies(c, pairs)
		switch {
		case a.st.handCounts[c.Name].Decided: // the official's decision, at any time
			m.State = StateFullHandCount
		case m.Risk <= a.Config().RiskLimit:
			m.State = StateConfirmed
		case c.Opportunistic:
			m.State = StateInProgress // measured, never escalated
		case a.handCountCalled(c.Name):
			m.State = StateFullHandCount
		case complete:
			m.State = StateEscalate
		default:
			m.State = StateInProgress
			if n := len(a.st.rounds); n > 0 {
				m.NextRoundSize = a.st.rounds[n-1].Sizes[c.Name]
			}
		}
	}
	return out, nil
}

// measureCards measures contest k of a card-level or polling audit from
// the readings of its sampled cards; complete reports that every card of
// its sequence is read.
func (a *Audit) measureCards(k int, m *contestMeasure, readings map[string]*cardReading, byCard map[int]string) (complete bool, pairs []margin.Pair, err error) {
	c := a.contests[k]
	cardLevel := a.Config().Method.cardLevel()
	seq, drawn := a.sequence(k)
	m.CardsDrawn = drawn
	complete = true
	var slot []bool
	for _, card := range seq {
		var p margin.Pair
		if cardLevel {
			cv := a.data.Cards.Card(card)
			p.CVR, p.Phantom = cv.Votes, cv.Phantom
			if pl := a.data.cardPool(card); pl != nil {
				p.Pool = pl.Name
			}
		}
		if !p.Phantom {
			r := readings[byCard[card]]
			// A card with its own CVR must be read in every contest its CVR
			// holds; a pooled card's board reads what the card holds, a
			// contest not read being one the card lacks, and so does a
			// board reading a card drawn without card-style data.
			_, onCVR := p.CVR.Get(c.index)
			if r == nil || (r.found && cardLevel && p.Pool == "" && onCVR && !hasContest(r, c.index)) {
				complete = false
				break
			}
			p.NotFound = !r.found
			p.MVR = a.mvrVotes(r, p.Pool != "" || !a.Config().cardStyle())
		}
		pairs = append(pairs, p)
		isSlot := a.firstPhase() && card >= a.data.pendingStart
		slot = append(slot, isSlot)
		if isSlot && len(a.contests[k].assertions) > 0 {
			m.slots++
		}
	}
	m.CardsExamined = len(pairs)
	// A polled contest of a comparison audit is measured from the readings
	// alone, as in a polling audit.
	compare := cardLevel && !c.polled
	for i, as := range c.assertions {
		m.classes[i] = map[margin.Discrepancy]int{}
		var test = a.pollingTest(c, i)
		if compare {
			test = a.comparisonTest(c, i)
		}
		st, err := test.Start()
		if err != nil {
			return false, nil, err
		}
		for j, p := range pairs {
			var x float64
			if compare {
				if undetermined(readings[byCard[seq[j]]], c.index) {
					p.NotFound = true // undetermined intent: the worst case, whatever the card style
				}
				v, class, err := c.comparisons[i].Assort(&p)
				if err != nil {
					return false, nil, fmt.Errorf("rla: contest %q: %w", c.Name, err)
				}
				x = a.riskValue(c, i, v)
				if !slot[j] {
					m.classes[i][class]++
				}
			} else if p.Phantom || p.NotFound || undetermined(readings[byCard[seq[j]]], c.index) {
				x = 0 // a phantom, a missing card or undetermined intent counts against the winner
			} else {
				x = as.Assort(p.MVR)
			}
			if err := st.Add(x); err != nil {
				return false, nil, fmt.Errorf("rla: contest %q, assertion %q: %w", c.Name, as.Name, err)
			}
			m.values[i] = append(m.values[i], x)
		}
		m.Assertions[as.Name] = st.P()
	}
	return complete && len(seq) > 0, pairs, nil
}

func undetermined(r *cardReading, ci cvr.ContestIndex) bool {
	return r != nil && slices.Contains(r.contests[ci], Undetermined)
}

func hasContest(r *cardReading, ci cvr.ContestIndex) bool {
	_, ok := r.contests[ci]
	return ok
}

// countDiscrepancies counts a comparison audit's examined cards by
// cardDiscrepancy.
func (a *Audit) countDiscrepancies(c *contest, pairs []margin.Pair) Discrepancies {
	var d Discrepancies
	if !a.Config().Method.cardLevel() {
		return d
	}
	for i := range pairs {
		if pairs[i].Pool != "" {
			continue // a pooled card has no CVR, so no discrepancy class
		}
		switch cardDiscrepancy(c, &pairs[i]) {
		case margin.O2:
			d.O2++
		case margin.O1:
			d.O1++
		case margin.U1:
			d.U1++
		case margin.U2:
			d.U2++
		}
	}
	return d
}

// cardDiscrepancy classes a card by its most serious discrepancy over the
// contest's assertions: an overstatement if any assertion has one (the
// larger), otherwise the larger understatement.
func cardDiscrepancy(c *contest, p *margin.Pair) margin.Discrepancy {
	hi, lo := margin.None, margin.None
	for i := range c.comparisons {
		if _, class, err := c.comparisons[i].Assort(p); err == nil {
			hi, lo = max(hi, class), min(lo, class)
		}
	}
	if hi > margin.None {
		return hi
	}
	return lo
}

// drawnRecords returns every drawn card's record, in draw order; in a
// two-phase audit's second phase, a first-phase draw of a pending slot
// names the card the slot now holds (currentRecord).
func (a *Audit) drawnRecords() []DrawRecord {
	var out []DrawRecord
	for r := 1; r <= len(a.st.rounds); r++ {
		for _, d := range a.st.draws[r].Draws {
			if r <= a.st.phase2Rounds {
				d = a.currentRecord(d)
			}
			out = append(out, d)
		}
	}
	return out
}

// Status measures the risk of every contest and decides its state. For a
// contest that must escalate it estimates the next round's size, and when
// that is more than the audit's maximum fraction of the contest's cards it
// calls for a full hand count instead.
func (a *Audit) Status() (*Status, error) {
	ms, err := a.measure()
	if err != nil {
		return nil, err
	}
	s := &Status{Round: len(a.st.rounds), Contests: map[string]*ContestStatus{}}
	for k, c := range a.contests {
		m := ms[k]
		if m.State == StateEscalate {
			est, err := a.estimateSize(c, m, s.Round+1)
			if err != nil {
				return nil, err
			}
			m.NextRoundSize = max(est.Chosen, m.CardsDrawn+1)
			if float64(m.NextRoundSize) > a.Config().MaxFraction*float64(a.populationSize(c)) && !a.firstPhase() {
				m.State = StateFullHandCount
			}
		}
		cs := m.ContestStatus
		s.Contests[c.Name] = &cs
	}
	readings, conflicts := a.readings()
	s.Conflicts = conflicts
	if a.Config().Method == Batch {
		counts, conflicts := a.batchReadings()
		s.Conflicts, s.Awaiting = conflicts, a.batchesAwaiting(counts)
		return s, nil
	}
	for _, d := range a.drawnRecords() {
		if !d.Phantom && readings[d.CardID] == nil {
			s.Awaiting = append(s.Awaiting, d.CardID)
		}
	}
	return s, nil
}

// recordStatus measures and records the status in the log.
func (a *Audit) recordStatus(by string) (*Status, error) {
	s, err := a.Status()
	if err != nil {
		return nil, err
	}
	e, err := a.log.Append(kindStatus, by, s)
	if err != nil {
		return nil, err
	}
	a.st.statuses = append(a.st.statuses, e)
	return s, nil
}

// HandCount records a full manual tally of a contest from a CSV file with
// columns choice and votes. Its winners replace the reported ones, and the
// contest is finished.
func (a *Audit) HandCount(contestName, path, by string) (*Status, error) {
	c := a.contestByName(contestName)
	if c == nil {
		return nil, fmt.Errorf("rla: contest %q is not under audit", contestName)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rla: %w", err)
	}
	name := filepath.Base(path)
	tally, err := readHandCount(raw, name, a.data.Election.Contest(c.index))
	if err != nil {
		return nil, err
	}
	winners, err := winnersOf(a.data.Election.Contest(c.index), tally)
	if err != nil {
		return nil, fmt.Errorf("rla: hand count %s: %w", name, err)
	}
	h := handCountData{Contest: c.Name, File: name, SHA256: sha256Hex(raw), Tally: tally, Winners: winners}
	if _, err := a.log.Append(kindHandCount, by, h); err != nil {
		return nil, err
	}
	a.st.handCounts[c.Name] = h
	return a.recordStatus(by)
}

// CallHandCount records the official's decision to count a contest by
// hand, at any point of the audit (reason says why, for the report): the
// contest stops sampling and waits for the tally (HandCount), whose winners
// then replace the reported ones. A contest already confirmed can be
// counted too; the count's winners are final.
func (a *Audit) CallHandCount(contestName, reason, by string) (*Status, error) {
	c := a.contestByName(contestName)
	if c == nil {
		return nil, fmt.Errorf("rla: contest %q is not under audit", contestName)
	}
	if h, ok := a.st.handCounts[c.Name]; ok {
		if h.Tally != nil {
			return nil, fmt.Errorf("rla: contest %q's full manual tally is already recorded", c.Name)
		}
		return nil, fmt.Errorf("rla: contest %q is already to be counted by hand; record the tally (--file)", c.Name)
	}
	h := handCountData{Contest: c.Name, Decided: true, Reason: strings.TrimSpace(reason)}
	if _, err := a.log.Append(kindHandCount, by, h); err != nil {
		return nil, err
	}
	a.st.handCounts[c.Name] = h
	return a.recordStatus(by)
}

// winnersOf returns the VoteFor choices with the most votes, or an error on
// a tie for the last winning place.
func winnersOf(ec *cvr.Contest, tally map[string]int64) ([]string, error) {
	names := make([]string, 0, len(ec.Choices))
	for _, ch := range ec.Choices {
		names = append(names, ch.Name)
	}
	slices.SortStableFunc(names, func(x, y string) int { return cmp.Compare(tally[y], tally[x]) })
	n := min(ec.VoteFor, len(names))
	if n < len(names) && tally[names[n-1]] == tally[names[n]] {
		return nil, fmt.Errorf("%q and %q tie with %d votes for the last winning place; the tie must be resolved as the law says", names[n-1], names[n], tally[names[n]])
	}
	return names[:n], nil
}

// readHandCount reads a hand-count CSV: a header naming the columns choice
// (or candidate) and votes, then one row per choice. Choices not listed get
// 0; a choice the contest lacks, a repeated choice or a bad count is an
// error naming the line.
func readHandCount(raw []byte, name string, ec *cvr.Contest) (map[string]int64, error) {
	text, err := cvr.DecodeText(raw)
	if err != nil {
		return nil, fmt.Errorf("rla: hand count %s: %v", name, err)
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	bad := func(line int, format string, args ...any) error {
		return fmt.Errorf("rla: hand count %s line %d: %s", name, line, fmt.Sprintf(format, args...))
	}
	header, err := cr.Read()
	if err != nil {
		return nil, bad(1, "no header row (choice,votes)")
	}
	ci, vi := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "choice", "candidate":
			ci = i
		case "votes":
			vi = i
		}
	}
	if ci < 0 || vi < 0 {
		return nil, bad(1, "the header must name the columns choice and votes")
	}
	tally := map[string]int64{}
	for _, ch := range ec.Choices {
		tally[ch.Name] = 0
	}
	seen := map[string]bool{}
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("rla: hand count %s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		if max(ci, vi) >= len(rec) {
			return nil, bad(line, "too few fields")
		}
		choice := strings.TrimSpace(rec[ci])
		j, ok := choiceByName(ec, choice)
		if !ok {
			return nil, bad(line, "contest %q has no choice %q", ec.Name, choice)
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(rec[vi]), ",", ""), 10, 64)
		if err != nil || n < 0 {
			return nil, bad(line, "field \"votes\" is %q: not a whole number of votes", rec[vi])
		}
		cname := ec.Choices[j].Name
		if seen[cname] {
			return nil, bad(line, "choice %q listed twice", cname)
		}
		seen[cname] = true
		tally[cname] = n
		rows++
	}
	if rows == 0 {
		return nil, fmt.Errorf("rla: hand count %s: no rows", name)
	}
	return tally, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// handCountCalled reports whether a round sent the contest to a full hand
// count because its sample would have been too large.
func (a *Audit) handCountCalled(name string) bool {
	for _, r := range a.st.rounds {
		if slices.Contains(r.HandCount, name) {
			return true
		}
	}
	return false
}
