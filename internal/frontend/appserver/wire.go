package appserver

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// The wire shapes of Codex's app-server v2 protocol that kodex implements
// (camelCase, as codex_app_server_protocol.v2.schemas.json has them). Fields
// the schema requires are always written; optional ones kodex has no value
// for are left out.

type clientInfo struct {
	Name    string `json:"name"`
	Title   string `json:"title,omitempty"`
	Version string `json:"version"`
}

type initializeParams struct {
	ClientInfo   *clientInfo `json:"clientInfo"`
	Capabilities *struct {
		OptOutNotificationMethods []string `json:"optOutNotificationMethods"`
	} `json:"capabilities"`
}

type initializeResponse struct {
	CodexHome      string `json:"codexHome"`
	PlatformFamily string `json:"platformFamily"`
	PlatformOs     string `json:"platformOs"`
	UserAgent      string `json:"userAgent"`
	// Kodex's own, beyond Codex's shape: the protocol version and what
	// this server implements (see docs/protocol.md).
	Kodex kodexInfo `json:"kodex"`
}

type kodexInfo struct {
	Version         string   `json:"version"`
	ProtocolVersion int      `json:"protocolVersion"`
	Methods         []string `json:"methods"`
}

// threadParams are the params of thread/start, thread/resume and
// thread/fork (each reads the ones it knows).
type threadParams struct {
	ThreadID              string                  `json:"threadId"`
	Cwd                   string                  `json:"cwd"`
	Model                 string                  `json:"model"`
	ModelProvider         string                  `json:"modelProvider"`
	ApprovalPolicy        json.RawMessage         `json:"approvalPolicy"`
	Sandbox               protocol.SandboxMode    `json:"sandbox"`
	BaseInstructions      string                  `json:"baseInstructions"`
	DeveloperInstructions string                  `json:"developerInstructions"`
	Ephemeral             *bool                   `json:"ephemeral"`
	Config                map[string]any          `json:"config"`
	ExcludeTurns          bool                    `json:"excludeTurns"`
	Approval              protocol.ApprovalPolicy `json:"-"`
}

type thread struct {
	ID            string         `json:"id"`
	SessionID     string         `json:"sessionId"`
	ForkedFromID  *string        `json:"forkedFromId"`
	Preview       string         `json:"preview"`
	Ephemeral     bool           `json:"ephemeral"`
	Model         *string        `json:"model"`
	ModelProvider string         `json:"modelProvider"`
	CreatedAt     int64          `json:"createdAt"`
	UpdatedAt     int64          `json:"updatedAt"`
	Status        threadStatus   `json:"status"`
	Path          *string        `json:"path"`
	Cwd           string         `json:"cwd"`
	CliVersion    string         `json:"cliVersion"`
	Source        string         `json:"source"`
	Name          *string        `json:"name"`
	ProjectID     *string        `json:"projectId"`
	Turns         []turn         `json:"turns"`
	Extra         map[string]any `json:"-"`
}

type threadStatus struct {
	Type        string
	ActiveFlags []string // active only; always written then
}

func (s threadStatus) MarshalJSON() ([]byte, error) {
	if s.Type != "active" {
		return json.Marshal(map[string]string{"type": s.Type})
	}
	flags := s.ActiveFlags
	if flags == nil {
		flags = []string{}
	}
	return json.Marshal(map[string]any{"type": s.Type, "activeFlags": flags})
}

type threadResponse struct {
	Thread          thread          `json:"thread"`
	Model           string          `json:"model"`
	ModelProvider   string          `json:"modelProvider"`
	Cwd             string          `json:"cwd"`
	ApprovalPolicy  string          `json:"approvalPolicy"`
	ApprovalsRev    string          `json:"approvalsReviewer"`
	Sandbox         sandboxPolicy   `json:"sandbox"`
	ReasoningEffort *string         `json:"reasoningEffort"`
	InstructionSrcs []string        `json:"instructionSources"`
	Extra           json.RawMessage `json:"-"`
}

type sandboxPolicy struct {
	Type          string   `json:"type"`
	WritableRoots []string `json:"writableRoots,omitempty"`
	NetworkAccess bool     `json:"networkAccess"`
}

func wireSandbox(p protocol.SandboxPolicy) sandboxPolicy {
	switch p.Mode {
	case protocol.SandboxDangerFullAccess:
		return sandboxPolicy{Type: "dangerFullAccess"}
	case protocol.SandboxWorkspaceWrite:
		roots := p.WritableRoots
		if roots == nil {
			roots = []string{}
		}
		return sandboxPolicy{Type: "workspaceWrite", WritableRoots: roots, NetworkAccess: p.NetworkAccess}
	case protocol.SandboxReadOnly:
	}
	return sandboxPolicy{Type: "readOnly", NetworkAccess: p.NetworkAccess}
}

// wireApproval is kodex's approval policy as Codex's AskForApproval:
// on-failure, which Codex 0.169 no longer names, is sent as on-request.
func wireApproval(a protocol.ApprovalPolicy) string {
	if a == protocol.ApprovalOnFailure {
		return string(protocol.ApprovalOnRequest)
	}
	return string(a)
}

type turn struct {
	ID          string     `json:"id"`
	Items       []item     `json:"items"`
	Status      string     `json:"status"`
	Error       *turnError `json:"error"`
	StartedAt   *int64     `json:"startedAt"`
	CompletedAt *int64     `json:"completedAt"`
	DurationMs  *int64     `json:"durationMs"`
}

type turnError struct {
	Message           string  `json:"message"`
	AdditionalDetails *string `json:"additionalDetails"`
}

// item is a ThreadItem: the fields of every kind, each kind writing its
// own (see the constructors in items.go).
type item map[string]any

type userInput struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	URL  string `json:"url,omitempty"`
	Path string `json:"path,omitempty"`
}

type turnStartParams struct {
	ThreadID       string               `json:"threadId"`
	Input          []userInput          `json:"input"`
	Cwd            string               `json:"cwd"`
	Model          string               `json:"model"`
	Effort         string               `json:"effort"`
	ApprovalPolicy json.RawMessage      `json:"approvalPolicy"`
	SandboxPolicy  *sandboxPolicyParam  `json:"sandboxPolicy"`
	Sandbox        protocol.SandboxMode `json:"sandbox"`
	OutputSchema   json.RawMessage      `json:"outputSchema"`
}

type turnSteerParams struct {
	ThreadID       string      `json:"threadId"`
	ExpectedTurnID string      `json:"expectedTurnId"`
	Input          []userInput `json:"input"`
}

type threadListParams struct {
	Cursor   string          `json:"cursor"`
	Limit    *int            `json:"limit"`
	Cwd      json.RawMessage `json:"cwd"`
	Archived *bool           `json:"archived"`
}

type fuzzyFileSearchParams struct {
	Query string   `json:"query"`
	Roots []string `json:"roots"`
}

type fuzzyFileSearchResult struct {
	Root      string `json:"root"`
	Path      string `json:"path"`
	FileName  string `json:"file_name"`
	MatchType string `json:"match_type"`
	Score     int    `json:"score"`
	Indices   []int  `json:"indices"`
}

type mcpServerStatusParams struct {
	ThreadID   string `json:"threadId"`
	ServerName string `json:"serverName"`
}

type sandboxPolicyParam struct {
	Type string `json:"type"`
}

type tokenUsageBreakdown struct {
	TotalTokens           int64 `json:"totalTokens"`
	InputTokens           int64 `json:"inputTokens"`
	CachedInputTokens     int64 `json:"cachedInputTokens"`
	OutputTokens          int64 `json:"outputTokens"`
	ReasoningOutputTokens int64 `json:"reasoningOutputTokens"`
}

func wireUsage(u protocol.TokenUsage) tokenUsageBreakdown {
	return tokenUsageBreakdown{
		TotalTokens: u.TotalTokens, InputTokens: u.InputTokens, CachedInputTokens: u.CachedInputTokens,
		OutputTokens: u.OutputTokens, ReasoningOutputTokens: u.ReasoningOutputTokens,
	}
}

func millis(t time.Time) int64 { return t.UnixMilli() }

// shellJoin renders argv as one command line, quoting what a shell would
// split (Codex's commandExecution.command is a string).
func shellJoin(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
			parts[i] = a
			continue
		}
		parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(parts, " ")
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
