//go:build !windows

package sandbox

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// fileID returns the device and inode of p (not following a final symlink).
func fileID(p string) (dev, ino uint64, ok bool) {
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		return 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), true
}

// fileLinks returns p's device, inode and link count (not following a final
// symlink).
func fileLinks(p string) (dev, ino, nlink uint64, ok bool) {
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		return 0, 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), uint64(st.Nlink), true
}

// syscallNoFollow refuses to open a final symlink.
const syscallNoFollow = syscall.O_NOFOLLOW

// fileChange returns p's status-change time in nanoseconds (not following a
// final symlink): it moves on every write, and no one can set it back.
func fileChange(p string) (int64, bool) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return 0, false
	}
	return st.Ctim.Nano(), true
}
