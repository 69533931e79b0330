package tui

import (
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestRetryText(t *testing.T) {
	tests := []struct {
		in   protocol.Retry
		want string
	}{
		{protocol.Retry{Attempt: 2, MaxAttempts: 5, Wait: protocol.Duration(12 * time.Second), Reason: "rate limited: slow down", RateLimited: true},
			"Rate limited; retrying in 12 s (2/5)."},
		{protocol.Retry{Attempt: 1, MaxAttempts: 4, Wait: protocol.Duration(400 * time.Millisecond), Reason: "server error (HTTP 500): boom"},
			"Model request failed (server error (HTTP 500): boom); retrying in 0.4 s (1/4)."},
	}
	for _, tt := range tests {
		if got := retryText(tt.in); got != tt.want {
			t.Errorf("retryText(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
