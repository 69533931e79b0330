// Package cli is kodex's composition root: the cobra command tree (one
// NewCmdX(f, runF) per command), flag-to-config overrides, the wiring of the
// model client, tools, sandbox and frontends into sessions, the mapping of
// errors to exit codes (in exactly one place, exitcode.go), and the hidden
// sandbox-helper entry that runs before anything else. Nothing imports it
// but cmd/kodex.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/version"
)

// Main runs kodex with args (os.Args) and returns the process exit code.
func Main(ctx context.Context, args []string) int {
	// The sandbox helper must run before any other work: no flag parsing,
	// no config, no goroutines of ours.
	if len(args) > 1 && args[1] == sandbox.HelperArg {
		return sandbox.HelperMain(args[2:])
	}
	// `kodex --version` and `-V` alone answer before the command tree and
	// the signal handlers are set up: scripts call it to probe the binary.
	if len(args) == 2 && (args[1] == "--version" || args[1] == "-V") {
		fmt.Println(version.String())
		return ExitOK
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	f := NewFactory()
	root := NewCmdRoot(f)
	root.SetArgs(args[1:])
	err := root.ExecuteContext(ctx)
	code := ExitCode(ctx, err)
	if err != nil && !errors.As(err, new(*silentError)) {
		fmt.Fprintf(f.IO.ErrOut, "kodex: %s\n", err)
	}
	return code
}
