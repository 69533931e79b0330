package config

import (
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// SandboxPolicy builds the policy commands run under. In workspace-write
// mode the writable roots are cwd first, then addDirs (--add-dir, relative
// ones taken from cwd), sandbox_workspace_write.writable_roots, and /tmp and
// $TMPDIR unless excluded; duplicates are dropped.
func (c *Config) SandboxPolicy(cwd string, addDirs []string) protocol.SandboxPolicy {
	p := protocol.SandboxPolicy{Mode: c.SandboxMode}
	sw := c.SandboxWorkspaceWrite
	switch c.SandboxMode {
	case protocol.SandboxDangerFullAccess:
		return p
	case protocol.SandboxReadOnly:
	case protocol.SandboxWorkspaceWrite:
		cwd = filepath.Clean(cwd)
		roots := []string{cwd}
		for _, d := range addDirs {
			if !filepath.IsAbs(d) {
				d = filepath.Join(cwd, d)
			}
			roots = append(roots, filepath.Clean(d))
		}
		// No shared /tmp or $TMPDIR: every sandboxed command gets a temp
		// dir of its own (a private /tmp with namespaces, else a private
		// TMPDIR while the shared /tmp stays read-only). A user who wants
		// the shared one writable lists it in writable_roots.
		roots = append(roots, sw.WritableRoots...)
		var uniq []string
		for _, r := range roots {
			if !slices.Contains(uniq, r) {
				uniq = append(uniq, r)
			}
		}
		p.WritableRoots = uniq
		p.NetworkAccess = sw.NetworkAccess
		p.AllowGitWrites = sw.AllowGitWrites
	}
	p.DenyRead = slices.Clone(sw.DenyRead)
	return p
}

// ResolvedProvider is the selected model provider with its environment
// looked up: what the model client needs to make requests.
type ResolvedProvider struct {
	ProviderInfo
	// APIKey is the value of EnvKey; "" when EnvKey is unset or empty. The
	// model client reports a missing key, with EnvKeyInstructions.
	APIKey string
	// Headers are http_headers plus env_http_headers whose variable is set.
	Headers map[string]string
}

// StreamIdleTimeout is how long a stream may stay silent.
func (p ProviderInfo) StreamIdleTimeout() time.Duration {
	return time.Duration(p.StreamIdleTimeoutMs) * time.Millisecond
}

// StartupTimeout is how long the server has to start and list its tools.
func (s MCPServer) StartupTimeout() time.Duration {
	return time.Duration(s.StartupTimeoutSec * float64(time.Second))
}

// ToolTimeout is how long one tool call may take.
func (s MCPServer) ToolTimeout() time.Duration {
	return time.Duration(s.ToolTimeoutSec * float64(time.Second))
}

// ResolveProvider returns the selected provider with its API key and
// headers read through getenv (nil means no environment). A missing key is
// not an error here.
func (c *Config) ResolveProvider(getenv func(string) string) ResolvedProvider {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	p := c.Provider
	r := ResolvedProvider{ProviderInfo: p, Headers: maps.Clone(p.HTTPHeaders)}
	r.QueryParams = maps.Clone(p.QueryParams)
	r.EnvHTTPHeaders = maps.Clone(p.EnvHTTPHeaders)
	if p.EnvKey != "" {
		r.APIKey = getenv(p.EnvKey)
	}
	for h, env := range p.EnvHTTPHeaders {
		if v := getenv(env); v != "" {
			if r.Headers == nil {
				r.Headers = map[string]string{}
			}
			r.Headers[h] = v
		}
	}
	return r
}
