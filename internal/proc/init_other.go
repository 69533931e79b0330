//go:build !linux

package proc

import (
	"os"
	"syscall"
)

// termLost: only Linux has PID namespaces whose init drops SIGTERM.
func termLost(*os.Process) bool { return false }

// AwaitSignalable returns at once: see the Linux version.
func AwaitSignalable(int, syscall.Signal, <-chan struct{}) {}
