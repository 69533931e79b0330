package acp

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// fakeSession plays a turn when it gets one: an approval request, then
// (once approved) the command and an answer.
type fakeSession struct {
	events chan protocol.Event
	mu     sync.Mutex
	ops    []protocol.Op
	once   sync.Once
}

func (f *fakeSession) Submit(_ context.Context, op protocol.Op) (string, error) {
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.mu.Unlock()
	switch o := op.(type) {
	case protocol.UserTurn:
		go func() {
			f.events <- protocol.Event{ID: "t1", Msg: protocol.TurnStarted{TurnID: "t1"}}
			f.events <- protocol.Event{ID: "t1", Msg: protocol.ExecApprovalRequest{CallID: "c1", Command: []string{"make"}, Cwd: "/w", Reason: "outside the sandbox"}}
		}()
	case protocol.ExecApproval:
		go func() {
			if o.Decision == protocol.DecisionApproved {
				f.events <- protocol.Event{ID: "t1", Msg: protocol.ExecBegin{CallID: "c1", Command: []string{"make"}, Cwd: "/w"}}
				f.events <- protocol.Event{ID: "t1", Msg: protocol.ExecEnd{CallID: "c1", Command: []string{"make"}, AggregatedOutput: "ok\n"}}
			}
			f.events <- protocol.Event{ID: "t1", Msg: protocol.AgentMessage{ItemID: "m1", Text: "built"}}
			f.events <- protocol.Event{ID: "t1", Msg: protocol.TurnComplete{TurnID: "t1"}}
		}()
	case protocol.Shutdown:
		f.once.Do(func() { close(f.events) })
	}
	return "t1", nil
}

func (f *fakeSession) Events() <-chan protocol.Event { return f.events }
func (f *fakeSession) Close()                        {}
func (f *fakeSession) Info() SessionInfo {
	return SessionInfo{ID: "s1", Approval: protocol.ApprovalOnRequest, Sandbox: protocol.SandboxWorkspaceWrite}
}

type fakeBackend struct{ s *fakeSession }

func (b *fakeBackend) Open(context.Context, OpenRequest) (Session, error) { return b.s, nil }

// client is the editor's end of an in-process server.
type client struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
}

func newClient(t *testing.T) (*client, *fakeSession) {
	t.Helper()
	s := &fakeSession{events: make(chan protocol.Event)}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(context.Background(), inR, outW, Options{Backend: &fakeBackend{s}, Version: "test"})
	}()
	t.Cleanup(func() {
		_ = inW.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
		_ = outW.Close()
	})
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<20)
	return &client{t: t, in: inW, out: sc}, s
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) read() map[string]any {
	c.t.Helper()
	if !c.out.Scan() {
		c.t.Fatalf("the server closed its output: %v", c.out.Err())
	}
	var m map[string]any
	if err := json.Unmarshal(c.out.Bytes(), &m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

func errCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(float64)
	return code
}

func TestServeErrors(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	c.send(`{"jsonrpc":"2.0","id":1,"method":"session/new","params":{"cwd":"/w","mcpServers":[]}}`)
	if m := c.read(); errCode(m) != -32600 {
		t.Errorf("session/new before initialize: %v", m)
	}
	c.send(`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":1}}`)
	c.read()
	for _, tt := range []struct {
		req  string
		code float64
	}{
		{`{"jsonrpc":"2.0","id":3,"method":"session/nope","params":{}}`, -32601},
		{`{"jsonrpc":"2.0","id":4,"method":"session/new","params":{"cwd":"relative","mcpServers":[]}}`, -32602},
		{`{"jsonrpc":"2.0","id":5,"method":"session/new","params":{"cwd":"/w","mcpServers":[{"type":"sse","name":"x","url":"http://x","headers":[]}]}}`, -32602},
		{`{"jsonrpc":"2.0","id":6,"method":"session/prompt","params":{"sessionId":"nope","prompt":[{"type":"text","text":"hi"}]}}`, -32602},
		{`{"jsonrpc":"2.0","id":7,"method":"session/prompt","params":{"sessionId":5}}`, -32602},
		{`{not json`, -32700},
	} {
		c.send(tt.req)
		if m := c.read(); errCode(m) != tt.code {
			t.Errorf("%s: got %v, want error %v", tt.req, m, tt.code)
		}
	}
}

func TestServeTurn(t *testing.T) {
	t.Parallel()
	c, s := newClient(t)
	c.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1}}`)
	c.read()
	c.send(`{"jsonrpc":"2.0","id":2,"method":"session/new","params":{"cwd":"/w","mcpServers":[]}}`)
	if m := c.read(); m["result"].(map[string]any)["sessionId"] != "s1" {
		t.Fatalf("session/new = %v", m)
	}
	c.send(`{"jsonrpc":"2.0","id":3,"method":"session/set_mode","params":{"sessionId":"s1","modeId":"full-access"}}`)
	if m := c.read(); m["result"] == nil {
		t.Fatalf("set_mode = %v", m)
	}
	c.send(`{"jsonrpc":"2.0","id":4,"method":"session/prompt","params":{"sessionId":"s1","prompt":[{"type":"text","text":"build"}]}}`)
	var seq []string
	for {
		m := c.read()
		switch {
		case m["method"] == "session/update":
			u := m["params"].(map[string]any)["update"].(map[string]any)
			seq = append(seq, u["sessionUpdate"].(string)+":"+str(u["status"]))
		case m["method"] == "session/request_permission":
			seq = append(seq, "permission")
			id, _ := json.Marshal(m["id"])
			c.send(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"outcome":{"outcome":"selected","optionId":"allow"}}}`)
		case m["id"] == float64(4):
			seq = append(seq, "stop:"+str(m["result"].(map[string]any)["stopReason"]))
		}
		if strings.HasPrefix(seq[len(seq)-1], "stop:") {
			break
		}
	}
	want := "tool_call:pending permission tool_call_update:in_progress tool_call_update:completed agent_message_chunk: stop:end_turn"
	if got := strings.Join(seq, " "); got != want {
		t.Errorf("the turn:\n got %s\nwant %s", got, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ut, ok := s.ops[0].(protocol.UserTurn)
	if !ok || ut.ApprovalPolicy != protocol.ApprovalNever || ut.SandboxMode == nil || *ut.SandboxMode != protocol.SandboxDangerFullAccess {
		t.Errorf("the turn after set_mode full-access = %+v", s.ops[0])
	}
	if ea, ok := s.ops[1].(protocol.ExecApproval); !ok || ea.Decision != protocol.DecisionApproved || ea.CallID != "c1" {
		t.Errorf("the approval submitted = %+v", s.ops[1])
	}
}

func str(v any) string { s, _ := v.(string); return s }

// TestCancelBeforeTurnStarts: a prompt cancelled before its turn starts
// (the session drops such a turn silently) is answered cancelled anyway.
func TestCancelBeforeTurnStarts(t *testing.T) {
	t.Parallel()
	out := &strings.Builder{}
	s := &sessionState{c: &conn{out: jsonrpc.NewWriter(out), gone: make(chan struct{})}, done: make(chan struct{}), sess: &recordingSession{}}
	var replies []string
	s.running = &runningPrompt{m: &jsonrpc.Message{ID: json.RawMessage(`7`)}, sub: "t1"}
	s.cancel()
	replies = append(replies, out.String())
	if !strings.Contains(replies[0], `"id":7`) || !strings.Contains(replies[0], `"stopReason":"cancelled"`) {
		t.Errorf("reply = %s; want the prompt answered cancelled", replies[0])
	}
	if ops := s.sess.(*recordingSession).ops; len(ops) != 1 || ops[0] != (protocol.Interrupt{}) {
		t.Errorf("ops = %v; want an interrupt", ops)
	}
	// Once the turn started, its end answers the prompt, not the cancel.
	out.Reset()
	s.running = &runningPrompt{m: &jsonrpc.Message{ID: json.RawMessage(`8`)}, sub: "t2"}
	s.turnStarted("t2")
	s.cancel()
	if out.Len() != 0 {
		t.Errorf("a started turn's prompt was answered by the cancel: %s", out.String())
	}
}

type recordingSession struct{ ops []protocol.Op }

func (r *recordingSession) Submit(_ context.Context, op protocol.Op) (string, error) {
	r.ops = append(r.ops, op)
	return "x", nil
}
func (r *recordingSession) Events() <-chan protocol.Event { return nil }
func (r *recordingSession) Info() SessionInfo             { return SessionInfo{} }
func (r *recordingSession) Close()                        {}
