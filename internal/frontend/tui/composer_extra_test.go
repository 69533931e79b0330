package tui

import (
	"strings"
	"testing"
	"time"
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
