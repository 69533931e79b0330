package cli

import (
	"context"
	"regexp"
	"sync"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/frontend/acp"
	"github.com/kodex-cli/kodex/internal/frontend/mcpserver"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/session"
	"github.com/kodex-cli/kodex/internal/version"
)

// ACPOptions are the inputs of `kodex acp`.
type ACPOptions struct {
	IO     *IOStreams
	Global *GlobalOptions
}

// NewCmdACP builds `kodex acp`. runF, when set, replaces the real run (for
// tests of flag parsing).
func NewCmdACP(f *Factory, g *GlobalOptions, runF func(context.Context, *ACPOptions) error) *cobra.Command {
	opts := &ACPOptions{IO: f.IO, Global: g}
	return &cobra.Command{
		Use:   "acp",
		Short: "Serve kodex to an editor over the Agent Client Protocol (stdio)",
		Long: `Serve kodex to an editor (Zed, Neovim's CodeCompanion or avante.nvim, …) over
the Agent Client Protocol: JSON-RPC 2.0, one message per line on stdin and
stdout. The editor starts 'kodex acp' and drives sessions with initialize,
session/new, session/load (a recorded kodex session, its conversation
replayed), session/prompt, session/cancel and session/set_mode; kodex streams
messages, thoughts, tool calls with their diffs and output, and plans, and
asks the editor with session/request_permission before what needs approval.
When the editor offers its file system, apply_patch reads and writes the
files it edits through the editor, so unsaved buffers stay coherent.
See docs/acp.md.

Sessions start with the configuration's approval policy and sandbox (as in
'kodex'; an untrusted project is read-only); the editor switches between the
modes read-only, auto and full-access.`,
		Example: `  # In Zed's settings.json
  "agent_servers": {"kodex": {"command": "kodex", "args": ["acp"]}}

  # Sessions that edit the workspace without asking
  kodex acp --full-auto`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runACP(cmd.Context(), f, opts)
		},
	}
}

func runACP(ctx context.Context, f *Factory, opts *ACPOptions) error {
	// The server's runtime: its configuration is said now, not at the
	// first session; its model client is shared by every session.
	base, err := newRuntime(ctx, f, opts.Global, false)
	if err != nil {
		return err
	}
	b := &acpBackend{f: f, g: opts.Global, base: base}
	return acp.Serve(ctx, f.IO.In, f.IO.Out, acp.Options{Backend: b, Version: version.Version, Logger: f.Logger})
}

// acpBackend implements the ACP server's Backend with internal/session.
type acpBackend struct {
	f    *Factory
	g    *GlobalOptions
	base *kodexRuntime
}

// Open opens a session in the request's cwd with the client's MCP servers
// added to the configured ones (as -c mcp_servers.NAME overrides), sharing
// the server's model client.
func (b *acpBackend) Open(ctx context.Context, req acp.OpenRequest) (acp.Session, error) {
	overrides := map[string]any{}
	for _, s := range req.MCPServers {
		overrides["mcp_servers."+mcpKey(s.Name)] = mcpServerConfig(s)
	}
	g, err := mcpCallOptions(b.g, mcpserver.Params{Cwd: req.Cwd, Config: overrides})
	if err != nil {
		return nil, err
	}
	cfg, cwd, err := loadConfig(b.f, g)
	if err != nil {
		return nil, err
	}
	ro := runtimeOptions(b.f, g, cfg, cwd, false)
	if cfg.Provider.ID == b.base.Config.Provider.ID {
		ro.Client = b.base.Client
	}
	rt, err := session.NewRuntime(ro)
	if err != nil {
		return nil, err
	}
	sp := session.Spec{Resume: req.LoadID != "", ResumeID: req.LoadID, Approvals: true, NotifyClient: "kodex_acp"}
	if req.Files != nil {
		sp.Editor = req.Files
	}
	sess, err := rt.Open(ctx, sp)
	if err != nil {
		return nil, err
	}
	return &acpSession{s: sess}, nil
}

// mcpKeyUnsafe is compiled on first use, not at start-up (test/startup).
var mcpKeyUnsafe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9_-]`) }) //nolint:gochecknoglobals // a compiled pattern

// mcpKey is an MCP server's name as a config key segment.
func mcpKey(name string) string { return mcpKeyUnsafe().ReplaceAllString(name, "_") }

// mcpServerConfig is an ACP MCP server as an [mcp_servers.NAME] table.
func mcpServerConfig(s acp.MCPServer) map[string]any {
	if s.URL != "" {
		t := map[string]any{"url": s.URL}
		if len(s.Headers) > 0 {
			h := map[string]any{}
			for k, v := range s.Headers {
				h[k] = v
			}
			t["http_headers"] = h
		}
		return t
	}
	args := make([]any, len(s.Args))
	for i, a := range s.Args {
		args[i] = a
	}
	t := map[string]any{"command": s.Command, "args": args}
	if len(s.Env) > 0 {
		env := map[string]any{}
		for k, v := range s.Env {
			env[k] = v
		}
		t["env"] = env
	}
	return t
}

// acpSession adapts a session to the ACP server's Session.
type acpSession struct{ s *session.Session }

func (a *acpSession) Submit(ctx context.Context, op protocol.Op) (string, error) {
	return a.s.Submit(ctx, op)
}

func (a *acpSession) Events() <-chan protocol.Event { return a.s.Events() }

func (a *acpSession) Close() { a.s.Close() }

func (a *acpSession) Info() acp.SessionInfo {
	info := acp.SessionInfo{ID: a.s.ID, Approval: a.s.Approval, Sandbox: a.s.Sandbox.Mode}
	for _, h := range session.Replay(a.s.RestoredHistory()) {
		info.History = append(info.History, acp.HistoryItem(h))
	}
	return info
}
