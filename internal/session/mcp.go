package session

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/proc"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/version"
)

// startMCP starts the enabled MCP servers of the configuration in the
// background. With none it returns nil and costs nothing. When some are
// required it waits for those and fails with the reason one did not start.
func (rt *Runtime) startMCP(ctx context.Context, cwd string, elicit func(context.Context, protocol.McpElicitationRequest) protocol.McpElicitationResponse) (*mcp.Manager, error) {
	servers := MCPServers(rt.Config, cwd, rt.env.Environ(), rt.env.Getenv)
	if len(servers) == 0 {
		return nil, nil
	}
	roots := append([]string{cwd}, rt.AddDirs...)
	m := mcp.Start(mcp.Options{Servers: servers, Roots: roots, ClientVersion: version.Version, Elicit: elicit, Logger: rt.env.Logger})
	if err := m.Required(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// MCPServers resolves the enabled [mcp_servers] entries of cfg for a
// session in cwd, sorted by name.
func MCPServers(cfg *config.Config, cwd string, environ []string, getenv func(string) string) []mcp.ServerConfig {
	var out []mcp.ServerConfig
	names := make([]string, 0, len(cfg.MCPServers))
	for name := range cfg.MCPServers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := cfg.MCPServers[name]
		if !s.Enabled {
			continue
		}
		out = append(out, mcpServerConfig(name, s, cfg, cwd, environ, getenv))
	}
	return out
}

// mcpServerConfig resolves one server: a stdio server's complete
// environment and working directory, an HTTP server's headers.
func mcpServerConfig(name string, s config.MCPServer, cfg *config.Config, cwd string, environ []string, getenv func(string) string) mcp.ServerConfig {
	out := mcp.ServerConfig{
		Name: name, Command: s.Command, Args: s.Args, URL: s.URL,
		Required: s.Required, StartupTimeout: s.StartupTimeout(), ToolTimeout: s.ToolTimeout(),
		EnabledTools: s.EnabledTools, DisabledTools: s.DisabledTools,
	}
	if s.Command != "" {
		out.Env = mcpEnv(s, cfg, environ)
		out.Cwd = cwd
		if s.Cwd != "" {
			out.Cwd = s.Cwd
			if !filepath.IsAbs(s.Cwd) {
				out.Cwd = filepath.Join(cwd, s.Cwd)
			}
		}
		return out
	}
	out.Headers = map[string]string{}
	for k, v := range s.HTTPHeaders {
		out.Headers[k] = v
	}
	for k, env := range s.EnvHTTPHeaders {
		if v := getenv(env); v != "" {
			out.Headers[k] = v
		}
	}
	if cfg.Home != "" {
		out.CredentialsFile = mcp.CredentialsPath(cfg.Home, name)
	}
	out.OAuth = mcp.OAuthConfig{Scopes: s.Scopes, ClientID: s.OAuth.ClientID, CallbackURL: s.OAuth.CallbackURL}
	if s.OAuth.ClientSecretEnvVar != "" {
		out.OAuth.ClientSecret = getenv(s.OAuth.ClientSecretEnvVar)
	}
	if s.BearerTokenEnvVar != "" {
		tok := getenv(s.BearerTokenEnvVar)
		if tok == "" {
			out.Err = fmt.Errorf("bearer_token_env_var names %s, which is not set", s.BearerTokenEnvVar)
		}
		out.Headers["Authorization"] = "Bearer " + tok
	}
	return out
}

// mcpEnv is a stdio server's environment: what the shell environment
// policy lets commands see, then the variables env_vars names (from
// kodex's environment), then env. The provider's API key variables are
// never passed unless env_vars or env names them.
func mcpEnv(s config.MCPServer, cfg *config.Config, environ []string) []string {
	sp := cfg.ShellEnvironmentPolicy
	set := map[string]string{}
	for _, name := range s.EnvVars {
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == name {
				set[k] = v
			}
		}
	}
	for k, v := range sp.Set {
		set[k] = v
	}
	for k, v := range s.Env {
		set[k] = v
	}
	named := func(k string) bool { _, ok := set[k]; return ok }
	keys := []string{"OPENAI_API_KEY", "KODEX_API_KEY", "CODEX_API_KEY"}
	if cfg.Provider.EnvKey != "" {
		keys = append(keys, cfg.Provider.EnvKey)
	}
	var base []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if slices.Contains(keys, k) && !named(k) {
			continue
		}
		base = append(base, kv)
	}
	env := proc.BuildEnv(base, proc.EnvPolicy{
		Inherit:               proc.Inherit(sp.Inherit),
		IgnoreDefaultExcludes: sp.IgnoreDefaultExcludes,
		Allow:                 sp.Allow,
		Exclude:               sp.Exclude,
		IncludeOnly:           sp.IncludeOnly,
	})
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !named(k) {
			out = append(out, kv)
		}
	}
	for k, v := range set {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}
