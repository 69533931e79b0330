package tui_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// The provider's rate-limit headers: a warning when one runs low, the
// figures and the session's cost estimate in /status.
func TestRateLimitWarningAndStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, modeltest.Response{Text: "Done.", Headers: map[string]string{
		"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "20", "x-ratelimit-reset-requests": "1m30s",
		"x-ratelimit-limit-tokens": "200000", "x-ratelimit-remaining-tokens": "150000", "x-ratelimit-reset-tokens": "6s",
	}})
	term, _ := e.start()
	prompt(t, term, "go")
	wait(t, term, "Done.")
	screen := waitScreen(t, term, "Rate limit: 20 of 500 requests left, resets in 2 min.")
	if strings.Contains(screen, "tokens left") {
		t.Errorf("a token limit 75%% left is warned about:\n%s", screen)
	}
	turnEnded(t, term)
	must(t, term.Type("/status"))
	waitScreen(t, term, "/status")
	must(t, term.Press("enter"))
	all := wait(t, term, "Tokens/min:")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Requests: +20 of 500 left, resets in 2 min`),
		regexp.MustCompile(`Tokens/min: +150k of 200k left, resets in 6 s`),
		regexp.MustCompile(`Cost: +≈ \$0\.0`),
	} {
		if !want.MatchString(all) {
			t.Errorf("/status lacks %q:\n%s", want, all)
		}
	}
	t.Logf("screen:\n%s", term.Screen())
}
