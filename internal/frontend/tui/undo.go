package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// undoState is what /undo, /redo and /rewind need: the turns this session
// checkpointed (as reported while this UI ran), and when Esc was last
// pressed on an empty composer (Esc Esc opens the rewind picker). It takes
// the checkpoint and restore events and Esc, and returns what to show or
// submit (see route.go).
type undoState struct {
	turns []protocol.TurnCheckpoint
	escAt time.Time
}

// rewind is /rewind: the picker of the turns to go back to, or why there
// is none.
func (u *undoState) rewind() tea.Msg {
	if len(u.turns) == 0 {
		return showNotice{noticeInfo, "No earlier message to rewind to in this session yet.", ""}
	}
	return openOverlay{u.rewindPicker()}
}

// rewindPicker lists the user messages of the checkpointed turns, newest
// first; choosing one asks whether the files go back too.
func (u *undoState) rewindPicker() *picker {
	turns := slices.Clone(u.turns)
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
	p.choose = func(i int) tea.Msg {
		t := turns[i]
		if !slices.ContainsFunc(turns[:i+1], protocol.TurnCheckpoint.Changed) {
			// No turn since changed a file: rewinding the files would only
			// undo the user's own edits. Nothing to ask.
			return submitOp{protocol.Rewind{Turn: t.Turn}}
		}
		q := &picker{title: fmt.Sprintf("Rewind to before turn %d", t.Turn)}
		q.items = []popupItem{
			{label: "Conversation and files", desc: "the files the turns since changed go back too"},
			{label: "Conversation only", desc: "the files stay as they are"},
		}
		q.choose = func(j int) tea.Msg {
			return submitOp{protocol.Rewind{Turn: t.Turn, Files: j == 0}}
		}
		return openOverlay{q}
	}
	return p
}

// escape handles Esc on an idle, empty composer: a second press within
// quitWindow opens the rewind picker. ok is false when there is nothing to
// rewind to.
func (u *undoState) escape(now time.Time) (result tea.Msg, ok bool) {
	if len(u.turns) == 0 {
		return nil, false
	}
	if !u.escAt.IsZero() && now.Sub(u.escAt) <= quitWindow {
		u.escAt = time.Time{}
		return openOverlay{u.rewindPicker()}, true
	}
	u.escAt = now
	return setHint{"Esc again to rewind to an earlier message"}, true
}

// update applies the events of checkpoints, undo, redo and rewind; ok is
// false for other events.
func (u *undoState) update(ev protocol.EventMsg) (result tea.Msg, ok bool) {
	switch e := ev.(type) {
	case protocol.TurnCheckpoint:
		u.turns = append(u.turns, e)
		return nil, true
	case protocol.FilesRestored:
		return showNotice{noticeInfo, restoredText(e), ""}, true
	case protocol.RestoreConflict:
		return restoreConflict(e), true
	case protocol.ContextCompacted:
		// The turns before a compaction are no longer in the conversation
		// as they were sent: none can be rewound to. Not consumed: the
		// transcript and the status line show the compaction.
		u.turns = nil
		return nil, false
	case protocol.ConversationRewound:
		u.turns = slices.DeleteFunc(u.turns, func(t protocol.TurnCheckpoint) bool { return t.Turn >= e.Turn })
		return results{
			showNotice{noticeInfo, fmt.Sprintf("Rewound: the conversation now ends before turn %d; edit the message and send it to go on from there.", e.Turn), ""},
			offerDraft{e.Prompt},
		}, true
	}
	return nil, false
}

func restoredText(e protocol.FilesRestored) string {
	verb := map[string]string{"undo": "Undid", "redo": "Redid", "rewind": "Rewound"}[e.Action]
	what := fmt.Sprintf("turn %d", e.Turns[0])
	if len(e.Turns) > 1 && e.Action == "rewind" {
		what = fmt.Sprintf("turns %d–%d", e.Turns[0], e.Turns[len(e.Turns)-1])
	}
	if len(e.Paths) == 0 {
		return fmt.Sprintf("%s the file changes of %s: the files were as they should be already, nothing to restore.", verb, what)
	}
	text := fmt.Sprintf("%s the file changes of %s: %d file%s restored", verb, what, len(e.Paths), plural(len(e.Paths)))
	shown := e.Paths[:min(len(e.Paths), 8)]
	text += " (" + strings.Join(shown, ", ")
	if len(e.Paths) > len(shown) {
		text += fmt.Sprintf(", … %d more", len(e.Paths)-len(shown))
	}
	return text + ")."
}

// restoreConflict shows what the user changed since the turn and asks
// whether to restore anyway; a rewind may also go back in the conversation
// only, keeping the user's changes.
func restoreConflict(e protocol.RestoreConflict) results {
	p := &picker{title: fmt.Sprintf("%s anyway, overwriting those changes?", map[string]string{"undo": "Undo", "redo": "Redo", "rewind": "Rewind"}[e.Action])}
	p.items = []popupItem{{label: "No, keep my changes"}, {label: "Yes, overwrite them", desc: strings.Join(e.Paths, ", ")}}
	if e.Action == "rewind" {
		p.title = "Rewind the files too, overwriting those changes?"
		p.items = []popupItem{{label: "Conversation only, keep my changes"}, {label: "Conversation and files, overwrite them", desc: strings.Join(e.Paths, ", ")}, {label: "Cancel"}}
	}
	target := cmp.Or(e.Rewind, e.Turns[0]) // the turn a rewind goes back to before
	p.choose = func(i int) tea.Msg {
		switch {
		case e.Action == "rewind" && i == 0:
			return submitOp{protocol.Rewind{Turn: target}}
		case i != 1:
			return nil
		}
		switch e.Action {
		case "undo":
			return submitOp{protocol.Undo{Force: true}}
		case "redo":
			return submitOp{protocol.Redo{Force: true}}
		case "rewind":
			return submitOp{protocol.Rewind{Turn: target, Files: true, Force: true}}
		}
		return nil
	}
	// The diff is from what the undone turn left, or for a rewind the last
	// of the turns it goes back over.
	since := e.Turns[0]
	if e.Action == "rewind" {
		since = e.Turns[len(e.Turns)-1]
	}
	return results{
		commitCell{&textCell{title: fmt.Sprintf("Changed since turn %d", since), body: e.Diff, diff: true}},
		showNotice{noticeWarning, fmt.Sprintf("Nothing restored: %d file%s changed since (shown above).", len(e.Paths), map[bool]string{true: " was", false: "s were"}[len(e.Paths) == 1]), ""},
		openOverlay{p},
	}
}
