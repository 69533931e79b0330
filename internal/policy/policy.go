// Package policy is the one owner of "what may a command touch": Resolve
// turns a sandbox mode, the working directory, the --add-dir directories and
// the configured sandbox_workspace_write settings into the complete
// protocol.SandboxPolicy that commands run under, and Initial chooses the
// mode and approval policy a session starts with from flags, config and the
// project's trust.
//
// Nothing else in kodex builds a SandboxPolicy: frontends send a mode, and
// the agent resolves it through a function internal/cli builds from Resolve.
// The package is pure: no file system, no environment, no clock. It imports
// only protocol, so it never learns how config is read or how the sandbox is
// enforced (internal/sandbox).
package policy

import (
	"path/filepath"
	"slices"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Config is what config.toml says about the sandbox
// ([sandbox_workspace_write] in Codex's names).
type Config struct {
	// WritableRoots are extra writable roots in workspace-write mode.
	WritableRoots []string
	// NetworkAccess allows network in workspace-write mode.
	NetworkAccess bool
	// AllowGitWrites keeps git's objects, refs and index writable inside
	// the writable roots (hooks and config stay protected).
	AllowGitWrites bool
	// DenyRead lists paths commands may not read, besides the built-in
	// secrets, in read-only and workspace-write mode.
	DenyRead []string
}

// Input is everything a sandbox policy depends on.
type Input struct {
	// Mode is the sandbox mode. An unknown or empty mode resolves to
	// read-only: a policy never fails open.
	Mode protocol.SandboxMode
	// Cwd is the session's working directory, absolute. In workspace-write
	// mode it is always the first writable root.
	Cwd string
	// ExtraRoots are the --add-dir directories; relative ones are taken
	// from Cwd.
	ExtraRoots []string
	// Config holds the configured settings.
	Config Config
}

// Resolve returns the complete policy for in. In workspace-write mode the
// writable roots are, in order and without duplicates: Cwd, ExtraRoots,
// Config.WritableRoots. The roots are listed explicitly; an empty list
// never stands for "the working directory". The shared /tmp and $TMPDIR are
// never added: every sandboxed command gets a private temp dir, and a user
// who wants the shared one writable lists it in writable_roots.
//
// Relative roots are taken from Cwd, and dropped when Cwd is not absolute
// (a relative root would mean whatever directory the enforcer runs in).
func Resolve(in Input) protocol.SandboxPolicy {
	switch in.Mode {
	case protocol.SandboxDangerFullAccess:
		return protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}
	case protocol.SandboxWorkspaceWrite:
		var roots []string
		add := func(dir string) {
			switch {
			case dir == "":
				return
			case !filepath.IsAbs(dir):
				if !filepath.IsAbs(in.Cwd) {
					return
				}
				dir = filepath.Join(in.Cwd, dir)
			}
			dir = filepath.Clean(dir)
			if !slices.Contains(roots, dir) {
				roots = append(roots, dir)
			}
		}
		add(in.Cwd)
		for _, d := range in.ExtraRoots {
			add(d)
		}
		for _, d := range in.Config.WritableRoots {
			add(d)
		}
		return protocol.SandboxPolicy{
			Mode:           protocol.SandboxWorkspaceWrite,
			WritableRoots:  roots,
			NetworkAccess:  in.Config.NetworkAccess,
			AllowGitWrites: in.Config.AllowGitWrites,
			DenyRead:       slices.Clone(in.Config.DenyRead),
		}
	default: // read-only, and anything unknown
		return protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly, DenyRead: slices.Clone(in.Config.DenyRead)}
	}
}

// ValidMode reports whether mode is one of protocol.SandboxModes.
func ValidMode(mode protocol.SandboxMode) bool {
	return slices.Contains(protocol.SandboxModes, mode)
}
