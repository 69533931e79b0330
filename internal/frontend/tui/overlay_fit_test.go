package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kodex-cli/kodex/internal/protocol"
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

// longElicitReq is a form taller than a 40×12 screen leaves an overlay.
func longElicitReq() protocol.McpElicitationRequest {
	req := elicitReq()
	req.Message = "The deployment needs a few details before it can go on: fill them in, or decline to stop here."
	req.Fields = append(req.Fields,
		protocol.McpElicitField{Name: "env", Title: "Env", Type: "string", Description: "where to deploy"},
		protocol.McpElicitField{Name: "last", Title: "Last", Type: "string", Required: true, Description: "the last field"},
	)
	return req
}

// An MCP server's form on a short screen keeps its title, borders and
// keys, the focused field (and its error) among the fields it shows, and
// says which field that is (issue 12).
func TestElicitFormFitsTheHeight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		width, height int
		position      bool // the fields do not all fit: "field 7/7"
		errPosition   bool // nor with the error under them
		errHint       bool // the keys show with the error
	}{
		{"40x12 inline", 40, 7, true, true, true},
		{"40x12 alt", 40, 9, true, true, true},
		{"short", 40, 6, true, false, true},
		{"tiny", 40, 5, false, false, false},
		{"all fields, no message", 40, 11, false, false, true},
		{"80x24", 80, 16, false, false, true},
		{"unlimited", 40, 0, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newElicitForm(longElicitReq())
			check := func(what string, hint bool, want ...string) {
				t.Helper()
				got := ansi.Strip(f.view(tt.width, tt.height))
				rows := strings.Split(got, "\n")
				if tt.height > 0 && len(rows) > tt.height {
					t.Errorf("%s: %d rows, height %d:\n%s", what, len(rows), tt.height, got)
				}
				want = append(want, "╭", "MCP server ev asks:", "╰")
				if hint {
					want = append(want, "esc cancel")
				}
				for _, w := range want {
					if !strings.Contains(got, w) {
						t.Errorf("%s: no %q in\n%s", what, w, got)
					}
				}
				for _, r := range rows {
					if ansi.StringWidth(r) > tt.width {
						t.Errorf("%s: row wider than %d: %q", what, tt.width, r)
					}
				}
			}
			check("first field", true, "› Name*")
			for range len(f.fields) - 1 {
				f.update(tea.KeyPressMsg{Code: tea.KeyTab})
			}
			want := []string{"› Last*"}
			if tt.position {
				want = append(want, "field 7/7")
			}
			check("last field", true, want...)
			f.update(tea.KeyPressMsg{Code: tea.KeyUp})
			f.update(tea.KeyPressMsg{Code: tea.KeyUp})
			check("two up", true, "› Tools")
			// Enter on a missing required field goes back to it and says why.
			f.update(tea.KeyPressMsg{Code: tea.KeyEnter})
			want = []string{"› Name*", "Name is required"}
			if tt.errPosition {
				want = append(want, "field 1/7")
			}
			check("error", tt.errHint, want...)
		})
	}
}

// The history search and the pager fit the height they are given too.
func TestHistorySearchAndPagerFitTheHeight(t *testing.T) {
	t.Parallel()
	hist := &promptHistory{entries: []string{"fix the flaky test", "run lint"}}
	for _, tt := range []struct {
		width, height int
		want          []string
	}{
		{40, 0, []string{"history search", "run lint", "esc cancel"}},
		{40, 3, []string{"history search", "run lint", "esc cancel"}},
		{40, 2, []string{"history search", "esc cancel"}},
		{40, 1, []string{"history search"}},
		{24, 7, []string{"history", "run lint", "^r older"}},
	} {
		got := ansi.Strip(newHistorySearch(hist).view(tt.width, tt.height))
		rows := strings.Split(got, "\n")
		if tt.height > 0 && len(rows) > tt.height {
			t.Errorf("history search %dx%d: %d rows:\n%s", tt.width, tt.height, len(rows), got)
		}
		for _, r := range rows {
			if ansi.StringWidth(r) > tt.width {
				t.Errorf("history search %dx%d: row wider than the screen: %q", tt.width, tt.height, r)
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("history search %dx%d: no %q in\n%s", tt.width, tt.height, w, got)
			}
		}
	}

	// A pager sized for a tall screen keeps its title and keys once the
	// screen is short, before any key sizes its page again.
	h := newHarness(t, Options{})
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	var long strings.Builder
	long.WriteString("diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,0 +1,60 @@\n")
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&long, "+row %d\n", i)
	}
	h.m.showDiff(long.String())
	for _, size := range []struct{ w, h int }{{40, 12}, {80, 24}, {40, 12}} {
		h.send(tea.WindowSizeMsg{Width: size.w, Height: size.h})
		f := h.frame()
		if n := len(strings.Split(f, "\n")); n > h.m.frameLimit() {
			t.Errorf("pager at %dx%d: frame of %d rows, limit %d", size.w, size.h, n, h.m.frameLimit())
		}
		for _, w := range []string{"/diff  rows 1–", "q close"} {
			if !strings.Contains(f, w) {
				t.Errorf("pager at %dx%d lacks %q:\n%s", size.w, size.h, w, f)
			}
		}
	}
}

// Goldens of the form and the history search in a 40×12 inline frame
// (issue 12).
func TestShortScreenOverlayGoldens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	h.events(protocol.TurnStarted{TurnID: "t1"}, longElicitReq())
	golden(t, "frame_elicit_form_40x12", h.frame())
	for range 6 {
		h.key("tab")
	}
	golden(t, "frame_elicit_form_last_40x12", h.frame())

	h = newHarness(t, Options{})
	h.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	for _, p := range []string{"fix the flaky test", "write the docs", "fix the build\nand more"} {
		h.m.composer.prompts.add(p, time.Now())
	}
	h.key("ctrl+r")
	h.typeText("fix")
	golden(t, "frame_history_search_40x12", h.frame())
}
