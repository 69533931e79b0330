//go:build unix

package main

import (
	"os"
	"syscall"
)

// peakRSSKiB returns the peak resident memory of a finished process, in KiB
// (ru_maxrss; bytes on darwin).
func peakRSSKiB(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if isDarwin {
		return ru.Maxrss / 1024
	}
	return ru.Maxrss
}
