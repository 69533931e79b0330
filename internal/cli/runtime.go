package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kodex-cli/kodex/internal/config"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
	"github.com/kodex-cli/kodex/internal/session"
)

// kodexRuntime is the session runtime of one command, with the factory and
// flags it was made from.
type kodexRuntime struct {
	*session.Runtime
	f *Factory
	g *GlobalOptions
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
func newRuntime(_ context.Context, f *Factory, g *GlobalOptions, headless bool) (*kodexRuntime, error) {
	cfg, cwd, err := loadConfig(f, g)
	if err != nil {
		return nil, err
	}
	srt, err := session.NewRuntime(runtimeOptions(f, g, cfg, cwd, headless))
	if err != nil {
		return nil, err
	}
	return &kodexRuntime{Runtime: srt, f: f, g: g}, nil
}

// runtimeOptions are the session runtime's options for a configuration
// loaded with the global flags g.
func runtimeOptions(f *Factory, g *GlobalOptions, cfg *config.Config, cwd string, headless bool) session.Options {
	var addDirs []string
	for _, d := range g.AddDirs {
		addDirs = append(addDirs, absIn(cwd, d))
	}
	return session.Options{
		Config: cfg, Cwd: cwd, AddDirs: addDirs, Headless: headless,
		Getenv: f.Getenv, Environ: f.Environ, Executable: f.Executable, Now: f.Now, Logger: f.Logger,
	}
}

// derivedRuntime is the runtime of a call or thread of a server (g: the
// server's flags with the call's settings on top), sharing base's model
// client unless the settings choose another provider: one client for the
// whole process.
func derivedRuntime(f *Factory, g *GlobalOptions, base *kodexRuntime, config map[string]any) (*kodexRuntime, error) {
	cfg, cwd, err := loadConfig(f, g)
	if err != nil {
		return nil, err
	}
	ro := runtimeOptions(f, g, cfg, cwd, true)
	if cfg.Provider.ID == base.Config.Provider.ID && !overridesProvider(config) {
		ro.Client = base.Client
	}
	srt, err := session.NewRuntime(ro)
	if err != nil {
		return nil, err
	}
	return &kodexRuntime{Runtime: srt, f: f, g: g}, nil
}

// overridesProvider reports whether -c style overrides choose or define
// a model provider.
func overridesProvider(config map[string]any) bool {
	for k := range config {
		if strings.HasPrefix(k, "model_provider") || strings.HasPrefix(k, "openai_base_url") {
			return true
		}
	}
	return false
}

func (rt *kodexRuntime) abs(p string) string { return absIn(rt.Cwd, p) }

func absIn(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// open opens a session of the runtime. A headless resume --last with no
// earlier session here starts a new one, as Codex's exec does.
func (rt *kodexRuntime) open(ctx context.Context, sp session.Spec) (*session.Session, error) {
	if sp.Resume && sp.ResumeLast && !sp.Interactive {
		path, err := rollout.Last(rt.Home, rt.Cwd)
		switch {
		case errors.Is(err, rollout.ErrNotFound):
			fmt.Fprintf(rt.f.IO.ErrOut, "kodex: no earlier session in %s; starting a new one\n", rt.Cwd)
			sp.Resume, sp.ResumeLast = false, false
		case err == nil: // found once: the session opens that path
			sp.ResumeLast, sp.ResumeID = false, path
		}
	}
	return rt.Open(ctx, sp)
}
