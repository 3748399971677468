package cvr

import (
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const realDir = "../testdata/real"

// readExport reads paths in the given format ("" detects it) and returns
// the election, the stored cards and the warnings.
func readExport(t *testing.T, format string, paths ...string) (*Election, *Cards, []string) {
	t.Helper()
	var e Election
	var warnings []string
	_, seq, err := Read(&e, format, Options{Warn: func(w *Warning) { warnings = append(warnings, w.Error()) }}, paths...)
	require.NoError(t, err)
	cards, err := ReadAll(seq)
	require.NoError(t, err)
	return &e, cards, warnings
}

func TestRealExportsCardCounts(t *testing.T) {
	tests := []struct {
		path, format string
		cards        int // from testdata/real/SOURCES.md
		warnings     int
	}{
		{"dominion-json/alaska-2024-general", "dominion-json", 8, 0},
		{"dominion-json/sf-2024-general", "dominion-json", 74, 0},
		{"dominion-csv/denver2016_CVR_Export_20170804111144.csv", "dominion-csv", 10, 0},
		{"dominion-csv/boulder2023_Test4CvrsWithIRV.csv", "dominion-csv", 4, 0},
		{"dominion-csv/boulder2024_TestWithRedactions.csv", "dominion-csv", 5, 8},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := filepath.Join(realDir, tt.path)
			files, err := OpenFiles(p)
			require.NoError(t, err)
			f, err := DetectFormat(files)
			require.NoError(t, err)
			assert.Equal(t, tt.format, f.Name, "detected format")
			_, cards, warnings := readExport(t, "", p)
			assert.Equal(t, tt.cards, cards.Len())
			assert.Len(t, warnings, tt.warnings)
			ids := map[string]bool{}
			for c := range cards.All() {
				assert.False(t, ids[c.ID], "duplicate id %s", c.ID)
				ids[c.ID] = true
				assert.NotEmpty(t, c.Batch.Tabulator)
				assert.NotEmpty(t, c.Batch.Batch)
				assert.Positive(t, c.Position)
			}
		})
	}
}

func TestDominionJSONAlaska(t *testing.T) {
	e, cards, _ := readExport(t, "dominion-json", filepath.Join(realDir, "dominion-json/alaska-2024-general"))
	assert.Equal(t, "2024 General Election", e.Name)
	assert.Len(t, e.Contests, 73)
	// Files in natural order, sessions in file order: RecordIds 2, 3, 1.
	assert.Equal(t, "92302-17-2", cards.Card(0).ID)
	assert.Equal(t, "92302-17-1", cards.Card(2).ID)
	c := cards.Card(1)
	assert.Equal(t, BatchKey{Tabulator: "92302", Batch: "17"}, c.Batch)
	assert.Equal(t, 3, c.Position)
	assert.Equal(t, "92302-17-3", c.ImprintedID)
	assert.Equal(t, "Ballot 2 - Type 2", c.BallotStyle)
	assert.Equal(t, "Absentee", c.CountingGroup)
	pres, ok := e.ContestByID("4")
	require.True(t, ok)
	assert.Equal(t, 8, e.Contest(pres).Ranks)
	cv, ok := c.Votes.Get(pres)
	require.True(t, ok)
	var names []string
	for _, s := range cv.Selections() {
		names = append(names, e.Contest(pres).Choices[s.Choice].ID+"@"+strconv.Itoa(int(s.Rank)))
	}
	assert.Equal(t, []string{"542@1", "545@2", "541@3"}, names, "CandidateId@Rank as in CvrExport_1731.json")
	// Contest 7 carries InvalidContest: on the card, no vote.
	rep, _ := e.ContestByID("7")
	cv, ok = c.Votes.Get(rep)
	require.True(t, ok)
	assert.Equal(t, Invalid, cv.Flags&Invalid)
	assert.Equal(t, 0, cv.Len())
	// A contest of another style is absent, not empty.
	other, _ := e.ContestByID("9")
	_, ok = c.Votes.Get(other)
	assert.False(t, ok)
}

func TestDominionJSONSanFrancisco(t *testing.T) {
	e, cards, _ := readExport(t, "dominion-json", filepath.Join(realDir, "dominion-json/sf-2024-general"))
	// RecordId is "X" throughout: the record number comes from ImageMask.
	c := cards.Card(0)
	assert.Equal(t, "5-1-22", c.ID)
	assert.Equal(t, 22, c.Position)
	assert.Equal(t, "Vote by Mail", c.CountingGroup)
	mayor, ok := e.ContestByID("18")
	require.True(t, ok)
	assert.Equal(t, 10, e.Contest(mayor).Ranks)
}

// TestDominionJSONTallyIndependent checks Tabulate against a count made
// with encoding/json maps, written without the reader's code.
func TestDominionJSONTallyIndependent(t *testing.T) {
	for _, dir := range []string{"alaska-2024-general", "sf-2024-general"} {
		t.Run(dir, func(t *testing.T) {
			p := filepath.Join(realDir, "dominion-json", dir)
			e, cards, _ := readExport(t, "dominion-json", p)
			tally, err := Tabulate(e, cards.All())
			require.NoError(t, err)

			type obj = map[string]any
			load := func(name string) obj {
				b, err := os.ReadFile(filepath.Join(p, name))
				require.NoError(t, err)
				var o obj
				require.NoError(t, json.Unmarshal(b, &o))
				return o
			}
			invalid := -1.0
			for _, it := range load("OutstackConditionManifest.json")["List"].([]any) {
				if it.(obj)["Description"] == "InvalidContest" {
					invalid = it.(obj)["Id"].(float64)
				}
			}
			ranks := map[string]float64{}
			for _, it := range load("ContestManifest.json")["List"].([]any) {
				ranks[strconv.Itoa(int(it.(obj)["Id"].(float64)))] = it.(obj)["NumOfRanks"].(float64)
			}
			want := map[string]map[string]int64{} // contest id -> candidate id -> votes (first preferences for RCV)
			files, _ := filepath.Glob(filepath.Join(p, "CvrExport*.json"))
			for _, f := range files {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				var o obj
				require.NoError(t, json.Unmarshal(b, &o))
				for _, s := range o["Sessions"].([]any) {
					snap := s.(obj)["Original"].(obj)
					if snap["IsCurrent"] != true {
						snap = s.(obj)["Modified"].(obj)
					}
					for _, card := range snap["Cards"].([]any) {
						for _, ct := range card.(obj)["Contests"].([]any) {
							ct := ct.(obj)
							id := strconv.Itoa(int(ct["Id"].(float64)))
							if slices.Contains(ct["OutstackConditionIds"].([]any), any(invalid)) || ct["Overvotes"].(float64) > 0 {
								continue
							}
							byRank := map[float64][]string{}
							for _, m := range ct["Marks"].([]any) {
								m := m.(obj)
								if m["IsVote"] == true && m["IsAmbiguous"] == false {
									byRank[m["Rank"].(float64)] = append(byRank[m["Rank"].(float64)], strconv.Itoa(int(m["CandidateId"].(float64))))
								}
							}
							if want[id] == nil {
								want[id] = map[string]int64{}
							}
							if ranks[id] == 0 {
								for _, cands := range byRank {
									for _, c := range cands {
										want[id][c]++
									}
								}
							} else if len(byRank) > 0 {
								// ranked: the lowest rank marked (skipped ranks are
								// passed over), if it names one candidate
								low := slices.Min(slices.Collect(maps.Keys(byRank)))
								if first := slices.Compact(slices.Sorted(slices.Values(byRank[low]))); len(first) == 1 {
									want[id][first[0]]++
								}
							}
						}
					}
				}
			}
			require.NotEmpty(t, want)
			for cid, byCand := range want {
				ci, ok := e.ContestByID(cid)
				require.True(t, ok)
				got := map[string]int64{}
				for i, ch := range e.Contest(ci).Choices {
					if v := tally.Contests[ci].Votes[i]; v > 0 {
						got[ch.ID] = v
					}
				}
				assert.Equal(t, byCand, got, "contest %s", cid)
			}
		})
	}
}

var indepVoteFor = regexp.MustCompile(`Vote For=(\d+)|Number of positions=(\d+)`)

// TestDominionCSVTallyIndependent checks Tabulate on the real Dominion CSVs
// against a count made with a plain encoding/csv loop.
func TestDominionCSVTallyIndependent(t *testing.T) {
	for _, name := range []string{"denver2016_CVR_Export_20170804111144.csv", "boulder2023_Test4CvrsWithIRV.csv", "boulder2024_TestWithRedactions.csv"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(realDir, "dominion-csv", name)
			e, cards, _ := readExport(t, "dominion-csv", p)
			tally, err := Tabulate(e, cards.All())
			require.NoError(t, err)

			f, err := os.Open(p)
			require.NoError(t, err)
			defer f.Close()
			r := csv.NewReader(f)
			r.FieldsPerRecord = -1
			r.LazyQuotes = true
			rows, err := r.ReadAll()
			require.NoError(t, err)
			hdr, chs := rows[1], rows[2]
			want := map[string]map[string]int64{} // contest header -> choice -> votes
			for _, row := range rows[4:] {
				if len(row) < 2 || strings.HasPrefix(row[0], "Redacted") {
					continue
				}
				groups := map[string][]int{}
				for i, h := range hdr {
					if h != "" && i < len(row) {
						groups[h] = append(groups[h], i)
					}
				}
				for h, cols := range groups {
					m := indepVoteFor.FindStringSubmatch(h)
					k, _ := strconv.Atoi(m[1] + m[2])
					ranked := strings.Contains(h, "ranks=")
					ones := 0
					for _, c := range cols {
						if row[c] == "1" && (!ranked || strings.HasSuffix(chs[c], "(1)")) {
							ones++
						}
					}
					if ones > k {
						continue
					}
					for _, c := range cols {
						if row[c] == "1" && (!ranked || strings.HasSuffix(chs[c], "(1)")) {
							if want[h] == nil {
								want[h] = map[string]int64{}
							}
							want[h][strings.TrimSuffix(chs[c], "(1)")]++
						}
					}
				}
			}
			require.NotEmpty(t, want)
			for h, byChoice := range want {
				name := h[:strings.LastIndex(h, " (")]
				ci, ok := e.ContestByID(name)
				require.True(t, ok, name)
				got := map[string]int64{}
				for ch, v := range tally.Totals(ci) {
					if v > 0 {
						got[ch] = v
					}
				}
				assert.Equal(t, byChoice, got, "contest %s", h)
			}
		})
	}
}

// TestDominionCSVPoolsTallyIndependent checks Tabulate plus the pools of
// the Boulder 2024 excerpt, every contest, against a plain encoding/csv
// count: the card rows' 1s (overvoted contests count for no one) plus the
// redaction rows' cells summed.
func TestDominionCSVPoolsTallyIndependent(t *testing.T) {
	p := filepath.Join(realDir, "dominion-csv", "boulder2024_TestWithRedactions.csv")
	files, err := OpenFiles(p)
	require.NoError(t, err)
	e, cards, pools, _, err := readPools(t, 1, 0, files...)
	require.NoError(t, err)
	tally, err := Tabulate(e, cards.All())
	require.NoError(t, err)
	for _, pl := range pools {
		tally.AddPool(pl)
	}

	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	require.NoError(t, err)
	hdr, chs := rows[1], rows[2]
	groups := map[string][]int{}
	for i, h := range hdr {
		if h != "" {
			groups[h] = append(groups[h], i)
		}
	}
	want := map[string]map[string]int64{} // contest header -> choice -> votes
	add := func(h, ch string, n int64) {
		if want[h] == nil {
			want[h] = map[string]int64{}
		}
		want[h][ch] += n
	}
	nPools := 0
	for _, row := range rows[4:] {
		if len(row) < 2 {
			continue
		}
		if row[0] == "" || strings.HasPrefix(row[0], "Redacted") {
			nPools++
			for h, cols := range groups {
				for _, c := range cols {
					if c < len(row) && row[c] != "" {
						n, err := strconv.ParseInt(row[c], 10, 64)
						require.NoError(t, err)
						add(h, chs[c], n)
					}
				}
			}
			continue
		}
		for h, cols := range groups {
			m := indepVoteFor.FindStringSubmatch(h)
			k, _ := strconv.Atoi(m[1] + m[2])
			ones := 0
			for _, c := range cols {
				if row[c] == "1" {
					ones++
				}
			}
			if ones > k {
				continue
			}
			for _, c := range cols {
				if row[c] == "1" {
					add(h, chs[c], 1)
				}
			}
		}
	}
	assert.Equal(t, 8, nPools)
	assert.Len(t, pools, nPools)
	require.Len(t, want, 39, "contests with a vote on a card or a pooled cell (the other 26 have none in this excerpt)")
	for h, byChoice := range want {
		name := h[:strings.LastIndex(h, " (")]
		ci, ok := e.ContestByID(name)
		require.True(t, ok, name)
		got := tally.Totals(ci)
		for ch, n := range byChoice {
			v, ok := got[ch]
			assert.True(t, ok, "contest %s: no choice %q", h, ch)
			assert.Equal(t, n, v, "contest %s choice %s", h, ch)
		}
	}
}

func TestDominionCSVDenverQuirks(t *testing.T) {
	e, cards, _ := readExport(t, "dominion-csv", filepath.Join(realDir, "dominion-csv/denver2016_CVR_Export_20170804111144.csv"))
	assert.Equal(t, "2016 General Election", e.Name)
	c := cards.Card(0)
	assert.Equal(t, "11-1-1", c.ID)
	assert.Equal(t, "11-1-1", c.ImprintedID, `="11-1-1" unwrapped`)
	assert.Equal(t, BatchKey{Tabulator: "11", Batch: "1"}, c.Batch)
	assert.Equal(t, "In-Person", c.CountingGroup, "NotCountingGroup column")
	assert.Equal(t, "Ballot 1 - Type 1", c.BallotStyle)
	// Card 2 is the second card of a ballot: the presidential contest is
	// not on it at all.
	pres, ok := e.ContestByID("Presidential Electors")
	require.True(t, ok)
	_, on := cards.Card(1).Votes.Get(pres)
	assert.False(t, on)
}

// TestSharedFixtures reads the AGPL projects' synthetic fixtures from
// /work/shared when it is there (they may not be copied into this
// repository), for extra coverage of the layouts they exercise.
func TestSharedFixtures(t *testing.T) {
	const shared = "/work/shared/testdata/real"
	if _, err := os.Stat(shared); err != nil {
		t.Skip("shared test data not present")
	}
	tests := []struct {
		path   string
		format string
		cards  int
	}{
		{"dominion-json/format-versions/test_5.2.18.2.Dominion.json", "dominion-json", 2},
		{"dominion-json/format-versions/test_5.10.50.85.Dominion.json", "dominion-json", 4}, // one 2-card session
		{"dominion-csv/arlo_ballot_comparison_cvr.csv", "dominion-csv", 15},
		{"dominion-csv/arlo_TEST_CVRS.csv", "dominion-csv", 14},
		{"dominion-csv/arlo_DOMINION_CVRS_WITH_LEADING_EQUAL_SIGNS.csv", "dominion-csv", 14},
		{"dominion-csv/arlo_DOMINION_UNIQUE_VOTING_IDENTIFIER_CVR.csv", "dominion-csv", 15},
		{"dominion-csv/arlo_NEWLINE_CVR.csv", "dominion-csv", 15},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var e Election
			f, seq, err := Read(&e, "auto", Options{}, filepath.Join(shared, tt.path))
			require.NoError(t, err)
			assert.Equal(t, tt.format, f.Name)
			cards, err := ReadAll(seq)
			require.NoError(t, err)
			assert.Equal(t, tt.cards, cards.Len())
		})
	}
}
