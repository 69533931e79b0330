package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// fixture is a home and a git repository with a subdirectory as cwd.
type fixture struct {
	home, repo, cwd string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	root := t.TempDir()
	f := fixture{home: filepath.Join(root, "home"), repo: filepath.Join(root, "repo")}
	f.cwd = filepath.Join(f.repo, "sub")
	if err := os.MkdirAll(filepath.Join(f.repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(f.cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(f.home, 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) userFile() string    { return filepath.Join(f.home, "config.toml") }
func (f fixture) projectFile() string { return filepath.Join(f.repo, ".kodex", "config.toml") }

func (f fixture) opts() Options {
	return Options{Home: f.home, Cwd: f.cwd, Getenv: envOf(map[string]string{"HOME": "/home/u"})}
}

func mustLoad(t *testing.T, opts Options) *Config {
	t.Helper()
	c, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := mustLoad(t, f.opts())
	type got struct {
		Model, Provider, BaseURL, WireAPI string
		Approval                          protocol.ApprovalPolicy
		Sandbox                           protocol.SandboxMode
		Retries, StreamRetries            int
		Idle                              int64
		DocMax, ShellMax                  int64
		AllowGit                          bool
		Inherit                           string
		Providers                         []string
	}
	want := got{
		Model: "gpt-5.1-codex", Provider: "openai", BaseURL: "https://api.openai.com/v1", WireAPI: "responses",
		Approval: protocol.ApprovalOnRequest, Sandbox: protocol.SandboxWorkspaceWrite,
		Retries: 4, StreamRetries: 5, Idle: 300000, DocMax: 32768, ShellMax: 600000,
		AllowGit: true, Inherit: "core", Providers: []string{"lmstudio", "ollama", "openai"},
	}
	g := got{
		c.Model, c.Provider.ID, c.Provider.BaseURL, c.Provider.WireAPI, c.ApprovalPolicy, c.SandboxMode,
		c.Provider.RequestMaxRetries, c.Provider.StreamMaxRetries, c.Provider.StreamIdleTimeoutMs,
		c.ProjectDocMaxBytes, c.ShellTimeoutMsMax, c.SandboxWorkspaceWrite.AllowGitWrites,
		c.ShellEnvironmentPolicy.Inherit, sortedKeys(c.ModelProviders),
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("defaults mismatch (-want +got):\n%s", diff)
	}
	if o := c.Origin("model"); o != "default" {
		t.Errorf("origin of model = %q, want default", o)
	}
	if c.Project.Root != f.repo {
		t.Errorf("project root = %q, want %q", c.Project.Root, f.repo)
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		user       string
		project    string
		opts       func(*Options)
		wantModel  string
		wantOrigin string // with {user} and {project} replaced
	}{
		{name: "default", wantModel: "gpt-5.1-codex", wantOrigin: "default"},
		{name: "user beats default", user: "\nmodel = \"u\"\n", wantModel: "u", wantOrigin: "{user}:2"},
		{
			name: "project beats user", user: "model = \"u\"\n[projects.\"{repo}\"]\ntrust_level = \"trusted\"\n",
			project: "model = \"p\"\n", wantModel: "p", wantOrigin: "project {project}:1",
		},
		{
			name:    "profile beats project",
			user:    "model = \"u\"\nprofile = \"fast\"\n[profiles.fast]\nmodel = \"f\"\n[projects.\"{repo}\"]\ntrust_level = \"trusted\"\n",
			project: "model = \"p\"\n", wantModel: "f", wantOrigin: "profile fast ({user}:4)",
		},
		{
			name: "-c beats profile", user: "profile = \"fast\"\n[profiles.fast]\nmodel = \"f\"\n",
			opts:      func(o *Options) { o.Overrides = []string{"model=c"} },
			wantModel: "c", wantOrigin: "-c model=c",
		},
		{
			name:      "later -c beats earlier",
			opts:      func(o *Options) { o.Overrides = []string{"model=one", `model="two"`} },
			wantModel: "two", wantOrigin: `-c model="two"`,
		},
		{
			name: "flag beats -c",
			opts: func(o *Options) {
				o.Overrides = []string{"model=c"}
				o.Flags = []FlagOverride{{Key: "model", Value: "m", Flag: "--model"}}
			},
			wantModel: "m", wantOrigin: "flag --model",
		},
		{
			name: "-p beats the profile key", user: "profile = \"a\"\n[profiles.a]\nmodel = \"a\"\n[profiles.b]\nmodel = \"b\"\n",
			opts:      func(o *Options) { o.Profile = "b" },
			wantModel: "b", wantOrigin: "profile b ({user}:5)",
		},
		{
			name: "-c edits a profile", user: "[profiles.a]\nmodel = \"a\"\n",
			opts:      func(o *Options) { o.Profile = "a"; o.Overrides = []string{"profiles.a.model=x"} },
			wantModel: "x", wantOrigin: "profile a (-c profiles.a.model=x)",
		},
		{
			name: "--oss beats profile", user: "model = \"u\"\n",
			opts:      func(o *Options) { o.OSS = true },
			wantModel: DefaultOSSModel, wantOrigin: "flag --oss",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r := strings.NewReplacer("{repo}", f.repo, "{user}", f.userFile(), "{project}", f.projectFile())
			if tt.user != "" {
				writeFile(t, f.userFile(), r.Replace(tt.user))
			}
			if tt.project != "" {
				writeFile(t, f.projectFile(), tt.project)
			}
			opts := f.opts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			c := mustLoad(t, opts)
			if c.Model != tt.wantModel {
				t.Errorf("model = %q, want %q", c.Model, tt.wantModel)
			}
			if got, want := c.Origin("model"), r.Replace(tt.wantOrigin); got != want {
				t.Errorf("origin = %q, want %q", got, want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		user      string
		overrides []string
		flags     []FlagOverride
		profile   string
		strict    bool     // --strict-config: unknown keys are errors
		want      []string // substrings; {user} is replaced
	}{
		{
			name: "unknown key with suggestion", strict: true, user: "# c\n\nmodle = \"x\"\n",
			want: []string{`{user}:3: unknown key "modle" (did you mean "model"?)`},
		},
		{
			name: "unknown nested key", strict: true, user: "[sandbox_workspace_write]\nnetwork_acess = true\n",
			want: []string{`{user}:2: unknown key "sandbox_workspace_write.network_acess" (did you mean "sandbox_workspace_write.network_access"?)`},
		},
		{
			name: "key at the wrong level", strict: true, user: "network_access = true\n",
			want: []string{`unknown key "network_access" (did you mean "sandbox_workspace_write.network_access"?)`},
		},
		{
			name: "no suggestion for far keys", strict: true, user: "zzzzzz = 1\n",
			want: []string{`{user}:1: unknown key "zzzzzz"`},
		},
		{
			name: "bad enum", user: "model = \"x\"\nsandbox_mode = \"workspace_write\"\n",
			want: []string{`{user}:2: unknown sandbox_mode "workspace_write" (want read-only, workspace-write or danger-full-access); did you mean "workspace-write"?`},
		},
		{
			name: "type error", user: "hide_agent_reasoning = \"yes\"\n",
			want: []string{`{user}:1: bad hide_agent_reasoning "yes" (want true or false)`},
		},
		{
			name: "int wanted", user: "[history]\nmax_bytes = \"big\"\n",
			want: []string{`{user}:2: bad history.max_bytes "big" (want a non-negative integer)`},
		},
		{
			name: "all problems reported", strict: true, user: "modle = 1\napproval_policy = \"sometimes\"\n[tui]\nalternate_screen = 3\n",
			want: []string{"{user}:1: unknown key", "{user}:2: unknown approval_policy", "{user}:4: bad tui.alternate_screen 3"},
		},
		{
			name: "syntax error", user: "model = \"x\"\nmodel_provider = \n",
			want: []string{"{user}:2: invalid TOML"},
		},
		{
			name: "duplicate key", user: "model = \"x\"\nmodel = \"y\"\n",
			want: []string{`{user}:2: duplicate key "model"`},
		},
		{
			name: "relative writable root", user: "[sandbox_workspace_write]\nwritable_roots = [\"rel\"]\n",
			want: []string{`{user}:2: bad sandbox_workspace_write.writable_roots "rel" (want an absolute path)`},
		},
		{
			name: "-c enum", overrides: []string{"sandbox_mode=workspace_write"},
			want: []string{`-c sandbox_mode=workspace_write: unknown sandbox_mode "workspace_write"`},
		},
		{
			name: "-c unknown key", strict: true, overrides: []string{"sandbox_workspace_write.network=true"},
			want: []string{`-c sandbox_workspace_write.network=true: unknown key "sandbox_workspace_write.network"`},
		},
		{
			name: "-c without =", overrides: []string{"model"},
			want: []string{"-c model: want key=value"},
		},
		{
			name: "-c bad key", overrides: []string{"a..b=1"},
			want: []string{`-c a..b=1: bad key "a..b"`},
		},
		{
			name: "flag enum", flags: []FlagOverride{{Key: "approval_policy", Value: "always", Flag: "--ask-for-approval"}},
			want: []string{`flag --ask-for-approval: unknown approval_policy "always"`},
		},
		{
			name: "unknown profile", user: "[profiles.fast]\nmodel = \"x\"\n", profile: "fats",
			want: []string{`flag --profile: unknown profile "fats" (did you mean "fast"?)`},
		},
		{
			name: "profile key in file", user: "profile = \"nope\"\n",
			want: []string{`{user}:1: unknown profile "nope" (no [profiles] are defined)`},
		},
		{
			name: "excluded key in profile", user: "[profiles.fast.mcp_servers.x]\ncommand = \"y\"\n",
			want: []string{`{user}:1: profiles.fast.mcp_servers cannot be set in a profile`},
		},
		{
			name: "unknown provider", user: "model_provider = \"opnai\"\n",
			want: []string{`{user}:1: unknown model_provider "opnai" (want lmstudio, ollama or openai); did you mean "openai"?`},
		},
		{
			name: "provider without base_url", user: "model_provider = \"x\"\n[model_providers.x]\nname = \"X\"\n",
			want: []string{`{user}:2: model provider "x" has no base_url`},
		},
		{
			name: "mcp without transport", user: "[mcp_servers.docs]\nargs = [\"a\"]\n",
			want: []string{`{user}:1: MCP server "docs" needs either command (stdio) or url (streamable HTTP)`},
		},
		{
			name: "mcp stdio with url keys", user: "[mcp_servers.docs]\ncommand = \"d\"\nbearer_token_env_var = \"T\"\n",
			want: []string{`{user}:3: bearer_token_env_var is not supported for stdio MCP servers (server "docs")`},
		},
		{
			name: "mcp http with stdio keys", user: "[mcp_servers.web]\nurl = \"http://x\"\n\nenv_vars = [\"A\"]\n",
			want: []string{`{user}:4: env_vars is not supported for streamable HTTP MCP servers (server "web")`},
		},
		{
			name: "mcp stdio with oauth", user: "[mcp_servers.docs]\ncommand = \"d\"\n[mcp_servers.docs.oauth]\nclient_id = \"c\"\n",
			want: []string{`{user}:3: oauth is not supported for stdio MCP servers (server "docs")`},
		},
		{
			name: "mcp both timeouts", user: "[mcp_servers.docs]\ncommand = \"d\"\nstartup_timeout_sec = 1\nstartup_timeout_ms = 5\n",
			want: []string{`{user}:4: set startup_timeout_sec or startup_timeout_ms, not both`},
		},
		{
			name: "relative project key", user: "[projects.rel]\ntrust_level = \"trusted\"\n",
			want: []string{`bad projects key "rel" (want an absolute path)`},
		},
		{
			name: "bad glob", user: "[shell_environment_policy]\nexclude = [\"[AWS\"]\n",
			want: []string{`bad shell_environment_policy.exclude pattern "[AWS"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			writeFile(t, f.userFile(), tt.user)
			opts := f.opts()
			opts.Overrides, opts.Flags, opts.Profile, opts.Strict = tt.overrides, tt.flags, tt.profile, tt.strict
			_, err := Load(opts)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "{user}", f.userFile())
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %v is not a *FieldError", err)
			}
		})
	}
}

func TestEnumTagsMatchProtocol(t *testing.T) {
	t.Parallel()
	ct := reflect.TypeFor[Config]()
	check := func(field string, want []string) {
		sf, _ := ct.FieldByName(field)
		if diff := cmp.Diff(want, strings.Split(sf.Tag.Get("enum"), ",")); diff != "" {
			t.Errorf("%s enum mismatch (-protocol +tag):\n%s", field, diff)
		}
	}
	var ap, sm []string
	for _, p := range protocol.ApprovalPolicies {
		ap = append(ap, string(p))
	}
	for _, m := range protocol.SandboxModes {
		sm = append(sm, string(m))
	}
	check("ApprovalPolicy", ap)
	check("SandboxMode", sm)
}

func TestFullConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.userFile(), `
model = "o3"
model_provider = "azure"
model_reasoning_effort = "high"
notify = ["notify-send", "kodex"]
project_doc_fallback_filenames = ["CLAUDE.md"]

[model_providers.azure]
name = "Azure"
base_url = "https://x.openai.azure.com/openai"
env_key = "AZURE_KEY"
wire_api = "responses"
query_params = { api-version = "2025-04-01-preview" }
http_headers = { "X-Team" = "a", Authorization = "Bearer s3cret" }
env_http_headers = { "X-Org" = "ORG_ID", "X-Missing" = "NOPE" }
stream_idle_timeout_ms = 1000

[sandbox_workspace_write]
writable_roots = ["~/scratch", "/data"]
network_access = true
exclude_slash_tmp = true
deny_read = ["/secrets"]

[shell_environment_policy]
inherit = "core"
set = { FOO = "bar" }
allow = ["GITHUB_*"]

[mcp_servers.docs]
command = "docs-mcp"
args = ["--stdio"]
env = { API_TOKEN = "t" }
tool_timeout_sec = 2.5

[mcp_servers.web]
url = "https://mcp.example.com"
enabled = false
scopes = ["read", "write"]
oauth = { client_id = "kodex-cli", client_secret_env_var = "WEB_SECRET", callback_url = "http://127.0.0.1:8765/cb" }
`)
	c := mustLoad(t, Options{Home: f.home, Cwd: f.cwd, Getenv: envOf(map[string]string{"HOME": "/home/u", "TMPDIR": "/var/tmp/x"})})
	r := c.ResolveProvider(envOf(map[string]string{"AZURE_KEY": "k", "ORG_ID": "org"}), nil)
	if r.APIKey != "k" || r.ID != "azure" || r.WireAPI != "responses" || r.StreamIdleTimeout().Milliseconds() != 1000 {
		t.Errorf("resolved provider = %+v", r)
	}
	wantHeaders := map[string]string{"X-Team": "a", "Authorization": "Bearer s3cret", "X-Org": "org"}
	if diff := cmp.Diff(wantHeaders, r.Headers); diff != "" {
		t.Errorf("headers mismatch (-want +got):\n%s", diff)
	}
	if _, ok := c.Provider.HTTPHeaders["X-Org"]; ok {
		t.Error("ResolveProvider modified the config")
	}
	if c.ReasoningEffort != "high" || c.ShellEnvironmentPolicy.Inherit != "core" || c.MCPServers["web"].Enabled || !c.MCPServers["docs"].Enabled {
		t.Errorf("config = %+v", c)
	}
	wantOAuth := MCPOAuth{ClientID: "kodex-cli", ClientSecretEnvVar: "WEB_SECRET", CallbackURL: "http://127.0.0.1:8765/cb"}
	if web := c.MCPServers["web"]; web.OAuth != wantOAuth || !slices.Equal(web.Scopes, []string{"read", "write"}) {
		t.Errorf("web's OAuth = %+v, scopes %q", web.OAuth, web.Scopes)
	}
	if got := c.MCPServers["docs"].ToolTimeout().Milliseconds(); got != 2500 {
		t.Errorf("tool timeout = %dms", got)
	}
	// The policy itself is internal/policy's; config holds the settings.
	wantSW := SandboxWorkspaceWrite{WritableRoots: []string{"/home/u/scratch", "/data"}, NetworkAccess: true, ExcludeSlashTmp: true, AllowGitWrites: true, DenyRead: []string{"/secrets"}}
	if diff := cmp.Diff(wantSW, c.SandboxWorkspaceWrite); diff != "" {
		t.Errorf("sandbox_workspace_write mismatch (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := c.WriteShow(&buf, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, w := range []string{
		`model_providers.azure.http_headers.Authorization = "****"`,
		`model_providers.azure.http_headers.X-Team = "a"`,
		`mcp_servers.docs.env.API_TOKEN = "****"`,
		`sandbox_workspace_write.writable_roots = ["/home/u/scratch", "/data"]`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("show output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("show output leaks a secret:\n%s", out)
	}
}

func TestSandboxModes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, mode := range protocol.SandboxModes {
		c := mustLoad(t, Options{Home: f.home, Cwd: f.cwd, Overrides: []string{"sandbox_mode=" + string(mode)}, Getenv: envOf(nil)})
		if c.SandboxMode != mode {
			t.Errorf("mode = %q, want %q", c.SandboxMode, mode)
		}
	}
}

func TestOpenAIBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		user       string
		env        string
		overrides  []string
		want       string
		wantOrigin string
	}{
		{name: "default", want: "https://api.openai.com/v1", wantOrigin: "default"},
		{name: "env", env: "http://env/v1", want: "http://env/v1", wantOrigin: "env OPENAI_BASE_URL"},
		{name: "file beats env", env: "http://env/v1", user: "openai_base_url = \"http://file/v1\"\n", want: "http://file/v1", wantOrigin: "{user}:1"},
		{
			name: "-c beats provider table", user: "[model_providers.openai]\nbase_url = \"http://table/v1\"\n",
			overrides: []string{`openai_base_url="http://127.0.0.1:9/v1"`}, want: "http://127.0.0.1:9/v1",
			wantOrigin: `-c openai_base_url="http://127.0.0.1:9/v1"`,
		},
		{
			name: "provider table field by field", user: "[model_providers.openai]\nbase_url = \"http://table/v1\"\n",
			want: "http://table/v1", wantOrigin: "{user}:2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			writeFile(t, f.userFile(), tt.user)
			c := mustLoad(t, Options{Home: f.home, Cwd: f.cwd, Overrides: tt.overrides, Getenv: envOf(map[string]string{"OPENAI_BASE_URL": tt.env})})
			if c.Provider.BaseURL != tt.want {
				t.Errorf("base_url = %q, want %q", c.Provider.BaseURL, tt.want)
			}
			if c.Provider.EnvKey != "OPENAI_API_KEY" || c.Provider.Name != "OpenAI" {
				t.Errorf("other fields lost: %+v", c.Provider)
			}
			if got, want := c.Origin("model_providers.openai.base_url"), strings.ReplaceAll(tt.wantOrigin, "{user}", f.userFile()); got != want {
				t.Errorf("origin = %q, want %q", got, want)
			}
		})
	}
}

func TestOSS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.userFile(), "oss_provider = \"lmstudio\"\n")
	c := mustLoad(t, Options{Home: f.home, Cwd: f.cwd, OSS: true, Getenv: envOf(nil)})
	if c.ModelProvider != "lmstudio" || c.Provider.BaseURL != "http://localhost:1234/v1" || c.Model != DefaultOSSModel {
		t.Errorf("oss config: provider %q %q model %q", c.ModelProvider, c.Provider.BaseURL, c.Model)
	}
	if r := c.ResolveProvider(envOf(nil), nil); r.EnvKey != "" || r.APIKey != "" {
		t.Errorf("local provider wants a key: %+v", r)
	}
	c = mustLoad(t, Options{Home: f.home, Cwd: f.cwd, OSS: true, Overrides: []string{"model=qwen3"}, Getenv: envOf(nil)})
	if c.Model != "qwen3" {
		t.Errorf("-c model with --oss = %q", c.Model)
	}
}

func TestShow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.userFile(), "model = \"o3\"\n[tui]\nnotifications = true\n")
	c := mustLoad(t, Options{Home: f.home, Cwd: f.cwd, Overrides: []string{"model_context_window=1000"}, Getenv: envOf(nil)})
	settings := c.Settings()
	if !slices.IsSortedFunc(settings, func(a, b Setting) int { return strings.Compare(a.Key, b.Key) }) {
		t.Error("settings are not sorted")
	}
	pick := map[string]Setting{}
	for _, s := range settings {
		pick[s.Key] = s
	}
	want := map[string]Setting{
		"model":                {"model", `"o3"`, f.userFile() + ":1"},
		"tui.notifications":    {"tui.notifications", "true", f.userFile() + ":3"},
		"model_context_window": {"model_context_window", "1000", "-c model_context_window=1000"},
		"approval_policy":      {"approval_policy", `"on-request"`, "default"},
		"model_providers.ollama.base_url": {
			"model_providers.ollama.base_url", `"http://localhost:11434/v1"`, "default",
		},
	}
	for k, w := range want {
		if diff := cmp.Diff(w, pick[k]); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", k, diff)
		}
	}
	var text, js bytes.Buffer
	if err := c.WriteShow(&text, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "model = \"o3\"") || !strings.Contains(text.String(), "# "+f.userFile()+":1\n") {
		t.Errorf("text output:\n%s", text.String())
	}
	if err := c.WriteShow(&js, true); err != nil {
		t.Fatal(err)
	}
	var decoded struct{ Settings []Setting }
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(settings, decoded.Settings); diff != "" {
		t.Errorf("json settings mismatch (-text +json):\n%s", diff)
	}
}

func TestDefaultHome(t *testing.T) {
	t.Parallel()
	h, err := DefaultHome(envOf(map[string]string{"HOME": "/home/u"}))
	if err != nil || h != filepath.Join("/home/u", ".kodex") {
		t.Errorf("DefaultHome = %q, %v", h, err)
	}
	h, err = DefaultHome(envOf(map[string]string{"HOME": "/home/u", "KODEX_HOME": "/k"}))
	if err != nil || h != "/k" {
		t.Errorf("DefaultHome with KODEX_HOME = %q, %v", h, err)
	}
}

func TestUserFileIsNotAlsoTheProjectFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() // home is dir/.kodex, and dir is a trusted project
	home := filepath.Join(dir, ".kodex")
	writeFile(t, filepath.Join(home, "config.toml"), "model = \"u\"\n[projects.\""+dir+"\"]\ntrust_level = \"trusted\"\n")
	c := mustLoad(t, Options{Home: home, Cwd: dir, Getenv: envOf(nil)})
	if len(c.Project.Files) != 0 || c.Model != "u" {
		t.Errorf("project files %v, model %q", c.Project.Files, c.Model)
	}
}

func TestLoadOptionsErrors(t *testing.T) {
	t.Parallel()
	if _, err := Load(Options{Cwd: "/"}); err == nil {
		t.Error("no home: want error")
	}
	if _, err := Load(Options{Home: "/h", Cwd: "rel"}); err == nil {
		t.Error("relative cwd: want error")
	}
}

// TestUnknownKeysWarn: without --strict-config an unknown key is a warning
// (file:line, did-you-mean, said once) and the rest loads; a key Codex
// accepts that kodex does not support says so. A wrong value for a known
// key stays an error.
func TestUnknownKeysWarn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.userFile(), "modle = \"x\"\nmodel = \"o3\"\ncheck_for_update_on_startup = false\n[analytics]\nenabled = false\n[mcp_servers.docs]\nurl = \"http://d\"\noauth_resource = \"r\"\n[profiles.p]\nmodle = \"y\"\n")
	opts := f.opts()
	opts.Overrides = []string{"sandbox_workspace_write.network=true"}
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != "o3" {
		t.Errorf("model = %q, want o3", c.Model)
	}
	var got []string
	for _, w := range c.Warnings {
		got = append(got, strings.ReplaceAll(w.Error(), f.userFile(), "{user}"))
	}
	want := []string{
		`{user}:1: unknown key "modle" (did you mean "model"?); ignored (--strict-config makes this an error)`,
		`{user}:3: check_for_update_on_startup is a Codex setting kodex does not support (kodex does not check for updates); ignored`,
		`{user}:4: analytics is a Codex setting kodex does not support (kodex sends no telemetry); ignored`,
		`{user}:8: mcp_servers.docs.oauth_resource is a Codex setting kodex does not support (kodex sends the server's URL as the OAuth resource); ignored`,
		`{user}:10: unknown key "profiles.p.modle" (did you mean "profiles.p.model"?); ignored (--strict-config makes this an error)`,
		`-c sandbox_workspace_write.network=true: unknown key "sandbox_workspace_write.network"; ignored (--strict-config makes this an error)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	writeFile(t, f.userFile(), "approval_policy = \"sometimes\"\nmodle = 1\n")
	if _, err := Load(f.opts()); err == nil || !strings.Contains(err.Error(), `unknown approval_policy "sometimes"`) {
		t.Errorf("a bad value loaded: %v", err)
	}
}

// TestCodexForms: values Codex accepts for keys kodex types more narrowly
// load as their kodex equivalents.
func TestCodexForms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, user  string
		notify, alt bool
	}{
		{"notifications list", "[tui]\nnotifications = [\"agent-turn-complete\"]\n", true, false},
		{"empty list", "[tui]\nnotifications = []\n", false, false},
		{"alternate screen never", "[tui]\nalternate_screen = \"never\"\n", false, false},
		{"alternate screen always", "[tui]\nalternate_screen = \"always\"\n", false, true},
		{"in a profile", "profile = \"p\"\n[profiles.p.tui]\nalternate_screen = \"always\"\n", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			writeFile(t, f.userFile(), tt.user)
			c, err := Load(f.opts())
			if err != nil {
				t.Fatal(err)
			}
			if c.TUI.Notifications != tt.notify || c.TUI.AlternateScreen != tt.alt {
				t.Errorf("tui = %+v, want notifications %v alternate_screen %v", c.TUI, tt.notify, tt.alt)
			}
		})
	}
	f := newFixture(t)
	writeFile(t, f.userFile(), "[tui]\nalternate_screen = \"sometimes\"\n")
	if _, err := Load(f.opts()); err == nil {
		t.Error("an unknown alternate_screen value loaded")
	}
}

// TestCodexUserConfigLoads: a Codex user's config.toml loads as it is: the
// keys kodex implements take effect, the others are notices, none is an
// error.
func TestCodexUserConfigLoads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b, err := os.ReadFile("testdata/codex-user.toml")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, f.userFile(), string(b))
	c, err := Load(f.opts())
	if err != nil {
		t.Fatalf("a Codex config does not load: %v", err)
	}
	if c.ReasoningEffort != "max" || c.WebSearch != "indexed" || !c.TUI.Notifications || c.TUI.AlternateScreen || !c.SandboxWorkspaceWrite.NetworkAccess {
		t.Errorf("implemented keys: effort %q web_search %q tui %+v network %v", c.ReasoningEffort, c.WebSearch, c.TUI, c.SandboxWorkspaceWrite.NetworkAccess)
	}
	var unknown []string
	for _, w := range c.Warnings {
		if !strings.Contains(w.Msg, "is a Codex setting kodex does not support") {
			unknown = append(unknown, w.Error())
		}
	}
	if len(unknown) > 0 {
		t.Errorf("keys Codex accepts reported as unknown:\n%s", strings.Join(unknown, "\n"))
	}
	if len(c.Warnings) < 12 {
		t.Errorf("only %d notices for the Codex-only keys", len(c.Warnings))
	}
	opts := f.opts()
	opts.Strict = true
	if _, err := Load(opts); err == nil {
		t.Error("--strict-config accepted keys kodex does not implement")
	}
}

// TestEveryCodexTopLevelKeyLoads: each top-level key of Codex 0.169 that
// kodex does not implement loads with a notice, whatever its value.
func TestEveryCodexTopLevelKeyLoads(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, fi := range fieldsOf(reflect.TypeFor[Config]()) {
		known[fi.name] = true
	}
	var b strings.Builder
	n := 0
	for _, k := range codexKeys {
		if strings.Contains(k, ".") || known[k] {
			continue
		}
		fmt.Fprintf(&b, "%s = 1\n", k)
		n++
	}
	f := newFixture(t)
	writeFile(t, f.userFile(), b.String())
	c, err := Load(f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != n {
		t.Errorf("%d notices for %d Codex-only keys", len(c.Warnings), n)
	}
	for _, w := range c.Warnings {
		if !strings.Contains(w.Msg, "is a Codex setting kodex does not support") {
			t.Errorf("not a Codex notice: %v", w)
		}
	}
}

// TestProfileFile: -p NAME with no [profiles.NAME] table reads Codex's
// profile file form, $KODEX_HOME/NAME.config.toml, as a whole layer over
// config.toml (any key, not only a profile's); [profiles.NAME] still wins
// where it exists.
func TestProfileFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.userFile(), "model = \"base\"\napproval_policy = \"never\"\n[profiles.inline]\nmodel = \"inline\"\n")
	writeFile(t, filepath.Join(f.home, "work.config.toml"), "model = \"from-file\"\n[sandbox_workspace_write]\nnetwork_access = true\n")
	writeFile(t, filepath.Join(f.home, "inline.config.toml"), "model = \"not-used\"\n")
	for _, tt := range []struct{ profile, model string }{{"work", "from-file"}, {"inline", "inline"}} {
		opts := f.opts()
		opts.Profile = tt.profile
		c, err := Load(opts)
		if err != nil {
			t.Fatalf("-p %s: %v", tt.profile, err)
		}
		if c.Model != tt.model || c.Profile != tt.profile || c.ApprovalPolicy != "never" {
			t.Errorf("-p %s: model %q profile %q approval %q", tt.profile, c.Model, c.Profile, c.ApprovalPolicy)
		}
		if tt.profile == "work" {
			if !c.SandboxWorkspaceWrite.NetworkAccess {
				t.Error("a top-level table of the profile file was not applied")
			}
			if o := c.Origin("model"); !strings.Contains(o, "work.config.toml:1") {
				t.Errorf("model comes from %q, want the profile file", o)
			}
		}
	}
	opts := f.opts()
	opts.Profile = "missing"
	if _, err := Load(opts); err == nil || !strings.Contains(err.Error(), `unknown profile "missing"`) {
		t.Errorf("a missing profile: %v", err)
	}
}

// TestIgnoreUserFile: --ignore-user-config loads defaults, -c and flags
// only; the user's file is not read even when it is broken.
func TestIgnoreUserFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.userFile(), "model = \"from-file\"\napproval_policy = \"sometimes\"\n")
	opts := f.opts()
	opts.IgnoreUserFile = true
	opts.Overrides = []string{"model_verbosity=low"}
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != DefaultModel || c.Verbosity != "low" {
		t.Errorf("model %q verbosity %q, want the default and the -c value", c.Model, c.Verbosity)
	}
}
