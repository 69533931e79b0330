package appserver_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestPatchApproval: a patch that needs approval is a fileChange item with
// its changes, then an item/fileChange/requestApproval; accepted, it is
// applied and the turn's diff is announced.
func TestPatchApproval(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("apply_patch", `{"input":"*** Begin Patch\n*** Add File: hello.txt\n+hi there\n*** End Patch"}`)),
		modeltest.Text("added it"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "untrusted", "sandbox": "read-only"})
	startTurn(t, s, thread, "add a file")
	started := s.waitFor(func(m msg) bool {
		return m.Method == "item/started" && params[itemNote](t, m).Item["type"] == "fileChange"
	})
	changes, _ := params[itemNote](t, started).Item["changes"].([]any)
	if len(changes) != 1 || changes[0].(map[string]any)["path"] == nil {
		t.Errorf("fileChange item before the approval: %s", started.raw)
	}
	ask := s.next("item/fileChange/requestApproval")
	if p := params[struct{ ThreadID, ItemID string }](t, ask); p.ThreadID != thread || p.ItemID != params[itemNote](t, started).Item["id"] {
		t.Errorf("approval request %s does not name the item %s", ask.raw, started.raw)
	}
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":"accept"}}`)
	var completed map[string]any
	for completed == nil {
		m := s.next("item/completed")
		if it := params[itemNote](t, m).Item; it["type"] == "fileChange" {
			completed = it
		}
	}
	if completed["status"] != "completed" {
		t.Errorf("fileChange completed %v", completed)
	}
	diff := params[struct{ Diff string }](t, s.next("turn/diff/updated"))
	if diff.Diff == "" {
		t.Error("turn/diff/updated carries no diff")
	}
	s.next("turn/completed")
	b, err := os.ReadFile(filepath.Join(e.work, "hello.txt"))
	if err != nil || string(b) != "hi there\n" {
		t.Errorf("hello.txt = %q, %v", b, err)
	}
}

// TestInterrupt: turn/interrupt ends a running turn as interrupted, and
// the thread takes the next turn.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.StallAfter(6, modeltest.Text("an answer that stalls half way")),
		modeltest.Text("the next one"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work})
	turn := startTurn(t, s, thread, "talk")
	s.next("item/agentMessage/delta")
	s.result("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn}, nil)
	done := params[struct {
		Turn struct{ ID, Status string }
	}](t, s.next("turn/completed"))
	if done.Turn.ID != turn || done.Turn.Status != "interrupted" {
		t.Errorf("interrupted turn ended %+v", done.Turn)
	}
	runTurn(t, s, thread, "again")
}

// TestCompact: thread/compact/start compacts the conversation as a turn
// with a contextCompaction item.
func TestCompact(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Text("a first answer"),
		modeltest.Text("the summary of it all"),
		modeltest.Text("after the compaction"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work})
	runTurn(t, s, thread, "hello")
	s.result("thread/compact/start", map[string]any{"threadId": thread}, nil)
	msgs := s.until("turn/completed")
	var compacted bool
	for _, m := range msgs {
		if m.Method == "item/completed" && params[itemNote](t, m).Item["type"] == "contextCompaction" {
			compacted = true
		}
	}
	if !compacted {
		t.Errorf("no contextCompaction item in %v", methods(t, msgs, ""))
	}
	// The thread's turns are the whole conversation, also what the
	// compaction took out of the history the model is sent.
	runTurn(t, s, thread, "and then")
	var read threadResult
	s.result("thread/read", map[string]any{"threadId": thread, "includeTurns": true}, &read)
	var got []string
	for _, tr := range read.Thread.Turns {
		for _, it := range tr.Items {
			switch it["type"] {
			case "userMessage":
				for _, c := range it["content"].([]any) {
					got = append(got, "user:"+c.(map[string]any)["text"].(string))
				}
			case "agentMessage":
				got = append(got, "answer:"+it["text"].(string))
			}
		}
	}
	want := []string{"user:hello", "answer:a first answer", "user:and then", "answer:after the compaction"}
	if !slices.Equal(got, want) {
		t.Errorf("thread/read turns after a compaction: %v, want %v", got, want)
	}
}

// TestOptOutNotifications: the notifications a client opts out of in
// initialize are not sent.
func TestOptOutNotifications(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Text("quiet"))
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.result("initialize", map[string]any{
		"clientInfo":   map[string]any{"name": "appserver_test", "version": "1.0"},
		"capabilities": map[string]any{"experimentalApi": true, "someFutureCapability": 1, "optOutNotificationMethods": []string{"thread/status/changed", "item/agentMessage/delta"}},
	}, nil)
	var res threadResult
	s.result("thread/start", map[string]any{"cwd": e.work}, &res)
	for _, m := range runTurn(t, s, res.Thread.ID, "hi") {
		if m.Method == "thread/status/changed" || m.Method == "item/agentMessage/delta" {
			t.Errorf("sent %s, which the client opted out of", m.Method)
		}
	}
}

// TestSteer: input added to the running turn (turn/steer) reaches the
// model in the same turn's next request.
func TestSteer(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","steered"]}`)),
		modeltest.Text("done, and the extra too"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "untrusted", "sandbox": "danger-full-access"})
	turn := startTurn(t, s, thread, "make a file")
	ask := s.next("item/commandExecution/requestApproval") // the turn is running, waiting
	if m := s.call("turn/steer", map[string]any{"threadId": thread, "expectedTurnId": "not-it", "input": []any{map[string]any{"type": "text", "text": "x"}}}); m.Error == nil || m.Error.Code != -32602 {
		t.Errorf("steer with the wrong turn id: %s", m.raw)
	}
	var steered struct {
		TurnID string `json:"turnId"`
	}
	s.result("turn/steer", map[string]any{"threadId": thread, "expectedTurnId": turn, "input": []any{map[string]any{"type": "text", "text": "and also say hello"}}}, &steered)
	if steered.TurnID != turn {
		t.Errorf("turn/steer answered %q, want %q", steered.TurnID, turn)
	}
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":"accept"}}`)
	done := params[struct {
		Turn struct{ ID, Status string }
	}](t, s.next("turn/completed"))
	if done.Turn.ID != turn || done.Turn.Status != "completed" {
		t.Errorf("turn ended %+v", done.Turn)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || !strings.Contains(string(reqs[1].Raw), "and also say hello") {
		t.Errorf("the steered input is not in the turn's next request (%d requests)", len(reqs))
	}
}

// TestFuzzyFileSearch: the files under a root, best match first.
func TestFuzzyFileSearch(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t)
	e := newEnv(t, srv.URL())
	for _, f := range []string{"src/main.go", "docs/manual.md", "src/util/strings.go", ".hidden/main.go"} {
		p := filepath.Join(e.work, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := e.start(t)
	s.initialize()
	var res struct {
		Files []struct {
			Root, Path string
			FileName   string `json:"file_name"`
		} `json:"files"`
	}
	s.result("fuzzyFileSearch", map[string]any{"query": "mgo", "roots": []string{e.work}}, &res)
	if len(res.Files) == 0 || res.Files[0].Path != "src/main.go" || res.Files[0].FileName != "main.go" || res.Files[0].Root != e.work {
		t.Errorf("fuzzyFileSearch mgo: %+v, want src/main.go first", res.Files)
	}
	for _, f := range res.Files {
		if strings.HasPrefix(f.Path, ".hidden") {
			t.Errorf("a hidden directory was searched: %s", f.Path)
		}
	}
	if m := s.call("fuzzyFileSearch", map[string]any{"query": "x"}); m.Error == nil || !strings.Contains(m.Error.Message, "roots") {
		t.Errorf("without roots: %s", m.raw)
	}
}

// TestCodexTUIBootstrap: the requests Codex's own TUI (codex --remote)
// makes around a session are answered in Codex's shapes, so it runs on
// kodex (the order is the one Codex 0.169's TUI uses).
func TestCodexTUIBootstrap(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Text("hi from kodex"))
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.result("initialize", map[string]any{
		"clientInfo":   map[string]any{"name": "codex-tui", "title": nil, "version": "0.169.0"},
		"capabilities": map[string]any{"requiredHumanApproval": true, "experimentalApi": true, "requestAttestation": false, "optOutNotificationMethods": nil},
	}, nil)
	s.send(`{"method":"initialized"}`)
	for _, call := range []struct {
		method string
		params map[string]any
	}{
		{"account/read", map[string]any{}},
		{"hooks/list", map[string]any{"cwds": []string{e.work}, "threadId": nil}},
		{"model/list", map[string]any{"modelProvider": nil, "cursor": nil, "limit": nil, "includeHidden": true}},
		{"config/read", map[string]any{"includeLayers": true, "cwd": "."}},
		{"configRequirements/read", nil},
		{"collaborationMode/list", map[string]any{}},
		{"skills/list", map[string]any{"cwds": []string{e.work}, "forceReload": true}},
		{"thread/loaded/list", map[string]any{"cursor": nil, "limit": nil}},
	} {
		if m := s.call(call.method, call.params); m.Error != nil {
			t.Errorf("%s: %s", call.method, m.raw)
		}
	}
	thread := startThread(t, s, map[string]any{"model": nil, "cwd": nil, "approvalPolicy": nil, "sandbox": "workspace-write", "config": map[string]any{}})
	var loaded struct{ Data []string }
	s.result("thread/loaded/list", map[string]any{}, &loaded)
	if len(loaded.Data) != 1 || loaded.Data[0] != thread {
		t.Errorf("thread/loaded/list %v, want [%s]", loaded.Data, thread)
	}
	runTurn(t, s, thread, "hello")
	var unsub struct{ Status string }
	s.result("thread/unsubscribe", map[string]any{"threadId": thread}, &unsub)
	s.next("thread/closed")
	if unsub.Status != "unsubscribed" {
		t.Errorf("thread/unsubscribe: %q", unsub.Status)
	}
	s.result("thread/unsubscribe", map[string]any{"threadId": thread}, &unsub)
	if unsub.Status != "notLoaded" {
		t.Errorf("thread/unsubscribe again: %q", unsub.Status)
	}
}

// TestMCPServerStatus: mcpServerStatus/list reports the configured MCP
// servers with their tools (kodex's own mcp-server serves as one), those
// of a loaded thread too.
func TestMCPServerStatus(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t)
	e := newEnv(t, srv.URL())
	e.extraConfig = "[mcp_servers.self]\ncommand = \"" + kodexBin + "\"\nargs = [\"mcp-server\"]\n"
	s := e.start(t)
	s.initialize()
	type status struct {
		Data []struct {
			Name          string
			RuntimeStatus string
			AuthStatus    string
			Tools         map[string]struct{ Name string }
		}
	}
	check := func(what string, st status) {
		t.Helper()
		if len(st.Data) != 1 || st.Data[0].Name != "self" || st.Data[0].RuntimeStatus != "connected" || st.Data[0].AuthStatus != "unsupported" || st.Data[0].Tools["kodex"].Name != "kodex" {
			t.Errorf("%s: %+v", what, st)
		}
	}
	var st status
	s.result("mcpServerStatus/list", map[string]any{}, &st)
	check("configured", st)
	thread := startThread(t, s, map[string]any{"cwd": e.work})
	// The thread's servers start in the background and say when they are up.
	for {
		up := params[struct{ ThreadID, Name, Status string }](t, s.next("mcpServer/startupStatus/updated"))
		if up.ThreadID == thread && up.Name == "self" && up.Status != "starting" {
			break
		}
	}
	s.result("mcpServerStatus/list", map[string]any{"threadId": thread, "serverName": "self"}, &st)
	check("the thread's", st)
}
