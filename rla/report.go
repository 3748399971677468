package rla

import (
	"cmp"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
)

// Report is the audit report that 2 CCR 20125 asks for. It lists the CVRs
// of the examined cards only: California treats CVRs as confidential, and
// the report is public.
type Report struct {
	Title     string        `json:"title"`
	AuditType string        `json:"audit_type"`
	RiskLimit float64       `json:"risk_limit"`
	Started   time.Time     `json:"started"`
	Finished  time.Time     `json:"finished"`
	Complete  bool          `json:"complete"`
	Rounds    []RoundReport `json:"rounds"`
	// LogHead is the SHA-256 of the last log entry: publishing it pins the
	// audit's whole recorded history.
	LogHead  string      `json:"log_head"`
	Inputs   []InputFile `json:"inputs"`
	Manifest struct {
		Batches int   `json:"batches"`
		Cards   int64 `json:"cards"`
	} `json:"manifest"`
	CVRs            int                 `json:"cvrs"`
	Phantoms        int                 `json:"phantoms"`
	Seed            *SeedReport         `json:"seed"`
	Selection       string              `json:"selection"`
	RiskFunction    string              `json:"risk_function"`
	Inconsistencies []cvr.Inconsistency `json:"inconsistencies"`
	Accepted        bool                `json:"inconsistencies_accepted"`
	Contests        []ContestReport     `json:"contests"`
	Undetermined    []CardContest       `json:"undetermined_intent"`
	Examined        []ExaminedCard      `json:"cards_examined"`
	Discrepancies   map[string]string   `json:"discrepancy_classes"`
	Log             []LogLine           `json:"log"`
	// Pending is a two-phase audit's number of pending slots, and
	// SecondPhase its second phase, once committed.
	Pending     int          `json:"pending,omitempty"`
	SecondPhase *PhaseReport `json:"second_phase,omitempty"`
}

// PhaseReport describes a two-phase audit's second phase: the final
// inputs, their reconciliation, the second seed and the cards drawn as
// pending slots in the first phase that hold a card now.
type PhaseReport struct {
	Note            string              `json:"note"`
	Committed       time.Time           `json:"committed"`
	By              string              `json:"by"`
	Inputs          []InputFile         `json:"inputs"`
	Manifest        [2]int64            `json:"manifest_batches_cards"`
	CVRs            int                 `json:"cvrs"`
	Phantoms        int                 `json:"phantoms"`
	NewCards        int                 `json:"new_cards"`
	LateCVRs        int                 `json:"late_cvrs"`
	Inconsistencies []cvr.Inconsistency `json:"inconsistencies"`
	Seed            *SeedReport         `json:"seed"`
	Carried         []string            `json:"carried_cards"`
}

// SeedReport says what the seed was and when and how it was generated.
type SeedReport struct {
	Seed       string    `json:"seed"`
	How        string    `json:"how"`
	RecordedAt time.Time `json:"recorded_at"`
	By         string    `json:"by"`
}

// RoundReport describes one round.
type RoundReport struct {
	Round    int                 `json:"round"`
	Opened   time.Time           `json:"opened"`
	Sizes    map[string]int      `json:"sizes"`
	Estimate map[string]Estimate `json:"estimates"`
	Drawn    int                 `json:"cards_drawn"`
}

// ContestReport is one contest's part of the report.
type ContestReport struct {
	Name            string            `json:"name"`
	VoteFor         int               `json:"vote_for"`
	Cards           int64             `json:"cards"`
	Reported        map[string]int64  `json:"reported_results"`
	ReportedWinners []string          `json:"reported_winners"`
	Assertions      []AssertionReport `json:"assertions"`
	State           string            `json:"state"`
	Risk            float64           `json:"measured_risk"`
	CardsExamined   int               `json:"cards_examined"`
	Discrepancies   Discrepancies     `json:"discrepancies"`
	HandCount       map[string]int64  `json:"full_manual_tally,omitempty"`
	Winners         []string          `json:"winners"`
	Outcome         string            `json:"outcome"`
	Opportunistic   bool              `json:"opportunistic,omitempty"`
	// AuditType and RiskFunction say how this contest is audited: they
	// differ between contests of a hybrid audit with and without pools.
	AuditType    string `json:"audit_type"`
	RiskFunction string `json:"risk_function"`
}

// AssertionReport is one assertion of a contest with its margin and risk.
type AssertionReport struct {
	Name   string  `json:"name"`
	Margin float64 `json:"diluted_margin"`
	Risk   float64 `json:"risk"`
}

// CardContest names a contest on a card.
type CardContest struct {
	CardID  string `json:"card_id"`
	Contest string `json:"contest"`
}

// ExaminedCard is one card the audit examined: where it is, what the audit
// board read and, in a comparison audit, its CVR and discrepancies.
type ExaminedCard struct {
	DrawRecord
	Found       bool                `json:"found"`
	Interpreted bool                `json:"interpreted"`
	Reading     map[string][]string `json:"reading,omitempty"`
	CVR         map[string][]string `json:"cvr,omitempty"`
	// Pool names a hybrid audit's pooled batch when the card has no CVR of
	// its own.
	Pool string `json:"pool,omitempty"`
	// Reported and Counted are a batch comparison audit's reported and
	// hand-counted votes of the drawn batch, by contest and choice.
	Reported      map[string]map[string]int64 `json:"reported_counts,omitempty"`
	Counted       map[string]map[string]int64 `json:"counted,omitempty"`
	Discrepancies map[string]string           `json:"discrepancies,omitempty"`
	By            []string                    `json:"entered_by,omitempty"`
}

// LogLine summarises one log entry.
type LogLine struct {
	Seq  int       `json:"seq"`
	Kind string    `json:"kind"`
	Time time.Time `json:"time"`
	By   string    `json:"by"`
}

var discrepancyClasses = map[string]string{
	"o2": "two-vote overstatement: the CVR showed a vote for a reported winner, the paper a vote for a loser",
	"o1": "one-vote overstatement: the CVR overstated the winner's lead by one vote (e.g. a winner vote the paper lacks)",
	"u1": "one-vote understatement: the CVR understated the winner's lead by one vote",
	"u2": "two-vote understatement: the CVR showed a loser vote, the paper a winner vote",
}

// Report builds the audit report from the log and the current status.
func (a *Audit) Report() (*Report, error) {
	st, err := a.Status()
	if err != nil {
		return nil, err
	}
	cfg := a.Config()
	entries := a.log.Entries()
	r := &Report{
		Title:           "Risk-limiting audit report",
		RiskLimit:       cfg.RiskLimit,
		Started:         entries[0].Time,
		Finished:        entries[len(entries)-1].Time,
		LogHead:         a.Head(),
		Inputs:          a.st.commit.Inputs,
		CVRs:            a.st.commit.CVRs,
		Phantoms:        a.st.commit.Phantoms,
		Inconsistencies: a.st.commit.Inconsistencies,
		Accepted:        a.st.accepted,
		Discrepancies:   discrepancyClasses,
	}
	r.Manifest.Batches, r.Manifest.Cards = a.st.commit.ManifestBatches, a.st.commit.ManifestCards
	switch cfg.Method {
	case Comparison, Hybrid:
		r.AuditType = "ballot-level comparison audit (2 CCR 20119)"
		r.Selection = "Consistent sampling with card-style data (Stark's SHANGRLA): every card, in the order of the CVR export followed by the phantoms, gets a sample number, the SHA-256 of the seed, a comma and as many zero bytes as its position; cards are taken in increasing order of sample number while a contest on them still needs cards. Later rounds extend the earlier sample."
		r.RiskFunction = "ALPHA supermartingale with SHANGRLA's optimal comparison bet (Stark 2023), sampling without replacement, on the overstatement assorters of each contest's assertions (Stark 2020)."
		if cfg.Method == Hybrid {
			r.AuditType = "hybrid audit: ballot-level comparison where cards have CVRs, with the batches that have only reported counts as pools (ONEAudit, Stark 2023)"
			r.Selection = strings.Replace(r.Selection, "followed by the phantoms", "followed by the phantoms and then the cards of each pooled batch", 1)
			r.RiskFunction += " A pooled card's CVR is replaced by its pool's mean assorter value, computed from the batch's reported counts."
		}
	case Batch:
		r.AuditType = "batch comparison audit: drawn batches are counted by hand and compared with their reported counts"
		r.Selection = "Rivest's sampler (sampler.py): draw k is the SHA-256 of the seed, a comma and k, as an integer modulo the manifest's cards, plus 1; the card at that position of the manifest is drawn and its whole batch is counted. Draws are with replacement, so a batch is drawn with probability proportional to its cards and may be drawn more than once; each draw counts once in the risk."
		r.RiskFunction = "ALPHA supermartingale with SHANGRLA's optimal comparison bet (Stark 2023), sampling with replacement, on the batch-level overstatement assorters of each contest's assertions (Stark 2020): each drawn batch's overstatement per card."
	default:
		r.AuditType = "ballot polling audit (2 CCR 20118)"
		r.Selection = "Consistent sampling with ticket numbers (Rivest's consistent_sampler as Arlo uses it): each card of the manifest gets a ticket from the SHA-256 of the seed's hash and the card's (jurisdiction, tabulator, batch, position); cards are drawn in increasing order of ticket, without replacement."
		r.RiskFunction = "ALPHA supermartingale with the shrink-truncate estimator (Stark 2023), whose prior guess is the assorter mean the reported results imply, sampling without replacement, on the assorters of each contest's assertions (Stark 2020)."
	}
	if cfg.Selection == SelectRivest && cfg.Method != Batch {
		list := "the CVRs in the order of the export followed by the phantoms"
		if cfg.Method == Polling {
			list = "the manifest's cards in manifest order"
		}
		r.Selection = "Rivest's sampler (sampler.py), with replacement: draw k is the SHA-256 of the seed, a comma and k, as an integer modulo the number of cards, plus 1, the position of the drawn card among " + list + ". A card drawn twice counts twice; every draw counts for every contest."
		r.RiskFunction = strings.Replace(r.RiskFunction, "without replacement", "with replacement", 1)
	}
	if cfg.Selection == SelectTickets && cfg.Method.cardLevel() {
		r.Selection = "Consistent sampling with ticket numbers over the manifest, as Arlo draws (Rivest's consistent_sampler): each card position gets a ticket from the SHA-256 of the seed's hash and its (jurisdiction, tabulator, batch, position); positions are drawn in increasing order of ticket, without replacement, and each names the CVR (or phantom) at that position. Every draw counts for every contest."
	}
	switch cfg.RiskFunction {
	case RiskKaplanMarkov:
		r.RiskFunction = fmt.Sprintf("Kaplan-Markov P-value of Stark's super-simple comparison audits (Stark 2009, 2010) with error inflation γ = %g: the product over the draws of (1 − v/(2γu)) / (1 − ω/(γu)), ω the draw's overstatement and v the diluted margin, for each assertion.", cfg.Gamma)
	case RiskBravo:
		r.RiskFunction = "BRAVO (Lindeman, Stark & Yates 2012): Wald's sequential probability ratio test of each winner-loser pair, at the winner's reported share of the pair's votes, sampling with replacement."
	}
	if a.st.seed != nil {
		r.Seed = &SeedReport{Seed: a.st.seed.Seed, How: a.st.seed.How, RecordedAt: a.st.seedEntry.Time, By: a.st.seedEntry.By}
	}
	r.Pending = cfg.Pending
	if p := a.st.phase2; p != nil {
		ph := &PhaseReport{Note: a.phaseTwoNote(), Committed: a.st.phase2Entry.Time, By: a.st.phase2Entry.By, Inputs: p.Inputs,
			Manifest: [2]int64{int64(p.ManifestBatches), p.ManifestCards}, CVRs: p.CVRs, Phantoms: p.Phantoms,
			NewCards: p.NewCards, LateCVRs: p.LateCVRs, Inconsistencies: p.Inconsistencies, Carried: []string{}}
		if s := a.st.seed2; s != nil {
			ph.Seed = &SeedReport{Seed: s.Seed, How: s.How, RecordedAt: a.st.seed2Entry.Time, By: a.st.seed2Entry.By}
		}
		for _, d := range a.carriedDraws() {
			ph.Carried = append(ph.Carried, d.CardID+" (slot "+d.Slot+")")
		}
		r.SecondPhase = ph
	}
	roundOpened := map[int]time.Time{}
	for _, e := range entries {
		r.Log = append(r.Log, LogLine{Seq: e.Seq, Kind: e.Kind, Time: e.Time, By: e.By})
		if e.Kind == kindRound {
			roundOpened[len(roundOpened)+1] = e.Time
		}
	}
	for _, rd := range a.st.rounds {
		r.Rounds = append(r.Rounds, RoundReport{Round: rd.Round, Opened: roundOpened[rd.Round], Sizes: rd.Sizes, Estimate: rd.Estimates, Drawn: len(a.st.draws[rd.Round].Draws)})
	}
	r.Complete = true
	for _, c := range a.contests {
		s := st.Contests[c.Name]
		cr := ContestReport{
			Name: c.Name, VoteFor: c.VoteFor, Cards: c.Cards, Reported: c.Reported, ReportedWinners: c.Winners,
			State: s.State, Risk: s.Risk, CardsExamined: s.CardsExamined, Discrepancies: s.Discrepancies,
			HandCount: s.HandCount, Winners: s.Winners,
		}
		for _, as := range c.Assertions {
			cr.Assertions = append(cr.Assertions, AssertionReport{Name: as.Name, Margin: as.Margin, Risk: s.Assertions[as.Name]})
		}
		cr.Opportunistic = c.Opportunistic
		cr.AuditType, cr.RiskFunction = a.contestMethod(c)
		switch {
		case c.Opportunistic && s.State != StateConfirmed:
			cr.Outcome = fmt.Sprintf("not targeted; measured on the cards drawn for the other contests at risk %.4g: not confirmed by this audit", s.Risk)
		case s.State == StateConfirmed && c.Opportunistic:
			cr.Outcome = fmt.Sprintf("not targeted, but confirmed at risk %.4g (limit %g) on the cards drawn for the other contests", s.Risk, cfg.RiskLimit)
		case s.State == StateConfirmed:
			cr.Outcome = fmt.Sprintf("confirmed at risk %.4g (limit %g): the reported winners stand", s.Risk, cfg.RiskLimit)
		case s.State == StateFullHandCount && s.HandCount != nil:
			cr.Outcome = "decided by a full manual tally, whose winners are final"
			if !slices.Equal(s.Winners, c.Winners) {
				cr.Outcome += ": they differ from the reported winners"
			}
		case s.State == StateFullHandCount:
			cr.Outcome = "a full manual tally is required and has not been recorded"
			if h := a.st.handCounts[c.Name]; h.Decided {
				cr.Outcome = "the official decided on a full manual tally"
				if h.Reason != "" {
					cr.Outcome += " (" + h.Reason + ")"
				}
				cr.Outcome += "; it has not been recorded"
			}
			r.Complete = false
		default:
			cr.Outcome = "the audit of this contest is not finished"
			r.Complete = false
		}
		r.Contests = append(r.Contests, cr)
	}
	readings, _ := a.readings()
	var counts map[int]*batchTally
	var idx map[string]int
	if cfg.Method == Batch {
		counts, _ = a.batchReadings()
		idx = a.batchIndex()
	}
	for _, d := range a.drawnRecords() {
		ex := ExaminedCard{DrawRecord: d}
		rd := readings[d.CardID]
		if d.Phantom {
			ex.Found = false
		} else if rd != nil {
			ex.Interpreted, ex.Found, ex.By = true, rd.found, rd.by
			ex.Reading = map[string][]string{}
			for _, c := range a.contests {
				if sel, ok := rd.contests[c.index]; ok {
					ex.Reading[c.Name] = sel
					if slices.Contains(sel, Undetermined) {
						r.Undetermined = append(r.Undetermined, CardContest{CardID: d.CardID, Contest: c.Name})
					}
				}
			}
		}
		if cfg.Method == Batch {
			b := idx[d.CardID]
			ex.Reported = countsByName(a.data.Election, a.contests, a.data.BatchTallies.byBatch(b))
			if t := counts[b]; t != nil {
				ex.Interpreted, ex.Found, ex.Counted = true, t.Found, countsByName(a.data.Election, a.contests, t)
			}
		}
		if pl := a.data.cardPool(d.Card); pl != nil && cfg.Method == Hybrid {
			// A pooled card has no CVR, so no discrepancy class: its pool's
			// mean stands for it.
			ex.Pool = pl.Name
		} else if cfg.Method.cardLevel() {
			card := a.data.Cards.Card(d.Card)
			ex.CVR = votesByName(a.data.Election, a.contests, card.Votes)
			if ex.Interpreted || d.Phantom {
				ex.Discrepancies = map[string]string{}
				p := margin.Pair{CVR: card.Votes, Phantom: d.Phantom}
				if rd != nil {
					p.NotFound, p.MVR = !rd.found, a.mvrVotes(rd, false)
				}
				for _, c := range a.contests {
					if _, on := card.Votes.Get(c.index); !on {
						continue
					}
					worst := cardDiscrepancy(c, &p)
					if worst != margin.None {
						ex.Discrepancies[c.Name] = strings.ToLower(worst.String())
					}
				}
			}
		}
		r.Examined = append(r.Examined, ex)
	}
	return r, nil
}

// contestMethod names how contest c is audited and its risk function.
func (a *Audit) contestMethod(c *contest) (method, risk string) {
	cfg := a.Config()
	method = string(cfg.Method)
	if cfg.Method == Hybrid && a.data.pooledCards(c.index) == 0 {
		method = string(Comparison) + " (no pooled cards)"
	}
	switch {
	case len(c.assertions) == 0:
	case c.polled:
		method, risk = "polling (cards drawn with the comparison sample, by card style)", "ALPHA, shrink_trunc"
	case cfg.Method == Polling && cfg.RiskFunction == RiskBravo:
		risk = "BRAVO"
	case cfg.Method == Polling:
		risk = "ALPHA, shrink_trunc"
	case cfg.Method == Batch:
		risk = "ALPHA, optimal_comparison, batch-level"
	case cfg.RiskFunction == RiskKaplanMarkov:
		risk = fmt.Sprintf("Kaplan-Markov, gamma %g", cfg.Gamma)
	case cfg.Method == Hybrid && a.data.pooledCards(c.index) > 0:
		risk = "betting martingale, agrapa"
	default:
		risk = "ALPHA, optimal_comparison"
	}
	return method, risk
}

// countsByName gives a batch's counts in the contests under audit by
// contest and choice name.
func countsByName(e *cvr.Election, contests []*contest, t *batchTally) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	if t == nil {
		return out
	}
	for _, c := range contests {
		v := t.Votes[c.index]
		if v == nil {
			continue
		}
		out[c.Name] = map[string]int64{}
		for j, n := range v {
			out[c.Name][e.Contest(c.index).Choices[j].Name] = n
		}
	}
	return out
}

// countsText writes counts by contest for a table cell.
func countsText(m map[string]map[string]int64) string {
	out := map[string][]string{}
	for contest, votes := range m {
		names := make([]string, 0, len(votes))
		for n := range votes {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			out[contest] = append(out[contest], fmt.Sprintf("%s %d", n, votes[n]))
		}
	}
	return readingText(out)
}

func votesByName(e *cvr.Election, contests []*contest, v cvr.Votes) map[string][]string {
	out := map[string][]string{}
	for _, c := range contests {
		cv, ok := v.Get(c.index)
		if !ok {
			continue
		}
		ec := e.Contest(c.index)
		sel := []string{}
		for _, s := range cv.Selections() {
			sel = append(sel, ec.Choices[s.Choice].Name)
		}
		if cv.Flags&cvr.Overvote != 0 {
			sel = append(sel, "(overvote)")
		}
		out[c.Name] = sel
	}
	return out
}

// Markdown writes the report for people.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# %s\n\n", r.Title)
	status := "complete"
	if !r.Complete {
		status = "NOT complete"
	}
	p("- Audit type: %s\n- Risk limit: %g%%\n- Started: %s; last step: %s; rounds: %d; the audit is %s.\n",
		r.AuditType, 100*r.RiskLimit, r.Started.Format(time.RFC3339), r.Finished.Format(time.RFC3339), len(r.Rounds), status)
	p("- Audit log head (SHA-256 of the last entry; publish it to pin the record): `%s`\n\n", r.LogHead)

	p("## Outcomes\n\n| contest | audit type | risk function | reported winners | state | measured risk | cards examined | o2 | o1 | u1 | u2 | outcome |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Contests {
		p("| %s | %s | %s | %s | %s | %.4g | %d | %d | %d | %d | %d | %s |\n", c.Name, c.AuditType, c.RiskFunction, strings.Join(c.ReportedWinners, ", "), c.State, c.Risk, c.CardsExamined,
			c.Discrepancies.O2, c.Discrepancies.O1, c.Discrepancies.U1, c.Discrepancies.U2, c.Outcome)
	}
	p("\nThe measured risk is the largest chance, over the contest's assertions, that an audit of a wrong outcome would have produced evidence this strong; the reported outcome is confirmed when it is at or below the risk limit.\n\n")

	p("## Reported results\n\n")
	for _, c := range r.Contests {
		p("### %s (vote for %d; %d cards may hold it)\n\n| choice | reported votes |\n|---|---|\n", c.Name, c.VoteFor, c.Cards)
		names := make([]string, 0, len(c.Reported))
		for n := range c.Reported {
			names = append(names, n)
		}
		slices.SortFunc(names, func(x, y string) int { return cmp.Or(cmp.Compare(c.Reported[y], c.Reported[x]), strings.Compare(x, y)) })
		for _, n := range names {
			p("| %s | %d |\n", n, c.Reported[n])
		}
		p("\n| assertion | diluted margin | risk |\n|---|---|---|\n")
		for _, as := range c.Assertions {
			p("| %s | %.6g | %.4g |\n", as.Name, as.Margin, as.Risk)
		}
		if c.HandCount != nil {
			p("\nFull manual tally: ")
			var parts []string
			for _, n := range names {
				parts = append(parts, fmt.Sprintf("%s %d", n, c.HandCount[n]))
			}
			p("%s. Winners: %s.\n", strings.Join(parts, ", "), strings.Join(c.Winners, ", "))
		}
		p("\n")
	}

	p("## Inputs\n\nThe ballot manifest lists %d batches with %d cards; the CVR export holds %d cards; %d cards of the manifest have no CVR and enter the audit as phantoms, counted in the way least favourable to the reported outcome.\n\n| role | file | SHA-256 | bytes |\n|---|---|---|---|\n",
		r.Manifest.Batches, r.Manifest.Cards, r.CVRs, r.Phantoms)
	for _, f := range r.Inputs {
		p("| %s | %s | `%s` | %d |\n", f.Role, f.Name, f.SHA256, f.Bytes)
	}
	p("\n## Inconsistencies found by reconciliation\n\n")
	if len(r.Inconsistencies) == 0 {
		p("None: the manifest, the CVRs and the reported results agree.\n\n")
	} else {
		p("| kind | batch or contest | expected | found | cause |\n|---|---|---|---|---|\n")
		for _, in := range r.Inconsistencies {
			p("| %s | %s | %d | %d | %s |\n", in.Kind, cmp.Or(in.Batch, in.Contest+" "+in.Choice, in.ID), in.Expected, in.Found, in.Cause)
		}
		if r.Accepted {
			p("\nThe official accepted these inconsistencies before the seed was set.\n\n")
		}
	}
	if r.Pending > 0 {
		p("## Two phases\n\nThe first phase held %d pending slots for cards not yet tabulated, counted as phantoms (the worst case).\n\n", r.Pending)
		if ph := r.SecondPhase; ph != nil {
			p("%s\n\nThe final inputs were committed %s by %s: the manifest lists %d batches with %d cards; %d CVRs and %d phantoms are audited.\n\n| role | file | SHA-256 | bytes |\n|---|---|---|---|\n",
				ph.Note, ph.Committed.Format(time.RFC3339), ph.By, ph.Manifest[0], ph.Manifest[1], ph.CVRs, ph.Phantoms)
			for _, f := range ph.Inputs {
				p("| %s | %s | `%s` | %d |\n", f.Role, f.Name, f.SHA256, f.Bytes)
			}
			if len(ph.Inconsistencies) == 0 {
				p("\nReconciliation of the final inputs found no inconsistency.\n\n")
			} else {
				p("\n| kind | batch or contest | expected | found | cause |\n|---|---|---|---|---|\n")
				for _, in := range ph.Inconsistencies {
					p("| %s | %s | %d | %d | %s |\n", in.Kind, cmp.Or(in.Batch, in.Contest+" "+in.Choice, in.ID), in.Expected, in.Found, in.Cause)
				}
				p("\n")
			}
			if s := ph.Seed; s != nil {
				p("Second seed `%s`, %s; recorded %s by %s. It placed the new cards in the pending slots.\n\n", s.Seed, s.How, s.RecordedAt.Format(time.RFC3339), s.By)
			}
			if len(ph.Carried) > 0 {
				p("Cards drawn as pending slots in the first phase and retrieved in the second: %s.\n\n", strings.Join(ph.Carried, ", "))
			}
		}
	}
	p("## Random seed and selection\n\n")
	if r.Seed != nil {
		p("Seed `%s`, %s; recorded %s by %s.\n\n", r.Seed.Seed, r.Seed.How, r.Seed.RecordedAt.Format(time.RFC3339), r.Seed.By)
	}
	p("%s\n\nRisk function: %s\n\n| round | opened | cards drawn | sample sizes |\n|---|---|---|---|\n", r.Selection, r.RiskFunction)
	for _, rd := range r.Rounds {
		var parts []string
		for _, c := range r.Contests {
			parts = append(parts, fmt.Sprintf("%s %d", c.Name, rd.Sizes[c.Name]))
		}
		p("| %d | %s | %d | %s |\n", rd.Round, rd.Opened.Format(time.RFC3339), rd.Drawn, strings.Join(parts, "; "))
	}
	p("\n## Cards whose voter intent could not be determined\n\n")
	if len(r.Undetermined) == 0 {
		p("None.\n\n")
	} else {
		for _, u := range r.Undetermined {
			p("- card %s, contest %s (counted as the worst case for the reported outcome)\n", u.CardID, u.Contest)
		}
		p("\n")
	}
	p("## Discrepancy classes\n\n")
	for _, k := range []string{"o2", "o1", "u1", "u2"} {
		p("- **%s**: %s\n", k, r.Discrepancies[k])
	}
	p("\n## Cards examined\n\nOnly the CVRs of the examined cards appear here.\n\n| round | draw | jurisdiction | tabulator | batch | position | card | found | audit board reading | CVR | discrepancies |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, ex := range r.Examined {
		found := "yes"
		switch {
		case ex.Phantom:
			found = "phantom (no CVR)"
		case !ex.Interpreted:
			found = "awaiting"
		case !ex.Found:
			found = "not found"
		}
		reading, record := readingText(ex.Reading), readingText(ex.CVR)
		switch {
		case ex.Reported != nil:
			reading, record = countsText(ex.Counted), countsText(ex.Reported)
		case ex.Pool != "":
			record = "none (pooled batch: the pool's mean stands for it)"
		}
		p("| %d | %d | %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", ex.Round, ex.Draw, ex.Jurisdiction, ex.Tabulator, ex.Batch, ex.Position, ex.CardID, found,
			reading, record, readingText(stringsMap(ex.Discrepancies)))
	}
	p("\n## Audit log\n\n| # | step | time | by |\n|---|---|---|---|\n")
	for _, l := range r.Log {
		p("| %d | %s | %s | %s |\n", l.Seq, l.Kind, l.Time.Format(time.RFC3339), l.By)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func stringsMap(m map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

func readingText(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		v := strings.Join(m[k], "; ")
		if v == "" {
			v = "no vote"
		}
		parts = append(parts, k+": "+v)
	}
	return strings.ReplaceAll(strings.Join(parts, " / "), "|", "\\|")
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":     func(f float64) string { return fmt.Sprintf("%g%%", 100*f) },
	"g4":      func(f float64) string { return fmt.Sprintf("%.4g", f) },
	"reading": func(m map[string][]string) string { return readingText(m) },
	"dis":     func(m map[string]string) string { return readingText(stringsMap(m)) },
	"join":    func(s []string) string { return strings.Join(s, ", ") },
	"counts":  countsText,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}</style></head>
<body><h1>{{.Title}}</h1>
<ul><li>Audit type: {{.AuditType}}</li><li>Risk limit: {{pct .RiskLimit}}</li>
<li>Started {{.Started}}; last step {{.Finished}}; {{len .Rounds}} rounds; {{if .Complete}}complete{{else}}<b>not complete</b>{{end}}</li>
<li>Audit log head: <code>{{.LogHead}}</code></li></ul>
<h2>Outcomes</h2><table><tr><th>contest</th><th>audit type</th><th>risk function</th><th>reported winners</th><th>state</th><th>measured risk</th><th>cards examined</th><th>o2</th><th>o1</th><th>u1</th><th>u2</th><th>outcome</th></tr>
{{range .Contests}}<tr><td>{{.Name}}</td><td>{{.AuditType}}</td><td>{{.RiskFunction}}</td><td>{{join .ReportedWinners}}</td><td>{{.State}}</td><td>{{g4 .Risk}}</td><td>{{.CardsExamined}}</td><td>{{.Discrepancies.O2}}</td><td>{{.Discrepancies.O1}}</td><td>{{.Discrepancies.U1}}</td><td>{{.Discrepancies.U2}}</td><td>{{.Outcome}}</td></tr>
{{end}}</table>
<h2>Inputs</h2><p>{{.Manifest.Batches}} batches, {{.Manifest.Cards}} cards in the manifest; {{.CVRs}} CVRs; {{.Phantoms}} phantoms.</p>
<table><tr><th>role</th><th>file</th><th>SHA-256</th></tr>{{range .Inputs}}<tr><td>{{.Role}}</td><td>{{.Name}}</td><td><code>{{.SHA256}}</code></td></tr>{{end}}</table>
<h2>Inconsistencies</h2>{{if .Inconsistencies}}<table><tr><th>kind</th><th>batch</th><th>contest</th><th>expected</th><th>found</th><th>cause</th></tr>{{range .Inconsistencies}}<tr><td>{{.Kind}}</td><td>{{.Batch}}</td><td>{{.Contest}} {{.Choice}}</td><td>{{.Expected}}</td><td>{{.Found}}</td><td>{{.Cause}}</td></tr>{{end}}</table>{{else}}<p>None.</p>{{end}}
{{with .SecondPhase}}<h2>Second phase</h2><p>{{.Note}}</p><p>Final inputs committed {{.Committed}} by {{.By}}: {{.CVRs}} CVRs, {{.Phantoms}} phantoms.</p>
<table><tr><th>role</th><th>file</th><th>SHA-256</th></tr>{{range .Inputs}}<tr><td>{{.Role}}</td><td>{{.Name}}</td><td><code>{{.SHA256}}</code></td></tr>{{end}}</table>
{{with .Seed}}<p>Second seed <code>{{.Seed}}</code>, {{.How}}; recorded {{.RecordedAt}} by {{.By}}.</p>{{end}}{{if .Carried}}<p>Carried from the first phase: {{join .Carried}}.</p>{{end}}{{end}}
<h2>Seed and selection</h2>{{with .Seed}}<p>Seed <code>{{.Seed}}</code>, {{.How}}; recorded {{.RecordedAt}} by {{.By}}.</p>{{end}}<p>{{.Selection}}</p><p>Risk function: {{.RiskFunction}}</p>
<h2>Cards whose voter intent could not be determined</h2>{{if .Undetermined}}<ul>{{range .Undetermined}}<li>{{.CardID}}: {{.Contest}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
<h2>Cards examined</h2><table><tr><th>round</th><th>draw</th><th>batch</th><th>position</th><th>card</th><th>reading</th><th>CVR</th><th>discrepancies</th></tr>
{{range .Examined}}<tr><td>{{.Round}}</td><td>{{.Draw}}</td><td>{{.Jurisdiction}} {{.Tabulator}} {{.Batch}}</td><td>{{.Position}}</td><td>{{.CardID}}</td><td>{{if .Counted}}{{counts .Counted}}{{else}}{{reading .Reading}}{{end}}</td><td>{{if .Reported}}{{counts .Reported}}{{else if .Pool}}none (pooled batch {{.Pool}}){{else}}{{reading .CVR}}{{end}}</td><td>{{dis .Discrepancies}}</td></tr>
{{end}}</table></body></html>
`))

// HTML writes the report as a web page.
func (r *Report) HTML(w io.Writer) error { return htmlReport.Execute(w, r) }
