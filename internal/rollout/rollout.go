// Package rollout records sessions as append-only JSONL transcripts and reads
// them back for listing and resuming.
//
// A rollout lives at
//
//	$KODEX_HOME/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl
//
// (local time of creation). Every line is one JSON object:
//
//	{"timestamp":"<RFC 3339, nanoseconds>","type":"<line type>","payload":{…}}
//
// The first line is a session_meta ([Meta]). The others are response_item
// (a model.Item of the history the model sees), event (a persisted
// protocol.Event, see [Persisted]), turn_context ([TurnContext], written at
// the start of each turn) and compacted ([Compacted]: the history was
// replaced by a summary; what came before it is no longer sent).
//
// The [Recorder] writes each line with a single write(2) and never buffers
// across lines, so the file is readable at any moment; after a crash only
// the last line can be torn, and [Load] and [Open] tolerate that. The reader
// streams the file and keeps only what resuming needs: the meta, the
// history (decoded only from the last compaction on), the last turn
// context and a few totals, never the events. [List] reads a cache of the
// summaries, $KODEX_HOME/sessions/.index.json, and a transcript only when
// it changed (only its new lines when it grew).
//
// This package does not decide what to record (the agent does) and does
// not interpret history beyond the totals it reports.
package rollout

import (
	"encoding/json"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Line types.
const (
	TypeSessionMeta  = "session_meta"
	TypeResponseItem = "response_item"
	TypeEvent        = "event"
	TypeTurnContext  = "turn_context"
	TypeCompacted    = "compacted"
)

// Line is one line of a rollout file.
type Line struct {
	Timestamp time.Time       `json:"timestamp"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"`
}

// Meta is the payload of the first line.
type Meta struct {
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	Cwd       string    `json:"cwd"`
	Model     string    `json:"model,omitempty"`
	Provider  string    `json:"provider,omitempty"`
	Version   string    `json:"kodex_version,omitempty"`
	Git       *GitInfo  `json:"git,omitempty"`
	// ForkedFrom is the id of the session this one was forked from.
	ForkedFrom string `json:"forked_from,omitempty"`
}

// GitInfo describes the repository a session ran in. Empty fields were not
// available.
type GitInfo struct {
	Branch        string `json:"branch,omitempty"`
	Commit        string `json:"commit,omitempty"`
	RepositoryURL string `json:"repository_url,omitempty"`
}

// TurnContext is the payload of a turn_context line: the settings a turn ran
// with.
type TurnContext struct {
	TurnID         string                  `json:"turn_id,omitempty"`
	Cwd            string                  `json:"cwd"`
	Model          string                  `json:"model"`
	ApprovalPolicy protocol.ApprovalPolicy `json:"approval_policy"`
	Sandbox        protocol.SandboxPolicy  `json:"sandbox_policy"`
	Effort         string                  `json:"effort,omitempty"`
}

// Compacted is the payload of a compacted line: History replaces everything
// recorded before it when the session is resumed.
type Compacted struct {
	Summary string       `json:"summary,omitempty"`
	History []model.Item `json:"history"`
}

// Persisted reports whether events of msg's type are recorded by
// [Recorder.AppendEvent]: the complete, user-visible outcomes (messages,
// reasoning, command and patch results, plans, token counts, compactions,
// turn ends), not deltas, approvals or session-level noise.
func Persisted(msg protocol.EventMsg) bool {
	switch msg.(type) {
	case protocol.AgentMessage, protocol.Reasoning, protocol.ExecEnd, protocol.PatchApplyEnd,
		protocol.PlanUpdate, protocol.TokenCount, protocol.TurnStarted,
		protocol.TurnComplete, protocol.TurnAborted, protocol.TurnFailed,
		protocol.TurnCheckpoint, protocol.FilesRestored, protocol.ConversationRewound,
		protocol.ContextCompacted:
		return true
	}
	return false
}
