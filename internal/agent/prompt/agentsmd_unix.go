//go:build unix

package prompt

import "syscall"

// openFlags open an instruction file without following a symlink swapped in
// for it and without blocking on a named pipe.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
