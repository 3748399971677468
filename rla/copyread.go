package rla

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Committing an input copies it into the audit directory and hashes the
// copy's bytes; a CVR export of millions of cards is then read. For a
// statewide export of several gigabytes, copying, hashing and reading one
// after the other took most of the commitment's time, so a copier reads
// the source once, in chunks, and gives each chunk to three consumers at
// once: a writer (directly to disk where the file system allows, see
// setDirect), a hasher, and optionally a reader (the CVR parser). The
// parser thus reads exactly the bytes written to the copy and hashed,
// which is what reading the copy afterwards gave; the copy is still
// synced, closed and renamed into place, and its digest recorded, before
// the commitment is.
//
// Readers: any number of them may open the file (format detection reads
// its first 4 KiB, then the format reads it all). The first bytes (copyHead)
// are kept for all of them; past those, the first reader to ask takes the
// stream of chunks. Any other reader, and the stream's reader once the
// stream has been stopped, waits until the copy is complete and reads the
// copy from disk: slower, but always the same bytes, and it never blocks
// the copy.

const (
	copyChunk  = 8 << 20 // bytes read, written and hashed at a time
	copyChunks = 6       // chunks in flight per copy: at most 48 MiB
	copyHead   = 64 << 10
	dioAlign   = 4096 // alignment of direct writes' buffers and lengths
)

type copyChunkBuf struct {
	buf   []byte // the copier's chunk size, dioAlign-aligned
	data  []byte // buf[:n]
	start int64  // offset of data in the file
	refs  atomic.Int32
}

// copier copies one input file into the audit directory.
type copier struct {
	role, src, rel, dst string
	in, tmp             *os.File
	direct              bool

	free  chan *copyChunkBuf // chunks to reuse
	size  int                // bytes per chunk
	made  int                // chunks allocated, at most copyChunks
	write chan *copyChunkBuf
	hash  chan *copyChunkBuf
	feed  chan *copyChunkBuf // to the stream's reader

	stop     chan struct{} // closed: nothing more is fed
	stopOnce sync.Once
	failed   atomic.Bool // a write failed: stop reading the source

	headReady chan struct{}
	head      []byte
	headAll   bool  // head is the whole file
	feedErr   error // the stream's end: nil for EOF, else why it ended early

	mu      sync.Mutex
	claimed bool // a reader has taken the stream

	done chan struct{} // closed when the copy is written, synced and hashed
	n    int64
	sum  []byte
	err  error
}

// startCopy opens src and a temporary file beside dir/rel, and starts
// copying. Errors are worded as copyOne's always were.
func startCopy(dir, role, src, rel string) (*copier, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("rla: %s input: %w", role, err)
	}
	dst := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		in.Close()
		return nil, fmt.Errorf("rla: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), tempPrefix+"copy-*")
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("rla: %w", err)
	}
	c := &copier{
		role: role, src: src, rel: rel, dst: dst, in: in, tmp: tmp,
		direct: setDirect(tmp, true) == nil,
		free:   make(chan *copyChunkBuf, copyChunks),
		write:  make(chan *copyChunkBuf, copyChunks),
		hash:   make(chan *copyChunkBuf, copyChunks),
		feed:   make(chan *copyChunkBuf, copyChunks),
		stop:   make(chan struct{}), headReady: make(chan struct{}), done: make(chan struct{}),
	}
	// A small file needs no more than its size (and one byte to see its
	// end) per chunk.
	c.size = copyChunk
	if st, err := in.Stat(); err == nil && st.Size() < copyChunk {
		c.size = int(st.Size()+dioAlign) &^ (dioAlign - 1)
	}
	go c.run()
	return c, nil
}

// chunk returns a chunk to read into: a free one, or a new one while
// fewer than copyChunks exist (a small file needs one), or the next freed.
func (c *copier) chunk() *copyChunkBuf {
	select {
	case b := <-c.free:
		return b
	default:
	}
	if c.made < copyChunks {
		c.made++
		b := make([]byte, c.size+dioAlign)
		skip := int(-uintptr(unsafe.Pointer(&b[0])) & (dioAlign - 1))
		return &copyChunkBuf{buf: b[skip : skip+c.size : skip+c.size]}
	}
	return <-c.free
}

func (c *copier) release(b *copyChunkBuf) {
	if b.refs.Add(-1) == 0 {
		c.free <- b
	}
}

// stopFeeding stops giving chunks to the stream's reader, which then reads
// the rest from the copy: for a reader closed early, a reader that must
// wait for the copy, or a parse that ended. The chunks waiting for the
// reader go back to the copy, which would otherwise wait for them.
func (c *copier) stopFeeding() {
	c.stopOnce.Do(func() { close(c.stop) })
	c.drainFeed()
}

func (c *copier) stopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// drainFeed releases the chunks left for a reader that will not take them.
func (c *copier) drainFeed() {
	for {
		select {
		case b, ok := <-c.feed:
			if !ok {
				return
			}
			c.release(b)
		default:
			return
		}
	}
}

func (c *copier) give(b *copyChunkBuf) {
	if !c.stopped() {
		select {
		case c.feed <- b:
			return
		case <-c.stop:
		}
	}
	c.release(b)
	c.drainFeed()
}

// run reads the source, hands each chunk to the writer, the hasher and the
// stream, and records the outcome.
func (c *copier) run() {
	var werr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for b := range c.write {
			if werr == nil {
				if werr = c.writeChunk(b.data); werr != nil {
					c.failed.Store(true)
				}
			}
			c.release(b)
		}
		if werr == nil {
			werr = c.tmp.Sync()
		}
	})
	h := sha256.New()
	wg.Go(func() {
		for b := range c.hash {
			h.Write(b.data)
			c.release(b)
		}
	})
	var off int64
	var rerr error
	headDone := false
	for !c.failed.Load() {
		b := c.chunk()
		n, err := io.ReadFull(c.in, b.buf)
		b.data, b.start = b.buf[:n], off
		off += int64(n)
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			rerr = err
		}
		if len(c.head) < copyHead {
			c.head = append(c.head, b.data[:min(n, copyHead-len(c.head))]...)
		}
		if !headDone && (len(c.head) == copyHead || err != nil) {
			c.headAll = eof && int64(len(c.head)) == off
			headDone = true
			close(c.headReady)
		}
		if n == 0 {
			c.free <- b
		} else {
			b.refs.Store(3)
			c.write <- b
			c.hash <- b
			c.give(b)
		}
		if err != nil {
			break
		}
	}
	if !headDone {
		close(c.headReady)
	}
	c.in.Close()
	close(c.write)
	close(c.hash)
	switch {
	case rerr != nil:
		c.feedErr = rerr
	case c.failed.Load():
		c.feedErr = errors.New("rla: the copy failed")
	}
	close(c.feed)
	if c.stopped() {
		c.drainFeed()
	}
	wg.Wait()
	c.n, c.sum = off, h.Sum(nil)
	c.err = rerr
	if c.err == nil {
		c.err = werr
	}
	close(c.done)
}

// writeChunk writes b to the copy: directly while b's length is aligned
// (every chunk but the last), then through the page cache.
func (c *copier) writeChunk(b []byte) error {
	if c.direct && len(b)%dioAlign != 0 {
		k := len(b) &^ (dioAlign - 1)
		if err := c.writeDirect(b[:k]); err != nil {
			return err
		}
		b = b[k:]
		if c.direct {
			if err := setDirect(c.tmp, false); err != nil {
				return err
			}
			c.direct = false
		}
	}
	if c.direct {
		return c.writeDirect(b)
	}
	_, err := c.tmp.Write(b)
	return err
}

func (c *copier) writeDirect(b []byte) error {
	n, err := c.tmp.Write(b)
	if err != nil && errors.Is(err, syscall.EINVAL) && setDirect(c.tmp, false) == nil {
		// The file system accepted O_DIRECT but not these writes: go on
		// through the page cache.
		c.direct = false
		_, err = c.tmp.Write(b[n:])
	}
	return err
}

// finish waits for the copy, then closes it and renames it into place,
// and returns its record. Once it is called, nothing more is fed to a
// reader.
func (c *copier) finish() (_ InputFile, err error) {
	c.stopFeeding()
	<-c.done
	defer func() {
		if _, crashed := err.(errCrash); !crashed {
			os.Remove(c.tmp.Name()) // a no-op after the rename
		}
	}()
	err = c.err
	if cerr := c.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && crashHook != nil {
		if cerr := crashHook("copy-before-rename"); cerr != nil {
			return InputFile{}, leave(cerr)
		}
	}
	if err == nil {
		err = os.Rename(c.tmp.Name(), c.dst)
	}
	if err == nil {
		err = syncDir(filepath.Dir(c.dst))
	}
	if err != nil {
		return InputFile{}, fmt.Errorf("rla: copying %s input %s: %w", c.role, c.src, err)
	}
	return InputFile{Role: c.role, Name: filepath.Base(c.src), Path: filepath.ToSlash(c.rel), SHA256: hex.EncodeToString(c.sum), Bytes: c.n}, nil
}

// abandon stops a copy that will not be committed and removes it.
func (c *copier) abandon() {
	c.stopFeeding()
	<-c.done
	c.tmp.Close()
	os.Remove(c.tmp.Name())
}

// open returns a reader of the bytes being copied (see above).
func (c *copier) open() (io.ReadCloser, error) { return &copyReader{c: c}, nil }

type copyReader struct {
	c      *copier
	off    int64
	cur    *copyChunkBuf
	stream bool     // this reader took the stream
	file   *os.File // reading the finished copy
	closed bool
}

func (r *copyReader) Read(p []byte) (int, error) {
	c := r.c
	switch {
	case r.closed:
		return 0, os.ErrClosed
	case len(p) == 0:
		return 0, nil
	case r.file != nil:
		n, err := r.file.Read(p)
		r.off += int64(n)
		return n, err
	}
	<-c.headReady
	if r.off < int64(len(c.head)) {
		n := copy(p, c.head[r.off:])
		r.off += int64(n)
		return n, nil
	}
	if c.headAll {
		return 0, io.EOF
	}
	if !r.stream {
		c.mu.Lock()
		take := !c.claimed && !c.stopped()
		c.claimed = c.claimed || take
		c.mu.Unlock()
		if !take {
			return r.fromCopy(p)
		}
		r.stream = true
	}
	for {
		if b := r.cur; b != nil {
			if end := b.start + int64(len(b.data)); r.off < end {
				n := copy(p, b.data[r.off-b.start:])
				r.off += int64(n)
				return n, nil
			}
			c.release(b)
			r.cur = nil
		}
		select {
		case b, ok := <-c.feed:
			if !ok {
				if c.stopped() {
					return r.fromCopy(p)
				}
				if c.feedErr != nil {
					return 0, c.feedErr
				}
				return 0, io.EOF
			}
			r.cur = b
		case <-c.stop:
			return r.fromCopy(p)
		}
	}
}

// fromCopy reads on from the copy once it is complete. The stream stops
// first: its reader may be this one's caller, which would never take the
// chunks the copy waits on.
func (r *copyReader) fromCopy(p []byte) (int, error) {
	if r.cur != nil {
		r.c.release(r.cur)
		r.cur = nil
	}
	r.c.stopFeeding()
	<-r.c.done
	if r.c.err != nil {
		return 0, r.c.err
	}
	f, err := os.Open(r.c.tmp.Name())
	if err == nil {
		_, err = f.Seek(r.off, io.SeekStart)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return 0, err
	}
	r.file = f
	return r.Read(p)
}

func (r *copyReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.cur != nil {
		r.c.release(r.cur)
		r.cur = nil
	}
	if r.stream {
		r.c.stopFeeding()
	}
	if r.file != nil {
		return r.file.Close()
	}
	return nil
}
