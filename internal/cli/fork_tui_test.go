package cli

import (
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// kodex fork opens the UI on the copy with the transcript it copied (its
// commands too), then says what the session is, as /fork does.
func TestTUIForkSaysWhatItIs(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell", `{"command":["echo","from-the-parent"]}`)),
		modeltest.Text("first answer."))
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"trusted\"\n")
	run := startTUI(t, fx.project, fx.home, 100, 30, "-a", "never", "a question")
	run.wait("first answer.")
	run.quit()

	fork := startTUI(t, fx.project, fx.home, 100, 30, "-a", "never", "fork", "--last")
	all := fork.wait("the original is kept as it was")
	answer, note := strings.Index(all, "first answer."), strings.Index(all, "Forked from session ")
	if answer < 0 || note < answer {
		t.Errorf("want the copied conversation, then the note:\n%s", all)
	}
	if !strings.Contains(all, "Ran echo from-the-parent") {
		t.Errorf("the fork does not replay the copied command:\n%s", all)
	}
	fork.quit()
}
