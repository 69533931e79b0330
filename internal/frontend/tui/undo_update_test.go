package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// summary names a result (and the results in it) for comparison.
func summary(msg tea.Msg) []string {
	switch r := msg.(type) {
	case nil:
		return nil
	case results:
		var out []string
		for _, x := range r {
			out = append(out, summary(x)...)
		}
		return out
	case showNotice:
		return []string{"notice " + r.text}
	case commitCell:
		if c, ok := r.c.(*textCell); ok {
			return []string{"commit " + c.title}
		}
		return []string{"commit " + ansi.Strip(r.c.render(80))}
	case openOverlay:
		if p, ok := r.o.(*picker); ok {
			return []string{"picker " + p.title}
		}
	case setHint:
		return []string{"hint " + r.text}
	case offerDraft:
		return []string{"draft " + r.text}
	case submitOp:
		return []string{describeOp(r.op)}
	}
	return []string{describe(msg)}
}

func describeOp(op protocol.Op) string {
	switch o := op.(type) {
	case protocol.Rewind:
		return "rewind " + string(rune('0'+o.Turn)) + map[bool]string{true: " files", false: ""}[o.Files] + map[bool]string{true: " force", false: ""}[o.Force]
	case protocol.Undo:
		return "undo" + map[bool]string{true: " force", false: ""}[o.Force]
	case protocol.EndProcess:
		return "end process"
	}
	return "op"
}

// The undo component alone: the session's events in, what to show out.
func TestUndoUpdate(t *testing.T) {
	t.Parallel()
	cp := func(turn int, prompt string) protocol.TurnCheckpoint {
		return protocol.TurnCheckpoint{Turn: turn, Prompt: prompt}
	}
	tests := []struct {
		name      string
		events    []protocol.EventMsg
		want      []string // the last event's results
		wantTurns int
	}{
		{"checkpoints are kept", []protocol.EventMsg{cp(1, "a"), cp(2, "b")}, nil, 2},
		{"restored files are told", []protocol.EventMsg{cp(1, "a"), protocol.FilesRestored{Action: "undo", Turns: []int{1}, Paths: []string{"x.go"}}},
			[]string{"notice Undid the file changes of turn 1: 1 file restored (x.go)."}, 1},
		{"a rewind drops the later turns and offers the prompt", []protocol.EventMsg{cp(1, "a"), cp(2, "b"), cp(3, "c"), protocol.ConversationRewound{Turn: 2, Prompt: "b"}},
			[]string{"notice Rewound: the conversation now ends before turn 2; edit the message and send it to go on from there.", "draft b"}, 1},
		{"a conflict shows the diff and asks", []protocol.EventMsg{protocol.RestoreConflict{Action: "undo", Turns: []int{4}, Paths: []string{"x.go"}, Diff: "-a\n+b\n"}},
			[]string{"commit Changed since turn 4", "notice Nothing restored: 1 file was changed since (shown above).", "picker Undo anyway, overwriting those changes?"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var u undoState
			var got tea.Msg
			for _, ev := range tt.events {
				var ok bool
				if got, ok = u.update(ev); !ok {
					t.Fatalf("%T not taken", ev)
				}
			}
			if diff := cmp.Diff(tt.want, summary(got)); diff != "" {
				t.Errorf("results mismatch (-want +got):\n%s", diff)
			}
			if len(u.turns) != tt.wantTurns {
				t.Errorf("%d turns kept, want %d", len(u.turns), tt.wantTurns)
			}
		})
	}
	var u undoState
	if _, ok := u.update(protocol.Warning{Message: "x"}); ok {
		t.Error("undo takes an event not its own")
	}
	// A compaction leaves no turn to rewind to, and is left to the others.
	u.update(cp(1, "a"))
	if _, ok := u.update(protocol.ContextCompacted{TokensBefore: 9000, TokensAfter: 900}); ok {
		t.Error("undo takes the compaction the transcript shows")
	}
	if len(u.turns) != 0 {
		t.Errorf("%d turns offered for rewind after a compaction, want none", len(u.turns))
	}
}

// Esc Esc opens the rewind picker; its choices submit the rewind.
func TestUndoEscapeAndRewind(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var u undoState
	if _, ok := u.escape(t0); ok {
		t.Error("Esc is taken with nothing to rewind to")
	}
	if diff := cmp.Diff([]string{"notice No earlier message to rewind to in this session yet."}, summary(u.rewind())); diff != "" {
		t.Errorf("/rewind with no turns (-want +got):\n%s", diff)
	}
	u.update(protocol.TurnCheckpoint{Turn: 1, Prompt: "first"})
	u.update(protocol.TurnCheckpoint{Turn: 2, Prompt: "second"})
	r, _ := u.escape(t0)
	if diff := cmp.Diff([]string{"hint Esc again to rewind to an earlier message"}, summary(r)); diff != "" {
		t.Errorf("first Esc (-want +got):\n%s", diff)
	}
	r, _ = u.escape(t0.Add(quitWindow))
	o, ok := r.(openOverlay)
	if !ok {
		t.Fatalf("second Esc gave %v, want the rewind picker", summary(r))
	}
	p := o.o.(*picker)
	if p.items[0].label != "second" {
		t.Errorf("the newest message is not first: %+v", p.items)
	}
	// No turn since changed a file: nothing to ask about the files.
	if diff := cmp.Diff([]string{"rewind 2"}, summary(p.choose(0))); diff != "" {
		t.Errorf("rewind when no file changed (-want +got):\n%s", diff)
	}
	golden(t, "overlay_rewind", ansi.Strip(p.view(60, 0)))

	// A turn since changed files: the files may go back too, or stay.
	u.update(protocol.TurnCheckpoint{Turn: 3, Prompt: "third", Before: "a", After: "b"})
	p = u.rewindPicker()
	if _, ok := p.choose(2).(submitOp); ok { // turn 1: turn 3 since changed files
		t.Fatal("rewinding over a turn that changed files does not ask about the files")
	}
	q := p.choose(2).(openOverlay).o.(*picker)
	if diff := cmp.Diff([]string{"rewind 1 files"}, summary(q.choose(0))); diff != "" {
		t.Errorf("rewind with files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"rewind 1"}, summary(q.choose(1))); diff != "" {
		t.Errorf("rewind without files (-want +got):\n%s", diff)
	}
}

// /ps and what the model writes to a process, from the live processes.
func TestProcessResults(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if diff := cmp.Diff([]string{"notice No processes are running."}, summary(psPicker(nil, t0))); diff != "" {
		t.Errorf("/ps with none (-want +got):\n%s", diff)
	}
	procs := []*execCell{{command: []string{"npm", "run", "dev"}, processID: 42, running: true, started: t0}}
	p := psPicker(procs, t0.Add(90*time.Second)).(openOverlay).o.(*picker)
	if diff := cmp.Diff([]string{"end process", "hint Ending process 42…"}, summary(p.choose(0))); diff != "" {
		t.Errorf("choosing a process (-want +got):\n%s", diff)
	}
	if got := terminalInput(protocol.TerminalInteraction{ProcessID: 42}, procs); got != nil {
		t.Errorf("a poll shows %v", summary(got))
	}
	c, ok := terminalInput(protocol.TerminalInteraction{ProcessID: 42, Stdin: "q\n"}, procs).(commitCell)
	if !ok || ansi.Strip(c.c.render(80)) != `• ↳ sent to npm run dev: "q\n"` {
		t.Errorf("input to a process shows %#v", c)
	}
}
