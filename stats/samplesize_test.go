package stats

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSampleSizeVectors(t *testing.T) {
	matched, total := 0, 0
	for _, c := range loadVectors(t, "sample_size.json").Cases {
		in := c.Inputs
		var reps *int
		if raw, ok := in["reps"]; ok {
			require.NoError(t, json.Unmarshal(raw, &reps))
		}
		if reps != nil {
			continue // bootstrap with numpy's MT19937: not a target (see SOURCES.md)
		}
		var want *int
		require.NoError(t, json.Unmarshal(c.Expected["sample_size"], &want))
		if want == nil {
			continue // the reference crashed (polling without data)
		}
		total++
		N := int(jnum(t, in["N"]))
		var x []float64
		var spec Spec
		var alpha float64
		if _, ok := in["assorter_margin"]; ok {
			var err error
			x, err = OverstatementPopulation(N, jnum(t, in["assorter_margin"]), jnum(t, in["assorter_upper_bound"]),
				jnum(t, in["rate_1"]), jnum(t, in["rate_2"]))
			require.NoError(t, err)
			require.Equal(t, jnum(t, c.Expected["big(make_overstatement(0))"]), x[1], c.Label)
			kw := in["test_kwargs"]
			spec, err = specFromInputs(t, map[string]json.RawMessage{
				"test": in["test"], "estim": in["estim"], "N": in["N"],
				"t": json.RawMessage("0.5"), "u": in["test_u"], "kwargs": kw})
			require.NoError(t, err)
			alpha = jnum(t, in["risk_limit"])
		} else {
			x = jnums(t, in["x"])
			var err error
			spec, err = specFromInputs(t, map[string]json.RawMessage{
				"estim": in["estim"], "N": in["N"], "t": json.RawMessage("0.5"),
				"u": json.RawMessage("1"), "kwargs": in["kwargs"]})
			require.NoError(t, err)
			if raw, ok := in["alpha"]; ok {
				alpha = jnum(t, raw)
			} else {
				alpha = jnum(t, in["risk_limit"])
			}
		}
		test, err := spec.Build()
		require.NoError(t, err)
		got, err := SampleSize(test, x, N, alpha)
		require.NoError(t, err)
		if assert.Equal(t, *want, got, c.Label) {
			matched++
		}
	}
	t.Logf("sample_size.json: %d/%d deterministic cases matched", matched, total)
	require.Positive(t, total)
}

// Published Kaplan-Markov (super-simple) sample sizes, γ = 1.03905.
func TestKaplanMarkovSize(t *testing.T) {
	cases := []struct {
		name   string
		margin float64
		alpha  float64
		d      Discrepancies
		want   int
	}{
		// Stark (2010), table 1, risk limit 10%, no discrepancies.
		{"0.2", .2, .1, Discrepancies{}, 24},
		{"0.1", .1, .1, Discrepancies{}, 48},
		{"0.05", .05, .1, Discrepancies{}, 96},
		{"0.01", .01, .1, Discrepancies{}, 479},
		{"0.002", .002, .1, Discrepancies{}, 2393},
		// ... with one one-vote overstatement.
		{"0.05 o1", .05, .1, Discrepancies{O1: 1}, 123},
		{"0.01 o1", .01, .1, Discrepancies{O1: 1}, 615},
		{"0.005 o1 u1", .005, .1, Discrepancies{O1: 1, U1: 1}, 1067},
		// Colorado 2024 presidential electors: 350,348 votes of 4,746,866 cards, 3%.
		{"CO 2024", 350348.0 / 4746866, .03, Discrepancies{}, 99},
	}
	for _, c := range cases {
		got, err := KaplanMarkovSize(c.margin, c.alpha, 0, c.d)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
	_, err := KaplanMarkovSize(0, .1, 0, Discrepancies{})
	assert.ErrorIs(t, err, ErrInput)
	_, err = KaplanMarkovSize(.1, math.NaN(), 0, Discrepancies{})
	assert.ErrorIs(t, err, ErrInput)
	_, err = KaplanMarkovSize(.1, .1, 0.5, Discrepancies{})
	assert.ErrorIs(t, err, ErrInput)
}

// Arlo's initial super-simple sample sizes at risk limit 10%.
func TestKaplanMarkovInitialSize(t *testing.T) {
	for _, c := range []struct {
		margin float64
		want   int
	}{{.2, 27}, {.1, 54}, {.15, 36}, {2.0 / 15, 40}, {1.0, 6}} {
		got, err := KaplanMarkovInitialSize(c.margin, .1, 0, ArloRates)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "margin %v", c.margin)
	}
	_, err := KaplanMarkovInitialSize(.001, .1, 0, Discrepancies{O2: 0.5})
	assert.True(t, errors.Is(err, ErrNoFiniteSize), "%v", err)
}

func TestBravo(t *testing.T) {
	// Lindeman, Stark & Yates (2012) and Arlo: 60/40 of 1,000 at 10%.
	asn, err := BravoASN(600, 400, 1000, .1)
	require.NoError(t, err)
	assert.Equal(t, 119, asn)
	// Arlo's tests (server/tests/audit_math/test_bravo.py, test1 and test2).
	for _, c := range []struct {
		w, l, total int
		asn         int
		sizes       [3]int // completion 0.7, 0.8, 0.9
	}{
		{600, 400, 1000, 119, [3]int{184, 244, 351}},
		{600, 200, 900, 22, [3]int{32, 41, 57}},
	} {
		asn, err := BravoASN(c.w, c.l, c.total, .1)
		require.NoError(t, err)
		assert.Equal(t, c.asn, asn)
		for i, q := range []float64{.7, .8, .9} {
			n, err := BravoSize(c.w, c.l, c.total, .1, q)
			require.NoError(t, err)
			assert.Equal(t, c.sizes[i], n, "%d/%d completion %v", c.w, c.l, q)
		}
	}
	// rlacalc's risk levels.
	for _, c := range []struct {
		W, L, w, l int
		want       float64
	}{
		{1410, 1132, 170, 135, 0.1342382069344729},
		{2894, 1695, 45, 32, 0.47002027242290234},
	} {
		got, err := BravoRisk(c.W, c.L, c.w, c.l)
		require.NoError(t, err)
		assert.InEpsilon(t, c.want, got, 1e-12)
	}
	_, err = BravoRisk(10, 10, 1, 1)
	assert.ErrorIs(t, err, ErrInput)
}

// An explicit 0 in SHANGRLA's keyword arguments means 0, not the default.
func TestSpecExplicitZero(t *testing.T) {
	zero := 0.0
	x := []float64{0.55, 0.5, 0.52, 0.55, 0.55, 0.4, 0.55}
	u := 2 / 1.9
	// error_rate_2 = 0.
	test, err := Spec{Estim: "optimal_comparison", Population: Population{N: 100, U: u}, Options: Options{ErrorRate2: &zero}}.Build()
	require.NoError(t, err)
	got, err := test.Risk(x)
	require.NoError(t, err)
	want, err := Alpha{Population: Population{N: 100, U: u}, Estimator: OptimalComparison{ErrorRate2: 1e-300}}.Risk(x)
	require.NoError(t, err)
	assert.Equal(t, want, got) // 1 - 1e-300 rounds to 1, as 1 - 0 does
	def, err := Alpha{Population: Population{N: 100, U: u}, Estimator: OptimalComparison{}}.Risk(x)
	require.NoError(t, err)
	assert.NotEqual(t, def, got, "0 must not select the default 1e-5")
	// lam = 0: no bet, M = 1, p = 1.
	test, err = Spec{Test: "betting_mart", Options: Options{Lam: &zero}}.Build()
	require.NoError(t, err)
	got, err = test.Risk([]float64{1, 1, 1, 1, 1, 1})
	require.NoError(t, err)
	assert.Equal(t, Result{P: 1, History: []float64{1, 1, 1, 1, 1, 1}}, got)
}
