package protocol

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUndoRoundTrip(t *testing.T) {
	t.Parallel()
	for _, msg := range []EventMsg{
		TurnCheckpoint{Turn: 2, TurnID: "3", Workspace: "/repo", Before: "a", After: "b", HistoryLen: 4, Prompt: "fix it"},
		FilesRestored{Action: "undo", Turns: []int{2, 3}, Paths: []string{"a.go"}},
		RestoreConflict{Action: "redo", Turns: []int{2}, Paths: []string{"a.go"}, Diff: "--- a/a.go\n"},
		ConversationRewound{Turn: 2, Prompt: "fix it"},
	} {
		b, err := json.Marshal(Event{Seq: 1, Msg: msg})
		if err != nil {
			t.Fatal(err)
		}
		var got Event
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(msg, got.Msg); diff != "" {
			t.Errorf("%s (-want +got):\n%s", b, diff)
		}
	}
	for _, op := range []Op{Undo{Force: true}, Redo{}, Rewind{Turn: 2, Files: true}} {
		b, err := json.Marshal(Submission{ID: "1", Op: op})
		if err != nil {
			t.Fatal(err)
		}
		var got Submission
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(op, got.Op); diff != "" {
			t.Errorf("%s (-want +got):\n%s", b, diff)
		}
	}
}
