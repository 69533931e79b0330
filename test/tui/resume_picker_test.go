package tui_test

import (
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// `kodex resume` with no session opens the picker of this directory's
// sessions; choosing one replays it and continues it.
func TestResumeWithoutIDPicks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, modeltest.Text("First answer."), modeltest.Text("Second answer."))
	term, _ := e.start()
	prompt(t, term, "the first question")
	wait(t, term, "First answer.")
	turnEnded(t, term)
	quit(t, term)

	term, _ = e.start("resume")
	screen := waitScreen(t, term, "Resume a session in this directory")
	if !strings.Contains(screen, "the first question") {
		t.Fatalf("the picker does not list the recorded session:\n%s", screen)
	}
	must(t, term.Press("enter"))
	wait(t, term, "First answer.") // replayed
	waitScreen(t, term, composerHint)
	prompt(t, term, "and a second one")
	wait(t, term, "Second answer.")
	reqs := e.srv.Requests()
	if len(reqs) != 2 || !strings.Contains(string(reqs[1].Raw), "the first question") {
		t.Errorf("the resumed session's request lacks the earlier conversation")
	}
}

// Resume replays the whole transcript: commands with their output, edits,
// an interrupted turn, and the token count in the status line.
func TestResumeReplaysTheTranscript(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true,
		modeltest.Response{Text: "Listing.", Calls: []modeltest.Call{modeltest.FunctionCall("shell", shellArgs("sh", "-c", "echo replay-me"))}},
		modeltest.Text("Listed."),
		modeltest.Calls(modeltest.FunctionCall("apply_patch", patchArgs())),
		modeltest.Text("Added x.txt."),
		modeltest.Calls(modeltest.FunctionCall("shell", shellArgs("sleep", "30"))),
	)
	term, _ := e.start("-a", "never")
	prompt(t, term, "list it")
	wait(t, term, "Listed.")
	turnEnded(t, term)
	prompt(t, term, "add x")
	wait(t, term, "Added x.txt.")
	turnEnded(t, term)
	prompt(t, term, "wait a while")
	waitScreen(t, term, "sleep 30")
	must(t, term.Press("esc"))
	waitScreen(t, term, "Interrupted.")
	turnEnded(t, term)
	quit(t, term)

	term, _ = e.start("resume", "--last")
	waitScreen(t, term, composerHint)
	all := wait(t, term, "Interrupted.")
	for _, want := range []string{"› list it", "Ran echo replay-me", "replay-me", "Edited 1 file", "1 + hi", "Added x.txt.", "sleep 30", "Interrupted."} {
		if !strings.Contains(all, want) {
			t.Errorf("the resumed transcript lacks %q:\n%s", want, all)
		}
	}
	if screen := term.Screen(); !strings.Contains(screen, " tokens") {
		t.Errorf("the status line has no token count after resume:\n%s", screen)
	}
	quit(t, term)
}
