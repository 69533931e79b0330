package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/version"
)

// GlobalOptions are the flags shared by the interactive UI and exec.
type GlobalOptions struct {
	Model     string
	Profile   string
	Overrides []string
	Cd        string
	Sandbox   string
	Approval  string
	FullAuto  bool
	Yolo      bool
	AddDirs   []string
	Images    []string
	OSS       bool
	// StrictConfig: unknown configuration keys are errors, not warnings.
	StrictConfig bool
	// IgnoreUserConfig: $KODEX_HOME/config.toml is not read.
	IgnoreUserConfig bool
	// Enable and Disable set features.NAME (Codex's feature flags).
	Enable, Disable []string
}

// NewCmdRoot builds the kodex command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root, _ := newRoot(f, nil)
	return root
}

// newRoot builds the command tree; execRun, when set, replaces the run of
// `kodex exec` (tests of flag parsing).
func newRoot(f *Factory, execRun func(context.Context, *ExecOptions) error) (*cobra.Command, *GlobalOptions) {
	g := &GlobalOptions{}
	io := &interactiveOptions{}
	root := &cobra.Command{
		Use:   "kodex [flags] [PROMPT]",
		Short: "A local AI coding agent",
		Long: `kodex is a local AI coding agent: it talks to a model, reads and searches your
repository, edits files with patches and runs commands inside an OS sandbox,
showing every step.`,
		Example: `  # Ask a question about the repository, headless
  kodex exec "where is the HTTP retry logic?"

  # Let the agent work on its own inside the sandbox
  kodex exec --full-auto "make the failing test pass"

  # Use a local model served by Ollama
  kodex exec --oss -m qwen3-coder "explain main.go"

  # Show the effective configuration and where each value comes from
  kodex config show`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mistypedCommand(cmd, args); err != nil {
				return err
			}
			return runInteractive(cmd.Context(), f, g, io, args)
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &UsageError{Msg: err.Error() + "\nRun '" + cmd.CommandPath() + " --help' for usage."}
	})

	root.Flags().BoolVar(&io.altScreen, "alt-screen", false, "use the full-screen mode instead of the inline one")
	root.Flags().BoolP("version", "V", false, "print the version") // as Codex: -V, --version
	pf := root.PersistentFlags()
	pf.StringVarP(&g.Model, "model", "m", "", "model to use")
	pf.StringVarP(&g.Profile, "profile", "p", "", "configuration profile from config.toml")
	pf.StringArrayVarP(&g.Overrides, "config", "c", nil, "override a config value: `key=value` (dotted key; value parsed as TOML, else a string)")
	pf.StringVarP(&g.Cd, "cd", "C", "", "run as if started in `DIR`")
	pf.StringVarP(&g.Sandbox, "sandbox", "s", "", "sandbox mode: read-only, workspace-write or danger-full-access")
	pf.StringVarP(&g.Approval, "ask-for-approval", "a", "", "when to ask: untrusted, on-failure, on-request or never")
	pf.BoolVar(&g.FullAuto, "full-auto", false, "run commands without asking, inside the workspace-write sandbox with network off")
	pf.BoolVar(&g.Yolo, "dangerously-bypass-approvals-and-sandbox", false, "no sandbox and no approvals (only inside an externally sandboxed environment)")
	pf.BoolVar(&g.Yolo, "yolo", false, "short for --dangerously-bypass-approvals-and-sandbox")
	_ = pf.MarkHidden("yolo")
	pf.StringArrayVar(&g.AddDirs, "add-dir", nil, "additional writable `DIR` (repeatable)")
	pf.StringSliceVarP(&g.Images, "image", "i", nil, "attach image `FILE`s to the prompt (repeatable, or comma-separated)")
	pf.BoolVar(&g.OSS, "oss", false, "use a local model provider (oss_provider, default ollama)")
	pf.BoolVar(&g.StrictConfig, "strict-config", false, "treat unknown configuration keys as errors instead of warnings")
	pf.StringArrayVar(&g.Enable, "enable", nil, "enable a feature `FEATURE` (repeatable): -c features.FEATURE=true")
	pf.StringArrayVar(&g.Disable, "disable", nil, "disable a feature `FEATURE` (repeatable): -c features.FEATURE=false")
	pf.BoolVar(&g.IgnoreUserConfig, "ignore-user-config", false, "do not read $KODEX_HOME/config.toml (defaults, -c and flags only)")

	root.AddCommand(
		NewCmdExec(f, g, execRun),
		NewCmdConfig(f, g, nil),
		NewCmdResume(f, g),
		NewCmdFork(f, g),
		NewCmdSessions(f),
		NewCmdApplyPatch(f, g),
		NewCmdSandbox(f, g, nil),
		NewCmdDoctor(f, g),
		NewCmdLogin(f, g),
		NewCmdLogout(f, g),
		NewCmdApply(f, g),
		NewCmdUndo(f, g, nil),
		NewCmdRewind(f, g, nil),
		NewCmdImport(f, g),
		NewCmdReview(f, g),
		NewCmdMCPServer(f, g, nil),
		NewCmdAppServer(f, g, nil),
		NewCmdACP(f, g, nil),
		NewCmdMCP(f, g, nil),
	)
	usageArgs(root)
	return root, g
}

// usageArgs makes the argument-count errors of cmd and its subcommands
// usage errors (exit 2), as a mistyped flag is, instead of plain failures.
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				var ue *UsageError
				if errors.As(err, &ue) {
					return err
				}
				return &UsageError{Msg: err.Error() + "\nRun '" + c.CommandPath() + " --help' for usage."}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
}

// mistypedCommand reports a first argument that is one word close to a
// subcommand's name (`kodex exce "fix it"`) as a usage error with the
// suggestion, rather than sending it to the model as a prompt.
func mistypedCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 || strings.ContainsAny(args[0], " \t\n") || cmd.ArgsLenAtDash() == 0 {
		return nil // a sentence, or `kodex -- WORD`: a prompt
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return &UsageError{Msg: fmt.Sprintf("unknown command %q for %q; did you mean %q?\nTo send it to the model as a prompt: kodex -- %s", args[0], cmd.CommandPath(), s[0], strings.Join(args, " "))}
	}
	return nil
}
