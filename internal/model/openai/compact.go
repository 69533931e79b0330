package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kodex-cli/kodex/internal/model"
)

// Server-side compaction, as Codex does it against the Responses API
// (codex-rs/codex-api/src/endpoint/compact.rs): POST {base}/responses/compact
// with the conversation and the turn's settings, answered not with a stream
// but with one JSON object whose "output" is the items that replace the
// conversation: the user messages the server kept and a "compaction" item
// whose encrypted_content only the provider can read. Later requests send
// those items back as they came.

// compactPath is the compaction endpoint, under the base URL.
const compactPath = "/responses/compact"

// maxCompactBody bounds a compaction answer (it holds the messages the
// server kept, tens of thousands of tokens at most, and the compaction).
const maxCompactBody = 64 << 20

// compactRequest is the body of POST /responses/compact: the fields of a
// Responses request that Codex sends there (its CompactionInput), in its
// order; no stream, store, include or tool_choice.
type compactRequest struct {
	Model             string           `json:"model"`
	Input             []respItem       `json:"input"`
	Instructions      string           `json:"instructions,omitempty"`
	Tools             []respTool       `json:"tools"`
	ParallelToolCalls bool             `json:"parallel_tool_calls"`
	Reasoning         *model.Reasoning `json:"reasoning,omitempty"`
	PromptCacheKey    string           `json:"prompt_cache_key,omitempty"`
	Text              *textConfig      `json:"text,omitempty"`
}

// compactResponse is the answer of POST /responses/compact.
type compactResponse struct {
	Output []json.RawMessage `json:"output"`
	Usage  *respUsage        `json:"usage"`
}

// ServerCompaction reports whether Compact may be called: Options.Compaction
// on the Responses wire. See model.Compactor.
func (c *Client) ServerCompaction() bool {
	return c.opts.Compaction && c.compactAt != ""
}

// Compact asks the provider to compact req's conversation. See
// model.Compactor. Failures are classified as Stream's are (a
// context-window error is model.ErrContextWindow), and 429, 5xx and
// connection errors are retried the same way, silently.
func (c *Client) Compact(ctx context.Context, req *model.Request) ([]model.Item, *model.Usage, error) {
	if !c.ServerCompaction() {
		return nil, nil, fmt.Errorf("provider %s does not compact conversations server-side", c.providerName())
	}
	if c.opts.RequiresKey && c.opts.APIKey == "" {
		return nil, nil, c.missingKey()
	}
	body, err := c.encodeCompact(req)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding compaction request: %w", err)
	}
	resp, wd, err := c.send(ctx, c.compactAt, req, body, func(model.Event, error) bool { return true })
	if err != nil {
		return nil, nil, err
	}
	defer wd.stop()
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(&watchedReader{r: resp.Body, wd: wd}, maxCompactBody+1))
	switch {
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case err != nil && wd.fired.Load():
		return nil, nil, &model.Error{
			Kind:    model.ErrNetwork,
			Message: fmt.Sprintf("no data from %s for %s", c.providerName(), c.idle),
			Hint:    "check your network connection; stream_idle_timeout_ms raises the limit",
			Err:     err,
		}
	case err != nil:
		return nil, nil, c.networkError(err, false)
	case len(data) > maxCompactBody:
		return nil, nil, &model.Error{Kind: model.ErrStream, Message: fmt.Sprintf("%s answered the compaction with more than %d MB", c.providerName(), maxCompactBody>>20)}
	}
	items, usage, err := parseCompact(data)
	if err != nil {
		return nil, nil, &model.Error{Kind: model.ErrStream, Message: fmt.Sprintf("%s answered the compaction with %v", c.providerName(), err), Err: err}
	}
	return items, usage, nil
}

// encodeCompact encodes the body of a compaction request; a large one is
// encoded as it is sent (see body.go).
func (c *Client) encodeCompact(req *model.Request) (*body, error) {
	rb := responsesBody(req)
	cb := &compactRequest{
		Model:             rb.Model,
		Input:             rb.Input,
		Instructions:      rb.Instructions,
		Tools:             rb.Tools,
		ParallelToolCalls: rb.ParallelToolCalls,
		Reasoning:         rb.Reasoning,
		PromptCacheKey:    rb.PromptCacheKey,
		Text:              rb.Text,
	}
	if cb.Tools == nil {
		cb.Tools = []respTool{}
	}
	if inputSize(req.Input) <= streamAbove {
		return wholeBody(marshal(cb))
	}
	cb.Input = []respItem{}
	return streamedBody(cb, "input", len(req.Input), func(dst []byte, i int) ([]byte, error) { return appendRespItem(dst, &req.Input[i]) })
}

// parseCompact decodes a compaction answer. Items of a type kodex has no
// use for (nor a way to send back) are left out; "compaction_summary" is
// the older name of "compaction".
func parseCompact(data []byte) ([]model.Item, *model.Usage, error) {
	var cr compactResponse
	if err := json.Unmarshal(data, &cr); err != nil {
		return nil, nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if cr.Output == nil {
		return nil, nil, errors.New(`no "output"`)
	}
	items := make([]model.Item, 0, len(cr.Output))
	for i, raw := range cr.Output {
		var it model.Item
		if err := json.Unmarshal(raw, &it); err != nil {
			return nil, nil, fmt.Errorf("malformed output item %d: %w", i, err)
		}
		switch it.Type {
		case "compaction_summary":
			it.Type = model.ItemCompaction
		case model.ItemMessage, model.ItemCompaction:
		default:
			continue
		}
		if it.Type == model.ItemCompaction && it.EncryptedContent == "" {
			return nil, nil, fmt.Errorf("output item %d: a compaction without encrypted_content", i)
		}
		items = append(items, it)
	}
	var usage *model.Usage
	if cr.Usage != nil {
		usage = cr.Usage.toModel()
	}
	return items, usage, nil
}
