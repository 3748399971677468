package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Wald's SPRT is checked against closed forms, not against SHANGRLA's
// wald_sprt (which multiplies twice and does not clip p).
func TestWaldSPRTClosedForms(t *testing.T) {
	x := []float64{1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1}
	// With replacement, 0/1 data: M_j = (eta/t)^k (1-eta)/(1-t))^(j-k).
	res, err := WaldSPRT{Eta: 0.7}.Risk(x)
	require.NoError(t, err)
	k, maxM := 0, 0.0
	for j, v := range x {
		if v == 1 {
			k++
		}
		m := math.Pow(0.7/0.5, float64(k)) * math.Pow(0.3/0.5, float64(j+1-k))
		maxM = math.Max(maxM, m)
		assert.InEpsilon(t, math.Min(1, 1/m), res.History[j], 1e-12, "draw %d", j+1)
	}
	assert.InEpsilon(t, math.Min(1, 1/maxM), res.P, 1e-12)
	assert.LessOrEqual(t, res.P, 1.0)

	// Without replacement from N = 40 with A = N·eta = 28 ones under the
	// alternative and B = N·t = 20 under the null, the likelihood ratio of
	// the ordered sample is a ratio of falling factorials.
	const N, A, B = 40, 28, 20
	res, err = WaldSPRT{Population: Population{N: N}, Eta: 0.7}.Risk(x)
	require.NoError(t, err)
	ones, zeros := 0, 0
	lr := 1.0
	for j, v := range x {
		if v == 1 {
			lr *= float64(A-ones) / float64(B-ones)
			ones++
		} else {
			lr *= float64(N-A-zeros) / float64(N-B-zeros)
			zeros++
		}
		assert.InEpsilon(t, math.Min(1, 1/lr), res.History[j], 1e-12, "draw %d", j+1)
	}

	// Small values of p never exceed 1, unlike SHANGRLA's (1.25 there for
	// a sample below the null).
	res, err = WaldSPRT{Eta: 0.9}.Risk([]float64{0, 0, 0})
	require.NoError(t, err)
	assert.Equal(t, 1.0, res.P)
}

// BRAVO is Wald's SPRT on the winner's share; its history at the end equals
// the closed-form risk BravoRisk.
func TestBravoMatchesBravoRisk(t *testing.T) {
	x := []float64{1, 0, 1, 1, 0.5, 1, 0, 1, 1, 1, 0.5, 1, 1, 0, 1}
	res, err := Bravo{Winner: 1410, Loser: 1132}.Risk(x)
	require.NoError(t, err)
	want, err := BravoRisk(1410, 1132, 10, 3)
	require.NoError(t, err)
	assert.InEpsilon(t, want, res.History[len(x)-1], 1e-12)
	_, err = Bravo{Winner: 5, Loser: 5}.Start()
	assert.ErrorIs(t, err, ErrInput)
}

// Where numpy's running product underflows to zero and stays there, the
// scaled product recovers: 1100 draws at 0 (factor 1/2 each, 2^-1100 is
// below the smallest double) followed by draws at 1 (factor 3/2 each).
func TestNoUnderflow(t *testing.T) {
	x := make([]float64, 1100, 3100)
	for range 2000 {
		x = append(x, 1)
	}
	res, err := Alpha{}.Risk(x) // eta = 3/4, t = 1/2: factors 1/2 and 3/2
	require.NoError(t, err)
	logM := 2000*math.Log(1.5) - 1100*math.Log(2)
	assert.InEpsilon(t, math.Exp(-logM), res.P, 1e-9)
	assert.Less(t, res.P, 0.05)
	// Overflow: a long run of 1s gives M beyond the largest double; p is 0.
	ones := make([]float64, 2000)
	for i := range ones {
		ones[i] = 1
	}
	res, err = Alpha{}.Risk(append(ones, 0, 0))
	require.NoError(t, err)
	assert.Equal(t, 0.0, res.P)
	assert.Equal(t, 0.0, res.History[len(res.History)-1])
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		test Test
		x    []float64
		want string
	}{
		{"NaN", Alpha{}, []float64{0.5, math.NaN()}, "x[1] = NaN"},
		{"Inf", Betting{}, []float64{math.Inf(1)}, "x[0] = +Inf"},
		{"negative", KaplanMarkov{}, []float64{-0.1}, "negative"},
		{"above u", KaplanWald{}, []float64{1.5}, "exceeds"},
		{"too many", KaplanKolmogorov{Population: Population{N: 2}}, []float64{1, 1, 1}, "larger than the population"},
		{"N inf", KaplanKolmogorov{}, []float64{1}, "finite population size"},
		{"t >= u", Alpha{Population: Population{T: 1}}, []float64{1}, "t = 1"},
		{"optimal u=1", Alpha{Estimator: OptimalComparison{}}, []float64{1}, "u > 1"},
		{"g", KaplanWald{G: 1.5}, []float64{1}, "g = 1.5"},
		{"lam", Betting{Bet: FixedBet{Lam: -1}}, []float64{1}, "lam = -1"},
		{"lams", MixBetting{Lams: []float64{}}, []float64{1}, "empty"},
		{"kelly stream", Betting{Bet: KellyOptimal{}}, nil, "needs the population"},
	}
	for _, c := range cases {
		var err error
		if c.x == nil {
			_, err = c.test.Start()
		} else {
			_, err = c.test.Risk(c.x)
		}
		if assert.Error(t, err, c.name) {
			assert.ErrorIs(t, err, ErrInput, c.name)
			assert.Contains(t, err.Error(), c.want, c.name)
			assert.Contains(t, err.Error(), "stats: "+c.test.Name(), c.name)
		}
	}
	// A rejected observation leaves the stream as it was.
	s, err := Alpha{}.Start()
	require.NoError(t, err)
	require.NoError(t, s.Add(1))
	p := s.P()
	assert.Error(t, s.Add(math.NaN()))
	assert.Equal(t, 1, s.N())
	assert.Equal(t, p, s.P())
}

func TestMonteCarlo(t *testing.T) {
	pop, err := OverstatementPopulation(10000, 0.05, 1, 0.002, 0)
	require.NoError(t, err)
	test := Alpha{Population: Population{N: 10000, U: 2 / 1.95}, Estimator: OptimalComparison{}}
	mc := MonteCarlo{Test: test, Pop: pop, N: 10000, Alpha: 0.05, Reps: 300, Seed: 42}
	one := mc
	one.Workers = 1
	four := mc
	four.Workers = 4
	a, err := one.Run()
	require.NoError(t, err)
	b, err := four.Run()
	require.NoError(t, err)
	assert.Equal(t, a, b, "the sizes must not depend on the number of workers")
	other := mc
	other.Seed = 43
	c, err := other.Run()
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "another seed gives other samples")
	// Every simulated size is at least the error-free one.
	clean, err := SampleSize(test, []float64{pop[1]}, 10000, 0.05)
	require.NoError(t, err)
	for _, n := range a {
		assert.GreaterOrEqual(t, n, clean)
	}
	assert.LessOrEqual(t, a.Quantile(0.5), a.Quantile(0.9))
	assert.LessOrEqual(t, a.Quantile(0.9), a.Quantile(0.99))

	// With a prefix, the prefix is drawn first: a prefix that already
	// confirms gives its own length.
	x := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	sizes, err := MonteCarlo{Test: Alpha{Population: Population{N: 1000}}, Pop: []float64{0, 1}, Prefix: x, N: 1000, Alpha: 0.05, Reps: 5}.Run()
	require.NoError(t, err)
	want, err := SampleSize(Alpha{Population: Population{N: 1000}}, []float64{1}, 1000, 0.05)
	require.NoError(t, err)
	assert.Equal(t, Sizes{want, want, want, want, want}, sizes)

	_, err = MonteCarlo{Test: test, Pop: pop, N: 10, Alpha: 0.05}.Run()
	assert.ErrorIs(t, err, ErrInput)
}

// numpy's linear quantile, truncated as SHANGRLA does.
func TestSizesQuantile(t *testing.T) {
	s := Sizes{4, 1, 3, 2}
	assert.Equal(t, 2, s.Quantile(0.5)) // 2.5
	assert.Equal(t, 3, s.Quantile(0.8)) // 3.4
	assert.Equal(t, 4, s.Quantile(1))   // 4
	assert.Equal(t, 1, s.Quantile(0))   // 1
	assert.Equal(t, 19, Sizes{10, 20}.Quantile(0.9))
	assert.Equal(t, 0, Sizes{}.Quantile(0.5))
}
