package agent_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

func TestTurnWithoutToolCalls(t *testing.T) {
	t.Parallel()
	settings := agent.Settings{
		Model:          "gpt-test",
		Provider:       "test",
		Cwd:            "/work",
		ApprovalPolicy: protocol.ApprovalOnRequest,
		Sandbox:        protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite},
		ContextWindow:  1000,
	}
	resp := modeltest.Text("Hello from kodex")
	resp.Usage = usage(10, 5)
	h := newHarness(t, agent.Options{Settings: settings, Instructions: "be brief"}, resp)

	first := h.next()
	id := h.submit(userTurn("hi"))
	got := append([]protocol.Event{first}, h.until(turnEnd)...)

	u := protocol.TokenUsage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15}
	want := []protocol.Event{
		{Seq: 1, Msg: protocol.SessionConfigured{
			SessionID: "sess", ProtocolVersion: protocol.Version, Model: "gpt-test", Provider: "test", Cwd: "/work",
			ApprovalPolicy: protocol.ApprovalOnRequest, Sandbox: settings.Sandbox, ContextWindow: 1000,
		}},
		{Seq: 2, ID: id, Msg: protocol.TurnStarted{TurnID: id}},
		{Seq: 3, ID: id, Msg: protocol.AgentMessageDelta{ItemID: "msg_0", Delta: "Hello "}},
		{Seq: 4, ID: id, Msg: protocol.AgentMessageDelta{ItemID: "msg_0", Delta: "from "}},
		{Seq: 5, ID: id, Msg: protocol.AgentMessageDelta{ItemID: "msg_0", Delta: "kodex"}},
		{Seq: 6, ID: id, Msg: protocol.AgentMessage{ItemID: "msg_0", Text: "Hello from kodex"}},
		{Seq: 7, ID: id, Msg: protocol.TokenCount{Last: u, Turn: u, Total: u, ContextWindow: 1000, ContextUsed: 15}},
		{Seq: 8, ID: id, Msg: protocol.TurnComplete{TurnID: id, LastMessage: "Hello from kodex"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}

	req := h.request(0)
	if diff := cmp.Diff([]wireItem{userItem("hi")}, inputOf(req)); diff != "" {
		t.Errorf("request input mismatch (-want +got):\n%s", diff)
	}
	if got := bodyString(req, "model"); got != "gpt-test" {
		t.Errorf("request model = %q, want %q", got, "gpt-test")
	}
	if got := bodyString(req, "instructions"); got != "be brief" {
		t.Errorf("request instructions = %q, want %q", got, "be brief")
	}
}

// TestTokenCountAccumulates checks Turn and Total across the steps of one
// turn and across turns.
func TestTokenCountAccumulates(t *testing.T) {
	t.Parallel()
	r1 := modeltest.Calls(call("c1", "echo", "{}"))
	r1.Usage = usage(10, 1)
	r2 := modeltest.Text("done")
	r2.Usage = usage(20, 2)
	r3 := modeltest.Text("again")
	r3.Usage = usage(30, 3)
	h := newHarness(t, agent.Options{Tools: router(t, echo("echo"))}, r1, r2, r3)

	var got []protocol.TokenCount
	got = append(got, msgsOf[protocol.TokenCount](h.turn("one"))...)
	got = append(got, msgsOf[protocol.TokenCount](h.turn("two"))...)

	tu := func(in, out int64) protocol.TokenUsage {
		return protocol.TokenUsage{InputTokens: in, OutputTokens: out, TotalTokens: in + out}
	}
	want := []protocol.TokenCount{
		{Last: tu(10, 1), Turn: tu(10, 1), Total: tu(10, 1), ContextUsed: 11},
		{Last: tu(20, 2), Turn: tu(30, 3), Total: tu(30, 3), ContextUsed: 22},
		{Last: tu(30, 3), Turn: tu(30, 3), Total: tu(60, 6), ContextUsed: 33},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token counts mismatch (-want +got):\n%s", diff)
	}
}

func TestModelFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resp     modeltest.Response
		wantCode string
	}{
		{"401", modeltest.HTTPError(401, "invalid_api_key", "Incorrect API key provided"), "auth"},
		{"context window", modeltest.Failed("context_length_exceeded", "Your input exceeds the context window of this model."), "context_window"},
		{"unknown model", modeltest.HTTPError(404, "model_not_found", "The model does not exist"), "unknown_model"},
		{"bad request", modeltest.HTTPError(400, "invalid_value", "bad value"), "bad_request"},
		{"incomplete", modeltest.Response{Text: "partial", Incomplete: "max_output_tokens"}, "incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, agent.Options{}, tt.resp)
			h.next()
			id := h.submit(userTurn("hi"))
			evs := h.until(turnEnd)
			failed, ok := evs[len(evs)-1].Msg.(protocol.TurnFailed)
			if !ok {
				t.Fatalf("turn ended with %T, want TurnFailed; events %v", evs[len(evs)-1].Msg, types(evs))
			}
			if failed.TurnID != id || failed.Error.Code != tt.wantCode {
				t.Errorf("TurnFailed = {TurnID: %q, Code: %q}, want {%q, %q}", failed.TurnID, failed.Error.Code, id, tt.wantCode)
			}
			if failed.Error.Message == "" {
				t.Errorf("TurnFailed has no message")
			}
		})
	}
}

// TestFailedTurnKeepsSession checks that a failed turn leaves the session
// usable, with the user's message in the history.
func TestFailedTurnKeepsSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{}, modeltest.HTTPError(400, "invalid_value", "bad"), modeltest.Text("ok"))
	if evs := h.turn("one"); !isType[protocol.TurnFailed](evs[len(evs)-1]) {
		t.Fatalf("first turn ended with %T, want TurnFailed", evs[len(evs)-1].Msg)
	}
	if evs := h.turn("two"); !isType[protocol.TurnComplete](evs[len(evs)-1]) {
		t.Fatalf("second turn ended with %T, want TurnComplete", evs[len(evs)-1].Msg)
	}
	want := []wireItem{userItem("one"), userItem("two")}
	if diff := cmp.Diff(want, inputOf(h.request(1))); diff != "" {
		t.Errorf("second request input mismatch (-want +got):\n%s", diff)
	}
}

// TestStreamRetry cuts the stream at each stage of a response: the
// reconnect is a Warning, and each completed item is reported and recorded
// once.
func TestStreamRetry(t *testing.T) {
	t.Parallel()
	const (
		thought = "thinking hard"
		text    = "hello there world"
	)
	resp := modeltest.Response{Reasoning: thought, Text: text}
	// Responses frames of resp: 1 created, 2 reasoning added, 3-4 reasoning
	// deltas, 5 reasoning done, 6 message added, 7-9 text deltas, 10 message
	// done, 11 completed.
	tests := []struct {
		name     string
		cutAfter int
	}{
		{"during the reasoning", 4},
		{"after the reasoning item is done", 5},
		{"during the text deltas", 8},
		{"before the message item is done", 9},
		{"after the message item is done", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, agent.Options{},
				modeltest.CutAfter(tt.cutAfter, resp),
				resp,
				modeltest.Text("second answer"),
			)
			evs := h.turn("hi")
			if _, ok := evs[len(evs)-1].Msg.(protocol.TurnComplete); !ok {
				t.Fatalf("turn ended with %T, want TurnComplete; events %v", evs[len(evs)-1].Msg, types(evs))
			}
			retries := msgsOf[protocol.Retry](evs)
			if len(retries) != 1 || retries[0].Attempt != 1 || retries[0].MaxAttempts < 1 || !strings.Contains(retries[0].Reason, "stream") {
				t.Errorf("retries = %+v, want one, attempt 1, about the broken stream", retries)
			}
			var done []string
			for _, ev := range evs {
				switch m := ev.Msg.(type) {
				case protocol.Reasoning:
					done = append(done, "reasoning: "+m.Text)
				case protocol.AgentMessage:
					done = append(done, "message: "+m.Text)
				}
			}
			if diff := cmp.Diff([]string{"reasoning: " + thought, "message: " + text}, done); diff != "" {
				t.Errorf("completed items reported mismatch (-want +got):\n%s", diff)
			}
			// The deltas after the retry spell the message once.
			var after strings.Builder
			for _, ev := range evs {
				switch m := ev.Msg.(type) {
				case protocol.Retry:
					after.Reset()
				case protocol.AgentMessageDelta:
					after.WriteString(m.Delta)
				}
			}
			if after.String() != text {
				t.Errorf("deltas after the retry = %q, want %q", after.String(), text)
			}
			if tc := evs[len(evs)-1].Msg.(protocol.TurnComplete); tc.LastMessage != text {
				t.Errorf("LastMessage = %q, want %q", tc.LastMessage, text)
			}

			// The history holds each item once.
			h.turn("again")
			want := []wireItem{userItem("hi"), {Type: model.ItemReasoning, Text: thought}, assistantItem(text), userItem("again")}
			if diff := cmp.Diff(want, inputOf(h.request(2))); diff != "" {
				t.Errorf("next request input mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResumeAndOpening(t *testing.T) {
	t.Parallel()
	history := []model.Item{
		model.UserText("old question"),
		{Type: model.ItemMessage, Role: model.RoleAssistant, Content: []model.ContentPart{{Type: model.PartOutputText, Text: "old answer"}}},
	}
	var openedWith []string
	opening := func(s agent.Settings) ([]model.Item, []string) {
		openedWith = append(openedWith, s.Cwd) // called by the turn goroutine only
		return []model.Item{{Type: model.ItemMessage, Role: model.RoleDeveloper, Content: []model.ContentPart{{Type: model.PartInputText, Text: "opening for " + s.Cwd}}}}, nil
	}
	h := newHarness(t, agent.Options{
		Settings: agent.Settings{Cwd: "/repo"},
		History:  history,
		Resumed:  true,
		Opening:  opening,
		Tools:    router(t, echo("echo")),
	}, modeltest.Calls(call("c1", "echo", "{}")), modeltest.Text("new answer"))

	sc, ok := h.next().Msg.(protocol.SessionConfigured)
	if !ok || !sc.Resumed || sc.History != 2 {
		t.Errorf("SessionConfigured = %+v, want Resumed with History 2", sc)
	}
	h.turn("new question")
	if diff := cmp.Diff([]string{"/repo", "/repo"}, openedWith); diff != "" {
		t.Errorf("Opening calls mismatch (-want +got):\n%s", diff)
	}

	open := wireItem{Type: model.ItemMessage, Role: model.RoleDeveloper, Text: "opening for /repo"}
	old := []wireItem{open, userItem("old question"), assistantItem("old answer"), userItem("new question")}
	want := [][]wireItem{
		old,
		append(append([]wireItem(nil), old...), callItem("c1", "echo", "{}"), outputItem("c1", "echo({})")),
	}
	for i, w := range want {
		if diff := cmp.Diff(w, inputOf(h.request(i))); diff != "" {
			t.Errorf("request %d input mismatch (-want +got):\n%s", i, diff)
		}
	}
}

func TestUserTurnOverrides(t *testing.T) {
	t.Parallel()
	envs := make(chan string, 4)
	probe := &fnTool{name: "probe", handle: func(_ context.Context, env *tools.Env, _ tools.Call) (tools.Result, error) {
		s := fmt.Sprintf("cwd=%s policy=%s sandbox=%s", env.Cwd, env.ApprovalPolicy, env.Sandbox.Mode)
		envs <- s
		return tools.Result{Output: s}, nil
	}}
	h := newHarness(t, agent.Options{
		Settings:      agent.Settings{Model: "base-model", Cwd: "/base", ApprovalPolicy: protocol.ApprovalOnRequest, Sandbox: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}},
		Tools:         router(t, probe),
		ResolvePolicy: resolver(),
	},
		modeltest.Calls(call("c1", "probe", "{}")), modeltest.Text("one"),
		modeltest.Calls(call("c2", "probe", "{}")), modeltest.Text("two"),
	)
	h.next()
	ut := userTurn("first")
	ut.Model = "override-model"
	ut.Cwd = "/override"
	ut.ApprovalPolicy = protocol.ApprovalNever
	ut.ReasoningEffort = "high"
	full := protocol.SandboxDangerFullAccess
	ut.SandboxMode = &full
	h.submit(ut)
	h.until(turnEnd)
	// Overrides stick for later turns.
	h.turn("second")

	const want = "cwd=/override policy=never sandbox=danger-full-access"
	for i := range 2 {
		if got := <-envs; got != want {
			t.Errorf("turn %d: tool env %q, want %q", i+1, got, want)
		}
	}
	for i, r := range h.srv.Requests() {
		if got := bodyString(r, "model"); got != "override-model" {
			t.Errorf("request %d: model %q, want %q", i, got, "override-model")
		}
		reasoning, _ := r.Body["reasoning"].(map[string]any)
		if got, _ := reasoning["effort"].(string); got != "high" {
			t.Errorf("request %d: reasoning effort %q, want %q", i, got, "high")
		}
	}
}

func TestLoadImage(t *testing.T) {
	t.Parallel()
	const url = "data:image/png;base64,iVBORw0KGgo="
	load := func(path string) (string, error) {
		if path == "/img/ok.png" {
			return url, nil
		}
		return "", fmt.Errorf("reading %s: %w", path, errLoad)
	}
	tests := []struct {
		name      string
		load      func(string) (string, error)
		path      string
		wantParts []model.ContentPart
		wantWarn  string // substring; "" for no warning
	}{
		{
			name: "loaded", load: load, path: "/img/ok.png",
			wantParts: []model.ContentPart{{Type: model.PartInputText, Text: "look"}, {Type: model.PartInputImage, ImageURL: url}},
		},
		{
			name: "failing", load: load, path: "/img/missing.png",
			wantParts: []model.ContentPart{{Type: model.PartInputText, Text: "look"}, {Type: model.PartInputText, Text: "(the user attached the image /img/missing.png, but it could not be read: reading /img/missing.png: no such file)"}},
			wantWarn:  "no such file",
		},
		{
			name: "no loader", path: "/img/ok.png",
			wantParts: []model.ContentPart{{Type: model.PartInputText, Text: "look"}, {Type: model.PartInputText, Text: "(the user attached the image /img/ok.png, but it could not be read: images are not supported here)"}},
			wantWarn:  "not supported",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, agent.Options{LoadImage: tt.load}, modeltest.Text("nice"))
			h.submit(protocol.UserTurn{Items: []protocol.InputItem{
				{Type: protocol.InputText, Text: "look"},
				{Type: protocol.InputLocalImage, Path: tt.path},
			}})
			evs := h.until(turnEnd)
			if _, ok := evs[len(evs)-1].Msg.(protocol.TurnComplete); !ok {
				t.Fatalf("turn ended with %T, want TurnComplete", evs[len(evs)-1].Msg)
			}
			warns := msgsOf[protocol.Warning](evs)
			switch {
			case tt.wantWarn == "" && len(warns) > 0:
				t.Errorf("unexpected warnings %+v", warns)
			case tt.wantWarn != "" && (len(warns) != 1 || !strings.Contains(warns[0].Message, tt.wantWarn)):
				t.Errorf("warnings = %+v, want one containing %q", warns, tt.wantWarn)
			}
			req := h.request(0)
			in := req.Input()
			if len(in) != 1 {
				t.Fatalf("request input has %d items, want 1", len(in))
			}
			if diff := cmp.Diff(tt.wantParts, in[0].Content); diff != "" {
				t.Errorf("user message content mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOpeningWarningsSaidOnce: what the opening items warn about (a skipped
// AGENTS.md) reaches the user as a Warning, once per session.
func TestOpeningWarningsSaidOnce(t *testing.T) {
	t.Parallel()
	opening := func(agent.Settings) ([]model.Item, []string) {
		return nil, []string{"skipped AGENTS.md: symlink to a path outside the project"}
	}
	h := newHarness(t, agent.Options{Opening: opening}, modeltest.Text("one"), modeltest.Text("two"))
	var got []string
	for _, text := range []string{"first", "second"} {
		for _, ev := range h.turn(text) {
			if w, ok := ev.Msg.(protocol.Warning); ok {
				got = append(got, w.Message)
			}
		}
	}
	if diff := cmp.Diff([]string{"skipped AGENTS.md: symlink to a path outside the project"}, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
