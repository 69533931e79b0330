package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestTUIApprovalsThenWrite runs the real binary in a pseudo-terminal: a
// project recorded as untrusted starts in suggest (read-only), without the
// trust question; after /approvals → auto-edit the model's `touch x` runs
// without asking and really writes x. The UI sends only the mode; the
// session resolves it with the cwd as a writable root (before, the UI sent
// a policy without roots and the command ran read-only).
func TestTUIApprovalsThenWrite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "call_1", Name: "shell", Arguments: `{"command": ["touch", "x"]}`}),
		modeltest.Text("Created the file."),
	)
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"untrusted\"\n")
	tui := startTUI(t, fx.project, fx.home, 120, 30)
	term, wait := tui.term, tui.wait
	wait("suggest · read-only")
	if strings.Contains(term.Screen(), "Do you trust") {
		t.Fatalf("asked the trust question again:\n%s", term.Screen())
	}
	_ = term.Type("/approvals")
	_ = term.Press("enter")
	wait("What may kodex do without asking?")
	_ = term.Press("down", "enter") // auto-edit
	wait("auto-edit · workspace-write")
	_ = term.Type("create x")
	_ = term.Press("enter")
	all := wait("Created the file.")
	if _, err := os.Stat(filepath.Join(fx.project, "x")); err != nil {
		t.Errorf("the command did not write x: %v\nterminal:\n%s", err, all)
	}
	if reqs := srv.Requests(); len(reqs) != 2 || !strings.Contains(reqs[1].LastToolOutput(), `"exit_code":0`) {
		t.Errorf("the model was not told the command succeeded: %d requests", len(reqs))
	}
	tui.quit()
}
