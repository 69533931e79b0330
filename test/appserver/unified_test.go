package appserver_test

import (
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestTerminalInteraction: what the model writes with write_stdin to a
// process exec_command left running is an
// item/commandExecution/terminalInteraction notification on the command's
// item, in Codex's shape (validated against its schema like every message).
func TestTerminalInteraction(t *testing.T) {
	t.Parallel()
	start := modeltest.Call{Name: "exec_command", CallID: "e1", Arguments: `{"cmd": "read -p 'name? ' n; echo \"hi $n\"", "tty": true, "login": false, "yield_time_ms": 500}`}
	write := modeltest.Call{Name: "write_stdin", CallID: "w1", Arguments: `{"session_id": "{{session_id}}", "chars": "kodex\n", "yield_time_ms": 3000}`}
	srv := modeltest.New(t, modeltest.Calls(start), modeltest.Calls(write), modeltest.Text("done"))
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "model": "gpt-5.5", "approvalPolicy": "never", "sandbox": "danger-full-access"})
	msgs := runTurn(t, s, thread, "say hi")
	var got []struct{ ThreadID, TurnID, ItemID, ProcessID, Stdin string }
	for _, m := range msgs {
		if m.Method == "item/commandExecution/terminalInteraction" {
			got = append(got, params[struct{ ThreadID, TurnID, ItemID, ProcessID, Stdin string }](t, m))
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d terminalInteraction notifications, want 1", len(got))
	}
	if g := got[0]; g.ThreadID != thread || g.ItemID != "e1" || g.Stdin != "kodex\n" || g.ProcessID == "" || g.TurnID == "" {
		t.Errorf("terminalInteraction = %+v; want thread %s, item e1, stdin %q and a process id", g, thread, "kodex\n")
	}
	if reqs := srv.Requests(); len(reqs) != 3 || !strings.Contains(reqs[2].LastToolOutput(), "hi kodex") {
		t.Errorf("the model did not see the program's answer to the input")
	}
}
