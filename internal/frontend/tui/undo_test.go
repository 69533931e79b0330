package tui

import (
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func checkpoints() []protocol.EventMsg {
	return []protocol.EventMsg{
		protocol.TurnCheckpoint{Turn: 1, TurnID: "1", Before: "a", After: "b", Prompt: "write the parser"},
		protocol.TurnCheckpoint{Turn: 2, TurnID: "2", Before: "b", After: "b", Prompt: "explain it"},
	}
}

// /undo and /redo submit their ops; what the session restored is said.
func TestUndoRedoCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(checkpoints()...)
	h.typeText("/undo")
	h.key("enter")
	wantOps(t, h.sink, protocol.Undo{})
	h.events(protocol.FilesRestored{Action: "undo", Turns: []int{1, 2}, Paths: []string{"parser.go", "parser_test.go"}})
	if sb := h.scrollback(); !strings.Contains(sb, "Undid the file changes of turn 1: 2 files restored (parser.go,") {
		t.Errorf("no undo notice:\n%s", sb)
	}
	h.typeText("/redo")
	h.key("enter")
	wantOps(t, h.sink, protocol.Redo{})
	// Nothing to put back: said so, not "0 files restored".
	h.events(protocol.FilesRestored{Action: "redo", Turns: []int{2}})
	if sb := h.scrollback(); !strings.Contains(sb, "Redid the file changes of turn 2: the files were as they should be already") {
		t.Errorf("no notice of an empty redo:\n%s", sb)
	}
}

// A conflict shows the user's changes and asks; No restores nothing, Yes
// submits the op again with Force.
func TestUndoConflictAsks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	conflict := protocol.RestoreConflict{Action: "undo", Turns: []int{1}, Paths: []string{"parser.go"}, Diff: "--- a/parser.go (as the turn left it)\n+++ b/parser.go (now)\n@@ -1 +1 @@\n-model\n+mine\n"}
	h.events(conflict)
	if sb := h.scrollback(); !strings.Contains(sb, "+mine") || !strings.Contains(sb, "Nothing restored: 1 file was changed since") {
		t.Errorf("the conflict is not shown:\n%s", sb)
	}
	if f := h.frame(); !strings.Contains(f, "Undo anyway, overwriting those changes?") {
		t.Fatalf("no question:\n%s", f)
	}
	h.key("enter") // the first choice: keep them
	wantOps(t, h.sink)

	h.events(conflict)
	h.key("down")
	h.key("enter")
	wantOps(t, h.sink, protocol.Undo{Force: true})
}

// A rewind's conflict offers the conversation alone (the user's changes
// kept), both (overwritten), or nothing; the diff is of the changes since
// the last turn rewound over.
func TestRewindConflictAsks(t *testing.T) {
	t.Parallel()
	// Turn 3's changes were undone already: the files go back over 4 and
	// 5, the conversation to before 3.
	conflict := protocol.RestoreConflict{Action: "rewind", Turns: []int{4, 5}, Paths: []string{"x.go"}, Diff: "-a\n+b\n", Rewind: 3}
	for _, tt := range []struct {
		downs int
		want  []protocol.Op
	}{
		{0, []protocol.Op{protocol.Rewind{Turn: 3}}},
		{1, []protocol.Op{protocol.Rewind{Turn: 3, Files: true, Force: true}}},
		{2, nil},
	} {
		h := newHarness(t, Options{})
		h.events(conflict)
		if sb := h.scrollback(); !strings.Contains(sb, "Changed since turn 5") {
			t.Errorf("the diff's title:\n%s", sb)
		}
		if f := h.frame(); !strings.Contains(f, "Conversation only, keep my changes") || !strings.Contains(f, "Cancel") {
			t.Fatalf("the question:\n%s", f)
		}
		for range tt.downs {
			h.key("down")
		}
		h.key("enter")
		wantOps(t, h.sink, tt.want...)
	}
}

// /rewind lists the earlier messages, newest first; the choice and whether
// the files go too become a Rewind op, and the rewound message comes back
// in the composer to be edited.
func TestRewindPicker(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("/rewind")
	h.key("enter")
	if sb := h.scrollback(); !strings.Contains(sb, "No earlier message to rewind to") {
		t.Errorf("an empty session opened the picker:\n%s", sb)
	}
	h.events(checkpoints()...)
	h.typeText("/rewind")
	h.key("enter")
	f := h.frame()
	if !strings.Contains(f, "Rewind to before which message?") || strings.Index(f, "explain it") > strings.Index(f, "write the parser") {
		t.Fatalf("picker (newest first):\n%s", f)
	}
	h.key("down") // turn 1
	h.key("enter")
	if f := h.frame(); !strings.Contains(f, "Conversation and files") {
		t.Fatalf("no files question:\n%s", f)
	}
	h.key("enter")
	wantOps(t, h.sink, protocol.Rewind{Turn: 1, Files: true})
	h.events(protocol.FilesRestored{Action: "rewind", Turns: []int{1, 2}, Paths: []string{"parser.go"}},
		protocol.ConversationRewound{Turn: 1, Prompt: "write the parser"})
	if got := h.m.composer.value(); got != "write the parser" {
		t.Errorf("composer = %q, want the rewound message", got)
	}
	if sb := h.scrollback(); !strings.Contains(sb, "Rewound: the conversation now ends before turn 1") {
		t.Errorf("no rewind notice:\n%s", sb)
	}
	if len(h.m.undo.turns) != 0 {
		t.Errorf("rewound turns still offered: %v", h.m.undo.turns)
	}
}

// Esc Esc on an empty composer opens the rewind picker, as in Codex; a
// single Esc only says so, and Esc with text in the composer does not.
func TestEscEscRewinds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(checkpoints()...)
	h.key("esc")
	if h.m.overlay != nil {
		t.Fatal("one Esc opened an overlay")
	}
	if f := h.frame(); !strings.Contains(f, "Esc again to rewind") {
		t.Errorf("no hint after one Esc:\n%s", f)
	}
	h.key("esc")
	if f := h.frame(); !strings.Contains(f, "Rewind to before which message?") {
		t.Fatalf("Esc Esc did not open the picker:\n%s", f)
	}
	h.key("esc") // closes it
	h.typeText("draft")
	h.key("esc")
	h.key("esc")
	if h.m.overlay != nil {
		t.Error("Esc Esc with a draft opened the picker")
	}
}

type replayingSession struct {
	*fakeSession
	items []protocol.EventMsg
}

func (r replayingSession) Replay() []protocol.EventMsg { return r.items }

// A resumed session's earlier messages can be rewound to: its replay
// carries their checkpoints; a swap to another session forgets them.
func TestRewindResumed(t *testing.T) {
	t.Parallel()
	s := replayingSession{newFakeSession(), append([]protocol.EventMsg{UserMessage{Text: "write the parser"}}, checkpoints()...)}
	h := newHarness(t, Options{Session: s, NewSession: func() (Session, error) { return newFakeSession(), nil }})
	h.typeText("/rewind")
	h.key("enter")
	if f := h.frame(); !strings.Contains(f, "write the parser") {
		t.Fatalf("the resumed session's message is not offered:\n%s", f)
	}
	h.key("esc")
	h.typeText("/new")
	h.run(h.key("enter"))
	if len(h.m.undo.turns) != 0 {
		t.Errorf("the old session's turns are still offered after /new: %v", h.m.undo.turns)
	}
}
