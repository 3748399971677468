//go:build !linux

package rla

import (
	"errors"
	"os"
)

// setDirect is not supported here: copies go through the page cache.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }
