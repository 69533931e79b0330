package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Processes the model started with exec_command keep running after their
// call and their turn: their cells stay in the live area, with the tail of
// their output, until they exit or are ended. Esc ends them all (when no
// turn runs; during a turn it interrupts the turn, which ends them too);
// /ps lists them with their age and last output and ends the one chosen.

// backgroundProcs returns the cells of the processes still running, in
// start order.
func (m *model) backgroundProcs() []*execCell {
	var out []*execCell
	for _, c := range m.live.cells {
		if e, ok := c.(*execCell); ok && e.running && e.processID != 0 {
			out = append(out, e)
		}
	}
	return out
}

// keepBackground puts c back in the live area at the end of a turn when it
// is a process that keeps running, and reports whether it did.
func (m *model) keepBackground(c cell) bool {
	e, ok := c.(*execCell)
	if !ok || !e.running || e.processID == 0 {
		return false
	}
	m.live.add(e.callID, e)
	return true
}

// escEndsProcesses handles Esc outside a turn: with processes running, it
// ends them all.
func (m *model) escEndsProcesses() bool {
	n := len(m.backgroundProcs())
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

// cmdPs lists the running processes; choosing one ends it.
func (m *model) cmdPs(string) tea.Cmd {
	procs := m.backgroundProcs()
	if len(procs) == 0 {
		m.notice(noticeInfo, "No processes are running.", "Commands the model starts with exec_command and leaves running are listed here.")
		return nil
	}
	p := &picker{title: "Running processes (enter ends the one chosen)"}
	now := m.now()
	for _, e := range procs {
		p.items = append(p.items, popupItem{
			label: fmt.Sprintf("%d  %s", e.processID, safeText(displayCommand(e.command))),
			desc:  formatDuration(now.Sub(e.started).Round(1e9)) + lastOutput(e.tail),
		})
	}
	p.choose = func(m *model, i int) tea.Cmd {
		e := procs[i]
		m.sink.submit(protocol.EndProcess{ProcessID: e.processID})
		m.hint = fmt.Sprintf("Ending process %d…", e.processID)
		return nil
	}
	m.overlay = p
	return nil
}

// lastOutput is " · " and the last line of output, or "".
func lastOutput(tail []byte) string {
	lines := lastLines(sanitize(string(tail)), 1)
	if len(lines) == 0 || strings.TrimSpace(lines[0]) == "" {
		return ""
	}
	return " · " + strings.TrimSpace(lines[0])
}

// terminalInput shows what the model wrote to a running process
// (write_stdin): "↳ sent to <command>: <input>". A poll (no input) shows
// nothing.
func (m *model) terminalInput(e protocol.TerminalInteraction) {
	if e.Stdin == "" {
		return
	}
	var command []string
	for _, p := range m.backgroundProcs() {
		if p.processID == e.ProcessID {
			command = p.command
		}
	}
	target := fmt.Sprintf("process %d", e.ProcessID)
	if len(command) > 0 {
		target = displayCommand(command)
	}
	m.commit(&noticeCell{kind: noticeInfo, text: "↳ sent to " + target + ": " + strconv.Quote(e.Stdin)})
}
