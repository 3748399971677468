package rla

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
	"github.com/rlakit/rlakit/sample"
	"github.com/rlakit/rlakit/stats"
)

// SetSeed records the public random seed. It must come after the inputs
// are committed (and their inconsistencies accepted) and be at least 20
// decimal digits, as rolled on ten-sided dice. how says how and where it
// was generated, for the report.
//
// In a two-phase audit the second seed comes after the second phase's
// commitment (Phase2): it places the new cards in the pending slots.
func (a *Audit) SetSeed(seed, how, by string) error {
	second := a.st.phase2 != nil
	switch {
	case second && a.st.seed2 != nil:
		return fmt.Errorf("rla: both seeds are set (the second %s, recorded %s)", a.st.seed2.Seed, a.st.seed2Entry.Time.Format("2006-01-02 15:04 MST"))
	case !second && a.st.seed != nil:
		return fmt.Errorf("rla: the seed is already set (%s, recorded %s)", a.st.seed.Seed, a.st.seedEntry.Time.Format("2006-01-02 15:04 MST"))
	case !a.st.accepted:
		return fmt.Errorf("rla: %w: accept them (init --accept-inconsistencies) before the seed is set", ErrInconsistent)
	}
	if err := sample.CheckSeedDigits(seed); err != nil {
		return err
	}
	if how == "" {
		how = "rolled on ten-sided dice in a public meeting"
	}
	if second && seed == a.st.seed.Seed {
		return errors.New("rla: the second phase needs a new seed, rolled after the final inputs were committed")
	}
	e, err := a.log.Append(kindSeed, by, seedData{Seed: seed, How: how})
	if err != nil {
		return err
	}
	if second {
		a.st.seed2, a.st.seed2Entry = &seedData{Seed: seed, How: how}, e
		return a.enterPhase2()
	}
	a.st.seed, a.st.seedEntry = &seedData{Seed: seed, How: how}, e
	if a.Config().cardStyle() {
		a.nums = sample.SampleNumbers(seed, a.data.Cards.Len())
	}
	return nil
}

// simulations is the number of audits simulated for each sample-size
// estimate; the quantiles it gives are then stable to about a percent.
const simulations = 1000

// estimateSize estimates the sample size of a contest: for each assertion
// it simulates audits (stats.MonteCarlo) on the population the assumed or
// observed error rates describe, after the values already observed, and
// takes the chosen quantile; the contest needs the largest.
func (a *Audit) estimateSize(c *contest, m *contestMeasure, round int) (Estimate, error) {
	cfg := a.Config()
	est := Estimate{Quantile: cfg.Quantile, Quantiles: map[string]int{}}
	worst := map[float64]int{}
	for i, as := range c.assertions {
		var pop, prefix []float64
		var test stats.Test
		N := int(c.Cards)
		method := cfg.Method
		if c.polled {
			method = Polling
		}
		switch method {
		case Comparison, Hybrid:
			comp := c.comparisons[i]
			r1, r2 := cfg.ErrorRate1, cfg.ErrorRate2
			if m != nil && len(m.values[i]) > 0 {
				prefix = m.values[i]
				// Observed overstatement rates, never below the assumed ones.
				if n := float64(len(prefix) - m.slots); n > 0 {
					r1 = math.Max(r1, float64(m.classes[i][margin.O1])/n)
					r2 = math.Max(r2, float64(m.classes[i][margin.O2])/n)
				}
				if a.firstPhase() {
					// The pending slots drawn so far are certain to count
					// as overstatements until the second phase fills them:
					// size the sample as a new audit at the rates of the
					// cards that exist.
					prefix = nil
				}
			}
			var err error
			if cfg.Method == Hybrid {
				pop, err = a.data.hybridPopulation(c, i, r1, r2)
			} else {
				pop, err = stats.OverstatementPopulation(10000, comp.Margin, as.Upper(), r1, r2)
			}
			if err != nil {
				return est, err
			}
			for j := range pop {
				pop[j] = a.riskValue(c, i, pop[j])
			}
			test = a.comparisonTest(c, i)
		case Batch:
			if m != nil {
				prefix = m.values[i]
			}
			pop = a.batchPopulation(c, i, prefix)
			N = a.maxBatchDraws()
			test = a.batchTest(c, i)
		default:
			pop = pollingPopulation(c, i)
			if m != nil {
				prefix = m.values[i]
			}
			test = a.pollingTest(c, i)
		}
		if len(prefix) >= N {
			continue
		}
		mc := stats.MonteCarlo{Test: test, Pop: pop, Prefix: prefix, N: N, Alpha: cfg.RiskLimit, Reps: simulations, Seed: sizeSeed(c, round, i)}
		sizes, err := mc.Run()
		if err != nil {
			return est, fmt.Errorf("rla: contest %q, assertion %q: %w", c.Name, as.Name, err)
		}
		for _, q := range []float64{0.5, 0.8, 0.9, 0.99, cfg.Quantile} {
			worst[q] = max(worst[q], sizes.Quantile(q))
		}
	}
	for q, n := range worst {
		est.Quantiles[strconv.FormatFloat(q, 'g', -1, 64)] = n
	}
	est.Chosen = worst[cfg.Quantile]
	return est, nil
}

// sizeSeed makes the simulations of each contest, round and assertion
// reproducible (rla verify repeats them) without depending on the audit's
// seed.
func sizeSeed(c *contest, round, assertion int) uint64 {
	h := sha256.New()
	fmt.Fprintf(h, "rlakit sample size\x00%s\x00%d\x00%d", c.ID, round, assertion)
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// pollingPopulation is the population of assorter values that the reported
// results imply for a polling audit: each winner vote 1, loser vote 0, other
// cards 1/2 (for a pairwise assorter), over the contest's population (the
// manifest's cards, or in a comparison audit the cards that may hold it).
func pollingPopulation(c *contest, i int) []float64 {
	as := c.assertions[i]
	w, l := c.Reported[as.WinnerName], c.Reported[as.LoserName]
	total := c.Cards
	const size = 10000
	pop := make([]float64, size)
	nw := int(math.Round(float64(w) / float64(total) * size))
	nl := int(math.Round(float64(l) / float64(total) * size))
	for j := range pop {
		switch {
		case j < nw:
			pop[j] = as.Upper()
		case j < nw+nl:
			pop[j] = 0
		default:
			pop[j] = 0.5
		}
	}
	return pop
}

// comparisonTest is the risk function of a comparison audit: ALPHA with
// SHANGRLA's optimal comparison bet (Stark 2023), sampling without
// replacement from the contest's cards.
//
// A hybrid audit's contest with pooled cards is tested by a betting
// martingale with the aGRAPA bet (Waudby-Smith & Ramdas 2021) instead: a
// pooled card's value varies with its votes around the pool's mean, and
// aGRAPA adapts its bet to that variance, where the optimal comparison bet,
// tuned to rare discrete errors, overbets. On a 4,000-card election with a
// third of the cards pooled, the median simulated sample was 748 cards
// with aGRAPA against 2,666 with the optimal comparison bet at margin 0.05,
// and 44 against 36 at margin 0.2.
//
// Drawn with replacement (Rivest's sampler) the test ignores N. The
// Kaplan-Markov risk function takes the values riskValue gives.
func (a *Audit) comparisonTest(c *contest, i int) stats.Test {
	cfg := a.Config()
	N := int(c.Cards)
	if cfg.withReplacement() {
		N = 0
	}
	if cfg.RiskFunction == RiskKaplanMarkov {
		u := c.assertions[i].Upper()
		return stats.KaplanMarkov{Population: stats.Population{T: 1 - c.comparisons[i].Margin/(2*cfg.Gamma*u), U: 1 + 1/cfg.Gamma}}
	}
	if cfg.Method == Hybrid && a.data.pooledCards(c.index) > 0 {
		return stats.Betting{
			Population: stats.Population{N: int(c.Cards), T: 0.5, U: c.comparisons[i].Upper()},
			Bet:        stats.AGRAPA{},
		}
	}
	return stats.Alpha{
		Population: stats.Population{N: N, T: 0.5, U: c.comparisons[i].Upper()},
		Estimator:  stats.OptimalComparison{},
	}
}

// riskValue turns assertion i's overstatement-assorter value b (SHANGRLA's
// B = (1 − ω/u)/(2 − v/u)) into what the audit's risk function takes: b
// itself, or for Kaplan-Markov x = 1 − ω/(γu), so that the test's product
// ∏ T/x_i with T = 1 − v/(2γu) is Stark's super-simple P-value
// ∏ (1 − 1/U)/(1 − e_i/(2γ)), U = 2γ/v and e_i = 2ω_i/u the overstatement
// in votes (Stark 2010, "Super-simple simultaneous single-ballot
// risk-limiting audits", eq. 6). When the outcome is wrong the mean of ω is
// at least v/2, so the mean of x is at most T, and Markov's inequality
// bounds the risk for draws with replacement.
func (a *Audit) riskValue(c *contest, i int, b float64) float64 {
	if a.Config().RiskFunction != RiskKaplanMarkov {
		return b
	}
	u, v := c.assertions[i].Upper(), c.comparisons[i].Margin
	omega := 1 - b*(2-v/u) // ω/u
	return 1 - omega/a.Config().Gamma
}

// pollingTest is the risk function of a polling audit: ALPHA with the
// shrink-truncate estimator (Stark 2023, eq. 8), without replacement from
// the manifest's cards. Its prior guess eta is the assorter mean the
// reported results imply, (1 + v)/2 for a pairwise assorter with diluted
// margin v, as the ALPHA paper advises (section 2.5.2); SHANGRLA's default,
// eta near u, bets as if the winner had every vote and needs several times
// the sample on a realistic margin.
//
// BRAVO (Lindeman, Stark & Yates 2012) is Wald's SPRT on the pairwise
// assorter with the alternative mean s_w = W/(W+L), the winner's reported
// share of the pair's votes: a card for W multiplies the likelihood ratio
// by 2s_w, one for L by 2(1 − s_w), any other by 1, exactly BRAVO's.
func (a *Audit) pollingTest(c *contest, i int) stats.Test {
	cfg := a.Config()
	u := c.assertions[i].Upper()
	N := int(c.Cards)
	if cfg.withReplacement() {
		N = 0
	}
	if cfg.RiskFunction == RiskBravo {
		as := c.assertions[i]
		w, l := c.Reported[as.WinnerName], c.Reported[as.LoserName]
		return stats.WaldSPRT{Population: stats.Population{T: 0.5, U: u}, Eta: u * float64(w) / float64(w+l)}
	}
	eta := math.Min(u*(1+c.Assertions[i].Margin)/2, u*(1-0x1p-52))
	return stats.Alpha{
		Population: stats.Population{N: N, T: 0.5, U: u},
		Estimator:  stats.ShrinkTrunc{Eta: eta},
	}
}

// ErrNoSeed is returned by steps that need the seed before it is set.
var ErrNoSeed = errors.New("the seed is not set yet (rla audit seed)")

// ready reports whether rounds can be opened and drawn: the seed is set,
// and in a two-phase audit's second phase the second seed too.
func (a *Audit) ready() error {
	switch {
	case a.st.seed == nil:
		return ErrNoSeed
	case a.st.phase2 != nil && a.st.seed2 == nil:
		return fmt.Errorf("rla: %w", ErrNoSecondSeed)
	}
	return nil
}

// openRound records a new round with the contests' target sample sizes:
// the first round from the assumed error rates, later ones from what the
// audit observed. Contests that are finished keep their sizes.
func (a *Audit) openRound(by string) (roundData, error) {
	r, err := a.computeRound()
	if err != nil {
		return r, err
	}
	if _, err := a.log.Append(kindRound, by, r); err != nil {
		return r, err
	}
	a.st.rounds = append(a.st.rounds, r)
	return r, nil
}

// computeRound works out the next round's sample sizes from the state.
func (a *Audit) computeRound() (roundData, error) {
	if err := a.ready(); err != nil {
		return roundData{}, err
	}
	r := roundData{Round: len(a.st.rounds) + 1, Sizes: map[string]int{}, Estimates: map[string]Estimate{}}
	ms, err := a.measure()
	if err != nil {
		return r, err
	}
	grow := false
	for i, c := range a.contests {
		if c.Opportunistic {
			continue
		}
		prev := 0
		if len(a.st.rounds) > 0 {
			prev = a.st.rounds[len(a.st.rounds)-1].Sizes[c.Name]
		}
		r.Sizes[c.Name] = prev
		if r.Round > 1 && ms[i].State != StateEscalate {
			continue
		}
		var m *contestMeasure
		if r.Round > 1 {
			m = ms[i]
		}
		est, err := a.estimateSize(c, m, r.Round)
		if err != nil {
			return r, err
		}
		r.Estimates[c.Name] = est
		if float64(est.Chosen) > a.Config().MaxFraction*float64(a.populationSize(c)) && !a.firstPhase() {
			// Sampling that much is no cheaper than counting: the contest
			// goes to a full hand count, and its sample stops growing.
			r.HandCount = append(r.HandCount, c.Name)
			continue
		}
		r.Sizes[c.Name] = max(est.Chosen, prev+1)
		grow = true
	}
	if !grow && len(r.HandCount) == 0 {
		return r, errors.New("rla: no contest needs another round")
	}
	return r, nil
}

// cardContests returns the indices (into a.contests) of the contests under
// audit on card i, appended to buf[:0].
func (a *Audit) cardContests(i int, buf []int) []int {
	buf = buf[:0]
	v := a.data.Cards.Card(i).Votes
	for k, c := range a.contests {
		if _, ok := v.Get(c.index); ok {
			buf = append(buf, k)
		}
	}
	return buf
}

// Draw draws the current round's sample, opening the first round if
// needed, and returns the round's pull list. Drawing a round that is
// already drawn returns the recorded list.
func (a *Audit) Draw(by string) ([]DrawRecord, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	if len(a.st.rounds) == 0 {
		if _, err := a.openRound(by); err != nil {
			return nil, err
		}
	}
	round := len(a.st.rounds)
	if d, ok := a.st.draws[round]; ok {
		if round > a.st.phase2Rounds {
			return d.Draws, nil
		}
		out := make([]DrawRecord, len(d.Draws))
		for i, x := range d.Draws {
			out[i] = a.currentRecord(x)
		}
		return out, nil
	}
	draws, err := a.selectRound(round)
	if err != nil {
		return nil, err
	}
	if _, err := a.log.Append(kindDraw, by, drawData{Round: round, Draws: draws}); err != nil {
		return nil, err
	}
	a.st.draws[round] = drawData{Round: round, Draws: draws}
	return draws, nil
}

// drawnCards returns the cards drawn in all rounds so far, in draw order.
func (a *Audit) drawnCards() []int {
	var out []int
	for r := 1; r <= len(a.st.rounds); r++ {
		for _, d := range a.st.draws[r].Draws {
			out = append(out, d.Card)
		}
	}
	return out
}

// selectRound computes round r's new cards.
func (a *Audit) selectRound(r int) ([]DrawRecord, error) {
	sizes := a.st.rounds[r-1].Sizes
	before := a.drawnCards()
	first := len(before) + 1
	var out []DrawRecord
	need := 0
	for _, n := range sizes {
		need = max(need, n)
	}
	switch cfg := a.Config(); {
	case cfg.Method == Batch:
		return a.selectBatches(r, len(before), need)
	case cfg.Selection == SelectRivest && cfg.Method == Polling:
		return a.selectRivestManifest(r, len(before), need)
	case cfg.Selection == SelectRivest:
		return a.selectRivestCards(r, len(before), need)
	}
	switch cfg := a.Config(); {
	case cfg.Method == Polling:
		return a.selectTickets(r, len(before), need)
	case cfg.Selection == SelectTickets:
		return a.selectTicketCards(r, len(before), need)
	}
	target := make([]int, len(a.contests))
	for k, c := range a.contests {
		target[k] = sizes[c.Name]
	}
	res, err := sample.ConsistentContestSample(a.nums, a.cardContests, target, before)
	if err != nil {
		return nil, err
	}
	for i, card := range res.Selected {
		c := a.data.Cards.Card(card)
		out = append(out, DrawRecord{
			Round: r, Draw: first + i, Card: card, Ticket: a.nums[card].String(), CardID: c.ID,
			Jurisdiction: c.Batch.Jurisdiction, Tabulator: c.Batch.Tabulator, Batch: c.Batch.Batch,
			Position: c.Position, ImprintedID: c.ImprintedID, Phantom: c.Phantom,
		})
	}
	return out, nil
}

// selectTickets draws cards from the manifest by Arlo's consistent
// sampling (tickets from Rivest's consistent_sampler), without replacement:
// draws before+1..need. Card ids always take Arlo's (jurisdiction,
// tabulator, batch) form, so batches that share a name under different
// tabulators stay distinct.
func (a *Audit) selectTickets(r, before, need int) ([]DrawRecord, error) {
	bs := make([]sample.Batch, len(a.data.Manifest.Batches))
	for i, b := range a.data.Manifest.Batches {
		bs[i] = b.Batch
	}
	m, err := sample.NewManifest(bs, true)
	if err != nil {
		return nil, err
	}
	draws, err := m.ConsistentDraws(a.st.seed.Seed, before, need-before, false)
	if err != nil {
		return nil, err
	}
	out := make([]DrawRecord, 0, len(draws))
	for i, d := range draws {
		b := m.Batches()[d.Batch]
		key := cvr.BatchKey{Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name}
		idx, _ := m.Index(d.Batch, d.Position)
		out = append(out, DrawRecord{
			Round: r, Draw: before + i + 1, Card: int(idx - 1), Ticket: sample.TrimTicket(d.Ticket, 18),
			CardID:       key.String() + "#" + strconv.Itoa(d.Position),
			Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name, Position: d.Position,
		})
	}
	return out, nil
}

// selectTicketCards draws a comparison audit's cards by Arlo's tickets over
// the manifest and names each by the card (CVR or phantom) at that batch
// and position.
func (a *Audit) selectTicketCards(r, before, need int) ([]DrawRecord, error) {
	out, err := a.selectTickets(r, before, need)
	if err != nil {
		return nil, err
	}
	at := map[cvr.BatchKey]map[int]int{}
	for i := range a.data.Cards.Len() {
		c := a.data.Cards.Card(i)
		k := a.data.Manifest.Key(c.Batch.Jurisdiction, c.Batch.Tabulator, c.Batch.Batch)
		if at[k] == nil {
			at[k] = map[int]int{}
		}
		at[k][c.Position] = i
	}
	for i, d := range out {
		card, ok := at[a.data.Manifest.Key(d.Jurisdiction, d.Tabulator, d.Batch)][d.Position]
		if !ok {
			return nil, fmt.Errorf("rla: no CVR or phantom is at position %d of batch %s: ticket selection needs CVR positions that match the manifest (use consistent or rivest selection)", d.Position, d.CardID)
		}
		c := a.data.Cards.Card(card)
		out[i].Card, out[i].CardID, out[i].ImprintedID, out[i].Phantom = card, c.ID, c.ImprintedID, c.Phantom
	}
	return out, nil
}

// selectRivestCards draws a comparison audit's cards with Rivest's sampler,
// with replacement, over the card list (CVRs in the order read, then the
// phantoms): draws before+1..need, draw k being card k's pick minus one.
func (a *Audit) selectRivestCards(r, before, need int) ([]DrawRecord, error) {
	_, picks, err := sample.RivestSample(a.st.seed.Seed, 1, int64(a.data.Cards.Len()), need, before, true)
	if err != nil {
		return nil, err
	}
	out := make([]DrawRecord, 0, len(picks))
	for i, x := range picks {
		card := int(x - 1)
		c := a.data.Cards.Card(card)
		out = append(out, DrawRecord{
			Round: r, Draw: before + i + 1, Card: card, Ticket: strconv.FormatInt(x, 10), CardID: c.ID,
			Jurisdiction: c.Batch.Jurisdiction, Tabulator: c.Batch.Tabulator, Batch: c.Batch.Batch,
			Position: c.Position, ImprintedID: c.ImprintedID, Phantom: c.Phantom,
		})
	}
	return out, nil
}

// selectRivestManifest draws a polling audit's cards with Rivest's sampler,
// with replacement, over the manifest's cards in manifest order.
func (a *Audit) selectRivestManifest(r, before, need int) ([]DrawRecord, error) {
	m, err := a.data.Manifest.Sampling()
	if err != nil {
		return nil, err
	}
	_, picks, err := sample.RivestSample(a.st.seed.Seed, 1, m.Total(), need, before, true)
	if err != nil {
		return nil, err
	}
	out := make([]DrawRecord, 0, len(picks))
	for i, x := range picks {
		bi, pos, err := m.Locate(x)
		if err != nil {
			return nil, err
		}
		b := a.data.Manifest.Batches[bi]
		out = append(out, DrawRecord{
			Round: r, Draw: before + i + 1, Card: int(x - 1), Ticket: strconv.FormatInt(x, 10),
			CardID:       batchKey(b).String() + "#" + strconv.Itoa(pos),
			Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name, Position: pos,
		})
	}
	return out, nil
}

// NextRound opens the next round for the contests that must escalate.
func (a *Audit) NextRound(by string) (int, error) {
	if n := len(a.st.rounds); n == 0 || a.st.draws[n].Round == 0 {
		return 0, errors.New("rla: the current round has not been drawn yet (rla audit draw)")
	}
	r, err := a.openRound(by)
	return r.Round, err
}

// populationSize is the number of units (cards, or batches in a batch
// comparison audit) a contest's sample is drawn from, which the audit's
// maximum fraction applies to.
func (a *Audit) populationSize(c *contest) int64 {
	switch a.Config().Method {
	case Polling:
		return a.data.Manifest.Cards()
	case Batch:
		return int64(len(a.data.Manifest.Batches))
	}
	return c.Cards
}
