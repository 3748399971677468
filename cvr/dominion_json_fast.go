package cvr

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// The byte-level scanner of the Dominion JSON reader's Sessions array.
//
// jsontext tokenising costs several times what the reader needs: most of
// a session is values the reader skips. djFast reads one session at a time
// from its own buffer, decoding only the fields the reader uses, into the
// same djSession that the jsontext path (djReader.session) fills, and
// emits it with the same code. It accepts only what it is sure jsontext
// accepts and reads the same way: plain strings (valid UTF-8, the short
// escapes), numbers in the JSON grammar, the literals, and the value kinds
// the jsontext path takes for each field. On anything else (a \u escape, a
// syntax error, a wrong type, the end of the input) it hands the rest of
// the file to jsontext from the start of the session it could not read:
// a new jsontext.Decoder reads a made-up prefix of exactly as many bytes
// as the scanner consumed, holding as many array elements as sessions
// were read, so the decoder is at the same JSON path and input offset,
// and its errors (and everything else) are those of the jsontext path.
//
// Within a session, objects are read along Dominion's member order (the
// ordered code below, whitespace allowed); contests and marks written
// compactly, as Dominion writes them, are first tried by the compact
// lanes (djContestHead, djMarkFast), which read from local indices and
// leave any other object to the ordered code.

// djFastBuf is the scanner's initial buffer size (a variable for tests).
var djFastBuf = 256 << 10

// djFast is the scanner's state: buf[:len(buf)] holds input from stream
// offset off; i is the cursor.
type djFast struct {
	src    io.Reader
	buf    []byte
	i      int
	off    int64
	eof    bool   // src is exhausted
	rerr   error  // src's read error other than io.EOF
	key    []byte // the name of the member last read (not in skipped values), in buf, when keyID is djkGeneric
	keyID  uint8  // that name's number in djKeyNames
	bad    bool   // the scanner cannot go on: refill (hitEnd) or hand back
	hitEnd bool   // bad because the data in buf ran out
}

const (
	djOnes = 0x0101010101010101
	djHigh = 0x8080808080808080
)

// djSafe marks the bytes a string may hold without a closer look.
var djSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (p *djFast) fail() { p.bad = true }

func (p *djFast) end() {
	p.bad, p.hitEnd = true, true
}

// ws skips whitespace and returns the next byte (0 with p.bad set at the
// end of the buffer).
func (p *djFast) ws() byte {
	for p.i < len(p.buf) {
		c := p.buf[p.i]
		if c > ' ' || c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return c
		}
		p.i++
	}
	p.end()
	return 0
}

// str reads the string at p.i (which holds '"') and returns its content,
// still escaped when esc.
func (p *djFast) str() (s []byte, esc bool) {
	b := p.buf
	i := p.i + 1
	start := i
	nonASCII := false
	for {
		// Eight bytes at a time while none is '"', '\\', a control
		// character or non-ASCII, then straight to the first that is (a
		// borrow of the subtractions reaches only bytes after one).
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q, bs := x^(0x22*djOnes), x^(0x5C*djOnes)
			if m := (x | (x-0x20*djOnes)&^x | (q-djOnes)&^q | (bs-djOnes)&^bs) & djHigh; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(b) && djSafe[b[i]] {
			i++
		}
		if i >= len(b) {
			p.end()
			return nil, false
		}
		switch c := b[i]; {
		case c == '"':
			s = b[start:i]
			p.i = i + 1
			if nonASCII && !utf8.Valid(s) {
				p.fail()
			}
			return s, esc
		case c == '\\':
			if i+1 >= len(b) {
				p.end()
				return nil, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				esc = true
				i += 2
			default: // \u and invalid escapes: jsontext decides
				p.fail()
				return nil, false
			}
		case c >= 0x80:
			nonASCII = true
			i++
		default: // a control character
			p.fail()
			return nil, false
		}
	}
}

// unescape appends s, a string content with only short escapes, unescaped.
func unescapeShort(dst, s []byte) []byte {
	for {
		k := bytes.IndexByte(s, '\\')
		if k < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		c := s[k+1]
		switch c {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		}
		dst = append(dst, c)
		s = s[k+2:]
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// num reads a number in the JSON grammar; the byte after it must be in
// the buffer (a number cut by the buffer's end is read again).
func (p *djFast) num() []byte {
	b := p.buf
	i, start := p.i, p.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		p.end()
		return nil
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		p.fail()
		return nil
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) {
			p.end()
			return nil
		}
		if !isDigit(b[i]) {
			p.fail()
			return nil
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) {
			p.end()
			return nil
		}
		if !isDigit(b[i]) {
			p.fail()
			return nil
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i >= len(b) {
		p.end()
		return nil
	}
	p.i = i
	return b[start:i]
}

// lit reads the literal word (true, false or null) at p.i.
func (p *djFast) lit(word string) {
	if len(p.buf)-p.i < len(word) {
		if strings.HasPrefix(word, string(p.buf[p.i:])) {
			p.end()
		} else {
			p.fail()
		}
		return
	}
	if string(p.buf[p.i:p.i+len(word)]) != word {
		p.fail()
		return
	}
	p.i += len(word)
}

// skip reads one value of any kind.
func (p *djFast) skip(depth int) {
	switch c := p.ws(); c {
	case '"':
		p.str()
	case '{':
		if depth > 64 {
			p.fail()
			return
		}
		p.i++
		first := true
		key, keyID := p.key, p.keyID // jscan.skip does not record names
		for {
			if _, more := p.member(&first); !more {
				p.key, p.keyID = key, keyID
				return
			}
			p.skip(depth + 1)
		}
	case '[':
		if depth > 64 {
			p.fail()
			return
		}
		p.i++
		first := true
		for p.arrMore(&first) {
			p.skip(depth + 1)
		}
	case 't':
		p.lit("true")
	case 'f':
		p.lit("false")
	case 'n':
		p.lit("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		p.num()
	default:
		p.fail()
	}
}

// objBegin starts an object: it reports whether members follow ('{' read);
// null is an object without members, as in jscan.object.
func (p *djFast) objBegin() bool {
	if b, i := p.buf, p.i; i < len(b) && b[i] == '{' { // the usual case, inlined
		p.i = i + 1
		return true
	}
	return p.objBeginSlow()
}

func (p *djFast) objBeginSlow() bool {
	switch p.ws() {
	case '{':
		p.i++
		return true
	case 'n':
		p.lit("null")
	default:
		p.fail()
	}
	return false
}

// member reads the name of the next member and its colon, or the closing
// brace (more false). first is true before the first member.
func (p *djFast) member(first *bool) (name []byte, more bool) {
	c := p.ws()
	if c == '}' && *first {
		p.i++
		return nil, false
	}
	if !*first {
		switch c {
		case '}':
			p.i++
			return nil, false
		case ',':
			p.i++
			c = p.ws()
		default:
			p.fail()
			return nil, false
		}
	}
	*first = false
	if c != '"' {
		p.fail()
		return nil, false
	}
	name, esc := p.str()
	if esc {
		p.fail() // jsontext unescapes names; leave them to it
	}
	if p.bad {
		return nil, false
	}
	if p.ws() != ':' {
		p.fail()
		return nil, false
	}
	p.i++
	p.key, p.keyID = name, djkGeneric
	return name, true
}

// Array modes, as jscan.array takes them: null is empty, a non-array
// value is one element.
const (
	djArrNone = iota
	djArrOpen
	djArrSingle
)

func (p *djFast) arrBegin() int {
	switch p.ws() {
	case '[':
		p.i++
		return djArrOpen
	case 'n':
		p.lit("null")
		return djArrNone
	case 0: // the end of the buffer, or a NUL
		p.fail()
		return djArrNone
	}
	return djArrSingle
}

// arrMore reports whether another element of an open array follows; at
// the ']' it reads it.
func (p *djFast) arrMore(first *bool) bool {
	c := p.ws()
	if c == ']' && *first {
		p.i++
		return false
	}
	if !*first {
		switch c {
		case ']':
			p.i++
			return false
		case ',':
			p.i++
			if p.ws() == ']' {
				p.fail()
				return false
			}
		default:
			p.fail()
			return false
		}
	}
	*first = false
	return !p.bad
}

// arrNext steps an array begun by arrBegin: n is the number of elements
// read so far.
func (p *djFast) arrNext(mode, n int, first *bool) bool {
	// The usual next object, inlined, without arrMore's whitespace.
	if b, i := p.buf, p.i; i+1 < len(b) && b[i] == ',' && b[i+1] == '{' && mode == djArrOpen && !*first && !p.bad {
		p.i = i + 1
		return true
	}
	return p.arrNextSlow(mode, n, first)
}

func (p *djFast) arrNextSlow(mode, n int, first *bool) bool {
	if p.bad {
		return false
	}
	switch mode {
	case djArrOpen:
		return p.arrMore(first)
	case djArrSingle:
		return n == 0
	}
	return false
}

// int reads an integer, a number or a string of digits, as jscan.int.
func (p *djFast) int() int64 {
	// The usual one digit and a comma, inlined.
	if b, i := p.buf, p.i; i+1 < len(b) && b[i]-'0' <= 9 && b[i+1] == ',' {
		p.i = i + 1
		return int64(b[i] - '0')
	}
	return p.intSlow()
}

func (p *djFast) intSlow() int64 {
	c := p.ws()
	if b, i := p.buf, p.i; c >= '1' && c <= '9' {
		// The common case: up to 18 digits, then a byte that does not
		// continue the number.
		var n int64
		j := i
		for j < len(b) && b[j]-'0' <= 9 {
			n = n*10 + int64(b[j]-'0')
			j++
		}
		if j < len(b) && j-i <= 18 && b[j] != '.' && b[j] != 'e' && b[j] != 'E' {
			p.i = j
			return n
		}
	}
	var v []byte
	switch c {
	case '"':
		var esc bool
		v, esc = p.str()
		if esc {
			p.fail()
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		v = p.num()
	default:
		p.fail()
	}
	if p.bad {
		return 0
	}
	n, ok := parseIntBytes(v)
	if !ok {
		p.fail()
	}
	return n
}

// bool reads a boolean as jscan.bool.
func (p *djFast) bool() bool {
	switch c := p.ws(); c {
	case 't':
		p.lit("true")
		return true
	case 'f':
		p.lit("false")
	case 'n':
		p.lit("null")
	case '"':
		v, esc := p.str()
		switch {
		case esc || p.bad:
			p.fail()
		case string(v) == "true":
			return true
		case string(v) != "false":
			p.fail()
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		v := p.num()
		switch {
		case p.bad:
		case string(v) == "1":
			return true
		case string(v) != "0":
			p.fail()
		}
	default:
		p.fail()
	}
	return false
}

// raw reads a string (unescaped), number (its text) or null (empty) into
// dst, as jscan.raw.
func (p *djFast) raw(dst *[]byte) {
	switch c := p.ws(); c {
	case '"':
		v, esc := p.str()
		if esc {
			*dst = unescapeShort((*dst)[:0], v)
		} else {
			*dst = append((*dst)[:0], v...)
		}
	case 'n':
		p.lit("null")
		*dst = (*dst)[:0]
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		*dst = append((*dst)[:0], p.num()...)
	default:
		p.fail()
	}
}

// Dominion writes the members of each object in a fixed order (compact,
// or pretty-printed: whitespace after '{' and ',' is allowed there). Each
// object is read first along that order, for as long as the input
// follows it; the generic loop (member, any name, any order, whitespace)
// then reads the rest, at least the closing brace. A member read either
// way is handled the same, so the result is the same, only slower off
// the usual order. A name equal to a constant without backslashes is
// plain valid JSON, so str's checks are not needed for it. p.key is set
// to each name so read, as member would.

// closes reads the '}' (after any whitespace) that usually follows the
// members read in order, without member's call.
func (p *djFast) closes() bool {
	i := p.i
	if i < len(p.buf) && p.buf[i] != '}' {
		i = p.wsFrom(i)
	}
	if i < len(p.buf) && p.buf[i] == '}' {
		p.i = i + 1
		return true
	}
	return false
}

// nameAt returns the index of the first member's name: p.i, after any
// whitespace (San Francisco's files are pretty-printed).
func (p *djFast) nameAt() int {
	if i := p.i; i < len(p.buf) && p.buf[i] == '"' {
		return i
	}
	return p.wsFrom(p.i)
}

// sep returns the index of the next member's name after the comma at
// p.i and any whitespace, or -1 when p.i holds no comma. Neither moves
// p.i: a member read in order moves it past its name and colon.
func (p *djFast) sep() int {
	if i := p.i; i+1 < len(p.buf) && p.buf[i] == ',' {
		if p.buf[i+1] == '"' {
			return i + 1
		}
		return p.wsFrom(i + 1)
	}
	return -1
}

// wsFrom returns the index of the first byte from i that is not JSON
// whitespace (len(p.buf) if none). It is small enough to be inlined into
// sep and nameAt, which must be inlined themselves: a call per member
// costs about a tenth of the time.
func (p *djFast) wsFrom(i int) int {
	for i < len(p.buf) {
		switch p.buf[i] {
		case ' ', '\n', '\r', '\t':
			i++
		default:
			return i
		}
	}
	return i
}

// roomAt reports whether j >= 0 and n bytes of input follow j.
func (p *djFast) roomAt(j, n int) bool { return j >= 0 && len(p.buf)-j >= n }

// room reports whether n bytes of input follow p.i in the buffer. The
// ordered parts compare each name by a literal written out at its use:
// the compiler compares a slice with a string constant of up to 16 bytes
// inline only when the constant is written in the comparison, not when it
// is passed to a function, and these comparisons are most of the work.
func (p *djFast) room(n int) bool { return len(p.buf)-p.i >= n }

// emptyArray reads "[]".
func (p *djFast) emptyArray() bool {
	if p.room(2) && p.buf[p.i] == '[' && p.buf[p.i+1] == ']' {
		p.i += 2
		return true
	}
	return false
}

// Member names the ordered parts record in p.keyID (a byte to store, where
// p.key is a slice), numbered per object in the order Dominion writes
// them; djKeyNames gives the name of each.
const (
	djkGeneric = 0               // p.key holds the name (member read it)
	djkSession = 1               // TabulatorId ... Modified
	djkSnap    = djkSession + 10 // PrecinctPortionId ... Cards
	djkCard    = djkSnap + 4     // Id ... OutstackConditionIds
	djkContest = djkCard + 5     // Id ... Marks
	djkMark    = djkContest + 6  // CandidateId ... OutstackConditionIds
	djkEnd     = djkMark + 8
)

var djKeyNames = [djkEnd]string{
	"",
	"TabulatorId", "BatchId", "RecordId", "CountingGroupId", "ImageMask", "SessionType", "VotingSessionIdentifier", "UniqueVotingIdentifier", "Original", "Modified",
	"PrecinctPortionId", "BallotTypeId", "IsCurrent", "Cards",
	"Id", "KeyInId", "PaperIndex", "Contests", "OutstackConditionIds",
	"Id", "ManifestationId", "Undervotes", "Overvotes", "OutstackConditionIds", "Marks",
	"CandidateId", "ManifestationId", "PartyId", "Rank", "MarkDensity", "IsAmbiguous", "IsVote", "OutstackConditionIds",
}

// skipNum skips a value that Dominion writes as a small number, and
// leaves anything else (a number cut by the buffer's end included) to
// skip.
func (p *djFast) skipNum() {
	b, i := p.buf, p.i
	if i < len(b) && b[i]-'1' <= 8 {
		j := i + 1
		for j < len(b) && b[j]-'0' <= 9 {
			j++
		}
		if j < len(b) && b[j] != '.' && b[j] != 'e' && b[j] != 'E' {
			p.i = j
			return
		}
	} else if i+1 < len(b) && b[i] == '0' && (b[i+1] == ',' || b[i+1] == '}') {
		p.i = i + 1
		return
	}
	p.skip(0)
}

// boolean reads true or false as bool does, the literals without its
// whitespace skip and switch.
func (p *djFast) boolean() bool {
	if p.room(4) && string(p.buf[p.i:p.i+4]) == `true` {
		p.i += 4
		return true
	}
	if p.room(5) && string(p.buf[p.i:p.i+5]) == `false` {
		p.i += 5
		return false
	}
	return p.bool()
}

// session reads one session into r.s, as djReader.session.
func (p *djFast) session(r *djReader) {
	s := &r.s
	s.snaps[0].present, s.snaps[1].present = false, false
	n := 0
	if i, ok := djSessionHead(p.buf, p.i, s); ok {
		// Compact, in order, up to the ImageMask: as the ordered
		// members below read it.
		p.i = i
		p.keyID = djkSession + 4
		p.mask(s)
		n = 5
	} else {
		s.tab, s.batch, s.rec, s.mask, s.uvi = s.tab[:0], s.batch[:0], s.rec[:0], s.mask[:0], s.uvi[:0]
		s.maskEsc = false
		s.group, s.hasTab, s.hasBatch, s.hasRec = -1, false, false, false
		if !p.objBegin() {
			return
		}
		if j := p.nameAt(); p.roomAt(j, 14) && string(p.buf[j:j+14]) == `"TabulatorId":` {
			p.i = j + 14
			p.keyID = djkSession + 0
			s.hasTab = true
			p.raw(&s.tab)
			n++
		}
		if j := p.sep(); n == 1 && !p.bad && p.roomAt(j, 10) && string(p.buf[j:j+10]) == `"BatchId":` {
			p.i = j + 10
			p.keyID = djkSession + 1
			s.hasBatch = true
			p.raw(&s.batch)
			n++
		}
		if j := p.sep(); n == 2 && !p.bad && p.roomAt(j, 11) && string(p.buf[j:j+11]) == `"RecordId":` {
			p.i = j + 11
			p.keyID = djkSession + 2
			s.hasRec = true
			p.raw(&s.rec)
			n++
		}
		if j := p.sep(); n == 3 && !p.bad && p.roomAt(j, 18) && string(p.buf[j:j+16]) == `"CountingGroupId` && string(p.buf[j+16:j+18]) == `":` {
			p.i = j + 18
			p.keyID = djkSession + 3
			s.group = p.int()
			n++
		}
		if j := p.sep(); n == 4 && !p.bad && p.roomAt(j, 12) && string(p.buf[j:j+12]) == `"ImageMask":` {
			p.i = j + 12
			p.keyID = djkSession + 4
			p.mask(s)
			n++
		}
	}
	if j := p.sep(); n == 5 && !p.bad && p.roomAt(j, 14) && string(p.buf[j:j+14]) == `"SessionType":` {
		p.i = j + 14
		p.keyID = djkSession + 5
		p.skip(0)
		n++
	}
	if j := p.sep(); n == 6 && !p.bad && p.roomAt(j, 26) && string(p.buf[j:j+16]) == `"VotingSessionId` && string(p.buf[j+16:j+26]) == `entifier":` {
		p.i = j + 26
		p.keyID = djkSession + 6
		p.skip(0)
		n++
	}
	if j := p.sep(); n == 7 && !p.bad && p.roomAt(j, 25) && string(p.buf[j:j+16]) == `"UniqueVotingIde` && string(p.buf[j+16:j+25]) == `ntifier":` {
		p.i = j + 25
		p.keyID = djkSession + 7
		p.raw(&s.uvi)
		n++
	}
	if j := p.sep(); n == 8 && !p.bad && p.roomAt(j, 11) && string(p.buf[j:j+11]) == `"Original":` {
		p.i = j + 11
		p.keyID = djkSession + 8
		p.snapshot(r, &s.snaps[0])
		n++
	}
	if j := p.sep(); n == 9 && !p.bad && p.roomAt(j, 11) && string(p.buf[j:j+11]) == `"Modified":` {
		p.i = j + 11
		p.keyID = djkSession + 9
		p.snapshot(r, &s.snaps[1])
		n++
	}
	if p.bad {
		return
	}
	if p.closes() {
		return
	}
	first := n == 0
	for {
		name, more := p.member(&first)
		if !more {
			return
		}
		switch string(name) {
		case "TabulatorId":
			s.hasTab = true
			p.raw(&s.tab)
		case "BatchId":
			s.hasBatch = true
			p.raw(&s.batch)
		case "RecordId":
			s.hasRec = true
			p.raw(&s.rec)
		case "ImageMask":
			p.mask(s)
		case "UniqueVotingIdentifier":
			p.raw(&s.uvi)
		case "CountingGroupId":
			s.group = p.int()
		case "Original":
			p.snapshot(r, &s.snaps[0])
		case "Modified":
			p.snapshot(r, &s.snaps[1])
		default:
			p.skip(0)
		}
		if p.bad {
			return
		}
	}
}

// mask reads the ImageMask as raw does, but a string is kept escaped:
// emit unescapes it only when it needs the record number from it (a
// redacted RecordId).
func (p *djFast) mask(s *djSession) {
	if p.ws() == '"' {
		v, esc := p.str()
		s.mask, s.maskEsc = append(s.mask[:0], v...), esc
		return
	}
	s.maskEsc = false
	p.raw(&s.mask)
}

func (p *djFast) snapshot(r *djReader, sn *djSnap) {
	sn.present, sn.isCurrent, sn.hasIsCurrent = true, false, false
	sn.ballotType, sn.precinct = -1, -1
	sn.cards = sn.cards[:0]
	if !p.objBegin() {
		return
	}
	n := 0
	if j := p.nameAt(); p.roomAt(j, 20) && string(p.buf[j:j+16]) == `"PrecinctPortion` && string(p.buf[j+16:j+20]) == `Id":` {
		p.i = j + 20
		p.keyID = djkSnap + 0
		sn.precinct = p.int()
		n++
	}
	if j := p.sep(); n == 1 && !p.bad && p.roomAt(j, 15) && string(p.buf[j:j+15]) == `"BallotTypeId":` {
		p.i = j + 15
		p.keyID = djkSnap + 1
		sn.ballotType = p.int()
		n++
	}
	if j := p.sep(); n == 2 && !p.bad && p.roomAt(j, 12) && string(p.buf[j:j+12]) == `"IsCurrent":` {
		p.i = j + 12
		p.keyID = djkSnap + 2
		sn.hasIsCurrent = true
		sn.isCurrent = p.boolean()
		n++
	}
	if j := p.sep(); n == 3 && !p.bad && p.roomAt(j, 8) && string(p.buf[j:j+8]) == `"Cards":` {
		p.i = j + 8
		p.keyID = djkSnap + 3
		p.cards(r, sn)
		n++
	}
	if p.bad {
		return
	}
	if p.closes() {
		return
	}
	first := n == 0
	for {
		name, more := p.member(&first)
		if !more {
			return
		}
		switch string(name) {
		case "IsCurrent":
			sn.hasIsCurrent = true
			sn.isCurrent = p.bool()
		case "BallotTypeId":
			sn.ballotType = p.int()
		case "PrecinctPortionId":
			sn.precinct = p.int()
		case "Cards":
			p.cards(r, sn)
		case "Contests": // before about version 5.10 there is no Cards level
			c := djNext(&sn.cards)
			c.contests = c.contests[:0]
			p.contests(r, c)
		default:
			p.skip(0)
		}
		if p.bad {
			return
		}
	}
}

func (p *djFast) cards(r *djReader, sn *djSnap) {
	mode := p.arrBegin()
	afirst := true
	for n := 0; p.arrNext(mode, n, &afirst); n++ {
		c := djNext(&sn.cards)
		c.contests = c.contests[:0]
		if !p.objBegin() {
			continue
		}
		k := 0
		if j := p.nameAt(); p.roomAt(j, 5) && string(p.buf[j:j+5]) == `"Id":` {
			p.i = j + 5
			p.keyID = djkCard + 0
			p.skipNum()
			k++
		}
		if j := p.sep(); k == 1 && !p.bad && p.roomAt(j, 10) && string(p.buf[j:j+10]) == `"KeyInId":` {
			p.i = j + 10
			p.keyID = djkCard + 1
			p.skipNum()
			k++
		}
		if j := p.sep(); k == 2 && !p.bad && p.roomAt(j, 13) && string(p.buf[j:j+13]) == `"PaperIndex":` {
			p.i = j + 13
			p.keyID = djkCard + 2
			p.skipNum()
			k++
		}
		if j := p.sep(); k == 3 && !p.bad && p.roomAt(j, 11) && string(p.buf[j:j+11]) == `"Contests":` {
			p.i = j + 11
			p.keyID = djkCard + 3
			p.contests(r, c)
			k++
		}
		if j := p.sep(); k == 4 && !p.bad && p.roomAt(j, 23) && string(p.buf[j:j+16]) == `"OutstackConditi` && string(p.buf[j+16:j+23]) == `onIds":` {
			p.i = j + 23
			p.keyID = djkCard + 4
			p.skip(0)
			k++
		}
		if p.bad {
			return
		}
		if p.closes() {
			continue
		}
		cfirst := k == 0
		for {
			name, more := p.member(&cfirst)
			if !more {
				break
			}
			if string(name) == "Contests" {
				p.contests(r, c)
			} else {
				p.skip(0)
			}
			if p.bad {
				return
			}
		}
	}
}

func (p *djFast) contests(r *djReader, c *djCard) {
	mode := p.arrBegin()
	first := true
	for n := 0; p.arrNext(mode, n, &first); n++ {
		ct := djNext(&c.contests)
		*ct = djContest{id: -1, marks: ct.marks[:0]}
		k := 0
		if i, ok := djContestHead(p.buf, p.i, r.invalid, ct); ok {
			// Compact, in order, up to the Marks: as the ordered
			// members below read it.
			p.i = i
			p.keyID = djkContest + 5
			p.marks(ct)
			k = 6
		} else {
			*ct = djContest{id: -1, marks: ct.marks[:0]}
			if !p.objBegin() {
				continue
			}
			if j := p.nameAt(); p.roomAt(j, 5) && string(p.buf[j:j+5]) == `"Id":` {
				p.i = j + 5
				p.keyID = djkContest + 0
				ct.id = p.int()
				k++
			}
			if j := p.sep(); k == 1 && !p.bad && p.roomAt(j, 18) && string(p.buf[j:j+16]) == `"ManifestationId` && string(p.buf[j+16:j+18]) == `":` {
				p.i = j + 18
				p.keyID = djkContest + 1
				p.skipNum()
				k++
			}
			if j := p.sep(); k == 2 && !p.bad && p.roomAt(j, 13) && string(p.buf[j:j+13]) == `"Undervotes":` {
				p.i = j + 13
				p.keyID = djkContest + 2
				ct.undervote = p.int()
				k++
			}
			if j := p.sep(); k == 3 && !p.bad && p.roomAt(j, 12) && string(p.buf[j:j+12]) == `"Overvotes":` {
				p.i = j + 12
				p.keyID = djkContest + 3
				ct.overvotes = p.int()
				k++
			}
			if j := p.sep(); k == 4 && !p.bad && p.roomAt(j, 23) && string(p.buf[j:j+16]) == `"OutstackConditi` && string(p.buf[j+16:j+23]) == `onIds":` {
				p.i = j + 23
				p.keyID = djkContest + 4
				p.outstack(r, ct)
				k++
			}
			if j := p.sep(); k == 5 && !p.bad && p.roomAt(j, 8) && string(p.buf[j:j+8]) == `"Marks":` {
				p.i = j + 8
				p.keyID = djkContest + 5
				p.marks(ct)
				k++
			}
		}
		if p.bad {
			return
		}
		if p.closes() {
			continue
		}
		ofirst := k == 0
		for {
			name, more := p.member(&ofirst)
			if !more {
				break
			}
			switch string(name) {
			case "Id":
				ct.id = p.int()
			case "Overvotes":
				ct.overvotes = p.int()
			case "Undervotes":
				ct.undervote = p.int()
			case "OutstackConditionIds":
				p.outstack(r, ct)
			case "Marks":
				p.marks(ct)
			default:
				p.skip(0)
			}
			if p.bad {
				return
			}
		}
	}
}

func (p *djFast) outstack(r *djReader, ct *djContest) {
	if p.room(2) && string(p.buf[p.i:p.i+2]) == `[]` {
		p.i += 2
		return
	}
	mode := p.arrBegin()
	first := true
	for n := 0; p.arrNext(mode, n, &first); n++ {
		if p.int() == r.invalid {
			ct.invalid = true
		}
	}
}

func (p *djFast) marks(ct *djContest) {
	mode, first, n := djArrOpen, true, 0
	if b, i := p.buf, p.i; i+1 < len(b) && b[i] == '[' {
		// The compact lane: marks as djMarkFast reads them, then the
		// general loop from the first it does not read (at its ',').
		if b[i+1] == ']' {
			p.i = i + 2
			return
		}
		at := i + 1 // after '[' or after the last mark read
		for i++; ; i++ {
			m := djNext(&ct.marks)
			j, ok := djMarkFast(b, i, m)
			if !ok {
				ct.marks = ct.marks[:len(ct.marks)-1]
				break
			}
			n, first, at = n+1, false, j
			p.keyID = djkMark + 7
			if i = j; i < len(b) && b[i] == ',' {
				continue
			}
			if i < len(b) && b[i] == ']' {
				p.i = i + 1
				return
			}
			break
		}
		p.i = at
	} else {
		mode = p.arrBegin()
	}
	for ; p.arrNext(mode, n, &first); n++ {
		m := djNext(&ct.marks)
		*m = djMark{rank: 1}
		if !p.objBegin() {
			continue
		}
		k := 0
		if j := p.nameAt(); p.roomAt(j, 14) && string(p.buf[j:j+14]) == `"CandidateId":` {
			p.i = j + 14
			p.keyID = djkMark + 0
			m.cand = p.int()
			m.hasCand = true
			k++
		}
		if j := p.sep(); k == 1 && !p.bad && p.roomAt(j, 18) && string(p.buf[j:j+16]) == `"ManifestationId` && string(p.buf[j+16:j+18]) == `":` {
			p.i = j + 18
			p.keyID = djkMark + 1
			p.skipNum()
			k++
		}
		if j := p.sep(); k == 2 && !p.bad && p.roomAt(j, 10) && string(p.buf[j:j+10]) == `"PartyId":` {
			p.i = j + 10
			p.keyID = djkMark + 2
			p.skipNum()
			k++
		}
		if j := p.sep(); k == 3 && !p.bad && p.roomAt(j, 7) && string(p.buf[j:j+7]) == `"Rank":` {
			p.i = j + 7
			p.keyID = djkMark + 3
			m.rank = p.int()
			k++
		}
		if j := p.sep(); k == 4 && !p.bad && p.roomAt(j, 14) && string(p.buf[j:j+14]) == `"MarkDensity":` {
			p.i = j + 14
			p.keyID = djkMark + 4
			p.skipNum()
			k++
		}
		if j := p.sep(); k == 5 && !p.bad && p.roomAt(j, 14) && string(p.buf[j:j+14]) == `"IsAmbiguous":` {
			p.i = j + 14
			p.keyID = djkMark + 5
			m.isAmbiguous = p.boolean()
			k++
		}
		if j := p.sep(); k == 6 && !p.bad && p.roomAt(j, 9) && string(p.buf[j:j+9]) == `"IsVote":` {
			p.i = j + 9
			p.keyID = djkMark + 6
			m.isVote = p.boolean()
			k++
		}
		if j := p.sep(); k == 7 && !p.bad && p.roomAt(j, 23) && string(p.buf[j:j+16]) == `"OutstackConditi` && string(p.buf[j+16:j+23]) == `onIds":` {
			p.i = j + 23
			p.keyID = djkMark + 7
			if !p.emptyArray() {
				p.skip(0)
			}
			k++
		}
		if p.bad {
			return
		}
		if p.closes() {
			continue
		}
		mfirst := k == 0
		for {
			name, more := p.member(&mfirst)
			if !more {
				break
			}
			switch string(name) {
			case "CandidateId":
				m.cand = p.int()
				m.hasCand = true
			case "Rank":
				m.rank = p.int()
			case "IsVote":
				m.isVote = p.bool()
			case "IsAmbiguous":
				m.isAmbiguous = p.bool()
			default:
				p.skip(0)
			}
			if p.bad {
				return
			}
		}
	}
}

// The compact lanes read the usual objects as Dominion writes them
// without whitespace, in its order, with the values it writes (numbers as
// digits, the literals true and false), from local indices into the
// buffer; on anything else they report false and the ordered code reads
// the object (it reads what they read the same way). Each member's name is
// compared together with the separator before it and the number before
// that ends where a non-digit is: that byte must be the separator.

// djDigits reads a non-negative integer as JSON writes it ("0", or up to
// 18 digits not starting with 0) at b[i:], and returns it and the index
// after it. The caller checks that the byte there ends the number.
func djDigits(b []byte, i int) (n int64, end int, ok bool) {
	if i >= len(b) || b[i]-'0' > 9 {
		return 0, i, false
	}
	if b[i] == '0' {
		return 0, i + 1, true
	}
	for end = i; end < len(b) && b[end]-'0' <= 9; end++ {
		n = n*10 + int64(b[end]-'0')
	}
	return n, end, end-i <= 18
}

// djBool reads true or false at b[i:].
func djBool(b []byte, i int) (v bool, end int, ok bool) {
	if len(b)-i >= 5 {
		switch string(b[i : i+4]) {
		case "true":
			return true, i + 4, true
		case "fals":
			return false, i + 5, b[i+4] == 'e'
		}
	}
	return false, i, false
}

// djIntList reads an array of such integers at b[i:] ('[' there) and
// reports whether one equals x.
func djIntList(b []byte, i int, x int64) (has bool, end int, ok bool) {
	if i+1 >= len(b) || b[i] != '[' {
		return false, i, false
	}
	if b[i+1] == ']' {
		return false, i + 2, true
	}
	for i++; ; i++ {
		n, j, ok := djDigits(b, i)
		if !ok || j >= len(b) {
			return false, i, false
		}
		has = has || n == x
		switch i = j; b[i] {
		case ']':
			return has, i + 1, true
		case ',':
		default:
			return false, i, false
		}
	}
}

// djSessionHead reads a session's '{' and members up to and with the
// name "ImageMask" and its colon, into s (which it resets); it returns
// the index after them.
func djSessionHead(b []byte, i int, s *djSession) (int, bool) {
	s.tab, s.batch, s.rec, s.mask, s.uvi = s.tab[:0], s.batch[:0], s.rec[:0], s.mask[:0], s.uvi[:0]
	s.maskEsc = false
	s.group, s.hasTab, s.hasBatch, s.hasRec = -1, false, false, false
	var ok bool
	if len(b)-i < 15 || string(b[i:i+15]) != `{"TabulatorId":` {
		return i, false
	}
	j := i + 15
	if _, i, ok = djDigits(b, j); !ok || len(b)-i < 11 || string(b[i:i+11]) != `,"BatchId":` {
		return i, false
	}
	s.tab, s.hasTab, j = append(s.tab, b[j:i]...), true, i+11
	if _, i, ok = djDigits(b, j); !ok || len(b)-i < 12 || string(b[i:i+12]) != `,"RecordId":` {
		return i, false
	}
	s.batch, s.hasBatch, j = append(s.batch, b[j:i]...), true, i+12
	if _, i, ok = djDigits(b, j); !ok || len(b)-i < 19 || string(b[i:i+16]) != `,"CountingGroupI` || string(b[i+16:i+19]) != `d":` {
		return i, false
	}
	s.rec, s.hasRec = append(s.rec, b[j:i]...), true
	if s.group, i, ok = djDigits(b, i+19); !ok || len(b)-i < 13 || string(b[i:i+13]) != `,"ImageMask":` {
		return i, false
	}
	return i + 13, true
}

// djContestHead reads a contest's '{' and members up to and with the name
// "Marks" and its colon, into ct; it returns the index after them.
func djContestHead(b []byte, i int, invalid int64, ct *djContest) (int, bool) {
	var ok bool
	if len(b)-i < 6 || string(b[i:i+6]) != `{"Id":` {
		return i, false
	}
	if ct.id, i, ok = djDigits(b, i+6); !ok || len(b)-i < 19 || string(b[i:i+16]) != `,"ManifestationI` || string(b[i+16:i+19]) != `d":` {
		return i, false
	}
	if _, i, ok = djDigits(b, i+19); !ok || len(b)-i < 14 || string(b[i:i+14]) != `,"Undervotes":` {
		return i, false
	}
	if ct.undervote, i, ok = djDigits(b, i+14); !ok || len(b)-i < 13 || string(b[i:i+13]) != `,"Overvotes":` {
		return i, false
	}
	if ct.overvotes, i, ok = djDigits(b, i+13); !ok || len(b)-i < 24 || string(b[i:i+16]) != `,"OutstackCondit` || string(b[i+16:i+24]) != `ionIds":` {
		return i, false
	}
	if ct.invalid, i, ok = djIntList(b, i+24, invalid); !ok || len(b)-i < 9 || string(b[i:i+9]) != `,"Marks":` {
		return i, false
	}
	return i + 9, true
}

// djMarkFast reads a mark, its '{' to its '}', into m; it returns the
// index after it.
func djMarkFast(b []byte, i int, m *djMark) (int, bool) {
	var cand, rank int64
	var amb, vote, ok bool
	if len(b)-i < 15 || string(b[i:i+15]) != `{"CandidateId":` {
		return i, false
	}
	if cand, i, ok = djDigits(b, i+15); !ok || len(b)-i < 19 || string(b[i:i+16]) != `,"ManifestationI` || string(b[i+16:i+19]) != `d":` {
		return i, false
	}
	if _, i, ok = djDigits(b, i+19); !ok || len(b)-i < 11 || string(b[i:i+11]) != `,"PartyId":` {
		return i, false
	}
	if _, i, ok = djDigits(b, i+11); !ok || len(b)-i < 8 || string(b[i:i+8]) != `,"Rank":` {
		return i, false
	}
	if rank, i, ok = djDigits(b, i+8); !ok || len(b)-i < 15 || string(b[i:i+15]) != `,"MarkDensity":` {
		return i, false
	}
	if _, i, ok = djDigits(b, i+15); !ok || len(b)-i < 15 || string(b[i:i+15]) != `,"IsAmbiguous":` {
		return i, false
	}
	if amb, i, ok = djBool(b, i+15); !ok || len(b)-i < 10 || string(b[i:i+10]) != `,"IsVote":` {
		return i, false
	}
	if vote, i, ok = djBool(b, i+10); !ok || len(b)-i < 24 || string(b[i:i+16]) != `,"OutstackCondit` || string(b[i+16:i+24]) != `ionIds":` {
		return i, false
	}
	if _, i, ok = djIntList(b, i+24, -1); !ok || i >= len(b) || b[i] != '}' {
		return i, false
	}
	*m = djMark{cand: cand, rank: rank, isVote: vote, isAmbiguous: amb, hasCand: true}
	return i + 1, true
}

// refill keeps buf[keep:], moved to the front, and reads more input; it
// reports whether any was read. Positions in buf move down by keep.
func (p *djFast) refill(keep int) bool {
	n := copy(p.buf, p.buf[keep:])
	p.buf = p.buf[:n]
	p.off += int64(keep)
	p.i -= keep
	if p.eof {
		return false
	}
	if 4*n >= 3*cap(p.buf) { // a session larger than 3/4 of the buffer
		p.buf = append(make([]byte, 0, max(2*cap(p.buf), 512)), p.buf...)
	}
	for {
		m, err := p.src.Read(p.buf[n:cap(p.buf)])
		p.buf = p.buf[:n+m]
		if err != nil {
			p.eof = true
			if err != io.EOF {
				p.rerr = err
			}
		}
		if m > 0 || p.eof {
			return m > 0
		}
	}
}

// fastSessions reads the Sessions array (the decoder's next token is its
// '['), emitting each session; it returns as elem does, with the rest of
// the array read by jsontext when the scanner stops.
func (r *djReader) fastSessions(j *jscan, src io.Reader, yield func(Card, error) bool, nSessions *int, stop *bool, elem func() error) error {
	if _, err := j.d.ReadToken(); err != nil {
		return j.wrap(err)
	}
	p := &r.fast
	if cap(p.buf) < djFastBuf {
		p.buf = make([]byte, 0, djFastBuf)
	}
	*p = djFast{src: src, buf: append(p.buf[:0], j.d.UnreadBuffer()...), off: j.d.InputOffset()}
	k := 0 // sessions read
	atStart := true
	for {
		// At the start of an element (after '[' or ','), or after one;
		// pos is there, before any whitespace, for jsontext's offsets.
		pos := p.i
		p.bad, p.hitEnd = false, false
		c := p.ws()
		for p.hitEnd {
			ok := p.refill(pos) // positions move down by pos
			pos = 0
			if !ok {
				break
			}
			p.bad, p.hitEnd = false, false
			c = p.ws()
		}
		if !atStart {
			if c == ']' && p.cleanEnd(&pos) {
				// Nothing can go wrong after this: a decoder of an
				// equivalent ending stands in for jsontext.
				d := jsontext.NewDecoder(strings.NewReader(`{"Sessions":[]}`))
				for range 3 {
					d.ReadToken()
				}
				j.d = d
				return j.arrayRest(elem)
			}
			if c != ',' {
				return r.handBack(j, k, false, pos, elem)
			}
			p.i++
			atStart = true
			continue
		}
		if c != '{' {
			return r.handBack(j, k, true, pos, elem)
		}
		for {
			start := p.i
			p.session(r)
			if !p.bad {
				break
			}
			if !p.hitEnd {
				return r.handBack(j, k, true, pos, elem)
			}
			ok := p.refill(pos)
			p.i, p.bad, p.hitEnd = start-pos, false, false
			pos = 0
			if !ok {
				return r.handBack(j, k, true, 0, elem)
			}
		}
		if r.lastKeyID = p.keyID; p.keyID == djkGeneric {
			r.lastKey = append(r.lastKey[:0], p.key...) // buf may move
		}
		*nSessions++
		r.where, r.sessIdx = "", k
		k++
		atStart = false
		if !r.emit(j.file, yield) {
			*stop = true
			return errStop
		}
	}
}

// cleanEnd reports whether the input from p.i (a ']') to its end is "]}"
// with whitespace only; it keeps buf[*pos:] (moved to the front, *pos
// then 0) whatever it reads.
func (p *djFast) cleanEnd(pos *int) bool {
	i := p.i + 1
	closed := false
	for {
		for ; i < len(p.buf); i++ {
			switch c := p.buf[i]; {
			case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			case c == '}' && !closed:
				closed = true
			default:
				return false
			}
		}
		if p.rerr != nil {
			return false
		}
		i -= *pos
		ok := p.refill(*pos)
		*pos = 0
		if !ok {
			return closed && p.rerr == nil
		}
	}
}

// handBack makes j read on with a new decoder positioned as the scanner is
// at buf[pos]: k elements of the Sessions array read, and at the start of
// the next (after '[' or ',') when atStart.
func (r *djReader) handBack(j *jscan, k int, atStart bool, pos int, elem func() error) error {
	p := &r.fast
	offset := p.off + int64(pos)
	pre := &djPrefix{k: k, comma: atStart && k > 0}
	minLen := int64(len(`{"Sessions":[`) + 2*k)
	if !pre.comma && k > 0 {
		minLen--
	}
	if pad := offset - minLen; pad > 0 {
		pre.pad, pre.extra = pad/int64(k+1), pad%int64(k+1)
	}
	rest := []io.Reader{pre, bytes.NewReader(p.buf[pos:])}
	switch {
	case p.rerr != nil:
		rest = append(rest, djErrReader{p.rerr})
	case !p.eof:
		rest = append(rest, p.src)
	}
	d := jsontext.NewDecoder(io.MultiReader(rest...), jsontext.AllowDuplicateNames(true))
	for range 3 { // {"Sessions":[
		if _, err := d.ReadToken(); err != nil {
			return j.wrap(err)
		}
	}
	for range k {
		if err := d.SkipValue(); err != nil {
			return j.wrap(err)
		}
	}
	// d reads the rest of buf; readFile reads no more with the scanner,
	// so buf is next written by the next file's, after d is done.
	*p = djFast{buf: p.buf[:0]}
	j.d = d
	if k > 0 { // jsontext reading sessions 0..k-1 would leave j.key so
		if r.lastKeyID == djkGeneric {
			j.key = append(j.key[:0], r.lastKey...)
		} else {
			j.key = append(j.key[:0], djKeyNames[r.lastKeyID]...)
		}
	}
	return j.arrayRest(elem)
}

var djSpaces = bytes.Repeat([]byte{' '}, 4096)

type djErrReader struct{ err error }

func (e djErrReader) Read([]byte) (int, error) { return 0, e.err }

// djPrefix generates `{"Sessions":[0,0,...` with k elements (and a comma
// after the last when comma), padded with whitespace spread over the k+1
// gaps (pad each, one more in the first extra gaps) so that it is as long
// as the input it stands for.
type djPrefix struct {
	k           int
	comma       bool
	pad, extra  int64
	gap         int   // gaps (and pieces) made so far
	spaces, cur int64 // spaces still to give in the current piece
	tail        string
}

func (g *djPrefix) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if g.spaces == 0 && g.tail == "" {
			if g.gap > g.k {
				break
			}
			g.spaces = g.pad
			if int64(g.gap) < g.extra {
				g.spaces++
			}
			switch {
			case g.gap == 0:
				// '{', the gap, then the name: written as head+spaces+tail.
				b[n] = '{'
				n++
				g.tail = `"Sessions":[`
			case g.gap < g.k || g.comma:
				g.tail = "0,"
			default:
				g.tail = "0"
			}
			g.gap++
			continue
		}
		for g.spaces > 0 && n < len(b) {
			c := copy(b[n:min(len(b), n+int(min(g.spaces, 1<<20)))], djSpaces)
			n += c
			g.spaces -= int64(c)
		}
		if g.spaces == 0 {
			c := copy(b[n:], g.tail)
			n += c
			g.tail = g.tail[c:]
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
