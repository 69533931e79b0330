package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/frontend/mcpserver"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/session"
	"github.com/kodex-cli/kodex/internal/version"
)

// MCPServerOptions are the inputs of `kodex mcp-server`.
type MCPServerOptions struct {
	IO     *IOStreams
	Global *GlobalOptions
}

// NewCmdMCPServer builds `kodex mcp-server`. runF, when set, replaces the
// real run (for tests of flag parsing).
func NewCmdMCPServer(f *Factory, g *GlobalOptions, runF func(context.Context, *MCPServerOptions) error) *cobra.Command {
	opts := &MCPServerOptions{IO: f.IO, Global: g}
	return &cobra.Command{
		Use:   "mcp-server",
		Short: "Serve kodex as an MCP server on stdio (tools kodex and kodex-reply)",
		Long: `Serve kodex to an MCP client over stdio, with the tools of 'codex mcp-server':

  kodex        start a session with a prompt and run it to its end; the result
               is the final message, with the thread id in structuredContent
               (arguments: prompt, model, profile, cwd, approval-policy,
               sandbox, config, base-instructions, developer-instructions)
  kodex-reply  continue a thread: threadId and prompt

Every session event goes to the client as a kodex/event notification, each
step as a progress notification (when the call has a progress token).
Approvals are asked with elicitation/create; with a client that cannot answer
them, the session's approval policy becomes never and the result says so.
Cancelling a call interrupts its turn.

The configuration, the flags given here and the sandbox apply as for
'kodex exec': unless a flag, the config or the call says otherwise, commands
run read-only with approval "never".`,
		Example: `  # In an MCP client's configuration
  {"command": "kodex", "args": ["mcp-server"]}

  # Let the sessions edit the workspace without asking
  kodex mcp-server --full-auto`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runMCPServer(cmd.Context(), f, opts)
		},
	}
}

func runMCPServer(ctx context.Context, f *Factory, opts *MCPServerOptions) error {
	// A configuration that does not load is said now, not at the first
	// call; the sessions share this runtime's model client.
	base, err := newRuntime(ctx, f, opts.Global, true)
	if err != nil {
		return err
	}
	t := &mcp.IOTransport{Reader: io.NopCloser(f.IO.In), Writer: nopWriteCloser{f.IO.Out}}
	return mcpserver.Serve(ctx, t, mcpserver.Options{
		Name:    "kodex-mcp-server",
		Title:   "kodex",
		Version: version.Version,
		Start: func(ctx context.Context, req mcpserver.StartRequest) (mcpserver.Started, error) {
			return startMCPSession(ctx, f, opts.Global, base, req)
		},
		Logger: f.Logger,
	})
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// startMCPSession starts the session of a kodex tool call: the server's
// global flags with the call's arguments on top, through the runtime
// kodex exec uses.
func startMCPSession(ctx context.Context, f *Factory, flags *GlobalOptions, base *kodexRuntime, req mcpserver.StartRequest) (mcpserver.Started, error) {
	if req.ResumeID != "" && req.Params.Cwd == "" {
		// A thread resumed from its recording works where it worked, not
		// where the server was started.
		req.Params.Cwd = recordedCwd(f, req.ResumeID)
	}
	g, err := mcpCallOptions(flags, req.Params)
	if err != nil {
		return mcpserver.Started{}, err
	}
	rt, err := derivedRuntime(f, g, base, req.Params.Config)
	if err != nil {
		return mcpserver.Started{}, err
	}
	if req.Params.BaseInstructions != "" {
		rt.Instructions = req.Params.BaseInstructions
	}
	var notice string
	if !req.CanApprove && rt.Approval != protocol.ApprovalNever {
		notice = fmt.Sprintf("kodex: the approval policy %s became never: %s.", rt.Approval, req.NoApprovalReason)
		rt.Approval = protocol.ApprovalNever
	}
	sess, err := rt.open(ctx, session.Spec{
		Resume:    req.ResumeID != "",
		ResumeID:  req.ResumeID,
		Approvals: req.CanApprove,
	})
	if err != nil {
		return mcpserver.Started{}, err
	}
	return mcpserver.Started{Session: sess, Notice: notice, Close: sess.Close}, nil
}

// recordedCwd is the working directory recorded for session id; "" when
// it cannot be read (resuming then says why).
func recordedCwd(f *Factory, id string) string {
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return ""
	}
	path, err := rollout.Find(home, id)
	if err != nil {
		return ""
	}
	meta, err := rollout.ReadMeta(path)
	if err != nil {
		return ""
	}
	return meta.Cwd
}

// mcpCallOptions are the server's global options with a call's arguments
// applied, as the flags and -c overrides they stand for.
func mcpCallOptions(base *GlobalOptions, p mcpserver.Params) (*GlobalOptions, error) {
	g := *base
	g.Overrides = slices.Clone(base.Overrides)
	for _, set := range []struct {
		dst *string
		v   string
	}{{&g.Model, p.Model}, {&g.Profile, p.Profile}, {&g.Cd, p.Cwd}, {&g.Sandbox, p.Sandbox}, {&g.Approval, p.ApprovalPolicy}} {
		if set.v != "" {
			*set.dst = set.v
		}
	}
	keys := make([]string, 0, len(p.Config))
	for k := range p.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := tomlValue(p.Config[k])
		if err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("config.%s: %v", k, err)}
		}
		g.Overrides = append(g.Overrides, k+"="+v)
	}
	if p.DeveloperInstructions != "" {
		v, _ := tomlValue(p.DeveloperInstructions)
		g.Overrides = append(g.Overrides, "developer_instructions="+v)
	}
	return &g, nil
}

// tomlValue writes a JSON value (as decoded into any) as a TOML value, the
// right-hand side of a -c key=value override.
func tomlValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		b, err := json.Marshal(v) // JSON's string escapes are TOML's
		return string(b), err
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10), nil
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, err := tomlValue(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			s, err := tomlValue(v[k])
			if err != nil {
				return "", err
			}
			qk, _ := json.Marshal(k)
			parts[i] = string(qk) + " = " + s
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	case nil:
		return "", fmt.Errorf("null is not a configuration value")
	}
	return "", fmt.Errorf("unsupported value %T", v)
}
