//go:build unix

package sandbox

import "syscall"

// ttyAttr starts a command as the leader of a new session whose controlling
// terminal is its stdin (fd 0 in the child).
func ttyAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
}
