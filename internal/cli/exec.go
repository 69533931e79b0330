package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/frontend/execjson"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/session"
)

// ExecOptions are the inputs of `kodex exec`.
type ExecOptions struct {
	IO     *IOStreams
	Global *GlobalOptions

	Prompt           string // after reading stdin
	JSON             bool
	LastMessageFile  string
	OutputSchemaFile string
	SkipGitRepoCheck bool
	Ephemeral        bool
	Verbose          bool
	// Color is --color: always, never or auto (see useColor).
	Color string
	// Resume: continue a recorded session (ResumeLast or ResumeID).
	Resume     bool
	ResumeLast bool
	ResumeID   string
	// Fork, with Resume: continue a copy of the session as a new one.
	Fork bool
}

// NewCmdExec builds `kodex exec`. runF, when set, replaces the real run (for
// tests of flag parsing).
func NewCmdExec(f *Factory, g *GlobalOptions, runF func(context.Context, *ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{IO: f.IO, Global: g}
	run := func(cmd *cobra.Command, args []string) error {
		if err := checkColor(opts.Color); err != nil {
			return err
		}
		if err := readPrompt(f.IO, opts, args); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return runExec(cmd.Context(), f, opts)
	}
	cmd := &cobra.Command{
		Use:   "exec [flags] [PROMPT | -]",
		Short: "Run one task headless and print the answer",
		Long: `Run one task without the interactive UI. Progress goes to stderr and the final
answer alone to stdout; with --json, stdout carries JSONL events in the shape
'codex exec --json' prints.

The prompt comes from the argument; with "-" or no argument and piped stdin,
from stdin; with an argument and piped stdin, stdin is appended as context.

Nobody can answer an approval here, so unless a flag or the config says
otherwise, commands run in the read-only sandbox with approval "never":
the agent can read and run commands but not write. --full-auto lets it
edit the workspace (workspace-write, still never asking); -s and -a, or
sandbox_mode and approval_policy in config.toml, choose each separately.`,
		Example: `  kodex exec "summarize the open TODOs"
  git diff | kodex exec "review this change"
  kodex exec --json --full-auto "run the tests and fix what fails" > events.jsonl
  kodex exec resume --last "now add a test for it"`,
		Args: cobra.MaximumNArgs(1),
		RunE: run,
	}
	pf := cmd.PersistentFlags()
	pf.BoolVar(&opts.JSON, "json", false, "print JSONL events to stdout")
	pf.BoolVar(&opts.JSON, "experimental-json", false, "alias of --json")
	_ = pf.MarkHidden("experimental-json")
	pf.StringVarP(&opts.LastMessageFile, "output-last-message", "o", "", "write the final message to `FILE`")
	pf.StringVar(&opts.OutputSchemaFile, "output-schema", "", "constrain the final answer to the JSON schema in `FILE`")
	pf.BoolVar(&opts.SkipGitRepoCheck, "skip-git-repo-check", false, "allow running outside a git repository")
	pf.BoolVar(&opts.Ephemeral, "ephemeral", false, "do not record the session")
	pf.BoolVarP(&opts.Verbose, "verbose", "v", false, "show command output in human mode")
	// Accepted for compatibility with Codex's SDK; kodex has no use for them.
	var ignored string
	pf.StringVar(&ignored, "thread-source", "", "")
	pf.StringVar(&ignored, "cyber-access-program", "", "")
	pf.StringVar(&opts.Color, "color", colorAuto, "`WHEN` to colour the progress on stderr: always, never or auto (auto: stderr is a terminal and NO_COLOR is unset)")
	for _, n := range []string{"thread-source", "cyber-access-program"} {
		_ = pf.MarkHidden(n)
	}

	resume := &cobra.Command{
		Use:   "resume [--last | SESSION_ID] [PROMPT | -]",
		Short: "Continue a recorded session with a new prompt",
		Example: `  kodex exec resume --last "and the tests?"
  echo "next step" | kodex exec resume 0199a7c2-…`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return continueSession(cmd, opts, "resume", args, run)
		},
	}
	resume.Flags().BoolVar(&opts.ResumeLast, "last", false, "resume the session last worked in, in this directory")
	fork := &cobra.Command{
		Use:   "fork [--last | SESSION_ID] [PROMPT | -]",
		Short: "Start a new session with a copy of a recorded one's conversation",
		Long: `Start a new session that begins with the conversation of a recorded one and
goes on from there with a new prompt; the original session is left as it was.`,
		Example: `  kodex exec fork --last "try the other approach instead"
  kodex exec fork 0199a7c2-… "same task, but without the cache"`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Fork = true
			return continueSession(cmd, opts, "fork", args, run)
		},
	}
	fork.Flags().BoolVar(&opts.ResumeLast, "last", false, "fork the session last worked in, in this directory")
	cmd.AddCommand(resume, fork, newCmdExecReview(f, opts))
	return cmd
}

// continueSession reads `exec resume|fork [--last | ID] [PROMPT]` and runs.
func continueSession(cmd *cobra.Command, opts *ExecOptions, verb string, args []string, run func(*cobra.Command, []string) error) error {
	opts.Resume = true
	if !opts.ResumeLast {
		if len(args) == 0 {
			return &UsageError{Msg: "exec " + verb + " needs a session id or --last"}
		}
		opts.ResumeID, args = args[0], args[1:]
	} else if len(args) > 1 {
		return &UsageError{Msg: "exec " + verb + " --last takes at most one prompt"}
	}
	return run(cmd, args)
}

// readPrompt applies the prompt rules: argument, "-" for stdin, piped stdin
// alone, or argument plus piped stdin as context. It never blocks on a
// terminal.
func readPrompt(io *IOStreams, opts *ExecOptions, args []string) error {
	arg, hasArg := "", len(args) > 0
	if hasArg {
		arg = args[0]
	}
	switch {
	case hasArg && arg == "-":
		if io.StdinTTY {
			return &UsageError{Msg: `"-" reads the prompt from stdin, but stdin is a terminal; pipe the prompt in`}
		}
		s, err := readAll(io.In)
		if err != nil {
			return err
		}
		opts.Prompt = s
	case hasArg:
		opts.Prompt = arg
		if !io.StdinTTY && io.In != nil {
			s, err := readAll(io.In)
			if err != nil {
				return err
			}
			if strings.TrimSpace(s) != "" {
				opts.Prompt = arg + "\n\n<stdin>\n" + strings.TrimRight(s, "\n") + "\n</stdin>"
			}
		}
	case io.StdinTTY || io.In == nil:
		return &UsageError{Msg: "no prompt: pass one as an argument or pipe it on stdin\nRun 'kodex exec --help' for usage."}
	default:
		s, err := readAll(io.In)
		if err != nil {
			return err
		}
		opts.Prompt = s
	}
	if strings.TrimSpace(opts.Prompt) == "" {
		return &UsageError{Msg: "no prompt: the prompt is empty; pass one as an argument or pipe it on stdin"}
	}
	return nil
}

// maxStdinPrompt bounds the prompt read from stdin.
const maxStdinPrompt = 64 << 20

func readAll(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxStdinPrompt+1))
	if err != nil {
		return "", fmt.Errorf("reading the prompt from stdin: %w", err)
	}
	if len(b) > maxStdinPrompt {
		return "", &UsageError{Msg: fmt.Sprintf("the prompt on stdin is larger than %d MiB; pass a smaller one, or point the model at a file instead", maxStdinPrompt>>20)}
	}
	return string(b), nil
}

func runExec(ctx context.Context, f *Factory, opts *ExecOptions) error {
	rt, err := newRuntime(ctx, f, opts.Global, true)
	if err != nil {
		return err
	}
	if !opts.SkipGitRepoCheck && !insideGitRepo(rt.Cwd) {
		return &UsageError{Msg: fmt.Sprintf("%s is not inside a git repository; kodex exec refuses to run there by default.\nRun it in a repository, or pass --skip-git-repo-check to run anyway.", rt.Cwd)}
	}
	if opts.Global.OSS {
		if err := ossReady(ctx, rt.Config); err != nil {
			return err
		}
	}
	turn := protocol.UserTurn{Items: []protocol.InputItem{{Type: protocol.InputText, Text: opts.Prompt}}}
	for _, img := range opts.Global.Images {
		turn.Items = append(turn.Items, protocol.InputItem{Type: protocol.InputLocalImage, Path: rt.abs(img)})
	}
	if opts.OutputSchemaFile != "" {
		schema, err := readSchema(rt.abs(opts.OutputSchemaFile))
		if err != nil {
			return err
		}
		turn.OutputSchema = schema
	}
	sess, err := rt.open(ctx, session.Spec{
		Ephemeral:  opts.Ephemeral,
		Resume:     opts.Resume,
		Fork:       opts.Fork,
		ResumeLast: opts.ResumeLast,
		ResumeID:   opts.ResumeID,
	})
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := runHeadless(ctx, f, opts, sess, turn); err != nil {
		return err
	}
	if sess.Rec != nil {
		if err := sess.Rec.Err(); err != nil {
			// The answer was printed, but the transcript stops short of it:
			// a script must not take this run for a recorded one.
			return fmt.Errorf("the session was not fully recorded (%w); it cannot be resumed past the last recorded step", err)
		}
	}
	return nil
}

// runHeadless runs one turn of sess with exec's output (human or --json)
// and turns its outcome into kodex's exit status.
func runHeadless(ctx context.Context, f *Factory, opts *ExecOptions, sess execjson.Session, turn protocol.UserTurn) error {
	out, err := execjson.Run(ctx, sess, turn, execjson.Options{
		Out:             f.IO.Out,
		Err:             f.IO.ErrOut,
		JSON:            opts.JSON,
		LastMessageFile: opts.LastMessageFile,
		Verbose:         opts.Verbose,
		OutTerminal:     f.IO.StdoutTTY,
		Color:           useColor(f, opts.Color),
	})
	switch {
	case err != nil:
		return err
	case out.Interrupted || ctx.Err() != nil:
		return &silentError{errInterrupted}
	case out.Failed != nil:
		return &silentError{&TurnError{Info: *out.Failed}}
	}
	return nil
}

func readSchema(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &UsageError{Msg: fmt.Sprintf("reading --output-schema: %v", err)}
	}
	if !json.Valid(b) {
		return nil, &UsageError{Msg: fmt.Sprintf("--output-schema %s is not valid JSON", path)}
	}
	return b, nil
}

// insideGitRepo reports whether dir or one of its ancestors holds .git.
func insideGitRepo(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return true
		} else if !errors.Is(err, os.ErrNotExist) {
			return false
		}
		if filepath.Dir(d) == d {
			return false
		}
	}
}
