//go:build unix

package rollout

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// lock takes an exclusive advisory lock on f for as long as it is open (the
// kernel drops it when f is closed or the process dies), or returns
// *LockedError when another open file holds it.
//
// A lock this process holds may be its own for a moment after the file
// that took it was closed: a command the process was starting then (fork,
// then exec) holds a copy of the descriptor until its exec closes it. So a
// lock held by this process is waited for, up to ownLockWait, before it is
// reported.
func lock(f *os.File) error {
	pause, waited := time.Millisecond, time.Duration(0)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			pid := lockHolder(f)
			if pid == os.Getpid() && waited < ownLockWait {
				time.Sleep(pause)
				waited += pause
				pause *= 2
				continue
			}
			return &LockedError{Path: f.Name(), PID: pid}
		}
		return fmt.Errorf("locking %s: %w", f.Name(), err)
	}
}

// ownLockWait bounds the wait for a lock this process holds (see lock).
const ownLockWait = 250 * time.Millisecond

// lockHolder returns the process that took the flock on f, from
// /proc/locks (Linux), or 0 when it cannot tell.
func lockHolder(f *os.File) int {
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil {
		return 0
	}
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	// "1: FLOCK  ADVISORY  WRITE 4321 fd:00:123456 0 EOF"
	want := fmt.Sprintf(":%d", st.Ino)
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && fields[1] == "FLOCK" && strings.HasSuffix(fields[5], want) {
			var pid int
			if _, err := fmt.Sscan(fields[4], &pid); err == nil {
				return pid
			}
		}
	}
	return 0
}
