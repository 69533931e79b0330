package agent_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

func TestInterruptMidStream(t *testing.T) {
	t.Parallel()
	// created, item added, one delta, then nothing until the client goes.
	h := newHarness(t, agent.Options{},
		modeltest.StallAfter(3, modeltest.Text("partial answer here")),
		modeltest.Text("fine"),
	)
	id := h.submit(userTurn("one"))
	evs, _ := untilType[protocol.AgentMessageDelta](h)
	h.submit(protocol.Interrupt{})
	// The client's idle timeout is minutes: only the interrupt ends the
	// stream within the harness deadline.
	evs = append(evs, h.until(turnEnd)...)
	if diff := cmp.Diff(protocol.TurnAborted{TurnID: id, Reason: "interrupted"}, evs[len(evs)-1].Msg); diff != "" {
		t.Errorf("turn end mismatch (-want +got):\n%s", diff)
	}
	if n := len(msgsOf[protocol.AgentMessage](evs)); n != 0 {
		t.Errorf("got %d AgentMessage events for an interrupted stream, want 0", n)
	}

	// The partial answer is not in the history.
	h.turn("two")
	if diff := cmp.Diff([]wireItem{userItem("one"), userItem("two")}, inputOf(h.request(1))); diff != "" {
		t.Errorf("next request input mismatch (-want +got):\n%s", diff)
	}
}

func TestInterruptDuringTool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handle     func(ctx context.Context) (tools.Result, error)
		wantOutput string
	}{
		{"tool returns ctx error", func(ctx context.Context) (tools.Result, error) { return tools.Result{}, ctx.Err() }, "aborted: context canceled"},
		{"tool returns a result", func(context.Context) (tools.Result, error) { return tools.Result{Output: "killed"}, nil }, "killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{})
			block := &fnTool{name: "block", handle: func(ctx context.Context, _ *tools.Env, _ tools.Call) (tools.Result, error) {
				close(started)
				<-ctx.Done()
				return tt.handle(ctx)
			}}
			h := newHarness(t, agent.Options{Tools: router(t, block, echo("echo"))},
				modeltest.Calls(call("cb", "block", "{}"), call("ce", "echo", "{}")),
				modeltest.Text("ok"),
			)
			id := h.submit(userTurn("one"))
			if err := waitChan(context.Background(), started); err != nil {
				t.Fatalf("tool not started: %v", err)
			}
			h.submit(protocol.Interrupt{})
			evs := h.until(turnEnd)
			if diff := cmp.Diff(protocol.TurnAborted{TurnID: id, Reason: "interrupted"}, evs[len(evs)-1].Msg); diff != "" {
				t.Errorf("turn end mismatch (-want +got):\n%s", diff)
			}

			// The next request is valid: every call has its output.
			h.turn("two")
			want := []wireItem{
				userItem("one"),
				callItem("cb", "block", "{}"),
				callItem("ce", "echo", "{}"),
				outputItem("cb", tt.wantOutput),
				outputItem("ce", "aborted: the turn was interrupted before this call ran"),
				userItem("two"),
			}
			if diff := cmp.Diff(want, inputOf(h.request(1))); diff != "" {
				t.Errorf("next request input mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// asker asks for approval of a command and reports the decision. An abort
// aborts the turn.
func asker() *fnTool {
	return &fnTool{name: "ask", handle: func(ctx context.Context, env *tools.Env, c tools.Call) (tools.Result, error) {
		d, reason := env.Approve(ctx, protocol.ExecApprovalRequest{CallID: c.ID, Command: []string{"rm", "-rf", "build"}, Cwd: env.Cwd, Reason: "test"})
		if d == protocol.DecisionAbort {
			return tools.Result{}, fmt.Errorf("asking: %w", tools.ErrAborted)
		}
		return tools.Result{Output: string(d) + "|" + reason}, nil
	}}
}

func TestApprovals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		interactive bool
		decision    protocol.ReviewDecision // "" : no request expected
		wantEnd     protocol.EventMsg       // with TurnID "1"
	}{
		{"approved", true, protocol.DecisionApproved, protocol.TurnComplete{TurnID: "1", LastMessage: "approved|"}},
		{"denied", true, protocol.DecisionDenied, protocol.TurnComplete{TurnID: "1", LastMessage: "denied|"}},
		{"aborted", true, protocol.DecisionAbort, protocol.TurnAborted{TurnID: "1", Reason: "approval_aborted"}},
		{"non-interactive", false, "", protocol.TurnComplete{TurnID: "1", LastMessage: "denied|no one can approve in this mode (kodex exec); run with a policy that does not ask, e.g. --full-auto, or interactively"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			script := []modeltest.Response{modeltest.Calls(call("c1", "ask", "{}"))}
			if _, ok := tt.wantEnd.(protocol.TurnComplete); ok {
				script = append(script, modeltest.Response{EchoToolOutput: true})
			}
			h := newHarness(t, agent.Options{Tools: router(t, asker()), Interactive: tt.interactive, Settings: agent.Settings{Cwd: "/w"}}, script...)
			h.next()
			if id := h.submit(userTurn("go")); id != "1" {
				t.Fatalf("first submission id = %q, want 1", id)
			}
			var evs []protocol.Event
			if tt.decision != "" {
				var req protocol.ExecApprovalRequest
				evs, req = untilType[protocol.ExecApprovalRequest](h)
				want := protocol.ExecApprovalRequest{CallID: "c1", Command: []string{"rm", "-rf", "build"}, Cwd: "/w", Reason: "test"}
				if diff := cmp.Diff(want, req); diff != "" {
					t.Errorf("approval request mismatch (-want +got):\n%s", diff)
				}
				if got := evs[len(evs)-1].ID; got != "1" {
					t.Errorf("approval request event ID = %q, want the turn's 1", got)
				}
				h.submit(protocol.ExecApproval{CallID: "c1", Decision: tt.decision})
			}
			evs = append(evs, h.until(turnEnd)...)
			if diff := cmp.Diff(tt.wantEnd, evs[len(evs)-1].Msg); diff != "" {
				t.Errorf("turn end mismatch (-want +got):\n%s", diff)
			}
			if tt.decision == "" {
				if n := len(msgsOf[protocol.ExecApprovalRequest](evs)); n != 0 {
					t.Errorf("got %d approval requests in a non-interactive session, want 0", n)
				}
			}
		})
	}
}

// TestApprovalAbortedByTool: a tool returning ErrAborted without asking
// ends the turn as approval_aborted, and the history stays valid.
func TestApprovalAbortedByTool(t *testing.T) {
	t.Parallel()
	abort := &fnTool{name: "abort", handle: func(context.Context, *tools.Env, tools.Call) (tools.Result, error) {
		return tools.Result{}, tools.ErrAborted
	}}
	h := newHarness(t, agent.Options{Tools: router(t, abort)}, modeltest.Calls(call("c1", "abort", "{}")), modeltest.Text("ok"))
	evs := h.turn("one")
	if diff := cmp.Diff(protocol.TurnAborted{TurnID: "1", Reason: "approval_aborted"}, evs[len(evs)-1].Msg); diff != "" {
		t.Errorf("turn end mismatch (-want +got):\n%s", diff)
	}
	h.turn("two")
	want := []wireItem{userItem("one"), callItem("c1", "abort", "{}"), outputItem("c1", "aborted: turn aborted by the user"), userItem("two")}
	if diff := cmp.Diff(want, inputOf(h.request(1))); diff != "" {
		t.Errorf("next request input mismatch (-want +got):\n%s", diff)
	}
}

// TestInterruptWhileAwaitingApproval: an interrupt while an approval is
// pending is an interrupt, even for a tool that treats the DecisionAbort it
// then gets as the user's abort.
func TestInterruptWhileAwaitingApproval(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{Tools: router(t, asker()), Interactive: true}, modeltest.Calls(call("c1", "ask", "{}")))
	id := h.submit(userTurn("go"))
	_, _ = untilType[protocol.ExecApprovalRequest](h)
	h.submit(protocol.Interrupt{})
	evs := h.until(turnEnd)
	if diff := cmp.Diff(protocol.TurnAborted{TurnID: id, Reason: "interrupted"}, evs[len(evs)-1].Msg); diff != "" {
		t.Errorf("turn end mismatch (-want +got):\n%s", diff)
	}
	// The late answer finds nothing pending.
	sub := h.submit(protocol.ExecApproval{CallID: "c1", Decision: protocol.DecisionApproved})
	_, e := untilType[protocol.Error](h)
	if e.Code != "bad_op" {
		t.Errorf("late approval: Error code %q, want bad_op (submission %s)", e.Code, sub)
	}
}

func TestApprovedForSession(t *testing.T) {
	t.Parallel()
	ask := &fnTool{name: "ask", handle: func(ctx context.Context, env *tools.Env, c tools.Call) (tools.Result, error) {
		key := c.Input
		if env.Approved(key) {
			return tools.Result{Output: "remembered " + key}, nil
		}
		d, _ := env.Approve(ctx, protocol.ExecApprovalRequest{CallID: c.ID, Command: []string{"make", key}})
		if d == protocol.DecisionApprovedForSession {
			env.Remember(key)
		}
		return tools.Result{Output: string(d) + " " + key}, nil
	}}
	echoBack := modeltest.Response{EchoToolOutput: true}
	h := newHarness(t, agent.Options{Tools: router(t, ask), Interactive: true},
		modeltest.Calls(call("c1", "ask", "a")), echoBack,
		modeltest.Calls(call("c2", "ask", "a")), echoBack,
		modeltest.Calls(call("c3", "ask", "b")), echoBack,
	)
	h.next()

	h.submit(userTurn("first"))
	_, req := untilType[protocol.ExecApprovalRequest](h)
	h.submit(protocol.ExecApproval{CallID: req.CallID, Decision: protocol.DecisionApprovedForSession})
	evs := h.until(turnEnd)
	if got := evs[len(evs)-1].Msg; got != (protocol.TurnComplete{TurnID: "1", LastMessage: "approved_for_session a"}) {
		t.Errorf("first turn ended with %+v", got)
	}

	evs = h.turn("second")
	if n := len(msgsOf[protocol.ExecApprovalRequest](evs)); n != 0 {
		t.Errorf("second turn asked %d times for an approved-for-session key, want 0", n)
	}
	if got := evs[len(evs)-1].Msg.(protocol.TurnComplete).LastMessage; got != "remembered a" {
		t.Errorf("second turn answer %q, want %q", got, "remembered a")
	}

	// Another key asks again.
	h.submit(userTurn("third"))
	_, req = untilType[protocol.ExecApprovalRequest](h)
	if req.CallID != "c3" {
		t.Errorf("approval request for call %q, want c3", req.CallID)
	}
	h.submit(protocol.ExecApproval{CallID: "c3", Decision: protocol.DecisionApproved})
	h.until(turnEnd)
}

func TestApprovalForUnknownCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{})
	h.next()
	id := h.submit(protocol.PatchApproval{CallID: "nope", Decision: protocol.DecisionApproved})
	ev := h.next()
	e, ok := ev.Msg.(protocol.Error)
	if !ok || e.Code != "bad_op" || ev.ID != id {
		t.Errorf("got %+v, want an Error with code bad_op and ID %s", ev, id)
	}
}

func TestQueuedTurnRunsAfter(t *testing.T) {
	t.Parallel()
	b := newBlocker("block")
	h := newHarness(t, agent.Options{Tools: router(t, b)},
		modeltest.Calls(call("cb", "block", "{}")), modeltest.Text("one done"),
		modeltest.Text("two done"),
	)
	h.next()
	id1 := h.submit(userTurn("one"))
	b.waitStarted(t)
	id2 := h.submit(userTurn("two"))
	close(b.release)

	evs := h.until(turnEnd)
	if diff := cmp.Diff(protocol.TurnComplete{TurnID: id1, LastMessage: "one done"}, evs[len(evs)-1].Msg); diff != "" {
		t.Errorf("first turn end mismatch (-want +got):\n%s", diff)
	}
	for _, ev := range evs {
		if ev.ID != id1 {
			t.Errorf("event %T with ID %q during the first turn, want %q", ev.Msg, ev.ID, id1)
		}
	}
	evs = h.until(turnEnd)
	if diff := cmp.Diff(protocol.TurnStarted{TurnID: id2}, evs[0].Msg); diff != "" {
		t.Errorf("second turn start mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(protocol.TurnComplete{TurnID: id2, LastMessage: "two done"}, evs[len(evs)-1].Msg); diff != "" {
		t.Errorf("second turn end mismatch (-want +got):\n%s", diff)
	}
	want := []wireItem{userItem("one"), callItem("cb", "block", "{}"), outputItem("cb", "released"), assistantItem("one done"), userItem("two")}
	if diff := cmp.Diff(want, inputOf(h.request(2))); diff != "" {
		t.Errorf("second turn request mismatch (-want +got):\n%s", diff)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, agent.Options{}, modeltest.Text("hi"))
		h.turn("hello")
		h.submit(protocol.Shutdown{})
		h.expectClose()
	})
	t.Run("during a turn, with a queued turn", func(t *testing.T) {
		t.Parallel()
		b := newBlocker("block")
		h := newHarness(t, agent.Options{Tools: router(t, b)}, modeltest.Calls(call("cb", "block", "{}")))
		h.next()
		id := h.submit(userTurn("one"))
		b.waitStarted(t)
		queued := h.submit(userTurn("queued"))
		h.submit(protocol.Shutdown{})
		evs := h.until(turnEnd)
		if diff := cmp.Diff(protocol.TurnAborted{TurnID: id, Reason: "interrupted"}, evs[len(evs)-1].Msg); diff != "" {
			t.Errorf("turn end mismatch (-want +got):\n%s", diff)
		}
		// The queued turn does not run: it ends interrupted (see
		// TestEndingSessionEndsQueuedTurns).
		want := []protocol.EventMsg{protocol.TurnStarted{TurnID: queued}, protocol.TurnAborted{TurnID: queued, Reason: "interrupted"}, protocol.ShutdownComplete{}}
		got := []protocol.EventMsg{h.next().Msg, h.next().Msg, h.next().Msg}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after the aborted turn (-want +got):\n%s", diff)
		}
		if ev, ok := h.nextOrClose(); ok {
			t.Errorf("event %T after ShutdownComplete; want the stream closed", ev.Msg)
		}
	})
}

func TestCancelStartContext(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, agent.Options{})
		h.next()
		h.cancel()
		h.expectClose()
	})
	t.Run("during a turn", func(t *testing.T) {
		t.Parallel()
		b := newBlocker("block")
		h := newHarness(t, agent.Options{Tools: router(t, b)}, modeltest.Calls(call("cb", "block", "{}")))
		id := h.submit(userTurn("one"))
		b.waitStarted(t)
		h.cancel()
		evs := h.until(turnEnd)
		if diff := cmp.Diff(protocol.TurnAborted{TurnID: id, Reason: "interrupted"}, evs[len(evs)-1].Msg); diff != "" {
			t.Errorf("turn end mismatch (-want +got):\n%s", diff)
		}
		h.expectClose()
	})
	t.Run("during a stream", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, agent.Options{}, modeltest.StallAfter(3, modeltest.Text("never finished")))
		id := h.submit(userTurn("one"))
		_, _ = untilType[protocol.AgentMessageDelta](h)
		h.cancel()
		evs := h.until(turnEnd)
		if diff := cmp.Diff(protocol.TurnAborted{TurnID: id, Reason: "interrupted"}, evs[len(evs)-1].Msg); diff != "" {
			t.Errorf("turn end mismatch (-want +got):\n%s", diff)
		}
		h.expectClose()
	})
}

func TestRecorder(t *testing.T) {
	t.Parallel()
	rec := &fakeRecorder{}
	r1 := modeltest.Calls(call("c1", "echo", `{"a":1}`))
	r1.Reasoning = "thinking hard"
	h := newHarness(t, agent.Options{Tools: router(t, echo("echo")), Recorder: rec},
		r1, modeltest.Text("all done now"),
	)
	var stream []protocol.Event
	stream = append(stream, h.next())
	stream = append(stream, h.turn("go")...)
	h.submit(protocol.Shutdown{})
	rest, _ := untilType[protocol.ShutdownComplete](h)
	stream = append(stream, rest...)
	if ev, ok := h.nextOrClose(); ok { // everything is recorded once the stream is closed
		t.Fatalf("event %T after ShutdownComplete; want the stream closed", ev.Msg)
	}

	items, events := rec.snapshot()
	var gotItems []wireItem
	for _, it := range items {
		w := wireItem{Type: it.Type, Role: it.Role, CallID: it.CallID, Name: it.Name, Args: it.Arguments + it.Input, Output: it.Output}
		if it.Type == model.ItemMessage || it.Type == model.ItemReasoning {
			w.Text = it.Text()
		}
		gotItems = append(gotItems, w)
	}
	wantItems := []wireItem{
		userItem("go"),
		{Type: model.ItemReasoning, Text: "thinking hard"},
		callItem("c1", "echo", `{"a":1}`),
		outputItem("c1", `echo({"a":1})`),
		assistantItem("all done now"),
	}
	if diff := cmp.Diff(wantItems, gotItems); diff != "" {
		t.Errorf("recorded items mismatch (-want +got):\n%s", diff)
	}

	var wantEvents []protocol.EventMsg
	for _, ev := range stream {
		switch ev.Msg.(type) {
		case protocol.AgentMessageDelta, protocol.ReasoningDelta, protocol.ExecOutputDelta:
			continue
		}
		wantEvents = append(wantEvents, ev.Msg)
	}
	if len(wantEvents) == len(stream) {
		t.Fatalf("the stream had no deltas; the test proves nothing: %v", types(stream))
	}
	if diff := cmp.Diff(wantEvents, events); diff != "" {
		t.Errorf("recorded events mismatch (-want +got):\n%s", diff)
	}
}

func TestRecorderErrorIsAWarning(t *testing.T) {
	t.Parallel()
	rec := &fakeRecorder{err: fmt.Errorf("disk full")}
	h := newHarness(t, agent.Options{Recorder: rec}, modeltest.Text("ok"))
	evs := h.turn("go")
	if !isType[protocol.TurnComplete](evs[len(evs)-1]) {
		t.Fatalf("turn ended with %T, want TurnComplete", evs[len(evs)-1].Msg)
	}
	warns := msgsOf[protocol.Warning](evs)
	if len(warns) == 0 || !strings.Contains(warns[0].Message, "disk full") {
		t.Errorf("warnings = %+v, want one about the recording error", warns)
	}
}

// orderRecorder holds back the recording of Warning "A" until Warning "B"
// has been recorded, or for a short while: with Publish and RecordEvent not
// atomic, B (published after A) can overtake A in the rollout.
type orderRecorder struct {
	fakeRecorder
	aPublished chan struct{} // closed when A reaches the recorder (it is on the stream)
	bRecorded  chan struct{}
}

func (r *orderRecorder) RecordEvent(ev protocol.EventMsg) error {
	if w, ok := ev.(protocol.Warning); ok {
		switch w.Message {
		case "A":
			close(r.aPublished)
			// A bound, not a synchronisation: a correct session never lets
			// B reach the recorder before A is recorded, so this wait ends
			// by the timer.
			timer := time.NewTimer(250 * time.Millisecond)
			defer timer.Stop()
			select {
			case <-r.bRecorded:
			case <-timer.C:
			}
		case "B":
			defer close(r.bRecorded)
		}
	}
	return r.fakeRecorder.RecordEvent(ev)
}

// TestRecorderKeepsStreamOrder: events emitted by parallel tools are
// recorded in stream order.
func TestRecorderKeepsStreamOrder(t *testing.T) {
	t.Parallel()
	rec := &orderRecorder{aPublished: make(chan struct{}), bRecorded: make(chan struct{})}
	emitA := &roTool{fnTool{name: "a", handle: func(_ context.Context, env *tools.Env, _ tools.Call) (tools.Result, error) {
		env.Emit(protocol.Warning{Message: "A"})
		return tools.Result{Output: "a"}, nil
	}}}
	emitB := &roTool{fnTool{name: "b", handle: func(ctx context.Context, env *tools.Env, _ tools.Call) (tools.Result, error) {
		if err := waitChan(ctx, rec.aPublished); err != nil {
			return tools.ErrorResult("%v", err), nil
		}
		env.Emit(protocol.Warning{Message: "B"})
		return tools.Result{Output: "b"}, nil
	}}}
	h := newHarness(t, agent.Options{Tools: router(t, emitA, emitB), Recorder: rec},
		modeltest.Calls(call("ca", "a", "{}"), call("cb", "b", "{}")), modeltest.Text("done"))
	var stream []string
	for _, w := range msgsOf[protocol.Warning](h.turn("go")) {
		stream = append(stream, w.Message)
	}
	h.submit(protocol.Shutdown{})
	h.expectClose()
	_, events := rec.snapshot()
	var recorded []string
	for _, w := range msgsOf[protocol.Warning](eventsOf(events)) {
		recorded = append(recorded, w.Message)
	}
	if diff := cmp.Diff([]string{"A", "B"}, stream); diff != "" {
		t.Fatalf("stream warnings mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(stream, recorded); diff != "" {
		t.Errorf("recorded order differs from the stream's (-stream +recorded):\n%s", diff)
	}
}

func eventsOf(msgs []protocol.EventMsg) []protocol.Event {
	out := make([]protocol.Event, len(msgs))
	for i, m := range msgs {
		out[i].Msg = m
	}
	return out
}
