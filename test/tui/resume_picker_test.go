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
