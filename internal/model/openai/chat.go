package openai

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/sse"
)

// chatRequest is the body of POST /chat/completions.
type chatRequest struct {
	Model             string          `json:"model"`
	Messages          []chatMessage   `json:"messages"`
	Tools             []chatTool      `json:"tools,omitempty"`
	ToolChoice        string          `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort   string          `json:"reasoning_effort,omitempty"`
	ResponseFormat    *chatRespFormat `json:"response_format,omitempty"`
	Verbosity         string          `json:"verbosity,omitempty"`
	MaxTokens         int64           `json:"max_completion_tokens,omitempty"`
	Stream            bool            `json:"stream"`
	StreamOptions     struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

type chatRespFormat struct {
	Type       string         `json:"type"`
	JSONSchema chatJSONSchema `json:"json_schema"`
}

type chatJSONSchema struct {
	Name   string          `json:"name"`
	Schema json.RawMessage `json:"schema"`
	Strict bool            `json:"strict"`
}

type chatMessage struct {
	Role       string         `json:"role"`
	Content    any            `json:"content,omitempty"` // string or []chatPart
	ToolCalls  []chatToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

type chatPart struct {
	Type     string        `json:"type"`
	Text     string        `json:"text,omitempty"`
	ImageURL *chatImageURL `json:"image_url,omitempty"`
}

type chatImageURL struct {
	URL string `json:"url"`
}

type chatToolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatTool struct {
	Type     string       `json:"type"`
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      bool            `json:"strict,omitempty"`
}

// customToolParams is the schema a custom (freeform) tool gets on the chat
// wire, where only function tools exist: one string, "input".
const customToolParams = `{"type":"object","properties":{"input":{"type":"string","description":"The raw input for the tool, exactly as its description specifies."}},"required":["input"],"additionalProperties":false}`

func chatBody(req *model.Request) *chatRequest {
	body := &chatRequest{Model: req.Model, Stream: true, Messages: make([]chatMessage, 0, len(req.Input)+1)}
	body.StreamOptions.IncludeUsage = true
	if req.Instructions != "" {
		body.Messages = append(body.Messages, chatMessage{Role: model.RoleSystem, Content: req.Instructions})
	}
	for _, it := range req.Input {
		body.Messages = appendChatItem(body.Messages, it)
	}
	for _, t := range req.Tools {
		if t.Kind == model.ToolCustom && t.FunctionForm != nil {
			t = *t.FunctionForm // the tool's own function form, where it has one
		}
		fn := chatFunction{Name: t.Name, Description: t.Description, Parameters: t.Parameters, Strict: t.Strict}
		if t.Kind == model.ToolCustom {
			fn.Strict = false
			fn.Parameters = json.RawMessage(customToolParams)
			if t.Format != nil && t.Format.Definition != "" {
				fn.Description += "\n\nThe input must match this " + t.Format.Syntax + " grammar:\n" + t.Format.Definition
			}
		}
		if len(fn.Parameters) == 0 {
			fn.Parameters = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		body.Tools = append(body.Tools, chatTool{Type: "function", Function: fn})
	}
	if len(body.Tools) > 0 {
		body.ToolChoice = "auto"
		p := req.ParallelToolCalls
		body.ParallelToolCalls = &p
	}
	if req.Reasoning != nil {
		body.ReasoningEffort = req.Reasoning.Effort
	}
	if req.OutputSchema != nil {
		body.ResponseFormat = &chatRespFormat{Type: "json_schema", JSONSchema: chatJSONSchema{Name: OutputSchemaName, Schema: req.OutputSchema, Strict: true}}
	}
	body.Verbosity, body.MaxTokens = req.Verbosity, req.MaxOutputTokens
	return body
}

func appendChatItem(msgs []chatMessage, it model.Item) []chatMessage {
	switch it.Type {
	case model.ItemMessage:
		role := it.Role
		if role == model.RoleDeveloper {
			role = model.RoleSystem // the role every chat server knows
		}
		return append(msgs, chatMessage{Role: role, Content: chatContent(it.Content)})
	case model.ItemFunctionCall, model.ItemCustomToolCall:
		tc := chatToolCall{ID: it.CallID, Type: "function"}
		tc.Function.Name = it.Name
		tc.Function.Arguments = it.Arguments
		if it.Type == model.ItemCustomToolCall {
			args, _ := json.Marshal(map[string]string{"input": it.Input})
			tc.Function.Arguments = string(args)
		}
		// Calls of one response join the assistant message before them.
		if n := len(msgs); n > 0 && msgs[n-1].Role == model.RoleAssistant {
			msgs[n-1].ToolCalls = append(msgs[n-1].ToolCalls, tc)
			return msgs
		}
		return append(msgs, chatMessage{Role: model.RoleAssistant, ToolCalls: []chatToolCall{tc}})
	case model.ItemFunctionCallOutput, model.ItemCustomToolCallOutput:
		return append(msgs, chatMessage{Role: "tool", ToolCallID: it.CallID, Content: it.Output})
	case model.ItemReasoning, model.ItemCompaction:
		return msgs // reasoning and a provider's compaction have no chat form
	}
	return msgs
}

func chatContent(ps []model.ContentPart) any {
	var sb strings.Builder
	images := false
	for _, p := range ps {
		if p.Type == model.PartInputImage {
			images = true
		}
		sb.WriteString(p.Text)
	}
	if !images {
		return sb.String()
	}
	out := make([]chatPart, 0, len(ps))
	for _, p := range ps {
		if p.Type == model.PartInputImage {
			out = append(out, chatPart{Type: "image_url", ImageURL: &chatImageURL{URL: p.ImageURL}})
		} else {
			out = append(out, chatPart{Type: "text", Text: p.Text})
		}
	}
	return out
}

// chatChunk is one chat.completion.chunk.
type chatChunk struct {
	ID      string `json:"id"`
	Choices []struct {
		Delta struct {
			Content          string         `json:"content"`
			ReasoningContent string         `json:"reasoning_content"` // DeepSeek, vLLM
			Reasoning        string         `json:"reasoning"`         // Ollama, OpenRouter
			ToolCalls        []chatToolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		TotalTokens         int64 `json:"total_tokens"`
		PromptTokensDetails *struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionTokensDetails *struct {
			ReasoningTokens int64 `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
	} `json:"usage"`
	Error *apiError `json:"error"`
}

// chatState assembles one chat stream into model items.
type chatState struct {
	respID    string
	custom    map[string]bool
	reasoning *model.Item
	message   *model.Item
	calls     map[int]*model.Item
	order     []int
	finish    string
	usage     model.Usage
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// readChat relays a Chat Completions stream as Responses-style events.
func (c *Client) readChat(r io.Reader, req *model.Request, yield func(model.Event, error) bool) error {
	st := &chatState{custom: map[string]bool{}, calls: map[int]*model.Item{}}
	for _, t := range req.Tools {
		// A custom tool offered in its own function form is called as a
		// function; one offered generically comes back as a custom call.
		if t.Kind == model.ToolCustom && t.FunctionForm == nil {
			st.custom[t.Name] = true
		}
	}
	dec := sse.NewDecoder(r)
	for {
		sev, err := dec.Next()
		if err != nil {
			if errors.Is(err, io.EOF) && st.finish != "" {
				return st.finishStream(yield)
			}
			return readStreamErr(err, "[DONE]")
		}
		if strings.TrimSpace(sev.Data) == "[DONE]" {
			if st.respID == "" {
				return brokenStream("the stream ended before any data")
			}
			return st.finishStream(yield)
		}
		var ch chatChunk
		if err := json.Unmarshal([]byte(sev.Data), &ch); err != nil {
			return brokenStream("malformed chat chunk: %v", err)
		}
		if ch.Error != nil {
			return c.failure(*ch.Error)
		}
		evs := st.apply(&ch)
		for _, ev := range evs {
			if !yield(ev, nil) {
				return errStop
			}
		}
	}
}

func (st *chatState) apply(ch *chatChunk) []model.Event {
	var evs []model.Event
	if st.respID == "" {
		st.respID = ch.ID
		if st.respID == "" {
			st.respID = newID("chatcmpl-")
		}
		evs = append(evs, model.Event{Kind: model.EventCreated, ResponseID: st.respID})
	}
	if u := ch.Usage; u != nil {
		st.usage = model.Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
		if u.PromptTokensDetails != nil {
			st.usage.CachedInputTokens = u.PromptTokensDetails.CachedTokens
		}
		if u.CompletionTokensDetails != nil {
			st.usage.ReasoningOutputTokens = u.CompletionTokensDetails.ReasoningTokens
		}
	}
	for _, choice := range ch.Choices {
		d := &choice.Delta
		if text := d.ReasoningContent + d.Reasoning; text != "" {
			if st.reasoning == nil {
				st.reasoning = &model.Item{Type: model.ItemReasoning, ID: "rs_" + st.respID}
				evs = append(evs, model.Event{Kind: model.EventItemAdded, ItemID: st.reasoning.ID, Item: clone(st.reasoning)})
			}
			if len(st.reasoning.Summary) == 0 {
				st.reasoning.Summary = []model.ContentPart{{Type: model.PartSummaryText}}
			}
			st.reasoning.Summary[0].Text += text
			evs = append(evs, model.Event{Kind: model.EventReasoningDelta, ItemID: st.reasoning.ID, Delta: text})
		}
		if d.Content != "" {
			if st.message == nil {
				st.message = &model.Item{Type: model.ItemMessage, ID: "msg_" + st.respID, Role: model.RoleAssistant}
				evs = append(evs, model.Event{Kind: model.EventItemAdded, ItemID: st.message.ID, Item: clone(st.message)})
				st.message.Content = []model.ContentPart{{Type: model.PartOutputText}}
			}
			st.message.Content[0].Text += d.Content
			evs = append(evs, model.Event{Kind: model.EventTextDelta, ItemID: st.message.ID, Delta: d.Content})
		}
		for i := range d.ToolCalls {
			evs = st.applyToolCall(evs, &d.ToolCalls[i])
		}
		if choice.FinishReason != nil && *choice.FinishReason != "" {
			st.finish = *choice.FinishReason
		}
	}
	return evs
}

func (st *chatState) applyToolCall(evs []model.Event, tc *chatToolCall) []model.Event {
	idx := len(st.order)
	if tc.Index != nil {
		idx = *tc.Index
	} else if n := len(st.order); n > 0 && tc.ID == "" {
		idx = st.order[n-1] // no index and no id: continues the last call
	}
	call := st.calls[idx]
	if call == nil {
		call = &model.Item{Type: model.ItemFunctionCall, ID: fmt.Sprintf("fc_%s_%d", st.respID, idx), CallID: tc.ID, Name: tc.Function.Name}
		if call.CallID == "" {
			call.CallID = newID("call_")
		}
		if st.custom[call.Name] {
			call.Type = model.ItemCustomToolCall
		}
		st.calls[idx] = call
		st.order = append(st.order, idx)
		evs = append(evs, model.Event{Kind: model.EventItemAdded, ItemID: call.ID, Item: clone(call)})
	} else if tc.Function.Name != "" && call.Name == "" {
		call.Name = tc.Function.Name
		if st.custom[call.Name] {
			call.Type = model.ItemCustomToolCall
		}
	}
	if a := tc.Function.Arguments; a != "" {
		call.Arguments += a
		evs = append(evs, model.Event{Kind: model.EventToolArgsDelta, ItemID: call.ID, Delta: a})
	}
	return evs
}

func clone(it *model.Item) *model.Item {
	c := *it
	c.Content = slices.Clone(it.Content)
	c.Summary = slices.Clone(it.Summary)
	return &c
}

func (st *chatState) finishStream(yield func(model.Event, error) bool) error {
	switch st.finish {
	case "length", "content_filter":
		reason := st.finish
		if reason == "length" {
			reason = "max_output_tokens"
		}
		return &model.Error{Kind: model.ErrIncomplete, Code: reason, Message: "the response stopped early: " + reason}
	}
	var done []*model.Item
	if st.reasoning != nil {
		done = append(done, st.reasoning)
	}
	if st.message != nil {
		done = append(done, st.message)
	}
	slices.Sort(st.order)
	for _, idx := range st.order {
		call := st.calls[idx]
		if call.Type == model.ItemCustomToolCall {
			var args struct {
				Input *string `json:"input"`
			}
			if json.Unmarshal([]byte(call.Arguments), &args) == nil && args.Input != nil {
				call.Input = *args.Input
			} else {
				call.Input = call.Arguments
			}
			call.Arguments = ""
		}
		done = append(done, call)
	}
	for _, it := range done {
		if !yield(model.Event{Kind: model.EventItemDone, ItemID: it.ID, Item: it}, nil) {
			return errStop
		}
	}
	usage := st.usage
	if !yield(model.Event{Kind: model.EventCompleted, ResponseID: st.respID, Usage: &usage}, nil) {
		return errStop
	}
	return nil
}
