package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestTUIUndoRedoRewind runs the real binary in a pseudo-terminal: a turn
// edits one file and creates another; /undo restores both, /redo puts the
// turn's changes back, and Esc Esc rewinds the conversation and the files
// to before the message, which comes back in the composer.
func TestTUIUndoRedoRewind(t *testing.T) {
	t.Parallel()
	patch := `*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+two\n*** Add File: b.txt\n+new\n*** End Patch`
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "call_1", Name: "apply_patch", Arguments: `{"input": "` + patch + `"}`}),
		modeltest.Text("Edited."),
	)
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n")
	a, b := filepath.Join(fx.project, "a.txt"), filepath.Join(fx.project, "b.txt")
	if err := os.WriteFile(a, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		data, err := os.ReadFile(p)
		if err != nil {
			return "(missing)"
		}
		return string(data)
	}
	tui := startTUI(t, fx.project, fx.home, 120, 30, "-s", "workspace-write", "-a", "never")
	term, wait := tui.term, tui.wait
	wait("workspace-write")
	_ = term.Type("edit the files")
	_ = term.Press("enter")
	wait("Edited.")
	if got := read(a); got != "two\n" {
		t.Fatalf("the turn did not edit a.txt: %q", got)
	}

	_ = term.Type("/undo")
	_ = term.Press("enter")
	wait("Undid the file changes of turn 1: 2 files restored")
	if got, gotB := read(a), read(b); got != "one\n" || gotB != "(missing)" {
		t.Errorf("after /undo: a.txt %q, b.txt %q; want one and missing", got, gotB)
	}

	_ = term.Type("/redo")
	_ = term.Press("enter")
	wait("Redid the file changes of turn 1")
	if got, gotB := read(a), read(b); got != "two\n" || gotB != "new\n" {
		t.Errorf("after /redo: a.txt %q, b.txt %q", got, gotB)
	}

	_ = term.Press("esc")
	wait("Esc again to rewind")
	_ = term.Press("esc")
	wait("Rewind to before which message?")
	_ = term.Press("enter") // the only message
	wait("Conversation and files")
	_ = term.Press("enter")
	wait("Rewound: the conversation now ends before turn 1")
	if got, gotB := read(a), read(b); got != "one\n" || gotB != "(missing)" {
		t.Errorf("after the rewind: a.txt %q, b.txt %q", got, gotB)
	}
	// The composer, below the notice, holds the message again.
	if _, err := term.WaitFor(tuiTimeout, func(all string) bool {
		i := strings.LastIndex(all, "Rewound:")
		return i >= 0 && strings.Contains(all[i:], "› edit the files") && !strings.Contains(all[i:], "Rewind to before turn 1")
	}); err != nil {
		t.Errorf("the rewound message is not back in the composer: %v", err)
	}
	tui.quit()
}
