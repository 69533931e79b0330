package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/policy"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/session"
)

// SandboxOptions are the inputs of `kodex sandbox`. Mode, Cwd and AddDirs
// come from the global -s, -C and --add-dir flags.
type SandboxOptions struct {
	IO      *IOStreams
	Global  *GlobalOptions
	Network bool
	Explain bool
	Argv    []string
}

// CommandExitError carries the exit status of a command kodex ran on the
// user's behalf (`kodex sandbox -- CMD`) to kodex's own exit status.
type CommandExitError struct{ Code int }

func (e *CommandExitError) Error() string {
	return fmt.Sprintf("command exited with status %d", e.Code)
}

// NewCmdSandbox builds `kodex sandbox`. runF, when set, replaces the real run
// (for tests of flag parsing).
func NewCmdSandbox(f *Factory, g *GlobalOptions, runF func(context.Context, *SandboxOptions) error) *cobra.Command {
	opts := &SandboxOptions{IO: f.IO, Global: g}
	cmd := &cobra.Command{
		Use:   "sandbox [-s MODE] [--add-dir DIR] [-C DIR] [--network] -- CMD [ARGS...]",
		Short: "Run a command in the sandbox the agent uses, or explain it",
		Long: `Run CMD under exactly the sandbox policy the agent would use for its commands
(default mode workspace-write: writes only under the working directory, the
--add-dir directories, sandbox_workspace_write.writable_roots and a private
temp dir; network only with --network or sandbox_workspace_write.network_access).
The command's exit status and output are passed through. The helper's own errors exit with 125
and print lines starting with "kodex-sandbox: ".

--explain prints the mechanism in effect on this machine (Landlock ABI, user
namespaces, seccomp), what is protected and what is degraded, and why.`,
		Example: `  kodex sandbox --explain
  kodex sandbox -- sh -c 'echo hi > out.txt'
  kodex sandbox -s read-only -- cat ~/.ssh/id_rsa      # denied
  kodex sandbox --network --add-dir ~/.cache/go-build -- go test ./...`,
		Args: func(cmd *cobra.Command, args []string) error {
			if !opts.Explain && len(args) == 0 {
				return &UsageError{Msg: "kodex sandbox: missing command (kodex sandbox -- CMD ARGS…, or --explain)"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Argv = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSandbox(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Network, "network", false, "allow network access (workspace-write only)")
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "print what the sandbox protects on this machine and exit")
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func runSandbox(ctx context.Context, f *Factory, opts *SandboxOptions) error {
	self, err := f.Executable()
	if err != nil {
		return fmt.Errorf("locating the kodex binary: %w", err)
	}
	if opts.Explain {
		return sandbox.Explain(f.IO.Out, self)
	}
	mode := protocol.SandboxWorkspaceWrite
	if s := opts.Global.Sandbox; s != "" {
		mode = protocol.SandboxMode(s)
		if !policy.ValidMode(mode) {
			return &UsageError{Msg: fmt.Sprintf("unknown sandbox mode %q (want read-only, workspace-write or danger-full-access)", s)}
		}
	}
	// The agent's policy: the config's sandbox_workspace_write applies.
	cfg, cwd, err := loadConfig(f, opts.Global)
	if err != nil {
		return err
	}
	pc := session.PolicyConfig(cfg)
	pc.NetworkAccess = pc.NetworkAccess || opts.Network
	req := sandbox.Request{
		Argv:   opts.Argv,
		Cwd:    cwd,
		Env:    sandbox.FilterEnv(f.Environ()),
		Policy: policy.Resolve(policy.Input{Mode: mode, Cwd: cwd, ExtraRoots: opts.Global.AddDirs, Config: pc}),
		Self:   self,
	}
	code, _, err := sandbox.Run(ctx, req, sandbox.Stdio{In: f.IO.In, Out: f.IO.Out, Err: f.IO.ErrOut})
	if err != nil {
		return err
	}
	if code != 0 {
		return &silentError{&CommandExitError{Code: code}}
	}
	return nil
}
