//go:build !linux && !darwin

package sandbox

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
)

func command(context.Context, Request) (*exec.Cmd, Info, error) {
	return nil, Info{}, fmt.Errorf("%w: no sandbox exists for %s yet; run commands unconfined only by choosing it explicitly (-s danger-full-access), or run kodex inside a VM or container", ErrUnavailable, runtime.GOOS)
}

func helperMain([]string) int { return ExitHelperError }

// Explain writes what the sandbox can do on this machine.
func Explain(w io.Writer, _ string) error {
	_, err := fmt.Fprintf(w, "platform:     %s\nmechanism:    none: read-only and workspace-write are refused; danger-full-access runs commands unconfined\n", runtime.GOOS)
	return err
}
