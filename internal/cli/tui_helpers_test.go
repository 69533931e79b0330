package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/frontend/tui/tuitest"
)

// tuiTimeout bounds each wait for the screen in the PTY tests.
const tuiTimeout = 20 * time.Second

// tuiRun is the real kodex binary running interactively in a pseudo-terminal.
type tuiRun struct {
	t    *testing.T
	term *tuitest.Terminal
}

// startTUI starts `kodex args...` in dir with $KODEX_HOME home, a fake API
// key and no colours, on a width×height terminal.
func startTUI(t *testing.T, dir, home string, width, height int, args ...string) *tuiRun {
	t.Helper()
	kodex, err := exec.LookPath("kodex") // the test binary, linked by testscript.Main
	if err != nil {
		t.Fatalf("the kodex test command is not on PATH: %v", err)
	}
	cmd := exec.Command(kodex, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KODEX_HOME="+home, "HOME="+filepath.Dir(home),
		"OPENAI_API_KEY=sk-test", "TERM=xterm-256color", "NO_COLOR=1")
	term, err := tuitest.Start(cmd, width, height)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = term.Close() })
	return &tuiRun{t: t, term: term}
}

// wait returns everything shown once text is on the screen, or fails.
func (r *tuiRun) wait(text string) string {
	r.t.Helper()
	all, err := r.term.WaitForText(tuiTimeout, text)
	if err != nil {
		r.t.Fatalf("%v\nscreen:\n%s", err, r.term.Screen())
	}
	return all
}

// quit presses Ctrl+C twice and waits for kodex to exit.
func (r *tuiRun) quit() {
	r.t.Helper()
	// One at a time: the second only once the UI has taken the first.
	_ = r.term.Press("ctrl+c")
	r.wait("Ctrl+C again to quit")
	_ = r.term.Press("ctrl+c")
	if err := r.term.Wait(tuiTimeout); err != nil {
		r.t.Fatalf("kodex exit: %v", err)
	}
}
