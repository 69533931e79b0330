package tui

import (
	"io"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// probe is a program that looks for its own renderer ticker in its first
// View and quits.
type probe struct {
	p     *tea.Program
	found chan bool
}

func (probe) Init() tea.Cmd                          { return tea.Quit }
func (pr probe) Update(tea.Msg) (tea.Model, tea.Cmd) { return pr, nil }
func (pr probe) View() tea.View {
	select {
	case pr.found <- programTicker(pr.p) != nil:
	default:
	}
	return tea.NewView("")
}

// TestFrameClockFindsTicker fails when a Bubble Tea upgrade renames or
// retypes the renderer's ticker: the idle TUI would tick again.
func TestFrameClockFindsTicker(t *testing.T) {
	pr := &probe{found: make(chan bool, 1)}
	p := tea.NewProgram(pr, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignals())
	pr.p = p
	if _, err := p.Run(); err != nil {
		t.Fatal(err)
	}
	select {
	case found := <-pr.found:
		if !found {
			t.Fatal("tea.Program has no renderer ticker field of type *time.Ticker: the frame clock cannot pause it (see idle.go)")
		}
	default:
		t.Fatal("the program never called View")
	}
}

func TestFrameClockPausesAndWakes(t *testing.T) {
	tk := time.NewTicker(time.Hour)
	defer tk.Stop()
	c := &frameClock{keep: time.Hour} // the test pauses it, not the timer
	c.once.Do(func() { c.ticker = tk })
	defer c.close()

	c.kick()
	if !c.running {
		t.Fatal("after a View the ticker is not running")
	}
	c.pause() // what the timer does keepAlive after the last View
	if c.running {
		t.Fatal("after the pause the ticker still runs")
	}
	c.kick()
	if !c.running {
		t.Fatal("a View after the pause does not restart the ticker")
	}
	// The restarted ticker ticks at the frame rate again.
	select {
	case <-tk.C:
	case <-time.After(10 * time.Second):
		t.Fatal("no tick within 10 s of the restart")
	}
}

func TestFrameClockWithoutTicker(t *testing.T) {
	c := &frameClock{} // no program: nothing to find, nothing to do
	c.kick()
	c.close()
	if c.running {
		t.Fatal("a clock without a ticker claims to run")
	}
}
