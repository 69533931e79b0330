package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/frontend/prompts"
)

// MCP servers' prompts are slash commands: /mcp__SERVER__NAME ARG=value …
// sends what the server makes of the prompt with those arguments as the
// user's message (Codex's naming). The list comes from the session's ready
// servers ([Options.MCPPrompts]), refreshed when the slash popup opens.

// MCPPrompt is a prompt an MCP server offers.
type MCPPrompt struct {
	Server, Name, Description string
	Args                      []MCPPromptArg
}

// MCPPromptArg is one of an MCP prompt's arguments.
type MCPPromptArg struct {
	Name     string
	Required bool
}

// mcpPromptPrefix starts the slash command of an MCP prompt.
const mcpPromptPrefix = "mcp__"

// mcpPromptsTTL is how long a listing of the servers' prompts is used
// before the slash popup asks again.
const mcpPromptsTTL = 5 * time.Second

// mcpPrompts is the last listing of the servers' prompts.
type mcpPrompts struct {
	list     []MCPPrompt
	at       time.Time
	fetching bool
	// stale counts invalidations (a server became ready): a listing begun
	// before one is not trusted for mcpPromptsTTL.
	stale int
}

// invalidate drops the listing's freshness: a server became ready.
func (p *mcpPrompts) invalidate() { p.at, p.stale = time.Time{}, p.stale+1 }

func (p MCPPrompt) command() string { return mcpPromptPrefix + p.Server + "__" + p.Name }

// refreshMCPPrompts lists the servers' prompts in the background when the
// listing is older than mcpPromptsTTL; the popup updates when it arrives.
func (m *model) refreshMCPPrompts() tea.Cmd {
	list := m.opts.MCPPrompts
	if list == nil || m.mcpPrompts.fetching || (!m.mcpPrompts.at.IsZero() && m.now().Sub(m.mcpPrompts.at) < mcpPromptsTTL) {
		return nil
	}
	m.mcpPrompts.fetching = true
	ctx, stale := m.ctx, m.mcpPrompts.stale
	return async(func() resultMsg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got, err := list(ctx)
		return func(m *model) tea.Cmd {
			m.mcpPrompts.fetching = false
			if err == nil || len(got) > 0 {
				m.mcpPrompts.list = got
			}
			m.refreshPopup()
			if stale != m.mcpPrompts.stale { // a server got ready meanwhile
				return m.refreshMCPPrompts()
			}
			m.mcpPrompts.at = m.now()
			return nil
		}
	})
}

// listThenRunMCPPrompt lists the servers' prompts now and runs the one
// name calls, or says there is none.
func (m *model) listThenRunMCPPrompt(word, name, args string) tea.Cmd {
	list := m.opts.MCPPrompts
	ctx := m.ctx
	return async(func() resultMsg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got, err := list(ctx)
		return func(m *model) tea.Cmd {
			if err == nil || len(got) > 0 {
				m.mcpPrompts.list, m.mcpPrompts.at = got, m.now()
			}
			if p, ok := m.findMCPPrompt(name); ok {
				return m.runMCPPrompt(word, p, args)
			}
			hint := "/mcp lists the servers; a server still starting has none yet."
			if err != nil {
				hint = err.Error()
			}
			m.notice(noticeError, "No MCP prompt "+word+".", hint)
			return nil
		}
	})
}

// mcpPromptItems are the popup rows of the MCP prompts whose command starts
// with q.
func (m *model) mcpPromptItems(q string) []popupItem {
	var out []popupItem
	for _, p := range m.mcpPrompts.list {
		if !strings.HasPrefix(p.command(), q) {
			continue
		}
		desc := p.Description
		if desc == "" {
			desc = "prompt of MCP server " + p.Server
		}
		out = append(out, popupItem{label: "/" + p.command(), desc: safeLine(desc)})
	}
	return out
}

// findMCPPrompt returns the prompt a command names.
func (m *model) findMCPPrompt(name string) (MCPPrompt, bool) {
	for _, p := range m.mcpPrompts.list {
		if p.command() == name {
			return p, true
		}
	}
	return MCPPrompt{}, false
}

// mcpPromptTemplate is what choosing an MCP prompt with arguments puts in
// the composer: /mcp__s__p A="" B="", to be filled in.
func (m *model) mcpPromptTemplate(label string) (string, bool) {
	p, ok := m.findMCPPrompt(strings.TrimPrefix(label, "/"))
	if !ok || len(p.Args) == 0 {
		return "", false
	}
	var b strings.Builder
	b.WriteString(label)
	for _, a := range p.Args {
		b.WriteString(" " + a.Name + `=""`)
	}
	return b.String(), true
}

// runMCPPrompt gets the prompt with the KEY=value arguments typed after it
// and sends what the server returns. An argument error or the server's
// error is shown and nothing is sent; the command stays in the composer.
func (m *model) runMCPPrompt(word string, p MCPPrompt, args string) tea.Cmd {
	keep := func(msg, hint string) tea.Cmd {
		m.composer.setValue(strings.TrimSpace(word + " " + args))
		m.popup.dismiss(m.composer.value())
		m.notice(noticeError, msg, hint)
		return nil
	}
	values, err := promptArgs(args)
	if err != nil {
		return keep(capitalize(err.Error())+".", "Usage: "+word+" NAME=value …")
	}
	var missing []string
	for _, a := range p.Args {
		if a.Required && values[a.Name] == "" {
			missing = append(missing, a.Name)
		}
	}
	if len(missing) > 0 {
		return keep(fmt.Sprintf("%s needs %s.", word, strings.Join(missing, ", ")), "Usage: "+word+" "+argsUsage(p))
	}
	get := m.opts.MCPPrompt
	if get == nil {
		return m.unavailable(word)
	}
	m.composer.prompts.add(strings.TrimSpace(word+" "+args), m.now())
	ctx := m.ctx
	return async(func() resultMsg {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		text, err := get(ctx, p.Server, p.Name, values)
		return func(m *model) tea.Cmd {
			if err != nil {
				m.notice(noticeError, "Could not get "+word+": "+err.Error(), "")
				return nil
			}
			if m.status.turn.running {
				m.queued = append(m.queued, text)
				m.transcript.live.version++
				return nil
			}
			return m.submitText(text, nil)
		}
	})
}

// promptArgs parses KEY=value arguments (quoted as in a shell).
func promptArgs(args string) (map[string]string, error) {
	words, err := prompts.Split(args)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not NAME=value", w)
		}
		out[k] = v
	}
	return out, nil
}

func argsUsage(p MCPPrompt) string {
	var parts []string
	for _, a := range p.Args {
		if a.Required {
			parts = append(parts, a.Name+"=…")
		} else {
			parts = append(parts, "["+a.Name+"=…]")
		}
	}
	return strings.Join(parts, " ")
}
