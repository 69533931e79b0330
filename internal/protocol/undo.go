package protocol

// Undo asks the session to restore the files that the last turn which
// changed any changed, as they were before it (/undo, kodex undo). It runs
// after any turn already queued and ends with exactly one of
// FilesRestored, RestoreConflict or Error (nothing to undo). Force restores
// even the files the user changed since the turn.
type Undo struct {
	Force bool `json:"force,omitempty"`
}

// Redo puts back what the last Undo restored (/redo); it ends like Undo.
// A turn after the undo forgets what could be redone.
type Redo struct {
	Force bool `json:"force,omitempty"`
}

// Rewind takes the conversation back to before the user message of Turn
// (a TurnCheckpoint's number): later messages are dropped from the history
// the model sees. With Files, the files the turns since changed are
// restored too (as by Undo, with the same conflict check). It ends with
// ConversationRewound (after FilesRestored, with Files), RestoreConflict or
// Error.
type Rewind struct {
	Turn  int  `json:"turn"`
	Files bool `json:"files,omitempty"`
	Force bool `json:"force,omitempty"`
}

// TurnCheckpoint reports the workspace's checkpoints around a turn, after
// the turn ended: Before and After name snapshots in kodex's checkpoint
// store for Workspace. Turn numbers the turns of a session from 1 (a
// resumed session goes on counting). HistoryLen is the length of the
// conversation before the turn's user message, whose text (cut to a few KB)
// is Prompt; Rewind uses both.
type TurnCheckpoint struct {
	Turn       int    `json:"turn"`
	TurnID     string `json:"turn_id"`
	Workspace  string `json:"workspace"`
	Before     string `json:"before"`
	After      string `json:"after"`
	HistoryLen int    `json:"history_len"`
	Prompt     string `json:"prompt,omitempty"`
}

// Changed reports whether the turn changed any file.
func (t TurnCheckpoint) Changed() bool { return t.Before != t.After }

// FilesRestored reports that Undo, Redo or Rewind (Action: "undo", "redo",
// "rewind") restored Paths (relative to the workspace, slash-separated) to
// their state before (undo, rewind) or after (redo) Turns.
type FilesRestored struct {
	Action string   `json:"action"`
	Turns  []int    `json:"turns"`
	Paths  []string `json:"paths,omitempty"`
}

// RestoreConflict reports that Undo, Redo or Rewind restored nothing
// because the user changed Paths since the turns' checkpoint: Diff shows
// how (from what the turns left to what is there now). Submitting the op
// again with Force restores them anyway. For a rewind, Rewind is the turn
// it goes back to before (Turns holds only the turns whose changes were
// still in place, so it may start later).
type RestoreConflict struct {
	Action string   `json:"action"`
	Turns  []int    `json:"turns"`
	Paths  []string `json:"paths"`
	Diff   string   `json:"diff,omitempty"`
	Rewind int      `json:"rewind,omitempty"`
}

// ConversationRewound reports that the conversation now ends before the
// user message of Turn, whose text is Prompt (for the user to edit and send
// again).
type ConversationRewound struct {
	Turn   int    `json:"turn"`
	Prompt string `json:"prompt,omitempty"`
}

// OpType implementations.
func (Undo) OpType() string   { return "undo" }
func (Redo) OpType() string   { return "redo" }
func (Rewind) OpType() string { return "rewind" }

// EventType implementations.
func (TurnCheckpoint) EventType() string      { return "turn_checkpoint" }
func (FilesRestored) EventType() string       { return "files_restored" }
func (RestoreConflict) EventType() string     { return "restore_conflict" }
func (ConversationRewound) EventType() string { return "conversation_rewound" }

func newUndoOp(typ string) (Op, error) { // nil, nil: not one of these
	switch typ {
	case "undo":
		return &Undo{}, nil
	case "redo":
		return &Redo{}, nil
	case "rewind":
		return &Rewind{}, nil
	}
	return nil, nil
}

func newUndoEvent(typ string) EventMsg {
	switch typ {
	case "turn_checkpoint":
		return &TurnCheckpoint{}
	case "files_restored":
		return &FilesRestored{}
	case "restore_conflict":
		return &RestoreConflict{}
	case "conversation_rewound":
		return &ConversationRewound{}
	}
	return nil
}
