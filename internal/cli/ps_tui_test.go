package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestTUIEscEndsLiveProcesses runs the real binary in a pseudo-terminal: a
// process the model starts with exec_command keeps running after the turn,
// shown live with its output; Esc ends it (and every other), and nothing of
// it survives.
func TestTUIEscEndsLiveProcesses(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Response{Calls: []modeltest.Call{{Name: "exec_command", CallID: "bg", Arguments: `{"cmd": "echo bg-ready; sleep 6217.25", "tty": true, "login": false, "yield_time_ms": 500}`}}},
		modeltest.Response{Text: "Started it."})
	dir := t.TempDir()
	home := filepath.Join(dir, "home", ".kodex")
	project := filepath.Join(dir, "project")
	for _, d := range []string{home, filepath.Join(project, ".git")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg := "openai_base_url = \"" + srv.URL() + "\"\n[projects.\"" + project + "\"]\ntrust_level = \"trusted\"\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tui := startTUI(t, project, home, 100, 24, "-m", "gpt-5.5", "--full-auto")
	tui.wait("Ask kodex")
	_ = tui.term.Type("start the watcher")
	_ = tui.term.Press("enter")
	tui.wait("Started it.")
	tui.wait("process ")
	tui.wait("bg-ready")
	if err := exec.Command("pgrep", "-f", "sleep 6217.25").Run(); err != nil {
		t.Fatalf("the process is not running after its turn: %v\nscreen:\n%s", err, tui.term.Screen())
	}
	_ = tui.term.Press("esc")
	tui.wait("Ran echo bg-ready; sleep 6217.25")
	if err := exec.Command("pgrep", "-f", "sleep 6217.25").Run(); err == nil {
		t.Errorf("the process survives Esc\nscreen:\n%s", tui.term.Screen())
	}
	tui.quit()
}
