package mcptool

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// The resource tools' names, as Codex offers them.
const (
	ListResourcesName         = "list_mcp_resources"
	ListResourceTemplatesName = "list_mcp_resource_templates"
	ReadResourceName          = "read_mcp_resource"
)

// ResourceTools returns Codex's three resource tools over m.
func ResourceTools(m *mcp.Manager) []tools.Tool {
	return []tools.Tool{
		&resourceTool{m: m, name: ListResourcesName},
		&resourceTool{m: m, name: ListResourceTemplatesName},
		&resourceTool{m: m, name: ReadResourceName},
	}
}

type resourceTool struct {
	m    *mcp.Manager
	name string
}

const (
	listParams = `{"type":"object","properties":{"server":{"type":"string","description":"Optional MCP server name. When omitted, lists %[1]s from every configured server."},"cursor":{"type":"string","description":"Opaque cursor returned by a previous %[2]s call for the same server."}},"additionalProperties":false}`
	readParams = `{"type":"object","properties":{"server":{"type":"string","description":"MCP server name exactly as configured. Must match the 'server' field returned by list_mcp_resources."},"uri":{"type":"string","description":"Resource URI to read. Must be one of the URIs returned by list_mcp_resources."}},"required":["server","uri"],"additionalProperties":false}`
)

func (r *resourceTool) Spec() model.ToolSpec {
	switch r.name {
	case ListResourcesName:
		return model.ToolSpec{Kind: model.ToolFunction, Name: r.name, Parameters: json.RawMessage(fmt.Sprintf(listParams, "resources", r.name)),
			Description: "Lists resources provided by MCP servers. Resources allow servers to share data that provides context to language models, such as files, database schemas, or application-specific information. Prefer resources over web search when possible."}
	case ListResourceTemplatesName:
		return model.ToolSpec{Kind: model.ToolFunction, Name: r.name, Parameters: json.RawMessage(fmt.Sprintf(listParams, "resource templates", r.name)),
			Description: "Lists resource templates provided by MCP servers. Parameterized resource templates allow servers to share data that takes parameters and provides context to language models, such as files, database schemas, or application-specific information. Prefer resource templates over web search when possible."}
	}
	return model.ToolSpec{Kind: model.ToolFunction, Name: r.name, Parameters: json.RawMessage(readParams),
		Description: "Read a specific resource from an MCP server given the server name and resource URI."}
}

// ReadOnly implements tools.ReadOnly: listing and reading change nothing.
func (r *resourceTool) ReadOnly(tools.Call) bool { return true }

func (r *resourceTool) Handle(ctx context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	var a struct {
		Server string `json:"server"`
		Cursor string `json:"cursor"`
		URI    string `json:"uri"`
	}
	input := call.Input
	if strings.TrimSpace(input) == "" {
		input = "{}"
	}
	if res, ok := tools.DecodeArgs(tools.Call{Name: call.Name, Input: input}, &a); !ok {
		return res, nil
	}
	a.Server, a.Cursor, a.URI = strings.TrimSpace(a.Server), strings.TrimSpace(a.Cursor), strings.TrimSpace(a.URI)
	server := a.Server
	if server == "" {
		server = "kodex"
	}
	args := json.RawMessage(input)
	env.Emit(protocol.McpToolCallBegin{CallID: call.ID, Server: server, Tool: r.name, Arguments: args})
	start := time.Now()
	payload, err := r.run(ctx, a.Server, a.Cursor, a.URI)
	end := protocol.McpToolCallEnd{CallID: call.ID, Server: server, Tool: r.name, Arguments: args, Duration: protocol.Duration(time.Since(start))}
	if err != nil {
		end.Error = err.Error()
		env.Emit(end)
		return tools.ErrorResult("%v", err), nil
	}
	out, err := json.Marshal(payload)
	if err != nil {
		return tools.Result{}, fmt.Errorf("encoding the MCP resource response: %w", err)
	}
	text, _ := json.Marshal(map[string]string{"type": "text", "text": string(out)})
	end.Result = &protocol.McpToolResult{Content: []json.RawMessage{text}}
	env.Emit(end)
	return tools.Result{Output: proc.Truncate(string(out), MaxOutputBytes)}, nil
}

func (r *resourceTool) run(ctx context.Context, server, cursor, uri string) (any, error) {
	switch r.name {
	case ListResourcesName, ListResourceTemplatesName:
		list := r.m.ListResources
		key := "resources"
		if r.name == ListResourceTemplatesName {
			list, key = r.m.ListResourceTemplates, "resourceTemplates"
		}
		if server == "" {
			if cursor != "" {
				return nil, fmt.Errorf("cursor can only be used when a server is specified")
			}
			var all []map[string]any
			for _, name := range r.m.ServerNames() {
				l, err := list(ctx, name, "")
				if err != nil {
					continue // a server that failed or has no resources lists nothing
				}
				all = append(all, withServer(name, l.Items)...)
			}
			return map[string]any{key: orEmpty(all)}, nil
		}
		l, err := list(ctx, server, cursor)
		if err != nil {
			return nil, fmt.Errorf("%s failed: %w", map[string]string{"resources": "resources/list", "resourceTemplates": "resources/templates/list"}[key], err)
		}
		p := map[string]any{"server": server, key: orEmpty(withServer(server, l.Items))}
		if l.NextCursor != "" {
			p["nextCursor"] = l.NextCursor
		}
		return p, nil
	}
	if server == "" || uri == "" {
		return nil, fmt.Errorf("server and uri must be provided")
	}
	contents, err := r.m.ReadResource(ctx, server, uri)
	if err != nil {
		return nil, fmt.Errorf("resources/read failed: %w", err)
	}
	return map[string]any{"server": server, "uri": uri, "contents": contents}, nil
}

// withServer adds "server" to each item (Codex flattens it into the item).
func withServer(server string, items []json.RawMessage) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for _, raw := range items {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		m["server"] = server
		out = append(out, m)
	}
	return out
}

func orEmpty(x []map[string]any) []map[string]any {
	if x == nil {
		return []map[string]any{}
	}
	return x
}
