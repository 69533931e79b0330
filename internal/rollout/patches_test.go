package rollout

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestPatches(t *testing.T) {
	t.Parallel()
	r, err := Create(Options{Home: t.TempDir(), Cwd: "/repo", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	ok1 := protocol.PatchApplyEnd{CallID: "p1", Success: true, Output: "A a.txt",
		Changes: []protocol.FileChange{{Path: "/repo/a.txt", Kind: protocol.ChangeAdd, UnifiedDiff: "@@ -0,0 +1 @@\n+a\n"}}}
	failed := protocol.PatchApplyEnd{CallID: "p2", Success: false, Output: "no such file",
		Changes: []protocol.FileChange{{Path: "/repo/b.txt", Kind: protocol.ChangeUpdate}}}
	ok2 := protocol.PatchApplyEnd{CallID: "p3", Success: true, Output: "M a.txt",
		Changes: []protocol.FileChange{{Path: "/repo/a.txt", Kind: protocol.ChangeUpdate, UnifiedDiff: "@@ -1 +1 @@\n-a\n+b\n"}}}
	for _, msg := range []protocol.EventMsg{
		protocol.TurnStarted{TurnID: "1"}, ok1,
		protocol.AgentMessage{Text: `"msg":{"type":"patch_apply_end"`}, failed, ok2,
		protocol.TurnComplete{TurnID: "1"},
	} {
		if err := r.AppendEvent(protocol.Event{Msg: msg}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	meta, got, err := Patches(r.Path())
	if err != nil {
		t.Fatal(err)
	}
	if meta.ID != r.ID() || meta.Cwd != "/repo" {
		t.Errorf("meta = %+v", meta)
	}
	if diff := cmp.Diff([]protocol.PatchApplyEnd{ok1, ok2}, got); diff != "" {
		t.Errorf("patches mismatch (-want +got):\n%s", diff)
	}
}
