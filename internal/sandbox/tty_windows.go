package sandbox

import "syscall"

// ttyAttr: Windows has no controlling terminals; the caller gives the
// command pipes (see Request.TTY).
func ttyAttr() *syscall.SysProcAttr { return nil }
