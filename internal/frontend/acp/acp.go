// Package acp is `kodex acp`: kodex as an agent of the Agent Client
// Protocol (Zed's JSON-RPC 2.0 over stdio, protocol version 1), so that
// editors (Zed, Neovim's CodeCompanion and avante.nvim, …) run kodex
// directly. It owns the translation both ways: initialize, session/new,
// session/load (the recorded conversation replayed as session/update
// notifications), session/prompt, session/cancel and session/set_mode
// become session Ops; a session's Events become session/update
// notifications (message and thought chunks, tool calls with their diffs
// and output, plans, usage); approvals become session/request_permission
// requests; and when the client offers its file system, apply_patch reads
// and writes files through fs/read_text_file and fs/write_text_file (the
// Files the Backend is handed).
//
// Ordering: each session has one pump goroutine that writes its events, in
// order, and answers session/prompt when the turn ends, after the turn's
// last update. Requests are read on their own goroutine, so a response the
// client sends (a permission, a file written) is taken while a turn waits
// for it. When the client goes away, running turns are interrupted and the
// sessions shut down cleanly (the transcript is complete).
//
// It knows only protocol and jsonrpc: internal/cli implements Backend with
// internal/session. See docs/acp.md.
package acp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// ProtocolVersion is the ACP version kodex speaks.
const ProtocolVersion = 1

// Backend is what the server needs of kodex's sessions.
type Backend interface {
	// Open opens a session: a new one, or with LoadID the recorded one
	// resumed.
	Open(ctx context.Context, req OpenRequest) (Session, error)
}

// OpenRequest opens a session.
type OpenRequest struct {
	// LoadID names the recorded session to resume ("" for a new one).
	LoadID string
	// Cwd is the session's working directory (absolute).
	Cwd string
	// MCPServers are the servers the client asks the session to start,
	// besides the configured ones.
	MCPServers []MCPServer
	// Files, when the client offers to write files, is where apply_patch
	// reads and writes the files it edits; nil otherwise. Its ReadTextFile
	// fails with an error wrapping errors.ErrUnsupported when the client
	// writes files but does not read them.
	Files Files
}

// MCPServer is an MCP server of session/new: stdio (Command) or HTTP
// (URL).
type MCPServer struct {
	Name    string
	Command string
	Args    []string
	Env     map[string]string
	URL     string
	Headers map[string]string
}

// Files are the client's text files (its editor buffers, saved or not).
// Paths are absolute.
type Files interface {
	ReadTextFile(ctx context.Context, path string) (string, error)
	WriteTextFile(ctx context.Context, path, content string) error
}

// Session is an open kodex session.
type Session interface {
	Submit(ctx context.Context, op protocol.Op) (string, error)
	Events() <-chan protocol.Event
	Info() SessionInfo
	// Close releases the session once its events have ended.
	Close()
}

// SessionInfo describes an open session.
type SessionInfo struct {
	ID       string
	Approval protocol.ApprovalPolicy
	Sandbox  protocol.SandboxMode
	// History is the recorded conversation of a resumed session, in order.
	History []HistoryItem
}

// HistoryItem is one recorded step of a conversation, replayed by
// session/load.
type HistoryItem struct {
	// Kind is "user", "agent", "thought" or "tool".
	Kind string
	Text string
	// A tool call: its id, name, arguments (JSON or the freeform input)
	// and output.
	CallID, Name, Input, Output string
}

// Options configure a server.
type Options struct {
	Backend Backend
	Version string
	Logger  *slog.Logger
}

// Serve runs one client: it reads requests from r and writes to w until r
// ends or ctx is cancelled; then it interrupts the running turns and shuts
// the sessions down before it returns.
func Serve(ctx context.Context, r io.Reader, w io.Writer, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &conn{
		opts:     opts,
		out:      jsonrpc.NewWriter(w),
		sessions: map[string]*sessionState{},
		calls:    map[string]chan *jsonrpc.Message{},
		gone:     make(chan struct{}),
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
			if m.IsResponse() {
				// Answered here, not in the loop: a handler may be waiting
				// for it (a file written while session/load replays, …).
				c.response(m)
				continue
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
	close(c.gone)
	c.closeAll()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return err
}

// conn is the client connection.
type conn struct {
	opts Options
	out  *jsonrpc.Writer

	mu          sync.Mutex
	initialized bool
	closing     bool
	fsRead      bool // the client offers fs/read_text_file
	fsWrite     bool // and fs/write_text_file
	sessions    map[string]*sessionState
	calls       map[string]chan *jsonrpc.Message // our request id → its answer
	nextReq     atomic.Int64
	gone        chan struct{} // closed when the client is gone
	wg          sync.WaitGroup
}

// handle dispatches one request or notification, in the order they come.
// Requests that take long (opening a session) run on their own goroutine.
func (c *conn) handle(ctx context.Context, m *jsonrpc.Message) {
	if m.IsNotification() {
		if m.Method == "session/cancel" {
			c.cancel(m)
		}
		return
	}
	h, ok := handlers[m.Method]
	if !ok {
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
	if !h.slow {
		h.fn(c, ctx, m)
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		h.fn(c, ctx, m)
	}()
}

// reply answers m.
func (c *conn) reply(m *jsonrpc.Message, result any, err error) {
	if err := c.out.Reply(m.ID, result, err); err != nil {
		c.opts.Logger.Debug("acp: reply", "err", err)
	}
}

// update sends a session/update notification.
func (c *conn) update(sessionID string, u any) {
	if err := c.out.Notify("session/update", map[string]any{"sessionId": sessionID, "update": u}); err != nil {
		c.opts.Logger.Debug("acp: session/update", "err", err)
	}
}

// call sends a request to the client and waits for its answer (result
// decoded into out), ctx's end or the client's.
func (c *conn) call(ctx context.Context, method string, params, out any) error {
	ch, id, err := c.send(method, params)
	if err != nil {
		return err
	}
	var m *jsonrpc.Message
	select {
	case m = <-ch:
	case <-ctx.Done():
		c.forget(id)
		return ctx.Err()
	case <-c.gone:
		c.forget(id)
		return errors.New("the client is gone")
	}
	if m.Error != nil {
		return m.Error
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(m.Result, out); err != nil {
		return jsonrpc.Errorf(jsonrpc.CodeInternalError, "decoding the answer to %s: %v", method, err)
	}
	return nil
}

// send writes a request to the client; its answer comes on the channel.
func (c *conn) send(method string, params any) (chan *jsonrpc.Message, string, error) {
	id := "kodex-" + strconv.FormatInt(c.nextReq.Add(1), 10)
	raw, _ := json.Marshal(id)
	ch := make(chan *jsonrpc.Message, 1)
	c.mu.Lock()
	c.calls[id] = ch
	c.mu.Unlock()
	if err := c.out.Request(raw, method, params); err != nil {
		c.forget(id)
		return nil, "", err
	}
	return ch, id, nil
}

func (c *conn) forget(id string) {
	c.mu.Lock()
	delete(c.calls, id)
	c.mu.Unlock()
}

// response hands the client's answer to the request waiting for it.
func (c *conn) response(m *jsonrpc.Message) {
	var id string
	if json.Unmarshal(m.ID, &id) != nil {
		return
	}
	c.mu.Lock()
	ch, ok := c.calls[id]
	delete(c.calls, id)
	c.mu.Unlock()
	if ok {
		ch <- m
	}
}

// session returns the open session id, or -32602 naming sessionId.
func (c *conn) session(id string) (*sessionState, error) {
	if id == "" {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: sessionId is required")
	}
	c.mu.Lock()
	s := c.sessions[id]
	c.mu.Unlock()
	if s == nil {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: sessionId %q is not a session open here; session/load it first", id)
	}
	return s, nil
}

// closeAll interrupts every running turn, shuts the sessions down and
// waits for their pumps to drain (the rollout gets every line).
func (c *conn) closeAll() {
	c.mu.Lock()
	c.closing = true
	ss := make([]*sessionState, 0, len(c.sessions))
	for _, s := range c.sessions {
		ss = append(ss, s)
	}
	c.mu.Unlock()
	for _, s := range ss {
		s.shutdown()
	}
	c.wg.Wait()
}

// clientFiles are the client's file system, as the Backend's Files. The
// session id is set once the session is open, before its first prompt.
type clientFiles struct {
	c    *conn
	read bool
	id   atomic.Pointer[string]
}

func (f *clientFiles) sessionID() string {
	if p := f.id.Load(); p != nil {
		return *p
	}
	return ""
}

// ReadTextFile reads path through fs/read_text_file; a client that does
// not offer it gets an error wrapping errors.ErrUnsupported (the caller
// reads the disk then).
func (f *clientFiles) ReadTextFile(ctx context.Context, path string) (string, error) {
	if !f.read {
		return "", fmt.Errorf("the client does not offer fs/read_text_file: %w", errors.ErrUnsupported)
	}
	var res struct {
		Content string `json:"content"`
	}
	err := f.c.call(ctx, "fs/read_text_file", map[string]any{"sessionId": f.sessionID(), "path": path}, &res)
	return res.Content, err
}

// WriteTextFile writes path through fs/write_text_file.
func (f *clientFiles) WriteTextFile(ctx context.Context, path, content string) error {
	return f.c.call(ctx, "fs/write_text_file", map[string]any{"sessionId": f.sessionID(), "path": path, "content": content}, nil)
}
