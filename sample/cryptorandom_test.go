package sample

import (
	"encoding/hex"
	"math/big"
	"slices"
	"strconv"
	"testing"
)

type cryptorandomFile struct {
	PRNG []struct {
		Seed      vectorSeed `json:"seed"`
		PrefixHex string     `json:"hashed_prefix_utf8_hex"`
		Digests   []string   `json:"nextRandom_hex_counter_0_to_3"`
		Random    []struct {
			Hex string `json:"hex"`
		} `json:"random_size6"`
	} `json:"prng_cases"`
	RandInt []struct {
		Seed     vectorSeed    `json:"seed"`
		A        json_bigint   `json:"a"`
		B        json_bigint   `json:"b_exclusive"`
		Size     int           `json:"size"`
		Expected []json_bigint `json:"expected"`
		Exact    []json_bigint `json:"expected_exact_ints"`
		After    struct {
			Counter   uint64 `json:"counter"`
			Remaining uint   `json:"randbits_remaining"`
		} `json:"state_after"`
	} `json:"randint_cases"`
	RandIntTrunc []struct {
		Seed     vectorSeed `json:"seed"`
		A        int64      `json:"a"`
		B        int64      `json:"b_exclusive"`
		Size     int        `json:"size"`
		Expected []int64    `json:"expected"`
	} `json:"randint_trunc_cases"`
	GetRandBits []struct {
		Seed  vectorSeed `json:"seed"`
		Calls []struct {
			K         uint   `json:"k"`
			Value     string `json:"value"`
			Counter   uint64 `json:"counter_after"`
			Remaining uint   `json:"randbits_remaining_after"`
		} `json:"calls"`
	} `json:"getrandbits_cases"`
	Cases []samplingCase `json:"cases"`
}

type samplingCase struct {
	Name     string     `json:"name"`
	Function string     `json:"function"`
	Seed     vectorSeed `json:"seed"`
	Args     struct {
		N       int64     `json:"n"`
		K       int64     `json:"k"`
		A       int       `json:"a"`
		Replace bool      `json:"replace"`
		Fast    bool      `json:"fast"`
		P       []float64 `json:"p"`
		Method  string    `json:"method"`
	} `json:"args"`
	Expected []int64 `json:"expected"`
	Counter  uint64  `json:"prng_counter_after"`
}

// json_bigint decodes a JSON number of any size.
type json_bigint struct{ big.Int }

func (b *json_bigint) UnmarshalJSON(data []byte) error {
	s := string(data)
	if u, err := strconv.Unquote(s); err == nil {
		s = u
	}
	if _, ok := b.SetString(s, 10); !ok {
		// numpy's float64 artifacts are written like 5.680301901813147e+18
		f, _, err := big.ParseFloat(s, 10, 256, big.ToNearestEven)
		if err != nil {
			return err
		}
		f.Int(&b.Int)
	}
	return nil
}

func TestSHA256Stream(t *testing.T) {
	var file cryptorandomFile
	loadVectors(t, "cryptorandom.json", &file)
	for _, c := range file.PRNG {
		t.Run(string(c.Seed), func(t *testing.T) {
			if want, _ := hex.DecodeString(c.PrefixHex); string(want) != string(c.Seed)+"," {
				t.Fatalf("prefix %q is not seed + \",\"", want)
			}
			g := NewSHA256(string(c.Seed))
			for j, want := range c.Digests {
				d := g.NextRandom()
				if hex.EncodeToString(d[:]) != want {
					t.Errorf("digest %d = %x, want %s", j, d, want)
				}
			}
			g = NewSHA256(string(c.Seed))
			for j, want := range c.Random {
				if got := strconv.FormatFloat(g.Random(), 'x', -1, 64); !sameHexFloat(got, want.Hex) {
					t.Errorf("random %d = %s, want %s", j, got, want.Hex)
				}
			}
		})
	}
}

// sameHexFloat compares Go's and Python's hexadecimal float notations by value.
func sameHexFloat(goHex, pyHex string) bool {
	a, err1 := strconv.ParseFloat(goHex, 64)
	b, err2 := strconv.ParseFloat(pyHex, 64)
	return err1 == nil && err2 == nil && a == b
}

func TestSHA256RandInt(t *testing.T) {
	var file cryptorandomFile
	loadVectors(t, "cryptorandom.json", &file)
	for i, c := range file.RandInt {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			want := c.Expected
			if c.Exact != nil {
				want = c.Exact // numpy rounded these to float64; the exact draws are the reference
			}
			g := NewSHA256(string(c.Seed))
			for j := range c.Size {
				got, err := g.RandIntBig(&c.A.Int, &c.B.Int)
				if err != nil {
					t.Fatal(err)
				}
				if got.Cmp(&want[j].Int) != 0 {
					t.Fatalf("draw %d = %s, want %s", j, got, &want[j].Int)
				}
			}
			if g.Counter() != c.After.Counter || g.remaining() != c.After.Remaining {
				t.Errorf("state after: counter %d remaining %d, want %d %d", g.Counter(), g.remaining(), c.After.Counter, c.After.Remaining)
			}
			// The int64 fast path gives the same draws where it applies.
			if c.B.IsInt64() && c.A.IsInt64() {
				g := NewSHA256(string(c.Seed))
				for j := range c.Size {
					got, err := g.RandInt(c.A.Int64(), c.B.Int64())
					if err != nil || got != want[j].Int64() {
						t.Fatalf("RandInt draw %d = %d (%v), want %s", j, got, err, &want[j].Int)
					}
				}
			}
		})
	}
	for i, c := range file.RandIntTrunc {
		g := NewSHA256(string(c.Seed))
		for j := range c.Size {
			if got, _ := g.RandIntTrunc(c.A, c.B); got != c.Expected[j] {
				t.Errorf("randint_trunc case %d draw %d = %d, want %d", i, j, got, c.Expected[j])
			}
		}
	}
}

func TestSHA256GetRandBits(t *testing.T) {
	var file cryptorandomFile
	loadVectors(t, "cryptorandom.json", &file)
	for _, c := range file.GetRandBits {
		g := NewSHA256(string(c.Seed))
		for _, call := range c.Calls {
			got := g.GetRandBits(call.K)
			if got.String() != call.Value {
				t.Errorf("getrandbits(%d) = %s, want %s", call.K, got, call.Value)
			}
			if g.Counter() != call.Counter || g.remaining() != call.Remaining {
				t.Errorf("after getrandbits(%d): counter %d remaining %d, want %d %d", call.K, g.Counter(), g.remaining(), call.Counter, call.Remaining)
			}
		}
	}
}

func TestSamplingFunctionVectors(t *testing.T) {
	var file cryptorandomFile
	loadVectors(t, "cryptorandom.json", &file)
	ran := 0
	for _, c := range file.Cases {
		if c.Args.Fast {
			continue // fast=True returns a Python set in undefined order: not part of the specification
		}
		t.Run(c.Name, func(t *testing.T) {
			g := NewSHA256(string(c.Seed))
			var got []int64
			var err error
			n, k := c.Args.N, c.Args.K
			switch c.Function {
			case "sample_by_index":
				got, err = SampleByIndex(g, n, k, c.Args.Replace)
			case "fykd_sample":
				got, err = FYKDSample(g, int(n), int(k))
			case "pikk":
				got, err = PIKK(g, int(n), int(k))
			case "waterman_r":
				got, err = WatermanR(g, n, k)
			case "recursive_sample":
				got, err = RecursiveSample(g, n, k)
			case "elimination_sample":
				got, err = EliminationSample(g, int(k), c.Args.P, c.Args.Replace)
			case "exponential_sample":
				got, err = ExponentialSample(g, int(k), c.Args.P)
			case "random_permutation":
				got, err = RandomPermutation(g, c.Args.A, PermutationMethod(c.Args.Method))
			default:
				t.Skipf("function %s is not part of rlakit", c.Function)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.Expected) {
				t.Errorf("\n got %v\nwant %v", got, c.Expected)
			}
			if c.Counter != 0 && g.Counter() != c.Counter {
				t.Errorf("hashes used %d, want %d", g.Counter(), c.Counter)
			}
		})
		ran++
	}
	if ran < 8 {
		t.Errorf("only %d sampling cases ran", ran)
	}
}
