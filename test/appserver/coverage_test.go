package appserver_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// turnEnd reads to the end of a turn of thread and returns its messages
// and how the turn ended (with its error's message, if any).
func turnEnd(t *testing.T, s *server, thread string) (msgs []msg, status, errMsg string) {
	t.Helper()
	for {
		m := nextMsg(s)
		msgs = append(msgs, m)
		if m.Method != "turn/completed" {
			continue
		}
		p := params[struct {
			ThreadID string
			Turn     struct {
				Status string
				Error  *struct{ Message string }
			}
		}](t, m)
		if p.ThreadID != thread {
			continue
		}
		if p.Turn.Error != nil {
			errMsg = p.Turn.Error.Message
		}
		return msgs, p.Turn.Status, errMsg
	}
}

func has(t *testing.T, msgs []msg, method string) bool {
	t.Helper()
	return slices.Contains(methods(t, msgs, ""), method)
}

// TestNotifications: the notifications no other test brings about, each
// validated against Codex's schema as it is read: a reasoning summary
// streamed, a plan, token usage; a failed turn's error; a warning (an
// image that cannot be read).
func TestNotifications(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Response{Reasoning: "thinking it over", Calls: []modeltest.Call{modeltest.FunctionCall("update_plan",
			`{"explanation":"two steps","plan":[{"step":"look","status":"completed"},{"step":"answer","status":"in_progress"}]}`)}},
		modeltest.Text("planned"),
		modeltest.HTTPError(400, "invalid_request_error", "the model refused"),
		modeltest.Text("no image then"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work})

	startTurn(t, s, thread, "plan it")
	msgs, status, _ := turnEnd(t, s, thread)
	for _, m := range []string{"item/reasoning/summaryTextDelta", "turn/plan/updated", "thread/tokenUsage/updated"} {
		if !has(t, msgs, m) {
			t.Errorf("no %s in %v", m, methods(t, msgs, ""))
		}
	}
	if status != "completed" {
		t.Errorf("the planning turn ended %s", status)
	}
	for _, m := range msgs {
		if m.Method == "turn/plan/updated" {
			p := params[struct {
				Explanation string
				Plan        []struct{ Step, Status string }
			}](t, m)
			if p.Explanation != "two steps" || len(p.Plan) != 2 || p.Plan[1].Status != "inProgress" {
				t.Errorf("plan %s", m.raw)
			}
		}
	}

	startTurn(t, s, thread, "fail please")
	msgs, status, errMsg := turnEnd(t, s, thread)
	if status != "failed" || !strings.Contains(errMsg, "the model refused") || !has(t, msgs, "error") {
		t.Errorf("the failed turn ended %s (%q) after %v", status, errMsg, methods(t, msgs, ""))
	}

	var res turnResult
	s.result("turn/start", map[string]any{"threadId": thread, "input": []any{
		map[string]any{"type": "text", "text": "look at this"},
		map[string]any{"type": "localImage", "path": filepath.Join(e.work, "missing.png")},
	}}, &res)
	msgs, status, _ = turnEnd(t, s, thread)
	var warned bool
	for _, m := range msgs {
		if m.Method == "warning" && strings.Contains(string(m.Params), "missing.png") {
			warned = true
		}
	}
	if !warned || status != "completed" {
		t.Errorf("an unreadable image: warned %v, the turn ended %s: %v", warned, status, methods(t, msgs, ""))
	}
}

// TestTurnStartOverrides: turn/start's input (text, an image URL, a local
// image) and its overrides (model, effort, output schema, sandbox policy,
// approval policy, cwd) reach the model and the command the turn runs.
func TestTurnStartOverrides(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","made-here"]}`)),
		modeltest.Text(`{"answer":"made"}`),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	sub := filepath.Join(e.work, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(e.work, "dot.png")
	if err := os.WriteFile(pngPath, img.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// The thread starts read-only, asking for everything.
	thread := startThread(t, s, map[string]any{"cwd": e.work, "sandbox": "read-only", "approvalPolicy": "untrusted"})
	schema := map[string]any{"type": "object", "properties": map[string]any{"answer": map[string]any{"type": "string"}}, "required": []any{"answer"}, "additionalProperties": false}
	var res turnResult
	s.result("turn/start", map[string]any{
		"threadId": thread,
		"input": []any{
			map[string]any{"type": "text", "text": "make a file"},
			map[string]any{"type": "image", "url": "https://example.com/cat.png"},
			map[string]any{"type": "localImage", "path": pngPath},
		},
		"model": "other-model", "effort": "high", "outputSchema": schema,
		"sandboxPolicy": map[string]any{"type": "workspaceWrite"}, "approvalPolicy": "never", "cwd": sub,
	}, &res)
	msgs, status, _ := turnEnd(t, s, thread)
	if status != "completed" || has(t, msgs, "item/commandExecution/requestApproval") {
		t.Errorf("the turn ended %s after %v; want completed, nothing asked", status, methods(t, msgs, ""))
	}
	var user map[string]any
	for _, m := range msgs {
		if it := params[itemNote](t, m).Item; m.Method == "item/completed" && it["type"] == "userMessage" {
			user = it
		}
	}
	if content, _ := user["content"].([]any); len(content) != 3 {
		t.Errorf("the userMessage item %v, want the text and both images", user)
	}
	if _, err := os.Stat(filepath.Join(sub, "made-here")); err != nil {
		t.Errorf("the command did not run in the turn's cwd under workspace-write: %v", err)
	}
	var body struct {
		Model     string
		Reasoning struct{ Effort string }
		Text      struct {
			Format struct{ Type string }
		}
	}
	first := srv.Requests()[0].Raw
	if err := json.Unmarshal(first, &body); err != nil {
		t.Fatal(err)
	}
	if body.Model != "other-model" || body.Reasoning.Effort != "high" || body.Text.Format.Type != "json_schema" {
		t.Errorf("the model got model %q, effort %q, format %q", body.Model, body.Reasoning.Effort, body.Text.Format.Type)
	}
	if !strings.Contains(string(first), "https://example.com/cat.png") || !strings.Contains(string(first), "data:image/png;base64,") {
		t.Error("the model did not get both images")
	}
}

// TestApprovalDecisions: acceptForSession runs the command and does not
// ask again for it in the thread; cancel ends the turn, interrupted,
// without running the command.
func TestApprovalDecisions(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","once"]}`)),
		modeltest.Text("one"),
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","once"]}`)),
		modeltest.Text("two"),
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","cancelled"]}`)),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "untrusted", "sandbox": "danger-full-access"})

	startTurn(t, s, thread, "first")
	ask := s.next("item/commandExecution/requestApproval")
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":"acceptForSession"}}`)
	if _, status, _ := turnEnd(t, s, thread); status != "completed" {
		t.Errorf("the first turn ended %s", status)
	}
	startTurn(t, s, thread, "again")
	msgs, status, _ := turnEnd(t, s, thread)
	if has(t, msgs, "item/commandExecution/requestApproval") || status != "completed" {
		t.Errorf("the command accepted for the session: asked again, or the turn ended %s: %v", status, methods(t, msgs, ""))
	}

	startTurn(t, s, thread, "third")
	ask = s.next("item/commandExecution/requestApproval")
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":"cancel"}}`)
	if _, status, _ := turnEnd(t, s, thread); status != "interrupted" {
		t.Errorf("the cancelled turn ended %s, want interrupted", status)
	}
	if _, err := os.Stat(filepath.Join(e.work, "once")); err != nil {
		t.Errorf("the accepted command did not run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.work, "cancelled")); err == nil {
		t.Error("the cancelled command ran")
	}
}
