package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// mcpState is what the TUI knows of the session's MCP servers: their
// latest start-up states, in the order they were first reported.
type mcpState struct {
	order   []string
	servers map[string]protocol.McpServerStatus
}

func (s *mcpState) set(st protocol.McpServerStatus) {
	if s.servers == nil {
		s.servers = map[string]protocol.McpServerStatus{}
	}
	if _, ok := s.servers[st.Server]; !ok {
		s.order = append(s.order, st.Server)
	}
	s.servers[st.Server] = st
}

// mcpReady: a server is ready; its prompts join the list.
type mcpReady struct{}

// update records a server's state; others are not its.
func (s *mcpState) update(ev protocol.EventMsg) tea.Msg {
	e, ok := ev.(protocol.McpServerStatus)
	if !ok {
		return nil
	}
	s.set(e)
	if e.State == protocol.McpReady {
		return mcpReady{}
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// cmdMcp lists the MCP servers, their states and tools.
func (c *commander) cmdMcp(string) tea.Msg {
	if len(c.mcp.order) == 0 {
		return showNotice{noticeInfo, "No MCP servers are configured.", "Add one with `kodex mcp add NAME -- COMMAND ARGS…` (`kodex mcp add --help` says more)."}
	}
	var b strings.Builder
	for _, name := range c.mcp.order {
		st := c.mcp.servers[name]
		auth := map[string]string{"not_logged_in": " · not logged in (kodex mcp login " + name + ")", "bearer_token": " · bearer token", "o_auth": " · OAuth"}[st.Auth]
		switch st.State {
		case protocol.McpReady:
			fmt.Fprintf(&b, "%s  ready · %d tool%s%s\n", name, st.Tools, plural(st.Tools), auth)
			for _, t := range st.ToolNames {
				fmt.Fprintf(&b, "  %s\n", t)
			}
		case protocol.McpFailed:
			fmt.Fprintf(&b, "%s  failed: %s%s\n", name, st.Error, auth)
		default:
			fmt.Fprintf(&b, "%s  %s\n", name, st.State)
		}
	}
	return commitCell{&textCell{title: "/mcp", body: strings.TrimRight(b.String(), "\n")}}
}

// mcpCell is one MCP tool call: live with its progress, then its outcome.
type mcpCell struct {
	server, tool string
	args         json.RawMessage
	running      bool
	progress     *protocol.McpToolCallProgress
	end          *protocol.McpToolCallEnd
}

// mcpResultLines is how many lines of a result a cell shows.
const mcpResultLines = 6

func (c *mcpCell) render(width int) string {
	call := md.Bold(safeText(c.server+"/"+c.tool)) + md.Faint(safeLine(compactJSON(c.args)))
	var head string
	switch {
	case c.running:
		head = md.Fg(md.Cyan, "•") + " Calling " + call
	case c.end != nil && c.end.Failed():
		head = md.Fg(md.Red, "✗") + " Called " + call
	default:
		head = md.Fg(md.Green, "✓") + " Called " + call
	}
	out := []string{ansi.Truncate(head, width, "…")}
	var body []string
	switch {
	case c.running && c.progress != nil:
		p := c.progress
		s := fmt.Sprintf("progress %g", p.Progress)
		if p.Total > 0 {
			s += fmt.Sprintf("/%g", p.Total)
		}
		if p.Message != "" {
			s += " · " + p.Message
		}
		body = []string{s}
	case c.end != nil && c.end.Result == nil:
		body = []string{c.end.Error}
	case c.end != nil:
		body = fold(splitOutput(resultText(c.end.Result)), mcpResultLines, mcpResultLines-2, 1)
		body = append(body, formatDuration(time.Duration(c.end.Duration)))
	}
	for i, l := range body {
		l = ansi.Truncate(safeLine(l), width-4, "…")
		if i == 0 {
			out = append(out, md.Faint("  └ ")+md.Faint(l))
		} else {
			out = append(out, "    "+md.Faint(l))
		}
	}
	return strings.Join(out, "\n")
}

func compactJSON(b json.RawMessage) string {
	if len(b) == 0 {
		return "()"
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return "(" + string(b) + ")"
	}
	return "(" + buf.String() + ")"
}

// resultText is a result's content as text: text blocks as they are,
// other blocks named.
func resultText(r *protocol.McpToolResult) string {
	var parts []string
	for _, raw := range r.Content {
		var b struct{ Type, Text, MimeType, URI string }
		if json.Unmarshal(raw, &b) != nil {
			continue
		}
		switch b.Type {
		case "text":
			parts = append(parts, b.Text)
		case "resource_link":
			parts = append(parts, "[link "+b.URI+"]")
		default:
			parts = append(parts, "["+b.Type+" "+b.MimeType+"]")
		}
	}
	if len(parts) == 0 && len(r.StructuredContent) > 0 {
		parts = append(parts, string(r.StructuredContent))
	}
	return strings.Join(parts, "\n")
}

// mcpParts lays out an MCP tool call approval: the server and tool, the
// arguments (indented JSON, scrolling) and why it asks.
func (a *approval) mcpParts(inner int) ([]modalPart, []string, func(int, int) string) {
	e := a.mcp
	args := string(e.Arguments)
	var buf bytes.Buffer
	if json.Indent(&buf, e.Arguments, "", "  ") == nil {
		args = buf.String()
	}
	lines := strings.Split(args, "\n")
	var body []string
	for _, l := range lines {
		body = append(body, hardRows(safeLine(l), inner)...)
	}
	hint := func(first, last int) string {
		return fmt.Sprintf("rows %d–%d of %d · %s", first+1, last+1, len(body), scrollKeys(inner))
	}
	title := fmt.Sprintf("Allow the MCP tool %s of server %s?", safeLine(e.Tool), safeLine(e.Server))
	parts := []modalPart{
		{rows: strings.Split(wrap(md.Bold(title), inner), "\n")},
		{drop: dropSpacer, rows: []string{""}},
		{body: true},
	}
	if e.Reason != "" {
		parts = append(parts, modalPart{drop: dropSpacer, rows: []string{""}},
			modalPart{drop: dropReason, rows: strings.Split(md.Faint(wrap("Why: "+safeText(e.Reason), inner)), "\n")})
	}
	return parts, body, hint
}
