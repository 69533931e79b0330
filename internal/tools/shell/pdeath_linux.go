package shell

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the process when kodex dies (the
// sandbox helper sets this already; an unconfined command gets it here), so
// no live process survives kodex.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if cmd.SysProcAttr.Pdeathsig == 0 {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
}
