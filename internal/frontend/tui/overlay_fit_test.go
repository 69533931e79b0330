package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// A picker or the help on a short screen keeps its title, borders and keys
// in the frame: it shows fewer items (the selection always among them) or
// scrolls, rather than lose its top rows (issue 12).
func TestOverlayFitsTheFrame(t *testing.T) {
	t.Parallel()
	models := []string{"gpt-5.5", "gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1", "gpt-5"}
	sizes := []struct{ w, h int }{{40, 12}, {80, 24}}
	for _, size := range sizes {
		for _, alt := range []bool{false, true} {
			name := fmt.Sprintf("%dx%d_alt=%v", size.w, size.h, alt)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				open := func() *harness {
					h := newHarness(t, Options{Models: models, AltScreen: alt, Status: StatusInfo{Model: "gpt-5.5"}})
					h.send(tea.WindowSizeMsg{Width: size.w, Height: size.h})
					return h
				}
				fits := func(h *harness, what string) []string {
					t.Helper()
					rows := strings.Split(h.frame(), "\n")
					if len(rows) > h.m.frameLimit() {
						t.Errorf("%s: frame of %d rows, limit %d", what, len(rows), h.m.frameLimit())
					}
					return rows
				}

				h := open()
				h.typeText("/model")
				h.key("enter")
				rows := fits(h, "/model")
				f := strings.Join(rows, "\n")
				for _, want := range []string{"╭", "Choose a model", "› gpt-5.5 ", "gpt-5.1-codex ", "enter choose", "╰"} {
					if !strings.Contains(f, want) {
						t.Errorf("/model lacks %q:\n%s", want, f)
					}
				}
				if !alt {
					golden(t, fmt.Sprintf("frame_model_picker_%dx%d", size.w, size.h), f)
				}
				// Moving down the list keeps the title and the selection on screen.
				for i, want := range models[1:] {
					h.key("down")
					f = strings.Join(fits(h, "/model, down"), "\n")
					wants := []string{"Choose a model", "› " + want + " ", "╰"}
					if !alt && size.h == 12 { // 2 of the 5 fit
						wants = append(wants, fmt.Sprintf("%d/%d", i+2, len(models)))
					}
					for _, want := range wants {
						if !strings.Contains(f, want) {
							t.Errorf("/model lacks %q:\n%s", want, f)
						}
					}
				}

				h = open()
				h.key("?")
				rows = fits(h, "help")
				f = strings.Join(rows, "\n")
				for _, want := range []string{"Keys", "enter", "send", "shift+enter", "close"} {
					if !strings.Contains(f, want) {
						t.Errorf("help lacks %q:\n%s", want, f)
					}
				}
				if !alt {
					golden(t, fmt.Sprintf("frame_help_%dx%d", size.w, size.h), f)
				}
				// Every binding can be scrolled to.
				seen := f
				for range 40 {
					h.key("down")
					seen += "\n" + h.frame()
				}
				for _, kb := range keyBindings() {
					if !strings.Contains(seen, kb[0]) {
						t.Errorf("help never shows %q", kb[0])
					}
				}
				h.key("pgup")
				h.key("pgup")
				h.key("home")
				if f := h.frame(); !strings.Contains(f, "shift+enter") {
					t.Errorf("home does not return to the top:\n%s", f)
				}
				if h.key("x"); h.m.overlay != nil {
					t.Errorf("another key does not close the help")
				}
			})
		}
	}
}

// The labels take the columns they need: two models that differ at the
// end do not look the same in a narrow picker (issue 12).
func TestPickerLabelsStayApart(t *testing.T) {
	t.Parallel()
	p := &picker{title: "Choose a model", items: []popupItem{{label: "gpt-5.1-codex"}, {label: "gpt-5.1-codex-mini"}}}
	p.markCurrent(0)
	got := p.view(40, 0)
	for _, want := range []string{"gpt-5.1-codex ", "gpt-5.1-codex-mini"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	// Descriptions give way to the labels, down to a third of the row.
	p = &picker{title: "t", items: []popupItem{{label: "a label that is long", desc: "a description that is long too"}}}
	if got := p.view(40, 0); !strings.Contains(got, "a label that is long") {
		t.Errorf("the label is cut for its description:\n%s", got)
	}
}

// TestTrustScreenFits: on a short screen the trust question drops its
// explanation, then the folder, but keeps the question, the answers, their
// keys and its borders.
func TestTrustScreenFits(t *testing.T) {
	t.Parallel()
	ts := &trustScreen{cwd: "/home/me/a/rather/long/project/path"}
	for _, tt := range []struct {
		width, height int
		folder, why   bool
	}{
		{80, 0, true, true},
		{80, 20, true, true},
		{40, 12, true, false},
		{40, 7, false, false},
	} {
		got := ansi.Strip(ts.view(tt.width, tt.height))
		lines := strings.Split(got, "\n")
		if tt.height > 0 && len(lines) > tt.height {
			t.Errorf("%d×%d: %d rows:\n%s", tt.width, tt.height, len(lines), got)
		}
		for _, want := range []string{"╭", "Do you trust", "Yes, trust this folder", "No, ask me first", "y / n", "╰"} {
			if !strings.Contains(got, want) {
				t.Errorf("%d×%d: %q missing:\n%s", tt.width, tt.height, want, got)
			}
		}
		if strings.Contains(got, "rather/long") != tt.folder || strings.Contains(got, "Trusting it") != tt.why {
			t.Errorf("%d×%d: folder shown %v (want %v), explanation shown %v (want %v):\n%s", tt.width, tt.height,
				strings.Contains(got, "rather/long"), tt.folder, strings.Contains(got, "Trusting it"), tt.why, got)
		}
	}
}
