package tui

import (
	"reflect"
	"sync"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"
)

// An idle TUI makes no system calls. Bubble Tea v2 writes frames from a
// ticker that runs at its frame rate for the program's whole life, so an
// idle kodex woke ~60 times a second (~330 syscalls/s under strace -c)
// with nothing to draw. Bubble Tea has no option to pause it, so the
// frameClock reaches the program's ticker (an unexported field, found by
// name and type; see [newFrameClock]) and runs it only while there is
// something to draw: every View (called after each message the program
// handles, which is the only way a frame or a printed line gets queued)
// starts it, and it stops again keepAlive after the last View, by which
// time the frame has been written. Only the terminal's input, the
// session's events and kodex's own timers (the spinner of a running turn)
// wake the program.
//
// If a Bubble Tea release renames or retypes the field, the clock finds
// nothing and does nothing (the ticker runs as upstream wrote it);
// TestFrameClockFindsTicker fails so that the upgrade is noticed.

// keepAlive is how long the ticker runs after the last View: several frames,
// so that the last one is written even if the ticker's goroutine is late.
const keepAlive = 250 * time.Millisecond

// frameRate is Bubble Tea's default frame rate, which kodex does not change.
const frameRate = time.Second / 60

// frameClock starts and stops a tea.Program's renderer ticker.
type frameClock struct {
	p *tea.Program

	once   sync.Once
	ticker *time.Ticker // nil: not found, the clock does nothing

	keep time.Duration // how long the ticker runs after a View: keepAlive if zero

	mu      sync.Mutex
	running bool
	stop    *time.Timer
}

// programTicker returns the renderer ticker of p, or nil when this Bubble
// Tea has no such field. It is read once the program runs (its Run creates
// the ticker before the first View, on the goroutine that calls View).
func programTicker(p *tea.Program) *time.Ticker {
	if p == nil {
		return nil
	}
	f := reflect.ValueOf(p).Elem().FieldByName("ticker")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*time.Ticker]() {
		return nil
	}
	return *(**time.Ticker)(unsafe.Pointer(f.UnsafeAddr())) //nolint:gosec // the field's type is checked above
}

// kick runs the ticker for keepAlive from now. It is called from View.
func (c *frameClock) kick() {
	c.once.Do(func() { c.ticker = programTicker(c.p) })
	if c.ticker == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		c.ticker.Reset(frameRate)
		c.running = true
	}
	keep := c.keep
	if keep == 0 {
		keep = keepAlive
	}
	if c.stop == nil {
		c.stop = time.AfterFunc(keep, c.pause)
	} else {
		c.stop.Reset(keep)
	}
}

// pause stops the ticker until the next kick.
func (c *frameClock) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.ticker.Stop()
		c.running = false
	}
}

// close stops the pause timer when the program has ended.
func (c *frameClock) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		c.stop.Stop()
	}
}

// clocked is the program's model: the root model, whose every View kicks
// the frame clock.
type clocked struct {
	*model
	clock *frameClock
}

func (c clocked) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := c.model.Update(msg)
	if m, ok := next.(*model); ok {
		return clocked{m, c.clock}, cmd
	}
	return next, cmd
}

func (c clocked) View() tea.View {
	c.clock.kick()
	return c.model.View()
}
