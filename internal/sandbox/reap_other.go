//go:build !linux

package sandbox

import (
	"context"
	"os/exec"
)

// reaperCommand: only Linux runs unconfined commands under a reaper (see
// reap_linux.go); elsewhere they run directly.
func reaperCommand(context.Context, Request) *exec.Cmd { return nil }
