package model

import "strings"

// Price is a model's list price in US dollars per million tokens.
type Price struct {
	Input, CachedInput, Output float64
}

// Cost is what usage costs at p.
func (p Price) Cost(u Usage) float64 {
	cached := min(u.CachedInputTokens, u.InputTokens)
	return (float64(u.InputTokens-cached)*p.Input + float64(cached)*p.CachedInput + float64(u.OutputTokens)*p.Output) / 1e6
}

// KnownPrice returns OpenAI's list price of well-known models (as published
// in November 2025), for an estimate of a session's cost; ok is false for
// other models (local ones cost nothing kodex knows of). Longer names are
// checked first, so "gpt-5-mini" does not take gpt-5's price.
func KnownPrice(name string) (p Price, ok bool) {
	n := baseName(name)
	switch {
	case strings.HasPrefix(n, "gpt-5-nano"):
		return Price{0.05, 0.005, 0.40}, true
	case strings.HasPrefix(n, "gpt-5-mini"), strings.HasPrefix(n, "gpt-5.1-codex-mini"), strings.HasPrefix(n, "codex-mini"):
		return Price{0.25, 0.025, 2.00}, true
	case strings.HasPrefix(n, "gpt-5"):
		return Price{1.25, 0.125, 10.00}, true
	case strings.HasPrefix(n, "gpt-4.1-nano"):
		return Price{0.10, 0.025, 0.40}, true
	case strings.HasPrefix(n, "gpt-4.1-mini"):
		return Price{0.40, 0.10, 1.60}, true
	case strings.HasPrefix(n, "gpt-4.1"):
		return Price{2.00, 0.50, 8.00}, true
	case strings.HasPrefix(n, "gpt-4o-mini"):
		return Price{0.15, 0.075, 0.60}, true
	case strings.HasPrefix(n, "gpt-4o"):
		return Price{2.50, 1.25, 10.00}, true
	case strings.HasPrefix(n, "o4-mini"):
		return Price{1.10, 0.275, 4.40}, true
	case strings.HasPrefix(n, "o3-mini"):
		return Price{1.10, 0.55, 4.40}, true
	case strings.HasPrefix(n, "o3"):
		return Price{2.00, 0.50, 8.00}, true
	}
	return Price{}, false
}
