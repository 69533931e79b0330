package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/tools"
	"github.com/kodex-cli/kodex/internal/tools/applypatch"
	"github.com/kodex-cli/kodex/internal/tools/mcptool"
	"github.com/kodex-cli/kodex/internal/tools/viewimage"
	"github.com/kodex-cli/kodex/internal/version"
)

// Spec chooses what Open opens: a new session, or a recorded one resumed
// or forked; and what this session changes of the Runtime's defaults.
type Spec struct {
	Ephemeral bool
	// Resume continues a recorded session: the most recent in the cwd
	// (ResumeLast) or ResumeID. With Fork, a new session starts with a copy
	// of its conversation, recorded separately.
	Resume     bool
	Fork       bool
	ResumeLast bool
	ResumeID   string
	// Interactive: a person at the TUI answers approvals. Approvals: a
	// frontend other than the TUI answers them (an MCP or app-server
	// client).
	Interactive bool
	Approvals   bool
	// Forms: the frontend answers MCP servers' forms (the app server; the
	// TUI does as Interactive). Without it they are declined.
	Forms bool

	// Per-session overrides of the Runtime's defaults ("" or nil: keep).
	Cwd          string
	Model        string
	Approval     protocol.ApprovalPolicy
	SandboxMode  protocol.SandboxMode
	Instructions string
	// NotifyClient names the frontend in the notify program's payload
	// (default kodex_exec, or kodex_tui when Interactive).
	NotifyClient string
	// Editor, if set, is where apply_patch reads and writes the text of the
	// files it edits: an editor's buffers (kodex acp, when the client
	// offers its file system). Commands still run on the disk.
	Editor applypatch.Editor
}

// Session is an open agent session plus what must be closed after it.
type Session struct {
	*agent.Session
	// ID is the session (thread) id; Rec its rollout (nil when
	// ephemeral). The restored conversation of a resumed or forked one is
	// RestoredHistory (until the session compacts it away).
	ID  string
	Rec *rollout.Recorder
	// Cwd, Model, Approval, Sandbox and ForkedFrom are what the session
	// started with.
	Cwd        string
	Model      string
	Approval   protocol.ApprovalPolicy
	Sandbox    protocol.SandboxPolicy
	ForkedFrom string
	tmp        *sessionTmp
	// closeTools ends what the tools keep running (exec_command's
	// processes).
	closeTools func()
	// mcp runs the MCP servers; nil without any.
	mcp *mcp.Manager
	// notify runs the notify program; nil when none is configured.
	notify *notifier
	// stopCheckpoints stops the checkpoint store's background work.
	stopCheckpoints func()
}

// Submit sends op to the session and returns its submission id.
func (s *Session) Submit(ctx context.Context, op protocol.Op) (string, error) {
	id, err := s.Session.Submit(ctx, op)
	if ut, ok := op.(protocol.UserTurn); ok && err == nil && s.notify != nil {
		s.notify.submitted(id, ut)
	}
	return id, err
}

// Close releases what the session holds: the checkpoint store's background
// work, the notify watch, the rollout, the tools' processes, the MCP
// servers, the temp dir. Call it after the
// session's events have ended.
func (s *Session) Close() {
	if s.stopCheckpoints != nil {
		s.stopCheckpoints()
	}
	if s.notify != nil {
		s.notify.close(s.Done())
	}
	if s.Rec != nil {
		_ = s.Rec.Close()
	}
	if s.closeTools != nil {
		s.closeTools()
	}
	s.mcp.Close()
	s.tmp.remove()
}

// MCPServers is a snapshot of the session's MCP servers (none: nil).
func (s *Session) MCPServers() []mcp.Server {
	if s.mcp == nil {
		return nil
	}
	return s.mcp.Servers()
}

// RecordErr is the first error recording the rollout met, if any.
func (s *Session) RecordErr() error {
	if s.Rec == nil {
		return nil
	}
	return s.Rec.Err()
}

// resolved is a Spec applied to the Runtime's defaults.
type resolved struct {
	cwd, model, instructions string
	approval                 protocol.ApprovalPolicy
	sandbox                  protocol.SandboxPolicy
}

func (rt *Runtime) resolve(sp Spec) resolved {
	r := resolved{cwd: rt.Cwd, model: rt.Config.Model, instructions: rt.Instructions, approval: rt.Approval, sandbox: rt.Sandbox}
	if sp.Cwd != "" {
		r.cwd = abs(rt.Cwd, sp.Cwd)
		r.sandbox = rt.ResolvePolicy(r.sandbox.Mode, r.cwd)
	}
	if sp.SandboxMode != "" {
		r.sandbox = rt.ResolvePolicy(sp.SandboxMode, r.cwd)
	}
	if sp.Model != "" {
		r.model = sp.Model
	}
	if sp.Approval != "" {
		r.approval = sp.Approval
	}
	if sp.Instructions != "" {
		r.instructions = sp.Instructions
	}
	return r
}

// restored is what a resumed or forked session starts from.
type restored struct {
	history     []model.Item
	forkedFrom  string // fork: the session copied
	usage       protocol.TokenUsage
	id          string
	rec         *rollout.Recorder
	lastContext int64
	contextAt   int
	notices     []string
	journal     []protocol.EventMsg // the undo journal (see withCheckpoints)
}

// Open builds the tools, the rollout and the agent of a session, and
// starts it.
func (rt *Runtime) Open(ctx context.Context, sp Spec) (*Session, error) {
	r := rt.resolve(sp)
	// The git metadata of a new rollout runs git three times; collect it
	// while the sandbox probe finishes.
	git := func() *rollout.GitInfo { return nil }
	if !sp.Resume && !sp.Ephemeral {
		git = sync.OnceValue(func() *rollout.GitInfo { return rollout.CollectGit(ctx, r.cwd) })
		go func() { _ = git() }()
	}
	tmp := &sessionTmp{}
	// The servers start before the agent session that shows their forms
	// exists: their elicitations reach it once it does.
	var agentSession atomic.Pointer[agent.Session]
	elicit := func(ctx context.Context, req protocol.McpElicitationRequest) protocol.McpElicitationResponse {
		if a := agentSession.Load(); a != nil {
			return a.Elicit(ctx, req)
		}
		return protocol.McpElicitationResponse{Action: protocol.ElicitDecline}
	}
	mcps, err := rt.startMCP(ctx, r.cwd, elicit)
	if err != nil {
		return nil, err
	}
	router, mechanism, closeTools, err := rt.buildTools(r.sandbox, tmp, sp.Editor)
	if err != nil {
		mcps.Close()
		return nil, err
	}
	if mcps != nil {
		router = router.WithSets(mcptool.New(mcps))
	}
	fail := func(err error) (*Session, error) {
		closeTools()
		mcps.Close()
		return nil, err
	}
	var st restored
	if sp.Resume {
		if st, err = rt.restore(sp, r); err != nil {
			return fail(err)
		}
	} else {
		u, err := uuid.NewV7()
		if err != nil {
			return fail(fmt.Errorf("making a session id: %w", err))
		}
		st.id = u.String()
		if !sp.Ephemeral {
			st.rec, err = rollout.Create(rollout.Options{
				Home: rt.Home, Cwd: r.cwd, Model: r.model, Provider: rt.Config.Provider.ID,
				Version: version.Version, Git: git(), ID: st.id,
			})
			if err != nil {
				return fail(err)
			}
		}
	}
	opts := rt.agentOptions(sp, r, st, router, mechanism)
	stopCheckpoints := rt.withCheckpoints(ctx, &opts, sp, r.cwd, st)
	if mcps != nil {
		opts.Status = mcps.Watch
	}
	s := agent.New(opts)
	agentSession.Store(s)
	sess := &Session{Session: s, ID: st.id, Rec: st.rec, Cwd: r.cwd, Model: r.model,
		Approval: r.approval, Sandbox: r.sandbox, ForkedFrom: st.forkedFrom, tmp: tmp, closeTools: closeTools, mcp: mcps, stopCheckpoints: stopCheckpoints}
	if argv := rt.Config.Notify; len(argv) > 0 {
		client := sp.NotifyClient
		if client == "" {
			client = "kodex_exec"
			if sp.Interactive {
				client = "kodex_tui"
			}
		}
		events, cancel := s.Subscribe(64)
		sess.notify = startNotifier(argv, client, r.cwd, events, cancel)
	}
	s.Start(ctx)
	return sess, nil
}

func (rt *Runtime) agentOptions(sp Spec, r resolved, st restored, router *tools.Router, mechanism string) agent.Options {
	opts := agent.Options{
		SessionID: st.id,
		Model:     rt.Client,
		Tools:     router,
		Settings: agent.Settings{
			Model:            r.model,
			Provider:         rt.Config.Provider.ID,
			ReasoningEffort:  rt.Config.ReasoningEffort,
			ReasoningSummary: rt.reasoningSummary(r.model),
			Verbosity:        rt.Config.Verbosity,
			MaxOutputTokens:  rt.Config.MaxOutputTokens,
			Cwd:              r.cwd,
			ApprovalPolicy:   r.approval,
			Sandbox:          r.sandbox,
			SandboxMechanism: mechanism,
			ContextWindow:    ContextWindow(rt.Config, r.model),
			AutoCompactLimit: rt.Config.AutoCompactTokenLimit,
		},
		ResolvePolicy: rt.ResolvePolicy,
		Instructions:  r.instructions,
		Opening:       rt.opening(),
		History:       st.history,
		Usage:         st.usage,
		Context:       st.lastContext,
		ContextAt:     st.contextAt,
		Notices:       st.notices,
		Resumed:       sp.Resume,
		Interactive:   sp.Interactive || sp.Approvals,
		// The TUI and the app server show an MCP server's form; the other
		// frontends have no request for it, so the agent declines.
		AnswersElicitation: sp.Interactive || sp.Forms,
		LoadImage:          viewimage.LoadImage,
		Logger:             rt.env.Logger,
	}
	if st.rec != nil {
		opts.Recorder = recorder{st.rec}
		opts.RolloutPath = st.rec.Path()
	}
	return opts
}

// restore loads the recorded session sp names: reopened for appending
// (resume), or copied into a new rollout (fork).
func (rt *Runtime) restore(sp Spec, r resolved) (restored, error) {
	var st restored
	path, err := rt.find(sp)
	if err != nil {
		return st, err
	}
	loaded, err := rollout.Load(path)
	if err != nil {
		return st, fmt.Errorf("loading session: %w", err)
	}
	st.history, st.id, st.usage = loaded.History, loaded.Meta.ID, loaded.Usage
	st.lastContext, st.contextAt, st.journal = loaded.Context, loaded.ContextAt, loaded.Journal
	if n := len(loaded.Skipped); n > 0 {
		st.notices = append(st.notices, fmt.Sprintf("%d damaged line(s) of the transcript were left out (%s line %s); the conversation may miss what they held", n, path, joinInts(loaded.Skipped)))
	}
	switch {
	case sp.Fork:
		st.forkedFrom = st.id
		if st.id, st.rec, err = rt.forkRollout(sp, r, loaded); err != nil {
			return st, err
		}
		// Its transcript is its source's: so are the token totals it goes on from.
	case !sp.Ephemeral:
		if st.rec, err = rollout.Open(path); err != nil {
			var le *rollout.LockedError
			if errors.As(err, &le) {
				return st, fmt.Errorf("%w\nwait for it to end, or go on from a copy: kodex fork %s (kodex exec fork %s PROMPT)", err, st.id, st.id)
			}
			return st, err
		}
	}
	return st, nil
}

// forkRollout makes the id and, unless ephemeral, the rollout of a new
// session forked from src: its meta names src, and src's lines (but its
// meta) are its first lines, as Codex's forks are, so the fork replays the
// whole transcript, commands and edits too, and may undo or rewind the
// turns it copied.
func (rt *Runtime) forkRollout(sp Spec, r resolved, src *rollout.Session) (string, *rollout.Recorder, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return "", nil, fmt.Errorf("making a session id: %w", err)
	}
	if sp.Ephemeral {
		return u.String(), nil, nil
	}
	rec, err := rollout.Create(rollout.Options{
		Home: rt.Home, Cwd: r.cwd, Model: r.model, Provider: rt.Config.Provider.ID,
		Version: version.Version, ID: u.String(), ForkedFrom: src.Meta.ID,
	})
	if err != nil {
		return "", nil, err
	}
	if err := rec.CopyFrom(src.Path); err != nil {
		_ = rec.Close()
		return "", nil, fmt.Errorf("recording the forked conversation: %w", err)
	}
	return u.String(), rec, nil
}

func (rt *Runtime) find(sp Spec) (string, error) {
	if sp.ResumeLast {
		path, err := rollout.Last(rt.Home, rt.Cwd)
		if errors.Is(err, rollout.ErrNotFound) {
			return "", &NotFoundError{Msg: fmt.Sprintf("no recorded session for %s; start one with kodex exec", rt.Cwd)}
		}
		return path, err
	}
	path, err := rollout.Find(rt.Home, sp.ResumeID)
	if errors.Is(err, rollout.ErrNotFound) {
		if _, aerr := rollout.Find(ArchivedHome(rt.Home), sp.ResumeID); aerr == nil {
			return "", &NotFoundError{Msg: fmt.Sprintf("session %q is archived; bring it back with kodex sessions unarchive %s", sp.ResumeID, sp.ResumeID)}
		}
		return "", &NotFoundError{Msg: fmt.Sprintf("no session %q; list them with kodex sessions list", sp.ResumeID)}
	}
	return path, err
}

// recorder adapts a rollout.Recorder to the agent.
type recorder struct{ r *rollout.Recorder }

func (r recorder) RecordItems(items ...model.Item) error { return r.r.AppendItems(items...) }
func (r recorder) RecordCompacted(summary string, history []model.Item) error {
	return r.r.AppendCompacted(rollout.Compacted{Summary: summary, History: history})
}
func (r recorder) RecordEvent(msg protocol.EventMsg) error {
	return r.r.AppendEvent(protocol.Event{Msg: msg})
}

// joinInts renders line numbers: "3, 4, 9".
func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}
