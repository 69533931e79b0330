package openai

import (
	"net/http"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
)

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("x-ratelimit-limit-requests", "5000")
	h.Set("x-ratelimit-remaining-requests", "4999")
	h.Set("x-ratelimit-reset-requests", "12ms")
	h.Set("x-ratelimit-limit-tokens", "2000000")
	h.Set("x-ratelimit-remaining-tokens", "1500000")
	h.Set("x-ratelimit-reset-tokens", "6m0s")
	h.Set("x-codex-primary-used-percent", "91.5")
	h.Set("x-codex-primary-window-minutes", "300")
	h.Set("x-codex-primary-reset-after-seconds", "3600")
	rl := rateLimits(h)
	if rl == nil || rl.Requests == nil || rl.Tokens == nil || rl.Primary == nil || rl.Secondary != nil {
		t.Fatalf("rateLimits = %+v", rl)
	}
	if got := *rl.Requests; got != (model.LimitWindow{Limit: 5000, Remaining: 4999, ResetIn: 12 * time.Millisecond}) {
		t.Errorf("requests = %+v", got)
	}
	if got := *rl.Tokens; got != (model.LimitWindow{Limit: 2000000, Remaining: 1500000, ResetIn: 6 * time.Minute}) {
		t.Errorf("tokens = %+v", got)
	}
	if got := *rl.Primary; got != (model.UsageWindow{UsedPercent: 91.5, Window: 300 * time.Minute, ResetIn: time.Hour}) {
		t.Errorf("primary = %+v", got)
	}
	if rateLimits(http.Header{"X-Ratelimit-Limit-Requests": {"5"}}) != nil {
		t.Errorf("half a window is reported")
	}
	if rateLimits(http.Header{"X-Ratelimit-Limit-Requests": {"-5"}, "X-Ratelimit-Remaining-Requests": {"1"}}) != nil {
		t.Errorf("a negative limit is reported")
	}
}
