// Package sandbox turns a command and a protocol.SandboxPolicy into an
// *exec.Cmd confined by the operating system: Landlock + seccomp (+ user,
// mount, PID and network namespaces where available) on Linux, Seatbelt on
// macOS. The confining half runs in a re-exec of the kodex binary (see
// HelperMain), never in the main process. It never silently runs a command
// unconfined: when no mechanism can enforce the policy, Command returns an
// error wrapping ErrUnavailable.
//
// On Linux the helper runs in two stages. The supervisor (PID 1 of new
// namespaces when they are usable) prepares mounts, snapshots the protected
// paths, starts the second stage in a new session and reaps, forwards signals,
// kills every survivor and undoes tampering when the command ends. The second
// stage locks itself to one OS thread, applies Landlock, seccomp, capability
// drops, fd closing and rlimits to that thread, then execve's the command.
//
// Landlock and seccomp are applied with raw syscalls (golang.org/x/sys/unix)
// rather than go-landlock or a seccomp library, on purpose: go-landlock's
// BestEffort mode silently restricts nothing on a kernel without Landlock and
// drops to no restriction at all when Refer is asked for on ABI 1, its cgo
// path hangs inside a PID namespace, and the helper must apply exactly the
// rights the probed ABI supports to one locked thread right before execve —
// about 200 lines we can test against the real kernel (the escape suite).
// The seccomp filter is a small hand-written BPF program for the same
// reason: it must compare 32-bit arguments on their low word and kill
// foreign-architecture syscalls, which generic libraries do not do for us.
//
// Kernel facts are probed once per process (sync.OnceValue) and per helper
// binary (a memo keyed by path): both are write-once caches of immutable facts,
// not mutable state. The package has no init side effects.
//
// The package must not decide whether a command may run (that is
// internal/approval) and must not filter the environment (internal/proc owns
// the environment policy; Run applies a minimal allowlist for `kodex sandbox`).
package sandbox

import (
	"context"
	"errors"
	"os/exec"
	"strings"

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

	// NoNamespaces disables the namespace layer even where it is available
	// (the environment variable KODEX_SANDBOX_NO_NAMESPACES=1 does the same
	// for the whole process). Used to test the fallback level.
	NoNamespaces bool
	// Home is the user's home directory, whose secrets are hidden
	// (default: os.UserHomeDir()).
	Home string
	// KodexHome is $KODEX_HOME (default: $KODEX_HOME or Home/.kodex).
	KodexHome string
	// MaxFileSize caps the size of any file the command writes
	// (RLIMIT_FSIZE; default DefaultMaxFileSize).
	MaxFileSize int64
	// MaxProcs caps the number of processes of a non-root user
	// (RLIMIT_NPROC; default DefaultMaxProcs, negative for no cap). The
	// kernel does not apply this limit to root.
	MaxProcs int
	// TmpDir is the private temp dir exported as TMPDIR in workspace-write
	// mode: the session's, kept across its commands so that a file made by
	// one is there for the next (the caller creates and removes it). Empty:
	// each command gets a fresh one, removed when it ends.
	TmpDir string
	// TTY says that the command's stdin, stdout and stderr will be the
	// slave of a pseudo-terminal: the command is started as the leader of a
	// new session with that terminal as its controlling terminal, so that
	// job control and Ctrl-C written to the master reach it. Inside the
	// sandbox the confined command, not the helper, gets the terminal.
	TTY bool
	// NetNS, if set, is the session's shared network namespace: with the
	// network off at the namespace level, the command runs in it rather
	// than in a private one of its own (see NetNS).
	NetNS *NetNS
}

// DefaultMaxFileSize is the default RLIMIT_FSIZE of sandboxed commands.
const DefaultMaxFileSize = 1 << 30

// DefaultMaxProcs is the default RLIMIT_NPROC of sandboxed commands run by
// non-root users.
const DefaultMaxProcs = 2048

// Info says how a command is confined.
type Info struct {
	// Mechanism names what is in effect: MechNamespaces, MechLandlock,
	// MechSeatbelt or MechNone.
	Mechanism string
	// Degraded lists what the mechanism in effect cannot enforce, one short
	// sentence each (empty when everything in the policy holds).
	Degraded []string
	// Warnings are about this command's policy rather than the machine
	// (a writable root that contains the home directory, a workspace too
	// large to scan), one sentence each.
	Warnings []string
}

// Mechanism names, also exported to the command as KODEX_SANDBOX.
const (
	MechNamespaces = "landlock+seccomp+namespaces"
	MechLandlock   = "landlock+seccomp"
	MechSeatbelt   = "seatbelt"
	MechNone       = "none (danger-full-access)"
)

// Environment variables set in the sandboxed command's environment, and the
// switch read once per process that disables the namespace layer.
const (
	EnvMechanism       = "KODEX_SANDBOX"
	EnvNetworkDisabled = "KODEX_SANDBOX_NETWORK_DISABLED"
	EnvNoNamespaces    = "KODEX_SANDBOX_NO_NAMESPACES"
)

// ExitHelperError is the exit status of the helper when it cannot confine or
// start the command; its stderr then starts with StderrPrefix. The command's
// own status is passed through otherwise (128+signal when it was killed by a
// signal, as shells report it). 126 and 127 keep their shell meaning (found
// but not executable, not found).
const ExitHelperError = 125

// StderrPrefix starts every line the helper writes to the command's stderr.
const StderrPrefix = "kodex-sandbox: "

// Command returns a command that runs req.Argv under req.Policy. The caller
// runs it (see internal/proc) and owns its process group: the returned
// command has SysProcAttr set (namespaces, process group, parent-death
// signal); callers must add to it rather than replace it. Stopping it with
// SIGTERM first lets the helper kill every descendant; SIGKILL of the
// group is also safe with namespaces (the PID namespace dies with it).
func Command(ctx context.Context, req Request) (*exec.Cmd, Info, error) {
	if len(req.Argv) == 0 {
		return nil, Info{}, errors.New("sandbox: empty command")
	}
	if req.Policy.Mode == protocol.SandboxDangerFullAccess {
		if cmd := reaperCommand(ctx, req); cmd != nil {
			return cmd, Info{Mechanism: MechNone}, nil
		}
		cmd := exec.CommandContext(ctx, req.Argv[0], req.Argv[1:]...)
		cmd.Dir = req.Cwd
		cmd.Env = append(append([]string(nil), req.Env...), EnvMechanism+"=none")
		if req.TTY {
			cmd.SysProcAttr = ttyAttr()
		}
		return cmd, Info{Mechanism: MechNone}, nil
	}
	switch req.Policy.Mode {
	case protocol.SandboxReadOnly, protocol.SandboxWorkspaceWrite:
	default:
		return nil, Info{}, fmtErr("unknown sandbox mode %q (want read-only, workspace-write or danger-full-access)", req.Policy.Mode)
	}
	return command(ctx, req)
}

// HelperArg is the hidden first argument that makes kodex run as the sandbox
// helper.
const HelperArg = "__kodex_sandbox_helper"

// HelperMain runs the helper half in the re-exec'd child and returns its exit
// code. cli.Main calls it before any other work when os.Args[1] == HelperArg;
// args are os.Args[2:].
func HelperMain(args []string) int { return helperMain(args) }

// LikelyDenied reports whether a finished command's exit status and output
// suggest the sandbox stopped it (helper error, SIGSYS, permission or
// read-only-file-system errors), so the approval layer can offer a rerun
// outside the sandbox. It is a heuristic: an ordinary failure can match.
func LikelyDenied(exitCode int, output string) bool {
	if exitCode == 0 {
		return false
	}
	if exitCode == ExitHelperError || exitCode == 128+31 { // SIGSYS
		return true
	}
	lower := strings.ToLower(output)
	for _, s := range []string{
		StderrPrefix, "permission denied", "operation not permitted",
		"read-only file system", "eacces", "eperm", "erofs",
		"invalid cross-device link", "exdev",
	} {
		if strings.Contains(lower, strings.ToLower(s)) {
			return true
		}
	}
	return false
}
