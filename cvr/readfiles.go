package cvr

import (
	"fmt"
	"iter"
	"slices"
	"strings"
)

// ReadFiles is Read for files already listed, in the order OpenFiles
// gives (see SortFiles): a caller that supplies its own File.Open (one
// that reads a file while it is being copied, say) gets exactly the
// detection, errors and cards of Read. files must not be empty.
func ReadFiles(e *Election, format string, opt Options, files []File) (Format, iter.Seq2[Card, error], error) {
	var f Format
	var err error
	if format == "" || format == "auto" {
		f, err = DetectFormat(files)
		if err != nil {
			return Format{}, nil, err
		}
	} else {
		var ok bool
		if f, ok = LookupFormat(format); !ok {
			names := []string{}
			for _, g := range Formats() {
				names = append(names, g.Name)
			}
			return Format{}, nil, fmt.Errorf("%w: %q (known: auto, %s)", ErrUnknownFormat, format, strings.Join(names, ", "))
		}
	}
	return f, f.Read(e, files, opt), nil
}

// SortFiles sorts files by name as OpenFiles does: in natural order, files
// with equal names keeping their order.
func SortFiles(files []File) {
	slices.SortStableFunc(files, func(a, b File) int { return naturalCompare(a.Name, b.Name) })
}
