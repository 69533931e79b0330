package tui

import (
	"fmt"
	"math"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Price is a model's price in US dollars per million tokens (see
// [Options.Price]).
type Price struct {
	Input, CachedInput, Output float64
}

func (p Price) cost(u protocol.TokenUsage) float64 {
	cached := min(u.CachedInputTokens, u.InputTokens)
	return (float64(u.InputTokens-cached)*p.Input + float64(cached)*p.CachedInput + float64(u.OutputTokens)*p.Output) / 1e6
}

// rateLimitWarnAt is the share of a limit left under which kodex warns.
const rateLimitWarnAt = 0.10

// limitState is what the provider last said of its limits, and which of
// them kodex has warned about (once each time one runs low).
type limitState struct {
	last   *protocol.RateLimits
	warned map[string]bool
}

// rateLimitWarnings records rl and returns a warning for each limit that has
// just run low (under rateLimitWarnAt left).
func (l *limitState) update(rl *protocol.RateLimits) []string {
	if rl == nil {
		return nil
	}
	l.last = rl
	if l.warned == nil {
		l.warned = map[string]bool{}
	}
	var out []string
	check := func(name string, left float64, text string) {
		low := left < rateLimitWarnAt
		if low && !l.warned[name] {
			out = append(out, text)
		}
		l.warned[name] = low
	}
	if w := rl.Requests; w != nil && w.Limit > 0 {
		check("requests", float64(w.Remaining)/float64(w.Limit), fmt.Sprintf("Rate limit: %d of %d requests left%s.", w.Remaining, w.Limit, resetIn(w.ResetsInSeconds)))
	}
	if w := rl.Tokens; w != nil && w.Limit > 0 {
		check("tokens", float64(w.Remaining)/float64(w.Limit), fmt.Sprintf("Rate limit: %s of %s tokens left%s.", formatTokens(w.Remaining), formatTokens(w.Limit), resetIn(w.ResetsInSeconds)))
	}
	for _, u := range []struct {
		name string
		w    *protocol.UsageWindow
	}{{"primary", rl.Primary}, {"secondary", rl.Secondary}} {
		if u.w != nil {
			check(u.name, 1-u.w.UsedPercent/100, fmt.Sprintf("Usage limit: %.0f%% of the %s window used%s.", u.w.UsedPercent, windowName(u.w.WindowMinutes), resetIn(float64(u.w.ResetsInSeconds))))
		}
	}
	return out
}

// rows are the /status rows of the limits last reported.
func (l *limitState) rows() [][2]string {
	rl := l.last
	if rl == nil {
		return nil
	}
	var out [][2]string
	if w := rl.Requests; w != nil {
		out = append(out, [2]string{"Requests", fmt.Sprintf("%d of %d left%s", w.Remaining, w.Limit, resetIn(w.ResetsInSeconds))})
	}
	if w := rl.Tokens; w != nil {
		out = append(out, [2]string{"Tokens/min", fmt.Sprintf("%s of %s left%s", formatTokens(w.Remaining), formatTokens(w.Limit), resetIn(w.ResetsInSeconds))})
	}
	for _, u := range []struct {
		name string
		w    *protocol.UsageWindow
	}{{"Limit", rl.Primary}, {"Limit", rl.Secondary}} {
		if u.w != nil {
			out = append(out, [2]string{u.name, fmt.Sprintf("%.0f%% of the %s window used%s", u.w.UsedPercent, windowName(u.w.WindowMinutes), resetIn(float64(u.w.ResetsInSeconds)))})
		}
	}
	return out
}

func resetIn(secs float64) string {
	if secs <= 0 {
		return ""
	}
	return ", resets in " + humanDuration(time.Duration(math.Ceil(secs))*time.Second)
}

// humanDuration says a wait the way people do: 12 s, 5 min, 2 h 5 min, 3 d 4 h.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(math.Ceil(d.Minutes())))
	case d < 24*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days, h := int(d.Hours())/24, int(d.Hours())%24
	if h == 0 {
		return fmt.Sprintf("%d d", days)
	}
	return fmt.Sprintf("%d d %d h", days, h)
}

func windowName(minutes int64) string {
	switch {
	case minutes <= 0:
		return "current"
	case minutes%(7*24*60) == 0:
		return fmt.Sprintf("%d-week", minutes/(7*24*60))
	case minutes%60 == 0:
		return fmt.Sprintf("%d-hour", minutes/60)
	}
	return fmt.Sprintf("%d-minute", minutes)
}

// priceResponse adds a response's cost at the price of the model in use.
func (s *statusState) priceResponse(u protocol.TokenUsage) {
	if s.price == nil || u.TotalTokens == 0 {
		return
	}
	p, ok := s.price(s.info.Model)
	if !ok {
		s.costKnown = false
		return
	}
	if !s.priced {
		s.priced, s.costKnown = true, true
	}
	s.cost += p.cost(u)
}
