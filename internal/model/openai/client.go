// Package openai is kodex's model client for OpenAI-compatible providers. It
// speaks two wires: the Responses API (POST {base}/responses, the default and
// what Codex uses) and Chat Completions (POST {base}/chat/completions, for
// local and third-party servers), and turns both into the same
// [model.Event] stream. With [Options].Compaction it also compacts
// conversations on the provider's server (POST {base}/responses/compact,
// see [Client.Compact]).
//
// It owns the HTTP side of a model call: request bodies and headers as Codex
// sends them, authentication, retries with exponential backoff and
// Retry-After, re-issuing a request whose stream broke (announced with
// [model.EventRetry]), an idle timeout on the stream, and classifying failures
// into [*model.Error] with a message and a hint. It does not read the
// environment or config files (the caller resolves keys, headers and URLs
// into [Options]), keep conversation state, or run tools.
//
// The client is written by hand on net/http and internal/sse: the official
// OpenAI Go SDK was measured at about +20 MB of binary and 2.4x start-up time,
// against kodex's budgets (see DESIGN.md).
package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
)

// Wire APIs.
const (
	WireResponses = "responses"
	WireChat      = "chat"
)

// Defaults, as in Codex.
const (
	DefaultRequestMaxRetries = 4
	DefaultStreamMaxRetries  = 5
	DefaultStreamIdleTimeout = 300 * time.Second

	maxRetriesCap  = 100
	baseBackoff    = 200 * time.Millisecond
	maxBackoff     = 10 * time.Second
	maxRetryAfter  = 60 * time.Second // longer waits fail with ResetAt instead
	maxErrBodySize = 64 << 10
)

// Options configures a Client. Everything is already resolved: the client
// reads no environment variables or files of its own (except what
// net/http and crypto/x509 read: proxies and CA certificates).
type Options struct {
	ProviderID   string // e.g. "openai"; used in messages
	ProviderName string // e.g. "OpenAI"; used in messages
	BaseURL      string // e.g. "https://api.openai.com/v1"
	WireAPI      string // WireResponses (default) or WireChat

	APIKey             string // sent as "Authorization: Bearer"; empty: no header
	EnvKey             string // the variable APIKey came from, for the missing-key hint
	EnvKeyInstructions string // extra advice for the missing-key hint
	RequiresKey        bool   // fail before any request when APIKey is empty

	QueryParams map[string]string // appended to every request URL
	Headers     map[string]string // extra request headers

	// Retry counts: 0 means the default, a negative value means none.
	RequestMaxRetries int // re-sends on 429, 5xx and connection errors
	StreamMaxRetries  int // re-sends when a stream breaks or stalls
	// StreamIdleTimeout aborts a stream (and retries it) after this long
	// without a byte. 0 means DefaultStreamIdleTimeout.
	StreamIdleTimeout time.Duration

	// HTTPClient sends requests. nil: a client with its own transport that
	// honours HTTPS_PROXY/NO_PROXY and the system roots (which on Linux
	// include SSL_CERT_FILE and SSL_CERT_DIR).
	HTTPClient *http.Client

	// Compaction: the provider compacts conversations server-side
	// (POST {base}/responses/compact); the client is then a
	// [model.Compactor]. Only on the Responses wire.
	Compaction bool

	Originator string // "originator" header, e.g. "kodex_exec"; default "kodex_cli"
	Version    string // kodex's version, for the User-Agent
	UserAgent  string // overrides the default "kodex/VERSION (os; arch)"

	// Sleep waits between retries; nil uses a timer that honours ctx. Tests
	// inject one to observe and skip backoff.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives debug logs of requests and retries; nil discards.
	Logger *slog.Logger
}

// Client is a model.Client for one provider. It is safe for concurrent use.
type Client struct {
	opts      Options
	endpoint  string
	compactAt string // the compaction endpoint (Responses wire only)
	host      string
	hc        *http.Client
	log       *slog.Logger
	sleep     func(context.Context, time.Duration) error
	userAgent string
	reqMax    int
	streamMax int
	idle      time.Duration
}

var (
	_ model.Client    = (*Client)(nil)
	_ model.Compactor = (*Client)(nil)
)

// New returns a client for opts. It fails on a malformed BaseURL or an
// unknown WireAPI; a missing key is reported by Stream (see Options.RequiresKey).
func New(opts Options) (*Client, error) {
	if opts.WireAPI == "" {
		opts.WireAPI = WireResponses
	}
	path := ""
	switch opts.WireAPI {
	case WireResponses:
		path = "/responses"
	case WireChat:
		path = "/chat/completions"
	default:
		return nil, fmt.Errorf("provider %s: unknown wire_api %q (want %q or %q)", opts.ProviderID, opts.WireAPI, WireResponses, WireChat)
	}
	u, err := endpointURL(opts, path)
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts:      opts,
		endpoint:  u.String(),
		host:      u.Host,
		hc:        opts.HTTPClient,
		log:       opts.Logger,
		sleep:     opts.Sleep,
		reqMax:    retries(opts.RequestMaxRetries, DefaultRequestMaxRetries),
		streamMax: retries(opts.StreamMaxRetries, DefaultStreamMaxRetries),
		idle:      opts.StreamIdleTimeout,
		userAgent: opts.UserAgent,
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: defaultTransport()}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.idle <= 0 {
		c.idle = DefaultStreamIdleTimeout
	}
	if c.userAgent == "" {
		v := opts.Version
		if v == "" {
			v = "dev"
		}
		c.userAgent = fmt.Sprintf("kodex/%s (%s; %s)", v, runtime.GOOS, runtime.GOARCH)
	}
	if c.opts.Originator == "" {
		c.opts.Originator = "kodex_cli"
	}
	if opts.WireAPI == WireResponses {
		cu, _ := endpointURL(opts, compactPath) // as valid as u
		c.compactAt = cu.String()
	}
	return c, nil
}

// endpointURL is the URL of the API's path under opts.BaseURL, with the
// provider's query parameters.
func endpointURL(opts Options, path string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/") + path)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("provider %s: invalid base_url %q (want an http or https URL such as https://api.openai.com/v1)", opts.ProviderID, opts.BaseURL)
	}
	if len(opts.QueryParams) > 0 {
		q := u.Query()
		for k, v := range opts.QueryParams {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

func retries(n, def int) int {
	switch {
	case n < 0:
		return 0
	case n == 0:
		return def
	default:
		return min(n, maxRetriesCap)
	}
}

func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff returns the wait before retry n (0-based): 200ms·2ⁿ, capped, ±20%.
func backoff(n int) time.Duration {
	d := maxBackoff
	if n < 16 {
		d = min(baseBackoff<<n, maxBackoff)
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// Stream sends req and streams the response. See model.Client.
func (c *Client) Stream(ctx context.Context, req *model.Request) iter.Seq2[model.Event, error] {
	return func(yield func(model.Event, error) bool) {
		if c.opts.RequiresKey && c.opts.APIKey == "" {
			yield(model.Event{}, c.missingKey())
			return
		}
		body, err := c.encode(req)
		if err != nil {
			yield(model.Event{}, fmt.Errorf("encoding %s request: %w", c.opts.WireAPI, err))
			return
		}
		for attempt := 0; ; attempt++ {
			err := c.streamOnce(ctx, req, body, yield)
			if err == nil || errors.Is(err, errStop) {
				return
			}
			if ctx.Err() != nil {
				yield(model.Event{}, ctx.Err())
				return
			}
			var se *streamErr
			if !errors.As(err, &se) || attempt >= c.streamMax {
				if se != nil {
					err = se.err
				}
				yield(model.Event{}, err)
				return
			}
			wait := backoff(attempt)
			if se.delay > 0 {
				wait = se.delay
			}
			c.log.Debug("model stream broke; retrying", "provider", c.opts.ProviderID, "attempt", attempt+1, "err", se.err)
			if !yield(model.Event{Kind: model.EventRetry, Attempt: attempt + 1, MaxAttempts: c.streamMax, Wait: wait, Err: se.err}, nil) {
				return
			}
			if err := c.sleep(ctx, wait); err != nil {
				yield(model.Event{}, ctx.Err())
				return
			}
		}
	}
}

// errStop reports that the consumer stopped the iteration.
var errStop = errors.New("stopped by consumer")

// streamErr marks a stream failure that a new request may fix.
type streamErr struct {
	err   *model.Error
	delay time.Duration // server-suggested wait, if any
}

func (e *streamErr) Error() string { return e.err.Error() }
func (e *streamErr) Unwrap() error { return e.err }

// streamOnce sends one request (with request-level retries) and relays its
// stream. It returns nil after EventCompleted, errStop if the consumer
// stopped, a *streamErr for a retryable stream failure, or a final error.
func (c *Client) streamOnce(ctx context.Context, req *model.Request, body *body, yield func(model.Event, error) bool) error {
	resp, wd, err := c.send(ctx, c.endpoint, req, body, yield)
	if err != nil {
		return err
	}
	defer wd.stop()
	defer resp.Body.Close()
	if rl := rateLimits(resp.Header); rl != nil {
		inner := yield
		yield = func(ev model.Event, err error) bool {
			if ev.Kind == model.EventCompleted {
				ev.RateLimits = rl
			}
			return inner(ev, err)
		}
	}
	r := &watchedReader{r: resp.Body, wd: wd}
	var serr error
	if c.opts.WireAPI == WireChat {
		serr = c.readChat(r, req, yield)
	} else {
		serr = c.readResponses(r, yield)
	}
	if serr == nil || errors.Is(serr, errStop) {
		return serr
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if wd.fired.Load() {
		return &streamErr{err: &model.Error{
			Kind:    model.ErrNetwork,
			Message: fmt.Sprintf("no data from %s for %s", c.providerName(), c.idle),
			Hint:    "check your network connection; stream_idle_timeout_ms raises the limit",
			Err:     serr,
		}}
	}
	return serr
}

// send posts body to endpoint (the stream's or the compaction's),
// retrying on 429, 5xx and connection errors; each retry is announced with
// an EventRetry (errStop when the consumer stops). On success the caller
// owns resp.Body and the watchdog.
func (c *Client) send(ctx context.Context, endpoint string, req *model.Request, body *body, yield func(model.Event, error) bool) (*http.Response, *watchdog, error) {
	streams := endpoint == c.endpoint
	for n := 0; ; n++ {
		actx, cancel := context.WithCancel(ctx)
		wd := startWatchdog(c.idle, cancel)
		hreq, err := http.NewRequestWithContext(actx, http.MethodPost, endpoint, body.reader())
		if err != nil {
			wd.stop()
			return nil, nil, fmt.Errorf("building request: %w", err)
		}
		hreq.ContentLength = body.size
		hreq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(body.reader()), nil }
		c.setHeaders(hreq, req, streams)
		c.log.Debug("model request", "provider", c.opts.ProviderID, "url", endpoint, "attempt", n, "bytes", body.size)
		resp, err := c.hc.Do(hreq)
		var merr *model.Error
		var delay time.Duration
		switch {
		case err != nil:
			wd.stop()
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			merr = c.networkError(err, wd.fired.Load())
		case resp.StatusCode >= 200 && resp.StatusCode < 300 && isHTML(resp.Header.Get("Content-Type")):
			// A web page (a proxy's login page, a base_url without /v1):
			// asking again will not turn it into an event stream.
			resp.Body.Close()
			wd.stop()
			what := "an event stream"
			if !streams {
				what = "JSON"
			}
			return nil, nil, &model.Error{
				Kind: model.ErrBadRequest, Status: resp.StatusCode,
				Message: fmt.Sprintf("%s answered %s with an HTML page, not %s", c.providerName(), endpoint, what),
				Hint:    "check base_url: it should be the API's root (for OpenAI https://api.openai.com/v1), not a web page",
			}
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return resp, wd, nil
		default:
			merr, delay = c.statusError(resp)
			resp.Body.Close()
			wd.stop()
		}
		if !retryable(merr) || n >= c.reqMax || delay > maxRetryAfter {
			if n > 0 && merr.Kind != model.ErrMissingKey {
				merr.Message += fmt.Sprintf(" (after %d retries)", n)
			}
			return nil, nil, merr
		}
		wait := backoff(n)
		if delay > 0 {
			wait = delay
		}
		c.log.Debug("model request failed; retrying", "provider", c.opts.ProviderID, "status", merr.Status, "err", merr, "wait", wait)
		if !yield(model.Event{Kind: model.EventRetry, Attempt: n + 1, MaxAttempts: c.reqMax, Wait: wait, Err: merr}, nil) {
			return nil, nil, errStop
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, nil, ctx.Err()
		}
	}
}

// isHTML reports whether a Content-Type is an HTML page.
func isHTML(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "text/html" || mt == "application/xhtml+xml"
}

func retryable(e *model.Error) bool {
	switch e.Kind {
	case model.ErrServer, model.ErrNetwork:
		return true
	case model.ErrRateLimit:
		return e.Code != "insufficient_quota"
	default:
		return false
	}
}

// setHeaders sets a request's headers; streams: it asks for an event
// stream (a compaction's answer is JSON).
func (c *Client) setHeaders(h *http.Request, req *model.Request, streams bool) {
	hd := h.Header
	for k, v := range c.opts.Headers {
		hd.Set(k, v)
	}
	if c.opts.APIKey != "" {
		hd.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	hd.Set("Content-Type", "application/json")
	if streams {
		hd.Set("Accept", "text/event-stream")
	} else {
		hd.Set("Accept", "application/json")
	}
	hd.Set("Originator", c.opts.Originator)
	hd.Set("User-Agent", c.userAgent)
	if req.SessionID != "" {
		hd["session_id"] = []string{req.SessionID} // underscore: not canonicalised
		hd.Set("Session-Id", req.SessionID)
	}
}

func (c *Client) providerName() string {
	switch {
	case c.opts.ProviderName != "":
		return c.opts.ProviderName
	case c.opts.ProviderID != "":
		return c.opts.ProviderID
	}
	return "the model provider"
}

// watchdog cancels a request after an idle period with no bytes read.
type watchdog struct {
	t     *time.Timer
	d     time.Duration
	fired atomic.Bool
	stopF func()
}

func startWatchdog(d time.Duration, cancel context.CancelFunc) *watchdog {
	w := &watchdog{d: d}
	w.t = time.AfterFunc(d, func() {
		w.fired.Store(true)
		cancel()
	})
	w.stopF = cancel
	return w
}

func (w *watchdog) kick() { w.t.Reset(w.d) }

func (w *watchdog) stop() {
	w.t.Stop()
	w.stopF()
}

// watchedReader kicks the watchdog on every read that returns bytes.
type watchedReader struct {
	r  io.Reader
	wd *watchdog
}

func (r *watchedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 && !r.wd.fired.Load() {
		r.wd.kick()
	}
	return n, err
}
