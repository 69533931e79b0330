package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/frontend/tui/tuitest"
)

// TestTUISaysMissingKeyAtStart: with no API key for the provider, the UI
// says so when it starts, with the fix, not after the first prompt fails.
func TestTUISaysMissingKeyAtStart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	kodex, err := exec.LookPath("kodex") // the test binary, linked by testscript.Main
	if err != nil {
		t.Fatalf("the kodex test command is not on PATH: %v", err)
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home", ".kodex")
	project := filepath.Join(dir, "project")
	for _, d := range []string{home, filepath.Join(project, ".git")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(kodex)
	cmd.Dir = project
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENAI_API_KEY=") && !strings.HasPrefix(kv, "KODEX_API_KEY=") && !strings.HasPrefix(kv, "CODEX_API_KEY=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "KODEX_HOME="+home, "HOME="+filepath.Dir(home), "TERM=xterm-256color", "NO_COLOR=1")
	term, err := tuitest.Start(cmd, 120, 30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = term.Close() })
	// A warning under the header, wrapped by the UI (the cell's last
	// words, then the whole of it once joined).
	all, err := term.WaitForText(tuiTimeout, "--oss.")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(strings.Fields(all), " ")
	if !strings.Contains(joined, "No API key for openai") || !strings.Contains(joined, "kodex login --with-api-key") || !strings.Contains(all, "⚠") {
		t.Errorf("no missing-key warning at start:\n%s", all)
	}
	// The trust question is up (the project is new): one Ctrl+C quits. A
	// second would reach a terminal kodex has already given back.
	_ = term.Press("ctrl+c")
	if err := term.Wait(tuiTimeout); err != nil {
		t.Fatalf("kodex exit: %v", err)
	}
}
