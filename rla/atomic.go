package rla

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path so that, whatever happens, path holds
// either its old contents (or nothing) or all of data: the bytes go to a
// temporary file in the same directory, which is synced to disk and then
// renamed over path, and the directory is synced so the rename itself
// survives a power cut.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("rla: %w", err)
	}
	defer func() {
		if _, crashed := err.(errCrash); err != nil && !crashed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("rla: writing %s: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("rla: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("rla: syncing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("rla: %w", err)
	}
	if crashHook != nil {
		if cerr := crashHook("before-rename"); cerr != nil {
			return leave(cerr)
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rla: %w", err)
	}
	if crashHook != nil {
		if cerr := crashHook("after-rename"); cerr != nil {
			return leave(cerr)
		}
	}
	return syncDir(dir)
}

// crashHook, set only by tests, is called at the points where a crash
// would leave the files in a distinct state; an error it returns stops the
// write there, as the death of the process would, leaving every file as it
// is.
var crashHook func(point string) error

// errCrash marks an error that simulates a crash: the deferred clean-up of
// writeFileAtomic must not run, as it would not after a real one.
type errCrash struct{ error }

func (e errCrash) Unwrap() error { return e.error }

func leave(err error) error { return errCrash{err} }

// tempPrefix starts the names of temporary files, which a crash may leave
// behind and which readers ignore.
const tempPrefix = ".tmp-"

// syncDir makes a directory's entries (files created, renamed or removed
// in it) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("rla: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("rla: syncing directory %s: %w", dir, err)
	}
	return nil
}
