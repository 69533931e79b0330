package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// ErrToolTimeout is returned (wrapped) when a call outlives the server's
// tool_timeout_sec; the call was cancelled on the server.
var ErrToolTimeout = errors.New("MCP tool call timed out")

// CallTool calls tool on server with args (a JSON object, or empty) and
// returns the server's result. The call is cancelled (an MCP cancellation
// notification) when ctx ends or the server's tool timeout passes. Progress
// notifications go to progress, if set, with CallID = callID.
func (m *Manager) CallTool(ctx context.Context, server, tool, callID string, args json.RawMessage, progress func(protocol.McpToolCallProgress)) (*protocol.McpToolResult, error) {
	s, cs, err := m.ready(ctx, server)
	if err != nil {
		return nil, err
	}
	params := &sdk.CallToolParams{Name: tool}
	if len(args) > 0 && string(args) != "null" {
		params.Arguments = args
	}
	if progress != nil && callID != "" {
		params.SetProgressToken(callID)
		s.progress.Store(callID, progress)
		defer s.progress.Delete(callID)
	}
	timeout := s.cfg.ToolTimeout
	if timeout <= 0 {
		timeout = toolTimeoutDefault
	}
	cctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrToolTimeout)
	defer cancel()
	res, err := cs.CallTool(cctx, params)
	if err != nil {
		if errors.Is(context.Cause(cctx), ErrToolTimeout) && ctx.Err() == nil {
			return nil, fmt.Errorf("%w after %s (tool_timeout_sec of server %q); the call was cancelled", ErrToolTimeout, timeout, server)
		}
		if p := s.getProc(); p != nil && ctx.Err() == nil {
			if status, ok := p.exitStatus(); ok {
				return nil, fmt.Errorf("the server exited during the call (%s)", status)
			}
		}
		return nil, err
	}
	return resultOf(res)
}

// resultOf converts the SDK's result to its wire form.
func resultOf(res *sdk.CallToolResult) (*protocol.McpToolResult, error) {
	out := &protocol.McpToolResult{Content: make([]json.RawMessage, 0, len(res.Content)), IsError: res.IsError}
	for _, c := range res.Content {
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("encoding MCP content: %w", err)
		}
		out.Content = append(out.Content, b)
	}
	if res.StructuredContent != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return nil, fmt.Errorf("encoding MCP structured content: %w", err)
		}
		if string(b) != "null" {
			out.StructuredContent = b
		}
	}
	return out, nil
}

// ResourceList is one page of a server's resources or resource templates,
// as JSON objects in their wire form.
type ResourceList struct {
	Items      []json.RawMessage
	NextCursor string
}

// ListResources lists one page of server's resources.
func (m *Manager) ListResources(ctx context.Context, server, cursor string) (ResourceList, error) {
	_, cs, err := m.ready(ctx, server)
	if err != nil {
		return ResourceList{}, err
	}
	if !hasResources(cs) {
		return ResourceList{}, nil
	}
	res, err := cs.ListResources(ctx, &sdk.ListResourcesParams{Cursor: cursor})
	if err != nil {
		return ResourceList{}, err
	}
	return listOf(res.Resources, res.NextCursor)
}

// ListResourceTemplates lists one page of server's resource templates.
func (m *Manager) ListResourceTemplates(ctx context.Context, server, cursor string) (ResourceList, error) {
	_, cs, err := m.ready(ctx, server)
	if err != nil {
		return ResourceList{}, err
	}
	if !hasResources(cs) {
		return ResourceList{}, nil
	}
	res, err := cs.ListResourceTemplates(ctx, &sdk.ListResourceTemplatesParams{Cursor: cursor})
	if err != nil {
		return ResourceList{}, err
	}
	return listOf(res.ResourceTemplates, res.NextCursor)
}

// ReadResource reads uri from server and returns the result's contents in
// their wire form.
func (m *Manager) ReadResource(ctx context.Context, server, uri string) ([]json.RawMessage, error) {
	_, cs, err := m.ready(ctx, server)
	if err != nil {
		return nil, err
	}
	res, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: uri})
	if err != nil {
		return nil, err
	}
	l, err := listOf(res.Contents, "")
	return l.Items, err
}

// ServerNames returns the configured servers' names in order.
func (m *Manager) ServerNames() []string {
	out := make([]string, len(m.servers))
	for i, s := range m.servers {
		out[i] = s.cfg.Name
	}
	return out
}

func hasResources(cs *sdk.ClientSession) bool {
	r := cs.InitializeResult()
	return r == nil || r.Capabilities == nil || r.Capabilities.Resources != nil
}

func listOf[T any](items []T, next string) (ResourceList, error) {
	out := ResourceList{Items: make([]json.RawMessage, 0, len(items)), NextCursor: next}
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return ResourceList{}, fmt.Errorf("encoding MCP resource: %w", err)
		}
		out.Items = append(out.Items, b)
	}
	return out, nil
}

// toolOf converts a listed tool.
func toolOf(server string, t *sdk.Tool) Tool {
	schema, err := json.Marshal(t.InputSchema)
	if err != nil || string(schema) == "null" {
		schema = []byte(`{"type":"object"}`)
	}
	out := Tool{Server: server, Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: schema}
	if t.Annotations != nil {
		out.ReadOnly = t.Annotations.ReadOnlyHint
		if out.Title == "" {
			out.Title = t.Annotations.Title
		}
	}
	return out
}

// Defaults for a ServerConfig that sets no timeouts (Codex's).
const (
	startupTimeoutDefault = 10 * time.Second
	toolTimeoutDefault    = 60 * time.Second
)
