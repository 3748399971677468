package margin

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rlakit/rlakit/cvr"
)

// The public SHANGRLA vectors (testdata/shangrla/SOURCES.md), matched to
// 1e-12 relative as RISK.md asks.

type vecFile struct {
	Cases []struct {
		Label    string          `json:"label"`
		Inputs   json.RawMessage `json:"inputs"`
		Expected json.RawMessage `json:"expected"`
	} `json:"cases"`
}

func loadVectors(t *testing.T, name string) vecFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "shangrla", name))
	require.NoError(t, err)
	var f vecFile
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Cases)
	return f
}

func close12(t *testing.T, got, want float64, what string) {
	t.Helper()
	if math.Abs(got-want) > 1e-12*math.Abs(want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

type vecCard struct {
	ID        string                                `json:"id"`
	Votes     map[string]map[string]json.RawMessage `json:"votes"`
	Phantom   bool                                  `json:"phantom"`
	Pool      bool                                  `json:"pool"`
	TallyPool *string                               `json:"tally_pool"`
}

type vecAssertion struct {
	Winner         string             `json:"winner"`
	Loser          string             `json:"loser"`
	Upper          float64            `json:"assorter_upper_bound"`
	MarginFromCVRs float64            `json:"margin_from_cvrs"`
	TestU          float64            `json:"test_u"`
	TestN          int64              `json:"test_N"`
	TestT          float64            `json:"test_t"`
	PerCVR         []float64          `json:"assort_values_per_cvr"`
	MeanStyle      float64            `json:"assorter_mean_use_style"`
	MeanNoStyle    float64            `json:"assorter_mean_no_style"`
	MakeOver       map[string]float64 `json:"make_overstatement"`
	OverMean       map[string]float64 `json:"overstatement_assorter_mean"`
	OverMargin     map[string]float64 `json:"overstatement_assorter_margin"`
	MarginTally    float64            `json:"margin_from_tally"`
	PoolMeans      map[string]float64 `json:"tally_pool_means"`
	Pairs          []struct {
		MVR   vecCard         `json:"mvr"`
		CVR   vecCard         `json:"cvr"`
		Over  json.RawMessage `json:"overstatement"`
		Assor json.RawMessage `json:"overstatement_assorter"`
	} `json:"pairs"`
}

type vecExpected struct {
	Phantoms     int       `json:"phantoms_created"`
	PhantomCVRs  []vecCard `json:"cvrs_with_phantoms"`
	MinMargin    float64   `json:"min_margin"`
	ContestsWant map[string]struct {
		Cards      int64                   `json:"cards"`
		CVRs       int64                   `json:"cvrs"`
		Tally      map[string]int64        `json:"tally"`
		Assertions map[string]vecAssertion `json:"assertions"`
	} `json:"contests"`
}

// rates parses a key "r1=0.01,r2=0.001".
func rates(t *testing.T, k string) (r1, r2 float64) {
	t.Helper()
	parts := strings.Split(k, ",")
	require.Len(t, parts, 2)
	r1, err := strconv.ParseFloat(strings.TrimPrefix(parts[0], "r1="), 64)
	require.NoError(t, err)
	r2, err = strconv.ParseFloat(strings.TrimPrefix(parts[1], "r2="), 64)
	require.NoError(t, err)
	return r1, r2
}

// counts tallies what each check compared, for the test log.
type counts struct{ perCard, means, over, overAssort, margins, testU, tallyMargins, phantoms, rateVals, errs int }

func TestAssortersMarginsVectors(t *testing.T) {
	var n counts
	for _, c := range loadVectors(t, "assorters_margins.json").Cases {
		t.Run(c.Label, func(t *testing.T) {
			in, err := ReadInput(bytes.NewReader(c.Inputs))
			require.NoError(t, err)
			var want vecExpected
			require.NoError(t, json.Unmarshal(c.Expected, &want))
			el, err := in.Build()
			require.NoError(t, err)

			// Phantoms: number, IDs and the contests they hold.
			require.Equal(t, want.Phantoms, el.Phantoms)
			phantoms := el.Cards[len(el.Cards)-el.Phantoms:]
			for k, p := range want.PhantomCVRs {
				require.Equal(t, p.ID, phantoms[k].ID)
				require.True(t, phantoms[k].Phantom)
				require.Equal(t, len(p.Votes), phantoms[k].Votes.Len(), "phantom %s contests", p.ID)
				for cid := range p.Votes {
					ci, ok := el.Election.ContestByID(cid)
					require.True(t, ok)
					cv, ok := phantoms[k].Votes.Get(ci)
					require.True(t, ok)
					require.Zero(t, cv.Len())
				}
				n.phantoms++
			}

			rep, err := in.Margins()
			require.NoError(t, err)
			close12(t, rep.MinMargin, want.MinMargin, "min_margin")
			require.Equal(t, want.Phantoms, rep.Phantoms)

			for cid, wc := range want.ContestsWant {
				ci, ok := el.Election.ContestByID(cid)
				require.True(t, ok)
				gc := rep.Contests[cid]
				require.Equal(t, wc.Cards, gc.Cards)
				for cand, v := range wc.Tally {
					require.Equal(t, v, gc.Tally[cand], "tally of %s", cand)
				}
				byName := map[string]*Assertion{}
				for _, a := range el.Assertions(ci) {
					byName[a.Name] = a
				}
				require.Len(t, byName, len(wc.Assertions), "assertions of %s", cid)
				for name, wa := range wc.Assertions {
					a := byName[name]
					require.NotNil(t, a, "assertion %q", name)
					ga := gc.Assertions[name]
					require.Equal(t, wa.Winner, ga.Winner)
					require.Equal(t, wa.Loser, ga.Loser)
					close12(t, ga.UpperBound, wa.Upper, name+" upper_bound")
					close12(t, ga.Margin, wa.MarginFromCVRs, name+" margin")
					close12(t, ga.TestU, wa.TestU, name+" test_u")
					n.margins++
					n.testU++
					require.Equal(t, 0.5, wa.TestT)
					require.Equal(t, wa.TestN, gc.Cards)

					// Per-card assorter values, CVRs then phantoms.
					require.Len(t, wa.PerCVR, len(el.Cards))
					for k := range el.Cards {
						require.Equal(t, wa.PerCVR[k], a.Assort(el.Cards[k].Votes), "%s card %s", name, el.Cards[k].ID)
						n.perCard++
					}
					// Means with and without card-style data; numpy's
					// pairwise mean of the per-card values agrees.
					for _, style := range []bool{true, false} {
						m := NewMeter([]*Assertion{a}, style)
						var vals []float64
						for k := range el.Cards {
							m.Add(el.Cards[k].Votes)
							if _, on := el.Cards[k].Votes.Get(ci); on || !style {
								vals = append(vals, a.Assort(el.Cards[k].Votes))
							}
						}
						got, err := m.Mean(0)
						require.NoError(t, err)
						exp := wa.MeanNoStyle
						if style {
							exp = wa.MeanStyle
						}
						require.Equal(t, exp, got, "%s mean (style %v)", name, style)
						pm, err := PairwiseMean(vals)
						require.NoError(t, err)
						require.Equal(t, exp, pm)
						n.means++
					}
					// Margin from the tally, exact then rounded.
					votes := make([]int64, len(el.Election.Contests[ci].Choices))
					for cand, v := range wc.Tally {
						ch, ok := el.Election.Contests[ci].ChoiceByID(cand)
						require.True(t, ok)
						votes[ch] = v
					}
					dm, err := a.Diluted(votes, gc.Cards)
					require.NoError(t, err)
					f, _ := dm.Float64()
					close12(t, f, wa.MarginTally, name+" margin_from_tally")
					n.tallyMargins++

					cmp, err := NewComparison(a, wa.MarginFromCVRs, el.UseStyle)
					require.NoError(t, err)
					close12(t, cmp.Upper(), 2/(2-wa.MarginFromCVRs/wa.Upper), name+" CLCA upper")
					for k, v := range wa.MakeOver {
						o, err := strconv.ParseFloat(k, 64)
						require.NoError(t, err)
						close12(t, cmp.Value(o), v, name+" make_overstatement("+k+")")
						n.rateVals++
					}
					for k, v := range wa.OverMean {
						r1, r2 := rates(t, k)
						close12(t, cmp.ExpectedMean(r1, r2), v, name+" overstatement_assorter_mean "+k)
						close12(t, cmp.ExpectedMargin(r1, r2), wa.OverMargin[k], name+" overstatement_assorter_margin "+k)
						n.rateVals += 2
					}
					if wa.PoolMeans != nil {
						pools := NewPools([]*Assertion{a}, el.UseStyle)
						for k := range el.Cards {
							if el.Pools[k] != "" {
								pools.Add(el.Pools[k], el.Cards[k].Votes)
							}
						}
						got := pools.Means(0)
						require.Len(t, got, len(wa.PoolMeans))
						for p, v := range wa.PoolMeans {
							close12(t, got[p], v, name+" pool mean "+p)
						}
						cmp.PoolMeans = got
						require.Equal(t, wa.PoolMeans, ga.PoolMeans)
					}
					for k, pr := range wa.Pairs {
						p := &Pair{Phantom: pr.CVR.Phantom, NotFound: pr.MVR.Phantom}
						p.CVR, err = el.votes(pr.CVR.Votes, "cvr")
						require.NoError(t, err)
						p.MVR, err = el.votes(pr.MVR.Votes, "mvr")
						require.NoError(t, err)
						if pr.CVR.Pool {
							p.Pool = *pr.CVR.TallyPool
						}
						o, oerr := cmp.Overstatement(p)
						b, d, berr := cmp.Assort(p)
						if bytes.Contains(pr.Over, []byte(`"error"`)) {
							// SHANGRLA: ValueError, a CVR without the contest under use_style.
							require.Error(t, oerr, "pair %d", k)
							require.Error(t, berr, "pair %d", k)
							require.Contains(t, oerr.Error(), "must hold the contest")
							n.errs++
							continue
						}
						require.NoError(t, oerr)
						require.NoError(t, berr)
						var wo, wb float64
						require.NoError(t, json.Unmarshal(pr.Over, &wo))
						require.NoError(t, json.Unmarshal(pr.Assor, &wb))
						close12(t, o, wo, name+" overstatement pair "+strconv.Itoa(k))
						close12(t, b, wb, name+" overstatement_assorter pair "+strconv.Itoa(k))
						require.Equal(t, Classify(wo, a.Upper()), d)
						n.over++
						n.overAssort++
					}
				}
			}
		})
	}
	t.Logf("matched: %d per-card assorter values, %d means, %d margins, %d test_u, %d tally margins, %d overstatements, %d overstatement assorters, %d make_overstatement/rate values, %d phantoms, %d reference errors",
		n.perCard, n.means, n.margins, n.testU, n.tallyMargins, n.over, n.overAssort, n.rateVals, n.phantoms, n.errs)
}

// TestAuditWorkflowVectors checks the margins, test_u, phantoms and card
// counts of the audit workflow vector (a plurality and a supermajority
// contest with card-style data).
func TestAuditWorkflowVectors(t *testing.T) {
	for _, c := range loadVectors(t, "audit_workflow.json").Cases {
		t.Run(c.Label, func(t *testing.T) {
			in, err := ReadInput(bytes.NewReader(c.Inputs))
			require.NoError(t, err)
			var want struct {
				Phantoms     int                           `json:"phantoms"`
				MinMargin    float64                       `json:"min_margin"`
				Margins      map[string]map[string]float64 `json:"margins"`
				TestU        map[string]map[string]float64 `json:"test_u"`
				ContestCards map[string]int64              `json:"contest_cards"`
			}
			require.NoError(t, json.Unmarshal(c.Expected, &want))
			rep, err := in.Margins()
			require.NoError(t, err)
			require.Equal(t, want.Phantoms, rep.Phantoms)
			close12(t, rep.MinMargin, want.MinMargin, "min_margin")
			for cid, m := range want.Margins {
				require.Equal(t, want.ContestCards[cid], rep.Contests[cid].Cards)
				for name, v := range m {
					ga := rep.Contests[cid].Assertions[name]
					require.NotNil(t, ga, "%s/%s", cid, name)
					close12(t, ga.Margin, v, cid+"/"+name+" margin")
					close12(t, ga.TestU, want.TestU[cid][name], cid+"/"+name+" test_u")
				}
			}
		})
	}
}

// TestShangrlaDeviations pins the documented differences from SHANGRLA.
func TestShangrlaDeviations(t *testing.T) {
	var e cvr.Election
	ci, err := e.AddContest(cvr.Contest{ID: "s", VoteFor: 1, Choices: []cvr.Choice{{ID: "yes", Name: "yes"}, {ID: "no", Name: "no"}}})
	require.NoError(t, err)
	sm, err := NewSupermajority(&e, ci, 0, 0.6)
	require.NoError(t, err)
	// A card without the contest: 1/2 (SHANGRLA raises KeyError).
	require.Equal(t, 0.5, sm.Assort(cvr.Votes{}))
	// Supermajority margin from a tally is the assorter's: (T_w/f − V)/N.
	// 6 yes, 2 no, 4 blank of 12 cards: (10 − 8)/12 = 1/6; SHANGRLA gives 0.
	d, err := sm.Diluted([]int64{6, 2}, 12)
	require.NoError(t, err)
	require.Equal(t, "1/6", d.RatString())

	// Overvotes: a Validate input counts an MVR with two marks in a
	// vote-for-1 contest for no one (overstatement 1/2 for A v C, where
	// SHANGRLA's assorter, without validation, gives 0).
	pc, err := NewPairwise(&e, ci, 0, 1)
	require.NoError(t, err)
	var two cvr.Votes
	two.Add(ci, 0, cvr.Selection{Choice: 0}, cvr.Selection{Choice: 1})
	require.Equal(t, 0.5, pc.Assort(two))
}
