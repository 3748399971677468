package margin

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

// Kind is the kind of an assorter.
type Kind uint8

// The kinds of assorter. Every one takes only the values 0, 1/2 and u_A.
const (
	// Pairwise is the plurality assorter of Stark 2020 (SHANGRLA):
	// A(b) = (1[b votes W] − 1[b votes L] + 1)/2, u_A = 1. It serves
	// plurality, vote-for-N and approval contests.
	Pairwise Kind = iota + 1
	// Supermajority is the supermajority assorter of Stark 2020, for a
	// winner who needs a share f of the valid votes: A(b) = 1[b votes W]/(2f)
	// when b has exactly one valid vote in the contest, 1/2 otherwise;
	// u_A = 1/(2f).
	Supermajority
	// WinnerOnly is RAIRE's "W never loses to L" (NEB; Blom, Stuckey &
	// Teague 2019): A(b) = (1[W first on b] − 1[L before W on
	// b] + 1)/2, where "L before W" includes L ranked and W not; u_A = 1.
	WinnerOnly
	// Elimination is RAIRE's IRV_ELIMINATION ("W not eliminated next"
	// when exactly the candidates other than Eliminated remain; NEN in
	// Blom, Stuckey & Teague 2019): A(b) = (1[W first among the
	// remaining] − 1[L first among the remaining] + 1)/2; u_A = 1.
	Elimination
)

func (k Kind) String() string {
	switch k {
	case Pairwise:
		return "PAIRWISE"
	case Supermajority:
		return "SUPERMAJORITY"
	case WinnerOnly:
		return "WINNER_ONLY"
	case Elimination:
		return "IRV_ELIMINATION"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// AllOthers is the loser's name in a supermajority assertion.
const AllOthers = "ALL_OTHERS"

// Assertion is one half-average null of a contest: the reported outcome
// implies that the mean of its assorter over all cards exceeds 1/2.
// Build it with NewPairwise, NewSupermajority, NewWinnerOnly,
// NewElimination or Assertions; the exported fields describe it and must
// not be changed afterwards. An Assertion is safe for concurrent use.
type Assertion struct {
	// Name is SHANGRLA's: "W v L", "W v ALL_OTHERS" or
	// "W v L elim X Y" (the eliminated candidates in the order given).
	Name      string
	Contest   cvr.ContestIndex
	ContestID string
	Kind      Kind
	Winner    cvr.ChoiceIndex
	// Loser is unused (0) for a supermajority assertion.
	Loser      cvr.ChoiceIndex
	WinnerName string
	LoserName  string // AllOthers for a supermajority assertion
	// Share is the share of the valid votes a supermajority winner needs.
	Share float64
	// Eliminated are the candidates already eliminated (Elimination only).
	Eliminated []cvr.ChoiceIndex

	upper      float64
	voteFor    int    // selections allowed; 0 when unlimited (approval)
	ranked     bool   // read the contest as a ranking
	eliminated []bool // indexed by ChoiceIndex (Elimination only)
}

func contestOf(e *cvr.Election, ci cvr.ContestIndex) (*cvr.Contest, error) {
	if e == nil || int(ci) >= len(e.Contests) {
		return nil, fmt.Errorf("margin: no contest with index %d", ci)
	}
	return e.Contests[ci], nil
}

func choiceName(c *cvr.Contest, ch cvr.ChoiceIndex) (string, error) {
	if int(ch) >= len(c.Choices) {
		return "", fmt.Errorf("margin: contest %q: no choice with index %d", c.ID, ch)
	}
	return c.Choices[ch].Name, nil
}

func newAssertion(e *cvr.Election, ci cvr.ContestIndex, k Kind, w, l cvr.ChoiceIndex) (*Assertion, *cvr.Contest, error) {
	c, err := contestOf(e, ci)
	if err != nil {
		return nil, nil, err
	}
	wn, err := choiceName(c, w)
	if err != nil {
		return nil, nil, err
	}
	a := &Assertion{Contest: ci, ContestID: c.ID, Kind: k, Winner: w, WinnerName: wn, upper: 1, voteFor: c.VoteFor}
	if c.Approval {
		a.voteFor = 0
	}
	if k != Supermajority {
		if a.LoserName, err = choiceName(c, l); err != nil {
			return nil, nil, err
		}
		if w == l {
			return nil, nil, fmt.Errorf("margin: contest %q: winner and loser are both %q", c.ID, wn)
		}
		a.Loser = l
		a.Name = wn + " v " + a.LoserName
	}
	return a, c, nil
}

// NewPairwise returns the assertion that winner w beats loser l in the
// plurality, vote-for-N or approval contest ci (Stark 2020, plurality assorter).
// In an approval contest (cvr.Contest.Approval) any number of selections is
// valid; otherwise more than VoteFor is an overvote.
func NewPairwise(e *cvr.Election, ci cvr.ContestIndex, w, l cvr.ChoiceIndex) (*Assertion, error) {
	a, c, err := newAssertion(e, ci, Pairwise, w, l)
	if err != nil {
		return nil, err
	}
	if c.Ranked() {
		return nil, fmt.Errorf("margin: contest %q is ranked: use RAIRE assertions", c.ID)
	}
	return a, nil
}

// NewSupermajority returns the assertion that w received more than the
// share f of the valid votes of contest ci (Stark 2020, supermajority assorter), with
// 0 < f <= 1. The contest must be vote-for-1: the assorter is defined on
// cards with exactly one valid vote.
func NewSupermajority(e *cvr.Election, ci cvr.ContestIndex, w cvr.ChoiceIndex, f float64) (*Assertion, error) {
	a, c, err := newAssertion(e, ci, Supermajority, w, 0)
	if err != nil {
		return nil, err
	}
	if !(f > 0 && f <= 1) {
		return nil, fmt.Errorf("margin: contest %q: supermajority share %v is not in (0, 1]", c.ID, f)
	}
	if c.Ranked() || c.Approval || c.VoteFor != 1 {
		return nil, fmt.Errorf("margin: contest %q: a supermajority needs a vote-for-1 contest", c.ID)
	}
	a.Share = f
	a.upper = 1 / (2 * f)
	a.LoserName = AllOthers
	a.Name = a.WinnerName + " v " + AllOthers
	return a, nil
}

// NewWinnerOnly returns RAIRE's WINNER_ONLY assertion "w never loses to l"
// for the ranked contest ci (Blom, Stuckey & Teague 2019).
func NewWinnerOnly(e *cvr.Election, ci cvr.ContestIndex, w, l cvr.ChoiceIndex) (*Assertion, error) {
	a, c, err := newAssertion(e, ci, WinnerOnly, w, l)
	if err != nil {
		return nil, err
	}
	if !c.Ranked() {
		return nil, fmt.Errorf("margin: contest %q is not ranked", c.ID)
	}
	a.ranked = true
	return a, nil
}

// NewElimination returns RAIRE's IRV_ELIMINATION assertion: when the
// candidates in eliminated are out and the others remain, w has more
// first preferences than l (Blom, Stuckey & Teague 2019). Neither w nor l
// may be in eliminated.
func NewElimination(e *cvr.Election, ci cvr.ContestIndex, w, l cvr.ChoiceIndex, eliminated []cvr.ChoiceIndex) (*Assertion, error) {
	a, c, err := newAssertion(e, ci, Elimination, w, l)
	if err != nil {
		return nil, err
	}
	if !c.Ranked() {
		return nil, fmt.Errorf("margin: contest %q is not ranked", c.ID)
	}
	a.ranked = true
	a.eliminated = make([]bool, len(c.Choices))
	names := make([]string, len(eliminated))
	for i, x := range eliminated {
		if names[i], err = choiceName(c, x); err != nil {
			return nil, err
		}
		if x == w || x == l {
			return nil, fmt.Errorf("margin: contest %q: assertion %s: %q is both compared and eliminated", c.ID, a.Name, names[i])
		}
		if a.eliminated[x] {
			return nil, fmt.Errorf("margin: contest %q: assertion %s: %q eliminated twice", c.ID, a.Name, names[i])
		}
		a.eliminated[x] = true
	}
	a.Eliminated = slices.Clone(eliminated)
	// SHANGRLA's name: winner + " v " + loser + " elim " + " ".join(eliminated).
	a.Name += " elim " + strings.Join(names, " ")
	return a, nil
}

// Upper returns u_A, the assorter's upper bound: 1, or 1/(2f) for a
// supermajority.
func (a *Assertion) Upper() float64 { return a.upper }

// Levels of an assorter value: every assorter takes only 0, 1/2 and u_A.
const (
	levelZero  = 0
	levelHalf  = 1
	levelUpper = 2
)

func (a *Assertion) levelValue(l int) float64 {
	switch l {
	case levelZero:
		return 0
	case levelHalf:
		return 0.5
	}
	return a.upper
}

// Assort returns A(b) for a card with votes v; a card without the contest
// has value 1/2 (SHANGRLA raises KeyError for a supermajority; see
// RISK.md, Decisions).
func (a *Assertion) Assort(v cvr.Votes) float64 {
	cv, ok := v.Get(a.Contest)
	if !ok {
		return 0.5
	}
	return a.AssortVote(cv)
}

// AssortVote returns A(b) for a card's vote cv in the assertion's contest.
func (a *Assertion) AssortVote(cv cvr.ContestVote) float64 {
	if a.ranked {
		var buf [16]cvr.ChoiceIndex
		prefs, ok := readRanking(cv, buf[:0])
		return a.levelValue(a.rankedLevel(prefs, ok))
	}
	return a.levelValue(a.level(cv))
}

// valid reports whether an unranked contest vote counts, as cvr.Tally
// counts it.
func (a *Assertion) valid(cv cvr.ContestVote) bool {
	return cv.Flags&(cvr.Invalid|cvr.Overvote) == 0 && (a.voteFor == 0 || cv.Len() <= a.voteFor)
}

// level is the assorter level of an unranked contest vote.
func (a *Assertion) level(cv cvr.ContestVote) int {
	if !a.valid(cv) {
		return levelHalf
	}
	n := cv.Len()
	if a.Kind == Supermajority {
		if n != 1 {
			return levelHalf
		}
		if cv.Selection(0).Choice == a.Winner {
			return levelUpper
		}
		return levelZero
	}
	w, l := false, false
	for i := range n {
		switch cv.Selection(i).Choice {
		case a.Winner:
			w = true
		case a.Loser:
			l = true
		}
	}
	switch {
	case w == l:
		return levelHalf
	case w:
		return levelUpper
	}
	return levelZero
}

// readRanking returns the preferences of a ranked contest vote as cvr's
// IRV count reads them (cvr.Preferences); ok is false when the vendor
// flagged the contest Invalid, which the count skips.
func readRanking(cv cvr.ContestVote, dst []cvr.ChoiceIndex) ([]cvr.ChoiceIndex, bool) {
	if cv.Flags&cvr.Invalid != 0 {
		return dst, false
	}
	if cv.Len() == 0 {
		return dst, true
	}
	prefs, _ := cvr.Preferences(cv.Selections(), dst)
	return prefs, true
}

// rankedLevel is the assorter level of a card whose preferences in the
// contest are prefs.
func (a *Assertion) rankedLevel(prefs []cvr.ChoiceIndex, ok bool) int {
	if !ok {
		return levelHalf
	}
	var w, l bool
	switch a.Kind {
	case WinnerOnly:
		w = len(prefs) > 0 && prefs[0] == a.Winner
		for _, c := range prefs {
			if c == a.Winner {
				break
			}
			if c == a.Loser {
				l = true
				break
			}
		}
	case Elimination:
		for _, c := range prefs {
			if int(c) < len(a.eliminated) && a.eliminated[c] {
				continue
			}
			w, l = c == a.Winner, c == a.Loser
			break
		}
	}
	switch {
	case w == l:
		return levelHalf
	case w:
		return levelUpper
	}
	return levelZero
}

// finite reports whether x is a finite number.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
