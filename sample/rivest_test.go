package sample

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
)

type rivestCase struct {
	Name            string  `json:"name"`
	Seed            string  `json:"seed"`
	A               int64   `json:"a"`
	B               int64   `json:"b"`
	N               int     `json:"n"`
	WithReplacement bool    `json:"with_replacement"`
	Skip            int     `json:"skip"`
	Old             []int64 `json:"expected_old_output_list"`
	New             []int64 `json:"expected_new_output_list"`
	HashCalls       uint64  `json:"hash_calls"`
	FirstInputHex   string  `json:"first_hash_input_utf8_hex"`
	FirstHashHex    string  `json:"first_hash_sha256_hex"`
}

func TestRivestVectors(t *testing.T) {
	var file struct {
		Cases []rivestCase `json:"cases"`
		Extra []rivestCase `json:"extra_cases_from_tests_json"`
	}
	loadVectors(t, "rivest_sampler.json", &file)
	cases := append(file.Cases, file.Extra...)
	if len(cases) < 10 {
		t.Fatalf("only %d cases loaded", len(cases))
	}
	for _, c := range cases {
		name := c.Name
		if name == "" {
			name = "tests.json seed " + c.Seed
		}
		t.Run(name, func(t *testing.T) {
			old, picks, err := RivestSample(c.Seed, c.A, c.B, c.N, c.Skip, c.WithReplacement)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(picks, c.New) {
				t.Errorf("new picks\n got %v\nwant %v", picks, c.New)
			}
			if c.Old != nil && !slices.Equal(old, c.Old) {
				t.Errorf("old picks\n got %v\nwant %v", old, c.Old)
			}
			if c.FirstInputHex != "" {
				in, _ := hex.DecodeString(c.FirstInputHex)
				if string(in) != c.Seed+",1" {
					t.Errorf("first hash input %q, want seed + \",1\"", in)
				}
				sum := sha256.Sum256(in)
				if hex.EncodeToString(sum[:]) != c.FirstHashHex {
					t.Errorf("first hash %x, want %s", sum, c.FirstHashHex)
				}
			}
			if c.HashCalls != 0 {
				g, _ := NewRivest(c.Seed, c.A, c.B)
				// Replay: count the hashes needed for the same accepted picks.
				seen := map[int64]bool{}
				for accepted := 0; accepted < c.N; {
					x := g.Next()
					if c.WithReplacement || !seen[x] {
						seen[x] = true
						accepted++
					}
				}
				if g.Hashes() != c.HashCalls {
					t.Errorf("hashes used %d, want %d", g.Hashes(), c.HashCalls)
				}
			}
		})
	}
}

func TestRivestErrors(t *testing.T) {
	if _, _, err := RivestSample("1", 1, 10, 11, 0, false); !errors.Is(err, ErrTooManyPicks) {
		t.Errorf("11 distinct picks of 10: err = %v", err)
	}
	if _, _, err := RivestSample("1", 5, 4, 1, 0, true); err == nil {
		t.Error("empty range accepted")
	}
	if _, _, err := RivestSample("1", 1, 10, 3, 4, true); err == nil {
		t.Error("skip > n accepted")
	}
	// The whole int64 range is a valid range of width 2^64.
	_, p, err := RivestSample("1", -1<<63, 1<<63-1, 3, 0, true)
	if err != nil || len(p) != 3 {
		t.Errorf("full int64 range: %v %v", p, err)
	}
}
