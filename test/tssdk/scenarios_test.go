package tssdk_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestScenarios runs scenarios.mjs, which checks what the SDK returns
// (events in order, approvals declined by default, structured output,
// fork/list/archive, abort, the errors), then checks here what reached the
// model, request by request, in the order of the scenarios.
func TestScenarios(t *testing.T) {
	t.Parallel()
	e := newEnv(t,
		// Events in order.
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["echo","streamed"]}`)),
		modeltest.Text("streamed answer"),
		// Declined by default.
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","declined.txt"]}`)),
		modeltest.Text("declined then"),
		// Structured output.
		modeltest.Text(`{"answer":"structured"}`),
		// The fork's turn.
		modeltest.Text("forked answer"),
		// Abort while the command runs, then a turn on the same thread.
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["sleep","30"]}`)),
		modeltest.Text("after abort"),
		// Leaving the loop while the command runs, then a turn on the same thread.
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["sleep","30"]}`)),
		modeltest.Text("after break"),
		// A failed turn (a 400 is not retried).
		modeltest.HTTPError(400, "invalid_request_error", "the model refused"),
		// Outside a git repository, with skipGitRepoCheck.
		modeltest.Text("outside git"),
		// A prefix rule accepted: the second command that starts with it
		// runs outside the sandbox without asking.
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["mkdir","-p","../ts-prefixed-a"],"sandbox_permissions":"require_escalated","justification":"asked for","prefix_rule":["mkdir","-p"]}`)),
		modeltest.Text("made a"),
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["mkdir","-p","../ts-prefixed-b"],"sandbox_permissions":"require_escalated","prefix_rule":["mkdir","-p"]}`)),
		modeltest.Text("made b"),
	)
	src, err := os.ReadFile(filepath.Join(fx.here, "scenarios.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	writeApp(t, "scenarios.mjs", string(src))
	fake := filepath.Join(e.home, "fake-kodex")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho boom >&2\nexit 3\n"), 0o700); err != nil { //nolint:gosec // an executable script
		t.Fatal(err)
	}
	e.extra = append(e.extra, "WORKDIR="+e.work, "FAKE_KODEX="+fake, "NOGIT="+e.home)

	out := e.node(t, "scenarios.mjs")
	var got struct {
		StreamThread string `json:"streamThread"`
		ForkThread   string `json:"forkThread"`
		AbortMillis  int64  `json:"abortMillis"`
		BreakMillis  int64  `json:"breakMillis"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &got); err != nil {
		t.Fatalf("decoding scenarios.mjs output: %v\n%s", err, out)
	}
	t.Logf("scenarios.mjs: %s", strings.TrimSpace(out))

	reqs := e.srv.Requests()
	if len(reqs) != 16 {
		t.Fatalf("the model received %d requests, want 16", len(reqs))
	}
	if out := reqs[1].LastToolOutput(); !strings.Contains(out, "streamed") {
		t.Errorf("request 2's tool output = %q, want the echo's", out)
	}
	// The declined command: the model is told, and it did not run.
	if out := reqs[3].LastToolOutput(); !strings.Contains(out, "rejected") {
		t.Errorf("request 4's tool output = %q, want the refusal", out)
	}
	if _, err := os.Stat(filepath.Join(e.work, "declined.txt")); err == nil {
		t.Error("declined.txt exists: the declined command ran")
	}
	// The output schema reaches the model as text.format json_schema.
	if typ := nested(reqs[4].Body, "text", "format", "type"); typ != "json_schema" {
		t.Errorf("request 5 text.format.type = %v, want json_schema; text = %v", typ, nested(reqs[4].Body, "text"))
	}
	if req, _ := nested(reqs[4].Body, "text", "format", "schema", "required").([]any); !slices.Equal(req, []any{"answer"}) {
		t.Errorf("request 5 text.format.schema.required = %v, want [answer] (the SDK's schema)", req)
	}
	for i, r := range reqs {
		if i != 4 && nested(r.Body, "text", "format") != nil {
			t.Errorf("request %d has a text.format without an output schema: %v", i+1, nested(r.Body, "text"))
		}
	}
	// The fork carries the original thread's history.
	fork := reqs[5]
	if !userSaid(fork, "stream please") || !userSaid(fork, "in the fork") {
		t.Errorf("request 6 (the fork) lacks the original prompt or its own; its input:\n%s", inputOf(fork))
	}
	if !slices.ContainsFunc(fork.Input(), func(it model.Item) bool {
		return it.Type == model.ItemFunctionCallOutput && strings.Contains(it.Output, "streamed")
	}) {
		t.Errorf("request 6 (the fork) lacks the original command's output; its input:\n%s", inputOf(fork))
	}
	// The abort killed sleep 30 rather than waiting for it, and the thread
	// went on: its next request has the original history and the new prompt.
	if d := time.Duration(got.AbortMillis) * time.Millisecond; d > 20*time.Second {
		t.Errorf("the aborted run took %v: the command was not interrupted", d)
	}
	after := reqs[7]
	if !userSaid(after, "sleep please") || !userSaid(after, "after the abort") || !userSaid(after, "stream please") {
		t.Errorf("request 8 (after the abort) lacks the thread's history; its input:\n%s", inputOf(after))
	}
	if d := time.Duration(got.BreakMillis) * time.Millisecond; d > 20*time.Second {
		t.Errorf("the run left early and the next one took %v: the command was not interrupted", d)
	}
	if r := reqs[9]; !userSaid(r, "sleep again") || !userSaid(r, "after the break") {
		t.Errorf("request 10 (after the break) lacks the thread's history; its input:\n%s", inputOf(r))
	}
	if !userSaid(reqs[10], "fail please") {
		t.Errorf("request 11 is not the failing turn's; its input:\n%s", inputOf(reqs[10]))
	}
	if in := reqs[11].Input(); len(in) == 0 || !strings.Contains(in[0].Text(), "<cwd>"+e.home+"</cwd>") {
		t.Errorf("request 12 is not in the directory outside git (%s); its input:\n%s", e.home, inputOf(reqs[11]))
	}
	// The prefix rule: both commands ran (the second without asking).
	for i := 13; i <= 15; i += 2 {
		if out := reqs[i].LastToolOutput(); !strings.Contains(out, `"exit_code":0`) {
			t.Errorf("request %d's tool output = %q, want the mkdir's success", i+1, out)
		}
	}
	// The fork was archived.
	archived, _ := filepath.Glob(filepath.Join(e.kodexHome, "archived", "sessions", "*", "*", "*", "*"+got.ForkThread+"*.jsonl"))
	if len(archived) != 1 {
		t.Errorf("archived transcripts of the fork %s: %v, want one", got.ForkThread, archived)
	}
}
