// Package session owns the session lifecycle every frontend shares: a
// Runtime (the loaded configuration, the one model client, the starting
// policy, the sandbox probe, kodex's instructions) opens sessions — new,
// resumed, forked, ephemeral — each with its own tools, MCP servers,
// rollout and agent actor; List, Read, Archive and Delete work on the
// recorded ones. One process may hold many sessions of one Runtime at once
// (the app server's threads), all sharing its model client.
//
// It does not parse flags, print, or choose exit codes: internal/cli loads
// the configuration, hands it in through Options, and maps the typed errors
// (ConfigError, NotFoundError) to exit codes. Frontends never import it;
// internal/cli adapts a Session to each frontend's small interface.
package session

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/openai"
	"github.com/kodex-cli/kodex/internal/policy"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/version"
)

// ConfigError is a configuration that cannot be used (exit code: config).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// NotFoundError is a session asked for by id or --last that is not
// recorded; Msg says what to do (exit code: usage).
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Options are what a Runtime is built from.
type Options struct {
	// Config is the loaded configuration; Cwd the working directory it was
	// loaded for (absolute); AddDirs the extra writable roots (absolute).
	Config  *config.Config
	Cwd     string
	AddDirs []string
	// Headless: nobody at a terminal answers approvals (kodex exec, the
	// MCP and app servers): the starting policy is chosen for that.
	Headless bool
	// Client, if set, is the model client to share (else one is built
	// from the configuration's provider).
	Client model.Client
	// The outside world; nil ones default to the process's.
	Getenv     func(string) string
	Environ    func() []string
	Executable func() (string, error)
	Now        func() time.Time
	Logger     *slog.Logger
}

// Runtime is everything a session needs that comes from the
// configuration. Its fields are read by the sessions it opens; set them
// before opening any (SetTrust is the one change made while sessions run).
type Runtime struct {
	Config  *config.Config
	Cwd     string
	Home    string
	AddDirs []string
	// Start is what chose the sessions' starting mode and approval policy;
	// Approval and Sandbox are what it chose, Sandbox resolved for Cwd.
	Start    policy.Start
	Approval protocol.ApprovalPolicy
	Sandbox  protocol.SandboxPolicy
	Client   model.Client
	// Instructions are the base instructions: kodex's own, or the text of
	// model_instructions_file.
	Instructions string

	env    Options
	mu     sync.Mutex
	probes map[bool]func() (string, error)
}

// NewRuntime chooses the starting policy, starts probing the sandbox in
// the background, and builds (or takes) the model client.
func NewRuntime(opts Options) (*Runtime, error) {
	opts = withDefaults(opts)
	rt := &Runtime{Config: opts.Config, Cwd: opts.Cwd, Home: opts.Config.Home, AddDirs: opts.AddDirs, env: opts}
	var err error
	if rt.Instructions, err = baseInstructions(rt.Config.ModelInstructionsFile); err != nil {
		return nil, err
	}
	rt.InitPolicy(opts.Headless)
	rt.probe(rt.Sandbox)
	rt.Client = opts.Client
	if rt.Client == nil {
		if rt.Client, err = rt.modelClient(); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// NewPolicyRuntime is a Runtime that only decides policy (no model
// client, no probe): for commands and tests that ask what a session would
// start with.
func NewPolicyRuntime(opts Options) *Runtime {
	opts = withDefaults(opts)
	rt := &Runtime{Config: opts.Config, Cwd: opts.Cwd, Home: opts.Config.Home, AddDirs: opts.AddDirs, env: opts}
	rt.InitPolicy(opts.Headless)
	return rt
}

func withDefaults(o Options) Options {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Environ == nil {
		o.Environ = os.Environ
	}
	if o.Executable == nil {
		o.Executable = os.Executable
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// maxInstructionsFile bounds model_instructions_file: it goes into every
// request.
const maxInstructionsFile = 1 << 20

// baseInstructions returns kodex's own instructions, or the text of path
// (model_instructions_file) when it is set.
func baseInstructions(path string) (string, error) {
	if path == "" {
		return prompt.Instructions(), nil
	}
	b, err := readFileMax(path, maxInstructionsFile)
	if err != nil {
		return "", &ConfigError{fmt.Errorf("model_instructions_file: %w", err)}
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", &ConfigError{fmt.Errorf("model_instructions_file: %s is empty; remove the setting to use kodex's own instructions", path)}
	}
	return string(b), nil
}

// InitPolicy chooses the sessions' starting approval policy and sandbox
// mode from flags, config and the project's trust, and resolves the mode.
func (rt *Runtime) InitPolicy(headless bool) {
	rt.Start = PolicyStart(rt.Config, headless)
	rt.ApplyStart()
}

// ApplyStart sets the starting approval policy and sandbox of the sessions
// this runtime opens from rt.Start.
func (rt *Runtime) ApplyStart() {
	mode, approval := policy.Initial(rt.Start)
	rt.Approval, rt.Sandbox = approval, rt.ResolvePolicy(mode, rt.Cwd)
}

// PolicyStart reads from the configuration what decides a session's
// starting mode and approval policy: the values, whether any flag or layer
// set them (config provenance), and the project's recorded trust.
func PolicyStart(cfg *config.Config, headless bool) policy.Start {
	trust := policy.TrustUndecided
	switch cfg.Project.Trust {
	case config.Trusted:
		trust = policy.Trusted
	case config.Untrusted:
		trust = policy.Untrusted
	}
	return policy.Start{
		Mode:        cfg.SandboxMode,
		ModeSet:     setExplicitly(cfg, "sandbox_mode"),
		Approval:    cfg.ApprovalPolicy,
		ApprovalSet: setExplicitly(cfg, "approval_policy"),
		Headless:    headless,
		Trust:       trust,
	}
}

// setExplicitly reports whether a flag, a -c override, a profile or a
// config file set key, rather than its built-in default.
func setExplicitly(cfg *config.Config, key string) bool {
	o := cfg.Origin(key)
	return o != "" && o != "default"
}

// PolicyConfig is what the configuration says about the sandbox.
func PolicyConfig(cfg *config.Config) policy.Config {
	sw := cfg.SandboxWorkspaceWrite
	return policy.Config{
		WritableRoots:  sw.WritableRoots,
		NetworkAccess:  sw.NetworkAccess,
		AllowGitWrites: sw.AllowGitWrites,
		DenyRead:       sw.DenyRead,
	}
}

// ResolvePolicy is the complete sandbox policy for mode in cwd: the one
// resolver of every session of this runtime, at start and whenever a
// frontend changes the mode or the cwd.
func (rt *Runtime) ResolvePolicy(mode protocol.SandboxMode, cwd string) protocol.SandboxPolicy {
	return policy.Resolve(policy.Input{Mode: mode, Cwd: cwd, ExtraRoots: rt.AddDirs, Config: PolicyConfig(rt.Config)})
}

// modelClient builds the client for the selected provider.
func (rt *Runtime) modelClient() (model.Client, error) {
	auth, err := config.ReadAuth(rt.Home)
	if err != nil {
		return nil, &ConfigError{err}
	}
	p := rt.Config.ResolveProvider(rt.env.Getenv, auth)
	c, err := openai.New(openai.Options{
		ProviderID:         p.ID,
		ProviderName:       p.Name,
		BaseURL:            p.BaseURL,
		WireAPI:            p.WireAPI,
		APIKey:             p.APIKey,
		EnvKey:             p.EnvKey,
		EnvKeyInstructions: keyInstructions(p),
		RequiresKey:        p.EnvKey != "",
		QueryParams:        p.QueryParams,
		Headers:            p.Headers,
		RequestMaxRetries:  retries(p.RequestMaxRetries),
		StreamMaxRetries:   retries(p.StreamMaxRetries),
		StreamIdleTimeout:  p.StreamIdleTimeout(),
		Compaction:         rt.Config.ServerCompaction(),
		Originator:         originator(rt.env.Getenv),
		Version:            version.Version,
		Logger:             rt.env.Logger,
	})
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("model provider %q: %w", p.ID, err)}
	}
	return c, nil
}

// keyInstructions is what the missing-key error adds to "set VAR": the
// provider's env_key_instructions, and kodex login where the stored key
// applies.
func keyInstructions(p config.ResolvedProvider) string {
	if !p.UsesOpenAIAuth() {
		return p.EnvKeyInstructions
	}
	if p.EnvKeyInstructions == "" {
		return "or store one with kodex login --with-api-key"
	}
	return p.EnvKeyInstructions + "; or store one with kodex login --with-api-key"
}

// originator names the client in the originator header: kodex_exec, or
// what Codex's SDK asks for when it drives kodex.
func originator(getenv func(string) string) string {
	if o := getenv("CODEX_INTERNAL_ORIGINATOR_OVERRIDE"); o != "" {
		return o
	}
	return "kodex_exec"
}

// retries maps config's "0 retries" to the client's "none".
func retries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// ContextWindow is the configured model_context_window, else the known
// window of the model.
func ContextWindow(cfg *config.Config, modelName string) int64 {
	if cfg.ContextWindow > 0 {
		return cfg.ContextWindow
	}
	return model.KnownContextWindow(modelName)
}

// ContextWindow is the context window of the configured model.
func (rt *Runtime) ContextWindow() int64 { return ContextWindow(rt.Config, rt.Config.Model) }

// reasoningSummary is the summary asked of a reasoning model (the GPT-5
// family, o-series: by default, as Codex does) or of any model given an
// effort; other models are sent no reasoning parameters.
func (rt *Runtime) reasoningSummary(modelName string) string {
	if rt.Config.ReasoningSummary == "none" {
		return ""
	}
	if rt.Config.ReasoningEffort == "" && !model.Reasons(modelName) {
		return ""
	}
	return rt.Config.ReasoningSummary
}

// opening returns the function that builds the items opening every request:
// AGENTS.md and the environment context. They depend on the turn's cwd and
// policies only, so they are cached per combination: the request prefix
// stays byte-identical and the provider's prompt cache keeps working.
func (rt *Runtime) opening() func(agent.Settings) ([]model.Item, []string) {
	type opened struct {
		items    []model.Item
		warnings []string
	}
	var (
		mu    sync.Mutex
		cache = map[string]opened{}
	)
	now := rt.env.Now()
	return func(s agent.Settings) ([]model.Item, []string) {
		key, _ := json.Marshal([]any{s.Cwd, s.ApprovalPolicy, s.Sandbox})
		mu.Lock()
		defer mu.Unlock()
		if o, ok := cache[string(key)]; ok {
			return o.items, o.warnings
		}
		docs, warnings, _ := prompt.LoadProjectDocs(prompt.DocsOptions{
			Home: rt.Home, Cwd: s.Cwd, MaxBytes: projectDocMax(rt.Config.ProjectDocMaxBytes),
			FallbackFilenames: rt.Config.ProjectDocFallbackFilenames,
		})
		items := prompt.InitialItems(prompt.Initial{
			DeveloperInstructions: rt.Config.DeveloperInstructions,
			ProjectDocs:           docs,
			Env: prompt.EnvContext{
				Cwd: s.Cwd, ApprovalPolicy: s.ApprovalPolicy, Sandbox: s.Sandbox,
				Shell: prompt.ShellName(), Now: now, Timezone: prompt.LocalTimezone(),
			},
		})
		cache[string(key)] = opened{items, warnings}
		return items, warnings
	}
}

// projectDocMax maps Codex's project_doc_max_bytes (0 = off) to the prompt
// package's convention (negative = off).
func projectDocMax(n int64) int {
	if n <= 0 {
		return -1
	}
	return int(n)
}

// abs makes p absolute against base.
func abs(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// readFileMax reads a regular file of at most max bytes.
func readFileMax(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}
