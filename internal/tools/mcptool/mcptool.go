// Package mcptool offers the tools of a session's MCP servers to the model:
// each as mcp__<server>__<tool> with a sanitised input schema, called
// through the approval policy (internal/approval.MCPCall), reported as
// McpToolCallBegin / Progress / End events, and answered to the model
// faithfully (text, images as input images, embedded resources, resource
// links, structured content, isError). It also offers Codex's resource
// tools: list_mcp_resources, list_mcp_resource_templates and
// read_mcp_resource.
//
// The connections themselves are internal/mcp's; this package only adapts
// them to the tools layer.
package mcptool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/approval"
	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// Set is the tools of a session's MCP servers and the resource tools (a
// tools.Set).
type Set struct {
	m         *mcp.Manager
	resources []tools.Tool

	mu      sync.Mutex
	done    bool   // every server has ended its start-up
	version uint64 // the manager's Version when byName was built
	byName  map[string]*callTool
	specs   []model.ToolSpec
}

// New returns the set of m's tools.
func New(m *mcp.Manager) *Set { return &Set{m: m, resources: ResourceTools(m)} }

var _ tools.Set = (*Set)(nil)

// Specs waits for the servers' start-up (each bounded by its timeout; no
// longer than ctx) and returns the tools of the ready ones.
func (s *Set) Specs(ctx context.Context) []model.ToolSpec {
	s.mu.Lock()
	if s.done && s.version == s.m.Version() {
		defer s.mu.Unlock()
		return s.specs
	}
	s.mu.Unlock()
	done := s.m.Wait(ctx) == nil
	s.mu.Lock()
	defer s.mu.Unlock()
	s.build()
	s.done = done
	return s.specs
}

// build indexes the ready servers' tools. Called with s.mu held.
func (s *Set) build() {
	s.version = s.m.Version()
	s.byName = map[string]*callTool{}
	s.specs = nil
	for _, t := range s.resources {
		s.specs = append(s.specs, t.Spec())
	}
	for _, srv := range s.m.Servers() {
		if srv.State != protocol.McpReady {
			continue
		}
		for _, t := range srv.Tools {
			name := QualifiedName(t.Server, t.Name)
			if _, dup := s.byName[name]; dup {
				name = QualifiedName(t.Server, t.Name+"_"+hash8(t.Server+"\x00"+t.Name))
			}
			ct := &callTool{m: s.m, tool: t, name: name}
			s.byName[name] = ct
			s.specs = append(s.specs, ct.Spec())
		}
	}
}

// Lookup returns the tool the model knows as name.
func (s *Set) Lookup(name string) (tools.Tool, bool) {
	for _, t := range s.resources {
		if t.Spec().Name == name {
			return t, true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byName == nil || s.version != s.m.Version() {
		s.build()
	}
	t, ok := s.byName[name]
	return t, ok
}

// callTool is one MCP tool as the model sees it.
type callTool struct {
	m    *mcp.Manager
	tool mcp.Tool
	name string
}

func (c *callTool) Spec() model.ToolSpec {
	desc := c.tool.Description
	if desc == "" {
		desc = c.tool.Title
	}
	return model.ToolSpec{Kind: model.ToolFunction, Name: c.name, Description: desc, Parameters: SanitizeSchema(c.tool.InputSchema)}
}

func (c *callTool) Handle(ctx context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	args := json.RawMessage(call.Input)
	if len(args) == 0 {
		args = json.RawMessage(`{}`)
	}
	var obj map[string]any
	if err := json.Unmarshal(args, &obj); err != nil {
		return tools.ErrorResult("failed to parse function arguments for %s: %v (want a JSON object)", call.Name, err), nil
	}
	server, tool := c.tool.Server, c.tool.Name
	if ask, reason := approval.MCPCall(env.ApprovalPolicy, c.tool.ReadOnly); ask {
		key := "mcp\x00" + server + "\x00" + tool
		if env.Approved == nil || !env.Approved(key) {
			d, feedback := env.Approve(ctx, protocol.McpToolApprovalRequest{CallID: call.ID, Server: server, Tool: tool, Arguments: args, Reason: reason})
			switch d {
			case protocol.DecisionApprovedForSession:
				if env.Remember != nil {
					env.Remember(key)
				}
			case protocol.DecisionApproved:
			case protocol.DecisionAbort:
				env.Emit(protocol.McpToolCallEnd{CallID: call.ID, Server: server, Tool: tool, Arguments: args, Error: "aborted by the user"})
				return tools.Result{}, tools.ErrAborted
			default:
				msg := "the user declined this MCP tool call"
				if feedback != "" {
					msg += ": " + feedback
				}
				env.Emit(protocol.McpToolCallEnd{CallID: call.ID, Server: server, Tool: tool, Arguments: args, Error: msg})
				return tools.ErrorResult("%s", msg), nil
			}
		}
	}
	env.Emit(protocol.McpToolCallBegin{CallID: call.ID, Server: server, Tool: tool, Arguments: args})
	start := time.Now()
	res, err := c.m.CallTool(ctx, server, tool, call.ID, args, func(p protocol.McpToolCallProgress) { env.Emit(p) })
	end := protocol.McpToolCallEnd{CallID: call.ID, Server: server, Tool: tool, Arguments: args, Duration: protocol.Duration(time.Since(start)), Result: res}
	if err != nil {
		end.Error = err.Error()
		env.Emit(end)
		if ctx.Err() != nil {
			return tools.ErrorResult("aborted: %v", ctx.Err()), nil
		}
		if errors.Is(err, mcp.ErrToolTimeout) {
			return tools.ErrorResult("%v", err), nil
		}
		return tools.ErrorResult("calling tool %q of MCP server %q failed: %v", tool, server, err), nil
	}
	env.Emit(end)
	return ResultForModel(res), nil
}

// MaxOutputBytes bounds the text of one MCP result the model sees: about
// 10,000 tokens, the budget of a command's output and of Codex's
// truncation policy for tool outputs. A longer one keeps its head and tail
// with a marker saying how much was cut, so a server answering megabytes
// neither fills the context nor grows every later request.
const MaxOutputBytes = 10_000 * 4

// ResultForModel turns an MCP result into what the model sees: as Codex
// does, the structured content (JSON) when there is some (the spec has
// servers repeat it as text, which is then left out), else the content
// blocks as text; images are attached either way. The text is cut to
// MaxOutputBytes.
func ResultForModel(res *protocol.McpToolResult) tools.Result {
	out, images := renderContent(res.Content)
	if len(res.StructuredContent) > 0 {
		out = string(res.StructuredContent)
	}
	if out == "" && len(images) == 0 {
		out = "(the tool returned no content)"
	}
	return tools.Result{Output: proc.Truncate(out, MaxOutputBytes), Images: images, Failed: res.IsError}
}

// block is an MCP content block in its wire form.
type block struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	Data        string `json:"data"`
	MimeType    string `json:"mimeType"`
	URI         string `json:"uri"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Resource    *struct {
		URI      string `json:"uri"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Blob     string `json:"blob"`
	} `json:"resource"`
}

func renderContent(content []json.RawMessage) (string, []string) {
	var parts, images []string
	for _, raw := range content {
		var b block
		if err := json.Unmarshal(raw, &b); err != nil {
			parts = append(parts, string(raw))
			continue
		}
		switch b.Type {
		case "text":
			parts = append(parts, b.Text)
		case "image":
			images = append(images, "data:"+b.MimeType+";base64,"+b.Data)
			parts = append(parts, fmt.Sprintf("[image %s: attached below]", b.MimeType))
		case "audio":
			parts = append(parts, fmt.Sprintf("[audio %s: not shown; audio input is not supported]", b.MimeType))
		case "resource_link":
			s := "resource link: " + b.URI
			if b.Name != "" {
				s += " (" + b.Name + ")"
			}
			if b.MimeType != "" {
				s += " " + b.MimeType
			}
			if b.Description != "" {
				s += ": " + b.Description
			}
			parts = append(parts, s)
		case "resource":
			if b.Resource == nil {
				continue
			}
			r := b.Resource
			switch {
			case r.Text != "":
				parts = append(parts, fmt.Sprintf("resource %s:\n%s", r.URI, r.Text))
			case len(r.MimeType) > 6 && r.MimeType[:6] == "image/":
				images = append(images, "data:"+r.MimeType+";base64,"+r.Blob)
				parts = append(parts, fmt.Sprintf("resource %s (%s): attached below", r.URI, r.MimeType))
			default:
				parts = append(parts, fmt.Sprintf("resource %s (%s): %d bytes of base64 data, not shown", r.URI, r.MimeType, len(r.Blob)))
			}
		default:
			parts = append(parts, string(raw))
		}
	}
	return strings.Join(parts, "\n"), images
}
