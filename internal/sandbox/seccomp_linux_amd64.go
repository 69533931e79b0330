package sandbox

import "golang.org/x/sys/unix"

// seccompArch is the only syscall ABI the filter lets through; foreignNrBit
// marks x32 syscalls, which use the x86-64 audit arch.
const (
	seccompArch  uint32 = unix.AUDIT_ARCH_X86_64
	foreignNrBit uint32 = 0x40000000 // __X32_SYSCALL_BIT
)
