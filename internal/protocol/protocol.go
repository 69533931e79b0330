// Package protocol is the contract between kodex's core and its frontends:
// the Ops a frontend submits to a session, the Events a session emits, and the
// shared vocabulary they use (approval policies, sandbox policies, review
// decisions, token usage, plan items, file changes).
//
// Every frontend (TUI, exec, app server, MCP server) is a translator of this
// one stream; none reaches around it into the agent. Encodings are JSON with a
// "type" tag on every Op and Event payload; they are versioned by Version and
// golden-tested. This package uses the standard library only.
package protocol

import (
	"fmt"
	"time"
)

// Version is the protocol version. Bump it on any incompatible change to the
// JSON shape of Ops or Events.
const Version = 2

// ApprovalPolicy says when the user is asked before a command runs.
type ApprovalPolicy string

// Approval policies, with Codex's names.
const (
	ApprovalUntrusted ApprovalPolicy = "untrusted"  // known-safe read-only commands run, everything else asks
	ApprovalOnFailure ApprovalPolicy = "on-failure" // run sandboxed; ask to rerun unsandboxed on failure
	ApprovalOnRequest ApprovalPolicy = "on-request" // the model decides when to ask (default)
	ApprovalNever     ApprovalPolicy = "never"      // never ask; failures go back to the model
)

// ApprovalPolicies lists the valid policies in documentation order.
var ApprovalPolicies = []ApprovalPolicy{ApprovalUntrusted, ApprovalOnFailure, ApprovalOnRequest, ApprovalNever}

// SandboxMode is how much a command may touch.
type SandboxMode string

// Sandbox modes, with Codex's names.
const (
	SandboxReadOnly         SandboxMode = "read-only"
	SandboxWorkspaceWrite   SandboxMode = "workspace-write"
	SandboxDangerFullAccess SandboxMode = "danger-full-access"
)

// SandboxModes lists the valid modes in documentation order.
var SandboxModes = []SandboxMode{SandboxReadOnly, SandboxWorkspaceWrite, SandboxDangerFullAccess}

// SandboxPolicy is what a sandboxed command may do. Paths are absolute.
type SandboxPolicy struct {
	Mode SandboxMode `json:"mode"`
	// WritableRoots are writable in workspace-write mode, besides the
	// command's private temp dir. The session cwd is always the first.
	WritableRoots []string `json:"writable_roots,omitempty"`
	// NetworkAccess allows network in workspace-write mode.
	NetworkAccess bool `json:"network_access,omitempty"`
	// AllowGitWrites keeps ordinary git work (objects, refs, index) writable
	// while hooks and config stay protected.
	AllowGitWrites bool `json:"allow_git_writes,omitempty"`
	// DenyRead lists extra paths commands may not read, beyond the built-in
	// secrets list.
	DenyRead []string `json:"deny_read,omitempty"`
}

// ReviewDecision answers an approval request.
type ReviewDecision string

// Review decisions.
const (
	DecisionApproved           ReviewDecision = "approved"
	DecisionApprovedForSession ReviewDecision = "approved_for_session"
	// DecisionApprovedPrefixRule approves the command and the request's
	// ProposedPrefixRule (Codex's ApprovedExecpolicyAmendment); without a
	// proposal it approves the command once.
	DecisionApprovedPrefixRule ReviewDecision = "approved_execpolicy_amendment"
	DecisionDenied             ReviewDecision = "denied"
	DecisionAbort              ReviewDecision = "abort"
)

// TokenUsage counts tokens.
type TokenUsage struct {
	InputTokens           int64 `json:"input_tokens"`
	CachedInputTokens     int64 `json:"cached_input_tokens"`
	OutputTokens          int64 `json:"output_tokens"`
	ReasoningOutputTokens int64 `json:"reasoning_output_tokens"`
	TotalTokens           int64 `json:"total_tokens"`
}

// Add returns the element-wise sum.
func (u TokenUsage) Add(v TokenUsage) TokenUsage {
	return TokenUsage{
		InputTokens:           u.InputTokens + v.InputTokens,
		CachedInputTokens:     u.CachedInputTokens + v.CachedInputTokens,
		OutputTokens:          u.OutputTokens + v.OutputTokens,
		ReasoningOutputTokens: u.ReasoningOutputTokens + v.ReasoningOutputTokens,
		TotalTokens:           u.TotalTokens + v.TotalTokens,
	}
}

// PlanStatus is a plan step's status.
type PlanStatus string

// Plan step statuses.
const (
	PlanPending    PlanStatus = "pending"
	PlanInProgress PlanStatus = "in_progress"
	PlanCompleted  PlanStatus = "completed"
)

// PlanItem is one step of the agent's plan.
type PlanItem struct {
	Step   string     `json:"step"`
	Status PlanStatus `json:"status"`
}

// ChangeKind is what a patch does to a file.
type ChangeKind string

// File change kinds (Codex's exec JSON names).
const (
	ChangeAdd    ChangeKind = "add"
	ChangeDelete ChangeKind = "delete"
	ChangeUpdate ChangeKind = "update"
)

// FileChange is one file touched by a patch.
type FileChange struct {
	Path        string     `json:"path"`
	Kind        ChangeKind `json:"kind"`
	MovePath    string     `json:"move_path,omitempty"`    // update with rename: the new path
	UnifiedDiff string     `json:"unified_diff,omitempty"` // update: the diff; add: the new content as a diff
}

// InputItem is one piece of user input.
type InputItem struct {
	Type     string `json:"type"`                // "text", "image" (URL) or "local_image" (path)
	Text     string `json:"text,omitempty"`      // text
	ImageURL string `json:"image_url,omitempty"` // image
	Path     string `json:"path,omitempty"`      // local_image
}

// Input item types.
const (
	InputText       = "text"
	InputImage      = "image"
	InputLocalImage = "local_image"
)

// ErrorInfo describes a failure for frontends: what happened, what to do,
// and a stable code frontends and exit codes can key on.
type ErrorInfo struct {
	Code    string `json:"code"` // e.g. "auth", "rate_limit", "context_window", "sandbox_unavailable", "model", "internal"
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

func (e ErrorInfo) String() string {
	if e.Hint == "" {
		return e.Message
	}
	return fmt.Sprintf("%s; %s", e.Message, e.Hint)
}

// Duration is a time.Duration encoded in JSON as milliseconds.
type Duration time.Duration

// MarshalJSON encodes d as integer milliseconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%d", time.Duration(d).Milliseconds()), nil
}

// UnmarshalJSON decodes integer milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var ms int64
	if _, err := fmt.Sscan(string(b), &ms); err != nil {
		return fmt.Errorf("decoding duration: %w", err)
	}
	*d = Duration(time.Duration(ms) * time.Millisecond)
	return nil
}
