package cvr

import (
	"archive/zip"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// File is one input file of an export: a name for messages and detection
// (a path, or "archive.zip:inner/name") and a way to open it. Readers open
// each file once and stream it.
type File struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// OpenFiles expands paths into the files of one export: a folder gives
// its regular files (recursively), a .zip archive gives its members, and
// any other path gives itself. Files are sorted by name in natural order,
// so that "CvrExport_2.json" comes before "CvrExport_10.json".
func OpenFiles(paths ...string) ([]File, error) {
	var files []File
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cvr: %w", err)
		}
		switch {
		case fi.IsDir():
			err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.Type().IsRegular() {
					files = append(files, osFile(path))
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("cvr: %w", err)
			}
		case strings.EqualFold(filepath.Ext(p), ".zip"):
			zr, err := zip.OpenReader(p)
			if err != nil {
				return nil, fmt.Errorf("cvr: %s: %w", p, err)
			}
			// The archive stays open for the life of the process: the files
			// are opened lazily, and a CLI run reads one export.
			for _, zf := range zr.File {
				if zf.FileInfo().IsDir() {
					continue
				}
				files = append(files, File{Name: p + ":" + zf.Name, Open: zf.Open})
			}
		default:
			files = append(files, osFile(p))
		}
	}
	slices.SortStableFunc(files, func(a, b File) int { return naturalCompare(a.Name, b.Name) })
	return files, nil
}

func osFile(path string) File {
	return File{Name: path, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// BytesFile returns a File holding b, for tests and for data already in
// memory.
func BytesFile(name string, b []byte) File {
	return File{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

// naturalCompare orders strings with runs of digits compared as numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na := strings.TrimLeft(a[:da], "0")
			nb := strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// Warning is a problem a reader worked around (for example a Dominion
// session with no current snapshot, which is skipped). Readers pass
// warnings to the Options.Warn function and go on.
type Warning struct {
	File  string
	Where string // line or JSON path
	Msg   string
}

func (w *Warning) Error() string { return fmt.Sprintf("cvr: %s %s: %s", w.File, w.Where, w.Msg) }

// Options tune a reader.
type Options struct {
	// Warn receives the problems a reader worked around; nil discards them.
	Warn func(*Warning)
	// Jurisdiction, when set, is put in the BatchKey of every card, for a
	// manifest that covers several jurisdictions.
	Jurisdiction string
	// Pool, when set, receives the rows of pooled totals that some
	// exports hold besides their cards (the redaction rows of Colorado's
	// Dominion CSV exports), in file order, as they are read; each *Pool
	// is the callee's to keep. When nil, such rows are skipped with a
	// warning.
	Pool func(*Pool)
}

func (o *Options) warn(file, where, format string, args ...any) {
	if o != nil && o.Warn != nil {
		o.Warn(&Warning{File: file, Where: where, Msg: fmt.Sprintf(format, args...)})
	}
}

// Format is one CVR export format.
type Format struct {
	// Name is the identifier used on the command line, e.g. "dominion-json".
	Name string
	// Description is one line for help texts.
	Description string
	// Detect reports whether the file named name, whose first bytes are
	// head (up to 4 KiB, fewer for a short file), belongs to an export in
	// this format. It must be cheap and must not claim files of other
	// formats.
	Detect func(name string, head []byte) bool
	// Read streams the cards of the export made of files (already sorted),
	// interning contests and choices into e. It reports the first fatal
	// error and stops; the error names the file, line or JSON path, and field.
	Read func(e *Election, files []File, opt Options) iter.Seq2[Card, error]
}

var (
	registryMu sync.RWMutex
	registry   []Format
)

// RegisterFormat adds f to the formats Read and DetectFormat know. Readers
// call it from an init function. It panics if f has no name, no Read
// function, or a name already registered: each is a programming error.
func RegisterFormat(f Format) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if f.Name == "" || f.Read == nil {
		panic("cvr: RegisterFormat: format needs a Name and a Read function")
	}
	for _, g := range registry {
		if g.Name == f.Name {
			panic("cvr: RegisterFormat: format registered twice: " + f.Name)
		}
	}
	registry = append(registry, f)
	slices.SortFunc(registry, func(a, b Format) int { return strings.Compare(a.Name, b.Name) })
}

// Formats returns the registered formats sorted by name.
func Formats() []Format {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Clone(registry)
}

// LookupFormat returns the registered format with the given name.
func LookupFormat(name string) (Format, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	for _, f := range registry {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// ErrUnknownFormat is returned (wrapped) when no format claims the files.
var ErrUnknownFormat = errors.New("cvr: format not recognised")

// DetectFormat returns the format that claims the files: the one whose
// Detect accepts the most files. Files no format claims (a README, a
// signature) are ignored; when no file is claimed, or two formats claim
// equally many, the error says so and suggests --format.
func DetectFormat(files []File) (Format, error) {
	counts := map[string]int{}
	formats := Formats()
	buf := make([]byte, 4096)
	for _, f := range files {
		head, err := readHead(f, buf)
		if err != nil {
			return Format{}, err
		}
		for _, ft := range formats {
			if ft.Detect != nil && ft.Detect(f.Name, head) {
				counts[ft.Name]++
			}
		}
	}
	best, bestN, tie := Format{}, 0, false
	for _, ft := range formats {
		switch n := counts[ft.Name]; {
		case n > bestN:
			best, bestN, tie = ft, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if bestN == 0 {
		return Format{}, fmt.Errorf("%w: no known CVR format matches %s (use --format)", ErrUnknownFormat, describeFiles(files))
	}
	if tie {
		return Format{}, fmt.Errorf("%w: several formats match %s equally (use --format)", ErrUnknownFormat, describeFiles(files))
	}
	return best, nil
}

func describeFiles(files []File) string {
	switch len(files) {
	case 0:
		return "no files"
	case 1:
		return files[0].Name
	}
	return fmt.Sprintf("%s and %d other files", files[0].Name, len(files)-1)
}

func readHead(f File, buf []byte) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	return buf[:n], nil
}

// Read streams the cards of the export at paths (files, folders or .zip
// archives; see OpenFiles) in the named format, or in the detected one
// when format is "" or "auto". Contests and choices are interned into e.
func Read(e *Election, format string, opt Options, paths ...string) (Format, iter.Seq2[Card, error], error) {
	files, err := OpenFiles(paths...)
	if err != nil {
		return Format{}, nil, err
	}
	if len(files) == 0 {
		return Format{}, nil, fmt.Errorf("cvr: no files in %s", strings.Join(paths, ", "))
	}
	return ReadFiles(e, format, opt, files)
}
