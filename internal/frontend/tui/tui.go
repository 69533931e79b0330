// Package tui is kodex's interactive terminal UI: a Bubble Tea v2 program that
// is a pure frontend of one session's protocol stream. It submits
// protocol.Ops through [Session.Submit] and renders the protocol.Events it
// reads from [Session.Events]; it never imports the agent or any other core
// package, only internal/protocol.
//
// # Layout
//
// Inline by default: finished history cells (user and agent messages,
// reasoning, commands, patches, plans, notices) are printed once into the
// terminal's normal scrollback and dropped from memory, so native scrolling,
// search and copy work; only the live area (the running cell, the approval
// modal or popups, the composer and the status line) is redrawn. With
// [Options.AltScreen] the UI takes the full screen and keeps a bounded,
// lazily rendered transcript it scrolls itself (PgUp/PgDn, mouse wheel).
//
// # Keys
//
//	Enter             submit (queued while a turn runs, sent when it ends)
//	Shift+Enter, Ctrl+J  newline
//	Up/Down           prompt history ($KODEX_HOME/history.jsonl) when the composer is empty or shows a recalled entry
//	Esc               interrupt the running turn; close a popup
//	Ctrl+C            interrupt (or clear the composer); twice within 1.5 s quits
//	Ctrl+D            quit when the composer is empty
//	Ctrl+V            attach the clipboard's image (see [Options.ClipboardImage])
//	Ctrl+T            expand or collapse reasoning summaries
//	Ctrl+G            edit the message in $VISUAL / $EDITOR ([Options.Editor])
//	Ctrl+R            search the prompt history
//	/                 slash commands (/model /approvals /new /resume /diff /status /init /mention /copy /quit)
//	@                 fuzzy file search in the repo
//	!cmd              run cmd yourself through [Options.RunUserShell]
//	y / a / n / Esc   approval modal: yes, yes for this session, no, abort the turn
//	Tab               /resume picker: this directory's sessions or all directories'
//
// # Structure
//
// The root model (model.go) owns the session, the turn's queue and the
// frame's layout, and routes: a key goes to the focused component (an
// overlay, else the armed approval modal, else the global keys, the slash
// and @ popup and the composer); each protocol event goes to the status
// line, the undo state, the MCP servers' state and the transcript
// (events.go). The components are the transcript (transcript.go: the
// streamed message, the live tool calls and processes, reasoning, replay),
// the status line and the turn's spinner (status.go), the approval modal
// (approval.go), the overlays (overlay.go: pickers, the trust screen,
// help; an MCP server's form, the history search, the pager), the popup
// (popup.go) and its source (completions.go: the slash commands and
// prompts, the @ file index), the composer (composer.go, over the textarea
// editor; it takes the clipboard's image and the editor's text too), undo
// (undo.go) and the slash commands (commands.go: the commander and its
// pickers); history.go commits finished cells to the scrollback. A
// component does not reach into the root: its update returns a typed
// result (commitCell, showNotice, turnBegan, approvalAsked, submitOp,
// approvalDecided, pickerChosen, modelChosen, sessionOpened, sendText, …)
// which the root carries out in route.go on the same Update, so an
// event's or a key's effect is complete when Update returns. Background
// work (listing files or sessions, reading the clipboard, the editor, the
// shutdown timeout) returns a typed result too (later, editorDoneMsg),
// carried out when it arrives; only run.go's notice that an Op could not be
// sent is a closure (resultMsg).
//
// # Performance
//
// Nothing ticks while idle: the spinner runs only while a turn runs. Events
// are read in batches (without dropping any) so a burst of deltas costs one
// update and one frame. Every part of the view caches its rendering, so the
// cost of a frame does not depend on transcript length. Markdown is rendered
// by the small [markdown] package, which has no start-up cost.
//
// The package must not write to the terminal outside Bubble Tea, keep
// package-level mutable state, or read session files itself: history of a
// resumed session comes from the session (see [Replayer]).
package tui

import (
	"context"
	"io"
	"time"

	"github.com/kodex-cli/kodex/internal/frontend/prompts"
	"github.com/kodex-cli/kodex/internal/frontend/review"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Session is the TUI's view of a running session.
type Session interface {
	Submit(ctx context.Context, op protocol.Op) error
	// Events is closed after ShutdownComplete.
	Events() <-chan protocol.Event
}

// Replayer is implemented by a resumed Session that can hand the TUI the
// recorded history to show before live events. Items are rendered as finished
// cells (only the last [maxReplay] in inline mode).
type Replayer interface {
	Replay() []protocol.EventMsg
}

// StatusInfo is what the status line shows before the session reports it.
type StatusInfo struct {
	Model           string
	Provider        string
	ReasoningEffort string
	ApprovalPreset  string // "suggest", "auto-edit", "full-auto" or "custom"
	ApprovalPolicy  protocol.ApprovalPolicy
	SandboxMode     protocol.SandboxMode
	ContextWindow   int64
}

// SessionSummary is one row of the /resume picker.
type SessionSummary struct {
	ID         string
	Cwd        string
	Updated    time.Time
	Preview    string // the first user message, or a title
	Turns      int    // turns started (0: not known)
	Name       string // given with kodex sessions rename, if any
	ForkedFrom string // the session it is a fork of, if any
}

// Options configure [Run]. Only Session is required; a nil hook makes the
// matching slash command say it is unavailable.
type Options struct {
	Session Session
	In      io.Reader // nil: os.Stdin
	Out     io.Writer // nil: os.Stdout

	AltScreen     bool
	Version       string // kodex's version, for the header
	Editor        string // Ctrl+G's editor command ($VISUAL or $EDITOR; may hold arguments); "": none
	Home          string // the user's home directory, shown as ~ in the header; "": none
	InitialPrompt string // submitted at once (after the trust question)
	// Warnings are shown under the header when the UI starts (a missing
	// API key and how to set one), as warning cells the screen wraps.
	Warnings []string
	// Note is shown after a resumed session's history (what the session
	// is, as /fork says it of a fork); "": none.
	Note string
	// MCPPrompts lists the prompts of the session's ready MCP servers, and
	// MCPPrompt gets one filled with its arguments: /mcp__SERVER__NAME
	// sends it. nil: no MCP prompts.
	MCPPrompts func(ctx context.Context) ([]MCPPrompt, error)
	MCPPrompt  func(ctx context.Context, server, name string, args map[string]string) (string, error)
	// Price is the price of a model (nil or !ok: unknown), for the cost
	// estimate in /status.
	Price func(model string) (Price, bool)
	// PickSession opens the /resume picker at start (`kodex resume` with no
	// session): "here" lists this directory's sessions, "all" every one.
	PickSession string
	KodexHome   string // history.jsonl lives here; "" disables persistence
	Cwd         string
	Status      StatusInfo

	ListSessions  func(all bool) ([]SessionSummary, error) // /resume picker
	ResumeSession func(id string) (Session, error)         // swap to a resumed session
	NewSession    func() (Session, error)                  // /new
	ForkSession   func() (Session, error)                  // /fork: a copy of this session, as a new one
	Models        []string                                 // /model choices
	// TrustPrompt, if set, makes the UI ask "trust this directory?" first
	// and calls it with the answer (trusted: auto-edit, else suggest).
	TrustPrompt  func(trusted bool) error
	RunUserShell func(ctx context.Context, cmd string) (string, error) // `!cmd` and /diff; nil: sh -c
	Clipboard    func(text string) error                               // /copy; nil: OSC 52
	// ClipboardImage (Ctrl+V) saves the clipboard's image as a PNG file and
	// returns its path, or [ErrNoClipboardImage]. nil: wl-paste or xclip
	// (Linux), pngpaste (macOS), PowerShell (Windows), whichever is on PATH,
	// writing a kodex-*.png under os.TempDir().
	ClipboardImage func(ctx context.Context) (path string, err error)
	// Git runs `git <args>` in Cwd's repository, hardened against it (the
	// cli passes internal/gitx): /diff and the @ file list. nil: /diff is
	// unavailable and the file list walks Cwd.
	Git func(ctx context.Context, args ...string) ([]byte, error)
	// HideReasoning hides reasoning summaries (config hide_agent_reasoning).
	HideReasoning bool
	// Prompts are the custom prompts ($KODEX_HOME/prompts): /name sends one,
	// its placeholders filled from the arguments. A built-in command wins
	// over a prompt of the same name, which stays reachable as /prompts:name.
	Prompts []prompts.Prompt
	// Review runs /review: it gathers the target's diff and runs the review
	// apart from the session (read-only), returning the target completed
	// and the findings, or [review.ErrNothingToReview]. nil: /review is
	// unavailable.
	Review func(ctx context.Context, t review.Target) (review.Target, review.Output, error)
	// Notify: desktop notifications when a turn ends or an approval waits
	// while the terminal is not focused (config tui.notifications).
	Notify Notify

	// now is the clock (tests); nil: time.Now.
	now func() time.Time
	// notifyHook sees each notification sequence sent (tests).
	notifyHook func(seq string)
}

// Summary is what the caller prints on exit.
type Summary struct {
	SessionID string
	Usage     protocol.TokenUsage
}
