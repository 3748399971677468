package margin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rlakit/rlakit/cvr"
)

// The assertion types of RAIRE's JSON output.
const (
	RAIREWinnerOnly  = "WINNER_ONLY"
	RAIREElimination = "IRV_ELIMINATION"
)

// RAIREAssertion is one item of RAIRE's assertion list (Blom, Stuckey &
// Teague 2019), as SHANGRLA's contest.assertion_json holds it: candidates
// by identifier, and for IRV_ELIMINATION the candidates already eliminated.
type RAIREAssertion struct {
	Winner     string   `json:"winner"`
	Loser      string   `json:"loser"`
	Type       string   `json:"assertion_type"`
	Eliminated []string `json:"already_eliminated"`
}

// ReadRAIREJSON reads RAIRE's JSON output and returns the assertions of its
// first audit (audits[0].assertions), or reads a bare list of assertions
// (SHANGRLA's assertion_json). Errors name the JSON path and field; an
// already_eliminated that is not a list of strings is an error (SHANGRLA
// iterates a string character by character). name is used in messages.
func ReadRAIREJSON(r io.Reader, name string) ([]RAIREAssertion, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("margin: %s: %w", name, err)
	}
	data = bytes.TrimSpace(data)
	fail := func(path, format string, args ...any) error {
		return fmt.Errorf("margin: %s: %s: "+format, append([]any{name, path}, args...)...)
	}
	if len(data) > 0 && data[0] == '[' {
		return raireList(data, "$", fail)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fail("$", "want RAIRE's output object or a list of assertions: %v", err)
	}
	var audits []json.RawMessage
	if err := json.Unmarshal(top["audits"], &audits); err != nil || len(audits) == 0 {
		return nil, fail("audits", "want a non-empty list of audits")
	}
	var audit map[string]json.RawMessage
	if err := json.Unmarshal(audits[0], &audit); err != nil {
		return nil, fail("audits[0]", "want an object")
	}
	as, ok := audit["assertions"]
	if !ok {
		return nil, fail("audits[0].assertions", "missing")
	}
	return raireList(as, "audits[0].assertions", fail)
}

func raireList(data []byte, path string, fail func(path, format string, args ...any) error) ([]RAIREAssertion, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, fail(path, "want a list of assertions")
	}
	out := make([]RAIREAssertion, len(items))
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		var f map[string]json.RawMessage
		if err := json.Unmarshal(it, &f); err != nil || f == nil {
			return nil, fail(p, "want an object")
		}
		a := &out[i]
		for _, s := range []struct {
			key string
			dst *string
		}{{"winner", &a.Winner}, {"loser", &a.Loser}, {"assertion_type", &a.Type}} {
			raw, ok := f[s.key]
			if !ok {
				return nil, fail(p+"."+s.key, "missing")
			}
			if err := json.Unmarshal(raw, s.dst); err != nil || raw[0] != '"' || *s.dst == "" {
				return nil, fail(p+"."+s.key, "want a non-empty string, got %.40s", raw)
			}
		}
		if a.Type != RAIREWinnerOnly && a.Type != RAIREElimination {
			return nil, fail(p+".assertion_type", "%q (want %s or %s)", a.Type, RAIREWinnerOnly, RAIREElimination)
		}
		if a.Winner == a.Loser {
			return nil, fail(p, "winner and loser are both %q", a.Winner)
		}
		if raw, ok := f["already_eliminated"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &a.Eliminated); err != nil || raw[0] != '[' {
				return nil, fail(p+".already_eliminated", "want a list of candidate names, got %.40s", raw)
			}
		}
		if a.Eliminated == nil {
			a.Eliminated = []string{}
		}
	}
	return out, nil
}

// RAIREData is the content of a .raire CVR file.
type RAIREData struct {
	Election *cvr.Election
	// Cards holds one card per ballot ID, in order of first appearance;
	// a ballot on several contests holds all its rankings.
	Cards []cvr.Card
}

// ReadRAIRE reads RAIRE's CVR text format:
//
//	ncontests
//	Contest,ID,ncandidates,C1,...,Cn        (ncontests lines)
//	ID,ballot,P1,P2,...                      (one line per ballot and contest)
//
// where P1 is the ballot's first preference, P2 its second, and so on.
// Contests become ranked contests (Ranks = ncandidates) and choices keep the
// file's identifiers as ID and name. Blank lines are skipped; errors name
// the line and the field. name is used in messages.
func ReadRAIRE(r io.Reader, name string) (*RAIREData, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	line := 0
	next := func() ([]string, bool) {
		for sc.Scan() {
			line++
			t := strings.TrimSpace(sc.Text())
			if line == 1 {
				t = strings.TrimPrefix(t, "\ufeff")
			}
			if t == "" {
				continue
			}
			f := strings.Split(t, ",")
			for i := range f {
				f[i] = strings.TrimSpace(f[i])
			}
			return f, true
		}
		return nil, false
	}
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("margin: %s line %d: %s: "+format, append([]any{name, line, field}, args...)...)
	}
	f, ok := next()
	if !ok {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("margin: %s: %w", name, err)
		}
		return nil, fmt.Errorf("margin: %s: empty file", name)
	}
	nc, err := strconv.Atoi(f[0])
	if len(f) != 1 || err != nil || nc < 1 || nc > cvr.MaxContests {
		return nil, fail("ncontests", "want a positive number of contests, got %q", strings.Join(f, ","))
	}
	d := &RAIREData{Election: &cvr.Election{Name: name}}
	e := d.Election
	for range nc {
		f, ok := next()
		if !ok {
			return nil, fail("Contest", "the file ends before the %d contest lines", nc)
		}
		if len(f) < 3 || !strings.EqualFold(f[0], "Contest") {
			return nil, fail("Contest", "want Contest,ID,ncandidates,candidates..., got %.60q", strings.Join(f, ","))
		}
		if f[1] == "" {
			return nil, fail("contest ID", "empty")
		}
		if _, dup := e.ContestByID(f[1]); dup {
			return nil, fail("contest ID", "contest %q defined twice", f[1])
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n < 1 || n > cvr.MaxRanks || n != len(f)-3 {
			return nil, fail("ncandidates", "%q, with %d candidates listed (at most %d)", f[2], len(f)-3, cvr.MaxRanks)
		}
		c := cvr.Contest{ID: f[1], Name: f[1], VoteFor: 1, Ranks: n}
		for i, id := range f[3:] {
			if id == "" {
				return nil, fail(fmt.Sprintf("candidate %d", i+1), "empty")
			}
			if slices.Contains(f[3:3+i], id) {
				return nil, fail(fmt.Sprintf("candidate %d", i+1), "%q listed twice", id)
			}
			c.Choices = append(c.Choices, cvr.Choice{ID: id, Name: id})
		}
		if _, err := e.AddContest(c); err != nil {
			return nil, fail("Contest", "%v", err)
		}
	}
	byID := map[string]int{}
	type key struct {
		card    int
		contest cvr.ContestIndex
	}
	seen := map[key]bool{}
	for {
		f, ok := next()
		if !ok {
			break
		}
		if len(f) < 2 {
			return nil, fail("ballot", "want contest,ballot,preferences..., got %.60q", strings.Join(f, ","))
		}
		ci, ok := e.ContestByID(f[0])
		if !ok {
			return nil, fail("contest", "no contest %q in the header", f[0])
		}
		if f[1] == "" {
			return nil, fail("ballot", "empty ballot ID")
		}
		c := e.Contests[ci]
		if len(f)-2 > c.Ranks {
			return nil, fail("preferences", "%d preferences for %d candidates", len(f)-2, c.Ranks)
		}
		i, ok := byID[f[1]]
		if !ok {
			i = len(d.Cards)
			byID[f[1]] = i
			d.Cards = append(d.Cards, cvr.Card{ID: f[1], ImprintedID: f[1]})
		}
		if seen[key{i, ci}] {
			return nil, fail("ballot", "ballot %q has two lines for contest %q", f[1], f[0])
		}
		seen[key{i, ci}] = true
		v := &d.Cards[i].Votes
		v.Begin(ci, 0)
		for r, id := range f[2:] {
			ch, ok := c.ChoiceByID(id)
			if !ok {
				return nil, fail(fmt.Sprintf("preference %d", r+1), "contest %q has no candidate %q", f[0], id)
			}
			for _, p := range f[2 : 2+r] {
				if p == id {
					return nil, fail(fmt.Sprintf("preference %d", r+1), "candidate %q ranked twice", id)
				}
			}
			v.Select(cvr.Selection{Choice: ch, Rank: uint8(r + 1)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("margin: %s line %d: %w", name, line+1, err)
	}
	return d, nil
}

// ErrNotImplied is wrapped by the errors of CheckIRV and VerifyIRV when
// the assertions do not imply the reported winner.
var ErrNotImplied = errors.New("the assertions do not imply the reported winner")

// maxIRVNodes bounds CheckIRV's search, which is exponential in the number
// of candidates in the worst case.
const maxIRVNodes = 1 << 22

// CheckIRV reports whether the IRV assertions asrts of one ranked contest
// with n candidates rule out every elimination order in which a candidate
// other than winner is elected, as RAIRE's assertions must (Blom, Stuckey &
// Teague 2019). It searches the tails of elimination orders
// (the last candidates standing, the winner last): WINNER_ONLY "W v L"
// rules out every tail in which L outlasts W, IRV_ELIMINATION "W v L elim
// E" every tail whose first candidate out is W while exactly the candidates
// outside E remain. The error wraps ErrNotImplied and names an elimination
// order no assertion rules out.
func CheckIRV(asrts []*Assertion, winner cvr.ChoiceIndex, n int) error {
	if n < 1 || n > 64 {
		return fmt.Errorf("margin: CheckIRV: %d candidates (1..64 supported)", n)
	}
	if int(winner) >= n {
		return fmt.Errorf("margin: CheckIRV: winner %d out of range for %d candidates", winner, n)
	}
	type rule struct {
		kind         Kind
		w, l         int
		remainingSet uint64
	}
	var rules []rule
	for _, a := range asrts {
		if a.Kind != WinnerOnly && a.Kind != Elimination {
			return fmt.Errorf("margin: CheckIRV: assertion %s is not an IRV assertion", a.Name)
		}
		if int(a.Winner) >= n || int(a.Loser) >= n {
			return fmt.Errorf("margin: CheckIRV: assertion %s names a candidate beyond %d", a.Name, n)
		}
		r := rule{kind: a.Kind, w: int(a.Winner), l: int(a.Loser)}
		if a.Kind == Elimination {
			r.remainingSet = 1<<uint(n) - 1
			if n == 64 {
				r.remainingSet = ^uint64(0)
			}
			for _, x := range a.Eliminated {
				if int(x) < n {
					r.remainingSet &^= 1 << uint(x)
				}
			}
		}
		rules = append(rules, r)
	}
	tail := make([]int, 0, n)
	nodes := 0
	var bad []int
	var search func(set uint64) error
	ruledOut := func(set uint64) bool {
		pos := func(c int) int {
			for i, x := range tail {
				if x == c {
					return i
				}
			}
			return -1
		}
		for _, r := range rules {
			switch r.kind {
			case WinnerOnly:
				if pl := pos(r.l); pl >= 0 && pos(r.w) < pl {
					return true
				}
			case Elimination:
				if set == r.remainingSet && tail[0] == r.w {
					return true
				}
			}
		}
		return false
	}
	search = func(set uint64) error {
		if nodes++; nodes > maxIRVNodes {
			return fmt.Errorf("margin: CheckIRV: more than %d elimination orders to examine", maxIRVNodes)
		}
		if ruledOut(set) {
			return nil
		}
		if len(tail) == n {
			bad = append([]int(nil), tail...)
			return ErrNotImplied
		}
		for c := range n {
			if set&(1<<uint(c)) != 0 {
				continue
			}
			tail = append([]int{c}, tail...)
			err := search(set | 1<<uint(c))
			tail = tail[1:]
			if err != nil {
				return err
			}
		}
		return nil
	}
	for c := range n {
		if c == int(winner) {
			continue
		}
		tail = append(tail[:0], c)
		if err := search(1 << uint(c)); err != nil {
			if errors.Is(err, ErrNotImplied) {
				return fmt.Errorf("margin: %w: no assertion rules out the elimination order %v (candidate indexes, winner last)", ErrNotImplied, bad)
			}
			return err
		}
	}
	return nil
}

// VerifyIRV checks the IRV assertions asrts of ranked contest ci against
// cvr's IRV count of t: the count must elect winner, and the assertions
// must imply winner (CheckIRV). Errors wrap ErrNotImplied when either
// fails.
func VerifyIRV(t *cvr.Tally, ci cvr.ContestIndex, winner cvr.ChoiceIndex, asrts []*Assertion) error {
	res, err := t.IRV(ci)
	if err != nil {
		return fmt.Errorf("margin: %w", err)
	}
	c := t.Election.Contests[ci]
	if res.Winner != winner {
		return fmt.Errorf("margin: contest %q: %w: the IRV count of the CVRs elects %q, the reported winner is %q",
			c.ID, ErrNotImplied, c.Choices[res.Winner].Name, c.Choices[winner].Name)
	}
	for _, a := range asrts {
		if a.Contest != ci {
			return fmt.Errorf("margin: contest %q: assertion %s belongs to contest %q", c.ID, a.Name, a.ContestID)
		}
	}
	if err := CheckIRV(asrts, winner, len(c.Choices)); err != nil {
		return fmt.Errorf("contest %q: %w", c.ID, err)
	}
	return nil
}
