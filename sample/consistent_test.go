package sample

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
)

type consistentFile struct {
	Primitives struct {
		Uniform []struct{ Input, Expected string } `json:"sha256_uniform"`
		First   []struct {
			Repr     string          `json:"id_python_repr"`
			Hashed   string          `json:"hashed_id_string"`
			Seed     string          `json:"seed"`
			SeedHash string          `json:"seed_hash_hex"`
			Expected string          `json:"expected"`
			Raw      json.RawMessage `json:"-"`
		} `json:"first_fraction"`
		Next []struct{ X, Expected string } `json:"next_fraction"`
		Trim []struct {
			X        string `json:"x"`
			Digits   int    `json:"digits"`
			Expected string `json:"expected"`
		} `json:"trim"`
	} `json:"primitives"`
	Stream struct {
		IDs             []json.RawMessage   `json:"ids"`
		Seed            string              `json:"seed"`
		WithReplacement bool                `json:"with_replacement"`
		Tickets         [][]json.RawMessage `json:"tickets"`
	} `json:"full_precision_ticket_stream_example"`
	Cases []struct {
		Name string `json:"name"`
		IDs  struct {
			Kind  string            `json:"kind"`
			IDs   []json.RawMessage `json:"ids"`
			Start int               `json:"start"`
			Stop  int               `json:"stop"`
		} `json:"ids"`
		SeedStr         string            `json:"seed_str"`
		WithReplacement bool              `json:"with_replacement"`
		Drop            int               `json:"drop"`
		Take            *int              `json:"take"`
		Output          string            `json:"output"`
		Digits          int               `json:"digits"`
		Expected        []json.RawMessage `json:"expected"`
	} `json:"cases"`
	Arlo []arloCase `json:"arlo_draw_sample_cases"`
}

type arloCase struct {
	Name            string            `json:"name"`
	Seed            string            `json:"seed"`
	BatchesSimple   map[string]int    `json:"batches_simple"`
	Batches         [][4]*string      `json:"-"`
	RawBatches      []json.RawMessage `json:"batches"`
	SampleSize      int               `json:"sample_size"`
	NumSampled      int               `json:"num_sampled"`
	WithReplacement bool              `json:"with_replacement"`
	Expected        []struct {
		Ticket   string `json:"ticket_number"`
		Position int    `json:"ballot_position"`
		Times    int    `json:"times_picked"`
		Hashed   string `json:"hashed_id_string"`
	} `json:"expected"`
}

// pyStr is Python's str() of a JSON-encoded id: strings as they are,
// integers in decimal.
func pyStr(t *testing.T, raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatalf("id %s: %v", raw, err)
	}
	return n.String()
}

func TestTicketPrimitives(t *testing.T) {
	var f consistentFile
	loadVectors(t, "consistent_sampler.json", &f)
	p := f.Primitives
	if len(p.Uniform) == 0 || len(p.First) == 0 || len(p.Next) == 0 || len(p.Trim) == 0 {
		t.Fatal("primitives missing")
	}
	for _, c := range p.Uniform {
		if got := Uniform(c.Input); got != c.Expected {
			t.Errorf("Uniform(%q) = %s, want %s", c.Input, got, c.Expected)
		}
	}
	for _, c := range p.First {
		if got := SeedHash(c.Seed); got != c.SeedHash {
			t.Errorf("SeedHash(%q) = %s, want %s", c.Seed, got, c.SeedHash)
		}
		if got := FirstTicket(c.SeedHash, c.Hashed); got != c.Expected {
			t.Errorf("FirstTicket(%q) = %s, want %s", c.Hashed, got, c.Expected)
		}
		// For a string id the repr is quoted; check the quoting rules on it.
		if len(c.Repr) > 0 && (c.Repr[0] == '\'' || c.Repr[0] == '"') {
			if got := string(appendPyRepr(nil, c.Hashed)); got != c.Repr {
				t.Errorf("repr(%q) = %s, want %s", c.Hashed, got, c.Repr)
			}
		}
	}
	for _, c := range p.Next {
		if got := NextTicket(c.X); got != c.Expected {
			t.Errorf("NextTicket(%s) = %s, want %s", c.X, got, c.Expected)
		}
	}
	for _, c := range p.Trim {
		if got := TrimTicket(c.X, c.Digits); got != c.Expected {
			t.Errorf("TrimTicket(%s, %d) = %s, want %s", c.X, c.Digits, got, c.Expected)
		}
	}
}

func TestConsistentSampleVectors(t *testing.T) {
	var f consistentFile
	loadVectors(t, "consistent_sampler.json", &f)

	// The full-precision stream: every draw's untrimmed ticket.
	s := f.Stream
	var ids []string
	for _, raw := range s.IDs {
		ids = append(ids, pyStr(t, raw))
	}
	got, err := ConsistentSample(ids, s.Seed, s.WithReplacement, 0, len(s.Tickets))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range s.Tickets {
		var ticket string
		var times int
		json.Unmarshal(want[0], &ticket)
		json.Unmarshal(want[2], &times)
		if got[i].Ticket != ticket || ids[got[i].Item] != pyStr(t, want[1]) || got[i].Times != times {
			t.Errorf("stream draw %d = %+v (id %s), want %s %s %d", i, got[i], ids[got[i].Item], ticket, want[1], times)
		}
	}

	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var ids []string
			if c.IDs.Kind == "range" {
				for i := c.IDs.Start; i < c.IDs.Stop; i++ {
					ids = append(ids, strconv.Itoa(i))
				}
			} else {
				for _, raw := range c.IDs.IDs {
					ids = append(ids, pyStr(t, raw))
				}
			}
			take := -1
			if c.Take != nil {
				take = *c.Take
			}
			got, err := ConsistentSample(ids, c.SeedStr, c.WithReplacement, c.Drop, take)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.Expected) {
				t.Fatalf("%d draws, want %d", len(got), len(c.Expected))
			}
			for i, raw := range c.Expected {
				var want string
				gotID := ids[got[i].Item]
				if c.Output == "id" {
					want = pyStr(t, raw)
					if gotID != want {
						t.Fatalf("draw %d: id %s, want %s", i, gotID, want)
					}
					continue
				}
				var tuple []json.RawMessage
				json.Unmarshal(raw, &tuple)
				var ticket string
				var times int
				json.Unmarshal(tuple[0], &ticket)
				json.Unmarshal(tuple[2], &times)
				if TrimTicket(got[i].Ticket, c.Digits) != ticket || gotID != pyStr(t, tuple[1]) || got[i].Times != times {
					t.Fatalf("draw %d: (%s, %s, %d), want (%s, %s, %d)", i,
						TrimTicket(got[i].Ticket, c.Digits), gotID, got[i].Times, ticket, tuple[1], times)
				}
			}
		})
	}
}

// arloManifest builds the manifest of an Arlo vector case.
func arloManifest(t *testing.T, c arloCase) *Manifest {
	var bs []Batch
	if c.BatchesSimple != nil {
		// Arlo's unit-test manifest is a dict; Python keeps insertion
		// order, which the vector file's JSON object also keeps, but Go maps
		// do not: order does not matter for consistent sampling.
		for name, n := range c.BatchesSimple {
			bs = append(bs, Batch{Name: name, Cards: n})
		}
		m, err := NewManifest(bs, false)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, raw := range c.RawBatches {
		var row []any
		if err := json.Unmarshal(raw, &row); err != nil {
			t.Fatal(err)
		}
		b := Batch{Jurisdiction: row[0].(string), Name: row[2].(string), Cards: int(row[3].(float64))}
		if row[1] != nil {
			b.Tabulator = row[1].(string)
		}
		bs = append(bs, b)
	}
	m, err := NewManifest(bs, true)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestArloDrawSampleVectors(t *testing.T) {
	var f consistentFile
	loadVectors(t, "consistent_sampler.json", &f)
	if len(f.Arlo) == 0 {
		t.Fatal("no Arlo cases")
	}
	for _, c := range f.Arlo {
		t.Run(c.Name, func(t *testing.T) {
			m := arloManifest(t, c)
			draws, err := m.ConsistentDraws(c.Seed, c.NumSampled, c.SampleSize, c.WithReplacement)
			if err != nil {
				t.Fatal(err)
			}
			if len(draws) != len(c.Expected) {
				t.Fatalf("%d draws, want %d", len(draws), len(c.Expected))
			}
			for i, d := range draws {
				e := c.Expected[i]
				b := m.Batches()[d.Batch]
				id := CardID(b, d.Position, m.Jurisdictions())
				if id != e.Hashed || TrimTicket(d.Ticket, 18) != e.Ticket || d.Position != e.Position || d.Times != e.Times {
					t.Fatalf("draw %d: %s %s times %d, want %s %s times %d", i+1, TrimTicket(d.Ticket, 18), id, d.Times, e.Ticket, e.Hashed, e.Times)
				}
				if d.Number != c.NumSampled+i+1 {
					t.Fatalf("draw %d numbered %d", i+1, d.Number)
				}
			}
		})
	}
}

func TestCardID(t *testing.T) {
	tests := []struct {
		b    Batch
		pos  int
		jur  bool
		want string
	}{
		{Batch{Name: "pct 1"}, 3, false, "('pct 1', 3)"},
		{Batch{Jurisdiction: "J1", Name: "Batch 1"}, 17, true, "(('J1', None, 'Batch 1'), 17)"},
		{Batch{Jurisdiction: "County O'Neil", Name: `Mail "A"`}, 396, true, `(("County O'Neil", None, 'Mail "A"'), 396)`},
		{Batch{Jurisdiction: "J2", Tabulator: "TAB-1", Name: "Box 7"}, 20, true, "(('J2', 'TAB-1', 'Box 7'), 20)"},
		{Batch{Name: `both ' and "`}, 1, false, `('both \' and "', 1)`},
		{Batch{Name: "tab\tback\\slash\nnew"}, 1, false, `('tab\tback\\slash\nnew', 1)`},
		{Batch{Name: "ctrl\x01\x7f"}, 1, false, `('ctrl\x01\x7f', 1)`},
		{Batch{Name: "été 😊"}, 1, false, "('été 😊', 1)"},
		{Batch{Name: "nbsp\u00a0zw\u200bls\u2028"}, 1, false, `('nbsp\xa0zw\u200bls\u2028', 1)`},
		{Batch{Name: "private\U000F0000"}, 1, false, `('private\U000f0000', 1)`},
	}
	for _, tt := range tests {
		if got := CardID(tt.b, tt.pos, tt.jur); got != tt.want {
			t.Errorf("CardID(%+v) = %s, want %s", tt.b, got, tt.want)
		}
	}
}

func TestConsistentErrors(t *testing.T) {
	if _, err := ConsistentSample([]string{"a", "b", "a"}, "1", false, 0, 2); err == nil {
		t.Error("duplicate ids accepted")
	}
	if _, err := ConsistentSample([]string{"a"}, "1", true, 0, -1); err == nil {
		t.Error("unbounded sample with replacement accepted")
	}
	if _, err := ConsistentSample([]string{"a", "b"}, "1", false, 1, 2); err == nil {
		t.Error("3 draws without replacement from 2 accepted")
	}
	m, _ := NewManifest([]Batch{{Tabulator: "1", Name: "A", Cards: 3}, {Tabulator: "2", Name: "A", Cards: 3}}, false)
	if _, err := m.ConsistentDraws("1", 0, 2, true); err == nil {
		t.Error("repeated batch names without jurisdictions accepted")
	}
}

func ExampleManifest_ConsistentDraws() {
	m, err := NewManifest([]Batch{
		{Jurisdiction: "J1", Name: "Batch 1", Cards: 100},
		{Jurisdiction: "J1", Tabulator: "TAB-2", Name: "Batch 2", Cards: 250},
	}, true)
	if err != nil {
		panic(err)
	}
	draws, err := m.ConsistentDraws("01234567890123456789", 0, 3, true)
	if err != nil {
		panic(err)
	}
	for _, d := range draws {
		b := m.Batches()[d.Batch]
		fmt.Println(d.Number, TrimTicket(d.Ticket, 18), CardID(b, d.Position, true), d.Times)
	}
	// Output:
	// 1 0.000688168875699576 (('J1', 'TAB-2', 'Batch 2'), 169) 1
	// 2 0.001146128093835081 (('J1', 'TAB-2', 'Batch 2'), 169) 2
	// 3 0.004586349171806913 (('J1', 'TAB-2', 'Batch 2'), 6) 1
}
