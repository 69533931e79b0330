package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Compaction keeps a session under the model's context window. Before each
// request the session estimates its size: the tokens the provider reported
// for the last response (its input plus its output) plus an estimate of
// what was added since. When that passes the limit (Settings.AutoCompactLimit,
// else a share of the context window), the conversation is compacted:
//
//   - on the provider's server when the model client is a model.Compactor
//     whose ServerCompaction is on (internal/cli enables it for the
//     providers Codex uses it with: the OpenAI and Azure Responses APIs).
//     The request a turn would send goes to the compaction endpoint, and
//     the history becomes what the provider returned (the user's messages
//     and an opaque compaction item, sent back verbatim from then on), less
//     what kodex sends on its own; as Codex does
//     (codex-rs/core/src/compact_remote.rs).
//   - locally everywhere else, and when that fails (with a warning): the
//     model is asked, with the whole conversation and kodex's compaction
//     prompt, for a handoff summary; the history becomes the user's most
//     recent messages (verbatim, up to a budget) followed by the summary.
//
// AGENTS.md and the environment context are not history: they open every
// request, so they survive as they are. The replacement is recorded in the
// rollout (a compacted line), so a resumed session starts from it, and the
// history the session was resumed with is let go. A context-window error
// from the server compacts and retries the request once.

const (
	// autoCompactShare is the share of a known context window the
	// conversation may fill before it is compacted; the rest is room for
	// the next answer and for the estimate's error.
	autoCompactShare = 0.85
	// defaultCompactLimit is the limit for a model whose window is unknown:
	// small enough for any current model; the server's context-window
	// error is the backstop.
	defaultCompactLimit = 100_000
	// keptUserBytes bounds the user messages kept verbatim (~20k tokens;
	// less for a small limit, see compactedHistory).
	keptUserBytes = 80_000
	// imageTokens is what an image is counted as in the estimate (its data
	// URL's length says nothing about its tokens).
	imageTokens = 1_000
	// compactTrims bounds how often the oldest part of the history is
	// dropped when even the compaction request does not fit.
	compactTrims = 6
)

// compactLimit is the estimated context size past which the conversation
// is compacted before the next request.
func (s *Session) compactLimit() int64 {
	switch {
	case s.settings.AutoCompactLimit > 0:
		return s.settings.AutoCompactLimit
	case s.settings.ContextWindow > 0:
		return int64(float64(s.settings.ContextWindow) * autoCompactShare)
	}
	return defaultCompactLimit
}

// contextEstimate estimates the tokens of the next request's history: the
// last response's reported total plus what was recorded after it, or, with
// no response in this process yet (a resumed or new session), the whole
// history and the instructions.
func (s *Session) contextEstimate() int64 {
	if s.lastContext > 0 && s.usageAt <= len(s.history) {
		return s.lastContext + estimateTokens(s.history[s.usageAt:])
	}
	return int64(len(s.opts.Instructions))/4 + estimateTokens(s.history)
}

// noteUsage records the provider's count for the context as it is now.
func (s *Session) noteUsage(total int64) {
	s.lastContext, s.usageAt = total, len(s.history)
}

// estimateTokens is a rough count (about four bytes a token) of items.
func estimateTokens(items []model.Item) int64 {
	var n int64
	for _, it := range items {
		bytes := len(it.Arguments) + len(it.Output) + len(it.Input) + len(it.Name) + 16
		if it.Type == model.ItemCompaction {
			bytes += len(it.EncryptedContent)
		}
		for _, p := range it.Content {
			if p.Type == model.PartInputImage {
				n += imageTokens
				continue
			}
			bytes += len(p.Text)
		}
		n += int64(bytes+3) / 4
	}
	return n
}

// needsCompaction reports whether the next request should be preceded by a
// compaction.
func (s *Session) needsCompaction() bool {
	return len(s.history) > 1 && s.contextEstimate() > s.compactLimit()
}

// runCompact runs a Compact op as a turn.
func (s *Session) runCompact(ctx context.Context, turnID string) {
	s.emit(turnID, protocol.TurnStarted{TurnID: turnID})
	if len(s.history) == 0 {
		s.emit(turnID, protocol.Warning{Message: "nothing to compact: the conversation is empty"})
		s.emit(turnID, protocol.TurnComplete{TurnID: turnID})
		return
	}
	if err := s.compact(ctx, turnID, false, 0); err != nil {
		s.endWithError(ctx, turnID, err)
		return
	}
	s.emit(turnID, protocol.TurnComplete{TurnID: turnID})
}

// compact replaces the history, records the replacement and reports it:
// on the provider's server when the model client offers it (see
// compactRemote), else, or when that fails, by a summary the model writes.
//
// The last keep items of the history are left out of the compaction and
// follow it: a turn that compacts before its first request keeps its new
// message (keep 1) after the summary, so that what the model reads last is
// what the user just asked, not the summary's "continue the work". Items
// too big for that (over half the limit: a pasted log) are compacted with
// the rest, which keeps only their end.
func (s *Session) compact(ctx context.Context, turnID string, auto bool, keep int) error {
	before := s.contextEstimate()
	full := s.history
	var tail []model.Item
	if keep > 0 && keep < len(full) && estimateTokens(full[len(full)-keep:]) <= s.compactLimit()/2 {
		n := len(full) - keep
		s.history, tail = full[:n:n], slices.Clone(full[n:])
	}
	next, summary, usage, err := s.compacted(ctx, turnID)
	if err != nil {
		s.history = full
		return err
	}
	s.replaceHistory(turnID, summary, append(next, tail...), usage, before, auto)
	return nil
}

// compacted returns what replaces the history (and the model's summary in
// it, "" for a provider's compaction).
func (s *Session) compacted(ctx context.Context, turnID string) ([]model.Item, string, *protocol.TokenUsage, error) {
	if c, ok := s.opts.Model.(model.Compactor); ok && c.ServerCompaction() {
		next, usage, err := s.compactRemote(ctx, turnID, c)
		if err == nil {
			return next, "", usage, nil
		}
		if ctx.Err() != nil {
			return nil, "", nil, ctx.Err()
		}
		s.log.Warn("server-side compaction failed", "err", err)
		s.emit(turnID, protocol.Warning{Message: "the provider could not compact the conversation (" + errorInfo(err).Message + "); kodex summarises it instead"})
	}
	summary, usage, err := s.summarizeFitting(ctx, turnID)
	if err != nil {
		return nil, "", nil, err
	}
	return compactedHistory(s.history, summary, min(keptUserBytes, int(s.compactLimit())*4/3)), summary, usage, nil
}

// replaceHistory makes next the history (summary: the model's summary in
// it, "" for a provider's compaction), records it and reports the
// compaction. The restored history of a resumed session is let go: it is
// no longer the conversation.
func (s *Session) replaceHistory(turnID, summary string, next []model.Item, usage *protocol.TokenUsage, before int64, auto bool) {
	if s.opts.Recorder != nil {
		if err := s.opts.Recorder.RecordCompacted(summary, next); err != nil {
			s.emit(turnID, protocol.Warning{Message: "could not record the compacted conversation: " + err.Error()})
		}
	}
	s.history = next
	s.releaseRestored()
	s.lastContext, s.usageAt = 0, 0
	after := s.contextEstimate()
	if usage != nil {
		s.total = s.total.Add(*usage)
		s.emit(turnID, protocol.TokenCount{Last: *usage, Total: s.total, ContextWindow: s.settings.ContextWindow, ContextUsed: after})
	}
	s.emit(turnID, protocol.ContextCompacted{TokensBefore: before, TokensAfter: after, Auto: auto})
}

// compactRemote asks the provider to compact the conversation, with the
// request a turn would send now (instructions, opening items, history,
// tools, settings), as Codex does (codex-rs/core/src/compact_remote.rs).
// The new history is what the provider returned, less what kodex sends on
// its own (developer messages, AGENTS.md and the environment context, which
// open every request) and what is not a message or the compaction itself.
func (s *Session) compactRemote(ctx context.Context, turnID string, c model.Compactor) ([]model.Item, *protocol.TokenUsage, error) {
	req := s.request(ctx, turnID, protocol.UserTurn{})
	out, u, err := c.Compact(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	next := keptFromCompaction(out)
	if !slices.ContainsFunc(next, func(it model.Item) bool { return it.Type == model.ItemCompaction }) {
		return nil, nil, errors.New("the provider returned no compaction item")
	}
	var usage *protocol.TokenUsage
	if u != nil {
		tu := protocol.TokenUsage(*u)
		usage = &tu
	}
	return next, usage, nil
}

// keptFromCompaction is the part of a provider's compaction output that
// becomes the history (Codex's should_keep_compacted_history_item): the
// compaction item, assistant messages and the user's own messages.
func keptFromCompaction(out []model.Item) []model.Item {
	kept := make([]model.Item, 0, len(out))
	for _, it := range out {
		switch {
		case it.Type == model.ItemCompaction:
		case it.Type != model.ItemMessage:
			continue
		case it.Role == model.RoleAssistant:
		case it.Role == model.RoleUser && !openingContext(it.Text()):
		default: // developer and system messages, AGENTS.md, the environment
			continue
		}
		kept = append(kept, it)
	}
	return kept
}

// openingContext reports whether a user message's text is one of the items
// that open every request (AGENTS.md, the environment context). A summary
// of an earlier compaction is not: it is history.
func openingContext(text string) bool {
	text = strings.TrimLeft(text, " \t\r\n")
	return strings.HasPrefix(text, prompt.UserInstructionsPrefix) || strings.HasPrefix(text, prompt.EnvironmentContextPrefix)
}

// summarizeFitting asks the model for a summary of the history, dropping
// its oldest part while even that request does not fit.
func (s *Session) summarizeFitting(ctx context.Context, turnID string) (string, *protocol.TokenUsage, error) {
	hist := s.history
	for trims := 0; ; trims++ {
		summary, usage, err := s.summarize(ctx, turnID, hist)
		if err == nil {
			if strings.TrimSpace(summary) == "" {
				return "", nil, errors.New("compacting the conversation: the model wrote no summary")
			}
			return summary, usage, nil
		}
		if ctx.Err() != nil {
			return "", nil, ctx.Err()
		}
		if model.KindOf(err) != model.ErrContextWindow || trims == compactTrims {
			return "", nil, fmt.Errorf("compacting the conversation: %w", err)
		}
		// Even the conversation alone does not fit: drop its oldest part
		// (starting the rest at a user message, so no tool output is left
		// without its call) and try again.
		cut := nextUserMessage(hist, len(hist)/3+1)
		if cut <= 0 || cut >= len(hist) {
			return "", nil, fmt.Errorf("compacting the conversation: %w", err)
		}
		hist = hist[cut:]
	}
}

// summarize asks the model for the summary of hist. Nothing of the answer
// is shown while it streams.
func (s *Session) summarize(ctx context.Context, turnID string, hist []model.Item) (string, *protocol.TokenUsage, error) {
	var input []model.Item
	if s.opts.Opening != nil {
		items, _ := s.opts.Opening(s.settings)
		input = append(input, items...)
	}
	input = append(input, hist...)
	input = append(input, model.UserText(prompt.CompactPrompt()))
	req := &model.Request{
		Model:        s.settings.Model,
		Instructions: s.opts.Instructions,
		Input:        input,
		SessionID:    s.opts.SessionID,
	}
	if s.settings.ReasoningEffort != "" {
		req.Reasoning = &model.Reasoning{Effort: s.settings.ReasoningEffort}
	}
	var (
		text  string
		usage *protocol.TokenUsage
	)
	for ev, err := range s.opts.Model.Stream(ctx, req) {
		if err != nil {
			return "", nil, err
		}
		switch ev.Kind {
		case model.EventRetry:
			text = ""
			s.emit(turnID, retryEvent(ev))
		case model.EventItemDone:
			if ev.Item != nil && ev.Item.Type == model.ItemMessage && ev.Item.Role == model.RoleAssistant {
				text = ev.Item.Text()
			}
		case model.EventCompleted:
			if ev.Usage != nil {
				u := protocol.TokenUsage(*ev.Usage)
				usage = &u
			}
		case model.EventCreated, model.EventItemAdded, model.EventTextDelta, model.EventReasoningDelta, model.EventToolArgsDelta:
			// not shown: the summary is not an answer
		}
	}
	return text, usage, ctx.Err()
}

// compactedHistory is what replaces old: the user's most recent messages
// (text only, the newest kept first up to budget bytes, in their order)
// and the summary, with the plan of the last update_plan call if any. The
// budget is a third of the compaction limit at most, so the result fits
// well under it.
func compactedHistory(old []model.Item, summary string, budget int) []model.Item {
	var kept []model.Item
	for i := len(old) - 1; i >= 0 && budget > 0; i-- {
		it := old[i]
		if it.Type != model.ItemMessage || it.Role != model.RoleUser {
			continue
		}
		text := strings.TrimSpace(it.Text())
		if text == "" || prompt.IsInjected(text) {
			continue
		}
		if len(text) > budget {
			text = "…" + text[len(text)-budget:]
		}
		budget -= len(text)
		kept = append(kept, model.UserText(text))
	}
	slices.Reverse(kept)
	if plan := lastPlan(old); plan != "" {
		summary = strings.TrimSpace(summary) + "\n\nThe plan (update_plan) when the conversation was compacted: " + plan
	}
	return append(kept, model.UserText(prompt.Summary(summary)))
}

// lastPlan returns the arguments of the last update_plan call in items.
func lastPlan(items []model.Item) string {
	for i := len(items) - 1; i >= 0; i-- {
		if it := items[i]; it.Type == model.ItemFunctionCall && it.Name == "update_plan" {
			return it.Arguments
		}
	}
	return ""
}

// nextUserMessage returns the index of the first user message at or after
// from, or -1.
func nextUserMessage(items []model.Item, from int) int {
	for i := from; i < len(items); i++ {
		if items[i].Type == model.ItemMessage && items[i].Role == model.RoleUser {
			return i
		}
	}
	return -1
}
