package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/frontend/tui/tuitest"
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
	kodex, err := exec.LookPath("kodex") // the test binary, linked by testscript.Main
	if err != nil {
		t.Fatalf("the kodex test command is not on PATH: %v", err)
	}
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.Call{CallID: "call_1", Name: "shell", Arguments: `{"command": ["touch", "x"]}`}),
		modeltest.Text("Created the file."),
	)
	fx := newPolicyFixture(t, "openai_base_url = \""+srv.URL()+"\"\n\n[projects.\"{project}\"]\ntrust_level = \"untrusted\"\n")
	cmd := exec.Command(kodex)
	cmd.Dir = fx.project
	cmd.Env = append(os.Environ(), "KODEX_HOME="+fx.home, "HOME="+filepath.Dir(fx.home),
		"OPENAI_API_KEY=sk-test", "TERM=xterm-256color", "NO_COLOR=1")
	term, err := tuitest.Start(cmd, 120, 30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = term.Close() })
	const timeout = 20 * time.Second
	wait := func(text string) string {
		t.Helper()
		all, err := term.WaitForText(timeout, text)
		if err != nil {
			t.Fatalf("%v\nscreen:\n%s", err, term.Screen())
		}
		return all
	}

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
	_ = term.Press("ctrl+c", "ctrl+c")
	if err := term.Wait(timeout); err != nil {
		t.Fatalf("kodex exit: %v", err)
	}
}
