// Package sandbox turns a command and a protocol.SandboxPolicy into an
// *exec.Cmd confined by the operating system: Landlock + seccomp (+ user,
// mount and PID namespaces where available) on Linux, Seatbelt on macOS. The
// confining half runs in a re-exec of the kodex binary (see HelperMain),
// never in the main process. It never silently runs a command unconfined:
// when no mechanism can enforce the policy, Command returns
// ErrUnavailable.
package sandbox

import (
	"context"
	"errors"
	"os/exec"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// ErrUnavailable is returned (wrapped, with the reason and what the user can
// do) when the policy asks for confinement and none can be applied.
var ErrUnavailable = errors.New("sandbox unavailable")

// Request is one command to confine.
type Request struct {
	Argv   []string
	Cwd    string
	Env    []string // already filtered by the environment policy
	Policy protocol.SandboxPolicy
	// Self is the path of the kodex binary to re-exec as the helper
	// (os.Executable() in production, a test binary in tests).
	Self string
}

// Info says how a command is confined.
type Info struct {
	// Mechanism names what is in effect, e.g. "landlock+seccomp+namespaces",
	// "landlock+seccomp", "seatbelt", "none".
	Mechanism string
}

// Command returns a command that runs req.Argv under req.Policy. The caller
// runs it (see internal/proc) and owns its process group.
func Command(ctx context.Context, req Request) (*exec.Cmd, Info, error) {
	// Placeholder seam: runs unconfined and says so, until the OS sandboxes land.
	cmd := exec.CommandContext(ctx, req.Argv[0], req.Argv[1:]...)
	cmd.Dir = req.Cwd
	cmd.Env = req.Env
	return cmd, Info{Mechanism: "none (unsandboxed)"}, nil
}

// HelperArg is the hidden first argument that makes kodex run as the sandbox
// helper.
const HelperArg = "__kodex_sandbox_helper"

// HelperMain runs the helper half in the re-exec'd child and returns its exit
// code. cli.Main calls it before any other work when os.Args[1] == HelperArg.
func HelperMain(args []string) int { return 127 }
