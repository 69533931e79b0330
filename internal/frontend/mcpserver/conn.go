package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// connTransport wraps the transport's connection for what the SDK does not
// do: send a notification of kodex's own (kodex/event), and speak Codex's
// dialect of approval elicitation (see conn.Read and conn.Write).
type connTransport struct {
	t    mcp.Transport
	conn *conn
}

func (ct *connTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := ct.t.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ct.conn = &conn{Connection: c}
	return ct.conn, nil
}

// SupportsProtocolVersion keeps the connection below MCP 2026-07-28, where
// a server may not send elicitation/create while it serves a call (SEP-2322
// wants it returned as an input-required result, and a kodex turn cannot
// return halfway): clients that speak 2026-07-28 fall back to 2025-11-25,
// where approvals work.
func (ct *connTransport) SupportsProtocolVersion(v string) bool { return v < "2026-07-28" }

// conn is an mcp.Connection that serializes its writes, so notify can
// write beside the SDK.
type conn struct {
	mcp.Connection
	mu sync.Mutex
}

// notify writes a JSON-RPC notification.
func (c *conn) notify(ctx context.Context, method string, params any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", method, err)
	}
	return c.Write(ctx, &jsonrpc.Request{Method: method, Params: b})
}

// Write writes msg; an elicitation/create request gets the codex_* members
// of its _meta copied to the top level of its params, where Codex's clients
// read them.
func (c *conn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if r, ok := msg.(*jsonrpc.Request); ok && r.Method == "elicitation/create" {
		r.Params = liftCodexMeta(r.Params)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Connection.Write(ctx, msg)
}

// Read reads the next message; a response in Codex's approval shape,
// {"decision": D} without an action, becomes the standard elicitation
// result {"action": "accept", "content": {"decision": D}}.
//
// A tools/call request gets its JSON-RPC id in its _meta, under
// requestIDKey, for the handler: the SDK does not pass it on, and the
// kodex/event notifications carry it as Codex's did.
func (c *conn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	switch r := msg.(type) {
	case *jsonrpc.Response:
		if r.Error == nil && bytes.Contains(r.Result, []byte(`"decision"`)) {
			r.Result = codexDecision(r.Result)
		}
	case *jsonrpc.Request:
		if r.Method == "tools/call" && r.ID.IsValid() {
			r.Params = withRequestID(r.Params, r.ID.Raw())
		}
	}
	return msg, err
}

// requestIDKey is where a tools/call's _meta holds its JSON-RPC id.
const requestIDKey = "kodex.internal/requestId"

func withRequestID(params json.RawMessage, id any) json.RawMessage {
	var p map[string]any
	if json.Unmarshal(params, &p) != nil || p == nil {
		return params
	}
	meta, _ := p["_meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta[requestIDKey] = id
	p["_meta"] = meta
	b, err := json.Marshal(p)
	if err != nil {
		return params
	}
	return b
}

func liftCodexMeta(params json.RawMessage) json.RawMessage {
	var p map[string]json.RawMessage
	if json.Unmarshal(params, &p) != nil {
		return params
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal(p["_meta"], &meta) != nil {
		return params
	}
	for k, v := range meta {
		if _, taken := p[k]; !taken && (strings.HasPrefix(k, "codex_") || k == "threadId") {
			p[k] = v
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return params
	}
	return b
}

func codexDecision(result json.RawMessage) json.RawMessage {
	var r map[string]json.RawMessage
	if json.Unmarshal(result, &r) != nil {
		return result
	}
	d, ok := r["decision"]
	if _, hasAction := r["action"]; !ok || hasAction {
		return result
	}
	b, err := json.Marshal(map[string]any{"action": "accept", "content": map[string]json.RawMessage{"decision": d}})
	if err != nil {
		return result
	}
	return b
}
