package protocol

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// Event is one thing a session reports. Seq is assigned by the session and
// strictly increases by one per event, so a consumer can detect loss; ID is
// the submission that caused the event ("" for session-level events).
type Event struct {
	Seq uint64   `json:"seq"`
	ID  string   `json:"id,omitempty"`
	Msg EventMsg `json:"msg"`
}

// EventMsg is an event payload. The concrete types below are the only
// implementations.
type EventMsg interface{ EventType() string }

// SessionConfigured is the first event of every session.
type SessionConfigured struct {
	SessionID        string         `json:"session_id"`
	ProtocolVersion  int            `json:"protocol_version"`
	Model            string         `json:"model"`
	Provider         string         `json:"provider"`
	ReasoningEffort  string         `json:"reasoning_effort,omitempty"`
	Cwd              string         `json:"cwd"`
	ApprovalPolicy   ApprovalPolicy `json:"approval_policy"`
	Sandbox          SandboxPolicy  `json:"sandbox_policy"`
	SandboxMechanism string         `json:"sandbox_mechanism"` // e.g. "landlock+seccomp+namespaces", "seatbelt", "none (unsandboxed)"
	RolloutPath      string         `json:"rollout_path,omitempty"`
	ContextWindow    int64          `json:"context_window,omitempty"`
	// Resumed is true when the session continues a recorded one; History then
	// holds the number of items restored.
	Resumed bool `json:"resumed,omitempty"`
	History int  `json:"history_items,omitempty"`
}

// TurnStarted opens a turn.
type TurnStarted struct {
	TurnID string `json:"turn_id"`
}

// TurnComplete closes a turn that ended normally.
type TurnComplete struct {
	TurnID      string `json:"turn_id"`
	LastMessage string `json:"last_agent_message,omitempty"`
}

// TurnAborted closes a turn ended by an interrupt or an aborted approval.
type TurnAborted struct {
	TurnID string `json:"turn_id"`
	Reason string `json:"reason"` // "interrupted" or "approval_aborted"
}

// TurnFailed closes a turn that ended with an error.
type TurnFailed struct {
	TurnID string    `json:"turn_id"`
	Error  ErrorInfo `json:"error"`
}

// AgentMessageDelta streams assistant text.
type AgentMessageDelta struct {
	ItemID string `json:"item_id"`
	Delta  string `json:"delta"`
}

// AgentMessage is a complete assistant message.
type AgentMessage struct {
	ItemID string `json:"item_id"`
	Text   string `json:"text"`
}

// ReasoningDelta streams a reasoning summary.
type ReasoningDelta struct {
	ItemID string `json:"item_id"`
	Delta  string `json:"delta"`
}

// Reasoning is a complete reasoning summary.
type Reasoning struct {
	ItemID string `json:"item_id"`
	Text   string `json:"text"`
}

// ExecBegin reports that a command started.
type ExecBegin struct {
	CallID  string   `json:"call_id"`
	Command []string `json:"command"`
	Cwd     string   `json:"cwd"`
	Sandbox string   `json:"sandbox"` // mechanism in effect for this command
	// ProcessID is set for a command started by exec_command, which may
	// keep running after its call and the turn: its output deltas and its
	// ExecEnd (with this CallID) may come later, between turns too, until it
	// exits or is ended (Interrupt, EndProcess, the session's end).
	ProcessID int `json:"process_id,omitempty"`
}

// ExecOutputDelta is a chunk of a running command's output. Chunk is raw
// bytes (base64 in JSON), so non-UTF-8 output survives.
type ExecOutputDelta struct {
	CallID string `json:"call_id"`
	Stream string `json:"stream"` // "stdout" or "stderr"
	Chunk  []byte `json:"chunk"`
}

// ExecEnd reports that a command finished.
type ExecEnd struct {
	CallID  string   `json:"call_id"`
	Command []string `json:"command"`
	// ExitCode is the command's exit status; -1 if it was killed or never ran.
	ExitCode int      `json:"exit_code"`
	Duration Duration `json:"duration_ms"`
	// AggregatedOutput is stdout and stderr interleaved, capped head+tail
	// (valid UTF-8, with a marker where bytes were cut).
	AggregatedOutput string `json:"aggregated_output"`
	TimedOut         bool   `json:"timed_out,omitempty"`
	SandboxDenied    bool   `json:"sandbox_denied,omitempty"`
	Declined         bool   `json:"declined,omitempty"` // not run: approval denied
}

// TerminalInteraction reports what the model wrote to a process
// exec_command left running (write_stdin), as Codex's terminal interaction
// event: CallID is the exec_command call's, ProcessID the process's.
type TerminalInteraction struct {
	CallID    string `json:"call_id"`
	ProcessID int    `json:"process_id"`
	Stdin     string `json:"stdin"`
}

// PatchApplyBegin reports that a patch is being applied.
type PatchApplyBegin struct {
	CallID       string       `json:"call_id"`
	Changes      []FileChange `json:"changes"`
	AutoApproved bool         `json:"auto_approved"`
}

// PatchApplyEnd reports a patch's outcome.
type PatchApplyEnd struct {
	CallID  string       `json:"call_id"`
	Success bool         `json:"success"`
	Changes []FileChange `json:"changes"`
	Output  string       `json:"output"` // A/M/D summary or the error
	// Declined: not applied because the user said no or the approval
	// policy does not allow it (Output says why), not because it failed.
	Declined bool `json:"declined,omitempty"`
}

// ExecApprovalRequest asks the user whether a command may run. Answer with
// an ExecApproval op carrying the same CallID.
type ExecApprovalRequest struct {
	CallID        string   `json:"call_id"`
	Command       []string `json:"command"`
	Cwd           string   `json:"cwd"`
	Reason        string   `json:"reason,omitempty"`        // why approval is needed
	Justification string   `json:"justification,omitempty"` // the model's words
	Escalated     bool     `json:"escalated,omitempty"`     // would run outside the sandbox
	// ProposedPrefixRule is the command prefix the model proposes (its
	// prefix_rule, Codex's proposed_execpolicy_amendment): answered with
	// DecisionApprovedPrefixRule, later commands made only of commands
	// starting with it run outside the sandbox without asking.
	ProposedPrefixRule []string `json:"proposed_execpolicy_amendment,omitempty"`
}

// PatchApprovalRequest asks the user whether a patch may be applied.
type PatchApprovalRequest struct {
	CallID  string       `json:"call_id"`
	Changes []FileChange `json:"changes"`
	Reason  string       `json:"reason,omitempty"`
}

// PlanUpdate carries the model's plan (update_plan tool).
type PlanUpdate struct {
	CallID      string     `json:"call_id,omitempty"`
	Explanation string     `json:"explanation,omitempty"`
	Plan        []PlanItem `json:"plan"`
}

// TokenCount reports usage after each model response.
type TokenCount struct {
	Last          TokenUsage `json:"last"`  // the latest response
	Turn          TokenUsage `json:"turn"`  // this turn so far
	Total         TokenUsage `json:"total"` // the session so far
	ContextWindow int64      `json:"context_window,omitempty"`
	// ContextUsed is the latest response's total tokens (its input plus
	// its output): how full the context window is for the next request.
	ContextUsed int64 `json:"context_used,omitempty"`
	// RateLimits is what the provider said of its limits with the latest
	// response, if anything.
	RateLimits *RateLimits `json:"rate_limits,omitempty"`
}

// RateLimits is what a provider reported about its limits: request and
// token windows (OpenAI's x-ratelimit-* headers) and the usage of a plan's
// windows (primary, secondary).
type RateLimits struct {
	Requests  *LimitWindow `json:"requests,omitempty"`
	Tokens    *LimitWindow `json:"tokens,omitempty"`
	Primary   *UsageWindow `json:"primary,omitempty"`
	Secondary *UsageWindow `json:"secondary,omitempty"`
}

// LimitWindow is a count limit: Remaining of Limit left, reset in
// ResetsInSeconds.
type LimitWindow struct {
	Limit           int64   `json:"limit"`
	Remaining       int64   `json:"remaining"`
	ResetsInSeconds float64 `json:"resets_in_seconds,omitempty"`
}

// UsageWindow is a plan window, as Codex reports it: the percentage used,
// the window's length and when it starts over.
type UsageWindow struct {
	UsedPercent     float64 `json:"used_percent"`
	WindowMinutes   int64   `json:"window_minutes,omitempty"`
	ResetsInSeconds int64   `json:"resets_in_seconds,omitempty"`
}

// Warning is something the user should know that did not stop the turn
// (a retried stream, a degraded sandbox, a truncated AGENTS.md).
type Warning struct {
	Message string `json:"message"`
}

// Retry reports that a model request failed and is being sent again: a
// broken stream (what it streamed is discarded), an HTTP 5xx, a network
// error or a rate limit. The turn goes on.
type Retry struct {
	Attempt     int      `json:"attempt"`      // 1 for the first retry
	MaxAttempts int      `json:"max_attempts"` // the retries allowed
	Wait        Duration `json:"wait_ms"`      // before the next attempt
	Reason      string   `json:"reason"`
	RateLimited bool     `json:"rate_limited,omitempty"`
}

// String is the retry as Codex reports it (exec --json's top-level error
// event): "Reconnecting... 2/5 (reason)".
func (r Retry) String() string {
	s := fmt.Sprintf("Reconnecting... %d/%d", r.Attempt, r.MaxAttempts)
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	return s
}

// Error reports an error that is not a turn failure (a bad op, a failed
// rollout write).
type Error struct {
	ErrorInfo
}

// ShutdownComplete is the last event of a session.
type ShutdownComplete struct{}

// EventType implementations.
func (SessionConfigured) EventType() string    { return "session_configured" }
func (TurnStarted) EventType() string          { return "turn_started" }
func (TurnComplete) EventType() string         { return "turn_complete" }
func (TurnAborted) EventType() string          { return "turn_aborted" }
func (TurnFailed) EventType() string           { return "turn_failed" }
func (AgentMessageDelta) EventType() string    { return "agent_message_delta" }
func (AgentMessage) EventType() string         { return "agent_message" }
func (ReasoningDelta) EventType() string       { return "reasoning_delta" }
func (Reasoning) EventType() string            { return "reasoning" }
func (ExecBegin) EventType() string            { return "exec_begin" }
func (ExecOutputDelta) EventType() string      { return "exec_output_delta" }
func (ExecEnd) EventType() string              { return "exec_end" }
func (TerminalInteraction) EventType() string  { return "terminal_interaction" }
func (PatchApplyBegin) EventType() string      { return "patch_apply_begin" }
func (PatchApplyEnd) EventType() string        { return "patch_apply_end" }
func (ExecApprovalRequest) EventType() string  { return "exec_approval_request" }
func (PatchApprovalRequest) EventType() string { return "patch_approval_request" }
func (PlanUpdate) EventType() string           { return "plan_update" }
func (TokenCount) EventType() string           { return "token_count" }
func (Warning) EventType() string              { return "warning" }
func (Retry) EventType() string                { return "retry" }
func (Error) EventType() string                { return "error" }
func (ShutdownComplete) EventType() string     { return "shutdown_complete" }

func newEventMsg(typ string) (EventMsg, error) {
	switch typ {
	case "session_configured":
		return &SessionConfigured{}, nil
	case "turn_started":
		return &TurnStarted{}, nil
	case "turn_complete":
		return &TurnComplete{}, nil
	case "turn_aborted":
		return &TurnAborted{}, nil
	case "turn_failed":
		return &TurnFailed{}, nil
	case "agent_message_delta":
		return &AgentMessageDelta{}, nil
	case "agent_message":
		return &AgentMessage{}, nil
	case "reasoning_delta":
		return &ReasoningDelta{}, nil
	case "reasoning":
		return &Reasoning{}, nil
	case "exec_begin":
		return &ExecBegin{}, nil
	case "exec_output_delta":
		return &ExecOutputDelta{}, nil
	case "exec_end":
		return &ExecEnd{}, nil
	case "terminal_interaction":
		return &TerminalInteraction{}, nil
	case "patch_apply_begin":
		return &PatchApplyBegin{}, nil
	case "patch_apply_end":
		return &PatchApplyEnd{}, nil
	case "exec_approval_request":
		return &ExecApprovalRequest{}, nil
	case "patch_approval_request":
		return &PatchApprovalRequest{}, nil
	case "plan_update":
		return &PlanUpdate{}, nil
	case "token_count":
		return &TokenCount{}, nil
	case "context_compacted":
		return &ContextCompacted{}, nil
	case "warning":
		return &Warning{}, nil
	case "retry":
		return &Retry{}, nil
	case "error":
		return &Error{}, nil
	case "shutdown_complete":
		return &ShutdownComplete{}, nil
	}
	return newMCPEvent(typ)
}

// MarshalJSON encodes the event with the payload's "type" tag.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.Msg == nil {
		return nil, fmt.Errorf("event %d has no payload", e.Seq)
	}
	msg, err := marshalTagged(e.Msg.EventType(), e.Msg)
	if err != nil {
		return nil, err
	}
	// Built by hand: encoding msg again as a json.RawMessage would scan
	// it once more (a command's output can be a megabyte).
	out := make([]byte, 0, len(msg)+len(e.ID)+40)
	out = append(out, `{"seq":`...)
	out = strconv.AppendUint(out, e.Seq, 10)
	if e.ID != "" {
		id, _ := json.Marshal(e.ID)
		out = append(out, `,"id":`...)
		out = append(out, id...)
	}
	out = append(out, `,"msg":`...)
	out = append(out, msg...)
	return append(out, '}'), nil
}

// UnmarshalJSON decodes an event, choosing the payload type by its tag.
// Payloads are stored as values (AgentMessage, not *AgentMessage).
func (e *Event) UnmarshalJSON(b []byte) error {
	var raw struct {
		Seq uint64          `json:"seq"`
		ID  string          `json:"id"`
		Msg json.RawMessage `json:"msg"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("decoding event: %w", err)
	}
	typ, err := typeTag(raw.Msg)
	if err != nil {
		return fmt.Errorf("decoding event %d: %w", raw.Seq, err)
	}
	msg, err := newEventMsg(typ)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw.Msg, msg); err != nil {
		return fmt.Errorf("decoding %s event: %w", typ, err)
	}
	e.Seq, e.ID, e.Msg = raw.Seq, raw.ID, deref(msg).(EventMsg)
	return nil
}

// marshalTagged encodes v, a struct, as a JSON object whose first member is
// "type": typ.
func marshalTagged(typ string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", typ, err)
	}
	tag, _ := json.Marshal(typ)
	out := make([]byte, 0, len(body)+len(tag)+10)
	out = append(out, `{"type":`...)
	out = append(out, tag...)
	if len(body) > 2 { // not "{}"
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

func typeTag(b json.RawMessage) (string, error) {
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return "", err
	}
	if t.Type == "" {
		return "", fmt.Errorf("missing type tag")
	}
	return t.Type, nil
}

// deref turns the *T made by a constructor into the T value stored in Ops
// and Events, so type switches match on values.
func deref(p any) any { return reflect.ValueOf(p).Elem().Interface() }
