package protocol

import (
	"encoding/json"
	"fmt"
)

// Submission is an Op sent by a frontend, with an id the session echoes in
// the Events it causes.
type Submission struct {
	ID string `json:"id"`
	Op Op     `json:"op"`
}

// Op is a request from a frontend to a session. The concrete types below are
// the only implementations.
type Op interface{ OpType() string }

// UserTurn starts a turn with the user's input. Zero-valued overrides keep
// the session's settings; set ones apply to this turn and those after it.
//
// A frontend chooses a sandbox MODE, never a policy: the session resolves
// the mode, with its working directory, the --add-dir directories and the
// configuration, into the complete policy commands run under (see
// internal/policy). A new Cwd re-resolves the current mode for it.
type UserTurn struct {
	Items           []InputItem     `json:"items"`
	Cwd             string          `json:"cwd,omitempty"`
	Model           string          `json:"model,omitempty"`
	ReasoningEffort string          `json:"reasoning_effort,omitempty"`
	ApprovalPolicy  ApprovalPolicy  `json:"approval_policy,omitempty"`
	SandboxMode     *SandboxMode    `json:"sandbox_mode,omitempty"`
	OutputSchema    json.RawMessage `json:"output_schema,omitempty"`
}

// Interrupt aborts the running turn: the model stream is cancelled and
// running commands are killed, those exec_command left running too (also
// when no turn runs). The turn ends with TurnAborted, and so does every
// turn submitted before the interrupt that has not started: each is
// TurnStarted then TurnAborted, without reaching the model (a queued
// Undo, Redo or Rewind is an Error with code "interrupted"). Every
// accepted turn ends with exactly one TurnComplete, TurnAborted or
// TurnFailed; a Shutdown ends the waiting ones the same way.
type Interrupt struct{}

// EndProcess ends one process exec_command left running, by the id the
// model knows it by (ExecBegin.ProcessID); its end is reported with
// ExecEnd. An unknown id is ignored.
type EndProcess struct {
	ProcessID int `json:"process_id"`
}

// ExecApproval answers an ExecApprovalRequest or an McpToolApprovalRequest.
type ExecApproval struct {
	CallID   string         `json:"call_id"`
	Decision ReviewDecision `json:"decision"`
}

// PatchApproval answers a PatchApprovalRequest. Feedback, if any, is passed to
// the model with a denial.
type PatchApproval struct {
	CallID   string         `json:"call_id"`
	Decision ReviewDecision `json:"decision"`
	Feedback string         `json:"feedback,omitempty"`
}

// Shutdown ends the session after the running turn is aborted. The last
// event is ShutdownComplete.
type Shutdown struct{}

// OpType implementations.
func (UserTurn) OpType() string      { return "user_turn" }
func (Interrupt) OpType() string     { return "interrupt" }
func (ExecApproval) OpType() string  { return "exec_approval" }
func (PatchApproval) OpType() string { return "patch_approval" }
func (Shutdown) OpType() string      { return "shutdown" }
func (EndProcess) OpType() string    { return "end_process" }

func newOp(typ string) (Op, error) {
	switch typ {
	case "user_turn":
		return &UserTurn{}, nil
	case "compact":
		return &Compact{}, nil
	case "interrupt":
		return &Interrupt{}, nil
	case "exec_approval":
		return &ExecApproval{}, nil
	case "patch_approval":
		return &PatchApproval{}, nil
	case "mcp_elicitation_response":
		return &McpElicitationResponse{}, nil
	case "shutdown":
		return &Shutdown{}, nil
	case "end_process":
		return &EndProcess{}, nil
	case "steer":
		return &Steer{}, nil
	}
	if op, _ := newUndoOp(typ); op != nil {
		return op, nil
	}
	return nil, fmt.Errorf("unknown op type %q", typ)
}

// MarshalJSON encodes the submission with the op's "type" tag.
func (s Submission) MarshalJSON() ([]byte, error) {
	if s.Op == nil {
		return nil, fmt.Errorf("submission %q has no op", s.ID)
	}
	op, err := marshalTagged(s.Op.OpType(), s.Op)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		ID string          `json:"id"`
		Op json.RawMessage `json:"op"`
	}{s.ID, op})
}

// UnmarshalJSON decodes a submission, choosing the op type by its tag.
// Ops are stored as values (UserTurn, not *UserTurn).
func (s *Submission) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID string          `json:"id"`
		Op json.RawMessage `json:"op"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("decoding submission: %w", err)
	}
	typ, err := typeTag(raw.Op)
	if err != nil {
		return fmt.Errorf("decoding submission %q: %w", raw.ID, err)
	}
	op, err := newOp(typ)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw.Op, op); err != nil {
		return fmt.Errorf("decoding %s op: %w", typ, err)
	}
	s.ID, s.Op = raw.ID, deref(op).(Op)
	return nil
}
