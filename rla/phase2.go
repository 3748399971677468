package rla

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/sample"
)

// Two-phase audits (2 CCR 20117(d), 20122) start before every card is
// tabulated. The first phase commits the cards tabulated so far and the
// largest number of cards still to come (Config.Pending). Those become
// pending slots at the end of the card list: phantoms that may hold every
// contest under audit, so the first phase measures risk as if each
// untabulated card were the worst case, and a slot drawn in the first phase
// needs no retrieval.
//
// The second phase commits the final manifest, CVRs and results, and then a
// second seed, rolled after that commitment. Every card keeps its place in
// the list, and so its sample number from the first seed:
//   - a first-phase card keeps its CVR, which must not have changed;
//   - a first-phase phantom stays a phantom, even if its CVR has since
//     appeared: its sample number was public before that CVR was committed;
//   - each card of the batches new in the final manifest (with its CVR, or
//     a phantom if it has none) is assigned to a pending slot by a random
//     permutation of the slots drawn from the second seed (cryptorandom's
//     Fisher-Yates); slots left over hold no card and no contest.
//
// A contest's set of cards can then only have shrunk since the first phase
// (a slot held every contest and now holds the contests of one card, or
// none), so the cards of the first phase's sample below each contest's
// threshold are still the cards of lowest sample number among the contest's
// cards: the first phase's evidence carries over, and sampling continues
// from it. Because the new cards are placed by the second seed, chosen after
// their CVRs were committed, the first seed (public since the first phase)
// tells no one which new card any slot will hold. A first-phase slot that
// now holds a card joins the sample: the card must be retrieved and read.
// Risks are always measured on the final data.

// phase2Data is the second phase's commitment.
type phase2Data struct {
	committed
	NewCards int `json:"new_cards"`
	LateCVRs int `json:"late_cvrs"`
}

// ErrNoSecondSeed is returned by steps of a two-phase audit's second phase
// that need the second seed before it is set.
var ErrNoSecondSeed = errors.New("the second phase's seed is not set yet (rla audit seed, after rla audit phase2)")

// addPendingSlots appends a first-phase audit's pending slots after the
// phantoms: phantoms with every contest under audit.
func (d *Data) addPendingSlots(contests []*contest, n int) {
	d.pendingStart = d.Cards.Len()
	for j := range n {
		c := cvr.Card{ID: "pending-" + strconv.Itoa(j+1), Phantom: true}
		for _, ct := range contests {
			c.Votes.Begin(ct.index, 0)
		}
		d.Cards.Append(&c)
	}
	d.Pending = n
}

// Phase2Options are the second phase's inputs.
type Phase2Options struct {
	Manifest string
	CVRs     []string
	Format   string
	Results  string
	// AcceptInconsistencies lets the audit proceed although reconciliation
	// of the final inputs found inconsistencies.
	AcceptInconsistencies bool
	By                    string
}

// Phase2 commits a two-phase audit's final inputs: it copies them into the
// audit directory, checks them against the first phase (the first phase's
// CVRs unchanged, its batches unchanged, the new cards no more than the
// pending slots), reconciles them and records the commitment. The second
// seed comes next (SetSeed). Calling Phase2 again with the same inputs and
// AcceptInconsistencies records the acceptance.
func (a *Audit) Phase2(o Phase2Options) ([]cvr.Inconsistency, error) {
	switch {
	case a.Config().Pending == 0:
		return nil, errors.New("rla: this audit has one phase: give --pending at init for a two-phase audit")
	case a.st.seed == nil:
		return nil, fmt.Errorf("rla: the first phase has not started: %w", ErrNoSeed)
	case o.Manifest == "" || o.Results == "" || len(o.CVRs) == 0:
		return nil, errors.New("rla: the second phase needs the final manifest, CVRs and results")
	}
	if n := len(a.st.rounds); n > 0 && a.st.draws[n].Round == 0 {
		return nil, errors.New("rla: round " + strconv.Itoa(n) + " is open but not drawn: draw it (rla audit draw) before the second phase")
	}
	if a.phase1 == nil {
		a.phase1 = a.data
	}
	if a.st.phase2 != nil {
		incons := a.st.phase2.Inconsistencies
		if a.st.accepted {
			return incons, errors.New("rla: the second phase's inputs are already committed")
		}
		for _, p := range append(append([]string{o.Manifest}, o.CVRs...), o.Results) {
			if err := sameAsCommitted(p, a.st.phase2.Inputs); err != nil {
				return incons, err
			}
		}
		if !o.AcceptInconsistencies {
			return incons, fmt.Errorf("rla: %w: %d recorded; run phase2 again with --accept-inconsistencies to proceed", ErrInconsistent, len(incons))
		}
		if _, err := a.log.Append(kindAccept, o.By, acceptData{Inconsistencies: len(incons)}); err != nil {
			return incons, err
		}
		a.st.accepted = true
		return incons, nil
	}
	// A phase-2 copy left by a run that stopped before its commitment was
	// recorded is not part of the audit.
	if err := os.RemoveAll(filepath.Join(a.Dir, "inputs", "phase2")); err != nil {
		return nil, fmt.Errorf("rla: %w", err)
	}
	var inputs []InputFile
	add := func(role string, i int, path string) error {
		f, err := copyInput(filepath.Join(a.Dir, "inputs", "phase2"), role, i, path)
		for k := range f {
			f[k].Path = "inputs/phase2/" + f[k].Path
		}
		inputs = append(inputs, f...)
		return err
	}
	err := add("manifest", 0, o.Manifest)
	for i, p := range o.CVRs {
		if err == nil {
			err = add("cvr", i, p)
		}
	}
	if err == nil {
		err = add("results", 0, o.Results)
	}
	var p2 *phase2Data
	if err == nil {
		_, p2, err = a.loadPhase2(inputs, o.Format, nil)
	}
	if err != nil {
		os.RemoveAll(filepath.Join(a.Dir, "inputs", "phase2"))
		return nil, err
	}
	p2.Inputs = inputs
	if _, err := a.log.Append(kindPhase2, o.By, p2); err != nil {
		return nil, err
	}
	a.st.phase2, a.st.phase2Rounds = p2, len(a.st.rounds)
	a.st.accepted = len(p2.Inconsistencies) == 0
	if len(p2.Inconsistencies) > 0 && o.AcceptInconsistencies {
		if _, err := a.log.Append(kindAccept, o.By, acceptData{Inconsistencies: len(p2.Inconsistencies)}); err != nil {
			return nil, err
		}
		a.st.accepted = true
	}
	if !a.st.accepted {
		return p2.Inconsistencies, fmt.Errorf("rla: %w: %d found and recorded; review them, then run phase2 again with the same inputs and --accept-inconsistencies to proceed", ErrInconsistent, len(p2.Inconsistencies))
	}
	return p2.Inconsistencies, nil
}

// loadPhase2 reads the second phase's committed inputs and merges them
// with the first phase's cards. seed2 "" (before the second seed) places
// the new cards in slot order, which changes no count, margin or
// reconciliation; with the seed they go to the slots its permutation picks.
// It returns the merged data and the commitment it implies.
func (a *Audit) loadPhase2(inputs []InputFile, format string, seed2 *string) (*Data, *phase2Data, error) {
	manifests := inputPaths(a.Dir, inputs, "manifest")
	results := inputPaths(a.Dir, inputs, "results")
	if len(manifests) != 1 || len(results) != 1 {
		return nil, nil, errors.New("rla: the second phase's commitment must hold one manifest and one results file")
	}
	d2, err := loadData(manifests[0], inputPaths(a.Dir, inputs, "cvr"), format, results[0], "")
	if err == nil {
		err = d2.finishCommitted(a.Dir, inputs, a.Config()) // as at init: no batch is left out
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := mergePhases(a.phase1, d2, a.Config(), seed2)
	if err != nil {
		return nil, nil, err
	}
	contests, err := buildContests(m, a.Config())
	if err != nil {
		return nil, nil, err
	}
	var before, after []string
	for _, c := range a.contests {
		if !c.Opportunistic {
			before = append(before, c.Name)
		}
	}
	for _, c := range contests {
		if !c.Opportunistic {
			after = append(after, c.Name)
		}
	}
	if !slices.Equal(before, after) {
		return nil, nil, fmt.Errorf("rla: the contests under audit were %q in the first phase and are %q in the final inputs: a second phase audits the same contests", before, after)
	}
	// Reconciliation is of the final inputs as committed, as for any
	// audit; the late CVRs it counts are phantoms in the list, the worse
	// case for the outcome. The inputs are filled in by the caller.
	p2 := &phase2Data{committed: newCommitted(nil, m, m.Cards.Len()-m.Phantoms-m.unused, contests, d2.reconcile()),
		NewCards: m.newCards, LateCVRs: m.lateCVRs}
	return m, p2, nil
}

// mergePhases builds the second phase's card list from the first phase's
// data d1 (prepared, with its phantoms and pending slots) and the final
// inputs d2 (not prepared), keeping every first-phase card's place; see
// the comment at the top of this file.
func mergePhases(d1, d2 *Data, cfg Config, seed2 *string) (*Data, error) {
	if d1.pendingStart == 0 && d1.Pending == 0 {
		return nil, errors.New("rla: the first phase has no pending slots")
	}
	// The contests under audit in the final data: phantoms hold them all.
	contests, err := buildContests(d2, cfg)
	if err != nil {
		return nil, err
	}
	phantomVotes := func(c *cvr.Card) {
		for _, ct := range contests {
			c.Votes.Begin(ct.index, 0)
		}
	}
	// First-phase batches must be unchanged in the final manifest.
	key := func(b cvr.ManifestBatch) cvr.BatchKey { return d2.Manifest.Key(b.Jurisdiction, b.Tabulator, b.Name) }
	final := map[cvr.BatchKey]int{}
	for _, b := range d2.Manifest.Batches {
		final[key(b)] = b.Cards
	}
	initial := map[cvr.BatchKey]bool{}
	for _, b := range d1.Manifest.Batches {
		k := key(b)
		initial[k] = true
		if n, ok := final[k]; !ok || n != b.Cards {
			return nil, fmt.Errorf("rla: batch %s holds %d cards in the first phase's manifest and %d in the final one: the first phase's batches must not change", batchKey(b), b.Cards, n)
		}
	}
	byID := make(map[string]int, d2.Cards.Len())
	for j := range d2.Cards.Len() {
		byID[d2.Cards.Card(j).ID] = j
	}
	m := &Data{Election: d2.Election, Manifest: d2.Manifest, Results: d2.Results, Format: d2.Format, Cards: &cvr.Cards{},
		pendingStart: d1.pendingStart, Pending: d1.Pending}
	used := make([]bool, d2.Cards.Len())
	for i := range d1.pendingStart {
		c1 := d1.Cards.Card(i)
		if c1.Phantom {
			p := cvr.Card{ID: c1.ID, Batch: c1.Batch, Position: c1.Position, Phantom: true}
			phantomVotes(&p)
			m.Cards.Append(&p)
			m.Phantoms++
			continue
		}
		j, ok := byID[c1.ID]
		if !ok {
			return nil, fmt.Errorf("rla: card %s of the first phase is not in the final CVRs", c1.ID)
		}
		c2 := d2.Cards.Card(j)
		if c1.Batch != c2.Batch || c1.Position != c2.Position || !sameVotes(d1.Election, c1.Votes, d2.Election, c2.Votes) {
			return nil, fmt.Errorf("rla: the CVR of card %s changed after the first phase: a committed CVR cannot change (its sample number was public)", c1.ID)
		}
		used[j] = true
		m.Cards.Append(&c2)
	}
	// The new cards: CVRs of batches new in the final manifest, then the
	// phantoms of those batches. CVRs in first-phase batches that the first
	// phase lacked belong to its phantoms, which stay phantoms.
	var newCards []cvr.Card
	newBatch := func(k cvr.BatchKey) bool {
		return !initial[d2.Manifest.Key(k.Jurisdiction, k.Tabulator, k.Batch)]
	}
	for j := range d2.Cards.Len() {
		if used[j] {
			continue
		}
		c := d2.Cards.Card(j)
		if !newBatch(c.Batch) {
			m.lateCVRs++
			continue
		}
		newCards = append(newCards, c.Clone())
	}
	for _, p := range cvr.Phantoms(d2.Manifest, d2.Cards) {
		if newBatch(p.Batch) {
			phantomVotes(&p)
			newCards = append(newCards, p)
		}
	}
	if len(newCards) > d1.Pending {
		return nil, fmt.Errorf("rla: the final inputs hold %d new cards, more than the %d pending cards committed in the first phase: the first phase's sample cannot carry over; audit in a new audit directory", len(newCards), d1.Pending)
	}
	// Slot s holds new card slotCard[s], or none (-1).
	slotCard := make([]int, d1.Pending)
	for s := range slotCard {
		slotCard[s] = -1
	}
	order := make([]int64, d1.Pending)
	for s := range order {
		order[s] = int64(s)
	}
	if seed2 != nil {
		if order, err = sample.RandomPermutation(sample.NewSHA256(*seed2), d1.Pending, sample.FisherYates); err != nil {
			return nil, err
		}
	}
	for k := range newCards {
		slotCard[order[k]] = k
	}
	for s, k := range slotCard {
		if k < 0 {
			m.Cards.Append(&cvr.Card{ID: "pending-" + strconv.Itoa(s+1) + "-unused", Phantom: true})
			m.unused++
			continue
		}
		if newCards[k].Phantom {
			m.Phantoms++
		}
		m.Cards.Append(&newCards[k])
	}
	m.newCards = len(newCards)
	// The population of each contest is counted on the list itself: late
	// CVRs are in the final export but not in the list.
	m.contestCards = map[cvr.ContestIndex]int64{}
	for i := range m.Cards.Len() {
		for cv := range m.Cards.Votes(i).All() {
			m.contestCards[cv.Contest]++
		}
	}
	m.Tally, err = cvr.Tabulate(m.Election, func(yield func(cvr.Card, error) bool) {
		for i := range m.Cards.Len() {
			if c := m.Cards.Card(i); !c.Phantom && !yield(c, nil) {
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	m.RAIRE = d2.RAIRE
	return m, nil
}

// sameVotes reports whether two cards' votes, each read with its own
// election's contest and choice numbering, are the same.
func sameVotes(e1 *cvr.Election, v1 cvr.Votes, e2 *cvr.Election, v2 cvr.Votes) bool {
	if v1.Len() != v2.Len() {
		return false
	}
	for cv1 := range v1.All() {
		c1 := e1.Contest(cv1.Contest)
		ci2, ok := contestIndex(e2, c1.ID)
		if !ok {
			return false
		}
		cv2, ok := v2.Get(ci2)
		if !ok || cv1.Flags != cv2.Flags || cv1.Len() != cv2.Len() {
			return false
		}
		c2 := e2.Contest(ci2)
		for k, s1 := range cv1.Selections() {
			s2 := cv2.Selection(k)
			if s1.Rank != s2.Rank || c1.Choices[s1.Choice].ID != c2.Choices[s2.Choice].ID {
				return false
			}
		}
	}
	return true
}

// carriedDraws returns the first phase's draws of pending slots that now
// hold a card to retrieve, with the card's identity.
func (a *Audit) carriedDraws() []DrawRecord {
	var out []DrawRecord
	for _, d := range a.drawnRecords() {
		if d.Slot != "" && !d.Phantom {
			out = append(out, d)
		}
	}
	return out
}

// Carried returns the draws of a two-phase audit's first phase that took
// a pending slot now holding a card whose reading is not recorded yet: the
// cards to retrieve besides the current round's. Draw returns them too when
// the current round is a first-phase round.
func (a *Audit) Carried() []DrawRecord {
	readings, _ := a.readings()
	var out []DrawRecord
	for _, d := range a.carriedDraws() {
		if readings[d.CardID] == nil {
			out = append(out, d)
		}
	}
	return out
}

// currentRecord returns draw record d with the identity its card has now:
// after the second seed, a pending slot's draw names the card the slot
// holds (or stays a phantom).
func (a *Audit) currentRecord(d DrawRecord) DrawRecord {
	if a.data.Pending == 0 || d.Card < a.data.pendingStart || !a.merged {
		return d
	}
	c := a.data.Cards.Card(d.Card)
	slot := d.CardID
	if d.Slot != "" {
		slot = d.Slot
	}
	d.CardID, d.Jurisdiction, d.Tabulator, d.Batch = c.ID, c.Batch.Jurisdiction, c.Batch.Tabulator, c.Batch.Batch
	d.Position, d.ImprintedID, d.Phantom, d.Slot = c.Position, c.ImprintedID, c.Phantom, slot
	return d
}

// firstPhase reports whether a two-phase audit is in its first phase. The
// pending slots count as worst-case phantoms then, so a contest often
// cannot be confirmed; it is not sent to a full hand count for that (the
// second phase decides), and its escalation sizes are only indicative.
func (a *Audit) firstPhase() bool {
	return a.Config().Pending > 0 && a.st.phase2 == nil
}

// checkPending refuses a two-phase audit whose other choices it cannot
// carry across phases.
func checkPending(o InitOptions, cfg Config) error {
	switch {
	case cfg.Pending < 0:
		return fmt.Errorf("rla: pending cards %d < 0", cfg.Pending)
	case cfg.Pending == 0:
		return nil
	case cfg.Method != Comparison:
		return fmt.Errorf("rla: two-phase audits are ballot-level comparison audits, not %s audits", cfg.Method)
	case len(o.RAIRE) > 0:
		return errors.New("rla: a two-phase audit cannot carry RAIRE assertions to the final CVRs; audit ranked-choice contests in a one-phase audit")
	}
	return nil
}

// phaseTwoNote says, for the report, what the second phase changed.
func (a *Audit) phaseTwoNote() string {
	p := a.st.phase2
	if p == nil {
		return ""
	}
	return fmt.Sprintf("Two-phase audit: the first phase held %d pending slots for cards not yet tabulated; the final inputs added %d cards to them (placed by the second seed), and %d CVRs of first-phase phantoms were left out (those cards stay phantoms).",
		a.Config().Pending, p.NewCards, p.LateCVRs)
}
