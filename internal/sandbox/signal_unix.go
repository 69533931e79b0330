//go:build !windows

package sandbox

import (
	"os/exec"
	"syscall"
)

// exitSignal returns the signal that killed the process, if any.
func exitSignal(ee *exec.ExitError) (int, bool) {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal()), true
	}
	return 0, false
}
