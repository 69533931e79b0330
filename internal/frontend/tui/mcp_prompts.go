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
// listing is older than mcpPromptsTTL (nil: it is fresh, or being listed);
// the popup updates when it arrives (mcpPromptsListed).
func (c *commander) refreshMCPPrompts() tea.Msg {
	list := c.opts.MCPPrompts
	if list == nil || c.mcpPrompts.fetching || (!c.mcpPrompts.at.IsZero() && c.now().Sub(c.mcpPrompts.at) < mcpPromptsTTL) {
		return nil
	}
	c.mcpPrompts.fetching = true
	ctx, stale := c.ctx, c.mcpPrompts.stale
	return work(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got, err := list(ctx)
		return mcpPromptsListed{got, err, stale}
	})
}

// mcpPromptsListed: the servers' prompts, listed when the invalidation
// count was stale.
type mcpPromptsListed struct {
	got   []MCPPrompt
	err   error
	stale int
}

// keepPrompts keeps a listing; it lists again at once if a server got
// ready meanwhile. The root refreshes the popup.
func (c *commander) keepPrompts(r mcpPromptsListed) tea.Msg {
	c.mcpPrompts.fetching = false
	if r.err == nil || len(r.got) > 0 {
		c.mcpPrompts.list = r.got
	}
	if r.stale != c.mcpPrompts.stale { // a server got ready meanwhile
		return c.refreshMCPPrompts()
	}
	c.mcpPrompts.at = c.now()
	return nil
}

// listThenRunMCPPrompt lists the servers' prompts now and runs the one
// name calls, or says there is none.
func (c *commander) listThenRunMCPPrompt(word, name, args string) tea.Msg {
	list, ctx := c.opts.MCPPrompts, c.ctx
	return work(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got, err := list(ctx)
		return mcpPromptRun{mcpPromptsListed{got: got, err: err}, word, name, args}
	})
}

// mcpPromptRun: the prompts listed for a command typed before they were.
type mcpPromptRun struct {
	mcpPromptsListed
	word, name, args string
}

// runListed runs the MCP prompt a command typed before the listing names.
func (c *commander) runListed(r mcpPromptRun) tea.Msg {
	if r.err == nil || len(r.got) > 0 {
		c.mcpPrompts.list, c.mcpPrompts.at = r.got, c.now()
	}
	if p, ok := c.findMCPPrompt(r.name); ok {
		return c.runMCPPrompt(r.word, p, r.args)
	}
	hint := "/mcp lists the servers; a server still starting has none yet."
	if r.err != nil {
		hint = r.err.Error()
	}
	return showNotice{noticeError, "No MCP prompt " + r.word + ".", hint}
}

// items are the popup rows of the MCP prompts whose command starts with q.
func (p *mcpPrompts) items(q string) []popupItem {
	var out []popupItem
	for _, pr := range p.list {
		if !strings.HasPrefix(pr.command(), q) {
			continue
		}
		desc := pr.Description
		if desc == "" {
			desc = "prompt of MCP server " + pr.Server
		}
		out = append(out, popupItem{label: "/" + pr.command(), desc: safeLine(desc)})
	}
	return out
}

// findMCPPrompt returns the prompt a command names.
func (c *commander) findMCPPrompt(name string) (MCPPrompt, bool) {
	for _, p := range c.mcpPrompts.list {
		if p.command() == name {
			return p, true
		}
	}
	return MCPPrompt{}, false
}

// mcpPromptTemplate is what choosing an MCP prompt with arguments puts in
// the composer: /mcp__s__p A="" B="", to be filled in.
func (c *commander) mcpPromptTemplate(label string) (string, bool) {
	p, ok := c.findMCPPrompt(strings.TrimPrefix(label, "/"))
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
func (c *commander) runMCPPrompt(word string, p MCPPrompt, args string) tea.Msg {
	keep := func(msg, hint string) tea.Msg {
		return results{keepCommand{strings.TrimSpace(word + " " + args)}, showNotice{noticeError, msg, hint}}
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
	get := c.opts.MCPPrompt
	if get == nil {
		return unavailable(word)
	}
	ctx := c.ctx
	return results{rememberPrompt{strings.TrimSpace(word + " " + args)}, work(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		text, err := get(ctx, p.Server, p.Name, values)
		if err != nil {
			return showNotice{noticeError, "Could not get " + word + ": " + err.Error(), ""}
		}
		return sendText{text}
	})}
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
