package cvr

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// csvScan splits CSV records without allocating: the fields are views into
// one reused buffer, valid until the next call. It reads what
// encoding/csv with LazyQuotes and FieldsPerRecord = -1 reads, at several
// times the speed, which the Dominion CSV reader needs for a 20-million-card
// export (encoding/csv makes a string of every record and copies every
// field). Differences from encoding/csv: blank lines are returned as one
// empty field rather than skipped (callers skip blank records anyway).
//
// Quoting follows RFC 4180 with encoding/csv's lazy rules: a quote inside
// an unquoted field is a literal character (so Excel's ="11" comes through
// as is); inside a quoted field "" is a quote, and a quote not followed by
// a comma or the end of the line is a literal quote. A quoted field may span
// lines; "\r\n" inside it becomes "\n".
type csvScan struct {
	r      *bufio.Reader
	buf    []byte
	fields [][]byte
	line   int // line number of the next physical line to read, from 1
	start  int // line on which the last record began
}

func newCSVScan(r io.Reader) *csvScan {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &csvScan{r: br, line: 1}
}

var errCSVQuote = errors.New(`quoted field not closed before the end of the file`)

// readLine appends the next physical line (with its "\n") to s.buf; io.EOF
// when there is none. Like encoding/csv, it turns a final "\r\n" into "\n"
// and drops a "\r" just before the end of the file.
func (s *csvScan) readLine() error {
	n0 := len(s.buf)
	for {
		frag, err := s.r.ReadSlice('\n')
		s.buf = append(s.buf, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(s.buf) > n0 {
			if s.buf[len(s.buf)-1] == '\r' {
				s.buf = s.buf[:len(s.buf)-1]
			}
			err = nil
		}
		if err != nil {
			return err
		}
		if n := len(s.buf); n-n0 >= 2 && s.buf[n-2] == '\r' && s.buf[n-1] == '\n' {
			s.buf[n-2] = '\n'
			s.buf = s.buf[:n-1]
		}
		s.line++
		return nil
	}
}

// ReadHead reads the next record like Read when it is one line with no
// quote in it, splitting only its first n fields and returning the rest of
// the line after the n-th comma (without the line's end) as rest, with ok
// set. Any other record (a quote anywhere, fewer than n+1 fields) is split
// whole as Read splits it, with ok false. A Dominion row's vote cells, most
// of its bytes, are then read without a field each.
func (s *csvScan) ReadHead(n int) (fields [][]byte, rest []byte, ok bool, err error) {
	s.buf = s.buf[:0]
	s.start = s.line
	if err := s.readLine(); err != nil {
		s.fields = s.fields[:0]
		return nil, nil, false, err
	}
	buf := s.buf
	if bytes.IndexByte(buf, '"') < 0 {
		fields = s.fields[:0]
		i := 0
		for len(fields) < n {
			k := bytes.IndexByte(buf[i:], ',')
			if k < 0 {
				break
			}
			fields = append(fields, buf[i:i+k])
			i += k + 1
		}
		s.fields = fields
		if len(fields) == n {
			rest = buf[i:]
			if len(rest) > 0 && rest[len(rest)-1] == '\n' {
				rest = rest[:len(rest)-1]
			}
			return fields, rest, true, nil
		}
	}
	fields, err = s.split()
	return fields, nil, false, err
}

// splitRest appends the fields of rest, a line's remainder from ReadHead,
// to fields: the record Read would have returned.
func splitRest(fields [][]byte, rest []byte) [][]byte {
	for {
		k := bytes.IndexByte(rest, ',')
		if k < 0 {
			return append(fields, rest)
		}
		fields = append(fields, rest[:k])
		rest = rest[k+1:]
	}
}

// Read returns the fields of the next record, or io.EOF. It works on
// local copies of the buffer and the field list (stored back before any
// return and before reading a continuation line), which the compiler keeps
// in registers: appending to s.fields directly would make every field wait
// for the previous field's length to go through memory.
func (s *csvScan) Read() ([][]byte, error) {
	s.buf = s.buf[:0]
	s.start = s.line
	if err := s.readLine(); err != nil {
		s.fields = s.fields[:0]
		return nil, err
	}
	return s.split()
}

// split splits the record whose first line is in s.buf, reading any further
// lines a quoted field spans.
func (s *csvScan) split() ([][]byte, error) {
	buf, fields := s.buf, s.fields[:0]
	i := 0
	for {
		// At the start of a field.
		if i < len(buf) && buf[i] == '"' {
			// Quoted: unescape in place; the field shrinks, never grows.
			w, j := i, i+1
			for {
				k := bytes.IndexByte(buf[j:], '"')
				if k < 0 {
					// The field goes on past this line.
					w += copy(buf[w:], buf[j:])
					s.buf = buf[:w]
					j = w
					if err := s.readLine(); err != nil {
						s.fields = fields
						if err == io.EOF {
							return nil, errCSVQuote
						}
						return nil, err
					}
					buf = s.buf
					continue
				}
				w += copy(buf[w:], buf[j:j+k])
				j += k + 1
				switch {
				case j < len(buf) && buf[j] == '"':
					buf[w] = '"'
					w++
					j++
					continue
				case j == len(buf), buf[j] == ',', buf[j] == '\n':
				default:
					buf[w] = '"' // lazy: a stray quote is a character
					w++
					continue
				}
				break
			}
			fields = append(fields, buf[i:w])
			i = j
		} else {
			// Vote cells are one character: a plain loop beats a call to
			// bytes.IndexByte per field.
			k := i
			for k < len(buf) && buf[k] != ',' && buf[k] != '\n' {
				k++
			}
			fields = append(fields, buf[i:k])
			if k == len(buf) || buf[k] == '\n' {
				s.buf, s.fields = buf, fields
				return fields, nil
			}
			i = k
		}
		// After a field: a comma starts another; anything else ends the record.
		if i < len(buf) && buf[i] == ',' {
			i++
			continue
		}
		s.buf, s.fields = buf, fields
		return fields, nil
	}
}
