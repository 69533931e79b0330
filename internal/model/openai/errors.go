package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
)

// apiError is the body of an OpenAI error: {"error": {...}}, and also the
// payload of response.failed and of the "error" stream event.
type apiError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"` // usually a string, sometimes a number
	Param   string          `json:"param"`
}

func (e *apiError) code() string {
	var s string
	if json.Unmarshal(e.Code, &s) == nil {
		return s
	}
	if len(e.Code) > 0 && string(e.Code) != "null" {
		return string(e.Code)
	}
	return ""
}

func (c *Client) missingKey() *model.Error {
	env := c.opts.EnvKey
	if env == "" {
		env = "OPENAI_API_KEY"
	}
	hint := fmt.Sprintf("set %s in your environment or in $KODEX_HOME/.env", env)
	if c.opts.EnvKeyInstructions != "" {
		hint += " (" + c.opts.EnvKeyInstructions + ")"
	}
	return &model.Error{
		Kind:    model.ErrMissingKey,
		Message: fmt.Sprintf("%s needs an API key and %s is not set", c.providerName(), env),
		Hint:    hint,
	}
}

func (c *Client) networkError(err error, idle bool) *model.Error {
	host := c.host
	msg := fmt.Sprintf("connecting to %s: %v", host, err)
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		// Drop url.Error's "Post \"…\": " prefix, the host says it.
		msg = fmt.Sprintf("connecting to %s: %v", host, ue.Err)
	}
	if idle {
		msg = fmt.Sprintf("no response from %s for %s", host, c.idle)
	}
	var dnsErr *net.DNSError
	hint := "check your network connection and the provider's base_url"
	if errors.As(err, &dnsErr) {
		hint = "check the provider's base_url and your DNS/proxy settings"
	}
	return &model.Error{Kind: model.ErrNetwork, Message: msg, Hint: hint, Err: err}
}

// statusError classifies a non-2xx response and returns how long the server
// asked us to wait, if it did. It reads at most maxErrBodySize of the body.
func (c *Client) statusError(resp *http.Response) (*model.Error, time.Duration) {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBodySize))
	var body struct {
		Error *apiError `json:"error"`
	}
	var ae apiError
	if json.Unmarshal(data, &body) == nil && body.Error != nil {
		ae = *body.Error
	} else if msg := strings.TrimSpace(string(data)); msg != "" {
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		ae.Message = msg
	}
	e := &model.Error{Status: resp.StatusCode, Code: ae.code(), Message: ae.Message}
	if e.Message == "" {
		e.Message = resp.Status
	} else {
		e.Message = fmt.Sprintf("%s (HTTP %d)", e.Message, resp.StatusCode)
	}
	delay, resetAt := retryHints(resp.Header, time.Now())
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Kind = model.ErrAuth
		e.Hint = c.authHint()
	case c.classifyCode(e, ae.Type):
	case resp.StatusCode == http.StatusNotFound:
		e.Kind = model.ErrUnknownModel
		e.Hint = fmt.Sprintf("check -m/--model, and the provider's base_url (%s)", c.opts.BaseURL)
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = model.ErrRateLimit
		e.Hint = "wait and try again"
		e.ResetAt = resetAt
	case resp.StatusCode >= 500:
		e.Kind = model.ErrServer
		e.Hint = fmt.Sprintf("%s is having trouble; try again later", c.providerName())
	default:
		e.Kind = model.ErrBadRequest
	}
	if e.Kind == model.ErrRateLimit && e.ResetAt.IsZero() {
		e.ResetAt = resetAt
	}
	return e, delay
}

func (c *Client) authHint() string {
	env := c.opts.EnvKey
	if env == "" {
		env = "the API key"
	}
	return fmt.Sprintf("check that %s is valid for %s", env, c.providerName())
}

// Compiled on first use: error paths must not cost start-up time.
var contextWindowRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)context (length|window)|maximum context|too many tokens|prompt is too long`)
})

// classifyCode sets e's Kind and Hint from a provider error code (or
// message), reporting whether it recognised one.
func (c *Client) classifyCode(e *model.Error, typ string) bool {
	switch e.Code {
	case "context_length_exceeded", "string_above_max_length":
		e.Kind = model.ErrContextWindow
		e.Hint = "compact the conversation (/compact), or lower model_auto_compact_token_limit; or start a new session (/new)"
	case "model_not_found":
		e.Kind = model.ErrUnknownModel
		e.Hint = "check -m/--model"
	case "insufficient_quota":
		e.Kind = model.ErrRateLimit
		e.Hint = fmt.Sprintf("check your plan and billing details with %s", c.providerName())
	case "rate_limit_exceeded":
		e.Kind = model.ErrRateLimit
		e.Hint = "wait and try again"
	case "invalid_api_key":
		e.Kind = model.ErrAuth
		e.Hint = c.authHint()
	case "server_error", "server_is_overloaded", "slow_down":
		e.Kind = model.ErrServer
		e.Hint = fmt.Sprintf("%s is having trouble; try again later", c.providerName())
	default:
		if typ == "insufficient_quota" {
			e.Code = typ
			return c.classifyCode(e, "")
		}
		if contextWindowRE().MatchString(e.Message) {
			e.Kind = model.ErrContextWindow
			e.Hint = "compact the conversation (/compact), or lower model_auto_compact_token_limit; or start a new session (/new)"
			return true
		}
		return false
	}
	return true
}

// failure classifies a response.failed or error event. It returns a
// *streamErr when a new request may succeed.
func (c *Client) failure(ae apiError) error {
	e := &model.Error{Kind: model.ErrResponseFailed, Code: ae.code(), Message: ae.Message}
	if e.Message == "" {
		e.Message = "the model reported an error"
	}
	if !c.classifyCode(e, ae.Type) {
		return e
	}
	switch e.Kind {
	case model.ErrServer:
		return &streamErr{err: e}
	case model.ErrRateLimit:
		if e.Code == "insufficient_quota" {
			return e
		}
		return &streamErr{err: e, delay: tryAgainIn(e.Message)}
	default:
		return e
	}
}

var tryAgainRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)try again in ([0-9.]+)\s*(ms|s|seconds?)`)
})

// tryAgainIn parses "Please try again in 1.5s" from a rate-limit message.
func tryAgainIn(msg string) time.Duration {
	m := tryAgainRE().FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f < 0 {
		return 0
	}
	unit := time.Second
	if m[2] == "ms" {
		unit = time.Millisecond
	}
	return time.Duration(f * float64(unit))
}

// retryHints reads Retry-After (seconds or an HTTP date), retry-after-ms and
// x-ratelimit-reset-{requests,tokens} (durations such as "6m0s"). delay is
// what the server asked us to wait before retrying; resetAt when the limit
// resets, if any header said.
func retryHints(h http.Header, now time.Time) (delay time.Duration, resetAt time.Time) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			delay = time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" && delay == 0 {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			delay = time.Duration(s * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			delay = max(t.Sub(now), 0)
		}
	}
	var reset time.Duration
	for _, k := range []string{"X-Ratelimit-Reset-Requests", "X-Ratelimit-Reset-Tokens"} {
		if d, err := time.ParseDuration(h.Get(k)); err == nil && d > reset {
			reset = d
		}
	}
	if reset == 0 {
		reset = delay
	}
	if reset > 0 {
		resetAt = now.Add(reset)
	}
	return delay, resetAt
}
