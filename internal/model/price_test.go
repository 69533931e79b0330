package model

import (
	"math"
	"testing"
)

func TestKnownPrice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		want Price
		ok   bool
	}{
		{"gpt-5.1-codex", Price{1.25, 0.125, 10}, true},
		{"gpt-5-mini", Price{0.25, 0.025, 2}, true},
		{"openai/gpt-5-nano-2025-08-07", Price{0.05, 0.005, 0.40}, true},
		{"gpt-4.1-mini", Price{0.40, 0.10, 1.60}, true},
		{"o3", Price{2, 0.5, 8}, true},
		{"gpt-oss:20b", Price{}, false},
		{"llama3", Price{}, false},
	} {
		got, ok := KnownPrice(c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("KnownPrice(%q) = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	cost := Price{1.25, 0.125, 10}.Cost(Usage{InputTokens: 2_000_000, CachedInputTokens: 1_000_000, OutputTokens: 100_000})
	if want := 1.25 + 0.125 + 1.0; math.Abs(cost-want) > 1e-9 {
		t.Errorf("Cost = %v, want %v", cost, want)
	}
}
