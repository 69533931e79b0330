//go:build unix

package proc

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// setProcessGroup makes the command the leader of a new process group,
// keeping whatever else the caller (the sandbox) put in SysProcAttr. A
// command that starts a new session already leads its own group.
func setProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if !cmd.SysProcAttr.Setsid {
		cmd.SysProcAttr.Setpgid = true
		cmd.SysProcAttr.Pgid = 0
	}
}

// terminateGroup asks the command's group to stop (SIGTERM).
func terminateGroup(p *os.Process) error { return signalGroup(p, unix.SIGTERM) }

// killGroup kills the command's group (SIGKILL).
func killGroup(p *os.Process) error { return signalGroup(p, unix.SIGKILL) }

func signalGroup(p *os.Process, sig syscall.Signal) error {
	if p == nil || p.Pid <= 0 {
		return nil
	}
	err := unix.Kill(-p.Pid, sig)
	if errors.Is(err, unix.ESRCH) {
		return nil // the group is gone
	}
	return err
}

// groupGone waits until no process of the group led by p is left (its
// members killed and reaped), polling with a growing backoff, at most max.
// It reports whether the group is gone.
func groupGone(p *os.Process, max time.Duration) bool {
	if p == nil || p.Pid <= 0 {
		return true
	}
	deadline := time.Now().Add(max)
	for wait := 100 * time.Microsecond; ; wait = min(2*wait, 10*time.Millisecond) {
		if errors.Is(unix.Kill(-p.Pid, 0), unix.ESRCH) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
	}
}

// signalName names the signal that ended the process, or "".
func signalName(st *os.ProcessState) string {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return ""
	}
	if name := unix.SignalName(ws.Signal()); name != "" {
		return name
	}
	return ws.Signal().String()
}
