package cvr

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Kind names a kind of inconsistency found by Reconcile.
type Kind string

// The kinds of inconsistency. 2 CCR 20121(b) asks for the inconsistencies
// between the ballot manifest, the CVRs and the reported results to be
// found and reported, with their causes, before any selection.
const (
	// BatchCount: a manifest batch holds a different number of cards
	// than the CVRs of that batch.
	BatchCount Kind = "batch-count"
	// BatchNotInManifest: CVRs name a batch the manifest lacks.
	BatchNotInManifest Kind = "batch-not-in-manifest"
	// TotalCards: the manifest has fewer cards in all than there are CVRs,
	// which no phantom can fix (SHANGRLA asserts the opposite).
	TotalCards Kind = "total-cards"
	// DuplicateID: two or more CVRs share a card ID.
	DuplicateID Kind = "duplicate-id"
	// DuplicateImprintedID: two or more CVRs share an imprinted ID.
	DuplicateImprintedID Kind = "duplicate-imprinted-id"
	// ContestTotal: a choice's votes in the CVRs differ from the reported
	// result.
	ContestTotal Kind = "contest-total"
	// ContestNotInCVRs: the reported results name a contest no CVR has.
	ContestNotInCVRs Kind = "contest-not-in-cvrs"
)

// Inconsistency is one disagreement between the manifest, the CVRs and the
// reported results. Expected is the figure of the manifest or of the
// reported results, Found the figure from the CVRs.
type Inconsistency struct {
	Kind     Kind   `json:"kind"`
	Batch    string `json:"batch,omitempty"`
	Contest  string `json:"contest,omitempty"`
	Choice   string `json:"choice,omitempty"`
	ID       string `json:"id,omitempty"`
	Expected int64  `json:"expected"`
	Found    int64  `json:"found"`
	Cause    string `json:"cause"`
}

// ReportedResult is one line of reported results: the votes a choice
// received in a contest, as the jurisdiction published them.
type ReportedResult struct {
	Contest string
	Choice  string
	Votes   int64
	Where   string // line or JSON path, for messages
}

// Results are an election's reported results.
type Results struct {
	Name string // file name, for messages
	Rows []ReportedResult
}

// ReadResults reads reported results from r (name is used in messages).
// Accepted forms:
//   - CSV with a header naming the columns contest, choice (or candidate)
//     and votes, in any order and case; votes may be written "1,234";
//   - JSON: an array of {"contest","choice","votes"} objects, an object
//     {contest: {choice: votes}}, or the output of "rla tabulate"
//     ({"contests": [{"name", "tally": {choice: votes}}]}).
func ReadResults(r io.Reader, name string) (*Results, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 1<<28))
	if err != nil {
		return nil, fmt.Errorf("cvr: results %s: %w", name, err)
	}
	text, err := DecodeText(raw)
	if err != nil {
		return nil, fmt.Errorf("cvr: results %s: %w", name, err)
	}
	res := &Results{Name: name}
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return res, res.readJSON([]byte(t))
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cvr: results %s line 1: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		switch h = strings.ToLower(strings.TrimSpace(h)); h {
		case "contest", "choice", "votes":
			col[h] = i
		case "candidate":
			col["choice"] = i
		}
	}
	for _, need := range []string{"contest", "choice", "votes"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("cvr: results %s line 1: no %q column (the header must name contest, choice, votes)", name, need)
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("cvr: results %s line %d: %w", name, line, err)
		}
		if dcBlank(rec) {
			continue
		}
		get := func(f string) string {
			if col[f] < len(rec) {
				return strings.TrimSpace(rec[col[f]])
			}
			return ""
		}
		v, err := strconv.ParseInt(strings.ReplaceAll(get("votes"), ",", ""), 10, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("cvr: results %s line %d: field \"votes\": %q is not a whole number of votes", name, line, get("votes"))
		}
		if get("contest") == "" || get("choice") == "" {
			return nil, fmt.Errorf("cvr: results %s line %d: field \"contest\" or \"choice\" is empty", name, line)
		}
		res.Rows = append(res.Rows, ReportedResult{Contest: get("contest"), Choice: get("choice"), Votes: v, Where: fmt.Sprintf("line %d", line)})
	}
	return res, nil
}

func (res *Results) readJSON(b []byte) error {
	bad := func(path, format string, args ...any) error {
		return fmt.Errorf("cvr: results %s %s: %s", res.Name, path, fmt.Sprintf(format, args...))
	}
	add := func(path, contest, choice string, v json.Number) error {
		n, err := v.Int64()
		if err != nil || n < 0 {
			return bad(path, "votes %q is not a whole number", v)
		}
		res.Rows = append(res.Rows, ReportedResult{Contest: contest, Choice: choice, Votes: n, Where: path})
		return nil
	}
	var rows []struct {
		Contest string      `json:"contest"`
		Choice  string      `json:"choice"`
		Votes   json.Number `json:"votes"`
	}
	if b[0] == '[' {
		if err := json.Unmarshal(b, &rows); err != nil {
			return bad("/", "%v", err)
		}
		for i, r := range rows {
			if err := add(fmt.Sprintf("/%d", i), r.Contest, r.Choice, r.Votes); err != nil {
				return err
			}
		}
		return nil
	}
	var tab struct {
		Contests []struct {
			ID    string                 `json:"id"`
			Name  string                 `json:"name"`
			Tally map[string]json.Number `json:"tally"`
		} `json:"contests"`
	}
	if err := json.Unmarshal(b, &tab); err == nil && tab.Contests != nil {
		for i, c := range tab.Contests {
			for _, ch := range sortedKeys(c.Tally) {
				if err := add(fmt.Sprintf("/contests/%d/tally/%s", i, ch), cmp.Or(c.Name, c.ID), ch, c.Tally[ch]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var byContest map[string]map[string]json.Number
	if err := json.Unmarshal(b, &byContest); err != nil {
		return bad("/", "want {contest: {choice: votes}}, [{contest, choice, votes}] or rla tabulate output: %v", err)
	}
	for _, c := range sortedKeys(byContest) {
		for _, ch := range sortedKeys(byContest[c]) {
			if err := add("/"+c+"/"+ch, c, ch, byContest[c][ch]); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// normBatch normalises a batch or tabulator name for matching: trimmed,
// and a purely numeric name without its leading zeros, because Dominion's
// JSON writes BatchId 17 where a manifest may write "017".
func normBatch(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return s
	}
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

// manifestKey is the key a CVR batch is matched on: jurisdiction and
// tabulator only when the manifest has those columns.
func manifestKey(m *Manifest, jur, tab, batch string) BatchKey {
	k := BatchKey{Batch: normBatch(batch)}
	if m.Jurisdictions {
		k.Jurisdiction = strings.TrimSpace(jur)
	}
	if m.Tabulators {
		k.Tabulator = normBatch(tab)
	}
	return k
}

// Reconcile compares the ballot manifest m, the CVRs in cards and,
// when res is not nil, the reported results with the CVR tally t (which
// may be nil when res is nil). It returns the inconsistencies, batches
// first, then IDs, then contests; none means the three agree.
//
// Batches are matched on (jurisdiction, tabulator, batch) as far as the
// manifest has those columns, numeric names compared without leading
// zeros. Manifest batches marked CVR=N (hybrid audits) are expected to
// have no CVRs. Contests and choices of the results are matched to the
// CVRs' by ID or by name, ignoring case.
func Reconcile(m *Manifest, cards *Cards, t *Tally, res *Results) []Inconsistency {
	var out []Inconsistency
	cvrBatches := map[BatchKey]int64{}
	var total int64
	for k, n := range cards.Batches() {
		cvrBatches[manifestKey(m, k.Jurisdiction, k.Tabulator, k.Batch)] += int64(n)
		total += int64(n)
	}
	inManifest := map[BatchKey]bool{}
	for _, b := range m.Batches {
		k := manifestKey(m, b.Jurisdiction, b.Tabulator, b.Name)
		inManifest[k] = true
		found := cvrBatches[k]
		want := int64(b.Cards)
		if b.CVRs == CVRNo {
			want = 0
		}
		if found == want {
			continue
		}
		var cause string
		switch {
		case found == 0:
			cause = fmt.Sprintf("the manifest lists %d cards in this batch but no CVR names it: the batch may be missing from the export, or its name differs between manifest and CVRs", b.Cards)
		case found < want:
			cause = fmt.Sprintf("%d cards of this batch have no CVR: cards not scanned, CVRs missing from the export, or a miscount in the manifest; each missing card becomes a phantom", want-found)
		default:
			cause = fmt.Sprintf("%d more CVRs than cards in the manifest: cards rescanned (duplicate CVRs), cards from another batch, or a miscount in the manifest", found-want)
		}
		key := BatchKey{Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name}
		out = append(out, Inconsistency{Kind: BatchCount, Batch: key.String(), Expected: want, Found: found, Cause: cause})
	}
	var missing []BatchKey
	for k := range cvrBatches {
		if !inManifest[k] {
			missing = append(missing, k)
		}
	}
	slices.SortFunc(missing, func(a, b BatchKey) int { return naturalCompare(a.String(), b.String()) })
	for _, k := range missing {
		out = append(out, Inconsistency{Kind: BatchNotInManifest, Batch: k.String(), Expected: 0, Found: cvrBatches[k],
			Cause: "CVRs name a batch the ballot manifest does not list: the manifest is incomplete, or the batch is named differently (check tabulator and batch numbering)"})
	}
	if mt := m.Cards(); mt < total {
		out = append(out, Inconsistency{Kind: TotalCards, Expected: mt, Found: total,
			Cause: "there are more CVRs than cards in the manifest, so the manifest cannot account for every CVR"})
	}
	out = append(out, duplicates(cards)...)
	if res != nil && t != nil {
		out = append(out, compareResults(t, res)...)
	}
	return out
}

func duplicates(cards *Cards) []Inconsistency {
	var out []Inconsistency
	ids := repeated(cards, fieldID)
	for _, id := range ids {
		out = append(out, Inconsistency{Kind: DuplicateID, ID: id.value, Expected: 1, Found: id.count,
			Cause: "several CVRs share this card ID: a card scanned twice, a file exported twice, or IDs made ambiguous by redaction"})
	}
	imprinted := ids
	// Exports whose imprinted ID is the card ID on every card (Dominion's
	// usual case) need no second pass over millions of cards.
	if !imprintedIsID(cards) {
		imprinted = repeated(cards, fieldImprintedID)
	}
	for _, id := range imprinted {
		out = append(out, Inconsistency{Kind: DuplicateImprintedID, ID: id.value, Expected: 1, Found: id.count,
			Cause: "several CVRs share this imprinted ID: a card rescanned, or imprinting restarted its numbering"})
	}
	return out
}

type repeatedValue struct {
	value string
	count int64
}

var repeatSeed = maphash.MakeSeed()

func compareResults(t *Tally, res *Results) []Inconsistency {
	e := t.Election
	byName := map[string]ContestIndex{}
	for i, c := range e.Contests {
		byName[strings.ToLower(strings.TrimSpace(c.Name))] = ContestIndex(i)
	}
	findContest := func(s string) (ContestIndex, bool) {
		if i, ok := e.ContestByID(s); ok {
			return i, true
		}
		i, ok := byName[strings.ToLower(strings.TrimSpace(s))]
		return i, ok
	}
	var out []Inconsistency
	reported := map[ContestIndex]map[ChoiceIndex]bool{}
	missingContest := map[string]bool{}
	for _, r := range res.Rows {
		ci, ok := findContest(r.Contest)
		if !ok {
			if !missingContest[r.Contest] {
				missingContest[r.Contest] = true
				out = append(out, Inconsistency{Kind: ContestNotInCVRs, Contest: r.Contest, Expected: r.Votes, Found: 0,
					Cause: fmt.Sprintf("the reported results (%s %s) name a contest that no CVR has: the CVRs are incomplete or the contest is named differently", res.Name, r.Where)})
			}
			continue
		}
		c := e.Contests[ci]
		ch := -1
		for i, x := range c.Choices {
			if x.ID == r.Choice || strings.EqualFold(strings.TrimSpace(x.Name), r.Choice) {
				ch = i
				break
			}
		}
		var found int64
		if ch >= 0 && int(ci) < len(t.Contests) {
			found = t.Contests[ci].Votes[ch]
			if reported[ci] == nil {
				reported[ci] = map[ChoiceIndex]bool{}
			}
			reported[ci][ChoiceIndex(ch)] = true
		}
		if found == r.Votes {
			continue
		}
		cause := "the CVRs give this choice a different number of votes than the reported results: CVRs missing or duplicated, results from another count (e.g. before adjudication), or a transcription error"
		switch {
		case ch < 0:
			cause = "the reported results name a choice no CVR has in this contest: the choice is named differently, or its votes are write-ins counted under another name"
		case c.Ranked():
			cause = "first-preference votes in the CVRs differ from the reported figure; for ranked-choice contests make sure both count first preferences under the same ballot rules"
		}
		out = append(out, Inconsistency{Kind: ContestTotal, Contest: c.Name, Choice: r.Choice, Expected: r.Votes, Found: found, Cause: cause})
	}
	// Choices with votes in the CVRs that the results leave out.
	for ci := range reported {
		c := e.Contests[ci]
		for ch, v := range t.Contests[ci].Votes {
			if v > 0 && !reported[ci][ChoiceIndex(ch)] {
				out = append(out, Inconsistency{Kind: ContestTotal, Contest: c.Name, Choice: c.Choices[ch].Name, Expected: 0, Found: v,
					Cause: "the CVRs give votes to a choice the reported results do not list"})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Inconsistency) int {
		return cmp.Or(cmp.Compare(a.Contest, b.Contest), cmp.Compare(a.Choice, b.Choice))
	})
	return out
}

// Phantoms returns a phantom card for every card the manifest m lists and
// the CVRs in cards lack, batch by batch (Banuelos & Stark 2012, "Limiting
// risk by turning manifest phantoms into evil zombies"). A phantom takes a
// position of its batch that no CVR holds, lowest first, has the ID
// "phantom-BATCH-POSITION", and holds no votes: an audit treats it as the
// worst case for every contest. Batches marked CVR=N get none.
func Phantoms(m *Manifest, cards *Cards) []Card {
	// The cards are counted, and their positions marked, per manifest key,
	// straight from the store's columns: a map of positions per batch
	// costs seconds for millions of cards, a bitset per batch a few
	// milliseconds. Only keys of batches that may get phantoms, and only
	// positions 1 to the batch's size, are ever looked up.
	keyOf := map[BatchKey]int{}
	var size []int // per key: the largest batch size it has
	for _, b := range m.Batches {
		if b.CVRs == CVRNo {
			continue
		}
		k := manifestKey(m, b.Jurisdiction, b.Tabulator, b.Name)
		x, ok := keyOf[k]
		if !ok {
			x = len(size)
			keyOf[k] = x
			size = append(size, 0)
		}
		size[x] = max(size[x], b.Cards)
	}
	stored := make([]int, len(cards.batches)) // store batch index -> key, or -1
	for i, b := range cards.batches {
		x, ok := keyOf[manifestKey(m, b.Jurisdiction, b.Tabulator, b.Batch)]
		if !ok {
			x = -1
		}
		stored[i] = x
	}
	count := make([]int, len(size))
	used := make([][]uint64, len(size))
	for x, n := range size {
		used[x] = make([]uint64, n/64+1)
	}
	for _, k := range cards.chunks {
		for j, b := range k.batch {
			x := stored[b]
			if x < 0 {
				continue
			}
			count[x]++
			if p := int(k.pos[j]); p >= 1 && p <= size[x] {
				used[x][p>>6] |= 1 << (p & 63)
			}
		}
	}
	var out []Card
	for _, b := range m.Batches {
		if b.CVRs == CVRNo {
			continue
		}
		x := keyOf[manifestKey(m, b.Jurisdiction, b.Tabulator, b.Name)]
		missing := b.Cards - count[x]
		key := BatchKey{Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name}
		for pos := 1; missing > 0; pos++ {
			if pos <= b.Cards && used[x][pos>>6]&(1<<(pos&63)) != 0 {
				continue
			}
			p := pos
			if pos > b.Cards { // positions unknown or out of range: number on
				p = 0
			}
			out = append(out, Card{ID: "phantom-" + key.String() + "-" + strconv.Itoa(pos), Batch: key, Position: p, Phantom: true})
			missing--
		}
	}
	return out
}
