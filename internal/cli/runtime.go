package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/kodex-cli/kodex/internal/agent"
	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/mcp"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/openai"
	"github.com/kodex-cli/kodex/internal/policy"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/tools/mcptool"
	"github.com/kodex-cli/kodex/internal/tools/viewimage"
	"github.com/kodex-cli/kodex/internal/version"
)

// kodexRuntime is everything a session needs that comes from the configuration.
type kodexRuntime struct {
	f    *Factory
	g    *GlobalOptions
	cfg  *config.Config
	cwd  string
	home string
	// addDirs are the --add-dir directories, absolute.
	addDirs []string
	// start is what chose the session's starting mode and approval policy;
	// approval and sandbox are what it chose, sandbox resolved for cwd.
	start    policy.Start
	approval protocol.ApprovalPolicy
	sandbox  protocol.SandboxPolicy
	client   model.Client
	// instructions are the base instructions: kodex's own, or the text of
	// model_instructions_file.
	instructions string
	// sandboxProbe reports the mechanism commands will run under. The
	// probe re-executes kodex, so it starts in the background as soon as
	// the policy is known and overlaps the rest of the session set-up.
	sandboxProbe func() (string, error)
}

// loadConfig resolves $KODEX_HOME, loads its .env, and loads the
// configuration with the global flags applied.
func loadConfig(f *Factory, g *GlobalOptions) (*config.Config, string, error) {
	home, err := config.DefaultHome(f.Getenv)
	if err != nil {
		return nil, "", &ConfigError{err}
	}
	vars, err := config.LoadDotEnv(home, f.Getenv)
	if err != nil {
		return nil, "", &ConfigError{err}
	}
	for k, v := range vars {
		if err := f.Setenv(k, v); err != nil {
			return nil, "", fmt.Errorf("applying %s from .env: %w", k, err)
		}
	}
	cwd, err := resolveCwd(f, g.Cd)
	if err != nil {
		return nil, "", err
	}
	flags, err := flagOverrides(g)
	if err != nil {
		return nil, "", err
	}
	cfg, err := config.Load(config.Options{
		Home:           home,
		Cwd:            cwd,
		Profile:        g.Profile,
		Overrides:      g.Overrides,
		Flags:          flags,
		OSS:            g.OSS,
		Strict:         g.StrictConfig,
		IgnoreUserFile: g.IgnoreUserConfig,
		Getenv:         f.Getenv,
	})
	if err != nil {
		return nil, "", &ConfigError{err}
	}
	// Unknown keys and the settings of the project file that were ignored
	// (they would widen what the user allowed): said before anything runs.
	for _, w := range cfg.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "kodex: warning: %v\n", w)
	}
	return cfg, cwd, nil
}

func resolveCwd(f *Factory, cd string) (string, error) {
	wd, err := f.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the working directory: %w", err)
	}
	if cd == "" {
		return wd, nil
	}
	if !filepath.IsAbs(cd) {
		cd = filepath.Join(wd, cd)
	}
	st, err := os.Stat(cd)
	if err != nil || !st.IsDir() {
		return "", &UsageError{Msg: fmt.Sprintf("-C %s: not a directory", cd)}
	}
	return filepath.Clean(cd), nil
}

// featureName reports whether s is a feature name (--enable, --disable):
// lower-case letters, digits and _.
func featureName(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// flagOverrides turns the global flags into the highest-precedence layer.
func flagOverrides(g *GlobalOptions) ([]config.FlagOverride, error) {
	var fl []config.FlagOverride
	add := func(key string, v any, flag string) {
		fl = append(fl, config.FlagOverride{Key: key, Value: v, Flag: flag})
	}
	if g.FullAuto && g.Yolo {
		return nil, &UsageError{Msg: "--full-auto and --dangerously-bypass-approvals-and-sandbox cannot be combined"}
	}
	if g.FullAuto {
		add("sandbox_mode", string(protocol.SandboxWorkspaceWrite), "--full-auto")
		add("approval_policy", string(protocol.ApprovalNever), "--full-auto")
	}
	if g.Yolo {
		add("sandbox_mode", string(protocol.SandboxDangerFullAccess), "--dangerously-bypass-approvals-and-sandbox")
		add("approval_policy", string(protocol.ApprovalNever), "--dangerously-bypass-approvals-and-sandbox")
	}
	for _, fs := range []struct {
		names []string
		on    bool
		flag  string
	}{{g.Enable, true, "--enable"}, {g.Disable, false, "--disable"}} {
		for _, n := range fs.names {
			if !featureName(n) {
				return nil, &UsageError{Msg: fmt.Sprintf("%s %q: a feature name is letters, digits and _ (see Codex's `codex features list`)", fs.flag, n)}
			}
			add("features."+n, fs.on, fs.flag+" "+n)
		}
	}
	if g.Model != "" {
		add("model", g.Model, "--model")
	}
	if g.Sandbox != "" {
		add("sandbox_mode", g.Sandbox, "--sandbox")
	}
	if g.Approval != "" {
		add("approval_policy", g.Approval, "--ask-for-approval")
	}
	return fl, nil
}

// newRuntime loads the configuration, chooses the session's starting
// sandbox mode and approval policy (headless: kodex exec, where nobody can
// answer an approval), and builds the model client.
func newRuntime(ctx context.Context, f *Factory, g *GlobalOptions, headless bool) (*kodexRuntime, error) {
	cfg, cwd, err := loadConfig(f, g)
	if err != nil {
		return nil, err
	}
	rt := &kodexRuntime{f: f, g: g, cfg: cfg, cwd: cwd, home: cfg.Home}
	if rt.instructions, err = baseInstructions(cfg.ModelInstructionsFile); err != nil {
		return nil, err
	}
	for _, d := range g.AddDirs {
		rt.addDirs = append(rt.addDirs, rt.abs(d))
	}
	rt.initPolicy(headless)
	rt.sandboxProbe = startProbe(f, rt.sandbox)
	client, err := rt.modelClient()
	if err != nil {
		return nil, err
	}
	rt.client = client
	return rt, nil
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

// initPolicy chooses the session's starting approval policy and sandbox
// mode from flags, config and the project's trust, and resolves the mode.
func (rt *kodexRuntime) initPolicy(headless bool) {
	rt.start = policyStart(rt.cfg, headless)
	rt.applyStart()
}

// applyStart sets the starting approval policy and sandbox of the sessions
// this runtime opens from rt.start.
func (rt *kodexRuntime) applyStart() {
	mode, approval := policy.Initial(rt.start)
	rt.approval, rt.sandbox = approval, rt.resolvePolicy(mode, rt.cwd)
}

// policyStart reads from the configuration what decides a session's
// starting mode and approval policy: the values, whether any flag or layer
// set them (config provenance), and the project's recorded trust.
func policyStart(cfg *config.Config, headless bool) policy.Start {
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

// policyConfig is what the configuration says about the sandbox.
func policyConfig(cfg *config.Config) policy.Config {
	sw := cfg.SandboxWorkspaceWrite
	return policy.Config{
		WritableRoots:  sw.WritableRoots,
		NetworkAccess:  sw.NetworkAccess,
		AllowGitWrites: sw.AllowGitWrites,
		DenyRead:       sw.DenyRead,
	}
}

// resolvePolicy is the complete sandbox policy for mode in cwd: the one
// resolver of every session of this process, at start and whenever a
// frontend changes the mode or the cwd.
func (rt *kodexRuntime) resolvePolicy(mode protocol.SandboxMode, cwd string) protocol.SandboxPolicy {
	return policy.Resolve(policy.Input{Mode: mode, Cwd: cwd, ExtraRoots: rt.addDirs, Config: policyConfig(rt.cfg)})
}

func (rt *kodexRuntime) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(rt.cwd, p)
}

// modelClient builds the client for the selected provider.
func (rt *kodexRuntime) modelClient() (model.Client, error) {
	auth, err := config.ReadAuth(rt.home)
	if err != nil {
		return nil, &ConfigError{err}
	}
	p := rt.cfg.ResolveProvider(rt.f.Getenv, auth)
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
		Originator:         originator(rt.f.Getenv),
		Version:            version.Version,
		Logger:             rt.f.Logger,
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

// sessionOptions choose between a new and a resumed session.
type sessionOptions struct {
	ephemeral bool
	// fork, with resume: a new session that starts with a copy of the
	// found session's conversation, recorded separately.
	fork        bool
	resume      bool
	resumeLast  bool
	resumeID    string
	interactive bool
	// approvals: a frontend other than the TUI answers approval requests
	// (the client of kodex mcp-server).
	approvals bool
}

// session is a started agent session plus what must be closed after it.
type session struct {
	*agent.Session
	id  string
	rec *rollout.Recorder
	tmp *sessionTmp
	// closeTools ends what the tools keep running (exec_command's
	// processes).
	closeTools func()
	// mcp runs the MCP servers; nil without any.
	mcp *mcp.Manager
	// history is the restored conversation of a resumed session.
	history []model.Item
	// notify runs the notify program; nil when none is configured.
	notify *notifier
}

func (s *session) Submit(ctx context.Context, op protocol.Op) (string, error) {
	id, err := s.Session.Submit(ctx, op)
	if ut, ok := op.(protocol.UserTurn); ok && err == nil && s.notify != nil {
		s.notify.submitted(id, ut)
	}
	return id, err
}

func (s *session) close() {
	if s.notify != nil {
		s.notify.close(s.Done())
	}
	if s.rec != nil {
		_ = s.rec.Close()
	}
	if s.closeTools != nil {
		s.closeTools()
	}
	s.mcp.Close()
	s.tmp.remove()
}

// newSession builds tools, the rollout and the agent, and starts it.
func (rt *kodexRuntime) newSession(ctx context.Context, so sessionOptions) (*session, error) {
	// kodex exec resume --last with no earlier session here starts a new
	// one, as Codex's exec does.
	if so.resume && so.resumeLast && !so.interactive {
		if _, err := rollout.Last(rt.home, rt.cwd); errors.Is(err, rollout.ErrNotFound) {
			fmt.Fprintf(rt.f.IO.ErrOut, "kodex: no earlier session in %s; starting a new one\n", rt.cwd)
			so.resume, so.resumeLast = false, false
		}
	}
	// The git metadata of a new rollout runs git three times; collect it
	// while the sandbox probe finishes.
	git := func() *rollout.GitInfo { return nil }
	if !so.resume && !so.ephemeral {
		git = sync.OnceValue(func() *rollout.GitInfo { return rollout.CollectGit(ctx, rt.cwd) })
		go func() { _ = git() }()
	}
	tmp := &sessionTmp{}
	mcps, err := rt.startMCP(ctx)
	if err != nil {
		return nil, err
	}
	router, mechanism, closeTools, err := buildTools(rt, tmp)
	if err != nil {
		mcps.Close()
		return nil, err
	}
	if mcps != nil {
		router = router.WithSets(mcptool.New(mcps))
	}
	var (
		history []model.Item
		usage   protocol.TokenUsage
		id      string
		rec     *rollout.Recorder
		// lastContext and contextAt: the last reported context size and the
		// history length then, for the compaction estimate.
		lastContext int64
		contextAt   int
		notices     []string
	)
	if so.resume {
		path, err := rt.findSession(so)
		if err != nil {
			return nil, err
		}
		loaded, err := rollout.Load(path)
		if err != nil {
			return nil, fmt.Errorf("loading session: %w", err)
		}
		history, id, usage = loaded.History, loaded.Meta.ID, loaded.Usage
		lastContext, contextAt = loaded.Context, loaded.ContextAt
		if n := len(loaded.Skipped); n > 0 {
			notices = append(notices, fmt.Sprintf("%d damaged line(s) of the transcript were left out (%s line %s); the conversation may miss what they held", n, path, joinInts(loaded.Skipped)))
		}
		switch {
		case so.fork:
			if id, rec, err = rt.forkRollout(so, loaded); err != nil {
				return nil, err
			}
			usage = protocol.TokenUsage{} // the new thread counts its own
		case !so.ephemeral:
			if rec, err = rollout.Open(path); err != nil {
				var le *rollout.LockedError
				if errors.As(err, &le) {
					return nil, fmt.Errorf("%w\nwait for it to end, or go on from a copy: kodex fork %s (kodex exec fork %s PROMPT)", err, id, id)
				}
				return nil, err
			}
		}
	} else {
		u, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("making a session id: %w", err)
		}
		id = u.String()
		if !so.ephemeral {
			rec, err = rollout.Create(rollout.Options{
				Home: rt.home, Cwd: rt.cwd, Model: rt.cfg.Model, Provider: rt.cfg.Provider.ID,
				Version: version.Version, Git: git(), ID: id,
			})
			if err != nil {
				return nil, err
			}
		}
	}
	opts := agent.Options{
		SessionID: id,
		Model:     rt.client,
		Tools:     router,
		Settings: agent.Settings{
			Model:            rt.cfg.Model,
			Provider:         rt.cfg.Provider.ID,
			ReasoningEffort:  rt.cfg.ReasoningEffort,
			ReasoningSummary: rt.reasoningSummary(),
			Verbosity:        rt.cfg.Verbosity,
			MaxOutputTokens:  rt.cfg.MaxOutputTokens,
			Cwd:              rt.cwd,
			ApprovalPolicy:   rt.approval,
			Sandbox:          rt.sandbox,
			SandboxMechanism: mechanism,
			ContextWindow:    rt.contextWindow(),
			AutoCompactLimit: rt.cfg.AutoCompactTokenLimit,
		},
		ResolvePolicy: rt.resolvePolicy,
		Instructions:  rt.instructions,
		Opening:       rt.opening(),
		History:       history,
		Usage:         usage,
		Context:       lastContext,
		ContextAt:     contextAt,
		Notices:       notices,
		Resumed:       so.resume,
		Interactive:   so.interactive || so.approvals,
		LoadImage:     viewimage.LoadImage,
		Logger:        rt.f.Logger,
	}
	if rec != nil {
		opts.Recorder = recorder{rec}
		opts.RolloutPath = rec.Path()
	}
	if mcps != nil {
		opts.Status = mcps.Watch
	}
	s := agent.New(opts)
	sess := &session{Session: s, id: id, rec: rec, tmp: tmp, closeTools: closeTools, history: history, mcp: mcps}
	if argv := rt.cfg.Notify; len(argv) > 0 {
		client := "kodex_exec"
		if so.interactive {
			client = "kodex_tui"
		}
		events, cancel := s.Subscribe(64)
		sess.notify = startNotifier(argv, client, rt.cwd, events, cancel)
	}
	s.Start(ctx)
	return sess, nil
}

// forkRollout makes the id and, unless ephemeral, the rollout of a new
// session forked from src: its meta names src, and src's conversation is
// its first lines.
func (rt *kodexRuntime) forkRollout(so sessionOptions, src *rollout.Session) (string, *rollout.Recorder, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return "", nil, fmt.Errorf("making a session id: %w", err)
	}
	if so.ephemeral {
		return u.String(), nil, nil
	}
	rec, err := rollout.Create(rollout.Options{
		Home: rt.home, Cwd: rt.cwd, Model: rt.cfg.Model, Provider: rt.cfg.Provider.ID,
		Version: version.Version, ID: u.String(), ForkedFrom: src.Meta.ID,
	})
	if err != nil {
		return "", nil, err
	}
	if err := rec.AppendItems(src.History...); err != nil {
		_ = rec.Close()
		return "", nil, fmt.Errorf("recording the forked conversation: %w", err)
	}
	return u.String(), rec, nil
}

// contextWindow is the configured model_context_window, else the known
// window of the model.
func (rt *kodexRuntime) contextWindow() int64 {
	if rt.cfg.ContextWindow > 0 {
		return rt.cfg.ContextWindow
	}
	return model.KnownContextWindow(rt.cfg.Model)
}

// reasoningSummary is the summary asked of a reasoning model (the GPT-5
// family, o-series: by default, as Codex does) or of any model given an
// effort; other models are sent no reasoning parameters.
func (rt *kodexRuntime) reasoningSummary() string {
	if rt.cfg.ReasoningSummary == "none" {
		return ""
	}
	if rt.cfg.ReasoningEffort == "" && !model.Reasons(rt.cfg.Model) {
		return ""
	}
	return rt.cfg.ReasoningSummary
}

func (rt *kodexRuntime) findSession(so sessionOptions) (string, error) {
	if so.resumeLast {
		path, err := rollout.Last(rt.home, rt.cwd)
		if errors.Is(err, rollout.ErrNotFound) {
			return "", &UsageError{Msg: fmt.Sprintf("no recorded session for %s; start one with kodex exec", rt.cwd)}
		}
		return path, err
	}
	path, err := rollout.Find(rt.home, so.resumeID)
	if errors.Is(err, rollout.ErrNotFound) {
		return "", &UsageError{Msg: fmt.Sprintf("no session %q; list them with kodex sessions list", so.resumeID)}
	}
	return path, err
}

// opening returns the function that builds the items opening every request:
// AGENTS.md and the environment context. They depend on the turn's cwd and
// policies only, so they are cached per combination: the request prefix
// stays byte-identical and the provider's prompt cache keeps working.
func (rt *kodexRuntime) opening() func(agent.Settings) ([]model.Item, []string) {
	type opened struct {
		items    []model.Item
		warnings []string
	}
	var (
		mu    sync.Mutex
		cache = map[string]opened{}
	)
	now := rt.f.Now()
	return func(s agent.Settings) ([]model.Item, []string) {
		key, _ := json.Marshal([]any{s.Cwd, s.ApprovalPolicy, s.Sandbox})
		mu.Lock()
		defer mu.Unlock()
		if o, ok := cache[string(key)]; ok {
			return o.items, o.warnings
		}
		docs, warnings, _ := prompt.LoadProjectDocs(prompt.DocsOptions{
			Home: rt.home, Cwd: s.Cwd, MaxBytes: projectDocMax(rt.cfg.ProjectDocMaxBytes),
			FallbackFilenames: rt.cfg.ProjectDocFallbackFilenames,
		})
		items := prompt.InitialItems(prompt.Initial{
			DeveloperInstructions: rt.cfg.DeveloperInstructions,
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

// recorder adapts a rollout.Recorder to the agent.
type recorder struct{ r *rollout.Recorder }

func (r recorder) RecordItems(items ...model.Item) error { return r.r.AppendItems(items...) }
func (r recorder) RecordCompacted(summary string, history []model.Item) error {
	return r.r.AppendCompacted(rollout.Compacted{Summary: summary, History: history})
}
func (r recorder) RecordEvent(msg protocol.EventMsg) error {
	return r.r.AppendEvent(protocol.Event{Msg: msg})
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

// joinInts renders line numbers: "3, 4, 9".
func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}
