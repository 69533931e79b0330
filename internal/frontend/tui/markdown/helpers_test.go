package markdown

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// plain strips every escape sequence (SGR and OSC 8) from rendered output.
func plain(s string) string { return ansi.Strip(s) }

// visible makes escape sequences readable in golden files and failure
// messages: ESC becomes ␛ and BEL becomes ␇.
func visible(s string) string {
	return strings.NewReplacer("\x1b", "␛", "\a", "␇").Replace(s)
}

// safeRender renders src and turns a panic into an error, so one crashing
// case does not take the whole test binary down.
func safeRender(src string, width int) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("Render(%q, %d) panicked: %v\n%s", src, width, p, debug.Stack())
		}
	}()
	return Render(src, width), nil
}

// mustRender renders src, failing the test (not crashing) on a panic.
func mustRender(t *testing.T, src string, width int) string {
	t.Helper()
	out, err := safeRender(src, width)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// overWide returns the lines of out whose display width exceeds width.
func overWide(out string, width int) []string {
	var bad []string
	for _, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > width {
			bad = append(bad, fmt.Sprintf("%d cols: %q", w, plain(l)))
		}
	}
	return bad
}

// plainLines returns the ANSI-stripped lines of out with trailing spaces
// removed.
func plainLines(out string) []string {
	lines := strings.Split(plain(out), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}
