package appserver

import (
	"context"
	"slices"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
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
