package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestHeaderOpensTheTranscript(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Version: "1.2.3", Cwd: "/home/me/src/app", Home: "/home/me",
		Status: StatusInfo{Model: "gpt-5", ReasoningEffort: "high", ApprovalPreset: "auto-edit", SandboxMode: "workspace-write"}})
	sb := h.scrollback()
	for _, want := range []string{">_ kodex (1.2.3)", "model:     gpt-5 high", "directory: ~/src/app", "approvals: auto-edit · sandbox workspace-write", "? for shortcuts"} {
		if !strings.Contains(sb, want) {
			t.Errorf("header lacks %q:\n%s", want, sb)
		}
	}
	if !strings.HasPrefix(sb, "╭") {
		t.Errorf("the transcript does not start with the header (no blank row before it):\n%q", sb)
	}
}

func TestTildeHome(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ path, home, want string }{
		{"/home/me/src", "/home/me", "~/src"},
		{"/home/me", "/home/me", "~"},
		{"/home/meow/src", "/home/me", "/home/meow/src"},
		{"/src", "", "/src"},
		{"/src", "/", "/src"},
	} {
		if got := tildeHome(c.path, c.home); got != c.want {
			t.Errorf("tildeHome(%q, %q) = %q, want %q", c.path, c.home, got, c.want)
		}
	}
}

func TestHelpOverlay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.send(tea.WindowSizeMsg{Width: 80, Height: 30})
	h.key("?")
	f := h.frame()
	for _, want := range []string{"Keys", "ctrl+t", "expand or collapse reasoning", "esc esc", "any key to close"} {
		if !strings.Contains(f, want) {
			t.Errorf("help lacks %q:\n%s", want, f)
		}
	}
	h.key("x")
	if f := h.frame(); strings.Contains(f, "any key to close") || strings.Contains(f, "x") && strings.Contains(f, "› x") {
		t.Errorf("a key did not just close the help:\n%s", f)
	}
	h.typeText("why?")
	if f := h.frame(); !strings.Contains(f, "› why?") || strings.Contains(f, "Keys") {
		t.Errorf("? in a non-empty composer is not typed:\n%s", f)
	}
}

func TestPasteLines(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want int
	}{{"", 0}, {"a", 1}, {"a\n", 1}, {"a\nb", 2}, {"a\nb\n", 2}, {"a\n\n", 2}, {"\n", 1}} {
		if got := pasteLines(c.text); got != c.want {
			t.Errorf("pasteLines(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}
