// Package modeltest is a scripted fake model server for tests and
// benchmarks. It speaks both wires kodex uses, the Responses API
// (POST /v1/responses) and Chat Completions (POST /v1/chat/completions), and
// the Responses API's server-side compaction (POST /v1/responses/compact,
// answered with JSON, not a stream): one script of [Response]s is consumed
// in order whichever path a request hits.
// Responses can stream reasoning, text, function calls and custom tool calls,
// or inject faults (HTTP errors with Retry-After, cut, stalled or malformed
// streams, response.failed, response.incomplete). Every request is recorded.
//
// Every model-facing test in kodex uses it, from the openai client's unit
// tests to end-to-end runs of the kodex binary (scripts load from JSON with
// [LoadScript]; bench/fakemodel serves one as a process). It listens on
// loopback only and never reaches the internet. It must not be imported by
// non-test code of the kodex binary.
package modeltest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kodex-cli/kodex/internal/model"
)

// Options configures a Server.
type Options struct {
	// T, if set, gets an error for each request beyond the script and, at
	// cleanup, for scripted responses never requested. The server is closed
	// at cleanup.
	T testing.TB
	// Script is served in order (or round and round, with Loop).
	Script []Response
	Loop   bool
	// KeepRequests, if positive, keeps only the last KeepRequests requests
	// for Requests (long benchmarks would otherwise measure the recorder).
	KeepRequests int
	// DiscardBodies reads each request's body without keeping or decoding
	// it (benchmarks that send megabytes, which would otherwise measure
	// the fake model's decoding): Requests have no Raw or Body.
	DiscardBodies bool
}

// Server is a running fake model server.
type Server struct {
	t    testing.TB
	srv  *httptest.Server
	done chan struct{}
	once sync.Once

	mu         sync.Mutex
	script     []Response
	next       int
	loop       bool
	reqs       []Request
	total      int // requests received, including those no longer kept
	keep       int
	discard    bool
	unexpected int
}

// Request is a recorded request.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Raw    []byte         // the body as sent
	Body   map[string]any // the body decoded as JSON (nil if it was not JSON)
}

// New starts a server serving responses in order. t may be nil; if not, the
// server is closed and verified at t's cleanup.
func New(t testing.TB, responses ...Response) *Server {
	return NewServer(Options{T: t, Script: responses})
}

// NewServer starts a server on 127.0.0.1.
func NewServer(opts Options) *Server {
	s := &Server{t: opts.T, script: opts.Script, loop: opts.Loop, keep: opts.KeepRequests, discard: opts.DiscardBodies, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	if s.t != nil {
		s.t.Helper()
		s.t.Cleanup(func() {
			s.Close()
			s.Verify(s.t)
		})
	}
	return s
}

// URL returns the base URL to configure a client with, ending in /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server, ending stalled streams. It is idempotent.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

// Add appends responses to the script.
func (s *Server) Add(responses ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, responses...)
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Pending returns how many scripted responses have not been requested.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loop {
		return 0
	}
	return len(s.script) - s.next
}

// Verify reports, as an error on t, scripted responses that were never
// requested and requests that found the script exhausted.
func (s *Server) Verify(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.script) - s.next; n > 0 && !s.loop {
		t.Errorf("modeltest: %d of %d scripted responses were never requested (got %d requests)", n, len(s.script), len(s.reqs))
	}
	if s.unexpected > 0 {
		t.Errorf("modeltest: %d requests arrived after the script of %d responses ran out", s.unexpected, len(s.script))
	}
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	var wire string
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/responses"):
		wire = "responses"
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/responses/compact"):
		wire = "compact"
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		wire = "chat"
	default:
		writeError(w, http.StatusNotFound, Failure{Code: "not_found", Message: "modeltest: no route for " + r.Method + " " + r.URL.Path})
		return
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	if s.discard {
		_, _ = io.Copy(io.Discard, r.Body)
	} else {
		rec.Raw, _ = io.ReadAll(r.Body)
		_ = json.Unmarshal(rec.Raw, &rec.Body)
	}

	s.mu.Lock()
	n := s.total
	s.total++
	if s.keep > 0 && len(s.reqs) >= s.keep {
		s.reqs = append(s.reqs[:0], s.reqs[len(s.reqs)-s.keep+1:]...)
	}
	s.reqs = append(s.reqs, rec)
	resp, ok := Response{}, false
	switch {
	case s.next < len(s.script):
		resp, ok = s.script[s.next], true
		s.next++
	case s.loop && len(s.script) > 0:
		resp, ok = s.script[s.next%len(s.script)], true
		s.next++
	default:
		s.unexpected++
	}
	total := len(s.script)
	s.mu.Unlock()

	if !ok {
		msg := fmt.Sprintf("modeltest: unexpected request #%d to %s: the script has only %d responses", n+1, r.URL.Path, total)
		if s.t != nil {
			s.t.Errorf("%s", msg)
		}
		writeError(w, http.StatusInternalServerError, Failure{Code: "server_error", Message: msg})
		return
	}
	if resp.Func != nil {
		resp = resp.Func(&rec)
	}
	if resp.EchoToolOutput {
		resp.Text += rec.LastToolOutput()
	}
	resp.Calls = withSessionID(resp.Calls, &rec)
	if resp.Status != 0 {
		s.writeStatus(w, resp)
		return
	}
	if wire == "compact" {
		writeCompaction(w, n, &rec, resp)
		return
	}
	s.stream(w, r, wire, n, &rec, resp)
}

func writeError(w http.ResponseWriter, status int, f Failure) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if f.Type == "" {
		f.Type = "invalid_request_error"
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": f})
}

func (s *Server) writeStatus(w http.ResponseWriter, resp Response) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	if resp.RetryAfter != "" {
		w.Header().Set("Retry-After", resp.RetryAfter)
	}
	if resp.Body != "" {
		w.WriteHeader(resp.Status)
		_, _ = io.WriteString(w, resp.Body)
		return
	}
	f := Failure{Message: http.StatusText(resp.Status)}
	if resp.Error != nil {
		f = *resp.Error
	}
	writeError(w, resp.Status, f)
}

// Wire reports which API the request used: "responses", "chat" or
// "compact" (the Responses API's compaction endpoint).
func (r *Request) Wire() string {
	switch {
	case strings.HasSuffix(r.Path, "/chat/completions"):
		return "chat"
	case strings.HasSuffix(r.Path, "/responses/compact"):
		return "compact"
	}
	return "responses"
}

// Input decodes the Responses API "input" items (nil on the chat wire).
func (r *Request) Input() []model.Item {
	var body struct {
		Input []model.Item `json:"input"`
	}
	_ = json.Unmarshal(r.Raw, &body)
	return body.Input
}

type chatMsg struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

func (r *Request) chatMessages() []chatMsg {
	var body struct {
		Messages []chatMsg `json:"messages"`
	}
	_ = json.Unmarshal(r.Raw, &body)
	return body.Messages
}

// LastToolOutput returns the output of the last tool result in the request
// (a function_call_output or custom_tool_call_output item, or a "tool" chat
// message), or "".
func (r *Request) LastToolOutput() string {
	if r.Wire() == "chat" {
		msgs := r.chatMessages()
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].Role == "tool" {
				var s string
				_ = json.Unmarshal(msgs[i].Content, &s)
				return s
			}
		}
		return ""
	}
	in := r.Input()
	for i := len(in) - 1; i >= 0; i-- {
		if in[i].Type == model.ItemFunctionCallOutput || in[i].Type == model.ItemCustomToolCallOutput {
			return in[i].Output
		}
	}
	return ""
}

// EndsWithToolOutput reports whether the last input item is a tool result.
func (r *Request) EndsWithToolOutput() bool {
	if r.Wire() == "chat" {
		msgs := r.chatMessages()
		return len(msgs) > 0 && msgs[len(msgs)-1].Role == "tool"
	}
	in := r.Input()
	if len(in) == 0 {
		return false
	}
	t := in[len(in)-1].Type
	return t == model.ItemFunctionCallOutput || t == model.ItemCustomToolCallOutput
}

// sessionIDPlaceholder, as a JSON value in a scripted call's arguments, is
// replaced by the id in the last "Process running with session ID N" of
// the request's tool outputs (exec_command's live processes have random
// ids).
const sessionIDPlaceholder = `"{{session_id}}"`

var sessionIDRE = regexp.MustCompile(`Process running with session ID (\d+)`)

func withSessionID(calls []Call, r *Request) []Call {
	var id string
	out := calls
	for i, c := range calls {
		if !strings.Contains(c.Arguments, sessionIDPlaceholder) {
			continue
		}
		if id == "" {
			id = "0"
			for _, it := range r.Input() {
				if m := sessionIDRE.FindAllStringSubmatch(it.Output, -1); m != nil {
					id = m[len(m)-1][1]
				}
			}
		}
		if &out[0] == &calls[0] {
			out = append([]Call(nil), calls...)
		}
		out[i].Arguments = strings.ReplaceAll(c.Arguments, sessionIDPlaceholder, id)
	}
	return out
}
