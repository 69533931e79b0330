package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func fmtStderr(format string, a ...any) {
	os.Stderr.WriteString(StderrPrefix + fmt.Sprintf(format, a...) + "\n")
}

// dropCapabilities empties the bounding and ambient sets (so execve grants
// nothing, even to uid 0) and the thread's own sets.
func dropCapabilities() error {
	last := 40
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			last = n
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	hasSetpcap := data[0].Effective&(1<<unix.CAP_SETPCAP) != 0
	for c := 0; c <= last && hasSetpcap; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
			return err
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && err != unix.EINVAL {
		return err
	}
	data = [2]unix.CapUserData{}
	return unix.Capset(&hdr, &data[0])
}

// setRlimits: no core dumps, a file-size cap, and (for non-root users, whose
// process count the kernel enforces) a process cap against fork bombs.
func setRlimits(s spec) error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return err
	}
	if err := lowerRlimit(unix.RLIMIT_FSIZE, uint64(s.MaxFileSize)); err != nil {
		return err
	}
	if s.MaxProcs > 0 && os.Getuid() != 0 {
		return lowerRlimit(unix.RLIMIT_NPROC, uint64(s.MaxProcs))
	}
	return nil
}

func lowerRlimit(res int, v uint64) error {
	var r unix.Rlimit
	if err := unix.Getrlimit(res, &r); err != nil {
		return err
	}
	if r.Max != unix.RLIM_INFINITY && r.Max < v {
		v = r.Max
	}
	return unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v})
}

// netMode is what the network filter allows.
type netMode int

const (
	netOn       netMode = iota // no network filter
	netOff                     // only AF_UNIX stream sockets and socketpairs, no connect/bind/listen/accept
	netLoopback                // IP sockets in a private network namespace (only its loopback exists); no AF_UNIX socket(2)
)

// netModeFor is the network filter of s: loopback when the network is off
// but the command has a network namespace of its own.
func netModeFor(s spec) netMode {
	switch {
	case s.Network:
		return netOn
	case s.Namespaces:
		return netLoopback
	}
	return netOff
}
