package cvr

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// jscan walks a JSON stream token by token with jsontext, so that a
// multi-gigabyte export is never held in memory, and names the JSON path
// of every error.
type jscan struct {
	d    *jsontext.Decoder
	file string
	key  []byte // unquoted name of the member being read, for messages
}

func newJscan(file string, r io.Reader) *jscan {
	// Dominion and NIST files hold unique names; allowing duplicates skips
	// the bookkeeping that checking them costs on every object.
	return &jscan{d: jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true)), file: file}
}

// errorf reports an error at the current JSON path.
func (j *jscan) errorf(format string, args ...any) error {
	p := j.d.StackPointer()
	if p == "" {
		p = "/"
	}
	return fmt.Errorf("cvr: %s %s: %s", j.file, p, fmt.Sprintf(format, args...))
}

// wrap turns a jsontext error into one naming the file and path.
func (j *jscan) wrap(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return fmt.Errorf("cvr: %s %s: %w", j.file, se.JSONPointer, err)
	}
	return j.errorf("%v", err)
}

// object reads an object, calling member with each (unquoted) name; member
// must consume the value. A JSON null is taken as an empty object.
func (j *jscan) object(member func(name []byte) error) error {
	switch k := j.d.PeekKind(); k {
	case 'n':
		_, err := j.d.ReadValue()
		return j.wrapIf(err)
	case '{':
	default:
		if k == 0 {
			_, err := j.d.ReadToken()
			return j.wrap(err)
		}
		return j.errorf("%s: want an object, have %v", j.keyName(), k)
	}
	if _, err := j.d.ReadToken(); err != nil {
		return j.wrap(err)
	}
	for j.d.PeekKind() != '}' {
		v, err := j.d.ReadValue()
		if err != nil {
			return j.wrap(err)
		}
		name := v[1 : len(v)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			u, err := jsontext.AppendUnquote(nil, v)
			if err != nil {
				return j.wrap(err)
			}
			name = u
		}
		j.key = append(j.key[:0], name...)
		if err := member(j.key); err != nil {
			return err
		}
	}
	_, err := j.d.ReadToken()
	return j.wrapIf(err)
}

// array reads an array, calling elem for each element; elem must consume
// it. A JSON null is an empty array, and a single non-array value is taken
// as a one-element array (NIST JSON writes single values so).
func (j *jscan) array(elem func() error) error {
	switch j.d.PeekKind() {
	case 'n':
		_, err := j.d.ReadValue()
		return j.wrapIf(err)
	case '[':
	case 0:
		_, err := j.d.ReadToken()
		return j.wrap(err)
	default:
		return elem()
	}
	if _, err := j.d.ReadToken(); err != nil {
		return j.wrap(err)
	}
	for j.d.PeekKind() != ']' {
		if j.d.PeekKind() == 0 {
			_, err := j.d.ReadToken()
			return j.wrap(err)
		}
		if err := elem(); err != nil {
			return err
		}
	}
	_, err := j.d.ReadToken()
	return j.wrapIf(err)
}

func (j *jscan) wrapIf(err error) error {
	if err != nil {
		return j.wrap(err)
	}
	return nil
}

func (j *jscan) keyName() string {
	if len(j.key) == 0 {
		return "value"
	}
	return fmt.Sprintf("field %q", j.key)
}

// skip consumes one value.
func (j *jscan) skip() error { return j.wrapIf(j.d.SkipValue()) }

// int reads an integer written as a number or as a string of digits.
func (j *jscan) int() (int64, error) {
	v, err := j.d.ReadValue()
	if err != nil {
		return 0, j.wrap(err)
	}
	b := []byte(v)
	if len(b) > 0 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	n, ok := parseIntBytes(b)
	if !ok {
		return 0, j.errorf("%s: want an integer, have %s", j.keyName(), truncate(v))
	}
	return n, nil
}

// raw reads a string or number and returns its text (unquoted), valid
// until the next read; null gives nil.
func (j *jscan) raw() ([]byte, error) {
	v, err := j.d.ReadValue()
	if err != nil {
		return nil, j.wrap(err)
	}
	switch v.Kind() {
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return v[1 : len(v)-1], nil
		}
		return jsontext.AppendUnquote(nil, v)
	case '0':
		return v, nil
	case 'n':
		return nil, nil
	}
	return nil, j.errorf("%s: want a string or number, have %s", j.keyName(), truncate(v))
}

// bool reads true or false (or the strings "true"/"false").
func (j *jscan) bool() (bool, error) {
	v, err := j.d.ReadValue()
	if err != nil {
		return false, j.wrap(err)
	}
	switch string(v) {
	case "true", `"true"`, "1":
		return true, nil
	case "false", `"false"`, "0", "null":
		return false, nil
	}
	return false, j.errorf("%s: want true or false, have %s", j.keyName(), truncate(v))
}

func truncate(v []byte) string {
	if len(v) > 40 {
		return string(v[:40]) + "..."
	}
	return string(v)
}

// parseIntBytes parses an optionally signed decimal integer without allocating.
func parseIntBytes(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// arrayRest finishes an array whose '[' and first elements were read: it
// calls elem for each further element and reads the ']', as array does.
func (j *jscan) arrayRest(elem func() error) error {
	for j.d.PeekKind() != ']' {
		if j.d.PeekKind() == 0 {
			_, err := j.d.ReadToken()
			return j.wrap(err)
		}
		if err := elem(); err != nil {
			return err
		}
	}
	_, err := j.d.ReadToken()
	return j.wrapIf(err)
}
