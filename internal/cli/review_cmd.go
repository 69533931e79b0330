package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/frontend/execjson"
	"github.com/kodex-cli/kodex/internal/frontend/review"
	"github.com/kodex-cli/kodex/internal/gitx"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/session"
)

// reviewOptions choose what `kodex review` looks at.
type reviewOptions struct {
	Uncommitted bool
	Base        string
	Commit      string
	Title       string // --title: the commit's title, instead of its message's first line
	// Instructions are the prompt argument: the whole request without a
	// target flag, what to focus on with one.
	Instructions string
}

const reviewLong = `Review code changes with the model and print its findings: each with its
priority [P0]–[P3], title, file and line range and explanation, then an overall
verdict on whether the change is correct.

kodex gathers the diff itself (git, hardened against the repository) and sends
it with a review request; the reviewing model may read files and run read-only
commands, but the review always runs in the read-only sandbox with approval
"never", whatever the configuration says: it cannot change the tree.

What is reviewed: the uncommitted changes (staged, unstaged and untracked;
the default), --base BRANCH (what the current state would merge into BRANCH:
the diff from the merge base of HEAD and BRANCH, or BRANCH's upstream), or
--commit SHA (what that commit introduced). A PROMPT alone asks for a review
of the uncommitted changes in your words; with a flag, it says what to focus on.

The model is review_model from config.toml when set (-m wins over it), else
the model. With --json, stdout carries the JSONL events of 'codex exec review
--json': the review arrives as an agent_message item with the findings as
text.`

const reviewExample = `  kodex review
  kodex review "focus on error handling"
  kodex review --base main
  kodex exec review --commit HEAD~1 --json`

// NewCmdReview builds `kodex review`: a headless review, as `codex review`.
func NewCmdReview(f *Factory, g *GlobalOptions) *cobra.Command {
	opts := &ExecOptions{IO: f.IO, Global: g}
	cmd := newReviewCommand(f, opts)
	fl := cmd.Flags()
	fl.BoolVar(&opts.JSON, "json", false, "print JSONL events to stdout")
	fl.StringVarP(&opts.LastMessageFile, "output-last-message", "o", "", "write the review to `FILE`")
	fl.BoolVar(&opts.SkipGitRepoCheck, "skip-git-repo-check", false, "accepted for symmetry with exec; a review needs a repository")
	fl.BoolVar(&opts.Ephemeral, "ephemeral", false, "do not record the session")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show command output")
	fl.StringVar(&opts.Color, "color", colorAuto, "colour the progress on stderr `WHEN`: always, never or auto")
	_ = fl.MarkHidden("skip-git-repo-check")
	return cmd
}

// newCmdExecReview builds `kodex exec review`, which shares exec's flags.
func newCmdExecReview(f *Factory, opts *ExecOptions) *cobra.Command {
	return newReviewCommand(f, opts)
}

func newReviewCommand(f *Factory, opts *ExecOptions) *cobra.Command {
	ro := &reviewOptions{}
	cmd := &cobra.Command{
		Use:     "review [--uncommitted | --base BRANCH | --commit SHA] [PROMPT | -]",
		Short:   "Review code changes and print prioritized findings",
		Long:    reviewLong,
		Example: reviewExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkColor(opts.Color); err != nil {
				return err
			}
			if err := ro.read(f.IO, args); err != nil {
				return err
			}
			return runReview(cmd.Context(), f, opts, ro)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&ro.Uncommitted, "uncommitted", false, "review staged, unstaged and untracked changes (the default)")
	fl.StringVar(&ro.Base, "base", "", "review what would be merged into `BRANCH`")
	fl.StringVar(&ro.Commit, "commit", "", "review the changes introduced by commit `SHA`")
	fl.StringVar(&ro.Title, "title", "", "the commit's title, shown in the review (with --commit)")
	return cmd
}

// read checks the target flags and takes the prompt ("-": from stdin).
func (ro *reviewOptions) read(io *IOStreams, args []string) error {
	n := 0
	for _, set := range []bool{ro.Uncommitted, ro.Base != "", ro.Commit != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return &UsageError{Msg: "choose one of --uncommitted, --base and --commit"}
	}
	if ro.Title != "" && ro.Commit == "" {
		return &UsageError{Msg: "--title goes with --commit"}
	}
	if len(args) == 0 {
		return nil
	}
	if args[0] != "-" {
		ro.Instructions = args[0]
		return nil
	}
	if io.StdinTTY || io.In == nil {
		return &UsageError{Msg: `"-" reads the prompt from stdin, but stdin is a terminal; pipe the prompt in`}
	}
	s, err := readAll(io.In)
	ro.Instructions = s
	return err
}

// reviewTarget gathers the diff the review looks at.
func reviewTarget(ctx context.Context, repo *gitx.Repo, ro *reviewOptions) (review.Target, string, error) {
	t := review.Target{Instructions: strings.TrimSpace(ro.Instructions)}
	switch {
	case ro.Base != "":
		diff, base, err := repo.BaseDiff(ctx, ro.Base)
		if err != nil {
			return t, "", &UsageError{Msg: fmt.Sprintf("--base %s: %v", ro.Base, err)}
		}
		t.Kind, t.Branch, t.MergeBase = review.BaseBranch, ro.Base, base
		return t, diff, nil
	case ro.Commit != "":
		id, err := repo.ResolveCommit(ctx, ro.Commit)
		if err != nil {
			return t, "", &UsageError{Msg: fmt.Sprintf("--commit %s: %v", ro.Commit, err)}
		}
		diff, err := repo.CommitDiff(ctx, id)
		if err != nil {
			return t, "", err
		}
		t.Kind, t.Commit, t.CommitTitle = review.Commit, id, ro.Title
		if t.CommitTitle == "" {
			if t.CommitTitle, err = repo.CommitTitle(ctx, id); err != nil {
				return t, "", err
			}
		}
		return t, diff, nil
	}
	diff, err := repo.UncommittedDiff(ctx)
	if err != nil {
		return t, "", err
	}
	t.Kind = review.Uncommitted
	if t.Instructions != "" && !ro.Uncommitted {
		t.Kind = review.Custom
	}
	return t, diff, nil
}

// reviewModel is the model a review runs on: -m, else review_model, else
// the model.
func reviewModel(cfg *config.Config, g *GlobalOptions) string {
	if g.Model == "" && cfg.ReviewModel != "" {
		return cfg.ReviewModel
	}
	return cfg.Model
}

// reviewSpec is a reviewer session of the runtime: read-only sandbox,
// approval never, on the review model.
func (rt *kodexRuntime) reviewSpec(ephemeral bool) session.Spec {
	return session.Spec{
		Ephemeral:   ephemeral,
		Model:       reviewModel(rt.Config, rt.g),
		Approval:    protocol.ApprovalNever,
		SandboxMode: protocol.SandboxReadOnly,
	}
}

// reviewTurn is the user turn of a review: read-only and never asking
// (again, per turn), answering in the review schema.
func reviewTurn(prompt, modelName string) protocol.UserTurn {
	ro := protocol.SandboxReadOnly
	return protocol.UserTurn{
		Items:          []protocol.InputItem{{Type: protocol.InputText, Text: prompt}},
		Model:          modelName,
		ApprovalPolicy: protocol.ApprovalNever,
		SandboxMode:    &ro,
		OutputSchema:   []byte(review.Schema),
	}
}

func runReview(ctx context.Context, f *Factory, opts *ExecOptions, ro *reviewOptions) error {
	if opts.OutputSchemaFile != "" {
		return &UsageError{Msg: "--output-schema does not apply to a review: its answer has Codex's review shape"}
	}
	rt, err := newRuntime(ctx, f, opts.Global, true)
	if err != nil {
		return err
	}
	repo, err := gitx.Open(ctx, rt.Cwd)
	if errors.Is(err, gitx.ErrNotRepository) {
		return &UsageError{Msg: fmt.Sprintf("%s is not inside a git repository; kodex review needs one to find the changes", rt.Cwd)}
	} else if err != nil {
		return err
	}
	target, diff, err := reviewTarget(ctx, repo, ro)
	if err != nil {
		return err
	}
	if strings.TrimSpace(diff) == "" {
		fmt.Fprintf(f.IO.ErrOut, "kodex: nothing to review: no %s\n", target.Hint())
		return nil
	}
	spec := rt.reviewSpec(opts.Ephemeral)
	sess, err := rt.open(ctx, spec)
	if err != nil {
		return err
	}
	defer sess.Close()
	fmt.Fprintf(f.IO.ErrOut, "kodex: reviewing %s with %s (read-only)\n", target.Hint(), spec.Model)
	rs := newReviewSession(sess, func(out review.Output) string {
		if opts.JSON {
			return review.CodexText(out)
		}
		return strings.TrimRight(review.Format(target, out, rt.Cwd), "\n")
	})
	return runHeadless(ctx, f, opts, rs, reviewTurn(review.Prompt(target, diff), spec.Model))
}

// reviewSession is a session whose events show a review as Codex's do: the
// reviewer's streamed text is not shown, its last message (the JSON answer)
// is replaced by the rendered review, as an agent message and as the
// turn's last message. Earlier messages of the reviewer pass through.
type reviewSession struct {
	execjson.Session
	events chan protocol.Event
}

func newReviewSession(s execjson.Session, render func(review.Output) string) *reviewSession {
	rs := &reviewSession{Session: s, events: make(chan protocol.Event)}
	go rs.relay(render)
	return rs
}

func (rs *reviewSession) Events() <-chan protocol.Event { return rs.events }

// relay copies the session's events, holding back each agent message until
// the next one or the end of the turn shows whether it was the answer.
// Sequence numbers are reassigned so they stay contiguous.
func (rs *reviewSession) relay(render func(review.Output) string) {
	defer close(rs.events)
	var (
		seq  uint64
		held *protocol.Event
	)
	send := func(ev protocol.Event) {
		seq++
		ev.Seq = seq
		rs.events <- ev
	}
	for ev := range rs.Session.Events() {
		switch m := ev.Msg.(type) {
		case protocol.AgentMessageDelta:
			continue
		case protocol.AgentMessage:
			if held != nil {
				send(*held)
			}
			held = &ev
			continue
		case protocol.TurnComplete:
			text, id := m.LastMessage, ""
			if held != nil {
				am, _ := held.Msg.(protocol.AgentMessage)
				text, id = am.Text, am.ItemID
			}
			rendered := render(review.Parse(text))
			send(protocol.Event{ID: ev.ID, Msg: protocol.AgentMessage{ItemID: id, Text: rendered}})
			m.LastMessage = rendered
			ev.Msg, held = m, nil
		case protocol.TurnFailed, protocol.TurnAborted:
			held = nil
		}
		send(ev)
	}
}
