package appserver_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// processesWith lists the processes whose command line has arg.
func processesWith(t *testing.T, arg string) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && bytes.Contains(b, []byte("\x00"+arg+"\x00")) {
			out = append(out, filepath.Base(d)+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// waitProcess polls /proc until a process with arg runs.
func waitProcess(t *testing.T, arg string) {
	t.Helper()
	for len(processesWith(t, arg)) == 0 {
		runtime.Gosched() // bounded by the test's deadline
	}
}

// waitGone polls /proc until no process with arg runs; a deadline (the
// harness's wait) fails the test instead of hanging it.
func waitGone(t *testing.T, arg string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for left := processesWith(t, arg); len(left) > 0; left = processesWith(t, arg) {
		if time.Now().After(deadline) {
			t.Fatalf("the command outlived its interrupted turn: %v", left)
		}
		runtime.Gosched()
	}
}

// commandItem waits for the completion of the turn and returns its
// status and the commandExecution item that ended in it.
func interruptedTurn(t *testing.T, s *server, turn string) (string, map[string]any) {
	t.Helper()
	var command map[string]any
	for _, m := range s.until("turn/completed") {
		if m.Method == "item/completed" {
			if n := params[itemNote](t, m); n.TurnID == turn && n.Item["type"] == "commandExecution" {
				command = n.Item
			}
		}
		if m.Method == "turn/completed" {
			done := params[struct{ Turn struct{ ID, Status string } }](t, m)
			if done.Turn.ID != turn {
				t.Fatalf("turn/completed for %s, want %s", done.Turn.ID, turn)
			}
			return done.Turn.Status, command
		}
	}
	return "", nil
}

func untilCommandStarted(t *testing.T, s *server) {
	t.Helper()
	for {
		if params[itemNote](t, s.next("item/started")).Item["type"] == "commandExecution" {
			return
		}
	}
}

// TestInterruptEndsCommandAtOnce: turn/interrupt ends the turn
// interrupted and the command's process with it, whether it comes as the
// command starts (on its item/started, as the SDKs' abort does) or while
// it runs. Under the namespace sandbox the command's helper, the init of
// its PID namespace, used to drop a SIGTERM that came before its runtime
// caught it: the command then ran on until kodex's SIGKILL two seconds
// later. Now the helper ends of the SIGTERM (its exit code is the
// command's or its own, never a death by signal).
func TestInterruptEndsCommandAtOnce(t *testing.T) {
	t.Parallel()
	explain, err := exec.Command(kodexBin, "sandbox", "--explain").CombinedOutput()
	if err != nil {
		t.Fatalf("kodex sandbox --explain: %v\n%s", err, explain)
	}
	namespaces := strings.Contains(string(explain), "+namespaces")

	t.Run("as the command starts", func(t *testing.T) {
		t.Parallel()
		const rounds = 5 // the window is a few milliseconds: try it more than once
		var script []modeltest.Response
		marks := make([]string, rounds)
		for i := range marks {
			marks[i] = fmt.Sprintf("4111.%d%d", os.Getpid(), i)
			script = append(script, modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["sleep","`+marks[i]+`"]}`)))
		}
		srv := modeltest.New(t, script...)
		e := newEnv(t, srv.URL())
		s := e.start(t)
		s.initialize()
		thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "never", "sandbox": "read-only"})
		for i, mark := range marks {
			turn := startTurn(t, s, thread, "sleep")
			untilCommandStarted(t, s)
			s.result("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn}, nil)
			status, command := interruptedTurn(t, s, turn)
			if status != "interrupted" {
				t.Errorf("round %d: the turn ended %s, want interrupted", i, status)
			}
			if left := processesWith(t, mark); len(left) > 0 {
				t.Errorf("round %d: the command outlived its interrupted turn: %v", i, left)
			}
			if namespaces && command != nil && command["exitCode"] == float64(-1) {
				t.Errorf("round %d: the sandboxed command was killed by a signal (the SIGKILL after the grace period), not ended by the interrupt: %v", i, command)
			}
		}
	})

	// exec_command (every model's shell tool by default) leaves the
	// process running past its call: the interrupt ends it too.
	t.Run("exec_command, as it starts", func(t *testing.T) {
		t.Parallel()
		const rounds = 3
		var script []modeltest.Response
		marks := make([]string, rounds)
		for i := range marks {
			marks[i] = fmt.Sprintf("4114.%d%d", os.Getpid(), i)
			script = append(script, modeltest.Calls(modeltest.Call{Name: "exec_command", Arguments: `{"cmd": "sleep ` + marks[i] + `", "login": false, "yield_time_ms": 30000}`}))
		}
		srv := modeltest.New(t, script...)
		e := newEnv(t, srv.URL())
		s := e.start(t)
		s.initialize()
		thread := startThread(t, s, map[string]any{"cwd": e.work, "model": "gpt-5.5", "approvalPolicy": "never", "sandbox": "read-only"})
		for i, mark := range marks {
			turn := startTurn(t, s, thread, "sleep")
			untilCommandStarted(t, s)
			s.result("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn}, nil)
			if status, _ := interruptedTurn(t, s, turn); status != "interrupted" {
				t.Errorf("round %d: the turn ended %s, want interrupted", i, status)
			}
			waitGone(t, mark) // the process is ended as the turn ends, not with it
		}
	})

	for _, sandbox := range []string{"read-only", "danger-full-access"} {
		t.Run("while it runs, "+sandbox, func(t *testing.T) {
			t.Parallel()
			mark := fmt.Sprintf("4112.%d%d", os.Getpid(), len(sandbox))
			srv := modeltest.New(t, modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["sh","-c","echo started; exec sleep `+mark+`"]}`)))
			e := newEnv(t, srv.URL())
			s := e.start(t)
			s.initialize()
			thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "never", "sandbox": sandbox})
			turn := startTurn(t, s, thread, "sleep")
			s.next("item/commandExecution/outputDelta")
			waitProcess(t, mark)
			s.result("turn/interrupt", map[string]any{"threadId": thread}, nil)
			status, command := interruptedTurn(t, s, turn)
			if status != "interrupted" {
				t.Errorf("the turn ended %s, want interrupted", status)
			}
			if command == nil || command["status"] != "failed" {
				t.Errorf("the interrupted command's item %v, want failed", command)
			}
			if left := processesWith(t, mark); len(left) > 0 {
				t.Errorf("the command outlived its interrupted turn: %v", left)
			}
		})
	}
}

// TestInterruptEndsQueuedTurn: a turn/start accepted while another turn
// runs (the previous turn/completed not yet seen by the agent), then a
// turn/interrupt: both turns get their turn/completed, interrupted, in
// order, and the queued one never reaches the model.
func TestInterruptEndsQueuedTurn(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["touch","never-made"]}`)),
		modeltest.Text("after the interrupt"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "untrusted", "sandbox": "read-only"})
	first := startTurn(t, s, thread, "first")
	s.next("turn/started")
	s.next("item/commandExecution/requestApproval") // the first turn waits on it
	second := startTurn(t, s, thread, "second")
	s.result("turn/interrupt", map[string]any{"threadId": thread}, nil)

	type turnNote struct {
		ThreadID string
		Turn     struct{ ID, Status string }
	}
	var got []string
	for len(got) < 3 {
		m := s.waitFor(func(m msg) bool { return m.Method == "turn/started" || m.Method == "turn/completed" })
		n := params[turnNote](t, m)
		got = append(got, m.Method+" "+n.Turn.ID+" "+n.Turn.Status)
	}
	want := []string{
		"turn/completed " + first + " interrupted",
		"turn/started " + second + " inProgress",
		"turn/completed " + second + " interrupted",
	}
	if !slices.Equal(got, want) {
		t.Errorf("turns %q, want %q", got, want)
	}
	runTurn(t, s, thread, "third")
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("the model got %d requests, want 2 (first and third)", n)
	}
	if _, err := os.Stat(filepath.Join(e.work, "never-made")); err == nil {
		t.Error("the unapproved command ran")
	}
}
