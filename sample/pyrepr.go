package sample

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Consistent sampling hashes Python's str() of each card id, and Arlo's ids
// are tuples, whose str() is built from the repr() of their elements. These
// functions write exactly what CPython 3 writes.

// appendPyRepr appends Python 3's repr() of the string s: single quotes
// unless s contains a single quote and no double quote; backslash, the
// chosen quote, tab, newline and carriage return escaped; other control
// characters and non-printable characters as \xNN, \uNNNN or \UNNNNNNNN;
// printable non-ASCII characters kept as they are. Printability follows
// Go's unicode.IsPrint, which has the same definition as Python's
// str.isprintable (letters, marks, numbers, punctuation, symbols and the
// ASCII space) but may differ for characters assigned in a newer Unicode
// version than the Python that made a selection. Invalid UTF-8 bytes are
// written as U+FFFD (a Python str cannot hold them; manifests are decoded
// to valid UTF-8 before selection).
func appendPyRepr(b []byte, s string) []byte {
	quote := byte('\'')
	if containsByte(s, '\'') && !containsByte(s, '"') {
		quote = '"'
	}
	b = append(b, quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < ' ' || r == 0x7f:
			b = appendHexEscape(b, 'x', r, 2)
		case r < 0x7f:
			b = append(b, byte(r))
		case unicode.IsPrint(r):
			b = utf8.AppendRune(b, r)
		case r <= 0xff:
			b = appendHexEscape(b, 'x', r, 2)
		case r <= 0xffff:
			b = appendHexEscape(b, 'u', r, 4)
		default:
			b = appendHexEscape(b, 'U', r, 8)
		}
	}
	return append(b, quote)
}

func appendHexEscape(b []byte, kind byte, r rune, width int) []byte {
	b = append(b, '\\', kind)
	h := strconv.FormatInt(int64(r), 16)
	for i := len(h); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, h...)
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// appendBatchIDPrefix appends the part of a card's id string that precedes
// its position: "((jurisdiction, tabulator, batch), " in Arlo's production
// form, with an empty tabulator written as None, or "(batch, " otherwise.
// Appending the position and ")" completes the id.
func appendBatchIDPrefix(b []byte, bt Batch, jurisdictions bool) []byte {
	b = append(b, '(')
	if jurisdictions {
		b = append(b, '(')
		b = appendPyRepr(b, bt.Jurisdiction)
		b = append(b, ", "...)
		if bt.Tabulator == "" {
			b = append(b, "None"...)
		} else {
			b = appendPyRepr(b, bt.Tabulator)
		}
		b = append(b, ", "...)
		b = appendPyRepr(b, bt.Name)
		b = append(b, "), "...)
		return b
	}
	b = appendPyRepr(b, bt.Name)
	return append(b, ", "...)
}

// AppendCardID appends CardID(bt, position, jurisdictions) to b.
func AppendCardID(b []byte, bt Batch, position int, jurisdictions bool) []byte {
	b = appendBatchIDPrefix(b, bt, jurisdictions)
	b = strconv.AppendInt(b, int64(position), 10)
	return append(b, ')')
}

// CardID returns the id string that consistent sampling hashes for the card
// at the given position of batch bt: Python's str() of
// ((jurisdiction, tabulator or None, batch), position) when jurisdictions is
// set, and of (batch, position) otherwise. For example
// (('J1', None, 'Batch 1'), 17).
func CardID(bt Batch, position int, jurisdictions bool) string {
	return string(AppendCardID(nil, bt, position, jurisdictions))
}
