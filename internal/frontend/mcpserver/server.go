// Package mcpserver is the frontend behind `kodex mcp-server`: it serves
// kodex sessions as MCP tools over one connection (stdio), with the tool
// shapes of `codex mcp-server` (Codex 0.153) so that clients built for it
// work. Tool `kodex` starts a session and runs its first turn to the end;
// `kodex-reply` runs another turn of a session it started. While a turn runs,
// every protocol Event goes to the client as a `kodex/event` notification and
// each step as a progress notification; approval requests become
// `elicitation/create` requests; cancelling the call interrupts the turn.
//
// It knows only the protocol and the MCP SDK: the composition root
// (internal/cli) starts the sessions through Options.Start, with the
// configuration and sandbox of `kodex exec`.
package mcpserver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Tool names.
const (
	ToolKodex = "kodex"
	ToolReply = "kodex-reply"
)

// EventMethod is the notification that carries each protocol Event.
const EventMethod = "kodex/event"

// Session is the part of a kodex session the server needs.
type Session interface {
	Submit(ctx context.Context, op protocol.Op) (string, error)
	Events() <-chan protocol.Event
}

// Params are the arguments of the `kodex` tool (Codex's `codex` tool, with
// profile as older Codex versions had it). Zero values keep the
// configuration's choice.
type Params struct {
	Prompt                string         `json:"prompt"`
	Model                 string         `json:"model,omitempty"`
	Profile               string         `json:"profile,omitempty"`
	Cwd                   string         `json:"cwd,omitempty"`
	ApprovalPolicy        string         `json:"approval-policy,omitempty"`
	Sandbox               string         `json:"sandbox,omitempty"`
	Config                map[string]any `json:"config,omitempty"`
	BaseInstructions      string         `json:"base-instructions,omitempty"`
	DeveloperInstructions string         `json:"developer-instructions,omitempty"`
	CompactPrompt         string         `json:"compact-prompt,omitempty"`
}

// StartRequest asks the composition root for a session.
type StartRequest struct {
	// Params are the `kodex` call's arguments. For a resumed thread they
	// are those it was started with in this process, or only the prompt.
	Params Params
	// ResumeID, if set, continues the recorded thread with this id (a
	// `kodex-reply` for a thread this process does not hold).
	ResumeID string
	// CanApprove: approval requests can go to the client. When false, the
	// session must not ask (approval policy never), and NoApprovalReason
	// says why, for the notice.
	CanApprove       bool
	NoApprovalReason string
}

// Started is a started session.
type Started struct {
	Session Session
	// Notice, if set, is told to the client with every result of the
	// session (e.g. that its approval policy became never).
	Notice string
	// Close releases what the session holds once its event stream has
	// closed.
	Close func()
}

// Options configure a server.
type Options struct {
	Name    string // server name in the initialize result
	Title   string
	Version string
	// Start starts a session. ctx is the server's lifetime: the session
	// lives until Serve returns, across calls.
	Start func(ctx context.Context, req StartRequest) (Started, error)
	// MaxThreads bounds the sessions kept between calls: beyond it, the
	// least recently used idle one is shut down (a kodex-reply then
	// resumes it from its recording). 0 means DefaultMaxThreads.
	MaxThreads int
	Logger     *slog.Logger
}

// DefaultMaxThreads is the default Options.MaxThreads.
const DefaultMaxThreads = 16

// server serves one MCP connection.
type server struct {
	opts Options
	log  *slog.Logger
	ctx  context.Context // the sessions' lifetime; canceled when Serve returns
	ct   *connTransport  // its connection is set before any call is handled

	mu      sync.Mutex
	threads map[string]*thread
	clock   uint64         // orders the threads' last use
	ending  sync.WaitGroup // evicted threads being shut down
	// evicted holds the arguments of the threads shut down while idle,
	// so that resuming one keeps its model, cwd, sandbox and policies.
	evicted map[string]Params
}

// maxEvicted bounds server.evicted.
const maxEvicted = 1024

// thread is a session held between calls.
type thread struct {
	id     string
	params Params // the kodex call's arguments (for a resumed thread, its own)
	sess   Session
	notice string
	close  func()
	// mu is held by the call that drives the session: one turn at a time
	// reads its event stream.
	mu     sync.Mutex
	closed bool // the event stream has ended (under mu)
	// users counts the calls holding the thread, used orders its last
	// use (both under server.mu): only an idle thread is evicted.
	users int
	used  uint64
}

// Serve serves the kodex tools on t until the client disconnects or ctx
// ends, then shuts down every session it started.
func Serve(ctx context.Context, t mcp.Transport, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxThreads <= 0 {
		opts.MaxThreads = DefaultMaxThreads
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &server{opts: opts, log: log, ctx: sctx, threads: map[string]*thread{}, evicted: map[string]Params{}}
	defer s.shutdown(cancel)
	srv := mcp.NewServer(&mcp.Implementation{Name: opts.Name, Title: opts.Title, Version: opts.Version}, &mcp.ServerOptions{Logger: log})
	srv.AddTool(kodexTool(), s.handleKodex)
	srv.AddTool(replyTool(), s.handleReply)
	s.ct = &connTransport{t: t}
	ss, err := srv.Connect(sctx, s.ct, nil)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	werr := make(chan error, 1)
	go func() { werr <- ss.Wait() }()
	select {
	case <-ctx.Done():
		_ = ss.Close()
		if err := <-werr; err != nil {
			log.Debug("connection closed", "err", err)
		}
		return nil
	case err := <-werr:
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
}

// shutdown ends every session: each is asked to shut down, its stream is
// drained, and it is released.
func (s *server) shutdown(cancel context.CancelFunc) {
	s.mu.Lock()
	threads := make([]*thread, 0, len(s.threads))
	for _, th := range s.threads {
		threads = append(threads, th)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, th := range threads {
		wg.Go(func() {
			th.mu.Lock()
			defer th.mu.Unlock()
			th.end(s.ctx)
		})
	}
	wg.Wait()
	s.ending.Wait()
	cancel()
}

// acquire returns the thread id, held for a call (nil if there is none).
func (s *server) acquire(id string) *thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	th := s.threads[id]
	if th != nil {
		th.users++
	}
	return th
}

// release ends a call's hold on th and shuts down the least recently used
// idle threads beyond MaxThreads.
func (s *server) release(th *thread) {
	s.mu.Lock()
	th.users--
	s.clock++
	th.used = s.clock
	var idle []*thread
	for _, t := range s.threads {
		if t.users == 0 {
			idle = append(idle, t)
		}
	}
	slices.SortFunc(idle, func(a, b *thread) int { return cmp.Compare(a.used, b.used) })
	victims := idle[:max(0, min(len(idle), len(s.threads)-s.opts.MaxThreads))]
	for _, v := range victims {
		delete(s.threads, v.id)
		for k := range s.evicted {
			if len(s.evicted) < maxEvicted {
				break
			}
			delete(s.evicted, k)
		}
		s.evicted[v.id] = v.params
	}
	s.mu.Unlock()
	for _, v := range victims {
		s.ending.Go(func() {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.end(s.ctx)
		})
	}
}

// end shuts the session down and drains its stream (th.mu held).
func (th *thread) end(ctx context.Context) {
	if th.closed {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	go func() { _, _ = th.sess.Submit(sctx, protocol.Shutdown{}) }()
	for range th.sess.Events() {
	}
	th.closed = true
	if th.close != nil {
		th.close()
	}
}

func (s *server) handleKodex(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var p Params
	if err := decodeArgs(req.Params.Arguments, &p); err != nil {
		return errorResult("", err.Error()), nil
	}
	if p.Prompt == "" {
		return errorResult("", "Missing arguments for kodex tool-call; the `prompt` field is required."), nil
	}
	th, res := s.start(ctx, req, StartRequest{Params: p})
	if res != nil {
		return res, nil
	}
	defer s.release(th)
	return s.drive(ctx, req, th, p.Prompt), nil
}

// replyParams are the arguments of `kodex-reply`.
type replyParams struct {
	ThreadID       string `json:"threadId"`
	ConversationID string `json:"conversationId"` // Codex's older name
	Prompt         string `json:"prompt"`
}

func (s *server) handleReply(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var p replyParams
	if err := decodeArgs(req.Params.Arguments, &p); err != nil {
		return errorResult("", err.Error()), nil
	}
	id := p.ThreadID
	if id == "" {
		id = p.ConversationID
	}
	if id == "" || p.Prompt == "" {
		return errorResult(id, "Missing arguments for kodex-reply tool-call; the `threadId` and `prompt` fields are required."), nil
	}
	th := s.acquire(id)
	if th == nil {
		// Not started by this process, or shut down while idle: resume
		// the recorded thread, with the arguments it was started with.
		s.mu.Lock()
		params := s.evicted[id]
		s.mu.Unlock()
		params.Prompt = p.Prompt
		var res *mcp.CallToolResult
		th, res = s.start(ctx, req, StartRequest{Params: params, ResumeID: id})
		if res != nil {
			return res, nil
		}
	}
	defer s.release(th)
	return s.drive(ctx, req, th, p.Prompt), nil
}

// start starts a session, reads its SessionConfigured event and registers
// it as a thread, held for the call; on failure it returns the error
// result.
func (s *server) start(ctx context.Context, req *mcp.CallToolRequest, sr StartRequest) (*thread, *mcp.CallToolResult) {
	sr.CanApprove, sr.NoApprovalReason = canElicit(req.Session)
	st, err := s.opts.Start(s.ctx, sr)
	if err != nil {
		return nil, errorResult(sr.ResumeID, err.Error())
	}
	th := &thread{params: sr.Params, sess: st.Session, notice: st.Notice, close: st.Close}
	select {
	case ev, ok := <-st.Session.Events():
		sc, isSC := ev.Msg.(protocol.SessionConfigured)
		if !ok || !isSC {
			th.end(s.ctx)
			return nil, errorResult(sr.ResumeID, fmt.Sprintf("the session did not start (first event %T)", ev.Msg))
		}
		th.id = sc.SessionID
		s.notify(ctx, th.id, req.Params.Meta[requestIDKey], ev)
	case <-ctx.Done():
		th.end(s.ctx)
		return nil, errorResult(sr.ResumeID, "cancelled before the session started")
	}
	s.mu.Lock()
	if old := s.threads[th.id]; old != nil {
		// The same recorded thread resumed twice at once: use the first.
		old.users++
		s.mu.Unlock()
		th.end(s.ctx)
		return old, nil
	}
	th.users = 1
	s.threads[th.id] = th
	s.mu.Unlock()
	return th, nil
}

// canElicit reports whether approvals can go to the client, and if not why.
func canElicit(ss *mcp.ServerSession) (bool, string) {
	ip := ss.InitializeParams()
	if ip == nil || ip.Capabilities == nil || ip.Capabilities.Elicitation == nil {
		return false, "the MCP client does not support elicitation, so nobody can answer an approval"
	}
	if ip.ProtocolVersion >= "2026-07-28" {
		return false, "MCP " + ip.ProtocolVersion + " allows elicitation only as a multi-round-trip result, which kodex mcp-server does not implement"
	}
	if e := ip.Capabilities.Elicitation; e.Form == nil && e.URL != nil {
		return false, "the MCP client supports only URL elicitation, not the form an approval needs"
	}
	return true, ""
}

func decodeArgs(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("invalid arguments: %w", err)
	}
	return nil
}

// output is the structured result of both tools, as Codex's.
type output struct {
	ThreadID string `json:"threadId"`
	Content  string `json:"content"`
}

func result(threadID, text, notice string, isError bool) *mcp.CallToolResult {
	content := []mcp.Content{&mcp.TextContent{Text: text}}
	if notice != "" {
		content = append(content, &mcp.TextContent{Text: notice})
	}
	return &mcp.CallToolResult{
		Content:           content,
		StructuredContent: output{ThreadID: threadID, Content: text},
		IsError:           isError,
	}
}

func errorResult(threadID, msg string) *mcp.CallToolResult {
	return result(threadID, msg, "", true)
}
