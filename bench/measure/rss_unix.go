//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
)

// peakRSSKiB returns the peak resident memory of a finished process, in KiB
// (ru_maxrss; bytes on darwin).
func peakRSSKiB(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" { // bytes there, KiB on Linux
		return ru.Maxrss / 1024
	}
	return ru.Maxrss
}
