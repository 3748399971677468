package cvr

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Parallel Dominion CSV reading. After the header rows, one goroutine
// cuts the input into blocks of about dcBlockSize bytes, each ending with
// a newline; workers parse the blocks (csvScan, then the rows into a
// per-block []Card); the reading goroutine yields the blocks' cards in
// order, with the warnings and the first error where the sequential reader
// has them. Only the header interns contests and choices: row parsing
// reads the dcReader and never the Election, and errors are worded by the
// reading goroutine.
//
// A block is cut at its last newline without regard to quotes. Every
// block but the last begins where a record begins as long as the block
// before it parsed to its end; a block whose last record runs off its end
// (a quoted field spanning the cut) ends the parallel reading: the rest
// of the input, from that record on, is read by the sequential reader.
// The results are the sequential reader's, byte for byte.

// dcBlockSize is the size of a block; a file that fits in one is parsed
// on the caller's goroutine.
const dcBlockSize = 2 << 20

// dcWarn is a redaction row: a warning, or the Pool made of it when
// Options.Pool is set.
type dcWarn struct {
	before int // index of the card the warning comes before
	line   int
	cell0  string
	pool   *Pool
}

type dcBlock struct {
	raw   []byte
	line  int   // line number of raw's first line
	final bool  // raw runs to the end of the input
	ioErr error // read error after raw (final block only)

	cards  []Card
	cells  []uint32
	warns  []dcWarn
	err    dcErr // the error that ended the parse, if any
	runOff bool  // the record on line err.line runs off the end of raw (not final)
	done   chan struct{}
}

// dcSplitter cuts the input into blocks.
type dcSplitter struct {
	src   io.Reader
	size  int // bytes per block
	line  int // line number of the next block
	carry []byte
	free  chan *dcBlock
}

func (sp *dcSplitter) get() *dcBlock {
	select {
	case b := <-sp.free:
		return b
	default:
		return &dcBlock{}
	}
}

// next reads the next block; after the final one it must not be called.
func (sp *dcSplitter) next() *dcBlock {
	b := sp.get()
	size := max(sp.size, 1)
	if cap(b.raw) < len(sp.carry)+size {
		b.raw = make([]byte, 0, len(sp.carry)+size)
	}
	raw := append(b.raw[:0], sp.carry...)
	var err error
	cut := -1
	for {
		for len(raw) < cap(raw) {
			var n int
			n, err = sp.src.Read(raw[len(raw):cap(raw)])
			raw = raw[:len(raw)+n]
			if err != nil {
				break
			}
		}
		if err != nil {
			break
		}
		if cut = bytes.LastIndexByte(raw, '\n'); cut >= 0 {
			break
		}
		// A line longer than the block: read on.
		raw = append(raw, 0)[:len(raw)]
	}
	*b = dcBlock{raw: raw, line: sp.line, cards: b.cards[:0], cells: b.cells[:0], warns: b.warns[:0], done: make(chan struct{})}
	if err != nil {
		b.final = true
		if err != io.EOF {
			b.ioErr = err
		}
		sp.carry = sp.carry[:0]
	} else {
		sp.carry = append(sp.carry[:0], raw[cut+1:]...)
		b.raw = raw[:cut+1]
		sp.line += bytes.Count(b.raw, []byte{'\n'})
	}
	return b
}

type dcErrReader struct{ err error }

func (r dcErrReader) Read([]byte) (int, error) { return 0, r.err }

// parse parses block b with a copy of the row state tmpl.
func (tmpl *dcRows) parse(b *dcBlock) {
	r := *tmpl
	r.idBuf = nil
	r.lastTab, r.lastBat, r.lastStyle, r.lastGr, r.lastPrec = "", "", "", "", ""
	vs := Votes{cells: b.cells[:0]}
	// Lines without quotes are split here, in place; from the first line
	// with a quote on (and for a block followed by a read error), csvScan
	// reads the rest of the block.
	var (
		cr       *csvScan
		pos      int
		line     = b.line
		fields   [][]byte
		first    = r.d.first
		rest     []byte // the vote cells of a row split only to its meta columns
		headOnly bool
	)
	if b.ioErr != nil {
		cr = newCSVScan(io.MultiReader(bytes.NewReader(b.raw), dcErrReader{b.ioErr}))
		cr.line = line
	}
	for {
		var (
			rec     [][]byte
			err     error
			recLine int // the line the record begins on
		)
		headOnly = false
		if cr == nil {
			if pos == len(b.raw) {
				break
			}
			l := b.raw[pos:]
			n := bytes.IndexByte(l, '\n')
			next := pos + n + 1
			if n < 0 {
				n, next = len(l), len(b.raw)
			}
			l = l[:n]
			if bytes.IndexByte(l, '"') >= 0 {
				cr = newCSVScan(bytes.NewReader(b.raw[pos:]))
				cr.line = line
				continue
			}
			if len(l) > 0 && l[len(l)-1] == '\r' {
				l = l[:len(l)-1]
			}
			// Split the meta columns; the vote cells go to rowFast raw
			// (the whole line is split when there are too few cells).
			fields, rest = fields[:0], nil
			i := 0
			for k := 0; k < len(l); k++ {
				if l[k] == ',' {
					fields = append(fields, l[i:k])
					i = k + 1
					if len(fields) == first && !dcGeneralOnly {
						rest, headOnly = l[i:], true
						break
					}
				}
			}
			if headOnly {
				rec = fields
			} else {
				rec = append(fields, l[i:])
				fields = rec
			}
			pos = next
			recLine = line
			line++
		} else {
			rec, err = cr.Read()
			if err == io.EOF {
				break
			}
			recLine = cr.start
		}
		if err != nil {
			b.err = dcErr{kind: dcErrRead, line: recLine, err: err}
			b.runOff = err == errCSVQuote && !b.final
			break
		}
		if len(b.cards) == cap(b.cards) {
			b.cards = append(b.cards, Card{})[:len(b.cards)]
		}
		c := b.cards[:len(b.cards)+1]
		card := &c[len(c)-1]
		start := len(vs.cells)
		card.Votes = vs
		var kind dcRowKind
		var x dcErr
		if headOnly {
			var ok bool
			if ok, kind, x = r.rowFast(rec, rest, card, false); !ok {
				rec, headOnly = splitRest(rec, rest), false
				fields = rec
			}
		}
		if !headOnly {
			kind, x = r.row(rec, card, false)
		}
		vs = card.Votes
		switch kind {
		case dcRowSkip:
			continue
		case dcRowRedacted:
			w := dcWarn{before: len(b.cards), line: recLine, cell0: string(rec[0])}
			if r.d.opt.Pool != nil {
				var x dcErr
				if w.pool, x = r.pool(rec); x.kind != 0 {
					x.line = recLine
					b.err = x
					break
				}
				w.pool.Line = recLine
			}
			b.warns = append(b.warns, w)
			continue
		case dcRowError:
			x.line = recLine
			b.err = x
		}
		if b.err.kind != 0 {
			vs.cells = vs.cells[:start]
			break
		}
		last := 0
		if len(vs.cells) > start {
			last = vs.last - start
		}
		card.Votes = Votes{cells: vs.cells[start:len(vs.cells):len(vs.cells)], last: last}
		b.cards = c
	}
	b.cells = vs.cells
}

// emit yields the cards and warnings of a parsed block, and its error
// unless it ran off its end. It reports whether to go on.
func (r *dcRows) emit(e *Election, b *dcBlock, yield func(Card, error) bool) bool {
	w := 0
	for i := range b.cards {
		for ; w < len(b.warns) && b.warns[w].before == i; w++ {
			r.warn(&b.warns[w])
		}
		if !yield(b.cards[i], nil) {
			return false
		}
	}
	for ; w < len(b.warns); w++ {
		r.warn(&b.warns[w])
	}
	if b.err.kind != 0 && !b.runOff {
		return yield(Card{}, b.err.error(e, r.d)) && false
	}
	return true
}

func (r *dcRows) warn(w *dcWarn) {
	if w.pool != nil {
		r.d.opt.Pool(w.pool)
		return
	}
	r.d.opt.warn(r.d.file, fmt.Sprintf("line %d", w.line), "redaction row %q holds pooled totals, not a card; skipped", w.cell0)
}

// parallel reads the rows after the header, read by cr, on n workers.
func (r *dcRows) parallel(e *Election, cr *csvScan, n, size int, yield func(Card, error) bool) bool {
	sp := &dcSplitter{src: cr.r, size: size, line: cr.line, free: make(chan *dcBlock, 3*n+2)}
	first := sp.next()
	if first.final {
		r.parse(first)
		return r.emit(e, first, yield)
	}

	var (
		order = make(chan *dcBlock, 2*n) // blocks in input order
		work  = make(chan *dcBlock, n)
		quit  = make(chan struct{})
		skip  atomic.Bool // the sequential reader took over: parse no more
		wg    sync.WaitGroup
	)
	wg.Add(1 + n)
	go func() {
		defer wg.Done()
		defer close(work)
		defer close(order)
		b := first
		for {
			select {
			case order <- b:
			case <-quit:
				return
			}
			select {
			case work <- b:
			case <-quit:
				close(b.done)
				return
			}
			if b.final {
				return
			}
			b = sp.next()
		}
	}()
	for range n {
		go func() {
			defer wg.Done()
			for b := range work {
				if !skip.Load() {
					r.parse(b)
				}
				close(b.done)
			}
		}()
	}
	defer func() {
		skip.Store(true)
		close(quit)
		wg.Wait()
	}()

	for b := range order {
		<-b.done
		if !r.emit(e, b, yield) {
			return false
		}
		if b.runOff {
			skip.Store(true)
			return r.fallback(e, b, order, sp.free, yield)
		}
		if b.final {
			return true
		}
		select {
		case sp.free <- b:
		default:
		}
	}
	return true
}

// fallback reads sequentially from the record on line b.err.line of block
// b to the end of the input, taking the bytes of the later blocks from
// order.
func (r *dcRows) fallback(e *Election, b *dcBlock, order <-chan *dcBlock, free chan<- *dcBlock, yield func(Card, error) bool) bool {
	off := 0
	for range b.err.line - b.line {
		off += bytes.IndexByte(b.raw[off:], '\n') + 1
	}
	fr := &dcFallback{cur: b.raw[off:], b: b, order: order, free: free}
	cr := newCSVScan(fr)
	cr.line = b.err.line
	seq := *r
	seq.idBuf = nil
	return seq.sequential(e, cr, yield)
}

// dcFallback reads the rest of the input from the blocks.
type dcFallback struct {
	cur   []byte
	b     *dcBlock
	order <-chan *dcBlock
	free  chan<- *dcBlock
}

func (f *dcFallback) Read(p []byte) (int, error) {
	for len(f.cur) == 0 {
		if f.b.final {
			if f.b.ioErr != nil {
				return 0, f.b.ioErr
			}
			return 0, io.EOF
		}
		nb, ok := <-f.order
		if !ok {
			return 0, io.EOF // not reached: the final block comes first
		}
		<-nb.done
		select {
		case f.free <- f.b:
		default:
		}
		f.b, f.cur = nb, nb.raw
	}
	n := copy(p, f.cur)
	f.cur = f.cur[n:]
	return n, nil
}
