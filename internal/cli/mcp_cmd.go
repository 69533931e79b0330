package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/session"
)

// MCPAddOptions are the inputs of `kodex mcp add`.
type MCPAddOptions struct {
	Name              string
	Command           []string
	Env               []string // K=V
	URL               string
	BearerTokenEnvVar string
}

// NewCmdMCP builds `kodex mcp` and its list, get, add and remove
// subcommands. runAdd, if set, replaces running add (tests check the flags).
func NewCmdMCP(f *Factory, g *GlobalOptions, runAdd func(*MCPAddOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Manage the MCP servers kodex uses",
		Long: `Manage the MCP servers of $KODEX_HOME/config.toml ([mcp_servers.NAME]).
kodex starts them with every session and offers their tools to the model as
mcp__NAME__TOOL. See docs/mcp.md.`,
	}
	var jsonOut bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the MCP servers, start them and show their state and tools",
		Example: `  kodex mcp list
  kodex mcp list --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMCPList(cmd.Context(), f, g, "", jsonOut)
		},
	}
	list.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	get := &cobra.Command{
		Use:   "get NAME",
		Short: "Show one MCP server: its configuration, state and tools",
		Example: `  kodex mcp get docs
  kodex mcp get docs --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMCPList(cmd.Context(), f, g, args[0], jsonOut)
		},
	}
	get.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	opts := &MCPAddOptions{}
	add := &cobra.Command{
		Use:   "add NAME [--env K=V]… -- COMMAND [ARGS…] | add NAME --url URL [--bearer-token-env-var VAR]",
		Short: "Add an MCP server to config.toml",
		Long: `Add an [mcp_servers.NAME] table to $KODEX_HOME/config.toml, keeping the rest
of the file (comments, layout) as it is. A stdio server is the command after
--; a streamable HTTP server is --url.`,
		Example: `  kodex mcp add fs -- npx -y @modelcontextprotocol/server-filesystem ~/src
  kodex mcp add docs --env DOCS_TOKEN=abc -- docs-mcp --stdio
  kodex mcp add web --url https://mcp.example.com/mcp --bearer-token-env-var WEB_TOKEN`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name, opts.Command = args[0], args[1:]
			if dash := cmd.ArgsLenAtDash(); dash > 1 {
				return &UsageError{Msg: "usage: kodex mcp add NAME -- COMMAND [ARGS…] (the command goes after --)"}
			}
			if runAdd != nil {
				return runAdd(opts)
			}
			return runMCPAdd(f, g, opts)
		},
	}
	add.Flags().StringArrayVar(&opts.Env, "env", nil, "set `K=V` in the server's environment (stdio; repeatable)")
	add.Flags().StringVar(&opts.URL, "url", "", "the `URL` of a streamable HTTP server")
	add.Flags().StringVar(&opts.BearerTokenEnvVar, "bearer-token-env-var", "", "send the token in `VAR` as Authorization: Bearer (HTTP)")
	remove := &cobra.Command{
		Use:     "remove NAME",
		Short:   "Remove an MCP server from config.toml",
		Example: `  kodex mcp remove docs`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMCPRemove(f, g, args[0])
		},
	}
	login, logout := newCmdMCPLogin(f, g)
	cmd.AddCommand(list, get, add, remove, login, logout)
	return cmd
}

func runMCPAdd(f *Factory, g *GlobalOptions, o *MCPAddOptions) error {
	if !config.ValidMCPServerName(o.Name) {
		return &UsageError{Msg: fmt.Sprintf("bad MCP server name %q (use letters, digits, '_' and '-')", o.Name)}
	}
	s := config.NewMCPServer{URL: o.URL, BearerTokenEnvVar: o.BearerTokenEnvVar}
	switch {
	case o.URL != "" && len(o.Command) > 0:
		return &UsageError{Msg: "give either --url or a command after --, not both"}
	case o.URL != "" && len(o.Env) > 0:
		return &UsageError{Msg: "--env is for stdio servers; an HTTP server takes --bearer-token-env-var"}
	case o.URL == "" && len(o.Command) == 0:
		return &UsageError{Msg: "usage: kodex mcp add NAME -- COMMAND [ARGS…]  or  kodex mcp add NAME --url URL"}
	case o.URL == "" && o.BearerTokenEnvVar != "":
		return &UsageError{Msg: "--bearer-token-env-var is for HTTP servers (--url)"}
	}
	if o.URL == "" {
		s.Command, s.Args = o.Command[0], o.Command[1:]
		for _, kv := range o.Env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return &UsageError{Msg: fmt.Sprintf("--env %q: want K=V", kv)}
			}
			if s.Env == nil {
				s.Env = map[string]string{}
			}
			s.Env[k] = v
		}
	}
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return &ConfigError{err}
	}
	old, err := config.AddMCPServer(home, o.Name, s)
	if err != nil {
		return &ConfigError{err}
	}
	if _, _, err := loadConfig(f, g); err != nil {
		if rerr := config.RestoreConfig(home, old); rerr != nil {
			return errors.Join(err, fmt.Errorf("restoring the file: %w", rerr))
		}
		return fmt.Errorf("the new server does not load, config.toml is unchanged: %w", err)
	}
	fmt.Fprintf(f.IO.Out, "Added MCP server %s to %s\n", o.Name, filepath.Join(home, "config.toml"))
	return nil
}

func runMCPRemove(f *Factory, g *GlobalOptions, name string) error {
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return &ConfigError{err}
	}
	path := filepath.Join(home, "config.toml")
	old, found, err := config.RemoveMCPServer(home, name)
	if err != nil {
		return &ConfigError{err}
	}
	if !found {
		return fmt.Errorf("no MCP server %q in %s", name, path)
	}
	if _, _, err := loadConfig(f, g); err != nil {
		if rerr := config.RestoreConfig(home, old); rerr != nil {
			return errors.Join(err, fmt.Errorf("restoring the file: %w", rerr))
		}
		return fmt.Errorf("config.toml does not load without the server, so it is unchanged: %w", err)
	}
	fmt.Fprintf(f.IO.Out, "Removed MCP server %s from %s\n", name, path)
	return nil
}

// mcpServerJSON is one server in `kodex mcp list --json` (Codex's shape,
// plus its state and tools).
type mcpServerJSON struct {
	Name              string           `json:"name"`
	Enabled           bool             `json:"enabled"`
	Required          bool             `json:"required"`
	Transport         mcpTransportJSON `json:"transport"`
	StartupTimeoutSec float64          `json:"startup_timeout_sec"`
	ToolTimeoutSec    float64          `json:"tool_timeout_sec"`
	EnabledTools      []string         `json:"enabled_tools,omitempty"`
	DisabledTools     []string         `json:"disabled_tools,omitempty"`
	State             string           `json:"state"` // starting, ready, failed or disabled
	Tools             []mcpToolJSON    `json:"tools"`
	Error             string           `json:"error,omitempty"`
	Stderr            string           `json:"stderr,omitempty"`
	// AuthStatus is Codex's: unsupported, not_logged_in, bearer_token or o_auth.
	AuthStatus string `json:"auth_status"`
}

type mcpTransportJSON struct {
	Type              string            `json:"type"` // stdio or streamable_http
	Command           string            `json:"command,omitempty"`
	Args              []string          `json:"args,omitempty"`
	Env               map[string]string `json:"env,omitempty"` // values masked
	EnvVars           []string          `json:"env_vars,omitempty"`
	Cwd               string            `json:"cwd,omitempty"`
	URL               string            `json:"url,omitempty"`
	BearerTokenEnvVar string            `json:"bearer_token_env_var,omitempty"`
	HTTPHeaders       map[string]string `json:"http_headers,omitempty"` // values masked
	EnvHTTPHeaders    map[string]string `json:"env_http_headers,omitempty"`
}

type mcpToolJSON struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	ReadOnly    bool   `json:"read_only"`
}

// runMCPList starts the enabled servers (one, when only is set), waits for
// their start-up and prints what they are.
func runMCPList(ctx context.Context, f *Factory, g *GlobalOptions, only string, jsonOut bool) error {
	cfg, cwd, err := loadConfig(f, g)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(cfg.MCPServers))
	for name := range cfg.MCPServers {
		if only == "" || name == only {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if only != "" && len(names) == 0 {
		return fmt.Errorf("no MCP server %q is configured", only)
	}
	var servers []mcp.ServerConfig
	for _, s := range session.MCPServers(cfg, cwd, f.Environ(), f.Getenv) {
		if only == "" || s.Name == only {
			servers = append(servers, s)
		}
	}
	states := map[string]mcp.Server{}
	if len(servers) > 0 {
		m := mcp.Start(mcp.Options{Servers: servers, Roots: []string{cwd}, Logger: f.Logger})
		defer m.Close()
		if err := m.Wait(ctx); err != nil {
			return err
		}
		for _, s := range m.Servers() {
			states[s.Config.Name] = s
		}
	}
	out := make([]mcpServerJSON, 0, len(names))
	for _, name := range names {
		out = append(out, mcpJSON(name, cfg.MCPServers[name], states[name]))
	}
	if jsonOut {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if only != "" {
			return enc.Encode(out[0])
		}
		return enc.Encode(out)
	}
	if only != "" {
		return printMCPServer(f, out[0])
	}
	if len(out) == 0 {
		fmt.Fprintln(f.IO.Out, "No MCP servers are configured. Add one with kodex mcp add NAME -- COMMAND ARGS…")
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTRANSPORT\tSTATE\tAUTH")
	for _, s := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, transportText(s.Transport), stateText(s), authText(s.AuthStatus))
	}
	return tw.Flush()
}

func mcpJSON(name string, c config.MCPServer, st mcp.Server) mcpServerJSON {
	s := mcpServerJSON{
		Name: name, Enabled: c.Enabled, Required: c.Required,
		StartupTimeoutSec: c.StartupTimeout().Seconds(), ToolTimeoutSec: c.ToolTimeout().Seconds(),
		EnabledTools: c.EnabledTools, DisabledTools: c.DisabledTools,
		State: st.State, Error: st.Error, Stderr: st.Stderr, Tools: []mcpToolJSON{},
		AuthStatus: st.Auth,
	}
	if s.AuthStatus == "" {
		s.AuthStatus = mcp.AuthUnsupported
	}
	if !c.Enabled {
		s.State = "disabled"
	}
	if c.URL != "" {
		s.Transport = mcpTransportJSON{Type: "streamable_http", URL: c.URL, BearerTokenEnvVar: c.BearerTokenEnvVar, HTTPHeaders: masked(c.HTTPHeaders), EnvHTTPHeaders: c.EnvHTTPHeaders}
	} else {
		s.Transport = mcpTransportJSON{Type: "stdio", Command: c.Command, Args: c.Args, Env: masked(c.Env), EnvVars: c.EnvVars, Cwd: c.Cwd}
	}
	for _, t := range st.Tools {
		s.Tools = append(s.Tools, mcpToolJSON{Name: t.Name, Description: t.Description, ReadOnly: t.ReadOnly})
	}
	return s
}

func masked(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = "****"
	}
	return out
}

func transportText(t mcpTransportJSON) string {
	if t.Type == "stdio" {
		return strings.TrimSpace("stdio: " + t.Command + " " + strings.Join(t.Args, " "))
	}
	return "http: " + t.URL
}

func stateText(s mcpServerJSON) string {
	switch s.State {
	case protocol.McpReady:
		return fmt.Sprintf("ready (%d tools)", len(s.Tools))
	case protocol.McpFailed:
		return "failed: " + firstLine(s.Error)
	}
	return s.State
}

// authText is an auth status as Codex's mcp list prints it.
func authText(status string) string {
	switch status {
	case mcp.AuthNotLoggedIn:
		return "Not logged in"
	case mcp.AuthBearerToken:
		return "Bearer token"
	case mcp.AuthOAuth:
		return "OAuth"
	}
	return "Unsupported"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func printMCPServer(f *Factory, s mcpServerJSON) error {
	w := f.IO.Out
	fmt.Fprintf(w, "%s\n  transport: %s\n  state: %s\n  auth: %s\n", s.Name, transportText(s.Transport), stateText(s), authText(s.AuthStatus))
	if s.Transport.Cwd != "" {
		fmt.Fprintf(w, "  cwd: %s\n", s.Transport.Cwd)
	}
	if s.Required {
		fmt.Fprintln(w, "  required: true")
	}
	fmt.Fprintf(w, "  startup_timeout_sec: %g\n  tool_timeout_sec: %g\n", s.StartupTimeoutSec, s.ToolTimeoutSec)
	if s.Stderr != "" {
		fmt.Fprintf(w, "  stderr:\n%s\n", indentLines(strings.TrimRight(s.Stderr, "\n"), "    "))
	}
	if len(s.Tools) > 0 {
		fmt.Fprintln(w, "  tools:")
		for _, t := range s.Tools {
			ro := ""
			if t.ReadOnly {
				ro = " (read-only)"
			}
			fmt.Fprintf(w, "    %s%s: %s\n", t.Name, ro, firstLine(t.Description))
		}
	}
	return nil
}

func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
