package stats

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
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

// A released log's chunks go to the pool, empty, and new logs take them
// from there; the pool keeps at most dlogPoolMax.
func TestDlogPool(t *testing.T) {
	dlogPool.Lock()
	saved := dlogPool.chunks
	dlogPool.chunks = nil
	dlogPool.Unlock()
	defer func() {
		dlogPool.Lock()
		dlogPool.chunks = saved
		dlogPool.Unlock()
	}()
	var l dlog
	l.reset(0)
	l.append(make([]float64, 3*dlogChunk+5))
	l.dropBefore(dlogChunk) // one chunk to the log's own free list
	l.reserve(7)            // and room in the last chunk
	l.release()
	if got := len(dlogPool.chunks); got != 4 {
		t.Fatalf("pool holds %d chunks after release, want 4", got)
	}
	var m dlog
	m.reset(0)
	m.append([]float64{1, 2, 3})
	if len(dlogPool.chunks) != 3 || m.segment(0, 3)[2] != 3 {
		t.Fatalf("a new log did not take a pooled chunk (pool %d)", len(dlogPool.chunks))
	}
	big := dlog{chunks: make([][]float64, dlogPoolMax+10)}
	for i := range big.chunks {
		big.chunks[i] = make([]float64, 0, dlogChunk)
	}
	big.release()
	if len(dlogPool.chunks) != dlogPoolMax {
		t.Fatalf("pool holds %d chunks, at most %d", len(dlogPool.chunks), dlogPoolMax)
	}
}

// A mix_betting_mart stream that is gone gives its log's chunks back (its
// cleanup runs after a collection).
func TestMixStreamReleasesLog(t *testing.T) {
	before := 0
	func() {
		s, _ := MixBetting{Population: Population{N: 1_000_000}}.start()
		x := mixSamples
		xs, _ := x()
		for _, v := range xs[0][:100_000] {
			if err := s.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		_ = s.P()
		if len(s.dh.chunks) == 0 {
			t.Fatal("the log holds nothing: the test tests nothing")
		}
		// The pool's size once the stream has taken its chunks (some
		// perhaps from the pool).
		dlogPool.Lock()
		before = len(dlogPool.chunks)
		dlogPool.Unlock()
	}()
	if before > dlogPoolMax-100 {
		t.Skip("pool nearly full")
	}
	for range 1000 { // up to some seconds on a loaded machine
		runtime.GC()
		dlogPool.Lock()
		after := len(dlogPool.chunks)
		dlogPool.Unlock()
		if after > before {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the stream's log was not released to the pool")
}
