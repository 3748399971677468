package rla

import (
	"os"
	"syscall"
)

// setDirect turns O_DIRECT on or off for f: its writes then go from the
// program's buffer to the disk, past the page cache. Writing gigabytes
// through the page cache cost 3.2 CPU-seconds a gigabyte in the kernel on
// the 2-core virtual machine the statewide benchmark was measured on (dd,
// ext4), and filled the cache with a copy the audit never reads back;
// written directly, 0.2. Direct writes need buffers,
// offsets and lengths aligned to the device's block (dioAlign covers the
// usual 512 and 4,096 bytes); the file systems that do not take them
// (tmpfs, for one) refuse here or at the first write, and the copy goes
// through the page cache.
func setDirect(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if errno != 0 {
			serr = errno
			return
		}
		if on {
			flags |= syscall.O_DIRECT
		} else {
			flags &^= syscall.O_DIRECT
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags); errno != 0 {
			serr = errno
		}
	})
	if err != nil {
		return err
	}
	return serr
}
