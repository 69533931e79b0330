package agent_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/checkpoint"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// writer is a tool that writes its input ("name=content") into dir.
func writer(t *testing.T, dir string) *fnTool {
	return &fnTool{name: "write", handle: func(_ context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
		if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte(c.Input), 0o644); err != nil {
			t.Error(err)
		}
		return tools.Result{Output: "ok"}, nil
	}}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return string(b)
}

// TestUndoRedoRewind drives the ops through a session with a real
// checkpoint store: each turn is checkpointed, undo and redo restore its
// file, a user edit since is not clobbered, and a rewind drops the turns
// from the conversation.
func TestUndoRedoRewind(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	store, err := checkpoint.Open(context.Background(), t.TempDir(), ws)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(ws, "f.txt")
	rec := &fakeRecorder{}
	h := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m"}, Tools: router(t, writer(t, ws)), Checkpoints: store, Recorder: rec},
		modeltest.Calls(modeltest.FunctionCall("write", `one`)), modeltest.Text("wrote one"),
		modeltest.Calls(modeltest.FunctionCall("write", `two`)), modeltest.Text("wrote two"),
		modeltest.Text("after rewind"),
	)
	h.turn("write one")
	_, tc := untilType[protocol.TurnCheckpoint](h)
	if tc.Turn != 1 || !tc.Changed() || tc.Prompt != "write one" || tc.HistoryLen != 0 {
		t.Errorf("first checkpoint = %+v", tc)
	}
	h.turn("write two")
	untilType[protocol.TurnCheckpoint](h)

	h.submit(protocol.Undo{})
	_, fr := untilType[protocol.FilesRestored](h)
	if diff := cmp.Diff(protocol.FilesRestored{Action: "undo", Turns: []int{2}, Paths: []string{"f.txt"}}, fr); diff != "" {
		t.Errorf("undo (-want +got):\n%s", diff)
	}
	if got := readFile(t, f); got != "one" {
		t.Errorf("after undo f.txt = %q, want one", got)
	}
	h.submit(protocol.Redo{})
	untilType[protocol.FilesRestored](h)
	if got := readFile(t, f); got != "two" {
		t.Errorf("after redo f.txt = %q, want two", got)
	}

	// The user edits the file: undo shows the difference and asks.
	if err := os.WriteFile(f, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.submit(protocol.Undo{})
	_, c := untilType[protocol.RestoreConflict](h)
	if !cmp.Equal(c.Paths, []string{"f.txt"}) || !containsAll(c.Diff, "-two", "+mine") {
		t.Errorf("conflict = %+v", c)
	}
	if got := readFile(t, f); got != "mine" {
		t.Errorf("a refused undo changed f.txt to %q", got)
	}

	// Rewinding over the user's edit asks too, and says where to.
	h.submit(protocol.Rewind{Turn: 1, Files: true})
	if _, c := untilType[protocol.RestoreConflict](h); c.Action != "rewind" || c.Rewind != 1 {
		t.Errorf("rewind conflict = %+v; want one for a rewind to before turn 1", c)
	}

	// Rewind to before turn 1, files too (forced over the user's edit).
	h.submit(protocol.Rewind{Turn: 1, Files: true, Force: true})
	evs, rw := untilType[protocol.ConversationRewound](h)
	if rw.Prompt != "write one" {
		t.Errorf("rewound prompt = %q", rw.Prompt)
	}
	if fr := msgsOf[protocol.FilesRestored](evs); len(fr) != 1 || !cmp.Equal(fr[0].Turns, []int{1, 2}) {
		t.Errorf("rewind restored %+v", fr)
	}
	if _, err := os.Stat(f); !os.IsNotExist(err) {
		t.Errorf("f.txt after rewinding before the turn that created it: %v", err)
	}
	h.turn("write it again")
	untilType[protocol.TurnCheckpoint](h)
	got := inputOf(h.request(4))
	if diff := cmp.Diff([]wireItem{userItem("write it again")}, got); diff != "" {
		t.Errorf("the request after the rewind (-want +got):\n%s", diff)
	}
	h.submit(protocol.Shutdown{}) // every event is recorded by then
	h.expectClose()
	if _, evs := rec.snapshot(); len(msgsOf2[protocol.TurnCheckpoint](evs)) != 3 {
		t.Errorf("recorded checkpoints: %d, want 3", len(msgsOf2[protocol.TurnCheckpoint](evs)))
	}
}

func msgsOf2[T protocol.EventMsg](msgs []protocol.EventMsg) []T {
	var out []T
	for _, m := range msgs {
		if x, ok := m.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func TestUndoWithoutCheckpoints(t *testing.T) {
	t.Parallel()
	h := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m"}})
	h.submit(protocol.Undo{})
	_, e := untilType[protocol.Error](h)
	if e.Code != "no_checkpoints" {
		t.Errorf("error = %+v", e)
	}
}

// TestRewindAfterResume: a session restored from what the first one
// recorded offers its turns for a rewind and undoes its files.
func TestRewindAfterResume(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	store, err := checkpoint.Open(context.Background(), t.TempDir(), ws)
	if err != nil {
		t.Fatal(err)
	}
	rec := &fakeRecorder{}
	h := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m"}, Tools: router(t, writer(t, ws)), Checkpoints: store, Recorder: rec},
		modeltest.Text("hello"),
		modeltest.Calls(modeltest.FunctionCall("write", `one`)), modeltest.Text("wrote one"),
	)
	h.turn("say hello")
	if _, tc := untilType[protocol.TurnCheckpoint](h); tc.Changed() {
		t.Errorf("a turn without tool calls changed files: %+v", tc)
	}
	h.turn("write one")
	untilType[protocol.TurnCheckpoint](h)
	h.submit(protocol.Shutdown{}) // every event is recorded by then
	h.expectClose()
	items, evs := rec.snapshot()

	h2 := newHarness(t, agent.Options{Settings: agent.Settings{Model: "m"}, Tools: router(t, writer(t, ws)), Checkpoints: store,
		History: items, Journal: evs, Resumed: true}, modeltest.Text("again"))
	var prompts []string
	for _, tc := range h2.s.RewindableTurns() {
		prompts = append(prompts, tc.Prompt)
	}
	if diff := cmp.Diff([]string{"say hello", "write one"}, prompts); diff != "" {
		t.Fatalf("rewindable turns (-want +got):\n%s", diff)
	}
	h2.submit(protocol.Rewind{Turn: 2, Files: true})
	evs2, _ := untilType[protocol.ConversationRewound](h2)
	// The context meter shows what is left at once: two short messages.
	if tc := msgsOf[protocol.TokenCount](evs2); len(tc) != 1 || tc[0].ContextUsed <= 0 || tc[0].ContextUsed > 50 {
		t.Errorf("token counts with the rewind: %+v; want one, of the two messages left", tc)
	}
	if _, err := os.Stat(filepath.Join(ws, "f.txt")); !os.IsNotExist(err) {
		t.Errorf("f.txt after rewinding the resumed session: %v", err)
	}
	h2.turn("something else")
	want := []wireItem{userItem("say hello"), assistantItem("hello"), userItem("something else")}
	if diff := cmp.Diff(want, inputOf(h2.request(0))); diff != "" {
		t.Errorf("request after the rewind (-want +got):\n%s", diff)
	}
}
