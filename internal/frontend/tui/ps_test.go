package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// TestBackgroundProcesses: a process exec_command leaves running keeps its
// live cell after the turn, with its output; /ps lists it with its age and
// last output and ends the one chosen; Esc outside a turn ends them all;
// its ExecEnd, whenever it comes, finishes the cell.
func TestBackgroundProcesses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"},
		protocol.ExecBegin{CallID: "c1", Command: []string{"/bin/bash", "-lc", "npm run dev"}, ProcessID: 4242},
		protocol.ExecBegin{CallID: "c2", Command: []string{"/bin/bash", "-lc", "tail -f log"}, ProcessID: 77},
		protocol.ExecOutputDelta{CallID: "c1", Stream: "stdout", Chunk: []byte("ready on :5173\n")},
		protocol.TurnComplete{LastMessage: "started"})
	if f := h.frame(); !strings.Contains(f, "Running npm run dev · process 4242") || !strings.Contains(f, "ready on :5173") {
		t.Errorf("the process's live cell is gone after its turn:\n%s", f)
	}
	if sb := h.scrollback(); strings.Contains(sb, "Interrupted npm run dev") {
		t.Errorf("a running process was shown as interrupted:\n%s", sb)
	}

	h.clock.advance(90 * time.Second)
	h.typeText("/ps")
	h.key("enter")
	f := h.frame()
	if !strings.Contains(f, "4242  npm run dev") || !strings.Contains(f, "1m30s · ready on :5173") || !strings.Contains(f, "77  tail -f log") {
		t.Errorf("/ps does not list the processes with age and last output:\n%s", f)
	}
	h.key("down")
	h.key("enter")
	wantOps(t, h.sink, protocol.EndProcess{ProcessID: 77})
	h.events(protocol.ExecEnd{CallID: "c2", Command: []string{"/bin/bash", "-lc", "tail -f log"}, ExitCode: 143})
	if f := h.frame(); strings.Contains(f, "tail -f log") {
		t.Errorf("an ended process is still live:\n%s", f)
	}

	h.key("esc")
	wantOps(t, h.sink, protocol.Interrupt{})
	h.events(protocol.ExecEnd{CallID: "c1", Command: []string{"/bin/bash", "-lc", "npm run dev"}, ExitCode: 143, AggregatedOutput: "ready on :5173\n"})
	if f := h.frame(); strings.Contains(f, "Running") {
		t.Errorf("a process is still live after Esc ended them:\n%s", f)
	}
	if sb := h.scrollback(); !strings.Contains(sb, "✗ Ran npm run dev") {
		t.Errorf("the ended process is not in the scrollback:\n%s", sb)
	}
	h.key("esc") // nothing left to end
	wantOps(t, h.sink)
	h.typeText("/ps")
	h.key("enter")
	if sb := h.scrollback(); !strings.Contains(sb, "No processes are running.") {
		t.Errorf("/ps with nothing running:\n%s", sb)
	}
}

// replayed is a session with recorded history.
type replayed struct {
	*fakeSession
	items []protocol.EventMsg
}

func (r replayed) Replay() []protocol.EventMsg { return r.items }

// TestReplayedProcessesAreGone: a resumed session's processes ended with
// the earlier run, so their cells are history, not live.
func TestReplayedProcessesAreGone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.m.replay(replayed{newFakeSession(), []protocol.EventMsg{
		protocol.TurnStarted{TurnID: "t1"},
		protocol.ExecBegin{CallID: "c1", Command: []string{"/bin/bash", "-lc", "npm run dev"}, ProcessID: 4242},
		protocol.TurnComplete{LastMessage: "started"},
	}})
	if f := h.frame(); strings.Contains(f, "Running") {
		t.Errorf("a replayed process is live:\n%s", f)
	}
	if procs := h.m.transcript.live.processes(); len(procs) != 0 {
		t.Errorf("background processes after a replay: %d", len(procs))
	}
}

// What the model writes to a running process is shown, with the process's
// command; polls (no input) are not.
func TestTerminalInputShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.events(protocol.TurnStarted{TurnID: "t1"},
		protocol.ExecBegin{CallID: "c1", Command: []string{"/bin/bash", "-lc", "python3 -i"}, ProcessID: 7},
		protocol.TerminalInteraction{CallID: "c2", ProcessID: 7, Stdin: ""},
		protocol.TerminalInteraction{CallID: "c3", ProcessID: 7, Stdin: "print(1+1)\n"},
		protocol.TurnComplete{TurnID: "t1"})
	sb := h.scrollback()
	if !strings.Contains(sb, `↳ sent to python3 -i: "print(1+1)\n"`) {
		t.Errorf("the input is not shown:\n%s", sb)
	}
	if strings.Count(sb, "↳ sent to") != 1 {
		t.Errorf("a poll is shown:\n%s", sb)
	}
}
