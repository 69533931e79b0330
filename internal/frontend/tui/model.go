package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// model is the root Bubble Tea model. Update only dispatches: keys and
// pastes go to the focused component (input.go), protocol events to the
// component they concern (events.go), and the components' typed results
// are carried out in route.go; View lays out their cached renderings.
type model struct {
	opts Options
	ctx  context.Context // the Run context; canceled when Run returns
	now  func() time.Time

	width, height int
	// hasContent: the session has a turn (run here or replayed), so it is
	// worth resuming; the exit summary names it only then.
	hasContent bool
	// elicitQueue holds MCP servers' forms waiting for the overlay open.
	elicitQueue []protocol.McpElicitationRequest

	// focused is false after the terminal reported losing the focus, until
	// it reports gaining it (desktop notifications go out only then).
	focused bool

	session Session
	gen     int // bumps when the session is swapped; stale events are ignored
	sink    opSink

	status    statusState // the status line and the turn's spinner
	overrides turnOverrides

	hist       *history
	daAnswers  int        // the terminal's answers to device attributes queries (see firstFrameDrawn)
	transcript transcript // the events' cells: streaming, live, committed

	composer composer
	queued   []queuedMsg
	cmds     commander // the slash commands and their pickers

	mcp  mcpState  // the MCP servers, as reported
	undo undoState // checkpointed turns, for /undo, /redo, /rewind

	approvals approvalModal // the approval modal: the requests waiting, [0] shown
	overlay   overlay       // a picker (/model, /approvals, /resume) or the trust screen
	popup     popupState    // slash and @ popups, derived from the composer
	src       completions   // what the popup lists: the commands, the files

	ctrlCAt   time.Time
	lastKeyAt time.Time
	hint      string
	quitting  bool
	exited    bool

	frame frameCache
}

// turnOverrides ride on the next UserTurn after /model, /approvals or the
// trust question; the session keeps them for the turns after it. The UI
// chooses a sandbox mode, never a policy: the session resolves the mode
// into the complete policy (writable roots, network, …).
type turnOverrides struct {
	model, effort string
	policy        protocol.ApprovalPolicy
	mode          protocol.SandboxMode // "" keeps the session's
}

// setPreset makes the next turn carry the preset's approval policy and
// sandbox mode (the session resolves the mode into a complete policy).
func (o *turnOverrides) setPreset(p preset) {
	o.policy, o.mode = p.policy, p.mode
}

// userTurn builds the next UserTurn with the pending overrides, which it
// hands over to the session and clears.
func (m *model) userTurn(items []protocol.InputItem) protocol.UserTurn {
	o := m.overrides
	ut := protocol.UserTurn{Items: items, Model: o.model, ReasoningEffort: o.effort, ApprovalPolicy: o.policy}
	if o.mode != "" {
		ut.SandboxMode = &o.mode
	}
	m.overrides = turnOverrides{}
	m.status.policySent()
	return ut
}

// turnState tracks the running turn and its spinner.
type turnState struct {
	running bool
	started time.Time
	elapsed time.Duration
	frame   int
	tickGen int // ticks of an older turn are ignored
}

// Messages the model sends itself.
type (
	// eventsMsg is a batch of events read without blocking after the first;
	// closed reports that the channel was closed after them.
	eventsMsg struct {
		gen    int
		events []protocol.Event
		closed bool
	}
	tickMsg struct{ gen int }
	// resultMsg is a function applied to the model on the Update
	// goroutine, for code outside the program's loop (run.go's notice that
	// the session failed); the components return typed results instead.
	resultMsg func(m *model) tea.Cmd
)

func newModel(ctx context.Context, opts Options, sink opSink) *model {
	m := &model{
		opts:     opts,
		ctx:      ctx,
		now:      opts.now,
		width:    80,
		height:   24,
		focused:  true,
		session:  opts.Session,
		sink:     sink,
		hist:     newHistory(opts.AltScreen),
		composer: composer{prompts: loadPromptHistory(opts.KodexHome)},
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.transcript = transcript{now: m.now, hideReasoning: opts.HideReasoning}
	if m.ctx == nil {
		m.ctx = context.Background()
	}
	m.status = newStatus(opts.Status, opts.Cwd, opts.Price)
	m.cmds = commander{opts: opts, ctx: m.ctx, now: m.now, status: &m.status, mcp: &m.mcp, transcript: &m.transcript}
	m.src = completions{prompts: opts.Prompts, mcp: &m.cmds.mcpPrompts, ctx: m.ctx, dir: opts.Cwd, git: opts.Git, now: m.now}
	m.popup.src = &m.src
	m.hist.setSize(m.width, m.height)
	if opts.TrustPrompt != nil {
		m.overlay = newTrustScreen(opts.Cwd)
	}
	return m
}

// Init starts reading events, replays a resumed session's history and
// submits the initial prompt unless the trust question comes first.
func (m *model) Init() tea.Cmd {
	m.commit(&headerCell{version: m.opts.Version, info: m.status.info, cwd: tildeHome(m.opts.Cwd, m.opts.Home)})
	for _, w := range m.opts.Warnings {
		m.notice(noticeWarning, w, "")
	}
	m.replay(m.session)
	if m.opts.Note != "" {
		m.notice(noticeInfo, m.opts.Note, "")
	}
	cmds := []tea.Cmd{m.pump(), firstFrameDrawn()}
	if m.overlay == nil {
		cmds = append(cmds, m.submitInitial())
	}
	return tea.Batch(cmds...)
}

// queuedMsg is a message typed while a turn ran, sent when it ends.
type queuedMsg struct {
	text   string
	images []string
}

// Update dispatches a message to its handler.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case tea.PasteMsg:
		cmd = m.handlePaste(msg.Content)
	case tea.MouseWheelMsg:
		m.handleWheel(msg)
	case tea.FocusMsg:
		m.focused = true
	case tea.BlurMsg:
		m.focused = false
	case eventsMsg:
		cmd = m.handleEvents(msg)
	case tickMsg:
		cmd = m.status.turn.tick(msg, m.now())
	case uv.PrimaryDeviceAttributesEvent:
		cmd = m.firstFrameAnswer()
	case firstFrameMsg:
		m.hist.ready = true
	case tea.ModeReportMsg:
		// Bubble Tea measures text by grapheme cluster once the terminal
		// says it can (mode 2027), by code point before: so does kodex.
		if msg.Mode == ansi.ModeUnicodeCore && (msg.Value == ansi.ModeReset || msg.Value == ansi.ModeSet || msg.Value == ansi.ModePermanentlySet) {
			m.hist.method = ansi.GraphemeWidth
			clear(m.hist.cache)
		}
	case editorDoneMsg:
		cmd = m.act(msg)
	case printedMsg:
		cmd = m.hist.printed()
		if m.exited {
			cmd = tea.Batch(cmd, m.quitWhenPrinted())
		}
	case resultMsg:
		cmd = msg(m)
	case later:
		cmd = m.act(msg.r)
	}
	m.nextElicitation() // a form waiting for an overlay that closed
	return m, tea.Batch(cmd, m.hist.flush())
}

// firstFrameMsg says the first frame is surely drawn (see firstFrameDrawn).
type firstFrameMsg struct{}

// firstFrameDrawn reports when the program's first frame is on the screen,
// so the history may print above it: Bubble Tea places printed lines
// relative to the last frame it drew, and lines printed before there is
// one scroll blank rows into the scrollback.
//
// Nothing in Bubble Tea says when a frame is written, but its order is
// known: on each tick its renderer goroutine writes the queued sequences
// (such as a query) and then the frame, and the program's first View is
// taken before any message is handled. The answer to a device attributes
// query sent from Init is therefore written before or with the tick that
// draws the first frame — but the frame may still be on its way when the
// answer arrives (seen under load). So kodex asks twice: the second query
// is queued only once the first answer came, is written on a later tick,
// and that tick's goroutine has finished the first frame's write before it
// starts. A terminal that never answers is waited for firstFrameWait.
func firstFrameDrawn() tea.Cmd {
	return tea.Batch(
		tea.Raw(ansi.RequestPrimaryDeviceAttributes),
		tea.Tick(firstFrameWait, func(time.Time) tea.Msg { return firstFrameMsg{} }),
	)
}

// firstFrameAnswer handles the terminal's answer to a device attributes
// query: the first asks again, the second means the first frame is drawn
// (see firstFrameDrawn).
func (m *model) firstFrameAnswer() tea.Cmd {
	if m.hist.ready {
		return nil
	}
	m.daAnswers++
	if m.daAnswers < 2 {
		return tea.Raw(ansi.RequestPrimaryDeviceAttributes)
	}
	m.hist.ready = true
	return nil
}

// firstFrameWait bounds the wait for the terminal's answer.
const firstFrameWait = 2 * time.Second

func (m *model) resize(w, h int) {
	if w == m.width && h == m.height {
		return
	}
	m.width, m.height = w, h
	m.hist.setSize(w, h)
	m.transcript.live.version++
	m.hist.version++
}

func (m *model) handleWheel(msg tea.MouseWheelMsg) {
	switch msg.Button {
	case tea.MouseWheelUp:
		m.hist.scrollBy(3)
	case tea.MouseWheelDown:
		m.hist.scrollBy(-3)
	}
}

// pump reads the next batch of events of the current session.
func (m *model) pump() tea.Cmd {
	if m.session == nil {
		return nil
	}
	gen, ch := m.gen, m.session.Events()
	return func() tea.Msg { return readEvents(gen, ch) }
}

// readEvents blocks for one event, then takes whatever else is already
// queued (up to a bound), so a burst of deltas costs one update and one
// frame. Nothing is dropped.
func readEvents(gen int, ch <-chan protocol.Event) eventsMsg {
	ev, ok := <-ch
	if !ok {
		return eventsMsg{gen: gen, closed: true}
	}
	msg := eventsMsg{gen: gen, events: []protocol.Event{ev}}
	for len(msg.events) < 512 {
		select {
		case ev, ok := <-ch:
			if !ok {
				msg.closed = true
				return msg
			}
			msg.events = append(msg.events, ev)
		default:
			return msg
		}
	}
	return msg
}

// commit moves a finished cell into the history.
func (m *model) commit(c cell) {
	m.hist.add(c, m.width)
}

func (m *model) notice(kind noticeKind, text, hint string) {
	m.commit(&noticeCell{kind: kind, text: text, hint: hint})
}
