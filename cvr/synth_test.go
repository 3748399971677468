package cvr_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rlakit/rlakit/cvr"
)

// memFiles is a CreateFunc keeping the files in memory.
type memFiles map[string]*bytes.Buffer

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (m memFiles) create(name string) (io.WriteCloser, error) {
	b := &bytes.Buffer{}
	m[name] = b
	return nopCloser{b}, nil
}

// votesText renders a card's votes by contest and choice names, so cards
// interned in different elections compare.
func votesText(e *cvr.Election, v cvr.Votes) string {
	var parts []string
	for cv := range v.All() {
		c := e.Contest(cv.Contest)
		flags := cv.Flags
		all := cv.Selections()
		// Readers differ on an overvoted ranking (two choices at one
		// rank): some flag it, some keep both choices, some neither. The
		// canonical form flags it and drops the choices of that rank.
		perRank := map[uint8]int{}
		for _, s := range all {
			perRank[s.Rank]++
		}
		var sel []string
		for _, s := range all {
			if c.Ranked() && perRank[s.Rank] > 1 {
				flags |= cvr.Overvote
				continue
			}
			sel = append(sel, fmt.Sprintf("%d:%s", s.Rank, c.Choices[s.Choice].Name))
		}
		parts = append(parts, fmt.Sprintf("%s[%d]{%s}", c.Name, flags, strings.Join(sel, ",")))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func mustSynth(t testing.TB, cfg cvr.SynthConfig) *cvr.Synth {
	t.Helper()
	s, err := cvr.NewSynth(cfg)
	require.NoError(t, err)
	return s
}

// writeAll writes the manifest, results and export of s under dir as the
// rla synth command does, and returns the export's folder.
func writeAll(t testing.TB, s *cvr.Synth, format, dir string) string {
	t.Helper()
	for name, write := range map[string]func(io.Writer) error{"manifest.csv": s.WriteManifest, "results.csv": s.WriteResults, "truth.csv": s.WriteTruth} {
		f, err := os.Create(filepath.Join(dir, name))
		require.NoError(t, err)
		require.NoError(t, write(f))
		require.NoError(t, f.Close())
	}
	out := filepath.Join(dir, "cvrs")
	_, err := s.WriteExport(format, cvr.DirCreate(out))
	require.NoError(t, err)
	return out
}

// readBack reads the export of every jurisdiction into one store.
func readBack(t testing.TB, s *cvr.Synth, format, dir string) (*cvr.Election, *cvr.Cards) {
	t.Helper()
	var el cvr.Election
	cards := &cvr.Cards{}
	for _, jur := range s.Jurisdictions() {
		f, seq, err := cvr.Read(&el, "auto", cvr.Options{Jurisdiction: jur, Warn: func(w *cvr.Warning) { t.Errorf("warning: %v", w) }}, filepath.Join(dir, jur))
		require.NoError(t, err)
		require.Equal(t, format, f.Name, "format detected")
		for c, err := range seq {
			require.NoError(t, err)
			cards.Append(&c)
		}
	}
	return &el, cards
}

func synthCases() []struct {
	name string
	cfg  cvr.SynthConfig
} {
	clean := cvr.NewSynthConfig(3000, 1)
	clean.Contests = cvr.SynthContests(6, 0.04)
	clean.UndervoteRate, clean.OvervoteRate = 0, 0
	dirty := cvr.NewSynthConfig(3000, 2)
	dirty.Contests = cvr.SynthContests(6, 0.1)
	dirty.Errors = cvr.SplitSynthErrors(0.02)
	dirty.MissingRate = 0.01
	multi := cvr.NewSynthConfig(3600, 3)
	multi.Contests = cvr.SynthContests(9, 0.05)
	multi.CardsPerBallot = 3
	multi.Jurisdictions = 3
	multi.Tabulators = 2
	multi.BatchSize = 100
	multi.MissingRate = 0.005
	multi.Errors = cvr.SplitSynthErrors(0.01)
	return []struct {
		name string
		cfg  cvr.SynthConfig
	}{{"clean", clean}, {"errors and missing", dirty}, {"multi-card, 3 jurisdictions", multi}}
}

// TestSynthRoundTrip writes each format, reads it back with the format's
// reader, and checks card by card, by tally, and by reconciliation against
// the written manifest and results.
func TestSynthRoundTrip(t *testing.T) {
	// What each format carries besides the votes.
	countingGroup := map[string]bool{"dominion-csv": true, "dominion-json": true, "ess": true, "hart": true}
	for _, format := range cvr.SynthFormats {
		for _, tc := range synthCases() {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				cfg := tc.cfg
				switch format {
				case "nist-json", "nist-xml", "hart":
					// The NIST and Hart readers decode each CVR twice (and
					// Hart writes a file per card): keep the test quick.
					cfg.Cards = 300
				case "ess":
					cfg.Contests = essContests(cfg.Contests)
				}
				s := mustSynth(t, cfg)
				dir := t.TempDir()
				exp := writeAll(t, s, format, dir)
				el, cards := readBack(t, s, format, exp)
				require.Equal(t, s.Len()-s.Missing(), cards.Len(), "CVRs read back")

				// Card by card: each card read back is found in the
				// generator by the identity its format keeps.
				seen := map[int]bool{}
				for k := range cards.Len() {
					got := cards.Card(k)
					var i int
					var ok bool
					switch format {
					case "ess": // the Cast Vote Record number is the index plus one
						n, err := strconv.Atoi(got.ID)
						i, ok = n-1, err == nil
					case "hart": // CvrGuid; the imprinted ID is the card ID
						i, ok = s.Lookup(got.ImprintedID)
					default:
						i, ok = s.Lookup(got.ID)
					}
					require.True(t, ok, "card %q read back is not in the election", got.ID)
					require.False(t, seen[i], "card %q read twice", got.ID)
					seen[i] = true
					c := s.Card(i)
					require.False(t, c.Missing, got.ID)
					if format != "ess" || s.Missing() == 0 {
						// ES&S numbers positions as ranks in the batch,
						// which missing cards shift.
						require.Equal(t, c.CVR.Position, got.Position, got.ID)
					}
					require.Equal(t, c.CVR.Batch, got.Batch, got.ID)
					if format != "hart" {
						require.Equal(t, c.CVR.BallotStyle, got.BallotStyle, got.ID)
					}
					require.Equal(t, c.CVR.Precinct, got.Precinct, got.ID)
					if countingGroup[format] {
						require.Equal(t, c.CVR.CountingGroup, got.CountingGroup, got.ID)
					}
					require.Equal(t, votesText(s.Election(), c.CVR.Votes), votesText(el, got.Votes), got.ID)
				}

				// Tally of the read-back CVRs = the generator's counts = results.csv.
				tally, err := cvr.Tabulate(el, cards.All())
				require.NoError(t, err)
				for _, r := range s.Contests() {
					ci, ok := contestByName(el, r.Name)
					require.True(t, ok, r.Name)
					want, got := map[string]int64{}, map[string]int64{}
					for k, v := range r.Votes {
						if v > 0 { // ES&S names only the choices voted for
							want[s.Election().Contest(r.Contest).Choices[k].Name] = v
						}
					}
					for k, v := range tally.Totals(ci) {
						if v > 0 {
							got[k] = v
						}
					}
					assert.Equal(t, want, got, r.Name)
					if format != "ess" || r.Kind != cvr.SynthRanked {
						// ES&S writes an overvoted ranking as the word
						// "overvote", with no choice left to exhaust on.
						assert.Equal(t, r.Overvotes, tally.Contests[ci].Overvotes, r.Name)
					}
					assert.Equal(t, r.CVRs, tally.Contests[ci].Cards, r.Name)
				}

				// Reconciliation: nothing but the batches with missing cards.
				m, err := cvr.ReadManifestFile(filepath.Join(dir, "manifest.csv"))
				require.NoError(t, err)
				rf, err := os.Open(filepath.Join(dir, "results.csv"))
				require.NoError(t, err)
				defer rf.Close()
				res, err := cvr.ReadResults(rf, "results.csv")
				require.NoError(t, err)
				got := cvr.Reconcile(m, cards, tally, res)
				want := expectedBatchCounts(s)
				if tc.cfg.MissingRate > 0 {
					require.NotEmpty(t, want, "the case must have missing cards")
				}
				require.Len(t, got, len(want), "%v", got)
				for _, inc := range got {
					require.Equal(t, cvr.BatchCount, inc.Kind, inc.Cause)
					w, ok := want[inc.Batch]
					require.True(t, ok, "unexpected batch %s", inc.Batch)
					require.Equal(t, w, [2]int64{inc.Expected, inc.Found}, inc.Batch)
				}
			})
		}
	}
}

// essContests keeps the contests an ES&S export can hold.
func essContests(cs []cvr.SynthContest) []cvr.SynthContest {
	var out []cvr.SynthContest
	for _, c := range cs {
		if c.Kind == cvr.SynthPlurality || c.Kind == cvr.SynthRanked {
			out = append(out, c)
		}
	}
	return out
}

func contestByName(e *cvr.Election, name string) (cvr.ContestIndex, bool) {
	for i, c := range e.Contests {
		if c.Name == name {
			return cvr.ContestIndex(i), true
		}
	}
	return 0, false
}

// expectedBatchCounts counts the missing cards of each batch from the
// generator's cards: batch -> (manifest count, CVRs).
func expectedBatchCounts(s *cvr.Synth) map[string][2]int64 {
	size := map[cvr.BatchKey]int64{}
	missing := map[cvr.BatchKey]int64{}
	for c := range s.All() {
		size[c.CVR.Batch]++
		if c.Missing {
			missing[c.CVR.Batch]++
		}
	}
	out := map[string][2]int64{}
	for k, n := range missing {
		out[k.String()] = [2]int64{size[k], size[k] - n}
	}
	return out
}

// TestSynthDeterministic: the same config gives the same bytes in every
// file; another seed gives other bytes.
func TestSynthDeterministic(t *testing.T) {
	cfg := synthCases()[2].cfg
	render := func(cfg cvr.SynthConfig) map[string]string {
		s := mustSynth(t, cfg)
		out := map[string]string{}
		for _, format := range cvr.SynthFormats {
			files := memFiles{}
			w := s
			if format == "ess" {
				c := cfg
				c.Contests = essContests(cfg.Contests)
				w = mustSynth(t, c)
			}
			_, err := w.WriteExport(format, files.create)
			require.NoError(t, err)
			for name, b := range files {
				out[format+"/"+name] = b.String()
			}
		}
		for name, write := range map[string]func(io.Writer) error{"manifest": s.WriteManifest, "results": s.WriteResults, "truth": s.WriteTruth} {
			var b bytes.Buffer
			require.NoError(t, write(&b))
			out[name] = b.String()
		}
		return out
	}
	a, b := render(cfg), render(cfg)
	require.Equal(t, len(a), len(b))
	for name := range a {
		require.True(t, a[name] == b[name], "%s differs between two runs", name)
	}
	cfg.Seed++
	c := render(cfg)
	assert.NotEqual(t, a["dominion-csv/County 1/CVR_Export.csv"], c["dominion-csv/County 1/CVR_Export.csv"])
	assert.NotEqual(t, a["truth"], c["truth"])
}

// TestSynthMargin: the chosen margin is realised exactly, as counts, in
// the CVRs, for every kind of contest, and the winners are the first
// choices.
func TestSynthMargin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		contest cvr.SynthContest
	}{
		{"plurality 5%", cvr.SynthContest{Kind: cvr.SynthPlurality, Margin: 0.05, WriteIn: true}},
		{"plurality 0.1% of 2", cvr.SynthContest{Kind: cvr.SynthPlurality, Choices: 2, Margin: 0.001}},
		{"plurality 90% of 7", cvr.SynthContest{Kind: cvr.SynthPlurality, Choices: 7, Margin: 0.9}},
		{"vote for 3", cvr.SynthContest{Kind: cvr.SynthVoteForN, VoteFor: 3, Choices: 7, Margin: 0.02}},
		{"approval", cvr.SynthContest{Kind: cvr.SynthApproval, Choices: 5, Margin: 0.07}},
		{"ranked", cvr.SynthContest{Kind: cvr.SynthRanked, Choices: 5, Ranks: 5, Margin: 0.03}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cvr.NewSynthConfig(4321, 9)
			cfg.Contests = []cvr.SynthContest{tc.contest}
			cfg.MissingRate = 0.003
			s := mustSynth(t, cfg)
			r := s.Contests()[0]
			want := int64(math.Round(tc.contest.Margin * float64(r.CVRs)))
			require.Equal(t, want, r.Margin, "reported margin")
			require.Equal(t, int64(s.Len()-s.Missing()), r.CVRs)
			tally, err := cvr.Tabulate(s.Election(), s.CVRs())
			require.NoError(t, err)
			v := tally.Contests[0].Votes
			require.Equal(t, want, v[r.Winner]-v[r.Loser], "margin in the tally")
			winners := 1
			if tc.contest.Kind == cvr.SynthVoteForN {
				winners = tc.contest.VoteFor
			}
			minWin, maxLose := int64(math.MaxInt64), int64(-1)
			for k, x := range v {
				if k < winners {
					minWin = min(minWin, x)
				} else {
					maxLose = max(maxLose, x)
				}
			}
			require.Equal(t, want, minWin-maxLose, "weakest winner minus strongest loser")
			if tc.contest.Kind == cvr.SynthRanked {
				irv, err := tally.IRV(0)
				require.NoError(t, err)
				t.Logf("IRV winner %d (first-preference winner %d)", irv.Winner, r.Winner)
			}
		})
	}
}

// TestSynthErrors: error counts are exact (round(rate * n) per contest and
// kind), the paper differs from the CVR exactly as the kind says, and the
// wrong-outcome option makes L win on paper while W wins in the CVRs.
func TestSynthErrors(t *testing.T) {
	cfg := cvr.NewSynthConfig(6000, 11)
	cfg.Contests = cvr.SynthContests(6, 0.02)
	cfg.Errors = cvr.SynthErrors{Over1: 0.004, Over2: 0.001, Under1: 0.003, Under2: 0.002}
	cfg.WrongOutcome = true
	s := mustSynth(t, cfg)
	reports := s.Contests()
	counted := make([][5]int64, len(reports))
	for c := range s.All() {
		for _, e := range c.Errors {
			counted[e.Contest][e.Kind]++
			r := reports[e.Contest]
			cv, _ := c.CVR.Votes.Get(e.Contest)
			pv, _ := c.Paper.Votes.Get(e.Contest)
			first := func(v cvr.ContestVote) int {
				for i := range v.Len() {
					if s := v.Selection(i); s.Rank <= 1 && (s.Choice == r.Winner || s.Choice == r.Loser) {
						return int(s.Choice)
					}
				}
				return -1
			}
			w, l := int(r.Winner), int(r.Loser)
			want := map[cvr.Discrepancy][2]int{cvr.Over1: {w, -1}, cvr.Over2: {w, l}, cvr.Under1: {l, -1}, cvr.Under2: {l, w}}[e.Kind]
			require.Equal(t, want, [2]int{first(cv), first(pv)}, "card %s contest %d kind %v", c.CVR.ID, e.Contest, e.Kind)
		}
	}
	for i, r := range reports {
		n := float64(r.CVRs)
		want := [5]int64{0, int64(math.Round(0.004 * n)), int64(math.Round(0.001 * n)), int64(math.Round(0.003 * n)), int64(math.Round(0.002 * n))}
		if i == 0 {
			net := r.Margin - 2*want[cvr.Over2] - want[cvr.Over1] + 2*want[cvr.Under2] + want[cvr.Under1]
			want[cvr.Over2] += net/2 + 1
		}
		assert.Equal(t, want, counted[i], r.Name)
		assert.Equal(t, want, r.Errors, r.Name)
	}
	cvrs, err := cvr.Tabulate(s.Election(), s.CVRs())
	require.NoError(t, err)
	paper, err := cvr.Tabulate(s.Election(), s.Papers())
	require.NoError(t, err)
	r := reports[0]
	assert.Greater(t, cvrs.Contests[0].Votes[r.Winner], cvrs.Contests[0].Votes[r.Loser], "CVRs: W wins")
	assert.Greater(t, paper.Contests[0].Votes[r.Loser], paper.Contests[0].Votes[r.Winner], "paper: L wins")
	// Exactly: paper margin = margin - 2 o2 - o1 + 2 u2 + u1 (no missing cards here).
	e := r.Errors
	paperMargin := paper.Contests[0].Votes[r.Winner] - paper.Contests[0].Votes[r.Loser]
	assert.Equal(t, r.Margin-2*e[cvr.Over2]-e[cvr.Over1]+2*e[cvr.Under2]+e[cvr.Under1], paperMargin)
	assert.Contains(t, []int64{-1, -2}, paperMargin, "L wins by the least possible")
}

// TestSynthErrorSpread: errors and missing cards are spread at random over
// the cards. Over 200,000 cards with 1% 1-vote overstatements (2,000 of
// them, exactly) and 1% missing cards, the number falling in the first
// half of the cards is hypergeometric with mean 1,000 and standard
// deviation below sqrt(2000/4) = 22.4; the test allows 5 standard
// deviations (112), which a correct generator fails with probability
// below 1e-6. Batches in the second half must see errors too.
func TestSynthErrorSpread(t *testing.T) {
	cfg := cvr.NewSynthConfig(200_000, 5)
	cfg.Errors = cvr.SynthErrors{Over1: 0.01}
	cfg.MissingRate = 0.01
	s := mustSynth(t, cfg)
	var errs, missing [2]int64
	for c := range s.All() {
		h := c.Index * 2 / s.Len()
		if len(c.Errors) > 0 {
			errs[h]++
		}
		if c.Missing {
			missing[h]++
		}
	}
	require.Equal(t, s.Contests()[0].Errors[cvr.Over1], errs[0]+errs[1])
	require.Equal(t, int64(2000), missing[0]+missing[1])
	tol := 5 * math.Sqrt(2000.0/4)
	assert.InDelta(t, float64(errs[0]+errs[1])/2, float64(errs[0]), tol, "errors in the first half")
	assert.InDelta(t, 1000, float64(missing[0]), tol, "missing cards in the first half")
}

// TestSynthRandomAccess: Card(i) is the i-th card of All, Lookup inverts
// the ID, and Paper finds the paper of a card by ID.
func TestSynthRandomAccess(t *testing.T) {
	cfg := synthCases()[2].cfg
	s := mustSynth(t, cfg)
	i := 0
	for c := range s.All() {
		if i%97 == 0 || len(c.Errors) > 0 || c.Missing {
			d := s.Card(i)
			require.Equal(t, c.CVR.ID, d.CVR.ID)
			require.Equal(t, votesText(s.Election(), c.CVR.Votes), votesText(s.Election(), d.CVR.Votes), c.CVR.ID)
			require.Equal(t, votesText(s.Election(), c.Paper.Votes), votesText(s.Election(), d.Paper.Votes), c.CVR.ID)
			require.Equal(t, c.Missing, d.Missing)
			j, ok := s.Lookup(c.CVR.ID)
			require.True(t, ok)
			require.Equal(t, i, j)
			p, err := s.Paper(c.CVR.ID)
			require.NoError(t, err)
			require.Equal(t, votesText(s.Election(), c.Paper.Votes), votesText(s.Election(), p.Votes))
		}
		i++
	}
	for _, bad := range []string{"", "1-1", "0-1-1", "1-1-0", "1-1-101", "99-1-1", "a-b-c"} {
		_, ok := s.Lookup(bad)
		assert.False(t, ok, bad)
	}
	_, err := s.Paper("x")
	assert.Error(t, err)
}

// TestSynthTruth checks truth.csv against the cards: one row per injected
// error and per contest of each missing card.
func TestSynthTruth(t *testing.T) {
	cfg := synthCases()[1].cfg
	s := mustSynth(t, cfg)
	var b bytes.Buffer
	require.NoError(t, s.WriteTruth(&b))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Equal(t, cvr.TruthHeader, strings.TrimSpace(lines[0]))
	want := 0
	for c := range s.All() {
		switch {
		case c.Missing:
			want += max(c.Paper.Votes.Len(), 1)
		default:
			want += len(c.Errors)
		}
	}
	require.Equal(t, want, len(lines)-1)
	require.Contains(t, b.String(), ",missing,")
	require.Contains(t, b.String(), ",o2,")
}

func TestSynthConfigErrors(t *testing.T) {
	base := cvr.NewSynthConfig(1000, 1)
	for _, tc := range []struct {
		name string
		edit func(*cvr.SynthConfig)
		want string
	}{
		{"no cards", func(c *cvr.SynthConfig) { c.Cards = 0 }, "0 cards"},
		{"partial ballot", func(c *cvr.SynthConfig) { c.CardsPerBallot = 3 }, "whole number of ballots"},
		{"margin 1", func(c *cvr.SynthConfig) { c.Contests[0].Margin = 1 }, "margin"},
		{"margin too big", func(c *cvr.SynthConfig) { c.Contests[0].Margin = 0.99; c.UndervoteRate = 0.1 }, "valid votes"},
		{"negative rate", func(c *cvr.SynthConfig) { c.MissingRate = -0.1 }, "missing rate"},
		{"one choice", func(c *cvr.SynthConfig) { c.Contests[0].Choices = 1 }, "choices"},
		{"vote for 1 as N", func(c *cvr.SynthConfig) { c.Contests[0] = cvr.SynthContest{Kind: cvr.SynthVoteForN, VoteFor: 1} }, "vote for 1"},
		{"jurisdictions", func(c *cvr.SynthConfig) { c.Jurisdictions = 2000 }, "jurisdictions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.Contests = slices.Clone(base.Contests)
			tc.edit(&cfg)
			_, err := cvr.NewSynth(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	s := mustSynth(t, base)
	_, err := s.WriteExport("nope", memFiles{}.create)
	assert.ErrorContains(t, err, "cannot write format")
}

// TestSynthConfigRoundTrip: the config Config returns (every default and
// every random draw filled in) makes the same election, so a saved config
// regenerates it.
func TestSynthConfigRoundTrip(t *testing.T) {
	cfg := synthCases()[2].cfg
	a := mustSynth(t, cfg)
	b := mustSynth(t, a.Config())
	require.Equal(t, a.Config(), b.Config())
	for _, write := range []func(*cvr.Synth, io.Writer) error{
		func(s *cvr.Synth, w io.Writer) error { return s.WriteDominionCSV(w, "County 2") },
		(*cvr.Synth).WriteTruth, (*cvr.Synth).WriteManifest, (*cvr.Synth).WriteResults,
	} {
		var x, y bytes.Buffer
		require.NoError(t, write(a, &x))
		require.NoError(t, write(b, &y))
		require.True(t, x.String() == y.String())
	}
}
