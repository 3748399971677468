package rla

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/rlakit/rlakit/cvr"
)

var errSimulated = errors.New("simulated crash")

// drive runs an audit to its end the way a county's system would after a
// restart: it looks at the recorded state and does the next step, opening
// the audit afresh each time. A step that fails (a simulated crash) is
// simply retried from the reopened state.
//
// With p2 (a two-phase audit) the second phase is committed once the first
// round is recorded, and its seed set, before the audit goes on.
func drive(t *testing.T, s *cvr.Synth, o InitOptions, p2 *Phase2Options, dir, work string, maxSteps int) *Status {
	t.Helper()
	for step := 0; step < maxSteps; step++ {
		a, err := Open(dir)
		if err == nil && a.st.phase2 != nil && (!a.st.accepted || a.st.seed2 == nil) {
			if !a.st.accepted {
				_, err = a.Phase2(*p2)
			} else {
				err = a.SetSeed("27182818284590452353", "", "Clerk")
			}
			if err != nil && !errors.Is(err, errSimulated) {
				t.Fatalf("step %d: %v", step, err)
			}
			continue
		}
		if err != nil || !a.st.accepted {
			if _, _, err := Init(dir, o); err != nil && !errors.Is(err, errSimulated) {
				t.Fatalf("init: %v", err)
			}
			continue
		}
		switch n := len(a.st.rounds); {
		case a.st.seed == nil:
			err = a.SetSeed("31415926535897932384", "", "Clerk")
		case n == 0 || a.st.draws[n].Round == 0:
			_, err = a.Draw("Clerk")
		default:
			st, serr := a.Status()
			if serr != nil {
				t.Fatal(serr)
			}
			switch {
			case len(st.Awaiting) > 0:
				_, err = a.Record(interpret(t, s, a, a.drawnRecords(), filepath.Join(work, "interp.csv")), "Board A")
			case p2 != nil && a.st.phase2 == nil:
				_, err = a.Phase2(*p2)
			case anyState(st, StateEscalate):
				_, err = a.NextRound("Clerk")
			default:
				return st
			}
		}
		if err != nil && !errors.Is(err, errSimulated) {
			t.Fatalf("step %d: %v", step, err)
		}
	}
	t.Fatalf("audit not finished after %d steps", maxSteps)
	return nil
}

func anyState(st *Status, state string) bool {
	for _, c := range st.Contests {
		if c.State == state {
			return true
		}
	}
	return false
}

// TestResumeAfterCrash simulates a crash at every point where the audit
// writes a file (before and after each rename), restarts, and checks that
// the audit ends in the same state as an uninterrupted one: same draws, same
// risks, same decisions.
func TestResumeAfterCrash(t *testing.T) {
	work := t.TempDir()
	cfg := cvr.NewSynthConfig(3000, 21)
	cfg.Contests = []cvr.SynthContest{{Name: "Mayor", Kind: cvr.SynthPlurality, Margin: 0.12}, {Name: "Measure", Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.3, Coverage: 0.5}}
	cfg.Errors = cvr.SplitSynthErrors(0.004)
	cfg.MissingRate = 0.002
	s, o := synthElection(t, work, cfg)
	o.AcceptInconsistencies = true
	crashEverywhere(t, s, o, nil, work)
}

// TestResumeTwoPhaseAfterCrash is TestResumeAfterCrash for a two-phase
// audit, whose second phase copies and commits more inputs and sets a
// second seed.
func TestResumeTwoPhaseAfterCrash(t *testing.T) {
	work := t.TempDir()
	s, o, p2 := twoPhaseElection(t, work, true)
	p2.AcceptInconsistencies = true
	crashEverywhere(t, s, o, &p2, work)
}

// crashEverywhere runs the audit once without a crash, counting the points
// where it writes, then once per point with a crash there, and compares.
func crashEverywhere(t *testing.T, s *cvr.Synth, o InitOptions, p2 *Phase2Options, work string) {
	// The uninterrupted run, counting the crash points.
	points := 0
	crashHook = func(string) error { points++; return nil }
	defer func() { crashHook = nil }()
	ref := drive(t, s, o, p2, filepath.Join(work, "ref"), work, 50)
	refAudit, _ := Open(filepath.Join(work, "ref"))
	refDraws := refAudit.drawnRecords()
	if points < 10 {
		t.Fatalf("only %d crash points", points)
	}
	t.Logf("%d crash points", points)

	for k := 1; k <= points; k++ {
		dir := filepath.Join(work, fmt.Sprintf("crash-%d", k))
		n := 0
		crashHook = func(point string) error {
			if n++; n == k {
				return fmt.Errorf("%w at %s", errSimulated, point)
			}
			return nil
		}
		st := drive(t, s, o, p2, dir, work, 60)
		crashHook = nil
		if !sameJSON(st.Contests, ref.Contests) {
			t.Fatalf("crash %d: final state %+v differs from %+v", k, st.Contests, ref.Contests)
		}
		a, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(a.drawnRecords(), refDraws) {
			t.Fatalf("crash %d: draws differ", k)
		}
		if problems, err := Verify(dir); err != nil || len(problems) > 0 {
			t.Fatalf("crash %d: verify: %v %v", k, problems, err)
		}
	}
}
