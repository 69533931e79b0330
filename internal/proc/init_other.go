//go:build !linux

package proc

import "os"

// termLost: only Linux has PID namespaces whose init drops SIGTERM.
func termLost(*os.Process) bool { return false }
