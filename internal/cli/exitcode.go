package cli

import (
	"context"
	"errors"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/sandbox"
	"github.com/kodex-cli/kodex/internal/session"
)

// Exit codes, documented in docs/exit-codes.md. This file is the only place
// that maps errors to them.
const (
	ExitOK            = 0
	ExitFailure       = 1 // the turn failed, or another error
	ExitUsage         = 2 // bad flags or arguments
	ExitMissingKey    = 3 // no API key for the provider
	ExitAuth          = 4 // the provider rejected the key (401/403)
	ExitUnknownModel  = 5 // the provider does not know the model
	ExitRateLimit     = 6 // rate limit or quota, after retries
	ExitContextWindow = 7 // the conversation no longer fits the model's context window
	ExitModel         = 8 // other model, network or stream errors, after retries
	ExitSandbox       = 9 // a sandbox was required and none could be applied
	ExitConfig        = 78
	ExitInterrupted   = 130
)

// UsageError is a mistake in how kodex was invoked.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ConfigError wraps a configuration problem (the session runtime reports
// its own, session.ConfigError, mapped alike).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// TurnError is a turn that ended in failure; the frontend already showed it.
type TurnError struct{ Info protocol.ErrorInfo }

func (e *TurnError) Error() string { return e.Info.String() }

// silentError marks an error that was already reported to the user.
type silentError struct{ error }

func (e *silentError) Unwrap() error { return e.error }

// errInterrupted ends a command the user interrupted.
var errInterrupted = errors.New("interrupted")

// ExitCode maps the outcome of a command to the process exit code.
func ExitCode(ctx context.Context, err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		usage *UsageError
		cfg   *ConfigError
		turn  *TurnError
		merr  *model.Error
		cmd   *CommandExitError
		nf    *session.NotFoundError
		scfg  *session.ConfigError
	)
	switch {
	case errors.As(err, &cmd): // kodex sandbox passes the command's status through
		return cmd.Code
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return ExitInterrupted
	case errors.As(err, &usage), errors.As(err, &nf):
		return ExitUsage
	case errors.As(err, &cfg), errors.As(err, &scfg):
		return ExitConfig
	case errors.Is(err, sandbox.ErrUnavailable):
		return ExitSandbox
	case errors.As(err, &turn):
		return codeForTurn(turn.Info.Code)
	case errors.As(err, &merr):
		return codeForModel(merr.Kind)
	}
	return ExitFailure
}

func codeForTurn(code string) int {
	switch code {
	case "missing_key":
		return ExitMissingKey
	case "auth":
		return ExitAuth
	case "unknown_model":
		return ExitUnknownModel
	case "rate_limit":
		return ExitRateLimit
	case "context_window":
		return ExitContextWindow
	case "server", "network", "stream", "bad_request", "response_failed", "incomplete", "model":
		return ExitModel
	case "sandbox_unavailable":
		return ExitSandbox
	}
	return ExitFailure
}

func codeForModel(k model.ErrorKind) int {
	switch k {
	case model.ErrMissingKey:
		return ExitMissingKey
	case model.ErrAuth:
		return ExitAuth
	case model.ErrUnknownModel:
		return ExitUnknownModel
	case model.ErrRateLimit:
		return ExitRateLimit
	case model.ErrContextWindow:
		return ExitContextWindow
	case model.ErrUnknown, model.ErrServer, model.ErrNetwork, model.ErrBadRequest,
		model.ErrStream, model.ErrResponseFailed, model.ErrIncomplete:
		return ExitModel
	}
	return ExitModel
}
