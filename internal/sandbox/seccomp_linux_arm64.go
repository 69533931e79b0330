package sandbox

import "golang.org/x/sys/unix"

// seccompArch is the only syscall ABI the filter lets through (AArch32
// syscalls report AUDIT_ARCH_ARM and are killed).
const (
	seccompArch  uint32 = unix.AUDIT_ARCH_AARCH64
	foreignNrBit uint32 = 0
)
