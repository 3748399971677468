package sample

import (
	"errors"
	"slices"
	"testing"
)

func TestManifestIndex(t *testing.T) {
	m, err := NewManifest([]Batch{
		{Name: "empty first", Cards: 0},
		{Name: "A", Cards: 3},
		{Name: "empty middle", Cards: 0},
		{Name: "B", Cards: 2},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if m.Total() != 5 {
		t.Fatalf("total %d", m.Total())
	}
	want := [][2]int{{1, 1}, {1, 2}, {1, 3}, {3, 1}, {3, 2}}
	for i, w := range want {
		b, pos, err := m.Locate(int64(i + 1))
		if err != nil || b != w[0] || pos != w[1] {
			t.Errorf("Locate(%d) = %d, %d, %v; want %v", i+1, b, pos, err, w)
		}
		idx, err := m.Index(b, pos)
		if err != nil || idx != int64(i+1) {
			t.Errorf("Index(%d, %d) = %d, %v", b, pos, idx, err)
		}
	}
	for _, bad := range []int64{0, 6, -1} {
		if _, _, err := m.Locate(bad); err == nil {
			t.Errorf("Locate(%d) accepted", bad)
		}
	}
	if _, err := m.Index(0, 1); err == nil {
		t.Error("position in an empty batch accepted")
	}
	if _, err := m.Index(4, 1); err == nil {
		t.Error("batch out of range accepted")
	}
}

func TestNewManifestErrors(t *testing.T) {
	if _, err := NewManifest(nil, false); !errors.Is(err, ErrEmptyManifest) {
		t.Errorf("empty: %v", err)
	}
	if _, err := NewManifest([]Batch{{Name: "A", Cards: -1}}, false); !errors.Is(err, ErrNegativeCards) {
		t.Errorf("negative: %v", err)
	}
	_, err := NewManifest([]Batch{{Jurisdiction: "J", Tabulator: "1", Name: "A", Cards: 1}, {Jurisdiction: "J", Tabulator: "1", Name: "A", Cards: 2}}, true)
	if !errors.Is(err, ErrDuplicateBatch) {
		t.Errorf("duplicate: %v", err)
	}
	// The same name under different tabulators is two batches.
	if _, err := NewManifest([]Batch{{Tabulator: "1", Name: "A", Cards: 1}, {Tabulator: "2", Name: "A", Cards: 2}}, false); err != nil {
		t.Errorf("same name, different tabulators: %v", err)
	}
}

func TestPullList(t *testing.T) {
	m, _ := NewManifest([]Batch{
		{Jurisdiction: "J2", Name: "Batch 10", Cards: 50},
		{Jurisdiction: "J1", Name: "Batch 10", Cards: 50},
		{Jurisdiction: "J1", Name: "Batch 9", Cards: 50},
	}, true)
	draws := []Draw{
		{Number: 1, Ticket: "0.1", Batch: 0, Position: 7, Times: 1},
		{Number: 2, Ticket: "0.2", Batch: 1, Position: 40, Times: 1},
		{Number: 3, Ticket: "0.3", Batch: 2, Position: 45, Times: 1},
		{Number: 4, Ticket: "0.4", Batch: 1, Position: 3, Times: 1},
		{Number: 5, Ticket: "0.5", Batch: 1, Position: 40, Times: 2},
	}
	found := func(b int) int { return []int{50, 50, 44}[b] } // batch 9 is 6 cards short
	pl, err := m.PullList(draws, found)
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for _, p := range pl {
		order = append(order, p.Number)
	}
	// J1 before J2; in J1 "Batch 9" before "Batch 10"; positions ascending; repeat draws kept in draw order.
	if want := []int{3, 4, 2, 5, 1}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if !pl[0].Phantom || pl[1].Phantom {
		t.Errorf("phantom flags %v %v", pl[0].Phantom, pl[1].Phantom)
	}
	if _, err := m.PullList([]Draw{{Number: 1, Batch: 2, Position: 51}}, nil); err == nil {
		t.Error("draw outside the manifest accepted")
	}
}

func TestCompareNatural(t *testing.T) {
	sorted := []string{"", "1", "2", "10", "010a", "10a", "Batch 2", "Batch 10", "Batch 10b", "b", "b1"}
	for i := range sorted {
		for j := range sorted {
			got := CompareNatural(sorted[i], sorted[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("CompareNatural(%q, %q) = %d, want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
}

func TestIndexDraws(t *testing.T) {
	m, _ := NewManifest([]Batch{{Name: "A", Cards: 2}, {Name: "B", Cards: 3}}, false)
	d, err := m.IndexDraws([]int64{4, 1, 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Draw{{Number: 1, Batch: 1, Position: 2, Times: 1}, {Number: 2, Batch: 0, Position: 1, Times: 1}, {Number: 3, Batch: 1, Position: 2, Times: 2}}
	if !slices.Equal(d, want) {
		t.Errorf("got %+v, want %+v", d, want)
	}
	if _, err := m.IndexDraws([]int64{6}, 1); err == nil {
		t.Error("index 6 of 5 accepted")
	}
}

func TestCheckSeedDigits(t *testing.T) {
	for seed, ok := range map[string]bool{
		"01234567890123456789":  true,
		"0123456789012345678":   false,
		"012345678901234567890": true,
		"0123456789012345678 9": false,
		"٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩":  false, // Arabic-Indic digits are not dice digits
		"":                        false,
		"\xff1234567890123456789": false,
	} {
		if err := CheckSeedDigits(seed); (err == nil) != ok {
			t.Errorf("CheckSeedDigits(%q) = %v", seed, err)
		}
	}
}

func FuzzSeed(f *testing.F) {
	f.Add("01234567890123456789")
	f.Add("")
	f.Add(" Seed, with;commas: ünïcødé 😊\t\"q'\\ ")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, seed string) {
		digits := len(seed) >= MinSeedDigits
		for i := 0; i < len(seed); i++ {
			digits = digits && '0' <= seed[i] && seed[i] <= '9'
		}
		if err := CheckSeedDigits(seed); (err == nil) != digits {
			t.Fatalf("CheckSeedDigits(%q) = %v", seed, err)
		}
		// Every algorithm takes any seed, deterministically.
		_, a, err := RivestSample(seed, 1, 10, 10, 0, false)
		_, b, _ := RivestSample(seed, 1, 10, 10, 0, false)
		if err != nil || !slices.Equal(a, b) || !distinct(a) {
			t.Fatalf("rivest on %q: %v %v %v", seed, a, b, err)
		}
		s, err := SampleByIndex(NewSHA256(seed), 10, 10, false)
		if err != nil || !distinct(s) || !inRange(s, 1, 10) {
			t.Fatalf("sample_by_index on %q: %v %v", seed, s, err)
		}
		m, _ := NewManifest([]Batch{{Name: seed, Cards: 3}, {Jurisdiction: seed, Name: seed + "x", Cards: 2}}, true)
		d, err := m.ConsistentDraws(seed, 0, 5, false)
		if err != nil || len(d) != 5 {
			t.Fatalf("consistent on %q: %v", seed, err)
		}
		// Tickets: a next ticket is larger, and trimming keeps a prefix.
		x := d[0].Ticket
		if y := NextTicket(x); !(y > x+"0") {
			t.Fatalf("NextTicket(%s) = %s is not larger", x, y)
		}
		if tr := TrimTicket(x, 9); len(tr) > len(x) || x[:len(tr)] != tr {
			t.Fatalf("TrimTicket(%s) = %s", x, tr)
		}
		id := CardID(Batch{Jurisdiction: seed, Tabulator: seed, Name: seed}, 1, true)
		if id[0] != '(' || id[len(id)-1] != ')' {
			t.Fatalf("CardID = %s", id)
		}
	})
}
