package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// maxSteps bounds the model round trips of one turn, so a model stuck in a
// tool loop ends with an error instead of running forever.
const maxSteps = 500

// runTurn runs one turn to completion, abortion or failure. It owns
// s.history and s.settings while it runs.
func (s *Session) runTurn(ctx context.Context, turnID string, ut protocol.UserTurn) {
	warn := s.applyOverrides(ut)
	s.emit(turnID, protocol.TurnStarted{TurnID: turnID})
	if warn != "" {
		s.emit(turnID, protocol.Warning{Message: warn})
	}
	user, warn := s.userItem(ut.Items)
	if warn != "" {
		s.emit(turnID, protocol.Warning{Message: warn})
	}
	s.record(user)

	var turnUsage protocol.TokenUsage
	var last string
	for step := 0; ; step++ {
		if step == maxSteps {
			s.fail(turnID, protocol.ErrorInfo{Code: "internal", Message: fmt.Sprintf("the model made %d requests in one turn without finishing", maxSteps), Hint: "interrupt and rephrase the task"})
			return
		}
		// Before the turn's first request, its new message stays out of
		// the compaction and follows it (see compact).
		keep := 0
		if step == 0 {
			keep = 1
		}
		if s.needsCompaction() {
			if err := s.compact(ctx, turnID, true, keep); err != nil {
				if ctx.Err() != nil {
					s.endWithError(ctx, turnID, err)
					return
				}
				// The request may still fit (the estimate is rough); if it
				// does not, the server's context error is the backstop.
				s.emit(turnID, protocol.Warning{Message: err.Error() + "; going on without compacting"})
			}
		}
		res, err := s.sample(ctx, turnID, s.request(ctx, turnID, ut))
		if err != nil && model.KindOf(err) == model.ErrContextWindow && ctx.Err() == nil && len(s.history) > 1 {
			// The estimate was short: compact, then retry the request once
			// (a new message too big to keep whole is compacted too).
			if cerr := s.compact(ctx, turnID, true, keep); cerr == nil {
				res, err = s.sample(ctx, turnID, s.request(ctx, turnID, ut))
			}
		}
		if err != nil {
			s.endWithError(ctx, turnID, err)
			return
		}
		s.record(res.items...)
		if res.usage != nil {
			turnUsage = turnUsage.Add(*res.usage)
			s.total = s.total.Add(*res.usage)
			s.noteUsage(res.usage.TotalTokens)
			s.emit(turnID, protocol.TokenCount{Last: *res.usage, Turn: turnUsage, Total: s.total, ContextWindow: s.settings.ContextWindow, ContextUsed: res.usage.TotalTokens, RateLimits: res.rateLimits})
		}
		if res.message != "" {
			last = res.message
		}
		if len(res.calls) == 0 {
			if s.takeSteered(turnID) { // the user added input: answer it too
				continue
			}
			s.emit(turnID, protocol.TurnComplete{TurnID: turnID, LastMessage: last})
			return
		}
		s.toolCalls += len(res.calls)
		outputs, images, err := s.runCalls(ctx, turnID, res.calls)
		s.history = append(s.history, outputs...) // recorded by runCalls
		if len(images) > 0 {
			s.record(imageMessage(images))
		}
		if err != nil {
			s.endWithError(ctx, turnID, err)
			return
		}
		s.takeSteered(turnID)
	}
}

// takeSteered moves the input steered into the running turn (Steer) into
// the conversation, and reports whether there was any.
func (s *Session) takeSteered(turnID string) bool {
	s.mu.Lock()
	steered := s.steered
	s.steered = nil
	s.mu.Unlock()
	for _, items := range steered {
		user, warn := s.userItem(items)
		if warn != "" {
			s.emit(turnID, protocol.Warning{Message: warn})
		}
		s.record(user)
	}
	return len(steered) > 0
}

func (s *Session) endWithError(ctx context.Context, turnID string, err error) {
	switch {
	case ctx.Err() != nil: // before ErrAborted: an interrupt also ends pending approvals
		s.emit(turnID, protocol.TurnAborted{TurnID: turnID, Reason: "interrupted"})
	case errors.Is(err, tools.ErrAborted):
		s.emit(turnID, protocol.TurnAborted{TurnID: turnID, Reason: "approval_aborted"})
	default:
		s.fail(turnID, errorInfo(err))
	}
}

func (s *Session) fail(turnID string, info protocol.ErrorInfo) {
	s.emit(turnID, protocol.TurnFailed{TurnID: turnID, Error: info})
}

// applyOverrides applies a UserTurn's overrides to the session settings.
// It returns a warning for the user when an override could not be applied.
func (s *Session) applyOverrides(ut protocol.UserTurn) string {
	if ut.Model != "" {
		s.settings.Model = ut.Model
	}
	if ut.ReasoningEffort != "" {
		s.settings.ReasoningEffort = ut.ReasoningEffort
	}
	if ut.ApprovalPolicy != "" {
		s.settings.ApprovalPolicy = ut.ApprovalPolicy
	}
	mode, resolve := s.settings.Sandbox.Mode, false
	if ut.Cwd != "" && ut.Cwd != s.settings.Cwd {
		s.settings.Cwd, resolve = ut.Cwd, true
	}
	if ut.SandboxMode != nil {
		mode, resolve = *ut.SandboxMode, true
	}
	if !resolve {
		return ""
	}
	return s.resolveSandbox(mode)
}

// resolveSandbox makes the session's policy the complete policy for mode
// in the session's cwd. It returns a warning when it cannot.
func (s *Session) resolveSandbox(mode protocol.SandboxMode) string {
	current := s.settings.Sandbox.Mode
	if !slices.Contains(protocol.SandboxModes, mode) {
		return fmt.Sprintf("unknown sandbox mode %q (want read-only, workspace-write or danger-full-access); commands keep running under %s", mode, current)
	}
	if s.opts.ResolvePolicy == nil {
		return fmt.Sprintf("this session cannot change its sandbox; commands keep running under %s", current)
	}
	s.settings.Sandbox = s.opts.ResolvePolicy(mode, s.settings.Cwd)
	return ""
}

// userItem converts user input into a message item. Images that cannot be
// loaded become a note to the model and a warning to the user.
func (s *Session) userItem(in []protocol.InputItem) (model.Item, string) {
	it := model.Item{Type: model.ItemMessage, Role: model.RoleUser}
	var warns []string
	for _, x := range in {
		switch x.Type {
		case protocol.InputText:
			it.Content = append(it.Content, model.ContentPart{Type: model.PartInputText, Text: x.Text})
		case protocol.InputImage:
			it.Content = append(it.Content, model.ContentPart{Type: model.PartInputImage, ImageURL: x.ImageURL})
		case protocol.InputLocalImage:
			url, err := s.loadImage(x.Path)
			if err != nil {
				warns = append(warns, err.Error())
				it.Content = append(it.Content, model.ContentPart{Type: model.PartInputText, Text: fmt.Sprintf("(the user attached the image %s, but it could not be read: %v)", x.Path, err)})
				continue
			}
			it.Content = append(it.Content, model.ContentPart{Type: model.PartInputImage, ImageURL: url})
		}
	}
	return it, strings.Join(warns, "; ")
}

func (s *Session) loadImage(path string) (string, error) {
	if s.opts.LoadImage == nil {
		return "", fmt.Errorf("images are not supported here")
	}
	return s.opts.LoadImage(path)
}

func imageMessage(urls []string) model.Item {
	it := model.Item{Type: model.ItemMessage, Role: model.RoleUser}
	for _, u := range urls {
		it.Content = append(it.Content, model.ContentPart{Type: model.PartInputImage, ImageURL: u})
	}
	return it
}

// request assembles the model request for the next step of a turn. What the
// opening items warn about (a skipped AGENTS.md) is said once per session.
// The tools of sets still starting (MCP servers) are waited for, bounded by
// their start-up timeout and ctx.
func (s *Session) request(ctx context.Context, turnID string, ut protocol.UserTurn) *model.Request {
	var input []model.Item
	if s.opts.Opening != nil {
		items, warnings := s.opts.Opening(s.settings)
		input = append(input, items...)
		for _, w := range warnings {
			if !s.warned[w] {
				if s.warned == nil {
					s.warned = map[string]bool{}
				}
				s.warned[w] = true
				s.emit(turnID, protocol.Warning{Message: w})
			}
		}
	}
	input = append(input, s.history...)
	req := &model.Request{
		Model:             s.settings.Model,
		Instructions:      s.opts.Instructions,
		Input:             input,
		ParallelToolCalls: true,
		OutputSchema:      ut.OutputSchema,
		SessionID:         s.opts.SessionID,
	}
	if s.opts.Tools != nil {
		req.Tools = s.opts.Tools.SpecsFor(s.settings.ApprovalPolicy, s.settings.Model)
		req.Tools = append(req.Tools, s.opts.Tools.SetSpecs(ctx)...)
	}
	req.Verbosity, req.MaxOutputTokens = s.settings.Verbosity, s.settings.MaxOutputTokens
	if s.settings.ReasoningEffort != "" || s.settings.ReasoningSummary != "" {
		req.Reasoning = &model.Reasoning{Effort: s.settings.ReasoningEffort, Summary: s.settings.ReasoningSummary}
	}
	return req
}

// sampled is the outcome of one model response.
type sampled struct {
	items   []model.Item // every output item, in order
	calls   []tools.Call
	message string // the last assistant message's text
	usage   *protocol.TokenUsage
	// rateLimits: what the provider said of its limits with the response.
	rateLimits *protocol.RateLimits
	// done holds the completed-item events of this response. They are
	// published when the response completes, so a retried stream does not
	// report an item twice and an interrupted one reports nothing that is
	// not in the history.
	done []protocol.EventMsg
}

// sample streams one response, publishing deltas and completed items.
func (s *Session) sample(ctx context.Context, turnID string, req *model.Request) (sampled, error) {
	var res sampled
	for ev, err := range s.opts.Model.Stream(ctx, req) {
		if err != nil {
			return sampled{}, err
		}
		switch ev.Kind {
		case model.EventRetry:
			res = sampled{}
			s.emit(turnID, retryEvent(ev))
		case model.EventTextDelta:
			s.emit(turnID, protocol.AgentMessageDelta{ItemID: ev.ItemID, Delta: ev.Delta})
		case model.EventReasoningDelta:
			s.emit(turnID, protocol.ReasoningDelta{ItemID: ev.ItemID, Delta: ev.Delta})
		case model.EventItemDone:
			if ev.Item != nil {
				s.itemDone(turnID, &res, *ev.Item)
			}
		case model.EventCompleted:
			for _, m := range res.done {
				s.emit(turnID, m)
			}
			if ev.Usage != nil {
				u := protocol.TokenUsage(*ev.Usage)
				res.usage = &u
			}
			res.rateLimits = protocolRateLimits(ev.RateLimits)
		case model.EventCreated, model.EventItemAdded, model.EventToolArgsDelta:
		}
	}
	return res, ctx.Err()
}

func (s *Session) itemDone(turnID string, res *sampled, it model.Item) {
	res.items = append(res.items, it)
	switch it.Type {
	case model.ItemMessage:
		if it.Role == model.RoleAssistant {
			res.message = it.Text()
			res.done = append(res.done, protocol.AgentMessage{ItemID: it.ID, Text: res.message})
		}
	case model.ItemReasoning:
		if text := it.Text(); text != "" {
			res.done = append(res.done, protocol.Reasoning{ItemID: it.ID, Text: text})
		}
	case model.ItemFunctionCall:
		res.calls = append(res.calls, tools.Call{ID: it.CallID, Name: it.Name, Kind: model.ToolFunction, Input: it.Arguments})
	case model.ItemCustomToolCall:
		res.calls = append(res.calls, tools.Call{ID: it.CallID, Name: it.Name, Kind: model.ToolCustom, Input: it.Input})
	case model.ItemFunctionCallOutput, model.ItemCustomToolCallOutput, model.ItemCompaction:
	}
}

// runCalls runs the calls of one response and returns their outputs in call
// order. Consecutive read-only calls run in parallel. Every call gets an
// output, even when the turn is interrupted, so the history stays valid.
//
// Each output is recorded in the rollout the moment its call finishes, so
// a kodex killed mid-turn loses no finished call's output (those of calls
// that never finished are made up on resume, see repairHistory); the
// outputs are returned in call order for the history.
func (s *Session) runCalls(ctx context.Context, turnID string, calls []tools.Call) ([]model.Item, []string, error) {
	outs := make([]model.Item, len(calls))
	results := make([]tools.Result, len(calls))
	recorded := make([]bool, len(calls))
	finished := func(k int) {
		outs[k], recorded[k] = outputItem(calls[k], results[k], nil), true
		s.persist(outs[k])
	}
	var firstErr error
	for i := 0; i < len(calls); {
		j := i + 1
		if s.readOnly(calls[i]) {
			for j < len(calls) && s.readOnly(calls[j]) {
				j++
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, j-i)
		for k := i; k < j; k++ {
			if ctx.Err() != nil || firstErr != nil {
				results[k] = tools.ErrorResult("aborted: the turn was interrupted before this call ran")
				continue
			}
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				results[k], errs[k-i] = s.handle(ctx, turnID, calls[k])
				if errs[k-i] == nil && results[k].Output != "" {
					finished(k)
				}
			}(k)
			if j-i == 1 {
				wg.Wait()
			}
		}
		wg.Wait()
		for _, e := range errs {
			if e != nil && firstErr == nil {
				firstErr = e
			}
		}
		i = j
	}
	var images []string
	var rest []model.Item
	for i, c := range calls {
		if !recorded[i] {
			outs[i] = outputItem(c, results[i], firstErr)
			rest = append(rest, outs[i])
		}
		images = append(images, results[i].Images...)
	}
	s.persist(rest...)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return outs, images, firstErr
}

func outputItem(c tools.Call, r tools.Result, turnErr error) model.Item {
	out := r.Output
	if out == "" && turnErr != nil {
		out = "aborted: " + turnErr.Error()
	}
	typ := model.ItemFunctionCallOutput
	if c.Kind == model.ToolCustom {
		typ = model.ItemCustomToolCallOutput
	}
	return model.Item{Type: typ, CallID: c.ID, Output: out}
}

func (s *Session) readOnly(c tools.Call) bool {
	return s.opts.Tools != nil && s.opts.Tools.ReadOnly(c)
}

// handle runs one call with an Env bound to this turn.
func (s *Session) handle(ctx context.Context, turnID string, c tools.Call) (tools.Result, error) {
	if s.opts.Tools == nil {
		return tools.ErrorResult("no tools are available in this session"), nil
	}
	env := &tools.Env{
		SessionID:      s.opts.SessionID,
		TurnID:         turnID,
		Cwd:            s.settings.Cwd,
		ApprovalPolicy: s.settings.ApprovalPolicy,
		Sandbox:        s.settings.Sandbox,
		Emit:           func(m protocol.EventMsg) { s.emit(turnID, m) },
		Approve: func(ctx context.Context, req protocol.EventMsg) (protocol.ReviewDecision, string) {
			return s.approve(ctx, turnID, req)
		},
		Approved: s.approvedForSession,
		Remember: s.rememberForSession,
	}
	if resolve := s.opts.ResolvePolicy; resolve != nil {
		cwd := s.settings.Cwd
		env.ResolvePolicy = func(mode protocol.SandboxMode) protocol.SandboxPolicy { return resolve(mode, cwd) }
	}
	return s.opts.Tools.Handle(ctx, env, c)
}

// approve publishes an approval request and waits for the decision. In a
// non-interactive session it declines at once.
func (s *Session) approve(ctx context.Context, turnID string, req protocol.EventMsg) (protocol.ReviewDecision, string) {
	if !s.opts.Interactive {
		return protocol.DecisionDenied, "no one can approve in this mode (kodex exec); run with a policy that does not ask, e.g. --full-auto, or interactively"
	}
	var callID string
	switch r := req.(type) {
	case protocol.ExecApprovalRequest:
		callID = r.CallID
	case protocol.PatchApprovalRequest:
		callID = r.CallID
	case protocol.McpToolApprovalRequest:
		callID = r.CallID
	default:
		return protocol.DecisionDenied, fmt.Sprintf("unsupported approval request %T", req)
	}
	ch := make(chan protocol.ReviewDecision, 1)
	s.mu.Lock()
	s.pending[callID] = ch
	s.mu.Unlock()
	s.emit(turnID, req)
	select {
	case d := <-ch:
		s.mu.Lock()
		fb := s.feedback[callID]
		delete(s.feedback, callID)
		s.mu.Unlock()
		return d, fb
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.pending, callID)
		delete(s.feedback, callID)
		s.mu.Unlock()
		return protocol.DecisionAbort, ""
	}
}

func (s *Session) approvedForSession(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session[key]
}

func (s *Session) rememberForSession(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.session[key] = true
}

// retryEvent describes a model request being sent again.
func retryEvent(ev model.Event) protocol.Retry {
	r := protocol.Retry{Attempt: ev.Attempt, MaxAttempts: ev.MaxAttempts, Wait: protocol.Duration(ev.Wait)}
	if ev.Err != nil {
		r.Reason = ev.Err.Error()
	}
	var me *model.Error
	if errors.As(ev.Err, &me) {
		r.Reason = me.Kind.String() + messageSuffix(me.Message) // no hint: it is for a final failure
		r.RateLimited = me.Kind == model.ErrRateLimit
	}
	return r
}

// protocolRateLimits converts what the model client read from a response's
// headers (nil: nothing).
func protocolRateLimits(rl *model.RateLimits) *protocol.RateLimits {
	if rl == nil {
		return nil
	}
	limit := func(w *model.LimitWindow) *protocol.LimitWindow {
		if w == nil {
			return nil
		}
		return &protocol.LimitWindow{Limit: w.Limit, Remaining: w.Remaining, ResetsInSeconds: w.ResetIn.Seconds()}
	}
	usage := func(w *model.UsageWindow) *protocol.UsageWindow {
		if w == nil {
			return nil
		}
		return &protocol.UsageWindow{UsedPercent: w.UsedPercent, WindowMinutes: int64(w.Window.Minutes()), ResetsInSeconds: int64(w.ResetIn.Seconds())}
	}
	return &protocol.RateLimits{Requests: limit(rl.Requests), Tokens: limit(rl.Tokens), Primary: usage(rl.Primary), Secondary: usage(rl.Secondary)}
}
