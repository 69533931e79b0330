package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

func compactingClient(t *testing.T, url string, mod func(*Options)) (*Client, *sleeps) {
	t.Helper()
	return newClient(t, url, WireResponses, func(o *Options) {
		o.Compaction = true
		if mod != nil {
			mod(o)
		}
	})
}

// codexCompactKeys are the keys of Codex's CompactionInput
// (codex-rs/codex-api/src/common.rs) that kodex sends: the Responses
// request's, without stream, store, include and tool_choice.
var codexCompactKeys = []string{"model", "input", "instructions", "tools", "parallel_tool_calls", "reasoning", "prompt_cache_key", "text"}

func TestCompactRequestGolden(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Compacted("ENC"))
	c, _ := compactingClient(t, srv.URL(), nil)
	if _, _, err := c.Compact(context.Background(), goldenRequest()); err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[0]
	if req.Path != "/v1/responses/compact" || req.Method != "POST" {
		t.Errorf("request to %s %s, want POST /v1/responses/compact", req.Method, req.Path)
	}
	for h, want := range map[string]string{"Accept": "application/json", "Content-Type": "application/json", "Authorization": "Bearer sk-test", "Session-Id": "0199a213-81c0-7800-8aa1-bbab2a035a53", "Originator": "kodex_exec"} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, req.Raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	indented.WriteByte('\n')
	path := filepath.Join("testdata", "compact-request.golden.json")
	if *update {
		if err := os.WriteFile(path, indented.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), indented.String()); diff != "" {
		t.Errorf("compaction body mismatch (-golden +got):\n%s", diff)
	}
	var keys []string
	for k := range req.Body {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if !strings.Contains(strings.Join(codexCompactKeys, " "), k) {
			t.Errorf("compaction body has %q, which Codex does not send", k)
		}
	}
	for _, k := range codexCompactKeys {
		if _, ok := req.Body[k]; !ok {
			t.Errorf("compaction body lacks Codex's key %q", k)
		}
	}
}

// The answer's output becomes items: messages and the compaction (with its
// id and content, to be sent back as they came), the older name
// compaction_summary too; what kodex cannot send back is left out.
func TestCompactParsesOutput(t *testing.T) {
	t.Parallel()
	out := []json.RawMessage{
		json.RawMessage(`{"type":"message","role":"user","content":[{"type":"input_text","text":"fix the bug"}]}`),
		json.RawMessage(`{"type":"reasoning","id":"rs_1","summary":[]}`),
		json.RawMessage(`{"type":"some_future_item","x":1}`),
		json.RawMessage(`{"type":"compaction_summary","encrypted_content":"OLD"}`),
		json.RawMessage(`{"type":"compaction","id":"cmp_1","encrypted_content":"gAAAA=="}`),
	}
	srv := modeltest.New(t, modeltest.Response{CompactOutput: out, Usage: &model.Usage{InputTokens: 900, OutputTokens: 40, TotalTokens: 940}})
	c, _ := compactingClient(t, srv.URL(), nil)
	items, usage, err := c.Compact(context.Background(), simpleRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Item{
		model.UserText("fix the bug"),
		{Type: model.ItemCompaction, EncryptedContent: "OLD"},
		{Type: model.ItemCompaction, ID: "cmp_1", EncryptedContent: "gAAAA=="},
	}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if usage == nil || usage.TotalTokens != 940 || usage.InputTokens != 900 {
		t.Errorf("usage = %+v, want the answer's", usage)
	}
}

// A compaction item goes back in a later request's input as it came.
func TestCompactionItemRoundTrips(t *testing.T) {
	t.Parallel()
	it := model.Item{Type: model.ItemCompaction, ID: "cmp_1", EncryptedContent: "gAAAA=="}
	want := `{"type":"compaction","id":"cmp_1","encrypted_content":"gAAAA=="}`
	got, err := appendRespItem(nil, &it)
	if err != nil || string(got) != want {
		t.Errorf("appendRespItem = %s, %v; want %s", got, err, want)
	}
	if b, err := json.Marshal(respItem(it)); err != nil || string(b) != want {
		t.Errorf("marshal = %s, %v; want %s", b, err, want)
	}
	// The chat wire has no form for it: it is left out.
	if msgs := appendChatItem(nil, it); len(msgs) != 0 {
		t.Errorf("chat messages %+v, want none", msgs)
	}
}

// HTTP errors are classified as a stream's are, and retried the same way.
func TestCompactErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   []modeltest.Response
		kind     model.ErrorKind
		requests int
	}{
		{"context window", []modeltest.Response{modeltest.HTTPError(400, "context_length_exceeded", "Your input exceeds the context window of this model.")}, model.ErrContextWindow, 1},
		{"not found", []modeltest.Response{modeltest.HTTPError(404, "not_found", "no such route")}, model.ErrUnknownModel, 1},
		{"auth", []modeltest.Response{modeltest.HTTPError(401, "invalid_api_key", "bad key")}, model.ErrAuth, 1},
		{"server errors then success", []modeltest.Response{modeltest.HTTPError(500, "server_error", "oops"), modeltest.Compacted("ENC")}, 0, 2},
		{"malformed answer", []modeltest.Response{{Status: 200, Body: `{"output": [`}}, model.ErrStream, 1},
		{"no output", []modeltest.Response{{Status: 200, Body: `{"id":"x"}`}}, model.ErrStream, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.New(t, tt.script...)
			c, _ := compactingClient(t, srv.URL(), nil)
			items, _, err := c.Compact(context.Background(), simpleRequest())
			if got := len(srv.Requests()); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
			if tt.kind == 0 {
				if err != nil || len(items) == 0 {
					t.Fatalf("Compact = %v, %v; want items", items, err)
				}
				return
			}
			var me *model.Error
			if !errors.As(err, &me) || me.Kind != tt.kind {
				t.Fatalf("err = %v, want a %v", err, tt.kind)
			}
		})
	}
}

// Only a Responses client with Compaction compacts; a large conversation is
// encoded as it is sent, byte for byte the whole encoding.
func TestCompactAvailability(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		wire       string
		compaction bool
		want       bool
	}{
		{WireResponses, true, true},
		{WireResponses, false, false},
		{WireChat, true, false},
	} {
		c, _ := newClient(t, "http://127.0.0.1:1/v1", tt.wire, func(o *Options) { o.Compaction = tt.compaction })
		if got := c.ServerCompaction(); got != tt.want {
			t.Errorf("%s, Compaction %v: ServerCompaction() = %v, want %v", tt.wire, tt.compaction, got, tt.want)
		}
		if !tt.want {
			if _, _, err := c.Compact(context.Background(), simpleRequest()); err == nil {
				t.Errorf("%s, Compaction %v: Compact succeeded", tt.wire, tt.compaction)
			}
		}
	}

	c, _ := compactingClient(t, "http://127.0.0.1:1/v1", nil)
	req := goldenRequest()
	big := strings.Repeat("output <line> \"q\"\n", 200<<10)
	req.Input = append(req.Input, model.Item{Type: model.ItemFunctionCallOutput, CallID: "call_1", Output: big},
		model.Item{Type: model.ItemCompaction, ID: "cmp_0", EncryptedContent: "E"})
	b, err := c.encodeCompact(req)
	if err != nil || b.whole != nil {
		t.Fatalf("a large compaction request was not streamed (%v)", err)
	}
	got, err := io.ReadAll(b.reader())
	if err != nil {
		t.Fatal(err)
	}
	rb := responsesBody(req)
	want, _ := marshal(&compactRequest{Model: rb.Model, Input: rb.Input, Instructions: rb.Instructions, Tools: rb.Tools,
		ParallelToolCalls: rb.ParallelToolCalls, Reasoning: rb.Reasoning, PromptCacheKey: rb.PromptCacheKey, Text: rb.Text})
	if !bytes.Equal(got, want) || int64(len(got)) != b.size {
		t.Errorf("streamed compaction body differs from the whole encoding (%d vs %d bytes, size %d)", len(got), len(want), b.size)
	}
}
