package rla

import (
	"fmt"
	"math"
	"slices"
	"strings"
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
}

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
	}
	for i, n := range c.Contests {
		c.Contests[i] = strings.TrimSpace(n)
	}
	return c, nil
}
