package rla

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/rlakit/rlakit/sample"
)

// Verify checks an audit directory from scratch and returns the problems
// it finds (none means the audit is intact): the log's hash chain, the
// committed inputs' digests, the contests and reconciliation derived from
// the inputs, and then, replaying the log step by step, every round's sample
// sizes, every draw (re-derived from the seed and the inputs), every
// interpretation's validity and every recorded risk measurement. An error
// means the directory could not be checked at all.
func Verify(dir string) ([]string, error) {
	l, err := OpenLog(logDir(dir))
	if err != nil {
		return nil, err
	}
	entries := l.Entries()
	if len(entries) == 0 {
		return nil, fmt.Errorf("rla: %s holds no audit", dir)
	}
	st, err := fold(entries)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, f := range st.commit.Inputs {
		if err := checkInput(dir, f); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return problems, nil
	}
	d, err := loadCommitted(dir, st.commit.Inputs, st.commit.Format, st.commit.Config)
	if err != nil {
		return nil, err
	}
	incons := d.reconcile()
	cfg := st.commit.Config
	contests, err := prepare(d, cfg)
	if err != nil {
		return nil, err
	}
	var summaries []ContestSummary
	for _, c := range contests {
		summaries = append(summaries, c.ContestSummary)
	}
	check := func(e Entry, what string, recorded, recomputed any) {
		if !sameJSON(recorded, recomputed) {
			problems = append(problems, fmt.Sprintf("log entry %d (%s): the recorded %s differs from the one recomputed from the inputs", e.Seq, e.Kind, what))
		}
	}
	check(entries[0], "contests and margins", st.commit.Contests, summaries)
	check(entries[0], "reconciliation", st.commit.Inconsistencies, incons)
	if d.Phantoms != st.commit.Phantoms || d.cvrCount() != st.commit.CVRs || len(d.poolOf) != st.commit.Pooled || d.Pending != st.commit.Pending {
		problems = append(problems, fmt.Sprintf("log entry 1 (commit): %d CVRs, %d phantoms and %d pooled cards recorded, %d, %d and %d recomputed",
			st.commit.CVRs, st.commit.Phantoms, st.commit.Pooled, d.cvrCount(), d.Phantoms, len(d.poolOf)))
	}

	// Replay the steps on a fresh audit.
	a := &Audit{Dir: dir, log: l, data: d, contests: contests,
		st: &state{commit: st.commit, accepted: len(st.commit.Inconsistencies) == 0, draws: map[int]drawData{}, handCounts: map[string]handCountData{}}}
	for _, e := range entries[1:] {
		switch e.Kind {
		case kindAccept:
			a.st.accepted = true
		case kindPhase2:
			var p phase2Data
			json.Unmarshal(e.Data, &p)
			a.phase1 = d
			for _, f := range p.Inputs {
				if err := checkInput(dir, f); err != nil {
					problems = append(problems, err.Error())
				}
			}
			if _, got, err := a.loadPhase2(p.Inputs, p.Format, nil); err != nil {
				problems = append(problems, fmt.Sprintf("log entry %d (phase2): %v", e.Seq, err))
			} else {
				got.Inputs = p.Inputs
				check(e, "second phase's commitment (counts, contests and reconciliation)", p, got)
			}
			a.st.phase2, a.st.phase2Entry, a.st.phase2Rounds = &p, e, len(a.st.rounds)
			a.st.accepted = len(p.Inconsistencies) == 0
		case kindSeed:
			var s seedData
			json.Unmarshal(e.Data, &s)
			if err := sample.CheckSeedDigits(s.Seed); err != nil {
				problems = append(problems, fmt.Sprintf("log entry %d (seed): %v", e.Seq, err))
			}
			if a.st.seed != nil {
				a.st.seed2, a.st.seed2Entry = &s, e
				if err := a.enterPhase2(); err != nil {
					problems = append(problems, fmt.Sprintf("log entry %d (seed): %v", e.Seq, err))
					return problems, nil
				}
				continue
			}
			a.st.seed, a.st.seedEntry = &s, e
			if cfg.cardStyle() {
				a.nums = sample.SampleNumbers(s.Seed, d.Cards.Len())
			}
		case kindRound:
			var r roundData
			json.Unmarshal(e.Data, &r)
			got, err := a.computeRound()
			if err != nil {
				problems = append(problems, fmt.Sprintf("log entry %d (round): %v", e.Seq, err))
			} else {
				check(e, "sample sizes", r, got)
			}
			a.st.rounds = append(a.st.rounds, r)
		case kindDraw:
			var dr drawData
			json.Unmarshal(e.Data, &dr)
			got, err := a.selectRound(dr.Round)
			if err != nil {
				problems = append(problems, fmt.Sprintf("log entry %d (draw): %v", e.Seq, err))
			} else {
				check(e, "sample (pull list)", dr.Draws, got)
			}
			a.st.draws[dr.Round] = dr
		case kindRecord:
			var rec recordData
			json.Unmarshal(e.Data, &rec)
			if err := a.checkRecord(rec); err != nil {
				problems = append(problems, fmt.Sprintf("log entry %d (record): %v", e.Seq, err))
			}
			a.st.records = append(a.st.records, recordEntry{e, rec})
		case kindHandCount:
			var h handCountData
			json.Unmarshal(e.Data, &h)
			if c := a.contestByName(h.Contest); c == nil {
				problems = append(problems, fmt.Sprintf("log entry %d (handcount): contest %q is not under audit", e.Seq, h.Contest))
			} else if h.Decided && h.Tally == nil {
				// the official's decision: nothing to re-derive
			} else if w, err := winnersOf(d.Election.Contest(c.index), h.Tally); err != nil || !reflect.DeepEqual(w, h.Winners) {
				problems = append(problems, fmt.Sprintf("log entry %d (handcount): the recorded winners do not follow from the recorded tally", e.Seq))
			}
			a.st.handCounts[h.Contest] = h
		case kindStatus:
			var s Status
			json.Unmarshal(e.Data, &s)
			got, err := a.Status()
			if err != nil {
				problems = append(problems, fmt.Sprintf("log entry %d (status): %v", e.Seq, err))
			} else {
				check(e, "risk measurement", s, got)
			}
		}
	}
	return problems, nil
}

// sameJSON compares two values by their JSON encodings, so a recorded value
// read back from the log compares equal to the same value recomputed.
func sameJSON(x, y any) bool {
	bx, err1 := json.Marshal(x)
	by, err2 := json.Marshal(y)
	if err1 != nil || err2 != nil {
		return false
	}
	// Decode and re-encode so that number formatting and map order agree.
	var vx, vy any
	if json.Unmarshal(bx, &vx) != nil || json.Unmarshal(by, &vy) != nil {
		return false
	}
	bx, _ = json.Marshal(vx)
	by, _ = json.Marshal(vy)
	return bytes.Equal(bx, by)
}
