package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestRateLimitsWarnOnceAndShowInStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Price: func(name string) (Price, bool) {
		return Price{Input: 1, CachedInput: 0.1, Output: 10}, name == "gpt-5"
	}})
	low := &protocol.RateLimits{Requests: &protocol.LimitWindow{Limit: 100, Remaining: 5, ResetsInSeconds: 12},
		Primary: &protocol.UsageWindow{UsedPercent: 40, WindowMinutes: 300, ResetsInSeconds: 7200}}
	usage := protocol.TokenUsage{InputTokens: 1_000_000, CachedInputTokens: 500_000, OutputTokens: 100_000, TotalTokens: 1_100_000}
	h.events(protocol.TurnStarted{TurnID: "t1"}, protocol.TokenCount{Last: usage, Total: usage, RateLimits: low}, protocol.TurnComplete{TurnID: "t1"})
	h.events(protocol.TurnStarted{TurnID: "t2"}, protocol.TokenCount{Last: usage, Total: usage.Add(usage), RateLimits: low}, protocol.TurnComplete{TurnID: "t2"})
	sb := h.scrollback()
	if n := strings.Count(sb, "Rate limit: 5 of 100 requests left, resets in 12 s."); n != 1 {
		t.Errorf("the low-requests warning shows %d times, want once:\n%s", n, sb)
	}
	if strings.Contains(sb, "Usage limit") {
		t.Errorf("a window 40%% used is warned about:\n%s", sb)
	}
	h.typeText("/status")
	h.key("enter")
	sb = h.scrollback()
	for _, want := range []string{"Requests:  5 of 100 left, resets in 12 s", "40% of the 5-hour window used, resets in 2 h", "Cost:      ≈ $3.10 at list prices"} {
		if !strings.Contains(sb, want) {
			t.Errorf("/status lacks %q:\n%s", want, sb)
		}
	}
	// Back above the threshold, then low again: warned again.
	ok := &protocol.RateLimits{Requests: &protocol.LimitWindow{Limit: 100, Remaining: 90}}
	h.events(protocol.TokenCount{RateLimits: ok}, protocol.TokenCount{RateLimits: low})
	if n := strings.Count(h.scrollback(), "Rate limit: 5 of 100 requests left"); n != 2 {
		t.Errorf("a limit low again is not warned again (%d warnings)", n)
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{12 * time.Second, "12 s"}, {90 * time.Second, "2 min"}, {2 * time.Hour, "2 h"}, {125 * time.Minute, "2 h 5 min"}, {76 * time.Hour, "3 d 4 h"}, {48 * time.Hour, "2 d"}} {
		if got := humanDuration(c.d); got != c.want {
			t.Errorf("humanDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
