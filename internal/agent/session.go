// Package agent owns a kodex session: one goroutine (the actor) reads Ops in
// order, runs turns, and publishes Events on one ordered, lossless stream.
// A turn assembles the model request (instructions, opening context items,
// history), streams the model, dispatches the tool calls it asks for through
// tools.Router, asks approvals through the event stream, records the rollout,
// and repeats until the model answers without tool calls.
//
// The agent never imports frontends, cobra, the TUI libraries or concrete
// tool packages: internal/cli builds those and hands them in through Options.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kodex-cli/kodex/internal/checkpoint"
	"github.com/kodex-cli/kodex/internal/events"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// Settings are the per-session choices a turn runs with. A UserTurn's
// overrides replace them for that turn and the ones after it. Sandbox is
// always a complete, resolved policy for Cwd (see Options.ResolvePolicy).
type Settings struct {
	Model            string
	Provider         string
	ReasoningEffort  string
	ReasoningSummary string
	// Verbosity and MaxOutputTokens are model_verbosity and
	// model_max_output_tokens ("" and 0: not sent).
	Verbosity        string
	MaxOutputTokens  int64
	Cwd              string
	ApprovalPolicy   protocol.ApprovalPolicy
	Sandbox          protocol.SandboxPolicy
	SandboxMechanism string
	ContextWindow    int64
	// AutoCompactLimit is the estimated context size past which the
	// conversation is compacted before the next request; 0: a share of
	// ContextWindow (see compactLimit).
	AutoCompactLimit int64
}

// Recorder persists a session (see internal/rollout). Errors are reported as
// warnings; the session goes on.
type Recorder interface {
	RecordItems(items ...model.Item) error
	RecordEvent(ev protocol.EventMsg) error
	// RecordCompacted records that history replaced everything before it
	// (summary is the model's summary in it).
	RecordCompacted(summary string, history []model.Item) error
}

// Options configure a Session.
type Options struct {
	SessionID    string
	Model        model.Client
	Tools        *tools.Router
	Settings     Settings
	Instructions string
	// Opening returns the items that open every request before the history
	// (project docs, environment context) for the turn's settings, and
	// what the user should be told about them (each said once).
	Opening func(s Settings) (items []model.Item, warnings []string)
	// History is the restored conversation of a resumed session, and
	// Usage its token usage so far (the thread's totals go on from it).
	History []model.Item
	Usage   protocol.TokenUsage
	// Context is the context size (tokens) last reported for the restored
	// history, when it had ContextAt items (see rollout.Session).
	Context   int64
	ContextAt int
	Resumed   bool
	// Notices are said (as warnings) when the session starts: what the
	// caller found restoring it.
	Notices []string
	// Recorder, if set, receives every model-visible item and every
	// non-delta event.
	Recorder    Recorder
	RolloutPath string
	// ResolvePolicy turns a sandbox mode and a working directory into the
	// complete policy commands run under (internal/cli builds it from
	// policy.Resolve, the configuration and --add-dir). The session calls it
	// when a UserTurn changes the mode or the cwd; without it such a change
	// keeps the current policy and warns.
	ResolvePolicy func(mode protocol.SandboxMode, cwd string) protocol.SandboxPolicy
	// Checkpoints, if set, snapshots the workspace around every turn and
	// serves Undo, Redo and Rewind; Journal holds the TurnCheckpoint and
	// FilesRestored events of the restored session, in order.
	Checkpoints Checkpoints
	Journal     []protocol.EventMsg
	// Interactive: someone can answer approval requests. When false (exec),
	// requests that would ask are declined at once and the model is told.
	Interactive bool
	// AnswersElicitation: the frontend shows MCP servers' forms and answers
	// them (the TUI); otherwise Elicit declines at once.
	AnswersElicitation bool
	// LoadImage turns a local image path into a data URL for input_image.
	LoadImage func(path string) (string, error)
	// Status, if set, is called once after SessionConfigured with a function
	// that publishes session-level events (the MCP servers' start-up
	// states) on the stream; the stop it returns is called before
	// ShutdownComplete, after which emit must not be called.
	Status func(emit func(protocol.EventMsg)) (stop func())
	Logger *slog.Logger
}

// Session is a running kodex session. Create it with New, start it with
// Start, drive it with Submit, and read Events until the channel closes.
type Session struct {
	opts     Options
	settings Settings // owned by the actor and, during a turn, by the turn
	history  []model.Item
	warned   map[string]bool // opening warnings already said; owned like settings
	total    protocol.TokenUsage
	log      *slog.Logger
	// lastContext is the last response's total tokens, and usageAt the
	// length of the history then (see contextEstimate); owned like history.
	lastContext int64
	usageAt     int
	// recordWarned: the user was told that recording failed.
	recordWarned atomic.Bool
	// journal is the undo state (owned like history); rewindable is
	// fixed by New (see RewindableTurns).
	journal    checkpoint.Journal
	rewindable []protocol.TurnCheckpoint
	toolCalls  int // tool calls run so far (owned like history)
	// repaired counts the tool calls of the restored history that had no
	// output (see repairHistory); the user is told at start. restoredN is
	// how many items Options.History had. repairedTail are the outputs
	// made up at the end of the history, recorded at start.
	repaired     int
	repairedTail []model.Item
	abortedCalls []model.Item
	restoredN    int

	ops    chan protocol.Submission
	bus    *events.Bus
	events <-chan protocol.Event
	nextID int

	// emitMu makes publishing and recording one event atomic, so the
	// rollout records events in stream order.
	emitMu sync.Mutex

	mu       sync.Mutex
	pending  map[string]chan protocol.ReviewDecision // approvals in flight, by call id
	feedback map[string]string
	elicits  map[string]chan protocol.McpElicitationResponse // MCP forms in flight, by request id
	elicitN  int
	session  map[string]bool // approved for session, by canonical key
	started  bool
	// restored is Options.History until the conversation is compacted
	// (see RestoredHistory); Options.History itself is not kept.
	restored []model.Item
	// steered is input added to the running turn (Steer), not yet in the
	// conversation.
	steered [][]protocol.InputItem

	done chan struct{} // closed when the actor has ended and the stream is closed
}

// New returns a session ready to Start. Its Events channel is subscribed
// before anything is published, so no event is ever missed.
func New(opts Options) *Session {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Session{
		opts:     opts,
		settings: opts.Settings,
		total:    opts.Usage,

		lastContext: opts.Context,
		usageAt:     opts.ContextAt,
		log:         log,
		ops:         make(chan protocol.Submission),
		bus:         events.New(),
		pending:     map[string]chan protocol.ReviewDecision{},
		feedback:    map[string]string{},
		elicits:     map[string]chan protocol.McpElicitationResponse{},
		session:     map[string]bool{},
		done:        make(chan struct{}),
	}
	s.history, s.repaired, s.repairedTail, s.abortedCalls = repairHistory(opts.History)
	s.recordRepair()
	s.restored, s.restoredN = opts.History, len(opts.History)
	s.opts.History = nil // see RestoredHistory
	for _, m := range opts.Journal {
		s.journal.Apply(m)
	}
	s.rewindable = s.findRewindable()
	s.events, _ = s.bus.Subscribe(256)
	return s
}

// RestoredHistory is the conversation the session was resumed (or forked)
// with, Options.History, for frontends that show it; nil once the session
// has compacted its conversation: the session then lets it go, so that the
// memory of a long resumed conversation is not held for the session's
// life. It is safe for concurrent use.
func (s *Session) RestoredHistory() []model.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restored
}

// releaseRestored lets the restored history go (see RestoredHistory).
func (s *Session) releaseRestored() {
	s.mu.Lock()
	s.restored = nil
	s.mu.Unlock()
}

// Events returns the session's event stream. It is closed after
// ShutdownComplete.
func (s *Session) Events() <-chan protocol.Event { return s.events }

// Subscribe returns another view of the event stream, for an observer
// beside the frontend (the notify program): every event published from
// now on, in order, until the stream closes or cancel is called. Like the
// frontend, the observer must keep reading: it slows the session, it is
// never skipped. Subscribe before Start to see the whole stream.
func (s *Session) Subscribe(buffer int) (<-chan protocol.Event, func()) {
	return s.bus.Subscribe(buffer)
}

// Done is closed when the session has ended: ShutdownComplete was
// published and every subscriber's stream is closed once drained.
func (s *Session) Done() <-chan struct{} { return s.done }

// Submit sends op to the session and returns its submission id. It blocks
// until the actor takes the op or ctx ends.
func (s *Session) Submit(ctx context.Context, op protocol.Op) (string, error) {
	s.mu.Lock()
	s.nextID++
	id := strconv.Itoa(s.nextID)
	s.mu.Unlock()
	select {
	case s.ops <- protocol.Submission{ID: id, Op: op}:
		return id, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Start runs the actor until a Shutdown op or until ctx is cancelled (which
// acts as an interrupt followed by a shutdown).
func (s *Session) Start(ctx context.Context) {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		panic("agent: Session.Start called twice")
	}
	s.started = true
	s.mu.Unlock()
	go s.run(ctx)
}

type turnDone struct{}

func (s *Session) run(ctx context.Context) {
	defer close(s.done)
	defer s.bus.Close()
	s.emit("", protocol.SessionConfigured{
		SessionID:        s.opts.SessionID,
		ProtocolVersion:  protocol.Version,
		Model:            s.settings.Model,
		Provider:         s.settings.Provider,
		ReasoningEffort:  s.settings.ReasoningEffort,
		Cwd:              s.settings.Cwd,
		ApprovalPolicy:   s.settings.ApprovalPolicy,
		Sandbox:          s.settings.Sandbox,
		SandboxMechanism: s.settings.SandboxMechanism,
		RolloutPath:      s.opts.RolloutPath,
		ContextWindow:    s.settings.ContextWindow,
		Resumed:          s.opts.Resumed,
		History:          s.restoredN,
	})

	for _, n := range s.opts.Notices {
		s.emit("", protocol.Warning{Message: n})
	}
	if s.repaired > 0 {
		s.emit("", protocol.Warning{Message: repairNotice(s.repaired, s.abortedCalls)})
		s.abortedCalls = nil
	}
	stopStatus := func() {}
	if s.opts.Status != nil {
		stopStatus = s.opts.Status(func(m protocol.EventMsg) { s.emit("", m) })
	}
	stopTools := func() {}
	if s.opts.Tools != nil { // live processes report between turns too
		stopTools = s.opts.Tools.Watch(func(m protocol.EventMsg) { s.emit("", m) })
	}
	var (
		// queue holds the ops waiting for the running one; an interrupt
		// or a shutdown marks them dropped, and each then ends as it
		// would have (see drop), in order, after the running one.
		queue   []queued
		running bool
		cancel  context.CancelFunc = func() {}
		done                       = make(chan turnDone, 1)
		closing bool
	)
	start := func(sub protocol.Submission) {
		var tctx context.Context
		tctx, cancel = context.WithCancel(ctx)
		running = true
		go func() {
			switch op := sub.Op.(type) {
			case protocol.UserTurn:
				s.runCheckpointedTurn(tctx, sub.ID, op)
			case protocol.Compact:
				s.runCompact(tctx, sub.ID)
			default: // Undo, Redo, Rewind
				s.runRestore(tctx, sub.ID, op)
			}
			done <- turnDone{}
		}()
	}
	for {
		if !running && len(queue) > 0 {
			next := queue[0]
			queue = queue[1:]
			if next.dropped {
				s.drop(next.sub)
			} else {
				start(next.sub)
			}
			continue
		}
		if !running && closing {
			stopTools()
			stopStatus()
			s.emit("", protocol.ShutdownComplete{})
			return
		}
		select {
		case <-ctx.Done():
			cancel()
			closing = true
			dropAll(queue)
			if running {
				<-done
				running = false
			}
		case <-done:
			running = false
			cancel()
			if next, ok := s.unsteered(); ok && !closing {
				queue = append([]queued{{sub: next}}, queue...)
			}
		case sub := <-s.ops:
			switch op := sub.Op.(type) {
			case protocol.UserTurn, protocol.Compact, protocol.Undo, protocol.Redo, protocol.Rewind:
				queue = append(queue, queued{sub: sub, dropped: closing})
			case protocol.Interrupt:
				dropAll(queue)
				s.mu.Lock()
				s.steered = nil // interrupted with the rest of the turn
				s.mu.Unlock()
				cancel()
				if s.opts.Tools != nil {
					go s.opts.Tools.Interrupt() // live processes end too
				}
			case protocol.Steer:
				if !running {
					s.emit(sub.ID, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "no_active_turn", Message: "no turn is running to add the input to; start one"}})
					continue
				}
				s.mu.Lock()
				s.steered = append(s.steered, op.Items)
				s.mu.Unlock()
			case protocol.EndProcess:
				if s.opts.Tools != nil {
					go s.opts.Tools.EndProcess(op.ProcessID)
				}
			case protocol.ExecApproval:
				s.decide(sub.ID, op.CallID, op.Decision, "")
			case protocol.PatchApproval:
				s.decide(sub.ID, op.CallID, op.Decision, op.Feedback)
			case protocol.McpElicitationResponse:
				s.answerElicitation(sub.ID, op)
			case protocol.Shutdown:
				closing = true
				dropAll(queue)
				cancel()
			default:
				s.emit(sub.ID, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "bad_op", Message: fmt.Sprintf("unsupported op %T", op)}})
			}
		}
	}
}

// queued is an op waiting for the running one to end; dropped: an
// interrupt or a shutdown came first, so it will not run.
type queued struct {
	sub     protocol.Submission
	dropped bool
}

func dropAll(queue []queued) {
	for i := range queue {
		queue[i].dropped = true
	}
}

// drop ends an op that was accepted but interrupted before it ran, so that
// whoever submitted it hears of it as of one that ran: a turn (or a
// compaction) starts and ends interrupted, with nothing sent to the model;
// an undo, redo or rewind is an Error.
func (s *Session) drop(sub protocol.Submission) {
	switch sub.Op.(type) {
	case protocol.UserTurn, protocol.Compact:
		s.emit(sub.ID, protocol.TurnStarted{TurnID: sub.ID})
		s.emit(sub.ID, protocol.TurnAborted{TurnID: sub.ID, Reason: "interrupted"})
	default:
		s.emit(sub.ID, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "interrupted", Message: "interrupted before it ran; nothing was restored"}})
	}
}

// unsteered turns input steered into a turn that ended before it could
// take it into the next turn, so that it is not lost.
func (s *Session) unsteered() (protocol.Submission, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.steered) == 0 {
		return protocol.Submission{}, false
	}
	var items []protocol.InputItem
	for _, in := range s.steered {
		items = append(items, in...)
	}
	s.steered = nil
	s.nextID++
	return protocol.Submission{ID: strconv.Itoa(s.nextID), Op: protocol.UserTurn{Items: items}}, true
}

// decide delivers an approval decision to the tool waiting for it.
func (s *Session) decide(subID, callID string, d protocol.ReviewDecision, feedback string) {
	s.mu.Lock()
	ch, ok := s.pending[callID]
	if ok {
		delete(s.pending, callID)
		s.feedback[callID] = feedback
	}
	s.mu.Unlock()
	if !ok {
		s.emit(subID, protocol.Error{ErrorInfo: protocol.ErrorInfo{Code: "bad_op", Message: fmt.Sprintf("no approval is pending for call %q", callID)}})
		return
	}
	ch <- d // buffered
}

// emit publishes msg and records it unless it is a delta (or MCP progress).
func (s *Session) emit(id string, msg protocol.EventMsg) {
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	s.bus.Publish(context.Background(), msg, id)
	if s.opts.Recorder == nil {
		return
	}
	switch msg.(type) {
	case protocol.AgentMessageDelta, protocol.ReasoningDelta, protocol.ExecOutputDelta, protocol.McpToolCallProgress:
		return
	}
	if err := s.opts.Recorder.RecordEvent(msg); err != nil {
		s.log.Warn("recording event", "err", err)
	}
}

// record appends items to the history and the rollout.
func (s *Session) record(items ...model.Item) {
	s.history = append(s.history, items...)
	s.persist(items...)
}

// persist appends items to the rollout only. It is safe for concurrent use
// (the Recorder is).
func (s *Session) persist(items ...model.Item) {
	if s.opts.Recorder == nil || len(items) == 0 {
		return
	}
	if err := s.opts.Recorder.RecordItems(items...); err != nil && !s.recordWarned.Swap(true) {
		// Said once: a recorder that fails usually goes on failing.
		s.bus.Publish(context.Background(), protocol.Warning{Message: "could not record the session transcript: " + err.Error() + "; the session cannot be resumed past this point"}, "")
	}
}

// errorInfo turns an error into what frontends show.
func errorInfo(err error) protocol.ErrorInfo {
	var me *model.Error
	if errors.As(err, &me) {
		msg := me.Kind.String() + messageSuffix(me.Message)
		if !me.ResetAt.IsZero() {
			msg += "; the limit resets at " + me.ResetAt.Local().Format("15:04:05 MST")
		}
		return protocol.ErrorInfo{Code: modelCode(me.Kind), Message: msg, Hint: me.Hint}
	}
	return protocol.ErrorInfo{Code: "internal", Message: err.Error()}
}

func messageSuffix(m string) string {
	if m == "" {
		return ""
	}
	return ": " + m
}

func modelCode(k model.ErrorKind) string {
	switch k {
	case model.ErrMissingKey:
		return "missing_key"
	case model.ErrAuth:
		return "auth"
	case model.ErrUnknownModel:
		return "unknown_model"
	case model.ErrContextWindow:
		return "context_window"
	case model.ErrRateLimit:
		return "rate_limit"
	case model.ErrServer:
		return "server"
	case model.ErrNetwork:
		return "network"
	case model.ErrBadRequest:
		return "bad_request"
	case model.ErrStream:
		return "stream"
	case model.ErrResponseFailed:
		return "response_failed"
	case model.ErrIncomplete:
		return "incomplete"
	case model.ErrUnknown:
		return "model"
	}
	return "model"
}
