package model

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind classifies model errors so callers (and exit codes) can tell them
// apart.
type ErrorKind int

// Error kinds.
const (
	ErrUnknown        ErrorKind = iota
	ErrMissingKey               // no API key in the environment
	ErrAuth                     // 401/403
	ErrUnknownModel             // the server does not know the model
	ErrContextWindow            // the input exceeds the model's context window
	ErrRateLimit                // 429 or quota exhausted, after retries
	ErrServer                   // 5xx after retries
	ErrNetwork                  // connection failures or idle timeouts after retries
	ErrBadRequest               // other 4xx
	ErrStream                   // malformed or truncated stream, after retries
	ErrResponseFailed           // response.failed / error event from the model
	ErrIncomplete               // response.incomplete (e.g. max output tokens)
)

var kindNames = [...]string{
	ErrUnknown:        "error",
	ErrMissingKey:     "missing API key",
	ErrAuth:           "authentication failed",
	ErrUnknownModel:   "unknown model",
	ErrContextWindow:  "context window exceeded",
	ErrRateLimit:      "rate limited",
	ErrServer:         "server error",
	ErrNetwork:        "network error",
	ErrBadRequest:     "bad request",
	ErrStream:         "broken stream",
	ErrResponseFailed: "response failed",
	ErrIncomplete:     "response incomplete",
}

func (k ErrorKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error is a classified model error. Message is the server's (or our) account
// of what happened; Hint says what the user can do about it.
type Error struct {
	Kind    ErrorKind
	Status  int       // HTTP status, 0 if none
	Code    string    // provider error code, if any
	Message string    // what happened
	Hint    string    // what to do, may be empty
	ResetAt time.Time // rate limits: when the limit resets, if known
	Err     error     // underlying cause, may be nil
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	if !e.ResetAt.IsZero() {
		s += " (resets at " + e.ResetAt.Local().Format(time.Kitchen) + ")"
	}
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the first *Error in err's chain, or ErrUnknown.
func KindOf(err error) ErrorKind {
	var me *Error
	if errors.As(err, &me) {
		return me.Kind
	}
	return ErrUnknown
}
