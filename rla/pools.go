package rla

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/rlakit/rlakit/cvr"
	"github.com/rlakit/rlakit/margin"
	"github.com/rlakit/rlakit/stats"
)

// A hybrid audit (ONEAudit; Stark 2023, "Overstatement-net-equivalent risk-
// limiting audit: ONEAudit") is a ballot-level comparison audit in which
// some batches have no CVRs of their own, only reported vote counts: ballots
// counted by precinct-count scanners that keep no CVRs, or whose CVRs cannot
// be linked to the cards. Each such batch is a pool. A pooled card's CVR is
// replaced by the pool's average assorter value, so every card of the
// population is sampled the same way and compared with the same
// overstatement assorter; the pooled cards only add variance.

// pool is one ONEAudit pool: a manifest batch without CVRs and its
// reported counts.
type pool struct {
	Name  string // the batch's key, as in card ids
	Batch int    // index into the manifest
	Cards int64
	Votes map[cvr.ContestIndex][]int64
}

// setPools makes every batch of the committed batch tallies a pool (hybrid
// audits). Such a batch must have no CVRs; the manifest's CVR column, when
// present, must agree. Its cards are then expected without CVRs by
// reconciliation and get no phantoms.
func (d *Data) setPools() error {
	withCVRs := map[cvr.BatchKey]int{}
	for k, n := range d.Cards.Batches() {
		withCVRs[d.Manifest.Key(k.Jurisdiction, k.Tabulator, k.Batch)] += n
	}
	for _, t := range d.BatchTallies {
		b := &d.Manifest.Batches[t.Batch]
		key := cvr.BatchKey{Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name}
		if n := withCVRs[d.Manifest.Key(b.Jurisdiction, b.Tabulator, b.Name)]; n > 0 {
			return fmt.Errorf("rla: batch %s has %d CVRs and pooled results: a batch is either compared card by card or pooled, not both", key, n)
		}
		if b.CVRs == cvr.CVRYes {
			return fmt.Errorf("rla: batch %s has pooled results, but the manifest says its cards have CVRs", key)
		}
		if !t.Found {
			return fmt.Errorf("rla: batch results: batch %s is marked not found", key)
		}
		b.CVRs = cvr.CVRNo
		p := &pool{Name: key.String(), Batch: t.Batch, Cards: int64(b.Cards), Votes: t.Votes}
		for ci := range p.Votes {
			if d.Election.Contest(ci).Ranked() {
				return fmt.Errorf("rla: batch %s: contest %q is ranked-choice; a pool's counts cannot stand for its rankings", key, d.Election.Contest(ci).Name)
			}
		}
		d.Pools = append(d.Pools, p)
	}
	for _, b := range d.Manifest.Batches {
		if b.CVRs == cvr.CVRNo && !slices.ContainsFunc(d.Pools, func(p *pool) bool { return p.Name == batchKey(b).String() }) {
			return fmt.Errorf("rla: the manifest says batch %s has no CVRs: give its reported counts in --batch-results", batchKey(b))
		}
	}
	return nil
}

func batchKey(b cvr.ManifestBatch) cvr.BatchKey {
	return cvr.BatchKey{Jurisdiction: b.Jurisdiction, Tabulator: b.Tabulator, Batch: b.Name}
}

// addPooledCards appends one card per card of every pool, after the
// phantoms. It holds every contest the pool reports, with no selections:
// it joins those contests' populations, and its CVR is the pool's mean.
func (d *Data) addPooledCards() {
	d.poolStart = d.Cards.Len()
	for pi, p := range d.Pools {
		key := batchKey(d.Manifest.Batches[p.Batch])
		contests := make([]cvr.ContestIndex, 0, len(p.Votes))
		for ci := range p.Votes {
			contests = append(contests, ci)
		}
		slices.Sort(contests)
		for pos := 1; pos <= int(p.Cards); pos++ {
			c := cvr.Card{ID: key.String() + "#" + strconv.Itoa(pos), Batch: key, Position: pos}
			for _, ci := range contests {
				c.Votes.Begin(ci, 0)
			}
			d.Cards.Append(&c)
			d.poolOf = append(d.poolOf, int32(pi))
		}
	}
}

// cardPool returns the pool of card i, or nil for a card with its own CVR
// or a phantom.
func (d *Data) cardPool(i int) *pool {
	if len(d.poolOf) == 0 || i < d.poolStart {
		return nil
	}
	return d.Pools[d.poolOf[i-d.poolStart]]
}

// pooledCards counts the pooled cards that may hold contest ci.
func (d *Data) pooledCards(ci cvr.ContestIndex) int64 {
	var n int64
	for _, p := range d.Pools {
		if p.Votes[ci] != nil {
			n += p.Cards
		}
	}
	return n
}

// pooledTally returns the CVR tally with the pools' votes added, which is
// what the reported results must equal in a hybrid audit.
func (d *Data) pooledTally() *cvr.Tally {
	if len(d.Pools) == 0 {
		return d.Tally
	}
	t := *d.Tally
	t.Contests = slices.Clone(t.Contests)
	for i := range t.Contests {
		t.Contests[i].Votes = slices.Clone(t.Contests[i].Votes)
	}
	for _, p := range d.Pools {
		for ci, v := range p.Votes {
			ct := &t.Contests[ci]
			ct.Cards += p.Cards
			for j, n := range v {
				ct.Votes[j] += n
			}
		}
	}
	return &t
}

// poolInconsistencies checks each pool's counts against its cards: no
// contest can have more votes than its cards allow.
func (d *Data) poolInconsistencies() []cvr.Inconsistency {
	var out []cvr.Inconsistency
	for _, p := range d.Pools {
		out = append(out, countsExceedCards(d.Election, p.Name, p.Cards, p.Votes)...)
	}
	return out
}

// setPoolMeans gives each comparison of c the pools' mean assorter values
// (ONEAudit: a pooled card's A(CVR) is its pool's mean, computed exactly
// from the pool's counts and rounded once).
func (c *contest) setPoolMeans(d *Data) error {
	for i, a := range c.assertions {
		means := map[string]float64{}
		for _, p := range d.Pools {
			v := p.Votes[c.index]
			if v == nil {
				continue
			}
			t, err := a.Total(v, p.Cards)
			if err != nil {
				return fmt.Errorf("rla: contest %q: pool %s: %w", c.Name, p.Name, err)
			}
			m, _ := t.Quo(t, ratInt(p.Cards)).Float64()
			means[p.Name] = m
		}
		c.comparisons[i].PoolMeans = means
	}
	return nil
}

// hybridPopulation is the population of overstatement-assorter values a
// hybrid audit's sample-size simulation draws from: the cards with CVRs as
// in a comparison audit (errors at rates r1 and r2), and each pool's cards
// with the values their reported counts imply when the paper agrees with
// them (a vote for the assertion's winner gives A = u, a vote against it 0,
// other cards 1/2). Shares follow the cards; size is about 10,000.
func (d *Data) hybridPopulation(c *contest, i int, r1, r2 float64) ([]float64, error) {
	const size = 10000
	comp, as := c.comparisons[i], c.assertions[i]
	pooled := d.pooledCards(c.index)
	nCVR := int(math.Round(size * float64(c.Cards-pooled) / float64(c.Cards)))
	var pop []float64
	if nCVR > 0 {
		p, err := stats.OverstatementPopulation(nCVR, comp.Margin, as.Upper(), r1, r2)
		if err != nil {
			return nil, err
		}
		pop = p
	}
	for _, p := range d.Pools {
		v := p.Votes[c.index]
		if v == nil || p.Cards == 0 {
			continue
		}
		k := max(1, int(math.Round(size*float64(p.Cards)/float64(c.Cards))))
		var hi, lo int64
		switch as.Kind {
		case margin.Supermajority:
			hi = v[as.Winner]
			for j, n := range v {
				if j != int(as.Winner) {
					lo += n
				}
			}
		default:
			hi, lo = v[as.Winner], v[as.Loser]
		}
		mean := comp.PoolMeans[p.Name]
		nhi := int(math.Round(float64(k) * float64(hi) / float64(p.Cards)))
		nlo := min(k-nhi, int(math.Round(float64(k)*float64(lo)/float64(p.Cards))))
		for j := range k {
			a := 0.5
			switch {
			case j < nhi:
				a = as.Upper()
			case j < nhi+nlo:
				a = 0
			}
			pop = append(pop, comp.Value(mean-a))
		}
	}
	return pop, nil
}

func ratInt(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }
