package appserver_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

type threadResult struct {
	Thread struct {
		ID           string  `json:"id"`
		ForkedFromID *string `json:"forkedFromId"`
		Preview      string  `json:"preview"`
		Name         *string `json:"name"`
		Turns        []struct {
			Items []map[string]any `json:"items"`
		} `json:"turns"`
	} `json:"thread"`
	ApprovalPolicy string `json:"approvalPolicy"`
	Sandbox        struct {
		Type string `json:"type"`
	} `json:"sandbox"`
}

type turnResult struct {
	Turn struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"turn"`
}

type itemNote struct {
	ThreadID string         `json:"threadId"`
	TurnID   string         `json:"turnId"`
	Item     map[string]any `json:"item"`
}

func startThread(t testing.TB, s *server, p map[string]any) string {
	t.Helper()
	var res threadResult
	s.result("thread/start", p, &res)
	if res.Thread.ID == "" {
		t.Fatal("thread/start returned no thread id")
	}
	started := params[struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}](t, s.next("thread/started"))
	if started.Thread.ID != res.Thread.ID {
		t.Errorf("thread/started names %q, thread/start returned %q", started.Thread.ID, res.Thread.ID)
	}
	return res.Thread.ID
}

func startTurn(t testing.TB, s *server, thread, text string) string {
	t.Helper()
	var res turnResult
	s.result("turn/start", map[string]any{"threadId": thread, "input": []any{map[string]any{"type": "text", "text": text}}}, &res)
	if res.Turn.ID == "" || res.Turn.Status != "inProgress" {
		t.Fatalf("turn/start returned %+v", res)
	}
	// The response comes before anything the turn caused.
	for _, m := range s.backlog {
		if m.Method != "turn/started" {
			continue
		}
		if p := params[struct {
			ThreadID string
			Turn     struct{ ID string }
		}](t, m); p.ThreadID == thread && p.Turn.ID == res.Turn.ID {
			t.Errorf("turn/started came before the turn/start response")
		}
	}
	return res.Turn.ID
}

// methods lists the methods of msgs of thread (all threads when "").
func methods(t testing.TB, msgs []msg, thread string) []string {
	var out []string
	for _, m := range msgs {
		if thread != "" {
			p := params[struct {
				ThreadID string `json:"threadId"`
			}](t, m)
			if p.ThreadID != thread {
				continue
			}
		}
		out = append(out, m.Method)
	}
	return out
}

// TestTurnWithCommandApproval: a thread runs a turn whose command needs
// approval; the server asks the client, runs the command once accepted,
// and reports it all as Codex's notifications, in order.
func TestTurnWithCommandApproval(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","made-by-kodex"]}`)),
		modeltest.Text("the file is there"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "untrusted", "sandbox": "danger-full-access"})
	turn := startTurn(t, s, thread, "make a file")

	ask := s.next("item/commandExecution/requestApproval")
	ap := params[struct {
		ThreadID, TurnID, ItemID, Command string
	}](t, ask)
	if ap.ThreadID != thread || ap.TurnID != turn || !strings.Contains(ap.Command, "made-by-kodex") {
		t.Errorf("approval request %s", ask.raw)
	}
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":"accept"}}`)

	msgs := s.until("turn/completed")
	var got []string
	for _, m := range methods(t, msgs, thread) {
		if m != "thread/status/changed" {
			got = append(got, m)
		}
	}
	want := []string{"turn/started", "item/started", "item/completed"} // the user's message
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("notifications start %v, want %v…", got, want)
	}
	var command, answer map[string]any
	for _, m := range msgs {
		if m.Method != "item/completed" {
			continue
		}
		it := params[itemNote](t, m).Item
		switch it["type"] {
		case "commandExecution":
			command = it
		case "agentMessage":
			answer = it
		}
	}
	if command == nil || command["status"] != "completed" || command["exitCode"] != float64(0) {
		t.Errorf("command item %v, want completed with exit code 0", command)
	}
	if answer == nil || answer["text"] != "the file is there" {
		t.Errorf("answer item %v", answer)
	}
	done := params[struct {
		Turn struct{ ID, Status string }
	}](t, msgs[len(msgs)-1])
	if done.Turn.ID != turn || done.Turn.Status != "completed" {
		t.Errorf("turn/completed %s", msgs[len(msgs)-1].raw)
	}
	if _, err := os.Stat(filepath.Join(e.work, "made-by-kodex")); err != nil {
		t.Errorf("the approved command did not run: %v", err)
	}
}

// TestMalformedInput: errors with the standard codes, the field named, and
// the server goes on serving.
func TestMalformedInput(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t)
	e := newEnv(t, srv.URL())
	s := e.start(t)

	if m := s.call("thread/start", map[string]any{}); m.Error == nil {
		t.Errorf("thread/start before initialize: %s, want an error", m.raw)
	}
	s.initialize()
	s.send(`{"id": 100, "method": "thread/start", "params": {`)
	m := s.waitFor(func(m msg) bool { return m.Error != nil })
	if m.Error.Code != -32700 || string(m.ID) != "null" {
		t.Errorf("malformed JSON: %s, want -32700 with id null", m.raw)
	}
	if m := s.call("thread/teleport", map[string]any{}); m.Error == nil || m.Error.Code != -32601 {
		t.Errorf("unknown method: %s, want -32601", m.raw)
	}
	m = s.call("turn/start", map[string]any{"threadId": 5, "input": []any{}})
	if m.Error == nil || m.Error.Code != -32602 || !strings.Contains(m.Error.Message, "threadId") {
		t.Errorf("bad params: %s, want -32602 naming threadId", m.raw)
	}
	m = s.call("thread/start", map[string]any{"sandbox": "wide-open"})
	if m.Error == nil || m.Error.Code != -32602 || !strings.Contains(m.Error.Message, "sandbox") {
		t.Errorf("bad sandbox: %s, want -32602 naming sandbox", m.raw)
	}
	m = s.call("turn/start", map[string]any{"threadId": "no-such-thread", "input": []any{}})
	if m.Error == nil || m.Error.Code != -32602 {
		t.Errorf("unknown thread: %s, want -32602", m.raw)
	}
	var models struct {
		Data []struct {
			ID        string `json:"id"`
			IsDefault bool   `json:"isDefault"`
		} `json:"data"`
	}
	s.result("model/list", map[string]any{}, &models)
	if len(models.Data) == 0 || !models.Data[0].IsDefault {
		t.Errorf("model/list after the errors: %+v", models)
	}
	var cfg struct {
		Config map[string]any `json:"config"`
	}
	s.result("config/read", map[string]any{}, &cfg)
	if cfg.Config["model"] == nil {
		t.Errorf("config/read: %v", cfg.Config)
	}
}
