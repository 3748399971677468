package sample

import (
	"fmt"
	"slices"
	"testing"
)

func TestShangrlaConsistentSamplingVectors(t *testing.T) {
	var f struct {
		Cases []struct {
			Name string     `json:"name"`
			Seed vectorSeed `json:"seed"`
			CVRs []struct {
				ID       string   `json:"id"`
				Contests []string `json:"contests"`
			} `json:"cvrs"`
			Sizes      map[string]int    `json:"contest_sample_sizes"`
			Before     []int             `json:"sampled_cvr_indices_before"`
			Nums       []string          `json:"expected_sample_nums"`
			Sampled    []int             `json:"expected_sampled_cvr_indices"`
			Thresholds map[string]string `json:"expected_sample_thresholds"`
		} `json:"cases"`
	}
	loadVectors(t, "shangrla_consistent_sampling.json", &f)
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			nums := SampleNumbers(string(c.Seed), len(c.CVRs))
			for i, want := range c.Nums {
				if nums[i].String() != want {
					t.Fatalf("sample number %d = %s, want %s", i, nums[i], want)
				}
			}
			var names []string
			for name := range c.Sizes {
				names = append(names, name)
			}
			slices.Sort(names)
			index := map[string]int{}
			sizes := make([]int, len(names))
			for i, n := range names {
				index[n], sizes[i] = i, c.Sizes[n]
			}
			contests := make([][]int, len(c.CVRs))
			for i, cv := range c.CVRs {
				for _, name := range cv.Contests {
					if k, ok := index[name]; ok {
						contests[i] = append(contests[i], k)
					}
				}
			}
			res, err := ShangrlaConsistentSampling(nums, ContestList(contests), sizes, c.Before)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Selected, c.Sampled) {
				t.Errorf("sampled\n got %v\nwant %v", res.Selected, c.Sampled)
			}
			// With no earlier sample, rlakit's form is the same selection.
			if c.Before == nil {
				own, err := ConsistentContestSample(nums, ContestList(contests), sizes, nil)
				if err != nil || !slices.Equal(own.Selected, c.Sampled) {
					t.Errorf("ConsistentContestSample = %v (%v), want %v", own.Selected, err, c.Sampled)
				}
			}
			for name, want := range c.Thresholds {
				k := index[name]
				if !res.Counted[k] || res.Thresholds[k].String() != want {
					t.Errorf("threshold of %s = %s, want %s", name, res.Thresholds[k], want)
				}
			}
		})
	}
}

func TestConsistentContestSamplePrefix(t *testing.T) {
	// A later round with larger sizes extends the earlier sample.
	nums := SampleNumbers("12345678901234567890", 500)
	contests := make([][]int, 500)
	for i := range contests {
		contests[i] = []int{i % 3}
		if i%5 == 0 {
			contests[i] = append(contests[i], 3)
		}
	}
	first, err := ConsistentContestSample(nums, ContestList(contests), []int{5, 8, 3, 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := ConsistentContestSample(nums, ContestList(contests), []int{20, 30, 9, 40}, first.Selected)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := ConsistentContestSample(nums, ContestList(contests), []int{20, 30, 9, 40}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := append(slices.Clone(first.Selected), second.Selected...)
	if !sameSet(got, whole.Selected) || len(got) != len(whole.Selected) {
		t.Errorf("two rounds %v\n differ from one %v", got, whole.Selected)
	}
	// SHANGRLA's resume-at-position walk does not have this property when
	// cards hold different contests: it takes some card twice here.
	sh, err := ShangrlaConsistentSampling(nums, ContestList(contests), []int{20, 30, 9, 40}, first.Selected)
	if err != nil {
		t.Fatal(err)
	}
	if !hasDuplicate(sh.Selected) {
		t.Error("expected SHANGRLA's resumed walk to repeat a card on this input")
	}
	if _, err := ConsistentContestSample(nums, ContestList(contests), []int{1000, 0, 0, 0}, nil); err == nil {
		t.Error("a sample size above the contest's cards gave no error")
	}
}

func ExampleConsistentContestSample() {
	// Six cards; contest 0 is on cards 0-4, contest 1 on cards 0-2 and 5.
	nums := SampleNumbers("1234567890", 6)
	contests := [][]int{{0, 1}, {0, 1}, {0, 1}, {0}, {0}, {1}}
	res, err := ConsistentContestSample(nums, ContestList(contests), []int{3, 4}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Selected)
	// Output: [4 3 5 0 1 2]
}

func sameSet(a, b []int) bool {
	m := map[int]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func hasDuplicate(a []int) bool {
	seen := map[int]bool{}
	for _, x := range a {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

func TestSampleNumbersParallel(t *testing.T) {
	// The parallel computation equals the sequential stream.
	const n = 1<<15 + 17
	got := SampleNumbers("98765432109876543210", n)
	g := NewSHA256("98765432109876543210")
	for i := range n {
		if want := SampleNumber(g.NextRandom()); got[i] != want {
			t.Fatalf("number %d differs", i)
		}
	}
}
