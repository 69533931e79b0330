// Package model owns the provider-neutral vocabulary kodex uses to talk to
// language models: conversation items, tool specifications, requests, the
// streamed events of one response, token usage, typed model errors, and the
// Client interface that wire implementations (see internal/model/openai)
// satisfy.
//
// The item model follows the OpenAI Responses API because it is the richest of
// the wires kodex speaks; the Chat Completions implementation converts to and
// from it. This package imports nothing internal and does no I/O.
package model

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// ItemType names the kind of a conversation item.
type ItemType string

// Item types, with their Responses API names.
const (
	ItemMessage              ItemType = "message"
	ItemFunctionCall         ItemType = "function_call"
	ItemFunctionCallOutput   ItemType = "function_call_output"
	ItemCustomToolCall       ItemType = "custom_tool_call"
	ItemCustomToolCallOutput ItemType = "custom_tool_call_output"
	ItemReasoning            ItemType = "reasoning"
	// ItemCompaction is a provider's opaque record of a compacted
	// conversation (EncryptedContent), returned by server-side compaction
	// (see Compactor) and sent back verbatim in later requests' input.
	ItemCompaction ItemType = "compaction"
)

// Roles of message items.
const (
	RoleSystem    = "system"
	RoleDeveloper = "developer"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Content part types.
const (
	PartInputText   = "input_text"
	PartOutputText  = "output_text"
	PartInputImage  = "input_image"
	PartSummaryText = "summary_text"
)

// ContentPart is one piece of a message's content or of a reasoning summary.
type ContentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL string `json:"image_url,omitempty"` // data: URL or https URL for input_image
}

// Item is one entry of the conversation history: a message, a tool call, a
// tool call's output, or a reasoning item. Which fields are meaningful depends
// on Type.
type Item struct {
	Type ItemType `json:"type"`
	ID   string   `json:"id,omitempty"`

	// message
	Role    string        `json:"role,omitempty"`
	Content []ContentPart `json:"content,omitempty"`

	// function_call, custom_tool_call and their outputs
	CallID    string `json:"call_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"` // function_call: JSON text
	Input     string `json:"input,omitempty"`     // custom_tool_call: free text
	Output    string `json:"output,omitempty"`    // *_output

	// reasoning; EncryptedContent is also a compaction item's whole content
	Summary          []ContentPart `json:"summary,omitempty"`
	EncryptedContent string        `json:"encrypted_content,omitempty"`
}

// Text returns the concatenated text parts of a message item, or the joined
// summary of a reasoning item.
func (it *Item) Text() string {
	parts := it.Content
	if it.Type == ItemReasoning {
		parts = it.Summary
	}
	var n int
	for _, p := range parts {
		n += len(p.Text)
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if it.Type == ItemReasoning && i > 0 {
			b = append(b, '\n', '\n')
		}
		b = append(b, p.Text...)
	}
	return string(b)
}

// UserText returns a user message item holding text.
func UserText(text string) Item {
	return Item{Type: ItemMessage, Role: RoleUser, Content: []ContentPart{{Type: PartInputText, Text: text}}}
}

// ToolKind distinguishes JSON-schema function tools from freeform tools.
type ToolKind string

// Tool kinds.
const (
	ToolFunction ToolKind = "function"
	ToolCustom   ToolKind = "custom" // freeform input, optionally constrained by a grammar
)

// ToolSpec describes a tool offered to the model.
type ToolSpec struct {
	Kind        ToolKind        `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters,omitempty"` // function: JSON schema
	Strict      bool            `json:"strict,omitempty"`
	Format      *CustomFormat   `json:"format,omitempty"` // custom: input grammar
	// FunctionForm is, for a custom tool, the function tool to offer instead
	// on a wire without custom tools (Chat Completions). Nil: a generic
	// function with one string argument, "input".
	FunctionForm *ToolSpec `json:"-"`
}

// CustomFormat constrains a custom tool's input (Responses API "format").
type CustomFormat struct {
	Type       string `json:"type"`                 // "grammar" or "text"
	Syntax     string `json:"syntax,omitempty"`     // "lark" or "regex"
	Definition string `json:"definition,omitempty"` // the grammar
}

// Reasoning configures reasoning models. Empty fields are omitted on the wire.
type Reasoning struct {
	Effort  string `json:"effort,omitempty"`  // minimal | low | medium | high
	Summary string `json:"summary,omitempty"` // auto | concise | detailed | none
}

// Request is one model call.
type Request struct {
	Model             string
	Instructions      string
	Input             []Item
	Tools             []ToolSpec
	ParallelToolCalls bool
	Reasoning         *Reasoning      // nil: not sent
	OutputSchema      json.RawMessage // non-nil: constrain the final answer to this JSON schema
	Verbosity         string          // "low", "medium", "high"; "": not sent
	MaxOutputTokens   int64           // 0: not sent
	SessionID         string          // sent as prompt_cache_key and session headers
}

// Usage counts the tokens of one response.
type Usage struct {
	InputTokens           int64 `json:"input_tokens"`
	CachedInputTokens     int64 `json:"cached_input_tokens"`
	OutputTokens          int64 `json:"output_tokens"`
	ReasoningOutputTokens int64 `json:"reasoning_output_tokens"`
	TotalTokens           int64 `json:"total_tokens"`
}

// Add returns the element-wise sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		InputTokens:           u.InputTokens + v.InputTokens,
		CachedInputTokens:     u.CachedInputTokens + v.CachedInputTokens,
		OutputTokens:          u.OutputTokens + v.OutputTokens,
		ReasoningOutputTokens: u.ReasoningOutputTokens + v.ReasoningOutputTokens,
		TotalTokens:           u.TotalTokens + v.TotalTokens,
	}
}

// EventKind names what a stream Event reports.
type EventKind int

// Stream event kinds.
const (
	// EventCreated: the server accepted the request (ResponseID set).
	EventCreated EventKind = iota + 1
	// EventItemAdded: an output item started (Item holds what is known so far).
	EventItemAdded
	// EventTextDelta: assistant text (ItemID, Delta).
	EventTextDelta
	// EventReasoningDelta: reasoning summary or text (ItemID, Delta).
	EventReasoningDelta
	// EventToolArgsDelta: function-call arguments or custom tool input (ItemID, Delta).
	EventToolArgsDelta
	// EventItemDone: an output item is complete (Item).
	EventItemDone
	// EventCompleted: the response finished (ResponseID, Usage). Always last.
	EventCompleted
	// EventRetry: the request failed (Err) and is sent again after Wait, as
	// retry Attempt of MaxAttempts: its stream broke (everything streamed
	// since the last EventCreated must be discarded), or the request itself
	// failed with a retryable error (a 5xx, a network error, a rate limit)
	// before any stream.
	EventRetry
)

// Event is one step of a streamed response.
type Event struct {
	Kind        EventKind
	ResponseID  string
	ItemID      string
	Delta       string
	Item        *Item
	Usage       *Usage
	RateLimits  *RateLimits // on EventCompleted: what the response's headers said, if anything
	Attempt     int
	MaxAttempts int
	Wait        time.Duration
	Err         error
}

// Client streams model responses.
//
// The returned sequence yields events in order and ends after EventCompleted,
// or with a non-nil error (a *Error where the cause is known) as its last
// element. A stream that ends without EventCompleted yields an error.
// Cancelling ctx ends the sequence with ctx's error.
type Client interface {
	Stream(ctx context.Context, req *Request) iter.Seq2[Event, error]
}

// Compactor is implemented by a Client whose provider can compact a
// conversation on the server (the OpenAI Responses API's
// POST /responses/compact). A Client that implements it by configuration
// says whether it may be used with ServerCompaction.
type Compactor interface {
	// ServerCompaction reports whether Compact may be called: the
	// provider offers server-side compaction and it is enabled.
	ServerCompaction() bool
	// Compact sends req (its instructions, input, tools and settings, as
	// for Stream) to be compacted, and returns the items the provider
	// says replace req.Input (messages it kept, and an ItemCompaction
	// whose content only the provider can read), with the usage it
	// reported (nil if none). Errors are as Stream's.
	Compact(ctx context.Context, req *Request) ([]Item, *Usage, error)
}
