package session

import (
	"context"
	"testing"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// A turn compacted away is not offered, and not rewound to; one still in
// the conversation is, as a fork that ends before its message and leaves
// the original alone.
func TestRewindFork(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	rec, err := rollout.Create(rollout.Options{Home: home, Cwd: "/w", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	answer := func(s string) model.Item {
		return model.Item{Type: model.ItemMessage, Role: model.RoleAssistant, Content: []model.ContentPart{{Type: model.PartOutputText, Text: s}}}
	}
	turn := func(n, at int, prompt string) {
		t.Helper()
		if err := rec.AppendItems(model.UserText(prompt), answer("ok "+prompt)); err != nil {
			t.Fatal(err)
		}
		if err := rec.AppendEvent(protocol.Event{Msg: protocol.TurnCheckpoint{Turn: n, Workspace: "/w", Before: "a", After: "a", HistoryLen: at, Prompt: prompt}}); err != nil {
			t.Fatal(err)
		}
	}
	turn(1, 0, "one")
	if err := rec.AppendCompacted(rollout.Compacted{History: []model.Item{model.UserText("summary")}}); err != nil {
		t.Fatal(err)
	}
	turn(2, 1, "two")
	turn(3, 3, "three")
	path := rec.Path()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	turns, err := RewindableTurns(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 2 || turns[0].Turn != 2 || turns[1].Turn != 3 {
		t.Fatalf("rewindable turns: %+v", turns)
	}
	if _, err := RewindFork(ctx, RewindOptions{Home: home, Path: path, Turn: 1}); err == nil {
		t.Fatal("rewound to a turn compacted away")
	}
	res, err := RewindFork(ctx, RewindOptions{Home: home, Path: path, Turn: 3})
	if err != nil {
		t.Fatal(err)
	}
	fork, err := rollout.Load(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fork.Meta.ForkedFrom == "" || len(fork.History) != 3 || fork.History[2].Text() != "ok two" {
		t.Errorf("the fork: from %q, history %+v", fork.Meta.ForkedFrom, fork.History)
	}
	orig, err := rollout.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(orig.History) != 5 {
		t.Errorf("the original's history changed: %d items", len(orig.History))
	}
}
