package tui

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

func TestHistorySearch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	for _, p := range []string{"fix the flaky test", "write the docs", "fix the build\nand more", "run lint"} {
		h.m.composer.prompts.add(p, time.Now())
	}
	h.typeText("draft")
	h.key("ctrl+r")
	if f := h.frame(); !strings.Contains(f, "run lint") {
		t.Errorf("ctrl+r does not start at the newest entry:\n%s", f)
	}
	h.typeText("fix")
	if f := h.frame(); !strings.Contains(f, "fix the build …") {
		t.Errorf("the newest match is not shown (first line, …):\n%s", f)
	}
	h.key("ctrl+r")
	if f := h.frame(); !strings.Contains(f, "fix the flaky test") {
		t.Errorf("ctrl+r again does not go to the older match:\n%s", f)
	}
	h.key("ctrl+r") // no older match: stays
	h.key("enter")
	if got := h.m.composer.value(); got != "fix the flaky test" {
		t.Errorf("composer = %q, want the match", got)
	}

	h.key("ctrl+c")
	h.typeText("keep me")
	h.key("ctrl+r")
	h.typeText("zzz")
	if f := h.frame(); !strings.Contains(f, "no match") {
		t.Errorf("no 'no match':\n%s", f)
	}
	h.key("esc")
	if got := h.m.composer.value(); got != "keep me" || h.m.overlay != nil {
		t.Errorf("esc did not leave the composer as it was: %q", got)
	}
}

func TestEditorWithoutOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("draft")
	if cmd := h.key("ctrl+g"); cmd != nil {
		t.Fatalf("ctrl+g ran something without an editor")
	}
	if f := h.frame(); !strings.Contains(f, "$VISUAL or $EDITOR") {
		t.Errorf("no hint how to set an editor:\n%s", f)
	}
}

func TestEditorDone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Editor: "myeditor --wait"})
	h.typeText("draft")
	h.send(editorDoneMsg{text: "draft\nwith a second line"})
	if got := h.m.composer.value(); got != "draft\nwith a second line" {
		t.Errorf("composer = %q", got)
	}
}

// What the clipboard and the editor return, as the composer takes it.
func TestComposerTakesResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		feed      func(c *composer) tea.Msg
		want      tea.Msg
		wantValue string
	}{
		{"an image is attached", func(c *composer) tea.Msg { return c.pasted(imagePasted{path: "/tmp/kodex-7.png"}) }, nil, "hi [image kodex-7.png]"},
		{"no image is a hint", func(c *composer) tea.Msg { return c.pasted(imagePasted{err: ErrNoClipboardImage}) }, setHint{"no image in the clipboard"}, "hi "},
		{"the editor's text replaces", func(c *composer) tea.Msg { return c.editorDone(editorDoneMsg{text: "new\ntext"}, "vi") }, edited{}, "new\ntext"},
		{"an editor's exit status", func(c *composer) tea.Msg {
			return c.editorDone(editorDoneMsg{err: &exec.ExitError{}}, "vi")
		}, showNotice{noticeWarning, "The editor exited with status -1; the message is unchanged.", ""}, "hi "},
		{"an editor that does not run", func(c *composer) tea.Msg {
			return c.editorDone(editorDoneMsg{err: errors.New("not found")}, "/usr/bin/myed --wait")
		}, showNotice{noticeError, "Could not run the editor (myed): not found", "Set $VISUAL or $EDITOR to an editor that waits until the file is closed (e.g. \"code --wait\")."}, "hi "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &composer{prompts: &promptHistory{}}
			c.setValue("hi ")
			got := tt.feed(c)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(setHint{}, showNotice{})); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
			if v := c.value(); v != tt.wantValue {
				t.Errorf("composer = %q, want %q", v, tt.wantValue)
			}
		})
	}
}

// Quitting waits for the session's confirmation, and quits without it when
// the shutdown times out.
func TestShutdownTimesOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	if cmd := h.key("ctrl+d"); cmd == nil || !h.m.quitting || h.m.exited {
		t.Fatalf("ctrl+d: quitting %v, exited %v, cmd %v", h.m.quitting, h.m.exited, cmd != nil)
	}
	h.send(later{shutdownTimedOut{}})
	if !h.m.exited {
		t.Errorf("the shutdown timed out and the UI did not quit")
	}
}
