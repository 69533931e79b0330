//go:build !linux

package shell

import "os/exec"

// dieWithParent: only Linux has a parent-death signal; elsewhere live
// processes are ended by Processes.Close when the session ends.
func dieWithParent(*exec.Cmd) {}
