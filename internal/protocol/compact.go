package protocol

// Compact asks the session to compact its conversation now (/compact): the
// model summarises it and the summary, with the user's recent messages,
// replaces it. It runs as a turn (TurnStarted … TurnComplete) after any
// turn already queued.
type Compact struct{}

// ContextCompacted reports that the conversation was compacted, before a
// request that would not have fitted (auto), or on request (Compact). The
// token counts are estimates of the context before and after.
type ContextCompacted struct {
	TokensBefore int64 `json:"tokens_before"`
	TokensAfter  int64 `json:"tokens_after"`
	Auto         bool  `json:"auto,omitempty"`
}

// OpType implementation.
func (Compact) OpType() string { return "compact" }

// EventType implementation.
func (ContextCompacted) EventType() string { return "context_compacted" }
