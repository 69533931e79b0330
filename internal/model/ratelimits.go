package model

import "time"

// RateLimits is what a provider said, in a response's headers, about how
// much of its limits is left: OpenAI's request and token windows
// (x-ratelimit-*) and the usage percentages of a plan's windows
// (x-codex-primary-*, x-codex-secondary-*). Nil parts were not sent.
type RateLimits struct {
	Requests  *LimitWindow
	Tokens    *LimitWindow
	Primary   *UsageWindow
	Secondary *UsageWindow
}

// LimitWindow is a count limit: Remaining of Limit left until ResetIn.
type LimitWindow struct {
	Limit, Remaining int64
	ResetIn          time.Duration
}

// UsageWindow is a plan window: UsedPercent of it used, Window long,
// starting over after ResetIn.
type UsageWindow struct {
	UsedPercent float64
	Window      time.Duration
	ResetIn     time.Duration
}
