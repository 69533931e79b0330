package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// fake is a scripted session: an actor that starts with SessionConfigured
// and runs turn for each UserTurn (turn may wait for further ops with next).
type fake struct {
	id     string
	ops    chan protocol.Op
	events chan protocol.Event
	seq    uint64
	turn   func(f *fake, prompt string)

	mu  sync.Mutex
	got []string // op types received, in order
}

func newFake(id string, turn func(f *fake, prompt string)) *fake {
	f := &fake{id: id, ops: make(chan protocol.Op), events: make(chan protocol.Event, 1), turn: turn}
	go f.run()
	return f
}

func (f *fake) Submit(ctx context.Context, op protocol.Op) (string, error) {
	select {
	case f.ops <- op:
		return "1", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (f *fake) Events() <-chan protocol.Event { return f.events }

func (f *fake) emit(m protocol.EventMsg) {
	f.seq++
	f.events <- protocol.Event{Seq: f.seq, ID: "1", Msg: m}
}

func (f *fake) next() protocol.Op {
	op := <-f.ops
	f.mu.Lock()
	f.got = append(f.got, op.OpType())
	f.mu.Unlock()
	return op
}

func (f *fake) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

func (f *fake) run() {
	defer close(f.events)
	f.emit(protocol.SessionConfigured{SessionID: f.id})
	for {
		switch op := f.next().(type) {
		case protocol.UserTurn:
			f.emit(protocol.TurnStarted{TurnID: "t"})
			f.turn(f, op.Items[0].Text)
		case protocol.Shutdown:
			f.emit(protocol.ShutdownComplete{})
			return
		}
	}
}

// echo answers every prompt with "echo: PROMPT".
func echo(f *fake, prompt string) {
	f.emit(protocol.AgentMessage{ItemID: "m", Text: "echo: " + prompt})
	f.emit(protocol.TurnComplete{TurnID: "t", LastMessage: "echo: " + prompt})
}

// harness runs Serve against an in-memory client.
type harness struct {
	t      *testing.T
	client *mcp.ClientSession
	served chan error

	mu       sync.Mutex
	starts   []StartRequest
	sessions []*fake
	closed   int
	events   []map[string]any // kodex/event params, in arrival order
}

type harnessOptions struct {
	turn        func(f *fake, prompt string)
	elicit      func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)
	progress    func(*mcp.ProgressNotificationClientRequest)
	startErr    error
	maxThreads  int
	clientProto string // protocol version the client's initialize asks for; default the SDK's
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, served: make(chan error, 1)}
	if o.turn == nil {
		o.turn = echo
	}
	st, ct := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		h.served <- Serve(ctx, st, Options{Name: "kodex-mcp-server", Version: "test", Start: h.start(o), MaxThreads: o.maxThreads})
	}()
	copts := &mcp.ClientOptions{ElicitationHandler: o.elicit}
	if o.progress != nil {
		copts.ProgressNotificationHandler = func(_ context.Context, r *mcp.ProgressNotificationClientRequest) { o.progress(r) }
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, copts)
	cs, err := c.Connect(ctx, &clientTransport{t: ct, proto: o.clientProto, h: h}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.client = cs
	return h
}

func (h *harness) start(o harnessOptions) func(context.Context, StartRequest) (Started, error) {
	return func(_ context.Context, req StartRequest) (Started, error) {
		if o.startErr != nil {
			return Started{}, o.startErr
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.starts = append(h.starts, req)
		id := req.ResumeID
		if id == "" {
			id = fmt.Sprintf("thread-%d", len(h.starts))
		}
		f := newFake(id, o.turn)
		h.sessions = append(h.sessions, f)
		notice := ""
		if !req.CanApprove {
			notice = "approvals off: " + req.NoApprovalReason
		}
		return Started{Session: f, Notice: notice, Close: func() {
			h.mu.Lock()
			h.closed++
			h.mu.Unlock()
		}}, nil
	}
}

// close disconnects the client and waits for Serve to end.
func (h *harness) close() {
	h.t.Helper()
	_ = h.client.Close()
	select {
	case err := <-h.served:
		if err != nil {
			h.t.Errorf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Fatal("Serve did not return after the client disconnected")
	}
}

func (h *harness) eventTypes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var types []string
	for _, e := range h.events {
		types = append(types, e["msg"].(map[string]any)["type"].(string))
	}
	return types
}

// clientTransport is the client's end: its initialize asks for protocol
// version proto, if set, and it takes the kodex/event notifications out of
// the stream.
type clientTransport struct {
	t     mcp.Transport
	proto string
	h     *harness
}

func (ct *clientTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := ct.t.Connect(ctx)
	return &clientConn{Connection: c, ct: ct}, err
}

type clientConn struct {
	mcp.Connection
	ct *clientTransport
}

func (c *clientConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if r, ok := msg.(*jsonrpc.Request); ok && r.Method == "initialize" && c.ct.proto != "" {
		var p map[string]any
		_ = json.Unmarshal(r.Params, &p)
		p["protocolVersion"] = c.ct.proto
		r.Params, _ = json.Marshal(p)
	}
	return c.Connection.Write(ctx, msg)
}

func (c *clientConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	for {
		msg, err := c.Connection.Read(ctx)
		if r, ok := msg.(*jsonrpc.Request); ok && r.Method == EventMethod {
			var p map[string]any
			if err := json.Unmarshal(r.Params, &p); err != nil {
				c.ct.h.t.Errorf("kodex/event params: %v", err)
			}
			c.ct.h.mu.Lock()
			c.ct.h.events = append(c.ct.h.events, p)
			c.ct.h.mu.Unlock()
			continue
		}
		return msg, err
	}
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("calling %s: %v", name, err)
	}
	return res
}

func text(res *mcp.CallToolResult) []string {
	var out []string
	for _, c := range res.Content {
		out = append(out, c.(*mcp.TextContent).Text)
	}
	return out
}

func structured(t *testing.T, res *mcp.CallToolResult) output {
	t.Helper()
	b, _ := json.Marshal(res.StructuredContent)
	var o output
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
	return o
}

func TestListTools(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	defer h.close()
	res, err := h.client.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]any{}
	for _, tool := range res.Tools {
		got[tool.Name] = tool.InputSchema.(map[string]any)["required"].([]any)
		if tool.OutputSchema == nil {
			t.Errorf("%s has no output schema", tool.Name)
		}
	}
	want := map[string][]any{"kodex": {"prompt"}, "kodex-reply": {"prompt"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

func TestKodexThenReply(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		steps []string
	)
	h := newHarness(t, harnessOptions{
		elicit: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "decline"}, nil
		},
		progress: func(r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			steps = append(steps, r.Params.Message)
			mu.Unlock()
		},
	})
	res, err := h.client.CallTool(context.Background(), &mcp.CallToolParams{
		Meta:      mcp.Meta{"progressToken": "p1"},
		Name:      "kodex",
		Arguments: map[string]any{"prompt": "hello", "model": "m1", "approval-policy": "on-request", "config": map[string]any{"model_reasoning_effort": "high"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || text(res)[0] != "echo: hello" {
		t.Fatalf("kodex result = %v (isError %v), want echo: hello", text(res), res.IsError)
	}
	if diff := cmp.Diff(output{ThreadID: "thread-1", Content: "echo: hello"}, structured(t, res)); diff != "" {
		t.Errorf("structuredContent (-want +got):\n%s", diff)
	}
	res = call(t, h.client, "kodex-reply", map[string]any{"threadId": "thread-1", "prompt": "again"})
	if diff := cmp.Diff(output{ThreadID: "thread-1", Content: "echo: again"}, structured(t, res)); diff != "" {
		t.Errorf("reply structuredContent (-want +got):\n%s", diff)
	}
	// Codex's older argument name.
	res = call(t, h.client, "kodex-reply", map[string]any{"conversationId": "thread-1", "prompt": "third"})
	if got := text(res); got[0] != "echo: third" {
		t.Errorf("reply by conversationId = %v", got)
	}
	h.close()

	h.mu.Lock()
	if len(h.starts) != 1 || !h.starts[0].CanApprove || h.starts[0].Params.Model != "m1" || h.starts[0].Params.Config["model_reasoning_effort"] != "high" {
		t.Errorf("start requests = %+v, want one with CanApprove, the model and the config", h.starts)
	}
	if h.closed != 1 {
		t.Errorf("sessions closed = %d, want 1 (at disconnect)", h.closed)
	}
	if got := h.sessions[0].received(); !cmp.Equal(got, []string{"user_turn", "user_turn", "user_turn", "shutdown"}) {
		t.Errorf("ops = %v", got)
	}
	meta := h.events[0]["_meta"].(map[string]any)
	h.mu.Unlock()
	if meta["threadId"] != "thread-1" || meta["requestId"] == nil {
		t.Errorf("kodex/event _meta = %v, want threadId thread-1 and the call's requestId", meta)
	}
	turn := []string{"turn_started", "agent_message", "turn_complete"}
	want := append(append(append([]string{"session_configured"}, turn...), turn...), turn...)
	if diff := cmp.Diff(want, h.eventTypes()); diff != "" {
		t.Errorf("kodex/event notifications (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"turn started", "answered", "turn complete"}, steps); diff != "" {
		t.Errorf("progress messages (-want +got):\n%s", diff)
	}
}

// askExec asks for one command and answers with the decision it got.
func askExec(f *fake, _ string) {
	f.emit(protocol.ExecApprovalRequest{CallID: "c1", Command: []string{"rm", "-rf", "build"}, Cwd: "/w", Reason: "outside the sandbox"})
	var answer string
	switch op := f.next().(type) {
	case protocol.ExecApproval:
		answer = op.CallID + " " + string(op.Decision)
	default:
		answer = "unexpected " + op.OpType()
	}
	f.emit(protocol.TurnComplete{TurnID: "t", LastMessage: answer})
}

func TestApprovalByElicitation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer mcp.ElicitResult
		want   string
	}{
		{"accept", mcp.ElicitResult{Action: "accept"}, "c1 approved"},
		{"accept for the session", mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": "approved_for_session"}}, "c1 approved_for_session"},
		{"accept denied", mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": "denied"}}, "c1 denied"},
		{"decline", mcp.ElicitResult{Action: "decline"}, "c1 denied"},
		{"cancel", mcp.ElicitResult{Action: "cancel"}, "c1 abort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var asked *mcp.ElicitParams
			h := newHarness(t, harnessOptions{
				turn: askExec,
				elicit: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					asked = r.Params
					return &tt.answer, nil
				},
			})
			defer h.close()
			res := call(t, h.client, "kodex", map[string]any{"prompt": "clean"})
			if got := text(res)[0]; got != tt.want {
				t.Errorf("decision = %q, want %q", got, tt.want)
			}
			if asked == nil {
				t.Fatal("no elicitation")
			}
			if !strings.Contains(asked.Message, "`rm -rf build` in `/w`") || asked.Meta["codex_elicitation"] != "exec-approval" || asked.Meta["codex_call_id"] != "c1" {
				t.Errorf("elicitation = %q, meta %v", asked.Message, asked.Meta)
			}
		})
	}
}

func TestPatchApproval(t *testing.T) {
	t.Parallel()
	var asked *mcp.ElicitParams
	h := newHarness(t, harnessOptions{
		turn: func(f *fake, _ string) {
			f.emit(protocol.PatchApprovalRequest{CallID: "p1", Changes: []protocol.FileChange{{Path: "/w/a.go", Kind: protocol.ChangeUpdate}}})
			answer := "unexpected"
			if op, ok := f.next().(protocol.PatchApproval); ok {
				answer = op.CallID + " " + string(op.Decision)
			}
			f.emit(protocol.TurnComplete{TurnID: "t", LastMessage: answer})
		},
		elicit: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			asked = r.Params
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": "approved_for_session"}}, nil
		},
	})
	defer h.close()
	if got := text(call(t, h.client, "kodex", map[string]any{"prompt": "edit"}))[0]; got != "p1 approved_for_session" {
		t.Errorf("decision = %q", got)
	}
	if asked == nil || !strings.Contains(asked.Message, "apply proposed code changes to /w/a.go") || asked.Meta["codex_elicitation"] != "patch-approval" {
		t.Errorf("elicitation = %+v", asked)
	}
}

func TestNoElicitationMeansNever(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"", "2026-07-28"} {
		t.Run("initialize "+proto, func(t *testing.T) {
			t.Parallel()
			o := harnessOptions{clientProto: proto}
			if proto != "" { // it declares elicitation, but may not be asked during a call
				o.elicit = func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					t.Error("elicitation sent to a 2026-07-28 client")
					return &mcp.ElicitResult{Action: "decline"}, nil
				}
			}
			h := newHarness(t, o)
			defer h.close()
			res := call(t, h.client, "kodex", map[string]any{"prompt": "hi"})
			got := text(res)
			if len(got) != 2 || got[0] != "echo: hi" || !strings.HasPrefix(got[1], "approvals off: ") {
				t.Errorf("result = %q, want the answer and the notice", got)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.starts[0].CanApprove || h.starts[0].NoApprovalReason == "" {
				t.Errorf("start request = %+v, want CanApprove false with a reason", h.starts[0])
			}
		})
	}
}

func TestCancelInterruptsTheTurn(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	h := newHarness(t, harnessOptions{
		turn: func(f *fake, prompt string) {
			if prompt != "block" {
				echo(f, prompt)
				return
			}
			close(started)
			op := f.next()
			if _, ok := op.(protocol.Interrupt); !ok {
				f.emit(protocol.TurnComplete{TurnID: "t", LastMessage: "unexpected " + op.OpType()})
				return
			}
			f.emit(protocol.TurnAborted{TurnID: "t", Reason: "interrupted"})
		},
	})
	defer h.close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := h.client.CallTool(ctx, &mcp.CallToolParams{Name: "kodex", Arguments: map[string]any{"prompt": "block"}})
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call returned %v, want context.Canceled", err)
	}
	// The session goes on: the next turn on the thread runs once the
	// interrupted one has ended.
	res := call(t, h.client, "kodex-reply", map[string]any{"threadId": "thread-1", "prompt": "after"})
	if got := text(res)[0]; got != "echo: after" {
		t.Errorf("reply after the cancel = %q", got)
	}
	if got := h.sessions[0].received(); !cmp.Equal(got[:3], []string{"user_turn", "interrupt", "user_turn"}) {
		t.Errorf("ops = %v, want user_turn, interrupt, user_turn", got)
	}
}

func TestConcurrentCallsHaveTheirOwnSessions(t *testing.T) {
	t.Parallel()
	// Each turn waits until both are running: served one after the other,
	// the calls would never end (the test's deadline fails it).
	var both sync.WaitGroup
	both.Add(2)
	h := newHarness(t, harnessOptions{turn: func(f *fake, prompt string) {
		both.Done()
		both.Wait()
		echo(f, prompt)
	}})
	defer h.close()
	var wg sync.WaitGroup
	results := make([]output, 2)
	for i := range 2 {
		wg.Go(func() {
			results[i] = structured(t, call(t, h.client, "kodex", map[string]any{"prompt": fmt.Sprint("p", i)}))
		})
	}
	wg.Wait()
	if results[0].ThreadID == results[1].ThreadID || results[0].Content != "echo: p0" || results[1].Content != "echo: p1" {
		t.Errorf("results = %+v, want two threads answering their own prompt", results)
	}
}

func TestReplyResumesAnUnknownThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	defer h.close()
	res := call(t, h.client, "kodex-reply", map[string]any{"threadId": "0199-old", "prompt": "back"})
	if diff := cmp.Diff(output{ThreadID: "0199-old", Content: "echo: back"}, structured(t, res)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.starts[0].ResumeID != "0199-old" {
		t.Errorf("start request = %+v, want ResumeID 0199-old", h.starts[0])
	}
}

func TestIdleThreadsBeyondTheLimitAreShutDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{maxThreads: 1})
	for _, p := range []string{"a", "b"} {
		call(t, h.client, "kodex", map[string]any{"prompt": p, "model": "m-" + p, "sandbox": "read-only"})
	}
	// thread-1 was shut down when thread-2 went idle: the reply resumes it.
	res := call(t, h.client, "kodex-reply", map[string]any{"threadId": "thread-1", "prompt": "c"})
	if diff := cmp.Diff(output{ThreadID: "thread-1", Content: "echo: c"}, structured(t, res)); diff != "" {
		t.Errorf("reply (-want +got):\n%s", diff)
	}
	h.close()
	h.mu.Lock()
	defer h.mu.Unlock()
	var resumed []string
	for _, r := range h.starts {
		resumed = append(resumed, r.ResumeID)
	}
	if diff := cmp.Diff([]string{"", "", "thread-1"}, resumed); diff != "" {
		t.Errorf("resume ids of the starts (-want +got):\n%s", diff)
	}
	// It is resumed with the arguments it was started with.
	if diff := cmp.Diff(Params{Prompt: "c", Model: "m-a", Sandbox: "read-only"}, h.starts[2].Params); diff != "" {
		t.Errorf("resumed with (-want +got):\n%s", diff)
	}
	for i, f := range h.sessions {
		if got := f.received(); len(got) == 0 || got[len(got)-1] != "shutdown" {
			t.Errorf("session %d ops = %v, want it shut down", i, got)
		}
	}
	if h.closed != 3 {
		t.Errorf("sessions closed = %d, want 3", h.closed)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{startErr: errors.New("config.toml:3: unknown sandbox_mode")})
	defer h.close()
	for _, tt := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"kodex", map[string]any{}, "the `prompt` field is required"},
		{"kodex-reply", map[string]any{"prompt": "x"}, "the `threadId` and `prompt` fields are required"},
		{"kodex", map[string]any{"prompt": "x"}, "config.toml:3: unknown sandbox_mode"},
	} {
		res := call(t, h.client, tt.tool, tt.args)
		if !res.IsError || !strings.Contains(text(res)[0], tt.want) {
			t.Errorf("%s %v = %v (isError %v), want an error with %q", tt.tool, tt.args, text(res), res.IsError, tt.want)
		}
	}
}

func TestCodexDialect(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{`{"decision":"approved_for_session"}`, `{"action":"accept","content":{"decision":"approved_for_session"}}`},
		{`{"action":"decline","content":{"decision":"x"}}`, `{"action":"decline","content":{"decision":"x"}}`},
		{`{"tools":[{"description":"decision"}]}`, `{"tools":[{"description":"decision"}]}`},
	} {
		if got := string(codexDecision(json.RawMessage(tt.in))); got != tt.want {
			t.Errorf("codexDecision(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	got := liftCodexMeta(json.RawMessage(`{"message":"m","_meta":{"codex_call_id":"c1","threadId":"t","other":1}}`))
	var p map[string]any
	_ = json.Unmarshal(got, &p)
	if p["codex_call_id"] != "c1" || p["threadId"] != "t" || p["other"] != nil || p["_meta"] == nil {
		t.Errorf("liftCodexMeta = %s", got)
	}
}

// An MCP tool the session wants to call is approved through elicitation
// too, and answered with ExecApproval (before, the turn waited forever).
func TestMcpToolApprovalByElicitation(t *testing.T) {
	t.Parallel()
	var asked *mcp.ElicitParams
	h := newHarness(t, harnessOptions{
		turn: func(f *fake, _ string) {
			f.emit(protocol.McpToolApprovalRequest{CallID: "m1", Server: "docs", Tool: "delete_page", Arguments: []byte(`{"id":7}`)})
			var answer string
			switch op := f.next().(type) {
			case protocol.ExecApproval:
				answer = op.CallID + " " + string(op.Decision)
			default:
				answer = "unexpected " + op.OpType()
			}
			f.emit(protocol.TurnComplete{TurnID: "t", LastMessage: answer})
		},
		elicit: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			asked = r.Params
			return &mcp.ElicitResult{Action: "decline"}, nil
		},
	})
	defer h.close()
	res := call(t, h.client, "kodex", map[string]any{"prompt": "tidy the docs"})
	if got := text(res)[0]; got != "m1 denied" {
		t.Errorf("decision = %q, want m1 denied", got)
	}
	if asked == nil || !strings.Contains(asked.Message, "`delete_page` of server `docs`") || !strings.Contains(asked.Message, `{"id":7}`) ||
		asked.Meta["codex_elicitation"] != "mcp-tool-approval" {
		t.Errorf("elicitation = %+v", asked)
	}
}
