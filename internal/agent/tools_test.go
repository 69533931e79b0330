package agent_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/model/openai"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

func TestToolCallsOutputsInCallOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tools func(t *testing.T) []tools.Tool
	}{
		{"sequential", func(*testing.T) []tools.Tool { return []tools.Tool{echo("a"), echo("b")} }},
		{"read-only, the second finishing first", func(t *testing.T) []tools.Tool {
			bDone := make(chan struct{})
			a := &roTool{fnTool{name: "a", handle: func(ctx context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
				if err := waitChan(ctx, bDone); err != nil {
					return tools.ErrorResult("%v", err), nil
				}
				return tools.Result{Output: "a(" + c.Input + ")"}, nil
			}}}
			b := &roTool{fnTool{name: "b", handle: func(_ context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
				defer close(bDone)
				return tools.Result{Output: "b(" + c.Input + ")"}, nil
			}}}
			return []tools.Tool{a, b}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, agent.Options{Tools: router(t, tt.tools(t)...)},
				modeltest.Calls(call("ca", "a", `{"x":1}`), call("cb", "b", `{"y":2}`)),
				modeltest.Text("done"),
			)
			evs := h.turn("go")
			if tc, ok := evs[len(evs)-1].Msg.(protocol.TurnComplete); !ok || tc.LastMessage != "done" {
				t.Fatalf("turn ended with %+v, want TurnComplete{LastMessage: done}", evs[len(evs)-1].Msg)
			}
			want := []wireItem{
				userItem("go"),
				callItem("ca", "a", `{"x":1}`),
				callItem("cb", "b", `{"y":2}`),
				outputItem("ca", `a({"x":1})`),
				outputItem("cb", `b({"y":2})`),
			}
			if diff := cmp.Diff(want, inputOf(h.request(1))); diff != "" {
				t.Errorf("second request input mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// waitChan waits for ch to close, for ctx to end, or for the test's
// deadline (an error: the calls were not run as the test expects).
func waitChan(ctx context.Context, ch <-chan struct{}) error {
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return context.DeadlineExceeded
	}
}

// TestReadOnlyCallsRunInParallel proves parallelism with a barrier: each
// call waits for the other to start, which deadlocks (until the deadline)
// if they run one after the other.
func TestReadOnlyCallsRunInParallel(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		arrived int
		all     = make(chan struct{})
	)
	ro := &roTool{fnTool{name: "look", handle: func(ctx context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
		mu.Lock()
		if arrived++; arrived == 2 {
			close(all)
		}
		mu.Unlock()
		if err := waitChan(ctx, all); err != nil {
			return tools.ErrorResult("barrier: %v", err), nil
		}
		return tools.Result{Output: "ok " + c.ID}, nil
	}}}
	h := newHarness(t, agent.Options{Tools: router(t, ro)},
		modeltest.Calls(call("c1", "look", "{}"), call("c2", "look", "{}")),
		modeltest.Text("done"),
	)
	h.turn("go")
	want := []wireItem{
		userItem("go"),
		callItem("c1", "look", "{}"),
		callItem("c2", "look", "{}"),
		outputItem("c1", "ok c1"),
		outputItem("c2", "ok c2"),
	}
	if diff := cmp.Diff(want, inputOf(h.request(1))); diff != "" {
		t.Errorf("second request input mismatch (-want +got):\n%s", diff)
	}
}

// TestMutatingCallsRunSequentially: the first call gives the second a
// chance to start while it runs. This cannot prove a negative by itself,
// but a parallel implementation fails it nearly always, and a sequential
// one never does.
func TestMutatingCallsRunSequentially(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		log    []string
		second = make(chan struct{})
	)
	add := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, s)
	}
	w := &fnTool{name: "write", handle: func(ctx context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
		add("start " + c.ID)
		switch c.ID {
		case "w1":
			timer := time.NewTimer(100 * time.Millisecond)
			defer timer.Stop()
			select {
			case <-second: // w2 started while w1 runs: recorded below
			case <-timer.C:
			}
		case "w2":
			close(second)
		}
		add("end " + c.ID)
		return tools.Result{Output: "wrote " + c.ID}, nil
	}}
	// A read-only call between them must not make them overlap either.
	h := newHarness(t, agent.Options{Tools: router(t, w, &roTool{*echo("look")})},
		modeltest.Calls(call("w1", "write", "{}"), call("l1", "look", "{}"), call("w2", "write", "{}")),
		modeltest.Text("done"),
	)
	h.turn("go")
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"start w1", "end w1", "start w2", "end w2"}, log); diff != "" {
		t.Errorf("calls overlapped (-want +got):\n%s", diff)
	}
}

func TestCustomToolCall(t *testing.T) {
	t.Parallel()
	calls := make(chan tools.Call, 1)
	ct := &customTool{fnTool{name: "patch", handle: func(_ context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
		calls <- c
		return tools.Result{Output: "applied"}, nil
	}}}
	const input = "*** Begin Patch\n*** End Patch"
	h := newHarness(t, agent.Options{Tools: router(t, ct)},
		modeltest.Calls(modeltest.Call{Name: "patch", Custom: true, Input: input, CallID: "cc1"}),
		modeltest.Text("done"),
	)
	h.turn("go")
	got := <-calls
	if diff := cmp.Diff(tools.Call{ID: "cc1", Name: "patch", Kind: model.ToolCustom, Input: input}, got); diff != "" {
		t.Errorf("call mismatch (-want +got):\n%s", diff)
	}
	want := []wireItem{
		userItem("go"),
		{Type: model.ItemCustomToolCall, CallID: "cc1", Name: "patch", Args: input},
		{Type: model.ItemCustomToolCallOutput, CallID: "cc1", Output: "applied"},
	}
	if diff := cmp.Diff(want, inputOf(h.request(1))); diff != "" {
		t.Errorf("second request input mismatch (-want +got):\n%s", diff)
	}
}

// TestToolErrors: an unknown tool and a failed Result go back to the model;
// a Go error fails the turn, with an output for every call.
func TestToolErrors(t *testing.T) {
	t.Parallel()
	failing := &fnTool{name: "fail", handle: func(context.Context, *tools.Env, tools.Call) (tools.Result, error) {
		return tools.ErrorResult("file_path is required"), nil
	}}
	broken := &fnTool{name: "broken", handle: func(context.Context, *tools.Env, tools.Call) (tools.Result, error) {
		return tools.Result{}, context.DeadlineExceeded
	}}
	h := newHarness(t, agent.Options{Tools: router(t, failing, broken, echo("echo"))},
		modeltest.Calls(call("c1", "nope", "{}"), call("c2", "fail", "{}")),
		modeltest.Text("done"),
		modeltest.Calls(call("c3", "broken", "{}"), call("c4", "echo", "{}")),
		modeltest.Text("after"),
	)
	evs := h.turn("one")
	if !isType[protocol.TurnComplete](evs[len(evs)-1]) {
		t.Fatalf("turn ended with %T, want TurnComplete", evs[len(evs)-1].Msg)
	}
	in := inputOf(h.request(1))
	if got := in[3]; got.Type != model.ItemFunctionCallOutput || got.CallID != "c1" || !containsAll(got.Output, "unsupported tool", "nope") {
		t.Errorf("output for the unknown tool = %+v", got)
	}
	if diff := cmp.Diff(outputItem("c2", "file_path is required"), in[4]); diff != "" {
		t.Errorf("output for the failed call mismatch (-want +got):\n%s", diff)
	}

	evs = h.turn("two")
	failed, ok := evs[len(evs)-1].Msg.(protocol.TurnFailed)
	if !ok || failed.Error.Code != "internal" {
		t.Fatalf("turn ended with %+v, want TurnFailed with code internal", evs[len(evs)-1].Msg)
	}
	// The history is still valid: both calls have outputs.
	h.turn("three")
	in = inputOf(h.request(3))
	var outs []string
	for _, it := range in {
		if it.Type == model.ItemFunctionCallOutput {
			outs = append(outs, it.CallID)
		}
	}
	if diff := cmp.Diff([]string{"c1", "c2", "c3", "c4"}, outs); diff != "" {
		t.Errorf("call outputs in the history mismatch (-want +got):\n%s", diff)
	}
}

// TestToolImages: images a tool returns are sent as a user message after
// the outputs.
func TestToolImages(t *testing.T) {
	t.Parallel()
	const url = "data:image/png;base64,AAAA"
	img := &fnTool{name: "view", handle: func(context.Context, *tools.Env, tools.Call) (tools.Result, error) {
		return tools.Result{Output: "attached", Images: []string{url}}, nil
	}}
	h := newHarness(t, agent.Options{Tools: router(t, img)},
		modeltest.Calls(call("c1", "view", "{}")),
		modeltest.Text("done"),
	)
	h.turn("go")
	r := h.request(1)
	in := r.Input()
	if len(in) != 4 {
		t.Fatalf("second request has %d items, want 4", len(in))
	}
	want := model.Item{Type: model.ItemMessage, Role: model.RoleUser, Content: []model.ContentPart{{Type: model.PartInputImage, ImageURL: url}}}
	if diff := cmp.Diff(want, in[3]); diff != "" {
		t.Errorf("image message mismatch (-want +got):\n%s", diff)
	}
}

// TestChatWire runs a tool call through the Chat Completions wire: the
// output goes back to the model as a tool message.
func TestChatWire(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t, modeltest.Calls(call("c1", "echo", `{"q":1}`)), modeltest.Response{EchoToolOutput: true})
	c, err := openai.New(openai.Options{ProviderID: "local", BaseURL: srv.URL(), WireAPI: openai.WireChat,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, agent.Options{Model: c, Tools: router(t, echo("echo"))})
	evs := h.turn("go")
	if diff := cmp.Diff(protocol.TurnComplete{TurnID: "1", LastMessage: `echo({"q":1})`}, evs[len(evs)-1].Msg); diff != "" {
		t.Errorf("turn end mismatch (-want +got):\n%s", diff)
	}
	if got := srv.Requests(); len(got) != 2 || got[1].Wire() != "chat" {
		t.Errorf("got %d requests, want 2 on the chat wire", len(got))
	}
}
