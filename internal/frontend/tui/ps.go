package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Processes the model started with exec_command keep running after their
// call and their turn: their cells stay in the live area, with the tail of
// their output, until they exit or are ended. Esc ends them all (when no
// turn runs; during a turn it interrupts the turn, which ends them too);
// /ps lists them with their age and last output and ends the one chosen.

// processes returns the cells of the processes still running, in start
// order.
func (l *liveArea) processes() []*execCell {
	var out []*execCell
	for _, c := range l.cells {
		if e, ok := c.(*execCell); ok && e.running && e.processID != 0 {
			out = append(out, e)
		}
	}
	return out
}

// keepProcess puts c back in the live area at the end of a turn when it is
// a process that keeps running, and reports whether it did.
func (l *liveArea) keepProcess(c cell) bool {
	e, ok := c.(*execCell)
	if !ok || !e.running || e.processID == 0 {
		return false
	}
	l.add(e.callID, e)
	return true
}

// escEndsProcesses handles Esc outside a turn: with processes running, it
// ends them all.
func (m *model) escEndsProcesses() bool {
	n := len(m.transcript.live.processes())
	if n == 0 {
		return false
	}
	m.sink.submit(protocol.Interrupt{})
	what := "process"
	if n > 1 {
		what = "processes"
	}
	m.hint = fmt.Sprintf("Ending %d running %s…", n, what)
	return true
}

// psPicker is /ps: the running processes (started at the times their cells
// say, now is now); choosing one ends it.
func psPicker(procs []*execCell, now time.Time) tea.Msg {
	if len(procs) == 0 {
		return showNotice{noticeInfo, "No processes are running.", "Commands the model starts with exec_command and leaves running are listed here."}
	}
	p := &picker{title: "Running processes (enter ends the one chosen)"}
	for _, e := range procs {
		p.items = append(p.items, popupItem{
			label: fmt.Sprintf("%d  %s", e.processID, safeText(displayCommand(e.command))),
			desc:  formatDuration(now.Sub(e.started).Round(1e9)) + lastOutput(e.tail),
		})
	}
	p.choose = func(i int) tea.Msg {
		e := procs[i]
		return results{submitOp{protocol.EndProcess{ProcessID: e.processID}}, setHint{fmt.Sprintf("Ending process %d…", e.processID)}}
	}
	return openOverlay{p}
}

// lastOutput is " · " and the last line of output, or "".
func lastOutput(tail []byte) string {
	lines := lastLines(sanitize(string(tail)), 1)
	if len(lines) == 0 || strings.TrimSpace(lines[0]) == "" {
		return ""
	}
	return " · " + strings.TrimSpace(lines[0])
}

// terminalInput is what the model wrote to a running process
// (write_stdin): "↳ sent to <command>: <input>". A poll (no input) shows
// nothing (nil).
func terminalInput(e protocol.TerminalInteraction, procs []*execCell) tea.Msg {
	if e.Stdin == "" {
		return nil
	}
	var command []string
	for _, p := range procs {
		if p.processID == e.ProcessID {
			command = p.command
		}
	}
	target := fmt.Sprintf("process %d", e.ProcessID)
	if len(command) > 0 {
		target = displayCommand(command)
	}
	return commitCell{&noticeCell{kind: noticeInfo, text: "↳ sent to " + target + ": " + strconv.Quote(e.Stdin)}}
}
