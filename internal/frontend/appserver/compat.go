package appserver

import (
	"context"
	"slices"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Methods Codex's own clients (its TUI with --remote) call at start-up
// and on exit, answered with what kodex has: no ChatGPT account (the
// provider's API key is the credential), no managed requirements, no
// hooks, skills or collaboration modes.

func (c *conn) accountRead(_ context.Context, m *jsonrpc.Message) {
	c.reply(m, map[string]any{"account": nil, "requiresOpenaiAuth": false}, nil)
}

// configRequirementsRead: kodex has no managed requirements.
func (c *conn) configRequirementsRead(_ context.Context, m *jsonrpc.Message) {
	c.reply(m, map[string]any{"requirements": nil}, nil)
}

// emptyList answers the listings of what kodex does not have (hooks,
// skills, collaboration modes, apps): an empty page.
func (c *conn) emptyList(_ context.Context, m *jsonrpc.Message) {
	c.reply(m, map[string]any{"data": []any{}}, nil)
}

// threadLoadedList lists the threads loaded on this connection.
func (c *conn) threadLoadedList(_ context.Context, m *jsonrpc.Message) {
	c.mu.Lock()
	ids := make([]string, 0, len(c.threads))
	for id := range c.threads {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	slices.Sort(ids)
	c.reply(m, map[string]any{"data": ids, "nextCursor": nil}, nil)
}

// threadUnsubscribe: the client is done with a thread. A kodex thread
// lives on its connection only, so it is unloaded (a running turn is
// interrupted, as when the client goes away).
func (c *conn) threadUnsubscribe(_ context.Context, m *jsonrpc.Message) {
	p, ok := c.threadIDOnly(m)
	if !ok {
		return
	}
	c.mu.Lock()
	loaded := c.threads[p.ThreadID] != nil
	c.mu.Unlock()
	if !loaded {
		c.reply(m, map[string]any{"status": "notLoaded"}, nil)
		return
	}
	c.unload(p.ThreadID)
	c.reply(m, map[string]any{"status": "unsubscribed"}, nil)
	c.notify("thread/closed", map[string]any{"threadId": p.ThreadID})
}

func (c *conn) mcpServerStatusList(ctx context.Context, m *jsonrpc.Message) {
	var p mcpServerStatusParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	var th Thread
	if p.ThreadID != "" {
		t, err := c.thread(p.ThreadID)
		if err != nil {
			c.reply(m, nil, err)
			return
		}
		th = t.th
	}
	servers, err := c.opts.Backend.MCPServers(ctx, th)
	if err != nil {
		c.reply(m, nil, openError(err))
		return
	}
	data := make([]map[string]any, 0, len(servers))
	for _, s := range servers {
		if p.ServerName != "" && s.Name != p.ServerName {
			continue
		}
		data = append(data, wireMCPServer(s))
	}
	c.reply(m, map[string]any{"data": data, "nextCursor": nil}, nil)
}

// wireMCPServer is an McpServerStatus.
func wireMCPServer(s MCPServer) map[string]any {
	status := map[string]string{protocol.McpStarting: "starting", protocol.McpReady: "connected", protocol.McpFailed: "failed"}[s.State]
	if status == "" {
		status = "notStarted"
	}
	auth := s.AuthStatus
	switch {
	case auth != "":
	case s.HTTP:
		auth = "unknown"
	default:
		auth = "unsupported"
	}
	tools := map[string]any{}
	for _, t := range s.Tools {
		var schema any = map[string]any{"type": "object"}
		if len(t.InputSchema) > 0 {
			schema = t.InputSchema
		}
		tool := map[string]any{"name": t.Name, "inputSchema": schema}
		if t.Title != "" {
			tool["title"] = t.Title
		}
		if t.Description != "" {
			tool["description"] = t.Description
		}
		tools[t.Name] = tool
	}
	out := map[string]any{
		"name": s.Name, "authStatus": auth, "runtimeStatus": status, "tools": tools,
		"resources": []any{}, "resourceTemplates": []any{},
	}
	if s.Error != "" {
		out["toolsError"] = s.Error
	}
	return out
}
