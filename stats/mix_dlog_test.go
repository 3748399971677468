package stats

import (
	"math/rand/v2"
	"testing"
)

// The log gives back, from every observation held, the d appended or
// written in reserved room and committed, whatever the mix of the two,
// reservations not kept, drops and resets.
func TestDlog(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	var l dlog
	l.reset(0)
	var ref []float64 // ref[i] is observation base+i's d
	base, next, dropped := 0, 0, 0
	for step := range 20000 {
		switch op := r.IntN(20); {
		case op < 8: // a batch written in reserved room, kept
			k := 1 + r.IntN(mixBatch)
			room := l.reserve(k)
			for j := range room {
				room[j] = float64(next + j)
			}
			if !l.reserved(room) {
				t.Fatalf("step %d: reserved room not recognised", step)
			}
			l.commit(k)
			for j := range k {
				ref = append(ref, float64(next+j))
			}
			next += k
		case op < 10: // reserved room not kept (a batch that stopped)
			room := l.reserve(1 + r.IntN(mixBatch))
			for j := range room {
				room[j] = -1
			}
		case op < 15: // appended
			dd := make([]float64, 1+r.IntN(3*mixBatch))
			for j := range dd {
				dd[j] = float64(next + j)
			}
			if l.reserved(dd) {
				t.Fatalf("step %d: a fresh slice taken for reserved room", step)
			}
			l.append(dd)
			ref = append(ref, dd...)
			next += len(dd)
		case op < 19 && next > base: // drop before some observation
			n := base + r.IntN(next-base+1)
			l.dropBefore(n)
			dropped = max(dropped, n)
		case r.IntN(50) == 0: // reset
			base, dropped, ref = next, next, nil
			l.reset(next)
		}
		// Every observation from dropped on reads back, in segments (from
		// a random one but every 100 steps).
		from := dropped
		if step%100 != 0 && next > dropped {
			from += r.IntN(next - dropped)
		}
		for i := from; i < next; {
			seg := l.segment(i, next)
			if len(seg) == 0 {
				t.Fatalf("step %d: empty segment at %d (held up to %d)", step, i, next)
			}
			for j, d := range seg {
				if d != ref[i+j-base] {
					t.Fatalf("step %d: d of %d = %v, want %v", step, i+j, d, ref[i+j-base])
				}
			}
			i += len(seg)
		}
	}
}
