package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestPopupSaysNoMatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.typeText("/zzqx")
	if f := h.frame(); !strings.Contains(f, "no match") {
		t.Errorf("no 'no match' for an unknown command:\n%s", f)
	}
	h.key("tab") // nothing to complete: the composer keeps what was typed
	if got := h.m.composer.value(); got != "/zzqx" {
		t.Errorf("composer = %q after tab on no match", got)
	}

	h = newHarness(t, Options{})
	h.m.src.files = &fileIndex{files: []string{"README.md", "main.go"}, loadedAt: h.clock.now()}
	h.typeText("see @qqqq")
	if f := h.frame(); !strings.Contains(f, "no match") {
		t.Errorf("no 'no match' for an unknown file:\n%s", f)
	}
}

// A new @ reloads an index older than fileIndexTTL in the background, so
// files created after start-up are found; names are shown as they are.
func TestFileIndexFindsNewFiles(t *testing.T) {
	t.Parallel()
	listing := "README.md\x00"
	h := newHarness(t, Options{Cwd: t.TempDir(), Git: func(ctx context.Context, args ...string) ([]byte, error) {
		return []byte(listing), nil
	}})
	h.m.src.files = &fileIndex{files: []string{"README.md"}, loadedAt: h.clock.now()}
	h.typeText("@nouv")
	if cmd := h.m.afterEdit(); cmd != nil {
		t.Fatalf("a fresh index is reloaded")
	}
	h.key("ctrl+c") // clear the composer
	listing = "README.md\x00nouveauté.txt\x00"
	h.clock.advance(fileIndexTTL + time.Second)
	h.typeText("x ")
	cmd := h.send(keyMsg("@"))
	if cmd == nil {
		t.Fatalf("a new @ does not reload a stale index")
	}
	h.run(cmd)
	h.typeText("nouv")
	if f := h.frame(); !strings.Contains(f, "nouveauté.txt") {
		t.Errorf("a file created after start-up is not found (or its name is quoted):\n%s", f)
	}
}

// An open @ popup whose query matches nothing reloads a stale index as
// the user types, so a file created while it was open is found (once the
// index is older than fileIndexTTL; a fresh one is not listed again).
func TestFileIndexReloadsOnNoMatch(t *testing.T) {
	t.Parallel()
	listing := "README.md\x00"
	h := newHarness(t, Options{Cwd: t.TempDir(), Git: func(ctx context.Context, args ...string) ([]byte, error) {
		return []byte(listing), nil
	}})
	h.m.src.files = &fileIndex{files: []string{"README.md"}, loadedAt: h.clock.now()}
	h.typeText("@cre")
	if f := h.frame(); !strings.Contains(f, "no match") {
		t.Fatalf("no 'no match' for a file not yet created:\n%s", f)
	}
	listing = "README.md\x00created.txt\x00"
	if cmd := h.send(keyMsg("a")); cmd != nil {
		t.Fatalf("a fresh index is listed again on every key")
	}
	h.clock.advance(fileIndexTTL + time.Second)
	cmd := h.send(keyMsg("t"))
	if cmd == nil {
		t.Fatalf("an open popup with no match does not reload a stale index")
	}
	h.run(cmd)
	if f := h.frame(); !strings.Contains(f, "created.txt") {
		t.Errorf("a file created while the popup was open is not found:\n%s", f)
	}
}

// On a short screen the popup gives way: the composer and the status line
// stay, and the popup says where the list is.
func TestPopupFitsShortScreens(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int }{{40, 12}, {80, 24}} {
		h := newHarness(t, Options{})
		h.send(tea.WindowSizeMsg{Width: size.w, Height: size.h})
		h.typeText("/")
		f := h.frame()
		rows := strings.Split(f, "\n")
		if len(rows) > h.m.frameLimit() {
			t.Errorf("%dx%d: frame of %d rows, limit %d:\n%s", size.w, size.h, len(rows), h.m.frameLimit(), f)
		}
		if !strings.Contains(f, "› /") || !strings.Contains(rows[len(rows)-1], "gpt-5") {
			t.Errorf("%dx%d: composer or status line missing:\n%s", size.w, size.h, f)
		}
		if !strings.Contains(f, " of ") {
			t.Errorf("%dx%d: the popup does not say it scrolls:\n%s", size.w, size.h, f)
		}
	}
}
