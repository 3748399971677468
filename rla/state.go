package rla

import (
	"encoding/json"
	"fmt"

	"github.com/rlakit/rlakit/cvr"
)

// The kinds of log entry, in the order an audit meets them.
const (
	kindCommit    = "commit"    // inputs committed, reconciliation run
	kindAccept    = "accept"    // inconsistencies accepted by the official
	kindSeed      = "seed"      // public random seed
	kindRound     = "round"     // a round opened, with its sample sizes
	kindDraw      = "draw"      // a round's sample drawn
	kindRecord    = "record"    // interpretations entered by an audit board
	kindHandCount = "handcount" // a full manual tally of a contest
	kindStatus    = "status"    // risk measured and decisions made
	kindPhase2    = "phase-two" // a two-phase audit's final inputs committed
)

// committed is what a commitment (the audit's, or a two-phase audit's
// second) records of its inputs: the files with their digests, what was
// read from them, the contests and the reconciliation.
type committed struct {
	Inputs          []InputFile         `json:"inputs"`
	Format          string              `json:"format"`
	ManifestBatches int                 `json:"manifest_batches"`
	ManifestCards   int64               `json:"manifest_cards"`
	CVRs            int                 `json:"cvrs"`
	Phantoms        int                 `json:"phantoms"`
	Contests        []ContestSummary    `json:"contests"`
	Inconsistencies []cvr.Inconsistency `json:"inconsistencies"`
}

// newCommitted records inputs and what was read from them into d.
func newCommitted(inputs []InputFile, d *Data, cvrs int, contests []*contest, incons []cvr.Inconsistency) committed {
	c := committed{Inputs: inputs, Format: d.Format, ManifestBatches: len(d.Manifest.Batches), ManifestCards: d.Manifest.Cards(),
		CVRs: cvrs, Phantoms: d.Phantoms, Contests: []ContestSummary{}, Inconsistencies: incons}
	for _, ct := range contests {
		c.Contests = append(c.Contests, ct.ContestSummary)
	}
	return c
}

type commitData struct {
	Config Config `json:"config"`
	committed
	Pooled  int `json:"pooled_cards,omitempty"`
	Pending int `json:"pending,omitempty"`
}

type acceptData struct {
	Inconsistencies int `json:"inconsistencies"`
}

type seedData struct {
	Seed string `json:"seed"`
	How  string `json:"how"`
}

// Estimate is a sample-size estimate: the sizes at which simulated audits
// finished, at several quantiles.
type Estimate struct {
	Chosen    int            `json:"chosen"`
	Quantile  float64        `json:"quantile"`
	Quantiles map[string]int `json:"quantiles"`
}

type roundData struct {
	Round int `json:"round"`
	// Sizes are the contests' cumulative sample sizes after this round.
	Sizes     map[string]int      `json:"sizes"`
	Estimates map[string]Estimate `json:"estimates"`
	// HandCount lists contests whose estimated sample exceeded the audit's
	// maximum fraction of their cards: they go to a full hand count.
	HandCount []string `json:"hand_count,omitempty"`
}

// DrawRecord is one card of a round's sample: a row of the pull list.
type DrawRecord struct {
	Round int `json:"round"`
	Draw  int `json:"draw"`
	// Card is the card's position in the audit's card list (CVRs in the
	// order read, then phantoms); Ticket its sample number (consistent
	// sampling) or ticket (polling), in decimal.
	Card         int    `json:"card"`
	Ticket       string `json:"ticket"`
	CardID       string `json:"card_id"`
	Jurisdiction string `json:"jurisdiction"`
	Tabulator    string `json:"tabulator"`
	Batch        string `json:"batch"`
	Position     int    `json:"position"`
	ImprintedID  string `json:"imprinted_id"`
	Phantom      bool   `json:"phantom,omitempty"`
	// Slot names the pending slot of a two-phase audit's first phase that
	// this draw took, when the card is the one the second phase placed in
	// it (reports and status only; the log records the slot's draw).
	Slot string `json:"slot,omitempty"`
}

type drawData struct {
	Round int          `json:"round"`
	Draws []DrawRecord `json:"draws"`
}

// Interpretation is an audit board's reading of one contest on one card.
type Interpretation struct {
	CardID  string `json:"card_id"`
	Contest string `json:"contest"`
	// Selections are the choices the board read, in rank order for a
	// ranked contest; empty for no vote.
	Selections []string `json:"selections"`
	// Found is false when the card could not be located.
	Found bool `json:"found"`
}

type recordData struct {
	File   string           `json:"file"`
	SHA256 string           `json:"sha256"`
	Rows   []Interpretation `json:"rows"`
	// Batches holds a batch comparison audit's hand counts.
	Batches []BatchCount `json:"batches,omitempty"`
}

// BatchCount is an audit board's hand count of one drawn batch in a batch
// comparison audit.
type BatchCount struct {
	// Batch is the batch's key, as in the pull list's card_id column.
	Batch string `json:"batch"`
	// Found is false when the batch could not be located.
	Found bool `json:"found"`
	// Votes are the votes counted, by contest and choice name.
	Votes map[string]map[string]int64 `json:"votes,omitempty"`
}

type handCountData struct {
	Contest string `json:"contest"`
	// Decided records the official's decision to count the contest by hand,
	// before the tally (which a later entry brings); Reason says why.
	Decided bool             `json:"decided,omitempty"`
	Reason  string           `json:"reason,omitempty"`
	File    string           `json:"file"`
	SHA256  string           `json:"sha256"`
	Tally   map[string]int64 `json:"tally"`
	Winners []string         `json:"winners"`
}

// state is the audit as its log describes it.
type state struct {
	commit     *commitData
	accepted   bool
	seed       *seedData
	seedEntry  Entry
	rounds     []roundData
	draws      map[int]drawData // by round
	records    []recordEntry
	handCounts map[string]handCountData
	statuses   []Entry
	// A two-phase audit's second phase: its commitment, the number of
	// rounds opened before it, and its seed.
	phase2       *phase2Data
	phase2Entry  Entry
	phase2Rounds int
	seed2        *seedData
	seed2Entry   Entry
}

type recordEntry struct {
	Entry
	recordData
}

// fold replays the log into a state, checking that the steps come in an
// order the workflow allows.
func fold(entries []Entry) (*state, error) {
	s := &state{draws: map[int]drawData{}, handCounts: map[string]handCountData{}}
	for _, e := range entries {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("rla: log entry %d (%s): %s", e.Seq, e.Kind, fmt.Sprintf(format, args...))
		}
		decode := func(v any) error {
			if err := json.Unmarshal(e.Data, v); err != nil {
				return bad("%v", err)
			}
			return nil
		}
		if e.Kind != kindCommit && s.commit == nil {
			return nil, bad("the log does not start with the commitment of the inputs")
		}
		switch e.Kind {
		case kindCommit:
			if s.commit != nil {
				return nil, bad("inputs committed twice")
			}
			s.commit = &commitData{}
			if err := decode(s.commit); err != nil {
				return nil, err
			}
			s.accepted = len(s.commit.Inconsistencies) == 0
		case kindAccept:
			s.accepted = true
		case kindSeed:
			if !s.accepted {
				return nil, bad("seed set before the inconsistencies were accepted")
			}
			seed := &seedData{}
			if err := decode(seed); err != nil {
				return nil, err
			}
			switch {
			case s.seed == nil:
				s.seed, s.seedEntry = seed, e
			case s.phase2 != nil && s.seed2 == nil:
				s.seed2, s.seed2Entry = seed, e
			default:
				return nil, bad("seed set twice")
			}
		case kindPhase2:
			if s.commit.Config.Pending == 0 || s.seed == nil || s.phase2 != nil {
				return nil, bad("a second phase must follow the first phase of a two-phase audit, once")
			}
			s.phase2 = &phase2Data{}
			if err := decode(s.phase2); err != nil {
				return nil, err
			}
			s.phase2Entry, s.phase2Rounds = e, len(s.rounds)
			s.accepted = len(s.phase2.Inconsistencies) == 0
		case kindRound:
			var r roundData
			if err := decode(&r); err != nil {
				return nil, err
			}
			if s.seed == nil || r.Round != len(s.rounds)+1 || (s.phase2 != nil && s.seed2 == nil) {
				return nil, bad("round %d opened out of order", r.Round)
			}
			s.rounds = append(s.rounds, r)
		case kindDraw:
			var d drawData
			if err := decode(&d); err != nil {
				return nil, err
			}
			if d.Round != len(s.rounds) || s.draws[d.Round].Round != 0 {
				return nil, bad("draw for round %d out of order", d.Round)
			}
			s.draws[d.Round] = d
		case kindRecord:
			var r recordData
			if err := decode(&r); err != nil {
				return nil, err
			}
			s.records = append(s.records, recordEntry{e, r})
		case kindHandCount:
			var h handCountData
			if err := decode(&h); err != nil {
				return nil, err
			}
			s.handCounts[h.Contest] = h
		case kindStatus:
			s.statuses = append(s.statuses, e)
		default:
			return nil, bad("unknown kind of entry")
		}
	}
	return s, nil
}
