package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// In the alt screen the frame is exactly the screen's height, with the
// status line on the last row (it was one row too tall: the status line
// fell off the screen).
func TestAltScreenFrameFits(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{80, 20}, {40, 12}, {120, 40}} {
		h := newHarness(t, Options{AltScreen: true})
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		h.events(protocol.TurnStarted{TurnID: "1"}, protocol.AgentMessage{ItemID: "m", Text: "Hello."}, protocol.TurnComplete{TurnID: "1"})
		lines := strings.Split(h.frame(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: frame has %d rows, want %d:\n%s", size[0], size[1], len(lines), size[1], h.frame())
			continue
		}
		if last := lines[len(lines)-1]; !strings.Contains(last, "gpt-5") {
			t.Errorf("%dx%d: last row %q is not the status line", size[0], size[1], last)
		}
		_, cur := h.m.render()
		if cur == nil || cur.Y != size[1]-2 {
			t.Errorf("%dx%d: cursor %+v, want on the composer row %d", size[0], size[1], cur, size[1]-2)
		}
	}
}
