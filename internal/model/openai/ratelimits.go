package openai

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
)

// rateLimits reads the rate-limit headers of a response (nil if it has
// none): x-ratelimit-{limit,remaining,reset}-{requests,tokens}, as OpenAI
// and compatible servers send them, and x-codex-{primary,secondary}-*.
func rateLimits(h http.Header) *model.RateLimits {
	var rl model.RateLimits
	window := func(kind string) *model.LimitWindow {
		limit, ok1 := headerInt(h, "X-Ratelimit-Limit-"+kind)
		left, ok2 := headerInt(h, "X-Ratelimit-Remaining-"+kind)
		if !ok1 || !ok2 {
			return nil
		}
		reset, _ := resetDuration(h.Get("X-Ratelimit-Reset-" + kind))
		return &model.LimitWindow{Limit: limit, Remaining: left, ResetIn: reset}
	}
	usage := func(which string) *model.UsageWindow {
		used, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Codex-"+which+"-Used-Percent")), 64)
		if err != nil {
			return nil
		}
		w := &model.UsageWindow{UsedPercent: used}
		if m, ok := headerInt(h, "X-Codex-"+which+"-Window-Minutes"); ok {
			w.Window = time.Duration(m) * time.Minute
		}
		if s, ok := headerInt(h, "X-Codex-"+which+"-Reset-After-Seconds"); ok {
			w.ResetIn = time.Duration(s) * time.Second
		}
		return w
	}
	rl.Requests, rl.Tokens = window("Requests"), window("Tokens")
	rl.Primary, rl.Secondary = usage("Primary"), usage("Secondary")
	if rl == (model.RateLimits{}) {
		return nil
	}
	return &rl
}

func headerInt(h http.Header, key string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(h.Get(key)), 10, 64)
	return n, err == nil && n >= 0
}

// resetDuration reads a reset time as OpenAI writes it ("1s", "6m0s",
// "12ms", "1h2m3.5s") or as plain seconds.
func resetDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 {
		return time.Duration(f * float64(time.Second)), true
	}
	return 0, false
}
