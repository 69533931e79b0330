package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/frontend/tui"
	"github.com/kodex-cli/kodex/internal/gitx"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/policy"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/session"
	"github.com/kodex-cli/kodex/internal/version"
)

// interactiveOptions are the flags of the interactive UI.
type interactiveOptions struct {
	altScreen  bool
	fork       bool // with resume: a copy of the session, as a new one
	resume     bool
	resumeLast bool
	resumeID   string
	pick       string // open the session picker at start: "here" or "all"
	all        bool   // kodex resume --all
}

// NewCmdResume builds `kodex resume`: the UI on a recorded session.
func NewCmdResume(f *Factory, g *GlobalOptions) *cobra.Command {
	io := &interactiveOptions{resume: true}
	cmd := &cobra.Command{
		Use:   "resume [--last | --all | SESSION_ID]",
		Short: "Open the interactive UI on a recorded session",
		Long: `Open the interactive UI on a recorded session: the one named, the most recent
in this directory (--last), or one picked from a list of this directory's
sessions (no argument; --all lists every directory's).`,
		Example: `  kodex resume
  kodex resume --last
  kodex resume 0199a7c2`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case io.resumeLast && len(args) > 0:
				return &UsageError{Msg: "pass a session id or --last, not both"}
			case io.all && (io.resumeLast || len(args) > 0):
				return &UsageError{Msg: "--all picks from a list; it takes no session id or --last"}
			case !io.resumeLast && len(args) == 0:
				// The picker, in the UI: a new session until one is chosen.
				io.resume, io.pick = false, "here"
				if io.all {
					io.pick = "all"
				}
			case len(args) == 1:
				io.resumeID = args[0]
			}
			return runInteractive(cmd.Context(), f, g, io, nil)
		},
	}
	cmd.Flags().BoolVar(&io.resumeLast, "last", false, "resume the session last worked in, in this directory")
	cmd.Flags().BoolVar(&io.all, "all", false, "with no session id: pick from every directory's sessions")
	cmd.Flags().BoolVar(&io.altScreen, "alt-screen", false, "use the full-screen mode")
	return cmd
}

// NewCmdFork builds `kodex fork`: the UI on a new session that starts with
// a copy of a recorded one's conversation.
func NewCmdFork(f *Factory, g *GlobalOptions) *cobra.Command {
	io := &interactiveOptions{resume: true, fork: true}
	cmd := &cobra.Command{
		Use:   "fork [--last | SESSION_ID] [PROMPT]",
		Short: "Open the interactive UI on a copy of a recorded session",
		Long: `Start a new session that begins with the conversation of a recorded one; the
original is left as it was (kodex resume continues it instead).`,
		Example: `  kodex fork --last
  kodex fork 0199a7c2 "now try it without the cache"`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !io.resumeLast {
				if len(args) == 0 {
					return &UsageError{Msg: "fork needs a session id or --last (list them with kodex sessions list)"}
				}
				io.resumeID, args = args[0], args[1:]
			} else if len(args) > 1 {
				return &UsageError{Msg: "fork --last takes at most one prompt"}
			}
			return runInteractive(cmd.Context(), f, g, io, args)
		},
	}
	cmd.Flags().BoolVar(&io.resumeLast, "last", false, "fork the session last worked in, in this directory")
	cmd.Flags().BoolVar(&io.altScreen, "alt-screen", false, "use the full-screen mode")
	return cmd
}

// forkNote says what a fork of session from is ("" for no fork), as /fork
// does.
func forkNote(from string) string {
	if from == "" {
		return ""
	}
	return "Forked from session " + from + ": this is a new session with a copy of its conversation; the original is kept as it was."
}

// runInteractive opens the terminal UI (`kodex [PROMPT]`, `kodex resume`).
func runInteractive(ctx context.Context, f *Factory, g *GlobalOptions, io *interactiveOptions, args []string) error {
	if !f.IO.StdinTTY || !f.IO.StdoutTTY {
		return &UsageError{Msg: "the interactive UI needs a terminal on stdin and stdout; for headless runs use kodex exec"}
	}
	if hint := codexImportHint(f); hint != "" {
		fmt.Fprintln(f.IO.ErrOut, hint)
	}
	rt, err := newRuntime(ctx, f, g, false)
	if err != nil {
		return err
	}
	if g.OSS {
		if err := ossReady(ctx, rt.Config); err != nil {
			return err
		}
	}
	var warnings []string
	if hint := startKeyHint(f, rt.Config); hint != "" {
		// Said now, with the fix, not after the first prompt fails: a
		// warning under the UI's header.
		warnings = append(warnings, strings.ToUpper(hint[:1])+hint[1:]+".")
	}
	so := session.Spec{Interactive: true, Resume: io.resume, Fork: io.fork, ResumeLast: io.resumeLast, ResumeID: io.resumeID}
	sess, err := rt.open(ctx, so)
	if err != nil {
		return err
	}
	// current is the session the UI shows; the UI's hooks run on its
	// background goroutines, so it is read and swapped under mu.
	var mu sync.Mutex
	current := sess
	cur := func() *session.Session { mu.Lock(); defer mu.Unlock(); return current }
	defer func() { cur().Close() }()
	swap := func(so session.Spec) (tui.Session, error) {
		next, err := rt.open(ctx, so)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		old := current
		current = next
		mu.Unlock()
		old.Close()
		return tuiSession{next}, nil
	}
	// Pinned now: git in a layout a command changes later is refused.
	repo, gitErr := gitx.Open(ctx, rt.Cwd)
	opts := tui.Options{
		Session:       tuiSession{sess},
		AltScreen:     io.altScreen || rt.Config.TUI.AlternateScreen,
		Version:       version.Version,
		Home:          f.Getenv("HOME"),
		Editor:        cmp.Or(f.Getenv("VISUAL"), f.Getenv("EDITOR")),
		InitialPrompt: strings.Join(args, " "),
		Warnings:      warnings,
		Note:          forkNote(sess.ForkedFrom),
		PickSession:   io.pick,
		Price:         listPrice(rt.Config.Provider.ID),
		MCPPrompts: func(ctx context.Context) ([]tui.MCPPrompt, error) {
			list, err := cur().MCPPrompts(ctx)
			out := make([]tui.MCPPrompt, 0, len(list))
			for _, p := range list {
				tp := tui.MCPPrompt{Server: p.Server, Name: p.Name, Description: p.Description}
				for _, a := range p.Args {
					tp.Args = append(tp.Args, tui.MCPPromptArg{Name: a.Name, Required: a.Required})
				}
				out = append(out, tp)
			}
			return out, err
		},
		MCPPrompt: func(ctx context.Context, server, name string, args map[string]string) (string, error) {
			return cur().MCPPrompt(ctx, server, name, args)
		},
		KodexHome: historyHome(rt.Config),
		Cwd:       rt.Cwd,
		Status: tui.StatusInfo{
			Model: rt.Config.Model, Provider: rt.Config.Provider.ID, ReasoningEffort: rt.Config.ReasoningEffort,
			ApprovalPreset: approval.PresetName(rt.Approval, rt.Sandbox.Mode),
			ApprovalPolicy: rt.Approval, SandboxMode: rt.Sandbox.Mode,
			ContextWindow: rt.ContextWindow(),
		},
		ListSessions: func(all bool) ([]tui.SessionSummary, error) { return rt.listSessions(all) },
		ResumeSession: func(id string) (tui.Session, error) {
			if id == cur().ID {
				return nil, errors.New("that is the session you are in")
			}
			return swap(session.Spec{Interactive: true, Resume: true, ResumeID: id})
		},
		NewSession: func() (tui.Session, error) { return swap(session.Spec{Interactive: true}) },
		ForkSession: func() (tui.Session, error) {
			if cur().Rec == nil {
				return nil, errors.New("this session is not recorded, so there is nothing to fork")
			}
			return swap(session.Spec{Interactive: true, Resume: true, Fork: true, ResumeID: cur().ID})
		},
		Models:        models(rt.Config),
		HideReasoning: rt.Config.HideAgentReasoning,
		Notify:        terminalNotify(rt.Config.TUI.Notifications, f.Getenv),
		Git: func(ctx context.Context, args ...string) ([]byte, error) {
			if gitErr != nil {
				return nil, gitErr
			}
			return repo.Run(ctx, args...)
		},
		Prompts: rt.customPrompts(),
		Review:  rt.reviewer(repo, gitErr),
	}
	opts.TrustPrompt = rt.trustPrompt(io.resume)
	sum, err := tui.Run(ctx, opts)
	if sum.SessionID != "" {
		fmt.Fprintf(f.IO.Out, "Token usage: %d total (%d input, %d output)\nTo continue this session, run kodex resume %s\n",
			sum.Usage.TotalTokens, sum.Usage.InputTokens, sum.Usage.OutputTokens, sum.SessionID)
	}
	if err != nil && (errors.Is(err, context.Canceled) || ctx.Err() != nil) {
		return &silentError{errInterrupted}
	}
	return err
}

// trustPrompt returns the hook that records the answer to "do you trust
// this folder?", or nil when the question is not asked. The answer applies
// a preset, so it is not asked when -a, -s, --full-auto, -c or the config
// chose the policy (policy.AsksTrust), nor on resume. The answer, "no"
// included, is recorded for the project root: later sessions start from it
// (suggest when untrusted, see policy.Initial) and do not ask again.
func (rt *kodexRuntime) trustPrompt(resume bool) func(trusted bool) error {
	if resume || !policy.AsksTrust(rt.Start) {
		return nil
	}
	home, root := rt.Home, rt.Config.Project.Root
	return func(trusted bool) error {
		level, trust := config.Untrusted, policy.Untrusted
		if trusted {
			level, trust = config.Trusted, policy.Trusted
		}
		// Sessions this process opens later (/new, /resume) start from the
		// answer too. The UI calls this before it can open one.
		rt.Start.Trust = trust
		rt.ApplyStart()
		return config.SetProjectTrust(home, root, level)
	}
}

// models lists the /model choices: the configured model first.
func models(cfg *config.Config) []string {
	out := []string{cfg.Model}
	for _, m := range []string{"gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1", "gpt-5"} {
		if m != cfg.Model {
			out = append(out, m)
		}
	}
	return out
}

// maxPicked bounds the sessions the /resume picker offers.
const maxPicked = 50

// listSessions lists the sessions for the /resume picker: the last worked
// in first (as --last picks them), with their names.
func (rt *kodexRuntime) listSessions(all bool) ([]tui.SessionSummary, error) {
	filter := rollout.Filter{PromptMax: 80}
	if !all {
		filter.Cwd = rt.Cwd
	}
	list, err := rollout.List(rt.Home, filter)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list, func(a, b rollout.Summary) int { return b.Updated.Compare(a.Updated) })
	list = list[:min(len(list), maxPicked)]
	names := (&session.Store{Home: rt.Home}).Names()
	out := make([]tui.SessionSummary, 0, len(list))
	for _, s := range list {
		out = append(out, tui.SessionSummary{ID: s.ID, Cwd: s.Cwd, Updated: s.Updated, Preview: s.FirstPrompt, Turns: s.Turns,
			Name: names[s.ID], ForkedFrom: s.ForkedFrom})
	}
	return out, nil
}

// tuiSession adapts a session to the TUI's Session interface, and replays a
// resumed session's history.
type tuiSession struct{ s *session.Session }

func (t tuiSession) Submit(ctx context.Context, op protocol.Op) error {
	_, err := t.s.Submit(ctx, op)
	return err
}

func (t tuiSession) Events() <-chan protocol.Event { return t.s.Events() }

// maxReplaySteps bounds the steps of a resumed transcript the UI replays.
const maxReplaySteps = 2000

// Replay turns a resumed session's transcript into events the UI shows as
// finished cells: from the rollout, every step the user saw; without one,
// the restored history's prompts (not injected context), answers and
// reasoning.
func (t tuiSession) Replay() []protocol.EventMsg {
	var out []protocol.EventMsg
	history := t.s.RestoredHistory()
	if t.s.Rec != nil && len(history) > 0 {
		// The whole recorded transcript (commands, edits, interruptions,
		// the token count), not only the messages of the history.
		steps, err := rollout.Transcript(t.s.Rec.Path(), maxReplaySteps, prompt.IsInjected)
		if err == nil {
			for _, st := range steps {
				if _, ok := st.Event.(protocol.TurnCheckpoint); ok {
					// Which turns can still be rewound to is the
					// session's to say (below), not the log's: rewinds
					// and compactions since have removed some.
					continue
				}
				if st.Event != nil {
					out = append(out, st.Event)
				} else {
					out = append(out, tui.UserMessage{Text: st.User})
				}
			}
			for _, tc := range t.s.RewindableTurns() {
				out = append(out, tc)
			}
			return out
		}
	}
	for _, it := range history {
		if it.Type != model.ItemMessage && it.Type != model.ItemReasoning {
			continue
		}
		text := it.Text()
		switch {
		case it.Type == model.ItemReasoning:
			if text != "" {
				out = append(out, protocol.Reasoning{ItemID: it.ID, Text: text})
			}
		case it.Role == model.RoleUser && !prompt.IsInjected(text):
			out = append(out, tui.UserMessage{Text: text})
		case it.Role == model.RoleAssistant:
			out = append(out, protocol.AgentMessage{ItemID: it.ID, Text: text})
		}
	}
	for _, tc := range t.s.RewindableTurns() { // for /rewind and Esc Esc
		out = append(out, tc)
	}
	return out
}

// historyHome is where the TUI keeps prompt history: $KODEX_HOME, or ""
// (nothing read or written) with history.persistence = "none".
func historyHome(cfg *config.Config) string {
	if cfg.History.Persistence == "none" {
		return ""
	}
	return cfg.Home
}

// terminalNotify chooses how to ask this terminal for a desktop
// notification: OSC 777 for the terminals that understand it rather than
// OSC 9 (rxvt, foot, VTE-based ones such as GNOME Terminal), wrapped for
// tmux inside tmux.
func terminalNotify(enabled bool, getenv func(string) string) tui.Notify {
	term := getenv("TERM")
	return tui.Notify{
		Enabled: enabled,
		OSC777:  getenv("VTE_VERSION") != "" || strings.HasPrefix(term, "rxvt") || strings.HasPrefix(term, "foot"),
		Tmux:    getenv("TMUX") != "",
	}
}

// startKeyHint says, when the selected provider needs an API key and none
// is set or stored, where kodex looked and how to give one; "" otherwise.
func startKeyHint(f *Factory, cfg *config.Config) string {
	auth, err := config.ReadAuth(cfg.Home)
	if err != nil {
		return "" // said when the session's client is built
	}
	p := cfg.ResolveProvider(f.Getenv, auth)
	if p.APIKey != "" || (p.EnvKey == "" && !p.UsesOpenAIAuth()) {
		return ""
	}
	return missingKeyHint(p, cfg.Home) + "; or use a local model with --oss"
}

// listPrice prices models for the TUI's cost estimate: OpenAI's list
// prices, for the providers that bill them (nil elsewhere: a local model,
// another vendor's prices).
func listPrice(provider string) func(string) (tui.Price, bool) {
	if provider != "openai" && provider != "azure" {
		return nil
	}
	return func(name string) (tui.Price, bool) {
		p, ok := model.KnownPrice(name)
		return tui.Price(p), ok
	}
}
