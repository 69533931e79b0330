package tui

import (
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

const (
	reasoningA = "**Reading the decoder**\n\nThe loop bound looks wrong."
	reasoningB = "**Checking the tests**\n\nThey never hit a chunk boundary."
)

// Inline, Ctrl+T expands the live reasoning and decides how later reasoning
// is printed; what is already in the scrollback stays as printed.
func TestReasoningToggleInline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"}, protocol.ReasoningDelta{ItemID: "r1", Delta: reasoningA})
	f := h.frame()
	if !strings.Contains(f, "✻ Reading the decoder … (ctrl+t to expand)") || strings.Contains(f, "loop bound") {
		t.Errorf("live reasoning not collapsed:\n%s", f)
	}
	h.events(protocol.Reasoning{ItemID: "r1", Text: reasoningA})
	if sb := h.scrollback(); !strings.Contains(sb, "✻ Reading the decoder … (ctrl+t to expand)") || strings.Contains(sb, "loop bound") {
		t.Errorf("printed reasoning not collapsed:\n%s", sb)
	}

	h.key("ctrl+t")
	if f := h.frame(); !strings.Contains(f, "reasoning expanded from now on; printed reasoning stays as is") {
		t.Errorf("hint line does not explain the inline toggle:\n%s", f)
	}
	h.events(protocol.ReasoningDelta{ItemID: "r2", Delta: reasoningB})
	if f := h.frame(); !strings.Contains(f, "They never hit a chunk boundary.") || strings.Contains(f, "ctrl+t to expand") {
		t.Errorf("live reasoning not expanded:\n%s", f)
	}
	h.events(protocol.TurnComplete{TurnID: "t1"}) // commits the streamed reasoning
	sb := h.scrollback()
	if !strings.Contains(sb, "They never hit a chunk boundary.") || strings.Contains(sb, "loop bound") {
		t.Errorf("scrollback should hold the first reasoning collapsed and the second expanded:\n%s", sb)
	}

	h.key("ctrl+t")
	if f := h.frame(); !strings.Contains(f, "reasoning collapsed") || strings.Contains(f, "from now on") {
		t.Errorf("the inline explanation should be shown once:\n%s", f)
	}
	h.events(protocol.Reasoning{ItemID: "r3", Text: reasoningA + "\n\nSecond look."})
	if sb := h.scrollback(); strings.Contains(sb, "Second look.") {
		t.Errorf("reasoning printed after collapsing is expanded:\n%s", sb)
	}
}

// In the alternate screen, Ctrl+T expands and collapses every reasoning
// cell of the transcript.
func TestReasoningToggleAltScreen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{AltScreen: true})
	h.send(tea.WindowSizeMsg{Width: 80, Height: 16})
	h.events(protocol.TurnStarted{TurnID: "t1"},
		protocol.Reasoning{ItemID: "r1", Text: reasoningA},
		protocol.AgentMessage{ItemID: "m1", Text: "Found it."},
		protocol.ReasoningDelta{ItemID: "r2", Delta: reasoningB})
	golden(t, "reasoning_collapsed", h.frame())
	h.key("ctrl+t")
	golden(t, "reasoning_expanded", h.frame())
	h.key("ctrl+t")
	if f := h.frame(); strings.Contains(f, "loop bound") || strings.Contains(f, "chunk boundary") || !strings.Contains(f, "reasoning collapsed") {
		t.Errorf("second Ctrl+T did not collapse every reasoning cell:\n%s", f)
	}
}

func TestHideReasoning(t *testing.T) {
	t.Parallel()
	for _, alt := range []bool{false, true} {
		h := newHarness(t, Options{HideReasoning: true, AltScreen: alt})
		h.events(protocol.TurnStarted{TurnID: "t1"}, protocol.ReasoningDelta{ItemID: "r1", Delta: reasoningA})
		if f := h.frame(); strings.Contains(f, "Reading the decoder") {
			t.Errorf("alt=%v: hidden reasoning shown live:\n%s", alt, f)
		}
		h.events(protocol.Reasoning{ItemID: "r1", Text: reasoningA}, protocol.ReasoningDelta{ItemID: "r2", Delta: reasoningB},
			protocol.TurnComplete{TurnID: "t1"})
		h.key("ctrl+t")
		f, sb := h.frame(), h.scrollback()
		if strings.Contains(f+sb, "Reading the decoder") || strings.Contains(f+sb, "Checking the tests") {
			t.Errorf("alt=%v: hidden reasoning shown:\n%s\n%s", alt, sb, f)
		}
		if !strings.Contains(f, "reasoning is hidden") {
			t.Errorf("alt=%v: Ctrl+T does not say reasoning is hidden:\n%s", alt, f)
		}
	}
}

var (
	sgrRE = regexp.MustCompile(`\x1b\[([0-9;]*)m`)
	oscRE = regexp.MustCompile(`\x1b\][^\a]*\a`)
)

// Reasoning is dimmed throughout, also after the bold and italic spans of
// its Markdown, collapsed or not.
func TestReasoningDimmedThroughout(t *testing.T) {
	t.Parallel()
	text := "**Looking** at `code` and *this*\n\n- a **b** c\n\nThe loop [link](http://x) ends."
	for _, expanded := range []bool{false, true} {
		out := oscRE.ReplaceAllString((&reasoningCell{text: text, expanded: expanded}).render(80), "")
		faint := false
		for len(out) > 0 {
			if loc := sgrRE.FindStringSubmatchIndex(out); loc != nil && loc[0] == 0 {
				for _, p := range strings.Split(out[loc[2]:loc[3]], ";") {
					switch p {
					case "", "0", "22":
						faint = false
					case "2":
						faint = true
					}
				}
				out = out[loc[1]:]
				continue
			}
			if c := out[0]; c != ' ' && c != '\n' && !faint {
				t.Errorf("expanded=%v: text not dimmed at %q", expanded, out)
				break
			}
			out = out[1:]
		}
	}
}

// The agent publishes a finished summary only when the whole response
// completes, after the answer has streamed (and partly been committed): the
// transcript still shows the summary before the answer, once.
func TestReasoningKeepsTheModelsOrder(t *testing.T) {
	t.Parallel()
	for _, alt := range []bool{false, true} {
		h := newHarness(t, Options{AltScreen: alt})
		h.send(tea.WindowSizeMsg{Width: 80, Height: 40})
		h.events(protocol.TurnStarted{TurnID: "t1"},
			protocol.ReasoningDelta{ItemID: "r1", Delta: "**Planning** the first step"},
			protocol.AgentMessageDelta{ItemID: "m1", Delta: "First paragraph of the answer.\n\n"},
			protocol.AgentMessageDelta{ItemID: "m1", Delta: "Second paragraph."},
			protocol.Reasoning{ItemID: "r1", Text: "**Planning** the first step"},
			protocol.AgentMessage{ItemID: "m1", Text: "First paragraph of the answer.\n\nSecond paragraph."},
			protocol.ReasoningDelta{ItemID: "r2", Delta: "Then a second thought"},
			protocol.ExecBegin{CallID: "c1", Command: []string{"ls"}},
			protocol.ExecEnd{CallID: "c1", ExitCode: 0},
			protocol.Reasoning{ItemID: "r2", Text: "Then a second thought"},
			protocol.TurnComplete{TurnID: "t1"})
		var text string
		if alt {
			h.send(tea.WindowSizeMsg{Width: 80, Height: 40})
			text = h.frame()
		} else {
			text = h.scrollback()
		}
		order := []string{"Planning the first step", "First paragraph", "Second paragraph", "Then a second thought", "Ran ls"}
		last := -1
		for _, want := range order {
			i := strings.Index(text, want)
			if i < 0 || i < last {
				t.Fatalf("alt=%v: %q missing or out of order (want %q):\n%s", alt, want, order, text)
			}
			last = i
		}
		for _, once := range []string{"Planning the first step", "Then a second thought"} {
			if n := strings.Count(text, once); n != 1 {
				t.Errorf("alt=%v: %q shown %d times:\n%s", alt, once, n, text)
			}
		}
	}
}
