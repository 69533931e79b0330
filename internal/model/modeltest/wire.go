package modeltest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
)

// frame is one SSE event: an optional event name and its JSON data.
type frame struct {
	event string
	data  string
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own maps and structs are encoded
	}
	return string(b)
}

// splitDeltas splits text after spaces, the way models stream words.
func splitDeltas(text string) []string {
	if text == "" {
		return nil
	}
	return strings.SplitAfter(text, " ")
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, wire string, n int, rec *Request, resp Response) {
	var frames []frame
	if wire == "chat" {
		frames = chatFrames(n, rec, resp)
	} else {
		frames = responsesFrames(n, rec, resp)
	}
	limit := len(frames)
	if resp.Cut || resp.Stall || resp.Malformed {
		limit = min(resp.CutAfter, len(frames))
	}
	h := w.Header()
	for k, v := range resp.Headers { // e.g. rate-limit headers
		h.Set(k, v)
	}
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	flush()
	for _, f := range frames[:limit] {
		if resp.DelayMS > 0 {
			t := time.NewTimer(time.Duration(resp.DelayMS) * time.Millisecond)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			case <-s.done:
				t.Stop()
				return
			}
		}
		if f.event != "" {
			fmt.Fprintf(w, "event: %s\n", f.event)
		}
		fmt.Fprintf(w, "data: %s\n\n", f.data)
		flush()
	}
	switch {
	case resp.Malformed:
		if wire != "chat" {
			fmt.Fprint(w, "event: response.output_text.delta\n")
		}
		fmt.Fprint(w, "data: {\"type\":\"response.output_text.delta\",\"delta\":\n\n")
		flush()
	case resp.Stall:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
	}
}

func usageOf(rec *Request, resp *Response) model.Usage {
	if resp.Usage != nil {
		return *resp.Usage
	}
	out := int64(len(resp.Text)+len(resp.Reasoning)) / 4
	for _, c := range resp.Calls {
		out += int64(len(c.Arguments)+len(c.Input)+len(c.Name)) / 4
	}
	in := int64(len(rec.Raw)) / 4
	return model.Usage{InputTokens: in, OutputTokens: out, TotalTokens: in + out}
}

func modelName(rec *Request) string {
	if m, ok := rec.Body["model"].(string); ok {
		return m
	}
	return "fake-model"
}

func callID(n, i int, c Call) string {
	if c.CallID != "" {
		return c.CallID
	}
	return fmt.Sprintf("call_%d_%d", n, i)
}

func responsesFrames(n int, rec *Request, resp Response) []frame {
	id := fmt.Sprintf("resp_%d", n)
	var fs []frame
	add := func(v map[string]any) {
		fs = append(fs, frame{event: v["type"].(string), data: mustJSON(v)})
	}
	add(map[string]any{"type": "response.created", "response": map[string]any{"id": id, "object": "response", "status": "in_progress", "model": modelName(rec)}})
	idx := 0
	if resp.Reasoning != "" {
		itemID := fmt.Sprintf("rs_%d", n)
		add(map[string]any{"type": "response.output_item.added", "output_index": idx, "item": map[string]any{"type": "reasoning", "id": itemID, "summary": []any{}}})
		for _, d := range splitDeltas(resp.Reasoning) {
			add(map[string]any{"type": "response.reasoning_summary_text.delta", "item_id": itemID, "output_index": idx, "summary_index": 0, "delta": d})
		}
		add(map[string]any{"type": "response.output_item.done", "output_index": idx, "item": map[string]any{
			"type": "reasoning", "id": itemID, "encrypted_content": "enc_" + itemID,
			"summary": []any{map[string]any{"type": "summary_text", "text": resp.Reasoning}},
		}})
		idx++
	}
	if resp.Text != "" {
		itemID := fmt.Sprintf("msg_%d", n)
		add(map[string]any{"type": "response.output_item.added", "output_index": idx, "item": map[string]any{"type": "message", "id": itemID, "role": "assistant", "status": "in_progress", "content": []any{}}})
		for _, d := range splitDeltas(resp.Text) {
			add(map[string]any{"type": "response.output_text.delta", "item_id": itemID, "output_index": idx, "content_index": 0, "delta": d})
		}
		add(map[string]any{"type": "response.output_item.done", "output_index": idx, "item": map[string]any{
			"type": "message", "id": itemID, "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": resp.Text, "annotations": []any{}}},
		}})
		idx++
	}
	for i, c := range resp.Calls {
		cid := callID(n, i, c)
		if c.Custom {
			itemID := fmt.Sprintf("ctc_%d_%d", n, i)
			add(map[string]any{"type": "response.output_item.added", "output_index": idx, "item": map[string]any{"type": "custom_tool_call", "id": itemID, "call_id": cid, "name": c.Name, "input": ""}})
			for _, d := range splitDeltas(c.Input) {
				add(map[string]any{"type": "response.custom_tool_call_input.delta", "item_id": itemID, "output_index": idx, "delta": d})
			}
			add(map[string]any{"type": "response.output_item.done", "output_index": idx, "item": map[string]any{"type": "custom_tool_call", "id": itemID, "call_id": cid, "name": c.Name, "input": c.Input, "status": "completed"}})
		} else {
			itemID := fmt.Sprintf("fc_%d_%d", n, i)
			add(map[string]any{"type": "response.output_item.added", "output_index": idx, "item": map[string]any{"type": "function_call", "id": itemID, "call_id": cid, "name": c.Name, "arguments": ""}})
			for _, d := range splitDeltas(c.Arguments) {
				add(map[string]any{"type": "response.function_call_arguments.delta", "item_id": itemID, "output_index": idx, "delta": d})
			}
			add(map[string]any{"type": "response.output_item.done", "output_index": idx, "item": map[string]any{"type": "function_call", "id": itemID, "call_id": cid, "name": c.Name, "arguments": c.Arguments, "status": "completed"}})
		}
		idx++
	}
	switch {
	case resp.Failed != nil:
		add(map[string]any{"type": "response.failed", "response": map[string]any{"id": id, "status": "failed", "error": map[string]any{"code": resp.Failed.Code, "message": resp.Failed.Message}}})
	case resp.Incomplete != "":
		add(map[string]any{"type": "response.incomplete", "response": map[string]any{"id": id, "status": "incomplete", "incomplete_details": map[string]any{"reason": resp.Incomplete}}})
	default:
		u := usageOf(rec, &resp)
		add(map[string]any{"type": "response.completed", "response": map[string]any{"id": id, "status": "completed", "usage": map[string]any{
			"input_tokens":          u.InputTokens,
			"input_tokens_details":  map[string]any{"cached_tokens": u.CachedInputTokens},
			"output_tokens":         u.OutputTokens,
			"output_tokens_details": map[string]any{"reasoning_tokens": u.ReasoningOutputTokens},
			"total_tokens":          u.TotalTokens,
		}}})
	}
	return fs
}

func chatFrames(n int, rec *Request, resp Response) []frame {
	id := fmt.Sprintf("chatcmpl-%d", n)
	mdl := modelName(rec)
	var fs []frame
	chunk := func(delta map[string]any, finish any) {
		fs = append(fs, frame{data: mustJSON(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": 1700000000, "model": mdl,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})})
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	for _, d := range splitDeltas(resp.Reasoning) {
		chunk(map[string]any{"reasoning_content": d}, nil)
	}
	for _, d := range splitDeltas(resp.Text) {
		chunk(map[string]any{"content": d}, nil)
	}
	for i, c := range resp.Calls {
		args := c.Arguments
		if c.Custom {
			args = mustJSON(map[string]string{"input": c.Input})
		}
		chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": callID(n, i, c), "type": "function", "function": map[string]any{"name": c.Name, "arguments": ""}}}}, nil)
		for _, d := range splitDeltas(args) {
			chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "function": map[string]any{"arguments": d}}}}, nil)
		}
	}
	switch {
	case resp.Failed != nil:
		fs = append(fs, frame{data: mustJSON(map[string]any{"error": map[string]any{"code": resp.Failed.Code, "message": resp.Failed.Message}})})
		return fs
	case resp.Incomplete != "":
		chunk(map[string]any{}, "length")
	case len(resp.Calls) > 0:
		chunk(map[string]any{}, "tool_calls")
	default:
		chunk(map[string]any{}, "stop")
	}
	u := usageOf(rec, &resp)
	fs = append(fs, frame{data: mustJSON(map[string]any{
		"id": id, "object": "chat.completion.chunk", "created": 1700000000, "model": mdl, "choices": []any{},
		"usage": map[string]any{
			"prompt_tokens": u.InputTokens, "completion_tokens": u.OutputTokens, "total_tokens": u.TotalTokens,
			"prompt_tokens_details":     map[string]any{"cached_tokens": u.CachedInputTokens},
			"completion_tokens_details": map[string]any{"reasoning_tokens": u.ReasoningOutputTokens},
		},
	})})
	fs = append(fs, frame{data: "[DONE]"})
	return fs
}

// writeCompaction answers a request to the compaction endpoint as the
// Responses API does: one JSON object whose output replaces the
// conversation (see Response.Compaction).
func writeCompaction(w http.ResponseWriter, n int, rec *Request, resp Response) {
	output := resp.CompactOutput
	if output == nil {
		for _, it := range rec.Input() {
			if it.Type != model.ItemMessage || it.Role != model.RoleUser || it.Text() == "" {
				continue
			}
			output = append(output, json.RawMessage(mustJSON(map[string]any{
				"type": "message", "role": "user",
				"content": []any{map[string]any{"type": "input_text", "text": it.Text()}},
			})))
		}
		enc := resp.Compaction
		switch {
		case enc != "":
		case resp.Text != "":
			enc = "modeltest-compaction:" + resp.Text
		default:
			enc = fmt.Sprintf("modeltest-compaction-%d", n+1)
		}
		output = append(output, json.RawMessage(mustJSON(map[string]any{
			"type": "compaction", "id": fmt.Sprintf("cmp_%d", n+1), "encrypted_content": enc,
		})))
	}
	u := usageOf(rec, &resp)
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, mustJSON(map[string]any{
		"id": fmt.Sprintf("resp_%d", n), "object": "response.compaction", "output": output,
		"usage": map[string]any{
			"input_tokens": u.InputTokens, "input_tokens_details": map[string]any{"cached_tokens": u.CachedInputTokens},
			"output_tokens": u.OutputTokens, "output_tokens_details": map[string]any{"reasoning_tokens": u.ReasoningOutputTokens},
			"total_tokens": u.TotalTokens,
		},
	}))
}
