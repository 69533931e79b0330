package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// undoState is what /undo, /redo and /rewind need: the turns this session
// checkpointed (as reported while this UI ran), and when Esc was last
// pressed on an empty composer (Esc Esc opens the rewind picker).
type undoState struct {
	turns []protocol.TurnCheckpoint
	escAt time.Time
}

func (m *model) cmdUndo(string) tea.Cmd {
	m.sink.submit(protocol.Undo{})
	return nil
}

func (m *model) cmdRedo(string) tea.Cmd {
	m.sink.submit(protocol.Redo{})
	return nil
}

func (m *model) cmdRewind(string) tea.Cmd {
	if len(m.undo.turns) == 0 {
		m.notice(noticeInfo, "No earlier message to rewind to in this session yet.", "")
		return nil
	}
	m.overlay = m.rewindPicker()
	return nil
}

// rewindPicker lists the user messages of the checkpointed turns, newest
// first; choosing one asks whether the files go back too.
func (m *model) rewindPicker() *picker {
	turns := slices.Clone(m.undo.turns)
	slices.Reverse(turns)
	p := &picker{title: "Rewind to before which message?", footer: "↑/↓ select · enter choose · esc cancel"}
	for _, t := range turns {
		label := strings.Join(strings.Fields(t.Prompt), " ")
		if label == "" {
			label = "(no text)"
		}
		desc := fmt.Sprintf("turn %d", t.Turn)
		if t.Changed() {
			desc += " · changed files"
		}
		p.items = append(p.items, popupItem{label: label, desc: desc})
	}
	p.choose = func(m *model, i int) tea.Cmd {
		t := turns[i]
		q := &picker{title: fmt.Sprintf("Rewind to before turn %d", t.Turn)}
		q.items = []popupItem{
			{label: "Conversation and files", desc: "the files the turns since changed go back too"},
			{label: "Conversation only", desc: "the files stay as they are"},
		}
		q.choose = func(m *model, j int) tea.Cmd {
			m.sink.submit(protocol.Rewind{Turn: t.Turn, Files: j == 0})
			return nil
		}
		m.overlay = q
		return nil
	}
	return p
}

// escRewind handles Esc on an idle composer: a second press within
// quitWindow opens the rewind picker.
func (m *model) escRewind() bool {
	if !m.composer.empty() || len(m.undo.turns) == 0 {
		return false
	}
	now := m.now()
	if !m.undo.escAt.IsZero() && now.Sub(m.undo.escAt) <= quitWindow {
		m.undo.escAt = time.Time{}
		m.overlay = m.rewindPicker()
		return true
	}
	m.undo.escAt = now
	m.hint = "Esc again to rewind to an earlier message"
	return true
}

// undoEvent applies the events of checkpoints, undo, redo and rewind.
func (m *model) undoEvent(ev protocol.EventMsg) (tea.Cmd, bool) {
	switch e := ev.(type) {
	case protocol.TurnCheckpoint:
		m.undo.turns = append(m.undo.turns, e)
	case protocol.FilesRestored:
		m.notice(noticeInfo, restoredText(e), "")
	case protocol.RestoreConflict:
		m.restoreConflict(e)
	case protocol.ConversationRewound:
		m.undo.turns = slices.DeleteFunc(m.undo.turns, func(t protocol.TurnCheckpoint) bool { return t.Turn >= e.Turn })
		m.notice(noticeInfo, fmt.Sprintf("Rewound: the conversation now ends before turn %d; edit the message and send it to go on from there.", e.Turn), "")
		if m.composer.empty() {
			m.composer.setValue(e.Prompt)
		}
	default:
		return nil, false
	}
	return nil, true
}

func restoredText(e protocol.FilesRestored) string {
	verb := map[string]string{"undo": "Undid", "redo": "Redid", "rewind": "Rewound"}[e.Action]
	what := fmt.Sprintf("turn %d", e.Turns[0])
	if len(e.Turns) > 1 && e.Action == "rewind" {
		what = fmt.Sprintf("turns %d–%d", e.Turns[0], e.Turns[len(e.Turns)-1])
	}
	text := fmt.Sprintf("%s the file changes of %s: %d file(s) restored", verb, what, len(e.Paths))
	if len(e.Paths) > 0 {
		shown := e.Paths[:min(len(e.Paths), 8)]
		text += " (" + strings.Join(shown, ", ")
		if len(e.Paths) > len(shown) {
			text += fmt.Sprintf(", … %d more", len(e.Paths)-len(shown))
		}
		text += ")"
	}
	return text + "."
}

// restoreConflict shows what the user changed since the turn and asks
// whether to restore anyway.
func (m *model) restoreConflict(e protocol.RestoreConflict) {
	m.commit(&textCell{title: fmt.Sprintf("Changed since turn %d", e.Turns[0]), body: e.Diff, diff: true})
	m.notice(noticeWarning, fmt.Sprintf("Nothing restored: %d file(s) were changed since (shown above).", len(e.Paths)), "")
	p := &picker{title: fmt.Sprintf("%s anyway, overwriting those changes?", map[string]string{"undo": "Undo", "redo": "Redo", "rewind": "Rewind"}[e.Action])}
	p.items = []popupItem{{label: "No, keep my changes"}, {label: "Yes, overwrite them", desc: strings.Join(e.Paths, ", ")}}
	p.choose = func(m *model, i int) tea.Cmd {
		if i == 0 {
			return nil
		}
		switch e.Action {
		case "undo":
			m.sink.submit(protocol.Undo{Force: true})
		case "redo":
			m.sink.submit(protocol.Redo{Force: true})
		case "rewind":
			m.sink.submit(protocol.Rewind{Turn: e.Turns[0], Files: true, Force: true})
		}
		return nil
	}
	m.overlay = p
}
