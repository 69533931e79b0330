// Package appserver is `kodex app-server`: JSON-RPC 2.0 (JSON lines, see
// internal/jsonrpc) whose methods, params, results and notifications follow
// Codex's app-server v2 protocol for the subset kodex implements
// (docs/protocol.md). Requests become session Ops, each thread's Events
// become notifications, and approvals become server→client requests.
//
// Ordering and back-pressure: each thread has one pump goroutine that
// writes its events, in order, as they come; a write blocks while the
// client is slow, which slows that thread down (never a dropped or
// reordered event). A response that opens something (thread/start,
// turn/start) is written before the first notification it causes. An
// approval waits only for the thread that asked. When the client goes away,
// its running turns are interrupted and its threads shut down cleanly (the
// transcript is complete).
//
// It knows only protocol and jsonrpc: internal/cli implements Backend with
// internal/session.
package appserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// ProtocolVersion is the version of kodex's app-server protocol: additive
// changes keep it; a breaking change bumps it.
const ProtocolVersion = 1

// ThreadInfo describes a thread, open or recorded.
type ThreadInfo struct {
	ID         string
	ForkedFrom string
	Preview    string
	Name       string
	Ephemeral  bool
	Model      string
	Provider   string
	Cwd        string
	Path       string
	Created    time.Time
	Updated    time.Time
	// CliVersion is the kodex version that recorded (or runs) the thread.
	CliVersion string
	// Approval, Sandbox and ReasoningEffort: what an open thread runs with.
	Approval        protocol.ApprovalPolicy
	Sandbox         protocol.SandboxPolicy
	ReasoningEffort string
	// Turns, for thread/read with includeTurns: the recorded conversation.
	Turns []TurnRecord
}

// TurnRecord is a recorded turn: the user's text and the answers.
type TurnRecord struct {
	User    []string
	Answers []string
}

// OpenRequest opens a thread: new (ThreadID ""), resumed, or forked.
type OpenRequest struct {
	ThreadID              string
	Fork                  bool
	Cwd                   string
	Model                 string
	Approval              protocol.ApprovalPolicy
	Sandbox               protocol.SandboxMode
	Ephemeral             bool
	BaseInstructions      string
	DeveloperInstructions string
	// Config are -c style overrides (key → JSON value).
	Config map[string]any
}

// Thread is an open session.
type Thread interface {
	Submit(ctx context.Context, op protocol.Op) (string, error)
	Events() <-chan protocol.Event
	Info() ThreadInfo
	// Close releases the thread once its events have ended.
	Close()
}

// ListRequest filters thread/list.
type ListRequest struct {
	Cwd      []string
	Archived bool
	Limit    int
	Cursor   string
}

// Backend is what the server needs of kodex's sessions.
type Backend interface {
	Open(ctx context.Context, req OpenRequest) (Thread, error)
	// List returns a page of recorded threads, newest first, and the
	// cursor of the next page ("" at the end).
	List(ctx context.Context, req ListRequest) ([]ThreadInfo, string, error)
	// Read describes a recorded thread (with its turns when asked).
	Read(ctx context.Context, id string, turns bool) (ThreadInfo, error)
	Archive(id string) error
	Unarchive(id string) (ThreadInfo, error)
	Delete(id string) error
	SetName(id, name string) error
	// Models lists the models offered; the first is the default.
	Models() []string
	// Config is the effective configuration (config/read).
	Config() map[string]any
	// Files lists the files under root for fuzzyFileSearch (see
	// internal/frontend/filesearch).
	Files(ctx context.Context, root string) []string
	// MCPServers reports the MCP servers of th (a loaded thread), or with
	// th nil the configured ones, started to see their tools.
	MCPServers(ctx context.Context, th Thread) ([]MCPServer, error)
}

// MCPServer is an MCP server's state for mcpServerStatus/list.
type MCPServer struct {
	Name  string
	State string // protocol.McpStarting, McpReady or McpFailed
	HTTP  bool   // streamable HTTP (else stdio)
	Error string
	Tools []MCPTool
	// AuthStatus is Codex's McpAuthStatus (unsupported, notLoggedIn,
	// bearerToken, oAuth); empty when not known.
	AuthStatus string
}

// MCPTool is a tool an MCP server offers.
type MCPTool struct {
	Name, Title, Description string
	InputSchema              json.RawMessage
}

// Options configure a server.
type Options struct {
	Backend Backend
	Home    string // $KODEX_HOME, reported by initialize
	Version string
	Logger  *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Serve runs one connection: it reads requests from r and writes to w
// until r ends or ctx is cancelled; then it interrupts the connection's
// running turns and shuts its threads down before it returns.
func Serve(ctx context.Context, r io.Reader, w io.Writer, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &conn{
		opts:    opts,
		out:     jsonrpc.NewWriter(w),
		threads: map[string]*threadState{},
		pending: map[string]pendingApproval{},
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan *jsonrpc.Message)
	errs := make(chan error, 1)
	go func() {
		rd := jsonrpc.NewReader(r)
		for {
			m, err := rd.Read()
			var re *jsonrpc.Error
			switch {
			case errors.As(err, &re):
				_ = c.out.Reply(nil, nil, re)
				continue
			case err != nil:
				errs <- err
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
loop:
	for {
		select {
		case m := <-msgs:
			c.handle(ctx, m)
		case err = <-errs:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	cancel()
	c.closeAll()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return err
}

// conn is one client connection.
type conn struct {
	opts Options
	out  *jsonrpc.Writer

	mu          sync.Mutex
	initialized bool
	closing     bool            // the client is gone: no new threads
	optOut      map[string]bool // notifications the client asked not to get
	threads     map[string]*threadState
	pending     map[string]pendingApproval // server request id → approval
	nextReq     atomic.Int64
	wg          sync.WaitGroup // pumps and running handlers
}

type pendingApproval struct {
	t      *threadState
	callID string
	patch  bool
	// proposal is the prefix rule offered with the request
	// (proposedExecpolicyAmendment), if any.
	proposal []string
	// elicit is the request id of an MCP server's form
	// (mcpServer/elicitation/request), answered with its action and content.
	elicit string
}

// handle dispatches one message, in the order they come. Requests that
// may take long (opening a thread runs the sandbox probe and starts MCP
// servers; listing reads the sessions directory) run in their own
// goroutine so that they hold no other request up.
func (c *conn) handle(ctx context.Context, m *jsonrpc.Message) {
	switch {
	case m.IsResponse():
		c.answer(ctx, m)
		return
	case m.IsNotification():
		return // "initialized" and the like: nothing to do
	}
	h := handlerFor(m.Method)
	if h == nil {
		_ = c.out.Reply(m.ID, nil, jsonrpc.Errorf(jsonrpc.CodeMethodNotFound, "method not found: %s", m.Method))
		return
	}
	c.mu.Lock()
	ready := c.initialized
	c.mu.Unlock()
	if !ready && m.Method != "initialize" {
		_ = c.out.Reply(m.ID, nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: "not initialized: send initialize first"})
		return
	}
	if !slowMethod(m.Method) {
		h(c, ctx, m)
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		h(c, ctx, m)
	}()
}

// reply answers m unless the handler already did (after=true handlers
// write the response themselves to order it before their notifications).
func (c *conn) reply(m *jsonrpc.Message, result any, err error) {
	if err := c.out.Reply(m.ID, result, err); err != nil {
		c.opts.Logger.Debug("app-server: reply", "err", err)
	}
}

// notify sends a notification unless the client opted out of it
// (initialize's capabilities.optOutNotificationMethods).
func (c *conn) notify(method string, params any) {
	c.mu.Lock()
	skip := c.optOut[method]
	c.mu.Unlock()
	if skip {
		return
	}
	if err := c.out.Notify(method, params); err != nil {
		c.opts.Logger.Debug("app-server: notify", "method", method, "err", err)
	}
}

// decode reads params into v; a malformed one is -32602 naming the field.
func decode(m *jsonrpc.Message, v any) error {
	if len(m.Params) == 0 || string(m.Params) == "null" {
		return nil
	}
	if err := json.Unmarshal(m.Params, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %s must be %s, not %s", te.Field, jsonType(te.Type.Kind().String()), te.Value)
		}
		return jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %v", err)
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

func required(field, v string) error {
	if v == "" {
		return jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %s is required", field)
	}
	return nil
}

// thread returns the open thread id, or -32602 naming threadId.
func (c *conn) thread(id string) (*threadState, error) {
	if err := required("threadId", id); err != nil {
		return nil, err
	}
	c.mu.Lock()
	t := c.threads[id]
	c.mu.Unlock()
	if t == nil {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: threadId %q is not a thread loaded here; thread/resume it first", id)
	}
	return t, nil
}

// request sends a server→client request and returns its id.
func (c *conn) request(method string, params any, p pendingApproval) error {
	id := "kodex-" + strconv.FormatInt(c.nextReq.Add(1), 10)
	raw, _ := json.Marshal(id)
	c.mu.Lock()
	c.pending[id] = p
	c.mu.Unlock()
	return c.out.Request(raw, method, params)
}

// answer takes the client's response to an approval request.
func (c *conn) answer(ctx context.Context, m *jsonrpc.Message) {
	var id string
	if json.Unmarshal(m.ID, &id) != nil {
		return
	}
	c.mu.Lock()
	p, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if !ok {
		return
	}
	if p.elicit != "" {
		c.answerElicitation(ctx, id, p, m)
		return
	}
	var res struct {
		Decision json.RawMessage `json:"decision"`
	}
	decision := protocol.DecisionDenied
	if m.Error == nil && json.Unmarshal(m.Result, &res) == nil {
		decision = reviewDecision(res.Decision, p.proposal)
	}
	var op protocol.Op = protocol.ExecApproval{CallID: p.callID, Decision: decision}
	if p.patch {
		op = protocol.PatchApproval{CallID: p.callID, Decision: decision}
	}
	c.notify("serverRequest/resolved", map[string]any{"threadId": p.t.id, "requestId": id})
	c.notify("thread/status/changed", statusNote{ThreadID: p.t.id, Status: threadStatus{Type: "active", ActiveFlags: []string{}}})
	go func() { _, _ = p.t.th.Submit(ctx, op) }()
}

// reviewDecision maps Codex's approval decisions to kodex's: accept,
// acceptForSession, acceptWithExecpolicyAmendment (the prefix rule the
// request proposed; any other amendment, or a network one, is accepted
// once), decline, cancel (ends the turn).
func reviewDecision(raw json.RawMessage, proposal []string) protocol.ReviewDecision {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "accept", "approved":
			return protocol.DecisionApproved
		case "acceptForSession", "approved_for_session":
			return protocol.DecisionApprovedForSession
		case "cancel", "abort":
			return protocol.DecisionAbort
		}
		return protocol.DecisionDenied
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		if a, ok := obj["acceptWithExecpolicyAmendment"]; ok {
			var v struct {
				Amendment []string `json:"execpolicy_amendment"`
			}
			if json.Unmarshal(a, &v) == nil && proposal != nil && slices.Equal(v.Amendment, proposal) {
				return protocol.DecisionApprovedPrefixRule
			}
			return protocol.DecisionApproved
		}
		if _, ok := obj["applyNetworkPolicyAmendment"]; ok {
			return protocol.DecisionApproved
		}
	}
	return protocol.DecisionDenied
}

// closeAll interrupts every running turn, shuts the threads down, and
// waits for their pumps to drain (the rollout gets every line).
func (c *conn) closeAll() {
	c.mu.Lock()
	c.closing = true
	threads := make([]*threadState, 0, len(c.threads))
	for _, t := range c.threads {
		threads = append(threads, t)
	}
	c.mu.Unlock()
	for _, t := range threads {
		t.shutdown()
	}
	c.wg.Wait()
}

// ServeListener serves every connection ln accepts (a unix socket: several
// clients at once, each with its own threads) until ctx is cancelled; then
// it closes ln and waits for the connections to wind down.
func ServeListener(ctx context.Context, ln net.Listener, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = c.Close() }()
			stop := context.AfterFunc(ctx, func() { _ = c.Close() })
			defer stop()
			if err := Serve(ctx, c, c, opts); err != nil && ctx.Err() == nil {
				opts.logger().Debug("app-server: connection", "err", err)
			}
		}()
	}
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}
