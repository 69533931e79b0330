package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestTUINotifiesWhenUnfocused runs the real binary in a pseudo-terminal
// with tui.notifications on: it asks the terminal for focus reports, and
// after the terminal reports losing the focus, the end of a turn sends an
// OSC 9 notification with the answer's first line.
func TestTUINotifiesWhenUnfocused(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	srv := modeltest.New(t, modeltest.Text("All done.\nMore detail."))
	dir := t.TempDir()
	home := filepath.Join(dir, "home", ".kodex")
	project := filepath.Join(dir, "project")
	for _, d := range []string{home, filepath.Join(project, ".git")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cfg := "openai_base_url = \"" + srv.URL() + "\"\n[tui]\nnotifications = true\n[projects.\"" + project + "\"]\ntrust_level = \"trusted\"\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tui := startTUI(t, project, home, 100, 24)
	tui.wait("Ask kodex")
	if err := tui.term.WaitForRaw(tuiTimeout, "\x1b[?1004h"); err != nil {
		t.Fatalf("focus reporting not enabled: %v", err)
	}
	_ = tui.term.Type("\x1b[O") // the terminal lost the focus
	_ = tui.term.Type("finish the job")
	_ = tui.term.Press("enter")
	tui.wait("More detail.")
	if err := tui.term.WaitForRaw(tuiTimeout, "\x1b]9;kodex: All done.\x07"); err != nil {
		t.Errorf("no notification: %v\nraw tail: %q", err, tail(tui.term.Raw(), 400))
	}
	if n := strings.Count(tui.term.Raw(), "\x1b]9;"); n != 1 {
		t.Errorf("%d notifications, want 1", n)
	}
	tui.quit()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
