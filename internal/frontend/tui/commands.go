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

	"github.com/kodex-cli/kodex/internal/protocol"
)

// command is a slash command.
type command struct {
	name, desc string
	run        func(m *model, args string) tea.Cmd
}

// commands lists the slash commands in popup order.
func commands() []command {
	return []command{
		{"model", "choose the model and reasoning effort", (*model).cmdModel},
		{"approvals", "choose what kodex may do without asking", (*model).cmdApprovals},
		{"new", "start a new session", (*model).cmdNew},
		{"fork", "continue in a new session with a copy of this conversation", (*model).cmdFork},
		{"compact", "summarise the conversation to free context", (*model).cmdCompact},
		{"resume", "resume a past session (--all: any directory)", (*model).cmdResume},
		{"diff", "show git diff, including untracked files", (*model).cmdDiff},
		{"review", "review code changes: uncommitted, a branch, a commit", (*model).cmdReview},
		{"undo", "restore the files the last turn changed", submits(protocol.Undo{})},
		{"redo", "put back what /undo restored", submits(protocol.Redo{})},
		{"rewind", "go back to an earlier message (files too); or Esc Esc", func(m *model, _ string) tea.Cmd { return m.act(m.undo.rewind()) }},
		{"status", "show model, policies, sandbox and token usage", (*model).cmdStatus},
		{"init", "ask the agent to write an AGENTS.md", (*model).cmdInit},
		{"mention", "mention a file (@ search)", (*model).cmdMention},
		{"copy", "copy the last answer's Markdown", (*model).cmdCopy},
		{"mcp", "list MCP servers and their tools", (*model).cmdMcp},
		{"ps", "list running processes; end one", func(m *model, _ string) tea.Cmd { return m.act(psPicker(m.transcript.live.processes(), m.now())) }},
		{"quit", "exit kodex", func(m *model, _ string) tea.Cmd { return m.quit() }},
	}
}

// submits is a command that submits op.
func submits(op protocol.Op) func(*model, string) tea.Cmd {
	return func(m *model, _ string) tea.Cmd { return m.act(submitOp{op}) }
}

// findCommand returns the slash command word names: a built-in one, else
// a custom prompt (/name, or /prompts:name as Codex spells it, which also
// reaches a prompt whose name a built-in command takes).
func (m *model) findCommand(word string) *command {
	name := strings.TrimPrefix(word, "/")
	for _, c := range commands() {
		if c.name == name {
			return &c
		}
	}
	if p := m.customPrompt(name); p != nil {
		return &command{name: p.Name, desc: p.Summary(), run: func(m *model, args string) tea.Cmd {
			return m.runPrompt(word, *p, args)
		}}
	}
	if p, ok := m.findMCPPrompt(name); ok {
		return &command{name: name, desc: p.Description, run: func(m *model, args string) tea.Cmd {
			return m.runMCPPrompt(word, p, args)
		}}
	}
	if strings.HasPrefix(name, mcpPromptPrefix) && m.opts.MCPPrompts != nil {
		// Typed before the prompts were listed: list them, then run it.
		return &command{name: name, run: func(m *model, args string) tea.Cmd {
			return m.listThenRunMCPPrompt(word, name, args)
		}}
	}
	return nil
}

func (m *model) unavailable(what string) tea.Cmd {
	m.notice(noticeWarning, what+" is not available here.", "")
	return nil
}

// async runs work off the Update goroutine and applies its result.
func async(work func() resultMsg) tea.Cmd { return func() tea.Msg { return work() } }

func (m *model) cmdModel(string) tea.Cmd {
	if len(m.opts.Models) == 0 {
		m.notice(noticeWarning, "No models to choose from.", "Set `model` in config.toml or start kodex with -m.")
		return nil
	}
	p := &picker{title: "Choose a model"}
	for i, name := range m.opts.Models {
		p.items = append(p.items, popupItem{label: name})
		if name == m.status.info.Model {
			p.markCurrent(i)
		}
	}
	p.choose = func(i int) tea.Msg {
		return resultMsg(func(m *model) tea.Cmd {
			name := m.opts.Models[i]
			current := "none"
			if name == m.status.info.Model {
				current = m.status.info.ReasoningEffort
			}
			m.overlay = effortPicker(name, current)
			return nil
		})
	}
	m.overlay = p
	return nil
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
		return resultMsg(func(m *model) tea.Cmd {
			effort := efforts[i]
			if effort == "default" {
				effort = ""
			}
			m.overrides.model, m.overrides.effort = modelName, effort
			m.status.setModel(modelName, effort)
			m.notice(noticeInfo, fmt.Sprintf("Model set to %s%s; it applies from your next message.", modelName, ifSet(" (", effort, ")")), "")
			return nil
		})
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

// applyPreset makes the next turn carry the preset's approval policy and
// sandbox mode (the session resolves the mode into a complete policy), and
// shows them in the status line at once.
func (m *model) applyPreset(p preset) {
	m.overrides.policy, m.overrides.mode = p.policy, p.mode
	m.status.choosePolicy(p.policy, p.mode)
}

func (m *model) cmdApprovals(string) tea.Cmd {
	p := &picker{title: "What may kodex do without asking?"}
	for _, pr := range presets() {
		p.items = append(p.items, popupItem{label: pr.name, desc: pr.desc})
	}
	p.items = append(p.items, popupItem{label: "custom", desc: "choose the approval policy and sandbox mode"})
	for i, it := range p.items {
		if it.label == m.status.info.ApprovalPreset {
			p.markCurrent(i)
		}
	}
	p.choose = func(i int) tea.Msg {
		return resultMsg(func(m *model) tea.Cmd {
			if i == len(presets()) {
				m.overlay = m.policyPicker()
				return nil
			}
			m.applyPreset(presets()[i])
			m.notice(noticeInfo, "Approvals set to "+presets()[i].name+"; it applies from your next message.", "")
			return nil
		})
	}
	m.overlay = p
	return nil
}

func (m *model) policyPicker() *picker {
	p := &picker{title: "When should kodex ask before running a command?"}
	for i, pol := range protocol.ApprovalPolicies {
		p.items = append(p.items, popupItem{label: string(pol)})
		if pol == m.status.info.ApprovalPolicy {
			p.markCurrent(i)
		}
	}
	p.choose = func(i int) tea.Msg {
		return resultMsg(func(m *model) tea.Cmd {
			pol := protocol.ApprovalPolicies[i]
			sp := &picker{title: "What may commands touch?"}
			for j, mode := range protocol.SandboxModes {
				sp.items = append(sp.items, popupItem{label: string(mode)})
				if mode == m.status.info.SandboxMode {
					sp.markCurrent(j)
				}
			}
			sp.choose = func(j int) tea.Msg {
				return resultMsg(func(m *model) tea.Cmd {
					mode := protocol.SandboxModes[j]
					m.applyPreset(preset{name: "custom", policy: pol, mode: mode})
					m.notice(noticeInfo, fmt.Sprintf("Approvals set to %s with a %s sandbox; it applies from your next message.", pol, mode), "")
					return nil
				})
			}
			m.overlay = sp
			return nil
		})
	}
	return p
}

func (m *model) cmdFork(string) tea.Cmd {
	if m.opts.ForkSession == nil {
		return m.unavailable("/fork")
	}
	open := m.opts.ForkSession
	return async(func() resultMsg {
		s, err := open()
		return func(m *model) tea.Cmd {
			return m.swapped(s, err, "Forked: this is a new session with a copy of the conversation; the original is kept as it was.")
		}
	})
}

func (m *model) cmdCompact(string) tea.Cmd {
	m.sink.submit(protocol.Compact{})
	return nil
}

func (m *model) cmdNew(string) tea.Cmd {
	if m.opts.NewSession == nil {
		return m.unavailable("/new")
	}
	open := m.opts.NewSession
	return async(func() resultMsg {
		s, err := open()
		return func(m *model) tea.Cmd { return m.swapped(s, err, "Started a new session.") }
	})
}

func (m *model) cmdResume(args string) tea.Cmd {
	if m.opts.ListSessions == nil || m.opts.ResumeSession == nil {
		return m.unavailable("/resume")
	}
	return m.listForResume(strings.Contains(args, "--all"), nil)
}

// listForResume lists the sessions of this directory (or of all) and shows
// them in the /resume picker. from is the picker Tab was pressed in: the
// new list replaces it only if it is still open.
func (m *model) listForResume(all bool, from *picker) tea.Cmd {
	list := m.opts.ListSessions
	return async(func() resultMsg {
		sessions, err := list(all)
		return func(m *model) tea.Cmd {
			if from != nil && m.overlay != overlay(from) {
				return nil // closed while loading
			}
			if err != nil {
				m.overlay = nil
				m.notice(noticeError, "Could not list sessions: "+err.Error(), "")
				return nil
			}
			m.overlay = m.resumePicker(sessions, all)
			return nil
		}
	})
}

func (m *model) resumePicker(sessions []SessionSummary, all bool) *picker {
	title, footer := "Resume a session in this directory", "↑/↓ select · enter resume · tab all directories · esc cancel"
	if all {
		title, footer = "Resume a session (all directories)", "↑/↓ select · enter resume · tab this directory · esc cancel"
	}
	p := &picker{title: title, footer: footer}
	kept := sessions[:0:0]
	for _, s := range sessions {
		// The one open now is no choice, nor one with nothing in it (the
		// session `kodex resume` opened while the list loads is both).
		if s.ID != m.status.sessionID && strings.TrimSpace(s.Preview) != "" {
			kept = append(kept, s)
		}
	}
	sessions = kept
	for _, s := range sessions {
		desc := s.Updated.Format("2006-01-02 15:04")
		if all {
			desc += " · " + s.Cwd
		}
		label := strings.Join(strings.Fields(s.Preview), " ")
		if label == "" {
			label = s.ID
		}
		p.items = append(p.items, popupItem{label: label, desc: desc})
	}
	p.choose = func(i int) tea.Msg {
		return resultMsg(func(m *model) tea.Cmd {
			id, resume := sessions[i].ID, m.opts.ResumeSession
			return async(func() resultMsg {
				s, err := resume(id)
				return func(m *model) tea.Cmd { return m.swapped(s, err, "Resumed session "+id+".") }
			})
		})
	}
	p.extra = func(k string) tea.Msg {
		if k != "tab" {
			return nil
		}
		return resultMsg(func(m *model) tea.Cmd { return m.listForResume(!all, p) })
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

func (m *model) cmdStatus(string) tea.Cmd {
	m.commit(&textCell{title: "Status", body: m.status.report()})
	return nil
}

// initPrompt asks the agent to write AGENTS.md.
const initPrompt = `Generate a file named AGENTS.md that serves as a contributor guide for this repository.
Look at the repository first (layout, build and test commands, coding style, how changes are tested and reviewed), then write a concise Markdown document (200–400 words) with short sections such as: Project structure, Build and test commands, Coding style, Testing guidelines, Commit and pull request guidelines. Name only paths and commands that exist. If AGENTS.md already exists, improve it instead of replacing what is still right.`

func (m *model) cmdInit(string) tea.Cmd {
	if m.status.turn.running {
		m.queued = append(m.queued, initPrompt)
		return nil
	}
	return m.submitText(initPrompt, nil)
}

func (m *model) cmdMention(string) tea.Cmd {
	m.composer.insert("@")
	return m.afterEdit()
}

func (m *model) cmdCopy(string) tea.Cmd {
	if m.transcript.lastAnswer == "" {
		m.notice(noticeWarning, "Nothing to copy yet.", "")
		return nil
	}
	text := m.transcript.lastAnswer
	if m.opts.Clipboard == nil {
		m.hint = "Copied (OSC 52)"
		return tea.SetClipboard(text)
	}
	if err := m.opts.Clipboard(text); err != nil {
		m.notice(noticeError, "Could not copy: "+err.Error(), "")
		return nil
	}
	m.hint = "Copied"
	return nil
}

// cmdDiff shows the working tree's changes, untracked files included.
func (m *model) cmdDiff(string) tea.Cmd {
	ctx, git := m.ctx, m.opts.Git
	return async(func() resultMsg {
		out, err := gitDiff(ctx, git)
		return func(m *model) tea.Cmd {
			switch {
			case err != nil:
				m.notice(noticeError, err.Error(), "/diff works inside a git repository.")
			case strings.TrimSpace(out) == "":
				m.notice(noticeInfo, "No changes.", "")
			default:
				m.showDiff(out)
			}
			return nil
		}
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
func (m *model) runUserShell(cmdline string) tea.Cmd {
	ctx, dir, run := m.ctx, m.opts.Cwd, m.opts.RunUserShell
	m.commit(&userCell{text: "!" + cmdline})
	return async(func() resultMsg {
		var out string
		var err error
		if run != nil {
			out, err = run(ctx, cmdline)
		} else {
			c := exec.CommandContext(ctx, "sh", "-c", cmdline)
			c.Dir = dir
			var b []byte
			b, err = c.CombinedOutput()
			out = string(b)
		}
		return func(m *model) tea.Cmd {
			body := sanitize(out)
			if err != nil {
				body += "\n" + err.Error()
			}
			if strings.TrimSpace(body) == "" {
				body = "(no output)"
			}
			m.commit(&textCell{title: "$ " + cmdline, body: body})
			return nil
		}
	})
}
