package sample

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// loadVectors decodes a reference-vector file from testdata/sampler.
func loadVectors(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "sampler", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// vectorSeed is a seed as the vector files write it: a string, or
// {"int": "digits"} for a Python int seed, which cryptorandom hashes as its
// decimal string.
type vectorSeed string

func (s *vectorSeed) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = vectorSeed(str)
		return nil
	}
	var obj struct {
		Int string `json:"int"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*s = vectorSeed(obj.Int)
	return nil
}
