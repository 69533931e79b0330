package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kodex-cli/kodex/internal/frontend/prompts"
	"github.com/kodex-cli/kodex/internal/frontend/review"
	"github.com/kodex-cli/kodex/internal/gitx"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/session"
)

// customPrompts loads $KODEX_HOME/prompts for the UI's slash commands. A
// file that cannot be used is named on stderr, before the UI starts, as
// configuration warnings are.
func (rt *kodexRuntime) customPrompts() []prompts.Prompt {
	list, skipped, err := prompts.Load(filepath.Join(rt.Home, "prompts"))
	if err != nil {
		fmt.Fprintf(rt.f.IO.ErrOut, "kodex: warning: %v\n", err)
	}
	for _, s := range skipped {
		fmt.Fprintf(rt.f.IO.ErrOut, "kodex: warning: custom prompt skipped: %s\n", s)
	}
	return list
}

// reviewer returns the UI's /review: it gathers the target's diff in the
// repository pinned when the UI started, runs the review in a session of
// its own (ephemeral, read-only, approval never, on the review model, like
// kodex review) and returns the completed target and the findings. The
// UI's own session and conversation are not touched.
func (rt *kodexRuntime) reviewer(repo *gitx.Repo, repoErr error) func(context.Context, review.Target) (review.Target, review.Output, error) {
	return func(ctx context.Context, t review.Target) (review.Target, review.Output, error) {
		if repoErr != nil {
			return t, review.Output{}, fmt.Errorf("/review works inside a git repository: %w", repoErr)
		}
		ro := &reviewOptions{Base: t.Branch, Commit: t.Commit, Instructions: t.Instructions, Uncommitted: t.Kind == review.Uncommitted}
		target, diff, err := reviewTarget(ctx, repo, ro)
		if err != nil {
			return t, review.Output{}, err
		}
		if strings.TrimSpace(diff) == "" {
			return target, review.Output{}, review.ErrNothingToReview
		}
		spec := rt.reviewSpec(true)
		sess, err := rt.open(ctx, spec)
		if err != nil {
			return target, review.Output{}, err
		}
		defer sess.Close()
		text, err := runToAnswer(ctx, sess, reviewTurn(review.Prompt(target, diff), spec.Model))
		if err != nil {
			return target, review.Output{}, err
		}
		return target, review.Parse(text), nil
	}
}

// runToAnswer submits turn once the session is configured, waits for the
// turn to end, shuts the session down, and returns the last agent message.
func runToAnswer(ctx context.Context, sess *session.Session, turn protocol.UserTurn) (string, error) {
	var (
		last   string
		result error
	)
	end := func() { go func() { _, _ = sess.Submit(context.WithoutCancel(ctx), protocol.Shutdown{}) }() }
	for ev := range sess.Events() {
		switch m := ev.Msg.(type) {
		case protocol.SessionConfigured:
			if _, err := sess.Submit(ctx, turn); err != nil {
				result = fmt.Errorf("submitting the review: %w", err)
				end()
			}
		case protocol.AgentMessage:
			last = m.Text
		case protocol.TurnComplete:
			if m.LastMessage != "" {
				last = m.LastMessage
			}
			end()
		case protocol.TurnFailed:
			result = &TurnError{Info: m.Error}
			end()
		case protocol.TurnAborted:
			result = errors.New("the review was interrupted")
			end()
		}
	}
	if result == nil && ctx.Err() != nil {
		result = ctx.Err()
	}
	return last, result
}
