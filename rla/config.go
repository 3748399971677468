package rla

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/rlakit/rlakit/stats"
)

// Method is how an audit compares paper with the vote counts.
type Method string

const (
	// Comparison is a ballot-level comparison audit (CLCA): each sampled
	// card's manual interpretation is compared with its CVR.
	Comparison Method = "comparison"
	// Polling is a ballot-polling audit: sampled cards are interpreted by
	// hand and the votes themselves measure the risk; no CVRs are needed.
	Polling Method = "polling"
	// Hybrid is a ballot-level comparison audit in which some batches have
	// no CVRs, only reported counts: each is an ONEAudit pool (Stark 2023)
	// whose mean stands for its cards' CVRs.
	Hybrid Method = "hybrid"
	// Batch is a batch comparison audit: whole batches are drawn (with
	// probability proportional to their cards), counted by hand and
	// compared with their reported counts.
	Batch Method = "batch"
)

// cardStyle reports whether a card-level audit draws each contest's
// sample from the cards that may hold it (consistent sampling with
// card-style data), rather than from all cards (Rivest's sampler).
func (c Config) cardStyle() bool {
	return c.Method.cardLevel() && (c.Selection == "" || c.Selection == SelectConsistent)
}

// withReplacement reports whether the sample is drawn with replacement.
func (c Config) withReplacement() bool { return c.Selection == SelectRivest || c.Method == Batch }

// cardLevel reports whether the method compares sampled cards with their
// CVRs (or pool means): comparison and hybrid audits.
func (m Method) cardLevel() bool { return m == Comparison || m == Hybrid }

// Config holds the choices made when an audit is set up, recorded in the
// commitment and fixed from then on.
type Config struct {
	// RiskLimit is the largest chance the audit may confirm a wrong
	// outcome; California uses 0.05 (Elections Code 15367).
	RiskLimit float64 `json:"risk_limit"`
	// Method is comparison (the default), polling, hybrid or batch.
	Method Method `json:"method"`
	// Contests names the contests under audit; empty means every contest,
	// as California requires.
	Contests []string `json:"contests,omitempty"`
	// MaxFraction: when the next round for a contest would need more than
	// this fraction of the contest's cards, the audit moves that contest to
	// a full hand count instead (0.25 unless set).
	MaxFraction float64 `json:"max_fraction"`
	// DoubleEntry requires every interpretation to be entered twice, by
	// different people, and counts a card only when the two agree.
	DoubleEntry bool `json:"double_entry,omitempty"`
	// ErrorRate1 and ErrorRate2 are the rates of one- and two-vote
	// overstatements assumed when sizing a comparison audit's first round
	// (SHANGRLA's defaults, 0.001 and 0).
	ErrorRate1 float64 `json:"error_rate_1"`
	ErrorRate2 float64 `json:"error_rate_2"`
	// Quantile is the chance that a round of the estimated size completes
	// the audit if the errors are as assumed (0.8 unless set).
	Quantile float64 `json:"quantile"`
	// Pending makes the audit two-phase (2 CCR 20117(d), 20122): the
	// largest number of cards still to be tabulated when the first phase
	// starts. They enter the first phase as pending slots, and the second
	// phase (Audit.Phase2) places the final cards in them.
	Pending int `json:"pending,omitempty"`
	// Selection is how cards are drawn: SelectConsistent (the default) or
	// SelectRivest. Batch audits always use Rivest's sampler.
	Selection Selection `json:"selection,omitempty"`
	// RiskFunction is RiskAlpha (the default), RiskKaplanMarkov
	// (comparison audits) or RiskBravo (polling audits). The last two
	// assume sampling with replacement, so they need SelectRivest.
	RiskFunction RiskFunction `json:"risk_function,omitempty"`
	// Polled names contests of a comparison audit that are audited by
	// ballot polling instead (the audit type per contest): their cards are
	// drawn with the others' by consistent sampling with card-style data,
	// and the audit board's reading alone measures their risk (ALPHA
	// shrink-trunc over the cards that may hold the contest), their CVRs
	// playing no part.
	Polled []string `json:"polled,omitempty"`
	// Gamma is the error inflation of the Kaplan-Markov risk function
	// (stats.DefaultGamma, 1.03905, unless set; > 1).
	Gamma float64 `json:"gamma,omitempty"`
}

// Selection is a way of drawing the sample.
type Selection string

const (
	// SelectConsistent is consistent sampling without replacement:
	// comparison and hybrid audits by SHANGRLA's sample numbers with
	// card-style data (each contest's sample is drawn from the cards that
	// may hold it), polling audits by Arlo's tickets.
	SelectConsistent Selection = "consistent"
	// SelectRivest draws with replacement with Rivest's sampler (sampler.py)
	// over all cards, as Colorado's software does: the CVR list with its
	// phantoms in a comparison audit (no card-style data: every draw counts
	// for every contest, and margins are diluted over all cards), the
	// manifest in a polling audit.
	SelectRivest Selection = "rivest"
	// SelectTickets draws a comparison audit's cards by Arlo's tickets
	// (Rivest's consistent_sampler) over the manifest, without replacement
	// and without card-style data, as Arlo does; each drawn position is the
	// CVR (or phantom) at that batch and position. For polling it is the
	// default, SelectConsistent.
	SelectTickets Selection = "tickets"
)

// RiskFunction is the risk-measuring function of an audit.
type RiskFunction string

const (
	// RiskAlpha is ALPHA (Stark 2023): with SHANGRLA's optimal comparison
	// bet for comparison and batch audits (aGRAPA bets for contests with
	// ONEAudit pools), with the shrink-truncate estimator for polling.
	RiskAlpha RiskFunction = "alpha"
	// RiskKaplanMarkov is the Kaplan-Markov P-value of Stark's super-simple
	// comparison audits (Stark 2009 and 2010), as Colorado's rules name it:
	// P = ∏ (1 − v/(2γu)) / (1 − ω_i/(γu)) over the draws.
	RiskKaplanMarkov RiskFunction = "kaplan-markov"
	// RiskBravo is BRAVO (Lindeman, Stark & Yates 2012) for polling:
	// Wald's SPRT of each winner-loser pair at the reported share.
	RiskBravo RiskFunction = "bravo"
)

// withDefaults fills unset fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Method == "" {
		c.Method = Comparison
	}
	if c.MaxFraction == 0 {
		c.MaxFraction = 0.25
	}
	if c.ErrorRate1 == 0 && c.ErrorRate2 == 0 {
		c.ErrorRate1 = 0.001
	}
	if c.Quantile == 0 {
		c.Quantile = 0.8
	}
	if c.Selection == "" || (c.Method == Polling && c.Selection == SelectTickets) {
		c.Selection = SelectConsistent // polling's consistent sampling is by tickets
	}
	if c.RiskFunction == "" {
		c.RiskFunction = RiskAlpha
	}
	if c.RiskFunction == RiskKaplanMarkov && c.Gamma == 0 {
		c.Gamma = stats.DefaultGamma
	}
	bad := func(what string, v float64) error { return fmt.Errorf("rla: %s %v outside (0, 1)", what, v) }
	switch {
	case !(c.RiskLimit > 0 && c.RiskLimit < 1):
		return c, bad("risk limit", c.RiskLimit)
	case !slices.Contains([]Method{Comparison, Polling, Hybrid, Batch}, c.Method):
		return c, fmt.Errorf("rla: unknown audit method %q (comparison, polling, hybrid or batch)", c.Method)
	case !(c.MaxFraction > 0 && c.MaxFraction <= 1):
		return c, fmt.Errorf("rla: max fraction %v outside (0, 1]", c.MaxFraction)
	case !(c.ErrorRate1 >= 0 && c.ErrorRate1 < 1) || !(c.ErrorRate2 >= 0 && c.ErrorRate2 < 1) || math.IsNaN(c.ErrorRate1+c.ErrorRate2):
		return c, fmt.Errorf("rla: error rates %v, %v outside [0, 1)", c.ErrorRate1, c.ErrorRate2)
	case !(c.Quantile > 0 && c.Quantile < 1):
		return c, bad("quantile", c.Quantile)
	case !slices.Contains([]Selection{SelectConsistent, SelectRivest, SelectTickets}, c.Selection):
		return c, fmt.Errorf("rla: unknown selection %q (consistent, rivest or tickets)", c.Selection)
	case c.Method == Hybrid && c.Selection != SelectConsistent:
		return c, errors.New("rla: a hybrid audit draws by consistent sampling")
	case c.RiskFunction != RiskAlpha && c.RiskFunction != RiskKaplanMarkov && c.RiskFunction != RiskBravo:
		return c, fmt.Errorf("rla: unknown risk function %q (alpha, kaplan-markov or bravo)", c.RiskFunction)
	case c.RiskFunction == RiskKaplanMarkov && (c.Method != Comparison || c.Selection != SelectRivest):
		return c, errors.New("rla: the Kaplan-Markov risk function is for comparison audits drawn with replacement (--selection rivest)")
	case c.RiskFunction == RiskBravo && (c.Method != Polling || c.Selection != SelectRivest):
		return c, errors.New("rla: BRAVO is for polling audits drawn with replacement (--selection rivest)")
	case c.RiskFunction == RiskKaplanMarkov && !(c.Gamma > 1):
		return c, fmt.Errorf("rla: gamma %v must exceed 1", c.Gamma)
	case len(c.Polled) > 0 && (c.Method != Comparison || c.Selection != SelectConsistent || c.RiskFunction != RiskAlpha):
		return c, errors.New("rla: polled contests are for comparison audits with consistent sampling and ALPHA")
	case c.Pending > 0 && c.Selection != SelectConsistent:
		return c, errors.New("rla: a two-phase audit draws by consistent sampling")
	}
	for i, n := range c.Contests {
		c.Contests[i] = strings.TrimSpace(n)
	}
	return c, nil
}
