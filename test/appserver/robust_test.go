package appserver_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestDisconnectInterruptsTurn: a client that goes away mid-turn
// interrupts the turn; the server exits and the transcript records the
// interruption.
func TestDisconnectInterruptsTurn(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.StallAfter(6, modeltest.Text("a long answer that never ends")))
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	var res struct {
		Thread struct {
			ID   string  `json:"id"`
			Path *string `json:"path"`
		} `json:"thread"`
	}
	s.result("thread/start", map[string]any{"cwd": e.work}, &res)
	s.next("thread/started")
	if res.Thread.Path == nil {
		t.Fatal("a recorded thread has no path")
	}
	startTurn(t, s, res.Thread.ID, "talk for ever")
	s.next("item/agentMessage/delta") // the model is streaming, then stalls
	_ = s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(wait):
		t.Fatal("the server did not exit after its client went away mid-turn")
	}
	b, err := os.ReadFile(*res.Thread.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "talk for ever") || !strings.Contains(string(b), `"interrupted"`) {
		t.Errorf("the transcript lacks the prompt or the interruption:\n%s", b)
	}
}

// TestUnansweredApprovalBlocksOnlyItsThread: while one thread waits for an
// approval the client does not give, another thread runs a whole turn;
// the declined command then does not run and its thread goes on.
func TestUnansweredApprovalBlocksOnlyItsThread(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","declined-file"]}`)), // thread a
		modeltest.Text("b is done"), // thread b, while a waits
		modeltest.Text("a goes on without it"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	a := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "untrusted", "sandbox": "danger-full-access"})
	b := startThread(t, s, map[string]any{"cwd": e.work})
	startTurn(t, s, a, "make a file")
	ask := s.next("item/commandExecution/requestApproval")

	msgs := runTurn(t, s, b, "something else")
	if got := methods(t, msgs, a); len(got) > 0 && got[len(got)-1] == "turn/completed" {
		t.Errorf("thread a completed while its approval was unanswered: %v", got)
	}
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":"decline"}}`)
	var command map[string]any
	for {
		m := s.next("item/completed")
		if it := params[itemNote](t, m).Item; it["type"] == "commandExecution" {
			command = it
			break
		}
	}
	if command["status"] != "declined" {
		t.Errorf("declined command item %v", command)
	}
	done := params[struct {
		ThreadID string
		Turn     struct{ Status string }
	}](t, s.next("turn/completed"))
	if done.ThreadID != a || done.Turn.Status != "completed" {
		t.Errorf("thread a ended %+v", done)
	}
	if _, err := os.Stat(e.work + "/declined-file"); err == nil {
		t.Error("the declined command ran")
	}
}

// TestOutputInOrder: a command's output reaches a client that takes one
// message at a time complete and in order (the server waits for it rather
// than dropping or reordering deltas).
func TestOutputInOrder(t *testing.T) {
	t.Parallel()
	const lines = 40000
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["seq","1","`+strconv.Itoa(lines)+`"]}`)),
		modeltest.Text("counted"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "never", "sandbox": "danger-full-access"})
	msgs := runTurn(t, s, thread, "count")
	var out strings.Builder
	for _, m := range msgs {
		if m.Method == "item/commandExecution/outputDelta" {
			out.WriteString(params[struct{ Delta string }](t, m).Delta)
		}
	}
	var want strings.Builder
	for i := 1; i <= lines; i++ {
		want.WriteString(strconv.Itoa(i))
		want.WriteByte('\n')
	}
	if out.String() != want.String() {
		t.Errorf("the output deltas (%d bytes) are not the command's output (%d bytes) in order", out.Len(), want.Len())
	}
}
