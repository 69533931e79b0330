package tui

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/frontend/review"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// command is a slash command: run returns what the root is to do.
type command struct {
	name, desc string
	run        func(c *commander, args string) tea.Msg
}

// commander runs the slash commands and their pickers. It reads the
// options, the status line, the MCP servers and the transcript (it never
// writes them) and returns a result for the root (see route.go), often
// with background work whose result arrives later. What needs the root
// itself — swapping the session, sending or queueing a message, the
// composer, the frame's size — it asks for with a typed result
// (sessionOpened, sendText, keepCommand, diffReady, …). Its own state is
// the MCP servers' prompts as last listed.
type commander struct {
	opts       Options
	ctx        context.Context // the Run context
	now        func() time.Time
	status     *statusState // read only
	mcp        *mcpState    // read only
	transcript *transcript  // read only: the last answer, the processes
	mcpPrompts mcpPrompts
}

// Results of the commands and their pickers.
type (
	// background starts work off the Update goroutine; its result comes
	// back as later.
	background struct{ cmd tea.Cmd }
	// later is a result of background work, acted on when it arrives.
	later struct{ r tea.Msg }
	// modelChosen: /model's choice, for the next turn.
	modelChosen struct{ model, effort string }
	// presetChosen: /approvals' choice (name "custom": a policy and
	// sandbox mode chosen apart), for the next turn.
	presetChosen struct{ p preset }
	// resumeChosen: the session chosen in the /resume picker.
	resumeChosen struct{ id string }
	// resumeListAsked: list the sessions again (Tab in the /resume picker
	// from: all directories or this one).
	resumeListAsked struct {
		all  bool
		from *picker
	}
	// sessionsListed: the sessions for the /resume picker (from: the
	// picker Tab was pressed in, replaced only if still open).
	sessionsListed struct {
		sessions []SessionSummary
		all      bool
		from     *picker
		err      error
	}
	// sessionOpened: a new, forked or resumed session, to swap in.
	sessionOpened struct {
		s    Session
		err  error
		note string
	}
	// reviewChosen: the target chosen in the /review pickers.
	reviewChosen struct{ t review.Target }
	// sendText sends a message (queued while a turn runs).
	sendText struct{ text string }
	// keepCommand puts a command back in the composer to be fixed.
	keepCommand struct{ text string }
	// rememberPrompt adds a command to the prompt history.
	rememberPrompt struct{ text string }
	// insertText types text into the composer.
	insertText struct{ text string }
	// diffReady: /diff's output, for a cell or the pager.
	diffReady struct{ out string }
	// rewindAsked opens the rewind picker.
	rewindAsked struct{}
)

// work runs fn off the Update goroutine; its result comes back as later.
func work(fn func() tea.Msg) background {
	return background{func() tea.Msg { return later{fn()} }}
}

// commands lists the slash commands in popup order.
func commands() []command {
	return []command{
		{"model", "choose the model and reasoning effort", (*commander).cmdModel},
		{"approvals", "choose what kodex may do without asking", (*commander).cmdApprovals},
		{"new", "start a new session", (*commander).cmdNew},
		{"fork", "continue in a new session with a copy of this conversation", (*commander).cmdFork},
		{"compact", "summarise the conversation to free context", returns(submitOp{protocol.Compact{}})},
		{"resume", "resume a past session (--all: any directory)", (*commander).cmdResume},
		{"diff", "show git diff, including untracked files", (*commander).cmdDiff},
		{"review", "review code changes: uncommitted, a branch, a commit", (*commander).cmdReview},
		{"undo", "restore the files the last turn changed", returns(submitOp{protocol.Undo{}})},
		{"redo", "put back what /undo restored", returns(submitOp{protocol.Redo{}})},
		{"rewind", "go back to an earlier message (files too); or Esc Esc", returns(rewindAsked{})},
		{"status", "show model, policies, sandbox and token usage", (*commander).cmdStatus},
		{"init", "ask the agent to write an AGENTS.md", returns(sendText{initPrompt})},
		{"mention", "mention a file (@ search)", returns(insertText{"@"})},
		{"copy", "copy the last answer's Markdown", (*commander).cmdCopy},
		{"mcp", "list MCP servers and their tools", (*commander).cmdMcp},
		{"ps", "list running processes; end one", (*commander).cmdPs},
		{"quit", "exit kodex", returns(quitAsked{})},
	}
}

// duringTurn reports whether the command name may run while a turn is
// running. Those that swap the session (/new, /fork, /resume), change the
// conversation or the files under the turn (/compact, /undo, /redo,
// /rewind) or start a turn of their own (/review) may not, as in Codex:
// the running turn would be cut off unrecorded, or its files changed
// under it. Messages and /init are queued instead.
func duringTurn(name string) bool {
	switch name {
	case "new", "fork", "resume", "compact", "undo", "redo", "rewind", "review":
		return false
	}
	return true
}

// returns is a command that returns r.
func returns(r tea.Msg) func(*commander, string) tea.Msg {
	return func(*commander, string) tea.Msg { return r }
}

// find returns the slash command word names: a built-in one, else a
// custom prompt (/name, or /prompts:name as Codex spells it, which also
// reaches a prompt whose name a built-in command takes).
func (c *commander) find(word string) *command {
	name := strings.TrimPrefix(word, "/")
	for _, cmd := range commands() {
		if cmd.name == name {
			return &cmd
		}
	}
	if p := c.customPrompt(name); p != nil {
		return &command{name: p.Name, desc: p.Summary(), run: func(c *commander, args string) tea.Msg {
			return c.runPrompt(word, *p, args)
		}}
	}
	if p, ok := c.findMCPPrompt(name); ok {
		return &command{name: name, desc: p.Description, run: func(c *commander, args string) tea.Msg {
			return c.runMCPPrompt(word, p, args)
		}}
	}
	if strings.HasPrefix(name, mcpPromptPrefix) && c.opts.MCPPrompts != nil {
		// Typed before the prompts were listed: list them, then run it.
		return &command{name: name, run: func(c *commander, args string) tea.Msg {
			return c.listThenRunMCPPrompt(word, name, args)
		}}
	}
	return nil
}

func unavailable(what string) tea.Msg {
	return showNotice{noticeWarning, what + " is not available here.", ""}
}

func (c *commander) cmdModel(string) tea.Msg {
	if len(c.opts.Models) == 0 {
		return showNotice{noticeWarning, "No models to choose from.", "Set `model` in config.toml or start kodex with -m."}
	}
	p := &picker{title: "Choose a model"}
	for i, name := range c.opts.Models {
		p.items = append(p.items, popupItem{label: name})
		if name == c.status.info.Model {
			p.markCurrent(i)
		}
	}
	p.choose = func(i int) tea.Msg {
		name := c.opts.Models[i]
		current := "none"
		if name == c.status.info.Model {
			current = c.status.info.ReasoningEffort
		}
		return openOverlay{effortPicker(name, current)}
	}
	return openOverlay{p}
}

// effortPicker offers the reasoning efforts for modelName, marking current
// (the effort in force, "" for the default) when it is the model in force.
func effortPicker(modelName, current string) *picker {
	efforts := []string{"default", "minimal", "low", "medium", "high"}
	p := &picker{title: "Reasoning effort for " + modelName}
	for i, e := range efforts {
		p.items = append(p.items, popupItem{label: e})
		if e == current || e == "default" && current == "" {
			p.markCurrent(i)
		}
	}
	p.choose = func(i int) tea.Msg {
		effort := efforts[i]
		if effort == "default" {
			effort = ""
		}
		return modelChosen{modelName, effort}
	}
	return p
}

// preset is a named approval policy × sandbox mode (the same table as
// internal/approval's presets).
type preset struct {
	name, desc string
	policy     protocol.ApprovalPolicy
	mode       protocol.SandboxMode
}

var presets = sync.OnceValue(func() []preset {
	return []preset{
		{"suggest", "read-only; asks before running anything not known to be safe", protocol.ApprovalUntrusted, protocol.SandboxReadOnly},
		{"auto-edit", "edits and runs in the workspace sandbox; asks to go beyond it", protocol.ApprovalOnRequest, protocol.SandboxWorkspaceWrite},
		{"full-auto", "edits and runs in the workspace sandbox, never asks; no network", protocol.ApprovalNever, protocol.SandboxWorkspaceWrite},
	}
})

func presetByName(name string) preset {
	for _, p := range presets() {
		if p.name == name {
			return p
		}
	}
	return presets()[0]
}

func presetName(policy protocol.ApprovalPolicy, mode protocol.SandboxMode) string {
	for _, p := range presets() {
		if p.policy == policy && p.mode == mode {
			return p.name
		}
	}
	return "custom"
}

func (c *commander) cmdApprovals(string) tea.Msg {
	p := &picker{title: "What may kodex do without asking?"}
	for _, pr := range presets() {
		p.items = append(p.items, popupItem{label: pr.name, desc: pr.desc})
	}
	p.items = append(p.items, popupItem{label: "custom", desc: "choose the approval policy and sandbox mode"})
	for i, it := range p.items {
		if it.label == c.status.info.ApprovalPreset {
			p.markCurrent(i)
		}
	}
	p.choose = func(i int) tea.Msg {
		if i == len(presets()) {
			return openOverlay{c.policyPicker()}
		}
		return presetChosen{presets()[i]}
	}
	return openOverlay{p}
}

// policyPicker chooses an approval policy, then a sandbox mode.
func (c *commander) policyPicker() *picker {
	p := &picker{title: "When should kodex ask before running a command?"}
	for i, pol := range protocol.ApprovalPolicies {
		p.items = append(p.items, popupItem{label: string(pol)})
		if pol == c.status.info.ApprovalPolicy {
			p.markCurrent(i)
		}
	}
	p.choose = func(i int) tea.Msg {
		pol := protocol.ApprovalPolicies[i]
		sp := &picker{title: "What may commands touch?"}
		for j, mode := range protocol.SandboxModes {
			sp.items = append(sp.items, popupItem{label: string(mode)})
			if mode == c.status.info.SandboxMode {
				sp.markCurrent(j)
			}
		}
		sp.choose = func(j int) tea.Msg {
			return presetChosen{preset{name: "custom", policy: pol, mode: protocol.SandboxModes[j]}}
		}
		return openOverlay{sp}
	}
	return p
}

// chosenText is the notice of an approval preset chosen.
func (p preset) chosenText() string {
	if p.name == "custom" {
		return fmt.Sprintf("Approvals set to %s with a %s sandbox; it applies from your next message.", p.policy, p.mode)
	}
	return "Approvals set to " + p.name + "; it applies from your next message."
}

func (c *commander) cmdFork(string) tea.Msg {
	if c.opts.ForkSession == nil {
		return unavailable("/fork")
	}
	return c.open(c.opts.ForkSession, "Forked: this is a new session with a copy of the conversation; the original is kept as it was.")
}

func (c *commander) cmdNew(string) tea.Msg {
	if c.opts.NewSession == nil {
		return unavailable("/new")
	}
	return c.open(c.opts.NewSession, "Started a new session.")
}

// open opens a session in the background, to swap in (note: what the
// notice says then).
func (c *commander) open(open func() (Session, error), note string) tea.Msg {
	return work(func() tea.Msg {
		s, err := open()
		return sessionOpened{s, err, note}
	})
}

// resume opens the session chosen in the /resume picker.
func (c *commander) resume(id string) tea.Msg {
	resume := c.opts.ResumeSession
	return c.open(func() (Session, error) { return resume(id) }, "Resumed session "+id+".")
}

func (c *commander) cmdResume(args string) tea.Msg {
	if c.opts.ListSessions == nil || c.opts.ResumeSession == nil {
		return unavailable("/resume")
	}
	return c.listForResume(strings.Contains(args, "--all"), nil)
}

// listForResume lists the sessions of this directory (or of all) for the
// /resume picker. from is the picker Tab was pressed in.
func (c *commander) listForResume(all bool, from *picker) tea.Msg {
	list := c.opts.ListSessions
	return work(func() tea.Msg {
		sessions, err := list(all)
		return sessionsListed{sessions, all, from, err}
	})
}

// showSessions shows the sessions listed in the /resume picker.
func (c *commander) showSessions(r sessionsListed) tea.Msg {
	if r.err != nil {
		return results{closeOverlay{}, showNotice{noticeError, "Could not list sessions: " + r.err.Error(), ""}}
	}
	return openOverlay{c.resumePicker(r.sessions, r.all)}
}

// shortSessionID is the start of a session id, as kodex sessions list
// shows a fork's source.
func shortSessionID(id string) string { return id[:min(len(id), 13)] }

func (c *commander) resumePicker(sessions []SessionSummary, all bool) *picker {
	title, footer := "Resume a session in this directory", "↑/↓ select · enter resume · tab all directories · esc cancel"
	if all {
		title, footer = "Resume a session (all directories)", "↑/↓ select · enter resume · tab this directory · esc cancel"
	}
	p := &picker{title: title, footer: footer}
	kept := sessions[:0:0]
	for _, s := range sessions {
		// The one open now is no choice, nor one with nothing in it (the
		// session `kodex resume` opened while the list loads is both).
		if s.ID != c.status.sessionID && strings.TrimSpace(s.Preview) != "" {
			kept = append(kept, s)
		}
	}
	sessions = kept
	for _, s := range sessions {
		desc := s.Updated.Format("2006-01-02 15:04")
		if s.Turns > 0 { // rows with the same first message differ here
			desc += fmt.Sprintf(" · %d turn%s", s.Turns, plural(s.Turns))
		}
		if all {
			desc += " · " + s.Cwd
		}
		label := strings.Join(strings.Fields(s.Preview), " ")
		if label == "" {
			label = s.ID
		}
		if s.ForkedFrom != "" { // a fork opens with its source's first message
			label = "(fork of " + shortSessionID(s.ForkedFrom) + ") " + label
		}
		if s.Name != "" {
			label = "[" + strings.Join(strings.Fields(s.Name), " ") + "] " + label
		}
		p.items = append(p.items, popupItem{label: label, desc: desc})
	}
	p.choose = func(i int) tea.Msg { return resumeChosen{sessions[i].ID} }
	p.extra = func(k string) tea.Msg {
		if k != "tab" {
			return nil
		}
		return resumeListAsked{!all, p}
	}
	return p
}

// swapped replaces the session after /new or /resume. The old session is
// shut down and its remaining events drained so it never blocks.
func (m *model) swapped(s Session, err error, note string) tea.Cmd {
	if err != nil {
		m.notice(noticeError, err.Error(), "")
		return nil
	}
	if old := m.session; old != nil {
		m.sink.submit(protocol.Shutdown{})
		go func() {
			for range old.Events() {
			}
		}()
	}
	m.gen++
	m.session = s
	m.sink.setSession(s)
	m.act(m.transcript.reset())
	m.approvals.clear()
	m.queued = nil
	m.status.reset()
	m.undo = undoState{}
	m.hasContent = false
	m.notice(noticeInfo, note, "")
	m.replay(s)
	return m.pump()
}

func (c *commander) cmdStatus(string) tea.Msg {
	return commitCell{&textCell{title: "Status", body: c.status.report()}}
}

// initPrompt asks the agent to write AGENTS.md.
const initPrompt = `Generate a file named AGENTS.md that serves as a contributor guide for this repository.
Look at the repository first (layout, build and test commands, coding style, how changes are tested and reviewed), then write a concise Markdown document (200–400 words) with short sections such as: Project structure, Build and test commands, Coding style, Testing guidelines, Commit and pull request guidelines. Name only paths and commands that exist. If AGENTS.md already exists, improve it instead of replacing what is still right.`

func (c *commander) cmdCopy(string) tea.Msg {
	text := c.transcript.lastAnswer
	if text == "" {
		return showNotice{noticeWarning, "Nothing to copy yet.", ""}
	}
	if c.opts.Clipboard == nil {
		return results{setHint{"Copied (OSC 52)"}, background{tea.SetClipboard(text)}}
	}
	if err := c.opts.Clipboard(text); err != nil {
		return showNotice{noticeError, "Could not copy: " + err.Error(), ""}
	}
	return setHint{"Copied"}
}

func (c *commander) cmdPs(string) tea.Msg {
	return psPicker(c.transcript.live.processes(), c.now())
}

// cmdDiff shows the working tree's changes, untracked files included.
func (c *commander) cmdDiff(string) tea.Msg {
	ctx, git := c.ctx, c.opts.Git
	return work(func() tea.Msg {
		out, err := gitDiff(ctx, git)
		switch {
		case err != nil:
			return showNotice{noticeError, err.Error(), "/diff works inside a git repository."}
		case strings.TrimSpace(out) == "":
			return showNotice{noticeInfo, "No changes.", ""}
		}
		return diffReady{out}
	})
}

// showDiff shows git's diff in a cell when it fits the screen, else in a
// pager over the frame.
func (m *model) showDiff(out string) {
	rows := gitDiffRows(out)
	if len(rows)+1 <= m.frameLimit() {
		m.commit(&rowsCell{title: "/diff", rows: rows})
		return
	}
	m.overlay = newPager("/diff", rows, m.pagerRows)
}

// pagerRows is what the frame leaves a pager: the frame less the title,
// the key line, the spinner row, the composer and the status line.
func (m *model) pagerRows() int {
	composer, _, _ := m.composer.view(max(m.width, 20), m.status.turn.running)
	return m.frameLimit() - 4 - len(composer)
}

const maxDiffBytes = 256 << 10

// gitDiff runs git through git (Options.Git): the diff against HEAD (or the
// index, before the first commit), then each untracked file against
// /dev/null.
func gitDiff(ctx context.Context, git func(context.Context, ...string) ([]byte, error)) (string, error) {
	if git == nil {
		return "", errors.New("git is not available here")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	run := func(args ...string) (string, error) {
		out, err := git(ctx, args...)
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 && len(out) > 0 {
			err = nil // diff --no-index exits 1 when files differ
		}
		return string(out), err
	}
	diff, err := run("diff", "HEAD")
	if err != nil {
		if diff, err = run("diff"); err != nil { // no commits yet
			return "", err
		}
	}
	untracked, _ := run("ls-files", "-z", "--others", "--exclude-standard")
	for f := range strings.SplitSeq(untracked, "\x00") {
		if f == "" {
			continue
		}
		if len(diff) > maxDiffBytes {
			break
		}
		d, _ := run("diff", "--no-index", "--", "/dev/null", f)
		diff += d
	}
	if len(diff) > maxDiffBytes {
		diff = diff[:maxDiffBytes] + "\n… (diff truncated)\n"
	}
	return diff, nil
}

// runUserShell runs `!cmd` and shows its output.
func (c *commander) runUserShell(cmdline string) tea.Msg {
	ctx, dir, run := c.ctx, c.opts.Cwd, c.opts.RunUserShell
	return results{commitCell{&userCell{text: "!" + cmdline}}, work(func() tea.Msg {
		var out string
		var err error
		if run != nil {
			out, err = run(ctx, cmdline)
		} else {
			cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
			cmd.Dir = dir
			var b []byte
			b, err = cmd.CombinedOutput()
			out = string(b)
		}
		body := sanitize(out)
		if err != nil {
			body += "\n" + err.Error()
		}
		if strings.TrimSpace(body) == "" {
			body = "(no output)"
		}
		return commitCell{&textCell{title: "$ " + cmdline, body: body}}
	})}
}
