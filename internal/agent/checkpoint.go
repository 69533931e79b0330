package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/checkpoint"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Checkpoints is the checkpoint store of the session's workspace
// (*checkpoint.Store): a snapshot before and after every turn, and the
// restores of Undo, Redo and Rewind.
type Checkpoints interface {
	Workspace() string
	Snapshot(ctx context.Context) (string, error)
	Restore(ctx context.Context, steps []checkpoint.Step, force bool) (checkpoint.Result, error)
}

// maxPrompt bounds the user message text a TurnCheckpoint carries.
const maxPrompt = 4 << 10

// runCheckpointedTurn runs a turn between two snapshots of the workspace
// and reports them (TurnCheckpoint, after the turn's end). A snapshot that
// fails leaves the turn without undo, and the user is told.
func (s *Session) runCheckpointedTurn(ctx context.Context, turnID string, ut protocol.UserTurn) {
	cp := s.opts.Checkpoints
	if cp == nil {
		s.runTurn(ctx, turnID, ut)
		return
	}
	historyLen, calls := len(s.history), s.toolCalls
	before, err := cp.Snapshot(ctx)
	s.runTurn(ctx, turnID, ut)
	if err != nil {
		s.emit(turnID, protocol.Warning{Message: "no checkpoint of the workspace before this turn, so it cannot be undone: " + err.Error()})
		return
	}
	// After an interrupt too: what the turn did so far can be undone. A
	// turn that ran no tool changed no file: its checkpoint after is the
	// one before (a user's edit meanwhile is not the turn's to undo).
	after := before
	if s.toolCalls != calls {
		if after, err = cp.Snapshot(context.WithoutCancel(ctx)); err != nil {
			s.emit(turnID, protocol.Warning{Message: "no checkpoint of the workspace after this turn, so it cannot be undone: " + err.Error()})
			return
		}
	}
	tc := protocol.TurnCheckpoint{
		Turn: s.journal.Last() + 1, TurnID: turnID, Workspace: cp.Workspace(),
		Before: before, After: after, HistoryLen: historyLen, Prompt: promptText(ut.Items),
	}
	s.journal.Apply(tc)
	s.emit(turnID, tc)
}

// promptText is the text of a user turn, cut to maxPrompt bytes.
func promptText(items []protocol.InputItem) string {
	var parts []string
	for _, it := range items {
		if it.Type == protocol.InputText {
			parts = append(parts, it.Text)
		}
	}
	return cut(strings.Join(parts, "\n"), maxPrompt)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // not in the middle of a rune
		n--
	}
	return s[:n]
}

// runRestore runs an Undo, Redo or Rewind op. It owns the session's
// history like a turn.
func (s *Session) runRestore(ctx context.Context, id string, op protocol.Op) {
	if s.opts.Checkpoints == nil {
		s.emit(id, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "no_checkpoints", Message: "this session keeps no checkpoints of its files (kodex keeps them for sessions in a project directory that are recorded)"}})
		return
	}
	switch op := op.(type) {
	case protocol.Undo:
		turns, step, ok := s.journal.Undo()
		if !ok {
			s.emit(id, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "nothing_to_undo", Message: "no turn of this session left file changes to undo"}})
			return
		}
		if s.restore(ctx, id, "undo", turns, []checkpoint.Step{step}, op.Force, 0) {
			s.record(RestoreNote("undo", turns[0]))
		}
	case protocol.Redo:
		n, step, ok := s.journal.Redo()
		if !ok {
			s.emit(id, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "nothing_to_redo", Message: "nothing to redo: /redo puts back what an undo restored (a turn after the undo forgets it)"}})
			return
		}
		if s.restore(ctx, id, "redo", []int{n}, []checkpoint.Step{step}, op.Force, 0) {
			s.record(RestoreNote("redo", n))
		}
	case protocol.Rewind:
		s.rewind(ctx, id, op)
	}
}

// restore restores steps for action and reports it; it returns whether the
// files were restored.
// rewindTo is the turn a rewind goes back to before (0 for undo and redo).
func (s *Session) restore(ctx context.Context, id, action string, turns []int, steps []checkpoint.Step, force bool, rewindTo int) bool {
	for _, n := range turns {
		if tc, _ := s.journal.Turn(n); tc.Workspace != s.opts.Checkpoints.Workspace() {
			s.emit(id, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "undo_failed", Message: fmt.Sprintf("turn %d ran in %s; run kodex there to restore its files", n, tc.Workspace)}})
			return false
		}
	}
	res, err := s.opts.Checkpoints.Restore(ctx, steps, force)
	if err != nil {
		s.emit(id, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "undo_failed", Message: err.Error()}})
		return false
	}
	if len(res.Conflicts) > 0 {
		s.emit(id, protocol.RestoreConflict{Action: action, Turns: turns, Paths: res.Conflicts, Diff: res.Diff, Rewind: rewindTo})
		return false
	}
	fr := protocol.FilesRestored{Action: action, Turns: turns, Paths: res.Restored}
	s.journal.Apply(fr)
	s.emit(id, fr)
	return true
}

// rewind takes the conversation back to before turn op.Turn, and the files
// with it when asked.
func (s *Session) rewind(ctx context.Context, id string, op protocol.Rewind) {
	tc, ok := s.journal.Turn(op.Turn)
	if !ok {
		s.emit(id, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "bad_op", Message: fmt.Sprintf("no turn %d to rewind to", op.Turn)}})
		return
	}
	if !s.startsTurn(tc) {
		s.emit(id, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "cannot_rewind", Message: fmt.Sprintf("turn %d is no longer in the conversation as it was sent (it was compacted or rewound)", op.Turn)}})
		return
	}
	if op.Files {
		if turns, steps := s.journal.Since(op.Turn); len(steps) > 0 && !s.restore(ctx, id, "rewind", turns, steps, op.Force, op.Turn) {
			return
		}
	}
	clear(s.history[tc.HistoryLen:])
	s.history = s.history[:tc.HistoryLen]
	s.lastContext, s.usageAt = 0, 0
	if s.opts.Recorder != nil {
		// A resumed session starts from the rewound conversation, as after
		// a compaction.
		if err := s.opts.Recorder.RecordCompacted("", s.history); err != nil && !s.recordWarned.Swap(true) {
			s.emit(id, protocol.Warning{Message: "could not record the session transcript: " + err.Error()})
		}
	}
	// The context is what is left: the meter shows it now, not at the
	// next turn.
	s.emit(id, protocol.TokenCount{Total: s.total, ContextWindow: s.settings.ContextWindow, ContextUsed: s.contextEstimate()})
	s.emit(id, protocol.ConversationRewound{Turn: op.Turn, Prompt: tc.Prompt})
}

// startsTurn reports whether the history still holds tc's user message
// where the turn put it.
func (s *Session) startsTurn(tc protocol.TurnCheckpoint) bool { return StartsTurn(s.history, tc) }

// StartsTurn reports whether history (a session's, live or recorded)
// still holds tc's user message where the turn put it: whether the
// conversation can be rewound to before it (cut at tc.HistoryLen). A turn
// compacted away, or rewound already, cannot.
func StartsTurn(history []model.Item, tc protocol.TurnCheckpoint) bool {
	if tc.HistoryLen < 0 || tc.HistoryLen >= len(history) {
		return false
	}
	it := history[tc.HistoryLen]
	if it.Type != model.ItemMessage || it.Role != model.RoleUser {
		return false
	}
	var parts []string
	for _, p := range it.Content {
		if p.Type == model.PartInputText {
			parts = append(parts, p.Text)
		}
	}
	return cut(strings.Join(parts, "\n"), maxPrompt) == tc.Prompt
}

// RewindableTurns returns the turns of the restored session (see
// Options.Journal) that a Rewind can still go back to: those whose user
// message is where it was in the restored conversation. It is fixed when
// the session is made; a frontend shows it as earlier messages.
func (s *Session) RewindableTurns() []protocol.TurnCheckpoint { return s.rewindable }

func (s *Session) findRewindable() []protocol.TurnCheckpoint {
	var out []protocol.TurnCheckpoint
	for _, t := range s.journal.Turns() {
		if s.startsTurn(t) {
			out = append(out, t)
		}
	}
	return out
}

// RestoreNote is what the model is told, in the history, after the user
// undid (action "undo") or redid ("redo") the file changes of a turn.
func RestoreNote(action string, turn int) model.Item {
	text := fmt.Sprintf("The user undid the file changes of turn %d: the files are back as they were before it.", turn)
	if action == "redo" {
		text = fmt.Sprintf("The user redid the file changes of turn %d: the files are back as that turn left them.", turn)
	}
	return model.Item{Type: model.ItemMessage, Role: model.RoleUser, Content: []model.ContentPart{
		{Type: model.PartInputText, Text: prompt.NotePrefix + text + "</kodex_note>"},
	}}
}
