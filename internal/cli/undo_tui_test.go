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

// TestTUIResumeAfterRewind: a session rewound and resumed offers each of
// its messages once in the rewind picker (the log's checkpoints are not
// added to the session's own list), and opens with an empty composer (the
// rewound message was sent long ago, not a draft to offer again).
func TestTUIResumeAfterRewind(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Text("first answer."),
		modeltest.Text("second answer."),
		modeltest.Text("edited answer."),
	)
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n")
	run := startTUI(t, fx.project, fx.home, 100, 30, "-a", "never")
	run.wait("Ask kodex")
	for _, q := range []struct{ msg, answer string }{{"msg one", "first answer."}, {"msg two", "second answer."}} {
		_ = run.term.Type(q.msg)
		_ = run.term.Press("enter")
		run.wait(q.answer)
	}
	_ = run.term.Press("esc")
	run.wait("Esc again to rewind")
	_ = run.term.Press("esc")
	run.wait("Rewind to before which message?")
	_ = run.term.Press("enter") // the newest: msg two (no file changed: nothing more to ask)
	run.wait("Rewound: the conversation now ends before turn 2")
	if _, err := run.term.WaitFor(tuiTimeout, func(all string) bool {
		i := strings.LastIndex(all, "Rewound:")
		return i >= 0 && strings.Contains(all[i:], "› msg two")
	}); err != nil {
		t.Fatalf("the rewound message is not in the composer: %v", err)
	}
	_ = run.term.Type(" edited")
	_ = run.term.Press("enter")
	run.wait("edited answer.")
	run.quit()

	again := startTUI(t, fx.project, fx.home, 100, 30, "-a", "never", "resume", "--last")
	again.wait("edited answer.")
	if screen := again.term.Screen(); !strings.Contains(screen, "› Ask kodex") {
		t.Errorf("the resumed session does not open with an empty composer:\n%s", screen)
	}
	_ = again.term.Press("esc")
	again.wait("Esc again to rewind")
	_ = again.term.Press("esc")
	again.wait("Rewind to before which message?")
	screen := again.term.Screen()
	for _, msg := range []string{"msg one", "msg two edited"} {
		if n := strings.Count(screen[strings.Index(screen, "Rewind to before"):], msg); n != 1 {
			t.Errorf("the rewind picker lists %q %d times, want once:\n%s", msg, n, screen)
		}
	}
	_ = again.term.Press("esc")
	if _, err := again.term.WaitFor(tuiTimeout, func(string) bool { return !strings.Contains(again.term.Screen(), "Rewind to before") }); err != nil {
		t.Fatalf("Esc does not close the rewind picker: %v", err)
	}
	again.quit()
}
