package stats

import (
	"math"
	"sync"
)

// dlog holds the d of consecutive observations in chunks, so that growing
// it copies nothing and its oldest chunks can be dropped and reused. A
// batch that expects to keep its d writes them straight into the log's
// room (reserve), and keepHistory keeps them (commit) or not.
type dlog struct {
	dmin   float64     // at most every d held (the least appended since reset)
	next   int         // the observation whose d comes next
	starts []int       // the observation whose d is chunks[i][0]
	chunks [][]float64 // not empty, each at most dlogChunk long
	room   []float64   // a new chunk reserve gave room in, kept by commit
	resv   []float64   // the room reserve last gave (in room if inRoom)
	inRoom bool
	free   [][]float64
}

const dlogChunk = 1 << 12

// reset empties the log; the next d appended is observation n's.
func (l *dlog) reset(n int) {
	for _, c := range l.chunks {
		l.free = append(l.free, c[:0])
	}
	if l.room != nil {
		l.free = append(l.free, l.room[:0])
		l.room = nil
	}
	l.resv = nil
	l.chunks, l.starts, l.next, l.dmin = l.chunks[:0], l.starts[:0], n, math.Inf(1)
}

func (l *dlog) newChunk() []float64 {
	if nf := len(l.free); nf > 0 {
		c := l.free[nf-1]
		l.free = l.free[:nf-1]
		return c
	}
	return dlogGet()
}

// dlogPool holds the chunks of logs whose streams are gone (see release),
// up to dlogPoolMax of them (32 MB), for new logs: a simulation that starts
// stream after stream reuses them instead of having fresh memory zeroed
// for each. A chunk's old contents are never read: a log reads only what
// it wrote.
var dlogPool struct {
	sync.Mutex
	chunks [][]float64
}

const dlogPoolMax = 1024

func dlogGet() []float64 {
	dlogPool.Lock()
	defer dlogPool.Unlock()
	if n := len(dlogPool.chunks); n > 0 {
		c := dlogPool.chunks[n-1]
		dlogPool.chunks[n-1] = nil
		dlogPool.chunks = dlogPool.chunks[:n-1]
		return c[:0]
	}
	return make([]float64, 0, dlogChunk)
}

// release gives every chunk of the log to the pool; the log must not be
// used afterwards. It runs as the cleanup of the log's stream (see
// newMixStream), once the stream is unreachable.
func (l *dlog) release() {
	dlogPool.Lock()
	defer dlogPool.Unlock()
	for _, cs := range [][][]float64{l.chunks, l.free, {l.room}} {
		for _, c := range cs {
			if cap(c) == dlogChunk && len(dlogPool.chunks) < dlogPoolMax {
				dlogPool.chunks = append(dlogPool.chunks, c[:0])
			}
		}
	}
	l.chunks, l.free, l.room, l.resv = nil, nil, nil, nil
}

// reserve returns room for the d of the next k <= dlogChunk observations,
// at the end of the last chunk or in a new one, for commit to keep.
func (l *dlog) reserve(k int) []float64 {
	if nc := len(l.chunks); nc > 0 {
		if c := l.chunks[nc-1]; cap(c)-len(c) >= k {
			l.inRoom = false
			l.resv = c[len(c) : len(c)+k]
			return l.resv
		}
	}
	if l.room == nil {
		l.room = l.newChunk()
	}
	l.inRoom = true
	l.resv = l.room[:k]
	return l.resv
}

// reserved reports whether dd is the room reserve last gave.
func (l *dlog) reserved(dd []float64) bool {
	return len(dd) > 0 && len(l.resv) >= len(dd) && &l.resv[0] == &dd[0]
}

// commit keeps the first k d written in the room reserve last gave.
func (l *dlog) commit(k int) {
	if l.inRoom {
		l.chunks = append(l.chunks, l.room[:k])
		l.starts = append(l.starts, l.next)
		l.room = nil
	} else {
		nc := len(l.chunks)
		l.chunks[nc-1] = l.chunks[nc-1][:len(l.chunks[nc-1])+k]
	}
	l.resv = nil
	l.next += k
}

// append copies dd to the end of the log.
func (l *dlog) append(dd []float64) {
	for len(dd) > 0 {
		k := copy(l.reserve(min(len(dd), dlogChunk)), dd)
		l.commit(k)
		dd = dd[k:]
	}
}

// dropBefore drops the whole chunks before observation n.
func (l *dlog) dropBefore(n int) {
	i := 0
	for i < len(l.chunks)-1 && l.starts[i]+len(l.chunks[i]) <= n {
		l.free = append(l.free, l.chunks[i][:0])
		i++
	}
	if i > 0 {
		l.chunks = l.chunks[:copy(l.chunks, l.chunks[i:])]
		l.starts = l.starts[:copy(l.starts, l.starts[i:])]
	}
}

// segment is the longest run of consecutive d held from observation i on,
// ending before observation n.
func (l *dlog) segment(i, n int) []float64 {
	c := 0
	for c < len(l.chunks)-1 && l.starts[c]+len(l.chunks[c]) <= i {
		c++
	}
	off := i - l.starts[c]
	return l.chunks[c][off:min(len(l.chunks[c]), off+n-i)]
}

// A batch's d fit in one chunk's room.
var _ [dlogChunk - mixBatch]struct{}
