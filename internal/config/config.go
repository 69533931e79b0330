package config

import (
	"github.com/kodex-cli/kodex/internal/protocol"
)

// Defaults that callers may need outside a loaded Config.
const (
	DefaultModel    = "gpt-5.1-codex"
	DefaultOSSModel = "gpt-oss:20b"
)

// Config is the effective configuration: every layer merged, validated and
// defaulted. Load returns it; nothing changes it afterwards, so it may be
// shared between goroutines. Map and slice fields must not be modified.
//
// Fields with a toml tag are configuration keys (Codex's names); the enum
// and default tags are the allowed values and the defaults, and are what
// docs/config.md lists.
type Config struct {
	Model          string                  `toml:"model" default:"gpt-5.1-codex"`
	ModelProvider  string                  `toml:"model_provider" default:"openai"`
	ModelProviders map[string]ProviderInfo `toml:"model_providers,noprofile"`
	// ReviewModel is the model `kodex review` and /review use ("": the model).
	ReviewModel string `toml:"review_model"`
	// OpenAIBaseURL overrides the built-in openai provider's base_url (the
	// Codex TypeScript SDK passes it with -c).
	OpenAIBaseURL string `toml:"openai_base_url"`

	ApprovalPolicy         protocol.ApprovalPolicy `toml:"approval_policy" enum:"untrusted,on-failure,on-request,never" default:"on-request"`
	SandboxMode            protocol.SandboxMode    `toml:"sandbox_mode" enum:"read-only,workspace-write,danger-full-access" default:"workspace-write"`
	SandboxWorkspaceWrite  SandboxWorkspaceWrite   `toml:"sandbox_workspace_write"`
	ShellEnvironmentPolicy ShellEnvironmentPolicy  `toml:"shell_environment_policy"`

	// ReasoningEffort is sent as given (as Codex does, any string loads;
	// the models know none, minimal, low, medium, high, xhigh, and some max).
	ReasoningEffort  string `toml:"model_reasoning_effort"`
	ReasoningSummary string `toml:"model_reasoning_summary" enum:"auto,concise,detailed,none" default:"auto"`
	Verbosity        string `toml:"model_verbosity" enum:"low,medium,high"`
	ContextWindow    int64  `toml:"model_context_window"`
	MaxOutputTokens  int64  `toml:"model_max_output_tokens"`
	// AutoCompactTokenLimit: past this estimated context size the
	// conversation is compacted; 0: 85% of the model's context window.
	AutoCompactTokenLimit int64 `toml:"model_auto_compact_token_limit"`

	// DeveloperInstructions are sent before everything else of the
	// conversation, as a developer message (as Codex does).
	DeveloperInstructions string `toml:"developer_instructions"`
	// ModelInstructionsFile replaces kodex's base instructions with the
	// file's text; a relative path is relative to the config file naming it.
	ModelInstructionsFile string `toml:"model_instructions_file,path,relfile"`

	ProjectDocMaxBytes          int64    `toml:"project_doc_max_bytes" default:"32768"`
	ProjectDocFallbackFilenames []string `toml:"project_doc_fallback_filenames"`

	// Profile is the active profile: -p, else the profile key, else "".
	Profile string `toml:"profile,noprofile"`
	// Profiles lists the names of all [profiles.NAME] tables.
	Profiles []string `toml:"profiles,profiles,noprofile"`
	// Projects is keyed by absolute path.
	Projects   map[string]ProjectConfig `toml:"projects,noprofile,abskeys"`
	MCPServers map[string]MCPServer     `toml:"mcp_servers,noprofile"`

	// Notify is a program (argv) run with a JSON argument when a turn ends.
	Notify                 []string `toml:"notify"`
	HideAgentReasoning     bool     `toml:"hide_agent_reasoning" default:"false"`
	ShowRawAgentReasoning  bool     `toml:"show_raw_agent_reasoning" default:"false"`
	History                History  `toml:"history"`
	TUI                    TUI      `toml:"tui"`
	FileOpener             string   `toml:"file_opener" enum:"vscode,vscode-insiders,windsurf,cursor,none" default:"vscode"`
	ShellTimeoutMsMax      int64    `toml:"shell_timeout_ms_max" default:"600000"`
	OSSProvider            string   `toml:"oss_provider" enum:"ollama,lmstudio" default:"ollama"`
	DisableResponseStorage bool     `toml:"disable_response_storage" default:"false"`
	// WebSearch is accepted for compatibility with Codex's SDK, which sets
	// it; kodex offers the model no web search tool.
	WebSearch string `toml:"web_search" enum:"disabled,cached,indexed,live" default:"disabled"`
	Tools     Tools  `toml:"tools"`
	// Features holds the Codex feature flags kodex has (unified_exec,
	// shell_tool, remote_compaction); the others are Codex settings kodex ignores with a
	// notice.
	Features Features `toml:"features"`

	// Provider is ModelProviders[ModelProvider], with its ID set.
	Provider ProviderInfo `toml:"-"`
	// Home is $KODEX_HOME; Cwd the working directory Load was given.
	Home string `toml:"-"`
	Cwd  string `toml:"-"`
	// UserFile is $KODEX_HOME/config.toml (it may not exist).
	UserFile string `toml:"-"`
	// Project describes the project around Cwd.
	Project ProjectInfo `toml:"-"`
	// Warnings are settings of the project file that were ignored because
	// a project may not set them or they would widen what the user's
	// configuration allows, each at its file and line. Callers show them;
	// they do not stop Load.
	Warnings []*FieldError `toml:"-"`

	settings []Setting
}

// ProviderInfo is a model provider: [model_providers.ID].
type ProviderInfo struct {
	ID                 string            `toml:"-"`
	Name               string            `toml:"name"`
	BaseURL            string            `toml:"base_url"`
	EnvKey             string            `toml:"env_key"` // the variable holding the API key; "" for none
	EnvKeyInstructions string            `toml:"env_key_instructions"`
	WireAPI            string            `toml:"wire_api" enum:"responses,chat" default:"responses"`
	QueryParams        map[string]string `toml:"query_params,secret"`
	HTTPHeaders        map[string]string `toml:"http_headers,secret"`
	// EnvHTTPHeaders maps a header to the environment variable holding its
	// value; unset variables send no header.
	EnvHTTPHeaders      map[string]string `toml:"env_http_headers"`
	RequestMaxRetries   int               `toml:"request_max_retries" default:"4"`
	StreamMaxRetries    int               `toml:"stream_max_retries" default:"5"`
	StreamIdleTimeoutMs int64             `toml:"stream_idle_timeout_ms" default:"300000"`
	// RequiresOpenAIAuth: the key `kodex login` stores (and KODEX_API_KEY,
	// CODEX_API_KEY) apply to this provider when its env_key is unset (as
	// in Codex; the built-in openai provider sets it).
	RequiresOpenAIAuth bool `toml:"requires_openai_auth" default:"false"`
}

// Wire APIs a provider may speak.
const (
	WireResponses = "responses"
	WireChat      = "chat"
)

// SandboxWorkspaceWrite refines the workspace-write sandbox mode.
type SandboxWorkspaceWrite struct {
	WritableRoots []string `toml:"writable_roots,path"`
	NetworkAccess bool     `toml:"network_access" default:"false"`
	// ExcludeTmpdirEnvVar and ExcludeSlashTmp are accepted from Codex
	// configs; kodex never makes the shared /tmp or $TMPDIR writable (each
	// command gets a private temp dir), so they change nothing.
	ExcludeTmpdirEnvVar bool     `toml:"exclude_tmpdir_env_var" default:"false"`
	ExcludeSlashTmp     bool     `toml:"exclude_slash_tmp" default:"false"`
	AllowGitWrites      bool     `toml:"allow_git_writes" default:"true"`
	DenyRead            []string `toml:"deny_read,path"`
}

// ShellEnvironmentPolicy decides the environment commands run with.
type ShellEnvironmentPolicy struct {
	Inherit               string            `toml:"inherit" enum:"all,core,none" default:"core"`
	IgnoreDefaultExcludes bool              `toml:"ignore_default_excludes" default:"false"`
	Exclude               []string          `toml:"exclude,glob"`
	IncludeOnly           []string          `toml:"include_only,glob"`
	Set                   map[string]string `toml:"set,secret"`
	// Allow lists secret-looking variable names that are passed anyway.
	Allow []string `toml:"allow,glob"`
}

// ProjectConfig is [projects."/abs/path"].
type ProjectConfig struct {
	TrustLevel string `toml:"trust_level" enum:"trusted,untrusted"`
}

// Trust levels.
const (
	Trusted   = "trusted"
	Untrusted = "untrusted"
)

// MCPServer is [mcp_servers.NAME]: a stdio server (Command) or a
// streamable HTTP one (URL), with Codex's keys. Transport keys of the other
// kind are an error (see loader.finish).
type MCPServer struct {
	// stdio
	Command string            `toml:"command"`
	Args    []string          `toml:"args"`
	Env     map[string]string `toml:"env,secret"`
	// EnvVars names variables forwarded from kodex's environment.
	EnvVars []string `toml:"env_vars"`
	Cwd     string   `toml:"cwd"`
	// streamable HTTP
	URL               string            `toml:"url"`
	BearerTokenEnvVar string            `toml:"bearer_token_env_var"`
	HTTPHeaders       map[string]string `toml:"http_headers,secret"`
	// EnvHTTPHeaders maps a header to the variable holding its value.
	EnvHTTPHeaders map[string]string `toml:"env_http_headers"`
	// Scopes are the OAuth scopes kodex mcp login asks for, instead of
	// those the server names (its --scopes overrides them).
	Scopes []string `toml:"scopes"`
	// OAuth describes a client registered with the server's
	// authorization server beforehand; without one kodex registers itself.
	OAuth MCPOAuth `toml:"oauth"`

	Enabled  bool `toml:"enabled" default:"true"`
	Required bool `toml:"required"`
	// StartupTimeoutMs, when set, is used instead of StartupTimeoutSec.
	StartupTimeoutSec float64  `toml:"startup_timeout_sec" default:"10"`
	StartupTimeoutMs  int64    `toml:"startup_timeout_ms"`
	ToolTimeoutSec    float64  `toml:"tool_timeout_sec" default:"60"`
	EnabledTools      []string `toml:"enabled_tools"`
	DisabledTools     []string `toml:"disabled_tools"`
}

// MCPOAuth is [mcp_servers.NAME.oauth]: an OAuth client registered
// beforehand, for kodex mcp login.
type MCPOAuth struct {
	ClientID string `toml:"client_id"`
	// ClientSecretEnvVar names the variable holding a confidential
	// client's secret (kodex's key; Codex's clients are public).
	ClientSecretEnvVar string `toml:"client_secret_env_var"`
	// CallbackURL is the redirect URI registered for the client, a
	// loopback http URL with its port (default: a random port, /callback).
	CallbackURL string `toml:"callback_url"`
}

// History is the [history] table.
type History struct {
	Persistence string `toml:"persistence" enum:"save-all,none" default:"save-all"`
	MaxBytes    int64  `toml:"max_bytes"` // 0: unlimited
}

// TUI is the [tui] table.
type TUI struct {
	AlternateScreen bool `toml:"alternate_screen" default:"false"`
	Notifications   bool `toml:"notifications" default:"false"`
}

// Tools is the [tools] table.
type Tools struct {
	ViewImage bool `toml:"view_image" default:"true"`
	WebSearch bool `toml:"web_search" default:"false"`
	// MaxLiveProcesses bounds the processes exec_command keeps running
	// per session; starting one more ends the one idle longest.
	MaxLiveProcesses int `toml:"max_live_processes" default:"8"`
}

// Features is the [features] table (Codex's feature flags, --enable and
// --disable).
type Features struct {
	// UnifiedExec offers exec_command + write_stdin to every model, as
	// Codex 0.169 does; false offers the model family's own shell tool
	// instead (model.ShellToolFor: shell_command or shell).
	UnifiedExec bool `toml:"unified_exec" default:"true"`
	// ShellTool false offers no shell tool at all, as in Codex.
	ShellTool bool `toml:"shell_tool" default:"true"`
	// RemoteCompaction lets a provider that offers server-side compaction
	// compact the conversation (see ProviderInfo.ServerCompaction), as
	// Codex's flag of this name did; false: kodex summarises locally on
	// every provider.
	RemoteCompaction bool `toml:"remote_compaction" default:"true"`
}

// ProjectInfo describes the project around the working directory.
type ProjectInfo struct {
	// Root is the nearest ancestor of Cwd (or Cwd) holding .git, else Cwd;
	// when Cwd is a symlink, the ancestors of its real path are searched too.
	Root string
	// Trust is the trust_level recorded in [projects] for Root itself
	// (compared after resolving symlinks), or "" if the user has not
	// answered for this root: entries for its parents or subdirectories do
	// not count. Untrusted means the user answered no; do not ask again.
	Trust string
	// TrustedBy is the [projects] key that decided Trust.
	TrustedBy string
	// Files holds <Root>/.kodex/config.toml when it was loaded (trusted
	// projects only). A .kodex below the root is never read.
	Files []string
}

// Setting is one effective configuration value, for `kodex config show`.
type Setting struct {
	Key    string `json:"key"`    // dotted TOML key
	Value  string `json:"value"`  // rendered as TOML; secret-looking map values are masked
	Origin string `json:"origin"` // "default", "/path/config.toml:12", "-c key=value", ...
}

// Settings returns every effective setting, sorted by key.
func (c *Config) Settings() []Setting {
	return append([]Setting(nil), c.settings...)
}

// Origin returns where the effective value of a dotted key came from, or ""
// if no layer or default sets it.
func (c *Config) Origin(key string) string {
	for _, s := range c.settings {
		if s.Key == key {
			return s.Origin
		}
	}
	return ""
}
