package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// termLost reports whether a SIGTERM sent to p now would be dropped by the
// kernel: p is the init of a PID namespace (the sandbox's helper is one) and
// does not catch SIGTERM yet. The kernel delivers to such a process only
// the signals it catches (and SIGKILL), and a Go program catches SIGTERM
// only once its runtime has started, just after exec: an interrupt as the
// command starts would otherwise be lost, and the command would run on
// until the kill grace period ends.
func termLost(p *os.Process) bool {
	if p == nil {
		return false
	}
	return signalLost(p.Pid, syscall.SIGTERM)
}

func signalLost(pid int, sig syscall.Signal) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	return nsInitIgnoring(b, int(sig))
}

// AwaitSignalable returns once sig sent to process pid would reach it: at
// once, unless pid is the init of a PID namespace that does not catch sig
// yet (see termLost); then when it does, when done is closed (it exited)
// or after a second. Whoever forwards a signal to such a process (the
// sandbox's holder, to a helper it has just started) calls it first.
func AwaitSignalable(pid int, sig syscall.Signal, done <-chan struct{}) {
	deadline := time.Now().Add(time.Second)
	for wait := 50 * time.Microsecond; signalLost(pid, sig) && time.Now().Before(deadline); wait = min(2*wait, 5*time.Millisecond) {
		select {
		case <-done:
			return
		case <-time.After(wait):
		}
	}
}

// nsInitIgnoring reports whether /proc/PID/status (b) is that of a PID
// namespace's init (its last NSpid is 1, in a namespace below ours) that
// does not catch sig.
func nsInitIgnoring(status []byte, sig int) bool {
	var nsInit, caught bool
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("NSpid:")); ok {
			f := bytes.Fields(rest)
			nsInit = len(f) > 1 && string(f[len(f)-1]) == "1"
		}
		if rest, ok := bytes.CutPrefix(line, []byte("SigCgt:")); ok {
			mask, err := strconv.ParseUint(string(bytes.TrimSpace(rest)), 16, 64)
			caught = err != nil || mask&(1<<(sig-1)) != 0 // unreadable: assume caught
		}
	}
	return nsInit && !caught
}
