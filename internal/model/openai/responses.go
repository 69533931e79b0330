package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/sse"
)

// OutputSchemaName names the JSON schema sent for Request.OutputSchema.
const OutputSchemaName = "kodex_output_schema"

// responsesRequest is the body of POST /responses, fields in Codex's order.
type responsesRequest struct {
	Model             string           `json:"model"`
	Instructions      string           `json:"instructions,omitempty"`
	Input             []respItem       `json:"input"`
	Tools             []respTool       `json:"tools,omitempty"`
	ToolChoice        string           `json:"tool_choice,omitempty"`
	ParallelToolCalls bool             `json:"parallel_tool_calls"`
	Reasoning         *model.Reasoning `json:"reasoning,omitempty"`
	Store             bool             `json:"store"`
	Stream            bool             `json:"stream"`
	Include           []string         `json:"include,omitempty"`
	PromptCacheKey    string           `json:"prompt_cache_key,omitempty"`
	Text              *textConfig      `json:"text,omitempty"`
	MaxOutputTokens   int64            `json:"max_output_tokens,omitempty"`
}

type textConfig struct {
	Format    *textFormat `json:"format,omitempty"`
	Verbosity string      `json:"verbosity,omitempty"`
}

type textFormat struct {
	Type   string          `json:"type"`
	Name   string          `json:"name"`
	Schema json.RawMessage `json:"schema"`
	Strict bool            `json:"strict"`
}

type respTool struct {
	Type        model.ToolKind      `json:"type"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Strict      *bool               `json:"strict,omitempty"`
	Parameters  json.RawMessage     `json:"parameters,omitempty"`
	Format      *model.CustomFormat `json:"format,omitempty"`
}

// marshal is json.Marshal without HTML escaping: prompts are full of < and >,
// and Codex sends them as they are.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func responsesBody(req *model.Request) *responsesRequest {
	body := &responsesRequest{
		Model:             req.Model,
		Instructions:      req.Instructions,
		Input:             make([]respItem, len(req.Input)),
		ParallelToolCalls: req.ParallelToolCalls,
		Reasoning:         req.Reasoning,
		Store:             false,
		Stream:            true,
		PromptCacheKey:    req.SessionID,
	}
	for i, it := range req.Input {
		body.Input[i] = respItem(it)
	}
	for _, t := range req.Tools {
		rt := respTool{Type: t.Kind, Name: t.Name, Description: t.Description}
		switch t.Kind {
		case model.ToolCustom:
			rt.Format = t.Format
		default:
			rt.Type = model.ToolFunction
			strict := t.Strict
			rt.Strict = &strict
			rt.Parameters = t.Parameters
			if len(rt.Parameters) == 0 {
				rt.Parameters = json.RawMessage(`{"type":"object","properties":{}}`)
			}
		}
		body.Tools = append(body.Tools, rt)
	}
	if len(body.Tools) > 0 {
		body.ToolChoice = "auto"
	}
	if req.Reasoning != nil {
		body.Include = []string{"reasoning.encrypted_content"}
	}
	if req.OutputSchema != nil || req.Verbosity != "" {
		body.Text = &textConfig{Verbosity: req.Verbosity}
	}
	if req.OutputSchema != nil {
		body.Text.Format = &textFormat{Type: "json_schema", Name: OutputSchemaName, Schema: req.OutputSchema, Strict: true}
	}
	body.MaxOutputTokens = req.MaxOutputTokens
	return body
}

// respItem encodes a model.Item as a Responses API input item, with exactly
// the fields its type takes.
type respItem model.Item

type respPart struct {
	Type     string  `json:"type"`
	Text     *string `json:"text,omitempty"`
	ImageURL string  `json:"image_url,omitempty"`
}

func parts(ps []model.ContentPart) []respPart {
	out := make([]respPart, len(ps))
	for i, p := range ps {
		out[i] = respPart{Type: p.Type}
		if p.Type == model.PartInputImage {
			out[i].ImageURL = p.ImageURL
		} else {
			out[i].Text = &ps[i].Text
		}
	}
	return out
}

func (it respItem) MarshalJSON() ([]byte, error) { return marshal(it.wire()) }

// wire is the value the item is encoded as.
func (it respItem) wire() any {
	switch it.Type {
	case model.ItemMessage:
		return struct {
			Type    model.ItemType `json:"type"`
			ID      string         `json:"id,omitempty"`
			Role    string         `json:"role"`
			Content []respPart     `json:"content"`
		}{it.Type, it.ID, it.Role, parts(it.Content)}
	case model.ItemFunctionCall:
		return struct {
			Type      model.ItemType `json:"type"`
			ID        string         `json:"id,omitempty"`
			Name      string         `json:"name"`
			Arguments string         `json:"arguments"`
			CallID    string         `json:"call_id"`
		}{it.Type, it.ID, it.Name, it.Arguments, it.CallID}
	case model.ItemCustomToolCall:
		return struct {
			Type   model.ItemType `json:"type"`
			ID     string         `json:"id,omitempty"`
			CallID string         `json:"call_id"`
			Name   string         `json:"name"`
			Input  string         `json:"input"`
		}{it.Type, it.ID, it.CallID, it.Name, it.Input}
	case model.ItemFunctionCallOutput, model.ItemCustomToolCallOutput:
		return struct {
			Type   model.ItemType `json:"type"`
			CallID string         `json:"call_id"`
			Output string         `json:"output"`
		}{it.Type, it.CallID, it.Output}
	case model.ItemReasoning:
		return struct {
			Type             model.ItemType `json:"type"`
			ID               string         `json:"id,omitempty"`
			Summary          []respPart     `json:"summary"`
			EncryptedContent string         `json:"encrypted_content,omitempty"`
		}{it.Type, it.ID, parts(it.Summary), it.EncryptedContent}
	case model.ItemCompaction:
		return struct {
			Type             model.ItemType `json:"type"`
			ID               string         `json:"id,omitempty"`
			EncryptedContent string         `json:"encrypted_content"`
		}{it.Type, it.ID, it.EncryptedContent}
	}
	return model.Item(it)
}

// respEvent is the union of the Responses stream events kodex reads.
type respEvent struct {
	Type     string        `json:"type"`
	Response *respResponse `json:"response"`
	Item     *model.Item   `json:"item"`
	ItemID   string        `json:"item_id"`
	Delta    string        `json:"delta"`
	// "error" events carry the error inline or under "error".
	Message string          `json:"message"`
	Code    json.RawMessage `json:"code"`
	Error   *apiError       `json:"error"`
}

type respResponse struct {
	ID                string     `json:"id"`
	Usage             *respUsage `json:"usage"`
	Error             *apiError  `json:"error"`
	IncompleteDetails *struct {
		Reason string `json:"reason"`
	} `json:"incomplete_details"`
}

type respUsage struct {
	InputTokens        int64 `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int64 `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int64 `json:"total_tokens"`
}

func (u *respUsage) toModel() *model.Usage {
	if u == nil {
		return &model.Usage{}
	}
	return &model.Usage{
		InputTokens:           u.InputTokens,
		CachedInputTokens:     u.InputTokensDetails.CachedTokens,
		OutputTokens:          u.OutputTokens,
		ReasoningOutputTokens: u.OutputTokensDetails.ReasoningTokens,
		TotalTokens:           u.TotalTokens,
	}
}

func brokenStream(format string, args ...any) error {
	return &streamErr{err: &model.Error{Kind: model.ErrStream, Message: fmt.Sprintf(format, args...)}}
}

// readStreamErr turns a read error from the SSE decoder into a retryable
// stream error.
func readStreamErr(err error, what string) error {
	if errors.Is(err, io.EOF) {
		return brokenStream("the stream ended before %s", what)
	}
	if errors.Is(err, sse.ErrTooLarge) {
		return brokenStream("an event exceeded %d bytes", sse.DefaultMaxEventSize)
	}
	e := &model.Error{Kind: model.ErrStream, Message: fmt.Sprintf("reading the stream: %v", err), Err: err}
	return &streamErr{err: e}
}

// readResponses relays a Responses API stream until response.completed.
func (c *Client) readResponses(r io.Reader, yield func(model.Event, error) bool) error {
	dec := sse.NewDecoder(r)
	for {
		sev, err := dec.Next()
		if err != nil {
			return readStreamErr(err, "response.completed")
		}
		var ev respEvent
		if err := json.Unmarshal([]byte(sev.Data), &ev); err != nil {
			return brokenStream("malformed %s event: %v", sev.Type, err)
		}
		if ev.Type == "" {
			ev.Type = sev.Type
		}
		out, done, err := c.respEventToModel(&ev)
		if err != nil {
			return err
		}
		if out.Kind != 0 && !yield(out, nil) {
			return errStop
		}
		if done {
			return nil
		}
	}
}

func (c *Client) respEventToModel(ev *respEvent) (out model.Event, done bool, err error) {
	switch ev.Type {
	case "response.created":
		if ev.Response != nil {
			out = model.Event{Kind: model.EventCreated, ResponseID: ev.Response.ID}
		}
	case "response.output_item.added", "response.output_item.done":
		if ev.Item == nil {
			return out, false, brokenStream("%s event without an item", ev.Type)
		}
		kind := model.EventItemAdded
		if ev.Type == "response.output_item.done" {
			kind = model.EventItemDone
		}
		out = model.Event{Kind: kind, ItemID: ev.Item.ID, Item: ev.Item}
	case "response.output_text.delta":
		out = model.Event{Kind: model.EventTextDelta, ItemID: ev.ItemID, Delta: ev.Delta}
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		out = model.Event{Kind: model.EventReasoningDelta, ItemID: ev.ItemID, Delta: ev.Delta}
	case "response.function_call_arguments.delta", "response.custom_tool_call_input.delta":
		out = model.Event{Kind: model.EventToolArgsDelta, ItemID: ev.ItemID, Delta: ev.Delta}
	case "response.completed":
		if ev.Response == nil {
			return out, false, brokenStream("response.completed event without a response")
		}
		out = model.Event{Kind: model.EventCompleted, ResponseID: ev.Response.ID, Usage: ev.Response.Usage.toModel()}
		done = true
	case "response.failed":
		ae := apiError{}
		if ev.Response != nil && ev.Response.Error != nil {
			ae = *ev.Response.Error
		}
		err = c.failure(ae)
	case "response.incomplete":
		reason := "unknown reason"
		if ev.Response != nil && ev.Response.IncompleteDetails != nil && ev.Response.IncompleteDetails.Reason != "" {
			reason = ev.Response.IncompleteDetails.Reason
		}
		e := &model.Error{Kind: model.ErrIncomplete, Code: reason, Message: "the response stopped early: " + reason}
		if reason == "max_output_tokens" {
			e.Hint = "ask for a shorter answer, or raise the output token limit"
		}
		err = e
	case "error":
		ae := apiError{Message: ev.Message, Code: ev.Code}
		if ev.Error != nil {
			ae = *ev.Error
		}
		err = c.failure(ae)
	}
	return out, done, err
}
