package acp

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
	"github.com/kodex-cli/kodex/internal/protocol"
)

type handler struct {
	fn   func(c *conn, ctx context.Context, m *jsonrpc.Message)
	slow bool // runs on its own goroutine
}

// handlers are the agent methods kodex implements.
var handlers = map[string]handler{ //nolint:gochecknoglobals // a method table
	"initialize":       {fn: (*conn).initialize},
	"authenticate":     {fn: (*conn).authenticate},
	"session/new":      {fn: (*conn).newSession, slow: true},
	"session/load":     {fn: (*conn).loadSession, slow: true},
	"session/prompt":   {fn: (*conn).prompt},
	"session/set_mode": {fn: (*conn).setMode},
}

// Methods lists the agent methods kodex implements, with the session/cancel
// notification.
func Methods() []string {
	return []string{"initialize", "authenticate", "session/new", "session/load", "session/prompt", "session/set_mode", "session/cancel"}
}

// decode reads params into v; a malformed one is -32602 naming the field.
func decode(m *jsonrpc.Message, v any) error {
	if len(m.Params) == 0 || string(m.Params) == "null" {
		return nil
	}
	if err := json.Unmarshal(m.Params, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %s must be %s, not %s", te.Field, te.Type.Kind().String(), te.Value)
		}
		return jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %v", err)
	}
	return nil
}

func (c *conn) initialize(_ context.Context, m *jsonrpc.Message) {
	var p struct {
		ProtocolVersion    *int `json:"protocolVersion"`
		ClientCapabilities struct {
			FS struct {
				ReadTextFile  bool `json:"readTextFile"`
				WriteTextFile bool `json:"writeTextFile"`
			} `json:"fs"`
		} `json:"clientCapabilities"`
	}
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	if p.ProtocolVersion == nil {
		c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: protocolVersion is required"))
		return
	}
	c.mu.Lock()
	c.initialized = true
	c.fsRead, c.fsWrite = p.ClientCapabilities.FS.ReadTextFile, p.ClientCapabilities.FS.WriteTextFile
	c.mu.Unlock()
	// The version asked for when kodex speaks it, else the latest kodex
	// speaks (the client decides whether it can go on).
	c.reply(m, map[string]any{
		"protocolVersion": ProtocolVersion,
		"agentCapabilities": map[string]any{
			"loadSession":        true,
			"promptCapabilities": map[string]any{"image": true, "audio": false, "embeddedContext": true},
			"mcpCapabilities":    map[string]any{"http": true, "sse": false},
		},
		"agentInfo":   map[string]any{"name": "kodex", "title": "kodex", "version": c.opts.Version},
		"authMethods": []any{},
	}, nil)
}

// authenticate: kodex authenticates with the provider's key (the
// environment or kodex login), not through the client.
func (c *conn) authenticate(_ context.Context, m *jsonrpc.Message) {
	c.reply(m, map[string]any{}, nil)
}

type sessionParams struct {
	SessionID  string            `json:"sessionId"`
	Cwd        string            `json:"cwd"`
	MCPServers []json.RawMessage `json:"mcpServers"`
}

func (c *conn) newSession(ctx context.Context, m *jsonrpc.Message) {
	var p sessionParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	c.open(ctx, m, p, false)
}

func (c *conn) loadSession(ctx context.Context, m *jsonrpc.Message) {
	var p sessionParams
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	if p.SessionID == "" {
		c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: sessionId is required"))
		return
	}
	c.mu.Lock()
	_, open := c.sessions[p.SessionID]
	c.mu.Unlock()
	if open {
		c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: session %q is already open here", p.SessionID))
		return
	}
	c.open(ctx, m, p, true)
}

// open opens a new or recorded session; a recorded one's conversation is
// replayed as session/update notifications before the response.
func (c *conn) open(ctx context.Context, m *jsonrpc.Message, p sessionParams, load bool) {
	if !filepath.IsAbs(p.Cwd) {
		c.reply(m, nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: cwd must be an absolute path, not %q", p.Cwd))
		return
	}
	servers, err := mcpServers(p.MCPServers)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	req := OpenRequest{Cwd: p.Cwd, MCPServers: servers}
	if load {
		req.LoadID = p.SessionID
	}
	c.mu.Lock()
	var files *clientFiles
	if c.fsWrite {
		files = &clientFiles{c: c, read: c.fsRead}
		req.Files = files
	}
	c.mu.Unlock()
	sess, err := c.opts.Backend.Open(ctx, req)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	info := sess.Info()
	if files != nil {
		id := info.ID
		files.id.Store(&id)
	}
	s := newSessionState(c, sess, info)
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		s.start()
		s.shutdown()
		c.reply(m, nil, errors.New("the client is going away"))
		return
	}
	c.sessions[info.ID] = s
	c.mu.Unlock()
	if load {
		for _, h := range info.History {
			for _, u := range replayUpdates(h) {
				c.update(info.ID, u)
			}
		}
	}
	res := map[string]any{"modes": s.modeState()}
	if !load {
		res["sessionId"] = info.ID
	}
	c.reply(m, res, nil)
	s.start()
}

// mcpServers reads session/new's mcpServers: stdio ones and HTTP ones (SSE
// is not offered in the capabilities and is refused).
func mcpServers(raw []json.RawMessage) ([]MCPServer, error) {
	out := make([]MCPServer, 0, len(raw))
	for i, r := range raw {
		var s struct {
			Type    string   `json:"type"`
			Name    string   `json:"name"`
			Command string   `json:"command"`
			Args    []string `json:"args"`
			Env     []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"env"`
			URL     string `json:"url"`
			Headers []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"headers"`
		}
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: mcpServers[%d]: %v", i, err)
		}
		if s.Name == "" {
			return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: mcpServers[%d].name is required", i)
		}
		srv := MCPServer{Name: s.Name, Command: s.Command, Args: s.Args, URL: s.URL}
		switch s.Type {
		case "", "stdio":
			if s.Command == "" {
				return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: mcpServers[%d].command is required", i)
			}
			for _, e := range s.Env {
				if srv.Env == nil {
					srv.Env = map[string]string{}
				}
				srv.Env[e.Name] = e.Value
			}
		case "http":
			if s.URL == "" {
				return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: mcpServers[%d].url is required", i)
			}
			for _, h := range s.Headers {
				if srv.Headers == nil {
					srv.Headers = map[string]string{}
				}
				srv.Headers[h.Name] = h.Value
			}
		default:
			return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: mcpServers[%d]: kodex does not connect to %q MCP servers (stdio and http only)", i, s.Type)
		}
		out = append(out, srv)
	}
	return out, nil
}

func (c *conn) prompt(ctx context.Context, m *jsonrpc.Message) {
	var p struct {
		SessionID string         `json:"sessionId"`
		Prompt    []contentBlock `json:"prompt"`
	}
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	s, err := c.session(p.SessionID)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	items, err := promptInput(p.Prompt)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	if err := s.prompt(ctx, m, items); err != nil {
		c.reply(m, nil, err)
	}
}

func (c *conn) setMode(_ context.Context, m *jsonrpc.Message) {
	var p struct {
		SessionID string `json:"sessionId"`
		ModeID    string `json:"modeId"`
	}
	if err := decode(m, &p); err != nil {
		c.reply(m, nil, err)
		return
	}
	s, err := c.session(p.SessionID)
	if err != nil {
		c.reply(m, nil, err)
		return
	}
	if err := s.setMode(p.ModeID); err != nil {
		c.reply(m, nil, err)
		return
	}
	c.reply(m, map[string]any{}, nil)
}

// cancel is session/cancel: the running turn is interrupted and its
// prompt answered with stopReason "cancelled".
func (c *conn) cancel(m *jsonrpc.Message) {
	var p struct {
		SessionID string `json:"sessionId"`
	}
	if decode(m, &p) != nil {
		return
	}
	c.mu.Lock()
	s := c.sessions[p.SessionID]
	c.mu.Unlock()
	if s != nil {
		s.cancel()
	}
}

// modes are the approval modes a session offers (session/set_mode).
var modes = []struct { //nolint:gochecknoglobals // a table
	id, name, description string
	approval              protocol.ApprovalPolicy
	sandbox               protocol.SandboxMode
}{
	{"read-only", "Read Only", "Commands run read-only; kodex asks before editing files or going further", protocol.ApprovalOnRequest, protocol.SandboxReadOnly},
	{"auto", "Auto", "Commands run in a sandbox that may write the workspace; kodex asks before going outside it", protocol.ApprovalOnRequest, protocol.SandboxWorkspaceWrite},
	{"full-access", "Full Access", "Commands run without a sandbox and without asking", protocol.ApprovalNever, protocol.SandboxDangerFullAccess},
}

// startMode is the id of the mode a session starts in when it matches
// none of modes: what the configuration chose.
const startMode = "configured"
