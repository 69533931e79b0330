package agent_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// lifecycle is the turn-level events of evs (turns starting and ending,
// errors), each as its type and id, in order.
func lifecycle(evs []protocol.Event) []string {
	var out []string
	for _, ev := range evs {
		switch m := ev.Msg.(type) {
		case protocol.TurnStarted:
			out = append(out, "started "+m.TurnID)
		case protocol.TurnComplete:
			out = append(out, "complete "+m.TurnID)
		case protocol.TurnAborted:
			out = append(out, "aborted("+m.Reason+") "+m.TurnID)
		case protocol.TurnFailed:
			out = append(out, "failed "+m.TurnID)
		case protocol.Error:
			out = append(out, "error("+m.Code+") "+ev.ID)
		}
	}
	return out
}

// TestInterruptEndsQueuedOps: ops queued behind a running turn when an
// interrupt comes (as a client's turn/start and turn/interrupt do when
// they arrive just as the previous turn ends) do not run, and each ends as
// one that ran would: a turn or a compaction starts and ends interrupted,
// an undo is an error. None vanishes; nothing reaches the model; a turn
// submitted after the interrupt runs.
func TestInterruptEndsQueuedOps(t *testing.T) {
	t.Parallel()
	b := newBlocker("block")
	h := newHarness(t, agent.Options{Tools: router(t, b)},
		modeltest.Calls(call("cb", "block", "{}")),
		modeltest.Text("three done"),
	)
	h.next()
	one := h.submit(userTurn("one"))
	b.waitStarted(t)
	// Submit returns once the actor has taken the op: these are queued.
	two := h.submit(userTurn("two"))
	compact := h.submit(protocol.Compact{})
	undo := h.submit(protocol.Undo{})
	h.submit(protocol.Interrupt{})
	evs := h.until(func(m protocol.EventMsg) bool { _, ok := m.(protocol.Error); return ok })
	want := []string{
		"started " + one, "aborted(interrupted) " + one,
		"started " + two, "aborted(interrupted) " + two,
		"started " + compact, "aborted(interrupted) " + compact,
		"error(interrupted) " + undo,
	}
	if diff := cmp.Diff(want, lifecycle(evs)); diff != "" {
		t.Errorf("turn events mismatch (-want +got):\n%s", diff)
	}

	three := h.submit(userTurn("three"))
	evs = h.until(turnEnd)
	if diff := cmp.Diff([]string{"started " + three, "complete " + three}, lifecycle(evs)); diff != "" {
		t.Errorf("the turn after the interrupt (-want +got):\n%s", diff)
	}
	if n := len(h.srv.Requests()); n != 2 {
		t.Errorf("the model got %d requests, want 2 (one and three)", n)
	}
	wantInput := []wireItem{userItem("one"), callItem("cb", "block", "{}"), outputItem("cb", "aborted: context canceled"), userItem("three")}
	if diff := cmp.Diff(wantInput, inputOf(h.request(1))); diff != "" {
		t.Errorf("the turn after the interrupt sent (-want +got):\n%s", diff)
	}
}

// TestEndingSessionEndsQueuedTurns: a shutdown or the start context's end
// also ends every accepted turn with one event, before ShutdownComplete,
// and so does a turn submitted while the session is closing.
func TestEndingSessionEndsQueuedTurns(t *testing.T) {
	t.Parallel()
	for _, end := range []string{"shutdown", "cancel"} {
		t.Run(end, func(t *testing.T) {
			t.Parallel()
			// The tool ends only when released, interrupt or not: the
			// session is closing, with the turn still running, until then.
			started, release := make(chan struct{}), make(chan struct{})
			slow := &fnTool{name: "slow", handle: func(context.Context, *tools.Env, tools.Call) (tools.Result, error) {
				close(started)
				<-release
				return tools.Result{Output: "done"}, nil
			}}
			h := newHarness(t, agent.Options{Tools: router(t, slow)}, modeltest.Calls(call("cs", "slow", "{}")))
			h.next()
			one := h.submit(userTurn("one"))
			if err := waitChan(context.Background(), started); err != nil {
				t.Fatalf("tool not started: %v", err)
			}
			two := h.submit(userTurn("two"))
			want := []string{
				"started " + one, "aborted(interrupted) " + one,
				"started " + two, "aborted(interrupted) " + two,
			}
			if end == "shutdown" {
				h.submit(protocol.Shutdown{})
				// The turn still runs: the session takes ops until it ends.
				late := h.submit(userTurn("while shutting down"))
				want = append(want, "started "+late, "aborted(interrupted) "+late)
			} else {
				h.cancel() // the session takes no more ops
			}
			close(release)
			evs, _ := untilType[protocol.ShutdownComplete](h)
			if diff := cmp.Diff(want, lifecycle(evs)); diff != "" {
				t.Errorf("turn events mismatch (-want +got):\n%s", diff)
			}
			if ev, ok := h.nextOrClose(); ok {
				t.Errorf("event %T after ShutdownComplete; want the stream closed", ev.Msg)
			}
			if n := len(h.srv.Requests()); n != 1 {
				t.Errorf("the model got %d requests, want 1", n)
			}
		})
	}
}
