package cvr

import (
	"bufio"
	"encoding/binary"
	"io"
	"unicode/utf8"
)

// utf8Stream turns a byte stream into valid UTF-8 as it is read: a leading
// UTF-8 byte-order mark is dropped, and each byte that does not start a
// valid UTF-8 sequence is read as Windows-1252 (FORMATS.md checklist item
// 1: Fremont County's Dominion CSV has "Ca\xf1on City"). It is the
// streaming counterpart of DecodeText, for exports too large to hold.
type utf8Stream struct {
	r   *bufio.Reader
	out []byte // converted bytes not yet returned
}

func newUTF8Stream(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		br.Discard(3)
	}
	return &utf8Stream{r: br}
}

func (s *utf8Stream) Read(p []byte) (int, error) {
	if len(s.out) > 0 {
		n := copy(p, s.out)
		s.out = s.out[n:]
		return n, nil
	}
	// Fast path: take as many valid bytes as the buffer holds.
	buf, err := s.r.Peek(min(len(p), s.r.Size()))
	if len(buf) == 0 {
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	n := 0
	// ASCII eight bytes at a time: the common case for CVR exports.
	for n+8 <= len(buf) && binary.LittleEndian.Uint64(buf[n:])&0x8080808080808080 == 0 {
		n += 8
	}
	for n < len(buf) {
		c := buf[n]
		if c < utf8.RuneSelf {
			n++
			continue
		}
		_, size := utf8.DecodeRune(buf[n:])
		if size > 1 {
			n += size
			continue
		}
		break // an invalid byte, or a sequence cut by the end of buf
	}
	if n > 0 {
		copy(p, buf[:n])
		s.r.Discard(n)
		return n, nil
	}
	// buf starts with a byte that is not valid UTF-8, or a truncated
	// sequence: peek further to tell them apart.
	more, _ := s.r.Peek(utf8.UTFMax)
	if r, size := utf8.DecodeRune(more); r != utf8.RuneError || size > 1 {
		n = copy(p, more[:size])
		if n < size { // p too small for the rune: keep the rest
			s.out = append(s.out[:0], more[n:size]...)
		}
		s.r.Discard(size)
		return n, nil
	}
	c := more[0]
	s.r.Discard(1)
	var r rune = rune(c)
	if c >= 0x80 && c < 0xA0 {
		r = windows1252[c-0x80]
	}
	var tmp [utf8.UTFMax]byte
	k := utf8.EncodeRune(tmp[:], r)
	n = copy(p, tmp[:k])
	s.out = append(s.out[:0], tmp[n:k]...)
	return n, nil
}
