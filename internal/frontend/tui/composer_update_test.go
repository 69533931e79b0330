package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// The composer's update, alone: keys in, its text and its result out.
func TestComposerUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		history  []string
		keys     []string
		want     tea.Msg
		wantText string
	}{
		{"typing edits", nil, []string{"h", "i"}, edited{}, "hi"},
		{"backspace edits", nil, []string{"h", "i", "backspace"}, edited{}, "h"},
		{"enter asks to submit", nil, []string{"h", "enter"}, submitAsked{}, "h"},
		{"shift+enter is a newline", nil, []string{"a", "shift+enter", "b"}, edited{}, "a\nb"},
		{"? on an empty composer opens the help", nil, []string{"?"}, openOverlay{&helpOverlay{}}, ""},
		{"? in text is text", nil, []string{"a", "?"}, edited{}, "a?"},
		{"tab does nothing", nil, []string{"a", "tab"}, nil, "a"},
		{"ctrl+g asks for the editor", nil, []string{"ctrl+g"}, editorAsked{}, ""},
		{"ctrl+v asks for the clipboard's image", nil, []string{"ctrl+v"}, imagePasteAsked{}, ""},
		{"up recalls the newest prompt", []string{"one", "two"}, []string{"up"}, nil, "two"},
		{"up up recalls an older one", []string{"one", "two"}, []string{"up", "up"}, nil, "one"},
		{"down returns to the draft", []string{"one", "two"}, []string{"up", "down"}, nil, ""},
		{"up in typed text moves the cursor", []string{"one"}, []string{"a", "up"}, nil, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := composer{prompts: &promptHistory{}}
			for _, p := range tt.history {
				c.prompts.add(p, time.Time{})
			}
			var got tea.Msg
			for _, k := range tt.keys {
				got = c.update(keyMsg(k), 80)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(openOverlay{}, helpOverlay{})); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantText, c.value()); diff != "" {
				t.Errorf("text mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Ctrl+R opens the history search over the composer's history.
func TestComposerHistorySearchKey(t *testing.T) {
	t.Parallel()
	c := composer{prompts: &promptHistory{entries: []string{"fix it"}}}
	o, ok := c.update(keyMsg("ctrl+r"), 80).(openOverlay)
	if !ok {
		t.Fatalf("ctrl+r does not open an overlay")
	}
	if s, ok := o.o.(*historySearch); !ok || s.text != "fix it" {
		t.Errorf("ctrl+r opened %#v, want the history search at the newest entry", o.o)
	}
}

// Pastes: a small one is text, a large one a placeholder expanded on
// submit, an image's path an attachment; take empties the composer into
// the message.
func TestComposerPasteAndTake(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shot.png"), []byte("png"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("line\n", 12)
	c := composer{prompts: &promptHistory{}}
	if got := c.paste("see ", dir); got != (edited{}) {
		t.Errorf("a small paste gave %#v, want edited", got)
	}
	if got := c.paste(big, dir); got != nil {
		t.Errorf("a large paste gave %#v, want nil", got)
	}
	if got := c.paste("shot.png", dir); got != nil {
		t.Errorf("an image path gave %#v, want nil", got)
	}
	if want := "see [Pasted text #1 +12 lines][image shot.png]"; c.value() != want {
		t.Errorf("composer = %q, want %q", c.value(), want)
	}
	text, images := c.take(time.Time{})
	if want := "see " + strings.TrimSpace(big); text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	if diff := cmp.Diff([]string{filepath.Join(dir, "shot.png")}, images); diff != "" {
		t.Errorf("images mismatch (-want +got):\n%s", diff)
	}
	if !c.empty() || c.pastes != nil || c.images != nil {
		t.Errorf("take left %q, %v, %v", c.value(), c.pastes, c.images)
	}
	if diff := cmp.Diff([]string{"see [Pasted text #1 +12 lines][image shot.png]"}, c.prompts.entries); diff != "" {
		t.Errorf("history mismatch (-want +got):\n%s", diff)
	}

	// An image whose chip was deleted is not sent.
	c.attachImage(filepath.Join(dir, "shot.png"))
	c.update(keyMsg("backspace"), 80)
	if _, images := c.take(time.Time{}); len(images) != 0 {
		t.Errorf("a deleted chip's image is sent: %v", images)
	}
}

// The composer as it is drawn: the placeholder, and text that wraps.
func TestComposerGolden(t *testing.T) {
	t.Parallel()
	var frames []string
	c := composer{prompts: &promptHistory{}}
	for _, running := range []bool{false, true} {
		rows, crow, ccol := c.view(40, running)
		frames = append(frames, fmt.Sprintf("%s\n(cursor %d,%d)", strings.Join(rows, "\n"), crow, ccol))
	}
	c.paste("Fix the flaky test in internal/sse, please: it fails one run in ten.\nThanks", "")
	c.update(keyMsg("up"), 40)
	rows, crow, ccol := c.view(40, false)
	frames = append(frames, fmt.Sprintf("%s\n(cursor %d,%d)", strings.Join(rows, "\n"), crow, ccol))
	golden(t, "composer", ansi.Strip(strings.Join(frames, "\n---\n")))
}
