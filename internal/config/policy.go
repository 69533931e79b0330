package config

import (
	"maps"
	"strings"
	"time"
)

// ResolvedProvider is the selected model provider with its environment
// looked up: what the model client needs to make requests.
type ResolvedProvider struct {
	ProviderInfo
	// APIKey is the provider's key (see ResolveProvider); "" when there is
	// none. The model client reports a missing key, with
	// EnvKeyInstructions.
	APIKey string
	// KeyFrom says where APIKey came from: an environment variable's name,
	// or the path of the auth file; "" when there is no key.
	KeyFrom string
	// Headers are http_headers plus env_http_headers whose variable is set.
	Headers map[string]string
}

// ServerCompaction reports whether the provider compacts conversations on
// its server (POST {base_url}/responses/compact), decided as Codex decides
// it (codex-rs ModelProviderInfo::supports_remote_compaction): the
// provider named "OpenAI" (the built-in openai provider, whatever its
// base_url or openai_base_url) or an Azure OpenAI one (named "azure", or a
// base_url on an Azure OpenAI host), and on the Responses wire, which is
// the only one with the endpoint. features.remote_compaction = false
// turns it off (see Features).
func (p ProviderInfo) ServerCompaction() bool {
	if p.WireAPI != "" && p.WireAPI != "responses" {
		return false
	}
	return p.Name == "OpenAI" || strings.EqualFold(p.Name, "azure") || azureBaseURL(p.BaseURL)
}

// ServerCompaction reports whether the selected provider compacts
// conversations on its server: it offers it (ProviderInfo.ServerCompaction)
// and features.remote_compaction is on.
func (c *Config) ServerCompaction() bool {
	return c.Features.RemoteCompaction && c.Provider.ServerCompaction()
}

// azureBaseURL reports whether a base_url is an Azure OpenAI endpoint, by
// the host markers Codex looks for (codex-rs/codex-api,
// is_azure_responses_provider).
func azureBaseURL(u string) bool {
	u = strings.ToLower(u)
	for _, m := range []string{"openai.azure.", "cognitiveservices.azure.", "aoai.azure.", "azure-api.", "azurefd.", "windows.net/openai"} {
		if strings.Contains(u, m) {
			return true
		}
	}
	return false
}

// StreamIdleTimeout is how long a stream may stay silent.
func (p ProviderInfo) StreamIdleTimeout() time.Duration {
	return time.Duration(p.StreamIdleTimeoutMs) * time.Millisecond
}

// StartupTimeout is how long the server has to start and list its tools.
func (s MCPServer) StartupTimeout() time.Duration {
	if s.StartupTimeoutMs > 0 {
		return time.Duration(s.StartupTimeoutMs) * time.Millisecond
	}
	return time.Duration(s.StartupTimeoutSec * float64(time.Second))
}

// ToolTimeout is how long one tool call may take.
func (s MCPServer) ToolTimeout() time.Duration {
	return time.Duration(s.ToolTimeoutSec * float64(time.Second))
}

// ResolveProvider returns the selected provider with its API key and
// headers read through getenv (nil means no environment). auth is what
// `kodex login` stored ($KODEX_HOME/auth.json, see ReadAuth), or nil.
//
// The key is the one owner's answer, in this order: the variable env_key
// names; then, only for a provider that uses OpenAI's auth
// (requires_openai_auth = true, as the built-in openai has: UsesOpenAIAuth),
// KODEX_API_KEY, CODEX_API_KEY, and the key in auth. A missing key is not
// an error here.
func (c *Config) ResolveProvider(getenv func(string) string, auth *Auth) ResolvedProvider {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	p := c.Provider
	r := ResolvedProvider{ProviderInfo: p, Headers: maps.Clone(p.HTTPHeaders)}
	r.QueryParams = maps.Clone(p.QueryParams)
	r.EnvHTTPHeaders = maps.Clone(p.EnvHTTPHeaders)
	r.APIKey, r.KeyFrom = resolveKey(p, getenv, auth)
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
