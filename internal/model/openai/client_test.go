package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var wires = []string{WireResponses, WireChat}

// sleeps records the waits a client asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

func newClient(t *testing.T, baseURL, wire string, mod func(*Options)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	opts := Options{
		ProviderID:        "openai",
		ProviderName:      "OpenAI",
		BaseURL:           baseURL,
		WireAPI:           wire,
		APIKey:            "sk-test",
		EnvKey:            "OPENAI_API_KEY",
		RequiresKey:       true,
		Originator:        "kodex_exec",
		Version:           "1.2.3",
		Sleep:             sl.sleep,
		StreamIdleTimeout: 10 * time.Second,
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, sl
}

func simpleRequest() *model.Request {
	return &model.Request{
		Model:     "gpt-test",
		Input:     []model.Item{model.UserText("hi")},
		SessionID: "sess-1",
		Tools: []model.ToolSpec{
			{Kind: model.ToolFunction, Name: "shell", Description: "run", Parameters: json.RawMessage(`{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}}}`)},
			{Kind: model.ToolCustom, Name: "apply_patch", Description: "patch"},
		},
	}
}

// collect runs a stream to its end.
func collect(t *testing.T, c *Client, req *model.Request) ([]model.Event, error) {
	t.Helper()
	var evs []model.Event
	for ev, err := range c.Stream(t.Context(), req) {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// summary is what a consumer makes of a stream, minus provider-specific ids.
type summary struct {
	Text      string
	Reasoning string
	Args      string
	Done      []model.Item
	Usage     model.Usage
	Retries   []model.ErrorKind
}

func summarize(t *testing.T, evs []model.Event) summary {
	t.Helper()
	var s summary
	if len(evs) == 0 || evs[len(evs)-1].Kind != model.EventCompleted {
		t.Fatalf("stream did not end with EventCompleted: %+v", evs)
	}
	for _, ev := range evs {
		switch ev.Kind {
		case model.EventRetry:
			s = summary{Retries: append(s.Retries, model.KindOf(ev.Err))}
		case model.EventTextDelta:
			s.Text += ev.Delta
		case model.EventReasoningDelta:
			s.Reasoning += ev.Delta
		case model.EventToolArgsDelta:
			s.Args += ev.Delta
		case model.EventItemDone:
			it := *ev.Item
			it.ID = ""
			s.Done = append(s.Done, it)
		case model.EventCompleted:
			s.Usage = *ev.Usage
		case model.EventCreated, model.EventItemAdded:
		}
	}
	return s
}

var ignoreItemNoise = cmpopts.IgnoreFields(model.Item{}, "EncryptedContent")

func TestStreamTextAndReasoning(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire, func(t *testing.T) {
			t.Parallel()
			usage := &model.Usage{InputTokens: 100, CachedInputTokens: 60, OutputTokens: 20, ReasoningOutputTokens: 7, TotalTokens: 120}
			srv := modeltest.New(t, modeltest.Response{Reasoning: "thinking hard", Text: "hello there world", Usage: usage})
			c, _ := newClient(t, srv.URL(), wire, nil)
			evs, err := collect(t, c, simpleRequest())
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			if evs[0].Kind != model.EventCreated || evs[0].ResponseID == "" {
				t.Errorf("first event = %+v, want EventCreated with a response id", evs[0])
			}
			got := summarize(t, evs)
			want := summary{
				Text:      "hello there world",
				Reasoning: "thinking hard",
				Done: []model.Item{
					{Type: model.ItemReasoning, Summary: []model.ContentPart{{Type: model.PartSummaryText, Text: "thinking hard"}}},
					{Type: model.ItemMessage, Role: model.RoleAssistant, Content: []model.ContentPart{{Type: model.PartOutputText, Text: "hello there world"}}},
				},
				Usage: *usage,
			}
			if diff := cmp.Diff(want, got, ignoreItemNoise); diff != "" {
				t.Errorf("stream mismatch (-want +got):\n%s", diff)
			}
			var deltas int
			for _, ev := range evs {
				if ev.Kind == model.EventTextDelta {
					deltas++
				}
			}
			if deltas < 2 {
				t.Errorf("got %d text deltas, want several", deltas)
			}
		})
	}
}

func TestStreamToolCalls(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.New(t, modeltest.Calls(
				modeltest.Call{Name: "shell", Arguments: `{"command": ["ls", "-la"]}`, CallID: "call_a"},
				modeltest.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** End Patch", CallID: "call_b"},
			))
			c, _ := newClient(t, srv.URL(), wire, nil)
			evs, err := collect(t, c, simpleRequest())
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			got := summarize(t, evs).Done
			want := []model.Item{
				{Type: model.ItemFunctionCall, CallID: "call_a", Name: "shell", Arguments: `{"command": ["ls", "-la"]}`},
				{Type: model.ItemCustomToolCall, CallID: "call_b", Name: "apply_patch", Input: "*** Begin Patch\n*** End Patch"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tool calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Text("ok"))
	c, _ := newClient(t, srv.URL(), WireResponses, func(o *Options) {
		o.Headers = map[string]string{"X-Extra": "1"}
		o.QueryParams = map[string]string{"api-version": "2025-01-01"}
	})
	if _, err := collect(t, c, simpleRequest()); err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[0]
	want := map[string]string{
		"Authorization": "Bearer sk-test",
		"Accept":        "text/event-stream",
		"Content-Type":  "application/json",
		"Originator":    "kodex_exec",
		"Session-Id":    "sess-1",
		"session_id":    "sess-1",
		"X-Extra":       "1",
	}
	for k, v := range want {
		if got := req.Header.Get(k); got != v && (len(req.Header[k]) == 0 || req.Header[k][0] != v) {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "kodex/1.2.3 (") {
		t.Errorf("User-Agent = %q, want kodex/1.2.3 (os; arch)", ua)
	}
	if req.Path != "/v1/responses" {
		t.Errorf("path = %q", req.Path)
	}
}

func TestRetryAfter429(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.New(t, modeltest.RateLimited("2"), modeltest.Text("ok"))
			c, sl := newClient(t, srv.URL(), wire, nil)
			evs, err := collect(t, c, simpleRequest())
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			if got := summarize(t, evs).Text; got != "ok" {
				t.Errorf("text = %q", got)
			}
			if diff := cmp.Diff([]time.Duration{2 * time.Second}, sl.got()); diff != "" {
				t.Errorf("sleeps mismatch (-want +got):\n%s", diff)
			}
			// The wait is announced before it, with the attempt and the limit.
			var retries []model.Event
			for _, ev := range evs {
				if ev.Kind == model.EventRetry {
					ev.Err = nil
					retries = append(retries, ev)
				}
			}
			want := []model.Event{{Kind: model.EventRetry, Attempt: 1, MaxAttempts: DefaultRequestMaxRetries, Wait: 2 * time.Second}}
			if diff := cmp.Diff(want, retries); diff != "" {
				t.Errorf("retry events mismatch (-want +got):\n%s", diff)
			}
			if got := summarize(t, evs).Retries; !slices.Equal(got, []model.ErrorKind{model.ErrRateLimit}) {
				t.Errorf("retry kinds = %v, want [rate limit]", got)
			}
		})
	}
}

func TestServerErrorsThenSuccess(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.HTTPError(500, "server_error", "boom"), modeltest.HTTPError(503, "", "busy"), modeltest.Text("ok"))
	c, sl := newClient(t, srv.URL(), WireResponses, nil)
	evs, err := collect(t, c, simpleRequest())
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	if got := summarize(t, evs).Text; got != "ok" {
		t.Errorf("text = %q", got)
	}
	got := sl.got()
	if len(got) != 2 {
		t.Fatalf("sleeps = %v, want 2", got)
	}
	for i, d := range got {
		base := baseBackoff << i
		if d < base*8/10 || d > base*12/10 {
			t.Errorf("sleep %d = %v, want %v ±20%%", i, d, base)
		}
	}
}

func TestServerErrorAfterRetries(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.HTTPError(500, "", "boom"), modeltest.HTTPError(500, "", "boom"))
	c, _ := newClient(t, srv.URL(), WireResponses, func(o *Options) { o.RequestMaxRetries = 1 })
	_, err := collect(t, c, simpleRequest())
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.ErrServer || me.Status != 500 {
		t.Fatalf("err = %v, want ErrServer 500", err)
	}
	if !strings.Contains(me.Message, "boom") || !strings.Contains(me.Message, "after 1 retries") {
		t.Errorf("message = %q", me.Message)
	}
}

func TestCutStreamRetried(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.New(t, modeltest.CutAfter(3, modeltest.Text("partial answer here")), modeltest.Text("full answer"))
			c, sl := newClient(t, srv.URL(), wire, nil)
			evs, err := collect(t, c, simpleRequest())
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			got := summarize(t, evs)
			if got.Text != "full answer" {
				t.Errorf("text after retry = %q", got.Text)
			}
			if diff := cmp.Diff([]model.ErrorKind{model.ErrStream}, got.Retries); diff != "" {
				t.Errorf("retries mismatch (-want +got):\n%s", diff)
			}
			i := slices.IndexFunc(evs, func(ev model.Event) bool { return ev.Kind == model.EventRetry })
			if evs[i].Attempt != 1 || evs[i+1].Kind != model.EventCreated {
				t.Errorf("retry event %+v, then %+v; want attempt 1 then EventCreated", evs[i], evs[i+1])
			}
			if len(sl.got()) != 1 {
				t.Errorf("sleeps = %v, want one backoff", sl.got())
			}
		})
	}
}

func TestMalformedEventFailsAfterRetries(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire, func(t *testing.T) {
			t.Parallel()
			bad := modeltest.MalformedAfter(1, modeltest.Text("x"))
			srv := modeltest.New(t, bad, bad, bad)
			c, _ := newClient(t, srv.URL(), wire, func(o *Options) { o.StreamMaxRetries = 2 })
			evs, err := collect(t, c, simpleRequest())
			if model.KindOf(err) != model.ErrStream || !strings.Contains(err.Error(), "malformed") {
				t.Fatalf("err = %v, want ErrStream (malformed)", err)
			}
			var retries int
			for _, ev := range evs {
				if ev.Kind == model.EventRetry {
					retries++
				}
			}
			if retries != 2 {
				t.Errorf("got %d EventRetry, want 2", retries)
			}
		})
	}
}

func TestIdleTimeoutRetried(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.StallAfter(2, modeltest.Text("never finished")), modeltest.Text("ok"))
	c, _ := newClient(t, srv.URL(), WireResponses, func(o *Options) { o.StreamIdleTimeout = 50 * time.Millisecond })
	evs, err := collect(t, c, simpleRequest())
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	got := summarize(t, evs)
	if got.Text != "ok" {
		t.Errorf("text = %q", got.Text)
	}
	if diff := cmp.Diff([]model.ErrorKind{model.ErrNetwork}, got.Retries); diff != "" {
		t.Errorf("retries mismatch (-want +got):\n%s", diff)
	}
}

func TestMissingKey(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t)
	c, _ := newClient(t, srv.URL(), WireResponses, func(o *Options) {
		o.APIKey = ""
		o.EnvKey = "MY_KEY"
		o.EnvKeyInstructions = "create one at https://example.com/keys"
	})
	_, err := collect(t, c, simpleRequest())
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.ErrMissingKey {
		t.Fatalf("err = %v, want ErrMissingKey", err)
	}
	want := "set MY_KEY in your environment or in $KODEX_HOME/.env (create one at https://example.com/keys)"
	if me.Hint != want {
		t.Errorf("hint = %q, want %q", me.Hint, want)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resp     modeltest.Response
		kind     model.ErrorKind
		inMsg    string
		inHint   string
		requests int
	}{
		{"401", modeltest.HTTPError(401, "invalid_api_key", "Incorrect API key provided"), model.ErrAuth, "Incorrect API key", "OPENAI_API_KEY", 1},
		{"403", modeltest.Response{Status: 403, Body: "forbidden"}, model.ErrAuth, "forbidden", "OPENAI_API_KEY", 1},
		{"unknown model code", modeltest.HTTPError(400, "model_not_found", "The model `gpt-9` does not exist"), model.ErrUnknownModel, "gpt-9", "-m/--model", 1},
		{"404", modeltest.Response{Status: 404}, model.ErrUnknownModel, "Not Found", "-m/--model", 1},
		{"context window", modeltest.HTTPError(400, "context_length_exceeded", "Your input exceeds the context window"), model.ErrContextWindow, "context window", "", 1},
		{"context window by message", modeltest.HTTPError(400, "", "This model's maximum context length is 8192 tokens"), model.ErrContextWindow, "8192", "", 1},
		{"quota", modeltest.HTTPError(429, "insufficient_quota", "You exceeded your current quota"), model.ErrRateLimit, "quota", "billing", 1},
		{"bad request", modeltest.HTTPError(400, "invalid_value", "bad tools"), model.ErrBadRequest, "bad tools", "", 1},
		{"response.failed context", modeltest.Failed("context_length_exceeded", "too long"), model.ErrContextWindow, "too long", "", 1},
		{"response.failed other", modeltest.Failed("invalid_prompt", "nope"), model.ErrResponseFailed, "nope", "", 1},
		{"response.incomplete", modeltest.Response{Text: "partial", Incomplete: "max_output_tokens"}, model.ErrIncomplete, "max_output_tokens", "", 1},
	}
	for _, tt := range tests {
		for _, wire := range wires {
			t.Run(tt.name+"/"+wire, func(t *testing.T) {
				t.Parallel()
				srv := modeltest.New(t, tt.resp)
				c, _ := newClient(t, srv.URL(), wire, nil)
				_, err := collect(t, c, simpleRequest())
				var me *model.Error
				if !errors.As(err, &me) {
					t.Fatalf("err = %v, want a *model.Error", err)
				}
				if me.Kind != tt.kind {
					t.Errorf("kind = %v, want %v (err: %v)", me.Kind, tt.kind, err)
				}
				if !strings.Contains(me.Message, tt.inMsg) {
					t.Errorf("message = %q, want it to contain %q", me.Message, tt.inMsg)
				}
				if !strings.Contains(me.Hint, tt.inHint) {
					t.Errorf("hint = %q, want it to contain %q", me.Hint, tt.inHint)
				}
			})
		}
	}
}

func TestRateLimitResetAt(t *testing.T) {
	t.Parallel()
	r := modeltest.RateLimited("120") // longer than we are willing to wait
	r.Headers = map[string]string{"X-Ratelimit-Reset-Requests": "6m0s"}
	srv := modeltest.New(t, r)
	c, sl := newClient(t, srv.URL(), WireResponses, nil)
	before := time.Now()
	_, err := collect(t, c, simpleRequest())
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.ErrRateLimit {
		t.Fatalf("err = %v, want ErrRateLimit", err)
	}
	if me.ResetAt.Before(before.Add(6*time.Minute)) || me.ResetAt.After(time.Now().Add(6*time.Minute)) {
		t.Errorf("ResetAt = %v, want about 6m from now", me.ResetAt)
	}
	if len(sl.got()) != 0 {
		t.Errorf("slept %v, want no retry for a 2-minute Retry-After", sl.got())
	}
}

func TestRetryHints(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		h       map[string]string
		delay   time.Duration
		resetIn time.Duration
	}{
		{"none", nil, 0, 0},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, 3 * time.Second},
		{"date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, 90 * time.Second},
		{"ms", map[string]string{"Retry-After-Ms": "250", "Retry-After": "1"}, 250 * time.Millisecond, 250 * time.Millisecond},
		{"reset headers", map[string]string{"X-Ratelimit-Reset-Tokens": "1m30s", "X-Ratelimit-Reset-Requests": "20ms"}, 0, 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.h {
				h.Set(k, v)
			}
			delay, resetAt := retryHints(h, now)
			if delay != tt.delay {
				t.Errorf("delay = %v, want %v", delay, tt.delay)
			}
			var resetIn time.Duration
			if !resetAt.IsZero() {
				resetIn = resetAt.Sub(now)
			}
			if resetIn != tt.resetIn {
				t.Errorf("reset in %v, want %v", resetIn, tt.resetIn)
			}
		})
	}
}

func TestRetryableResponseFailed(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Failed("rate_limit_exceeded", "Rate limit reached. Please try again in 1.5s."), modeltest.Text("ok"))
	c, sl := newClient(t, srv.URL(), WireResponses, nil)
	evs, err := collect(t, c, simpleRequest())
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	if diff := cmp.Diff([]model.ErrorKind{model.ErrRateLimit}, summarize(t, evs).Retries); diff != "" {
		t.Errorf("retries mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{1500 * time.Millisecond}, sl.got()); diff != "" {
		t.Errorf("sleeps mismatch (-want +got):\n%s", diff)
	}
}

func TestNetworkError(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(http.NotFoundHandler())
	url := hs.URL + "/v1"
	hs.Close() // nothing listens there now
	c, sl := newClient(t, url, WireResponses, func(o *Options) { o.RequestMaxRetries = 2 })
	_, err := collect(t, c, simpleRequest())
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.ErrNetwork {
		t.Fatalf("err = %v, want ErrNetwork", err)
	}
	if !strings.Contains(me.Message, "127.0.0.1") {
		t.Errorf("message = %q, want the host", me.Message)
	}
	if len(sl.got()) != 2 {
		t.Errorf("sleeps = %v, want 2 retries", sl.got())
	}
}

func TestContextCancel(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.StallAfter(2, modeltest.Text("never")))
	c, _ := newClient(t, srv.URL(), WireResponses, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var last error
	for ev, err := range c.Stream(ctx, simpleRequest()) {
		if err != nil {
			last = err
			break
		}
		if ev.Kind == model.EventCreated {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", last)
	}
}

func TestConsumerStopsEarly(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Text("a b c d e"))
	c, _ := newClient(t, srv.URL(), WireChat, nil)
	for ev, err := range c.Stream(t.Context(), simpleRequest()) {
		if err != nil || ev.Kind == model.EventTextDelta {
			break
		}
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{BaseURL: "api.openai.com"}, {BaseURL: "https://x/v1", WireAPI: "grpc"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", o)
		}
	}
}

func goldenRequest() *model.Request {
	return &model.Request{
		Model:        "gpt-5-codex",
		Instructions: "You are kodex.",
		Input: []model.Item{
			{Type: model.ItemMessage, ID: "msg_dev", Role: model.RoleDeveloper, Content: []model.ContentPart{{Type: model.PartInputText, Text: "<environment_context/>"}}},
			{Type: model.ItemMessage, Role: model.RoleUser, Content: []model.ContentPart{
				{Type: model.PartInputText, Text: "what is in this image?"},
				{Type: model.PartInputImage, ImageURL: "data:image/png;base64,AAAA"},
			}},
			{Type: model.ItemReasoning, ID: "rs_1", Summary: []model.ContentPart{{Type: model.PartSummaryText, Text: "Looking."}}, EncryptedContent: "gAAA"},
			{Type: model.ItemMessage, ID: "msg_1", Role: model.RoleAssistant, Content: []model.ContentPart{{Type: model.PartOutputText, Text: "Let me look."}}},
			{Type: model.ItemFunctionCall, ID: "fc_1", CallID: "call_1", Name: "shell", Arguments: `{"command":["ls"]}`},
			{Type: model.ItemFunctionCallOutput, CallID: "call_1", Output: ""},
			{Type: model.ItemCustomToolCall, ID: "ctc_1", CallID: "call_2", Name: "apply_patch", Input: "*** Begin Patch\n*** End Patch\n"},
			{Type: model.ItemCustomToolCallOutput, CallID: "call_2", Output: "Done!"},
		},
		Tools: []model.ToolSpec{
			{Kind: model.ToolFunction, Name: "shell", Description: "Runs a command.", Parameters: json.RawMessage(`{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"],"additionalProperties":false}`)},
			{Kind: model.ToolCustom, Name: "apply_patch", Description: "Edits files.", Format: &model.CustomFormat{Type: "grammar", Syntax: "lark", Definition: "start: begin_patch"}},
		},
		ParallelToolCalls: true,
		Reasoning:         &model.Reasoning{Effort: "medium", Summary: "auto"},
		OutputSchema:      json.RawMessage(`{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false}`),
		SessionID:         "0199a213-81c0-7800-8aa1-bbab2a035a53",
	}
}

// codexTopLevelKeys are the top-level keys of Codex 0.169's request bodies
// (shared fixtures codex-0.169/responses-request-{1,2}.json).
var codexTopLevelKeys = []string{"model", "stream", "input", "tools", "tool_choice", "parallel_tool_calls", "reasoning", "store", "include", "prompt_cache_key"}

func TestRequestBodyGolden(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.New(t, modeltest.Text("ok"))
			c, _ := newClient(t, srv.URL(), wire, nil)
			if _, err := collect(t, c, goldenRequest()); err != nil {
				t.Fatal(err)
			}
			req := srv.Requests()[0]
			var indented bytes.Buffer
			if err := json.Indent(&indented, req.Raw, "", "  "); err != nil {
				t.Fatal(err)
			}
			indented.WriteByte('\n')
			path := filepath.Join("testdata", wire+"-request.golden.json")
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
				t.Errorf("request body mismatch (-golden +got):\n%s", diff)
			}
			if wire != WireResponses {
				return
			}
			for _, k := range codexTopLevelKeys {
				if _, ok := req.Body[k]; !ok {
					t.Errorf("request lacks Codex's top-level key %q", k)
				}
			}
			for _, it := range req.Body["input"].([]any) {
				m := it.(map[string]any)
				if typ := m["type"].(string); strings.HasSuffix(typ, "_output") {
					if _, ok := m["output"]; !ok {
						t.Errorf("%s item without output: %v", typ, m)
					}
				}
			}
		})
	}
}

// A 200 with an HTML page is not retried as a broken stream: it is a bad
// base_url, said so at once.
func TestHTMLAnswerIsNotAStream(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Response{Status: 200, Body: "<!DOCTYPE html><html><body>Sign in</body></html>", Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"}})
	c, sl := newClient(t, srv.URL(), WireResponses, nil)
	_, err := collect(t, c, simpleRequest())
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.ErrBadRequest || !strings.Contains(me.Message, "HTML page, not an event stream") || !strings.Contains(me.Hint, "base_url") {
		t.Fatalf("err = %v, want a bad request naming the HTML page and base_url", err)
	}
	if got := len(srv.Requests()); got != 1 || len(sl.got()) != 0 {
		t.Errorf("%d requests, %d waits; want 1 and none (no retries)", got, len(sl.got()))
	}
}
