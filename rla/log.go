package rla

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The audit log is the audit's memory: every step (commitment of inputs,
// seed, draw, entry of interpretations, hand count, decision) is one entry,
// appended and never changed. Each entry is a file of its own in the log
// directory, named by its sequence number and kind and written atomically,
// so a crash leaves either the whole entry or none of it. Each entry carries
// the SHA-256 of the previous entry's file, so changing, removing or
// reordering any entry breaks the chain; publishing the head (the last
// entry's hash) in the audit report pins the whole history.

// Entry is one step recorded in the audit log.
type Entry struct {
	// Seq numbers the entries from 1.
	Seq int `json:"seq"`
	// Kind names the step ("commit", "seed", "draw", "record", ...).
	Kind string `json:"kind"`
	// Time is when the step was recorded (UTC).
	Time time.Time `json:"time"`
	// By is who recorded it, as given by the operator.
	By string `json:"by,omitempty"`
	// Prev is the hex SHA-256 of the previous entry's file; empty for the
	// first entry.
	Prev string `json:"prev"`
	// Data is the step's content, a JSON object whose shape depends on Kind.
	Data json.RawMessage `json:"data"`
}

// Log is an audit log in a directory.
type Log struct {
	dir     string
	entries []Entry
	hashes  []string // hashes[i] is the SHA-256 of entry i's file
	now     func() time.Time
}

// ErrTampered is wrapped by the errors of a log whose chain is broken.
var ErrTampered = errors.New("audit log altered")

var entryName = regexp.MustCompile(`^(\d{6})-([a-z-]+)\.json$`)

// OpenLog opens (creating if need be) the audit log in dir and checks its
// chain. Temporary files a crash left behind are removed.
func OpenLog(dir string) (*Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rla: %w", err)
	}
	l := &Log{dir: dir, now: func() time.Time { return time.Now().UTC() }}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rla: %w", err)
	}
	var files []string
	for _, n := range names {
		switch {
		case strings.HasPrefix(n.Name(), tempPrefix):
			// An entry that was being written when the program stopped:
			// it was never part of the log.
			if err := os.Remove(filepath.Join(dir, n.Name())); err != nil {
				return nil, fmt.Errorf("rla: removing unfinished %s: %w", n.Name(), err)
			}
		case entryName.MatchString(n.Name()):
			files = append(files, n.Name())
		default:
			return nil, fmt.Errorf("rla: audit log %s: %w: unexpected file %q", dir, ErrTampered, n.Name())
		}
	}
	sort.Strings(files)
	for i, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("rla: %w", err)
		}
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("rla: audit log entry %s: %w: %v", name, ErrTampered, err)
		}
		m := entryName.FindStringSubmatch(name)
		seq, _ := strconv.Atoi(m[1])
		prev := ""
		if i > 0 {
			prev = l.hashes[i-1]
		}
		switch {
		case seq != i+1 || e.Seq != seq:
			return nil, fmt.Errorf("rla: audit log entry %s: %w: expected entry %d", name, ErrTampered, i+1)
		case e.Kind != m[2]:
			return nil, fmt.Errorf("rla: audit log entry %s: %w: kind %q in a %q file", name, ErrTampered, e.Kind, m[2])
		case e.Prev != prev:
			return nil, fmt.Errorf("rla: audit log entry %s: %w: it does not follow entry %d (hash chain broken)", name, ErrTampered, i)
		}
		sum := sha256.Sum256(b)
		l.entries = append(l.entries, e)
		l.hashes = append(l.hashes, hex.EncodeToString(sum[:]))
	}
	return l, nil
}

// Entries returns the log's entries in order. The caller must not modify
// them.
func (l *Log) Entries() []Entry { return l.entries }

// Head returns the SHA-256 of the last entry, which pins the whole log, or
// "" for an empty log.
func (l *Log) Head() string {
	if len(l.hashes) == 0 {
		return ""
	}
	return l.hashes[len(l.hashes)-1]
}

// Append records a step: data is encoded as JSON into a new entry that
// follows the current last one. It returns the entry written.
func (l *Log) Append(kind, by string, data any) (Entry, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Entry{}, fmt.Errorf("rla: encoding %s entry: %w", kind, err)
	}
	e := Entry{Seq: len(l.entries) + 1, Kind: kind, Time: l.now(), By: by, Prev: l.Head(), Data: raw}
	b, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		return Entry{}, fmt.Errorf("rla: encoding %s entry: %w", kind, err)
	}
	b = append(b, '\n')
	name := filepath.Join(l.dir, fmt.Sprintf("%06d-%s.json", e.Seq, kind))
	if !entryName.MatchString(filepath.Base(name)) {
		return Entry{}, fmt.Errorf("rla: bad entry kind %q", kind)
	}
	if err := writeFileAtomic(name, b, 0o444); err != nil {
		return Entry{}, err
	}
	sum := sha256.Sum256(b)
	l.entries = append(l.entries, e)
	l.hashes = append(l.hashes, hex.EncodeToString(sum[:]))
	return e, nil
}
