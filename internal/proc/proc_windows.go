//go:build windows

package proc

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup starts the command in a new process group, so console
// control events aimed at kodex do not reach it.
func setProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= syscall.CREATE_NEW_PROCESS_GROUP
}

// terminateGroup ends the command; Windows has no SIGTERM, so it is killed.
func terminateGroup(p *os.Process) error { return killGroup(p) }

// killGroup kills the command (its children are not reached without a job
// object).
func killGroup(p *os.Process) error {
	if p == nil {
		return nil
	}
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// groupGone: the "group" is the process alone, gone once waited for.
func groupGone(*os.Process, time.Duration) bool { return true }

// signalName is always "" on Windows.
func signalName(*os.ProcessState) string { return "" }
