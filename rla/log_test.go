package rla

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func fixedClock(l *Log) {
	t := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	l.now = func() time.Time { t = t.Add(time.Minute); return t }
}

func TestLogChain(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	fixedClock(l)
	for i, kind := range []string{"commit", "seed", "draw"} {
		e, err := l.Append(kind, "Ada Clerk", map[string]int{"step": i})
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != i+1 || e.By != "Ada Clerk" {
			t.Errorf("entry %+v", e)
		}
	}
	head := l.Head()
	again, err := OpenLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Head() != head || len(again.Entries()) != 3 || again.Entries()[1].Kind != "seed" {
		t.Errorf("reopened log differs: %s vs %s, %d entries", again.Head(), head, len(again.Entries()))
	}
	if again.Entries()[2].Prev == "" || again.Entries()[0].Prev != "" {
		t.Error("chain links missing")
	}
}

func TestLogDetectsTampering(t *testing.T) {
	build := func(t *testing.T) string {
		dir := t.TempDir()
		l, _ := OpenLog(dir)
		fixedClock(l)
		for _, kind := range []string{"commit", "seed", "draw"} {
			if _, err := l.Append(kind, "x", map[string]string{"k": "v"}); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tamper := map[string]func(dir string) error{
		"one byte changed": func(dir string) error {
			p := filepath.Join(dir, "000002-seed.json")
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 1
			os.Chmod(p, 0o644)
			return os.WriteFile(p, b, 0o644)
		},
		"entry removed": func(dir string) error { return os.Remove(filepath.Join(dir, "000002-seed.json")) },
		"entry renamed": func(dir string) error {
			return os.Rename(filepath.Join(dir, "000003-draw.json"), filepath.Join(dir, "000003-seed.json"))
		},
		"foreign file": func(dir string) error { return os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o644) },
		"entries swapped": func(dir string) error {
			a, b := filepath.Join(dir, "000001-commit.json"), filepath.Join(dir, "000002-seed.json")
			ba, _ := os.ReadFile(a)
			bb, _ := os.ReadFile(b)
			os.Chmod(a, 0o644)
			os.Chmod(b, 0o644)
			os.WriteFile(a, bb, 0o644)
			return os.WriteFile(b, ba, 0o644)
		},
	}
	for name, f := range tamper {
		t.Run(name, func(t *testing.T) {
			dir := build(t)
			if err := f(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := OpenLog(dir); !errors.Is(err, ErrTampered) {
				t.Errorf("tampering not detected: %v", err)
			}
		})
	}
}

func TestLogIgnoresUnfinishedWrites(t *testing.T) {
	dir := t.TempDir()
	l, _ := OpenLog(dir)
	if _, err := l.Append("commit", "x", 1); err != nil {
		t.Fatal(err)
	}
	// A crash between creating the temporary file and renaming it.
	if err := os.WriteFile(filepath.Join(dir, tempPrefix+"000002-seed.json-123"), []byte(`{"seq":2`), 0o644); err != nil {
		t.Fatal(err)
	}
	l2, err := OpenLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l2.Entries()) != 1 {
		t.Fatalf("%d entries", len(l2.Entries()))
	}
	if _, err := l2.Append("seed", "x", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLog(dir); err != nil {
		t.Fatal(err)
	}
}
